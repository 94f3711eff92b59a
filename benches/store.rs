//! Benchmark of everything around the article view that grows with the work: saving and
//! loading 100k annotations, undo and redo, id lookups, tagging 1,000 search hits at once,
//! importing 100k annotations, and the agreement of two annotators' 100k annotations each.
//! No window and no egui: the domain library alone (`cargo bench --bench store
//! --no-default-features` builds in a fraction of the time of the GUI).
//!
//! Run: `cargo bench --bench store`. Prints a table and one JSON line (starting with `{`).
//! Each figure is the median of several runs on the deterministic corpus of `corpus.rs`.

use std::path::Path;
use std::time::{Duration, Instant};

use lector::model::validate::meaning_problems;
use lector::model::{Annotation, AnnotationId, DocText, Schema, checked_fragments};
use lector::session::{Edit, Session};
use lector::store::{ProjectStore, convert, ron_file, set_text, v1};

#[path = "corpus.rs"]
mod corpus;
use corpus::*;

const ANNOTATOR: &str = "bench";
const RUNS: usize = 5;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Times `f` `runs` times; the median in ms.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                ms(t.elapsed())
            })
            .collect(),
    )
}

/// A project in `dir` with the article and `annotators`' sets, saved.
fn project(dir: &Path, text: &str, sets: &[(&str, &[Annotation])]) -> String {
    let mut store = ProjectStore::create(dir, "bench").expect("setup: create");
    let doc = store
        .add_text("bench.txt", "Bench", text.to_owned())
        .expect("setup: add");
    for (annotator, annotations) in sets {
        let set = store.project.set_mut(&doc, annotator);
        set.replace_all(annotations.to_vec());
        store.save_set(&doc, annotator).expect("setup: save");
    }
    doc
}

/// A second annotator's version: most annotations the same, some moved, relabelled or left
/// out, with ids of its own.
fn colleague(all: &[Annotation], text: &DocText, rng: &mut Lcg) -> Vec<Annotation> {
    let labels = ["Person", "Place", "Organization", "Claim"];
    all.iter()
        .filter_map(|a| {
            let mut b = a.clone();
            b.id = id(rng);
            match rng.below(20) {
                0 => return None,
                1 => b.label = (*rng.pick(&labels)).into(),
                2 => {
                    let f = b.fragments[0];
                    let (s, e) = snapped(text, f.start.0 + 1, f.end.0)?;
                    b.fragments = checked_fragments(text, &[(s, e)]).ok()?;
                }
                _ => {}
            }
            Some(b)
        })
        .collect()
}

struct Row {
    what: &'static str,
    key: &'static str,
    ms: f64,
    target: &'static str,
    note: String,
}

fn main() {
    let mut rng = Lcg(SEED);
    let text = article(&mut rng);
    let doc_text = DocText::new(text.as_str()).expect("setup: text");
    let schema = Schema::news_default();
    let all = annotations(&doc_text, &schema, &mut rng);
    let mut rows = Vec::new();
    let tmp = tempfile::tempdir().expect("setup: tempdir");

    // --- Save and load ---------------------------------------------------------------------
    let root = tmp.path().join("one");
    let doc = project(&root, &text, &[(ANNOTATOR, &all)]);
    let file = root.join(lector::store::set_path(&doc, ANNOTATOR));
    let size_mb = std::fs::metadata(&file).map_or(0.0, |m| m.len() as f64 / 1e6);
    let load = time(RUNS, || {
        let (store, problems) = ProjectStore::open(&root).expect("load");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            store
                .project
                .set(&doc, ANNOTATOR)
                .map(|s| s.annotations().len()),
            Some(all.len())
        );
    });
    rows.push(Row {
        what: "load: open the project (parse and check 100k annotations)",
        key: "load_100k",
        ms: load,
        target: "≤ 150 ms",
        note: format!("{size_mb:.1} MB file"),
    });
    // Where a load's time goes.
    let rel = lector::store::set_path(&doc, ANNOTATOR);
    let bytes = std::fs::read(&file).expect("read");
    let source = ron_file::preflight(&rel, &bytes).expect("preflight");
    let parts = [
        (
            "load part: read the file",
            "load_read",
            time(RUNS, || {
                std::hint::black_box(std::fs::read(&file).expect("read"));
            }),
        ),
        (
            "load part: preflight (UTF-8, BOM, conflict markers)",
            "load_preflight",
            time(RUNS, || {
                std::hint::black_box(ron_file::preflight(&rel, &bytes).expect("preflight"));
            }),
        ),
        (
            "load part: read the RON (Lector's reader, 2 threads)",
            "load_parse",
            time(RUNS, || {
                std::hint::black_box(set_text::read(&source, 2).expect("read"));
            }),
        ),
        (
            "load part: the same with serde (for hand-edited files)",
            "load_parse_serde",
            time(3, || {
                std::hint::black_box(ron_file::parse::<v1::SetFile>(&rel, &source).expect("parse"));
            }),
        ),
        (
            "load part: to the model (read, spans and quotes checked, 2 threads)",
            "load_convert",
            time(RUNS, || {
                std::hint::black_box(convert::read_set(&source, &rel, &doc_text, 2));
            }),
        ),
    ];
    let (set, _) = convert::read_set(&source, &rel, &doc_text, 2).expect("read");
    let validate = time(RUNS, || {
        for a in set.iter() {
            std::hint::black_box(meaning_problems(&schema, None, &set, a));
        }
    });
    for (what, key, ms) in parts {
        rows.push(Row {
            what,
            key,
            ms,
            target: "",
            note: String::new(),
        });
    }
    rows.push(Row {
        what: "load part: labels, links, attributes against the schema (1 thread)",
        key: "load_validate",
        ms: validate,
        target: "",
        note: String::new(),
    });
    let serialise = time(RUNS, || {
        std::hint::black_box(set_text::write(&set, &doc_text).expect("serialised"));
    });
    rows.push(Row {
        what: "save part: write 100k annotations as RON",
        key: "save_serialise",
        ms: serialise,
        target: "",
        note: String::new(),
    });

    let (store, _) = ProjectStore::open(&root).expect("load");
    let mut session = Session::headless(store, ANNOTATOR);
    let mut saves = Vec::new();
    for i in 0..=RUNS {
        let mut a = session
            .store
            .project
            .set(&doc, ANNOTATOR)
            .and_then(|s| s.at(i * 1000).cloned())
            .expect("an annotation");
        a.note = format!("edited {i}");
        session.apply(&doc, vec![Edit::replace(a)]).expect("edit");
        let t = Instant::now();
        let errors = session.save_now();
        saves.push(ms(t.elapsed()));
        assert!(errors.is_empty(), "{errors:?}");
    }
    // The first save after opening serialises every annotation; those after it, only the
    // chunks of the list that edits touched (the others' bytes are kept from the save before).
    let first = saves.remove(0);
    rows.push(Row {
        what: "save: the first after opening, one change, the whole file serialised",
        key: "save_first",
        ms: first,
        target: "",
        note: String::new(),
    });
    rows.push(Row {
        what: "save: one change, the whole 100k file written and synced",
        key: "save_100k",
        ms: median(saves),
        target: "≤ 100 ms",
        note: String::new(),
    });

    // --- Undo, redo, lookups -----------------------------------------------------------------
    let mut undos = Vec::new();
    let mut redos = Vec::new();
    let mut tags = Vec::new();
    for k in 0..50u32 {
        let start = 1000 + 97 * k;
        let Some((s, e)) = snapped(&doc_text, start, start + 7) else {
            continue;
        };
        let Ok(fragments) = checked_fragments(&doc_text, &[(s, e)]) else {
            continue;
        };
        let a = Annotation::new("Person", fragments);
        let t = Instant::now();
        session.apply(&doc, vec![Edit::insert(a)]).expect("tag");
        tags.push(ms(t.elapsed()));
        let t = Instant::now();
        assert!(session.undo(&doc));
        undos.push(ms(t.elapsed()));
        let t = Instant::now();
        assert!(session.redo(&doc));
        redos.push(ms(t.elapsed()));
    }
    rows.push(Row {
        what: "tag: Session::apply of one annotation at 100k",
        key: "tag_100k",
        ms: median(tags),
        target: "< 1 ms",
        note: String::new(),
    });
    rows.push(Row {
        what: "undo a tag at 100k",
        key: "undo_100k",
        ms: median(undos),
        target: "≤ 0.5 ms",
        note: String::new(),
    });
    rows.push(Row {
        what: "redo a tag at 100k",
        key: "redo_100k",
        ms: median(redos),
        target: "≤ 0.5 ms",
        note: String::new(),
    });
    let ids: Vec<AnnotationId> = all.iter().step_by(100).map(|a| a.id.clone()).collect();
    let set = session.store.project.set(&doc, ANNOTATOR).expect("set");
    let lookup = time(RUNS, || {
        for id in &ids {
            assert!(set.get(id).is_some());
        }
    }) / ids.len() as f64;
    rows.push(Row {
        what: "lookup of an annotation by id at 100k",
        key: "lookup_by_id_100k",
        ms: lookup,
        target: "O(log n)",
        note: String::new(),
    });

    // --- Tag all 1,000 hits, import 100k ---------------------------------------------------------
    let hits: Vec<Edit> = (0..1000u32)
        .filter_map(|k| {
            let (s, e) = snapped(&doc_text, 3 + 4_001 * k, 9 + 4_001 * k)?;
            let fragments = checked_fragments(&doc_text, &[(s, e)]).ok()?;
            Some(Edit::insert(Annotation::new("Place", fragments)))
        })
        .collect();
    let t = Instant::now();
    session.apply(&doc, hits).expect("tag all");
    rows.push(Row {
        what: "tag all: 1,000 search hits in one step at 100k",
        key: "tag_all_1000",
        ms: ms(t.elapsed()),
        target: "no O(n) per hit",
        note: String::new(),
    });
    let mut importer = Session::headless(ProjectStore::open(&root).expect("open").0, "importer");
    let t_import = Instant::now();
    importer
        .apply(&doc, all.iter().cloned().map(Edit::insert).collect())
        .expect("import");
    rows.push(Row {
        what: "import: 100k annotations applied as one step",
        key: "import_100k",
        ms: ms(t_import.elapsed()),
        target: "no O(n) per annotation",
        note: String::new(),
    });
    drop(importer);
    drop(session);

    // --- Agreement of two annotators, 100k each ----------------------------------------------------
    let other = colleague(&all, &doc_text, &mut rng);
    let root2 = tmp.path().join("two");
    project(&root2, &text, &[("anna", &all), ("erik", &other)]);
    let (store, _) = ProjectStore::open(&root2).expect("open two");
    let agreement = time(3, || {
        let report = lector::review::agreement(&store.project, &[], &[]).expect("agreement");
        assert_eq!(report.annotators.len(), 2);
    });
    rows.push(Row {
        what: "agreement of 2 × 100k annotations (F1, κ, α, α_u, attributes)",
        key: "agreement_2x100k",
        ms: agreement,
        target: "≤ 50 ms",
        note: format!("{} and {} annotations", all.len(), other.len()),
    });

    // --- Report ----------------------------------------------------------------------------------
    println!("{:<66} {:>10}  target", "what", "median");
    for r in &rows {
        println!("{:<66} {:>7.2} ms  {}  {}", r.what, r.ms, r.target, r.note);
    }
    let fields: Vec<String> = rows
        .iter()
        .map(|r| format!("\"{}_ms\": {:.3}", r.key, r.ms))
        .collect();
    println!("{{\"bench\": \"store\", {}}}", fields.join(", "));
}
