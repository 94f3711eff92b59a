//! Chance-corrected agreement coefficients: Cohen's κ, Fleiss' κ, Davies–Fleiss κ and
//! Krippendorff's α, exactly as `reference/agreement.md` §3 defines them.
//!
//! The public functions take plain coders × units matrices (one row per coder). Internally
//! everything runs on `Ratings`: units with a weight, so that a run of identical characters
//! counts as one weighted unit and a whole project's characters never have to be listed.
//!
//! ## Undefined values
//!
//! When only one category occurs the expected agreement is 1 and every coefficient is 0/0.
//! The functions return `None` then (and when there is nothing to compare), never NaN and
//! never a made-up 0 or 1.

use std::collections::BTreeMap;

/// Below this, `1 − p_e` counts as zero: only one category occurred.
const EPSILON: f64 = 1e-12;

/// A κ-type coefficient with the agreements it was computed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kappa {
    /// Observed agreement `p_o` (Fleiss: `P̄`).
    pub observed: f64,
    /// Agreement expected by chance `p_e` (Fleiss: `P̄_e`).
    pub expected: f64,
    /// `(p_o − p_e) / (1 − p_e)`.
    pub value: f64,
}

impl Kappa {
    fn new(observed: f64, expected: f64) -> Option<Self> {
        let room = 1.0 - expected;
        (room.abs() > EPSILON).then(|| Self {
            observed,
            expected,
            value: (observed - expected) / room,
        })
    }
}

/// The level of measurement of Krippendorff's α: which difference function δ² it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Categories: δ² is 0 for equal values, else 1.
    Nominal,
    /// Ranks: δ² grows with how many values lie between the two.
    Ordinal,
    /// Numbers: δ² = (c − k)².
    Interval,
    /// Numbers with a true zero: δ² = ((c − k) / (c + k))².
    Ratio,
}

impl Level {
    /// Lower-case name for tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Nominal => "nominal",
            Self::Ordinal => "ordinal",
            Self::Interval => "interval",
            Self::Ratio => "ratio",
        }
    }
}

/// Cohen's κ of two coders who rated the same units (`a[i]` and `b[i]` rate unit `i`).
///
/// `None` when the rows differ in length, are empty, or only one category occurs.
pub fn cohen_kappa<T: Ord>(a: &[T], b: &[T]) -> Option<Kappa> {
    if a.len() != b.len() {
        return None;
    }
    let ratings = Ratings::from_complete(&[a, b]);
    ratings.cohen(0, 1)
}

/// Fleiss' κ of n ≥ 2 coders who all rated every unit (rows are coders, of equal length).
/// With two coders it equals Scott's π.
///
/// `None` for fewer than two coders, rows of different lengths, no units, or one category.
pub fn fleiss_kappa<T: Ord>(coders: &[Vec<T>]) -> Option<Kappa> {
    let rows = complete_rows(coders)?;
    Ratings::from_complete(&rows).fleiss()
}

/// Davies and Fleiss' (1982) κ: observed and Cohen-style expected agreement, each averaged
/// over coder pairs (nltk's `AnnotationTask.multi_kappa`). With two coders it equals
/// Cohen's κ. Same input and `None` cases as [`fleiss_kappa`].
pub fn davies_fleiss_kappa<T: Ord>(coders: &[Vec<T>]) -> Option<Kappa> {
    let rows = complete_rows(coders)?;
    Ratings::from_complete(&rows).davies_fleiss()
}

/// Krippendorff's α, nominal, on a coders × units matrix where `None` is a missing value.
/// Units with fewer than two values are left out, as the coefficient requires.
///
/// `None` when fewer than two pairable values exist or only one category occurs.
pub fn krippendorff_alpha<T: Ord>(coders: &[Vec<Option<T>>]) -> Option<f64> {
    let (ratings, _) = Ratings::from_matrix(coders);
    ratings.alpha(&Delta::Nominal)
}

/// Krippendorff's α on numeric values at any [`Level`] (for `Nominal` the numbers are just
/// category names). Non-finite values count as missing. `None` as for
/// [`krippendorff_alpha`].
pub fn krippendorff_alpha_at(coders: &[Vec<Option<f64>>], level: Level) -> Option<f64> {
    let finite: Vec<Vec<Option<Number>>> = coders
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| v.filter(|v| v.is_finite()).map(Number))
                .collect()
        })
        .collect();
    let (ratings, values) = Ratings::from_matrix(&finite);
    let values: Vec<f64> = values.into_iter().map(|n| n.0).collect();
    ratings.alpha(&Delta::for_level(level, &values))
}

/// Rows of equal length, at least two of them, as slices.
fn complete_rows<T>(coders: &[Vec<T>]) -> Option<Vec<&[T]>> {
    let first = coders.first()?;
    (coders.len() >= 2 && coders.iter().all(|row| row.len() == first.len()))
        .then(|| coders.iter().map(Vec::as_slice).collect())
}

/// A finite `f64` with a total order, to use numbers as categories.
#[derive(Clone, Copy, Debug)]
struct Number(f64);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// One unit: a weight (how many identical units it stands for) and each coder's category
/// index, `None` where the coder gave no value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RatedUnit {
    /// How many units this one stands for (a run of characters: its length).
    pub weight: f64,
    /// Category index per coder.
    pub values: Vec<Option<u32>>,
}

/// Coded units of a fixed set of coders over categories `0..categories`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Ratings {
    /// Number of coders (the length of every unit's `values`).
    pub coders: usize,
    /// Number of categories.
    pub categories: usize,
    /// The units.
    pub units: Vec<RatedUnit>,
}

/// How far apart two categories are, given by index.
pub(crate) enum Delta {
    /// 0 for equal, 1 otherwise.
    Nominal,
    /// Ranks are the category indices, which must be in rank order.
    Ordinal,
    /// Squared difference of the categories' numeric values.
    Interval(Vec<f64>),
    /// Squared relative difference of the categories' numeric values.
    Ratio(Vec<f64>),
}

impl Delta {
    /// The difference function of `level` for categories whose values, in index order, are
    /// `values` (sorted ascending, as [`Ratings::from_matrix`] interns them).
    pub(crate) fn for_level(level: Level, values: &[f64]) -> Self {
        match level {
            Level::Nominal => Self::Nominal,
            Level::Ordinal => Self::Ordinal,
            Level::Interval => Self::Interval(values.to_vec()),
            Level::Ratio => Self::Ratio(values.to_vec()),
        }
    }

    /// δ²(c, k); `totals` are the categories' pairable value counts `n_c` (for ordinal).
    fn squared(&self, c: usize, k: usize, totals: &[f64]) -> f64 {
        let value = |values: &[f64], i: usize| values.get(i).copied().unwrap_or(0.0);
        match self {
            Self::Nominal => f64::from(u8::from(c != k)),
            Self::Ordinal => {
                let (lo, hi) = (c.min(k), c.max(k));
                let between: f64 = totals.get(lo..=hi).map_or(0.0, |t| t.iter().sum());
                let ends = (totals.get(c).unwrap_or(&0.0) + totals.get(k).unwrap_or(&0.0)) / 2.0;
                (between - ends).powi(2)
            }
            Self::Interval(values) => (value(values, c) - value(values, k)).powi(2),
            Self::Ratio(values) => {
                let (a, b) = (value(values, c), value(values, k));
                if a + b == 0.0 {
                    0.0
                } else {
                    ((a - b) / (a + b)).powi(2)
                }
            }
        }
    }
}

impl Ratings {
    /// Units of weight 1 from complete rows (coders × units), categories interned in order.
    fn from_complete<T: Ord>(rows: &[&[T]]) -> Self {
        let matrix: Vec<Vec<Option<&T>>> = rows
            .iter()
            .map(|row| row.iter().map(Some).collect())
            .collect();
        Self::from_matrix(&matrix).0
    }

    /// Units of weight 1 from a coders × units matrix; returns the categories in index order
    /// (ascending). A row shorter than the longest counts as missing at the end.
    fn from_matrix<T: Ord>(coders: &[Vec<Option<T>>]) -> (Self, Vec<&T>) {
        let mut index: BTreeMap<&T, u32> = BTreeMap::new();
        for value in coders.iter().flatten().flatten() {
            index.insert(value, 0);
        }
        for (i, slot) in index.values_mut().enumerate() {
            *slot = u32::try_from(i).unwrap_or(u32::MAX);
        }
        let width = coders.iter().map(Vec::len).max().unwrap_or(0);
        let units = (0..width)
            .map(|u| RatedUnit {
                weight: 1.0,
                values: coders
                    .iter()
                    .map(|row| {
                        row.get(u)
                            .and_then(Option::as_ref)
                            .and_then(|v| index.get(v).copied())
                    })
                    .collect(),
            })
            .collect();
        let categories: Vec<&T> = index.keys().copied().collect();
        let ratings = Self {
            coders: coders.len(),
            categories: categories.len(),
            units,
        };
        (ratings, categories)
    }

    /// Cohen's κ of coders `a` and `b` over the units both rated.
    pub(crate) fn cohen(&self, a: usize, b: usize) -> Option<Kappa> {
        let mut total = 0.0;
        let mut agree = 0.0;
        let mut count_a = vec![0.0; self.categories];
        let mut count_b = vec![0.0; self.categories];
        for unit in &self.units {
            let (Some(Some(x)), Some(Some(y))) = (unit.values.get(a), unit.values.get(b)) else {
                continue;
            };
            total += unit.weight;
            if x == y {
                agree += unit.weight;
            }
            add(&mut count_a, *x, unit.weight);
            add(&mut count_b, *y, unit.weight);
        }
        if total <= 0.0 {
            return None;
        }
        let expected = count_a
            .iter()
            .zip(&count_b)
            .map(|(x, y)| (x / total) * (y / total))
            .sum();
        Kappa::new(agree / total, expected)
    }

    /// Fleiss' κ over the units every coder rated.
    pub(crate) fn fleiss(&self) -> Option<Kappa> {
        let n = self.coders as f64;
        if self.coders < 2 {
            return None;
        }
        let mut total = 0.0;
        let mut agreement = 0.0;
        let mut shares = vec![0.0; self.categories];
        let mut counts = vec![0.0; self.categories];
        for unit in self.complete_units() {
            counts.iter_mut().for_each(|c| *c = 0.0);
            for &v in unit.values.iter().flatten() {
                add(&mut counts, v, 1.0);
            }
            let pairs: f64 = counts.iter().map(|c| c * (c - 1.0)).sum();
            agreement += unit.weight * pairs / (n * (n - 1.0));
            for (share, count) in shares.iter_mut().zip(&counts) {
                *share += unit.weight * count;
            }
            total += unit.weight;
        }
        if total <= 0.0 {
            return None;
        }
        let expected = shares.iter().map(|s| (s / (total * n)).powi(2)).sum();
        Kappa::new(agreement / total, expected)
    }

    /// Davies–Fleiss κ over the units every coder rated.
    pub(crate) fn davies_fleiss(&self) -> Option<Kappa> {
        let complete = Self {
            coders: self.coders,
            categories: self.categories,
            units: self.complete_units().cloned().collect(),
        };
        let mut observed = Vec::new();
        let mut expected = Vec::new();
        for a in 0..self.coders {
            for b in a + 1..self.coders {
                let pair = complete.cohen(a, b).map(|k| (k.observed, k.expected));
                // One category for this pair: p_o = p_e = 1.
                let (o, e) = pair.unwrap_or((1.0, 1.0));
                observed.push(o);
                expected.push(e);
            }
        }
        if complete.units.is_empty() {
            return None;
        }
        Kappa::new(mean(&observed)?, mean(&expected)?)
    }

    /// Krippendorff's α with difference function `delta`, over every unit with at least two
    /// values.
    pub(crate) fn alpha(&self, delta: &Delta) -> Option<f64> {
        let k = self.categories;
        let mut coincidences = vec![0.0; k * k];
        let mut counts: Vec<(u32, f64)> = Vec::new();
        for unit in &self.units {
            counts.clear();
            for &v in unit.values.iter().flatten() {
                match counts.iter_mut().find(|(c, _)| *c == v) {
                    Some((_, n)) => *n += 1.0,
                    None => counts.push((v, 1.0)),
                }
            }
            let m: f64 = counts.iter().map(|(_, n)| n).sum();
            if m < 2.0 {
                continue;
            }
            for &(c, n_c) in &counts {
                for &(d, n_d) in &counts {
                    let pairs = if c == d { n_c * (n_c - 1.0) } else { n_c * n_d };
                    if let Some(cell) = coincidences.get_mut(c as usize * k + d as usize) {
                        *cell += unit.weight * pairs / (m - 1.0);
                    }
                }
            }
        }
        let totals: Vec<f64> = coincidences
            .chunks(k.max(1))
            .map(|row| row.iter().sum())
            .collect();
        let n: f64 = totals.iter().sum();
        let mut observed = 0.0;
        let mut expected = 0.0;
        for c in 0..k {
            for d in 0..k {
                let delta2 = delta.squared(c, d, &totals);
                observed += coincidences.get(c * k + d).unwrap_or(&0.0) * delta2;
                expected += totals.get(c).unwrap_or(&0.0) * totals.get(d).unwrap_or(&0.0) * delta2;
            }
        }
        (n > 1.0 && expected > EPSILON).then(|| 1.0 - (n - 1.0) * observed / expected)
    }

    /// The units every coder rated.
    fn complete_units(&self) -> impl Iterator<Item = &RatedUnit> {
        self.units
            .iter()
            .filter(|u| u.values.iter().all(Option::is_some))
    }
}

fn add(counts: &mut [f64], category: u32, weight: f64) {
    if let Some(c) = counts.get_mut(category as usize) {
        *c += weight;
    }
}

/// The mean, `None` for no values.
pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_category_is_undefined_not_nan() {
        assert_eq!(cohen_kappa(&[1, 1, 1], &[1, 1, 1]), None);
        assert_eq!(fleiss_kappa(&[vec![0, 0], vec![0, 0]]), None);
        assert_eq!(
            krippendorff_alpha(&[vec![Some(2), Some(2)], vec![Some(2), None]]),
            None
        );
        assert_eq!(cohen_kappa::<u8>(&[], &[]), None);
        assert_eq!(cohen_kappa(&[1, 2], &[1]), None);
    }

    #[test]
    fn perfect_agreement_is_one() {
        let kappa = cohen_kappa(&["a", "b", "a"], &["a", "b", "a"]).unwrap();
        assert!((kappa.value - 1.0).abs() < 1e-12);
        let alpha = krippendorff_alpha(&[vec![Some("a"), Some("b")], vec![Some("a"), Some("b")]]);
        assert!((alpha.unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn weights_stand_for_repeated_units() {
        let repeated = Ratings::from_complete(&[&[0, 0, 0, 1, 1][..], &[0, 0, 1, 1, 1][..]]);
        let weighted = Ratings {
            coders: 2,
            categories: 2,
            units: vec![
                RatedUnit {
                    weight: 2.0,
                    values: vec![Some(0), Some(0)],
                },
                RatedUnit {
                    weight: 1.0,
                    values: vec![Some(0), Some(1)],
                },
                RatedUnit {
                    weight: 2.0,
                    values: vec![Some(1), Some(1)],
                },
            ],
        };
        assert_eq!(repeated.cohen(0, 1), weighted.cohen(0, 1));
        assert_eq!(repeated.fleiss(), weighted.fleiss());
        let (a, b) = (
            repeated.alpha(&Delta::Nominal).unwrap(),
            weighted.alpha(&Delta::Nominal).unwrap(),
        );
        assert!((a - b).abs() < 1e-12);
    }
}
