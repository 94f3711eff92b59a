//! Reading tasks: the annotator's entry of each task, its regions and per-region values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Control, ControlKind, ENTITY, NOTE, TASKS_FILE, TEXT, controls};
use crate::formats::import::{Candidate, Parsed, RawValue, Skipped};
use crate::formats::jsonl::EntityInfo;
use crate::formats::{FormatError, io_err};
use crate::model::{AttrType, CharOffset, Document, Label, Project, Utf16Offset};

/// Reads `tasks.json` (or the one `.json` file) of a folder, or a tasks file.
pub fn read(project: &Project, path: &Path, annotator: &str) -> Result<Parsed, FormatError> {
    let file: PathBuf = if path.is_dir() {
        let tasks = path.join(TASKS_FILE);
        if tasks.exists() {
            tasks
        } else {
            let entries =
                std::fs::read_dir(path).map_err(io_err("cannot read the folder", path))?;
            let mut json: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            json.sort();
            match <[PathBuf; 1]>::try_from(json) {
                Ok([one]) => one,
                Err(found) => {
                    return Err(FormatError::Malformed {
                        message: format!(
                            "expected {TASKS_FILE} or a single .json file in this folder, found {} .json files",
                            found.len()
                        ),
                        line: 0,
                        path: path.to_path_buf(),
                    });
                }
            }
        }
    } else {
        path.to_path_buf()
    };
    let source = crate::fsguard::read_import(&file)?;
    let malformed = |message: String, line: usize| FormatError::Malformed {
        message,
        line,
        path: file.clone(),
    };
    let value: Value =
        serde_json::from_str(&source).map_err(|e| malformed(format!("not JSON: {e}"), e.line()))?;
    let tasks = match value {
        Value::Array(tasks) => tasks,
        task @ Value::Object(_) => vec![task],
        _ => {
            return Err(malformed(
                "expected a list of Label Studio tasks".to_owned(),
                0,
            ));
        }
    };
    // Whether the file has this annotator's work at all, or only other users'.
    let named = tasks.iter().any(|task| {
        task.get("annotations")
            .or_else(|| task.get("completions"))
            .and_then(Value::as_array)
            .is_some_and(|entries| {
                entries
                    .iter()
                    .any(|e| completed_by(e).as_deref() == Some(annotator))
            })
    });
    let mut parsed = Parsed::default();
    for (i, task) in tasks.iter().enumerate() {
        let who = Annotator {
            name: annotator,
            named,
        };
        read_task(project, &file, i + 1, task, &who, &mut parsed)?;
    }
    Ok(parsed)
}

/// Whose work an entry is: the Lector annotator its results name in their `meta` (Lector's
/// own export, also after a round through Label Studio), else what `completed_by` says: an
/// e-mail (or Lector name), or a user id as text.
fn completed_by(entry: &Value) -> Option<String> {
    let from_meta = entry
        .get("result")
        .and_then(Value::as_array)
        .and_then(|results| {
            results.iter().find_map(|r| {
                r.get("meta")?
                    .get("lector_annotator")?
                    .as_str()
                    .map(str::to_owned)
            })
        });
    if from_meta.is_some() {
        return from_meta;
    }
    match entry.get("completed_by")? {
        Value::Object(user) => user.get("email").and_then(Value::as_str).map(str::to_owned),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Whose annotations an import takes.
struct Annotator<'a> {
    /// The name imported into.
    name: &'a str,
    /// Whether some `completed_by` of the file names them.
    named: bool,
}

fn read_task(
    project: &Project,
    file: &Path,
    n: usize,
    task: &Value,
    who: &Annotator<'_>,
    parsed: &mut Parsed,
) -> Result<(), FormatError> {
    let annotator = who.name;
    let task_id = task
        .get("id")
        .map_or_else(|| format!("#{n}"), ToString::to_string);
    let what = format!("task {task_id}");
    let skip = |reason: String| Skipped::new(file, 0, format!("{what}: {reason}"));
    let Some(data) = task.get("data") else {
        return Err(FormatError::Malformed {
            message: format!("{what} (number {n} in the file) has no \"data\""),
            line: 0,
            path: file.to_path_buf(),
        });
    };
    let Some(text) = data.get(TEXT).and_then(Value::as_str) else {
        parsed
            .skipped
            .push(skip("no data.text; task skipped".to_owned()));
        return Ok(());
    };
    let named = data
        .get("document")
        .and_then(Value::as_str)
        .and_then(|id| project.document(id));
    let Some(document) =
        named.or_else(|| project.documents.iter().find(|d| d.text.as_str() == text))
    else {
        parsed.skipped.push(skip(
            "no document of the project has this text; task skipped".to_owned(),
        ));
        return Ok(());
    };
    if document.text.as_str() != text {
        parsed.skipped.push(skip(format!(
            "the text differs from document {:?} in the project, so the offsets cannot be trusted; task skipped",
            document.meta.id
        )));
        return Ok(());
    }
    let predictions = task
        .get("predictions")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if predictions > 0 {
        parsed.skipped.push(skip(format!(
            "{predictions} predictions (model output) not imported"
        )));
    }
    let entries: Vec<&Value> = task
        .get("annotations")
        .or_else(|| task.get("completions"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let (cancelled, live): (Vec<&Value>, Vec<&Value>) = entries.into_iter().partition(|e| {
        e.get("was_cancelled").and_then(Value::as_bool) == Some(true)
            || e.get("skipped").and_then(Value::as_bool) == Some(true)
    });
    if !cancelled.is_empty() {
        parsed.skipped.push(skip(format!(
            "{} cancelled annotations not imported",
            cancelled.len()
        )));
    }
    let mine: Vec<&Value> = live
        .iter()
        .copied()
        .filter(|e| completed_by(e).as_deref() == Some(annotator))
        .collect();
    let chosen = match (mine.as_slice(), live.as_slice()) {
        ([one], _) => *one,
        // Someone else's work in a file that has this annotator's.
        ([], _) if who.named => return Ok(()),
        ([], [one]) => *one,
        ([], []) => return Ok(()),
        ([], many) => {
            let names: Vec<String> = many
                .iter()
                .map(|e| completed_by(e).unwrap_or_else(|| "?".to_owned()))
                .collect();
            parsed.skipped.push(skip(format!(
                "{} annotations, by {}, none by {annotator}; import them one annotator at a time with --annotator",
                many.len(),
                names.join(", ")
            )));
            return Ok(());
        }
        (many, _) => {
            parsed.skipped.push(skip(format!(
                "{} annotations by {annotator}; only the first is imported",
                many.len()
            )));
            many.first().copied().unwrap_or(&Value::Null)
        }
    };
    let entities: BTreeMap<String, EntityInfo> = data
        .get("lector_entities")
        .and_then(|e| e.get(completed_by(chosen).unwrap_or_default()))
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    let results: Vec<&Value> = chosen
        .get("result")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    read_results(project, file, &what, document, &results, &entities, parsed);
    Ok(())
}

/// The text of a string field.
fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Reads the results of one annotation entry into candidates: the `labels` results make the
/// candidates (one per label of a region), the other results add to them by region id.
struct Entry<'a> {
    project: &'a Project,
    document: &'a Document,
    file: &'a Path,
    /// `task <id>`, to start every message.
    what: &'a str,
    /// The attributes' controls.
    controls: Vec<Control>,
    /// Candidate indices by region id.
    regions: BTreeMap<String, Vec<usize>>,
    /// Region ids of later fragments, to the id of the annotation's first region.
    aliases: BTreeMap<String, String>,
    /// The quoted text of each candidate's spans, in order.
    quotes: BTreeMap<usize, Vec<String>>,
}

fn read_results(
    project: &Project,
    file: &Path,
    what: &str,
    document: &Document,
    results: &[&Value],
    entities: &BTreeMap<String, EntityInfo>,
    parsed: &mut Parsed,
) {
    let first = parsed.candidates.len();
    let mut entry = Entry {
        project,
        document,
        file,
        what,
        controls: controls(&project.schema),
        regions: BTreeMap::new(),
        aliases: BTreeMap::new(),
        quotes: BTreeMap::new(),
    };
    let is_labels = |r: &&&Value| r.get("type").and_then(Value::as_str) == Some("labels");
    // Labels first: every other result refers to a region.
    for r in results.iter().filter(is_labels) {
        entry.labels(r, entities, parsed);
    }
    for (at, pieces) in std::mem::take(&mut entry.quotes) {
        if let Some(c) = parsed.candidates.get_mut(at)
            && pieces.len() == c.spans.len()
        {
            c.quote = Some(pieces.join("\u{0}"));
        }
    }
    for r in results.iter().filter(|r| !is_labels(r)) {
        if r.get("type").and_then(Value::as_str) == Some("relation") {
            entry.relation(r, parsed);
        } else {
            entry.value(r, parsed);
        }
    }
    for c in parsed.candidates.iter_mut().skip(first) {
        c.attributes.sort_by(|a, b| a.0.cmp(&b.0));
    }
}

impl Entry<'_> {
    fn skip(&self, reason: impl std::fmt::Display) -> Skipped {
        Skipped::new(self.file, 0, format!("{}: {reason}", self.what))
    }

    /// A `labels` result: a new region, or a later fragment of one.
    fn labels(&mut self, r: &Value, entities: &BTreeMap<String, EntityInfo>, parsed: &mut Parsed) {
        let text = &self.document.text;
        let id = str_of(r, "id").unwrap_or_default();
        let value = r.get("value").unwrap_or(&Value::Null);
        let offset = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|u| u32::try_from(u).ok())
        };
        let labels: Vec<String> = value
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let (Some(start), Some(end)) = (offset("start"), offset("end")) else {
            parsed.skipped.push(self.skip(format!(
                "region {id}: no value.start and value.end; skipped"
            )));
            return;
        };
        let quote = str_of(value, TEXT);
        if let Some(q) = &quote
            && text.slice(CharOffset(start), CharOffset(end)) != Some(q.as_str())
        {
            let as_utf16 = text
                .char_of_utf16(Utf16Offset(start))
                .zip(text.char_of_utf16(Utf16Offset(end)))
                .and_then(|(s, e)| text.slice(s, e));
            if as_utf16 == Some(q.as_str()) {
                parsed.skipped.push(self.skip(format!(
                    "region {id} at {start}-{end}: these offsets count UTF-16 units (as old Label Studio releases did), not characters; skipped"
                )));
                return;
            }
        }
        // A later fragment of a discontinuous annotation: `<id>.<n>` after region `<id>`.
        let base = id
            .rsplit_once('.')
            .filter(|(base, n)| {
                n.parse::<u32>().is_ok_and(|n| n >= 2) && self.regions.contains_key(*base)
            })
            .map(|(base, _)| base.to_owned());
        if let Some(base) = base {
            let mut joined = false;
            for &at in self.regions.get(&base).into_iter().flatten() {
                if let Some(c) = parsed.candidates.get_mut(at)
                    && labels.contains(&c.label)
                {
                    c.spans.push((start, end));
                    let pieces = self.quotes.entry(at).or_default();
                    pieces.push(quote.clone().unwrap_or_default());
                    joined = true;
                }
            }
            if joined {
                self.aliases.insert(id, base);
                return;
            }
        }
        if labels.is_empty() {
            parsed
                .skipped
                .push(self.skip(format!("region {id}: no labels; skipped")));
            return;
        }
        let meta = r.get("meta");
        let time = |key: &str| {
            meta.and_then(|m| m.get(key))
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
        };
        // Label Studio's own region note.
        let note = meta
            .and_then(|m| m.get(TEXT))
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let mut candidates = Vec::new();
        for label in labels {
            let at = parsed.candidates.len();
            candidates.push(at);
            if let Some(q) = &quote {
                self.quotes.insert(at, vec![q.clone()]);
            }
            parsed.candidates.push(Candidate {
                file: self.file.to_path_buf(),
                line: 0,
                document: self.document.meta.id.clone(),
                source_id: id.clone(),
                keep_id: !id.is_empty(),
                label,
                spans: vec![(start, end)],
                quote_separator: "\u{0}",
                note: note.clone(),
                entities: entities.clone(),
                ..Candidate::default()
            });
            if let Some(c) = parsed.candidates.last_mut() {
                c.set_times(
                    time("lector_created").as_deref(),
                    time("lector_modified").as_deref(),
                );
            }
        }
        self.regions.insert(id, candidates);
    }

    /// A `relation` result: an annotation-valued attribute of the region it starts from.
    fn relation(&self, r: &Value, parsed: &mut Parsed) {
        let resolve = |id: String| self.aliases.get(&id).cloned().unwrap_or(id);
        let (Some(from), Some(to)) = (
            str_of(r, "from_id").map(resolve),
            str_of(r, "to_id").map(resolve),
        ) else {
            parsed
                .skipped
                .push(self.skip("a relation without from_id and to_id; dropped"));
            return;
        };
        let names: Vec<&str> = r
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for name in names {
            let attribute = self
                .controls
                .iter()
                .find(|c| c.name == name && c.kind == ControlKind::Relation)
                .map(|c| c.attribute.clone());
            self.attach(parsed, &from, |c, label| {
                let defined = attribute.as_ref().filter(|a| {
                    label
                        .attribute(a)
                        .is_some_and(|d| d.ty == AttrType::Annotation)
                });
                match defined {
                    Some(a) => {
                        c.attributes
                            .push((a.clone(), RawValue::Annotation(to.clone())));
                        None
                    }
                    None => Some(format!(
                        "relation {name:?} from {from} to {to}: {} has no annotation-valued attribute of that name; dropped",
                        c.label
                    )),
                }
            });
        }
    }

    /// A per-region value: the note, the entity link or an attribute.
    fn value(&self, r: &Value, parsed: &mut Parsed) {
        let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
        let from_name = str_of(r, "from_name").unwrap_or_default();
        let id = str_of(r, "id").unwrap_or_default();
        let value = r.get("value").unwrap_or(&Value::Null);
        let texts = |key: &str| -> Option<String> {
            match value.get(key)? {
                Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let raw = match ty {
            "choices" => texts("choices").map(RawValue::Text),
            "textarea" => texts(TEXT).map(RawValue::Text),
            "datetime" => texts("datetime").map(RawValue::Text),
            "number" => value
                .get("number")
                .and_then(Value::as_f64)
                .map(RawValue::Number),
            _ => None,
        };
        let Some(raw) = raw else {
            parsed.skipped.push(self.skip(format!(
                "region {id}: {ty} result {from_name:?} has no value Lector reads; dropped"
            )));
            return;
        };
        let attribute = self
            .controls
            .iter()
            .find(|c| c.name == from_name)
            .map(|c| c.attribute.clone());
        self.attach(parsed, &id, |c, label| {
            match (from_name.as_str(), &raw) {
                (NOTE, RawValue::Text(t)) => c.note.clone_from(t),
                (ENTITY, RawValue::Text(t)) => {
                    let name = c.entities.get(t).map(|e| e.name.clone());
                    c.entity = Some((t.clone(), name));
                }
                _ => match attribute.as_ref().filter(|a| label.attribute(a).is_some()) {
                    Some(a) => c.attributes.push((a.clone(), raw.clone())),
                    None => {
                        return Some(format!(
                            "region {}: {from_name:?} is no attribute of label {}; value dropped",
                            c.source_id, c.label
                        ));
                    }
                },
            }
            None
        });
    }

    /// Applies `f` to every candidate of region `id`; `f` returns why a value was dropped.
    fn attach(
        &self,
        parsed: &mut Parsed,
        id: &str,
        mut f: impl FnMut(&mut Candidate, &Label) -> Option<String>,
    ) {
        let Some(candidates) = self.regions.get(id) else {
            parsed.skipped.push(self.skip(format!(
                "a result refers to region {id:?}, which has no labels result; dropped"
            )));
            return;
        };
        for &at in candidates {
            let Some(c) = parsed.candidates.get_mut(at) else {
                continue;
            };
            // An unknown label is reported when the candidate is checked.
            let Some(label) = self.project.schema.label(&c.label) else {
                continue;
            };
            if let Some(reason) = f(c, label) {
                parsed.skipped.push(self.skip(reason));
            }
        }
    }
}
