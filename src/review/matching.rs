//! Matching two annotators' spans of one document, and span-level F1
//! (`reference/agreement.md` §1).
//!
//! - **Exact**: same label and the same fragments. Spans are compared as multisets, so the
//!   order they were stored in does not matter.
//! - **Overlap**: same label and at least one shared character; one-to-one and greedy: pairs
//!   sorted by shared characters (most first), ties by the earlier start of the first
//!   annotator's span, then of the second's, then by ids. No minimum overlap ratio (θ = 0).

use std::collections::BTreeMap;

use super::layers::{Layer, NO_LABEL, Row};
use crate::model::{Annotation, Annotations, Fragment};

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
pub fn match_spans(a: Annotations<'_>, b: Annotations<'_>, matching: Matching) -> Vec<SpanMatch> {
    let mut matches = match matching {
        Matching::Exact => exact_matches(a, b),
        Matching::Overlap => overlap_matches(a, b),
    };
    matches.sort();
    matches
}

/// Span counts per label (every label either annotator used), for one document.
pub fn span_counts(
    a: Annotations<'_>,
    b: Annotations<'_>,
    matching: Matching,
) -> BTreeMap<String, SpanCounts> {
    let mut counts: BTreeMap<String, SpanCounts> = BTreeMap::new();
    for span in a {
        counts.entry(span.label.to_string()).or_default().a += 1;
    }
    for span in b {
        counts.entry(span.label.to_string()).or_default().b += 1;
    }
    for m in match_spans(a, b, matching) {
        if let Some(span) = a.get(m.a) {
            counts.entry(span.label.to_string()).or_default().matched += 1;
        }
    }
    counts
}

fn exact_matches(a: Annotations<'_>, b: Annotations<'_>) -> Vec<SpanMatch> {
    fn key(s: &Annotation) -> (&str, &[Fragment], &str) {
        (s.label.as_str(), s.fragments.as_slice(), s.id.0.as_str())
    }
    // Each span with its index, read once, in key order.
    fn sorted(spans: Annotations<'_>) -> Vec<(usize, &Annotation)> {
        let mut order: Vec<(usize, &Annotation)> = spans.iter().map(|s| &**s).enumerate().collect();
        order.sort_by(|(_, x), (_, y)| key(x).cmp(&key(y)));
        order
    }
    let (order_a, order_b) = (sorted(a), sorted(b));
    let mut matches = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&(x, sa)), Some(&(y, sb))) = (order_a.get(i), order_b.get(j)) {
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

/// Every pair of same-label spans sharing at least one character, unsorted (in the order a
/// sweep by start meets them).
pub(crate) fn overlap_candidates_unsorted(
    a: Annotations<'_>,
    b: Annotations<'_>,
) -> Vec<SpanMatch> {
    let (rows_a, rows_b) = (unlabelled_rows(a), unlabelled_rows(b));
    let (la, lb) = (
        Layer {
            spans: a.into(),
            rows: &rows_a,
        },
        Layer {
            spans: b.into(),
            rows: &rows_b,
        },
    );
    fn labels(spans: Annotations<'_>) -> Vec<&str> {
        spans.iter().map(|s| s.label.as_str()).collect()
    }
    let (labels_a, labels_b) = (labels(a), labels(b));
    overlap_candidates_with(la, lb, |i, j| {
        labels_a
            .get(i)
            .zip(labels_b.get(j))
            .is_some_and(|(x, y)| x == y)
    })
}

/// Rows of spans whose labels are compared by name (every row has label index 0).
fn unlabelled_rows(spans: Annotations<'_>) -> Vec<Row> {
    spans.iter().map(|s| Row::of(s, 0)).collect()
}

/// [`overlap_candidates_unsorted`] for spans whose labels are given as indices.
pub(crate) fn overlap_candidates_labelled(a: Layer<'_>, b: Layer<'_>) -> Vec<SpanMatch> {
    overlap_candidates_with(a, b, |i, j| {
        let label = a.label(i);
        label != NO_LABEL && label == b.label(j)
    })
}

/// Span positions by start (then end), stable: `0..n` when the rows are sorted already, as
/// an annotation set keeps them.
fn by_start(rows: &[Row]) -> Vec<u32> {
    let key = |r: &Row| (r.start(), r.end());
    let mut order: Vec<u32> = (0..u32::try_from(rows.len()).unwrap_or(u32::MAX)).collect();
    if !rows.is_sorted_by_key(key) {
        order.sort_by_key(|&i| rows.get(i as usize).map(key));
    }
    order
}

/// The candidates of overlap matching, `same_label(i, j)` telling whether `a[i]` and `b[j]`
/// have the same label.
///
/// Sweeps both sides by start (`a`'s spans first on a tie); a span overlaps, by hull, the
/// other side's spans that started before it and have not ended yet. Shared characters are
/// then counted on the fragments.
fn overlap_candidates_with(
    a: Layer<'_>,
    b: Layer<'_>,
    same_label: impl Fn(usize, usize) -> bool,
) -> Vec<SpanMatch> {
    let (order_a, order_b) = (by_start(a.rows), by_start(b.rows));
    // The next span of a side in the sweep, with its row.
    let next = |order: &[u32], at: usize, rows: &[Row]| {
        let i = *order.get(at)?;
        Some((i, *rows.get(i as usize)?))
    };
    // The spans that have started and not ended, as (end, index), in the order they started.
    let mut active_a: Vec<(u32, u32)> = Vec::new();
    let mut active_b: Vec<(u32, u32)> = Vec::new();
    let mut candidates = Vec::new();
    let (mut x, mut y) = (0, 0);
    loop {
        let (side_b, index, this) = match (next(&order_a, x, a.rows), next(&order_b, y, b.rows)) {
            (Some((i, r)), Some((j, s))) => {
                if (r.start(), r.end()) <= (s.start(), s.end()) {
                    x += 1;
                    (false, i, r)
                } else {
                    y += 1;
                    (true, j, s)
                }
            }
            (Some((i, r)), None) => {
                x += 1;
                (false, i, r)
            }
            (None, Some((j, s))) => {
                y += 1;
                (true, j, s)
            }
            (None, None) => break,
        };
        let start = this.start();
        if active_a.iter().any(|&(end, _)| end <= start) {
            active_a.retain(|&(end, _)| end > start);
        }
        if active_b.iter().any(|&(end, _)| end <= start) {
            active_b.retain(|&(end, _)| end > start);
        }
        let (others, other_rows) = if side_b {
            (&active_a, a.rows)
        } else {
            (&active_b, b.rows)
        };
        for &(_, other) in others {
            let (i, j) = if side_b {
                (other as usize, index as usize)
            } else {
                (index as usize, other as usize)
            };
            if !same_label(i, j) {
                continue;
            }
            let Some(that) = other_rows.get(other as usize) else {
                continue;
            };
            let shared = if this.split || that.split {
                shared_chars(a.fragments(i), b.fragments(j))
            } else {
                this.end()
                    .min(that.end())
                    .saturating_sub(this.start().max(that.start()))
            };
            if shared > 0 {
                candidates.push(SpanMatch { a: i, b: j, shared });
            }
        }
        if side_b {
            active_b.push((this.end(), index));
        } else {
            active_a.push((this.end(), index));
        }
    }
    candidates
}

/// Greedy one-to-one matching of overlap candidates: by shared characters (most first), ties
/// by the earlier start of `a`'s span, then of `b`'s, then by ids. Sorted by `a`.
pub(crate) fn greedy_overlap_matches(
    a: Layer<'_>,
    b: Layer<'_>,
    candidates: Vec<SpanMatch>,
) -> Vec<SpanMatch> {
    fn id<'a>(layer: Layer<'a>, i: usize) -> Option<&'a str> {
        layer.spans.id(i)
    }
    let start = |layer: Layer<'_>, i: usize| layer.rows.get(i).map_or(0, Row::start);
    // A candidate whose spans are in no other candidate is taken whatever the order: only
    // the others (spans overlapping several of the other side's) need sorting.
    let mut degree_a = vec![0u8; a.spans.len()];
    let mut degree_b = vec![0u8; b.spans.len()];
    for m in &candidates {
        if let Some(d) = degree_a.get_mut(m.a) {
            *d = d.saturating_add(1);
        }
        if let Some(d) = degree_b.get_mut(m.b) {
            *d = d.saturating_add(1);
        }
    }
    let alone = |m: &SpanMatch| degree_a.get(m.a) == Some(&1) && degree_b.get(m.b) == Some(&1);
    // The partner and shared characters of each of `a`'s spans, to list the matches by `a`
    // without sorting them: a candidate alone is a match at once; the others are keyed, the
    // key without ids packed in two words (ids are compared only on a tie).
    let mut partner: Vec<Option<(usize, u32)>> = vec![None; a.spans.len()];
    let mut keyed: Vec<(u64, u32, SpanMatch)> = Vec::new();
    for m in candidates {
        if alone(&m) {
            if let Some(slot) = partner.get_mut(m.a) {
                *slot = Some((m.b, m.shared));
            }
        } else {
            let first = u64::from(u32::MAX - m.shared) << 32 | u64::from(start(a, m.a));
            keyed.push((first, start(b, m.b), m));
        }
    }
    keyed.sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| (id(a, x.2.a), id(b, x.2.b)).cmp(&(id(a, y.2.a), id(b, y.2.b))))
            .then_with(|| (x.2.a, x.2.b).cmp(&(y.2.a, y.2.b)))
    });
    let mut used_b = vec![false; b.spans.len()];
    for (_, _, m) in keyed {
        let (Some(slot), Some(ub)) = (partner.get_mut(m.a), used_b.get_mut(m.b)) else {
            continue;
        };
        if slot.is_some() || *ub {
            continue;
        }
        *slot = Some((m.b, m.shared));
        *ub = true;
    }
    partner
        .into_iter()
        .enumerate()
        .filter_map(|(a, p)| p.map(|(b, shared)| SpanMatch { a, b, shared }))
        .collect()
}

fn overlap_matches(a: Annotations<'_>, b: Annotations<'_>) -> Vec<SpanMatch> {
    let candidates = overlap_candidates_unsorted(a, b);
    let (rows_a, rows_b) = (unlabelled_rows(a), unlabelled_rows(b));
    greedy_overlap_matches(
        Layer {
            spans: a.into(),
            rows: &rows_a,
        },
        Layer {
            spans: b.into(),
            rows: &rows_b,
        },
        candidates,
    )
}

/// The spans of one layer in the order exact matching merges them: by start, then end.
/// `0..n` for an annotation set, which keeps its spans in that order.
pub(crate) fn exact_order(layer: Layer<'_>) -> Vec<u32> {
    by_start(layer.rows)
}

/// Counts exact matches per label index into `matched`. Both layers' spans are merged in
/// [`exact_order`]; identical fragments have the same start and end, so only spans with the
/// same start and end are compared, and within such a group each span matches the first
/// unmatched span of the other side with the same label and fragments (one to one: each
/// label and fragment list matches as often as the side with fewer such spans has it).
pub(crate) fn count_exact(
    a: Layer<'_>,
    order_a: &[u32],
    b: Layer<'_>,
    order_b: &[u32],
    matched: &mut [usize],
) {
    let hull = |layer: Layer<'_>, i: u32| layer.rows.get(i as usize).map(|r| r.hull);
    let mut taken: Vec<bool> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (order_a.get(i), order_b.get(j)) {
        let (hx, hy) = (hull(a, x), hull(b, y));
        match hx.cmp(&hy) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                // The groups of spans with this start and end on both sides.
                let group = |order: &[u32], from: usize, layer: Layer<'_>| {
                    order
                        .get(from..)
                        .unwrap_or_default()
                        .iter()
                        .take_while(|&&k| hull(layer, k) == hx)
                        .count()
                };
                let (n, m) = (group(order_a, i, a), group(order_b, j, b));
                let (group_a, group_b) = (
                    order_a.get(i..i + n).unwrap_or_default(),
                    order_b.get(j..j + m).unwrap_or_default(),
                );
                if let ([x], [y]) = (group_a, group_b) {
                    // The common case: one span on each side.
                    let kx = exact_key(a, *x);
                    if kx == exact_key(b, *y)
                        && let Some(n) = kx.0.and_then(|l| matched.get_mut(usize::from(l)))
                    {
                        *n += 1;
                    }
                } else {
                    taken.clear();
                    taken.resize(m, false);
                    for &x in group_a {
                        let kx = exact_key(a, x);
                        let hit = group_b
                            .iter()
                            .zip(taken.iter_mut())
                            .find(|(y, taken)| !**taken && exact_key(b, **y) == kx);
                        if let Some((_, taken)) = hit {
                            *taken = true;
                            if let Some(n) = kx.0.and_then(|l| matched.get_mut(usize::from(l))) {
                                *n += 1;
                            }
                        }
                    }
                }
                i += n;
                j += m;
            }
        }
    }
}

/// What exact matching compares: the label index (`None` for a span left out) and the
/// fragments.
fn exact_key<'a>(layer: Layer<'a>, i: u32) -> (Option<u16>, &'a [Fragment]) {
    let i = i as usize;
    (
        Some(layer.label(i)).filter(|&l| l != NO_LABEL),
        layer.fragments(i),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnnotationList, CharOffset};
    use std::sync::Arc;

    /// Spans in the order given, as a set holds them.
    fn list(spans: &[Arc<Annotation>]) -> AnnotationList {
        AnnotationList::from_vec(spans.to_vec())
    }

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
        a.id = crate::model::AnnotationId::from(id);
        Arc::new(a)
    }

    #[test]
    fn exact_matching_ignores_storage_order() {
        let a = vec![span("ORG", "1", &[(0, 4)]), span("ORG", "2", &[(9, 12)])];
        let b = vec![span("ORG", "x", &[(9, 12)]), span("ORG", "y", &[(0, 4)])];
        let m = match_spans(list(&a).view(), list(&b).view(), Matching::Exact);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].a, m[0].b), (0, 1));
    }

    #[test]
    fn overlap_matching_prefers_the_largest_overlap() {
        // b0 overlaps a0 by 2 and a1 by 6: a1 gets it, a0 is left alone.
        let a = vec![span("P", "a0", &[(0, 6)]), span("P", "a1", &[(4, 14)])];
        let b = vec![span("P", "b0", &[(4, 10)])];
        let m = match_spans(list(&a).view(), list(&b).view(), Matching::Overlap);
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
        let m = match_spans(list(&a).view(), list(&b).view(), Matching::Overlap);
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
        assert!(match_spans(list(&a).view(), list(&b).view(), Matching::Overlap).is_empty());
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

    /// The sweep and the greedy matching as they were before the sweep kept ends beside its
    /// active spans and the greedy matching stopped parting its candidates in two lists:
    /// the reference the faster ones are compared with.
    fn reference_candidates(
        a: Layer<'_>,
        b: Layer<'_>,
        same_label: impl Fn(usize, usize) -> bool,
    ) -> Vec<SpanMatch> {
        let (order_a, order_b) = (by_start(a.rows), by_start(b.rows));
        let row = |layer: Layer<'_>, i: u32| layer.rows.get(i as usize).copied();
        let key = |r: Option<Row>| r.map(|r| (r.start(), r.end()));
        let mut active_a: Vec<u32> = Vec::new();
        let mut active_b: Vec<u32> = Vec::new();
        let mut candidates = Vec::new();
        let (mut x, mut y) = (0, 0);
        loop {
            let (side_b, index) = match (order_a.get(x), order_b.get(y)) {
                (Some(&i), Some(&j)) => {
                    if key(row(a, i)) <= key(row(b, j)) {
                        x += 1;
                        (false, i)
                    } else {
                        y += 1;
                        (true, j)
                    }
                }
                (Some(&i), None) => {
                    x += 1;
                    (false, i)
                }
                (None, Some(&j)) => {
                    y += 1;
                    (true, j)
                }
                (None, None) => break,
            };
            let Some(this) = row(if side_b { b } else { a }, index) else {
                continue;
            };
            let start = this.start();
            active_a.retain(|&i| row(a, i).is_some_and(|r| r.end() > start));
            active_b.retain(|&j| row(b, j).is_some_and(|r| r.end() > start));
            let others = if side_b { &active_a } else { &active_b };
            for &other in others {
                let (i, j) = if side_b {
                    (other, index)
                } else {
                    (index, other)
                };
                let (i, j) = (i as usize, j as usize);
                if !same_label(i, j) {
                    continue;
                }
                let (Some(x), Some(y)) = (a.rows.get(i), b.rows.get(j)) else {
                    continue;
                };
                let shared = if x.split || y.split {
                    shared_chars(a.fragments(i), b.fragments(j))
                } else {
                    x.end()
                        .min(y.end())
                        .saturating_sub(x.start().max(y.start()))
                };
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

    fn reference_greedy(a: Layer<'_>, b: Layer<'_>, candidates: Vec<SpanMatch>) -> Vec<SpanMatch> {
        fn id<'a>(layer: Layer<'a>, i: usize) -> Option<&'a str> {
            layer.spans.id(i)
        }
        let start = |layer: Layer<'_>, i: usize| layer.rows.get(i).map_or(0, Row::start);
        // A candidate whose spans are in no other candidate is taken whatever the order: only
        // the others (spans overlapping several of the other side's) need sorting.
        let mut degree_a = vec![0u8; a.spans.len()];
        let mut degree_b = vec![0u8; b.spans.len()];
        for m in &candidates {
            if let Some(d) = degree_a.get_mut(m.a) {
                *d = d.saturating_add(1);
            }
            if let Some(d) = degree_b.get_mut(m.b) {
                *d = d.saturating_add(1);
            }
        }
        let alone = |m: &SpanMatch| degree_a.get(m.a) == Some(&1) && degree_b.get(m.b) == Some(&1);
        let (alone, contested): (Vec<SpanMatch>, Vec<SpanMatch>) =
            candidates.into_iter().partition(alone);
        // The key without ids packed in two words: ids are compared only on a tie.
        let mut keyed: Vec<(u64, u32, SpanMatch)> = contested
            .into_iter()
            .map(|m| {
                let first = u64::from(u32::MAX - m.shared) << 32 | u64::from(start(a, m.a));
                (first, start(b, m.b), m)
            })
            .collect();
        keyed.sort_unstable_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then_with(|| (id(a, x.2.a), id(b, x.2.b)).cmp(&(id(a, y.2.a), id(b, y.2.b))))
                .then_with(|| (x.2.a, x.2.b).cmp(&(y.2.a, y.2.b)))
        });
        // The partner and shared characters of each of `a`'s spans, to list the matches by `a`
        // without sorting them.
        let mut partner: Vec<Option<(usize, u32)>> = vec![None; a.spans.len()];
        for m in &alone {
            if let Some(slot) = partner.get_mut(m.a) {
                *slot = Some((m.b, m.shared));
            }
        }
        let mut used_b = vec![false; b.spans.len()];
        for (_, _, m) in keyed {
            let (Some(slot), Some(ub)) = (partner.get_mut(m.a), used_b.get_mut(m.b)) else {
                continue;
            };
            if slot.is_some() || *ub {
                continue;
            }
            *slot = Some((m.b, m.shared));
            *ub = true;
        }
        partner
            .into_iter()
            .enumerate()
            .filter_map(|(a, p)| p.map(|(b, shared)| SpanMatch { a, b, shared }))
            .collect()
    }

    /// Random layers (overlapping, nested, equal, empty and discontinuous spans, sorted as a
    /// set keeps them or not) give the candidates of the reference sweep, in its order, and
    /// the matches of the reference greedy matching.
    #[test]
    fn candidates_and_matches_are_those_of_the_reference() {
        let mut rng = fastrand::Rng::with_seed(77);
        let labels = ["P", "O", "L"];
        let layer_of = |rng: &mut fastrand::Rng, n: usize| -> Vec<Arc<Annotation>> {
            (0..n)
                .map(|k| {
                    let start = rng.u32(..200);
                    let mut fragments = vec![(start, start + rng.u32(..30))];
                    if rng.u8(..5) == 0 {
                        let from = start + 31 + rng.u32(..5);
                        fragments.push((from, from + 1 + rng.u32(..10)));
                    }
                    span(
                        labels[rng.usize(..labels.len())],
                        &format!("{k}"),
                        &fragments,
                    )
                })
                .collect()
        };
        for round in 0..400 {
            let (n, m) = (rng.usize(..40), rng.usize(..40));
            let mut a = layer_of(&mut rng, n);
            let mut b = layer_of(&mut rng, m);
            if round % 2 == 0 {
                a.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
                b.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
            }
            let index = |s: &Arc<Annotation>| {
                let i = labels.iter().position(|l| *l == s.label).unwrap_or(0);
                // One label left out of the comparison, as NO_LABEL rows are.
                if i == 2 { NO_LABEL } else { i as u16 }
            };
            let rows_a: Vec<Row> = a.iter().map(|s| Row::of(s, index(s))).collect();
            let rows_b: Vec<Row> = b.iter().map(|s| Row::of(s, index(s))).collect();
            let (a, b) = (list(&a), list(&b));
            let (a, b) = (a.view(), b.view());
            let (la, lb) = (
                Layer {
                    spans: a.into(),
                    rows: &rows_a,
                },
                Layer {
                    spans: b.into(),
                    rows: &rows_b,
                },
            );
            let same = |i: usize, j: usize| {
                let label = la.label(i);
                label != NO_LABEL && label == lb.label(j)
            };
            let expected = reference_candidates(la, lb, same);
            let candidates = overlap_candidates_labelled(la, lb);
            assert_eq!(candidates, expected, "round {round}");
            assert_eq!(
                greedy_overlap_matches(la, lb, candidates.clone()),
                reference_greedy(la, lb, candidates),
                "round {round}"
            );
            assert_eq!(
                overlap_candidates_unsorted(a, b),
                reference_candidates(
                    Layer {
                        spans: a.into(),
                        rows: &unlabelled_rows(a),
                    },
                    Layer {
                        spans: b.into(),
                        rows: &unlabelled_rows(b),
                    },
                    |i, j| a[i].label == b[j].label
                ),
                "round {round}"
            );
        }
    }
}
