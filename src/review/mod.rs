//! Reviewing colleagues' labels: aligning annotators' spans into units of agreement and
//! disagreement, and measuring inter-annotator agreement. Never imports egui or eframe.
//!
//! - [`mod@align`]: units of comparison of one document, in text order, for review and
//!   adjudication ([`align()`], [`align_document`]).
//! - [`adjudication`]: a reviewer settles units and builds the reviewed set.
//! - [`mod@agreement`]: agreement of a project or some documents, per label and overall
//!   ([`agreement()`], [`document_agreement`]).
//! - [`matching`]: exact and overlap matching of two annotators' spans, span F1.
//! - [`coefficients`]: Cohen's κ, Fleiss' κ, Davies–Fleiss κ, Krippendorff's α.
//! - [`unitizing`]: Krippendorff's unitizing α_u.
//! - [`mod@semeval`]: SemEval-2013 span categories and IOB decoding, for comparison with NER tools.
//!
//! Formulas, degenerate cases and reference values: `shared/reference/agreement.md`.
//! Undefined figures are `None` (`null` in JSON), never NaN.

pub mod adjudication;
pub mod agreement;
pub mod align;
mod attributes;
pub mod coefficients;
mod layers;
pub mod matching;
pub mod semeval;
pub mod unitizing;

pub use agreement::{
    AgreementError, AgreementReport, Figures, PairFigures, PairScores, agreement,
    agreement_of_tables, document_agreement, has_annotated,
};
pub use align::{Alignment, ComparisonUnit, UnitKind, align, align_document};
pub use attributes::{AttributeAgreement, ENTITY_LINK};
pub use coefficients::{
    Kappa, Level, cohen_kappa, davies_fleiss_kappa, fleiss_kappa, krippendorff_alpha,
    krippendorff_alpha_at,
};
pub use matching::{Matching, SpanCounts, SpanMatch, match_spans, shared_chars, span_counts};
pub use semeval::{IobScheme, SemEval, SemEvalCounts, iob_chunks, semeval};
pub use unitizing::{Unit, UnitizingAlpha, UnitizingReport, unitizing_alpha};
