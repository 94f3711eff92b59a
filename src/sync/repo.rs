//! The git work tree holding a project: state checks, upstream, pull, and what the pull
//! brought in.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::branch::Upstream;
use super::commit::document_titles;
use super::report::{self, Change, PulledCommit, SyncReport};
use super::{Git, SyncError, native_path, nul_fields};
use crate::merge;

/// The git work tree holding a project.
pub(super) struct Repo<'a> {
    pub(super) git: &'a Git,
    /// The project folder; every git command runs here, so pathspecs are relative to it.
    pub(super) root: PathBuf,
    /// The work tree's top folder.
    pub(super) top: PathBuf,
    /// The project folder relative to `top`, with a trailing `/`, or empty.
    pub(super) prefix: String,
    /// This work tree's git directory (where `rebase-merge`, `MERGE_HEAD` are).
    pub(super) git_dir: PathBuf,
}

impl<'a> Repo<'a> {
    /// Finds the work tree holding `root`; an error if there is none.
    pub(super) fn discover(git: &'a Git, root: &Path) -> Result<Self, SyncError> {
        let out = git.output(root, &["rev-parse", "--is-inside-work-tree"])?;
        if !out.success {
            if out.stderr.contains("not a git repository") {
                return Err(SyncError::NotARepository {
                    path: root.to_path_buf(),
                });
            }
            // E.g. "detected dubious ownership", whose message gives the fix.
            return Err(SyncError::Git {
                command: "git rev-parse --is-inside-work-tree".to_owned(),
                message: out.message(),
                path: root.to_path_buf(),
            });
        }
        if out.stdout.trim() != "true" {
            return Err(SyncError::NotARepository {
                path: root.to_path_buf(),
            });
        }
        let out = git.run(
            root,
            &[
                "rev-parse",
                "--show-toplevel",
                "--show-prefix",
                "--absolute-git-dir",
            ],
        )?;
        let mut lines = out.lines();
        let (Some(top), Some(prefix), Some(git_dir)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(SyncError::Git {
                command: "git rev-parse --show-toplevel --show-prefix --absolute-git-dir"
                    .to_owned(),
                message: format!("unexpected output {out:?}"),
                path: root.to_path_buf(),
            });
        };
        Ok(Self {
            git,
            root: root.to_path_buf(),
            top: PathBuf::from(top),
            prefix: prefix.to_owned(),
            git_dir: PathBuf::from(git_dir),
        })
    }

    /// Runs git in the project folder; a non-zero exit is an error.
    pub(super) fn run(&self, args: &[&str]) -> Result<String, SyncError> {
        self.git.run(&self.root, args)
    }

    /// A path git printed relative to the top of the work tree, for the user: relative to the
    /// project folder if inside it, else absolute.
    pub(super) fn user_path(&self, git_path: &str) -> PathBuf {
        git_path
            .strip_prefix(&self.prefix)
            .map_or_else(|| self.top.join(native_path(git_path)), native_path)
    }

    /// Whether a rebase (or `git am`) has stopped half-way.
    pub(super) fn rebase_in_progress(&self) -> bool {
        ["rebase-merge", "rebase-apply"]
            .iter()
            .any(|dir| self.git_dir.join(dir).exists())
    }

    /// Refuses to sync in the middle of a rebase, merge, cherry-pick or revert, or with
    /// unresolved conflicts.
    pub(super) fn check_state(&self) -> Result<(), SyncError> {
        let path = self.top.clone();
        if self.rebase_in_progress() {
            return Err(SyncError::OperationInProgress {
                operation: "a rebase",
                fix: "finish it (`git status` says how) or undo it with `git rebase --abort`",
                path,
            });
        }
        for (head, operation, fix) in [
            (
                "MERGE_HEAD",
                "a merge",
                "finish it with `git commit` or undo it with `git merge --abort`",
            ),
            (
                "CHERRY_PICK_HEAD",
                "a cherry-pick",
                "finish it with `git cherry-pick --continue` or undo it with `git cherry-pick --abort`",
            ),
            (
                "REVERT_HEAD",
                "a revert",
                "finish it with `git revert --continue` or undo it with `git revert --abort`",
            ),
        ] {
            if self.git_dir.join(head).is_file() {
                return Err(SyncError::OperationInProgress {
                    operation,
                    fix,
                    path,
                });
            }
        }
        let unmerged = self.run(&["diff", "--name-only", "-z", "--diff-filter=U"])?;
        let files: BTreeSet<PathBuf> = nul_fields(&unmerged).map(|p| self.user_path(p)).collect();
        if !files.is_empty() {
            return Err(SyncError::Unmerged {
                files: files.into_iter().collect(),
            });
        }
        Ok(())
    }

    /// The current branch; an error if HEAD is detached.
    pub(super) fn branch(&self) -> Result<String, SyncError> {
        let out = self
            .git
            .output(&self.root, &["symbolic-ref", "-q", "--short", "HEAD"])?;
        let branch = out.stdout.trim();
        if !out.success || branch.is_empty() {
            return Err(SyncError::DetachedHead {
                path: self.top.clone(),
            });
        }
        Ok(branch.to_owned())
    }

    /// Refuses to start if git has no author or committer identity: the commit and the
    /// rebase would both fail half-way.
    pub(super) fn check_identity(&self) -> Result<(), SyncError> {
        for var in ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"] {
            let out = self.git.output(&self.root, &["var", var])?;
            if !out.success {
                let message = out
                    .stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no identity")
                    .to_owned();
                return Err(SyncError::IdentityUnknown { message });
            }
        }
        Ok(())
    }

    /// The commit a revision names, or `None` if it names none (an unborn branch, a remote
    /// branch not fetched).
    pub(super) fn rev(&self, rev: &str) -> Result<Option<String>, SyncError> {
        let out = self.git.output(
            &self.root,
            &["rev-parse", "-q", "--verify", &format!("{rev}^{{commit}}")],
        )?;
        Ok(out
            .success
            .then(|| out.stdout.trim().to_owned())
            .filter(|id| !id.is_empty()))
    }

    /// Tracked files anywhere in the work tree with uncommitted changes: a pull with rebase
    /// refuses to start while there are any.
    pub(super) fn uncommitted_tracked(&self) -> Result<Vec<PathBuf>, SyncError> {
        let status = self.run(&[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=no",
            "--no-renames",
        ])?;
        let files: BTreeSet<PathBuf> = nul_fields(&status)
            .filter_map(|entry| entry.get(3..))
            .map(|p| self.user_path(p))
            .collect();
        Ok(files.into_iter().collect())
    }

    /// `git pull --rebase`, with Lector's merge driver telling what it merged; on a conflict
    /// the rebase is aborted. A remote without the branch yet is not an error if it has no
    /// branches at all (the push creates it); if it has others, nothing is pushed to a new
    /// branch and the error says how to follow the team's.
    pub(super) fn pull(
        &self,
        upstream: &Upstream,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let notes_file = self.notes_file();
        let ours = OsString::from(format!("pulled from {upstream}"));
        let theirs = OsString::from("yours");
        let mut envs: Vec<(&str, &OsStr)> = vec![
            (merge::OURS_ENV, ours.as_os_str()),
            (merge::THEIRS_ENV, theirs.as_os_str()),
        ];
        if let Some(file) = &notes_file {
            envs.push((merge::NOTES_ENV, file.as_os_str()));
        }
        let out = self
            .git
            .network(&self.root, &["pull", "--rebase", "--no-autostash"], &envs);
        let notes = notes_file.map_or_else(Vec::new, |file| {
            let notes = merge::read_notes(&file);
            let _ = std::fs::remove_file(&file);
            notes
        });
        let out = out?;
        let (conflicts, merged): (Vec<merge::Note>, Vec<merge::Note>) =
            notes.into_iter().partition(|n| n.conflict);
        report.merged.extend(merged.into_iter().map(|n| n.text));
        if out.success {
            self.follow_own_commit(report);
            return Ok(());
        }
        if self.rebase_in_progress() {
            let files: BTreeSet<PathBuf> = self
                .run(&["diff", "--name-only", "-z", "--diff-filter=U"])
                .map(|out| nul_fields(&out).map(|p| self.user_path(p)).collect())
                .unwrap_or_default();
            let files: Vec<PathBuf> = files.into_iter().collect();
            let abort = self.git.output(&self.root, &["rebase", "--abort"])?;
            if !abort.success {
                return Err(SyncError::AbortFailed {
                    files,
                    message: abort.message(),
                    path: self.top.clone(),
                });
            }
            // What the driver merged in the commits before the conflict is undone too.
            report.merged.clear();
            if !files.is_empty() && !out.timed_out {
                return Err(SyncError::Conflict {
                    files,
                    upstream: upstream.to_string(),
                    explanations: conflicts.into_iter().map(|n| n.text).collect(),
                    report: Box::new(report.clone()),
                });
            }
            // Stopped for another reason (untracked files in the way, a hook); git's message
            // says which, below.
        }
        if out.timed_out {
            return Err(SyncError::TimedOut {
                command: "git pull".to_owned(),
                seconds: self.git.timeout().as_secs(),
                remote: upstream.remote.clone(),
                report: Box::new(report.clone()),
            });
        }
        if out.stderr.contains("no such ref was fetched")
            || out.stderr.contains("couldn't find remote ref")
        {
            return self.missing_upstream(upstream, report);
        }
        Err(SyncError::Pull {
            upstream: upstream.to_string(),
            message: out.message(),
            report: Box::new(report.clone()),
        })
    }

    /// A file in `.lector/` for the merge driver's notes during one pull; `None` if the
    /// folder cannot be made (the notes are then only in git's output).
    fn notes_file(&self) -> Option<PathBuf> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = crate::store::lock::ensure_local_dir(&self.root).ok()?;
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = dir.join(format!("merge-notes.{}-{n}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&file);
        Some(file)
    }

    /// After a rebase the user's commit has a new id; the report names the new one. A commit
    /// the rebase left out (the upstream had the same change, as when two clones both set up
    /// `.gitattributes`) is not named as if it were there.
    pub(super) fn follow_own_commit(&self, report: &mut SyncReport) {
        let Some(commit) = &mut report.committed else {
            return;
        };
        if let Ok(head) = self.run(&["log", "-1", "--format=%h%x1f%s"])
            && let Some((id, subject)) = head.trim_end().split_once('\x1f')
        {
            if subject == commit.subject {
                commit.id = id.to_owned();
                return;
            }
            let kept = self
                .git
                .output(
                    &self.root,
                    &["merge-base", "--is-ancestor", &commit.id, "HEAD"],
                )
                .is_ok_and(|out| out.success);
            if !kept {
                let files: Vec<String> = commit
                    .files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect();
                report.notes.push(format!(
                    "your commit of {} was left out by the pull: the branch you pull from \
                     already has the same change",
                    files.join(", ")
                ));
                report.committed = None;
            }
        }
    }

    /// How many commits the branch has that its upstream has not.
    pub(super) fn ahead(&self) -> Result<usize, SyncError> {
        if self.rev("HEAD")?.is_none() {
            return Ok(0);
        }
        let range = if self.rev("@{upstream}")?.is_some() {
            "@{upstream}..HEAD"
        } else {
            "HEAD"
        };
        let count = self.run(&["rev-list", "--count", range])?;
        Ok(count.trim().parse().unwrap_or(0))
    }

    /// Fills in the commits pulled since `before` (HEAD before the pull) up to `after` (the
    /// upstream as pulled) and what they changed, per annotator.
    pub(super) fn collect_changes(
        &self,
        before: Option<&str>,
        after: Option<&str>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let Some(after) = after.map(str::to_owned) else {
            return Ok(());
        };
        let range = before.map_or_else(|| after.clone(), |b| format!("{b}..{after}"));
        let log = self.run(&["log", "--format=%h%x1f%an%x1f%s%x1e", &range])?;
        report.pulled = log
            .split('\x1e')
            .filter_map(|record| {
                let mut fields = record.trim_start_matches('\n').split('\x1f');
                let id = fields.next()?.to_owned();
                let author = fields.next()?.to_owned();
                let subject = fields.next()?.to_owned();
                Some(PulledCommit {
                    id,
                    author,
                    subject,
                })
            })
            .filter(|c| !c.id.is_empty())
            .collect();
        if report.pulled.is_empty() {
            return Ok(());
        }
        let base = match before {
            Some(before) => {
                let out = self
                    .git
                    .output(&self.root, &["merge-base", before, &after])?;
                if out.success {
                    out.stdout.trim().to_owned()
                } else {
                    self.empty_tree()?
                }
            }
            None => self.empty_tree()?,
        };
        let diff = self.run(&[
            "diff",
            "--name-status",
            "-z",
            "--no-renames",
            "--relative",
            &base,
            &after,
            "--",
            ".",
        ])?;
        let mut fields = nul_fields(&diff);
        let mut changed = Vec::new();
        while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
            let change = match status.chars().next() {
                Some('A') => Change::Added,
                Some('D') => Change::Removed,
                _ => Change::Modified,
            };
            changed.push((path.to_owned(), change));
        }
        report::fill_changes(report, &changed, &document_titles(&self.root));
        Ok(())
    }

    /// The id of the empty tree (SHA-1 or SHA-256, whichever the repository uses).
    fn empty_tree(&self) -> Result<String, SyncError> {
        let out = self.git.run_with_input(
            &self.root,
            &["hash-object", "-t", "tree", "--stdin"],
            Some(b""),
        )?;
        Ok(out.trim().to_owned())
    }
}
