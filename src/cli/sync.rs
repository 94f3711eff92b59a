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
    /// Seconds a pull or push may take before it is stopped (a remote that does not answer).
    #[arg(long, value_name = "SECONDS", default_value_t = crate::sync::NETWORK_TIMEOUT.as_secs())]
    pub timeout: u64,
}

pub fn run(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    // An error's message says what was done before it (the user's commit, what was pulled).
    let git = crate::sync::Git::new().network_timeout(std::time::Duration::from_secs(args.timeout));
    let report =
        crate::sync::sync_with(&git, &args.dir, &args.annotator).context("sync stopped")?;
    print(&report.to_string())?;
    Ok(ExitCode::SUCCESS)
}
