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

/// Where each `<key>: "…"` of a file is (`id: "…"`, `annotation: "…"`), found in one pass
/// over the file the first time a problem asks, then looked up: a file with problems in many
/// of its entries (a label renamed in the schema, decisions on a document since removed) made
/// reading quadratic when the file was searched for each. [`Self::of`] finds what
/// [`find_position`] of `<key>: "<value>"` finds, where the key is a whole word.
pub struct Places<'s> {
    source: &'s str,
    key: &'static str,
    places: std::cell::OnceCell<std::collections::HashMap<&'s str, Position>>,
}

impl<'s> Places<'s> {
    /// The places of the values of `key` in `source`, found when first asked for.
    pub fn new(source: &'s str, key: &'static str) -> Self {
        Self {
            source,
            key,
            places: std::cell::OnceCell::new(),
        }
    }

    /// The places of the `id`s of `source`.
    pub fn ids(source: &'s str) -> Self {
        Self::new(source, "id")
    }

    /// The place of the first `<key>: "<value>"` (the value written as Rust and RON escape
    /// it).
    pub fn of(&self, value: &str) -> Option<Position> {
        let quoted = format!("{value:?}");
        let written = quoted.get(1..quoted.len().saturating_sub(1))?;
        self.places
            .get_or_init(|| self.find_all())
            .get(written)
            .copied()
    }

    /// Every `<key>: "…"` with the place of its first occurrence, lines counted as the file
    /// is read once.
    fn find_all(&self) -> std::collections::HashMap<&'s str, Position> {
        let pattern = format!("{}: \"", self.key);
        let source = self.source;
        let bytes = source.as_bytes();
        let mut places = std::collections::HashMap::new();
        // Lines and columns are counted from the last place found: each byte once.
        let (mut counted_to, mut line, mut col) = (0, 1, 1);
        for at in memchr::memmem::find_iter(bytes, pattern.as_bytes()) {
            // `id` is not the end of `entity_id`.
            let word_before = at
                .checked_sub(1)
                .and_then(|before| bytes.get(before))
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
            if word_before {
                continue;
            }
            let from = at + pattern.len();
            // The written value: up to the quote that ends it (escaped ones skipped).
            let rest = bytes.get(from..).unwrap_or_default();
            let mut end = None;
            let mut escaped = false;
            for (i, &b) in rest.iter().enumerate() {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => {
                        end = Some(from + i);
                        break;
                    }
                    _ => {}
                }
            }
            let Some(written) = end.and_then(|end| source.get(from..end)) else {
                continue;
            };
            if places.contains_key(written) {
                continue;
            }
            let between = bytes.get(counted_to..at).unwrap_or_default();
            line += memchr::memchr_iter(b'\n', between).count();
            let chars = |from: usize| source.get(from..at).map_or(0, |s| s.chars().count());
            match memchr::memrchr(b'\n', between) {
                Some(last) => col = chars(counted_to + last + 1) + 1,
                None => col += chars(counted_to),
            }
            counted_to = at;
            places.insert(written, Position { line, col });
        }
        places
    }
}

/// Where the entries of a list in a file are, found in one pass over the file the first time
/// a problem asks: entry `i` is the `i`-th at bracket depth `depth` (the file's `(` is 1, a
/// list in it 2, an entry of that list 3) that has the key `marker`, so that a problem of
/// the `i`-th entry serde read is placed at that entry, not at the first text that looks
/// like it (a decision's time, a suggestion's `start: 12` that is also the start of
/// `start: 120`).
pub struct Entries<'s> {
    source: &'s str,
    depth: usize,
    marker: &'static str,
    /// Each entry's keys, with their places.
    entries: std::cell::OnceCell<Vec<Vec<(&'s str, Position)>>>,
}

impl<'s> Entries<'s> {
    /// The entries at `depth` of `source` that have `marker`, found when first asked for.
    pub fn new(source: &'s str, depth: usize, marker: &'static str) -> Self {
        Self {
            source,
            depth,
            marker,
            entries: std::cell::OnceCell::new(),
        }
    }

    /// The place of `key` in entry `i` (of its first key, where it has no `key`), if the
    /// file has `count` such entries: else the file is not laid out as its entries say, and
    /// no place is better than a wrong one.
    pub fn of(&self, i: usize, count: usize, key: &str) -> Option<Position> {
        let entries = self.entries.get_or_init(|| self.find_all());
        if entries.len() != count {
            return None;
        }
        let entry = entries.get(i)?;
        entry
            .iter()
            .find(|(name, _)| *name == key)
            .or_else(|| entry.first())
            .map(|&(_, position)| position)
    }

    fn find_all(&self) -> Vec<Vec<(&'s str, Position)>> {
        let mut entries: Vec<Vec<(&'s str, Position)>> = Vec::new();
        let mut within = None;
        let mut current = Vec::new();
        let mut flush = |current: &mut Vec<(&'s str, Position)>| {
            if current.iter().any(|(name, _)| *name == self.marker) {
                entries.push(std::mem::take(current));
            } else {
                current.clear();
            }
        };
        for key in keys(self.source) {
            if key.depth != self.depth {
                continue;
            }
            if within != Some(key.within) {
                flush(&mut current);
                within = Some(key.within);
            }
            current.push((key.name, key.position));
        }
        flush(&mut current);
        entries
    }
}

/// The line and column of a byte offset.
pub fn position_of_byte(text: &str, byte: usize) -> Position {
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Position { line, col }
}

/// Where the labels, attributes and documents of a `project.ron` that parsed start: the
/// position of each label's and attribute's `name:` and each document's `id:`, in file order,
/// found in one pass over the file (strings, chars and comments skipped). serde does not say
/// where a value came from, and searching the file for each name made loading quadratic and
/// missed names that RON spells differently (escapes).
#[derive(Debug, Default)]
pub struct ProjectPositions {
    labels: Vec<Position>,
    attributes: Vec<Position>,
    documents: Vec<Position>,
}

/// Bracket depths of the keys in a version-1 `project.ron`: the file `(` 1, `schema: (` 2,
/// `labels: [` 3, a label `(` 4, `attributes: [` 5, an attribute `(` 6; `documents: [` 2, a
/// document `(` 3.
const LABEL_NAME_DEPTH: usize = 4;
const ATTRIBUTE_NAME_DEPTH: usize = 6;
const DOCUMENT_ID_DEPTH: usize = 3;

impl ProjectPositions {
    /// Scans a project file.
    pub fn of(text: &str) -> Self {
        let mut positions = Self::default();
        for Key {
            name,
            depth,
            position,
            ..
        } in keys(text)
        {
            match (name, depth) {
                ("name", LABEL_NAME_DEPTH) => positions.labels.push(position),
                ("name", ATTRIBUTE_NAME_DEPTH) => positions.attributes.push(position),
                ("id", DOCUMENT_ID_DEPTH) => positions.documents.push(position),
                _ => {}
            }
        }
        positions
    }

    /// Where label `i` of the schema starts, if the file has as many labels as `count`.
    pub fn label(&self, i: usize, count: usize) -> Option<Position> {
        (self.labels.len() == count).then(|| self.labels.get(i).copied())?
    }

    /// Where attribute `j` of label `i` starts; `counts` are the labels' attribute counts.
    pub fn attribute(&self, i: usize, j: usize, counts: &[usize]) -> Option<Position> {
        if self.attributes.len() != counts.iter().sum::<usize>() {
            return None;
        }
        let before: usize = counts.get(..i)?.iter().sum();
        self.attributes.get(before + j).copied()
    }

    /// Where document `i` starts, if the file lists as many documents as `count`.
    pub fn document(&self, i: usize, count: usize) -> Option<Position> {
        (self.documents.len() == count).then(|| self.documents.get(i).copied())?
    }
}

/// Where a schema problem is, in a `project.ron` scanned into `positions`.
pub fn schema_position(
    positions: &ProjectPositions,
    schema: &crate::model::Schema,
    place: crate::model::SchemaPlace,
) -> Option<Position> {
    match place {
        crate::model::SchemaPlace::Label(i) => positions.label(i, schema.labels.len()),
        crate::model::SchemaPlace::Attribute(i, j) => {
            let counts: Vec<usize> = schema.labels.iter().map(|l| l.attributes.len()).collect();
            positions.attribute(i, j, &counts)
        }
    }
}

/// A `key:` of a RON text.
struct Key<'s> {
    name: &'s str,
    /// How many brackets are open around it.
    depth: usize,
    position: Position,
    /// The byte of the bracket it is in: keys of one entry share it.
    within: usize,
}

/// Every `key:` of a RON text outside strings, chars and comments, with its bracket depth and
/// position, in one pass.
fn keys(text: &str) -> Vec<Key<'_>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Where each open bracket is.
    let mut open = Vec::new();
    let mut line = 1;
    let mut line_start = 0;
    // Columns are counted on from the last key of the same line, so that a file on one long
    // line stays linear: (byte, its 0-based column).
    let mut counted = (0usize, 0usize);
    let mut position = |at: usize, line: usize, line_start: usize| {
        if counted.0 < line_start || counted.0 > at {
            counted = (line_start, 0);
        }
        let more = text.get(counted.0..at).map_or(0, |s| s.chars().count());
        counted = (at, counted.1 + more);
        Position {
            line,
            col: counted.1 + 1,
        }
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                open.push(i);
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                open.pop();
                i += 1;
            }
            b'"' => i = skip_string(bytes, i + 1, None, &mut line, &mut line_start),
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) => {
                let hashes = bytes
                    .get(i + 1..)
                    .map_or(0, |rest| rest.iter().take_while(|&&c| c == b'#').count());
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    i = skip_string(
                        bytes,
                        i + 2 + hashes,
                        Some(hashes),
                        &mut line,
                        &mut line_start,
                    );
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal: 'x', '\'', '\u{1F600}'.
                let mut j = i + 1;
                if bytes.get(j) == Some(&b'\\') {
                    j += 2;
                }
                while bytes.get(j).is_some_and(|&c| c != b'\'' && c != b'\n') {
                    j += 1;
                }
                i = j + 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut nesting = 0usize;
                while let Some(&c) = bytes.get(i) {
                    if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        nesting += 1;
                        i += 2;
                    } else if c == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        nesting -= 1;
                        i += 2;
                        if nesting == 0 {
                            break;
                        }
                    } else {
                        if c == b'\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        i += 1;
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    i += 1;
                }
                let mut j = i;
                while bytes.get(j).is_some_and(|&c| c == b' ' || c == b'\t') {
                    j += 1;
                }
                if bytes.get(j) == Some(&b':') && bytes.get(j + 1) != Some(&b':') {
                    found.push(Key {
                        name: text.get(start..i).unwrap_or(""),
                        depth,
                        position: position(start, line, line_start),
                        within: open.last().copied().unwrap_or(0),
                    });
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// Skips a string's body from `i` (after the opening quote) to after its closing quote,
/// counting lines: a raw string's (`raw`: its number of `#`, which may be none) has no
/// escapes and ends with a quote and that many `#`.
fn skip_string(
    bytes: &[u8],
    mut i: usize,
    raw: Option<usize>,
    line: &mut usize,
    line_start: &mut usize,
) -> usize {
    let hashes = raw.unwrap_or(0);
    let raw = raw.is_some();
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' if !raw => i += 2,
            b'"' => {
                let closes = bytes
                    .get(i + 1..i + 1 + hashes)
                    .is_some_and(|h| h.iter().all(|&c| c == b'#'));
                if closes {
                    return i + 1 + hashes;
                }
                i += 1;
            }
            b'\n' => {
                *line += 1;
                *line_start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// `path` relative to `root` when it is inside it, for shorter messages.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The places found in one pass are those a search of the file for each id finds: ids
    /// on many lines and several on one, after wide characters, escaped quotes, an id used
    /// twice, an id quoted in a note before its own entry, and ids that are not there; a key
    /// that ends another (`entity_id`) is not the key.
    #[test]
    fn id_places_are_where_a_search_finds_them() {
        let source = "(\n    note: \"see id: \\\"b\\\"\",\n    annotations: [\n        \
                      (id: \"a\", label: \"Åäö 👍🏽\"), (id: \"b\", x: 1), (id: \"a\"),\n        \
                      ( id: \"q\\\"x\" ),\n\n  (id: \"b\"), (id: \"c\"), (id: \"\"),\n\
                      (note: \"id: \\\"d\\\"\"), (id: \"d\"),\n]\n)\n";
        let places = Places::ids(source);
        for id in ["a", "b", "c", "d", "", "q\"x", "missing", "\\"] {
            let searched = find_position(source, &format!("id: {id:?}"));
            assert_eq!(places.of(id), searched, "{id:?} in\n{source}");
        }
        let line = |id: &str| places.of(id).map(|p| p.line);
        assert!(line("d") > line("a"), "the ids are on several lines");

        let source = "(entity_id: \"e\", x: 1),\n(annotation: \"e\", id: \"e\")";
        assert_eq!(
            Places::ids(source).of("e"),
            Some(Position { line: 2, col: 19 })
        );
        assert_eq!(
            Places::new(source, "annotation").of("e"),
            Some(Position { line: 2, col: 2 })
        );
    }

    /// Entries are found by their index among those with the marker at their depth: alike
    /// entries each at their own place, the key asked for or the entry's first, entries of
    /// another list (no marker) and nested ones left out, a marker in a string or comment not
    /// taken for one, and no place when the file has another count than serde read.
    #[test]
    fn entries_are_placed_by_their_index_not_their_text() {
        let source = "(\n    decisions: [\n        (start: 12, at: \"x\"),\n        \
                      (start: 12, at: \"x\", inner: (start: 1)),\n        \
                      (note: \"start: 12\", start: 120),\n        // (start: 5),\n        \
                      (end: 3, start: 7, at: \"x\"),\n    ],\n    entities: [(id: \"e\")],\n)\n";
        let entries = Entries::new(source, 3, "start");
        let at = |i, key| entries.of(i, 4, key);
        let place = |line, col| Some(Position { line, col });
        assert_eq!(at(0, "start"), place(3, 10));
        assert_eq!(at(0, "at"), place(3, 21));
        assert_eq!(at(1, "start"), place(4, 10));
        assert_eq!(at(2, "start"), place(5, 29));
        assert_eq!(at(2, "at"), place(5, 10), "no such key: the entry's first");
        assert_eq!(at(3, "start"), place(7, 18));
        assert_eq!(at(4, "start"), None);
        assert_eq!(entries.of(0, 5, "start"), None, "another count");
        assert_eq!(Entries::new(source, 3, "id").of(0, 1, "id"), place(9, 17));
    }

    /// A raw string has no escapes: `r"C:\"` ends at its second quote, and the keys after it
    /// are keys.
    #[test]
    fn a_raw_string_ending_in_a_backslash_ends_there() {
        let source = "(\n    items: [\n        (note: r\"C:\\\", start: 1),\n        \
                      (note: r#\"\"x\\\"#, start: 2),\n    ],\n)\n";
        let entries = Entries::new(source, 3, "start");
        assert_eq!(
            entries.of(0, 2, "start"),
            Some(Position { line: 3, col: 24 }),
            "{source}"
        );
        assert_eq!(
            entries.of(1, 2, "start"),
            Some(Position { line: 4, col: 26 }),
            "{source}"
        );
    }

    #[test]
    fn positions_of_labels_attributes_and_documents_skip_strings_and_comments() {
        let text = r##"(
    format_version: 1,
    name: "id: \"x\" name: (",
    schema: (
        labels: [
            (name: "A", kind: Entity, color: "#000000", hotkey: Some(')'), attributes: []),
            // name: "not a label"
            (
                name: "B\nC",
                kind: Claim,
                color: "#000000",
                attributes: [(name: "source", ty: Choice(["a", "b"]), help: r"name: (")],
            ),
        ],
    ),
    documents: [
        (id: "d\u{1}", title: "T", file: "f", sha256: "", added: "2026-01-01T00:00:00Z"),
    ],
  )
"##;
        let positions = ProjectPositions::of(text);
        assert_eq!(positions.label(0, 2), Some(Position { line: 6, col: 14 }));
        assert_eq!(positions.label(1, 2), Some(Position { line: 9, col: 17 }));
        assert_eq!(
            positions.label(1, 3),
            None,
            "a count that does not fit gives none"
        );
        assert_eq!(
            positions.attribute(1, 0, &[0, 1]),
            Some(Position { line: 12, col: 31 })
        );
        assert_eq!(
            positions.document(0, 1),
            Some(Position { line: 17, col: 10 })
        );
    }
}
