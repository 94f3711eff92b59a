//! Working as a team through git: commit the user's own files, pull colleagues' work, push.
//! Never imports egui or eframe.
//!
//! A project keeps one file per annotator per document (`annotations/<annotator>/<document>.ron`)
//! and one entities file per annotator, so colleagues never edit the same file and a
//! `git pull --rebase` brings their work in without conflicts. [`sync`] does what a careful
//! user would type:
//!
//! 1. check the repository is in a state to sync (a branch, no rebase or merge under way, an
//!    author identity);
//! 2. stage **only the user's own files** and commit them, with a message naming the documents:
//!    - `annotations/<annotator>/*.ron` and `entities/<annotator>.ron`;
//!    - `project.ron` and the new `documents/<id>.txt` only when the user **added documents**
//!      (`project.ron` lists documents that the last commit's `project.ron` does not). Other
//!      changes to `project.ron` (a label edited by hand) and edited document texts are shared
//!      decisions, so they are left for the user to commit themselves and listed in the report;
//!    - colleagues' files are never staged, even when they changed in this clone;
//! 3. `git pull --rebase --no-autostash` from the upstream branch. Lector's merge driver
//!    ([`crate::merge`], set up in the clone by the first sync: `setup.rs`) merges Lector's
//!    files changed on both sides by id, and the report lists what it had to choose. If the
//!    rebase still stops on a conflict (a label schema changed on both sides, a file Lector
//!    does not merge), `git rebase --abort` puts everything back as it was (the user's commit
//!    stays) and the error names the files, explains why and says what to do;
//! 4. `git push REMOTE HEAD:BRANCH`, if the branch has an upstream, retrying the pull once or
//!    twice if a colleague pushed in between. A branch without an upstream, or whose upstream
//!    is not on a remote that has other branches, is explained with the command that makes it
//!    follow the team's branch; nothing is pushed to a new branch.
//!
//! Pulls and pushes never wait for a person: no prompts, ssh in batch mode, and a time limit
//! after which git (and ssh) are stopped and the error says so ([`Git::network_timeout`]).
//!
//! Nothing is ever lost: no `reset --hard`, no force-push, no stash; the user's work is
//! committed before anything else touches the working tree, and every failure after that
//! leaves the commit in `git log`.
//!
//! The app must save its unsaved edits first (`Session::save_now`) and not save while a sync
//! runs; afterwards [`crate::store::ProjectStore::reload_changed`] picks up what the pull
//! changed.

mod branch;
mod commit;
mod error;
mod git;
mod repo;
mod report;
mod setup;

use std::path::{Path, PathBuf};

pub use error::SyncError;
pub use git::{Git, NETWORK_TIMEOUT, running_lector};
pub use report::{AnnotatorChanges, Change, DocumentChange, OwnCommit, PulledCommit, SyncReport};

use crate::model::project::name_problem;
use crate::store::PROJECT_FILE;
use repo::Repo;

/// How often a push rejected because a colleague pushed in between is retried.
const PUSH_ATTEMPTS: usize = 3;

/// Syncs the project in `root` for `annotator` with git found on `PATH`. See the module
/// documentation for what it does; [`sync_with`] runs a particular git.
pub fn sync(root: &Path, annotator: &str) -> Result<SyncReport, SyncError> {
    sync_with(&Git::new(), root, annotator)
}

/// Syncs the project in `root` for `annotator`: commits the user's own files, pulls with
/// rebase, pushes. Blocks while git runs (network included): call it off the UI thread.
pub fn sync_with(git: &Git, root: &Path, annotator: &str) -> Result<SyncReport, SyncError> {
    if let Some(message) = name_problem("annotator name", annotator) {
        return Err(SyncError::BadAnnotator { message });
    }
    if !root.join(PROJECT_FILE).is_file() {
        return Err(SyncError::NotAProject {
            path: root.to_path_buf(),
        });
    }
    git.run(root, &["--version"])?;
    let repo = Repo::discover(git, root)?;
    repo.check_state()?;
    let branch = repo.branch()?;
    repo.check_identity()?;

    let mut report = SyncReport::new(branch.clone());
    repo.setup_merge_driver(&mut report)?;
    let plan = repo.plan_commit(annotator)?;
    report.not_committed.clone_from(&plan.left_out);
    report.notes.extend(plan.notes.iter().cloned());
    if !plan.own.is_empty() {
        report.committed = repo.commit(&plan, annotator)?;
    }

    let Some(upstream) = repo.upstream(&branch, &mut report)? else {
        return Ok(report);
    };
    report.upstream = Some(upstream.to_string());
    let dirty = repo.uncommitted_tracked()?;
    if !dirty.is_empty() {
        return Err(SyncError::DirtyTree {
            files: dirty,
            report: Box::new(report),
        });
    }

    // "Since the last sync": the commits the pulls bring in that HEAD did not have.
    let before = repo.rev("HEAD")?;
    for attempt in 1..=PUSH_ATTEMPTS {
        repo.pull(&upstream, &mut report)?;
        // The upstream as pulled, before the push adds the user's own commits to it.
        let pulled_to = repo.rev("@{upstream}")?;
        repo.collect_changes(before.as_deref(), pulled_to.as_deref(), &mut report)?;
        let ahead = repo.ahead()?;
        if ahead == 0 {
            break;
        }
        // Named in full, so that a branch following one of another name pushes there too.
        let refspec = format!("HEAD:refs/heads/{}", upstream.branch);
        let out = git.network(root, &["push", &upstream.remote, &refspec], &[])?;
        if out.timed_out {
            return Err(SyncError::TimedOut {
                command: "git push".to_owned(),
                seconds: git.timeout().as_secs(),
                remote: upstream.remote.clone(),
                report: Box::new(report),
            });
        }
        if out.success {
            report.pushed = ahead;
            break;
        }
        let rejected =
            out.stderr.contains("(fetch first)") || out.stderr.contains("(non-fast-forward)");
        if !rejected || attempt == PUSH_ATTEMPTS {
            return Err(SyncError::Push {
                upstream: upstream.to_string(),
                message: out.message(),
                report: Box::new(report),
            });
        }
        // A colleague pushed between the pull and the push: pull their work too, push again.
    }
    report.notes.dedup();
    report.merged.dedup();
    Ok(report)
}

/// The NUL-separated fields of git's `-z` output.
fn nul_fields(out: &str) -> impl Iterator<Item = &str> {
    out.split('\0').filter(|f| !f.is_empty())
}

/// A path git printed (always with `/`) as a path of this platform.
fn native_path(git_path: &str) -> PathBuf {
    git_path.split('/').collect()
}
