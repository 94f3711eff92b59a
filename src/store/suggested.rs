//! The on-disk shapes of suggestion files (added in format 2, read by nothing older) and their
//! checked conversion to the model ([`crate::model::suggested`]):
//!
//! - `suggestions/<source>/<document>.ron` ([`SuggestionsFile`]): another tool's or a
//!   model's suggestions for a document, written by `lector import --as-suggestions`.
//! - `triage/<annotator>.ron` ([`TriageFile`]): an annotator's accepted and rejected
//!   suggestions.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::convert::ENTRY_DEPTH;
use super::problem::{Entries, Problem};
use super::v1;
use crate::model::suggested::{
    Decision, Suggested, SuggestedSpan, Triage, TriageKey, TriageRecord,
};
use crate::model::{AnnotationId, CharOffset, DocText, Entity, EntityId, Schema};

/// `suggestions/<source>/<document>.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SuggestionsFile {
    /// Always first.
    pub format_version: u32,
    /// The source; must match the folder name.
    pub source: String,
    /// The document; must match the file name.
    pub document: String,
    /// Sorted by start, end, label.
    #[serde(default)]
    pub suggestions: Vec<SuggestionEntry>,
    /// The entities the suggestions link to, sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<v1::EntityEntry>,
}

/// One suggested span.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuggestionEntry {
    /// First char (Unicode scalar values of the stored text).
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The text of the span, for people reading the file and for checking.
    pub text: String,
    /// The label.
    pub label: String,
    /// The entity a mention would link to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

/// `triage/<annotator>.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TriageFile {
    /// Always first.
    pub format_version: u32,
    /// The annotator; must match the file name.
    pub annotator: String,
    /// Sorted by document, start, end, label.
    #[serde(default)]
    pub decisions: Vec<TriageEntry>,
}

/// One decision on a suggestion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TriageEntry {
    /// The document.
    pub document: String,
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The text of the span.
    pub text: String,
    /// The label suggested.
    pub label: String,
    /// The entity suggested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Who suggested it: `registry` or an imported source.
    pub source: String,
    /// Other sources that suggested the same span and label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// `accepted` or `rejected`.
    pub decision: String,
    /// The annotation an accepted suggestion became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
    /// RFC 3339.
    pub at: String,
}

/// Path of one source's suggestions for a document, relative to the project folder.
pub fn suggestions_path(source: &str, document: &str) -> PathBuf {
    Path::new("suggestions")
        .join(source)
        .join(format!("{document}.ron"))
}

/// Path of an annotator's decisions on suggestions, relative to the project folder.
pub fn triage_path(annotator: &str) -> PathBuf {
    Path::new("triage").join(format!("{annotator}.ron"))
}

/// The file shape of a source's suggestions, sorted.
pub fn suggested_to_file(suggested: &Suggested, text: &DocText) -> SuggestionsFile {
    SuggestionsFile {
        format_version: super::ron_file::CURRENT_VERSION,
        source: suggested.source.clone(),
        document: suggested.document.clone(),
        suggestions: suggested
            .spans
            .iter()
            .map(|s| SuggestionEntry {
                start: s.start,
                end: s.end,
                text: text
                    .slice(CharOffset(s.start), CharOffset(s.end))
                    .unwrap_or("")
                    .to_owned(),
                label: s.label.clone(),
                entity: s.entity.as_ref().map(|e| e.0.clone()),
            })
            .collect(),
        entities: suggested
            .entities
            .iter()
            .map(|e| v1::EntityEntry {
                id: e.id.0.clone(),
                name: e.name.clone(),
                label: e.label.clone(),
                note: e.note.clone(),
            })
            .collect(),
    }
}

/// A source's suggestions read from a file and checked against the text and the schema: a
/// span out of the text, off a character boundary, with another text than the file quotes or
/// an unknown label is a problem and left out.
pub fn suggested_from_file(
    file: SuggestionsFile,
    rel: &Path,
    source: &str,
    text: &DocText,
    schema: &Schema,
) -> (Suggested, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut suggested = Suggested::new(file.source, file.document);
    let mut spans = Vec::with_capacity(file.suggestions.len());
    // Suggestions are the entries with a start (entities have none).
    let (entries, count) = (
        Entries::new(source, ENTRY_DEPTH, "start"),
        file.suggestions.len(),
    );
    for (i, entry) in file.suggestions.into_iter().enumerate() {
        let mut report = |message: String| {
            problems.push(Problem::at(
                rel,
                entries.of(i, count, "start"),
                format!("suggestion {}:{}: {message}", entry.start, entry.end),
            ));
        };
        if crate::model::checked_fragments(text, &[(entry.start, entry.end)]).is_err() {
            report(format!(
                "the span does not fit the text ({} characters), or splits a character",
                text.len_chars().0
            ));
            continue;
        }
        let covered = text
            .slice(CharOffset(entry.start), CharOffset(entry.end))
            .unwrap_or("");
        if covered != entry.text {
            report(format!(
                "the file quotes {:?} but the text there is {covered:?}",
                entry.text
            ));
            continue;
        }
        if schema.label(&entry.label).is_none() {
            report(format!("the label {:?} is not in the schema", entry.label));
            continue;
        }
        spans.push(SuggestedSpan {
            start: entry.start,
            end: entry.end,
            label: entry.label,
            entity: entry.entity.map(EntityId),
        });
    }
    let entities = file
        .entities
        .into_iter()
        .map(|e| Entity {
            id: EntityId(e.id),
            name: e.name,
            label: e.label,
            note: e.note,
        })
        .collect();
    suggested.add(spans, entities);
    (suggested, problems)
}

/// The file shape of one decision.
pub fn triage_to_entry(r: &TriageRecord) -> TriageEntry {
    let (decision, annotation) = match &r.decision {
        Decision::Accepted(id) => ("accepted", Some(id.0.to_string())),
        Decision::Rejected => ("rejected", None),
    };
    TriageEntry {
        document: r.key.document.clone(),
        start: r.key.start,
        end: r.key.end,
        text: r.quote.clone(),
        label: r.key.label.clone(),
        entity: r.entity.as_ref().map(|e| e.0.clone()),
        source: r.source.clone(),
        also: r.also.clone(),
        decision: decision.to_owned(),
        annotation,
        at: r.at.to_string(),
    }
}

/// One decision read from a file.
pub fn triage_from_entry(e: TriageEntry) -> Result<TriageRecord, String> {
    let decision = match (e.decision.as_str(), e.annotation) {
        ("accepted", Some(id)) => Decision::Accepted(AnnotationId::from(id)),
        ("accepted", None) => {
            return Err("an accepted suggestion names the annotation it became".to_owned());
        }
        ("rejected", _) => Decision::Rejected,
        (other, _) => return Err(format!("decision {other:?} is not accepted or rejected")),
    };
    if e.start >= e.end {
        return Err(format!("the span {}:{} is empty", e.start, e.end));
    }
    let at =
        e.at.parse()
            .map_err(|_| format!("{:?} is not a time (RFC 3339)", e.at))?;
    Ok(TriageRecord {
        key: TriageKey {
            document: e.document,
            start: e.start,
            end: e.end,
            label: e.label,
        },
        source: e.source,
        also: e.also,
        entity: e.entity.map(EntityId),
        quote: e.text,
        decision,
        at,
    })
}

/// The file shape of an annotator's decisions.
pub fn triage_to_file(triage: &Triage) -> TriageFile {
    TriageFile {
        format_version: super::ron_file::CURRENT_VERSION,
        annotator: triage.annotator.clone(),
        decisions: triage.records.values().map(triage_to_entry).collect(),
    }
}

/// An annotator's decisions read from a file, with a problem (and the decision left out) for
/// each that cannot be read.
pub fn triage_from_file(file: TriageFile, rel: &Path, source: &str) -> (Triage, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut triage = Triage::new(file.annotator);
    let (entries, count) = (
        Entries::new(source, ENTRY_DEPTH, "decision"),
        file.decisions.len(),
    );
    for (i, entry) in file.decisions.into_iter().enumerate() {
        let at = || entries.of(i, count, "start");
        let place = format!("{} {}:{}", entry.document, entry.start, entry.end);
        match triage_from_entry(entry) {
            Ok(record) => {
                if triage.records.contains_key(&record.key) {
                    problems.push(Problem::at(
                        rel,
                        at(),
                        format!("decision on {place}: the suggestion is decided twice"),
                    ));
                }
                triage.records.insert(record.key.clone(), record);
            }
            Err(message) => problems.push(Problem::at(
                rel,
                at(),
                format!("decision on {place}: {message}"),
            )),
        }
    }
    (triage, problems)
}
