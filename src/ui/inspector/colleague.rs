//! A colleague's annotation in the inspector: everything it says, read-only, and a way to
//! copy it into one's own work. Nothing here can change the colleague's file.

use egui::RichText;

use super::{InspectorInput, wrapped};
use crate::model::{Annotation, AttrValue};
use crate::ui::command::{Command, ViewCommand};
use crate::ui::theme::Theme;

/// The read-only view.
pub fn ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotator: &str,
    annotation: &Annotation,
    out: &mut Vec<Command>,
) {
    let theme = Theme::of(ui);
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("{annotator}'s annotation"));
        ui.label(RichText::new("read-only").color(theme.muted()));
    });
    wrapped(
        ui,
        RichText::new(format!(
            "Shown beside yours; it stays {annotator}'s. Copy it to make it yours too."
        ))
        .small(),
    );
    let schema = &input.project.schema;
    let label = schema.label(&annotation.label);
    let color = label.map_or(theme.muted(), |l| theme.label_text(l.color));
    egui::Grid::new("colleague-annotation")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            ui.strong("Label");
            ui.label(RichText::new(annotation.label.as_str()).color(color));
            ui.end_row();
            ui.strong("Text");
            ui.add(
                egui::Label::new(format!(
                    "“{}”",
                    crate::ui::covered_preview(annotation, input.text, 120)
                ))
                .wrap(),
            );
            ui.end_row();
            if let Some(entity) = &annotation.entity {
                ui.strong("Entity");
                ui.label(super::fields::entity_name(input.project, annotator, entity));
                ui.end_row();
            }
            for (name, value) in &annotation.attributes {
                let shown_name = label.and_then(|l| l.attribute(name)).map_or_else(
                    || crate::model::schema::humanise(name),
                    |d| d.display_name(),
                );
                let shown = match value {
                    AttrValue::Entity(id) => {
                        super::fields::entity_name(input.project, annotator, id)
                    }
                    other => other.to_string(),
                };
                ui.strong(shown_name);
                ui.add(egui::Label::new(shown).wrap());
                ui.end_row();
            }
            if !annotation.note.is_empty() {
                ui.strong("Note");
                ui.add(egui::Label::new(&annotation.note).wrap());
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(input.read_only.is_none(), egui::Button::new("Copy to mine"))
            .on_hover_text("Add the same annotation to your own work")
            .clicked()
        {
            out.push(Command::CopyColleague {
                annotator: annotator.to_owned(),
                id: annotation.id.clone(),
            });
        }
        if ui.button(format!("Hide {annotator}'s labels")).clicked() {
            out.push(
                ViewCommand::ShowColleague {
                    annotator: annotator.to_owned(),
                    shown: false,
                }
                .into(),
            );
        }
    });
}
