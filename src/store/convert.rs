//! Between the model and the file shapes (version 1's, kept by version 2, and version 2's
//! resolutions).

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;

use super::problem::{Entries, Places, Problem};
use super::set_text::{self, RawAnnotation, RawHead, RawValue, Sink};
use super::{v1, v2};
use crate::model::annotation::{check_fragment, ordered_fragments};
use crate::model::resolution::Record;
use crate::model::review::{Choice, Comment, Decision, Review};
use crate::model::schema::Schema;
use crate::model::validate::Meaning;
use crate::model::{
    Annotation, AnnotationId, AnnotationSet, AttrValue, CharOffset, DocText, Entity, EntityId,
    EntityRegistry, Fragment, RecordKey, Resolution, Resolutions, SpanError, SpanTable, Status,
    TableBuilder, ValueRef, VerdictRecord, table::LabelNumbers,
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
        label: a.label.to_string(),
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

pub(super) fn value_to_file(value: &AttrValue) -> v1::Value {
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
        v1::Value::Date(s) => AttrValue::Date(date(&s)?),
        v1::Value::Number(n) => AttrValue::Number(n),
        v1::Value::Entity(s) => AttrValue::Entity(EntityId(s)),
        v1::Value::Annotation(s) => AttrValue::Annotation(AnnotationId::from(s)),
    })
}

/// A date as files write it.
fn date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
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
    let mut builder = Builder::new(path, source, text, 0);
    for entry in file.annotations {
        builder.annotation(&mut raw_of_entry(entry));
    }
    let mut set = AnnotationSet::with_shared(file.annotator, file.document, builder.annotations);
    set.status = status_from_file(file.status);
    (set, builder.problems)
}

/// Reads an annotation file in Lector's reader ([`set_text::read_with`]) into the model,
/// each annotation checked and converted as it is read, on `threads` threads for a big file:
/// the set and the problems of its annotations. `None` if the reader does not know the
/// file's shape (serde reads it then: [`set_from_file`]).
pub fn read_set(
    source: &str,
    path: &Path,
    text: &DocText,
    threads: usize,
) -> Option<(AnnotationSet, Vec<Problem>)> {
    let (head, parts) = set_text::read_with(source, threads, &|bytes| {
        Builder::new(path, source, text, bytes)
    })?;
    let mut annotations = Vec::new();
    let mut problems = Vec::new();
    for part in parts {
        if annotations.is_empty() {
            annotations = part.annotations;
        } else {
            annotations.extend(part.annotations);
        }
        problems.extend(part.problems);
    }
    let mut set = AnnotationSet::with_shared(head.annotator, head.document, annotations);
    set.status = head.status;
    Some((set, problems))
}

/// What [`check_set`] found in an annotation file.
pub struct SetCheck<'a> {
    /// The file's head.
    pub head: RawHead<'a>,
    /// How many of its annotations reading it into the model would keep.
    pub annotations: usize,
    /// What is wrong, as reading it into the model and checking the set report it.
    pub problems: Vec<Problem>,
    /// With [`Keep::Labels`]: the labels of the annotations kept, each with how many have it.
    pub labels: Vec<(Cow<'a, str>, usize)>,
    /// With [`Keep::Labels`]: the annotations kept that link an entity, built (what
    /// suggestions learn names from).
    pub linked: Vec<Arc<Annotation>>,
    /// With [`Keep::Spans`]: the table of the annotations kept.
    pub table: Option<SpanTable>,
}

/// What [`check_set`] keeps of a file's annotations besides their problems and how many
/// there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Nothing more (`lector check`).
    Count,
    /// How many have each label, and those that link an entity, built (`lector stats`).
    Labels,
    /// Their spans as a table (`lector agree`).
    Spans,
}

/// Checks an annotation file of format 2 as reading it ([`read_set`]) and checking the set
/// read (ids used twice, [`Meaning::problems`]) do, with the same problems, without building
/// its annotations: each is checked as a view into the file's bytes and forgotten (`lector
/// check` needs no more). Only an annotation whose checks need the whole set (an attribute
/// that refers to another annotation) is built, and checked at the end. What else is kept
/// of the annotations, `keep` says. `None` where [`read_set`] gives `None`.
pub fn check_set<'a>(
    source: &'a str,
    path: &Path,
    text: &DocText,
    threads: usize,
    meaning: &MeaningContext<'_>,
    keep: Keep,
) -> Option<SetCheck<'a>> {
    let (head, parts) = set_text::read_with(source, threads, &|bytes| Checker {
        builder: Builder::new(path, source, text, 0),
        meaning,
        kept: 0,
        ids: Vec::new(),
        count: keep == Keep::Labels,
        labels: LabelNumbers::default(),
        counts: Vec::new(),
        linked: Vec::new(),
        // Lector writes an annotation in about 300 bytes.
        table: (keep == Keep::Spans).then(|| TableBuilder::with_capacity(bytes / 300)),
    })?;
    let mut annotations = 0;
    let mut problems = Vec::new();
    let mut read_ids = Vec::new();
    let mut whole = Vec::new();
    let mut labels: LabelNumbers<Cow<'a, str>> = LabelNumbers::default();
    let mut counts: Vec<usize> = Vec::new();
    let mut linked = Vec::new();
    let mut table: Option<TableBuilder> = None;
    for part in parts {
        annotations += part.kept;
        problems.extend(part.builder.problems);
        read_ids.extend(part.ids);
        whole.extend(part.builder.annotations);
        linked.extend(part.linked);
        match (&mut table, part.table) {
            (Some(table), Some(part)) => table.append(part),
            (None, part) => table = part,
            (Some(_), None) => {}
        }
        for (label, n) in part.labels.into_labels().into_iter().zip(part.counts) {
            let i = labels.number(&label, || label.clone()) as usize;
            match counts.get_mut(i) {
                Some(total) => *total += n,
                None => counts.push(n),
            }
        }
    }
    // Sorted by their first eight bytes, then the rest: ids that are equal end up side by
    // side, and most comparisons are of two numbers.
    let key = |id: &str| {
        let mut head = [0u8; 8];
        for (to, from) in head.iter_mut().zip(id.as_bytes()) {
            *to = *from;
        }
        u64::from_be_bytes(head)
    };
    // The keys alone first (sorting them takes a third of the time of sorting the pairs):
    // where no two are equal and no annotation is checked against the ids, no id is used
    // twice and the pairs need no sorting.
    let mut keys: Vec<u64> = read_ids.iter().map(|id| key(id)).collect();
    keys.sort_unstable();
    let alike = keys.windows(2).any(|pair| pair[0] == pair[1]);
    let mut ids: Vec<(u64, &str)> = Vec::new();
    if alike || !whole.is_empty() {
        ids = read_ids.iter().map(|id| (key(id), &**id)).collect();
        ids.sort_unstable();
    }
    let mut twice: Vec<&str> = ids
        .windows(2)
        .filter_map(|pair| (pair[0] == pair[1]).then_some(pair[0].1))
        .collect();
    twice.sort_unstable();
    twice.dedup();
    let places = Places::ids(source);
    for id in twice {
        problems.push(duplicate_id(path, &places, id));
    }
    let in_set = |id: &str| ids.binary_search(&(key(id), id)).is_ok();
    let mut messages = Vec::new();
    for annotation in &whole {
        Meaning::of(annotation).problems(
            meaning.schema,
            meaning.registry,
            meaning.annotator,
            &in_set,
            &mut messages,
        );
        report(
            path,
            &places,
            &annotation.id.0,
            &mut messages,
            &mut problems,
        );
    }
    let status = head.status;
    Some(SetCheck {
        head,
        annotations,
        problems,
        labels: labels.into_labels().into_iter().zip(counts).collect(),
        linked,
        table: table.map(|t| t.finish(status)),
    })
}

/// What the meaning of an annotator's annotations is checked against.
pub struct MeaningContext<'r> {
    /// The project's schema.
    pub schema: &'r Schema,
    /// The annotator's entities.
    pub registry: Option<&'r EntityRegistry>,
    /// Whose annotations.
    pub annotator: &'r str,
}

/// The problem of an id that more than one annotation of a file has.
pub fn duplicate_id(path: &Path, places: &Places<'_>, id: &str) -> Problem {
    let at = places.of(id);
    Problem::at(
        path,
        at,
        format!("annotation id {id} is used more than once"),
    )
}

/// Checks (a part of) a file as it is read, for [`check_set`]: the checks of [`Builder`]
/// and those of meaning, on views of the annotations.
struct Checker<'a, 'r> {
    /// Its problems, and the annotations whose meaning is checked at the end.
    builder: Builder<'r>,
    meaning: &'r MeaningContext<'r>,
    /// How many annotations would be kept.
    kept: usize,
    /// Their ids.
    ids: Vec<Cow<'a, str>>,
    /// Whether to count labels and build the annotations that link an entity.
    count: bool,
    /// The labels of the annotations kept, numbered as first met, and how many have each.
    labels: LabelNumbers<Cow<'a, str>>,
    counts: Vec<usize>,
    /// The annotations kept that link an entity.
    linked: Vec<Arc<Annotation>>,
    /// The spans kept, when they are kept as a table.
    table: Option<TableBuilder>,
}

impl<'a> Sink<'a> for Checker<'a, '_> {
    fn annotation(&mut self, entry: &mut RawAnnotation<'a>) {
        let b = &mut self.builder;
        b.messages.clear();
        let times = check_read(entry, b.text, &mut b.times, &mut b.messages);
        let Some((created, modified)) = times else {
            b.report(&entry.id);
            return;
        };
        self.kept += 1;
        self.ids.push(entry.id.clone());
        if self.count {
            let label = &entry.label;
            let i = self.labels.number(label, || label.clone()) as usize;
            match self.counts.get_mut(i) {
                Some(n) => *n += 1,
                None => self.counts.push(1),
            }
        }
        // A link to another annotation is checked once every id is known; an attribute
        // named twice is checked as the model keeps it (the last value).
        let names = &entry.attributes;
        let later = names
            .iter()
            .any(|(_, v)| matches!(v, RawValue::Str("Annotation", _)))
            || names
                .iter()
                .enumerate()
                .any(|(i, (name, _))| names.iter().take(i).any(|(other, _)| other == name));
        if !later {
            let m = self.meaning;
            let meaning = Meaning {
                id: &entry.id,
                label: &entry.label,
                entity: entry.entity.as_deref(),
                attributes: values(entry),
            };
            meaning.problems(
                m.schema,
                m.registry,
                m.annotator,
                &|_| true,
                &mut b.messages,
            );
        }
        b.report(&entry.id);
        let linked = self.count && entry.entity.is_some();
        // A table keeps the annotation itself only where it has more than a span and a
        // label: attributes or an entity link.
        let detail =
            self.table.is_some() && (entry.entity.is_some() || values(entry).next().is_some());
        let mut built = None;
        if later || linked || detail {
            let annotation = Arc::new(annotation_of(entry, created, modified));
            if linked {
                self.linked.push(Arc::clone(&annotation));
            }
            if later {
                b.annotations.push(Arc::clone(&annotation));
            }
            built = Some(annotation);
        }
        if let Some(table) = &mut self.table {
            let detail = built.filter(|_| detail);
            match entry.fragments.as_slice() {
                // Nearly every annotation has one fragment: nothing to order or allocate.
                &[(start, end, _)] => {
                    let one = Fragment {
                        start: CharOffset(start),
                        end: CharOffset(end),
                    };
                    table.push(&entry.id, &entry.label, &[one], detail);
                }
                many => {
                    let ordered =
                        ordered_fragments(many.iter().map(|&(start, end, _)| (start, end)));
                    table.push(&entry.id, &entry.label, &ordered, detail);
                }
            }
        }
    }
}

/// Builds the model's annotations of (a part of) a file as they are read.
struct Builder<'r> {
    path: &'r Path,
    /// Where the file's annotations are, for their problems.
    places: Places<'r>,
    text: &'r DocText,
    times: TimeCache,
    annotations: Vec<Arc<Annotation>>,
    problems: Vec<Problem>,
    /// What is wrong with the annotation at hand.
    messages: Vec<String>,
}

impl<'r> Builder<'r> {
    /// A builder of the annotations in `bytes` of a file (room is made for them at once).
    fn new(path: &'r Path, source: &'r str, text: &'r DocText, bytes: usize) -> Self {
        Self {
            path,
            places: Places::ids(source),
            text,
            times: TimeCache::default(),
            // Lector writes an annotation in about 300 bytes.
            annotations: Vec::with_capacity(bytes / 300),
            problems: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// Reports the problems of the annotation at hand ([`report`]).
    fn report(&mut self, id: &str) {
        report(
            self.path,
            &self.places,
            id,
            &mut self.messages,
            &mut self.problems,
        );
    }
}

impl<'a> Sink<'a> for Builder<'_> {
    fn annotation(&mut self, entry: &mut RawAnnotation<'a>) {
        self.messages.clear();
        let times = check_read(entry, self.text, &mut self.times, &mut self.messages);
        self.report(&entry.id);
        if let Some((created, modified)) = times {
            self.annotations
                .push(Arc::new(annotation_of(entry, created, modified)));
        }
    }
}

/// Problems of one annotation, at its place in the file. The place is looked up only when
/// there is something to report: searching the file for every annotation made loading
/// quadratic.
pub fn report(
    path: &Path,
    places: &Places<'_>,
    id: &str,
    messages: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) {
    if messages.is_empty() {
        return;
    }
    let at = places.of(id);
    for message in messages.drain(..) {
        problems.push(Problem::at(path, at, format!("annotation {id}: {message}")));
    }
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
        if let Some((text, t)) = &self.last {
            if text == s {
                return Ok(*t);
            }
            // The same minute as the last, as Lector writes times (`2026-03-01T12:00:07Z`):
            // its seconds apart, without parsing (annotations made one after another).
            if let (Some(was), Some(now)) = (seconds_of(text), seconds_of(s))
                && text.get(..17) == s.get(..17)
                && let Ok(t) = t.checked_add(jiff::SignedDuration::from_secs(now - was))
            {
                self.remember(s, t);
                return Ok(t);
            }
        }
        let t = timestamp(s)?;
        self.remember(s, t);
        Ok(t)
    }

    fn remember(&mut self, s: &str, t: Timestamp) {
        match &mut self.last {
            // The string's room is kept: most annotations have times of their own.
            Some((text, last)) => {
                text.clear();
                text.push_str(s);
                *last = t;
            }
            None => self.last = Some((s.to_owned(), t)),
        }
    }
}

/// The seconds (0–59) of a time written exactly as Lector writes it, `YYYY-MM-DDTHH:MM:SSZ`
/// with ASCII digits; `None` for any other shape.
fn seconds_of(s: &str) -> Option<i64> {
    let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let shape = digits.iter().all(|&i| b[i].is_ascii_digit())
        && [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ]
        .iter()
        .all(|&(i, c)| b[i] == c);
    if !shape {
        return None;
    }
    let seconds = i64::from(b[17] - b'0') * 10 + i64::from(b[18] - b'0');
    (seconds < 60).then_some(seconds)
}

/// The model of one annotation read from a file, checked against the text. What cannot be
/// read goes to `problems`; `None` when the annotation as a whole cannot be kept.
pub fn annotation_from_entry(
    entry: v1::AnnotationEntry,
    text: &DocText,
    problems: &mut Vec<String>,
) -> Option<Annotation> {
    let mut raw = raw_of_entry(entry);
    let (created, modified) = check_read(&raw, text, &mut TimeCache::default(), problems)?;
    Some(annotation_of(&mut raw, created, modified))
}

/// The checks of one annotation read from a file, against the text: its spans and the
/// quotes of them, its times and its attribute values; what is wrong goes to `problems`.
/// The annotation's times, or `None` when it cannot be kept (a span that does not fit the
/// text, a time that does not read). Reading a set into the model and checking a file
/// without building its annotations (`lector check`) both check them here.
fn check_read(
    entry: &RawAnnotation<'_>,
    text: &DocText,
    times: &mut TimeCache,
    problems: &mut Vec<String>,
) -> Option<(Timestamp, Timestamp)> {
    if entry.fragments.is_empty() {
        problems.push(SpanError::Empty.to_string());
        return None;
    }
    // Every span is checked before any quote is reported: a span that does not fit drops
    // the annotation with that one problem.
    let quotes_from = problems.len();
    for (start, end, quote) in &entry.fragments {
        match check_fragment(text, *start, *end, quote) {
            Ok((_, _, true)) => {}
            Ok((a, b, false)) => {
                let actual = text.as_str().get(a.index()..b.index()).unwrap_or("");
                if actual != quote {
                    problems.push(format!(
                        "the text at {start}:{end} is {actual:?}, but the file quotes {quote:?}; \
                         the offsets or the text were changed outside Lector"
                    ));
                }
            }
            Err(err) => {
                problems.truncate(quotes_from);
                problems.push(err.to_string());
                return None;
            }
        }
    }
    let (created, modified) = match (times.get(&entry.created), times.get(&entry.modified)) {
        (Ok(c), Ok(m)) => (c, m),
        (Err(e), _) | (_, Err(e)) => {
            problems.push(e);
            return None;
        }
    };
    for (name, value) in &entry.attributes {
        if let Err(e) = value_of_raw(value) {
            problems.push(format!("attribute {name:?}: {e}"));
        }
    }
    Some((created, modified))
}

/// An attribute value as read, checked (a date must read as one).
fn value_of_raw<'r>(value: &'r RawValue<'_>) -> Result<ValueRef<'r>, String> {
    Ok(match value {
        RawValue::Number(n) => ValueRef::Number(*n),
        RawValue::Str(variant, s) => match *variant {
            "Choice" => ValueRef::Choice(s),
            "Text" => ValueRef::Text(s),
            "Date" => ValueRef::Date(date(s)?),
            "Entity" => ValueRef::Entity(s),
            _ => ValueRef::Annotation(s),
        },
    })
}

/// The attribute values of an annotation read that [`check_read`] accepted.
fn values<'r>(entry: &'r RawAnnotation<'_>) -> impl Iterator<Item = (&'r str, ValueRef<'r>)> {
    entry
        .attributes
        .iter()
        .filter_map(|(name, value)| Some((&**name, value_of_raw(value).ok()?)))
}

/// The model of an annotation that [`check_read`] accepted, its strings taken out of `entry`.
fn annotation_of(
    entry: &mut RawAnnotation<'_>,
    created: Timestamp,
    modified: Timestamp,
) -> Annotation {
    // A later value of an attribute named twice replaces the earlier one.
    let attributes = values(entry)
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Annotation {
        id: AnnotationId::new(&entry.id),
        label: smol_str::SmolStr::new(&entry.label),
        fragments: ordered_fragments(entry.fragments.iter().map(|&(start, end, _)| (start, end))),
        entity: entry.entity.take().map(|e| EntityId(e.into_owned())),
        attributes,
        note: std::mem::take(&mut entry.note).into_owned(),
        created,
        modified,
    }
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
    // Decisions are the entries with a span, comments those with an annotator.
    let (decisions, comments) = (
        Entries::new(source, ENTRY_DEPTH, "span"),
        Entries::new(source, ENTRY_DEPTH, "annotator"),
    );
    let count = file.decisions.len();
    for (i, entry) in file.decisions.into_iter().enumerate() {
        // The field the problem is in: the time is read first.
        let key = if entry.span.0 > entry.span.1 && timestamp(&entry.at).is_ok() {
            "span"
        } else {
            "at"
        };
        match decision_from_entry(entry) {
            Ok(decision) => {
                review.upsert(decision);
            }
            Err(message) => problems.push(Problem::at(rel, decisions.of(i, count, key), message)),
        }
    }
    let count = file.comments.len();
    for (i, entry) in file.comments.into_iter().enumerate() {
        match comment_from_entry(entry) {
            Ok(comment) => {
                review.set_comment(comment);
            }
            Err(message) => problems.push(Problem::at(rel, comments.of(i, count, "at"), message)),
        }
    }
    (review, problems)
}

/// The bracket depth of an entry of a list in a file: the file's `(` 1, the list's `[` 2, the
/// entry's `(` 3.
pub const ENTRY_DEPTH: usize = 3;

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
    s.as_deref().map(date).transpose()
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
    // Resolved predictions are the entries with a status, claims those with a verdict.
    let (predictions, claims) = (
        Entries::new(source, ENTRY_DEPTH, "status"),
        Entries::new(source, ENTRY_DEPTH, "verdict"),
    );
    let mut report = |entries: &Entries<'_>, i: usize, count: usize, annotation: &str, message| {
        problems.push(Problem::at(
            rel,
            entries.of(i, count, "annotation"),
            format!("resolution of {annotation}: {message}"),
        ));
    };
    let count = file.predictions.len();
    for (i, entry) in file.predictions.into_iter().enumerate() {
        let id = entry.annotation.clone();
        match resolution_from_entry(entry) {
            Ok(record) => {
                if resolutions.predictions.contains_key(&record.key) {
                    report(
                        &predictions,
                        i,
                        count,
                        &id,
                        "the annotation is resolved twice".to_owned(),
                    );
                }
                resolutions.predictions.insert(record.key.clone(), record);
            }
            Err(message) => report(&predictions, i, count, &id, message),
        }
    }
    let count = file.claims.len();
    for (i, entry) in file.claims.into_iter().enumerate() {
        let id = entry.annotation.clone();
        match verdict_from_entry(entry) {
            Ok(record) => {
                if resolutions.claims.contains_key(&record.key) {
                    report(
                        &claims,
                        i,
                        count,
                        &id,
                        "the claim has two verdicts".to_owned(),
                    );
                }
                resolutions.claims.insert(record.key.clone(), record);
            }
            Err(message) => report(&claims, i, count, &id, message),
        }
    }
    (resolutions, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's table read on views of its annotations (`lector agree`), whole or in parts,
    /// says of each span what the table of the set read into the model says: spans out of
    /// order, an id used twice (at other places and at the same place), fragments that merge
    /// and widen the hull, a span that does not fit (dropped by both), attributes, an entity
    /// link, a reference to another annotation, an attribute whose value does not read, and
    /// a status with no annotation started.
    #[test]
    fn a_files_table_read_on_views_is_that_of_its_set() {
        let text = DocText::new("abcdefghijklmnopqrstuvwxyz0123456789".repeat(4)).unwrap();
        let entry = |id: &str, label: &str, fragments: &str, more: &str| {
            format!(
                "        (\n            id: \"{id}\",\n            label: \"{label}\",\n            \
                 fragments: [{fragments}],\n{more}            created: \"2026-12-06T07:06:00Z\",\n            \
                 modified: \"2026-12-06T07:06:00Z\",\n        ),\n"
            )
        };
        let entries = [
            entry("z", "Place", "(20, 24, \"uvwx\")", ""),
            entry("b", "Person", "(5, 9, \"fghi\")", "            entity: Some(\"putin\"),\n"),
            entry("twin", "Person", "(30, 33, \"456\")", ""),
            entry("a", "Person", "(5, 9, \"fghi\")", ""),
            entry("twin", "Place", "(1, 3, \"bc\")", ""),
            entry("twin", "Claim", "(30, 33, \"456\")", ""),
            entry("m", "Claim", "(12, 16, \"mnop\"), (10, 14, \"klmn\")", ""),
            entry("far", "Claim", "(100, 900, \"\")", ""),
            entry(
                "c",
                "Claim",
                "(40, 50, \"efghijklmn\")",
                "            attributes: {\"about\": Annotation(\"twin\"), \"due\": Date(\"soon\")},\n",
            ),
            entry(
                "d",
                "Claim",
                "(41, 45, \"fghi\")",
                "            attributes: {\"checkworthy\": Choice(\"check_worthy\")},\n",
            ),
        ]
        .concat();
        for status in ["NotStarted", "Done"] {
            let source = format!(
                "(\n    format_version: 2,\n    document: \"d\",\n    annotator: \"anna\",\n    \
                 status: {status},\n    annotations: [\n{entries}    ],\n)\n"
            );
            let path = Path::new("annotations/anna/d.ron");
            let (set, _) = read_set(&source, path, &text, 1).unwrap();
            assert_eq!(set.len(), 9, "the span that does not fit is dropped");
            let expected = SpanTable::of_set(&set);
            let schema = Schema::news_default();
            let meaning = MeaningContext {
                schema: &schema,
                registry: None,
                annotator: "anna",
            };
            for threads in [1, 3] {
                let checked = check_set(&source, path, &text, threads, &meaning, Keep::Spans);
                let table = checked.and_then(|c| c.table).unwrap();
                assert_eq!(table.status, expected.status);
                assert_eq!(table.len(), expected.len(), "{threads} threads");
                for i in 0..table.len() {
                    let what = format!("{status}, {threads} threads, span {i}");
                    assert_eq!(table.id(i), expected.id(i), "{what}");
                    assert_eq!(table.label(i), expected.label(i), "{what}");
                    assert_eq!(table.fragments(i), expected.fragments(i), "{what}");
                    assert_eq!(table.spans()[i].plain, expected.spans()[i].plain, "{what}");
                    assert_eq!(table.spans()[i].hull, expected.spans()[i].hull, "{what}");
                    let (x, y) = (table.annotation(i), expected.annotation(i));
                    assert_eq!(x.map(|a| &a.attributes), y.map(|a| &a.attributes), "{what}");
                    assert_eq!(x.map(|a| &a.entity), y.map(|a| &a.entity), "{what}");
                }
                // The reference finds what the set finds.
                let twin = AnnotationId::new("twin");
                let found = table.find(&twin).unwrap();
                let in_set = set.get(&twin).unwrap();
                assert_eq!(table.label(found), Some(in_set.label.as_str()));
                assert_eq!(table.fragments(found), in_set.fragments.as_slice());
            }
        }
    }

    /// Times read one after another through the cache are what parsing each gives, errors
    /// included: the same minute's seconds, other minutes, other shapes, nonsense.
    #[test]
    fn cached_times_are_parsed_times() {
        let times = [
            "2026-03-01T12:00:07Z",
            "2026-03-01T12:00:07Z",
            "2026-03-01T12:00:59Z",
            "2026-03-01T12:00:00Z",
            "2026-03-01T12:00:60Z",
            "2026-03-01T12:00:6xZ",
            "2026-03-01T12:00:09Z",
            "2026-03-01T12:01:09Z",
            "2026-02-30T12:01:09Z",
            "2026-02-30T12:01:10Z",
            "2026-03-01T12:01:09+00:00",
            "2026-03-01T12:01:10+00:00",
            "2026-03-01T12:01:11Z",
            "2026-03-01T12:01:1\u{e9}",
            "-001-03-01T12:01:11Z",
            "9999-12-31T23:59:58Z",
            "9999-12-31T23:59:59Z",
            "",
        ];
        let mut cache = TimeCache::default();
        for s in times {
            assert_eq!(cache.get(s), timestamp(s), "{s}");
        }
    }
}
