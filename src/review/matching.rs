//! Matching two annotators' spans of one document, and span-level F1
//! (`reference/agreement.md` §1).
//!
//! - **Exact**: same label and the same fragments. Spans are compared as multisets, so the
//!   order they were stored in does not matter.
//! - **Overlap**: same label and at least one shared character; one-to-one and greedy: pairs
//!   sorted by shared characters (most first), ties by the earlier start of the first
//!   annotator's span, then of the second's, then by ids. No minimum overlap ratio (θ = 0).

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{Annotation, Fragment};

/// How two spans are matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Matching {
    /// Same label, identical fragments.
    Exact,
    /// Same label, at least one shared character; greedy one-to-one by overlap.
    Overlap,
}

/// A matched pair: indices into the two annotators' slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpanMatch {
    /// Index into the first annotator's spans.
    pub a: usize,
    /// Index into the second annotator's spans.
    pub b: usize,
    /// Characters both spans cover.
    pub shared: u32,
}

/// Span counts of one label (or pooled over labels) for two annotators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanCounts {
    /// Spans of the first annotator.
    pub a: usize,
    /// Spans of the second annotator.
    pub b: usize,
    /// Matched pairs.
    pub matched: usize,
}

impl SpanCounts {
    /// `2|M| / (|A| + |B|)`; `None` when neither annotator has a span.
    pub fn f1(&self) -> Option<f64> {
        let total = self.a + self.b;
        (total > 0).then(|| 2.0 * self.matched as f64 / total as f64)
    }

    /// `|M| / |B|` (the first annotator taken as gold); `None` when `B` has no span.
    pub fn precision(&self) -> Option<f64> {
        (self.b > 0).then(|| self.matched as f64 / self.b as f64)
    }

    /// `|M| / |A|`; `None` when `A` has no span.
    pub fn recall(&self) -> Option<f64> {
        (self.a > 0).then(|| self.matched as f64 / self.a as f64)
    }

    /// Spans of either annotator left without a match.
    pub fn unmatched(&self) -> usize {
        self.a + self.b - 2 * self.matched
    }
}

impl std::ops::AddAssign for SpanCounts {
    fn add_assign(&mut self, other: Self) {
        self.a += other.a;
        self.b += other.b;
        self.matched += other.matched;
    }
}

/// Characters covered by both fragment lists (each sorted and disjoint).
pub fn shared_chars(a: &[Fragment], b: &[Fragment]) -> u32 {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        let start = x.start.max(y.start);
        let end = x.end.min(y.end);
        if end > start {
            shared += end.0 - start.0;
        }
        if x.end <= y.end {
            i += 1;
        } else {
            j += 1;
        }
    }
    shared
}

/// Matches two annotators' spans of one document; pairs sorted by `a`.
pub fn match_spans(
    a: &[Arc<Annotation>],
    b: &[Arc<Annotation>],
    matching: Matching,
) -> Vec<SpanMatch> {
    let mut matches = match matching {
        Matching::Exact => exact_matches(a, b),
        Matching::Overlap => overlap_matches(a, b),
    };
    matches.sort();
    matches
}

/// Span counts per label (every label either annotator used), for one document.
pub fn span_counts(
    a: &[Arc<Annotation>],
    b: &[Arc<Annotation>],
    matching: Matching,
) -> BTreeMap<String, SpanCounts> {
    let mut counts: BTreeMap<String, SpanCounts> = BTreeMap::new();
    for span in a {
        counts.entry(span.label.clone()).or_default().a += 1;
    }
    for span in b {
        counts.entry(span.label.clone()).or_default().b += 1;
    }
    for m in match_spans(a, b, matching) {
        if let Some(span) = a.get(m.a) {
            counts.entry(span.label.clone()).or_default().matched += 1;
        }
    }
    counts
}

fn exact_matches(a: &[Arc<Annotation>], b: &[Arc<Annotation>]) -> Vec<SpanMatch> {
    fn key(s: &Annotation) -> (&str, &[Fragment], &str) {
        (s.label.as_str(), s.fragments.as_slice(), s.id.0.as_str())
    }
    let sorted = |spans: &[Arc<Annotation>]| {
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by(|&x, &y| {
            let (Some(x), Some(y)) = (spans.get(x), spans.get(y)) else {
                return std::cmp::Ordering::Equal;
            };
            key(x).cmp(&key(y))
        });
        order
    };
    let (order_a, order_b) = (sorted(a), sorted(b));
    let mut matches = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (order_a.get(i), order_b.get(j)) {
        let (Some(sa), Some(sb)) = (a.get(x), b.get(y)) else {
            break;
        };
        match (sa.label.as_str(), &sa.fragments).cmp(&(sb.label.as_str(), &sb.fragments)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let shared = sa.fragments.iter().map(|f| f.len()).sum();
                matches.push(SpanMatch { a: x, b: y, shared });
                i += 1;
                j += 1;
            }
        }
    }
    matches
}

/// Every pair of same-label spans sharing at least one character, unsorted.
pub(crate) fn overlap_candidates_unsorted(
    a: &[Arc<Annotation>],
    b: &[Arc<Annotation>],
) -> Vec<SpanMatch> {
    // Sweep both sides by start; a span overlaps (by hull) the other side's spans that started
    // before it and have not ended yet. Shared characters are then counted on the fragments.
    let mut events: Vec<(bool, usize)> = (0..a.len())
        .map(|i| (false, i))
        .chain((0..b.len()).map(|j| (true, j)))
        .collect();
    let span = |(side_b, i): (bool, usize)| if side_b { b.get(i) } else { a.get(i) };
    events.sort_by_key(|&e| span(e).map(|s| (s.start(), s.end())));
    let mut active_a: Vec<usize> = Vec::new();
    let mut active_b: Vec<usize> = Vec::new();
    let mut candidates = Vec::new();
    for event in events {
        let Some(s) = span(event) else { continue };
        let start = s.start();
        active_a.retain(|&i| a.get(i).is_some_and(|x| x.end() > start));
        active_b.retain(|&j| b.get(j).is_some_and(|y| y.end() > start));
        let (side_b, index) = event;
        let others = if side_b { &active_a } else { &active_b };
        for &other in others {
            let (i, j) = if side_b {
                (other, index)
            } else {
                (index, other)
            };
            let (Some(x), Some(y)) = (a.get(i), b.get(j)) else {
                continue;
            };
            if x.label != y.label {
                continue;
            }
            let shared = shared_chars(&x.fragments, &y.fragments);
            if shared > 0 {
                candidates.push(SpanMatch { a: i, b: j, shared });
            }
        }
        if side_b {
            active_b.push(index);
        } else {
            active_a.push(index);
        }
    }
    candidates
}

fn overlap_matches(a: &[Arc<Annotation>], b: &[Arc<Annotation>]) -> Vec<SpanMatch> {
    let mut candidates = overlap_candidates_unsorted(a, b);
    candidates.sort_by_key(|m| {
        let x = a.get(m.a).map(|x| &**x);
        let y = b.get(m.b).map(|y| &**y);
        (
            Reverse(m.shared),
            x.map(Annotation::start),
            y.map(Annotation::start),
            x.map(|s| s.id.0.as_str()),
            y.map(|s| s.id.0.as_str()),
        )
    });
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut matches = Vec::new();
    for m in candidates {
        let (Some(ua), Some(ub)) = (used_a.get(m.a), used_b.get(m.b)) else {
            continue;
        };
        if *ua || *ub {
            continue;
        }
        if let Some(u) = used_a.get_mut(m.a) {
            *u = true;
        }
        if let Some(u) = used_b.get_mut(m.b) {
            *u = true;
        }
        matches.push(m);
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CharOffset;

    fn span(label: &str, id: &str, fragments: &[(u32, u32)]) -> Arc<Annotation> {
        let mut a = Annotation::new(
            label,
            fragments
                .iter()
                .map(|&(s, e)| Fragment {
                    start: CharOffset(s),
                    end: CharOffset(e),
                })
                .collect(),
        );
        a.id.0 = id.to_owned();
        Arc::new(a)
    }

    #[test]
    fn exact_matching_ignores_storage_order() {
        let a = vec![span("ORG", "1", &[(0, 4)]), span("ORG", "2", &[(9, 12)])];
        let b = vec![span("ORG", "x", &[(9, 12)]), span("ORG", "y", &[(0, 4)])];
        let m = match_spans(&a, &b, Matching::Exact);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].a, m[0].b), (0, 1));
    }

    #[test]
    fn overlap_matching_prefers_the_largest_overlap() {
        // b0 overlaps a0 by 2 and a1 by 6: a1 gets it, a0 is left alone.
        let a = vec![span("P", "a0", &[(0, 6)]), span("P", "a1", &[(4, 14)])];
        let b = vec![span("P", "b0", &[(4, 10)])];
        let m = match_spans(&a, &b, Matching::Overlap);
        assert_eq!(
            m,
            vec![SpanMatch {
                a: 1,
                b: 0,
                shared: 6
            }]
        );
        // Ties go to the earlier start.
        let a = vec![span("P", "a0", &[(0, 5)]), span("P", "a1", &[(7, 12)])];
        let b = vec![span("P", "b0", &[(3, 9)])];
        let m = match_spans(&a, &b, Matching::Overlap);
        assert_eq!(
            m,
            vec![SpanMatch {
                a: 0,
                b: 0,
                shared: 2
            }]
        );
    }

    #[test]
    fn discontinuous_spans_share_only_covered_chars() {
        let a = [span("LOC", "a", &[(0, 5), (10, 20)])];
        let b = [span("LOC", "b", &[(5, 10)])];
        assert!(match_spans(&a, &b, Matching::Overlap).is_empty());
        assert_eq!(
            shared_chars(
                &a[0].fragments,
                &[Fragment {
                    start: CharOffset(3),
                    end: CharOffset(12)
                }]
            ),
            4
        );
    }

    #[test]
    fn f1_is_undefined_without_spans() {
        assert_eq!(SpanCounts::default().f1(), None);
        let c = SpanCounts {
            a: 4,
            b: 3,
            matched: 1,
        };
        assert!((c.f1().unwrap() - 2.0 / 7.0).abs() < 1e-12);
        assert_eq!(c.unmatched(), 5);
    }
}
