//! Lector's interchange: JSON Lines, one annotation per line, nothing lost.
//!
//! ```json
//! {"document":"talks","annotator":"anna","id":"k3v9q2x7ma","label":"Prediction","kind":"prediction",
//!  "fragments":[[32,46],[59,70]],"text":"Det är troligt … kan få stöd","attributes":{"certainty":"probable"},
//!  "note":"","entity":null,"entities":{},"created":"…","modified":"…"}
//! ```
//! Offsets are Unicode scalar values (Python `str` indices), half-open, on the stored text.
//! `text` is the covered text, fragments joined by `" … "`. `entities` describes every entity
//! the line refers to (its link and entity-valued attributes), so an import can recreate them.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::import::{Candidate, Parsed, RawValue, Skipped};
use super::{FormatError, LossReport, Selection, value_to_json};
use crate::model::{EntityId, Project};

/// An entity a line refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityInfo {
    /// Canonical name.
    pub name: String,
    /// Entity label.
    pub label: String,
}

/// One line of the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Document id.
    pub document: String,
    /// Annotator.
    pub annotator: String,
    /// Annotation id.
    pub id: String,
    /// Label name.
    pub label: String,
    /// `entity`, `claim` or `prediction`.
    #[serde(default)]
    pub kind: String,
    /// `[[start, end], …]` in chars.
    pub fragments: Vec<[u32; 2]>,
    /// The covered text, fragments joined by `" … "`.
    #[serde(default)]
    pub text: Option<String>,
    /// Attribute values: numbers as numbers, the rest as text.
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Note.
    #[serde(default)]
    pub note: String,
    /// The linked entity's id.
    #[serde(default)]
    pub entity: Option<String>,
    /// Every entity referred to, by id.
    #[serde(default)]
    pub entities: BTreeMap<String, EntityInfo>,
    /// RFC 3339 creation time.
    #[serde(default)]
    pub created: Option<String>,
    /// RFC 3339 modification time.
    #[serde(default)]
    pub modified: Option<String>,
}

/// Writes the selection, one annotation per line. Nothing is lost.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    for &(document, set) in &selection.items {
        report.documents += 1;
        let registry = selection.project.registry(&set.annotator);
        for annotation in set.iter() {
            let mut entities = BTreeMap::new();
            let referenced = annotation.linked_entities();
            for id in referenced {
                if let Some(e) = registry.and_then(|r| r.get(id)) {
                    entities.insert(
                        id.0.clone(),
                        EntityInfo {
                            name: e.name.clone(),
                            label: e.label.clone(),
                        },
                    );
                }
            }
            let kind = selection
                .project
                .schema
                .label(&annotation.label)
                .map_or("", |l| l.kind.name());
            let line = Line {
                document: set.document.clone(),
                annotator: set.annotator.clone(),
                id: annotation.id.0.to_string(),
                label: annotation.label.to_string(),
                kind: kind.to_owned(),
                fragments: annotation
                    .fragments
                    .iter()
                    .map(|f| [f.start.0, f.end.0])
                    .collect(),
                text: Some(annotation.covered_text(&document.text)),
                attributes: annotation
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), value_to_json(v)))
                    .collect(),
                note: annotation.note.clone(),
                entity: annotation.entity.as_ref().map(|EntityId(id)| id.clone()),
                entities,
                created: Some(annotation.created.to_string()),
                modified: Some(annotation.modified.to_string()),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
            report.annotations += 1;
        }
    }
    Ok(())
}

/// Reads a Lector JSONL file, line by line (the file is never held whole). A line that is not
/// a Lector annotation is skipped and listed; a file with no such line is refused
/// ([`BadLines`](super::import::BadLines)).
pub fn read(project: &Project, path: &Path) -> Result<Parsed, FormatError> {
    let mut parsed = Parsed::default();
    let mut bad = super::import::BadLines::default();
    for line in crate::fsguard::import_lines(path)? {
        let (n, raw) = line?;
        if raw.trim().is_empty() {
            continue;
        }
        bad.line(&raw);
        let read = serde_json::from_str::<Line>(&raw).map_err(|err| FormatError::Malformed {
            message: format!("not a Lector annotation: {err}"),
            line: n,
            path: path.to_path_buf(),
        });
        let Some(line) = bad.take(&mut parsed, read)? else {
            continue;
        };
        if project.document(&line.document).is_none() {
            parsed.skipped.push(Skipped::new(
                path,
                n,
                format!("the project has no document {:?}", line.document),
            ));
            continue;
        }
        let attributes = line
            .attributes
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    serde_json::Value::Number(n) => {
                        RawValue::Number(n.as_f64().unwrap_or(f64::NAN))
                    }
                    serde_json::Value::String(s) => RawValue::Text(s.clone()),
                    other => RawValue::Text(other.to_string()),
                };
                (k.clone(), value)
            })
            .collect();
        let mut candidate = Candidate {
            file: path.to_path_buf(),
            line: n,
            document: line.document,
            source_id: line.id,
            keep_id: true,
            label: line.label,
            spans: line.fragments.iter().map(|[s, e]| (*s, *e)).collect(),
            quote: line.text,
            quote_separator: " … ",
            attributes,
            note: line.note,
            entity: line.entity.map(|id| (id, None)),
            entities: line.entities,
            ..Candidate::default()
        };
        candidate.set_times(line.created.as_deref(), line.modified.as_deref());
        parsed.candidates.push(candidate);
    }
    bad.finish(super::Format::Jsonl)?;
    Ok(parsed)
}
