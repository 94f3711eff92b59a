//! The `lector` command line, run as a user runs it.

mod common;
use common::{lector, stderr, stdout};

use std::path::Path;

#[test]
fn new_add_annotate_check_stats() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    let p = project.to_str().unwrap();
    let out = lector(&["new", p, "--name", "Sotji"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Git merges the project's files with Lector's driver (issue 14).
    let attributes = std::fs::read_to_string(project.join(".gitattributes")).unwrap();
    for line in [
        "/project.ron merge=lector",
        "/annotations/*/*.ron merge=lector",
        "/entities/*.ron merge=lector",
        "/reviews/*/*.ron merge=lector",
    ] {
        assert!(
            attributes.lines().any(|l| l == line),
            "{line} in {attributes}"
        );
    }

    let article = dir.path().join("talks.txt");
    std::fs::write(&article, "Putin möter Lukashenko i Sotji.\r\nDet är troligt, Lukashenko kan få stöd, om han samarbetar.\n").unwrap();
    let out = lector(&["add", p, article.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "talks\tPutin möter Lukashenko i Sotji.\n");

    let out = lector(&[
        "annotate",
        p,
        "--document",
        "talks",
        "--annotator",
        "anna",
        "--label",
        "Person",
        "--span",
        "12:22",
        "--entity",
        "Alexander Lukashenko",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let person_id = stdout(&out).trim().to_owned();
    assert_eq!(person_id.len(), 10);

    // A discontinuous prediction with attributes; the holder is found by name.
    let out = lector(&[
        "annotate",
        p,
        "--document",
        "talks",
        "--annotator",
        "anna",
        "--label",
        "Prediction",
        "--span",
        "32:46,59:70",
        "--attr",
        "certainty=probable",
        "--attr",
        "holder=alexander lukashenko",
        "--attr",
        "condition=om han samarbetar",
        "--note",
        "outer cue governs",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ron = std::fs::read_to_string(project.join("annotations/anna/talks.ron")).unwrap();
    assert!(
        ron.contains(r#"fragments: [(32, 46, "Det är troligt"), (59, 70, "kan få stöd")]"#),
        "{ron}"
    );
    assert!(
        ron.contains(r#""holder": Entity("alexander-lukashenko")"#),
        "{ron}"
    );

    let out = lector(&["check", p]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "ok: 1 document, 1 annotation file, 2 annotations, 1 annotator\n"
    );

    let out = lector(&["stats", p, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["documents"][0]["annotators"]["anna"]["total"], 2);
    assert_eq!(
        json["documents"][0]["annotators"]["anna"]["labels"]["Prediction"],
        1
    );
    let out = lector(&["stats", p]);
    assert!(stdout(&out).contains("talks"), "{}", stdout(&out));
}

#[test]
fn annotate_refuses_what_the_app_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("proj");
    let p = p.to_str().unwrap();
    assert!(lector(&["new", p]).status.success());
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "Café 👍🏽 said Ericsson.").unwrap();
    assert!(
        lector(&["add", p, article.to_str().unwrap()])
            .status
            .success()
    );
    let before = std::fs::read_dir(dir.path().join("proj")).unwrap().count();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--label", "Person", "--span", "14:99"],
            "ends after the text, which has 22 characters",
        ),
        (
            &["--label", "Person", "--span", "5:6"],
            "splits a character",
        ),
        (&["--label", "Person", "--span", "x:3"], "is not a number"),
        (
            &["--label", "Rumour", "--span", "0:4"],
            "there is no label \"Rumour\"",
        ),
        (
            &[
                "--label",
                "Claim",
                "--span",
                "0:4",
                "--attr",
                "verdict=maybe",
            ],
            "\"maybe\" is not one of unreviewed",
        ),
        (
            &[
                "--label",
                "Claim",
                "--span",
                "0:4",
                "--attr",
                "source=nobody",
            ],
            "no entity \"nobody\"",
        ),
        (
            &["--label", "Claim", "--span", "0:4", "--entity", "X"],
            "--entity links entity mentions",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["annotate", p, "--document", "a", "--annotator", "anna"];
        args.extend_from_slice(extra);
        let out = lector(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    assert!(
        !dir.path().join("proj/annotations").exists(),
        "nothing was written"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("proj")).unwrap().count(),
        before
    );
    let out = lector(&[
        "annotate",
        p,
        "--document",
        "a",
        "--annotator",
        "../x",
        "--label",
        "Person",
        "--span",
        "0:4",
    ]);
    assert!(
        stderr(&out).contains("annotator name \"../x\" is not allowed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_lists_problems_with_file_and_line_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v1");
    let copy = dir.path().join("p");
    for rel in [
        "project.ron",
        "documents/kyiv.txt",
        "annotations/olena/kyiv.ron",
        "entities/olena.ron",
    ] {
        std::fs::create_dir_all(copy.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(root.join(rel), copy.join(rel)).unwrap();
    }
    let ann = copy.join("annotations/olena/kyiv.ron");
    let text = std::fs::read_to_string(&ann)
        .unwrap()
        .replace("label: \"Other\"", "label: \"Thing\"");
    std::fs::write(&ann, text).unwrap();
    let out = lector(&["check", copy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let expected = format!(
        "{}:18:13: annotation o0000000002: label \"Thing\" is not in the project's schema\n",
        copy.join("annotations/olena/kyiv.ron").display()
    );
    assert_eq!(stdout(&out), expected);
    assert_eq!(stderr(&out), "1 problem\n");
    let out = lector(&["agree", copy.to_str().unwrap()]);
    assert!(
        stderr(&out).contains("the project has 1 problem, so"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn errors_name_the_file_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = lector(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a Lector project"),
        "{}",
        stderr(&out)
    );
    let out = lector(&["new", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    let out = lector(&["new", dir.path().to_str().unwrap()]);
    assert!(
        stderr(&out).contains("there is a project here already"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_sample_project_passes_check() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks");
    let out = lector(&["check", sample.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = lector(&["stats", sample.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let annotators = json["documents"][0]["annotators"].as_object().unwrap();
    assert!(annotators.len() >= 2, "two analysts annotated the sample");
    for (name, counts) in annotators {
        assert!(
            counts["total"].as_u64().unwrap() >= 30,
            "{name} has a real annotation set"
        );
        assert!(
            counts["labels"]["Prediction"].as_u64().unwrap_or(0) >= 3,
            "{name} tagged predictions"
        );
    }
}

/// The domain (model, article, store, formats, review, predict, suggest, sync, merge, cli) is a library for the GUI, the CLI,
/// tests and benchmarks:
/// it must never depend on egui. Nor does the desktop integration (the portal probe, the file
/// dialogs' choice), which the app uses but which is not UI.
#[test]
fn the_domain_never_imports_egui() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![
        src.join("model"),
        src.join("article"),
        src.join("store"),
        src.join("formats"),
        src.join("review"),
        src.join("predict"),
        src.join("suggest"),
        src.join("sync"),
        src.join("merge"),
        src.join("cli"),
        src.join("desktop"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                for word in ["egui::", "eframe::", "use egui", "use eframe"] {
                    assert!(!text.contains(word), "{} uses {word}", path.display());
                }
            }
        }
    }
}

#[test]
fn annotate_refuses_slips_a_script_would_make() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("proj");
    let p = p.to_str().unwrap();
    assert!(lector(&["new", p]).status.success());
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "Christina Kitova skriver om Lukashenko i Minsk.").unwrap();
    assert!(
        lector(&["add", p, article.to_str().unwrap()])
            .status
            .success()
    );
    let base = ["annotate", p, "--document", "a", "--annotator", "anna"];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        lector(&args)
    };
    assert!(
        run(&[
            "--label",
            "Person",
            "--span",
            "0:16",
            "--entity",
            "Christina Kitova"
        ])
        .status
        .success()
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--label", "Person", "--span", "0:16"],
            "already has this Person annotation",
        ),
        (
            &[
                "--label",
                "Place",
                "--span",
                "41:46",
                "--entity",
                "Christina Kitova",
            ],
            "is a Place mention but links to \"Christina Kitova\", which is a Person",
        ),
        (
            &[
                "--label",
                "Claim",
                "--span",
                "0:46",
                "--attr",
                "verdict=supported",
                "--attr",
                "verdict=refuted",
            ],
            "--attr verdict is given twice",
        ),
        (
            &[
                "--label",
                "Prediction",
                "--span",
                "0:46",
                "--attr",
                "condition=",
            ],
            "--attr condition: the value is empty",
        ),
    ];
    for (extra, expected) in cases {
        let out = run(extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    let out = lector(&[
        "annotate",
        p,
        "--document",
        "a",
        "--annotator",
        "Anna",
        "--label",
        "Place",
        "--span",
        "41:46",
    ]);
    assert!(
        stderr(&out).contains("there is an annotator \"anna\" already"),
        "{}",
        stderr(&out)
    );
    let out = lector(&["check", p]);
    assert_eq!(
        stdout(&out),
        "ok: 1 document, 1 annotation file, 1 annotation, 1 annotator\n"
    );
}

/// The char offset of the first `needle` in the stored text of a document.
fn offset_of(project: &Path, document: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(project.join(format!("documents/{document}.txt")))
        .expect("the stored text");
    let byte = text.find(needle).expect("the needle is in the text");
    text[..byte].chars().count()
}

/// Issue "Import articles and annotations": a saved news page and a PDF are added from the
/// command line; what was guessed is said on stderr, a bad PDF is an error naming the file,
/// and annotations on the stored texts pass `check` and survive an export and import through
/// doccano's UTF-16 offsets (the page has an emoji before the annotations).
#[test]
fn add_html_and_pdf_articles_annotate_check_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    let p = project.to_str().unwrap();
    assert!(lector(&["new", p]).status.success());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles");
    let html = fixtures.join("sotji-news.html");
    let pdf = fixtures.join("sotji.pdf");
    let garbage = dir.path().join("broken.pdf");
    std::fs::write(&garbage, b"%PDF-1.7 garbage").unwrap();

    let out = lector(&[
        "add",
        p,
        html.to_str().unwrap(),
        garbage.to_str().unwrap(),
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "one of three failed");
    assert_eq!(
        stdout(&out),
        "sotji-news\tPutin och Lukasjenko möts i Sotji\nsotji\tPutin och Lukasjenko möts i Sotji\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "warning: {}: kept the <article> element; dropped 12 boilerplate blocks",
            html.display()
        )),
        "{err}"
    );
    let error_line = err.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(
        error_line.starts_with("error: cannot add the article: this is not a readable PDF")
            && error_line.ends_with(&format!(": {}", garbage.display())),
        "{err}"
    );
    assert!(err.contains("joined 2 words hyphenated"), "{err}");

    for (document, needle, label) in [
        ("sotji-news", "Lukasjenko sade", "Person"),
        (
            "sotji-news",
            "Det är troligt att samarbetet fördjupas",
            "Prediction",
        ),
        ("sotji", "EU-kommissionen", "Organization"),
    ] {
        let start = offset_of(&project, document, needle);
        let first_word = needle.split(' ').next().unwrap();
        let end = start
            + if label == "Prediction" {
                needle.chars().count()
            } else {
                first_word.chars().count()
            };
        let span = format!("{start}:{end}");
        let out = lector(&[
            "annotate",
            p,
            "--document",
            document,
            "--annotator",
            "anna",
            "--label",
            label,
            "--span",
            &span,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = lector(&["check", p]);
    assert_eq!(
        stdout(&out),
        "ok: 2 documents, 2 annotation files, 3 annotations, 1 annotator\n",
        "{}",
        stderr(&out)
    );

    let export = dir.path().join("doccano.jsonl");
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
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "bob",
        export.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for document in ["sotji-news", "sotji"] {
        let quotes = |annotator: &str| {
            let ron = std::fs::read_to_string(
                project.join(format!("annotations/{annotator}/{document}.ron")),
            )
            .unwrap();
            ron.lines()
                .filter(|l| l.contains("fragments:"))
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(quotes("bob"), quotes("anna"), "{document}");
        assert!(!quotes("anna").is_empty());
    }
    assert!(
        std::fs::read_to_string(project.join("annotations/anna/sotji.ron"))
            .unwrap()
            .contains("\"EU-kommissionen\"")
    );
    let out = lector(&["check", p]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// Copies a project folder.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder to copy into");
    for entry in std::fs::read_dir(from).expect("a folder to copy").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("a file copied");
        }
    }
}

/// `stats` without entity registries or imported suggestions counts labels on views of the
/// annotations (and, where the annotations' own entity links make suggestions, reads the
/// project whole after all): its counts, statuses and suggestions are those of the project
/// opened whole, with and without entity links.
#[test]
fn stats_counts_what_the_whole_project_has() {
    use lector::store::ProjectStore;
    use lector::suggest::{SuggestOptions, Suggester, source_counts};
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks");
    let tmp = tempfile::tempdir().unwrap();
    for unlink in [false, true] {
        let dir = tmp.path().join(format!("unlinked-{unlink}"));
        copy_dir(&sample, &dir);
        std::fs::remove_dir_all(dir.join("entities")).unwrap();
        if unlink {
            for entry in std::fs::read_dir(dir.join("annotations"))
                .unwrap()
                .flatten()
            {
                for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                    let s = std::fs::read_to_string(file.path()).unwrap();
                    let kept: Vec<&str> = s
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("entity: "))
                        .collect();
                    std::fs::write(file.path(), kept.join("\n") + "\n").unwrap();
                }
            }
        }
        let d = dir.to_str().unwrap();
        let out = lector(&["stats", d, "--json", "--partial"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (store, _) = ProjectStore::open(&dir).unwrap();
        let project = &store.project;
        let mut sets = 0;
        for ((document, annotator), set) in &project.sets {
            let doc = json["documents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == document.as_str())
                .unwrap();
            let counts = &doc["annotators"][annotator.as_str()];
            assert_eq!(counts["total"], set.len(), "{annotator}");
            assert_eq!(counts["status"], set.status.name(), "{annotator}");
            let mut labels = serde_json::Map::new();
            for a in set.iter() {
                let n = labels
                    .get(a.label.as_str())
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                labels.insert(a.label.to_string(), (n + 1).into());
            }
            assert_eq!(counts["labels"], serde_json::Value::Object(labels));
            sets += 1;
        }
        assert!(sets >= 2);
        let suggester = Suggester::new(project, SuggestOptions::default());
        let sources = source_counts(project, &suggester);
        assert_eq!(!sources.is_empty(), !unlink, "links make suggestions");
        assert_eq!(json["suggestions"], serde_json::to_value(&sources).unwrap());
    }
}

#[test]
fn a_project_path_that_is_missing_or_a_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("proj3ct");
    let out = lector(&["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("there is no such folder: "),
        "{}",
        stderr(&out)
    );
    let file = dir.path().join("labels.csv");
    std::fs::write(&file, "a,b\n").unwrap();
    let out = lector(&["stats", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("this is a file, not a project folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_edited_text_is_named_before_the_hundreds_of_quotes_it_breaks() {
    let (_dir, project) = common::sample_project_copy();
    let text = project.join("documents/sotji-talks.txt");
    let edited = format!("X{}", std::fs::read_to_string(&text).unwrap());
    std::fs::write(&text, edited).unwrap();
    let out = lector(&["check", project.to_str().unwrap()]);
    let err = format!("{}{}", stdout(&out), stderr(&out));
    // The first line that names a file (after the count).
    let first = err
        .lines()
        .find(|line| line.contains("sotji-talks"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        first.contains("the text no longer matches its SHA-256")
            && first.contains("lector check --reanchor"),
        "{first}"
    );
    assert!(
        err.lines().count() > 100,
        "and the quotes it breaks after it"
    );
}
