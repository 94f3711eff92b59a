//! Lector: annotate news articles with entities, claims and predictions.
//!
//! - [`model`]: texts, typed offsets, the schema, annotations, entities, the project.
//! - [`store`]: the project folder on disk: versioned RON files, atomic saves, problems.
//! - [`cli`]: the headless subcommands of the `lector` binary.
//! - `ui` (feature `gui`): the eframe desktop app.
//!
//! `model`, `store` and `cli` never import egui or eframe: `cargo check --no-default-features`
//! builds them alone, and a test greps them.

pub mod cli;
pub mod formats;
pub mod model;
pub mod session;
pub mod store;
#[cfg(feature = "gui")]
pub mod ui;
