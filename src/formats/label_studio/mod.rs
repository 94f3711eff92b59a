//! Label Studio tasks JSON: a folder with `tasks.json` (one task per document, one
//! `annotations` entry per annotator) and `labeling-config.xml`, the labelling configuration a
//! Label Studio project (and the SDK's converter) needs to read the results.
//!
//! ```json
//! [{"id": 1, "data": {"text": "…", "document": "talks", "title": "…", "lector_entities": {…}},
//!   "annotations": [{"id": 1,
//!     "result": [
//!       {"id": "k3v9q2x7ma", "from_name": "label", "to_name": "text", "type": "labels",
//!        "value": {"start": 12, "end": 20, "text": "Ericsson", "labels": ["Organization"]},
//!        "meta": {"lector_annotator": "anna", "lector_created": "…", "lector_modified": "…"}},
//!       {"id": "k3v9q2x7ma", "from_name": "note", "to_name": "text", "type": "textarea",
//!        "value": {"start": 12, "end": 20, "text": ["check spelling"]}}, …]}],
//!   "predictions": []}]
//! ```
//!
//! - Offsets are code points (Python `str` indices), half-open: what current Label Studio
//!   releases count (`reference/formats.md` §4.3). `value.text` repeats the covered text, so
//!   the import notices files that count otherwise (old releases counted UTF-16 units) and
//!   lists those spans instead of shifting them.
//! - A region's id is the Lector annotation id. Attributes are per-region results with the same
//!   id (`choices`, `textarea`, `number`, `datetime`), the entity link a `textarea` named
//!   `entity` holding the entity's id, the note a `textarea` named `note`; annotation-valued
//!   attributes are `relation` results labelled with the attribute's name. Creation and
//!   modification times ride in the label result's `meta`.
//! - Label Studio refuses a whole import whose `completed_by` names someone who is not one of
//!   its users ("Unknown annotator's email"), so `completed_by` is written only for annotators
//!   mapped to a Label Studio user (`lector export --ls-user anna=anna@example.org`, an e-mail
//!   address of a member of its organisation). The others' entries have none, and Label
//!   Studio gives them to the user who imports. Either way each label result says whose it
//!   is in its `meta` (`lector_annotator`), which Label Studio keeps and exports again, so the
//!   import into Lector finds each annotator's entry after a round through Label Studio.
//! - `data.lector_entities` describes, per annotator, the entities the annotations refer to;
//!   `data.source_url` and `data.fetched` say where and when an article was fetched.
//!
//! Lost, and reported: discontinuity (Label Studio regions are contiguous). Each fragment
//! becomes a region (`<id>`, `<id>.2`, `<id>.3`, …); Lector's import joins them again. The
//! attributes, note and relations sit on the first fragment's region.
//!
//! The import takes, per task, the `annotations` entry of the annotator imported into: the one
//! whose results' `meta` names them, else whose `completed_by` does (its e-mail, or its
//! numeric id written as text). When the file
//! names that annotator nowhere (a file from a Label Studio with other users), a task's only
//! entry is taken, and a task with several is listed instead of guessed. Cancelled entries
//! and `predictions` are not imported and are listed.

mod read;
mod write;

use std::fmt::Write as _;

use super::xmi::push_escaped;
use crate::model::{AttrType, Schema};

pub use read::read;
pub use write::{tasks, write_folder};

/// The tasks file in an export folder.
pub const TASKS_FILE: &str = "tasks.json";
/// The labelling configuration in an export folder.
pub const CONFIG_FILE: &str = "labeling-config.xml";

/// Control names that are not attributes.
const LABEL: &str = "label";
const TEXT: &str = "text";
const ENTITY: &str = "entity";
const NOTE: &str = "note";

/// How an attribute is entered in Label Studio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlKind {
    /// `<Choices>` with these values: result type `choices`.
    Choices(Vec<String>),
    /// `<TextArea>`: result type `textarea` (text, entity ids, and values of mixed types).
    TextArea,
    /// `<Number>`: result type `number`.
    Number,
    /// `<DateTime only="date">`: result type `datetime`.
    Date,
    /// A `<Relation>` label: result type `relation` from the region to another.
    Relation,
}

/// The per-region control of one attribute name of the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Control {
    /// The attribute's name.
    pub attribute: String,
    /// The control's `name` (`from_name` in results): the attribute's name, or `attr_<name>`
    /// when that is taken by `label`, `text`, `entity` or `note`.
    pub name: String,
    /// How it is entered.
    pub kind: ControlKind,
}

/// The controls of a schema's attributes, in schema order. One attribute name used by several
/// labels gets one control: choices merge their values, other mixes of types become a text
/// area.
pub fn controls(schema: &Schema) -> Vec<Control> {
    let mut out: Vec<Control> = Vec::new();
    for label in &schema.labels {
        for def in &label.attributes {
            let kind = match &def.ty {
                AttrType::Choice(values) => ControlKind::Choices(values.clone()),
                AttrType::Text | AttrType::Entity => ControlKind::TextArea,
                AttrType::Number => ControlKind::Number,
                AttrType::Date => ControlKind::Date,
                AttrType::Annotation => ControlKind::Relation,
            };
            if let Some(known) = out.iter_mut().find(|c| c.attribute == def.name) {
                known.kind = match (&known.kind, kind) {
                    (ControlKind::Choices(a), ControlKind::Choices(b)) => {
                        let mut merged = a.clone();
                        merged.extend(b.into_iter().filter(|v| !a.contains(v)));
                        ControlKind::Choices(merged)
                    }
                    (a, b) if *a == b => b,
                    _ => ControlKind::TextArea,
                };
                continue;
            }
            let reserved = [LABEL, TEXT, ENTITY, NOTE].contains(&def.name.as_str());
            out.push(Control {
                attribute: def.name.clone(),
                name: if reserved {
                    format!("attr_{}", def.name)
                } else {
                    def.name.clone()
                },
                kind,
            });
        }
    }
    out
}

fn xml_attr(value: &str) -> String {
    let mut out = String::new();
    push_escaped(&mut out, value);
    out
}

/// The labelling configuration for a schema: the labels with their colours, the text, and one
/// per-region control per attribute, shown when a region of a label that has it is selected.
pub fn labeling_config(schema: &Schema) -> String {
    let mut xml = String::from("<View>\n");
    let _ = writeln!(xml, "  <Labels name=\"{LABEL}\" toName=\"{TEXT}\">");
    for label in &schema.labels {
        let _ = writeln!(
            xml,
            "    <Label value=\"{}\" background=\"{}\"/>",
            xml_attr(&label.name),
            label.color
        );
    }
    xml.push_str("  </Labels>\n");
    let _ = writeln!(xml, "  <Text name=\"{TEXT}\" value=\"${TEXT}\"/>");
    let all = controls(schema);
    let mut relations = Vec::new();
    for control in &all {
        let name = xml_attr(&control.name);
        let common = format!("name=\"{name}\" toName=\"{TEXT}\" perRegion=\"true\"");
        let labels: Vec<String> = schema
            .labels
            .iter()
            .filter(|l| l.attribute(&control.attribute).is_some())
            .map(|l| xml_attr(&l.name))
            .collect();
        let when = format!(
            "  <View visibleWhen=\"region-selected\" whenTagName=\"{LABEL}\" whenLabelValue=\"{}\">\n    <Header value=\"{}\"/>\n",
            labels.join(","),
            xml_attr(&control.attribute)
        );
        match &control.kind {
            ControlKind::Relation => {
                relations.push(name);
                continue;
            }
            ControlKind::Choices(values) => {
                xml.push_str(&when);
                let _ = writeln!(xml, "    <Choices {common} choice=\"single\">");
                for v in values {
                    let _ = writeln!(xml, "      <Choice value=\"{}\"/>", xml_attr(v));
                }
                xml.push_str("    </Choices>\n");
            }
            ControlKind::TextArea => {
                xml.push_str(&when);
                let _ = writeln!(xml, "    <TextArea {common} maxSubmissions=\"1\"/>");
            }
            ControlKind::Number => {
                xml.push_str(&when);
                let _ = writeln!(xml, "    <Number {common}/>");
            }
            ControlKind::Date => {
                xml.push_str(&when);
                let _ = writeln!(xml, "    <DateTime {common} only=\"date\"/>");
            }
        }
        xml.push_str("  </View>\n");
    }
    let entity_labels: Vec<String> = schema
        .labels
        .iter()
        .filter(|l| l.kind == crate::model::LabelKind::Entity)
        .map(|l| xml_attr(&l.name))
        .collect();
    if !entity_labels.is_empty() {
        let _ = writeln!(
            xml,
            "  <View visibleWhen=\"region-selected\" whenTagName=\"{LABEL}\" whenLabelValue=\"{}\">\n    <Header value=\"Entity id\"/>\n    <TextArea name=\"{ENTITY}\" toName=\"{TEXT}\" perRegion=\"true\" maxSubmissions=\"1\"/>\n  </View>",
            entity_labels.join(",")
        );
    }
    let _ = writeln!(
        xml,
        "  <View visibleWhen=\"region-selected\">\n    <Header value=\"Note\"/>\n    <TextArea name=\"{NOTE}\" toName=\"{TEXT}\" perRegion=\"true\" maxSubmissions=\"1\"/>\n  </View>"
    );
    if !relations.is_empty() {
        xml.push_str("  <Relations>\n");
        for r in relations {
            let _ = writeln!(xml, "    <Relation value=\"{r}\"/>");
        }
        xml.push_str("  </Relations>\n");
    }
    xml.push_str("</View>\n");
    xml
}
