//! The dialog that starts a review: which annotators of the open document to compare.

use std::collections::BTreeSet;

use crate::model::Project;
use crate::model::review::review_set_name;
use crate::ui::command::Command;
use crate::ui::review::ReviewCommand;
use crate::ui::theme::Theme;

/// The picker's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPicker {
    /// The document's title.
    title: String,
    /// Where the reviewed version goes.
    reviewed_set: String,
    /// Everyone who annotated the document.
    pub candidates: Vec<String>,
    /// Who is compared.
    pub chosen: BTreeSet<String>,
}

impl ReviewPicker {
    /// The picker for a document. Chosen: those the reviewer's review of it under way
    /// compares, else everyone who annotated it but the reviewer (who may tick herself).
    pub fn new(project: &Project, document: &str, me: &str) -> Self {
        let candidates: Vec<String> = project
            .annotators()
            .into_iter()
            .filter(|a| crate::review::has_annotated(project.set(document, a)))
            .collect();
        let under_way: BTreeSet<String> = project
            .review(document, me)
            .map(|r| r.annotators().into_iter())
            .into_iter()
            .flatten()
            .filter(|a| candidates.contains(a))
            .collect();
        let others: BTreeSet<String> = candidates.iter().filter(|a| *a != me).cloned().collect();
        let chosen = if under_way.len() >= 2 {
            under_way
        } else if others.len() >= 2 {
            others
        } else {
            candidates.iter().cloned().collect()
        };
        Self {
            title: project
                .document(document)
                .map_or(document, |d| d.meta.title.as_str())
                .to_owned(),
            reviewed_set: review_set_name(me),
            chosen,
            candidates,
        }
    }

    /// How many annotators can be compared.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether nobody annotated the document.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }
}

/// The dialog. Returns the command it makes when confirmed, and whether it closes.
pub fn ui(ctx: &egui::Context, picker: &mut ReviewPicker) -> (Option<Command>, bool) {
    let mut start = false;
    let mut cancel = false;
    egui::Modal::new(egui::Id::unique("review-picker")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.heading("Review colleagues' labels");
        ui.add(
            egui::Label::new(format!(
                "Compare the annotators of “{}”; your reviewed version is saved as {}.",
                crate::ui::shorten(&picker.title, 60),
                picker.reviewed_set
            ))
            .wrap(),
        );
        if picker.candidates.len() < 2 {
            let theme = Theme::of(ui);
            ui.colored_label(
                theme.error(),
                "fewer than two annotators have annotated this document",
            );
        }
        for name in &picker.candidates {
            let mut on = picker.chosen.contains(name);
            if ui.checkbox(&mut on, name).changed() {
                if on {
                    picker.chosen.insert(name.clone());
                } else {
                    picker.chosen.remove(name);
                }
            }
        }
        if picker.candidates.len() >= 2 && picker.chosen.len() < 2 {
            ui.label(egui::RichText::new("Tick at least two annotators to compare").weak());
        }
        ui.horizontal(|ui| {
            let ready = picker.chosen.len() >= 2;
            // Enter starts it, unless a checkbox has the keyboard (Enter ticks it).
            let entered =
                ui.input(|i| i.key_pressed(egui::Key::Enter)) && super::keys_are_the_dialogs(ui);
            if ui
                .add_enabled(ready, egui::Button::new("Start review"))
                .on_hover_text("Enter")
                .clicked()
                || (ready && entered)
            {
                start = true;
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                cancel = true;
            }
        });
    });
    if start {
        let names = picker.chosen.iter().cloned().collect();
        (Some(Command::Review(ReviewCommand::Start(names))), true)
    } else {
        (None, cancel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, checked_fragments};

    #[test]
    fn the_reviewer_and_those_a_review_under_way_leaves_out_are_not_ticked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::ProjectStore::create(dir.path(), "P").unwrap();
        let d = store
            .add_text("d.txt", "D", "Putin möter Lukashenko.".to_owned())
            .unwrap();
        let mut project = store.project;
        let text = project.document(&d).unwrap().text.clone();
        for who in ["anna", "erik", "olga", "qa"] {
            let a = Annotation::new("Person", checked_fragments(&text, &[(0, 5)]).unwrap());
            project.set_mut(&d, who).insert(a);
        }
        let picker = ReviewPicker::new(&project, &d, "olga");
        assert_eq!(picker.candidates, ["anna", "erik", "olga", "qa"]);
        assert_eq!(
            picker.chosen.iter().collect::<Vec<_>>(),
            ["anna", "erik", "qa"],
            "not herself"
        );
        // Her review of anna and erik under way: those two again.
        let ids = |who: &str| project.set(&d, who).unwrap().annotations()[0].id.clone();
        let sources = [("anna", ids("anna")), ("erik", ids("erik"))]
            .into_iter()
            .collect();
        project
            .review_mut(&d, "olga")
            .upsert(crate::model::review::Decision {
                sources,
                start: crate::model::CharOffset(0),
                end: crate::model::CharOffset(5),
                kind: "agreed".into(),
                choice: crate::model::review::Choice::Agreed,
                result: Vec::new(),
                note: String::new(),
                at: jiff::Timestamp::UNIX_EPOCH,
            });
        let picker = ReviewPicker::new(&project, &d, "olga");
        assert_eq!(picker.chosen.iter().collect::<Vec<_>>(), ["anna", "erik"]);
    }
}
