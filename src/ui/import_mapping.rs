//! The Import dialog's label mapping (issue 12): after the file is read, and before anything
//! is imported, every label of the file the schema lacks (ignoring case) is listed with how
//! many spans use it and a choice: one of the schema's labels (the proposed one first), a
//! new label of a kind, or skip. Then the import is planned with the choices
//! (`formats::mapping`, every span checked against its text) on a background job, and on the
//! window's thread new labels are added to the schema and each document's spans applied as
//! one undo step.

use std::path::PathBuf;

use super::app::LectorApp;
use super::command::Command;
use super::jobs::{JobDone, JobKind};
use super::messages::plural;
use crate::formats::Format;
use crate::formats::import::Parsed;
use crate::formats::mapping::{self, LabelChoice, MappingRequest};
use crate::model::LabelKind;
use crate::session::{Edit, Stage, Staged};

/// A document's group of at least this many edits is applied on another thread.
const BACKGROUND_IMPORT_EDITS: usize = 4096;

/// At most this many documents' groups are applied on another thread (the biggest): each
/// writes a crash journal of its own until the next save.
const STAGED_GROUPS: usize = 8;

/// An import taken in: what it added and said, and the documents' steps applied on another
/// thread, to adopt.
#[derive(Debug)]
pub struct Imported {
    format: Format,
    annotator: String,
    /// Annotations added.
    added: usize,
    /// Spans skipped.
    skipped: usize,
    messages: Vec<(String, bool)>,
    /// (document, inserts, step).
    staged: Vec<(String, usize, Staged)>,
}

/// What one label of the file becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// A label of the schema.
    Existing(String),
    /// A new label of that name and kind, added to the schema.
    New(LabelKind),
    /// Its spans are not imported.
    Skip,
}

/// A read file waiting for the user's mapping.
#[derive(Debug)]
pub struct ImportMapping {
    format: Format,
    path: PathBuf,
    parsed: Parsed,
    /// The file's unknown labels and what each becomes.
    pub rows: Vec<(LabelChoice, Pick)>,
    /// The schema's labels, to pick from.
    labels: Vec<String>,
}

/// The dialog's answers.
#[derive(Debug, Clone)]
pub enum MappingCommand {
    /// Choose for the row of this label.
    Pick(String, Pick),
    /// Import with the choices made.
    Import,
    /// Import nothing.
    Cancel,
}

/// The dialog, if a file waits for its mapping.
pub fn ui(ctx: &egui::Context, state: Option<&ImportMapping>) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(m) = state else {
        return out;
    };
    egui::Window::new("Import: map the labels")
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "{} uses labels the project does not have. Nothing is imported until you \
                 choose what each becomes.",
                m.path.display()
            ));
            egui::Grid::new("label-mapping")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("label in the file");
                    ui.strong("spans");
                    ui.strong("becomes");
                    ui.end_row();
                    for (row, pick) in &m.rows {
                        let name = ui.label(&row.label);
                        ui.label(row.count.to_string());
                        let shown = match pick {
                            Pick::Existing(l) => l.clone(),
                            Pick::New(kind) => format!("new {} label “{}”", kind.name(), row.label),
                            Pick::Skip => "skip".to_owned(),
                        };
                        egui::ComboBox::from_id_salt(("map", &row.label))
                            .selected_text(shown)
                            .show_ui(ui, |ui| {
                                let mut choose = |ui: &mut egui::Ui, text: String, p: Pick| {
                                    if ui.selectable_label(*pick == p, text).clicked() {
                                        out.push(Command::ImportMapping(MappingCommand::Pick(
                                            row.label.clone(),
                                            p,
                                        )));
                                    }
                                };
                                for l in &m.labels {
                                    choose(ui, l.clone(), Pick::Existing(l.clone()));
                                }
                                for kind in
                                    [LabelKind::Entity, LabelKind::Claim, LabelKind::Prediction]
                                {
                                    choose(
                                        ui,
                                        format!("new {} label “{}”", kind.name(), row.label),
                                        Pick::New(kind),
                                    );
                                }
                                choose(ui, "skip".to_owned(), Pick::Skip);
                            })
                            .response
                            .labelled_by(name.id);
                        ui.end_row();
                    }
                });
            // Enter imports (unless a choice has the keyboard), Escape cancels.
            let (entered, escaped) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::Enter),
                    i.key_pressed(egui::Key::Escape),
                )
            });
            let free = super::dialogs::keys_are_the_dialogs(ui);
            ui.horizontal(|ui| {
                if ui.button("Import").on_hover_text("Enter").clicked() || (entered && free) {
                    out.push(Command::ImportMapping(MappingCommand::Import));
                }
                if ui.button("Cancel").on_hover_text("Escape").clicked() || (escaped && free) {
                    out.push(Command::ImportMapping(MappingCommand::Cancel));
                }
            });
        });
    out
}

/// An import planned on a background job, to apply on the window's thread.
pub struct PlannedImport {
    /// The format.
    pub format: Format,
    /// The file or folder read.
    pub path: PathBuf,
    /// Whose annotations it becomes (as when it was planned).
    pub annotator: String,
    /// The plan, or why there is none.
    pub result: Result<mapping::MappedImport, mapping::MappingError>,
}

impl LectorApp {
    /// A file was read: asks for the mapping of labels the schema lacks, else imports.
    pub(super) fn map_or_import(&mut self, format: Format, path: PathBuf, parsed: Parsed) {
        let Some(session) = &self.session else {
            return;
        };
        let schema = &session.store.project.schema;
        let choices = mapping::label_choices(schema, &parsed);
        if choices.is_empty() {
            self.import_mapped(format, &path, parsed, &MappingRequest::default());
            return;
        }
        let rows = choices
            .into_iter()
            .map(|c| {
                let pick = c.suggested.clone().map_or(Pick::Skip, Pick::Existing);
                (c, pick)
            })
            .collect();
        self.import_mapping = Some(ImportMapping {
            format,
            path,
            parsed,
            rows,
            labels: schema.labels.iter().map(|l| l.name.clone()).collect(),
        });
    }

    /// Applies an answer of the mapping dialog.
    pub(super) fn mapping_command(&mut self, command: MappingCommand) {
        match command {
            MappingCommand::Pick(label, pick) => {
                if let Some(m) = &mut self.import_mapping
                    && let Some(row) = m.rows.iter_mut().find(|(c, _)| c.label == label)
                {
                    row.1 = pick;
                }
            }
            MappingCommand::Cancel => {
                self.import_mapping = None;
                self.say("nothing imported", false);
            }
            MappingCommand::Import => {
                let Some(m) = self.import_mapping.take() else {
                    return;
                };
                let choices: Vec<mapping::Choice> = m
                    .rows
                    .iter()
                    .map(|(c, pick)| {
                        let to = match pick {
                            Pick::Existing(l) => Some((l.clone(), None)),
                            Pick::New(kind) => Some((c.label.clone(), Some(*kind))),
                            Pick::Skip => None,
                        };
                        (c.label.clone(), to)
                    })
                    .collect();
                let request = mapping::request_from_choices(&choices);
                self.import_mapped(m.format, &m.path, m.parsed, &request);
            }
        }
    }

    /// Plans the import with the mapping on a background job (every span checked against its
    /// document's text, on a copy of the project); [`Self::import_planned`] applies the plan.
    fn import_mapped(
        &mut self,
        format: Format,
        path: &std::path::Path,
        parsed: Parsed,
        request: &MappingRequest,
    ) {
        let Some(session) = &self.session else {
            return;
        };
        let annotator = session.annotator().to_owned();
        let project = session.store.project.clone();
        let request = request.clone();
        let path = path.to_path_buf();
        let what = format!(
            "checking the import of {}",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        );
        let started = self.jobs.spawn(JobKind::ImportPlan, what, move || {
            let result = mapping::plan_import(&project, &annotator, parsed, &request);
            JobDone::ImportPlanned(Box::new(PlannedImport {
                format,
                path,
                annotator,
                result,
            }))
        });
        if let Err(err) = started {
            self.say(format!("not imported: cannot start a thread: {err}"), true);
        }
    }

    /// Adds the new labels of a planned import and applies each document's spans as one undo
    /// step; reports what was mapped and skipped.
    pub(super) fn import_planned(&mut self, planned: PlannedImport) {
        let PlannedImport {
            format,
            path,
            annotator,
            result,
        } = planned;
        let path = path.as_path();
        let Some(session) = &mut self.session else {
            return;
        };
        if session.annotator() != annotator {
            self.say(
                format!("not imported: it was read for {annotator}, and you annotate as someone else now"),
                true,
            );
            return;
        }
        let mapped = match result {
            Ok(m) => m,
            Err(err) => {
                self.say(format!("not imported: {err}"), true);
                return;
            }
        };
        let mut messages: Vec<(String, bool)> = Vec::new();
        if !mapped.new_labels.is_empty() {
            match session.store.add_labels(mapped.new_labels.clone()) {
                Ok(names) => messages.push((format!("labels added: {}", names.join(", ")), false)),
                Err(err) => {
                    self.say(
                        format!("not imported: the labels cannot be added: {err:#}"),
                        true,
                    );
                    return;
                }
            }
        }
        for m in mapped.labels.mapped() {
            messages.push((format!("mapped: {m}"), false));
        }
        let schema = &session.store.project.schema;
        for s in mapped.labels.skipped_report(schema, path) {
            messages.push((format!("skipped: {s}"), true));
        }
        for s in &mapped.plan.outcome.skipped {
            messages.push((format!("skipped: {s}"), true));
        }
        let skipped = mapped.plan.outcome.skipped.len()
            + mapped
                .labels
                .skipped()
                .iter()
                .map(|u| u.count)
                .sum::<usize>();
        let inserts = |group: &[Edit]| {
            group
                .iter()
                .filter(|e| matches!(e, Edit::Insert(_)))
                .count()
        };
        // A document's big group is applied to a copy on another thread and taken in at
        // once when done ([`Session::adopt`]); the others here, now.
        let mut groups = mapped.plan.edits;
        groups.sort_by_key(|(_, group)| std::cmp::Reverse(group.len()));
        let staged = groups
            .iter()
            .take(STAGED_GROUPS)
            .take_while(|(_, group)| group.len() >= BACKGROUND_IMPORT_EDITS)
            .count();
        let here = groups.split_off(staged);
        let mut added = 0;
        for (document, group) in here {
            let n = inserts(&group);
            match session.apply(&document, group) {
                Ok(()) => added += n,
                Err(err) => messages.push((format!("not imported: {document}: {err}"), true)),
            }
        }
        let done = Imported {
            format,
            annotator,
            added,
            skipped,
            messages,
            staged: Vec::new(),
        };
        if groups.is_empty() {
            self.imported_all(done);
            return;
        }
        let stages: Vec<(String, usize, Stage, Vec<Edit>)> = groups
            .into_iter()
            .map(|(document, group)| {
                let stage = session.stage(&document, &done.annotator);
                (document, inserts(&group), stage, group)
            })
            .collect();
        let size: usize = stages.iter().map(|(_, n, _, _)| n).sum();
        let what = format!("importing {}", plural(size, "annotation"));
        // Said if no thread can take them: what was imported here, and what was not.
        let mut unstarted = Imported {
            format: done.format,
            annotator: done.annotator.clone(),
            added: done.added,
            skipped: done.skipped,
            messages: done.messages.clone(),
            staged: Vec::new(),
        };
        let documents: Vec<String> = stages.iter().map(|(d, ..)| d.clone()).collect();
        let started = self.jobs.spawn(JobKind::Import, what, move || {
            let mut done = done;
            done.staged = stages
                .into_iter()
                .map(|(document, n, stage, group)| (document, n, stage.run(group)))
                .collect();
            JobDone::Imported(Box::new(done))
        });
        if let Err(err) = started {
            unstarted.messages.push((
                format!(
                    "not imported: {}: cannot start a thread: {err}",
                    documents.join(", ")
                ),
                true,
            ));
            self.imported_all(unstarted);
        }
    }

    /// Takes in what an import applied on another thread (each document's step as one undo
    /// step), then says what was imported, mapped and skipped.
    pub(super) fn imported_all(&mut self, mut done: Imported) {
        if let Some(session) = &mut self.session {
            for (document, n, staged) in std::mem::take(&mut done.staged) {
                match session.adopt(staged) {
                    Ok(()) => done.added += n,
                    Err(err) => done
                        .messages
                        .push((format!("not imported: {document}: {err}"), true)),
                }
            }
        }
        let Imported {
            format,
            annotator,
            added,
            skipped,
            messages,
            ..
        } = done;
        for (text, error) in messages {
            self.say(text, error);
        }
        let listed = if skipped > 0 {
            ", each with its line in the Messages window (View menu)"
        } else {
            ""
        };
        self.say(
            format!(
                "imported {} ({format}) as {annotator}; {skipped} skipped{listed} (Ctrl+Z \
                 undoes, per document)",
                plural(added, "annotation")
            ),
            false,
        );
    }
}
