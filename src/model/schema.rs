//! The label schema: which labels a project has, of which kind, with which attributes.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// What a label marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LabelKind {
    /// A mention of a person, organisation, place, …; can be linked to a project entity.
    Entity,
    /// Someone asserts something: who, how check-worthy, the verdict.
    Claim,
    /// Someone predicts something: who, how sure, on which condition, by when, and whether it
    /// came true.
    Prediction,
}

impl LabelKind {
    /// Lower-case name for messages and exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Entity => "entity",
            Self::Claim => "claim",
            Self::Prediction => "prediction",
        }
    }
}

/// The type of an attribute's value, and so the widget that edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttrType {
    /// One of a fixed list of values.
    Choice(Vec<String>),
    /// Free text.
    Text,
    /// A calendar date (`YYYY-MM-DD`).
    Date,
    /// A number.
    Number,
    /// A canonical entity of the project (for example the holder of a claim).
    Entity,
    /// Another annotation of the same document (for example the condition of a prediction).
    Annotation,
}

impl AttrType {
    /// Short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Choice(_) => "choice",
            Self::Text => "text",
            Self::Date => "date",
            Self::Number => "number",
            Self::Entity => "entity",
            Self::Annotation => "annotation",
        }
    }
}

/// One attribute a label carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// Key in the annotation's attribute map.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: AttrType,
    /// What the attribute means, shown as a tooltip.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    /// The name people read in the app ("Resolution note"); empty: made from `name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
}

impl AttributeDef {
    /// The name to show: the schema's `title`, else `name` with underscores as spaces and a
    /// capital first letter (`resolution_note` → "Resolution note").
    pub fn display_name(&self) -> String {
        if !self.title.trim().is_empty() {
            return self.title.clone();
        }
        humanise(&self.name)
    }
}

/// `resolution_note` → "Resolution note": a key as words.
pub fn humanise(key: &str) -> String {
    let words = key.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An sRGB colour, written `"#rrggbb"` in files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Color(pub [u8; 3]);

impl Color {
    /// Parses `#rrggbb`.
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        Some(Self([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl std::fmt::Display for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl Serialize for Color {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("colour {s:?} is not of the form \"#rrggbb\""))
        })
    }
}

/// A label analysts tag spans with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Unique name, as written in annotation files.
    pub name: String,
    /// What it marks.
    pub kind: LabelKind,
    /// Highlight colour.
    pub color: Color,
    /// Key that applies the label to the selection.
    #[serde(default)]
    pub hotkey: Option<char>,
    /// Attributes of annotations with this label.
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
    /// What the label is for, shown in the palette and the help.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
}

impl Label {
    /// The definition of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// The labels of a project.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Labels in the order the palette shows them.
    pub labels: Vec<Label>,
}

/// FactBank's certainty grades, as a prediction's or claim's holder presents them.
pub const CERTAINTY: [&str; 6] = [
    "certain",
    "probable",
    "possible",
    "improbable",
    "certainly_not",
    "unknown",
];

/// How a prediction turned out: the statuses of resolution records (see
/// [`crate::model::resolution`]; version 1 kept them as a `resolution` attribute).
pub const RESOLUTION: [&str; 5] = [
    "open",
    "came_true",
    "did_not_come_true",
    "ambiguous",
    "withdrawn",
];

/// ClaimBuster's classes.
pub const CHECK_WORTHINESS: [&str; 3] = ["check_worthy", "unimportant_factual", "not_factual"];

/// FEVER and AVeriTeC verdicts.
pub const VERDICT: [&str; 5] = [
    "unreviewed",
    "supported",
    "refuted",
    "not_enough_evidence",
    "conflicting",
];

fn attr(name: &str, ty: AttrType, help: &str) -> AttributeDef {
    AttributeDef {
        name: name.to_owned(),
        ty,
        help: help.to_owned(),
        title: String::new(),
    }
}

fn choice(values: &[&str]) -> AttrType {
    AttrType::Choice(values.iter().map(|&v| v.to_owned()).collect())
}

impl Schema {
    /// The schema for news analysis: five entity labels, Claim and Prediction
    /// (see `reference/claims-and-predictions.md`). How a prediction turned out is not an
    /// attribute: it is a resolution record (see [`crate::model::resolution`]).
    pub fn news_default() -> Self {
        let entity = |name: &str, color: [u8; 3], key: char, help: &str| Label {
            name: name.to_owned(),
            kind: LabelKind::Entity,
            color: Color(color),
            hotkey: Some(key),
            attributes: Vec::new(),
            help: help.to_owned(),
        };
        let claim = Label {
            name: "Claim".to_owned(),
            kind: LabelKind::Claim,
            color: Color([0xe6, 0x9f, 0x00]),
            hotkey: Some('c'),
            attributes: vec![
                attr(
                    "source",
                    AttrType::Entity,
                    "Who asserts it (the author, or a quoted actor)",
                ),
                attr(
                    "checkworthy",
                    choice(&CHECK_WORTHINESS),
                    "ClaimBuster: is it worth checking?",
                ),
                attr("verdict", choice(&VERDICT), "What checking found"),
            ],
            help: "An assertion about the past or present".to_owned(),
        };
        let prediction = Label {
            name: "Prediction".to_owned(),
            kind: LabelKind::Prediction,
            color: Color([0xcc, 0x79, 0xa7]),
            hotkey: Some('f'),
            attributes: vec![
                attr("holder", AttrType::Entity, "Who predicts it"),
                attr(
                    "certainty",
                    choice(&CERTAINTY),
                    "How sure the holder is (FactBank grades)",
                ),
                crate::store::migrate::probability_attribute(),
                attr(
                    "condition",
                    AttrType::Text,
                    "Under which condition (\"om han samarbetar\")",
                ),
                attr(
                    "due",
                    AttrType::Date,
                    "When it can be checked: a date, or a phrase read against the \
                     publication date (\"by the end of 2027\", \"inom två år\")",
                ),
            ],
            help: "A statement about the future".to_owned(),
        };
        Self {
            labels: vec![
                entity(
                    "Person",
                    [0x00, 0x72, 0xb2],
                    'p',
                    "A person, named or described",
                ),
                entity(
                    "Organization",
                    [0x00, 0x9e, 0x73],
                    'o',
                    "A company, party, state body, …",
                ),
                entity(
                    "Place",
                    [0x56, 0xb4, 0xe9],
                    'l',
                    "A country, city, region, …",
                ),
                entity("Event", [0xd5, 0x5e, 0x00], 'e', "A named event or holiday"),
                entity(
                    "Other",
                    [0x99, 0x99, 0x99],
                    'x',
                    "Anything else worth marking",
                ),
                claim,
                prediction,
            ],
        }
    }

    /// The label with this name.
    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// The label with this name, else the one label whose name differs only in case
    /// (`PERSON` is `Person`); `None` where none or several do.
    pub fn label_ignoring_case(&self, name: &str) -> Option<&Label> {
        if let Some(label) = self.label(name) {
            return Some(label);
        }
        let lower = name.to_lowercase();
        let mut matches = self
            .labels
            .iter()
            .filter(|l| l.name.to_lowercase() == lower);
        let first = matches.next()?;
        matches.next().is_none().then_some(first)
    }

    /// What is wrong with the schema itself, as sentences; see [`Self::problems_at`].
    pub fn problems(&self) -> Vec<String> {
        self.problems_at().into_iter().map(|(_, p)| p).collect()
    }

    /// What is wrong with the schema itself, each with the label or attribute it is about:
    /// empty or unprintable names, duplicate names or hotkeys, empty choices. Linear in the
    /// size of the schema (a project with 100,000 labels is checked in milliseconds).
    pub fn problems_at(&self) -> Vec<(SchemaPlace, String)> {
        let mut problems = Vec::new();
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut hotkeys: HashMap<char, &str> = HashMap::new();
        for (i, label) in self.labels.iter().enumerate() {
            let here = SchemaPlace::Label(i);
            if label.name.trim().is_empty() {
                problems.push((here, format!("label {} has an empty name", i + 1)));
            } else if let Some(why) = name_problem(&label.name) {
                problems.push((here, format!("label name {:?} {why}", label.name)));
            }
            if names.insert(&label.name, i).is_some() {
                problems.push((here, format!("label {:?} is defined twice", label.name)));
            }
            if let Some(key) = label.hotkey {
                if key.is_control() || key.is_whitespace() {
                    problems.push((
                        here,
                        format!(
                            "label {:?}: hotkey {key:?} is not a key to press",
                            label.name
                        ),
                    ));
                } else if let Some(other) = hotkeys.get(&key) {
                    problems.push((
                        here,
                        format!(
                            "labels {other:?} and {:?} have the same hotkey {key:?}",
                            label.name
                        ),
                    ));
                } else {
                    hotkeys.insert(key, &label.name);
                }
            }
            let mut attributes: HashSet<&str> = HashSet::new();
            for (j, attr) in label.attributes.iter().enumerate() {
                let here = SchemaPlace::Attribute(i, j);
                if attr.name.trim().is_empty() {
                    problems.push((
                        here,
                        format!(
                            "label {:?}: attribute {} has an empty name",
                            label.name,
                            j + 1
                        ),
                    ));
                } else if let Some(why) = name_problem(&attr.name) {
                    problems.push((
                        here,
                        format!(
                            "label {:?}: attribute name {:?} {why}",
                            label.name, attr.name
                        ),
                    ));
                }
                if !attributes.insert(&attr.name) {
                    problems.push((
                        here,
                        format!(
                            "label {:?}: attribute {:?} is defined twice",
                            label.name, attr.name
                        ),
                    ));
                }
                if let AttrType::Choice(values) = &attr.ty {
                    if values.is_empty() {
                        problems.push((
                            here,
                            format!(
                                "label {:?}: attribute {:?} is a choice with no values",
                                label.name, attr.name
                            ),
                        ));
                    }
                    for value in values {
                        if let Some(why) = name_problem(value) {
                            problems.push((
                                here,
                                format!(
                                    "label {:?}: attribute {:?}: choice {value:?} {why}",
                                    label.name, attr.name
                                ),
                            ));
                        }
                    }
                }
            }
        }
        problems
    }
}

/// What a [`Schema::problems_at`] problem is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaPlace {
    /// The label at this index.
    Label(usize),
    /// Attribute `.1` of label `.0`.
    Attribute(usize, usize),
}

/// Why a label, attribute or choice name cannot be written into the formats Lector exports
/// (one per line or per cell: a line break or tab would start a new line or column there, and
/// spaces around a name are lost by readers that trim), or `None` if it can.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.chars().any(char::is_control) {
        Some("contains a control character (a line break, a tab); names are one line of text")
    } else if name.trim() != name {
        Some("starts or ends with a space")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schema_is_consistent() {
        let schema = Schema::news_default();
        assert_eq!(schema.problems(), Vec::<String>::new());
        let prediction = schema.label("Prediction").unwrap();
        assert_eq!(prediction.kind, LabelKind::Prediction);
        assert!(prediction.attribute("certainty").is_some());
    }

    #[test]
    fn duplicate_hotkeys_are_reported() {
        let mut schema = Schema::news_default();
        schema.labels[1].hotkey = Some('p');
        assert_eq!(
            schema.problems(),
            vec!["labels \"Person\" and \"Organization\" have the same hotkey 'p'"]
        );
    }

    #[test]
    fn names_with_control_characters_or_outer_spaces_are_reported_with_their_place() {
        let mut schema = Schema::news_default();
        schema.labels[0].name = "Per\nson".to_owned();
        schema.labels[1].name = " Org".to_owned();
        schema.labels[5].attributes[0].name = "source\t".to_owned();
        let problems = schema.problems_at();
        let places: Vec<SchemaPlace> = problems.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            places,
            [
                SchemaPlace::Label(0),
                SchemaPlace::Label(1),
                SchemaPlace::Attribute(5, 0)
            ],
            "{problems:?}"
        );
        assert!(problems[0].1.contains("control character"), "{problems:?}");
        assert!(
            problems[1].1.contains("starts or ends with a space"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_schema_of_many_labels_is_checked_whole() {
        let many = |n: usize| Schema {
            labels: (0..n)
                .map(|i| Label {
                    name: format!("label-{i}"),
                    kind: LabelKind::Entity,
                    color: Color([0, 0, 0]),
                    hotkey: char::from_u32(0x4E00 + u32::try_from(i).unwrap()),
                    attributes: Vec::new(),
                    help: String::new(),
                })
                .collect(),
        };
        // A schema of 40,000 labels (what a hostile project file could hold) is checked
        // whole: a clean one has no problems, and a repeat at its very end is found. How the
        // time grows is a benchmark's business, not a timed test's.
        let mut schema = many(40_000);
        assert!(schema.problems().is_empty());
        let mut repeat = schema.labels[17].clone();
        repeat.hotkey = None;
        schema.labels.push(repeat);
        let problems = schema.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("label-17"), "{problems:?}");
    }

    #[test]
    fn colours_round_trip() {
        assert_eq!(Color::parse("#0072b2"), Some(Color([0, 0x72, 0xb2])));
        assert_eq!(Color([0, 0x72, 0xb2]).to_string(), "#0072b2");
        assert_eq!(Color::parse("0072b2"), None);
        assert_eq!(Color::parse("#ééé"), None);
    }
}
