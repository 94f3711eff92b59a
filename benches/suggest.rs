//! Benchmark of suggestions (issue 13) on the book-length corpus: the 5 MB article of
//! `corpus.rs` with 10,000 mentions of 5,000 invented people spread through it (40% with a
//! genitive or possessive ending), 7,000 registry forms (each person's full name and, for
//! 2,000, the surname alone), and the corpus's 100k annotations as the annotator's own work.
//! No window and no egui: `cargo bench --bench suggest --no-default-features` builds the
//! domain alone.
//!
//! Run: `cargo bench --bench suggest`. Prints a table and one JSON line (starting with `{`).
//! Each figure is the median of several runs.

use std::time::{Duration, Instant};

use lector::model::{CharOffset, DocText, EntityId, Schema, SetKey, checked_fragments};
use lector::store::ProjectStore;
use lector::suggest::{Matcher, SuggestOptions, Suggester};

#[path = "corpus.rs"]
mod corpus;
use corpus::*;

const RUNS: usize = 5;
const PEOPLE: usize = 5_000;
const SURNAMES_ALONE: usize = 2_000;
const MENTIONS: usize = 10_000;

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

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "vi", "ne", "sha", "ri", "to", "mu", "zen", "ba", "dro", "pel", "Ös", "ju", "ly",
    "gor",
];

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A made-up name of `n` syllables.
fn name(rng: &mut Lcg, n: usize, tail: &str) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(&rng.pick(&SYLLABLES).to_lowercase());
    }
    s.push_str(tail);
    capitalised(&s)
}

fn main() {
    let mut rng = Lcg(SEED);
    let base = article(&mut rng);
    // 5,000 people, distinct full names.
    let mut people: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    while people.len() < PEOPLE {
        let first = name(&mut rng, 2, "");
        let tail = *rng.pick(&["ov", "enko", "sson", "ić"]);
        let last = name(&mut rng, 3, tail);
        if seen.insert(format!("{first} {last}")) {
            people.push((first, last));
        }
    }
    // Mentions spread through the article: full name, surname, with endings.
    let words: Vec<&str> = base.split(' ').collect();
    let every = words.len() / MENTIONS;
    let mut text = String::with_capacity(base.len() + MENTIONS * 24);
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(word);
        if i % every == every / 2 {
            let (first, last) = rng.pick(&people).clone();
            let ending = *rng.pick(&["", "", "", "s", "'s", "’s"]);
            text.push(' ');
            if rng.below(2) == 0 {
                text.push_str(&first);
                text.push(' ');
            }
            text.push_str(&last);
            text.push_str(ending);
        }
    }
    let doc_text = DocText::new(text.as_str()).expect("setup: text");
    let mut forms: Vec<String> = people.iter().map(|(f, l)| format!("{f} {l}")).collect();
    forms.extend(people.iter().take(SURNAMES_ALONE).map(|(_, l)| l.clone()));

    let mut rows: Vec<(&str, &str, f64, String)> = Vec::new();
    let build = time(RUNS, || {
        std::hint::black_box(Matcher::new(forms.iter().map(String::as_str), false));
    });
    rows.push(("compile 7,000 forms", "matcher_build", build, String::new()));
    let matcher = Matcher::new(forms.iter().map(String::as_str), false);
    let mut hits = 0;
    let find = time(RUNS, || {
        hits = matcher.find(doc_text.as_str()).len();
    });
    rows.push((
        "find them in the 5 MB article",
        "matcher_find_5mb",
        find,
        format!(
            "{hits} hits, {:.0} MB/s",
            text.len() as f64 / 1e6 / (find / 1000.0)
        ),
    ));
    let folded = Matcher::new(forms.iter().map(String::as_str), true);
    let find_ci = time(RUNS, || {
        std::hint::black_box(folded.find(doc_text.as_str()));
    });
    rows.push((
        "… ignoring case",
        "matcher_find_5mb_ignore_case",
        find_ci,
        String::new(),
    ));

    // A project: the article, the annotator's 100k annotations, and one linked mention per
    // form by a colleague (that is where the registry's forms come from).
    let tmp = tempfile::tempdir().expect("setup: tempdir");
    let root = tmp.path().join("p");
    let mut store = ProjectStore::create(&root, "bench").expect("setup: create");
    let doc = store
        .add_text("bench.txt", "Bench", text.clone())
        .expect("setup: add");
    let schema = Schema::news_default();
    let mut own = annotations(&doc_text, &schema, &mut rng);
    own.retain(|a| a.label != "Person");
    store.project.set_mut(&doc, "anna").replace_all(own.clone());
    // erik tagged each form once where the text has it without an ending.
    let mut mentions = Vec::new();
    let mut tagged = vec![false; forms.len()];
    for hit in matcher.find(doc_text.as_str()) {
        let form = hit.form as usize;
        let exact =
            doc_text.slice(CharOffset(hit.start), CharOffset(hit.end)) == Some(&forms[form]);
        if tagged[form] || !exact {
            continue;
        }
        tagged[form] = true;
        if let Ok(fragments) = checked_fragments(&doc_text, &[(hit.start, hit.end)]) {
            let mut a = lector::model::Annotation::new("Person", fragments);
            a.entity = Some(EntityId(format!("p{}", form % PEOPLE)));
            mentions.push(a);
        }
    }
    let registry = store.project.entities.entry("erik".to_owned()).or_default();
    for (i, (first, last)) in people.iter().enumerate() {
        registry.upsert(lector::model::Entity {
            id: EntityId(format!("p{i}")),
            name: format!("{first} {last}"),
            label: "Person".to_owned(),
            note: String::new(),
        });
    }
    store.project.set_mut(&doc, "erik").replace_all(mentions);
    let project = &store.project;
    let key: SetKey = (doc.clone(), "anna".to_owned());
    let n_own = project.sets.get(&key).map_or(0, |s| s.len());

    let registry = time(RUNS, || {
        std::hint::black_box(Suggester::new(project, SuggestOptions::default()));
    });
    let suggester = Suggester::new(project, SuggestOptions::default());
    rows.push((
        "Suggester::new: gather the registry's forms",
        "suggester_new",
        registry,
        format!("{} forms", suggester.forms().len()),
    ));
    let mut open = 0;
    let open_doc = time(RUNS, || {
        let s = suggester.document(project, &doc, "anna");
        open = s.open_count();
    });
    rows.push((
        "Suggester::document: scan, covered by 100k annotations, decided",
        "document_open",
        open_doc,
        format!("{open} open; {n_own} own annotations"),
    ));
    let mut found = suggester.document(project, &doc, "anna");
    let refresh = time(RUNS, || found.refresh(project, "anna"));
    rows.push((
        "DocumentSuggestions::refresh (after undo, a reload, a decision)",
        "refresh",
        refresh,
        String::new(),
    ));
    // A visible window of 3,000 chars, at 1,000 places.
    let len = doc_text.len_chars().0;
    let mut visible = 0;
    let range = time(RUNS, || {
        visible = 0;
        for k in 0..1_000u32 {
            let start = (len / 1_000) * k;
            visible += found
                .in_range(CharOffset(start), CharOffset(start + 3_000))
                .count();
        }
    }) / 1_000.0;
    rows.push((
        "in_range: the open suggestions of a 3,000-char window",
        "in_range_window",
        range,
        format!("{:.1} per window", visible as f64 / 1_000.0),
    ));
    let step = time(RUNS, || {
        let mut at = CharOffset(0);
        for _ in 0..1_000 {
            match found.next_after(at) {
                Some(s) => at = s.start,
                None => break,
            }
        }
    }) / 1_000.0;
    rows.push((
        "next_after: step to the next",
        "next_after",
        step,
        String::new(),
    ));
    // Accepting one: the change it makes to the set, followed without a rescan.
    let first = found.open().next().cloned().expect("an open suggestion");
    let edits = lector::suggest::accept_edits(project, &doc, "anna", &first).expect("accept edits");
    let mut session = lector::session::Session::headless(store, "anna");
    let t = Instant::now();
    session.apply(&doc, edits).expect("accept");
    let apply = ms(t.elapsed());
    let t = Instant::now();
    if let Some((_, changes)) = session.last_changes() {
        let changes = changes.to_vec();
        found.apply_changes(&session.store.project, "anna", &changes);
    }
    let follow = ms(t.elapsed());
    rows.push((
        "accept one: Session::apply",
        "accept_apply",
        apply,
        String::new(),
    ));
    rows.push((
        "accept one: apply_changes",
        "accept_follow",
        follow,
        format!("{} open now", found.open_count()),
    ));

    println!(
        "suggestions on a {:.1} MB article, {} forms, {MENTIONS} mentions",
        text.len() as f64 / 1e6,
        forms.len()
    );
    println!("{:<68} {:>10}  note", "what", "ms");
    for (what, _, value, note) in &rows {
        println!("{what:<68} {value:>10.3}  {note}");
    }
    let json: Vec<String> = rows
        .iter()
        .map(|(_, key, value, _)| format!("\"{key}\": {value:.4}"))
        .collect();
    println!("{{{}}}", json.join(", "));
}
