//! Krippendorff's unitizing α_u (Krippendorff 1995; 2004, p. 254), per category, as
//! `reference/agreement.md` §4 defines it.
//!
//! Each rater tiles the continuum into units of a category and the gaps between them.
//! Observed disagreement sums, over ordered rater pairs, the squared boundary differences of
//! overlapping units plus the squared length of every unit that lies in the other rater's gap;
//! expected disagreement is what the same units would give if placed at random.
//!
//! ## Implementation notes
//!
//! A rater's units of one category must not overlap, so overlapping units are merged first;
//! units that only touch stay apart. Units are clipped to the continuum. The sum over gaps
//! in `D_e` reads the count and total length of the gaps at least as long as a unit from a
//! table of prefix sums by length (sorted lengths with suffix sums when a unit is very
//! long), so a category costs O(n) in its units, not O(units × gaps).

use std::collections::BTreeMap;

use crate::model::Fragment;

/// One rater's unit of one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit<'a> {
    /// The rater, `0..raters`.
    pub rater: usize,
    /// The category (a label).
    pub category: &'a str,
    /// Where the unit lies on the continuum.
    pub fragment: Fragment,
}

/// α_u of one category with its disagreements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitizingAlpha {
    /// Observed disagreement `D_o`.
    pub observed: f64,
    /// Expected disagreement `D_e`.
    pub expected: f64,
    /// `1 − D_o / D_e`; `None` when `D_e` is 0 (no units of the category at all).
    pub alpha: Option<f64>,
}

/// α_u per category and over all categories.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitizingReport {
    /// Per category, sorted by name.
    pub categories: BTreeMap<String, UnitizingAlpha>,
    /// `1 − mean D_o / mean D_e` over the categories; `None` when no category has units.
    pub overall: Option<f64>,
}

/// α_u of `raters` raters who unitized `continuum`; units of raters outside `0..raters` are
/// ignored. Every category that has a unit gets an entry.
pub fn unitizing_alpha(continuum: Fragment, raters: usize, units: &[Unit<'_>]) -> UnitizingReport {
    let mut by_category: BTreeMap<&str, Vec<Vec<Fragment>>> = BTreeMap::new();
    for unit in units.iter().filter(|u| u.rater < raters) {
        let per_rater = by_category
            .entry(unit.category)
            .or_insert_with(|| vec![Vec::new(); raters]);
        if let Some(list) = per_rater.get_mut(unit.rater) {
            list.push(unit.fragment);
        }
    }
    let categories: BTreeMap<String, UnitizingAlpha> = by_category
        .into_iter()
        .map(|(category, per_rater)| (category.to_owned(), category_alpha(continuum, per_rater)))
        .collect();
    let observed: f64 = categories.values().map(|c| c.observed).sum();
    let expected: f64 = categories.values().map(|c| c.expected).sum();
    UnitizingReport {
        overall: alpha(observed, expected),
        categories,
    }
}

/// α_u of one category; `per_rater` holds each rater's units, in any order.
pub(crate) fn category_alpha(continuum: Fragment, per_rater: Vec<Vec<Fragment>>) -> UnitizingAlpha {
    let raters: Vec<Vec<Fragment>> = per_rater
        .into_iter()
        .map(|units| merged_within(continuum, units))
        .collect();
    let observed = observed_disagreement(continuum, &raters);
    let expected = expected_disagreement(continuum, &raters);
    UnitizingAlpha {
        observed,
        expected,
        alpha: alpha(observed, expected),
    }
}

fn alpha(observed: f64, expected: f64) -> Option<f64> {
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

/// Sorted units clipped to the continuum, overlapping ones merged.
fn merged_within(continuum: Fragment, mut units: Vec<Fragment>) -> Vec<Fragment> {
    units.sort();
    let mut merged: Vec<Fragment> = Vec::with_capacity(units.len());
    for unit in units {
        let clipped = Fragment {
            start: unit.start.max(continuum.start),
            end: unit.end.min(continuum.end),
        };
        if clipped.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some(last) if clipped.start < last.end => last.end = last.end.max(clipped.end),
            _ => merged.push(clipped),
        }
    }
    merged
}

/// The non-empty gaps of a rater's sorted, disjoint units.
fn gaps(continuum: Fragment, units: &[Fragment]) -> Vec<Fragment> {
    let mut gaps = Vec::with_capacity(units.len() + 1);
    let mut at = continuum.start;
    for unit in units {
        if unit.start > at {
            gaps.push(Fragment {
                start: at,
                end: unit.start,
            });
        }
        at = at.max(unit.end);
    }
    if continuum.end > at {
        gaps.push(Fragment {
            start: at,
            end: continuum.end,
        });
    }
    gaps
}

fn len(f: Fragment) -> f64 {
    f64::from(f.len())
}

/// `D_o`: twice the sum over unordered rater pairs, divided by `R (R − 1) L²`.
fn observed_disagreement(continuum: Fragment, raters: &[Vec<Fragment>]) -> f64 {
    let r = raters.len() as f64;
    let l = len(continuum);
    if raters.len() < 2 || l == 0.0 {
        return 0.0;
    }
    let mut sum = 0.0;
    for (i, a) in raters.iter().enumerate() {
        for b in raters.iter().skip(i + 1) {
            sum += pair_disagreement(a, b);
        }
    }
    2.0 * sum / (r * (r - 1.0) * l * l)
}

/// For two raters' sorted, disjoint units: the squared boundary differences of every
/// overlapping pair, plus the squared length of every unit the other rater has no unit on
/// (it lies inside one of their gaps).
fn pair_disagreement(a: &[Fragment], b: &[Fragment]) -> f64 {
    let mut sum = 0.0;
    let mut a_hit = vec![false; a.len()];
    let mut b_hit = vec![false; b.len()];
    let (mut i, mut j) = (0, 0);
    while let (Some(g), Some(h)) = (a.get(i), b.get(j)) {
        if g.end <= h.start {
            i += 1;
        } else if h.end <= g.start {
            j += 1;
        } else {
            let begin = f64::from(g.start.0) - f64::from(h.start.0);
            let end = f64::from(g.end.0) - f64::from(h.end.0);
            sum += begin * begin + end * end;
            if let Some(hit) = a_hit.get_mut(i) {
                *hit = true;
            }
            if let Some(hit) = b_hit.get_mut(j) {
                *hit = true;
            }
            if g.end <= h.end {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let lonely = |units: &[Fragment], hit: &[bool]| -> f64 {
        units
            .iter()
            .zip(hit)
            .filter(|(_, hit)| !**hit)
            .map(|(u, _)| len(*u).powi(2))
            .sum()
    };
    sum + lonely(a, &a_hit) + lonely(b, &b_hit)
}

/// `D_e` of §4, with the count and sum of the gaps `l_h ≥ l_u` read from [`LongerGaps`].
fn expected_disagreement(continuum: Fragment, raters: &[Vec<Fragment>]) -> f64 {
    let r = raters.len() as f64;
    let l = len(continuum);
    let units: Vec<f64> = raters.iter().flatten().map(|u| len(*u)).collect();
    if units.is_empty() || l == 0.0 {
        return 0.0;
    }
    let gaps: Vec<u32> = raters
        .iter()
        .flat_map(|units| gaps(continuum, units))
        .map(|g| g.len())
        .collect();
    let longer = LongerGaps::new(gaps, units.iter().map(|&u| u as u32).max().unwrap_or(0));
    let n_c = units.len() as f64;
    let mut numerator = 0.0;
    for &lu in &units {
        let (count, sum) = longer.at_least(lu as u32);
        let gap_sum = sum as f64 - count as f64 * (lu - 1.0);
        numerator +=
            (n_c - 1.0) * (2.0 * lu.powi(3) - 3.0 * lu.powi(2) + lu) / 3.0 + lu.powi(2) * gap_sum;
    }
    let within: f64 = units.iter().map(|lu| lu * (lu - 1.0)).sum();
    let denominator = r * l * (r * l - 1.0) - within;
    if denominator <= 0.0 {
        return 0.0;
    }
    (2.0 / l) * numerator / denominator
}

/// How many gaps are at least some length long, and their total length. Lengths are whole
/// numbers whose sums stay far below 2^53, so every sum is exact whatever its order.
enum LongerGaps {
    /// For lengths up to the longest unit: gaps shorter than each length, counted and summed.
    Table {
        shorter: Vec<(u64, u64)>,
        count: u64,
        sum: u64,
    },
    /// Sorted lengths with suffix sums, where units are too long for a table.
    Sorted { lengths: Vec<u32>, suffix: Vec<u64> },
}

impl LongerGaps {
    /// Lengths asked for are at most `longest`.
    fn new(mut gaps: Vec<u32>, longest: u32) -> Self {
        if longest <= 1 << 16 {
            let size = longest as usize + 1;
            let mut shorter = vec![(0u64, 0u64); size + 1];
            let (mut count, mut sum) = (0u64, 0u64);
            for &g in &gaps {
                count += 1;
                sum += u64::from(g);
                if let Some(slot) = shorter.get_mut(g as usize + 1) {
                    slot.0 += 1;
                    slot.1 += u64::from(g);
                }
            }
            // Prefix sums: shorter[t] = gaps of length < t.
            for t in 1..shorter.len() {
                let previous = shorter.get(t - 1).copied().unwrap_or_default();
                if let Some(slot) = shorter.get_mut(t) {
                    slot.0 += previous.0;
                    slot.1 += previous.1;
                }
            }
            Self::Table {
                shorter,
                count,
                sum,
            }
        } else {
            gaps.sort_unstable();
            let mut suffix: Vec<u64> = gaps
                .iter()
                .rev()
                .scan(0u64, |sum, &g| {
                    *sum += u64::from(g);
                    Some(*sum)
                })
                .collect();
            suffix.reverse();
            suffix.push(0);
            Self::Sorted {
                lengths: gaps,
                suffix,
            }
        }
    }

    /// The number and total length of the gaps at least `length` long.
    fn at_least(&self, length: u32) -> (u64, u64) {
        match self {
            Self::Table {
                shorter,
                count,
                sum,
            } => {
                let (n, s) = shorter
                    .get(length as usize)
                    .copied()
                    .unwrap_or((*count, *sum));
                (count - n, sum - s)
            }
            Self::Sorted { lengths, suffix } => {
                let from = lengths.partition_point(|&g| g < length);
                let count = (lengths.len() - from) as u64;
                (count, suffix.get(from).copied().unwrap_or(0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CharOffset;

    fn f(start: u32, end: u32) -> Fragment {
        Fragment {
            start: CharOffset(start),
            end: CharOffset(end),
        }
    }

    #[test]
    fn identical_units_agree_perfectly() {
        let units = vec![vec![f(2, 5), f(8, 9)], vec![f(8, 9), f(2, 5)]];
        let a = category_alpha(f(0, 10), units);
        assert_eq!(a.observed, 0.0);
        assert_eq!(a.alpha, Some(1.0));
    }

    #[test]
    fn overlapping_units_of_one_rater_are_merged_and_clipped() {
        assert_eq!(
            merged_within(f(0, 10), vec![f(4, 12), f(2, 5), f(0, 1), f(1, 2)]),
            vec![f(0, 1), f(1, 2), f(2, 10)]
        );
        assert_eq!(
            gaps(f(0, 10), &[f(0, 1), f(1, 2), f(4, 6)]),
            vec![f(2, 4), f(6, 10)]
        );
    }

    #[test]
    fn longer_gaps_counts_the_same_from_a_table_or_sorted() {
        let gaps = vec![3, 0, 7, 7, 1, 200, 5, 3];
        let table = LongerGaps::new(gaps.clone(), 9);
        let sorted = LongerGaps::new(gaps.clone(), 1 << 20);
        assert!(matches!(table, LongerGaps::Table { .. }));
        assert!(matches!(sorted, LongerGaps::Sorted { .. }));
        for length in 0..=9 {
            let longer: Vec<u32> = gaps.iter().copied().filter(|&g| g >= length).collect();
            let expected = (
                longer.len() as u64,
                longer.iter().map(|&g| u64::from(g)).sum(),
            );
            assert_eq!(table.at_least(length), expected, "table, {length}");
            assert_eq!(sorted.at_least(length), expected, "sorted, {length}");
        }
    }

    #[test]
    fn no_units_is_undefined() {
        let a = category_alpha(f(0, 10), vec![Vec::new(), Vec::new()]);
        assert_eq!(a.alpha, None);
        assert_eq!(unitizing_alpha(f(0, 10), 2, &[]).overall, None);
    }
}
