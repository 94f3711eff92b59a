//! Following predictions and claims to their outcome (issue #8): resolution records, the
//! format-2 files and the migration from format 1, counting copies once, track records, and
//! the commands scripts rely on.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;
use common::{lector, stderr, stdout};

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use lector::model::resolution::Record;
use lector::model::{
    Annotation, AnnotationId, AttrValue, Entity, EntityId, RecordKey, Resolution, Resolutions,
    checked_fragments,
};
use lector::predict::{ResolutionStatus, StatusFilter, Tracker, Verdict};
use lector::session::{Edit, Session};
use lector::store::{ProjectStore, StoreError, resolutions_path, set_path};

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every file under `dir` with its bytes.
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

fn fixture(version: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("p");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/format-v{version}")),
        &root,
    );
    (dir, root)
}

fn record(key: RecordKey, status: ResolutionStatus, at: &str) -> Resolution {
    Record {
        key,
        outcome: status,
        date: Some("2021-03-01".parse().unwrap()),
        evidence: vec!["https://example.org/a".into()],
        note: String::new(),
        quote: String::new(),
        at: at.parse().unwrap(),
    }
}

#[test]
fn the_version_2_fixture_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v2");
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert_eq!(problems, vec![]);
    let project = &store.project;
    let doc = project.document("kyiv").unwrap();
    assert_eq!(doc.meta.published, Some("2026-11-27".parse().unwrap()));
    assert_eq!(project.predict.probabilities.certain, 0.95);
    assert_eq!(project.predict.probabilities.probable, 0.75);
    assert_eq!(project.predict.hedge_cues.len(), 1);
    assert_eq!(project.predict.hedge_cues[0].phrase, "torde");
    let prediction = project.schema.label("Prediction").unwrap();
    assert!(prediction.attribute("resolution").is_none());
    assert!(prediction.attribute("probability").is_some());
    let taras = &project.resolutions["taras"];
    let key = RecordKey::new("kyiv", "olena", AnnotationId("f0000000003".into()));
    let resolution = &taras.predictions[&key];
    assert_eq!(resolution.outcome, ResolutionStatus::DidNotComeTrue);
    assert_eq!(resolution.evidence.len(), 2);
    // The reviewed set counts: its copy is the prediction, olena's copy matched into it, and
    // taras's resolution of olena's copy is its resolution.
    let tracker = Tracker::build(project);
    assert_eq!(tracker.predictions.len(), 1);
    let p = &tracker.predictions[0];
    assert_eq!(
        (p.annotator.as_str(), p.id.0.as_str()),
        ("review.taras", "r0000000003")
    );
    assert_eq!(p.annotators, ["olena", "taras"]);
    assert_eq!(p.status, ResolutionStatus::DidNotComeTrue);
    assert_eq!(p.resolved_by.as_deref(), Some("taras"));
    assert_eq!(tracker.orphans, 0);
}

/// A copy of the format-1 fixture in which olena resolved her prediction the old way.
fn v1_with_resolution() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = fixture(1);
    let file = root.join(set_path("kyiv", "olena"));
    let text = fs::read_to_string(&file).unwrap().replace(
        r#""resolution": Choice("open")}"#,
        r#""resolution": Choice("did_not_come_true"), "resolution_date": Date("2027-02-01"), "resolution_note": Text("nobody came back, see the city's figures")}"#,
    );
    fs::write(&file, text).unwrap();
    (dir, root)
}

#[test]
fn version_1_resolutions_become_records_and_move_when_their_annotator_opens() {
    let (_dir, root) = v1_with_resolution();
    let olena_file = root.join(set_path("kyiv", "olena"));
    let before = snapshot(&root);

    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert_eq!(problems, vec![], "the old attributes are no problem");
    let project = &store.project;
    assert!(
        project
            .schema
            .label("Prediction")
            .unwrap()
            .attribute("resolution")
            .is_none()
    );
    let olena = project.set("kyiv", "olena").unwrap();
    let prediction = olena.get(&AnnotationId("f0000000003".into())).unwrap();
    assert!(
        !prediction.attributes.contains_key("resolution"),
        "one source of truth: the record"
    );
    let legacy = &project.legacy_resolutions[&("kyiv".to_owned(), "olena".to_owned())];
    assert_eq!(legacy.len(), 1);
    assert_eq!(legacy[0].outcome, ResolutionStatus::DidNotComeTrue);
    assert_eq!(legacy[0].note, "nobody came back, see the city's figures");
    // Until it is moved, the file must not be written: that would drop the resolution.
    assert!(
        store
            .read_only_reason(&set_path("kyiv", "olena"))
            .unwrap()
            .contains("format 1")
    );

    // A colleague's Lector counts it but leaves olena's file alone.
    let mut taras = Session::headless(store, "taras");
    assert!(taras.migrate_resolutions().is_none());
    assert!(taras.save_now().is_empty());
    drop(taras);
    assert_eq!(snapshot(&root), before, "nothing of olena's was written");

    // Olena's own Lector moves it: first into her resolutions file, then her annotation file
    // is rewritten in format 2 without the attributes.
    let (store, _) = ProjectStore::open(&root).unwrap();
    let mut olena = Session::headless(store, "olena");
    let migration = olena.migrate_resolutions().unwrap();
    assert!(migration.errors.is_empty(), "{:?}", migration.errors);
    assert_eq!(migration.moved, 1);
    drop(olena);
    let annotations = fs::read_to_string(&olena_file).unwrap();
    assert!(annotations.contains("format_version: 2"));
    assert!(!annotations.contains("resolution"));
    let records = fs::read_to_string(root.join(resolutions_path("olena"))).unwrap();
    assert!(
        records.contains("status: \"did_not_come_true\""),
        "{records}"
    );
    assert!(records.contains("nobody came back"));
    // project.ron is upgraded only when it is next written, so colleagues on format 1 go on.
    assert!(
        fs::read_to_string(root.join("project.ron"))
            .unwrap()
            .contains("format_version: 1")
    );

    // Reopened, the resolution is there once, from the record.
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert_eq!(problems, vec![]);
    assert!(store.project.legacy_resolutions.is_empty());
    assert!(store.read_only_reason(&set_path("kyiv", "olena")).is_none());
    let key = RecordKey::new("kyiv", "olena", AnnotationId("f0000000003".into()));
    let record = &store.project.resolutions["olena"].predictions[&key];
    assert_eq!(record.outcome, ResolutionStatus::DidNotComeTrue);
    assert_eq!(record.date, Some("2027-02-01".parse().unwrap()));
    assert_eq!(record.quote, "will … return");
    // (The fixture's reviewer took neither side of this prediction, so the reviewed set,
    // which counts, has no prediction; without it olena's copy is the prediction.)
    let mut project = store.project.clone();
    project.sets.retain(|(_, a), _| a == "olena");
    let tracker = Tracker::build(&project);
    let p = &tracker.predictions[0];
    assert_eq!(p.status, ResolutionStatus::DidNotComeTrue);
    assert_eq!(p.resolved_by.as_deref(), Some("olena"));
    assert_eq!(p.resolved_at, Some("2027-02-01".parse().unwrap()));
}

#[test]
fn a_version_1_file_is_never_merged_over() {
    // Another writer left olena's file in format 1 with a resolution while this store held
    // an older copy: a save must refuse rather than drop it.
    let (_dir, root) = fixture(1);
    let (store, _) = ProjectStore::open(&root).unwrap();
    let (_keep, with_resolution) = v1_with_resolution();
    fs::copy(
        with_resolution.join(set_path("kyiv", "olena")),
        root.join(set_path("kyiv", "olena")),
    )
    .unwrap();
    let changed = fs::read(root.join(set_path("kyiv", "olena"))).unwrap();
    let mut session = Session::headless(store, "olena");
    let text = session.store.project.document("kyiv").unwrap().text.clone();
    let a = Annotation::new("Person", checked_fragments(&text, &[(0, 9)]).unwrap());
    session.apply("kyiv", vec![Edit::insert(a)]).unwrap();
    let errors = session.save_now();
    assert!(
        matches!(errors.first(), Some(StoreError::CannotMerge { .. })),
        "{errors:?}"
    );
    assert_eq!(
        fs::read(root.join(set_path("kyiv", "olena"))).unwrap(),
        changed
    );
}

#[test]
fn resolving_never_rewrites_anyones_annotation_file() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let annotations = |root: &Path| snapshot(&root.join("annotations"));
    let before = annotations(&root);
    let anna_before = fs::read(root.join(set_path("sotji-talks", "anna"))).unwrap();
    // Erik resolves anna's copy of a prediction from the command line.
    let out = lector(&[
        "resolve",
        p,
        "--annotation",
        "mbkkbyhbn0",
        "--status",
        "did_not_come_true",
        "--date",
        "2021-12-31",
        "--evidence",
        "https://example.org/opposition",
        "--evidence",
        "“Tichanovskaya stayed in Vilnius”",
        "--note",
        "no return that year",
        "--by",
        "erik",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("resolutions/erik.ron"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        fs::read(root.join(set_path("sotji-talks", "anna"))).unwrap(),
        anna_before,
        "anna's file byte for byte"
    );
    assert_eq!(annotations(&root), before, "no annotation file changed");
    let records = fs::read_to_string(root.join(resolutions_path("erik"))).unwrap();
    assert!(records.contains("annotation: \"mbkkbyhbn0\""), "{records}");
    assert!(records.contains("Tichanovskaya stayed in Vilnius"));

    // And through the app's path: a session of anna's resolving erik's copy.
    let (store, _) = ProjectStore::open(&root).unwrap();
    let erik_key = RecordKey::new("sotji-talks", "erik", AnnotationId("r334q8r0tg".into()));
    let mut session = Session::new(store, "anna");
    session
        .apply(
            "sotji-talks",
            vec![Edit::Resolve(Box::new(record(
                erik_key,
                ResolutionStatus::Ambiguous,
                "2030-01-01T00:00:00Z",
            )))],
        )
        .unwrap();
    assert!(session.save_now().is_empty());
    drop(session);
    assert_eq!(annotations(&root), before, "no annotation file changed");
}

#[test]
fn two_annotators_copies_are_one_prediction_with_one_resolution() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let all = json(&lector(&["predictions", p, "--json"]));
    let all = all.as_array().unwrap();
    // anna tagged 8 predictions and erik 8; 7 are the same predictions: 9 in all.
    assert_eq!(all.len(), 9);
    let talks = all
        .iter()
        .find(|x| {
            x["text"]
                .as_str()
                .unwrap()
                .contains("hålla samtalen i Sotji")
        })
        .unwrap();
    assert_eq!(talks["annotators"], serde_json::json!(["anna", "erik"]));
    // The sample's resolution is erik's, of erik's copy; the prediction shows anna's copy.
    assert_eq!(talks["annotator"], "anna");
    assert_eq!(talks["status"], "came_true");
    assert_eq!(talks["resolved_at"], "2021-02-22");
    assert_eq!(talks["evidence"].as_array().unwrap().len(), 1);
    for field in [
        "document",
        "annotator",
        "id",
        "text",
        "holder",
        "certainty",
        "probability",
        "condition",
        "due",
        "status",
        "resolved_at",
        "evidence",
        "resolution_note",
        "annotators",
    ] {
        assert!(talks.get(field).is_some(), "field {field}");
    }
    assert_eq!(talks["holder"], "christina-kitova");
    assert_eq!(talks["probability"], 0.93);

    // A later resolution by anna of her own copy is the one that counts, still once.
    let out = lector(&[
        "resolve",
        p,
        "--annotation",
        "s6x47v68fv",
        "--status",
        "withdrawn",
        "--date",
        "2021-03-01",
        "--by",
        "anna",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = json(&lector(&["predictions", p, "--json"]));
    let talks: Vec<&serde_json::Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["text"]
                .as_str()
                .unwrap()
                .contains("hålla samtalen i Sotji")
        })
        .collect();
    assert_eq!(talks.len(), 1);
    assert_eq!(talks[0]["status"], "withdrawn");
}

#[test]
fn predictions_filter_by_status_holder_and_today() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["predictions", p, "--json"];
        all.extend_from_slice(args);
        json(&lector(&all))
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Due dates in the sample: 2021-02-28 (resolved) and 2021-12-31 (resolved, ambiguous).
    assert_eq!(ids(&["--status", "resolved"]).len(), 3);
    assert_eq!(ids(&["--status", "open"]).len(), 6);
    let (_dir2, fresh) = common::sample_project_copy();
    // Reopen the talks prediction so that it is open and due again.
    let f = fresh.to_str().unwrap();
    let out = lector(&[
        "resolve",
        f,
        "--annotation",
        "s6x47v68fv",
        "--status",
        "open",
        "--date",
        "2021-03-01",
        "--by",
        "anna",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let due = |today: &str, status: &str| -> usize {
        json(&lector(&[
            "predictions",
            f,
            "--json",
            "--status",
            status,
            "--today",
            today,
        ]))
        .as_array()
        .unwrap()
        .len()
    };
    // Due on 2021-02-28: due that day, overdue only after it.
    assert_eq!(due("2021-02-27", "due"), 0);
    assert_eq!(due("2021-02-28", "due"), 1);
    assert_eq!(due("2021-02-28", "overdue"), 0);
    assert_eq!(due("2021-03-01", "overdue"), 1);
    assert_eq!(ids(&["--holder", "alexander-lukashenko"]), ["8p7rpw58te"]);
    assert_eq!(
        ids(&["--holder", "Alexander Lukashenko"]),
        ["8p7rpw58te"],
        "by name too"
    );
    let out = lector(&["predictions", p, "--holder", "nobody-at-all"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("alexander-lukashenko"),
        "{}",
        stderr(&out)
    );
    let out = lector(&["predictions", p, "--status", "pending"]);
    assert!(!out.status.success());
    let table = stdout(&lector(&["predictions", p, "--today", "2026-01-01"]));
    assert!(table.contains("9 predictions"), "{table}");
}

#[test]
fn track_records_by_hand_from_the_command_line() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let value = json(&lector(&["track-record", p, "--json"]));
    let holders = value["holders"].as_array().unwrap();
    let kitova = holders
        .iter()
        .find(|h| h["holder"] == "christina-kitova")
        .unwrap();
    // 8 made; the talks came true (certain, 0.93) and the billion is ambiguous (not scored).
    assert_eq!(kitova["name"], "Christina Kitova");
    assert_eq!(kitova["predictions"], 8);
    assert_eq!(kitova["resolved"], 2);
    assert_eq!(kitova["came_true"], 1);
    assert_eq!(kitova["did_not_come_true"], 0);
    assert_eq!(kitova["share_true"], 1.0);
    // (0.93 − 1)² = 0.0049.
    assert!((kitova["brier"].as_f64().unwrap() - 0.0049).abs() < 1e-12);
    let luka = holders
        .iter()
        .find(|h| h["holder"] == "alexander-lukashenko")
        .unwrap();
    // probable (0.75) came true: (0.75 − 1)² = 0.0625.
    assert!((luka["brier"].as_f64().unwrap() - 0.0625).abs() < 1e-12);

    // Erik says "Putin kommer inte att förbli av kurs" (certainly_not) came true: a good
    // forecast, (0.07 − 0)² = 0.0049, and a second scored prediction for Kitova.
    let out = lector(&[
        "resolve",
        p,
        "--annotation",
        "an731gexqj",
        "--status",
        "came_true",
        "--date",
        "2022-02-24",
        "--by",
        "erik",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value = json(&lector(&["track-record", p, "--json"]));
    let kitova = value["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == "christina-kitova")
        .unwrap()
        .clone();
    assert_eq!(kitova["came_true"], 2);
    assert!((kitova["brier"].as_f64().unwrap() - 0.0049).abs() < 1e-12);

    // A holder with nothing scored has null share and Brier.
    let (_dir, fresh) = common::sample_project_copy();
    fs::remove_dir_all(fresh.join("resolutions")).unwrap();
    let value = json(&lector(&[
        "track-record",
        fresh.to_str().unwrap(),
        "--json",
    ]));
    assert!(value["holders"][0]["brier"].is_null());
    assert!(value["holders"][0]["share_true"].is_null());

    // Sources: anna's verdict on the EU claim (supported).
    let sources = value_sources(&root);
    let kitova = sources
        .iter()
        .find(|s| s["source"] == "christina-kitova")
        .unwrap();
    assert_eq!(kitova["supported"], 1);
    for field in [
        "source",
        "name",
        "claims",
        "supported",
        "refuted",
        "not_enough_evidence",
        "conflicting",
        "unreviewed",
    ] {
        assert!(kitova.get(field).is_some(), "field {field}");
    }
    let table = stdout(&lector(&["track-record", p]));
    assert!(table.contains("Christina Kitova"), "{table}");
    assert!(
        table.contains("certain 0.93"),
        "the mapping is said: {table}"
    );
}

fn value_sources(root: &Path) -> Vec<serde_json::Value> {
    json(&lector(&["track-record", root.to_str().unwrap(), "--json"]))["sources"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_project_mapping_changes_the_brier_score() {
    let (_dir, root) = common::sample_project_copy();
    let file = root.join("project.ron");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("certain: 0.93,", "certain: 1.0,");
    fs::write(&file, text).unwrap();
    let value = json(&lector(&["track-record", root.to_str().unwrap(), "--json"]));
    let kitova = value["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == "christina-kitova")
        .unwrap()
        .clone();
    assert_eq!(kitova["brier"], 0.0, "(1 − 1)²");
    assert_eq!(value["probabilities"]["certain"], 1.0);
    // A mapping out of order is reported with its place.
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("probable: 0.75,", "probable: 1.5,");
    fs::write(&file, text).unwrap();
    let out = lector(&["check", root.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("project.ron:") && stdout(&out).contains("probable (1.5)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn resolve_refuses_what_it_cannot_record() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let before = snapshot(&root);
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["resolve", p];
        all.extend_from_slice(args);
        let out = lector(&all);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    };
    refused(
        &[
            "--annotation",
            "nope",
            "--status",
            "came_true",
            "--by",
            "erik",
        ],
        "there is no annotation nope",
    );
    refused(
        &[
            "--annotation",
            "mbkkbyhbn0",
            "--status",
            "true",
            "--by",
            "erik",
        ],
        "a prediction is came_true",
    );
    refused(
        &[
            "--annotation",
            "mbkkbyhbn0",
            "--status",
            "came_true",
            "--date",
            "2999-01-01",
            "--by",
            "erik",
        ],
        "after today",
    );
    refused(
        &[
            "--annotation",
            "nzj2cez37r",
            "--status",
            "came_true",
            "--by",
            "erik",
        ],
        "the verdict on a claim",
    );
    refused(
        &[
            "--annotation",
            "mbkkbyhbn0",
            "--status",
            "came_true",
            "--by",
            "review.x",
        ],
        "--by",
    );
    assert_eq!(snapshot(&root), before, "nothing written");
}

#[test]
fn resolutions_round_trip_through_ron() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let doc = store
        .add_text("a.txt", "A", "Han kommer att vinna.\n".to_owned())
        .unwrap();
    let key = |id: &str| RecordKey::new(&doc, "anna", AnnotationId(id.into()));
    let mut resolutions = Resolutions::new("erik");
    let tricky = Record {
        key: key("p1"),
        outcome: ResolutionStatus::CameTrue,
        date: Some("2027-03-12".parse().unwrap()),
        evidence: vec![
            "https://example.org/a?b=1&c=\"2\"".into(),
            "“Han vann” — quote with\nnewline, 👍🏽 and \\ backslash".into(),
        ],
        note: "note with ) and ( and , and \"quotes\"".into(),
        quote: "Han kommer att vinna.".into(),
        at: "2027-03-12T10:00:00Z".parse().unwrap(),
    };
    resolutions.predictions.insert(key("p1"), tricky);
    resolutions.predictions.insert(
        key("p0"),
        Record {
            date: None,
            evidence: Vec::new(),
            ..record(key("p0"), ResolutionStatus::Open, "2027-01-01T00:00:00Z")
        },
    );
    resolutions.claims.insert(
        key("c1"),
        Record {
            key: key("c1"),
            outcome: Verdict::NotEnoughEvidence,
            date: None,
            evidence: vec!["a".into()],
            note: String::new(),
            quote: String::new(),
            at: "2027-01-01T00:00:00Z".parse().unwrap(),
        },
    );
    store
        .project
        .resolutions
        .insert("erik".into(), resolutions.clone());
    let pending = store.prepare_resolutions_save("erik", None).unwrap();
    store.finish_write(pending.run()).unwrap();
    let written = fs::read_to_string(dir.path().join(resolutions_path("erik"))).unwrap();
    // Sorted by annotation: p0 before p1.
    assert!(written.find("\"p0\"").unwrap() < written.find("\"p1\"").unwrap());
    let (loaded, problems) = ProjectStore::open(dir.path()).unwrap();
    assert_eq!(problems, vec![]);
    assert_eq!(loaded.project.resolutions["erik"], resolutions);
    // Written again, byte for byte the same.
    let mut again = loaded;
    let pending = again.prepare_resolutions_save("erik", None).unwrap();
    again.finish_write(pending.run()).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join(resolutions_path("erik"))).unwrap(),
        written
    );
}

#[test]
fn two_writers_resolving_at_once_keep_each_others_records() {
    let (_dir, root) = common::sample_project_copy();
    let key = |annotator: &str, id: &str| {
        RecordKey::new("sotji-talks", annotator, AnnotationId(id.into()))
    };
    let (a, _) = ProjectStore::open(&root).unwrap();
    let (b, _) = ProjectStore::open(&root).unwrap();
    // Two windows of erik's (or a window and `lector resolve`).
    let mut one = Session::headless(a, "erik");
    let mut two = Session::headless(b, "erik");
    one.apply(
        "sotji-talks",
        vec![Edit::Resolve(Box::new(record(
            key("anna", "mbkkbyhbn0"),
            ResolutionStatus::DidNotComeTrue,
            "2030-01-01T00:00:00Z",
        )))],
    )
    .unwrap();
    two.apply(
        "sotji-talks",
        vec![Edit::Resolve(Box::new(record(
            key("anna", "z0t2we8mw3"),
            ResolutionStatus::CameTrue,
            "2030-01-01T00:00:00Z",
        )))],
    )
    .unwrap();
    assert!(one.save_now().is_empty());
    assert!(two.save_now().is_empty(), "merged, not refused");
    let (store, _) = ProjectStore::open(&root).unwrap();
    let erik = &store.project.resolutions["erik"];
    // The sample's two records and the two new ones.
    assert_eq!(erik.predictions.len(), 4);
    assert!(erik.predictions.contains_key(&key("anna", "mbkkbyhbn0")));
    assert!(erik.predictions.contains_key(&key("anna", "z0t2we8mw3")));
}

/// The child side of `a_resolution_is_undone_and_survives_a_crash`: olga records that anna's
/// prediction came true, says so, and waits to be killed before any save.
#[test]
fn resolve_crash_child() {
    let Ok(root) = std::env::var("LECTOR_RESOLVE_CRASH_CHILD") else {
        return;
    };
    let (store, _) = ProjectStore::open(Path::new(&root)).unwrap();
    let mut session = Session::new(store, "olga");
    let key = RecordKey::new("sotji-talks", "anna", AnnotationId("mbkkbyhbn0".into()));
    let edit = Edit::Resolve(Box::new(record(
        key,
        ResolutionStatus::CameTrue,
        "2030-01-01T00:00:00Z",
    )));
    session.apply("sotji-talks", vec![edit]).unwrap();
    println!("RESOLVED");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_resolution_is_undone_and_survives_a_crash() {
    let (_dir, root) = common::sample_project_copy();
    let key = RecordKey::new("sotji-talks", "anna", AnnotationId("mbkkbyhbn0".into()));
    let (store, _) = ProjectStore::open(&root).unwrap();
    let mut session = Session::new(store, "olga");
    let edit = Edit::Resolve(Box::new(record(
        key.clone(),
        ResolutionStatus::CameTrue,
        "2030-01-01T00:00:00Z",
    )));
    session.apply("sotji-talks", vec![edit]).unwrap();
    assert!(session.undo("sotji-talks"));
    assert!(
        session
            .store
            .project
            .resolutions
            .get("olga")
            .is_none_or(|r| r.predictions.is_empty())
    );
    assert!(session.save_now().is_empty());
    drop(session);
    // A session killed before its autosave leaves the edit in its journal (its lock goes
    // with the process).
    common::killed_child(
        "resolve_crash_child",
        &[("LECTOR_RESOLVE_CRASH_CHILD", root.to_str().unwrap())],
        "RESOLVED",
    );
    let (store, _) = ProjectStore::open(&root).unwrap();
    assert!(
        store
            .project
            .resolutions
            .get("olga")
            .is_none_or(|r| r.predictions.is_empty()),
        "nothing was saved before the kill"
    );
    let mut session = Session::new(store, "olga");
    let recovery = session.recover().unwrap();
    assert_eq!(recovery.edits, 1, "{:?}", recovery.problems);
    assert_eq!(
        session.store.project.resolutions["olga"].predictions[&key].outcome,
        ResolutionStatus::CameTrue
    );
    assert!(session.save_now().is_empty());
    assert!(root.join(resolutions_path("olga")).is_file());
}

/// A project with anna's and erik's copies of two predictions, and olga's reviewed set that
/// kept only one of them.
#[test]
fn a_reviewed_set_is_the_one_that_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(dir.path(), "T").unwrap();
    let doc = store
        .add_text(
            "a.txt",
            "A",
            "Putin kommer att vinna. Lukashenko kommer troligen att stanna.\n".to_owned(),
        )
        .unwrap();
    let text = store.project.document(&doc).unwrap().text.clone();
    let prediction = |s, e| {
        let mut a = Annotation::new("Prediction", checked_fragments(&text, &[(s, e)]).unwrap());
        a.attributes
            .insert("certainty".into(), AttrValue::Choice("certain".into()));
        a
    };
    let mut ids = BTreeMap::new();
    let mut second = Vec::new();
    for who in ["anna", "erik", "review.olga"] {
        let first = prediction(0, 23);
        ids.insert(who, first.id.clone());
        store.project.set_mut(&doc, who).insert(first);
        if who != "review.olga" {
            let other = prediction(24, 62);
            second.push((who, other.id.clone()));
            store.project.set_mut(&doc, who).insert(other);
        }
    }
    // Olga has not decided on the second yet (a review under way, or finished with
    // disagreements left): it counts as if there were no review, from anna's copy.
    let tracker = Tracker::build(&store.project);
    assert_eq!(tracker.predictions.len(), 2, "{:?}", tracker.predictions);
    assert_eq!(tracker.predictions[1].annotator, "anna");
    assert_eq!(tracker.predictions[1].annotators, ["anna", "erik"]);
    // Once she decides against it, it is left out.
    store
        .project
        .review_mut(&doc, "olga")
        .upsert(lector::model::review::Decision {
            sources: second.iter().cloned().collect(),
            start: lector::model::CharOffset(24),
            end: lector::model::CharOffset(62),
            kind: "only some annotators".into(),
            choice: lector::model::review::Choice::Neither,
            result: Vec::new(),
            note: String::new(),
            at: jiff::Timestamp::UNIX_EPOCH,
        });
    let tracker = Tracker::build(&store.project);
    assert_eq!(tracker.predictions.len(), 1, "olga kept one");
    let p = &tracker.predictions[0];
    assert_eq!(p.annotator, "review.olga");
    assert_eq!(p.annotators, ["anna", "erik", "olga"]);
    // Erik's resolution of his own copy is the reviewed prediction's.
    let key = RecordKey::new(&doc, "erik", ids["erik"].clone());
    store.project.resolutions_mut("erik").predictions.insert(
        key.clone(),
        record(key, ResolutionStatus::CameTrue, "2030-01-01T00:00:00Z"),
    );
    let tracker = Tracker::build(&store.project);
    assert_eq!(tracker.predictions[0].status, ResolutionStatus::CameTrue);
    assert!(StatusFilter::Resolved.accepts(&tracker.predictions[0], "2030-01-01".parse().unwrap()));
}

/// Two annotators tag one prediction; whoever sorts first leaves the due date, holder,
/// condition or probability empty, the other fills them: the prediction has them either way.
#[test]
fn a_prediction_has_every_copys_attributes_whatever_the_names() {
    let prediction_of = |first: &str, second: &str| {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ProjectStore::create(dir.path(), "T").unwrap();
        let doc = store
            .add_text(
                "a.txt",
                "A",
                "Kanske kommer oppositionen att vinna valet.\n".to_owned(),
            )
            .unwrap();
        let text = store.project.document(&doc).unwrap().text.clone();
        let bare = Annotation::new("Prediction", checked_fragments(&text, &[(0, 43)]).unwrap());
        let mut filled = bare.clone();
        filled.id = AnnotationId("p-filled".into());
        for (name, value) in [
            ("holder", AttrValue::Entity(EntityId("kitova".into()))),
            ("condition", AttrValue::Text("om valet hålls".into())),
            ("probability", AttrValue::Number(0.7)),
            ("due", AttrValue::Date("2021-06-01".parse().unwrap())),
            ("certainty", AttrValue::Choice("possible".into())),
        ] {
            filled.attributes.insert(name.into(), value);
        }
        store.project.set_mut(&doc, first).insert(bare);
        store.project.set_mut(&doc, second).insert(filled);
        let tracker = Tracker::build(&store.project);
        assert_eq!(tracker.predictions.len(), 1);
        tracker.predictions[0].clone()
    };
    // "aaron" sorts before "zed" and before "anna": his empty copy is the one shown.
    for (bare, filled) in [("aaron", "zed"), ("zed", "aaron")] {
        let p = prediction_of(bare, filled);
        assert_eq!(p.holder, Some(EntityId("kitova".into())), "{bare} {filled}");
        assert_eq!(p.condition.as_deref(), Some("om valet hålls"));
        assert_eq!(p.stated_probability, Some(0.7));
        assert_eq!(p.certainty.as_deref(), Some("possible"));
        assert!(
            StatusFilter::Overdue.accepts(&p, "2021-07-01".parse().unwrap()),
            "due whoever filled it in"
        );
    }
}

#[test]
fn the_latest_of_several_resolutions_counts() {
    let (_dir, root) = common::sample_project_copy();
    let (mut store, _) = ProjectStore::open(&root).unwrap();
    let anna = RecordKey::new("sotji-talks", "anna", AnnotationId("z0t2we8mw3".into()));
    let erik_copy = Tracker::build(&store.project)
        .predictions
        .iter()
        .find(|p| p.id == anna.annotation)
        .unwrap()
        .copies
        .iter()
        .find(|k| k.annotator == "erik")
        .unwrap()
        .clone();
    store.project.resolutions_mut("olga").predictions.insert(
        anna.clone(),
        record(anna, ResolutionStatus::CameTrue, "2030-01-01T00:00:00Z"),
    );
    store.project.resolutions_mut("bo").predictions.insert(
        erik_copy.clone(),
        record(
            erik_copy,
            ResolutionStatus::Withdrawn,
            "2030-01-02T00:00:00Z",
        ),
    );
    let tracker = Tracker::build(&store.project);
    let p = tracker
        .predictions
        .iter()
        .find(|p| p.text.contains("radarstationen"))
        .unwrap();
    assert_eq!(p.status, ResolutionStatus::Withdrawn);
    assert_eq!(p.resolved_by.as_deref(), Some("bo"));
}

#[test]
fn claims_take_their_verdict_from_records_else_the_attribute() {
    let (_dir, root) = common::sample_project_copy();
    let (store, _) = ProjectStore::open(&root).unwrap();
    let tracker = Tracker::build(&store.project);
    let eu = tracker
        .claims
        .iter()
        .find(|c| c.text.contains("erkänns inte av Europeiska unionen"))
        .unwrap();
    assert_eq!(eu.verdict, Verdict::Supported);
    assert_eq!(
        eu.verdict_from,
        lector::predict::VerdictSource::Record("anna".into())
    );
    assert_eq!(eu.evidence.len(), 1);
    assert!(
        tracker
            .claims
            .iter()
            .filter(|c| c.id != eu.id)
            .all(|c| c.verdict == Verdict::Unreviewed)
    );
}

#[test]
fn add_published_and_due_phrases_and_hedges_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    let p = project.to_str().unwrap();
    assert!(lector(&["new", p]).status.success());
    let article = dir.path().join("talks.txt");
    fs::write(
        &article,
        "Det är troligt att Lukashenko får stöd före utgången av 2027.\nHan kommer inte att avgå.\n",
    )
    .unwrap();
    let out = lector(&[
        "add",
        p,
        article.to_str().unwrap(),
        "--published",
        "2026-02-20",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = lector(&["add", p, article.to_str().unwrap(), "--published", "20 feb"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));
    let (store, _) = ProjectStore::open(&project).unwrap();
    let meta = &store.project.document("talks").unwrap().meta;
    assert_eq!(meta.published, Some("2026-02-20".parse().unwrap()));
    drop(store);

    let annotate = |span: &str, attrs: &[&str]| {
        let mut args = vec![
            "annotate",
            p,
            "--document",
            "talks",
            "--annotator",
            "anna",
            "--label",
            "Prediction",
            "--span",
            span,
        ];
        for a in attrs {
            args.push("--attr");
            args.push(a);
        }
        lector(&args)
    };
    // "inom två år" against the publication date 2026-02-20: 2028-02-20.
    let out = annotate("0:61", &["due=inom två år"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("due:") && err.contains("2028-02-20"), "{err}");
    assert!(
        err.contains("certainty: proposed probable") && err.contains("Det är troligt"),
        "{err}"
    );
    let id = stdout(&out).trim().to_owned();
    // The negated bare future: certainly_not.
    let out = annotate("62:87", &["due=by the end of the year"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("certainly_not"), "{}", stderr(&out));
    assert!(stderr(&out).contains("2026-12-31"), "{}", stderr(&out));
    // A phrase it cannot read is an error, never a guess.
    let out = annotate("0:20", &["due=när snön smälter"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    // An explicit certainty is kept, and nothing is proposed.
    let out = annotate("0:30", &["certainty=possible"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("proposed"), "{}", stderr(&out));

    let (store, _) = ProjectStore::open(&project).unwrap();
    let set = store.project.set("talks", "anna").unwrap();
    let a = set.get(&AnnotationId::from(id)).unwrap();
    assert_eq!(
        a.attributes.get("due"),
        Some(&AttrValue::Date("2028-02-20".parse().unwrap()))
    );
    assert_eq!(
        a.attributes.get("certainty"),
        Some(&AttrValue::Choice("probable".into()))
    );
}

#[test]
fn a_stated_probability_is_stored_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    let p = project.to_str().unwrap();
    assert!(lector(&["new", p]).status.success());
    let article = dir.path().join("a.txt");
    fs::write(
        &article,
        "Det finns 70 procents sannolikhet att han vinner.\n",
    )
    .unwrap();
    assert!(
        lector(&["add", p, article.to_str().unwrap()])
            .status
            .success()
    );
    let out = lector(&[
        "annotate",
        p,
        "--document",
        "a",
        "--annotator",
        "anna",
        "--label",
        "Prediction",
        "--span",
        "0:48",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("70"), "{}", stderr(&out));
    let all = json(&lector(&["predictions", p, "--json"]));
    assert_eq!(all[0]["certainty"], "probable");
    assert_eq!(all[0]["probability"], 0.7);
}

/// Puts an entity in `who`'s registry (in memory; the caller saves it if it must be on disk).
fn put_entity(store: &mut ProjectStore, who: &str, id: &str, name: &str, label: &str) {
    store
        .project
        .entities
        .entry(who.into())
        .or_default()
        .upsert(Entity {
            id: EntityId(id.into()),
            name: name.into(),
            label: label.into(),
            note: String::new(),
        });
}

/// The sample's entities, for a test that needs a holder's name.
#[test]
fn holders_are_named_from_any_annotators_entities() {
    let (_dir, root) = common::sample_project_copy();
    let (mut store, _) = ProjectStore::open(&root).unwrap();
    put_entity(
        &mut store,
        "zed",
        "christina-kitova",
        "Someone else",
        "Person",
    );
    let tracker = Tracker::build(&store.project);
    let kitova = tracker
        .predictions
        .iter()
        .find(|p| p.holder.as_ref().is_some_and(|h| h.0 == "christina-kitova"))
        .unwrap();
    assert_eq!(
        kitova.holder_name.as_deref(),
        Some("Christina Kitova"),
        "the first annotator's name, by annotator order"
    );
}

#[test]
fn csv_and_html_exports_carry_the_resolutions_and_track_records() {
    let (dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let csv = dir.path().join("out.csv");
    let out = lector(&[
        "export",
        p,
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&fs::read_to_string(&csv).unwrap());
    let header = &rows[0];
    assert_eq!(
        header[header.len() - 5..],
        [
            "resolution",
            "resolved_at",
            "resolved_by",
            "evidence",
            "resolution_note"
        ]
    );
    let tail = |row: &Vec<String>| row[row.len() - 5..].to_vec();
    // Both annotators' copies of the talks prediction carry erik's resolution.
    let talks: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[3] == "Prediction" && r[8].contains("hålla samtalen i Sotji denna vecka"))
        .collect();
    assert_eq!(talks.len(), 2, "anna's and erik's copies");
    for row in talks {
        let tail = tail(row);
        assert_eq!(tail[..3], ["came_true", "2021-02-22", "erik"]);
        let evidence: Vec<String> = serde_json::from_str(&tail[3]).unwrap();
        assert!(
            evidence[0].starts_with("Kremlin.ru, 22 February 2021"),
            "{evidence:?}"
        );
        assert!(tail[4].contains("took place in Sochi"));
    }
    let claim = rows.iter().find(|r| r[2] == "nzj2cez37r").unwrap();
    assert_eq!(tail(claim)[..3], ["supported", "2021-02-22", "anna"]);
    let person = rows.iter().find(|r| r[3] == "Person").unwrap();
    assert!(tail(person).iter().all(String::is_empty));

    let html = dir.path().join("out.html");
    let out = lector(&[
        "export",
        p,
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(&html).unwrap();
    // Each copy's card says how it turned out, as the CSV does.
    let card = |id: &str| {
        let at = report
            .find(&format!("<div class=\"card claim\" data-id=\"{id}\""))
            .or_else(|| report.find(&format!("data-id=\"{id}\"><strong>")))
            .unwrap_or_else(|| panic!("a card for {id}"));
        let end = at + report[at..].find("</div>").unwrap();
        report[at..end].to_owned()
    };
    let talks = card("s6x47v68fv");
    assert!(
        talks.contains("<dt>outcome</dt><dd>came true</dd>"),
        "{talks}"
    );
    assert!(talks.contains("<dd>by erik on 2021-02-22</dd>"), "{talks}");
    assert!(talks.contains("Kremlin.ru, 22 February 2021"), "{talks}");
    let claim = card("nzj2cez37r");
    assert!(
        claim.contains("<dt>checked</dt><dd>supported</dd>"),
        "{claim}"
    );
    assert!(
        !claim.contains("unreviewed"),
        "the recorded verdict, not the attribute: {claim}"
    );
    let section = &report[report.find("id=\"track-records\"").unwrap()..];
    assert!(section.contains("<td>Christina Kitova</td><td>8</td><td>2</td><td>1</td><td>0</td><td>1.000</td><td>0.005</td>"), "{section}");
    assert!(section.contains("<td>Alexander Lukashenko</td><td>1</td><td>1</td><td>1</td><td>0</td><td>1.000</td><td>0.062</td>"));
    // Two scored probabilities (0.75 and 0.93): two dots on the calibration chart.
    assert_eq!(section.matches("<circle").count(), 2, "{section}");
    assert!(!section.contains("<script"), "no script in the report");
}

/// RFC 4180 records (quoted cells may hold commas, quotes and newlines), BOM dropped.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// `lector annotate` links a holder from a colleague's registry as the app's picker does:
/// the entity is copied into the annotator's own registry with its id.
#[test]
fn a_holder_from_a_colleagues_registry_is_linked_from_the_command_line() {
    let (_dir, root) = common::sample_project_copy();
    let p = root.to_str().unwrap();
    let predict = |who: &str, span: &str, holder: &str| {
        let holder = format!("holder={holder}");
        lector(&[
            "annotate",
            p,
            "--document",
            "sotji-talks",
            "--annotator",
            who,
            "--label",
            "Prediction",
            "--span",
            span,
            "--attr",
            &holder,
        ])
    };
    let out = predict("zed", "0:20", "Christina Kitova");
    assert!(out.status.success(), "{}", stderr(&out));
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let zed = store.project.set("sotji-talks", "zed").unwrap();
    assert_eq!(
        zed.annotations()[0].attributes.get("holder"),
        Some(&AttrValue::Entity(EntityId("christina-kitova".into())))
    );
    let registry = store.project.registry("zed").unwrap();
    assert_eq!(registry.entities.len(), 1);
    assert_eq!(registry.entities[0].name, "Christina Kitova");
    // An annotator whose own entity has that id (another entity of hers) keeps it: the
    // colleague's is not copied over it.
    {
        let (mut store, _) = ProjectStore::open(&root).unwrap();
        put_entity(
            &mut store,
            "ylva",
            "christina-kitova",
            "Kitova Bank",
            "Organization",
        );
        store.save_entities("ylva").unwrap();
    }
    let out = predict("ylva", "0:20", "Christina Kitova");
    assert!(!out.status.success(), "{}", stdout(&out));
    let (store, _) = ProjectStore::open(&root).unwrap();
    assert_eq!(
        store.project.registry("ylva").unwrap().entities[0].name,
        "Kitova Bank"
    );
    // A name nobody has is still refused, naming what is known.
    let out = predict("zed", "21:40", "Nobody Known");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no entity \"Nobody Known\""),
        "{}",
        stderr(&out)
    );
}
