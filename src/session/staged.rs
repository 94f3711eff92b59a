//! A big step applied off the window's thread: a review's start on a book takes a million
//! annotations and decisions into the reviewed set, half a second of applying and as long
//! again of writing the crash journal. [`Session::stage`] copies the document's part of the
//! project (its lists shared, not copied); [`Stage::run`] applies the step to the copy with
//! the session's own code and journals it, on the thread that prepared it; [`Session::adopt`]
//! then takes the result in at once, if nothing the step changes or reads changed meanwhile.
//! If something did (a reload of the file, a recovery, an edit of the same set) the step is
//! applied as given, so the outcome is always what [`Session::apply`] of the edits would give.
//!
//! The step's journal is named as staged until it is adopted (see
//! [`crate::store::journal::orphans`]): a step never taken in (the window closed first, a
//! crash) is never replayed as if it had been.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{EditError, FileEdits, Session, SetChange, Touched, reviewer_name};
use crate::model::review::Review;
use crate::model::{AnnotationSet, DocText, EntityRegistry, Project, Schema, Status};
use crate::session::Edit;
use crate::store::ProjectStore;
use crate::store::journal::Journal;

/// A copy of the project to apply one step to on another thread, for one annotator of one
/// document; see the module's notes.
#[derive(Debug)]
pub struct Stage {
    /// The copy; the thread may read it first (a review's preparation does).
    project: Project,
    root: PathBuf,
    document: String,
    annotator: String,
    /// The session's [`Session::instance`]: a step staged for a project closed since is
    /// refused.
    instance: u64,
    journaling: bool,
    base: Base,
    /// Whether the entities its step removes were checked to be linked from no other
    /// document ([`Session::take_step`]); else a step that removes one is not staged.
    unlinked: bool,
}

/// What the project had of what a step changes or reads, when its copy was made. Held, not
/// only compared by address, so that no part of it is freed and its address reused by
/// another meanwhile.
#[derive(Debug)]
struct Base {
    set: Option<AnnotationSet>,
    review: Option<Review>,
    registry: Option<EntityRegistry>,
    schema: Schema,
    text: Option<DocText>,
}

impl Base {
    fn of(project: &Project, document: &str, annotator: &str) -> Self {
        Self {
            set: project.set(document, annotator).cloned(),
            review: project.review(document, reviewer_name(annotator)).cloned(),
            registry: project.registry(annotator).cloned(),
            schema: project.schema.clone(),
            text: project.document(document).map(|d| d.text.clone()),
        }
    }

    /// Whether `project` still has just this. An empty set or review not begun is the same
    /// as none.
    fn holds(&self, project: &Project, document: &str, annotator: &str) -> bool {
        let set = match (&self.set, project.set(document, annotator)) {
            (Some(was), Some(is)) => is.is_as(&was.snapshot()) && is.status == was.status,
            (Some(set), None) | (None, Some(set)) => {
                set.is_empty() && set.status == Status::NotStarted
            }
            (None, None) => true,
        };
        let review = match (
            &self.review,
            project.review(document, reviewer_name(annotator)),
        ) {
            (Some(was), Some(is)) => {
                std::sync::Arc::ptr_eq(&was.decisions, &is.decisions) && was.comments == is.comments
            }
            (Some(review), None) | (None, Some(review)) => {
                review.decisions.is_empty() && review.comments.is_empty()
            }
            (None, None) => true,
        };
        let text = match (&self.text, project.document(document)) {
            (Some(was), Some(is)) => was.shares(&is.text),
            _ => false,
        };
        set && review
            && text
            && self.registry.as_ref() == project.registry(annotator)
            && self.schema == project.schema
    }
}

/// A big undo or redo taken off a document's history ([`Session::take_step`]): its edits
/// to apply to the copy ([`Stage::run`]), then [`Session::adopt_step`] with `back`.
#[derive(Debug)]
pub struct TakenStep {
    /// The copy to apply the edits to.
    pub stage: Stage,
    /// The step's edits.
    pub edits: Vec<Edit>,
    /// Where it came from.
    pub back: Back,
}

/// Which history a step taken by [`Session::take_step`] came from.
#[derive(Debug)]
pub struct Back {
    document: String,
    /// The session it was taken from, and who annotated: it goes back to no other.
    instance: u64,
    annotator: String,
    undo: bool,
    /// The session's revision when it was taken.
    revision: u64,
    /// Whether it removes entities (checked then to be linked from no other document).
    removes_entities: bool,
    /// How many steps were left below it: it goes back there if it is not applied.
    depth: usize,
}

impl Back {
    /// Whether the step is an undo (else a redo).
    pub fn is_undo(&self) -> bool {
        self.undo
    }

    /// The document it is of.
    pub fn document(&self) -> &str {
        &self.document
    }
}

/// Why an undo (redo) taken off the history was put back.
fn changed_meanwhile(back: &Back) -> EditError {
    let (done, keys, what) = if back.undo {
        ("undone", "Ctrl+Z", "undo")
    } else {
        ("redone", "Ctrl+Shift+Z", "redo")
    };
    EditError::Invalid(format!(
        "the document was edited while it was {done}: press {keys} again to {what} the last step"
    ))
}

/// A step applied to a copy: what [`Session::adopt`] takes in.
#[derive(Debug)]
pub struct Staged {
    document: String,
    annotator: String,
    instance: u64,
    base: Base,
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    /// Not applied to the copy (edits of kinds a copy does not take: they may read other
    /// documents or the person's files; or its journal could not be written): applied by
    /// the session when adopted.
    NotStaged(Vec<Edit>),
    /// Refused, with the edits as given.
    Refused(EditError, Vec<Edit>),
    /// Applied.
    Applied(Box<Applied>),
}

/// What a step did to the copy.
#[derive(Debug)]
struct Applied {
    /// The copy's set, review and registry after the step.
    set: Option<AnnotationSet>,
    review: Option<Review>,
    registry: Option<EntityRegistry>,
    inverse: Vec<Edit>,
    /// The edits as given, applied here if the step cannot be taken in.
    given: Vec<Edit>,
    /// The step's edits by file, as the copy keeps them unsaved (a review's start on a book:
    /// a million edits, moved into the session's lists rather than copied).
    unsaved: BTreeMap<PathBuf, FileEdits>,
    changes: Vec<SetChange>,
    touched: Touched,
    /// The journal the step is in (none when the session journals nothing).
    journal: Option<Written>,
}

impl Applied {
    /// Nothing: what is left in the box a step is taken out of.
    fn empty() -> Self {
        Self {
            set: None,
            review: None,
            registry: None,
            inverse: Vec::new(),
            given: Vec::new(),
            unsaved: BTreeMap::new(),
            changes: Vec::new(),
            touched: Touched::default(),
            journal: None,
        }
    }
}

/// The journal a staged step was written to. Removed unless the session takes it: a step
/// not taken in (its review never began: the switch to the reviewed set could not save) must
/// not be replayed by the next session as if it had been.
#[derive(Debug)]
struct Written(Option<Journal>);

impl Written {
    fn take(mut self) -> Journal {
        self.0.take().expect("taken once")
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        if let Some(journal) = self.0.take() {
            journal.remove();
        }
    }
}

/// The part of a project a step on one document reads and changes, or a review of it: the
/// document, its sets and reviews, the registries of those with a set of it and of
/// `annotator`, the schema and the settings. Copied for a step in a project of a thousand
/// documents, it costs what the document's sets do.
fn part_of(project: &Project, document: &str, annotator: &str) -> Project {
    let of_document = |key: &(String, String)| key.0 == document;
    let sets: BTreeMap<(String, String), AnnotationSet> = project
        .sets
        .iter()
        .filter(|(key, _)| of_document(key))
        .map(|(key, set)| (key.clone(), set.clone()))
        .collect();
    Project {
        name: project.name.clone(),
        schema: project.schema.clone(),
        documents: project
            .documents
            .iter()
            .filter(|d| d.meta.id == document)
            .cloned()
            .collect(),
        entities: project
            .entities
            .iter()
            .filter(|(who, _)| {
                *who == annotator || sets.contains_key(&(document.to_owned(), (*who).clone()))
            })
            .map(|(who, registry)| (who.clone(), registry.clone()))
            .collect(),
        sets,
        reviews: project
            .reviews
            .iter()
            .filter(|(key, _)| of_document(key))
            .map(|(key, review)| (key.clone(), review.clone()))
            .collect(),
        predict: project.predict.clone(),
        ..Project::default()
    }
}

impl Session {
    /// A copy of the project to apply a step of `annotator` (who annotates once it is
    /// adopted: a review's start is staged before the session switches to the reviewed set)
    /// to on another thread. Costs pointers: the lists are shared, and only the document's
    /// part of the project is copied ([`part_of`]).
    pub fn stage(&self, document: &str, annotator: &str) -> Stage {
        let project = part_of(&self.store.project, document, annotator);
        Stage {
            base: Base::of(&project, document, annotator),
            project,
            root: self.store.root().to_path_buf(),
            document: document.to_owned(),
            annotator: annotator.to_owned(),
            instance: self.instance,
            journaling: self.journaling && self.journal_error.is_none(),
            unlinked: false,
        }
    }

    /// Takes in a step applied on another thread ([`Stage::run`]) as one undo step: at once
    /// if what the step changes and reads is as it was; else its edits are applied here.
    /// Either way the result is what [`Self::apply`] of its edits would give now. Refused
    /// when the session is not the one it was staged from (a project closed since) or
    /// annotates as someone else now.
    pub fn adopt(&mut self, staged: Staged) -> Result<(), EditError> {
        self.adopt_placed(staged, None)
    }

    /// Takes the next undo (or redo) of a document off its history to apply on another
    /// thread, when it is a big one (`at_least` edits; an undo of a review's start on a book
    /// has a million) not linked to steps on other documents. Until it is adopted
    /// ([`Self::adopt_step`]) it is in no history; the caller lets no other undo or redo of
    /// the session run meanwhile.
    pub fn take_step(&mut self, document: &str, undo: bool, at_least: usize) -> Option<TakenStep> {
        let history = self.histories.get_mut(document)?;
        let stack = if undo {
            &mut history.undo
        } else {
            &mut history.redo
        };
        let step = stack.last()?;
        if step.linked.is_some() || step.edits.len() < at_least {
            return None;
        }
        let step = stack.pop()?;
        let depth = stack.len();
        // Which entities it removes is decided here, as the session's own undo decides it:
        // the copy has no other document to look at.
        let edits = self.unlinked_only(document, step.edits);
        let removes_entities = edits.iter().any(|e| matches!(e, Edit::RemoveEntity(_)));
        let mut stage = self.stage(document, &self.annotator);
        stage.unlinked = true;
        Some(TakenStep {
            stage,
            edits,
            back: Back {
                document: document.to_owned(),
                instance: self.instance,
                annotator: self.annotator.clone(),
                undo,
                revision: self.revision,
                removes_entities,
                depth,
            },
        })
    }

    /// Takes in an undo (or redo) taken by [`Self::take_step`] and applied on another
    /// thread, as [`Self::adopt`] does; its inverse goes where the session's own undo would
    /// put it (a redo, or an undo). Where it cannot be applied, the step goes back where it
    /// was taken from.
    pub fn adopt_step(&mut self, staged: Staged, back: Back) -> Result<(), EditError> {
        self.adopt_placed(staged, Some(back))
    }

    /// Puts back a step taken by [`Self::take_step`] that was never run (its thread could
    /// not start).
    pub fn put_back(&mut self, taken: TakenStep) {
        let TakenStep { edits, back, .. } = taken;
        self.return_step(&back, edits);
    }

    /// Puts back the edits of a step taken by [`Self::take_step`] whose run failed (they
    /// were kept apart from the stage that was given them), if this is the session, and the
    /// annotator, it was taken from: a project reopened meanwhile has a history of its own.
    pub fn put_back_edits(&mut self, back: &Back, edits: Vec<Edit>) -> Result<(), EditError> {
        if back.instance != self.instance || back.annotator != self.annotator {
            return Err(EditError::Invalid(
                "it was taken from a project closed since, or as another annotator".to_owned(),
            ));
        }
        self.return_step(back, edits);
        Ok(())
    }

    /// Puts a step not applied back where it was taken from: below the steps made since.
    fn return_step(&mut self, back: &Back, edits: Vec<Edit>) {
        let history = self.histories.entry(back.document.clone()).or_default();
        let stack = if back.undo {
            &mut history.undo
        } else {
            &mut history.redo
        };
        stack.insert(back.depth.min(stack.len()), super::Step::alone(edits));
    }

    /// Pushes an undo's inverse onto the redo stack, or a redo's onto the undo stack.
    fn push_inverse(&mut self, back: &Back, inverse: Vec<Edit>) {
        let history = self.histories.entry(back.document.clone()).or_default();
        let step = super::Step::alone(inverse);
        if back.undo {
            history.redo.push(step);
        } else {
            history.undo.push(step);
        }
    }

    /// Applies `edits` here: as a new step, or as the undo (redo) `back` says.
    fn apply_placed(
        &mut self,
        document: &str,
        edits: Vec<Edit>,
        back: Option<&Back>,
    ) -> Result<(), EditError> {
        let Some(back) = back else {
            return self.apply(document, edits);
        };
        let edits = self.unlinked_only(document, edits);
        match self.apply_or_return(document, edits) {
            Ok(inverse) => {
                self.push_inverse(back, inverse);
                Ok(())
            }
            Err((err, edits)) => {
                self.return_step(back, edits);
                Err(err)
            }
        }
    }

    fn adopt_placed(&mut self, staged: Staged, back: Option<Back>) -> Result<(), EditError> {
        let back = back.as_ref();
        let Staged {
            document,
            annotator,
            instance,
            base,
            outcome,
        } = staged;
        if instance != self.instance {
            return Err(EditError::Invalid(
                "it was made for a project closed since".to_owned(),
            ));
        }
        if annotator != self.annotator {
            return Err(EditError::Invalid(format!(
                "it was made for {annotator}, and the session annotates as {}",
                self.annotator
            )));
        }
        // An entity the step removes may have been linked from another document since it
        // was taken (nothing changed: none was).
        let relinked = back.is_some_and(|b| b.removes_entities && b.revision != self.revision);
        let current = !relinked && base.holds(&self.store.project, &document, &annotator);
        if let Some(back) = back
            && !current
        {
            // Edited meanwhile: applied now, an undo would come after the edits made since
            // it was asked for (and could take them back). It goes back to the history,
            // below them.
            let edits = match outcome {
                Outcome::NotStaged(edits) | Outcome::Refused(_, edits) => edits,
                Outcome::Applied(mut applied) => {
                    let given = std::mem::take(&mut applied.given);
                    crate::model::drop_elsewhere((applied, base));
                    given
                }
            };
            self.return_step(back, edits);
            return Err(changed_meanwhile(back));
        }
        let applied = match outcome {
            Outcome::NotStaged(edits) => return self.apply_placed(&document, edits, back),
            Outcome::Refused(err, edits) => {
                return if current {
                    if let Some(back) = back {
                        self.return_step(back, edits);
                    }
                    Err(err)
                } else {
                    self.apply_placed(&document, edits, back)
                };
            }
            Outcome::Applied(applied) => applied,
        };
        // Taken out of its box, which is freed elsewhere: freeing the first piece of the
        // job's memory here made the allocator give back what the job had freed before it
        // (hundreds of megabytes on a book: 55-60 ms).
        let mut applied = applied;
        let Applied {
            set,
            review,
            registry,
            inverse,
            given,
            unsaved,
            changes,
            touched,
            journal,
        } = std::mem::replace(&mut *applied, Applied::empty());
        if !current {
            // The staged journal goes with `journal`.
            return self.apply_placed(&document, given, back);
        }
        // The files it writes: one edit of each is enough to tell (a book's step has a
        // million). Whether they lead outside the project was looked at on the job's thread
        // (the disk: it waited here for the step's journal to be synced, 70 ms on a book);
        // here what can change meanwhile: a file found read-only, or still being read.
        let one_of_each: Vec<Edit> = unsaved
            .values()
            .filter_map(|f| f.edits.iter().next().cloned())
            .collect();
        if let Err(err) = self.writable_by(&document, &one_of_each, |file| {
            self.store.read_only_reason(file).map(str::to_owned)
        }) {
            if let Some(back) = back {
                self.return_step(back, given);
            }
            return Err(err);
        }
        if let Some(journal) = journal {
            let mut journal = journal.take();
            if let Err(err) = journal.adopted() {
                // Its name is still the staged one: the step is journalled here instead.
                journal.remove();
                self.journal_failed(&err);
                return self.apply_placed(&document, given, back);
            }
            // The session's journal so far holds what came before the step (edits made while
            // it was applied to the copy too): replayed first after a crash, by time.
            if let Some(older) = self.journal.take() {
                journal.retire(older);
            }
            journal.touch();
            self.journal = Some(journal);
        }
        let project = &mut self.store.project;
        // What they replace (a review started again on a book: a million decisions) is
        // freed elsewhere, as the edits are.
        let replaced = (
            set.and_then(|set| {
                project
                    .sets
                    .insert((document.clone(), annotator.clone()), set)
            }),
            review.and_then(|review| {
                project.reviews.insert(
                    (document.clone(), reviewer_name(&annotator).to_owned()),
                    review,
                )
            }),
            registry.and_then(|registry| project.entities.insert(annotator.clone(), registry)),
        );
        self.changes.0.clone_from(&document);
        self.changes.1 = changes;
        self.mark_changed(&document, touched);
        self.keep_unsaved(
            &document,
            unsaved.into_iter().map(|(file, edits)| (file, edits.edits)),
        );
        match back {
            Some(back) => self.push_inverse(back, inverse),
            None => self.push_step(&document, inverse),
        }
        // The edits as given were kept for a step that could not be taken in: a book's
        // million, freed elsewhere (80 ms here).
        crate::model::drop_elsewhere((given, replaced, base, applied));
        Ok(())
    }
}

impl Staged {
    /// The annotator's set of the document as the step left it in the copy (to say what it
    /// did off the window's thread); `None` when it was not applied there.
    pub fn set_after(&self) -> Option<&AnnotationSet> {
        match &self.outcome {
            Outcome::Applied(applied) => applied.set.as_ref(),
            Outcome::NotStaged(_) | Outcome::Refused(..) => None,
        }
    }
}

impl Stage {
    /// The copy, to read before the step is made of it.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Applies `edits` to the copy as one step of the stage's annotator, with the code
    /// [`Session::apply`] runs, the step written to a staged journal of the annotator's
    /// meanwhile (see the module's notes).
    pub fn run(self, edits: Vec<Edit>) -> Staged {
        let Self {
            project,
            root,
            document,
            annotator,
            instance,
            journaling,
            base,
            unlinked,
        } = self;
        let staged = |outcome| Staged {
            document: document.clone(),
            annotator: annotator.clone(),
            instance,
            base,
            outcome,
        };
        // Removing an entity reads every document; resolutions and triage are the person's.
        let stageable = !edits.is_empty()
            && project.document(&document).is_some()
            && edits.iter().all(|e| {
                (unlinked || !matches!(e, Edit::RemoveEntity(_)))
                    && matches!(
                        e.target(),
                        crate::model::edit::EditTarget::Set
                            | crate::model::edit::EditTarget::Entities
                            | crate::model::edit::EditTarget::Review
                    )
            });
        if !stageable {
            return staged(Outcome::NotStaged(edits));
        }
        let mut copy = Session::headless(ProjectStore::detached(root.clone(), project), &annotator);
        if journaling {
            match Journal::create_staged(&root, &annotator) {
                Ok(journal) => {
                    copy.journaling = true;
                    copy.journal = Some(journal);
                }
                // Applied by the session, which journals it or says why not.
                Err(_) => return staged(Outcome::NotStaged(edits)),
            }
        }
        let given = edits.clone();
        let inverse = match copy.apply_or_return(&document, edits) {
            Ok(inverse) => inverse,
            Err((err, edits)) => {
                if let Some(journal) = copy.journal.take() {
                    journal.remove();
                }
                return staged(Outcome::Refused(err, edits));
            }
        };
        // As `Session::apply` refuses them: files whose path leads outside the project (the
        // window's thread looks at the rest when it adopts the step).
        let set_file = crate::store::set_path(&document, &annotator);
        let outside = std::iter::once(&set_file)
            .chain(copy.unsaved.keys())
            .find_map(|file| crate::store::confine::inside(&root, file).err());
        if let Some(refused) = outside {
            if let Some(journal) = copy.journal.take() {
                journal.remove();
            }
            return staged(Outcome::Refused(
                EditError::ReadOnly(refused.to_string()),
                given,
            ));
        }
        let journal = copy.journal.take().map(|j| Written(Some(j)));
        let unsynced = journal
            .as_ref()
            .and_then(|j| j.0.as_ref())
            .is_some_and(|j| j.sync_now().is_err());
        if journaling && (copy.journal_error.is_some() || journal.is_none() || unsynced) {
            // Not all of it is in the journal: applied (and journalled) by the session.
            drop(journal);
            return staged(Outcome::NotStaged(given));
        }
        let key = (document.clone(), annotator.clone());
        let touched = Touched {
            set: copy.dirty_sets.contains(&document),
            entities: copy.dirty_entities,
            review: copy.dirty_reviews.contains(&document),
            resolutions: copy.dirty_resolutions,
            triage: copy.dirty_triage,
        };
        let changes = std::mem::take(&mut copy.changes.1);
        let unsaved = std::mem::take(&mut copy.unsaved);
        let project = &mut copy.store.project;
        let applied = Applied {
            set: project.sets.remove(&key),
            review: project
                .reviews
                .remove(&(document.clone(), reviewer_name(&annotator).to_owned())),
            registry: project.entities.remove(&annotator),
            inverse,
            given,
            unsaved,
            changes,
            touched,
            journal,
        };
        staged(Outcome::Applied(Box::new(applied)))
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;
    use crate::model::Annotation;
    use crate::review::adjudication::prepare_start;
    use crate::store::journal;

    const REVIEWED: &str = "review.olga";

    /// olga about to review anna and erik on a copy of the sample project in `dir`: her
    /// session on the reviewed set, the document, and the edits that take the agreements.
    fn reviewing(dir: &Path) -> (Session, String, Vec<Edit>) {
        let root = crate::store::sample_project_copy(dir);
        let (store, _) = ProjectStore::open(&root).expect("the sample opens");
        let document = store.project.documents[0].meta.id.clone();
        let pair = ["anna".to_owned(), "erik".to_owned()];
        let start = prepare_start(&store.project, &document, "olga", &pair).expect("compared");
        assert!(
            start.edits.len() > 20,
            "agreements to take: {}",
            start.edits.len()
        );
        (Session::new(store, REVIEWED), document, start.edits)
    }

    /// What a session holds of the document's review: the reviewed set and the decisions.
    fn held(s: &Session, document: &str) -> (Vec<Arc<Annotation>>, Option<Review>) {
        let project = &s.store.project;
        (
            project
                .set(document, REVIEWED)
                .map(|set| set.annotations().to_vec())
                .unwrap_or_default(),
            project.review(document, "olga").cloned(),
        )
    }

    /// The files under a folder of the project, by path, with their bytes.
    fn files(root: &Path, folder: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let mut found: Vec<(PathBuf, Vec<u8>)> = walk(&root.join(folder))
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p.strip_prefix(root).unwrap().to_path_buf(), bytes)
            })
            .collect();
        found.sort();
        found
    }

    use crate::store::files_under as walk;

    fn journals(root: &Path) -> usize {
        walk(&root.join(crate::store::lock::LOCAL_DIR).join("journal")).len()
    }

    /// `s` killed: its journals copied as they are on disk (their times kept) under the
    /// names a crashed session leaves, then `s` closed and its own journals removed; the
    /// project opened again and recovered. The journals that were on disk, and the session
    /// recovered.
    fn killed(s: Session, root: &Path) -> (Vec<PathBuf>, Session) {
        let folder = root.join(crate::store::lock::LOCAL_DIR).join("journal");
        let mut crashed = Vec::new();
        for (i, path) in walk(&folder).into_iter().enumerate() {
            // An older journal, already saved, is removed by the journal's sync thread once
            // the newer one is synced: it may go at any moment, as after a crash it may stay.
            let Ok(time) = std::fs::metadata(&path).and_then(|m| m.modified()) else {
                continue;
            };
            let to = folder.join(format!("{REVIEWED}.1-{i:08}.jsonl"));
            if std::fs::copy(&path, &to).is_err() {
                let _ = std::fs::remove_file(&to);
                continue;
            }
            std::fs::File::options()
                .write(true)
                .open(&to)
                .unwrap()
                .set_modified(time)
                .unwrap();
            crashed.push(path);
        }
        assert!(!crashed.is_empty(), "a journal to recover from");
        drop(s);
        for original in &crashed {
            match std::fs::remove_file(original) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("{original:?}: {e}"),
                _ => {}
            }
        }
        let (store, _) = ProjectStore::open(root).unwrap();
        let mut again = Session::new(store, REVIEWED);
        let recovery = again.recover().expect("replayed");
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        (crashed, again)
    }

    /// The next undo (`undo`) or redo of the document taken off the history, applied to a
    /// copy on another thread and adopted.
    fn step_elsewhere(s: &mut Session, document: &str, undo: bool) {
        let TakenStep { stage, edits, back } =
            s.take_step(document, undo, 1).expect("a step to take");
        let result = std::thread::spawn(move || stage.run(edits)).join().unwrap();
        s.adopt_step(result, back).unwrap();
    }

    /// Undone and redone on another thread, a big step is undone and redone as the session
    /// does it: the same set, decisions and history, the same files saved, and in the crash
    /// journal.
    #[test]
    fn an_undo_and_a_redo_applied_elsewhere_are_the_sessions_own() {
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut staged, document, edits) = reviewing(dir_a.path());
        let (mut applied, _, _) = reviewing(dir_b.path());
        staged.apply(&document, edits.clone()).unwrap();
        applied.apply(&document, edits).unwrap();
        let started = held(&applied, &document);
        assert!(
            staged.take_step(&document, true, 100_000).is_none(),
            "a small step is left to the session"
        );
        step_elsewhere(&mut staged, &document, true);
        assert!(applied.undo(&document));
        assert!(held(&staged, &document).0.is_empty(), "undone");
        assert_eq!(held(&staged, &document), held(&applied, &document));
        assert_eq!(staged.can_undo_redo(&document), (false, true));
        step_elsewhere(&mut staged, &document, false);
        assert!(applied.redo(&document));
        assert_eq!(held(&staged, &document), started, "redone");
        assert_eq!(held(&applied, &document), started);
        assert_eq!(staged.can_undo_redo(&document), (true, false));
        // In turn with the session's own: the history holds what each left.
        assert!(staged.undo(&document) && applied.undo(&document));
        step_elsewhere(&mut staged, &document, false);
        assert!(applied.redo(&document));
        step_elsewhere(&mut staged, &document, true);
        assert!(applied.undo(&document));
        assert_eq!(held(&staged, &document), held(&applied, &document));
        assert!(staged.save_now().is_empty() && applied.save_now().is_empty());
        for folder in ["annotations", "reviews", "entities"] {
            assert_eq!(
                files(dir_a.path(), folder),
                files(dir_b.path(), folder),
                "{folder} saved alike"
            );
        }
        // Redone (elsewhere, and by the session itself), then killed before a save: the
        // journals bring it back, though the redo lists the annotations before the entities
        // they link (each step is replayed whole).
        step_elsewhere(&mut staged, &document, false);
        assert!(applied.redo(&document));
        assert_eq!(held(&staged, &document), started);
        for (s, dir) in [(staged, dir_a.path()), (applied, dir_b.path())] {
            let (_, again) = killed(s, dir);
            assert_eq!(held(&again, &document), started);
        }
    }

    /// An undo taken off the history while the document is edited meanwhile is not applied
    /// after that edit (it could take it back): it goes back to the history below the edit,
    /// and says so; undone again, the edit goes first, then the step. A step that cannot be
    /// applied goes back to the history it came from.
    /// A step whose run failed goes back to the history it was taken from, and to no other:
    /// once the session annotates as someone else, it is refused.
    #[test]
    fn a_failed_step_goes_back_only_where_it_was_taken_from() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, document, edits) = reviewing(dir.path());
        s.apply(&document, edits).unwrap();
        let started = held(&s, &document);
        let TakenStep { edits, back, .. } = s.take_step(&document, true, 1).unwrap();
        let kept = edits.clone();
        s.put_back_edits(&back, edits).unwrap();
        assert!(s.undo(&document), "back on the undo stack");
        assert!(held(&s, &document).0.is_empty());
        assert!(s.redo(&document));
        assert_eq!(held(&s, &document), started);
        let TakenStep { back, .. } = s.take_step(&document, true, 1).unwrap();
        s.set_annotator("anna").unwrap();
        let err = s.put_back_edits(&back, kept).unwrap_err();
        assert!(err.to_string().contains("another annotator"), "{err}");
    }

    #[test]
    fn an_undo_of_a_document_edited_meanwhile_goes_back_below_the_edit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, document, edits) = reviewing(dir.path());
        s.apply(&document, edits).unwrap();
        let started = held(&s, &document);
        let TakenStep { stage, edits, back } = s.take_step(&document, true, 1).unwrap();
        let result = std::thread::spawn(move || stage.run(edits)).join().unwrap();
        let text = s.store.project.document(&document).unwrap().text.clone();
        let tag = Annotation::new(
            "Place",
            crate::model::checked_fragments(&text, &[(0, 8)]).unwrap(),
        );
        s.apply(&document, vec![Edit::insert(tag.clone())]).unwrap();
        let err = s.adopt_step(result, back).unwrap_err();
        assert!(
            err.to_string().contains("edited while it was undone"),
            "{err}"
        );
        assert_eq!(
            held(&s, &document).0.len(),
            started.0.len() + 1,
            "as it was"
        );
        assert!(s.undo(&document), "the edit first");
        assert_eq!(held(&s, &document), started);
        assert!(s.undo(&document), "then the step");
        assert!(held(&s, &document).0.is_empty());
        assert!(s.redo(&document) && s.redo(&document));
        assert_eq!(held(&s, &document).0.len(), started.0.len() + 1);

        // Refused where the set cannot be written (its folder leads out of the project now):
        // back where it came from.
        let outside = tempfile::tempdir().unwrap();
        let folder = s.store.root().join("annotations").join(REVIEWED);
        assert!(!folder.exists(), "nothing saved yet");
        std::os::unix::fs::symlink(outside.path(), &folder).unwrap();
        let TakenStep { stage, edits, back } = s.take_step(&document, true, 1).unwrap();
        let result = stage.run(edits);
        assert!(matches!(
            s.adopt_step(result, back),
            Err(EditError::ReadOnly(_))
        ));
        assert_eq!(
            held(&s, &document).0.len(),
            started.0.len() + 1,
            "as it was"
        );
        assert_eq!(
            s.can_undo_redo(&document),
            (true, false),
            "the undo is back"
        );
    }

    /// A step applied to a copy on another thread and adopted is the step applied: the same
    /// set and decisions, the same files saved, undone and redone alike, and in the crash
    /// journal before it shows.
    #[test]
    fn an_adopted_step_is_the_step_applied() {
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut staged, document, edits) = reviewing(dir_a.path());
        let (mut applied, _, _) = reviewing(dir_b.path());
        applied.apply(&document, edits.clone()).unwrap();
        let stage = staged.stage(&document, REVIEWED);
        let revision = staged.revision();
        let result = std::thread::spawn(move || stage.run(edits)).join().unwrap();
        assert_eq!(held(&staged, &document).0.len(), 0, "nothing shows before");
        staged.adopt(result).unwrap();
        assert!(staged.revision() > revision);
        assert!(staged.is_dirty());
        assert_eq!(held(&staged, &document), held(&applied, &document));
        assert!(!held(&staged, &document).0.is_empty());
        assert_eq!(
            staged
                .last_changes()
                .map(|(d, c)| (d.to_owned(), c.to_vec())),
            applied
                .last_changes()
                .map(|(d, c)| (d.to_owned(), c.to_vec()))
        );
        // Killed now: the journal has the step.
        let root = dir_a.path().to_path_buf();
        let journal = staged
            .journal
            .as_ref()
            .expect("journalled")
            .path()
            .to_owned();
        let crashed = journal.with_file_name(format!("{REVIEWED}.1-00000000.jsonl"));
        std::fs::copy(&journal, &crashed).unwrap();
        for s in [&mut staged, &mut applied] {
            assert!(s.undo(&document));
            assert!(held(s, &document).0.is_empty(), "undone");
            assert!(s.redo(&document));
        }
        assert_eq!(held(&staged, &document), held(&applied, &document));
        assert!(staged.save_now().is_empty() && applied.save_now().is_empty());
        for folder in ["annotations", "reviews", "entities"] {
            assert_eq!(
                files(&root, folder),
                files(dir_b.path(), folder),
                "{folder} saved alike"
            );
        }
        let saved = held(&staged, &document);
        drop(staged);
        // The saved files gone back to before the review, the journal is all there is.
        std::fs::remove_dir_all(root.join("annotations").join(REVIEWED)).unwrap();
        std::fs::remove_dir_all(root.join("reviews")).unwrap();
        let (store, _) = ProjectStore::open(&root).unwrap();
        let mut again = Session::new(store, REVIEWED);
        let recovery = again.recover().expect("replayed");
        assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        assert_eq!(held(&again, &document), saved, "all of it is back");
    }

    /// A step whose base changed before it was adopted (a reload of the reviewed file; the
    /// reviewer tagged meanwhile) is applied as given, onto the set as it is; its staged
    /// journal goes. A step never adopted leaves no journal to be replayed as if it had been.
    #[test]
    fn a_step_whose_base_changed_is_applied_as_given() {
        for change in ["reload", "tag", "decision"] {
            let tagged = change == "tag";
            let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut staged, document, edits) = reviewing(dir_a.path());
            let (mut applied, _, _) = reviewing(dir_b.path());
            let text = staged
                .store
                .project
                .document(&document)
                .unwrap()
                .text
                .clone();
            let tag = Annotation::new(
                "Person",
                crate::model::checked_fragments(&text, &[(0, 5)]).unwrap(),
            );
            let result = staged.stage(&document, REVIEWED).run(edits.clone());
            // A decision of the step's, as another window of olga's saved it meanwhile.
            let decided = edits
                .iter()
                .find_map(|e| match e {
                    Edit::Decide(d) => Some(d),
                    _ => None,
                })
                .map(|d| {
                    let mut d = (**d).clone();
                    d.note = "from disk".to_owned();
                    Arc::new(d)
                })
                .unwrap();
            for s in [&mut staged, &mut applied] {
                if change == "decision" {
                    s.store
                        .project
                        .review_mut(&document, "olga")
                        .upsert_many(&[&decided]);
                } else if tagged {
                    s.apply(&document, vec![Edit::insert(tag.clone())]).unwrap();
                } else {
                    // As a reload puts in what another writer saved.
                    s.store
                        .project
                        .set_mut(&document, REVIEWED)
                        .insert(Arc::new(tag.clone()));
                }
            }
            applied.apply(&document, edits.clone()).unwrap();
            staged.adopt(result).unwrap();
            assert_eq!(held(&staged, &document), held(&applied, &document));
            assert_eq!(journals(dir_a.path()), 1, "the session's own journal only");
            assert!(staged.undo(&document) && applied.undo(&document));
            assert_eq!(
                held(&staged, &document),
                held(&applied, &document),
                "{change}: undone to what was there"
            );
        }

        // A reviewed set whose folder leads outside the project: refused, as `apply` is.
        #[cfg(unix)]
        {
            let (dir_e, outside) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut s, document, edits) = reviewing(dir_e.path());
            let folder = s.store.root().join("annotations").join(REVIEWED);
            std::os::unix::fs::symlink(outside.path(), &folder).unwrap();
            let result = s.stage(&document, REVIEWED).run(edits.clone());
            assert!(matches!(s.adopt(result), Err(EditError::ReadOnly(_))));
            assert!(s.apply(&document, edits).is_err(), "as apply refuses it");
            assert!(held(&s, &document).0.is_empty());
            assert_eq!(journals(dir_e.path()), 0);
        }

        // Made for a project closed since (opened again): refused, its journal gone.
        let dir_d = tempfile::tempdir().unwrap();
        let (s, document, edits) = reviewing(dir_d.path());
        let result = s.stage(&document, REVIEWED).run(edits);
        let root = s.store.root().to_path_buf();
        drop(s);
        let (store, _) = ProjectStore::open(&root).unwrap();
        let mut reopened = Session::new(store, REVIEWED);
        assert!(reopened.adopt(result).is_err());
        assert!(held(&reopened, &document).0.is_empty());
        assert_eq!(journals(&root), 0);

        // Made for the reviewed set, adopted by anna: refused, and its journal gone.
        let dir_c = tempfile::tempdir().unwrap();
        let (mut other, document, edits) = reviewing(dir_c.path());
        other.set_annotator("anna").unwrap();
        let result = other.stage(&document, REVIEWED).run(edits.clone());
        assert_eq!(journals(dir_c.path()), 1, "the staged journal");
        assert!(other.adopt(result).is_err());
        assert_eq!(journals(dir_c.path()), 0);
        // Never adopted: its journal goes with it; one a crash left (nobody holds it) is
        // removed, not replayed.
        let result = other.stage(&document, REVIEWED).run(edits);
        let folder = dir_c
            .path()
            .join(crate::store::lock::LOCAL_DIR)
            .join("journal");
        let staged_file = walk(&folder).pop().unwrap();
        assert!(staged_file.to_string_lossy().ends_with(".jsonl.staged"));
        let crashed = folder.join(format!("{REVIEWED}.1-00000000.jsonl.staged"));
        std::fs::copy(&staged_file, &crashed).unwrap();
        drop(result);
        assert!(!staged_file.exists());
        assert!(journal::orphans(dir_c.path(), REVIEWED).is_empty());
        assert!(!crashed.exists(), "removed");
        assert_eq!(journals(dir_c.path()), 0);
    }

    /// A session that journalled edits before the step takes the step's journal over: a
    /// crash after an edit made after the step replays all three, and a save removes both.
    #[test]
    fn a_step_adopted_after_other_edits_is_replayed_between_them() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, document, edits) = reviewing(dir.path());
        let text = s.store.project.document(&document).unwrap().text.clone();
        let tag = |at: u32| {
            Edit::insert(Annotation::new(
                "Person",
                crate::model::checked_fragments(&text, &[(at, at + 4)]).unwrap(),
            ))
        };
        // Another document's edit: the step's base stays.
        let other = second_document(&mut s);
        let before = tag_other(&s, &other);
        let result = s.stage(&document, REVIEWED).run(edits);
        s.apply(&other, vec![before]).unwrap();
        let first = s.journal.as_ref().unwrap().path().to_owned();
        s.adopt(result).unwrap();
        s.apply(&document, vec![tag(40)]).unwrap();
        assert_eq!(journals(dir.path()), 2);
        let shown = (held(&s, &document), held(&s, &other));
        let held_other = |s: &Session| {
            s.store
                .project
                .set(&other, REVIEWED)
                .map(|set| set.annotations().to_vec())
        };
        let other_shown = held_other(&s);
        assert!(other_shown.as_ref().is_some_and(|a| a.len() == 1));
        // Killed now: the journals as they are on disk, their times kept.
        let root = dir.path().to_path_buf();
        let (crashed, mut again) = killed(s, &root);
        // The session's first journal is the older one.
        assert!(crashed.contains(&first));
        assert_eq!((held(&again, &document), held(&again, &other)), shown);
        assert_eq!(held_other(&again), other_shown);
        // Saved: the journal the step took over from goes, and the step's own is emptied.
        assert!(again.save_now().is_empty());
        drop(again);
        assert_eq!(journals(&root), 0, "everything is saved");

        // In one session: saving removes the older journal while the session goes on.
        let dir = tempfile::tempdir().unwrap();
        let (mut s, document, edits) = reviewing(dir.path());
        let other = second_document(&mut s);
        let result = s.stage(&document, REVIEWED).run(edits);
        s.apply(&other, vec![tag_other(&s, &other)]).unwrap();
        let first = s.journal.as_ref().unwrap().path().to_owned();
        s.adopt(result).unwrap();
        assert!(s.save_now().is_empty());
        assert!(
            super::super::tests::gone(&first),
            "the older journal goes once saved"
        );
        assert_eq!(journals(dir.path()), 1, "the session's, empty");
    }

    fn second_document(s: &mut Session) -> String {
        s.store
            .add_text(
                "b.txt",
                "B",
                "Lukashenko kan få mer än en miljard.\n".to_owned(),
            )
            .unwrap()
    }

    fn tag_other(s: &Session, other: &str) -> Edit {
        let text = s.store.project.document(other).unwrap().text.clone();
        Edit::insert(Annotation::new(
            "Person",
            crate::model::checked_fragments(&text, &[(0, 4)]).unwrap(),
        ))
    }
}
