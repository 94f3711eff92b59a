//! The status bar: who is annotating, background work, Sync, predictions due, whether the
//! work is saved, the counts, and the newest message (a routine one waits behind one just
//! said: [`Messages::shown`](super::super::messages::Messages::shown)), elided to fit (whole
//! on hover, and in View → Messages, which a click on it opens).

use egui::RichText;

use super::super::app::LectorApp;
use super::super::command::{Command, ViewCommand};
use super::super::dialogs::Ask;
use super::super::messages::plural;
use super::super::theme::Theme;
use super::super::tracking::TrackCommand;

/// Whether the work is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A save is being written.
    Saving,
    /// Changes wait to be saved.
    Unsaved,
    /// Everything is on disk.
    OnDisk,
}

/// What the status bar shows.
#[derive(Debug, Default)]
pub struct StatusInput {
    /// The annotator's name (empty: not given yet).
    pub annotator: String,
    /// Background work: what, and for how many seconds.
    pub jobs: Vec<(String, f32)>,
    /// The project is in a git repository (Sync shows).
    pub git: bool,
    /// A sync runs.
    pub syncing: bool,
    /// Predictions due.
    pub due: usize,
    /// Whether the work is saved (no project: `None`).
    pub saved: Option<Saved>,
    /// Why the open document's file cannot be written.
    pub read_only: Option<String>,
    /// The annotator's annotations of the open document.
    pub annotations: Option<usize>,
    /// Whether they are only those of the beginning of a big file still being read.
    pub so_far: bool,
    /// Open suggestions in the open document.
    pub suggestions: Option<usize>,
    /// The caret or selection, in chars.
    pub selection: Option<(u32, u32)>,
    /// The message shown (the newest, unless routine) and whether it is an error.
    pub message: Option<(String, bool)>,
}

impl StatusInput {
    /// What the app holds now.
    pub fn of(app: &LectorApp) -> Self {
        let session = app.session.as_ref();
        let document = app.document();
        let so_far = app.loading.is_some()
            && session
                .zip(document)
                .is_some_and(|(s, d)| s.store.is_partly_read(d));
        Self {
            annotator: app.prefs.annotator.clone(),
            jobs: app
                .jobs
                .iter()
                .map(|j| (j.what.clone(), j.started.elapsed().as_secs_f32()))
                .chain(app.waiting_for_save())
                .chain(
                    app.loading
                        .as_ref()
                        .map(|l| (l.progress(), l.started.elapsed().as_secs_f32())),
                )
                .collect(),
            git: app.team.in_repository(),
            syncing: app.jobs.is_running(super::super::jobs::JobKind::Sync),
            due: if session.is_some() {
                app.tracking.due
            } else {
                0
            },
            saved: session.map(|s| {
                if s.is_saving() {
                    Saved::Saving
                } else if s.is_dirty() {
                    Saved::Unsaved
                } else {
                    Saved::OnDisk
                }
            }),
            // A book shown from its beginning cannot be written until the rest is read, but
            // an edit waits for that rather than being refused: not read-only to the user.
            read_only: session
                .zip(document)
                .filter(|_| !so_far)
                .and_then(|(s, d)| s.read_only_reason(d)),
            annotations: document.map(|_| app.annotations().len()),
            so_far,
            suggestions: document.and_then(|d| app.suggestions.open_in(d)),
            selection: app.view.as_ref().map(|v| {
                let (s, e) = v.selection.range();
                (s.0, e.0)
            }),
            message: app.messages.shown().map(|m| (m.text.clone(), m.error)),
        }
    }
}

/// The status bar.
pub fn ui(ui: &mut egui::Ui, input: &StatusInput) -> Vec<Command> {
    let mut out = Vec::new();
    let theme = Theme::of(ui);
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let name = if input.annotator.is_empty() {
                "(no name)"
            } else {
                &input.annotator
            };
            if ui
                .link(format!("Annotator {name}"))
                .on_hover_text("Switch annotator…")
                .clicked()
            {
                out.push(ViewCommand::Ask(Ask::SwitchAnnotator).into());
            }
            ui.separator();
            if input.git {
                if ui
                    .add_enabled(!input.syncing, egui::Button::new("🔄 Sync").small())
                    .on_hover_text(
                        "Save, commit your annotations, pull colleagues' work and push (git)",
                    )
                    .clicked()
                {
                    out.push(Command::Sync);
                }
                ui.separator();
            }
            for (what, seconds) in &input.jobs {
                ui.spinner();
                ui.label(format!("{what}… {seconds:.0} s"));
                ui.separator();
            }
            if input.due > 0 {
                let text = if input.due == 1 {
                    "⏰ 1 prediction due".to_owned()
                } else {
                    format!("⏰ {} predictions due", input.due)
                };
                if ui
                    .link(RichText::new(text).color(theme.warning()))
                    .on_hover_text("Open, with a due date on or before today: show them")
                    .clicked()
                {
                    out.push(Command::Track(TrackCommand::ShowDue));
                }
                ui.separator();
            }
            match input.saved {
                Some(Saved::Saving) => {
                    ui.label(RichText::new("saving…").color(theme.warning()));
                }
                Some(Saved::Unsaved) => {
                    ui.label(RichText::new("• unsaved").color(theme.warning()));
                }
                Some(Saved::OnDisk) => {
                    ui.label(RichText::new("✔ saved").color(theme.ok()));
                }
                None => {}
            }
            if let Some(reason) = &input.read_only {
                ui.separator();
                ui.label(RichText::new("read-only").color(theme.error()))
                    .on_hover_text(reason);
            }
            if let Some(n) = input.annotations {
                ui.separator();
                if input.so_far {
                    ui.label(format!("{} so far", plural(n, "annotation")))
                        .on_hover_text("the beginning of a big file; the rest is being read");
                } else {
                    ui.label(plural(n, "annotation"));
                }
            }
            if let Some(n) = input.suggestions {
                ui.separator();
                if ui
                    .link(plural(n, "suggestion"))
                    .on_hover_text(
                        "Open suggestions (dashed outlines): F8 goes to the next, Ctrl+Enter \
                         accepts, Ctrl+Delete rejects",
                    )
                    .clicked()
                {
                    out.push(Command::Suggest(
                        super::super::suggestions::SuggestCommand::Step(true),
                    ));
                }
            }
            if let Some((s, e)) = input.selection {
                ui.separator();
                ui.label(if s == e {
                    format!("caret {s}")
                } else {
                    format!("{s}–{e} ({})", plural((e - s) as usize, "char"))
                });
            }
            if let Some((text, error)) = &input.message {
                ui.separator();
                let rich = RichText::new(text);
                let rich = if *error {
                    rich.color(theme.error())
                } else {
                    rich
                };
                // The rest of the bar; a long message is cut with "…", whole on hover.
                let response = ui
                    .add(
                        egui::Label::new(rich)
                            .truncate()
                            .sense(egui::Sense::click()),
                    )
                    .on_hover_text(format!("{text}\n\n(click for every message)"));
                if response.clicked() {
                    out.push(ViewCommand::Messages(true).into());
                }
            }
        });
    });
    out
}
