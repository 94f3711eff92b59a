//! Deciding on suggestions: the commands the keys, the menus and the windows make, and how
//! the app applies them (each decision one undo step through `Session::apply`).

use crate::model::{CharOffset, EntityId};
use crate::suggest::{self, Suggestion};
use crate::ui::app::LectorApp;
use crate::ui::article::Selection;
use crate::ui::messages::plural;

/// What the user decided about suggestions.
#[derive(Debug, Clone)]
pub enum SuggestCommand {
    /// Accept the suggestion at the caret: a linked annotation.
    Accept,
    /// Reject the suggestion at the caret: never suggested to this annotator again.
    Reject,
    /// Put the caret on the next (or previous) open suggestion.
    Step(bool),
    /// Count the open suggestions of the caret's entity, in the document or the whole
    /// project, and ask before accepting them.
    AskAcceptAll {
        /// The whole project (else the open document).
        project: bool,
    },
    /// Accept what the open confirmation counted.
    ConfirmAcceptAll,
    /// Close the confirmation without accepting.
    CancelAcceptAll,
    /// Show or hide Suggestions → Counts per source….
    Window(bool),
}

/// "Accept all of this entity", counted, waiting for the user's yes.
#[derive(Debug, Clone)]
pub struct AcceptAll {
    /// The entity.
    pub entity: EntityId,
    /// Its name as the user knows it.
    pub name: String,
    /// The whole project (else the open document).
    pub project: bool,
    /// The open suggestions to accept, per document.
    pub documents: Vec<(String, Vec<Suggestion>)>,
}

impl AcceptAll {
    /// How many suggestions it would accept.
    pub fn count(&self) -> usize {
        self.documents.iter().map(|(_, l)| l.len()).sum()
    }
}

impl LectorApp {
    /// Applies a decision on suggestions.
    pub(in crate::ui) fn suggest_command(&mut self, command: SuggestCommand) {
        match command {
            SuggestCommand::Accept => self.decide_at_caret(true),
            SuggestCommand::Reject => self.decide_at_caret(false),
            SuggestCommand::Step(forward) => self.step_suggestion(forward),
            SuggestCommand::AskAcceptAll { project } => self.ask_accept_all(project),
            SuggestCommand::ConfirmAcceptAll => self.accept_all(),
            SuggestCommand::CancelAcceptAll => self.suggestions.confirm = None,
            SuggestCommand::Window(open) => {
                self.suggestions.window = open;
                if open && let Some(session) = &self.session {
                    let annotator = session.annotator().to_owned();
                    self.suggestions
                        .count_in_background(&session.store.project, &annotator);
                }
            }
        }
    }

    /// The open suggestion under the caret (or just before it, at a word's end).
    fn suggestion_at_caret(&self) -> Option<Suggestion> {
        let view = self.view.as_ref()?;
        let doc = self.suggestions.document()?;
        let head = view.selection.head;
        doc.at(head)
            .or_else(|| head.0.checked_sub(1).and_then(|p| doc.at(CharOffset(p))))
            .cloned()
    }

    fn decide_at_caret(&mut self, accept: bool) {
        let Some(s) = self.suggestion_at_caret() else {
            self.say(
                "no suggestion at the caret (F8 goes to the next one)",
                false,
            );
            return;
        };
        let (Some(session), Some(document)) = (&self.session, self.document()) else {
            return;
        };
        let document = document.to_owned();
        let project = &session.store.project;
        let annotator = session.annotator().to_owned();
        let quote = project
            .document(&document)
            .and_then(|d| d.text.slice(s.start, s.end))
            .unwrap_or("")
            .to_owned();
        let edits = if accept {
            match suggest::accept_edits(project, &document, &annotator, &s) {
                Ok(edits) => edits,
                Err(err) => {
                    self.say(format!("not accepted: {err}"), true);
                    return;
                }
            }
        } else {
            vec![suggest::reject_edit(project, &document, &s)]
        };
        let revision = session.revision();
        self.edit(edits);
        let Some(session) = &self.session else {
            return;
        };
        if session.revision() == revision {
            return; // refused, and said why
        }
        if !accept {
            // Only the decision changed: look again at its span, not at every suggestion.
            let project = &session.store.project;
            let revision = session.revision();
            if let Some(doc) = &mut self.suggestions.doc {
                doc.recheck(project, &annotator, s.start, s.end);
                self.suggestions.key = (document.clone(), annotator.clone(), revision);
            }
        }
        let what = if accept { "accepted" } else { "rejected" };
        let entity = s
            .entity
            .as_ref()
            .map_or_else(String::new, |e| format!(" ({e})"));
        self.say(format!("{what} {} “{quote}”{entity}", s.label), false);
        // On to the next one, as in a queue.
        self.refresh_suggestions();
        if let Some(next) = self
            .suggestions
            .document()
            .and_then(|d| d.next_after(s.start))
            .map(|n| n.start)
        {
            self.put_caret(next);
        }
    }

    /// Puts the caret at a char and scrolls there.
    fn put_caret(&mut self, at: CharOffset) {
        if let Some(view) = &mut self.view {
            view.scroll_to(at);
            view.selection = Selection {
                anchor: at,
                head: at,
            };
        }
        self.selected = None;
    }

    fn step_suggestion(&mut self, forward: bool) {
        let (Some(view), Some(doc)) = (&self.view, self.suggestions.document()) else {
            return;
        };
        let head = view.selection.head;
        let found = if forward {
            doc.next_after(head).or_else(|| doc.open().next())
        } else {
            doc.prev_before(head).or_else(|| doc.open().last())
        };
        match found.map(|s| s.start) {
            Some(at) => self.put_caret(at),
            None => self.say("no open suggestions in this document", false),
        }
    }

    fn ask_accept_all(&mut self, whole_project: bool) {
        let Some(s) = self.suggestion_at_caret() else {
            self.say(
                "put the caret on a suggestion of the entity first (F8 goes to the next one)",
                false,
            );
            return;
        };
        let Some(entity) = s.entity.clone() else {
            self.say("this suggestion names no entity", false);
            return;
        };
        let (Some(session), Some(document), Some(suggester)) =
            (&self.session, self.document(), self.suggestions.suggester())
        else {
            return;
        };
        let project = &session.store.project;
        let annotator = session.annotator();
        let of_entity = |list: &mut dyn Iterator<Item = &Suggestion>| -> Vec<Suggestion> {
            list.filter(|x| x.entity.as_ref() == Some(&entity))
                .cloned()
                .collect()
        };
        let documents: Vec<(String, Vec<Suggestion>)> = if whole_project {
            project
                .documents
                .iter()
                .map(|d| {
                    let id = d.meta.id.as_str();
                    let found = if id == document {
                        self.suggestions
                            .document()
                            .map_or_else(Vec::new, |doc| of_entity(&mut doc.open()))
                    } else {
                        of_entity(&mut suggester.document(project, id, annotator).open())
                    };
                    (id.to_owned(), found)
                })
                .filter(|(_, l)| !l.is_empty())
                .collect()
        } else {
            let found = self
                .suggestions
                .document()
                .map_or_else(Vec::new, |doc| of_entity(&mut doc.open()));
            vec![(document.to_owned(), found)]
        };
        let name = project
            .entities
            .values()
            .find_map(|r| r.get(&entity))
            .map_or_else(|| entity.0.clone(), |e| e.name.clone());
        self.suggestions.confirm = Some(AcceptAll {
            entity,
            name,
            project: whole_project,
            documents,
        });
    }

    fn accept_all(&mut self) {
        let Some(plan) = self.suggestions.confirm.take() else {
            return;
        };
        let Some(session) = &mut self.session else {
            return;
        };
        let annotator = session.annotator().to_owned();
        let mut total = 0;
        let mut groups = Vec::new();
        for (document, list) in &plan.documents {
            let (n, edits) =
                suggest::accept_all_edits(&session.store.project, document, &annotator, list);
            if n > 0 {
                total += n;
                groups.push((document.clone(), edits));
            }
        }
        let documents = groups.len();
        // One undo step over every document: Ctrl+Z in any of them takes all back.
        if let Err((document, err)) = session.apply_all(groups) {
            self.say(
                format!("nothing accepted: refused in {document}: {err}"),
                true,
            );
            return;
        }
        let place = if plan.project {
            format!("in {}", plural(documents, "document"))
        } else {
            "in this document".to_owned()
        };
        self.say(
            format!(
                "accepted {} of {} {place} (Ctrl+Z undoes them all)",
                plural(total, "suggestion"),
                plan.name
            ),
            false,
        );
        if plan.project
            && let Some(session) = &self.session
        {
            let annotator = session.annotator().to_owned();
            self.suggestions
                .count_in_background(&session.store.project, &annotator);
        }
    }
}

/// The suggestion keys, read with the article's keys: Ctrl+Enter accepts, Ctrl+Delete
/// rejects, F8 / Shift+F8 go to the next / previous one, Ctrl+Shift+Enter asks to accept
/// every one of the entity in the document. Shifted ones first: a shortcut without Shift
/// also matches with it.
pub fn keys(ctx: &egui::Context) -> Option<SuggestCommand> {
    use egui::{Key, KeyboardShortcut, Modifiers};
    let pressed =
        |m: Modifiers, key| ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, key)));
    if pressed(Modifiers::COMMAND | Modifiers::SHIFT, Key::Enter) {
        return Some(SuggestCommand::AskAcceptAll { project: false });
    }
    if pressed(Modifiers::COMMAND, Key::Enter) {
        return Some(SuggestCommand::Accept);
    }
    if pressed(Modifiers::COMMAND, Key::Delete) {
        return Some(SuggestCommand::Reject);
    }
    if pressed(Modifiers::SHIFT, Key::F8) {
        return Some(SuggestCommand::Step(false));
    }
    if pressed(Modifiers::NONE, Key::F8) {
        return Some(SuggestCommand::Step(true));
    }
    None
}
