//! Suggestions (issue 13): names the entity registry knows found again in the articles,
//! suggestions imported from other tools, accepting and rejecting them, and what each source
//! came to. Real projects on disk; the real binary where the command line is concerned.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;
use common::lector;

use std::fs;
use std::path::{Path, PathBuf};

use lector::model::CharOffset;
use lector::session::Session;
use lector::store::ProjectStore;
use lector::suggest::{self, SuggestOptions, Suggester};
use serde_json::Value;

const ARTICLE: &str = "Östersjön i fokus. Alexander Lukashenko träffade Putin i Sotji. \
    Lukashenko ler.\nLukashenkos regim får Rysslands stöd. Putin's plan and Putin’s words.\n\
    Putinregimen är inte Putin. EU:s ledare möter EU. RYSSLAND svarar, Ryssland väntar.\n";

fn ok(args: &[&str]) -> String {
    let out = lector(args);
    assert!(
        out.status.success(),
        "lector {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Char offsets `START:END` of the `nth` occurrence of `needle`.
fn span(needle: &str, nth: usize) -> (u32, u32) {
    let (byte, _) = ARTICLE.match_indices(needle).nth(nth).unwrap();
    let start = ARTICLE[..byte].chars().count() as u32;
    (start, start + needle.chars().count() as u32)
}

fn spec((a, b): (u32, u32)) -> String {
    format!("{a}:{b}")
}

/// A project with the article, where anna linked "Alexander Lukashenko", "Lukashenko",
/// "Putin", "Ryssland" and "EU" once each.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let d = dir.to_str().unwrap();
    ok(&["new", d]);
    let article = tmp.path().join("talks.txt");
    fs::write(&article, ARTICLE).unwrap();
    ok(&["add", d, article.to_str().unwrap()]);
    for (needle, nth, label, entity) in [
        ("Alexander Lukashenko", 0, "Person", "Alexander Lukashenko"),
        ("Lukashenko", 1, "Person", "Alexander Lukashenko"),
        ("Putin", 0, "Person", "Vladimir Putin"),
        ("Ryssland", 1, "Place", "Ryssland"),
        ("EU", 1, "Organization", "Europeiska unionen"),
    ] {
        let s = spec(span(needle, nth));
        ok(&[
            "annotate",
            d,
            "--document",
            "talks",
            "--annotator",
            "anna",
            "--label",
            label,
            "--span",
            &s,
            "--entity",
            entity,
        ]);
    }
    (tmp, dir)
}

fn listed(dir: &Path, annotator: &str, extra: &[&str]) -> Vec<Value> {
    let d = dir.to_str().unwrap();
    let mut args = vec!["suggest", d, "--annotator", annotator, "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str::<Value>(&ok(&args))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn texts(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn known_names_are_suggested_in_inflected_forms_as_whole_words_only() {
    let (_tmp, dir) = project();
    // anna tagged one of each: the others are suggested to her, with their endings.
    assert_eq!(
        texts(&listed(&dir, "anna", &[])),
        [
            "Lukashenkos",
            "Rysslands",
            "Putin's",
            "Putin’s",
            "Putin",
            "EU:s"
        ],
        "not inside Putinregimen, not RYSSLAND (case as tagged), not what anna tagged"
    );
    // erik tagged nothing: the tagged ones are suggested to him too, and where one form
    // holds another ("Alexander Lukashenko", "Lukashenko") the longest is suggested.
    assert_eq!(
        texts(&listed(&dir, "erik", &[])),
        [
            "Alexander Lukashenko",
            "Putin",
            "Lukashenko",
            "Lukashenkos",
            "Rysslands",
            "Putin's",
            "Putin’s",
            "Putin",
            "EU:s",
            "EU",
            "Ryssland"
        ]
    );
    // Ignoring case finds the shouted one as well.
    let anna = texts(&listed(&dir, "anna", &["--ignore-case"]));
    assert!(anna.contains(&"RYSSLAND".to_owned()), "{anna:?}");
    assert!(!anna.iter().any(|t| t.contains("regimen")), "{anna:?}");
}

#[test]
fn the_json_has_what_scripts_need_in_char_offsets() {
    let (_tmp, dir) = project();
    let items = listed(&dir, "anna", &["--document", "talks"]);
    let first = &items[0];
    let (start, end) = span("Lukashenkos", 0);
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "document", "end", "entity", "label", "source", "start", "text"
        ]
    );
    assert_eq!(first["document"], "talks");
    assert_eq!(first["start"], start, "Unicode characters, after Östersjön");
    assert_eq!(first["end"], end);
    assert_eq!(first["label"], "Person");
    assert_eq!(first["entity"], "alexander-lukashenko");
    assert_eq!(first["source"], "registry");
}

#[test]
fn accepting_makes_a_linked_annotation_and_one_undo_takes_it_back() {
    let (_tmp, dir) = project();
    let (store, problems) = ProjectStore::open(&dir).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let suggester = Suggester::new(&store.project, SuggestOptions::default());
    let found = suggester.document(&store.project, "talks", "erik");
    let before = found.open_count();
    let (start, end) = span("Lukashenkos", 0);
    let s = found
        .at(CharOffset(start + 2))
        .cloned()
        .expect("a suggestion under the caret");
    assert_eq!((s.start.0, s.end.0), (start, end));
    let edits = suggest::accept_edits(&store.project, "talks", "erik", &s).unwrap();
    let mut session = Session::headless(store, "erik");
    session.apply("talks", edits).unwrap();
    // What the app does after an edit: follow the session's changes, no rescan.
    let mut followed = found.clone();
    let (_, changes) = session.last_changes().unwrap();
    followed.apply_changes(&session.store.project, "erik", changes);
    assert_eq!(followed.open_count(), before - 1);
    assert!(followed.at(CharOffset(start + 2)).is_none());
    {
        let project = &session.store.project;
        let set = project.set("talks", "erik").unwrap();
        let a = set.iter().find(|a| a.start().0 == start).unwrap();
        assert_eq!(a.label, "Person");
        assert_eq!(a.entity.as_ref().unwrap().0, "alexander-lukashenko");
        let entity = project
            .registry("erik")
            .and_then(|r| r.get(a.entity.as_ref().unwrap()))
            .expect("anna's entity is now erik's too");
        assert_eq!(entity.name, "Alexander Lukashenko");
        let again = suggester.document(project, "talks", "erik");
        assert_eq!(again.open_count(), before - 1);
        assert!(again.at(CharOffset(start + 2)).is_none());
    }
    assert!(session.save_now().is_empty());
    let triage = fs::read_to_string(dir.join("triage/erik.ron")).unwrap();
    assert!(triage.contains("decision: \"accepted\""), "{triage}");
    // One undo: the annotation, and the decision, are gone; the suggestion is back.
    assert!(session.undo("talks"));
    followed.recheck(&session.store.project, "erik", s.start, s.end);
    assert_eq!(followed.open_count(), before);
    assert_eq!(followed.next_after(CharOffset(start - 1)), Some(&s));
    assert!(session.save_now().is_empty());
    drop(session);
    let (store, _) = ProjectStore::open(&dir).unwrap();
    assert!(
        store
            .project
            .set("talks", "erik")
            .is_none_or(|set| !set.iter().any(|a| a.start().0 == start))
    );
    let reopened = Suggester::new(&store.project, SuggestOptions::default());
    let found = reopened.document(&store.project, "talks", "erik");
    assert_eq!(found.open_count(), before);
    assert!(found.at(CharOffset(start)).is_some());
}

#[test]
fn a_rejection_stays_across_reopening_and_only_in_the_annotators_own_file() {
    let (_tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let anna_files = |dir: &Path| {
        let mut files = Vec::new();
        for sub in ["annotations/anna/talks.ron", "entities/anna.ron"] {
            files.push(fs::read(dir.join(sub)).unwrap());
        }
        files
    };
    let anna_before = anna_files(&dir);
    let putin = spec(span("Putin", 4));
    let out = ok(&[
        "suggest",
        d,
        "--annotator",
        "erik",
        "--document",
        "talks",
        "--reject",
        &putin,
    ]);
    assert!(
        out.starts_with("rejected Person vladimir-putin “Putin”"),
        "{out}"
    );
    // Gone for erik, on every later run (a new process reads it from disk).
    let erik = listed(&dir, "erik", &[]);
    assert!(
        !erik.iter().any(|i| i["start"] == span("Putin", 4).0),
        "{erik:?}"
    );
    assert_eq!(erik.len(), 10);
    // Still there for anna, whose files were not touched.
    assert!(
        listed(&dir, "anna", &[])
            .iter()
            .any(|i| i["start"] == span("Putin", 4).0)
    );
    assert_eq!(anna_files(&dir), anna_before);
    assert!(dir.join("triage/erik.ron").is_file());
    assert!(!dir.join("triage/anna.ron").exists());
    assert!(
        !dir.join("annotations/erik").exists(),
        "a rejection writes no annotation file"
    );
    let check = ok(&["check", d]);
    assert!(check.starts_with("ok:"), "{check}");
}

#[test]
fn accept_all_of_an_entity_tags_every_open_mention_and_says_how_many() {
    let (_tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let out = ok(&[
        "suggest",
        d,
        "--annotator",
        "anna",
        "--accept-all",
        "--entity",
        "vladimir-putin",
    ]);
    assert_eq!(out, "accepted 3 suggestions in 1 document for anna\n");
    let left = texts(&listed(&dir, "anna", &[]));
    assert_eq!(left, ["Lukashenkos", "Rysslands", "EU:s"]);
    let set = fs::read_to_string(dir.join("annotations/anna/talks.ron")).unwrap();
    assert_eq!(set.matches("entity: Some(\"vladimir-putin\")").count(), 4);
    // The rest of the document, then nothing is left.
    let out = ok(&["suggest", d, "--annotator", "anna", "--accept-all"]);
    assert_eq!(out, "accepted 3 suggestions in 1 document for anna\n");
    assert!(listed(&dir, "anna", &[]).is_empty());
}

#[test]
fn model_output_comes_in_as_suggestions_of_a_named_source_from_jsonl_and_doccano() {
    let (tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let (s, e) = span("Sotji", 0);
    let jsonl = tmp.path().join("spacy-ner.jsonl");
    fs::write(
        &jsonl,
        format!(
            "{{\"document\":\"talks\",\"annotator\":\"model\",\"id\":\"m1\",\"label\":\"Place\",\
             \"fragments\":[[{s},{e}]],\"text\":\"Sotji\",\"entity\":\"sotji\",\
             \"entities\":{{\"sotji\":{{\"name\":\"Sotji\",\"label\":\"Place\"}}}}}}\n"
        ),
    )
    .unwrap();
    let out = ok(&[
        "import",
        d,
        "--format",
        "jsonl",
        "--as-suggestions",
        jsonl.to_str().unwrap(),
    ]);
    assert!(
        out.starts_with("imported 1 suggestion of source spacy-ner into 1 document"),
        "{out}"
    );
    assert!(dir.join("suggestions/spacy-ner/talks.ron").is_file());
    assert!(!dir.join("annotations/spacy-ner").exists());
    assert!(!dir.join("annotations/model").exists());
    // doccano counts UTF-16 units; "Östersjön" is the same either way, "Sotji" too here.
    let doccano = tmp.path().join("ner.jsonl");
    let line = serde_json::json!({"document": "talks", "text": ARTICLE,
        "label": [[0, 9, "Place"], [s, e, "Place"]]});
    fs::write(&doccano, format!("{line}\n")).unwrap();
    let out = ok(&[
        "import",
        d,
        "--format",
        "doccano",
        "--as-suggestions",
        "--source",
        "doccano-team",
        doccano.to_str().unwrap(),
    ]);
    assert!(
        out.starts_with("imported 2 suggestions of source doccano-team"),
        "{out}"
    );
    let items = listed(&dir, "erik", &["--document", "talks"]);
    let from = |source: &str| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["source"] == source)
            .map(|i| format!("{} {}", i["text"].as_str().unwrap(), i["entity"]))
            .collect()
    };
    assert_eq!(from("spacy-ner"), ["Sotji \"sotji\""]);
    assert_eq!(
        from("doccano-team"),
        ["Östersjön null"],
        "the same span and label from a second source is listed once"
    );
    // Importing again adds nothing twice.
    let out = ok(&[
        "import",
        d,
        "--format",
        "jsonl",
        "--as-suggestions",
        jsonl.to_str().unwrap(),
    ]);
    assert!(out.contains("(1 were there already)"), "{out}");
    // Accepting the model's suggestion links its entity, made in erik's registry.
    ok(&[
        "suggest",
        d,
        "--annotator",
        "erik",
        "--document",
        "talks",
        "--accept",
        &spec((s, e)),
    ]);
    let entities = fs::read_to_string(dir.join("entities/erik.ron")).unwrap();
    assert!(entities.contains("id: \"sotji\""), "{entities}");
    // Both sources suggested "Sotji": the acceptance counts for both.
    let stats: Value = serde_json::from_str(&ok(&["stats", d, "--json"])).unwrap();
    assert_eq!(
        stats["suggestions"]["spacy-ner"],
        serde_json::json!({"suggested": 2, "accepted": 1, "rejected": 0, "open": 1})
    );
    assert_eq!(
        stats["suggestions"]["doccano-team"],
        serde_json::json!({"suggested": 4, "accepted": 1, "rejected": 0, "open": 3})
    );
    assert!(ok(&["check", d]).starts_with("ok:"));
    // A broken suggestions file is reported with its place.
    let file = dir.join("suggestions/spacy-ner/talks.ron");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace("text: \"Sotji\"", "text: \"Sochi\"")).unwrap();
    let check = lector(&["check", d]);
    assert_eq!(check.status.code(), Some(1));
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        said.contains("suggestions/spacy-ner/talks.ron:")
            && said.contains("the file quotes \"Sochi\" but the text there is \"Sotji\""),
        "{said}"
    );
}

#[test]
fn stats_count_what_each_source_suggested_and_what_came_of_it() {
    let (tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let (s, e) = span("Sotji", 0);
    let doccano = tmp.path().join("model.jsonl");
    let line = serde_json::json!({"document": "talks", "text": ARTICLE,
        "label": [[s, e, "Place"]]});
    fs::write(&doccano, format!("{line}\n")).unwrap();
    ok(&[
        "import",
        d,
        "--format",
        "doccano",
        "--as-suggestions",
        doccano.to_str().unwrap(),
    ]);
    let decide = |what: &str, at: (u32, u32)| {
        ok(&[
            "suggest",
            d,
            "--annotator",
            "anna",
            "--document",
            "talks",
            what,
            &spec(at),
        ]);
    };
    // erik has tagged one place, with no entity: the project's second annotator.
    ok(&[
        "annotate",
        d,
        "--document",
        "talks",
        "--annotator",
        "erik",
        "--label",
        "Place",
        "--span",
        &spec(span("Östersjön", 0)),
    ]);
    decide("--accept", span("Lukashenkos", 0));
    decide("--reject", span("Rysslands", 0));
    decide("--accept", (s, e));
    let stats: Value = serde_json::from_str(&ok(&["stats", d, "--json"])).unwrap();
    let sources = &stats["suggestions"];
    // registry: anna had 6 (1 accepted, 1 rejected, 4 open); erik, who tagged nothing, 11.
    assert_eq!(
        sources["registry"],
        serde_json::json!({"suggested": 17, "accepted": 1, "rejected": 1, "open": 15})
    );
    assert_eq!(
        sources["model"],
        serde_json::json!({"suggested": 2, "accepted": 1, "rejected": 0, "open": 1})
    );
    let table = ok(&["stats", d]);
    assert!(table.contains("Suggestions per source"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["model", "2", "1", "0", "1"]),
        "{table}"
    );
}

#[test]
fn decisions_made_in_two_clones_are_merged_by_gits_driver() {
    let (tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let decide = |what: &str, at: (u32, u32)| {
        ok(&[
            "suggest",
            d,
            "--annotator",
            "anna",
            "--document",
            "talks",
            what,
            &spec(at),
        ]);
    };
    let file = dir.join("triage/anna.ron");
    decide("--reject", span("Rysslands", 0));
    let base = fs::read_to_string(&file).unwrap();
    // One clone rejects "EU:s", the other accepts "Lukashenkos".
    decide("--reject", span("EU:s", 0));
    let ours = fs::read_to_string(&file).unwrap();
    fs::write(&file, &base).unwrap();
    decide("--accept", span("Lukashenkos", 0));
    let theirs = fs::read_to_string(&file).unwrap();
    let (b, o, t) = (
        tmp.path().join("base"),
        tmp.path().join("ours"),
        tmp.path().join("theirs"),
    );
    fs::write(&b, base).unwrap();
    fs::write(&o, ours).unwrap();
    fs::write(&t, theirs).unwrap();
    let out = lector(&[
        "merge-driver",
        b.to_str().unwrap(),
        o.to_str().unwrap(),
        t.to_str().unwrap(),
        "p/triage/anna.ron",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = fs::read_to_string(&o).unwrap();
    for text in ["\"Rysslands\"", "\"EU:s\"", "\"Lukashenkos\""] {
        assert!(merged.contains(text), "{text} in {merged}");
    }
    // The merged file reads back: all three are decided.
    fs::write(&file, merged).unwrap();
    assert!(ok(&["check", d]).starts_with("ok:"));
    let open = texts(&listed(&dir, "anna", &[]));
    assert!(
        !open
            .iter()
            .any(|t| ["Rysslands", "EU:s"].contains(&t.as_str())),
        "{open:?}"
    );
}

#[test]
fn a_decision_not_yet_saved_is_in_the_crash_journal_and_replays() {
    let (_tmp, dir) = project();
    let (store, _) = ProjectStore::open(&dir).unwrap();
    let suggester = Suggester::new(&store.project, SuggestOptions::default());
    let found = suggester.document(&store.project, "talks", "anna");
    let s = found.open().next().cloned().unwrap();
    let edit = suggest::reject_edit(&store.project, "talks", &s);
    let text = store.project.document("talks").unwrap().text.clone();
    let mut journal = lector::store::journal::Journal::create(&dir, "anna").unwrap();
    journal
        .append(&text, "talks", std::slice::from_ref(&edit))
        .unwrap();
    let (edits, problems) = lector::store::journal::read(journal.path(), &store.project);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(edits, [("talks".to_owned(), edit)]);
}

#[test]
fn label_studio_predictions_come_in_as_suggestions_and_its_annotations_do_not() {
    let (tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let (s, e) = span("Sotji", 0);
    let region = |id: &str, start: u32, end: u32, text: &str, label: &str| {
        serde_json::json!({"id": id, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}})
    };
    let tasks = serde_json::json!([{
        "id": 1,
        "data": {"text": ARTICLE},
        "annotations": [{"completed_by": {"email": "olga"},
            "result": [region("a1", 0, 9, "Östersjön", "Place")]}],
        "predictions": [{"model_version": "ner-1",
            "result": [region("p1", s, e, "Sotji", "Place")]}],
    }]);
    let file = tmp.path().join("tasks.json");
    fs::write(&file, tasks.to_string()).unwrap();
    let out = ok(&[
        "import",
        d,
        "--format",
        "label-studio",
        "--as-suggestions",
        "--source",
        "ls-model",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.starts_with("imported 1 suggestion of source ls-model"),
        "{out}"
    );
    let items = listed(&dir, "erik", &["--source", "ls-model"]);
    assert_eq!(texts(&items), ["Sotji"]);
    assert_eq!(items[0]["label"], "Place");
    assert_eq!(items[0]["entity"], Value::Null);
}

#[test]
fn an_open_project_takes_in_suggestions_and_decisions_that_arrive_on_disk() {
    let (tmp, dir) = project();
    let d = dir.to_str().unwrap();
    let (store, _) = ProjectStore::open(&dir).unwrap();
    let mut session = Session::new(store, "anna");
    let (s, e) = span("Sotji", 0);
    let doccano = tmp.path().join("late-model.jsonl");
    let line = serde_json::json!({"document": "talks", "text": ARTICLE,
        "label": [[s, e, "Place"]]});
    fs::write(&doccano, format!("{line}\n")).unwrap();
    ok(&[
        "import",
        d,
        "--format",
        "doccano",
        "--as-suggestions",
        doccano.to_str().unwrap(),
    ]);
    ok(&[
        "suggest",
        d,
        "--annotator",
        "erik",
        "--document",
        "talks",
        "--reject",
        &spec(span("Putin", 4)),
    ]);
    let changes = session.reload_changed();
    assert_eq!(
        changes.suggested,
        [("late-model".to_owned(), "talks".to_owned())]
    );
    assert_eq!(changes.triage, ["erik"]);
    assert!(
        changes.needs_reopen.is_empty(),
        "{:?}",
        changes.needs_reopen
    );
    let project = &session.store.project;
    let found =
        Suggester::new(project, SuggestOptions::default()).document(project, "talks", "anna");
    assert!(found.open().any(|x| x.source == "late-model"));
    assert_eq!(project.triage["erik"].records.len(), 1);
}
