//! Working with the tools analysts and NLP teams already use (issue 12): label mapping on
//! import, articles fetched from the web (against an HTTP server on the loopback address that
//! the test starts), spaCy training data read back by spaCy and accepted by `spacy debug
//! data`, tokens for Chinese, Japanese and Thai, and the Label Studio export's annotators.
//!
//! The running Label Studio, doccano and Chromium are in `tests/real_tools.rs`.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;
use common::{lector, stderr, stdout};

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

/// The interpreter with the reference readers: `LECTOR_PYTHON`, else target/pyenv.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LECTOR_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        venv.exists(),
        "these tests read exports with Python reference readers: run scripts/test.sh \
         (it creates target/pyenv from tests/py/requirements*.txt), or set LECTOR_PYTHON"
    );
    venv
}

fn run_py(script: &str, args: &[&Path], extra: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python())
        .arg(&script)
        .args(args)
        .args(extra)
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

// ---------------------------------------------------------------------------------------
// Label mapping on import.

/// doccano's own names for Lector's labels, as a team using doccano names them.
const DOCCANO_NAMES: [(&str, &str); 7] = [
    ("Person", "PERSON"),
    ("Organization", "ORG"),
    ("Place", "LOC"),
    ("Event", "EVENT"),
    ("Other", "MISC"),
    ("Claim", "CLAIM"),
    ("Prediction", "PREDICTION"),
];

/// anna's work on the sample project as a doccano JSONL file with doccano's label names.
fn doccano_file_with_own_names(project: &Path, dir: &Path) -> (PathBuf, Vec<(String, usize)>) {
    let export = dir.join("anna.doccano.jsonl");
    let out = lector(&[
        "export",
        project.to_str().unwrap(),
        "--format",
        "doccano",
        "--annotator",
        "anna",
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut lines = Vec::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for line in std::fs::read_to_string(&export).unwrap().lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        for span in v["label"].as_array_mut().unwrap() {
            let lector_name = span[2].as_str().unwrap().to_owned();
            let name = DOCCANO_NAMES
                .iter()
                .find(|(l, _)| *l == lector_name)
                .unwrap()
                .1;
            span[2] = json!(name);
            *counts.entry(name.to_owned()).or_default() += 1;
        }
        lines.push(v.to_string());
    }
    let file = dir.join("doccano-names.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    (file, counts.into_iter().collect())
}

fn labels_of(project: &Path, annotator: &str) -> std::collections::BTreeMap<String, usize> {
    let (store, _) = lector::store::ProjectStore::open(project).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for ((_, who), set) in &store.project.sets {
        if who == annotator {
            for a in set.iter() {
                *out.entry(a.label.to_string()).or_default() += 1;
            }
        }
    }
    out
}

#[test]
fn doccano_labels_match_by_case_and_the_rest_are_grouped_with_how_to_map_them() {
    let (dir, project) = common::sample_project_copy();
    let p = project.to_str().unwrap();
    let (file, counts) = doccano_file_with_own_names(&project, dir.path());
    let count = |name: &str| counts.iter().find(|(n, _)| n == name).map_or(0, |c| c.1);
    let total: usize = counts.iter().map(|c| c.1).sum();
    assert!(total > 100, "{counts:?}");

    // PERSON, EVENT, CLAIM, PREDICTION are Person, Event, Claim, Prediction; ORG, LOC and
    // MISC are not in the schema: one line each with the count, then how to map them.
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "dora",
        file.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let skipped: Vec<&str> = err.lines().filter(|l| l.starts_with("skipped:")).collect();
    assert_eq!(
        skipped.len(),
        4,
        "one line per unknown label and the advice:\n{err}"
    );
    for name in ["LOC", "MISC", "ORG"] {
        let n = count(name);
        assert!(
            err.contains(&format!(
                "label \"{name}\" is not in the project's schema: {n} span{} skipped",
                if n == 1 { "" } else { "s" }
            )),
            "{name}: {err}"
        );
    }
    assert!(
        err.contains("map them with --map LOC=<label> --map MISC=<label> --map ORG=<label> (the project's labels: Person, Organization, Place, Event, Other, Claim, Prediction), or add them to the schema with --add-labels"),
        "{err}"
    );
    assert!(err.contains("mapped: PERSON → Person"), "{err}");
    let imported = labels_of(&project, "dora");
    assert_eq!(
        imported.get("Person"),
        Some(&count("PERSON")),
        "{imported:?}"
    );
    assert_eq!(imported.get("Claim"), Some(&count("CLAIM")));
    assert_eq!(imported.get("Prediction"), Some(&count("PREDICTION")));
    assert_eq!(imported.get("Event"), Some(&count("EVENT")));
    assert!(!imported.contains_key("Organization"));
    assert!(!imported.contains_key("Place"));

    // --map takes the rest; the target is matched ignoring case too.
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "dora2",
        "--map",
        "ORG=Organization",
        "--map",
        "LOC=place",
        "--map",
        "MISC=Other",
        file.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("skipped:"), "{err}");
    assert!(err.contains("mapped: ORG → Organization"), "{err}");
    assert!(
        stdout(&out).starts_with(&format!("imported {total} annotations")),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        labels_of(&project, "dora2").get("Place"),
        Some(&count("LOC"))
    );

    // A target the schema lacks, without --add-labels: an error naming it; nothing imported.
    let before = std::fs::read(project.join("project.ron")).unwrap();
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "dora3",
        "--map",
        "ORG=Company",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--map ORG=Company: the project's schema has no label \"Company\" (it has Person, Organization, Place, Event, Other, Claim, Prediction); add --add-labels to add it"),
        "{}",
        stderr(&out)
    );
    assert!(labels_of(&project, "dora3").is_empty());
    assert_eq!(std::fs::read(project.join("project.ron")).unwrap(), before);
}

#[test]
fn add_labels_extends_the_schema_with_the_kinds_given() {
    let (dir, project) = common::sample_project_copy();
    let p = project.to_str().unwrap();
    let (file, counts) = doccano_file_with_own_names(&project, dir.path());
    let count = |name: &str| counts.iter().find(|(n, _)| n == name).map_or(0, |c| c.1);
    // CLAIM would be Claim by case: a rule for it wins, and makes a new claim label.
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "dora",
        "--add-labels",
        "--map",
        "CLAIM=Assertion:claim",
        "--map",
        "ORG=Organization",
        file.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for line in [
        "added label \"Assertion\" (claim) to the schema",
        "added label \"LOC\" (entity) to the schema",
        "added label \"MISC\" (entity) to the schema",
    ] {
        assert!(err.contains(line), "{line}: {err}");
    }
    // Saved: a new reader of the project sees the labels with their kinds and colours.
    let (store, problems) = lector::store::ProjectStore::open(&project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let schema = &store.project.schema;
    let assertion = schema.label("Assertion").unwrap();
    assert_eq!(assertion.kind, lector::model::LabelKind::Claim);
    assert_eq!(
        schema.label("LOC").unwrap().kind,
        lector::model::LabelKind::Entity
    );
    let colours: std::collections::BTreeSet<String> =
        schema.labels.iter().map(|l| l.color.to_string()).collect();
    assert_eq!(
        colours.len(),
        schema.labels.len(),
        "each label its own colour"
    );
    let imported = labels_of(&project, "dora");
    assert_eq!(imported.get("Assertion"), Some(&count("CLAIM")));
    assert_eq!(imported.get("LOC"), Some(&count("LOC")));
    assert_eq!(imported.get("Event"), Some(&count("EVENT")));
    assert_eq!(imported.get("Organization"), Some(&count("ORG")));
    // `lector check` is happy with the new labels.
    let out = lector(&["check", p]);
    assert!(out.status.success(), "{}", stdout(&out));
    // Importing again with --add-labels alone: ORG, not mapped this time, is added; LOC and
    // MISC are there already, and CLAIM is Claim by case.
    let out = lector(&[
        "import",
        p,
        "--format",
        "doccano",
        "--annotator",
        "dora2",
        "--add-labels",
        file.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("added label").count(), 1, "{err}");
    assert!(
        err.contains("added label \"ORG\" (entity) to the schema"),
        "{err}"
    );
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    assert_eq!(store.project.schema.labels.len(), schema.labels.len() + 1);
}

/// What the app's Import dialog shows and does (the dialog itself is UI; this is the domain
/// API it calls): before anything is imported, the file's labels the schema lacks, each with
/// its count and a proposed label; the analyst's choices then import as `--map` would.
#[test]
fn the_import_dialog_lists_unknown_labels_with_counts_and_a_proposed_label() {
    use lector::formats::mapping::{self, LabelChoice};
    let (dir, project) = common::sample_project_copy();
    let (file, counts) = doccano_file_with_own_names(&project, dir.path());
    let count = |name: &str| counts.iter().find(|(n, _)| n == name).map_or(0, |c| c.1);
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    let read = |project: &lector::model::Project| {
        lector::formats::import::read(lector::formats::Format::Doccano, project, &file, "dora")
            .unwrap()
    };
    // PERSON, EVENT, CLAIM and PREDICTION are the schema's labels but for case: not asked.
    let rows = mapping::label_choices(&store.project.schema, &read(&store.project));
    let row = |label: &str, to: &str| LabelChoice {
        label: label.to_owned(),
        count: count(label),
        suggested: Some(to.to_owned()),
    };
    assert_eq!(
        rows,
        [
            row("LOC", "Place"),
            row("MISC", "Other"),
            row("ORG", "Organization")
        ]
    );
    assert_eq!(
        mapping::suggest(&store.project.schema, "GPE").as_deref(),
        Some("Place")
    );
    assert_eq!(
        mapping::suggest(&store.project.schema, "Org").as_deref(),
        Some("Organization")
    );
    assert_eq!(mapping::suggest(&store.project.schema, "SENTIMENT"), None);

    // The analyst keeps two proposals and skips MISC: nothing is imported until the plan's
    // edits are applied, and the skipped label is reported with its count.
    let choices = vec![
        ("LOC".to_owned(), Some(("Place".to_owned(), None))),
        ("MISC".to_owned(), None),
        ("ORG".to_owned(), Some(("Organization".to_owned(), None))),
    ];
    let request = mapping::request_from_choices(&choices);
    let planned =
        mapping::plan_import(&store.project, "dora", read(&store.project), &request).unwrap();
    assert!(planned.new_labels.is_empty());
    assert_eq!(planned.skipped_count(), count("MISC"));
    assert!(
        labels_of(&project, "dora").is_empty(),
        "planning imports nothing"
    );
    let mut session = lector::session::Session::headless(store, "dora");
    for (document, group) in planned.plan.edits {
        session.apply(&document, group).unwrap();
    }
    assert!(session.save_now().is_empty());
    let imported = labels_of(&project, "dora");
    assert_eq!(imported.get("Place"), Some(&count("LOC")));
    assert_eq!(imported.get("Organization"), Some(&count("ORG")));
    assert_eq!(imported.get("Person"), Some(&count("PERSON")));
    assert!(!imported.contains_key("Other") && !imported.contains_key("MISC"));

    // "Add as a new label": MISC becomes a label of its own, to be added to the schema first.
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    // "Add as a new label" for MISC (a claim label here), "skip" for LOC.
    let choices = vec![
        ("LOC".to_owned(), None),
        (
            "MISC".to_owned(),
            Some((
                "Miscellaneous".to_owned(),
                Some(lector::model::LabelKind::Claim),
            )),
        ),
        ("ORG".to_owned(), Some(("Organization".to_owned(), None))),
    ];
    let request = mapping::request_from_choices(&choices);
    let planned =
        mapping::plan_import(&store.project, "dora3", read(&store.project), &request).unwrap();
    let added: Vec<(&str, lector::model::LabelKind)> = planned
        .new_labels
        .iter()
        .map(|l| (l.name.as_str(), l.kind))
        .collect();
    assert_eq!(added, [("Miscellaneous", lector::model::LabelKind::Claim)]);
    assert_eq!(planned.skipped_count(), count("LOC"));
    drop(dir);
}

// ---------------------------------------------------------------------------------------
// Articles from the web, against a server on the loopback address.

/// A small HTTP/1.1 server on 127.0.0.1 for the fetch tests; every connection is answered
/// on a thread of its own and closed. Stops when the test ends (the listener is dropped with
/// the process; each handler ends by itself within seconds).
struct Server {
    port: u16,
}

const STORY: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Site · Putin möter Lukasjenko</title>\
<meta property=\"article:published_time\" content=\"2021-02-22T08:00:00Z\"></head><body>\
<nav><a href=\"/\">Hem</a> <a href=\"/sport\">Sport</a></nav>\
<article><h1>Putin möter Lukasjenko i Sotji</h1>\
<p>Rysslands president Vladimir Putin tar emot Alexander Lukasjenko i Sotji på måndagen.</p>\
<p>Lukasjenko räknar med att få ekonomiskt stöd från Ryssland.</p></article>\
<footer>© Tidningen</footer></body></html>";

fn respond(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request).into_owned();
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let send = |stream: &mut TcpStream, head: &str, body: &[u8]| {
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        let _ = stream.write_all(body);
    };
    match path.as_str() {
        "/story" => send(
            &mut stream,
            "200 OK\r\nContent-Type: text/html; charset=utf-8",
            STORY.as_bytes(),
        ),
        "/moved" => send(
            &mut stream,
            "301 Moved Permanently\r\nLocation: /story",
            b"",
        ),
        "/loop" => send(&mut stream, "302 Found\r\nLocation: /loop", b""),
        "/missing" => send(
            &mut stream,
            "404 Not Found\r\nContent-Type: text/html",
            b"<h1>Not found</h1>",
        ),
        "/latin1" => {
            // The page says UTF-8; the server, rightly, says Windows-1252.
            let mut body =
                b"<html><head><meta charset=\"utf-8\"></head><body><article><h1>Caf".to_vec();
            body.extend_from_slice(b"\xE9 i Sotji</h1><p>Lukasjenko dricker caf\xE9 au lait med Putin, \xAB s\xE4ger \xBB k\xE4llan.</p></article></body></html>");
            send(
                &mut stream,
                "200 OK\r\nContent-Type: text/html; charset=windows-1252",
                &body,
            );
        }
        "/picture.png" => send(
            &mut stream,
            "200 OK\r\nContent-Type: image/png",
            b"\x89PNG\r\n\x1a\n",
        ),
        "/slow" => {
            // Headers never come.
            std::thread::sleep(Duration::from_secs(6));
        }
        "/huge" => {
            // Says 50 MB up front: refused before the body is read.
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n<html><body><p>",
            );
        }
        "/huge-chunked" => {
            // 50 MB without saying so: refused once the limit is passed.
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b'a'; 1 << 20];
            for _ in 0..50 {
                let head = format!("{:x}\r\n", chunk.len());
                if stream.write_all(head.as_bytes()).is_err()
                    || stream.write_all(&chunk).is_err()
                    || stream.write_all(b"\r\n").is_err()
                {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        }
        _ => send(&mut stream, "404 Not Found", b""),
    }
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || respond(stream));
            }
        });
        Self { port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// A new project, and what its project.ron and documents are before a failed add.
fn new_project(dir: &Path) -> PathBuf {
    let project = dir.join("web");
    let out = lector(&["new", project.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    project
}

fn snapshot(project: &Path) -> (Vec<u8>, usize) {
    let documents = std::fs::read_dir(project.join("documents"))
        .map(|d| d.count())
        .unwrap_or(0);
    (
        std::fs::read(project.join("project.ron")).unwrap(),
        documents,
    )
}

#[test]
fn a_page_is_fetched_through_a_redirect_and_recorded_with_its_address() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path());
    let p = project.to_str().unwrap();
    let out = lector(&["add", p, &server.url("/moved")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "story\tPutin möter Lukasjenko i Sotji\n");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("fetched {} (web page,", server.url("/story"))),
        "{err}"
    );
    assert!(err.contains("publication date 2021-02-22"), "{err}");
    let (store, problems) = lector::store::ProjectStore::open(&project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let doc = store.project.document("story").unwrap();
    assert_eq!(
        doc.meta.source_url.as_deref(),
        Some(server.url("/story").as_str())
    );
    let fetched = doc.meta.fetched.unwrap();
    assert!(
        jiff::Timestamp::now()
            .duration_since(fetched)
            .as_secs()
            .abs()
            < 120
    );
    assert_eq!(doc.meta.source_file, "story.html");
    let text = doc.text.as_str();
    assert!(
        text.starts_with("Putin möter Lukasjenko i Sotji\n\nRysslands president"),
        "{text}"
    );
    assert!(
        !text.contains("Sport") && !text.contains("Tidningen"),
        "{text}"
    );
    let ron = std::fs::read_to_string(project.join("project.ron")).unwrap();
    assert!(
        ron.contains(&format!("source_url: Some(\"{}\")", server.url("/story"))),
        "{ron}"
    );
    assert!(ron.contains("fetched: Some(\""), "{ron}");

    // Exports that have a place for the source carry it.
    let out = lector(&[
        "annotate",
        p,
        "--document",
        "story",
        "--annotator",
        "anna",
        "--label",
        "Person",
        "--span",
        "0:5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let w3c = dir.path().join("w3c.jsonld");
    let out = lector(&[
        "export",
        p,
        "--format",
        "w3c",
        "--out",
        w3c.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page: Value = serde_json::from_slice(&std::fs::read(&w3c).unwrap()).unwrap();
    let target = &page["items"][0]["target"];
    assert_eq!(target["source"], json!(server.url("/story")));
    assert_eq!(target["scope"], json!("urn:lector:document:story"));
    assert_eq!(target["state"]["type"], json!("TimeState"));
    assert_eq!(target["state"]["sourceDate"], json!(fetched.to_string()));
    let ls = dir.path().join("ls");
    let out = lector(&[
        "export",
        p,
        "--format",
        "label-studio",
        "--out",
        ls.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tasks: Value =
        serde_json::from_slice(&std::fs::read(ls.join("tasks.json")).unwrap()).unwrap();
    assert_eq!(tasks[0]["data"]["source_url"], json!(server.url("/story")));
    assert_eq!(tasks[0]["data"]["fetched"], json!(fetched.to_string()));
    let xmi = dir.path().join("xmi");
    let out = lector(&[
        "export",
        p,
        "--format",
        "xmi",
        "--out",
        xmi.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cas = std::fs::read_to_string(xmi.join("anna/story.xmi")).unwrap();
    assert!(
        cas.contains(&format!("documentUri=\"{}\"", server.url("/story"))),
        "{cas}"
    );
    let html = dir.path().join("report.html");
    let out = lector(&[
        "export",
        p,
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = std::fs::read_to_string(&html).unwrap();
    assert!(
        report.contains(&format!(
            "Source <a href=\"{0}\" rel=\"noreferrer\">{0}</a>, fetched ",
            server.url("/story")
        )),
        "source in the report"
    );
    // And the W3C import finds the document again by its address.
    let out = lector(&[
        "import",
        p,
        "--format",
        "w3c",
        "--annotator",
        "bo",
        w3c.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("imported 1 annotation into 1 document"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_servers_charset_is_honoured() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path());
    let out = lector(&["add", project.to_str().unwrap(), &server.url("/latin1")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    let doc = &store.project.documents[0];
    assert_eq!(doc.meta.title, "Café i Sotji");
    assert!(
        doc.text
            .as_str()
            .contains("dricker café au lait med Putin, « säger » källan."),
        "{}",
        doc.text.as_str()
    );
}

#[test]
fn fetch_errors_are_clear_and_add_nothing() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path());
    let p = project.to_str().unwrap();
    // A port nothing listens on: as good as no network.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let closed_url = format!("http://127.0.0.1:{closed}/story");
    let cases: Vec<(String, Vec<&str>, String)> = vec![
        (
            server.url("/missing"),
            vec![],
            format!(
                "{}: the server answered 404 (not found)",
                server.url("/missing")
            ),
        ),
        (
            server.url("/picture.png"),
            vec![],
            format!(
                "{}: this is image/png, not a web page (HTML) or a PDF",
                server.url("/picture.png")
            ),
        ),
        (
            server.url("/huge"),
            vec![],
            format!(
                "{}: the article is larger than 32 MiB, the most Lector fetches (the server says 50 MiB)",
                server.url("/huge")
            ),
        ),
        (
            server.url("/huge-chunked"),
            vec![],
            format!(
                "{}: the article is larger than 32 MiB, the most Lector fetches",
                server.url("/huge-chunked")
            ),
        ),
        (
            server.url("/slow"),
            vec!["--timeout", "1"],
            format!(
                "{}: no complete answer within 1 s; stopped",
                server.url("/slow")
            ),
        ),
        (
            server.url("/loop"),
            vec![],
            "redirected more than 10 times (a redirect loop?)".to_owned(),
        ),
        (
            closed_url.clone(),
            vec![],
            format!("{closed_url}: could not connect"),
        ),
    ];
    for (url, extra, expected) in cases {
        let before = snapshot(&project);
        let mut args = vec!["add", p, url.as_str()];
        args.extend(extra);
        let started = std::time::Instant::now();
        let out = lector(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{url}: {err}");
        assert!(
            err.contains(&format!("error: cannot add the article: {expected}"))
                || err.contains(&expected),
            "{url}: expected {expected:?} in:\n{err}"
        );
        assert!(stdout(&out).is_empty(), "{url}");
        assert_eq!(snapshot(&project), before, "{url}: something was added");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{url}: took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn pasted_text_becomes_a_document_titled_by_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path());
    let (mut store, _) = lector::store::ProjectStore::open(&project).unwrap();
    let id = store
        .add_pasted(
            "\r\n  Putin möter Lukasjenko\r\nRysslands president tar emot\u{0007} honom.\r\n",
        )
        .unwrap();
    let doc = store.project.document(&id).unwrap();
    assert_eq!(doc.meta.title, "Putin möter Lukasjenko");
    assert_eq!(
        doc.text.as_str(),
        "\n  Putin möter Lukasjenko\nRysslands president tar emot honom.\n"
    );
    assert!(store.add_pasted(" \n\t ").is_err());
}

/// `lector add DIR -` makes a document of standard input as the app's Paste as article does:
/// the first line that is not blank is the title.
#[test]
fn text_from_standard_input_is_added_as_pasted() {
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path());
    let add_stdin = |text: &[u8], extra: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lector"))
            .args(["add", project.to_str().unwrap(), "-"])
            .args(extra)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add_stdin(
        "\n  Putin möter Lukasjenko\r\nRysslands president tar emot honom.\n".as_bytes(),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "putin-möter-lukasjenko\tPutin möter Lukasjenko\n"
    );
    let out = add_stdin(
        b"Putin m\xc3\xb6ter Lukasjenko\nIgen.\n",
        &["--published", "2021-02-22"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "putin-möter-lukasjenko-2\tPutin möter Lukasjenko\n"
    );
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    let doc = store.project.document("putin-möter-lukasjenko").unwrap();
    assert_eq!(
        doc.text.as_str(),
        "\n  Putin möter Lukasjenko\nRysslands president tar emot honom.\n"
    );
    assert_eq!(
        store
            .project
            .document("putin-möter-lukasjenko-2")
            .unwrap()
            .meta
            .published
            .map(|d| d.to_string()),
        Some("2021-02-22".to_owned())
    );
    // Nothing but whitespace, or not UTF-8: an error, and nothing added.
    for bad in [&b" \n\t "[..], &b"caf\xe9\n"[..]] {
        let out = add_stdin(bad, &[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    }
    let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
    assert_eq!(store.project.documents.len(), 2);
}

// ---------------------------------------------------------------------------------------
// spaCy training data.

/// A project of `n` short Swedish articles, each with people and places tagged by anna, and
/// a claim.
fn training_project(dir: &Path, n: usize) -> PathBuf {
    let project = dir.join("train");
    let mut store = lector::store::ProjectStore::create(&project, "Train").unwrap();
    let people = [
        "Vladimir Putin",
        "Alexander Lukasjenko",
        "Svetlana Tichanovskaja",
        "Angela Merkel",
    ];
    let places = ["Sotji", "Minsk", "Moskva", "Berlin", "Vitryssland"];
    for i in 0..n {
        let who = people[i % people.len()];
        let other = people[(i + 1) % people.len()];
        let place = places[i % places.len()];
        let text = format!(
            "{who} träffade {other} i {place} den {}.\u{A0}Mötet varade i {} timmar, sade källan.\n\n\
             Enligt {other} var samtalen ”konstruktiva” och {place} ska få stöd.",
            i % 28 + 1,
            i % 9 + 1
        );
        let id = store
            .add_text(
                &format!("artikel-{i}.txt"),
                &format!("Artikel {i}"),
                text.clone(),
            )
            .unwrap();
        let doc_text = &store.project.document(&id).unwrap().text.clone();
        let chars: Vec<char> = text.chars().collect();
        let find = |needle: &str, from: usize| -> (u32, u32) {
            let n: Vec<char> = needle.chars().collect();
            let at = (from..chars.len())
                .find(|&k| chars[k..].starts_with(&n))
                .unwrap();
            (at as u32, (at + n.len()) as u32)
        };
        let mut add = |label: &str, span: (u32, u32)| {
            let f = lector::model::checked_fragments(doc_text, &[span]).unwrap();
            store
                .project
                .set_mut(&id, "anna")
                .insert(lector::model::Annotation::new(label, f));
        };
        add("Person", find(who, 0));
        let o = find(other, 0);
        add("Person", o);
        add("Place", find(place, 0));
        add("Person", find(other, o.1 as usize));
        let claim_start = find("samtalen", 0).0;
        add("Claim", (claim_start, find("”konstruktiva”", 0).1));
        store.save_set(&id, "anna").unwrap();
    }
    project
}

#[test]
fn docbin_reads_back_in_spacy_and_passes_spacy_debug_data() {
    let dir = tempfile::tempdir().unwrap();
    // spacy debug data wants at least 100 training examples.
    let project = training_project(dir.path(), 130);
    let p = project.to_str().unwrap();
    let train = dir.path().join("corpus/train.spacy");
    let out = lector(&[
        "export",
        p,
        "--format",
        "spacy-docbin",
        "--split",
        "0.8",
        "--out",
        train.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dev = dir.path().join("corpus/dev.spacy");
    assert!(
        stderr(&out).contains(&format!(
            "split by document: 104 in {} (training), 26 in {} (dev)",
            train.display(),
            dev.display()
        )),
        "{}",
        stderr(&out)
    );
    // The same selection as Doc.to_json lines: the DocBin must hold the same docs.
    let json = dir.path().join("all.jsonl");
    let out = lector(&[
        "export",
        p,
        "--format",
        "spacy",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = run_py("check_docbin.py", &[&train, &dev, &json], &["sv"]);
    assert!(
        report.contains("docbin ok: 104 train docs, 26 dev docs"),
        "{report}"
    );
    assert!(report.contains("spacy debug data ok"), "{report}");
}

#[test]
fn docbin_of_the_sample_project_keeps_every_annotation() {
    let (dir, project) = common::sample_project_copy();
    let p = project.to_str().unwrap();
    let bin = dir.path().join("sotji.spacy");
    let out = lector(&[
        "export",
        p,
        "--format",
        "spacy-docbin",
        "--out",
        bin.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    // What spaCy cannot hold is listed, as for the JSON export.
    assert!(
        err.contains("entity mentions left out of ents because they overlap another"),
        "{err}"
    );
    assert!(err.contains("attributes dropped"), "{err}");
    let json = dir.path().join("sotji.jsonl");
    let out = lector(&[
        "export",
        p,
        "--format",
        "spacy",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report = run_py("check_docbin.py", &[&bin, Path::new("-"), &json], &["sv"]);
    assert!(report.contains("docbin ok: 2 train docs"), "{report}");
    // --split needs a file to write beside.
    let out = lector(&[
        "export",
        p,
        "--format",
        "spacy-docbin",
        "--split",
        "0.5",
        "--out",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--split writes two files"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------
// Tokens for every script.

#[test]
fn chinese_japanese_and_thai_are_tokenised_by_word_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("cjk");
    let mut store = lector::store::ProjectStore::create(&project, "CJK").unwrap();
    let texts = [
        (
            "zh",
            "普京在索契会见卢卡申科。俄罗斯将提供贷款。",
            "卢卡申科",
        ),
        (
            "ja",
            "プーチン大統領はソチでルカシェンコ氏と会談した。",
            "ルカシェンコ",
        ),
        ("th", "ปูตินพบกับลูกาเชนโกที่โซชี", "ลูกาเชนโก"),
    ];
    for (id, text, person) in texts {
        let id = store
            .add_text(&format!("{id}.txt"), id, text.to_owned())
            .unwrap();
        let doc_text = store.project.document(&id).unwrap().text.clone();
        let start = text.find(person).unwrap();
        let s = text[..start].chars().count() as u32;
        let e = s + person.chars().count() as u32;
        let f = lector::model::checked_fragments(&doc_text, &[(s, e)]).unwrap();
        store
            .project
            .set_mut(&id, "anna")
            .insert(lector::model::Annotation::new("Person", f));
        store.save_set(&id, "anna").unwrap();
    }
    let p = project.to_str().unwrap();
    let conll = dir.path().join("out.conll");
    let out = lector(&[
        "export",
        p,
        "--format",
        "conll",
        "--out",
        conll.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let conll = std::fs::read_to_string(&conll).unwrap();
    let docs: Vec<Vec<(String, String)>> = conll
        .split("-DOCSTART-\tO\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            d.lines()
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let (t, tag) = l.split_once('\t').unwrap();
                    (t.to_owned(), tag.to_owned())
                })
                .collect()
        })
        .collect();
    assert_eq!(docs.len(), 3, "{conll}");
    let tagged = |doc: &[(String, String)]| -> Vec<String> {
        doc.iter()
            .filter(|(_, tag)| tag != "O")
            .map(|(t, tag)| format!("{t}/{tag}"))
            .collect()
    };
    // Chinese: a token per character, as spaCy's Chinese tokenizer does by default.
    assert_eq!(docs[0].len(), 21, "{:?}", docs[0]);
    assert_eq!(
        tagged(&docs[0]),
        ["卢/B-Person", "卡/I-Person", "申/I-Person", "科/I-Person"]
    );
    // Japanese: katakana runs are words; the name is one token.
    assert!(docs[1].len() > 10, "{:?}", docs[1]);
    assert_eq!(tagged(&docs[1]), ["ルカシェンコ/B-Person"]);
    assert!(docs[1].iter().any(|(t, _)| t == "プーチン"));
    // Thai: character clusters (no dictionary), never the whole line.
    assert!(docs[2].len() > 10, "{:?}", docs[2]);
    let thai = tagged(&docs[2]);
    assert!(thai.len() > 1 && thai[0].ends_with("/B-Person"), "{thai:?}");
    let joined: String = thai.iter().map(|t| t.split('/').next().unwrap()).collect();
    assert_eq!(joined, "ลูกาเชนโก");
    // spaCy reads the same tokens from the JSON and DocBin exports.
    let json = dir.path().join("cjk.jsonl");
    let bin = dir.path().join("cjk.spacy");
    assert!(
        lector(&[
            "export",
            p,
            "--format",
            "spacy",
            "--out",
            json.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        lector(&[
            "export",
            p,
            "--format",
            "spacy-docbin",
            "--out",
            bin.to_str().unwrap()
        ])
        .status
        .success()
    );
    let report = run_py("check_docbin.py", &[&bin, Path::new("-"), &json], &["xx"]);
    assert!(report.contains("docbin ok: 3 train docs"), "{report}");
}

// ---------------------------------------------------------------------------------------
// Label Studio: annotators.

#[test]
fn label_studio_export_names_only_mapped_users_and_round_trips_by_meta() {
    let (dir, project) = common::sample_project_copy();
    let p = project.to_str().unwrap();
    let out_dir = dir.path().join("ls");
    let out = lector(&[
        "export",
        p,
        "--format",
        "label-studio",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tasks: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("tasks.json")).unwrap()).unwrap();
    for entry in tasks[0]["annotations"].as_array().unwrap() {
        assert!(entry.get("completed_by").is_none(), "{entry}");
        let who = entry["result"][0]["meta"]["lector_annotator"]
            .as_str()
            .unwrap();
        assert!(["anna", "erik"].contains(&who));
    }
    // Mapped to a Label Studio user's address.
    let mapped = dir.path().join("ls-mapped");
    let out = lector(&[
        "export",
        p,
        "--format",
        "label-studio",
        "--ls-user",
        "anna=anna@example.org",
        "--out",
        mapped.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tasks: Value =
        serde_json::from_slice(&std::fs::read(mapped.join("tasks.json")).unwrap()).unwrap();
    let by: Vec<Option<&str>> = tasks[0]["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["completed_by"]["email"].as_str())
        .collect();
    assert_eq!(by, [Some("anna@example.org"), None]);
    // A mapping for someone who is not in the export, or without an address, is an error.
    for bad in ["nobody=n@example.org", "anna"] {
        let out = lector(&[
            "export",
            p,
            "--format",
            "label-studio",
            "--ls-user",
            bad,
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    // Each annotator's entry is found again by its meta, after Label Studio replaced
    // completed_by with its own user's id.
    let mut tasks = tasks;
    for entry in tasks[0]["annotations"].as_array_mut().unwrap() {
        entry["completed_by"] = json!(1);
    }
    let file = dir.path().join("from-ls.json");
    std::fs::write(&file, tasks.to_string()).unwrap();
    let (copy_dir, copy) = common::sample_project_copy();
    std::fs::remove_dir_all(copy.join("annotations/erik")).unwrap();
    let out = lector(&[
        "import",
        copy.to_str().unwrap(),
        "--format",
        "label-studio",
        "--annotator",
        "erik",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    drop(copy_dir);
    let (original, _) = lector::store::ProjectStore::open(&project).unwrap();
    let erik = original
        .project
        .set("sotji-talks", "erik")
        .unwrap()
        .annotations()
        .len();
    assert!(
        stdout(&out).starts_with(&format!("imported {erik} annotations")),
        "{}",
        stdout(&out)
    );
}
