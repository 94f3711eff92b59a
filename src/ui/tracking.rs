//! Following predictions and claims in the app: which view shows (the article, the
//! Predictions, Claims and Track record views), their shared state, the commands they produce
//! and where those are applied (the reducer passes [`TrackCommand`]s to [`apply`]). `app.rs`
//! calls [`central_ui`] and [`side_ui`]; the views themselves are [`super::predictions`],
//! [`super::claims`] and [`super::track_record`], the details beside them
//! [`super::resolve`].
//!
//! The project's predictions are counted by [`crate::predict::Tracker`], rebuilt only when
//! the session's revision changes and only while one of these views shows; in a big project
//! (20k annotations and more) on another thread, the view showing the counts from before
//! meanwhile. Filtering and sorting are cached by revision and filter, so a frame of a
//! 100k-prediction view costs the rows on screen.

use jiff::civil::Date;

use super::app::LectorApp;
use super::command::Command;
use super::messages::plural;
use crate::model::resolution::{Record, record_problems};
use crate::model::{CharOffset, RecordKey, Resolution, VerdictRecord};
pub use crate::predict::tracker::Recorded;
use crate::predict::{Tracker, tracker::today};
use crate::session::{Edit, Session};

/// What the central panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The article with its annotations.
    #[default]
    Article,
    /// Every prediction of the project, to resolve.
    Predictions,
    /// Every claim of the project, to check.
    Claims,
    /// Track records per holder and source, with the calibration chart.
    TrackRecord,
}

impl Mode {
    /// The tabs, in order.
    pub const ALL: [Self; 4] = [
        Self::Article,
        Self::Predictions,
        Self::Claims,
        Self::TrackRecord,
    ];

    /// The tab's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Article => "Article",
            Self::Predictions => "Predictions",
            Self::Claims => "Claims",
            Self::TrackRecord => "Track record",
        }
    }
}

/// What the views ask for; applied in [`apply`] from the app's reducer.
#[derive(Clone, Debug)]
pub enum TrackCommand {
    /// Show a view.
    ShowMode(Mode),
    /// Show the Predictions view with the due predictions.
    ShowDue,
    /// Record how a prediction turned out, in the user's resolutions file.
    Resolve(Box<Resolution>),
    /// Record a claim's verdict, in the user's resolutions file.
    SetVerdict(Box<VerdictRecord>),
    /// Show an annotation in its article: select it if it is the user's, else select its
    /// text.
    JumpTo {
        /// Whose annotation.
        key: RecordKey,
        /// Its first char.
        start: CharOffset,
        /// The char after its last.
        end: CharOffset,
    },
    /// Set (or clear) a document's publication date in `project.ron`.
    SetPublished {
        /// The document.
        document: String,
        /// The date.
        date: Option<Date>,
    },
    /// The analyst keeps the proposed certainty.
    ConfirmProposal,
    /// Select a prediction in the Predictions view (its shown copy).
    SelectPrediction(RecordKey),
    /// Select a claim in the Claims view.
    SelectClaim(RecordKey),
}

/// The views' state.
#[derive(Debug)]
pub struct TrackingState {
    /// What the central panel shows.
    pub mode: Mode,
    /// The project's predictions and claims as last counted (see [`Self::refresh`]).
    pub(super) tracker: Tracker,
    built_at: Option<u64>,
    /// Bumped whenever `tracker` changes (also across [`Self::reset`]), so that what is
    /// derived from it knows when to derive again.
    builds: u64,
    /// The content revision the predictions were matched at (see
    /// [`Session::content_revision`]).
    counted_at: Option<u64>,
    /// The filters' choices, listed once per count: the holders and documents of predictions,
    /// the sources of claims, as (name, id).
    pub(super) lists: Lists,
    /// Which counted prediction or claim each copy is, made with the counts (on the counting
    /// thread of a big project: a book's 166k predictions took a 32 ms frame when the
    /// inspector made it at the first selection after each count).
    copies: Copies,
    /// The day due dates are counted against.
    pub today: Date,
    /// The Predictions view.
    pub predictions: super::predictions::PredictionsView,
    /// The Claims view.
    pub claims: super::claims::ClaimsView,
    /// The Track record view.
    pub record: super::track_record::RecordView,
    /// The holder whose calibration the chart shows (`None`: everyone).
    pub chart_holder: Option<String>,
    /// The certainty proposal waiting for the analyst.
    pub proposal: Option<super::proposal::Proposal>,
    /// How many predictions are due: counted with the counts, and again when the date changes.
    pub due: usize,
    /// A count running on another thread (see [`Self::refresh`]).
    recount: Option<Recount>,
    /// From how many annotations in the project a count after a change runs on another
    /// thread: a project of 200k annotations takes a third of a second to count.
    pub background_from: usize,
    /// Whether to say how many predictions there are once the count running is done.
    announce: bool,
}

/// A count of the project's predictions and claims made on another thread, of the project as
/// it was at a content revision.
#[derive(Debug)]
struct Recount {
    content: u64,
    /// The session's revision the copy was made at: resolutions made after it are applied
    /// to the counts when they come.
    revision: u64,
    done: std::sync::mpsc::Receiver<Counted>,
}

/// From how many annotations the views count on another thread.
const BACKGROUND_FROM: usize = 20_000;

/// From how many predictions and claims old counts are let go of on another thread.
const BIG_COUNTS: usize = 10_000;

/// What a tracking view's Find field looks in: per row of the counts, its text, who (the
/// holder or the source) and its document, lower-cased; with the content revision of the
/// counts they were made with. Made with the counts (on the counting thread of a big
/// project: made in the view at every count, they took 50 ms of the first frame after each
/// edit on 42k predictions, and lower-casing each claim at each keystroke 10-12 ms).
#[derive(Debug, Default)]
pub struct FindTexts {
    of: Option<u64>,
    texts: Vec<String>,
}

impl FindTexts {
    /// The texts of these rows: (text, who, document) each.
    pub(super) fn make<'a>(
        rows: impl Iterator<Item = (&'a str, Option<&'a str>, &'a str)>,
    ) -> Vec<String> {
        // A query is one line: it never spans two of them.
        rows.map(|(text, who, document)| {
            format!("{text}\n{}\n{document}", who.unwrap_or("")).to_lowercase()
        })
        .collect()
    }

    /// Makes them again with `make` unless they are of the counts `built` (counts that came
    /// without them), so that a filter never looks in another count's texts.
    pub(super) fn refresh(&mut self, built: Option<u64>, make: impl FnOnce() -> Vec<String>) {
        if self.of != built {
            *self = Self {
                of: built,
                texts: make(),
            };
        }
    }

    /// Whether row `i`'s texts contain `needle` (lower-cased).
    pub(super) fn contains(&self, i: usize, needle: &str) -> bool {
        self.texts.get(i).is_some_and(|t| t.contains(needle))
    }
}

impl Default for TrackingState {
    fn default() -> Self {
        Self {
            mode: Mode::Article,
            tracker: Tracker::default(),
            built_at: None,
            builds: 0,
            counted_at: None,
            lists: Lists::default(),
            copies: Copies::default(),
            today: today(),
            predictions: super::predictions::PredictionsView::default(),
            claims: super::claims::ClaimsView::default(),
            record: super::track_record::RecordView::default(),
            chart_holder: None,
            proposal: None,
            due: 0,
            recount: None,
            background_from: BACKGROUND_FROM,
            announce: false,
        }
    }
}

impl TrackingState {
    /// How many of the counted predictions are due today.
    /// Takes `today` as the date: after midnight the predictions due are counted again,
    /// and the Predictions view's rows (which are keyed on the date) are made again.
    /// Returns whether the date changed.
    pub fn follow_date(&mut self, today: Date) -> bool {
        if today == self.today {
            return false;
        }
        self.today = today;
        self.due = self.count_due();
        true
    }

    fn count_due(&self) -> usize {
        self.tracker
            .predictions
            .iter()
            .filter(|p| p.is_due(self.today))
            .count()
    }

    /// Replaces the counts with those of content revision `content`, letting go of a big
    /// project's old ones on another thread (42k predictions took 23 ms to free, in the frame
    /// that opened their view).
    fn take_counts(&mut self, counted: Counted, content: u64) {
        let Counted {
            tracker,
            lists,
            copies,
            prediction_texts,
            claim_texts,
        } = counted;
        self.counted_at = Some(content);
        let texts = |texts| FindTexts {
            of: Some(content),
            texts,
        };
        let old = (
            std::mem::replace(&mut self.tracker, tracker),
            std::mem::replace(&mut self.lists, lists),
            std::mem::replace(&mut self.copies, copies),
            std::mem::replace(&mut self.predictions.find, texts(prediction_texts)),
            std::mem::replace(&mut self.claims.find, texts(claim_texts)),
        );
        if old.0.predictions.len() + old.0.claims.len() >= BIG_COUNTS {
            super::drop_elsewhere(old);
        }
    }

    /// Rebuilds the counts when the project changed since they were made. Returns whether it
    /// did (views then rebuild what they derive). With `wake`, a big project's annotations are
    /// matched on another thread, which wakes it when done: until then the counts stay as they
    /// were and [`Self::counting`] says so.
    pub fn refresh(&mut self, session: &Session, wake: Option<&egui::Context>) -> bool {
        if self.built_at == Some(session.revision()) {
            return false;
        }
        let project = &session.store.project;
        let content = session.content_revision();
        if self.counted_at == Some(content) {
            // Only resolutions changed: the matching of copies stands, and with it the
            // predictions and claims the records are about are found.
            let copies = &self.copies;
            self.tracker
                .resolve_these(project, |tracker, key| copies.find(tracker, key));
        } else {
            // Counts made on another thread of this content, if they are done.
            let made = match self.recount.take() {
                Some(recount) if recount.content == content => match recount.done.try_recv() {
                    Ok(counted) => Some((counted, recount.revision)),
                    Err(std::sync::mpsc::TryRecvError::Empty) => {
                        self.recount = Some(recount);
                        return false;
                    }
                    // The thread failed: counted again below.
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
                },
                // None, or of an older content: counted again below.
                _ => None,
            };
            let (counted, revision) = match made {
                Some(made) => made,
                None => {
                    if let Some(ctx) = wake
                        && self.start_recount(session, ctx)
                    {
                        return false;
                    }
                    (Counted::of(project), session.revision())
                }
            };
            self.take_counts(counted, content);
            if revision != session.revision() {
                // Resolutions made while they were counted.
                self.tracker.resolve(project);
            }
        }
        self.built_at = Some(session.revision());
        self.builds += 1;
        self.due = self.count_due();
        true
    }

    /// Starts counting a big project on another thread (a copy of it), which wakes `ctx`
    /// when done; `false` for a small project, or when no thread could be started.
    fn start_recount(&mut self, session: &Session, ctx: &egui::Context) -> bool {
        let project = &session.store.project;
        let size: usize = project.sets.values().map(|s| s.annotations().len()).sum();
        if size < self.background_from {
            return false;
        }
        let (send, done) = std::sync::mpsc::channel();
        let (snapshot, ctx) = (project.clone(), ctx.clone());
        let started = std::thread::Builder::new()
            .name("lector-count".to_owned())
            .spawn(move || {
                if send.send(Counted::of(&snapshot)).is_ok() {
                    ctx.request_repaint();
                }
            });
        if started.is_err() {
            return false;
        }
        self.recount = Some(Recount {
            content: session.content_revision(),
            revision: session.revision(),
            done,
        });
        true
    }

    /// Whether the predictions and claims are being counted again on another thread (the
    /// counts shown are from before the last change).
    pub fn counting(&self) -> bool {
        self.recount.is_some()
    }

    /// The project's predictions and claims as last counted.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// The counted prediction or claim of which the annotation `key` names is a copy.
    pub fn copy_of(&self, key: &RecordKey) -> Option<Recorded> {
        self.copies.find(&self.tracker, key)
    }

    /// The revision the counts are of.
    pub fn built_at(&self) -> Option<u64> {
        self.built_at
    }

    /// How many times the counts changed: what is derived from [`Self::tracker`] is derived
    /// again when this moves.
    pub fn builds(&self) -> u64 {
        self.builds
    }

    /// The content revision the predictions were matched at: what depends only on the
    /// predictions' texts (not on how they turned out) is kept while it stays.
    pub fn counted_at(&self) -> Option<u64> {
        self.counted_at
    }

    /// Forgets everything derived from a session (a new project, another annotator).
    pub fn reset(&mut self) {
        let (mode, builds, background_from) = (self.mode, self.builds, self.background_from);
        *self = Self::default();
        self.mode = mode;
        self.builds = builds + 1;
        self.background_from = background_from;
    }

    /// Forgets the certainty proposal once its annotation no longer has the proposed grade
    /// (the analyst chose another, or it was undone or deleted).
    pub fn forget_stale_proposal(&mut self, session: Option<&Session>) {
        let stands = match (&self.proposal, session) {
            (Some(p), Some(s)) => p.still_stands(&s.store.project),
            (None, _) => return,
            (Some(_), None) => false,
        };
        if !stands {
            self.proposal = None;
        }
    }

    /// The cue to underline in a document.
    pub fn cue(&self, document: &str) -> &[(CharOffset, CharOffset)] {
        match &self.proposal {
            Some(p) if p.document == document => &p.cue,
            _ => &[],
        }
    }
}

/// What the filters offer, as (name, id), sorted.
#[derive(Debug, Default)]
pub struct Lists {
    /// Holders of predictions.
    pub holders: Vec<(String, String)>,
    /// Documents with predictions.
    pub documents: Vec<String>,
    /// Sources of claims.
    pub sources: Vec<(String, String)>,
}

impl Lists {
    fn of(tracker: &Tracker) -> Self {
        let named = |id: &crate::model::EntityId, name: Option<&String>| {
            (name.cloned().unwrap_or_else(|| id.0.clone()), id.0.clone())
        };
        let holders: std::collections::BTreeSet<(String, String)> = tracker
            .predictions
            .iter()
            .filter_map(|p| Some(named(p.holder.as_ref()?, p.holder_name.as_ref())))
            .collect();
        let documents: std::collections::BTreeSet<&str> = tracker
            .predictions
            .iter()
            .map(|p| p.document.as_str())
            .collect();
        let sources: std::collections::BTreeSet<(String, String)> = tracker
            .claims
            .iter()
            .filter_map(|c| Some(named(c.source.as_ref()?, c.source_name.as_ref())))
            .collect();
        Self {
            holders: holders.into_iter().collect(),
            documents: documents.into_iter().map(str::to_owned).collect(),
            sources: sources.into_iter().collect(),
        }
    }
}

/// The predictions and claims of a project, matched and resolved on another thread (see
/// `loading.rs`), for [`TrackingState::install`].
pub struct Counted {
    tracker: Tracker,
    lists: Lists,
    copies: Copies,
    /// The predictions' and the claims' [`FindTexts`].
    prediction_texts: Vec<String>,
    claim_texts: Vec<String>,
}

impl Counted {
    /// Matches the copies of every prediction and claim of `project` and resolves them.
    pub fn of(project: &crate::model::Project) -> Self {
        let mut tracker = Tracker::count(project);
        tracker.resolve(project);
        let lists = Lists::of(&tracker);
        let copies = Copies::of(&tracker);
        let prediction_texts = super::predictions::find_texts(&tracker.predictions);
        let claim_texts = super::claims::find_texts(&tracker.claims);
        Self {
            tracker,
            lists,
            copies,
            prediction_texts,
            claim_texts,
        }
    }
}

impl TrackingState {
    /// Takes counts made of the session's project as it is now.
    pub fn install(&mut self, counted: Counted, session: &Session) {
        self.take_counts(counted, session.content_revision());
        self.built_at = Some(session.revision());
        self.due = self.count_due();
    }
}

/// When a project opens (or is read to its end): how many predictions are due, counted on
/// another thread in a big project and said once counted.
pub fn opened(app: &mut LectorApp) {
    app.tracking.reset();
    let Some(session) = &app.session else { return };
    app.tracking.refresh(session, app.ctx.as_ref());
    if app.tracking.counting() {
        app.tracking.announce = true;
    } else {
        tell_counts(app);
    }
}

/// Takes the counts made on another thread once they are done, whichever view shows.
pub fn poll(app: &mut LectorApp) {
    // A window left open past midnight: what is due is counted again for the new day.
    app.tracking.follow_date(today());
    if !app.tracking.counting() {
        return;
    }
    let Some(session) = &app.session else { return };
    if app.tracking.refresh(session, app.ctx.as_ref()) && std::mem::take(&mut app.tracking.announce)
    {
        tell_counts(app);
    }
}

/// Says how many predictions the project has and how many are due.
pub fn tell_counts(app: &mut LectorApp) {
    let due = app.tracking.due;
    let total = app.tracking.tracker().predictions.len();
    if total > 0 {
        // Routine: it does not hide what opening the project said (a recovery, problems);
        // the due ones have their link in the status bar.
        app.messages.say_routine(match due {
            0 => format!("{}, none due", plural(total, "prediction")),
            n => format!("{}, {n} due: see Predictions", plural(total, "prediction")),
        });
    }
}

/// Moves this annotator's format-1 resolutions into their file (see
/// [`Session::migrate_resolutions`]) and says what happened, for the status bar.
pub fn migrate(session: &mut Session) -> Vec<(String, bool)> {
    let Some(migration) = session.migrate_resolutions() else {
        return Vec::new();
    };
    let mut messages: Vec<(String, bool)> = migration
        .errors
        .iter()
        .map(|e| (format!("resolutions not moved: {e}"), true))
        .collect();
    if migration.errors.is_empty() && migration.moved > 0 {
        messages.push((
            format!(
                "moved {} resolutions from your annotation files (format 1) into {}",
                migration.moved,
                migration.file.display()
            ),
            false,
        ));
    }
    messages
}

/// The central panel of the tracking views; `false` in the article view.
pub fn central_ui(app: &mut LectorApp, ui: &mut egui::Ui) -> bool {
    let mode = app.tracking.mode;
    if mode == Mode::Article || app.session.is_none() {
        return false;
    }
    let complete = app.session.as_ref().is_some_and(|s| s.store.is_complete());
    if !complete && app.loading.is_none() {
        // Nothing reads the rest: read it here.
        app.read_the_rest_now();
    }
    if let Some(loading) = &app.loading {
        // Until the reading thread has read every document and counted them.
        let progress = loading.progress();
        let text = if complete {
            format!("{progress}…")
        } else {
            format!("{progress}: the predictions and claims show once every document is read")
        };
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(text);
            });
        });
        return true;
    }
    if let Some(session) = &app.session {
        app.tracking.refresh(session, Some(ui.ctx()));
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if app.tracking.counting() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(if app.tracking.counted_at.is_some() {
                    "counting again after your changes; the figures below are from before"
                } else {
                    "counting the project's predictions and claims…"
                });
            });
        }
        match mode {
            Mode::Predictions => super::predictions::table_ui(app, ui),
            Mode::Claims => super::claims::table_ui(app, ui),
            Mode::TrackRecord => super::track_record::ui(app, ui),
            Mode::Article => {}
        }
    });
    true
}

/// The right-hand panel's contents in the Predictions and Claims views: the selected row's
/// details.
pub fn side_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let show: fn(&mut LectorApp, &mut egui::Ui) = match app.tracking.mode {
        // The track records take the whole width.
        Mode::Article | Mode::TrackRecord => return,
        Mode::Predictions => super::resolve::details_ui,
        Mode::Claims => super::claims::details_ui,
    };
    egui::ScrollArea::vertical()
        .id_salt("tracking-side")
        .show(ui, |ui| show(app, ui));
}

/// Applies a command of the tracking views.
pub fn apply(app: &mut LectorApp, command: TrackCommand) {
    match command {
        TrackCommand::ShowMode(mode) => {
            app.tracking.mode = mode;
            app.palette = None;
        }
        TrackCommand::ShowDue => {
            app.tracking.mode = Mode::Predictions;
            app.tracking.predictions.show_due();
        }
        TrackCommand::Resolve(record) => {
            let edit = Edit::Resolve(Box::new(*record.clone()));
            record_edit(app, &record.key, edit, record_problems(&record, today()));
        }
        TrackCommand::SetVerdict(record) => {
            let edit = Edit::SetVerdict(Box::new(*record.clone()));
            record_edit(app, &record.key, edit, record_problems(&record, today()));
        }
        TrackCommand::JumpTo { key, start, end } => jump_to(app, &key, start, end),
        TrackCommand::SetPublished { document, date } => {
            let Some(session) = &mut app.session else {
                return;
            };
            match session.store.set_published(&document, date) {
                Ok(()) => {
                    session.bump_revision();
                    app.say(
                        match date {
                            Some(d) => format!("{document}: published {d}"),
                            None => format!("{document}: no publication date"),
                        },
                        false,
                    );
                }
                Err(err) => app.say(format!("not changed: {err}"), true),
            }
        }
        TrackCommand::SelectPrediction(key) => app.tracking.predictions.selected = Some(key),
        TrackCommand::SelectClaim(key) => app.tracking.claims.selected = Some(key),
        TrackCommand::ConfirmProposal => {
            if let Some(p) = app.tracking.proposal.take() {
                app.say(
                    format!("certainty {} kept", p.certainty.replace('_', " ")),
                    false,
                );
            }
        }
    }
}

fn record_edit(app: &mut LectorApp, key: &RecordKey, edit: Edit, problems: Vec<String>) {
    if let Some(problem) = problems.into_iter().next() {
        app.say(format!("not recorded: {problem}"), true);
        return;
    }
    let Some(session) = &mut app.session else {
        return;
    };
    let what = match &edit {
        Edit::Resolve(r) => format!("resolved as {}", r.outcome.words()),
        Edit::SetVerdict(r) => format!("verdict {}", r.outcome.words()),
        _ => String::new(),
    };
    match session.apply(&key.document, vec![edit]) {
        Ok(()) => {
            let file = crate::store::resolutions_path(
                crate::model::review::reviewer_of(session.annotator())
                    .unwrap_or(session.annotator()),
            );
            app.say(
                format!(
                    "{what}; saved in {} (nobody's annotation file changes)",
                    file.display()
                ),
                false,
            );
        }
        Err(err) => app.say(format!("not recorded: {err}"), true),
    }
}

fn jump_to(app: &mut LectorApp, key: &RecordKey, start: CharOffset, end: CharOffset) {
    app.tracking.mode = Mode::Article;
    if app.document() != Some(key.document.as_str()) {
        app.apply(Command::OpenDocument(key.document.clone()));
    }
    let own = app
        .session
        .as_ref()
        .is_some_and(|s| s.annotator() == key.annotator);
    if own {
        app.apply(Command::Select(Some(key.annotation.clone())));
    } else if let Some(view) = &mut app.view {
        view.scroll_to(start);
        view.selection = super::article::Selection {
            anchor: start,
            head: end,
        };
        app.selected = None;
        app.say(
            format!(
                "{}'s annotation, selected in the text (tag it to make it yours too)",
                key.annotator
            ),
            false,
        );
    }
}

/// A record about a prediction or claim, made now by the user.
pub fn new_record<S>(
    key: RecordKey,
    outcome: S,
    date: Option<Date>,
    evidence: &str,
    note: &str,
    quote: &str,
) -> Record<S> {
    Record {
        key,
        outcome,
        date,
        evidence: evidence
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        note: note.trim().to_owned(),
        quote: quote.to_owned(),
        at: crate::model::annotation::now(),
    }
}

/// The widths of a table's columns in `available` points, from each column's natural and
/// smallest width. The text column (natural width 0) takes what the others leave, at least 120
/// points. Where the natural widths do not fit (an 800-point window beside the details panel),
/// the columns in `drop` lose their room, the least needed first (width 0: not shown), and then
/// the others narrow towards their smallest, so that the status and the due date stay in view
/// rather than run off the edge.
pub fn table_widths(available: f32, columns: &[(f32, f32)], drop: &[usize]) -> Vec<f32> {
    const MIN_TEXT: f32 = 120.0;
    const MARGIN: f32 = 16.0;
    let room = available - MARGIN - MIN_TEXT;
    let mut shown: Vec<(f32, f32)> = columns.to_vec();
    let fixed = |shown: &[(f32, f32)]| shown.iter().map(|c| c.0).sum::<f32>();
    for &i in drop {
        if fixed(&shown) <= room {
            break;
        }
        if let Some(c) = shown.get_mut(i) {
            *c = (0.0, 0.0);
        }
    }
    let natural = fixed(&shown);
    let spare: f32 = shown.iter().map(|(n, m)| n - m).sum();
    // How far each column narrows from its natural width towards its smallest.
    let t = if natural > room && spare > 0.0 {
        ((natural - room) / spare).min(1.0)
    } else {
        0.0
    };
    let mut widths: Vec<f32> = shown.iter().map(|(n, m)| n - t * (n - m)).collect();
    let text = (available - MARGIN - widths.iter().sum::<f32>()).max(MIN_TEXT);
    for (w, (n, _)) in widths.iter_mut().zip(columns) {
        if *n == 0.0 {
            *w = text;
        }
    }
    widths
}

/// The prediction or claim each annotation is a copy of: the first prediction that has it,
/// else the first claim. Kept by a hash of each copy's key, not the key: a map of the keys
/// themselves copied 166k keys' strings and hashed them with SipHash (a 262 ms frame when a
/// prediction of the book was first selected). A hash that leads elsewhere (another key
/// with the same hash) is found out by looking at that record's copies, and the records are
/// then searched in order, as a map of the keys would have them.
#[derive(Debug, Default)]
struct Copies {
    by_hash: std::collections::HashMap<u64, Recorded, foldhash::fast::FixedState>,
}

impl Copies {
    fn of(tracker: &Tracker) -> Self {
        let mut by_hash = std::collections::HashMap::with_capacity_and_hasher(
            tracker.predictions.len() + tracker.claims.len(),
            foldhash::fast::FixedState::default(),
        );
        for (key, outcome) in records(tracker) {
            by_hash.entry(hash_of(key)).or_insert(outcome);
        }
        Self { by_hash }
    }

    /// The record `key` is a copy of.
    fn find(&self, tracker: &Tracker, key: &RecordKey) -> Option<Recorded> {
        let outcome = *self.by_hash.get(&hash_of(key))?;
        let copies = match outcome {
            Recorded::Prediction(i) => tracker.predictions.get(i).map(|p| &p.copies),
            Recorded::Claim(i) => tracker.claims.get(i).map(|c| &c.copies),
        };
        if copies.is_some_and(|c| c.contains(key)) {
            return Some(outcome);
        }
        records(tracker).find(|(k, _)| *k == key).map(|(_, o)| o)
    }
}

/// Every copy of every prediction, then of every claim, with its record.
fn records(tracker: &Tracker) -> impl Iterator<Item = (&RecordKey, Recorded)> {
    let predictions = tracker
        .predictions
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.copies.iter().map(move |k| (k, Recorded::Prediction(i))));
    let claims = tracker
        .claims
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.copies.iter().map(move |k| (k, Recorded::Claim(i))));
    predictions.chain(claims)
}

fn hash_of(key: &RecordKey) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::with_seed(0x1ec7).hash_one(key)
}

#[cfg(test)]
mod tests {
    use super::{Copies, Edit, Recorded, hash_of, records, table_widths};
    use crate::model::{AnnotationId, RecordKey};
    use crate::predict::Tracker;

    /// The Predictions view's columns: holder, text, certainty, condition, due, status,
    /// document, annotators.
    const COLUMNS: [(f32, f32); 8] = [
        (140.0, 90.0),
        (0.0, 0.0),
        (95.0, 80.0),
        (110.0, 80.0),
        (90.0, 82.0),
        (115.0, 90.0),
        (100.0, 70.0),
        (85.0, 60.0),
    ];
    const DROP: [usize; 4] = [7, 6, 3, 2];

    #[test]
    fn a_wide_table_keeps_every_column_and_gives_the_text_the_rest() {
        let widths = table_widths(1300.0, &COLUMNS, &DROP);
        assert_eq!(widths[0], 140.0);
        assert_eq!(widths[7], 85.0);
        assert_eq!(widths.iter().sum::<f32>(), 1300.0 - 16.0);
    }

    #[test]
    fn a_narrow_table_drops_the_least_needed_columns_and_fits() {
        for available in [420.0, 445.0, 520.0, 640.0, 800.0] {
            let widths = table_widths(available, &COLUMNS, &DROP);
            assert!(
                widths.iter().sum::<f32>() <= available - 16.0 + 0.01,
                "{available}: {widths:?}"
            );
            assert!(widths[1] >= 120.0, "the text keeps its room");
            // Holder, due date and status always show, at least at their smallest.
            for kept in [0, 4, 5] {
                assert!(
                    widths[kept] >= COLUMNS[kept].1 - 0.01,
                    "{available}: {widths:?}"
                );
            }
        }
        let widths = table_widths(445.0, &COLUMNS, &DROP);
        assert_eq!(
            (widths[7], widths[6], widths[3], widths[2]),
            (0.0, 0.0, 0.0, 0.0)
        );
        // Only what is needed goes.
        let widths = table_widths(800.0, &COLUMNS, &DROP);
        assert_eq!(widths[7], 0.0);
        assert!(widths[3] > 0.0, "{widths:?}");
    }

    /// Each copy is found to stand where a map of the keys themselves says (the first
    /// prediction that has it, else the first claim), also when its hash leads to another
    /// record; a key no record has is found nowhere.
    #[test]
    fn copies_are_found_where_a_map_of_their_keys_has_them() {
        let root = crate::ui::sample_project().unwrap();
        let (store, _) = crate::store::ProjectStore::open(&root).unwrap();
        let mut tracker = Tracker::count(&store.project);
        tracker.resolve(&store.project);
        let mut by_key: std::collections::BTreeMap<&RecordKey, Recorded> =
            std::collections::BTreeMap::new();
        for (key, outcome) in records(&tracker) {
            by_key.entry(key).or_insert(outcome);
        }
        assert!(by_key.len() > 20, "{}", by_key.len());
        let copies = Copies::of(&tracker);
        for (key, outcome) in &by_key {
            assert_eq!(copies.find(&tracker, key), Some(*outcome), "{key:?}");
        }
        let nobody = RecordKey::new("sotji-talks", "nobody", AnnotationId("x".into()));
        assert_eq!(copies.find(&tracker, &nobody), None);

        // Every hash leading to the first record: each is still found where it stands.
        let (first, _) = records(&tracker).next().unwrap();
        let wrong = by_key[first];
        let misled = Copies {
            by_hash: by_key
                .keys()
                .map(|k| (hash_of(k), wrong))
                .collect::<std::collections::HashMap<_, _, foldhash::fast::FixedState>>(),
        };
        for (key, outcome) in &by_key {
            assert_eq!(misled.find(&tracker, key), Some(*outcome), "{key:?}");
        }
    }

    /// The counts come with which record each copy is: the inspector finds the selected
    /// prediction's record without making anything, after each count.
    #[test]
    fn the_counts_come_with_which_record_each_copy_is() {
        let root = crate::ui::sample_project().unwrap();
        let (store, _) = crate::store::ProjectStore::open(&root).unwrap();
        let session = crate::session::Session::new(store, "anna");
        let mut tracking = super::TrackingState::default();
        assert!(tracking.refresh(&session, None));
        let tracker = tracking.tracker();
        let mut found = 0;
        for (key, _) in records(tracker) {
            match tracking.copy_of(key) {
                Some(Recorded::Prediction(i)) => {
                    assert!(tracker.predictions[i].copies.contains(key), "{key:?}");
                }
                Some(Recorded::Claim(i)) => {
                    assert!(tracker.claims[i].copies.contains(key), "{key:?}");
                }
                None => panic!("{key:?} is a copy of no record"),
            }
            found += 1;
        }
        assert!(found > 20, "{found}");
    }

    /// After resolutions alone, the counts resolve again only what the records are about and
    /// what they were about before, and come out as resolving every prediction and claim
    /// does: predictions resolved, resolved again otherwise and unresolved, verdicts set and
    /// cleared, beside a colleague's records (erik's file in the sample).
    #[test]
    fn resolving_what_records_touch_gives_what_resolving_all_gives() {
        use crate::predict::ResolutionStatus;
        use crate::predict::claims::Verdict;
        let dir = tempfile::tempdir().unwrap();
        let mut session = crate::ui::sample_session(dir.path());
        // Before any resolve it resolves all (claims take their verdict attribute then).
        let mut first = Tracker::count(&session.store.project);
        first.resolve_these(&session.store.project, |_, _| None);
        assert!(first == Tracker::build(&session.store.project));
        let mut tracking = super::TrackingState::default();
        assert!(tracking.refresh(&session, None));
        let (predictions, claims) = (
            tracking.tracker().predictions.len(),
            tracking.tracker().claims.len(),
        );
        assert!(predictions > 3 && claims > 3, "{predictions} {claims}");
        let mut rng = fastrand::Rng::with_seed(5);
        let statuses = [
            ResolutionStatus::CameTrue,
            ResolutionStatus::DidNotComeTrue,
            ResolutionStatus::Ambiguous,
        ];
        let verdicts = [Verdict::Supported, Verdict::Refuted, Verdict::Conflicting];
        let mut resolved_at = Vec::new();
        for step in 0..60 {
            let tracker = tracking.tracker();
            let edit = if rng.bool() {
                let p = &tracker.predictions[rng.usize(..predictions)];
                // A copy other than the one shown, now and then.
                let key = p.copies[rng.usize(..p.copies.len())].clone();
                if rng.u8(..4) == 0 {
                    Edit::Unresolve(Box::new(key))
                } else {
                    let status = statuses[rng.usize(..statuses.len())];
                    Edit::Resolve(Box::new(super::new_record(key, status, None, "", "", "")))
                }
            } else {
                let c = &tracker.claims[rng.usize(..claims)];
                let key = c.copies[rng.usize(..c.copies.len())].clone();
                if rng.u8(..4) == 0 {
                    Edit::ClearVerdict(Box::new(key))
                } else {
                    let verdict = verdicts[rng.usize(..verdicts.len())];
                    Edit::SetVerdict(Box::new(super::new_record(key, verdict, None, "", "", "")))
                }
            };
            let document = match &edit {
                Edit::Resolve(r) => r.key.document.clone(),
                Edit::SetVerdict(r) => r.key.document.clone(),
                Edit::Unresolve(k) | Edit::ClearVerdict(k) => k.document.clone(),
                _ => unreachable!(),
            };
            let content = session.content_revision();
            if session.apply(&document, vec![edit]).is_err() {
                // Nothing of anna's to clear there.
                continue;
            }
            assert_eq!(session.content_revision(), content, "resolutions alone");
            assert!(tracking.refresh(&session, None));
            let mut all = Tracker::count(&session.store.project);
            all.resolve(&session.store.project);
            assert!(*tracking.tracker() == all, "step {step}");
            resolved_at.push(
                all.predictions
                    .iter()
                    .filter(|p| p.resolved_by.is_some())
                    .count(),
            );
        }
        assert!(resolved_at.len() > 40, "{resolved_at:?}");
        assert!(
            resolved_at.iter().max() > resolved_at.first(),
            "{resolved_at:?}"
        );
    }
}
