//! Calibration: how often the event happened for forecasts of each probability, for a chart of
//! probability against observed frequency.

use std::collections::BTreeMap;

use serde::Serialize;

use super::score::{ProbabilityMap, ScoredPrediction, TIE, count_f64};

/// How forecasts are grouped for a calibration chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binning {
    /// One bin per distinct probability (with the default mapping and no stated
    /// probabilities: one per grade).
    ByProbability,
    /// `n` bins of equal width over 0–1: `[0, 1/n)`, …, `[(n−1)/n, 1]` (0 counts as 1).
    Equal(usize),
}

/// One point of a calibration chart: forecasts in a range of probability and how often they
/// came true.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// The lowest probability the bin takes.
    pub from: f64,
    /// The highest probability the bin takes (exclusive but for the last bin).
    pub to: f64,
    /// The mean forecast probability in the bin (the x of the chart).
    pub mean_probability: f64,
    /// The share in which the event happened (the y of the chart).
    pub observed: f64,
    /// How many times the event happened (for a prediction against the event, "came true"
    /// means it did not; see [`super::score`]).
    pub came_true: usize,
    /// How many forecasts fell in the bin.
    pub count: usize,
}

/// The calibration of the scored predictions (came true or did not, with a probability):
/// non-empty bins, in order of probability. A well calibrated holder's points lie on the
/// diagonal.
pub fn calibration<'p>(
    predictions: impl IntoIterator<Item = ScoredPrediction<'p>>,
    map: &ProbabilityMap,
    binning: Binning,
) -> Vec<CalibrationBin> {
    // Keyed by the bin's lower edge as bits: non-negative floats order like their bits.
    // `mean_probability` holds the sum until the end.
    let mut bins: BTreeMap<u64, CalibrationBin> = BTreeMap::new();
    for (p, came_true) in predictions.into_iter().filter_map(|p| p.forecast(map)) {
        // Adding 0.0 turns a -0.0 into 0.0, which orders first.
        let p = p + 0.0;
        let (from, to) = match binning {
            Binning::ByProbability => (p, p),
            Binning::Equal(n) => {
                let n = n.max(1);
                // The tolerance keeps a decimal edge in its own bin: 0.29 * 100 is
                // 28.999999999999996 in binary floating point.
                let index = ((p * count_f64(n) + TIE).floor() as usize).min(n - 1);
                let edge = |i: usize| count_f64(i) / count_f64(n);
                (edge(index), edge(index + 1))
            }
        };
        let bin = bins.entry(from.to_bits()).or_insert(CalibrationBin {
            from,
            to,
            mean_probability: 0.0,
            observed: 0.0,
            came_true: 0,
            count: 0,
        });
        bin.mean_probability += p;
        bin.count += 1;
        bin.came_true += usize::from(came_true);
    }
    bins.into_values()
        .map(|bin| CalibrationBin {
            mean_probability: bin.mean_probability / count_f64(bin.count),
            observed: count_f64(bin.came_true) / count_f64(bin.count),
            ..bin
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::score::ResolutionStatus;

    const EPSILON: f64 = 1e-12;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < EPSILON
    }

    fn prediction(
        certainty: Option<&'static str>,
        stated: Option<f64>,
        status: ResolutionStatus,
    ) -> ScoredPrediction<'static> {
        ScoredPrediction {
            holder: None,
            certainty,
            stated_probability: stated,
            status,
        }
    }

    /// Scored, as (probability, the event happened): 0.93 yes, 0.75 no, 0.5 yes, 0.7 yes
    /// (stated), 0.07 yes (certainly_not did not come true), 0.3 no (improbable came true),
    /// 0.75 yes; the last four are not scored (unknown, ambiguous, open, no certainty).
    fn sample() -> Vec<ScoredPrediction<'static>> {
        use ResolutionStatus::{Ambiguous, CameTrue, DidNotComeTrue, Open};
        vec![
            prediction(Some("certain"), None, CameTrue),
            prediction(Some("probable"), None, DidNotComeTrue),
            prediction(Some("possible"), None, CameTrue),
            prediction(Some("certain"), Some(0.7), CameTrue),
            prediction(Some("certainly_not"), None, DidNotComeTrue),
            prediction(Some("improbable"), None, CameTrue),
            prediction(Some("probable"), None, CameTrue),
            prediction(Some("unknown"), None, CameTrue),
            prediction(Some("probable"), None, Ambiguous),
            prediction(Some("probable"), None, Open),
            prediction(None, None, DidNotComeTrue),
        ]
    }

    #[test]
    fn calibration_by_probability() {
        let bins = calibration(sample(), &ProbabilityMap::KENT, Binning::ByProbability);
        // Events: 0.93 yes, 0.75 no, 0.5 yes, 0.7 yes, 0.07 yes, 0.3 no, 0.75 yes.
        let points: Vec<(f64, f64, usize)> = bins
            .iter()
            .map(|b| (b.mean_probability, b.observed, b.count))
            .collect();
        assert_eq!(
            points,
            [
                (0.07, 1.0, 1),
                (0.3, 0.0, 1),
                (0.5, 1.0, 1),
                (0.7, 1.0, 1),
                (0.75, 0.5, 2),
                (0.93, 1.0, 1),
            ]
        );
        assert_eq!(
            (bins[4].from, bins[4].to, bins[4].came_true),
            (0.75, 0.75, 1)
        );
    }

    #[test]
    fn calibration_in_equal_bins() {
        let bins = calibration(sample(), &ProbabilityMap::KENT, Binning::Equal(10));
        let ranges: Vec<(f64, f64, usize)> = bins.iter().map(|b| (b.from, b.to, b.count)).collect();
        // 0.07 → [0, 0.1); 0.3 → [0.3, 0.4) (an edge belongs to the bin it opens);
        // 0.5 → [0.5, 0.6); 0.7, 0.75, 0.75 → [0.7, 0.8); 0.93 → [0.9, 1].
        assert_eq!(
            ranges,
            [
                (0.0, 0.1, 1),
                (0.3, 0.4, 1),
                (0.5, 0.6, 1),
                (0.7, 0.8, 3),
                (0.9, 1.0, 1),
            ]
        );
        // [0.7, 0.8): (0.7 + 0.75 + 0.75) / 3 = 0.7333…; came true 0.7 and one 0.75: 2 / 3.
        assert!(close(bins[3].mean_probability, 2.2 / 3.0));
        assert!(close(bins[3].observed, 2.0 / 3.0));
        // 1.0 falls in the last bin, not an eleventh.
        let certain = [prediction(None, Some(1.0), ResolutionStatus::CameTrue)];
        let bins = calibration(certain, &ProbabilityMap::KENT, Binning::Equal(10));
        assert_eq!((bins[0].from, bins[0].to), (0.9, 1.0));
        // Zero bins count as one: every scored forecast, the event happened in 5 of 7.
        let one = calibration(sample(), &ProbabilityMap::KENT, Binning::Equal(0));
        assert_eq!((one.len(), one[0].count, one[0].came_true), (1, 7, 5));
        assert_eq!((one[0].from, one[0].to), (0.0, 1.0));
        // No scored forecasts, no points.
        assert_eq!(
            calibration(
                sample()[7..].iter().copied(),
                &ProbabilityMap::KENT,
                Binning::Equal(0)
            ),
            Vec::new()
        );
    }
}
