//! Reading `.xmi` files: the Lector layer, and DKPro's `NamedEntity` from other tools.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::events::attributes::Attribute;

use super::{
    AttributeFeature, DOCUMENT_META_DATA, ENTITY_TYPE, LAYER, NAMED_ENTITY, attribute_features,
};
use crate::formats::import::{Candidate, Parsed, RawValue, Skipped};
use crate::formats::jsonl::EntityInfo;
use crate::formats::{FormatError, io_err};
use crate::model::{Document, Project, Utf16Offset};

/// One element of an XMI file: its UIMA type, attributes and line.
#[derive(Debug)]
struct Element {
    /// UIMA type name (`uima.cas.Sofa`), from the namespace and the local name.
    ty: String,
    /// Attributes by qualified name (`xmi:id`, `begin`).
    attributes: BTreeMap<String, String>,
    /// 1-based line.
    line: usize,
}

impl Element {
    fn get(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// `http:///webanno/custom.ecore` → `webanno.custom`.
fn package_of(namespace: &str) -> Option<String> {
    let path = namespace.strip_prefix("http:///")?.strip_suffix(".ecore")?;
    Some(path.replace('/', "."))
}

/// Reads every element of an XMI file.
fn parse_elements(source: &str, path: &Path) -> Result<Vec<Element>, FormatError> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: u64| {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        line_starts.partition_point(|&s| s <= byte)
    };
    let mut reader = quick_xml::NsReader::from_str(source);
    let mut version = quick_xml::XmlVersion::Implicit1_0;
    let mut elements = Vec::new();
    loop {
        let at = reader.buffer_position();
        let malformed = |message: String| FormatError::Malformed {
            message,
            line: line_of(at),
            path: path.to_path_buf(),
        };
        let (namespace, event) = reader
            .read_resolved_event()
            .map_err(|e| malformed(format!("not XML: {e}")))?;
        let start = match event {
            Event::Eof => break,
            Event::Decl(decl) => {
                if decl.version().is_ok_and(|v| v.as_ref() == b"1.1") {
                    version = quick_xml::XmlVersion::Explicit1_1;
                }
                continue;
            }
            Event::Start(e) | Event::Empty(e) => e,
            _ => continue,
        };
        let package = match namespace {
            quick_xml::name::ResolveResult::Bound(ns) => {
                package_of(&String::from_utf8_lossy(ns.as_ref()))
            }
            _ => None,
        };
        let Some(package) = package else {
            continue;
        };
        let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        let mut attributes = BTreeMap::new();
        for attribute in start.attributes() {
            let attribute: Attribute<'_> =
                attribute.map_err(|e| malformed(format!("bad attribute: {e}")))?;
            let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
            let value = attribute
                .normalized_value(version)
                .map_err(|e| malformed(format!("bad value of {key}: {e}")))?;
            attributes.insert(key, value.into_owned());
        }
        elements.push(Element {
            ty: format!("{package}.{local}"),
            attributes,
            line: line_of(at),
        });
    }
    Ok(elements)
}

/// Reads a folder of `.xmi` files (every file, sorted by name) or one `.xmi` file.
pub fn read(project: &Project, path: &Path) -> Result<Parsed, FormatError> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(io_err("cannot read the folder", path))?;
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xmi"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(FormatError::Malformed {
                message: "no .xmi files in this folder (give the annotator's folder of an xmi export, or one .xmi file)".to_owned(),
                line: 0,
                path: path.to_path_buf(),
            });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let features = attribute_features(&project.schema);
    let mut parsed = Parsed::default();
    for file in files {
        read_file(project, &features, &file, &mut parsed)?;
    }
    Ok(parsed)
}

/// The project document a file annotates, and the xmi:id of its Sofa. `None` (and the reason
/// in `parsed.skipped`) when the Sofa's text is not exactly a document's stored text.
fn document_of<'p, 'e>(
    project: &'p Project,
    elements: &'e [Element],
    path: &Path,
    parsed: &mut Parsed,
) -> Result<Option<(&'p Document, &'e str)>, FormatError> {
    let Some(sofa) = elements
        .iter()
        .filter(|e| e.ty == "uima.cas.Sofa")
        .find(|e| e.get("sofaID").is_none_or(|id| id == "_InitialView"))
    else {
        return Err(FormatError::Malformed {
            message: "no cas:Sofa with the text (sofaID \"_InitialView\")".to_owned(),
            line: 0,
            path: path.to_path_buf(),
        });
    };
    let skip = |reason: String| Skipped::new(path, sofa.line, reason);
    let Some(text) = sofa.get("sofaString") else {
        parsed.skipped.push(skip(
            "the Sofa has no sofaString (the text is elsewhere); nothing of this file imported"
                .to_owned(),
        ));
        return Ok(None);
    };
    // By DocumentMetaData's id, the file's name, or else the text.
    let named = elements
        .iter()
        .find(|e| e.ty == DOCUMENT_META_DATA)
        .and_then(|e| e.get("documentId"))
        .and_then(|id| project.document(id))
        .or_else(|| {
            path.file_stem()
                .and_then(|s| project.document(&s.to_string_lossy()))
        });
    let Some(document) =
        named.or_else(|| project.documents.iter().find(|d| d.text.as_str() == text))
    else {
        parsed.skipped.push(skip(
            "no document of the project has this text; nothing of this file imported".to_owned(),
        ));
        return Ok(None);
    };
    if document.text.as_str() != text {
        parsed.skipped.push(skip(format!(
            "the text differs from document {:?} in the project, so the offsets cannot be trusted; nothing of this file imported",
            document.meta.id
        )));
        return Ok(None);
    }
    Ok(Some((document, sofa.get("xmi:id").unwrap_or(""))))
}

/// Reads one `.xmi` file into candidates.
fn read_file(
    project: &Project,
    features: &[AttributeFeature],
    path: &Path,
    parsed: &mut Parsed,
) -> Result<(), FormatError> {
    let source = crate::fsguard::read_import(path)?;
    let elements = parse_elements(&source, path)?;
    let Some((document, sofa_id)) = document_of(project, &elements, path, parsed)? else {
        return Ok(());
    };
    let entities: BTreeMap<String, EntityInfo> = elements
        .iter()
        .filter(|e| e.ty == ENTITY_TYPE)
        .filter_map(|e| {
            Some((
                e.get("entityId")?.to_owned(),
                EntityInfo {
                    name: e.get("name")?.to_owned(),
                    label: e.get("label")?.to_owned(),
                },
            ))
        })
        .collect();
    let by_feature: BTreeMap<&str, &AttributeFeature> =
        features.iter().map(|f| (f.feature.as_str(), f)).collect();
    // Source id of each Lector span by its xmi:id, to resolve link features.
    let mut source_of: BTreeMap<&str, String> = BTreeMap::new();
    // Candidate index by source id: the fragments of one annotation share a lectorId.
    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    let mut links: Vec<(usize, String, String)> = Vec::new();
    let first = parsed.candidates.len();
    for e in &elements {
        let is_lector = e.ty == LAYER;
        if !is_lector && e.ty != NAMED_ENTITY {
            continue;
        }
        let skip = |reason: String| Skipped::new(path, e.line, reason);
        let xmi_id = e.get("xmi:id").unwrap_or("");
        if e.get("sofa").is_some_and(|s| s != sofa_id) {
            parsed.skipped.push(skip(format!(
                "{} {xmi_id} belongs to another view; skipped",
                e.ty
            )));
            continue;
        }
        let label = if is_lector {
            e.get("label")
        } else {
            e.get("value")
        };
        let Some(label) = label.filter(|l| !l.is_empty()) else {
            parsed.skipped.push(skip(format!(
                "{} {xmi_id} has no {}; skipped",
                e.ty,
                if is_lector { "label" } else { "value" }
            )));
            continue;
        };
        let offset = |key: &str| {
            e.get(key)
                .and_then(|v| v.parse::<u32>().ok())
                .map(Utf16Offset)
        };
        let (Some(begin), Some(end)) = (offset("begin"), offset("end")) else {
            parsed.skipped.push(skip(format!(
                "{label} ({xmi_id}): begin and end must be numbers; skipped"
            )));
            continue;
        };
        let (Some(start), Some(stop)) = (
            document.text.char_of_utf16(begin),
            document.text.char_of_utf16(end),
        ) else {
            parsed.skipped.push(skip(format!(
                "{label} at {}-{} (UTF-16): outside the text or inside a surrogate pair (the text has {} UTF-16 units); skipped",
                begin.0, end.0, document.text.len_utf16().0
            )));
            continue;
        };
        let lector_id = e.get("lectorId").filter(|id| is_lector && !id.is_empty());
        let source_id = lector_id.map_or_else(|| format!("xmi{xmi_id}"), str::to_owned);
        source_of.insert(xmi_id, source_id.clone());
        if let Some(&at) = by_source.get(&source_id)
            && let Some(c) = parsed.candidates.get_mut(at)
            && c.label == label
        {
            c.spans.push((start.0, stop.0));
            continue;
        }
        let mut candidate = Candidate {
            file: path.to_path_buf(),
            line: e.line,
            document: document.meta.id.clone(),
            source_id: source_id.clone(),
            keep_id: lector_id.is_some(),
            label: label.to_owned(),
            spans: vec![(start.0, stop.0)],
            entities: entities.clone(),
            ..Candidate::default()
        };
        if is_lector {
            let at = parsed.candidates.len();
            candidate.set_times(e.get("created"), e.get("modified"));
            for (key, value) in &e.attributes {
                match key.as_str() {
                    "xmi:id" | "sofa" | "begin" | "end" | "label" | "lectorId" => {}
                    "entity" => {
                        let name = entities.get(value).map(|i| i.name.clone());
                        candidate.entity = Some((value.clone(), name));
                    }
                    "note" => candidate.note.clone_from(value),
                    "created" | "modified" => {}
                    feature => match by_feature.get(feature) {
                        Some(f) if f.is_link => {
                            links.push((at, f.attribute.clone(), value.clone()));
                        }
                        Some(f) => candidate
                            .attributes
                            .push((f.attribute.clone(), RawValue::Text(value.clone()))),
                        None => parsed.skipped.push(skip(format!(
                            "{label} ({xmi_id}): feature {feature}={value:?} is no attribute of the project's schema; dropped"
                        ))),
                    },
                }
            }
        }
        by_source.insert(source_id, parsed.candidates.len());
        parsed.candidates.push(candidate);
    }
    for (at, attribute, target) in links {
        let Some(c) = parsed.candidates.get_mut(at) else {
            continue;
        };
        match source_of.get(target.as_str()) {
            Some(source) => c
                .attributes
                .push((attribute, RawValue::Annotation(source.clone()))),
            None => parsed.skipped.push(Skipped::new(
                path,
                c.line,
                format!(
                    "{} ({}): attribute {attribute:?} links to xmi:id {target}, which is no Lector span of this file; dropped",
                    c.label, c.source_id
                ),
            )),
        }
    }
    // Attributes in a stable order, whatever the file's attribute order.
    for c in parsed.candidates.iter_mut().skip(first) {
        c.attributes.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(())
}
