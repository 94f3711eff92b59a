//! The crash journal: every edit the app makes is appended here, and synced to disk, before it
//! shows; the journal is emptied once the files it changed are saved. After a crash (or a
//! power cut, or `SIGKILL`) within the autosave delay, the next session of the same annotator
//! finds the journal and replays it.
//!
//! ## Implementation notes
//!
//! - One journal per running session, `.lector/journal/<annotator>.<pid>-<random>.jsonl`,
//!   locked (an OS file lock) for as long as the session lives. A journal that nobody holds
//!   belongs to a session that ended without emptying it: a crash, or a save that failed
//!   until the end. Two windows of one annotator keep separate journals, so one emptying its
//!   own never drops the other's.
//! - JSON Lines: one edit per line, written with a single `write` on a file opened for
//!   appending before the edit shows. A line cut short by a crash is the edit that never
//!   showed; reading stops there.
//! - A step of several edits is one line `{"step":N}` before its N lines. A big step (a
//!   review's start: 1.7M lines, 400 MB on a book) is written while it is applied and may
//!   be cut short by a crash before it shows: a step whose N lines are not all there is not
//!   replayed, rather than half of it. Journals without such lines read as before.
//! - Once written, an edit survives the process (a crash, `SIGKILL`): it is in the kernel's
//!   cache. Surviving a power cut takes an `fdatasync`, which costs 0.1 ms on an idle disk and
//!   several ms while the disk is busy (an autosave, a build); so a thread of the journal's
//!   own syncs right after each write, and the window's thread never waits for the disk.
//!   Writes that arrive while it syncs are synced together next. Its errors (a full disk)
//!   come back from the next append.
//! - Annotations, entities, decisions and resolutions are written in the shapes of the project
//!   files (`v1`, `v2`), so the journal reads back through the same checked conversions.
//! - Replaying is by id and idempotent (see [`crate::model::edit`]): a journal left over from
//!   a crash *after* its save reached the disk replays to no change at all.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Seek as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::set_text::TimeCache;
use super::{convert, lock, v1, v2};
use crate::model::edit::Edit;
use crate::model::review::{Choice, Sources};
use crate::model::{Annotation, AnnotationId, DocText, EntityId, Project, RecordKey, Status};

/// A journal this big is emptied by making a new one and removing it on another thread.
const BIG_JOURNAL_BYTES: u64 = 8 << 20;

/// One journal line.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    /// The document the edit was made on.
    document: String,
    /// The edit.
    edit: EditEntry,
}

/// An edit in file shapes.
#[derive(Debug, Serialize, Deserialize)]
enum EditEntry {
    Insert(v1::AnnotationEntry),
    Remove(String),
    Replace(v1::AnnotationEntry),
    SetStatus(v1::Status),
    UpsertEntity(v1::EntityEntry),
    RemoveEntity(String),
    Decide(v1::DecisionEntry),
    Undecide(std::collections::BTreeMap<String, String>),
    Comment(v1::CommentEntry),
    Resolve(v2::ResolutionEntry),
    /// (document, annotator, annotation).
    Unresolve(String, String, String),
    SetVerdict(v2::VerdictEntry),
    /// (document, annotator, annotation).
    ClearVerdict(String, String, String),
    Triage(super::suggested::TriageEntry),
    /// (document, start, end, label).
    Untriage(String, u32, u32, String),
}

/// A session's journal, held (locked) while the session lives.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// The project folder and the annotator, to start the journal that replaces this one.
    root: PathBuf,
    annotator: String,
    /// Whether anything was appended since it was last emptied.
    empty: bool,
    syncer: Syncer,
    /// Journals of this session written before this one took over (see [`Self::retire`]):
    /// removed when this one is emptied or replaced, held until then.
    retired: Vec<Journal>,
}

/// The thread that syncs the journal to disk after each write (see the module's notes).
#[derive(Debug)]
struct Syncer {
    /// A message asks for a sync of everything written so far; closing it ends the thread.
    wake: Option<std::sync::mpsc::Sender<Ask>>,
    /// The last sync's error, for the next append to report.
    failed: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the sync thread is asked.
#[derive(Debug)]
enum Ask {
    /// Sync what was written so far.
    Sync,
    /// That, and the folder (a journal was named again: see [`Journal::adopted`]).
    SyncFolder,
    /// That, then remove the journal this one replaces (see [`Journal::reset`]): only once
    /// what it held is on disk here. Until then it stays, held, so that nobody replays it.
    SyncThenRemove(Box<Journal>),
    /// That, then remove a journal replayed into this one (see
    /// [`Journal::remove_once_synced`]).
    SyncThenRemovePath(PathBuf),
}

impl Syncer {
    fn start(file: File, folder: PathBuf) -> std::io::Result<Self> {
        let (wake, asked) = std::sync::mpsc::channel::<Ask>();
        let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
        let report = std::sync::Arc::clone(&failed);
        let thread = std::thread::Builder::new()
            .name("journal sync".to_owned())
            .spawn(move || {
                // Journals whose edits are here too, removed once a sync of this one (and of
                // the folder, which holds its name) succeeds; kept across failed syncs.
                let mut replaced: Vec<Box<Journal>> = Vec::new();
                let mut replayed: Vec<PathBuf> = Vec::new();
                let mut folder_too = false;
                let sync = |replaced: &mut Vec<Box<Journal>>,
                            replayed: &mut Vec<PathBuf>,
                            folder_too: &mut bool| {
                    let synced = file.sync_data().and_then(|()| {
                        if replaced.is_empty() && replayed.is_empty() && !*folder_too {
                            Ok(())
                        } else {
                            super::atomic::sync_dir(&folder)
                        }
                    });
                    match synced {
                        Ok(()) => {
                            *folder_too = false;
                            replaced.drain(..).for_each(|old| old.remove());
                            for path in replayed.drain(..) {
                                let _ = fs::remove_file(path);
                            }
                        }
                        Err(err) => {
                            if let Ok(mut slot) = report.lock() {
                                *slot = Some(err);
                            }
                        }
                    }
                };
                while let Ok(first) = asked.recv() {
                    // What was asked meanwhile is covered by this one sync.
                    for ask in std::iter::once(first).chain(asked.try_iter()) {
                        match ask {
                            Ask::Sync => {}
                            Ask::SyncFolder => folder_too = true,
                            Ask::SyncThenRemove(old) => replaced.push(old),
                            Ask::SyncThenRemovePath(path) => replayed.push(path),
                        }
                    }
                    sync(&mut replaced, &mut replayed, &mut folder_too);
                }
                // The journal is closing: one last try. What still cannot go stays on disk,
                // for the next start.
                if !replaced.is_empty() || !replayed.is_empty() || folder_too {
                    sync(&mut replaced, &mut replayed, &mut folder_too);
                }
            })?;
        Ok(Self {
            wake: Some(wake),
            failed,
            thread: Some(thread),
        })
    }

    /// Asks for a sync of everything written so far; the error of an earlier sync, if any.
    fn sync_soon(&self) -> std::io::Result<()> {
        self.ask(Ask::Sync)
    }

    /// Sends `ask`, then says the error of an earlier sync, if any: what is asked is never
    /// dropped for an earlier error.
    fn ask(&self, ask: Ask) -> std::io::Result<()> {
        let sent = match &self.wake {
            Some(wake) => wake.send(ask).map_err(|unsent| {
                // No thread to sync: a journal whose edits are in this one goes now rather
                // than stay to be replayed over later work.
                match unsent.0 {
                    Ask::SyncThenRemove(old) => old.remove(),
                    Ask::SyncThenRemovePath(path) => {
                        let _ = fs::remove_file(path);
                    }
                    Ask::Sync | Ask::SyncFolder => {}
                }
            }),
            None => Err(()),
        };
        if let Some(err) = self.failed.lock().ok().and_then(|mut slot| slot.take()) {
            return Err(err);
        }
        sent.map_err(|()| std::io::Error::other("the journal's sync thread has stopped"))
    }
}

impl Drop for Syncer {
    /// Finishes the sync under way, so that the journal's lock goes with the journal.
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Steps with at least this many edits are written out on several threads.
const PARALLEL_EDITS: usize = 4096;

/// Writes `parts` one after the other with as few system calls as the kernel allows: one
/// `writev` of all of them, then whatever it did not take.
fn write_all_parts(file: &mut File, parts: &[Vec<u8>]) -> std::io::Result<()> {
    let slices: Vec<std::io::IoSlice<'_>> =
        parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let mut written = loop {
        match file.write_vectored(&slices) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    for part in parts {
        if written >= part.len() {
            written -= part.len();
            continue;
        }
        file.write_all(&part[written..])?;
        written = 0;
    }
    Ok(())
}

/// A step's edits being appended to a journal on another thread.
#[derive(Debug)]
pub enum Background {
    /// The thread, which gives the journal back with the length it had before, or the error.
    Running(std::thread::JoinHandle<(Journal, std::io::Result<u64>)>),
    /// No thread could be started: the journal went with it.
    Failed(std::io::Error),
}

impl Background {
    /// Waits until the edits are written: the journal back, and whether they were.
    pub fn finish(self) -> (Option<Journal>, std::io::Result<()>) {
        let (journal, appended) = self.join();
        (journal, appended.map(|_| ()))
    }

    /// Takes the edits out of the journal again (the step they belong to was refused).
    pub fn cancel(self) -> (Option<Journal>, std::io::Result<()>) {
        match self.join() {
            (Some(mut journal), Ok(before)) => {
                // Taken out on disk too, lest a power cut bring the refused step back.
                let truncated = journal
                    .file
                    .set_len(before)
                    .and_then(|()| journal.syncer.sync_soon());
                journal.empty = before == 0;
                (Some(journal), truncated)
            }
            (journal, Err(err)) => (journal, Err(err)),
            (None, Ok(_)) => (None, Ok(())),
        }
    }

    fn join(self) -> (Option<Journal>, std::io::Result<u64>) {
        match self {
            Self::Running(thread) => match thread.join() {
                Ok((journal, appended)) => (Some(journal), appended),
                Err(_) => (
                    None,
                    Err(std::io::Error::other("writing the journal failed")),
                ),
            },
            Self::Failed(err) => (None, Err(err)),
        }
    }
}

/// The number in the name of the next journal this process makes: from a random start, one
/// more each time, so that of two journals one process left (one replacing the other, see
/// [`Journal::reset`]) the later sorts last by name, as [`orphans`] replays them when their
/// times are the same.
fn next_number() -> u64 {
    static NEXT: std::sync::OnceLock<std::sync::atomic::AtomicU64> = std::sync::OnceLock::new();
    NEXT.get_or_init(|| {
        // Forty bits: twelve hex digits, never reached by counting on.
        std::sync::atomic::AtomicU64::new(crate::model::annotation::random_u64() >> 24)
    })
    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The extension of a staged journal (see [`Journal::create_staged`]).
const STAGED: &str = "jsonl.staged";

/// Where the journals of a project live.
fn journal_dir(root: &Path) -> PathBuf {
    root.join(lock::LOCAL_DIR).join("journal")
}

impl Journal {
    /// Starts a journal for a session of `annotator`.
    pub fn create(root: &Path, annotator: &str) -> std::io::Result<Self> {
        Self::create_named(root, annotator, "jsonl")
    }

    /// A journal for a step applied on another thread ([`crate::session::Stage`]), named as
    /// staged (`….jsonl.staged`) until [`Self::adopted`]: no session replays it before, and
    /// one nobody holds (its step was never taken in) is removed by [`orphans`].
    pub fn create_staged(root: &Path, annotator: &str) -> std::io::Result<Self> {
        Self::create_named(root, annotator, STAGED)
    }

    /// Writes what was appended to the disk now, on the caller's thread: a staged step's
    /// job does, so that the window's thread adopting it does not wait for the disk (a
    /// rename waited 70 ms for a book's step to be written out).
    pub fn sync_now(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    /// Marks it written now: journals are replayed after a crash in the order of their last
    /// writes, and one that takes another over comes after it.
    pub fn touch(&self) {
        let _ = self.file.set_modified(std::time::SystemTime::now());
    }

    /// Its step was taken in: named as a journal to replay, and the folder synced soon.
    pub fn adopted(&mut self) -> std::io::Result<()> {
        let path = journal_dir(&self.root).join(
            self.path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".staged"))
                .unwrap_or_default(),
        );
        if path == journal_dir(&self.root) || path == self.path {
            return Ok(());
        }
        fs::rename(&self.path, &path)?;
        self.path = path;
        self.syncer.ask(Ask::SyncFolder)
    }

    fn create_named(root: &Path, annotator: &str, extension: &str) -> std::io::Result<Self> {
        lock::ensure_local_dir(root)?;
        let dir = journal_dir(root);
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{annotator}.{}-{:012x}.{extension}",
            std::process::id(),
            next_number()
        ));
        // Made and locked under a name that is no journal's, then named: another window
        // looking for journals nobody holds never sees it unlocked.
        let mut making = path.clone().into_os_string();
        making.push(".new");
        // Written at its end (each append seeks there; one writer, under the lock), but not
        // opened for appending: Windows refuses to lock, and to cut back, a file opened so.
        let file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(&making)?;
        let started = file
            .lock()
            .and_then(|()| file.try_clone())
            .and_then(|clone| Syncer::start(clone, dir.clone()));
        let syncer = match started.and_then(|syncer| fs::rename(&making, &path).map(|()| syncer)) {
            Ok(syncer) => syncer,
            Err(err) => {
                let _ = fs::remove_file(&making);
                return Err(err);
            }
        };
        Ok(Self {
            file,
            path,
            root: root.to_path_buf(),
            annotator: annotator.to_owned(),
            empty: true,
            syncer,
            retired: Vec::new(),
        })
    }

    /// Takes over from `older`, a journal of the same session whose edits came before this
    /// one's (a big step written to a journal of its own on another thread, then taken in
    /// after them). Both stay until everything is saved, when [`Self::reset`] removes it
    /// with this one's content. A crash before leaves both: replayed oldest first, as their
    /// last writes order them (edits of the older one written after this one's first are
    /// of other files, or the step would not have been taken in).
    pub fn retire(&mut self, older: Journal) {
        self.retired.push(older);
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends edits made on `document`, and has them synced to disk right after.
    pub fn append(
        &mut self,
        text: &DocText,
        document: &str,
        edits: &[Edit],
    ) -> std::io::Result<()> {
        // A review start journals 171k edits (35 MB): written out on every core, in order.
        self.append_on(text, document, edits, Self::threads(), true)
    }

    /// Every core, up to four.
    fn threads() -> usize {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4)
    }

    /// [`Self::append`] with the lines written out on `threads` threads; `step`: as one step
    /// (a line before them says how many), else as edits each on its own.
    fn append_on(
        &mut self,
        text: &DocText,
        document: &str,
        edits: &[Edit],
        threads: usize,
        step: bool,
    ) -> std::io::Result<()> {
        if edits.is_empty() {
            return Ok(());
        }
        let lines = |part: &[Edit]| lines(text, document, part);
        let parts: Vec<Vec<u8>> = if edits.len() >= PARALLEL_EDITS && threads > 1 {
            let chunk = edits.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = edits
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || lines(part)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(std::io::Error::other("writing the journal failed"))
                        })
                    })
                    .collect::<std::io::Result<_>>()
            })?
        } else {
            vec![lines(edits)?]
        };
        let parts: Vec<Vec<u8>> = (step && edits.len() > 1)
            .then(|| step_line(edits.len()))
            .into_iter()
            .chain(parts)
            .collect();
        // One write (of the parts in order): a crash leaves whole lines, or a torn last one
        // that reading skips, or a step cut short that reading leaves out. A write that fails
        // part way (a full disk) is taken out again, so that later edits follow whole lines.
        // At the end (the file is not opened for appending: see `create`).
        let before = self.file.seek(std::io::SeekFrom::End(0))?;
        if let Err(err) = write_all_parts(&mut self.file, &parts) {
            self.file.set_len(before)?;
            let _ = self.syncer.sync_soon();
            return Err(err);
        }
        self.empty = false;
        self.syncer.sync_soon()
    }

    /// Appends a big step's edits on another thread while the caller applies them (a review's
    /// start: 171k lines, 30 MB, as long as applying it). [`Background::finish`] waits for them
    /// to be written, before the step shows; [`Background::cancel`], when the step is refused,
    /// takes them out again.
    pub fn append_in_background(
        mut self,
        text: DocText,
        document: String,
        edits: Vec<Edit>,
    ) -> Background {
        let before = self.file.metadata().map(|m| m.len());
        let thread = std::thread::Builder::new()
            .name("journal append".to_owned())
            .spawn(move || {
                // One core less than there are: the caller applies the step meanwhile.
                let threads = std::thread::available_parallelism()
                    .map_or(1, std::num::NonZero::get)
                    .clamp(2, 4)
                    - 1;
                let appended = before.and_then(|before| {
                    self.append_on(&text, &document, &edits, threads, true)
                        .map(|()| before)
                });
                (self, appended)
            });
        match thread {
            Ok(thread) => Background::Running(thread),
            Err(err) => Background::Failed(err),
        }
    }

    /// Replaces the journal's content with these edits (none: empties it), once the others
    /// are saved.
    ///
    /// With edits left (made while a save ran, or of a file whose save failed), they are
    /// written to a new journal, synced, and only then is this one removed: a crash or a full
    /// disk at any moment leaves them in one journal or the other (or both, and replaying is
    /// idempotent). Emptying this one first, then writing them back, lost them to a crash in
    /// between, or to a disk that filled meanwhile.
    pub fn reset(
        &mut self,
        project: &Project,
        remaining: &[(String, Edit)],
    ) -> std::io::Result<()> {
        if remaining.is_empty() {
            // Everything in it is saved, and in those it took over from.
            // Each asked for before an earlier sync's error is said: none is left unheld.
            let asked: Vec<std::io::Result<()>> = std::mem::take(&mut self.retired)
                .into_iter()
                .map(|older| self.syncer.ask(Ask::SyncThenRemove(Box::new(older))))
                .collect();
            asked.into_iter().collect::<std::io::Result<()>>()?;
            if self.empty {
                return Ok(());
            }
            // A big one (a review's start on a book: a gigabyte) is handed to a new journal's
            // thread to remove: truncating it here held the window 75-95 ms.
            let big = self
                .file
                .metadata()
                .is_ok_and(|m| m.len() >= BIG_JOURNAL_BYTES);
            if big && let Ok(fresh) = Journal::create(&self.root, &self.annotator) {
                let old = std::mem::replace(self, fresh);
                return self.syncer.ask(Ask::SyncThenRemove(Box::new(old)));
            }
            self.file.set_len(0)?;
            self.empty = true;
            return self.syncer.sync_soon();
        }
        let mut fresh = Journal::create(&self.root, &self.annotator)?;
        if let Err(err) = fresh.write_remaining(project, remaining) {
            fresh.remove();
            return Err(err);
        }
        let old = std::mem::replace(self, fresh);
        // The new journal's thread removes the old one (and those it took over from) once
        // the edits are synced here: the window never waits for the disk.
        self.syncer.ask(Ask::SyncThenRemove(Box::new(old)))
    }

    /// [`Self::reset`]'s writing of the edits left.
    fn write_remaining(
        &mut self,
        project: &Project,
        remaining: &[(String, Edit)],
    ) -> std::io::Result<()> {
        // A run of one document's edits is written at once: a review started while a save
        // was running leaves 171k of them, which one write each kept the window waiting.
        for run in remaining.chunk_by(|a, b| a.0 == b.0) {
            let Some((document, _)) = run.first() else {
                continue;
            };
            if let Some(doc) = project.document(document) {
                let edits: Vec<Edit> = run.iter().map(|(_, edit)| edit.clone()).collect();
                // Edits of steps that showed long ago, each whole: not one step.
                self.append_on(&doc.text, document, &edits, Self::threads(), false)?;
            }
        }
        Ok(())
    }

    /// Removes a journal that was replayed into this one (left by a crash) once this one is
    /// on disk: until then it is the only copy of those edits a power cut leaves.
    pub fn remove_once_synced(&self, replayed: &Path) {
        // An error of an earlier sync is said by the next append.
        let _ = self
            .syncer
            .ask(Ask::SyncThenRemovePath(replayed.to_path_buf()));
    }

    /// Removes the journal (and those it took over from), when the session ends with
    /// everything saved.
    pub fn remove(self) {
        for older in self.retired {
            older.remove();
        }
        let _ = fs::remove_file(&self.path);
    }
}

/// The journals of `annotator` that no running session holds: left by a crash.
pub fn orphans(root: &Path, annotator: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(journal_dir(root)) else {
        return Vec::new();
    };
    let prefix = format!("{annotator}.");
    // A journal being made (see [`Journal::create`]) that nobody holds long after: its
    // maker stopped between making and naming it (then it is empty), or its name was lost.
    let mut renamed = false;
    let entries: Vec<fs::DirEntry> = entries.flatten().collect();
    for entry in &entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.contains(STAGED) {
            // A step applied on another thread that no session took in (it closed first,
            // or crashed): it never showed, so it is not replayed.
            if unheld(&entry.path()) {
                let _ = fs::remove_file(entry.path());
            }
            continue;
        }
        if !(name.starts_with(&prefix) && name.ends_with(".jsonl.new")) {
            continue;
        }
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let stale = metadata
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        let path = entry.path();
        if !stale || !unheld(&path) {
            continue;
        }
        if metadata.len() > 0 {
            // Written to: its name was lost (a power cut after it was named), its edits
            // not. Named again, it is a journal to replay.
            renamed |= fs::rename(&path, path.with_extension("")).is_ok();
        } else {
            let _ = fs::remove_file(path);
        }
    }
    // Read again if a journal was named again, to have it among them.
    let entries = if renamed {
        match fs::read_dir(journal_dir(root)) {
            Ok(entries) => entries.flatten().collect(),
            Err(_) => return Vec::new(),
        }
    } else {
        entries
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .into_iter()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            // "anna." must not take "anna.b"'s journals: the rest is `<pid>-<random>`, without
            // dots.
            let ours = name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".jsonl"))
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'));
            ours && e.file_type().is_ok_and(|t| t.is_file())
        })
        .filter(|e| unheld(&e.path()))
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, e.path())
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, path)| path).collect()
}

/// The documents a journal has edits of, without reading the edits (a review's start is
/// 171k lines): each line begins with its document.
pub fn documents_of(path: &Path) -> std::collections::BTreeSet<String> {
    let mut documents = std::collections::BTreeSet::new();
    let Ok(bytes) = fs::read(path) else {
        return documents;
    };
    let (lines, whole) = split_lines(&bytes);
    let left_out = left_out(&lines, whole);
    for line in lines
        .iter()
        .zip(&left_out)
        .filter_map(|(line, out)| line.filter(|_| !*out))
    {
        let Some(rest) = line.strip_prefix("{\"document\":") else {
            continue;
        };
        let Some(end) = rest.find(",\"edit\":") else {
            continue;
        };
        if let Ok(document) = serde_json::from_str::<String>(&rest[..end])
            && !documents.contains(&document)
        {
            documents.insert(document);
        }
    }
    documents
}

/// Whether no session holds this journal.
fn unheld(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => true,
        Err(TryLockError::WouldBlock | TryLockError::Error(_)) => false,
    }
}

/// Reads a journal: the edits in the order they were made, by document, and a message for
/// each line that cannot be read (a torn last line is expected after a crash and not
/// reported).
pub fn read(path: &Path, project: &Project) -> (Vec<(String, Edit)>, Vec<String>) {
    let read = read_lines(path, project);
    let edits = read.edits.into_iter().map(|(_, d, e)| (d, e)).collect();
    (edits, read.problems)
}

/// A journal read by [`read_lines`].
#[derive(Debug, Default)]
pub struct JournalLines {
    /// Each edit with its line's index (from 0) and its document.
    pub edits: Vec<(usize, String, Edit)>,
    /// The step each edit of `edits` was made in, numbered from 1 in the journal's order:
    /// the edits of one step have the same number.
    pub steps: Vec<usize>,
    /// What could not be read, by file and line.
    pub problems: Vec<String>,
    /// The indexes of lines that could not be read against the project as it is now, of a
    /// document it still has (its text missing or cut short at this start, say): worth
    /// keeping for another start.
    pub unreadable: Vec<usize>,
}

/// The edits of a journal with the line each is on (see [`read`]).
pub fn read_lines(path: &Path, project: &Project) -> JournalLines {
    let mut read = JournalLines::default();
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            read.problems
                .push(format!("{}: cannot read: {err}", path.display()));
            return read;
        }
    };
    let (lines, whole) = split_lines(&bytes);
    let left_out = left_out(&lines, whole);
    let last = lines.len();
    // The step at hand, and how many of its lines are still to come.
    let (mut step, mut in_step) = (0, 0);
    for (i, line) in lines.into_iter().enumerate() {
        if let Some(n) = line.and_then(step_of) {
            (step, in_step) = (step + 1, n);
            continue;
        }
        if in_step > 0 {
            in_step -= 1;
        } else {
            step += 1;
        }
        if left_out[i] {
            continue;
        }
        let parsed = line
            .ok_or_else(|| "not UTF-8".to_owned())
            .and_then(|l| serde_json::from_str::<Line>(l).map_err(|e| e.to_string()));
        let line = match parsed {
            Ok(line) => line,
            // Cut short by a crash (no end of line): the edit never showed.
            Err(_) if i + 1 == last && !whole => break,
            Err(err) => {
                read.problems
                    .push(format!("{}:{}: {err}", path.display(), i + 1));
                continue;
            }
        };
        let known = project.document(&line.document).is_some();
        match from_entry(project, &line.document, line.edit) {
            Ok(edit) => {
                read.edits.push((i, line.document, edit));
                read.steps.push(step);
            }
            Err(err) => {
                read.problems
                    .push(format!("{}:{}: {err}", path.display(), i + 1));
                if known {
                    read.unreadable.push(i);
                }
            }
        }
    }
    read
}

/// Rewrites a journal no session holds with only these of its lines (indexes from 0), in
/// their order, atomically: what recovery could not replay yet, and nothing it did.
pub fn keep_lines(path: &Path, keep: &std::collections::BTreeSet<usize>) -> std::io::Result<()> {
    let text = fs::read(path)?;
    let mut kept = Vec::new();
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if keep.contains(&i) {
            kept.extend_from_slice(line);
            if !line.ends_with(b"\n") {
                kept.push(b'\n');
            }
        }
    }
    super::atomic::write_atomic(path, &kept)
}

/// A journal's lines (`None` where not UTF-8, as a line cut inside a character is), and
/// whether the last one is whole (the file ends with an end of line).
fn split_lines(bytes: &[u8]) -> (Vec<Option<&str>>, bool) {
    let whole = bytes.last().is_none_or(|&b| b == b'\n');
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines = if body.is_empty() && whole {
        Vec::new()
    } else {
        body.split(|&b| b == b'\n')
            .map(|l| std::str::from_utf8(l).ok())
            .collect()
    };
    (lines, whole)
}

/// Which lines (given as text, `None` where unreadable) reading leaves out: the lines that
/// begin steps, and every line of a step whose lines are not all there (the file ends, or
/// another step begins, before its N lines) or whose last line is the file's last and cut
/// short (`whole` false: no end of line after it). Such a step never showed: it was cut
/// short by a crash, or by a write that failed (which [`Journal::append_on`] takes out
/// again, unless even that fails).
fn left_out(lines: &[Option<&str>], whole: bool) -> Vec<bool> {
    let step = |i: usize| lines.get(i).copied().flatten().and_then(step_of);
    let mut out = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let Some(n) = step(i) else {
            i += 1;
            continue;
        };
        out[i] = true;
        // Its lines: up to n, ending early where another step begins.
        let mut end = i + 1;
        while end < lines.len() && end - i <= n && step(end).is_none() {
            end += 1;
        }
        let there = end - i - 1;
        let torn = end == lines.len() && there > 0 && !whole;
        if there < n || torn {
            out[i..end].iter_mut().for_each(|o| *o = true);
        }
        i = end;
    }
    out
}

/// The line before a step's `n` edit lines.
fn step_line(n: usize) -> Vec<u8> {
    format!("{{\"step\":{n}}}\n").into_bytes()
}

/// The number of edits of a step, if `line` is the line that begins one.
fn step_of(line: &str) -> Option<usize> {
    line.strip_prefix("{\"step\":")?
        .strip_suffix('}')?
        .parse()
        .ok()
}

/// The journal lines of `edits`, as serde_json writes each [`Line`].
fn lines(text: &DocText, document: &str, edits: &[Edit]) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(edits.len() * 200);
    let mut times = TimeCache::default();
    // What every line begins with.
    let mut head = b"{\"document\":".to_vec();
    push_json_str(&mut head, document);
    head.extend_from_slice(b",\"edit\":{\"");
    for edit in edits {
        if !push_line(&mut bytes, text, &head, edit, &mut times) {
            let line = Line {
                document: document.to_owned(),
                edit: to_entry(text, edit),
            };
            serde_json::to_writer(&mut bytes, &line).map_err(std::io::Error::other)?;
            bytes.push(b'\n');
        }
    }
    Ok(bytes)
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings (ids, labels, names) need no escape: checked without branching per byte.
    let escapes = bytes.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !escapes {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut plain_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0A => b"\\n",
            0x0C => b"\\f",
            0x0D => b"\\r",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain_from..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(short);
        }
        plain_from = i + 1;
    }
    out.extend_from_slice(&bytes[plain_from..]);
    out.push(b'"');
}

/// Appends a number as JSON.
fn push_u32(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends a time as a JSON string: RFC 3339 has nothing to escape.
fn push_time(out: &mut Vec<u8>, times: &mut TimeCache, t: jiff::Timestamp) {
    out.push(b'"');
    out.extend_from_slice(times.get(t).as_bytes());
    out.push(b'"');
}

/// Appends an annotation as serde_json writes its journal entry.
fn push_annotation(out: &mut Vec<u8>, a: &Annotation, text: &DocText, times: &mut TimeCache) {
    out.extend_from_slice(b"{\"id\":");
    push_json_str(out, &a.id.0);
    out.extend_from_slice(b",\"label\":");
    push_json_str(out, &a.label);
    out.extend_from_slice(b",\"fragments\":[");
    for (i, f) in a.fragments.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        push_u32(out, f.start.0);
        out.push(b',');
        push_u32(out, f.end.0);
        out.push(b',');
        push_json_str(out, text.slice(f.start, f.end).unwrap_or(""));
        out.push(b']');
    }
    out.push(b']');
    if let Some(entity) = &a.entity {
        out.extend_from_slice(b",\"entity\":");
        push_json_str(out, &entity.0);
    }
    if !a.attributes.is_empty() {
        out.extend_from_slice(b",\"attributes\":{");
        for (i, (name, value)) in a.attributes.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_json_str(out, name);
            out.push(b':');
            // Rare enough for serde (and its float formatting).
            if serde_json::to_writer(&mut *out, &convert::value_to_file(value)).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.push(b'}');
    }
    if !a.note.is_empty() {
        out.extend_from_slice(b",\"note\":");
        push_json_str(out, &a.note);
    }
    out.extend_from_slice(b",\"created\":");
    push_time(out, times, a.created);
    out.extend_from_slice(b",\"modified\":");
    push_time(out, times, a.modified);
    out.push(b'}');
}

/// Appends decision sources as serde_json writes their map.
fn push_sources(out: &mut Vec<u8>, sources: &Sources) {
    out.push(b'{');
    for (i, (annotator, id)) in sources.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, annotator);
        out.push(b':');
        push_json_str(out, &id.0);
    }
    out.push(b'}');
}

/// Appends the journal line of `edit`, byte for byte what serde_json writes for its [`Line`]
/// (a test compares them), without building the entry: a review's start journals 171k
/// edits. `head` is the line's beginning up to the edit's kind, the same for all. `false`
/// for the rare kinds left to serde.
fn push_line(
    out: &mut Vec<u8>,
    text: &DocText,
    head: &[u8],
    edit: &Edit,
    times: &mut TimeCache,
) -> bool {
    let kind: &[u8] = match edit {
        Edit::Insert(_) => b"Insert",
        Edit::Replace(_) => b"Replace",
        Edit::Remove(_) => b"Remove",
        Edit::SetStatus(_) => b"SetStatus",
        Edit::Decide(_) => b"Decide",
        Edit::Undecide(_) => b"Undecide",
        _ => return false,
    };
    out.extend_from_slice(head);
    out.extend_from_slice(kind);
    out.extend_from_slice(b"\":");
    match edit {
        Edit::Insert(a) | Edit::Replace(a) => push_annotation(out, a, text, times),
        Edit::Remove(id) => push_json_str(out, &id.0),
        Edit::SetStatus(status) => {
            let name = match status {
                Status::NotStarted => "NotStarted",
                Status::InProgress => "InProgress",
                Status::Done => "Done",
            };
            push_json_str(out, name);
        }
        Edit::Decide(d) => {
            out.extend_from_slice(b"{\"sources\":");
            push_sources(out, &d.sources);
            out.extend_from_slice(b",\"span\":[");
            push_u32(out, d.start.0);
            out.push(b',');
            push_u32(out, d.end.0);
            out.extend_from_slice(b"],\"kind\":");
            push_json_str(out, &d.kind);
            out.extend_from_slice(b",\"choice\":");
            match &d.choice {
                Choice::Agreed => push_json_str(out, "Agreed"),
                Choice::All => push_json_str(out, "All"),
                Choice::Neither => push_json_str(out, "Neither"),
                Choice::Edited => push_json_str(out, "Edited"),
                Choice::Take(annotator) => {
                    out.extend_from_slice(b"{\"Take\":");
                    push_json_str(out, annotator);
                    out.push(b'}');
                }
            }
            out.extend_from_slice(b",\"result\":[");
            for (i, id) in d.result.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_json_str(out, &id.0);
            }
            out.push(b']');
            if !d.note.is_empty() {
                out.extend_from_slice(b",\"note\":");
                push_json_str(out, &d.note);
            }
            out.extend_from_slice(b",\"at\":");
            push_time(out, times, d.at);
            out.push(b'}');
        }
        Edit::Undecide(sources) => push_sources(out, sources),
        _ => {}
    }
    out.extend_from_slice(b"}}\n");
    true
}

/// An edit in the journal's file shapes. Annotations go without the context the project
/// files keep for people and re-anchoring: the journal replays on the same text.
fn to_entry(text: &DocText, edit: &Edit) -> EditEntry {
    let annotation = |a| v1::AnnotationEntry {
        before: String::new(),
        after: String::new(),
        ..convert::annotation_to_entry(a, text)
    };
    match edit {
        Edit::Insert(a) => EditEntry::Insert(annotation(a)),
        Edit::Remove(id) => EditEntry::Remove(id.0.to_string()),
        Edit::Replace(a) => EditEntry::Replace(annotation(a)),
        Edit::SetStatus(s) => EditEntry::SetStatus(convert::status_to_file(*s)),
        Edit::UpsertEntity(e) => EditEntry::UpsertEntity(convert::entity_to_entry(e)),
        Edit::RemoveEntity(id) => EditEntry::RemoveEntity(id.0.clone()),
        Edit::Decide(d) => EditEntry::Decide(convert::decision_to_entry(d)),
        Edit::Undecide(sources) => EditEntry::Undecide(
            sources
                .iter()
                .map(|(a, id)| (a.to_owned(), id.0.to_string()))
                .collect(),
        ),
        Edit::Comment(c) => EditEntry::Comment(convert::comment_to_entry(c)),
        Edit::Resolve(r) => EditEntry::Resolve(convert::resolution_to_entry(r)),
        Edit::Unresolve(k) => EditEntry::Unresolve(
            k.document.clone(),
            k.annotator.clone(),
            k.annotation.0.to_string(),
        ),
        Edit::SetVerdict(r) => EditEntry::SetVerdict(convert::verdict_to_entry(r)),
        Edit::ClearVerdict(k) => EditEntry::ClearVerdict(
            k.document.clone(),
            k.annotator.clone(),
            k.annotation.0.to_string(),
        ),
        Edit::Triage(r) => EditEntry::Triage(super::suggested::triage_to_entry(r)),
        Edit::Untriage(k) => {
            EditEntry::Untriage(k.document.clone(), k.start, k.end, k.label.clone())
        }
    }
}

fn from_entry(project: &Project, document: &str, entry: EditEntry) -> Result<Edit, String> {
    let annotation = |entry: v1::AnnotationEntry| {
        let text = &project
            .document(document)
            .ok_or_else(|| format!("there is no document {document:?} any more"))?
            .text;
        let mut problems = Vec::new();
        let annotation = convert::annotation_from_entry(entry, text, &mut problems);
        match (annotation, problems.is_empty()) {
            (Some(a), true) => Ok(a),
            _ => Err(problems.join("; ")),
        }
    };
    Ok(match entry {
        EditEntry::Insert(a) => Edit::insert(annotation(a)?),
        EditEntry::Remove(id) => Edit::Remove(AnnotationId::from(id)),
        EditEntry::Replace(a) => Edit::replace(annotation(a)?),
        EditEntry::SetStatus(s) => Edit::SetStatus(convert::status_from_file(s)),
        EditEntry::UpsertEntity(e) => Edit::UpsertEntity(Box::new(convert::entity_from_entry(e))),
        EditEntry::RemoveEntity(id) => Edit::RemoveEntity(EntityId(id)),
        EditEntry::Decide(d) => Edit::decide(convert::decision_from_entry(d)?),
        EditEntry::Undecide(sources) => Edit::Undecide(
            sources
                .into_iter()
                .map(|(a, id)| (a, AnnotationId::from(id)))
                .collect(),
        ),
        EditEntry::Comment(c) => Edit::Comment(Box::new(convert::comment_from_entry(c)?)),
        EditEntry::Resolve(r) => Edit::Resolve(Box::new(convert::resolution_from_entry(r)?)),
        EditEntry::Unresolve(d, a, id) => {
            Edit::Unresolve(Box::new(RecordKey::new(d, a, AnnotationId::from(id))))
        }
        EditEntry::SetVerdict(r) => Edit::SetVerdict(Box::new(convert::verdict_from_entry(r)?)),
        EditEntry::ClearVerdict(d, a, id) => {
            Edit::ClearVerdict(Box::new(RecordKey::new(d, a, AnnotationId::from(id))))
        }
        EditEntry::Triage(r) => Edit::Triage(Box::new(super::suggested::triage_from_entry(r)?)),
        EditEntry::Untriage(document, start, end, label) => {
            Edit::Untriage(Box::new(crate::model::suggested::TriageKey {
                document,
                start,
                end,
                label,
            }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, checked_fragments};
    use crate::store::ProjectStore;

    /// The lines written without serde are byte for byte those serde writes, for every kind
    /// of edit and every string that needs an escape.
    #[test]
    fn the_lines_are_those_serde_writes() {
        use crate::model::review::{Choice, Decision, Sources};
        use crate::store::set_text::tests::{random_set, text};
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(11), &text, 400);
        let odd =
            "bell \u{7} nul \u{0} esc \u{1b} ff \u{c} bs \u{8} \r\n \"q\" \\ \u{7f} \u{2028} 👍🏽";
        let mut edits = Vec::new();
        for (i, a) in set.annotations().iter().enumerate() {
            let mut a = (**a).clone();
            if i % 7 == 0 {
                a.note = odd.to_owned();
                a.label = odd.into();
            }
            edits.push(if i % 2 == 0 {
                Edit::insert(a)
            } else {
                Edit::replace(a)
            });
        }
        let choices = [
            Choice::Agreed,
            Choice::Take(odd.to_owned()),
            Choice::All,
            Choice::Neither,
            Choice::Edited,
        ];
        for (i, choice) in choices.into_iter().enumerate() {
            let sources: Sources = [("anna", AnnotationId::from("a1")), (odd, "e\"2".into())]
                .into_iter()
                .take(i % 2 + 1)
                .collect();
            edits.push(Edit::decide(Decision {
                sources: sources.clone(),
                start: crate::model::CharOffset(i as u32),
                end: crate::model::CharOffset(40_000 + i as u32),
                kind: ["label differs", odd][i % 2].to_owned(),
                choice,
                result: (0..i)
                    .map(|k| AnnotationId::from(format!("r{k}")))
                    .collect(),
                note: ["", odd][i % 2].to_owned(),
                at: jiff::Timestamp::from_second(1_800_000_000 + i as i64).unwrap(),
            }));
            edits.push(Edit::Undecide(sources));
        }
        edits.push(Edit::Remove(AnnotationId::from(odd)));
        for status in [Status::NotStarted, Status::InProgress, Status::Done] {
            edits.push(Edit::SetStatus(status));
        }
        // Kinds left to serde, among the others.
        edits.push(Edit::RemoveEntity(EntityId("putin".into())));
        let document = "doc \"1\"\n";
        let ours = lines(&text, document, &edits).unwrap();
        let mut serde = Vec::new();
        for edit in &edits {
            let line = Line {
                document: document.to_owned(),
                edit: to_entry(&text, edit),
            };
            serde_json::to_writer(&mut serde, &line).unwrap();
            serde.push(b'\n');
        }
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(serde).unwrap()
        );
    }

    /// Resetting to the edits a save left keeps exactly those, in order, across documents:
    /// the same lines as appending them one by one.
    #[test]
    fn a_reset_keeps_the_remaining_edits_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let a = store
            .add_text("a.txt", "A", "Putin möter Lukashenko i Sotji.".to_owned())
            .unwrap();
        let b = store
            .add_text("b.txt", "B", "Det är troligt.".to_owned())
            .unwrap();
        let insert = |doc: &str, start: u32| {
            let text = &store.project.document(doc).unwrap().text;
            Edit::insert(Annotation::new(
                "Person",
                checked_fragments(text, &[(start, start + 3)]).unwrap(),
            ))
        };
        let remaining: Vec<(String, Edit)> = [(&a, 0), (&a, 6), (&b, 0), (&a, 12), (&b, 4)]
            .into_iter()
            .map(|(doc, start)| (doc.clone(), insert(doc, start)))
            .collect();
        let mut journal = Journal::create(dir.path(), "anna").unwrap();
        journal
            .append(
                &store.project.document(&a).unwrap().text,
                &a,
                &[insert(&a, 20)],
            )
            .unwrap();
        let before = journal.path().to_path_buf();
        journal.reset(&store.project, &remaining).unwrap();
        // Written to a new journal; the old one goes once they are synced there, on the new
        // journal's sync thread, held until then.
        assert_ne!(journal.path(), before);
        assert!(orphans(dir.path(), "anna").is_empty(), "both are held");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while before.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the journal replaced stays"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(fs::read_dir(before.parent().unwrap()).unwrap().count(), 1);
        assert!(
            orphans(dir.path(), "anna").is_empty(),
            "the new one is held"
        );
        let (read_back, problems) = read(journal.path(), &store.project);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            read_back == remaining,
            "the remaining edits, in order, and nothing else"
        );
        let mut one_by_one = Vec::new();
        for (doc, edit) in &remaining {
            let text = &store.project.document(doc).unwrap().text;
            one_by_one.extend(lines(text, doc, std::slice::from_ref(edit)).unwrap());
        }
        assert_eq!(std::fs::read(journal.path()).unwrap(), one_by_one);
        // Nothing left: the same journal, emptied.
        let kept = journal.path().to_path_buf();
        journal.reset(&store.project, &[]).unwrap();
        assert_eq!(journal.path(), kept);
        assert_eq!(fs::metadata(&kept).unwrap().len(), 0);
    }

    /// Two journals one process left with the same time (one replaced the other, and the
    /// process was killed before the old one went) are replayed in the order they were made.
    #[test]
    fn journals_of_one_process_replay_in_the_order_they_were_made() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..5)
            .map(|_| Journal::create(dir.path(), "anna").unwrap())
            .map(|journal| journal.path().to_path_buf())
            .collect();
        let now = std::time::SystemTime::now();
        for path in &paths {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(now)
                .unwrap();
        }
        assert_eq!(orphans(dir.path(), "anna"), paths);
    }

    /// A journal being made is never an orphan; one left half made (its maker stopped before
    /// naming it) goes once it is old, and only then.
    #[test]
    fn a_journal_left_half_made_is_cleared_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let journals = journal_dir(dir.path());
        fs::create_dir_all(&journals).unwrap();
        let old = journals.join("anna.1-0000abcd.jsonl.new");
        let fresh = journals.join("anna.2-0000abcd.jsonl.new");
        let erik = journals.join("erik.3-0000abcd.jsonl.new");
        for path in [&old, &fresh, &erik] {
            fs::write(path, "").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3_600);
        for path in [&old, &erik] {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        assert!(
            orphans(dir.path(), "anna").is_empty(),
            "none is a journal to replay"
        );
        assert!(!old.exists(), "left long ago: cleared");
        assert!(fresh.exists(), "maybe being made now: kept");
        assert!(erik.exists(), "another annotator's: left to erik");
        // Written to, its name lost (a power cut): named again, and replayed.
        let lost = journals.join("anna.4-0000abcd.jsonl.new");
        fs::write(&lost, "{\"step\":0}\n").unwrap();
        File::options()
            .write(true)
            .open(&lost)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let named = journals.join("anna.4-0000abcd.jsonl");
        assert_eq!(orphans(dir.path(), "anna"), vec![named.clone()]);
        assert!(!lost.exists() && named.exists());
    }

    /// A step of many edits that a crash cut short (the file ends anywhere in it) never
    /// showed: none of it is replayed, while the steps before it are, whole. Cut at its end,
    /// it is replayed whole, and so are single edits after it.
    #[test]
    fn a_step_cut_short_is_not_replayed_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let words: String = (0..200).map(|i| format!("w{i:03} ")).collect();
        let doc = store.add_text("w.txt", "W", words).unwrap();
        let text = store.project.document(&doc).unwrap().text.clone();
        let insert = |i: u32| {
            Edit::insert(Annotation::new(
                "Person",
                checked_fragments(&text, &[(5 * i, 5 * i + 4)]).unwrap(),
            ))
        };
        let first: Vec<Edit> = (0..3).map(insert).collect();
        let step: Vec<Edit> = (3..50).map(insert).collect();
        let after = insert(60);
        let mut journal = Journal::create(dir.path(), "anna").unwrap();
        journal.append(&text, &doc, &first).unwrap();
        let before_step = fs::metadata(journal.path()).unwrap().len();
        journal.append(&text, &doc, &step).unwrap();
        let whole_step = fs::metadata(journal.path()).unwrap().len();
        journal
            .append(&text, &doc, std::slice::from_ref(&after))
            .unwrap();
        let bytes = fs::read(journal.path()).unwrap();
        let copy = dir.path().join("cut.jsonl");
        let edits_of = |len: u64| {
            fs::write(&copy, &bytes[..len as usize]).unwrap();
            let (read, problems) = read(&copy, &store.project);
            assert!(problems.is_empty(), "cut at {len}: {problems:?}");
            read.into_iter().map(|(_, e)| e).collect::<Vec<Edit>>()
        };
        for cut in [
            before_step + 1,
            before_step + 12,
            (before_step + whole_step) / 2,
            whole_step - 2,
        ] {
            assert!(edits_of(cut) == first, "cut at {cut} of {whole_step}");
        }
        let with_step: Vec<Edit> = first.iter().chain(&step).cloned().collect();
        assert!(edits_of(whole_step) == with_step);
        // Only its last end of line missing: its write did not end, so it never showed.
        assert!(edits_of(whole_step - 1) == first);
        // A last line that is whole but cannot be read (an edit of a newer Lector) is said,
        // and the step before it stays.
        let mut newer = bytes[..whole_step as usize].to_vec();
        newer.extend_from_slice(b"{\"document\":\"w\",\"edit\":{\"Future\":1}}\n");
        fs::write(&copy, &newer).unwrap();
        let (read_back, problems) = read(&copy, &store.project);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(read_back.into_iter().map(|(_, e)| e).collect::<Vec<_>>() == with_step);
        // A line cut inside a character: the documents are still found.
        let mut cut = bytes[..whole_step as usize].to_vec();
        cut.extend_from_slice("{\"document\":\"w\",\"edit\":{\"Insert\":{\"note\":\"ö".as_bytes());
        cut.pop();
        fs::write(&copy, &cut).unwrap();
        assert_eq!(documents_of(&copy).len(), 1);
        let all: Vec<Edit> = with_step.iter().chain([&after]).cloned().collect();
        assert!(edits_of(bytes.len() as u64) == all);
        // The single edit after it, torn, is left out as ever.
        assert!(edits_of(bytes.len() as u64 - 3) == with_step);

        // A step whose lines stop where another step begins (a write that failed and could
        // not be taken out) is left out; the steps and edits after it are not.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 3 + 1 + 47 + 1, "a line before each step");
        let journal_of = |lines: &[&str]| {
            fs::write(&copy, lines.join("\n") + "\n").unwrap();
            read(&copy, &store.project)
        };
        let broken: Vec<&str> = lines[..4]
            .iter()
            .chain(&lines[4..15])
            .chain(&lines[..4])
            .chain(&lines[52..])
            .copied()
            .collect();
        let (read_back, problems) = journal_of(&broken);
        assert!(problems.is_empty(), "{problems:?}");
        let expected: Vec<Edit> = first
            .iter()
            .chain(&first)
            .chain([&after])
            .cloned()
            .collect();
        assert!(read_back.into_iter().map(|(_, e)| e).collect::<Vec<_>>() == expected);
        // A damaged line inside a whole step is still said, with its line number, and the
        // step's other edits replayed; the step cut short after it is left out without a word.
        let damaged: Vec<&str> = lines[..2]
            .iter()
            .chain(&["{\"document\":"])
            .chain(&lines[3..15])
            .copied()
            .collect();
        let (read_back, problems) = journal_of(&damaged);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(":3:"), "{problems:?}");
        let expected: Vec<Edit> = vec![first[0].clone(), first[2].clone()];
        assert!(read_back.into_iter().map(|(_, e)| e).collect::<Vec<_>>() == expected);
        assert_eq!(documents_of(&copy).len(), 1);
    }

    /// A big journal all of whose edits are saved is not truncated where the save is taken
    /// in (a book's gigabyte held the window 75-95 ms): a new, empty journal takes its place,
    /// held, and the old one is removed by its thread.
    #[test]
    fn a_big_journal_emptied_is_replaced_and_removed_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let n = 30_000u32;
        let words: String = (0..n).map(|i| format!("w{i:05} ")).collect();
        let doc = store.add_text("w.txt", "W", words).unwrap();
        let text = store.project.document(&doc).unwrap().text.clone();
        let edits: Vec<Edit> = (0..n)
            .map(|i| {
                let mut a = Annotation::new(
                    "Person",
                    checked_fragments(&text, &[(7 * i, 7 * i + 6)]).unwrap(),
                );
                a.note = "n".repeat(200);
                Edit::insert(a)
            })
            .collect();
        let mut journal = Journal::create(dir.path(), "anna").unwrap();
        journal.append(&text, &doc, &edits).unwrap();
        let before = journal.path().to_path_buf();
        assert!(fs::metadata(&before).unwrap().len() >= BIG_JOURNAL_BYTES);
        journal.reset(&store.project, &[]).unwrap();
        assert_ne!(journal.path(), before, "a new one");
        assert_eq!(fs::metadata(journal.path()).unwrap().len(), 0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while before.exists() {
            assert!(std::time::Instant::now() < deadline, "the old one goes");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(
            orphans(dir.path(), "anna").is_empty(),
            "the new one is held"
        );
        // Written to again, it holds just what comes next.
        journal.append(&text, &doc, &edits[..1]).unwrap();
        let (read_back, problems) = read(journal.path(), &store.project);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read_back.len(), 1);
    }

    /// A step big enough to be written out on several threads comes back whole and in order,
    /// as one after a small step.
    #[test]
    fn a_big_step_reads_back_whole_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let words: String = (0..3 * PARALLEL_EDITS)
            .map(|i| format!("w{i:05} "))
            .collect();
        let doc = store.add_text("w.txt", "W", words).unwrap();
        let text = store.project.document(&doc).unwrap().text.clone();
        let insert = |i: u32| {
            let mut a = Annotation::new(
                "Person",
                checked_fragments(&text, &[(7 * i, 7 * i + 6)]).unwrap(),
            );
            a.note = format!("note {i}");
            Edit::insert(a)
        };
        let small: Vec<Edit> = (0..3).map(insert).collect();
        let big: Vec<Edit> = (3..3 * PARALLEL_EDITS as u32).map(insert).collect();
        let mut journal = Journal::create(dir.path(), "anna").unwrap();
        journal.append(&text, &doc, &small).unwrap();
        journal.append(&text, &doc, &big).unwrap();
        let (read, problems) = read(journal.path(), &store.project);
        assert!(problems.is_empty(), "{problems:?}");
        let expected: Vec<(String, Edit)> = small
            .into_iter()
            .chain(big)
            .map(|e| (doc.clone(), e))
            .collect();
        assert_eq!(read.len(), expected.len());
        assert!(read == expected, "the edits in the order they were made");
    }
}
