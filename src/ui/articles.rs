//! Adding article files (File → Add articles…, or dropped on the window): each is read and
//! turned into text on a background job (a PDF or a long web page takes a while), with a
//! spinner in the status bar; the window stores them when they are read, says what was
//! guessed, and shows the last one added. Another Add waits until this one is done.

use std::path::PathBuf;

use super::app::LectorApp;
use super::jobs::{JobDone, JobKind};
use super::messages::plural;
use crate::store::{ReadArticle, StoreError};

impl LectorApp {
    /// Starts reading article files in the background.
    pub(super) fn add_articles(&mut self, paths: Vec<PathBuf>) {
        if self.session.is_none() || paths.is_empty() {
            return;
        }
        if self.jobs.is_running(JobKind::AddArticles) {
            self.say(
                "articles are being read: add these when they are done",
                true,
            );
            return;
        }
        let what = match paths.as_slice() {
            [one] => format!(
                "reading {}",
                one.file_name().map_or_else(
                    || one.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
            many => format!("reading {}", plural(many.len(), "article")),
        };
        let started = self.jobs.spawn(JobKind::AddArticles, what, move || {
            JobDone::ArticlesRead(
                paths
                    .into_iter()
                    .map(|path| {
                        let read = crate::store::read_article(&path, None, None);
                        (path, read)
                    })
                    .collect(),
            )
        });
        if let Err(err) = started {
            self.say(format!("not added: cannot start a thread: {err}"), true);
        }
    }

    /// Stores the articles read, says what was guessed and what failed, and shows the last
    /// one added.
    pub(super) fn articles_read(&mut self, read: Vec<(PathBuf, Result<ReadArticle, StoreError>)>) {
        let Some(session) = &mut self.session else {
            return;
        };
        let mut added = None;
        let mut messages = Vec::new();
        for (path, article) in read {
            match article.and_then(|a| session.store.add_read_article(a)) {
                Ok((id, warnings)) => {
                    for w in warnings {
                        messages.push((format!("{}: {w}", path.display()), false));
                    }
                    messages.push((format!("added {}", path.display()), false));
                    added = Some(id);
                }
                Err(err) => messages.push((err.to_string(), true)),
            }
        }
        for (m, e) in messages {
            self.say(m, e);
        }
        if let Some(id) = added {
            self.open_document(&id);
        }
    }
}
