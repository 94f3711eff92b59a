//! Which remote branch a sync pulls from and pushes to, and what to say when a branch
//! follows none, or one the remote does not have: never push to a new branch by mistake.

use std::fmt;

use super::SyncError;
use super::repo::Repo;
use super::report::SyncReport;

/// How long asking a remote for its branches may take.
const REMOTE_HEADS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The remote branch a branch follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Upstream {
    /// The remote's name, e.g. `origin`.
    pub(super) remote: String,
    /// The branch's name on the remote, e.g. `main`.
    pub(super) branch: String,
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.remote, self.branch)
    }
}

/// What a remote has.
#[derive(Debug, Default)]
pub(super) struct RemoteHeads {
    /// Its default branch (what `git clone` checks out), if it says.
    pub(super) default: Option<String>,
    /// Its branches, sorted.
    pub(super) branches: Vec<String>,
}

impl Repo<'_> {
    /// The upstream branch, or `None` with a note saying why there is none and the command
    /// that sets one up (asking the remote which branch the team works on).
    pub(super) fn upstream(
        &self,
        branch: &str,
        report: &mut SyncReport,
    ) -> Result<Option<Upstream>, SyncError> {
        let config = |key: String| -> Result<Option<String>, SyncError> {
            let out = self.git.output(&self.root, &["config", "--get", &key])?;
            Ok(out
                .success
                .then(|| out.stdout.trim().to_owned())
                .filter(|v| !v.is_empty()))
        };
        let remote = config(format!("branch.{branch}.remote"))?;
        let merge = config(format!("branch.{branch}.merge"))?;
        let (Some(remote), Some(merge)) = (remote, merge) else {
            let remotes = self.run(&["remote"])?;
            let remotes: Vec<&str> = remotes.lines().filter(|l| !l.is_empty()).collect();
            let note = match remotes.first() {
                None => format!(
                    "this repository has no remote, so nothing was pulled or pushed: your work \
                     is committed here only. To share it: `git remote add origin URL` and \
                     `git push -u origin {branch}`"
                ),
                Some(remote) => self.no_upstream_note(remote, branch),
            };
            report.notes.push(note);
            return Ok(None);
        };
        if remote == "." {
            report.notes.push(format!(
                "branch {branch} follows a local branch ({merge}), not a remote one, so nothing \
                 was pulled or pushed"
            ));
            return Ok(None);
        }
        let name = merge
            .strip_prefix("refs/heads/")
            .unwrap_or(&merge)
            .to_owned();
        Ok(Some(Upstream {
            remote,
            branch: name,
        }))
    }

    /// Why a branch without an upstream was not synced, and how to make it follow the team's
    /// branch rather than start a new one.
    fn no_upstream_note(&self, remote: &str, branch: &str) -> String {
        let start = format!(
            "branch {branch} has no upstream branch, so nothing was pulled or pushed: your work \
             is committed here only."
        );
        let team = self
            .remote_heads(remote)
            .and_then(|heads| heads.default.or_else(|| heads.branches.first().cloned()));
        match team {
            None => format!("{start} To share it: `git push -u {remote} {branch}`"),
            Some(team) if team == branch => format!(
                "{start} {remote} has a branch {team}: to sync with it, `git fetch {remote}` and \
                 `git branch --set-upstream-to={remote}/{team}`, then sync again"
            ),
            Some(team) => format!(
                "{start} The team's branch on {remote} is {team}: to sync with it, `git fetch \
                 {remote}` and `git branch --set-upstream-to={remote}/{team}`, then sync again \
                 (`git push -u {remote} {branch}` would start a new branch {branch} that \
                 colleagues do not pull)"
            ),
        }
    }

    /// The branches of a remote and its default branch, asked of the remote itself; `None`
    /// if it cannot be asked (offline, refused, too slow: it only improves a message, so it
    /// waits at most [`REMOTE_HEADS_TIMEOUT`]).
    pub(super) fn remote_heads(&self, remote: &str) -> Option<RemoteHeads> {
        let timeout = self.git.timeout().min(REMOTE_HEADS_TIMEOUT);
        let out = self
            .git
            .network_within(&self.root, &["ls-remote", "--symref", remote], &[], timeout)
            .ok()?;
        if !out.success {
            return None;
        }
        let mut heads = RemoteHeads::default();
        for line in out.stdout.lines() {
            let Some((left, name)) = line.split_once('\t') else {
                continue;
            };
            if let Some(target) = left.strip_prefix("ref: ") {
                if name == "HEAD" {
                    heads.default = target.strip_prefix("refs/heads/").map(str::to_owned);
                }
            } else if let Some(branch) = name.strip_prefix("refs/heads/") {
                heads.branches.push(branch.to_owned());
            }
        }
        heads.branches.sort();
        Some(heads)
    }

    /// The upstream branch is not on the remote: fine on an empty remote (the push creates
    /// it), an error if the remote has other branches (the team works on one of them).
    pub(super) fn missing_upstream(
        &self,
        upstream: &Upstream,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let Upstream { remote, branch } = upstream;
        let heads = self.remote_heads(remote).unwrap_or_default();
        if heads.branches.is_empty() {
            report.notes.push(format!(
                "{upstream} does not exist yet: there was nothing to pull, and the push creates it"
            ));
            return Ok(());
        }
        let team = heads
            .default
            .clone()
            .or_else(|| heads.branches.first().cloned())
            .unwrap_or_default();
        let explanation = format!(
            "{remote} has no branch {branch} (it has {}; its default is {team}), so your work \
             would go to a new branch that colleagues do not pull: nothing was pushed. To sync \
             with the team's branch: `git fetch {remote}` and `git branch \
             --set-upstream-to={remote}/{team}`, then sync again; to start branch {branch} on \
             {remote} anyway: `git push {remote} HEAD:{branch}`",
            heads.branches.join(", ")
        );
        Err(SyncError::NoRemoteBranch {
            upstream: upstream.to_string(),
            explanation,
            report: Box::new(report.clone()),
        })
    }
}
