//! Above the inspector's fields: what reviewers said about the annotation, the certainty
//! Lector proposed (until it is confirmed or changed), and how a prediction or claim stands.

use egui::RichText;

use super::InspectorInput;
use super::cache::LeftOut;
use crate::model::{Annotation, AttrValue, RecordKey};
use crate::ui::command::Command;
use crate::ui::proposal::Proposal;
use crate::ui::theme::Theme;
use crate::ui::tracking::Recorded;
use crate::ui::tracking::{Mode, TrackCommand};

/// What reviewers said about this annotation: their comments on it, and the notes of the
/// decisions that compared it, with what they took.
pub fn reviewer_notes_ui(ui: &mut egui::Ui, input: &InspectorInput<'_>, annotation: &Annotation) {
    let theme = Theme::of(ui);
    let id = &annotation.id;
    // The document's reviews only: the map is ordered by (document, reviewer).
    let reviews = input
        .project
        .reviews
        .range((input.document.to_owned(), String::new())..)
        .take_while(|((doc, _), _)| doc == input.document);
    for ((_, reviewer), review) in reviews {
        if let Some(comment) = review.comment(input.me, id) {
            super::wrapped(
                ui,
                RichText::new(format!("💬 {reviewer}: {}", comment.text)).color(theme.info()),
            );
        }
        // The decisions were looked up once per change of the project or the selection
        // (`cache.rs`), not at every frame.
        let decided = input.cache.decided().iter().filter(|(r, _)| r == reviewer);
        for (_, decision) in decided {
            let note = if decision.note.is_empty() {
                String::new()
            } else {
                format!(": {}", decision.note)
            };
            super::wrapped(
                ui,
                RichText::new(format!(
                    "Review: {reviewer} {} ({}){note}",
                    decision.choice, decision.kind
                ))
                .color(theme.info()),
            );
        }
    }
}

/// The proposal above the inspector's fields, while the annotation still has the proposed
/// certainty (once the analyst changes it, the tracking state forgets it).
pub fn proposal_ui(
    ui: &mut egui::Ui,
    proposal: Option<&Proposal>,
    annotation: &Annotation,
    out: &mut Vec<Command>,
) {
    let Some(proposal) = proposal.filter(|p| p.id == annotation.id) else {
        return;
    };
    let still = matches!(
        annotation.attributes.get("certainty"),
        Some(AttrValue::Choice(c)) if *c == proposal.certainty
    );
    if !still {
        return;
    }
    let theme = Theme::of(ui);
    egui::Frame::new()
        .fill(theme.notice_fill())
        .inner_margin(6.0)
        .show(ui, |ui| {
            super::wrapped(
                ui,
                RichText::new(format!(
                    "Certainty proposed: {} (underlined in the text); keep it or choose another \
                     below",
                    proposal.explanation.replace('_', " ")
                ))
                .color(theme.notice_text()),
            );
            if ui.button("Confirm certainty").clicked() {
                out.push(Command::Track(TrackCommand::ConfirmProposal));
            }
        });
}

/// How a prediction or claim stands, as the views last counted, with a way to resolve it.
pub fn outcome_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    out: &mut Vec<Command>,
) {
    let tracker = input.tracker;
    // Found once per change of the counts or the selection, not per frame (`cache.rs`).
    let (prediction, claim) = match input.cache.outcome() {
        Some(Recorded::Prediction(i)) => (tracker.predictions.get(i), None),
        Some(Recorded::Claim(i)) => (None, tracker.claims.get(i)),
        None => (None, None),
    };
    let key = RecordKey::new(input.document, input.me, annotation.id.clone());
    let prediction = prediction.filter(|p| p.has_copy(&key));
    let claim = claim.filter(|c| c.has_copy(&key));
    if let Some(p) = prediction {
        ui.horizontal_wrapped(|ui| {
            let by = p
                .resolved_by
                .as_ref()
                .map_or(String::new(), |b| format!(" ({b})"));
            ui.label(format!("Status: {}{by}", p.status.words()));
            if ui.small_button("Resolve…").clicked() {
                out.push(Command::Track(TrackCommand::SelectPrediction(p.key())));
                out.push(Command::Track(TrackCommand::ShowMode(Mode::Predictions)));
            }
        });
    } else if let Some(c) = claim {
        ui.horizontal_wrapped(|ui| {
            // The `verdict` attribute below is the annotator's reading; a check recorded in
            // the Claims view wins over it.
            let checked = match &c.verdict_from {
                crate::predict::VerdictSource::Record(by) => {
                    format!("Checked: {} ({by})", c.verdict.words())
                }
                // The verdict below is the annotator's own reading, read from the annotation
                // itself (the counts are redone only while a tracking view shows): said so,
                // not "not checked", which read as if it contradicted it.
                _ if annotation
                    .attributes
                    .get("verdict")
                    .and_then(|v| crate::predict::Verdict::from_name(&v.to_string()))
                    .is_some_and(|v| v != crate::predict::Verdict::Unreviewed) =>
                {
                    "No check recorded yet (the verdict below is the annotator's)".to_owned()
                }
                _ => "Not checked yet".to_owned(),
            };
            ui.label(checked);
            if ui.small_button("Check…").clicked() {
                out.push(Command::Track(TrackCommand::SelectClaim(c.key())));
                out.push(Command::Track(TrackCommand::ShowMode(Mode::Claims)));
            }
        });
    } else if let Some(left_out) = input.cache.left_out() {
        // Counted nowhere: without a word, the missing status read as a fault.
        let why = match left_out {
            LeftOut::NotKept(reviewer) => format!(
                "Not counted in the track record: {reviewer}'s review of this document did not \
                 keep it"
            ),
            LeftOut::OtherReview(reviewer) => format!(
                "Not counted in the track record: only {reviewer}'s review of this document counts"
            ),
        };
        super::wrapped(ui, RichText::new(why).weak());
    }
}
