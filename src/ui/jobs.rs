//! Work that runs off the window's thread (opening a big project, exports, imports, a big
//! review's comparison, git sync, reading articles to add), so that the window keeps answering and shows a spinner.
//! Each job has a [`JobKind`], which is how the app knows what runs (no autosave during a
//! sync), never its status text.

use std::path::PathBuf;
use std::time::Instant;

use crate::store::{ProjectStore, StoreError};

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Reading a project whose annotation files are big.
    Open,
    /// Writing an export.
    Export,
    /// Reading another tool's files to import.
    Import,
    /// Comparing the annotators of a big document for review.
    Review,
    /// Committing, pulling and pushing with git.
    Sync,
    /// Fetching an article from the web.
    Fetch,
    /// Reading article files (PDF, HTML, DOCX, text) to add.
    AddArticles,
    /// Checking an import's spans against the documents and mapping its labels.
    ImportPlan,
    /// Applying a big undo or redo to a copy.
    Step,
}

/// What a finished job brings back.
pub enum JobDone {
    /// An import was planned (and is applied on the window's thread).
    ImportPlanned(Box<super::import_mapping::PlannedImport>),
    /// A planned import's big groups were applied to copies, to take in.
    Imported(Box<super::import_mapping::Imported>),
    /// Article files were read (and are stored on the window's thread), in the order given.
    ArticlesRead(Vec<(PathBuf, Result<crate::store::ReadArticle, StoreError>)>),
    /// An export was written (or not).
    Exported {
        /// The format.
        format: crate::formats::Format,
        /// Where.
        out: PathBuf,
        /// What the format could not carry, or why nothing was written.
        result: Result<crate::formats::LossReport, crate::formats::FormatError>,
    },
    /// An import was read (and is applied on the window's thread).
    Read {
        /// The format.
        format: crate::formats::Format,
        /// The file or folder read.
        path: PathBuf,
        /// What was read.
        result: Result<crate::formats::import::Parsed, crate::formats::FormatError>,
    },
    /// A project was read.
    Opened {
        /// Its folder.
        dir: PathBuf,
        /// The store and the problems found, or why it cannot be opened.
        result: Box<Result<(ProjectStore, Vec<crate::store::Problem>), StoreError>>,
    },
    /// A sync finished, with what its pull changed, read on the job's thread.
    Synced(
        Result<crate::sync::SyncReport, crate::sync::SyncError>,
        Option<Box<crate::store::Reloaded>>,
    ),
    /// A review's comparison is ready, with its agreements taken into a copy of the reviewed
    /// set.
    ReviewReady(Box<super::review::Ready>),
    /// A review compared its annotators again after one's file changed on disk.
    Compared(Box<super::review::Compared>),
    /// A big undo or redo was applied to a copy, to take in.
    Stepped(super::undo::StepJob),
    /// A web page was fetched and read into text (or not).
    Fetched {
        /// The address asked for.
        url: String,
        /// The article, or why not.
        result: Result<crate::store::ReadFetched, StoreError>,
    },
}

/// A running job.
pub struct Job {
    /// What it does.
    pub kind: JobKind,
    /// What it does, in words, for the status bar.
    pub what: String,
    /// When it started.
    pub started: Instant,
    handle: std::thread::JoinHandle<JobDone>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("kind", &self.kind)
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

/// The jobs running.
#[derive(Debug, Default)]
pub struct Jobs {
    running: Vec<Job>,
}

impl Jobs {
    /// Starts work on a named thread of its own.
    pub fn spawn(
        &mut self,
        kind: JobKind,
        what: impl Into<String>,
        work: impl FnOnce() -> JobDone + Send + 'static,
    ) -> std::io::Result<()> {
        let handle = std::thread::Builder::new()
            .name(format!("lector-{kind:?}").to_lowercase())
            .spawn(work)?;
        self.running.push(Job {
            kind,
            what: what.into(),
            started: Instant::now(),
            handle,
        });
        Ok(())
    }

    /// Whether a job of this kind runs.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.iter().any(|j| j.kind == kind)
    }

    /// Whether no job runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The running jobs, for the status bar.
    pub fn iter(&self) -> impl Iterator<Item = &Job> {
        self.running.iter()
    }

    /// Takes the jobs that are done: what each brought back, or its description if its
    /// thread panicked.
    pub fn take_finished(&mut self) -> Vec<Result<JobDone, String>> {
        let (done, running): (Vec<Job>, Vec<Job>) = std::mem::take(&mut self.running)
            .into_iter()
            .partition(|j| j.handle.is_finished());
        self.running = running;
        done.into_iter()
            .map(|job| job.handle.join().map_err(|_| job.what))
            .collect()
    }
}
