//! `lector export` and `lector import`.

use crate::words::plural;
use std::path::PathBuf;
use std::process::ExitCode;

use super::print;
use crate::formats::{self, Format, Selection, import};
use crate::model::project;
use crate::session::Session;
use crate::store::ProjectStore;

/// Arguments of `lector export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// jsonl, csv, brat, doccano, w3c, spacy, spacy-docbin, conll, xmi, label-studio or
    /// html.
    #[arg(long)]
    pub format: Format,
    /// Output file, outside the project folder; `-` for standard output (a new or empty
    /// folder for brat, xmi and label-studio). A device or pipe is written to, never
    /// replaced; a symlink is written through to its target.
    #[arg(long)]
    pub out: PathBuf,
    /// Only this annotator's annotations. Repeatable; default: everyone's.
    #[arg(long = "annotator")]
    pub annotators: Vec<String>,
    /// Only this document. Repeatable; default: every document.
    #[arg(long = "document")]
    pub documents: Vec<String>,
    /// Go on when the project has problems, without what they affect (listed on stderr).
    #[arg(long)]
    pub partial: bool,
    /// label-studio: credit ANNOTATOR's work to the Label Studio user with this e-mail address
    /// (`completed_by`). Repeatable. Annotators not mapped are written without one (Label
    /// Studio refuses users it does not have) and their work goes to whoever imports.
    #[arg(long = "ls-user", value_name = "ANNOTATOR=EMAIL", value_parser = parse_ls_user)]
    pub ls_users: Vec<(String, String)>,
    /// spacy-docbin: write this share of the documents (0–1, by document) to --out and the
    /// rest to a dev file beside it (dev.spacy for train.spacy, else NAME-dev.spacy).
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub split: Option<f64>,
}

/// `ANNOTATOR=EMAIL` of `--ls-user`.
fn parse_share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!(
            "{s} is not a share between 0 and 1 (0.8 writes 80% of the documents to --out)"
        )),
    }
}

fn parse_ls_user(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, e)) if !a.trim().is_empty() && e.contains('@') => {
            Ok((a.trim().to_owned(), e.trim().to_owned()))
        }
        _ => Err(format!(
            "{s:?}: expected ANNOTATOR=EMAIL, the e-mail address of a Label Studio user"
        )),
    }
}

/// Arguments of `lector import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// jsonl, brat (the annotator's folder), doccano, w3c, xmi (the annotator's folder or one
    /// .xmi file) or label-studio (the export folder or its tasks.json).
    #[arg(long)]
    pub format: Format,
    /// Whose annotations they become. From a Label Studio file with several annotators' work,
    /// the entries whose completed_by names this annotator are imported.
    #[arg(long, required_unless_present = "as_suggestions")]
    pub annotator: Option<String>,
    /// Store the file's spans as suggestions of a source (see --source) that every annotator
    /// accepts or rejects (`lector suggest`), instead of as an annotator's annotations. From
    /// Label Studio the tasks' predictions (model output) are taken where there are any.
    #[arg(long)]
    pub as_suggestions: bool,
    /// With --as-suggestions: the source's name, which `lector suggest` and `lector stats`
    /// show (default: the file's name without its extension, e.g. spacy-ner).
    #[arg(long, requires = "as_suggestions")]
    pub source: Option<String>,
    /// The file (or folder) to import.
    pub path: PathBuf,
    /// Map a label of the file to one of the project's: FROM=TO (repeatable). Labels that
    /// differ from the project's only in case (PERSON, person) are matched without one. With
    /// --add-labels, TO may be a new label, of the kind FROM=TO:claim|prediction|entity gives
    /// (entity when left out).
    #[arg(long = "map", value_name = "FROM=TO[:KIND]")]
    pub map: Vec<formats::mapping::MapRule>,
    /// Add the labels the schema lacks (as entity labels, unless --map gives their kind) and
    /// save the schema, instead of skipping their spans.
    #[arg(long)]
    pub add_labels: bool,
}

/// Exports and prints what the format could not carry on stderr.
pub fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_for_reading(&args.dir, args.partial)?;
    let mut selection = Selection::new(&store.project, &args.annotators, &args.documents)?;
    if !args.ls_users.is_empty() && args.format != Format::LabelStudio {
        anyhow::bail!("--ls-user is for --format label-studio");
    }
    if args.split.is_some() && args.format != Format::SpacyDocbin {
        anyhow::bail!("--split is for --format spacy-docbin");
    }
    for (annotator, _) in &args.ls_users {
        if !selection
            .items
            .iter()
            .any(|(_, set)| &set.annotator == annotator)
        {
            anyhow::bail!("--ls-user {annotator}=…: the export has no work of {annotator:?}");
        }
    }
    selection.options.ls_users = args.ls_users.iter().cloned().collect();
    selection.options.split = args.split;
    let report = formats::export_to(args.format, &selection, &args.out, Some(&args.dir))?;
    for line in report.lines() {
        eprintln!("{} export: {line}", args.format);
    }
    for note in &report.notes {
        eprintln!("{} export: {note}", args.format);
    }
    // Documents and annotators, not the versions written (one per document and annotator).
    let documents: std::collections::BTreeSet<&str> = selection
        .items
        .iter()
        .map(|(d, _)| d.meta.id.as_str())
        .collect();
    let annotators: std::collections::BTreeSet<&str> = selection
        .items
        .iter()
        .map(|(_, s)| s.annotator.as_str())
        .collect();
    let summary = format!(
        "exported {} of {} by {} as {} to {}",
        plural(report.annotations, "annotation"),
        plural(documents.len(), "document"),
        plural(annotators.len(), "annotator"),
        args.format,
        if args.out == std::path::Path::new("-") {
            "standard output".to_owned()
        } else {
            args.out.display().to_string()
        }
    );
    if args.out == std::path::Path::new("-") {
        // Standard output carries the export itself.
        eprintln!("{summary}");
    } else {
        print(&format!("{summary}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Imports, lists every skipped span and every repeat (imported once) on stderr, and saves
/// the changed files. Exits 1 when something was skipped.
pub fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    if args.as_suggestions {
        return import_suggestions(args);
    }
    let Some(annotator) = args.annotator.as_deref() else {
        anyhow::bail!("--annotator NAME is needed: whose annotations the import becomes");
    };
    if let Some(problem) = project::annotator_name_problem(annotator) {
        anyhow::bail!(problem);
    }
    let (store, _problems) = ProjectStore::open(&args.dir)?;
    if !args.format.can_import() {
        return Err(formats::FormatError::NotImportable {
            format: args.format,
        }
        .into());
    }
    let parsed = import::read(args.format, &store.project, &args.path, annotator)?;
    let request = formats::mapping::MappingRequest {
        rules: args.map.clone(),
        add_labels: args.add_labels,
        ..Default::default()
    };
    let formats::mapping::MappedImport {
        labels,
        new_labels,
        plan: import::Plan { outcome, edits },
    } = formats::mapping::plan_import(&store.project, annotator, parsed, &request)?;
    let mut store = store;
    if !new_labels.is_empty() {
        let added = store
            .add_labels(new_labels)
            .map_err(|e| anyhow::anyhow!("the labels were not added: {e}; nothing was imported"))?;
        for name in added {
            let kind = store
                .project
                .schema
                .label(&name)
                .map_or("entity", |l| l.kind.name());
            eprintln!("added label {name:?} ({kind}) to the schema");
        }
    }
    // Through a session, like the app: locked, and merged with what another writer saved.
    let mut session = Session::headless(store, annotator);
    for (document, group) in edits {
        session.apply(&document, group).map_err(|e| {
            anyhow::anyhow!("not imported into {document:?}: {e}; nothing was saved")
        })?;
    }
    let errors = session.save_now();
    let store_schema = session.store.project.schema.clone();
    if let Some(err) = errors.into_iter().next() {
        return Err(anyhow::Error::new(err).context("the import was not saved"));
    }
    for line in labels.mapped() {
        eprintln!("mapped: {line}");
    }
    let by_label = labels.skipped_report(&store_schema, &args.path);
    for skipped in by_label.iter().chain(&outcome.skipped) {
        eprintln!("skipped: {skipped}");
    }
    for repeated in &outcome.repeated {
        eprintln!("repeated: {repeated}");
    }
    let repeats = match outcome.repeated.len() {
        0 => String::new(),
        n => format!("; {n} repeated annotations imported once"),
    };
    let label_skips: usize = labels.skipped().iter().map(|u| u.count).sum();
    print(&format!(
        "imported {} into {} for {}; {} skipped{repeats}\n",
        plural(outcome.added.len(), "annotation"),
        plural(outcome.changed_documents.len(), "document"),
        annotator,
        outcome.skipped.len() + label_skips
    ))?;
    Ok(if outcome.skipped.is_empty() && label_skips == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The source name an import of `path` gets without --source: the file's (or folder's) name
/// without its extension, made a safe name.
fn default_source(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::model::EntityId::slug(&stem).0
}

/// `lector import --as-suggestions`: the spans that fit the text become suggestions of the
/// source, added to `suggestions/<source>/<document>.ron` under each file's lock.
fn import_suggestions(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    use crate::model::suggested::{SuggestedSpan, source_name_problem};
    let source = args
        .source
        .clone()
        .unwrap_or_else(|| default_source(&args.path));
    if let Some(problem) = source_name_problem(&source) {
        anyhow::bail!(problem);
    }
    if !args.format.can_import() {
        return Err(formats::FormatError::NotImportable {
            format: args.format,
        }
        .into());
    }
    let (mut store, _problems) = ProjectStore::open(&args.dir)?;
    // Whose entries to read where a file holds several people's work (Label Studio without
    // predictions); else nobody's in particular.
    let reader = args.annotator.clone().unwrap_or_else(|| source.clone());
    let mut parsed = import::read_suggestions(args.format, &store.project, &args.path, &reader)?;
    let request = formats::mapping::MappingRequest {
        rules: args.map.clone(),
        add_labels: args.add_labels,
        ..Default::default()
    };
    let labels = formats::mapping::resolve(&store.project.schema, &parsed, &request)?;
    labels.rename(&mut parsed);
    let new_labels = labels.new_labels(&store.project.schema);
    let mut scratch = store.project.clone();
    scratch.schema.labels.extend(new_labels.iter().cloned());
    // Checked exactly as an import into an annotator's set is, on a scratch annotator no
    // one has.
    let scratch_annotator = ".suggestions";
    let import::Plan { outcome, edits } = import::plan(&scratch, scratch_annotator, parsed);
    drop(scratch);
    let mut by_document: Vec<(String, Vec<SuggestedSpan>, Vec<crate::model::Entity>)> = Vec::new();
    let mut discontinuous = 0;
    for (document, group) in edits {
        let mut spans = Vec::new();
        let mut entities = Vec::new();
        for edit in group {
            match edit {
                crate::model::edit::Edit::Insert(a) => {
                    let [fragment] = a.fragments.as_slice() else {
                        discontinuous += 1;
                        continue;
                    };
                    spans.push(SuggestedSpan {
                        start: fragment.start.0,
                        end: fragment.end.0,
                        label: a.label.to_string(),
                        entity: a.entity.clone(),
                    });
                }
                crate::model::edit::Edit::UpsertEntity(e) => entities.push(*e),
                _ => {}
            }
        }
        by_document.push((document, spans, entities));
    }
    let used: std::collections::BTreeSet<&str> = by_document
        .iter()
        .flat_map(|(_, spans, _)| spans.iter().map(|s| s.label.as_str()))
        .collect();
    let new_labels: Vec<_> = new_labels
        .into_iter()
        .filter(|l| used.contains(l.name.as_str()))
        .collect();
    if !new_labels.is_empty() {
        let added = store
            .add_labels(new_labels)
            .map_err(|e| anyhow::anyhow!("the labels were not added: {e}; nothing was imported"))?;
        for name in added {
            eprintln!("added label {name:?} to the schema");
        }
    }
    let mut total = 0;
    let mut new = 0;
    let mut documents = 0;
    for (document, spans, entities) in by_document {
        if spans.is_empty() {
            continue;
        }
        total += spans.len();
        documents += 1;
        new += store
            .add_suggestions(&source, &document, spans, entities)
            .map_err(|e| anyhow::anyhow!("the suggestions for {document:?} were not saved: {e}"))?;
    }
    for line in labels.mapped() {
        eprintln!("mapped: {line}");
    }
    let by_label = labels.skipped_report(&store.project.schema, &args.path);
    for skipped in by_label.iter().chain(&outcome.skipped) {
        eprintln!("skipped: {skipped}");
    }
    if discontinuous > 0 {
        eprintln!(
            "skipped: {discontinuous} discontinuous spans (a suggestion is one span of text)"
        );
    }
    let label_skips: usize = labels.skipped().iter().map(|u| u.count).sum();
    let skipped = outcome.skipped.len() + label_skips + discontinuous;
    let repeats = match total - new {
        0 => String::new(),
        n => format!(" ({n} were there already)"),
    };
    print(&format!(
        "imported {} of source {source} into {}{repeats}; {skipped} skipped\n",
        plural(total, "suggestion"),
        plural(documents, "document"),
    ))?;
    Ok(if skipped == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
