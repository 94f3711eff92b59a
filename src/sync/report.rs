//! What a sync did, for the command line to print and the app to show: the user's commit,
//! the commits pulled, and who changed which documents since the last sync.

use crate::words::plural;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::store::PROJECT_FILE;

/// The commit a sync made of the user's own work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnCommit {
    /// Abbreviated commit id (after the rebase, if the pull moved it).
    pub id: String,
    /// The first line of the message, e.g. `Lector: anna annotated "Talks in Sochi"`.
    pub subject: String,
    /// The files committed, relative to the project folder, sorted.
    pub files: Vec<PathBuf>,
}

/// A commit the pull brought in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledCommit {
    /// Abbreviated commit id.
    pub id: String,
    /// Author name.
    pub author: String,
    /// The first line of the message.
    pub subject: String,
}

/// How a file changed between the last sync and this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// It is new.
    Added,
    /// Its content changed.
    Modified,
    /// It was deleted.
    Removed,
}

impl Change {
    /// A lower-case word for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Added => "new",
            Self::Modified => "changed",
            Self::Removed => "removed",
        }
    }
}

/// A document whose file changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentChange {
    /// Document id.
    pub document: String,
    /// Its title from `project.ron`, or the id if the project does not list it.
    pub title: String,
    /// How the file changed.
    pub change: Change,
}

/// What the pull changed of one annotator's work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotatorChanges {
    /// The annotator (the folder name under `annotations/`).
    pub annotator: String,
    /// Documents whose annotation file of this annotator changed, sorted by id.
    pub documents: Vec<DocumentChange>,
    /// How their entities file changed, if it did.
    pub entities: Option<Change>,
}

/// What [`super::sync`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The branch synced.
    pub branch: String,
    /// The commit of the user's work, if there was anything to commit.
    pub committed: Option<OwnCommit>,
    /// Changed files in the project that were not committed because they are not the user's
    /// (colleagues' files, `project.ron` edits other than new documents), relative to the
    /// project folder, sorted.
    pub not_committed: Vec<PathBuf>,
    /// The branch pulled from and pushed to (`origin/main`), if there is one.
    pub upstream: Option<String>,
    /// Commits the pull brought in, newest first.
    pub pulled: Vec<PulledCommit>,
    /// What the pulled commits changed, per annotator (colleagues, and the user if their files
    /// were changed from another clone), sorted by annotator.
    pub changes: Vec<AnnotatorChanges>,
    /// Document texts the pull added, changed or removed.
    pub documents: Vec<DocumentChange>,
    /// Whether the pull changed `project.ron` (documents or labels): the app should reopen the
    /// project.
    pub project_changed: bool,
    /// What Lector's merge driver chose where both sides changed the same entry of a file
    /// (the later change kept, the other named), one sentence each starting with the file.
    pub merged: Vec<String>,
    /// How many commits were pushed.
    pub pushed: usize,
    /// Things the user should know, as sentences (no upstream, a branch created, …).
    pub notes: Vec<String>,
}

impl SyncReport {
    /// An empty report for a branch.
    pub(crate) fn new(branch: String) -> Self {
        Self {
            branch,
            ..Self::default()
        }
    }

    /// Whether the pull changed any file the open project reads, so the app should reload.
    pub fn needs_reload(&self) -> bool {
        self.project_changed || !self.changes.is_empty() || !self.documents.is_empty()
    }

    /// One line for a status bar: "committed 2 files, pulled 3 commits (bo: 2 documents),
    /// pushed 1 commit".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(commit) = &self.committed {
            parts.push(format!("committed {}", plural(commit.files.len(), "file")));
        }
        if !self.pulled.is_empty() {
            let who: Vec<String> = self
                .changes
                .iter()
                .map(|c| {
                    let mut what = Vec::new();
                    if !c.documents.is_empty() {
                        what.push(plural(c.documents.len(), "document"));
                    }
                    if c.entities.is_some() {
                        what.push("entities".to_owned());
                    }
                    format!("{}: {}", c.annotator, what.join(" and "))
                })
                .collect();
            let mut pulled = format!("pulled {}", plural(self.pulled.len(), "commit"));
            if !who.is_empty() {
                pulled.push_str(&format!(" ({})", who.join(", ")));
            }
            parts.push(pulled);
        }
        if !self.merged.is_empty() {
            parts.push(format!(
                "{} made on both sides merged by id (listed in the report)",
                plural(self.merged.len(), "change")
            ));
        }
        if self.pushed > 0 {
            parts.push(format!("pushed {}", plural(self.pushed, "commit")));
        }
        if parts.is_empty() {
            return if self.upstream.is_some() {
                "up to date: nothing to commit, pull or push".to_owned()
            } else {
                "nothing to commit".to_owned()
            };
        }
        parts.join(", ")
    }
}

/// The full report, several lines, for `lector sync`.
impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            branch,
            committed,
            not_committed,
            upstream,
            pulled,
            changes,
            documents,
            project_changed,
            merged,
            pushed,
            notes,
        } = self;
        match upstream {
            Some(upstream) => writeln!(f, "branch {branch}, synced with {upstream}")?,
            None => writeln!(f, "branch {branch}, no upstream")?,
        }
        match committed {
            Some(commit) => {
                writeln!(
                    f,
                    "committed {} as {}: {}",
                    plural(commit.files.len(), "file"),
                    commit.id,
                    commit.subject
                )?;
            }
            None => writeln!(f, "nothing of yours to commit")?,
        }
        if !not_committed.is_empty() {
            writeln!(f, "not committed (not yours to commit):")?;
            for file in not_committed {
                writeln!(f, "  {}", file.display())?;
            }
        }
        if upstream.is_some() {
            if pulled.is_empty() {
                writeln!(f, "nothing new to pull")?;
            } else {
                writeln!(f, "pulled {}:", plural(pulled.len(), "commit"))?;
                for commit in pulled {
                    writeln!(f, "  {} {}: {}", commit.id, commit.author, commit.subject)?;
                }
            }
        }
        if !changes.is_empty() || !documents.is_empty() || *project_changed {
            writeln!(f, "changed since your last sync:")?;
        }
        for change in changes {
            let mut items: Vec<String> = change
                .documents
                .iter()
                .map(|d| {
                    if d.title == d.document || d.title.is_empty() {
                        format!("{} ({})", d.document, d.change.name())
                    } else {
                        format!("{} \"{}\" ({})", d.document, d.title, d.change.name())
                    }
                })
                .collect();
            if let Some(entities) = change.entities {
                items.push(format!("entities ({})", entities.name()));
            }
            writeln!(f, "  {}: {}", change.annotator, items.join(", "))?;
        }
        for document in documents {
            writeln!(
                f,
                "  document {} \"{}\" ({})",
                document.document,
                document.title,
                document.change.name()
            )?;
        }
        if *project_changed {
            writeln!(
                f,
                "  {PROJECT_FILE} (documents or labels): reopen the project in the app to see them"
            )?;
        }
        if !merged.is_empty() {
            writeln!(
                f,
                "merged by id where both sides changed the same entry (the other version is in \
                 git history):"
            )?;
            for line in merged {
                writeln!(f, "  {line}")?;
            }
        }
        if *pushed > 0 {
            writeln!(f, "pushed {}", plural(*pushed, "commit"))?;
        } else if upstream.is_some() {
            writeln!(f, "nothing to push")?;
        }
        for note in notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// Sorts the files a pull changed (paths relative to the project folder) into the report,
/// replacing what an earlier pull of the same sync put there.
pub(crate) fn fill_changes(
    report: &mut SyncReport,
    changed: &[(String, Change)],
    titles: &BTreeMap<String, String>,
) {
    let title = |id: &str| titles.get(id).cloned().unwrap_or_else(|| id.to_owned());
    report.documents.clear();
    report.project_changed = false;
    let mut by_annotator: BTreeMap<String, AnnotatorChanges> = BTreeMap::new();
    fn entry<'m>(
        map: &'m mut BTreeMap<String, AnnotatorChanges>,
        annotator: &str,
    ) -> &'m mut AnnotatorChanges {
        map.entry(annotator.to_owned())
            .or_insert_with(|| AnnotatorChanges {
                annotator: annotator.to_owned(),
                documents: Vec::new(),
                entities: None,
            })
    }
    for (path, change) in changed {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["annotations", annotator, file] => {
                if let Some(id) = file.strip_suffix(".ron") {
                    entry(&mut by_annotator, annotator)
                        .documents
                        .push(DocumentChange {
                            document: id.to_owned(),
                            title: title(id),
                            change: *change,
                        });
                }
            }
            ["entities", file] => {
                if let Some(annotator) = file.strip_suffix(".ron") {
                    entry(&mut by_annotator, annotator).entities = Some(*change);
                }
            }
            ["documents", file] => {
                if let Some(id) = file.strip_suffix(".txt") {
                    report.documents.push(DocumentChange {
                        document: id.to_owned(),
                        title: title(id),
                        change: *change,
                    });
                }
            }
            [file] if *file == PROJECT_FILE => report.project_changed = true,
            _ => {}
        }
    }
    report.changes = by_annotator
        .into_values()
        .map(|mut c| {
            c.documents.sort_by(|a, b| a.document.cmp(&b.document));
            c
        })
        .collect();
    report.documents.sort_by(|a, b| a.document.cmp(&b.document));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_grouped_by_annotator() {
        let mut report = SyncReport::new("main".into());
        report.upstream = Some("origin/main".into());
        report.pulled.push(PulledCommit {
            id: "abc1234".into(),
            author: "Bo".into(),
            subject: "Lector: bo annotated \"Talks\"".into(),
        });
        let titles = BTreeMap::from([("talks".to_owned(), "Talks".to_owned())]);
        let changed = [
            ("annotations/bo/talks.ron".to_owned(), Change::Modified),
            ("annotations/bo/new.ron".to_owned(), Change::Added),
            ("entities/erik.ron".to_owned(), Change::Added),
            ("documents/new.txt".to_owned(), Change::Added),
            ("project.ron".to_owned(), Change::Modified),
            ("README.md".to_owned(), Change::Modified),
        ];
        fill_changes(&mut report, &changed, &titles);
        assert_eq!(report.changes.len(), 2);
        let bo = &report.changes[0];
        assert_eq!(bo.annotator, "bo");
        assert_eq!(bo.documents[0].document, "new");
        assert_eq!(bo.documents[1].title, "Talks");
        assert_eq!(report.changes[1].entities, Some(Change::Added));
        assert!(report.project_changed && report.needs_reload());
        assert_eq!(
            report.summary(),
            "pulled 1 commit (bo: 2 documents, erik: entities)"
        );
        let text = report.to_string();
        assert!(
            text.contains("  bo: new (new), talks \"Talks\" (changed)"),
            "{text}"
        );
        assert!(text.contains("nothing to push"), "{text}");
    }
}
