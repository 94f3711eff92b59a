//! The inspector: the selected annotation's label, fragments, entity, attributes and note.

use std::collections::HashMap;

use crate::model::review::Choice;
use egui::{Color32, RichText};

use super::article::ArticleView;
use crate::session::Session;

use super::app::{Command, LectorApp};
use super::{color, shorten};
use crate::model::{Annotation, AttrType, AttrValue, Entity, LabelKind};
use crate::session::Edit;

fn changed(annotation: &Annotation, f: impl FnOnce(&mut Annotation)) -> Command {
    let mut a = annotation.clone();
    f(&mut a);
    a.modified = crate::model::annotation::now();
    Command::Edit(vec![Edit::Replace(a)])
}

/// What the inspector reads, borrowed field by field so that its text buffers can change.
struct Parts<'a> {
    session: &'a Session,
    view: &'a ArticleView,
    buffers: &'a mut HashMap<(String, String), String>,
}

pub fn inspector_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let LectorApp {
        session,
        view,
        selected,
        buffers,
        commands: out,
        tracking,
        ..
    } = app;
    let (Some(session), Some(view)) = (&*session, &*view) else {
        return;
    };
    let mut parts = Parts {
        session,
        view,
        buffers,
    };
    let Some(annotation) = selected.as_ref().and_then(|id| {
        session
            .store
            .project
            .set(&view.document, session.annotator())
            .and_then(|s| s.get(id))
    }) else {
        ui.strong("Inspector");
        ui.label(RichText::new("Select text and press a label's key (or Enter for the palette); click a highlight to inspect it. F1 lists every shortcut.").weak());
        return;
    };
    let project = &session.store.project;
    let schema = &project.schema;
    let text = view.text();
    let mut commands = Vec::new();
    let Some(label) = schema.label(&annotation.label) else {
        ui.colored_label(Color32::RED, format!("unknown label {}", annotation.label));
        return;
    };
    ui.horizontal(|ui| {
        ui.strong("Annotation");
        ui.label(RichText::new(&annotation.id.0).small().weak());
    });
    reviewer_notes_ui(
        ui,
        project,
        &view.document,
        session.annotator(),
        &annotation.id,
    );
    super::proposal::proposal_ui(ui, tracking, annotation, &mut commands);
    let key =
        crate::model::RecordKey::new(&view.document, session.annotator(), annotation.id.clone());
    super::tracking::outcome_ui(ui, tracking, &key, &mut commands);
    egui::Grid::new("inspector")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            let name = ui.label("Label");
            egui::ComboBox::from_id_salt("label")
                .selected_text(RichText::new(&label.name).color(color(label.color)))
                .show_ui(ui, |ui| {
                    for l in &schema.labels {
                        if ui
                            .selectable_label(
                                l.name == label.name,
                                RichText::new(&l.name).color(color(l.color)),
                            )
                            .clicked()
                            && l.name != label.name
                        {
                            commands.push(changed(annotation, |a| {
                                a.label = l.name.clone();
                                a.attributes.retain(|k, _| l.attribute(k).is_some());
                                if l.kind != LabelKind::Entity {
                                    a.entity = None;
                                }
                            }));
                        }
                    }
                })
                .response
                .labelled_by(name.id);
            ui.end_row();

            ui.label("Text");
            ui.vertical(|ui| {
                for (k, f) in annotation.fragments.iter().enumerate() {
                    ui.horizontal(|ui| {
                        ui.label(format!(
                            "“{}”",
                            shorten(text.slice(f.start, f.end).unwrap_or(""), 60)
                        ));
                        ui.label(
                            RichText::new(format!("{}–{}", f.start, f.end))
                                .small()
                                .weak(),
                        );
                        if annotation.fragments.len() > 1
                            && ui
                                .small_button("✖")
                                .on_hover_text("Remove this fragment")
                                .clicked()
                        {
                            commands.push(changed(annotation, |a| {
                                a.fragments.remove(k);
                            }));
                        }
                    });
                }
                let has_selection = !view.selection.is_empty();
                if ui
                    .add_enabled(
                        has_selection,
                        egui::Button::new("Add selection as fragment (+)"),
                    )
                    .clicked()
                {
                    commands.push(Command::AddFragment);
                }
            });
            ui.end_row();

            if label.kind == LabelKind::Entity {
                let name = ui.label("Entity");
                entity_ui(&parts, ui, annotation, &mut commands, name.id);
                ui.end_row();
            }
            for def in &label.attributes {
                let name = ui.label(&def.name).on_hover_text(&def.help);
                attribute_ui(&mut parts, ui, annotation, def, &mut commands, name.id);
                ui.end_row();
            }
            ui.label("Note");
            let key = (annotation.id.0.clone(), "note".to_owned());
            let buffer = parts
                .buffers
                .entry(key.clone())
                .or_insert_with(|| annotation.note.clone());
            let edit = ui.add(
                egui::TextEdit::multiline(buffer)
                    .desired_rows(2)
                    .hint_text("a note for colleagues"),
            );
            if edit.lost_focus() && *buffer != annotation.note {
                let note = buffer.clone();
                commands.push(changed(annotation, |a| a.note = note));
                parts.buffers.remove(&key);
            }
            ui.end_row();
        });
    ui.add_space(8.0);
    if ui
        .button(RichText::new("Delete (Del)").color(Color32::from_rgb(190, 40, 40)))
        .clicked()
    {
        commands.push(Command::DeleteSelected);
    }
    ui.label(
        RichText::new(format!(
            "created {} · modified {}",
            annotation.created, annotation.modified
        ))
        .small()
        .weak(),
    );
    out.extend(commands);
}

fn entity_ui(
    parts: &Parts<'_>,
    ui: &mut egui::Ui,
    annotation: &Annotation,
    commands: &mut Vec<Command>,
    name: egui::Id,
) {
    let session = parts.session;
    let project = &session.store.project;
    let own = project.registry(session.annotator());
    let current = annotation
        .entity
        .as_ref()
        .and_then(|id| own.and_then(|r| r.get(id)));
    ui.vertical(|ui| {
        egui::ComboBox::from_id_salt("entity")
            .selected_text(current.map_or("— not linked —".to_owned(), |e| e.name.clone()))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(current.is_none(), "— not linked —")
                    .clicked()
                {
                    commands.push(changed(annotation, |a| a.entity = None));
                }
                // Own entities first, then colleagues' (linking one copies it, same id).
                let mut seen = std::collections::BTreeSet::new();
                let registries = std::iter::once((session.annotator().to_owned(), own)).chain(
                    project
                        .entities
                        .iter()
                        .filter(|(a, _)| *a != session.annotator())
                        .map(|(a, r)| (a.clone(), Some(r))),
                );
                for (who, registry) in registries {
                    let Some(registry) = registry else { continue };
                    for e in &registry.entities {
                        if !seen.insert(e.id.clone()) {
                            continue;
                        }
                        let mine = who == session.annotator();
                        let text = if mine {
                            e.name.clone()
                        } else {
                            format!("{} ({who})", e.name)
                        };
                        if ui
                            .selectable_label(Some(&e.id) == annotation.entity.as_ref(), text)
                            .clicked()
                        {
                            let mut edits = Vec::new();
                            if !mine {
                                edits.push(Edit::UpsertEntity(e.clone()));
                            }
                            let mut a = annotation.clone();
                            a.entity = Some(e.id.clone());
                            a.modified = crate::model::annotation::now();
                            edits.push(Edit::Replace(a));
                            commands.push(Command::Edit(edits));
                        }
                    }
                }
            })
            .response
            .labelled_by(name);
        if current.is_none() {
            let name = annotation.covered_text(parts.view.text());
            if ui
                .button(format!("New entity “{}”", shorten(&name, 30)))
                .on_hover_text("Make a canonical entity from this mention and link it")
                .clicked()
            {
                let id = own.map_or_else(
                    || crate::model::EntityId::slug(&name),
                    |r| r.fresh_id(&name),
                );
                let entity = Entity {
                    id: id.clone(),
                    name,
                    label: annotation.label.clone(),
                    note: String::new(),
                };
                let mut a = annotation.clone();
                a.entity = Some(id);
                a.modified = crate::model::annotation::now();
                commands.push(Command::Edit(vec![
                    Edit::UpsertEntity(entity),
                    Edit::Replace(a),
                ]));
            }
        } else if let Some(e) = current {
            let mentions = project
                .sets
                .values()
                .filter(|s| s.annotator == session.annotator())
                .flat_map(|s| s.iter())
                .filter(|a| a.entity.as_ref() == Some(&e.id))
                .count();
            ui.label(
                RichText::new(format!("{mentions} mentions in the project"))
                    .small()
                    .weak(),
            );
        }
    });
}

fn attribute_ui(
    parts: &mut Parts<'_>,
    ui: &mut egui::Ui,
    annotation: &Annotation,
    def: &crate::model::AttributeDef,
    commands: &mut Vec<Command>,
    label_id: egui::Id,
) {
    let session = parts.session;
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
    match &def.ty {
        AttrType::Choice(values) => {
            let shown = current.map_or("—".to_owned(), ToString::to_string);
            egui::ComboBox::from_id_salt(("attr", &def.name))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(current.is_none(), "—").clicked() {
                        commands.push(set_value(None));
                    }
                    for v in values {
                        let is = matches!(current, Some(AttrValue::Choice(c)) if c == v);
                        if ui.selectable_label(is, v).clicked() && !is {
                            commands.push(set_value(Some(AttrValue::Choice(v.clone()))));
                        }
                    }
                })
                .response
                .labelled_by(label_id);
        }
        AttrType::Entity => {
            let registry = session.store.project.registry(session.annotator());
            let shown = match current {
                Some(AttrValue::Entity(id)) => registry
                    .and_then(|r| r.get(id))
                    .map_or(id.0.clone(), |e| e.name.clone()),
                _ => "—".to_owned(),
            };
            egui::ComboBox::from_id_salt(("attr", &def.name))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(current.is_none(), "—").clicked() {
                        commands.push(set_value(None));
                    }
                    for e in registry.map_or(&[][..], |r| &r.entities[..]) {
                        let is = matches!(current, Some(AttrValue::Entity(id)) if *id == e.id);
                        if ui.selectable_label(is, &e.name).clicked() && !is {
                            commands.push(set_value(Some(AttrValue::Entity(e.id.clone()))));
                        }
                    }
                })
                .response
                .labelled_by(label_id);
        }
        AttrType::Annotation => {
            let view = parts.view;
            let all = session
                .store
                .project
                .set(&view.document, session.annotator())
                .map_or(&[][..], |s| s.annotations());
            let others: Vec<&Annotation> = all
                .iter()
                .map(|a| &**a)
                .filter(|a| a.id != annotation.id)
                .collect();
            let describe = |a: &Annotation| {
                format!(
                    "{} · {}",
                    a.label,
                    shorten(&a.covered_text(view.text()), 40)
                )
            };
            let shown = match current {
                Some(AttrValue::Annotation(id)) => others
                    .iter()
                    .find(|a| &a.id == id)
                    .map_or(id.0.clone(), |a| describe(a)),
                _ => "—".to_owned(),
            };
            egui::ComboBox::from_id_salt(("attr", &def.name))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(current.is_none(), "—").clicked() {
                        commands.push(set_value(None));
                    }
                    for a in &others {
                        if ui
                            .selectable_label(
                                matches!(current, Some(AttrValue::Annotation(id)) if *id == a.id),
                                describe(a),
                            )
                            .clicked()
                        {
                            commands.push(set_value(Some(AttrValue::Annotation(a.id.clone()))));
                        }
                    }
                })
                .response
                .labelled_by(label_id);
        }
        AttrType::Text | AttrType::Date | AttrType::Number => {
            let key = (annotation.id.0.clone(), def.name.clone());
            let shown = current.map_or(String::new(), ToString::to_string);
            let buffer = parts
                .buffers
                .entry(key.clone())
                .or_insert_with(|| shown.clone());
            let hint = match def.ty {
                AttrType::Date if def.name == "due" => "a date, or “by the end of 2027”",
                AttrType::Date => "YYYY-MM-DD",
                AttrType::Number => "a number",
                _ => "",
            };
            let edit = ui
                .add(
                    egui::TextEdit::singleline(buffer)
                        .hint_text(hint)
                        .id_salt(("attr", &def.name)),
                )
                .labelled_by(label_id);
            // A prediction's due phrase is read before it is stored, and the reading shown.
            let (parsed, reading) = super::proposal::parse_typed(
                session,
                &parts.view.document,
                annotation,
                def,
                buffer,
            );
            if let Err(err) = &parsed {
                ui.colored_label(Color32::RED, err);
            } else if let Some(reading) = reading.filter(|_| *buffer != shown) {
                ui.label(RichText::new(reading).small());
            }
            if edit.lost_focus()
                && *buffer != shown
                && let Ok(value) = parsed
            {
                commands.push(set_value(value));
                parts.buffers.remove(&key);
            }
        }
    }
}

/// What reviewers said about this annotation: their comments on it, and the notes of the
/// decisions that compared it, with what they took.
fn reviewer_notes_ui(
    ui: &mut egui::Ui,
    project: &crate::model::Project,
    document: &str,
    annotator: &str,
    id: &crate::model::AnnotationId,
) {
    for ((doc, reviewer), review) in &project.reviews {
        if doc != document {
            continue;
        }
        if let Some(comment) = review.comment(annotator, id) {
            ui.label(
                RichText::new(format!("💬 {reviewer}: {}", comment.text))
                    .color(Color32::from_rgb(60, 110, 190)),
            );
        }
        for decision in review
            .decisions
            .values()
            .filter(|d| d.sources.get(annotator) == Some(id) && d.choice != Choice::Agreed)
        {
            let note = if decision.note.is_empty() {
                String::new()
            } else {
                format!(": {}", decision.note)
            };
            ui.label(
                RichText::new(format!(
                    "Review: {reviewer} {} ({}){note}",
                    decision.choice, decision.kind
                ))
                .color(Color32::from_rgb(60, 110, 190)),
            );
        }
    }
}
