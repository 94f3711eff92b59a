//! Closing the window: everything is saved first, and work the user started that has not
//! come back yet (a big undo, a review's start, an import, an export, articles being added,
//! a git sync) is waited for, so that closing right after pressing Ctrl+Z or "Start review"
//! keeps what was pressed. Closing again meanwhile quits without it.
//!
//! A request to close is always answered by cancelling it and asking again once nothing is
//! waited for: the request comes in the first pass of a frame, and what the user did in the
//! same frame (a click on "Start review", Ctrl+Z) may start its job in a later pass.

use super::LectorApp;
use super::jobs::JobKind;

/// Where closing the window stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Closing {
    /// Not asked to close.
    #[default]
    No,
    /// Asked to close: the window closes once nothing is waited for. Whether it said so.
    Asked { said: bool },
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
    fn waiting_to_close(&self) -> Vec<&str> {
        self.jobs
            .iter()
            .filter(|job| waited_for(job.kind))
            .map(|job| job.what.as_str())
            .collect()
    }

    /// The window was asked to close: the first time, it closes once what it waits for is
    /// done ([`Self::close_when_done`]); asked again meanwhile, or by itself, it saves and
    /// closes now.
    pub(super) fn close_requested(&mut self, ctx: &egui::Context) {
        if self.closing == Closing::No {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.closing = Closing::Asked { said: false };
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
    /// is (the frame's jobs are collected before this).
    pub(super) fn close_when_done(&mut self, ctx: &egui::Context) {
        let Closing::Asked { said } = self.closing else {
            return;
        };
        let waiting = self.waiting_to_close().join(", ");
        if waiting.is_empty() {
            self.closing = Closing::Now;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            ctx.request_repaint();
        } else if !said {
            self.closing = Closing::Asked { said: true };
            self.say(
                format!("closing once {waiting} is done; close again to quit without it"),
                false,
            );
        }
    }

    /// Whether the window, asked to close, waits for a job.
    pub fn is_closing(&self) -> bool {
        matches!(self.closing, Closing::Asked { said: true })
    }
}
