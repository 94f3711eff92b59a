//! The search bar above the article (Ctrl+F): the query, the hits, and "Tag all hits" with
//! a label and the entity the mentions are of. It wraps onto a second line when narrow.

use super::super::command::{Command, ViewCommand};
use super::super::inspector::entity_picker::{Picked, ProjectEntity, entity_picker};
use super::super::messages::plural;
use super::super::search::Search;
use crate::model::{Entity, LabelKind, Project};

/// What the search bar shows besides its own state.
pub struct SearchBarInput<'a> {
    /// The project (labels, entities).
    pub project: &'a Project,
    /// Who annotates.
    pub me: &'a str,
}

/// The search bar.
pub fn ui(ui: &mut egui::Ui, input: &SearchBarInput<'_>, search: &mut Search) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Find");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut search.query)
                    .hint_text("text to find")
                    .desired_width(200.0),
            )
            .labelled_by(label.id);
        if search.focus {
            edit.request_focus();
            search.focus = false;
        }
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let back = ui.input(|i| i.modifiers.shift);
            out.push(ViewCommand::StepHit(!back).into());
            edit.request_focus();
        }
        if edit.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            out.push(ViewCommand::CloseSearch.into());
        }
        let n = search.hits.len();
        ui.label(match search.current {
            _ if search.is_searching() => "searching…".to_owned(),
            Some(c) if n > 0 => format!("{} of {n}", c + 1),
            _ if search.query.is_empty() => String::new(),
            _ => "no hits".to_owned(),
        });
        if ui
            .button("◀")
            .on_hover_text("Previous (Shift+Enter)")
            .clicked()
        {
            out.push(ViewCommand::StepHit(false).into());
        }
        if ui.button("▶").on_hover_text("Next (Enter)").clicked() {
            out.push(ViewCommand::StepHit(true).into());
        }
        if ui.button("✖").on_hover_text("Close (Escape)").clicked() {
            out.push(ViewCommand::CloseSearch.into());
        }
        ui.end_row();
        tag_all_ui(ui, input, search, n, &mut out);
    });
    ui.separator();
    out
}

/// "Tag all N hits as [label], linked to [entity]".
fn tag_all_ui(
    ui: &mut egui::Ui,
    input: &SearchBarInput<'_>,
    search: &mut Search,
    n: usize,
    out: &mut Vec<Command>,
) {
    let labels = &input.project.schema.labels;
    if input.project.schema.label(&search.label).is_none() {
        search.label = labels.first().map(|l| l.name.clone()).unwrap_or_default();
    }
    let label = ui.label("Tag as");
    egui::ComboBox::from_id_salt("tag-all-label")
        .selected_text(search.label.clone())
        .show_ui(ui, |ui| {
            for l in labels {
                if ui
                    .selectable_label(search.label == l.name, &l.name)
                    .clicked()
                {
                    search.label = l.name.clone();
                }
            }
        })
        .response
        .labelled_by(label.id)
        .accessible_name("Label for tagging all hits");
    let is_entity = input
        .project
        .schema
        .label(&search.label)
        .is_some_and(|l| l.kind == LabelKind::Entity);
    if is_entity {
        let label = ui.label("linked to");
        let project = input.project;
        let me = input.me;
        let picked = entity_picker(
            ui,
            "tag-all-entity",
            search.entity.as_ref().map(|e| e.name.as_str()),
            &|| std::sync::Arc::new(ProjectEntity::all(project, me)),
            Some(search.query.trim()),
            label.id,
        );
        match picked {
            Some(Picked::Clear) => search.entity = None,
            Some(Picked::Entity(e)) => search.entity = Some(e.entity),
            Some(Picked::New(name)) => {
                let id = project.registry(me).map_or_else(
                    || crate::model::EntityId::slug(&name),
                    |r| r.fresh_id(&name),
                );
                search.entity = Some(Entity {
                    id,
                    name,
                    label: search.label.clone(),
                    note: String::new(),
                });
            }
            None => {}
        }
    }
    if ui
        .add_enabled(
            n > 0,
            egui::Button::new(format!("Tag all {}", plural(n, "hit"))),
        )
        .clicked()
    {
        out.push(Command::TagAllHits {
            label: search.label.clone(),
            entity: search.entity.clone().filter(|_| is_entity),
        });
    }
}
