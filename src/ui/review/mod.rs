//! Review mode: the reviewer builds a reviewed set (shown in the article view and edited like
//! any set) by settling the annotators' disagreements one by one, with the keyboard.
//!
//! - this file: the state of a review under way, and comparing again when files change;
//! - [`workflow`]: starting, settling and finishing a review (the reducer's part);
//! - [`panel`]: the review panel beside the article.

pub mod panel;
mod workflow;

pub(in crate::ui) use workflow::BACKGROUND_REVIEW_ANNOTATIONS;
pub use workflow::ReviewCommand;

use super::app::LectorApp;
use crate::review::adjudication::{ReviewStart, progress};
use crate::review::{AgreementReport, Alignment, ComparisonUnit};

/// An open review of one document.
#[derive(Debug)]
pub struct ReviewState {
    /// The document.
    pub document: String,
    /// Who reviews (the reviewed set is `review.<reviewer>`).
    pub reviewer: String,
    /// The units of comparison of the annotators' work.
    pub alignment: Alignment,
    /// The unit being looked at (index into `alignment.units`).
    pub current: Option<usize>,
    /// The note that goes with the next decision.
    pub note: String,
    /// Agreement of the annotators on the document.
    pub figures: Option<AgreementReport>,
    /// Indices of the units that are disagreements, in text order.
    disagreements: Vec<usize>,
    /// (session revision, decided, all), so that a book's tens of thousands of units are
    /// counted once per change, not every frame.
    progress: std::cell::Cell<Option<(u64, usize, usize)>>,
}

impl ReviewState {
    /// A review of a document's alignment.
    pub fn new(
        document: String,
        reviewer: String,
        alignment: Alignment,
        figures: Option<AgreementReport>,
    ) -> Self {
        let disagreements = alignment
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| !u.is_agreement())
            .map(|(i, _)| i)
            .collect();
        Self {
            document,
            reviewer,
            alignment,
            current: None,
            note: String::new(),
            figures,
            disagreements,
            progress: std::cell::Cell::new(None),
        }
    }

    /// (settled disagreements, all disagreements), as of the session's revision.
    pub fn progress(&self, session: &crate::session::Session) -> (usize, usize) {
        if let Some((revision, decided, all)) = self.progress.get()
            && revision == session.revision()
        {
            return (decided, all);
        }
        let review = session.store.project.review(&self.document, &self.reviewer);
        let (decided, all) = progress(&self.alignment, review);
        self.progress.set(Some((session.revision(), decided, all)));
        (decided, all)
    }

    /// The unit being looked at.
    pub fn current_unit(&self) -> Option<&ComparisonUnit> {
        self.alignment.units.get(self.current?)
    }

    /// Indices of the units that are disagreements, in text order.
    pub fn disagreement_indices(&self) -> &[usize] {
        &self.disagreements
    }

    /// The next (or previous) disagreement from the current one, wrapping around.
    pub fn step(&self, forward: bool) -> Option<usize> {
        let disagreements = &self.disagreements;
        let first = *disagreements.first()?;
        let last = *disagreements.last()?;
        Some(match self.current {
            None if forward => first,
            None => last,
            Some(at) if forward => disagreements
                .iter()
                .copied()
                .find(|&i| i > at)
                .unwrap_or(first),
            Some(at) => disagreements
                .iter()
                .rev()
                .copied()
                .find(|&i| i < at)
                .unwrap_or(last),
        })
    }
}

/// Compares the annotators again when one of their files of the reviewed document changed on
/// disk during the review (a sync, a colleague's Lector, a shared folder): the alignment,
/// figures and disagreements follow their current work, what they now agree on goes into the
/// reviewed set (as when a review starts), and the unit being looked at stays (the one with
/// the same extent, else the next one). `changed` are the (document, annotator) files
/// re-read or removed. Returns what to tell the user, and whether it is an error; `None` if
/// the review is not affected. Big documents are compared on another thread, as a review's
/// start is: a colleague's save never holds the window.
pub fn realign(app: &mut LectorApp, changed: &[crate::model::SetKey]) -> Option<(String, bool)> {
    let review = app.review.as_ref()?;
    let touched: Vec<&str> = changed
        .iter()
        .filter(|(document, annotator)| {
            *document == review.document && review.alignment.annotators.contains(annotator)
        })
        .map(|(_, annotator)| annotator.as_str())
        .collect();
    if touched.is_empty() {
        return None;
    }
    let who = touched.join(" and ");
    compare_again(app, who)
}

/// Compares the reviewed annotators again, because `who`'s labels changed (see [`realign`]).
fn compare_again(app: &mut LectorApp, who: String) -> Option<(String, bool)> {
    let review = app.review.as_ref()?;
    let session = app.session.as_ref()?;
    let project = &session.store.project;
    let (document, reviewer) = (review.document.clone(), review.reviewer.clone());
    let annotators = review.alignment.annotators.clone();
    let size: usize = annotators
        .iter()
        .filter_map(|a| project.set(&document, a))
        .map(|set| set.len())
        .sum();
    if size <= app.background_review_from {
        let start =
            crate::review::adjudication::prepare_start(project, &document, &reviewer, &annotators);
        return take_comparison(app, who, start);
    }
    // The project is copied as it is now (its lists are shared, not copied); what comes back
    // is taken only if nothing changed meanwhile.
    let stamp = (session.instance(), session.revision());
    let project = project.clone();
    let what = format!(
        "comparing {size} annotations of {} again",
        annotators.join(", ")
    );
    let said = format!("{who}'s labels changed on disk: comparing again…");
    let started = app.jobs.spawn(super::jobs::JobKind::Review, what, move || {
        super::jobs::JobDone::Compared {
            who,
            stamp,
            start: Box::new(crate::review::adjudication::prepare_start(
                &project,
                &document,
                &reviewer,
                &annotators,
            )),
        }
    });
    Some(match started {
        Ok(()) => (said, false),
        Err(err) => (
            format!("the review cannot compare the changed labels again: {err}"),
            true,
        ),
    })
}

impl LectorApp {
    /// A comparison made on another thread after `who`'s labels changed: taken in if the
    /// review and the session are as they were when it started, else made again (unless
    /// another one runs, which sees the newer state).
    pub(in crate::ui) fn compared_again(
        &mut self,
        who: String,
        stamp: (u64, u64),
        start: Result<ReviewStart, crate::review::AgreementError>,
    ) {
        let current = self.session.as_ref().map(|s| (s.instance(), s.revision()));
        let same_review = match (&self.review, &start) {
            (Some(review), Ok(start)) => {
                review.document == start.document && review.reviewer == start.reviewer
            }
            (Some(_), Err(_)) => true,
            (None, _) => false,
        };
        if !same_review {
            return;
        }
        let told = if current == Some(stamp) {
            take_comparison(self, who, start)
        } else if self.jobs.is_running(super::jobs::JobKind::Review) {
            None
        } else {
            compare_again(self, who)
        };
        if let Some((text, error)) = told {
            self.say(text, error);
        }
    }
}

/// Takes a new comparison into the review: its new agreements go into the reviewed set (one
/// step), and the review goes on where it was.
fn take_comparison(
    app: &mut LectorApp,
    who: String,
    start: Result<ReviewStart, crate::review::AgreementError>,
) -> Option<(String, bool)> {
    let review = app.review.as_ref()?;
    let start = match start {
        Ok(start) => start,
        Err(err) => {
            return Some((
                format!(
                    "{who}'s labels changed on disk, but the review cannot compare them again: {err}"
                ),
                true,
            ));
        }
    };
    let ReviewStart {
        document,
        reviewer,
        alignment,
        figures,
        edits,
    } = start;
    let session = app.session.as_mut()?;
    let taken = edits
        .iter()
        .filter(|e| matches!(e, crate::session::Edit::Decide(_)))
        .count();
    let applied = session.apply(&document, edits);
    let old = review.current_unit().map(|u| (u.start, u.end));
    let mut state = ReviewState::new(document, reviewer, alignment, figures);
    state.note.clone_from(&review.note);
    state.current = old.and_then(|(start, end)| {
        let units = &state.alignment.units;
        units
            .iter()
            .position(|u| u.start == start && u.end == end)
            .or_else(|| units.iter().position(|u| u.start >= start))
    });
    let open = super::messages::plural(state.disagreement_indices().len(), "disagreement");
    app.review = Some(state);
    Some(match applied {
        Ok(()) => (
            format!(
                "{who}'s labels changed on disk: compared again, {open}{}",
                if taken > 0 {
                    format!(
                        " ({} taken into your reviewed version)",
                        super::messages::plural(taken, "new agreement")
                    )
                } else {
                    String::new()
                }
            ),
            false,
        ),
        Err(err) => (
            format!(
                "{who}'s labels changed on disk: compared again, {open}; the new \
                 agreements were not taken: {err}"
            ),
            true,
        ),
    })
}
