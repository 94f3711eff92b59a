//! The `lector` command line: argument parsing and the headless subcommands.
//! Never imports egui or eframe.

mod agree;
mod annotate;
mod export;
mod merge_driver;
mod predictions;
mod project_cmds;
mod suggest;
mod sync;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Annotate news articles: entities, claims and predictions, saved as plain-text RON projects.
///
/// With no subcommand Lector opens the desktop app: on PATH (a project folder, or an article
/// to make a project for), else on the last project, else on the sample project.
#[derive(Debug, Parser)]
#[command(name = "lector", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A subcommand to run headless.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A project folder or an article to open in the app.
    pub path: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the desktop app on a project folder or an article.
    Open {
        /// Project folder or article file.
        path: PathBuf,
    },
    /// Make a new project with the default schema (entities, Claim, Prediction).
    New {
        /// Folder for the project; created if needed.
        dir: PathBuf,
        /// Project name (default: the folder name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Add articles (.txt, .md, .html, .pdf, .docx, or http:// and https:// addresses of web
    /// pages and PDFs) to a project. Prints
    /// `<document-id>\t<title>` per article; what was guessed goes to stderr as warnings.
    ///
    /// Only the text is stored. A web page keeps its story (the <article>, else <main>, else
    /// the part with the most paragraph text) without menus, banners, share bars or comments;
    /// a PDF needs a text layer (a scan must be OCR'd first) and loses running headers,
    /// footers and line-end hyphens; a .docx keeps its paragraphs.
    Add {
        /// The project folder.
        dir: PathBuf,
        /// Article files, or web addresses (https://…) to fetch: the page's story is kept as
        /// for a saved page, with the address and the time fetched in project.ron. `-` reads
        /// the article's text from standard input, as the app's Paste as article does (the
        /// first line is the title).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Time limit for fetching each web address, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
        /// Title (only with a single file; default: a web page's headline, else the
        /// article's first line).
        #[arg(long)]
        title: Option<String>,
        /// When the article was published, YYYY-MM-DD (default: the date the file gives, a
        /// web page's article:published_time, <time datetime> or JSON-LD datePublished, a
        /// PDF's or .docx's creation date; else none). Due phrases are read against it.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = predictions::parse_iso_date)]
        published: Option<jiff::civil::Date>,
    },
    /// Add one annotation and print its id. Validates exactly as the app does.
    Annotate(annotate::AnnotateArgs),
    /// Export annotations to another tool's format; what it cannot carry is listed on stderr.
    Export(export::ExportArgs),
    /// Import annotations from jsonl, brat, doccano, w3c, xmi or label-studio; spans that do
    /// not fit the text are listed and skipped, never shifted. With --as-suggestions they
    /// become suggestions of a named source instead of an annotator's annotations.
    Import(export::ImportArgs),
    /// Validate the whole project and list every problem with file and place; exit 1 if any.
    Check {
        /// The project folder.
        dir: PathBuf,
        /// First place the annotations of documents whose text was corrected after they were
        /// annotated again on the new text, by their quotes and context; those that cannot be
        /// placed are kept in annotations/<annotator>/<document>.unplaced.ron and listed.
        #[arg(long)]
        reanchor: bool,
    },
    /// Inter-annotator agreement per label and overall: span F1, Cohen's and Fleiss' κ,
    /// Krippendorff's α and α_u, attribute agreement.
    Agree(agree::AgreeArgs),
    /// Commit your own annotations, pull colleagues' work (git pull --rebase) and push; lists
    /// who changed which documents since the last sync. Never commits colleagues' files.
    Sync(sync::SyncArgs),
    /// The git merge driver that merges Lector's files by id; `lector sync` registers it
    /// (`git config merge.lector.driver`), git runs it.
    #[command(hide = true)]
    MergeDriver(merge_driver::MergeDriverArgs),
    /// List the predictions of the project, each once however many annotators tagged it,
    /// with how they turned out; filter by status and holder.
    Predictions(predictions::PredictionsArgs),
    /// Record how a prediction turned out (or a claim's verdict), with a date, evidence and a
    /// note, in the resolver's own file (resolutions/<NAME>.ron).
    Resolve(predictions::ResolveArgs),
    /// Track records: per holder the predictions made, resolved, came true, the share and the
    /// Brier score; per source the claims by verdict.
    TrackRecord(predictions::TrackRecordArgs),
    /// List an annotator's open suggestions (names the entity registry knows, found again;
    /// imported model output), or accept or reject them.
    Suggest(suggest::SuggestArgs),
    /// Count annotations per document, annotator and label, and what each source of
    /// suggestions came to (suggested, accepted, rejected, open).
    Stats {
        /// The project folder.
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Go on when the project has problems, without what they affect (listed on stderr).
        #[arg(long)]
        partial: bool,
    },
}

/// What a command that failed says: the error and each cause after it, except a cause the
/// one before already says (an error that names its OS error, "cannot save: File too
/// large (os error 27): FILE", would otherwise end in it twice).
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    let mut before = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if !before.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
        before = cause;
    }
    text
}

/// Runs a headless subcommand. Errors are returned for `main` to print once.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        // `main` opens the app; here only when the binary was built without it.
        Command::Open { .. } => Err(anyhow::anyhow!(
            "this build of lector has no desktop app (built without the `gui` feature)"
        )),
        Command::New { dir, name } => project_cmds::new(&dir, name.as_deref()),
        Command::Add {
            dir,
            files,
            title,
            published,
            timeout,
        } => project_cmds::add(
            &dir,
            &files,
            title.as_deref(),
            published,
            std::time::Duration::from_secs(timeout.max(1)),
        ),
        Command::Annotate(args) => annotate::run(&args),
        Command::Export(args) => export::export(&args),
        Command::Import(args) => export::import(&args),
        Command::Check { dir, reanchor } => project_cmds::check(&dir, reanchor),
        Command::Stats { dir, json, partial } => project_cmds::stats(&dir, json, partial),
        Command::Agree(args) => agree::run(&args),
        Command::Sync(args) => sync::run(&args),
        Command::MergeDriver(args) => merge_driver::run(&args),
        Command::Predictions(args) => predictions::predictions(&args),
        Command::Resolve(args) => predictions::resolve(&args),
        Command::TrackRecord(args) => predictions::track_record(&args),
        Command::Suggest(args) => suggest::run(&args),
    }
}

/// Opens a project for a command that reads it (export, stats, agree). A project with
/// problems (a file cut short, spans out of range, …) would give a result with pieces
/// silently missing: that is an error naming the problems, unless `partial`, which goes on
/// and lists on stderr what was left out or may be wrong.
pub(crate) fn open_for_reading(
    dir: &std::path::Path,
    partial: bool,
) -> anyhow::Result<crate::store::ProjectStore> {
    let (store, problems) = crate::store::ProjectStore::open(dir)?;
    go_on_reading(dir, partial, &problems)?;
    Ok(store)
}

/// What [`open_for_reading`] does with the problems of a project it read: nothing without
/// any; with `partial`, lists them on stderr; else an error naming them.
pub(crate) fn go_on_reading(
    dir: &std::path::Path,
    partial: bool,
    problems: &[crate::store::Problem],
) -> anyhow::Result<()> {
    const SHOWN: usize = 20;
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.file = dir.join(&p.file);
            p.to_string()
        })
        .collect();
    if partial {
        eprintln!(
            "--partial: the project has {}; going on without what they leave out:",
            crate::words::plural(lines.len(), "problem")
        );
        for line in &lines {
            eprintln!("  left out or suspect: {line}");
        }
        return Ok(());
    }
    let mut message = format!(
        "the project has {}, so the result would miss what they affect:",
        crate::words::plural(lines.len(), "problem")
    );
    for line in lines.iter().take(SHOWN) {
        message.push_str("\n  ");
        message.push_str(line);
    }
    if lines.len() > SHOWN {
        message.push_str(&format!(
            "\n  … and {} more (`lector check {}` lists them all)",
            lines.len() - SHOWN,
            dir.display()
        ));
    }
    message.push_str("\nmend them, or add --partial to go on without what they affect");
    Err(anyhow::anyhow!(message))
}

/// Leaves what a command read for the process's exit to free: a big project's hundreds of
/// thousands of annotations took a tenth of `lector check`'s time to free one by one, on one
/// thread, after the output was written. Only for what the command is finished with.
pub(crate) fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// A string cut to `max` chars with an ellipsis, on one line.
fn shorten(s: &str, max: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Writes to stdout, treating a closed pipe (`lector stats | head`) as success.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    /// Each cause once: a context, an error that says its cause, the cause.
    #[test]
    fn a_failure_names_each_cause_once() {
        let os = std::io::Error::from_raw_os_error(27);
        let said = os.to_string();
        let err = crate::store::StoreError::Io {
            action: "cannot save",
            source: os,
            path: "p/annotations/anna/d.ron".into(),
        };
        let text = super::error_text(&anyhow::Error::new(err).context("not added"));
        assert_eq!(
            text,
            format!("not added: cannot save: {said}: p/annotations/anna/d.ron")
        );
        assert_eq!(text.matches(&said).count(), 1, "{text}");
        let plain = anyhow::anyhow!("no such document").context("not added");
        assert_eq!(super::error_text(&plain), "not added: no such document");
        // A cause that only happens to be in an earlier message, not the one before, stays.
        let far = anyhow::anyhow!("denied")
            .context("reading the file")
            .context("denied: the folder");
        assert_eq!(
            super::error_text(&far),
            "denied: the folder: reading the file: denied"
        );
    }
}
