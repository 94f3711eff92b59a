//! Lector's git merge driver: when git merges two versions of one of Lector's files (a pull,
//! a rebase, a merge), it asks `lector merge-driver %O %A %B %P`, which merges them by id
//! instead of by line. Never imports egui or eframe.
//!
//! Rules, the same for every file kind (`keyed.rs`): an entry added on either side is kept; one
//! deleted on one side and untouched on the other is deleted; one changed on both sides keeps
//! the later change (annotations record `modified`, decisions and comments `at`; otherwise
//! the version already there, git's "ours") and the other is listed for the user; one deleted
//! on one side and changed on the other keeps the change (work is never lost) and is listed.
//!
//! What only a person can settle is a real conflict: the driver writes what it could merge
//! with git's conflict markers around the rest, explains it on stderr, and exits non-zero,
//! so git stops as it would on any conflict. That is: a field of `project.ron` other than the
//! documents (the label schema above all) changed on both sides differently, two different
//! articles added under one id, sides in different format versions or of a newer format than
//! this Lector, and a version that cannot be read (conflict markers, a file cut short).
//!
//! Each kind of file has one small merge function (`files.rs`, `project.rs`) behind
//! [`Kind::of`], a dispatch on the path; `attributes.rs` writes the `.gitattributes` lines
//! that send the kinds to the driver. A new kind is a variant of [`Kind`], its pattern and
//! its function.

mod attributes;
mod driver;
mod files;
mod keyed;
mod project;
mod raw;

use std::path::Path;

pub use attributes::{
    GITATTRIBUTES, driver_command, ensure_lines, ensure_project_attributes, project_lines,
    repository_lines,
};
pub use driver::{DriverError, DriverRun, Note, read_notes, run_driver};

/// The name of the driver in `.gitattributes` (`merge=lector`) and in git's configuration
/// (`merge.lector.driver`).
pub const DRIVER: &str = "lector";

/// When set, the driver appends what it did to this file, one JSON [`Note`] per line, for
/// `lector sync` to report.
pub const NOTES_ENV: &str = "LECTOR_MERGE_NOTES";

/// What to call the version git merges into (`%A`) in messages and conflict markers; "ours"
/// if unset. A sync's rebase sets "pulled": there `%A` is the colleagues' version.
pub const OURS_ENV: &str = "LECTOR_MERGE_OURS";

/// What to call the other version (`%B`); "theirs" if unset.
pub const THEIRS_ENV: &str = "LECTOR_MERGE_THEIRS";

/// The kinds of file the driver merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `project.ron`.
    Project,
    /// `annotations/<annotator>/<document>.ron`.
    Annotations,
    /// `entities/<annotator>.ron`.
    Entities,
    /// `reviews/<reviewer>/<document>.ron`.
    Review,
    /// `resolutions/<resolver>.ron`.
    Resolutions,
    /// `suggestions/<source>/<document>.ron`.
    Suggestions,
    /// `triage/<annotator>.ron`.
    Triage,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Self; 7] = [
        Self::Project,
        Self::Annotations,
        Self::Entities,
        Self::Review,
        Self::Resolutions,
        Self::Suggestions,
        Self::Triage,
    ];

    /// The kind of a file, from its path inside the repository (with `/`), and the path of
    /// the project folder it is in (empty, or ending in `/`).
    pub fn of(path: &str) -> Option<(Self, &str)> {
        let parts: Vec<&str> = path.split('/').collect();
        let ron = |name: &&str| name.len() > 4 && name.ends_with(".ron") && !name.starts_with('.');
        let (kind, depth) = match parts.as_slice() {
            [.., last] if *last == crate::store::PROJECT_FILE => (Self::Project, 1),
            [.., "annotations", _, file] if ron(file) => (Self::Annotations, 3),
            [.., "entities", file] if ron(file) => (Self::Entities, 2),
            [.., "reviews", _, file] if ron(file) => (Self::Review, 3),
            [.., "resolutions", file] if ron(file) => (Self::Resolutions, 2),
            [.., "suggestions", _, file] if ron(file) => (Self::Suggestions, 3),
            [.., "triage", file] if ron(file) => (Self::Triage, 2),
            _ => return None,
        };
        let tail: usize = parts.iter().rev().take(depth).map(|p| p.len() + 1).sum();
        let prefix = path
            .get(..(path.len() + 1).saturating_sub(tail))
            .unwrap_or("");
        Some((kind, prefix))
    }

    /// The files of the kind, as a `.gitattributes` pattern relative to the project folder.
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Project => "project.ron",
            Self::Annotations => "annotations/*/*.ron",
            Self::Entities => "entities/*.ron",
            Self::Review => "reviews/*/*.ron",
            Self::Resolutions => "resolutions/*.ron",
            Self::Suggestions => "suggestions/*/*.ron",
            Self::Triage => "triage/*.ron",
        }
    }

    fn merge(self, file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
        match self {
            Self::Project => project::project(file, versions),
            Self::Annotations => files::annotations(file, versions),
            Self::Entities => files::entities(file, versions),
            Self::Review => files::reviews(file, versions),
            Self::Resolutions => files::resolutions(file, versions),
            Self::Suggestions => files::suggestions(file, versions),
            Self::Triage => files::triage(file, versions),
        }
    }
}

/// The three versions of a file git merges.
#[derive(Debug)]
pub struct Versions<'a> {
    /// The common ancestor's (`%O`); empty if the file was added on both sides.
    pub base: &'a str,
    /// The version merged into (`%A`).
    pub ours: &'a str,
    /// The other version (`%B`).
    pub theirs: &'a str,
    /// What to call the two sides.
    pub names: Names,
}

impl Versions<'_> {
    /// The versions with the names messages give them.
    fn named(&self) -> [(&str, &str); 3] {
        [
            ("common ancestor", self.base),
            (self.names.ours.as_str(), self.ours),
            (self.names.theirs.as_str(), self.theirs),
        ]
    }
}

/// What the two sides are called in messages and conflict markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// The version merged into (`%A`).
    pub ours: String,
    /// The other one (`%B`).
    pub theirs: String,
}

impl Default for Names {
    fn default() -> Self {
        Self {
            ours: "ours".to_owned(),
            theirs: "theirs".to_owned(),
        }
    }
}

impl Names {
    /// The names a sync gave through [`OURS_ENV`] and [`THEIRS_ENV`], else "ours" and
    /// "theirs".
    pub fn from_env() -> Self {
        let name = |key: &str, default: String| {
            std::env::var(key)
                .ok()
                .filter(|v| !v.trim().is_empty() && !v.contains('\n'))
                .unwrap_or(default)
        };
        let Self { ours, theirs } = Self::default();
        Self {
            ours: name(OURS_ENV, ours),
            theirs: name(THEIRS_ENV, theirs),
        }
    }
}

/// A merged file.
#[derive(Debug)]
pub struct Merged {
    /// The merged text.
    pub text: String,
    /// What the user should look at (a change on both sides and which was kept), one sentence
    /// each.
    pub notes: Vec<String>,
}

/// A merge only a person can finish.
#[derive(Debug)]
pub struct Conflict {
    /// What could be merged, with git's conflict markers around the rest; `None` to fall back
    /// to git's line merge.
    pub text: Option<String>,
    /// Why, and what to do, one explanation each.
    pub reasons: Vec<String>,
}

impl Conflict {
    fn reason(reason: impl Into<String>) -> Self {
        Self {
            text: None,
            reasons: vec![reason.into()],
        }
    }
}

/// Merges three versions of the file at `path` (inside the repository, with `/`).
pub fn merge(path: &str, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let Some((kind, _)) = Kind::of(path) else {
        return Err(Conflict::reason(format!(
            "{path}: not a file Lector merges (only project.ron, annotations, entities, \
             reviews, resolutions, suggestions and triage): merged line by line instead"
        )));
    };
    kind.merge(Path::new(path), versions)
}

#[cfg(test)]
mod tests;
