//! What the app remembers between runs (eframe storage: preferences only, never project
//! data; eframe reads it back with `unwrap_or_default`, so every field has a default).

use std::path::PathBuf;

/// Zoom limits (the whole interface scales).
pub const ZOOM_RANGE: (f32, f32) = (0.5, 3.0);

/// The app's preferences.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The annotator's name; asked once.
    pub annotator: String,
    /// Recently opened projects, newest first.
    pub recent: Vec<PathBuf>,
    /// Zoom of the whole interface.
    pub zoom: f32,
    /// Dark theme.
    pub dark: bool,
    /// Snap mouse selections to whole words.
    pub snap_to_words: bool,
    /// Where projects made for single articles go (asked once).
    pub article_projects: Option<PathBuf>,
    /// The folder of the last export.
    pub export_dir: Option<PathBuf>,
    /// The format of the last import (its command-line name), offered again.
    pub import_format: Option<String>,
    /// The file or folder of the last import, offered again.
    pub import_path: Option<PathBuf>,
    /// The documents panel's width, in points at zoom 1.
    pub documents_width: f32,
    /// The inspector's (right) panel's width, in points at zoom 1.
    pub side_width: f32,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            annotator: String::new(),
            recent: Vec::new(),
            zoom: 1.0,
            dark: false,
            snap_to_words: true,
            article_projects: None,
            export_dir: None,
            import_format: None,
            import_path: None,
            documents_width: 230.0,
            side_width: 340.0,
        }
    }
}

impl Prefs {
    /// The zoom, kept within [`ZOOM_RANGE`] (a hand-edited file may hold anything).
    pub fn zoom(&self) -> f32 {
        if self.zoom.is_finite() {
            self.zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1)
        } else {
            1.0
        }
    }
}
