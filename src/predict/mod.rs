//! Following predictions and claims: the certainty proposed from hedge cues, due dates read
//! from phrases, and the scores of track records (issue #8).
//!
//! - [`hedge`]: a certainty proposed for a Prediction span from the hedge cues around it,
//!   with the cue to underline; [`lexicon`] holds the cues.
//! - [`due`]: a due date read from a date or a phrase ("by the end of 2027", "inom två år")
//!   against the document's date.
//! - [`score`]: the certainty-to-probability mapping, Brier scores, track records per holder;
//!   [`calibration`]: stated probability against observed frequency; [`claims`]: claims per
//!   source by verdict.
//! - [`tracker`]: the predictions and claims of a whole project, each counted once across
//!   annotators, with their resolutions: what the views, the commands and the report list.
//!
//! Pure domain code: it never imports egui or eframe, and reads no files.

pub mod calibration;
pub mod certainty;
pub mod claims;
pub mod due;
#[cfg(test)]
mod due_tests;
pub mod hedge;
#[cfg(test)]
mod hedge_tests;
pub mod lexicon;
pub mod score;
mod tokens;
pub mod tracker;

pub use calibration::{Binning, CalibrationBin, calibration};
pub use certainty::Certainty;
pub use claims::{ClaimVerdictCounts, ScoredClaim, Verdict, claim_verdicts};
pub use due::{DueError, DueReading, parse_date, read_due};
pub use hedge::{Proposal, propose};
pub use lexicon::{HedgeCue, HedgeLexicon};
pub use score::{
    ProbabilityMap, ResolutionStatus, ScoredPrediction, TrackRecord, brier, track_records,
};
pub use tracker::{StatusFilter, TrackedClaim, TrackedPrediction, Tracker, VerdictSource};
