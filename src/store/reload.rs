//! Noticing what colleagues (or git) changed on disk while a project is open, and re-reading
//! their files without touching the user's own.
//!
//! ## Why polling
//!
//! The app polls every second or two instead of subscribing to file-system events (the
//! `notify` crate), on a thread of its own through a [`super::Watcher`], which runs this code
//! on a copy of the store (see `watch.rs`); a sync's pull calls
//! [`ProjectStore::reload_changed`] directly:
//! - a poll costs one `stat` per file: the content is read and hashed only when a file's size
//!   or modification time moved, so a project of a few hundred files polls in well under a
//!   millisecond;
//! - teams keep projects on network and synced folders (SMB, NFS, Dropbox), where change
//!   events are missing or late, while `stat` always works;
//! - `git pull` rewrites many files in a burst; events would need debouncing, a poll simply
//!   sees the result;
//! - no platform code and no dependency in the store, and tests stay deterministic.
//!
//! A file whose time is within [`RACY`] of now is compared by content, not by time: a file
//! system with coarse timestamps can change a file twice within one tick (git's "racily
//! clean" problem).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{Fingerprint, PROJECT_FILE, Problem, ProjectStore, list_dirs, list_files};
use crate::model::{Project, SetKey, project};

/// Files modified more recently than this are compared by content, because coarse file-system
/// timestamps (2 s on FAT, 1 s on HFS+ and some NFS servers) may not move on a quick rewrite.
pub const RACY: Duration = Duration::from_secs(3);

/// Why one of the user's own files is read-only after it changed on disk into something that
/// cannot be read whole: see [`DiskChanges::unreadable`].
pub const UNREADABLE_OWN: &str = "it changed on disk and cannot be read whole (see the problems \
     listed); your version is kept: keep it (overwriting the file) or reload the project";

/// Size and modification time of a file, as seen when its content matched its fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FileStat {
    len: u64,
    modified: SystemTime,
}

impl FileStat {
    pub(super) fn of(metadata: &fs::Metadata) -> Option<Self> {
        metadata.modified().ok().map(|modified| Self {
            len: metadata.len(),
            modified,
        })
    }
}

/// What [`ProjectStore::reload_changed`] found changed on disk and did about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskChanges {
    /// Colleagues' annotation files re-read (changed or new), as (document, annotator),
    /// sorted. The sets in memory now match the files, as far as they could be read (see
    /// `problems`).
    pub reloaded: Vec<SetKey>,
    /// Colleagues' annotation files deleted on disk, now dropped from memory, sorted.
    pub removed: Vec<SetKey>,
    /// Colleagues whose entities file was re-read or deleted, sorted.
    pub entities: Vec<String>,
    /// Reviews (decisions and comments) re-read or deleted, as (document, reviewer), sorted.
    pub reviews: Vec<SetKey>,
    /// Resolvers whose resolutions file was re-read or deleted, sorted.
    pub resolutions: Vec<String>,
    /// Annotators whose decisions on suggestions (`triage/<annotator>.ron`) were re-read or
    /// deleted, sorted.
    pub triage: Vec<String>,
    /// Imported suggestions (source, document) re-read or deleted, sorted.
    pub suggested: Vec<(String, String)>,
    /// The user's own files with unsaved changes that changed on disk meanwhile (another
    /// window, a command, a git pull), relative to the project folder, sorted. They are
    /// **not** reloaded, so unsaved work is kept: the next save merges it into what is on
    /// disk (see [`super::PendingWrite`]). Reported on every call until then.
    pub conflicts: Vec<PathBuf>,
    /// The user's own files without unsaved changes that changed on disk into something
    /// nothing can be read from (cut short, a merge's conflict markers, a hand edit gone
    /// wrong), or that were so and have been deleted since, relative to the project folder,
    /// sorted. What was in memory (the version last saved or read) is kept, not replaced by
    /// nothing, and the file is read-only ([`UNREADABLE_OWN`]) until the user keeps theirs
    /// ([`ProjectStore::forget_disk_version`], then a save) or reloads the project. Their
    /// problems are in `problems`.
    pub unreadable: Vec<PathBuf>,
    /// Files that changed but are only taken in by reopening the project: `project.ron`
    /// (documents, labels), document texts, and annotations of documents this project does
    /// not list yet. Sorted.
    pub needs_reopen: Vec<PathBuf>,
    /// Problems in the files re-read, as `lector check` reports them.
    pub problems: Vec<Problem>,
}

impl DiskChanges {
    /// Sorts every list (and drops repeats), as [`ProjectStore::reload_changed`] returns
    /// them.
    pub(super) fn sort(&mut self) {
        self.reloaded.sort();
        self.removed.sort();
        self.entities.sort();
        self.reviews.sort();
        self.resolutions.sort();
        self.triage.sort();
        self.suggested.sort();
        self.conflicts.sort();
        self.conflicts.dedup();
        self.unreadable.sort();
        self.unreadable.dedup();
        self.needs_reopen.sort();
        self.problems.sort();
        self.problems.dedup();
    }
}

impl DiskChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        let Self {
            reloaded,
            removed,
            entities,
            reviews,
            resolutions,
            triage,
            suggested,
            conflicts,
            unreadable,
            needs_reopen,
            problems,
        } = self;
        reloaded.is_empty()
            && removed.is_empty()
            && entities.is_empty()
            && reviews.is_empty()
            && resolutions.is_empty()
            && triage.is_empty()
            && suggested.is_empty()
            && conflicts.is_empty()
            && unreadable.is_empty()
            && needs_reopen.is_empty()
            && problems.is_empty()
    }

    /// The files read again or found deleted, relative to the project folder: what they
    /// held before (and any problem reported of them) is replaced by what was read now.
    pub fn files_re_read(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .reloaded
            .iter()
            .chain(&self.removed)
            .map(|(document, who)| super::set_path(document, who))
            .collect();
        files.extend(self.entities.iter().map(|who| super::entities_path(who)));
        files.extend(
            self.reviews
                .iter()
                .map(|(d, who)| super::review_path(d, who)),
        );
        files.extend(
            self.resolutions
                .iter()
                .map(|who| super::resolutions_path(who)),
        );
        files.extend(self.triage.iter().map(|who| super::triage_path(who)));
        files.extend(
            self.suggested
                .iter()
                .map(|(source, document)| super::suggestions_path(source, document)),
        );
        files.extend(self.unreadable.iter().cloned());
        files
    }

    /// Whether the project in memory changed (something was re-read or dropped).
    pub fn changed_project(&self) -> bool {
        !self.reloaded.is_empty()
            || !self.removed.is_empty()
            || !self.entities.is_empty()
            || !self.reviews.is_empty()
            || !self.resolutions.is_empty()
            || !self.triage.is_empty()
            || !self.suggested.is_empty()
    }
}

/// A file's state before it is read again: see [`ProjectStore::keeps_own`].
struct Before {
    /// Why it was read-only.
    reason: Option<String>,
    /// What Lector had read or written of it.
    fingerprint: Option<Fingerprint>,
}

/// Puts `old` back under `key`, or leaves no entry if there was none (a watcher's copy of the
/// store holds no annotations): what a re-read with problems loaded is dropped.
fn put_back<K: Ord, V>(map: &mut std::collections::BTreeMap<K, V>, key: K, old: Option<V>) {
    match old {
        Some(old) => {
            map.insert(key, old);
        }
        None => {
            map.remove(&key);
        }
    }
}

/// A changed file, sorted by what it is.
pub(super) enum Changed {
    Set { document: String, annotator: String },
    Entities { annotator: String },
    Review { document: String, reviewer: String },
    Resolutions { resolver: String },
    Triage { annotator: String },
    Suggested { source: String, document: String },
    Other,
}

pub(super) fn classify(rel: &Path) -> Changed {
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    match parts.as_slice() {
        ["annotations", annotator, file] => {
            file.strip_suffix(".ron")
                .map_or(Changed::Other, |d| Changed::Set {
                    document: d.to_owned(),
                    annotator: (*annotator).to_owned(),
                })
        }
        ["entities", file] => {
            file.strip_suffix(".ron")
                .map_or(Changed::Other, |a| Changed::Entities {
                    annotator: a.to_owned(),
                })
        }
        ["reviews", reviewer, file] => {
            file.strip_suffix(".ron")
                .map_or(Changed::Other, |d| Changed::Review {
                    document: d.to_owned(),
                    reviewer: (*reviewer).to_owned(),
                })
        }
        ["resolutions", file] => {
            file.strip_suffix(".ron")
                .map_or(Changed::Other, |r| Changed::Resolutions {
                    resolver: r.to_owned(),
                })
        }
        ["triage", file] => file
            .strip_suffix(".ron")
            .map_or(Changed::Other, |a| Changed::Triage {
                annotator: a.to_owned(),
            }),
        ["suggestions", source, file] => {
            file.strip_suffix(".ron")
                .map_or(Changed::Other, |d| Changed::Suggested {
                    source: (*source).to_owned(),
                    document: d.to_owned(),
                })
        }
        _ => Changed::Other,
    }
}

impl ProjectStore {
    /// Re-reads the files others (colleagues, git, another window or command) changed on
    /// disk since Lector read them, leaving `annotator`'s own files that are in `unsaved`
    /// alone: those are reported as conflicts, for the next save to merge into. Cheap enough
    /// to call every second or two (see the module documentation for why polling); returns
    /// what changed, empty if nothing did.
    pub fn reload_changed(
        &mut self,
        annotator: &str,
        unsaved: &std::collections::BTreeSet<PathBuf>,
    ) -> DiskChanges {
        let moved = self.moved_files();
        self.reload_files(moved, annotator, unsaved)
    }

    /// The watched files whose content differs from what Lector last read or wrote.
    pub(super) fn moved_files(&mut self) -> Vec<PathBuf> {
        let watched = self.watched_files();
        self.moved_among(watched)
    }

    /// Those of `files` that moved on disk (see [`Self::moved_on_disk`]), in path order.
    pub(super) fn moved_among(&mut self, files: Vec<PathBuf>) -> Vec<PathBuf> {
        let mut moved: Vec<PathBuf> = files
            .into_iter()
            .filter(|rel| self.moved_on_disk(rel))
            .collect();
        moved.sort();
        moved
    }

    /// Re-reads files found moved on disk; see [`Self::reload_changed`].
    pub(super) fn reload_files(
        &mut self,
        moved: Vec<PathBuf>,
        annotator: &str,
        unsaved: &std::collections::BTreeSet<PathBuf>,
    ) -> DiskChanges {
        let mut changes = DiskChanges::default();
        let mut sets = Vec::new();
        let mut entities = Vec::new();
        let mut reviews = Vec::new();
        let mut resolutions = Vec::new();
        let mut triage = Vec::new();
        let mut suggested = Vec::new();
        let person = crate::model::review::reviewer_of(annotator).unwrap_or(annotator);
        for rel in moved {
            match classify(&rel) {
                // The user's own decisions with unsaved changes: kept for the save to merge.
                Changed::Review { .. } if unsaved.contains(&rel) => changes.conflicts.push(rel),
                Changed::Review { document, reviewer } => reviews.push((document, reviewer, rel)),
                Changed::Set { annotator: who, .. } | Changed::Entities { annotator: who }
                    if who == annotator && unsaved.contains(&rel) =>
                {
                    changes.conflicts.push(rel);
                }
                Changed::Set {
                    document,
                    annotator,
                } => sets.push((document, annotator, rel)),
                Changed::Resolutions { resolver }
                    if resolver == person && unsaved.contains(&rel) =>
                {
                    changes.conflicts.push(rel);
                }
                Changed::Entities { annotator } => entities.push((annotator, rel)),
                Changed::Resolutions { resolver } => resolutions.push((resolver, rel)),
                Changed::Triage { annotator: who }
                    if who == annotator && unsaved.contains(&rel) =>
                {
                    changes.conflicts.push(rel);
                }
                Changed::Triage { annotator } => triage.push((annotator, rel)),
                Changed::Suggested { source, document } => suggested.push((source, document, rel)),
                Changed::Other => changes.needs_reopen.push(rel),
            }
        }
        // Entities first: the sets re-read next are checked against them.
        for (who, rel) in entities {
            let own = who == annotator;
            let load = Self::load_entity_file;
            if self.reread_by_person(&who, rel, own, |p| &mut p.entities, load, &mut changes) {
                changes.entities.push(who);
            }
        }
        for (who, rel) in resolutions {
            let own = who == person;
            let load = Self::load_resolution_file;
            if self.reread_by_person(&who, rel, own, |p| &mut p.resolutions, load, &mut changes) {
                changes.resolutions.push(who);
            }
        }
        for (who, rel) in triage {
            let own = who == annotator;
            let load = Self::load_triage_file;
            if self.reread_by_person(&who, rel, own, |p| &mut p.triage, load, &mut changes) {
                changes.triage.push(who);
            }
        }
        for (source, document, rel) in suggested {
            if self.project.document(&document).is_none() {
                if let Ok(now) = Fingerprint::on_disk(&self.root, &rel) {
                    self.set_fingerprint(rel.clone(), now);
                }
                changes.needs_reopen.push(rel);
                continue;
            }
            self.read_only.remove(&rel);
            let key = (source, document);
            self.project.suggested.remove(&key);
            if self.root.join(&rel).exists() {
                self.load_suggested_file(&key.0, &key.1, &rel, &mut changes.problems);
            } else {
                self.set_fingerprint(rel, Fingerprint::absent());
            }
            changes.suggested.push(key);
        }
        for (document, who, rel) in sets {
            if self.project.document(&document).is_none() {
                // Comes with a new `project.ron`; remembered so it is reported once.
                if let Ok(now) = Fingerprint::on_disk(&self.root, &rel) {
                    self.set_fingerprint(rel.clone(), now);
                }
                changes.needs_reopen.push(rel);
                continue;
            }
            let was = self.before_reread(&rel);
            let key = (document.clone(), who.clone());
            let old = self.project.sets.remove(&key);
            let old_legacy = self.project.legacy_resolutions.remove(&key);
            let exists = self.root.join(&rel).exists();
            if exists {
                self.load_set(&who, &document, &rel, &mut changes.problems);
            } else {
                self.set_fingerprint(rel.clone(), Fingerprint::absent());
            }
            let loaded = self.project.sets.contains_key(&key);
            if who == annotator && self.keeps_own(&rel, &was, loaded) {
                put_back(&mut self.project.sets, key.clone(), old);
                put_back(&mut self.project.legacy_resolutions, key, old_legacy);
                self.keep_own(rel, &was, &mut changes);
                continue;
            }
            if exists {
                changes.reloaded.push(key);
            } else {
                changes.removed.push(key);
            }
        }
        for (document, reviewer, rel) in reviews {
            let own = reviewer == person;
            self.reload_review(document, reviewer, rel, own, &mut changes);
        }
        changes.sort();
        changes
    }

    /// Re-reads (or drops) a file the project keeps by person (`entities/`, `resolutions/`,
    /// `triage/`) with `load`, as opening the project reads it; the user's own (`own`) stays
    /// as it is in memory when nothing can be read from it ([`Self::keeps_own`]). Whether it
    /// was re-read (else kept).
    fn reread_by_person<V>(
        &mut self,
        who: &str,
        rel: PathBuf,
        own: bool,
        map: fn(&mut Project) -> &mut std::collections::BTreeMap<String, V>,
        load: fn(&mut Self, &str, &Path, &mut Vec<Problem>),
        changes: &mut DiskChanges,
    ) -> bool {
        let was = self.before_reread(&rel);
        let old = map(&mut self.project).remove(who);
        if self.root.join(&rel).exists() {
            load(self, who, &rel, &mut changes.problems);
        } else {
            self.set_fingerprint(rel.clone(), Fingerprint::absent());
        }
        let loaded = map(&mut self.project).contains_key(who);
        if own && self.keeps_own(&rel, &was, loaded) {
            put_back(map(&mut self.project), who.to_owned(), old);
            self.keep_own(rel, &was, changes);
            return false;
        }
        true
    }

    /// What [`Self::keeps_own`] needs to know of a file from before it is read again: why
    /// it was read-only (taken off: the read decides again) and whether Lector had read or
    /// written a version of it.
    fn before_reread(&mut self, rel: &Path) -> Before {
        Before {
            reason: self.read_only.remove(rel),
            fingerprint: self.fingerprints.get(rel).copied(),
        }
    }

    /// Whether a re-read of one of the user's own files keeps the version in memory instead
    /// (see [`DiskChanges::unreadable`]): nothing could be read from the file (cut short,
    /// conflict markers, not RON; a file that reads with problems of meaning, such as a
    /// label a newer schema renamed, is taken in read-only as a colleague's is), or it was
    /// kept so before and has been deleted since; the version in memory is one Lector read
    /// or wrote; and the file was not read-only for another reason (then what is in memory
    /// is only what could be read of it).
    fn keeps_own(&self, rel: &Path, was: &Before, loaded: bool) -> bool {
        let kept_before = was.reason.as_deref() == Some(UNREADABLE_OWN);
        let known = was.fingerprint.is_some_and(|f| f != Fingerprint::absent());
        let exists = self.root.join(rel).exists();
        (was.reason.is_none() || kept_before) && known && !loaded && (exists || kept_before)
    }

    /// One of the user's own files kept as it is in memory (see [`Self::keeps_own`]):
    /// read-only until the user chooses. Its fingerprint is what is on disk now (or absent),
    /// so it is not read again at every poll, even where the read could not take one.
    fn keep_own(&mut self, rel: PathBuf, was: &Before, changes: &mut DiskChanges) {
        if self.fingerprints.get(&rel).copied() == was.fingerprint {
            let now = Fingerprint::on_disk(&self.root, &rel).unwrap_or(Fingerprint::absent());
            self.set_fingerprint(rel.clone(), now);
        }
        self.read_only
            .insert(rel.clone(), UNREADABLE_OWN.to_owned());
        changes.unreadable.push(rel);
    }

    /// Re-reads (or drops) one review file that changed on disk, as opening the project
    /// reads it: a file with problems is loaded as far as it can be and kept read-only.
    fn reload_review(
        &mut self,
        document: String,
        reviewer: String,
        rel: PathBuf,
        own: bool,
        changes: &mut DiskChanges,
    ) {
        if self.project.document(&document).is_none() {
            if let Ok(now) = Fingerprint::on_disk(&self.root, &rel) {
                self.set_fingerprint(rel.clone(), now);
            }
            changes.needs_reopen.push(rel);
            return;
        }
        let was = self.before_reread(&rel);
        let key = (document, reviewer);
        let old = self.project.reviews.remove(&key);
        let mut loaded = false;
        if self.root.join(&rel).exists() {
            let before = changes.problems.len();
            if let Some(review) = self.parse_review(&key.1, &key.0, &rel, &mut changes.problems) {
                self.project.reviews.insert(key.clone(), review);
                loaded = true;
            }
            self.read_only_if(&rel, changes.problems.len() > before);
        } else {
            self.set_fingerprint(rel.clone(), Fingerprint::absent());
        }
        if own && self.keeps_own(&rel, &was, loaded) {
            put_back(&mut self.project.reviews, key, old);
            self.keep_own(rel, &was, changes);
            return;
        }
        changes.reviews.push(key);
    }

    /// Every file the project reads: those read or written so far, and any new entities,
    /// annotation or review files. Sorted.
    pub(super) fn watched_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.fingerprints.keys().cloned().collect();
        files.push(PathBuf::from(PROJECT_FILE));
        // Problems of odd entries are for `open` and `lector check` to report, not every poll.
        let mut ignored = Vec::new();
        for dir in ["entities", "resolutions", "triage"] {
            let found = list_files(&self.root, Path::new(dir), &mut ignored);
            files.extend(found.into_iter().map(|(_, rel)| rel));
        }
        // One folder per person or source, its files inside.
        for (dir, what) in [
            ("annotations", "annotator name"),
            ("reviews", "reviewer name"),
            ("suggestions", "source"),
        ] {
            let dir = Path::new(dir);
            for name in list_dirs(&self.root, dir, &mut ignored) {
                if project::name_problem(what, &name).is_some() {
                    continue;
                }
                let found = list_files(&self.root, &dir.join(&name), &mut ignored);
                files.extend(found.into_iter().map(|(_, rel)| rel));
            }
        }
        // By their bytes, not component by component (over a third of a poll's time in a
        // project of 10,000 files); the files found moved are put in path order after.
        files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        files.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
        files
    }

    /// Whether a file's content differs from what Lector last read or wrote. One `stat` when
    /// its size and time are as remembered; else the content is hashed.
    fn moved_on_disk(&mut self, rel: &Path) -> bool {
        let path = self.root.join(rel);
        let expected = self
            .fingerprints
            .get(rel)
            .copied()
            .unwrap_or(Fingerprint::absent());
        let metadata = match fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                self.stats.remove(rel);
                return expected != Fingerprint::absent();
            }
            // Cannot tell now (permissions, a network hiccup); the next poll tries again.
            Err(_) => return false,
        };
        if FileStat::of(&metadata).is_some_and(|stat| self.stats.get(rel) == Some(&stat)) {
            return false;
        }
        match Fingerprint::on_disk(&self.root, rel) {
            Ok(now) if now == expected => {
                self.remember_stat(rel, &metadata);
                false
            }
            Ok(_) => true,
            Err(_) => false,
        }
    }

    /// Remembers a file's size and time as matching its fingerprint, unless it is too young
    /// for its time to be trusted.
    pub(super) fn remember_stat(&mut self, rel: &Path, metadata: &fs::Metadata) {
        let old_enough = |stat: &FileStat| {
            SystemTime::now()
                .duration_since(stat.modified)
                .is_ok_and(|age| age >= RACY)
        };
        match FileStat::of(metadata).filter(old_enough) {
            Some(stat) => {
                self.stats.insert(rel.to_path_buf(), stat);
            }
            None => {
                self.stats.remove(rel);
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{Annotation, checked_fragments};
    use crate::store::{StoreError, entities_path, set_path};

    /// A project with one document, and a second store on the same folder for a colleague.
    pub(in crate::store) fn project() -> (tempfile::TempDir, ProjectStore, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let doc = store
            .add_text("a.txt", "A", "Putin möter Lukashenko i Sotji.\n".to_owned())
            .unwrap();
        (dir, store, doc)
    }

    /// Saves a Person on `start..end` in `who`'s file of `doc`.
    pub(in crate::store) fn annotate(
        store: &mut ProjectStore,
        doc: &str,
        who: &str,
        start: u32,
        end: u32,
    ) {
        let text = &store.project.document(doc).unwrap().text;
        let a = Annotation::new("Person", checked_fragments(text, &[(start, end)]).unwrap());
        store.project.set_mut(doc, who).insert(a);
        store.save_set(doc, who).unwrap();
    }

    #[test]
    fn a_colleagues_new_changed_and_deleted_files_are_reloaded() {
        let (dir, mut anna, doc) = project();
        assert!(anna.reload_changed("anna", &Default::default()).is_empty());
        let (mut bo, _) = ProjectStore::open(dir.path()).unwrap();

        annotate(&mut bo, &doc, "bo", 0, 5);
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reloaded, [(doc.clone(), "bo".to_owned())]);
        assert!(changes.changed_project() && changes.problems.is_empty());
        assert_eq!(anna.project.set(&doc, "bo").unwrap().annotations().len(), 1);
        assert!(
            anna.reload_changed("anna", &Default::default()).is_empty(),
            "reported once"
        );

        annotate(&mut bo, &doc, "bo", 12, 22);
        assert_eq!(
            anna.reload_changed("anna", &Default::default())
                .reloaded
                .len(),
            1
        );
        assert_eq!(anna.project.set(&doc, "bo").unwrap().annotations().len(), 2);

        save_putin(&mut bo, "bo");
        assert_eq!(
            anna.reload_changed("anna", &Default::default()).entities,
            ["bo"]
        );
        assert!(anna.project.registry("bo").is_some());

        fs::remove_file(dir.path().join(set_path(&doc, "bo"))).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.removed, [(doc.clone(), "bo".to_owned())]);
        assert!(anna.project.set(&doc, "bo").is_none());
        assert!(anna.reload_changed("anna", &Default::default()).is_empty());
    }

    #[test]
    fn the_users_own_file_is_reloaded_unless_it_has_unsaved_changes() {
        let (dir, mut anna, doc) = project();
        annotate(&mut anna, &doc, "anna", 0, 5);
        // Another window of anna's (or a command, or git) rewrites her file.
        let (mut elsewhere, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut elsewhere, &doc, "anna", 12, 22);
        let mine = set_path(&doc, "anna");
        // With unsaved changes here, it is left alone for the next save to merge into.
        let unsaved = std::collections::BTreeSet::from([mine.clone()]);
        let changes = anna.reload_changed("anna", &unsaved);
        assert_eq!(changes.conflicts, std::slice::from_ref(&mine));
        assert!(!changes.changed_project());
        assert_eq!(
            anna.project.set(&doc, "anna").unwrap().annotations().len(),
            1
        );
        assert!(
            matches!(
                anna.save_set(&doc, "anna"),
                Err(StoreError::ChangedOnDisk { .. })
            ),
            "a save without edits to replay is refused, never written over"
        );
        // Without, it is taken in like a colleague's.
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reloaded, [(doc.clone(), "anna".to_owned())]);
        assert_eq!(
            anna.project.set(&doc, "anna").unwrap().annotations().len(),
            2
        );
        assert!(anna.reload_changed("anna", &Default::default()).is_empty());

        fs::create_dir_all(dir.path().join("entities")).unwrap();
        fs::write(dir.path().join(entities_path("anna")), "x").unwrap();
        let entities = std::collections::BTreeSet::from([entities_path("anna")]);
        assert_eq!(
            anna.reload_changed("anna", &entities).conflicts,
            [entities_path("anna")]
        );
    }

    /// Saves an entity "putin" in `who`'s registry.
    fn save_putin(store: &mut ProjectStore, who: &str) {
        store
            .project
            .entities
            .entry(who.into())
            .or_default()
            .upsert(crate::model::Entity {
                id: crate::model::EntityId("putin".into()),
                name: "Putin".into(),
                label: "Person".into(),
                note: String::new(),
            });
        store.save_entities(who).unwrap();
    }

    /// Anna's file, saved with two annotations and no edits since, cut short on disk (a
    /// disk filling up under another program, a sync client's partial copy, a hand edit).
    fn own_file_cut_short() -> (tempfile::TempDir, ProjectStore, String, PathBuf, String) {
        let (dir, mut anna, doc) = project();
        annotate(&mut anna, &doc, "anna", 0, 5);
        annotate(&mut anna, &doc, "anna", 12, 22);
        let mine = set_path(&doc, "anna");
        let full = fs::read_to_string(dir.path().join(&mine)).unwrap();
        fs::write(dir.path().join(&mine), &full.as_bytes()[..full.len() / 2]).unwrap();
        (dir, anna, doc, mine, full)
    }

    /// What anna sees after her file was cut short: her two annotations, kept, read-only
    /// with the reason that says so, the file reported with its problems.
    fn assert_kept(anna: &ProjectStore, doc: &str, mine: &Path, changes: &DiskChanges) {
        assert_eq!(changes.unreadable, [mine.to_path_buf()]);
        assert!(changes.reloaded.is_empty(), "{changes:?}");
        assert!(
            !changes.problems.is_empty() && changes.problems.iter().all(|p| p.file == mine),
            "{:?}",
            changes.problems
        );
        assert_eq!(
            anna.project.set(doc, "anna").unwrap().annotations().len(),
            2,
            "what was saved is still what the app shows"
        );
        assert_eq!(anna.read_only_reason(mine), Some(UNREADABLE_OWN));
    }

    #[test]
    fn ones_own_file_cut_short_on_disk_keeps_ones_version_until_one_chooses() {
        let (dir, mut anna, doc, mine, full) = own_file_cut_short();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_kept(&anna, &doc, &mine, &changes);
        assert!(
            anna.reload_changed("anna", &Default::default()).is_empty(),
            "reported once, not read again at every poll"
        );
        assert!(
            anna.save_set(&doc, "anna").is_err(),
            "nothing is written over the file before the user chooses"
        );
        // "Keep mine": the file is written whole again, as it was.
        anna.forget_disk_version(&mine);
        assert_eq!(anna.read_only_reason(&mine), None);
        anna.save_set(&doc, "anna").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join(&mine)).unwrap(), full);
        assert!(anna.reload_changed("anna", &Default::default()).is_empty());

        // A colleague's file cut short is still read as far as it can be, as before.
        let (mut bo, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut bo, &doc, "bo", 0, 5);
        anna.reload_changed("anna", &Default::default());
        let theirs = dir.path().join(set_path(&doc, "bo"));
        let text = fs::read(&theirs).unwrap();
        fs::write(&theirs, &text[..text.len() / 2]).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reloaded, [(doc.clone(), "bo".to_owned())]);
        assert!(changes.unreadable.is_empty() && !changes.problems.is_empty());
    }

    #[test]
    fn ones_own_file_cut_short_is_kept_when_a_watcher_reads_it() {
        let (_dir, mut anna, doc, mine, _) = own_file_cut_short();
        let mut watcher = anna.watcher("anna", Default::default());
        let reloaded = watcher.poll().expect("the file moved");
        let changes = anna.take_reloaded(reloaded, &Default::default());
        assert_kept(&anna, &doc, &mine, &changes);
        assert!(watcher.poll().is_none(), "handed back once");
    }

    #[test]
    fn ones_own_entities_and_review_cut_short_are_kept() {
        let (dir, mut olga, doc) = project();
        comment(&mut olga, &doc, "olga", "is this a title?");
        let mine = crate::store::review_path(&doc, "olga");
        let text = fs::read(dir.path().join(&mine)).unwrap();
        fs::write(dir.path().join(&mine), &text[..text.len() / 2]).unwrap();
        let changes = olga.reload_changed("review.olga", &Default::default());
        assert_eq!(changes.unreadable, std::slice::from_ref(&mine));
        assert_eq!(
            olga.project.review(&doc, "olga").unwrap().comments[0].text,
            "is this a title?"
        );

        // Entities saved, then cut short: kept.
        save_putin(&mut olga, "olga");
        let file = dir.path().join(entities_path("olga"));
        let text = fs::read(&file).unwrap();
        fs::write(&file, &text[..text.len() / 2]).unwrap();
        let changes = olga.reload_changed("olga", &Default::default());
        assert_eq!(changes.unreadable, [entities_path("olga")]);
        assert_eq!(olga.project.registry("olga").unwrap().entities.len(), 1);
        // A file of her own that Lector never had a version of: nothing to keep, read as a
        // colleague's would be.
        let triage = dir.path().join(crate::store::triage_path("olga"));
        fs::create_dir_all(triage.parent().unwrap()).unwrap();
        fs::write(&triage, "(").unwrap();
        let changes = olga.reload_changed("olga", &Default::default());
        assert!(changes.unreadable.is_empty(), "{changes:?}");
        assert_eq!(changes.triage, ["olga"]);
    }

    /// A file of one's own that reads, with problems of meaning (a label the schema does not
    /// have, as after a colleague's schema change pulled with it), is taken in read-only as
    /// before: what is on disk is newer work, not damage.
    #[test]
    fn ones_own_file_with_problems_of_meaning_is_taken_in_read_only() {
        let (dir, mut anna, doc) = project();
        annotate(&mut anna, &doc, "anna", 0, 5);
        let mine = set_path(&doc, "anna");
        let path = dir.path().join(&mine);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("\"Person\"", "\"Persona\"")).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert!(changes.unreadable.is_empty(), "{changes:?}");
        assert_eq!(changes.reloaded, [(doc.clone(), "anna".to_owned())]);
        assert!(!changes.problems.is_empty());
        assert_eq!(
            anna.project.set(&doc, "anna").unwrap().annotations()[0].label,
            "Persona"
        );
        assert!(anna.read_only_reason(&mine).is_some());
        // Read-only for that reason, then cut short: what is in memory is only what could
        // be read, so it is not offered as one's version.
        let text = fs::read(&path).unwrap();
        fs::write(&path, &text[..text.len() / 2]).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert!(changes.unreadable.is_empty(), "{changes:?}");
    }

    /// A kept file deleted afterwards (as the message's "reload" might tempt, or a sync
    /// client's delete-then-create): one's version stays, and keeping it writes it again.
    #[test]
    fn ones_kept_file_deleted_is_still_kept_and_written_again() {
        let (dir, mut anna, doc, mine, full) = own_file_cut_short();
        anna.reload_changed("anna", &Default::default());
        fs::remove_file(dir.path().join(&mine)).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.unreadable, std::slice::from_ref(&mine));
        assert!(changes.removed.is_empty());
        assert_eq!(anna.project.set(&doc, "anna").unwrap().len(), 2);
        anna.forget_disk_version(&mine);
        anna.save_set(&doc, "anna").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join(&mine)).unwrap(), full);
    }

    /// A kept file mended on disk (a sync client that finished its copy) is read again as it
    /// is, read-only no more.
    #[test]
    fn ones_kept_file_mended_on_disk_is_read_again() {
        let (dir, mut anna, doc, mine, full) = own_file_cut_short();
        anna.reload_changed("anna", &Default::default());
        fs::write(dir.path().join(&mine), &full).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reloaded, [(doc.clone(), "anna".to_owned())]);
        assert!(changes.unreadable.is_empty() && changes.problems.is_empty());
        assert_eq!(anna.read_only_reason(&mine), None);
        assert_eq!(anna.project.set(&doc, "anna").unwrap().len(), 2);
    }

    /// Saves a comment of `reviewer` on `annotator`'s annotation, as the app does.
    fn comment(store: &mut ProjectStore, doc: &str, reviewer: &str, text: &str) {
        store
            .project
            .review_mut(doc, reviewer)
            .set_comment(crate::model::review::Comment {
                annotator: "anna".into(),
                annotation: crate::model::AnnotationId("a1".into()),
                text: text.into(),
                at: jiff::Timestamp::UNIX_EPOCH,
            });
        let done = store
            .prepare_review_save(doc, reviewer, None)
            .unwrap()
            .run();
        store.finish_write(done).unwrap();
    }

    #[test]
    fn a_colleagues_review_is_reloaded_and_ones_own_unsaved_one_kept() {
        let (dir, mut anna, doc) = project();
        let (mut olga, _) = ProjectStore::open(dir.path()).unwrap();
        comment(&mut olga, &doc, "olga", "is this a title?");
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reviews, [(doc.clone(), "olga".to_owned())]);
        assert!(changes.changed_project() && changes.problems.is_empty());
        let review = anna.project.review(&doc, "olga").unwrap();
        assert_eq!(review.comments[0].text, "is this a title?");
        assert!(anna.reload_changed("anna", &Default::default()).is_empty());

        comment(&mut olga, &doc, "olga", "a title, then");
        anna.reload_changed("anna", &Default::default());
        let review = anna.project.review(&doc, "olga").unwrap();
        assert_eq!(review.comments[0].text, "a title, then");

        // Olga's own window, with unsaved decisions, leaves her file for the save to merge.
        let (mut elsewhere, _) = ProjectStore::open(dir.path()).unwrap();
        comment(&mut elsewhere, &doc, "olga", "from her laptop");
        let mine = crate::store::review_path(&doc, "olga");
        let unsaved = std::collections::BTreeSet::from([mine.clone()]);
        let changes = olga.reload_changed("review.olga", &unsaved);
        assert_eq!(changes.conflicts, std::slice::from_ref(&mine));
        assert!(changes.reviews.is_empty());

        fs::remove_file(dir.path().join(&mine)).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reviews, [(doc.clone(), "olga".to_owned())]);
        assert!(anna.project.review(&doc, "olga").is_none());
    }

    #[test]
    fn project_file_and_unknown_documents_need_a_reopen() {
        let (dir, mut anna, doc) = project();
        let (mut other, _) = ProjectStore::open(dir.path()).unwrap();
        let new = other.add_text("b.txt", "B", "Minsk.\n".to_owned()).unwrap();
        annotate(&mut other, &new, "bo", 0, 5);
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(
            changes.needs_reopen,
            [set_path(&new, "bo"), PathBuf::from(PROJECT_FILE)]
        );
        assert!(changes.reloaded.is_empty() && changes.problems.is_empty());
        assert_eq!(
            anna.reload_changed("anna", &Default::default())
                .needs_reopen,
            [PathBuf::from(PROJECT_FILE)],
            "the set of the unknown document is reported once; project.ron until reopened"
        );
        assert!(anna.project.document(&doc).is_some());
    }

    #[test]
    fn a_quick_rewrite_of_the_same_size_is_seen() {
        let (dir, mut anna, doc) = project();
        let (mut bo, _) = ProjectStore::open(dir.path()).unwrap();
        annotate(&mut bo, &doc, "bo", 0, 5);
        anna.reload_changed("anna", &Default::default());
        // Same size, written within the same second: only the content tells.
        let path = dir.path().join(set_path(&doc, "bo"));
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("Putin", "PUTIN")).unwrap();
        let changes = anna.reload_changed("anna", &Default::default());
        assert_eq!(changes.reloaded.len(), 1);
        assert!(!changes.problems.is_empty(), "the quote no longer matches");
    }
}
