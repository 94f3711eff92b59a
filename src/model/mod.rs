//! The domain model: texts and offsets, the schema, annotations, entities, the project.
//! Never imports egui or eframe.

pub mod annotation;
pub mod edit;
pub mod find;
pub mod list;
pub mod offsets;
pub mod paragraphs;
pub mod project;
pub mod resolution;
pub mod review;
pub mod schema;
pub mod suggested;
pub mod table;
pub mod text;
pub mod validate;

pub use annotation::{
    Annotation, AnnotationId, AnnotationSet, AttrValue, Entity, EntityId, EntityRegistry, Fragment,
    Snapshot, SpanError, Status, ValueRef, checked_fragments,
};
pub use list::{AnnotationList, Annotations};
pub use offsets::{ByteOffset, CharOffset, DocText, Utf16Offset};
pub use project::{Document, DocumentMeta, PredictSettings, Project, SetKey};
pub use resolution::{RecordKey, Resolution, Resolutions, VerdictRecord};
pub use schema::{AttrType, AttributeDef, Color, Label, LabelKind, Schema, SchemaPlace};
pub use table::{SpanTable, SpanTables, TableBuilder, TableSpan};

/// Lets go of something big on another thread: freeing a million small allocations (a
/// book's span index, a big project's counts, a review's step) held the window for tens of
/// milliseconds. Dropped here if no thread can be started.
pub fn drop_elsewhere<T: Send + 'static>(big: T) {
    drop(std::thread::Builder::new().spawn(move || drop(big)));
}
