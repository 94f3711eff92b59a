//! Migration steps between format versions: one small function per step, never edited once
//! released.
//!
//! ## Version 1 → 2
//!
//! - `project.ron`: the Prediction labels lose `resolution`, `resolution_note` and
//!   `resolution_date` (resolutions are records of their own now) and gain `probability`;
//!   documents get no publication date; the scoring map is Kent's; no hedge cues of the
//!   project's own. Nothing is written until `project.ron` is next saved, so a colleague still
//!   on version 1 keeps working until then.
//! - Annotation files: the three attributes are taken out of each Prediction annotation and
//!   become [`Resolution`]s of the person whose file it is (see [`take_legacy_resolutions`]).
//!   They stay in the file, and count, until that person's Lector writes them to
//!   `resolutions/<person>.ron` and rewrites the annotation file in version 2
//!   ([`crate::session::Session::migrate_resolutions`]); until then the file is read-only, so
//!   no other write can drop them.

use super::{v1, v2};
use crate::model::resolution::Record;
use crate::model::{
    AnnotationSet, AttrType, AttrValue, AttributeDef, DocText, LabelKind, RecordKey, Resolution,
    Schema,
};
use crate::predict::ResolutionStatus;

/// The attributes of version 1 that became resolution records.
pub const LEGACY_ATTRIBUTES: [&str; 3] = ["resolution", "resolution_note", "resolution_date"];

/// The attribute of a Prediction for a probability stated in the text (new in version 2).
pub const PROBABILITY_ATTRIBUTE: &str = "probability";

/// The `probability` attribute as the default schema defines it.
pub fn probability_attribute() -> AttributeDef {
    AttributeDef {
        name: PROBABILITY_ATTRIBUTE.to_owned(),
        ty: AttrType::Number,
        help: "A probability stated in the text, 0–1 (\"70 procent\" is 0.7); it overrides \
               the certainty when predictions are scored"
            .to_owned(),
    }
}

/// `project.ron` of version 1 in the shape of version 2.
pub fn project_file_v1(file: v1::ProjectFile) -> v2::ProjectFile {
    let v1::ProjectFile {
        format_version: _,
        name,
        mut schema,
        documents,
    } = file;
    schema_v1(&mut schema);
    v2::ProjectFile {
        format_version: 2,
        name,
        schema,
        probabilities: v2::Probabilities::default(),
        hedge_cues: Vec::new(),
        documents: documents
            .into_iter()
            .map(|d| v2::DocumentEntry {
                id: d.id,
                title: d.title,
                file: d.file,
                sha256: d.sha256,
                added: d.added,
                published: None,
                source_url: None,
                fetched: None,
            })
            .collect(),
    }
}

/// The schema step: Prediction labels lose the resolution attributes and gain `probability`
/// (after `certainty` where there is one).
fn schema_v1(schema: &mut Schema) {
    for label in &mut schema.labels {
        if label.kind != LabelKind::Prediction {
            continue;
        }
        label
            .attributes
            .retain(|a| !LEGACY_ATTRIBUTES.contains(&a.name.as_str()));
        if label.attribute(PROBABILITY_ATTRIBUTE).is_none() {
            let at = label
                .attributes
                .iter()
                .position(|a| a.name == "certainty")
                .map_or(label.attributes.len(), |i| i + 1);
            label.attributes.insert(at, probability_attribute());
        }
    }
}

/// Takes the version-1 resolution attributes out of a set's Prediction annotations and
/// returns them as records (keyed by this set's annotator). An annotation whose attributes
/// hold something a record cannot (a status Lector does not know, a date as text) keeps
/// them, so that the file is reported and stays read-only rather than losing them.
/// `resolution: open` with neither note nor date says nothing a record would: it is taken
/// out without one.
pub fn take_legacy_resolutions(
    set: &mut AnnotationSet,
    schema: &Schema,
    text: &DocText,
) -> Vec<Resolution> {
    let mut records = Vec::new();
    let (document, annotator) = (set.document.clone(), set.annotator.clone());
    let holding: Vec<crate::model::AnnotationId> = set
        .iter()
        .filter(|a| {
            schema
                .label(&a.label)
                .is_some_and(|l| l.kind == LabelKind::Prediction)
                && LEGACY_ATTRIBUTES
                    .iter()
                    .any(|name| a.attributes.contains_key(*name))
        })
        .map(|a| a.id.clone())
        .collect();
    for id in holding {
        set.update(&id, |annotation| {
            let attrs = &annotation.attributes;
            let status = match attrs.get("resolution") {
                None => Some(ResolutionStatus::Open),
                Some(AttrValue::Choice(name)) => ResolutionStatus::from_name(name),
                Some(_) => None,
            };
            let note = match attrs.get("resolution_note") {
                None => Some(String::new()),
                Some(AttrValue::Text(note)) => Some(note.clone()),
                Some(_) => None,
            };
            let date = match attrs.get("resolution_date") {
                None => Some(None),
                Some(AttrValue::Date(date)) => Some(Some(*date)),
                Some(_) => None,
            };
            let (Some(status), Some(note), Some(date)) = (status, note, date) else {
                return;
            };
            for name in LEGACY_ATTRIBUTES {
                annotation.attributes.remove(name);
            }
            if status == ResolutionStatus::Open && note.trim().is_empty() && date.is_none() {
                return;
            }
            records.push(Record {
                key: RecordKey::new(&document, &annotator, annotation.id.clone()),
                outcome: status,
                date,
                evidence: Vec::new(),
                note,
                quote: annotation.covered_text(text),
                at: annotation.modified,
            });
        });
    }
    records
}

/// Whether any annotation of a set (read from a version-1 file) holds a resolution attribute
/// that says more than `resolution: open`, whatever its label: what a write over the file
/// must not drop.
pub fn has_legacy_resolutions(set: &AnnotationSet) -> bool {
    set.iter().any(|a| {
        a.attributes
            .iter()
            .any(|(name, value)| match name.as_str() {
                "resolution" => !matches!(value, AttrValue::Choice(s) if s == "open"),
                "resolution_note" | "resolution_date" => true,
                _ => false,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, checked_fragments};

    fn v1_schema() -> Schema {
        let mut schema = Schema::news_default();
        for label in &mut schema.labels {
            if label.kind == LabelKind::Prediction {
                label.attributes.retain(|a| a.name != PROBABILITY_ATTRIBUTE);
                for name in LEGACY_ATTRIBUTES {
                    label.attributes.push(AttributeDef {
                        name: name.to_owned(),
                        ty: AttrType::Text,
                        help: String::new(),
                    });
                }
            }
        }
        schema
    }

    #[test]
    fn the_schema_loses_the_resolution_attributes_and_gains_probability() {
        let mut schema = v1_schema();
        schema_v1(&mut schema);
        let prediction = schema.label("Prediction").unwrap();
        let names: Vec<&str> = prediction
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["holder", "certainty", "probability", "condition", "due"]
        );
        assert_eq!(schema, Schema::news_default(), "as a new project has it");
        // A second run changes nothing.
        schema_v1(&mut schema);
        assert_eq!(schema, Schema::news_default());
    }

    #[test]
    fn resolution_attributes_become_records_and_odd_ones_stay() {
        let schema = Schema::news_default();
        let text = DocText::new("Putin kommer att vinna. Han kommer att förlora. Ja.").unwrap();
        let span = |s, e| checked_fragments(&text, &[(s, e)]).unwrap();
        let mut set = AnnotationSet::new("anna", "doc");
        let mut resolved = Annotation::new("Prediction", span(0, 23));
        resolved.attributes.extend([
            ("certainty".into(), AttrValue::Choice("certain".into())),
            ("resolution".into(), AttrValue::Choice("came_true".into())),
            ("resolution_note".into(), AttrValue::Text("he won".into())),
            (
                "resolution_date".into(),
                AttrValue::Date("2024-03-17".parse().unwrap()),
            ),
        ]);
        let mut open = Annotation::new("Prediction", span(24, 46));
        open.attributes
            .insert("resolution".into(), AttrValue::Choice("open".into()));
        let mut odd = Annotation::new("Prediction", span(48, 51));
        odd.attributes
            .insert("resolution".into(), AttrValue::Choice("true".into()));
        let ids = [resolved.id.clone(), open.id.clone(), odd.id.clone()];
        set.insert(resolved);
        set.insert(open);
        set.insert(odd);

        let records = take_legacy_resolutions(&mut set, &schema, &text);
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.key, RecordKey::new("doc", "anna", ids[0].clone()));
        assert_eq!(record.outcome, ResolutionStatus::CameTrue);
        assert_eq!(record.note, "he won");
        assert_eq!(record.date, Some("2024-03-17".parse().unwrap()));
        assert_eq!(record.quote, "Putin kommer att vinna.");
        let attrs = |i: usize| {
            let a = set.get(&ids[i]).unwrap();
            a.attributes.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(attrs(0), ["certainty"], "moved out");
        assert!(attrs(1).is_empty(), "an open one says nothing: taken out");
        assert_eq!(
            attrs(2),
            ["resolution"],
            "an unknown status stays, to be reported"
        );
    }
}
