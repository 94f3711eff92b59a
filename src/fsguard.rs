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
    #[error("the file is not UTF-8 text (invalid at byte {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
}

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

/// [`read_limited`] for a file that must be UTF-8 text.
pub fn read_text_limited(
    path: &Path,
    max: u64,
    purpose: &'static str,
) -> Result<String, ReadError> {
    let bytes = read_limited(path, max, purpose)?;
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        ReadError::new(ReadErrorKind::NotUtf8 { offset }, path)
    })
}

/// A file to import, at most [`MAX_IMPORT_BYTES`], as text.
pub fn read_import(path: &Path) -> Result<String, ReadError> {
    read_text_limited(path, MAX_IMPORT_BYTES, "files to import")
}

/// The lines of a regular file, read one at a time (the file is never held whole), with the
/// total limited to `max` bytes. Each item is `(line number from 1, line without its line
/// break)`; an error ends the iteration.
pub fn lines_limited(
    path: &Path,
    max: u64,
    purpose: &'static str,
) -> Result<LinesLimited, ReadError> {
    let (file, metadata) = open_regular(path)?;
    if metadata.len() > max {
        return Err(ReadError::new(
            ReadErrorKind::TooLarge { max, purpose },
            path,
        ));
    }
    Ok(LinesLimited {
        reader: BufReader::new(file.take(max.saturating_add(1))),
        path: path.to_path_buf(),
        max,
        purpose,
        read: 0,
        number: 0,
        done: false,
    })
}

/// The lines of a file to import, at most [`MAX_IMPORT_BYTES`] in all; see [`lines_limited`].
pub fn import_lines(path: &Path) -> Result<LinesLimited, ReadError> {
    lines_limited(path, MAX_IMPORT_BYTES, "files to import")
}

/// Iterator of [`lines_limited`].
#[derive(Debug)]
pub struct LinesLimited {
    reader: BufReader<std::io::Take<File>>,
    path: PathBuf,
    max: u64,
    purpose: &'static str,
    read: u64,
    number: usize,
    done: bool,
}

impl Iterator for LinesLimited {
    type Item = Result<(usize, String), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut line = Vec::new();
        let read = match self.reader.read_until(b'\n', &mut line) {
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
        let start = self.read - read as u64;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        self.number += 1;
        Some(match String::from_utf8(line) {
            Ok(text) => Ok((self.number, text)),
            Err(err) => {
                self.done = true;
                let offset =
                    usize::try_from(start).unwrap_or(usize::MAX) + err.utf8_error().valid_up_to();
                Err(ReadError::new(
                    ReadErrorKind::NotUtf8 { offset },
                    &self.path,
                ))
            }
        })
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
            matches!(err.kind, ReadErrorKind::NotUtf8 { offset: 4 }),
            "{err}"
        );
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
