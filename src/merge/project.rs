//! `project.ron`: documents merged by id, every other field (name, label schema, fields of
//! later formats) three-way as a whole. Read as raw RON ([`super::raw`]), so fields and
//! document details this Lector does not know ride along untouched.
//!
//! Real conflicts, left to a person with both versions explained side by side: a field such
//! as the label schema changed on both sides differently, two different texts added under
//! one document id, and the two sides in different format versions.

use std::collections::BTreeMap;
use std::path::Path;

use ron::value::RawValue;

use super::keyed::{self, Keyed, Sides};
use super::raw::{self, FieldText, RawStruct};
use super::{Conflict, Merged, Names, Versions};

/// The field whose items are merged by id.
const DOCUMENTS: &str = "documents";

/// The merge of `project.ron`.
pub(super) fn project(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let names = &versions.names;
    let mut parsed = Vec::with_capacity(3);
    for (side, text) in versions.named() {
        let named = Path::new(&format!("{} ({side})", file.display())).to_path_buf();
        crate::store::ron_file::preflight(&named, text.as_bytes())
            .map_err(|p| Conflict::reason(p.to_string()))?;
        let fields =
            raw::parse_struct(&named, text).map_err(|p| Conflict::reason(p.to_string()))?;
        let documents = match fields.get(DOCUMENTS) {
            Some(list) => raw::items(&named, list)
                .map_err(|p| Conflict::reason(p.to_string()))?
                .into_iter()
                .map(Document::new)
                .collect(),
            None => Vec::new(),
        };
        parsed.push((fields, documents));
    }
    let [(base, base_docs), (ours, ours_docs), (theirs, theirs_docs)]: [(RawStruct, Vec<Document>);
        3] = parsed
        .try_into()
        .map_err(|_| Conflict::reason("three versions expected"))?;

    let version = |s: &RawStruct| s.get("format_version").map(|v| raw::canonical(v.get_ron()));
    if !theirs.fields.is_empty() && !ours.fields.is_empty() && version(&ours) != version(&theirs) {
        return Err(Conflict::reason(format!(
            "{}: the two sides are in different format versions ({} has {}, {} has {}): a \
             newer Lector upgraded it on one side. Update Lector everywhere, open the project \
             in it on this side too, then merge again",
            file.display(),
            names.ours,
            version(&ours).unwrap_or_default(),
            names.theirs,
            version(&theirs).unwrap_or_default(),
        )));
    }

    let mut reasons = same_id_different_text(&ours_docs, &theirs_docs, &base_docs);
    let mut theirs_docs = theirs_docs;
    let mut notes = same_article_twice(&ours_docs, &mut theirs_docs, &base_docs);
    let (documents, more) = keyed::merge(Sides {
        base: base_docs,
        ours: ours_docs,
        theirs: theirs_docs,
    })
    .map_err(|d| {
        Conflict::reason(format!(
            "{}: {} is listed twice in the {} version, so documents cannot be matched by id: \
             fix that version, then merge again",
            file.display(),
            d.name,
            d.side
        ))
    })?;
    notes.extend(more);

    let mut order: Vec<&str> = ours.fields.iter().map(|(n, _)| n.as_str()).collect();
    for (name, _) in &theirs.fields {
        if !order.contains(&name.as_str()) {
            order.push(name);
        }
    }
    let mut out = Vec::new();
    for name in order {
        if name == DOCUMENTS {
            let items = documents
                .iter()
                .map(|d| d.raw.get_ron().to_owned())
                .collect();
            out.push((name.to_owned(), FieldText::List(items)));
            continue;
        }
        let (b, o, t) = (base.get(name), ours.get(name), theirs.get(name));
        let canon = |v: Option<&RawValue>| v.map(|v| raw::canonical(v.get_ron()));
        let kept = if canon(t) == canon(b) || canon(t) == canon(o) {
            o
        } else if canon(o) == canon(b) {
            t
        } else {
            let show = |v: Option<&RawValue>| {
                v.map_or_else(|| "(none)".to_owned(), |v| v.get_ron().to_owned())
            };
            reasons.push(explain_field(file, name, o, t, names));
            out.push((
                name.to_owned(),
                FieldText::Conflict {
                    ours: show(o),
                    theirs: show(t),
                    ours_name: names.ours.clone(),
                    theirs_name: names.theirs.clone(),
                },
            ));
            continue;
        };
        if let Some(value) = kept {
            out.push((name.to_owned(), FieldText::Raw(value.get_ron().to_owned())));
        }
    }
    let text = raw::write_struct(&out);
    if reasons.is_empty() {
        Ok(Merged { text, notes })
    } else {
        Err(Conflict {
            text: Some(text),
            reasons,
        })
    }
}

/// A document entry: its raw text, and what is needed to match and describe it.
struct Document {
    raw: Box<RawValue>,
    id: String,
    title: String,
    sha256: String,
    fingerprint: String,
}

#[derive(serde::Deserialize)]
struct DocumentHead {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    sha256: String,
}

impl Document {
    fn new(raw: Box<RawValue>) -> Self {
        let head = raw::read::<DocumentHead>(&raw);
        let fingerprint = raw::canonical(raw.get_ron());
        let (id, title, sha256) = head.map_or_else(
            // No id: matched by its whole text.
            || (fingerprint.clone(), String::new(), String::new()),
            |h| (h.id, h.title, h.sha256),
        );
        Self {
            raw,
            id,
            title,
            sha256,
            fingerprint,
        }
    }
}

impl Keyed for Document {
    type Key = String;

    fn key(&self) -> String {
        self.id.clone()
    }

    fn name(key: &String) -> String {
        format!("document {key}")
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn describe(&self) -> String {
        format!("“{}”", self.title)
    }
}

/// Documents added on both sides under one id with different texts: a person has to give one
/// of them another id (the texts under `documents/` conflict too).
fn same_id_different_text(
    ours: &[Document],
    theirs: &[Document],
    base: &[Document],
) -> Vec<String> {
    let known: std::collections::BTreeSet<&str> = base.iter().map(|d| d.id.as_str()).collect();
    let theirs: BTreeMap<&str, &Document> = theirs.iter().map(|d| (d.id.as_str(), d)).collect();
    ours.iter()
        .filter(|d| !known.contains(d.id.as_str()))
        .filter_map(|o| {
            let t = theirs.get(o.id.as_str())?;
            (o.sha256 != t.sha256).then(|| {
                format!(
                    "project.ron: two different articles were added as document {:?} on both \
                     sides (“{}” and “{}”): keep one under this id, add the other again so it \
                     gets an id of its own",
                    o.id, o.title, t.title
                )
            })
        })
        .collect()
}

/// Articles added on both sides under one id with the same text (two people adding the same
/// file): the second side's entry becomes the first's, so the merge keeps one, and the user is
/// told.
fn same_article_twice(
    ours: &[Document],
    theirs: &mut [Document],
    base: &[Document],
) -> Vec<String> {
    let known: std::collections::BTreeSet<&str> = base.iter().map(|d| d.id.as_str()).collect();
    let ours: BTreeMap<&str, &Document> = ours.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut notes = Vec::new();
    for t in theirs.iter_mut() {
        let Some(o) = ours.get(t.id.as_str()) else {
            continue;
        };
        if known.contains(t.id.as_str()) || o.sha256 != t.sha256 || o.fingerprint == t.fingerprint {
            continue;
        }
        notes.push(format!(
            "the same article “{}” was added on both sides as document {:?}: kept one entry",
            o.title, o.id
        ));
        t.raw = o.raw.clone();
        t.fingerprint = o.fingerprint.clone();
    }
    notes
}

/// Why a field changed on both sides needs a person, with both versions. The label schema is
/// compared label by label, so only the labels that differ are shown.
fn explain_field(
    file: &Path,
    name: &str,
    ours: Option<&RawValue>,
    theirs: Option<&RawValue>,
    names: &Names,
) -> String {
    let width = names.ours.chars().count().max(names.theirs.chars().count()) + 1;
    let side = |label: &str, text: &str| format!("\n    {label:<width$} {text}");
    let whole =
        |v: Option<&RawValue>| v.map_or_else(|| "(none)".to_owned(), |v| one_line(v.get_ron()));
    let mut out = if name == "schema" {
        format!(
            "{}: the label schema was changed on both sides, differently; only a person can \
             choose (labels are a team decision):",
            file.display()
        )
    } else {
        format!(
            "{}: `{name}` was changed on both sides, differently; only a person can choose:",
            file.display()
        )
    };
    let labels = |v: Option<&RawValue>| -> Option<Vec<(String, String)>> {
        let fields: RawStruct = raw::read(v?)?;
        let list = raw::items(Path::new(""), fields.get("labels")?).ok()?;
        Some(
            list.iter()
                .map(|l| {
                    let name = raw::read::<LabelName>(l).map_or_else(String::new, |l| l.name);
                    (name, one_line(l.get_ron()))
                })
                .collect(),
        )
    };
    match (name == "schema")
        .then(|| labels(ours).zip(labels(theirs)))
        .flatten()
    {
        Some((o, t)) => {
            let t_map: BTreeMap<&str, &str> =
                t.iter().map(|(n, l)| (n.as_str(), l.as_str())).collect();
            let o_map: BTreeMap<&str, &str> =
                o.iter().map(|(n, l)| (n.as_str(), l.as_str())).collect();
            let mut names_in_order: Vec<&str> = o.iter().map(|(n, _)| n.as_str()).collect();
            names_in_order.extend(
                t.iter()
                    .map(|(n, _)| n.as_str())
                    .filter(|n| !o_map.contains_key(n)),
            );
            for label in names_in_order {
                let (a, b) = (o_map.get(label), t_map.get(label));
                if a.map(|a| raw::canonical(a)) == b.map(|b| raw::canonical(b)) {
                    continue;
                }
                out.push_str(&format!("\n  label {label:?}:"));
                out.push_str(&side(
                    &format!("{}:", names.ours),
                    a.copied().unwrap_or("(not there)"),
                ));
                out.push_str(&side(
                    &format!("{}:", names.theirs),
                    b.copied().unwrap_or("(not there)"),
                ));
            }
            let order =
                |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            if order(&o) != order(&t) {
                out.push_str(&format!(
                    "\n  label order:{}{}",
                    side(&format!("{}:", names.ours), &order(&o).join(", ")),
                    side(&format!("{}:", names.theirs), &order(&t).join(", "))
                ));
            }
        }
        None => {
            out.push_str(&side(&format!("{}:", names.ours), &whole(ours)));
            out.push_str(&side(&format!("{}:", names.theirs), &whole(theirs)));
        }
    }
    out.push_str(&format!(
        "\n  Both versions are in {} between the <<<<<<< and >>>>>>> lines: keep one (or \
         combine them), remove the marker lines, then `git add` the file and continue",
        file.display()
    ));
    out
}

#[derive(serde::Deserialize)]
struct LabelName {
    name: String,
}

/// A raw value on one line, spaces squeezed, for messages.
fn one_line(ron: &str) -> String {
    let mut out = String::with_capacity(ron.len());
    for word in ron.split_whitespace() {
        if !out.is_empty() && !out.ends_with(['(', '[']) && !word.starts_with([')', ']']) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(",)", ")").replace(",]", "]")
}
