//! Beside the Predictions view: the selected prediction, how it stands, and the form that
//! resolves it (status, the date it was settled, evidence, a note) into the user's own
//! resolutions file.

use egui::RichText;

use super::app::LectorApp;
use super::command::Command;
use super::predictions::jump;
use super::tracking::{TrackCommand, new_record};
use crate::model::RecordKey;
use crate::predict::{ResolutionStatus, TrackedPrediction};

/// The resolution being typed.
#[derive(Debug, Default)]
pub struct ResolveForm {
    pub(super) for_key: Option<RecordKey>,
    /// The status to record.
    pub status: Option<ResolutionStatus>,
    /// When it was settled.
    pub date: String,
    /// One link or quote per line.
    pub evidence: String,
    /// The note.
    pub note: String,
}

/// The selected prediction and the form that resolves it.
pub fn details_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let tracking = &mut app.tracking;
    let Some(key) = tracking.predictions.selected.clone() else {
        ui.strong("Resolve");
        ui.label(RichText::new("Select a prediction in the table.").weak());
        return;
    };
    let Some(p) = tracking
        .tracker()
        .predictions
        .iter()
        .find(|p| p.is(&key))
        .cloned()
    else {
        ui.label(RichText::new("The prediction is no longer in the project.").weak());
        return;
    };
    let map = app
        .session
        .as_ref()
        .map(|s| s.store.project.predict.probabilities)
        .unwrap_or_default();
    ui.strong("Prediction");
    ui.label(format!("“{}”", p.text));
    egui::Grid::new("prediction-details")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let pairs = [
                (
                    "Holder",
                    p.holder_name
                        .clone()
                        .or_else(|| p.holder.as_ref().map(|h| h.0.clone()))
                        .unwrap_or_else(|| "—".into()),
                ),
                (
                    "Certainty",
                    match (&p.certainty, p.probability(&map)) {
                        (Some(c), Some(prob)) => format!("{c} (p = {prob})"),
                        (Some(c), None) => c.clone(),
                        (None, _) => "—".into(),
                    },
                ),
                (
                    "Condition",
                    p.condition.clone().unwrap_or_else(|| "—".into()),
                ),
                ("Due", p.due.map_or_else(|| "—".into(), |d| d.to_string())),
                ("Document", p.document.clone()),
                ("Tagged by", tagged_by(&p.copies)),
            ];
            for (name, value) in pairs {
                ui.label(RichText::new(name).weak());
                ui.label(value);
                ui.end_row();
            }
        });
    if ui.button("Show in article").clicked() {
        app.commands.push(jump(&p));
    }
    ui.separator();
    ui.strong(format!("Status: {}", p.status.words()));
    if let Some(by) = &p.resolved_by {
        ui.label(
            RichText::new(format!(
                "by {by}{}",
                p.resolved_at
                    .map_or(String::new(), |d| format!(", settled {d}"))
            ))
            .weak(),
        );
        for e in &p.evidence {
            ui.label(RichText::new(format!("• {e}")).small());
        }
        if let Some(note) = &p.resolution_note {
            ui.label(RichText::new(note).italics());
        }
    }
    ui.separator();
    form_ui(app, ui, &p);
}

fn form_ui(app: &mut LectorApp, ui: &mut egui::Ui, p: &TrackedPrediction) {
    let today = app.tracking.today;
    let form = &mut app.tracking.predictions.form;
    let key = p.key();
    if form.for_key.as_ref() != Some(&key) {
        *form = ResolveForm {
            for_key: Some(key.clone()),
            // An open prediction's form has no outcome chosen: one shown chosen read as if it
            // were already resolved, and a click on "Record" recorded it.
            status: p.status.is_resolved().then_some(p.status),
            date: p.resolved_at.unwrap_or(today).to_string(),
            evidence: p.evidence.join("\n"),
            note: p.resolution_note.clone().unwrap_or_default(),
        };
    }
    ui.strong("Resolve");
    ui.label(
        RichText::new(
            "Saved in your own resolutions file; nobody's annotation file changes. Came true \
             means what the holder said came true (for \"kommer inte att\": that it did not \
             happen).",
        )
        .small()
        .weak(),
    );
    ui.horizontal_wrapped(|ui| {
        for status in ResolutionStatus::ALL {
            let text = status.words();
            ui.selectable_value(&mut form.status, Some(status), text);
        }
    });
    let date = egui::TextEdit::singleline(&mut form.date)
        .hint_text("YYYY-MM-DD")
        .id_salt("resolve-date");
    let label = ui.label("Date settled");
    ui.add(date).labelled_by(label.id);
    let parsed = crate::predict::parse_date(form.date.trim());
    if parsed.is_none() && !form.date.trim().is_empty() {
        ui.colored_label(super::theme::Theme::of(ui).error(), "not a date");
    }
    let label = ui.label("Evidence, one link or quote per line (never fetched)");
    ui.add(
        egui::TextEdit::multiline(&mut form.evidence)
            .desired_rows(3)
            .hint_text("https://… or “a quote”")
            .id_salt("resolve-evidence"),
    )
    .labelled_by(label.id);
    let label = ui.label("Note");
    ui.add(
        egui::TextEdit::multiline(&mut form.note)
            .desired_rows(2)
            .id_salt("resolve-note"),
    )
    .labelled_by(label.id);
    let ready = form.status.is_some() && (parsed.is_some() || form.date.trim().is_empty());
    if ui
        .add_enabled(ready, egui::Button::new("Record resolution"))
        .clicked()
        && let Some(status) = form.status
    {
        let record = new_record(key, status, parsed, &form.evidence, &form.note, &p.text);
        app.commands
            .push(Command::Track(TrackCommand::Resolve(Box::new(record))));
    }
}

/// "anna, erik; reviewed by olga": the annotators whose copies were matched into a
/// prediction, and apart from them the reviewer whose reviewed set counts (a reviewed set
/// is not a tagging of its own).
fn tagged_by(copies: &[crate::model::RecordKey]) -> String {
    use crate::model::review::reviewer_of;
    let mut taggers: Vec<&str> = Vec::new();
    let mut reviewers: Vec<&str> = Vec::new();
    for copy in copies {
        match reviewer_of(&copy.annotator) {
            Some(reviewer) => reviewers.push(reviewer),
            None => taggers.push(&copy.annotator),
        }
    }
    for names in [&mut taggers, &mut reviewers] {
        names.sort_unstable();
        names.dedup();
    }
    let mut text = taggers.join(", ");
    if !reviewers.is_empty() {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(&format!("reviewed by {}", reviewers.join(", ")));
    }
    text
}

#[cfg(test)]
mod tagged_by_tests {
    use crate::model::{AnnotationId, RecordKey};

    #[test]
    fn a_reviewer_is_named_as_such_not_as_a_tagger() {
        let key = |who: &str| RecordKey::new("d", who, AnnotationId("a".into()));
        let copies = [key("erik"), key("review.olga"), key("anna")];
        assert_eq!(super::tagged_by(&copies), "anna, erik; reviewed by olga");
        assert_eq!(super::tagged_by(&copies[..1]), "erik");
        assert_eq!(super::tagged_by(&copies[1..2]), "reviewed by olga");
    }
}
