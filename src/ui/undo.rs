//! Undo and redo. A big step (an undo of a review's start on a book takes a million
//! annotations and decisions out) is applied to a copy on another thread and taken in when
//! it is done, as a big review's start is ([`crate::session::Stage`]); the window draws and
//! takes edits meanwhile, and says what runs. Another undo or redo is refused until it is
//! done (the status bar says to press again); one whose document was edited meanwhile goes
//! back to the history, below those edits, and says so.

use super::app::LectorApp;
use super::jobs::{JobDone, JobKind};
use super::reducer::describe_change;
use crate::model::{AnnotationId, AnnotationSet};
use crate::session::{Back, Staged, TakenStep};
use crate::words::plural;

/// An undo or redo of at least this many edits is applied on another thread.
pub(super) const BACKGROUND_STEP_EDITS: usize = 20_000;

/// An undo or redo applied to a copy, to take in.
pub struct Stepped {
    staged: Staged,
    back: Back,
    /// The annotations it touches, and when each was last modified before it and after it
    /// (in the copy), to say what it did.
    ids: Vec<AnnotationId>,
    before: Vec<Option<jiff::Timestamp>>,
    after: Option<Vec<Option<jiff::Timestamp>>>,
}

/// When each of `ids` was last modified in `set` (`None`: there is no such annotation). A
/// time, not a string: an undo of a tag-all in a book formatted 9,000 of them into maps
/// (35 ms).
fn states(set: Option<&AnnotationSet>, ids: &[AnnotationId]) -> Vec<Option<jiff::Timestamp>> {
    ids.iter()
        .map(|id| set.and_then(|s| s.get(id)).map(|a| a.modified))
        .collect()
}

fn done_word(undo: bool) -> &'static str {
    if undo { "undone" } else { "redone" }
}

impl LectorApp {
    /// Undoes (or redoes) the last step on the open document and says what it did, so that
    /// the status bar never still shows what was just taken back.
    pub(super) fn undo_redo(&mut self, undo: bool) {
        let Some(doc) = self.document().map(str::to_owned) else {
            return;
        };
        if self.jobs.is_running(JobKind::Step) {
            // In turn: this one applies to what that one leaves.
            self.say(
                "the last undo or redo is still being applied: press again when it is done",
                false,
            );
            return;
        }
        let annotator = self.annotator_in_session();
        let Some(session) = &mut self.session else {
            return;
        };
        match session.take_step(&doc, undo, BACKGROUND_STEP_EDITS) {
            Some(taken) => self.step_in_background(annotator, taken),
            None => self.step_here(&doc, undo),
        }
    }

    /// Undoes (or redoes) the last step on `doc` on this thread.
    fn step_here(&mut self, doc: &str, undo: bool) {
        let Some(session) = &self.session else {
            return;
        };
        let touched = session.step_annotations(doc, undo);
        let before = states(self.own_set(), &touched);
        let Some(session) = &mut self.session else {
            return;
        };
        let done = if undo {
            session.undo(doc)
        } else {
            session.redo(doc)
        };
        if !done {
            self.say(
                if undo {
                    "nothing to undo"
                } else {
                    "nothing to redo"
                },
                false,
            );
            return;
        }
        let after = states(self.own_set(), &touched);
        self.said_step(undo, &before, &after);
    }

    fn said_step(
        &mut self,
        undo: bool,
        before: &[Option<jiff::Timestamp>],
        after: &[Option<jiff::Timestamp>],
    ) {
        self.say(
            format!("{}: {}", done_word(undo), describe_change(before, after)),
            false,
        );
        if self.selected_own().is_some() && self.selected_annotation().is_none() {
            self.selected = None;
        }
    }

    /// Applies a big undo or redo to a copy on a job's thread, with what saying what it did
    /// needs (looking up a million annotations before and after).
    fn step_in_background(&mut self, annotator: String, taken: TakenStep) {
        let undo = taken.back.is_undo();
        let what = format!(
            "{} {}",
            if undo { "undoing" } else { "redoing" },
            plural(taken.edits.len(), "edit")
        );
        // Sent once the thread runs, so that a thread that cannot start leaves it here.
        let (send, receive) = std::sync::mpsc::channel::<TakenStep>();
        let started = self.jobs.spawn(JobKind::Step, what, move || {
            let Ok(TakenStep { stage, edits, back }) = receive.recv() else {
                return JobDone::Stepped(None);
            };
            let ids = crate::session::touched_ids(&edits);
            let before = states(stage.project().set(back.document(), &annotator), &ids);
            let staged = stage.run(edits);
            let after = staged.set_after().map(|set| states(Some(set), &ids));
            JobDone::Stepped(Some(Box::new(Stepped {
                staged,
                back,
                ids,
                before,
                after,
            })))
        });
        let unsent = match started {
            Ok(()) => send.send(taken).err().map(|e| e.0),
            Err(_) => Some(taken),
        };
        if let Some(taken) = unsent
            && let Some(session) = &mut self.session
        {
            // Applied here, as a small one is.
            let document = taken.back.document().to_owned();
            session.put_back(taken);
            self.step_here(&document, undo);
        }
    }

    /// Takes in an undo or redo applied on a job's thread and says what it did.
    pub(super) fn stepped(&mut self, stepped: Option<Box<Stepped>>) {
        let Some(stepped) = stepped else {
            return;
        };
        let Stepped {
            staged,
            back,
            ids,
            before,
            after,
        } = *stepped;
        let (undo, document) = (back.is_undo(), back.document().to_owned());
        let Some(session) = &mut self.session else {
            return;
        };
        if let Err(err) = session.adopt_step(staged, back) {
            self.say(format!("not {}: {err}", done_word(undo)), true);
            return;
        }
        // Not applied to the copy (its journal could not be made): looked up here.
        let after = after.unwrap_or_else(|| {
            let set = self
                .session
                .as_ref()
                .and_then(|s| s.store.project.set(&document, s.annotator()));
            states(set, &ids)
        });
        self.said_step(undo, &before, &after);
    }
}
