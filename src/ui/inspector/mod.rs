//! The inspector: the selected annotation's label, fragments, entity, attributes and note,
//! one field under another (labels above fields, errors under them, all wrapped to the
//! panel's width). A colleague's annotation shows read-only ([`colleague`]).
//!
//! - [`fields`]: the attribute fields.
//! - [`entity_picker`]: the searchable entity picker.
//! - [`notes`]: what reviewers said, the certainty proposal, how a prediction stands.
//! - [`cache`]: what it derives from the whole project, once per change, not per frame.

pub mod cache;
mod colleague;
pub mod entity_picker;
pub mod fields;
mod notes;

use egui::RichText;

use super::app::LectorApp;
use super::command::Command;
use super::proposal::Proposal;
use super::selected::Selected;
use super::shorten;
use super::theme::Theme;
use crate::model::{Annotation, DocText, LabelKind, Project};
use crate::predict::Tracker;
use crate::session::Edit;
use entity_picker::{Picked, entity_picker};

/// A command that replaces an annotation with a changed copy.
pub fn changed(annotation: &Annotation, f: impl FnOnce(&mut Annotation)) -> Command {
    let mut a = annotation.clone();
    f(&mut a);
    a.modified = crate::model::annotation::now();
    Command::Edit(vec![Edit::replace(a)])
}

/// What the inspector shows.
pub struct InspectorInput<'a> {
    /// The project.
    pub project: &'a Project,
    /// The open document.
    pub document: &'a str,
    /// Its text.
    pub text: &'a DocText,
    /// Who annotates (the reviewed set's name in review mode).
    pub me: &'a str,
    /// What is selected.
    pub selected: Option<&'a Selected>,
    /// Whether text is selected (to add as a fragment).
    pub has_selection: bool,
    /// A certainty proposal waiting for the analyst.
    pub proposal: Option<&'a Proposal>,
    /// The project's predictions and claims as last counted.
    pub tracker: &'a Tracker,
    /// Why the annotator's file of this document cannot be written.
    pub read_only: Option<String>,
    /// What is derived from the whole project, kept between frames.
    pub cache: &'a cache::InspectorCache,
}

impl<'a> InspectorInput<'a> {
    /// What the app holds now; `None` without a document.
    pub fn of(app: &'a LectorApp) -> Option<Self> {
        let session = app.session.as_ref()?;
        let view = app.view.as_ref()?;
        Some(Self {
            project: &session.store.project,
            document: &view.document,
            text: view.text(),
            me: session.annotator(),
            selected: app.selected.as_ref(),
            has_selection: !view.selection.is_empty(),
            proposal: app.tracking.proposal.as_ref(),
            tracker: app.tracking.tracker(),
            read_only: session.read_only_reason(&view.document),
            cache: &app.inspector,
        })
    }
}

/// The inspector.
pub fn ui(ui: &mut egui::Ui, input: &InspectorInput<'_>) -> Vec<Command> {
    let mut out = Vec::new();
    let theme = Theme::of(ui);
    let Some(selected) = input.selected else {
        ui.strong("Inspector");
        wrapped(
            ui,
            RichText::new(
                "Select text and press a label's key (or Enter for the palette); click a \
                 highlight to inspect it; Tab steps through your annotations. F1 lists every \
                 shortcut.",
            ),
        );
        return out;
    };
    let Some(annotation) = selected.find(input.project, input.document, input.me) else {
        ui.strong("Inspector");
        wrapped(ui, RichText::new("The annotation is no longer there."));
        return out;
    };
    if let Selected::Colleague { annotator, .. } = selected {
        colleague::ui(ui, input, annotator, annotation, &mut out);
        return out;
    }
    ui.horizontal(|ui| {
        ui.strong("Annotation");
        ui.label(RichText::new(annotation.id.as_str()).small());
    });
    notes::reviewer_notes_ui(ui, input, annotation);
    if let Some(reason) = &input.read_only {
        wrapped(
            ui,
            RichText::new(format!("Read-only: {reason}")).color(theme.error()),
        );
    }
    ui.add_enabled_ui(input.read_only.is_none(), |ui| {
        notes::proposal_ui(ui, input.proposal, annotation, &mut out);
        notes::outcome_ui(ui, input, annotation, &mut out);
        fields_ui(ui, input, annotation, &theme, &mut out);
        ui.add_space(8.0);
        if ui
            .button(RichText::new("Delete (Del)").color(theme.error()))
            .clicked()
        {
            out.push(Command::DeleteSelected);
        }
    });
    ui.label(
        RichText::new(format!(
            "created {} · modified {}",
            annotation.created, annotation.modified
        ))
        .small(),
    );
    out
}

/// A label that wraps to the panel's width.
pub fn wrapped(ui: &mut egui::Ui, text: RichText) {
    ui.add(egui::Label::new(text).wrap());
}

/// A field's label, above it: its id labels the field for screen readers.
fn field_label(ui: &mut egui::Ui, text: &str, help: &str) -> egui::Id {
    ui.add_space(4.0);
    let label = ui.label(RichText::new(text).strong());
    let label = if help.is_empty() {
        label
    } else {
        label.on_hover_text(help)
    };
    label.id
}

fn fields_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    theme: &Theme,
    out: &mut Vec<Command>,
) {
    let schema = &input.project.schema;
    let Some(label) = schema.label(&annotation.label) else {
        wrapped(
            ui,
            RichText::new(format!("unknown label {}", annotation.label)).color(theme.error()),
        );
        return;
    };
    let id = field_label(ui, "Label", &label.help);
    egui::ComboBox::from_id_salt("label")
        .selected_text(RichText::new(&label.name).color(theme.label_text(label.color)))
        .show_ui(ui, |ui| {
            for l in &schema.labels {
                let text = RichText::new(&l.name).color(theme.label_text(l.color));
                if ui.selectable_label(l.name == label.name, text).clicked() && l.name != label.name
                {
                    out.push(changed(annotation, |a| {
                        a.label = l.name.as_str().into();
                        a.attributes.retain(|k, _| l.attribute(k).is_some());
                        if l.kind != LabelKind::Entity {
                            a.entity = None;
                        }
                    }));
                }
            }
        })
        .response
        .labelled_by(id);
    field_label(ui, "Text", "");
    for (k, f) in annotation.fragments.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "“{}”",
                shorten(input.text.slice(f.start, f.end).unwrap_or(""), 60)
            ));
            ui.label(RichText::new(format!("{}–{}", f.start, f.end)).small());
            if annotation.fragments.len() > 1
                && ui
                    .small_button("✖")
                    .on_hover_text("Remove this fragment")
                    .clicked()
            {
                out.push(changed(annotation, |a| {
                    a.fragments.remove(k);
                }));
            }
        });
    }
    if ui
        .add_enabled(
            input.has_selection,
            egui::Button::new("Add selection as fragment (+)"),
        )
        .clicked()
    {
        out.push(Command::AddFragment);
    }
    if label.kind == LabelKind::Entity {
        let id = field_label(ui, "Entity", "The canonical entity this mention is of");
        entity_link_ui(ui, input, annotation, id, out);
    }
    for def in &label.attributes {
        let id = field_label(ui, &def.display_name(), &def.help);
        fields::attribute_ui(ui, input, annotation, def, id, out);
    }
    let id = field_label(ui, "Note", "");
    note_ui(ui, annotation, id, out);
}

/// The mention's entity: the searchable picker, and how often the entity is mentioned.
fn entity_link_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    annotation: &Annotation,
    label: egui::Id,
    out: &mut Vec<Command>,
) {
    let project = input.project;
    let me = input.me;
    let current = annotation
        .entity
        .as_ref()
        .map(|id| fields::entity_name(project, me, id));
    let covered = annotation.covered_text(input.text);
    let picked = entity_picker(
        ui,
        "entity",
        current.as_deref(),
        &|| input.cache.entities(project, me),
        Some(&covered),
        label,
    );
    match picked {
        Some(Picked::Clear) => out.push(changed(annotation, |a| a.entity = None)),
        Some(Picked::Entity(e)) => {
            let mut edits = Vec::new();
            if !e.mine {
                edits.push(Edit::UpsertEntity(Box::new(e.entity.clone())));
            }
            let mut a = annotation.clone();
            a.entity = Some(e.entity.id.clone());
            a.modified = crate::model::annotation::now();
            edits.push(Edit::replace(a));
            out.push(Command::Edit(edits));
        }
        Some(Picked::New(name)) => {
            let entity = fields::new_entity(project, me, &name, annotation.label.to_string());
            let mut a = annotation.clone();
            a.entity = Some(entity.id.clone());
            a.modified = crate::model::annotation::now();
            out.push(Command::Edit(vec![
                Edit::UpsertEntity(Box::new(entity)),
                Edit::replace(a),
            ]));
        }
        None => {}
    }
    if current.is_none() {
        let button = ui
            .button(format!("New entity “{}”", shorten(&covered, 30)))
            .on_hover_text("Make a canonical entity from this mention and link it");
        if button.clicked() {
            let entity = fields::new_entity(project, me, &covered, annotation.label.to_string());
            let mut a = annotation.clone();
            a.entity = Some(entity.id.clone());
            a.modified = crate::model::annotation::now();
            out.push(Command::Edit(vec![
                Edit::UpsertEntity(Box::new(entity)),
                Edit::replace(a),
            ]));
        }
    } else if let Some(mentions) = input.cache.mentions() {
        ui.label(
            RichText::new(format!(
                "{} in the project",
                super::messages::plural(mentions, "mention")
            ))
            .small(),
        );
    }
}

/// The note: kept in egui's memory while typed, stored when the field loses focus.
fn note_ui(ui: &mut egui::Ui, annotation: &Annotation, label: egui::Id, out: &mut Vec<Command>) {
    let memory = egui::Id::unique(("note-buffer", &annotation.id.0));
    let mut text: String = ui
        .data_mut(|d| d.get_temp(memory))
        .unwrap_or_else(|| annotation.note.clone());
    let edit = ui
        .add(
            egui::TextEdit::multiline(&mut text)
                .desired_rows(2)
                .desired_width(ui.available_width())
                .hint_text("a note for colleagues"),
        )
        .labelled_by(label);
    if edit.changed() {
        ui.data_mut(|d| d.insert_temp(memory, text.clone()));
    }
    if crate::ui::typing::take_in(ui, &edit, true) && text != annotation.note {
        out.push(changed(annotation, |a| a.note = text.clone()));
    }
    if edit.lost_focus() {
        ui.data_mut(|d| d.remove::<String>(memory));
    }
}
