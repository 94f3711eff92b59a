//! An editing session: the one place where changes are applied, undone and saved.
//!
//! The GUI turns every user action into [`Edit`]s and hands them to [`Session::apply`]; the
//! session applies them to the project, records their inverse for undo (per document, kept
//! across switching documents), marks the files dirty and saves them shortly afterwards.
//! Never imports egui or eframe: tests and benchmarks drive it directly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::model::validate::annotation_problems;
use crate::model::{Annotation, AnnotationId, Entity, EntityId, Status};
use crate::store::{ProjectStore, StoreError, entities_path, set_path};

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
    last_change: Option<Instant>,
    /// Bumped on every change, so views know when to rebuild what they derive.
    revision: u64,
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
            last_change: None,
            revision: 0,
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
        self.revision += 1;
        errors
    }

    /// Bumped on every change.
    pub fn revision(&self) -> u64 {
        self.revision
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

    /// Applies edits all-or-nothing and returns their inverse, in reverse order.
    fn apply_raw(&mut self, document: &str, edits: Vec<Edit>) -> Result<Vec<Edit>, EditError> {
        let annotator = self.annotator.clone();
        let project = &mut self.store.project;
        let Some(text) = project.document(document).map(|d| d.text.clone()) else {
            return Err(EditError::Invalid(format!(
                "there is no document {document:?}"
            )));
        };
        // Work on copies, so that a refused edit in the middle of a group changes nothing.
        let mut set = project
            .set(document, &annotator)
            .cloned()
            .unwrap_or_else(|| crate::model::AnnotationSet::new(&annotator, document));
        let mut registry = project.registry(&annotator).cloned().unwrap_or_default();
        let mut inverse = Vec::with_capacity(edits.len());
        let mut touched_set = false;
        let mut touched_entities = false;
        for edit in edits {
            match edit {
                Edit::Insert(annotation) => {
                    inverse.push(Edit::Remove(annotation.id.clone()));
                    set.insert(annotation);
                    touched_set = true;
                }
                Edit::Remove(id) => {
                    let at = set.position(&id).ok_or_else(|| {
                        EditError::Invalid(format!("there is no annotation {id}"))
                    })?;
                    inverse.push(Edit::Insert(set.annotations.remove(at)));
                    touched_set = true;
                }
                Edit::Replace(mut annotation) => {
                    let at = set.position(&annotation.id).ok_or_else(|| {
                        EditError::Invalid(format!("there is no annotation {}", annotation.id))
                    })?;
                    let old = set.annotations.remove(at);
                    annotation.created = old.created;
                    inverse.push(Edit::Replace(old));
                    set.insert(annotation);
                    touched_set = true;
                }
                Edit::SetStatus(status) => {
                    inverse.push(Edit::SetStatus(set.status));
                    set.status = status;
                    touched_set = true;
                }
                Edit::UpsertEntity(entity) => {
                    inverse.push(match registry.get(&entity.id) {
                        Some(old) => Edit::UpsertEntity(old.clone()),
                        None => Edit::RemoveEntity(entity.id.clone()),
                    });
                    registry.upsert(entity);
                    touched_entities = true;
                }
                Edit::RemoveEntity(id) => {
                    let at = registry
                        .entities
                        .iter()
                        .position(|e| e.id == id)
                        .ok_or_else(|| EditError::Invalid(format!("there is no entity {id}")))?;
                    inverse.push(Edit::UpsertEntity(registry.entities.remove(at)));
                    touched_entities = true;
                }
            }
        }
        if touched_set {
            let mut problems = Vec::new();
            for annotation in &set.annotations {
                // Only annotations changed by this group need checking, but references
                // (an entity removed, an annotation deleted) can break others: check all
                // that refer to something, and the changed ones.
                let changed = inverse.iter().any(|e| match e {
                    Edit::Remove(id) => *id == annotation.id,
                    Edit::Replace(old) => old.id == annotation.id,
                    _ => false,
                });
                if changed || annotation.entity.is_some() || !annotation.attributes.is_empty() {
                    problems.extend(annotation_problems(
                        &project.schema,
                        &text,
                        Some(&registry),
                        &set,
                        annotation,
                    ));
                }
            }
            if let Some(problem) = problems.into_iter().next() {
                return Err(EditError::Invalid(problem));
            }
            if set.status == Status::NotStarted && !set.annotations.is_empty() {
                set.status = Status::InProgress;
            }
            project
                .sets
                .insert((document.to_owned(), annotator.clone()), set);
            self.dirty_sets.insert(document.to_owned());
        }
        if touched_entities {
            project.entities.insert(annotator, registry);
            self.dirty_entities = true;
        }
        inverse.reverse();
        self.last_change = Some(Instant::now());
        self.revision += 1;
        Ok(inverse)
    }

    /// Whether anything is waiting to be saved.
    pub fn is_dirty(&self) -> bool {
        !self.dirty_sets.is_empty() || self.dirty_entities
    }

    /// Whether the autosave delay has passed since the last change.
    pub fn autosave_due(&self, now: Instant) -> bool {
        self.is_dirty()
            && self
                .last_change
                .is_none_or(|t| now.duration_since(t) >= AUTOSAVE_DELAY)
    }

    /// Saves every dirty file now. Files that fail stay dirty; their errors are returned.
    pub fn save_now(&mut self) -> Vec<StoreError> {
        let mut errors = Vec::new();
        if self.dirty_entities {
            match self.store.save_entities(&self.annotator) {
                Ok(()) => self.dirty_entities = false,
                Err(err) => errors.push(err),
            }
        }
        for document in std::mem::take(&mut self.dirty_sets) {
            if let Err(err) = self.store.save_set(&document, &self.annotator) {
                errors.push(err);
                self.dirty_sets.insert(document);
            }
        }
        errors
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
        files
    }
}
