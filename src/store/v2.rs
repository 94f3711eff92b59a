//! The on-disk shapes of format version 2. Released: never change these types; add a `v3.rs`
//! and a migration step instead.
//!
//! What changed from version 1 ([`super::migrate`] does the step):
//!
//! - `project.ron` has the scoring map (`probabilities`), the project's own hedge cues
//!   (`hedge_cues`) and a publication date per document (`published`), and for an article
//!   fetched from the web its address and the time it was fetched (`source_url`, `fetched`).
//! - Resolutions are records of their own, one file per resolver:
//!   `resolutions/<resolver>.ron` ([`ResolutionsFile`]). The Prediction label's `resolution`,
//!   `resolution_note` and `resolution_date` attributes of version 1 are gone from the schema
//!   and from annotation files; Prediction labels gain a `probability` attribute (a
//!   probability stated in the text).
//! - Annotation, entity and review files keep the version-1 shapes ([`SetFile`],
//!   [`EntitiesFile`], [`ReviewFile`]) with `format_version: 2`.

use serde::{Deserialize, Serialize};

pub use super::v1::{EntitiesFile, ReviewFile, SetFile};
use crate::model::Schema;

/// `project.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProjectFile {
    /// Always first, so that any version can be recognised.
    pub format_version: u32,
    /// Display name.
    pub name: String,
    /// The labels.
    pub schema: Schema,
    /// The probability each certainty grade stands for when predictions are scored (Brier
    /// scores, calibration). Kent's midpoints where a value is left out.
    #[serde(default)]
    pub probabilities: Probabilities,
    /// The project's own hedge cues, added to the starter lists (a cue with a starter cue's
    /// phrase regrades it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hedge_cues: Vec<HedgeCueEntry>,
    /// Documents in the order they were added.
    #[serde(default)]
    pub documents: Vec<DocumentEntry>,
}

/// The scoring map: a probability (0–1) per certainty grade. `unknown` has none.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default)]
pub struct Probabilities {
    /// `certain`.
    pub certain: f64,
    /// `probable`.
    pub probable: f64,
    /// `possible`.
    pub possible: f64,
    /// `improbable`.
    pub improbable: f64,
    /// `certainly_not`.
    pub certainly_not: f64,
}

impl Default for Probabilities {
    /// Kent's midpoints.
    fn default() -> Self {
        Self {
            certain: 0.93,
            probable: 0.75,
            possible: 0.50,
            improbable: 0.30,
            certainly_not: 0.07,
        }
    }
}

/// One of the project's hedge cues.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HedgeCueEntry {
    /// One or more words; `…` stands for up to three other words.
    pub phrase: String,
    /// The grade it proposes: `certain`, `probable`, `possible`, `improbable`,
    /// `certainly_not`.
    pub certainty: String,
    /// Whether it is the bare future, which proposes only where no other cue applies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bare_future: bool,
}

/// A document in `project.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// Stable id, the stem of `documents/<id>.txt`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Original file name.
    pub file: String,
    /// SHA-256 of the stored text, lower-case hex.
    pub sha256: String,
    /// RFC 3339 time it was added.
    pub added: String,
    /// `YYYY-MM-DD` the article was published, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The address the article was fetched from, after redirects (articles added from the
    /// web). Added to format 2 before its release; absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// RFC 3339 time the article was fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched: Option<String>,
}

/// `resolutions/<resolver>.ron`: one person's resolutions of predictions and verdicts on
/// claims. Records are sorted by document, annotator and annotation.
#[derive(Debug, Serialize, Deserialize)]
pub struct ResolutionsFile {
    /// Always first.
    pub format_version: u32,
    /// The resolver; must match the file name.
    pub resolver: String,
    /// How predictions turned out.
    #[serde(default)]
    pub predictions: Vec<ResolutionEntry>,
    /// What checking found for claims.
    #[serde(default)]
    pub claims: Vec<VerdictEntry>,
}

/// How one prediction turned out.
#[derive(Debug, Serialize, Deserialize)]
pub struct ResolutionEntry {
    /// The document.
    pub document: String,
    /// Whose annotation (the copy the resolver resolved).
    pub annotator: String,
    /// Its id.
    pub annotation: String,
    /// The prediction's text when it was resolved, for people reading the file.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    /// `open`, `came_true`, `did_not_come_true`, `ambiguous` or `withdrawn`.
    pub status: String,
    /// `YYYY-MM-DD` it was settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Links or quotes; never fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The resolver's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// RFC 3339 time the record was made or last changed.
    pub at: String,
}

/// What checking found for one claim.
#[derive(Debug, Serialize, Deserialize)]
pub struct VerdictEntry {
    /// The document.
    pub document: String,
    /// Whose annotation.
    pub annotator: String,
    /// Its id.
    pub annotation: String,
    /// The claim's text when it was checked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    /// `unreviewed`, `supported`, `refuted`, `not_enough_evidence` or `conflicting`.
    pub verdict: String,
    /// `YYYY-MM-DD` it was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Links or quotes; never fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The checker's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// RFC 3339.
    pub at: String,
}
