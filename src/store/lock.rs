//! Advisory locks that serialise every read-modify-write of a project file.
//!
//! Each writer (the app's save thread, every command, an import, a review) takes the lock of
//! the file it is about to write, re-reads the file under it, merges its change into what it
//! finds and writes, then lets go. Two writers at once therefore never lose each other's
//! change: the second one reads what the first one wrote.
//!
//! ## Implementation notes
//!
//! - The lock is an OS file lock (`flock` on Unix, `LockFileEx` on Windows, through
//!   [`std::fs::File::lock`]) on a small file of its own under `.lector/locks/`, mirroring the
//!   project path: the file it protects is replaced by a rename on every save, so it cannot
//!   carry the lock itself. The OS releases the lock when the process ends, crash or
//!   `SIGKILL` included, so a stale lock never blocks anyone; the lock files themselves may
//!   stay (they are empty and ignored by git through `.lector/.gitignore`).
//! - `flock` locks belong to an open file, not to a process, so two sessions in one process
//!   (two windows, a test) exclude each other too.
//! - A writer never holds two locks at once, so there is no lock order to get wrong.
//! - Waiting is bounded: a lock still held after [`LOCK_WAIT`] (another Lector stuck on a
//!   network folder) fails the save with a message; nothing is written, the change stays
//!   unsaved and the next save tries again.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Folder of Lector's machine-local state inside a project: locks and crash journals. Never
/// committed (it holds its own `.gitignore`) and never read as project data.
pub const LOCAL_DIR: &str = ".lector";

/// How long a writer waits for another one before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(20);

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock file cannot be made or opened.
    #[error("cannot lock the file for writing: {source}: {}", path.display())]
    Io {
        /// The OS error.
        source: std::io::Error,
        /// The lock file.
        path: PathBuf,
    },
    /// Someone else holds it for too long.
    #[error(
        "another Lector (a window or a command) has been writing this file for {} s; \
         nothing was written, try again: {}",
        waited.as_secs(), path.display()
    )]
    Busy {
        /// How long this writer waited.
        waited: Duration,
        /// The project file.
        path: PathBuf,
    },
}

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// The lock file for `rel` (a path relative to the project folder).
fn lock_path(root: &Path, rel: &Path) -> PathBuf {
    let mut path = root.join(LOCAL_DIR).join("locks").join(rel);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.set_file_name(name);
    path
}

/// Makes `.lector/` with a `.gitignore` that keeps all of it out of git.
pub fn ensure_local_dir(root: &Path) -> std::io::Result<PathBuf> {
    // Locks and journals are written here: never through a symlink out of the project.
    let dir = super::confine::inside(root, Path::new(LOCAL_DIR))
        .map_err(|refused| std::io::Error::other(refused.to_string()))?;
    fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        fs::write(
            &ignore,
            "# Lector's machine-local state: locks and crash journals.\n*\n",
        )?;
    }
    Ok(dir)
}

/// Takes the write lock of the project file `rel`, waiting up to [`LOCK_WAIT`].
pub fn lock(root: &Path, rel: &Path) -> Result<FileLock, LockError> {
    lock_within(root, rel, LOCK_WAIT)
}

/// Takes the write lock of `rel`, waiting up to `wait`.
pub fn lock_within(root: &Path, rel: &Path, wait: Duration) -> Result<FileLock, LockError> {
    let path = lock_path(root, rel);
    let io = |source| LockError::Io {
        source,
        path: path.clone(),
    };
    ensure_local_dir(root).map_err(io)?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(err)) => return Err(io(err)),
        }
        let waited = started.elapsed();
        if waited >= wait {
            return Err(LockError::Busy {
                waited,
                path: root.join(rel),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let rel = Path::new("annotations/anna/doc.ron");
        let first = lock(dir.path(), rel).unwrap();
        let busy = lock_within(dir.path(), rel, Duration::from_millis(30)).unwrap_err();
        assert!(busy.to_string().contains("another Lector"), "{busy}");
        // Another file is not held up.
        let _other = lock_within(dir.path(), Path::new("project.ron"), Duration::ZERO).unwrap();
        drop(first);
        let _again = lock_within(dir.path(), rel, Duration::ZERO).unwrap();
        let ignore = fs::read_to_string(dir.path().join(".lector/.gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == "*"));
    }
}
