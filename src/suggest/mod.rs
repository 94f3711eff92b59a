//! Suggestions: mentions Lector proposes for an annotator to accept or reject. Never imports
//! egui or eframe.
//!
//! Two kinds of source:
//!
//! - **The entity registry** (source `registry`): every surface form any entity has been
//!   tagged with anywhere in the project (every annotator's linked mentions, and the entities'
//!   names) is looked for in every document, as whole words, with regular possessive and
//!   genitive endings (see [`matcher`]). Computed, never stored.
//! - **Imported suggestions**: another tool's or a model's output brought in with
//!   `lector import --as-suggestions`, stored per source in `suggestions/<source>/`.
//!
//! A suggestion is *open* for an annotator unless the annotator already has an annotation
//! there (an overlapping one of the same label, or of any entity label for an entity
//! suggestion), or decided on the same span and label before (accepted or rejected, in
//! `triage/<annotator>.ron`, whichever source suggested it).
//!
//! ## For the app
//!
//! Costs below are from `benches/suggest.rs` (release build, 5 MB article, 7,000 forms,
//! 100k annotations, a shared 2-core machine).
//!
//! - [`Suggester::new`] once per project, and again when the entities' forms change
//!   (linear in the annotations of the project: 10–20 ms).
//! - [`Suggester::document`] once per document opened: one scan of the text (linear:
//!   80–160 ms for 5 MB, so on a background thread for book-length texts), giving a
//!   [`DocumentSuggestions`].
//! - Per frame: [`DocumentSuggestions::in_range`] for the visible chars (binary search, then
//!   only the suggestions there: well under a microsecond for a screenful),
//!   [`DocumentSuggestions::at`], `next_after`, `prev_before`, `open_count`.
//! - After an edit: [`DocumentSuggestions::apply_changes`] with
//!   `Session::last_changes` (touches only the suggestions where annotations changed);
//!   after a decision or its undo, [`DocumentSuggestions::recheck`] on its span (both
//!   microseconds); [`DocumentSuggestions::refresh`] (every suggestion, no rescan of the
//!   text: about 7 ms at 100k annotations) after a reload or another annotator.
//! - Deciding: [`accept_edits`], [`reject_edit`], [`accept_all_edits`], each handed to
//!   `Session::apply` as one undo step.

pub mod matcher;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::model::edit::Edit;
use crate::model::suggested::{Decision, REGISTRY_SOURCE, Triage, TriageKey, TriageRecord};
use crate::model::{
    Annotation, AnnotationSet, CharOffset, Entity, EntityId, LabelKind, Project, Schema,
    checked_fragments,
};
use crate::session::SetChange;

pub use matcher::{Hit, Matcher};

/// How suggestions are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SuggestOptions {
    /// Find registry forms whatever their case ("PUTIN", "putin" for "Putin"); else as
    /// tagged.
    pub ignore_case: bool,
}

/// One suggested mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// First char of the stored text.
    pub start: CharOffset,
    /// First char after.
    pub end: CharOffset,
    /// The label it would get.
    pub label: String,
    /// The entity it would link to.
    pub entity: Option<EntityId>,
    /// Who suggests it: `registry` or an imported source.
    pub source: String,
    /// Other sources that suggest the same span and label, sorted (counted for them too).
    pub also: Vec<String>,
}

impl Suggestion {
    /// What a decision on it is recorded under.
    pub fn key(&self, document: &str) -> TriageKey {
        TriageKey {
            document: document.to_owned(),
            start: self.start.0,
            end: self.end.0,
            label: self.label.clone(),
        }
    }
}

/// A registry form: which entity and label a surface form stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// The text as tagged.
    pub text: String,
    /// The entity.
    pub entity: EntityId,
    /// The label.
    pub label: String,
}

/// The registry's forms of a project, compiled for searching documents.
#[derive(Debug, Clone)]
pub struct Suggester {
    options: SuggestOptions,
    forms: Vec<Form>,
    matcher: Matcher,
}

/// Whether a form is written all in lower case in a script that has case: a pronoun or a
/// common noun tagged as a mention ("han", "he", "regeringen"), which is coreference, not a
/// name to find again. Scripts without case (Chinese, Thai, Arabic) are always names.
fn is_common_word(form: &str) -> bool {
    let mut cased = form
        .chars()
        .filter(|c| c.is_lowercase() || c.is_uppercase())
        .peekable();
    cased.peek().is_some() && cased.all(char::is_lowercase)
}

/// Whether a label is of the entity kind.
fn is_entity_label(schema: &Schema, label: &str) -> bool {
    schema
        .label(label)
        .is_some_and(|l| l.kind == LabelKind::Entity)
}

impl Suggester {
    /// Gathers every surface form an entity has been tagged with, by anyone, and the
    /// entities' names. Forms all in lower case are left out (see `is_common_word`). A form tagged for several entities (or labels) stands for the one it
    /// was tagged for most often (ties: the first entity id).
    pub fn new(project: &Project, options: SuggestOptions) -> Self {
        // form -> (entity, label) -> votes
        let mut votes: BTreeMap<String, BTreeMap<(EntityId, String), usize>> = BTreeMap::new();
        for ((document, _), set) in &project.sets {
            let Some(doc) = project.document(document) else {
                continue;
            };
            for a in set.iter() {
                let (Some(entity), [fragment]) = (&a.entity, a.fragments.as_slice()) else {
                    continue;
                };
                let Some(text) = doc.text.slice(fragment.start, fragment.end) else {
                    continue;
                };
                *votes
                    .entry(text.trim().to_owned())
                    .or_default()
                    .entry((entity.clone(), a.label.to_string()))
                    .or_default() += 1;
            }
        }
        for registry in project.entities.values() {
            for e in &registry.entities {
                *votes
                    .entry(e.name.trim().to_owned())
                    .or_default()
                    .entry((e.id.clone(), e.label.clone()))
                    .or_default() += 1;
            }
        }
        let forms: Vec<Form> = votes
            .into_iter()
            .filter(|(text, _)| !text.is_empty() && !is_common_word(text))
            .filter_map(|(text, by)| {
                let ((entity, label), _) = by
                    .into_iter()
                    .filter(|((_, label), _)| is_entity_label(&project.schema, label))
                    .max_by(|(ka, a), (kb, b)| a.cmp(b).then_with(|| kb.cmp(ka)))?;
                Some(Form {
                    text,
                    entity,
                    label,
                })
            })
            .collect();
        let matcher = Matcher::new(forms.iter().map(|f| f.text.as_str()), options.ignore_case);
        Self {
            options,
            forms,
            matcher,
        }
    }

    /// The options it was made with.
    pub fn options(&self) -> SuggestOptions {
        self.options
    }

    /// The forms it looks for.
    pub fn forms(&self) -> &[Form] {
        &self.forms
    }

    /// Every suggestion for a document from every source, before deciding which are open:
    /// one scan of the text for the registry's forms, then the imported suggestions. Sorted
    /// by start, end, label; the same span and label from two sources is kept once (the
    /// registry's, else one with an entity, else the first source by name).
    pub fn candidates(&self, project: &Project, document: &str) -> Vec<Suggestion> {
        let Some(doc) = project.document(document) else {
            return Vec::new();
        };
        let mut all: Vec<(Suggestion, u8)> = self
            .matcher
            .find(doc.text.as_str())
            .into_iter()
            .filter_map(|hit| {
                let form = self.forms.get(hit.form as usize)?;
                Some((
                    Suggestion {
                        start: CharOffset(hit.start),
                        end: CharOffset(hit.end),
                        label: form.label.clone(),
                        entity: Some(form.entity.clone()),
                        source: REGISTRY_SOURCE.to_owned(),
                        also: Vec::new(),
                    },
                    0,
                ))
            })
            .collect();
        for ((source, doc_id), suggested) in &project.suggested {
            if doc_id != document {
                continue;
            }
            all.extend(suggested.spans.iter().map(|s| {
                (
                    Suggestion {
                        start: CharOffset(s.start),
                        end: CharOffset(s.end),
                        label: s.label.clone(),
                        entity: s.entity.clone(),
                        source: source.clone(),
                        also: Vec::new(),
                    },
                    1,
                )
            }));
        }
        // One suggestion per span and label: the registry's, else one with an entity, else
        // the first source by name.
        all.sort_by(|(a, ra), (b, rb)| {
            (a.start, a.end, &a.label, ra, a.entity.is_none(), &a.source).cmp(&(
                b.start,
                b.end,
                &b.label,
                rb,
                b.entity.is_none(),
                &b.source,
            ))
        });
        all.dedup_by(|(b, _), (a, _)| {
            let same = (a.start, a.end, &a.label) == (b.start, b.end, &b.label);
            if same {
                a.also.push(std::mem::take(&mut b.source));
                a.also.sort();
            }
            same
        });
        all.into_iter().map(|(s, _)| s).collect()
    }

    /// The suggestions of a document for an annotator, with which are open.
    pub fn document(
        &self,
        project: &Project,
        document: &str,
        annotator: &str,
    ) -> DocumentSuggestions {
        let mut suggestions =
            DocumentSuggestions::new(document, self.candidates(project, document));
        suggestions.refresh(project, annotator);
        suggestions
    }
}

/// The suggestions of one document for one annotator.
#[derive(Debug, Clone, Default)]
pub struct DocumentSuggestions {
    document: String,
    /// Every candidate, sorted by start, end, label.
    all: Vec<Suggestion>,
    /// Whether each is open.
    open: Vec<bool>,
    open_count: usize,
    /// The longest annotation of the annotator's set, in chars: how far before a suggestion
    /// an annotation covering it can start.
    longest: u32,
    /// The longest candidate, in chars: how far before a range one overlapping it can start.
    reach: u32,
}

impl DocumentSuggestions {
    /// Candidates (sorted by start, end, label), none open until [`Self::refresh`].
    pub fn new(document: &str, mut all: Vec<Suggestion>) -> Self {
        all.sort_by(|a, b| (a.start, a.end, &a.label).cmp(&(b.start, b.end, &b.label)));
        let reach = all.iter().map(|s| s.end.0 - s.start.0).max().unwrap_or(0);
        Self {
            document: document.to_owned(),
            open: vec![false; all.len()],
            all,
            open_count: 0,
            longest: 0,
            reach,
        }
    }

    /// The document.
    pub fn document(&self) -> &str {
        &self.document
    }

    /// How many are open.
    pub fn open_count(&self) -> usize {
        self.open_count
    }

    /// The open suggestions, in text order.
    pub fn open(&self) -> impl Iterator<Item = &Suggestion> {
        self.all
            .iter()
            .zip(&self.open)
            .filter_map(|(s, open)| open.then_some(s))
    }

    /// Every suggestion, open or not, in text order, with whether it is open.
    pub fn all(&self) -> impl Iterator<Item = (&Suggestion, bool)> {
        self.all.iter().zip(self.open.iter().copied())
    }

    /// Indices of the candidates that may overlap `[start, end)`: those starting before
    /// `end`, from the first that can reach `start`.
    fn window(&self, start: u32, end: u32) -> std::ops::Range<usize> {
        // Suggestions are short; the longest candidate bounds how far back one can start.
        let from = self
            .all
            .partition_point(|s| s.start.0 + self.reach <= start);
        let to = self.all.partition_point(|s| s.start.0 < end);
        from..to.max(from)
    }

    /// The open suggestions overlapping chars `[start, end)` (the visible text), in text
    /// order: a binary search, then only those there.
    pub fn in_range(
        &self,
        start: CharOffset,
        end: CharOffset,
    ) -> impl Iterator<Item = &Suggestion> {
        let range = self.window(start.0, end.0);
        self.all[range.clone()]
            .iter()
            .zip(&self.open[range])
            .filter(move |(s, open)| **open && s.end > start && s.start < end)
            .map(|(s, _)| s)
    }

    /// The open suggestion at a char (the caret), the shortest if several.
    pub fn at(&self, offset: CharOffset) -> Option<&Suggestion> {
        self.in_range(offset, CharOffset(offset.0 + 1))
            .min_by_key(|s| s.end.0 - s.start.0)
    }

    /// The first open suggestion starting after `offset`.
    pub fn next_after(&self, offset: CharOffset) -> Option<&Suggestion> {
        let from = self.all.partition_point(|s| s.start <= offset);
        self.all[from..]
            .iter()
            .zip(&self.open[from..])
            .find_map(|(s, open)| open.then_some(s))
    }

    /// The last open suggestion starting before `offset`.
    pub fn prev_before(&self, offset: CharOffset) -> Option<&Suggestion> {
        let to = self.all.partition_point(|s| s.start < offset);
        self.all[..to]
            .iter()
            .zip(&self.open[..to])
            .rev()
            .find_map(|(s, open)| open.then_some(s))
    }

    /// Decides again which suggestions are open, from the annotator's annotations and
    /// decisions as they are now. No rescan of the text.
    pub fn refresh(&mut self, project: &Project, annotator: &str) {
        if self.all.is_empty() {
            // Nothing to decide: no pass over the annotations (a book's million, at every
            // switch to it). `longest` matters only beside suggestions, which come with a
            // new scan.
            self.longest = 0;
            self.open.clear();
            self.open_count = 0;
            return;
        }
        let set = project.set(&self.document, annotator);
        self.longest = set.map_or(0, |set| {
            set.iter()
                .map(|a| a.end().0 - a.start().0)
                .max()
                .unwrap_or(0)
        });
        let decided = decided(project.triage.get(annotator), &self.document);
        let annotations = set.map(AnnotationSet::annotations).unwrap_or_default();
        // One pass over both sorted lists: the annotations that can cover a suggestion start
        // in a window `lo..hi` that only moves forward, its ends walked by two iterators.
        let (mut lo, mut hi) = (0, 0);
        let (mut ahead, mut behind) =
            (annotations.iter().peekable(), annotations.iter().peekable());
        let mut open = Vec::with_capacity(self.all.len());
        for s in &self.all {
            while ahead.next_if(|a| a.start() < s.end).is_some() {
                hi += 1;
            }
            while lo < hi
                && behind
                    .next_if(|a| a.start().0 + self.longest <= s.start.0)
                    .is_some()
            {
                lo += 1;
            }
            let entity = is_entity_label(&project.schema, &s.label);
            let covered = behind
                .clone()
                .take(hi - lo)
                .any(|a| covers(&project.schema, a, s, entity));
            open.push(!covered && !decided.contains(&(s.start.0, s.end.0, s.label.as_str())));
        }
        self.open = open;
        self.open_count = self.open.iter().filter(|o| **o).count();
    }

    /// Follows changes to the annotator's annotations (`Session::last_changes` for this
    /// document): only the suggestions where annotations were added or removed are looked at
    /// again.
    pub fn apply_changes(&mut self, project: &Project, annotator: &str, changes: &[SetChange]) {
        for change in changes {
            let fragments = match change {
                SetChange::Inserted { fragments, .. } | SetChange::Removed { fragments, .. } => {
                    fragments
                }
            };
            if let SetChange::Inserted { fragments, .. } = change {
                let len = fragments
                    .last()
                    .zip(fragments.first())
                    .map_or(0, |(l, f)| l.end.0 - f.start.0);
                self.longest = self.longest.max(len);
            }
            for fragment in fragments {
                self.recheck(project, annotator, fragment.start, fragment.end);
            }
        }
    }

    /// Looks again at the suggestions overlapping chars `[start, end)`: after a decision on
    /// one (accepted, rejected, or its undo), pass its span. A binary search and the few
    /// suggestions there.
    pub fn recheck(
        &mut self,
        project: &Project,
        annotator: &str,
        start: CharOffset,
        end: CharOffset,
    ) {
        let set = project.set(&self.document, annotator);
        let triage = project.triage.get(annotator);
        for i in self.window(start.0, end.0) {
            let s = &self.all[i];
            let decided = triage.is_some_and(|t| t.records.contains_key(&s.key(&self.document)));
            let open = !decided && !covered(&project.schema, set, self.longest, s);
            if self.open[i] != open {
                self.open[i] = open;
                if open {
                    self.open_count += 1;
                } else {
                    self.open_count -= 1;
                }
            }
        }
    }
}

/// The spans and labels an annotator decided on in a document.
fn decided<'a>(triage: Option<&'a Triage>, document: &'a str) -> HashSet<(u32, u32, &'a str)> {
    triage
        .into_iter()
        .flat_map(|t| t.of_document(document))
        .map(|r| (r.key.start, r.key.end, r.key.label.as_str()))
        .collect()
}

/// Whether the annotator has an annotation where the suggestion is: overlapping it, with the
/// same label, or of an entity label where the suggestion is of one.
fn covered(schema: &Schema, set: Option<&AnnotationSet>, longest: u32, s: &Suggestion) -> bool {
    let Some(set) = set else {
        return false;
    };
    let entity = is_entity_label(schema, &s.label);
    let annotations = set.annotations();
    let to = annotations.partition_point(|a| a.start() < s.end);
    annotations
        .range(0..to)
        .iter()
        .rev()
        .take_while(|a| a.start().0 + longest > s.start.0)
        .any(|a| covers(schema, a, s, entity))
}

/// Whether an annotation covers a suggestion: overlapping it, with the same label, or of an
/// entity label where the suggestion is of one (`entity`).
fn covers(schema: &Schema, a: &Annotation, s: &Suggestion, entity: bool) -> bool {
    a.fragments
        .iter()
        .any(|f| f.start < s.end && f.end > s.start)
        && (a.label == s.label || (entity && is_entity_label(schema, &a.label)))
}

/// The entity to add to an annotator's registry for a suggestion's link, where they lack it:
/// a colleague's, else the importing source's, else one named by the suggested text.
fn entity_for(project: &Project, annotator: &str, s: &Suggestion, quote: &str) -> Option<Entity> {
    let id = s.entity.as_ref()?;
    if project
        .registry(annotator)
        .and_then(|r| r.get(id))
        .is_some()
    {
        return None;
    }
    project
        .entities
        .values()
        .find_map(|r| r.get(id))
        .or_else(|| {
            project
                .suggested
                .values()
                .flat_map(|sg| &sg.entities)
                .find(|e| &e.id == id)
        })
        .cloned()
        .or_else(|| {
            Some(Entity {
                id: id.clone(),
                name: quote.to_owned(),
                label: s.label.clone(),
                note: String::new(),
            })
        })
}

/// The edits that accept a suggestion: an annotation with its label, linked to its entity
/// (the entity added to the annotator's registry where they lack it), and the decision in
/// the annotator's `triage` file. Hand them to `Session::apply` as one step.
pub fn accept_edits(
    project: &Project,
    document: &str,
    annotator: &str,
    s: &Suggestion,
) -> Result<Vec<Edit>, String> {
    let doc = project
        .document(document)
        .ok_or_else(|| format!("there is no document {document:?}"))?;
    let fragments =
        checked_fragments(&doc.text, &[(s.start.0, s.end.0)]).map_err(|e| e.to_string())?;
    let quote = doc.text.slice(s.start, s.end).unwrap_or("").to_owned();
    let mut annotation = Annotation::new(s.label.clone(), fragments);
    let link = is_entity_label(&project.schema, &s.label);
    if link {
        annotation.entity.clone_from(&s.entity);
    }
    let mut edits = Vec::with_capacity(3);
    if link && let Some(entity) = entity_for(project, annotator, s, &quote) {
        edits.push(Edit::UpsertEntity(Box::new(entity)));
    }
    edits.push(Edit::Triage(Box::new(TriageRecord {
        key: s.key(document),
        source: s.source.clone(),
        also: s.also.clone(),
        entity: s.entity.clone(),
        quote,
        decision: Decision::Accepted(annotation.id.clone()),
        at: crate::model::annotation::now(),
    })));
    edits.push(Edit::insert(annotation));
    Ok(edits)
}

/// The edit that rejects a suggestion: remembered in the annotator's `triage` file, so it is
/// not suggested to them again (by any source).
pub fn reject_edit(project: &Project, document: &str, s: &Suggestion) -> Edit {
    let quote = project
        .document(document)
        .and_then(|d| d.text.slice(s.start, s.end))
        .unwrap_or("")
        .to_owned();
    Edit::Triage(Box::new(TriageRecord {
        key: s.key(document),
        source: s.source.clone(),
        also: s.also.clone(),
        entity: s.entity.clone(),
        quote,
        decision: Decision::Rejected,
        at: crate::model::annotation::now(),
    }))
}

/// The edits that accept many suggestions of a document at once (one undo step), and how
/// many they accept. Of suggestions that overlap, the first is taken and the others left
/// (they would tag the same words twice).
pub fn accept_all_edits<'a>(
    project: &Project,
    document: &str,
    annotator: &str,
    suggestions: impl IntoIterator<Item = &'a Suggestion>,
) -> (usize, Vec<Edit>) {
    let mut edits = Vec::new();
    let mut entities = BTreeSet::new();
    let mut taken: Vec<(CharOffset, CharOffset)> = Vec::new();
    let mut count = 0;
    for s in suggestions {
        if taken.iter().any(|(a, b)| *a < s.end && *b > s.start) {
            continue;
        }
        let Ok(group) = accept_edits(project, document, annotator, s) else {
            continue;
        };
        taken.push((s.start, s.end));
        count += 1;
        for edit in group {
            if let Edit::UpsertEntity(e) = &edit
                && !entities.insert(e.id.clone())
            {
                continue;
            }
            edits.push(edit);
        }
    }
    (count, edits)
}

/// What a source's suggestions came to, summed over annotators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SourceCounts {
    /// Suggested to someone: open, accepted or rejected.
    pub suggested: usize,
    /// Accepted.
    pub accepted: usize,
    /// Rejected.
    pub rejected: usize,
    /// Still open.
    pub open: usize,
}

/// Per source (`registry` and each imported source): suggested, accepted, rejected and open,
/// summed over the project's annotators (a suggestion counts for each annotator it is made
/// to). Every imported source is listed; the registry once it has suggested anything.
pub fn source_counts(project: &Project, suggester: &Suggester) -> BTreeMap<String, SourceCounts> {
    source_counts_with(project, suggester, None)
}

/// [`source_counts`] over the project's annotators and `also` (the app's annotator, whose
/// suggestions count before their first annotation makes a file of theirs).
pub fn source_counts_with(
    project: &Project,
    suggester: &Suggester,
    also: Option<&str>,
) -> BTreeMap<String, SourceCounts> {
    let mut counts: BTreeMap<String, SourceCounts> = project
        .suggested
        .keys()
        .map(|(source, _)| (source.clone(), SourceCounts::default()))
        .collect();
    let mut annotators = project.annotators();
    annotators.extend(project.triage.keys().cloned());
    annotators.extend(also.map(str::to_owned));
    annotators.sort();
    annotators.dedup();
    let mut cache: HashMap<&str, Vec<Suggestion>> = HashMap::new();
    for doc in &project.documents {
        let id = doc.meta.id.as_str();
        cache.insert(id, suggester.candidates(project, id));
    }
    for annotator in &annotators {
        for doc in &project.documents {
            let id = doc.meta.id.as_str();
            let mut suggestions =
                DocumentSuggestions::new(id, cache.get(id).cloned().unwrap_or_default());
            suggestions.refresh(project, annotator);
            for s in suggestions.open() {
                for source in std::iter::once(&s.source).chain(&s.also) {
                    let c = counts.entry(source.clone()).or_default();
                    c.open += 1;
                    c.suggested += 1;
                }
            }
        }
        for record in project
            .triage
            .get(annotator)
            .into_iter()
            .flat_map(|t| t.records.values())
        {
            for source in std::iter::once(&record.source).chain(&record.also) {
                let c = counts.entry(source.clone()).or_default();
                c.suggested += 1;
                match record.decision {
                    Decision::Accepted(_) => c.accepted += 1,
                    Decision::Rejected => c.rejected += 1,
                }
            }
        }
    }
    counts
}
