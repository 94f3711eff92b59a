//! Lector's exports read by the real tools (issue 12): a running Label Studio and a running
//! doccano, each started on the loopback address with a fresh data folder, import them
//! through their own APIs without edits, and every region lands on its characters (emoji,
//! Arabic, a combining accent): in Label Studio's own exports and in its editor, opened in
//! headless Chromium; in what doccano stores and exports. The HTML report rendered by
//! headless Chromium, as a page and printed to PDF, shows every highlighted quote and the
//! article's source.
//!
//! The tools come from their registries, installed by scripts/test.sh: Label Studio and
//! doccano from PyPI into target/realtools/NAME (pinned in tests/py/tools/NAME.txt), Chromium
//! and pdftotext from Debian's packages. Where one is not installed its test says so and is
//! skipped. Each server runs for some 20–60 s; they are started by the scripts in tests/py
//! and stopped there, by the process ids those scripts recorded.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;
use common::{lector, stderr, stdout};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lector::store::ProjectStore;
use serde_json::{Value, json};

/// A tool's environment, `target/realtools/NAME` (or under `LECTOR_REAL_TOOLS`), when
/// scripts/test.sh installed it completely; else the reason, for the skip message.
fn real_tool(name: &str) -> Result<PathBuf, String> {
    let root = std::env::var_os("LECTOR_REAL_TOOLS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/realtools"),
        PathBuf::from,
    );
    let venv = root.join(name);
    let installed = std::fs::read_dir(&venv).ok().is_some_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".installed-"))
    });
    if installed {
        Ok(venv)
    } else {
        Err(format!(
            "skipped: {name} is not installed in {} (scripts/test.sh installs it from \
             tests/py/tools/{name}.txt)",
            venv.display()
        ))
    }
}

/// A program on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

fn run_script(python: &Path, script: &str, args: &[&Path]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

const SOURCE_URL: &str = "https://nyheter.example.org/2026/putin-möter-lukasjenko?id=7&lang=sv";

/// The two articles of the multilingual project: emoji (a ZWJ family, a skin tone), Arabic, a
/// combining accent (å written as a + U+030A), Cyrillic, and Swedish.
const ARTICLES: [(&str, &str); 2] = [
    (
        "Putin 👩‍👩‍👧 möter 👍🏽 Lukasjenko",
        "Putin 👩‍👩‍👧 möter 👍🏽 Lukasjenko\n\nقال الرئيس محمد بن سلمان إن الرياض ستستضيف القمة.\nMa\u{30A}r och Ericsson, sa Лукашенко.\n",
    ),
    (
        "Sotji",
        "I Sotji sa Lukasjenko att Belarus troligen ansluter sig inom två år.\n",
    ),
];

/// Annotations of the project: (article, annotator, label, quote, attributes).
const TAGS: [(usize, &str, &str, &str, &[&str]); 11] = [
    (0, "anna", "Person", "Putin", &[]),
    (0, "anna", "Other", "👩‍👩‍👧", &[]),
    (0, "anna", "Other", "👍🏽", &[]),
    (0, "anna", "Person", "Lukasjenko", &[]),
    (0, "anna", "Person", "محمد بن سلمان", &[]),
    (
        0,
        "anna",
        "Claim",
        "محمد بن سلمان إن الرياض ستستضيف القمة",
        &["verdict=unreviewed"],
    ),
    (0, "erik", "Place", "الرياض", &[]),
    (0, "erik", "Place", "Ma\u{30A}r", &[]),
    (0, "erik", "Organization", "Ericsson", &[]),
    (0, "erik", "Person", "Лукашенко", &[]),
    (
        1,
        "anna",
        "Prediction",
        "Belarus troligen ansluter sig inom två år",
        &["certainty=probable"],
    ),
];

/// A project with [`ARTICLES`] tagged as [`TAGS`] (through `lector annotate`), the first
/// article fetched from [`SOURCE_URL`]. Returns the project and the document ids.
fn multilingual_project(dir: &Path) -> (PathBuf, Vec<String>) {
    let project = dir.join("multi");
    let mut store = ProjectStore::create(&project, "Multilingual").unwrap();
    let ids: Vec<String> = ARTICLES
        .iter()
        .enumerate()
        .map(|(i, (title, text))| {
            let source = (i == 0).then(|| {
                (
                    SOURCE_URL.to_owned(),
                    "2026-12-01T08:30:00Z".parse().unwrap(),
                )
            });
            store
                .add_text_sourced(
                    &format!("article-{i}.txt"),
                    title,
                    (*text).to_owned(),
                    None,
                    source,
                )
                .unwrap()
        })
        .collect();
    drop(store);
    let p = project.to_str().unwrap();
    for (article, who, label, quote, attrs) in TAGS {
        let text = ARTICLES[article].1;
        let start = text[..text.find(quote).unwrap()].chars().count();
        let span = format!("{start}:{}", start + quote.chars().count());
        let mut args = vec![
            "annotate",
            p,
            "--document",
            &ids[article],
            "--annotator",
            who,
            "--label",
            label,
            "--span",
            &span,
        ];
        for a in attrs {
            args.extend(["--attr", a]);
        }
        let out = lector(&args);
        assert!(out.status.success(), "{label} {quote}: {}", stderr(&out));
    }
    (project, ids)
}

/// Per annotator, each annotation as (document, label, start, end, quote).
type Tagged = BTreeSet<(String, String, String, usize, usize, String)>;

fn tagged(project: &Path) -> Tagged {
    let (store, problems) = ProjectStore::open(project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let mut out = Tagged::new();
    for ((document, who), set) in &store.project.sets {
        let text = &store.project.document(document).unwrap().text;
        for a in set.iter() {
            let f = a.fragments[0];
            out.insert((
                who.clone(),
                document.clone(),
                a.label.to_string(),
                f.start.0 as usize,
                f.end.0 as usize,
                text.slice(f.start, f.end).unwrap().to_owned(),
            ));
        }
    }
    out
}

/// A copy of `project` without anyone's annotations.
fn without_annotations(project: &Path, dir: &Path) -> PathBuf {
    let copy = dir.join("copy");
    common::copy_dir(project, &copy);
    std::fs::remove_dir_all(copy.join("annotations")).unwrap();
    copy
}

// ---------------------------------------------------------------------------------------
// Label Studio.

#[test]
fn a_running_label_studio_imports_the_export_and_every_region_lands_on_its_characters() {
    let venv = match real_tool("label-studio") {
        Ok(v) => v,
        Err(skip) => {
            eprintln!("{skip}");
            return;
        }
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (project, ids) = multilingual_project(dir.path());
    let p = project.to_str().unwrap();
    let export = dir.path().join("ls");
    let out = lector(&[
        "export",
        p,
        "--format",
        "label-studio",
        "--ls-user",
        "anna=anna@example.org",
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // What Lector wrote before --ls-user: completed_by naming an annotator who is no user.
    let mut refused: Value =
        serde_json::from_slice(&std::fs::read(export.join("tasks.json")).unwrap()).unwrap();
    for task in refused.as_array_mut().unwrap() {
        for entry in task["annotations"].as_array_mut().unwrap() {
            entry["completed_by"] = json!({"email": "erik"});
        }
    }
    let refused_file = dir.path().join("refused.json");
    std::fs::write(&refused_file, refused.to_string()).unwrap();

    let result = dir.path().join("label-studio.json");
    let ls_bin = venv.join("bin/label-studio");
    let mut args: Vec<&Path> = vec![&ls_bin, &export, &refused_file, &result];
    // With Chromium, each annotation is also opened in Label Studio's own editor.
    let chromium = on_path("chromium").or_else(|| on_path("chromium-browser"));
    match &chromium {
        Some(c) => args.push(c),
        None => eprintln!(
            "skipped: Label Studio's editor in a browser (chromium is not on PATH; \
             scripts/test.sh installs it with apt-get where it may)"
        ),
    }
    let report = run_script(&venv.join("bin/python"), "real_label_studio.py", &args);
    eprintln!("{}", report.trim());
    let result: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert!(
        result["refused"]
            .as_str()
            .unwrap()
            .contains("Unknown annotator's email"),
        "{}",
        result["refused"]
    );
    assert_eq!(
        result["imported"]["task_count"],
        json!(2),
        "{}",
        result["imported"]
    );
    // anna and erik on the first article, anna on the second.
    assert_eq!(
        result["imported"]["annotation_count"],
        json!(3),
        "{}",
        result["imported"]
    );

    // Label Studio's own export: each region's offsets, read on the task's text as Label
    // Studio reads them (code points), give the quote Lector tagged.
    let expected = tagged(&project);
    let mut seen = Tagged::new();
    let user_id = &result["user_id"];
    for task in result["tasks"].as_array().unwrap() {
        let document = task["data"]["document"].as_str().unwrap();
        let text: Vec<char> = task["data"]["text"].as_str().unwrap().chars().collect();
        let index = ids.iter().position(|id| id == document).unwrap();
        assert_eq!(text.iter().collect::<String>(), ARTICLES[index].1);
        if index == 0 {
            assert_eq!(task["data"]["source_url"], json!(SOURCE_URL));
            assert_eq!(task["data"]["fetched"], json!("2026-12-01T08:30:00Z"));
        }
        for entry in task["annotations"].as_array().unwrap() {
            // anna's work is credited to her Label Studio user; erik's to the one who
            // imported it (the same user here: Label Studio has no erik).
            assert_eq!(&entry["completed_by"], user_id, "{entry}");
            for region in entry["result"].as_array().unwrap() {
                let v = &region["value"];
                let Some(labels) = v["labels"].as_array() else {
                    continue;
                };
                let (start, end) = (
                    v["start"].as_u64().unwrap() as usize,
                    v["end"].as_u64().unwrap() as usize,
                );
                let quote: String = text[start..end].iter().collect();
                assert_eq!(quote, v["text"].as_str().unwrap(), "{region}");
                seen.insert((
                    region["meta"]["lector_annotator"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    document.to_owned(),
                    labels[0].as_str().unwrap().to_owned(),
                    start,
                    end,
                    quote,
                ));
            }
        }
    }
    assert_eq!(seen, expected);

    // Label Studio's own editor, in a browser, highlights each region on exactly its
    // characters: per document and annotator, region id (Lector's annotation id) → the
    // highlighted text.
    if chromium.is_some() {
        let (store, _) = ProjectStore::open(&project).unwrap();
        let mut expected_editor = serde_json::Map::new();
        for ((document, who), set) in &store.project.sets {
            let text = &store.project.document(document).unwrap().text;
            let regions: serde_json::Map<String, Value> = set
                .iter()
                .map(|a| {
                    let f = a.fragments[0];
                    (
                        a.id.0.to_string(),
                        json!(text.slice(f.start, f.end).unwrap()),
                    )
                })
                .collect();
            expected_editor.insert(format!("{document}/{who}"), Value::Object(regions));
        }
        assert_eq!(result["editor"], Value::Object(expected_editor));
    }

    // Label Studio's CoNLL 2003 export tokenises the text itself and tags the tokens the
    // regions cover: its own reading of where each region is.
    let conll = result["conll"].as_str().unwrap();
    for line in [
        "Putin -X- _ B-Person",
        "👩‍👩‍👧 -X- _ B-Other",
        "👍🏽 -X- _ B-Other",
        "Lukasjenko -X- _ B-Person",
        "محمد -X- _ B-Person",
        "بن -X- _ I-Person",
        "سلمان -X- _ I-Person",
        "الرياض -X- _ B-Place",
        "Ma\u{30A}r -X- _ B-Place",
        "Ericsson -X- _ B-Organization",
        "Лукашенко -X- _ B-Person",
    ] {
        assert!(
            conll.lines().any(|l| l == line),
            "{line:?} not in:\n{conll}"
        );
    }

    // And Label Studio's export comes back into Lector as it was, each annotator's work
    // found by its meta.
    let exported = dir.path().join("from-label-studio.json");
    std::fs::write(&exported, result["tasks"].to_string()).unwrap();
    let copy = without_annotations(&project, dir.path());
    for who in ["anna", "erik"] {
        let out = lector(&[
            "import",
            copy.to_str().unwrap(),
            "--format",
            "label-studio",
            "--annotator",
            who,
            exported.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{who}: {}", stderr(&out));
    }
    assert_eq!(tagged(&copy), expected);
    eprintln!("label studio: {:.0?} in all", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// doccano.

#[test]
fn a_running_doccano_imports_the_export_and_every_span_lands_on_its_characters() {
    let venv = match real_tool("doccano") {
        Ok(v) => v,
        Err(skip) => {
            eprintln!("{skip}");
            return;
        }
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (project, ids) = multilingual_project(dir.path());
    let p = project.to_str().unwrap();
    let export = dir.path().join("anna.jsonl");
    let out = lector(&[
        "export",
        p,
        "--format",
        "doccano",
        "--annotator",
        "anna",
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result = dir.path().join("doccano.json");
    let report = run_script(
        &venv.join("bin/python"),
        "real_doccano.py",
        &[&venv.join("bin"), &export, &result],
    );
    eprintln!("{}", report.trim());
    let result: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(
        result["import"]["result"]["error"],
        json!([]),
        "{}",
        result["import"]
    );

    // What doccano stored: its offsets are JavaScript's (UTF-16 code units), and read so on
    // the example's text they give anna's quotes.
    let expected: Tagged = tagged(&project)
        .into_iter()
        .filter(|t| t.0 == "anna")
        .collect();
    let mut seen = Tagged::new();
    let examples = result["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 2);
    for example in examples {
        let text = example["text"].as_str().unwrap();
        let index = ARTICLES.iter().position(|(_, t)| *t == text).unwrap();
        let units: Vec<u16> = text.encode_utf16().collect();
        for span in example["spans"].as_array().unwrap() {
            let (start, end) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            let quote = String::from_utf16(&units[start..end]).unwrap();
            let char_start = String::from_utf16(&units[..start]).unwrap().chars().count();
            seen.insert((
                "anna".to_owned(),
                ids[index].clone(),
                span[2].as_str().unwrap().to_owned(),
                char_start,
                char_start + quote.chars().count(),
                quote,
            ));
        }
    }
    assert_eq!(seen, expected);

    // doccano's own export comes back into Lector as it was.
    let exported = dir.path().join("from-doccano.jsonl");
    let lines: Vec<&str> = result["export"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    std::fs::write(&exported, lines.join("\n") + "\n").unwrap();
    let copy = without_annotations(&project, dir.path());
    let out = lector(&[
        "import",
        copy.to_str().unwrap(),
        "--format",
        "doccano",
        "--annotator",
        "anna",
        exported.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(tagged(&copy), expected);
    eprintln!("doccano: {:.0?} in all", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// The HTML report in a browser.

/// Bidirectional controls pdftotext puts around right-to-left runs, and line breaks: what
/// is left is the text a reader sees, in logical order.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_html_report_renders_in_chromium_and_prints_with_every_quote_and_the_source() {
    let (Some(chromium), Some(pdftotext)) = (
        on_path("chromium").or_else(|| on_path("chromium-browser")),
        on_path("pdftotext"),
    ) else {
        eprintln!(
            "skipped: chromium and pdftotext are not both on PATH (scripts/test.sh installs \
             Debian's chromium and poppler-utils with apt-get where it may)"
        );
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (project, _) = multilingual_project(dir.path());
    let report = dir.path().join("report.html");
    let out = lector(&[
        "export",
        project.to_str().unwrap(),
        "--format",
        "html",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = format!("file://{}", report.display());
    let profile = dir.path().join("chromium-profile");
    let chromium_run = |extra: &[&str]| {
        let out = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        assert!(out.status.success(), "chromium: {}", stderr(&out));
        out
    };

    // The page as the browser built it: each annotation's marks, joined, are its quote.
    let dom = dir.path().join("dom.html");
    std::fs::write(&dom, chromium_run(&["--dump-dom"]).stdout).unwrap();
    let python = std::env::var_os("LECTOR_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python"),
        PathBuf::from,
    );
    let python = if python.exists() {
        python
    } else {
        PathBuf::from("python3")
    };
    let marks: Value =
        serde_json::from_str(&run_script(&python, "rendered_marks.py", &[&dom])).unwrap();
    let (store, _) = ProjectStore::open(&project).unwrap();
    let mut quotes = Vec::new();
    for ((document, who), set) in &store.project.sets {
        let text = &store.project.document(document).unwrap().text;
        for a in set.iter() {
            let f = a.fragments[0];
            let quote = text.slice(f.start, f.end).unwrap();
            assert_eq!(
                marks[a.id.as_str()],
                json!({"document": document, "annotator": who, "text": quote}),
                "{} {quote}",
                a.label
            );
            quotes.push(quote.to_owned());
        }
    }
    assert_eq!(marks.as_object().unwrap().len(), quotes.len());

    // Printed to PDF, the text a reader gets has every quote, each article, and where the
    // first came from.
    let pdf = dir.path().join("report.pdf");
    chromium_run(&[
        "--no-pdf-header-footer",
        &format!("--print-to-pdf={}", pdf.display()),
    ]);
    let out = Command::new(&pdftotext)
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext: {}", stderr(&out));
    let printed = plain(&String::from_utf8(out.stdout).unwrap());
    for quote in &quotes {
        assert!(
            printed.contains(&plain(quote)),
            "{quote:?} not in the PDF:\n{printed}"
        );
    }
    for (_, text) in ARTICLES {
        for line in text.lines().filter(|l| !l.is_empty()) {
            assert!(
                printed.contains(&plain(line)),
                "{line:?} not in the PDF:\n{printed}"
            );
        }
    }
    assert!(
        printed.contains(&format!(
            "Source {SOURCE_URL}, fetched 2026-12-01 08:30 UTC"
        )),
        "{printed}"
    );
    eprintln!("chromium: {:.0?} in all", started.elapsed());
}
