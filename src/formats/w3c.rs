//! W3C Web Annotation Data Model (JSON-LD): one `AnnotationPage` whose `items` are one
//! annotation per span.
//!
//! Each target names the document (`urn:lector:document:<id>`) and carries both a
//! `TextPositionSelector` (code points, half-open, as the model requires) and a
//! `TextQuoteSelector` (`exact`, `prefix`, `suffix`), so a reader can re-anchor and an
//! import can check. The label is a `TextualBody` with `purpose: "tagging"`; the note
//! `"commenting"`; each attribute a `"describing"` body `name=value`; the entity link an
//! `"identifying"` `SpecificResource`. `creator` names the annotator.
//!
//! The model has no discontinuous selection: a discontinuous span becomes an annotation
//! with one target per fragment (reported, since readers treat targets separately).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::import::{Candidate, Parsed, RawValue, Skipped};
use super::{FormatError, LossReport, Selection, fragment_text, place};
use crate::model::Project;

/// The JSON-LD context of the Web Annotation vocabulary.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";
/// Prefix of document IRIs.
pub const DOCUMENT_IRI: &str = "urn:lector:document:";
/// Prefix of entity IRIs.
pub const ENTITY_IRI: &str = "urn:lector:entity:";
/// Chars of prefix and suffix in a `TextQuoteSelector`.
const QUOTE_CONTEXT: u32 = 32;

/// Writes the selection as one JSON-LD `AnnotationPage`.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    let mut items = Vec::new();
    for &(document, set) in &selection.items {
        report.documents += 1;
        let text = &document.text;
        for annotation in set.iter() {
            if annotation.fragments.len() > 1 {
                report.add(
                    "discontinuous spans written as one target per fragment (the model has no discontinuous selector)",
                    || place(set, annotation),
                );
            }
            let targets: Vec<Value> = annotation
                .fragments
                .iter()
                .map(|&f| {
                    let mut target = json!({
                        "source": format!("{DOCUMENT_IRI}{}", set.document),
                        "selector": [
                            {"type": "TextPositionSelector", "start": f.start.0, "end": f.end.0},
                            {"type": "TextQuoteSelector", "exact": fragment_text(text, f),
                             "prefix": text.before(f.start, QUOTE_CONTEXT), "suffix": text.after(f.end, QUOTE_CONTEXT)},
                        ],
                    });
                    // An article fetched from the web: the page is the source, as it was when
                    // fetched (a TimeState); the Lector document is the scope it was seen in.
                    if let (Some(url), Some(map)) =
                        (&document.meta.source_url, target.as_object_mut())
                    {
                        map.insert("scope".to_owned(), json!(format!("{DOCUMENT_IRI}{}", set.document)));
                        map.insert("source".to_owned(), json!(url));
                        if let Some(at) = document.meta.fetched {
                            map.insert(
                                "state".to_owned(),
                                json!({"type": "TimeState", "sourceDate": at.to_string()}),
                            );
                        }
                    }
                    target
                })
                .collect();
            let mut body = vec![
                json!({"type": "TextualBody", "value": annotation.label.as_str(), "purpose": "tagging"}),
            ];
            for (name, value) in &annotation.attributes {
                body.push(json!({"type": "TextualBody", "value": format!("{name}={value}"), "purpose": "describing"}));
            }
            if let Some(entity) = &annotation.entity {
                body.push(json!({"type": "SpecificResource", "source": format!("{ENTITY_IRI}{}", entity.0), "purpose": "identifying"}));
            }
            if !annotation.note.is_empty() {
                body.push(json!({"type": "TextualBody", "value": annotation.note, "purpose": "commenting"}));
            }
            let target = match <[Value; 1]>::try_from(targets) {
                Ok([one]) => one,
                Err(many) => Value::Array(many),
            };
            items.push(json!({
                "id": format!("urn:lector:annotation:{}:{}:{}", set.annotator, set.document, annotation.id),
                "type": "Annotation",
                "motivation": "tagging",
                "created": annotation.created.to_string(),
                "modified": annotation.modified.to_string(),
                "creator": {"id": format!("urn:lector:annotator:{}", set.annotator), "type": "Person", "name": set.annotator},
                "body": body,
                "target": target,
            }));
            report.annotations += 1;
        }
    }
    let page = json!({
        "@context": CONTEXT,
        "id": "urn:lector:export",
        "type": "AnnotationPage",
        "items": items,
    });
    serde_json::to_writer_pretty(&mut *out, &page)?;
    out.write_all(b"\n")
}

/// Reads an `AnnotationPage`, an `AnnotationCollection` with `first`, an array of annotations
/// or a single annotation.
pub fn read(project: &Project, path: &Path) -> Result<Parsed, FormatError> {
    let source = crate::fsguard::read_import(path)?;
    let malformed = |message: String, line: usize| FormatError::Malformed {
        message,
        line,
        path: path.to_path_buf(),
    };
    let value: Value =
        serde_json::from_str(&source).map_err(|e| malformed(format!("not JSON: {e}"), e.line()))?;
    let items = value
        .get("items")
        .or_else(|| value.get("first").and_then(|f| f.get("items")))
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| value.as_array().cloned())
        .unwrap_or_else(|| vec![value.clone()]);
    let mut parsed = Parsed::default();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let iri = item
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let what = format!("annotation {n} ({iri})");
        if item.get("type").and_then(Value::as_str) != Some("Annotation") {
            return Err(malformed(format!("{what} is not of type Annotation"), 0));
        }
        let bodies: Vec<Value> = match item.get("body") {
            Some(Value::Array(b)) => b.clone(),
            Some(b) => vec![b.clone()],
            None => Vec::new(),
        };
        let purpose = |b: &Value, p: &str| b.get("purpose").and_then(Value::as_str) == Some(p);
        let text_of = |b: &Value| b.get("value").and_then(Value::as_str).map(str::to_owned);
        let Some(label) = bodies
            .iter()
            .find(|b| purpose(b, "tagging") || purpose(b, "classifying"))
            .and_then(text_of)
        else {
            parsed.skipped.push(Skipped::new(
                path,
                0,
                format!("{what}: no tagging body with the label; skipped"),
            ));
            continue;
        };
        let mut candidate = Candidate {
            file: path.to_path_buf(),
            line: 0,
            source_id: iri.rsplit(':').next().unwrap_or("").to_owned(),
            keep_id: true,
            label,
            quote_separator: "\u{0}",
            ..Candidate::default()
        };
        for b in &bodies {
            if purpose(b, "describing")
                && let Some((name, value)) = text_of(b).as_deref().and_then(|v| v.split_once('='))
            {
                candidate
                    .attributes
                    .push((name.to_owned(), RawValue::Text(value.to_owned())));
            } else if purpose(b, "commenting") {
                candidate.note = text_of(b).unwrap_or_default();
            } else if purpose(b, "identifying")
                && let Some(id) = b
                    .get("source")
                    .and_then(Value::as_str)
                    .and_then(|s| s.strip_prefix(ENTITY_IRI))
            {
                candidate.entity = Some((id.to_owned(), None));
            }
        }
        let time = |key: &str| {
            item.get(key)
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
        };
        candidate.set_times(time("created").as_deref(), time("modified").as_deref());
        let targets: Vec<Value> = match item.get("target") {
            Some(Value::Array(t)) => t.clone(),
            Some(t) => vec![t.clone()],
            None => Vec::new(),
        };
        let mut documents = BTreeMap::new();
        let mut quotes = Vec::new();
        let mut problem = None;
        for t in &targets {
            let lector_iri = |key: &str| {
                t.get(key)
                    .and_then(Value::as_str)
                    .and_then(|s| s.strip_prefix(DOCUMENT_IRI))
            };
            // Lector's document IRI as the source, else as the scope of a web page's target,
            // else the page's address as a document fetched from it.
            let doc = lector_iri("source")
                .or_else(|| lector_iri("scope"))
                .or_else(|| {
                    let url = t.get("source").and_then(Value::as_str)?;
                    project
                        .documents
                        .iter()
                        .find(|d| d.meta.source_url.as_deref() == Some(url))
                        .map(|d| d.meta.id.as_str())
                });
            let selectors: Vec<Value> = match t.get("selector") {
                Some(Value::Array(s)) => s.clone(),
                Some(s) => vec![s.clone()],
                None => Vec::new(),
            };
            let of_type = |ty: &str| {
                selectors
                    .iter()
                    .find(|s| s.get("type").and_then(Value::as_str) == Some(ty))
                    .cloned()
            };
            let position = of_type("TextPositionSelector").and_then(|s| {
                Some((
                    u32::try_from(s.get("start")?.as_u64()?).ok()?,
                    u32::try_from(s.get("end")?.as_u64()?).ok()?,
                ))
            });
            match (doc, position) {
                (Some(doc), Some(span)) => {
                    documents.insert(doc.to_owned(), ());
                    candidate.spans.push(span);
                    quotes.push(
                        of_type("TextQuoteSelector").and_then(|q| {
                            q.get("exact").and_then(Value::as_str).map(str::to_owned)
                        }),
                    );
                }
                (None, _) => {
                    problem = Some(format!(
                        "a target's source is not a Lector document ({DOCUMENT_IRI}<id>)"
                    ))
                }
                (_, None) => {
                    problem =
                        Some("a target has no TextPositionSelector with start and end".to_owned())
                }
            }
        }
        if let Some(p) = problem {
            parsed
                .skipped
                .push(Skipped::new(path, 0, format!("{what}: {p}; skipped")));
            continue;
        }
        let docs: Vec<String> = documents.into_keys().collect();
        let [document] = docs.as_slice() else {
            parsed.skipped.push(Skipped::new(
                path,
                0,
                format!(
                    "{what}: targets {} documents, expected one; skipped",
                    docs.len()
                ),
            ));
            continue;
        };
        if project.document(document).is_none() {
            parsed.skipped.push(Skipped::new(
                path,
                0,
                format!("{what}: the project has no document {document:?}"),
            ));
            continue;
        }
        candidate.document.clone_from(document);
        if quotes.iter().all(Option::is_some) {
            let quotes: Vec<String> = quotes.into_iter().flatten().collect();
            candidate.quote = Some(quotes.join("\u{0}"));
        }
        parsed.candidates.push(candidate);
    }
    Ok(parsed)
}
