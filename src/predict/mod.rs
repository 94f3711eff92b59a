//! Following predictions and claims: the certainty proposed from hedge cues, due dates read
//! from phrases, and the scores of track records (issue #8).
//!
//! - [`score`]: the certainty-to-probability mapping, Brier scores, track records per holder;
//!   [`calibration`]: stated probability against observed frequency; [`claims`]: claims per
//!   source by verdict.
//!
//! Pure domain code: it never imports egui or eframe, and reads no files.

pub mod calibration;
pub mod certainty;
pub mod claims;
pub mod score;

pub use calibration::{Binning, CalibrationBin, calibration};
pub use certainty::Certainty;
pub use claims::{ClaimVerdictCounts, ScoredClaim, Verdict, claim_verdicts};
pub use score::{
    ProbabilityMap, ResolutionStatus, ScoredPrediction, TrackRecord, brier, track_records,
};
