//! Import: what readers produce, and the one place where it is checked and added to a project.
//!
//! A reader turns a file into [`Candidate`]s with char offsets (converted from the format's
//! unit through [`crate::model::DocText`]). [`apply`] checks each against the stored text
//! (range, grapheme boundaries, and the quoted text where the format repeats it) and the
//! schema, exactly as the app validates; a span that does not fit is listed with its file,
//! line and reason and skipped, never shifted. A malformed file stops the import before
//! anything changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::jsonl::EntityInfo;
use super::{Format, FormatError};
use crate::model::edit::Edit;
use crate::model::validate::{annotation_problems, parse_value};
use crate::model::{
    Annotation, AnnotationId, AttrType, AttrValue, CharOffset, Entity, EntityId, Fragment,
    LabelKind, Project, checked_fragments,
};

/// An attribute value as a file gives it, typed against the schema in [`apply`].
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// Text (choices, free text, dates, entity ids).
    Text(String),
    /// A number.
    Number(f64),
    /// Another annotation of the same file, by the file's id for it.
    Annotation(String),
}

/// One annotation as read from a file, before checking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Candidate {
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line in that file (0 if the format has no lines).
    pub line: usize,
    /// Document id.
    pub document: String,
    /// The id the file uses for it (to resolve references).
    pub source_id: String,
    /// Whether `source_id` is a Lector id to keep.
    pub keep_id: bool,
    /// Label name.
    pub label: String,
    /// `(start, end)` char offsets of each fragment.
    pub spans: Vec<(u32, u32)>,
    /// The text the file says the fragments cover, joined by `quote_separator`.
    pub quote: Option<String>,
    /// How the format joins the texts of fragments in `quote`.
    pub quote_separator: &'static str,
    /// Attribute values.
    pub attributes: Vec<(String, RawValue)>,
    /// Note.
    pub note: String,
    /// Linked entity: id, and the name if the file has it.
    pub entity: Option<(String, Option<String>)>,
    /// Entities the file describes, to create where the annotator has none of that id.
    pub entities: BTreeMap<String, EntityInfo>,
    /// Creation time, if the file has it.
    pub created: Option<jiff::Timestamp>,
    /// Modification time, if the file has it.
    pub modified: Option<jiff::Timestamp>,
    /// Why the reader already knows this candidate cannot be imported (a time that is not a
    /// time); [`apply`] lists it with this reason.
    pub invalid: Option<String>,
}

impl Candidate {
    /// Sets `created` and `modified` from the texts a file gives. Without one (or with an
    /// empty one) the time of the import is used; a text that is not a time makes the
    /// candidate invalid, as Lector's own loader refuses such an annotation.
    pub fn set_times(&mut self, created: Option<&str>, modified: Option<&str>) {
        self.created = self.time("created", created);
        self.modified = self.time("modified", modified);
    }

    fn time(&mut self, field: &str, raw: Option<&str>) -> Option<jiff::Timestamp> {
        let raw = raw.filter(|r| !r.trim().is_empty())?;
        match raw.trim().parse() {
            Ok(time) => Some(time),
            Err(_) => {
                self.invalid.get_or_insert_with(|| {
                    format!("{field} {raw:?} is not a time of the form 2026-03-01T12:00:00Z")
                });
                None
            }
        }
    }
}

/// An annotation (or line) that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 for the whole file).
    pub line: usize,
    /// Why.
    pub reason: String,
}

impl Skipped {
    /// A skipped line.
    pub fn new(file: &Path, line: usize, reason: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
        } else {
            write!(f, "{}: {}", self.file.display(), self.reason)
        }
    }
}

/// What a reader made of its input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// Annotations to check and add.
    pub candidates: Vec<Candidate>,
    /// Lines already skipped by the reader.
    pub skipped: Vec<Skipped>,
}

/// The lines of a line-based file to import (Lector JSONL, doccano JSONL, brat) that are not
/// of the format. A bad line (a truncated last line, one mangled by hand) is skipped and
/// listed with its file, line and reason, and the others are imported. A file none of whose
/// lines is of the format is not a file of that format at all (the wrong format picked, the
/// wrong file): that stops the import, with the first line's reason.
#[derive(Debug, Default)]
pub struct BadLines {
    /// The first bad line: (file, line, reason).
    first: Option<(PathBuf, usize, String)>,
    /// The text of the file's first line, to say which format it looks like.
    first_text: Option<String>,
    bad: usize,
    good: usize,
}

/// The line-based format a JSON line looks like, if it is one of those Lector imports: said
/// when a file none of whose lines is of the format asked for was given.
fn looks_like(line: &str) -> Option<Format> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let object = value.as_object()?;
    let has = |key: &str| object.contains_key(key);
    if has("document") && has("fragments") {
        Some(Format::Jsonl)
    } else if has("text") && (has("label") || has("entities")) {
        Some(Format::Doccano)
    } else if has("annotations") || has("predictions") || has("data") {
        Some(Format::LabelStudio)
    } else if has("@context") || has("target") {
        Some(Format::W3c)
    } else {
        None
    }
}

impl BadLines {
    /// Notes a line's text (only the first is kept), before [`Self::take`] takes its reading.
    pub fn line(&mut self, text: &str) {
        if self.first_text.is_none() {
            self.first_text = Some(text.to_owned());
        }
    }

    /// Takes what reading one line gave: the line's reading, or `None` for a line that is not
    /// of the format, which is listed in `parsed.skipped`; any other error (the file cannot
    /// be read) is passed on.
    pub fn take<T>(
        &mut self,
        parsed: &mut Parsed,
        read: Result<T, FormatError>,
    ) -> Result<Option<T>, FormatError> {
        match read {
            Ok(value) => {
                self.good += 1;
                Ok(Some(value))
            }
            Err(FormatError::Malformed {
                message,
                line,
                path,
            }) => {
                self.bad += 1;
                parsed.skipped.push(Skipped::new(
                    &path,
                    line,
                    format!("{message}; line skipped"),
                ));
                self.first.get_or_insert((path, line, message));
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// The first bad line's error when no line was of `format`, saying which format the
    /// file looks like where it looks like another.
    pub fn finish(self, format: Format) -> Result<(), FormatError> {
        let Some((path, line, mut message)) = self.first.filter(|_| self.good == 0) else {
            return Ok(());
        };
        if self.bad > 1 {
            message = format!("{message} (nor is any other of its {} lines)", self.bad);
        }
        let other = self.first_text.as_deref().and_then(looks_like);
        if let Some(other) = other.filter(|other| *other != format) {
            message = format!(
                "{message}; it looks like a {} file: import it as {}",
                other.name(),
                other.name()
            );
        }
        Err(FormatError::Malformed {
            message,
            line,
            path,
        })
    }
}

/// What [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Added annotations as (document, id).
    pub added: Vec<(String, AnnotationId)>,
    /// What was not imported, sorted by file and line.
    pub skipped: Vec<Skipped>,
    /// Annotations the input gives more than once (the same line twice, two annotators'
    /// identical spans), imported once: the repeats, sorted by file and line.
    pub repeated: Vec<Skipped>,
    /// Documents whose set changed (to save).
    pub changed_documents: BTreeSet<String>,
    /// Entities created in the annotator's registry (to save).
    pub created_entities: Vec<EntityId>,
}

/// Reads a file or folder of `format` against the project's documents. `annotator` is whose
/// annotations they become: formats that hold several annotators' work in one file (Label
/// Studio) take that annotator's.
pub fn read(
    format: Format,
    project: &Project,
    path: &Path,
    annotator: &str,
) -> Result<Parsed, FormatError> {
    match format {
        Format::Jsonl => super::jsonl::read(project, path),
        Format::Brat => super::brat::read_folder(project, path),
        Format::Doccano => super::doccano::read(project, path),
        Format::W3c => super::w3c::read(project, path),
        Format::Xmi => super::xmi::read(project, path),
        Format::LabelStudio => super::label_studio::read(project, path, annotator),
        Format::Csv | Format::Spacy | Format::SpacyDocbin | Format::Conll | Format::Html => {
            Err(FormatError::NotImportable { format })
        }
    }
}

/// Reads what `lector import --as-suggestions` takes: as [`read`], but from a Label Studio
/// file its tasks' `predictions` (model output) where it has any.
pub fn read_suggestions(
    format: Format,
    project: &Project,
    path: &Path,
    annotator: &str,
) -> Result<Parsed, FormatError> {
    match format {
        Format::LabelStudio => super::label_studio::read_predictions(project, path, annotator),
        _ => read(format, project, path, annotator),
    }
}

/// Checks the candidates and adds the ones that fit to `annotator`'s sets.
pub fn apply(project: &mut Project, annotator: &str, parsed: Parsed) -> Outcome {
    let mut outcome = Outcome {
        skipped: parsed.skipped,
        ..Outcome::default()
    };
    let mut by_document: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    for c in parsed.candidates {
        by_document.entry(c.document.clone()).or_default().push(c);
    }
    for (document, candidates) in by_document {
        apply_document(project, annotator, &document, candidates, &mut outcome);
    }
    outcome.skipped.sort();
    outcome.repeated.sort();
    outcome
}

fn apply_document(
    project: &mut Project,
    annotator: &str,
    document: &str,
    candidates: Vec<Candidate>,
    outcome: &mut Outcome,
) {
    let Some(text) = project.document(document).map(|d| d.text.clone()) else {
        for c in candidates {
            outcome.skipped.push(Skipped::new(
                &c.file,
                c.line,
                format!("the project has no document {document:?}"),
            ));
        }
        return;
    };
    let mut set = project
        .set(document, annotator)
        .cloned()
        .unwrap_or_else(|| crate::model::AnnotationSet::new(annotator, document));
    let mut registry = project.registry(annotator).cloned().unwrap_or_default();
    let mut id_map: BTreeMap<String, AnnotationId> = BTreeMap::new();
    // (annotation, candidate) for the ones built; references resolved afterwards.
    let mut built: Vec<(Annotation, Candidate)> = Vec::new();
    let mut taken: BTreeSet<String> = set.iter().map(|a| a.id.0.to_string()).collect();
    // Entities the file describes that the annotator does not have yet.
    let mut described: BTreeMap<EntityId, Entity> = BTreeMap::new();
    // The file's ids of what this import has built so far: one id given to two different
    // spans is reported and imported once. (The same annotation twice is found after the
    // checks below, so that a copy that passes them is the one kept.)
    let mut seen_ids: BTreeMap<(PathBuf, String), SeenId> = BTreeMap::new();
    for c in candidates {
        let skip = |reason: String| Skipped::new(&c.file, c.line, reason);
        if let Some(reason) = &c.invalid {
            outcome.skipped.push(skip(format!(
                "{} {}: {reason}",
                c.label,
                spans_text(&c.spans)
            )));
            continue;
        }
        let fragments = match checked_fragments(&text, &c.spans) {
            Ok(f) => f,
            Err(err) => {
                outcome
                    .skipped
                    .push(skip(format!("{} {}: {err}", c.label, spans_text(&c.spans))));
                continue;
            }
        };
        if let Some(quote) = &c.quote {
            let covered: Vec<&str> = c
                .spans
                .iter()
                .map(|&(s, e)| text.slice(CharOffset(s), CharOffset(e)).unwrap_or(""))
                .collect();
            let covered = covered.join(c.quote_separator);
            if &covered != quote {
                outcome.skipped.push(skip(format!(
                    "{} {}: the file says it covers {quote:?} but the text there is {covered:?} (offsets in another unit, or another text?)",
                    c.label,
                    spans_text(&c.spans)
                )));
                continue;
            }
        }
        let Some(label) = project.schema.label(&c.label).cloned() else {
            outcome.skipped.push(skip(format!(
                "label {:?} is not in the project's schema",
                c.label
            )));
            continue;
        };
        if !c.source_id.is_empty()
            && let Some(seen) = seen_ids.get(&(c.file.clone(), c.source_id.clone()))
            // The same spans again: with the same label the same annotation (found below),
            // with another one a region with several labels (Label Studio shares the id).
            && seen.spans != c.spans
        {
            outcome.skipped.push(skip(format!(
                "{} {}: id {:?} is used twice in the file (first at {}); imported once",
                c.label,
                spans_text(&c.spans),
                c.source_id,
                seen.place
            )));
            continue;
        }
        if let Some(existing) = set.same_as(&c.label, &fragments) {
            id_map.insert(c.source_id.clone(), existing.id.clone());
            outcome.skipped.push(skip(format!(
                "{} {}: already in the project as {}",
                c.label,
                spans_text(&c.spans),
                existing.id
            )));
            continue;
        }
        let mut annotation = Annotation::new(c.label.clone(), fragments);
        if c.keep_id && !c.source_id.is_empty() && !taken.contains(&c.source_id) {
            annotation.id = AnnotationId::from(c.source_id.clone());
        }
        while taken.contains(annotation.id.as_str()) {
            annotation.id = AnnotationId::random();
        }
        taken.insert(annotation.id.0.to_string());
        id_map.insert(c.source_id.clone(), annotation.id.clone());
        annotation.note.clone_from(&c.note);
        if let Some(t) = c.created {
            annotation.created = t;
        }
        if let Some(t) = c.modified {
            annotation.modified = t;
        }
        // Entities the file describes and the annotator lacks are created, but only once an
        // annotation that uses them is imported: until then they wait in `described`.
        let mut wanted: Vec<(String, Option<EntityInfo>)> = Vec::new();
        if let Some((id, name)) = &c.entity {
            let info = c.entities.get(id).cloned().or_else(|| {
                name.clone().map(|name| EntityInfo {
                    name,
                    label: c.label.clone(),
                })
            });
            wanted.push((id.clone(), info));
        }
        let mut problem = None;
        for (name, raw) in &c.attributes {
            let Some(def) = label.attribute(name) else {
                problem = Some(format!(
                    "attribute {name:?} is not defined for label {:?}",
                    label.name
                ));
                break;
            };
            let value = match (raw, &def.ty) {
                (RawValue::Number(n), AttrType::Number) => Ok(AttrValue::Number(*n)),
                (RawValue::Number(n), _) => {
                    Err(format!("{n} is a number, expected {}", def.ty.name()))
                }
                (RawValue::Annotation(r), AttrType::Annotation)
                | (RawValue::Text(r), AttrType::Annotation) => {
                    // Resolved once every annotation of the file has its id.
                    Ok(AttrValue::Annotation(AnnotationId::from(r.clone())))
                }
                (RawValue::Annotation(_), _) => Err(format!(
                    "a link to an annotation, expected {}",
                    def.ty.name()
                )),
                (RawValue::Text(s), AttrType::Text) => Ok(AttrValue::Text(s.clone())),
                (RawValue::Text(s), AttrType::Entity) => {
                    wanted.push((s.clone(), c.entities.get(s).cloned()));
                    Ok(AttrValue::Entity(EntityId(s.clone())))
                }
                (RawValue::Text(s), ty) => parse_value(ty, s, Some(&registry)),
            };
            match value {
                Ok(v) => {
                    annotation.attributes.insert(name.clone(), v);
                }
                Err(err) => {
                    problem = Some(format!("attribute {name:?}: {err}"));
                    break;
                }
            }
        }
        let mut new_entities = Vec::new();
        for (id, info) in wanted {
            let id = EntityId(id);
            if registry.get(&id).is_some() || described.contains_key(&id) {
                continue;
            }
            match info {
                Some(info)
                    if project
                        .schema
                        .label(&info.label)
                        .is_some_and(|l| l.kind == LabelKind::Entity) =>
                {
                    new_entities.push(Entity {
                        id: id.clone(),
                        name: info.name,
                        label: info.label,
                        note: String::new(),
                    });
                }
                _ => {
                    problem.get_or_insert_with(|| format!("entity {:?} is not defined for {annotator} and the file does not describe it", id.0));
                }
            }
        }
        if let Some(problem) = problem {
            outcome.skipped.push(skip(format!(
                "{} {}: {problem}",
                c.label,
                spans_text(&c.spans)
            )));
            continue;
        }
        for entity in new_entities {
            described.insert(entity.id.clone(), entity);
        }
        annotation.entity = c.entity.as_ref().map(|(id, _)| EntityId(id.clone()));
        // Remembered only once it is built: a repeat of a line that was skipped is not
        // reported against it.
        if !c.source_id.is_empty() {
            seen_ids
                .entry((c.file.clone(), c.source_id.clone()))
                .or_insert_with(|| SeenId {
                    spans: c.spans.clone(),
                    place: place_of(&c),
                });
        }
        built.push((annotation, c));
    }
    for (annotation, c) in &mut built {
        for value in annotation.attributes.values_mut() {
            if let AttrValue::Annotation(id) = value {
                match id_map.get(id.as_str()) {
                    Some(new) => *id = new.clone(),
                    None if c.keep_id => {}
                    None => *id = AnnotationId::from(format!("(unknown {})", id.0)),
                }
            }
        }
    }
    let before = set.clone();
    for (annotation, _) in &built {
        set.insert(annotation.clone());
    }
    // Checked against the registry as it would be with every described entity.
    let mut checking = registry.clone();
    for entity in described.values() {
        checking.upsert(entity.clone());
    }
    // Drop the ones the app would refuse, until none is left (a dropped one may be referred
    // to). All the bad ones of a round go at once, so that many bad lines stay linear.
    loop {
        let mut bad: BTreeSet<usize> = BTreeSet::new();
        for (i, (annotation, c)) in built.iter().enumerate() {
            let problems =
                annotation_problems(&project.schema, &text, Some(&checking), &set, annotation);
            if let Some(p) = problems.first() {
                bad.insert(i);
                outcome.skipped.push(Skipped::new(
                    &c.file,
                    c.line,
                    format!("{} {}: {p}", c.label, spans_text(&c.spans)),
                ));
            }
        }
        if bad.is_empty() {
            break;
        }
        let mut dropped: BTreeSet<AnnotationId> = BTreeSet::new();
        let mut i = 0;
        built.retain(|(annotation, _)| {
            let keep = !bad.contains(&i);
            i += 1;
            if !keep {
                dropped.insert(annotation.id.clone());
            }
            keep
        });
        set.retain(|a| !dropped.contains(&a.id));
    }
    drop_repeats(&mut built, &mut outcome.repeated);
    // The set again from what is left, with links to a dropped repeat moved to the one kept.
    set = before.clone();
    for (annotation, _) in &built {
        set.insert(annotation.clone());
    }
    if set != before {
        for (annotation, _) in &built {
            outcome
                .added
                .push((document.to_owned(), annotation.id.clone()));
        }
        outcome.changed_documents.insert(document.to_owned());
        project
            .sets
            .insert((document.to_owned(), annotator.to_owned()), set);
    }
    // Only the described entities an imported annotation uses are created.
    let mut created = false;
    for (annotation, _) in &built {
        let used = annotation.linked_entities();
        for id in used {
            if let Some(entity) = described.remove(id) {
                registry.upsert(entity);
                outcome.created_entities.push(id.clone());
                created = true;
            }
        }
    }
    if created {
        outcome.created_entities.sort();
        outcome.created_entities.dedup();
        project.entities.insert(annotator.to_owned(), registry);
    }
}

/// The spans of an annotation this import has built under a file's id, and where it was.
struct SeenId {
    spans: Vec<(u32, u32)>,
    place: String,
}

/// Drops every annotation that repeats one before it (same label and fragments: the same line
/// twice, or two annotators' identical spans in one file), listing it in `repeated` with its
/// file and line; links to a dropped one go to the one kept.
fn drop_repeats(built: &mut Vec<(Annotation, Candidate)>, repeated: &mut Vec<Skipped>) {
    let mut first: BTreeMap<(String, Vec<Fragment>), (String, AnnotationId)> = BTreeMap::new();
    let mut kept_for: BTreeMap<AnnotationId, AnnotationId> = BTreeMap::new();
    built.retain(|(annotation, c)| {
        let key = (annotation.label.to_string(), annotation.fragments.clone());
        if let Some((place, kept)) = first.get(&key) {
            repeated.push(Skipped::new(
                &c.file,
                c.line,
                format!(
                    "{} {}: the same annotation as {place}; imported once",
                    c.label,
                    spans_text(&c.spans)
                ),
            ));
            kept_for.insert(annotation.id.clone(), kept.clone());
            return false;
        }
        first.insert(key, (place_of(c), annotation.id.clone()));
        true
    });
    if kept_for.is_empty() {
        return;
    }
    for (annotation, _) in built.iter_mut() {
        for value in annotation.attributes.values_mut() {
            if let AttrValue::Annotation(id) = value
                && let Some(kept) = kept_for.get(id)
            {
                *id = kept.clone();
            }
        }
    }
}

/// Where a candidate came from, for "the same annotation as …".
fn place_of(c: &Candidate) -> String {
    if c.line > 0 {
        format!("{}:{}", c.file.display(), c.line)
    } else {
        format!("an earlier one in {}", c.file.display())
    }
}

fn spans_text(spans: &[(u32, u32)]) -> String {
    let parts: Vec<String> = spans.iter().map(|(s, e)| format!("{s}-{e}")).collect();
    format!("at {}", parts.join(","))
}

/// What an import adds to an annotator's work, as edits: for each document, one group (one
/// undo step) with the annotations it adds and the entities the import creates that they
/// link. The app and
/// `lector import` both apply these through a [`crate::session::Session`], so an import is
/// checked, journalled, locked and merged like any other change.
#[derive(Debug, Default)]
pub struct Plan {
    /// What was checked: added, skipped, changed documents, created entities.
    pub outcome: Outcome,
    /// Per changed document, its edits.
    pub edits: Vec<(String, Vec<Edit>)>,
}

/// Checks what a reader produced against the project (on a copy; the project is left as it
/// is) and turns it into edits.
pub fn plan(project: &Project, annotator: &str, parsed: Parsed) -> Plan {
    let mut scratch = project.clone();
    let outcome = apply(&mut scratch, annotator, parsed);
    let entities: Vec<Entity> = outcome
        .created_entities
        .iter()
        .filter_map(|id| scratch.registry(annotator)?.get(id).cloned())
        .collect();
    // Each document's annotations, and the entities they link.
    let mut added: BTreeMap<&str, Vec<std::sync::Arc<Annotation>>> = BTreeMap::new();
    for (document, id) in &outcome.added {
        if let Some(a) = scratch
            .set(document, annotator)
            .and_then(|set| set.get_shared(id))
        {
            added.entry(document.as_str()).or_default().push(a.clone());
        }
    }
    let linked_by = |annotations: &[std::sync::Arc<Annotation>]| -> BTreeSet<EntityId> {
        annotations
            .iter()
            .flat_map(|a| a.linked_entities().cloned())
            .collect()
    };
    // A document's step makes the entities its annotations link (an import creates no
    // others), so that it stands alone, and not every entity in every step: an import of
    // 200 documents naming 3,000 entities made 600,000 edits.
    let mut edits: Vec<(String, Vec<Edit>)> = Vec::new();
    for document in &outcome.changed_documents {
        if scratch.set(document, annotator).is_none() {
            continue;
        }
        let annotations = added.remove(document.as_str()).unwrap_or_default();
        let linked = linked_by(&annotations);
        let mut group: Vec<Edit> = entities
            .iter()
            .filter(|e| linked.contains(&e.id))
            .map(|e| Edit::UpsertEntity(Box::new(e.clone())))
            .collect();
        group.extend(annotations.into_iter().map(Edit::Insert));
        edits.push((document.clone(), group));
    }
    Plan { outcome, edits }
}
