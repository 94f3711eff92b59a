//! Problems found in a project's files, each naming the file and, where known, the place.

use std::path::{Path, PathBuf};

/// A line and column in a file, both counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column in chars, from 1.
    pub col: usize,
}

/// Something wrong in a project file. Loading goes on past it; `lector check` lists them all.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file, relative to the project folder where it is inside it.
    pub file: PathBuf,
    /// Where in the file, if known.
    pub position: Option<Position>,
    /// What is wrong, as a sentence without a final period.
    pub message: String,
}

impl Problem {
    /// A problem with no known position.
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            position: None,
            message: message.into(),
        }
    }

    /// A problem at a position.
    pub fn at(
        file: impl Into<PathBuf>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            position,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(Position { line, col }) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The position of the first occurrence of `needle` in `haystack`, to point at an annotation
/// or label by its id or name (serde does not report where a value came from).
pub fn find_position(haystack: &str, needle: &str) -> Option<Position> {
    let byte = haystack.find(needle)?;
    Some(position_of_byte(haystack, byte))
}

/// The line and column of a byte offset.
pub fn position_of_byte(text: &str, byte: usize) -> Position {
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Position { line, col }
}

/// `path` relative to `root` when it is inside it, for shorter messages.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}
