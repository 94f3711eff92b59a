//! File → Add from URL… (issue 12): the page fetched on a background job (a real HTTP
//! client, with a timeout and a size limit), its story extracted and added as for a saved
//! page, with the address and the time fetched recorded; then the new document opens.

use super::app::LectorApp;
use super::command::Command;
use super::jobs::{JobDone, JobKind};
use crate::article::web::{self, FetchLimits};
use crate::store::{ReadFetched, StoreError, read_fetched};

/// What the user asked of fetching.
#[derive(Debug, Clone)]
pub enum FetchCommand {
    /// Open the window that asks for the address.
    Open,
    /// Close it.
    Close,
    /// Fetch this address in the background and add the article.
    Fetch(String),
}

/// The window that asks for the address.
#[derive(Debug, Default)]
pub struct UrlWindow {
    /// What was typed.
    pub url: String,
}

/// The window, if open.
pub fn window_ui(ctx: &egui::Context, window: &mut Option<UrlWindow>) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(w) = window else {
        return out;
    };
    let mut open = true;
    let mut escaped = false;
    egui::Window::new("Add from URL")
        .open(&mut open)
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let label = ui.label("Address (http:// or https://)");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut w.url)
                        .hint_text("https://…")
                        .desired_width(420.0),
                )
                .labelled_by(label.id);
            super::dialogs::focus_once(ui, &edit);
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let ready = !w.url.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Fetch and add"))
                .clicked()
                || (entered && ready)
            {
                out.push(Command::Fetch(FetchCommand::Fetch(w.url.trim().to_owned())));
            }
            // Escape closes it, as it closes a dialog.
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                escaped = true;
            }
        });
    if !open || escaped {
        out.push(Command::Fetch(FetchCommand::Close));
    }
    out
}

impl LectorApp {
    /// Applies a fetch command.
    pub(super) fn fetch_command(&mut self, command: FetchCommand) {
        match command {
            FetchCommand::Open => self.url_window = Some(UrlWindow::default()),
            FetchCommand::Close => self.url_window = None,
            FetchCommand::Fetch(url) => {
                if self.session.is_none() {
                    self.say("open a project first, then add the article", true);
                    return;
                }
                self.url_window = None;
                let what = format!("fetching {url}");
                let spawned = self.jobs.spawn(JobKind::Fetch, what, move || {
                    // Read here too: a long PDF takes a while to turn into text.
                    let result = web::fetch(&url, FetchLimits::default())
                        .map_err(StoreError::from)
                        .and_then(|fetched| read_fetched(fetched, None, None));
                    JobDone::Fetched { url, result }
                });
                if let Err(err) = spawned {
                    self.say(format!("cannot fetch: {err}"), true);
                }
            }
        }
    }

    /// A page came back read (or did not): add it as the add-articles command does, then show
    /// it.
    pub(super) fn fetched(&mut self, url: &str, result: Result<ReadFetched, StoreError>) {
        let read = match result {
            Ok(read) => read,
            // Fetching and reading say the address.
            Err(err) => {
                self.say(format!("nothing added: {err:#}"), true);
                return;
            }
        };
        let Some(session) = &mut self.session else {
            return;
        };
        match session.store.add_read_fetched(read) {
            Ok((id, warnings)) => {
                let title = session
                    .store
                    .project
                    .document(&id)
                    .map_or_else(|| id.clone(), |d| d.meta.title.clone());
                for w in warnings {
                    self.say(format!("{url}: {w}"), false);
                }
                self.say(format!("added “{title}” from {url}"), false);
                self.open_document(&id);
            }
            Err(err) => self.say(format!("nothing added from {url}: {err:#}"), true),
        }
    }
}
