//! Re-anchoring on the sample project: its article corrected after annotation (a heading
//! added in front, a misspelt name corrected, a sentence rewritten), then
//! `lector check --reanchor`: every annotation of every annotator is placed on the new text or
//! listed, none dropped.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use lector::store::ProjectStore;

mod common;

fn lector(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lector"))
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .output()
        .expect("run lector");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// Every (annotator, id) of the document, with the text each covers.
fn annotations(dir: &Path) -> BTreeSet<(String, String, String)> {
    let (store, _) = ProjectStore::open(dir).expect("open");
    let doc = store.project.documents[0].meta.id.clone();
    let text = &store.project.documents[0].text;
    store
        .project
        .sets
        .iter()
        .filter(|((d, _), _)| d == &doc)
        .flat_map(|((_, who), set)| {
            set.annotations()
                .iter()
                .map(move |a| (who.clone(), a.id.0.to_string(), a.covered_text(text)))
        })
        .collect()
}

#[test]
fn a_corrected_sample_article_keeps_every_annotation() {
    let (_tmp, dir) = common::sample_project_copy();
    let before = annotations(&dir);
    assert!(before.len() > 200);
    let file = dir.join("documents/sotji-talks.txt");
    let old = std::fs::read_to_string(&file).expect("text");
    // A heading in front, the misspelt name corrected, one sentence rewritten.
    let edited = format!("Analys, februari 2021\n\n{old}")
        .replace("Tichanovksaya", "Tichanovskaya")
        .replace("erkände nederlaget", "medgav nederlaget");
    assert_ne!(edited, old);
    std::fs::write(&file, &edited).expect("edit");

    let (code, out) = lector(&["check"], &dir);
    assert_eq!(code, Some(1));
    assert!(out.contains("--reanchor"), "check says what to do: {out}");

    let (_, report) = lector(&["check", "--reanchor"], &dir);
    assert!(
        report.contains("the annotations were placed again"),
        "{report}"
    );

    let after = annotations(&dir);
    let unplaced: BTreeSet<(String, String)> = report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("not placed: "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .flat_map(|id| {
            before
                .iter()
                .filter(move |(_, i, _)| *i == id)
                .map(|(w, i, _)| (w.clone(), i.clone()))
        })
        .collect();
    let kept: BTreeSet<(String, String)> = after
        .iter()
        .map(|(w, i, _)| (w.clone(), i.clone()))
        .collect();
    for (who, id, _) in &before {
        let key = (who.clone(), id.clone());
        assert!(
            kept.contains(&key) || unplaced.contains(&key),
            "{who}'s {id} neither placed nor listed"
        );
    }
    // Placed on the same words (or their correction), not merely somewhere.
    for (who, id, covered) in &after {
        let old_cover = before
            .iter()
            .find(|(w, i, _)| w == who && i == id)
            .map(|(_, _, c)| c.clone())
            .expect("an annotation that existed");
        let expected = old_cover
            .replace("Tichanovksaya", "Tichanovskaya")
            .replace("erkände nederlaget", "medgav nederlaget");
        assert!(
            covered == &expected || covered == &old_cover,
            "{who}'s {id}: {old_cover:?} became {covered:?}"
        );
    }
    let misspelt = before
        .iter()
        .filter(|(_, _, c)| c.contains("Tichanovksaya"))
        .count();
    assert!(misspelt > 0);
    assert_eq!(
        after
            .iter()
            .filter(|(_, _, c)| c.contains("Tichanovskaya"))
            .count(),
        misspelt
            + before
                .iter()
                .filter(|(_, _, c)| c.contains("Tichanovskaya"))
                .count(),
        "the mentions of the corrected name follow the correction"
    );
    // The project is whole again: no hash problem; what was not placed is listed by check.
    let (code, out) = lector(&["check"], &dir);
    if unplaced.is_empty() {
        assert_eq!(code, Some(0), "{out}");
    } else {
        assert!(out.contains("could not be placed"), "{out}");
        assert!(!out.contains("SHA-256"), "{out}");
    }
}

#[cfg(feature = "gui")]
#[path = "common/gui.rs"]
mod gui;

#[cfg(feature = "gui")]
#[test]
fn the_app_offers_to_reanchor_a_corrected_article() {
    use egui_kittest::kittest::Queryable as _;
    let (_tmp, dir) = common::sample_project_copy();
    let file = dir.join("documents/sotji-talks.txt");
    let old = std::fs::read_to_string(&file).expect("text");
    std::fs::write(&file, format!("Analys\n\n{old}")).expect("edit");
    let mut h = gui::harness(&dir, "anna");
    h.run();
    h.get_by_label("Re-anchor annotations to the new text")
        .click();
    h.run();
    let app = h.state();
    let session = app.session().expect("reopened");
    assert!(session.store.edited_texts().is_empty());
    assert_eq!(app.document(), Some("sotji-talks"));
    let set = session
        .store
        .project
        .set("sotji-talks", "anna")
        .expect("anna's");
    assert_eq!(set.annotations().len(), 112, "every annotation placed");
    let text = &session.store.project.documents[0].text;
    assert_eq!(set.annotations()[0].covered_text(text), "Ryssland");
    assert!(
        app.messages()
            .all()
            .iter()
            .any(|m| m.text.starts_with("anna: 112 of 112 annotations placed")),
        "said so"
    );
    assert!(
        h.query_by_label("Re-anchor annotations to the new text")
            .is_none()
    );
}
