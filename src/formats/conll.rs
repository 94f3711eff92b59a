//! CoNLL two-column IOB2: `token<TAB>tag`, a blank line between sentences (Lector breaks at
//! line breaks), `-DOCSTART-<TAB>O` before each document and annotator.
//!
//! Tokens as for spaCy ([`super::tokens`]); whitespace tokens are not written. Only entity
//! mentions are tagged (the same non-overlapping subset as spaCy's `ents`). Lost, and
//! reported: claims and predictions, overlapping mentions, discontinuous mentions (each
//! fragment tagged on its own), attributes, entity links and notes. No offsets are written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::spacy::{boundaries, flat_entities};
use super::{LossReport, Selection, place};
use crate::model::LabelKind;

/// Writes the selection as IOB2.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    let project = selection.project;
    for &(document, set) in &selection.items {
        report.documents += 1;
        for annotation in set.iter() {
            let where_ = || place(set, annotation);
            match project.schema.label(&annotation.label).map(|l| l.kind) {
                Some(LabelKind::Entity) => {
                    report.annotations += 1;
                    if one_token(&annotation.label) != annotation.label {
                        report.add(
                            "labels with spaces or control characters written with _ in their place (a tag is one token)",
                            where_,
                        );
                    }
                    if annotation.fragments.len() > 1 {
                        report.add("discontinuous mentions tagged fragment by fragment (IOB has no discontinuous spans)", where_);
                    }
                    if !annotation.attributes.is_empty()
                        || !annotation.note.is_empty()
                        || annotation.entity.is_some()
                    {
                        report.add(
                            "attributes, entity links and notes dropped (IOB carries labels only)",
                            where_,
                        );
                    }
                }
                _ => report.add(
                    "claims and predictions dropped (CoNLL carries flat entity mentions only)",
                    where_,
                ),
            }
        }
        // Start offset -> (end, label).
        let entities: BTreeMap<u32, (u32, String)> = flat_entities(project, set, report, "CoNLL")
            .into_iter()
            .map(|(a, s, e)| (s, (e, one_token(&a.label))))
            .collect();
        let (starts, ends) = boundaries(set);
        let text = &document.text;
        out.write_all(b"-DOCSTART-\tO\n\n")?;
        let mut open: Option<(u32, String)> = None;
        let mut line_has_tokens = false;
        for token in super::tokens::tokenize(text, &starts, &ends) {
            if open.as_ref().is_some_and(|(end, _)| token.start.0 >= *end) {
                open = None;
            }
            if token.is_space {
                let word = text.slice(token.start, token.end).unwrap_or("");
                if word.contains('\n') && open.is_none() && line_has_tokens {
                    out.write_all(b"\n")?;
                    line_has_tokens = false;
                }
                continue;
            }
            let tag = if let Some((end, label)) = entities.get(&token.start.0) {
                open = Some((*end, label.clone()));
                format!("B-{label}")
            } else if let Some((_, label)) = &open {
                format!("I-{label}")
            } else {
                "O".to_owned()
            };
            let word = text.slice(token.start, token.end).unwrap_or("");
            writeln!(out, "{word}\t{tag}")?;
            line_has_tokens = true;
        }
        if line_has_tokens {
            out.write_all(b"\n")?;
        }
    }
    note_whose(selection, report);
    Ok(())
}

/// CoNLL has no place for who annotated: where a document has several annotators' versions,
/// a note says in which order they follow each other (each after its own `-DOCSTART-`).
fn note_whose(selection: &Selection<'_>, report: &mut LossReport) {
    let mut order: Vec<(&str, Vec<&str>)> = Vec::new();
    for (document, set) in &selection.items {
        match order.last_mut() {
            Some((id, who)) if *id == document.meta.id => who.push(&set.annotator),
            _ => order.push((&document.meta.id, vec![&set.annotator])),
        }
    }
    if order.iter().all(|(_, who)| who.len() < 2) {
        return;
    }
    const LISTED: usize = 5;
    let mut listed: Vec<String> = order
        .iter()
        .take(LISTED)
        .map(|(id, who)| format!("{id}: {}", who.join(", ")))
        .collect();
    if order.len() > LISTED {
        listed.push(format!(
            "and {} more documents, each with its annotators by name",
            order.len() - LISTED
        ));
    }
    report.notes.push(format!(
        "each document's annotators' versions follow each other, each after its own -DOCSTART- \
         (CoNLL has no field for who annotated), in this order: {}",
        listed.join("; ")
    ));
}

/// A label as one IOB token: whitespace and control characters (which would start a new
/// column or line) become `_`.
fn one_token(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}
