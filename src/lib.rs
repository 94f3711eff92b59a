//! Lector: annotate news articles with entities, claims and predictions.
//!
//! - [`model`]: texts, typed offsets, the schema, annotations, entities, the project.
//! - [`article`]: reading article files (.txt, .md, .html, .pdf, .docx) into the stored text.
//! - [`fsguard`]: reading files Lector is handed (articles, imports) with type checks and size limits.
//! - [`store`]: the project folder on disk: versioned RON files, atomic saves, problems.
//! - [`formats`]: export to and import from the formats other tools read, with loss reports.
//! - [`review`]: alignment of annotators' spans for review, agreement, adjudication.
//! - [`predict`]: following predictions and claims: certainty from hedges, due dates from
//!   phrases, Brier scores and track records.
//! - [`sync`]: working as a team through git: commit your own files, pull, push, report.
//! - [`merge`]: the git merge driver that merges Lector's files by id (`lector merge-driver`).
//! - [`suggest`]: suggested mentions from the entity registry and imported model output.
//! - [`cli`]: the headless subcommands of the `lector` binary.
//! - [`desktop`]: desktop integration without UI: whether the XDG portal offers a file
//!   chooser, and the system's file dialogs (opened with the `gui` feature).
//! - `ui` (feature `gui`): the eframe desktop app.
//!
//! `model`, `article`, `fsguard`, `store`, `formats`, `review`, `predict`, `suggest`, `sync`, `merge` and `cli` never
//! import egui or eframe: `cargo check --no-default-features` builds them alone, and a test
//! greps them.

pub mod article;
pub mod cli;
pub mod desktop;
pub mod formats;
pub mod fsguard;
pub mod merge;
pub mod model;
pub mod predict;
pub mod review;
pub mod session;
pub mod store;
pub mod suggest;
pub mod sync;
#[cfg(feature = "gui")]
pub mod ui;
pub mod words;
