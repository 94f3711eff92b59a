//! Starting, settling and finishing a review: the reducer's part of review mode. A review
//! switches the session to the reviewer's reviewed set, takes what the annotators agree on,
//! and steps through their disagreements.

use super::ReviewState;
use crate::model::review::{Choice, review_set_name};
use crate::review::adjudication::{ReviewStart, prepare_start};
use crate::session::{Edit, Staged};
use crate::ui::app::LectorApp;
use crate::ui::article::Selection;
use crate::ui::command::Command;
use crate::ui::jobs::{JobDone, JobKind};
use crate::ui::messages::plural;

/// Reviews of documents with more annotations than this are compared in the background.
pub(in crate::ui) const BACKGROUND_REVIEW_ANNOTATIONS: usize = 20_000;

/// What [`LectorApp::prepare_review`] did.
pub(super) enum Prepared {
    /// Prepared here: the review's start, or why it cannot be.
    Here(Box<Result<ReviewStart, crate::review::AgreementError>>),
    /// Preparing on another thread, whose job brings it.
    OnAThread,
}

/// A review's start prepared on another thread: the comparison, and (when asked for) its
/// agreements taken into a copy of the reviewed set there too, for the session to adopt at
/// once ([`crate::session::Session::adopt`]): on a book that step is a million edits.
#[derive(Debug)]
pub struct Ready {
    /// The comparison; its edits are in `staged` when that is there.
    pub start: Result<ReviewStart, crate::review::AgreementError>,
    /// The step applied to the copy, and the number of agreements it takes.
    pub staged: Option<(Staged, usize)>,
}

/// How many agreements the edits of a review's start take (one decision each).
pub(super) fn agreements_in(edits: &[Edit]) -> usize {
    edits
        .iter()
        .filter(|e| matches!(e, Edit::Decide(_)))
        .count()
}

/// An action of review mode.
#[derive(Debug, Clone)]
pub enum ReviewCommand {
    /// Start reviewing the open document, comparing these annotators.
    Start(Vec<String>),
    /// Settle the disagreement shown.
    Settle(Choice),
    /// The next (or previous) disagreement.
    Step(bool),
    /// Show a unit of the comparison.
    ShowUnit(usize),
    /// Leave review mode; the reviewed set stays.
    Finish,
}

impl LectorApp {
    /// Applies an action of review mode.
    pub(in crate::ui) fn review_command(&mut self, command: ReviewCommand) {
        match command {
            ReviewCommand::Start(annotators) => self.start_review(annotators),
            ReviewCommand::Settle(choice) => self.settle(choice),
            ReviewCommand::Step(forward) => {
                if let Some(next) = self.review.as_ref().and_then(|r| r.step(forward)) {
                    self.show_unit(next);
                }
            }
            ReviewCommand::ShowUnit(i) => self.show_unit(i),
            ReviewCommand::Finish => self.finish_review(),
        }
    }

    /// Starts reviewing the open document: the session switches to the reviewer's reviewed
    /// set, everything the annotators agree on goes in, and the first disagreement shows.
    fn start_review(&mut self, annotators: Vec<String>) {
        let reviewer = self.annotator();
        let Some(document) = self.document().map(str::to_owned) else {
            return;
        };
        let label = annotators.join(", ");
        let prepared = self.prepare_review(
            &document,
            &reviewer,
            &annotators,
            |size| format!("comparing {size} annotations of {label}"),
            true,
            |start, staged| JobDone::ReviewReady(Box::new(Ready { start, staged })),
        );
        match prepared {
            Ok(Prepared::Here(start)) => self.begin_review(Ready {
                start: *start,
                staged: None,
            }),
            Ok(Prepared::OnAThread) => {}
            Err(err) => self.say(
                format!("review not started: cannot start a thread: {err}"),
                true,
            ),
        }
    }

    /// Prepares a review of `annotators` on `document` (the alignment, the figures, the edits
    /// that take the agreements): here if they have few annotations; else on a copy of the
    /// project (its lists shared, not copied) on another thread, so that the window answers
    /// while a book is compared, and `done` makes the job's result of it. With `stage`, the
    /// edits are applied there too, to the copy, for the session to adopt (see [`Ready`]).
    /// `what` says the job in the status bar, given the number of annotations.
    pub(super) fn prepare_review(
        &mut self,
        document: &str,
        reviewer: &str,
        annotators: &[String],
        what: impl FnOnce(usize) -> String,
        stage: bool,
        done: impl FnOnce(
            Result<ReviewStart, crate::review::AgreementError>,
            Option<(Staged, usize)>,
        ) -> JobDone
        + Send
        + 'static,
    ) -> std::io::Result<Prepared> {
        let Some(session) = &self.session else {
            return Ok(Prepared::Here(Box::new(Err(
                crate::review::AgreementError::UnknownDocument {
                    id: document.to_owned(),
                    known: String::new(),
                },
            ))));
        };
        let project = &session.store.project;
        let size: usize = annotators
            .iter()
            .filter_map(|a| project.set(document, a))
            .map(|set| set.len())
            .sum();
        if size <= self.background_review_from {
            return Ok(Prepared::Here(Box::new(prepare_start(
                project, document, reviewer, annotators,
            ))));
        }
        // The copy of the project: the stage's, which the step is then applied to.
        let copy = session.stage(document, &review_set_name(reviewer));
        // The review begins by switching to the reviewed set, which saves one's work first:
        // written meanwhile (as autosave would: not while git syncs, nor in a conflict), it
        // is not a book written on the window's thread then. What cannot be saved is said
        // then.
        let quiet = !self.jobs.is_running(JobKind::Sync) && self.conflict.document.is_none();
        if stage
            && quiet
            && let Some(session) = &mut self.session
        {
            let _ = session.save_in_background();
        }
        let (document, reviewer) = (document.to_owned(), reviewer.to_owned());
        let annotators = annotators.to_vec();
        self.jobs.spawn(JobKind::Review, what(size), move || {
            let mut start = prepare_start(copy.project(), &document, &reviewer, &annotators);
            let staged = match &mut start {
                Ok(start) if stage => {
                    let edits = std::mem::take(&mut start.edits);
                    let agreed = agreements_in(&edits);
                    Some((copy.run(edits), agreed))
                }
                _ => None,
            };
            done(start, staged)
        })?;
        Ok(Prepared::OnAThread)
    }

    /// Enters review mode with what [`prepare_review`] computed: the session switches to the
    /// reviewed set, the agreements go in as one step, and the first disagreement shows.
    pub(in crate::ui) fn begin_review(&mut self, ready: Ready) {
        let Ready { start, staged } = ready;
        let start = match start {
            Ok(start) => start,
            Err(err) => {
                self.say(format!("cannot review: {err}"), true);
                return;
            }
        };
        let ReviewStart {
            document,
            reviewer,
            alignment,
            figures,
            edits,
        } = start;
        let Some(session) = &mut self.session else {
            return;
        };
        let mut messages = Vec::new();
        if let Err(errors) = session.set_annotator(review_set_name(&reviewer)) {
            self.report_save_errors(errors);
            self.say("review not started: your changes could not be saved", true);
            return;
        }
        messages.extend(crate::ui::tracking::migrate(session));
        if let Some(recovery) = session.recover() {
            messages.extend(crate::ui::saving::recovery_messages(&recovery));
        }
        let (applied, agreed) = match staged {
            Some((staged, agreed)) => (session.adopt(staged), agreed),
            None => {
                let agreed = agreements_in(&edits);
                (session.apply(&document, edits), agreed)
            }
        };
        if let Err(err) = applied {
            messages.push((format!("agreements not taken: {err}"), true));
        }
        let names = alignment.annotators.join(", ");
        let state = ReviewState::new(document, reviewer, alignment, figures);
        // A review resumed counts what was settled before, as the panel does.
        let (settled, all) = state.progress(session);
        let keys = "(Alt+Down next, 1–9 take a side, 0 neither, = all)";
        let text = if settled > 0 {
            format!(
                "reviewing {names} again: {settled} of {} settled before, {} to settle {keys}",
                plural(all, "disagreement"),
                all - settled
            )
        } else {
            format!(
                "reviewing {names}: {} taken, {} to settle {keys}",
                plural(agreed, "agreement"),
                plural(all, "disagreement")
            )
        };
        messages.push((text, false));
        for (text, error) in messages {
            self.say(text, error);
        }
        let document = state.document.clone();
        if self.document() != Some(document.as_str()) {
            self.open_document(&document);
        }
        let first = self.next_undecided(&state, None);
        self.review = Some(state);
        self.selected = None;
        if let Some(first) = first {
            self.show_unit(first);
        }
    }

    /// The first disagreement after `after` (wrapping) that has no decision yet.
    fn next_undecided(&self, review: &ReviewState, after: Option<usize>) -> Option<usize> {
        let decided = self
            .session
            .as_ref()
            .and_then(|s| s.store.project.review(&review.document, &review.reviewer));
        let units = &review.alignment.units;
        let open = |i: &usize| {
            let unit = &units[*i];
            !unit.is_agreement()
                && decided.is_none_or(|r| {
                    r.decision(&crate::review::adjudication::sources(unit))
                        .is_none()
                })
        };
        let start = after.map_or(0, |a| a + 1);
        (start..units.len()).chain(0..start).find(open)
    }

    /// Shows the unit of the review whose annotations are `sources`, if there is one.
    pub(in crate::ui) fn show_unit_of(&mut self, sources: &crate::model::review::Sources) {
        let unit = self.review.as_ref().and_then(|review| {
            review
                .alignment
                .units
                .iter()
                .position(|unit| unit.annotations == *sources)
        });
        if let Some(i) = unit {
            self.show_unit(i);
        }
    }

    /// Shows a unit of the review: scrolls to it and selects its extent.
    fn show_unit(&mut self, i: usize) {
        let Some(review) = &mut self.review else {
            return;
        };
        let Some(unit) = review.alignment.units.get(i) else {
            return;
        };
        review.current = Some(i);
        if let Some(view) = &mut self.view {
            view.scroll_to(unit.start);
            view.selection = Selection {
                anchor: unit.start,
                head: unit.end,
            };
        }
        self.selected = None;
    }

    /// Settles the disagreement being looked at, then goes to the next one not settled.
    fn settle(&mut self, choice: Choice) {
        let Some(review) = &self.review else { return };
        let Some(unit) = review.current_unit().cloned() else {
            self.say("no disagreement is shown: Alt+Down steps to one", false);
            return;
        };
        let Some(session) = &mut self.session else {
            return;
        };
        let (edits, result) = crate::review::adjudication::settle(
            &session.store.project,
            &review.document,
            &review.reviewer,
            &unit,
            choice.clone(),
            &review.note,
        );
        let document = review.document.clone();
        let current = review.current;
        if let Err(err) = session.apply(&document, edits) {
            self.say(format!("not settled: {err}"), true);
            return;
        }
        if let Some(review) = &mut self.review {
            review.note.clear();
        }
        if choice == Choice::Edited {
            // Edit the taken version in the inspector.
            self.apply(Command::Select(result.first().cloned()));
            return;
        }
        let next = self
            .review
            .as_ref()
            .and_then(|r| self.next_undecided(r, current));
        match next {
            Some(next) => {
                self.show_unit(next);
                // The status bar follows the count, so the start's "N to settle" does not
                // stay there while they are settled.
                if let (Some(review), Some(session)) = (&self.review, &self.session) {
                    let (settled, all) = review.progress(session);
                    self.messages.say_routine(format!(
                        "settled {settled} of {}; {} to settle",
                        plural(all, "disagreement"),
                        all - settled
                    ));
                }
            }
            None => self.say(
                "every disagreement is settled; Finish review when done",
                false,
            ),
        }
    }

    /// Leaves review mode: the session is the annotator's own again.
    fn finish_review(&mut self) {
        // The reviewed set is saved first, on another thread (a book's is hundreds of MB).
        if !self.saved_first(crate::ui::saving::AfterSave::FinishReview) {
            return;
        }
        let me = self.annotator();
        if let Some(session) = &mut self.session
            && let Err(errors) = session.set_annotator(me)
        {
            self.report_save_errors(errors);
            self.say(
                "the review stays open: its changes could not be saved",
                true,
            );
            return;
        }
        if let Some(review) = self.review.take() {
            let (decided, all) = crate::review::adjudication::progress(
                &review.alignment,
                self.session
                    .as_ref()
                    .and_then(|s| s.store.project.review(&review.document, &review.reviewer)),
            );
            let left = if decided < all {
                // What the tracker does with them (see `predict::tracker`).
                "; the others count as the annotators tagged them until you settle them \
                 (Review colleagues again to go on)"
            } else {
                ""
            };
            self.say(
                format!(
                    "review saved as {}: {decided} of {all} disagreements settled{left}",
                    review_set_name(&review.reviewer)
                ),
                false,
            );
        }
        self.selected = None;
    }
}
