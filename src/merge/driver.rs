//! The run of `lector merge-driver %O %A %B %P` by git: read the three versions, merge,
//! write the result over `%A`, and tell the user (stderr, and the notes file of a sync).

use std::io::Write as _;
use std::path::Path;

use super::{Conflict, Merged, NOTES_ENV, Names, Versions, merge};

/// What the driver tells the user: a note on a merge done, or why a person must finish it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    /// A conflict left for a person (else a note on a merge done).
    pub conflict: bool,
    /// The sentence, starting with the file.
    pub text: String,
}

/// What a run of the driver did.
#[derive(Debug)]
pub struct DriverRun {
    /// Whether the file was merged (else it holds conflict markers for a person).
    pub merged: bool,
    /// What to tell the user.
    pub notes: Vec<Note>,
}

/// Why the driver could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// A version could not be read or the result written.
    #[error("{action}: {source}: {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
        /// The file.
        path: std::path::PathBuf,
    },
}

/// `lector merge-driver %O %A %B %P`: merges the files git gives, writes the result over
/// `ours` (`%A`), and says what it did. A conflict leaves `ours` with what could be merged
/// and conflict markers (git's own line merge where Lector cannot read a version).
pub fn run_driver(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    path: &str,
) -> Result<DriverRun, DriverError> {
    let read = |file: &Path| {
        std::fs::read(file).map_err(|source| DriverError::Io {
            action: "cannot read a version git gave",
            source,
            path: file.to_path_buf(),
        })
    };
    let (b, o, t) = (read(base)?, read(ours)?, read(theirs)?);
    let names = Names::from_env();
    let result = match (
        std::str::from_utf8(&b),
        std::str::from_utf8(&o),
        std::str::from_utf8(&t),
    ) {
        (Ok(base_text), Ok(ours_text), Ok(theirs_text)) => merge(
            path,
            &Versions {
                base: base_text,
                ours: ours_text,
                theirs: theirs_text,
                names: names.clone(),
            },
        ),
        _ => Err(Conflict::reason(format!(
            "{path}: a version is not UTF-8, so Lector cannot read it"
        ))),
    };
    let prefixed = |text: String| {
        if text.starts_with(path) {
            text
        } else {
            format!("{path}: {text}")
        }
    };
    let (text, run) = match result {
        Ok(Merged { text, notes }) => (
            text.into_bytes(),
            DriverRun {
                merged: true,
                notes: notes
                    .into_iter()
                    .map(|n| Note {
                        conflict: false,
                        text: prefixed(n),
                    })
                    .collect(),
            },
        ),
        Err(Conflict { text, reasons }) => {
            let text = match text {
                Some(text) => text.into_bytes(),
                None => line_merge(base, ours, theirs, &names)
                    .unwrap_or_else(|| whole_file_conflict(&o, &t, &names)),
            };
            (
                text,
                DriverRun {
                    merged: false,
                    notes: reasons
                        .into_iter()
                        .map(|r| Note {
                            conflict: true,
                            text: prefixed(r),
                        })
                        .collect(),
                },
            )
        }
    };
    std::fs::write(ours, text).map_err(|source| DriverError::Io {
        action: "cannot write the merged file",
        source,
        path: ours.to_path_buf(),
    })?;
    record_notes(&run.notes);
    Ok(run)
}

/// Appends the notes to the file a sync named in [`NOTES_ENV`]. Best effort: the notes are
/// on stderr too.
fn record_notes(notes: &[Note]) {
    let Some(file) = std::env::var_os(NOTES_ENV) else {
        return;
    };
    let mut lines = String::new();
    for note in notes {
        if let Ok(line) = serde_json::to_string(note) {
            lines.push_str(&line);
            lines.push('\n');
        }
    }
    if lines.is_empty() {
        return;
    }
    if let Ok(mut out) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = out.write_all(lines.as_bytes());
    }
}

/// Reads the notes the driver recorded in `file` (see [`NOTES_ENV`]); lines that are not
/// notes are skipped.
pub fn read_notes(file: &Path) -> Vec<Note> {
    std::fs::read_to_string(file)
        .map(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Git's own line merge of the three files, with conflict markers, as git would have done
/// without the driver.
fn line_merge(base: &Path, ours: &Path, theirs: &Path, names: &Names) -> Option<Vec<u8>> {
    let out = std::process::Command::new("git")
        .args([
            "merge-file",
            "-p",
            "-L",
            &names.ours,
            "-L",
            "common ancestor",
            "-L",
        ])
        .arg(&names.theirs)
        .args([ours, base, theirs])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    // The exit status is the number of conflicts; negative (here > 127) on an error.
    let code = out.status.code()?;
    (0..128).contains(&code).then_some(out.stdout)
}

/// Both versions whole between conflict markers: the last resort when git cannot merge.
fn whole_file_conflict(ours: &[u8], theirs: &[u8], names: &Names) -> Vec<u8> {
    let mut text = format!("<<<<<<< {}\n", names.ours).into_bytes();
    text.extend_from_slice(ours);
    if !ours.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(b"=======\n");
    text.extend_from_slice(theirs);
    if !theirs.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(format!(">>>>>>> {}\n", names.theirs).as_bytes());
    text
}
