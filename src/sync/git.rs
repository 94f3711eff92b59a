//! Running the system `git` binary: one place that fixes the environment every call gets.
//!
//! Lector drives the `git` the user already has (their credentials, hooks, signing and
//! configuration apply) rather than linking a git library: what `lector sync` does is then
//! exactly what the user could type, and can be finished or undone by hand.

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::SyncError;

/// How to run git: which program, and any extra environment.
///
/// Every call runs with `LC_ALL=C` (messages in English, for parsing), `core.quotepath=off`
/// (paths printed as they are, not octal-escaped), no colour, no terminal prompts
/// (`GIT_TERMINAL_PROMPT=0`: a missing password is an error, not a hang of the app), no editor,
/// and stdin closed. `GIT_DIR`, `GIT_WORK_TREE` and `GIT_INDEX_FILE` inherited from a parent
/// process (a git hook, say) are removed, so the repository is always the one holding the
/// project folder.
#[derive(Clone, Debug)]
pub struct Git {
    program: PathBuf,
    envs: Vec<(OsString, OsString)>,
}

impl Default for Git {
    fn default() -> Self {
        Self {
            program: PathBuf::from("git"),
            envs: Vec::new(),
        }
    }
}

/// What a finished git command printed.
#[derive(Debug)]
pub(crate) struct Output {
    /// Whether it exited with 0.
    pub success: bool,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded and trimmed.
    pub stderr: String,
}

impl Output {
    /// Git's error message on one line, without progress, ref updates and hints: for
    /// showing to the user.
    pub fn message(&self) -> String {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|line| {
                let trimmed = line.trim();
                !(trimmed.is_empty()
                    || trimmed.starts_with("hint:")
                    || line.starts_with("From ")
                    || line.starts_with("To ")
                    // A ref update: `   1c259f4..9b525f9  main -> origin/main`.
                    || (line.starts_with(' ') && trimmed.contains(" -> ")))
            })
            .map(str::trim)
            .collect();
        lines.join(" ").trim_end_matches('.').to_owned()
    }
}

impl Git {
    /// `git` found on `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// A particular git executable, e.g. when a desktop app does not inherit the shell's
    /// `PATH` (macOS apps started from the Finder do not see Homebrew's `/opt/homebrew/bin`).
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            envs: Vec::new(),
        }
    }

    /// Adds an environment variable to every git call (e.g. `GIT_SSH_COMMAND`, or an author
    /// identity in tests).
    #[must_use]
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The program run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    fn command(&self, dir: &Path) -> Command {
        let mut command = Command::new(&self.program);
        command
            .current_dir(dir)
            .args(["-c", "core.quotepath=off", "-c", "color.ui=false"])
            .env("LC_ALL", "C")
            .env_remove("LANGUAGE")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_EDITOR", "true")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_COMMON_DIR")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs git in `dir` and returns what it printed, whatever its exit status.
    pub(crate) fn output<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
    ) -> Result<Output, SyncError> {
        self.output_with_input(dir, args, None)
    }

    /// Runs git in `dir` with `input` on its stdin.
    pub(crate) fn output_with_input<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
        input: Option<&[u8]>,
    ) -> Result<Output, SyncError> {
        let mut command = self.command(dir);
        command.args(args).stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command
            .spawn()
            .map_err(|source| self.spawn_error(source, dir))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            // A git that exits early closes the pipe; its exit status and stderr say why.
            let _ = stdin.write_all(input);
        }
        let out = child
            .wait_with_output()
            .map_err(|source| self.spawn_error(source, dir))?;
        Ok(Output {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }

    /// Runs git in `dir`; a non-zero exit is an error quoting git's message.
    pub(crate) fn run<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Result<String, SyncError> {
        self.run_with_input(dir, args, None)
    }

    /// Runs git in `dir` with `input` on stdin; a non-zero exit is an error.
    pub(crate) fn run_with_input<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
        input: Option<&[u8]>,
    ) -> Result<String, SyncError> {
        let out = self.output_with_input(dir, args, input)?;
        if out.success {
            Ok(out.stdout)
        } else {
            Err(SyncError::Git {
                command: command_line(args),
                message: out.message(),
                path: dir.to_path_buf(),
            })
        }
    }

    fn spawn_error(&self, source: std::io::Error, dir: &Path) -> SyncError {
        if source.kind() == std::io::ErrorKind::NotFound && dir.is_dir() {
            SyncError::GitNotFound {
                program: self.program.clone(),
            }
        } else {
            SyncError::Io {
                action: "cannot run git",
                source,
                path: dir.to_path_buf(),
            }
        }
    }
}

/// `git a b c`, for messages.
pub(crate) fn command_line<S: AsRef<OsStr>>(args: &[S]) -> String {
    let mut line = String::from("git");
    for arg in args {
        line.push(' ');
        line.push_str(&arg.as_ref().to_string_lossy());
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_drop_progress_ref_updates_and_hints() {
        let out = Output {
            success: false,
            stdout: String::new(),
            stderr: "From /tmp/o\n   1c259f4..9b525f9  main       -> origin/main\nerror: The \
                     following untracked working tree files would be overwritten by \
                     checkout:\n\tannotations/bo/talks.ron\nhint: see git help\nAborting."
                .to_owned(),
        };
        assert_eq!(
            out.message(),
            "error: The following untracked working tree files would be overwritten by \
             checkout: annotations/bo/talks.ron Aborting"
        );
    }
}
