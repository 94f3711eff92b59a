//! Edits: the one vocabulary of change, and how an edit is merged into a file someone else
//! changed meanwhile.
//!
//! The session applies edits strictly (an insert of an id that exists is an error, so that
//! undo stays exact). When the file on disk changed under it (another window, a command, a
//! `git pull`), the same edits are *replayed* onto what is on disk, by id and leniently: an
//! insert of an id that is there replaces it, a removal of an id that is gone does nothing, a
//! replacement of an id that is gone puts it back (the user's edit wins over a deletion they
//! never saw). Replaying is idempotent, so a crash journal can be replayed over a file that
//! was saved after all.

use std::sync::Arc;

use super::resolution::{RecordKey, Resolution, Resolutions, VerdictRecord};
use super::review::{Comment, Decision, Review, Sources};
use super::suggested::{Triage, TriageKey, TriageRecord};
use super::{Annotation, AnnotationId, AnnotationSet, Entity, EntityId, EntityRegistry, Status};

/// One invertible change to an annotator's work on a document.
///
/// 32 bytes: what is larger is shared or boxed. A review's start makes 170k edits, and each
/// is moved several times (into the step, the unsaved edits, the undo history).
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Add an annotation. Shared with the set it goes into, the undo history and the
    /// unsaved edits: none of them copies it.
    Insert(Arc<Annotation>),
    /// Remove the annotation with this id.
    Remove(AnnotationId),
    /// Replace the annotation with the same id.
    Replace(Arc<Annotation>),
    /// Set the annotator's progress on the document.
    SetStatus(Status),
    /// Add or change a canonical entity.
    UpsertEntity(Box<Entity>),
    /// Remove a canonical entity.
    RemoveEntity(EntityId),
    /// Record (or replace) a reviewer's decision; the reviewer is the one whose reviewed set
    /// the session edits (`review.<reviewer>`), else the annotator.
    Decide(Arc<Decision>),
    /// Remove the decision about these annotations.
    Undecide(Sources),
    /// Set a reviewer's comment on an annotator's annotation (an empty text removes it).
    Comment(Box<Comment>),
    /// Record (or replace) how a prediction turned out, in the resolver's file (the person
    /// the session edits for: the reviewer of a reviewed set, else the annotator).
    Resolve(Box<Resolution>),
    /// Remove the resolver's resolution of this annotation.
    Unresolve(Box<RecordKey>),
    /// Record (or replace) the verdict on a claim, in the resolver's file.
    SetVerdict(Box<VerdictRecord>),
    /// Remove the resolver's verdict on this annotation.
    ClearVerdict(Box<RecordKey>),
    /// Record (or replace) the annotator's decision on a suggestion, in their own
    /// `triage/<annotator>.ron`.
    Triage(Box<TriageRecord>),
    /// Remove the annotator's decision on this suggestion.
    Untriage(Box<TriageKey>),
}

// An edit that grows past this is copied in every move of a book's review start.
const _: () = assert!(std::mem::size_of::<Edit>() <= 32);

impl Edit {
    /// [`Edit::Insert`] of an annotation made here.
    pub fn insert(annotation: Annotation) -> Self {
        Self::Insert(Arc::new(annotation))
    }

    /// [`Edit::Replace`] with an annotation made here.
    pub fn replace(annotation: Annotation) -> Self {
        Self::Replace(Arc::new(annotation))
    }

    /// [`Edit::Decide`] of a decision made here.
    pub fn decide(decision: Decision) -> Self {
        Self::Decide(Arc::new(decision))
    }
}

/// Which of an annotator's files an edit changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EditTarget {
    /// The annotator's annotations of the document.
    Set,
    /// The annotator's entities.
    Entities,
    /// The reviewer's decisions and comments on the document.
    Review,
    /// The resolver's resolutions and verdicts (`resolutions/<resolver>.ron`).
    Resolutions,
    /// The annotator's decisions on suggestions (`triage/<annotator>.ron`).
    Triage,
}

impl Edit {
    /// The file the edit changes.
    pub fn target(&self) -> EditTarget {
        match self {
            Self::Insert(_) | Self::Remove(_) | Self::Replace(_) | Self::SetStatus(_) => {
                EditTarget::Set
            }
            Self::UpsertEntity(_) | Self::RemoveEntity(_) => EditTarget::Entities,
            Self::Decide(_) | Self::Undecide(_) | Self::Comment(_) => EditTarget::Review,
            Self::Resolve(_) | Self::Unresolve(_) | Self::SetVerdict(_) | Self::ClearVerdict(_) => {
                EditTarget::Resolutions
            }
            Self::Triage(_) | Self::Untriage(_) => EditTarget::Triage,
        }
    }
}

/// Gives the annotations an edit names (itself, or in annotation-valued attributes) their new
/// ids where `renamed` has one.
pub fn rename_ids(
    edit: &mut Edit,
    renamed: &std::collections::HashMap<AnnotationId, AnnotationId>,
) {
    if renamed.is_empty() {
        return;
    }
    let rename = |id: &mut AnnotationId| {
        if let Some(new) = renamed.get(id) {
            new.clone_into(id);
        }
    };
    match edit {
        Edit::Insert(a) | Edit::Replace(a) => {
            let named = |id: &AnnotationId| renamed.contains_key(id);
            let links = a
                .attributes
                .values()
                .any(|value| matches!(value, super::AttrValue::Annotation(id) if named(id)));
            if !named(&a.id) && !links {
                return;
            }
            let a = Arc::make_mut(a);
            rename(&mut a.id);
            for value in a.attributes.values_mut() {
                if let super::AttrValue::Annotation(id) = value {
                    rename(id);
                }
            }
        }
        Edit::Remove(id) => rename(id),
        _ => {}
    }
}

/// Replays a set edit onto a set read from disk. Returns whether the set changed.
pub fn replay_on_set(set: &mut AnnotationSet, edit: &Edit) -> bool {
    match edit {
        Edit::Insert(annotation) | Edit::Replace(annotation) => {
            match set.position(&annotation.id) {
                Some(at) if set.at(at) == Some(&**annotation) => false,
                Some(_) => {
                    // The time of creation stays the file's.
                    set.replace(Arc::clone(annotation));
                    true
                }
                None => {
                    set.insert(Arc::clone(annotation));
                    true
                }
            }
        }
        Edit::Remove(id) => set.remove(id).is_some(),
        Edit::SetStatus(status) => std::mem::replace(&mut set.status, *status) != *status,
        _ => false,
    }
}

/// Replays an entity edit onto a registry read from disk. Returns whether it changed.
pub fn replay_on_registry(registry: &mut EntityRegistry, edit: &Edit) -> bool {
    match edit {
        Edit::UpsertEntity(entity) => {
            if registry.get(&entity.id) == Some(entity) {
                return false;
            }
            registry.upsert(Entity::clone(entity));
            true
        }
        Edit::RemoveEntity(id) => match registry.entities.iter().position(|e| &e.id == id) {
            Some(at) => {
                registry.entities.remove(at);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Replays a review edit onto a review read from disk. Returns whether it changed.
pub fn replay_on_review(review: &mut Review, edit: &Edit) -> bool {
    match edit {
        Edit::Decide(decision) => {
            if review.decision(&decision.sources) == Some(&**decision) {
                return false;
            }
            review.upsert(Decision::clone(decision));
            true
        }
        Edit::Undecide(sources) => review.remove(sources).is_some(),
        Edit::Comment(comment) => {
            let before = review
                .comment(&comment.annotator, &comment.annotation)
                .cloned();
            let unchanged = match &before {
                Some(old) => old.text == comment.text,
                None => comment.text.trim().is_empty(),
            };
            if unchanged {
                return false;
            }
            review.set_comment(Comment::clone(comment));
            true
        }
        _ => false,
    }
}

/// Replays a resolution edit onto a resolver's records read from disk. Returns whether they
/// changed. Like the other replays it is lenient and idempotent: a resolution of what is
/// resolved already replaces it, removing what is gone does nothing.
pub fn replay_on_resolutions(resolutions: &mut Resolutions, edit: &Edit) -> bool {
    match edit {
        Edit::Resolve(record) => {
            if resolutions.predictions.get(&record.key) == Some(record) {
                return false;
            }
            resolutions
                .predictions
                .insert(record.key.clone(), Resolution::clone(record));
            true
        }
        Edit::Unresolve(key) => resolutions.predictions.remove(key).is_some(),
        Edit::SetVerdict(record) => {
            if resolutions.claims.get(&record.key) == Some(record) {
                return false;
            }
            resolutions
                .claims
                .insert(record.key.clone(), VerdictRecord::clone(record));
            true
        }
        Edit::ClearVerdict(key) => resolutions.claims.remove(key).is_some(),
        _ => false,
    }
}

/// Replays a decision on a suggestion onto the annotator's decisions read from disk. Returns
/// whether they changed; lenient and idempotent like the other replays.
pub fn replay_on_triage(triage: &mut Triage, edit: &Edit) -> bool {
    match edit {
        Edit::Triage(record) => {
            if triage.records.get(&record.key) == Some(record) {
                return false;
            }
            triage
                .records
                .insert(record.key.clone(), TriageRecord::clone(record));
            true
        }
        Edit::Untriage(key) => triage.records.remove(key).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocText, checked_fragments};

    fn person(text: &DocText, start: u32, end: u32) -> Annotation {
        Annotation::new("Person", checked_fragments(text, &[(start, end)]).unwrap())
    }

    #[test]
    fn replaying_merges_by_id_and_twice_changes_nothing_more() {
        let text = DocText::new("Putin möter Lukashenko i Sotji.").unwrap();
        let theirs = person(&text, 0, 5);
        let mine = person(&text, 12, 22);
        let mut disk = AnnotationSet::new("anna", "doc");
        disk.insert(theirs.clone());
        let mut edited = theirs.clone();
        edited.label = "Organization".into();
        let edits = [
            Edit::insert(mine.clone()),
            Edit::replace(edited.clone()),
            Edit::Remove(AnnotationId("gone".into())),
        ];
        let changed: Vec<bool> = edits.iter().map(|e| replay_on_set(&mut disk, e)).collect();
        assert_eq!(changed, [true, true, false]);
        assert_eq!(disk.annotations().len(), 2);
        assert_eq!(disk.get(&theirs.id).unwrap().label, "Organization");
        let again: Vec<bool> = edits.iter().map(|e| replay_on_set(&mut disk, e)).collect();
        assert_eq!(again, [false, false, false], "idempotent");
        // An edit of an annotation someone deleted meanwhile puts it back.
        let mut other = AnnotationSet::new("anna", "doc");
        assert!(replay_on_set(&mut other, &Edit::replace(edited)));
        assert_eq!(other.annotations().len(), 1);
    }

    #[test]
    fn resolutions_replay_by_annotation_and_idempotently() {
        use crate::model::resolution::Record;
        use crate::predict::ResolutionStatus;
        let key = RecordKey::new("doc", "anna", AnnotationId("p1".into()));
        let record = Record {
            key: key.clone(),
            outcome: ResolutionStatus::CameTrue,
            date: Some("2021-02-22".parse().unwrap()),
            evidence: vec!["https://example.org/talks".into()],
            note: String::new(),
            quote: "kommer att hålla samtalen".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
        };
        let mut disk = Resolutions::new("erik");
        assert!(replay_on_resolutions(
            &mut disk,
            &Edit::Resolve(Box::new(record.clone()))
        ));
        assert!(!replay_on_resolutions(
            &mut disk,
            &Edit::Resolve(Box::new(record.clone()))
        ));
        let changed = Record {
            outcome: ResolutionStatus::Ambiguous,
            ..record
        };
        assert!(replay_on_resolutions(
            &mut disk,
            &Edit::Resolve(Box::new(changed))
        ));
        assert_eq!(
            disk.predictions.get(&key).map(|r| r.outcome),
            Some(ResolutionStatus::Ambiguous)
        );
        assert!(replay_on_resolutions(
            &mut disk,
            &Edit::Unresolve(Box::new(key.clone()))
        ));
        assert!(!replay_on_resolutions(
            &mut disk,
            &Edit::Unresolve(Box::new(key))
        ));
        assert!(disk.is_empty());
    }
}

/// Edits in the order they were made, in runs: a staged step's (a review's start or its undo
/// on a book: a million) goes in as a run of its own, moved, rather than appended to the run
/// before it (which copied them into fresh memory: 20-30 ms on a book).
#[derive(Clone, Debug, Default)]
pub struct EditRuns(Vec<Vec<Edit>>);

impl EditRuns {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// Each, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Edit> {
        self.0.iter().flatten()
    }

    /// The run edits are appended to.
    pub(crate) fn last_mut(&mut self) -> &mut Vec<Edit> {
        if self.0.is_empty() {
            self.0.push(Vec::new());
        }
        let last = self.0.len() - 1;
        &mut self.0[last]
    }

    /// Puts `other`'s runs after these, moved; edits appended next start a run of their own
    /// (appended to a moved run of a million, they could make it move again).
    pub(crate) fn append(&mut self, other: &mut Self) {
        if self.is_empty() {
            std::mem::swap(&mut self.0, &mut other.0);
        } else {
            self.0.append(&mut other.0);
        }
        self.0.push(Vec::new());
    }
}

impl<'a> IntoIterator for &'a EditRuns {
    type Item = &'a Edit;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Edit>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().flatten()
    }
}
