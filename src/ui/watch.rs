//! The thread that looks for files changed on disk, so that an idle window paints nothing:
//! it polls a copy of what the session's store knows of its files every
//! [`super::team::WATCH_INTERVAL`] (one `stat` per file), reads and checks what changed, and
//! only then hands it to the window's thread and wakes the window, which applies it
//! ([`crate::session::Session::take_reloaded`]). See [`crate::store::Watcher`].
//!
//! ## Implementation notes
//!
//! - The window hands the thread a fresh copy whenever the store read or wrote a file
//!   ([`crate::store::ProjectStore::disk_version`]) or the set of files with unsaved changes
//!   moved; a frame costs one comparison otherwise. After every result it hands one too, so
//!   a result dropped (a save or sync started meanwhile) is found again at the next poll.
//! - While a save or a sync runs the thread does not poll (their own writes would look like
//!   changes, and a pull rewrites files one by one); the window tells it when that changes.
//! - The thread ends when the window drops its [`Watch`] (a project closed or another one
//!   opened): its channel closes. It is never joined, so a poll reading a big file never
//!   holds up the window.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use super::team::WATCH_INTERVAL;
use crate::session::Session;
use crate::store::{Reloaded, Watcher};

/// What the thread found.
pub enum Found {
    /// Files changed on disk, read and checked.
    Reloaded(Box<Reloaded>),
    /// Whether the project folder is in a git work tree changed (a `git init`, a clone
    /// moved into place): the Sync button shows without a reopen.
    Repository(PathBuf, bool),
}

/// What the window tells the thread.
enum Order {
    /// A fresh copy of the store's files, and whether the folder is in a git work tree as
    /// the window knows it.
    Copy(Box<Watcher>, bool),
    /// Stop or resume polling (a save or a sync runs).
    Pause(bool),
    /// The document shown, whose files every poll looks at.
    Show(Option<String>),
}

/// The window's end of the watching thread.
pub struct Watch {
    orders: Sender<Order>,
    found: Receiver<Found>,
    /// The folder, store version and unsaved files the thread's copy was taken at.
    sent: Option<(PathBuf, u64, Vec<PathBuf>)>,
    /// The folder of the last copy handed over (kept by [`Self::refresh`]).
    copied: Option<PathBuf>,
    paused: bool,
    /// The document shown, as last told.
    shown: Option<String>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("sent", &self.sent)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// Starts the thread; it wakes `ctx` when it found something.
    pub fn start(ctx: egui::Context) -> std::io::Result<Self> {
        let (orders, orders_in) = mpsc::channel();
        let (found_out, found) = mpsc::channel();
        std::thread::Builder::new()
            .name("lector-watch".to_owned())
            .spawn(move || run(&orders_in, &found_out, &ctx))?;
        Ok(Self {
            orders,
            found,
            sent: None,
            copied: None,
            paused: false,
            shown: None,
        })
    }

    /// Once per frame: hands the thread a fresh copy if the session's files changed since
    /// the last one, and tells it whether to pause and which document is shown.
    pub fn follow(
        &mut self,
        session: &Session,
        in_repository: bool,
        paused: bool,
        shown: Option<&str>,
    ) {
        let key = (
            session.store.root().to_path_buf(),
            session.store.disk_version(),
            session.dirty_files(),
        );
        // While paused, only the first copy of a project (the thread then looks for a git
        // work tree): a paused thread does not poll, and while a project is read its files
        // change with every frame (a copy of 11,000 files' fingerprints each frame took a
        // few ms of the window's thread); the copy goes when it resumes.
        let first = self.copied.as_ref() != Some(&key.0);
        if (first || !paused) && self.sent.as_ref() != Some(&key) {
            let copy = Box::new(session.watcher());
            // A send fails only when the thread is gone; the window then watches no more.
            let _ = self.orders.send(Order::Copy(copy, in_repository));
            self.copied = Some(key.0.clone());
            self.sent = Some(key);
        }
        if paused != self.paused {
            let _ = self.orders.send(Order::Pause(paused));
            self.paused = paused;
        }
        if shown != self.shown.as_deref() {
            self.shown = shown.map(str::to_owned);
            let _ = self.orders.send(Order::Show(self.shown.clone()));
        }
    }

    /// Hands the thread a fresh copy at the next [`Self::follow`].
    pub fn refresh(&mut self) {
        self.sent = None;
    }

    /// What the thread found since the last call.
    pub fn take(&mut self) -> Vec<Found> {
        self.found.try_iter().collect()
    }
}

/// The thread: polls every [`WATCH_INTERVAL`] while it has a copy and is not paused.
fn run(orders: &Receiver<Order>, found: &Sender<Found>, ctx: &egui::Context) {
    let mut watcher: Option<Watcher> = None;
    let mut repository: Option<(PathBuf, bool)> = None;
    let mut paused = false;
    let mut shown: Option<String> = None;
    let mut next = Instant::now() + WATCH_INTERVAL;
    loop {
        match orders.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok(Order::Copy(copy, in_repository)) => {
                repository = Some((copy.root().to_path_buf(), in_repository));
                match &mut watcher {
                    Some(old) if old.root() == copy.root() => old.refresh(*copy),
                    _ => {
                        let mut copy = *copy;
                        copy.show(shown.clone());
                        watcher = Some(copy);
                    }
                }
            }
            Ok(Order::Pause(pause)) => paused = pause,
            Ok(Order::Show(document)) => {
                if let Some(watcher) = &mut watcher {
                    watcher.show(document.clone());
                }
                shown = document;
            }
            Err(RecvTimeoutError::Timeout) => {
                next = Instant::now() + WATCH_INTERVAL;
                let Some(watcher) = watcher.as_mut() else {
                    continue;
                };
                let mut news = Vec::new();
                let root = watcher.root().to_path_buf();
                let in_repository = in_git_repository(&root);
                if repository.as_ref() != Some(&(root.clone(), in_repository)) {
                    repository = Some((root.clone(), in_repository));
                    news.push(Found::Repository(root, in_repository));
                }
                if !paused && let Some(reloaded) = watcher.poll() {
                    news.push(Found::Reloaded(Box::new(reloaded)));
                }
                if news.is_empty() {
                    continue;
                }
                for news in news {
                    if found.send(news).is_err() {
                        return;
                    }
                }
                ctx.request_repaint();
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Whether `root` is inside a git work tree (a `.git` folder or file above it).
pub fn in_git_repository(root: &Path) -> bool {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().any(|dir| dir.join(".git").exists())
}
