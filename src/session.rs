//! An editing session: the one place where changes are applied, undone and saved.
//!
//! The GUI turns every user action into [`Edit`]s and hands them to [`Session::apply`]; the
//! session applies them to the project, records their inverse for undo (per document, kept
//! across switching documents), appends them to the crash journal, marks the files dirty and
//! saves them shortly afterwards. The command line edits through a session too, so every
//! writer shares one path: each save takes the file's lock, and if another writer changed the
//! file meanwhile, the session's edits since its last save are replayed onto that version
//! (see [`crate::model::edit`] and [`crate::store::lock`]), never written over it.
//! Never imports egui or eframe: tests and benchmarks drive it directly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::model::edit::Edit;
use crate::model::edit::{self, EditRuns, EditTarget};
use crate::model::review::{Comment, Decision, reviewer_of};
use crate::model::validate::annotation_problems;
use crate::model::{Annotation, AnnotationId, AttrValue, CharOffset, EntityId, Fragment, Status};
use crate::store::journal::{self, Journal};
use crate::store::{
    DiskChanges, PendingWrite, ProjectStore, StoreError, WriteDone, entities_path,
    resolutions_path, review_path, set_path, triage_path,
};
pub use staged::{Back, Stage, Staged, TakenStep};

mod staged;

/// Why a group of edits was refused, and the edits, handed back as they were given.
type Refused = (EditError, Vec<Edit>);

/// How many edits of each kind a group has, to choose how to apply it.
#[derive(Default)]
struct Kinds {
    inserts: usize,
    removes: usize,
    decisions: usize,
    undecided: usize,
    /// A `Replace` or `SetStatus`: changes made in place, one by one.
    in_place: bool,
    /// Any other kind.
    others: bool,
}

/// From how many inserted or removed annotations a group is applied in one pass (see
/// `Session::apply_bulk`).
const BULK: usize = 64;

/// A bulk pass of at most one change per this many annotations of the set is few for it:
/// it finds the annotations it removes by id (a binary search) instead of reading every
/// annotation of the set, and it is told to views change by change
/// ([`Session::last_changes`]); a bigger one makes them rebuild.
const FOLLOWED_PER: usize = 32;

/// What a bulk pass did: its inverse, where each insert went (in the order given), and the
/// places the removed annotations had, in order, when it found them by id (empty when it
/// took them out in a pass over the set).
type BulkDone = (Vec<Edit>, Vec<usize>, Vec<usize>);

/// How long after the last change the session saves, at least.
pub const AUTOSAVE_DELAY: Duration = Duration::from_millis(750);

/// Autosave waits this many times as long as writing the files to save took the last time,
/// so that saving takes at most a tenth of the time: a book of a million annotations (a
/// 344 MB file, 0.6 s of both cores) was written whole after every pause of 750 ms. The crash
/// journal keeps every edit meanwhile.
const AUTOSAVE_SHARE: u32 = 10;

/// The longest autosave waits after the last change, however slow saving is.
const AUTOSAVE_MAX_DELAY: Duration = Duration::from_secs(30);

/// What one edit did to the list of annotations of the annotator's set, in the order the edits
/// ran, so that views can update what they derive instead of rebuilding it.
#[derive(Clone, Debug)]
pub enum SetChange {
    /// An annotation with this label and these fragments was inserted at this index.
    Inserted {
        /// Index in the set after the insertion.
        at: usize,
        /// The annotation, as the set holds it.
        annotation: Arc<Annotation>,
        /// Its label.
        label: String,
        /// Its fragments.
        fragments: Vec<Fragment>,
    },
    /// The annotation at this index, with these fragments, was removed.
    Removed {
        /// Index in the set before the removal.
        at: usize,
        /// The annotation the set held (weak: undo takes it back without a copy).
        annotation: std::sync::Weak<Annotation>,
        /// Its fragments.
        fragments: Vec<Fragment>,
    },
}

impl PartialEq for SetChange {
    /// The same change: the same place and fragments, of the same annotation (by identity).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Inserted {
                    at,
                    annotation,
                    label,
                    fragments,
                },
                Self::Inserted {
                    at: at2,
                    annotation: annotation2,
                    label: label2,
                    fragments: fragments2,
                },
            ) => {
                at == at2
                    && Arc::ptr_eq(annotation, annotation2)
                    && label == label2
                    && fragments == fragments2
            }
            (
                Self::Removed {
                    at,
                    annotation,
                    fragments,
                },
                Self::Removed {
                    at: at2,
                    annotation: annotation2,
                    fragments: fragments2,
                },
            ) => at == at2 && annotation.ptr_eq(annotation2) && fragments == fragments2,
            _ => false,
        }
    }
}

/// Which files' contents a step changed.
#[derive(Clone, Copy, Debug, Default)]
struct Touched {
    set: bool,
    entities: bool,
    review: bool,
    resolutions: bool,
    triage: bool,
}

/// Undo and redo stacks of one document. Each step is a group of edits undone together.
#[derive(Debug, Default)]
struct History {
    undo: Vec<Step>,
    redo: Vec<Step>,
}

/// One undo step on one document. A step made by [`Session::apply_all`] on several
/// documents carries the same `linked` number on each: undoing (or redoing) it on one
/// document takes the others with it.
#[derive(Debug)]
struct Step {
    edits: Vec<Edit>,
    linked: Option<u64>,
}

impl Step {
    fn alone(edits: Vec<Edit>) -> Self {
        Self {
            edits,
            linked: None,
        }
    }
}

/// Whether edits touch each annotation, entity and decision at most once, and nothing but
/// those and the status: then each can be made strict against the state before them all.
fn touches_each_once(edits: &[Edit]) -> bool {
    #[derive(Hash, PartialEq, Eq)]
    enum Key<'e> {
        Annotation(&'e AnnotationId),
        Entity(&'e EntityId),
        Decision(&'e crate::model::review::Sources),
        Status,
    }
    let mut seen = std::collections::HashSet::with_capacity(edits.len());
    edits.iter().all(|edit| {
        let key = match edit {
            Edit::Insert(a) | Edit::Replace(a) => Key::Annotation(&a.id),
            Edit::Remove(id) => Key::Annotation(id),
            Edit::UpsertEntity(e) => Key::Entity(&e.id),
            Edit::RemoveEntity(id) => Key::Entity(id),
            Edit::Decide(d) => Key::Decision(&d.sources),
            Edit::Undecide(sources) => Key::Decision(sources),
            Edit::SetStatus(_) => Key::Status,
            _ => return false,
        };
        seen.insert(key)
    })
}

/// The annotations edits insert, remove or replace, sorted, each once.
pub fn touched_ids(edits: &[Edit]) -> Vec<AnnotationId> {
    let mut ids: Vec<AnnotationId> = edits
        .iter()
        .filter_map(|edit| match edit {
            Edit::Insert(a) | Edit::Replace(a) => Some(a.id.clone()),
            Edit::Remove(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The edit would make an invalid annotation.
    #[error("{0}")]
    Invalid(String),
    /// The file may not be written.
    #[error("read-only: {0}")]
    ReadOnly(String),
}

/// The edits made to one file since it was last read or written.
#[derive(Debug)]
struct FileEdits {
    /// The document they were made on (the entities file: the last one).
    document: String,
    /// In the order they were made, since those a running save includes.
    edits: EditRuns,
    /// The edits before them, which a running save includes: handed to it, not copied, and
    /// put back before `edits` if it fails.
    in_flight: Option<crate::store::Replay>,
}

/// A save running on another thread.
#[derive(Debug)]
struct Saving {
    handle: std::thread::JoinHandle<Vec<WriteDone>>,
    /// How many of each file's edits the save includes.
    included: BTreeMap<PathBuf, usize>,
}

/// Groups inserting at least this many annotations are checked on two threads.
const PARALLEL_CHECKS: usize = 4096;

/// Steps of at least this many edits are written to the crash journal on another thread while
/// they are applied.
const JOURNAL_ALONGSIDE: usize = 4096;

/// The files' kinds a group of edits changes, each once. A review's start has 171k edits of
/// two kinds: no set is built for them.
fn edit_targets(edits: &[Edit]) -> Vec<EditTarget> {
    let mut targets: Vec<EditTarget> = Vec::new();
    for edit in edits {
        let target = edit.target();
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    targets.sort();
    targets
}

/// What [`Session::recover`] replayed from journals left by a session that ended without
/// saving (a crash, a killed process, a power cut).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Edits that changed something.
    pub edits: usize,
    /// The documents they were made on, sorted.
    pub documents: Vec<String>,
    /// Edits (or journal lines) that could not be replayed, with why.
    pub problems: Vec<String>,
    /// Edits kept in their journal to replay later (their file cannot be written now, or
    /// their lines cannot be read now), with why: nothing of them is lost.
    pub kept: Vec<String>,
    /// What is wrong with files recovery read (of documents not read yet): they stay
    /// read-only, as any file with a problem.
    pub file_problems: Vec<crate::store::Problem>,
}

/// What [`Session::migrate_resolutions`] did.
#[derive(Debug, Default)]
pub struct Migration {
    /// Resolutions moved from version-1 annotation files into the resolver's file.
    pub moved: usize,
    /// The resolver's file, relative to the project.
    pub file: PathBuf,
    /// What could not be saved: the annotation files concerned stay as they are on disk
    /// (and read-only until the move succeeds), so nothing is lost.
    pub errors: Vec<StoreError>,
}

/// The number the next session gets (see [`Session::instance`]).
static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A project opened for editing by one annotator.
#[derive(Debug)]
pub struct Session {
    /// The project and its files.
    pub store: ProjectStore,
    /// Who is annotating.
    annotator: String,
    histories: BTreeMap<String, History>,
    /// The number of the last step made on several documents at once.
    next_link: u64,
    dirty_sets: BTreeSet<String>,
    dirty_entities: bool,
    /// Documents whose review (decisions, comments) waits to be saved.
    dirty_reviews: BTreeSet<String>,
    /// Whether the person's resolutions file waits to be saved.
    dirty_resolutions: bool,
    /// Whether the annotator's decisions on suggestions wait to be saved.
    dirty_triage: bool,
    /// The edits not yet saved, by file (relative path): replayed onto a file another writer
    /// changed meanwhile, and written to the crash journal.
    unsaved: BTreeMap<PathBuf, FileEdits>,
    last_change: Option<Instant>,
    /// How long each file took to write the last time it was written as Lector had it (see
    /// [`Self::autosave_delay`]).
    save_took: BTreeMap<PathBuf, Duration>,
    /// Tells this session from every other one of the process (see [`Self::instance`]).
    instance: u64,
    /// Bumped on every change, so views know when to rebuild what they derive.
    revision: u64,
    /// Bumped on every change but those only to resolutions, so that views which match
    /// predictions across annotators redo that only when annotations changed.
    content_revision: u64,
    /// A save running on another thread.
    saving: Option<Saving>,
    /// The document and the set changes of the step that made `revision`; empty when the
    /// last change was of another kind (views then rebuild).
    changes: (String, Vec<SetChange>),
    /// Whether edits go to a crash journal (the app's sessions; a command saves at once).
    journaling: bool,
    /// The crash journal, made at the first edit.
    journal: Option<Journal>,
    /// Why the journal cannot be written, once; see [`Self::take_journal_error`].
    journal_error: Option<String>,
    /// Journals of crashed sessions that still hold edits recovery could not replay.
    kept_journals: BTreeSet<PathBuf>,
    /// Files that other writers had changed and the last saves merged into, for the UI to
    /// say so; see [`Self::take_merged`].
    merged: Vec<PathBuf>,
}

impl Session {
    /// Starts a session for the app: every edit goes to a crash journal before it shows.
    /// Call [`Self::recover`] next to replay what a crashed session left.
    pub fn new(store: ProjectStore, annotator: impl Into<String>) -> Self {
        Self {
            store,
            annotator: annotator.into(),
            histories: BTreeMap::new(),
            next_link: 0,
            dirty_sets: BTreeSet::new(),
            dirty_entities: false,
            dirty_reviews: BTreeSet::new(),
            dirty_resolutions: false,
            dirty_triage: false,
            unsaved: BTreeMap::new(),
            last_change: None,
            save_took: BTreeMap::new(),
            instance: SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            revision: 0,
            content_revision: 0,
            changes: (String::new(), Vec::new()),
            saving: None,
            journaling: true,
            journal: None,
            journal_error: None,
            kept_journals: BTreeSet::new(),
            merged: Vec::new(),
        }
    }

    /// A session for a command that saves right after its edits: no crash journal.
    pub fn headless(store: ProjectStore, annotator: impl Into<String>) -> Self {
        let mut session = Self::new(store, annotator);
        session.journaling = false;
        session
    }

    /// Who is annotating.
    pub fn annotator(&self) -> &str {
        &self.annotator
    }

    /// Switches the annotator, saving the previous one's work first. If that save fails,
    /// nothing switches and the errors are returned: the work stays with its annotator.
    pub fn set_annotator(&mut self, annotator: impl Into<String>) -> Result<(), Vec<StoreError>> {
        let errors = self.save_now();
        if !errors.is_empty() {
            return Err(errors);
        }
        if let Some(journal) = self.journal.take() {
            journal.remove();
        }
        self.unsaved.clear();
        self.annotator = annotator.into();
        self.histories.clear();
        self.bump_revision();
        Ok(())
    }

    /// A number no other session of this process has: with [`Self::revision`] it names a
    /// state of the project, even across a project opened again (whose revisions start at 0
    /// again).
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// Bumped on every change.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Bumped on every change but those that touch only resolutions and verdicts: what
    /// [`crate::predict::Tracker::count`] depends on.
    pub fn content_revision(&self) -> u64 {
        self.content_revision
    }

    /// Marks a change that views cannot follow step by step (another annotator, a reload):
    /// they rebuild what they derive.
    pub fn bump_revision(&mut self) {
        self.revision += 1;
        self.content_revision += 1;
        self.changes.1.clear();
    }

    /// The document and the changes to the annotator's set that made the current revision
    /// out of the one before, in order. `None` when views have to rebuild instead.
    pub fn last_changes(&self) -> Option<(&str, &[SetChange])> {
        let (document, changes) = &self.changes;
        (!changes.is_empty()).then_some((document.as_str(), &changes[..]))
    }

    /// Why the annotator's file for a document cannot be written, if it cannot.
    pub fn read_only_reason(&self, document: &str) -> Option<String> {
        self.store
            .write_refusal(&set_path(document, &self.annotator))
    }

    /// Applies a group of edits to a document as one undo step. Validates each annotation
    /// exactly as `lector check` does; on error nothing changes.
    pub fn apply(&mut self, document: &str, edits: Vec<Edit>) -> Result<(), EditError> {
        if edits.is_empty() {
            return Ok(());
        }
        self.writable(document, &edits)?;
        let inverse = self.apply_raw(document, edits)?;
        self.push_step(document, inverse);
        Ok(())
    }

    /// Refuses edits whose files cannot be written, so that a save never writes some of them
    /// and not the others. Resolving touches only the resolver's file: it works on any
    /// document, whatever state the resolver's own annotation file of it is in.
    fn writable(&self, document: &str, edits: &[Edit]) -> Result<(), EditError> {
        self.writable_by(document, edits, |file| self.store.write_refusal(file))
    }

    /// [`Self::writable`] with `refusal` saying why a file (relative path) cannot be written.
    fn writable_by(
        &self,
        document: &str,
        edits: &[Edit],
        refusal: impl Fn(&Path) -> Option<String>,
    ) -> Result<(), EditError> {
        let targets = edit_targets(edits);
        let only_resolutions = targets.iter().all(|t| *t == EditTarget::Resolutions);
        let files: BTreeSet<PathBuf> = (!only_resolutions)
            .then(|| set_path(document, &self.annotator))
            .into_iter()
            .chain(targets.iter().map(|t| self.file_of_target(document, *t)))
            .collect();
        match files.iter().find_map(|f| refusal(f)) {
            Some(reason) => Err(EditError::ReadOnly(reason)),
            None => Ok(()),
        }
    }

    /// A step's inverse on top of the document's undo stack; what was undone is gone.
    fn push_step(&mut self, document: &str, inverse: Vec<Edit>) {
        let history = self.histories.entry(document.to_owned()).or_default();
        history.undo.push(Step::alone(inverse));
        history.redo.clear();
    }

    /// Applies groups of edits to several documents as one undo step: undoing it on any of
    /// them undoes it on all (accepting every suggestion of an entity in the project). Either
    /// every group is applied or none: on an error the groups already applied are taken back
    /// and the document refused is named.
    pub fn apply_all(
        &mut self,
        groups: Vec<(String, Vec<Edit>)>,
    ) -> Result<(), (String, EditError)> {
        let groups: Vec<(String, Vec<Edit>)> =
            groups.into_iter().filter(|(_, e)| !e.is_empty()).collect();
        for (document, edits) in &groups {
            let targets = edit_targets(edits);
            let files: BTreeSet<PathBuf> = std::iter::once(set_path(document, &self.annotator))
                .chain(targets.iter().map(|t| self.file_of_target(document, *t)))
                .collect();
            if let Some(reason) = files.iter().find_map(|f| self.store.write_refusal(f)) {
                return Err((document.clone(), EditError::ReadOnly(reason)));
            }
        }
        self.next_link += 1;
        let link = self.next_link;
        let mut done: Vec<(String, Vec<Edit>)> = Vec::new();
        for (document, edits) in groups {
            match self.apply_raw(&document, edits) {
                Ok(inverse) => done.push((document, inverse)),
                Err(err) => {
                    for (d, inverse) in done.into_iter().rev() {
                        // The inverse of edits just applied: cannot be refused.
                        let _ = self.apply_raw(&d, inverse);
                    }
                    return Err((document, err));
                }
            }
        }
        for (document, inverse) in done {
            let history = self.histories.entry(document).or_default();
            history.undo.push(Step {
                edits: inverse,
                linked: Some(link),
            });
            history.redo.clear();
        }
        Ok(())
    }

    /// Undoes the last step on a document (and, for a step made on several documents at
    /// once, on each of them). Returns false if there was nothing to undo.
    pub fn undo(&mut self, document: &str) -> bool {
        self.linked_step(document, true)
    }

    /// Redoes the last undone step on a document (and its linked steps on others).
    pub fn redo(&mut self, document: &str) -> bool {
        self.linked_step(document, false)
    }

    fn linked_step(&mut self, document: &str, undo: bool) -> bool {
        let top =
            |h: &History| if undo { h.undo.last() } else { h.redo.last() }.and_then(|s| s.linked);
        let link = self.histories.get(document).and_then(top);
        if !self.step(document, undo) {
            return false;
        }
        if let Some(link) = link {
            let others: Vec<String> = self
                .histories
                .iter()
                .filter(|(d, h)| d.as_str() != document && top(h) == Some(link))
                .map(|(d, _)| d.clone())
                .collect();
            for other in others {
                self.step(&other, undo);
            }
        }
        true
    }

    /// The annotations the next undo (or redo) on a document touches: the ids its step
    /// inserts, removes or replaces, so that a caller can say what it did by looking at those
    /// alone (a book has 100k others).
    pub fn step_annotations(&self, document: &str, undo: bool) -> Vec<AnnotationId> {
        let Some(history) = self.histories.get(document) else {
            return Vec::new();
        };
        let step = if undo {
            history.undo.last()
        } else {
            history.redo.last()
        };
        step.map_or_else(Vec::new, |step| touched_ids(&step.edits))
    }

    /// The review unit (by its annotations) the next undo (or redo) on a document decides
    /// or takes a decision back from, if it does: the first such, so that a reviewer is shown
    /// what the undo changed.
    pub fn step_decision(
        &self,
        document: &str,
        undo: bool,
    ) -> Option<crate::model::review::Sources> {
        let history = self.histories.get(document)?;
        let step = if undo {
            history.undo.last()
        } else {
            history.redo.last()
        }?;
        step.edits.iter().find_map(|edit| match edit {
            Edit::Decide(decision) => Some(decision.sources.clone()),
            Edit::Undecide(sources) => Some(sources.clone()),
            _ => None,
        })
    }

    /// Whether there is something to undo / redo on a document.
    pub fn can_undo_redo(&self, document: &str) -> (bool, bool) {
        self.histories
            .get(document)
            .map_or((false, false), |h| (!h.undo.is_empty(), !h.redo.is_empty()))
    }

    fn step(&mut self, document: &str, undo: bool) -> bool {
        let Some(history) = self.histories.get_mut(document) else {
            return false;
        };
        let stack = if undo {
            &mut history.undo
        } else {
            &mut history.redo
        };
        let Some(Step { edits, linked }) = stack.pop() else {
            return false;
        };
        let edits = self.unlinked_only(document, edits);
        match self.apply_or_return(document, edits) {
            Ok(inverse) => {
                let history = self.histories.entry(document.to_owned()).or_default();
                let step = Step {
                    edits: inverse,
                    linked,
                };
                if undo {
                    history.redo.push(step);
                } else {
                    history.undo.push(step);
                }
                true
            }
            Err((_, edits)) => {
                // Cannot happen for inverses of applied edits; keep the step rather than lose it.
                let history = self.histories.entry(document.to_owned()).or_default();
                let step = Step { edits, linked };
                if undo {
                    history.undo.push(step);
                } else {
                    history.redo.push(step);
                }
                false
            }
        }
    }

    /// An undo's or redo's edits without the removals of entities linked from other
    /// documents: an entity made in the step may be linked from them since, and undoing the
    /// step here must not take it from them, so it stays.
    fn unlinked_only(&self, document: &str, edits: Vec<Edit>) -> Vec<Edit> {
        // A review's start is 1.7M edits on a book: not moved for nothing.
        if !edits.iter().any(|e| matches!(e, Edit::RemoveEntity(_))) {
            return edits;
        }
        edits
            .into_iter()
            .filter(|e| match e {
                Edit::RemoveEntity(id) => self.linked_elsewhere(document, id).is_none(),
                _ => true,
            })
            .collect()
    }

    /// A document other than `document` whose annotations (of this annotator) link the
    /// entity.
    fn linked_elsewhere(&self, document: &str, entity: &EntityId) -> Option<String> {
        let links = |a: &Annotation| a.linked_entities().any(|e| e == entity);
        self.store
            .project
            .sets
            .iter()
            .filter(|((d, a), _)| a == &self.annotator && d != document)
            .find(|(_, set)| set.iter().any(links))
            .map(|((d, _), _)| d.clone())
    }

    /// Applies edits read from a journal or another file leniently, as one undo step: each
    /// is made strict against the state it meets (an insert of an id that is there becomes a
    /// replacement, a removal of what is gone is dropped, an edit that changes nothing is
    /// dropped). Returns how many changed something, and why others were refused.
    ///
    /// The edits of one step (`steps` numbers them) are applied together, as they were made:
    /// checked once all are in, so that a step whose annotations come before the entities
    /// they link (a redo of an import or of a review's start) comes back whole. Where that
    /// is refused, or a step touches one thing twice (so that making each strict against the
    /// state before the step would not do), they are applied one by one.
    fn apply_lenient(&mut self, document: &str, edits: Vec<(usize, Edit)>) -> (usize, Vec<String>) {
        let mut inverse: Vec<Edit> = Vec::new();
        let mut applied = 0;
        let mut problems = Vec::new();
        let mut edits = edits.into_iter().peekable();
        while let Some((step, first)) = edits.next() {
            let mut group = vec![first];
            while let Some((_, edit)) = edits.next_if(|(s, _)| *s == step) {
                group.push(edit);
            }
            if group.len() > 1 && touches_each_once(&group) {
                // The status a first annotation sets is set again by applying it (and was
                // not counted as an edit one by one either).
                let not_started = self
                    .store
                    .project
                    .set(document, &self.annotator)
                    .is_none_or(|s| s.status == Status::NotStarted);
                let sets_status = not_started && group.iter().any(|e| matches!(e, Edit::Insert(_)));
                let strict: Vec<Edit> = group
                    .into_iter()
                    .filter(|e| !(sets_status && matches!(e, Edit::SetStatus(Status::InProgress))))
                    .filter_map(|e| self.strict(document, e))
                    .collect();
                let n = strict.len();
                match self.apply_or_return(document, strict) {
                    Ok(mut inv) => {
                        inv.extend(inverse);
                        inverse = inv;
                        applied += n;
                        continue;
                    }
                    Err((_, given)) => group = given,
                }
            }
            for edit in group {
                let Some(strict) = self.strict(document, edit) else {
                    continue;
                };
                match self.apply_raw(document, vec![strict]) {
                    Ok(mut inv) => {
                        inv.extend(inverse);
                        inverse = inv;
                        applied += 1;
                    }
                    Err(err) => problems.push(format!("{document}: {err}")),
                }
            }
        }
        if !inverse.is_empty() {
            self.push_step(document, inverse);
        }
        (applied, problems)
    }

    /// The strict form of an edit replayed onto the project as it is now, or `None` if it
    /// would change nothing.
    fn strict(&self, document: &str, edit: Edit) -> Option<Edit> {
        let project = &self.store.project;
        let set = project.set(document, &self.annotator);
        let registry = project.registry(&self.annotator);
        let review = project.review(document, reviewer_name(&self.annotator));
        let resolutions = project.resolutions.get(reviewer_name(&self.annotator));
        let triage = project.triage.get(&self.annotator);
        match edit {
            Edit::Insert(a) | Edit::Replace(a) => match set.and_then(|s| s.get(&a.id)) {
                Some(old) if old == &*a => None,
                Some(_) => Some(Edit::Replace(a)),
                None => Some(Edit::Insert(a)),
            },
            Edit::Remove(id) => set.and_then(|s| s.get(&id)).map(|_| Edit::Remove(id)),
            Edit::SetStatus(status) => {
                (set.map(|s| s.status) != Some(status)).then_some(Edit::SetStatus(status))
            }
            Edit::UpsertEntity(e) => {
                (registry.and_then(|r| r.get(&e.id)) != Some(&e)).then_some(Edit::UpsertEntity(e))
            }
            Edit::RemoveEntity(id) => registry
                .and_then(|r| r.get(&id))
                .map(|_| Edit::RemoveEntity(id)),
            Edit::Decide(d) => {
                (review.and_then(|r| r.decision(&d.sources)) != Some(&d)).then_some(Edit::Decide(d))
            }
            Edit::Undecide(sources) => review
                .and_then(|r| r.decision(&sources))
                .map(|_| Edit::Undecide(sources)),
            Edit::Comment(c) => {
                let old = review.and_then(|r| r.comment(&c.annotator, &c.annotation));
                let same = match old {
                    Some(old) => old.text == c.text,
                    None => c.text.trim().is_empty(),
                };
                (!same).then_some(Edit::Comment(c))
            }
            Edit::Resolve(r) => (resolutions.and_then(|x| x.predictions.get(&r.key)) != Some(&r))
                .then_some(Edit::Resolve(r)),
            Edit::Unresolve(key) => resolutions
                .and_then(|x| x.predictions.get(&key))
                .map(|_| Edit::Unresolve(key)),
            Edit::SetVerdict(r) => (resolutions.and_then(|x| x.claims.get(&r.key)) != Some(&r))
                .then_some(Edit::SetVerdict(r)),
            Edit::ClearVerdict(key) => resolutions
                .and_then(|x| x.claims.get(&key))
                .map(|_| Edit::ClearVerdict(key)),
            Edit::Triage(r) => {
                (triage.and_then(|t| t.records.get(&r.key)) != Some(&r)).then_some(Edit::Triage(r))
            }
            Edit::Untriage(key) => triage
                .and_then(|t| t.records.get(&key))
                .map(|_| Edit::Untriage(key)),
        }
    }

    /// Replays the edits of journals that a session of this annotator left without saving
    /// (a crash), as one undo step per document, and says what it did. `None` when there
    /// was nothing to recover. The files of documents not read yet are read first. The
    /// replayed edits are saved like any others; the old journals are removed once this
    /// session's own journal holds them. Edits that cannot be replayed now (their file is
    /// read-only for now, their document's text cannot be read) stay in their journal, and
    /// only they: [`Self::recover_kept`] replays them when files change on disk, and the
    /// next start does.
    pub fn recover(&mut self) -> Option<Recovery> {
        if !self.journaling {
            return None;
        }
        let orphans = journal::orphans(self.store.root(), &self.annotator);
        self.recover_from(orphans)
    }

    /// Replays what recovery kept earlier in this session (edits whose file could not be
    /// written then), for when files changed on disk: a mended or moved file takes them
    /// before anything else is done to it. `None` when nothing was kept or replayed.
    pub fn recover_kept(&mut self) -> Option<Recovery> {
        if !self.journaling || self.kept_journals.is_empty() {
            return None;
        }
        let kept: Vec<PathBuf> = journal::orphans(self.store.root(), &self.annotator)
            .into_iter()
            .filter(|p| self.kept_journals.contains(p))
            .collect();
        self.recover_from(kept)
    }

    fn recover_from(&mut self, orphans: Vec<PathBuf>) -> Option<Recovery> {
        if orphans.is_empty() {
            return None;
        }
        let mut recovery = Recovery::default();
        let mut documents = BTreeSet::new();
        // Each journal read once (only the documents' texts are needed for that).
        let reads: Vec<(PathBuf, journal::JournalLines)> = orphans
            .into_iter()
            .map(|path| {
                let read = journal::read_lines(&path, &self.store.project);
                (path, read)
            })
            .collect();
        // A project opens with one document read, the rest later: the files the edits go
        // to are read first (else they would be refused as still being read), and a format-1
        // file of ours among them has its resolutions moved, as when the project opens.
        let unread: BTreeSet<String> = reads
            .iter()
            .flat_map(|(_, read)| read.edits.iter().map(|(_, document, _)| document))
            .filter(|document| !self.store.is_loaded(document))
            .cloned()
            .collect();
        for document in &unread {
            recovery
                .file_problems
                .extend(self.store.load_document(document));
        }
        if !unread.is_empty()
            && let Some(migration) = self.migrate_resolutions()
        {
            recovery.problems.extend(
                migration
                    .errors
                    .iter()
                    .map(|e| format!("resolutions not moved: {e}")),
            );
        }
        for (path, read) in reads {
            let path = &path;
            recovery.problems.extend(read.problems);
            // Lines to keep for later: those that cannot be read or replayed now.
            let mut keep: BTreeSet<usize> = read.unreadable.iter().copied().collect();
            if !read.unreadable.is_empty() {
                recovery.kept.push(format!(
                    "{}: {} that cannot be read now, kept there to replay later",
                    path.display(),
                    crate::words::plural(read.unreadable.len(), "edit")
                ));
            }
            // By document: the lines, and each edit with its step.
            type Lines = (Vec<usize>, Vec<(usize, Edit)>);
            let mut by_document: BTreeMap<String, Lines> = BTreeMap::new();
            for ((line, document, edit), step) in read.edits.into_iter().zip(read.steps) {
                let entry = by_document.entry(document).or_default();
                entry.0.push(line);
                entry.1.push((step, edit));
            }
            for (document, (lines, edits)) in by_document {
                if let Some(reason) = self.read_only_reason(&document) {
                    recovery.kept.push(format!(
                        "{document}: {} not replayed yet: {reason}; kept in {} and replayed \
                         once the file can be written",
                        crate::words::plural(edits.len(), "edit"),
                        path.display()
                    ));
                    keep.extend(lines);
                    continue;
                }
                let (applied, problems) = self.apply_lenient(&document, edits);
                recovery.edits += applied;
                recovery.problems.extend(problems);
                if applied > 0 {
                    documents.insert(document);
                }
            }
            // Only once this session's own journal holds what was replayed.
            if self.journal_error.is_some() {
                continue;
            }
            if keep.is_empty() {
                match &self.journal {
                    // Once what was replayed into this session's journal is on disk.
                    Some(journal) => journal.remove_once_synced(path),
                    None => {
                        let _ = std::fs::remove_file(path);
                    }
                }
                self.kept_journals.remove(path);
                continue;
            }
            // What was replayed goes; what was not stays, and nothing else.
            match journal::keep_lines(path, &keep) {
                Ok(()) => {
                    self.kept_journals.insert(path.clone());
                }
                Err(err) => recovery.problems.push(format!(
                    "{}: cannot take out the edits replayed ({err}); it stays whole",
                    path.display()
                )),
            }
        }
        recovery.documents = documents.into_iter().collect();
        (recovery.edits > 0
            || !recovery.problems.is_empty()
            || !recovery.kept.is_empty()
            || !recovery.file_problems.is_empty())
        .then_some(recovery)
    }

    /// Moves the resolutions that this annotator's annotation files of format 1 hold as
    /// attributes (`resolution`, `resolution_note`, `resolution_date`) into the resolver's
    /// file, `resolutions/<resolver>.ron` (the resolver is the annotator, or the reviewer of a
    /// reviewed set), then rewrites those annotation files in the current format, without the
    /// attributes. The resolver's file is written first, under its lock and merged with what
    /// is there (a record already there about the same annotation wins); only if that worked
    /// are the annotation files rewritten, so a failure loses nothing. Colleagues' files are
    /// never touched: their Lector moves theirs. `None` when there was nothing to move.
    ///
    /// The app calls this when a project opens and when files change on disk; commands that
    /// write for an annotator call it first.
    pub fn migrate_resolutions(&mut self) -> Option<Migration> {
        // Its save of the resolver's file is taken in here: none may be running. (A failed
        // one leaves its files dirty, saved and said again by the next save.)
        let _ = self.wait_for_save();
        let keys: Vec<crate::model::SetKey> = self
            .store
            .project
            .legacy_resolutions
            .keys()
            .filter(|(_, annotator)| annotator == &self.annotator)
            .cloned()
            .collect();
        if keys.is_empty() {
            return None;
        }
        let resolver = reviewer_name(&self.annotator).to_owned();
        let file = resolutions_path(&resolver);
        let mut migration = Migration {
            file: file.clone(),
            ..Migration::default()
        };
        if let Some(reason) = self.store.read_only_reason(&file) {
            migration.errors.push(StoreError::ReadOnly {
                reason: reason.to_owned(),
                path: self.store.root().join(&file),
            });
            return Some(migration);
        }
        let mut by_document: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
        {
            let project = &self.store.project;
            let known = project.resolutions.get(&resolver);
            for key in &keys {
                for record in project.legacy_resolutions.get(key).into_iter().flatten() {
                    if known.is_none_or(|r| !r.predictions.contains_key(&record.key)) {
                        by_document
                            .entry(key.0.clone())
                            .or_default()
                            .push(Edit::Resolve(Box::new(record.clone())));
                    }
                }
            }
        }
        if !by_document.is_empty() {
            for (document, edits) in by_document {
                let records = self.store.project.resolutions_mut(&resolver);
                for edit in &edits {
                    edit::replay_on_resolutions(records, edit);
                }
                migration.moved += edits.len();
                self.record(&document, edits, None);
            }
            self.dirty_resolutions = true;
            // The resolver's file alone, now: the annotation files wait for it.
            let (edits, n) = self.edits_of(&file);
            let errors = match self.store.prepare_resolutions_save(&resolver, edits) {
                Ok(pending) => {
                    self.dirty_resolutions = false;
                    let included = BTreeMap::from([(file.clone(), n)]);
                    self.finish_saves(vec![pending.run()], &included)
                }
                Err(err) => {
                    self.not_saved(&file);
                    vec![err]
                }
            };
            if !errors.is_empty() {
                migration.errors = errors;
                return Some(migration);
            }
        }
        for (document, annotator) in &keys {
            self.store.clear_legacy(document, annotator);
            if self.store.project.set(document, annotator).is_some() {
                self.dirty_sets.insert(document.clone());
            }
        }
        migration.errors = self.save_now();
        self.bump_revision();
        Some(migration)
    }

    /// The documents on which a crashed review session of this annotator left reviewed work
    /// in its journal: it is replayed when the review of the document starts again (the
    /// session then works on the reviewed set), so the app says where.
    pub fn unsaved_review_documents(&self) -> Vec<String> {
        if !self.journaling || self.annotator.starts_with("review.") {
            return Vec::new();
        }
        let reviewer = crate::model::review::review_set_name(&self.annotator);
        let mut documents = BTreeSet::new();
        for path in journal::orphans(self.store.root(), &reviewer) {
            documents.extend(journal::documents_of(&path));
        }
        documents.into_iter().collect()
    }

    /// Why edits cannot be written to the crash journal (a full disk, a read-only folder),
    /// once after it first happened.
    pub fn take_journal_error(&mut self) -> Option<String> {
        self.journal_error.take()
    }

    /// The files another writer had changed, which the saves since the last call merged the
    /// session's edits into (the project in memory now holds both).
    pub fn take_merged(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.merged)
    }

    /// The file that edits of a kind on `document` change.
    fn file_of_target(&self, document: &str, target: EditTarget) -> PathBuf {
        match target {
            EditTarget::Set => set_path(document, &self.annotator),
            EditTarget::Entities => entities_path(&self.annotator),
            EditTarget::Review => review_path(document, reviewer_name(&self.annotator)),
            EditTarget::Resolutions => resolutions_path(reviewer_name(&self.annotator)),
            EditTarget::Triage => triage_path(&self.annotator),
        }
    }

    /// The crash journal, made at the first edit; `None` for a command's session, or when it
    /// cannot be written (then [`Self::journal_error`] says why).
    fn journal(&mut self) -> Option<&mut Journal> {
        if !self.journaling || self.journal_error.is_some() {
            return None;
        }
        if self.journal.is_none() {
            match Journal::create(self.store.root(), &self.annotator) {
                Ok(journal) => self.journal = Some(journal),
                Err(err) => self.journal_failed(&err),
            }
        }
        self.journal.as_mut()
    }

    /// Remembers why the journal cannot be written.
    fn journal_failed(&mut self, err: &std::io::Error) {
        let path = match &self.journal {
            Some(journal) => journal.path().to_owned(),
            None => self.store.root().join(crate::store::lock::LOCAL_DIR),
        };
        self.journal_error = Some(format!(
            "edits are not journalled (a crash before the next save would lose them): {err}: {}",
            path.display()
        ));
    }

    /// Takes back what a refused step had begun appending to the journal.
    fn cancel_journal(&mut self, background: Option<(journal::Background, usize)>) {
        if let Some((background, _)) = background {
            let (journal, cancelled) = background.cancel();
            self.journal = journal;
            if let Err(err) = cancelled {
                self.journal_failed(&err);
            }
        }
    }

    /// Remembers applied edits as unsaved and writes them to the crash journal. The first
    /// `n` of them may be being written already (`background`): they are waited for.
    fn record(
        &mut self,
        document: &str,
        edits: Vec<Edit>,
        background: Option<(journal::Background, usize)>,
    ) {
        let written = match background {
            Some((background, n)) => {
                let (journal, finished) = background.finish();
                self.take_journal(journal, finished.err());
                n
            }
            None => 0,
        };
        self.record_written(document, edits, written);
    }

    /// Takes back the journal a step was written to on another thread, and why it could not
    /// be, if it could not.
    fn take_journal(&mut self, journal: Option<Journal>, failed: Option<std::io::Error>) {
        self.journal = journal;
        if let Some(err) = failed {
            self.journal_failed(&err);
        }
    }

    /// [`Self::record`] of a step whose first `written` edits are in the journal already.
    fn record_written(&mut self, document: &str, edits: Vec<Edit>, written: usize) {
        self.journal_rest(document, edits.get(written..).unwrap_or_default());
        // Edits arrive in runs of one kind (a review's start: 76k inserts, then 95k
        // decisions): the file's list is looked up once per run, not once per edit. Each run
        // is measured first and moved in at once, so that the list grows once, not by
        // doubling (an edit is large: each doubling copied a run of a book again).
        let runs: Vec<(EditTarget, usize)> = edits
            .chunk_by(|a, b| a.target() == b.target())
            .filter_map(|run| Some((run.first()?.target(), run.len())))
            .collect();
        let mut edits = edits.into_iter();
        for (target, len) in runs {
            let file = self.file_of_target(document, target);
            let list = self.unsaved_list(file, document);
            list.reserve(len);
            list.extend(edits.by_ref().take(len));
        }
    }

    /// Appends to the journal the edits of a step not written to it yet.
    fn journal_rest(&mut self, document: &str, rest: &[Edit]) {
        let text = self
            .store
            .project
            .document(document)
            .map(|d| d.text.clone());
        if let Some(text) = text
            && !rest.is_empty()
            && let Some(journal) = self.journal()
            && let Err(err) = journal.append(&text, document, rest)
        {
            self.journal_failed(&err);
        }
    }

    /// Keeps a step's edits by file (a staged step's, see [`Stage`]) with each file's edits
    /// not saved yet: they become the file's list when it has none (a review's start on a
    /// book: a million edits, moved rather than copied), else go after it.
    fn keep_unsaved(
        &mut self,
        document: &str,
        runs: impl IntoIterator<Item = (PathBuf, EditRuns)>,
    ) {
        for (file, mut edits) in runs {
            self.unsaved_runs(file, document).append(&mut edits);
        }
    }

    /// A file's list of edits not saved yet, made on `document`: the run to append to.
    fn unsaved_list(&mut self, file: PathBuf, document: &str) -> &mut Vec<Edit> {
        self.unsaved_runs(file, document).last_mut()
    }

    /// A file's edits not saved yet, made on `document`.
    fn unsaved_runs(&mut self, file: PathBuf, document: &str) -> &mut EditRuns {
        let entry = self.unsaved.entry(file).or_insert_with(|| FileEdits {
            document: document.to_owned(),
            edits: EditRuns::default(),
            in_flight: None,
        });
        document.clone_into(&mut entry.document);
        &mut entry.edits
    }

    /// Applies edits all-or-nothing and returns their inverse, in reverse order. Edits are
    /// applied in place (a copy of a 100k-annotation set per keystroke would cost milliseconds)
    /// and rolled back with their inverses if the result does not validate. They are in the
    /// crash journal when this returns: a big step (a review's start) is written to it on
    /// another thread while it is applied.
    fn apply_raw(&mut self, document: &str, edits: Vec<Edit>) -> Result<Vec<Edit>, EditError> {
        self.apply_or_return(document, edits)
            .map_err(|(err, _)| err)
    }

    /// [`Self::apply_raw`], which on an error hands the edits back, as they were given.
    fn apply_or_return(&mut self, document: &str, edits: Vec<Edit>) -> Result<Vec<Edit>, Refused> {
        let background = if edits.len() >= JOURNAL_ALONGSIDE {
            let text = self
                .store
                .project
                .document(document)
                .map(|d| d.text.clone());
            match (text, self.journal().is_some()) {
                (Some(text), true) => self.journal.take().map(|journal| {
                    let n = edits.len();
                    let copy = edits.clone();
                    (
                        journal.append_in_background(text, document.to_owned(), copy),
                        n,
                    )
                }),
                _ => None,
            }
        } else {
            None
        };
        match self.apply_unrecorded(document, edits) {
            Ok((inverse, forward)) => {
                self.record(document, forward, background);
                Ok(inverse)
            }
            Err(returned) => {
                self.cancel_journal(background);
                Err(returned)
            }
        }
    }

    /// [`Self::apply_raw`] up to the journal: the inverse and the edits applied (those given,
    /// and the status a first annotation sets).
    fn apply_unrecorded(
        &mut self,
        document: &str,
        edits: Vec<Edit>,
    ) -> Result<(Vec<Edit>, Vec<Edit>), Refused> {
        let annotator = self.annotator.clone();
        let Some(text) = self
            .store
            .project
            .document(document)
            .map(|d| d.text.clone())
        else {
            return Err((
                EditError::Invalid(format!("there is no document {document:?}")),
                edits,
            ));
        };
        self.changes.0.clear();
        self.changes.0.push_str(document);
        self.changes.1.clear();
        let mut inverse = Vec::with_capacity(edits.len());
        // One more for the status a first annotation sets.
        let mut forward = Vec::with_capacity(edits.len() + 1);
        // What to validate afterwards: the annotations inserted or replaced (found again by
        // their sort key), and those referring to something removed or changed.
        let mut changed: Vec<(CharOffset, CharOffset, AnnotationId)> = Vec::new();
        let mut removed: Vec<AnnotationId> = Vec::new();
        let mut entities: Vec<EntityId> = Vec::new();
        let mut touched_set = false;
        let mut touched_entities = false;
        let mut touched_review = false;
        // A group of many inserts and removals (an import, tag all, their undo) is applied in
        // one pass over the set instead of moving its tail once per annotation.
        // The group's kinds of edit, counted in one pass.
        let mut kinds = Kinds::default();
        for edit in &edits {
            match edit {
                Edit::Insert(_) => kinds.inserts += 1,
                Edit::Remove(_) => kinds.removes += 1,
                Edit::Replace(_) | Edit::SetStatus(_) => kinds.in_place = true,
                Edit::Decide(_) => kinds.decisions += 1,
                Edit::Undecide(_) => kinds.undecided += 1,
                _ => kinds.others = true,
            }
        }
        let bulk = kinds.inserts + kinds.removes >= BULK
            && !kinds.in_place
            && !self.has_twins(document, &annotator);
        let mut touched_resolutions = false;
        let mut touched_triage = false;
        // Many decisions (a review's start takes every agreement) go into the review in one
        // merge, and many taken back (undoing that start) in one pass: only beside nothing
        // but a bulk pass of the set (checked after them, as one by one would after the
        // loop), so that a refusal names what one by one would, and the step's inverse is
        // in the same order.
        let review_bulk =
            !kinds.in_place && !kinds.others && (bulk || kinds.inserts + kinds.removes == 0);
        let bulk_decisions = kinds.decisions >= BULK && kinds.undecided == 0 && review_bulk;
        let bulk_undecided = kinds.undecided >= BULK && kinds.decisions == 0 && review_bulk;
        // Every edit goes to `forward` in order, before it is applied: on an error, it and
        // the ones not reached are the edits as given.
        let mut edits = edits.into_iter();
        while let Some(edit) = edits.next() {
            if bulk_decisions && matches!(edit, Edit::Decide(_)) {
                // Recorded after the loop, from `forward`.
                forward.push(edit);
                touched_review = true;
                continue;
            }
            if bulk_undecided && matches!(edit, Edit::Undecide(_)) {
                // Taken back after the loop, from `forward`.
                forward.push(edit);
                touched_review = true;
                continue;
            }
            if bulk {
                match &edit {
                    Edit::Insert(_) => {
                        // Put in the set from `forward` after the loop, then validated.
                        forward.push(edit);
                        touched_set = true;
                        continue;
                    }
                    Edit::Remove(id) => {
                        removed.push(id.clone());
                        forward.push(edit);
                        touched_set = true;
                        continue;
                    }
                    _ => {}
                }
            }
            match &edit {
                Edit::Insert(a) | Edit::Replace(a) => {
                    changed.push((a.start(), a.end(), a.id.clone()))
                }
                Edit::Remove(id) => removed.push(id.clone()),
                // A new entity breaks no link; a changed label may.
                Edit::UpsertEntity(e) => {
                    let known = self
                        .store
                        .project
                        .registry(&annotator)
                        .and_then(|r| r.get(&e.id));
                    if known.is_some_and(|old| old.label != e.label) {
                        entities.push(e.id.clone());
                    }
                }
                Edit::RemoveEntity(id) => entities.push(id.clone()),
                _ => {}
            }
            match edit.target() {
                EditTarget::Entities => touched_entities = true,
                EditTarget::Review => touched_review = true,
                EditTarget::Resolutions => touched_resolutions = true,
                EditTarget::Triage => touched_triage = true,
                EditTarget::Set => touched_set = true,
            }
            forward.push(edit.clone());
            match self.apply_one(document, &annotator, edit) {
                Ok(inv) => inverse.push(inv),
                Err(err) => {
                    forward.extend(edits);
                    return Err(self.refuse(document, &annotator, inverse, err, forward));
                }
            }
        }
        if bulk_decisions {
            let review = self
                .store
                .project
                .review_mut(document, reviewer_name(&annotator));
            let decisions: Vec<&Arc<Decision>> = forward
                .iter()
                .filter_map(|e| match e {
                    Edit::Decide(decision) => Some(decision),
                    _ => None,
                })
                .collect();
            inverse.extend(
                review
                    .upsert_many(&decisions)
                    .into_iter()
                    .map(|(old, sources)| old.map_or(Edit::Undecide(sources), Edit::Decide)),
            );
        }
        if bulk_undecided {
            let review = self
                .store
                .project
                .review_mut(document, reviewer_name(&annotator));
            let removed = review.remove_many(forward.iter().filter_map(|e| match e {
                Edit::Undecide(sources) => Some(sources),
                _ => None,
            }));
            let missing = removed.iter().any(Option::is_none);
            inverse.extend(removed.into_iter().flatten().map(Edit::Decide));
            if missing {
                // As one by one: taking back a decision that is not there refuses the group
                // (and rolling back puts those taken back in again).
                let err = EditError::Invalid("there is no such decision".to_owned());
                return Err(self.refuse(document, &annotator, inverse, err, forward));
            }
        }
        // Where the inserts of a bulk pass went in the set.
        let mut inserted: Vec<usize> = Vec::new();
        if bulk {
            let (inserts, removes) = inserts_and_removes(&forward);
            // A step few for its set (a tag-all of a thousand hits in a book, its undo) is
            // told to views change by change, as single edits are: following it costs them
            // less than rebuilding what they derive from the whole set. The pass found what
            // it removed by id and says where each was.
            let set_len = self
                .store
                .project
                .set(document, &annotator)
                .map_or(0, crate::model::AnnotationSet::len);
            let followed = (inserts.len() + removes.len()) * FOLLOWED_PER <= set_len;
            match self.apply_bulk(document, &annotator, &inserts, &removes) {
                Ok((inv, at, removed_at)) => {
                    if followed {
                        self.tell_bulk(document, &annotator, &removed_at, &inv, &at);
                    } else {
                        // Views rebuild rather than follow 10,000 single steps.
                        self.changes.1.clear();
                    }
                    inverse.extend(inv);
                    inserted = at;
                }
                Err(err) => {
                    return Err(self.refuse(document, &annotator, inverse, err, forward));
                }
            }
        }
        let project = &self.store.project;
        let problem = project.set(document, &annotator).and_then(|set| {
            let registry = project.registry(&annotator);
            let check =
                |a: &Annotation| annotation_problems(&project.schema, &text, registry, set, a);
            // The first problem of the inserted ones, in order; a big group (a review's start,
            // an import) is checked in halves on two threads.
            let first_of = |part: &[usize]| {
                part.iter()
                    .filter_map(|&i| set.at(i))
                    .flat_map(check)
                    .next()
            };
            let of_inserted = if inserted.len() >= PARALLEL_CHECKS {
                let (early, late) = inserted.split_at(inserted.len() / 2);
                std::thread::scope(|scope| {
                    let later = scope.spawn(|| first_of(late));
                    let first = first_of(early);
                    first.or_else(|| later.join().unwrap_or_else(|_| first_of(late)))
                })
            } else {
                first_of(&inserted)
            };
            let direct = of_inserted.into_iter().chain(
                changed
                    .iter()
                    .filter_map(|(start, end, id)| set.position_by_key(*start, *end, id))
                    .filter_map(|i| set.at(i))
                    .flat_map(check),
            );
            let refers = |a: &&Annotation| {
                a.entity.as_ref().is_some_and(|e| entities.contains(e))
                    || a.attributes.values().any(|v| match v {
                        AttrValue::Entity(e) => entities.contains(e),
                        AttrValue::Annotation(id) => removed.contains(id),
                        _ => false,
                    })
            };
            // Only a schema with annotation-valued attributes lets one annotation refer to
            // another; without, removing one breaks nothing and needs no scan of the set.
            let links = project
                .schema
                .labels
                .iter()
                .flat_map(|l| &l.attributes)
                .any(|d| matches!(d.ty, crate::model::AttrType::Annotation));
            let indirect = if (removed.is_empty() || !links) && entities.is_empty() {
                None
            } else {
                Some(set.iter().filter(refers).flat_map(check))
            };
            direct.chain(indirect.into_iter().flatten()).next()
        });
        // An entity removed here must not be linked from another document either.
        let problem = problem.or_else(|| {
            forward.iter().find_map(|e| match e {
                Edit::RemoveEntity(id) => self
                    .linked_elsewhere(document, id)
                    .map(|other| format!("entity {id} is still linked from document {other:?}")),
                _ => None,
            })
        });
        if let Some(problem) = problem {
            let err = EditError::Invalid(problem);
            return Err(self.refuse(document, &annotator, inverse, err, forward));
        }
        if touched_set {
            let set = self.store.project.set_mut(document, &annotator);
            // Not when the step sets the status itself: the undo of this very step does,
            // and must leave the document not started.
            if set.status == Status::NotStarted
                && !set.annotations().is_empty()
                && !forward.iter().any(|e| matches!(e, Edit::SetStatus(_)))
            {
                set.status = Status::InProgress;
                forward.push(Edit::SetStatus(Status::InProgress));
                // Undoing the step undoes the status it set: the document is "not started"
                // again in the list.
                inverse.push(Edit::SetStatus(Status::NotStarted));
            }
        }
        inverse.reverse();
        self.mark_changed(
            document,
            Touched {
                set: touched_set,
                entities: touched_entities,
                review: touched_review,
                resolutions: touched_resolutions,
                triage: touched_triage,
            },
        );
        Ok((inverse, forward))
    }

    /// Marks what a step changed to be saved, and the step's time and revision.
    fn mark_changed(&mut self, document: &str, touched: Touched) {
        if touched.set {
            self.dirty_sets.insert(document.to_owned());
        }
        if touched.entities {
            self.dirty_entities = true;
        }
        if touched.review {
            self.dirty_reviews.insert(document.to_owned());
        }
        if touched.resolutions {
            self.dirty_resolutions = true;
        }
        if touched.triage {
            self.dirty_triage = true;
        }
        self.last_change = Some(Instant::now());
        self.revision += 1;
        if touched.set || touched.entities || touched.review || touched.triage {
            self.content_revision += 1;
        }
    }

    /// Refuses a group: undoes what was applied of it (`inverse`), forgets the changes views
    /// were to follow, and hands the edits (`forward`, as given) back with `err`.
    fn refuse(
        &mut self,
        document: &str,
        annotator: &str,
        inverse: Vec<Edit>,
        err: EditError,
        forward: Vec<Edit>,
    ) -> Refused {
        self.roll_back(document, annotator, inverse);
        self.changes.1.clear();
        (err, forward)
    }

    /// Undoes edits applied so far in a group that failed.
    fn roll_back(&mut self, document: &str, annotator: &str, inverse: Vec<Edit>) {
        let (set_edits, others): (Vec<Edit>, Vec<Edit>) = inverse
            .into_iter()
            .partition(|e| matches!(e, Edit::Insert(_) | Edit::Remove(_)));
        // Inverses of edits that just applied apply in one pass, unless the set has what a
        // pass cannot tell apart (an id twice): then, and if the pass refuses them anyway,
        // one by one, each as a single edit's inverse.
        let bulk_applied = set_edits.len() >= BULK && !self.has_twins(document, annotator) && {
            let (inserts, removes) = inserts_and_removes(&set_edits);
            self.apply_bulk(document, annotator, &inserts, &removes)
                .is_ok()
        };
        if !bulk_applied {
            for edit in set_edits.into_iter().rev() {
                let _ = self.apply_one(document, annotator, edit);
            }
        }
        for edit in others.into_iter().rev() {
            let _ = self.apply_one(document, annotator, edit);
        }
    }

    /// Whether a set has an id twice (a damaged or hand-edited file): then edits apply one by
    /// one, each to the one annotation its id finds, as a bulk pass cannot tell twins apart.
    fn has_twins(&self, document: &str, annotator: &str) -> bool {
        self.store
            .project
            .set(document, annotator)
            .is_some_and(crate::model::AnnotationSet::has_duplicate_ids)
    }

    /// Tells views what a bulk pass did, as single edits would have: the removals from the
    /// last place to the first (each at its place before it went, which the ones after it
    /// do not move), then the inserts from the first place to the last (each at its place
    /// once it is in, which the ones after it do not move either). `removed_at` are the
    /// places of the removed ones before the pass, in order, `inverse` the pass's inverse
    /// (the removed annotations are in its inserts, in the set's order) and `inserted_at`
    /// where each insert went.
    fn tell_bulk(
        &mut self,
        document: &str,
        annotator: &str,
        removed_at: &[usize],
        inverse: &[Edit],
        inserted_at: &[usize],
    ) {
        let removed: Vec<&Arc<Annotation>> = inverse
            .iter()
            .filter_map(|e| match e {
                Edit::Insert(a) => Some(a),
                _ => None,
            })
            .collect();
        for (&at, old) in removed_at.iter().zip(&removed).rev() {
            self.changes.1.push(SetChange::Removed {
                at,
                annotation: Arc::downgrade(old),
                fragments: old.fragments.clone(),
            });
        }
        let mut inserted_at = inserted_at.to_vec();
        inserted_at.sort_unstable();
        let Some(set) = self.store.project.set(document, annotator) else {
            return;
        };
        for at in inserted_at {
            if let Some(a) = set.annotations().get(at) {
                self.changes.1.push(SetChange::Inserted {
                    at,
                    annotation: Arc::clone(a),
                    label: a.label.to_string(),
                    fragments: a.fragments.clone(),
                });
            }
        }
    }

    /// Removes and inserts many annotations in one pass; returns the inverse and where in
    /// the set each insert went. Nothing changes if an id to remove is missing or an id to
    /// insert exists.
    fn apply_bulk(
        &mut self,
        document: &str,
        annotator: &str,
        inserts: &[&Arc<Annotation>],
        removes: &[&AnnotationId],
    ) -> Result<BulkDone, EditError> {
        let set = self.store.project.set_mut(document, annotator);
        // A missing id, or one removed twice (one by one, the second finds nothing).
        let mut removing = crate::model::annotation::IdSet::default();
        if let Some(id) = removes
            .iter()
            .find(|id| !set.contains(id) || !removing.insert(*id))
        {
            return Err(EditError::Invalid(format!("there is no annotation {id}")));
        }
        // Shared with the undo step, not copied, in the set's order. No set with twins comes
        // here. A few among many (undoing a tag-all in a book) are each found by their id and
        // taken out from the last place to the first, their places kept for views to follow;
        // more are taken in one pass over the set, which reads every annotation (60 ms at a
        // million for 4,532) but looking each up was half of undoing a review's start.
        let mut places = Vec::new();
        let old: Vec<Arc<Annotation>> = if removes.is_empty() {
            Vec::new()
        } else if removes.len().saturating_mul(FOLLOWED_PER) <= set.len() {
            places = removes.iter().filter_map(|id| set.position(id)).collect();
            places.sort_unstable();
            let mut old: Vec<Arc<Annotation>> = places
                .iter()
                .rev()
                .filter_map(|&at| set.remove_at(at))
                .collect();
            old.reverse();
            old
        } else {
            set.take_out(|a| removing.contains(&a.id))
        };
        // One look at the id index per insert: a taken id refuses them all. Moved into the
        // set, not shared with a copy: found again by where they went.
        let at = match set.try_insert_many_shared(inserts) {
            Ok(at) => at,
            Err(id) => {
                set.insert_many_shared(old);
                return Err(EditError::Invalid(format!(
                    "annotation {id} exists already"
                )));
            }
        };
        let mut inverse = Vec::with_capacity(removes.len() + at.len());
        inverse.extend(inserts.iter().map(|a| Edit::Remove(a.id.clone())));
        inverse.extend(old.into_iter().map(Edit::Insert));
        Ok((inverse, at, places))
    }

    /// Applies one edit in place and returns its inverse.
    fn apply_one(
        &mut self,
        document: &str,
        annotator: &str,
        edit: Edit,
    ) -> Result<Edit, EditError> {
        let project = &mut self.store.project;
        match edit {
            Edit::Insert(annotation) => {
                let set = project.set_mut(document, annotator);
                if set
                    .position_by_key(annotation.start(), annotation.end(), &annotation.id)
                    .is_some()
                {
                    return Err(EditError::Invalid(format!(
                        "annotation {} exists already",
                        annotation.id
                    )));
                }
                let inverse = Edit::Remove(annotation.id.clone());
                let (label, fragments) =
                    (annotation.label.to_string(), annotation.fragments.clone());
                let at = set.insert(annotation);
                self.changes.1.push(SetChange::Inserted {
                    at,
                    annotation: Arc::clone(&set.annotations()[at]),
                    label,
                    fragments,
                });
                Ok(inverse)
            }
            Edit::Remove(id) => {
                let set = project.set_mut(document, annotator);
                let (at, old) = set
                    .remove(&id)
                    .ok_or_else(|| EditError::Invalid(format!("there is no annotation {id}")))?;
                self.changes.1.push(SetChange::Removed {
                    at,
                    annotation: Arc::downgrade(&old),
                    fragments: old.fragments.clone(),
                });
                Ok(Edit::Insert(old))
            }
            Edit::Replace(annotation) => {
                let set = project.set_mut(document, annotator);
                let (label, fragments) =
                    (annotation.label.to_string(), annotation.fragments.clone());
                let missing = format!("there is no annotation {}", annotation.id);
                let (at, new_at, old) =
                    set.replace(annotation).ok_or(EditError::Invalid(missing))?;
                self.changes.1.push(SetChange::Removed {
                    at,
                    annotation: Arc::downgrade(&old),
                    fragments: old.fragments.clone(),
                });
                self.changes.1.push(SetChange::Inserted {
                    at: new_at,
                    annotation: Arc::clone(&set.annotations()[new_at]),
                    label,
                    fragments,
                });
                Ok(Edit::Replace(old))
            }
            Edit::SetStatus(status) => {
                let set = project.set_mut(document, annotator);
                let old = std::mem::replace(&mut set.status, status);
                Ok(Edit::SetStatus(old))
            }
            Edit::UpsertEntity(entity) => {
                let registry = project.entities.entry(annotator.to_owned()).or_default();
                let inverse = match registry.get(&entity.id) {
                    Some(old) => Edit::UpsertEntity(Box::new(old.clone())),
                    None => Edit::RemoveEntity(entity.id.clone()),
                };
                registry.upsert(*entity);
                Ok(inverse)
            }
            Edit::Decide(decision) => {
                let review = project.review_mut(document, reviewer_name(annotator));
                let sources = decision.sources.clone();
                Ok(match review.upsert(decision) {
                    Some(old) => Edit::Decide(old),
                    None => Edit::Undecide(sources),
                })
            }
            Edit::Undecide(sources) => {
                let review = project.review_mut(document, reviewer_name(annotator));
                review
                    .remove(&sources)
                    .map(Edit::Decide)
                    .ok_or_else(|| EditError::Invalid("there is no such decision".to_owned()))
            }
            Edit::Comment(comment) => {
                let review = project.review_mut(document, reviewer_name(annotator));
                let empty = Comment {
                    text: String::new(),
                    ..Comment::clone(&comment)
                };
                Ok(Edit::Comment(Box::new(
                    review.set_comment(*comment).unwrap_or(empty),
                )))
            }
            Edit::RemoveEntity(id) => {
                let registry = project.entities.entry(annotator.to_owned()).or_default();
                let at = registry
                    .entities
                    .iter()
                    .position(|e| e.id == id)
                    .ok_or_else(|| EditError::Invalid(format!("there is no entity {id}")))?;
                Ok(Edit::UpsertEntity(Box::new(registry.entities.remove(at))))
            }
            Edit::Resolve(record) => {
                let records = project.resolutions_mut(reviewer_name(annotator));
                let key = record.key.clone();
                Ok(match records.predictions.insert(key.clone(), *record) {
                    Some(old) => Edit::Resolve(Box::new(old)),
                    None => Edit::Unresolve(Box::new(key)),
                })
            }
            Edit::Unresolve(key) => {
                let records = project.resolutions_mut(reviewer_name(annotator));
                records
                    .predictions
                    .remove(&key)
                    .map(|r| Edit::Resolve(Box::new(r)))
                    .ok_or_else(|| EditError::Invalid(format!("{key} is not resolved")))
            }
            Edit::SetVerdict(record) => {
                let records = project.resolutions_mut(reviewer_name(annotator));
                let key = record.key.clone();
                Ok(match records.claims.insert(key.clone(), *record) {
                    Some(old) => Edit::SetVerdict(Box::new(old)),
                    None => Edit::ClearVerdict(Box::new(key)),
                })
            }
            Edit::ClearVerdict(key) => {
                let records = project.resolutions_mut(reviewer_name(annotator));
                records
                    .claims
                    .remove(&key)
                    .map(|r| Edit::SetVerdict(Box::new(r)))
                    .ok_or_else(|| EditError::Invalid(format!("{key} has no verdict")))
            }
            Edit::Triage(record) => {
                let triage = project.triage_mut(annotator);
                let key = record.key.clone();
                Ok(match triage.records.insert(key.clone(), *record) {
                    Some(old) => Edit::Triage(Box::new(old)),
                    None => Edit::Untriage(Box::new(key)),
                })
            }
            Edit::Untriage(key) => {
                let triage = project.triage_mut(annotator);
                triage
                    .records
                    .remove(&key)
                    .map(|r| Edit::Triage(Box::new(r)))
                    .ok_or_else(|| {
                        EditError::Invalid(format!(
                            "the suggestion {}:{} of {} is not decided",
                            key.start, key.end, key.document
                        ))
                    })
            }
        }
    }

    /// Whether anything is waiting to be saved.
    pub fn is_dirty(&self) -> bool {
        !self.dirty_sets.is_empty()
            || self.dirty_entities
            || !self.dirty_reviews.is_empty()
            || self.dirty_resolutions
            || self.dirty_triage
    }

    /// Whether the autosave delay has passed since the last change.
    pub fn autosave_due(&self, now: Instant) -> bool {
        self.is_dirty() && self.autosave_in(now).is_zero()
    }

    /// How long after the last change autosave waits: [`AUTOSAVE_DELAY`], or ten times as
    /// long as writing the files that wait to be saved took the last time, when that is longer
    /// (up to half a minute). A lock held by another writer, or a merge into their version,
    /// does not count: only the writing.
    pub fn autosave_delay(&self) -> Duration {
        let took: Duration = self
            .dirty_files()
            .iter()
            .filter_map(|file| self.save_took.get(file))
            .sum();
        (took * AUTOSAVE_SHARE).clamp(AUTOSAVE_DELAY, AUTOSAVE_MAX_DELAY)
    }

    /// How long until autosave is due (zero if it is), for the window to wake then.
    pub fn autosave_in(&self, now: Instant) -> Duration {
        let since = self
            .last_change
            .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        self.autosave_delay().saturating_sub(since)
    }

    /// Saves every dirty file now, after any save still running in the background. Files
    /// that fail stay dirty; their errors are returned.
    pub fn save_now(&mut self) -> Vec<StoreError> {
        let mut errors = self.wait_for_save();
        let (pending, included) = self.prepare_saves(&mut errors);
        let done = pending.into_iter().map(PendingWrite::run).collect();
        errors.extend(self.finish_saves(done, &included));
        errors
    }

    /// Starts saving every dirty file on another thread: the files are copied as they are now
    /// and written there, so that saving a book-length document never holds up the window.
    /// Does nothing while an earlier save still runs; [`Self::poll_save`] collects the result.
    /// Errors of preparing (a read-only file) are returned at once.
    pub fn save_in_background(&mut self) -> Vec<StoreError> {
        let mut errors = Vec::new();
        if self.saving.is_some() {
            return errors;
        }
        let (pending, included) = self.prepare_saves(&mut errors);
        if !pending.is_empty() {
            self.saving = Some(Saving {
                handle: std::thread::spawn(move || {
                    pending.into_iter().map(PendingWrite::run).collect()
                }),
                included,
            });
        }
        errors
    }

    /// Whether a background save is running.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Collects a finished background save; its errors, if any. Files that failed are dirty
    /// again.
    pub fn poll_save(&mut self) -> Vec<StoreError> {
        match &self.saving {
            Some(saving) if saving.handle.is_finished() => self.wait_for_save(),
            _ => Vec::new(),
        }
    }

    /// Waits for a background save, if one runs, and collects it.
    pub fn wait_for_save(&mut self) -> Vec<StoreError> {
        let Some(Saving { handle, included }) = self.saving.take() else {
            return Vec::new();
        };
        match handle.join() {
            Ok(done) => self.finish_saves(done, &included),
            Err(_) => {
                // The writer thread panicked: nothing is known to be saved.
                for file in included.keys() {
                    self.not_saved(file);
                }
                self.mark_all_dirty();
                vec![StoreError::Invalid(
                    "saving failed unexpectedly; your changes are kept and will be saved again"
                        .to_owned(),
                )]
            }
        }
    }

    /// The unsaved edits of a file, to replay if another writer changed it, handed to the
    /// save that includes them (until it is done, edits made meanwhile are listed apart);
    /// `None` when the file is dirty without edits (then a changed file is not overwritten).
    fn edits_of(&mut self, file: &Path) -> (Option<crate::store::Replay>, usize) {
        match self.unsaved.get_mut(file) {
            Some(f) if !f.edits.is_empty() && f.in_flight.is_none() => {
                let taken = std::sync::Arc::new(std::mem::take(&mut f.edits));
                f.in_flight = Some(std::sync::Arc::clone(&taken));
                let n = taken.len();
                (Some(taken), n)
            }
            _ => (None, 0),
        }
    }

    /// Puts the edits a save included back before those made since: it failed, or was
    /// never started.
    fn not_saved(&mut self, file: &Path) {
        let Some(f) = self.unsaved.get_mut(file) else {
            return;
        };
        let Some(in_flight) = f.in_flight.take() else {
            return;
        };
        // The save is done with them, so they are the session's alone again.
        let mut back =
            std::sync::Arc::try_unwrap(in_flight).unwrap_or_else(|shared| (*shared).clone());
        back.append(&mut f.edits);
        f.edits = back;
    }

    /// The edits a save included are saved: they go (freed elsewhere when many).
    fn saved(&mut self, file: &Path) {
        if let Some(in_flight) = self.unsaved.get_mut(file).and_then(|f| f.in_flight.take())
            && in_flight.len() >= 1 << 12
        {
            crate::model::drop_elsewhere(in_flight);
        }
    }

    /// Takes the dirty files and prepares their writes, with how many of each file's
    /// unsaved edits they include. Those that cannot be prepared stay dirty, with their
    /// errors in `errors`.
    fn prepare_saves(
        &mut self,
        errors: &mut Vec<StoreError>,
    ) -> (Vec<PendingWrite>, BTreeMap<PathBuf, usize>) {
        let mut pending = Vec::new();
        let mut included = BTreeMap::new();
        if self.dirty_resolutions {
            let resolver = reviewer_name(&self.annotator).to_owned();
            let file = resolutions_path(&resolver);
            let (edits, n) = self.edits_of(&file);
            match self.store.prepare_resolutions_save(&resolver, edits) {
                Ok(p) => {
                    pending.push(p);
                    included.insert(file, n);
                    self.dirty_resolutions = false;
                }
                Err(err) => {
                    self.not_saved(&file);
                    errors.push(err);
                }
            }
        }
        if self.dirty_triage {
            let file = triage_path(&self.annotator);
            let (edits, n) = self.edits_of(&file);
            match self.store.prepare_triage_save(&self.annotator, edits) {
                Ok(p) => {
                    pending.push(p);
                    included.insert(file, n);
                    self.dirty_triage = false;
                }
                Err(err) => {
                    self.not_saved(&file);
                    errors.push(err);
                }
            }
        }
        if self.dirty_entities {
            let file = entities_path(&self.annotator);
            let (edits, n) = self.edits_of(&file);
            match self.store.prepare_entities_save(&self.annotator, edits) {
                Ok(p) => {
                    pending.push(p);
                    included.insert(file, n);
                    self.dirty_entities = false;
                }
                Err(err) => {
                    self.not_saved(&file);
                    errors.push(err);
                }
            }
        }
        for document in std::mem::take(&mut self.dirty_sets) {
            let file = set_path(&document, &self.annotator);
            let (edits, n) = self.edits_of(&file);
            match self
                .store
                .prepare_set_save(&document, &self.annotator, edits)
            {
                Ok(p) => {
                    pending.push(p);
                    included.insert(file, n);
                }
                Err(err) => {
                    self.not_saved(&file);
                    errors.push(err);
                    self.dirty_sets.insert(document);
                }
            }
        }
        let reviewer = reviewer_name(&self.annotator).to_owned();
        for document in std::mem::take(&mut self.dirty_reviews) {
            let file = review_path(&document, &reviewer);
            let (edits, n) = self.edits_of(&file);
            match self.store.prepare_review_save(&document, &reviewer, edits) {
                Ok(p) => {
                    pending.push(p);
                    included.insert(file, n);
                }
                Err(err) => {
                    self.not_saved(&file);
                    errors.push(err);
                    self.dirty_reviews.insert(document);
                }
            }
        }
        (pending, included)
    }

    /// Records finished writes; those that failed make their files dirty again. A write that
    /// merged into another writer's version brought that version into the project: the
    /// edits made since the write was prepared are replayed onto it. The journal then keeps
    /// only what is still unsaved.
    fn finish_saves(
        &mut self,
        done: Vec<WriteDone>,
        included: &BTreeMap<PathBuf, usize>,
    ) -> Vec<StoreError> {
        let mut errors = Vec::new();
        let mut saved_any = false;
        for d in done {
            let file = d.file().to_path_buf();
            if let Some(took) = d.took() {
                self.save_took.insert(file.clone(), took);
            }
            match self.store.finish_write(d) {
                Ok(merged) => {
                    saved_any = true;
                    debug_assert_eq!(
                        self.unsaved
                            .get(&file)
                            .and_then(|f| f.in_flight.as_ref())
                            .map_or(0, |e| e.len()),
                        included.get(&file).copied().unwrap_or(0)
                    );
                    self.saved(&file);
                    // Those made while it ran.
                    let none_since = self.unsaved.get(&file).is_none_or(|f| f.edits.is_empty());
                    if merged {
                        let rest: Vec<Edit> = self
                            .unsaved
                            .get(&file)
                            .map(|f| f.edits.iter().cloned().collect())
                            .unwrap_or_default();
                        self.replay_after_merge(&file, &rest);
                        self.merged.push(file.clone());
                        self.bump_revision();
                    }
                    if none_since {
                        self.unsaved.remove(&file);
                    }
                }
                Err(err) => {
                    errors.push(err);
                    self.not_saved(&file);
                    self.mark_dirty(&file);
                }
            }
        }
        if saved_any && let Some(journal) = &mut self.journal {
            // The entities file's first: written without their steps, edits are replayed one
            // by one after a crash, and a mention made with its entity while the save ran
            // would be refused before it (an entity removed with its mentions then stays,
            // which loses nothing).
            let entities = entities_path(&self.annotator);
            let (first, rest): (Vec<_>, Vec<_>) = self
                .unsaved
                .iter()
                .partition(|(file, _)| **file == entities);
            let remaining: Vec<(String, Edit)> = first
                .into_iter()
                .chain(rest)
                .flat_map(|(_, f)| f.edits.iter().map(|e| (f.document.clone(), e.clone())))
                .collect();
            if let Err(err) = journal.reset(&self.store.project, &remaining) {
                self.journal_error = Some(format!(
                    "the crash journal cannot be written: {err}: {}",
                    journal.path().display()
                ));
            }
        }
        errors
    }

    /// Replays edits made while a save ran onto the version that save merged into.
    fn replay_after_merge(&mut self, file: &Path, edits: &[Edit]) {
        let Some(document) = self.unsaved.get(file).map(|f| f.document.clone()) else {
            return;
        };
        let annotator = self.annotator.clone();
        let project = &mut self.store.project;
        for edit in edits {
            match edit.target() {
                EditTarget::Set => {
                    edit::replay_on_set(project.set_mut(&document, &annotator), edit);
                }
                EditTarget::Entities => {
                    let registry = project.entities.entry(annotator.clone()).or_default();
                    edit::replay_on_registry(registry, edit);
                }
                EditTarget::Review => {
                    let review = project.review_mut(&document, reviewer_name(&annotator));
                    edit::replay_on_review(review, edit);
                }
                EditTarget::Resolutions => {
                    let records = project.resolutions_mut(reviewer_name(&annotator));
                    edit::replay_on_resolutions(records, edit);
                }
                EditTarget::Triage => {
                    edit::replay_on_triage(project.triage_mut(&annotator), edit);
                }
            }
        }
    }

    /// Marks the annotator's file at `file` (relative path) as waiting to be saved.
    fn mark_dirty(&mut self, file: &Path) {
        if file == entities_path(&self.annotator) {
            self.dirty_entities = true;
            return;
        }
        if file == resolutions_path(reviewer_name(&self.annotator)) {
            self.dirty_resolutions = true;
            return;
        }
        if file == triage_path(&self.annotator) {
            self.dirty_triage = true;
            return;
        }
        let document = self
            .store
            .project
            .documents
            .iter()
            .map(|d| d.meta.id.as_str())
            .find(|d| set_path(d, &self.annotator) == file);
        let reviewer = reviewer_name(&self.annotator);
        let reviewed = self
            .store
            .project
            .documents
            .iter()
            .map(|d| d.meta.id.as_str())
            .find(|d| review_path(d, reviewer) == file);
        if let Some(document) = document {
            self.dirty_sets.insert(document.to_owned());
        }
        if let Some(document) = reviewed {
            self.dirty_reviews.insert(document.to_owned());
        }
    }

    fn mark_all_dirty(&mut self) {
        self.dirty_entities = true;
        self.dirty_triage = self.store.project.triage.contains_key(&self.annotator);
        self.dirty_resolutions = self
            .store
            .project
            .resolutions
            .contains_key(reviewer_name(&self.annotator));
        let reviewer = reviewer_name(&self.annotator).to_owned();
        let reviewed: Vec<String> = self
            .store
            .project
            .reviews
            .keys()
            .filter(|(_, r)| r == &reviewer)
            .map(|(d, _)| d.clone())
            .collect();
        self.dirty_reviews.extend(reviewed);
        let documents: Vec<String> = self
            .store
            .project
            .sets
            .keys()
            .filter(|(_, a)| a == &self.annotator)
            .map(|(d, _)| d.clone())
            .collect();
        self.dirty_sets.extend(documents);
    }

    /// Re-reads files that changed on disk (a `git pull`, a shared folder, another window or
    /// a command): colleagues' files, and the annotator's own files that have no unsaved
    /// edits here. Own files with unsaved edits are reported as conflicts: the next save
    /// merges into them. Commands and tests call this; the app reads on other threads (its
    /// watch thread, a sync's job) through [`Self::watcher`] and [`Self::take_reloaded`].
    /// See
    /// [`ProjectStore::reload_changed`].
    pub fn reload_changed(&mut self) -> DiskChanges {
        if self.saving.is_some() {
            // Our own save is being written: its file would look changed. Next poll.
            return DiskChanges::default();
        }
        let busy: BTreeSet<PathBuf> = self.dirty_files().into_iter().collect();
        let changes = self.store.reload_changed(&self.annotator, &busy);
        self.reloaded(changes)
    }

    /// What follows files re-read from disk: a new revision if the project changed, and a
    /// version-1 file of ours that came in (an old branch, a colleague's copy) has its
    /// resolutions moved as they are when the project opens.
    fn reloaded(&mut self, mut changes: DiskChanges) -> DiskChanges {
        if changes.changed_project() {
            self.bump_revision();
        }
        if let Some(migration) = self.migrate_resolutions() {
            changes.problems.extend(
                migration
                    .errors
                    .iter()
                    .map(|e| crate::store::Problem::new(&migration.file, e.to_string())),
            );
        }
        changes
    }

    /// A copy of what the store knows of its files, to look for changes on another thread
    /// (see [`crate::store::Watcher`]).
    pub fn watcher(&self) -> crate::store::Watcher {
        let unsaved = self.dirty_files().into_iter().collect();
        self.store.watcher(&self.annotator, unsaved)
    }

    /// Applies what a [`crate::store::Watcher`] read on another thread, as
    /// [`Self::reload_changed`] would have: the user's own files with unsaved edits are
    /// left alone and reported as conflicts. Nothing while a save is being written (its
    /// file would look changed): the owner polls again with a fresh watcher.
    pub fn take_reloaded(&mut self, reloaded: crate::store::Reloaded) -> DiskChanges {
        if self.saving.is_some() {
            return DiskChanges::default();
        }
        let busy: BTreeSet<PathBuf> = self.dirty_files().into_iter().collect();
        let changes = self.store.take_reloaded(reloaded, &busy);
        self.reloaded(changes)
    }

    /// Keeps the app's version of one of the annotator's files that changed on disk (the
    /// user's explicit "keep mine"): the next save writes it over what is there, even if
    /// nothing was edited since.
    pub fn keep_mine(&mut self, file: &Path) {
        self.store.forget_disk_version(file);
        self.mark_dirty(file);
    }

    /// The files of this annotator that are waiting to be saved, relative to the project.
    pub fn dirty_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .dirty_sets
            .iter()
            .map(|d| set_path(d, &self.annotator))
            .collect();
        if self.dirty_entities {
            files.push(entities_path(&self.annotator));
        }
        let reviewer = reviewer_name(&self.annotator);
        files.extend(self.dirty_reviews.iter().map(|d| review_path(d, reviewer)));
        if self.dirty_resolutions {
            files.push(resolutions_path(reviewer));
        }
        if self.dirty_triage {
            files.push(triage_path(&self.annotator));
        }
        files
    }
}

/// Whose review the session's edits of decisions and comments go to: the reviewer of a
/// reviewed set, else the annotator.
fn reviewer_name(annotator: &str) -> &str {
    reviewer_of(annotator).unwrap_or(annotator)
}

/// The annotations a group inserts and the ids it removes, in order: what a bulk pass over
/// the set applies.
fn inserts_and_removes(edits: &[Edit]) -> (Vec<&Arc<Annotation>>, Vec<&AnnotationId>) {
    let mut inserts = Vec::new();
    let mut removes = Vec::new();
    for edit in edits {
        match edit {
            Edit::Insert(a) => inserts.push(a),
            Edit::Remove(id) => removes.push(id),
            _ => {}
        }
    }
    (inserts, removes)
}

impl Drop for Session {
    /// A save still running is finished, so that whoever opens the project next reads it.
    /// The journal goes when everything is saved; else it stays for the next session to
    /// recover.
    fn drop(&mut self) {
        let _ = self.wait_for_save();
        if self.unsaved.is_empty()
            && let Some(journal) = self.journal.take()
        {
            journal.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::review::Decision;
    use crate::model::{AttrValue, Entity, checked_fragments};
    use crate::store::journal::Journal;

    /// Whether a file is gone within a few seconds (a journal replayed into the session's own
    /// is removed by that one's sync thread, once it is synced).
    pub(crate) fn gone(path: &std::path::Path) -> bool {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while path.exists() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        true
    }

    fn session() -> (tempfile::TempDir, Session, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let doc = store
            .add_text("a.txt", "A", "Putin möter Lukashenko i Sotji.\n".to_owned())
            .unwrap();
        (dir, Session::new(store, "anna"), doc)
    }

    /// [`session`] with a second document, "b", whose text is another sentence.
    fn two_documents() -> (tempfile::TempDir, Session, String, String) {
        let (dir, mut s, first) = session();
        let other = s
            .store
            .add_text(
                "b.txt",
                "B",
                "Lukashenko kan få mer än en miljard.\n".to_owned(),
            )
            .unwrap();
        (dir, s, first, other)
    }

    fn person(session: &Session, doc: &str, start: u32, end: u32) -> Annotation {
        let text = &session.store.project.document(doc).unwrap().text;
        Annotation::new("Person", checked_fragments(text, &[(start, end)]).unwrap())
    }

    /// anna's annotations of a document, in the set's order.
    fn anna_set(session: &Session, doc: &str) -> Vec<Arc<Annotation>> {
        session
            .store
            .project
            .set(doc, "anna")
            .map(|set| set.annotations().to_vec())
            .unwrap_or_default()
    }

    /// `n` Persons of three characters, one after the other round the text.
    fn people(session: &Session, doc: &str, n: u32) -> Vec<Annotation> {
        let text = &session.store.project.document(doc).unwrap().text;
        let len = text.len_chars().0;
        (0..n)
            .map(|i| {
                let start = i % (len - 5);
                Annotation::new(
                    "Person",
                    checked_fragments(text, &[(start, start + 3)]).unwrap(),
                )
            })
            .collect()
    }

    fn count(session: &Session, doc: &str) -> usize {
        session
            .store
            .project
            .set(doc, "anna")
            .map_or(0, |s| s.annotations().len())
    }

    #[test]
    fn a_step_over_several_documents_is_undone_and_redone_as_one() {
        let (_dir, mut s, a) = session();
        let b = s
            .store
            .add_text("b.txt", "B", "Lukashenko reste till Sotji.\n".to_owned())
            .unwrap();
        s.apply(&a, vec![Edit::insert(person(&s, &a, 0, 5))])
            .unwrap();
        let groups = vec![
            (a.clone(), vec![Edit::insert(person(&s, &a, 12, 22))]),
            (b.clone(), vec![Edit::insert(person(&s, &b, 0, 10))]),
        ];
        s.apply_all(groups).unwrap();
        assert_eq!((count(&s, &a), count(&s, &b)), (2, 1));
        // Undone from the other document: both documents go back, the earlier step stays.
        assert!(s.undo(&b));
        assert_eq!((count(&s, &a), count(&s, &b)), (1, 0));
        assert!(s.redo(&a));
        assert_eq!((count(&s, &a), count(&s, &b)), (2, 1));
        assert!(s.undo(&a) && s.undo(&a));
        assert_eq!((count(&s, &a), count(&s, &b)), (0, 0));
    }

    #[test]
    fn undoing_the_first_annotation_makes_the_document_not_started_again() {
        let (dir, mut s, doc) = session();
        let status = |s: &Session| s.store.project.set(&doc, "anna").map(|set| set.status);
        s.apply(&doc, vec![Edit::insert(person(&s, &doc, 0, 5))])
            .unwrap();
        assert_eq!(status(&s), Some(Status::InProgress));
        s.apply(&doc, vec![Edit::insert(person(&s, &doc, 12, 22))])
            .unwrap();
        // Undoing a later step leaves the status the first one set.
        assert!(s.undo(&doc));
        assert_eq!(status(&s), Some(Status::InProgress));
        assert!(s.undo(&doc));
        assert_eq!(status(&s), Some(Status::NotStarted));
        assert!(s.redo(&doc));
        assert_eq!(status(&s), Some(Status::InProgress));
        assert!(s.undo(&doc));
        assert!(s.save_now().is_empty());
        let (reopened, problems) = ProjectStore::open(dir.path()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let saved = reopened.project.set(&doc, "anna").map(|set| set.status);
        assert_ne!(saved, Some(Status::InProgress));
        // A status the analyst set stays through the undo of the edits after it.
        assert!(s.redo(&doc));
        s.apply(&doc, vec![Edit::SetStatus(Status::Done)]).unwrap();
        s.apply(&doc, vec![Edit::insert(person(&s, &doc, 12, 22))])
            .unwrap();
        assert!(s.undo(&doc));
        assert_eq!(status(&s), Some(Status::Done));
        // A document with annotations set back to not started: tagging starts it, and the
        // undo of the tag makes it not started again.
        s.apply(&doc, vec![Edit::SetStatus(Status::NotStarted)])
            .unwrap();
        s.apply(&doc, vec![Edit::insert(person(&s, &doc, 12, 22))])
            .unwrap();
        assert_eq!(status(&s), Some(Status::InProgress));
        assert!(s.undo(&doc));
        assert_eq!(status(&s), Some(Status::NotStarted));
        assert!(s.redo(&doc));
        assert_eq!(status(&s), Some(Status::InProgress));
    }

    #[test]
    fn a_step_over_several_documents_is_all_or_nothing() {
        let (_dir, mut s, a) = session();
        let b = s
            .store
            .add_text("b.txt", "B", "Lukashenko reste till Sotji.\n".to_owned())
            .unwrap();
        let bad = Annotation::new("NoSuchLabel", person(&s, &b, 0, 10).fragments.clone());
        let groups = vec![
            (a.clone(), vec![Edit::insert(person(&s, &a, 12, 22))]),
            (b.clone(), vec![Edit::insert(bad)]),
        ];
        let (refused, _) = s.apply_all(groups).unwrap_err();
        assert_eq!(refused, b);
        assert_eq!((count(&s, &a), count(&s, &b)), (0, 0));
        assert!(!s.undo(&a), "nothing was applied, nothing to undo");
    }

    #[test]
    fn undo_and_redo_walk_the_history_per_document() {
        let (_dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::insert(a.clone())]).unwrap();
        s.apply(&doc, vec![Edit::insert(b)]).unwrap();
        let mut changed = a.clone();
        changed.label = "Place".into();
        s.apply(&doc, vec![Edit::replace(changed)]).unwrap();
        assert_eq!(count(&s, &doc), 2);
        assert!(s.undo(&doc));
        assert_eq!(
            s.store
                .project
                .set(&doc, "anna")
                .unwrap()
                .get(&a.id)
                .unwrap()
                .label,
            "Person"
        );
        assert!(s.undo(&doc) && s.undo(&doc));
        assert_eq!(count(&s, &doc), 0);
        assert!(!s.undo(&doc), "nothing left to undo");
        assert!(s.redo(&doc) && s.redo(&doc) && s.redo(&doc));
        assert_eq!(
            s.store
                .project
                .set(&doc, "anna")
                .unwrap()
                .get(&a.id)
                .unwrap()
                .label,
            "Place"
        );
    }

    #[test]
    fn an_invalid_group_changes_nothing() {
        let (_dir, mut s, doc) = session();
        let good = person(&s, &doc, 0, 5);
        let mut bad = person(&s, &doc, 12, 22);
        bad.attributes
            .insert("certainty".into(), AttrValue::Choice("sure".into()));
        let err = s
            .apply(&doc, vec![Edit::insert(good), Edit::insert(bad)])
            .unwrap_err();
        assert!(
            err.to_string().contains("not defined for label \"Person\""),
            "{err}"
        );
        assert_eq!(count(&s, &doc), 0);
        assert!(!s.is_dirty());
        assert_eq!(s.can_undo_redo(&doc), (false, false));
    }

    #[test]
    fn removing_an_entity_still_linked_is_refused() {
        let (_dir, mut s, doc) = session();
        let entity = Entity {
            id: EntityId("vladimir-putin".into()),
            name: "Vladimir Putin".into(),
            label: "Person".into(),
            note: String::new(),
        };
        let mut mention = person(&s, &doc, 0, 5);
        mention.entity = Some(entity.id.clone());
        s.apply(
            &doc,
            vec![
                Edit::UpsertEntity(Box::new(entity.clone())),
                Edit::insert(mention),
            ],
        )
        .unwrap();
        assert!(
            s.apply(&doc, vec![Edit::RemoveEntity(entity.id.clone())])
                .is_err()
        );
        assert!(
            s.store
                .project
                .registry("anna")
                .unwrap()
                .get(&entity.id)
                .is_some()
        );
    }

    /// Autosave waits ten times as long as writing the files to save took the last time,
    /// when that is longer than its delay (a book), up to half a minute: saving takes at most
    /// a tenth of the time. A file not waiting to be saved does not count.
    #[test]
    fn autosave_waits_longer_after_a_slow_save() {
        let (_dir, mut s, doc) = session();
        assert_eq!(s.autosave_delay(), AUTOSAVE_DELAY, "before any save");
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        // A save measures each file it writes.
        assert!(s.save_in_background().is_empty());
        assert!(s.wait_for_save().is_empty());
        let file = set_path(&doc, "anna");
        assert!(s.save_took.get(&file).is_some_and(|t| *t > Duration::ZERO));
        // As a book's save would have taken.
        s.save_took.insert(file.clone(), Duration::from_millis(600));
        assert_eq!(
            s.autosave_delay(),
            AUTOSAVE_DELAY,
            "nothing waits to be saved"
        );
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::insert(b)]).unwrap();
        let now = Instant::now();
        assert_eq!(s.autosave_delay(), Duration::from_secs(6));
        assert!(!s.autosave_due(now + AUTOSAVE_DELAY));
        assert!(!s.autosave_due(now + Duration::from_secs(5)));
        assert!(s.autosave_due(now + Duration::from_secs(7)));
        // The window wakes when it is due, counted from the change.
        let wake = s.autosave_in(now + Duration::from_secs(2));
        assert!(wake <= Duration::from_secs(4) && wake > Duration::from_secs(3));
        s.save_took.insert(file.clone(), Duration::from_secs(20));
        assert_eq!(s.autosave_delay(), AUTOSAVE_MAX_DELAY);
        // Ctrl+S measures too.
        assert!(s.save_now().is_empty());
        assert!(s.save_took[&file] < Duration::from_secs(20));
        assert!(!s.is_dirty());
    }

    #[test]
    fn saves_after_the_delay_and_marks_clean() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        assert!(s.is_dirty());
        assert!(!s.autosave_due(Instant::now()));
        assert!(s.autosave_due(Instant::now() + AUTOSAVE_DELAY));
        assert!(s.save_now().is_empty());
        assert!(!s.is_dirty());
        let (reopened, problems) = ProjectStore::open(dir.path()).unwrap();
        assert!(problems.is_empty());
        assert_eq!(
            reopened
                .project
                .set(&doc, "anna")
                .unwrap()
                .annotations()
                .len(),
            1
        );
    }

    fn saved_count(dir: &std::path::Path, doc: &str) -> usize {
        let (reopened, _) = ProjectStore::open(dir).unwrap();
        reopened
            .project
            .set(doc, "anna")
            .map_or(0, |set| set.annotations().len())
    }

    #[test]
    fn background_saves_keep_edits_made_while_they_run() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        assert!(s.save_in_background().is_empty());
        assert!(s.is_saving());
        // Another edit while the first save runs: it stays dirty for the next save.
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::insert(b)]).unwrap();
        assert!(s.wait_for_save().is_empty());
        assert!(!s.is_saving());
        assert_eq!(saved_count(dir.path(), &doc), 1, "the first save wrote one");
        assert!(s.is_dirty(), "the second edit is still to save");
        assert!(s.save_in_background().is_empty());
        drop(s);
        // Dropping the session finished the save.
        assert_eq!(saved_count(dir.path(), &doc), 2);
    }

    /// The ids of anna's annotations of `doc` as saved on disk.
    fn saved_ids(dir: &std::path::Path, doc: &str) -> BTreeSet<String> {
        let (reopened, problems) = ProjectStore::open(dir).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        reopened
            .project
            .set(doc, "anna")
            .map(|set| {
                set.annotations()
                    .iter()
                    .map(|a| a.id.0.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A save skips reading the file back when its size and time are those of a version
    /// Lector read long enough ago; a colleague's rewrite of the same size, in place, still
    /// has a time of its own and is merged, not written over.
    #[test]
    fn a_save_that_trusts_an_old_files_time_still_merges_a_same_size_rewrite() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        let path = dir.path().join(set_path(&doc, "anna"));
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        // The poll finds the content unchanged and from now on trusts the file's time.
        assert_eq!(s.reload_changed(), Default::default());
        // A colleague's tool renames `a`'s id in place: the same size, a new time.
        let renamed = format!("z{}", &a.id.0[1..]);
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let changed = text.replace(a.id.as_str(), &renamed);
        assert_eq!(changed.len(), text.len());
        let mut file = std::fs::File::options().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut file, changed.as_bytes()).unwrap();
        drop(file);
        let c = person(&s, &doc, 25, 30);
        s.apply(&doc, vec![Edit::insert(c.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        assert_eq!(
            saved_ids(dir.path(), &doc),
            BTreeSet::from([renamed, c.id.0.to_string()]),
            "the colleague's rename and this session's annotation"
        );
    }

    #[test]
    fn a_save_merges_into_what_another_writer_saved_meanwhile() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        // Another window of anna's on the same project adds one and removes `a`'s label
        // change… here: adds one annotation and saves.
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut other = Session::headless(store, "anna");
        let b = person(&other, &doc, 12, 22);
        other.apply(&doc, vec![Edit::insert(b.clone())]).unwrap();
        assert!(other.save_now().is_empty());
        // This window, which never saw `b`, changes `a` and adds `c`.
        let c = person(&s, &doc, 25, 30);
        let mut a2 = a.clone();
        a2.label = "Place".into();
        s.apply(&doc, vec![Edit::insert(c.clone()), Edit::replace(a2)])
            .unwrap();
        assert!(s.save_in_background().is_empty());
        // An edit while that save runs, replayed onto the merged version afterwards.
        s.apply(&doc, vec![Edit::Remove(c.clone().id)]).unwrap();
        assert!(s.wait_for_save().is_empty());
        assert_eq!(s.take_merged(), [set_path(&doc, "anna")]);
        // What the save had started writing before it saw the other writer's file is gone.
        let folder = dir.path().join(set_path(&doc, "anna"));
        let left: Vec<_> = std::fs::read_dir(folder.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            [format!("{doc}.ron")],
            "no temporary file beside the set"
        );
        let set = s.store.project.set(&doc, "anna").unwrap();
        let ids: BTreeSet<String> = set
            .annotations()
            .iter()
            .map(|x| x.id.0.to_string())
            .collect();
        assert_eq!(
            ids,
            BTreeSet::from([a.id.0.to_string(), b.id.0.to_string()])
        );
        assert_eq!(set.get(&a.id).unwrap().label, "Place");
        assert!(s.save_now().is_empty());
        assert_eq!(
            saved_ids(dir.path(), &doc),
            ids,
            "both writers' work on disk"
        );
    }

    #[test]
    fn two_writers_who_drew_the_same_id_both_keep_their_annotation() {
        let (dir, mut s, doc) = session();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut other = Session::headless(store, "anna");
        let theirs = person(&other, &doc, 0, 5);
        let mut mine = person(&s, &doc, 12, 22);
        mine.id = theirs.id.clone();
        other
            .apply(&doc, vec![Edit::insert(theirs.clone())])
            .unwrap();
        assert!(other.save_now().is_empty());
        s.apply(&doc, vec![Edit::insert(mine.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        let (reopened, _) = ProjectStore::open(dir.path()).unwrap();
        let set = reopened.project.set(&doc, "anna").unwrap();
        assert_eq!(set.len(), 2, "neither replaced the other");
        assert_eq!(set.get(&theirs.id), Some(&theirs));
        assert!(
            set.iter()
                .any(|a| a.fragments == mine.fragments && a.id != mine.id)
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_never_written_over() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        assert!(s.save_now().is_empty());
        let file = dir.path().join(set_path(&doc, "anna"));
        let theirs = std::fs::read_to_string(&file).unwrap();
        let half = &theirs[..theirs.len() / 2];
        std::fs::write(&file, half).unwrap();
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::insert(b)]).unwrap();
        let errors = s.save_now();
        assert!(
            matches!(errors.as_slice(), [StoreError::CannotMerge { .. }]),
            "{errors:?}"
        );
        let message = errors[0].to_string();
        assert!(message.contains("your changes are kept"), "{message}");
        assert!(
            message.contains("annotations/anna/"),
            "names the file: {message}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), half);
        assert!(
            s.is_dirty(),
            "kept to save once the file is mended or overwritten"
        );
        s.keep_mine(&set_path(&doc, "anna"));
        assert!(s.save_now().is_empty());
        assert_eq!(saved_ids(dir.path(), &doc).len(), 2);
    }

    /// A save that fails hands back the edits it included, ahead of those made since: when
    /// the file is next found changed by another writer, all of them are replayed onto it.
    #[test]
    fn the_edits_of_a_failed_save_are_replayed_once_the_file_is_mended() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        let file = dir.path().join(set_path(&doc, "anna"));
        let theirs = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, &theirs[..theirs.len() / 2]).unwrap();
        let b = person(&s, &doc, 12, 22);
        let noted = |note: &str| {
            let mut b = b.clone();
            b.note = note.into();
            Edit::replace(b)
        };
        s.apply(&doc, vec![Edit::insert(b.clone())]).unwrap();
        s.apply(&doc, vec![noted("first")]).unwrap();
        // The file is read back on the save thread, which finds it cut short; edits made
        // meanwhile go after the save's, which are put back before them.
        assert!(
            s.save_in_background().is_empty(),
            "it fails on the save thread"
        );
        let c = person(&s, &doc, 23, 30);
        s.apply(&doc, vec![Edit::insert(c.clone())]).unwrap();
        s.apply(&doc, vec![noted("second")]).unwrap();
        assert!(!s.wait_for_save().is_empty());
        // Mended by another writer, differently from what this session last wrote.
        assert!(theirs.contains("status: InProgress"));
        std::fs::write(&file, theirs.replace("status: InProgress", "status: Done")).unwrap();
        assert!(s.save_now().is_empty());
        assert_eq!(
            saved_ids(dir.path(), &doc),
            [a, b.clone(), c]
                .iter()
                .map(|x| x.id.0.to_string())
                .collect()
        );
        let (reopened, _) = ProjectStore::open(dir.path()).unwrap();
        let set = reopened.project.set(&doc, "anna").unwrap();
        let saved = set.annotations().iter().find(|x| x.id == b.id).unwrap();
        assert_eq!(saved.note, "second", "the edits replayed in the order made");
    }

    /// Writes a journal as a crashed session would have left it, for a session to recover.
    fn crashed_journal(dir: &std::path::Path, doc: &str, edits: &[Edit]) -> PathBuf {
        crashed_journal_of(dir, &[(doc, edits)])
    }

    /// [`crashed_journal`] with the edits of several documents, in this order.
    fn crashed_journal_of(dir: &std::path::Path, steps: &[(&str, &[Edit])]) -> PathBuf {
        let (store, _) = ProjectStore::open(dir).unwrap();
        let mut journal = Journal::create(dir, "anna").unwrap();
        for &(doc, edits) in steps {
            let text = store.project.document(doc).unwrap().text.clone();
            journal.append(&text, doc, edits).unwrap();
        }
        let path = journal.path().to_path_buf();
        // Dropped without removing: its lock goes, as when the process is killed. A child that
        // another test's thread forked just now may hold the lock until it execs: wait for it.
        drop(journal);
        let orphaned = (0..500).any(|_| {
            let found = crate::store::journal::orphans(dir, "anna").contains(&path);
            if !found {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            found
        });
        assert!(orphaned, "nothing else holds the journal's lock");
        path
    }

    /// A journalled step that is refused whole (one of its annotations links an entity the
    /// registry has not got) is replayed edit by edit: what can be applied is, the rest is
    /// named, and the recovery is still one undo step.
    #[test]
    fn a_journalled_step_refused_whole_keeps_what_can_be_applied() {
        let (dir, s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        let b = person(&s, &doc, 6, 11);
        let mut linked = person(&s, &doc, 12, 22);
        linked.entity = Some(crate::model::EntityId("nobody".into()));
        drop(s);
        crashed_journal(
            dir.path(),
            &doc,
            &[
                Edit::insert(a.clone()),
                Edit::insert(linked),
                Edit::insert(b.clone()),
            ],
        );
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert_eq!(recovery.edits, 2);
        assert_eq!(recovery.problems.len(), 1, "{:?}", recovery.problems);
        assert!(
            recovery.problems[0].contains("nobody"),
            "{:?}",
            recovery.problems
        );
        let ids: Vec<_> = anna_set(&s, &doc).iter().map(|x| x.id.clone()).collect();
        assert_eq!(ids, [a.id, b.id]);
        assert!(s.undo(&doc));
        assert_eq!(count(&s, &doc), 0, "one undo step");
    }

    #[test]
    fn a_crashed_sessions_journal_is_replayed_as_one_undo_step() {
        let (dir, s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        let b = person(&s, &doc, 12, 22);
        let mut a2 = a.clone();
        a2.note = "checked".into();
        drop(s);
        let path = crashed_journal(
            dir.path(),
            &doc,
            &[Edit::insert(a.clone()), Edit::insert(b), Edit::replace(a2)],
        );
        // Torn last line: the edit that was being written when the process died.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"document\":\"x\",\"ed");
        std::fs::write(&path, bytes).unwrap();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert_eq!(recovery.edits, 3);
        assert_eq!(recovery.documents, std::slice::from_ref(&doc));
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        assert!(
            gone(&path),
            "the old journal is gone once ours, which holds the edits, is synced"
        );
        assert_eq!(count(&s, &doc), 2);
        assert_eq!(
            s.store
                .project
                .set(&doc, "anna")
                .unwrap()
                .get(&a.id)
                .unwrap()
                .note,
            "checked"
        );
        assert!(s.undo(&doc), "one step");
        assert_eq!(count(&s, &doc), 0);
        assert!(s.redo(&doc));
        assert!(s.save_now().is_empty());
        assert_eq!(saved_ids(dir.path(), &doc).len(), 2);
        drop(s);
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        assert!(
            Session::new(store, "anna").recover().is_none(),
            "nothing twice"
        );
    }

    /// [`two_documents`] where the second has one annotation saved, then one more left only
    /// in the journal of a session that crashed: the project folder, the two documents and
    /// that journal.
    fn saved_then_crashed_on_the_second() -> (tempfile::TempDir, String, String, PathBuf) {
        let (dir, mut s, first, other) = two_documents();
        s.apply(&other, vec![Edit::insert(person(&s, &other, 0, 10))])
            .unwrap();
        assert!(s.save_now().is_empty());
        let unsaved = person(&s, &other, 15, 18);
        drop(s);
        let path = crashed_journal(dir.path(), &other, &[Edit::insert(unsaved)]);
        (dir, first, other, path)
    }

    /// A crash left edits of a document whose file the app has not read yet when it opens
    /// again (it reads the first document first, the rest on another thread): they are
    /// replayed, not dropped with the journal.
    #[test]
    fn a_journal_of_a_document_not_read_yet_is_replayed() {
        let (dir, first, other, path) = saved_then_crashed_on_the_second();
        let (store, _) = ProjectStore::open_first(dir.path(), Some(&first)).unwrap();
        assert!(!store.is_loaded(&other), "the other document is read later");
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        assert_eq!(recovery.edits, 1);
        assert!(gone(&path), "ours holds the edit now");
        assert!(s.store.load_remaining().is_empty());
        assert_eq!(
            count(&s, &other),
            2,
            "the saved annotation and the recovered one"
        );
        assert!(s.save_now().is_empty());
        assert_eq!(saved_ids(dir.path(), &other).len(), 2);
    }

    /// A document not read yet whose file turns out damaged when recovery reads it: its
    /// problem is reported as the file's (it stays read-only), and the edit is kept.
    #[test]
    fn a_damaged_file_read_by_recovery_is_reported_and_its_edit_kept() {
        let (dir, first, other, path) = saved_then_crashed_on_the_second();
        let file = dir.path().join(crate::store::set_path(&other, "anna"));
        std::fs::write(&file, b"(format_version: 2, annotations: [oops").unwrap();
        let (store, _) = ProjectStore::open_first(dir.path(), Some(&first)).unwrap();
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert_eq!(recovery.edits, 0);
        assert!(
            recovery
                .file_problems
                .iter()
                .any(|p| p.file == crate::store::set_path(&other, "anna")),
            "{:?}",
            recovery.file_problems
        );
        assert!(path.exists(), "the edit is kept");
    }

    /// Edits a crash left for a file that is read-only when the project opens again (here
    /// damaged by hand) are not replayed onto it, and not dropped either: their journal keeps
    /// them, and only them (the edits of another document it replayed are taken out, so an
    /// undo of those is not undone at the next start). Once the file is mended on disk they
    /// are replayed in the same session, before anything else is done to it.
    #[test]
    fn edits_that_cannot_be_replayed_yet_stay_in_their_journal() {
        let (dir, mut s, doc, other) = two_documents();
        s.apply(&doc, vec![Edit::insert(person(&s, &doc, 0, 5))])
            .unwrap();
        assert!(s.save_now().is_empty());
        let unsaved = person(&s, &doc, 12, 22);
        let elsewhere = person(&s, &other, 0, 10);
        drop(s);
        // One journal with an edit of each document.
        let path = crashed_journal_of(
            dir.path(),
            &[
                (&doc, &[Edit::insert(unsaved.clone())]),
                (&other, &[Edit::insert(elsewhere.clone())]),
            ],
        );
        let file = dir.path().join(crate::store::set_path(&doc, "anna"));
        let good = std::fs::read(&file).unwrap();
        std::fs::write(&file, b"(format_version: 2, annotations: [oops").unwrap();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert_eq!(
            recovery.edits, 1,
            "the other document's: {:?}",
            recovery.problems
        );
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        assert!(
            recovery
                .kept
                .iter()
                .any(|p| p.contains("1 edit not replayed yet")
                    && p.contains("replayed once the file can be written")),
            "{:?}",
            recovery.kept
        );
        assert!(path.exists(), "the journal keeps the edit");
        assert_eq!(
            super::journal::documents_of(&path),
            BTreeSet::from([doc.clone()]),
            "and only the edit not replayed"
        );
        // The recovered edit undone and saved stays undone.
        assert!(s.undo(&other));
        assert!(s.save_now().is_empty());
        assert!(
            s.recover_kept()
                .unwrap()
                .kept
                .iter()
                .any(|p| p.contains("not replayed yet"))
        );
        // The file mended on disk: the next look at the disk replays the kept edit.
        std::fs::write(&file, good).unwrap();
        s.reload_changed();
        let recovery = s.recover_kept().unwrap();
        assert_eq!(recovery.edits, 1, "{:?}", recovery.problems);
        assert!(gone(&path));
        assert!(s.recover_kept().is_none());
        assert!(
            s.store
                .project
                .set(&doc, "anna")
                .unwrap()
                .get(&unsaved.id)
                .is_some(),
            "the edit is back"
        );
        assert!(s.save_now().is_empty());
        drop(s);
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        assert!(s.recover().is_none(), "nothing twice");
        assert!(
            s.store
                .project
                .set(&other, "anna")
                .is_none_or(|set| set.get(&elsewhere.id).is_none()),
            "the undone edit stays undone"
        );
    }

    /// A big step is written to the journal alongside being applied: it is all there once it
    /// shows, and a refused one leaves nothing behind, not even its first lines.
    #[test]
    fn a_big_step_is_journalled_whole_and_a_refused_one_not_at_all() {
        let (dir, mut s, doc) = session();
        let first = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(first)]).unwrap();
        let journal = s.journal.as_ref().unwrap().path().to_owned();
        let before = std::fs::read(&journal).unwrap();
        assert!(!before.is_empty());
        let n = JOURNAL_ALONGSIDE as u32 + 10;
        for bad_at in [0, n - 1] {
            let mut bad = people(&s, &doc, n);
            bad[bad_at as usize].label = "No such label".into();
            let refused = s.apply(&doc, bad.into_iter().map(Edit::insert).collect());
            assert!(refused.is_err(), "a label the schema lacks");
            assert_eq!(
                std::fs::read(&journal).unwrap(),
                before,
                "the refused step's lines are taken out again"
            );
        }
        s.apply(
            &doc,
            people(&s, &doc, n).into_iter().map(Edit::insert).collect(),
        )
        .unwrap();
        assert_eq!(count(&s, &doc), 1 + n as usize);
        // The process dies right after: its journal as it is on disk is what the next
        // session finds.
        let crashed = journal.with_file_name("anna.1-00000000.jsonl");
        std::fs::copy(&journal, &crashed).unwrap();
        drop(s);
        std::fs::remove_file(&journal).unwrap();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        let recovery = s.recover().unwrap();
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        assert_eq!(count(&s, &doc), 1 + n as usize, "every annotation is back");
    }

    #[test]
    fn a_journal_of_edits_that_were_saved_replays_to_nothing() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a.clone())]).unwrap();
        assert!(s.save_now().is_empty());
        drop(s);
        // Killed after the save but before the journal was emptied.
        crashed_journal(dir.path(), &doc, &[Edit::insert(a)]);
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let mut s = Session::new(store, "anna");
        assert!(s.recover().is_none());
        assert!(!s.is_dirty());
    }

    #[test]
    fn a_live_sessions_journal_is_not_taken_by_another() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        assert!(Session::new(store, "anna").recover().is_none());
        assert!(s.save_now().is_empty());
    }

    #[test]
    fn undoing_a_new_entity_keeps_it_for_other_documents_that_link_it() {
        let (_dir, mut s, doc) = session();
        let other = s
            .store
            .add_text("b.txt", "B", "Putin talar.\n".to_owned())
            .unwrap();
        let entity = Entity {
            id: EntityId("vladimir-putin".into()),
            name: "Vladimir Putin".into(),
            label: "Person".into(),
            note: String::new(),
        };
        let mut here = person(&s, &doc, 0, 5);
        here.entity = Some(entity.id.clone());
        s.apply(
            &doc,
            vec![
                Edit::UpsertEntity(Box::new(entity.clone())),
                Edit::insert(here),
            ],
        )
        .unwrap();
        let mut there = person(&s, &other, 0, 5);
        there.entity = Some(entity.id.clone());
        s.apply(&other, vec![Edit::insert(there)]).unwrap();
        assert!(s.undo(&doc));
        assert_eq!(count(&s, &doc), 0);
        let registry = s.store.project.registry("anna").unwrap();
        assert!(
            registry.get(&entity.id).is_some(),
            "still linked from {other}"
        );
        // Removing it outright is refused, naming the document that links it.
        let err = s
            .apply(&doc, vec![Edit::RemoveEntity(entity.id.clone())])
            .unwrap_err();
        assert!(err.to_string().contains(&other), "{err}");
        assert!(s.save_now().is_empty());
    }

    #[test]
    fn the_annotator_stays_when_their_work_cannot_be_saved() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a)]).unwrap();
        assert!(s.save_now().is_empty());
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::insert(b)]).unwrap();
        let file = dir.path().join(set_path(&doc, "anna"));
        std::fs::write(&file, "(format_version: 1, garbage").unwrap();
        assert!(s.set_annotator("erik").is_err());
        assert_eq!(s.annotator(), "anna");
        assert!(s.is_dirty());
    }

    /// A group big enough to be checked on two threads is refused for one bad annotation
    /// wherever it is, with that annotation's problem, and leaves the set as it was.
    #[test]
    fn a_big_group_is_refused_for_one_bad_annotation_in_either_half() {
        let (_dir, mut s, doc) = session();
        let many = people(&s, &doc, PARALLEL_CHECKS as u32 + 100);
        for at in [3, many.len() - 3] {
            let mut group = many.clone();
            group[at].label = "Nonsense".into();
            let err = s
                .apply(&doc, group.into_iter().map(Edit::insert).collect())
                .unwrap_err();
            assert!(err.to_string().contains("Nonsense"), "{err}");
            assert_eq!(count(&s, &doc), 0, "bad one at {at}");
        }
        s.apply(&doc, many.into_iter().map(Edit::insert).collect())
            .unwrap();
        assert_eq!(count(&s, &doc), PARALLEL_CHECKS + 100);
    }

    /// A bulk step few for its set (a tag-all of hundreds in a book, its undo, a mix) is told
    /// to views change by change: applied in order to the set as it was, its changes make
    /// the set as it is, each removal and insert at the place it says.
    #[test]
    fn a_bulk_step_few_for_its_set_is_told_change_by_change() {
        let (_dir, mut s, _) = session();
        let text: String = (0..5000).map(|i| format!("ord{i:04} ")).collect();
        let doc = s.store.add_text("big.txt", "Big", text).unwrap();
        let tags = |s: &Session, from: u32, n: u32| -> Vec<Annotation> {
            let text = &s.store.project.document(&doc).unwrap().text;
            (0..n)
                .map(|i| {
                    let start = (from + i * 37) % 39_000;
                    Annotation::new(
                        "Person",
                        checked_fragments(text, &[(start, start + 5)]).unwrap(),
                    )
                })
                .collect()
        };
        let all = tags(&s, 0, 4000);
        s.apply(&doc, all.into_iter().map(Edit::insert).collect())
            .unwrap();
        assert!(s.last_changes().is_none(), "big for its set: views rebuild");
        let follow = |s: &Session, before: Vec<Arc<Annotation>>, what: &str| {
            let (changed, changes) = s.last_changes().expect(what);
            assert_eq!(changed, doc);
            let mut model = before;
            for change in changes {
                match change {
                    SetChange::Removed { at, annotation, .. } => {
                        let gone = model.remove(*at);
                        assert!(
                            std::ptr::eq(Arc::as_ptr(&gone), annotation.as_ptr()),
                            "{what}"
                        );
                    }
                    SetChange::Inserted { at, annotation, .. } => {
                        model.insert(*at, Arc::clone(annotation));
                    }
                }
            }
            let after = anna_set(s, &doc);
            assert_eq!(model.len(), after.len(), "{what}");
            assert!(
                model.iter().zip(&after).all(|(m, a)| Arc::ptr_eq(m, a)),
                "{what}"
            );
            changes.len()
        };
        let before = anna_set(&s, &doc);
        let hundred = tags(&s, 11, 100);
        s.apply(&doc, hundred.iter().cloned().map(Edit::insert).collect())
            .unwrap();
        assert_eq!(follow(&s, before, "a hundred tags"), 100);
        let before = anna_set(&s, &doc);
        assert!(s.undo(&doc));
        assert_eq!(follow(&s, before, "their undo"), 100);
        // Removals and inserts in one step.
        let before = anna_set(&s, &doc);
        let mut mixed: Vec<Edit> = before
            .iter()
            .step_by(80)
            .map(|a| Edit::Remove(a.id.clone()))
            .collect();
        mixed.extend(tags(&s, 23, 60).into_iter().map(Edit::insert));
        let n = mixed.len();
        s.apply(&doc, mixed).unwrap();
        assert_eq!(follow(&s, before.clone(), "removals and inserts"), n);
        // The few removed among many (found by id, not by a pass) come back with the undo.
        assert!(s.undo(&doc));
        let back = anna_set(&s, &doc);
        assert_eq!(back.len(), before.len());
        assert!(back.iter().zip(&before).all(|(a, b)| Arc::ptr_eq(a, b)));
    }

    #[test]
    fn a_bulk_step_applies_undoes_and_refuses_as_a_whole() {
        let (_dir, mut s, doc) = session();
        let many = people(&s, &doc, 200);
        let single = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(single.clone())]).unwrap();
        // A duplicate id refuses the whole group.
        let mut bad = many.clone();
        bad.push(single.clone());
        let edits: Vec<Edit> = bad.into_iter().map(Edit::insert).collect();
        assert!(s.apply(&doc, edits).is_err());
        assert_eq!(count(&s, &doc), 1);
        let edits: Vec<Edit> = many.iter().cloned().map(Edit::insert).collect();
        s.apply(&doc, edits).unwrap();
        assert_eq!(count(&s, &doc), 201);
        assert!(
            s.last_changes().is_none(),
            "views rebuild after a bulk step"
        );
        let set = s.store.project.set(&doc, "anna").unwrap();
        assert!(many.iter().all(|a| set.get(&a.id) == Some(a)));
        assert!(s.undo(&doc));
        assert_eq!(count(&s, &doc), 1);
        assert!(s.redo(&doc));
        assert_eq!(count(&s, &doc), 201);
        // A bulk removal of every other one, undone: the set is again what it was, in order.
        let before = anna_set(&s, &doc);
        let removes: Vec<Edit> = many
            .iter()
            .step_by(2)
            .rev()
            .map(|a| Edit::Remove(a.id.clone()))
            .collect();
        s.apply(&doc, removes.clone()).unwrap();
        assert_eq!(count(&s, &doc), 101);
        let set = s.store.project.set(&doc, "anna").unwrap();
        assert!(many.iter().step_by(2).all(|a| set.get(&a.id).is_none()));
        assert!(
            many.iter()
                .skip(1)
                .step_by(2)
                .all(|a| set.get(&a.id) == Some(a))
        );
        assert!(s.undo(&doc));
        assert_eq!(anna_set(&s, &doc), before);
        assert!(s.redo(&doc));
        assert_eq!(count(&s, &doc), 101);
        assert!(s.undo(&doc));
        assert_eq!(anna_set(&s, &doc), before);
        // One id that is not there refuses the whole removal.
        let mut missing = removes;
        missing.push(Edit::Remove(AnnotationId::from("no-such-id".to_owned())));
        assert!(s.apply(&doc, missing).is_err());
        assert_eq!(anna_set(&s, &doc), before);
        assert!(s.save_now().is_empty());
    }

    /// Many decisions taken back at once (undoing a review's start) go as one pass, and as
    /// one by one would: one that is not there refuses them all, and undo puts every one
    /// back; beside other edits, the refusal named and the inverse's order are those of one
    /// by one, for decisions made too. A refused group, bulk or not, hands its edits back as
    /// they were given; a bulk removal of one id twice is refused as one by one would.
    #[test]
    fn many_decisions_taken_back_at_once_go_whole_or_not_at_all() {
        use crate::model::review::Choice;
        let (_dir, mut s, doc) = session();
        let decision = |i: u32| {
            Arc::new(Decision {
                sources: [("erik", AnnotationId::from(format!("e{i}")))]
                    .into_iter()
                    .collect(),
                start: CharOffset(i),
                end: CharOffset(i + 1),
                kind: "only in one".to_owned(),
                choice: Choice::Neither,
                result: Vec::new(),
                note: String::new(),
                at: jiff::Timestamp::UNIX_EPOCH,
            })
        };
        let decisions: Vec<Arc<Decision>> = (0..100).map(decision).collect();
        s.apply(&doc, decisions.iter().cloned().map(Edit::Decide).collect())
            .unwrap();
        let held = |s: &Session| {
            s.store
                .project
                .review(&doc, "anna")
                .map(|r| r.decisions.clone())
                .unwrap_or_default()
        };
        let before = held(&s);
        assert_eq!(before.len(), 100);
        let undecide: Vec<Edit> = decisions
            .iter()
            .map(|d| Edit::Undecide(d.sources.clone()))
            .collect();
        let mut with_unknown = undecide.clone();
        with_unknown.insert(50, Edit::Undecide(decision(1000).sources.clone()));
        match s.apply_or_return(&doc, with_unknown.clone()) {
            Err((err, returned)) => {
                assert!(err.to_string().contains("no such decision"), "{err}");
                assert_eq!(returned, with_unknown, "the edits as given");
            }
            Ok(_) => panic!("a decision that is not there is refused"),
        }
        assert_eq!(held(&s), before, "nothing taken back");
        s.apply(&doc, undecide.clone()).unwrap();
        assert!(held(&s).is_empty());
        assert!(s.undo(&doc));
        assert_eq!(held(&s), before);
        assert!(s.redo(&doc));
        assert!(held(&s).is_empty());
        // Beside an edit that fails, or one of another kind, they go one by one: the
        // refusal names the first edit refused, in order, and the inverse is in order.
        s.undo(&doc);
        assert_eq!(held(&s), before);
        let mut failing = vec![Edit::Undecide(decision(1000).sources.clone())];
        failing.extend(undecide.iter().cloned());
        failing.push(Edit::Remove(AnnotationId::from("no-such-id".to_owned())));
        match s.apply_or_return(&doc, failing.clone()) {
            Err((err, returned)) => {
                assert!(err.to_string().contains("no such decision"), "{err}");
                assert_eq!(returned, failing);
            }
            Ok(_) => panic!("refused"),
        }
        assert_eq!(held(&s), before);
        let comment = Comment {
            annotator: "erik".to_owned(),
            annotation: AnnotationId::from("e1".to_owned()),
            text: "see the source".to_owned(),
            at: jiff::Timestamp::UNIX_EPOCH,
        };
        let mut with_comment = undecide.clone();
        with_comment.push(Edit::Comment(Box::new(comment.clone())));
        let inverse = s.apply_or_return(&doc, with_comment).unwrap();
        assert!(
            matches!(inverse.first(), Some(Edit::Comment(_))),
            "the last edit's inverse first"
        );
        assert_eq!(inverse.len(), 101);
        assert!(held(&s).is_empty());
        // The same for many decisions made beside a comment.
        let mut decide_and_comment: Vec<Edit> =
            decisions.iter().cloned().map(Edit::Decide).collect();
        decide_and_comment.push(Edit::Comment(Box::new(Comment {
            text: "again".to_owned(),
            ..comment
        })));
        let inverse = s.apply_or_return(&doc, decide_and_comment).unwrap();
        assert!(matches!(inverse.first(), Some(Edit::Comment(_))));
        assert_eq!(held(&s), before);
        // A group refused half way through, one by one, also comes back whole.
        let one = person(&s, &doc, 0, 5);
        let group = vec![
            Edit::insert(one.clone()),
            Edit::Remove(AnnotationId::from("no-such-id".to_owned())),
            Edit::SetStatus(Status::Done),
        ];
        match s.apply_or_return(&doc, group.clone()) {
            Err((_, returned)) => assert_eq!(returned, group),
            Ok(_) => panic!("a missing id is refused"),
        }
        assert_eq!(count(&s, &doc), 0);
        // So does a bulk group refused after its pass: for an id twice, and for an
        // annotation that does not validate.
        let many = people(&s, &doc, 100);
        let mut twice: Vec<Edit> = many.iter().cloned().map(Edit::insert).collect();
        twice.push(Edit::insert(many[7].clone()));
        let mut unknown_label: Vec<Edit> = many.iter().cloned().map(Edit::insert).collect();
        let mut odd = person(&s, &doc, 1, 4);
        odd.label = "NoSuchLabel".into();
        unknown_label.insert(30, Edit::insert(odd));
        s.apply(&doc, many.iter().cloned().map(Edit::insert).collect())
            .unwrap();
        let mut remove_twice: Vec<Edit> = many.iter().map(|a| Edit::Remove(a.id.clone())).collect();
        remove_twice.push(Edit::Remove(many[3].id.clone()));
        match s.apply_or_return(&doc, remove_twice.clone()) {
            Err((err, returned)) => {
                assert!(err.to_string().contains(many[3].id.as_str()), "{err}");
                assert_eq!(returned, remove_twice);
            }
            Ok(_) => panic!("one by one, the second removal finds nothing"),
        }
        assert_eq!(count(&s, &doc), 100);
        assert!(s.undo(&doc));
        for group in [twice, unknown_label] {
            match s.apply_or_return(&doc, group.clone()) {
                Err((_, returned)) => assert_eq!(returned, group),
                Ok(_) => panic!("refused"),
            }
            assert_eq!(count(&s, &doc), 0);
        }
    }

    /// A set with an id twice (a hand-edited file, which the app only shows, read-only): a
    /// big step refused in the end leaves it as it was, twins and all.
    #[test]
    fn a_big_step_refused_on_a_set_with_twins_leaves_it_whole() {
        let (_dir, mut s, doc) = session();
        let many = people(&s, &doc, 200);
        let edits: Vec<Edit> = many.iter().cloned().map(Edit::insert).collect();
        s.apply(&doc, edits).unwrap();
        let mut twin = many[10].clone();
        twin.fragments = person(&s, &doc, 20, 26).fragments;
        s.store.project.set_mut(&doc, "anna").insert(twin);
        let before = anna_set(&s, &doc);
        assert_eq!(before.len(), 201);
        let removes: Vec<Edit> = many[..100]
            .iter()
            .map(|a| Edit::Remove(a.id.clone()))
            .collect();
        // Refused (a label the schema lacks): nothing of it stays.
        let mut bad = removes;
        bad.push(Edit::insert(Annotation::new(
            "NoSuchLabel",
            person(&s, &doc, 0, 5).fragments,
        )));
        assert!(s.apply(&doc, bad).is_err());
        assert_eq!(anna_set(&s, &doc), before);
    }

    #[test]
    fn each_step_reports_what_it_did_to_the_set() {
        let (_dir, mut s, doc) = session();
        assert!(s.last_changes().is_none());
        let a = person(&s, &doc, 12, 22);
        let b = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::insert(a.clone()), Edit::insert(b)])
            .unwrap();
        let (changed, changes) = s.last_changes().unwrap();
        assert_eq!(changed, doc);
        let at: Vec<_> = changes
            .iter()
            .map(|c| match c {
                SetChange::Inserted { at, .. } => ("in", *at),
                SetChange::Removed { at, .. } => ("out", *at),
            })
            .collect();
        assert_eq!(at, vec![("in", 0), ("in", 0)], "b went in before a");
        assert!(s.undo(&doc));
        let (_, changes) = s.last_changes().unwrap();
        assert_eq!(changes.len(), 2);
        assert!(
            changes
                .iter()
                .all(|c| matches!(c, SetChange::Removed { .. }))
        );
        // A refused step leaves nothing for views to follow.
        let before = s.revision();
        let bad = Annotation::new("NoSuchLabel", a.fragments.clone());
        assert!(s.apply(&doc, vec![Edit::insert(bad)]).is_err());
        assert_eq!(s.revision(), before);
        assert!(s.last_changes().is_none());
    }
}
