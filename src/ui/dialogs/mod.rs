//! The app's dialogs: what asks the user something (a name, a path, an export, which
//! colleagues to review) and the windows beside the article (shortcuts, the message log).
//! One modal dialog at most is open ([`Dialogs::modal`]); each returns the command it makes.
//!
//! - [`annotator`]: who is annotating (first run, and Edit → Switch annotator).
//! - [`path_prompt`]: a typed path, where the system has no file dialog.
//! - [`file_dialog`]: the system's file dialogs.
//! - [`export`]: the export dialog.
//! - [`review_picker`]: which annotators a review compares.
//! - [`windows`]: the shortcuts and the message log.

pub mod annotator;
pub mod export;
pub mod file_dialog;
pub mod path_prompt;
pub mod review_picker;
mod windows;

pub use annotator::AnnotatorPrompt;
pub use export::ExportForm;
pub use file_dialog::FileDialogs;
pub use path_prompt::{PathPrompt, PathPurpose};
pub use review_picker::ReviewPicker;

use super::app::LectorApp;
use super::command::Command;

/// What a menu or the status bar asks the app to ask the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A path, for a purpose (the system's file dialog where it works).
    Path(PathPurpose),
    /// The export dialog.
    Export,
    /// What to import, and in which format.
    Import,
    /// Who annotates from now on.
    SwitchAnnotator,
    /// Which colleagues to review.
    ReviewPicker,
}

/// The open modal dialog.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// Who is annotating.
    Annotator(AnnotatorPrompt),
    /// A typed path.
    Path(PathPrompt),
    /// The export dialog.
    Export(ExportForm),
    /// Which annotators to review.
    ReviewPicker(ReviewPicker),
}

/// The dialogs' state.
#[derive(Debug, Default)]
pub struct Dialogs {
    /// The modal dialog open, if any.
    pub modal: Option<Dialog>,
    /// The system's file dialogs.
    pub files: FileDialogs,
    /// The keyboard shortcuts window is open.
    pub help: bool,
    /// The message log (View → Messages) is open.
    pub messages: bool,
}

/// Draws the open dialog and windows; returns the commands they make.
pub fn ui(ctx: &egui::Context, app: &mut LectorApp) -> Vec<Command> {
    let mut out = Vec::new();
    if app.dialogs.help {
        let labels = app.session.as_ref().map_or_else(Vec::new, |s| {
            s.store
                .project
                .schema
                .labels
                .iter()
                .filter_map(|l| Some((l.hotkey?, l.name.clone())))
                .collect()
        });
        app.dialogs.help = windows::shortcuts_ui(ctx, &labels);
    }
    crate::ui::team::report_window_ui(&mut app.team, ctx);
    if app.dialogs.messages {
        app.dialogs.messages = windows::messages_ui(ctx, &app.messages);
    }
    let Some(mut modal) = app.dialogs.modal.take() else {
        return out;
    };
    let (command, close) = match &mut modal {
        Dialog::Annotator(prompt) => annotator::ui(ctx, prompt),
        Dialog::Path(prompt) => path_prompt::ui(ctx, prompt, &mut app.dialogs.files),
        Dialog::Export(form) => export::ui(ctx, form, &mut app.dialogs.files),
        Dialog::ReviewPicker(picker) => review_picker::ui(ctx, picker),
    };
    out.extend(command);
    // A command may open another dialog (a typed path asks where a project goes): the
    // reducer runs after this, so only a dialog still ours is put back.
    if !close {
        app.dialogs.modal = Some(modal);
    }
    out
}

/// Whether Enter or Escape pressed while a dialog shows is the dialog's own: none of its
/// widgets has the keyboard (a checkbox or a choice takes Enter itself) and no list of choices
/// is open. A widget under the dialog that kept the keyboard does not count.
pub fn keys_are_the_dialogs(ui: &egui::Ui) -> bool {
    let ctx = ui.ctx();
    let focused_here = ctx
        .memory(|m| m.focused())
        .and_then(|id| ctx.read_response(id))
        .is_some_and(|r| r.layer_id == ui.layer_id());
    !focused_here && !egui::Popup::is_any_open(ctx)
}

/// Gives a dialog's text field the keyboard focus when nothing else has it. Requesting focus
/// every frame would make eframe repaint forever.
pub fn focus_once(ui: &egui::Ui, edit: &egui::Response) {
    if ui.memory(|m| m.focused().is_none()) {
        edit.request_focus();
    }
}

impl LectorApp {
    /// Opens what a menu asked for.
    pub(super) fn ask(&mut self, ask: Ask) {
        match ask {
            Ask::Path(purpose) => file_dialog::ask_path(self, purpose, String::new()),
            Ask::Export => {
                let Some(session) = &self.session else {
                    return;
                };
                let form = ExportForm::new(
                    &session.store.project,
                    session.store.root(),
                    self.prefs.export_dir.as_deref(),
                );
                self.dialogs.modal = Some(Dialog::Export(form));
            }
            Ask::Import => {
                // The last import's format and file, which an import gone wrong is tried again
                // with; else the first format.
                let last = self
                    .prefs
                    .import_format
                    .as_deref()
                    .and_then(|name| name.parse::<crate::formats::Format>().ok());
                let format = last
                    .into_iter()
                    .chain(crate::formats::Format::ALL)
                    .find(|f| f.can_import())
                    .unwrap_or(crate::formats::Format::Jsonl);
                let path = self
                    .prefs
                    .import_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                file_dialog::ask_path(self, PathPurpose::Import(format), path);
            }
            Ask::SwitchAnnotator => {
                let current = self.annotator();
                let existing = self
                    .session
                    .as_ref()
                    .map(|s| s.store.project.annotators())
                    .unwrap_or_default();
                self.dialogs.modal = Some(Dialog::Annotator(annotator::switch(&current, existing)));
            }
            Ask::ReviewPicker => {
                let (Some(session), Some(document)) = (&self.session, self.document()) else {
                    return;
                };
                let picker =
                    ReviewPicker::new(&session.store.project, document, &self.prefs.annotator);
                self.dialogs.modal = Some(Dialog::ReviewPicker(picker));
            }
        }
    }
}
