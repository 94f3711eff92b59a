//! One row per annotation, for spreadsheets.
//!
//! UTF-8 with a BOM (Excel reads UTF-8 only with one), RFC 4180 quoting, CRLF records. Cells
//! that start with `=`, `+`, `-`, `@`, tab, CR or NUL get a `'` in front so that a spreadsheet
//! shows them instead of running them as formulas (CWE-1236); news text often starts with `-`.
//! Offsets are Unicode scalar values, half-open; `fragments` lists every piece of a
//! discontinuous span as `start-end;start-end`, and `start`/`end` give the hull.
//!
//! The last five columns say how a prediction or claim turned out, from the resolution
//! records (see [`crate::predict::tracker`]): `resolution` is a prediction's status (`open`,
//! `came_true`, …) or a claim's verdict, of the prediction or claim the row's annotation was
//! counted in (so every annotator's copy shows the same); `resolved_at` the date it was
//! settled, `resolved_by` who settled it, `evidence` a JSON array of links and quotes,
//! `resolution_note` the note. Empty for entity mentions and for copies a reviewed set left
//! out.

use std::io::{self, Write};

use super::{LossReport, Selection, value_to_json};

/// The header row.
pub const COLUMNS: [&str; 21] = [
    "document",
    "annotator",
    "id",
    "label",
    "kind",
    "start",
    "end",
    "fragments",
    "text",
    "left_context",
    "right_context",
    "attributes",
    "note",
    "entity",
    "created",
    "modified",
    "resolution",
    "resolved_at",
    "resolved_by",
    "evidence",
    "resolution_note",
];

/// Chars of context on each side.
const CONTEXT_CHARS: u32 = 40;

/// What the report says when a cell was defused.
pub const FORMULA_PREFIXED: &str =
    "cells prefixed with ' so that spreadsheets show them instead of running them as formulas";

/// Quotes a cell for CSV and defuses formulas.
fn cell(value: &str, report: &mut LossReport, place: &dyn Fn() -> String) -> String {
    let mut value = value.to_owned();
    if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']) {
        value.insert(0, '\'');
        report.add(FORMULA_PREFIXED, place);
    }
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Writes the selection as CSV. Nothing is lost; defused cells are reported.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    out.write_all(COLUMNS.join(",").as_bytes())?;
    out.write_all(b"\r\n")?;
    let tracker = crate::predict::Tracker::build(selection.project);
    let by_copy = tracker.by_copy();
    for &(document, set) in &selection.items {
        report.documents += 1;
        let text = &document.text;
        for annotation in set.iter() {
            let kind = selection
                .project
                .schema
                .label(&annotation.label)
                .map_or("", |l| l.kind.name());
            let fragments: Vec<String> = annotation
                .fragments
                .iter()
                .map(|f| format!("{}-{}", f.start, f.end))
                .collect();
            let attributes: serde_json::Map<String, serde_json::Value> = annotation
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect();
            let attributes = if attributes.is_empty() {
                String::new()
            } else {
                serde_json::Value::Object(attributes).to_string()
            };
            let values = [
                set.document.clone(),
                set.annotator.clone(),
                annotation.id.0.to_string(),
                annotation.label.to_string(),
                kind.to_owned(),
                annotation.start().to_string(),
                annotation.end().to_string(),
                fragments.join(";"),
                annotation.covered_text(text),
                text.before(annotation.start(), CONTEXT_CHARS).to_owned(),
                text.after(annotation.end(), CONTEXT_CHARS).to_owned(),
                attributes,
                annotation.note.clone(),
                annotation
                    .entity
                    .as_ref()
                    .map(|e| e.0.clone())
                    .unwrap_or_default(),
                annotation.created.to_string(),
                annotation.modified.to_string(),
            ];
            let key =
                crate::model::RecordKey::new(&set.document, &set.annotator, annotation.id.clone());
            let outcome = outcome_cells(&by_copy, &key);
            let values: Vec<String> = values.into_iter().chain(outcome).collect();
            let place = || super::place(set, annotation);
            let row: Vec<String> = values.iter().map(|v| cell(v, report, &place)).collect();
            out.write_all(row.join(",").as_bytes())?;
            out.write_all(b"\r\n")?;
            report.annotations += 1;
        }
    }
    Ok(())
}

/// The five resolution cells of an annotation's row.
fn outcome_cells(
    by: &crate::predict::tracker::ByCopy<'_>,
    key: &crate::model::RecordKey,
) -> [String; 5] {
    let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let evidence = |e: &[String]| {
        if e.is_empty() {
            String::new()
        } else {
            serde_json::Value::from(e.to_vec()).to_string()
        }
    };
    if let Some(p) = by.predictions.get(key) {
        return [
            p.status.name().to_owned(),
            date(p.resolved_at),
            p.resolved_by.clone().unwrap_or_default(),
            evidence(&p.evidence),
            p.resolution_note.clone().unwrap_or_default(),
        ];
    }
    if let Some(c) = by.claims.get(key) {
        let by_whom = match &c.verdict_from {
            crate::predict::VerdictSource::Record(who) => who.clone(),
            _ => String::new(),
        };
        return [
            c.other_verdict
                .clone()
                .unwrap_or_else(|| c.verdict.name().to_owned()),
            date(c.checked_at),
            by_whom,
            evidence(&c.evidence),
            c.note.clone().unwrap_or_default(),
        ];
    }
    Default::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        let mut report = LossReport::default();
        let place = || "here".to_owned();
        assert_eq!(cell("=SUM(A1)", &mut report, &place), "'=SUM(A1)");
        assert_eq!(cell("-1,5", &mut report, &place), "\"'-1,5\"");
        assert_eq!(
            cell("say \"hi\"", &mut report, &place),
            "\"say \"\"hi\"\"\""
        );
        assert_eq!(cell("a\nb", &mut report, &place), "\"a\nb\"");
        assert_eq!(report.count(FORMULA_PREFIXED), 2);
    }
}
