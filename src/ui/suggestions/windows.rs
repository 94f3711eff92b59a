//! The suggestions' windows: the count shown before accepting all of an entity, and
//! Suggestions → Counts per source… (per source: suggested, accepted, rejected, open).

use super::SuggestState;
use super::decide::SuggestCommand;
use crate::ui::command::Command;
use crate::ui::messages::plural;

/// Draws the open windows; returns what the user chose.
pub fn ui(ctx: &egui::Context, state: &SuggestState) -> Vec<Command> {
    let mut out = Vec::new();
    if let Some(plan) = &state.confirm {
        let n = plan.count();
        let place = if plan.project {
            format!(
                "in the project ({})",
                plural(plan.documents.len(), "document")
            )
        } else {
            "in this document".to_owned()
        };
        egui::Window::new("Accept all")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "{} of {} are open {place}.",
                    plural(n, "suggestion"),
                    plan.name
                ));
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(n > 0, egui::Button::new(format!("Accept {n}")))
                        .clicked()
                    {
                        out.push(Command::Suggest(SuggestCommand::ConfirmAcceptAll));
                    }
                    if ui.button("Cancel").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        out.push(Command::Suggest(SuggestCommand::CancelAcceptAll));
                    }
                });
            });
    }
    if state.window {
        let mut open = true;
        crate::ui::centred(egui::Window::new("Suggestions"), ctx)
            .open(&mut open)
            .default_size([420.0, 200.0])
            .show(ctx, |ui| sources_ui(ui, state));
        if !open {
            out.push(Command::Suggest(SuggestCommand::Window(false)));
        }
    }
    out
}

/// Per source: suggested, accepted, rejected, open, summed over annotators.
fn sources_ui(ui: &mut egui::Ui, state: &SuggestState) {
    ui.label("Per source, summed over the annotators, you included: whether a source helps.");
    if state.is_counting() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("counting…");
        });
    }
    if state.sources().is_empty() && !state.is_counting() {
        ui.label("No suggestions yet: link a mention to an entity, or import some.");
        return;
    }
    egui::Grid::new("suggestion-sources")
        .striped(true)
        .show(ui, |ui| {
            for h in ["source", "suggested", "accepted", "rejected", "open"] {
                ui.strong(h);
            }
            ui.end_row();
            for (source, c) in state.sources() {
                ui.label(source);
                for n in [c.suggested, c.accepted, c.rejected, c.open] {
                    ui.label(n.to_string());
                }
                ui.end_row();
            }
        });
}

/// The Suggestions menu: the keys, accepting all, and the counts per source.
pub fn menu_ui(ui: &mut egui::Ui, document: bool, out: &mut Vec<Command>) {
    let mut item = |ui: &mut egui::Ui, text: &str, keys: &str, command: SuggestCommand| {
        if ui
            .add_enabled(document, egui::Button::new(text).shortcut_text(keys))
            .clicked()
        {
            out.push(Command::Suggest(command));
        }
    };
    item(ui, "Next suggestion", "F8", SuggestCommand::Step(true));
    item(
        ui,
        "Previous suggestion",
        "Shift+F8",
        SuggestCommand::Step(false),
    );
    item(ui, "Accept", "Ctrl+Enter", SuggestCommand::Accept);
    item(ui, "Reject", "Ctrl+Delete", SuggestCommand::Reject);
    ui.separator();
    item(
        ui,
        "Accept all of this entity in the document…",
        "Ctrl+Shift+Enter",
        SuggestCommand::AskAcceptAll { project: false },
    );
    item(
        ui,
        "Accept all of this entity in the project…",
        "",
        SuggestCommand::AskAcceptAll { project: true },
    );
    ui.separator();
    if ui.button("Counts per source…").clicked() {
        out.push(Command::Suggest(SuggestCommand::Window(true)));
    }
}
