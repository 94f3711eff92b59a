//! Text typed into a field is the user's work from the first letter. A field keeps what is
//! typed in egui's memory and takes it in when it loses focus; so that nothing typed waits
//! for that:
//! - a free-text field (a note, a text attribute, a review comment) also takes it in after a
//!   pause in typing while it keeps focus ([`take_in`]): a crash or a power cut loses at most
//!   [`PAUSE`] of typing, and the autosave writes it like any other edit;
//! - whatever saves or changes what the fields show (Ctrl+S, closing the window, undo, another
//!   project or annotator, a sync) first takes the focus from the field and waits a frame, in
//!   which the field takes its text in ([`LectorApp::after_fields`]).

use std::time::Duration;

use super::app::LectorApp;
use super::command::Command;

/// A pause in typing, in seconds, after which a free-text field takes in what was typed while
/// it keeps focus.
pub const PAUSE: f64 = 1.0;

/// Whether what was typed into `edit` is to be taken in now: the field lost focus, or, when
/// `on_pause`, typing paused for [`PAUSE`] while the field keeps focus. Each pause takes it in
/// once.
pub fn take_in(ui: &egui::Ui, edit: &egui::Response, on_pause: bool) -> bool {
    // A field reached with Tab comes into view, so that nothing is typed blind.
    if edit.gained_focus() {
        edit.scroll_to_me(None);
    }
    if edit.has_focus() {
        ui.data_mut(|d| d.insert_temp(egui::Id::unique(TYPING), edit.id));
    }
    let typed_at = edit.id.with("typed-at");
    if edit.lost_focus() {
        ui.data_mut(|d| d.remove::<f64>(typed_at));
        return true;
    }
    if !on_pause {
        return false;
    }
    let now = ui.input(|i| i.time);
    if edit.changed() {
        ui.data_mut(|d| d.insert_temp(typed_at, now));
        ui.ctx()
            .request_repaint_after(Duration::from_secs_f64(PAUSE));
        return false;
    }
    let paused = ui
        .data(|d| d.get_temp::<f64>(typed_at))
        .is_some_and(|at| now - at >= PAUSE);
    if paused {
        ui.data_mut(|d| d.remove::<f64>(typed_at));
    }
    paused
}

/// Where the field that takes text in through [`take_in`] and had focus last is noted.
const TYPING: &str = "lector-typing-field";

/// Takes the focus from a field of [`take_in`] that has it, so that it takes in what was typed
/// in the next frame; whether there was one.
pub fn leave_field(ctx: &egui::Context) -> bool {
    let field = ctx.data(|d| d.get_temp::<egui::Id>(egui::Id::unique(TYPING)));
    let Some(field) = field.filter(|field| ctx.memory(|m| m.has_focus(*field))) else {
        return false;
    };
    ctx.memory_mut(|m| m.surrender_focus(field));
    ctx.request_repaint();
    true
}

impl LectorApp {
    /// Whether `command` must wait for a field with focus to take in what was typed: it saves,
    /// or changes what the fields show. If so, the focus is taken from the field and the
    /// command applied in the next frame, after the field's own.
    pub(super) fn after_fields(&mut self, command: Command) -> Option<Command> {
        let waits = matches!(
            command,
            Command::Save
                | Command::Undo
                | Command::Redo
                | Command::OpenPath(_)
                | Command::NewProject(_)
                | Command::SetAnnotator(_)
                | Command::Sync
                | Command::Export(_)
        );
        match &self.ctx {
            Some(ctx) if waits && leave_field(ctx) => {
                self.after_fields.push(command);
                None
            }
            _ => Some(command),
        }
    }
}
