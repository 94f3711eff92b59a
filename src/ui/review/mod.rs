//! Review mode: the reviewer builds a reviewed set (shown in the article view and edited like
//! any set) by settling the annotators' disagreements one by one, with the keyboard.
//!
//! - this file: the state of a review under way, and comparing again when files change;
//! - [`workflow`]: starting, settling and finishing a review (the reducer's part);
//! - [`panel`]: the review panel beside the article.

pub mod panel;
mod workflow;

pub(in crate::ui) use workflow::BACKGROUND_REVIEW_ANNOTATIONS;
pub use workflow::{Ready, ReviewCommand};

use super::app::LectorApp;
use crate::model::Snapshot;
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
    /// A comparison again running on another thread (its number), and whose labels changed
    /// on disk since it began: compared once more when it is done.
    comparing: Option<(u64, Vec<String>)>,
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
            comparing: None,
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
    let review = app.review.as_mut()?;
    let mut touched: Vec<String> = changed
        .iter()
        .filter(|(document, annotator)| {
            *document == review.document && review.alignment.annotators.contains(annotator)
        })
        .map(|(_, annotator)| annotator.clone())
        .collect();
    if touched.is_empty() {
        return None;
    }
    if let Some((_, changed_since)) = &mut review.comparing {
        // One runs: compared once more when it is done.
        changed_since.append(&mut touched);
        return None;
    }
    compare_again(app, touched)
}

/// Compares the reviewed annotators again, because `who`'s labels changed (see [`realign`]).
fn compare_again(app: &mut LectorApp, mut who: Vec<String>) -> Option<(String, bool)> {
    who.sort();
    who.dedup();
    let names = who.join(" and ");
    let review = app.review.as_ref()?;
    let session = app.session.as_ref()?;
    let (document, reviewer) = (review.document.clone(), review.reviewer.clone());
    let annotators = review.alignment.annotators.clone();
    // What the comparison sees of the annotators' sets: whether they are still what it saw is
    // then a comparison of pointers (see `compared_again`).
    let seen: Vec<Option<Snapshot>> = annotators
        .iter()
        .map(|a| {
            session
                .store
                .project
                .set(&document, a)
                .map(|s| s.snapshot())
        })
        .collect();
    let stamp = (session.instance(), session.revision());
    app.comparisons += 1;
    let number = app.comparisons;
    let label = annotators.join(", ");
    let for_job = who.clone();
    let prepared = app.prepare_review(
        &document,
        &reviewer,
        &annotators,
        |size| format!("comparing {size} annotations of {label} again"),
        false,
        move |start, _| {
            super::jobs::JobDone::Compared(Box::new(Compared {
                who: for_job,
                number,
                stamp,
                seen,
                start,
            }))
        },
    );
    match prepared {
        Ok(workflow::Prepared::Here(start)) => take_comparison(app, names, *start),
        Ok(workflow::Prepared::OnAThread) => {
            if let Some(review) = &mut app.review {
                review.comparing = Some((number, Vec::new()));
            }
            Some((
                format!("{names}'s labels changed on disk: comparing again…"),
                false,
            ))
        }
        Err(err) => Some((
            format!("the review cannot compare the changed labels again: {err}"),
            true,
        )),
    }
}

/// What a comparison again made on another thread brings back (see [`compare_again`]).
pub struct Compared {
    /// Whose labels changed, for the message.
    pub who: Vec<String>,
    /// Which comparison of the app's this is.
    pub number: u64,
    /// The session's (instance, revision) it was made from.
    pub stamp: (u64, u64),
    /// The annotators' lists of annotations it saw, in the alignment's order.
    pub seen: Vec<Option<Snapshot>>,
    /// The comparison.
    pub start: Result<ReviewStart, crate::review::AgreementError>,
}

impl LectorApp {
    /// A comparison made on another thread after some labels changed on disk, taken in if it
    /// is the review's latest: if labels changed again meanwhile it is made once more; if
    /// the reviewer worked meanwhile, the agreements are taken again against the reviewed
    /// set as it is now (a decision made meanwhile is never overwritten), with the
    /// comparison as it is.
    pub(in crate::ui) fn compared_again(&mut self, compared: Compared) {
        let Compared {
            who,
            number,
            stamp,
            seen,
            start,
        } = compared;
        let Some(review) = &mut self.review else {
            return;
        };
        let changed_since = match review.comparing.take() {
            Some((n, changed_since)) if n == number => changed_since,
            // Not this review's (it was finished, or another began), or not its latest.
            other => {
                review.comparing = other;
                return;
            }
        };
        let told = if changed_since.is_empty() {
            let Some(session) = &self.session else {
                return;
            };
            let project = &session.store.project;
            let unchanged = review.alignment.annotators.len() == seen.len()
                && review
                    .alignment
                    .annotators
                    .iter()
                    .zip(&seen)
                    .all(|(a, seen)| match (project.set(&review.document, a), seen) {
                        (Some(set), Some(seen)) => set.is_as(seen),
                        (None, None) => true,
                        _ => false,
                    });
            if !unchanged {
                compare_again(self, who)
            } else if (session.instance(), session.revision()) == stamp {
                take_comparison(self, who.join(" and "), start)
            } else {
                let start = start.map(|mut start| {
                    start.edits = crate::review::adjudication::take_agreements(
                        project,
                        &start.document,
                        &start.reviewer,
                        &start.alignment,
                    );
                    start
                });
                take_comparison(self, who.join(" and "), start)
            }
        } else {
            // Said as one: whose labels this comparison was for, and whose changed since.
            compare_again(self, [who, changed_since].concat())
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
    let taken = workflow::agreements_in(&edits);
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::ReviewCommand;
    use crate::model::review::Choice;
    use crate::ui::{Command, LectorApp, settle};

    /// olga reviewing anna and erik on a copy of the sample project, every comparison on
    /// another thread, with the start taken in.
    fn reviewing(dir: &Path) -> (LectorApp, String) {
        let mut app = crate::ui::sample_app(&dir.join("p"), "olga");
        app.set_background_review_from(0);
        let doc = app.document().unwrap().to_owned();
        app.apply(Command::Review(ReviewCommand::Start(vec![
            "anna".to_owned(),
            "erik".to_owned(),
        ])));
        settle(&mut app);
        assert!(app.review.is_some(), "{:?}", app.messages().all());
        (app, doc)
    }

    /// As a reload of a changed file does: anna's first annotation that is compared alone
    /// (a disagreement) is gone.
    fn anna_drops_one(app: &mut LectorApp, doc: &str) {
        let session = app.session.as_mut().unwrap();
        let set = session.store.project.set_mut(doc, "anna");
        let id = set.annotations()[0].id.clone();
        set.retain(|a| a.id != id);
    }

    fn said(app: &LectorApp, text: &str) -> usize {
        app.messages()
            .all()
            .iter()
            .filter(|m| m.text.contains(text))
            .count()
    }

    /// Finishing a review saves the reviewed set first on another thread (a book's is
    /// hundreds of MB), the status bar saying so, then leaves review mode.
    #[test]
    fn finishing_a_review_saves_in_the_background_then_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut app, doc) = reviewing(dir.path());
        let taken = app
            .session
            .as_ref()
            .unwrap()
            .store
            .project
            .set(&doc, "review.olga")
            .unwrap()
            .len();
        assert!(taken > 0 && app.session.as_ref().unwrap().is_dirty());
        app.apply(Command::Review(ReviewCommand::Finish));
        assert!(app.review.is_some(), "not before the save is written");
        let (waiting, _) = app.waiting_for_save().expect("waiting");
        assert_eq!(waiting, "saving before finishing the review");
        let ctx = egui::Context::default();
        for _ in 0..3000 {
            app.continue_after_save(&ctx);
            if app.review.is_none() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(app.review.is_none(), "{:?}", app.messages().all());
        assert_eq!(app.session.as_ref().unwrap().annotator(), "olga");
        assert_eq!(said(&app, "review saved as review.olga"), 1);
        let root = app.session.as_ref().unwrap().store.root().to_path_buf();
        let (store, _) = crate::store::ProjectStore::open(&root).unwrap();
        assert_eq!(store.project.set(&doc, "review.olga").unwrap().len(), taken);
    }

    /// The reviewer settles a disagreement while the comparison runs: the comparison is taken
    /// in once (not made again and again while the reviewer works), and the decision made
    /// meanwhile stays.
    #[test]
    fn a_comparison_again_lands_while_the_reviewer_works() {
        let dir = tempfile::tempdir().unwrap();
        let (mut app, doc) = reviewing(dir.path());
        anna_drops_one(&mut app, &doc);
        let told = super::realign(&mut app, &[(doc.clone(), "anna".to_owned())]);
        assert_eq!(
            told.unwrap().0,
            "anna's labels changed on disk: comparing again…"
        );
        // Meanwhile: erik's side of the first disagreement.
        app.apply(Command::Review(ReviewCommand::Settle(Choice::Take(
            "erik".to_owned(),
        ))));
        let reviewed = |app: &LectorApp| {
            let session = app.session.as_ref().unwrap();
            let review = session.store.project.review(&doc, "olga").unwrap();
            review
                .decisions
                .values()
                .filter(|d| matches!(d.choice, Choice::Take(_)))
                .count()
        };
        assert_eq!(reviewed(&app), 1);
        settle(&mut app);
        // (The first "comparing again…" is said by the caller, the watch.)
        assert_eq!(
            said(&app, "comparing again…"),
            0,
            "{:?}",
            app.messages().all()
        );
        assert_eq!(
            said(&app, "anna's labels changed on disk: compared again"),
            1
        );
        assert_eq!(reviewed(&app), 1, "the decision made meanwhile stays");
        let review = app.review.as_ref().unwrap();
        assert!(review.comparing.is_none());
        assert_ne!(review.alignment.units.len(), 0);
    }

    /// anna changes a label to erik's, making a disagreement an agreement, while the reviewer
    /// settles that very disagreement: the reviewer's decision stays, and no copy of the
    /// agreement goes in beside it.
    #[test]
    fn a_disagreement_settled_while_it_is_compared_keeps_the_reviewers_decision() {
        use crate::review::UnitKind;
        let dir = tempfile::tempdir().unwrap();
        let (mut app, doc) = reviewing(dir.path());
        let review = app.review.as_ref().unwrap();
        let (at, unit) = review
            .alignment
            .units
            .iter()
            .enumerate()
            .find(|(_, u)| u.kind == UnitKind::LabelDiffers && u.annotations.len() == 2)
            .expect("the sample has a label that differs");
        let sources = crate::review::adjudication::sources(unit);
        let (anna, erik) = (
            unit.annotations["anna"].clone(),
            unit.annotations["erik"].clone(),
        );
        let session = app.session.as_mut().unwrap();
        let theirs = session
            .store
            .project
            .set(&doc, "erik")
            .unwrap()
            .get(&erik)
            .unwrap()
            .clone();
        assert!(
            session
                .store
                .project
                .set_mut(&doc, "anna")
                .update(&anna, |a| {
                    a.label = theirs.label;
                    a.attributes = theirs.attributes;
                    a.entity = theirs.entity;
                })
        );
        assert!(super::realign(&mut app, &[(doc.clone(), "anna".to_owned())]).is_some());
        app.apply(Command::Review(ReviewCommand::ShowUnit(at)));
        app.apply(Command::Review(ReviewCommand::Settle(Choice::Take(
            "erik".to_owned(),
        ))));
        let reviewed_set = |app: &LectorApp| {
            let session = app.session.as_ref().unwrap();
            session
                .store
                .project
                .set(&doc, "review.olga")
                .unwrap()
                .len()
        };
        let before = reviewed_set(&app);
        settle(&mut app);
        let session = app.session.as_ref().unwrap();
        let review = session.store.project.review(&doc, "olga").unwrap();
        assert_eq!(
            review.decision(&sources).map(|d| d.choice.clone()),
            Some(Choice::Take("erik".to_owned())),
            "{:?}",
            app.messages().all()
        );
        assert_eq!(reviewed_set(&app), before, "no second copy of it");
        let last = app.messages().last().unwrap();
        assert!(
            !last.error
                && last
                    .text
                    .starts_with("anna's labels changed on disk: compared again"),
            "{}",
            last.text
        );
    }

    /// Labels that change again while a comparison runs are compared once more when it is
    /// done, in one more comparison, not one per change.
    #[test]
    fn labels_changed_during_a_comparison_are_compared_once_more_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut app, doc) = reviewing(dir.path());
        anna_drops_one(&mut app, &doc);
        assert!(super::realign(&mut app, &[(doc.clone(), "anna".to_owned())]).is_some());
        // Two more changes while it runs: said nothing, compared after.
        anna_drops_one(&mut app, &doc);
        assert!(super::realign(&mut app, &[(doc.clone(), "anna".to_owned())]).is_none());
        assert!(super::realign(&mut app, &[(doc.clone(), "erik".to_owned())]).is_none());
        settle(&mut app);
        let all: Vec<String> = app
            .messages()
            .all()
            .iter()
            .map(|m| m.text.clone())
            .collect();
        // (The first "comparing again…" is said by the caller, the watch.)
        assert_eq!(said(&app, "comparing again…"), 1, "{all:?}");
        assert_eq!(
            said(
                &app,
                "anna and erik's labels changed on disk: comparing again…"
            ),
            1
        );
        assert_eq!(said(&app, "compared again"), 1, "{all:?}");
        assert_eq!(
            said(
                &app,
                "anna and erik's labels changed on disk: compared again"
            ),
            1,
            "{all:?}"
        );
        // The comparison taken in is of anna's set as it is now.
        let session = app.session.as_ref().unwrap();
        let anna = session.store.project.set(&doc, "anna").unwrap();
        let review = app.review.as_ref().unwrap();
        let compared: std::collections::BTreeSet<_> = review
            .alignment
            .units
            .iter()
            .filter_map(|u| u.annotations.get("anna"))
            .collect();
        assert!(compared.iter().all(|id| anna.contains(id)));
        assert_eq!(
            compared.len(),
            anna.len(),
            "every annotation of anna's is compared"
        );
    }
}
