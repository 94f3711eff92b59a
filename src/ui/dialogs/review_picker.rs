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
    /// The picker for a document, everyone who annotated it chosen.
    pub fn new(project: &Project, document: &str, me: &str) -> Self {
        let candidates: Vec<String> = project
            .annotators()
            .into_iter()
            .filter(|a| crate::review::has_annotated(project.set(document, a)))
            .collect();
        Self {
            title: project
                .document(document)
                .map_or(document, |d| d.meta.title.as_str())
                .to_owned(),
            reviewed_set: review_set_name(me),
            chosen: candidates.iter().cloned().collect(),
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
        ui.horizontal(|ui| {
            if ui
                .add_enabled(picker.chosen.len() >= 2, egui::Button::new("Start review"))
                .clicked()
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
