//! `lector new`, `add`, `check` and `stats`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::print;
use crate::store::ProjectStore;

pub fn new(dir: &Path, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let name = name.map_or_else(
        || {
            std::path::absolute(dir)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "Untitled".to_owned())
        },
        str::to_owned,
    );
    ProjectStore::create(dir, &name)?;
    print(&format!("created project {name:?} in {}\n", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}

pub fn add(
    dir: &Path,
    files: &[PathBuf],
    title: Option<&str>,
    published: Option<jiff::civil::Date>,
    timeout: std::time::Duration,
) -> anyhow::Result<ExitCode> {
    if title.is_some() && files.len() > 1 {
        anyhow::bail!("--title names one article; give one file with it");
    }
    let (mut store, _problems) = ProjectStore::open(dir)?;
    let mut out = String::new();
    let mut failed = false;
    let limits = crate::article::web::FetchLimits {
        timeout,
        ..Default::default()
    };
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        anyhow::bail!("`-` (standard input) can be given once");
    }
    for file in files {
        let url = file.to_str().filter(|s| crate::article::web::is_url(s));
        let added = if file.as_os_str() == "-" {
            // Pasted text: as the app's Paste as article, its first line the title.
            read_stdin_text().and_then(|text| {
                store
                    .add_pasted_dated(&text, title, published)
                    .map(|id| (id, Vec::new()))
            })
        } else {
            match url {
                Some(url) => store.add_url(url, title, published, limits),
                None => store.add_article_dated(file, title, published),
            }
        };
        match added {
            Ok((id, warnings)) => {
                for warning in warnings {
                    eprintln!("warning: {}: {warning}", file.display());
                }
                let title = &store
                    .project
                    .document(&id)
                    .context("just added")?
                    .meta
                    .title;
                writeln!(out, "{id}\t{title}")?;
            }
            Err(err) => {
                eprintln!("error: {err}");
                failed = true;
            }
        }
    }
    print(&out)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Standard input as text, for `lector add DIR -`: at most an article's size, UTF-8.
fn read_stdin_text() -> Result<String, crate::store::StoreError> {
    use std::io::Read as _;
    let limit = crate::model::text::MAX_ARTICLE_BYTES as u64;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| crate::store::StoreError::Invalid(format!("standard input: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(crate::store::StoreError::Invalid(format!(
            "standard input: more than {} of text; save it as a file and add that",
            crate::fsguard::size_text(limit)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        crate::store::StoreError::Invalid(format!(
            "standard input is not UTF-8 text (byte {} is not): save it as a file and add that",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Re-anchors every document whose text changed, saying what happened to each file.
fn reanchor_all(dir: &Path) -> anyhow::Result<()> {
    let (mut store, _) = ProjectStore::open(dir)?;
    for document in store.edited_texts() {
        let reports = store
            .reanchor(&document)
            .with_context(|| format!("cannot re-anchor {document:?}"))?;
        let mut out = format!("{document}: the text changed; the annotations were placed again\n");
        for r in &reports {
            writeln!(
                out,
                "  {}: {} annotations: {} in place, {} moved, {} on corrected text, {} not placed{}",
                r.annotator,
                r.total,
                r.unchanged,
                r.moved,
                r.corrected,
                r.unplaced.len(),
                if r.retried > 0 {
                    format!(" ({} left unplaced before, tried again)", r.retried)
                } else {
                    String::new()
                }
            )?;
            for (id, label, quote) in &r.unplaced {
                writeln!(
                    out,
                    "    not placed: {id} {label} “{quote}”, kept in {}",
                    dir.join(&r.unplaced_file).display()
                )?;
            }
        }
        print(&out)?;
    }
    Ok(())
}

pub fn check(dir: &Path, reanchor: bool) -> anyhow::Result<ExitCode> {
    if reanchor {
        reanchor_all(dir)?;
    }
    // Checked and counted: the annotations themselves are not kept.
    let (found, problems) = ProjectStore::check(dir)?;
    let mut out = String::new();
    for problem in &problems {
        writeln!(out, "{}", problem_line(dir, problem))?;
    }
    if problems.is_empty() {
        writeln!(
            out,
            "ok: {}, {}, {}, {}",
            crate::words::plural(found.documents, "document"),
            crate::words::plural(found.annotation_files, "annotation file"),
            crate::words::plural(found.annotations, "annotation"),
            crate::words::plural(found.annotators, "annotator")
        )?;
        print(&out)?;
        Ok(ExitCode::SUCCESS)
    } else {
        print(&out)?;
        eprintln!("{}", crate::words::plural(problems.len(), "problem"));
        Ok(ExitCode::FAILURE)
    }
}

/// A problem with the project folder in front of its file, so the line can be clicked in a
/// terminal or editor.
fn problem_line(dir: &Path, problem: &crate::store::Problem) -> String {
    let mut problem = problem.clone();
    problem.file = dir.join(&problem.file);
    problem.to_string()
}

/// How many annotations of each label: document -> annotator -> label -> count.
type LabelCounts<'p> = BTreeMap<&'p str, BTreeMap<&'p str, BTreeMap<&'p str, usize>>>;

fn label_counts(project: &crate::model::Project) -> LabelCounts<'_> {
    let mut counts = LabelCounts::new();
    for ((document, annotator), set) in &project.sets {
        let labels = counts
            .entry(document)
            .or_default()
            .entry(annotator)
            .or_default();
        for annotation in set.iter() {
            *labels.entry(annotation.label.as_str()).or_default() += 1;
        }
    }
    counts
}

/// Whether the project has files suggestions are made from besides annotations: entity
/// registries or imported suggestions (or a folder of them that cannot be listed).
fn has_suggestion_files(dir: &Path) -> bool {
    ["entities", "suggestions"]
        .iter()
        .any(|sub| match std::fs::read_dir(dir.join(sub)) {
            Ok(mut entries) => entries.next().is_some(),
            Err(err) => err.kind() != std::io::ErrorKind::NotFound,
        })
}

pub fn stats(dir: &Path, json: bool, partial: bool) -> anyhow::Result<ExitCode> {
    // Without suggestions the annotations need only be counted: the project is read as
    // `check` reads it, each file's labels counted on views of its annotations, none built
    // but those that link an entity (suggestions learn names from them). If those do give
    // a suggestion somewhere, the project is read whole after all.
    if !has_suggestion_files(dir) {
        let (store, counted, problems) = ProjectStore::open_counted(dir)?;
        let project = &store.project;
        let suggester =
            crate::suggest::Suggester::new(project, crate::suggest::SuggestOptions::default());
        let none = project
            .documents
            .iter()
            .all(|d| suggester.candidates(project, &d.meta.id).is_empty());
        if none {
            super::go_on_reading(dir, partial, &problems)?;
            let sources = crate::suggest::source_counts(project, &suggester);
            let mut counts = LabelCounts::new();
            for ((document, annotator), labels) in &counted {
                counts.entry(document.as_str()).or_default().insert(
                    annotator.as_str(),
                    labels.iter().map(|(l, n)| (l.as_str(), *n)).collect(),
                );
            }
            let code = print_stats(project, &counts, &sources, json)?;
            drop(counts);
            super::leave_to_exit(counted);
            super::leave_to_exit(store);
            return Ok(code);
        }
        super::leave_to_exit(counted);
        super::leave_to_exit(store);
    }
    let store = super::open_for_reading(dir, partial)?;
    let project = &store.project;
    // The labels are counted on one core while the suggestions are on the other.
    let (sources, counts) = std::thread::scope(|scope| {
        let counting = scope.spawn(|| label_counts(project));
        let suggester =
            crate::suggest::Suggester::new(project, crate::suggest::SuggestOptions::default());
        let sources = crate::suggest::source_counts(project, &suggester);
        let counts = counting.join().unwrap_or_else(|_| label_counts(project));
        (sources, counts)
    });
    let code = print_stats(project, &counts, &sources, json)?;
    drop(counts);
    super::leave_to_exit(store);
    Ok(code)
}

/// Prints the counts of `stats` as a table or JSON.
fn print_stats(
    project: &crate::model::Project,
    counts: &LabelCounts<'_>,
    sources: &BTreeMap<String, crate::suggest::SourceCounts>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if json {
        let value = serde_json::json!({
            "project": project.name,
            "documents": project.documents.iter().map(|d| {
                let per_annotator = counts.get(d.meta.id.as_str()).cloned().unwrap_or_default();
                serde_json::json!({
                    "id": d.meta.id,
                    "title": d.meta.title,
                    "chars": d.text.len_chars().0,
                    "annotators": per_annotator.iter().map(|(annotator, labels)| {
                        let set = project.set(&d.meta.id, annotator);
                        (annotator.to_string(), serde_json::json!({
                            "status": set.map(|s| s.status.name()),
                            "total": labels.values().sum::<usize>(),
                            "labels": labels,
                        }))
                    }).collect::<serde_json::Map<_, _>>(),
                })
            }).collect::<Vec<_>>(),
            "suggestions": sources,
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&value)?))?;
        drop(value);
        return Ok(ExitCode::SUCCESS);
    }
    let labels: Vec<&str> = project
        .schema
        .labels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    let mut out = String::new();
    write!(
        out,
        "{:<24} {:<14} {:<12} {:>6}",
        "document", "annotator", "status", "total"
    )?;
    for label in &labels {
        write!(out, " {:>w$}", label, w = label.len().max(5))?;
    }
    out.push('\n');
    for doc in &project.documents {
        let Some(per_annotator) = counts.get(doc.meta.id.as_str()) else {
            writeln!(out, "{:<24} (no annotations)", doc.meta.id)?;
            continue;
        };
        for (annotator, per_label) in per_annotator {
            let status = project
                .set(&doc.meta.id, annotator)
                .map_or("", |s| s.status.name());
            write!(
                out,
                "{:<24} {:<14} {:<12} {:>6}",
                doc.meta.id,
                annotator,
                status,
                per_label.values().sum::<usize>()
            )?;
            for label in &labels {
                let n = per_label.get(label).copied().unwrap_or(0);
                write!(out, " {:>w$}", n, w = label.len().max(5))?;
            }
            out.push('\n');
        }
    }
    if !sources.is_empty() {
        writeln!(
            out,
            "\nSuggestions per source (summed over annotators)\n{:<24} {:>9} {:>8} {:>8} {:>6}",
            "source", "suggested", "accepted", "rejected", "open"
        )?;
        for (source, c) in sources {
            writeln!(
                out,
                "{:<24} {:>9} {:>8} {:>8} {:>6}",
                source, c.suggested, c.accepted, c.rejected, c.open
            )?;
        }
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
