//! Looking for files changed on disk on another thread, so that a window that waits for
//! input does nothing at all: a [`Watcher`] is a copy of what a store knows of its files
//! (their fingerprints, the documents and entities the files are checked against, never the
//! annotations), which polls and reads on its own thread exactly as
//! [`ProjectStore::reload_changed`] does, and hands what it read back as a [`Reloaded`]
//! for [`ProjectStore::take_reloaded`] to apply on the store's thread.
//!
//! ## Implementation notes
//!
//! - The store's own writes (a save, a merge) move its fingerprints after the watcher's
//!   copy was taken: the watcher would take the store's own write for someone else's. So
//!   every file read carries the fingerprint it was compared against, and
//!   [`ProjectStore::take_reloaded`] applies a file only if the store still has that one;
//!   the store's [`ProjectStore::disk_version`] tells the owner to hand the watcher a fresh
//!   copy ([`Watcher::refresh`]).
//! - Whether one of the user's own files has unsaved changes is decided again when the
//!   result is applied: an edit may have come after the copy was taken.
//! - A result that brings nothing new (the same conflicts, the same files that need a
//!   reopen, unchanged since) is not handed back, so a standing conflict does not wake the
//!   window at every poll.
//! - Every poll looks at the project file, every person's files of the document shown
//!   ([`Watcher::show`]), the user's files with unsaved changes (a change on disk is a
//!   conflict), the conflicts and files needing a reopen it last reported, the files a newer
//!   copy of the store knows otherwise than the last (a result the window did not take in),
//!   and the files of people rather than documents (entities, resolutions, triage). Of the
//!   other documents' files it looks at up to [`IN_TURN`] a poll, in turn, so that a project
//!   of 1,000 documents × 10 annotators costs a poll about what one of 200 documents does
//!   (its 11,000 files every 1.5 s took 3% of a core while the window was idle), and a
//!   change to another document is seen within a few polls.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::reload::{Changed, FileStat, classify};
use super::{
    DiskChanges, Fingerprint, Project, ProjectStore, entities_path, resolutions_path, review_path,
    set_path, suggestions_path, triage_path,
};

/// What a store knows of its files, to poll and read them on another thread. `Send`.
#[derive(Debug)]
pub struct Watcher {
    /// The store without annotations: fingerprints, stats, documents, schema, entities.
    shell: ProjectStore,
    /// Whose files are the user's own.
    annotator: String,
    /// The user's own files with unsaved changes when the copy was taken.
    unsaved: BTreeSet<PathBuf>,
    /// The store's [`ProjectStore::disk_version`] when the copy was taken.
    version: u64,
    /// The conflicts and the files needing a reopen (with their times) last handed back.
    told: (Vec<PathBuf>, Vec<(PathBuf, Option<SystemTime>)>),
    /// The document shown, whose files are looked at in every poll.
    shown: Option<String>,
    /// Where the next poll's turn of the other documents' files begins.
    turn: usize,
    /// How many of the other documents' files a poll looks at.
    in_turn: usize,
    /// Files the next poll looks at whatever their turn: those whose fingerprint a newer
    /// copy of the store changed (a result the window did not take in, or its own write).
    recheck: Vec<PathBuf>,
}

/// How many files of documents not shown a poll looks at: all of them in a project of up to
/// about 180 documents × 10 annotators.
pub const IN_TURN: usize = 2_048;

/// Whether a file is looked at only in its turn: another document's file.
fn in_turn(rel: &Path, shown: Option<&str>) -> bool {
    let elsewhere = |document: &str| shown != Some(document);
    match classify(rel) {
        Changed::Set { document, .. }
        | Changed::Review { document, .. }
        | Changed::Suggested { document, .. } => elsewhere(&document),
        Changed::Other => {
            rel.parent() == Some(Path::new("documents"))
                && rel.extension().is_some_and(|e| e == "txt")
                && rel
                    .file_stem()
                    .and_then(|d| d.to_str())
                    .is_some_and(elsewhere)
        }
        Changed::Entities { .. } | Changed::Resolutions { .. } | Changed::Triage { .. } => false,
    }
}

/// What a [`Watcher`] found changed and read, for [`ProjectStore::take_reloaded`].
#[derive(Debug)]
pub struct Reloaded {
    /// What changed, as [`ProjectStore::reload_changed`] would say.
    changes: DiskChanges,
    /// Each file looked at, with the fingerprint the watcher compared it against.
    base: BTreeMap<PathBuf, Fingerprint>,
    /// Each file looked at as read now: fingerprint, size and time, why it is read-only.
    after: BTreeMap<PathBuf, (Fingerprint, Option<FileStat>, Option<String>)>,
    /// What was read: the changed sets, entities, reviews, resolutions, triage, suggestions.
    project: Project,
}

impl Reloaded {
    /// What changed, as read (before [`ProjectStore::take_reloaded`] leaves out what no
    /// longer applies).
    pub fn changes(&self) -> &DiskChanges {
        &self.changes
    }
}

impl ProjectStore {
    /// Changes whenever the store reads or writes a file (never the same value for two
    /// stores): a [`Watcher`] taken at another version is out of date.
    pub fn disk_version(&self) -> u64 {
        self.disk_version
    }

    /// A copy of what the store knows of its files, to look for changes on another thread
    /// ([`Watcher::poll`]); `unsaved` are `annotator`'s own files with unsaved changes.
    pub fn watcher(&self, annotator: &str, unsaved: BTreeSet<PathBuf>) -> Watcher {
        let project = Project {
            name: self.project.name.clone(),
            schema: self.project.schema.clone(),
            documents: self.project.documents.clone(),
            entities: self.project.entities.clone(),
            ..Project::default()
        };
        Watcher {
            shell: Self {
                root: self.root.clone(),
                project,
                fingerprints: self.fingerprints.clone(),
                // Why files are read-only: whether one of the user's own files that cannot
                // be read is kept as it is in memory depends on it (`keeps_own`).
                read_only: self.read_only.clone(),
                stats: self.stats.clone(),
                edited_texts: BTreeSet::new(),
                pending: Vec::new(),
                disk_version: self.disk_version,
                counting: false,
                labels: None,
                tables: None,
                annotations_read: 0,
                written: Default::default(),
            },
            annotator: annotator.to_owned(),
            unsaved,
            version: self.disk_version,
            told: (Vec::new(), Vec::new()),
            shown: None,
            turn: 0,
            in_turn: IN_TURN,
            recheck: Vec::new(),
        }
    }

    /// Applies what a [`Watcher`] read: each file whose fingerprint here is still the one
    /// the watcher compared against (the others this store has read or written since), the
    /// user's own files in `unsaved` (those with unsaved changes) left alone and reported as conflicts. Returns what
    /// changed, as [`Self::reload_changed`] does.
    pub fn take_reloaded(
        &mut self,
        reloaded: Reloaded,
        unsaved: &BTreeSet<PathBuf>,
    ) -> DiskChanges {
        let Reloaded {
            changes,
            base,
            after,
            mut project,
        } = reloaded;
        let mut out = DiskChanges::default();
        let mut taken: Vec<PathBuf> = Vec::new();
        // Whether the file can be applied: as the watcher knew it, and not one with unsaved
        // changes (then it is a conflict, for the next save to merge into).
        let mut take = |store: &Self, rel: PathBuf, out: &mut DiskChanges| -> bool {
            let known = store.fingerprint(&rel);
            if base.get(&rel) != Some(&known) {
                return false;
            }
            if unsaved.contains(&rel) {
                out.conflicts.push(rel);
                return false;
            }
            taken.push(rel);
            true
        };
        for who in changes.entities {
            if take(self, entities_path(&who), &mut out) {
                self.project.entities.remove(&who);
                if let Some(registry) = project.entities.remove(&who) {
                    self.project.entities.insert(who.clone(), registry);
                }
                out.entities.push(who);
            }
        }
        for who in changes.resolutions {
            if take(self, resolutions_path(&who), &mut out) {
                self.project.resolutions.remove(&who);
                if let Some(resolutions) = project.resolutions.remove(&who) {
                    self.project.resolutions.insert(who.clone(), resolutions);
                }
                out.resolutions.push(who);
            }
        }
        for who in changes.triage {
            if take(self, triage_path(&who), &mut out) {
                self.project.triage.remove(&who);
                if let Some(triage) = project.triage.remove(&who) {
                    self.project.triage.insert(who.clone(), triage);
                }
                out.triage.push(who);
            }
        }
        for key in changes.suggested {
            if take(self, suggestions_path(&key.0, &key.1), &mut out) {
                self.project.suggested.remove(&key);
                if let Some(suggested) = project.suggested.remove(&key) {
                    self.project.suggested.insert(key.clone(), suggested);
                }
                out.suggested.push(key);
            }
        }
        for key in changes.reloaded {
            if take(self, set_path(&key.0, &key.1), &mut out) {
                self.project.sets.remove(&key);
                self.project.legacy_resolutions.remove(&key);
                if let Some(set) = project.sets.remove(&key) {
                    self.project.sets.insert(key.clone(), set);
                }
                if let Some(legacy) = project.legacy_resolutions.remove(&key) {
                    self.project.legacy_resolutions.insert(key.clone(), legacy);
                }
                out.reloaded.push(key);
            }
        }
        for key in changes.removed {
            if take(self, set_path(&key.0, &key.1), &mut out) {
                self.project.sets.remove(&key);
                self.project.legacy_resolutions.remove(&key);
                out.removed.push(key);
            }
        }
        for key in changes.reviews {
            if take(self, review_path(&key.0, &key.1), &mut out) {
                self.project.reviews.remove(&key);
                if let Some(review) = project.reviews.remove(&key) {
                    self.project.reviews.insert(key.clone(), review);
                }
                out.reviews.push(key);
            }
        }
        // The user's own files that changed into something unreadable: what is in memory
        // stays (nothing was read into `project` for them), the file read-only.
        for rel in changes.unreadable {
            if take(self, rel.clone(), &mut out) {
                out.unreadable.push(rel);
            }
        }
        out.conflicts.extend(
            changes
                .conflicts
                .into_iter()
                .filter(|rel| unsaved.contains(rel)),
        );
        for rel in changes.needs_reopen {
            // A file of a document not known yet is remembered, so it is reported once.
            if base.get(&rel) == Some(&self.fingerprint(&rel)) {
                taken.push(rel.clone());
            }
            out.needs_reopen.push(rel);
        }
        for rel in &taken {
            let Some((fingerprint, stat, read_only)) = after.get(rel) else {
                continue;
            };
            self.set_fingerprint(rel.clone(), *fingerprint);
            match stat {
                Some(stat) => self.stats.insert(rel.clone(), *stat),
                None => self.stats.remove(rel),
            };
            self.read_only.remove(rel);
            if let Some(reason) = read_only {
                self.read_only.insert(rel.clone(), reason.clone());
            }
        }
        out.problems = changes
            .problems
            .into_iter()
            .filter(|p| taken.contains(&p.file))
            .collect();
        out.sort();
        out
    }

    /// The fingerprint of what Lector last read or wrote of a file (absent if nothing).
    fn fingerprint(&self, rel: &Path) -> Fingerprint {
        self.fingerprints
            .get(rel)
            .copied()
            .unwrap_or(Fingerprint::absent())
    }
}

impl Watcher {
    /// The project folder watched.
    pub fn root(&self) -> &Path {
        &self.shell.root
    }

    /// The store's [`ProjectStore::disk_version`] this copy was taken at.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Takes a newer copy of the store, keeping the sizes and times this one learnt of
    /// files that did not change since (so they are not read again) and what it last told.
    pub fn refresh(&mut self, mut newer: Watcher) {
        let old = std::mem::take(&mut self.shell.stats);
        for (rel, stat) in old {
            if self.shell.fingerprints.get(&rel) == newer.shell.fingerprints.get(&rel) {
                newer.shell.stats.entry(rel).or_insert(stat);
            }
        }
        // What the store and this copy disagree on is looked at in the next poll: a result
        // the window dropped (a save or a sync began) is found again at once.
        let mut recheck: BTreeSet<PathBuf> =
            std::mem::take(&mut self.recheck).into_iter().collect();
        recheck.extend(
            self.shell
                .fingerprints
                .iter()
                .filter(|(rel, print)| newer.shell.fingerprints.get(*rel) != Some(*print))
                .map(|(rel, _)| rel.clone()),
        );
        recheck.retain(|rel| newer.shell.fingerprints.contains_key(rel));
        newer.recheck = recheck.into_iter().collect();
        newer.told = std::mem::take(&mut self.told);
        newer.shown = self.shown.take();
        newer.turn = self.turn;
        newer.in_turn = self.in_turn;
        *self = newer;
    }

    /// Looks at the files of this document in every poll (the document shown).
    pub fn show(&mut self, document: Option<String>) {
        self.shown = document;
    }

    /// Looks at `n` of the other documents' files a poll (tests: a small project in turns).
    pub fn set_in_turn(&mut self, n: usize) {
        self.in_turn = n.max(1);
    }

    /// The files that changed on disk since Lector last read or wrote them, in path order:
    /// of the files polled now (see the module's notes).
    fn moved_files(&mut self) -> Vec<PathBuf> {
        let told: BTreeSet<&Path> = self
            .told
            .0
            .iter()
            .chain(self.told.1.iter().map(|(rel, _)| rel))
            .chain(&self.unsaved)
            .map(PathBuf::as_path)
            .collect();
        let (mut polled, others): (Vec<PathBuf>, Vec<PathBuf>) =
            self.shell.watched_files().into_iter().partition(|rel| {
                told.contains(rel.as_path()) || !in_turn(rel, self.shown.as_deref())
            });
        if others.len() <= self.in_turn {
            polled.extend(others);
            self.turn = 0;
        } else {
            let from = self.turn % others.len();
            let turn = others.len().min(self.in_turn);
            polled.extend(others.iter().cycle().skip(from).take(turn).cloned());
            self.turn = (from + turn) % others.len();
        }
        polled.extend(std::mem::take(&mut self.recheck));
        polled.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        polled.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
        self.shell.moved_among(polled)
    }

    /// Polls the files (one `stat` each, of those polled now: see the module's notes; the
    /// content of those that moved is read and checked): what changed since Lector last read
    /// or wrote them, or `None` when nothing new did.
    pub fn poll(&mut self) -> Option<Reloaded> {
        let moved = self.moved_files();
        let base: BTreeMap<PathBuf, Fingerprint> = moved
            .iter()
            .map(|rel| (rel.clone(), self.shell.fingerprint(rel)))
            .collect();
        let changes = self
            .shell
            .reload_files(moved, &self.annotator, &self.unsaved);
        let stamps = changes
            .needs_reopen
            .iter()
            .map(|rel| {
                let modified =
                    std::fs::metadata(self.shell.root.join(rel)).and_then(|m| m.modified());
                (rel.clone(), modified.ok())
            })
            .collect();
        let told = (changes.conflicts.clone(), stamps);
        if !changes.changed_project() && changes.problems.is_empty() && told == self.told {
            return None;
        }
        self.told = told;
        let shell = &mut self.shell;
        let mut project = Project::default();
        for key in &changes.reloaded {
            if let Some(set) = shell.project.sets.remove(key) {
                project.sets.insert(key.clone(), set);
            }
            if let Some(legacy) = shell.project.legacy_resolutions.remove(key) {
                project.legacy_resolutions.insert(key.clone(), legacy);
            }
        }
        // The shell keeps the entities: the next files read are checked against them.
        for who in &changes.entities {
            if let Some(registry) = shell.project.entities.get(who) {
                project.entities.insert(who.clone(), registry.clone());
            }
        }
        for key in &changes.reviews {
            if let Some(review) = shell.project.reviews.remove(key) {
                project.reviews.insert(key.clone(), review);
            }
        }
        for who in &changes.resolutions {
            if let Some(resolutions) = shell.project.resolutions.remove(who) {
                project.resolutions.insert(who.clone(), resolutions);
            }
        }
        for who in &changes.triage {
            if let Some(triage) = shell.project.triage.remove(who) {
                project.triage.insert(who.clone(), triage);
            }
        }
        for key in &changes.suggested {
            if let Some(suggested) = shell.project.suggested.remove(key) {
                project.suggested.insert(key.clone(), suggested);
            }
        }
        let after = base
            .keys()
            .map(|rel| {
                let now = (
                    shell.fingerprint(rel),
                    shell.stats.get(rel).copied(),
                    shell.read_only.get(rel).cloned(),
                );
                (rel.clone(), now)
            })
            .collect();
        Some(Reloaded {
            changes,
            base,
            after,
            project,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reload::tests::{annotate, project};

    #[test]
    fn a_colleagues_change_is_read_by_the_watcher_and_taken_in_once() {
        let (dir, mut anna, doc) = project();
        let mut watcher = anna.watcher("anna", BTreeSet::new());
        assert!(watcher.poll().is_none(), "nothing changed");
        let (mut bo, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut bo, &doc, "bo", 0, 5);

        let reloaded = watcher.poll().expect("bo's new file");
        assert!(watcher.poll().is_none(), "handed back once");
        assert!(
            anna.project.set(&doc, "bo").is_none(),
            "nothing applied yet"
        );
        let version = anna.disk_version();
        let changes = anna.take_reloaded(reloaded, &BTreeSet::new());
        assert_eq!(changes.reloaded, [(doc.clone(), "bo".to_owned())]);
        assert_eq!(anna.project.set(&doc, "bo").unwrap().annotations().len(), 1);
        assert_ne!(
            anna.disk_version(),
            version,
            "the owner refreshes its watcher"
        );
        assert!(
            anna.reload_changed("anna", &BTreeSet::new()).is_empty(),
            "the store knows the file as read"
        );
    }

    #[test]
    fn the_stores_own_write_after_the_copy_is_not_taken_for_someone_elses() {
        let (_dir, mut anna, doc) = project();
        annotate(&mut anna, &doc, "anna", 0, 5);
        let mut watcher = anna.watcher("anna", BTreeSet::new());
        // Anna's own save, after the watcher's copy was taken.
        annotate(&mut anna, &doc, "anna", 12, 22);
        let reloaded = watcher.poll().expect("the file moved since the copy");
        let changes = anna.take_reloaded(reloaded, &BTreeSet::new());
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(
            anna.project.set(&doc, "anna").unwrap().annotations().len(),
            2
        );
    }

    #[test]
    fn an_own_file_with_unsaved_changes_is_a_conflict_not_a_reload() {
        let (dir, mut anna, doc) = project();
        annotate(&mut anna, &doc, "anna", 0, 5);
        let mut watcher = anna.watcher("anna", BTreeSet::new());
        // Another window of anna's saves while this one has unsaved changes.
        let (mut other, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut other, &doc, "anna", 12, 22);
        let reloaded = watcher.poll().expect("anna's file changed on disk");
        let unsaved = BTreeSet::from([crate::store::set_path(&doc, "anna")]);
        let changes = anna.take_reloaded(reloaded, &unsaved);
        assert_eq!(changes.conflicts, [crate::store::set_path(&doc, "anna")]);
        assert!(changes.reloaded.is_empty());
        assert_eq!(
            anna.project.set(&doc, "anna").unwrap().annotations().len(),
            1
        );
    }

    /// In a project of more files than a poll looks at in turn, the files of the document
    /// shown and the user's files with unsaved changes are looked at in every poll, and every
    /// other file within a turn: a change to another document is found, once, within the
    /// polls a turn takes.
    #[test]
    fn the_document_shown_is_polled_every_time_and_the_others_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let docs: Vec<String> = (0..30)
            .map(|i| {
                let text = "Putin möter Lukashenko i Sotji.".to_owned();
                store
                    .add_text(&format!("d{i:02}.txt"), &format!("D{i}"), text)
                    .unwrap()
            })
            .collect();
        for doc in &docs {
            for who in ["anna", "bo", "cy"] {
                annotate(&mut store, doc, who, 0, 5);
            }
        }
        let unsaved = BTreeSet::from([crate::store::set_path(&docs[17], "anna")]);
        let mut watcher = store.watcher("anna", unsaved);
        watcher.set_in_turn(10);
        watcher.show(Some(docs[0].clone()));
        // At most 29 other texts and 87 files of other documents: a turn is at most 12 polls.
        let turn = 12;
        for _ in 0..turn {
            assert!(watcher.poll().is_none(), "nothing changed");
        }
        let (mut other, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut other, &docs[0], "bo", 6, 11);
        annotate(&mut other, &docs[17], "anna", 6, 11);
        let reloaded = watcher
            .poll()
            .expect("the document shown, anna's unsaved file");
        assert_eq!(
            reloaded.changes().reloaded,
            [(docs[0].clone(), "bo".to_owned())]
        );
        assert_eq!(
            reloaded.changes().conflicts,
            [crate::store::set_path(&docs[17], "anna")]
        );
        for (doc, who) in [(23, "cy"), (5, "bo"), (29, "anna")] {
            annotate(&mut other, &docs[doc], who, 12, 22);
            let found: Vec<_> = (0..turn)
                .filter_map(|_| watcher.poll())
                .map(|r| r.changes().reloaded.clone())
                .collect();
            assert_eq!(found, [[(docs[doc].clone(), who.to_owned())]], "{doc}");
        }
        // None of it taken in (the window dropped it: a save began), and a newer copy of the
        // store handed over: every file reported is found again at the next poll.
        let unsaved = BTreeSet::from([crate::store::set_path(&docs[17], "anna")]);
        watcher.refresh(store.watcher("anna", unsaved));
        let again = watcher.poll().expect("found again");
        let mut reloaded = again.changes().reloaded.clone();
        reloaded.sort();
        let mut expected: Vec<(String, String)> = [(0, "bo"), (5, "bo"), (23, "cy"), (29, "anna")]
            .into_iter()
            .map(|(d, who)| (docs[d].clone(), who.to_owned()))
            .collect();
        expected.sort();
        assert_eq!(reloaded, expected);
    }
}
