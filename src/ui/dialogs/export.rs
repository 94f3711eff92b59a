//! The export dialog: every format at once, whose annotations and which documents (as
//! `lector export --annotator --document` chooses), and where, suggested outside the project
//! in the last export's folder.

use std::path::{Path, PathBuf};

use super::file_dialog::{FileDialogs, browse_button_ui};
use super::path_prompt::PathPurpose;
use crate::formats::Format;
use crate::model::Project;
use crate::ui::command::{Command, ExportRequest};
use crate::ui::theme::Theme;

/// The dialog's state.
#[derive(Debug, Clone)]
pub struct ExportForm {
    /// The format.
    pub format: Format,
    /// Every annotator (and reviewed set), and whether it is exported.
    pub annotators: Vec<(String, bool)>,
    /// Every document (id, title), and whether it is exported.
    pub documents: Vec<(String, String, bool)>,
    /// Where to write.
    pub path: String,
    /// The project's folder (exports must go elsewhere).
    root: PathBuf,
    /// The project's name, for file names.
    stem: String,
}

impl ExportForm {
    /// The dialog for a project: everyone's annotations of every document, as jsonl, in the
    /// last export's folder (else the folder the project is in).
    pub fn new(project: &Project, root: &Path, last_folder: Option<&Path>) -> Self {
        let mut annotators: Vec<String> = project.sets.keys().map(|(_, who)| who.clone()).collect();
        annotators.sort();
        annotators.dedup();
        let stem = crate::model::EntityId::slug(&project.name).0;
        let stem = if stem.is_empty() {
            "export".to_owned()
        } else {
            stem
        };
        let folder = last_folder
            .filter(|f| f.is_dir() && !f.starts_with(root))
            .map(Path::to_path_buf)
            .or_else(|| {
                std::path::absolute(root)
                    .ok()?
                    .parent()
                    .map(Path::to_path_buf)
            })
            .unwrap_or_default();
        let mut form = Self {
            format: Format::Jsonl,
            annotators: annotators.into_iter().map(|a| (a, true)).collect(),
            documents: project
                .documents
                .iter()
                .map(|d| (d.meta.id.clone(), d.meta.title.clone(), true))
                .collect(),
            path: String::new(),
            root: root.to_path_buf(),
            stem,
        };
        form.path = folder.join(form.file_name()).display().to_string();
        form
    }

    /// The file (or folder) name for the format and the choice of annotators.
    fn file_name(&self) -> String {
        let chosen: Vec<&str> = self
            .annotators
            .iter()
            .filter(|(_, on)| *on)
            .map(|(a, _)| a.as_str())
            .collect();
        let who = match chosen.as_slice() {
            [one] if self.annotators.len() > 1 => format!("-{one}"),
            _ => String::new(),
        };
        if self.format.is_folder() {
            format!("{}{who}-{}", self.stem, self.format.name())
        } else {
            format!("{}{who}.{}", self.stem, self.format.extension())
        }
    }

    /// Renames the file in the path after a change of format or annotators, keeping its
    /// folder.
    fn rename(&mut self) {
        let path = PathBuf::from(self.path.trim());
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.path = folder.join(self.file_name()).display().to_string();
    }

    /// What to export, or why not yet.
    pub fn request(&self) -> Result<ExportRequest, String> {
        let out = PathBuf::from(self.path.trim());
        if self.path.trim().is_empty() {
            return Err("name the file to write".to_owned());
        }
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if abs(&out).starts_with(abs(&self.root)) {
            return Err("that is inside the project: choose a place outside it".to_owned());
        }
        let pick = |all: usize, chosen: Vec<String>, what: &str| {
            if chosen.is_empty() {
                Err(format!("choose at least one {what}"))
            } else if chosen.len() == all {
                Ok(Vec::new())
            } else {
                Ok(chosen)
            }
        };
        let annotators = pick(
            self.annotators.len(),
            self.annotators
                .iter()
                .filter(|(_, on)| *on)
                .map(|(a, _)| a.clone())
                .collect(),
            "annotator",
        )?;
        let documents = pick(
            self.documents.len(),
            self.documents
                .iter()
                .filter(|(_, _, on)| *on)
                .map(|(d, _, _)| d.clone())
                .collect(),
            "document",
        )?;
        Ok(ExportRequest {
            format: self.format,
            out,
            annotators,
            documents,
        })
    }
}

/// The dialog. Returns the command it makes when confirmed, and whether it closes.
pub fn ui(
    ctx: &egui::Context,
    form: &mut ExportForm,
    files: &mut FileDialogs,
) -> (Option<Command>, bool) {
    let mut result = None;
    let mut close = false;
    egui::Modal::new(egui::Id::unique("export-dialog")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading("Export annotations");
        ui.label("Format");
        let before = form.format;
        egui::Grid::new("export-formats")
            .num_columns(4)
            .show(ui, |ui| {
                for (i, f) in Format::ALL.into_iter().enumerate() {
                    ui.radio_value(&mut form.format, f, f.name());
                    if i % 4 == 3 {
                        ui.end_row();
                    }
                }
            });
        if form.format != before {
            form.rename();
        }
        ui.separator();
        let mut renamed = false;
        ui.horizontal(|ui| {
            ui.strong("Annotators");
            if ui.small_button("all").clicked() {
                form.annotators.iter_mut().for_each(|a| a.1 = true);
                renamed = true;
            }
            if ui.small_button("none").clicked() {
                form.annotators.iter_mut().for_each(|a| a.1 = false);
            }
        });
        ui.horizontal_wrapped(|ui| {
            for (who, on) in &mut form.annotators {
                renamed |= ui.checkbox(on, who.as_str()).changed();
            }
        });
        if renamed {
            form.rename();
        }
        ui.horizontal(|ui| {
            ui.strong("Documents");
            if ui.small_button("all").clicked() {
                form.documents.iter_mut().for_each(|d| d.2 = true);
            }
            if ui.small_button("none").clicked() {
                form.documents.iter_mut().for_each(|d| d.2 = false);
            }
        });
        // Only the rows on screen are laid out: a thousand checkboxes took 8 ms a frame.
        let row_height = ui.spacing().interact_size.y;
        egui::ScrollArea::vertical()
            .id_salt("export-documents")
            .max_height(160.0)
            .show_rows(ui, row_height, form.documents.len(), |ui, range| {
                for (_, title, on) in form.documents.get_mut(range).unwrap_or_default() {
                    ui.checkbox(on, crate::ui::shorten(title, 70));
                }
            });
        ui.separator();
        let label = ui.label("File (a new folder for brat, xmi and label-studio)");
        ui.add(
            egui::TextEdit::singleline(&mut form.path)
                .desired_width(f32::INFINITY)
                .id_salt("export-path"),
        )
        .labelled_by(label.id);
        let path = form.path.clone();
        browse_button_ui(files, ui, &PathPurpose::Export(form.format), &path);
        let request = form.request();
        if let Err(why) = &request {
            let theme = Theme::of(ui);
            ui.add(egui::Label::new(egui::RichText::new(why).color(theme.error())).wrap());
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(request.is_ok(), egui::Button::new("Export"))
                .clicked()
                && let Ok(request) = request
            {
                result = Some(Command::Export(request));
                close = true;
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                close = true;
            }
        });
    });
    (result, close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_suggests_a_file_outside_the_project_named_after_the_choice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("talks");
        let store = crate::store::ProjectStore::create(&root, "Sotji talks").unwrap();
        let mut form = ExportForm::new(&store.project, &root, None);
        assert_eq!(
            PathBuf::from(&form.path),
            std::path::absolute(dir.path())
                .unwrap()
                .join("sotji-talks.jsonl")
        );
        form.format = Format::Brat;
        form.rename();
        assert!(form.path.ends_with("sotji-talks-brat"), "{}", form.path);
        form.path = root.join("out.jsonl").display().to_string();
        assert!(form.request().unwrap_err().contains("inside the project"));
    }
}
