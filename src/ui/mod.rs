//! The desktop app.

use std::process::ExitCode;

/// Opens the app.
pub fn run(_path: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the desktop app is being built")
}
