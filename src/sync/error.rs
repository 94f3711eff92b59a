//! Why a sync stopped. Every message names the command or file and says what to do next;
//! the ones after the user's work was committed say so.

use std::path::PathBuf;

use super::SyncReport;
use crate::store::PROJECT_FILE;

/// Why a sync stopped. Every message says what to do next; the ones after the commit say that
/// the user's work is committed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// There is no git to run.
    #[error(
        "cannot run git ({}): it is not installed or not on the PATH. Install git \
         (https://git-scm.com/downloads), then sync again", program.display()
    )]
    GitNotFound {
        /// The program Lector tried to run.
        program: PathBuf,
    },
    /// The annotator name cannot name files.
    #[error("{message}")]
    BadAnnotator {
        /// Why.
        message: String,
    },
    /// The folder is not a Lector project.
    #[error("this folder is not a Lector project (it has no {PROJECT_FILE}): {}", path.display())]
    NotAProject {
        /// The folder.
        path: PathBuf,
    },
    /// The project is not inside a git work tree.
    #[error(
        "the project is not in a git repository, so there is nothing to sync with. To work as \
         a team, clone the team's repository and open the project there, or make this folder \
         one (`git init`, `git remote add origin URL`, `git push -u origin main`): {}",
        path.display()
    )]
    NotARepository {
        /// The project folder.
        path: PathBuf,
    },
    /// Commits need an author name and email.
    #[error(
        "git does not know your name and email, which every commit records. Tell it once, \
         in a terminal: git config --global user.name \"Your Name\" && git config --global \
         user.email \"you@example.com\" (git said: {message})"
    )]
    IdentityUnknown {
        /// What git said.
        message: String,
    },
    /// HEAD is not on a branch.
    #[error(
        "the repository is not on a branch (detached HEAD), so there is nothing to pull into \
         or push from. Switch to your branch (`git switch BRANCH`, e.g. main) and sync again: {}",
        path.display()
    )]
    DetachedHead {
        /// The repository.
        path: PathBuf,
    },
    /// A rebase, merge, cherry-pick or revert is under way.
    #[error(
        "{operation} is under way in this repository; {fix}, then sync again: {}",
        path.display()
    )]
    OperationInProgress {
        /// What is under way, e.g. "a rebase".
        operation: &'static str,
        /// How to finish or undo it.
        fix: &'static str,
        /// The repository.
        path: PathBuf,
    },
    /// Files with unresolved conflicts are in the index.
    #[error(
        "these files have unresolved conflicts: {}. Resolve them (edit, then `git add`) or \
         undo with `git checkout -m FILE`, then sync again",
        list(files)
    )]
    Unmerged {
        /// The files.
        files: Vec<PathBuf>,
    },
    /// Files that are not the user's have uncommitted changes, so git cannot pull.
    #[error(
        "{}did not pull: these files have uncommitted changes that are not yours to commit: {}. \
         Commit them yourself, or restore a colleague's file with `git restore FILE`, then \
         sync again",
        committed_prefix(report),
        list(files)
    )]
    DirtyTree {
        /// The files.
        files: Vec<PathBuf>,
        /// What was done before stopping.
        report: Box<SyncReport>,
    },
    /// The pull stopped on a conflict and was undone.
    #[error(
        "{}the pull from {upstream} was undone: your commits and the ones pulled both change \
         {}{}To merge by hand: `git pull --rebase`, edit each file to keep what should stay and \
         remove the <<<<<<< ======= >>>>>>> lines, `git add FILE`, `git rebase --continue`, \
         then sync again",
        committed_prefix(report),
        list(files),
        explained(explanations)
    )]
    Conflict {
        /// The conflicting files.
        files: Vec<PathBuf>,
        /// The branch pulled from.
        upstream: String,
        /// Why Lector's merge driver could not merge them (a label schema changed on both
        /// sides, …), one explanation each; empty if the driver had nothing to say (files it
        /// does not merge, such as document texts).
        explanations: Vec<String>,
        /// What was done before stopping.
        report: Box<SyncReport>,
    },
    /// The pull stopped on a conflict and `git rebase --abort` failed too.
    #[error(
        "the pull stopped on a conflict in {}, and `git rebase --abort` failed ({message}). \
         Your commits are safe (see `git reflog`); run `git status` and finish or abort the \
         rebase by hand: {}", list(files), path.display()
    )]
    AbortFailed {
        /// The conflicting files.
        files: Vec<PathBuf>,
        /// What git said.
        message: String,
        /// The repository.
        path: PathBuf,
    },
    /// `git pull` failed for another reason (network, access, files in the way).
    #[error(
        "{}pulling from {upstream} failed: {message}. {}",
        committed_prefix(report),
        pull_hint(message)
    )]
    Pull {
        /// The branch pulled from.
        upstream: String,
        /// What git said.
        message: String,
        /// What was done before stopping.
        report: Box<SyncReport>,
    },
    /// A pull or push took longer than the time limit and was stopped.
    #[error(
        "{}`{command}` did not finish within {seconds} s and was stopped: {remote} did not \
         answer (no network, a VPN not connected, or a server waiting for a password or key \
         that cannot be asked for here). Nothing is lost. Check that `{command}` works in a \
         terminal, then sync again",
        committed_prefix(report)
    )]
    TimedOut {
        /// The command stopped, e.g. `git pull`.
        command: String,
        /// The time limit.
        seconds: u64,
        /// The remote it talked to.
        remote: String,
        /// What was done before stopping.
        report: Box<SyncReport>,
    },
    /// The branch's upstream is not on the remote, which has other branches: a push would
    /// start a new branch no colleague pulls.
    #[error("{}{explanation}", committed_prefix(report))]
    NoRemoteBranch {
        /// The upstream as configured, e.g. `origin/master`.
        upstream: String,
        /// What is on the remote and the commands that fix it.
        explanation: String,
        /// What was done before stopping.
        report: Box<SyncReport>,
    },
    /// `git push` failed.
    #[error(
        "synced with {upstream} ({}), but the push failed: {message}. Your work is committed \
         here; sync again later (`git push` in a terminal shows the same)",
        report.summary()
    )]
    Push {
        /// The branch pushed to.
        upstream: String,
        /// What git said.
        message: String,
        /// What was done before stopping, including what was pulled.
        report: Box<SyncReport>,
    },
    /// A git command failed unexpectedly.
    #[error("`{command}` failed: {message}: {}", path.display())]
    Git {
        /// The command line.
        command: String,
        /// What git said.
        message: String,
        /// Where it ran.
        path: PathBuf,
    },
    /// Reading a file or running a program failed.
    #[error("{action}: {source}: {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
        /// The file or folder.
        path: PathBuf,
    },
}

impl SyncError {
    /// What was done before the sync stopped (the user's commit; for a failed push, what was
    /// pulled, so the app can reload), if it stopped after committing.
    pub fn report(&self) -> Option<&SyncReport> {
        match self {
            Self::DirtyTree { report, .. }
            | Self::Conflict { report, .. }
            | Self::Pull { report, .. }
            | Self::TimedOut { report, .. }
            | Self::NoRemoteBranch { report, .. }
            | Self::Push { report, .. } => Some(report),
            _ => None,
        }
    }
}

fn list(files: &[PathBuf]) -> String {
    if files.is_empty() {
        return "(git named no files)".to_owned();
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// The driver's explanations after the list of files; git's own reason if there are none.
fn explained(explanations: &[String]) -> String {
    if explanations.is_empty() {
        return ", in ways git cannot merge by itself (a document text changed on both sides, \
                a file Lector does not merge, or Lector's merge driver is not set up in this \
                clone). "
            .to_owned();
    }
    // The merge driver tells someone merging by hand where both versions are in the file;
    // here the pull was undone, so no file holds them: that line is left out.
    let lines: Vec<&str> = explanations
        .iter()
        .flat_map(|e| e.lines())
        .filter(|line| !line.trim_start().starts_with("Both versions are in "))
        .collect();
    format!(
        ", and Lector cannot merge all of it by itself:\n{}\n",
        lines.join("\n")
    )
}

/// What to do about a failed pull, from git's message.
fn pull_hint(message: &str) -> &'static str {
    if message.contains("would be overwritten") {
        "Move those files out of the way (the pull brings in files of the same name), then \
         sync again"
    } else {
        "Check the network and your access to the repository (`git pull` in a terminal shows \
         the same), then sync again"
    }
}

fn committed_prefix(report: &SyncReport) -> String {
    report.committed.as_ref().map_or_else(String::new, |c| {
        format!(
            "your work is committed here as {} ({}), but ",
            c.id, c.subject
        )
    })
}
