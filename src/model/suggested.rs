//! Suggestions brought in from elsewhere (another tool's or a model's output) and each
//! annotator's decisions on suggestions. Never imports egui or eframe.
//!
//! - `suggestions/<source>/<document>.ron`: what one source suggests for one document
//!   ([`Suggested`]); written by `lector import --as-suggestions`, read by everyone.
//! - `triage/<annotator>.ron`: what one annotator accepted and rejected ([`Triage`]), their
//!   own file, so deciding never touches a colleague's files. An accepted suggestion is also an
//!   annotation in the annotator's set; a rejected one stays gone for that annotator.
//!
//! What the registry suggests (the project's known entity names found again) is computed,
//! never stored: see [`crate::suggest`].

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{AnnotationId, Entity, EntityId};

/// The source name of suggestions found from the entity registry.
pub const REGISTRY_SOURCE: &str = "registry";

/// One suggested span, in chars of the stored text (half-open).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SuggestedSpan {
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The label.
    pub label: String,
    /// The entity a mention would link to.
    pub entity: Option<EntityId>,
}

/// What one source suggests for one document: one file on disk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Suggested {
    /// The source (`spacy-ner`, `label-studio-predictions`, …).
    pub source: String,
    /// The document.
    pub document: String,
    /// Sorted, without repeats.
    pub spans: Vec<SuggestedSpan>,
    /// The entities the spans link to, for an annotator who does not have them yet. Sorted by
    /// id.
    pub entities: Vec<Entity>,
}

impl Suggested {
    /// Nothing suggested yet.
    pub fn new(source: impl Into<String>, document: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            document: document.into(),
            ..Self::default()
        }
    }

    /// Adds spans and entities, keeping the lists sorted and without repeats. Returns how many
    /// spans were new.
    pub fn add(&mut self, spans: Vec<SuggestedSpan>, entities: Vec<Entity>) -> usize {
        let before = self.spans.len();
        self.spans.extend(spans);
        self.spans.sort();
        self.spans.dedup();
        for entity in entities {
            match self.entities.binary_search_by(|e| e.id.cmp(&entity.id)) {
                Ok(i) => self.entities[i] = entity,
                Err(i) => self.entities.insert(i, entity),
            }
        }
        self.spans.len() - before
    }
}

/// What an annotator decided about a suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Taken: it became this annotation of the annotator's set.
    Accepted(AnnotationId),
    /// Not a mention of this: never suggested to the annotator again.
    Rejected,
}

/// Which suggestion a decision is about: a span and label of a document. A decision holds
/// for the same span and label whichever source suggests it again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TriageKey {
    /// The document.
    pub document: String,
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The label suggested.
    pub label: String,
}

/// One decision on a suggestion.
#[derive(Clone, Debug, PartialEq)]
pub struct TriageRecord {
    /// What it is about.
    pub key: TriageKey,
    /// Which source suggested it (counted for that source in `lector stats`).
    pub source: String,
    /// Other sources that suggested the same span and label, counted too.
    pub also: Vec<String>,
    /// The entity suggested.
    pub entity: Option<EntityId>,
    /// The text of the span, for people reading the file.
    pub quote: String,
    /// Accepted or rejected.
    pub decision: Decision,
    /// When.
    pub at: Timestamp,
}

/// One annotator's decisions on suggestions: one file on disk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Triage {
    /// Whose decisions.
    pub annotator: String,
    /// By document, span and label.
    pub records: BTreeMap<TriageKey, TriageRecord>,
}

impl Triage {
    /// No decisions yet.
    pub fn new(annotator: impl Into<String>) -> Self {
        Self {
            annotator: annotator.into(),
            records: BTreeMap::new(),
        }
    }

    /// The decisions on one document, in text order.
    pub fn of_document<'a>(
        &'a self,
        document: &'a str,
    ) -> impl Iterator<Item = &'a TriageRecord> + 'a {
        let from = TriageKey {
            document: document.to_owned(),
            start: 0,
            end: 0,
            label: String::new(),
        };
        self.records
            .range(from..)
            .map(|(_, r)| r)
            .take_while(move |r| r.key.document == document)
    }
}

/// Whether a source name may name a folder of `suggestions/`: a safe file name, and not the
/// registry's.
pub fn source_name_problem(name: &str) -> Option<String> {
    if name == REGISTRY_SOURCE {
        return Some(format!(
            "{REGISTRY_SOURCE:?} is the name of the suggestions from the entity registry; \
             give the import another --source"
        ));
    }
    super::project::name_problem("source", name)
}
