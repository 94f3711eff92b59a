//! The label palette next to the selection (Enter): type to filter, arrows and Enter to
//! choose, Escape to close.

use egui::{Align2, RichText};

use super::super::command::{Command, ViewCommand};
use super::super::theme::Theme;
use crate::model::Label;

/// The palette's state.
#[derive(Debug, Default)]
pub struct Palette {
    /// Type to filter.
    pub filter: String,
    /// Highlighted row.
    pub highlighted: usize,
}

/// The palette at `anchor` (the selection's end).
pub fn ui(
    ctx: &egui::Context,
    anchor: Option<egui::Pos2>,
    labels: &[Label],
    palette: &mut Palette,
) -> Vec<Command> {
    let filter = palette.filter.to_lowercase();
    let matching: Vec<&Label> = labels
        .iter()
        .filter(|l| l.name.to_lowercase().contains(&filter))
        .collect();
    let mut out = Vec::new();
    egui::Area::new(egui::Id::unique("palette"))
        .order(egui::Order::Foreground)
        .fixed_pos(anchor.unwrap_or(egui::pos2(300.0, 200.0)))
        .pivot(Align2::LEFT_TOP)
        .constrain(true)
        .show(ctx, |ui| {
            let theme = Theme::of(ui);
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_min_width(220.0);
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut palette.filter)
                        .hint_text("label…")
                        .id_salt("palette-filter"),
                );
                super::super::dialogs::focus_once(ui, &edit);
                ui.input(|i| {
                    if i.key_pressed(egui::Key::ArrowDown) {
                        palette.highlighted += 1;
                    }
                    if i.key_pressed(egui::Key::ArrowUp) {
                        palette.highlighted = palette.highlighted.saturating_sub(1);
                    }
                    if i.key_pressed(egui::Key::Escape) {
                        out.push(ViewCommand::Palette(false).into());
                    }
                });
                palette.highlighted = palette.highlighted.min(matching.len().saturating_sub(1));
                if ui.input(|i| i.key_pressed(egui::Key::Enter))
                    && let Some(l) = matching.get(palette.highlighted)
                {
                    out.push(Command::TagSelection(l.name.clone()));
                }
                for (k, l) in matching.iter().enumerate() {
                    let key = l.hotkey.map(|h| format!("  [{h}]")).unwrap_or_default();
                    let text = RichText::new(format!("• {}{key}", l.name))
                        .color(theme.label_text(l.color));
                    if ui
                        .selectable_label(k == palette.highlighted, text)
                        .on_hover_text(&l.help)
                        .clicked()
                    {
                        out.push(Command::TagSelection(l.name.clone()));
                    }
                }
            });
        });
    out
}
