//! Adjudication: a reviewer settles each unit of comparison and so builds the reviewed set,
//! an ordinary annotation set named `review.<reviewer>` with a [`Review`] recording where each
//! of its annotations came from.
//!
//! Everything here returns session [`Edit`]s for a session whose annotator is the reviewed set
//! (`review.<reviewer>`): applying them is one undo step, autosaved like any other change.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::annotation::now;
use crate::model::review::{Choice, Decision, Review, Sources, review_set_name};
use crate::model::{Annotation, AnnotationId, AttrValue, CharOffset, Entity, EntityId, Project};
use crate::session::Edit;

use super::align::{Alignment, ComparisonUnit, UnitKind};
use super::{AgreementError, AgreementReport};

/// How a unit's kind reads in the app and in the review file.
pub fn kind_name(kind: &UnitKind) -> String {
    match kind {
        UnitKind::Matched => "matched".to_owned(),
        UnitKind::LabelDiffers => "label differs".to_owned(),
        UnitKind::BoundaryDiffers => "boundary differs".to_owned(),
        UnitKind::OnlyIn(annotator) => format!("only {annotator}"),
    }
}

/// What a unit is, in words: its kind, and the attributes that differ.
pub fn describe(unit: &ComparisonUnit) -> String {
    let mut text = kind_name(&unit.kind);
    if unit.kind == UnitKind::Matched && !unit.missing.is_empty() {
        text = format!("missing in {}", unit.missing.join(", "));
    }
    if !unit.differing_attributes.is_empty() {
        text.push_str(&format!(
            "; {} differ{}",
            unit.differing_attributes.join(", "),
            if unit.differing_attributes.len() == 1 {
                "s"
            } else {
                ""
            }
        ));
    }
    text
}

/// The key of a unit's decision: which annotation of which annotator it compares.
pub fn sources(unit: &ComparisonUnit) -> Sources {
    unit.annotations.clone()
}

/// What a review starts from: the comparison of the annotators' work on a document, their
/// agreement, and the edits that take what they agree on into the reviewed set.
#[derive(Debug)]
pub struct ReviewStart {
    /// The document.
    pub document: String,
    /// Who reviews.
    pub reviewer: String,
    /// The units of comparison.
    pub alignment: Alignment,
    /// The document's agreement figures, if they can be computed.
    pub figures: Option<AgreementReport>,
    /// The edits that take the agreements into the reviewed set, as one step.
    pub edits: Vec<Edit>,
}

/// Aligns the annotators' work on a document, measures their agreement, and prepares the
/// edits that take what they agree on ([`take_agreements`]). The alignment of a book uses
/// both cores ([`super::align`]); then the figures are computed on a thread of their own
/// while the agreements are taken (each about 25 ms of a book's start). Pure: the app runs it
/// on a copy of the project for big reviews.
pub fn prepare_start(
    project: &Project,
    document: &str,
    reviewer: &str,
    annotators: &[String],
) -> Result<ReviewStart, AgreementError> {
    let alignment = super::align_document(project, document, annotators)?;
    let (edits, figures) = std::thread::scope(|scope| {
        let figures = std::thread::Builder::new()
            .name("review figures".to_owned())
            .spawn_scoped(scope, || {
                super::document_agreement(project, document, annotators).ok()
            });
        let edits = take_agreements(project, document, reviewer, &alignment);
        let figures = match figures {
            Ok(thread) => thread.join().ok().flatten(),
            // No thread to spare: computed here.
            Err(_) => super::document_agreement(project, document, annotators).ok(),
        };
        (edits, figures)
    });
    Ok(ReviewStart {
        document: document.to_owned(),
        reviewer: reviewer.to_owned(),
        alignment,
        figures,
        edits,
    })
}

/// The edits that take everything the annotators agree on into the reviewed set, for the
/// units not decided yet. Done when a review starts, as INCEpTION's curation does, so that
/// the reviewer only looks at disagreements.
pub fn take_agreements(
    project: &Project,
    document: &str,
    reviewer: &str,
    alignment: &Alignment,
) -> Vec<Edit> {
    let review = project.review(document, reviewer);
    let mut copier = Copier::new(project, document, reviewer);
    // One time for the whole step, as for one edit.
    let at = copier.now;
    // Made in place at their final size: a book has 95k.
    let mut decisions = Vec::with_capacity(alignment.units.len());
    copier.inserts.reserve(alignment.units.len());
    for unit in alignment.units.iter().filter(|u| u.is_agreement()) {
        if review.is_some_and(|r| r.decision(&unit.annotations).is_some()) {
            continue;
        }
        let Some((annotator, id)) = unit.annotations.iter().next() else {
            continue;
        };
        // An agreement's span is each of its annotations' span: the annotation is found
        // where the unit is, walking the annotator's set in text order as the units go.
        let result: Vec<AnnotationId> = copier
            .copy_near(annotator, id, (unit.start, unit.end))
            .into_iter()
            .collect();
        decisions.push(Edit::decide(Decision {
            sources: sources(unit),
            start: unit.start,
            end: unit.end,
            kind: describe(unit),
            choice: Choice::Agreed,
            result,
            note: String::new(),
            at,
        }));
    }
    let mut edits = copier.finish();
    edits.append(&mut decisions);
    edits
}

/// The edits that settle one unit with `choice`: what an earlier decision about the unit put
/// into the reviewed set comes out, copies of the chosen annotations go in (with the entities
/// they link to), and the decision is recorded with the reviewer's note. Returns the edits
/// and the ids of the annotations put in.
pub fn settle(
    project: &Project,
    document: &str,
    reviewer: &str,
    unit: &ComparisonUnit,
    choice: Choice,
    note: &str,
) -> (Vec<Edit>, Vec<AnnotationId>) {
    let key = sources(unit);
    let reviewed = review_set_name(reviewer);
    let earlier: Vec<AnnotationId> = project
        .review(document, reviewer)
        .and_then(|r| r.decision(&key))
        .map(|d| d.result.clone())
        .unwrap_or_default();
    let mut removals: Vec<Edit> = earlier
        .into_iter()
        .filter(|id| {
            project
                .set(document, &reviewed)
                .is_some_and(|set| set.get(id).is_some())
        })
        .map(Edit::Remove)
        .collect();
    let chosen: Vec<(&str, &AnnotationId)> = match &choice {
        Choice::Take(annotator) => unit
            .annotations
            .iter()
            .filter(|(a, _)| *a == annotator)
            .collect(),
        Choice::All => unit.annotations.iter().collect(),
        // Edited starts from the first annotator's version, which the reviewer then edits.
        Choice::Agreed | Choice::Edited => unit.annotations.iter().take(1).collect(),
        Choice::Neither => Vec::new(),
    };
    let mut copier = Copier::new(project, document, reviewer);
    let result: Vec<AnnotationId> = chosen
        .into_iter()
        .filter_map(|(annotator, id)| copier.copy(annotator, id))
        .collect();
    let mut edits = std::mem::take(&mut removals);
    edits.extend(copier.finish());
    edits.push(Edit::decide(decision(unit, choice, result.clone(), note)));
    (edits, result)
}

/// How far a review has got: (decided disagreements, all disagreements).
pub fn progress(alignment: &Alignment, review: Option<&Review>) -> (usize, usize) {
    let mut decided = 0;
    let mut all = 0;
    for unit in alignment.disagreements() {
        all += 1;
        if review.is_some_and(|r| r.decision(&sources(unit)).is_some()) {
            decided += 1;
        }
    }
    (decided, all)
}

fn decision(
    unit: &ComparisonUnit,
    choice: Choice,
    result: Vec<AnnotationId>,
    note: &str,
) -> Decision {
    Decision {
        sources: sources(unit),
        start: unit.start,
        end: unit.end,
        kind: describe(unit),
        choice,
        result,
        note: note.to_owned(),
        at: now(),
    }
}

/// Copies annotators' annotations into the reviewed set, bringing along the entities they
/// link to (renamed when the reviewed set has another entity of the same id) and mapping
/// links between annotations to what those became in the reviewed set.
struct Copier<'a> {
    project: &'a Project,
    document: &'a str,
    reviewer: &'a str,
    reviewed: String,
    /// (annotator, their entity id) → id in the reviewed set's registry.
    entity_ids: BTreeMap<(String, EntityId), EntityId>,
    entity_edits: Vec<Edit>,
    inserts: Vec<Edit>,
    /// For copying many annotations in text order: where in each annotator's set the last
    /// one was found.
    cursors: Vec<(&'a str, usize)>,
    /// When the copies are made.
    now: jiff::Timestamp,
}

impl<'a> Copier<'a> {
    fn new(project: &'a Project, document: &'a str, reviewer: &'a str) -> Self {
        Self {
            project,
            document,
            reviewer,
            reviewed: review_set_name(reviewer),
            entity_ids: BTreeMap::new(),
            entity_edits: Vec::new(),
            inserts: Vec::new(),
            cursors: Vec::new(),
            now: now(),
        }
    }

    /// An annotator's annotation of the document, looked for first at `span` (its start and
    /// end) after the one found last: one step along the set for annotations asked for in
    /// text order, a binary search otherwise, the id's index if the span is not its own.
    fn source_near(
        &mut self,
        annotator: &str,
        id: &AnnotationId,
        (start, end): (CharOffset, CharOffset),
    ) -> Option<&'a Annotation> {
        let set = self.project.set(self.document, annotator)?;
        let all = set.annotations();
        let k = match self.cursors.iter().position(|(a, _)| *a == annotator) {
            Some(k) => k,
            None => {
                self.cursors.push((set.annotator.as_str(), 0));
                self.cursors.len() - 1
            }
        };
        let cursor = self.cursors[k].1;
        let key = (start, end, id.0.as_str());
        let before = |a: &Arc<Annotation>| a.sort_key() < key;
        // Forward from the cursor by doubling steps, then a binary search in the last step.
        let at = if all.get(cursor).is_some_and(before) {
            let mut step = 1;
            while all.get(cursor + step).is_some_and(before) {
                step *= 2;
            }
            let upto = (cursor + step).min(all.len());
            cursor + 1 + all.range(cursor + 1..upto).partition_point(before)
        } else if cursor > 0 && all.get(cursor - 1).is_some_and(|a| !before(a)) {
            all.range(0..cursor).partition_point(before)
        } else {
            cursor
        };
        match all.get(at) {
            Some(found) if &found.id == id => {
                self.cursors[k].1 = at;
                Some(&**found)
            }
            _ => set.get(id),
        }
    }

    /// Queues a copy of an annotator's annotation; returns its id in the reviewed set.
    fn copy(&mut self, annotator: &str, id: &AnnotationId) -> Option<AnnotationId> {
        let source = self.project.set(self.document, annotator)?.get(id)?;
        Some(self.copy_of(annotator, source))
    }

    /// [`Self::copy`] of an annotation whose span is likely `span`, asked for in text order.
    fn copy_near(
        &mut self,
        annotator: &str,
        id: &AnnotationId,
        span: (CharOffset, CharOffset),
    ) -> Option<AnnotationId> {
        let source = self.source_near(annotator, id, span)?;
        Some(self.copy_of(annotator, source))
    }

    fn copy_of(&mut self, annotator: &str, source: &'a Annotation) -> AnnotationId {
        let entity = source
            .entity
            .as_ref()
            .and_then(|e| self.entity(annotator, e));
        let mut attributes = BTreeMap::new();
        for (name, value) in &source.attributes {
            let value = match value {
                AttrValue::Entity(e) => self.entity(annotator, e).map(AttrValue::Entity),
                AttrValue::Annotation(target) => self
                    .copied_annotation(annotator, target)
                    .map(AttrValue::Annotation),
                other => Some(other.clone()),
            };
            // A link to something the reviewed set does not have is left out, not dangling.
            if let Some(value) = value {
                attributes.insert(name.clone(), value);
            }
        }
        let copy = Annotation {
            id: AnnotationId::random(),
            label: source.label.clone(),
            fragments: source.fragments.clone(),
            entity,
            attributes,
            note: source.note.clone(),
            created: source.created,
            modified: self.now,
        };
        let new_id = copy.id.clone();
        self.inserts.push(Edit::insert(copy));
        new_id
    }

    /// What an annotator's annotation became in the reviewed set, if it is there.
    fn copied_annotation(&self, annotator: &str, id: &AnnotationId) -> Option<AnnotationId> {
        let review = self.project.review(self.document, self.reviewer)?;
        let reviewed = self.project.set(self.document, &self.reviewed)?;
        // Of the decisions about it (in order of what they compare), the first result there.
        review
            .decisions
            .values()
            .filter(|d| d.sources.get(annotator) == Some(id))
            .filter_map(|d| {
                Some((
                    &d.sources,
                    d.result.iter().find(|r| reviewed.get(r).is_some())?,
                ))
            })
            .min_by(|a, b| a.0.cmp(b.0))
            .map(|(_, r)| r.clone())
    }

    /// The reviewed set's id for an annotator's entity, queuing its copy if needed.
    fn entity(&mut self, annotator: &str, id: &EntityId) -> Option<EntityId> {
        let key = (annotator.to_owned(), id.clone());
        if let Some(done) = self.entity_ids.get(&key) {
            return Some(done.clone());
        }
        let entity = self.project.registry(annotator)?.get(id)?.clone();
        let registry = self.project.registry(&self.reviewed);
        let same = |e: &Entity| e.name == entity.name && e.label == entity.label;
        // The same entity, under whatever id the reviewed set already has it.
        let existing = registry
            .and_then(|r| r.entities.iter().find(|e| same(e)))
            .or_else(|| {
                self.entity_edits.iter().find_map(|edit| match edit {
                    Edit::UpsertEntity(e) if same(e) => Some(&**e),
                    _ => None,
                })
            })
            .map(|e| e.id.clone());
        let target = match existing {
            Some(existing) => existing,
            None => {
                let taken = |candidate: &EntityId| {
                    registry.is_some_and(|r| r.get(candidate).is_some())
                        || self
                            .entity_edits
                            .iter()
                            .any(|edit| matches!(edit, Edit::UpsertEntity(e) if &e.id == candidate))
                };
                let mut target = entity.id.clone();
                let mut n = 2;
                while taken(&target) {
                    target = EntityId(format!("{}-{n}", entity.id.0));
                    n += 1;
                }
                self.entity_edits.push(Edit::UpsertEntity(Box::new(Entity {
                    id: target.clone(),
                    ..entity
                })));
                target
            }
        };
        self.entity_ids.insert(key, target.clone());
        Some(target)
    }

    /// Entities first, so that the annotations linking to them validate.
    fn finish(self) -> Vec<Edit> {
        let mut edits = self.entity_edits;
        edits.extend(self.inserts);
        edits
    }
}
