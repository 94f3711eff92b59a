//! What the inspector derives from the whole project, kept between frames: how often the
//! selected mention's entity is mentioned, where the selected prediction or claim stands in
//! the counts, the entities the pickers search and the rows of the annotation picker. Each is
//! derived once per change of the project ([`Session::instance`] and [`Session::revision`]),
//! of the counts ([`TrackingState::builds`]), of the annotator, the document or the
//! selection, never per frame: a frame of the inspector costs the same on a project of 10
//! documents and of 1,000.

use std::cell::OnceCell;
use std::sync::Arc;

use super::entity_picker::ProjectEntity;
use crate::model::list::ChunkCounts;
use crate::model::review::{Choice, Decision, reviewer_of};
use crate::model::{Annotation, AnnotationId, Annotations, DocText, EntityId, Project, RecordKey};
use crate::session::Session;
use crate::ui::selected::Selected;
use crate::ui::tracking::{Recorded, TrackingState};

/// One choice of the annotation picker: an annotation of the document in words.
#[derive(Clone, Debug, PartialEq)]
pub struct PickerRow {
    /// The annotation.
    pub id: AnnotationId,
    /// "Label · covered text", shortened.
    pub text: String,
    /// The same in lower case, to filter by.
    pub lower: String,
}

/// Why one's own prediction or claim is not in the counts of a reviewed document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeftOut {
    /// The review that counts (this reviewer's) did not keep it.
    NotKept(String),
    /// It is in another review than the one that counts (this reviewer's).
    OtherReview(String),
}

/// What the project-derived entries are of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Key {
    instance: u64,
    revision: u64,
    builds: u64,
    me: String,
    document: String,
    selected: Option<Selected>,
}

/// The inspector's derived data (see the module's doc).
#[derive(Debug, Default)]
pub struct InspectorCache {
    key: Option<Key>,
    /// How often the selected annotation's entity is mentioned in the annotator's work: the
    /// entity, for whom, and its mentions in each chunk of that annotator's sets, the chunk held: an edit recounts only the chunk it changed (a
    /// recount of a book's million annotations took 11 ms at every edit).
    mention_counts: Option<MentionCounts>,
    /// Where the selected annotation stands in the counts.
    outcome: Option<Recorded>,
    /// Why the selected prediction or claim is not counted, when a review of the document
    /// is what counts (see [`crate::predict::tracker`]).
    left_out: Option<LeftOut>,
    /// Every entity of the project for the pickers, made when a picker first opens.
    entities: OnceCell<Arc<Vec<ProjectEntity>>>,
    /// The document's annotations for the annotation picker, made when it first opens.
    picker_rows: OnceCell<Arc<Vec<PickerRow>>>,
    /// The decisions of the document's reviewers about the selected annotation that took
    /// more than an agreement, by reviewer and in text order: a book's review has 95k
    /// decisions, not to be looked through at every frame.
    decided: Vec<(String, Arc<Decision>)>,
}

impl InspectorCache {
    /// Derives again what the project, the counts or the selection changed.
    pub fn refresh(
        &mut self,
        session: Option<&Session>,
        document: Option<&str>,
        selected: Option<&Selected>,
        tracking: &TrackingState,
    ) {
        let (Some(session), Some(document)) = (session, document) else {
            *self = Self::default();
            return;
        };
        let key = Key {
            instance: session.instance(),
            revision: session.revision(),
            builds: tracking.builds(),
            me: session.annotator().to_owned(),
            document: document.to_owned(),
            selected: selected.cloned(),
        };
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let project = &session.store.project;
        let me = key.me.as_str();
        let annotation = selected.and_then(|s| s.find(project, document, me));
        let entity = match (selected, annotation) {
            (Some(Selected::Own(_)), Some(a)) => a.entity.as_ref(),
            _ => None,
        };
        // Without an entity the chunks are let go: held, each would be copied by the next
        // edit to it.
        let before = self.mention_counts.take();
        self.mention_counts = entity.map(|e| MentionCounts::of(project, me, e, before));
        // Only one's own predictions and claims are looked up, and the map is made for them
        // alone: made at every new count, it took 110 ms on a project of 120k predictions
        // after each resolution, with nothing selected.
        let countable = |a: &Annotation| {
            project.schema.label(&a.label).is_some_and(|l| {
                matches!(
                    l.kind,
                    crate::model::LabelKind::Prediction | crate::model::LabelKind::Claim
                )
            })
        };
        self.outcome = match (selected, annotation) {
            (Some(Selected::Own(_)), Some(a)) if countable(a) => {
                tracking.copy_of(&RecordKey::new(document, me, a.id.clone()))
            }
            _ => None,
        };
        // Only said of counts that are of the project as it is: a prediction just tagged is
        // not counted until the count after it.
        let current =
            !tracking.counting() && tracking.counted_at() == Some(session.content_revision());
        self.left_out = match (selected, annotation) {
            (Some(Selected::Own(_)), Some(a))
                if self.outcome.is_none() && current && countable(a) =>
            {
                crate::predict::tracker::counting_review(project, document)
                    .filter(|review| *review != me)
                    .map(|review| {
                        let reviewer = reviewer_of(review).unwrap_or(review).to_owned();
                        match reviewer_of(me) {
                            // Another reviewer's set: only the first review counts.
                            Some(_) => LeftOut::OtherReview(reviewer),
                            None => LeftOut::NotKept(reviewer),
                        }
                    })
            }
            _ => None,
        };
        self.decided = match (selected, annotation) {
            (Some(Selected::Own(_)), Some(a)) => decided(project, document, me, &a.id),
            _ => Vec::new(),
        };
        self.entities = OnceCell::new();
        self.picker_rows = OnceCell::new();
        self.key = Some(key);
    }

    /// How often the selected annotation's entity is mentioned in the annotator's work.
    pub fn mentions(&self) -> Option<usize> {
        self.mention_counts.as_ref().map(|c| c.counts.total())
    }

    /// Where the selected annotation stands in the counts.
    pub fn outcome(&self) -> Option<Recorded> {
        self.outcome
    }

    /// Why the selected prediction or claim is not counted (see the field).
    pub fn left_out(&self) -> Option<&LeftOut> {
        self.left_out.as_ref()
    }

    /// What reviewers decided about the selected annotation (see the field).
    pub fn decided(&self) -> &[(String, Arc<Decision>)] {
        &self.decided
    }

    /// Every entity of the project, as [`ProjectEntity::all`] lists them.
    pub fn entities(&self, project: &Project, me: &str) -> Arc<Vec<ProjectEntity>> {
        Arc::clone(
            self.entities
                .get_or_init(|| Arc::new(ProjectEntity::all(project, me))),
        )
    }

    /// The document's annotations as the annotation picker lists them, in text order.
    pub fn picker_rows(&self, annotations: Annotations<'_>, text: &DocText) -> Arc<Vec<PickerRow>> {
        Arc::clone(self.picker_rows.get_or_init(|| {
            Arc::new(
                annotations
                    .iter()
                    .map(|a| {
                        let text = describe(a, text);
                        PickerRow {
                            id: a.id.clone(),
                            lower: text.to_lowercase(),
                            text,
                        }
                    })
                    .collect(),
            )
        }))
    }
}

/// An annotation as the annotation picker shows it.
pub fn describe(a: &Annotation, text: &DocText) -> String {
    format!("{} · {}", a.label, crate::ui::covered_preview(a, text, 40))
}

/// The decisions of the document's reviewers that compared this annotation of `me`'s and did
/// more than take an agreement, by reviewer, each reviewer's in text order.
fn decided(
    project: &Project,
    document: &str,
    me: &str,
    id: &AnnotationId,
) -> Vec<(String, Arc<Decision>)> {
    // The document's reviews only: the map is ordered by (document, reviewer).
    let reviews = project
        .reviews
        .range((document.to_owned(), String::new())..)
        .take_while(|((doc, _), _)| doc == document);
    let mut out = Vec::new();
    for ((_, reviewer), review) in reviews {
        let mut about: Vec<&Arc<Decision>> = review
            .decisions
            .values()
            .filter(|d| d.sources.get(me) == Some(id) && d.choice != Choice::Agreed)
            .collect();
        about.sort_by(|a, b| (a.start, a.end, &a.sources).cmp(&(b.start, b.end, &b.sources)));
        out.extend(about.into_iter().map(|d| (reviewer.clone(), Arc::clone(d))));
    }
    out
}

/// How many of an annotator's annotations, in every document, mention an entity: counted per
/// chunk of their sets, each chunk held so that an unchanged one is known again.
#[derive(Debug)]
struct MentionCounts {
    entity: EntityId,
    me: String,
    counts: ChunkCounts,
}

impl MentionCounts {
    /// The counts as the project is now, taking over those of `before` for every chunk it
    /// still has (the same entity and annotator).
    fn of(project: &Project, me: &str, entity: &EntityId, before: Option<Self>) -> Self {
        let before = before
            .filter(|b| b.entity == *entity && b.me == me)
            .map(|b| b.counts);
        let chunks = project
            .sets
            .iter()
            .filter(|((_, who), _)| who == me)
            .flat_map(|(_, set)| set.chunks());
        Self {
            entity: entity.clone(),
            me: me.to_owned(),
            counts: ChunkCounts::of(chunks, before, |a| a.entity.as_ref() == Some(entity)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnnotationSet, CharOffset, Fragment, Schema};

    /// Counted again after edits, the mentions are those of a full count, and only the
    /// chunks an edit changed were looked at: the others are the very chunks held before.
    #[test]
    fn mention_counts_follow_edits_recounting_only_changed_chunks() {
        let mut project = Project::new("p", Schema::news_default());
        let entity = EntityId("anna-berg".into());
        let made: Vec<Annotation> = (0..5000u32)
            .map(|i| {
                let mut a = Annotation::new(
                    "Person",
                    vec![Fragment {
                        start: CharOffset(i * 2),
                        end: CharOffset(i * 2 + 1),
                    }],
                );
                a.entity = (i % 3 == 0).then(|| entity.clone());
                a
            })
            .collect();
        let ids: Vec<AnnotationId> = made.iter().map(|a| a.id.clone()).collect();
        let set = AnnotationSet::with_annotations("olga", "d", made);
        project.sets.insert(("d".into(), "olga".into()), set);
        let full = |project: &Project| {
            project
                .sets
                .values()
                .flat_map(|s| s.iter())
                .filter(|a| a.entity.as_ref() == Some(&entity))
                .count()
        };
        let mut counts = MentionCounts::of(&project, "olga", &entity, None);
        assert_eq!(counts.counts.total(), full(&project));
        let key = ("d".to_owned(), "olga".to_owned());
        for (step, at) in [4000usize, 1, 2500, 4999].into_iter().enumerate() {
            // The counts hold the chunks: the edit copies the one it changes.
            let set = project.sets.get_mut(&key).unwrap();
            set.update(&ids[at], |a| {
                a.entity = if a.entity.is_some() {
                    None
                } else {
                    Some(entity.clone())
                };
            });
            let before: Vec<_> = counts.counts.chunks().map(Arc::clone).collect();
            counts = MentionCounts::of(&project, "olga", &entity, Some(counts));
            assert_eq!(counts.counts.total(), full(&project), "step {step}");
            let kept = before
                .iter()
                .zip(counts.counts.chunks())
                .filter(|(a, b)| Arc::ptr_eq(a, b))
                .count();
            assert_eq!(kept, before.len() - 1, "step {step}: one chunk new");
        }
        // Counts of another entity are not taken over.
        let other = EntityId("erik-lund".into());
        let counts = MentionCounts::of(&project, "olga", &other, Some(counts));
        assert_eq!(counts.counts.total(), 0);
    }

    /// In a document with reviews, one's own prediction the counts leave out says why: the
    /// review that counts (the first by name) did not keep it, or, in another reviewer's
    /// set, that only the first review counts. One that is counted, or a document without a
    /// review, says nothing of the kind.
    #[test]
    fn a_prediction_left_out_by_a_review_says_why() {
        use crate::model::checked_fragments;
        use crate::store::ProjectStore;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let mut store = ProjectStore::create(&root, "P").unwrap();
        let text = "Han kommer troligen att vinna valet. Hon vinner nog också.";
        let doc = store.add_text("d.txt", "D", text.to_owned()).unwrap();
        let plain = store.add_text("e.txt", "E", text.to_owned()).unwrap();
        let at = |doc: &str, from, to| {
            let text = &store.project.document(doc).unwrap().text;
            Annotation::new(
                "Prediction",
                checked_fragments(text, &[(from, to)]).unwrap(),
            )
        };
        let (kept, dropped, alone) = (at(&doc, 0, 35), at(&doc, 37, 57), at(&plain, 0, 35));
        let mut put = |doc: &str, who: &str, annotation: &Annotation| {
            store.project.set_mut(doc, who).insert(annotation.clone());
        };
        for a in [&kept, &dropped] {
            put(&doc, "anna", a);
            put(&doc, "review.olga", a);
        }
        put(&doc, "review.bo", &kept);
        put(&plain, "anna", &alone);
        for (d, who) in [
            (&doc, "anna"),
            (&doc, "review.olga"),
            (&doc, "review.bo"),
            (&plain, "anna"),
        ] {
            store.save_set(d, who).unwrap();
        }
        let root_of = root.clone();
        let left_out = |me: &str, doc: &str, a: &Annotation| {
            let root = &root_of;
            let (store, problems) = ProjectStore::open(root).unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            let session = Session::new(store, me.to_owned());
            let mut tracking = TrackingState::default();
            tracking.refresh(&session, None);
            let mut cache = InspectorCache::default();
            let selected = Selected::Own(a.id.clone());
            cache.refresh(Some(&session), Some(doc), Some(&selected), &tracking);
            (cache.outcome().is_some(), cache.left_out().cloned())
        };
        assert_eq!(left_out("anna", &doc, &kept), (true, None));
        // Bo has not decided on it yet: it counts, as if there were no review.
        assert_eq!(left_out("anna", &doc, &dropped), (true, None));
        // Once he decides against it, it is left out, and the inspector says why.
        store
            .project
            .review_mut(&doc, "bo")
            .upsert(crate::model::review::Decision {
                sources: [("anna", dropped.id.clone())].into_iter().collect(),
                start: crate::model::CharOffset(37),
                end: crate::model::CharOffset(57),
                kind: "only some annotators".into(),
                choice: crate::model::review::Choice::Neither,
                result: Vec::new(),
                note: String::new(),
                at: jiff::Timestamp::UNIX_EPOCH,
            });
        let done = store.prepare_review_save(&doc, "bo", None).unwrap().run();
        store.finish_write(done).unwrap();
        drop(store);
        assert_eq!(
            left_out("anna", &doc, &dropped),
            (false, Some(LeftOut::NotKept("bo".into())))
        );
        assert_eq!(
            left_out("review.olga", &doc, &dropped),
            (false, Some(LeftOut::OtherReview("bo".into())))
        );
        assert_eq!(left_out("review.bo", &doc, &kept), (true, None));
        assert_eq!(left_out("anna", &plain, &alone), (true, None));
    }
}
