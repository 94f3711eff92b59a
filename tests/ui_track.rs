//! Following predictions in the real UI, driven through AccessKit with egui_kittest (issue #8):
//! the Predictions view filtered and a prediction resolved, the holder's track record and
//! calibration chart changing; the certainty proposed when a hedged prediction is tagged; a
//! due phrase read before it is stored; a big project's view drawing only the rows on screen.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::model::{AttrValue, CharOffset};
use lector::predict::ResolutionStatus;
use lector::ui::LectorApp;

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::{harness, step_while, wait_for_jobs};

/// The char range of the first `needle` in the open document.
fn find(h: &Harness<'_, LectorApp>, needle: &str) -> (u32, u32) {
    let text = h.state().view().unwrap().text().clone();
    let byte = text.as_str().find(needle).expect("needle in text");
    let start = text
        .char_of_byte(lector::model::ByteOffset(byte as u32))
        .unwrap();
    (start.0, start.0 + needle.chars().count() as u32)
}

/// Drags the mouse over a range of the article, as a user selects text.
fn drag_select(h: &mut Harness<'_, LectorApp>, range: (u32, u32)) {
    drag_select_with(h, range, |h| {
        h.run();
    });
}

/// [`drag_select`], letting the UI settle after each move with `settle` (a few steps while a
/// spinner shows).
fn drag_select_with(
    h: &mut Harness<'_, LectorApp>,
    (start, end): (u32, u32),
    settle: fn(&mut Harness<'_, LectorApp>),
) {
    h.state_mut()
        .view_mut()
        .unwrap()
        .scroll_to(CharOffset(start));
    settle(h);
    let view = h.state().view().unwrap();
    let a = view
        .char_rect(CharOffset(start))
        .expect("start visible")
        .left_center();
    let b = view
        .char_rect(CharOffset(end - 1))
        .expect("end visible")
        .right_center();
    h.drag_at(a + egui::vec2(1.0, 0.0));
    settle(h);
    h.hover_at(b - egui::vec2(1.0, 0.0));
    settle(h);
    h.drop_at(b - egui::vec2(1.0, 0.0));
    settle(h);
}

fn status_bar(h: &Harness<'_, LectorApp>) -> String {
    h.state()
        .messages()
        .all()
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Christina Kitova's row of the track record: made, resolved, came true, did not, share,
/// Brier.
fn kitova(h: &Harness<'_, LectorApp>) -> (usize, usize, usize, Option<f64>) {
    let (record, _) = h
        .state()
        .tracking()
        .record
        .holders
        .iter()
        .find(|(r, _)| r.holder.as_deref() == Some("christina-kitova"))
        .unwrap()
        .clone();
    (
        record.resolved,
        record.came_true,
        record.did_not_come_true,
        record.brier,
    )
}

#[test]
fn resolve_from_the_predictions_view_and_see_the_track_record_and_chart_change() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    assert!(
        status_bar(&h).contains("9 predictions, none due"),
        "the status bar says how many are due: {}",
        status_bar(&h)
    );

    // The track record before: Kitova's talks prediction came true (certain, 0.93).
    h.get_by_label("Track record").click();
    h.run();
    let (resolved, came, did_not, brier) = kitova(&h);
    assert_eq!((resolved, came, did_not), (2, 1, 0));
    assert!((brier.unwrap() - 0.0049).abs() < 1e-12);
    h.get_by_label("0.005");
    let before: Vec<(f64, usize)> = h
        .state()
        .tracking()
        .record
        .chart
        .iter()
        .map(|b| (b.mean_probability, b.count))
        .collect();
    assert_eq!(before, [(0.75, 1), (0.93, 1)]);

    // The Predictions view, filtered to the open ones.
    h.get_by_label("Predictions").click();
    h.run();
    assert_eq!(h.state().tracking().predictions.shown().len(), 9);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Status")
        .click();
    h.run();
    h.get_by_label("open").click();
    h.run();
    assert_eq!(
        h.state().tracking().predictions.shown().len(),
        6,
        "3 are resolved"
    );
    assert_eq!(
        h.query_all_by_label_contains("Christina Kitova · ").count(),
        6,
        "one row each"
    );

    // Resolve the radar station: it did not keep working (a test's claim, not history).
    h.get_by_label_contains("Den ryska radarstationen").click();
    h.run();
    // An open prediction's form has no outcome chosen, and records nothing until one is.
    {
        use egui_kittest::kittest::NodeT as _;
        let record = h.get_by_label("Record resolution");
        assert!(
            record.accesskit_node().is_disabled(),
            "no outcome chosen yet"
        );
        for status in ["came true", "did not come true"] {
            let choice = h.get_by_label(status);
            assert_ne!(
                choice.accesskit_node().toggled(),
                Some(egui::accesskit::Toggled::True),
                "{status} is not shown chosen"
            );
        }
    }
    h.get_by_label("did not come true").click();
    h.run();
    h.get_by_label("Evidence, one link or quote per line (never fetched)")
        .click();
    h.run();
    h.get_by_label("Evidence, one link or quote per line (never fetched)")
        .type_text("https://example.org/radar");
    h.run();
    h.get_by_label("Record resolution").click();
    h.run();
    assert!(
        status_bar(&h).contains("resolved as did not come true"),
        "{}",
        status_bar(&h)
    );
    assert_eq!(
        h.state().tracking().predictions.shown().len(),
        5,
        "no longer open"
    );
    // Saved in olga's own file; nobody's annotation file changed.
    let errors = h.state_mut().session_mut().unwrap().save_now();
    assert!(errors.is_empty(), "{errors:?}");
    let file = std::fs::read_to_string(project.join("resolutions/olga.ron")).unwrap();
    assert!(file.contains("status: \"did_not_come_true\""), "{file}");
    assert!(file.contains("https://example.org/radar"));
    let tracker = h.state().tracking().tracker().clone();
    let radar = tracker
        .predictions
        .iter()
        .find(|p| p.text.contains("radarstationen"))
        .unwrap();
    assert_eq!(radar.status, ResolutionStatus::DidNotComeTrue);
    assert_eq!(radar.resolved_by.as_deref(), Some("olga"));

    // The track record and the chart follow: certain 0.93 that did not happen,
    // (0.0049 + 0.8649) / 2 = 0.4349.
    h.get_by_label("Track record").click();
    h.run();
    let (resolved, came, did_not, brier) = kitova(&h);
    assert_eq!((resolved, came, did_not), (3, 1, 1));
    assert!((brier.unwrap() - 0.4349).abs() < 1e-12);
    h.get_by_label("0.435");
    let after: Vec<(f64, usize, f64)> = h
        .state()
        .tracking()
        .record
        .chart
        .iter()
        .map(|b| (b.mean_probability, b.count, b.observed))
        .collect();
    assert_eq!(after, [(0.75, 1, 1.0), (0.93, 2, 0.5)]);
    // Kitova's own calibration: only her 0.93 predictions.
    h.get_by_label("of").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Christina Kitova")
        .click();
    h.run();
    let hers: Vec<f64> = h
        .state()
        .tracking()
        .record
        .chart
        .iter()
        .map(|b| b.mean_probability)
        .collect();
    assert_eq!(hers, [0.93]);
}

#[test]
fn tagging_a_hedged_prediction_proposes_its_certainty_with_the_cue() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "tester");
    h.run();
    let range = find(
        &h,
        "Det är troligt, Lukashenko kan få mer än en miljard dollar",
    );
    drag_select(&mut h, range);
    h.event(egui::Event::Text("f".to_owned()));
    h.run();
    let app = h.state();
    let prediction = app.selected_annotation().unwrap().clone();
    assert_eq!(prediction.label, "Prediction");
    // Preselected: stored already, the outer "Det är troligt" governing the inner "kan".
    assert_eq!(
        prediction.attributes.get("certainty"),
        Some(&AttrValue::Choice("probable".into()))
    );
    let proposal = app.tracking().proposal.clone().unwrap();
    assert_eq!(
        proposal.cue,
        [(CharOffset(range.0), CharOffset(range.0 + 14))],
        "the cue to underline"
    );
    assert_eq!(app.tracking().cue("sotji-talks").len(), 1);
    h.get_by_label_contains("Certainty proposed: probable, from “Det är troligt”");
    h.get_by_label("Confirm certainty").click();
    h.run();
    assert!(h.state().tracking().proposal.is_none(), "confirmed");
    assert!(h.query_by_label_contains("Certainty proposed").is_none());

    // Another, changed instead of confirmed: the proposal goes.
    let range = find(&h, "Kanske kommer oppositionen att dyka upp senare");
    drag_select(&mut h, range);
    h.event(egui::Event::Text("f".to_owned()));
    h.run();
    h.get_by_label_contains("Certainty proposed: possible, from “Kanske”");
    h.get_by_label("Certainty").click();
    h.run();
    h.get_by_label("Improbable").click();
    h.run();
    let selected = h.state().selected_annotation().unwrap().clone();
    assert_eq!(
        selected.attributes.get("certainty"),
        Some(&AttrValue::Choice("improbable".into()))
    );
    assert!(
        h.state().tracking().proposal.is_none(),
        "the analyst changed it"
    );

    // The due phrase is read against the publication date (2021-02-22) and the reading
    // shown before it is stored.
    let due = egui::accesskit::Role::TextInput;
    h.get_by_role_and_label(due, "Due").click();
    h.run();
    h.get_by_role_and_label(due, "Due")
        .type_text("före årets slut");
    h.run();
    h.get_by_label_contains("read as 2021-12-31");
    h.get_by_label_contains("2021-12-31");
    h.key_press(egui::Key::Enter);
    h.run();
    let selected = h.state().selected_annotation().unwrap().clone();
    assert_eq!(
        selected.attributes.get("due"),
        Some(&AttrValue::Date("2021-12-31".parse().unwrap()))
    );
    // A phrase it cannot read says so and stores nothing.
    h.get_by_role_and_label(due, "Due").click();
    h.run();
    h.get_by_role_and_label(due, "Due")
        .type_text(" eller senare");
    h.run();
    h.get_by_label_contains("cannot read");
    // Enter on it keeps the field's focus: the next letters mend the phrase, they do not
    // go to the article as label keys (e is Event's, which would drop the attributes).
    h.key_press(egui::Key::Enter);
    h.run();
    h.event(egui::Event::Text("e".to_owned()));
    h.run();
    let selected = h.state().selected_annotation().unwrap().clone();
    assert_eq!(selected.label, "Prediction");
    assert!(selected.attributes.contains_key("certainty"));
    assert!(
        h.get_by_role_and_label(due, "Due")
            .value()
            .unwrap()
            .ends_with("senaree"),
        "typed into the field"
    );
}

#[test]
fn a_due_prediction_is_counted_on_opening_and_shown_from_the_status_bar() {
    let (_dir, project) = sample_project_copy();
    // Anna reopens the talks prediction (due 2021-02-28): open and due again.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lector"))
        .args([
            "resolve",
            project.to_str().unwrap(),
            "--annotation",
            "s6x47v68fv",
            "--status",
            "open",
            "--by",
            "anna",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut h = harness(&project, "olga");
    h.run();
    assert!(
        status_bar(&h).contains("9 predictions, 1 due"),
        "{}",
        status_bar(&h)
    );
    h.get_by_label("⏰ 1 prediction due").click();
    h.run();
    assert_eq!(
        h.state().tracking().mode,
        lector::ui::tracking::Mode::Predictions
    );
    let shown = h.state().tracking().predictions.shown().to_vec();
    assert_eq!(shown.len(), 1);
    let p = &h.state().tracking().tracker().predictions[shown[0]];
    assert!(p.text.contains("hålla samtalen i Sotji"));
    // Shown in its article (anna's copy: its text selected).
    h.get_by_label_contains("hålla samtalen i Sotji").click();
    h.run();
    h.get_by_label("Show in article").click();
    h.run();
    assert_eq!(
        h.state().tracking().mode,
        lector::ui::tracking::Mode::Article
    );
    let (s, e) = h.state().view().unwrap().selection.range();
    assert_eq!((s.0, e.0), (311, 440));
}

/// A project with `n` predictions of one annotator over `docs` documents, saved.
fn big_project(dir: &std::path::Path, docs: usize, n: usize) -> std::path::PathBuf {
    use lector::model::{Annotation, checked_fragments};
    let root = dir.join("big");
    let mut store = lector::store::ProjectStore::create(&root, "Big").unwrap();
    let sentence = "Han kommer troligen att vinna valet. ";
    for d in 0..docs {
        let text = sentence.repeat(200);
        let id = store
            .add_text(&format!("d{d}.txt"), &format!("D{d}"), text)
            .unwrap();
        let doc_text = store.project.document(&id).unwrap().text.clone();
        let len = sentence.chars().count() as u32;
        let set = store.project.set_mut(&id, "anna");
        for k in 0..n / docs {
            let start = (k as u32 % 200) * len;
            let mut a = Annotation::new(
                "Prediction",
                checked_fragments(&doc_text, &[(start, start + len - 1)]).unwrap(),
            );
            a.attributes
                .insert("certainty".into(), AttrValue::Choice("probable".into()));
            set.insert(a);
        }
        store.save_set(&id, "anna").unwrap();
    }
    root
}

#[test]
fn a_big_projects_predictions_view_draws_only_the_rows_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let root = big_project(dir.path(), 20, 20_000);
    let mut h = harness(&root, "olga");
    wait_for_jobs(&mut h);
    h.get_by_label("Predictions").click();
    h.run();
    assert_eq!(h.state().tracking().predictions.shown().len(), 20_000);
    let rows = h.query_all_by_label_contains("Han kommer troligen").count();
    assert!(rows > 10 && rows < 80, "{rows} rows laid out of 20000");
    // Idle frames recount nothing: the rows are kept for the revision and filters.
    let built = h.state().tracking().built_at();
    let rows_at = h.state().tracking().predictions.rows_revision();
    assert!(rows_at.is_some());
    h.step();
    h.step();
    assert_eq!(h.state().tracking().built_at(), built);
    assert_eq!(h.state().tracking().predictions.rows_revision(), rows_at);
    // Sorting by a column reorders once.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Document")
        .click();
    h.run();
    let shown = h.state().tracking().predictions.shown();
    let tracker = h.state().tracking().tracker();
    let first = &tracker.predictions[shown[0]].document;
    let last = &tracker.predictions[shown[shown.len() - 1]].document;
    assert!(first <= last, "{first} {last}");
}

/// After a change, a big project's predictions are counted again on another thread (a project
/// of 200k annotations took a third of a second, the window frozen): the view shows at once
/// with the counts from before, says that it is counting, and then shows the new counts.
#[test]
fn after_a_change_a_big_projects_views_count_again_without_holding_up_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let root = big_project(dir.path(), 20, 20_000);
    let mut h = harness(&root, "tester");
    wait_for_jobs(&mut h);
    let range = find(&h, "Han kommer troligen att vinna valet");
    drag_select(&mut h, range);
    h.event(egui::Event::Text("f".to_owned()));
    h.run();
    let tagged = h.state().selected_annotation().unwrap().clone();
    assert_eq!(tagged.label, "Prediction");
    let is_counted = |h: &Harness<'_, LectorApp>| {
        h.state()
            .tracking()
            .tracker()
            .predictions
            .iter()
            .flat_map(|p| &p.copies)
            .any(|k| k.annotator == "tester" && k.annotation == tagged.id)
    };
    assert!(!is_counted(&h), "not counted while the article shows");

    h.get_by_label("Predictions").click();
    h.step();
    h.step();
    assert!(
        h.state().tracking().counting(),
        "counting on another thread"
    );
    h.get_by_label_contains("counting again after your changes");
    assert!(!is_counted(&h), "the counts from before show meanwhile");
    assert_eq!(h.state().tracking().tracker().predictions.len(), 20_000);

    step_while(&mut h, |app| app.tracking().counting());
    h.run();
    assert!(!h.state().tracking().counting());
    assert!(is_counted(&h), "the new prediction is counted");
    assert!(h.query_by_label_contains("counting again").is_none());
    let session = h.state().session().unwrap();
    assert_eq!(
        h.state().tracking().counted_at(),
        Some(session.content_revision())
    );
}

/// The Predictions view's Find field finds what was counted after an edit: the lower-cased
/// texts it searches are made with each count (on the window's thread, they held the first
/// frame after each edit for 50 ms on 42k predictions), and those of the new count are used.
#[test]
fn predictions_are_found_by_text_after_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    // A hundred predictions per document, on its first hundred sentences of two hundred.
    let root = big_project(dir.path(), 20, 2_000);
    let mut h = harness(&root, "tester");
    wait_for_jobs(&mut h);
    let open = h.state().document().unwrap().to_owned();
    h.get_by_label("Predictions").click();
    h.run();
    assert_eq!(h.state().tracking().predictions.shown().len(), 2_000);
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Find");
    field.click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Find")
        .type_text(&open);
    h.run();
    assert_eq!(
        h.state().tracking().predictions.shown().len(),
        100,
        "the open document's, found by its id"
    );

    // A new prediction on a sentence no one tagged.
    h.get_by_label("Article").click();
    h.run();
    let len = "Han kommer troligen att vinna valet. ".chars().count() as u32;
    drag_select(&mut h, (150 * len, 151 * len - 1));
    h.event(egui::Event::Text("f".to_owned()));
    h.run();
    assert_eq!(
        h.state().selected_annotation().map(|a| a.label.as_str()),
        Some("Prediction")
    );
    h.get_by_label("Predictions").click();
    h.run();
    assert_eq!(h.state().tracking().tracker().predictions.len(), 2_001);
    assert_eq!(
        h.state().tracking().predictions.shown().len(),
        101,
        "the filter finds the new one too"
    );
}

/// The Claims view's Find field finds claims by their text, their source or their
/// document, in any case (the document's id was compared as typed).
#[test]
fn claims_are_found_by_text_source_or_document_in_any_case() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    h.get_by_label("Claims").click();
    h.run();
    let all = h.state().tracking().claims.shown().len();
    assert!(all > 3, "{all}");
    let find = |h: &mut Harness<'_, LectorApp>, text: &str| -> Vec<String> {
        let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Find");
        field.focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Find")
            .type_text(text);
        h.run();
        let tracker = h.state().tracking().tracker();
        h.state()
            .tracking()
            .claims
            .shown()
            .iter()
            .map(|&i| tracker.claims[i].text.clone())
            .collect()
    };
    // A word of some claims' texts, typed in capitals.
    let found = find(&mut h, "LUKASHENKO");
    assert!(!found.is_empty() && found.len() < all, "{found:?}");
    assert!(
        found
            .iter()
            .all(|t| t.to_lowercase().contains("lukashenko"))
    );
    let tracker = h.state().tracking().tracker();
    let with_word = tracker
        .claims
        .iter()
        .filter(|c| {
            c.text.to_lowercase().contains("lukashenko")
                || c.source_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains("lukashenko"))
        })
        .count();
    assert_eq!(found.len(), with_word, "by text or source");
    // The document's id, in capitals: all of them (the sample has one document).
    let document = h.state().document().unwrap().to_uppercase();
    assert_eq!(find(&mut h, &document).len(), all);
    assert!(find(&mut h, "no such words anywhere").is_empty());
}

/// Right after a big project opens, its other documents are still being read in the
/// background: a tracking view says so and shows the predictions once they are read, instead
/// of reading the rest of the project and counting it on the window's thread.
#[test]
fn a_tracking_view_waits_for_a_big_project_to_be_read_without_holding_up_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let root = big_project(dir.path(), 60, 60_000);
    let mut h = harness(&root, "olga");
    // Its first document opens (on another thread too: the files are big).
    step_while(&mut h, |app| app.session().is_none());
    h.step();
    let complete = |h: &Harness<'_, LectorApp>| h.state().session().unwrap().store.is_complete();
    assert!(
        !complete(&h),
        "the other documents are read in the background"
    );
    h.get_by_label("Predictions").click();
    h.step();
    h.step();
    assert!(!complete(&h), "not read on the window's thread");
    h.get_by_label_contains("the predictions and claims show once every document is read");
    wait_for_jobs(&mut h);
    assert!(complete(&h));
    assert_eq!(h.state().tracking().predictions.shown().len(), 60_000);
    assert!(
        h.query_by_label_contains("once every document is read")
            .is_none()
    );
}

/// One's own prediction selected in the article: the inspector says how it stands in the
/// counts, and "Resolve…" opens it in the Predictions view; a claim says whether it was checked.
#[test]
fn the_inspector_says_how_a_selected_prediction_or_claim_stands() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..300 {
        h.key_press(egui::Key::Tab);
        h.run();
        let Some(selected) = h.state().selected_annotation() else {
            continue;
        };
        let label = selected.label.to_string();
        if label == "Prediction" && !seen.contains("Prediction") {
            h.get_by_label_contains("Status: ");
            seen.insert(label);
        } else if label == "Claim" && !seen.contains("Claim") {
            h.get_by_label("Check…");
            seen.insert(label);
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(
        seen.len(),
        2,
        "a prediction and a claim of anna's: {seen:?}"
    );
    // Back to a prediction, and to the view from its line.
    for _ in 0..300 {
        h.key_press(egui::Key::Tab);
        h.run();
        if h.state()
            .selected_annotation()
            .is_some_and(|a| a.label == "Prediction")
        {
            break;
        }
    }
    let id = h.state().selected_annotation().unwrap().id.clone();
    h.get_by_label("Resolve…").click();
    h.run();
    let tracking = h.state().tracking();
    assert_eq!(tracking.mode, lector::ui::tracking::Mode::Predictions);
    let shown = tracking.predictions.selected.clone().unwrap();
    let prediction = tracking
        .tracker()
        .predictions
        .iter()
        .find(|p| p.is(&shown))
        .unwrap();
    assert!(
        prediction
            .copies
            .iter()
            .any(|k| k.annotator == "anna" && k.annotation == id),
        "the selected prediction is the one shown"
    );
}

/// In a reviewed document the reviewed version counts: one's own prediction the reviewer did
/// not keep has no status in the counts, and the inspector says why instead of saying
/// nothing; one the review kept still shows its status.
#[test]
fn the_inspector_says_when_a_review_left_a_prediction_out() {
    use lector::model::review::review_set_name;
    use lector::review::adjudication::take_agreements;
    let (_dir, project) = sample_project_copy();
    {
        // olga reviews anna and erik: she keeps what they agree on and takes neither side
        // of their disagreements (those she had not decided on would still count).
        let (store, _) = lector::store::ProjectStore::open(&project).unwrap();
        let mut session = lector::session::Session::new(store, review_set_name("olga"));
        let names = vec!["anna".to_owned(), "erik".to_owned()];
        let alignment =
            lector::review::align_document(&session.store.project, "sotji-talks", &names).unwrap();
        let edits = take_agreements(&session.store.project, "sotji-talks", "olga", &alignment);
        session.apply("sotji-talks", edits).unwrap();
        for unit in alignment.disagreements() {
            let (edits, _) = lector::review::adjudication::settle(
                &session.store.project,
                "sotji-talks",
                "olga",
                unit,
                lector::model::review::Choice::Neither,
                "",
            );
            session.apply("sotji-talks", edits).unwrap();
        }
        assert!(session.save_now().is_empty());
    }
    // Opened as someone else first: switching to anna counts again at once (the status
    // came from counts only the tracking views refreshed).
    let mut h = harness(&project, "erik");
    h.run();
    h.state_mut()
        .push(lector::ui::Command::SetAnnotator("anna".into()));
    h.run();
    let (mut kept, mut left_out) = (0, 0);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..400 {
        h.key_press(egui::Key::Tab);
        h.run();
        let Some(selected) = h.state().selected_annotation() else {
            continue;
        };
        if selected.label != "Prediction" || !seen.insert(selected.id.clone()) {
            continue;
        }
        let status = h.query_by_label_contains("Status: ").is_some();
        let why = h
            .query_by_label_contains("olga's review of this document did not keep it")
            .is_some();
        assert!(status != why, "one or the other, for {:?}", selected.id);
        if status {
            kept += 1;
        } else {
            left_out += 1;
        }
    }
    assert!(kept > 0 && left_out > 0, "kept {kept}, left out {left_out}");
}

/// An annotation made while a big project's other documents are still being read: once they
/// are, the predictions are counted on another thread (not on the window's), and the status
/// bar then says how many there are.
#[test]
fn an_edit_while_a_big_project_is_read_is_counted_on_another_thread() {
    let dir = tempfile::tempdir().unwrap();
    let root = big_project(dir.path(), 60, 60_000);
    let mut h = harness(&root, "olga");
    step_while(&mut h, |app| app.session().is_none());
    h.step();
    assert!(h.state().is_busy(), "the other documents are being read");
    let range = find(&h, "Han kommer troligen att vinna valet");
    // The status bar's spinner keeps repainting while the rest is read.
    drag_select_with(&mut h, range, |h| {
        h.run_steps(4);
    });
    h.event(egui::Event::Text("f".to_owned()));
    h.run_steps(4);
    assert_eq!(h.state().selected_annotation().unwrap().label, "Prediction");
    assert!(h.state().is_busy(), "tagged while the rest is read");
    wait_for_jobs(&mut h);
    assert!(
        h.state().tracking().counting(),
        "counted on another thread once everything is read"
    );
    step_while(&mut h, |app| app.tracking().counting());
    assert!(!h.state().tracking().counting());
    assert!(
        status_bar(&h).contains("60000 predictions"),
        "said once counted: {}",
        status_bar(&h)
    );
}

/// A label key pressed on a selected prediction (say, meant for a field that had lost its
/// focus) turns it into another label: what only a prediction has is dropped, and the status
/// bar says which and that an undo brings them back; a key for the label it already has
/// changes nothing.
#[test]
fn relabelling_a_prediction_says_what_it_dropped() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let held = h
        .state()
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction" && a.attributes.contains_key("holder"))
        .unwrap()
        .clone();
    h.state_mut()
        .push(lector::ui::Command::Select(Some(held.id.clone())));
    h.run();
    let said_before = h.state().messages().all().len();
    h.state_mut()
        .push(lector::ui::Command::Relabel("Prediction".to_owned()));
    h.run();
    assert_eq!(
        h.state().messages().all().len(),
        said_before,
        "nothing to say"
    );
    assert_eq!(
        h.state().selected_annotation(),
        Some(&*held),
        "nothing changed"
    );

    h.state_mut()
        .push(lector::ui::Command::Relabel("Event".to_owned()));
    h.run();
    let said = gui::said(&h);
    let last = said.last().unwrap();
    assert!(
        last.starts_with("Prediction is now Event: dropped its ") && last.contains("holder"),
        "{said:?}"
    );
    assert!(last.contains("Ctrl+Z"), "{last}");
    assert!(
        !h.state()
            .selected_annotation()
            .unwrap()
            .attributes
            .contains_key("holder")
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    let back = h.state().selected_annotation().unwrap();
    assert_eq!(back.label, "Prediction");
    assert_eq!(back.attributes, held.attributes, "every attribute back");
}

/// A claim whose annotator gave it a verdict, with no check recorded in the Claims view: the
/// inspector's header says whose the verdict is, not "not checked", which read as if it
/// contradicted the verdict under it.
#[test]
fn a_claims_header_agrees_with_the_verdict_under_it() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let claim = h
        .state()
        .annotations()
        .iter()
        .find(|a| a.label == "Claim")
        .map(|a| (**a).clone())
        .unwrap();
    assert!(
        claim
            .attributes
            .get("verdict")
            .is_none_or(|v| *v == AttrValue::Choice("unreviewed".into())),
        "the sample's first claim is not checked"
    );
    h.state_mut()
        .push(lector::ui::Command::Select(Some(claim.id.clone())));
    h.run();
    h.step();
    let mut supported = claim.clone();
    supported
        .attributes
        .insert("verdict".to_owned(), AttrValue::Choice("supported".into()));
    h.state_mut().push(lector::ui::Command::Edit(vec![
        lector::session::Edit::replace(supported),
    ]));
    h.run();
    h.step();
    assert!(
        h.query_by_label("No check recorded yet (the verdict below is the annotator's)")
            .is_some()
    );
    assert!(h.query_by_label("Not checked yet").is_none());
    // Back to unreviewed: not checked.
    h.state_mut().push(lector::ui::Command::Edit(vec![
        lector::session::Edit::replace(claim),
    ]));
    h.run();
    h.step();
    assert!(h.query_by_label("Not checked yet").is_some());
}
