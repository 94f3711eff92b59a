//! A project reads and writes only inside its own folder, and only regular files.
//!
//! Projects travel through git and shared folders, which carry symlinks: a hostile or careless
//! `annotations/mallory -> /home/you/.ssh` must not make `lector annotate` write there, and a
//! FIFO in place of a document text must not hang `lector check`. So every path the store
//! reads or writes is checked here first:
//!
//! - each existing component of the path is looked at without following it; a symlink is
//!   followed only if where it leads is inside the project folder;
//! - files are opened through [`crate::fsguard`] (`O_NONBLOCK`, so opening a FIFO never waits
//!   for a writer) and refused unless the opened file is a regular file: FIFOs, devices and
//!   sockets are never read;
//! - reads stop at a size limit instead of reading `/dev/zero`-like files until memory runs
//!   out.

use std::fs::{self, File};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// Why a path of the project is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A component is a symlink leading out of the project.
    #[error(
        "{} is a symlink to {}, outside the project folder; Lector reads and writes only \
         inside the project",
        link.display(), target.display()
    )]
    Outside {
        /// The symlink, relative to the project.
        link: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// A symlink to nothing.
    #[error("{} is a symlink to something that does not exist", link.display())]
    Dangling {
        /// The symlink, relative to the project.
        link: PathBuf,
    },
    /// Not a regular file.
    #[error("this is {kind}, not a regular file; not read")]
    Special {
        /// What it is.
        kind: &'static str,
    },
    /// Larger than the limit.
    #[error("the file is over {max} bytes, too large to read")]
    TooLarge {
        /// The limit.
        max: u64,
    },
    /// A path that climbs out (`..`) or is absolute.
    #[error("{} is not a path inside the project", path.display())]
    NotRelative {
        /// The path.
        path: PathBuf,
    },
    /// The OS said no.
    #[error("{0}")]
    Io(String),
}

impl Refused {
    fn io(err: &std::io::Error) -> Self {
        Self::Io(err.to_string())
    }
}

/// Checks that `rel` stays inside `root`: no `..`, and every existing component that is a
/// symlink leads inside the project. Returns the full path. A path that does not exist (yet)
/// is fine: what would be created is inside.
pub fn inside(root: &Path, rel: &Path) -> Result<PathBuf, Refused> {
    inside_seen(root, rel).map(|(path, _)| path)
}

/// [`inside`], and what the last component is, looked at without following it, when it
/// exists and is not a symlink (for [`open`] to use instead of looking again).
fn inside_seen(root: &Path, rel: &Path) -> Result<(PathBuf, Option<fs::Metadata>), Refused> {
    // Resolved only when a symlink needs it: most paths have none, and resolving the root
    // took more system calls than the rest of reading a small file.
    let mut canonical_root: Option<PathBuf> = None;
    let mut seen = None;
    let mut current = root.to_path_buf();
    let mut walked = PathBuf::new();
    for component in rel.components() {
        let Component::Normal(part) = component else {
            return Err(Refused::NotRelative {
                path: rel.to_path_buf(),
            });
        };
        current.push(part);
        walked.push(part);
        // Of the component looked at last: the last one, unless the loop stops early.
        seen = None;
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(&current) {
                Ok(target) if target.starts_with(canonical(root, &mut canonical_root)?) => {}
                Ok(target) => {
                    return Err(Refused::Outside {
                        link: walked,
                        target,
                    });
                }
                Err(_) => return Err(Refused::Dangling { link: walked }),
            },
            Ok(meta) => seen = Some(meta),
            // Nothing further exists: whatever is made there is inside.
            Err(_) => break,
        }
    }
    Ok((root.join(rel), seen))
}

/// The project folder with its symlinks resolved, once.
fn canonical<'c>(root: &Path, resolved: &'c mut Option<PathBuf>) -> Result<&'c Path, Refused> {
    match resolved {
        Some(path) => Ok(path),
        None => Ok(resolved.insert(fs::canonicalize(root).map_err(|e| Refused::io(&e))?)),
    }
}

/// The guarded reader's error as a refusal; `None` when the file does not exist.
fn refused(err: crate::fsguard::ReadError) -> Option<Refused> {
    use crate::fsguard::ReadErrorKind;
    match err.kind {
        ReadErrorKind::Io(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        ReadErrorKind::NotAFile { what } => Some(Refused::Special { kind: what }),
        ReadErrorKind::TooLarge { max, .. } => Some(Refused::TooLarge { max }),
        other => Some(Refused::Io(other.to_string())),
    }
}

/// Opens `rel` for reading if it is a regular file inside the project; `Ok(None)` if it does
/// not exist. Never blocks on a FIFO (see [`crate::fsguard`]).
pub fn open(root: &Path, rel: &Path) -> Result<Option<(File, fs::Metadata)>, Refused> {
    let (path, seen) = inside_seen(root, rel)?;
    match crate::fsguard::open_regular_seen(&path, seen) {
        Ok(opened) => Ok(Some(opened)),
        Err(err) => refused(err).map_or(Ok(None), Err),
    }
}

/// Reads a regular file inside the project a megabyte at a time, handing each piece to `each`,
/// at most `max` bytes; `Ok(false)` if it does not exist. For a look at a big file that keeps
/// none of it (its fingerprint): no buffer the size of the file.
pub fn read_pieces(
    root: &Path,
    rel: &Path,
    max: u64,
    mut each: impl FnMut(&[u8]),
) -> Result<bool, Refused> {
    let Some((mut file, meta)) = open(root, rel)? else {
        return Ok(false);
    };
    if meta.len() > max {
        return Err(Refused::TooLarge { max });
    }
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => return Ok(true),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Refused::io(&e)),
        };
        total += n as u64;
        // The size may grow while reading (or lie, on odd file systems): stop past the limit.
        if total > max {
            return Err(Refused::TooLarge { max });
        }
        each(&buffer[..n]);
    }
}

/// Reads a regular file inside the project, at most `max` bytes; `Ok(None)` if it does not
/// exist.
pub fn read(root: &Path, rel: &Path, max: u64) -> Result<Option<(Vec<u8>, fs::Metadata)>, Refused> {
    let mut bytes = Vec::new();
    Ok(read_into(root, rel, max, &mut bytes)?.map(|meta| (bytes, meta)))
}

/// Files this big are read in two halves at once (see [`read_halves`]); in the unit tests,
/// any but the smallest, so that every read test reads that way too.
const SPLIT_READ_BYTES: usize = if cfg!(test) { 4096 } else { 32 << 20 };

/// Reads the start of `file` into `buffer`, its two halves at once on two threads: most of
/// reading a book's 340 MB annotation file is the kernel finding fresh pages for the buffer,
/// which both cores can do. How many bytes from the start were read (less than the buffer
/// where the file is shorter, or a read failed: the caller reads on from there and meets the
/// end or the error itself).
fn read_halves(file: &File, buffer: &mut [u8]) -> usize {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt as _;
        let read_all = |part: &mut [u8], offset: usize| {
            let mut done = 0;
            while let Some(rest) = part.get_mut(done..).filter(|rest| !rest.is_empty()) {
                match file.read_at(rest, (offset + done) as u64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            done
        };
        let mid = buffer.len() / 2;
        let (first, second) = buffer.split_at_mut(mid);
        let (first_read, second_read) = std::thread::scope(|scope| {
            let second_half = std::thread::Builder::new()
                .name("read half".to_owned())
                .spawn_scoped(scope, || read_all(second, mid));
            let first_read = read_all(first, 0);
            let second_read = match second_half {
                Ok(thread) => thread.join().unwrap_or(0),
                Err(_) => 0,
            };
            (first_read, second_read)
        });
        if first_read < mid {
            first_read
        } else {
            mid + second_read
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, buffer);
        0
    }
}

/// [`read`] into `bytes` (what it held is replaced: empty if no file is read), so that a
/// thread reading many files reuses one buffer instead of taking fresh memory from the
/// system for every file.
pub fn read_into(
    root: &Path,
    rel: &Path,
    max: u64,
    bytes: &mut Vec<u8>,
) -> Result<Option<fs::Metadata>, Refused> {
    // The bytes of the file read before are kept until this one is read over them: making
    // room by zeroing the buffer again wrote every byte of a project twice (`lector check`
    // spent a twelfth of its time there). They are cleared where no file is read.
    let Some((mut file, meta)) = open(root, rel).inspect_err(|_| bytes.clear())? else {
        bytes.clear();
        return Ok(None);
    };
    if meta.len() > max {
        bytes.clear();
        return Err(Refused::TooLarge { max });
    }
    // One byte more than the size: the whole file comes in one read, and the next finds its
    // end (a read to the end without a size reads 8 KiB, then 16, 32, ...: four calls for a
    // 50 kB file). The size may grow while reading, or lie on odd file systems: the buffer
    // grows, but never past the limit.
    let limit = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    let mut want = usize::try_from(meta.len())
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .min(limit);
    if bytes.capacity() < want {
        // Fresh zeroed memory from the system costs no writing.
        *bytes = vec![0; want];
    } else {
        // Only what the last file did not fill is zeroed.
        bytes.resize(want, 0);
    }
    let mut filled = 0;
    if want > SPLIT_READ_BYTES
        && let Some(buffer) = bytes.get_mut(..want - 1)
    {
        filled = read_halves(&file, buffer);
        if let Err(e) = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(filled as u64)) {
            bytes.truncate(0);
            return Err(Refused::io(&e));
        }
    }
    let read = loop {
        if filled == bytes.len() {
            if want == limit {
                break Err(Refused::TooLarge { max });
            }
            want = want.saturating_mul(2).min(limit);
            bytes.resize(want, 0);
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break Ok(Some(meta)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Refused::io(&e)),
        }
    };
    // Nothing of the last file is left behind, nor of this one after an error.
    bytes.truncate(if read.is_ok() { filled } else { 0 });
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread's buffer is reused file after file: each read gives exactly that file, a
    /// file of exactly the limit is read, one byte more is refused.
    #[test]
    fn each_read_gives_exactly_its_file_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let big: Vec<u8> = (0..70_001u32).map(|i| (i % 251) as u8).collect();
        fs::write(root.join("big"), &big).unwrap();
        fs::write(root.join("small"), b"Lukashenko").unwrap();
        fs::write(root.join("empty"), b"").unwrap();
        let mut bytes = Vec::new();
        for (name, want) in [
            ("big", &big[..]),
            ("small", b"Lukashenko"),
            ("empty", b""),
            ("big", &big[..]),
        ] {
            let meta = read_into(root, Path::new(name), 70_001, &mut bytes)
                .unwrap()
                .unwrap();
            assert_eq!(bytes, want, "{name}");
            assert_eq!(meta.len(), want.len() as u64);
        }
        assert_eq!(
            read_into(root, Path::new("big"), 70_000, &mut bytes).err(),
            Some(Refused::TooLarge { max: 70_000 })
        );
        // The buffer is no longer cleared before a read: where none is made, nothing of the
        // file read before is left in it.
        assert!(bytes.is_empty(), "refused: empty");
        read_into(root, Path::new("big"), 70_001, &mut bytes).unwrap();
        assert!(read_into(root, Path::new("gone"), 70_001, &mut bytes).is_ok_and(|m| m.is_none()));
        assert!(bytes.is_empty(), "no such file: empty");
        read_into(root, Path::new("big"), 70_001, &mut bytes).unwrap();
        fs::create_dir(root.join("folder")).unwrap();
        assert!(read_into(root, Path::new("folder"), 70_001, &mut bytes).is_err());
        assert!(bytes.is_empty(), "not a file: empty");
    }

    /// A file with more in it than its size says (Linux's /proc files say 0) is read whole
    /// all the same, the buffer growing as it goes, and refused once past the limit.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_size_is_read_whole_up_to_the_limit() {
        let root = Path::new("/proc/self");
        let mut bytes = Vec::new();
        let meta = read_into(root, Path::new("status"), 1 << 20, &mut bytes)
            .unwrap()
            .unwrap();
        assert_eq!(meta.len(), 0, "/proc says its files are empty");
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with("Name:") && text.contains("\nPid:"),
            "{text}"
        );
        assert!(text.ends_with('\n') && text.len() > 500, "{text}");
        assert_eq!(
            read_into(root, Path::new("status"), 100, &mut bytes).err(),
            Some(Refused::TooLarge { max: 100 })
        );
    }

    #[test]
    fn symlinks_out_of_the_project_and_special_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir_all(root.join("annotations/anna")).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(root.join("annotations/anna/a.ron"), "x").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("annotations/mallory")).unwrap();
        std::os::unix::fs::symlink(root.join("annotations/anna"), root.join("annotations/ann"))
            .unwrap();
        let refused = inside(&root, Path::new("annotations/mallory/doc.ron")).unwrap_err();
        assert!(
            matches!(&refused, Refused::Outside { link, .. } if link == Path::new("annotations/mallory")),
            "{refused}"
        );
        assert!(refused.to_string().contains("outside the project folder"));
        // A link inside the project is followed.
        assert_eq!(
            read(&root, Path::new("annotations/ann/a.ron"), 10)
                .unwrap()
                .unwrap()
                .0,
            b"x"
        );
        assert!(inside(&root, Path::new("../x")).is_err());
        assert!(
            read(&root, Path::new("annotations/none.ron"), 10)
                .unwrap()
                .is_none()
        );
        let fifo = root.join("annotations/anna/pipe.ron");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        // Returns at once, without a writer.
        let err = read(&root, Path::new("annotations/anna/pipe.ron"), 10).unwrap_err();
        assert_eq!(
            err,
            Refused::Special {
                kind: "a named pipe (FIFO)"
            }
        );
        std::os::unix::fs::symlink("/dev/zero", root.join("annotations/anna/zero.ron")).unwrap();
        assert!(read(&root, Path::new("annotations/anna/zero.ron"), 10).is_err());
        assert_eq!(
            read(&root, Path::new("annotations/anna/a.ron"), 0).unwrap_err(),
            Refused::TooLarge { max: 0 }
        );
    }
}
