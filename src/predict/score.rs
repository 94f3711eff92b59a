//! Scoring predictions: the certainty-to-probability mapping, the Brier score and track records
//! per holder.
//!
//! The numbers follow `reference/claims-and-predictions.md` §2: Kent's midpoints by default,
//! `unknown` and missing certainty counted but not scored, a probability stated in the text
//! overriding the category, and only "came true" (1) and "did not come true" (0) entering a
//! score. A probability is always that of the event the span describes, counted positively:
//! a prediction tagged `certainly_not` ("kommer inte att") scores 0.07 for the event happening.
//!
//! ## What "came true" means
//!
//! A resolution says whether *what the holder said* came true. For a prediction whose
//! probability is below one half (`improbable`, `certainly_not`: "kommer inte att",
//! "knappast", "unlikely") the holder said the event would not happen, so "came true" means
//! it did not: "Putin kommer inte att förbli av kurs" came true if Putin changed course. The
//! score is kept about the event: such a prediction enters the Brier score as (0.07, event
//! did not happen) = 0.0049, a good forecast, exactly as if it were scored as 0.93 that the
//! holder is right. `possible` (0.5) and above count the event as stated.

use serde::{Deserialize, Serialize};

use super::certainty::Certainty;

/// Grades nearer than this to each other count as equally near in [`ProbabilityMap::nearest`].
pub(crate) const TIE: f64 = 1e-9;

/// The probability each certainty grade stands for when predictions are scored. A project
/// setting (stored in `project.ron`); `unknown` has no probability.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbabilityMap {
    /// CT+, Kent's "almost certain": 0.93.
    pub certain: f64,
    /// PR+, Kent's "probable": 0.75.
    pub probable: f64,
    /// PS±, Kent's "chances about even": 0.50.
    pub possible: f64,
    /// PR−, Kent's "probably not": 0.30.
    pub improbable: f64,
    /// CT−, Kent's "almost certainly not": 0.07.
    pub certainly_not: f64,
}

impl ProbabilityMap {
    /// Kent's midpoints ("Words of Estimative Probability", 1964), the default.
    pub const KENT: Self = Self {
        certain: 0.93,
        probable: 0.75,
        possible: 0.50,
        improbable: 0.30,
        certainly_not: 0.07,
    };

    /// The probability a grade stands for; `None` for `unknown`.
    pub fn probability(&self, certainty: Certainty) -> Option<f64> {
        match certainty {
            Certainty::Certain => Some(self.certain),
            Certainty::Probable => Some(self.probable),
            Certainty::Possible => Some(self.possible),
            Certainty::Improbable => Some(self.improbable),
            Certainty::CertainlyNot => Some(self.certainly_not),
            Certainty::Unknown => None,
        }
    }

    /// The probability of a schema choice string; `None` for `unknown` or any other string.
    pub fn probability_of_name(&self, certainty: &str) -> Option<f64> {
        self.probability(Certainty::from_name(certainty)?)
    }

    /// The grade whose probability is nearest to `p` (a stated "70 procent" is `probable`
    /// under Kent's midpoints). On a tie the grade nearer to even odds wins (0.4 is
    /// `possible`, not `improbable`). `None` when `p` is not a probability.
    pub fn nearest(&self, p: f64) -> Option<Certainty> {
        if !(0.0..=1.0).contains(&p) {
            return None;
        }
        // Candidates from the least to the most extreme: the first of the nearest wins ties.
        let candidates = [
            Certainty::Possible,
            Certainty::Probable,
            Certainty::Improbable,
            Certainty::Certain,
            Certainty::CertainlyNot,
        ];
        let mut best: Option<(Certainty, f64)> = None;
        for grade in candidates {
            let Some(value) = self.probability(grade) else {
                continue;
            };
            let distance = (value - p).abs();
            if best.is_none_or(|(_, nearest)| distance < nearest - TIE) {
                best = Some((grade, distance));
            }
        }
        best.map(|(grade, _)| grade)
    }

    /// What is wrong with the mapping, one sentence each: a value outside 0–1, or grades out of
    /// order (each grade must be at most as likely as the one above it).
    pub fn problems(&self) -> Vec<String> {
        let grades = [
            Certainty::Certain,
            Certainty::Probable,
            Certainty::Possible,
            Certainty::Improbable,
            Certainty::CertainlyNot,
        ];
        let mut problems = Vec::new();
        let mut above: Option<(Certainty, f64)> = None;
        for grade in grades {
            let Some(p) = self.probability(grade) else {
                continue;
            };
            if !(0.0..=1.0).contains(&p) {
                problems.push(format!(
                    "the probability of {grade} ({p}) is not between 0 and 1"
                ));
            }
            if let Some((higher, q)) = above
                && p > q
            {
                problems.push(format!("{grade} ({p}) is more likely than {higher} ({q})"));
            }
            above = Some((grade, p));
        }
        problems
    }
}

impl Default for ProbabilityMap {
    /// [Kent's midpoints](Self::KENT).
    fn default() -> Self {
        Self::KENT
    }
}

/// The Brier score of `(forecast probability, event happened)` pairs: the mean of `(p − o)²`
/// with `o` 1 where the event happened and 0 where it did not. 0 is perfect; always saying 0.5 scores 0.25.
/// `None` for no pairs.
pub fn brier(forecasts: &[(f64, bool)]) -> Option<f64> {
    if forecasts.is_empty() {
        return None;
    }
    let sum: f64 = forecasts
        .iter()
        .map(|&(p, came_true)| (p - f64::from(u8::from(came_true))).powi(2))
        .sum();
    Some(sum / count_f64(forecasts.len()))
}

/// `n` as a float, for means (counts are far below 2^52, so exact).
pub(crate) fn count_f64(n: usize) -> f64 {
    n as f64
}

/// How a prediction turned out, as the schema's resolution choice names it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionStatus {
    /// Not resolved yet.
    #[default]
    Open,
    /// What was predicted happened: scores as 1.
    CameTrue,
    /// It did not happen: scores as 0.
    DidNotComeTrue,
    /// Resolved, but what happened does not settle it. Not scored.
    Ambiguous,
    /// Resolved as withdrawn (the holder took it back, or it was not a prediction). Not scored.
    Withdrawn,
}

impl ResolutionStatus {
    /// Every status, in the order of the schema's choice list.
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::CameTrue,
        Self::DidNotComeTrue,
        Self::Ambiguous,
        Self::Withdrawn,
    ];

    /// The status name: `open`, `came_true`, `did_not_come_true`, `ambiguous`, `withdrawn`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::CameTrue => "came_true",
            Self::DidNotComeTrue => "did_not_come_true",
            Self::Ambiguous => "ambiguous",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The name in words, as the views show it: `came true` for `came_true`.
    pub fn words(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::CameTrue => "came true",
            Self::DidNotComeTrue => "did not come true",
            Self::Ambiguous => "ambiguous",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The status a name names, or `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.name() == name)
    }

    /// Whether it is resolved: any status but open.
    pub fn is_resolved(self) -> bool {
        self != Self::Open
    }

    /// The outcome that is scored: `Some(true)` for came true, `Some(false)` for did not come
    /// true, `None` for the others.
    pub fn outcome(self) -> Option<bool> {
        match self {
            Self::CameTrue => Some(true),
            Self::DidNotComeTrue => Some(false),
            Self::Open | Self::Ambiguous | Self::Withdrawn => None,
        }
    }
}

impl std::fmt::Display for ResolutionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What scoring needs to know of one prediction, borrowed from it: scoring a book's 166k
/// predictions copied two strings of each, 9 ms of the Track record's first frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScoredPrediction<'a> {
    /// The holder (an entity id), or `None` where nobody is named.
    pub holder: Option<&'a str>,
    /// The certainty choice (`certain`, …, `unknown`), or `None` where it is not set.
    pub certainty: Option<&'a str>,
    /// A probability stated in the text, 0–1; it overrides the certainty.
    pub stated_probability: Option<f64>,
    /// How it turned out.
    pub status: ResolutionStatus,
}

impl ScoredPrediction<'_> {
    /// The forecast probability that is scored: the stated probability if there is one, else
    /// the certainty's under `map`. `None` for `unknown`, a missing or unknown certainty, and
    /// a stated probability outside 0–1 (a bad number is never replaced by the category).
    pub fn probability(&self, map: &ProbabilityMap) -> Option<f64> {
        match self.stated_probability {
            Some(p) => (0.0..=1.0).contains(&p).then_some(p),
            None => map.probability_of_name(self.certainty?),
        }
    }

    /// Whether the holder said the event would *not* happen: the forecast probability is
    /// below one half (see the module documentation).
    pub fn predicts_against(&self, map: &ProbabilityMap) -> bool {
        self.probability(map).is_some_and(|p| p < 0.5)
    }

    /// `(probability of the event, the event happened)` when this prediction enters a score:
    /// resolved as came true or did not, with a probability. For a prediction against the
    /// event, came true means the event did not happen.
    pub fn forecast(&self, map: &ProbabilityMap) -> Option<(f64, bool)> {
        let p = self.probability(map)?;
        let came_true = self.status.outcome()?;
        Some((p, came_true != (p < 0.5)))
    }
}

/// One holder's record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackRecord {
    /// The holder (an entity id), or `None` for predictions without one.
    pub holder: Option<String>,
    /// Predictions made.
    pub predictions: usize,
    /// Resolved: any status but open.
    pub resolved: usize,
    /// Resolved as came true.
    pub came_true: usize,
    /// Resolved as did not come true.
    pub did_not_come_true: usize,
    /// How many entered the Brier score (came true or did not, with a probability).
    pub scored: usize,
    /// came true / (came true + did not come true); `None` where both are 0.
    pub share_true: Option<f64>,
    /// The Brier score of the scored predictions; `None` where none was scored.
    pub brier: Option<f64>,
}

impl TrackRecord {
    /// The record of `predictions`, all credited to `holder`.
    pub fn of<'p>(
        holder: Option<String>,
        predictions: impl IntoIterator<Item = ScoredPrediction<'p>>,
        map: &ProbabilityMap,
    ) -> Self {
        let mut tally = Tally::new(holder);
        for prediction in predictions {
            tally.add(prediction, map);
        }
        tally.finish()
    }
}

/// A [`TrackRecord`] being counted, with the forecasts its Brier score is of.
struct Tally {
    record: TrackRecord,
    forecasts: Vec<(f64, bool)>,
}

impl Tally {
    fn new(holder: Option<String>) -> Self {
        Self {
            record: TrackRecord {
                holder,
                predictions: 0,
                resolved: 0,
                came_true: 0,
                did_not_come_true: 0,
                scored: 0,
                share_true: None,
                brier: None,
            },
            forecasts: Vec::new(),
        }
    }

    fn add(&mut self, prediction: ScoredPrediction<'_>, map: &ProbabilityMap) {
        let record = &mut self.record;
        record.predictions += 1;
        record.resolved += usize::from(prediction.status.is_resolved());
        match prediction.status.outcome() {
            Some(true) => record.came_true += 1,
            Some(false) => record.did_not_come_true += 1,
            None => {}
        }
        self.forecasts.extend(prediction.forecast(map));
    }

    fn finish(self) -> TrackRecord {
        let mut record = self.record;
        let decided = record.came_true + record.did_not_come_true;
        record.share_true = (decided > 0).then(|| count_f64(record.came_true) / count_f64(decided));
        record.scored = self.forecasts.len();
        record.brier = brier(&self.forecasts);
        record
    }
}

/// One [`TrackRecord`] per holder, sorted by holder id, predictions without a holder last.
/// Counted as they come, in one pass: a book's 166k predictions were first copied into a
/// list, then grouped into lists per holder, whose fresh memory took most of 20 ms.
pub fn track_records<'p>(
    predictions: impl IntoIterator<Item = ScoredPrediction<'p>>,
    map: &ProbabilityMap,
) -> Vec<TrackRecord> {
    let mut without = Tally::new(None);
    let by_holder = fold_by_key(
        predictions.into_iter().filter_map(|p| match p.holder {
            Some(holder) => Some((holder, p)),
            None => {
                without.add(p, map);
                None
            }
        }),
        |holder| Tally::new(Some(holder.to_owned())),
        |tally, p| tally.add(p, map),
    );
    let mut records: Vec<TrackRecord> = by_holder.into_iter().map(Tally::finish).collect();
    if without.record.predictions > 0 {
        records.push(without.finish());
    }
    records
}

/// `items` folded by key into one `A` per key (made by `new`, each item added by `add` in
/// the order of `items`), sorted by key. A key is looked up once per run of it (a
/// document's predictions mostly share their holder).
pub(super) fn fold_by_key<'a, T, A>(
    items: impl IntoIterator<Item = (&'a str, T)>,
    mut new: impl FnMut(&'a str) -> A,
    mut add: impl FnMut(&mut A, T),
) -> Vec<A> {
    let mut folds: Vec<(&'a str, A)> = Vec::new();
    let mut at: foldhash::HashMap<&'a str, usize> = foldhash::HashMap::default();
    let mut last: Option<(&'a str, usize)> = None;
    for (key, item) in items {
        let index = match last {
            Some((k, i)) if k == key => i,
            _ => *at.entry(key).or_insert_with(|| {
                folds.push((key, new(key)));
                folds.len() - 1
            }),
        };
        last = Some((key, index));
        add(&mut folds[index].1, item);
    }
    folds.sort_unstable_by(|a, b| a.0.cmp(b.0));
    folds.into_iter().map(|(_, fold)| fold).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::RESOLUTION;

    const EPSILON: f64 = 1e-12;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < EPSILON
    }

    fn prediction(
        holder: Option<&'static str>,
        certainty: Option<&'static str>,
        stated: Option<f64>,
        status: ResolutionStatus,
    ) -> ScoredPrediction<'static> {
        ScoredPrediction {
            holder,
            certainty,
            stated_probability: stated,
            status,
        }
    }

    /// The words the views show are the file's names with spaces.
    #[test]
    fn a_status_in_words_is_its_name_spaced() {
        for status in ResolutionStatus::ALL {
            assert_eq!(status.words(), status.name().replace('_', " "));
        }
    }

    #[test]
    fn kent_is_the_default_mapping() {
        let map = ProbabilityMap::default();
        assert_eq!(map, ProbabilityMap::KENT);
        assert_eq!(map.probability_of_name("certain"), Some(0.93));
        assert_eq!(map.probability_of_name("probable"), Some(0.75));
        assert_eq!(map.probability_of_name("possible"), Some(0.50));
        assert_eq!(map.probability_of_name("improbable"), Some(0.30));
        assert_eq!(map.probability_of_name("certainly_not"), Some(0.07));
        assert_eq!(map.probability_of_name("unknown"), None);
        assert_eq!(map.probability_of_name("very_sure"), None);
        assert_eq!(map.problems(), Vec::<String>::new());
    }

    #[test]
    fn the_mapping_round_trips_through_ron_and_fills_gaps_with_kent() {
        let map = ProbabilityMap {
            certain: 0.99,
            ..ProbabilityMap::KENT
        };
        let text = ron::to_string(&map).unwrap();
        assert_eq!(
            text,
            "(certain:0.99,probable:0.75,possible:0.5,improbable:0.3,certainly_not:0.07)"
        );
        assert_eq!(ron::from_str::<ProbabilityMap>(&text).unwrap(), map);
        let partial: ProbabilityMap = ron::from_str("(probable: 0.8)").unwrap();
        assert_eq!(partial.probable, 0.8);
        assert_eq!(partial.certain, 0.93);
    }

    #[test]
    fn a_bad_mapping_is_explained() {
        let map = ProbabilityMap {
            probable: 1.2,
            improbable: 0.6,
            ..ProbabilityMap::KENT
        };
        assert_eq!(
            map.problems(),
            [
                "the probability of probable (1.2) is not between 0 and 1",
                "probable (1.2) is more likely than certain (0.93)",
                "improbable (0.6) is more likely than possible (0.5)",
            ]
        );
    }

    #[test]
    fn nearest_grade_of_a_stated_probability() {
        let map = ProbabilityMap::KENT;
        let nearest = |p| map.nearest(p);
        assert_eq!(nearest(0.70), Some(Certainty::Probable)); // |0.75-0.70| = 0.05
        assert_eq!(nearest(0.99), Some(Certainty::Certain));
        assert_eq!(nearest(0.0), Some(Certainty::CertainlyNot));
        assert_eq!(nearest(0.2), Some(Certainty::Improbable)); // 0.10 vs 0.13
        assert_eq!(nearest(0.18), Some(Certainty::CertainlyNot)); // 0.11 vs 0.12
        // Ties go to the grade nearer to even odds: 0.4 is 0.1 from 0.5 and from 0.3.
        assert_eq!(nearest(0.4), Some(Certainty::Possible));
        assert_eq!(nearest(0.625), Some(Certainty::Possible));
        assert_eq!(nearest(1.5), None);
        assert_eq!(nearest(f64::NAN), None);
    }

    #[test]
    fn brier_by_hand() {
        assert_eq!(brier(&[]), None);
        // (0.93 − 1)² = 0.0049.
        assert!(close(brier(&[(0.93, true)]).unwrap(), 0.0049));
        // Always 0.5: 0.25 whatever happens.
        assert!(close(brier(&[(0.5, true), (0.5, false)]).unwrap(), 0.25));
        // ((0.75 − 0)² + (0.3 − 1)²) / 2 = (0.5625 + 0.49) / 2 = 0.52625.
        assert!(close(
            brier(&[(0.75, false), (0.3, true)]).unwrap(),
            0.52625
        ));
        assert_eq!(brier(&[(1.0, true), (0.0, false)]), Some(0.0));
    }

    #[test]
    fn status_names_are_the_schema_choices() {
        let names: Vec<&str> = ResolutionStatus::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, RESOLUTION);
        assert_eq!(
            ResolutionStatus::from_name("did_not_come_true"),
            Some(ResolutionStatus::DidNotComeTrue)
        );
        assert_eq!(ResolutionStatus::from_name("true"), None);
        assert_eq!(
            ron::to_string(&ResolutionStatus::CameTrue).unwrap(),
            "came_true"
        );
        let back: ResolutionStatus = serde_json::from_str("\"withdrawn\"").unwrap();
        assert_eq!(back, ResolutionStatus::Withdrawn);
        assert!(!ResolutionStatus::Open.is_resolved());
        assert!(ResolutionStatus::Ambiguous.is_resolved());
    }

    #[test]
    fn the_stated_probability_overrides_the_category() {
        let map = ProbabilityMap::KENT;
        let p = prediction(None, Some("certain"), Some(0.7), ResolutionStatus::Open);
        assert_eq!(p.probability(&map), Some(0.7));
        let p = prediction(None, Some("certain"), None, ResolutionStatus::Open);
        assert_eq!(p.probability(&map), Some(0.93));
        let p = prediction(None, Some("unknown"), None, ResolutionStatus::CameTrue);
        assert_eq!(p.forecast(&map), None);
        // A stated 1.4 is a mistake: not scored, rather than scored as "certain".
        let p = prediction(None, Some("certain"), Some(1.4), ResolutionStatus::CameTrue);
        assert_eq!(p.forecast(&map), None);
    }

    fn sample() -> Vec<ScoredPrediction<'static>> {
        use ResolutionStatus::{Ambiguous, CameTrue, DidNotComeTrue, Open, Withdrawn};
        let luka = Some("lukashenko");
        let putin = Some("putin");
        vec![
            prediction(luka, Some("certain"), None, CameTrue),
            prediction(luka, Some("probable"), None, DidNotComeTrue),
            prediction(luka, Some("possible"), None, CameTrue),
            prediction(luka, Some("certain"), Some(0.7), CameTrue),
            prediction(luka, Some("unknown"), None, CameTrue),
            prediction(luka, None, None, DidNotComeTrue),
            prediction(luka, Some("improbable"), None, Ambiguous),
            prediction(luka, Some("certainly_not"), None, Withdrawn),
            prediction(luka, Some("probable"), None, Open),
            prediction(putin, Some("certainly_not"), None, DidNotComeTrue),
            prediction(putin, Some("improbable"), None, CameTrue),
            prediction(Some("anna"), Some("probable"), None, Open),
            prediction(None, Some("probable"), None, CameTrue),
        ]
    }

    proptest::proptest! {
        /// However the holders' predictions interleave, each holder's record is that of
        /// its predictions alone, in the order given (which the Brier sum is taken in).
        #[test]
        fn each_holder_is_counted_apart_however_they_interleave(
            picks in proptest::collection::vec((0..4usize, 0..13usize), 0..60),
        ) {
            let holders = [Some("putin"), Some("lukashenko"), None, Some("ahmed")];
            let sample = sample();
            let predictions: Vec<ScoredPrediction<'_>> = picks
                .iter()
                .map(|&(h, i)| ScoredPrediction { holder: holders[h], ..sample[i] })
                .collect();
            let mut names: Vec<&str> = predictions.iter().filter_map(|p| p.holder).collect();
            names.sort_unstable();
            names.dedup();
            let of = |holder: Option<&str>| {
                TrackRecord::of(
                    holder.map(str::to_owned),
                    predictions.iter().copied().filter(|p| p.holder == holder),
                    &ProbabilityMap::KENT,
                )
            };
            let mut expected: Vec<TrackRecord> = names.into_iter().map(|h| of(Some(h))).collect();
            if predictions.iter().any(|p| p.holder.is_none()) {
                expected.push(of(None));
            }
            proptest::prop_assert_eq!(
                track_records(predictions.iter().copied(), &ProbabilityMap::KENT),
                expected
            );
        }
    }

    #[test]
    fn track_records_by_hand() {
        let records = track_records(sample(), &ProbabilityMap::KENT);
        let holders: Vec<Option<&str>> = records.iter().map(|r| r.holder.as_deref()).collect();
        assert_eq!(
            holders,
            [Some("anna"), Some("lukashenko"), Some("putin"), None]
        );

        let [anna, luka, putin, nobody] = &records[..] else {
            panic!("four records");
        };
        // Only an open prediction: nothing resolved, nothing scored.
        assert_eq!((anna.predictions, anna.resolved), (1, 0));
        assert_eq!((anna.share_true, anna.brier), (None, None));

        // 9 made; 8 resolved (all but the open one); came true: certain, possible, stated 0.7
        // and unknown = 4; did not: probable and the one without certainty = 2.
        assert_eq!(luka.predictions, 9);
        assert_eq!(luka.resolved, 8);
        assert_eq!((luka.came_true, luka.did_not_come_true), (4, 2));
        // share = 4 / (4 + 2) = 0.666…: unknown and missing certainty count here.
        assert!(close(luka.share_true.unwrap(), 4.0 / 6.0));
        // Scored: certain 0.93 → 1, probable 0.75 → 0, possible 0.5 → 1, stated 0.7 → 1;
        // unknown and missing certainty are counted above but not scored.
        // (0.0049 + 0.5625 + 0.25 + 0.09) / 4 = 0.9074 / 4 = 0.22685.
        assert_eq!(luka.scored, 4);
        assert!(close(luka.brier.unwrap(), 0.22685));

        // Both predict against the event. certainly_not 0.07 did not come true: the event
        // happened, (0.07 − 1)² = 0.8649; improbable 0.3 came true: it did not happen,
        // (0.3 − 0)² = 0.09. (0.8649 + 0.09) / 2 = 0.47745.
        assert!(close(putin.brier.unwrap(), 0.47745));
        assert!(close(putin.share_true.unwrap(), 0.5));

        // probable 0.75 → 1: 0.0625.
        assert!(close(nobody.brier.unwrap(), 0.0625));
    }

    #[test]
    fn a_negated_prediction_that_came_true_is_a_good_forecast() {
        // "Putin kommer inte att förbli av kurs": certainly_not, 0.07 that he stays the course.
        let map = ProbabilityMap::KENT;
        let negated = |status| prediction(Some("putin"), Some("certainly_not"), None, status);
        let right = negated(ResolutionStatus::CameTrue);
        assert!(right.predicts_against(&map));
        // Came true: he did not stay the course; the event did not happen.
        assert_eq!(right.forecast(&map), Some((0.07, false)));
        assert!(close(
            brier(&[right.forecast(&map).unwrap()]).unwrap(),
            0.0049
        ));
        let wrong = negated(ResolutionStatus::DidNotComeTrue);
        assert!(close(
            brier(&[wrong.forecast(&map).unwrap()]).unwrap(),
            0.8649
        ));
        let records = track_records([right, wrong], &map);
        assert_eq!((records[0].came_true, records[0].did_not_come_true), (1, 1));
        // "Possible" counts the event as stated: "kanske kommer oppositionen" came true if
        // the opposition came.
        let maybe = prediction(None, Some("possible"), None, ResolutionStatus::CameTrue);
        assert_eq!(maybe.forecast(&map), Some((0.5, true)));
        // A stated 20 % against the event reads the same way.
        let stated = prediction(None, None, Some(0.2), ResolutionStatus::CameTrue);
        assert_eq!(stated.forecast(&map), Some((0.2, false)));
    }

    #[test]
    fn a_project_mapping_changes_the_score() {
        let map = ProbabilityMap {
            certain: 1.0,
            ..ProbabilityMap::KENT
        };
        let records = track_records(sample(), &map);
        // Lukashenko's certain-and-came-true now scores (1 − 1)² = 0:
        // (0 + 0.5625 + 0.25 + 0.09) / 4 = 0.225625.
        assert!(close(records[1].brier.unwrap(), 0.225625));
    }
}
