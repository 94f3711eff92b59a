//! Paste as article (issue 12): Ctrl+Shift+V outside a text field, or File → Paste as
//! article…, makes a document of the clipboard's text, its first line as title.

use super::app::LectorApp;
use super::command::Command;

/// What the user asked of pasting.
#[derive(Debug, Clone)]
pub enum PasteCommand {
    /// Open the window to paste into (File → Paste as article…).
    Open,
    /// Close it.
    Close,
    /// Make a document of this text and show it.
    Add(String),
}

/// The window that takes a pasted article (egui reads the clipboard only as a paste).
#[derive(Debug, Default)]
pub struct PasteWindow {
    /// What was pasted or typed.
    pub text: String,
}

/// Ctrl+Shift+V where no text field has the keyboard: the clipboard's text as an article.
pub fn key(ctx: &egui::Context) -> Option<Command> {
    if ctx.egui_wants_keyboard_input() {
        return None;
    }
    ctx.input(|i| {
        if !(i.modifiers.command && i.modifiers.shift) {
            return None;
        }
        i.events.iter().find_map(|e| match e {
            egui::Event::Paste(text) => Some(Command::Paste(PasteCommand::Add(text.clone()))),
            _ => None,
        })
    })
}

/// The paste window, if open.
pub fn window_ui(ctx: &egui::Context, window: &mut Option<PasteWindow>) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(w) = window else {
        return out;
    };
    let mut open = true;
    let mut escaped = false;
    crate::ui::centred(egui::Window::new("Paste as article"), ctx)
        .open(&mut open)
        .default_size([520.0, 360.0])
        .show(ctx, |ui| {
            ui.label("Paste the article's text (Ctrl+V); its first line becomes the title.");
            let edit = ui.add(
                egui::TextEdit::multiline(&mut w.text)
                    .desired_rows(12)
                    .desired_width(f32::INFINITY)
                    .hint_text("the article"),
            );
            super::dialogs::focus_once(ui, &edit);
            let empty = w.text.trim().is_empty();
            if ui
                .add_enabled(!empty, egui::Button::new("Add article"))
                .clicked()
            {
                out.push(Command::Paste(PasteCommand::Add(w.text.clone())));
            }
            // Escape closes it while it is empty; a pasted article is not thrown away by a
            // key (the window's × does that).
            if empty && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                escaped = true;
            }
        });
    if !open || escaped {
        out.push(Command::Paste(PasteCommand::Close));
    }
    out
}

impl LectorApp {
    /// Applies a paste command.
    pub(super) fn paste_command(&mut self, command: PasteCommand) {
        match command {
            PasteCommand::Open => self.paste = Some(PasteWindow::default()),
            PasteCommand::Close => self.paste = None,
            PasteCommand::Add(text) => {
                let Some(session) = &mut self.session else {
                    self.say("open a project first, then paste the article", true);
                    return;
                };
                match session.store.add_pasted(&text) {
                    Ok(id) => {
                        self.paste = None;
                        let title = session
                            .store
                            .project
                            .document(&id)
                            .map_or_else(|| id.clone(), |d| d.meta.title.clone());
                        self.say(format!("added “{title}” from the clipboard"), false);
                        self.open_document(&id);
                    }
                    Err(err) => self.say(format!("nothing added: {err:#}"), true),
                }
            }
        }
    }
}
