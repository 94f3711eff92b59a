//! Writing an annotator's folder: `TypeSystem.xml` and a CAS per document.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use super::{
    AttributeFeature, NS_CAS, NS_CUSTOM, NS_METADATA, NS_XMI, TYPE_SYSTEM_FILE, XmlOut,
    attribute_features, type_system,
};
use crate::formats::{FormatError, LossReport, Selection, io_err, place};
use crate::model::{AnnotationSet, AttrValue, Document, EntityId, Project};

/// Writes the selection as a folder per annotator.
pub fn write_folder(
    selection: &Selection<'_>,
    out: &Path,
    report: &mut LossReport,
) -> Result<(), FormatError> {
    let features = attribute_features(&selection.project.schema);
    let type_system = type_system(&features);
    let mut annotators = BTreeSet::new();
    for &(document, set) in &selection.items {
        report.documents += 1;
        let dir = out.join(&set.annotator);
        if annotators.insert(set.annotator.as_str()) {
            std::fs::create_dir_all(&dir).map_err(io_err("cannot create the folder", &dir))?;
            let path = dir.join(TYPE_SYSTEM_FILE);
            std::fs::write(&path, &type_system).map_err(io_err("cannot write", &path))?;
        }
        let xmi = cas_xmi(selection.project, document, set, &features, report);
        let path = dir.join(format!("{}.xmi", set.document));
        std::fs::write(&path, xmi).map_err(io_err("cannot write", &path))?;
    }
    Ok(())
}

/// One document's CAS as XMI.
fn cas_xmi(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    features: &[AttributeFeature],
    report: &mut LossReport,
) -> String {
    let text = &document.text;
    let mut out = XmlOut {
        xml: String::with_capacity(text.as_str().len() * 2 + 4096),
        replaced: 0,
    };
    let _ = writeln!(
        out.xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xmi:XMI xmlns:xmi=\"{NS_XMI}\" xmlns:cas=\"{NS_CAS}\" \
         xmlns:custom=\"{NS_CUSTOM}\" xmlns:metadata=\"{NS_METADATA}\" xmi:version=\"2.0\">"
    );
    out.element("cas:NULL", &[("xmi:id", Some("0"))]);
    let end = text.len_utf16().0.to_string();
    out.element(
        "metadata:DocumentMetaData",
        &[
            ("xmi:id", Some("2")),
            ("sofa", Some("1")),
            ("begin", Some("0")),
            ("end", Some(&end)),
            ("documentTitle", Some(&document.meta.title)),
            ("documentId", Some(&document.meta.id)),
            // Where an article fetched from the web came from.
            ("documentUri", document.meta.source_url.as_deref()),
            ("isLastSegment", Some("false")),
        ],
    );
    let mut members: Vec<u32> = vec![2];
    let mut next_id = 3u32;
    // Entities first, so that every id is known.
    let registry = project.registry(&set.annotator);
    let referenced: BTreeSet<&EntityId> = set.iter().flat_map(|a| a.linked_entities()).collect();
    for id in referenced {
        let Some(entity) = registry.and_then(|r| r.get(id)) else {
            report.add(
                "entities without a name (not in the annotator's entities file): only their id is written",
                || format!("{}/{} {}", set.document, set.annotator, id.0),
            );
            continue;
        };
        let xmi_id = next_id.to_string();
        out.element(
            "custom:LectorEntity",
            &[
                ("xmi:id", Some(&xmi_id)),
                ("entityId", Some(&entity.id.0)),
                ("name", Some(&entity.name)),
                ("label", Some(&entity.label)),
            ],
        );
        members.push(next_id);
        next_id += 1;
    }
    // The xmi:id of each annotation's first fragment, for link features.
    let mut first_id: BTreeMap<&str, u32> = BTreeMap::new();
    let mut id = next_id;
    for annotation in set.iter() {
        first_id.insert(annotation.id.0.as_str(), id);
        id += annotation.fragments.len() as u32;
    }
    for annotation in set.iter() {
        let where_ = || place(set, annotation);
        if annotation.fragments.len() > 1 {
            report.add(
                "discontinuous spans written as one span per fragment with the same lectorId (INCEpTION has no discontinuous spans; Lector's import joins them)",
                where_,
            );
        }
        let created = annotation.created.to_string();
        let modified = annotation.modified.to_string();
        let mut values: Vec<(&str, String)> = Vec::new();
        for (name, value) in &annotation.attributes {
            let Some(f) = features.iter().find(|f| &f.attribute == name) else {
                report.add("attributes dropped: not in the project's schema", || {
                    format!("{} {name}", where_())
                });
                continue;
            };
            match (value, f.is_link) {
                (AttrValue::Annotation(target), true) => match first_id.get(target.0.as_str()) {
                    Some(n) => values.push((f.feature.as_str(), n.to_string())),
                    None => report.add(
                        "links dropped: the annotation they point to is not in the document",
                        || format!("{} {name}", where_()),
                    ),
                },
                (AttrValue::Annotation(target), false) => {
                    values.push((f.feature.as_str(), target.0.to_string()));
                }
                (value, _) => values.push((f.feature.as_str(), value.to_string())),
            }
        }
        for fragment in &annotation.fragments {
            // Ids are counted per fragment, as `first_id` assumed.
            let n = next_id;
            next_id += 1;
            let xmi_id = n.to_string();
            let (Some(begin), Some(end)) = (text.utf16(fragment.start), text.utf16(fragment.end))
            else {
                continue;
            };
            let (begin, end) = (begin.0.to_string(), end.0.to_string());
            let mut attributes: Vec<(&str, Option<&str>)> = vec![
                ("xmi:id", Some(&xmi_id)),
                ("sofa", Some("1")),
                ("begin", Some(&begin)),
                ("end", Some(&end)),
                ("label", Some(&annotation.label)),
                ("lectorId", Some(&annotation.id.0)),
                ("entity", annotation.entity.as_ref().map(|e| e.0.as_str())),
                (
                    "note",
                    Some(annotation.note.as_str()).filter(|n| !n.is_empty()),
                ),
                ("created", Some(&created)),
                ("modified", Some(&modified)),
            ];
            attributes.extend(values.iter().map(|(k, v)| (*k, Some(v.as_str()))));
            out.element("custom:Lector", &attributes);
            members.push(n);
        }
        report.annotations += 1;
    }
    out.element(
        "cas:Sofa",
        &[
            ("xmi:id", Some("1")),
            ("sofaNum", Some("1")),
            ("sofaID", Some("_InitialView")),
            ("mimeType", Some("text")),
            ("sofaString", Some(text.as_str())),
        ],
    );
    let members: Vec<String> = members.iter().map(u32::to_string).collect();
    out.element(
        "cas:View",
        &[("sofa", Some("1")), ("members", Some(&members.join(" ")))],
    );
    out.xml.push_str("</xmi:XMI>\n");
    if out.replaced > 0 {
        report.add(
            "characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF) written as U+FFFD",
            || format!("{}/{}: {}", set.document, set.annotator, out.replaced),
        );
    }
    out.xml
}
