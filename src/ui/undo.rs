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
use crate::session::{Back, Edit, Staged, TakenStep};
use crate::words::plural;

/// An undo or redo of at least this many edits is applied on another thread.
pub(super) const BACKGROUND_STEP_EDITS: usize = 20_000;

/// What a big undo or redo's job brings back.
pub enum StepJob {
    /// Applied to a copy, to take in.
    Done(Box<Stepped>),
    /// Applying it failed unexpectedly (a bug in Lector): the step, to put back where it was
    /// taken from, so that the undo is not lost with it.
    Failed(Box<(Back, Vec<Edit>)>),
    /// It never reached the job's thread (the window's thread put it back).
    NotRun,
}

/// An undo or redo applied to a copy, to take in.
pub struct Stepped {
    staged: Staged,
    back: Back,
    /// The annotations it touches, and the state of each before it and after it (in the
    /// copy), to say what it did.
    ids: Vec<AnnotationId>,
    before: Vec<Option<State>>,
    after: Option<Vec<Option<State>>>,
}

/// An annotation's state, to tell whether a step changed it: when it was last modified, and
/// where it is in memory. The time alone counts whole seconds, so two edits within one
/// looked alike; every edit makes a new annotation, and the one it replaced is kept by the
/// undo history meanwhile, so its place is not taken by another.
type State = (jiff::Timestamp, usize);

/// The state of each of `ids` in `set` (`None`: there is no such annotation). A time and a
/// place, not a string: an undo of a tag-all in a book formatted 9,000 of them into maps
/// (35 ms).
fn states(set: Option<&AnnotationSet>, ids: &[AnnotationId]) -> Vec<Option<State>> {
    ids.iter()
        .map(|id| {
            let annotation = set.and_then(|s| s.get(id))?;
            Some((annotation.modified, std::ptr::from_ref(annotation) as usize))
        })
        .collect()
}

/// How many edits a step is, as the user made them: the status a document's first annotation
/// sets (and its undo sets back) is not one. The session puts it at the step's start or end,
/// so that a step of a million edits is not looked through for it.
fn counted_edits(edits: &[Edit]) -> usize {
    let status = |e: Option<&Edit>| matches!(e, Some(Edit::SetStatus(_)));
    let ends = match edits {
        [_] => usize::from(status(edits.first())),
        _ => usize::from(status(edits.first())) + usize::from(status(edits.last())),
    };
    edits.len() - ends
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
        match session.take_step(&doc, undo, self.background_step_from) {
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
        // In a review, the unit whose decision it changes is shown.
        let decided = self
            .review
            .as_ref()
            .and_then(|_| session.step_decision(doc, undo));
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
        if let Some(sources) = decided {
            self.show_unit_of(&sources);
        }
    }

    fn said_step(&mut self, undo: bool, before: &[Option<State>], after: &[Option<State>]) {
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
            plural(counted_edits(&taken.edits), "edit")
        );
        // Sent once the thread runs, so that a thread that cannot start leaves it here.
        let (send, receive) = std::sync::mpsc::channel::<TakenStep>();
        #[cfg(test)]
        let fail = std::mem::take(&mut self.fail_step_job);
        let started = self.jobs.spawn(JobKind::Step, what, move || {
            let Ok(TakenStep { stage, edits, back }) = receive.recv() else {
                return JobDone::Stepped(StepJob::NotRun);
            };
            // Kept until it is applied (a copy of the list: the annotations are shared), so
            // that a panic while applying it puts the step back instead of losing it.
            let kept = edits.clone();
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                #[cfg(test)]
                assert!(!fail, "a step job failing, as a test asked");
                let ids = crate::session::touched_ids(&edits);
                let before = states(stage.project().set(back.document(), &annotator), &ids);
                let staged = stage.run(edits);
                let after = staged.set_after().map(|set| states(Some(set), &ids));
                (staged, ids, before, after)
            }));
            match applied {
                Ok((staged, ids, before, after)) => {
                    JobDone::Stepped(StepJob::Done(Box::new(Stepped {
                        staged,
                        back,
                        ids,
                        before,
                        after,
                    })))
                }
                Err(_) => JobDone::Stepped(StepJob::Failed(Box::new((back, kept)))),
            }
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
    pub(super) fn stepped(&mut self, job: StepJob) {
        let stepped = match job {
            StepJob::Done(stepped) => stepped,
            StepJob::Failed(failed) => {
                let (back, edits) = *failed;
                let undo = back.is_undo();
                let kept = match &mut self.session {
                    Some(session) => session.put_back_edits(&back, edits),
                    None => Err(crate::session::EditError::Invalid(
                        "the project was closed".to_owned(),
                    )),
                };
                let text = match kept {
                    Ok(()) => format!(
                        "not {}: applying it failed unexpectedly; it is kept, so pressing {} \
                         again tries again",
                        done_word(undo),
                        if undo { "Ctrl+Z" } else { "Ctrl+Shift+Z" }
                    ),
                    Err(err) => format!(
                        "not {}: applying it failed unexpectedly, and {err}",
                        done_word(undo)
                    ),
                };
                self.say(text, true);
                return;
            }
            StepJob::NotRun => return,
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

#[cfg(test)]
mod tests {
    use crate::session::Edit;
    use crate::ui::{Command, LectorApp, sample_app, settle};

    /// An undo applied on another thread whose run panics (a bug) is not lost: it goes back
    /// to the history, the status bar says so, and pressing again undoes it.
    #[test]
    fn an_undo_whose_job_fails_is_kept_to_try_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = sample_app(&dir.path().join("p"), "anna");
        app.set_background_step_from(1);
        let doc = app.document().unwrap().to_owned();
        let ids = |app: &LectorApp| -> Vec<String> {
            let set = app.session().unwrap().store.project.set(&doc, "anna");
            set.map(|s| s.iter().map(|a| a.id.0.to_string()).collect())
                .unwrap_or_default()
        };
        let before = ids(&app);
        let first = app
            .session()
            .unwrap()
            .store
            .project
            .set(&doc, "anna")
            .unwrap()
            .annotations()[0]
            .id
            .clone();
        app.apply(Command::Edit(vec![Edit::Remove(first)]));
        let removed = ids(&app);
        assert_eq!(removed.len() + 1, before.len());
        app.fail_step_job = true;
        app.apply(Command::Undo);
        assert!(
            app.jobs.is_running(super::JobKind::Step),
            "undone on another thread"
        );
        settle(&mut app);
        assert_eq!(ids(&app), removed, "not undone");
        let last = app.messages().last().unwrap();
        assert!(last.error);
        assert_eq!(
            last.text,
            "not undone: applying it failed unexpectedly; it is kept, so pressing Ctrl+Z again \
             tries again"
        );
        app.apply(Command::Undo);
        settle(&mut app);
        assert_eq!(ids(&app), before, "undone at the second press");
        assert!(!app.messages().last().unwrap().error);
    }
}
