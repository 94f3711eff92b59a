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
pub fn ui(
    ui: &mut egui::Ui,
    input: &DocumentsInput<'_>,
    filter: &mut DocumentFilter,
) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(project) = input.project else {
        ui.label("No project open");
        return out;
    };
    ui.add(egui::Label::new(RichText::new(&project.name).heading()).wrap());
    ui.add(egui::Label::new(RichText::new(&input.root).small()).truncate());
    ui.separator();
    let reserve = 150.0 + 24.0 * input.colleagues.len() as f32;
    let max_height = (ui.available_height() - reserve).max(80.0);
    documents_list_ui(ui, input, project, filter, max_height, &mut out);
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

/// The document list's filter: a query matched against every document's title, file name
/// and text (any case), searched again only when the query or the documents change.
#[derive(Debug, Default)]
pub struct DocumentFilter {
    /// What the user typed.
    pub query: String,
    matches: Vec<crate::model::find::DocumentMatch>,
    /// (query, documents, bytes of text) the matches are for.
    key: Option<(String, usize, usize)>,
}

impl DocumentFilter {
    /// The documents to list (indices into the project's documents) and each one's hits in
    /// its text; all of them while the query is empty.
    fn refresh(&mut self, project: &Project) -> Option<&[crate::model::find::DocumentMatch]> {
        if self.query.trim().is_empty() {
            self.key = None;
            self.matches.clear();
            return None;
        }
        let bytes = project
            .documents
            .iter()
            .map(|d| d.text.as_str().len())
            .sum();
        let key = (self.query.clone(), project.documents.len(), bytes);
        if self.key.as_ref() != Some(&key) {
            self.matches = crate::model::find::find_in_project(project, &self.query);
            self.key = Some(key);
        }
        Some(&self.matches)
    }
}

/// The documents, filtered by the query; only the rows on screen are laid out (a project of
/// a thousand documents lists as fast as one of ten).
fn documents_list_ui(
    ui: &mut egui::Ui,
    input: &DocumentsInput<'_>,
    project: &Project,
    filter: &mut DocumentFilter,
    max_height: f32,
    out: &mut Vec<Command>,
) {
    let edit = ui
        .horizontal(|ui| {
            let clear = !filter.query.is_empty();
            let button = if clear { 26.0 } else { 0.0 };
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut filter.query)
                        .hint_text("find in titles and texts")
                        .desired_width(ui.available_width() - button),
                )
                .accessible_name("Find documents by title or text");
            if clear
                && ui
                    .small_button("×")
                    .on_hover_text("Clear: show every document")
                    .clicked()
            {
                filter.query.clear();
            }
            edit
        })
        .inner;
    // Escape clears the filter; Enter opens the first document found.
    let left_with = |key| edit.lost_focus() && ui.input(|i| i.key_pressed(key));
    if left_with(egui::Key::Escape) {
        filter.query.clear();
    }
    let open_first = left_with(egui::Key::Enter);
    let query = filter.query.trim().to_owned();
    let rows: Vec<(usize, usize)> = match filter.refresh(project) {
        Some(matches) => {
            let hits: usize = matches.iter().map(|m| m.hits).sum();
            ui.label(
                RichText::new(format!(
                    "{} of {} · {}",
                    matches.len(),
                    super::super::messages::plural(project.documents.len(), "document"),
                    super::super::messages::plural(hits, "hit")
                ))
                .small(),
            );
            matches.iter().map(|m| (m.index, m.hits)).collect()
        }
        None => (0..project.documents.len()).map(|i| (i, 0)).collect(),
    };
    if open_first
        && !query.is_empty()
        && let Some(document) = rows.first().and_then(|(i, _)| project.documents.get(*i))
    {
        out.push(Command::OpenDocument(document.meta.id.clone()));
    }
    // Every row has the same height, a second line for colleagues' progress when anyone
    // else annotates in the project.
    let others_anywhere = project
        .sets
        .keys()
        .any(|(_, a)| a != input.me && crate::model::review::reviewer_of(a).is_none());
    let spacing = ui.spacing().item_spacing.y;
    let small = ui.text_style_height(&egui::TextStyle::Small);
    let row_height = ui.spacing().interact_size.y
        + if others_anywhere {
            spacing + small
        } else {
            0.0
        };
    egui::ScrollArea::vertical()
        .id_salt("documents")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &(i, hits) in &rows[range] {
                let Some(doc) = project.documents.get(i) else {
                    continue;
                };
                ui.allocate_ui_with_layout(
                    egui::vec2(ui.available_width(), row_height),
                    egui::Layout::top_down(egui::Align::Min),
                    |ui| {
                        ui.set_min_height(row_height);
                        document_row_ui(ui, input, project, doc, hits, &query, out);
                    },
                );
            }
        });
}

/// One document: its title with my status, then colleagues' statuses.
fn document_row_ui(
    ui: &mut egui::Ui,
    input: &DocumentsInput<'_>,
    project: &Project,
    doc: &crate::model::Document,
    hits: usize,
    query: &str,
    out: &mut Vec<Command>,
) {
    let id = doc.meta.id.as_str();
    // The document's sets, from the project's map keyed by (document, annotator).
    let sets = project
        .sets
        .range((id.to_owned(), String::new())..)
        .take_while(|((d, _), _)| d == id);
    let mut mine = Status::NotStarted;
    let mut others = Vec::new();
    for ((_, annotator), set) in sets {
        if annotator == input.me {
            mine = set.status;
        } else if crate::model::review::reviewer_of(annotator).is_none() {
            others.push(format!("{} {annotator}", status_icon(set.status)));
        }
    }
    let selected = input.current == Some(id);
    let mut title = format!("{} {}", status_icon(mine), shorten(&doc.meta.title, 60));
    if hits > 0 {
        title.push_str(&format!(
            "  ({})",
            super::super::messages::plural(hits, "hit")
        ));
    }
    let open = input.suggestions.open_in(id).unwrap_or(0);
    if open > 0 {
        title.push_str(&format!("  ({open} suggested)"));
    }
    let response = ui
        .add(egui::Button::selectable(selected, title).truncate())
        .on_hover_text(format!(
            "{}\nyou: {}\n{} open",
            doc.meta.source_file,
            mine.name(),
            super::super::messages::plural(open, "suggestion")
        ));
    if response.clicked() {
        out.push(Command::OpenDocument(doc.meta.id.clone()));
        if hits > 0 {
            // Land on the hits: the search bar opens with the query, from the top.
            out.push(Command::View(ViewCommand::SearchFor(query.to_owned())));
        }
    }
    if !others.is_empty() {
        ui.add(egui::Label::new(RichText::new(others.join("  ")).small()).truncate());
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
    if crate::ui::typing::take_in(ui, &edit, false) {
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
