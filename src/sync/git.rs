//! Running the system `git` binary: one place that fixes the environment every call gets.
//!
//! Lector drives the `git` the user already has (their credentials, hooks, signing and
//! configuration apply) rather than linking a git library: what `lector sync` does is then
//! exactly what the user could type, and can be finished or undone by hand.
//!
//! ## Implementation notes
//!
//! - Commands that talk to the remote (pull, push, ls-remote) never wait for a person and
//!   never hang: no terminal prompts, ssh in batch mode (a missing key or an unknown host is
//!   an error, not a question nobody sees), and a time limit ([`NETWORK_TIMEOUT`] unless set).
//! - On Unix such a command runs in a process group of its own, so that the time limit ends
//!   git *and* what it started (ssh, a credential helper, a remote helper): killing git alone
//!   would leave ssh holding the output pipes open, and Lector waiting on them. The price: a
//!   Ctrl+C in the terminal stops `lector sync` but not a pull already under way, which then
//!   finishes (or not) as a pull typed by hand would.

use std::ffi::{OsStr, OsString};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::SyncError;

/// How long a pull or push may take before it is stopped, unless set with
/// [`Git::network_timeout`].
pub const NETWORK_TIMEOUT: Duration = Duration::from_secs(120);

/// The ssh command git gets when neither the user's environment nor their git configuration
/// names one: never ask for a password, a passphrase or whether to trust a host.
const BATCH_SSH: &str = "ssh -o BatchMode=yes";

/// How to run git: which program, and any extra environment.
///
/// Every call runs with `LC_ALL=C` (messages in English, for parsing), `core.quotepath=off`
/// (paths printed as they are, not octal-escaped), no colour, no terminal prompts
/// (`GIT_TERMINAL_PROMPT=0`: a missing password is an error, not a hang of the app), no editor,
/// and stdin closed. `GIT_DIR`, `GIT_WORK_TREE` and `GIT_INDEX_FILE` inherited from a parent
/// process (a git hook, say) are removed, so the repository is always the one holding the
/// project folder. Commands that reach the remote also get ssh in batch mode and a time limit
/// (see the module's notes).
#[derive(Clone, Debug)]
pub struct Git {
    program: PathBuf,
    envs: Vec<(OsString, OsString)>,
    timeout: Duration,
    lector: Option<PathBuf>,
}

impl Default for Git {
    fn default() -> Self {
        Self {
            program: PathBuf::from("git"),
            envs: Vec::new(),
            timeout: NETWORK_TIMEOUT,
            lector: None,
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
    /// Whether it was stopped because it took longer than the time limit.
    pub timed_out: bool,
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
            ..Self::default()
        }
    }

    /// How long a pull or push may take before it is stopped (default [`NETWORK_TIMEOUT`]).
    #[must_use]
    pub fn network_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit of a pull or push.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The `lector` executable that git runs as the merge driver. By default the running
    /// program, if it is the `lector` binary (the command line or the app, whatever its file
    /// is called: see [`running_lector`]); else the driver is not set up (a test, a program
    /// embedding Lector's library).
    #[must_use]
    pub fn merge_driver(mut self, lector: impl Into<PathBuf>) -> Self {
        self.lector = Some(lector.into());
        self
    }

    /// The `lector` executable to register as the merge driver, if known.
    pub fn lector_program(&self) -> Option<PathBuf> {
        if let Some(lector) = &self.lector {
            return Some(lector.clone());
        }
        RUNNING_LECTOR.get().cloned()
    }

    /// Whether an environment variable is set for git, by [`Self::env`] or inherited.
    fn has_env(&self, key: &str) -> bool {
        self.envs.iter().any(|(k, _)| k == key) || std::env::var_os(key).is_some()
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
            timed_out: false,
        })
    }

    /// Runs a git command that reaches the remote (pull, push, ls-remote) in `dir`, with
    /// `envs` added: ssh in batch mode unless the user chose an ssh command, and stopped,
    /// with everything it started, after the time limit (`timed_out` is then set).
    pub(crate) fn network<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
        envs: &[(&str, &OsStr)],
    ) -> Result<Output, SyncError> {
        self.network_within(dir, args, envs, self.timeout)
    }

    /// [`Self::network`] with a time limit of its own (a question whose answer only improves
    /// a message is not worth the full wait).
    pub(crate) fn network_within<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
        envs: &[(&str, &OsStr)],
        timeout: Duration,
    ) -> Result<Output, SyncError> {
        let mut command = self.command(dir);
        command.args(args).stdin(Stdio::null());
        if !self.has_env("GIT_SSH_COMMAND") && !self.has_env("GIT_SSH") && !self.ssh_configured(dir)
        {
            command.env("GIT_SSH_COMMAND", BATCH_SSH);
        }
        command.envs(envs.iter().copied());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            // A group of its own, so that the time limit can end ssh too.
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(|source| self.spawn_error(source, dir))?;
        wait_or_stop(child, timeout).map_err(|source| SyncError::Io {
            action: "cannot run git",
            source,
            path: dir.to_path_buf(),
        })
    }

    /// Whether the user's git configuration names an ssh command (`core.sshCommand`), which
    /// Lector then leaves alone.
    fn ssh_configured(&self, dir: &Path) -> bool {
        self.output(dir, &["config", "--get", "core.sshCommand"])
            .is_ok_and(|out| out.success && !out.stdout.trim().is_empty())
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

/// Waits for a child whose stdout and stderr are piped, reading both; after `timeout` it is
/// stopped with its process group and `timed_out` set.
fn wait_or_stop(mut child: Child, timeout: Duration) -> std::io::Result<Output> {
    let reader = |pipe: Option<Box<dyn std::io::Read + Send>>, name: &str| {
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("lector-git-{name}"))
            .spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                let _ = tx.send(bytes);
            });
        spawned.map(|_| rx)
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        "out",
    )?;
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        "err",
    )?;
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() >= timeout {
            timed_out = true;
            stop(&mut child);
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Once the group is gone the pipes close; a grandchild that left the group could keep
    // them open, so the output is not waited for long after a stop.
    let grace = if timed_out {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(3600)
    };
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    Ok(Output {
        success: status.success() && !timed_out,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
        timed_out,
    })
}

/// Stops a child and, on Unix, the process group it leads (ssh and helpers included).
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if killed {
            return;
        }
    }
    let _ = child.kill();
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

/// The running program, once the `lector` binary has said it is the one (see
/// [`running_lector`]).
static RUNNING_LECTOR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Called by the `lector` binary as it starts: the running program is Lector's command line
/// and app, so a sync registers it as the merge driver, whatever its file is called (a
/// packaged `lector-1.2`, a renamed copy). It was recognised by its name, and a renamed
/// binary quietly left the driver unset, so that git merged Lector's files line by line.
pub fn running_lector() {
    if let Ok(exe) = std::env::current_exe() {
        let _ = RUNNING_LECTOR.set(exe);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the process ends within a moment (a killed process is gone, or a zombie, once
    /// the signal is delivered, which under load takes a little while).
    fn ends_soon(pid: &str) -> bool {
        let stat = Path::new("/proc").join(pid).join("stat");
        (0..200).any(|_| {
            let state = std::fs::read_to_string(&stat).unwrap_or_default();
            let ended = state.is_empty() || state.contains(") Z");
            if !ended {
                std::thread::sleep(Duration::from_millis(10));
            }
            ended
        })
    }

    /// A git alias that runs a shell command, to see what git's children get.
    fn shell_alias(command: &str) -> [String; 3] {
        [
            "-c".to_owned(),
            format!("alias.probe=!{command}"),
            "probe".to_owned(),
        ]
    }

    #[test]
    fn remote_commands_run_ssh_in_batch_mode_unless_the_user_chose_one() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new().env("GIT_CONFIG_NOSYSTEM", "1").env(
            "GIT_CONFIG_GLOBAL",
            dir.path().join("none").into_os_string(),
        );
        let args = shell_alias("printf %s \"$GIT_SSH_COMMAND\"");
        let out = git.network(dir.path(), &args, &[]).unwrap();
        assert_eq!(out.stdout, "ssh -o BatchMode=yes", "{out:?}");
        let mine = git.clone().env("GIT_SSH_COMMAND", "ssh -i my-key");
        let out = mine.network(dir.path(), &args, &[]).unwrap();
        assert_eq!(out.stdout, "ssh -i my-key");
    }

    #[test]
    fn a_remote_command_that_hangs_is_stopped_with_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let git = Git::new()
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .network_timeout(Duration::from_millis(300));
        // The shell starts a `sleep` that holds git's output open, as ssh would.
        let args = shell_alias(&format!(
            "sleep 30 & echo $! > '{}'; wait",
            pid_file.display()
        ));
        let started = Instant::now();
        let out = git.network(dir.path(), &args, &[]).unwrap();
        assert!(out.timed_out && !out.success, "{out:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(ends_soon(pid.trim()), "the sleep {pid} still runs");
        }
    }

    #[test]
    fn messages_drop_progress_ref_updates_and_hints() {
        let out = Output {
            success: false,
            stdout: String::new(),
            timed_out: false,
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
