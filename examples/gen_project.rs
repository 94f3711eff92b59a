//! Writes a generated project for measuring project-wide commands and opening: by default
//! 200 documents × 10 annotators × 150 annotations (300k annotations), deterministic.
//! Then prints the medians of reading all its files once (the floor the commands are
//! compared with), opening it whole (`ProjectStore::open`) and opening it with its first
//! document only (`ProjectStore::open_first`).
//!
//! Run: `cargo run --release --no-default-features --example gen_project -- DIR [DOCS
//! ANNOTATORS PER_FILE [CHARS]]` (CHARS: each document's length in characters; 5,000
//! bytes by default), then e.g. `time lector check DIR`. `scripts/cold-start.sh` makes a book with
//! it: `DIR 1 1 10000 1000000`, one document of a million characters with 10,000
//! annotations.

use std::path::Path;
use std::time::Instant;

use lector::model::{Annotation, AnnotationId, Status, checked_fragments};
use lector::store::ProjectStore;

const WORDS: &[&str] = &[
    "the",
    "minister",
    "said",
    "on",
    "Tuesday",
    "that",
    "talks",
    "with",
    "Russia",
    "would",
    "continue",
    "in",
    "Sochi",
    "next",
    "week",
    "president",
    "government",
    "of",
    "a",
    "and",
    "spokesman",
    "agreement",
    "sanctions",
    "border",
    "economy",
    "election",
    "Lukashenko",
    "Putin",
    "Minsk",
    "Moscow",
    "gas",
    "prices",
    "loan",
    "billion",
    "dollars",
    "möter",
    "Malmö",
    "Лукашенко",
    "Москва",
];
const LABELS: &[&str] = &[
    "Person",
    "Place",
    "Organization",
    "Claim",
    "Prediction",
    "Event",
];

/// Every file under `dir`, read once; the total bytes.
fn read_all(dir: &Path) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += read_all(&path);
        } else if let Ok(bytes) = std::fs::read(&path) {
            total += bytes.len() as u64;
        }
    }
    total
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.first().map_or("target/gen-project", String::as_str)).to_path_buf();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (docs, annotators, per_file) = (number(1, 200), number(2, 10), number(3, 150));
    // Without CHARS, 5,000 bytes, as the figures in the README were measured on.
    let chars: Option<usize> = args.get(4).and_then(|s| s.parse().ok());
    if !dir.join("project.ron").exists() {
        let mut rng = fastrand::Rng::with_seed(2026);
        let t = Instant::now();
        let mut store = ProjectStore::create(&dir, "generated")?;
        let names: Vec<String> = (0..annotators)
            .map(|k| format!("annotator{k:02}"))
            .collect();
        for d in 0..docs {
            let mut text = String::new();
            let mut length = 0;
            while chars.map_or(text.len() < 5_000, |chars| length < chars) {
                let word = WORDS[rng.usize(..WORDS.len())];
                text.push_str(word);
                text.push(if rng.u8(..12) == 0 { '\n' } else { ' ' });
                length += word.chars().count() + 1;
            }
            let id = store.add_text(&format!("doc{d:04}.txt"), &format!("Document {d}"), text)?;
            let doc = store.project.document(&id).map(|d| d.text.clone());
            let Some(doc) = doc else { continue };
            let len = doc.len_chars().0;
            // A shared truth each annotator copies with slips.
            let truth: Vec<(usize, u32, u32)> = (0..per_file)
                .map(|_| {
                    let start = rng.u32(..len - 60);
                    (rng.usize(..LABELS.len()), start, start + rng.u32(3..50))
                })
                .collect();
            for name in &names {
                let mut annotations = Vec::with_capacity(per_file);
                for (n, &(label, start, end)) in truth.iter().enumerate() {
                    let (label, end) = match rng.u8(..10) {
                        0 => (rng.usize(..LABELS.len()), end),
                        1 => (label, end + rng.u32(1..5)),
                        _ => (label, end),
                    };
                    let Ok(fragments) = checked_fragments(&doc, &[(start, end)]) else {
                        continue;
                    };
                    let mut a = Annotation::new(LABELS[label], fragments);
                    // Random-looking, and unique in the file (random 40-bit ids collide
                    // about once in a million-annotation file, which makes it damaged).
                    let id = (rng.u64(..1 << 16) << 24) | n as u64;
                    a.id = AnnotationId::from(format!("{id:010x}"));
                    annotations.push(a);
                }
                let set = store.project.set_mut(&id, name);
                set.replace_all(annotations);
                set.status = Status::Done;
                store.save_set(&id, name)?;
            }
        }
        eprintln!(
            "generated {} in {:.1} s",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let time = |f: &mut dyn FnMut()| {
        median(
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        )
    };
    let mut bytes = 0;
    let read = time(&mut || bytes = read_all(&dir));
    let open = time(&mut || {
        std::hint::black_box(
            ProjectStore::open(&dir)
                .map(|(s, _)| s.project.sets.len())
                .ok(),
        );
    });
    let first = time(&mut || {
        std::hint::black_box(
            ProjectStore::open_first(&dir, None)
                .map(|(s, _)| s.project.sets.len())
                .ok(),
        );
    });
    // A project-wide text search (the documents panel's find field), once the texts are in.
    let (store, _) = ProjectStore::open(&dir)?;
    let text_bytes: usize = store
        .project
        .documents
        .iter()
        .map(|d| d.text.as_str().len())
        .sum();
    let mut found = 0;
    let search = time(&mut || {
        found = lector::model::find::find_in_project(&store.project, "Sanctions border").len();
    });
    println!(
        "{{\"project\": {:?}, \"bytes\": {bytes}, \"read_all_files_ms\": {read:.1}, \
         \"open_ms\": {open:.1}, \"open_first_ms\": {first:.1}, \"text_bytes\": {text_bytes}, \
         \"search_ms\": {search:.1}, \"search_found\": {found}}}",
        dir.display().to_string(),
    );
    Ok(())
}
