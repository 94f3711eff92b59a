//! spaCy `Doc.to_json()` JSON Lines: one Doc per document and annotator, in the order of the
//! selection, readable with `Doc(vocab).from_json(line)`.
//!
//! Offsets are code points (Python `str` indices). `tokens` follow [`super::tokens`], so every
//! span lies on token boundaries. Every annotation is in `spans["sc"]` (with the linked
//! entity's id as `kb_id`); `ents` holds the entity mentions that do not overlap an earlier,
//! longer one, because spaCy's `doc.ents` cannot overlap (E1010).
//!
//! Lost, and reported: attributes and notes (no standard slot), entity mentions left out of
//! `ents` for overlapping, discontinuous spans (one span per fragment).

use std::collections::BTreeSet;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{LossReport, Selection, place};
use crate::model::{Annotation, AnnotationSet, Document, LabelKind, Project};

/// The entity mentions that go into `ents`: no overlaps, earlier and then longer first.
pub fn flat_entities<'a>(
    project: &Project,
    set: &'a AnnotationSet,
    report: &mut LossReport,
    format: &str,
) -> Vec<(&'a Annotation, u32, u32)> {
    let mut mentions: Vec<(&Annotation, u32, u32)> = set
        .iter()
        .filter(|a| {
            project
                .schema
                .label(&a.label)
                .is_some_and(|l| l.kind == LabelKind::Entity)
        })
        .flat_map(|a| a.fragments.iter().map(move |f| (a, f.start.0, f.end.0)))
        .collect();
    mentions.sort_by_key(|&(a, s, e)| (s, std::cmp::Reverse(e), a.id.0.clone()));
    let mut kept: Vec<(&Annotation, u32, u32)> = Vec::new();
    for (a, s, e) in mentions {
        if kept.last().is_some_and(|&(_, _, last_end)| s < last_end) {
            report.add(
                &format!("entity mentions left out of {format} because they overlap another"),
                || place(set, a),
            );
        } else {
            kept.push((a, s, e));
        }
    }
    kept
}

/// Span boundaries of a set, to tokenise on.
pub fn boundaries(set: &AnnotationSet) -> (BTreeSet<u32>, BTreeSet<u32>) {
    let mut starts = BTreeSet::new();
    let mut ends = BTreeSet::new();
    for f in set.iter().flat_map(|a| &a.fragments) {
        starts.insert(f.start.0);
        ends.insert(f.end.0);
    }
    (starts, ends)
}

fn doc_json(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    report: &mut LossReport,
) -> Value {
    let (starts, ends) = boundaries(set);
    let tokens: Vec<Value> = super::tokens::tokenize(&document.text, &starts, &ends)
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": i, "start": t.start.0, "end": t.end.0}))
        .collect();
    let ents: Vec<Value> = flat_entities(project, set, report, "ents")
        .into_iter()
        .map(|(a, s, e)| json!({"start": s, "end": e, "label": a.label.as_str()}))
        .collect();
    let mut spans = Vec::new();
    for annotation in set.iter() {
        let where_ = || place(set, annotation);
        if annotation.fragments.len() > 1 {
            report.add(
                "discontinuous spans written as one span per fragment (spaCy spans are contiguous)",
                where_,
            );
        }
        if !annotation.attributes.is_empty() {
            report.add(
                "attributes dropped (spaCy has no standard slot for them)",
                where_,
            );
        }
        if !annotation.note.is_empty() {
            report.add("notes dropped (spaCy has no slot for them)", where_);
        }
        let kb_id = annotation.entity.as_ref().map_or("", |e| e.0.as_str());
        for f in &annotation.fragments {
            spans.push(json!({"start": f.start.0, "end": f.end.0, "label": annotation.label.as_str(), "kb_id": kb_id}));
        }
        report.annotations += 1;
    }
    json!({
        "text": document.text.as_str(),
        "ents": ents,
        "tokens": tokens,
        "spans": {"sc": spans},
    })
}

/// Writes one `Doc.to_json()` object per line.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    for &(document, set) in &selection.items {
        report.documents += 1;
        serde_json::to_writer(
            &mut *out,
            &doc_json(selection.project, document, set, report),
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
