//! Issue 12 in the app: the Import dialog lists the file's labels the project lacks, with a
//! mapping for each, before anything is imported (egui_kittest, on the sample project).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::formats::Format;
use lector::ui::{Command, LectorApp};

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::{find, harness, wait_for_jobs};

/// A doccano line for the open document with doccano's own label names, in UTF-16 offsets.
fn doccano_file(h: &Harness<'_, LectorApp>, path: &std::path::Path) {
    let text = h.state().view().unwrap().text().as_str().to_owned();
    let utf16 = |(s, e): (u32, u32)| {
        let at = |c: u32| -> usize {
            text.chars()
                .take(c as usize)
                .map(char::len_utf16)
                .sum::<usize>()
        };
        (at(s), at(e))
    };
    let spans = [
        ("Vladimir Putin", "PERSON"),
        ("Vitrysslands", "ORG"),
        ("Sotji", "LOC"),
        ("förhandlingar", "THEME"),
        ("protesterna", "JUNK"),
    ];
    let labels: Vec<serde_json::Value> = spans
        .iter()
        .map(|(needle, label)| {
            let (s, e) = utf16(find(h, needle, 0));
            serde_json::json!([s, e, label])
        })
        .collect();
    let line = serde_json::json!({
        "id": 1,
        "text": text,
        "document": h.state().document().unwrap(),
        "label": labels,
    });
    std::fs::write(path, format!("{line}\n")).unwrap();
}

fn labels_of(h: &Harness<'_, LectorApp>) -> Vec<(String, String)> {
    let app = h.state();
    let text = app.view().unwrap().text().clone();
    let mut out: Vec<(String, String)> = app
        .annotations()
        .iter()
        .map(|a| (a.covered_text(&text), a.label.to_string()))
        .collect();
    out.sort();
    out
}

/// The app on a copy of the sample project as tove, asked to import a doccano file of the
/// open document with doccano's label names (not yet run: the next frame takes it).
fn doccano_import() -> (tempfile::TempDir, Harness<'static, LectorApp>) {
    let (tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    let file = tmp.path().join("doccano.jsonl");
    doccano_file(&h, &file);
    h.state_mut().push(Command::Import {
        format: Format::Doccano,
        path: file,
    });
    (tmp, h)
}

#[test]
fn unknown_labels_are_mapped_in_the_dialog_before_anything_is_imported() {
    let (_tmp, mut h) = doccano_import();
    h.run_steps(4);
    wait_for_jobs(&mut h);
    // Listed with their counts; PERSON is Person but for case, so not asked about.
    assert!(h.query_by_label("Import: map the labels").is_some());
    let combo = egui::accesskit::Role::ComboBox;
    for label in ["ORG", "LOC", "THEME", "JUNK"] {
        assert!(
            h.query_by_role_and_label(combo, label).is_some(),
            "{label} is listed with a choice"
        );
    }
    assert!(h.query_all_by_label("PERSON").next().is_none());
    assert!(h.state().annotations().is_empty(), "nothing imported yet");
    // ORG and LOC default to the schema's labels; THEME is added as a new entity label;
    // JUNK has no counterpart and stays skipped.
    h.get_by_role_and_label(combo, "THEME").click();
    h.run();
    h.get_by_label("new entity label “THEME”").click();
    h.run();
    // Enter imports, as the button does.
    h.key_press(egui::Key::Enter);
    h.run_steps(4);
    // Checked against the text on a background job, then applied.
    wait_for_jobs(&mut h);
    assert_eq!(
        labels_of(&h),
        [
            ("Sotji".to_owned(), "Place".to_owned()),
            ("Vitrysslands".to_owned(), "Organization".to_owned()),
            ("Vladimir Putin".to_owned(), "Person".to_owned()),
            ("förhandlingar".to_owned(), "THEME".to_owned()),
        ]
    );
    let session = h.state().session().unwrap();
    assert!(session.store.project.schema.label("THEME").is_some());
    let said = gui::said(&h);
    assert!(
        said.iter().any(|m| m.contains("ORG → Organization (1)")),
        "{said:?}"
    );
    assert!(said.iter().any(|m| m.contains("JUNK")), "{said:?}");
    // One undo step takes the document's import back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(h.state().annotations().is_empty());
}

/// Closing the window while an import is read waits for it; when its labels then need
/// mapping, the window stays open and says so instead of closing with the import undone.
#[test]
fn closing_while_an_import_is_read_stays_open_for_its_mapping() {
    let (_tmp, mut h) = doccano_import();
    gui::close_next(&mut h);
    h.step();
    assert!(gui::asked(&h).0, "the window stays open");
    let mut frames = 0;
    while h.state().is_busy() || h.state().is_closing() {
        assert!(!gui::asked(&h).1, "not closed while the import runs");
        frames += 1;
        assert!(frames < 3000, "the import ends");
        std::thread::sleep(std::time::Duration::from_millis(5));
        h.step();
    }
    assert!(!gui::asked(&h).1, "not closed with the mapping open");
    let said = gui::said(&h);
    // Said when the import was still read as the close came; a one-line file is sometimes
    // read before the frame that takes the close ends.
    assert!(
        frames == 0 || said.iter().any(|m| m.starts_with("closing once ")),
        "{said:?}"
    );
    assert_eq!(
        said.last().map(String::as_str),
        Some(
            "not closed: the import waits for its labels to be mapped: import or cancel it, \
             then close"
        )
    );
    h.run();
    assert!(
        h.query_by_label("Import: map the labels").is_some(),
        "the mapping dialog is shown"
    );
}
