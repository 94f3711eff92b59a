//! Setting up Lector's merge driver in a clone, before anything is pulled: so that git merges
//! Lector's files by id (in the sync's own pull, and in a `git pull` typed in a terminal).
//!
//! Three things, each done only where missing:
//! - the project folder's `.gitattributes` sends Lector's files to the driver
//!   (`merge=lector`); it is committed with the user's work, so every clone gets it;
//! - the repository's own `info/attributes` says the same: git reads attributes from the
//!   checked-out tree, so in the first sync of a team, whose `.gitattributes` is still only
//!   in the commit being rebased, the driver would otherwise not be asked;
//! - `git config merge.lector.driver` names this `lector` by its absolute path (a clone's
//!   own configuration; re-pointed when the program it names is gone).

use std::path::{Path, PathBuf};

use super::SyncError;
use super::repo::Repo;
use super::report::SyncReport;
use crate::merge;

impl Repo<'_> {
    /// Sets up the merge driver where it is not; says so in the report when it does.
    pub(super) fn setup_merge_driver(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        let Some(lector) = self.git.lector_program() else {
            return Ok(());
        };
        let attributes = self.root.join(merge::GITATTRIBUTES);
        merge::ensure_project_attributes(&self.root).map_err(|source| SyncError::Io {
            action: "cannot write Lector's merge settings to",
            source,
            path: attributes,
        })?;
        let info = self.info_attributes()?;
        merge::ensure_lines(&info, &merge::repository_lines(&self.prefix)).map_err(|source| {
            SyncError::Io {
                action: "cannot write Lector's merge settings to",
                source,
                path: info.clone(),
            }
        })?;
        let key = format!("merge.{}.driver", merge::DRIVER);
        let wanted = merge::driver_command(&lector);
        let out = self.git.output(&self.root, &["config", "--get", &key])?;
        let current = out.stdout.trim();
        let usable = out.success && (current == wanted || program_exists(current));
        if !usable {
            self.run(&["config", &key, &wanted])?;
            self.run(&[
                "config",
                &format!("merge.{}.name", merge::DRIVER),
                "Lector: merge annotations, entities, reviews and project.ron by id",
            ])?;
            report.notes.push(format!(
                "set up Lector's merge driver in this clone ({key}), so that changes to the \
                 same file from two clones merge by annotation id, here and in a `git pull` \
                 typed in a terminal"
            ));
        }
        Ok(())
    }

    /// The repository's `info/attributes` (shared by its work trees).
    fn info_attributes(&self) -> Result<PathBuf, SyncError> {
        let out = self.run(&["rev-parse", "--path-format=absolute", "--git-common-dir"])?;
        Ok(Path::new(out.trim()).join("info").join("attributes"))
    }
}

/// Whether the program a configured driver command starts with exists (an absolute path
/// that is a file, or a bare name, which the shell looks up).
fn program_exists(command: &str) -> bool {
    let command = command.trim_start();
    let program = match command.strip_prefix('\'') {
        Some(rest) => rest.split('\'').next().unwrap_or(""),
        None => command.split_whitespace().next().unwrap_or(""),
    };
    if program.is_empty() {
        return false;
    }
    let path = Path::new(program);
    !path.is_absolute() || path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_whose_program_is_gone_is_replaced() {
        assert!(!program_exists(""));
        assert!(!program_exists("/no/such/lector merge-driver %O %A %B %P"));
        assert!(!program_exists(
            "'/no/such dir/lector' merge-driver %O %A %B %P"
        ));
        assert!(program_exists("lector merge-driver %O %A %B %P"));
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("my lector");
        std::fs::write(&exe, "").unwrap();
        assert!(program_exists(&merge::driver_command(&exe)));
    }
}
