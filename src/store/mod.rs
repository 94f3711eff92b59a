//! The project on disk: loading with every problem reported, atomic saves that never overwrite
//! what someone else changed, and adding documents. Never imports egui or eframe.
//!
//! ```text
//! project.ron                          name, schema, documents
//! documents/<document>.txt             stored text, normalised once at import
//! annotations/<annotator>/<document>.ron
//! entities/<annotator>.ron             the annotator's canonical entities
//! reviews/<reviewer>/<document>.ron    a reviewer's decisions and comments; the reviewed
//!                                      annotations are the set `annotations/review.<reviewer>/`
//! resolutions/<resolver>.ron           a person's resolutions of predictions, verdicts on claims
//! suggestions/<source>/<document>.ron  another tool's or a model's suggestions (imported)
//! triage/<annotator>.ron               an annotator's accepted and rejected suggestions
//! ```

pub mod atomic;
pub mod confine;
pub mod convert;
pub mod journal;
pub mod lock;
pub mod migrate;
pub mod problem;
pub mod reanchor;
mod reload;
pub mod ron_file;
pub mod set_text;
pub mod suggested;
pub mod v1;
pub mod v2;
mod watch;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::article::{ArticleError, ArticleKind};
use crate::model::edit::{self, Edit};
use crate::model::review::Review;
use crate::model::text::MAX_ARTICLE_BYTES;
use crate::model::validate::{duplicate_ids, meaning_problems, registry_problems};
use crate::model::{
    AnnotationId, AnnotationSet, DocText, Document, DocumentMeta, EntityRegistry, PredictSettings,
    Project, Resolutions, Schema, SpanTable, SpanTables, project,
};
use convert::Keep;
pub use problem::{Position, Problem};
pub use reload::{DiskChanges, UNREADABLE_OWN};
use ron_file::CURRENT_VERSION;
pub use suggested::{suggestions_path, triage_path};
pub use watch::{Reloaded, Watcher};

/// Name of the project file inside the project folder.
pub const PROJECT_FILE: &str = "project.ron";

/// An error that stops an operation. Problems inside files that loading can go past are
/// [`Problem`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("{action}: {source}: {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
        /// The file.
        path: PathBuf,
    },
    /// The folder has no project file.
    #[error("{}: {}", not_a_project_why(path), path.display())]
    NotAProject {
        /// The folder.
        path: PathBuf,
    },
    /// `lector new` on an existing project.
    #[error("there is a project here already: {}", path.display())]
    AlreadyAProject {
        /// The folder.
        path: PathBuf,
    },
    /// A file cannot be read at all.
    #[error("{0}")]
    Unreadable(Problem),
    /// The file changed on disk since Lector read it.
    #[error(
        "not saved: the file changed on disk since Lector read it (a colleague or git); \
         reload it first: {}", path.display()
    )]
    ChangedOnDisk {
        /// The file.
        path: PathBuf,
    },
    /// The file changed on disk and what is there now cannot be read, so Lector's changes
    /// cannot be merged into it.
    #[error(
        "not saved: the file changed on disk (another Lector, a command or git) and cannot be \
         read to merge your changes into it; your changes are kept. {problem}"
    )]
    CannotMerge {
        /// What is wrong with the file on disk, with its place.
        problem: Problem,
    },
    /// Another writer holds the file.
    #[error("not saved: {0}")]
    Lock(#[from] lock::LockError),
    /// The file must not be written.
    #[error("not saved: {reason}: {}", path.display())]
    ReadOnly {
        /// Why.
        reason: String,
        /// The file.
        path: PathBuf,
    },
    /// An article could not be read.
    #[error("cannot add the article: {source}: {}", path.display())]
    Article {
        /// Why.
        source: ArticleError,
        /// The article.
        path: PathBuf,
    },
    /// An article could not be fetched from the web.
    #[error("cannot add the article: {0}")]
    Fetch(#[from] crate::article::web::FetchError),
    /// An article fetched from the web could not be read.
    #[error("cannot add the article: {source}: {url}")]
    WebArticle {
        /// Why.
        source: ArticleError,
        /// The address it was fetched from.
        url: String,
    },
    /// Invalid input from the user.
    #[error("{0}")]
    Invalid(String),
}

/// A new value for [`ProjectStore::disk_version`]: never the same twice in a process.
fn next_disk_version() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What Lector read of a file, to notice when someone else changes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fingerprint(Option<(u64, u64)>);

impl Fingerprint {
    /// The length and a 64-bit hash of the content. The hash only has to tell "someone
    /// changed this file" from "unchanged", with no adversary: four multiply-rotate lanes over
    /// 8-byte words run at several GB/s, where SipHash took 25 ms for a book's 34 MB file
    /// on every save.
    fn of(bytes: &[u8]) -> Self {
        let mut hasher = Hasher::default();
        hasher.update(bytes);
        hasher.finish()
    }

    fn absent() -> Self {
        Self(None)
    }

    /// The fingerprint of a project file as it is on disk now (absent if it does not exist),
    /// read only if it is a regular file inside the project.
    fn on_disk(root: &Path, rel: &Path) -> std::io::Result<Self> {
        match Self::of_file(root, rel) {
            Ok(found) => Ok(found.unwrap_or_else(Self::absent)),
            Err(refused) => Err(std::io::Error::other(refused.to_string())),
        }
    }

    /// The fingerprint of a project file, hashed a megabyte at a time (no copy of a book's
    /// file in memory); `None` if it does not exist.
    fn of_file(root: &Path, rel: &Path) -> Result<Option<Self>, confine::Refused> {
        let mut hasher = Hasher::default();
        let exists = confine::read_pieces(root, rel, MAX_FILE_BYTES, |piece| {
            hasher.update(piece);
        })?;
        Ok(exists.then(|| hasher.finish()))
    }
}

/// [`Fingerprint::of`] over content that comes in pieces (a file read a megabyte at a time,
/// a set serialised in parts): the same fingerprint as of the pieces joined.
#[derive(Clone, Debug)]
struct Hasher {
    lanes: [u64; 4],
    /// The bytes of an unfinished 32-byte block.
    carry: [u8; 32],
    carried: usize,
    len: u64,
}

impl Default for Hasher {
    fn default() -> Self {
        Self {
            lanes: [
                0x243F_6A88_85A3_08D3,
                0x1319_8A2E_0370_7344,
                0xA409_3822_299F_31D0,
                0x082E_FA98_EC4E_6C89,
            ],
            carry: [0; 32],
            carried: 0,
            len: 0,
        }
    }
}

impl Hasher {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;

    fn block(lanes: &mut [u64; 4], block: &[u8]) {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            *lane = (*lane ^ u64::from_le_bytes(w))
                .wrapping_mul(Self::K)
                .rotate_left(29);
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.carried > 0 {
            let take = (32 - self.carried).min(bytes.len());
            self.carry[self.carried..self.carried + take].copy_from_slice(&bytes[..take]);
            self.carried += take;
            bytes = &bytes[take..];
            if self.carried < 32 {
                return;
            }
            let block = self.carry;
            Self::block(&mut self.lanes, &block);
            self.carried = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            Self::block(&mut self.lanes, block);
        }
        let rest = blocks.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carried = rest.len();
    }

    fn finish(&self) -> Fingerprint {
        let mut lanes = self.lanes;
        for &b in &self.carry[..self.carried] {
            lanes[0] = (lanes[0] ^ u64::from(b))
                .wrapping_mul(Self::K)
                .rotate_left(29);
        }
        let mut hash = self.len;
        for lane in lanes {
            hash = (hash ^ lane).wrapping_mul(Self::K).rotate_left(31);
        }
        Fingerprint(Some((self.len, hash)))
    }
}

/// How many threads read a big file: the cores there are, up to four.
fn reading_threads() -> usize {
    std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(1)
        .clamp(1, 4)
}

/// `each` of the `indices`, on `workers` threads that each take the next index when done
/// with one (a core busy with something else meanwhile leaves its share to the other; a fixed
/// share each kept the other waiting at the end), each with a state of its own (a buffer it
/// reuses). The results by index, `len` of them: `None` for an index not among `indices`, or
/// one a thread that panicked did not finish.
fn in_turn<S: Default, T: Send>(
    workers: usize,
    indices: &[usize],
    len: usize,
    each: &(dyn Fn(&mut S, usize) -> T + Sync),
) -> Vec<Option<T>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let next = &next;
                scope.spawn(move || {
                    let mut state = S::default();
                    std::iter::from_fn(|| {
                        indices.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    })
                    .map(|&i| (i, each(&mut state, i)))
                    .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut results: Vec<Option<T>> = (0..len).map(|_| None).collect();
    for (i, result) in done.into_iter().flatten() {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    results
}

/// Annotation files at least this big are read on several threads.
const PARALLEL_SET_BYTES: usize = 1 << 20;

/// What reading one annotation file gives, before the store takes it in.
#[derive(Default)]
struct SetRead {
    /// The file's fingerprint and metadata, if it could be read (when counting, only for a
    /// file with problems: see [`ProjectStore::read_set`]).
    file: Option<(Fingerprint, std::fs::Metadata)>,
    /// The file's metadata, until its fingerprint is taken.
    metadata: Option<std::fs::Metadata>,
    /// Why it opens read-only: written by a newer Lector.
    newer: Option<String>,
    /// Resolutions kept in a version 1 file.
    legacy: Option<Vec<crate::model::Resolution>>,
    set: Option<AnnotationSet>,
    /// How many annotations the set read had (its annotations are not kept when counting).
    annotations: usize,
    /// When counting labels: the labels of its annotations, with how many have each.
    labels: Vec<(String, usize)>,
    /// Read on views of the annotations (the set holds none, or only those that link an
    /// entity when counting labels).
    lean: bool,
    /// When keeping tables: the table of its spans.
    table: Option<SpanTable>,
    problems: Vec<Problem>,
}

/// What reading one document's stored text gives, before the store takes it in.
enum TextRead {
    /// It could not be read.
    Unread(Problem),
    /// Read: its fingerprint and metadata, and unless it is not UTF-8 its text with whether
    /// the text has the hash `project.ron` records.
    Read {
        fingerprint: Fingerprint,
        metadata: std::fs::Metadata,
        text: Option<(Result<DocText, crate::model::offsets::TextTooLong>, bool)>,
    },
}

/// The largest project file Lector reads.
const MAX_FILE_BYTES: u64 = if ron_file::MAX_RON_BYTES > MAX_ARTICLE_BYTES as u64 {
    ron_file::MAX_RON_BYTES
} else {
    MAX_ARTICLE_BYTES as u64
};

/// A file's edits since it was last read or written, shared by the session and the save
/// that includes them: a review's start on a book leaves a million, which the window's
/// thread copied at every save (50-100 ms).
pub type Replay = std::sync::Arc<crate::model::edit::EditRuns>;

/// What a [`PendingWrite`] writes.
#[derive(Debug)]
enum PendingContent {
    /// Bytes ready to write; refused if the file changed on disk.
    Bytes(Vec<u8>),
    /// A copy of a set (its annotations shared, not copied) and its text, serialised by the
    /// writer.
    Set {
        set: SetSnapshot,
        text: DocText,
        /// The edits since the file was last read or written, to replay onto what another
        /// writer put there meanwhile; `None`: refuse if the file changed.
        edits: Option<Replay>,
        /// The bytes the file was last written with, for a big set.
        written: Option<WrittenFile>,
    },
    /// A copy of an annotator's entities.
    Entities {
        annotator: String,
        registry: EntityRegistry,
        edits: Option<Replay>,
    },
    /// A copy of a reviewer's decisions on a document.
    Review {
        review: Box<Review>,
        edits: Option<Replay>,
    },
    /// A copy of a resolver's records.
    Resolutions {
        resolutions: Box<Resolutions>,
        edits: Option<Replay>,
    },
    /// A copy of an annotator's decisions on suggestions.
    Triage {
        triage: Box<crate::model::suggested::Triage>,
        edits: Option<Replay>,
    },
}

/// A set as it was when a save was prepared: who, which document, and the annotations
/// (the set's own list, shared: preparing a save copies neither an annotation nor a pointer
/// to each).
#[derive(Debug)]
struct SetSnapshot {
    annotator: String,
    document: String,
    status: crate::model::Status,
    annotations: crate::model::Snapshot,
}

/// What a write merged its edits into, when another writer had changed the file: the
/// content now on disk, for the session to take in.
#[derive(Debug)]
pub enum Merged {
    /// An annotator's set.
    Set(AnnotationSet),
    /// An annotator's entities.
    Entities(String, EntityRegistry),
    /// A reviewer's decisions.
    Review(Review),
    /// A resolver's records.
    Resolutions(Resolutions),
    /// An annotator's decisions on suggestions.
    Triage(crate::model::suggested::Triage),
}

/// A save prepared by the [`ProjectStore`] that can run on another thread, so that saving a
/// book-length document never holds up the window. Hand its [`WriteDone`] back to
/// [`ProjectStore::finish_write`].
///
/// It holds the file's lock while it runs (see [`lock`]): it re-reads the file under the lock
/// and, if another writer changed it since Lector read it, replays its edits onto that
/// version instead of writing over it.
#[derive(Debug)]
pub struct PendingWrite {
    root: PathBuf,
    rel: PathBuf,
    path: PathBuf,
    /// What the file held when Lector last read or wrote it.
    expected: Fingerprint,
    /// The file's size and time when its content was last seen to match `expected`, if it
    /// was old enough then for its time to be trusted (see [`reload::RACY`]).
    trusted: Option<reload::FileStat>,
    content: PendingContent,
}

/// The folder a save made for its file, if it had to make one.
struct MadeFolder(Option<PathBuf>);

impl MadeFolder {
    /// Removes the folder again if nothing is in it (a save that failed made it).
    fn remove_if_empty(&self) {
        if let Some(dir) = &self.0 {
            // Fails, as it should, if anything else was put there meanwhile.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// What [`PendingWrite::stream_set`] did.
enum Streamed {
    /// The set is on disk; the fingerprint of what was written.
    Written(Fingerprint),
    /// Nothing was written: the file on disk is not the one Lector read; its fingerprint.
    Changed(Fingerprint),
}

/// The outcome of a [`PendingWrite`].
#[derive(Debug)]
pub struct WriteDone {
    rel: PathBuf,
    result: Result<(Fingerprint, Option<Merged>), StoreError>,
    took: Option<std::time::Duration>,
}

impl WriteDone {
    /// How long writing the file took once its lock was held, when it wrote what Lector had
    /// (`None` if it failed or merged into another writer's version): about what the next
    /// save of it costs.
    pub fn took(&self) -> Option<std::time::Duration> {
        self.took
    }

    /// The file, relative to the project folder.
    pub fn file(&self) -> &Path {
        &self.rel
    }
}

impl PendingWrite {
    /// The file, relative to the project folder.
    pub fn file(&self) -> &Path {
        &self.rel
    }

    /// Takes the file's lock, merges with what another writer put there since Lector last
    /// read or wrote it, serialises and writes atomically.
    pub fn run(self) -> WriteDone {
        let mut took = None;
        let result = self.write(&mut took);
        WriteDone {
            rel: self.rel,
            result,
            took,
        }
    }

    /// A file Lector may not read or write there: the save is refused.
    fn refused(&self, refused: confine::Refused) -> StoreError {
        StoreError::ReadOnly {
            reason: refused.to_string(),
            path: self.path.clone(),
        }
    }

    /// [`Self::run`]; `took`: how long it took once the lock was held, when it wrote what
    /// Lector had (not merged into another writer's version).
    fn write(
        &self,
        took: &mut Option<std::time::Duration>,
    ) -> Result<(Fingerprint, Option<Merged>), StoreError> {
        let path = &self.path;
        let refused = |refused| self.refused(refused);
        confine::inside(&self.root, &self.rel).map_err(refused)?;
        let _lock = lock::lock(&self.root, &self.rel).map_err(StoreError::Lock)?;
        let start = std::time::Instant::now();
        // Unchanged since Lector read it when its size and time are as trusted: one `stat`
        // instead of reading a book's 34 MB back.
        let unchanged = self.trusted.is_some_and(|trusted| {
            fs::symlink_metadata(path).is_ok_and(|metadata| {
                metadata.file_type().is_file() && reload::FileStat::of(&metadata) == Some(trusted)
            })
        });
        let on_disk = match &self.content {
            PendingContent::Set {
                set, text, written, ..
            } => match self.stream_set(set, text, written.as_deref(), unchanged)? {
                Streamed::Written(fingerprint) => {
                    *took = Some(start.elapsed());
                    return Ok((fingerprint, None));
                }
                Streamed::Changed(now) => Some(now),
            },
            _ if unchanged => None,
            _ => Fingerprint::of_file(&self.root, &self.rel).map_err(refused)?,
        };
        // Unchanged since Lector read it, or deleted meanwhile: what Lector has is the whole
        // truth. Else someone else wrote it: merge into what is there now.
        let merged = match on_disk {
            Some(now) if now != self.expected => {
                match confine::read(&self.root, &self.rel, MAX_FILE_BYTES).map_err(refused)? {
                    Some((bytes, _)) => Some(self.merge(&bytes)?),
                    None => None,
                }
            }
            _ => None,
        };
        let bytes = self.serialise(merged.as_ref())?;
        let fingerprint = Fingerprint::of(&bytes);
        self.refuse_too_big(bytes.len() as u64)?;
        let folder = self.create_folder()?;
        atomic::write_atomic(path, &bytes)
            .map_err(io_err("cannot save", path))
            .inspect_err(|_| folder.remove_if_empty())?;
        if merged.is_none() {
            *took = Some(start.elapsed());
        }
        Ok((fingerprint, merged))
    }

    /// Writes an annotation set as it is serialised, a piece at a time on the cores there are,
    /// while another thread hashes what is on disk now (unless its size and time say it is
    /// unchanged): a book's 350 MB file is never whole in memory, and writing it overlaps
    /// making it. If someone else changed the file meanwhile, what was written is thrown
    /// away, and the caller merges.
    fn stream_set(
        &self,
        set: &SetSnapshot,
        text: &DocText,
        chunks: Option<&std::sync::Mutex<set_text::WrittenChunks>>,
        unchanged: bool,
    ) -> Result<Streamed, StoreError> {
        let path = &self.path;
        let folder = self.create_folder()?;
        let staged = atomic::Staged::create(path).map_err(io_err("cannot save", path));
        let written =
            staged.and_then(|staged| self.stream_into(staged, set, text, chunks, unchanged));
        if !matches!(written, Ok(Streamed::Written(_))) {
            // Nothing of this save is left behind: not even the folder it made for the file.
            folder.remove_if_empty();
        }
        written
    }

    /// [`Self::stream_set`] once the folder and the temporary file are made.
    fn stream_into(
        &self,
        mut staged: atomic::Staged,
        set: &SetSnapshot,
        text: &DocText,
        chunks: Option<&std::sync::Mutex<set_text::WrittenChunks>>,
        unchanged: bool,
    ) -> Result<Streamed, StoreError> {
        let path = &self.path;
        let mut hasher = Hasher::default();
        let mut size = 0u64;
        let (on_disk, streamed) = std::thread::scope(|scope| {
            let on_disk =
                (!unchanged).then(|| scope.spawn(|| Fingerprint::of_file(&self.root, &self.rel)));
            let mut sink = |piece: &str| {
                size += piece.len() as u64;
                if size > MAX_FILE_BYTES {
                    // Counted on, to say how big it would be; never written.
                    return Ok(());
                }
                hasher.update(piece.as_bytes());
                staged.write(piece.as_bytes())
            };
            let streamed = match chunks {
                Some(chunks) => {
                    let mut chunks = chunks.lock().unwrap_or_else(|poisoned| {
                        // A save that died while it held them: start afresh.
                        let mut chunks = poisoned.into_inner();
                        *chunks = set_text::WrittenChunks::default();
                        chunks
                    });
                    set_text::stream_list(
                        &set.annotator,
                        &set.document,
                        set.status,
                        &set.annotations,
                        text,
                        &mut chunks,
                        &mut sink,
                    )
                }
                None => set_text::stream_set(
                    &set.annotator,
                    &set.document,
                    set.status,
                    set.annotations.view(),
                    text,
                    &mut sink,
                ),
            };
            let on_disk = match on_disk {
                None => Ok(None),
                Some(thread) => thread.join().unwrap_or_else(|_| {
                    Err(confine::Refused::Io(
                        "the thread reading it died".to_owned(),
                    ))
                }),
            };
            (on_disk, streamed)
        });
        let on_disk = on_disk.map_err(|refused| self.refused(refused))?;
        if let Some(now) = on_disk.filter(|now| *now != self.expected) {
            return Ok(Streamed::Changed(now));
        }
        self.refuse_too_big(size)?;
        streamed.map_err(io_err("cannot save", path))?;
        staged.commit().map_err(io_err("cannot save", path))?;
        Ok(Streamed::Written(hasher.finish()))
    }

    /// Never write a file Lector would refuse to read back: the one on disk stays.
    fn refuse_too_big(&self, size: u64) -> Result<(), StoreError> {
        if size > MAX_FILE_BYTES {
            return Err(StoreError::Invalid(format!(
                "{}: the file would be {size} bytes, more than the {MAX_FILE_BYTES} bytes a \
                 project file may have; it was not written (what is on disk is unchanged)",
                self.path.display(),
            )));
        }
        Ok(())
    }

    /// Makes the file's folder if it is missing; what it made, for a failed save to take back.
    fn create_folder(&self) -> Result<MadeFolder, StoreError> {
        let Some(dir) = self.path.parent() else {
            return Ok(MadeFolder(None));
        };
        let made = (!dir.is_dir()).then(|| dir.to_path_buf());
        fs::create_dir_all(dir).map_err(io_err("cannot create the folder", dir))?;
        Ok(MadeFolder(made))
    }

    /// The bytes to write: what Lector has, or `merged`, what another writer's version became
    /// with this write's edits replayed onto it.
    fn serialise(&self, merged: Option<&Merged>) -> Result<Vec<u8>, StoreError> {
        match (merged, &self.content) {
            (_, PendingContent::Bytes(bytes)) => Ok(bytes.clone()),
            (Some(Merged::Set(set)), PendingContent::Set { text, .. }) => {
                return set_text::write(set, text)
                    .map(String::into_bytes)
                    .map_err(|e| StoreError::Invalid(e.to_string()));
            }
            (None, PendingContent::Set { set, text, .. }) => {
                return set_text::write_set(
                    &set.annotator,
                    &set.document,
                    set.status,
                    set.annotations.view(),
                    text,
                )
                .map(String::into_bytes)
                .map_err(|e| StoreError::Invalid(e.to_string()));
            }
            (Some(Merged::Entities(annotator, registry)), _)
            | (
                None,
                PendingContent::Entities {
                    annotator,
                    registry,
                    ..
                },
            ) => ron_file::to_ron(&convert::entities_to_file(annotator, registry))
                .map(String::into_bytes),
            (Some(Merged::Review(review)), _) => {
                ron_file::to_ron(&convert::review_to_file(review)).map(String::into_bytes)
            }
            (None, PendingContent::Review { review, .. }) => {
                ron_file::to_ron(&convert::review_to_file(review)).map(String::into_bytes)
            }
            (Some(Merged::Resolutions(resolutions)), _) => {
                ron_file::to_ron(&convert::resolutions_to_file(resolutions)).map(String::into_bytes)
            }
            (None, PendingContent::Resolutions { resolutions, .. }) => {
                ron_file::to_ron(&convert::resolutions_to_file(resolutions)).map(String::into_bytes)
            }
            (Some(Merged::Triage(triage)), _) => {
                ron_file::to_ron(&suggested::triage_to_file(triage)).map(String::into_bytes)
            }
            (None, PendingContent::Triage { triage, .. }) => {
                ron_file::to_ron(&suggested::triage_to_file(triage)).map(String::into_bytes)
            }
            (Some(Merged::Set(_)), _) => {
                return Err(StoreError::Invalid(
                    "internal: a merge gave another kind of file".to_owned(),
                ));
            }
        }
        .map_err(|e| StoreError::Invalid(e.to_string()))
    }

    /// Reads what another writer left in the file and replays this write's edits onto it.
    fn merge(&self, bytes: &[u8]) -> Result<Merged, StoreError> {
        let rel = &self.rel;
        let changed = || StoreError::ChangedOnDisk {
            path: self.path.clone(),
        };
        let cannot = |problem: Problem| StoreError::CannotMerge { problem };
        let edits = match &self.content {
            PendingContent::Bytes(_) => return Err(changed()),
            PendingContent::Set { edits, .. }
            | PendingContent::Entities { edits, .. }
            | PendingContent::Review { edits, .. }
            | PendingContent::Resolutions { edits, .. }
            | PendingContent::Triage { edits, .. } => edits.as_deref().ok_or_else(changed)?,
        };
        let source = ron_file::preflight(rel, bytes).map_err(cannot)?;
        let version = ron_file::format_version(rel, &source).map_err(cannot)?;
        if version > CURRENT_VERSION {
            return Err(cannot(Problem::new(
                rel,
                format!(
                    "written by a newer Lector (format {version}; this one reads up to \
                     {CURRENT_VERSION}); update Lector"
                ),
            )));
        }
        let first = |problems: Vec<Problem>| problems.into_iter().next().map(cannot);
        Ok(match &self.content {
            PendingContent::Bytes(_) => return Err(changed()),
            PendingContent::Set { set, text, .. } => {
                let file: v1::SetFile = ron_file::parse(rel, &source).map_err(cannot)?;
                let (mut disk, problems) = convert::set_from_file(file, rel, &source, text);
                if let Some(err) = first(problems) {
                    return Err(err);
                }
                if version < 2 && migrate::has_legacy_resolutions(&disk) {
                    // Writing over it would drop them: the owner's Lector moves them first.
                    return Err(cannot(Problem::new(
                        rel,
                        "it holds resolutions in the form of format 1, which its annotator's \
                         Lector moves to resolutions/ when it opens the project",
                    )));
                }
                disk.annotator.clone_from(&set.annotator);
                disk.document.clone_from(&set.document);
                // An annotation this writer added whose id another writer's annotation has
                // meanwhile (a collision: the ids are random) gets a new id, rather than
                // replacing theirs.
                let mut renamed: std::collections::HashMap<AnnotationId, AnnotationId> =
                    std::collections::HashMap::new();
                for edit in edits.iter() {
                    let mut edit = edit.clone();
                    edit::rename_ids(&mut edit, &renamed);
                    if let Edit::Insert(a) = &mut edit
                        && disk.get(&a.id).is_some_and(|there| there != &**a)
                    {
                        let fresh = AnnotationId::random();
                        renamed.insert(a.id.clone(), fresh.clone());
                        std::sync::Arc::make_mut(a).id = fresh;
                    }
                    edit::replay_on_set(&mut disk, &edit);
                }
                Merged::Set(disk)
            }
            PendingContent::Entities { annotator, .. } => {
                let file: v1::EntitiesFile = ron_file::parse(rel, &source).map_err(cannot)?;
                let mut disk = convert::entities_from_file(file);
                for edit in edits {
                    edit::replay_on_registry(&mut disk, edit);
                }
                Merged::Entities(annotator.clone(), disk)
            }
            PendingContent::Review { review, .. } => {
                let file: v1::ReviewFile = ron_file::parse(rel, &source).map_err(cannot)?;
                let (mut disk, problems) = convert::review_from_file(file, rel, &source);
                if let Some(err) = first(problems) {
                    return Err(err);
                }
                disk.document.clone_from(&review.document);
                disk.reviewer.clone_from(&review.reviewer);
                for edit in edits {
                    edit::replay_on_review(&mut disk, edit);
                }
                Merged::Review(disk)
            }
            PendingContent::Resolutions { resolutions, .. } => {
                let file: v2::ResolutionsFile = ron_file::parse(rel, &source).map_err(cannot)?;
                let (mut disk, problems) = convert::resolutions_from_file(file, rel, &source);
                if let Some(err) = first(problems) {
                    return Err(err);
                }
                disk.resolver.clone_from(&resolutions.resolver);
                for edit in edits {
                    edit::replay_on_resolutions(&mut disk, edit);
                }
                Merged::Resolutions(disk)
            }
            PendingContent::Triage { triage, .. } => {
                let file: suggested::TriageFile = ron_file::parse(rel, &source).map_err(cannot)?;
                let (mut disk, problems) = suggested::triage_from_file(file, rel, &source);
                if let Some(err) = first(problems) {
                    return Err(err);
                }
                disk.annotator.clone_from(&triage.annotator);
                for edit in edits {
                    edit::replay_on_triage(&mut disk, edit);
                }
                Merged::Triage(disk)
            }
        })
    }
}

/// A project opened from a folder: the model plus what the disk had when it was read.
#[derive(Debug)]
pub struct ProjectStore {
    root: PathBuf,
    /// The project in memory.
    pub project: Project,
    /// Fingerprints of the files as last read or written, by path relative to `root`.
    fingerprints: BTreeMap<PathBuf, Fingerprint>,
    /// Files that must not be written, with the reason, by relative path.
    read_only: BTreeMap<PathBuf, String>,
    /// Size and modification time of files whose content matched their fingerprint, so that
    /// polling for changes reads only files that moved. See `reload.rs`.
    stats: BTreeMap<PathBuf, reload::FileStat>,
    /// Documents whose stored text no longer matches its hash: corrected after annotation,
    /// to re-anchor (see [`Self::reanchor`]).
    edited_texts: std::collections::BTreeSet<String>,
    /// Annotation files not read yet by a store opened with [`Self::open_first`].
    pending: Vec<SetJob>,
    /// Changes whenever a fingerprint does (a file read or written), unique across stores:
    /// a watcher on another thread knows its copy is out of date (see [`Self::watcher`]).
    disk_version: u64,
    /// Opened by [`Self::check`], [`Self::open_counted`] or [`Self::open_tables`]: each
    /// annotation file is read and checked on views of its annotations, and only their
    /// number kept (its set stays, empty), with what the other two keep besides.
    counting: bool,
    /// Opened by [`Self::open_counted`]: as [`Self::check`], with each set's labels counted
    /// here and the annotations that link an entity kept in it.
    labels: Option<LabelCounts>,
    /// Opened by [`Self::open_tables`]: as [`Self::check`], with each set's spans kept here
    /// as a table.
    tables: Option<SpanTables>,
    /// How many annotations the files read held (counted whether kept or not).
    annotations_read: usize,
    /// What big sets' files were last written with, chunk by chunk: the next save writes
    /// those bytes again for the chunks no edit touched.
    written: WrittenSets,
}

/// What big sets' files were last written with, by file (see [`set_text::WrittenChunks`]),
/// each taken by the save of that file (on the save thread) while it runs: those of the
/// [`WrittenSets::KEPT`] sets saved last, the most recent last. Each holds about as much
/// memory as its file is big, so an analyst who works through one book after another in a
/// session does not keep them all.
#[derive(Debug, Default)]
struct WrittenSets(std::sync::Mutex<Vec<(PathBuf, WrittenFile)>>);

/// The bytes one file was last written with.
type WrittenFile = std::sync::Arc<std::sync::Mutex<set_text::WrittenChunks>>;

impl WrittenSets {
    /// How many sets' bytes are kept.
    const KEPT: usize = 4;

    /// What the save of the set at `rel`, of `len` annotations, keeps its bytes in; none for
    /// a set too small to be worth the memory (and what one held is let go). The set's
    /// becomes the most recent; the oldest beyond [`Self::KEPT`] is let go.
    fn for_set(&self, rel: &Path, len: usize) -> Option<WrittenFile> {
        let mut sets = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let held = sets
            .iter()
            .position(|(path, _)| path == rel)
            .map(|at| sets.remove(at).1);
        // What is let go is a book's worth of strings: freed on another thread, not the
        // window's, which prepares saves.
        if len < set_text::WrittenChunks::WORTH_IT {
            if let Some(held) = held {
                crate::model::drop_elsewhere(held);
            }
            return None;
        }
        let written = held.unwrap_or_default();
        sets.push((rel.to_path_buf(), std::sync::Arc::clone(&written)));
        if sets.len() > Self::KEPT {
            crate::model::drop_elsewhere(sets.remove(0));
        }
        Some(written)
    }

    /// The files whose bytes are kept, the most recent last.
    #[cfg(test)]
    fn files(&self) -> Vec<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(path, _)| path.clone())
            .collect()
    }
}

/// How many annotations of each label each set has, by (document, annotator).
pub type LabelCounts = BTreeMap<(String, String), BTreeMap<String, usize>>;

/// What [`ProjectStore::check`] found in a project besides its problems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Documents in `project.ron`.
    pub documents: usize,
    /// Annotation files read.
    pub annotation_files: usize,
    /// Annotations in them.
    pub annotations: usize,
    /// Annotators (of annotation or entity files).
    pub annotators: usize,
}

/// One annotation file to read: annotator, document, file, and whether it holds the
/// annotations re-anchoring left unplaced.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SetJob {
    annotator: String,
    document: String,
    rel: PathBuf,
    unplaced: bool,
    /// Its set holds the annotations at the beginning of the file until it is read (see
    /// [`ProjectStore::is_partly_read`]).
    partial: bool,
}

/// From how many bytes an annotation file of the document a project opens on is shown from
/// its beginning first ([`PARTIAL_BEGINNING`] of it), the rest read with the other files:
/// a book's million annotations (350 MB) take a second to read, its first page a few ms.
const PARTIAL_FROM: u64 = 64 << 20;

/// How much of such a file is read first: some ten thousand annotations, the first pages.
const PARTIAL_BEGINNING: u64 = 4 << 20;

#[cfg(test)]
thread_local! {
    /// [`PARTIAL_FROM`] and [`PARTIAL_BEGINNING`] for tests on this thread.
    static PARTIAL_SIZES: std::cell::Cell<(u64, u64)> =
        const { std::cell::Cell::new((PARTIAL_FROM, PARTIAL_BEGINNING)) };
}

/// Smaller [`PARTIAL_FROM`] and [`PARTIAL_BEGINNING`] for tests on this thread, until
/// dropped.
#[cfg(test)]
pub(crate) struct PartialSizesForTests;

#[cfg(test)]
impl PartialSizesForTests {
    pub(crate) fn set(from: u64, beginning: u64) -> Self {
        PARTIAL_SIZES.with(|s| s.set((from, beginning)));
        Self
    }
}

#[cfg(test)]
impl Drop for PartialSizesForTests {
    fn drop(&mut self) {
        PARTIAL_SIZES.with(|s| s.set((PARTIAL_FROM, PARTIAL_BEGINNING)));
    }
}

fn partial_sizes() -> (u64, u64) {
    #[cfg(test)]
    return PARTIAL_SIZES.with(std::cell::Cell::get);
    #[cfg(not(test))]
    (PARTIAL_FROM, PARTIAL_BEGINNING)
}

/// Why a file of a store opened with [`ProjectStore::open_first`] cannot be written yet.
const STILL_READING: &str = "the project is still being read; try again in a moment";

/// Why a file read with problems is read-only (what could be read of it counts).
pub const HAS_PROBLEMS: &str = "it has problems (see `lector check`); fix them in the file first";

/// The annotation files a store opened with [`ProjectStore::open_first`] has not read yet,
/// with what reading them needs: `Send`, to be read on another thread with
/// [`Remaining::read`].
pub struct Remaining {
    /// The store without annotations: its root, schema, documents and entities.
    shell: ProjectStore,
    jobs: Vec<SetJob>,
}

/// Annotation files read by [`Remaining::read`], for [`ProjectStore::take_remaining`].
pub struct ReadRemaining {
    documents: usize,
    jobs: Vec<SetJob>,
    reads: Vec<Option<SetRead>>,
}

impl ReadRemaining {
    /// How many documents' files this holds.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// The annotation sets read, as (document, annotator, set).
    pub fn sets(&self) -> impl Iterator<Item = (&str, &str, &AnnotationSet)> {
        self.jobs.iter().zip(&self.reads).filter_map(|(job, read)| {
            let set = read.as_ref()?.set.as_ref()?;
            Some((job.document.as_str(), job.annotator.as_str(), set))
        })
    }

    /// The sets shown from the beginnings of their files until now, as (document,
    /// annotator): [`Self::sets`] has those read whole, and not those whose whole file has
    /// no set (damaged further on), which are to be forgotten.
    pub fn were_partial(&self) -> impl Iterator<Item = (&str, &str)> {
        self.jobs
            .iter()
            .filter(|j| j.partial)
            .map(|j| (j.document.as_str(), j.annotator.as_str()))
    }

    /// Whether a file read holds resolutions of format 1 (kept apart from its set).
    pub fn has_legacy_resolutions(&self) -> bool {
        self.reads
            .iter()
            .any(|r| r.as_ref().is_some_and(|r| r.legacy.is_some()))
    }
}

impl Remaining {
    /// How many files there are to read.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there is nothing to read.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// How many documents have files still to read.
    pub fn documents(&self) -> usize {
        let mut documents: Vec<&str> = self.jobs.iter().map(|j| j.document.as_str()).collect();
        documents.sort_unstable();
        documents.dedup();
        documents.len()
    }

    /// Reads, parses and checks the files of the next `documents` documents (on every
    /// core), for [`ProjectStore::take_remaining`]; `None` when all are read. Changes no
    /// store.
    pub fn read_next(&mut self, documents: usize) -> Option<ReadRemaining> {
        let first = self.jobs.first()?.document.clone();
        let mut names = vec![first];
        let mut count = 0;
        for job in &self.jobs {
            if names.last() != Some(&job.document) {
                if names.len() == documents.max(1) {
                    break;
                }
                names.push(job.document.clone());
            }
            count += 1;
        }
        let jobs: Vec<SetJob> = self.jobs.drain(..count).collect();
        let reads = self.shell.read_sets(&jobs);
        Some(ReadRemaining {
            documents: names.len(),
            jobs,
            reads,
        })
    }

    /// Reads, parses and checks the files (on every core). Changes no store: the result is
    /// taken in by [`ProjectStore::take_remaining`].
    pub fn read(self) -> ReadRemaining {
        let documents = self.documents();
        let reads = self.shell.read_sets(&self.jobs);
        ReadRemaining {
            documents,
            jobs: self.jobs,
            reads,
        }
    }
}

/// What re-anchoring did to one annotator's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReanchorReport {
    /// Whose file.
    pub annotator: String,
    /// Annotations considered (those of the file and those left unplaced before).
    pub total: usize,
    /// Of those, left unplaced by an earlier re-anchoring and tried again.
    pub retried: usize,
    /// Placed where they were.
    pub unchanged: usize,
    /// Placed on their exact quote somewhere else.
    pub moved: usize,
    /// Placed on an approximate match (the text under them was corrected).
    pub corrected: usize,
    /// Not placed: (id, label, old quote). Kept in `unplaced_file`.
    pub unplaced: Vec<(String, String, String)>,
    /// Where the unplaced ones are kept, relative to the project.
    pub unplaced_file: PathBuf,
}

/// Path of a document's stored text, relative to the project folder.
pub fn text_path(document: &str) -> PathBuf {
    Path::new("documents").join(format!("{document}.txt"))
}

/// Path of a reviewer's decisions on a document, relative to the project folder.
pub fn review_path(document: &str, reviewer: &str) -> PathBuf {
    Path::new("reviews")
        .join(reviewer)
        .join(format!("{document}.ron"))
}

/// Why a path given as a project is none: it does not exist, is a file, or is a folder
/// without a project file.
fn not_a_project_why(path: &Path) -> String {
    match std::fs::metadata(path) {
        Err(_) => "there is no such folder".to_owned(),
        Ok(meta) if !meta.is_dir() => {
            "this is a file, not a project folder (give the folder that holds project.ron)"
                .to_owned()
        }
        Ok(_) => format!("this folder is not a Lector project (it has no {PROJECT_FILE})"),
    }
}

/// Path of an annotator's file for a document, relative to the project folder.
pub fn set_path(document: &str, annotator: &str) -> PathBuf {
    Path::new("annotations")
        .join(annotator)
        .join(format!("{document}.ron"))
}

/// Path of an annotator's entities, relative to the project folder.
pub fn entities_path(annotator: &str) -> PathBuf {
    Path::new("entities").join(format!("{annotator}.ron"))
}

/// Path of a person's resolutions and verdicts, relative to the project folder.
pub fn resolutions_path(resolver: &str) -> PathBuf {
    Path::new("resolutions").join(format!("{resolver}.ron"))
}

/// Why a version-1 annotation file with resolutions in it is read-only until they are moved.
pub const LEGACY_READ_ONLY: &str = "it holds resolutions in the form of format 1 \
    (resolution attributes); its annotator's Lector moves them to resolutions/<name>.ron \
    when it opens the project, and the file can be written after that";

fn sha256_hex(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        source,
        path: path.to_path_buf(),
    }
}

impl ProjectStore {
    /// Makes a new project in `root` (created if needed) with the default schema.
    pub fn create(root: &Path, name: &str) -> Result<Self, StoreError> {
        let file = root.join(PROJECT_FILE);
        if file.exists() {
            return Err(StoreError::AlreadyAProject {
                path: root.to_path_buf(),
            });
        }
        fs::create_dir_all(root).map_err(io_err("cannot create the folder", root))?;
        let mut store = Self {
            root: root.to_path_buf(),
            project: Project::new(name, Schema::news_default()),
            fingerprints: BTreeMap::from([(PathBuf::from(PROJECT_FILE), Fingerprint::absent())]),
            read_only: BTreeMap::new(),
            stats: BTreeMap::new(),
            edited_texts: std::collections::BTreeSet::new(),
            pending: Vec::new(),
            disk_version: next_disk_version(),
            counting: false,
            labels: None,
            tables: None,
            annotations_read: 0,
            written: WrittenSets::default(),
        };
        store.save_project_file()?;
        // Git merges the project's files by id once a clone has the driver (`lector sync`).
        let attributes = root.join(crate::merge::GITATTRIBUTES);
        crate::merge::ensure_project_attributes(root)
            .map_err(io_err("cannot write", &attributes))?;
        Ok(store)
    }

    /// Opens a project folder. Files with problems are loaded as far as possible and kept
    /// read-only, so that saving never drops what Lector could not read.
    ///
    /// Files are read one after another while other writers may be saving: an annotation
    /// file read just after a colleague's command added a mention, and their entities file
    /// read just before, look inconsistent. When the files with problems (or any entities
    /// file) changed while the project was read, it is read again, up to three times.
    pub fn open(root: &Path) -> Result<(Self, Vec<Problem>), StoreError> {
        Self::open_settled(root, None)
    }

    /// Reads a whole project (keeping of each annotation file what `keep` says, all of it
    /// with `None`), again while files with problems or entities files changed meanwhile, up
    /// to three times (see [`Self::open`]).
    fn open_settled(root: &Path, keep: Option<Keep>) -> Result<(Self, Vec<Problem>), StoreError> {
        let mut attempt = 0;
        loop {
            let (store, problems) = Self::open_with(root, None, keep)?;
            attempt += 1;
            if problems.is_empty() || attempt == 3 || !store.moved_while_reading(&problems) {
                return Ok((store, problems));
            }
        }
    }

    /// Reads and checks a whole project as [`Self::open`] does, with the same problems, but
    /// keeps only how many annotations each file has: `lector check` needs no more, and a
    /// big project's annotations then never fill memory (each file's are freed on the thread
    /// that read them, for the next file to use).
    pub fn check(root: &Path) -> Result<(CheckSummary, Vec<Problem>), StoreError> {
        let (store, problems) = Self::open_settled(root, Some(Keep::Count))?;
        let project = &store.project;
        let summary = CheckSummary {
            documents: project.documents.len(),
            annotation_files: project.sets.len(),
            annotations: store.annotations_read,
            annotators: project.annotators().len(),
        };
        Ok((summary, problems))
    }

    /// Reads and checks a whole project as [`Self::open`] does, with the same problems, but
    /// keeps of each annotation file its status, how many annotations it has of each label,
    /// and its annotations that link an entity (what suggestions learn names from): `lector
    /// stats` needs no more. The sets of the project hold only those annotations.
    pub fn open_counted(root: &Path) -> Result<(Self, LabelCounts, Vec<Problem>), StoreError> {
        let (mut store, problems) = Self::open_settled(root, Some(Keep::Labels))?;
        let labels = store.labels.take().unwrap_or_default();
        Ok((store, labels, problems))
    }

    /// Reads and checks a whole project as [`Self::open`] does, with the same problems, but
    /// keeps each annotation file's spans as a table ([`SpanTable`]: extent, label, id, and
    /// the annotation itself only where it has attributes or an entity link), not its
    /// annotations: `lector agree` needs no more, and a project of 300,000 annotations then
    /// takes 39–49 MB, not 117. The sets of the project hold their status, no annotations.
    pub fn open_tables(root: &Path) -> Result<(Self, SpanTables, Vec<Problem>), StoreError> {
        let (mut store, problems) = Self::open_settled(root, Some(Keep::Spans))?;
        let tables = store.tables.take().unwrap_or_default();
        Ok((store, tables, problems))
    }

    /// Whether a file with a problem, or an entities file, differs on disk now from what
    /// was read.
    fn moved_while_reading(&self, problems: &[Problem]) -> bool {
        let entities = self
            .fingerprints
            .keys()
            .filter(|rel| rel.starts_with("entities"));
        // Each file once: a file with a problem in each of its 150,000 annotations was
        // hashed again for each.
        let files: std::collections::BTreeSet<&PathBuf> =
            problems.iter().map(|p| &p.file).chain(entities).collect();
        files.into_iter().any(|rel| self.changed_on_disk(rel))
    }

    /// Opens a project reading first only what showing one document needs: `project.ron`,
    /// the documents, entities, reviews and resolutions, and the annotation files of
    /// `document` (when `None` or unknown: the project's first document). The other
    /// annotation files are left to read: on demand with [`Self::load_document`], on this
    /// thread with [`Self::load_remaining`], or on another with [`Self::remaining`],
    /// [`Remaining::read`] and [`Self::take_remaining`]. Until a file is read it cannot be
    /// written, and [`Self::is_complete`] is false. A project's size no longer delays its
    /// first document.
    pub fn open_first(
        root: &Path,
        document: Option<&str>,
    ) -> Result<(Self, Vec<Problem>), StoreError> {
        Self::open_with(root, Some(document.unwrap_or_default()), None)
    }

    /// Whether every annotation file has been read.
    pub fn is_complete(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether the annotation files of `document` have been read.
    pub fn is_loaded(&self, document: &str) -> bool {
        !self.pending.iter().any(|j| j.document == document)
    }

    /// The annotation files still to read, to read on another thread.
    pub fn remaining(&self) -> Remaining {
        let mut project = Project {
            sets: BTreeMap::new(),
            ..Project::default()
        };
        project.name.clone_from(&self.project.name);
        project.schema.clone_from(&self.project.schema);
        project.documents.clone_from(&self.project.documents);
        project.entities.clone_from(&self.project.entities);
        Remaining {
            shell: Self {
                root: self.root.clone(),
                project,
                fingerprints: BTreeMap::new(),
                read_only: BTreeMap::new(),
                stats: BTreeMap::new(),
                edited_texts: std::collections::BTreeSet::new(),
                pending: Vec::new(),
                disk_version: next_disk_version(),
                counting: false,
                labels: None,
                tables: None,
                annotations_read: 0,
                written: WrittenSets::default(),
            },
            // Document by document, so that they can be read a few at a time.
            jobs: {
                let mut jobs = self.pending.clone();
                jobs.sort_by(|a, b| (&a.document, &a.annotator).cmp(&(&b.document, &b.annotator)));
                jobs
            },
        }
    }

    /// Takes in files read by [`Remaining::read`]; those read here in the meantime (by
    /// [`Self::load_document`] or a reload) are left as they are. Returns their problems.
    pub fn take_remaining(&mut self, read: ReadRemaining) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (job, read) in read.jobs.into_iter().zip(read.reads) {
            let Some(at) = self.pending.iter().position(|j| *j == job) else {
                continue;
            };
            self.pending.remove(at);
            self.forget_beginnings([&job]);
            match read {
                Some(read) => {
                    self.take_set(&job.annotator, &job.document, &job.rel, read, &mut problems);
                }
                None => self.run_job(&job, &mut problems),
            }
        }
        problems
    }

    /// Reads the annotation files of `document` that are not read yet; their problems.
    pub fn load_document(&mut self, document: &str) -> Vec<Problem> {
        let (now, later): (Vec<SetJob>, Vec<SetJob>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|j| j.document == document);
        self.pending = later;
        self.forget_beginnings(&now);
        let mut problems = Vec::new();
        self.run_jobs(now, &mut problems);
        problems
    }

    /// Reads every annotation file not read yet, on this thread; their problems.
    pub fn load_remaining(&mut self) -> Vec<Problem> {
        let jobs = std::mem::take(&mut self.pending);
        self.forget_beginnings(&jobs);
        let mut problems = Vec::new();
        self.run_jobs(jobs, &mut problems);
        problems
    }

    /// Opens a project; with `first`, only that document's annotation files (empty or
    /// unknown: the first document's); `keep`: see [`Self::open_settled`].
    fn open_with(
        root: &Path,
        first: Option<&str>,
        keep: Option<Keep>,
    ) -> Result<(Self, Vec<Problem>), StoreError> {
        let project_path = root.join(PROJECT_FILE);
        if !project_path.is_file() {
            return Err(StoreError::NotAProject {
                path: root.to_path_buf(),
            });
        }
        let mut store = Self {
            root: root.to_path_buf(),
            project: Project::default(),
            fingerprints: BTreeMap::new(),
            read_only: BTreeMap::new(),
            stats: BTreeMap::new(),
            edited_texts: std::collections::BTreeSet::new(),
            pending: Vec::new(),
            disk_version: next_disk_version(),
            counting: keep.is_some(),
            labels: (keep == Some(Keep::Labels)).then(LabelCounts::new),
            tables: (keep == Some(Keep::Spans)).then(SpanTables::new),
            annotations_read: 0,
            written: WrittenSets::default(),
        };
        let mut problems = Vec::new();
        store.load_project_file(&mut problems)?;
        store.load_documents(&mut problems);
        store.load_entities(&mut problems);
        let only = first.map(|wanted| {
            let known = store.project.document(wanted).is_some();
            let first = store.project.documents.first().map(|d| d.meta.id.clone());
            if known {
                Some(wanted.to_owned())
            } else {
                first
            }
            .unwrap_or_default()
        });
        store.load_sets(&mut problems, only.as_deref());
        store.load_reviews(&mut problems);
        store.load_resolutions(&mut problems);
        store.load_suggested(&mut problems);
        store.load_triage(&mut problems);
        for dir in [
            root.to_path_buf(),
            root.join("documents"),
            root.join("entities"),
            root.join("resolutions"),
            root.join("triage"),
        ] {
            if confine::inside(root, dir.strip_prefix(root).unwrap_or(Path::new(""))).is_ok() {
                atomic::remove_stray_temp_files(&dir);
            }
        }
        // Each folder once (not once per file in it).
        let folders: std::collections::BTreeSet<String> = store
            .project
            .sets
            .keys()
            .map(|(_, annotator)| annotator.clone())
            .collect();
        for annotator in folders {
            let dir = Path::new("annotations").join(annotator);
            if confine::inside(root, &dir).is_ok() {
                atomic::remove_stray_temp_files(&root.join(dir));
            }
        }
        let reviewers: std::collections::BTreeSet<String> = store
            .project
            .reviews
            .keys()
            .map(|(_, r)| r.clone())
            .collect();
        for reviewer in reviewers {
            let dir = Path::new("reviews").join(reviewer);
            if confine::inside(root, &dir).is_ok() {
                atomic::remove_stray_temp_files(&root.join(dir));
            }
        }
        // Causes before what they cause: the project file and the texts (an edited text
        // makes every annotation of it suspect) before the annotation files, each by place.
        let rank = |p: &Problem| match p.file.components().next() {
            Some(first) if first.as_os_str() == PROJECT_FILE => 0,
            Some(first) if first.as_os_str() == "documents" => 1,
            _ => 2,
        };
        problems.sort_by(|a, b| (rank(a), a).cmp(&(rank(b), b)));
        problems.dedup();
        Ok((store, problems))
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Why a file (relative path) must not be written, if it must not.
    pub fn read_only_reason(&self, file: &Path) -> Option<&str> {
        if self.pending.iter().any(|j| j.rel == file) {
            return Some(STILL_READING);
        }
        self.read_only
            .get(file)
            .or_else(|| self.read_only.get(Path::new(PROJECT_FILE)))
            .map(String::as_str)
    }

    /// The documents whose stored text no longer matches its hash (corrected after they were
    /// annotated), sorted.
    pub fn edited_texts(&self) -> Vec<String> {
        self.edited_texts.iter().cloned().collect()
    }

    /// Places every annotation of a document whose text was corrected again on the new text
    /// (see [`reanchor`]), for every annotator and reviewed set, and accepts the new text
    /// (its hash in `project.ron`). Annotations that cannot be placed are kept in
    /// `annotations/<annotator>/<document>.unplaced.ron` and listed, never dropped. Each
    /// file is written under its lock. Reopen the project afterwards.
    pub fn reanchor(&mut self, document: &str) -> Result<Vec<ReanchorReport>, StoreError> {
        let text_rel = text_path(document);
        if self.project.document(document).is_none() {
            return Err(StoreError::Invalid(format!(
                "there is no document {document:?}"
            )));
        }
        let text_file = self.confined(&text_rel)?;
        let bytes = confine::read(&self.root, &text_rel, MAX_FILE_BYTES)
            .map_err(|refused| {
                StoreError::Unreadable(Problem::new(&text_rel, refused.to_string()))
            })?
            .ok_or_else(|| StoreError::Unreadable(Problem::new(&text_rel, "the file is missing")))?
            .0;
        let raw = String::from_utf8(bytes).map_err(|_| {
            StoreError::Unreadable(Problem::new(&text_rel, "the stored text is not UTF-8"))
        })?;
        let (normalised, _) = crate::model::text::normalize(&raw);
        let text = DocText::new(normalised).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if text.as_str() != raw {
            atomic::write_atomic(&text_file, text.as_str().as_bytes())
                .map_err(io_err("cannot save", &text_file))?;
        }
        let mut problems = Vec::new();
        let mut reports = Vec::new();
        let mut annotators = list_dirs(&self.root, Path::new("annotations"), &mut problems);
        annotators.sort();
        for annotator in annotators {
            if let Some(report) = self.reanchor_set(document, &annotator, &text)? {
                reports.push(report);
            }
        }
        let sha256 = sha256_hex(text.as_str());
        self.read_only.remove(&text_rel);
        self.update_project_file(|store| {
            if let Some(doc) = store
                .project
                .documents
                .iter_mut()
                .find(|d| d.meta.id == document)
            {
                doc.meta.sha256 = sha256;
                doc.text = text;
            }
            Ok(())
        })?;
        self.edited_texts.remove(document);
        Ok(reports)
    }

    /// Re-anchors one annotator's file of a document (and what an earlier re-anchoring left
    /// unplaced), under the file's lock.
    fn reanchor_set(
        &mut self,
        document: &str,
        annotator: &str,
        text: &DocText,
    ) -> Result<Option<ReanchorReport>, StoreError> {
        let rel = set_path(document, annotator);
        let unplaced_rel = Path::new("annotations")
            .join(annotator)
            .join(format!("{document}{}.ron", reanchor::UNPLACED_SUFFIX));
        let path = self.confined(&rel)?;
        let unplaced_path = self.confined(&unplaced_rel)?;
        let _lock = lock::lock(&self.root, &rel)?;
        let read = |rel: &Path| -> Result<Option<v1::SetFile>, StoreError> {
            let Some((bytes, _)) = confine::read(&self.root, rel, MAX_FILE_BYTES)
                .map_err(|r| StoreError::Unreadable(Problem::new(rel, r.to_string())))?
            else {
                return Ok(None);
            };
            let source = ron_file::preflight(rel, &bytes).map_err(StoreError::Unreadable)?;
            ron_file::parse(rel, &source)
                .map(Some)
                .map_err(StoreError::Unreadable)
        };
        let Some(mut file) = read(&rel)? else {
            return Ok(None);
        };
        let mut entries = std::mem::take(&mut file.annotations);
        let earlier = read(&unplaced_rel)?
            .map(|f| f.annotations)
            .unwrap_or_default();
        let retried = earlier.len();
        entries.extend(earlier);
        let total = entries.len();
        let result = reanchor::reanchor_entries(entries, text);
        let mut report = ReanchorReport {
            annotator: annotator.to_owned(),
            total,
            retried,
            unchanged: 0,
            moved: 0,
            corrected: 0,
            unplaced: Vec::new(),
            unplaced_file: unplaced_rel.clone(),
        };
        for (_, how) in &result.placed {
            match how {
                reanchor::Placement::Unchanged => report.unchanged += 1,
                reanchor::Placement::Moved => report.moved += 1,
                reanchor::Placement::Fuzzy => report.corrected += 1,
            }
        }
        report.unplaced = result
            .unplaced
            .iter()
            .map(|e| {
                let quote: Vec<&str> = e.fragments.iter().map(|f| f.2.as_str()).collect();
                (e.id.clone(), e.label.clone(), quote.join(" … "))
            })
            .collect();
        let mut placed: Vec<v1::AnnotationEntry> =
            result.placed.into_iter().map(|(e, _)| e).collect();
        placed.sort_by(|a, b| {
            let key =
                |e: &v1::AnnotationEntry| (e.fragments.first().map(|f| (f.0, f.1)), e.id.clone());
            key(a).cmp(&key(b))
        });
        file.annotations = placed;
        let serialise = |file: &v1::SetFile| {
            ron_file::to_ron(file).map_err(|e| StoreError::Invalid(e.to_string()))
        };
        let bytes = serialise(&file)?;
        atomic::write_atomic(&path, bytes.as_bytes()).map_err(io_err("cannot save", &path))?;
        self.set_fingerprint(rel.clone(), Fingerprint::of(bytes.as_bytes()));
        self.stats.remove(&rel);
        self.read_only.remove(&rel);
        if result.unplaced.is_empty() {
            match fs::remove_file(&unplaced_path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(io_err("cannot remove", &unplaced_path)(err)),
            }
        } else {
            let side = v1::SetFile {
                format_version: CURRENT_VERSION,
                document: document.to_owned(),
                annotator: annotator.to_owned(),
                status: file.status,
                annotations: result.unplaced,
            };
            let bytes = serialise(&side)?;
            atomic::write_atomic(&unplaced_path, bytes.as_bytes())
                .map_err(io_err("cannot save", &unplaced_path))?;
        }
        Ok(Some(report))
    }

    /// Why a file (relative path) cannot be written, if it cannot: it is read-only, or its
    /// path leads out of the project through a symlink.
    pub fn write_refusal(&self, file: &Path) -> Option<String> {
        if let Some(reason) = self.read_only_reason(file) {
            return Some(reason.to_owned());
        }
        confine::inside(&self.root, file)
            .err()
            .map(|refused| refused.to_string())
    }

    /// Whether a file (relative path) differs on disk from what Lector last read or wrote.
    pub fn changed_on_disk(&self, file: &Path) -> bool {
        let expected = self
            .fingerprints
            .get(file)
            .copied()
            .unwrap_or(Fingerprint::absent());
        Fingerprint::on_disk(&self.root, file).map_or(true, |now| now != expected)
    }

    /// Accepts what is on disk now as the version Lector knows, so that the next save
    /// replaces it. Only on the user's explicit "overwrite".
    pub fn forget_disk_version(&mut self, file: &Path) {
        if let Ok(now) = Fingerprint::on_disk(&self.root, file) {
            self.set_fingerprint(file.to_path_buf(), now);
        }
        // One's own file kept after it changed into something unreadable: keeping one's
        // version is what lifts its read-only state.
        if self.read_only.get(file).map(String::as_str) == Some(UNREADABLE_OWN) {
            self.read_only.remove(file);
        }
    }

    /// Remembers what a file held when Lector last read or wrote it.
    fn set_fingerprint(&mut self, rel: PathBuf, fingerprint: Fingerprint) {
        self.fingerprints.insert(rel, fingerprint);
        self.disk_version = next_disk_version();
    }

    /// Reads a file, remembering its fingerprint.
    fn read(&mut self, rel: &Path) -> Result<Vec<u8>, Problem> {
        let (bytes, metadata) = self.read_file(rel)?;
        self.set_fingerprint(rel.to_path_buf(), Fingerprint::of(&bytes));
        self.remember_stat(rel, &metadata);
        Ok(bytes)
    }

    /// Reads a file without changing the store: its bytes and metadata.
    fn read_file(&self, rel: &Path) -> Result<(Vec<u8>, std::fs::Metadata), Problem> {
        // Only a regular file inside the project, never a FIFO or a device, and never more
        // than the limit. Its metadata is taken before its content: if the file changes in
        // between, the next poll sees a newer time and compares the content again.
        match confine::read(&self.root, rel, MAX_FILE_BYTES) {
            Ok(Some(read)) => Ok(read),
            Ok(None) => Err(Problem::new(rel, "cannot read: the file does not exist")),
            Err(refused) => Err(Problem::new(rel, format!("cannot read: {refused}"))),
        }
    }

    /// [`Self::read_ron`] without changing the store: what it would record goes into `read`.
    /// The file is read into `buffer`, which a thread reading many files keeps.
    fn read_ron_file<'b>(
        &self,
        rel: &Path,
        read: &mut SetRead,
        buffer: &'b mut Vec<u8>,
    ) -> Option<&'b str> {
        let metadata = match confine::read_into(&self.root, rel, MAX_FILE_BYTES, buffer) {
            Ok(Some(metadata)) => metadata,
            Ok(None) => {
                read.problems
                    .push(Problem::new(rel, "cannot read: the file does not exist"));
                return None;
            }
            Err(refused) => {
                read.problems
                    .push(Problem::new(rel, format!("cannot read: {refused}")));
                return None;
            }
        };
        read.metadata = Some(metadata);
        let text = ron_file::preflight_str(rel, buffer)
            .map_err(|p| read.problems.push(p))
            .ok()?;
        let version = ron_file::format_version(rel, text)
            .map_err(|p| read.problems.push(p))
            .ok()?;
        if version > CURRENT_VERSION {
            let reason = format!(
                "written by a newer Lector (format {version}; this one reads up to \
                 {CURRENT_VERSION}), so it opens read-only: saving would drop what this \
                 version does not know. Update Lector"
            );
            read.problems.push(Problem::new(rel, reason.clone()));
            read.newer = Some(reason);
        }
        Some(text)
    }

    /// Reads a RON file up to its format version; newer files are marked read-only.
    fn read_ron(&mut self, rel: &Path, problems: &mut Vec<Problem>) -> Option<String> {
        let text = self
            .read(rel)
            .and_then(|bytes| ron_file::preflight_owned(rel, bytes))
            .map_err(|p| problems.push(p))
            .ok()?;
        let version = ron_file::format_version(rel, &text)
            .map_err(|p| problems.push(p))
            .ok()?;
        if version > CURRENT_VERSION {
            let reason = format!(
                "written by a newer Lector (format {version}; this one reads up to \
                 {CURRENT_VERSION}), so it opens read-only: saving would drop what this \
                 version does not know. Update Lector"
            );
            problems.push(Problem::new(rel, reason.clone()));
            self.read_only.insert(rel.to_path_buf(), reason);
        }
        Some(text)
    }

    fn load_project_file(&mut self, problems: &mut Vec<Problem>) -> Result<(), StoreError> {
        let rel = PathBuf::from(PROJECT_FILE);
        let mut own = Vec::new();
        let text = self.read_ron(&rel, &mut own);
        let file: Option<v2::ProjectFile> = text.as_deref().and_then(|text| {
            let parsed = match ron_file::format_version(&rel, text) {
                Ok(1) => {
                    ron_file::parse::<v1::ProjectFile>(&rel, text).map(migrate::project_file_v1)
                }
                _ => ron_file::parse::<v2::ProjectFile>(&rel, text),
            };
            parsed.map_err(|p| own.push(p)).ok()
        });
        let (Some(text), Some(file)) = (text, file) else {
            // Without its project file nothing of the project can be understood.
            let first = own
                .into_iter()
                .find(|p| p.position.is_some() || !p.message.is_empty());
            return Err(StoreError::Unreadable(first.unwrap_or_else(|| {
                Problem::new(rel, "cannot read the project file")
            })));
        };
        problems.extend(own);
        // Positions found in one pass, only when something is to be reported.
        let positions = std::cell::OnceCell::new();
        let positions = || positions.get_or_init(|| problem::ProjectPositions::of(&text));
        for (place, problem) in file.schema.problems_at() {
            let at = problem::schema_position(positions(), &file.schema, place);
            problems.push(Problem::at(&rel, at, format!("schema: {problem}")));
        }
        self.project.name = file.name;
        self.project.schema = file.schema;
        self.project.predict =
            predict_settings(&file.probabilities, file.hedge_cues, &rel, &text, problems);
        let mut seen = std::collections::BTreeSet::new();
        let count = file.documents.len();
        for (i, entry) in file.documents.into_iter().enumerate() {
            let at = || positions().document(i, count);
            if let Some(p) = project::name_problem("document id", &entry.id) {
                problems.push(Problem::at(&rel, at(), p));
                continue;
            }
            if !seen.insert(entry.id.clone()) {
                problems.push(Problem::at(
                    &rel,
                    at(),
                    format!("document {:?} is listed twice", entry.id),
                ));
                continue;
            }
            let added = entry.added.parse().unwrap_or_else(|_| {
                problems.push(Problem::at(
                    &rel,
                    at(),
                    format!("document {:?}: {:?} is not a time", entry.id, entry.added),
                ));
                jiff::Timestamp::UNIX_EPOCH
            });
            let published = entry.published.as_deref().and_then(|p| {
                p.parse()
                    .map_err(|_| {
                        problems.push(Problem::at(
                            &rel,
                            at(),
                            format!(
                                "document {:?}: published {p:?} is not a date of the form YYYY-MM-DD",
                                entry.id
                            ),
                        ));
                    })
                    .ok()
            });
            let fetched = entry.fetched.as_deref().and_then(|f| {
                f.parse()
                    .map_err(|_| {
                        problems.push(Problem::at(
                            &rel,
                            at(),
                            format!("document {:?}: fetched {f:?} is not a time", entry.id),
                        ));
                    })
                    .ok()
            });
            self.project.documents.push(Document {
                meta: DocumentMeta {
                    id: entry.id,
                    title: entry.title,
                    source_file: entry.file,
                    sha256: entry.sha256,
                    added,
                    published,
                    source_url: entry.source_url,
                    fetched,
                },
                text: DocText::new("").map_err(|e| StoreError::Invalid(e.to_string()))?,
            });
        }
        Ok(())
    }

    /// Reads every document's stored text: on the cores there are (each text's hash
    /// checked and its tables made, a tenth of a millisecond for a short article: two
    /// hundred of them held up `lector check` by 15 ms on one), taken in in project order.
    fn load_documents(&mut self, problems: &mut Vec<Problem>) {
        let n = self.project.documents.len();
        let workers = reading_threads().min(n / 8).max(1);
        if workers == 1 {
            for i in 0..n {
                self.load_document_text(i, problems);
            }
            return;
        }
        let all: Vec<usize> = (0..n).collect();
        let reads = in_turn(workers, &all, n, &|(): &mut (), i| {
            self.read_document_text(i)
        });
        for (i, read) in reads.into_iter().enumerate() {
            match read {
                Some(read) => self.take_document_text(i, read, problems),
                // A reading thread that panicked: read here.
                None => self.load_document_text(i, problems),
            }
        }
    }

    /// Reads the stored text of the `i`-th document and checks it against its hash.
    fn load_document_text(&mut self, i: usize, problems: &mut Vec<Problem>) {
        let read = self.read_document_text(i);
        self.take_document_text(i, read, problems);
    }

    /// [`Self::load_document_text`] without changing the store, so that texts can be read
    /// on several threads.
    fn read_document_text(&self, i: usize) -> TextRead {
        let Some(document) = self.project.documents.get(i) else {
            return TextRead::Unread(Problem::new(PROJECT_FILE, "no such document"));
        };
        let rel = text_path(&document.meta.id);
        let (bytes, metadata) = match self.read_file(&rel) {
            Ok(read) => read,
            Err(problem) => return TextRead::Unread(problem),
        };
        let fingerprint = Fingerprint::of(&bytes);
        let text = ron_file::into_string(bytes).ok().map(|text| {
            let expected = &document.meta.sha256;
            DocText::new_while(text, |text| &sha256_hex(text) == expected)
        });
        TextRead::Read {
            fingerprint,
            metadata,
            text,
        }
    }

    /// Takes in what [`Self::read_document_text`] read of the `i`-th document.
    fn take_document_text(&mut self, i: usize, read: TextRead, problems: &mut Vec<Problem>) {
        let Some(id) = self.project.documents.get(i).map(|d| d.meta.id.clone()) else {
            return;
        };
        let id = &id;
        let rel = text_path(id);
        let (text, matches) = match read {
            TextRead::Unread(problem) => {
                let message = problem.message.clone();
                self.mark_document_broken(id, &rel, &message, problems);
                return;
            }
            TextRead::Read {
                fingerprint,
                metadata,
                text,
            } => {
                self.set_fingerprint(rel.clone(), fingerprint);
                self.remember_stat(&rel, &metadata);
                match text {
                    Some(text) => text,
                    None => {
                        self.mark_document_broken(
                            id,
                            &rel,
                            "the stored text is not UTF-8",
                            problems,
                        );
                        return;
                    }
                }
            }
        };
        if !matches {
            self.edited_texts.insert(id.clone());
            self.mark_document_broken(
                id,
                &rel,
                "the text no longer matches its SHA-256 in project.ron: it was edited \
                 after import, so the annotations' offsets may point at the wrong words. \
                 Re-anchor the annotations to the new text (`lector check --reanchor`, or \
                 the bar above the article in the app), or restore the original text",
                problems,
            );
        }
        match text {
            Ok(text) => {
                if let Some(document) = self.project.documents.get_mut(i) {
                    document.text = text;
                }
            }
            Err(err) => problems.push(Problem::new(&rel, err.to_string())),
        }
    }

    /// A store of a project in memory that knows nothing of the disk: no file read, none
    /// read-only. Edits are applied to it on another thread (see
    /// [`crate::session::Stage`]); it is never saved.
    pub fn detached(root: PathBuf, project: Project) -> Self {
        Self {
            root,
            project,
            fingerprints: BTreeMap::new(),
            read_only: BTreeMap::new(),
            stats: BTreeMap::new(),
            edited_texts: std::collections::BTreeSet::new(),
            pending: Vec::new(),
            disk_version: next_disk_version(),
            counting: false,
            labels: None,
            tables: None,
            annotations_read: 0,
            written: WrittenSets::default(),
        }
    }

    /// Takes in `project.ron` as another writer left it: its name and schema, and the
    /// documents this store does not know yet, with their texts. Runs under the file's lock.
    fn take_in_project_file(&mut self) -> Result<(), StoreError> {
        let rel = PathBuf::from(PROJECT_FILE);
        let mut other = Self::detached(self.root.clone(), Project::default());
        let mut problems = Vec::new();
        other.load_project_file(&mut problems)?;
        if let Some(reason) = other.read_only.get(&rel) {
            return Err(StoreError::ReadOnly {
                reason: reason.clone(),
                path: self.root.join(&rel),
            });
        }
        let known: std::collections::BTreeSet<String> = self
            .project
            .documents
            .iter()
            .map(|d| d.meta.id.clone())
            .collect();
        self.project.name = other.project.name;
        self.project.schema = other.project.schema;
        for document in other.project.documents {
            if known.contains(&document.meta.id) {
                continue;
            }
            self.project.documents.push(document);
            self.load_document_text(self.project.documents.len() - 1, &mut problems);
        }
        if let Some(fingerprint) = other.fingerprints.remove(&rel) {
            self.set_fingerprint(rel, fingerprint);
        }
        Ok(())
    }

    /// Changes `project.ron` without losing what another writer (a second `lector add`,
    /// another window) put there: under the file's lock, takes in what changed on disk, then
    /// applies `change` and writes. On failure the documents list is as before.
    fn update_project_file<T>(
        &mut self,
        change: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let rel = Path::new(PROJECT_FILE);
        self.ensure_writable(rel)?;
        self.confined(rel)?;
        let _lock = lock::lock(&self.root, rel)?;
        if self.changed_on_disk(rel) {
            self.take_in_project_file()?;
        }
        let documents = self.project.documents.len();
        let result = change(self).and_then(|value| {
            let text = self.project_file_text()?;
            let path = self.root.join(rel);
            atomic::write_atomic(&path, text.as_bytes()).map_err(io_err("cannot save", &path))?;
            self.stats.remove(rel);
            self.set_fingerprint(rel.to_path_buf(), Fingerprint::of(text.as_bytes()));
            Ok(value)
        });
        if result.is_err() {
            self.project.documents.truncate(documents);
        }
        result
    }

    /// Reports a document whose text cannot be trusted and keeps every annotation file of
    /// it read-only.
    fn mark_document_broken(
        &mut self,
        id: &str,
        rel: &Path,
        message: &str,
        problems: &mut Vec<Problem>,
    ) {
        problems.push(Problem::new(rel, message));
        self.read_only
            .insert(rel.to_path_buf(), format!("document {id:?}: {message}"));
    }

    fn document_broken(&self, id: &str) -> Option<String> {
        self.read_only.get(&text_path(id)).cloned()
    }

    fn load_entities(&mut self, problems: &mut Vec<Problem>) {
        for (annotator, rel) in list_files(&self.root, Path::new("entities"), problems) {
            self.load_entity_file(&annotator, &rel, problems);
        }
    }

    /// Reads one annotator's entities file into the project.
    fn load_entity_file(&mut self, annotator: &str, rel: &Path, problems: &mut Vec<Problem>) {
        if let Some(p) = project::name_problem("annotator name", annotator) {
            problems.push(Problem::new(rel, p));
            return;
        }
        let Some(text) = self.read_ron(rel, problems) else {
            self.read_only
                .insert(rel.to_path_buf(), "it could not be read".to_owned());
            return;
        };
        let file: v1::EntitiesFile = match ron_file::parse(rel, &text) {
            Ok(file) => file,
            Err(p) => {
                problems.push(p);
                self.read_only
                    .insert(rel.to_path_buf(), "it could not be read".to_owned());
                return;
            }
        };
        if file.annotator != annotator {
            problems.push(Problem::new(
                rel,
                format!(
                    "the file says annotator {:?} but is named for {annotator:?}",
                    file.annotator
                ),
            ));
        }
        let registry = convert::entities_from_file(file);
        let places = problem::Places::ids(&text);
        for (id, message) in registry_problems(&self.project.schema, &registry) {
            let at = places.of(&id);
            problems.push(Problem::at(rel, at, format!("entity {id}: {message}")));
        }
        self.project.entities.insert(annotator.to_owned(), registry);
    }

    /// Reads the annotation files; with `only`, those of that document, the others left
    /// pending.
    fn load_sets(&mut self, problems: &mut Vec<Problem>, only: Option<&str>) {
        let dir = Path::new("annotations");
        let mut annotators = list_dirs(&self.root, dir, problems);
        annotators.sort();
        let mut jobs: Vec<SetJob> = Vec::new();
        for annotator in annotators {
            if let Some(p) = project::name_problem("annotator name", &annotator) {
                problems.push(Problem::new(dir.join(&annotator), p));
                continue;
            }
            for (document, rel) in list_files(&self.root, &dir.join(&annotator), problems) {
                let (document, unplaced) = match document.strip_suffix(reanchor::UNPLACED_SUFFIX) {
                    Some(document) => (document.to_owned(), true),
                    None => (document, false),
                };
                let job = SetJob {
                    annotator: annotator.clone(),
                    document,
                    rel,
                    unplaced,
                    partial: false,
                };
                if only.is_none_or(|d| d == job.document) {
                    // The document shown first: a big file's beginning now, the rest later.
                    if only.is_some()
                        && !job.unplaced
                        && let Some(set) = self.read_beginning(&job)
                    {
                        let key = (job.document.clone(), job.annotator.clone());
                        self.project.sets.insert(key, set);
                        self.pending.push(SetJob {
                            partial: true,
                            ..job
                        });
                        continue;
                    }
                    jobs.push(job);
                } else {
                    self.pending.push(job);
                }
            }
        }
        self.run_jobs(jobs, problems);
    }

    /// The annotations at the beginning of a big annotation file (see [`PARTIAL_FROM`]),
    /// read from its first [`PARTIAL_BEGINNING`] bytes up to the last whole annotation, as
    /// Lector lays them out; `None` for a smaller file, or one laid out otherwise or with a
    /// problem there (read whole then, which says what it is).
    fn read_beginning(&self, job: &SetJob) -> Option<AnnotationSet> {
        use std::io::Read as _;
        let (from, beginning) = partial_sizes();
        let (file, meta) = confine::open(&self.root, &job.rel).ok()??;
        if meta.len() < from {
            return None;
        }
        let text = &self.project.document(&job.document)?.text;
        let mut head = Vec::new();
        file.take(beginning).read_to_end(&mut head).ok()?;
        const END: &[u8] = b"\n        ),\n";
        let cut = memchr::memmem::rfind(&head, END)? + END.len();
        let mut source = std::str::from_utf8(head.get(..cut)?).ok()?.to_owned();
        source.push_str("    ],\n)\n");
        if ron_file::format_version(&job.rel, &source).ok()? != ron_file::CURRENT_VERSION {
            return None;
        }
        let (mut set, problems) = convert::read_set(&source, &job.rel, text, 1)?;
        if !problems.is_empty() || set.is_empty() || set.has_duplicate_ids() {
            return None;
        }
        set.annotator.clone_from(&job.annotator);
        set.document.clone_from(&job.document);
        Some(set)
    }

    /// Whether a document is shown from the beginnings of its big annotation files while
    /// they are read (every file of it not read yet is such a one): its annotations near the
    /// start are all there, the rest come when the files are read; nothing can be written.
    pub fn is_partly_read(&self, document: &str) -> bool {
        let mut jobs = self.pending.iter().filter(|j| j.document == document);
        jobs.next().is_some_and(|j| j.partial) && jobs.all(|j| j.partial)
    }

    /// Forgets the beginnings shown of files about to be read whole (which may turn out to
    /// have no set at all).
    fn forget_beginnings<'j>(&mut self, jobs: impl IntoIterator<Item = &'j SetJob>) {
        for job in jobs.into_iter().filter(|j| j.partial) {
            self.project
                .sets
                .remove(&(job.document.clone(), job.annotator.clone()));
        }
    }

    /// Reads annotation files into the project: read, parsed and checked on every core, then
    /// taken in their order, so the project and its problems are the same as read one by one.
    fn run_jobs(&mut self, jobs: Vec<SetJob>, problems: &mut Vec<Problem>) {
        let reads = self.read_sets(&jobs);
        for (job, read) in jobs.iter().zip(reads) {
            match read {
                Some(read) => {
                    self.take_set(&job.annotator, &job.document, &job.rel, read, problems)
                }
                None => self.run_job(job, problems),
            }
        }
    }

    /// Reads one annotation file into the project on this thread.
    fn run_job(&mut self, job: &SetJob, problems: &mut Vec<Problem>) {
        if job.unplaced {
            self.load_unplaced(&job.document, &job.rel, problems);
        } else {
            self.load_set(&job.annotator, &job.document, &job.rel, problems);
        }
    }

    /// Reads the annotation files of `jobs` (not those of unplaced annotations, left `None`)
    /// on every core, without changing the store.
    fn read_sets(&self, jobs: &[SetJob]) -> Vec<Option<SetRead>> {
        let placed: Vec<usize> = (0..jobs.len())
            .filter(|&i| jobs.get(i).is_some_and(|j| !j.unplaced))
            .collect();
        let workers = reading_threads().min(placed.len()).max(1);
        // Several files at once: each one on one thread unless big.
        let threads = if workers > 1 { 0 } else { reading_threads() };
        in_turn(workers, &placed, jobs.len(), &|buffer: &mut Vec<u8>, i| {
            let job = &jobs[i];
            self.read_set(&job.annotator, &job.document, &job.rel, threads, buffer)
        })
    }

    fn load_reviews(&mut self, problems: &mut Vec<Problem>) {
        let dir = Path::new("reviews");
        let mut reviewers = list_dirs(&self.root, dir, problems);
        reviewers.sort();
        for reviewer in reviewers {
            if let Some(p) = project::name_problem("reviewer name", &reviewer) {
                problems.push(Problem::new(dir.join(&reviewer), p));
                continue;
            }
            for (document, rel) in list_files(&self.root, &dir.join(&reviewer), problems) {
                let before = problems.len();
                if let Some(review) = self.parse_review(&reviewer, &document, &rel, problems) {
                    self.project
                        .reviews
                        .insert((document.clone(), reviewer.clone()), review);
                }
                self.read_only_if(&rel, problems.len() > before);
            }
        }
    }

    /// Reads `suggestions/<source>/<document>.ron`: what other tools and models suggest.
    fn load_suggested(&mut self, problems: &mut Vec<Problem>) {
        let dir = Path::new("suggestions");
        let mut sources = list_dirs(&self.root, dir, problems);
        sources.sort();
        for source in sources {
            if let Some(p) = crate::model::suggested::source_name_problem(&source) {
                problems.push(Problem::new(dir.join(&source), p));
                continue;
            }
            for (document, rel) in list_files(&self.root, &dir.join(&source), problems) {
                self.load_suggested_file(&source, &document, &rel, problems);
            }
        }
    }

    fn load_suggested_file(
        &mut self,
        source: &str,
        document: &str,
        rel: &Path,
        problems: &mut Vec<Problem>,
    ) {
        let Some(text) = self.project.document(document).map(|d| d.text.clone()) else {
            problems.push(Problem::new(
                rel,
                format!("there is no document {document:?} in project.ron"),
            ));
            return;
        };
        let before = problems.len();
        let Some(source_text) = self.read_ron(rel, problems) else {
            return;
        };
        let Ok(file) = ron_file::parse::<suggested::SuggestionsFile>(rel, &source_text)
            .map_err(|p| problems.push(p))
        else {
            return;
        };
        for (what, said, named) in [
            ("source", &file.source, source),
            ("document", &file.document, document),
        ] {
            if said != named {
                problems.push(Problem::new(
                    rel,
                    format!("the file says {what} {said:?} but is named for {named:?}"),
                ));
            }
        }
        let (mut suggested, converted) =
            suggested::suggested_from_file(file, rel, &source_text, &text, &self.project.schema);
        problems.extend(converted);
        suggested.source = source.to_owned();
        suggested.document = document.to_owned();
        self.project
            .suggested
            .insert((source.to_owned(), document.to_owned()), suggested);
        self.read_only_if(rel, problems.len() > before);
    }

    /// Keeps a file that was read with problems read-only (what could be read counts), unless
    /// it is read-only for another reason already.
    fn read_only_if(&mut self, rel: &Path, had_problems: bool) {
        if had_problems {
            self.read_only
                .entry(rel.to_path_buf())
                .or_insert_with(|| HAS_PROBLEMS.to_owned());
        }
    }

    /// Reads `triage/<annotator>.ron`: each annotator's decisions on suggestions.
    fn load_triage(&mut self, problems: &mut Vec<Problem>) {
        for (annotator, rel) in list_files(&self.root, Path::new("triage"), problems) {
            self.load_triage_file(&annotator, &rel, problems);
        }
    }

    fn load_triage_file(&mut self, annotator: &str, rel: &Path, problems: &mut Vec<Problem>) {
        if let Some(p) = project::annotator_name_problem(annotator) {
            problems.push(Problem::new(rel, p));
            return;
        }
        let before = problems.len();
        let parsed = self.read_ron(rel, problems).and_then(|source| {
            ron_file::parse::<suggested::TriageFile>(rel, &source)
                .map_err(|p| problems.push(p))
                .ok()
                .map(|file| (file, source))
        });
        if let Some((file, source)) = parsed {
            if file.annotator != annotator {
                problems.push(Problem::new(
                    rel,
                    format!(
                        "the file says annotator {:?} but is named for {annotator:?}",
                        file.annotator
                    ),
                ));
            }
            let (mut triage, converted) = suggested::triage_from_file(file, rel, &source);
            problems.extend(converted);
            triage.annotator = annotator.to_owned();
            let documents = problem::Places::new(&source, "document");
            for key in triage.records.keys() {
                if self.project.document(&key.document).is_none() {
                    problems.push(Problem::at(
                        rel,
                        documents.of(&key.document),
                        format!(
                            "decision on {} {}:{}: there is no document {:?} in project.ron",
                            key.document, key.start, key.end, key.document
                        ),
                    ));
                }
            }
            self.project.triage.insert(annotator.to_owned(), triage);
        }
        self.read_only_if(rel, problems.len() > before);
    }

    fn load_resolutions(&mut self, problems: &mut Vec<Problem>) {
        for (resolver, rel) in list_files(&self.root, Path::new("resolutions"), problems) {
            self.load_resolution_file(&resolver, &rel, problems);
        }
    }

    /// Reads one resolver's resolutions into the project; a file with problems is kept
    /// read-only (what could be read counts).
    fn load_resolution_file(&mut self, resolver: &str, rel: &Path, problems: &mut Vec<Problem>) {
        if let Some(p) = project::annotator_name_problem(resolver) {
            problems.push(Problem::new(rel, p));
            return;
        }
        let before = problems.len();
        if let Some(resolutions) = self.parse_resolutions(resolver, rel, problems) {
            self.project
                .resolutions
                .insert(resolver.to_owned(), resolutions);
        }
        self.read_only_if(rel, problems.len() > before);
    }

    fn parse_resolutions(
        &mut self,
        resolver: &str,
        rel: &Path,
        problems: &mut Vec<Problem>,
    ) -> Option<Resolutions> {
        let source = self.read_ron(rel, problems)?;
        let file: v2::ResolutionsFile = ron_file::parse(rel, &source)
            .map_err(|p| problems.push(p))
            .ok()?;
        if file.resolver != resolver {
            problems.push(Problem::new(
                rel,
                format!(
                    "the file says resolver {:?} but is named for {resolver:?}",
                    file.resolver
                ),
            ));
        }
        let (mut resolutions, converted) = convert::resolutions_from_file(file, rel, &source);
        problems.extend(converted);
        resolutions.resolver = resolver.to_owned();
        let keys = resolutions
            .predictions
            .keys()
            .chain(resolutions.claims.keys());
        let annotations = problem::Places::new(&source, "annotation");
        for key in keys {
            if self.project.document(&key.document).is_none() {
                let at = annotations.of(&key.annotation.0);
                problems.push(Problem::at(
                    rel,
                    at,
                    format!(
                        "resolution of {}: there is no document {:?} in project.ron",
                        key.annotation, key.document
                    ),
                ));
            }
        }
        Some(resolutions)
    }

    fn parse_review(
        &mut self,
        reviewer: &str,
        document: &str,
        rel: &Path,
        problems: &mut Vec<Problem>,
    ) -> Option<crate::model::review::Review> {
        if self.project.document(document).is_none() {
            problems.push(Problem::new(
                rel,
                format!("there is no document {document:?} in project.ron"),
            ));
            return None;
        }
        let source = self.read_ron(rel, problems)?;
        let file: v1::ReviewFile = ron_file::parse(rel, &source)
            .map_err(|p| problems.push(p))
            .ok()?;
        if file.reviewer != reviewer || file.document != document {
            problems.push(Problem::new(rel, format!(
                "the file says reviewer {:?}, document {:?}, but its path says {reviewer:?}, {document:?}",
                file.reviewer, file.document
            )));
        }
        let (mut review, converted) = convert::review_from_file(file, rel, &source);
        problems.extend(converted);
        review.reviewer = reviewer.to_owned();
        review.document = document.to_owned();
        Some(review)
    }

    /// Reports, one problem each, the annotations that re-anchoring could not place on a
    /// corrected text: they are kept in `<document>.unplaced.ron` until the analyst tags them
    /// again and removes them, and every command that reads the project says so.
    fn load_unplaced(&mut self, document: &str, rel: &Path, problems: &mut Vec<Problem>) {
        let Some(source) = self.read_ron(rel, problems) else {
            return;
        };
        let Ok(file) = ron_file::parse::<v1::SetFile>(rel, &source).map_err(|p| problems.push(p))
        else {
            return;
        };
        let places = problem::Places::ids(&source);
        for entry in &file.annotations {
            let at = places.of(&entry.id);
            let quote: Vec<&str> = entry.fragments.iter().map(|f| f.2.as_str()).collect();
            problems.push(Problem::at(
                rel,
                at,
                format!(
                    "annotation {} ({} “{}”) could not be placed on the corrected text of \
                     {document:?}: tag it again, then remove it from this file",
                    entry.id,
                    entry.label,
                    quote.join(" … ")
                ),
            ));
        }
    }

    fn load_set(
        &mut self,
        annotator: &str,
        document: &str,
        rel: &Path,
        problems: &mut Vec<Problem>,
    ) {
        let read = self.read_set(annotator, document, rel, reading_threads(), &mut Vec::new());
        self.pending.retain(|j| j.rel != rel);
        self.take_set(annotator, document, rel, read, problems);
    }

    /// Takes what [`Self::read_set`] read into the project.
    fn take_set(
        &mut self,
        annotator: &str,
        document: &str,
        rel: &Path,
        read: SetRead,
        problems: &mut Vec<Problem>,
    ) {
        let before = problems.len();
        if let Some((fingerprint, metadata)) = read.file {
            self.set_fingerprint(rel.to_path_buf(), fingerprint);
            self.remember_stat(rel, &metadata);
        }
        if let Some(reason) = read.newer {
            self.read_only.insert(rel.to_path_buf(), reason);
        }
        if let Some(legacy) = read.legacy {
            self.project
                .legacy_resolutions
                .insert((document.to_owned(), annotator.to_owned()), legacy);
        }
        problems.extend(read.problems);
        self.annotations_read += read.annotations;
        if let Some(set) = read.set {
            if let Some(labels) = &mut self.labels {
                labels.insert(
                    (document.to_owned(), annotator.to_owned()),
                    read.labels.into_iter().collect(),
                );
            }
            if let (Some(tables), Some(table)) = (&mut self.tables, read.table) {
                tables.insert((document.to_owned(), annotator.to_owned()), table);
            }
            self.project
                .sets
                .insert((document.to_owned(), annotator.to_owned()), set);
        }
        self.read_only_if(rel, problems.len() > before);
        let key = (document.to_owned(), annotator.to_owned());
        if self.project.legacy_resolutions.contains_key(&key) && !self.read_only.contains_key(rel) {
            self.read_only
                .insert(rel.to_path_buf(), LEGACY_READ_ONLY.to_owned());
        }
        if let Some(reason) = self.document_broken(document) {
            self.read_only.insert(rel.to_path_buf(), reason);
        }
    }

    /// Reads, parses and checks one annotation file without changing the store, so that
    /// files can be read on several threads; [`Self::take_set`] takes the result in.
    /// `threads` parts a big file is read on (0: by its size, one for a small file).
    /// The file is read into `buffer` (kept by a thread that reads many).
    fn read_set(
        &self,
        annotator: &str,
        document: &str,
        rel: &Path,
        threads: usize,
        buffer: &mut Vec<u8>,
    ) -> SetRead {
        let mut read = SetRead::default();
        let parsed = self.parse_set(annotator, document, rel, threads, &mut read, buffer);
        // `check` and `stats` look again only at files with problems (whether they changed
        // while being read); a store that counts is never saved or watched.
        if let Some(metadata) = read.metadata.take()
            && (!self.counting || !read.problems.is_empty())
        {
            read.file = Some((Fingerprint::of(buffer), metadata));
        }
        if let Some((set, annotations)) = parsed {
            read.annotations = annotations;
            let set = read.set.insert(set);
            if self.tables.is_some() && read.table.is_none() {
                // Read into the model: its table made from it.
                read.table = Some(SpanTable::of_set(set));
            }
            if self.counting && !read.lean && !set.is_empty() {
                // Read into the model (a file of format 1, or one only serde reads): what
                // counting keeps of it.
                let status = set.status;
                let mut linked = Vec::new();
                if self.labels.is_some() {
                    let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
                    for a in set.annotations() {
                        *labels.entry(a.label.as_str()).or_default() += 1;
                        if a.entity.is_some() {
                            linked.push(std::sync::Arc::clone(a));
                        }
                    }
                    read.labels = labels.into_iter().map(|(l, n)| (l.to_owned(), n)).collect();
                }
                *set = AnnotationSet::with_shared(
                    std::mem::take(&mut set.annotator),
                    std::mem::take(&mut set.document),
                    linked,
                );
                set.status = status;
            }
        }
        read
    }

    fn parse_set(
        &self,
        annotator: &str,
        document: &str,
        rel: &Path,
        threads: usize,
        read: &mut SetRead,
        buffer: &mut Vec<u8>,
    ) -> Option<(AnnotationSet, usize)> {
        let Some(doc) = self.project.document(document) else {
            read.problems.push(Problem::new(
                rel,
                format!("there is no document {document:?} in project.ron"),
            ));
            return None;
        };
        let text = doc.text.clone();
        let source = self.read_ron_file(rel, read, buffer)?;
        let problems = &mut read.problems;
        // A file of a few hundred annotations is read on one thread: starting more would
        // cost more than it saves (a project's files are read on several at once).
        let threads = match threads {
            0 if source.len() >= PARALLEL_SET_BYTES => reading_threads(),
            0 => 1,
            n => n,
        };
        let legacy = ron_file::format_version(rel, source).is_ok_and(|v| v < 2);
        let registry = self.project.entities.get(annotator);
        let header = |file_annotator: &str, file_document: &str| {
            (file_annotator != annotator || file_document != document).then(|| Problem::new(rel, format!(
                "the file says annotator {file_annotator:?}, document {file_document:?}, but its path says {annotator:?}, {document:?}",
            )))
        };
        if self.counting && !legacy {
            // `lector check`: the same checks on views of the annotations, none built.
            let meaning = convert::MeaningContext {
                schema: &self.project.schema,
                registry,
                annotator,
            };
            let keep = if self.labels.is_some() {
                Keep::Labels
            } else if self.tables.is_some() {
                Keep::Spans
            } else {
                Keep::Count
            };
            if let Some(checked) = convert::check_set(source, rel, &text, threads, &meaning, keep) {
                problems.extend(header(&checked.head.annotator, &checked.head.document));
                problems.extend(checked.problems);
                let mut set = AnnotationSet::with_shared(annotator, document, checked.linked);
                set.status = checked.head.status;
                read.labels = checked
                    .labels
                    .into_iter()
                    .map(|(l, n)| (l.into_owned(), n))
                    .collect();
                read.lean = true;
                read.table = checked.table;
                return Some((set, checked.annotations));
            }
        }
        // Lector's own reader first (a book's file in a tenth of the time, on every core);
        // serde for anything else, and for its messages with line and column.
        let (mut set, converted) = match convert::read_set(source, rel, &text, threads) {
            Some(read) => read,
            None => {
                let file: v1::SetFile = ron_file::parse(rel, source)
                    .map_err(|p| problems.push(p))
                    .ok()?;
                convert::set_from_file(file, rel, source, &text)
            }
        };
        problems.extend(header(&set.annotator, &set.document));
        problems.extend(converted);
        set.annotator = annotator.to_owned();
        set.document = document.to_owned();
        if legacy {
            let legacy = migrate::take_legacy_resolutions(&mut set, &self.project.schema, &text);
            if !legacy.is_empty() {
                read.legacy = Some(legacy);
            }
        }
        let problems = &mut read.problems;
        let duplicates = if set.has_duplicate_ids() {
            duplicate_ids(&set)
        } else {
            Vec::new()
        };
        let places = problem::Places::ids(source);
        for id in duplicates {
            problems.push(convert::duplicate_id(rel, &places, &id));
        }
        // The spans were checked against the text just now; what they mean is checked here,
        // a part of the set on each core.
        let schema = &self.project.schema;
        let all = set.annotations();
        let check = |part: crate::model::Annotations<'_>| -> Vec<(AnnotationId, Vec<String>)> {
            part.iter()
                .filter_map(|a| {
                    let messages = meaning_problems(schema, registry, &set, a);
                    (!messages.is_empty()).then(|| (a.id.clone(), messages))
                })
                .collect()
        };
        let found: Vec<(AnnotationId, Vec<String>)> = if threads <= 1 || all.len() < 4096 {
            // A small file: starting a thread would cost more than the check.
            check(all)
        } else {
            let chunk = all.len().div_ceil(threads).max(1);
            std::thread::scope(|scope| {
                let handles: Vec<_> = all
                    .runs(chunk)
                    .map(|part| scope.spawn(move || check(part)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        };
        for (id, mut messages) in found {
            convert::report(rel, &places, &id.0, &mut messages, problems);
        }
        let annotations = set.len();
        Some((set, annotations))
    }

    /// The full path of a project file, if it stays inside the project folder.
    fn confined(&self, rel: &Path) -> Result<PathBuf, StoreError> {
        confine::inside(&self.root, rel).map_err(|refused| StoreError::ReadOnly {
            reason: refused.to_string(),
            path: self.root.join(rel),
        })
    }

    fn ensure_writable(&self, rel: &Path) -> Result<(), StoreError> {
        if let Some(reason) = self.read_only_reason(rel) {
            return Err(StoreError::ReadOnly {
                reason: reason.to_owned(),
                path: self.root.join(rel),
            });
        }
        Ok(())
    }

    /// Writes a file atomically if nobody changed it since Lector read it.
    fn write(&mut self, rel: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let pending = self.pending(rel, PendingContent::Bytes(bytes.to_vec()))?;
        self.finish_write(pending.run()).map(drop)
    }

    /// A write of `rel` that can run on another thread, checked against what Lector last
    /// read or wrote there.
    fn pending(&self, rel: &Path, content: PendingContent) -> Result<PendingWrite, StoreError> {
        self.ensure_writable(rel)?;
        Ok(PendingWrite {
            root: self.root.clone(),
            rel: rel.to_path_buf(),
            path: self.root.join(rel),
            expected: self
                .fingerprints
                .get(rel)
                .copied()
                .unwrap_or(Fingerprint::absent()),
            trusted: self.stats.get(rel).copied(),
            content,
        })
    }

    /// Takes note of a finished [`PendingWrite`]: what it wrote is now the version Lector
    /// knows, so the next save replaces it and a colleague's change is still noticed. Where
    /// the write merged into another writer's version, that version is taken into the
    /// project and `true` returned: the caller replays whatever it changed since it prepared
    /// the write.
    pub fn finish_write(&mut self, done: WriteDone) -> Result<bool, StoreError> {
        let (fingerprint, merged) = done.result?;
        // Just written, so too young to trust its time; the next poll hashes it once.
        self.stats.remove(&done.rel);
        self.set_fingerprint(done.rel, fingerprint);
        let Some(merged) = merged else {
            return Ok(false);
        };
        match merged {
            Merged::Set(set) => {
                self.project
                    .sets
                    .insert((set.document.clone(), set.annotator.clone()), set);
            }
            Merged::Entities(annotator, registry) => {
                self.project.entities.insert(annotator, registry);
            }
            Merged::Review(review) => {
                self.project
                    .reviews
                    .insert((review.document.clone(), review.reviewer.clone()), review);
            }
            Merged::Resolutions(resolutions) => {
                self.project
                    .resolutions
                    .insert(resolutions.resolver.clone(), resolutions);
            }
            Merged::Triage(triage) => {
                self.project.triage.insert(triage.annotator.clone(), triage);
            }
        }
        Ok(true)
    }

    /// Prepares the save of one annotator's annotations of one document, to run on another
    /// thread: the set is copied as it is now, then serialised and written there. `edits`
    /// are the changes since the file was last read or written, replayed onto the file if
    /// another writer changed it meanwhile; without them such a save is refused.
    pub fn prepare_set_save(
        &self,
        document: &str,
        annotator: &str,
        edits: Option<Replay>,
    ) -> Result<PendingWrite, StoreError> {
        let Some(doc) = self.project.document(document) else {
            return Err(StoreError::Invalid(format!(
                "there is no document {document:?}"
            )));
        };
        let Some(set) = self.project.set(document, annotator) else {
            return Err(StoreError::Invalid(format!(
                "{annotator} has no annotations of {document:?}"
            )));
        };
        let rel = set_path(document, annotator);
        let written = self.written.for_set(&rel, set.len());
        self.pending(
            &rel,
            PendingContent::Set {
                set: SetSnapshot {
                    annotator: set.annotator.clone(),
                    document: set.document.clone(),
                    status: set.status,
                    annotations: set.snapshot(),
                },
                text: doc.text.clone(),
                edits,
                written,
            },
        )
    }

    /// Prepares the save of a reviewer's decisions on a document (see
    /// [`Self::prepare_set_save`]).
    pub fn prepare_review_save(
        &self,
        document: &str,
        reviewer: &str,
        edits: Option<Replay>,
    ) -> Result<PendingWrite, StoreError> {
        let Some(review) = self.project.review(document, reviewer) else {
            return Err(StoreError::Invalid(format!(
                "{reviewer} has no review of {document:?}"
            )));
        };
        self.pending(
            &review_path(document, reviewer),
            PendingContent::Review {
                review: Box::new(review.clone()),
                edits,
            },
        )
    }

    /// Prepares the save of one annotator's entities (see [`Self::prepare_set_save`]).
    pub fn prepare_entities_save(
        &self,
        annotator: &str,
        edits: Option<Replay>,
    ) -> Result<PendingWrite, StoreError> {
        let registry = self
            .project
            .entities
            .get(annotator)
            .cloned()
            .unwrap_or_default();
        self.pending(
            &entities_path(annotator),
            PendingContent::Entities {
                annotator: annotator.to_owned(),
                registry,
                edits,
            },
        )
    }

    /// Prepares the save of a resolver's resolutions and verdicts (see
    /// [`Self::prepare_set_save`]).
    pub fn prepare_resolutions_save(
        &self,
        resolver: &str,
        edits: Option<Replay>,
    ) -> Result<PendingWrite, StoreError> {
        let resolutions = self
            .project
            .resolutions
            .get(resolver)
            .cloned()
            .unwrap_or_else(|| Resolutions::new(resolver));
        self.pending(
            &resolutions_path(resolver),
            PendingContent::Resolutions {
                resolutions: Box::new(resolutions),
                edits,
            },
        )
    }

    /// Prepares the save of an annotator's decisions on suggestions (see
    /// [`Self::prepare_set_save`]).
    pub fn prepare_triage_save(
        &self,
        annotator: &str,
        edits: Option<Replay>,
    ) -> Result<PendingWrite, StoreError> {
        let triage = self
            .project
            .triage
            .get(annotator)
            .cloned()
            .unwrap_or_else(|| crate::model::suggested::Triage::new(annotator));
        self.pending(
            &triage_path(annotator),
            PendingContent::Triage {
                triage: Box::new(triage),
                edits,
            },
        )
    }

    /// Adds suggestions of a source to a document's file (`suggestions/<source>/<document>.ron`)
    /// under the file's lock: what is there (another import meanwhile included) is re-read and
    /// kept, the new spans are added without repeats, and the file is written atomically.
    /// Returns how many spans were new.
    pub fn add_suggestions(
        &mut self,
        source: &str,
        document: &str,
        spans: Vec<crate::model::suggested::SuggestedSpan>,
        entities: Vec<crate::model::Entity>,
    ) -> Result<usize, StoreError> {
        if let Some(problem) = crate::model::suggested::source_name_problem(source) {
            return Err(StoreError::Invalid(problem));
        }
        let Some(doc) = self.project.document(document) else {
            return Err(StoreError::Invalid(format!(
                "there is no document {document:?}"
            )));
        };
        let text = doc.text.clone();
        let rel = suggestions_path(source, document);
        let path = self.root.join(&rel);
        self.ensure_writable(&rel)?;
        let refused = |refused: confine::Refused| StoreError::ReadOnly {
            reason: refused.to_string(),
            path: path.clone(),
        };
        confine::inside(&self.root, &rel).map_err(refused)?;
        let _lock = lock::lock(&self.root, &rel).map_err(StoreError::Lock)?;
        let on_disk = confine::read(&self.root, &rel, MAX_FILE_BYTES)
            .map_err(refused)?
            .map(|(bytes, _)| bytes);
        let mut current = match on_disk {
            Some(bytes) => {
                let cannot = |problem: Problem| StoreError::CannotMerge { problem };
                let source_text = ron_file::preflight(&rel, &bytes).map_err(cannot)?;
                let version = ron_file::format_version(&rel, &source_text).map_err(cannot)?;
                if version > CURRENT_VERSION {
                    return Err(cannot(Problem::new(
                        &rel,
                        format!("written by a newer Lector (format {version}); update Lector"),
                    )));
                }
                let file: suggested::SuggestionsFile =
                    ron_file::parse(&rel, &source_text).map_err(cannot)?;
                let (disk, problems) = suggested::suggested_from_file(
                    file,
                    &rel,
                    &source_text,
                    &text,
                    &self.project.schema,
                );
                if let Some(problem) = problems.into_iter().next() {
                    return Err(cannot(problem));
                }
                disk
            }
            None => crate::model::suggested::Suggested::new(source, document),
        };
        current.source = source.to_owned();
        current.document = document.to_owned();
        let added = current.add(spans, entities);
        let serialised = ron_file::to_ron(&suggested::suggested_to_file(&current, &text))
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .into_bytes();
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err("cannot create the folder", dir))?;
        }
        atomic::write_atomic(&path, &serialised).map_err(io_err("cannot save", &path))?;
        self.stats.remove(&rel);
        self.set_fingerprint(rel, Fingerprint::of(&serialised));
        self.project
            .suggested
            .insert((source.to_owned(), document.to_owned()), current);
        Ok(added)
    }

    /// Lets a version-1 annotation file be written again once its resolutions are in the
    /// resolver's file (the read-only mark for that reason only).
    pub(crate) fn clear_legacy(&mut self, document: &str, annotator: &str) {
        self.project
            .legacy_resolutions
            .remove(&(document.to_owned(), annotator.to_owned()));
        let rel = set_path(document, annotator);
        if self.read_only.get(&rel).map(String::as_str) == Some(LEGACY_READ_ONLY) {
            self.read_only.remove(&rel);
        }
    }

    /// `project.ron` as the project in memory has it.
    fn project_file_text(&self) -> Result<String, StoreError> {
        let project = &self.project;
        let map = &project.predict.probabilities;
        let file = v2::ProjectFile {
            format_version: CURRENT_VERSION,
            name: project.name.clone(),
            schema: project.schema.clone(),
            probabilities: v2::Probabilities {
                certain: map.certain,
                probable: map.probable,
                possible: map.possible,
                improbable: map.improbable,
                certainly_not: map.certainly_not,
            },
            hedge_cues: project
                .predict
                .hedge_cues
                .iter()
                .map(|c| v2::HedgeCueEntry {
                    phrase: c.phrase.clone(),
                    certainty: c.certainty.name().to_owned(),
                    bare_future: c.bare_future,
                })
                .collect(),
            documents: project
                .documents
                .iter()
                .map(|d| v2::DocumentEntry {
                    id: d.meta.id.clone(),
                    title: d.meta.title.clone(),
                    file: d.meta.source_file.clone(),
                    sha256: d.meta.sha256.clone(),
                    added: d.meta.added.to_string(),
                    published: d.meta.published.map(|p| p.to_string()),
                    source_url: d.meta.source_url.clone(),
                    fetched: d.meta.fetched.map(|t| t.to_string()),
                })
                .collect(),
        };
        ron_file::to_ron(&file).map_err(|e| StoreError::Invalid(e.to_string()))
    }

    /// Sets (or clears) a document's publication date and saves `project.ron`, taking in what
    /// another writer changed there first. Due phrases of the document are read against it.
    pub fn set_published(
        &mut self,
        document: &str,
        published: Option<jiff::civil::Date>,
    ) -> Result<(), StoreError> {
        let mut before = None;
        let result = self.update_project_file(|store| {
            let doc = store
                .project
                .documents
                .iter_mut()
                .find(|d| d.meta.id == document)
                .ok_or_else(|| StoreError::Invalid(format!("there is no document {document:?}")))?;
            before = Some(std::mem::replace(&mut doc.meta.published, published));
            Ok(())
        });
        if result.is_err()
            && let Some(before) = before
            && let Some(doc) = self
                .project
                .documents
                .iter_mut()
                .find(|d| d.meta.id == document)
        {
            doc.meta.published = before;
        }
        result
    }

    /// Adds labels to the schema and saves `project.ron`, taking in what another writer
    /// changed there first. A label the schema has by then (the same name, ignoring case) is
    /// left as it is. Returns the names added. On failure the schema is as before.
    pub fn add_labels(
        &mut self,
        labels: Vec<crate::model::Label>,
    ) -> Result<Vec<String>, StoreError> {
        let mut before = None;
        let result = self.update_project_file(|store| {
            before = Some(store.project.schema.clone());
            let mut added = Vec::new();
            for label in labels {
                if store
                    .project
                    .schema
                    .label_ignoring_case(&label.name)
                    .is_none()
                {
                    added.push(label.name.clone());
                    store.project.schema.labels.push(label);
                }
            }
            Ok(added)
        });
        if result.is_err()
            && let Some(before) = before
        {
            self.project.schema = before;
        }
        result
    }

    /// Saves `project.ron` as it is in memory; refused if it changed on disk since.
    pub fn save_project_file(&mut self) -> Result<(), StoreError> {
        let text = self.project_file_text()?;
        self.write(Path::new(PROJECT_FILE), text.as_bytes())
    }

    /// Saves one annotator's annotations of one document.
    pub fn save_set(&mut self, document: &str, annotator: &str) -> Result<(), StoreError> {
        let pending = self.prepare_set_save(document, annotator, None)?;
        self.finish_write(pending.run()).map(drop)
    }

    /// Saves one annotator's entities.
    pub fn save_entities(&mut self, annotator: &str) -> Result<(), StoreError> {
        let pending = self.prepare_entities_save(annotator, None)?;
        self.finish_write(pending.run()).map(drop)
    }

    /// Reads an article file (.txt, .md, .html, .pdf or .docx), stores its text and adds it to
    /// the project (and saves `project.ron`). The title is `title`, else the one the file
    /// gives (a web page's headline), else the text's first line. Returns the new document
    /// id and warnings for the user: what was guessed or repaired.
    pub fn add_article(
        &mut self,
        path: &Path,
        title: Option<&str>,
    ) -> Result<(String, Vec<String>), StoreError> {
        self.add_article_dated(path, title, None)
    }

    /// [`Self::add_article`] with a publication date: `published`, else the one the article
    /// gives (a web page's `article:published_time`, a PDF's or .docx's creation date), else
    /// none (the app lets the analyst set it later). A date the article gives is said in the
    /// warnings, so the analyst can check it.
    pub fn add_article_dated(
        &mut self,
        path: &Path,
        title: Option<&str>,
        published: Option<jiff::civil::Date>,
    ) -> Result<(String, Vec<String>), StoreError> {
        let article = read_article(path, title, published)?;
        self.add_read_article(article)
    }

    /// Stores an article [`read_article`] read (on any thread) as a new document: the
    /// second half of [`Self::add_article_dated`].
    pub fn add_read_article(
        &mut self,
        article: ReadArticle,
    ) -> Result<(String, Vec<String>), StoreError> {
        self.add_read(article, None)
    }

    /// Stores an article read by [`read_article`] or [`read_fetched`], with where and when
    /// it was fetched, if it was.
    fn add_read(
        &mut self,
        article: ReadArticle,
        source: Option<(String, jiff::Timestamp)>,
    ) -> Result<(String, Vec<String>), StoreError> {
        let ReadArticle {
            file_name,
            title,
            text,
            published,
            warnings,
        } = article;
        let id = self.add_text_sourced(&file_name, &title, text, published, source)?;
        Ok((id, warnings))
    }

    /// Fetches an article from the web ([`crate::article::web`]) and adds it like a saved
    /// file, recording the address (after redirects) and the time it was fetched. A failed
    /// fetch or an article that cannot be read adds nothing.
    pub fn add_url(
        &mut self,
        url: &str,
        title: Option<&str>,
        published: Option<jiff::civil::Date>,
        limits: crate::article::web::FetchLimits,
    ) -> Result<(String, Vec<String>), StoreError> {
        let fetched = crate::article::web::fetch(url, limits)?;
        self.add_fetched(fetched, title, published)
    }

    /// Adds an article [`crate::article::web::fetch`] brought.
    pub fn add_fetched(
        &mut self,
        fetched: crate::article::web::Fetched,
        title: Option<&str>,
        published: Option<jiff::civil::Date>,
    ) -> Result<(String, Vec<String>), StoreError> {
        self.add_read_fetched(read_fetched(fetched, title, published)?)
    }

    /// Adds an article fetched and read by [`read_fetched`] (the app does both on a thread of
    /// its own, then adds here), recording where and when it was fetched.
    pub fn add_read_fetched(
        &mut self,
        read: ReadFetched,
    ) -> Result<(String, Vec<String>), StoreError> {
        let ReadFetched { article, url, at } = read;
        self.add_read(article, Some((url, at)))
    }

    /// Makes a document of pasted text (the clipboard's): normalised as any article, its first
    /// line the title. Refuses text with nothing but whitespace. The app's Ctrl+Shift+V and
    /// File → Paste as article call this; `lector add DIR -` does the same with standard
    /// input ([`Self::add_pasted_dated`]).
    pub fn add_pasted(&mut self, text: &str) -> Result<String, StoreError> {
        self.add_pasted_dated(text, None, None)
    }

    /// [`Self::add_pasted`] with a title (else the first line that is not blank) and a
    /// publication date.
    pub fn add_pasted_dated(
        &mut self,
        text: &str,
        title: Option<&str>,
        published: Option<jiff::civil::Date>,
    ) -> Result<String, StoreError> {
        let (text, _) = crate::model::text::normalize(text);
        let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
            return Err(StoreError::Invalid(
                "the clipboard has no text to make an article of".to_owned(),
            ));
        };
        let title = shorten_title(title.map_or(first, str::trim));
        let file_name = format!("{}.txt", crate::model::EntityId::slug(&title).0);
        self.add_text_dated(&file_name, &title, text, published)
    }

    /// Stores a normalised text as a new document and saves `project.ron`. Safe with other
    /// writers at once: the id is chosen and the text written under `project.ron`'s lock,
    /// after taking in the documents they added.
    pub fn add_text(
        &mut self,
        source_file: &str,
        title: &str,
        text: String,
    ) -> Result<String, StoreError> {
        self.add_text_dated(source_file, title, text, None)
    }

    /// [`Self::add_text`] with a publication date.
    pub fn add_text_dated(
        &mut self,
        source_file: &str,
        title: &str,
        text: String,
        published: Option<jiff::civil::Date>,
    ) -> Result<String, StoreError> {
        self.add_text_sourced(source_file, title, text, published, None)
    }

    /// [`Self::add_text_dated`] for an article fetched from the web: the address it came from
    /// (after redirects) and when, recorded in `project.ron`.
    pub fn add_text_sourced(
        &mut self,
        source_file: &str,
        title: &str,
        text: String,
        published: Option<jiff::civil::Date>,
        source: Option<(String, jiff::Timestamp)>,
    ) -> Result<String, StoreError> {
        let (source_url, fetched) = source.map_or((None, None), |(u, t)| (Some(u), Some(t)));
        let sha256 = sha256_hex(&text);
        let doc_text = DocText::new(text).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let stem = source_file.split('.').next().unwrap_or(source_file);
        let base = crate::model::EntityId::slug(stem).0;
        let base: String = base.chars().take(48).collect();
        self.update_project_file(|store| {
            let id = std::iter::once(base.clone())
                .chain((2..).map(|n| format!("{base}-{n}")))
                .find(|id| {
                    store.project.document(id).is_none() && !store.root.join(text_path(id)).exists()
                })
                .unwrap_or(base);
            let rel = text_path(&id);
            let path = store.confined(&rel)?;
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(io_err("cannot create the folder", dir))?;
            }
            // Under project.ron's lock: no other `add` picks this id meanwhile.
            atomic::write_atomic(&path, doc_text.as_str().as_bytes())
                .map_err(io_err("cannot save", &path))?;
            store.set_fingerprint(rel, Fingerprint::of(doc_text.as_str().as_bytes()));
            store.project.documents.push(Document {
                meta: DocumentMeta {
                    id: id.clone(),
                    title: title.to_owned(),
                    source_file: source_file.to_owned(),
                    sha256,
                    added: crate::model::annotation::now(),
                    published,
                    source_url,
                    fetched,
                },
                text: doc_text,
            });
            Ok(id)
        })
    }
}

/// The project's prediction settings as `project.ron` gives them, with a problem for each value
/// that cannot be used (a probability outside 0–1, grades out of order, a cue without words
/// or with an unknown grade); such cues are left out, the map is kept as written.
fn predict_settings(
    probabilities: &v2::Probabilities,
    cues: Vec<v2::HedgeCueEntry>,
    rel: &Path,
    text: &str,
    problems: &mut Vec<Problem>,
) -> PredictSettings {
    let map = crate::predict::ProbabilityMap {
        certain: probabilities.certain,
        probable: probabilities.probable,
        possible: probabilities.possible,
        improbable: probabilities.improbable,
        certainly_not: probabilities.certainly_not,
    };
    let at = problem::find_position(text, "probabilities:");
    for problem in map.problems() {
        problems.push(Problem::at(rel, at, format!("probabilities: {problem}")));
    }
    let mut hedge_cues = Vec::new();
    let phrases = problem::Places::new(text, "phrase");
    for cue in cues {
        let at = phrases.of(&cue.phrase);
        let Some(certainty) = crate::predict::Certainty::from_name(&cue.certainty) else {
            problems.push(Problem::at(
                rel,
                at,
                format!(
                    "hedge cue {:?}: certainty {:?} is not one of {}",
                    cue.phrase,
                    cue.certainty,
                    crate::model::schema::CERTAINTY.join(", ")
                ),
            ));
            continue;
        };
        let cue = crate::predict::HedgeCue {
            phrase: cue.phrase,
            certainty,
            bare_future: cue.bare_future,
        };
        let lexicon = crate::predict::HedgeLexicon::empty().with_extra(std::slice::from_ref(&cue));
        for problem in lexicon.problems() {
            problems.push(Problem::at(rel, at, problem));
        }
        hedge_cues.push(cue);
    }
    PredictSettings {
        probabilities: map,
        hedge_cues,
    }
}

/// The title of an article: its first non-empty line, shortened, or else the file name.
fn default_title(text: &str, file_name: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(file_name);
    shorten_title(first)
}

/// At most 100 characters, with `…` when cut.
fn shorten_title(title: &str) -> String {
    let mut short: String = title.chars().take(100).collect();
    if title.chars().count() > 100 {
        short.push('…');
    }
    short
}

/// Lists a folder of the project if it is inside it; a folder that leads out is reported.
fn read_dir_inside(
    root: &Path,
    dir: &Path,
    problems: &mut Vec<Problem>,
) -> Option<std::fs::ReadDir> {
    if let Err(refused) = confine::inside(root, dir) {
        problems.push(Problem::new(dir, format!("{refused}; not read")));
        return None;
    }
    fs::read_dir(root.join(dir)).ok()
}

/// Whether a folder entry is a regular file (or folder, with `dir`) that Lector may read: a
/// symlink counts if it leads inside the project. Reports the others.
fn readable_entry(
    root: &Path,
    rel: &Path,
    entry: &fs::DirEntry,
    dir: bool,
    problems: &mut Vec<Problem>,
) -> bool {
    let Ok(file_type) = entry.file_type() else {
        return false;
    };
    if file_type.is_symlink() {
        if let Err(refused) = confine::inside(root, rel) {
            problems.push(Problem::new(rel, format!("{refused}; not read")));
            return false;
        }
        let target = fs::metadata(entry.path());
        return target.is_ok_and(|m| if dir { m.is_dir() } else { m.is_file() });
    }
    if dir {
        return file_type.is_dir();
    }
    if !file_type.is_file() {
        problems.push(Problem::new(
            rel,
            "not a regular file (a named pipe, a device or a socket); not read",
        ));
        return false;
    }
    true
}

/// The sub-folders of a folder of the project (annotators, reviewers), unsorted.
fn list_dirs(root: &Path, dir: &Path, problems: &mut Vec<Problem>) -> Vec<String> {
    let Some(entries) = read_dir_inside(root, dir, problems) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            let rel = dir.join(e.file_name());
            readable_entry(root, &rel, e, true, problems)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The `.ron` files in a folder of the project, as (stem, relative path), sorted.
fn list_files(root: &Path, dir: &Path, problems: &mut Vec<Problem>) -> Vec<(String, PathBuf)> {
    let Some(entries) = read_dir_inside(root, dir, problems) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Some(stem) = name.strip_suffix(".ron") else {
            continue;
        };
        let rel = dir.join(&name);
        if !readable_entry(root, &rel, &entry, false, problems) {
            continue;
        }
        files.push((stem.to_owned(), rel));
    }
    files.sort();
    files
}

/// An article file read and turned into text, not stored yet: what
/// [`ProjectStore::add_read_article`] stores. Reading (a PDF can take seconds) needs no
/// store, so it can run off the window's thread.
#[derive(Clone, Debug)]
pub struct ReadArticle {
    /// The file's name, kept in `project.ron`.
    pub file_name: String,
    /// The title: the one given, else the article's, else its first words.
    pub title: String,
    /// The normalised text.
    pub text: String,
    /// The publication date: the one given, else the one the article gives.
    pub published: Option<jiff::civil::Date>,
    /// What was guessed, to say when the article is added.
    pub warnings: Vec<String>,
}

/// An article fetched from the web and turned into text, to add
/// ([`ProjectStore::add_read_fetched`]).
#[derive(Debug)]
pub struct ReadFetched {
    /// The article, named after the address's last part.
    pub article: ReadArticle,
    /// The address it was found at, after redirects.
    pub url: String,
    /// When it was fetched.
    pub at: jiff::Timestamp,
}

/// Turns a fetched page or PDF into text, with its title (`title`, else the article's, else
/// its first words) and publication date (`published`, else the one the page gives, said in
/// the warnings, which begin with what was fetched). Touches no project: the app runs it on
/// the fetch's thread, since a long PDF takes a while to read.
pub fn read_fetched(
    fetched: crate::article::web::Fetched,
    title: Option<&str>,
    published: Option<jiff::civil::Date>,
) -> Result<ReadFetched, StoreError> {
    let article =
        crate::article::read_with_charset(fetched.kind, &fetched.bytes, fetched.charset.as_deref())
            .map_err(|source| StoreError::WebArticle {
                source,
                url: fetched.url.clone(),
            })?;
    let mut article = finish_article(article, fetched.file_name, title, published, "the page");
    article.warnings.insert(
        0,
        format!(
            "fetched {} ({}, {})",
            fetched.url,
            if fetched.kind == ArticleKind::Pdf {
                "PDF"
            } else {
                "web page"
            },
            crate::fsguard::size_text(fetched.bytes.len() as u64)
        ),
    );
    Ok(ReadFetched {
        article,
        url: fetched.url,
        at: fetched.at,
    })
}

/// An article read from a file named `file_name`, with its title (`title`, else the
/// article's, else its first words) and publication date (`published`, else the one the
/// article gives, read from `found_in`, which the warnings then say).
fn finish_article(
    article: crate::article::Article,
    file_name: String,
    title: Option<&str>,
    published: Option<jiff::civil::Date>,
    found_in: &str,
) -> ReadArticle {
    let title = title
        .map(str::to_owned)
        .or_else(|| article.title.as_deref().map(shorten_title))
        .unwrap_or_else(|| default_title(&article.text, &file_name));
    let mut warnings = article.warnings;
    let published = match (published, article.published) {
        (Some(given), _) => Some(given),
        (None, Some(found)) => {
            warnings.push(format!(
                "publication date {found} read from {found_in}; due phrases are read against it"
            ));
            Some(found)
        }
        (None, None) => None,
    };
    ReadArticle {
        file_name,
        title,
        text: article.text,
        published,
        warnings,
    }
}

/// Reads an article file (`.txt`, `.md`, `.html`, `.pdf`, `.docx`) within the size limit and
/// turns it into text, with its title (`title`, else the article's, else its first words)
/// and publication date (`published`, else the one the article gives, said in the warnings).
pub fn read_article(
    path: &Path,
    title: Option<&str>,
    published: Option<jiff::civil::Date>,
) -> Result<ReadArticle, StoreError> {
    let article_err = |source: ArticleError| StoreError::Article {
        source,
        path: path.to_path_buf(),
    };
    let kind = ArticleKind::of(path).map_err(article_err)?;
    // Refuses FIFOs and devices by type and reads at most the limit (crate::fsguard).
    let bytes = crate::fsguard::read_limited(path, MAX_ARTICLE_BYTES as u64, "articles")
        .map_err(|err| article_err(ArticleError::Read(err.kind)))?;
    let article = crate::article::read(kind, &bytes).map_err(article_err)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(finish_article(
        article,
        file_name,
        title,
        published,
        "the file's metadata",
    ))
}

/// Where the sample project is: next to the working directory (a checkout) or the crate.
pub fn sample_project() -> Option<PathBuf> {
    [
        PathBuf::from("projects/sotji-talks"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks"),
    ]
    .into_iter()
    .find(|p| p.join(crate::store::PROJECT_FILE).is_file())
}

/// Every file under a folder, in no order (tests).
#[cfg(test)]
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// A copy of the sample project at `root` (tests: a session writes its journal and files).
#[cfg(test)]
pub(crate) fn sample_project_copy(root: &Path) -> PathBuf {
    let src = sample_project().expect("the sample project");
    for file in files_under(&src) {
        let to = root.join(file.strip_prefix(&src).expect("under the project"));
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("the copy's folder");
        std::fs::copy(&file, &to).expect("the copy");
    }
    root.to_path_buf()
}

#[cfg(test)]
mod folder_tests {
    use super::{PendingContent, ProjectStore};
    use std::path::Path;

    /// A save that fails takes back the folder it made for its file, and only that: a
    /// folder that was there already, or that got something else meanwhile, stays.
    #[test]
    fn a_failed_save_takes_back_only_the_folder_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProjectStore::create(dir.path(), "P").unwrap();
        let rel = Path::new("annotations/new-document/anna.ron");
        let folder = dir.path().join("annotations/new-document");
        let pending = store
            .pending(rel, PendingContent::Bytes(Vec::new()))
            .unwrap();
        let made = pending.create_folder().unwrap();
        assert!(folder.is_dir(), "the save made the file's folder");
        made.remove_if_empty();
        assert!(!folder.exists(), "the failed save took its folder back");
        assert!(
            dir.path().join("annotations").is_dir(),
            "the folder above stays"
        );

        let made = pending.create_folder().unwrap();
        std::fs::write(folder.join("erik.ron"), "()").unwrap();
        made.remove_if_empty();
        assert!(
            folder.join("erik.ron").is_file(),
            "what another put there stays"
        );

        let existing = pending.create_folder().unwrap();
        std::fs::remove_file(folder.join("erik.ron")).unwrap();
        existing.remove_if_empty();
        assert!(
            folder.is_dir(),
            "a folder that was there before the save stays"
        );
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::{Fingerprint, Hasher};

    /// A file hashed a piece at a time (as a save reads it back, and as it writes a set in
    /// parts) has the fingerprint of the whole: however it is cut, and whatever it holds.
    #[test]
    fn pieces_hash_as_the_whole() {
        let mut rng = fastrand::Rng::with_seed(5);
        for len in [0usize, 1, 31, 32, 33, 64, 1_000, 70_001] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            let whole = Fingerprint::of(&bytes);
            for _ in 0..20 {
                let mut hasher = Hasher::default();
                let mut rest = &bytes[..];
                while !rest.is_empty() {
                    let n = rng.usize(..=rest.len().min(100));
                    hasher.update(&rest[..n]);
                    rest = &rest[n..];
                }
                assert_eq!(hasher.finish(), whole, "{len} bytes");
            }
        }
        assert_ne!(Fingerprint::of(b"ab"), Fingerprint::of(b"ba"));
        assert_ne!(Fingerprint::of(&[0; 33]), Fingerprint::of(&[0; 32]));
    }
}

#[cfg(test)]
pub(crate) mod partial_tests {
    use super::{PartialSizesForTests, ProjectStore, set_path};
    use crate::model::{Annotation, checked_fragments};

    /// A project with a document whose annotator anna has `n` annotations spread over it
    /// (300 make a file of over 20,000 bytes), and a small second one: the folder and the
    /// first document.
    pub(crate) fn project(n: u32) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let text: String = (0..400).map(|i| format!("ord{i:03} ")).collect();
        let doc = store.add_text("a.txt", "A", text).unwrap();
        let small = store
            .add_text("b.txt", "B", "Putin möter Lukashenko.".to_owned())
            .unwrap();
        let doc_text = store.project.document(&doc).unwrap().text.clone();
        let set = store.project.set_mut(&doc, "anna");
        for i in 0..n {
            let start = (i * 7) % 3_000;
            set.insert(Annotation::new(
                ["Person", "Place"][i as usize % 2],
                checked_fragments(&doc_text, &[(start, start + 6)]).unwrap(),
            ));
        }
        store.save_set(&doc, "anna").unwrap();
        let small_text = store.project.document(&small).unwrap().text.clone();
        store
            .project
            .set_mut(&small, "anna")
            .insert(Annotation::new(
                "Person",
                checked_fragments(&small_text, &[(0, 5)]).unwrap(),
            ));
        store.save_set(&small, "anna").unwrap();
        (dir, doc)
    }

    /// A big annotation file of the document a project opens on is shown from its beginning
    /// at once: its first annotations exactly as the whole file has them, nothing writable.
    /// Read on another thread, on demand or with the rest, it is the whole file; damaged
    /// further on, it is read as a damaged file is, read-only with its problem.
    #[test]
    fn a_big_file_is_shown_from_its_beginning_then_read_whole() {
        let _sizes = PartialSizesForTests::set(20_000, 8_000);
        let (dir, doc) = project(300);
        let root = dir.path();
        let file = root.join(set_path(&doc, "anna"));
        assert!(std::fs::metadata(&file).unwrap().len() > 20_000);
        let (whole, _) = ProjectStore::open(root).unwrap();

        let (mut first, problems) = ProjectStore::open_first(root, Some(&doc)).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(first.is_partly_read(&doc) && !first.is_loaded(&doc));
        let shown = first.project.set(&doc, "anna").unwrap().annotations();
        let all = whole.project.set(&doc, "anna").unwrap().annotations();
        assert!(
            !shown.is_empty() && shown.len() < all.len(),
            "{}",
            shown.len()
        );
        assert_eq!(
            shown,
            all.range(0..shown.len()),
            "the first ones, as read whole"
        );
        assert!(first.write_refusal(&set_path(&doc, "anna")).is_some());
        // A small file is read whole at once.
        let (small, _) = ProjectStore::open_first(root, Some("b")).unwrap();
        assert!(small.is_loaded("b") && !small.is_partly_read("b"));

        let remaining = first.remaining();
        let read = std::thread::spawn(move || remaining.read()).join().unwrap();
        assert!(first.take_remaining(read).is_empty());
        assert!(first.is_complete() && !first.is_partly_read(&doc));
        assert_eq!(first.project, whole.project);
        assert!(first.write_refusal(&set_path(&doc, "anna")).is_none());

        let (mut again, _) = ProjectStore::open_first(root, Some(&doc)).unwrap();
        assert!(again.is_partly_read(&doc));
        assert!(again.load_document(&doc).is_empty());
        assert!(again.is_loaded(&doc) && !again.is_partly_read(&doc));
        assert_eq!(
            again.project.set(&doc, "anna"),
            whole.project.set(&doc, "anna")
        );

        // Cut short at the end: the beginning still shows, and read whole the file is what
        // opening it whole gives (no set, a problem, read-only).
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 12]).unwrap();
        let (mut damaged, problems) = ProjectStore::open_first(root, Some(&doc)).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(damaged.is_partly_read(&doc));
        assert!(!damaged.load_remaining().is_empty(), "its problem");
        let (opened, problems) = ProjectStore::open(root).unwrap();
        assert!(!problems.is_empty());
        assert!(damaged.project.set(&doc, "anna").is_none());
        assert_eq!(damaged.project.sets, opened.project.sets);
        assert!(damaged.write_refusal(&set_path(&doc, "anna")).is_some());
    }
}

#[cfg(test)]
mod written_sets_tests {
    use super::{PathBuf, WrittenSets};
    use crate::store::set_text::WrittenChunks;

    /// The bytes of the sets saved last are kept, the set saved again becoming the most
    /// recent (with what it held), the oldest let go past four, and a set that became small
    /// lets its bytes go.
    #[test]
    fn the_bytes_of_the_last_sets_saved_are_kept() {
        let sets = WrittenSets::default();
        let big = WrittenChunks::WORTH_IT;
        let path = |i: usize| PathBuf::from(format!("annotations/anna/d{i}.ron"));
        let first = sets.for_set(&path(0), big).expect("big enough");
        for i in 1..4 {
            sets.for_set(&path(i), big).unwrap();
        }
        let again = sets.for_set(&path(0), big).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again), "what it held");
        sets.for_set(&path(4), big).unwrap();
        assert_eq!(sets.files(), [2, 3, 0, 4].map(path), "the oldest let go");
        assert!(sets.for_set(&path(3), big - 1).is_none(), "small");
        assert_eq!(sets.files(), [2, 0, 4].map(path));
    }
}
