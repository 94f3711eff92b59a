//! Resolutions: how a prediction turned out and what checking found for a claim, recorded by a
//! person (the *resolver*) apart from the annotations.
//!
//! Each resolver has one file, `resolutions/<resolver>.ron`, so resolving never rewrites
//! anyone's annotation file and git merges two people's resolutions like their annotations.
//! A record names the annotation it settles by document, annotator and id: one annotator's
//! copy of the prediction. Where several annotators tagged the same prediction, the copies are
//! matched into one prediction (see [`crate::predict::tracker`]) and the latest record about
//! any of them is its resolution. Never imports egui or eframe.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use super::AnnotationId;
use crate::predict::{ResolutionStatus, Verdict};

/// The annotation a record is about: one annotator's copy of a prediction or claim.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    /// The document.
    pub document: String,
    /// Whose annotation (an annotator, or a reviewed set `review.<reviewer>`).
    pub annotator: String,
    /// Its id in that annotator's file.
    pub annotation: AnnotationId,
}

impl RecordKey {
    /// The key of an annotation.
    pub fn new(
        document: impl Into<String>,
        annotator: impl Into<String>,
        annotation: AnnotationId,
    ) -> Self {
        Self {
            document: document.into(),
            annotator: annotator.into(),
            annotation,
        }
    }
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.document, self.annotator, self.annotation
        )
    }
}

/// One record: an outcome (a [`ResolutionStatus`] for predictions, a [`Verdict`] for claims)
/// with the date it was settled, the evidence and a note.
#[derive(Clone, Debug, PartialEq)]
pub struct Record<S> {
    /// What it is about.
    pub key: RecordKey,
    /// How it turned out.
    pub outcome: S,
    /// When it was settled (the event, not when it was recorded).
    pub date: Option<Date>,
    /// Links or quotes that settle it, as the resolver wrote them; never fetched.
    pub evidence: Vec<String>,
    /// The resolver's note.
    pub note: String,
    /// The annotation's text when it was resolved, for people reading the file.
    pub quote: String,
    /// When the record was made or last changed.
    pub at: Timestamp,
}

/// How a prediction turned out.
pub type Resolution = Record<ResolutionStatus>;

/// What checking found for a claim.
pub type VerdictRecord = Record<Verdict>;

/// One resolver's records: one file on disk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resolutions {
    /// Whose records.
    pub resolver: String,
    /// Predictions' resolutions by annotation.
    pub predictions: BTreeMap<RecordKey, Resolution>,
    /// Claims' verdicts by annotation.
    pub claims: BTreeMap<RecordKey, VerdictRecord>,
}

impl Resolutions {
    /// No records yet.
    pub fn new(resolver: impl Into<String>) -> Self {
        Self {
            resolver: resolver.into(),
            ..Self::default()
        }
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.predictions.is_empty() && self.claims.is_empty()
    }
}

/// What is wrong with a record a person typed, one sentence each: a date after today would
/// settle what has not happened yet, and empty evidence entries say nothing.
pub fn record_problems<S>(record: &Record<S>, today: Date) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(date) = record.date
        && date > today
    {
        problems.push(format!(
            "the date {date} is after today ({today}); a resolution records what happened"
        ));
    }
    if record.evidence.iter().any(|e| e.trim().is_empty()) {
        problems.push("an evidence entry is empty".to_owned());
    }
    problems
}
