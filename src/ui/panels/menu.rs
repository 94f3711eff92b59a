//! The menu bar: File, Edit, Review, View, Help, and the tabs of the views.

use std::path::PathBuf;

use super::super::app::LectorApp;
use super::super::command::{Command, Side, ViewCommand};
use super::super::dialogs::{Ask, PathPurpose};
use super::super::review::ReviewCommand;
use super::super::tracking::{Mode, TrackCommand};

/// What the menus show.
#[derive(Debug, Default)]
pub struct MenuInput {
    /// A project is open.
    pub project: bool,
    /// A document is shown.
    pub document: bool,
    /// In review mode.
    pub reviewing: bool,
    /// A sync runs.
    pub syncing: bool,
    /// A sync was run.
    pub synced: bool,
    /// Recently opened projects.
    pub recent: Vec<PathBuf>,
    /// Dark theme.
    pub dark: bool,
    /// Snap selections to words.
    pub snap: bool,
    /// The zoom.
    pub zoom: f32,
    /// The view shown.
    pub mode: Mode,
    /// Colleagues who annotated the open document, and whether each is shown.
    pub colleagues: Vec<(String, bool)>,
}

impl MenuInput {
    /// What the app holds now.
    pub fn of(app: &LectorApp) -> Self {
        let colleagues = match (&app.session, &app.view) {
            (Some(s), Some(v)) => {
                super::super::colleagues::candidates(&s.store.project, &v.document, s.annotator())
                    .into_iter()
                    .map(|(who, _)| {
                        let shown = app.colleagues.is_shown(&who);
                        (who, shown)
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        Self {
            project: app.session.is_some(),
            document: app.view.is_some(),
            reviewing: app.review.is_some(),
            syncing: app.jobs.is_running(super::super::jobs::JobKind::Sync),
            synced: app.team.last_sync.is_some(),
            recent: app.prefs.recent.clone(),
            dark: app.prefs.dark,
            snap: app.prefs.snap_to_words,
            zoom: app.prefs.zoom(),
            mode: app.tracking.mode,
            colleagues,
        }
    }
}

/// The menu bar.
pub fn ui(ui: &mut egui::Ui, input: &MenuInput) -> Vec<Command> {
    let mut out = Vec::new();
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(ui, input, &mut out));
            ui.menu_button("Edit", |ui| edit_menu(ui, &mut out));
            ui.menu_button("Review", |ui| review_menu(ui, input, &mut out));
            ui.menu_button("Suggestions", |ui| {
                super::super::suggestions::windows::menu_ui(ui, input.document, &mut out);
            });
            ui.menu_button("View", |ui| view_menu(ui, input, &mut out));
            ui.menu_button("Help", |ui| {
                if ui
                    .add(egui::Button::new("Shortcuts").shortcut_text("F1"))
                    .clicked()
                {
                    out.push(ViewCommand::Help(true).into());
                }
            });
            if input.project {
                tabs(ui, input.mode, &mut out);
            }
        });
    });
    out
}

fn file_menu(ui: &mut egui::Ui, input: &MenuInput, out: &mut Vec<Command>) {
    let ask = |a: Ask| Command::View(ViewCommand::Ask(a));
    if ui.button("New project…").clicked() {
        out.push(ask(Ask::Path(PathPurpose::New)));
    }
    if ui.button("Open project…").clicked() {
        out.push(ask(Ask::Path(PathPurpose::Open)));
    }
    if ui
        .add_enabled(input.project, egui::Button::new("Add articles…"))
        .clicked()
    {
        out.push(ask(Ask::Path(PathPurpose::Add)));
    }
    if ui
        .add_enabled(input.project, egui::Button::new("Add from URL…"))
        .clicked()
    {
        out.push(Command::Fetch(super::super::fetch::FetchCommand::Open));
    }
    if ui
        .add_enabled(
            input.project,
            egui::Button::new("Paste as article…").shortcut_text("Ctrl+Shift+V"),
        )
        .clicked()
    {
        out.push(Command::Paste(super::super::paste::PasteCommand::Open));
    }
    if ui
        .add_enabled(input.project, egui::Button::new("Export…"))
        .clicked()
    {
        out.push(ask(Ask::Export));
    }
    if ui
        .add_enabled(input.project, egui::Button::new("Import…"))
        .clicked()
    {
        out.push(ask(Ask::Import));
    }
    ui.menu_button("Open recent", |ui| {
        if input.recent.is_empty() {
            ui.label("nothing yet");
        }
        for path in &input.recent {
            if ui.button(path.display().to_string()).clicked() {
                out.push(Command::OpenPath(path.clone()));
            }
        }
    });
    ui.separator();
    if ui
        .add(egui::Button::new("Save").shortcut_text("Ctrl+S"))
        .clicked()
    {
        out.push(Command::Save);
    }
    if ui
        .add_enabled(input.project && !input.syncing, egui::Button::new("Sync"))
        .on_hover_text("Save, commit your annotations, pull colleagues' work and push (git)")
        .clicked()
    {
        out.push(Command::Sync);
    }
    if ui
        .add_enabled(input.synced, egui::Button::new("Last sync…"))
        .clicked()
    {
        out.push(ViewCommand::SyncReport(true).into());
    }
    if ui.button("Quit").clicked() {
        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

fn edit_menu(ui: &mut egui::Ui, out: &mut Vec<Command>) {
    if ui
        .add(egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
        .clicked()
    {
        out.push(Command::Undo);
    }
    if ui
        .add(egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z"))
        .clicked()
    {
        out.push(Command::Redo);
    }
    if ui
        .add(egui::Button::new("Find").shortcut_text("Ctrl+F"))
        .clicked()
    {
        out.push(ViewCommand::OpenSearch.into());
    }
    if ui.button("Switch annotator…").clicked() {
        out.push(ViewCommand::Ask(Ask::SwitchAnnotator).into());
    }
}

fn review_menu(ui: &mut egui::Ui, input: &MenuInput, out: &mut Vec<Command>) {
    if ui
        .add_enabled(
            input.document && !input.reviewing,
            egui::Button::new("Review colleagues…"),
        )
        .clicked()
    {
        out.push(ViewCommand::Ask(Ask::ReviewPicker).into());
    }
    if ui
        .add_enabled(input.reviewing, egui::Button::new("Finish review"))
        .clicked()
    {
        out.push(Command::Review(ReviewCommand::Finish));
    }
}

fn view_menu(ui: &mut egui::Ui, input: &MenuInput, out: &mut Vec<Command>) {
    let mut dark = input.dark;
    if ui.checkbox(&mut dark, "Dark theme").changed() {
        out.push(ViewCommand::Dark(dark).into());
    }
    let mut snap = input.snap;
    if ui.checkbox(&mut snap, "Snap to words").changed() {
        out.push(ViewCommand::SnapToWords(snap).into());
    }
    ui.menu_button("Colleagues' labels", |ui| {
        if input.colleagues.is_empty() {
            ui.label("no colleague has annotated this document");
        }
        for (who, shown) in &input.colleagues {
            let mut on = *shown;
            if ui.checkbox(&mut on, format!("Show {who}'s")).changed() {
                out.push(
                    ViewCommand::ShowColleague {
                        annotator: who.clone(),
                        shown: on,
                    }
                    .into(),
                );
            }
        }
    });
    ui.separator();
    if ui
        .add(egui::Button::new("Zoom in").shortcut_text("Ctrl+plus"))
        .clicked()
    {
        out.push(ViewCommand::Zoom(input.zoom * 1.1).into());
    }
    if ui
        .add(egui::Button::new("Zoom out").shortcut_text("Ctrl+minus"))
        .clicked()
    {
        out.push(ViewCommand::Zoom(input.zoom / 1.1).into());
    }
    if ui
        .add(egui::Button::new("Actual size").shortcut_text("Ctrl+0"))
        .clicked()
    {
        out.push(ViewCommand::Zoom(1.0).into());
    }
    ui.separator();
    if ui
        .add(egui::Button::new("Documents panel").shortcut_text("F2"))
        .clicked()
    {
        out.push(ViewCommand::TogglePanel(Side::Documents).into());
    }
    if ui
        .add(egui::Button::new("Inspector panel").shortcut_text("F3"))
        .clicked()
    {
        out.push(ViewCommand::TogglePanel(Side::Inspector).into());
    }
    if ui.button("Messages…").clicked() {
        out.push(ViewCommand::Messages(true).into());
    }
}

/// The view tabs, in the menu bar.
fn tabs(ui: &mut egui::Ui, mode: Mode, out: &mut Vec<Command>) {
    ui.separator();
    for m in Mode::ALL {
        let selected = mode == m;
        if ui.selectable_label(selected, m.name()).clicked() && !selected {
            out.push(Command::Track(TrackCommand::ShowMode(m)));
        }
    }
}
