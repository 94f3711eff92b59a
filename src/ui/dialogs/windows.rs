//! The windows beside the article: the keyboard shortcuts (F1) and the message log
//! (View → Messages).

use egui::{Align2, RichText};

use crate::ui::messages::Messages;
use crate::ui::theme::Theme;

/// Every shortcut, for the help window (F1).
pub const SHORTCUTS: &[(&str, &str)] = &[
    (
        "drag, double-click, Shift+click",
        "select text (snaps to words; View, Snap to words)",
    ),
    (
        "arrows, Ctrl+arrows, Home/End",
        "move the caret; with Shift, extend the selection",
    ),
    (
        "label hotkey",
        "tag the selection; on a selected annotation, change its label",
    ),
    (
        "Enter",
        "open the label palette next to the selection (type to filter)",
    ),
    (
        "+",
        "add the selection as a further fragment of the selected annotation",
    ),
    (
        "click a highlight",
        "select that annotation; click again for the one beneath",
    ),
    (
        "Tab / Shift+Tab",
        "next / previous annotation, in text order",
    ),
    ("Ctrl+Home / Ctrl+End", "start / end of the document"),
    (
        "F2 / F3",
        "open or collapse the documents / inspector panel",
    ),
    ("Delete", "delete the selected annotation"),
    (
        "Ctrl+Z / Ctrl+Shift+Z",
        "undo / redo (per document, every change)",
    ),
    ("Ctrl+F", "search; Enter / Shift+Enter for next / previous"),
    (
        "Ctrl+S",
        "save now (Lector also saves by itself after each change)",
    ),
    ("Ctrl+plus / Ctrl+minus / Ctrl+0", "zoom the whole window"),
    (
        "Alt+Down / Alt+Up",
        "review mode: next / previous disagreement",
    ),
    (
        "1-9, 0, =",
        "review mode: take that annotator's version, neither, all",
    ),
    (
        "F8 / Shift+F8",
        "next / previous suggestion (dashed outline)",
    ),
    (
        "Ctrl+Enter / Ctrl+Delete",
        "accept / reject the suggestion at the caret",
    ),
    (
        "Ctrl+Shift+Enter",
        "accept every suggestion of that entity in the document (asks first)",
    ),
    (
        "Ctrl+Shift+V",
        "paste the clipboard's text as a new article (outside text fields)",
    ),
    ("Escape", "clear the selection, close search or this help"),
    ("F1", "this help"),
];

/// The shortcuts window, with the project's label hotkeys. Returns whether it stays open.
pub fn shortcuts_ui(ctx: &egui::Context, labels: &[(char, String)]) -> bool {
    let mut open = true;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (keys, what) in SHORTCUTS {
                    ui.strong(*keys);
                    ui.label(*what);
                    ui.end_row();
                }
                for (key, label) in labels {
                    ui.strong(key.to_string());
                    ui.label(format!("tag as {label}"));
                    ui.end_row();
                }
            });
        });
    open
}

/// The message log: everything the status bar said this run, newest last. Returns whether it
/// stays open.
pub fn messages_ui(ctx: &egui::Context, messages: &Messages) -> bool {
    let mut open = true;
    crate::ui::centred(egui::Window::new("Messages"), ctx)
        .open(&mut open)
        .default_size([560.0, 320.0])
        .show(ctx, |ui| {
            let theme = Theme::of(ui);
            if messages.all().is_empty() {
                ui.label("Nothing said yet");
            }
            egui::ScrollArea::vertical()
                .id_salt("message-log")
                .stick_to_bottom(true)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    for m in messages.all() {
                        let text = RichText::new(&m.text);
                        let text = if m.error {
                            text.color(theme.error())
                        } else {
                            text
                        };
                        ui.horizontal_wrapped(|ui| {
                            ui.label(
                                RichText::new(format!("{:>7.1} s", messages.seconds(m)))
                                    .small()
                                    .color(theme.muted()),
                            );
                            ui.add(egui::Label::new(text).wrap());
                        });
                    }
                });
        });
    open
}
