//! The documents panel: the project's documents with everyone's progress, the open
//! document's status and publication date, colleagues' labels to show beside one's own, and
//! the problems found when the project was opened.

use egui::RichText;

use super::super::app::LectorApp;
use super::super::command::{Command, ViewCommand};
use super::super::shorten;
use super::super::theme::Theme;
use super::super::tracking::TrackCommand;
use crate::model::{Project, Status};
use crate::session::Edit;

/// What the documents panel shows.
pub struct DocumentsInput<'a> {
    /// The project (none open: `None`).
    pub project: Option<&'a Project>,
    /// Its folder.
    pub root: String,
    /// The open document.
    pub current: Option<&'a str>,
    /// Who annotates.
    pub me: &'a str,
    /// Colleagues who annotated the open document, how much, and whether each is shown.
    pub colleagues: Vec<(String, usize, bool)>,
    /// Problems found when the project was opened.
    pub problems: &'a [String],
    /// Open suggestions per document, where counted.
    pub suggestions: &'a super::super::suggestions::SuggestState,
}

impl<'a> DocumentsInput<'a> {
    /// What the app holds now.
    pub fn of(app: &'a LectorApp) -> Self {
        let session = app.session.as_ref();
        let current = app.document();
        let colleagues = match (session, current) {
            (Some(s), Some(doc)) => {
                super::super::colleagues::candidates(&s.store.project, doc, s.annotator())
                    .into_iter()
                    .map(|(who, n)| {
                        let shown = app.colleagues.is_shown(&who);
                        (who, n, shown)
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        Self {
            project: session.map(|s| &s.store.project),
            root: session.map_or_else(String::new, |s| s.store.root().display().to_string()),
            current,
            me: session.map_or("", |s| s.annotator()),
            colleagues,
            problems: &app.problems,
            suggestions: &app.suggestions,
        }
    }
}

fn status_icon(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "·",
        Status::InProgress => "•",
        Status::Done => "✔",
    }
}

/// The panel's contents.
pub fn ui(ui: &mut egui::Ui, input: &DocumentsInput<'_>) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(project) = input.project else {
        ui.label("No project open");
        return out;
    };
    ui.add(egui::Label::new(RichText::new(&project.name).heading()).wrap());
    ui.add(egui::Label::new(RichText::new(&input.root).small()).truncate());
    ui.separator();
    let reserve = 150.0 + 24.0 * input.colleagues.len() as f32;
    egui::ScrollArea::vertical()
        .id_salt("documents")
        .max_height((ui.available_height() - reserve).max(80.0))
        .auto_shrink([false, true])
        .show(ui, |ui| documents_list_ui(ui, input, project, &mut out));
    if let Some(doc) = input.current {
        ui.separator();
        current_ui(ui, input, project, doc, &mut out);
    }
    if !input.problems.is_empty() {
        ui.separator();
        let theme = Theme::of(ui);
        ui.collapsing(
            RichText::new(format!(
                "⚠ {}",
                super::super::messages::plural(input.problems.len(), "problem")
            ))
            .color(theme.error()),
            |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("problems")
                    .max_height(200.0)
                    .show(ui, |ui| {
                        for p in input.problems {
                            ui.add(egui::Label::new(RichText::new(p).small()).wrap());
                        }
                    });
            },
        );
    }
    out
}

fn documents_list_ui(
    ui: &mut egui::Ui,
    input: &DocumentsInput<'_>,
    project: &Project,
    out: &mut Vec<Command>,
) {
    let annotators = project.annotators();
    for doc in &project.documents {
        let mine = project
            .set(&doc.meta.id, input.me)
            .map_or(Status::NotStarted, |s| s.status);
        let selected = input.current == Some(doc.meta.id.as_str());
        let mut title = format!("{} {}", status_icon(mine), shorten(&doc.meta.title, 60));
        let open = input.suggestions.open_in(&doc.meta.id).unwrap_or(0);
        if open > 0 {
            title.push_str(&format!("  ({open} suggested)"));
        }
        if ui
            .selectable_label(selected, title)
            .on_hover_text(format!(
                "{}\nyou: {}\n{} open",
                doc.meta.source_file,
                mine.name(),
                super::super::messages::plural(open, "suggestion")
            ))
            .clicked()
        {
            out.push(Command::OpenDocument(doc.meta.id.clone()));
        }
        let others: Vec<String> = annotators
            .iter()
            .filter(|a| **a != input.me)
            .filter_map(|a| {
                project
                    .set(&doc.meta.id, a)
                    .map(|s| format!("{} {a}", status_icon(s.status)))
            })
            .collect();
        if !others.is_empty() {
            ui.add(egui::Label::new(RichText::new(others.join("  ")).small()).wrap());
        }
    }
}

/// The open document: my status, the publication date, colleagues' labels.
fn current_ui(
    ui: &mut egui::Ui,
    input: &DocumentsInput<'_>,
    project: &Project,
    doc: &str,
    out: &mut Vec<Command>,
) {
    let mine = project
        .set(doc, input.me)
        .map_or(Status::NotStarted, |s| s.status);
    ui.horizontal(|ui| {
        let label = ui.label("My status");
        egui::ComboBox::from_id_salt("status")
            .selected_text(mine.name())
            .show_ui(ui, |ui| {
                for status in [Status::NotStarted, Status::InProgress, Status::Done] {
                    if ui.selectable_label(mine == status, status.name()).clicked()
                        && mine != status
                    {
                        out.push(Command::Edit(vec![Edit::SetStatus(status)]));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    if let Some(meta) = project.document(doc).map(|d| &d.meta) {
        published_ui(ui, meta, out);
    }
    ui.add_space(4.0);
    ui.strong("Colleagues' labels");
    if input.colleagues.is_empty() {
        ui.add(
            egui::Label::new(RichText::new("No colleague has annotated this document.").small())
                .wrap(),
        );
    }
    for (who, n, shown) in &input.colleagues {
        let mut on = *shown;
        let text = format!(
            "{who} ({})",
            super::super::messages::plural(*n, "annotation")
        );
        if ui
            .checkbox(&mut on, text)
            .on_hover_text(format!(
                "Show {who}'s annotations beside yours, read-only (dotted lines above the text)"
            ))
            .changed()
        {
            out.push(
                ViewCommand::ShowColleague {
                    annotator: who.clone(),
                    shown: on,
                }
                .into(),
            );
        }
    }
}

/// The open document's publication date, editable; due phrases are read against it. What
/// is typed stays in egui's memory until it is a date.
fn published_ui(ui: &mut egui::Ui, meta: &crate::model::DocumentMeta, out: &mut Vec<Command>) {
    let shown = meta.published.map(|d| d.to_string()).unwrap_or_default();
    let id = egui::Id::unique(("published", &meta.id));
    let mut text = ui
        .data_mut(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| shown.clone());
    let label = ui
        .label("Published")
        .on_hover_text("Due phrases (\"by the end of the year\") are read against it");
    let edit = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .hint_text("a date")
                .desired_width(ui.available_width())
                .id_salt("published"),
        )
        .labelled_by(label.id);
    let parsed: Result<Option<jiff::civil::Date>, ()> = if text.trim().is_empty() {
        Ok(None)
    } else {
        crate::predict::parse_date(text.trim()).map(Some).ok_or(())
    };
    if parsed.is_err() {
        let theme = Theme::of(ui);
        ui.add(
            egui::Label::new(
                RichText::new("not a date: 2021-02-22, 22/02/2021, 22 februari 2021")
                    .color(theme.error()),
            )
            .wrap(),
        );
    }
    if edit.changed() {
        ui.data_mut(|d| d.insert_temp(id, text.clone()));
    }
    if edit.lost_focus() {
        match parsed {
            Ok(date) if text.trim() != shown => {
                out.push(Command::Track(TrackCommand::SetPublished {
                    document: meta.id.clone(),
                    date,
                }));
                ui.data_mut(|d| d.remove::<String>(id));
            }
            Ok(_) => ui.data_mut(|d| d.remove::<String>(id)),
            Err(()) => {}
        }
    }
}
