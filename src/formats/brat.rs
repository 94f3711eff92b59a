//! brat standoff: `<annotator>/<document>.txt` + `.ann` per document, `annotation.conf` at the
//! top (bratiaa and brat's UI look for it there).
//!
//! | Lector | brat |
//! |---|---|
//! | annotation (any kind) | `T` line; discontinuous spans as `;` fragments |
//! | choice attribute | `A` line, declared in `annotation.conf` |
//! | annotation-valued attribute | `R` line (`Arg1` the annotation, `Arg2` the value) |
//! | entity link | `N` line `Reference Tn Lector:<entity id>` with the entity's name |
//! | note | `#` `AnnotatorNotes` line |
//!
//! brat offsets are code points on the text read with universal newlines; Lector's stored
//! text has LF only, so the two agree. A `T` line's text cannot hold a line break, so
//! fragments are split at line breaks and tabs (reported). Free-text, date, number and
//! entity-valued attributes have no `A` form (brat values are a closed list): reported as
//! dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::import::{Candidate, Parsed, RawValue, Skipped};
use super::{FormatError, LossReport, Selection, io_err, place};
use crate::model::{AttrType, AttrValue, Document, Fragment, Project};

/// The normalisation database prefix for Lector entities in `N` lines.
pub const ENTITY_DB: &str = "Lector";

/// A brat type name: brat splits lines at spaces and tabs, so other characters become `_`.
fn type_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits fragments at line breaks and tabs, which a `T` line cannot hold.
fn line_safe_pieces(text: &crate::model::DocText, fragments: &[Fragment]) -> Vec<(u32, u32)> {
    let mut pieces = Vec::new();
    for f in fragments {
        let mut start = f.start.0;
        for (i, ch) in super::fragment_text(text, *f).chars().enumerate() {
            let at = f.start.0 + i as u32;
            if matches!(ch, '\n' | '\t') {
                if at > start {
                    pieces.push((start, at));
                }
                start = at + 1;
            }
        }
        if f.end.0 > start {
            pieces.push((start, f.end.0));
        }
    }
    pieces
}

/// Replaces line breaks and tabs in a one-line field.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\t', '\r'], " ")
}

/// Writes the selection as a brat folder.
pub fn write_folder(
    selection: &Selection<'_>,
    out: &Path,
    report: &mut LossReport,
) -> Result<(), FormatError> {
    let schema = &selection.project.schema;
    for &(document, set) in &selection.items {
        report.documents += 1;
        let dir = out.join(&set.annotator);
        std::fs::create_dir_all(&dir).map_err(io_err("cannot create the folder", &dir))?;
        let text = &document.text;
        let ids: BTreeMap<&str, usize> = set
            .annotations()
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.0.as_str(), i + 1))
            .collect();
        let mut ann = String::new();
        let (mut attr_n, mut rel_n, mut norm_n, mut note_n) = (0, 0, 0, 0);
        for (i, annotation) in set.iter().enumerate() {
            let t = i + 1;
            let where_ = || place(set, annotation);
            let pieces = line_safe_pieces(text, &annotation.fragments);
            if pieces.len() != annotation.fragments.len() {
                report.add(
                    "fragments split at line breaks (a brat T line cannot hold one)",
                    where_,
                );
            }
            if pieces.is_empty() {
                report.add("annotations dropped: they cover only line breaks", where_);
                continue;
            }
            let offsets: Vec<String> = pieces.iter().map(|(s, e)| format!("{s} {e}")).collect();
            let covered: Vec<&str> = pieces
                .iter()
                .map(|&(s, e)| {
                    text.slice(crate::model::CharOffset(s), crate::model::CharOffset(e))
                        .unwrap_or("")
                })
                .collect();
            let _ = writeln!(
                ann,
                "T{t}\t{} {}\t{}",
                type_name(&annotation.label),
                offsets.join(";"),
                covered.join(" ")
            );
            report.annotations += 1;
            let label = schema.label(&annotation.label);
            for (name, value) in &annotation.attributes {
                let ty = label.and_then(|l| l.attribute(name)).map(|d| &d.ty);
                match (ty, value) {
                    (Some(AttrType::Choice(_)), AttrValue::Choice(v)) if !v.contains(char::is_whitespace) => {
                        attr_n += 1;
                        let _ = writeln!(ann, "A{attr_n}\t{} T{t} {v}", type_name(name));
                    }
                    (_, AttrValue::Annotation(target)) if ids.contains_key(target.0.as_str()) => {
                        rel_n += 1;
                        let to = ids.get(target.0.as_str()).copied().unwrap_or(0);
                        let _ = writeln!(ann, "R{rel_n}\t{} Arg1:T{t} Arg2:T{to}", type_name(name));
                    }
                    _ => report.add(
                        "attributes dropped: brat attribute values are a closed list (free text, dates, numbers and entities have no A line)",
                        || format!("{} {name}={value}", where_()),
                    ),
                }
            }
            if let Some(entity) = &annotation.entity {
                norm_n += 1;
                let name = selection
                    .project
                    .registry(&set.annotator)
                    .and_then(|r| r.get(entity))
                    .map_or_else(|| entity.0.clone(), |e| one_line(&e.name));
                let _ = writeln!(
                    ann,
                    "N{norm_n}\tReference T{t} {ENTITY_DB}:{}\t{name}",
                    entity.0
                );
            }
            if !annotation.note.is_empty() {
                note_n += 1;
                let note = one_line(&annotation.note);
                if note != annotation.note {
                    report.add("notes: line breaks and tabs turned into spaces", where_);
                }
                let _ = writeln!(ann, "#{note_n}\tAnnotatorNotes T{t}\t{note}");
            }
        }
        let txt = dir.join(format!("{}.txt", set.document));
        std::fs::write(&txt, text.as_str()).map_err(io_err("cannot write", &txt))?;
        let ann_path = dir.join(format!("{}.ann", set.document));
        std::fs::write(&ann_path, ann).map_err(io_err("cannot write", &ann_path))?;
    }
    let conf = out.join("annotation.conf");
    std::fs::write(&conf, annotation_conf(selection.project))
        .map_err(io_err("cannot write", &conf))?;
    Ok(())
}

/// `annotation.conf`: every label, the choice attributes as closed lists, the
/// annotation-valued attributes as relations.
pub fn annotation_conf(project: &Project) -> String {
    let schema = &project.schema;
    let mut attributes: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = BTreeMap::new();
    let mut relations: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for label in &schema.labels {
        for def in &label.attributes {
            match &def.ty {
                AttrType::Choice(values) => {
                    let entry = attributes.entry(type_name(&def.name)).or_default();
                    entry.0.insert(type_name(&label.name));
                    for v in values {
                        if !entry.1.contains(v) && !v.contains(char::is_whitespace) {
                            entry.1.push(v.clone());
                        }
                    }
                }
                AttrType::Annotation => {
                    relations
                        .entry(type_name(&def.name))
                        .or_default()
                        .insert(type_name(&label.name));
                }
                _ => {}
            }
        }
    }
    let mut conf = String::from("# Written by Lector.\n[entities]\n");
    for label in &schema.labels {
        let _ = writeln!(conf, "{}", type_name(&label.name));
    }
    conf.push_str("\n[relations]\n");
    for (name, labels) in &relations {
        let args: Vec<&str> = labels.iter().map(String::as_str).collect();
        let _ = writeln!(conf, "{name}\tArg1:{}, Arg2:<ENTITY>", args.join("|"));
    }
    conf.push_str("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n");
    conf.push_str("\n[events]\n\n[attributes]\n");
    for (name, (labels, values)) in &attributes {
        let args: Vec<&str> = labels.iter().map(String::as_str).collect();
        let _ = writeln!(
            conf,
            "{name}\tArg:{}, Value:{}",
            args.join("|"),
            values.join("|")
        );
    }
    conf
}

/// Reads every `<document>.ann` in `dir` (with its `.txt`, which must equal the stored text).
pub fn read_folder(project: &Project, dir: &Path) -> Result<Parsed, FormatError> {
    let entries = std::fs::read_dir(dir).map_err(io_err("cannot read the folder", dir))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ann"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(FormatError::Malformed {
            message: "no .ann files in this folder (give the annotator's folder of a brat export)"
                .to_owned(),
            line: 0,
            path: dir.to_path_buf(),
        });
    }
    let mut parsed = Parsed::default();
    for path in files {
        read_ann(project, &path, &mut parsed)?;
    }
    Ok(parsed)
}

fn malformed(path: &Path, line: usize, message: impl Into<String>) -> FormatError {
    FormatError::Malformed {
        message: message.into(),
        line,
        path: path.to_path_buf(),
    }
}

/// Reads one `.ann` file into candidates.
fn read_ann(project: &Project, path: &Path, parsed: &mut Parsed) -> Result<(), FormatError> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = crate::fsguard::read_import(path)?;
    let Some(document) = project.document(&stem) else {
        parsed.skipped.push(Skipped::new(
            path,
            0,
            format!("the project has no document {stem:?}; nothing of this file imported"),
        ));
        return Ok(());
    };
    // The offsets are only as good as the text they count in: without it, nothing is imported.
    let txt = path.with_extension("txt");
    let raw = match crate::fsguard::read_import(&txt) {
        Ok(raw) => raw,
        Err(err) => {
            parsed.skipped.push(Skipped::new(&txt, 0, format!(
                "{}, and without the text beside it the offsets cannot be checked; nothing of {} imported",
                err.kind,
                path.display()
            )));
            return Ok(());
        }
    };
    let (normalised, _) = crate::model::text::normalize(&raw);
    if normalised != document.text.as_str() {
        parsed.skipped.push(Skipped::new(&txt, 0, format!(
            "the text differs from document {stem:?} in the project, so the offsets cannot be trusted; nothing of {} imported",
            path.display()
        )));
        return Ok(());
    }
    let mut by_t: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad = super::import::BadLines::default();
    for (i, line) in source.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let read = read_ann_line(document, path, n, line, &mut by_t, parsed);
        bad.take(parsed, read)?;
    }
    bad.finish(super::Format::Brat)
}

/// Reads one line of a `.ann` file: a span (`T`) becomes a candidate, the lines about it
/// (`A`, `M`, `R`, `N`, `#`) fill it in. `by_t` maps the file's `T` ids to candidates.
fn read_ann_line(
    document: &Document,
    path: &Path,
    n: usize,
    line: &str,
    by_t: &mut BTreeMap<String, usize>,
    parsed: &mut Parsed,
) -> Result<(), FormatError> {
    let mut parts = line.splitn(3, '\t');
    let id = parts.next().unwrap_or("");
    let data = parts
        .next()
        .ok_or_else(|| malformed(path, n, "expected ID<TAB>DATA"))?;
    let tail = parts.next();
    let mut words = data.split(' ');
    let ty = words.next().unwrap_or("");
    match id.chars().next() {
        Some('T') => {
            let rest = data.get(ty.len()..).unwrap_or("").trim();
            let mut spans = Vec::new();
            for frag in rest.split(';') {
                let (s, e) = frag.trim().split_once(' ').ok_or_else(|| {
                    malformed(path, n, format!("fragment {frag:?} is not START END"))
                })?;
                let s: u32 = s
                    .parse()
                    .map_err(|_| malformed(path, n, format!("{s:?} is not an offset")))?;
                let e: u32 = e
                    .parse()
                    .map_err(|_| malformed(path, n, format!("{e:?} is not an offset")))?;
                spans.push((s, e));
            }
            by_t.insert(id.to_owned(), parsed.candidates.len());
            parsed.candidates.push(Candidate {
                file: path.to_path_buf(),
                line: n,
                document: document.meta.id.clone(),
                source_id: id.to_owned(),
                keep_id: false,
                label: ty.to_owned(),
                spans,
                quote: tail.map(str::to_owned),
                quote_separator: " ",
                ..Candidate::default()
            });
        }
        Some('A' | 'M') => {
            let target = words
                .next()
                .ok_or_else(|| malformed(path, n, "an attribute needs a target"))?;
            let value = words.next().map_or(RawValue::Text("true".to_owned()), |v| {
                RawValue::Text(v.to_owned())
            });
            let at = *by_t.get(target).ok_or_else(|| {
                malformed(path, n, format!("attribute of unknown annotation {target}"))
            })?;
            if let Some(c) = parsed.candidates.get_mut(at) {
                c.attributes.push((ty.to_owned(), value));
            }
        }
        Some('R') => {
            let arg = |w: Option<&str>, role: &str| -> Result<String, FormatError> {
                w.and_then(|w| w.strip_prefix(role))
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(path, n, format!("a relation needs {role}<id>")))
            };
            let from = arg(words.next(), "Arg1:")?;
            let to = arg(words.next(), "Arg2:")?;
            let at = *by_t.get(&from).ok_or_else(|| {
                malformed(path, n, format!("relation from unknown annotation {from}"))
            })?;
            if let Some(c) = parsed.candidates.get_mut(at) {
                c.attributes.push((ty.to_owned(), RawValue::Annotation(to)));
            }
        }
        Some('N') => {
            let target = words.next().unwrap_or("");
            let reference = words.next().unwrap_or("");
            let at = *by_t.get(target).ok_or_else(|| {
                malformed(
                    path,
                    n,
                    format!("normalisation of unknown annotation {target}"),
                )
            })?;
            match reference.split_once(':') {
                Some((db, entity)) if db == ENTITY_DB => {
                    if let Some(c) = parsed.candidates.get_mut(at) {
                        c.entity = Some((entity.to_owned(), tail.map(str::to_owned)));
                    }
                }
                _ => parsed.skipped.push(Skipped::new(
                    path,
                    n,
                    format!("normalisation {reference:?} is not a Lector entity; link dropped"),
                )),
            }
        }
        Some('#') => {
            let target = words.next().unwrap_or("");
            let at = *by_t.get(target).ok_or_else(|| {
                malformed(path, n, format!("note on unknown annotation {target}"))
            })?;
            if let Some(c) = parsed.candidates.get_mut(at) {
                c.note = tail.unwrap_or("").to_owned();
            }
        }
        Some('E' | '*') => parsed.skipped.push(Skipped::new(
            path,
            n,
            "events and equivalences have no Lector form; line skipped",
        )),
        _ => {
            return Err(malformed(
                path,
                n,
                format!("{id:?} is not a brat annotation id"),
            ));
        }
    }
    Ok(())
}
