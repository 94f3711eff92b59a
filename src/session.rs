//! An editing session: the one place where changes are applied, undone and saved.
//!
//! The GUI turns every user action into [`Edit`]s and hands them to [`Session::apply`]; the
//! session applies them to the project, records their inverse for undo (per document, kept
//! across switching documents), marks the files dirty and saves them shortly afterwards.
//! Never imports egui or eframe: tests and benchmarks drive it directly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::model::review::{Comment, Decision, Sources, reviewer_of};
use crate::model::validate::annotation_problems;
use crate::model::{
    Annotation, AnnotationId, AttrValue, CharOffset, Entity, EntityId, Fragment, Status,
};
use crate::store::{
    DiskChanges, PendingWrite, ProjectStore, StoreError, WriteDone, entities_path, review_path,
    set_path,
};

/// How long after the last change the session saves.
pub const AUTOSAVE_DELAY: Duration = Duration::from_millis(750);

/// One invertible change to an annotator's work on a document.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Add an annotation.
    Insert(Annotation),
    /// Remove the annotation with this id.
    Remove(AnnotationId),
    /// Replace the annotation with the same id.
    Replace(Annotation),
    /// Set the annotator's progress on the document.
    SetStatus(Status),
    /// Add or change a canonical entity.
    UpsertEntity(Entity),
    /// Remove a canonical entity.
    RemoveEntity(EntityId),
    /// Record (or replace) a reviewer's decision; the reviewer is the one whose reviewed set
    /// the session edits (`review.<reviewer>`), else the annotator.
    Decide(Decision),
    /// Remove the decision about these annotations.
    Undecide(Sources),
    /// Set a reviewer's comment on an annotator's annotation (an empty text removes it).
    Comment(Comment),
}

/// What one edit did to the list of annotations of the annotator's set, in the order the edits
/// ran, so that views can update what they derive instead of rebuilding it.
#[derive(Clone, Debug, PartialEq)]
pub enum SetChange {
    /// An annotation with this label and these fragments was inserted at this index.
    Inserted {
        /// Index in the set after the insertion.
        at: usize,
        /// Its label.
        label: String,
        /// Its fragments.
        fragments: Vec<Fragment>,
    },
    /// The annotation at this index, with these fragments, was removed.
    Removed {
        /// Index in the set before the removal.
        at: usize,
        /// Its fragments.
        fragments: Vec<Fragment>,
    },
}

/// Undo and redo stacks of one document. Each step is a group of edits undone together.
#[derive(Debug, Default)]
struct History {
    undo: Vec<Vec<Edit>>,
    redo: Vec<Vec<Edit>>,
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

/// A project opened for editing by one annotator.
#[derive(Debug)]
pub struct Session {
    /// The project and its files.
    pub store: ProjectStore,
    /// Who is annotating.
    annotator: String,
    histories: BTreeMap<String, History>,
    dirty_sets: BTreeSet<String>,
    dirty_entities: bool,
    /// Documents whose review (decisions, comments) waits to be saved.
    dirty_reviews: BTreeSet<String>,
    last_change: Option<Instant>,
    /// Bumped on every change, so views know when to rebuild what they derive.
    revision: u64,
    /// A save running on another thread: the files it writes, and the thread.
    saving: Option<std::thread::JoinHandle<Vec<WriteDone>>>,
    /// The document and the set changes of the step that made `revision`; empty when the
    /// last change was of another kind (views then rebuild).
    changes: (String, Vec<SetChange>),
}

impl Session {
    /// Starts a session.
    pub fn new(store: ProjectStore, annotator: impl Into<String>) -> Self {
        Self {
            store,
            annotator: annotator.into(),
            histories: BTreeMap::new(),
            dirty_sets: BTreeSet::new(),
            dirty_entities: false,
            dirty_reviews: BTreeSet::new(),
            last_change: None,
            revision: 0,
            changes: (String::new(), Vec::new()),
            saving: None,
        }
    }

    /// Who is annotating.
    pub fn annotator(&self) -> &str {
        &self.annotator
    }

    /// Switches the annotator, saving the previous one's work first.
    pub fn set_annotator(&mut self, annotator: impl Into<String>) -> Vec<StoreError> {
        let errors = self.save_now();
        self.annotator = annotator.into();
        self.histories.clear();
        self.bump_revision();
        errors
    }

    /// Bumped on every change.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Marks a change that views cannot follow step by step (another annotator, a reload):
    /// they rebuild what they derive.
    pub fn bump_revision(&mut self) {
        self.revision += 1;
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
            .read_only_reason(&set_path(document, &self.annotator))
            .map(str::to_owned)
    }

    /// Applies a group of edits to a document as one undo step. Validates each annotation
    /// exactly as `lector check` does; on error nothing changes.
    pub fn apply(&mut self, document: &str, edits: Vec<Edit>) -> Result<(), EditError> {
        if edits.is_empty() {
            return Ok(());
        }
        if let Some(reason) = self.read_only_reason(document) {
            return Err(EditError::ReadOnly(reason));
        }
        let reviews = edits
            .iter()
            .any(|e| matches!(e, Edit::Decide(_) | Edit::Undecide(_) | Edit::Comment(_)));
        let review_file = review_path(document, reviewer_name(&self.annotator));
        if let Some(reason) = reviews
            .then(|| self.store.read_only_reason(&review_file))
            .flatten()
        {
            return Err(EditError::ReadOnly(reason.to_owned()));
        }
        let inverse = self.apply_raw(document, edits)?;
        let history = self.histories.entry(document.to_owned()).or_default();
        history.undo.push(inverse);
        history.redo.clear();
        Ok(())
    }

    /// Undoes the last step on a document. Returns false if there was nothing to undo.
    pub fn undo(&mut self, document: &str) -> bool {
        self.step(document, true)
    }

    /// Redoes the last undone step on a document.
    pub fn redo(&mut self, document: &str) -> bool {
        self.step(document, false)
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
        let Some(edits) = stack.pop() else {
            return false;
        };
        match self.apply_raw(document, edits.clone()) {
            Ok(inverse) => {
                let history = self.histories.entry(document.to_owned()).or_default();
                if undo {
                    history.redo.push(inverse);
                } else {
                    history.undo.push(inverse);
                }
                true
            }
            Err(_) => {
                // Cannot happen for inverses of applied edits; keep the step rather than lose it.
                let history = self.histories.entry(document.to_owned()).or_default();
                if undo {
                    history.undo.push(edits);
                } else {
                    history.redo.push(edits);
                }
                false
            }
        }
    }

    /// Applies edits all-or-nothing and returns their inverse, in reverse order. Edits are
    /// applied in place (a copy of a 100k-annotation set per keystroke would cost milliseconds)
    /// and rolled back with their inverses if the result does not validate.
    fn apply_raw(&mut self, document: &str, edits: Vec<Edit>) -> Result<Vec<Edit>, EditError> {
        let annotator = self.annotator.clone();
        let Some(text) = self
            .store
            .project
            .document(document)
            .map(|d| d.text.clone())
        else {
            return Err(EditError::Invalid(format!(
                "there is no document {document:?}"
            )));
        };
        self.changes.0.clear();
        self.changes.0.push_str(document);
        self.changes.1.clear();
        let mut inverse = Vec::with_capacity(edits.len());
        // What to validate afterwards: the annotations inserted or replaced (found again by
        // their sort key), and those referring to something removed or changed.
        let mut changed: Vec<(CharOffset, CharOffset, AnnotationId)> = Vec::new();
        let mut removed: Vec<AnnotationId> = Vec::new();
        let mut entities: Vec<EntityId> = Vec::new();
        let mut touched_set = false;
        let mut touched_entities = false;
        let mut touched_review = false;
        for edit in edits {
            match &edit {
                Edit::Insert(a) | Edit::Replace(a) => {
                    changed.push((a.start(), a.end(), a.id.clone()))
                }
                Edit::Remove(id) => removed.push(id.clone()),
                Edit::UpsertEntity(e) => entities.push(e.id.clone()),
                Edit::RemoveEntity(id) => entities.push(id.clone()),
                Edit::SetStatus(_) | Edit::Decide(_) | Edit::Undecide(_) | Edit::Comment(_) => {}
            }
            match &edit {
                Edit::UpsertEntity(_) | Edit::RemoveEntity(_) => touched_entities = true,
                Edit::Decide(_) | Edit::Undecide(_) | Edit::Comment(_) => touched_review = true,
                _ => touched_set = true,
            }
            match self.apply_one(document, &annotator, edit) {
                Ok(inv) => inverse.push(inv),
                Err(err) => {
                    self.roll_back(document, &annotator, inverse);
                    self.changes.1.clear();
                    return Err(err);
                }
            }
        }
        let project = &self.store.project;
        let problem = project.set(document, &annotator).and_then(|set| {
            let registry = project.registry(&annotator);
            let check =
                |a: &Annotation| annotation_problems(&project.schema, &text, registry, set, a);
            let direct = changed
                .iter()
                .filter_map(|(start, end, id)| set.position_by_key(*start, *end, id))
                .filter_map(|i| set.annotations.get(i))
                .flat_map(check);
            let refers = |a: &&Annotation| {
                a.entity.as_ref().is_some_and(|e| entities.contains(e))
                    || a.attributes.values().any(|v| match v {
                        AttrValue::Entity(e) => entities.contains(e),
                        AttrValue::Annotation(id) => removed.contains(id),
                        _ => false,
                    })
            };
            let indirect = if removed.is_empty() && entities.is_empty() {
                None
            } else {
                Some(set.annotations.iter().filter(refers).flat_map(check))
            };
            direct.chain(indirect.into_iter().flatten()).next()
        });
        if let Some(problem) = problem {
            self.roll_back(document, &annotator, inverse);
            self.changes.1.clear();
            return Err(EditError::Invalid(problem));
        }
        if touched_set {
            let set = self.store.project.set_mut(document, &annotator);
            if set.status == Status::NotStarted && !set.annotations.is_empty() {
                set.status = Status::InProgress;
            }
            self.dirty_sets.insert(document.to_owned());
        }
        if touched_entities {
            self.dirty_entities = true;
        }
        if touched_review {
            self.dirty_reviews.insert(document.to_owned());
        }
        inverse.reverse();
        self.last_change = Some(Instant::now());
        self.revision += 1;
        Ok(inverse)
    }

    /// Undoes edits applied so far in a group that failed.
    fn roll_back(&mut self, document: &str, annotator: &str, inverse: Vec<Edit>) {
        for edit in inverse.into_iter().rev() {
            // Inverses of edits that just applied always apply.
            let _ = self.apply_one(document, annotator, edit);
        }
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
                let (label, fragments) = (annotation.label.clone(), annotation.fragments.clone());
                let at = set.insert(annotation);
                self.changes.1.push(SetChange::Inserted {
                    at,
                    label,
                    fragments,
                });
                Ok(inverse)
            }
            Edit::Remove(id) => {
                let set = project.set_mut(document, annotator);
                let at = set
                    .position(&id)
                    .ok_or_else(|| EditError::Invalid(format!("there is no annotation {id}")))?;
                let old = set.annotations.remove(at);
                self.changes.1.push(SetChange::Removed {
                    at,
                    fragments: old.fragments.clone(),
                });
                Ok(Edit::Insert(old))
            }
            Edit::Replace(mut annotation) => {
                let set = project.set_mut(document, annotator);
                let at = set.position(&annotation.id).ok_or_else(|| {
                    EditError::Invalid(format!("there is no annotation {}", annotation.id))
                })?;
                let old = set.annotations.remove(at);
                annotation.created = old.created;
                let (label, fragments) = (annotation.label.clone(), annotation.fragments.clone());
                let new_at = set.insert(annotation);
                self.changes.1.push(SetChange::Removed {
                    at,
                    fragments: old.fragments.clone(),
                });
                self.changes.1.push(SetChange::Inserted {
                    at: new_at,
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
                    Some(old) => Edit::UpsertEntity(old.clone()),
                    None => Edit::RemoveEntity(entity.id.clone()),
                };
                registry.upsert(entity);
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
                    ..comment.clone()
                };
                Ok(Edit::Comment(review.set_comment(comment).unwrap_or(empty)))
            }
            Edit::RemoveEntity(id) => {
                let registry = project.entities.entry(annotator.to_owned()).or_default();
                let at = registry
                    .entities
                    .iter()
                    .position(|e| e.id == id)
                    .ok_or_else(|| EditError::Invalid(format!("there is no entity {id}")))?;
                Ok(Edit::UpsertEntity(registry.entities.remove(at)))
            }
        }
    }

    /// Whether anything is waiting to be saved.
    pub fn is_dirty(&self) -> bool {
        !self.dirty_sets.is_empty() || self.dirty_entities || !self.dirty_reviews.is_empty()
    }

    /// Whether the autosave delay has passed since the last change.
    pub fn autosave_due(&self, now: Instant) -> bool {
        self.is_dirty()
            && self
                .last_change
                .is_none_or(|t| now.duration_since(t) >= AUTOSAVE_DELAY)
    }

    /// Saves every dirty file now, after any save still running in the background. Files
    /// that fail stay dirty; their errors are returned.
    pub fn save_now(&mut self) -> Vec<StoreError> {
        let mut errors = self.wait_for_save();
        let pending = self.prepare_saves(&mut errors);
        let done = pending.into_iter().map(PendingWrite::run).collect();
        errors.extend(self.finish_saves(done));
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
        let pending = self.prepare_saves(&mut errors);
        if !pending.is_empty() {
            self.saving = Some(std::thread::spawn(move || {
                pending.into_iter().map(PendingWrite::run).collect()
            }));
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
            Some(handle) if handle.is_finished() => self.wait_for_save(),
            _ => Vec::new(),
        }
    }

    /// Waits for a background save, if one runs, and collects it.
    pub fn wait_for_save(&mut self) -> Vec<StoreError> {
        let Some(handle) = self.saving.take() else {
            return Vec::new();
        };
        match handle.join() {
            Ok(done) => self.finish_saves(done),
            Err(_) => {
                // The writer thread panicked: nothing is known to be saved.
                self.mark_all_dirty();
                vec![StoreError::Invalid(
                    "saving failed unexpectedly; your changes are kept and will be saved again"
                        .to_owned(),
                )]
            }
        }
    }

    /// Takes the dirty files and prepares their writes. Those that cannot be prepared stay
    /// dirty, with their errors in `errors`.
    fn prepare_saves(&mut self, errors: &mut Vec<StoreError>) -> Vec<PendingWrite> {
        let mut pending = Vec::new();
        if self.dirty_entities {
            match self.store.prepare_entities_save(&self.annotator) {
                Ok(p) => {
                    pending.push(p);
                    self.dirty_entities = false;
                }
                Err(err) => errors.push(err),
            }
        }
        for document in std::mem::take(&mut self.dirty_sets) {
            match self.store.prepare_set_save(&document, &self.annotator) {
                Ok(p) => pending.push(p),
                Err(err) => {
                    errors.push(err);
                    self.dirty_sets.insert(document);
                }
            }
        }
        let reviewer = reviewer_name(&self.annotator).to_owned();
        for document in std::mem::take(&mut self.dirty_reviews) {
            match self.store.prepare_review_save(&document, &reviewer) {
                Ok(p) => pending.push(p),
                Err(err) => {
                    errors.push(err);
                    self.dirty_reviews.insert(document);
                }
            }
        }
        pending
    }

    /// Records finished writes; those that failed make their files dirty again.
    fn finish_saves(&mut self, done: Vec<WriteDone>) -> Vec<StoreError> {
        let mut errors = Vec::new();
        for d in done {
            let file = d.file().to_path_buf();
            if let Err(err) = self.store.finish_write(d) {
                errors.push(err);
                self.mark_dirty(&file);
            }
        }
        errors
    }

    /// Marks the annotator's file at `file` (relative path) as waiting to be saved.
    fn mark_dirty(&mut self, file: &std::path::Path) {
        if file == entities_path(&self.annotator) {
            self.dirty_entities = true;
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

    /// Re-reads colleagues' files that changed on disk (a `git pull`, a shared folder); the
    /// annotator's own changed files are reported as conflicts and never reloaded over their
    /// work. The app calls this every second or two; see [`ProjectStore::reload_changed`].
    pub fn reload_changed(&mut self) -> DiskChanges {
        if self.saving.is_some() {
            // Our own save is being written: its file would look changed. Next poll.
            return DiskChanges::default();
        }
        let changes = self.store.reload_changed(&self.annotator);
        if changes.changed_project() {
            self.revision += 1;
        }
        changes
    }

    /// Keeps the app's version of one of the annotator's files that changed on disk (the
    /// user's explicit "keep mine"): the next save writes it over what is there, even if
    /// nothing was edited since.
    pub fn keep_mine(&mut self, file: &std::path::Path) {
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
        files
    }
}

/// Whose review the session's edits of decisions and comments go to: the reviewer of a
/// reviewed set, else the annotator.
fn reviewer_name(annotator: &str) -> &str {
    reviewer_of(annotator).unwrap_or(annotator)
}

impl Drop for Session {
    /// A save still running is finished, so that whoever opens the project next reads it.
    fn drop(&mut self) {
        let _ = self.wait_for_save();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttrValue, checked_fragments};

    fn session() -> (tempfile::TempDir, Session, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let doc = store
            .add_text("a.txt", "A", "Putin möter Lukashenko i Sotji.\n".to_owned())
            .unwrap();
        (dir, Session::new(store, "anna"), doc)
    }

    fn person(session: &Session, doc: &str, start: u32, end: u32) -> Annotation {
        let text = &session.store.project.document(doc).unwrap().text;
        Annotation::new("Person", checked_fragments(text, &[(start, end)]).unwrap())
    }

    fn count(session: &Session, doc: &str) -> usize {
        session
            .store
            .project
            .set(doc, "anna")
            .map_or(0, |s| s.annotations.len())
    }

    #[test]
    fn undo_and_redo_walk_the_history_per_document() {
        let (_dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::Insert(a.clone())]).unwrap();
        s.apply(&doc, vec![Edit::Insert(b)]).unwrap();
        let mut changed = a.clone();
        changed.label = "Place".into();
        s.apply(&doc, vec![Edit::Replace(changed)]).unwrap();
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
            .apply(&doc, vec![Edit::Insert(good), Edit::Insert(bad)])
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
            vec![Edit::UpsertEntity(entity.clone()), Edit::Insert(mention)],
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

    #[test]
    fn saves_after_the_delay_and_marks_clean() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::Insert(a)]).unwrap();
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
                .annotations
                .len(),
            1
        );
    }

    fn saved_count(dir: &std::path::Path, doc: &str) -> usize {
        let (reopened, _) = ProjectStore::open(dir).unwrap();
        reopened
            .project
            .set(doc, "anna")
            .map_or(0, |set| set.annotations.len())
    }

    #[test]
    fn background_saves_keep_edits_made_while_they_run() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::Insert(a)]).unwrap();
        assert!(s.save_in_background().is_empty());
        assert!(s.is_saving());
        // Another edit while the first save runs: it stays dirty for the next save.
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::Insert(b)]).unwrap();
        assert!(s.wait_for_save().is_empty());
        assert!(!s.is_saving());
        assert_eq!(saved_count(dir.path(), &doc), 1, "the first save wrote one");
        assert!(s.is_dirty(), "the second edit is still to save");
        assert!(s.save_in_background().is_empty());
        drop(s);
        // Dropping the session finished the save.
        assert_eq!(saved_count(dir.path(), &doc), 2);
    }

    #[test]
    fn a_background_save_never_overwrites_a_colleagues_change() {
        let (dir, mut s, doc) = session();
        let a = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::Insert(a)]).unwrap();
        assert!(s.save_now().is_empty());
        let file = dir.path().join(set_path(&doc, "anna"));
        // A colleague (or git) rewrites the file: here, one more line at its end.
        let theirs = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, format!("{theirs}\n")).unwrap();
        let b = person(&s, &doc, 12, 22);
        s.apply(&doc, vec![Edit::Insert(b)]).unwrap();
        assert!(s.save_in_background().is_empty());
        let errors = s.wait_for_save();
        assert!(
            matches!(errors.as_slice(), [StoreError::ChangedOnDisk { .. }]),
            "{errors:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            format!("{theirs}\n")
        );
        assert!(
            s.is_dirty(),
            "the change is kept to save after a reload or overwrite"
        );
    }

    #[test]
    fn each_step_reports_what_it_did_to_the_set() {
        let (_dir, mut s, doc) = session();
        assert!(s.last_changes().is_none());
        let a = person(&s, &doc, 12, 22);
        let b = person(&s, &doc, 0, 5);
        s.apply(&doc, vec![Edit::Insert(a.clone()), Edit::Insert(b)])
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
        assert!(s.apply(&doc, vec![Edit::Insert(bad)]).is_err());
        assert_eq!(s.revision(), before);
        assert!(s.last_changes().is_none());
    }
}
