//! The panels around (and over) the article. Each takes the narrow state it draws (an
//! `…Input` read from the app, and its own widget state) and returns commands.
//!
//! - [`menu`]: the menu bar and the views' tabs.
//! - [`status_bar`]: the status bar.
//! - [`documents`]: the documents panel (left).
//! - [`annotation_list`]: the annotation list (right, under the inspector).
//! - [`article`]: the central column: [`search_bar`], [`bars`], the article, [`palette`].

pub mod annotation_list;
pub mod article;
pub mod bars;
pub mod documents;
pub mod menu;
pub mod palette;
pub mod search_bar;
pub mod status_bar;
