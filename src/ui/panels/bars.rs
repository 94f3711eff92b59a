//! Bars above the article that ask for a decision or offer a next step: a file of one's own
//! changed on disk and cannot be merged into; a text corrected after it was annotated; a
//! document one has not annotated yet that colleagues have.

use egui::RichText;

use super::super::command::{Command, ViewCommand};
use super::super::theme::Theme;

fn notice(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui, &Theme)) {
    let theme = Theme::of(ui);
    egui::Frame::new()
        .fill(theme.notice_fill())
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui, &theme);
        });
}

fn text(ui: &mut egui::Ui, theme: &Theme, text: impl Into<String>) {
    ui.add(egui::Label::new(RichText::new(text).color(theme.notice_text())).wrap());
}

/// The user's file for a document changed on disk and cannot be read to merge into.
pub fn conflict_ui(ui: &mut egui::Ui, doc: &str) -> Vec<Command> {
    let mut out = Vec::new();
    notice(ui, |ui, theme| {
        text(
            ui,
            theme,
            format!(
                "Your file for “{doc}” changed on disk (another Lector, a command, git, a \
                 sync client) and cannot be read (the status bar says where). Your version \
                 is kept here, with any unsaved changes, and not saved until you choose."
            ),
        );
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Reload from disk (drop my unsaved changes)")
                .clicked()
            {
                out.push(Command::ReloadFromDisk);
            }
            if ui.button("Keep mine (overwrite the file)").clicked() {
                out.push(Command::OverwriteDisk);
            }
        });
    });
    out
}

/// The user's own file for the open document was read with problems (git conflict markers,
/// a bad value, a file cut short), so it is read-only: says which file and the first problem,
/// rather than showing the document as not annotated yet.
pub fn own_file_ui(ui: &mut egui::Ui, file: &std::path::Path, problem: Option<&str>) {
    // `12:5: what` after the file's name: said as a place.
    let problem = problem.map(|p| {
        let mut parts = p.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(line), Some(column), Some(what))
                if line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok() =>
            {
                format!("at line {line}, column {column}:{what}")
            }
            _ => p.trim().to_owned(),
        }
    });
    notice(ui, |ui, theme| {
        text(
            ui,
            theme,
            format!(
                "Your file {} cannot be read whole, so it is read-only and shows only what \
                 could be read: {}. Nothing in it is changed. Mend it in an editor (or finish \
                 the git merge that left it so): Lector reads it again as soon as it changes.",
                file.display(),
                problem
                    .as_deref()
                    .unwrap_or("see the problems in the documents panel")
            ),
        );
    });
}

/// The project's own files (`project.ron`, a text) changed on disk and could not be read
/// again: the project stays as it was opened, and this says so while it lasts (a status
/// message alone was easy to miss while edits went on being saved).
pub fn reopen_failed_ui(ui: &mut egui::Ui, why: &str) {
    notice(ui, |ui, theme| {
        text(
            ui,
            theme,
            format!(
                "The project changed on disk and cannot be read again: {why}. It stays as it \
                 was opened here, and your annotations are saved as before; Lector reads it \
                 again as soon as the file is mended."
            ),
        );
    });
}

/// Above an article whose text was corrected after it was annotated: offers to place the
/// annotations again on the new text.
pub fn reanchor_ui(ui: &mut egui::Ui, doc: &str) -> Vec<Command> {
    let mut out = Vec::new();
    notice(ui, |ui, theme| {
        text(
            ui,
            theme,
            "This article's text was changed after it was annotated, so the annotations may \
             point at the wrong words; they are read-only until they are placed again on the \
             new text (by what they quote and the text around them; those that cannot be \
             placed are kept and listed).",
        );
        if ui.button("Re-anchor annotations to the new text").clicked() {
            out.push(Command::Reanchor(doc.to_owned()));
        }
    });
    out
}

/// A document the annotator has not tagged yet, which colleagues have: shows who, and offers
/// to show their labels beside one's own.
pub fn colleagues_hint_ui(ui: &mut egui::Ui, colleagues: &[(String, usize)]) -> Vec<Command> {
    let mut out = Vec::new();
    let names: Vec<&str> = colleagues.iter().map(|(w, _)| w.as_str()).collect();
    notice(ui, |ui, theme| {
        text(
            ui,
            theme,
            format!(
                "You have not annotated this article yet. {} {} labelled it: their labels can \
                 show beside yours, read-only (they stay theirs).",
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() =>
                        format!("{} and {last}", rest.join(", ")),
                    _ => names.join(""),
                },
                if names.len() == 1 { "has" } else { "have" }
            ),
        );
        ui.horizontal_wrapped(|ui| {
            for (who, _) in colleagues {
                if ui.button(format!("Show {who}'s labels")).clicked() {
                    out.push(
                        ViewCommand::ShowColleague {
                            annotator: who.clone(),
                            shown: true,
                        }
                        .into(),
                    );
                }
            }
        });
    });
    out
}
