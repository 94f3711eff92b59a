//! Reading files Lector is handed (articles to add, files to import) without trusting them.
//! Never imports egui or eframe.
//!
//! A path can name something that is not a file: a named pipe (FIFO) blocks the reader until a
//! writer comes, which may be never; `/dev/zero` or `/dev/urandom` never end. So a file is
//! checked by type before it is read, and opened so that even a FIFO swapped in at the last
//! moment cannot block the open (`O_NONBLOCK`); the open handle is checked again. Reads stop
//! one byte past the caller's limit, so a file that grows or lies about its size never makes
//! Lector read more than the limit.
//!
//! Every error names the file.

use std::fs::{File, Metadata};
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};

/// Files to import (every format) larger than this are refused; see README "Limits".
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {}", path.display())]
pub struct ReadError {
    /// What went wrong.
    pub kind: ReadErrorKind,
    /// The file.
    pub path: PathBuf,
}

/// What went wrong reading a file, without the file's name (see [`ReadError`]).
#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    /// The operating system refused or failed.
    #[error("cannot read the file: {0}")]
    Io(#[source] std::io::Error),
    /// Not a regular file: a folder, a named pipe, a device, a socket.
    #[error("this is {what}, not a regular file; Lector reads only regular files")]
    NotAFile {
        /// What it is instead ("a named pipe (FIFO)").
        what: &'static str,
    },
    /// Larger than the caller's limit.
    #[error("the file is too large: {purpose} up to {} are read", size_text(*max))]
    TooLarge {
        /// The limit in bytes.
        max: u64,
        /// What kind of file the limit is for, in the plural ("articles", "files to import").
        purpose: &'static str,
    },
    /// Not UTF-8 where text is expected.
    #[error(
        "the file is not UTF-8 text: line {line} has a byte that is not (byte {offset} of the \
         file); save the file as UTF-8"
    )]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
        /// The line it is on, from 1.
        line: usize,
    },
    /// A NUL byte, which no text file Lector reads has: UTF-16 saved without its byte-order
    /// mark, or not text at all.
    #[error("{}", nul_message(*offset, *utf16))]
    Nul {
        /// Byte offset of the first NUL.
        offset: usize,
        /// Whether the bytes look like UTF-16 (every other byte NUL).
        utf16: bool,
    },
    /// Starts with a UTF-16 byte-order mark but is not UTF-16 (as for an article).
    #[error(transparent)]
    Decode(#[from] crate::model::text::DecodeError),
}

fn nul_message(offset: usize, utf16: bool) -> String {
    if utf16 {
        format!(
            "the file looks like UTF-16 text without a byte-order mark (a NUL byte at byte \
             {offset}); save it as UTF-8, or as UTF-16 with a byte-order mark"
        )
    } else {
        format!("this is not a text file (a NUL byte at byte {offset})")
    }
}

/// Whether bytes with a NUL look like UTF-16 without a byte-order mark: Latin text, where one
/// byte of every pair is NUL and the other is not.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let pairs: Vec<&[u8]> = bytes.chunks_exact(2).take(256).collect();
    let nul_at = |i: usize| pairs.iter().filter(|pair| pair[i] == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    pairs.len() >= 2 && even.min(odd) == 0 && even.max(odd) * 2 >= pairs.len()
}

/// Bytes that must be UTF-8 text, as a string. `start` is their offset in the file and
/// `line` the line they begin on, for the error.
fn utf8_text(bytes: Vec<u8>, start: usize, line: usize) -> Result<String, ReadErrorKind> {
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(ReadErrorKind::Nul {
            offset: start + at,
            utf16: looks_like_utf16(&bytes),
        });
    }
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let before = &err.as_bytes()[..valid];
        ReadErrorKind::NotUtf8 {
            offset: start + valid,
            line: line + before.iter().filter(|&&b| b == b'\n').count(),
        }
    })
}

/// A whole file of text to import: UTF-8 (a byte-order mark dropped) or UTF-16 with its
/// byte-order mark, as editors on Windows save it.
fn import_text(bytes: Vec<u8>) -> Result<String, ReadErrorKind> {
    if let Some((decoded, _)) = crate::model::text::decode_utf16_with_bom(&bytes) {
        return Ok(decoded?);
    }
    let mut bytes = bytes;
    let start = if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
        UTF8_BOM.len()
    } else {
        0
    };
    utf8_text(bytes, start, 1)
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A size for messages: whole MiB as "256 MiB", else in bytes.
pub fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

impl ReadError {
    fn new(kind: ReadErrorKind, path: &Path) -> Self {
        Self {
            kind,
            path: path.to_path_buf(),
        }
    }
}

/// What a file is, when it is not a regular file.
fn not_a_file(metadata: &Metadata) -> Option<&'static str> {
    let ty = metadata.file_type();
    if ty.is_file() {
        return None;
    }
    if ty.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ty.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if ty.is_char_device() || ty.is_block_device() {
            return Some("a device");
        }
        if ty.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// `O_NONBLOCK`: an open of a FIFO then returns at once instead of waiting for a writer. It
/// does not change reads of regular files. (The values of the platforms' `fcntl.h`, to do
/// without a `libc` dependency.)
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const O_NONBLOCK: i32 = 0x0004;

/// Opens a regular file for reading, refusing anything else by type before opening it, and
/// again on the open handle (in case the path was replaced in between). Never blocks.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    open_regular_seen(path, None)
}

/// [`open_regular`] where the caller has just looked at the path (`seen`, its metadata
/// without following it, when it is not a symlink): one look at it fewer.
pub fn open_regular_seen(
    path: &Path,
    seen: Option<Metadata>,
) -> Result<(File, Metadata), ReadError> {
    let io = |err| ReadError::new(ReadErrorKind::Io(err), path);
    let before = match seen {
        Some(seen) => seen,
        None => std::fs::metadata(path).map_err(io)?,
    };
    if let Some(what) = not_a_file(&before) {
        return Err(ReadError::new(ReadErrorKind::NotAFile { what }, path));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if let Some(what) = not_a_file(&metadata) {
        return Err(ReadError::new(ReadErrorKind::NotAFile { what }, path));
    }
    Ok((file, metadata))
}

/// Reads a whole regular file of at most `max` bytes; `purpose` names the limit in the error
/// ("articles"). Reads at most `max + 1` bytes whatever the file says its size is.
pub fn read_limited(path: &Path, max: u64, purpose: &'static str) -> Result<Vec<u8>, ReadError> {
    let (file, metadata) = open_regular(path)?;
    let too_large = || ReadError::new(ReadErrorKind::TooLarge { max, purpose }, path);
    if metadata.len() > max {
        return Err(too_large());
    }
    let capacity = usize::try_from(metadata.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| ReadError::new(ReadErrorKind::Io(err), path))?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// A file to import, at most [`MAX_IMPORT_BYTES`], as text: UTF-8, or UTF-16 with a
/// byte-order mark; a UTF-8 byte-order mark is dropped.
pub fn read_import(path: &Path) -> Result<String, ReadError> {
    let bytes = read_limited(path, MAX_IMPORT_BYTES, "files to import")?;
    import_text(bytes).map_err(|kind| ReadError::new(kind, path))
}

/// The lines of a regular file, read one at a time (the file is never held whole), with the
/// total limited to `max` bytes. Each item is `(line number from 1, line without its line
/// break)`; an error ends the iteration. The text is UTF-8 (a byte-order mark dropped), or
/// UTF-16 with its byte-order mark, which is decoded whole first.
pub fn lines_limited(
    path: &Path,
    max: u64,
    purpose: &'static str,
) -> Result<LinesLimited, ReadError> {
    let (file, metadata) = open_regular(path)?;
    let too_large = || ReadError::new(ReadErrorKind::TooLarge { max, purpose }, path);
    if metadata.len() > max {
        return Err(too_large());
    }
    let mut reader = BufReader::new(file.take(max.saturating_add(1)));
    let head = reader
        .fill_buf()
        .map_err(|err| ReadError::new(ReadErrorKind::Io(err), path))?;
    let mut read = 0;
    let source = if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|err| ReadError::new(ReadErrorKind::Io(err), path))?;
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        let text = import_text(bytes).map_err(|kind| ReadError::new(kind, path))?;
        LineSource::Decoded { text, at: 0 }
    } else {
        if head.starts_with(UTF8_BOM) {
            reader.consume(UTF8_BOM.len());
            read = UTF8_BOM.len() as u64;
        }
        LineSource::Utf8(reader)
    };
    Ok(LinesLimited {
        source,
        path: path.to_path_buf(),
        max,
        purpose,
        read,
        number: 0,
        done: false,
    })
}

/// A file to import, at most [`MAX_IMPORT_BYTES`] in all; see [`lines_limited`].
pub fn import_lines(path: &Path) -> Result<LinesLimited, ReadError> {
    lines_limited(path, MAX_IMPORT_BYTES, "files to import")
}

/// Iterator of [`lines_limited`].
#[derive(Debug)]
pub struct LinesLimited {
    source: LineSource,
    path: PathBuf,
    max: u64,
    purpose: &'static str,
    read: u64,
    number: usize,
    done: bool,
}

/// Where [`LinesLimited`] takes its lines from.
#[derive(Debug)]
enum LineSource {
    /// UTF-8, read a line at a time.
    Utf8(BufReader<std::io::Take<File>>),
    /// UTF-16, decoded whole (within the limit); `at` is where the next line starts.
    Decoded { text: String, at: usize },
}

impl Iterator for LinesLimited {
    type Item = Result<(usize, String), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let reader = match &mut self.source {
            LineSource::Utf8(reader) => reader,
            LineSource::Decoded { text, at } => {
                let rest = text.get(*at..).unwrap_or_default();
                if rest.is_empty() {
                    self.done = true;
                    return None;
                }
                let line = rest.split('\n').next().unwrap_or_default();
                *at += (line.len() + 1).min(rest.len());
                self.number += 1;
                let line = line.strip_suffix('\r').unwrap_or(line);
                return Some(Ok((self.number, line.to_owned())));
            }
        };
        let mut line = Vec::new();
        let read = match reader.read_until(b'\n', &mut line) {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(n) => n,
            Err(err) => {
                self.done = true;
                return Some(Err(ReadError::new(ReadErrorKind::Io(err), &self.path)));
            }
        };
        self.read += read as u64;
        if self.read > self.max {
            self.done = true;
            return Some(Err(ReadError::new(
                ReadErrorKind::TooLarge {
                    max: self.max,
                    purpose: self.purpose,
                },
                &self.path,
            )));
        }
        let start = usize::try_from(self.read - read as u64).unwrap_or(usize::MAX);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        self.number += 1;
        Some(
            utf8_text(line, start, self.number)
                .map(|text| (self.number, text))
                .map_err(|kind| {
                    self.done = true;
                    ReadError::new(kind, &self.path)
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read_limited(&path, 5, "tests").unwrap(), b"12345");
        let err = read_limited(&path, 4, "tests").unwrap_err();
        assert!(matches!(err.kind, ReadErrorKind::TooLarge { max: 4, .. }));
        assert!(err.to_string().ends_with("a.txt"), "{err}");
    }

    #[test]
    fn lines_end_at_the_limit_with_an_error_and_report_bad_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "one\r\ntwo\nthree").unwrap();
        let lines: Vec<(usize, String)> = lines_limited(&path, 100, "tests")
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            lines,
            [
                (1, "one".to_owned()),
                (2, "two".to_owned()),
                (3, "three".to_owned())
            ]
        );
        std::fs::write(&path, b"ok\nb\xFFd\n").unwrap();
        let err = lines_limited(&path, 100, "tests")
            .unwrap()
            .find_map(Result::err)
            .unwrap();
        assert!(
            matches!(err.kind, ReadErrorKind::NotUtf8 { offset: 4, line: 2 }),
            "{err}"
        );
    }

    /// What a file to import is read as, both whole and by lines.
    fn both_ways(
        dir: &Path,
        bytes: &[u8],
    ) -> (Result<String, String>, Result<Vec<String>, String>) {
        let path = dir.join("in.jsonl");
        std::fs::write(&path, bytes).unwrap();
        let whole = read_import(&path).map_err(|err| err.to_string());
        let lines = import_lines(&path)
            .map_err(|err| err.to_string())
            .and_then(|lines| {
                lines
                    .map(|line| line.map(|(_, text)| text).map_err(|err| err.to_string()))
                    .collect()
            });
        (whole, lines)
    }

    fn utf16(text: &str, bom: bool, to_bytes: fn(u16) -> [u8; 2]) -> Vec<u8> {
        let mark = bom.then_some(0xFEFF);
        mark.into_iter()
            .chain(text.encode_utf16())
            .flat_map(to_bytes)
            .collect()
    }

    #[test]
    fn import_text_in_utf16_or_with_a_byte_order_mark_reads_as_utf8_does() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"a\": \"Lukasjenko 👩‍👩‍👧\"}\r\nåäö\n";
        let plain = both_ways(dir.path(), text.as_bytes());
        assert_eq!(plain.0.as_deref(), Ok(text));
        assert_eq!(
            plain.1,
            Ok(vec![
                "{\"a\": \"Lukasjenko 👩‍👩‍👧\"}".to_owned(),
                "åäö".to_owned()
            ])
        );
        let with_bom = [UTF8_BOM, text.as_bytes()].concat();
        let little = utf16(text, true, u16::to_le_bytes);
        let big = utf16(text, true, u16::to_be_bytes);
        for bytes in [&with_bom, &little, &big] {
            assert_eq!(both_ways(dir.path(), bytes), plain);
        }
    }

    #[test]
    fn utf16_without_a_mark_binary_data_and_bad_utf8_are_named_with_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let (whole, lines) = both_ways(
            dir.path(),
            &utf16("{\"a\": 1}\n{}\n", false, u16::to_le_bytes),
        );
        for err in [whole.unwrap_err(), lines.unwrap_err()] {
            assert!(
                err.contains("UTF-16 text without a byte-order mark (a NUL byte at byte 1)"),
                "{err}"
            );
            assert!(err.ends_with("in.jsonl"), "{err}");
        }
        let (whole, lines) = both_ways(dir.path(), &utf16("{}", false, u16::to_be_bytes));
        assert!(
            whole
                .unwrap_err()
                .contains("UTF-16 text without a byte-order mark (a NUL byte at byte 0)")
        );
        assert!(lines.is_err());
        let (whole, lines) = both_ways(dir.path(), b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\x13");
        for err in [whole.unwrap_err(), lines.unwrap_err()] {
            assert!(
                err.starts_with("this is not a text file (a NUL byte at byte 5)"),
                "{err}"
            );
        }
        let latin1 = b"{\"a\": 1}\n{\"b\": \"G\xf6teborg\"}\n";
        let (whole, lines) = both_ways(dir.path(), latin1);
        for err in [whole.unwrap_err(), lines.unwrap_err()] {
            assert!(
                err.contains("line 2 has a byte that is not (byte 17 of the file)"),
                "{err}"
            );
        }
        let bad_utf16 = [0xFF, 0xFE, b'a', 0, 0x00, 0xDC];
        let (whole, lines) = both_ways(dir.path(), &bad_utf16);
        for err in [whole.unwrap_err(), lines.unwrap_err()] {
            assert!(err.contains("not valid UTF-16 at byte 4"), "{err}");
        }
    }

    #[test]
    fn folders_and_devices_are_refused_by_type() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_limited(dir.path(), 10, "tests").unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");
        #[cfg(unix)]
        {
            let err = read_limited(Path::new("/dev/zero"), 10, "tests").unwrap_err();
            assert!(err.to_string().starts_with("this is a device"), "{err}");
        }
    }
}
