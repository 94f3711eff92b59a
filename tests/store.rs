//! The project on disk: save and load round-trips, atomic saves, and every kind of bad input
//! getting a clear message while no file changes.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use lector::model::{Annotation, AttrValue, Entity, EntityId, Status, checked_fragments};
use lector::store::{ProjectStore, StoreError, set_path};
use proptest::prelude::*;

/// Every file under `dir` with its bytes, to prove that nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// A project with one document and one annotator's annotations: a person linked to an
/// entity, a prediction nesting it with attributes, and a discontinuous claim.
fn sample(dir: &Path) -> ProjectStore {
    let mut store = ProjectStore::create(dir, "Test").unwrap();
    let text = "Putin möter Lukashenko 👍🏽 i Sotji.\r\nDet är troligt, Lukashenko kan få mer än en miljard dollar, om han samarbetar.\n";
    let article = dir.join("article.txt");
    fs::write(&article, text).unwrap();
    let (id, warnings) = store.add_article(&article, None).unwrap();
    assert_eq!(id, "article");
    assert!(warnings.is_empty());
    let doc_text = store.project.document("article").unwrap().text.clone();
    assert!(!doc_text.as_str().contains('\r'), "CRLF is stored as LF");

    store
        .project
        .entities
        .entry("anna".into())
        .or_default()
        .upsert(Entity {
            id: EntityId("alexander-lukashenko".into()),
            name: "Alexander Lukashenko".into(),
            label: "Person".into(),
            note: String::new(),
        });
    let set = store.project.set_mut("article", "anna");
    set.status = Status::InProgress;
    let mut person = Annotation::new("Person", checked_fragments(&doc_text, &[(12, 22)]).unwrap());
    person.entity = Some(EntityId("alexander-lukashenko".into()));
    let mut prediction = Annotation::new(
        "Prediction",
        checked_fragments(&doc_text, &[(36, 112)]).unwrap(),
    );
    prediction
        .attributes
        .insert("certainty".into(), AttrValue::Choice("probable".into()));
    prediction.attributes.insert(
        "condition".into(),
        AttrValue::Text("om han samarbetar".into()),
    );
    prediction.attributes.insert(
        "holder".into(),
        AttrValue::Entity(EntityId("alexander-lukashenko".into())),
    );
    prediction
        .attributes
        .insert("due".into(), AttrValue::Date("2027-03-01".parse().unwrap()));
    prediction.note = "Outer cue \"Det är troligt\" governs.".into();
    let claim = Annotation::new(
        "Claim",
        checked_fragments(&doc_text, &[(0, 5), (12, 22)]).unwrap(),
    );
    set.insert(prediction);
    set.insert(claim);
    set.insert(person);
    store.save_entities("anna").unwrap();
    store.save_set("article", "anna").unwrap();
    store
}

#[test]
fn save_then_load_gives_the_same_project() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample(dir.path());
    let (loaded, problems) = ProjectStore::open(dir.path()).unwrap();
    assert_eq!(problems, vec![]);
    assert_eq!(loaded.project, store.project);
    let set = loaded.project.set("article", "anna").unwrap();
    assert_eq!(set.annotations().len(), 3);
    let person = &set
        .annotations()
        .iter()
        .find(|a| a.label == "Person")
        .unwrap();
    let text = &loaded.project.document("article").unwrap().text;
    assert_eq!(person.covered_text(text), "Lukashenko");
}

#[test]
fn files_are_readable_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = sample(dir.path());
    let path = dir.path().join(set_path("article", "anna"));
    let first = fs::read_to_string(&path).unwrap();
    // Quotes and context are written next to the offsets, unescaped.
    assert!(
        first.contains(r#"fragments: [(12, 22, "Lukashenko")]"#),
        "{first}"
    );
    assert!(
        first.contains(r#"fragments: [(0, 5, "Putin"), (12, 22, "Lukashenko")]"#),
        "{first}"
    );
    assert!(
        first.contains("möter"),
        "non-ASCII is written as is: {first}"
    );
    // Saving again without changes writes the same bytes.
    store.save_set("article", "anna").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), first);
    // Annotations appear sorted by start, then end.
    let starts: Vec<usize> = ["(0, 5,", "(12, 22, \"Lukashenko\")]", "(36, 112,"]
        .iter()
        .map(|s| first.find(s).unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{first}");
}

#[test]
fn a_colleagues_change_on_disk_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = sample(dir.path());
    let path = dir.path().join(set_path("article", "anna"));
    let theirs = fs::read_to_string(&path)
        .unwrap()
        .replace("InProgress", "Done");
    fs::write(&path, &theirs).unwrap();
    store.project.set_mut("article", "anna").retain(|_| false);
    let err = store.save_set("article", "anna").unwrap_err();
    assert!(matches!(err, StoreError::ChangedOnDisk { .. }), "{err}");
    assert!(err.to_string().contains("changed on disk"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), theirs);
}

fn open_err_or_problems(dir: &Path) -> String {
    match ProjectStore::open(dir) {
        Ok((_, problems)) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(err) => format!("{err:#}"),
    }
}

/// Breaks a file of a saved sample project, opens it, and checks the message and that no file
/// changed, even after trying to save everything.
fn assert_bad_input(file: &Path, damage: impl FnOnce(&str) -> Vec<u8>, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let path = dir.path().join(file);
    let original = fs::read_to_string(&path).unwrap();
    fs::write(&path, damage(&original)).unwrap();
    let before = snapshot(dir.path());
    let message = open_err_or_problems(dir.path());
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in:\n{message}");
    }
    if let Ok((mut store, _)) = ProjectStore::open(dir.path()) {
        let _ = store.save_set("article", "anna");
        let _ = store.save_entities("anna");
        let _ = store.save_project_file();
    }
    assert_eq!(snapshot(dir.path()), before, "no file may change");
}

fn annotations() -> PathBuf {
    set_path("article", "anna")
}

#[test]
fn malformed_ron_names_file_line_and_column() {
    assert_bad_input(
        &annotations(),
        |s| {
            s.replacen("label: \"Claim\",", "label: \"Claim\" oops", 1)
                .into_bytes()
        },
        &["annotations/anna/article.ron:", "cannot read this"],
    );
}

#[test]
fn truncated_ron_says_it_ends_too_early() {
    assert_bad_input(
        &annotations(),
        |s| s.as_bytes()[..s.len() / 2].to_vec(),
        &["annotations/anna/article.ron:", "ends too early"],
    );
}

#[test]
fn a_newer_format_version_opens_read_only() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let path = dir.path().join(annotations());
    let newer = fs::read_to_string(&path).unwrap().replace(
        "format_version: 2,",
        "format_version: 7,\n    reviewers: [\"bo\"],",
    );
    fs::write(&path, &newer).unwrap();
    let (mut store, problems) = ProjectStore::open(dir.path()).unwrap();
    assert!(
        problems[0].to_string().contains("newer Lector (format 7"),
        "{problems:?}"
    );
    // Its annotations are shown…
    assert_eq!(
        store
            .project
            .set("article", "anna")
            .unwrap()
            .annotations()
            .len(),
        3
    );
    // …but saving over it is refused, so the field this build does not know survives.
    let err = store.save_set("article", "anna").unwrap_err();
    assert!(
        err.to_string().contains("read-only") || err.to_string().contains("newer"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), newer);
}

#[test]
fn a_newer_project_file_makes_everything_read_only() {
    assert_bad_input(
        Path::new("project.ron"),
        |s| {
            s.replace("format_version: 2,", "format_version: 3,")
                .into_bytes()
        },
        &["project.ron: written by a newer Lector (format 3"],
    );
}

#[test]
fn git_conflict_markers_get_their_own_message() {
    assert_bad_input(
        &annotations(),
        |s| {
            let (a, b) = s.split_at(s.find("    annotations:").unwrap());
            format!("{a}<<<<<<< HEAD\n    status: Done,\n=======\n>>>>>>> origin/main\n{b}")
                .into_bytes()
        },
        &["annotations/anna/article.ron:6:1:", "git conflict markers"],
    );
}

#[test]
fn a_bom_gets_its_own_message() {
    assert_bad_input(
        &annotations(),
        |s| format!("\u{FEFF}{s}").into_bytes(),
        &["annotations/anna/article.ron:1:1:", "byte-order mark"],
    );
}

#[test]
fn an_edited_text_no_longer_matches_its_hash() {
    assert_bad_input(
        Path::new("documents/article.txt"),
        |s| s.replace("Putin", "Medvedev").into_bytes(),
        &["documents/article.txt: the text no longer matches its SHA-256"],
    );
}

/// A project's texts are read on several threads: each broken one of many documents (an
/// edited text, a missing one, one not UTF-8) is reported once, by its file, and kept from
/// being written; every other text is read whole; `check` says the same; nothing changes.
#[test]
fn many_documents_are_read_with_each_broken_text_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "Many").unwrap();
    let texts: Vec<String> = (0..40)
        .map(|i| format!("Artikel {i}\nPutin möter Lukashenko 👍🏽 i Sotji, dag {i}.\n"))
        .collect();
    let ids: Vec<String> = texts
        .iter()
        .map(|text| store.add_pasted_dated(text, None, None).unwrap())
        .collect();
    for id in &ids {
        let text = store.project.document(id).unwrap().text.clone();
        let fragments = checked_fragments(&text, &[(0, 7)]).unwrap();
        store
            .project
            .set_mut(id, "anna")
            .insert(Annotation::new("Person", fragments));
        store.save_set(id, "anna").unwrap();
    }
    let text_file = |i: usize| dir.path().join(format!("documents/{}.txt", ids[i]));
    let edited = fs::read_to_string(text_file(5))
        .unwrap()
        .replace("Putin", "Medvedev");
    fs::write(text_file(5), edited).unwrap();
    fs::remove_file(text_file(17)).unwrap();
    fs::write(text_file(33), b"Artikel \xff\n").unwrap();
    let before = snapshot(dir.path());

    let (mut opened, problems) = ProjectStore::open(dir.path()).unwrap();
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let (_, checked) = ProjectStore::check(dir.path()).unwrap();
    assert_eq!(checked, problems, "check and open find the same problems");
    for (i, says) in [
        (5, "no longer matches its SHA-256"),
        (17, "the file does not exist"),
        (33, "not UTF-8"),
    ] {
        let file = format!("documents/{}.txt", ids[i]);
        let about: Vec<&String> = lines.iter().filter(|l| l.contains(&file)).collect();
        assert_eq!(about.len(), 1, "{file}: {lines:#?}");
        assert!(about[0].contains(says), "{file}: {about:?}");
        assert!(
            opened.save_set(&ids[i], "anna").is_err(),
            "{file} is kept read-only"
        );
    }
    // Besides the texts, only the annotations on the two texts that could not be read.
    let texts_named = lines.iter().filter(|l| l.starts_with("documents/")).count();
    assert_eq!(texts_named, 3, "{lines:#?}");
    assert_eq!(lines.len(), 5, "{lines:#?}");
    for (i, id) in ids.iter().enumerate() {
        if [5, 17, 33].contains(&i) {
            continue;
        }
        let text = opened.project.document(id).unwrap().text.as_str();
        assert!(texts[i].starts_with(text.trim_end()), "{id}: {text:?}");
        opened.save_set(id, "anna").unwrap();
    }
    assert_eq!(snapshot(dir.path()), before, "no file changed");
    // Each text read on a worker thread was remembered as read: a change to one is seen.
    let good = Path::new("documents").join(format!("{}.txt", ids[20]));
    assert!(!opened.changed_on_disk(&good));
    fs::write(dir.path().join(&good), "Changed\n").unwrap();
    assert!(opened.changed_on_disk(&good), "{}", good.display());
}

/// A label renamed in the schema leaves every annotation of it with a problem: each is
/// reported at its own place in the file, and the project still opens (reading had taken
/// time quadratic in the problems: 150,000 of them in a 52 MB file ran for minutes; 0.8 s
/// now, README footnote 18).
#[test]
fn a_problem_in_every_annotation_is_placed_at_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "Renamed").unwrap();
    let id = store
        .add_pasted_dated(&"Putin möter Lukashenko i Sotji. ".repeat(400), None, None)
        .unwrap();
    let text = store.project.document(&id).unwrap().text.clone();
    for i in 0..2_000u32 {
        let start = (i * 6) % 12_000;
        let fragments = checked_fragments(&text, &[(start, start + 5)]).unwrap();
        store
            .project
            .set_mut(&id, "anna")
            .insert(Annotation::new("Person", fragments));
    }
    store.save_set(&id, "anna").unwrap();
    let file = dir.path().join(set_path(&id, "anna"));
    let source = fs::read_to_string(&file)
        .unwrap()
        .replace("\"Person\"", "\"Persona\"");
    fs::write(&file, &source).unwrap();
    let (opened, problems) = ProjectStore::open(dir.path()).unwrap();
    assert_eq!(problems.len(), 2_000);
    assert_eq!(
        opened.project.set(&id, "anna").unwrap().len(),
        2_000,
        "all kept"
    );
    let lines: Vec<&str> = source.lines().collect();
    for problem in &problems {
        let at = problem.position.unwrap();
        let line = lines[at.line - 1];
        let id_here = line.trim().trim_start_matches("id: ").trim_end_matches(',');
        assert!(
            problem.message.contains(id_here.trim_matches('"')),
            "{problem}: line {} is {line:?}",
            at.line
        );
        assert_eq!(at.col, line.find("id:").unwrap() + 1, "{problem}");
    }
    let (_, checked) = ProjectStore::check(dir.path()).unwrap();
    assert_eq!(checked, problems);
}

/// A RON file written entry by entry, with the place of each field a problem is expected at.
#[derive(Default)]
struct Written {
    text: String,
    expected: Vec<(usize, usize)>,
}

impl Written {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// A field line; its place is expected in a problem when `bad`.
    fn field(&mut self, field: &str, bad: bool) {
        if bad {
            let line = self.text.matches('\n').count() + 1;
            self.expected.push((line, 13));
        }
        self.line(&format!("            {field},"));
    }
}

/// Decisions, comments, resolutions, triage and suggestions with problems, many alike (the
/// same wrong time, a start of 12 that also begins 120): each problem is placed at the field
/// of its own entry, not where that text first appears, and none is lost for looking like
/// another. Reading them had searched the file for each problem (quadratic: 2,000 entries
/// took 3.5 s, 0.06 s now).
#[test]
fn each_entry_with_a_problem_is_placed_at_its_own_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "Entries").unwrap();
    let id = store
        .add_pasted_dated(&"Putin möter Lukashenko i Sotji. ".repeat(40), None, None)
        .unwrap();
    let chars = store.project.document(&id).unwrap().text.len_chars().0;
    const N: u32 = 300;
    let starts = |i: u32| [1, 12, 120][i as usize % 3] + i / 3 % 4;

    let mut review = Written::default();
    review.line(&format!(
        "(\n    format_version: 2,\n    document: \"{id}\",\n    reviewer: \"olga\",\n    decisions: ["
    ));
    for i in 0..N {
        // Every third has a time that is not one, every third a reversed span, the rest are fine.
        let (bad_time, reversed) = (i % 3 == 0, i % 3 == 1);
        review.line("        (");
        review.line(&format!("            sources: {{\"anna\": \"a{i}\"}},"));
        let span = if reversed { (9, 4) } else { (4, 9) };
        review.field(&format!("span: ({}, {})", span.0, span.1), reversed);
        review.line("            kind: \"label\",\n            choice: Agreed,");
        let at = if bad_time {
            "2026-12-01"
        } else {
            "2026-12-01T10:00:00Z"
        };
        review.field(&format!("at: \"{at}\""), bad_time);
        review.line("        ),");
    }
    review.line("    ],\n    comments: [");
    for i in 0..N {
        review.line("        (\n            annotator: \"anna\",");
        review.line(&format!(
            "            annotation: \"a{i}\",\n            text: \"x\","
        ));
        let at = if i % 2 == 0 {
            "yesterday"
        } else {
            "2026-12-01T10:00:00Z"
        };
        review.field(&format!("at: \"{at}\""), i % 2 == 0);
        review.line("        ),");
    }
    review.line("    ],\n)");

    let mut resolutions = Written::default();
    resolutions.line("(\n    format_version: 2,\n    resolver: \"olga\",\n    predictions: [");
    let record = |w: &mut Written, i: u32, kind: &str, last: &str, bad: bool| {
        w.line("        (");
        w.line(&format!(
            "            document: \"{id}\",\n            annotator: \"anna\","
        ));
        w.field(&format!("annotation: \"{kind}{}\"", i % 7), bad);
        w.line(&format!(
            "            quote: \"q\",\n            {last},\n            date: None,\n            \
             evidence: [],\n            note: \"\",\n            at: \"2026-12-04T00:19:13Z\",\n        ),"
        ));
    };
    for i in 0..N {
        // The same annotation resolved again: every one after the first seven.
        record(&mut resolutions, i, "p", "status: \"came_true\"", i >= 7);
    }
    resolutions.line("    ],\n    claims: [");
    for i in 0..N {
        record(&mut resolutions, i, "c", "verdict: \"supported\"", i >= 7);
    }
    resolutions.line("    ],\n)");

    let mut triage = Written::default();
    triage.line("(\n    format_version: 2,\n    annotator: \"anna\",\n    decisions: [");
    for i in 0..N {
        triage.line(&format!("        (\n            document: \"{id}\","));
        let start = starts(i);
        triage.field(&format!("start: {start}"), i % 2 == 0);
        triage.line(&format!(
            "            end: {},\n            text: \"t\",\n            label: \"Person\",\n            \
             source: \"ner\",",
            start + 3 + i
        ));
        let decision = if i % 2 == 0 { "maybe" } else { "rejected" };
        triage.line(&format!(
            "            decision: \"{decision}\",\n            at: \"2026-12-04T00:19:13Z\",\n        ),"
        ));
    }
    triage.line("    ],\n)");

    let mut suggested = Written::default();
    suggested.line(&format!(
        "(\n    format_version: 2,\n    source: \"ner\",\n    document: \"{id}\",\n    suggestions: ["
    ));
    for i in 0..N {
        suggested.line("        (");
        let start = starts(i);
        // Every other one runs past the end of the text.
        let end = if i % 2 == 0 { chars + 5 } else { start + 1 };
        suggested.field(&format!("start: {start}"), i % 2 == 0);
        let text = store
            .project
            .document(&id)
            .unwrap()
            .text
            .as_str()
            .to_owned();
        let quoted: String = text
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        suggested.line(&format!(
            "            end: {end},\n            text: {quoted:?},\n            label: \"Person\",\n        ),"
        ));
    }
    suggested.line("    ],\n)");

    let files = [
        (format!("reviews/olga/{id}.ron"), review),
        ("resolutions/olga.ron".to_owned(), resolutions),
        ("triage/anna.ron".to_owned(), triage),
        (format!("suggestions/ner/{id}.ron"), suggested),
    ];
    for (rel, written) in &files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &written.text).unwrap();
    }
    let (_, problems) = ProjectStore::open(dir.path()).unwrap();
    for (rel, written) in &files {
        let mut found: Vec<(usize, usize)> = problems
            .iter()
            .filter(|p| p.file == Path::new(rel))
            .map(|p| {
                let at = p.position.unwrap_or_else(|| panic!("{p} has a place"));
                (at.line, at.col)
            })
            .collect();
        found.sort();
        assert!(written.expected.len() as u32 >= N / 2, "{rel}");
        assert_eq!(found, written.expected, "{rel}:\n{problems:#?}");
    }
    let (_, checked) = ProjectStore::check(dir.path()).unwrap();
    assert_eq!(checked, problems);
}

/// A book's set saved again and again as an analyst edits it (the saves after the first
/// write most of the file from the bytes of the one before): each file on disk is the file
/// a save of the whole set writes, and it reads back as the set in memory.
#[test]
fn a_big_set_saved_after_each_edit_is_the_whole_set() {
    use lector::session::{Edit, Session};
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "Book").unwrap();
    let id = store
        .add_pasted_dated(
            &"Putin möter Lukashenko i Sotji 👍🏽. ".repeat(4_000),
            None,
            None,
        )
        .unwrap();
    let text = store.project.document(&id).unwrap().text.clone();
    let span = |i: u32| {
        let start = (i * 7) % 140_000;
        checked_fragments(&text, &[(start, start + 5)]).unwrap()
    };
    let annotations: Vec<Annotation> = (0..30_000)
        .map(|i| Annotation::new("Person", span(i)))
        .collect();
    store.project.set_mut(&id, "anna").replace_all(annotations);
    store.save_set(&id, "anna").unwrap();
    let mut session = Session::headless(store, "anna");
    let file = dir.path().join(set_path(&id, "anna"));
    for round in 0..4u32 {
        let set = session.store.project.set(&id, "anna").unwrap();
        let mut changed = set.annotations()[(round as usize * 7_919) % set.len()]
            .as_ref()
            .clone();
        changed.note = format!("round {round}");
        let gone = set.annotations()[(round as usize * 3_001 + 5) % set.len()]
            .id
            .clone();
        let edits = vec![
            Edit::insert(Annotation::new("Place", span(30_000 + round))),
            Edit::replace(changed),
            Edit::Remove(gone),
        ];
        session.apply(&id, edits).unwrap();
        assert!(session.save_now().is_empty());
        let set = session.store.project.set(&id, "anna").unwrap();
        let whole = lector::store::set_text::write(set, &text).unwrap();
        assert!(
            fs::read_to_string(&file).unwrap() == whole,
            "round {round}: the whole set"
        );
        assert!(
            !session.store.changed_on_disk(&set_path(&id, "anna")),
            "round {round}: what the save remembers of the file is what is on disk"
        );
        let (reopened, problems) = ProjectStore::open(dir.path()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(reopened.project.set(&id, "anna").unwrap().annotations() == set.annotations());
    }
}

#[test]
fn fragments_out_of_range_are_reported() {
    assert_bad_input(
        &annotations(),
        |s| s.replace("(36, 112,", "(36, 5000,").into_bytes(),
        &[
            "annotations/anna/article.ron:",
            "fragment 36:5000 ends after the text, which has",
        ],
    );
}

#[test]
fn quotes_that_do_not_match_the_text_are_reported() {
    assert_bad_input(
        &annotations(),
        |s| {
            s.replace("(0, 5, \"Putin\")", "(1, 6, \"Putin\")")
                .into_bytes()
        },
        &["the text at 1:6 is \"utin \", but the file quotes \"Putin\""],
    );
}

#[test]
fn unknown_labels_and_attributes_are_reported() {
    assert_bad_input(
        &annotations(),
        |s| {
            s.replace("label: \"Claim\"", "label: \"Rumour\"")
                .replace("\"certainty\"", "\"confidence\"")
                .into_bytes()
        },
        &[
            "label \"Rumour\" is not in the project's schema",
            "attribute \"confidence\" is not defined for label \"Prediction\"",
        ],
    );
}

#[test]
fn wrong_attribute_values_are_reported() {
    assert_bad_input(
        &annotations(),
        |s| {
            s.replace("Choice(\"probable\")", "Choice(\"very likely\")")
                .replace("Date(\"2027-03-01\")", "Date(\"next spring\")")
                .into_bytes()
        },
        &[
            "\"very likely\" is not one of certain, probable",
            "\"next spring\" is not a date",
        ],
    );
}

#[test]
fn duplicate_ids_are_reported() {
    assert_bad_input(
        &annotations(),
        |s| {
            let first = s.split("id: \"").nth(1).unwrap()[..10].to_owned();
            let second = s.split("id: \"").nth(2).unwrap()[..10].to_owned();
            s.replace(&second, &first).into_bytes()
        },
        &["is used more than once"],
    );
}

#[test]
fn dangling_entity_links_are_reported() {
    assert_bad_input(
        Path::new("entities/anna.ron"),
        |s| {
            s.replace("alexander-lukashenko", "aleksandr-lukasjenko")
                .into_bytes()
        },
        &[
            "links to entity \"alexander-lukashenko\", which anna's entities file does not define",
            "entity \"alexander-lukashenko\" is not defined",
        ],
    );
}

#[test]
fn a_hostile_document_id_cannot_reach_outside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let path = dir.path().join("project.ron");
    let hostile = fs::read_to_string(&path)
        .unwrap()
        .replace("id: \"article\"", "id: \"../../outside\"");
    fs::write(&path, hostile).unwrap();
    let (_, problems) = ProjectStore::open(dir.path()).unwrap();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|p| p.contains("document id \"../../outside\" is not allowed")),
        "{text:?}"
    );
}

#[test]
fn a_missing_project_file_says_this_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let err = ProjectStore::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("not a Lector project"), "{err}");
}

#[test]
fn articles_in_other_encodings_are_decoded_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let cp1252 = dir.path().join("cp1252.txt");
    fs::write(&cp1252, b"V\xE4rlden \x96 Lukasjenko\r\n").unwrap();
    let (id, warnings) = store.add_article(&cp1252, None).unwrap();
    assert_eq!(
        store.project.document(&id).unwrap().text.as_str(),
        "Världen – Lukasjenko\n"
    );
    assert!(warnings[0].contains("Windows-1252"), "{warnings:?}");

    let utf16 = dir.path().join("utf16.txt");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("Лукашенко 👍🏽".encode_utf16().flat_map(u16::to_le_bytes));
    fs::write(&utf16, bytes).unwrap();
    let (id, _) = store.add_article(&utf16, Some("Кириллица")).unwrap();
    assert_eq!(
        store.project.document(&id).unwrap().text.as_str(),
        "Лукашенко 👍🏽"
    );

    let before = snapshot(dir.path());
    let binary = dir.path().join("photo.txt");
    fs::write(&binary, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let err = store.add_article(&binary, None).unwrap_err();
    assert!(err.to_string().contains("binary file"), "{err}");
    assert!(err.to_string().contains("photo.txt"), "{err}");
    let pdf = dir.path().join("report.pdf");
    fs::write(&pdf, b"%PDF-1.7").unwrap();
    let err = store.add_article(&pdf, None).unwrap_err().to_string();
    assert!(err.contains("not a readable PDF"), "{err}");
    let sheet = dir.path().join("figures.xlsx");
    fs::write(&sheet, b"PK\x03\x04").unwrap();
    let err = store.add_article(&sheet, None).unwrap_err().to_string();
    assert!(
        err.contains("Lector reads .txt, .md, .html, .pdf and .docx articles, not .xlsx"),
        "{err}"
    );
    let mut after = snapshot(dir.path());
    after.remove(Path::new("photo.txt"));
    after.remove(Path::new("report.pdf"));
    after.remove(Path::new("figures.xlsx"));
    assert_eq!(after, before, "a refused article changes nothing");
}

#[test]
fn oversized_articles_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let big = dir.path().join("big.txt");
    let file = fs::File::create(&big).unwrap();
    // Sparse: no 200 MB written to the disk.
    file.set_len(201 * 1024 * 1024).unwrap();
    let err = store.add_article(&big, None).unwrap_err();
    assert!(err.to_string().contains("articles up to"), "{err}");
}

#[test]
fn markdown_articles_are_stored_as_readable_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let md = dir.path().join("notes.md");
    fs::write(&md, "# Sotji\n\nPutin **möter** Lukashenko.\n").unwrap();
    let (id, _) = store.add_article(&md, None).unwrap();
    let doc = store.project.document(&id).unwrap();
    assert_eq!(doc.text.as_str(), "Sotji\n\nPutin möter Lukashenko.\n");
    assert_eq!(doc.meta.title, "Sotji");
}

#[test]
fn the_version_1_fixture_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v1");
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert_eq!(problems, vec![]);
    let set = store.project.set("kyiv", "olena").unwrap();
    assert_eq!(set.status, Status::Done);
    let text = &store.project.document("kyiv").unwrap().text;
    let quotes: Vec<String> = set
        .annotations()
        .iter()
        .map(|a| a.covered_text(text))
        .collect();
    assert_eq!(quotes, ["Зеленський", "👩‍👩‍👧 families", "will … return"]);
    let prediction = set
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction")
        .unwrap();
    assert_eq!(
        prediction.attributes.get("certainty"),
        Some(&AttrValue::Choice("possible".into()))
    );
    assert_eq!(
        prediction.attributes.get("due"),
        Some(&AttrValue::Date("2027-01-31".parse().unwrap()))
    );
    // A reviewer's decisions and comments, and the reviewed set they made.
    let review = store.project.review("kyiv", "taras").unwrap();
    assert_eq!(review.decisions.len(), 2);
    let decisions = review.in_text_order();
    assert_eq!(
        decisions[0].choice,
        lector::model::review::Choice::Take("olena".into())
    );
    assert_eq!(decisions[0].note, "a real mention; keep it");
    let comment = review
        .comment("olena", &prediction.id)
        .expect("the comment on the prediction");
    assert!(comment.text.contains("holder is missing"));
    let reviewed = store.project.set("kyiv", "review.taras").unwrap();
    assert_eq!(reviewed.annotations()[0].id, decisions[0].result[0]);
    assert_eq!(
        store.project.annotators(),
        ["olena"],
        "a reviewed set is no annotator"
    );
}

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Lukashenko ",
        "Лукашенко ",
        "å",
        "ä",
        "ö ",
        "👍🏽",
        "👩\u{200D}👩\u{200D}👧",
        "e\u{301}",
        "\n",
        "\r\n",
        "\t",
        "中文 ",
        "𝔸",
        ". ",
        "\u{A0}",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Random texts with multibyte letters, emoji, combining marks and CRLF, with overlapping,
    /// nested and discontinuous spans: what is saved is what is loaded.
    #[test]
    fn random_projects_round_trip(
        pieces in prop::collection::vec(piece(), 1..120),
        spans in prop::collection::vec(prop::collection::vec((0.0f64..1.0, 0.0f64..0.2), 1..4), 0..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "P").unwrap();
        let id = store.add_text("a.txt", "A", lector::model::text::normalize(&pieces.concat()).0).unwrap();
        let text = store.project.document(&id).unwrap().text.clone();
        let len = f64::from(text.len_chars().0);
        // Snap random positions to grapheme boundaries, as the app's selection does.
        let snap = |x: f64| {
            let mut at = (x * len) as u32;
            while !text.is_grapheme_boundary(lector::model::CharOffset(at)) { at += 1; }
            at
        };
        for fragments in spans {
            let raw: Vec<(u32, u32)> = fragments.iter().map(|&(s, l)| {
                let start = snap(s);
                (start, snap((s + l + 0.01).min(1.0)))
            }).filter(|(a, b)| a < b).collect();
            if let Ok(fragments) = checked_fragments(&text, &raw) {
                let set = store.project.set_mut(&id, "ann");
                set.insert(Annotation::new("Claim", fragments));
            }
        }
        if store.project.set(&id, "ann").is_some() {
            store.save_set(&id, "ann").unwrap();
        }
        let (loaded, problems) = ProjectStore::open(dir.path()).unwrap();
        prop_assert_eq!(problems, vec![]);
        prop_assert_eq!(&loaded.project, &store.project);
    }
}

#[test]
fn a_broken_review_file_is_reported_and_kept_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("p");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v1"),
        &root,
    );
    let file = root.join("reviews/taras/kyiv.ron");
    let broken = std::fs::read_to_string(&file)
        .unwrap()
        .replace("choice: Neither,", "choice: Maybe,");
    std::fs::write(&file, &broken).unwrap();
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let message = problems[0].to_string();
    assert!(message.contains("reviews/taras/kyiv.ron"), "{message}");
    assert!(message.contains(":19:"), "names the line: {message}");
    assert!(
        store
            .read_only_reason(Path::new("reviews/taras/kyiv.ron"))
            .is_some()
    );
    assert!(store.project.review("kyiv", "taras").is_none());
    // Nothing on disk changed.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

/// Issue 15: label and attribute names with control characters or spaces around them broke
/// the one-line-per-token exports; a duplicate hotkey and a document id with a control
/// character were reported without their line.
#[test]
fn issue15_schema_and_document_id_problems_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let path = dir.path().join("project.ron");
    let text = fs::read_to_string(&path).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let (person, organization, claim, document) = (
        line_of("name: \"Person\""),
        line_of("name: \"Organization\""),
        line_of("name: \"Claim\""),
        line_of("id: \"article\""),
    );
    let hostile = text
        .replace("name: \"Person\"", "name: \"Per\\nson\"")
        .replace("hotkey: Some('o')", "hotkey: Some('l')")
        .replace("name: \"source\"", "name: \" source\"")
        .replace("id: \"article\"", "id: \"art\\ticle\"");
    fs::write(&path, hostile).unwrap();
    let (_, problems) = ProjectStore::open(dir.path()).unwrap();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expect = |line: usize, message: &str| {
        assert!(
            text.iter()
                .any(|p| p.starts_with(&format!("project.ron:{line}:")) && p.contains(message)),
            "expected {message:?} at line {line} in {text:?}"
        );
    };
    expect(
        person,
        "label name \"Per\\nson\" contains a control character",
    );
    // Reported at the second label with the key, Place, the line after Organization.
    expect(
        organization + 1,
        "labels \"Organization\" and \"Place\" have the same hotkey 'l'",
    );
    expect(
        claim,
        "attribute name \" source\" starts or ends with a space",
    );
    expect(document, "document id \"art\\ticle\" is not allowed");
}

/// Issue 15: `lector check` with 100,000 labels took 11 s (quadratic); many documents too.
/// Only the growth is asserted: twice the labels (documents) at most three times the time.
#[test]
fn issue15_loading_grows_linearly_with_labels_and_documents() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let original = fs::read_to_string(dir.path().join("project.ron")).unwrap();
    let time_with = |labels: usize, documents: usize| {
        let mut text = original.replace(
            "        labels: [\n",
            &format!(
                "        labels: [\n{}",
                (0..labels)
                    .map(|i| format!(
                        "            (name: \"L{i}\", kind: Entity, color: \"#123456\"),\n"
                    ))
                    .collect::<String>()
            ),
        );
        text = text.replace(
            "    documents: [\n",
            &format!(
                "    documents: [\n{}",
                (0..documents)
                    .map(|i| format!("        (id: \"d{i}\", title: \"T\", file: \"d.txt\", sha256: \"0\", added: \"2026-01-01T00:00:00Z\"),\n"))
                    .collect::<String>()
            ),
        );
        fs::write(dir.path().join("project.ron"), text).unwrap();
        let start = std::time::Instant::now();
        let (store, _) = ProjectStore::open(dir.path()).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(store.project.schema.labels.len(), labels + 7);
        elapsed
    };
    // Growth, not speed: four times the input may take at most eight times as long (a
    // quadratic parser takes sixteen). The best of three runs keeps a busy machine's
    // scheduling out of the figure.
    let best = |labels: usize, documents: usize| {
        (0..3).map(|_| time_with(labels, documents)).min().unwrap()
    };
    let slack = std::time::Duration::from_millis(100);
    let (small, large) = (best(5_000, 0), best(20_000, 0));
    assert!(
        large < small * 8 + slack,
        "labels: 5k {small:?}, 20k {large:?}"
    );
    let (small, large) = (best(0, 1_000), best(0, 4_000));
    assert!(
        large < small * 8 + slack,
        "documents: 1k {small:?}, 4k {large:?}"
    );
}

/// A problem in every entry of a file (a label renamed in the schema, decisions with a time
/// that is not one) is placed by looking the entry up, not by searching the file for it:
/// that made reading quadratic (stops 36 and 37: minutes for 20,000 entries). Only the
/// growth is asserted, as above: four times the entries at most eight times the time.
#[test]
fn issue9_a_problem_in_every_entry_is_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "Growth").unwrap();
    let id = store
        .add_pasted_dated(&"Putin möter Lukashenko i Sotji. ".repeat(400), None, None)
        .unwrap();
    let text = store.project.document(&id).unwrap().text.clone();
    drop(store);
    let set_file = dir.path().join(set_path(&id, "anna"));
    let review_file = dir.path().join(format!("reviews/olga/{id}.ron"));
    fs::create_dir_all(review_file.parent().unwrap()).unwrap();
    let time_with = |n: u32| {
        // The files of the run before have problems: they would be kept read-only.
        let _ = fs::remove_file(&set_file);
        let _ = fs::remove_file(&review_file);
        let mut store = ProjectStore::open(dir.path()).unwrap().0;
        let set = store.project.set_mut(&id, "anna");
        set.replace_all(
            (0..n)
                .map(|i| {
                    let start = (i * 6) % 12_000;
                    Annotation::new(
                        "Person",
                        checked_fragments(&text, &[(start, start + 5)]).unwrap(),
                    )
                })
                .collect(),
        );
        store.save_set(&id, "anna").unwrap();
        let renamed = fs::read_to_string(&set_file)
            .unwrap()
            .replace("\"Person\"", "\"Persona\"");
        fs::write(&set_file, renamed).unwrap();
        let decisions: String = (0..n)
            .map(|i| {
                format!(
                    "        (sources: {{\"anna\": \"a{i}\"}}, span: ({i}, {}), kind: \"label\", \
                     choice: Agreed, at: \"day {i}\"),\n",
                    i + 5
                )
            })
            .collect();
        fs::write(
            &review_file,
            format!(
                "(\n    format_version: 2,\n    document: \"{id}\",\n    reviewer: \"olga\",\n    \
                 decisions: [\n{decisions}    ],\n)\n"
            ),
        )
        .unwrap();
        let start = std::time::Instant::now();
        let (_, problems) = ProjectStore::check(dir.path()).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(problems.len(), 2 * n as usize, "a problem in each entry");
        elapsed
    };
    let best = |n: u32| (0..3).map(|_| time_with(n)).min().unwrap();
    let slack = std::time::Duration::from_millis(100);
    let (small, large) = (best(1_000), best(4_000));
    assert!(large < small * 8 + slack, "1k {small:?}, 4k {large:?}");
}

/// A project of three documents, each annotated by two annotators, saved.
fn three_documents(dir: &Path) -> Vec<String> {
    let mut store = ProjectStore::create(dir, "three").unwrap();
    let mut ids = Vec::new();
    for d in 0..3 {
        let text = format!("Document {d}: Putin met Lukashenko in Sochi on Tuesday.");
        let id = store
            .add_text(&format!("d{d}.txt"), &format!("D{d}"), text)
            .unwrap();
        let doc_text = store.project.document(&id).unwrap().text.clone();
        for annotator in ["anna", "erik"] {
            let set = store.project.set_mut(&id, annotator);
            set.insert(Annotation::new(
                "Person",
                checked_fragments(&doc_text, &[(12, 17)]).unwrap(),
            ));
            set.status = Status::Done;
            store.save_set(&id, annotator).unwrap();
        }
        ids.push(id);
    }
    ids
}

#[test]
fn a_project_opens_with_its_first_document_and_reads_the_rest_later() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let ids = three_documents(&dir);
    let (full, problems) = ProjectStore::open(&dir).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(full.is_complete());

    // The document asked for is there at once, the others are not yet, and cannot be
    // written over while they are not read.
    let (mut first, problems) = ProjectStore::open_first(&dir, Some(&ids[1])).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(!first.is_complete());
    assert!(first.is_loaded(&ids[1]) && !first.is_loaded(&ids[0]));
    assert_eq!(
        first.project.set(&ids[1], "anna"),
        full.project.set(&ids[1], "anna")
    );
    assert_eq!(first.project.set(&ids[0], "anna"), None);
    assert_eq!(first.project.documents.len(), 3);
    let pending = set_path(&ids[2], "erik");
    assert!(first.write_refusal(&pending).is_some());
    assert!(first.write_refusal(&set_path(&ids[1], "erik")).is_none());

    // On demand, one document.
    assert!(first.load_document(&ids[2]).is_empty());
    assert!(first.is_loaded(&ids[2]));
    assert!(first.write_refusal(&pending).is_none());

    // The rest on another thread: then the same project as opened at once.
    let remaining = first.remaining();
    assert_eq!(remaining.len(), 2);
    let read = std::thread::spawn(move || remaining.read()).join().unwrap();
    assert!(first.take_remaining(read).is_empty());
    assert!(first.is_complete());
    assert_eq!(first.project, full.project);

    // Without a document (or an unknown one): the first one.
    let (mut lazy, _) = ProjectStore::open_first(&dir, None).unwrap();
    assert!(lazy.is_loaded(&ids[0]) && !lazy.is_loaded(&ids[1]));
    assert!(lazy.load_remaining().is_empty());
    assert_eq!(lazy.project, full.project);
}

/// What `lector check` finds (each file checked as views into its bytes, no annotation built)
/// and what opening the project into the model finds: the same problems, and as many
/// annotations as the model keeps.
fn assert_check_finds_what_open_finds(dir: &Path) {
    let (summary, checked) = ProjectStore::check(dir).unwrap();
    let (store, opened) = ProjectStore::open(dir).unwrap();
    assert_eq!(checked, opened);
    let kept: usize = store.project.sets.values().map(|s| s.len()).sum();
    assert_eq!(summary.annotations, kept);
    assert_eq!(summary.annotation_files, store.project.sets.len());
    // What `lector stats` reads: the same problems, each set's labels counted as the model
    // has them, its status, and of its annotations those that link an entity.
    let (counted, labels, problems) = ProjectStore::open_counted(dir).unwrap();
    assert_eq!(problems, opened);
    let mut expected: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    for (key, set) in &store.project.sets {
        let per_label = expected.entry(key.clone()).or_default();
        for a in set.iter() {
            *per_label.entry(a.label.to_string()).or_default() += 1;
        }
    }
    assert_eq!(labels, expected);
    assert_eq!(counted.project.sets.len(), store.project.sets.len());
    for (key, set) in &store.project.sets {
        let lean = &counted.project.sets[key];
        assert_eq!(lean.status, set.status);
        let linked: Vec<&Annotation> = set.iter().filter(|a| a.entity.is_some()).collect();
        assert_eq!(lean.iter().collect::<Vec<_>>(), linked);
    }
    // What `lector agree` reads: the same problems, and each set's spans as a table.
    let (_, tables, problems) = ProjectStore::open_tables(dir).unwrap();
    assert_eq!(problems, opened);
    assert_eq!(tables.len(), store.project.sets.len());
    for (key, set) in &store.project.sets {
        let table = &tables[key];
        assert_eq!(table.status, set.status);
        let ids: Vec<_> = (0..table.len()).map(|i| table.id(i).unwrap()).collect();
        assert_eq!(
            ids,
            set.iter().map(|a| &a.id).collect::<Vec<_>>(),
            "{key:?}"
        );
        for (i, a) in set.iter().enumerate() {
            assert_eq!(
                table.fragments(i),
                a.fragments.as_slice(),
                "{key:?} {}",
                a.id
            );
            assert_eq!(table.label(i), Some(a.label.as_str()), "{key:?} {}", a.id);
        }
    }
}

/// The sample's annotation file damaged in one of the ways a person or a tool can: `at`
/// picks the place among those that the damage applies to.
fn damage(s: &str, kind: u8, at: f64) -> String {
    let ids: Vec<&str> = s
        .split("id: \"")
        .skip(1)
        .filter_map(|rest| rest.get(..10))
        .collect();
    let pick = |n: usize| ((at * n as f64) as usize).min(n.saturating_sub(1));
    let id = ids.get(pick(ids.len())).copied().unwrap_or("x");
    let other = ids.get((pick(ids.len()) + 1) % ids.len().max(1)).copied();
    let near = |s: &str, needle: &str, with: &str| {
        // The occurrence of `needle` nearest after the picked place.
        let from = s.floor_char_boundary(pick(s.len()));
        match s[from..]
            .find(needle)
            .map(|i| i + from)
            .or_else(|| s.find(needle))
        {
            Some(i) => format!("{}{with}{}", &s[..i], &s[i + needle.len()..]),
            None => s.to_owned(),
        }
    };
    match kind {
        0 => near(s, "label: \"", "label: \"Rumour"),
        1 => near(s, "\"certainty\"", "\"confidence\""),
        2 => near(s, "Choice(\"", "Choice(\"very "),
        3 => near(s, "Date(\"", "Date(\"next "),
        4 => other.map_or_else(|| s.to_owned(), |o| s.replacen(o, id, 1)),
        5 => near(s, "entity: Some(\"", "entity: Some(\"nobody-"),
        // Offsets that no longer fit the quote, the text, or a grapheme.
        6 => near(s, "fragments: [(", "fragments: [(1"),
        7 => near(s, "fragments: [(", "fragments: [(9999"),
        8 => near(s, ", \"", "0, \""),
        9 => near(s, "created: \"", "created: \"x"),
        10 => near(s, "modified: \"2", "modified: \"3"),
        // Links to annotations: another one, itself, one not there.
        11 => near(
            s,
            "attributes: {",
            &format!(
                "attributes: {{\"holder\": Annotation(\"{}\"), ",
                other.unwrap_or(id)
            ),
        ),
        12 => near(
            s,
            "attributes: {",
            &format!("attributes: {{\"certainty\": Annotation(\"{id}\"), "),
        ),
        13 => near(
            s,
            "attributes: {",
            "attributes: {\"holder\": Annotation(\"nowhere\"), ",
        ),
        // An attribute twice, a number, escapes, a field the reader leaves to serde.
        14 => near(
            s,
            "attributes: {",
            "attributes: {\"certainty\": Choice(\"nope\"), ",
        ),
        15 => near(
            s,
            "attributes: {",
            "attributes: {\"probability\": Number(1.5e400), ",
        ),
        16 => near(
            s,
            "            created:",
            "            note: \"\\u{e9}\\t\\\"q\\\"\",\n            created:",
        ),
        17 => near(
            s,
            "            created:",
            "            note: r\"raw\",\n            created:",
        ),
        18 => near(s, "annotator: \"anna\"", "annotator: \"olle\""),
        19 => near(s, "label: \"Prediction\"", "label: \"Person\""),
        // Cut off, or a byte changed anywhere.
        20 => s[..s.floor_char_boundary(pick(s.len()))].to_owned(),
        _ => {
            let mut bytes = s.as_bytes().to_vec();
            let i = pick(bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b = b.wrapping_add(1 + kind);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// However the sample's annotation file is damaged (a few damages at once), `lector
    /// check`'s reading finds exactly the problems that opening the project does.
    #[test]
    fn check_finds_what_open_finds(damages in prop::collection::vec((0u8..24, 0.0f64..1.0), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        sample(dir.path());
        let path = dir.path().join(annotations());
        let mut s = fs::read_to_string(&path).unwrap();
        for (kind, at) in damages {
            s = damage(&s, kind, at);
        }
        fs::write(&path, s).unwrap();
        assert_check_finds_what_open_finds(dir.path());
    }
}

/// A file big enough to be read in parts on several threads, damaged in each part, and one
/// whose parts cannot be split where they seem to start (a note with Lector's own layout in
/// it): checking it finds what opening it does.
#[test]
fn check_finds_what_open_finds_in_a_big_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "big").unwrap();
    let text = "Putin möter Lukashenko 👍🏽 i Sotji, och de talar om gas. ".repeat(400);
    let id = store.add_text("a.txt", "A", text).unwrap();
    let doc_text = store.project.document(&id).unwrap().text.clone();
    let len = doc_text.len_chars().0;
    let mut rng = fastrand::Rng::with_seed(7);
    for annotator in ["anna", "erik"] {
        let set = store.project.set_mut(&id, annotator);
        for _ in 0..6000 {
            let start = rng.u32(..len - 40);
            let raw = [(start, start + rng.u32(1..30))];
            if let Ok(fragments) = checked_fragments(&doc_text, &raw) {
                let mut a =
                    Annotation::new(["Person", "Claim", "Prediction"][rng.usize(..3)], fragments);
                a.id = lector::model::AnnotationId::from(format!("{:010x}", rng.u64(..1 << 40)));
                set.insert(a);
            }
        }
        store.save_set(&id, annotator).unwrap();
    }
    let anna = dir.path().join(set_path(&id, "anna"));
    let s = fs::read_to_string(&anna).unwrap();
    assert!(s.len() > 1 << 20, "read in parts");
    let mut damaged = s.clone();
    for (kind, at) in [(0, 0.1), (7, 0.3), (4, 0.45), (9, 0.6), (6, 0.9)] {
        damaged = damage(&damaged, kind, at);
    }
    // A link to an annotation that is not there, checked once every id is known.
    let at = damaged.floor_char_boundary(damaged.len() * 3 / 4);
    let at = at + damaged[at..].find("            created:").unwrap();
    damaged.insert_str(
        at,
        "            attributes: {\"holder\": Annotation(\"nowhere\")},\n",
    );
    fs::write(&anna, damaged).unwrap();
    let erik = dir.path().join(set_path(&id, "erik"));
    let s = fs::read_to_string(&erik).unwrap();
    // Where the list is cut in two: the note's `\n        (\n` is found first.
    let mut s = s;
    let at = s.floor_char_boundary(s.len() / 2);
    let at = at + s[at..].find("            created:").unwrap();
    s.insert_str(
        at,
        "            note: \"a note\n        (\n  with the layout of an annotation\",\n",
    );
    fs::write(&erik, s).unwrap();
    assert_check_finds_what_open_finds(dir.path());
    let (_, problems) = ProjectStore::check(dir.path()).unwrap();
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

/// A big text read from disk comes with its offset tables and its paragraphs made while its
/// hash is checked (the article view's first frame then finds its 600k lines made), and
/// converts offsets as a small one does.
#[test]
fn a_big_text_is_read_with_its_paragraphs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let line = "Lukashenko möter Putin i Сочи 👍🏽, säger källor.\n";
    let article = dir.path().join("big.txt");
    fs::write(&article, line.repeat(30_000)).unwrap();
    let (id, _) = store.add_article(&article, None).unwrap();
    drop(store);
    let (store, problems) = ProjectStore::open(dir.path()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let text = &store.project.document(&id).unwrap().text;
    assert!(text.as_str().len() > 1 << 20);
    assert!(
        text.has_paragraphs(),
        "a big text's paragraphs are made as it is read"
    );
    let paragraphs = text.paragraphs();
    assert_eq!(paragraphs.len(), 30_001);
    let chars = line.chars().count() as u32;
    let second = paragraphs[1];
    assert_eq!((second.start, second.end), (chars, 2 * chars - 1));
    assert_eq!(
        text.byte(lector::model::CharOffset(second.start))
            .map(|b| b.0),
        Some(second.byte_start)
    );
}
