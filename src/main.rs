//! The `lector` binary: no subcommand opens the desktop app; subcommands run headless.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    // This program is the one git is to run as Lector's merge driver.
    lector::sync::running_lector();
    let args = lector::cli::Args::parse();
    let result = match args.command {
        Some(lector::cli::Command::Open { path }) => open_app(Some(path)),
        Some(command) => lector::cli::run(command),
        None => open_app(args.path),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", lector::cli::error_text(&err));
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "gui")]
fn open_app(path: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    lector::ui::run(path)
}

#[cfg(not(feature = "gui"))]
fn open_app(_path: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this build of lector has no desktop app (built without the `gui` feature); see `lector --help`"
    )
}
