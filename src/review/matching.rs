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
    by_name(a, b, |matcher, _, _| matcher.candidates)
}

/// The overlap candidates of spans whose labels are compared by name, in a new matcher, and
/// what `finish` makes of them with both layers.
fn by_name<R>(
    a: Annotations<'_>,
    b: Annotations<'_>,
    finish: impl FnOnce(Matcher, Layer<'_>, Layer<'_>) -> R,
) -> R {
    let (rows_a, rows_b) = (unlabelled_rows(a), unlabelled_rows(b));
    let (order_a, order_b) = (sweep_order(&rows_a), sweep_order(&rows_b));
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
    let mut matcher = Matcher::default();
    matcher.overlap_candidates(
        Swept {
            layer: la,
            order: &order_a,
        },
        Swept {
            layer: lb,
            order: &order_b,
        },
        |x, y| {
            labels_a
                .get(x.index as usize)
                .zip(labels_b.get(y.index as usize))
                .is_some_and(|(x, y)| x == y)
        },
    );
    finish(matcher, la, lb)
}

/// Rows of spans whose labels are compared by name (every row has label index 0).
fn unlabelled_rows(spans: Annotations<'_>) -> Vec<Row> {
    spans.iter().map(|s| Row::of(s, 0)).collect()
}

/// A span as the sweeps read it: its row, beside its index in its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The span's row.
    pub row: Row,
    /// The span's index in its layer.
    pub index: u32,
}

/// The spans of a layer that can match (label index not [`NO_LABEL`]) in the order the
/// sweeps read them: by start, then end, stable. Built once per annotator and document and
/// read by every pair, in contiguous memory, instead of each pair sorting indices and
/// looking every row up through them.
pub(crate) fn sweep_order(rows: &[Row]) -> Vec<Placed> {
    let mut order: Vec<Placed> = rows
        .iter()
        .zip(0..u32::MAX)
        .filter(|(row, _)| row.label != NO_LABEL)
        .map(|(&row, index)| Placed { row, index })
        .collect();
    let key = |p: &Placed| (p.row.start(), p.row.end());
    // An annotation set keeps its spans sorted already.
    if !order.is_sorted_by_key(key) {
        order.sort_by_key(key);
    }
    order
}

/// A layer with its [`sweep_order`].
#[derive(Clone, Copy)]
pub(crate) struct Swept<'a> {
    /// The spans and their rows.
    pub layer: Layer<'a>,
    /// The spans that can match, by start then end.
    pub order: &'a [Placed],
}

/// A candidate's key in the greedy order but for the ids: see [`Matcher::keys`].
type Key = (u64, u32);

/// What [`Matcher::best_a`] holds for a span without candidates: after every candidate's
/// (whose first word is below `u64::MAX`, as `shared` is above 0).
const NO_CANDIDATE: (Key, usize) = ((u64::MAX, u32::MAX), usize::MAX);

/// The matching of layer pairs, one pair after another, with the buffers it needs kept from
/// one pair to the next: a pair of documents of ~150 spans each allocated more than it
/// computed otherwise.
#[derive(Default)]
pub(crate) struct Matcher {
    /// Per label index, the spans of each side that have started and not ended (some may
    /// have ended: a list is cut only when the other side reads it), in the order they
    /// started.
    active_a: Vec<Vec<Placed>>,
    active_b: Vec<Vec<Placed>>,
    /// The overlap candidates of the last pair.
    candidates: Vec<SpanMatch>,
    /// Beside each candidate, its key in the greedy order but for the ids (compared only
    /// on a tie): `u32::MAX − shared` and `a`'s start in one word, then `b`'s start.
    keys: Vec<Key>,
    /// The key and position of the first candidate in the greedy order of each of `a`'s and
    /// `b`'s spans ([`NO_CANDIDATE`] if none).
    best_a: Vec<(Key, usize)>,
    best_b: Vec<(Key, usize)>,
    /// The candidates left to the greedy matching proper, by position.
    contested: Vec<usize>,
    /// The partner and shared characters of each of `a`'s spans.
    partner: Vec<Option<(usize, u32)>>,
    /// Whether each of `b`'s spans is matched.
    used_b: Vec<bool>,
    /// The overlap matches of the last pair, by `a`.
    matches: Vec<SpanMatch>,
    /// Which spans of the other side's group exact matching has taken.
    taken: Vec<bool>,
}

impl Matcher {
    /// Overlap matching of spans whose labels are given as indices: the greedy one-to-one
    /// matches of [`Self::overlap_candidates`], sorted by `a`.
    pub(crate) fn overlap_matches(&mut self, a: Swept<'_>, b: Swept<'_>) -> &[SpanMatch] {
        self.overlap_candidates(a, b, |x, y| x.row.label == y.row.label);
        self.greedy(a.layer, b.layer);
        &self.matches
    }

    /// The candidates of overlap matching, into `self.candidates`, `same_label(x, y)`
    /// telling whether `a`'s span `x` and `b`'s span `y` have the same label.
    ///
    /// Sweeps both sides by start (`a`'s spans first on a tie); a span overlaps, by hull, the
    /// other side's spans that started before it and have not ended yet. Shared characters
    /// are then counted on the fragments. Only spans of the same label index meet (spans
    /// whose labels are compared by name all have index 0): a span reads only the other
    /// side's list of its label, not the spans of every label. A list is cut of the spans
    /// that ended only when it is read: as the sweep's start only grows, what is left is
    /// what cutting every list at every step leaves, in the same order.
    fn overlap_candidates(
        &mut self,
        a: Swept<'_>,
        b: Swept<'_>,
        same_label: impl Fn(&Placed, &Placed) -> bool,
    ) {
        let Self {
            active_a,
            active_b,
            candidates,
            keys,
            ..
        } = self;
        for list in active_a.iter_mut().chain(active_b.iter_mut()) {
            list.clear();
        }
        candidates.clear();
        keys.clear();
        let key = |p: &Placed| (p.row.start(), p.row.end());
        let (mut x, mut y) = (0, 0);
        loop {
            let (side_b, this) = match (a.order.get(x), b.order.get(y)) {
                (Some(p), Some(q)) => {
                    if key(p) <= key(q) {
                        x += 1;
                        (false, *p)
                    } else {
                        y += 1;
                        (true, *q)
                    }
                }
                (Some(p), None) => {
                    x += 1;
                    (false, *p)
                }
                (None, Some(q)) => {
                    y += 1;
                    (true, *q)
                }
                (None, None) => break,
            };
            let (start, label) = (this.row.start(), usize::from(this.row.label));
            let (others, own) = if side_b {
                (&mut *active_a, &mut *active_b)
            } else {
                (&mut *active_b, &mut *active_a)
            };
            if own.len() <= label {
                own.resize_with(label + 1, Vec::new);
            }
            if let Some(own) = own.get_mut(label) {
                own.push(this);
            }
            let Some(others) = others.get_mut(label) else {
                continue;
            };
            let mut meet = |x: &Placed, y: &Placed| {
                if !same_label(x, y) {
                    return;
                }
                let shared = if x.row.split || y.row.split {
                    shared_chars(
                        a.layer.fragments(x.index as usize),
                        b.layer.fragments(y.index as usize),
                    )
                } else {
                    x.row
                        .end()
                        .min(y.row.end())
                        .saturating_sub(x.row.start().max(y.row.start()))
                };
                if shared > 0 {
                    candidates.push(SpanMatch {
                        a: x.index as usize,
                        b: y.index as usize,
                        shared,
                    });
                    let first = u64::from(u32::MAX - shared) << 32 | u64::from(x.row.start());
                    keys.push((first, y.row.start()));
                }
            };
            // One loop for each side, each knowing which span is `a`'s.
            if side_b {
                cut_and_meet(others, start, |that| meet(that, &this));
            } else {
                cut_and_meet(others, start, |that| meet(&this, that));
            }
        }
    }

    /// Greedy one-to-one matching of `self.candidates` into `self.matches`: by shared
    /// characters (most first), ties by the earlier start of `a`'s span, then of `b`'s, then
    /// by ids. Sorted by `a`.
    ///
    /// A candidate that comes first in that order among the candidates of both its spans
    /// is taken whatever comes before it, and every other candidate of its spans is not:
    /// those are settled without sorting (most candidates, two spans overlapping only each
    /// other among the most), and only the others are sorted and matched one by one.
    fn greedy(&mut self, a: Layer<'_>, b: Layer<'_>) {
        fn id<'a>(layer: Layer<'a>, i: usize) -> Option<&'a str> {
            layer.spans.id(i)
        }
        let Self {
            candidates,
            keys,
            best_a,
            best_b,
            contested,
            partner,
            used_b,
            matches,
            ..
        } = self;
        // The order of candidates `k` and `l` with the same key.
        let tie = |k: usize, l: usize| {
            let ids = |m: Option<&SpanMatch>| m.map(|m| (id(a, m.a), id(b, m.b), m.a, m.b));
            ids(candidates.get(k)).cmp(&ids(candidates.get(l)))
        };
        for (best, n) in [(&mut *best_a, a.spans.len()), (&mut *best_b, b.spans.len())] {
            best.clear();
            best.resize(n, NO_CANDIDATE);
        }
        for (k, (m, &key)) in candidates.iter().zip(keys.iter()).enumerate() {
            let offer = |slot: Option<&mut (Key, usize)>| {
                if let Some(slot) = slot
                    && (key < slot.0 || (key == slot.0 && tie(k, slot.1).is_lt()))
                {
                    *slot = (key, k);
                }
            };
            offer(best_a.get_mut(m.a));
            offer(best_b.get_mut(m.b));
        }
        partner.clear();
        partner.resize(a.spans.len(), None);
        used_b.clear();
        used_b.resize(b.spans.len(), false);
        for (k, m) in candidates.iter().enumerate() {
            if best_a.get(m.a).is_some_and(|best| best.1 == k)
                && best_b.get(m.b).is_some_and(|best| best.1 == k)
                && let (Some(slot), Some(ub)) = (partner.get_mut(m.a), used_b.get_mut(m.b))
            {
                *slot = Some((m.b, m.shared));
                *ub = true;
            }
        }
        contested.clear();
        contested.extend(candidates.iter().enumerate().filter_map(|(k, m)| {
            let free = partner.get(m.a).is_some_and(Option::is_none)
                && used_b.get(m.b).is_some_and(|used| !used);
            free.then_some(k)
        }));
        contested.sort_unstable_by(|&k, &l| keys.get(k).cmp(&keys.get(l)).then_with(|| tie(k, l)));
        for &k in contested.iter() {
            let Some(m) = candidates.get(k) else {
                continue;
            };
            let (Some(slot), Some(ub)) = (partner.get_mut(m.a), used_b.get_mut(m.b)) else {
                continue;
            };
            if slot.is_some() || *ub {
                continue;
            }
            *slot = Some((m.b, m.shared));
            *ub = true;
        }
        matches.clear();
        matches.extend(
            partner
                .iter()
                .enumerate()
                .filter_map(|(a, p)| p.map(|(b, shared)| SpanMatch { a, b, shared })),
        );
    }

    /// Counts exact matches per label index into `matched`. Both layers' spans are merged in
    /// [`sweep_order`]; identical fragments have the same start and end, so only spans with
    /// the same start and end are compared, and within such a group each span matches the
    /// first unmatched span of the other side with the same label and fragments (one to one:
    /// each label and fragment list matches as often as the side with fewer such spans has
    /// it). Spans left out ([`NO_LABEL`]) match only each other and are never counted, so the
    /// sweep order leaving them out changes no count.
    pub(crate) fn count_exact(&mut self, a: Swept<'_>, b: Swept<'_>, matched: &mut [usize]) {
        // Same label and fragments, for spans with the same hull: a span of one fragment has
        // its hull as fragments.
        let same = |x: &Placed, y: &Placed| {
            x.row.label == y.row.label
                && (!(x.row.split || y.row.split)
                    || a.layer.fragments(x.index as usize) == b.layer.fragments(y.index as usize))
        };
        let mut count = |label: u16| {
            if let Some(n) = matched.get_mut(usize::from(label)) {
                *n += 1;
            }
        };
        // Start and end in one word, which orders as the sweep order does.
        let hull = |p: &Placed| u64::from(p.row.start()) << 32 | u64::from(p.row.end());
        let (order_a, order_b) = (a.order, b.order);
        let (mut i, mut j) = (0, 0);
        while let (Some(x), Some(y)) = (order_a.get(i), order_b.get(j)) {
            let h = hull(x);
            match h.cmp(&hull(y)) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let alone = |order: &[Placed], at: usize| {
                        order.get(at + 1).is_none_or(|next| hull(next) != h)
                    };
                    if alone(order_a, i) && alone(order_b, j) {
                        // The common case: one span on each side.
                        if same(x, y) {
                            count(x.row.label);
                        }
                        i += 1;
                        j += 1;
                        continue;
                    }
                    // The groups of spans with this start and end on both sides.
                    let group = |order: &[Placed], from: usize| {
                        let rest = order.get(from..).unwrap_or_default();
                        from..from + rest.iter().take_while(|p| hull(p) == h).count()
                    };
                    let (group_a, group_b) = (
                        order_a.get(group(order_a, i)).unwrap_or_default(),
                        order_b.get(group(order_b, j)).unwrap_or_default(),
                    );
                    self.taken.clear();
                    self.taken.resize(group_b.len(), false);
                    for x in group_a {
                        let hit = group_b
                            .iter()
                            .zip(self.taken.iter_mut())
                            .find(|(y, taken)| !**taken && same(x, y));
                        if let Some((_, taken)) = hit {
                            *taken = true;
                            count(x.row.label);
                        }
                    }
                    i += group_a.len();
                    j += group_b.len();
                }
            }
        }
    }
}

/// Cuts `active` of the spans that ended by `start` and calls `meet` on each of the others,
/// in order: `retain` by hand, as the library's, called for every span, cost more than the
/// few entries it looks at, and the entries before the first cut are left where they are.
fn cut_and_meet(active: &mut Vec<Placed>, start: u32, mut meet: impl FnMut(&Placed)) {
    let mut kept = 0;
    for k in 0..active.len() {
        let Some(&that) = active.get(k) else {
            break;
        };
        if that.row.end() <= start {
            continue;
        }
        if kept != k
            && let Some(slot) = active.get_mut(kept)
        {
            *slot = that;
        }
        kept += 1;
        meet(&that);
    }
    active.truncate(kept);
}

fn overlap_matches(a: Annotations<'_>, b: Annotations<'_>) -> Vec<SpanMatch> {
    by_name(a, b, |mut matcher, la, lb| {
        matcher.greedy(la, lb);
        matcher.matches
    })
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
        // Span positions by start (then end), stable.
        let by_start = |rows: &[Row]| {
            let mut order: Vec<u32> = (0..rows.len() as u32).collect();
            order.sort_by_key(|&i| (rows[i as usize].start(), rows[i as usize].end()));
            order
        };
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
    /// set keeps them or not) give the candidates of the reference sweep, in its order, the
    /// matches of the reference greedy matching, and the exact matches of matching by name.
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
        let mut matcher = Matcher::default();
        for round in 0..400 {
            let (n, m) = (rng.usize(..40), rng.usize(..40));
            let mut a = layer_of(&mut rng, n);
            let mut b = layer_of(&mut rng, m);
            // Some of `a`'s spans again in `b`, some twice and some with a label of their
            // own, for exact matching to find.
            for (k, x) in a.iter().enumerate() {
                if rng.u8(..3) != 0 {
                    continue;
                }
                let label = labels[rng.usize(..labels.len())];
                for copy in 0..rng.usize(1..3) {
                    let fragments: Vec<(u32, u32)> =
                        x.fragments.iter().map(|f| (f.start.0, f.end.0)).collect();
                    b.push(span(label, &format!("c{k}.{copy}"), &fragments));
                }
            }
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
            let (order_a, order_b) = (sweep_order(&rows_a), sweep_order(&rows_b));
            let (sa, sb) = (
                Swept {
                    layer: la,
                    order: &order_a,
                },
                Swept {
                    layer: lb,
                    order: &order_b,
                },
            );
            // One matcher for every round, as for every pair of a project.
            let matches = matcher.overlap_matches(sa, sb).to_vec();
            assert_eq!(matcher.candidates, expected, "round {round}");
            assert_eq!(matches, reference_greedy(la, lb, expected), "round {round}");
            // Exact matches per label index are those of matching by name.
            let mut exact = vec![0; 2];
            matcher.count_exact(sa, sb, &mut exact);
            let mut by_name = vec![0; 2];
            for m in match_spans(a, b, Matching::Exact) {
                let label = rows_a[m.a].label;
                if label != NO_LABEL {
                    by_name[usize::from(label)] += 1;
                }
            }
            assert_eq!(exact, by_name, "round {round}");
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
