//! Atomic, durable file writes.
//!
//! A save writes a temporary file in the target's folder, flushes and syncs it, renames it over
//! the target and syncs the folder. A crash at any point leaves either the old file or the new
//! one, never a mix; a failed save leaves the old file untouched. `tempfile::persist` would not
//! sync, and eframe's storage writes in place, so Lector does this itself.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Marks Lector's temporary files so that stray ones can be recognised and removed.
const TEMP_SUFFIX: &str = ".lector-tmp";

/// A temporary file older than this is left over from an interrupted save. Younger ones may
/// belong to a colleague's Lector saving into a shared folder right now.
const STRAY_AGE: Duration = Duration::from_secs(15 * 60);

/// Writes `bytes` to `path` atomically, keeping the permissions of the file it replaces.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut staged = Staged::create(path)?;
    staged.write(bytes)?;
    staged.commit()
}

/// A file being written atomically: its content goes to a temporary file beside it, which
/// [`Staged::commit`] syncs and renames over the target. Dropped uncommitted (an error, a
/// save given up), the temporary file is removed and the target is as it was.
#[derive(Debug)]
pub struct Staged {
    file: Option<File>,
    /// Bytes written, and up to where writeback was started.
    written: u64,
    flushing_from: u64,
    temp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
}

impl Staged {
    /// Starts writing `path`, with the permissions of the file it will replace.
    pub fn create(path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
            .to_string_lossy();
        let temp = dir.join(format!(
            ".{name}.{:08x}{TEMP_SUFFIX}",
            crate::model::annotation::random_u64() as u32
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let staged = Self {
            file: Some(file),
            written: 0,
            flushing_from: 0,
            temp,
            path: path.to_path_buf(),
            dir,
        };
        if let (Ok(meta), Some(file)) = (fs::metadata(path), &staged.file) {
            file.set_permissions(meta.permissions())?;
        }
        Ok(staged)
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(file) = &mut self.file else {
            return Err(io::Error::other("the file was already committed"));
        };
        file.write_all(bytes)?;
        self.written += bytes.len() as u64;
        if self.written - self.flushing_from >= WRITEBACK_EVERY {
            start_writeback(file, self.flushing_from, self.written - self.flushing_from);
            self.flushing_from = self.written;
        }
        Ok(())
    }

    /// Syncs what was written and renames it over the target, then syncs the folder.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("the file was already committed"))?;
        // The data and what it takes to read it back (the size, the blocks): `fdatasync`, which
        // leaves out the times `fsync` would also flush.
        file.sync_data()?;
        drop(file);
        fs::rename(&self.temp, &self.path)?;
        // Renamed: nothing left to remove, whatever the folder's sync says.
        self.temp = PathBuf::new();
        sync_dir(&self.dir)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.temp.as_os_str().is_empty() {
            // Best effort: the error that matters is the one the writer returned.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Bytes written between two starts of writeback.
const WRITEBACK_EVERY: u64 = 8 << 20;

/// Asks the kernel to start writing a range of `file` to disk now, without waiting for it:
/// a book's 350 MB go to disk while the rest is still being made, and the sync at the end
/// waits only for the last few megabytes. Only a hint; the sync is what makes it durable.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, from: u64, len: u64) {
    use std::os::fd::AsRawFd as _;
    let (Ok(from), Ok(len)) = (i64::try_from(from), i64::try_from(len)) else {
        return;
    };
    #[allow(unsafe_code)]
    // SAFETY: a valid open descriptor for the call's duration; no memory is passed.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), from, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _from: u64, _len: u64) {}

#[cfg(unix)]
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub(super) fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows has no directory handles to sync; rename is durable once it returns.
    Ok(())
}

/// Removes temporary files left in `dir` by saves that were interrupted (a crash, a power cut).
/// Returns the removed paths.
pub fn remove_stray_temp_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= STRAY_AGE);
        if old_enough && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ron");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names.len(),
            1,
            "no temporary file is left behind: {names:?}"
        );
    }

    #[test]
    fn a_failed_save_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty folder: rename over it fails after the temp file is written.
        let path = dir.path().join("a.ron");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "precious").unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(fs::read_to_string(path.join("inside")).unwrap(), "precious");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "the temporary file is removed: {names:?}");
    }

    /// A save given up half-way (a serialising thread died, the file grew too big) leaves
    /// the old file and no temporary file.
    #[test]
    fn a_staged_file_dropped_uncommitted_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ron");
        fs::write(&path, "old").unwrap();
        let mut staged = Staged::create(&path).unwrap();
        staged.write(b"half of the ").unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
        drop(staged);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut staged = Staged::create(&path).unwrap();
        staged.write(b"new in ").unwrap();
        staged.write(b"two pieces").unwrap();
        staged.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new in two pieces");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A file bigger than the writeback step (its writeback is started every 8 MB while the
    /// rest is written) is whole and in order after the commit.
    #[test]
    fn a_big_file_written_in_pieces_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ron");
        let mut staged = Staged::create(&path).unwrap();
        let piece = |i: u8| vec![b'a' + i % 26; 1 << 20];
        for i in 0..20 {
            staged.write(&piece(i)).unwrap();
        }
        staged.commit().unwrap();
        let back = fs::read(&path).unwrap();
        assert_eq!(back.len(), 20 << 20);
        for (i, chunk) in back.chunks(1 << 20).enumerate() {
            assert_eq!(chunk, piece(i as u8), "megabyte {i}");
        }
    }

    #[test]
    fn only_old_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".a.ron.1234abcd.lector-tmp");
        let young = dir.path().join(".b.ron.99999999.lector-tmp");
        let other = dir.path().join("notes.txt");
        for p in [&old, &young, &other] {
            fs::write(p, "x").unwrap();
        }
        let file = File::options().write(true).open(&old).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        let file = File::options().write(true).open(&other).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        assert_eq!(remove_stray_temp_files(dir.path()), vec![old.clone()]);
        assert!(!old.exists() && young.exists() && other.exists());
    }
}
