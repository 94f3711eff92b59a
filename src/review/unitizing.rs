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
//! in `D_e` uses sorted gap lengths with suffix sums, so a category costs O(n log n) in its
//! units, not O(units × gaps).

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

/// `D_e` of §4, with the sum over gaps `l_h ≥ l_u` taken from suffix sums of sorted gap
/// lengths.
fn expected_disagreement(continuum: Fragment, raters: &[Vec<Fragment>]) -> f64 {
    let r = raters.len() as f64;
    let l = len(continuum);
    let units: Vec<f64> = raters.iter().flatten().map(|u| len(*u)).collect();
    if units.is_empty() || l == 0.0 {
        return 0.0;
    }
    let mut gap_lengths: Vec<f64> = raters
        .iter()
        .flat_map(|units| gaps(continuum, units))
        .map(len)
        .collect();
    gap_lengths.sort_by(f64::total_cmp);
    // suffix[i] = sum of gap_lengths[i..].
    let mut suffix: Vec<f64> = gap_lengths
        .iter()
        .rev()
        .scan(0.0, |sum, g| {
            *sum += g;
            Some(*sum)
        })
        .collect();
    suffix.reverse();
    suffix.push(0.0);
    let n_c = units.len() as f64;
    let mut numerator = 0.0;
    for &lu in &units {
        let from = gap_lengths.partition_point(|&g| g < lu);
        let count = (gap_lengths.len() - from) as f64;
        let gap_sum = suffix.get(from).copied().unwrap_or(0.0) - count * (lu - 1.0);
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
    fn no_units_is_undefined() {
        let a = category_alpha(f(0, 10), vec![Vec::new(), Vec::new()]);
        assert_eq!(a.alpha, None);
        assert_eq!(unitizing_alpha(f(0, 10), 2, &[]).overall, None);
    }
}
