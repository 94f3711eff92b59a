//! [`LectorApp::apply`]: the one place commands are applied. Each arm is short; the work is
//! in the workflow files beside this one.

use super::app::LectorApp;
use super::command::{Command, ViewCommand};
use super::selected::Selected;
use crate::session::Edit;

impl LectorApp {
    /// Applies one command: the only place the project and the app's state change.
    pub fn apply(&mut self, command: Command) {
        if needs_whole_project(&command) {
            // Rarely: the project's other documents are still being read in the background.
            self.read_the_rest_now();
        }
        match command {
            Command::Edit(edits) => self.edit(edits),
            Command::Undo => self.undo_redo(true),
            Command::Redo => self.undo_redo(false),
            Command::Save => self.save(),
            Command::OpenDocument(id) => self.open_document(&id),
            Command::OpenPath(path) => self.open_path(&path),
            Command::NewProject(dir) => self.new_project(&dir),
            Command::Export(request) => self.export(request),
            Command::Import { format, path } => self.import(format, &path),
            Command::ProjectFor { article, dir } => {
                self.prefs.article_projects = dir.parent().map(std::path::Path::to_path_buf);
                self.make_project_for(&article, &dir);
            }
            Command::AddArticles(paths) => self.add_articles(paths),
            Command::SetAnnotator(name) => self.set_annotator(name),
            Command::Select(id) => self.select(id.map(Selected::Own)),
            Command::SelectColleague { annotator, id } => {
                self.select(Some(Selected::Colleague { annotator, id }));
            }
            Command::StepAnnotation { forward } => self.step_annotation(forward),
            Command::Reveal(at) => {
                if let Some(view) = &mut self.view {
                    view.scroll_to(at);
                    view.selection = super::article::Selection {
                        anchor: at,
                        head: at,
                    };
                }
            }
            Command::TagSelection(label) => self.tag_selection(&label),
            Command::AddFragment => self.add_fragment(),
            Command::Relabel(label) => self.relabel(&label),
            Command::TagAllHits { label, entity } => self.tag_all_hits(&label, entity),
            Command::CopyColleague { annotator, id } => self.copy_colleague(&annotator, &id),
            Command::DeleteSelected => {
                if let Some(id) = self.selected_own().cloned() {
                    self.selected = None;
                    self.edit(vec![Edit::Remove(id)]);
                }
            }
            Command::ReloadFromDisk => self.reload_from_disk(),
            Command::OverwriteDisk => self.overwrite_disk(),
            Command::Sync => super::team::start_sync(self),
            Command::Reanchor(document) => self.reanchor(&document),
            Command::ReopenProject => self.reopen_project(),
            Command::Review(command) => self.review_command(command),
            Command::Track(command) => super::tracking::apply(self, command),
            Command::View(command) => self.view_command(command),
            Command::Suggest(command) => self.suggest_command(command),
            Command::Paste(command) => self.paste_command(command),
            Command::Fetch(command) => self.fetch_command(command),
            Command::ImportMapping(command) => self.mapping_command(command),
        }
    }

    /// Applies edits to the open document as one undo step.
    pub(super) fn edit(&mut self, edits: Vec<Edit>) {
        let Some(document) = self.document().map(str::to_owned) else {
            return;
        };
        // A book shown from the beginning of its files while the rest is read cannot be
        // written yet: the edit waits for the rest (a second or two at most) rather than
        // being refused, so no keystroke is lost.
        self.wait_until_read(&document);
        let Some(session) = &mut self.session else {
            return;
        };
        if let Err(err) = session.apply(&document, edits) {
            self.say(format!("not changed: {err}"), true);
        }
    }

    /// Selects an annotation, scrolls to it and puts the caret at its start.
    pub(super) fn select(&mut self, selected: Option<Selected>) {
        let me = self.annotator_in_session();
        if let (Some(sel), Some(view), Some(session)) = (&selected, &mut self.view, &self.session) {
            let start = sel
                .find(&session.store.project, &view.document, &me)
                .map(crate::model::Annotation::start);
            if let Some(start) = start {
                view.scroll_to(start);
                view.selection = super::article::Selection {
                    anchor: start,
                    head: start,
                };
            }
        }
        self.selected = selected;
        self.palette = None;
    }

    /// Who the session annotates as (in review mode, the reviewed set).
    pub(super) fn annotator_in_session(&self) -> String {
        self.session
            .as_ref()
            .map_or_else(|| self.annotator(), |s| s.annotator().to_owned())
    }

    /// Tab: the annotation after (or before) the selected one in text order, wrapping.
    fn step_annotation(&mut self, forward: bool) {
        let annotations = self.annotations();
        let n = annotations.len();
        if n == 0 {
            self.say(
                "no annotations of yours in this document to step through",
                false,
            );
            return;
        }
        let at = self
            .selected_own()
            .zip(self.own_set())
            .and_then(|(id, set)| set.position(id));
        let next = match at {
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
            None => {
                // From the caret: the first annotation after it (or before, going back).
                let caret = self.view.as_ref().map_or(0, |v| v.selection.head.0);
                if forward {
                    annotations
                        .iter()
                        .position(|a| a.start().0 >= caret)
                        .unwrap_or(0)
                } else {
                    annotations
                        .iter()
                        .rposition(|a| a.start().0 < caret)
                        .unwrap_or(n - 1)
                }
            }
        };
        let id = annotations.get(next).map(|a| a.id.clone());
        self.select(id.map(Selected::Own));
    }

    /// Changes what the window shows.
    fn view_command(&mut self, command: ViewCommand) {
        match command {
            ViewCommand::OpenSearch => self.search.open_bar(),
            ViewCommand::CloseSearch => self.search.open = false,
            ViewCommand::SearchFor(query) => {
                self.search.query = query;
                self.search.open = true;
                self.search.forget();
            }
            ViewCommand::StepHit(forward) => self.step_hit(forward),
            ViewCommand::Zoom(zoom) => {
                let (lo, hi) = super::prefs::ZOOM_RANGE;
                self.prefs.zoom = zoom.clamp(lo, hi);
            }
            ViewCommand::Dark(dark) => self.prefs.dark = dark,
            ViewCommand::SnapToWords(on) => {
                self.prefs.snap_to_words = on;
                if let Some(view) = &mut self.view {
                    view.snap_to_words = on;
                }
            }
            ViewCommand::Ask(ask) => self.ask(ask),
            ViewCommand::CloseDialog => self.dialogs.modal = None,
            ViewCommand::Help(open) => self.dialogs.help = open,
            ViewCommand::Messages(open) => self.dialogs.messages = open,
            ViewCommand::SyncReport(open) => self.team.report_open = open,
            ViewCommand::Palette(open) => {
                self.palette = open.then(super::panels::palette::Palette::default);
            }
            ViewCommand::TogglePanel(side) => {
                let open_now = match side {
                    super::command::Side::Documents => self.panels.shown.0,
                    super::command::Side::Inspector => self.panels.shown.1,
                };
                self.panels.toggle(side, open_now);
            }
            ViewCommand::ShowColleague { annotator, shown } => {
                self.colleagues.show(&annotator, shown);
                if !shown
                    && matches!(&self.selected, Some(Selected::Colleague { annotator: a, .. }) if *a == annotator)
                {
                    self.selected = None;
                }
            }
            ViewCommand::MoveCaret { key, word, extend } => {
                if let Some(view) = &mut self.view {
                    view.move_caret(key, word, extend, super::article::BASE_FONT_SIZE);
                    if !extend {
                        self.selected = None;
                    }
                }
            }
            ViewCommand::ClearSelection => {
                if let Some(view) = &mut self.view {
                    view.selection.anchor = view.selection.head;
                }
                self.selected = None;
            }
        }
    }
}

/// "2 annotations removed", "1 annotation added and 1 changed": what a step did to a set,
/// from the states of the same annotations before and after, in the same order (when each
/// was modified; `None` where the set does not have it).
pub fn describe_change<T: PartialEq>(before: &[Option<T>], after: &[Option<T>]) -> String {
    use super::messages::plural;
    let pairs = || before.iter().zip(after);
    let added = pairs().filter(|(b, a)| b.is_none() && a.is_some()).count();
    let removed = pairs().filter(|(b, a)| b.is_some() && a.is_none()).count();
    let changed = pairs()
        .filter(|(b, a)| matches!((b, a), (Some(b), Some(a)) if b != a))
        .count();
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("{} added", plural(added, "annotation")));
    }
    if removed > 0 {
        parts.push(format!("{} removed", plural(removed, "annotation")));
    }
    if changed > 0 {
        parts.push(format!("{} changed", plural(changed, "annotation")));
    }
    if parts.is_empty() {
        "no annotation changed (a status, an entity or a review note)".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Whether a command works on the whole project (not only the open document), so that a
/// project still being read in the background is read to the end first.
fn needs_whole_project(command: &Command) -> bool {
    use super::tracking::TrackCommand;
    // Showing a tracking view does not: it says that the project is still being read, and
    // shows the predictions once it is (counted on the reading thread).
    if let Command::Track(track) = command {
        return !matches!(track, TrackCommand::ShowMode(_) | TrackCommand::ShowDue);
    }
    matches!(
        command,
        Command::Export(_)
            | Command::Import { .. }
            | Command::SetAnnotator(_)
            | Command::Sync
            | Command::Reanchor(_)
            | Command::Review(_)
            | Command::Suggest(_)
            | Command::ImportMapping(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undo_says_what_it_took_back() {
        // The states of annotations a, b, c, d (modified when; None: not there).
        let before = [Some(1), Some(1), None, None];
        assert_eq!(
            describe_change(&before, &[Some(1), None, None, None]),
            "1 annotation removed"
        );
        assert_eq!(
            describe_change(&before, &[Some(2), Some(1), Some(1), Some(1)]),
            "2 annotations added, 1 annotation changed"
        );
        assert_eq!(
            describe_change(&before, &before),
            "no annotation changed (a status, an entity or a review note)"
        );
    }
}
