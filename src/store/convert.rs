//! Between the model and the file shapes (version 1's, kept by version 2, and version 2's
//! resolutions).

use std::borrow::Cow;
use std::path::Path;

use jiff::Timestamp;

use super::problem::{Problem, find_position};
use super::set_text::{RawAnnotation, RawSet, RawValue};
use super::{v1, v2};
use crate::model::resolution::Record;
use crate::model::review::{Choice, Comment, Decision, Review};
use crate::model::{
    Annotation, AnnotationId, AnnotationSet, AttrValue, CharOffset, DocText, Entity, EntityId,
    EntityRegistry, RecordKey, Resolution, Resolutions, Status, VerdictRecord, checked_fragments,
};
use crate::predict::{ResolutionStatus, Verdict};

/// Chars of context written before and after each annotation.
const CONTEXT_CHARS: u32 = 24;

/// The file shape of an annotation set. Quotes and context come from the text.
pub fn set_to_file(set: &AnnotationSet, text: &DocText) -> v1::SetFile {
    let annotations = set
        .annotations()
        .iter()
        .map(|a| annotation_to_entry(a, text))
        .collect();
    v1::SetFile {
        format_version: super::ron_file::CURRENT_VERSION,
        document: set.document.clone(),
        annotator: set.annotator.clone(),
        status: status_to_file(set.status),
        annotations,
    }
}

/// The file shape of one annotation, with its quotes and context from the text.
pub fn annotation_to_entry(a: &Annotation, text: &DocText) -> v1::AnnotationEntry {
    v1::AnnotationEntry {
        id: a.id.0.to_string(),
        label: a.label.clone(),
        fragments: a
            .fragments
            .iter()
            .map(|f| {
                (
                    f.start.0,
                    f.end.0,
                    text.slice(f.start, f.end).unwrap_or("").to_owned(),
                )
            })
            .collect(),
        before: text.before(a.start(), CONTEXT_CHARS).to_owned(),
        after: text.after(a.end(), CONTEXT_CHARS).to_owned(),
        entity: a.entity.as_ref().map(|e| e.0.clone()),
        attributes: a
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), value_to_file(v)))
            .collect(),
        note: a.note.clone(),
        created: a.created.to_string(),
        modified: a.modified.to_string(),
    }
}

/// The file shape of a progress status.
pub fn status_to_file(status: Status) -> v1::Status {
    match status {
        Status::NotStarted => v1::Status::NotStarted,
        Status::InProgress => v1::Status::InProgress,
        Status::Done => v1::Status::Done,
    }
}

/// A progress status read from a file.
pub fn status_from_file(status: v1::Status) -> Status {
    match status {
        v1::Status::NotStarted => Status::NotStarted,
        v1::Status::InProgress => Status::InProgress,
        v1::Status::Done => Status::Done,
    }
}

fn value_to_file(value: &AttrValue) -> v1::Value {
    match value {
        AttrValue::Choice(s) => v1::Value::Choice(s.clone()),
        AttrValue::Text(s) => v1::Value::Text(s.clone()),
        AttrValue::Date(d) => v1::Value::Date(d.to_string()),
        AttrValue::Number(n) => v1::Value::Number(*n),
        AttrValue::Entity(id) => v1::Value::Entity(id.0.clone()),
        AttrValue::Annotation(id) => v1::Value::Annotation(id.0.to_string()),
    }
}

/// Reads an attribute value written in a file.
pub fn value_from_file(value: v1::Value) -> Result<AttrValue, String> {
    Ok(match value {
        v1::Value::Choice(s) => AttrValue::Choice(s),
        v1::Value::Text(s) => AttrValue::Text(s),
        v1::Value::Date(s) => AttrValue::Date(
            s.parse()
                .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))?,
        ),
        v1::Value::Number(n) => AttrValue::Number(n),
        v1::Value::Entity(s) => AttrValue::Entity(EntityId(s)),
        v1::Value::Annotation(s) => AttrValue::Annotation(AnnotationId::from(s)),
    })
}

fn timestamp(s: &str) -> Result<Timestamp, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a time of the form 2026-03-01T12:00:00Z"))
}

/// The model of an annotation set read from a file. Annotations whose spans or fields cannot
/// be read are left out and reported; the caller keeps the file read-only then, so that
/// nothing on disk is lost.
pub fn set_from_file(
    file: v1::SetFile,
    path: &Path,
    source: &str,
    text: &DocText,
) -> (AnnotationSet, Vec<Problem>) {
    let raw = RawSet {
        format_version: file.format_version,
        document: Cow::Owned(file.document),
        annotator: Cow::Owned(file.annotator),
        status: status_from_file(file.status),
        annotations: file.annotations.into_iter().map(raw_of_entry).collect(),
    };
    set_from_raw(raw, path, source, text, 1)
}

/// The model of an annotation set read by [`super::set_text::read`] (or from the serde
/// shapes), converted on `threads` threads at once.
pub fn set_from_raw(
    raw: RawSet<'_>,
    path: &Path,
    source: &str,
    text: &DocText,
    threads: usize,
) -> (AnnotationSet, Vec<Problem>) {
    let RawSet {
        document,
        annotator,
        status,
        annotations: raws,
        ..
    } = raw;
    let convert_part = |part: &mut [RawAnnotation<'_>]| {
        let mut annotations = Vec::with_capacity(part.len());
        let mut problems = Vec::new();
        let mut times = TimeCache::default();
        for entry in part {
            let mut messages = Vec::new();
            if let Some(annotation) = annotation_from_raw(entry, text, &mut times, &mut messages) {
                annotations.push(annotation);
            }
            if !messages.is_empty() {
                // The position is looked up only when there is something to report:
                // searching the file for every annotation made loading quadratic.
                let at = find_position(source, &format!("id: {:?}", entry.id));
                for message in messages {
                    problems.push(Problem::at(
                        path,
                        at,
                        format!("annotation {}: {message}", entry.id),
                    ));
                }
            }
        }
        (annotations, problems)
    };
    let mut raws = raws;
    let chunk = raws.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<(Vec<Annotation>, Vec<Problem>)> = if threads > 1 && raws.len() > 4096 {
        std::thread::scope(|scope| {
            let handles: Vec<_> = raws
                .chunks_mut(chunk)
                .map(|part| scope.spawn(|| convert_part(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    } else {
        vec![convert_part(&mut raws)]
    };
    let mut annotations = Vec::with_capacity(raws.len());
    let mut problems = Vec::new();
    for (a, p) in parts {
        annotations.extend(a);
        problems.extend(p);
    }
    let mut set = AnnotationSet::with_annotations(annotator, document, annotations);
    set.status = status;
    (set, problems)
}

/// The borrowed shape of a serde entry.
fn raw_of_entry(entry: v1::AnnotationEntry) -> RawAnnotation<'static> {
    RawAnnotation {
        id: Cow::Owned(entry.id),
        label: Cow::Owned(entry.label),
        fragments: entry
            .fragments
            .into_iter()
            .map(|(s, e, q)| (s, e, Cow::Owned(q)))
            .collect(),
        entity: entry.entity.map(Cow::Owned),
        attributes: entry
            .attributes
            .into_iter()
            .map(|(name, value)| {
                let value = match value {
                    v1::Value::Number(n) => RawValue::Number(n),
                    v1::Value::Choice(s) => RawValue::Str("Choice", Cow::Owned(s)),
                    v1::Value::Text(s) => RawValue::Str("Text", Cow::Owned(s)),
                    v1::Value::Date(s) => RawValue::Str("Date", Cow::Owned(s)),
                    v1::Value::Entity(s) => RawValue::Str("Entity", Cow::Owned(s)),
                    v1::Value::Annotation(s) => RawValue::Str("Annotation", Cow::Owned(s)),
                };
                (Cow::Owned(name), value)
            })
            .collect(),
        note: Cow::Owned(entry.note),
        created: Cow::Owned(entry.created),
        modified: Cow::Owned(entry.modified),
    }
}

/// Parses times, remembering the last one: an annotation's two times are usually equal.
#[derive(Default)]
struct TimeCache {
    last: Option<(String, Timestamp)>,
}

impl TimeCache {
    fn get(&mut self, s: &str) -> Result<Timestamp, String> {
        if let Some((text, t)) = &self.last
            && text == s
        {
            return Ok(*t);
        }
        let t = timestamp(s)?;
        self.last = Some((s.to_owned(), t));
        Ok(t)
    }
}

/// The model of one annotation read from a file, checked against the text. What cannot be
/// read goes to `problems`; `None` when the annotation as a whole cannot be kept.
pub fn annotation_from_entry(
    entry: v1::AnnotationEntry,
    text: &DocText,
    problems: &mut Vec<String>,
) -> Option<Annotation> {
    let mut raw = raw_of_entry(entry);
    annotation_from_raw(&mut raw, text, &mut TimeCache::default(), problems)
}

/// The one conversion of a read annotation into the model (see [`annotation_from_entry`]).
/// Takes the strings out of `entry`.
fn annotation_from_raw(
    entry: &mut RawAnnotation<'_>,
    text: &DocText,
    times: &mut TimeCache,
    problems: &mut Vec<String>,
) -> Option<Annotation> {
    // One fragment (nearly every annotation): no list to build for it.
    let checked = match entry.fragments.as_slice() {
        [(start, end, _)] => checked_fragments(text, &[(*start, *end)]),
        many => checked_fragments(text, &many.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>()),
    };
    let fragments = match checked {
        Ok(fragments) => fragments,
        Err(err) => {
            problems.push(err.to_string());
            return None;
        }
    };
    for (start, end, quote) in &entry.fragments {
        // The text from the start on begins with the quote, which has as many chars as the
        // fragment: then they are equal (one offset looked up instead of two).
        let quoted = text
            .byte(CharOffset(*start))
            .and_then(|at| text.as_str().get(at.index()..))
            .is_some_and(|rest| {
                rest.starts_with(&**quote)
                    && quote.chars().count() == end.saturating_sub(*start) as usize
            });
        if quoted {
            continue;
        }
        let actual = text
            .slice(CharOffset(*start), CharOffset(*end))
            .unwrap_or("");
        if actual != quote {
            problems.push(format!(
                "the text at {start}:{end} is {actual:?}, but the file quotes {quote:?}; \
                 the offsets or the text were changed outside Lector"
            ));
        }
    }
    let (created, modified) = match (times.get(&entry.created), times.get(&entry.modified)) {
        (Ok(c), Ok(m)) => (c, m),
        (Err(e), _) | (_, Err(e)) => {
            problems.push(e);
            return None;
        }
    };
    let mut attributes = std::collections::BTreeMap::new();
    for (name, value) in std::mem::take(&mut entry.attributes) {
        let value = match value {
            RawValue::Number(n) => v1::Value::Number(n),
            RawValue::Str(variant, s) => {
                let s = s.into_owned();
                match variant {
                    "Choice" => v1::Value::Choice(s),
                    "Text" => v1::Value::Text(s),
                    "Date" => v1::Value::Date(s),
                    "Entity" => v1::Value::Entity(s),
                    _ => v1::Value::Annotation(s),
                }
            }
        };
        match value_from_file(value) {
            Ok(value) => {
                attributes.insert(name.into_owned(), value);
            }
            Err(e) => problems.push(format!("attribute {name:?}: {e}")),
        }
    }
    Some(Annotation {
        id: AnnotationId::new(&entry.id),
        label: std::mem::take(&mut entry.label).into_owned(),
        fragments,
        entity: entry.entity.take().map(|e| EntityId(e.into_owned())),
        attributes,
        note: std::mem::take(&mut entry.note).into_owned(),
        created,
        modified,
    })
}

/// The file shape of an entity registry.
pub fn entities_to_file(annotator: &str, registry: &EntityRegistry) -> v1::EntitiesFile {
    v1::EntitiesFile {
        format_version: super::ron_file::CURRENT_VERSION,
        annotator: annotator.to_owned(),
        entities: registry.entities.iter().map(entity_to_entry).collect(),
    }
}

/// The file shape of one entity.
pub fn entity_to_entry(e: &Entity) -> v1::EntityEntry {
    v1::EntityEntry {
        id: e.id.0.clone(),
        name: e.name.clone(),
        label: e.label.clone(),
        note: e.note.clone(),
    }
}

/// The model of one entity read from a file.
pub fn entity_from_entry(e: v1::EntityEntry) -> Entity {
    Entity {
        id: EntityId(e.id),
        name: e.name,
        label: e.label,
        note: e.note,
    }
}

/// The model of an entity registry read from a file.
pub fn entities_from_file(file: v1::EntitiesFile) -> EntityRegistry {
    let mut entities: Vec<Entity> = file.entities.into_iter().map(entity_from_entry).collect();
    // Stable: duplicates stay next to each other for `registry_problems` to report.
    entities.sort_by(|a, b| a.id.cmp(&b.id));
    EntityRegistry { entities }
}

/// The file shape of a review.
pub fn review_to_file(review: &Review) -> v1::ReviewFile {
    v1::ReviewFile {
        format_version: super::ron_file::CURRENT_VERSION,
        document: review.document.clone(),
        reviewer: review.reviewer.clone(),
        decisions: review
            .in_text_order()
            .into_iter()
            .map(decision_to_entry)
            .collect(),
        comments: review.comments.iter().map(comment_to_entry).collect(),
    }
}

/// The file shape of one decision.
pub fn decision_to_entry(d: &Decision) -> v1::DecisionEntry {
    v1::DecisionEntry {
        sources: d
            .sources
            .iter()
            .map(|(a, id)| (a.to_owned(), id.0.to_string()))
            .collect(),
        span: (d.start.0, d.end.0),
        kind: d.kind.clone(),
        choice: match &d.choice {
            Choice::Agreed => v1::ChoiceEntry::Agreed,
            Choice::Take(a) => v1::ChoiceEntry::Take(a.clone()),
            Choice::All => v1::ChoiceEntry::All,
            Choice::Neither => v1::ChoiceEntry::Neither,
            Choice::Edited => v1::ChoiceEntry::Edited,
        },
        result: d.result.iter().map(|id| id.0.to_string()).collect(),
        note: d.note.clone(),
        at: d.at.to_string(),
    }
}

/// The file shape of one comment.
pub fn comment_to_entry(c: &Comment) -> v1::CommentEntry {
    v1::CommentEntry {
        annotator: c.annotator.clone(),
        annotation: c.annotation.0.to_string(),
        text: c.text.clone(),
        at: c.at.to_string(),
    }
}

/// The model of a review read from a file, with a problem for each entry that cannot be read
/// (left out; the caller keeps the file read-only then).
pub fn review_from_file(file: v1::ReviewFile, rel: &Path, source: &str) -> (Review, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut review = Review::new(file.document, file.reviewer);
    for entry in file.decisions {
        let needle = entry.at.clone();
        let span = entry.span;
        match decision_from_entry(entry) {
            Ok(decision) => {
                review.upsert(decision);
            }
            Err(message) => {
                let pos = if span.0 > span.1 {
                    find_position(source, &format!("span: ({}, {})", span.0, span.1))
                } else {
                    find_position(source, &needle)
                };
                problems.push(Problem::at(rel, pos, message));
            }
        }
    }
    for entry in file.comments {
        let needle = entry.at.clone();
        match comment_from_entry(entry) {
            Ok(comment) => {
                review.set_comment(comment);
            }
            Err(message) => {
                let pos = find_position(source, &needle);
                problems.push(Problem::at(rel, pos, message));
            }
        }
    }
    (review, problems)
}

/// The model of one decision read from a file.
pub fn decision_from_entry(entry: v1::DecisionEntry) -> Result<Decision, String> {
    let at = timestamp(&entry.at)?;
    if entry.span.0 > entry.span.1 {
        return Err("a decision's span ends before it starts".to_owned());
    }
    Ok(Decision {
        sources: entry
            .sources
            .into_iter()
            .map(|(a, id)| (a, AnnotationId::from(id)))
            .collect(),
        start: CharOffset(entry.span.0),
        end: CharOffset(entry.span.1),
        kind: entry.kind,
        choice: match entry.choice {
            v1::ChoiceEntry::Agreed => Choice::Agreed,
            v1::ChoiceEntry::Take(a) => Choice::Take(a),
            v1::ChoiceEntry::All => Choice::All,
            v1::ChoiceEntry::Neither => Choice::Neither,
            v1::ChoiceEntry::Edited => Choice::Edited,
        },
        result: entry.result.into_iter().map(AnnotationId::from).collect(),
        note: entry.note,
        at,
    })
}

/// The model of one comment read from a file.
pub fn comment_from_entry(entry: v1::CommentEntry) -> Result<Comment, String> {
    Ok(Comment {
        annotator: entry.annotator,
        annotation: AnnotationId::from(entry.annotation),
        text: entry.text,
        at: timestamp(&entry.at)?,
    })
}

/// The file shape of a resolver's records, sorted by annotation.
pub fn resolutions_to_file(resolutions: &Resolutions) -> v2::ResolutionsFile {
    v2::ResolutionsFile {
        format_version: super::ron_file::CURRENT_VERSION,
        resolver: resolutions.resolver.clone(),
        predictions: resolutions
            .predictions
            .values()
            .map(resolution_to_entry)
            .collect(),
        claims: resolutions.claims.values().map(verdict_to_entry).collect(),
    }
}

/// The file shape of one resolution.
pub fn resolution_to_entry(r: &Resolution) -> v2::ResolutionEntry {
    v2::ResolutionEntry {
        document: r.key.document.clone(),
        annotator: r.key.annotator.clone(),
        annotation: r.key.annotation.0.to_string(),
        quote: r.quote.clone(),
        status: r.outcome.name().to_owned(),
        date: r.date.map(|d| d.to_string()),
        evidence: r.evidence.clone(),
        note: r.note.clone(),
        at: r.at.to_string(),
    }
}

/// The file shape of one verdict.
pub fn verdict_to_entry(r: &VerdictRecord) -> v2::VerdictEntry {
    v2::VerdictEntry {
        document: r.key.document.clone(),
        annotator: r.key.annotator.clone(),
        annotation: r.key.annotation.0.to_string(),
        quote: r.quote.clone(),
        verdict: r.outcome.name().to_owned(),
        date: r.date.map(|d| d.to_string()),
        evidence: r.evidence.clone(),
        note: r.note.clone(),
        at: r.at.to_string(),
    }
}

fn date_of(s: Option<String>) -> Result<Option<jiff::civil::Date>, String> {
    s.map(|s| {
        s.parse()
            .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
    })
    .transpose()
}

/// One resolution read from a file.
pub fn resolution_from_entry(e: v2::ResolutionEntry) -> Result<Resolution, String> {
    let outcome = ResolutionStatus::from_name(&e.status).ok_or_else(|| {
        format!(
            "status {:?} is not one of {}",
            e.status,
            crate::model::schema::RESOLUTION.join(", ")
        )
    })?;
    Ok(Record {
        key: RecordKey::new(e.document, e.annotator, AnnotationId::from(e.annotation)),
        outcome,
        date: date_of(e.date)?,
        evidence: e.evidence,
        note: e.note,
        quote: e.quote,
        at: timestamp(&e.at)?,
    })
}

/// One verdict read from a file.
pub fn verdict_from_entry(e: v2::VerdictEntry) -> Result<VerdictRecord, String> {
    let outcome = Verdict::from_name(&e.verdict).ok_or_else(|| {
        format!(
            "verdict {:?} is not one of {}",
            e.verdict,
            crate::model::schema::VERDICT.join(", ")
        )
    })?;
    Ok(Record {
        key: RecordKey::new(e.document, e.annotator, AnnotationId::from(e.annotation)),
        outcome,
        date: date_of(e.date)?,
        evidence: e.evidence,
        note: e.note,
        quote: e.quote,
        at: timestamp(&e.at)?,
    })
}

/// A resolver's records read from a file, with a problem (and the record left out) for each
/// that cannot be read; the caller keeps the file read-only then.
pub fn resolutions_from_file(
    file: v2::ResolutionsFile,
    rel: &Path,
    source: &str,
) -> (Resolutions, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut resolutions = Resolutions::new(file.resolver);
    let mut report = |annotation: &str, message: String| {
        let at = find_position(source, &format!("annotation: {annotation:?}"));
        problems.push(Problem::at(
            rel,
            at,
            format!("resolution of {annotation}: {message}"),
        ));
    };
    for entry in file.predictions {
        let id = entry.annotation.clone();
        match resolution_from_entry(entry) {
            Ok(record) => {
                if resolutions.predictions.contains_key(&record.key) {
                    report(&id, "the annotation is resolved twice".to_owned());
                }
                resolutions.predictions.insert(record.key.clone(), record);
            }
            Err(message) => report(&id, message),
        }
    }
    for entry in file.claims {
        let id = entry.annotation.clone();
        match verdict_from_entry(entry) {
            Ok(record) => {
                if resolutions.claims.contains_key(&record.key) {
                    report(&id, "the claim has two verdicts".to_owned());
                }
                resolutions.claims.insert(record.key.clone(), record);
            }
            Err(message) => report(&id, message),
        }
    }
    (resolutions, problems)
}
