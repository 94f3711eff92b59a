//! The rest of a project read in the background: a project opens with its first document
//! only ([`crate::store::ProjectStore::open_first`]), so its size never delays the first
//! frame; a thread reads the other documents' annotation files a few documents at a time
//! and hands each part to the window, which takes it in
//! ([`crate::store::ProjectStore::take_remaining`]) and shows "reading 150 of 200
//! documents" in the status bar. A document opened before its files are read is read on
//! the spot ([`crate::store::ProjectStore::load_document`]), unless the project opened on it
//! and showed the beginning of its big files (a book's million annotations: see
//! [`crate::store::ProjectStore::is_partly_read`]); what needs the whole project
//! (an export, a review, the tracking views, a sync, an import, another annotator) reads
//! the rest first ([`LectorApp::read_the_rest_now`]).
//!
//! ## Implementation notes
//!
//! - Views derived from the whole project (predictions, suggestions' registry) follow the
//!   session's revision, which moves once, when the last part is taken in, not per part:
//!   they are rebuilt once.
//! - Matching the copies of every prediction grows with the project (a quarter of a second
//!   at 300,000 annotations), so the thread does it too, on its own copy of the project
//!   (the state at the start plus every part it read), and the window takes the counts if
//!   nothing changed the annotations meanwhile; else it counts them itself.
//! - A book shown from the beginning of its file while the thread reads it whole: the thread
//!   also builds the span index of the annotator's whole set (54 ms at a million
//!   annotations), which the window takes with the set instead of building it in a frame.
//! - No poll for changes on disk until the project is complete (see `team.rs`): a file not
//!   read yet has no fingerprint to compare with.
//! - The thread ends when the window drops [`Loading`] (another project opened): its next
//!   part finds the channel closed.

use std::sync::mpsc::{self, Receiver};

use super::app::LectorApp;
use super::span_index::SpanIndex;
use super::tracking::Counted;
use crate::model::Project;
use crate::store::{ReadRemaining, Remaining};

/// What the thread hands the window.
enum Read {
    /// The files of a few more documents, and the span index of each set of the session's
    /// annotator that was shown from its beginning and is now read whole, by document.
    Part(ReadRemaining, Vec<(String, SpanIndex)>),
    /// The whole project's predictions and claims, matched; `None` if they could not be
    /// counted there (resolutions of format 1 in a file read).
    Counted(Option<Box<Counted>>),
}

/// Documents read per part: a part is taken in on the window's thread in a few
/// milliseconds.
const DOCUMENTS_PER_PART: usize = 8;

/// The background read of a project's remaining documents.
#[derive(Debug)]
pub struct Loading {
    parts: Receiver<Read>,
    /// The session's content revision that counts from the thread are of (it moves once,
    /// when the last part is taken in).
    counts_for: u64,
    /// Documents to read in all, and read so far.
    total: usize,
    read: usize,
    /// When it started.
    pub started: std::time::Instant,
}

impl Loading {
    /// Starts reading `remaining` on a thread of its own; each part wakes `ctx`. `project`
    /// is the project as read so far, at the session's content revision `revision`; the
    /// session's annotator is `annotator`.
    pub fn start(
        mut remaining: Remaining,
        mut project: Project,
        revision: u64,
        annotator: String,
        ctx: egui::Context,
    ) -> std::io::Result<Self> {
        let total = remaining.documents();
        let (send, parts) = mpsc::channel();
        std::thread::Builder::new()
            .name("lector-read".to_owned())
            .spawn(move || {
                let mut countable = true;
                while let Some(part) = remaining.read_next(DOCUMENTS_PER_PART) {
                    countable &= !part.has_legacy_resolutions();
                    let mut indexes = Vec::new();
                    for (document, whose) in part.were_partial() {
                        project
                            .sets
                            .remove(&(document.to_owned(), whose.to_owned()));
                        if whose == annotator
                            && let Some((_, _, set)) =
                                part.sets().find(|(d, a, _)| *d == document && *a == whose)
                        {
                            let index = SpanIndex::new(&project.schema, set.annotations());
                            indexes.push((document.to_owned(), index));
                        }
                    }
                    for (document, annotator, set) in part.sets() {
                        let key = (document.to_owned(), annotator.to_owned());
                        project.sets.insert(key, set.clone());
                    }
                    if send.send(Read::Part(part, indexes)).is_err() {
                        return;
                    }
                    ctx.request_repaint();
                }
                let counted = countable.then(|| Box::new(Counted::of(&project)));
                if send.send(Read::Counted(counted)).is_ok() {
                    ctx.request_repaint();
                }
            })?;
        Ok(Self {
            parts,
            counts_for: revision + 1,
            total,
            read: 0,
            started: std::time::Instant::now(),
        })
    }

    /// "reading 150 of 200 documents", for the status bar.
    pub fn progress(&self) -> String {
        if self.read < self.total {
            format!("reading {} of {} documents", self.read, self.total)
        } else {
            "counting predictions".to_owned()
        }
    }
}

impl LectorApp {
    /// Takes in the parts read since the last frame; once the project is complete, derived
    /// views are rebuilt and the predictions counted.
    pub(super) fn take_loaded(&mut self) {
        self.take_loaded_until(None);
    }

    /// Waits on this thread until the files of `document` are read whole, if it shows from
    /// their beginnings while the thread reads the rest: an edit to it, which could not be
    /// written before, then applies instead of being refused. The thread hands the rest
    /// over as it does every part (nothing is read twice); if it is gone, the rest is read
    /// here.
    pub(super) fn wait_until_read(&mut self, document: &str) {
        let partly = |app: &Self| {
            app.session
                .as_ref()
                .is_some_and(|s| s.store.is_partly_read(document))
        };
        if !partly(self) {
            return;
        }
        // Returns at once without a reading thread.
        self.take_loaded_until(Some(document));
        if partly(self) {
            self.read_the_rest_now();
        }
    }

    /// [`Self::take_loaded`], first waiting for the parts that complete `wait_for` while it
    /// is partly read.
    fn take_loaded_until(&mut self, wait_for: Option<&str>) {
        let (Some(loading), Some(session)) = (&mut self.loading, &mut self.session) else {
            return;
        };
        let mut problems = Vec::new();
        let mut counted = None;
        let was_complete = session.store.is_complete();
        let shown = self.view.as_ref().map(|v| v.document.as_str());
        // Whether the document shown was partly read before the first part taken now.
        let mut partly = None;
        // Whether the thread ended without its last word (it panicked).
        let mut gone = false;
        // The span index of the document shown, if the thread built it for its whole set.
        let mut built = None;
        loop {
            let waiting = wait_for.is_some_and(|d| session.store.is_partly_read(d));
            let next = if waiting {
                loading
                    .parts
                    .recv()
                    .map_err(|_| mpsc::TryRecvError::Disconnected)
            } else {
                loading.parts.try_recv()
            };
            match next {
                Ok(Read::Part(part, indexes)) => {
                    partly.get_or_insert_with(|| {
                        shown.is_some_and(|d| session.store.is_partly_read(d))
                    });
                    loading.read += part.documents();
                    problems.extend(session.store.take_remaining(part));
                    built = indexes
                        .into_iter()
                        .find(|(d, _)| Some(d.as_str()) == shown)
                        .map(|(_, index)| index)
                        .or(built);
                }
                Ok(Read::Counted(made)) => counted = Some(made),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    gone = counted.is_none();
                    break;
                }
            }
        }
        if !was_complete && session.store.is_complete() {
            session.bump_revision();
        } else if partly == Some(true) && shown.is_some_and(|d| session.store.is_loaded(d)) {
            // The document shown from the beginnings of its files is read whole: its views
            // rebuild now, not when the last document is read. The counts the thread makes
            // are of the project read, as before.
            session.bump_revision();
            loading.counts_for += 1;
        }
        // Taken if it is the index of the set as it is now (nothing edits a set while it is
        // partly read), instead of building it again in this frame.
        if let (Some(index), Some(document)) = (built, shown) {
            let set = session
                .store
                .project
                .set(document, session.annotator())
                .map(|s| s.annotations())
                .unwrap_or_default();
            if index.is_of_set(set) {
                self.index_key = (document.to_owned(), session.revision());
                let old = std::mem::replace(&mut self.index, index);
                super::span_index::let_go(old);
            }
        }
        let counts_for = loading.counts_for;
        self.add_problems(problems);
        if gone {
            // What it did not read is read here (a document shown from its beginning too).
            self.loading = None;
            self.read_the_rest_now();
            return;
        }
        let Some(counted) = counted else {
            return;
        };
        self.loading = None;
        match (counted, &self.session) {
            // Nothing changed the annotations while they were counted.
            (Some(counted), Some(session)) if session.content_revision() == counts_for => {
                self.tracking.reset();
                self.tracking.install(*counted, session);
                super::tracking::tell_counts(self);
            }
            _ => super::tracking::opened(self),
        }
    }

    /// Reads what is still to read of the project now, on this thread: for what needs the
    /// whole project.
    pub(super) fn read_the_rest_now(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        if session.store.is_complete() {
            return;
        }
        let mut problems = Vec::new();
        if let Some(loading) = self.loading.take() {
            for read in loading.parts.try_iter() {
                if let Read::Part(part, _) = read {
                    problems.extend(session.store.take_remaining(part));
                }
            }
        }
        problems.extend(session.store.load_remaining());
        session.bump_revision();
        self.add_problems(problems);
        super::tracking::opened(self);
    }

    /// Reads a document's files now if they are not read yet, unless it shows from the
    /// beginnings of big files the background read is reading (their first pages are there).
    pub(super) fn read_document_now(&mut self, document: &str) {
        let Some(session) = &mut self.session else {
            return;
        };
        if session.store.is_loaded(document)
            || (self.loading.is_some() && session.store.is_partly_read(document))
        {
            return;
        }
        let problems = session.store.load_document(document);
        session.bump_revision();
        self.add_problems(problems);
    }

    /// Drops the problems listed of these files (relative to the project folder): they were
    /// read again or written whole since. A problem's text begins with its file and a colon
    /// ([`crate::store::Problem`]'s `Display`).
    pub(super) fn forget_problems_of(&mut self, files: &[std::path::PathBuf]) {
        if files.is_empty() {
            return;
        }
        let heads: Vec<String> = files.iter().map(|f| format!("{}:", f.display())).collect();
        self.problems
            .retain(|text| !heads.iter().any(|head| text.starts_with(head.as_str())));
    }

    /// Lists problems found in files read after the project opened, and says so.
    pub(super) fn add_problems(&mut self, problems: Vec<crate::store::Problem>) {
        if problems.is_empty() {
            return;
        }
        let count = problems.len();
        for problem in problems {
            let text = problem.to_string();
            if !self.problems.contains(&text) {
                self.problems.push(text);
            }
        }
        self.say(
            format!(
                "{} in the project (see the documents panel); those files stay read-only",
                super::messages::plural(count, "problem")
            ),
            true,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::model::{Annotation, checked_fragments};
    use crate::session::Edit;
    use crate::store::{PartialSizesForTests, ProjectStore};
    use crate::ui::{Command, LectorApp, Prefs};

    /// The app on the project at `root`, annotating as anna.
    fn app_as_anna(root: &std::path::Path) -> LectorApp {
        let prefs = Prefs {
            annotator: "anna".to_owned(),
            ..Prefs::default()
        };
        LectorApp::new(&egui::Context::default(), prefs, Some(root.to_owned()))
    }

    /// What an index finds over the whole text: each fragment with its annotation's id.
    fn found(index: &crate::ui::span_index::SpanIndex) -> Vec<(u32, u32, String)> {
        let mut frags = Vec::new();
        index.query(0, u32::MAX, &mut frags);
        let mut found: Vec<(u32, u32, String)> = frags
            .iter()
            .filter_map(|f| Some((f.start, f.end, index.annotation(f)?.id.0.to_string())))
            .collect();
        found.sort();
        found
    }

    /// A step of more changes than 64 but few for its set (a tag-all in a book, its undo) is
    /// followed by the span index rather than rebuilt on the window's thread; a step big for
    /// its set rebuilds. Either way the index finds what one built afresh finds.
    #[test]
    fn a_step_few_for_its_set_is_followed_and_a_big_one_rebuilds() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let words: String = (0..4000).map(|i| format!("ord{i:04} ")).collect();
        let doc = store.add_text("a.txt", "A", words).unwrap();
        let text = store.project.document(&doc).unwrap().text.clone();
        let set = store.project.set_mut(&doc, "anna");
        for i in 0..4000 {
            set.insert(Annotation::new(
                ["Person", "Place"][i as usize % 2],
                checked_fragments(&text, &[(i * 8, i * 8 + 7)]).unwrap(),
            ));
        }
        store.save_set(&doc, "anna").unwrap();
        drop(store);
        let mut app = app_as_anna(dir.path());
        assert_eq!(app.document(), Some(doc.as_str()));
        app.refresh_index();
        let tags = |n: u32, from: u32| -> Vec<Edit> {
            (0..n)
                .map(|i| {
                    let start = (from + i * 29) % 31_000;
                    Edit::Insert(Arc::new(Annotation::new(
                        "Event",
                        checked_fragments(&text, &[(start, start + 3)]).unwrap(),
                    )))
                })
                .collect()
        };
        let check = |app: &LectorApp, followed: bool, what: &str| {
            let session = app.session.as_ref().unwrap();
            let set = session.store.project.set(&doc, "anna").unwrap();
            let fresh = crate::ui::span_index::SpanIndex::new(
                &session.store.project.schema,
                set.annotations(),
            );
            assert_eq!(found(&app.index), found(&fresh), "{what}");
            // A rebuilt index holds the set's annotations in its order; a followed one has
            // the new ones after.
            assert_eq!(!app.index.is_of_set(set.annotations()), followed, "{what}");
        };
        app.apply(Command::Edit(tags(100, 100)));
        app.refresh_index();
        check(&app, true, "a hundred tags");
        app.apply(Command::Undo);
        app.refresh_index();
        check(&app, true, "their undo");
        app.apply(Command::Edit(tags(400, 400)));
        app.refresh_index();
        check(&app, false, "four hundred tags");
    }

    /// A book shown from the beginning of its annotation file: a tag made before the rest is
    /// read is not refused. It waits for the rest, applies, and the file saved holds every
    /// annotation, those never shown included.
    #[test]
    fn an_edit_to_a_book_shown_from_its_beginning_waits_for_the_rest() {
        let _sizes = PartialSizesForTests::set(20_000, 8_000);
        let (dir, doc) = crate::store::partial_tests::project(300);
        let root = dir.path();

        let mut app = app_as_anna(root);
        assert_eq!(app.document(), Some(doc.as_str()));
        let partly = |app: &LectorApp| app.session.as_ref().unwrap().store.is_partly_read(&doc);
        assert!(partly(&app), "shown from its beginning");
        let shown = app.annotations().len();
        assert!(shown < 300, "{shown}");

        let session = app.session.as_ref().unwrap();
        let text = &session.store.project.document(&doc).unwrap().text;
        let tag = Arc::new(Annotation::new(
            "Organization",
            checked_fragments(text, &[(8, 14)]).unwrap(),
        ));
        app.apply(Command::Edit(vec![Edit::Insert(Arc::clone(&tag))]));
        assert!(
            app.messages().all().iter().all(|m| !m.error),
            "{:?}",
            app.messages().all()
        );
        assert!(!partly(&app), "read whole");
        assert_eq!(app.annotations().len(), 301);

        let session = app.session.as_mut().unwrap();
        assert!(session.save_now().is_empty());
        let (saved, problems) = ProjectStore::open(root).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let saved = saved.project.set(&doc, "anna").unwrap();
        assert_eq!(saved.annotations().len(), 301);
        assert!(saved.annotations().iter().any(|a| a.id == tag.id));
    }

    /// The span index of a book shown from its beginning is built with the rest of its file,
    /// on the reading thread: the frame that takes the whole set in finds its index there,
    /// made of exactly that set, and an edit after follows it.
    #[test]
    fn a_book_read_whole_comes_with_its_span_index() {
        let _sizes = PartialSizesForTests::set(20_000, 8_000);
        let (dir, doc) = crate::store::partial_tests::project(300);
        let mut app = app_as_anna(dir.path());
        let partly = |app: &LectorApp| app.session.as_ref().unwrap().store.is_partly_read(&doc);
        assert!(partly(&app), "shown from its beginning");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while partly(&app) {
            assert!(std::time::Instant::now() < deadline, "never read whole");
            std::thread::sleep(std::time::Duration::from_millis(5));
            app.take_loaded();
        }
        let session = app.session.as_ref().unwrap();
        let set = session.store.project.set(&doc, "anna").unwrap();
        assert_eq!(set.annotations().len(), 300);
        assert_eq!(
            app.index_key,
            (doc.clone(), session.revision()),
            "the index came with the set, not built in the frame"
        );
        assert!(app.index.is_of_set(set.annotations()));
        assert_eq!(app.index.len(), 300, "a fragment each");

        let text = &session.store.project.document(&doc).unwrap().text;
        let tag = Arc::new(Annotation::new(
            "Organization",
            checked_fragments(text, &[(2_792, 2_798)]).unwrap(),
        ));
        app.apply(Command::Edit(vec![Edit::Insert(Arc::clone(&tag))]));
        app.refresh_index();
        let mut found = Vec::new();
        app.index.query(2_792, 2_798, &mut found);
        assert!(found.iter().any(|f| app.index.is_of(f, &tag)), "{found:?}");
    }

    /// Switching back to the document shown before takes its view (where it was read) and
    /// its index as they were, without building them again; not when its set changed
    /// meanwhile, and the index is then that of the set as it is.
    #[test]
    fn switching_back_keeps_the_view_and_index_unless_the_set_changed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let words: String = (0..400).map(|i| format!("ord{i:04} ")).collect();
        let a = store.add_text("a.txt", "A", words.clone()).unwrap();
        let b = store.add_text("b.txt", "B", words).unwrap();
        for doc in [&a, &b] {
            let text = store.project.document(doc).unwrap().text.clone();
            let set = store.project.set_mut(doc, "anna");
            for i in 0..300 {
                set.insert(Annotation::new(
                    "Person",
                    checked_fragments(&text, &[(i * 8, i * 8 + 7)]).unwrap(),
                ));
            }
            store.save_set(doc, "anna").unwrap();
        }
        drop(store);
        let mut app = app_as_anna(dir.path());
        assert_eq!(app.document(), Some(a.as_str()));
        app.refresh_index();
        let at = crate::ui::article::Selection {
            anchor: crate::model::CharOffset(80),
            head: crate::model::CharOffset(87),
        };
        app.view.as_mut().unwrap().selection = at;
        let fresh = |app: &LectorApp| {
            let session = app.session.as_ref().unwrap();
            let set = session.store.project.set(&a, "anna").unwrap();
            found(&crate::ui::span_index::SpanIndex::new(
                &session.store.project.schema,
                set.annotations(),
            ))
        };

        app.apply(Command::OpenDocument(b.clone()));
        app.refresh_index();
        app.apply(Command::OpenDocument(a.clone()));
        // Taken back as it was: current without a rebuild, the caret where it was.
        let revision = app.session.as_ref().unwrap().revision();
        assert_eq!(app.index_key, (a.clone(), revision), "current at once");
        assert_eq!(found(&app.index), fresh(&app));
        assert_eq!(app.view.as_ref().unwrap().selection, at);

        // The document shown, opened again: its index stays, and the one parked stays so.
        app.apply(Command::OpenDocument(a.clone()));
        app.refresh_index();
        assert_eq!(found(&app.index), fresh(&app), "not emptied");
        app.apply(Command::OpenDocument(b.clone()));
        let revision = app.session.as_ref().unwrap().revision();
        assert_eq!(app.index_key, (b.clone(), revision), "b was still parked");

        // A label added while a document is parked: its index, which knows labels by their
        // place, is built again.
        app.apply(Command::OpenDocument(a.clone()));
        app.refresh_index();
        {
            let session = app.session.as_mut().unwrap();
            let mut first = session.store.project.schema.labels[0].clone();
            first.name = "Aardvark".to_owned();
            session.store.project.schema.labels.insert(0, first);
        }
        app.apply(Command::OpenDocument(b.clone()));
        assert_ne!(app.index_key.0, b, "not taken back");
        app.refresh_index();
        app.apply(Command::OpenDocument(a.clone()));

        // Its set changed while another document was shown: built again.
        app.apply(Command::OpenDocument(b.clone()));
        app.refresh_index();
        {
            let session = app.session.as_mut().unwrap();
            let text = session.store.project.document(&a).unwrap().text.clone();
            session
                .store
                .project
                .set_mut(&a, "anna")
                .insert(Annotation::new(
                    "Place",
                    checked_fragments(&text, &[(3000, 3007)]).unwrap(),
                ));
        }
        app.apply(Command::OpenDocument(a.clone()));
        assert_ne!(app.view.as_ref().unwrap().selection, at, "a new view");
        app.refresh_index();
        assert_eq!(found(&app.index), fresh(&app));
        assert_eq!(found(&app.index).len(), 301);
    }

    /// With the search bar open, another document shows none of the hits found in the one
    /// before while its text is searched on another thread; then its own.
    #[test]
    fn another_document_shows_no_hits_of_the_one_before_while_searched() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let a = store
            .add_text("a.txt", "A", "alpha beta ".repeat(300))
            .unwrap();
        let b = store
            .add_text("b.txt", "B", "gamma alpha ".repeat(20))
            .unwrap();
        drop(store);
        let mut app = app_as_anna(dir.path());
        app.search_in_background_from(0);
        app.apply(crate::ui::ViewCommand::SearchFor("alpha".to_owned()).into());
        let searched = |app: &mut LectorApp| {
            app.refresh_search();
            for _ in 0..1000 {
                if !app.is_searching() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
                app.refresh_search();
            }
            app.search_hits().len()
        };
        assert_eq!(app.document(), Some(a.as_str()));
        assert_eq!(searched(&mut app), 300);
        app.apply(Command::OpenDocument(b.clone()));
        app.refresh_search();
        assert!(app.is_searching());
        assert!(app.search_hits().is_empty(), "none of A's 300 hits");
        assert_eq!(searched(&mut app), 20);
    }
}
