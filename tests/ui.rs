//! The real UI driven through AccessKit with egui_kittest.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::ui::{Dialog, LectorApp, Prefs};

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::{copy_dir, sample_project_copy};
use gui::{drag_select, find, harness, press_text, start_review, wait_for_jobs};

/// A copy of the sample project in a temporary folder, so tests can change it.
fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v1");
    let dst = dir.path().join("project");
    copy_dir(&src, &dst);
    (dir, dst)
}

#[test]
fn first_run_asks_the_annotators_name() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "");
    h.run();
    assert!(
        matches!(h.state().dialog(), Some(Dialog::Annotator(_))),
        "the name is asked"
    );
    h.get_by_label("Your name").type_text("olena");
    h.run();
    h.get_by_label("Start").click();
    h.run();
    assert!(h.state().dialog().is_none(), "the prompt closes");
    assert_eq!(h.state().prefs().annotator, "olena");
    // Olena's own annotations of the fixture are shown.
    assert_eq!(h.state().annotations().len(), 3);
    h.get_by_label("Annotator olena");
}

/// olena's saved file of the fixture's document.
fn olenas_file(project: &Path) -> String {
    std::fs::read_to_string(project.join("annotations/olena/kyiv.ron")).unwrap()
}

#[test]
fn what_is_typed_into_a_note_is_kept_without_leaving_the_field() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "olena");
    h.run();
    let person = h.state().annotations().iter().find(|a| a.label == "Person");
    let id = person.unwrap().id.clone();
    h.state_mut()
        .push(lector::ui::Command::Select(Some(id.clone())));
    // Commands pushed from outside the UI apply at the end of the next frame.
    h.run();
    h.step();
    let note = |h: &Harness<'_, LectorApp>| {
        h.state()
            .annotations()
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .note
            .clone()
    };
    let typing = |h: &Harness<'_, LectorApp>| {
        use egui_kittest::kittest::NodeT as _;
        h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
            .accesskit_node()
            .is_focused()
    };
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
        .type_text("Kitova says this");
    h.step();

    // Ctrl+S in the field saves what it holds, and the field keeps the typing going.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    assert_eq!(note(&h), "Kitova says this");
    assert!(olenas_file(&project).contains("Kitova says this"), "saved");
    assert!(!h.state().session().unwrap().is_dirty());

    // A pause in typing takes the text in while the field keeps focus; the autosave writes
    // it like any edit.
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
        .type_text(" on TV ");
    h.step();
    assert_eq!(note(&h), "Kitova says this", "not while typing");
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(
        note(&h),
        "Kitova says this on TV ",
        "taken in after the pause"
    );
    assert!(h.state().session().unwrap().is_dirty());
    assert!(typing(&h), "still typing there");

    // Closing the window with the field focused saves what was typed since.
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Note")
        .type_text("yesterday");
    h.step();
    gui::ask_to_close(&mut h);
    assert!(
        gui::asked(&h).1,
        "asks to close once the field took its text in"
    );
    gui::ask_to_close(&mut h);
    assert!(!gui::asked(&h).0, "closes");
    assert_eq!(note(&h), "Kitova says this on TV yesterday");
    assert!(
        olenas_file(&project).contains("Kitova says this on TV yesterday"),
        "saved on close"
    );
}

#[test]
fn a_text_attribute_is_taken_in_on_a_pause_and_keeps_the_space_typed_last() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "olena");
    // Tall enough that a prediction's every field shows without scrolling.
    h.set_size(egui::vec2(1360.0, 1300.0));
    h.run();
    let prediction = h
        .state()
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction");
    let id = prediction.unwrap().id.clone();
    h.state_mut()
        .push(lector::ui::Command::Select(Some(id.clone())));
    h.run();
    h.step();
    let condition = |h: &Harness<'_, LectorApp>| {
        let a = h
            .state()
            .annotations()
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .clone();
        a.attributes.get("condition").map(ToString::to_string)
    };
    let field = egui::accesskit::Role::TextInput;
    h.get_by_role_and_label(field, "Condition").click();
    h.run();
    h.get_by_role_and_label(field, "Condition")
        .type_text("om avtalet ");
    for _ in 0..6 {
        h.step();
    }
    assert_eq!(condition(&h).as_deref(), Some("om avtalet"));
    // The space typed last is still in the field: the next word is not glued on.
    h.get_by_role_and_label(field, "Condition")
        .type_text("förnyas");
    for _ in 0..6 {
        h.step();
    }
    assert_eq!(condition(&h).as_deref(), Some("om avtalet förnyas"));
    // One undo step per pause; the date field beside it waits until it is left.
    h.get_by_role_and_label(field, "Due").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(field, "Due").type_text("2027-02-1");
    for _ in 0..6 {
        h.step();
    }
    let due = |h: &Harness<'_, LectorApp>| {
        let a = h
            .state()
            .annotations()
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .clone();
        a.attributes.get("due").map(ToString::to_string)
    };
    assert_eq!(due(&h).as_deref(), Some("2027-01-31"), "not while typed");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(due(&h).as_deref(), Some("2027-02-01"));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(condition(&h).as_deref(), Some("om avtalet"));
}

#[test]
fn undo_says_what_it_changed_when_two_edits_fall_in_one_second() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "olena");
    h.run();
    let person = h.state().annotations().iter().find(|a| a.label == "Person");
    let person = (**person.unwrap()).clone();
    // Two edits with the same modification time (the times count whole seconds).
    for note in ["first", "second"] {
        let mut changed = person.clone();
        changed.note = note.into();
        h.state_mut().push(lector::ui::Command::Edit(vec![
            lector::session::Edit::replace(changed),
        ]));
        h.run();
    }
    h.state_mut().push(lector::ui::Command::Undo);
    h.run();
    let said = gui::said(&h);
    assert_eq!(
        said.last().map(String::as_str),
        Some("undone: 1 annotation changed"),
        "{said:?}"
    );
}

#[test]
fn a_dialog_opened_over_the_address_window_gets_the_keyboard_and_escape_closes_that_window() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "olena");
    h.run();
    let open_menu = |h: &mut Harness<'_, LectorApp>, item: &str| {
        h.get_by_label("File").click();
        h.run();
        h.get_by_label(item).click();
        h.run();
    };
    open_menu(&mut h, "Add from URL…");
    h.get_by_label("Address (http:// or https://)")
        .type_text("https://example.org/a");
    h.run();
    // Add articles… over it: what is typed goes into its field, not the hidden address.
    open_menu(&mut h, "Add articles…");
    h.run();
    h.event(egui::Event::Text("/tmp/artikel.txt".to_owned()));
    h.run();
    let field = "Path (type or paste it; files can also be dropped on the window)";
    {
        use egui_kittest::kittest::NodeT as _;
        let value = h.get_by_label(field).accesskit_node().value();
        assert_eq!(value.as_deref(), Some("/tmp/artikel.txt"));
    }
    h.key_press(egui::Key::Escape);
    h.run();
    // The address window comes back as it was typed; Escape closes it.
    {
        use egui_kittest::kittest::NodeT as _;
        let address = h.get_by_label("Address (http:// or https://)");
        assert_eq!(
            address.accesskit_node().value().as_deref(),
            Some("https://example.org/a")
        );
    }
    h.get_by_label("Address (http:// or https://)").click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(
        h.query_by_label("Address (http:// or https://)").is_none(),
        "Escape closed it"
    );
}

#[test]
fn the_document_filter_opens_its_first_hit_with_enter_and_clears_with_escape() {
    let (_dir, project) = sample_copy();
    let mut store = lector::store::ProjectStore::open(&project).unwrap().0;
    let second = store
        .add_text(
            "sotji.txt",
            "Samtal i Sotji",
            "Lukasjenko reste till Sotji.\n".to_owned(),
        )
        .unwrap();
    drop(store);
    let mut h = harness(&project, "olena");
    h.run();
    let find = "Find documents by title or text";
    h.get_by_label(find).click();
    h.run();
    h.get_by_label(find).type_text("Sotji");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(h.state().document(), Some(second.as_str()));
    h.get_by_label(find).click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
    {
        use egui_kittest::kittest::NodeT as _;
        let value = h.get_by_label(find).accesskit_node().value();
        assert_eq!(value.as_deref().unwrap_or(""), "", "cleared");
    }
    h.get_by_label(find).click();
    h.run();
    h.get_by_label(find).type_text("nothing like this");
    h.run();
    h.get_by_label("×").click();
    h.run();
    assert!(h.query_by_label("×").is_none(), "cleared by its button");
}

#[test]
fn an_idle_window_stops_repainting() {
    let (_dir, project) = sample_copy();
    let mut h = harness(&project, "olena");
    h.run();
    // After the first frames settle, nothing asks for another frame.
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.run_ok().is_some(),
        "the UI keeps asking for repaints while idle"
    );
}

fn covered(h: &Harness<'_, LectorApp>) -> Vec<(String, String)> {
    let app = h.state();
    let text = app.view().unwrap().text();
    app.annotations()
        .iter()
        .map(|a| (a.label.to_string(), a.covered_text(text)))
        .collect()
}

fn selected_text(h: &Harness<'_, LectorApp>) -> String {
    let app = h.state();
    app.selected_annotation()
        .map(|a| a.covered_text(app.view().unwrap().text()))
        .unwrap_or_default()
}

#[test]
fn tag_edit_link_delete_undo_search_and_reopen() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "tester");
    h.run();
    assert_eq!(
        h.state().annotations().len(),
        0,
        "a new annotator starts empty"
    );

    // Select with the mouse and tag by hotkey.
    let range = find(&h, "Vladimir Putin", 0);
    drag_select(&mut h, range);
    press_text(&mut h, "p");
    assert_eq!(covered(&h), [("Person".into(), "Vladimir Putin".into())]);

    // A word-snapped selection: dragging from inside "Rysslands" to inside "president".
    let (s, _) = find(&h, "Rysslands president", 0);
    drag_select(&mut h, (s + 2, s + 15));
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.state().palette_open(), "Enter opens the palette");
    press_text(&mut h, "organ");
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(!h.state().palette_open());
    assert!(
        covered(&h).contains(&("Organization".into(), "Rysslands president".into())),
        "{:?}",
        covered(&h)
    );

    // An overlapping, nesting span.
    let range = find(&h, "Rysslands president Vladimir Putin", 0);
    drag_select(&mut h, range);
    press_text(&mut h, "p");
    assert_eq!(h.state().annotations().len(), 3);
    assert_eq!(selected_text(&h), "Rysslands president Vladimir Putin");

    // A discontinuous span: select more text and press + to add it as a fragment.
    let range = find(&h, "Alexander Lukashenko", 0);
    drag_select(&mut h, range);
    press_text(&mut h, "+");
    assert_eq!(
        selected_text(&h),
        "Rysslands president Vladimir Putin … Alexander Lukashenko"
    );
    assert_eq!(h.state().selected_annotation().unwrap().fragments.len(), 2);

    // Link a mention to a new entity through the inspector.
    h.get_by_label("Person · Vladimir Putin").click();
    h.run();
    h.get_by_label("New entity “Vladimir Putin”").click();
    h.run();
    let app = h.state();
    let entity = app
        .selected_annotation()
        .unwrap()
        .entity
        .clone()
        .expect("linked");
    assert_eq!(entity.0, "vladimir-putin");
    assert_eq!(
        app.session()
            .unwrap()
            .store
            .project
            .registry("tester")
            .unwrap()
            .entities
            .len(),
        1
    );

    // A prediction with attributes: choice and free text.
    let range = find(&h, "Den ryska radarstationen kommer att fortsätta", 0);
    drag_select(&mut h, range);
    press_text(&mut h, "f");
    h.get_by_label("Certainty").click();
    h.run();
    h.get_by_label("Probable").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Condition")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Condition")
        .type_text("om avtalet förnyas");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    let prediction = h
        .state()
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction")
        .unwrap()
        .clone();
    assert_eq!(
        prediction
            .attributes
            .get("certainty")
            .map(ToString::to_string)
            .as_deref(),
        Some("probable")
    );
    assert_eq!(
        prediction
            .attributes
            .get("condition")
            .map(ToString::to_string)
            .as_deref(),
        Some("om avtalet förnyas")
    );

    // Delete, undo, redo.
    let before = h.state().annotations().len();
    h.get_by_label("Organization · Rysslands president").click();
    h.run();
    h.key_press(egui::Key::Delete);
    h.run();
    assert_eq!(h.state().annotations().len(), before - 1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(h.state().annotations().len(), before, "undo brings it back");
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    assert_eq!(
        h.state().annotations().len(),
        before - 1,
        "redo deletes it again"
    );

    // Search and tag all hits.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    h.get_by_label("Find").type_text("Lukashenko");
    h.run();
    let hits = h.state().search_hits().len();
    assert!(hits >= 10, "Lukashenko is named often: {hits}");
    h.get_by_label(&format!("Tag all {hits} hits")).click();
    h.run();
    let persons = covered(&h)
        .iter()
        .filter(|(l, t)| l == "Person" && t == "Lukashenko")
        .count();
    assert_eq!(persons, hits);

    // Everything is saved; reopening shows it as it was.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    let expected = covered(&h);
    assert!(!h.state().session().unwrap().is_dirty());
    drop(h);
    let mut again = harness(&project, "tester");
    again.run();
    assert_eq!(covered(&again), expected);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lector"))
        .arg("check")
        .arg(&project)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn opening_an_article_asks_once_where_its_project_goes() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("talks.txt");
    std::fs::write(&first, "Putin möter Lukashenko i Sotji.\n").unwrap();
    let mut h = harness(&first, "anna");
    h.run();
    let Some(Dialog::Path(prompt)) = h.state().dialog() else {
        panic!("asks where the project goes");
    };
    assert_eq!(
        prompt.input,
        dir.path().join("talks.lector").display().to_string()
    );
    h.get_by_label("OK").click();
    h.run();
    assert!(dir.path().join("talks.lector/project.ron").is_file());
    assert_eq!(
        h.state().view().unwrap().text().as_str(),
        "Putin möter Lukashenko i Sotji.\n"
    );
    let remembered = h.state().prefs().article_projects.clone();
    assert_eq!(remembered.as_deref(), Some(dir.path()));

    // The next article goes next to it without asking.
    let second = dir.path().join("minsk.md");
    std::fs::write(&second, "# Minsk\n\nProtesterna fortsätter.\n").unwrap();
    let prefs = Prefs {
        annotator: "anna".into(),
        article_projects: remembered,
        ..Prefs::default()
    };
    let app = LectorApp::new(&egui::Context::default(), prefs, Some(second));
    assert!(app.dialog().is_none());
    assert!(dir.path().join("minsk/project.ron").is_file());
    assert_eq!(
        app.view().unwrap().text().as_str(),
        "Minsk\n\nProtesterna fortsätter.\n"
    );
}

/// (label, fragments) of every annotation of an annotator in the open document.
fn spans_of(h: &Harness<'_, LectorApp>, annotator: &str) -> Vec<(String, Vec<(u32, u32)>)> {
    let app = h.state();
    let session = app.session().unwrap();
    let doc = app.document().unwrap();
    let mut spans: Vec<_> = session
        .store
        .project
        .set(doc, annotator)
        .map(|set| {
            set.annotations()
                .iter()
                .map(|a| {
                    let f = a.fragments.iter().map(|f| (f.start.0, f.end.0)).collect();
                    (a.label.to_string(), f)
                })
                .collect()
        })
        .unwrap_or_default();
    spans.sort();
    spans.dedup();
    spans
}

#[test]
fn export_and_import_through_the_file_menu() {
    let (dir, project) = sample_project_copy();
    let mut h = harness(&project, "carol");
    h.run();
    assert!(h.state().annotations().is_empty(), "carol starts empty");
    let out = dir.path().join("all.jsonl");

    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export…").click();
    h.run();
    set_dialog_path(&mut h, &out);
    h.get_by_label("Export").click();
    // The job runs in the background while a spinner turns: step, do not wait to settle.
    h.step();
    wait_for_jobs(&mut h);
    let lines = std::fs::read_to_string(&out).unwrap().lines().count();
    let total: usize = {
        let project = &h.state().session().unwrap().store.project;
        project.sets.values().map(|s| s.annotations().len()).sum()
    };
    assert_eq!(lines, total, "one line per annotation of every annotator");

    // Carol imports everyone's labels as her own: each distinct span once.
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Import…").click();
    h.run();
    set_dialog_path(&mut h, &out);
    h.get_by_label("OK").click();
    // The job runs in the background while a spinner turns: step, do not wait to settle.
    h.step();
    wait_for_jobs(&mut h);
    let mut everyone = spans_of(&h, "anna");
    everyone.extend(spans_of(&h, "erik"));
    everyone.sort();
    everyone.dedup();
    assert!(!everyone.is_empty());
    // Every span is imported, or the status bar says why not (here: the two analysts link
    // one name to entities of different kinds, which one registry cannot hold).
    let carol = spans_of(&h, "carol");
    let skipped: Vec<String> = h
        .state()
        .messages()
        .all()
        .iter()
        .filter(|m| m.text.starts_with("skipped:"))
        .map(|m| m.text.clone())
        .collect();
    for (label, fragments) in &everyone {
        let (s, e) = (fragments[0].0, fragments[fragments.len() - 1].1);
        let said = skipped
            .iter()
            .any(|m| m.contains(&format!("{label} at {s}-{e}")));
        assert!(
            carol.contains(&(label.clone(), fragments.clone())) || said,
            "{label} {fragments:?} neither imported nor reported"
        );
    }
    assert!(carol.len() + skipped.len() >= everyone.len());
    assert!(carol.iter().all(|span| everyone.contains(span)));
    assert!(
        h.state().session().unwrap().is_dirty() || {
            // Autosave may already have written it.
            project.join("annotations/carol").is_dir()
        }
    );

    // One undo takes the import of the document back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(spans_of(&h, "carol").is_empty(), "undo removes the import");
}

#[test]
fn review_mode_steps_through_disagreements_and_saves_the_reviewed_set() {
    use lector::model::review::Choice;
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    h.get_by_label("Review").click();
    h.run();
    h.get_by_label("Review colleagues…").click();
    h.run();
    assert_eq!(
        match h.state().dialog() {
            Some(Dialog::ReviewPicker(picker)) => picker.chosen.len(),
            _ => 0,
        },
        2,
        "both annotators are offered and ticked"
    );
    // Enter starts it, as the button does.
    h.key_press(egui::Key::Enter);
    h.run();

    let review = h.state().review().expect("in review mode");
    assert_eq!(review.alignment.annotators, ["anna", "erik"]);
    let first = review.current.expect("the first disagreement is shown");
    let unit = review.current_unit().unwrap().clone();
    assert!(!unit.is_agreement());
    // The article shows it selected, and the reviewed set already holds the agreements.
    let view = h.state().view().unwrap();
    assert_eq!(view.selection.range(), (unit.start, unit.end));
    let agreed = review
        .alignment
        .units
        .iter()
        .filter(|u| u.is_agreement())
        .count();
    assert_eq!(h.state().annotations().len(), agreed);
    h.get_by_label("Finish review");

    // Alt+↓ steps to the next disagreement, Alt+↑ back.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    h.run();
    let second = h.state().review().unwrap().current.unwrap();
    assert!(second > first);
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    h.run();
    assert_eq!(h.state().review().unwrap().current, Some(first));

    // "1" takes the first annotator's version and moves on.
    let sides: Vec<String> = unit.annotations.keys().map(str::to_owned).collect();
    press_text(&mut h, "1");
    let state = h.state();
    let session = state.session().unwrap();
    let decision = session
        .store
        .project
        .review("sotji-talks", "olga")
        .unwrap()
        .decision(&unit.annotations)
        .expect("decided")
        .clone();
    assert_eq!(decision.choice, Choice::Take(sides[0].clone()));
    let source = session
        .store
        .project
        .set("sotji-talks", &sides[0])
        .unwrap()
        .get(&unit.annotations[&sides[0]])
        .unwrap();
    let taken: Vec<_> = state
        .annotations()
        .iter()
        .filter(|a| decision.result.contains(&a.id))
        .collect();
    assert_eq!(taken.len(), 1);
    assert_eq!(
        (&taken[0].label, &taken[0].fragments),
        (&source.label, &source.fragments)
    );
    let next = state.review().unwrap().current.unwrap();
    assert_ne!(next, first, "moved on to the next disagreement");
    let all = state.review().unwrap().disagreement_indices().len();
    assert_eq!(
        gui::said(&h).last().map(String::as_str),
        Some(format!("settled 1 of {all} disagreements; {} to settle", all - 1).as_str()),
        "the status bar follows the count"
    );
    // Ctrl+Z takes the decision back and shows its disagreement again; Ctrl+Y decides it
    // again, shown there.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(h.state().review().unwrap().current, Some(first));
    let review = |h: &Harness<'_, LectorApp>| {
        h.state()
            .session()
            .unwrap()
            .store
            .project
            .review("sotji-talks", "olga")
            .unwrap()
            .decision(&unit.annotations)
            .is_some()
    };
    assert!(!review(&h), "taken back");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    h.run();
    assert!(review(&h), "decided again");
    assert_eq!(h.state().review().unwrap().current, Some(first));
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    h.run();
    assert_eq!(h.state().review().unwrap().current, Some(next));

    // The second one by its button, with a note for the annotators.
    let unit2 = h.state().review().unwrap().current_unit().unwrap().clone();
    h.state_mut().review_mut().unwrap().note = "claim, not prediction".into();
    h.get_by_label("Neither (0)").click();
    h.run();
    let decided = h
        .state()
        .session()
        .unwrap()
        .store
        .project
        .review("sotji-talks", "olga")
        .unwrap()
        .decision(&unit2.annotations)
        .unwrap()
        .clone();
    assert_eq!(decided.choice, Choice::Neither);
    assert_eq!(decided.note, "claim, not prediction");

    // Saved: the reviewed set and the decisions are on disk and reopen as they are.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    h.get_by_label("Finish review").click();
    h.run();
    assert!(h.state().review().is_none());
    assert_eq!(
        h.state().session().unwrap().annotator(),
        "olga",
        "back to annotating as oneself"
    );
    let (store, problems) = lector::store::ProjectStore::open(&project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let review = store.project.review("sotji-talks", "olga").unwrap();
    assert_eq!(
        review.decision(&unit.annotations).unwrap().choice,
        Choice::Take(sides[0].clone())
    );
    assert_eq!(
        store
            .project
            .set("sotji-talks", "review.olga")
            .unwrap()
            .annotations()
            .len(),
        agreed + 1
    );

    // Started again, the review is resumed, and the status bar counts what was settled.
    start_review(&mut h);
    gui::step_while(&mut h, |app| app.review().is_none() && app.is_busy());
    let all = h.state().review().unwrap().disagreement_indices().len();
    let said = gui::said(&h);
    assert!(
        said.iter().any(|m| m.starts_with(&format!(
            "reviewing anna, erik again: 2 of {all} disagreements settled before, {} to settle",
            all - 2
        ))),
        "{said:?}"
    );
}

#[test]
fn annotators_see_what_the_reviewer_decided_about_their_annotation() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    start_review(&mut h);
    let unit = h.state().review().unwrap().current_unit().unwrap().clone();
    h.get_by_label("Comment for anna").click();
    h.run();
    h.get_by_label("Comment for anna")
        .type_text("the title is not part of the claim");
    h.run();
    h.key_press(egui::Key::Tab);
    h.run();
    h.state_mut().review_mut().unwrap().note = "a forecast, not a claim".into();
    h.get_by_label("Neither (0)").click();
    h.run();
    h.get_by_label("Finish review").click();
    // The reviewed set is saved first, on the save thread (the status bar says so).
    h.step();
    h.step();
    assert!(
        h.state().review().is_none()
            || h.query_by_label_contains("saving before finishing the review")
                .is_some()
    );
    gui::step_while(&mut h, |app| app.review().is_some());
    assert!(h.state().review().is_none());
    drop(h);

    // Anna opens the project and inspects her annotation of that disagreement.
    let mut h = harness(&project, "anna");
    h.run();
    let id = unit.annotations["anna"].clone();
    h.state_mut().push(lector::ui::Command::Select(Some(id)));
    // Commands pushed from outside the UI apply at the end of the next frame.
    h.run();
    h.step();
    h.get_by_label_contains("olga took neither");
    h.get_by_label_contains("a forecast, not a claim");
    h.get_by_label_contains("olga: the title is not part of the claim");
}

/// A project with a book-length article (5,000 paragraphs) and 15,000 annotations of each
/// annotator; the second annotator, if any, labels the long spans Prediction, not Claim.
fn book_project(dir: &Path, annotators: &[&str]) -> (PathBuf, String) {
    use lector::model::{Annotation, CharOffset, Fragment};
    let root = dir.join("book");
    let mut store = lector::store::ProjectStore::create(&root, "Book").unwrap();
    let paragraph = "Lukashenko räknar med att få ekonomiskt stöd från Ryssland. ";
    let text = paragraph.repeat(5_000);
    let doc = store.add_text("book.txt", "Book", text).unwrap();
    let per = paragraph.chars().count() as u32;
    for (n, annotator) in annotators.iter().enumerate() {
        let set = store.project.set_mut(&doc, annotator);
        for i in 0..5_000 {
            for (s, e) in [(0, 10), (51, 58), (0, 59)] {
                let label = match (e - s, n) {
                    (59, 0) => "Claim",
                    (59, _) => "Prediction",
                    _ => "Person",
                };
                set.insert(Annotation::new(
                    label,
                    vec![Fragment {
                        start: CharOffset(i * per + s),
                        end: CharOffset(i * per + e),
                    }],
                ));
            }
        }
        store.save_set(&doc, annotator).unwrap();
    }
    (root, doc)
}

#[test]
fn a_book_length_review_is_prepared_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _doc) = book_project(dir.path(), &["anna", "erik"]);
    let mut h = harness(&root, "olga");
    wait_for_jobs(&mut h);
    gui::click_start_review(&mut h);
    h.step();
    h.step();
    assert!(
        h.state().review().is_none(),
        "still comparing, the window answers"
    );
    h.get_by_label_contains("comparing 30000 annotations");
    wait_for_jobs(&mut h);
    let review = h.state().review().expect("in review mode");
    assert_eq!(review.disagreement_indices().len(), 5_000, "each long span");
    assert_eq!(
        h.state().annotations().len(),
        10_000,
        "the agreed names are in the reviewed set"
    );
    assert!(review.current.is_some(), "the first disagreement is shown");
}

#[test]
fn a_book_length_project_opens_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let (root, doc) = book_project(dir.path(), &["anna"]);
    let size = std::fs::metadata(root.join(format!("annotations/anna/{doc}.ron")))
        .unwrap()
        .len();
    assert!(
        size > 4_000_000,
        "big enough to load in the background: {size}"
    );

    let mut h = harness(&root, "anna");
    h.step();
    assert!(
        h.state().session().is_none(),
        "the window answers before it is read"
    );
    h.get_by_label_contains("Opening");
    wait_for_jobs(&mut h);
    assert_eq!(h.state().annotations().len(), 15_000);
    assert_eq!(h.state().document(), Some(doc.as_str()));
}

/// Types a path into the open dialog (the export dialog's file, or a typed-path prompt).
fn set_dialog_path(h: &mut Harness<'_, LectorApp>, path: &std::path::Path) {
    match h.state_mut().dialog_mut() {
        Some(Dialog::Path(prompt)) => prompt.input = path.display().to_string(),
        Some(Dialog::Export(form)) => form.path = path.display().to_string(),
        other => panic!("no dialog asks for a path: {other:?}"),
    }
}

/// A project of 300 articles: the document list lays out only the rows on screen, and typing
/// in its find field lists the articles whose title or text has the words (with their hits);
/// clicking one opens it with the search bar on the first hit.
#[test]
fn the_document_list_finds_articles_by_text_among_hundreds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("many");
    let mut store = lector::store::ProjectStore::create(&root, "many").unwrap();
    for k in 0..300 {
        let text = if k % 50 == 7 {
            format!("Article {k}. Talks in Sochi went on. Later Sochi again.")
        } else {
            format!("Article {k}. Nothing to see.")
        };
        store
            .add_text(&format!("a{k:03}.txt"), &format!("Article {k:03}"), text)
            .unwrap();
    }
    // Someone's work, for the export dialog to offer.
    let text = store.project.document("a000").unwrap().text.clone();
    store
        .project
        .set_mut("a000", "anna")
        .insert(lector::model::Annotation::new(
            "Event",
            lector::model::checked_fragments(&text, &[(0, 7)]).unwrap(),
        ));
    store.save_set("a000", "anna").unwrap();
    drop(store);
    use egui_kittest::kittest::NodeT as _;
    let mut h = harness(&root, "anna");
    h.run();
    // How many rows of articles are laid out, as buttons (the list) or checkboxes (export).
    let laid_out = |h: &Harness<'_, LectorApp>, role: egui::accesskit::Role| {
        h.query_all_by_label_contains("Article ")
            .filter(|n| n.accesskit_node().role() == role)
            .count()
    };
    let shown = laid_out(&h, egui::accesskit::Role::Button);
    assert!(
        (5..100).contains(&shown),
        "only the rows on screen are laid out: {shown} of 300"
    );

    h.get_by_label("Find documents by title or text").focus();
    h.run();
    h.get_by_label("Find documents by title or text")
        .type_text("sochi");
    h.run();
    let found: Vec<String> = h
        .query_all_by_label_contains("(2 hits)")
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert_eq!(found.len(), 6, "{found:?}");
    assert!(found[0].contains("Article 007"), "{found:?}");
    assert!(
        h.query_by_label_contains("6 of 300 documents · 12 hits")
            .is_some()
    );

    h.get_by_label_contains("Article 057").click();
    h.run();
    assert_eq!(h.state().document(), Some("a057"));
    let hits: Vec<u32> = h.state().search_hits().iter().map(|(s, _)| s.0).collect();
    assert_eq!(hits.len(), 2, "the search bar took the query: {hits:?}");

    // The export dialog lists the 300 too, laying out only the rows in view (a thousand
    // took 8 ms a frame); choosing none, then one, is what the Export button follows.
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export…").click();
    h.run();
    let boxes = laid_out(&h, egui::accesskit::Role::CheckBox);
    assert!(
        (3..40).contains(&boxes),
        "only the rows in view: {boxes} of 300"
    );
    let export_enabled = |h: &Harness<'_, LectorApp>| {
        !h.get_by_role_and_label(egui::accesskit::Role::Button, "Export")
            .accesskit_node()
            .is_disabled()
    };
    assert!(export_enabled(&h));
    h.query_all_by_label("none").nth(1).unwrap().click();
    h.run();
    assert!(!export_enabled(&h), "no document chosen");
    h.get_by_label("Article 000").click();
    h.run();
    assert!(export_enabled(&h), "one chosen");
}

/// A crash in the middle of a review leaves the reviewed work in the reviewer's journal, which
/// is replayed when that review starts again; on opening the project the reviewer is told
/// where, and starting the review takes the work back.
#[test]
fn after_a_crash_mid_review_the_reviewer_is_told_and_gets_the_work_back() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    start_review(&mut h);
    let settled = |h: &Harness<'_, LectorApp>| {
        let app = h.state();
        let session = app.session()?;
        app.review().map(|r| r.progress(session).0)
    };
    assert_eq!(settled(&h), Some(0));
    press_text(&mut h, "1");
    assert_eq!(
        settled(&h),
        Some(1),
        "one disagreement settled, not saved yet"
    );
    // The process dies: its journal is left as it is on disk, nothing is saved.
    gui::die_leaving_journal(h, &project, "review.olga");

    let mut h = harness(&project, "olga");
    h.run();
    let said: Vec<String> = h
        .state()
        .messages()
        .all()
        .iter()
        .map(|m| m.text.clone())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.contains("a crash left unsaved review work on")),
        "{said:?}"
    );
    start_review(&mut h);
    assert_eq!(settled(&h), Some(1), "the settled disagreement is back");
}

/// A narrower window re-wraps the article: the reader stays at the caret, not at the pixel
/// offset, which now shows text from far earlier.
#[test]
fn a_narrower_window_keeps_the_caret_in_view() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let (at, _) = find(&h, "Det militära samarbetet", 0);
    h.state_mut()
        .push(lector::ui::Command::Reveal(lector::model::CharOffset(at)));
    h.run();
    h.step();
    assert!(
        h.query_by_label_contains("Det militära samarbetet")
            .is_some()
    );
    for size in [(900.0, 560.0), (760.0, 520.0), (1360.0, 860.0)] {
        h.set_size(egui::vec2(size.0, size.1));
        h.run();
        h.step();
        assert!(
            h.query_by_label_contains("Det militära samarbetet")
                .is_some(),
            "at {size:?}, the caret's paragraph is on screen"
        );
    }
}

/// One's own file left with git's conflict markers: the article says the file cannot be read
/// and where, not that the document was never annotated.
#[test]
fn an_own_file_that_cannot_be_read_is_said_so_not_shown_as_not_annotated() {
    let (_dir, project) = sample_project_copy();
    let file = project.join("annotations/anna/sotji-talks.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("            note:").unwrap();
    let end = at + text[at..].find('\n').unwrap() + 1;
    let line = &text[at..end];
    let broken = format!(
        "{}<<<<<<< HEAD\n{line}=======\n{}>>>>>>> theirs\n{}",
        &text[..at],
        line.replace("note: \"", "note: \"x"),
        &text[end..]
    );
    std::fs::write(&file, &broken).unwrap();
    let mut h = harness(&project, "anna");
    h.run();
    wait_for_jobs(&mut h);
    h.step();
    assert!(
        h.query_by_label_contains(
            "Your file annotations/anna/sotji-talks.ron cannot be read whole"
        )
        .is_some(),
        "{:?}",
        h.state().problems()
    );
    assert!(
        h.query_by_label_contains("You have not annotated")
            .is_none()
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        broken,
        "nothing written"
    );
}

/// Stepping to a disagreement far down the list brings its row into view, selected.
#[test]
fn the_disagreement_list_follows_the_disagreement_shown() {
    use egui_kittest::kittest::NodeT as _;
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    start_review(&mut h);
    let rows = h.state().review().unwrap().disagreement_indices().to_vec();
    assert!(rows.len() > 10, "enough rows to scroll: {}", rows.len());
    // Alt+Up from the first wraps to the last.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    h.run();
    assert_eq!(h.state().review().unwrap().current, rows.last().copied());
    let selected_row = h
        .query_all_by_label_contains("differs")
        .any(|node| node.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True));
    assert!(selected_row, "the last row is on screen and selected");
}
