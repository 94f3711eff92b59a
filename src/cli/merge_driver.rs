//! `lector merge-driver %O %A %B %P`: the command git runs to merge two versions of one of
//! Lector's files (see [`crate::merge`]). Not for typing: `lector sync` registers it.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lector merge-driver`, in the order git's placeholders give them.
#[derive(Debug, clap::Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (`%O`).
    pub base: PathBuf,
    /// Our version (`%A`), where the result is written.
    pub ours: PathBuf,
    /// Their version (`%B`).
    pub theirs: PathBuf,
    /// The file's path in the repository (`%P`).
    pub path: String,
}

/// Merges; exit 0 when merged, 1 when a person has to finish (the reasons on stderr).
pub fn run(args: &MergeDriverArgs) -> anyhow::Result<ExitCode> {
    let MergeDriverArgs {
        base,
        ours,
        theirs,
        path,
    } = args;
    let run = crate::merge::run_driver(base, ours, theirs, path)?;
    // Git shows the driver's stderr in the terminal; `lector sync` reads the notes file.
    for note in &run.notes {
        if note.conflict {
            eprintln!("lector: cannot merge {note}", note = note.text);
        } else {
            eprintln!("lector: merged {}", note.text);
        }
    }
    Ok(if run.merged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
