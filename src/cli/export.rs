//! `lector export` and `lector import`.

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
    /// jsonl, csv, brat, doccano, w3c, spacy, conll, xmi, label-studio or html.
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
    #[arg(long)]
    pub annotator: String,
    /// The file (or folder) to import.
    pub path: PathBuf,
}

/// Exports and prints what the format could not carry on stderr.
pub fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_for_reading(&args.dir, args.partial)?;
    let selection = Selection::new(&store.project, &args.annotators, &args.documents)?;
    let report = formats::export_to(args.format, &selection, &args.out, Some(&args.dir))?;
    for line in report.lines() {
        eprintln!("{} export: {line}", args.format);
    }
    let summary = format!(
        "exported {} annotations of {} documents as {} to {}",
        report.annotations,
        report.documents,
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
    if let Some(problem) = project::annotator_name_problem(&args.annotator) {
        anyhow::bail!(problem);
    }
    let (store, _problems) = ProjectStore::open(&args.dir)?;
    if !args.format.can_import() {
        return Err(formats::FormatError::NotImportable {
            format: args.format,
        }
        .into());
    }
    let parsed = import::read(args.format, &store.project, &args.path, &args.annotator)?;
    let import::Plan { outcome, edits } = import::plan(&store.project, &args.annotator, parsed);
    // Through a session, like the app: locked, and merged with what another writer saved.
    let mut session = Session::headless(store, &args.annotator);
    for (document, group) in edits {
        session.apply(&document, group).map_err(|e| {
            anyhow::anyhow!("not imported into {document:?}: {e}; nothing was saved")
        })?;
    }
    let errors = session.save_now();
    if let Some(err) = errors.into_iter().next() {
        return Err(anyhow::Error::new(err).context("the import was not saved"));
    }
    for skipped in &outcome.skipped {
        eprintln!("skipped: {skipped}");
    }
    for repeated in &outcome.repeated {
        eprintln!("repeated: {repeated}");
    }
    let repeats = match outcome.repeated.len() {
        0 => String::new(),
        n => format!("; {n} repeated annotations imported once"),
    };
    print(&format!(
        "imported {} annotations into {} documents for {}; {} skipped{repeats}\n",
        outcome.added.len(),
        outcome.changed_documents.len(),
        args.annotator,
        outcome.skipped.len()
    ))?;
    Ok(if outcome.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
