//! A searchable entity picker: the project's entities (every annotator's registry, one's own
//! first), filtered as one types, and "New entity “…”" from what was typed. Used for an
//! annotation's entity link, the holder and source attributes, and "Tag all hits".

use std::sync::Arc;

use crate::model::{Entity, Project};

/// How many matching entities the list shows (type more to narrow it).
const SHOWN: usize = 200;

/// An entity of the project, and where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectEntity {
    /// The entity.
    pub entity: Entity,
    /// In the annotator's own registry (else a colleague's: choosing it copies it there,
    /// with the same id).
    pub mine: bool,
    /// Whose registry it was found in.
    pub owner: String,
}

impl ProjectEntity {
    /// Every entity of the project once (by id): the annotator's own first, then colleagues',
    /// each sorted by name.
    pub fn all(project: &Project, me: &str) -> Vec<Self> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out: Vec<Self> = Vec::new();
        let own = project.registry(me).map(|r| (me, r));
        let others = project
            .entities
            .iter()
            .filter(|(who, _)| *who != me)
            .map(|(who, r)| (who.as_str(), r));
        for (who, registry) in own.into_iter().chain(others) {
            let mut batch: Vec<Self> = registry
                .entities
                .iter()
                .filter(|e| seen.insert(e.id.clone()))
                .map(|e| Self {
                    entity: e.clone(),
                    mine: who == me,
                    owner: who.to_owned(),
                })
                .collect();
            batch.sort_by(|a, b| {
                a.entity
                    .name
                    .to_lowercase()
                    .cmp(&b.entity.name.to_lowercase())
            });
            out.extend(batch);
        }
        out
    }
}

/// The entities that match what was typed, found once per change of what was typed or of
/// the list (an `Arc` the caller keeps while the project stays as it is), not per frame.
#[derive(Clone)]
struct Found {
    needle: String,
    entities: Arc<Vec<ProjectEntity>>,
    /// Indices into `entities`.
    matching: Arc<Vec<u32>>,
    /// An entity has exactly the name typed.
    exact: bool,
}

fn filtered(
    ui: &egui::Ui,
    search_id: egui::Id,
    needle: &str,
    all: &Arc<Vec<ProjectEntity>>,
) -> Found {
    let memory = search_id.with("found");
    let memo: Option<Found> = ui.data_mut(|d| d.get_temp(memory));
    if let Some(found) = memo
        && found.needle == needle
        && Arc::ptr_eq(&found.entities, all)
    {
        return found;
    }
    let mut exact = false;
    let matching = all
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let name = e.entity.name.to_lowercase();
            exact |= !needle.is_empty() && name == needle;
            needle.is_empty() || name.contains(needle)
        })
        .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    let found = Found {
        needle: needle.to_owned(),
        entities: Arc::clone(all),
        matching: Arc::new(matching),
        exact,
    };
    ui.data_mut(|d| d.insert_temp(memory, found.clone()));
    found
}

/// What was picked.
#[derive(Clone, Debug, PartialEq)]
pub enum Picked {
    /// No entity.
    Clear,
    /// An existing entity.
    Entity(ProjectEntity),
    /// A new entity with this name.
    New(String),
}

/// The picker: a combo box showing `current` (a name) whose popup searches `entities`
/// (asked for only while it is open) and offers a new entity from what was typed, else from
/// `suggest`. `label` is the field's label, for screen readers.
pub fn entity_picker(
    ui: &mut egui::Ui,
    id_salt: &str,
    current: Option<&str>,
    entities: &dyn Fn() -> Arc<Vec<ProjectEntity>>,
    suggest: Option<&str>,
    label: egui::Id,
) -> Option<Picked> {
    let search_id = ui.make_persistent_id(("entity-search", id_salt));
    let mut picked = None;
    let shown = current.unwrap_or("— not linked —");
    let width = ui.available_width().clamp(120.0, 320.0);
    let response = egui::ComboBox::from_id_salt(("entity-picker", id_salt))
        .selected_text(super::super::shorten(shown, 40))
        .width(width)
        .height(320.0)
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show_ui(ui, |ui| {
            let mut query: String = ui.data_mut(|d| d.get_temp(search_id)).unwrap_or_default();
            // Keyboard first: Down and Up move through the choices, Enter takes the one
            // highlighted (the first match once something is typed). Taken before the search
            // field sees them, which would lose its focus on Enter.
            // Only while the search field has the keys (or nothing has): another widget
            // that took the focus keeps its own Enter.
            let field_id = ui.make_persistent_id(("entity-search-field", id_salt));
            let field = egui::TextEdit::singleline(&mut query)
                .hint_text("type to search or name a new one")
                .id(field_id);
            let ours = ui.memory(|m| m.focused()).is_none_or(|f| f == field_id);
            let (down, up, enter) = if ours {
                ui.input_mut(|i| {
                    (
                        i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                        i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                        i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
                    )
                })
            } else {
                (false, false, false)
            };
            let search_label = ui.label("Search entities");
            let edit = ui.add(field).labelled_by(search_label.id);
            if ui.memory(|m| m.focused().is_none()) {
                edit.request_focus();
            }
            ui.data_mut(|d| d.insert_temp(search_id, query.clone()));
            let needle = query.trim().to_lowercase();
            let all = entities();
            let found = filtered(ui, search_id, &needle, &all);
            let exact = found.exact;
            let new_name = if needle.is_empty() {
                suggest.map(str::trim).filter(|s| !s.is_empty())
            } else {
                Some(query.trim())
            }
            .filter(|_| !exact);
            let matching: Vec<&ProjectEntity> = found
                .matching
                .iter()
                .filter_map(|&i| all.get(i as usize))
                .take(SHOWN)
                .collect();
            // The choices in the order shown: a new entity, none, the matches.
            let mut choices: Vec<Picked> = Vec::new();
            if let Some(name) = new_name {
                choices.push(Picked::New(name.to_owned()));
            }
            choices.push(Picked::Clear);
            let first_match = choices.len();
            choices.extend(matching.iter().map(|e| Picked::Entity((*e).clone())));
            let highlight_id = search_id.with("highlight");
            // Which choice is highlighted, for the query it was moved on.
            let moved: Option<(String, usize)> = ui.data_mut(|d| d.get_temp(highlight_id));
            let mut highlight = moved.filter(|(q, _)| *q == query).map(|(_, i)| i);
            if highlight.is_none() && !needle.is_empty() {
                highlight = Some(if matching.is_empty() { 0 } else { first_match });
            }
            let last = choices.len().saturating_sub(1);
            if down {
                highlight = Some(highlight.map_or(0, |i| (i + 1).min(last)));
            }
            if up {
                highlight = Some(highlight.map_or(0, |i| i.saturating_sub(1)));
            }
            if down || up {
                ui.data_mut(|d| {
                    d.insert_temp(highlight_id, (query.clone(), highlight.unwrap_or(0)))
                });
            }
            if down || up || edit.changed() {
                // A highlight shows from the frame after it is set.
                ui.ctx().request_repaint();
            }
            if enter {
                match highlight.and_then(|i| choices.get(i)) {
                    Some(choice) => picked = Some(choice.clone()),
                    // Nothing typed or moved to: Enter leaves the link as it is.
                    None => ui.close(),
                }
            }
            for (i, choice) in choices.iter().enumerate() {
                let response = match choice {
                    Picked::New(name) => ui
                        .button(format!("New entity “{}”", super::super::shorten(name, 40)))
                        .on_hover_text("Make a canonical entity with this name and link it"),
                    Picked::Clear => ui.selectable_label(current.is_none(), "— not linked —"),
                    Picked::Entity(e) => {
                        let text = if e.mine {
                            e.entity.name.clone()
                        } else {
                            format!("{} ({})", e.entity.name, e.owner)
                        };
                        ui.selectable_label(current == Some(e.entity.name.as_str()), text)
                            .on_hover_text(format!("{} · {}", e.entity.label, e.entity.id))
                    }
                };
                if highlight == Some(i) {
                    let response = response.clone().highlight();
                    if down || up {
                        response.scroll_to_me(None);
                    }
                }
                if response.clicked() {
                    picked = Some(choice.clone());
                }
            }
            if found.matching.len() > SHOWN {
                ui.label(format!(
                    "{} more: type to narrow",
                    found.matching.len() - SHOWN
                ));
            }
            if picked.is_some() {
                ui.data_mut(|d| {
                    d.remove::<String>(search_id);
                    d.remove::<(String, usize)>(highlight_id);
                });
                ui.close();
            }
        })
        .response;
    response.labelled_by(label);
    picked
}
