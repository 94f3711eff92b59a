//! `lector sync`: commit your own annotations, pull colleagues' work, push; print who changed
//! what.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::print;

/// Arguments of `lector sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The project folder, inside a git work tree.
    pub dir: PathBuf,
    /// Whose work to commit: only `annotations/NAME/` and `entities/NAME.ron` (and documents
    /// NAME added) are committed, never colleagues' files.
    #[arg(long)]
    pub annotator: String,
}

pub fn run(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    // An error's message says what was done before it (the user's commit, what was pulled).
    let report = crate::sync::sync(&args.dir, &args.annotator).context("sync stopped")?;
    print(&report.to_string())?;
    Ok(ExitCode::SUCCESS)
}
