//! `lector suggest`: list an annotator's open suggestions, accept or reject them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{print, shorten};
use crate::model::CharOffset;
use crate::session::Session;
use crate::suggest::{self, SuggestOptions, Suggester, Suggestion};

/// Arguments of `lector suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Whose suggestions: what this annotator has tagged or decided is not suggested again.
    #[arg(long)]
    pub annotator: String,
    /// Only this document (repeatable; default: every document).
    #[arg(long = "document")]
    pub documents: Vec<String>,
    /// Only mentions of this entity (id).
    #[arg(long)]
    pub entity: Option<String>,
    /// Only suggestions of this source (`registry`, or an imported source).
    #[arg(long)]
    pub source: Option<String>,
    /// Find the registry's names whatever their case (default: as tagged).
    #[arg(long)]
    pub ignore_case: bool,
    /// Print JSON: an array of objects with document, start, end (Unicode characters of the
    /// stored text, half-open, like every export), text, label, entity and source.
    #[arg(long)]
    pub json: bool,
    /// Accept every suggestion listed (one undo step per document) and print how many.
    #[arg(long, conflicts_with_all = ["accept", "reject"])]
    pub accept_all: bool,
    /// Accept the suggestion at START:END (needs one --document).
    #[arg(long, value_name = "START:END", conflicts_with = "reject")]
    pub accept: Option<String>,
    /// Reject the suggestion at START:END (needs one --document): remembered in
    /// triage/<annotator>.ron, never suggested to this annotator again.
    #[arg(long, value_name = "START:END")]
    pub reject: Option<String>,
    /// Go on when the project has problems, without what they affect (listed on stderr).
    #[arg(long)]
    pub partial: bool,
}

fn parse_span(spec: &str) -> anyhow::Result<(u32, u32)> {
    let (a, b) = spec
        .split_once(':')
        .with_context(|| format!("{spec:?} is not START:END"))?;
    let a = a
        .trim()
        .parse()
        .with_context(|| format!("start {a:?} is not a number"))?;
    let b = b
        .trim()
        .parse()
        .with_context(|| format!("end {b:?} is not a number"))?;
    Ok((a, b))
}

/// Lists, accepts or rejects suggestions.
pub fn run(args: &SuggestArgs) -> anyhow::Result<ExitCode> {
    if let Some(problem) = crate::model::project::annotator_name_problem(&args.annotator) {
        anyhow::bail!(problem);
    }
    let store = super::open_for_reading(&args.dir, args.partial)?;
    let project = &store.project;
    for document in &args.documents {
        if project.document(document).is_none() {
            anyhow::bail!(
                "there is no document {document:?} in {}",
                args.dir.display()
            );
        }
    }
    let documents: Vec<String> = if args.documents.is_empty() {
        project
            .documents
            .iter()
            .map(|d| d.meta.id.clone())
            .collect()
    } else {
        args.documents.clone()
    };
    let suggester = Suggester::new(
        project,
        SuggestOptions {
            ignore_case: args.ignore_case,
        },
    );
    let wanted = |s: &Suggestion| {
        args.entity
            .as_deref()
            .is_none_or(|e| s.entity.as_ref().is_some_and(|id| id.0 == e))
            && args.source.as_deref().is_none_or(|src| s.source == src)
    };
    let open: Vec<(String, Vec<Suggestion>)> = documents
        .iter()
        .map(|d| {
            let found = suggester.document(project, d, &args.annotator);
            (
                d.clone(),
                found.open().filter(|s| wanted(s)).cloned().collect(),
            )
        })
        .collect();
    if let Some(spec) = args.accept.as_deref().or(args.reject.as_deref()) {
        return decide_one(args, store, &open, spec);
    }
    if args.accept_all {
        return accept_all(args, store, open);
    }
    if args.json {
        let items: Vec<serde_json::Value> = open
            .iter()
            .flat_map(|(document, list)| {
                let text = project.document(document).map(|d| d.text.clone());
                list.iter().map(move |s| {
                    serde_json::json!({
                        "document": document,
                        "start": s.start.0,
                        "end": s.end.0,
                        "text": text.as_ref().and_then(|t| t.slice(s.start, s.end)).unwrap_or(""),
                        "label": s.label,
                        "entity": s.entity.as_ref().map(|e| e.0.clone()),
                        "source": s.source,
                    })
                })
            })
            .collect();
        print(&format!("{}\n", serde_json::to_string_pretty(&items)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    writeln!(
        out,
        "{:<20} {:>13}  {:<14} {:<24} {:<12} text",
        "document", "span", "label", "entity", "source"
    )?;
    let mut total = 0;
    for (document, list) in &open {
        let text = project.document(document).map(|d| &d.text);
        for s in list {
            total += 1;
            writeln!(
                out,
                "{:<20} {:>13}  {:<14} {:<24} {:<12} {}",
                shorten(document, 20),
                format!("{}:{}", s.start.0, s.end.0),
                s.label,
                shorten(s.entity.as_ref().map_or("—", |e| e.0.as_str()), 24),
                s.source,
                shorten(text.and_then(|t| t.slice(s.start, s.end)).unwrap_or(""), 60)
            )?;
        }
    }
    writeln!(out, "{total} open suggestions for {}", args.annotator)?;
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// A headless session for the annotator, with format-1 resolutions moved first (as every
/// command that writes for an annotator does).
fn session_for(args: &SuggestArgs, store: crate::store::ProjectStore) -> anyhow::Result<Session> {
    let mut session = Session::headless(store, &args.annotator);
    if let Some(migration) = session.migrate_resolutions()
        && let Some(err) = migration.errors.into_iter().next()
    {
        return Err(anyhow::Error::new(err).context("nothing decided"));
    }
    Ok(session)
}

fn decide_one(
    args: &SuggestArgs,
    store: crate::store::ProjectStore,
    open: &[(String, Vec<Suggestion>)],
    spec: &str,
) -> anyhow::Result<ExitCode> {
    let [document] = args.documents.as_slice() else {
        anyhow::bail!("--accept and --reject need exactly one --document");
    };
    let (start, end) = parse_span(spec)?;
    let list = open
        .iter()
        .find(|(d, _)| d == document)
        .map_or(&[][..], |(_, l)| l.as_slice());
    let Some(s) = list
        .iter()
        .find(|s| s.start == CharOffset(start) && s.end == CharOffset(end))
    else {
        anyhow::bail!(
            "{document} has no open suggestion at {start}:{end} for {} (`lector suggest {} \
             --annotator {} --document {document}` lists them)",
            args.annotator,
            args.dir.display(),
            args.annotator
        );
    };
    let project = &store.project;
    let accepting = args.accept.is_some();
    let edits = if accepting {
        suggest::accept_edits(project, document, &args.annotator, s)
            .map_err(|e| anyhow::anyhow!("not accepted: {e}"))?
    } else {
        vec![suggest::reject_edit(project, document, s)]
    };
    let what = format!(
        "{} {} “{}”",
        s.label,
        s.entity.as_ref().map_or("", |e| e.0.as_str()),
        project
            .document(document)
            .and_then(|d| d.text.slice(s.start, s.end))
            .unwrap_or("")
    );
    let mut session = session_for(args, store)?;
    session
        .apply(document, edits)
        .map_err(|e| anyhow::anyhow!("not decided: {e}"))?;
    if let Some(err) = session.save_now().into_iter().next() {
        return Err(anyhow::Error::new(err).context("not saved"));
    }
    print(&format!(
        "{} {what} at {start}:{end} of {document} for {}\n",
        if accepting { "accepted" } else { "rejected" },
        args.annotator
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn accept_all(
    args: &SuggestArgs,
    store: crate::store::ProjectStore,
    open: Vec<(String, Vec<Suggestion>)>,
) -> anyhow::Result<ExitCode> {
    let groups: Vec<(String, usize, Vec<crate::session::Edit>)> = open
        .iter()
        .map(|(document, list)| {
            let (n, edits) =
                suggest::accept_all_edits(&store.project, document, &args.annotator, list);
            (document.clone(), n, edits)
        })
        .filter(|(_, n, _)| *n > 0)
        .collect();
    let mut session = session_for(args, store)?;
    let mut total = 0;
    let mut documents = 0;
    for (document, n, edits) in groups {
        session
            .apply(&document, edits)
            .map_err(|e| anyhow::anyhow!("not accepted in {document:?}: {e}; nothing was saved"))?;
        total += n;
        documents += 1;
    }
    if let Some(err) = session.save_now().into_iter().next() {
        return Err(anyhow::Error::new(err).context("not saved"));
    }
    print(&format!(
        "accepted {} in {} for {}\n",
        crate::words::plural(total, "suggestion"),
        crate::words::plural(documents, "document"),
        args.annotator
    ))?;
    Ok(ExitCode::SUCCESS)
}
