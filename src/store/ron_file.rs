//! Reading and writing Lector's RON files: size limit, encoding, BOM, git conflict markers,
//! the format version, and parse errors with line and column.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::problem::{Position, Problem, position_of_byte};

/// The format version this build writes. Bump it only with a migration step in `migrate`
/// and a fixture under `tests/fixtures/`. Version 2 (`v2.rs`) added resolution records and
/// the prediction settings of `project.ron`.
pub const CURRENT_VERSION: u32 = 2;

/// Project files larger than this are refused rather than parsed. An annotation file of a
/// million annotations (a 50 MB book) is about 340 MB; saves never write more than this.
pub const MAX_RON_BYTES: u64 = 1024 * 1024 * 1024;

/// Checks that the bytes of a project file can be parsed at all, and explains common damage
/// in words instead of a parser error at an odd place.
pub fn preflight(file: &Path, bytes: &[u8]) -> Result<String, Problem> {
    preflight_owned(file, bytes.to_vec())
}

/// [`preflight`] of bytes read for it: the text is the same buffer, not a copy (a book's
/// annotation file is tens of megabytes).
pub fn preflight_owned(file: &Path, bytes: Vec<u8>) -> Result<String, Problem> {
    before_decoding(file, &bytes)?;
    let text = into_string(bytes)
        .map_err(|err| not_utf8(file, err.as_bytes(), err.utf8_error().valid_up_to()))?;
    after_decoding(file, &text)?;
    Ok(text)
}

/// `String::from_utf8`, with valid text checked a vector at a time: the standard library's
/// check took 25 ms of a 53 MB book's load, more than its offset tables; this takes 3.
/// Invalid text is checked again by the standard library, whose error says where.
pub fn into_string(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return String::from_utf8(bytes);
    }
    #[allow(unsafe_code)]
    // SAFETY: `simdutf8` has just checked that the bytes are valid UTF-8, which is all
    // `from_utf8_unchecked` asks; `String::from_utf8` would check them again.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// [`preflight`] of bytes read into a buffer that is used again: the text borrowed from it.
pub fn preflight_str<'b>(file: &Path, bytes: &'b [u8]) -> Result<&'b str, Problem> {
    before_decoding(file, bytes)?;
    // Validated a vector at a time (a project's annotation files are checked whole on every
    // open); where that fails, the standard library says where.
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            std::str::from_utf8(bytes).map_err(|err| not_utf8(file, bytes, err.valid_up_to()))?
        }
    };
    after_decoding(file, text)?;
    Ok(text)
}

/// The size limit and a byte-order mark.
fn before_decoding(file: &Path, bytes: &[u8]) -> Result<(), Problem> {
    if bytes.len() as u64 > MAX_RON_BYTES {
        return Err(Problem::new(
            file,
            format!(
                "the file is {} bytes; project files up to {MAX_RON_BYTES} bytes are read",
                bytes.len()
            ),
        ));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(Problem::at(
            file,
            Some(Position { line: 1, col: 1 }),
            "the file starts with a byte-order mark (BOM), which RON does not allow; \
             an editor set to \"UTF-8 with BOM\" saved it: save it as plain UTF-8",
        ));
    }
    Ok(())
}

/// The problem of bytes that are UTF-8 only up to `valid_up_to`.
fn not_utf8(file: &Path, bytes: &[u8], valid_up_to: usize) -> Problem {
    let valid = std::str::from_utf8(bytes.get(..valid_up_to).unwrap_or_default()).unwrap_or("");
    Problem::at(
        file,
        Some(position_of_byte(valid, valid.len())),
        "the file is not valid UTF-8 here; Lector writes UTF-8, so another program \
         has changed it",
    )
}

/// Git conflict markers.
fn after_decoding(file: &Path, text: &str) -> Result<(), Problem> {
    if let Some(offset) = conflict_marker(text) {
        return Err(Problem::at(
            file,
            Some(position_of_byte(text, offset)),
            "the file contains git conflict markers (<<<<<<< … >>>>>>>): a merge went wrong; \
             resolve the conflict in the file (keep both sides' annotations) and commit",
        ));
    }
    Ok(())
}

/// Where the first line that git's conflict markers begin (`<<<<<<< `, a bare `<<<<<<<`, or
/// `>>>>>>> `) starts. One pass over the file for `<` and `>` (rare in annotation files)
/// rather than walking every line.
fn conflict_marker(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'<', b'>', bytes).find(|&i| {
        let marker = if bytes[i] == b'<' {
            "<<<<<<<"
        } else {
            ">>>>>>>"
        };
        let line_start = i == 0 || bytes.get(i - 1) == Some(&b'\n');
        let Some(rest) = text.get(i..).and_then(|s| s.strip_prefix(marker)) else {
            return false;
        };
        let bare_end = rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n");
        line_start && (rest.starts_with(' ') || (marker == "<<<<<<<" && bare_end))
    })
}

#[derive(Debug, serde::Deserialize)]
struct Header {
    format_version: u32,
}

/// The `format_version` a file declares. Lector writes it as the first field, so it is read
/// from the head of the file; only a file that does not start that way is parsed whole.
pub fn format_version(file: &Path, text: &str) -> Result<u32, Problem> {
    if let Some(version) = version_from_head(text) {
        if version == 0 {
            return Err(Problem::new(
                file,
                "format_version 0 does not exist; the file is damaged",
            ));
        }
        return Ok(version);
    }
    let header: Header = parse(file, text)?;
    if header.format_version == 0 {
        return Err(Problem::new(
            file,
            "format_version 0 does not exist; the file is damaged",
        ));
    }
    Ok(header.format_version)
}

/// `(\n    format_version: N,` at the very start of a file, as Lector writes it.
fn version_from_head(text: &str) -> Option<u32> {
    let rest = text.trim_start().strip_prefix('(')?.trim_start();
    let rest = rest
        .strip_prefix("format_version")?
        .trim_start()
        .strip_prefix(':')?;
    let rest = rest.trim_start();
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let after = rest.get(digits..)?.trim_start();
    if digits == 0 || !(after.starts_with(',') || after.starts_with(')')) {
        return None;
    }
    rest.get(..digits)?.parse().ok()
}

/// Parses RON, turning an error into a problem with line and column.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Problem> {
    ron::Options::default()
        .from_str(text)
        .map_err(|err: ron::error::SpannedError| {
            let position = Position {
                line: err.span.start.line,
                col: err.span.start.col,
            };
            // A file cut off by a crash or a full disk fails wherever the cut falls; say so
            // rather than "expected end of string".
            let truncated = matches!(err.code, ron::Error::Eof) || !text.trim_end().ends_with(')');
            let message = if truncated {
                format!(
                    "the file ends too early (it was cut off, or is incomplete): {}",
                    err.code
                )
            } else {
                format!("cannot read this: {}", err.code)
            };
            Problem::at(file, Some(position), message)
        })
}

/// Pretty, deterministic RON: one field per line down to depth 3 (an annotation), everything
/// deeper (its fragments, attributes) on one line, so one changed annotation is a small diff.
pub fn to_ron<T: Serialize>(value: &T) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(3)
        .indentor("    ")
        .struct_names(false)
        .separate_tuple_members(false)
        .enumerate_arrays(false);
    let mut out = ron::ser::to_string_pretty(value, config)?;
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_are_named_with_their_line() {
        let text = "(\n<<<<<<< HEAD\n  a: 1,\n=======\n  a: 2,\n>>>>>>> theirs\n)\n";
        let err = preflight(Path::new("x.ron"), text.as_bytes()).unwrap_err();
        assert_eq!(err.position, Some(Position { line: 2, col: 1 }));
        assert!(err.message.contains("git conflict markers"));
    }

    #[test]
    fn bom_and_bad_utf8_have_their_own_messages() {
        let err = preflight(Path::new("x.ron"), b"\xEF\xBB\xBF(format_version: 1)").unwrap_err();
        assert!(err.message.contains("byte-order mark"), "{err}");
        let err = preflight(Path::new("x.ron"), b"(\n name: \"V\xE4rlden\")").unwrap_err();
        assert_eq!(err.position, Some(Position { line: 2, col: 10 }));
        assert!(err.message.contains("UTF-8"), "{err}");
    }

    #[test]
    fn truncated_ron_says_so_with_a_position() {
        let truncated = "(\n    format_version: 1,\n    name: \"a";
        // The version is read from the head; the full parse then says the file is cut off.
        assert_eq!(format_version(Path::new("x.ron"), truncated).unwrap(), 1);
        let err = parse::<Header>(Path::new("x.ron"), truncated).unwrap_err();
        assert!(err.position.is_some());
        assert!(err.message.contains("ends too early"), "{err}");
        assert_eq!(version_from_head("(\n    format_version: 12,\n"), Some(12));
        assert_eq!(version_from_head("(name: \"x\", format_version: 1)"), None);
        let err =
            format_version(Path::new("x.ron"), "(\n    format_version: \"one\",\n)").unwrap_err();
        assert_eq!(err.position.map(|p| p.line), Some(2), "{err}");
    }
}
