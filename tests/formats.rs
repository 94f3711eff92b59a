//! Exports read back by each format's own reference reader (Python, pinned in
//! tests/py/requirements-formats.txt), import round trips, and bad import input.
//!
//! Fixtures hold the test vectors of `reference/formats.md` §2 (read from CRLF files, so
//! normalised at import), Swedish NFD, Cyrillic, emoji with skin tone and a ZWJ family,
//! U+00A0, a form feed, cells starting with `=` and `-`, overlaps, a discontinuous span,
//! attributes, entity links and notes.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use lector::formats::{self, Format, Selection, import};
use lector::model::{
    Annotation, AttrType, AttrValue, AttributeDef, CharOffset, Entity, EntityId, Fragment, Project,
    checked_fragments,
};
use lector::store::ProjectStore;
use serde_json::json;

const VECTOR_A: &str = "Café 👍🏽 said\r\nEricsson.";
const VECTOR_B: &str = "Ma\u{030A}r: Лукашенко 👩\u{200D}👩\u{200D}👧 möter\r\nPutin.";
const CHECKLIST: &str = "=Start -dash @at duman\u{A0} fraktioner\u{C} end\r\n";

fn fragments(project: &Project, doc: &str, raw: &[(u32, u32)]) -> Vec<Fragment> {
    checked_fragments(&project.document(doc).unwrap().text, raw).unwrap()
}

/// Makes the fixture project in `dir` and returns it opened.
fn fixture(dir: &Path) -> ProjectStore {
    let mut store = ProjectStore::create(&dir.join("proj"), "Formats").unwrap();
    for (name, text) in [
        ("vector-a.txt", VECTOR_A),
        ("vector-b.txt", VECTOR_B),
        ("checklist.txt", CHECKLIST),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        store.add_article(&file, None).unwrap();
    }
    let p = &mut store.project;
    // An annotation-valued attribute, for relations and links.
    p.schema
        .labels
        .iter_mut()
        .find(|l| l.name == "Prediction")
        .unwrap()
        .attributes
        .push(AttributeDef {
            name: "evidence".to_owned(),
            ty: AttrType::Annotation,
            help: "What the prediction rests on".to_owned(),
            title: String::new(),
        });
    let entity = |id: &str, name: &str, label: &str| Entity {
        id: EntityId(id.to_owned()),
        name: name.to_owned(),
        label: label.to_owned(),
        note: String::new(),
    };
    let registry = p.entities.entry("anna".to_owned()).or_default();
    registry.upsert(entity(
        "alexander-lukashenko",
        "Alexander Lukashenko",
        "Person",
    ));
    registry.upsert(entity("vladimir-putin", "Vladimir Putin", "Person"));
    let add = |p: &mut Project,
               doc: &str,
               label: &str,
               raw: &[(u32, u32)],
               f: &dyn Fn(&mut Annotation)| {
        let mut a = Annotation::new(label, fragments(p, doc, raw));
        f(&mut a);
        p.set_mut(doc, "anna").insert(a);
    };
    add(p, "vector-a", "Organization", &[(13, 21)], &|_| {});
    add(p, "vector-a", "Other", &[(5, 7)], &|a| {
        a.note = "thumbs up with skin tone".to_owned()
    });
    // A combining sequence: "Ma\u{30A}r".
    add(p, "vector-b", "Place", &[(0, 4)], &|_| {});
    add(p, "vector-b", "Person", &[(6, 15)], &|a| {
        a.entity = Some(EntityId("alexander-lukashenko".to_owned()))
    });
    add(p, "vector-b", "Person", &[(28, 33)], &|a| {
        a.entity = Some(EntityId("vladimir-putin".to_owned()))
    });
    add(p, "vector-b", "Prediction", &[(6, 15), (22, 27)], &|a| {
        a.attributes.insert(
            "certainty".to_owned(),
            AttrValue::Choice("probable".to_owned()),
        );
        a.attributes.insert(
            "holder".to_owned(),
            AttrValue::Entity(EntityId("alexander-lukashenko".to_owned())),
        );
        a.attributes.insert(
            "condition".to_owned(),
            AttrValue::Text("om han samarbetar".to_owned()),
        );
        a.note = "outer\tcue\nhere".to_owned();
    });
    add(p, "vector-b", "Claim", &[(16, 33)], &|a| {
        a.attributes.insert(
            "verdict".to_owned(),
            AttrValue::Choice("unreviewed".to_owned()),
        );
    });
    let claim = p
        .set("vector-b", "anna")
        .unwrap()
        .annotations()
        .iter()
        .find(|a| a.label == "Claim")
        .unwrap()
        .id
        .clone();
    let set = p.set_mut("vector-b", "anna");
    let prediction = set
        .iter()
        .find(|a| a.label == "Prediction")
        .unwrap()
        .id
        .clone();
    set.update(&prediction, |a| {
        a.attributes
            .insert("evidence".to_owned(), AttrValue::Annotation(claim));
    });
    add(p, "checklist", "Other", &[(0, 6)], &|_| {});
    add(p, "checklist", "Event", &[(7, 12)], &|_| {});
    add(p, "checklist", "Organization", &[(13, 16)], &|_| {});
    add(p, "checklist", "Place", &[(17, 33)], &|_| {});
    store.save_project_file().unwrap();
    store.save_entities("anna").unwrap();
    for doc in ["vector-a", "vector-b", "checklist"] {
        store.save_set(doc, "anna").unwrap();
    }
    let (store, problems) = ProjectStore::open(&dir.join("proj")).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    store
}

fn text_of<'a>(p: &'a Project, doc: &str, s: u32, e: u32) -> &'a str {
    p.document(doc)
        .unwrap()
        .text
        .slice(CharOffset(s), CharOffset(e))
        .unwrap()
}

#[test]
fn test_vectors_survive_import_normalisation() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture(dir.path());
    let p = &store.project;
    // CRLF -> LF moves Ericsson from 14 to 13 and Putin from 29 to 28 (§2).
    assert_eq!(
        p.document("vector-a").unwrap().text.as_str(),
        "Café 👍🏽 said\nEricsson."
    );
    assert_eq!(text_of(p, "vector-a", 13, 21), "Ericsson");
    assert_eq!(text_of(p, "vector-b", 6, 15), "Лукашенко");
    assert_eq!(text_of(p, "vector-b", 28, 33), "Putin");
    let b = &p.document("vector-b").unwrap().text;
    assert_eq!(b.utf16(CharOffset(28)).unwrap().0, 31);
    // The form feed is gone, U+00A0 stays.
    assert_eq!(
        p.document("checklist").unwrap().text.as_str(),
        "=Start -dash @at duman\u{A0} fraktioner end\n"
    );
}

/// What the Python checks compare against, from the Lector model.
fn expected(store: &ProjectStore) -> serde_json::Value {
    let p = &store.project;
    let mut docs = serde_json::Map::new();
    let mut spans = Vec::new();
    let mut spacy_docs = Vec::new();
    let mut conll_docs = Vec::new();
    let mut brat_attributes = Vec::new();
    let mut notes = Vec::new();
    for doc in &p.documents {
        docs.insert(doc.meta.id.clone(), json!(doc.text.as_str()));
    }
    for ((document, annotator), set) in &p.sets {
        let text = &p.document(document).unwrap().text;
        let mut sc = Vec::new();
        for a in set.iter() {
            let pieces: Vec<&str> = a
                .fragments
                .iter()
                .map(|f| text.slice(f.start, f.end).unwrap())
                .collect();
            // brat splits at line breaks.
            let brat_pieces: Vec<&str> = pieces
                .iter()
                .flat_map(|p| p.split('\n'))
                .filter(|p| !p.is_empty())
                .collect();
            spans.push(
                json!({"annotator": annotator, "document": document, "label": a.label.as_str(),
                "pieces": pieces, "brat_pieces": brat_pieces}),
            );
            for f in &a.fragments {
                sc.push(
                    json!({"start": f.start.0, "end": f.end.0, "label": a.label.as_str(),
                    "text": text.slice(f.start, f.end).unwrap(),
                    "kb_id": a.entity.as_ref().map_or("", |e| e.0.as_str())}),
                );
            }
            if let Some(AttrValue::Choice(v)) = a
                .attributes
                .get("certainty")
                .or(a.attributes.get("verdict"))
            {
                let name = if a.attributes.contains_key("certainty") {
                    "certainty"
                } else {
                    "verdict"
                };
                brat_attributes.push(
                    json!({"annotator": annotator, "document": document, "name": name, "value": v}),
                );
            }
            if !a.note.is_empty() {
                notes.push(json!({"annotator": annotator, "document": document, "note": a.note.replace(['\n', '\t'], " ")}));
            }
        }
        spacy_docs.push(json!({"document": document, "spans": sc}));
        conll_docs.push((document.clone(), set));
    }
    // Selection order is project document order; sets map order is by document id.
    let order: Vec<&str> = p.documents.iter().map(|d| d.meta.id.as_str()).collect();
    spacy_docs.sort_by_key(|d| order.iter().position(|o| *o == d["document"]).unwrap());
    conll_docs.sort_by_key(|(d, _)| order.iter().position(|o| o == d).unwrap());
    // Entity mentions without overlaps, as the CoNLL export keeps them (none overlap here).
    let conll_docs: Vec<serde_json::Value> = conll_docs
        .iter()
        .map(|(document, set)| {
            let text = &p.document(document).unwrap().text;
            let ents: Vec<serde_json::Value> = set
                .annotations()
                .iter()
                .filter(|a| {
                    p.schema.label(&a.label).unwrap().kind == lector::model::LabelKind::Entity
                })
                .map(|a| json!({"label": a.label.as_str(), "text": a.covered_text(text)}))
                .collect();
            json!(ents)
        })
        .collect();
    let titles: serde_json::Map<String, serde_json::Value> = p
        .documents
        .iter()
        .map(|d| (d.meta.id.clone(), json!(d.meta.title)))
        .collect();
    json!({"docs": docs, "spans": spans, "spacy_docs": spacy_docs, "conll_docs": conll_docs,
        "brat_attributes": brat_attributes, "notes": notes, "titles": titles,
        "annotations": annotation_records(p)})
}

/// Every annotation with what the richer formats (XMI, Label Studio, HTML) carry: attributes as
/// text (links as the target's id), and as the HTML report shows them (entities by name, links
/// by the target's text).
fn annotation_records(p: &Project) -> Vec<serde_json::Value> {
    let mut records = Vec::new();
    for ((document, annotator), set) in &p.sets {
        let text = &p.document(document).unwrap().text;
        let registry = p.registry(annotator);
        let name_of = |id: &EntityId| {
            registry
                .and_then(|r| r.get(id))
                .map_or_else(|| id.0.clone(), |e| e.name.clone())
        };
        for a in set.iter() {
            let pieces: Vec<&str> = a
                .fragments
                .iter()
                .map(|f| text.slice(f.start, f.end).unwrap())
                .collect();
            let fragments: Vec<[u32; 2]> =
                a.fragments.iter().map(|f| [f.start.0, f.end.0]).collect();
            let attributes: BTreeMap<&String, String> = a
                .attributes
                .iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect();
            let display: BTreeMap<&String, String> = a
                .attributes
                .iter()
                .map(|(k, v)| {
                    let shown = match v {
                        AttrValue::Entity(id) => name_of(id),
                        AttrValue::Annotation(id) => {
                            format!("“{}”", set.get(id).unwrap().covered_text(text))
                        }
                        other => other.to_string(),
                    };
                    (k, shown)
                })
                .collect();
            let label = p.schema.label(&a.label).unwrap();
            records.push(json!({
                "annotator": annotator, "document": document, "id": a.id.as_str(), "label": a.label.as_str(),
                "kind": label.kind.name(), "pieces": pieces, "fragments": fragments,
                "entity": a.entity.as_ref().map(|e| e.0.clone()),
                "entity_name": a.entity.as_ref().map(name_of),
                "note": a.note, "attributes": attributes, "display": display,
                "defined": label.attributes.iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
            }));
        }
    }
    records
}

/// The interpreter with the reference readers: `LECTOR_PYTHON`, else target/pyenv.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LECTOR_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        venv.exists(),
        "the format tests read exports with Python reference readers: run scripts/test.sh \
         (it creates target/pyenv from tests/py/requirements*.txt), or set LECTOR_PYTHON"
    );
    venv
}

fn run_check(script: &str, export: &Path, expected: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python())
        .arg(&script)
        .arg(export)
        .arg(expected)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn export(store: &ProjectStore, format: Format, out: &Path) -> formats::LossReport {
    let selection = Selection::new(&store.project, &[], &[]).unwrap();
    formats::export(format, &selection, out).unwrap()
}

fn setup() -> (tempfile::TempDir, ProjectStore, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture(dir.path());
    let expected_path = dir.path().join("expected.json");
    std::fs::write(
        &expected_path,
        serde_json::to_string_pretty(&expected(&store)).unwrap(),
    )
    .unwrap();
    (dir, store, expected_path)
}

#[test]
fn brat_export_reads_with_brats_parser() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("brat");
    let report = export(&store, Format::Brat, &out);
    run_check("check_brat.py", &out, &expected);
    assert_eq!(
        report.count("fragments split at line breaks"),
        1,
        "{:?}",
        report.lines()
    );
    // holder (entity) and condition (free text) have no A line.
    assert_eq!(
        report.count("attributes dropped"),
        2,
        "{:?}",
        report.lines()
    );
    assert_eq!(report.count("notes: line breaks"), 1);
    let conf = std::fs::read_to_string(out.join("annotation.conf")).unwrap();
    assert!(
        conf.contains("certainty\tArg:Prediction, Value:certain|probable|"),
        "{conf}"
    );
    // An export into a folder with files refuses.
    let selection = Selection::new(&store.project, &[], &[]).unwrap();
    assert!(formats::export(Format::Brat, &selection, &out).is_err());
}

#[test]
fn spacy_export_reads_with_doc_from_json() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("export.jsonl");
    let report = export(&store, Format::Spacy, &out);
    run_check("check_spacy.py", &out, &expected);
    assert!(report.count("attributes dropped") > 0);
    assert_eq!(report.count("discontinuous"), 1);
}

#[test]
fn conll_export_reads_with_seqeval() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("export.conll");
    let report = export(&store, Format::Conll, &out);
    run_check("check_conll.py", &out, &expected);
    assert_eq!(
        report.count("claims and predictions dropped"),
        2,
        "{:?}",
        report.lines()
    );
}

#[test]
fn doccano_export_has_utf16_offsets() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("doccano.jsonl");
    let report = export(&store, Format::Doccano, &out);
    run_check("check_doccano.py", &out, &expected);
    let text = std::fs::read_to_string(&out).unwrap();
    // Putin: chars 28-33, UTF-16 31-36 (after CRLF -> LF).
    assert!(text.contains("[31,36,\"Person\"]"), "{text}");
    assert_eq!(report.count("attributes dropped"), 2);
    assert_eq!(report.count("entity links dropped"), 2);
    assert_eq!(report.count("discontinuous"), 1);
}

#[test]
fn w3c_export_expands_with_pyld() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("w3c.jsonld");
    let report = export(&store, Format::W3c, &out);
    run_check("check_w3c.py", &out, &expected);
    assert_eq!(report.count("discontinuous"), 1);
}

/// Every file under `dir`, by relative path, for comparing two exports.
fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

#[test]
fn xmi_export_reads_with_cassis() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("xmi");
    let report = export(&store, Format::Xmi, &out);
    run_check("check_xmi.py", &out, &expected);
    assert_eq!(report.count("discontinuous"), 1, "{:?}", report.lines());
    assert_eq!(report.losses.len(), 1, "{:?}", report.lines());
    assert!(out.join("anna/TypeSystem.xml").exists());
    let xmi = std::fs::read_to_string(out.join("anna/vector-b.xmi")).unwrap();
    // Line breaks in attribute values are character references; offsets are UTF-16
    // (Putin: chars 28-33, UTF-16 31-36).
    assert!(xmi.contains("möter&#10;Putin."), "{xmi}");
    assert!(
        xmi.contains(r#"begin="31" end="36" label="Person""#),
        "{xmi}"
    );
    assert!(xmi.contains(r#"note="outer&#9;cue&#10;here""#), "{xmi}");
    let again = dir.path().join("xmi-again");
    export(&store, Format::Xmi, &again);
    assert_eq!(files_under(&out), files_under(&again), "not deterministic");
}

#[test]
fn xmi_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("xmi");
    let (store, copy, outcome) = round_trip(dir.path(), Format::Xmi, &out.join("anna"), &out);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    // Discontinuous spans joined again, ids and times kept.
    assert_eq!(store.project.sets, copy.project.sets);
    // Into an annotator without entities, the entities the file describes come along.
    let mut copy2 = empty_copy(dir.path());
    let parsed = import::read(Format::Xmi, &copy2.project, &out.join("anna"), "bob").unwrap();
    let outcome = import::apply(&mut copy2.project, "bob", parsed);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert_eq!(outcome.created_entities.len(), 2);
    assert_eq!(
        canonical(&store.project, "anna"),
        canonical(&copy2.project, "bob")
    );
}

#[test]
fn bad_xmi_is_listed_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let mut copy = empty_copy(dir.path());
    let text = copy
        .project
        .document("vector-b")
        .unwrap()
        .text
        .as_str()
        .to_owned();
    let sofa = text.replace('\n', "&#10;");
    let xmi = |body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xmi:XMI xmlns:xmi=\"http://www.omg.org/XMI\" xmlns:cas=\"http:///uima/cas.ecore\" xmlns:custom=\"http:///webanno/custom.ecore\" xmlns:type=\"http:///de/tudarmstadt/ukp/dkpro/core/api/ner/type.ecore\" xmi:version=\"2.0\">\n  <cas:Sofa xmi:id=\"1\" sofaNum=\"1\" sofaID=\"_InitialView\" sofaString=\"{sofa}\"/>\n{body}</xmi:XMI>\n"
        )
    };
    let folder = dir.path().join("bad-xmi");
    std::fs::create_dir_all(&folder).unwrap();
    // UTF-16 17 is inside the first 👩 of the family; Putin as a NamedEntity from another tool.
    std::fs::write(
        folder.join("vector-b.xmi"),
        xmi("  <custom:Lector xmi:id=\"5\" sofa=\"1\" begin=\"17\" end=\"24\" label=\"Other\"/>\n  <type:NamedEntity xmi:id=\"6\" sofa=\"1\" begin=\"31\" end=\"36\" value=\"Person\"/>\n"),
    )
    .unwrap();
    let parsed = import::read(Format::Xmi, &copy.project, &folder, "bob").unwrap();
    let outcome = import::apply(&mut copy.project, "bob", parsed);
    let skipped: Vec<String> = outcome.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].ends_with(
            "vector-b.xmi:4: Other at 17-24 (UTF-16): outside the text or inside a surrogate pair \
             (the text has 37 UTF-16 units); skipped"
        ),
        "{skipped:?}"
    );
    let set = copy.project.set("vector-b", "bob").unwrap();
    assert_eq!(set.annotations().len(), 1);
    assert_eq!(
        set.annotations()[0].covered_text(&copy.project.document("vector-b").unwrap().text),
        "Putin"
    );

    // Broken XML stops the import and names the file and line.
    std::fs::write(
        folder.join("vector-b.xmi"),
        xmi("  <custom:Lector xmi:id=\"5\" begin=\"1\n"),
    )
    .unwrap();
    let err = import::read(Format::Xmi, &copy.project, &folder, "bob")
        .unwrap_err()
        .to_string();
    assert!(err.contains("vector-b.xmi:"), "{err}");
    assert!(err.starts_with("not XML"), "{err}");

    // A Sofa that is not the stored text: nothing imported.
    std::fs::write(
        folder.join("vector-b.xmi"),
        xmi("").replace("Putin", "Medvedev"),
    )
    .unwrap();
    let parsed = import::read(Format::Xmi, &copy.project, &folder, "bob").unwrap();
    assert!(parsed.candidates.is_empty());
    assert!(
        parsed.skipped[0]
            .reason
            .contains("the text differs from document \"vector-b\""),
        "{:?}",
        parsed.skipped
    );
}

#[test]
fn label_studio_export_reads_with_the_converter() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("ls");
    // Without --ls-user: no `completed_by` (Label Studio refuses users it lacks); the
    // converter's annotator is read from the results' meta by the check.
    let ls_export = |out: &Path| export(&store, Format::LabelStudio, out);
    let report = ls_export(&out);
    run_check("check_label_studio.py", &out, &expected);
    assert_eq!(report.count("discontinuous"), 1, "{:?}", report.lines());
    assert_eq!(report.losses.len(), 1, "{:?}", report.lines());
    let tasks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("tasks.json")).unwrap()).unwrap();
    // One task per document; Putin in code points (28-33), not UTF-16 (31-36).
    assert_eq!(tasks.as_array().unwrap().len(), 3);
    let b = &tasks[1];
    assert_eq!(b["data"]["document"], "vector-b");
    // No completed_by: Label Studio refuses an address it has no user for (see --ls-user).
    assert!(b["annotations"][0].get("completed_by").is_none());
    assert_eq!(
        b["annotations"][0]["result"][0]["meta"]["lector_annotator"],
        "anna"
    );
    let putin = b["annotations"][0]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"]["text"] == "Putin" && r["type"] == "labels")
        .unwrap();
    assert_eq!(
        (&putin["value"]["start"], &putin["value"]["end"]),
        (&json!(28), &json!(33))
    );
    let again = dir.path().join("ls-again");
    ls_export(&again);
    assert_eq!(files_under(&out), files_under(&again), "not deterministic");
}

#[test]
fn label_studio_round_trip_is_exact_per_annotator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ls");
    let mut store = fixture(dir.path());
    // A second annotator on one document: one task, two annotations entries.
    let fragments = fragments(&store.project, "vector-a", &[(13, 21)]);
    store
        .project
        .set_mut("vector-a", "bob")
        .insert(Annotation::new("Place", fragments));
    store.save_set("vector-a", "bob").unwrap();
    export(&store, Format::LabelStudio, &out);
    let tasks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("tasks.json")).unwrap()).unwrap();
    assert_eq!(tasks[0]["annotations"].as_array().unwrap().len(), 2);

    for who in ["anna", "bob"] {
        let mut copy = empty_copy(dir.path());
        let parsed = import::read(Format::LabelStudio, &copy.project, &out, who).unwrap();
        let outcome = import::apply(&mut copy.project, who, parsed);
        assert!(outcome.skipped.is_empty(), "{who}: {:?}", outcome.skipped);
        let mine = |p: &Project| -> Vec<_> {
            p.sets
                .iter()
                .filter(|((_, a), _)| a == who)
                .map(|(_, s)| s.clone())
                .collect()
        };
        // Ids, times, attributes, links, notes, entity links and discontinuous spans.
        assert_eq!(mine(&store.project), mine(&copy.project), "{who}");
        if who == "anna" {
            std::fs::remove_dir_all(dir.path().join("copy")).unwrap();
        }
    }

    // Someone with no entry: a task with one entry gives it, a task with two does not guess.
    let mut copy = empty_copy(dir.path());
    let parsed = import::read(
        Format::LabelStudio,
        &copy.project,
        &out.join("tasks.json"),
        "carl",
    )
    .unwrap();
    let outcome = import::apply(&mut copy.project, "carl", parsed);
    let skipped: Vec<String> = outcome.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].ends_with("task 1: 2 annotations, by anna, bob, none by carl; import them one annotator at a time with --annotator"),
        "{skipped:?}"
    );
    assert!(copy.project.set("vector-a", "carl").is_none());
    assert!(copy.project.set("vector-b", "carl").is_some());
}

#[test]
fn label_studio_import_lists_utf16_offsets_and_foreign_results() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let mut copy = empty_copy(dir.path());
    let text = copy
        .project
        .document("vector-b")
        .unwrap()
        .text
        .as_str()
        .to_owned();
    // As an old Label Studio wrote it: Putin at UTF-16 31-36. And a region with a value for an
    // attribute its label does not have, a prediction, and a cancelled annotation.
    let task = json!([{
        "id": 7,
        "data": {"text": text},
        "annotations": [
            {"completed_by": 3, "result": [
                {"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 31, "end": 36, "text": "Putin", "labels": ["Person"]}},
                {"id": "b", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 6, "end": 15, "text": "Лукашенко", "labels": ["Person"]}},
                {"id": "b", "from_name": "certainty", "to_name": "text", "type": "choices",
                 "value": {"start": 6, "end": 15, "choices": ["probable"]}},
            ]},
            {"completed_by": 4, "was_cancelled": true, "result": []},
        ],
        "predictions": [{"result": []}],
    }]);
    let file = dir.path().join("old.json");
    std::fs::write(&file, task.to_string()).unwrap();
    let parsed = import::read(Format::LabelStudio, &copy.project, &file, "bob").unwrap();
    let outcome = import::apply(&mut copy.project, "bob", parsed);
    let skipped: Vec<&str> = outcome.skipped.iter().map(|s| s.reason.as_str()).collect();
    // Sorted by file, line (0: JSON has none) and reason.
    assert_eq!(
        skipped,
        [
            "task 7: 1 cancelled annotations not imported",
            "task 7: 1 predictions (model output) not imported",
            "task 7: region a at 31-36: these offsets count UTF-16 units (as old Label Studio releases did), not characters; skipped",
            "task 7: region b: \"certainty\" is no attribute of label Person; value dropped",
        ]
    );
    let set = copy.project.set("vector-b", "bob").unwrap();
    assert_eq!(set.annotations().len(), 1);
    assert!(set.annotations()[0].attributes.is_empty());
}

#[test]
fn html_report_marks_every_annotation_over_its_text() {
    let (dir, store, expected) = setup();
    let out = dir.path().join("report.html");
    let report = export(&store, Format::Html, &out);
    run_check("check_html.py", &out, &expected);
    assert!(report.is_lossless(), "{:?}", report.lines());
    assert_eq!(report.annotations, 11);
    let again = dir.path().join("again.html");
    export(&store, Format::Html, &again);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn html_report_escapes_hostile_text_labels_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(&dir.path().join("proj"), "<b>Evil</b> & co").unwrap();
    let article = dir.path().join("evil.txt");
    std::fs::write(
        &article,
        "Breaking <script>alert('x')</script> & <img src=x onerror=alert(1)> \"quoted\"\n",
    )
    .unwrap();
    store
        .add_article(&article, Some("<script>alert('title')</script>"))
        .unwrap();
    let hostile = "<img src=x onerror=alert(2)>\"'";
    let p = &mut store.project;
    let claim = p
        .schema
        .labels
        .iter_mut()
        .find(|l| l.name == "Claim")
        .unwrap();
    claim.name = hostile.to_owned();
    claim.attributes.push(AttributeDef {
        name: "\"><script>alert(3)</script>".to_owned(),
        ty: AttrType::Text,
        help: "<script>alert(4)</script>".to_owned(),
        title: String::new(),
    });
    let id = p.documents[0].meta.id.clone();
    let mut a = Annotation::new(hostile, fragments(p, &id, &[(9, 36)]));
    a.note = "</mark></div><script>alert(5)</script>".to_owned();
    a.attributes.insert(
        "\"><script>alert(3)</script>".to_owned(),
        AttrValue::Text("<style>body{display:none}</style>".to_owned()),
    );
    p.set_mut(&id, "anna").insert(a);
    let b = Annotation::new("Other", fragments(p, &id, &[(0, 20)]));
    p.set_mut(&id, "anna").insert(b);
    let path = dir.path().join("evil.html");
    let selection = Selection::new(&store.project, &[], &[]).unwrap();
    formats::export(Format::Html, &selection, &path).unwrap();
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, expected(&store).to_string()).unwrap();
    run_check("check_html.py", &path, &expected_path);
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn csv_has_bom_crlf_and_defused_formulas() {
    let (dir, store, _) = setup();
    let out = dir.path().join("export.csv");
    let report = export(&store, Format::Csv, &out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFdocument,annotator,id,"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(",'=Start,"), "{text}");
    assert!(text.contains(",'-dash,"), "{text}");
    assert!(text.contains(",'@at,"), "{text}");
    assert!(text.contains("\r\n"));
    assert!(report.count(formats::csv::FORMULA_PREFIXED) >= 3);
    // Deterministic.
    let again = dir.path().join("again.csv");
    export(&store, Format::Csv, &again);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

/// Annotations without ids and times, for comparing round trips.
fn canonical(p: &Project, annotator: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for ((document, who), set) in &p.sets {
        if who != annotator {
            continue;
        }
        let mut list: Vec<String> = set
            .annotations()
            .iter()
            .map(|a| {
                // Links by what they point to, since ids may change.
                let attributes: BTreeMap<&String, String> = a
                    .attributes
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            AttrValue::Annotation(id) => set.get(id).map_or_else(
                                || format!("dangling {id}"),
                                |t| format!("-> {} {:?}", t.label, t.fragments),
                            ),
                            other => format!("{other:?}"),
                        };
                        (k, v)
                    })
                    .collect();
                format!(
                    "{} {:?} {:?} {:?} {:?}",
                    a.label, a.fragments, attributes, a.note, a.entity
                )
            })
            .collect();
        list.sort();
        out.insert(document.clone(), list);
    }
    out
}

/// A copy of the fixture project without annotations, but with anna's entities.
fn empty_copy(dir: &Path) -> ProjectStore {
    let copy = dir.join("copy");
    std::fs::create_dir_all(copy.join("documents")).unwrap();
    std::fs::create_dir_all(copy.join("entities")).unwrap();
    for rel in [
        "project.ron",
        "documents/vector-a.txt",
        "documents/vector-b.txt",
        "documents/checklist.txt",
        "entities/anna.ron",
    ] {
        std::fs::copy(dir.join("proj").join(rel), copy.join(rel)).unwrap();
    }
    ProjectStore::open(&copy).unwrap().0
}

fn round_trip(
    dir: &Path,
    format: Format,
    import_path: &Path,
    export_path: &Path,
) -> (ProjectStore, ProjectStore, import::Outcome) {
    let store = fixture(dir);
    export(&store, format, export_path);
    let mut copy = empty_copy(dir);
    let parsed = import::read(format, &copy.project, import_path, "anna").unwrap();
    let outcome = import::apply(&mut copy.project, "anna", parsed);
    for doc in outcome.changed_documents.clone() {
        copy.save_set(&doc, "anna").unwrap();
    }
    (store, copy, outcome)
}

#[test]
fn jsonl_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.jsonl");
    let (store, copy, outcome) = round_trip(dir.path(), Format::Jsonl, &out, &out);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    // Ids and times too.
    assert_eq!(store.project.sets, copy.project.sets);
    // Into a new annotator, the entities come along.
    let mut copy2 = empty_copy(dir.path());
    let parsed = import::read(Format::Jsonl, &copy2.project, &out, "bob").unwrap();
    let outcome = import::apply(&mut copy2.project, "bob", parsed);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert_eq!(
        canonical(&store.project, "anna"),
        canonical(&copy2.project, "bob")
    );
    // Importing again adds nothing.
    let parsed = import::read(Format::Jsonl, &copy2.project, &out, "bob").unwrap();
    let outcome = import::apply(&mut copy2.project, "bob", parsed);
    assert!(outcome.added.is_empty());
}

#[test]
fn w3c_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.jsonld");
    let (store, copy, outcome) = round_trip(dir.path(), Format::W3c, &out, &out);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert_eq!(store.project.sets, copy.project.sets);
}

#[test]
fn brat_round_trip_keeps_what_brat_carries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("brat");
    let (store, copy, outcome) = round_trip(dir.path(), Format::Brat, &out.join("anna"), &out);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    let mut expected = store.project.clone();
    for set in expected.sets.values_mut() {
        set.update_all(|a| {
            a.attributes
                .retain(|_, v| matches!(v, AttrValue::Choice(_) | AttrValue::Annotation(_)));
            a.note = a.note.replace(['\n', '\t'], " ");
            if a.label == "Claim" {
                // Split at the line break: 16-27 and 28-33.
                a.fragments = vec![
                    Fragment {
                        start: CharOffset(16),
                        end: CharOffset(27),
                    },
                    Fragment {
                        start: CharOffset(28),
                        end: CharOffset(33),
                    },
                ];
            }
        });
    }
    assert_eq!(
        canonical(&expected, "anna"),
        canonical(&copy.project, "anna")
    );
}

#[test]
fn doccano_round_trip_keeps_labels_and_spans() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.jsonl");
    let (store, copy, outcome) = round_trip(dir.path(), Format::Doccano, &out, &out);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    let spans = |p: &Project| {
        let mut v: Vec<(String, String, u32, u32)> = p
            .sets
            .values()
            .flat_map(|s| {
                s.annotations().iter().flat_map(move |a| {
                    a.fragments
                        .iter()
                        .map(move |f| (s.document.clone(), a.label.to_string(), f.start.0, f.end.0))
                })
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(spans(&store.project), spans(&copy.project));
}

/// Regression: an entity the import file describes was added to the annotator's entities even
/// when the annotation that used it was skipped.
#[test]
fn import_creates_only_entities_an_imported_annotation_uses() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let file = dir.path().join("entities.jsonl");
    let skipped_while_read = r#"{"document":"vector-b","annotator":"x","id":"p1","label":"Person","fragments":[[6,15]],"attributes":{"nope":"x"},"entity":"zed","entities":{"zed":{"name":"Zed","label":"Person"}}}"#;
    let dropped_when_checked = r#"{"document":"vector-b","annotator":"x","id":"p2","label":"Person","fragments":[[28,33]],"entity":"acme","entities":{"acme":{"name":"ACME","label":"Organization"}}}"#;
    let imported = r#"{"document":"vector-a","annotator":"x","id":"o1","label":"Organization","fragments":[[13,21]],"entity":"ericsson","entities":{"ericsson":{"name":"Ericsson","label":"Organization"}}}"#;

    // Nothing imported: no entities file for bob at all.
    let mut copy = empty_copy(dir.path());
    std::fs::write(&file, [skipped_while_read, dropped_when_checked].join("\n")).unwrap();
    let parsed = import::read(Format::Jsonl, &copy.project, &file, "bob").unwrap();
    let outcome = import::apply(&mut copy.project, "bob", parsed);
    assert_eq!(outcome.skipped.len(), 2, "{:?}", outcome.skipped);
    assert!(
        outcome.skipped[1]
            .reason
            .contains("is a Person mention but links to \"ACME\""),
        "{:?}",
        outcome.skipped
    );
    assert!(outcome.created_entities.is_empty());
    assert!(copy.project.registry("bob").is_none());

    // One imported: only its entity is created.
    std::fs::write(
        &file,
        [skipped_while_read, dropped_when_checked, imported].join("\n"),
    )
    .unwrap();
    let parsed = import::read(Format::Jsonl, &copy.project, &file, "bob").unwrap();
    let outcome = import::apply(&mut copy.project, "bob", parsed);
    assert_eq!(outcome.skipped.len(), 2, "{:?}", outcome.skipped);
    assert_eq!(outcome.created_entities, [EntityId("ericsson".to_owned())]);
    let ids: Vec<&str> = copy
        .project
        .registry("bob")
        .unwrap()
        .entities
        .iter()
        .map(|e| e.id.0.as_str())
        .collect();
    assert_eq!(ids, ["ericsson"]);
}

/// An import's step for a document makes the entities that document's annotations link, not
/// every entity the import creates: undoing one document's import takes its entity and leaves
/// the other's, and a big import does not repeat every entity in every document's step.
#[test]
fn each_documents_import_step_makes_the_entities_it_links() {
    use lector::model::edit::Edit;
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let file = dir.path().join("entities.jsonl");
    let in_a = r#"{"document":"vector-a","annotator":"x","id":"o1","label":"Organization","fragments":[[13,21]],"entity":"ericsson","entities":{"ericsson":{"name":"Ericsson","label":"Organization"}}}"#;
    let in_b = r#"{"document":"vector-b","annotator":"x","id":"o2","label":"Organization","fragments":[[28,33]],"entity":"acme","entities":{"acme":{"name":"ACME","label":"Organization"}}}"#;
    std::fs::write(&file, [in_a, in_b].join("\n")).unwrap();
    let copy = empty_copy(dir.path());
    let parsed = import::read(Format::Jsonl, &copy.project, &file, "bob").unwrap();
    let plan = import::plan(&copy.project, "bob", parsed);
    assert!(
        plan.outcome.skipped.is_empty(),
        "{:?}",
        plan.outcome.skipped
    );
    let made = |edits: &[Edit]| -> Vec<String> {
        edits
            .iter()
            .filter_map(|e| match e {
                Edit::UpsertEntity(e) => Some(e.id.0.clone()),
                _ => None,
            })
            .collect()
    };
    let groups: Vec<(&str, Vec<String>)> = plan
        .edits
        .iter()
        .map(|(d, edits)| (d.as_str(), made(edits)))
        .collect();
    assert_eq!(
        groups,
        [
            ("vector-a", vec!["ericsson".to_owned()]),
            ("vector-b", vec!["acme".to_owned()])
        ]
    );
    let mut session = lector::session::Session::new(copy, "bob");
    for (document, edits) in plan.edits {
        session.apply(&document, edits).unwrap();
    }
    let registry = |s: &lector::session::Session| -> Vec<String> {
        let mut ids: Vec<String> = s
            .store
            .project
            .registry("bob")
            .map(|r| r.entities.iter().map(|e| e.id.0.clone()).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    };
    assert_eq!(registry(&session), ["acme", "ericsson"]);
    assert!(session.undo("vector-a"));
    assert_eq!(
        registry(&session),
        ["acme"],
        "vector-b's mention keeps its entity"
    );
    assert!(session.save_now().is_empty());
}

fn lector(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lector"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bad_import_input_is_listed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture(dir.path());
    let proj = dir.path().join("proj");
    let p = proj.to_str().unwrap();
    let ron = proj.join("annotations/anna/vector-b.ron");
    let before = std::fs::read(&ron).unwrap();

    // A file none of whose lines is Lector JSONL (a doccano file picked as JSONL, a file
    // that is not JSON) is refused before anything changes, with the first line's reason.
    let bad = dir.path().join("bad.jsonl");
    let good = r#"{"document":"vector-b","annotator":"x","id":"newone1234","label":"Place","fragments":[[16,21]],"text":"👩‍👩‍👧"}"#;
    std::fs::write(&bad, "{not json\n\n{\"text\": \"x\", \"label\": []}\n").unwrap();
    let out = lector(&[
        "import",
        p,
        "--format",
        "jsonl",
        "--annotator",
        "anna",
        bad.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("not a Lector annotation: key must be a string at line 1 column 2 (nor is any other of its 2 lines): "),
        "{err}"
    );
    assert!(err.contains("bad.jsonl:1"), "{err}");
    assert_eq!(std::fs::read(&ron).unwrap(), before);

    // Out of range, splitting the family emoji, and a quote that does not match (UTF-16
    // offsets given as chars): listed with file and line, skipped; the good line is added.
    let lines = [
        good.to_owned(),
        r#"{"document":"vector-b","annotator":"x","id":"a","label":"Place","fragments":[[30,99]]}"#.to_owned(),
        r#"{"document":"vector-b","annotator":"x","id":"b","label":"Place","fragments":[[17,18]]}"#.to_owned(),
        r#"{"document":"vector-b","annotator":"x","id":"c","label":"Person","fragments":[[29,34]],"text":"Putin"}"#.to_owned(),
        // A line cut short, as by a tool that crashed while writing: it alone is skipped.
        r#"{"document":"vector-b","annotator":"x","id":"d","label":"Pla"#.to_owned(),
    ];
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = lector(&[
        "import",
        p,
        "--format",
        "jsonl",
        "--annotator",
        "anna",
        bad.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.jsonl:2: Place at 30-99: fragment 30:99 ends after the text"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:3: Place at 17-18: offset 17 splits a character"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:4: Person at 29-34: the file says it covers \"Putin\""),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:5: not a Lector annotation: EOF while parsing a string at line 1 column 60; line skipped"),
        "{err}"
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("imported 1 annotation into 1 document for anna; 4 skipped"),
        "{said}"
    );
    let (after, problems) = ProjectStore::open(&proj).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let set = after.project.set("vector-b", "anna").unwrap();
    assert_eq!(
        set.annotations().len(),
        store
            .project
            .set("vector-b", "anna")
            .unwrap()
            .annotations()
            .len()
            + 1
    );

    // A brat .ann whose T text does not match the .txt slice.
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).unwrap();
    std::fs::write(brat.join("vector-a.txt"), "Café 👍🏽 said\r\nEricsson.").unwrap();
    std::fs::write(
        brat.join("vector-a.ann"),
        "T1\tOrganization 14 22\tEricsson\n",
    )
    .unwrap();
    let out = lector(&[
        "import",
        p,
        "--format",
        "brat",
        "--annotator",
        "bob",
        brat.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vector-a.ann:1: Organization at 14-22: the file says it covers \"Ericsson\""),
        "{err}"
    );
    assert!(!proj.join("annotations/bob").exists());
}

#[test]
fn a_bad_line_is_skipped_and_listed_and_the_rest_imported_in_each_line_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture(dir.path());
    let proj = dir.path().join("proj");
    let import = |format: &str, annotator: &str, file: &Path| {
        lector(&[
            "import",
            proj.to_str().unwrap(),
            "--format",
            format,
            "--annotator",
            annotator,
            file.to_str().unwrap(),
        ])
    };
    let covered = |annotator: &str| -> Vec<String> {
        let (opened, problems) = ProjectStore::open(&proj).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let mut texts: Vec<String> = opened
            .project
            .sets
            .iter()
            .filter(|((_, a), _)| a == annotator)
            .flat_map(|((d, _), set)| {
                let doc = opened.project.document(d).unwrap();
                set.annotations()
                    .iter()
                    .map(|a| a.covered_text(&doc.text))
                    .collect::<Vec<_>>()
            })
            .collect();
        texts.sort();
        texts
    };

    // doccano: a span that is not one is skipped alone; a line that is not a doccano line is
    // skipped whole; the rest is imported.
    let text_of = |id: &str| store.project.document(id).unwrap().text.as_str().to_owned();
    let lines = [
        json!({"text": text_of("vector-b"), "label": [[6, 15, "Person"], [6, "Place"]]})
            .to_string(),
        r#"{"text": 5, "label": []}"#.to_owned(),
        json!({"text": text_of("vector-a"), "label": [[15, 23, "Organization"]]}).to_string(),
    ];
    let file = dir.path().join("doccano.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = import("doccano", "dora", &file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "doccano.jsonl:1: label [6,\"Place\"] is not [start, end, \"label\"]; skipped"
        ),
        "{err}"
    );
    assert!(
        err.contains("doccano.jsonl:2: a doccano line needs \"text\"; line skipped"),
        "{err}"
    );
    assert_eq!(covered("dora"), ["Ericsson", "Лукашенко"]);
    // The same file imported as Lector JSONL: refused, naming the format it looks like.
    let out = import("jsonl", "jo", &file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "(nor is any other of its 3 lines); it looks like a doccano file: import it as doccano"
        ),
        "{err}"
    );

    // brat: a span line cut short is skipped with the attribute on it; the rest is imported.
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).unwrap();
    std::fs::write(brat.join("vector-a.txt"), VECTOR_A).unwrap();
    std::fs::write(
        brat.join("vector-a.ann"),
        "T1\tOrganization 13 21\tEricsson\nT2\tPlace 0\nA1\tNegation T2\nT3\tPerson 0 4\tCafé\n",
    )
    .unwrap();
    let out = import("brat", "brita", &brat);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("vector-a.ann:2: fragment \"0\" is not START END; line skipped"),
        "{err}"
    );
    assert!(
        err.contains("vector-a.ann:3: attribute of unknown annotation T2; line skipped"),
        "{err}"
    );
    assert_eq!(covered("brita"), ["Café", "Ericsson"]);

    // A file none of whose lines is of the format is refused, and nothing is written.
    std::fs::write(brat.join("vector-a.ann"), "<html>\n<body>\n</html>\n").unwrap();
    let out = import("brat", "bert", &brat);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("expected ID<TAB>DATA (nor is any other of its 3 lines)"),
        "{err}"
    );
    assert!(err.contains("vector-a.ann:1"), "{err}");
    assert!(!proj.join("annotations/bert").exists());
}

/// `text` as Windows PowerShell's `>` writes it: UTF-16 little-endian, with or without the
/// byte-order mark.
fn utf16le(text: &str, mark: bool) -> Vec<u8> {
    let units = mark
        .then_some(0xFEFF)
        .into_iter()
        .chain(text.encode_utf16());
    units.flat_map(u16::to_le_bytes).collect()
}

#[test]
fn import_files_saved_by_windows_tools_are_read_as_utf8_ones_are() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture(dir.path());
    let proj = dir.path().join("proj");
    let text = store
        .project
        .document("vector-b")
        .unwrap()
        .text
        .as_str()
        .to_owned();
    let doccano = format!(
        "{}\r\n",
        serde_json::json!({"document": "vector-b", "text": text, "label": [[6, 15, "Person"]]})
    );
    let import = |file: &Path, annotator: &str| {
        lector(&[
            "import",
            proj.to_str().unwrap(),
            "--format",
            "doccano",
            "--annotator",
            annotator,
            file.to_str().unwrap(),
        ])
    };
    let labelled = |annotator: &str| -> Vec<(String, String)> {
        let (opened, problems) = ProjectStore::open(&proj).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let set = opened.project.set("vector-b", annotator).unwrap();
        let doc = opened.project.document("vector-b").unwrap();
        set.annotations()
            .iter()
            .map(|a| (a.label.to_string(), a.covered_text(&doc.text)))
            .collect()
    };
    // The same file three ways: UTF-8, UTF-8 with a byte-order mark (Notepad), UTF-16 with
    // one (PowerShell's `>`): each imports the same span.
    let files = [
        ("plain", doccano.as_bytes().to_vec()),
        (
            "bom",
            [b"\xEF\xBB\xBF".as_slice(), doccano.as_bytes()].concat(),
        ),
        ("utf16", utf16le(&doccano, true)),
    ];
    for (name, bytes) in &files {
        let file = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&file, bytes).unwrap();
        let out = import(&file, name);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let plain = labelled("plain");
    assert_eq!(plain, [("Person".to_owned(), "Лукашенко".to_owned())]);
    assert_eq!(labelled("bom"), plain);
    assert_eq!(labelled("utf16"), plain);

    // Without the mark, UTF-16 is named as such, with the file; nothing is written.
    let file = dir.path().join("nomark.jsonl");
    std::fs::write(&file, utf16le(&doccano, false)).unwrap();
    let out = import(&file, "nomark");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("the file looks like UTF-16 text without a byte-order mark (a NUL byte at byte 1); save it as UTF-8"),
        "{err}"
    );
    assert!(err.contains("nomark.jsonl"), "{err}");
    assert!(!proj.join("annotations/nomark").exists());
}

#[test]
fn an_export_into_a_folder_that_does_not_exist_makes_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let proj = dir.path().join("proj");
    let export = |out: &Path| {
        lector(&[
            "export",
            proj.to_str().unwrap(),
            "--format",
            "jsonl",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let out_file = dir.path().join("typo/exports/d.jsonl");
    let out = export(&out_file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(out_file.exists());
    let made = format!(
        "made the folder {}, which did not exist",
        dir.path().join("typo/exports").display()
    );
    assert!(err.contains(&made), "{err}");
    // Into a folder that exists: nothing to say.
    let out = export(&dir.path().join("typo/e.jsonl"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("made the folder"));
}

#[test]
fn export_cli_prints_losses() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let proj = dir.path().join("proj");
    let out_file = dir.path().join("d.jsonl");
    let out = lector(&[
        "export",
        proj.to_str().unwrap(),
        "--format",
        "doccano",
        "--out",
        out_file.to_str().unwrap(),
        "--annotator",
        "anna",
        "--document",
        "vector-b",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("doccano export: 2 × attributes dropped"),
        "{err}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "exported 5 annotations of 1 document by 1 annotator as doccano to {}\n",
            out_file.display()
        )
    );
    let out = lector(&[
        "export",
        proj.to_str().unwrap(),
        "--format",
        "nope",
        "--out",
        "x",
    ]);
    assert!(!out.status.success());
    let out = lector(&[
        "export",
        proj.to_str().unwrap(),
        "--format",
        "csv",
        "--out",
        "x",
        "--annotator",
        "zed",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no annotator \"zed\""));
}

#[test]
fn new_formats_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let proj = dir.path().join("proj");
    let p = proj.to_str().unwrap();
    // Help text, unwrapped.
    let help = |command: &str| {
        let out = lector(&[command, "--help"]).stdout;
        let words: Vec<String> = String::from_utf8_lossy(&out)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        words.join(" ")
    };
    let export_help = help("export");
    assert!(
        export_help.contains("conll, xmi, label-studio or html"),
        "{export_help}"
    );
    let import_help = help("import");
    assert!(
        import_help.contains("from jsonl, brat, doccano, w3c, xmi or label-studio"),
        "{import_help}"
    );
    for (format, out) in [
        ("label-studio", "ls"),
        ("xmi", "xmi"),
        ("html", "report.html"),
    ] {
        let out = dir.path().join(out);
        let run = lector(&[
            "export",
            p,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{format}: {err}");
        if format != "html" {
            assert!(
                err.contains(&format!("{format} export: 1 × discontinuous spans")),
                "{err}"
            );
        }
    }
    // Import as a new annotator: everything, entities included.
    for (format, path, who) in [("label-studio", "ls", "bob"), ("xmi", "xmi/anna", "carl")] {
        let run = lector(&[
            "import",
            p,
            "--format",
            format,
            "--annotator",
            who,
            dir.path().join(path).to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&run.stdout),
            format!("imported 11 annotations into 3 documents for {who}; 0 skipped\n")
        );
        assert!(proj.join(format!("entities/{who}.ron")).exists());
    }
    let (store, problems) = ProjectStore::open(&proj).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        canonical(&store.project, "anna"),
        canonical(&store.project, "bob")
    );
    assert_eq!(
        canonical(&store.project, "anna"),
        canonical(&store.project, "carl")
    );
    // The report cannot be imported, and says which formats can.
    let run = lector(&[
        "import",
        p,
        "--format",
        "html",
        "--annotator",
        "dan",
        dir.path().join("report.html").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains(
            "Lector cannot import html (it imports jsonl, brat, doccano, w3c, xmi, label-studio)"
        ),
        "{err}"
    );
}

/// Runs `lector` and fails the test, instead of hanging it, when the command does not end
/// within `seconds` (a FIFO opened for reading blocks until a writer comes).
#[cfg(unix)]
fn lector_within(args: &[&str], seconds: u64) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lector"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("lector {args:?} still ran after {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Issue 15: a named pipe given to any importer hung it forever; `/dev/zero` was read until
/// memory ran out; a 3 GB file was read whole.
#[cfg(unix)]
#[test]
fn issue15_fifos_devices_and_huge_files_given_to_importers_fail_at_once() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let proj = dir.path().join("proj");
    let p = proj.to_str().unwrap();
    let pipes = dir.path().join("pipes");
    std::fs::create_dir_all(pipes.join("brat")).unwrap();
    let import = |format: &str, path: &Path| {
        let out = lector_within(
            &[
                "import",
                p,
                "--format",
                format,
                "--annotator",
                "bob",
                path.to_str().unwrap(),
            ],
            10,
        );
        // An error (2) or skipped input (1), never success or a signal.
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{format}: {:?}",
            out.status
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for (format, name) in [
        ("jsonl", "a.jsonl"),
        ("doccano", "b.jsonl"),
        ("w3c", "c.jsonld"),
        ("xmi", "d.xmi"),
        ("label-studio", "tasks.json"),
        ("brat", "brat/vector-a.ann"),
    ] {
        let fifo = pipes.join(name);
        mkfifo(&fifo);
        let given = if format == "brat" {
            pipes.join("brat")
        } else {
            fifo.clone()
        };
        let err = import(format, &given);
        assert!(
            err.contains(&format!(
                "this is a named pipe (FIFO), not a regular file; Lector reads only regular files: {}",
                fifo.display()
            )),
            "{format}: {err}"
        );
    }
    let err = import("jsonl", Path::new("/dev/zero"));
    assert!(
        err.contains("this is a device, not a regular file"),
        "{err}"
    );
    // Sparse: 300 MiB that take no room on the disk, refused before a byte is read.
    let huge = dir.path().join("huge.jsonl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let err = import("jsonl", &huge);
    assert!(
        err.contains("the file is too large: files to import up to 256 MiB are read"),
        "{err}"
    );

    // A brat .ann whose .txt cannot be read (a FIFO, or missing) imports nothing: the offsets
    // cannot be checked without the text.
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).unwrap();
    std::fs::write(
        brat.join("vector-a.ann"),
        "T1\tOrganization 13 21\tEricsson\n",
    )
    .unwrap();
    mkfifo(&brat.join("vector-a.txt"));
    let err = import("brat", &brat);
    assert!(
        err.contains("vector-a.txt: this is a named pipe (FIFO), not a regular file; Lector reads only regular files, and without the text beside it the offsets cannot be checked; nothing of"),
        "{err}"
    );
    std::fs::remove_file(brat.join("vector-a.txt")).unwrap();
    let err = import("brat", &brat);
    assert!(err.contains("vector-a.txt: cannot read the file"), "{err}");
    assert!(!proj.join("annotations/bob").exists());
}

/// Issue 15: the same annotation given twice (the same line twice, one id for two spans) was
/// imported twice; bad `created` times were replaced without a word; doccano's
/// text-classification `"label": "x"` was skipped with exit 0.
#[test]
fn issue15_duplicates_bad_times_and_misshapen_labels_are_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let vector_b = VECTOR_B.replace("\r\n", "\n");
    let import_file = |format: Format, path: &Path| {
        let mut copy = empty_copy(dir.path());
        let parsed = import::read(format, &copy.project, path, "bob").unwrap();
        let outcome = import::apply(&mut copy.project, "bob", parsed);
        // Skipped lines, then repeats imported once.
        let skipped: Vec<String> = outcome
            .skipped
            .iter()
            .map(|s| format!("skipped: {s}"))
            .chain(outcome.repeated.iter().map(|r| format!("repeated: {r}")))
            .collect();
        (outcome.added.len(), skipped)
    };
    // `expected` in a line of `kind` ("skipped" or "repeated").
    let has = |skipped: &[String], expected: &str| {
        let kind = if expected.contains("the same annotation as") {
            "repeated: "
        } else {
            "skipped: "
        };
        assert!(
            skipped
                .iter()
                .any(|s| s.starts_with(kind) && s.contains(expected)),
            "expected {kind}{expected:?} in {skipped:#?}"
        );
    };

    let jsonl = dir.path().join("dup.jsonl");
    let line = r#"{"document":"vector-a","annotator":"x","id":"dup1","label":"Organization","fragments":[[13,21]],"text":"Ericsson"}"#;
    std::fs::write(
        &jsonl,
        [
            line,
            line,
            r#"{"document":"vector-a","annotator":"x","id":"dup1","label":"Place","fragments":[[8,12]]}"#,
            r#"{"document":"vector-a","annotator":"x","id":"t1","label":"Other","fragments":[[0,4]],"created":"yesterday"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let (added, skipped) = import_file(Format::Jsonl, &jsonl);
    assert_eq!((added, skipped.len()), (1, 3), "{skipped:#?}");
    has(
        &skipped,
        &format!(
            "dup.jsonl:2: Organization at 13-21: the same annotation as {}:1; imported once",
            jsonl.display()
        ),
    );
    has(
        &skipped,
        "dup.jsonl:3: Place at 8-12: id \"dup1\" is used twice in the file (first at",
    );
    has(
        &skipped,
        "dup.jsonl:4: Other at 0-4: created \"yesterday\" is not a time of the form 2026-03-01T12:00:00Z",
    );

    // A repeat whose first copy fails the checks (a link to no annotation) is the one kept.
    let fallback = dir.path().join("fallback.jsonl");
    std::fs::write(
        &fallback,
        [
            r#"{"document":"vector-a","annotator":"x","id":"p1","label":"Prediction","fragments":[[8,12]],"attributes":{"evidence":"nowhere"}}"#,
            r#"{"document":"vector-a","annotator":"y","id":"p2","label":"Prediction","fragments":[[8,12]]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let (added, skipped) = import_file(Format::Jsonl, &fallback);
    assert_eq!((added, skipped.len()), (1, 1), "{skipped:#?}");
    has(
        &skipped,
        "fallback.jsonl:1: Prediction at 8-12: attribute \"evidence\": annotation \"nowhere\" is not in this document",
    );

    let doccano = dir.path().join("dup-doccano.jsonl");
    std::fs::write(
        &doccano,
        format!(
            "{}\n{}\n",
            json!({"document": "vector-a", "text": VECTOR_A.replace("\r\n", "\n"),
                   "label": [[15, 23, "Organization"], [15, 23, "Organization"]]}),
            json!({"document": "vector-b", "text": vector_b, "label": "sports"}),
        ),
    )
    .unwrap();
    let (added, skipped) = import_file(Format::Doccano, &doccano);
    assert_eq!((added, skipped.len()), (1, 2), "{skipped:#?}");
    has(
        &skipped,
        "dup-doccano.jsonl:1: Organization at 13-21: the same annotation as",
    );
    has(
        &skipped,
        "dup-doccano.jsonl:2: \"label\" is \"sports\", not a list of spans",
    );
    // Through the command line the skipped line makes the exit status 1.
    let proj = dir.path().join("proj");
    let run = lector(&[
        "import",
        proj.to_str().unwrap(),
        "--format",
        "doccano",
        "--annotator",
        "carl",
        doccano.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));

    let brat = dir.path().join("dup-brat");
    std::fs::create_dir_all(&brat).unwrap();
    std::fs::write(brat.join("vector-a.txt"), VECTOR_A).unwrap();
    std::fs::write(
        brat.join("vector-a.ann"),
        "T1\tOrganization 13 21\tEricsson\nT2\tOrganization 13 21\tEricsson\n",
    )
    .unwrap();
    let (added, skipped) = import_file(Format::Brat, &brat);
    assert_eq!((added, skipped.len()), (1, 1), "{skipped:#?}");
    has(
        &skipped,
        "vector-a.ann:2: Organization at 13-21: the same annotation as",
    );

    let w3c = dir.path().join("dup.jsonld");
    let item = |id: &str, label: &str, start: u32, end: u32, created: &str| {
        json!({"type": "Annotation", "id": format!("urn:lector:annotation:x:vector-a:{id}"),
               "created": created,
               "body": [{"type": "TextualBody", "value": label, "purpose": "tagging"}],
               "target": {"source": "urn:lector:document:vector-a",
                          "selector": [{"type": "TextPositionSelector", "start": start, "end": end}]}})
    };
    std::fs::write(
        &w3c,
        json!([
            item("a1", "Organization", 13, 21, "2026-03-01T12:00:00Z"),
            item("a2", "Organization", 13, 21, "2026-03-01T12:00:00Z"),
            item("a3", "Other", 0, 4, "1 March"),
        ])
        .to_string(),
    )
    .unwrap();
    let (added, skipped) = import_file(Format::W3c, &w3c);
    assert_eq!((added, skipped.len()), (1, 2), "{skipped:#?}");
    has(
        &skipped,
        "Organization at 13-21: the same annotation as an earlier one",
    );
    has(&skipped, "Other at 0-4: created \"1 March\" is not a time");
}

/// Issue 15: a label name with a tab or line break injected lines into the CoNLL export.
#[test]
fn issue15_conll_tags_stay_one_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = fixture(dir.path());
    let p = &mut store.project;
    for label in &mut p.schema.labels {
        if label.name == "Organization" {
            label.name = "Big\tOrg\nX".to_owned();
        }
    }
    for set in p.sets.values_mut() {
        set.update_all(|a| {
            if a.label == "Organization" {
                a.label = "Big\tOrg\nX".into();
            }
        });
    }
    let out = dir.path().join("x.conll");
    let report = export(&store, Format::Conll, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    for line in text.lines().filter(|l| !l.is_empty()) {
        assert_eq!(line.matches('\t').count(), 1, "{line:?}");
    }
    assert!(text.contains("Ericsson\tB-Big_Org_X\n"), "{text}");
    assert!(report.count("labels with spaces or control characters") > 0);
}

/// An export of several annotators' work counts documents and annotators, not the versions
/// written, and a CoNLL file, which has no field for who annotated, says on stderr in which
/// order each document's versions follow each other.
#[test]
fn an_export_says_whose_versions_it_wrote_in_which_order() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("p");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&sample)
        .arg(&proj)
        .status()
        .unwrap();
    assert!(status.success());
    let out_file = dir.path().join("out.conll");
    let out = lector(&[
        "export",
        proj.to_str().unwrap(),
        "--format",
        "conll",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(" of 1 document by 2 annotators as conll"),
        "{said}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in this order: sotji-talks: anna, erik"),
        "{err}"
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(text.matches("-DOCSTART-").count(), 2);
}
