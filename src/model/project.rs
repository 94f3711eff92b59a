//! A project in memory: its schema, documents, every annotator's annotations and entities.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use super::annotation::{AnnotationSet, EntityRegistry};
use super::offsets::DocText;
use super::resolution::{Resolution, Resolutions};
use super::review::{Review, reviewer_of};
use super::schema::Schema;
use crate::predict::{HedgeCue, HedgeLexicon, ProbabilityMap};

/// What the project file records about a document.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentMeta {
    /// Stable id; also the stem of the stored text file and of each annotation file.
    pub id: String,
    /// Title shown in the document list.
    pub title: String,
    /// Name of the file it was imported from.
    pub source_file: String,
    /// SHA-256 of the stored text, hex; checked on every load.
    pub sha256: String,
    /// When it was added.
    pub added: Timestamp,
    /// When the article was published, as `lector add --published`, the article itself or
    /// the app said; due phrases are read against it.
    pub published: Option<Date>,
    /// The address the article was fetched from (`lector add DIR https://…`), after
    /// redirects.
    pub source_url: Option<String>,
    /// When it was fetched.
    pub fetched: Option<Timestamp>,
}

impl DocumentMeta {
    /// The date due phrases ("by the end of the year") are read against: the publication
    /// date, else the day the document was added (UTC).
    pub fn anchor_date(&self) -> Date {
        self.published
            .unwrap_or_else(|| self.added.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
    }
}

/// A document: its metadata and stored text.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// What the project file records.
    pub meta: DocumentMeta,
    /// The stored, normalised text.
    pub text: DocText,
}

/// Key of an annotation set: (document id, annotator).
pub type SetKey = (String, String);

/// A whole project in memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    /// Display name.
    pub name: String,
    /// The labels.
    pub schema: Schema,
    /// Documents in the order they were added.
    pub documents: Vec<Document>,
    /// Annotation sets by (document, annotator).
    pub sets: BTreeMap<SetKey, AnnotationSet>,
    /// Entity registries by annotator.
    pub entities: BTreeMap<String, EntityRegistry>,
    /// Reviewers' decisions by (document, reviewer).
    pub reviews: BTreeMap<SetKey, Review>,
    /// Resolutions of predictions and verdicts on claims, by resolver (one file each).
    pub resolutions: BTreeMap<String, Resolutions>,
    /// Resolutions still written as attributes in an annotation file of format version 1
    /// (`resolution`, `resolution_note`, `resolution_date`), by the set they were read from.
    /// They count like the resolver's records until the annotator's Lector moves them into
    /// `resolutions/<resolver>.ron`; a record in that file about the same annotation wins.
    pub legacy_resolutions: BTreeMap<SetKey, Vec<Resolution>>,
    /// How predictions are proposed and scored in this project.
    pub predict: PredictSettings,
}

/// The project's settings for predictions, kept in `project.ron`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PredictSettings {
    /// The probability each certainty grade stands for when predictions are scored.
    pub probabilities: ProbabilityMap,
    /// The project's own hedge cues, added to (or regrading) the starter lists.
    pub hedge_cues: Vec<HedgeCue>,
}

impl PredictSettings {
    /// The cues hedge proposals are read from: the starter lists with the project's own.
    pub fn lexicon(&self) -> HedgeLexicon {
        HedgeLexicon::starter().with_extra(&self.hedge_cues)
    }
}

impl Project {
    /// An empty project with a schema.
    pub fn new(name: impl Into<String>, schema: Schema) -> Self {
        Self {
            name: name.into(),
            schema,
            ..Self::default()
        }
    }

    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.meta.id == id)
    }

    /// Every annotator with a file in the project, sorted; reviewed sets
    /// (`review.<reviewer>`) are not annotators.
    pub fn annotators(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sets
            .keys()
            .map(|(_, annotator)| annotator.clone())
            .chain(self.entities.keys().cloned())
            .filter(|name| reviewer_of(name).is_none())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// A reviewer's review of a document, if there is one.
    pub fn review(&self, document: &str, reviewer: &str) -> Option<&Review> {
        self.reviews
            .get(&(document.to_owned(), reviewer.to_owned()))
    }

    /// A reviewer's review of a document, made empty if it does not exist yet.
    pub fn review_mut(&mut self, document: &str, reviewer: &str) -> &mut Review {
        self.reviews
            .entry((document.to_owned(), reviewer.to_owned()))
            .or_insert_with(|| Review::new(document, reviewer))
    }

    /// An annotator's set for a document, if it exists.
    pub fn set(&self, document: &str, annotator: &str) -> Option<&AnnotationSet> {
        self.sets.get(&(document.to_owned(), annotator.to_owned()))
    }

    /// An annotator's set for a document, made empty if it does not exist yet.
    pub fn set_mut(&mut self, document: &str, annotator: &str) -> &mut AnnotationSet {
        self.sets
            .entry((document.to_owned(), annotator.to_owned()))
            .or_insert_with(|| AnnotationSet::new(annotator, document))
    }

    /// An annotator's entity registry (empty if they have none).
    pub fn registry(&self, annotator: &str) -> Option<&EntityRegistry> {
        self.entities.get(annotator)
    }

    /// A resolver's records, made empty if there are none yet.
    pub fn resolutions_mut(&mut self, resolver: &str) -> &mut Resolutions {
        self.resolutions
            .entry(resolver.to_owned())
            .or_insert_with(|| Resolutions::new(resolver))
    }

    /// The name of an entity by id, from the first annotator's registry that has it (sorted by
    /// annotator, so the answer does not change from run to run).
    pub fn entity_name(&self, id: &super::EntityId) -> Option<&str> {
        self.entities
            .values()
            .find_map(|r| r.get(id))
            .map(|e| e.name.as_str())
    }
}

/// Characters allowed in ids that become file names: letters and digits of any script, `-`,
/// `_` and `.`, not starting with `.`, at most 64 chars. This is what keeps a hostile project
/// file from writing outside the project folder.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Why a name cannot be an annotator's; `None` if it can. Names starting with
/// [`REVIEW_PREFIX`](super::review::REVIEW_PREFIX) are kept for reviewed sets.
pub fn annotator_name_problem(name: &str) -> Option<String> {
    name_problem("annotator name", name).or_else(|| {
        reviewer_of(name).map(|_| {
            format!(
                "annotator name {name:?} is not allowed: names starting with {:?} are kept for reviewed sets",
                super::review::REVIEW_PREFIX
            )
        })
    })
}

/// Why a name cannot be an annotator or document id; `None` if it can.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    (!is_safe_name(name)).then(|| {
        format!(
            "{what} {name:?} is not allowed: use letters, digits, '-', '_' or '.', \
             at most 64 characters, not starting with '.'"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_escape_the_folder_are_refused() {
        for bad in ["", "..", "../etc", "a/b", "a\\b", ".hidden", "x\0y", "a b"] {
            assert!(!is_safe_name(bad), "{bad:?} should be refused");
        }
        for good in ["anna", "Åsa_L", "sotji-talks", "doc.2", "Лука"] {
            assert!(is_safe_name(good), "{good:?} should be allowed");
        }
    }
}
