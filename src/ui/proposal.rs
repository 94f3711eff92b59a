//! Certainty proposals: a Prediction tagged without a certainty gets the grade its hedge
//! cues propose, stored at once and shown preselected with its cue underlined until the
//! analyst confirms or changes it (the inspector shows it, see `inspector/notes.rs`).

use crate::model::{Annotation, AnnotationId, AttrValue, CharOffset, LabelKind, Project};

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
pub fn propose(project: &Project, document: &str, annotation: &mut Annotation) -> Option<Proposal> {
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

impl Proposal {
    /// Whether the annotation still has the proposed certainty (once the analyst changes it,
    /// the proposal is gone).
    pub fn still_stands(&self, project: &Project) -> bool {
        project
            .sets
            .iter()
            .filter(|((document, _), _)| *document == self.document)
            .filter_map(|(_, set)| set.get(&self.id))
            .any(|a| {
                matches!(
                    a.attributes.get("certainty"),
                    Some(AttrValue::Choice(c)) if *c == self.certainty
                )
            })
    }
}
