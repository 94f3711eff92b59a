//! The workload of the instruction-count guard (`scripts/perf-guard.sh`): on the corpus of
//! `benches/corpus.rs` (a 5 MB article, 100k annotations) it opens (loads) the project, tags
//! one span (a `Session::apply`), undoes it, and saves. Each step is a
//! function of its own, never inlined, so that callgrind can count its instructions.
//!
//! `perf_guard setup DIR [N]` writes the project (N annotations, 100k by default);
//! `perf_guard run DIR` runs the steps once (`perf_guard run DIR N`: the tag and its undo N
//! times, for a profiler).
//!
//! Opening and saving do much of their work on other threads, which a step's own count
//! (its thread's) misses. `LECTOR_GUARD_UPTO=none|open|undo` ends the process right after
//! that step, so that the guard can take every thread's instructions up to a step and
//! subtract the run that ends a step earlier.

use std::path::Path;

use lector::model::{DocText, Schema, checked_fragments};
use lector::session::{Edit, Session};
use lector::store::ProjectStore;

#[path = "../benches/corpus.rs"]
mod corpus;
use corpus::*;

const ANNOTATOR: &str = "guard";

#[inline(never)]
fn guard_open(dir: &Path) -> ProjectStore {
    let (store, problems) = ProjectStore::open(dir).expect("open");
    assert!(problems.is_empty(), "{problems:?}");
    store
}

#[inline(never)]
fn guard_tag(session: &mut Session, doc: &str, edit: Edit) {
    session.apply(doc, vec![edit]).expect("tag");
}

#[inline(never)]
fn guard_undo(session: &mut Session, doc: &str) {
    assert!(session.undo(doc));
}

#[inline(never)]
fn guard_save(session: &mut Session) {
    let errors = session.save_now();
    assert!(errors.is_empty(), "{errors:?}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.get(1).map_or("target/perf-guard", String::as_str)).to_path_buf();
    match args.first().map(String::as_str) {
        Some("setup") => {
            let n: usize = args
                .get(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or(N_ANNOTATIONS);
            let mut rng = Lcg(SEED);
            let text = article(&mut rng);
            let doc_text = DocText::new(text.as_str()).expect("text");
            let mut all = annotations(&doc_text, &Schema::news_default(), &mut rng);
            all.truncate(n);
            let _ = std::fs::remove_dir_all(&dir);
            let mut store = ProjectStore::create(&dir, "guard").expect("create");
            let doc = store.add_text("guard.txt", "Guard", text).expect("add");
            store.project.set_mut(&doc, ANNOTATOR).replace_all(all);
            store.save_set(&doc, ANNOTATOR).expect("save");
        }
        Some("run") => {
            // A file written seconds ago is not trusted by its time, so the save reads it back
            // (see `store::reload::RACY`); one left longer would be, and the count would depend
            // on how long setup was ago. Every run counts the save that reads back.
            let set_file = dir.join("annotations").join(ANNOTATOR);
            for entry in std::fs::read_dir(&set_file)
                .expect("the set's folder")
                .flatten()
            {
                std::fs::File::options()
                    .write(true)
                    .open(entry.path())
                    .and_then(|f| f.set_modified(std::time::SystemTime::now()))
                    .expect("touch the set file");
            }
            let upto = std::env::var("LECTOR_GUARD_UPTO").unwrap_or_default();
            let end_after = |step: &str| {
                if upto == step {
                    // Nothing dropped, nothing more run: the next run's extra is the step.
                    std::process::exit(0);
                }
            };
            end_after("none");
            let store = guard_open(&dir);
            end_after("open");
            let doc = store
                .project
                .documents
                .first()
                .map(|d| d.meta.id.clone())
                .expect("a document");
            let text = store.project.document(&doc).expect("document").text.clone();
            let mut session = Session::headless(store, ANNOTATOR);
            let (s, e) = snapped(&text, 1000, 1012).expect("a span");
            let fragments = checked_fragments(&text, &[(s, e)]).expect("fragments");
            let mut a = lector::model::Annotation::new("Person", fragments);
            a.id = lector::model::AnnotationId::from("guard00001");
            // `run DIR N` tags and undoes N times (for a profiler); the guard counts one.
            let repeat: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
            for _ in 0..repeat {
                guard_tag(&mut session, &doc, Edit::insert(a.clone()));
                guard_undo(&mut session, &doc);
            }
            end_after("undo");
            guard_save(&mut session);
            end_after("save");
            // Tagged and saved again: the save writes the chunks no edit touched from the
            // bytes of the save before.
            guard_tag(&mut session, &doc, Edit::insert(a.clone()));
            guard_save(&mut session);
            end_after("resave");
        }
        _ => eprintln!("usage: perf_guard setup DIR [N] | perf_guard run DIR [N]"),
    }
}
