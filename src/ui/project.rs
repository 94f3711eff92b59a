//! Opening projects and documents: a folder, or an article that gets a project of its own;
//! big projects in the background; reopening after changes on disk; the annotator switch;
//! the span index of the open document.

use std::path::Path;

use super::app::LectorApp;
use super::article::ArticleView;
use super::jobs::{JobDone, JobKind};
use super::span_index::{SpanIndex, Whole};
use crate::model::AnnotationSet;
use crate::session::Session;
use crate::store::{ProjectStore, StoreError};

/// Projects whose annotation files are bigger than this open in the background.
const BACKGROUND_OPEN_BYTES: u64 = 4_000_000;

/// The size of a project's annotation files (a quick walk over two folder levels).
fn annotation_bytes(dir: &Path) -> u64 {
    let Ok(annotators) = std::fs::read_dir(dir.join("annotations")) else {
        return 0;
    };
    annotators
        .flatten()
        .filter_map(|a| std::fs::read_dir(a.path()).ok())
        .flat_map(|files| files.flatten())
        .filter_map(|f| f.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len())
        .sum()
}

/// How many changes of one step the span index follows, however small the set (beyond
/// that and [`SpanIndex::len`] / 32, a step rebuilds it).
const FOLLOW_AT_LEAST: usize = 64;

impl LectorApp {
    /// Opens a project folder, or makes a project for an article.
    pub(super) fn open_path(&mut self, path: &Path) {
        if !path.is_file() {
            self.open_project(path);
            return;
        }
        // An article: it gets a project of its own. Where such projects go is asked once.
        let stem = path
            .file_stem()
            .map_or("article".into(), |s| s.to_string_lossy().into_owned());
        match &self.prefs.article_projects {
            Some(parent) => {
                let dir = parent.join(&stem);
                self.make_project_for(path, &dir);
            }
            None => {
                let default = path.with_file_name(format!("{stem}.lector"));
                self.dialogs.modal =
                    Some(super::dialogs::Dialog::Path(super::dialogs::PathPrompt {
                        purpose: super::dialogs::PathPurpose::ProjectFor(path.to_path_buf()),
                        input: default.display().to_string(),
                    }));
            }
        }
    }

    /// Makes (or reuses) the project in `dir` for one article and opens it.
    pub(super) fn make_project_for(&mut self, article: &Path, dir: &Path) {
        let name = dir
            .file_name()
            .map_or("Article".into(), |n| n.to_string_lossy().into_owned());
        let store = if dir.join(crate::store::PROJECT_FILE).is_file() {
            ProjectStore::open(dir).map(|(s, _)| s)
        } else {
            ProjectStore::create(dir, &name)
        };
        match store.and_then(|mut s| s.add_article(article, None).map(|_| s)) {
            Ok(_) => {
                self.say(
                    format!("made a project for the article in {}", dir.display()),
                    false,
                );
                self.open_project(dir);
            }
            Err(err) => self.say(format!("{err}"), true),
        }
    }

    /// Makes a new project in a folder and opens it.
    pub(super) fn new_project(&mut self, dir: &Path) {
        let name = dir
            .file_name()
            .map_or("Untitled".into(), |n| n.to_string_lossy().into_owned());
        match ProjectStore::create(dir, &name) {
            Ok(_) => self.open_project(dir),
            Err(err) => self.say(err.to_string(), true),
        }
    }

    /// Opens a project folder, after saving the one open; big ones in the background.
    pub(super) fn open_project(&mut self, dir: &Path) {
        // A big save runs in the background; this runs again when it is written.
        if !self.saved_first(super::saving::AfterSave::Open(dir.to_path_buf())) {
            return;
        }
        if let Some(session) = &mut self.session {
            let errors = session.save_now();
            if !errors.is_empty() {
                // Leaving now would leave these changes behind (they stay in the crash
                // journal, but the user would not know): stay and say why.
                self.report_save_errors(errors);
                self.say(
                    format!(
                        "{} not opened: first settle the changes that could not be saved",
                        dir.display()
                    ),
                    true,
                );
                return;
            }
        }
        if let Some((prefetched, handle)) = self.prefetched.take()
            && prefetched == dir
        {
            let result = handle.join().unwrap_or_else(|_| {
                Err(StoreError::Invalid(
                    "the project could not be read (the reading thread failed)".to_owned(),
                ))
            });
            self.install_project(dir, result);
            return;
        }
        if annotation_bytes(dir) > BACKGROUND_OPEN_BYTES {
            // Parsing takes a good part of a second per 100k annotations: the window keeps
            // answering, with a spinner, and the project appears when it is read.
            let owned = dir.to_path_buf();
            self.session = None;
            self.view = None;
            self.parked = None;
            self.review = None;
            self.opening.dir = Some(owned.clone());
            let started = self.jobs.spawn(
                JobKind::Open,
                format!("opening {}", dir.display()),
                move || {
                    let result = Box::new(ProjectStore::open_first(&owned, None));
                    JobDone::Opened { dir: owned, result }
                },
            );
            if let Err(err) = started {
                self.opening.dir = None;
                self.say(format!("not opened: cannot start a thread: {err}"), true);
            }
            return;
        }
        let result = ProjectStore::open_first(dir, self.opening.then.as_deref());
        self.install_project(dir, result);
    }

    /// Makes an opened project the app's: a new session on it, its first document shown
    /// (or the one asked for while it was loading).
    pub(super) fn install_project(
        &mut self,
        dir: &Path,
        result: Result<(ProjectStore, Vec<crate::store::Problem>), StoreError>,
    ) {
        self.opening.dir = None;
        let wanted = self.opening.then.take();
        let (store, problems) = match result {
            Ok(opened) => opened,
            Err(err) => {
                // The folder named: a relative `project.ron:17:9` alone does not say which.
                self.say(format!("{} not opened: {err}", dir.display()), true);
                self.opening.failed = Some((dir.to_path_buf(), err.to_string()));
                return;
            }
        };
        self.opening.failed = None;
        self.problems = problems.iter().map(ToString::to_string).collect();
        if !problems.is_empty() {
            self.say(
                format!(
                    "{} in the project (see the documents panel); those files stay read-only",
                    super::messages::plural(problems.len(), "problem")
                ),
                true,
            );
        }
        let first = wanted
            .filter(|id| store.project.document(id).is_some())
            .or_else(|| store.project.documents.first().map(|d| d.meta.id.clone()));
        let mut session = Session::new(store, self.annotator());
        // Format-1 resolutions move before the journal replays onto their files.
        let migrated = super::tracking::migrate(&mut session);
        // Recovery reads the files of the documents it replays edits onto: what is left to
        // read is known after it.
        let recovered = session.recover();
        let remaining = (!session.store.is_complete()).then(|| session.store.remaining());
        self.session = Some(session);
        for (text, error) in migrated {
            self.say(text, error);
        }
        if let Some(recovery) = recovered {
            self.tell_recovery(&recovery);
        }
        self.tell_unsaved_review();
        // Views derived from the old session are keyed by its revisions, which the new one
        // counts again from zero.
        self.index_key = (String::new(), u64::MAX);
        if let Some(stale) = self.whole_index.take() {
            super::drop_elsewhere(stale);
        }
        self.suggestions = super::suggestions::SuggestState::default();
        self.list = super::panels::annotation_list::ListState::default();
        // The old project's layers may hold books' indexes: let go of elsewhere.
        super::drop_elsewhere(std::mem::take(&mut self.colleagues));
        self.review = None;
        self.view = None;
        self.parked = None;
        self.selected = None;
        self.conflict = super::app::Conflict::default();
        // The old project's counts would answer for the new one until it is read and counted.
        self.tracking.reset();
        self.loading = None;
        if let Some((remaining, session)) = remaining.zip(self.session.as_ref()) {
            let ctx = self.ctx.clone().unwrap_or_default();
            let project = session.store.project.clone();
            let revision = session.content_revision();
            let annotator = session.annotator().to_owned();
            match super::loading::Loading::start(remaining, project, revision, annotator, ctx) {
                Ok(loading) => self.loading = Some(loading),
                // Read here instead: slower to show, but complete.
                Err(_) => self.read_the_rest_now(),
            }
        }
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.prefs.recent.retain(|p| p != &abs);
        self.prefs.recent.insert(0, abs);
        self.prefs.recent.truncate(10);
        if let Some(first) = first {
            self.open_document(&first);
        }
        // Counted once the whole project is read (see `loading.rs`).
        if self.loading.is_none() {
            super::tracking::opened(self);
        }
    }

    /// Shows a document of the open project. The one shown before is kept, with its view and
    /// index, so that switching back to it builds neither again (a book's took two frames of
    /// 30 and 45 ms).
    pub(super) fn open_document(&mut self, id: &str) {
        // Parked before anything is read: reading another document's files is a step of the
        // session, after which the index would no longer look current. The document shown
        // again is not parked: its index stays, and the one parked before stays parked.
        let again = self.view.as_ref().is_some_and(|v| v.document == id);
        let shown = if again { None } else { self.park_shown() };
        self.read_document_now(id);
        let found = self.session.as_ref().and_then(|session| {
            let doc = session.store.project.document(id)?;
            let set = session.store.project.set(id, session.annotator());
            let fits = self
                .parked
                .as_ref()
                .is_some_and(|p| p.fits(session, id, &doc.text, set));
            Some((doc.text.clone(), session.revision(), fits))
        });
        let Some((text, revision, fits)) = found else {
            // No such document: the one shown stays as it was.
            if let Some(shown) = shown {
                self.unpark(shown, None);
            }
            return;
        };
        let back = if again {
            None
        } else {
            std::mem::replace(&mut self.parked, shown)
        };
        match back {
            Some(parked) if fits => self.unpark(parked, Some((id.to_owned(), revision))),
            other => {
                // Let go of elsewhere: a book's index holds a million annotations.
                if let Some(parked) = other {
                    super::drop_elsewhere(parked);
                }
                self.view = Some(ArticleView::new(id, text));
            }
        }
        if let Some(view) = &mut self.view {
            view.snap_to_words = self.prefs.snap_to_words;
        }
        self.selected = None;
        self.palette = None;
        self.search.forget();
    }

    /// Shows a parked document again, its index under `key` (or the key it was parked with).
    fn unpark(&mut self, parked: Parked, key: Option<(String, u64)>) {
        self.view = Some(parked.view);
        self.index = parked.index;
        self.index_key = key.unwrap_or(parked.key);
    }

    /// Takes the document shown out of view, with its index and, if the index is current,
    /// the set it is of.
    fn park_shown(&mut self) -> Option<Parked> {
        let session = self.session.as_ref()?;
        let view = self.view.take()?;
        let index = std::mem::take(&mut self.index);
        let key = std::mem::replace(&mut self.index_key, (String::new(), u64::MAX));
        let current = key == (view.document.clone(), session.revision());
        let set = current
            .then(|| {
                session
                    .store
                    .project
                    .set(&view.document, session.annotator())
            })
            .flatten()
            .map(AnnotationSet::snapshot);
        Some(Parked {
            instance: session.instance(),
            annotator: session.annotator().to_owned(),
            labels: label_names(&session.store.project.schema),
            set,
            view,
            index,
            key,
        })
    }

    /// Annotates as another person from now on (after saving the current one's work).
    pub(super) fn set_annotator(&mut self, name: String) {
        if let Some(problem) = crate::model::project::name_problem("the name", &name) {
            self.say(problem, true);
            return;
        }
        if !self.saved_first(super::saving::AfterSave::Annotator(name.clone())) {
            return;
        }
        if let Some(session) = &mut self.session {
            if let Err(errors) = session.set_annotator(name.clone()) {
                // The previous annotator's work is not saved: it stays theirs.
                self.report_save_errors(errors);
                self.say(
                    format!(
                        "still {}: your changes could not be saved",
                        self.annotator()
                    ),
                    true,
                );
                return;
            }
            let migrated = super::tracking::migrate(session);
            let recovered = session.recover();
            for (text, error) in migrated {
                self.say(text, error);
            }
            if let Some(recovery) = recovered {
                self.tell_recovery(&recovery);
            }
            self.tell_unsaved_review();
            // Counted again at once: the inspector's status of one's predictions and claims
            // comes from the counts, which only the tracking views refreshed.
            super::tracking::opened(self);
        }
        let changed = self.prefs.annotator != name;
        self.prefs.annotator = name.clone();
        self.selected = None;
        self.colleagues.show(&name, false);
        if changed {
            self.say(format!("you annotate as {name} now"), false);
        }
    }

    /// Throws away unsaved changes of the open document and reads the project again.
    pub(super) fn reload_from_disk(&mut self) {
        if let Some(session) = &self.session {
            let root = session.store.root().to_path_buf();
            // The open document again, whether the project loads now or in the background.
            self.opening.then = self.document().map(str::to_owned);
            self.session = None;
            self.open_project(&root);
        }
        self.conflict = super::app::Conflict::default();
    }

    /// Saves over files someone else changed.
    pub(super) fn overwrite_disk(&mut self) {
        let files = std::mem::take(&mut self.conflict.files);
        if let Some(session) = &mut self.session {
            for path in &files {
                session.keep_mine(path);
            }
        }
        self.conflict.document = None;
        self.save();
        // The files written whole: what was wrong with them on disk is gone.
        if let Some(session) = &self.session {
            let unsaved = session.dirty_files();
            let written: Vec<_> = files.into_iter().filter(|f| !unsaved.contains(f)).collect();
            self.forget_problems_of(&written);
            if !written.is_empty() {
                let names: Vec<String> = written.iter().map(|f| f.display().to_string()).collect();
                self.say(
                    format!("your version kept: {} written again", names.join(", ")),
                    false,
                );
            }
        }
    }

    /// Saves, then reads the project from disk again on the same document.
    pub(super) fn reopen_project(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        let errors = session.save_now();
        if !errors.is_empty() {
            // Reopening now would drop what could not be saved.
            self.report_save_errors(errors);
            return;
        }
        let root = session.store.root().to_path_buf();
        let doc = self.document().map(str::to_owned);
        // Shown once the project is read, whether now or in the background.
        self.opening.then.clone_from(&doc);
        self.open_project(&root);
        if let Some(doc) = doc
            && self.session.is_some()
        {
            self.open_document(&doc);
        }
    }

    /// Re-anchors a document whose text was corrected, then reads the project again on it.
    pub(super) fn reanchor(&mut self, document: &str) {
        let Some(session) = &mut self.session else {
            return;
        };
        let errors = session.save_now();
        if !errors.is_empty() {
            self.report_save_errors(errors);
            return;
        }
        match session.store.reanchor(document) {
            Ok(reports) => {
                let root = session.store.root().to_path_buf();
                for r in &reports {
                    let placed = r.unchanged + r.moved + r.corrected;
                    self.say(
                        format!(
                            "{}: {placed} of {} placed on the new text ({} on corrected words){}",
                            r.annotator,
                            super::messages::plural(r.total, "annotation"),
                            r.corrected,
                            if r.unplaced.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "; {} not placed, kept in {} and listed under Problems",
                                    r.unplaced.len(),
                                    r.unplaced_file.display()
                                )
                            }
                        ),
                        !r.unplaced.is_empty(),
                    );
                }
                self.opening.then = Some(document.to_owned());
                self.session = None;
                self.open_project(&root);
            }
            Err(err) => self.say(format!("not re-anchored: {err}"), true),
        }
    }

    /// Keeps the index of the open document's own annotations current: follows one session
    /// step, or rebuilds; a big set's from its first part, the whole index built meanwhile on
    /// a thread (one build at a time) and taken when it is done, or at once when a view asked
    /// past the part.
    pub(super) fn refresh_index(&mut self) {
        let (Some(session), Some(view)) = (&self.session, self.view.as_ref()) else {
            return;
        };
        let doc = view.document.as_str();
        let key = (doc.to_owned(), session.revision());
        let schema = &session.store.project.schema;
        let whole_key = (session.instance(), key.clone());
        let set = session.store.project.set(doc, session.annotator());
        let annotations = set.map(|s| s.annotations()).unwrap_or_default();
        if !self.index.is_part()
            && let Some(job) = self.whole_index.take()
        {
            // The whole index came another way (the reading thread's, a parked one).
            super::drop_elsewhere(job);
        }
        if self.index.is_part() && self.index.fell_short() {
            // The view asked past the part: the whole index now, before anything follows
            // the part (the build under way if it is of this state or the step before, else
            // built here), and the frame is drawn again.
            let whole = match self.whole_index.take() {
                Some(job) if usable(session, job.key(), &whole_key) => {
                    let from = job.key().1.clone();
                    job.wait()
                        .and_then(|index| landed(session, schema, &from, &key, index))
                }
                other => {
                    if let Some(job) = other {
                        super::drop_elsewhere(job);
                    }
                    None
                }
            };
            self.replace_index(whole.unwrap_or_else(|| SpanIndex::new(schema, annotations)));
            self.index_key = key;
            return;
        }
        if self.index.is_part() && self.index_key == key {
            let whole = match self.whole_index.take() {
                Some(job) if usable(session, job.key(), &whole_key) => match job.try_take() {
                    Ok(None) => {
                        self.whole_index = Some(job);
                        return;
                    }
                    Ok(Some(index)) => landed(session, schema, &job.key().1, &key, index),
                    // Its thread is gone: built here.
                    Err(_) => Some(SpanIndex::new(schema, annotations)),
                },
                other => {
                    // Of another document or an older state: let go of it (it finishes on
                    // its own thread), and build again.
                    if let Some(job) = other {
                        super::drop_elsewhere(job);
                    }
                    None
                }
            };
            match (whole, set) {
                // A part can hold a quarter of a book's annotations.
                (Some(whole), _) => self.replace_index(whole),
                (None, Some(set)) => {
                    self.whole_index = Some(Whole::spawn(
                        whole_key,
                        schema,
                        set.snapshot(),
                        self.ctx.clone(),
                    ));
                }
                (None, None) => self.index = SpanIndex::new(schema, annotations),
            }
            return;
        }
        if key == self.index_key {
            return;
        }
        match step_since(session, &self.index_key, &key, self.index.len()) {
            Some(changes) => self.index.follow(schema, changes),
            None => {
                // A big set: the part a view shows first now (a book's first screens), the
                // whole index on a thread (27 ms at a million annotations on two). Not when
                // the view shows much of the set (the part would take long itself).
                let through = view.likely_shown_before();
                let before = annotations.starting_before(through);
                let new = match set {
                    Some(set)
                        if annotations.len() >= super::span_index::PARALLEL_BUILD
                            && before < annotations.len()
                            && before <= annotations.len() / 4 =>
                    {
                        // One build at a time: one under way that serves is taken when it
                        // lands; another is let go of.
                        let serves = self
                            .whole_index
                            .as_ref()
                            .is_some_and(|job| usable(session, job.key(), &whole_key));
                        if !serves {
                            if let Some(stale) = self.whole_index.take() {
                                super::drop_elsewhere(stale);
                            }
                            let job =
                                Whole::spawn(whole_key, schema, set.snapshot(), self.ctx.clone());
                            self.whole_index = Some(job);
                        }
                        SpanIndex::first_part(schema, annotations, through)
                    }
                    _ => {
                        if let Some(stale) = self.whole_index.take() {
                            super::drop_elsewhere(stale);
                        }
                        SpanIndex::new(schema, annotations)
                    }
                };
                self.replace_index(new);
            }
        }
        self.index_key = key;
    }

    /// Shows the open document with this index, letting go of the one before (elsewhere if
    /// big, see [`super::span_index::let_go`]).
    pub(super) fn replace_index(&mut self, index: SpanIndex) {
        let old = std::mem::replace(&mut self.index, index);
        super::span_index::let_go(old);
    }

    /// Collects finished background jobs and reports them; keeps repainting while any runs.
    pub(super) fn finish_jobs(&mut self, ctx: &egui::Context) {
        if self.jobs.is_empty() {
            return;
        }
        for done in self.jobs.take_finished() {
            match done {
                Ok(JobDone::Exported {
                    format,
                    out,
                    result,
                }) => self.exported(format, &out, result),
                Ok(JobDone::Read {
                    format,
                    path,
                    result,
                }) => self.imported(format, path, result),
                Ok(JobDone::Opened { dir, result }) => self.install_project(&dir, *result),
                Ok(JobDone::ReviewReady(ready)) => self.begin_review(*ready),
                Ok(JobDone::Compared(compared)) => self.compared_again(*compared),
                Ok(JobDone::Synced(result, reloaded)) => {
                    super::team::synced(self, result, reloaded);
                }
                Ok(JobDone::Fetched { url, result }) => self.fetched(&url, result),
                Ok(JobDone::ArticlesRead(read)) => self.articles_read(read),
                Ok(JobDone::ImportPlanned(planned)) => self.import_planned(*planned),
                Ok(JobDone::Imported(imported)) => self.imported_all(*imported),
                Ok(JobDone::Stepped(stepped)) => self.stepped(stepped),
                Err(what) => self.say(format!("{what} failed unexpectedly"), true),
            }
        }
        if !self.jobs.is_empty() {
            // The spinner turns and the result shows as soon as it is there.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
}

/// A document shown before, kept for switching back: its view (with where it was read) and
/// the index of the annotator's set as it was then.
pub(super) struct Parked {
    /// The session, and who annotated, it was shown in.
    instance: u64,
    annotator: String,
    /// The schema's labels then, in order: the index knows labels by their place.
    labels: Vec<String>,
    /// The set the index is of, if the index was current.
    set: Option<crate::model::Snapshot>,
    view: ArticleView,
    index: SpanIndex,
    /// The index's key when it was parked.
    key: (String, u64),
}

/// The names of a schema's labels, in order.
fn label_names(schema: &crate::model::Schema) -> Vec<String> {
    schema.labels.iter().map(|l| l.name.clone()).collect()
}

impl Parked {
    /// Whether this is document `id` as it is now: the same session, annotator and text, and
    /// the set unchanged since the index was made.
    fn fits(
        &self,
        session: &crate::session::Session,
        id: &str,
        text: &crate::model::DocText,
        set: Option<&AnnotationSet>,
    ) -> bool {
        self.instance == session.instance()
            && self.annotator == session.annotator()
            && self.view.document == id
            && self.view.text().shares(text)
            && self.labels == label_names(&session.store.project.schema)
            && match (set, &self.set) {
                (Some(set), Some(held)) => set.is_as(held),
                _ => false,
            }
    }
}

/// The changes of the one session step from state `from` (document, revision) to `to`, if
/// an index of `len` fragments follows them rather than being built again: following a
/// change costs 1–2 µs and a rebuild 40–55 ns per annotation (3.8 ms at 100k, 55 ms at a
/// million on two threads), so a step of up to one change per 32 fragments (a tag-all of
/// 1,000 hits in a book: about 2 ms, where a rebuild held the window for 55) is followed, and
/// a step big for its set (an import, a review start) is not.
fn step_since<'s>(
    session: &'s Session,
    from: &(String, u64),
    to: &(String, u64),
    len: usize,
) -> Option<&'s [crate::session::SetChange]> {
    let (changed, changes) = session.last_changes()?;
    (changed == to.0
        && from.0 == to.0
        && from.1.checked_add(1) == Some(to.1)
        && changes.len() <= FOLLOW_AT_LEAST.max(len / 32))
    .then_some(changes)
}

/// Whether a whole index built for state `built` serves state `now`: the same, or the one
/// step before it on the same document (which it then follows, see [`landed`]).
fn usable(session: &Session, built: &WholeKey, now: &WholeKey) -> bool {
    built == now
        || (built.0 == now.0
            && built.1.0 == now.1.0
            && built.1.1.checked_add(1) == Some(now.1.1)
            && session
                .last_changes()
                .is_some_and(|(changed, _)| changed == now.1.0))
}

/// A whole index built for state `from`, made the index of state `to`: as it is, or having
/// followed the step between; `None` (let go of elsewhere) if that step is too big to follow.
fn landed(
    session: &Session,
    schema: &crate::model::Schema,
    from: &(String, u64),
    to: &(String, u64),
    mut index: SpanIndex,
) -> Option<SpanIndex> {
    if from == to {
        return Some(index);
    }
    match step_since(session, from, to, index.len()) {
        Some(changes) => {
            index.follow(schema, changes);
            Some(index)
        }
        None => {
            super::drop_elsewhere(index);
            None
        }
    }
}

/// What the whole index of the document shown is built for: the session, the document and
/// its revision.
pub(super) type WholeKey = (u64, (String, u64));

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::model::{Annotation, CharOffset, checked_fragments};
    use crate::store::ProjectStore;
    use crate::ui::span_index::{SpanIndex, Whole, found};
    use crate::ui::{LectorApp, Prefs};

    /// A project of a small document and a book with an annotation on each of its 40,000
    /// words, and the app on it as anna, reading it: (folder, app, small, book).
    fn a_book() -> (tempfile::TempDir, LectorApp, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let small = store
            .add_text("a.txt", "A", "Putin möter Lukashenko i Sotji.".to_owned())
            .unwrap();
        let words: String = (0..40_000).map(|i| format!("ord{i:05} ")).collect();
        let book = store.add_text("b.txt", "Book", words).unwrap();
        let text = store.project.document(&book).unwrap().text.clone();
        let annotations = (0..40_000u32)
            .map(|i| {
                let label = ["Person", "Place"][i as usize % 2];
                Annotation::new(
                    label,
                    checked_fragments(&text, &[(i * 9, i * 9 + 8)]).unwrap(),
                )
            })
            .collect();
        store
            .project
            .set_mut(&book, "anna")
            .replace_all(annotations);
        store.save_set(&book, "anna").unwrap();
        drop(store);
        let prefs = Prefs {
            annotator: "anna".to_owned(),
            ..Prefs::default()
        };
        let app = LectorApp::new(
            &egui::Context::default(),
            prefs,
            Some(dir.path().to_owned()),
        );
        (dir, app, small, book)
    }

    /// Tags `word` of the book (one step).
    fn tag(app: &mut LectorApp, book: &str, word: u32) -> Arc<Annotation> {
        let text = app
            .session
            .as_ref()
            .unwrap()
            .store
            .project
            .document(book)
            .unwrap()
            .text
            .clone();
        let tag = Arc::new(Annotation::new(
            "Organization",
            checked_fragments(&text, &[(word * 9, word * 9 + 5)]).unwrap(),
        ));
        app.apply(crate::ui::Command::Edit(vec![
            crate::session::Edit::Insert(Arc::clone(&tag)),
        ]));
        tag
    }

    /// While the book's whole index is built, tags are followed by its first part. A whole
    /// index built a step before it lands follows that step; one built two steps before is
    /// let go of and built again. Either way the index ends whole and finds what one built
    /// afresh finds, the tags included.
    #[test]
    fn tags_made_while_the_whole_index_is_built_are_in_it() {
        let (_dir, mut app, small, book) = a_book();
        let ctx = egui::Context::default();
        let deadline = Instant::now() + Duration::from_secs(30);
        while app.loading.is_some() || app.document() != Some(small.as_str()) {
            assert!(
                Instant::now() < deadline,
                "never read: {:?}",
                app.document()
            );
            std::thread::sleep(Duration::from_millis(5));
            app.finish_jobs(&ctx);
            app.take_loaded();
        }
        let fresh = |app: &LectorApp| {
            let schema = &app.session.as_ref().unwrap().store.project.schema;
            found(&SpanIndex::new(schema, app.annotations()), 0, u32::MAX)
        };
        for steps in [1, 2] {
            app.open_document(&small);
            app.refresh_index();
            app.open_document(&book);
            app.index_key = (String::new(), u64::MAX);
            app.refresh_index();
            assert!(app.index.is_part(), "the first part");
            let job = app.whole_index.take().expect("the whole index is built");
            let (held, release, _) = Whole::held(job.key().clone());
            app.whole_index = Some(held);
            for k in 0..steps {
                let tag = tag(&mut app, &book, 10 + k);
                app.refresh_index();
                assert!(app.index.is_part(), "still the part");
                let mut frags = Vec::new();
                app.index.query(90, 100 + 9 * k, &mut frags);
                assert!(frags.iter().any(|f| app.index.is_of(f, &tag)), "followed");
            }
            let whole = job.wait().unwrap();
            if steps == 1 {
                // It lands a step behind: it follows the step, in the next refresh.
                release.send(whole).unwrap();
                app.refresh_index();
                assert!(!app.index.is_part(), "whole at once");
            } else {
                // Two steps behind: let go of, and another build started for this state.
                app.refresh_index();
                assert!(app.index.is_part(), "still the part");
                // (It is let go of on another thread: sent or not, it is not taken.)
                let _ = release.send(whole);
                let session = app.session.as_ref().unwrap();
                let now = (session.instance(), app.index_key.clone());
                assert_eq!(app.whole_index.as_ref().map(|j| j.key()), Some(&now));
                let deadline = Instant::now() + Duration::from_secs(30);
                while app.index.is_part() {
                    assert!(Instant::now() < deadline, "never whole");
                    std::thread::sleep(Duration::from_millis(5));
                    app.refresh_index();
                }
            }
            assert!(app.whole_index.is_none(), "{steps} steps: no build left");
            let (got, expected) = (found(&app.index, 0, u32::MAX), fresh(&app));
            assert!(
                got == expected,
                "{steps} steps: {} found, {} expected",
                got.len(),
                expected.len()
            );
        }
    }

    /// A book with an annotation on each of its 40,000 words opens from the first part of its
    /// span index, which finds on its first screens what the whole index finds; the whole
    /// index is built on a thread and taken when it is done. A jump far into the book before
    /// it is done draws that frame again with the whole index before it is shown (the second
    /// pass of the frame), and no frame is left drawn past the part.
    #[test]
    fn a_book_opens_from_the_first_part_of_its_index_and_is_never_drawn_past_it() {
        let (_dir, app, small, book) = a_book();
        let mut h = egui_kittest::Harness::builder()
            .with_size(egui::vec2(1360.0, 860.0))
            .build_ui_state(|ui, app: &mut LectorApp| app.show(ui), app);
        let deadline = Instant::now() + Duration::from_secs(30);
        while h.state().loading.is_some() || h.state().document() != Some(small.as_str()) {
            assert!(Instant::now() < deadline, "never read");
            std::thread::sleep(Duration::from_millis(5));
            h.step();
        }

        let app = h.state_mut();
        app.open_document(&book);
        app.refresh_index();
        assert!(app.index.is_part(), "the first part");
        let whole_now = SpanIndex::new(
            &app.session.as_ref().unwrap().store.project.schema,
            app.annotations(),
        );
        let through = app.view.as_ref().unwrap().likely_shown_before();
        assert!(through < 100_000, "{through}");
        assert_eq!(found(&app.index, 0, through), found(&whole_now, 0, through));
        assert!(found(&app.index, 0, through).len() > 7_000);
        // The whole index is taken once it is built.
        let deadline = Instant::now() + Duration::from_secs(30);
        while h.state().index.is_part() {
            assert!(Instant::now() < deadline, "never taken");
            std::thread::sleep(Duration::from_millis(5));
            h.step();
        }
        let app = h.state();
        assert!(app.index.is_of_set(app.annotations()));
        assert!(app.whole_index.is_none());

        // Again, with the whole index held back: the first screens are drawn from the part.
        let app = h.state_mut();
        app.open_document(&small);
        app.open_document(&book);
        app.index_key = (String::new(), u64::MAX);
        app.refresh_index();
        assert!(app.index.is_part(), "the first part");
        let job = app.whole_index.take().expect("the whole index is built");
        let (held, release, waited) = Whole::held(job.key().clone());
        app.whole_index = Some(held);
        h.step();
        assert!(h.state().view().unwrap().painted());
        assert!(h.state().index.is_part() && !h.state().index.fell_short());
        // A jump deep into the book: the frame is drawn past the part, then again (before it
        // is shown) with the whole index, which the window waits for.
        let whole = job.wait().unwrap();
        let sender = std::thread::spawn(move || {
            // Only once the window waits: until then the build is not done.
            if waited.recv().is_ok() {
                let _ = release.send(whole);
            }
        });
        h.state_mut()
            .view_mut()
            .unwrap()
            .scroll_to(CharOffset(300_000));
        let passes = h.ctx.cumulative_pass_nr();
        let mut frames = 0;
        while h.state().index.is_part() {
            assert!(frames < 100, "never drawn past the part");
            h.step();
            frames += 1;
        }
        sender.join().unwrap();
        assert_eq!(
            h.ctx.cumulative_pass_nr() - passes,
            frames + 1,
            "the frame drawn past the part, drawn again"
        );
        let app = h.state();
        assert!(!app.index.is_part() && !app.index.fell_short());
        assert!(app.index.is_of_set(app.annotations()));
        assert!(app.view().unwrap().painted());
    }
}
