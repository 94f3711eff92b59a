//! Closing the window: everything is saved first, and work the user started that has not
//! come back yet (a big undo, a review's start, an import, an export, articles being added,
//! a git sync) is waited for, so that closing right after pressing Ctrl+Z or "Start review"
//! keeps what was pressed. Closing again meanwhile quits without it.

use super::LectorApp;
use super::jobs::JobKind;

/// Whether the window, asked to close, waits for a job of this kind: its result is the
/// user's work, or it is a git sync, which is not cut off halfway. Opening a project and
/// fetching a web page bring back nothing the user has made.
fn waited_for(kind: JobKind) -> bool {
    !matches!(kind, JobKind::Open | JobKind::Fetch)
}

impl LectorApp {
    /// What the window waits for before it closes, in words.
    fn waiting_to_close(&self) -> Vec<&str> {
        self.jobs
            .iter()
            .filter(|job| waited_for(job.kind))
            .map(|job| job.what.as_str())
            .collect()
    }

    /// The window was asked to close: it closes once everything is saved, and not before
    /// the jobs the user is owed are done, unless asked again meanwhile.
    pub(super) fn close_requested(&mut self, ctx: &egui::Context) {
        let waiting = self.waiting_to_close().join(", ");
        if !waiting.is_empty() && !self.closing {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.closing = true;
            self.say(
                format!("closing once {waiting} is done; close again to quit without it"),
                false,
            );
            return;
        }
        self.closing = false;
        let errors = self.save_on_exit();
        if !errors.is_empty() {
            // Never lose work: keep the window open and say why.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            for e in errors {
                self.say(format!("not closed, because saving failed: {e}"), true);
            }
        }
    }

    /// Closes the window once what it waited for is done and taken in (the frame's jobs are
    /// collected before this): the close comes back as a request, which saves.
    pub(super) fn close_when_done(&mut self, ctx: &egui::Context) {
        if self.closing && self.waiting_to_close().is_empty() {
            self.closing = false;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            ctx.request_repaint();
        }
    }

    /// Whether the window waits for a job before it closes.
    pub fn is_closing(&self) -> bool {
        self.closing
    }
}
