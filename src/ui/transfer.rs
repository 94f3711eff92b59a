//! Exports and imports in the background: an export writes a copy of the project as it is
//! when asked (the annotators and documents chosen, as `lector export` does); an import is
//! read on another thread and becomes the annotator's own annotations, one undo step per
//! document. What a format cannot carry and every span an import skips is said; annotations
//! the input repeats (imported once) are counted in one line.

use std::path::Path;

use super::app::LectorApp;
use super::command::ExportRequest;
use super::jobs::{JobDone, JobKind};
use super::messages::plural;
use crate::formats::Format;

impl LectorApp {
    /// Starts an export in the background, on a copy of the project as it is now (edits
    /// made meanwhile go into the next export).
    pub(super) fn export(&mut self, request: ExportRequest) {
        let Some(session) = &self.session else { return };
        let project = session.store.project.clone();
        let root = session.store.root().to_path_buf();
        let ExportRequest {
            format,
            out,
            annotators,
            documents,
        } = request;
        self.prefs.export_dir = out.parent().map(Path::to_path_buf);
        let count: usize = project
            .sets
            .iter()
            .filter(|((doc, who), _)| {
                (annotators.is_empty() || annotators.contains(who))
                    && (documents.is_empty() || documents.contains(doc))
            })
            .map(|(_, s)| s.len())
            .sum();
        let what = format!("exporting {} as {format}", plural(count, "annotation"));
        let started = self.jobs.spawn(JobKind::Export, what, move || {
            let result = crate::formats::Selection::new(&project, &annotators, &documents)
                .and_then(|selection| {
                    crate::formats::export_to(format, &selection, &out, Some(&root))
                });
            JobDone::Exported {
                format,
                out,
                result,
            }
        });
        if let Err(err) = started {
            self.say(format!("not exported: cannot start a thread: {err}"), true);
        }
    }

    /// Reports a finished export.
    pub(super) fn exported(
        &mut self,
        format: Format,
        out: &Path,
        result: Result<crate::formats::LossReport, crate::formats::FormatError>,
    ) {
        match result {
            Ok(report) => {
                // What the format could not carry is said, never dropped silently.
                let lines = report.lines();
                for line in &lines {
                    self.say(format!("{format}: {line}"), true);
                }
                for note in &report.notes {
                    self.say(format!("{format}: {note}"), false);
                }
                self.say(
                    format!(
                        "exported {} as {format} to {}{}",
                        plural(report.annotations, "annotation"),
                        out.display(),
                        if lines.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " ({} of loss, see View, Messages)",
                                super::messages::count(lines.len(), "kind", "kinds")
                            )
                        }
                    ),
                    false,
                );
            }
            Err(err) => self.say(format!("not exported: {err}"), true),
        }
    }

    /// Starts reading a file or folder of another tool in the background.
    pub(super) fn import(&mut self, format: Format, path: &Path) {
        let Some(session) = &self.session else { return };
        if !format.can_import() {
            self.say(format!("Lector cannot import {format}"), true);
            return;
        }
        self.prefs.import_format = Some(format.name().to_owned());
        self.prefs.import_path = Some(path.to_path_buf());
        if self.jobs.is_running(JobKind::Import)
            || self.jobs.is_running(JobKind::ImportPlan)
            || self.import_mapping.is_some()
        {
            self.say(
                "an import is under way: import this one when it is done",
                true,
            );
            return;
        }
        let project = session.store.project.clone();
        let annotator = session.annotator().to_owned();
        let path = path.to_path_buf();
        let what = format!("reading {} as {format}", path.display());
        let started = self
            .jobs
            .spawn(JobKind::Import, what, move || JobDone::Read {
                format,
                result: crate::formats::import::read(format, &project, &path, &annotator),
                path,
            });
        if let Err(err) = started {
            self.say(format!("not imported: cannot start a thread: {err}"), true);
        }
    }

    /// What an import read goes to the label mapping (labels the schema lacks are asked
    /// about first), then into the annotator's own sets as ordinary edits: one undo step per
    /// document, autosaved like any change (`import_mapping.rs`).
    pub(super) fn imported(
        &mut self,
        format: Format,
        path: std::path::PathBuf,
        result: Result<crate::formats::import::Parsed, crate::formats::FormatError>,
    ) {
        match result {
            Ok(parsed) => self.map_or_import(format, path, parsed),
            Err(err) => self.say(format!("not imported: {err}"), true),
        }
    }
}
