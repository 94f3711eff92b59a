//! Issue 12 in the app: Paste as article, by key and from the File menu, through the
//! running UI (egui_kittest).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use egui::Modifiers;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::ui::LectorApp;

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::harness;

fn documents(h: &Harness<'_, LectorApp>) -> usize {
    h.state().session().unwrap().store.project.documents.len()
}

fn open_title(h: &Harness<'_, LectorApp>) -> String {
    let app = h.state();
    let id = app.document().unwrap();
    app.session()
        .unwrap()
        .store
        .project
        .document(id)
        .unwrap()
        .meta
        .title
        .clone()
}

#[test]
fn ctrl_shift_v_makes_an_article_of_the_clipboard_with_its_first_line_as_title() {
    let (_tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    assert_eq!(documents(&h), 1);
    let text = "Minsk svarar\n\nLukashenko talade i Minsk om samarbetet.\n";
    // A plain paste outside a text field adds nothing.
    h.event(egui::Event::Paste(text.to_owned()));
    h.run();
    assert_eq!(documents(&h), 1);
    h.event_modifiers(
        egui::Event::Paste(text.to_owned()),
        Modifiers::COMMAND | Modifiers::SHIFT,
    );
    h.run();
    assert_eq!(documents(&h), 2);
    assert_eq!(open_title(&h), "Minsk svarar", "shown at once");
    assert!(
        h.state()
            .view()
            .unwrap()
            .text()
            .as_str()
            .contains("Lukashenko talade i Minsk")
    );
    assert!(
        h.query_by_label("· Minsk svarar  (1 suggested)").is_some(),
        "listed, with its open suggestion"
    );
    // The registry's names are suggested in it at once (anna and erik linked Lukashenko).
    assert!(h.query_by_label("1 suggestion").is_some());
}

#[test]
fn file_paste_as_article_takes_the_text_in_a_window() {
    let (_tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Paste as article").click();
    h.run();
    // The text field has the keyboard: a paste goes into it, and makes no article by itself.
    h.event_modifiers(
        egui::Event::Paste("Ett nytt avtal\nRyssland och Vitryssland enades.".to_owned()),
        Modifiers::COMMAND | Modifiers::SHIFT,
    );
    h.run();
    assert_eq!(documents(&h), 1);
    h.get_by_label("Add article").click();
    h.run();
    assert_eq!(documents(&h), 2);
    assert_eq!(open_title(&h), "Ett nytt avtal");
    assert!(
        h.query_by_label("Add article").is_none(),
        "the window closed"
    );
}
