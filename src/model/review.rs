//! A reviewer's adjudication of several annotators' work on a document.
//!
//! The reviewed annotations are an ordinary annotation set, kept under the name
//! `review.<reviewer>` (so they are validated, exported and diffed like anyone's), and the
//! decisions that made them, with the reviewer's comments, are a [`Review`], saved in
//! `reviews/<reviewer>/<document>.ron`. Never imports egui or eframe.

use std::sync::Arc;

use jiff::Timestamp;
use smol_str::SmolStr;

use super::{AnnotationId, CharOffset};

/// Prefix of the annotator name under which a reviewer's reviewed set is kept. Annotators
/// cannot take names that start with it.
pub const REVIEW_PREFIX: &str = "review.";

/// The set name of a reviewer's reviewed annotations: `review.<reviewer>`.
pub fn review_set_name(reviewer: &str) -> String {
    format!("{REVIEW_PREFIX}{reviewer}")
}

/// The reviewer whose reviewed set this is, if `annotator` names one.
pub fn reviewer_of(annotator: &str) -> Option<&str> {
    annotator.strip_prefix(REVIEW_PREFIX)
}

/// Which annotations of which annotators a decision is about: annotator → annotation. The
/// key of a decision (one disagreement is decided once).
///
/// A map kept as a short list sorted by annotator, each annotator once: it compares,
/// iterates and prints as a `BTreeMap<String, AnnotationId>` would. The list is shared: a
/// review start names each agreement's sources in several places (the unit, the decision,
/// its key in the review, the undo), and a copy is one count, not a list of names and ids.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sources(Arc<[(SmolStr, AnnotationId)]>);

impl Sources {
    /// No annotations.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many annotators.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (annotator, annotation) by annotator.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&str, &AnnotationId)> + ExactSizeIterator + Clone {
        self.0.iter().map(|(a, id)| (a.as_str(), id))
    }

    /// The annotators, sorted.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone {
        self.0.iter().map(|(a, _)| a.as_str())
    }

    /// The annotations, by annotator.
    pub fn values(
        &self,
    ) -> impl DoubleEndedIterator<Item = &AnnotationId> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, id)| id)
    }

    /// This annotator's annotation and the annotator's name as stored.
    pub fn get_key_value(&self, annotator: &str) -> Option<(&str, &AnnotationId)> {
        self.0
            .binary_search_by(|(a, _)| a.as_str().cmp(annotator))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(a, id)| (a.as_str(), id))
    }

    /// This annotator's annotation.
    pub fn get(&self, annotator: &str) -> Option<&AnnotationId> {
        self.get_key_value(annotator).map(|(_, id)| id)
    }
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<(S, AnnotationId)> for Sources {
    /// As a map collects: sorted by annotator, the last annotation of an annotator named twice.
    fn from_iter<I: IntoIterator<Item = (S, AnnotationId)>>(pairs: I) -> Self {
        let mut all: Vec<(SmolStr, AnnotationId)> = pairs
            .into_iter()
            .map(|(a, id)| (SmolStr::new(a), id))
            .collect();
        if !all.is_sorted_by(|x, y| x.0 < y.0) {
            all.sort_by(|x, y| x.0.cmp(&y.0));
            // The last of each run of one annotator stays, as a map's insert keeps it.
            all.reverse();
            all.dedup_by(|later, earlier| later.0 == earlier.0);
            all.reverse();
        }
        Self(all.into())
    }
}

impl<'a> IntoIterator for &'a Sources {
    type Item = (&'a str, &'a AnnotationId);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (SmolStr, AnnotationId)>,
        fn(&'a (SmolStr, AnnotationId)) -> (&'a str, &'a AnnotationId),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(a, id)| (a.as_str(), id))
    }
}

impl std::ops::Index<&str> for Sources {
    type Output = AnnotationId;

    /// This annotator's annotation; panics if there is none, as a map does.
    fn index(&self, annotator: &str) -> &AnnotationId {
        match self.get(annotator) {
            Some(id) => id,
            None => panic!("no annotation of {annotator:?} in these sources"),
        }
    }
}

/// What the reviewer took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Everyone agreed; taken without asking.
    Agreed,
    /// This annotator's version.
    Take(String),
    /// Every annotator's version (for example both labels of a span).
    All,
    /// None of them.
    Neither,
    /// A version the reviewer edited.
    Edited,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Agreed => f.write_str("agreed"),
            Self::Take(annotator) => write!(f, "took {annotator}'s"),
            Self::All => f.write_str("took all"),
            Self::Neither => f.write_str("took neither"),
            Self::Edited => f.write_str("edited"),
        }
    }
}

/// How one unit of comparison (a disagreement, or an agreement taken as it was) was settled.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The annotations compared.
    pub sources: Sources,
    /// First char the unit covered when it was decided.
    pub start: CharOffset,
    /// First char after it.
    pub end: CharOffset,
    /// What kind of difference it was (for example "label differs").
    pub kind: String,
    /// What the reviewer took.
    pub choice: Choice,
    /// The annotations of the reviewed set that came from this decision.
    pub result: Vec<AnnotationId>,
    /// The reviewer's comment, shown to the annotators.
    pub note: String,
    /// When.
    pub at: Timestamp,
}

/// A reviewer's comment on one annotator's annotation, shown to that annotator.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// Whose annotation.
    pub annotator: String,
    /// Which annotation.
    pub annotation: AnnotationId,
    /// The comment.
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// A review's decisions by what they compare. Hashed: a review's start puts in one per
/// agreement, and a tree of them had to be sorted first.
pub type Decisions = std::collections::HashMap<Sources, Arc<Decision>, foldhash::fast::RandomState>;

/// A reviewer's decisions and comments on one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// The document.
    pub document: String,
    /// The reviewer.
    pub reviewer: String,
    /// Decisions by the annotations they compare (a book has tens of thousands: looked up,
    /// never scanned), in no order: [`Review::in_text_order`] lists them as the file does.
    /// Shared with the edits that made them (a review's start makes one per agreement). The
    /// map itself is shared with a save running on another thread (preparing one copies a
    /// pointer; an edit made while it runs copies the map first).
    pub decisions: Arc<Decisions>,
    /// Comments, by annotator and annotation.
    pub comments: Vec<Comment>,
}

impl Review {
    /// An empty review.
    pub fn new(document: impl Into<String>, reviewer: impl Into<String>) -> Self {
        Self {
            document: document.into(),
            reviewer: reviewer.into(),
            decisions: Arc::default(),
            comments: Vec::new(),
        }
    }

    /// The decision about these annotations, if there is one.
    pub fn decision(&self, sources: &Sources) -> Option<&Decision> {
        self.decisions.get(sources).map(|d| &**d)
    }

    /// The decisions in text order (by span, then by what they compare), as the file lists
    /// them.
    pub fn in_text_order(&self) -> Vec<&Decision> {
        let mut all: Vec<&Decision> = self.decisions.values().map(|d| &**d).collect();
        all.sort_by(|a, b| (a.start, a.end, &a.sources).cmp(&(b.start, b.end, &b.sources)));
        all
    }

    /// The annotators whose work was compared.
    pub fn annotators(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .decisions
            .keys()
            .flat_map(|sources| sources.keys().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Adds or replaces the decision with the same sources; returns the one replaced.
    pub fn upsert(&mut self, decision: impl Into<Arc<Decision>>) -> Option<Arc<Decision>> {
        let decision = decision.into();
        Arc::make_mut(&mut self.decisions).insert(decision.sources.clone(), decision)
    }

    /// Adds or replaces many decisions held elsewhere (a review's start records one per
    /// agreement, in its edits); returns, in their order, each one's sources and the decision
    /// it replaced, as [`Review::upsert`] one by one would (a later one of the same sources
    /// replaces an earlier one). The map grows once. Each decision is shared once its
    /// sources are read, which spares a wait on memory per decision.
    pub fn upsert_many(
        &mut self,
        decisions: &[&Arc<Decision>],
    ) -> Vec<(Option<Arc<Decision>>, Sources)> {
        let map = Arc::make_mut(&mut self.decisions);
        map.reserve(decisions.len());
        decisions
            .iter()
            .map(|d| {
                let sources = d.sources.clone();
                (map.insert(sources.clone(), Arc::clone(d)), sources)
            })
            .collect()
    }

    /// Removes the decisions about each of these groups of annotations; returns them, in
    /// the order given (`None` where there was none), as [`Review::remove`] one by one would.
    pub fn remove_many<'s>(
        &mut self,
        sources: impl IntoIterator<Item = &'s Sources>,
    ) -> Vec<Option<Arc<Decision>>> {
        sources.into_iter().map(|s| self.remove(s)).collect()
    }

    /// Removes the decision about these annotations; returns it.
    pub fn remove(&mut self, sources: &Sources) -> Option<Arc<Decision>> {
        Arc::make_mut(&mut self.decisions).remove(sources)
    }

    /// The comment on an annotator's annotation.
    pub fn comment(&self, annotator: &str, annotation: &AnnotationId) -> Option<&Comment> {
        self.comments
            .iter()
            .find(|c| c.annotator == annotator && &c.annotation == annotation)
    }

    /// Sets (or with an empty text removes) the comment on an annotator's annotation;
    /// returns the previous one.
    pub fn set_comment(&mut self, comment: Comment) -> Option<Comment> {
        let old = self
            .comments
            .iter()
            .position(|c| c.annotator == comment.annotator && c.annotation == comment.annotation)
            .map(|i| self.comments.remove(i));
        if !comment.text.trim().is_empty() {
            let at = self.comments.partition_point(|c| {
                (&c.annotator, &c.annotation.0) < (&comment.annotator, &comment.annotation.0)
            });
            self.comments.insert(at, comment);
        }
        old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn decision(pairs: &[(&str, &str)], note: &str) -> Decision {
        Decision {
            sources: pairs
                .iter()
                .map(|(a, id)| ((*a).to_owned(), AnnotationId::from((*id).to_owned())))
                .collect(),
            start: CharOffset(0),
            end: CharOffset(1),
            kind: "Person".to_owned(),
            choice: Choice::Agreed,
            result: Vec::new(),
            note: note.to_owned(),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    /// Sources collect, compare, look up and print as the map they stand for.
    #[test]
    fn sources_behave_as_a_map() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, AnnotationId)> {
            list.iter()
                .map(|(a, id)| ((*a).to_owned(), AnnotationId::from((*id).to_owned())))
                .collect()
        };
        let lists = [
            pairs(&[("erik", "b"), ("anna", "a"), ("erik", "c")]),
            pairs(&[("anna", "a"), ("erik", "c")]),
            pairs(&[("anna", "a")]),
            pairs(&[("anna", "b")]),
            pairs(&[("annabelle", "a")]),
            pairs(&[]),
            pairs(&[("erik", "a"), ("anna", "z")]),
        ];
        let maps: Vec<BTreeMap<String, AnnotationId>> =
            lists.iter().map(|l| l.iter().cloned().collect()).collect();
        let sources: Vec<Sources> = lists.iter().map(|l| l.iter().cloned().collect()).collect();
        for (map, sources) in maps.iter().zip(&sources) {
            assert_eq!(format!("{map:?}"), format!("{sources:?}"));
            assert!(
                map.iter()
                    .map(|(a, id)| (a.as_str(), id))
                    .eq(sources.iter())
            );
            for name in ["anna", "erik", "annabelle", "olga"] {
                assert_eq!(map.get(name), sources.get(name));
            }
        }
        for (i, x) in sources.iter().enumerate() {
            for (j, y) in sources.iter().enumerate() {
                assert_eq!(x.cmp(y), maps[i].cmp(&maps[j]), "{x:?} {y:?}");
            }
        }
        assert_eq!(sources[0]["erik"], AnnotationId("c".into()));
        assert!(Sources::new().is_empty());
    }

    /// Many decisions at once leave the review as one by one would and return the same
    /// replaced decisions: into an empty review, over existing ones, with repeats in the batch.
    #[test]
    fn upsert_many_is_upsert_one_by_one() {
        // Some alike in their first 16 bytes.
        let ids = [
            "a9",
            "b1",
            "a10",
            "x",
            "b1x",
            "a1",
            "0123456789abcdefZ",
            "0123456789abcdef",
            "0123456789abcdefA",
            "0123456789abcdeg",
        ];
        let mut batches = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            let other = ids[(k + 2) % ids.len()];
            batches.push(decision(&[("anna", id), ("erik", other)], &format!("n{k}")));
            batches.push(decision(&[("anna", id)], &format!("m{k}")));
            batches.push(decision(
                &[("annabelle", id), ("erik", id)],
                &format!("p{k}"),
            ));
        }
        let existing = vec![
            decision(&[("anna", "b1")], "old"),
            decision(&[("anna", "zz")], "kept"),
        ];
        let repeated = {
            let mut b = batches.clone();
            b.push(decision(&[("anna", "x")], "again"));
            b
        };
        for start in [Vec::new(), existing] {
            for batch in [batches.clone(), repeated.clone()] {
                let mut one = Review::new("d", "olga");
                let mut many = Review::new("d", "olga");
                for d in &start {
                    one.upsert(d.clone());
                    many.upsert(d.clone());
                }
                let expected: Vec<(Option<Arc<Decision>>, Sources)> = batch
                    .iter()
                    .map(|d| (one.upsert(d.clone()), d.sources.clone()))
                    .collect();
                let shared: Vec<Arc<Decision>> = batch.into_iter().map(Arc::new).collect();
                let shared: Vec<&Arc<Decision>> = shared.iter().collect();
                // A copy taken before (as a save on another thread takes one) keeps what
                // it saw.
                let saving = many.clone();
                assert_eq!(many.upsert_many(&shared), expected);
                assert_eq!(many.decisions, one.decisions);
                assert_eq!(saving.decisions.len(), start.len());
                let mut removed = many.clone();
                removed.remove(&shared[0].sources);
                assert!(many.decision(&shared[0].sources).is_some());
                assert!(removed.decision(&shared[0].sources).is_none());
            }
        }
    }
}
