//! UIMA CAS XMI as INCEpTION reads it: `<annotator>/<document>.xmi` per document and annotator,
//! with `<annotator>/TypeSystem.xml` beside them, so that each annotator's folder is what
//! INCEpTION's own "UIMA CAS XMI" export holds (an `.xmi` per document plus its type system).
//!
//! | Lector | XMI |
//! |---|---|
//! | the stored text | the `_InitialView` `cas:Sofa`'s `sofaString`, newlines written `&#10;` |
//! | document id and title | `DocumentMetaData` (`documentId`, `documentTitle`) |
//! | annotation | a `webanno.custom.Lector` span (`begin`/`end` in **UTF-16 code units**, as Java counts) with features `label`, `lectorId`, `entity`, `note`, `created`, `modified` |
//! | attribute | a feature of the same layer per attribute name (see [`attribute_features`]): text for most values, a link to the other `Lector` span for annotation-valued ones |
//! | entity (name and label) | a `webanno.custom.LectorEntity` feature structure |
//!
//! In INCEpTION, make a span layer `Lector` (character anchoring, overlap allowed) with the
//! string features of `TypeSystem.xml` before importing: INCEpTION keeps only the layers and
//! features a project defines. XMI is written as XML 1.0, which both of INCEpTION's XMI
//! formats and dkpro-cassis read.
//!
//! Lost, and reported: discontinuity (INCEpTION has no discontinuous spans): each fragment
//! becomes a span of its own, all with the same `lectorId` and features, which Lector's import
//! joins again. Characters XML 1.0 cannot hold (control characters other than tab and line
//! breaks, U+FFFE, U+FFFF; Lector's import removes them from articles) become U+FFFD, one
//! UTF-16 unit for one, so no offset moves.
//!
//! The import reads a folder of `.xmi` files (or one file): `Lector` spans, and
//! DKPro's `NamedEntity` (its `value` as the label) from other tools. The Sofa must equal the
//! stored text; spans are converted from UTF-16 and checked like every import.

mod read;
mod write;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::{AttrType, Schema};

pub use read::read;
pub use write::write_folder;

/// The UIMA type of Lector's layer (INCEpTION names custom layers `webanno.custom.<Name>`).
pub const LAYER: &str = "webanno.custom.Lector";
/// The UIMA type that describes an entity (id, name, label).
pub const ENTITY_TYPE: &str = "webanno.custom.LectorEntity";
/// DKPro Core's named-entity type, INCEpTION's built-in "Named entity" layer.
pub const NAMED_ENTITY: &str = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity";
/// DKPro Core's document metadata type.
pub const DOCUMENT_META_DATA: &str =
    "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData";
/// The type system's file name, as DKPro's `XmiWriter` (and so INCEpTION) writes it.
pub const TYPE_SYSTEM_FILE: &str = "TypeSystem.xml";

/// Features of [`LAYER`] that are not attributes.
const FIXED_FEATURES: [(&str, &str); 6] = [
    ("label", "The Lector label"),
    (
        "lectorId",
        "The Lector annotation id; the fragments of a discontinuous span share it",
    ),
    ("entity", "For entity mentions: the id of the linked entity"),
    ("note", "Free-text note"),
    ("created", "When the annotation was made (RFC 3339)"),
    ("modified", "When the annotation last changed (RFC 3339)"),
];

/// Names a feature of [`LAYER`] cannot take: UIMA's own and the fixed ones.
const RESERVED: [&str; 3] = ["begin", "end", "sofa"];

const NS_XMI: &str = "http://www.omg.org/XMI";
const NS_CAS: &str = "http:///uima/cas.ecore";
const NS_CUSTOM: &str = "http:///webanno/custom.ecore";
const NS_METADATA: &str = "http:///de/tudarmstadt/ukp/dkpro/core/api/metadata/type.ecore";

/// How one attribute of the schema is written as a feature of [`LAYER`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeFeature {
    /// The attribute's name in the schema.
    pub attribute: String,
    /// The feature's name: ASCII letters, digits and `_`, starting with a letter, unique.
    pub feature: String,
    /// Whether every label that has the attribute makes it annotation-valued, so that the
    /// feature links to another [`LAYER`] span instead of holding text.
    pub is_link: bool,
    /// The attribute's help text, for the type system's description.
    pub help: String,
}

/// The features the schema's attributes become, in schema order (first label first). The same
/// schema always gives the same names, which is how the import maps them back.
pub fn attribute_features(schema: &Schema) -> Vec<AttributeFeature> {
    let mut by_name: Vec<AttributeFeature> = Vec::new();
    for label in &schema.labels {
        for def in &label.attributes {
            let is_link = def.ty == AttrType::Annotation;
            if let Some(known) = by_name.iter_mut().find(|f| f.attribute == def.name) {
                known.is_link &= is_link;
                continue;
            }
            by_name.push(AttributeFeature {
                attribute: def.name.clone(),
                feature: String::new(),
                is_link,
                help: def.help.clone(),
            });
        }
    }
    let mut taken: BTreeSet<String> = RESERVED
        .iter()
        .chain(FIXED_FEATURES.iter().map(|(name, _)| name))
        .map(|s| (*s).to_owned())
        .collect();
    for f in &mut by_name {
        let base = feature_name(&f.attribute);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(name.clone());
        f.feature = name;
    }
    by_name
}

/// An attribute name as a UIMA feature name: other characters become `_`, and a name that
/// does not start with an ASCII letter gets an `a` in front.
fn feature_name(attribute: &str) -> String {
    let mut name: String = attribute
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, 'a');
    }
    name
}

/// Whether a char may appear in an XML 1.0 document.
fn is_xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for a double-quoted XML attribute value. Tabs and line breaks are written as
/// character references, since a parser turns literal ones into spaces (attribute-value
/// normalisation). Returns how many chars XML 1.0 cannot hold were replaced by U+FFFD.
pub(crate) fn push_escaped(out: &mut String, value: &str) -> usize {
    let mut replaced = 0;
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_xml10_char(c) => out.push(c),
            _ => {
                // One UTF-16 unit for one (every such char is in the BMP): offsets stay.
                out.push('\u{FFFD}');
                replaced += 1;
            }
        }
    }
    replaced
}

/// Writes one element with attributes on a line of its own; `None` values are left out.
struct XmlOut {
    xml: String,
    replaced: usize,
}

impl XmlOut {
    fn element(&mut self, name: &str, attributes: &[(&str, Option<&str>)]) {
        let _ = write!(self.xml, "  <{name}");
        for (key, value) in attributes {
            if let Some(value) = value {
                let _ = write!(self.xml, " {key}=\"");
                self.replaced += push_escaped(&mut self.xml, value);
                self.xml.push('"');
            }
        }
        self.xml.push_str("/>\n");
    }
}

/// `TypeSystem.xml` for a schema: the Lector layer with its features, the entity type, and
/// DKPro's `DocumentMetaData`.
pub fn type_system(features: &[AttributeFeature]) -> String {
    let mut out = XmlOut {
        xml: String::new(),
        replaced: 0,
    };
    out.xml
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.xml
        .push_str("<typeSystemDescription xmlns=\"http://uima.apache.org/resourceSpecifier\">\n");
    out.xml
        .push_str("  <name>Lector</name>\n  <description>Written by Lector.</description>\n");
    out.xml.push_str("  <types>\n");
    let string = "uima.cas.String";
    let mut lector: Vec<(String, String, &str)> = FIXED_FEATURES
        .iter()
        .map(|(name, help)| ((*name).to_owned(), (*help).to_owned(), string))
        .collect();
    for f in features {
        let mut help = format!("Lector attribute {:?}", f.attribute);
        if !f.help.is_empty() {
            let _ = write!(help, ": {}", f.help);
        }
        lector.push((
            f.feature.clone(),
            help,
            if f.is_link { LAYER } else { string },
        ));
    }
    let type_description = |out: &mut XmlOut,
                            name: &str,
                            description: &str,
                            supertype: &str,
                            features: &[(String, String, &str)]| {
        out.xml.push_str("    <typeDescription>\n");
        text_element(out, 6, "name", name);
        text_element(out, 6, "description", description);
        text_element(out, 6, "supertypeName", supertype);
        out.xml.push_str("      <features>\n");
        for (name, description, range) in features {
            out.xml.push_str("        <featureDescription>\n");
            text_element(out, 10, "name", name);
            text_element(out, 10, "description", description);
            text_element(out, 10, "rangeTypeName", range);
            out.xml.push_str("        </featureDescription>\n");
        }
        out.xml
            .push_str("      </features>\n    </typeDescription>\n");
    };
    type_description(
        &mut out,
        LAYER,
        "A Lector annotation: an entity mention, a claim or a prediction",
        "uima.tcas.Annotation",
        &lector,
    );
    let strings = |names: &[(&str, &str)]| -> Vec<(String, String, &'static str)> {
        names
            .iter()
            .map(|(n, d)| ((*n).to_owned(), (*d).to_owned(), "uima.cas.String"))
            .collect()
    };
    type_description(
        &mut out,
        ENTITY_TYPE,
        "An entity Lector annotations refer to by id",
        "uima.cas.TOP",
        &strings(&[
            ("entityId", "The entity's id"),
            ("name", "The canonical name"),
            ("label", "The entity label"),
        ]),
    );
    let mut meta = strings(&[
        ("documentTitle", "The human readable title of the document"),
        ("documentId", "The id of the document"),
        ("documentUri", "The URI of the document"),
        ("collectionId", "The id of the collection"),
        ("documentBaseUri", "The base URI of the document"),
    ]);
    meta.push((
        "isLastSegment".to_owned(),
        "Whether this is the last segment of the document".to_owned(),
        "uima.cas.Boolean",
    ));
    type_description(
        &mut out,
        DOCUMENT_META_DATA,
        "DKPro Core document metadata",
        "uima.tcas.DocumentAnnotation",
        &meta,
    );
    out.xml.push_str("  </types>\n</typeSystemDescription>\n");
    out.xml
}

fn text_element(out: &mut XmlOut, indent: usize, name: &str, text: &str) {
    let _ = write!(out.xml, "{:indent$}<{name}>", "");
    out.replaced += push_escaped(&mut out.xml, text);
    let _ = writeln!(out.xml, "</{name}>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttributeDef, Color, Label, LabelKind};

    #[test]
    fn feature_names_are_identifiers_and_unique() {
        let attr = |name: &str, ty: AttrType| AttributeDef {
            name: name.to_owned(),
            ty,
            help: String::new(),
            title: String::new(),
        };
        let schema = Schema {
            labels: vec![Label {
                name: "Claim".to_owned(),
                kind: LabelKind::Claim,
                color: Color([0, 0, 0]),
                hotkey: None,
                attributes: vec![
                    attr("note", AttrType::Text),
                    attr("säker het", AttrType::Text),
                    attr("s_ker_het", AttrType::Text),
                    attr("1st", AttrType::Number),
                    attr("cause", AttrType::Annotation),
                ],
                help: String::new(),
            }],
        };
        let names: Vec<(String, bool)> = attribute_features(&schema)
            .into_iter()
            .map(|f| (f.feature, f.is_link))
            .collect();
        assert_eq!(
            names,
            [
                ("note_2".to_owned(), false),
                ("s_ker_het".to_owned(), false),
                ("s_ker_het_2".to_owned(), false),
                ("a1st".to_owned(), false),
                ("cause".to_owned(), true),
            ]
        );
    }

    #[test]
    fn attribute_values_escape_line_breaks_and_markup() {
        let mut out = String::new();
        let replaced = push_escaped(&mut out, "a\nb\t\"<&>\u{C}\u{FFFE}é👍");
        assert_eq!(out, "a&#10;b&#9;&quot;&lt;&amp;&gt;\u{FFFD}\u{FFFD}é👍");
        assert_eq!(replaced, 2);
    }
}
