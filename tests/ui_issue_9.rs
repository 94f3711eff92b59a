//! Issue 9, "nothing that grows with the project on the window's thread", in the app
//! (egui_kittest): the inspector's project-wide figures follow changes although they are no
//! longer counted every frame, and the picker of an attribute of type Annotation lists
//! thousands of annotations by laying out only the rows on screen, filtered as one types;
//! the save before an annotator switch is written on another thread while the window draws.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::model::{
    Annotation, AnnotationId, AttrType, AttrValue, AttributeDef, CharOffset, Entity, EntityId,
    Fragment,
};
use lector::session::Edit;
use lector::ui::{Command, LectorApp};

mod common;
#[path = "common/gui.rs"]
mod gui;

use gui::{harness, said, wait_for_jobs};

/// How many sentences (each with a Person and a Prediction) the document has.
const SENTENCES: u32 = 2_000;
const SENTENCE: &str = "Anna Berg tror att priset stiger i år. ";

/// A project whose Predictions have an attribute `evidence` of type Annotation, with one
/// document of `SENTENCES` sentences, each with a Person (the name) and a Prediction.
fn project(dir: &Path) -> (PathBuf, String) {
    project_of(dir, SENTENCES)
}

/// [`project`] with this many sentences.
fn project_of(dir: &Path, sentences: u32) -> (PathBuf, String) {
    let root = dir.join("p");
    let mut store = lector::store::ProjectStore::create(&root, "P").unwrap();
    if let Some(label) = store
        .project
        .schema
        .labels
        .iter_mut()
        .find(|l| l.name == "Prediction")
    {
        label.attributes.push(AttributeDef {
            name: "evidence".into(),
            ty: AttrType::Annotation,
            help: String::new(),
            title: String::new(),
        });
    }
    store.save_project_file().unwrap();
    let doc = store
        .add_text("d.txt", "D", SENTENCE.repeat(sentences as usize))
        .unwrap();
    let per = SENTENCE.chars().count() as u32;
    let set = store.project.set_mut(&doc, "olga");
    for i in 0..sentences {
        for (label, s, e) in [("Person", 0, 9), ("Prediction", 10, 37)] {
            let mut a = Annotation::new(
                label,
                vec![Fragment {
                    start: CharOffset(i * per + s),
                    end: CharOffset(i * per + e),
                }],
            );
            a.id = AnnotationId::from(format!("{label}-{i:05}").to_lowercase());
            set.insert(a);
        }
    }
    store.save_set(&doc, "olga").unwrap();
    (root, doc)
}

fn annotation(h: &Harness<'_, LectorApp>, id: &str) -> Annotation {
    let id = AnnotationId::from(id);
    (**h.state().annotations().iter().find(|a| a.id == id).unwrap()).clone()
}

/// Links an annotation to an entity, as the entity picker does.
fn link(h: &mut Harness<'_, LectorApp>, id: &str, entity: &Entity) {
    let mut a = annotation(h, id);
    a.entity = Some(entity.id.clone());
    h.state_mut().push(Command::Edit(vec![
        Edit::UpsertEntity(Box::new(entity.clone())),
        Edit::replace(a),
    ]));
    h.run();
}

#[test]
fn the_mention_count_follows_new_links_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = project(dir.path());
    let mut h = harness(&root, "olga");
    wait_for_jobs(&mut h);
    let anna = Entity {
        id: EntityId("anna-berg".into()),
        name: "Anna Berg".into(),
        label: "Person".into(),
        note: String::new(),
    };
    link(&mut h, "person-00000", &anna);
    h.state_mut()
        .push(Command::Select(Some(AnnotationId("person-00000".into()))));
    h.run();
    assert!(h.query_by_label("1 mention in the project").is_some());
    link(&mut h, "person-01999", &anna);
    assert!(
        h.query_by_label("2 mentions in the project").is_some(),
        "a new link is counted at once"
    );
    h.state_mut().push(Command::Undo);
    h.run();
    assert!(
        h.query_by_label("1 mention in the project").is_some(),
        "and its undo"
    );
}

#[test]
fn the_annotation_picker_lays_out_only_visible_rows_and_filters_as_one_types() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = project(dir.path());
    let mut h = harness(&root, "olga");
    wait_for_jobs(&mut h);
    h.state_mut().push(Command::Select(Some(AnnotationId(
        "prediction-00000".into(),
    ))));
    h.run();
    h.get_by_role_and_label(Role::ComboBox, "Evidence").click();
    h.run();
    // 3,999 other annotations to choose from; a screenful is laid out.
    // The picker's rows (the annotation list below has rows like them).
    let rows = |h: &Harness<'_, LectorApp>, prefix: &str| {
        h.get_by_role(Role::ListBox)
            .query_all_by(|n| n.label().is_some_and(|l| l.starts_with(prefix)))
            .count()
    };
    let shown = rows(&h, "Person · ") + rows(&h, "Prediction · ");
    assert!(
        (5..60).contains(&shown),
        "{shown} rows laid out of {}",
        2 * SENTENCES - 1
    );
    // Typing narrows the list: only Persons.
    h.get_by_role_and_label(Role::TextInput, "Search annotations")
        .click();
    h.run();
    h.event(egui::Event::Text("person".into()));
    h.run();
    assert_eq!(
        rows(&h, "Prediction · "),
        0,
        "the filter leaves Persons only"
    );
    assert!(rows(&h, "Person · ") > 5, "and Persons are listed");
    h.get_by_role(Role::ListBox)
        .query_all_by(|n| n.label().is_some_and(|l| l.starts_with("Person · ")))
        .next()
        .unwrap()
        .click();
    h.run();
    let chosen = annotation(&h, "prediction-00000");
    assert_eq!(
        chosen.attributes.get("evidence"),
        Some(&AttrValue::Annotation(AnnotationId("person-00000".into()))),
        "the first Person in text order is chosen"
    );
}

#[test]
fn switching_annotator_saves_in_the_background_then_switches() {
    let dir = tempfile::tempdir().unwrap();
    let (root, doc) = project_of(dir.path(), 20_000);
    let mut h = harness(&root, "olga");
    wait_for_jobs(&mut h);
    // An unsaved change to a file of 40,000 annotations.
    let mut a = annotation(&h, "person-00007");
    a.note = "checked".into();
    h.state_mut().push(Command::Edit(vec![Edit::replace(a)]));
    h.run();
    assert!(h.state().session().unwrap().is_dirty());
    h.state_mut().push(Command::SetAnnotator("erik".into()));
    h.step();
    // Frames are drawn while it is written; the switch waits for it.
    h.step();
    assert_eq!(h.state().session().unwrap().annotator(), "olga");
    assert!(
        h.query_by_label_contains("saving before annotating as erik")
            .is_some(),
        "the status bar says what waits"
    );
    h.state_mut().push(Command::SetAnnotator("erik".into()));
    h.step();
    assert!(
        said(&h)
            .iter()
            .any(|m| m.contains("still saving before annotating as erik")),
        "asking again waits too"
    );
    wait_for_jobs(&mut h);
    assert_eq!(h.state().session().unwrap().annotator(), "erik");
    assert_eq!(h.state().prefs().annotator, "erik");
    // Olga's change is on disk, as a save at once left it.
    let (store, _) = lector::store::ProjectStore::open(&root).unwrap();
    let saved = store
        .project
        .set(&doc, "olga")
        .unwrap()
        .get(&AnnotationId("person-00007".into()))
        .unwrap()
        .note
        .clone();
    assert_eq!(saved, "checked");
}

#[test]
fn an_import_is_checked_in_the_background_while_the_window_draws() {
    use lector::formats::{Format, Selection, export_to};
    let dir = tempfile::tempdir().unwrap();
    let (root, doc) = project_of(dir.path(), 10_000);
    // Olga's 20,000 annotations as a JSON Lines file, imported by Erik.
    let file = dir.path().join("olga.jsonl");
    {
        let (store, _) = lector::store::ProjectStore::open(&root).unwrap();
        let selection = Selection::new(&store.project, &["olga".to_owned()], &[]).unwrap();
        export_to(Format::Jsonl, &selection, &file, Some(&root)).unwrap();
    }
    let mut h = harness(&root, "erik");
    wait_for_jobs(&mut h);
    h.state_mut().push(Command::Import {
        format: Format::Jsonl,
        path: file,
    });
    h.step();
    // Read, checked against the text, then applied to a copy of the set: frames are drawn
    // meanwhile, and they say so.
    let (mut checking_frames, mut applying_frames) = (0, 0);
    for _ in 0..3000 {
        if !h.state().is_busy() {
            break;
        }
        h.step();
        let checking = h
            .query_by_label_contains("checking the import of olga.jsonl")
            .is_some();
        let applying = h
            .query_by_label_contains("importing 20000 annotations")
            .is_some();
        checking_frames += usize::from(checking);
        applying_frames += usize::from(applying);
        if checking || applying {
            // The frame drew the job running; it may have been applied at the frame's end.
            assert!(
                h.state().annotations().is_empty() || !h.state().is_busy(),
                "nothing applied while it is checked and applied to the copy"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        checking_frames > 0 && applying_frames > 0,
        "frames were drawn while it was checked ({checking_frames}) and applied \
         ({applying_frames}): {:?}",
        said(&h)
    );
    wait_for_jobs(&mut h);
    assert!(
        said(&h)
            .iter()
            .any(|m| m.starts_with("imported 20000 annotations (jsonl) as erik")),
        "{:?}",
        said(&h)
    );
    // The same spans and labels as Olga's.
    let spans = |h: &Harness<'_, LectorApp>, who: &str| {
        let app = h.state();
        let mut out: Vec<(String, Vec<(u32, u32)>)> = app
            .session()
            .unwrap()
            .store
            .project
            .set(&doc, who)
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a.label.to_string(),
                    a.fragments.iter().map(|f| (f.start.0, f.end.0)).collect(),
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(spans(&h, "erik"), spans(&h, "olga"));
    assert_eq!(spans(&h, "erik").len(), 20_000);
    // One undo step, as an import applied here; so big that it is undone and redone on
    // another thread while the window draws, and another undo meanwhile waits.
    for (command, doing, done) in [
        (
            Command::Undo,
            "undoing 20000 edits",
            "undone: 20000 annotations removed",
        ),
        (
            Command::Redo,
            "redoing 20000 edits",
            "redone: 20000 annotations added",
        ),
    ] {
        let before = spans(&h, "erik");
        h.state_mut().push(command.clone());
        h.step();
        let mut frames = 0;
        for _ in 0..3000 {
            if !h.state().is_busy() {
                break;
            }
            h.step();
            if h.query_by_label_contains(doing).is_some() {
                frames += 1;
                if frames == 1 {
                    h.state_mut().push(command.clone());
                    h.step();
                    assert!(
                        said(&h)
                            .last()
                            .is_some_and(|m| m.contains("still being applied")),
                        "{:?}",
                        said(&h)
                    );
                }
                assert!(
                    spans(&h, "erik") == before || !h.state().is_busy(),
                    "nothing shows before it is taken in"
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(frames > 0, "frames drawn while {doing}: {:?}", said(&h));
        wait_for_jobs(&mut h);
        assert!(said(&h).iter().any(|m| m == done), "{:?}", said(&h));
    }
    assert_eq!(spans(&h, "erik"), spans(&h, "olga"), "redone");
    h.state_mut().push(Command::Undo);
    h.step();
    wait_for_jobs(&mut h);
    assert!(spans(&h, "erik").is_empty(), "undone again");
}

/// Once autosave has written the work, the status bar says so with no input to wake the
/// window: the frame that collects the save was drawn saying "saving…", and it stayed so
/// until the mouse moved.
#[test]
fn the_status_bar_says_saved_once_autosave_has_written() {
    let (_tmp, project) = common::sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    let session = h.state().session().unwrap();
    let mut a = session
        .store
        .project
        .set(&doc, "anna")
        .unwrap()
        .annotations()[0]
        .as_ref()
        .clone();
    a.note = "checked".into();
    h.state_mut().push(Command::Edit(vec![Edit::replace(a)]));
    h.run();
    assert!(h.query_by_label_contains("unsaved").is_some());
    let delay = h.state().session().unwrap().autosave_delay();
    std::thread::sleep(delay + std::time::Duration::from_millis(50));
    // Frame by frame until the frame that collects the save.
    gui::step_while(&mut h, |app| {
        app.session().is_some_and(|s| s.is_dirty() || s.is_saving())
    });
    assert!(!h.state().session().unwrap().is_dirty());
    assert_eq!(
        h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay,
        std::time::Duration::ZERO,
        "that frame asks for the next, to say how the save ended"
    );
    h.run();
    assert!(h.query_by_label_contains("saved").is_some());
    assert!(h.query_by_label_contains("saving").is_none());
}

/// What searching the sample article shows: the hits of "Lukashenko" (typed in two goes),
/// where Enter goes right after "Putin" is typed, and what "Tag all" right after typing
/// "Lukashenko" again says (with the entity the mentions are linked to). With `background`
/// every text is searched on another thread, and each search is seen running.
fn search_as_a_user(background: bool) -> (Vec<(u32, u32)>, (u32, u32), String) {
    let (_dir, project) = common::sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    if background {
        h.state_mut().search_in_background_from(0);
    }
    let running = |h: &Harness<'_, LectorApp>| {
        assert_eq!(h.state().is_searching(), background, "searched elsewhere");
    };
    // The bar takes the text in one frame; the search starts at the next.
    let typed = |h: &mut Harness<'_, LectorApp>| {
        h.step();
        h.step();
    };
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    h.get_by_label("Find").type_text("Luk");
    typed(&mut h);
    running(&h);
    h.get_by_label("Find").type_text("ashenko");
    typed(&mut h);
    running(&h);
    gui::step_while(&mut h, LectorApp::is_searching);
    h.run();
    let hits: Vec<(u32, u32)> = h
        .state()
        .search_hits()
        .iter()
        .map(|(s, e)| (s.0, e.0))
        .collect();
    if background {
        h.get_by_label(&format!("1 of {}", hits.len()));
    }

    // Enter, twice, while the search for a new query runs (the frame that started it sends
    // the commands): it goes on from the first hit of "Putin" after the caret, as it would
    // once the hits were shown, not from the hits shown before.
    let caret = h.state().view().unwrap().selection.range().0;
    h.state_mut()
        .apply(lector::ui::ViewCommand::SearchFor("Putin".to_owned()).into());
    h.step();
    running(&h);
    for _ in 0..2 {
        h.state_mut()
            .apply(lector::ui::ViewCommand::StepHit(true).into());
    }
    h.run();
    let (s, e) = h.state().view().unwrap().selection.range();
    let putin = h.state().search_hits().to_vec();
    let first = putin.iter().position(|h| h.0 >= caret).unwrap_or(0);
    assert_eq!(
        (s, e),
        putin[(first + 2) % putin.len()],
        "two hits on from the first one after the caret"
    );

    // "Tag all" while the search for a new query runs (the frame that started it sends the
    // command): the hits of the query as typed are tagged, not those shown before.
    h.state_mut()
        .apply(lector::ui::ViewCommand::SearchFor("Lukashenko".to_owned()).into());
    h.step();
    running(&h);
    // What the bar shows while the search runs: the entity of the query before's mentions.
    let entity = h.state().search_entity().cloned();
    h.state_mut().apply(Command::TagAllHits {
        label: "Person".to_owned(),
        entity,
    });
    h.run();
    let said = h.state().messages().last().unwrap().text.clone();
    assert!(
        said.contains(&format!(" of {} hits as Person", hits.len())),
        "{said}"
    );
    (hits, (s.0, e.0), said)
}

/// A big text is searched on another thread (a keystroke in the search bar of a 50 MB book
/// took a 70 ms frame): the window draws on meanwhile with the hits before, and shows
/// what a search on its own thread shows. Enter and "Tag all" right after typing wait for
/// the hits of the query as typed.
#[test]
fn a_big_text_is_searched_on_another_thread_with_the_same_results() {
    let here = search_as_a_user(false);
    let elsewhere = search_as_a_user(true);
    assert!(here.0.len() >= 10, "{:?}", here.0);
    let text = {
        let (_dir, project) = common::sample_project_copy();
        let h = harness(&project, "anna");
        h.state().view().unwrap().text().as_str().to_owned()
    };
    let putin: Vec<usize> = text.match_indices("Putin").map(|(i, _)| i).collect();
    assert!(!putin.is_empty());
    let (s, e) = elsewhere.1;
    let chars: String = text
        .chars()
        .skip(s as usize)
        .take((e - s) as usize)
        .collect();
    assert_eq!(chars, "Putin", "Enter went to a hit of the query as typed");
    assert!(
        elsewhere.2.contains("linked to"),
        "the mentions' entity was found: {}",
        elsewhere.2
    );
    assert_eq!(elsewhere, here);
}
