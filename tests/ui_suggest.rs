//! Issue 13 in the app: suggestions from the entity registry, decided by key, through the
//! running UI (egui_kittest) on the sample project.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::Path;

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::model::CharOffset;
use lector::ui::LectorApp;

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::{drag_select, find, harness, press_text};

/// The sample project with nobody's work in it: the registry knows no names yet.
fn blank_sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, project) = sample_project_copy();
    for sub in ["annotations", "entities", "resolutions"] {
        let path = project.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
    (dir, project)
}

fn open_count(h: &Harness<'_, LectorApp>) -> usize {
    let app = h.state();
    app.suggestions().open_in(app.document().unwrap()).unwrap()
}

fn caret(h: &Harness<'_, LectorApp>) -> u32 {
    h.state().view().unwrap().selection.head.0
}

/// Clicks a char of the article, as a user puts the caret there.
fn click_char(h: &mut Harness<'_, LectorApp>, at: u32) {
    let rect = h.state().view().unwrap().char_rect(CharOffset(at)).unwrap();
    // Pressed and released in place: a click.
    h.drag_at(rect.center());
    h.run();
    h.drop_at(rect.center());
    h.run();
}

fn keys(h: &mut Harness<'_, LectorApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run();
}

/// Tags the first "Lukashenko" as a Person and links it to a new entity in the inspector.
fn link_first_mention(h: &mut Harness<'_, LectorApp>) {
    let range = find(h, "Lukashenko", 0);
    drag_select(h, range);
    press_text(h, "p");
    h.get_by_label("New entity “Lukashenko”").click();
    h.run();
    let linked = h.state().annotations().len();
    assert_eq!(linked, 1);
}

fn person_at(h: &Harness<'_, LectorApp>, start: u32) -> Option<String> {
    h.state()
        .annotations()
        .iter()
        .find(|a| a.start().0 == start && a.label == "Person")
        .map(|a| a.entity.as_ref().map_or_else(String::new, |e| e.0.clone()))
}

/// Opens Suggestions → Counts per source…, waits for the counts, and gives the registry's.
fn registry_counts(h: &mut Harness<'_, LectorApp>) -> Option<lector::suggest::SourceCounts> {
    h.get_by_label("Suggestions").click();
    h.run();
    h.get_by_label("Counts per source…").click();
    h.run();
    for _ in 0..500 {
        if !h.state().suggestions().is_counting() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    h.run();
    h.state().suggestions().sources().get("registry").copied()
}

#[test]
fn a_linked_name_is_suggested_elsewhere_and_accepted_by_key_in_one_undo_step() {
    let (_tmp, project) = blank_sample();
    let mut h = harness(&project, "tove");
    h.run();
    assert_eq!(open_count(&h), 0, "nothing known, nothing suggested");
    assert!(h.query_by_label("0 suggestions").is_some());

    link_first_mention(&mut h);
    let n = open_count(&h);
    let occurrences = h
        .state()
        .view()
        .unwrap()
        .text()
        .as_str()
        .matches("Lukashenko")
        .count();
    assert_eq!(n, occurrences - 1, "every other mention is suggested");
    assert!(h.query_by_label(&format!("{n} suggestions")).is_some());
    assert!(
        h.query_by_label_contains(&format!("({n} suggested)"))
            .is_some(),
        "the documents list shows the count"
    );

    // F8 goes to the next suggestion; Ctrl+Enter accepts it: a linked Person.
    keys(&mut h, Modifiers::NONE, Key::F8);
    let second = find(&h, "Lukashenko", 1).0;
    assert_eq!(caret(&h), second);
    keys(&mut h, Modifiers::COMMAND, Key::Enter);
    assert_eq!(person_at(&h, second).as_deref(), Some("lukashenko"));
    assert_eq!(h.state().annotations().len(), 2);
    assert_eq!(open_count(&h), n - 1);
    assert!(
        h.query_by_label(&format!("{} suggestions", n - 1))
            .is_some()
    );
    assert_eq!(
        caret(&h),
        find(&h, "Lukashenko", 2).0,
        "the caret moves on to the next suggestion"
    );

    // One undo takes it back, and the suggestion is open again.
    keys(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(person_at(&h, second), None);
    assert_eq!(h.state().annotations().len(), 1);
    assert_eq!(open_count(&h), n);
    assert!(h.query_by_label(&format!("{n} suggestions")).is_some());

    // Shift+F8 goes back to it.
    keys(&mut h, Modifiers::SHIFT, Key::F8);
    assert_eq!(caret(&h), second);
}

#[test]
fn a_rejected_suggestion_disappears_and_stays_gone_after_reopening() {
    let (_tmp, project) = blank_sample();
    let third;
    let n;
    {
        let mut h = harness(&project, "tove");
        h.run();
        link_first_mention(&mut h);
        n = open_count(&h);
        third = find(&h, "Lukashenko", 2).0;
        click_char(&mut h, third + 3);
        keys(&mut h, Modifiers::COMMAND, Key::Delete);
        assert_eq!(open_count(&h), n - 1);
        assert!(
            h.query_by_label(&format!("{} suggestions", n - 1))
                .is_some()
        );
        let doc = h.state().suggestions().document().unwrap();
        assert!(
            doc.at(CharOffset(third + 3)).is_none(),
            "not drawn any more"
        );
        assert_eq!(h.state().annotations().len(), 1, "nothing tagged");
        assert!(h.state_mut().save_on_exit().is_empty());
    }
    assert!(
        Path::new(&project).join("triage/tove.ron").is_file(),
        "remembered in tove's own file"
    );
    let mut h = harness(&project, "tove");
    h.run();
    assert_eq!(open_count(&h), n - 1);
    let doc = h.state().suggestions().document().unwrap();
    assert!(doc.at(CharOffset(third + 3)).is_none());
    // Another annotator still gets it.
    let mut other = harness(&project, "ulf");
    other.run();
    assert!(
        other
            .state()
            .suggestions()
            .document()
            .unwrap()
            .at(CharOffset(third + 3))
            .is_some()
    );
}

#[test]
fn accept_all_of_an_entity_in_the_document_shows_the_count_first() {
    let (_tmp, project) = blank_sample();
    let mut h = harness(&project, "tove");
    h.run();
    link_first_mention(&mut h);
    let n = open_count(&h);
    keys(&mut h, Modifiers::NONE, Key::F8);
    keys(&mut h, Modifiers::COMMAND | Modifiers::SHIFT, Key::Enter);
    assert!(
        h.query_by_label_contains(&format!("{n} suggestions of Lukashenko are open"))
            .is_some(),
        "the count is shown before anything is accepted"
    );
    assert_eq!(h.state().annotations().len(), 1);
    h.get_by_label(&format!("Accept {n}")).click();
    h.run();
    assert_eq!(open_count(&h), 0);
    assert_eq!(h.state().annotations().len(), n + 1);
    assert!(
        h.state()
            .annotations()
            .iter()
            .all(|a| a.entity.as_ref().is_some_and(|e| e.0 == "lukashenko"))
    );
    // One undo step.
    keys(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(h.state().annotations().len(), 1);
    assert_eq!(open_count(&h), n);
}

#[test]
fn the_counts_per_source_show_what_was_suggested_accepted_and_rejected() {
    let (_tmp, project) = blank_sample();
    let mut h = harness(&project, "tove");
    h.run();
    link_first_mention(&mut h);
    let n = open_count(&h);
    keys(&mut h, Modifiers::NONE, Key::F8);
    keys(&mut h, Modifiers::COMMAND, Key::Enter);
    keys(&mut h, Modifiers::COMMAND, Key::Delete);
    assert_eq!(open_count(&h), n - 2);
    let counts = registry_counts(&mut h);
    let counts = counts.expect("the registry is listed");
    assert_eq!(
        (
            counts.suggested,
            counts.accepted,
            counts.rejected,
            counts.open
        ),
        (n, 1, 1, n - 2)
    );
    assert!(
        h.query_by_label("registry").is_some(),
        "shown in the window"
    );
    assert!(h.query_by_label(&(n - 2).to_string()).is_some());
}

/// Someone new to the project, with no file yet, finds their own open suggestions in the
/// counts per source, as the status bar has them (they were left out until their first
/// annotation made a file of theirs).
#[test]
fn the_counts_per_source_count_a_new_annotators_open_suggestions() {
    let (_tmp, project) = common::sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    let mine = open_count(&h);
    assert!(
        mine > 10,
        "the sample's linked names are suggested to tove: {mine}"
    );
    let others = {
        let project = &h.state().session().unwrap().store.project;
        let suggester =
            lector::suggest::Suggester::new(project, lector::suggest::SuggestOptions::default());
        lector::suggest::source_counts(project, &suggester)
            .get("registry")
            .map_or(0, |c| c.open)
    };
    let counts = registry_counts(&mut h);
    assert_eq!(counts.map(|c| c.open), Some(others + mine));
}

/// Accept all of an entity in the project: every document's suggestions, counted first,
/// taken back by one Ctrl+Z.
#[test]
fn accept_all_in_the_project_is_counted_first_and_undone_as_one_step() {
    let (_tmp, project) = blank_sample();
    let second = {
        let (mut store, _) = lector::store::ProjectStore::open(&project).unwrap();
        store
            .add_text(
                "uppfoljning.txt",
                "Uppföljning",
                "Lukashenko reste hem. Efter mötet talade Lukashenko med pressen.\n".to_owned(),
            )
            .unwrap()
    };
    let mut h = harness(&project, "tove");
    h.run();
    link_first_mention(&mut h);
    let here = open_count(&h);
    assert!(here > 0);
    keys(&mut h, Modifiers::NONE, Key::F8);
    h.get_by_label("Suggestions").click();
    h.run();
    h.get_by_label_contains("Accept all of this entity in the project")
        .click();
    h.run();
    let n = here + 2;
    assert!(
        h.query_by_label_contains(&format!(
            "{n} suggestions of Lukashenko are open in the project (2 documents)"
        ))
        .is_some(),
        "the count over both documents is shown before anything is accepted"
    );
    h.get_by_label(&format!("Accept {n}")).click();
    h.run();
    let persons = |h: &Harness<'_, LectorApp>, document: &str| {
        h.state()
            .session()
            .unwrap()
            .store
            .project
            .set(document, "tove")
            .map_or(0, |s| s.iter().filter(|a| a.label == "Person").count())
    };
    let first = h.state().document().unwrap().to_owned();
    assert_eq!(persons(&h, &first), here + 1);
    assert_eq!(persons(&h, &second), 2, "the other document's mentions too");
    // One undo, in the open document, takes back both documents' acceptances.
    keys(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(persons(&h, &first), 1);
    assert_eq!(persons(&h, &second), 0);
    keys(&mut h, Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    assert_eq!(persons(&h, &second), 2, "and one redo brings them back");
}
