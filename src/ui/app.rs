//! The app: its state, the commands the UI produces, and the one place they are applied.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::article::{ArticleView, Overlay, Selection};
use super::span_index::SpanIndex;
use crate::model::{Annotation, AnnotationId, CharOffset, checked_fragments};
use crate::session::{Edit, Session};
use crate::store::{ProjectStore, StoreError};

/// What the app remembers between runs (eframe storage: UI preferences only, never project
/// data).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The annotator's name; asked once.
    pub annotator: String,
    /// Recently opened projects, newest first.
    pub recent: Vec<PathBuf>,
    /// Article text zoom.
    pub zoom: f32,
    /// Dark theme.
    pub dark: bool,
    /// Snap mouse selections to whole words.
    pub snap_to_words: bool,
    /// Where projects made for single articles go (asked once).
    pub article_projects: Option<PathBuf>,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            annotator: String::new(),
            recent: Vec::new(),
            zoom: 1.0,
            dark: false,
            snap_to_words: true,
            article_projects: None,
        }
    }
}

/// A user action, applied after the UI pass in [`LectorApp::apply`].
#[must_use]
#[derive(Debug, Clone)]
pub enum Command {
    /// Change the current annotator's annotations of the open document.
    Edit(Vec<Edit>),
    /// Undo on the open document.
    Undo,
    /// Redo on the open document.
    Redo,
    /// Save everything now.
    Save,
    /// Show a document.
    OpenDocument(String),
    /// Open a project folder, or make a project for an article.
    OpenPath(PathBuf),
    /// Make a new project in a folder.
    NewProject(PathBuf),
    /// Add article files to the project.
    AddArticles(Vec<PathBuf>),
    /// Export every annotator's annotations of every document.
    Export {
        /// The format.
        format: crate::formats::Format,
        /// The file or folder to write.
        out: PathBuf,
    },
    /// Import annotations of another tool into the annotator's own sets.
    Import {
        /// The format.
        format: crate::formats::Format,
        /// The file or folder to read.
        path: PathBuf,
    },
    /// Make a project in a folder for an article; remember the folder's parent for next time.
    ProjectFor {
        /// The article.
        article: PathBuf,
        /// The project folder.
        dir: PathBuf,
    },
    /// Change who is annotating.
    SetAnnotator(String),
    /// Review the open document: compare these annotators, build the reviewed set.
    StartReview(Vec<String>),
    /// Settle the disagreement being looked at.
    Settle(crate::model::review::Choice),
    /// Go to the next (or previous) disagreement.
    StepDisagreement(bool),
    /// Look at this unit of the review (index into the alignment's units).
    ShowUnit(usize),
    /// Leave review mode and annotate as oneself again.
    FinishReview,
    /// Select an annotation (and scroll to it).
    Select(Option<AnnotationId>),
    /// Tag the selection with a label.
    TagSelection(String),
    /// Add the selection as a further fragment of the selected annotation.
    AddFragment,
    /// Tag every search hit with a label.
    TagAllHits(String),
    /// Delete the selected annotation.
    DeleteSelected,
    /// Throw away unsaved changes of the open document and read it from disk again.
    ReloadFromDisk,
    /// Save over a file someone else changed.
    OverwriteDisk,
    /// Save, then commit the annotator's files, pull and push with git, in the background.
    Sync,
    /// Save, then read the project from disk again, keeping the open document (when
    /// `project.ron` or a document text changed on disk).
    ReopenProject,
    /// Place every annotation of a document whose text was corrected again on the new text.
    Reanchor(String),
    /// An action of the Predictions, Claims or Track record views (see `tracking.rs`).
    Track(super::tracking::TrackCommand),
}

/// What the annotation list's rows depend on: document, revision, text filter, label filter.
pub type ListKey = (String, u64, String, Option<String>);

/// A message in the status bar.
#[derive(Debug, Clone)]
pub struct Message {
    /// The text.
    pub text: String,
    /// An error (red) or information.
    pub error: bool,
    /// When it was shown.
    pub at: Instant,
}

/// State of the search bar.
#[derive(Debug, Default)]
pub struct Search {
    /// Shown.
    pub open: bool,
    /// Wants keyboard focus next frame.
    pub focus: bool,
    /// The query.
    pub query: String,
    /// Hits of the query in the open document.
    pub hits: Vec<(CharOffset, CharOffset)>,
    /// The current hit.
    pub current: Option<usize>,
    /// Label for "tag all hits".
    pub label: String,
    /// (document, query) the hits are for.
    key: (String, String),
}

/// The label palette next to the selection.
#[derive(Debug, Default)]
pub struct Palette {
    /// Type to filter.
    pub filter: String,
    /// Highlighted row.
    pub highlighted: usize,
}

/// A dialog that asks for a path (the fallback when no native file dialog is available).
#[derive(Debug)]
pub struct PathPrompt {
    /// What the path is for.
    pub purpose: PathPurpose,
    /// What the user typed.
    pub input: String,
}

/// What a [`PathPrompt`] is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPurpose {
    /// Open a project folder or an article.
    Open,
    /// Make a new project.
    New,
    /// Add articles (paths separated by newlines).
    Add,
    /// Where to make a project for this article.
    ProjectFor(PathBuf),
    /// Where to export the project, in which format.
    Export(crate::formats::Format),
    /// What to import, in which format.
    Import(crate::formats::Format),
}

/// Work that runs off the UI thread (exports and imports of big projects), so that the
/// window stays responsive and shows that it is busy.
pub struct Job {
    /// What is being done, for the status bar.
    pub what: String,
    /// When it started.
    pub started: Instant,
    handle: std::thread::JoinHandle<JobDone>,
}

impl Job {
    /// Starts work on a named thread of its own.
    pub(super) fn spawn(
        what: String,
        work: impl FnOnce() -> JobDone + Send + 'static,
    ) -> std::io::Result<Self> {
        let handle = std::thread::Builder::new()
            .name("lector-job".to_owned())
            .spawn(work)?;
        Ok(Self {
            what,
            started: Instant::now(),
            handle,
        })
    }
}

/// What a finished [`Job`] brings back.
pub(super) enum JobDone {
    Exported {
        format: crate::formats::Format,
        out: PathBuf,
        result: Result<crate::formats::LossReport, crate::formats::FormatError>,
    },
    Read {
        format: crate::formats::Format,
        result: Result<crate::formats::import::Parsed, crate::formats::FormatError>,
    },
    Opened {
        dir: PathBuf,
        result: Box<Result<(ProjectStore, Vec<crate::store::Problem>), StoreError>>,
    },
    Synced(Result<crate::sync::SyncReport, crate::sync::SyncError>),
    ReviewReady(Box<Result<ReviewStart, crate::review::AgreementError>>),
}

/// Reviews of more annotations than this are prepared in the background.
const BACKGROUND_REVIEW_ANNOTATIONS: usize = 20_000;

/// What a review starts from.
pub(super) struct ReviewStart {
    document: String,
    reviewer: String,
    alignment: crate::review::Alignment,
    figures: Option<crate::review::AgreementReport>,
    /// The edits that take the agreements into the reviewed set.
    edits: Vec<Edit>,
}

/// Aligns the annotators' work on a document, measures their agreement, and prepares the
/// edits that take what they agree on. Pure: runs on a copy of the project for big reviews.
fn prepare_review(
    project: &crate::model::Project,
    document: &str,
    reviewer: &str,
    annotators: &[String],
) -> Result<ReviewStart, crate::review::AgreementError> {
    let alignment = crate::review::align_document(project, document, annotators)?;
    let figures = crate::review::document_agreement(project, document, annotators).ok();
    let edits =
        crate::review::adjudication::take_agreements(project, document, reviewer, &alignment);
    Ok(ReviewStart {
        document: document.to_owned(),
        reviewer: reviewer.to_owned(),
        alignment,
        figures,
        edits,
    })
}

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

/// The Lector app.
pub struct LectorApp {
    /// Preferences.
    pub prefs: Prefs,
    /// The open project, if any.
    pub session: Option<Session>,
    /// The open document's view.
    pub view: Option<ArticleView>,
    index: SpanIndex,
    index_key: (String, u64),
    /// The selected annotation.
    pub selected: Option<AnnotationId>,
    /// The label palette, when open.
    pub palette: Option<Palette>,
    /// The search bar.
    pub search: Search,
    /// Annotation list filter text.
    pub list_filter: String,
    /// Annotation list label filter.
    pub list_label: Option<String>,
    /// The list's rows for (document, revision, filter, label).
    pub list_rows: (ListKey, Vec<usize>),
    /// The shortcut overlay.
    pub help_open: bool,
    /// Asking for a path.
    pub path_prompt: Option<PathPrompt>,
    /// Asking for the annotator's name.
    pub name_prompt: Option<String>,
    /// Status bar messages, newest last.
    pub messages: Vec<Message>,
    /// A file of ours changed on disk and cannot be merged into: the document whose file it
    /// is (the bar offering reload or keep mine).
    pub conflict: Option<String>,
    /// The files of that conflict, relative to the project.
    pub conflict_files: Vec<PathBuf>,
    /// Problems found when the project was opened.
    pub problems: Vec<String>,
    /// Commands produced this frame.
    pub commands: Vec<Command>,
    /// Text fields of the inspector being edited: (annotation, field) → text.
    pub buffers: std::collections::HashMap<(String, String), String>,
    /// Fonts and options installed in the context.
    context_ready: bool,
    /// Exports, imports and syncs running in the background.
    pub jobs: Vec<Job>,
    /// The project being opened in the background.
    pub opening: Option<PathBuf>,
    /// The document to show once the project being opened is read.
    open_after_load: Option<String>,
    /// The review being done, in review mode.
    pub review: Option<super::review::ReviewState>,
    /// Choosing the annotators to review.
    pub review_picker: Option<std::collections::BTreeSet<String>>,
    /// File dialogs: the system's where they work, else typed paths.
    pub dialogs: super::dialogs::Dialogs,
    /// Files changed on disk, and git sync.
    pub team: super::team::Team,
    /// The Predictions, Claims and Track record views, and certainty proposals.
    pub tracking: super::tracking::TrackingState,
}

impl std::fmt::Debug for LectorApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LectorApp").finish_non_exhaustive()
    }
}

fn default_annotator() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    if crate::model::project::is_safe_name(&name) {
        name
    } else {
        String::new()
    }
}

impl LectorApp {
    /// The app on a path, else the last project, else the sample project.
    pub fn new(ctx: &egui::Context, prefs: Prefs, path: Option<PathBuf>) -> Self {
        let mut app = Self {
            prefs,
            session: None,
            view: None,
            index: SpanIndex::default(),
            index_key: (String::new(), u64::MAX),
            selected: None,
            palette: None,
            search: Search::default(),
            list_filter: String::new(),
            list_label: None,
            list_rows: Default::default(),
            help_open: false,
            path_prompt: None,
            name_prompt: None,
            messages: Vec::new(),
            conflict: None,
            conflict_files: Vec::new(),
            problems: Vec::new(),
            commands: Vec::new(),
            buffers: std::collections::HashMap::new(),
            context_ready: false,
            jobs: Vec::new(),
            review: None,
            review_picker: None,
            opening: None,
            open_after_load: None,
            dialogs: super::dialogs::Dialogs::default(),
            team: super::team::Team::default(),
            tracking: super::tracking::TrackingState::default(),
        };
        let _ = ctx;
        if app.prefs.annotator.is_empty() {
            app.name_prompt = Some(default_annotator());
        }
        let target = path
            .or_else(|| {
                app.prefs
                    .recent
                    .iter()
                    .find(|p| p.join(crate::store::PROJECT_FILE).is_file())
                    .cloned()
            })
            .or_else(super::sample_project);
        if let Some(target) = target {
            app.open_path(&target);
        }
        app
    }

    /// The annotator name in use (a placeholder until one is given).
    fn annotator(&self) -> String {
        if self.prefs.annotator.is_empty() {
            "me".to_owned()
        } else {
            self.prefs.annotator.clone()
        }
    }

    /// Shows a message in the status bar.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.messages.push(Message {
            text: text.into(),
            error,
            at: Instant::now(),
        });
        if self.messages.len() > 20 {
            self.messages.remove(0);
        }
    }

    fn open_path(&mut self, path: &Path) {
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
                self.path_prompt = Some(PathPrompt {
                    purpose: PathPurpose::ProjectFor(path.to_path_buf()),
                    input: default.display().to_string(),
                });
            }
        }
    }

    /// Makes (or reuses) the project in `dir` for one article and opens it.
    fn make_project_for(&mut self, article: &Path, dir: &Path) {
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

    fn open_project(&mut self, dir: &Path) {
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
        if annotation_bytes(dir) > BACKGROUND_OPEN_BYTES {
            // Parsing takes a good part of a second per 100k annotations: the window keeps
            // answering, with a spinner, and the project appears when it is read.
            let owned = dir.to_path_buf();
            self.session = None;
            self.view = None;
            self.review = None;
            self.opening = Some(owned.clone());
            self.jobs.push(Job {
                what: format!("opening {}", dir.display()),
                started: Instant::now(),
                handle: std::thread::spawn(move || {
                    let result = Box::new(ProjectStore::open(&owned));
                    JobDone::Opened { dir: owned, result }
                }),
            });
            return;
        }
        let result = ProjectStore::open(dir);
        self.install_project(dir, result);
    }

    /// Makes an opened project the app's: a new session on it, its first document shown
    /// (or the one asked for while it was loading).
    fn install_project(
        &mut self,
        dir: &Path,
        result: Result<(ProjectStore, Vec<crate::store::Problem>), StoreError>,
    ) {
        self.opening = None;
        let wanted = self.open_after_load.take();
        match result {
            Ok((store, problems)) => {
                self.problems = problems.iter().map(ToString::to_string).collect();
                if !problems.is_empty() {
                    self.say(format!("{} problems in the project (see the left panel); those files stay read-only", problems.len()), true);
                }
                let first = wanted
                    .filter(|id| store.project.document(id).is_some())
                    .or_else(|| store.project.documents.first().map(|d| d.meta.id.clone()));
                let mut session = Session::new(store, self.annotator());
                // Format-1 resolutions move before the journal replays onto their files.
                let migrated = super::tracking::migrate(&mut session);
                let recovered = session.recover();
                self.session = Some(session);
                for (text, error) in migrated {
                    self.say(text, error);
                }
                if let Some(recovery) = recovered {
                    self.tell_recovery(&recovery);
                }
                // Views derived from the old session are keyed by its revisions, which the
                // new one counts again from zero.
                self.index_key = (String::new(), u64::MAX);
                self.list_rows = Default::default();
                self.review = None;
                self.view = None;
                self.selected = None;
                self.conflict = None;
                self.conflict_files.clear();
                let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
                self.prefs.recent.retain(|p| p != &abs);
                self.prefs.recent.insert(0, abs);
                self.prefs.recent.truncate(10);
                if let Some(first) = first {
                    self.open_document(&first);
                }
                super::tracking::opened(self);
            }
            Err(err) => self.say(format!("{err}"), true),
        }
    }

    fn open_document(&mut self, id: &str) {
        let Some(session) = &self.session else { return };
        let Some(doc) = session.store.project.document(id) else {
            return;
        };
        let mut view = ArticleView::new(id, doc.text.clone());
        view.snap_to_words = self.prefs.snap_to_words;
        self.view = Some(view);
        self.selected = None;
        self.palette = None;
        self.search.key = (String::new(), String::new());
    }

    /// The open document's id.
    pub fn document(&self) -> Option<&str> {
        self.view.as_ref().map(|v| v.document.as_str())
    }

    /// The current annotator's annotations of the open document.
    pub fn annotations(&self) -> &[Arc<Annotation>] {
        match (&self.session, self.document()) {
            (Some(s), Some(d)) => s
                .store
                .project
                .set(d, s.annotator())
                .map_or(&[], |set| set.annotations()),
            _ => &[],
        }
    }

    /// The selected annotation.
    pub fn selected_annotation(&self) -> Option<&Annotation> {
        let id = self.selected.as_ref()?;
        self.annotations()
            .iter()
            .find(|a| &a.id == id)
            .map(|a| &**a)
    }

    fn refresh_index(&mut self) {
        let (Some(session), Some(doc)) = (&self.session, self.document()) else {
            return;
        };
        let key = (doc.to_owned(), session.revision());
        if key == self.index_key {
            return;
        }
        let schema = &session.store.project.schema;
        // One step after the index's revision on the same document: follow the step's
        // changes (well under a millisecond at 100k spans) instead of rebuilding (several).
        let step = match session.last_changes() {
            // Each followed change is a few linear passes: a big step (an import, a review
            // start) is cheaper to rebuild.
            Some((changed, changes))
                if changed == doc
                    && changes.len() <= 64
                    && self.index_key.0 == doc
                    && self.index_key.1.checked_add(1) == Some(key.1) =>
            {
                Some(changes)
            }
            _ => None,
        };
        match step {
            Some(changes) => self.index.follow(schema, changes),
            None => {
                let annotations = session
                    .store
                    .project
                    .set(doc, session.annotator())
                    .map_or(&[][..], |s| s.annotations());
                self.index = SpanIndex::new(schema, annotations);
            }
        }
        self.index_key = key;
    }

    fn refresh_search(&mut self) {
        let Some(view) = &self.view else { return };
        let key = (view.document.clone(), self.search.query.clone());
        if key == self.search.key {
            return;
        }
        self.search.hits = find_all(view.text(), &self.search.query);
        self.search.current = if self.search.hits.is_empty() {
            None
        } else {
            Some(0)
        };
        self.search.key = key;
        if let Some(&(s, e)) = self.search.hits.first() {
            self.select_hit(s, e);
        }
    }

    fn select_hit(&mut self, s: CharOffset, e: CharOffset) {
        if let Some(view) = &mut self.view {
            view.selection = Selection { anchor: s, head: e };
            view.scroll_to(s);
        }
    }

    /// Moves to the next (or previous) search hit.
    pub fn step_hit(&mut self, forward: bool) {
        let n = self.search.hits.len();
        if n == 0 {
            return;
        }
        let next = match self.search.current {
            Some(c) if forward => (c + 1) % n,
            Some(c) => (c + n - 1) % n,
            None => 0,
        };
        self.search.current = Some(next);
        let (s, e) = self.search.hits[next];
        self.select_hit(s, e);
    }

    /// The whole UI for one frame, then the commands it produced. eframe calls this through
    /// [`eframe::App::ui`]; tests call it through egui_kittest.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.context_ready {
            prepare_context(&ctx);
            self.context_ready = true;
        }
        if ctx.global_style().visuals.dark_mode != self.prefs.dark {
            ctx.set_visuals(if self.prefs.dark {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            });
        }
        self.refresh_index();
        self.refresh_search();
        self.keyboard(&ctx);
        super::panels::top_ui(self, ui);
        super::panels::status_ui(self, ui);
        super::panels::documents_ui(self, ui);
        super::panels::side_ui(self, ui);
        self.central_ui(ui);
        super::panels::dialogs_ui(self, &ctx);
        self.dropped_files(&ctx);
        let commands = std::mem::take(&mut self.commands);
        for command in commands {
            self.apply(command);
        }
        self.finish_jobs(&ctx);
        self.autosave(&ctx);
        super::dialogs::poll(self, &ctx);
        super::team::watch(self, &ctx);
    }

    /// Collects finished background jobs and reports them; keeps repainting while any runs.
    fn finish_jobs(&mut self, ctx: &egui::Context) {
        if self.jobs.is_empty() {
            return;
        }
        let (done, running): (Vec<Job>, Vec<Job>) = std::mem::take(&mut self.jobs)
            .into_iter()
            .partition(|j| j.handle.is_finished());
        self.jobs = running;
        for job in done {
            match job.handle.join() {
                Ok(JobDone::Exported {
                    format,
                    out,
                    result,
                }) => self.exported(format, &out, result),
                Ok(JobDone::Read { format, result }) => self.imported(format, result),
                Ok(JobDone::Opened { dir, result }) => self.install_project(&dir, *result),
                Ok(JobDone::ReviewReady(start)) => self.begin_review(*start),
                Ok(JobDone::Synced(result)) => super::team::synced(self, result),
                Err(_) => self.say(format!("{} failed unexpectedly", job.what), true),
            }
        }
        if !self.jobs.is_empty() {
            // The spinner turns and the result shows as soon as it is there.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        if super::tracking::central_ui(self, ui) {
            return;
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.search.open {
                super::panels::search_ui(self, ui);
            }
            if let Some(doc) = &self.conflict {
                let doc = doc.clone();
                super::panels::conflict_ui(self, ui, &doc);
            }
            let edited = self
                .session
                .as_ref()
                .zip(self.document())
                .and_then(|(s, d)| {
                    s.store
                        .edited_texts()
                        .contains(&d.to_owned())
                        .then(|| d.to_owned())
                });
            if let Some(doc) = edited {
                super::panels::reanchor_bar_ui(self, ui, &doc);
            }
            let Some(session) = &self.session else {
                ui.centered_and_justified(|ui| match &self.opening {
                    Some(dir) => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(format!("Opening {}…", dir.display()));
                        });
                    }
                    None => {
                        ui.label("Open a project (File, Open project…) or drop an article here");
                    }
                });
                return;
            };
            let Some(view) = &mut self.view else {
                ui.centered_and_justified(|ui| {
                    ui.label("Add an article (File, Add articles…) or drop one here")
                });
                return;
            };
            let annotations = session
                .store
                .project
                .set(&view.document, session.annotator())
                .map_or(&[][..], |s| s.annotations());
            let overlay = Overlay {
                annotations,
                index: &self.index,
                schema: &session.store.project.schema,
                selected: self.selected.as_ref(),
                hits: if self.search.open {
                    &self.search.hits
                } else {
                    &[]
                },
                current_hit: self.search.current,
                cue: self.tracking.cue(&view.document),
            };
            let out = view.ui(ui, self.prefs.zoom, &overlay);
            if let Some(id) = out.clicked {
                self.commands.push(Command::Select(Some(id)));
            } else if out.clicked_empty {
                self.selected = None;
            }
            if self.palette.is_some() {
                let anchor = view
                    .char_rect(view.selection.range().1)
                    .map(|r| r.right_bottom());
                super::panels::palette_ui(self, &ui.ctx().clone(), anchor);
            }
        });
    }

    fn text_field_focused(ctx: &egui::Context) -> bool {
        ctx.memory(|m| m.focused().is_some())
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        let ctrl = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
        let ctrl_shift = |key| KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, key);
        let pressed = |s: KeyboardShortcut| ctx.input_mut(|i| i.consume_shortcut(&s));
        if pressed(ctrl_shift(Key::Z)) || pressed(ctrl(Key::Y)) {
            self.commands.push(Command::Redo);
        }
        if pressed(ctrl(Key::Z)) {
            self.commands.push(Command::Undo);
        }
        if pressed(ctrl(Key::S)) {
            self.commands.push(Command::Save);
        }
        if pressed(ctrl(Key::F)) {
            self.search.open = true;
            self.search.focus = true;
        }
        if pressed(ctrl(Key::Plus)) || pressed(ctrl(Key::Equals)) {
            self.prefs.zoom = (self.prefs.zoom * 1.1).min(3.0);
        }
        if pressed(ctrl(Key::Minus)) {
            self.prefs.zoom = (self.prefs.zoom / 1.1).max(0.5);
        }
        if pressed(ctrl(Key::Num0)) {
            self.prefs.zoom = 1.0;
        }
        if ctx.input(|i| i.key_pressed(Key::F1)) {
            self.help_open = !self.help_open;
        }
        if self.palette.is_some()
            || self.name_prompt.is_some()
            || self.path_prompt.is_some()
            || Self::text_field_focused(ctx)
        {
            return;
        }
        let tab_target = ctx.input(|i| {
            i.events.iter().find_map(|e| match e {
                egui::Event::Key {
                    key: Key::Tab,
                    pressed: true,
                    modifiers,
                    ..
                } => Some(!modifiers.shift),
                _ => None,
            })
        });
        if let Some(forward) = tab_target {
            self.commands.push(Command::Select(step_annotation(
                self.annotations(),
                self.selected.as_ref(),
                forward,
            )));
        }
        if ctx.input(|i| i.key_pressed(Key::Escape)) {
            if self.help_open {
                self.help_open = false;
            } else if self.search.open {
                self.search.open = false;
            } else if let Some(view) = &mut self.view {
                view.selection.anchor = view.selection.head;
                self.selected = None;
            }
        }
        if self.review.is_some() && self.review_keys(ctx) {
            return;
        }
        let Some(view) = &mut self.view else { return };
        let font_size = super::article::BASE_FONT_SIZE * self.prefs.zoom;
        let (has_selection, events) = (!view.selection.is_empty(), ctx.input(|i| i.events.clone()));
        for event in events {
            let egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                ..
            } = event
            else {
                continue;
            };
            match key {
                Key::ArrowLeft
                | Key::ArrowRight
                | Key::ArrowUp
                | Key::ArrowDown
                | Key::Home
                | Key::End
                    if !modifiers.alt =>
                {
                    view.move_caret(key, modifiers.command, modifiers.shift, font_size);
                    self.selected = None;
                }
                Key::Enter if has_selection => {
                    // Consumed, or the palette would take this same press as its choice.
                    ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter));
                    self.palette = Some(Palette::default());
                }
                Key::Delete | Key::Backspace if self.selected.is_some() => {
                    self.commands.push(Command::DeleteSelected)
                }
                _ => {}
            }
        }
        // Label hotkeys arrive as text.
        let typed: Vec<String> = ctx.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Text(t) => Some(t.clone()),
                    _ => None,
                })
                .collect()
        });
        let Some(session) = &self.session else { return };
        for t in typed {
            let mut chars = t.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                continue;
            };
            if c == '+' {
                if has_selection && self.selected.is_some() {
                    self.commands.push(Command::AddFragment);
                }
                continue;
            }
            let Some(label) = session
                .store
                .project
                .schema
                .labels
                .iter()
                .find(|l| l.hotkey == Some(c.to_ascii_lowercase()))
            else {
                continue;
            };
            if has_selection {
                self.commands
                    .push(Command::TagSelection(label.name.clone()));
            } else if let Some(selected) = self.selected_annotation() {
                // A hotkey on a selected annotation changes its label.
                let mut changed = selected.clone();
                changed.label = label.name.clone();
                if let Some(def) = session.store.project.schema.label(&label.name) {
                    changed.attributes.retain(|k, _| def.attribute(k).is_some());
                    if def.kind != crate::model::LabelKind::Entity {
                        changed.entity = None;
                    }
                }
                changed.modified = crate::model::annotation::now();
                self.commands
                    .push(Command::Edit(vec![Edit::Replace(changed)]));
            }
        }
    }

    /// Review mode's keys: Alt+Down/Up step through disagreements, 1–9 take that annotator's
    /// version, 0 neither, = all. Returns whether a key was used.
    fn review_keys(&mut self, ctx: &egui::Context) -> bool {
        let alt = |key| KeyboardShortcut::new(Modifiers::ALT, key);
        if ctx.input_mut(|i| i.consume_shortcut(&alt(Key::ArrowDown))) {
            self.commands.push(Command::StepDisagreement(true));
            return true;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&alt(Key::ArrowUp))) {
            self.commands.push(Command::StepDisagreement(false));
            return true;
        }
        let sides: Vec<String> = self
            .review
            .as_ref()
            .and_then(|r| r.current_unit())
            .map(|u| u.annotations.keys().cloned().collect())
            .unwrap_or_default();
        let typed: Vec<char> = ctx.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Text(t) if t.chars().count() == 1 => t.chars().next(),
                    _ => None,
                })
                .collect()
        });
        use crate::model::review::Choice;
        for c in typed {
            let choice = match c {
                '0' => Some(Choice::Neither),
                '=' if sides.len() > 1 => Some(Choice::All),
                '1'..='9' => c
                    .to_digit(10)
                    .and_then(|n| sides.get(n as usize - 1))
                    .map(|a| Choice::Take(a.clone())),
                _ => None,
            };
            if let Some(choice) = choice {
                self.commands.push(Command::Settle(choice));
                return true;
            }
        }
        false
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        if dropped.len() == 1 && dropped[0].join(crate::store::PROJECT_FILE).is_file() {
            self.commands.push(Command::OpenPath(dropped[0].clone()));
        } else if self.session.is_some() {
            self.commands.push(Command::AddArticles(dropped));
        } else if let Some(first) = dropped.first() {
            self.commands.push(Command::OpenPath(first.clone()));
        }
    }

    /// Applies one command: the only place the project changes.
    pub fn apply(&mut self, command: Command) {
        let doc = self.document().map(str::to_owned);
        match command {
            Command::Edit(edits) => {
                let (Some(session), Some(doc)) = (&mut self.session, doc) else {
                    return;
                };
                if let Err(err) = session.apply(&doc, edits) {
                    self.say(format!("not changed: {err}"), true);
                }
            }
            Command::Undo | Command::Redo => {
                let (Some(session), Some(doc)) = (&mut self.session, doc) else {
                    return;
                };
                let undo = matches!(command, Command::Undo);
                let done = if undo {
                    session.undo(&doc)
                } else {
                    session.redo(&doc)
                };
                if !done {
                    self.say(
                        if undo {
                            "nothing to undo"
                        } else {
                            "nothing to redo"
                        },
                        false,
                    );
                }
                if self.selected_annotation().is_none() {
                    self.selected = None;
                }
            }
            Command::Save => self.save(),
            Command::OpenDocument(id) => self.open_document(&id),
            Command::OpenPath(path) => self.open_path(&path),
            Command::NewProject(dir) => match ProjectStore::create(
                &dir,
                &dir.file_name()
                    .map_or("Untitled".into(), |n| n.to_string_lossy().into_owned()),
            ) {
                Ok(_) => self.open_project(&dir),
                Err(err) => self.say(err.to_string(), true),
            },
            Command::Export { format, out } => self.export(format, &out),
            Command::Import { format, path } => self.import(format, &path),
            Command::ProjectFor { article, dir } => {
                self.prefs.article_projects = dir.parent().map(Path::to_path_buf);
                self.make_project_for(&article, &dir);
            }
            Command::AddArticles(paths) => {
                let Some(session) = &mut self.session else {
                    return;
                };
                let mut added = None;
                let mut messages = Vec::new();
                for path in paths {
                    match session.store.add_article(&path, None) {
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
            Command::SetAnnotator(name) => {
                if let Some(problem) = crate::model::project::name_problem("the name", &name) {
                    self.say(problem, true);
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
                    self.tracking.reset();
                }
                self.prefs.annotator = name;
                self.selected = None;
            }
            Command::StartReview(annotators) => self.start_review(annotators),
            Command::Settle(choice) => self.settle(choice),
            Command::StepDisagreement(forward) => {
                if let Some(next) = self.review.as_ref().and_then(|r| r.step(forward)) {
                    self.show_unit(next);
                }
            }
            Command::ShowUnit(i) => self.show_unit(i),
            Command::FinishReview => {
                let me = self.annotator();
                if let Some(session) = &mut self.session
                    && let Err(errors) = session.set_annotator(me)
                {
                    self.report_save_errors(errors);
                    self.say(
                        "the review stays open: its changes could not be saved",
                        true,
                    );
                    return;
                }
                if let Some(review) = self.review.take() {
                    let (decided, all) = crate::review::adjudication::progress(
                        &review.alignment,
                        self.session.as_ref().and_then(|s| {
                            s.store.project.review(&review.document, &review.reviewer)
                        }),
                    );
                    self.say(
                        format!(
                            "review saved as {}: {decided} of {all} disagreements settled",
                            crate::model::review::review_set_name(&review.reviewer)
                        ),
                        false,
                    );
                }
                self.selected = None;
            }
            Command::Select(id) => {
                if let (Some(id), Some(view)) = (&id, &mut self.view) {
                    let start = self
                        .session
                        .as_ref()
                        .and_then(|s| s.store.project.set(&view.document, s.annotator()))
                        .and_then(|set| set.get(id))
                        .map(Annotation::start);
                    if let Some(start) = start {
                        view.scroll_to(start);
                        view.selection = Selection {
                            anchor: start,
                            head: start,
                        };
                    }
                }
                self.selected = id;
                self.palette = None;
            }
            Command::TagSelection(label) => self.tag_selection(&label),
            Command::AddFragment => self.add_fragment(),
            Command::TagAllHits(label) => self.tag_all_hits(&label),
            Command::DeleteSelected => {
                if let Some(id) = self.selected.take() {
                    self.apply(Command::Edit(vec![Edit::Remove(id)]));
                }
            }
            Command::ReloadFromDisk => {
                if let Some(session) = &self.session {
                    let root = session.store.root().to_path_buf();
                    // The open document again, whether the project loads now or in the
                    // background.
                    self.open_after_load = self.document().map(str::to_owned);
                    self.session = None;
                    self.open_project(&root);
                }
                self.conflict = None;
                self.conflict_files.clear();
            }
            Command::OverwriteDisk => {
                let files = std::mem::take(&mut self.conflict_files);
                if let Some(session) = &mut self.session {
                    for path in files {
                        session.keep_mine(&path);
                    }
                }
                self.conflict = None;
                self.save();
            }
            Command::Sync => super::team::start_sync(self),
            Command::Reanchor(document) => self.reanchor(&document),
            Command::Track(command) => super::tracking::apply(self, command),
            Command::ReopenProject => {
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
                self.open_after_load.clone_from(&doc);
                self.open_project(&root);
                if let Some(doc) = doc
                    && self.session.is_some()
                {
                    self.open_document(&doc);
                }
            }
        }
    }

    /// Re-anchors a document whose text was corrected, then reads the project again on it.
    fn reanchor(&mut self, document: &str) {
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
                            "{}: {placed} of {} annotations placed on the new text ({} on corrected words){}",
                            r.annotator,
                            r.total,
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
                self.open_after_load = Some(document.to_owned());
                self.session = None;
                self.open_project(&root);
            }
            Err(err) => self.say(format!("not re-anchored: {err}"), true),
        }
    }

    /// Starts an export of the whole project in the background, on a copy of the project
    /// as it is now (edits made meanwhile go into the next export).
    fn export(&mut self, format: crate::formats::Format, out: &Path) {
        let Some(session) = &self.session else { return };
        let project = session.store.project.clone();
        let root = session.store.root().to_path_buf();
        let out = out.to_path_buf();
        let count: usize = project.sets.values().map(|s| s.annotations().len()).sum();
        self.jobs.push(Job {
            what: format!("exporting {count} annotations as {format}"),
            started: Instant::now(),
            handle: std::thread::spawn(move || {
                let result =
                    crate::formats::Selection::new(&project, &[], &[]).and_then(|selection| {
                        crate::formats::export_to(format, &selection, &out, Some(&root))
                    });
                JobDone::Exported {
                    format,
                    out,
                    result,
                }
            }),
        });
    }

    /// Starts reading a file or folder of another tool in the background.
    fn import(&mut self, format: crate::formats::Format, path: &Path) {
        let Some(session) = &self.session else { return };
        if !format.can_import() {
            self.say(format!("Lector cannot import {format}"), true);
            return;
        }
        let project = session.store.project.clone();
        let annotator = session.annotator().to_owned();
        let path = path.to_path_buf();
        self.jobs.push(Job {
            what: format!("reading {} as {format}", path.display()),
            started: Instant::now(),
            handle: std::thread::spawn(move || JobDone::Read {
                format,
                result: crate::formats::import::read(format, &project, &path, &annotator),
            }),
        });
    }

    /// Adds what an import read to the annotator's own sets, as ordinary edits: one undo step
    /// per document, autosaved like any change. Spans that do not fit are listed, never shifted.
    fn imported(
        &mut self,
        format: crate::formats::Format,
        result: Result<crate::formats::import::Parsed, crate::formats::FormatError>,
    ) {
        let parsed = match result {
            Ok(parsed) => parsed,
            Err(err) => {
                self.say(format!("not imported: {err}"), true);
                return;
            }
        };
        let Some(session) = &mut self.session else {
            return;
        };
        let annotator = session.annotator().to_owned();
        // Checked and built on a copy; what it adds is then applied through the session.
        let crate::formats::import::Plan { outcome, edits } =
            crate::formats::import::plan(&session.store.project, &annotator, parsed);
        let mut errors = Vec::new();
        let mut added = 0;
        for (document, group) in edits {
            let n = group
                .iter()
                .filter(|e| matches!(e, Edit::Insert(_)))
                .count();
            match session.apply(&document, group) {
                Ok(()) => added += n,
                Err(err) => errors.push(format!("{document}: {err}")),
            }
        }
        for skipped in &outcome.skipped {
            self.say(format!("skipped: {skipped}"), true);
        }
        for err in errors {
            self.say(format!("not imported: {err}"), true);
        }
        self.say(
            format!(
                "imported {added} {format} annotations as {annotator}; {} skipped (Ctrl+Z undoes, per document)",
                outcome.skipped.len()
            ),
            false,
        );
    }

    /// Starts reviewing the open document: the session switches to the reviewer's reviewed
    /// set, everything the annotators agree on goes in, and the first disagreement shows.
    fn start_review(&mut self, annotators: Vec<String>) {
        let reviewer = self.annotator();
        let Some(document) = self.document().map(str::to_owned) else {
            return;
        };
        let Some(session) = &self.session else {
            return;
        };
        let project = &session.store.project;
        let size: usize = annotators
            .iter()
            .filter_map(|a| project.set(&document, a))
            .map(|set| set.annotations().len())
            .sum();
        if size > BACKGROUND_REVIEW_ANNOTATIONS {
            // A book's alignment and figures take a second or two: computed on a copy of the
            // project on another thread, while the window answers.
            let project = project.clone();
            self.jobs.push(Job {
                what: format!("comparing {size} annotations of {}", annotators.join(", ")),
                started: Instant::now(),
                handle: std::thread::spawn(move || {
                    JobDone::ReviewReady(Box::new(prepare_review(
                        &project,
                        &document,
                        &reviewer,
                        &annotators,
                    )))
                }),
            });
            return;
        }
        let start = prepare_review(project, &document, &reviewer, &annotators);
        self.begin_review(start);
    }

    /// Enters review mode with what [`prepare_review`] computed: the session switches to the
    /// reviewed set, the agreements go in as one step, and the first disagreement shows.
    fn begin_review(&mut self, start: Result<ReviewStart, crate::review::AgreementError>) {
        let start = match start {
            Ok(start) => start,
            Err(err) => {
                self.say(format!("cannot review: {err}"), true);
                return;
            }
        };
        let ReviewStart {
            document,
            reviewer,
            alignment,
            figures,
            edits,
        } = start;
        let Some(session) = &mut self.session else {
            return;
        };
        let mut messages = Vec::new();
        if let Err(errors) = session.set_annotator(crate::model::review::review_set_name(&reviewer))
        {
            self.report_save_errors(errors);
            self.say("review not started: your changes could not be saved", true);
            return;
        }
        messages.extend(super::tracking::migrate(session));
        if let Some(recovery) = session.recover() {
            messages.extend(recovery_messages(&recovery));
        }
        let agreed = edits
            .iter()
            .filter(|e| matches!(e, Edit::Decide(_)))
            .count();
        if let Err(err) = session.apply(&document, edits) {
            messages.push((format!("agreements not taken: {err}"), true));
        }
        let open = alignment.disagreements().count();
        messages.push((
            format!(
                "reviewing {}: {agreed} agreements taken, {open} disagreements to settle (Alt+Down next, 1–9 take a side, 0 neither, = all)",
                alignment.annotators.join(", ")
            ),
            false,
        ));
        for (text, error) in messages {
            self.say(text, error);
        }
        if self.document() != Some(document.as_str()) {
            self.open_document(&document);
        }
        let state = super::review::ReviewState::new(document, reviewer, alignment, figures);
        let first = self.next_undecided(&state, None);
        self.review = Some(state);
        self.selected = None;
        if let Some(first) = first {
            self.show_unit(first);
        }
    }

    /// The first disagreement after `after` (wrapping) that has no decision yet.
    fn next_undecided(
        &self,
        review: &super::review::ReviewState,
        after: Option<usize>,
    ) -> Option<usize> {
        let decided = self
            .session
            .as_ref()
            .and_then(|s| s.store.project.review(&review.document, &review.reviewer));
        let units = &review.alignment.units;
        let open = |i: &usize| {
            let unit = &units[*i];
            !unit.is_agreement()
                && decided.is_none_or(|r| {
                    r.decision(&crate::review::adjudication::sources(unit))
                        .is_none()
                })
        };
        let start = after.map_or(0, |a| a + 1);
        (start..units.len()).chain(0..start).find(open)
    }

    /// Shows a unit of the review: scrolls to it and selects its extent.
    fn show_unit(&mut self, i: usize) {
        let Some(review) = &mut self.review else {
            return;
        };
        let Some(unit) = review.alignment.units.get(i) else {
            return;
        };
        review.current = Some(i);
        if let Some(view) = &mut self.view {
            view.scroll_to(unit.start);
            view.selection = Selection {
                anchor: unit.start,
                head: unit.end,
            };
        }
        self.selected = None;
    }

    /// Settles the disagreement being looked at, then goes to the next one not settled.
    fn settle(&mut self, choice: crate::model::review::Choice) {
        let Some(review) = &self.review else { return };
        let Some(unit) = review.current_unit().cloned() else {
            self.say("no disagreement is shown: Alt+Down steps to one", false);
            return;
        };
        let Some(session) = &mut self.session else {
            return;
        };
        let (edits, result) = crate::review::adjudication::settle(
            &session.store.project,
            &review.document,
            &review.reviewer,
            &unit,
            choice.clone(),
            &review.note,
        );
        let document = review.document.clone();
        let current = review.current;
        if let Err(err) = session.apply(&document, edits) {
            self.say(format!("not settled: {err}"), true);
            return;
        }
        if let Some(review) = &mut self.review {
            review.note.clear();
        }
        if choice == crate::model::review::Choice::Edited {
            // Edit the taken version in the inspector.
            self.apply(Command::Select(result.first().cloned()));
            return;
        }
        let next = self
            .review
            .as_ref()
            .and_then(|r| self.next_undecided(r, current));
        match next {
            Some(next) => self.show_unit(next),
            None => self.say(
                "every disagreement is settled; Finish review when done",
                false,
            ),
        }
    }

    /// Reports a finished export.
    fn exported(
        &mut self,
        format: crate::formats::Format,
        out: &Path,
        result: Result<crate::formats::LossReport, crate::formats::FormatError>,
    ) {
        match result {
            Ok(report) => {
                // What the format could not carry is said, never dropped silently.
                let lines = report.lines();
                for line in &lines {
                    self.say(format!("{format}: {line}"), true);
                }
                self.say(
                    format!(
                        "exported {} annotations as {format} to {}{}",
                        report.annotations,
                        out.display(),
                        if lines.is_empty() {
                            String::new()
                        } else {
                            format!(" ({} kinds of loss, see above)", lines.len())
                        }
                    ),
                    false,
                );
            }
            Err(err) => self.say(format!("not exported: {err}"), true),
        }
    }

    fn tag_selection(&mut self, label: &str) {
        let Some(view) = &mut self.view else { return };
        view.finish_selection();
        let (s, e) = view.selection.range();
        if s == e {
            self.say("select some text first", false);
            return;
        }
        match checked_fragments(view.text(), &[(s.0, e.0)]) {
            Ok(fragments) => {
                let same = self
                    .session
                    .as_ref()
                    .and_then(|s| s.store.project.set(&view.document, s.annotator()))
                    .and_then(|set| set.same_as(label, &fragments))
                    .map(|a| a.id.clone());
                if let Some(id) = same {
                    self.say(format!("this text is already tagged {label}"), false);
                    self.selected = Some(id);
                    return;
                }
                let mut annotation = Annotation::new(label, fragments);
                let id = annotation.id.clone();
                view.selection = Selection { anchor: e, head: e };
                let document = view.document.clone();
                self.palette = None;
                let proposal = super::proposal::propose(self, &document, &mut annotation);
                self.apply(Command::Edit(vec![Edit::Insert(annotation)]));
                self.selected = self.annotations().iter().any(|a| a.id == id).then_some(id);
                if self.selected.is_some() {
                    self.tracking.proposal = proposal;
                }
            }
            Err(err) => self.say(format!("not tagged: {err}"), true),
        }
    }

    fn add_fragment(&mut self) {
        let (Some(view), Some(selected)) = (&self.view, self.selected_annotation()) else {
            return;
        };
        let (s, e) = view.selection.range();
        let mut raw: Vec<(u32, u32)> = selected
            .fragments
            .iter()
            .map(|f| (f.start.0, f.end.0))
            .collect();
        raw.push((s.0, e.0));
        match checked_fragments(view.text(), &raw) {
            Ok(fragments) => {
                let mut changed = selected.clone();
                changed.fragments = fragments;
                changed.modified = crate::model::annotation::now();
                self.apply(Command::Edit(vec![Edit::Replace(changed)]));
            }
            Err(err) => self.say(format!("not added: {err}"), true),
        }
    }

    fn tag_all_hits(&mut self, label: &str) {
        let Some(view) = &self.view else { return };
        let existing: std::collections::BTreeSet<(u32, u32)> = self
            .annotations()
            .iter()
            .filter(|a| a.label == label && a.fragments.len() == 1)
            .map(|a| (a.start().0, a.end().0))
            .collect();
        let mut edits = Vec::new();
        for &(s, e) in &self.search.hits {
            if existing.contains(&(s.0, e.0)) {
                continue;
            }
            if let Ok(fragments) = checked_fragments(view.text(), &[(s.0, e.0)]) {
                edits.push(Edit::Insert(Annotation::new(label, fragments)));
            }
        }
        let n = edits.len();
        self.apply(Command::Edit(edits));
        self.say(format!("tagged {n} hits as {label}"), false);
    }

    fn save(&mut self) {
        if super::team::syncing(&self.jobs) {
            // Git is committing and pulling these files; autosave saves right after.
            self.say("saving waits until the sync is done", false);
            return;
        }
        let Some(session) = &mut self.session else {
            return;
        };
        let errors = session.save_now();
        self.report_save_errors(errors);
    }

    pub(super) fn report_save_errors(&mut self, errors: Vec<StoreError>) {
        for err in errors {
            let root = self.session.as_ref().map(|s| s.store.root().to_path_buf());
            let file = match &err {
                StoreError::ChangedOnDisk { path } => root
                    .as_deref()
                    .and_then(|root| path.strip_prefix(root).ok())
                    .map(Path::to_path_buf),
                StoreError::CannotMerge { problem } => Some(problem.file.clone()),
                _ => None,
            };
            if let (Some(file), Some(session)) = (file, &self.session) {
                if !self.conflict_files.contains(&file) {
                    self.conflict_files.push(file);
                }
                self.conflict = super::team::own_document(
                    &self.conflict_files,
                    session.annotator(),
                    self.document(),
                );
            }
            self.say(err.to_string(), true);
        }
    }

    /// Says what a crashed session's journal brought back.
    fn tell_recovery(&mut self, recovery: &crate::session::Recovery) {
        for (text, error) in recovery_messages(recovery) {
            self.say(text, error);
        }
    }

    /// Saves shortly after each change, on another thread (a book-length document takes
    /// a good part of a second to write), and collects what the last save did.
    fn autosave(&mut self, ctx: &egui::Context) {
        // No saving while git commits and pulls the project's files.
        let syncing = super::team::syncing(&self.jobs);
        let Some(session) = &mut self.session else {
            return;
        };
        let mut errors = session.poll_save();
        let merged = session.take_merged();
        let journal_error = session.take_journal_error();
        if !merged.is_empty() {
            let files: Vec<String> = merged.iter().map(|f| f.display().to_string()).collect();
            self.messages.push(Message {
                text: format!(
                    "{} had changed on disk (another window, a command or git): your changes \
                     were merged into it",
                    files.join(", ")
                ),
                error: false,
                at: Instant::now(),
            });
        }
        if let Some(text) = journal_error {
            self.messages.push(Message {
                text,
                error: true,
                at: Instant::now(),
            });
        }
        let Some(session) = &mut self.session else {
            return;
        };
        if session.is_saving() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        } else if session.is_dirty() && self.conflict.is_none() && !syncing {
            if session.autosave_due(Instant::now()) {
                errors.extend(session.save_in_background());
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            } else {
                ctx.request_repaint_after(crate::session::AUTOSAVE_DELAY);
            }
        }
        self.report_save_errors(errors);
    }

    /// Saves everything; used when the window closes.
    pub fn save_on_exit(&mut self) -> Vec<String> {
        self.session.as_mut().map_or_else(Vec::new, |s| {
            s.save_now().iter().map(ToString::to_string).collect()
        })
    }
}

/// What a crashed session's journal brought back, for the status bar.
fn recovery_messages(recovery: &crate::session::Recovery) -> Vec<(String, bool)> {
    let mut messages = Vec::new();
    if recovery.edits > 0 {
        messages.push((
            format!(
                "recovered {} unsaved {} from the crash journal ({}); Ctrl+Z undoes them",
                recovery.edits,
                if recovery.edits == 1 {
                    "change"
                } else {
                    "changes"
                },
                recovery.documents.join(", ")
            ),
            false,
        ));
    }
    for problem in &recovery.problems {
        messages.push((format!("not recovered: {problem}"), true));
    }
    messages
}

/// Fonts and options, once per context. The emoji font is shipped (egui's defaults have none)
/// so that articles with emoji render everywhere; CJK comes from system fonts.
fn prepare_context(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    ctx.options_mut(|o| o.zoom_with_keyboard = false);
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(FontInsert::new(
        "NotoEmoji",
        egui::FontData::from_static(include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf")),
        families,
    ));
}

/// The annotation after (or before) the selected one, in document order.
fn step_annotation(
    annotations: &[Arc<Annotation>],
    selected: Option<&AnnotationId>,
    forward: bool,
) -> Option<AnnotationId> {
    if annotations.is_empty() {
        return None;
    }
    let n = annotations.len();
    let at = selected.and_then(|id| annotations.iter().position(|a| &a.id == id));
    let next = match at {
        Some(i) if forward => (i + 1) % n,
        Some(i) => (i + n - 1) % n,
        None if forward => 0,
        None => n - 1,
    };
    Some(annotations[next].id.clone())
}

/// Every case-insensitive occurrence of `query` in the text, on grapheme boundaries. Walks
/// the text once without copying it (a book is megabytes; this runs on every keystroke).
pub fn find_all(text: &crate::model::DocText, query: &str) -> Vec<(CharOffset, CharOffset)> {
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    let needle: Vec<char> = query.chars().map(lower).collect();
    let Some(&first) = needle.first() else {
        return Vec::new();
    };
    if needle.iter().all(|c| c.is_whitespace()) {
        return Vec::new();
    }
    let hay = text.as_str();
    let len = needle.len() as u32;
    let mut hits = Vec::new();
    let mut next_free = 0u32;
    for (i, (byte, c)) in hay.char_indices().enumerate() {
        let i = i as u32;
        if i < next_free || lower(c) != first {
            continue;
        }
        let rest = hay.get(byte..).unwrap_or("");
        let matches = rest
            .chars()
            .map(lower)
            .take(needle.len())
            .eq(needle.iter().copied());
        let (s, e) = (CharOffset(i), CharOffset(i + len));
        if matches && text.is_grapheme_boundary(s) && text.is_grapheme_boundary(e) {
            hits.push((s, e));
            next_free = i + len;
        }
    }
    hits
}

impl eframe::App for LectorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if ui.ctx().input(|i| i.viewport().close_requested()) {
            let errors = self.save_on_exit();
            if !errors.is_empty() {
                // Never lose work: keep the window open and say why.
                ui.ctx()
                    .send_viewport_cmd(egui::ViewportCommand::CancelClose);
                for e in errors {
                    self.say(format!("not closed, because saving failed: {e}"), true);
                }
            }
        }
        self.show(ui);
    }

    fn auto_save_interval(&self) -> std::time::Duration {
        // Preferences only (the project saves itself); often enough that a crash keeps the name.
        std::time::Duration::from_secs(5)
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.prefs);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let _ = self.save_on_exit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocText;

    #[test]
    fn search_is_case_insensitive_in_any_script_and_respects_characters() {
        let text =
            DocText::new("Lukashenko, LUKASHENKO och Лукашенко; лукашенко. e\u{301}e").unwrap();
        let spans = |q: &str| -> Vec<(u32, u32)> {
            find_all(&text, q).iter().map(|(s, e)| (s.0, e.0)).collect()
        };
        assert_eq!(spans("lukashenko"), vec![(0, 10), (12, 22)]);
        assert_eq!(spans("ЛУКАШЕНКО"), vec![(27, 36), (38, 47)]);
        // "e" alone must not match the e of "é" written as e + combining accent.
        assert_eq!(spans("e"), vec![(6, 7), (18, 19), (51, 52)]);
        assert_eq!(spans("aa"), vec![]);
        assert_eq!(spans("  "), vec![]);
    }
}
