//! A dialog that asks for a path: typed or pasted (the fallback when the system has no file
//! dialog), with "Browse…" where it has one. Import also chooses its format here.

use std::path::PathBuf;

use super::file_dialog::{FileDialogs, browse_button_ui};
use crate::formats::Format;
use crate::ui::command::Command;

/// What a path is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPurpose {
    /// Open a project folder or an article.
    Open,
    /// Make a new project.
    New,
    /// Add articles (paths separated by newlines).
    Add,
    /// Where to make a project for this article.
    ProjectFor(PathBuf),
    /// Where to export, in which format (the export dialog's "Browse…").
    Export(Format),
    /// What to import, in which format.
    Import(Format),
}

/// The dialog's state.
#[derive(Debug, Clone)]
pub struct PathPrompt {
    /// What the path is for.
    pub purpose: PathPurpose,
    /// What the user typed.
    pub input: String,
}

/// The dialog. Returns the command it makes when confirmed, and whether it closes.
pub fn ui(
    ctx: &egui::Context,
    prompt: &mut PathPrompt,
    files: &mut FileDialogs,
) -> (Option<Command>, bool) {
    let (title, hint) = match prompt.purpose {
        PathPurpose::Open => (
            "Open project",
            "project folder, or an article to make a project for",
        ),
        PathPurpose::New => ("New project", "folder for the new project"),
        PathPurpose::Export(_) => ("Export", "file to write"),
        PathPurpose::Import(_) => (
            "Import annotations",
            "file to read (a folder for brat, xmi, label-studio); they become yours, one \
             undo step per document",
        ),
        PathPurpose::ProjectFor(_) => (
            "Where should the project for this article go?",
            "folder for the project; its parent is remembered for the next article",
        ),
        PathPurpose::Add => (
            "Add articles",
            "article files (.txt, .md, .html, .pdf, .docx), one per line",
        ),
    };
    let mut result = None;
    let mut cancel = false;
    egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading(title);
        if let PathPurpose::Import(format) = &mut prompt.purpose {
            ui.label("Format");
            ui.horizontal_wrapped(|ui| {
                for f in Format::ALL.into_iter().filter(|f| f.can_import()) {
                    ui.radio_value(format, f, f.name());
                }
            });
        }
        let label = ui.label("Path (type or paste it; files can also be dropped on the window)");
        let edit = if prompt.purpose == PathPurpose::Add {
            ui.add(
                egui::TextEdit::multiline(&mut prompt.input)
                    .hint_text(hint)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY)
                    .id_salt("path-input"),
            )
        } else {
            ui.add(
                egui::TextEdit::singleline(&mut prompt.input)
                    .hint_text(hint)
                    .desired_width(f32::INFINITY)
                    .id_salt("path-input"),
            )
        }
        .labelled_by(label.id);
        super::focus_once(ui, &edit);
        browse_button_ui(files, ui, &prompt.purpose, &prompt.input);
        ui.horizontal(|ui| {
            if ui.button("OK").clicked()
                || (prompt.purpose != PathPurpose::Add
                    && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            {
                result = Some(prompt.input.trim().to_owned());
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                cancel = true;
            }
        });
    });
    let Some(input) = result.filter(|s| !s.is_empty()) else {
        return (None, cancel);
    };
    let path = PathBuf::from(&input);
    let command = match prompt.purpose.clone() {
        PathPurpose::Open => Command::OpenPath(path),
        PathPurpose::New => Command::NewProject(path),
        PathPurpose::ProjectFor(article) => Command::ProjectFor { article, dir: path },
        PathPurpose::Import(format) => Command::Import { format, path },
        PathPurpose::Export(_) => return (None, true),
        PathPurpose::Add => Command::AddArticles(
            input
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(Into::into)
                .collect(),
        ),
    };
    (Some(command), true)
}
