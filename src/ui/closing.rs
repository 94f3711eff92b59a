//! Closing the window: everything is saved first, and work the user started that has not
//! come back yet (a big undo, a review's start, an import, an export, articles being added,
//! a git sync, an action waiting for its save) is waited for, so that closing right after
//! pressing Ctrl+Z or "Start review" keeps what was pressed. Closing again meanwhile quits
//! without it. If what was waited for failed, or needs the user (an import's labels to map),
//! the window stays open and says so.
//!
//! A request to close is always answered by cancelling it and, once nothing is waited for,
//! asking to close again: what is waited for is then decided in one place, at the end of a
//! frame, after what the frame did (Ctrl+Z pressed with the close starts its job first), and
//! the request that comes back is the one that saves and closes.

use std::time::Instant;

use super::LectorApp;
use super::jobs::JobKind;

/// Where closing the window stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Closing {
    /// Not asked to close.
    #[default]
    No,
    /// Asked to close (when): the window closes once nothing is waited for. Whether it said
    /// what it waits for.
    Asked { since: Instant, said: bool },
    /// The window asked itself to close: the request that comes back saves and closes.
    Now,
}

/// Whether the window, asked to close, waits for a job of this kind: its result is the
/// user's work, or it is a git sync, which is not cut off halfway. Opening a project and
/// fetching a web page bring back nothing the user has made.
fn waited_for(kind: JobKind) -> bool {
    !matches!(kind, JobKind::Open | JobKind::Fetch)
}

impl LectorApp {
    /// What the window waits for before it closes, in words.
    fn waiting_to_close(&self) -> Vec<String> {
        let mut waiting: Vec<String> = self
            .jobs
            .iter()
            .filter(|job| waited_for(job.kind))
            .map(|job| job.what.clone())
            .collect();
        waiting.extend(self.waiting_for_save().map(|(what, _)| what));
        waiting
    }

    /// The window was asked to close: the first time, it closes once what it waits for is
    /// done ([`Self::close_when_done`]); asked again meanwhile, or by itself with nothing to
    /// wait for, it saves and closes now.
    pub(super) fn close_requested(&mut self, ctx: &egui::Context) {
        let first = match self.closing {
            Closing::No => true,
            // Asked again meanwhile: quit now.
            Closing::Asked { .. } => false,
            // Something started since it asked itself (an action that waited for a save).
            Closing::Now => !self.waiting_to_close().is_empty(),
        };
        if first {
            // A field with focus takes in what was typed in the next frame, before the
            // request that comes back saves ([`super::typing`]).
            super::typing::leave_field(ctx);
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.closing = Closing::Asked {
                since: Instant::now(),
                said: false,
            };
            return;
        }
        self.closing = Closing::No;
        let errors = self.save_on_exit();
        if !errors.is_empty() {
            // Never lose work: keep the window open and say why.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            for e in errors {
                self.say(format!("not closed, because saving failed: {e}"), true);
            }
        }
    }

    /// Asked to close, says what the window waits for, and asks to close again once nothing
    /// is (the frame's jobs and saves are collected before this), unless what it waited for
    /// failed or needs the user.
    pub(super) fn close_when_done(&mut self, ctx: &egui::Context) {
        let Closing::Asked { since, said } = self.closing else {
            return;
        };
        let waiting = self.waiting_to_close().join(", ");
        if !waiting.is_empty() {
            if !said {
                self.closing = Closing::Asked { since, said: true };
                self.say(
                    format!("closing once {waiting} is done; close again to quit without it"),
                    false,
                );
            }
            return;
        }
        let failed = self
            .messages
            .all()
            .iter()
            .rev()
            .take_while(|m| m.at >= since)
            .any(|m| m.error);
        let held = if self.import_mapping.is_some() {
            Some("the import waits for its labels to be mapped: import or cancel it, then close")
        } else if failed {
            Some("something failed meanwhile (see above); close again to quit")
        } else {
            None
        };
        if let Some(why) = held {
            self.closing = Closing::No;
            self.say(format!("not closed: {why}"), true);
            return;
        }
        self.closing = Closing::Now;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        ctx.request_repaint();
    }

    /// Whether the window, asked to close, waits for something.
    pub fn is_closing(&self) -> bool {
        matches!(self.closing, Closing::Asked { said: true, .. })
    }
}
