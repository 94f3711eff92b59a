//! Writing the tasks and the labelling config.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use super::{
    CONFIG_FILE, Control, ControlKind, ENTITY, LABEL, NOTE, TASKS_FILE, TEXT, controls,
    labeling_config,
};
use crate::formats::{FormatError, LossReport, Selection, fragment_text, io_err, place};
use crate::model::{Annotation, AnnotationSet, AttrType, AttrValue, Document, Project};

/// Writes `tasks.json` and `labeling-config.xml` into `out`.
pub fn write_folder(
    selection: &Selection<'_>,
    out: &Path,
    report: &mut LossReport,
) -> Result<(), FormatError> {
    let tasks = tasks(selection, report);
    let mut bytes = serde_json::to_vec_pretty(&tasks).map_err(|e| FormatError::Io {
        action: "cannot write the export",
        source: e.into(),
        path: out.join(TASKS_FILE),
    })?;
    bytes.push(b'\n');
    let path = out.join(TASKS_FILE);
    std::fs::write(&path, bytes).map_err(io_err("cannot write", &path))?;
    let path = out.join(CONFIG_FILE);
    std::fs::write(&path, labeling_config(&selection.project.schema))
        .map_err(io_err("cannot write", &path))?;
    Ok(())
}

/// The tasks of a selection: one per document, in project order.
pub fn tasks(selection: &Selection<'_>, report: &mut LossReport) -> Value {
    let project = selection.project;
    let all = controls(&project.schema);
    let mut tasks = Vec::new();
    let mut annotation_id = 0;
    let mut i = 0;
    while i < selection.items.len() {
        let Some(&(document, _)) = selection.items.get(i) else {
            break;
        };
        let mut entries = Vec::new();
        let mut entities = serde_json::Map::new();
        while let Some(&(d, set)) = selection.items.get(i) {
            if d.meta.id != document.meta.id {
                break;
            }
            i += 1;
            report.documents += 1;
            annotation_id += 1;
            let result = results(project, document, set, &all, report);
            let created = set.iter().map(|a| a.created).min();
            let updated = set.iter().map(|a| a.modified).max();
            let mut entry = json!({
                "id": annotation_id,
                "result": result,
                "was_cancelled": false,
                "ground_truth": false,
                "created_at": created.map(|t| t.to_string()),
                "updated_at": updated.map(|t| t.to_string()),
            });
            // Label Studio refuses a `completed_by` that is not one of its users: only a
            // user the annotator was mapped to (`--ls-user`) is named; otherwise the work goes
            // to whoever imports, and the Lector name rides in the results' `meta`.
            if let Some(email) = selection.options.ls_users.get(&set.annotator)
                && let Some(map) = entry.as_object_mut()
            {
                map.insert("completed_by".to_owned(), json!({"email": email}));
            }
            entries.push(entry);
            let described = described_entities(project, set);
            if !described.is_empty() {
                entities.insert(set.annotator.clone(), Value::Object(described));
            }
        }
        let mut data = json!({
            TEXT: document.text.as_str(),
            "document": document.meta.id,
            "title": document.meta.title,
        });
        if let Some(map) = data.as_object_mut() {
            if let Some(url) = &document.meta.source_url {
                map.insert("source_url".to_owned(), json!(url));
            }
            if let Some(fetched) = document.meta.fetched {
                map.insert("fetched".to_owned(), json!(fetched.to_string()));
            }
        }
        if !entities.is_empty()
            && let Some(map) = data.as_object_mut()
        {
            map.insert("lector_entities".to_owned(), Value::Object(entities));
        }
        tasks.push(json!({
            "id": tasks.len() + 1,
            "data": data,
            "annotations": entries,
            "predictions": [],
        }));
    }
    Value::Array(tasks)
}

/// `{id: {name, label}}` for the entities a set refers to.
fn described_entities(project: &Project, set: &AnnotationSet) -> serde_json::Map<String, Value> {
    let registry = project.registry(&set.annotator);
    let mut out = serde_json::Map::new();
    for annotation in set.iter() {
        let ids = annotation.linked_entities();
        for id in ids {
            if let Some(e) = registry.and_then(|r| r.get(id)) {
                out.insert(id.0.clone(), json!({"name": e.name, "label": e.label}));
            }
        }
    }
    out
}

/// The region id of an annotation's `n`th fragment (0-based).
fn region_id(annotation: &Annotation, n: usize) -> String {
    if n == 0 {
        annotation.id.0.to_string()
    } else {
        format!("{}.{}", annotation.id.0, n + 1)
    }
}

/// The results of one annotator's set.
fn results(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    controls: &[Control],
    report: &mut LossReport,
) -> Vec<Value> {
    let text = &document.text;
    let ids: BTreeSet<&str> = set.iter().map(|a| a.id.0.as_str()).collect();
    let mut out = Vec::new();
    let mut relations = Vec::new();
    for annotation in set.iter() {
        let where_ = || place(set, annotation);
        if annotation.fragments.len() > 1 {
            report.add(
                "discontinuous spans written as one region per fragment (Label Studio regions are contiguous; Lector's import joins <id>, <id>.2, … again)",
                where_,
            );
        }
        let Some(&first) = annotation.fragments.first() else {
            continue;
        };
        for (n, &f) in annotation.fragments.iter().enumerate() {
            let mut result = json!({
                "id": region_id(annotation, n),
                "from_name": LABEL,
                "to_name": TEXT,
                "type": "labels",
                "origin": "manual",
                "value": {"start": f.start.0, "end": f.end.0, "text": fragment_text(text, f), "labels": [annotation.label.as_str()]},
            });
            if let Some(map) = result.as_object_mut() {
                map.insert(
                    "meta".to_owned(),
                    if n == 0 {
                        json!({"lector_annotator": set.annotator, "lector_created": annotation.created.to_string(), "lector_modified": annotation.modified.to_string()})
                    } else {
                        json!({"lector_annotator": set.annotator})
                    },
                );
            }
            out.push(result);
        }
        let region = |from_name: &str, ty: &str, key: &str, value: Value| {
            let mut v = json!({"start": first.start.0, "end": first.end.0});
            if let Some(map) = v.as_object_mut() {
                if key != TEXT {
                    map.insert(TEXT.to_owned(), json!(fragment_text(text, first)));
                }
                map.insert(key.to_owned(), value);
            }
            json!({"id": annotation.id.as_str(), "from_name": from_name, "to_name": TEXT, "type": ty, "origin": "manual", "value": v})
        };
        if let Some(entity) = &annotation.entity {
            out.push(region(ENTITY, "textarea", TEXT, json!([entity.0])));
        }
        let label = project.schema.label(&annotation.label);
        for (name, value) in &annotation.attributes {
            let Some(control) = controls.iter().find(|c| &c.attribute == name) else {
                report.add("attributes dropped: not in the project's schema", || {
                    format!("{} {name}", where_())
                });
                continue;
            };
            let defined = label.and_then(|l| l.attribute(name)).map(|d| &d.ty);
            match (&control.kind, value) {
                (ControlKind::Relation, AttrValue::Annotation(target))
                    if ids.contains(target.0.as_str()) =>
                {
                    relations.push(json!({
                        "from_id": annotation.id.as_str(), "to_id": target.as_str(), "type": "relation",
                        "direction": "right", "labels": [control.name],
                    }));
                }
                (ControlKind::Relation, _) => {
                    report.add(
                        "links dropped: the annotation they point to is not in the document",
                        || format!("{} {name}", where_()),
                    );
                }
                (ControlKind::Choices(_), AttrValue::Choice(v))
                    if matches!(defined, Some(AttrType::Choice(_))) =>
                {
                    out.push(region(&control.name, "choices", "choices", json!([v])));
                }
                (ControlKind::Number, AttrValue::Number(n)) => {
                    out.push(region(&control.name, "number", "number", json!(n)));
                }
                (ControlKind::Date, AttrValue::Date(d)) => {
                    out.push(region(
                        &control.name,
                        "datetime",
                        "datetime",
                        json!(d.to_string()),
                    ));
                }
                (_, value) => {
                    out.push(region(
                        &control.name,
                        "textarea",
                        TEXT,
                        json!([value.to_string()]),
                    ));
                }
            }
        }
        if !annotation.note.is_empty() {
            out.push(region(NOTE, "textarea", TEXT, json!([annotation.note])));
        }
        report.annotations += 1;
    }
    out.extend(relations);
    out
}
