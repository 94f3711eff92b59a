//! Benchmark of agreement and of starting a review on the book-length corpus of `corpus.rs`:
//! two annotators with 100k annotations each on a 5 MB article (the second one a copy with
//! some spans left out, relabelled or moved). Starting a review is what the app does before
//! showing the first disagreement: align the two sets, compute the document's agreement (on a
//! second thread meanwhile), prepare the edits that take what they agree on, and apply them as
//! one step. The rows below the start time its parts alone. Two rows apply the same step in
//! a session that keeps a crash journal, as the app's sessions do (the journal is written on
//! other threads while the step is applied): the whole start so, and the apply alone.
//!
//! Run: `cargo bench --no-default-features --bench review`. Prints a table and one JSON line
//! (starting with `{`). Each figure is the median of several runs, in wall-clock ms, and
//! beside it the CPU time of the bench's own thread (from `/proc/thread-self/schedstat`):
//! on a machine shared with builds the wall time grows with the load, the CPU time much less.
//! The crash journal's threads are not in the CPU column.

use std::time::{Duration, Instant};

use lector::model::review::review_set_name;
use lector::model::{Annotation, DocText, Schema, checked_fragments};
use lector::review::{adjudication, agreement, align_document, document_agreement};
use lector::session::Session;
use lector::store::ProjectStore;

#[path = "corpus.rs"]
mod corpus;
use corpus::*;

const RUNS: usize = 7;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// CPU time this thread has run, where Linux tells it (else zero).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), thread_cpu());
    let out = f();
    (out, ms(t.elapsed()), ms(thread_cpu().saturating_sub(c)))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A second annotator's version: most annotations the same, some moved, relabelled or left
/// out, with ids of its own (as in `benches/store.rs`).
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

fn main() {
    let mut rng = Lcg(SEED);
    let text = article(&mut rng);
    let doc_text = DocText::new(text.as_str()).expect("setup: text");
    let schema = Schema::news_default();
    let all = annotations(&doc_text, &schema, &mut rng);
    let other = colleague(&all, &doc_text, &mut rng);
    let tmp = tempfile::tempdir().expect("setup: tempdir");
    let mut store = ProjectStore::create(&tmp.path().join("p"), "bench").expect("setup: create");
    let doc = store
        .add_text("bench.txt", "Bench", text.clone())
        .expect("setup: add");
    store.project.set_mut(&doc, "anna").replace_all(all.clone());
    store
        .project
        .set_mut(&doc, "erik")
        .replace_all(other.clone());
    for annotator in ["anna", "erik"] {
        store.save_set(&doc, annotator).expect("setup: save");
    }
    let pair = ["anna".to_owned(), "erik".to_owned()];

    // (wall, CPU) of each run.
    let mut agree = Vec::new();
    let mut align = Vec::new();
    let mut figures = Vec::new();
    let mut take = Vec::new();
    let mut prepare = Vec::new();
    let mut undo = Vec::new();
    let mut redo = Vec::new();
    let mut apply = Vec::new();
    let mut start = Vec::new();
    let mut journaled = Vec::new();
    let mut in_app = Vec::new();
    let mut units = 0;
    let mut edits_n = 0;
    for _ in 0..RUNS {
        let project = &store.project;
        let (report, wall, cpu) = timed(|| agreement(project, &[], &[]).expect("agreement"));
        agree.push((wall, cpu));
        std::hint::black_box(report);

        // Starting a review, as the app's prepare_review and begin_review do.
        let (alignment, wall, cpu) = timed(|| align_document(project, &doc, &pair).expect("align"));
        align.push((wall, cpu));
        let (report, wall, cpu) = timed(|| document_agreement(project, &doc, &pair).ok());
        figures.push((wall, cpu));
        let (edits, wall, cpu) =
            timed(|| adjudication::take_agreements(project, &doc, "olga", &alignment));
        take.push((wall, cpu));
        units = alignment.units.len();
        std::hint::black_box((report, edits));
        // The whole start as the app makes it: the figures on a thread of their own while
        // the rest is aligned and taken, then the step applied.
        let (prepared, prepare_wall, prepare_cpu) =
            timed(|| adjudication::prepare_start(project, &doc, "olga", &pair).expect("prepare"));
        prepare.push((prepare_wall, prepare_cpu));
        edits_n = prepared.edits.len();
        // Applying needs a session of its own, on the saved project (opening is not timed).
        let (copy, _) = ProjectStore::open(store.root()).expect("open");
        let mut session = Session::headless(copy, review_set_name("olga"));
        let ((), wall, cpu) = timed(|| session.apply(&doc, prepared.edits).expect("apply"));
        apply.push((wall, cpu));
        start.push((prepare_wall + wall, prepare_cpu + cpu));
        // Ctrl+Z right after: the whole start comes out as one step, then goes back in.
        let reviewed = |s: &Session| {
            s.store
                .project
                .set(&doc, &review_set_name("olga"))
                .map_or(0, |set| set.len())
        };
        let taken = reviewed(&session);
        let (undone, wall, cpu) = timed(|| session.undo(&doc));
        assert!(undone && reviewed(&session) == 0, "the start is undone");
        undo.push((wall, cpu));
        let (redone, wall, cpu) = timed(|| session.redo(&doc));
        assert!(redone && reviewed(&session) == taken, "the start is redone");
        redo.push((wall, cpu));
        std::hint::black_box(session);
        // The app's session writes every edit to the crash journal (JSON, synced) before it
        // shows: the same step again in such a session. Not part of the start above, which
        // stays comparable with earlier figures.
        let edits = adjudication::take_agreements(project, &doc, "olga", &alignment);
        let (copy, _) = ProjectStore::open(store.root()).expect("open");
        let mut session = Session::new(copy, review_set_name("olga"));
        let ((), wall, cpu) = timed(|| session.apply(&doc, edits).expect("apply"));
        journaled.push((wall, cpu));
        in_app.push((prepare_wall + wall, prepare_cpu + cpu));
        // Unsaved: the journal stays behind, and goes before the next run.
        drop(session);
        std::fs::remove_dir_all(store.root().join(".lector").join("journal"))
            .expect("remove the journal");
    }
    let both = |runs: Vec<(f64, f64)>| {
        (
            median(runs.iter().map(|r| r.0).collect()),
            median(runs.iter().map(|r| r.1).collect()),
        )
    };
    let rows = [
        (
            "agreement of 2 × 100k annotations",
            "agreement_2x100k",
            both(agree),
            "≤ 50 ms",
        ),
        (
            "start a review (prepare + apply, as the app does)",
            "review_start",
            both(start),
            "≤ 150 ms",
        ),
        (
            "  the same in the app's session (with the crash journal)",
            "review_start_app",
            both(in_app),
            "≤ 150 ms",
        ),
        (
            "  prepare: align (two threads), then take ∥ the agreement",
            "review_prepare",
            both(prepare),
            "",
        ),
        ("  align the two sets", "review_align", both(align), ""),
        (
            "  the document's agreement",
            "review_figures",
            both(figures),
            "",
        ),
        (
            "  prepare the edits taking the agreements",
            "review_take",
            both(take),
            "",
        ),
        ("  apply them as one step", "review_apply", both(apply), ""),
        (
            "  the same with the crash journal (the app's session)",
            "review_apply_journaled",
            both(journaled),
            "",
        ),
        ("undo the start (one step)", "review_undo", both(undo), ""),
        ("redo it", "review_redo", both(redo), ""),
    ];
    println!("{:<56} {:>10} {:>10}  target", "what", "median", "CPU");
    for (what, _, (v, cpu), target) in &rows {
        println!("{what:<56} {v:>7.2} ms {cpu:>7.2} ms  {target}");
    }
    println!(
        "({} and {} annotations, {units} units, {edits_n} edits; {RUNS} runs)",
        all.len(),
        other.len()
    );
    let fields: Vec<String> = rows
        .iter()
        .map(|(_, key, (v, cpu), _)| format!("\"{key}_ms\": {v:.3}, \"{key}_cpu_ms\": {cpu:.3}"))
        .collect();
    println!("{{\"bench\": \"review\", {}}}", fields.join(", "));
}
