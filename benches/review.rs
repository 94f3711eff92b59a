//! Benchmark of agreement and of starting a review on the book-length corpus of `corpus.rs`:
//! two annotators with 100k annotations each on a 5 MB article (the second one a copy with
//! some spans left out, relabelled or moved). Starting a review is what the app does before
//! showing the first disagreement: align the two sets, compute the document's agreement,
//! prepare the edits that take what they agree on, and apply them as one step. A last row
//! applies the same step in a session that keeps a crash journal, as the app's sessions do.
//!
//! Run: `cargo bench --no-default-features --bench review`. Prints a table and one JSON line
//! (starting with `{`). Each figure is the median of several runs, in wall-clock ms.

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
                1 => b.label = (*rng.pick(&labels)).to_owned(),
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

    let (mut agree, mut align, mut figures, mut take, mut apply, mut start) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut journaled = Vec::new();
    let mut units = 0;
    let mut edits_n = 0;
    for _ in 0..RUNS {
        let project = &store.project;
        let t = Instant::now();
        let report = agreement(project, &[], &[]).expect("agreement");
        agree.push(ms(t.elapsed()));
        std::hint::black_box(report);

        // Starting a review, as the app's prepare_review and begin_review do.
        let t0 = Instant::now();
        let alignment = align_document(project, &doc, &pair).expect("align");
        align.push(ms(t0.elapsed()));
        let t = Instant::now();
        let report = document_agreement(project, &doc, &pair).ok();
        figures.push(ms(t.elapsed()));
        let t = Instant::now();
        let edits = adjudication::take_agreements(project, &doc, "olga", &alignment);
        take.push(ms(t.elapsed()));
        units = alignment.units.len();
        edits_n = edits.len();
        let prepared = ms(t0.elapsed());
        // Applying needs a session of its own, on the saved project (opening is not timed).
        let (copy, _) = ProjectStore::open(store.root()).expect("open");
        let mut session = Session::headless(copy, review_set_name("olga"));
        let t = Instant::now();
        session.apply(&doc, edits).expect("apply");
        let applied = ms(t.elapsed());
        apply.push(applied);
        start.push(prepared + applied);
        std::hint::black_box((report, session));
        // The app's session writes every edit to the crash journal (JSON, synced) before it
        // shows: the same step again in such a session. Not part of the start above, which
        // stays comparable with earlier figures.
        let edits = adjudication::take_agreements(project, &doc, "olga", &alignment);
        let (copy, _) = ProjectStore::open(store.root()).expect("open");
        let mut session = Session::new(copy, review_set_name("olga"));
        let t = Instant::now();
        session.apply(&doc, edits).expect("apply");
        journaled.push(ms(t.elapsed()));
        // Unsaved: the journal stays behind, and goes before the next run.
        drop(session);
        std::fs::remove_dir_all(store.root().join(".lector").join("journal"))
            .expect("remove the journal");
    }
    let rows = [
        (
            "agreement of 2 × 100k annotations",
            "agreement_2x100k",
            median(agree),
            "≤ 50 ms",
        ),
        (
            "start a review (align + agreement + take + apply)",
            "review_start",
            median(start),
            "≤ 150 ms",
        ),
        ("  align the two sets", "review_align", median(align), ""),
        (
            "  the document's agreement",
            "review_figures",
            median(figures),
            "",
        ),
        (
            "  prepare the edits taking the agreements",
            "review_take",
            median(take),
            "",
        ),
        (
            "  apply them as one step",
            "review_apply",
            median(apply),
            "",
        ),
        (
            "  the same with the crash journal (the app's session)",
            "review_apply_journaled",
            median(journaled),
            "",
        ),
    ];
    println!("{:<56} {:>10}  target", "what", "median");
    for (what, _, v, target) in &rows {
        println!("{what:<56} {v:>7.2} ms  {target}");
    }
    println!(
        "({} and {} annotations, {units} units, {edits_n} edits; {RUNS} runs)",
        all.len(),
        other.len()
    );
    let fields: Vec<String> = rows
        .iter()
        .map(|(_, key, v, _)| format!("\"{key}_ms\": {v:.3}"))
        .collect();
    println!("{{\"bench\": \"review\", {}}}", fields.join(", "));
}
