//! Saving: Ctrl+S, autosave shortly after each change (written on another thread), the save
//! before a project switch, a sync, an annotator switch or the end of a review (also on
//! another thread: the action waits, with a line in the status bar, and runs once the work
//! is on disk), what a crashed session's journal brought back, and save errors, which reach
//! the status bar (and the conflict bar when a file of one's own cannot be merged into).

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::app::LectorApp;
use super::jobs::JobKind;
use crate::store::StoreError;

/// An action that needs the work saved first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterSave {
    /// Open this project folder.
    Open(PathBuf),
    /// Sync with git.
    Sync,
    /// Annotate as this person.
    Annotator(String),
    /// Leave review mode (the session goes back to one's own set).
    FinishReview,
}

impl AfterSave {
    /// What waits, for the status bar: "saving before …".
    fn what(&self) -> String {
        match self {
            Self::Open(dir) => format!("opening {}", dir.display()),
            Self::Sync => "syncing".to_owned(),
            Self::Annotator(name) => format!("annotating as {name}"),
            Self::FinishReview => "finishing the review".to_owned(),
        }
    }
}

/// An action waiting for the save it needs.
#[derive(Debug)]
pub struct Waiting {
    /// The action.
    then: AfterSave,
    /// When it was asked for.
    since: Instant,
    /// Saves started for it (edits made while one was written need another).
    rounds: u32,
}

/// How many background saves an action waits for before the rest is saved at once.
const ROUNDS: u32 = 3;

impl LectorApp {
    /// Whether `then` can run now: nothing waits to be saved, or the save it needs ran.
    /// Otherwise the save starts on another thread and `then` runs when it is written
    /// ([`Self::continue_after_save`]); while it waits, other such actions are refused.
    pub(super) fn saved_first(&mut self, then: AfterSave) -> bool {
        if self.after_save_ready || self.session.is_none() {
            // Its save is done, or there is nothing to save (a reload has let the session
            // go): go on.
            return true;
        }
        if let Some(waiting) = &self.after_save {
            let text = if waiting.then == then {
                format!("still saving before {}", then.what())
            } else {
                format!(
                    "not {} yet: saving before {} first",
                    then.what(),
                    waiting.then.what()
                )
            };
            self.say(text, false);
            return false;
        }
        let syncing = self.jobs.is_running(JobKind::Sync);
        let conflict = self.conflict.document.is_some();
        let Some(session) = &mut self.session else {
            return true;
        };
        if syncing || conflict || (!session.is_dirty() && !session.is_saving()) {
            // Nothing to wait for, or a save now must say what stops it (as it always did).
            return true;
        }
        let errors = session.save_in_background();
        if !errors.is_empty() {
            // The action's own save says why it cannot go on.
            self.report_save_errors(errors);
            return true;
        }
        self.after_save = Some(Waiting {
            then,
            since: Instant::now(),
            rounds: 1,
        });
        false
    }

    /// Runs the action that waited once its save is written; stops it if the save failed.
    /// Called every frame, before the autosave collects saves.
    pub(super) fn continue_after_save(&mut self, ctx: &egui::Context) {
        if self.after_save.is_none() {
            return;
        }
        let Some(session) = &mut self.session else {
            self.after_save = None;
            return;
        };
        let errors = session.poll_save();
        if session.is_saving() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return;
        }
        let Some(mut waiting) = self.after_save.take() else {
            return;
        };
        if !errors.is_empty() {
            self.report_save_errors(errors);
            self.say(
                format!(
                    "not {}: your changes could not be saved (see above)",
                    waiting.then.what()
                ),
                true,
            );
            return;
        }
        if session.is_dirty() && waiting.rounds < ROUNDS {
            // Edits made while it was written: save those too.
            let errors = session.save_in_background();
            if errors.is_empty() {
                waiting.rounds += 1;
                self.after_save = Some(waiting);
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
                return;
            }
            self.report_save_errors(errors);
        }
        // The action's own save finds nothing (or little) left to write.
        self.after_save_ready = true;
        match waiting.then {
            AfterSave::Open(dir) => self.open_project(&dir),
            AfterSave::Sync => super::team::start_sync(self),
            AfterSave::Annotator(name) => self.set_annotator(name),
            AfterSave::FinishReview => {
                self.review_command(super::review::ReviewCommand::Finish);
            }
        }
        self.after_save_ready = false;
        ctx.request_repaint();
    }

    /// The action waiting for a save, and for how many seconds, for the status bar.
    pub(super) fn waiting_for_save(&self) -> Option<(String, f32)> {
        self.after_save.as_ref().map(|w| {
            (
                format!("saving before {}", w.then.what()),
                w.since.elapsed().as_secs_f32(),
            )
        })
    }

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
        // Listed in the documents panel with the project's other problems.
        self.add_problems(recovery.file_problems.clone());
    }

    /// Says where a crash left reviewed work unsaved: it comes back when the review of that
    /// document starts again.
    pub(super) fn tell_unsaved_review(&mut self) {
        let Some(session) = &self.session else {
            return;
        };
        let project = &session.store.project;
        let titles: Vec<String> = session
            .unsaved_review_documents()
            .iter()
            .map(|d| {
                project
                    .document(d)
                    .map_or_else(|| d.clone(), |doc| doc.meta.title.clone())
            })
            .collect();
        for title in titles {
            self.say(
                format!(
                    "a crash left unsaved review work on “{title}”: open it and start Review › \
                     Review colleagues… to take it back"
                ),
                true,
            );
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
        let was_saving = session.is_saving();
        let mut errors = session.poll_save();
        let merged = session.take_merged();
        let journal_error = session.take_journal_error();
        if was_saving && !session.is_saving() {
            // The status bar, drawn before this, still says "saving…": one more frame says
            // how it ended.
            ctx.request_repaint();
        }
        if session.is_saving() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        } else if session.is_dirty() && !conflict && !syncing {
            if session.autosave_due(Instant::now()) {
                errors.extend(session.save_in_background());
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            } else {
                // When it is due, counted from the last change.
                ctx.request_repaint_after(session.autosave_in(Instant::now()));
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
    for kept in &recovery.kept {
        messages.push((format!("kept for later: {kept}"), true));
    }
    messages
}

#[cfg(test)]
mod tests {
    use crate::session::Recovery;

    /// Edits a journal keeps to replay later are not reported as lost.
    #[test]
    fn edits_kept_for_later_are_not_said_to_be_lost() {
        let recovery = Recovery {
            edits: 2,
            documents: vec!["a".to_owned()],
            problems: vec!["a: the annotation x3 is gone".to_owned()],
            kept: vec!["b: 1 edit not replayed yet: b is damaged".to_owned()],
            ..Recovery::default()
        };
        let messages = super::recovery_messages(&recovery);
        let texts: Vec<&str> = messages.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "recovered 2 unsaved changes from the crash journal (a); Ctrl+Z undoes them",
                "not recovered: a: the annotation x3 is gone",
                "kept for later: b: 1 edit not replayed yet: b is damaged",
            ]
        );
    }
}
