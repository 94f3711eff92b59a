//! The inspector's attribute fields: a choice, an entity (searchable), another annotation,
//! and typed text, dates and numbers. Dates take the forms people type (`31/12/2026`,
//! `12 mars 2027`, `March 12, 2027`, ISO); a prediction's `due` also takes a phrase ("by the
//! end of 2027"), read against the publication date and shown before it is stored. What is
//! typed stays in egui's memory until it is stored; an error shows under the field, wrapped.

use egui::RichText;

use super::cache::{PickerRow, describe};
use super::entity_picker::{Picked, entity_picker};
use super::{InspectorInput, changed};
use crate::model::{
    Annotation, AnnotationId, AttrType, AttrValue, AttributeDef, LabelKind, Project,
};
use crate::session::Edit;
use crate::ui::command::Command;
use crate::ui::shorten;
use crate::ui::theme::Theme;

/// One attribute's field, under its label.
pub fn attribute_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    def: &AttributeDef,
    label_id: egui::Id,
    out: &mut Vec<Command>,
) {
    let current = annotation.attributes.get(&def.name);
    let name = def.name.clone();
    let set_value = |value: Option<AttrValue>| {
        changed(annotation, |a| match value {
            Some(v) => {
                a.attributes.insert(name.clone(), v);
            }
            None => {
                a.attributes.remove(&name);
            }
        })
    };
    let width = ui.available_width();
    match &def.ty {
        AttrType::Choice(values) => {
            let shown = current.map_or("—".to_owned(), |v| {
                crate::model::schema::humanise(&v.to_string())
            });
            egui::ComboBox::from_id_salt(("attr", &def.name))
                .selected_text(shown)
                .width(width.min(260.0))
                .show_ui(ui, |ui| {
                    if ui.selectable_label(current.is_none(), "—").clicked() {
                        out.push(set_value(None));
                    }
                    for v in values {
                        let is = matches!(current, Some(AttrValue::Choice(c)) if c == v);
                        // In words, as the closed box shows the choice.
                        let words = crate::model::schema::humanise(v);
                        if ui.selectable_label(is, words).clicked() && !is {
                            out.push(set_value(Some(AttrValue::Choice(v.clone()))));
                        }
                    }
                })
                .response
                .labelled_by(label_id);
        }
        AttrType::Entity => {
            let project = input.project;
            let me = input.me;
            let shown = match current {
                Some(AttrValue::Entity(id)) => Some(entity_name(project, me, id)),
                _ => None,
            };
            let picked = entity_picker(
                ui,
                &format!("attr-{}", def.name),
                shown.as_deref(),
                &|| input.cache.entities(project, me),
                None,
                label_id,
            );
            match picked {
                Some(Picked::Clear) => out.push(set_value(None)),
                Some(Picked::Entity(e)) => {
                    let mut edits = Vec::new();
                    if !e.mine {
                        edits.push(Edit::UpsertEntity(Box::new(e.entity.clone())));
                    }
                    let mut a = annotation.clone();
                    a.attributes
                        .insert(def.name.clone(), AttrValue::Entity(e.entity.id.clone()));
                    a.modified = crate::model::annotation::now();
                    edits.push(Edit::replace(a));
                    out.push(Command::Edit(edits));
                }
                Some(Picked::New(name)) => {
                    let entity = new_entity(project, me, &name, default_entity_label(project));
                    let mut a = annotation.clone();
                    a.attributes
                        .insert(def.name.clone(), AttrValue::Entity(entity.id.clone()));
                    a.modified = crate::model::annotation::now();
                    out.push(Command::Edit(vec![
                        Edit::UpsertEntity(Box::new(entity)),
                        Edit::replace(a),
                    ]));
                }
                None => {}
            }
        }
        AttrType::Annotation => annotation_field_ui(ui, input, annotation, def, label_id, out),
        AttrType::Text | AttrType::Date | AttrType::Number => {
            typed_field_ui(ui, input, annotation, def, label_id, out);
        }
    }
}

/// An entity's name, from the annotator's registry or a colleague's, else its id.
pub fn entity_name(project: &Project, me: &str, id: &crate::model::EntityId) -> String {
    std::iter::once(me.to_owned())
        .chain(project.entities.keys().cloned())
        .find_map(|who| project.registry(&who)?.get(id).map(|e| e.name.clone()))
        .unwrap_or_else(|| id.0.clone())
}

/// A new entity in the annotator's registry (an id made from the name).
pub fn new_entity(project: &Project, me: &str, name: &str, label: String) -> crate::model::Entity {
    let id = project
        .registry(me)
        .map_or_else(|| crate::model::EntityId::slug(name), |r| r.fresh_id(name));
    crate::model::Entity {
        id,
        name: name.to_owned(),
        label,
        note: String::new(),
    }
}

/// The label a holder or source made from a typed name gets: Person, else the first entity
/// label.
fn default_entity_label(project: &Project) -> String {
    let labels = &project.schema.labels;
    labels
        .iter()
        .find(|l| l.kind == LabelKind::Entity && l.name == "Person")
        .or_else(|| labels.iter().find(|l| l.kind == LabelKind::Entity))
        .map_or_else(|| "Person".to_owned(), |l| l.name.clone())
}

/// The height of one row of the annotation picker.
const PICKER_ROW: f32 = 18.0;

/// What the annotation picker filtered last: the query, the rows it filtered (kept alive, so
/// that a new list is never mistaken for it) and the indices of those that matched.
#[derive(Clone)]
struct PickerFilter {
    query: String,
    rows: std::sync::Arc<Vec<PickerRow>>,
    matching: std::sync::Arc<Vec<u32>>,
}

/// Another annotation of the document, chosen from a list that filters as one types and
/// lays out only the rows on screen (`ScrollArea::show_rows`): a document of 100k
/// annotations opens it as fast as one of ten.
fn annotation_field_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    def: &AttributeDef,
    label_id: egui::Id,
    out: &mut Vec<Command>,
) {
    let current = match annotation.attributes.get(&def.name) {
        Some(AttrValue::Annotation(id)) => Some(id),
        _ => None,
    };
    let set = input.project.set(input.document, input.me);
    let shown = current.map_or_else(
        || "—".to_owned(),
        |id| {
            set.and_then(|s| s.get(id))
                .map_or_else(|| id.0.to_string(), |a| describe(a, input.text))
        },
    );
    let search_id = ui.make_persistent_id(("annotation-search", &def.name));
    let filter_id = ui.make_persistent_id(("annotation-filter", &def.name));
    egui::ComboBox::from_id_salt(("attr", &def.name))
        .selected_text(shorten(&shown, 40))
        .width(ui.available_width().min(300.0))
        .height(360.0)
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show_ui(ui, |ui| {
            let mut query: String = ui.data_mut(|d| d.get_temp(search_id)).unwrap_or_default();
            let search_label = ui.label("Search annotations");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut query)
                        .hint_text("type a label or words of the text")
                        .id_salt(("annotation-search-field", &def.name)),
                )
                .labelled_by(search_label.id);
            if ui.memory(|m| m.focused().is_none()) {
                edit.request_focus();
            }
            ui.data_mut(|d| d.insert_temp(search_id, query.clone()));
            let mut picked: Option<Option<AnnotationId>> = None;
            if ui.selectable_label(current.is_none(), "—").clicked() && current.is_some() {
                picked = Some(None);
            }
            let rows = input
                .cache
                .picker_rows(set.map(|s| s.annotations()).unwrap_or_default(), input.text);
            // Filtered once per change of the query or the list, not per frame.
            let needle = query.trim().to_lowercase();
            let memo: Option<PickerFilter> = ui.data_mut(|d| d.get_temp(filter_id));
            let matching = match memo {
                Some(m) if m.query == needle && std::sync::Arc::ptr_eq(&m.rows, &rows) => {
                    m.matching
                }
                _ => {
                    let matching: std::sync::Arc<Vec<u32>> = std::sync::Arc::new(
                        rows.iter()
                            .enumerate()
                            .filter(|(_, r)| r.id != annotation.id && r.lower.contains(&needle))
                            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                            .collect(),
                    );
                    let memo = PickerFilter {
                        query: needle,
                        rows: std::sync::Arc::clone(&rows),
                        matching: std::sync::Arc::clone(&matching),
                    };
                    ui.data_mut(|d| d.insert_temp(filter_id, memo));
                    matching
                }
            };
            if matching.is_empty() {
                ui.label("No annotation matches");
            }
            egui::ScrollArea::vertical()
                .id_salt(("annotation-rows", &def.name))
                .max_height(280.0)
                .auto_shrink([false, true])
                .show_rows(ui, PICKER_ROW, matching.len(), |ui, range| {
                    for &i in matching.get(range).unwrap_or(&[]) {
                        let Some(row) = rows.get(i as usize) else {
                            continue;
                        };
                        let is = current == Some(&row.id);
                        let button = egui::Button::selectable(is, row.text.as_str()).truncate();
                        if ui
                            .add_sized([ui.available_width(), PICKER_ROW], button)
                            .clicked()
                            && !is
                        {
                            picked = Some(Some(row.id.clone()));
                        }
                    }
                });
            if let Some(choice) = picked {
                out.push(changed(annotation, |a| match choice {
                    Some(id) => {
                        a.attributes
                            .insert(def.name.clone(), AttrValue::Annotation(id));
                    }
                    None => {
                        a.attributes.remove(&def.name);
                    }
                }));
                ui.data_mut(|d| d.remove::<String>(search_id));
                ui.close();
            }
        })
        .response
        .labelled_by(label_id);
}

fn typed_field_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    def: &AttributeDef,
    label_id: egui::Id,
    out: &mut Vec<Command>,
) {
    let current = annotation.attributes.get(&def.name);
    let shown = current.map_or(String::new(), ToString::to_string);
    let memory = egui::Id::unique(("attr-buffer", &annotation.id.0, &def.name));
    let mut text: String = ui
        .data_mut(|d| d.get_temp(memory))
        .unwrap_or_else(|| shown.clone());
    let hint = match def.ty {
        AttrType::Date if is_due(input.project, annotation, def) => {
            "a date, or “by the end of 2027”"
        }
        AttrType::Date => "a date: 2026-12-31, 31/12/2026, 12 mars 2027",
        AttrType::Number => "a number",
        _ => "",
    };
    let edit = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .hint_text(hint)
                .desired_width(ui.available_width())
                .id_salt(("attr", &def.name)),
        )
        .labelled_by(label_id);
    if edit.changed() {
        ui.data_mut(|d| d.insert_temp(memory, text.clone()));
    }
    let (parsed, reading) = parse_typed(input.project, input.document, annotation, def, &text);
    let theme = Theme::of(ui);
    if let Err(err) = &parsed {
        ui.add(egui::Label::new(RichText::new(err).color(theme.error())).wrap());
    } else if let Some(reading) = reading.filter(|_| text != shown) {
        ui.add(egui::Label::new(RichText::new(reading).small()).wrap());
    }
    // Free text is taken in on a pause in typing too; a date or a number only when the
    // field is left, once it is whole.
    if crate::ui::typing::take_in(ui, &edit, def.ty == AttrType::Text) {
        match parsed {
            Ok(value) => {
                if value.as_ref() != current {
                    let name = def.name.clone();
                    out.push(changed(annotation, |a| match value {
                        Some(v) => {
                            a.attributes.insert(name, v);
                        }
                        None => {
                            a.attributes.remove(&name);
                        }
                    }));
                }
                // While the field keeps focus, what is typed stays as typed (a space at
                // its end is the start of the next word).
                if edit.lost_focus() {
                    ui.data_mut(|d| d.remove::<String>(memory));
                }
            }
            // Kept, with its error, until it is fixed or emptied. Enter keeps the field's
            // focus: the letters typed next to fix it would otherwise go to the article as
            // label keys.
            Err(_) => {
                ui.data_mut(|d| d.insert_temp(memory, text.clone()));
                if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    edit.request_focus();
                }
            }
        }
    }
}

/// Whether an attribute is a Prediction's `due`, which takes phrases.
fn is_due(project: &Project, annotation: &Annotation, def: &AttributeDef) -> bool {
    def.name == "due"
        && matches!(def.ty, AttrType::Date)
        && project
            .schema
            .label(&annotation.label)
            .is_some_and(|l| l.kind == LabelKind::Prediction)
}

/// Reads what was typed in a field of type text, date or number. Dates take the forms
/// [`crate::predict::parse_date`] reads; a Prediction's `due` also takes a phrase, read
/// against the document's publication date: the second value is how it was read, to show
/// before it is stored.
pub fn parse_typed(
    project: &Project,
    document: &str,
    annotation: &Annotation,
    def: &AttributeDef,
    input: &str,
) -> (Result<Option<AttrValue>, String>, Option<String>) {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return (Ok(None), None);
    }
    if !matches!(def.ty, AttrType::Date) {
        return (
            crate::model::validate::parse_value(&def.ty, trimmed, None).map(Some),
            None,
        );
    }
    if let Some(date) = crate::predict::parse_date(trimmed) {
        let reading = (date.to_string() != trimmed).then(|| format!("read as {date}"));
        return (Ok(Some(AttrValue::Date(date))), reading);
    }
    let anchor = project.document(document).map(|d| d.meta.anchor_date());
    match (is_due(project, annotation, def), anchor) {
        // Shown with the fonts every machine has: no arrows.
        (true, Some(anchor)) => match crate::predict::read_due(trimmed, anchor) {
            Ok(reading) => (
                Ok(Some(AttrValue::Date(reading.date))),
                Some(format!(
                    "read as {} ({})",
                    reading.date,
                    reading.explanation.replace(" → ", ": ")
                )),
            ),
            Err(err) => (Err(err.to_string()), None),
        },
        _ => (
            Err(format!(
                "“{trimmed}” is not a date: type 2026-12-31, 31/12/2026, 12 mars 2027 or \
                 March 12, 2027"
            )),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Schema, checked_fragments};

    fn prediction() -> (Project, String, Annotation) {
        let mut project = Project::new("t", Schema::news_default());
        let text = crate::model::DocText::new("Han vinner valet.").unwrap();
        let id = "d".to_owned();
        project.documents.push(crate::model::Document {
            meta: crate::model::DocumentMeta {
                id: id.clone(),
                title: "D".into(),
                source_file: "d.txt".into(),
                sha256: String::new(),
                added: crate::model::annotation::now(),
                published: Some("2021-02-22".parse().unwrap()),
                source_url: None,
                fetched: None,
            },
            text: text.clone(),
        });
        let a = Annotation::new("Prediction", checked_fragments(&text, &[(0, 16)]).unwrap());
        (project, id, a)
    }

    #[test]
    fn dates_take_the_forms_people_type() {
        let (project, doc, a) = prediction();
        let label = project.schema.label("Prediction").unwrap();
        let due = label.attribute("due").unwrap();
        let date = |s: &str| match parse_typed(&project, &doc, &a, due, s).0 {
            Ok(Some(AttrValue::Date(d))) => d.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(date("2026-12-31"), "2026-12-31");
        assert_eq!(date("31/12/2026"), "2026-12-31");
        assert_eq!(date("12 mars 2027"), "2027-03-12");
        assert_eq!(date("March 12, 2027"), "2027-03-12");
        assert_eq!(date("före årets slut"), "2021-12-31");
        assert!(
            parse_typed(&project, &doc, &a, due, "31/13/2026")
                .0
                .is_err()
        );
    }
}
