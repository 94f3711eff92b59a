//! Which annotation fragments fall in a range of the text, fast enough to ask every frame.

use crate::model::{Annotation, Fragment, Schema};
use crate::session::SetChange;
use std::sync::Arc;

/// One fragment of one annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragRef {
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// Index of the annotation in its set.
    pub annotation: u32,
    /// Index of the label in the schema (`u16::MAX` if unknown).
    pub label: u16,
}

/// How many fragments one leaf of the tree covers: a query scans a leaf's fragments in a row,
/// which is cheaper than descending further for so few.
const LEAF: usize = 16;

/// Fragments sorted by start, with a tree of the largest end over runs of them, so that a
/// range query visits only the runs that can still reach into it: O(log n + hits) however
/// long the spans (a running largest end alone would walk back to a document-long span that
/// starts early, over every fragment in between).
#[derive(Debug, Default)]
pub struct SpanIndex {
    frags: Vec<FragRef>,
    /// The largest end of each node of a complete binary tree over leaves of [`LEAF`]
    /// fragments: the root at 1, node `i`'s children at `2i` and `2i + 1`, leaf `k` at
    /// `leaves + k`.
    max_end: Vec<u32>,
    /// The number of leaves, a power of two (0 while there are no fragments).
    leaves: usize,
}

/// The order of the index: by start, longer first, then by annotation.
fn order(f: &FragRef) -> (u32, std::cmp::Reverse<u32>, u32) {
    (f.start, std::cmp::Reverse(f.end), f.annotation)
}

/// The schema index of a label, `u16::MAX` if the schema has no such label.
fn label_index(schema: &Schema, label: &str) -> u16 {
    schema
        .labels
        .iter()
        .position(|l| l.name == label)
        .map_or(u16::MAX, |i| i as u16)
}

impl SpanIndex {
    /// Builds the index for a set's annotations.
    pub fn new(schema: &Schema, annotations: &[Arc<Annotation>]) -> Self {
        let mut frags: Vec<FragRef> = Vec::with_capacity(annotations.len());
        let labels: std::collections::HashMap<&str, u16> = schema
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i as u16))
            .collect();
        for (i, annotation) in annotations.iter().enumerate() {
            let label = labels
                .get(annotation.label.as_str())
                .copied()
                .unwrap_or(u16::MAX);
            for f in &annotation.fragments {
                frags.push(FragRef {
                    start: f.start.0,
                    end: f.end.0,
                    annotation: i as u32,
                    label,
                });
            }
        }
        // Annotations come sorted by start, so this is nearly sorted already: the stable sort
        // finds the runs and finishes in about linear time.
        frags.sort_by_key(order);
        let mut index = Self {
            frags,
            max_end: Vec::new(),
            leaves: 0,
        };
        index.refresh_max_end(0);
        index
    }

    /// Follows the changes one session step made to the set (see
    /// [`Session::last_changes`](crate::session::Session::last_changes)).
    pub fn follow(&mut self, schema: &Schema, changes: &[SetChange]) {
        for change in changes {
            match change {
                SetChange::Inserted {
                    at,
                    label,
                    fragments,
                } => self.insert(schema, *at, label, fragments),
                SetChange::Removed { at, fragments } => self.remove(*at, fragments),
            }
        }
    }

    /// Follows the insertion of an annotation at index `at` of its set: later annotations
    /// move up by one. Gives the same index as rebuilding, in a few linear passes.
    pub fn insert(&mut self, schema: &Schema, at: usize, label: &str, fragments: &[Fragment]) {
        let at = at as u32;
        for f in &mut self.frags {
            if f.annotation >= at {
                f.annotation += 1;
            }
        }
        let label = label_index(schema, label);
        let mut first = self.frags.len();
        for fragment in fragments {
            let new = FragRef {
                start: fragment.start.0,
                end: fragment.end.0,
                annotation: at,
                label,
            };
            let pos = self.frags.partition_point(|f| order(f) < order(&new));
            self.frags.insert(pos, new);
            first = first.min(pos);
        }
        self.refresh_max_end(first);
    }

    /// Follows the removal of the annotation at index `at` of its set, whose fragments these
    /// were: later annotations move down by one.
    pub fn remove(&mut self, at: usize, fragments: &[Fragment]) {
        let at = at as u32;
        let first = fragments
            .iter()
            .map(|f| self.frags.partition_point(|g| g.start < f.start.0))
            .min()
            .unwrap_or(0);
        self.frags.retain(|f| f.annotation != at);
        for f in &mut self.frags {
            if f.annotation > at {
                f.annotation -= 1;
            }
        }
        self.refresh_max_end(first);
    }

    /// Recomputes the tree's largest ends after the fragments from `from` on changed.
    fn refresh_max_end(&mut self, from: usize) {
        let leaves = self.frags.len().div_ceil(LEAF).next_power_of_two();
        let first_leaf = if leaves == self.leaves && self.max_end.len() == 2 * leaves {
            from / LEAF
        } else {
            self.leaves = leaves;
            self.max_end.clear();
            self.max_end.resize(2 * leaves, 0);
            0
        };
        let Self { frags, max_end, .. } = self;
        for (k, slot) in max_end.iter_mut().skip(leaves).enumerate().skip(first_leaf) {
            *slot = frags.get(k * LEAF..).map_or(0, |rest| {
                rest.iter().take(LEAF).map(|f| f.end).max().unwrap_or(0)
            });
        }
        // Every parent again: a few thousand maxima, less than the shifts above.
        for i in (1..leaves).rev() {
            max_end[i] = max_end[2 * i].max(max_end[2 * i + 1]);
        }
    }

    /// Number of fragments.
    pub fn len(&self) -> usize {
        self.frags.len()
    }

    /// Whether there are no fragments.
    pub fn is_empty(&self) -> bool {
        self.frags.is_empty()
    }

    /// Fragments overlapping `[start, end)`, sorted by start (longer first on ties).
    pub fn query(&self, start: u32, end: u32, out: &mut Vec<FragRef>) {
        out.clear();
        // Only fragments that start before `end` can overlap: the leaves before `hi`'s.
        let hi = self.frags.partition_point(|f| f.start < end);
        if hi == 0 {
            return;
        }
        let last_leaf = (hi - 1) / LEAF;
        // Depth-first, left child first, so that hits come out in the index's order. Each
        // node is (index, first leaf, leaves under it); the stack holds at most one pending
        // right sibling per level.
        let mut stack = [(0usize, 0usize, 0usize); 2 * usize::BITS as usize];
        let mut depth = 0;
        stack[0] = (1, 0, self.leaves);
        depth += 1;
        while depth > 0 {
            depth -= 1;
            let (node, first, size) = stack[depth];
            if first > last_leaf || self.max_end.get(node).is_none_or(|&m| m <= start) {
                continue;
            }
            if size == 1 {
                let run = self.frags.get(first * LEAF..hi.min((first + 1) * LEAF));
                out.extend(run.into_iter().flatten().filter(|f| f.end > start));
                continue;
            }
            let half = size / 2;
            stack[depth] = (2 * node + 1, first + half, half);
            stack[depth + 1] = (2 * node, first, half);
            depth += 2;
        }
    }
}

/// Gives each fragment a lane (0 = outermost) so that overlapping fragments get different
/// lanes: greedy interval colouring over fragments sorted by start, longer first.
pub fn assign_lanes(frags: &[FragRef]) -> Vec<u8> {
    let mut lane_ends: Vec<u32> = Vec::new();
    frags
        .iter()
        .map(|f| {
            let lane = lane_ends
                .iter()
                .position(|&end| end <= f.start)
                .unwrap_or_else(|| {
                    lane_ends.push(0);
                    lane_ends.len() - 1
                });
            lane_ends[lane] = f.end;
            lane.min(u8::MAX as usize) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, CharOffset, Fragment};

    fn ann(label: &str, spans: &[(u32, u32)]) -> Annotation {
        Annotation::new(
            label,
            spans
                .iter()
                .map(|&(s, e)| Fragment {
                    start: CharOffset(s),
                    end: CharOffset(e),
                })
                .collect(),
        )
    }

    #[test]
    fn queries_find_overlapping_nested_and_long_spans() {
        let schema = Schema::news_default();
        let anns = vec![
            ann("Claim", &[(0, 1000)]),
            ann("Person", &[(10, 20)]),
            ann("Place", &[(15, 30)]),
            ann("Person", &[(500, 510), (700, 710)]),
        ];
        let anns: Vec<Arc<Annotation>> = anns.into_iter().map(Arc::new).collect();
        let index = SpanIndex::new(&schema, &anns);
        let mut out = Vec::new();
        index.query(18, 19, &mut out);
        let got: Vec<(u32, u32)> = out.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(got, vec![(0, 1000), (10, 20), (15, 30)]);
        index.query(600, 700, &mut out);
        assert_eq!(
            out.len(),
            1,
            "the gap of a discontinuous span is not covered"
        );
        assert_eq!(
            assign_lanes(&[
                FragRef {
                    start: 0,
                    end: 1000,
                    annotation: 0,
                    label: 0
                },
                FragRef {
                    start: 10,
                    end: 20,
                    annotation: 1,
                    label: 0
                },
                FragRef {
                    start: 15,
                    end: 30,
                    annotation: 2,
                    label: 0
                },
                FragRef {
                    start: 20,
                    end: 25,
                    annotation: 3,
                    label: 0
                },
            ]),
            vec![0, 1, 2, 1]
        );
    }

    /// Whatever is inserted and removed, following the changes gives exactly the index a
    /// rebuild gives, so highlights never drift from the annotations after an edit.
    #[test]
    fn following_edits_matches_rebuilding() {
        let schema = Schema::news_default();
        let labels = ["Person", "Place", "Claim", "NoSuchLabel"];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut set = crate::model::AnnotationSet::new("a", "d");
        let mut index = SpanIndex::new(&schema, set.annotations());
        for step in 0..600 {
            if set.annotations().is_empty() || rng.u8(..3) > 0 {
                let start = rng.u32(..500);
                let mut spans = vec![(start, start + 1 + rng.u32(..40))];
                if rng.bool() {
                    let next = spans[0].1 + 1 + rng.u32(..20);
                    spans.push((next, next + 1 + rng.u32(..10)));
                }
                let a = ann(labels[rng.usize(..labels.len())], &spans);
                let (label, fragments) = (a.label.clone(), a.fragments.clone());
                let at = set.insert(a);
                index.insert(&schema, at, &label, &fragments);
            } else {
                let at = rng.usize(..set.len());
                let id = set.annotations()[at].id.clone();
                let (at, old) = set.remove(&id).unwrap();
                index.remove(at, &old.fragments);
            }
            let rebuilt = SpanIndex::new(&schema, set.annotations());
            assert_eq!(index.frags, rebuilt.frags, "fragments after step {step}");
            assert_eq!(index.max_end, rebuilt.max_end, "max ends after step {step}");
        }
    }

    /// What a query must return: every fragment overlapping the range, in the index's order.
    fn naive(index: &SpanIndex, start: u32, end: u32) -> Vec<FragRef> {
        index
            .frags
            .iter()
            .filter(|f| f.start < end && f.end > start)
            .copied()
            .collect()
    }

    fn spans_strategy() -> impl proptest::strategy::Strategy<Value = Vec<Vec<(u32, u32)>>> {
        use proptest::prelude::*;
        // Mostly short spans, some of them document-long, some in several fragments.
        let fragment = prop_oneof![
            4 => (0u32..2_000, 1u32..40).prop_map(|(s, l)| (s, s + l)),
            1 => (0u32..200, 1_000u32..2_000).prop_map(|(s, l)| (s, s + l)),
        ];
        proptest::collection::vec(proptest::collection::vec(fragment, 1..3), 0..300)
    }

    proptest::proptest! {
        /// The tree finds exactly the fragments a scan finds, in the same order, with long
        /// spans that start early and after insertions and removals.
        #[test]
        fn queries_match_a_scan(
            spans in spans_strategy(),
            queries in proptest::collection::vec((0u32..2_300, 0u32..300), 1..40),
            removals in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..20),
        ) {
            let schema = Schema::news_default();
            let mut set = crate::model::AnnotationSet::new("a", "d");
            let mut index = SpanIndex::new(&schema, set.annotations());
            for fragments in &spans {
                let mut fragments = fragments.clone();
                fragments.sort_unstable();
                let a = ann("Person", &fragments);
                let (label, fragments) = (a.label.clone(), a.fragments.clone());
                let at = set.insert(a);
                index.insert(&schema, at, &label, &fragments);
            }
            for which in &removals {
                if set.is_empty() {
                    break;
                }
                let id = set.annotations()[which.index(set.len())].id.clone();
                let (at, old) = set.remove(&id).unwrap();
                index.remove(at, &old.fragments);
            }
            let rebuilt = SpanIndex::new(&schema, set.annotations());
            let mut out = Vec::new();
            for &(start, len) in &queries {
                let end = start + len;
                for idx in [&index, &rebuilt] {
                    idx.query(start, end, &mut out);
                    proptest::prop_assert_eq!(&out, &naive(idx, start, end), "query {}..{}", start, end);
                }
            }
        }
    }
}
