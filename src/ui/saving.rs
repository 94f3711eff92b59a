//! Saving: Ctrl+S, autosave shortly after each change (written on another thread), what a
//! crashed session's journal brought back, and save errors, which reach the status bar (and
//! the conflict bar when a file of one's own cannot be merged into).

use std::path::Path;
use std::time::Instant;

use super::app::LectorApp;
use super::jobs::JobKind;
use crate::store::StoreError;

impl LectorApp {
    /// Saves everything now (not while git syncs the files: autosave saves right after).
    pub(super) fn save(&mut self) {
        if self.jobs.is_running(JobKind::Sync) {
            self.say("saving waits until the sync is done", false);
            return;
        }
        let Some(session) = &mut self.session else {
            return;
        };
        let errors = session.save_now();
        self.report_save_errors(errors);
    }

    /// Says why saves failed; a file of one's own that cannot be merged into opens the
    /// conflict bar.
    pub(super) fn report_save_errors(&mut self, errors: Vec<StoreError>) {
        for err in errors {
            let root = self.root().map(Path::to_path_buf);
            let file = match &err {
                StoreError::ChangedOnDisk { path } => root
                    .as_deref()
                    .and_then(|root| path.strip_prefix(root).ok())
                    .map(Path::to_path_buf),
                StoreError::CannotMerge { problem } => Some(problem.file.clone()),
                _ => None,
            };
            if let (Some(file), Some(session)) = (file, &self.session) {
                if !self.conflict.files.contains(&file) {
                    self.conflict.files.push(file);
                }
                self.conflict.document = super::team::own_document(
                    &self.conflict.files,
                    session.annotator(),
                    self.view.as_ref().map(|v| v.document.as_str()),
                );
            }
            self.say(err.to_string(), true);
        }
    }

    /// Says what a crashed session's journal brought back.
    pub(super) fn tell_recovery(&mut self, recovery: &crate::session::Recovery) {
        for (text, error) in recovery_messages(recovery) {
            self.say(text, error);
        }
    }

    /// Saves shortly after each change, on another thread (a book-length document takes
    /// a good part of a second to write), and collects what the last save did.
    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
        // No saving while git commits and pulls the project's files.
        let syncing = self.jobs.is_running(JobKind::Sync);
        let conflict = self.conflict.document.is_some();
        let Some(session) = &mut self.session else {
            return;
        };
        let mut errors = session.poll_save();
        let merged = session.take_merged();
        let journal_error = session.take_journal_error();
        if session.is_saving() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        } else if session.is_dirty() && !conflict && !syncing {
            if session.autosave_due(Instant::now()) {
                errors.extend(session.save_in_background());
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            } else {
                ctx.request_repaint_after(crate::session::AUTOSAVE_DELAY);
            }
        }
        if !merged.is_empty() {
            let files: Vec<String> = merged.iter().map(|f| f.display().to_string()).collect();
            self.say(
                format!(
                    "{} had changed on disk (another window, a command or git): your changes \
                     were merged into it",
                    files.join(", ")
                ),
                false,
            );
        }
        if let Some(text) = journal_error {
            self.say(text, true);
        }
        self.report_save_errors(errors);
    }
}

/// What a crashed session's journal brought back, for the status bar.
pub fn recovery_messages(recovery: &crate::session::Recovery) -> Vec<(String, bool)> {
    let mut messages = Vec::new();
    if recovery.edits > 0 {
        messages.push((
            format!(
                "recovered {} from the crash journal ({}); Ctrl+Z undoes them",
                super::messages::count(recovery.edits, "unsaved change", "unsaved changes"),
                recovery.documents.join(", ")
            ),
            false,
        ));
    }
    for problem in &recovery.problems {
        messages.push((format!("not recovered: {problem}"), true));
    }
    messages
}
