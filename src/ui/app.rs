//! The app: its state, and one frame of it. Panels draw from narrow views of this state and
//! return [`Command`]s; [`LectorApp::apply`] (`reducer.rs`) applies them after the frame's
//! UI pass. The workflows the reducer calls live beside it: opening projects
//! (`project.rs`), saving (`saving.rs`), tagging (`tagging.rs`), exports and imports
//! (`transfer.rs`), review (`review/workflow.rs`), the tracking views (`tracking/`) and
//! the team (`team.rs`).

use std::path::{Path, PathBuf};

use super::article::ArticleView;
use super::colleagues::Colleagues;
use super::command::{Command, Side};
use super::dialogs::Dialogs;
use super::jobs::Jobs;
use super::layout::Panels;
use super::messages::Messages;
use super::panels::annotation_list::ListState;
use super::panels::palette::Palette;
use super::prefs::Prefs;
use super::review::ReviewState;
use super::search::Search;
use super::selected::Selected;
use super::span_index::SpanIndex;
use super::team::Team;
use super::tracking::TrackingState;
use crate::model::{Annotation, AnnotationId, Annotations};
use crate::session::Session;

/// A file of the annotator's that changed on disk and cannot be merged into: the bar that
/// offers to reload it or keep one's own.
#[derive(Debug, Default)]
pub struct Conflict {
    /// The document whose file it is.
    pub document: Option<String>,
    /// The files, relative to the project.
    pub files: Vec<PathBuf>,
}

/// A project being read in the background.
#[derive(Debug, Default)]
pub struct Opening {
    /// Its folder, while it is read.
    pub dir: Option<PathBuf>,
    /// The document to show once it is read.
    pub then: Option<String>,
    /// The last project that could not be opened, and why: shown where its article would
    /// be, while no project is open.
    pub failed: Option<(PathBuf, String)>,
}

/// The Lector app.
pub struct LectorApp {
    pub(super) prefs: Prefs,
    pub(super) session: Option<Session>,
    pub(super) view: Option<ArticleView>,
    /// The open document's own annotations, indexed, as of (document, revision).
    pub(super) index: SpanIndex,
    pub(super) index_key: (String, u64),
    /// The whole index of a big set, built on a thread while `index` holds its first part.
    pub(super) whole_index: Option<super::span_index::Whole<super::project::WholeKey>>,
    /// The document shown before, with its view and index, for switching back to it.
    pub(super) parked: Option<super::project::Parked>,
    pub(super) colleagues: Colleagues,
    pub(super) selected: Option<Selected>,
    pub(super) palette: Option<Palette>,
    pub(super) search: Search,
    /// The documents panel's filter.
    pub(super) document_filter: super::panels::documents::DocumentFilter,
    pub(super) list: ListState,
    pub(super) dialogs: Dialogs,
    pub(super) messages: Messages,
    pub(super) conflict: Conflict,
    /// Problems found when the project was opened.
    pub(super) problems: Vec<String>,
    /// Commands produced this frame.
    pub(super) commands: Vec<Command>,
    /// Fonts installed, and the theme and zoom the context has.
    pub(super) context_state: Option<(bool, f32)>,
    pub(super) jobs: Jobs,
    pub(super) opening: Opening,
    pub(super) review: Option<ReviewState>,
    /// From how many annotations a review's comparison runs on another thread.
    pub(super) background_review_from: usize,
    /// From how many edits an undo or redo is applied on another thread.
    pub(super) background_step_from: usize,
    /// Tests: the next undo or redo job fails as a bug would make it.
    #[cfg(test)]
    pub(super) fail_step_job: bool,
    /// How many comparisons again reviews have begun, to number them.
    pub(super) comparisons: u64,
    pub(super) team: Team,
    pub(super) tracking: TrackingState,
    pub(super) panels: Panels,
    pub(super) suggestions: super::suggestions::SuggestState,
    /// File → Paste as article…, while open.
    pub(super) paste: Option<super::paste::PasteWindow>,
    /// File → Add from URL…, while open.
    pub(super) url_window: Option<super::fetch::UrlWindow>,
    /// A read import waiting for its labels' mapping.
    pub(super) import_mapping: Option<super::import_mapping::ImportMapping>,
    /// What the inspector derives from the whole project, once per change.
    pub(super) inspector: super::inspector::cache::InspectorCache,
    /// An action (open a project, sync, switch annotator) waiting for its save.
    pub(super) after_save: Option<super::saving::Waiting>,
    /// Set while that action runs, its save done.
    pub(super) after_save_ready: bool,
    /// Frame lines on stderr (`LECTOR_TRACE=1`).
    pub(super) trace: Option<super::trace::Trace>,
    /// The project's other documents, read in the background after the first.
    pub(super) loading: Option<super::loading::Loading>,
    /// The project given on the command line, opened on another thread while the window
    /// was being made.
    pub(super) prefetched: Option<Prefetched>,
    /// The context, for threads to wake the window.
    pub(super) ctx: Option<egui::Context>,
    /// Asked to close, the window waits for a job (see [`super::closing`]).
    pub(super) closing: super::closing::Closing,
    /// Commands that wait a frame for the field with focus to take in what was typed
    /// ([`Self::after_fields`]).
    pub(super) after_fields: Vec<Command>,
}

/// A project opened on another thread: its folder, and the thread that opens it.
pub type Prefetched = (
    PathBuf,
    std::thread::JoinHandle<
        Result<(crate::store::ProjectStore, Vec<crate::store::Problem>), crate::store::StoreError>,
    >,
);

impl std::fmt::Debug for LectorApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LectorApp").finish_non_exhaustive()
    }
}

impl LectorApp {
    /// The app on a path, else the last project, else the sample project.
    pub fn new(ctx: &egui::Context, prefs: Prefs, path: Option<PathBuf>) -> Self {
        Self::with_prefetched(ctx, prefs, path, None)
    }

    /// The app on a path whose project `prefetched` has been opening meanwhile.
    pub fn with_prefetched(
        ctx: &egui::Context,
        prefs: Prefs,
        path: Option<PathBuf>,
        prefetched: Option<Prefetched>,
    ) -> Self {
        let mut app = Self {
            prefs,
            session: None,
            view: None,
            index: SpanIndex::default(),
            index_key: (String::new(), u64::MAX),
            whole_index: None,
            parked: None,
            colleagues: Colleagues::default(),
            selected: None,
            palette: None,
            search: Search::default(),
            document_filter: Default::default(),
            list: ListState::default(),
            dialogs: Dialogs::default(),
            messages: Messages::default(),
            conflict: Conflict::default(),
            problems: Vec::new(),
            commands: Vec::new(),
            context_state: None,
            jobs: Jobs::default(),
            opening: Opening::default(),
            review: None,
            background_review_from: super::review::BACKGROUND_REVIEW_ANNOTATIONS,
            background_step_from: super::undo::BACKGROUND_STEP_EDITS,
            #[cfg(test)]
            fail_step_job: false,
            comparisons: 0,
            closing: super::closing::Closing::No,
            after_fields: Vec::new(),
            team: Team::default(),
            tracking: TrackingState::default(),
            panels: Panels::default(),
            suggestions: super::suggestions::SuggestState::default(),
            paste: None,
            url_window: None,
            import_mapping: None,
            inspector: super::inspector::cache::InspectorCache::default(),
            after_save: None,
            after_save_ready: false,
            trace: super::trace::wanted().then(super::trace::Trace::default),
            loading: None,
            prefetched,
            ctx: None,
        };
        app.ctx = Some(ctx.clone());
        if app.prefs.annotator.is_empty() {
            app.dialogs.modal = Some(super::dialogs::annotator::first_run());
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

    // ---- What tests, benchmarks and the window read ----

    /// The preferences.
    pub fn prefs(&self) -> &Prefs {
        &self.prefs
    }

    /// The open project's session.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The open project's session, to save or inspect from outside the UI.
    pub fn session_mut(&mut self) -> Option<&mut Session> {
        self.session.as_mut()
    }

    /// The open document's view.
    pub fn view(&self) -> Option<&ArticleView> {
        self.view.as_ref()
    }

    /// The open document's view, to scroll it from a test or a benchmark.
    pub fn view_mut(&mut self) -> Option<&mut ArticleView> {
        self.view.as_mut()
    }

    /// The open document's id.
    pub fn document(&self) -> Option<&str> {
        self.view.as_ref().map(|v| v.document.as_str())
    }

    /// The current annotator's annotations of the open document.
    pub fn annotations(&self) -> Annotations<'_> {
        self.own_set()
            .map(|set| set.annotations())
            .unwrap_or_default()
    }

    /// The current annotator's set of the open document, if they have one.
    pub(super) fn own_set(&self) -> Option<&crate::model::AnnotationSet> {
        let session = self.session.as_ref()?;
        session
            .store
            .project
            .set(self.document()?, session.annotator())
    }

    /// What is selected.
    pub fn selected(&self) -> Option<&Selected> {
        self.selected.as_ref()
    }

    /// The selected annotation, if it is the annotator's own.
    pub fn selected_annotation(&self) -> Option<&Annotation> {
        let id = self.selected.as_ref()?.own()?;
        self.own_set()?.get(id)
    }

    /// The problems the documents panel lists (`file:line:col: what`).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Everything said in the status bar this run, oldest first.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The review under way.
    pub fn review(&self) -> Option<&ReviewState> {
        self.review.as_ref()
    }

    /// The review under way, to type its note from a test.
    pub fn review_mut(&mut self) -> Option<&mut ReviewState> {
        self.review.as_mut()
    }

    /// The Predictions, Claims and Track record views.
    pub fn tracking(&self) -> &TrackingState {
        &self.tracking
    }

    /// The tracking views' state, to set filters from a benchmark.
    pub fn tracking_mut(&mut self) -> &mut TrackingState {
        &mut self.tracking
    }

    /// From how many annotations (of the annotators compared, together) a review's start,
    /// and its comparison again after a file changed, run on another thread (20,000; tests
    /// set it low to drive that path on a small project).
    pub fn set_background_review_from(&mut self, annotations: usize) {
        self.background_review_from = annotations;
    }

    /// From how many edits an undo or redo is applied on another thread
    /// ([`super::undo::BACKGROUND_STEP_EDITS`]; tests set it low to drive that path on a small
    /// project).
    pub fn set_background_step_from(&mut self, edits: usize) {
        self.background_step_from = edits;
    }

    /// Team state (the git that Sync runs).
    pub fn team_mut(&mut self) -> &mut Team {
        &mut self.team
    }

    /// Whether background work (an export, an import, a sync, opening, a save an action
    /// waits for, reading the project's other documents) runs.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty() || self.after_save.is_some() || self.loading.is_some()
    }

    /// Whether a sync runs.
    pub fn is_syncing(&self) -> bool {
        self.jobs.is_running(super::jobs::JobKind::Sync)
    }

    /// The document whose file changed on disk and cannot be merged into, if any.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.document.as_deref()
    }

    /// The open dialog.
    pub fn dialog(&self) -> Option<&super::dialogs::Dialog> {
        self.dialogs.modal.as_ref()
    }

    /// The open dialog, to fill in from a test.
    pub fn dialog_mut(&mut self) -> Option<&mut super::dialogs::Dialog> {
        self.dialogs.modal.as_mut()
    }

    /// The search hits in the open document.
    pub fn search_hits(&self) -> &[(crate::model::CharOffset, crate::model::CharOffset)] {
        &self.search.hits
    }

    /// The entity "Tag all hits" links to: the one the searched words are a mention of, or
    /// the one picked.
    pub fn search_entity(&self) -> Option<&crate::model::Entity> {
        self.search.entity.as_ref()
    }

    /// Whether the search bar's hits are being found again for a new query, on another
    /// thread (the hits of the query before show meanwhile).
    pub fn is_searching(&self) -> bool {
        self.search.is_searching()
    }

    /// Searches texts of at least `bytes` bytes on another thread (2 MB unless told).
    pub fn search_in_background_from(&mut self, bytes: usize) {
        self.search.search_in_background_from(bytes);
    }

    /// The open document's suggestions and the counts.
    pub fn suggestions(&self) -> &super::suggestions::SuggestState {
        &self.suggestions
    }

    /// Whether the label palette is open.
    pub fn palette_open(&self) -> bool {
        self.palette.is_some()
    }

    /// The colleagues whose annotations are shown beside one's own.
    pub fn colleagues_shown(&self) -> Vec<String> {
        self.colleagues.shown().cloned().collect()
    }

    /// Use the system's file dialogs where they work (tests type paths instead).
    pub fn set_native_dialogs(&mut self, native: bool) {
        self.dialogs.files.native = native;
    }

    /// Queues a command for the end of the next frame, as a panel would.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The annotator name in use (a placeholder until one is given).
    pub(super) fn annotator(&self) -> String {
        if self.prefs.annotator.is_empty() {
            "me".to_owned()
        } else {
            self.prefs.annotator.clone()
        }
    }

    /// Shows a message in the status bar (and the log).
    pub(super) fn say(&mut self, text: impl Into<String>, error: bool) {
        self.messages.say(text, error);
    }

    /// The selected annotation's id, if it is the annotator's own.
    pub(super) fn selected_own(&self) -> Option<&AnnotationId> {
        self.selected.as_ref().and_then(Selected::own)
    }

    // ---- The frame ----

    /// The whole UI for one frame, then the commands it produced. eframe calls this through
    /// [`eframe::App::ui`]; tests call it through egui_kittest.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.ctx = Some(ctx.clone());
        self.prepare_context(&ctx);
        // Screen readers name the window after the tree's root, which egui leaves unnamed
        // (Orca would say "frame" and nothing more).
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |root| {
            root.set_label(super::WINDOW_TITLE);
        });
        self.take_loaded();
        super::tracking::poll(self);
        self.refresh_index();
        self.refresh_suggestions();
        self.refresh_colleagues();
        self.refresh_search();
        self.tracking.forget_stale_proposal(self.session.as_ref());
        self.inspector.refresh(
            self.session.as_ref(),
            self.view.as_ref().map(|v| v.document.as_str()),
            self.selected.as_ref(),
            &self.tracking,
        );
        if let Some(session) = &self.session {
            self.team.know_repository(session.store.root());
        }
        let keys = super::keys::handle(&ctx, &super::keys::KeyInput::of(self));
        self.commands.extend(keys);
        let menu = super::panels::menu::ui(ui, &super::panels::menu::MenuInput::of(self));
        self.commands.extend(menu);
        let status =
            super::panels::status_bar::ui(ui, &super::panels::status_bar::StatusInput::of(self));
        self.commands.extend(status);
        let available = ui.available_width();
        let columns = self
            .panels
            .columns(available, &self.prefs, self.tracking.mode);
        let open = |c: super::layout::Column| matches!(c, super::layout::Column::Open(_));
        self.panels.shown = (open(columns.documents), open(columns.side));
        self.side_panels_ui(ui, &columns);
        self.central_ui(ui);
        // Whether a dialog was open as the frame began: one that Escape closes in it does
        // not hand the same key to the windows below.
        let dialog_open = self.dialogs.modal.is_some();
        let dialogs = super::dialogs::ui(&ctx, self);
        self.commands.extend(dialogs);
        let windows = super::suggestions::windows::ui(&ctx, &self.suggestions);
        self.commands.extend(windows);
        // The windows that ask for an address or a pasted text wait, kept as typed, while a
        // dialog is open: drawn under it they would keep the keyboard from its field.
        if !dialog_open && self.dialogs.modal.is_none() {
            let paste = super::paste::window_ui(&ctx, &mut self.paste);
            self.commands.extend(paste);
            let url = super::fetch::window_ui(&ctx, &mut self.url_window);
            self.commands.extend(url);
        }
        let mapping = super::import_mapping::ui(&ctx, self.import_mapping.as_ref());
        self.commands.extend(mapping);
        self.dropped_files(&ctx);
        let mut commands = std::mem::take(&mut self.commands);
        // What waited for a field to take in its text comes after the field's own edit.
        commands.append(&mut self.after_fields);
        if !commands.is_empty() {
            // They change what this frame drew: show the result.
            ctx.request_repaint();
        }
        for command in commands {
            if let Some(command) = self.after_fields(command) {
                self.apply(command);
            }
        }
        self.finish_jobs(&ctx);
        self.continue_after_save(&ctx);
        if ctx.input(|i| i.viewport().close_requested()) {
            self.close_requested(&ctx);
        }
        self.close_when_done(&ctx);
        self.autosave(&ctx);
        super::dialogs::file_dialog::poll(self, &ctx);
        super::team::watch(self, &ctx);
    }

    /// Fonts once; the theme and the zoom whenever they change.
    fn prepare_context(&mut self, ctx: &egui::Context) {
        let wanted = (self.prefs.dark, self.prefs.zoom());
        if self.context_state.is_none() {
            install_fonts(ctx);
        }
        if self.context_state != Some(wanted) {
            super::theme::Theme::install(ctx, wanted.0);
            ctx.set_zoom_factor(wanted.1);
            self.context_state = Some(wanted);
        }
    }

    /// The documents panel and the right-hand panel, or the strips they collapse to.
    fn side_panels_ui(&mut self, ui: &mut egui::Ui, columns: &super::layout::Columns) {
        use super::layout::Column;
        if self.tracking.mode == super::tracking::Mode::Article {
            match columns.documents {
                Column::Open(width) => {
                    let mut filter = std::mem::take(&mut self.document_filter);
                    let input = super::panels::documents::DocumentsInput::of(self);
                    let (commands, new_width) =
                        super::layout::side_panel(ui, Side::Documents, width, |ui| {
                            super::panels::documents::ui(ui, &input, &mut filter)
                        });
                    self.document_filter = filter;
                    self.commands.extend(commands);
                    if let Some(w) = new_width {
                        self.prefs.documents_width = w;
                    }
                }
                Column::Strip => {
                    let commands = super::layout::strip_ui(ui, Side::Documents);
                    self.commands.extend(commands);
                }
                Column::Hidden => {}
            }
        }
        match columns.side {
            Column::Open(width) => {
                let mut commands = Vec::new();
                let new_width = super::layout::side_panel(ui, Side::Inspector, width, |ui| {
                    commands = self.right_panel_ui(ui);
                })
                .1;
                self.commands.extend(commands);
                if let Some(w) = new_width {
                    self.prefs.side_width = w;
                }
            }
            Column::Strip => {
                let commands = super::layout::strip_ui(ui, Side::Inspector);
                self.commands.extend(commands);
            }
            Column::Hidden => {}
        }
    }

    /// What the right-hand panel holds: the tracking views' details, review mode, or the
    /// inspector above the annotation list.
    fn right_panel_ui(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        if self.session.is_none() {
            return Vec::new();
        }
        if self.tracking.mode != super::tracking::Mode::Article {
            super::tracking::side_ui(self, ui);
            return Vec::new();
        }
        if self.review.is_some() {
            return super::review::panel::side_ui(ui, self);
        }
        let mut commands = Vec::new();
        // The list never takes more than half the column: a prediction's fields stay in view
        // above it in a small window, and one made smaller after the list was sized.
        let height = ui.available_height();
        egui::Panel::bottom("list")
            .resizable(true)
            .default_size(height * 0.45)
            .size_range(80.0_f32.min(height * 0.3)..=height * 0.5)
            .show(ui, |ui| {
                // The list's own state is lent out while the rest of the app is read.
                let mut list = std::mem::take(&mut self.list);
                if let Some(input) = super::panels::annotation_list::ListInput::of(self, &list) {
                    commands.extend(super::panels::annotation_list::ui(ui, &input, &mut list));
                }
                self.list = list;
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("inspector")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if let Some(input) = super::inspector::InspectorInput::of(self) {
                        commands.extend(super::inspector::ui(ui, &input));
                    }
                });
        });
        commands
    }

    /// The article (with the search bar and the bars above it), or a tracking view.
    fn central_ui(&mut self, ui: &mut egui::Ui) {
        if super::tracking::central_ui(self, ui) {
            return;
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let commands = super::panels::article::ui(ui, self);
            self.commands.extend(commands);
        });
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        let Some(first) = dropped.first().cloned() else {
            return;
        };
        if dropped.len() == 1 && first.join(crate::store::PROJECT_FILE).is_file() {
            self.commands.push(Command::OpenPath(first));
        } else if self.session.is_some() {
            self.commands.push(Command::AddArticles(dropped));
        } else {
            self.commands.push(Command::OpenPath(first));
        }
    }

    /// Saves everything; used when the window closes.
    pub fn save_on_exit(&mut self) -> Vec<String> {
        self.session.as_mut().map_or_else(Vec::new, |s| {
            s.save_now().iter().map(ToString::to_string).collect()
        })
    }

    /// The project folder, if a project is open.
    pub(super) fn root(&self) -> Option<&Path> {
        self.session.as_ref().map(|s| s.store.root())
    }
}

/// The emoji font is shipped (egui's defaults have none) so that articles with emoji render
/// everywhere; other scripts come from system fonts.
fn install_fonts(ctx: &egui::Context) {
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

impl eframe::App for LectorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Some(trace) = &mut self.trace {
            trace.ui_start();
        }
        self.show(ui);
        if let Some(trace) = &mut self.trace {
            let shown = self.view.as_ref().is_some_and(ArticleView::painted);
            trace.ui_end(ui.ctx(), shown);
        }
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        if let Some(trace) = &mut self.trace {
            trace.frame_start(raw_input);
        }
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
