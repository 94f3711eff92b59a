//! The on-disk shapes of format version 1. Released: never change these types; add a `v2.rs`
//! and a migration step instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Schema;

/// `project.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProjectFile {
    /// Always first, so that any version can be recognised.
    pub format_version: u32,
    /// Display name.
    pub name: String,
    /// The labels.
    pub schema: Schema,
    /// Documents in the order they were added.
    #[serde(default)]
    pub documents: Vec<DocumentEntry>,
}

/// A document in `project.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// Stable id, the stem of `documents/<id>.txt`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Original file name.
    pub file: String,
    /// SHA-256 of the stored text, lower-case hex.
    pub sha256: String,
    /// RFC 3339 time it was added.
    pub added: String,
}

/// An annotator's progress on a document.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
pub enum Status {
    /// Nothing done yet.
    #[default]
    NotStarted,
    /// Under way.
    InProgress,
    /// Finished.
    Done,
}

/// `annotations/<annotator>/<document>.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetFile {
    /// Always first.
    pub format_version: u32,
    /// The document id; must match the file name.
    pub document: String,
    /// The annotator; must match the folder name.
    pub annotator: String,
    /// The annotator's progress.
    #[serde(default)]
    pub status: Status,
    /// Sorted by start, end, id.
    #[serde(default)]
    pub annotations: Vec<AnnotationEntry>,
}

/// One annotation.
#[derive(Debug, Serialize, Deserialize)]
pub struct AnnotationEntry {
    /// Stable id.
    pub id: String,
    /// Label name.
    pub label: String,
    /// `(start, end, covered text)` in chars of the stored text, half-open.
    pub fragments: Vec<(u32, u32, String)>,
    /// Up to 24 chars before the first fragment, for people reading the file and for
    /// re-anchoring.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub before: String,
    /// Up to 24 chars after the last fragment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
    /// Entity id for entity mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Attribute values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Value>,
    /// Free-text note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
    pub modified: String,
}

/// An attribute value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Value {
    /// A choice.
    Choice(String),
    /// Free text.
    Text(String),
    /// `YYYY-MM-DD`.
    Date(String),
    /// A number.
    Number(f64),
    /// An entity id.
    Entity(String),
    /// An annotation id of the same file.
    Annotation(String),
}

/// `entities/<annotator>.ron`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EntitiesFile {
    /// Always first.
    pub format_version: u32,
    /// The annotator; must match the file name.
    pub annotator: String,
    /// Sorted by id.
    #[serde(default)]
    pub entities: Vec<EntityEntry>,
}

/// A canonical entity.
#[derive(Debug, Serialize, Deserialize)]
pub struct EntityEntry {
    /// Stable slug id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Entity label.
    pub label: String,
    /// Note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// `reviews/<reviewer>/<document>.ron`: how a reviewer settled the annotators' differences.
/// The reviewed annotations themselves are the set `annotations/review.<reviewer>/`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReviewFile {
    /// Always first.
    pub format_version: u32,
    /// The document id; must match the file name.
    pub document: String,
    /// The reviewer; must match the folder name.
    pub reviewer: String,
    /// In text order.
    #[serde(default)]
    pub decisions: Vec<DecisionEntry>,
    /// By annotator and annotation.
    #[serde(default)]
    pub comments: Vec<CommentEntry>,
}

/// One decision.
#[derive(Debug, Serialize, Deserialize)]
pub struct DecisionEntry {
    /// Annotator → id of the annotation compared.
    pub sources: BTreeMap<String, String>,
    /// Chars the unit covered, half-open.
    pub span: (u32, u32),
    /// The kind of difference.
    pub kind: String,
    /// What was taken.
    pub choice: ChoiceEntry,
    /// Ids of the reviewed set's annotations that came from it.
    #[serde(default)]
    pub result: Vec<String>,
    /// The reviewer's comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// RFC 3339.
    pub at: String,
}

/// What a reviewer took.
#[derive(Debug, Serialize, Deserialize)]
pub enum ChoiceEntry {
    /// Everyone agreed.
    Agreed,
    /// This annotator's version.
    Take(String),
    /// Every version.
    All,
    /// None.
    Neither,
    /// Edited by the reviewer.
    Edited,
}

/// A comment on one annotator's annotation.
#[derive(Debug, Serialize, Deserialize)]
pub struct CommentEntry {
    /// Whose annotation.
    pub annotator: String,
    /// Its id.
    pub annotation: String,
    /// The comment.
    pub text: String,
    /// RFC 3339.
    pub at: String,
}
