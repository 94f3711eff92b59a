//! RON read without being understood: a struct as its fields' raw text, a list as its items'
//! raw text. `project.ron` is merged this way, so fields and document entries this Lector does
//! not know (a newer format's) ride along verbatim instead of being dropped.

use std::fmt;
use std::path::Path;

use ron::value::RawValue;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::store::Problem;

/// A RON struct as `(field, raw value)` pairs, in the file's order.
#[derive(Debug, Default)]
pub(super) struct RawStruct {
    /// The fields.
    pub(super) fields: Vec<(String, Box<RawValue>)>,
}

impl<'de> serde::Deserialize<'de> for RawStruct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RawStruct;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a struct with named fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStruct, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(field);
                }
                Ok(RawStruct { fields })
            }
        }
        deserializer.deserialize_any(Fields)
    }
}

impl RawStruct {
    /// The raw value of a field.
    pub(super) fn get(&self, name: &str) -> Option<&RawValue> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| &**value)
    }
}

/// Parses the text of a struct; an empty text (a file one side does not have) is a struct
/// without fields.
pub(super) fn parse_struct(file: &Path, text: &str) -> Result<RawStruct, Problem> {
    if text.trim().is_empty() {
        return Ok(RawStruct::default());
    }
    crate::store::ron_file::parse(file, text)
}

/// The items of a raw list.
pub(super) fn items(file: &Path, list: &RawValue) -> Result<Vec<Box<RawValue>>, Problem> {
    crate::store::ron_file::parse(file, list.get_ron())
}

/// A raw value read as `T`, ignoring the fields `T` does not name.
pub(super) fn read<T: serde::de::DeserializeOwned>(raw: &RawValue) -> Option<T> {
    ron::Options::default().from_str(raw.get_ron()).ok()
}

/// The text of a value with every space, line break and comment outside strings removed, and
/// trailing commas dropped: two versions that differ only in layout compare equal.
pub(super) fn canonical(ron: &str) -> String {
    let mut out = String::with_capacity(ron.len());
    let mut chars = ron.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                copy_quoted(&mut chars, &mut out, '"');
            }
            '\'' => {
                out.push(c);
                copy_quoted(&mut chars, &mut out, '\'');
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            c if c.is_whitespace() => {}
            ')' | ']' | '}' => {
                if out.ends_with(',') {
                    out.pop();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Copies a quoted string or char up to its closing quote, escapes included.
fn copy_quoted(chars: &mut impl Iterator<Item = char>, out: &mut String, quote: char) {
    let mut escaped = false;
    for c in chars {
        out.push(c);
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return;
        }
    }
}

/// Writes a struct as Lector lays out its files: one field per line, the items of `list`
/// one per line below it.
pub(super) fn write_struct(fields: &[(String, FieldText)]) -> String {
    let mut out = String::from("(\n");
    for (name, value) in fields {
        match value {
            FieldText::Raw(raw) => out.push_str(&format!("    {name}: {raw},\n")),
            FieldText::List(items) if items.is_empty() => {
                out.push_str(&format!("    {name}: [],\n"));
            }
            FieldText::List(items) => {
                out.push_str(&format!("    {name}: [\n"));
                for item in items {
                    out.push_str(&format!("        {item},\n"));
                }
                out.push_str("    ],\n");
            }
            FieldText::Conflict {
                ours,
                theirs,
                ours_name,
                theirs_name,
            } => {
                out.push_str(&format!("<<<<<<< {ours_name}\n    {name}: {ours},\n"));
                out.push_str(&format!("=======\n    {name}: {theirs},\n"));
                out.push_str(&format!(">>>>>>> {theirs_name}\n"));
            }
        }
    }
    out.push_str(")\n");
    out
}

/// How a field of a struct is written by [`write_struct`].
#[derive(Debug)]
pub(super) enum FieldText {
    /// A value as it is.
    Raw(String),
    /// A list, one item per line.
    List(Vec<String>),
    /// Two versions between git's conflict markers, for a person to choose.
    Conflict {
        /// One side's value.
        ours: String,
        /// The other side's value.
        theirs: String,
        /// The name of the first side, after `<<<<<<<`.
        ours_name: String,
        /// The name of the second side, after `>>>>>>>`.
        theirs_name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structs_keep_unknown_fields_and_their_text() {
        let text = "Project(\n    format_version: 2,\n    name: \"A\",\n    published: Some(\"2026-01-02\"),\n    documents: [\n        (id: \"a\", kind: Web(\"x\")),\n    ],\n)\n";
        let parsed = parse_struct(Path::new("project.ron"), text).unwrap();
        let names: Vec<&str> = parsed.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["format_version", "name", "published", "documents"]);
        assert_eq!(
            parsed.get("published").unwrap().get_ron(),
            "Some(\"2026-01-02\")"
        );
        let docs = items(Path::new("p"), parsed.get("documents").unwrap()).unwrap();
        assert_eq!(docs[0].get_ron(), "(id: \"a\", kind: Web(\"x\"))");
        assert!(
            parse_struct(Path::new("p"), "  \n")
                .unwrap()
                .fields
                .is_empty()
        );
        let err =
            parse_struct(Path::new("p"), "(\n    name: \"A\",\n    documents: [\n").unwrap_err();
        assert!(err.position.is_some(), "{err}");
    }

    #[test]
    fn canonical_text_ignores_layout_but_not_strings() {
        assert_eq!(
            canonical("(\n  a: \"x  y\", // c\n  b: [1, 2,],\n /* z */ c: 'x',\n)"),
            "(a:\"x  y\",b:[1,2],c:'x')"
        );
        assert_eq!(canonical(r#"("a\"), b")"#), r#"("a\"), b")"#);
        assert_ne!(canonical("(a: \"x y\")"), canonical("(a: \"xy\")"));
    }

    #[test]
    fn written_structs_read_back() {
        let text = write_struct(&[
            ("format_version".into(), FieldText::Raw("1".into())),
            ("name".into(), FieldText::Raw("\"A\"".into())),
            (
                "documents".into(),
                FieldText::List(vec!["(id: \"a\")".into()]),
            ),
            ("empty".into(), FieldText::List(Vec::new())),
        ]);
        assert_eq!(
            text,
            "(\n    format_version: 1,\n    name: \"A\",\n    documents: [\n        (id: \"a\"),\n    ],\n    empty: [],\n)\n"
        );
        assert_eq!(parse_struct(Path::new("p"), &text).unwrap().fields.len(), 4);
    }
}
