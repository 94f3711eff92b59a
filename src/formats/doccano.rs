//! doccano sequence-labelling JSONL: `{"id", "text", "label": [[start, end, label], …],
//! "Comments": […]}` with offsets in **UTF-16 code units** (doccano counts as JavaScript
//! does), one line per document and annotator. Extra keys (`document`, `annotator`) become
//! `meta` in doccano and let an import find the document again.
//!
//! Lost, and reported: attributes and entity links (doccano has no span attributes),
//! discontinuous spans (each fragment becomes a span of its own), per-span notes (moved to the
//! document's `Comments`). Overlapping spans need a doccano project with
//! `allow_overlapping`; they are counted.

use std::io::{self, Write};
use std::path::Path;

use super::import::{Candidate, Parsed, Skipped};
use super::{FormatError, LossReport, Selection, place};
use crate::model::{Project, Utf16Offset};

/// Writes one line per document and annotator.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    for (n, &(document, set)) in selection.items.iter().enumerate() {
        report.documents += 1;
        let text = &document.text;
        let mut labels = Vec::new();
        let mut comments = Vec::new();
        let all: Vec<&crate::model::Annotation> = set.iter().collect();
        for (i, annotation) in set.iter().enumerate() {
            let where_ = || place(set, annotation);
            if annotation.fragments.len() > 1 {
                report.add("discontinuous spans written as one span per fragment (doccano has no discontinuous spans)", where_);
            }
            if !annotation.attributes.is_empty() {
                report.add(
                    "attributes dropped (doccano has no span attributes)",
                    || {
                        let names: Vec<&str> =
                            annotation.attributes.keys().map(String::as_str).collect();
                        format!("{} {}", where_(), names.join(","))
                    },
                );
            }
            if annotation.entity.is_some() {
                report.add(
                    "entity links dropped (doccano has no slot for them)",
                    where_,
                );
            }
            if super::overlaps_any(&all, i) {
                report.add(
                    "overlapping spans: import into a doccano project that allows overlapping",
                    where_,
                );
            }
            if !annotation.note.is_empty() {
                report.add(
                    "notes moved to the document's Comments (doccano comments are per document)",
                    where_,
                );
                comments.push(format!(
                    "{} {:?}: {}",
                    annotation.label,
                    annotation.covered_text(text),
                    annotation.note
                ));
            }
            for f in &annotation.fragments {
                let (Some(s), Some(e)) = (text.utf16(f.start), text.utf16(f.end)) else {
                    continue;
                };
                labels.push(serde_json::json!([s.0, e.0, annotation.label.as_str()]));
            }
            report.annotations += 1;
        }
        let line = serde_json::json!({
            "id": n + 1,
            "document": set.document,
            "annotator": set.annotator,
            "text": text.as_str(),
            "label": labels,
            "Comments": comments,
        });
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Reads doccano JSONL (`label` triples or `entities` objects), line by line (the file is
/// never held whole). A line that is not a doccano line is skipped and listed, and so is a
/// span that is not one; a file with no doccano line is refused
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
        let malformed = |message: String| FormatError::Malformed {
            message,
            line: n,
            path: path.to_path_buf(),
        };
        let read = serde_json::from_str::<serde_json::Value>(&raw)
            .map_err(|e| malformed(format!("not JSON: {e}")))
            .and_then(|value| match value.get("text") {
                Some(serde_json::Value::String(_)) => Ok(value),
                _ => Err(malformed("a doccano line needs \"text\"".to_owned())),
            });
        let Some(value) = bad.take(&mut parsed, read)? else {
            continue;
        };
        let text = value
            .get("text")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let by_id = value
            .get("document")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| project.document(id));
        let Some(document) =
            by_id.or_else(|| project.documents.iter().find(|d| d.text.as_str() == text))
        else {
            parsed.skipped.push(Skipped::new(
                path,
                n,
                "no document of the project has this text; line skipped",
            ));
            continue;
        };
        if document.text.as_str() != text {
            parsed.skipped.push(Skipped::new(path, n, format!(
                "the text differs from document {:?} in the project, so the offsets cannot be trusted; line skipped",
                document.meta.id
            )));
            continue;
        }
        // A `label` or `entities` that is not a list is another kind of doccano project (text
        // classification has `"label": "sports"`): nothing of the line is a span.
        let not_a_list: Vec<&str> = ["label", "entities"]
            .into_iter()
            .filter(|key| {
                value
                    .get(key)
                    .is_some_and(|v| !v.is_array() && !v.is_null())
            })
            .collect();
        if !not_a_list.is_empty() {
            let shown: Vec<String> = not_a_list
                .iter()
                .map(|key| {
                    format!(
                        "\"{key}\" is {}",
                        value.get(key).map(short_json).unwrap_or_default()
                    )
                })
                .collect();
            parsed.skipped.push(Skipped::new(
                path,
                n,
                format!(
                    "{}, not a list of spans ([start, end, \"label\"] or {{start_offset, end_offset, label}}); is this a text-classification project? line skipped",
                    shown.join(" and ")
                ),
            ));
            continue;
        }
        let mut spans: Vec<(u64, u64, String)> = Vec::new();
        if let Some(labels) = value.get("label").and_then(serde_json::Value::as_array) {
            for l in labels {
                let triple = l.as_array().and_then(|t| {
                    Some((
                        t.first()?.as_u64()?,
                        t.get(1)?.as_u64()?,
                        t.get(2)?.as_str()?.to_owned(),
                    ))
                });
                match triple {
                    Some(triple) => spans.push(triple),
                    None => parsed.skipped.push(Skipped::new(
                        path,
                        n,
                        format!(
                            "label {} is not [start, end, \"label\"]; skipped",
                            short_json(l)
                        ),
                    )),
                }
            }
        }
        if let Some(entities) = value.get("entities").and_then(serde_json::Value::as_array) {
            for e in entities {
                let entry = (|| {
                    Some((
                        e.get("start_offset")?.as_u64()?,
                        e.get("end_offset")?.as_u64()?,
                        e.get("label")?.as_str()?.to_owned(),
                    ))
                })();
                match entry {
                    Some(entry) => spans.push(entry),
                    None => parsed.skipped.push(Skipped::new(
                        path,
                        n,
                        format!(
                            "entity {} needs start_offset, end_offset and label; skipped",
                            short_json(e)
                        ),
                    )),
                }
            }
        }
        for (s, e, label) in spans {
            let convert = |u: u64| {
                u32::try_from(u)
                    .ok()
                    .and_then(|u| document.text.char_of_utf16(Utf16Offset(u)))
            };
            let (Some(cs), Some(ce)) = (convert(s), convert(e)) else {
                parsed.skipped.push(Skipped::new(path, n, format!(
                    "{label} at {s}-{e} (UTF-16): outside the text or inside a surrogate pair (the text has {} UTF-16 units)",
                    document.text.len_utf16().0
                )));
                continue;
            };
            parsed.candidates.push(Candidate {
                file: path.to_path_buf(),
                line: n,
                document: document.meta.id.clone(),
                label,
                spans: vec![(cs.0, ce.0)],
                ..Candidate::default()
            });
        }
    }
    bad.finish(super::Format::Doccano)?;
    Ok(parsed)
}

/// A JSON value for a message, cut at 40 characters.
fn short_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}…")
    } else {
        text
    }
}
