//! The rules every annotation obeys, checked the same way for the GUI, the command line, files
//! on load and `lector check`.

use std::collections::BTreeSet;

use super::annotation::{
    Annotation, AnnotationSet, AttrValue, EntityRegistry, ValueRef, checked_fragments,
};
use super::offsets::DocText;
use super::schema::{AttrType, LabelKind, Schema};

/// What is wrong with one annotation, as sentences. Empty if it is valid.
pub fn annotation_problems(
    schema: &Schema,
    text: &DocText,
    registry: Option<&EntityRegistry>,
    set: &AnnotationSet,
    annotation: &Annotation,
) -> Vec<String> {
    let mut problems = Vec::new();
    // Most annotations are fine: checked without building anything, and only a span that
    // fails is checked again by `checked_fragments`, for its words.
    if fragments_in_order(text, &annotation.fragments) {
        problems.extend(meaning_problems(schema, registry, set, annotation));
        return problems;
    }
    let raw: Vec<(u32, u32)> = annotation
        .fragments
        .iter()
        .map(|f| (f.start.0, f.end.0))
        .collect();
    match checked_fragments(text, &raw) {
        Ok(checked) if checked != annotation.fragments => {
            problems.push("fragments overlap or are out of order".to_owned());
        }
        Ok(_) => {}
        Err(err) => problems.push(err.to_string()),
    }
    problems.extend(meaning_problems(schema, registry, set, annotation));
    problems
}

/// Whether fragments are what [`checked_fragments`] makes of them: some, each non-empty, in
/// range and on grapheme boundaries, sorted, neither overlapping nor touching.
fn fragments_in_order(text: &DocText, fragments: &[super::Fragment]) -> bool {
    let len = text.len_chars();
    let mut last_end = None;
    !fragments.is_empty()
        && fragments.iter().all(|f| {
            let ordered = last_end.is_none_or(|end| f.start > end);
            last_end = Some(f.end);
            ordered
                && f.start < f.end
                && f.end <= len
                && text.is_grapheme_boundary(f.start)
                && text.is_grapheme_boundary(f.end)
        })
}

/// What is wrong with one annotation apart from its spans (which [`checked_fragments`]
/// checks): its label, entity link and attributes against the schema and the entities.
pub fn meaning_problems(
    schema: &Schema,
    registry: Option<&EntityRegistry>,
    set: &AnnotationSet,
    annotation: &Annotation,
) -> Vec<String> {
    let mut problems = Vec::new();
    Meaning::of(annotation).problems(
        schema,
        registry,
        &set.annotator,
        &|id| set.contains_id(id),
        &mut problems,
    );
    problems
}

/// What [`meaning_problems`] reads of an annotation, borrowed: from the model, or from a file
/// checked without building its annotations (`lector check`).
pub struct Meaning<'v, A> {
    /// The annotation's id.
    pub id: &'v str,
    /// Its label.
    pub label: &'v str,
    /// The entity it links to.
    pub entity: Option<&'v str>,
    /// Its attributes, each name once.
    pub attributes: A,
}

impl<'v> Meaning<'v, ()> {
    /// What the checks read of an annotation of the model.
    pub fn of(
        annotation: &'v Annotation,
    ) -> Meaning<'v, impl Iterator<Item = (&'v str, ValueRef<'v>)>> {
        Meaning {
            id: &annotation.id.0,
            label: &annotation.label,
            entity: annotation.entity.as_ref().map(|e| e.0.as_str()),
            attributes: annotation
                .attributes
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_ref())),
        }
    }
}

impl<'v, A: Iterator<Item = (&'v str, ValueRef<'v>)>> Meaning<'v, A> {
    /// Appends what is wrong with the annotation of `annotator` (see [`meaning_problems`]);
    /// `in_set` says whether the set has an annotation with an id (for attributes that refer
    /// to one).
    pub fn problems(
        self,
        schema: &Schema,
        registry: Option<&EntityRegistry>,
        annotator: &str,
        in_set: &dyn Fn(&str) -> bool,
        problems: &mut Vec<String>,
    ) {
        let Some(label) = schema.label(self.label) else {
            problems.push(format!(
                "label {:?} is not in the project's schema",
                self.label
            ));
            return;
        };
        if let Some(entity) = self.entity {
            if label.kind != LabelKind::Entity {
                problems.push(format!(
                    "only entity mentions link to an entity, and {:?} is a {} label",
                    label.name,
                    label.kind.name()
                ));
            }
            match registry.and_then(|r| r.find(entity)) {
                None => problems.push(format!(
                    "links to entity {entity:?}, which {annotator}'s entities file does not define",
                )),
                Some(e) if e.label != self.label => problems.push(format!(
                    "is a {} mention but links to {:?}, which is a {}",
                    self.label, e.name, e.label
                )),
                Some(_) => {}
            }
        }
        for (name, value) in self.attributes {
            let Some(def) = label.attribute(name) else {
                problems.push(format!(
                    "attribute {name:?} is not defined for label {:?}",
                    label.name
                ));
                continue;
            };
            if let Some(problem) = value_problem(&def.ty, value, registry, self.id, in_set) {
                problems.push(format!("attribute {name:?}: {problem}"));
            }
        }
    }
}

fn value_problem(
    ty: &AttrType,
    value: ValueRef<'_>,
    registry: Option<&EntityRegistry>,
    id: &str,
    in_set: &dyn Fn(&str) -> bool,
) -> Option<String> {
    match (ty, value) {
        (AttrType::Choice(values), ValueRef::Choice(v)) => {
            (!values.iter().any(|c| c.as_str() == v))
                .then(|| format!("{v:?} is not one of {}", values.join(", ")))
        }
        (AttrType::Text, ValueRef::Text(_)) | (AttrType::Date, ValueRef::Date(_)) => None,
        (AttrType::Number, ValueRef::Number(n)) => {
            (!n.is_finite()).then(|| format!("{n} is not a finite number"))
        }
        (AttrType::Entity, ValueRef::Entity(entity)) => registry
            .and_then(|r| r.find(entity))
            .is_none()
            .then(|| format!("entity {entity:?} is not defined")),
        (AttrType::Annotation, ValueRef::Annotation(target)) => {
            if target == id {
                Some("refers to the annotation itself".to_owned())
            } else {
                (!in_set(target)).then(|| format!("annotation {target:?} is not in this document"))
            }
        }
        (expected, _) => Some(format!(
            "expected a {} value, found {}",
            expected.name(),
            value_kind(value)
        )),
    }
}

fn value_kind(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Choice(_) => "a choice",
        ValueRef::Text(_) => "text",
        ValueRef::Date(_) => "a date",
        ValueRef::Number(_) => "a number",
        ValueRef::Entity(_) => "an entity",
        ValueRef::Annotation(_) => "an annotation",
    }
}

/// Ids used by more than one annotation of the set, sorted.
pub fn duplicate_ids(set: &AnnotationSet) -> Vec<String> {
    // Hashed, not sorted into a tree: a damaged file of a million annotations took 0.8 s.
    let mut seen: std::collections::HashSet<&str, foldhash::fast::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(set.len(), Default::default());
    let mut duplicates = BTreeSet::new();
    for annotation in set.iter() {
        if !seen.insert(annotation.id.0.as_str()) {
            duplicates.insert(annotation.id.0.to_string());
        }
    }
    duplicates.into_iter().collect()
}

/// What is wrong with an annotator's entities: unknown or non-entity labels, empty names.
pub fn registry_problems(schema: &Schema, registry: &EntityRegistry) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (i, entity) in registry.entities.iter().enumerate() {
        if i > 0 && registry.entities[i - 1].id == entity.id {
            problems.push((entity.id.0.clone(), "the id is used twice".to_owned()));
        }
        if entity.name.trim().is_empty() {
            problems.push((entity.id.0.clone(), "the name is empty".to_owned()));
        }
        match schema.label(&entity.label) {
            None => problems.push((
                entity.id.0.clone(),
                format!("label {:?} is not in the project's schema", entity.label),
            )),
            Some(label) if label.kind != LabelKind::Entity => problems.push((
                entity.id.0.clone(),
                format!("label {:?} is not an entity label", entity.label),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Reads a value typed by a person (command line, a text field) as the attribute's type.
/// Entities may be given by id or by name (case-insensitive).
pub fn parse_value(
    ty: &AttrType,
    input: &str,
    registry: Option<&EntityRegistry>,
) -> Result<AttrValue, String> {
    use super::annotation::AnnotationId;
    let input = input.trim();
    match ty {
        AttrType::Choice(values) => {
            if values.iter().any(|v| v == input) {
                Ok(AttrValue::Choice(input.to_owned()))
            } else {
                Err(format!("{input:?} is not one of {}", values.join(", ")))
            }
        }
        AttrType::Text => Ok(AttrValue::Text(input.to_owned())),
        AttrType::Date => input
            .parse()
            .map(AttrValue::Date)
            .map_err(|_| format!("{input:?} is not a date of the form YYYY-MM-DD")),
        AttrType::Number => match input.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(AttrValue::Number(n)),
            _ => Err(format!("{input:?} is not a number")),
        },
        AttrType::Entity => {
            let entities = registry.map_or(&[][..], |r| &r.entities[..]);
            let lower = input.to_lowercase();
            entities
                .iter()
                .find(|e| e.id.0 == input)
                .or_else(|| entities.iter().find(|e| e.name.to_lowercase() == lower))
                .map(|e| AttrValue::Entity(e.id.clone()))
                .ok_or_else(|| {
                    let known: Vec<&str> = entities.iter().map(|e| e.id.0.as_str()).collect();
                    let mut message =
                        format!("no entity {input:?}; link a mention to it first (--entity)");
                    if !known.is_empty() {
                        message.push_str(&format!("; known: {}", known.join(", ")));
                    }
                    message
                })
        }
        AttrType::Annotation => Ok(AttrValue::Annotation(AnnotationId::from(input.to_owned()))),
    }
}
