//! Certainty proposals and due phrases in the app: a Prediction tagged without a certainty
//! gets the grade its hedge cues propose, stored at once and shown preselected with its cue
//! underlined until the analyst confirms or changes it; a prediction's `due` takes a phrase,
//! whose reading the inspector shows before it is stored.

use egui::{Color32, RichText};

use super::app::{Command, LectorApp};
use super::tracking::{TrackCommand, TrackingState};
use crate::model::{Annotation, AnnotationId, AttrValue, AttributeDef, CharOffset, LabelKind};
use crate::session::Session;

/// A certainty Lector proposed for a Prediction just tagged: stored already, shown with its
/// cue underlined until the analyst confirms or changes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The document.
    pub document: String,
    /// The annotation.
    pub id: AnnotationId,
    /// The grade proposed (the schema's name).
    pub certainty: String,
    /// The cue's pieces and the negations that turned it, to underline, sorted.
    pub cue: Vec<(CharOffset, CharOffset)>,
    /// "probable, from “Det är troligt”".
    pub explanation: String,
}

/// Proposes a certainty for a Prediction about to be tagged without one: stores it (and a
/// stated probability) in the annotation and returns the proposal to show.
pub fn propose(app: &LectorApp, document: &str, annotation: &mut Annotation) -> Option<Proposal> {
    let session = app.session.as_ref()?;
    let project = &session.store.project;
    let label = project.schema.label(&annotation.label)?;
    if label.kind != LabelKind::Prediction
        || label.attribute("certainty").is_none()
        || annotation.attributes.contains_key("certainty")
    {
        return None;
    }
    let text = &project.document(document)?.text;
    let settings = &project.predict;
    let proposal = crate::predict::propose(
        text.as_str(),
        annotation.start(),
        annotation.end(),
        &settings.lexicon(),
        &settings.probabilities,
    )?;
    let certainty = proposal.certainty.name().to_owned();
    annotation
        .attributes
        .insert("certainty".into(), AttrValue::Choice(certainty.clone()));
    if let Some(p) = proposal.stated_probability
        && label.attribute("probability").is_some()
    {
        annotation
            .attributes
            .insert("probability".into(), AttrValue::Number(p));
    }
    Some(Proposal {
        document: document.to_owned(),
        id: annotation.id.clone(),
        certainty,
        // The cue and the negations that turned it, in text order.
        cue: {
            let mut pieces: Vec<(CharOffset, CharOffset)> = proposal
                .cue
                .iter()
                .chain(&proposal.negations)
                .map(|f| (f.start, f.end))
                .collect();
            pieces.sort();
            pieces
        },
        explanation: proposal.explanation,
    })
}

/// The proposal above the inspector's fields, while the annotation still has the proposed
/// certainty; once the analyst changes it, the proposal is gone.
pub fn proposal_ui(
    ui: &mut egui::Ui,
    tracking: &mut TrackingState,
    annotation: &Annotation,
    commands: &mut Vec<Command>,
) {
    let Some(proposal) = &tracking.proposal else {
        return;
    };
    if proposal.id != annotation.id {
        return;
    }
    let still = matches!(
        annotation.attributes.get("certainty"),
        Some(AttrValue::Choice(c)) if *c == proposal.certainty
    );
    if !still {
        tracking.proposal = None;
        return;
    }
    egui::Frame::new()
        .fill(Color32::from_rgb(255, 244, 214))
        .inner_margin(6.0)
        .show(ui, |ui| {
            ui.label(
                RichText::new(format!(
                    "Certainty proposed: {} (underlined in the text); keep it or choose another \
                     below",
                    proposal.explanation
                ))
                .color(Color32::BLACK),
            );
            if ui.button("Confirm certainty").clicked() {
                commands.push(Command::Track(TrackCommand::ConfirmProposal));
            }
        });
}

/// Reads what was typed in an inspector field of type text, date or number. A Prediction's
/// `due` takes a phrase, read against the document's publication date: the second value is
/// how it was read, to show before it is stored.
pub fn parse_typed(
    session: &Session,
    document: &str,
    annotation: &Annotation,
    def: &AttributeDef,
    input: &str,
) -> (Result<Option<AttrValue>, String>, Option<String>) {
    if input.trim().is_empty() {
        return (Ok(None), None);
    }
    let project = &session.store.project;
    let is_due = def.name == "due"
        && matches!(def.ty, crate::model::AttrType::Date)
        && project
            .schema
            .label(&annotation.label)
            .is_some_and(|l| l.kind == LabelKind::Prediction);
    let anchor = project.document(document).map(|d| d.meta.anchor_date());
    match (is_due, anchor) {
        (true, Some(anchor)) => match crate::predict::read_due(input, anchor) {
            // Shown with the fonts every machine has: no arrows.
            Ok(reading) => (
                Ok(Some(AttrValue::Date(reading.date))),
                Some(format!(
                    "read as {} ({})",
                    reading.date,
                    reading.explanation.replace(" → ", ": ")
                )),
            ),
            Err(err) => (Err(err.to_string()), None),
        },
        _ => (
            crate::model::validate::parse_value(&def.ty, input, None).map(Some),
            None,
        ),
    }
}
