//! Issue 11, the app tried as a new user would: a steady layout, keyboard navigation,
//! colleagues' labels in view, right-to-left selection and the export dialog, each checked
//! through the running UI (AccessKit and egui_kittest) for what a user notices.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::model::CharOffset;
use lector::ui::{Dialog, LectorApp};

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::{find, harness, wait_for_jobs};

/// The article column's width in the last frame.
fn article_width(h: &Harness<'_, LectorApp>) -> f32 {
    h.state().view().unwrap().rect().width()
}

/// The selected annotation's (start, id), if one of the user's own is selected.
fn selected(h: &Harness<'_, LectorApp>) -> Option<(u32, String)> {
    h.state()
        .selected_annotation()
        .map(|a| (a.start().0, a.id.0.to_string()))
}

fn tab(h: &mut Harness<'_, LectorApp>, back: bool) {
    let modifiers = if back {
        egui::Modifiers::SHIFT
    } else {
        egui::Modifiers::NONE
    };
    h.key_press_modifiers(modifiers, egui::Key::Tab);
    h.run();
}

#[test]
fn the_article_keeps_its_width_while_annotations_are_selected_and_a_wrong_date_is_typed() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    // Tall enough that a prediction's every field shows in the inspector without scrolling.
    h.set_size(egui::vec2(1360.0, 1300.0));
    h.run();
    let width = article_width(&h);
    assert!(width > 400.0, "the article has room: {width}");
    // Twenty annotations in turn, long and short, with and without attributes.
    for i in 0..20 {
        tab(&mut h, false);
        assert!(selected(&h).is_some(), "Tab {i} selects an annotation");
        assert_eq!(article_width(&h), width, "after selecting annotation {i}");
    }
    // A prediction's due date typed as nobody can read it: the error wraps under the field.
    let prediction = h
        .state()
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction")
        .unwrap()
        .id
        .clone();
    h.state_mut()
        .push(lector::ui::Command::Select(Some(prediction)));
    h.run();
    let due = egui::accesskit::Role::TextInput;
    h.get_by_role_and_label(due, "Due").click();
    h.run();
    h.get_by_role_and_label(due, "Due")
        .type_text("the 31st of Smarch");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    let field = h.get_by_role_and_label(due, "Due").rect();
    let error = h.get_by_label_contains("cannot read").rect();
    assert!(
        error.top() >= field.bottom() - 1.0,
        "the error is under its field: {field:?} {error:?}"
    );
    assert_eq!(
        article_width(&h),
        width,
        "a long error never widens the panel"
    );
    // Fixed in a form people type: stored, and the layout has not moved.
    h.get_by_role_and_label(due, "Due").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(due, "Due").type_text("31/12/2026");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(
        h.state()
            .selected_annotation()
            .unwrap()
            .attributes
            .get("due")
            .map(ToString::to_string)
            .as_deref(),
        Some("2026-12-31")
    );
    assert_eq!(article_width(&h), width);
}

#[test]
fn at_800_by_600_the_article_keeps_45_characters_a_line() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.set_size(egui::vec2(800.0, 600.0));
    h.run();
    let chars = h.state().view().unwrap().widest_line_chars();
    assert!(chars >= 45, "only {chars} characters a line");
    // One side panel gave way: a strip that opens again by click (and then the other one
    // gives way), or by its key.
    let (strip, other, key) = if h.query_by_label("Show documents").is_some() {
        ("Show documents", "Show inspector", egui::Key::F3)
    } else {
        ("Show inspector", "Show documents", egui::Key::F2)
    };
    h.get_by_label(strip).click();
    h.run();
    assert!(h.query_by_label(strip).is_none(), "{strip}: opened");
    h.get_by_label(other);
    let chars = h.state().view().unwrap().widest_line_chars();
    assert!(chars >= 45, "only {chars} characters a line after {strip}");
    h.key_press(key);
    h.run();
    assert!(
        h.query_by_label(other).is_none(),
        "{other}: opened by its key"
    );
    h.get_by_label(strip);
    let chars = h.state().view().unwrap().widest_line_chars();
    assert!(chars >= 45, "only {chars} characters a line after {other}");
}

#[test]
fn five_tabs_select_five_successive_annotations_and_ctrl_end_goes_to_the_end() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let mut order: Vec<(u32, String)> = h
        .state()
        .annotations()
        .iter()
        .map(|a| (a.start().0, a.id.0.to_string()))
        .collect();
    order.sort();
    let mut seen = Vec::new();
    for _ in 0..5 {
        tab(&mut h, false);
        seen.push(selected(&h).expect("Tab selects"));
        assert!(
            h.ctx.memory(|m| m.focused()).is_none(),
            "Tab keeps the keyboard in the article, not in the menus"
        );
    }
    let starts: Vec<u32> = seen.iter().map(|s| s.0).collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "in text order: {starts:?}"
    );
    let ids: std::collections::BTreeSet<&String> = seen.iter().map(|s| &s.1).collect();
    assert_eq!(ids.len(), 5, "five different annotations");
    assert_eq!(seen, order[..5], "the first five in text order");
    // Shift+Tab steps back.
    tab(&mut h, true);
    assert_eq!(selected(&h).as_ref(), Some(&seen[3]));
    // Far into the article, the list follows: the selected row is in view, marked.
    for _ in 0..40 {
        tab(&mut h, false);
    }
    let row = {
        let app = h.state();
        let a = app.selected_annotation().unwrap();
        format!(
            "{} · {}",
            a.label,
            lector::ui::shorten(&a.covered_text(app.view().unwrap().text()), 48)
        )
    };
    let window = h.ctx.content_rect();
    assert!(
        h.query_all_by_label(&row).any(|n| {
            use egui_kittest::kittest::NodeT as _;
            n.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
                && window.contains_rect(n.rect())
        }),
        "the row “{row}” is in view and selected"
    );
    // Ctrl+End and Ctrl+Home: the document's end and start, not the paragraph's.
    h.key_press(egui::Key::Escape);
    h.run();
    let len = h.state().view().unwrap().text().len_chars().0;
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::End);
    h.run();
    assert_eq!(h.state().view().unwrap().selection.head.0, len);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Home);
    h.run();
    assert_eq!(h.state().view().unwrap().selection.head.0, 0);
}

/// A project with one article.
fn project_with(dir: &Path, text: &str) -> std::path::PathBuf {
    let root = dir.join("project");
    let mut store = lector::store::ProjectStore::create(&root, "Bidi").unwrap();
    let article = dir.join("article.txt");
    std::fs::write(&article, text).unwrap();
    store.add_article(&article, Some("Article")).unwrap();
    root
}

/// The app on a project, with DejaVu Sans for Arabic and Hebrew where the test machine has
/// it, else a box per letter (the mapping from the screen to the letters is the same), and
/// with snapping to words off: these tests select parts of words.
fn bidi_harness(project: &Path) -> Harness<'static, LectorApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1360.0, 860.0))
        .with_max_steps(24)
        .allow_missing_glyphs()
        .with_context_setup(|ctx| {
            if let Ok(font) = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") {
                ctx.add_font(egui::epaint::text::FontInsert::new(
                    "DejaVuSans",
                    egui::FontData::from_owned(font),
                    vec![egui::epaint::text::InsertFontFamily {
                        family: egui::FontFamily::Proportional,
                        priority: egui::epaint::text::FontPriority::Lowest,
                    }],
                ));
            }
        })
        .build_ui_state(
            |ui, app: &mut LectorApp| app.show(ui),
            gui::app_for(project, "anna"),
        );
    h.run();
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Snap to words").click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
    h
}

/// Drags over letters `from..=to` of the first `word` of the right-to-left article, from its
/// right edge leftwards as it reads, then checks that the selection, what is highlighted,
/// and what a tag covers are exactly those letters.
fn drag_over_letters(h: &mut Harness<'_, LectorApp>, word: &str, from: u32, to: u32) {
    let (start, _) = find(h, word, 0);
    let rect = |h: &Harness<'_, LectorApp>, i: u32| {
        h.state()
            .view()
            .unwrap()
            .char_rect(CharOffset(start + i))
            .unwrap()
    };
    let (first, last) = (rect(h, from), rect(h, to));
    assert!(
        last.center().x < first.center().x,
        "right to left on screen"
    );
    let a = egui::pos2(first.right() - 1.0, first.center().y);
    let b = egui::pos2(last.left() + 1.0, last.center().y);
    h.drag_at(a);
    h.run();
    h.hover_at(b);
    h.run();
    h.drop_at(b);
    h.run();
    let view = h.state().view().unwrap();
    let (s, e) = view.selection.range();
    assert_eq!(
        (s.0, e.0),
        (start + from, start + to + 1),
        "the letters under the drag"
    );
    // What is highlighted is what was dragged over, and nothing else.
    let highlighted = view.range_rects(s, e);
    let left = highlighted
        .iter()
        .map(|r| r.left())
        .fold(f32::MAX, f32::min);
    let right = highlighted
        .iter()
        .map(|r| r.right())
        .fold(f32::MIN, f32::max);
    assert!(
        (left - last.left()).abs() < 1.5,
        "{left} vs {}",
        last.left()
    );
    assert!(
        (right - first.right()).abs() < 1.5,
        "{right} vs {}",
        first.right()
    );
    // Tagged, it holds exactly those letters.
    gui::press_text(h, "x");
    let expected: String = word
        .chars()
        .skip(from as usize)
        .take((to - from + 1) as usize)
        .collect();
    let app = h.state();
    let tagged = app
        .selected_annotation()
        .unwrap()
        .covered_text(app.view().unwrap().text());
    assert_eq!(tagged, expected);
}

#[test]
fn a_drag_over_part_of_an_arabic_word_selects_exactly_the_highlighted_letters() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(
        dir.path(),
        "قال الرئيس إن المفاوضات ستستمر في Sochi غدا.\n\nوأضاف أن الاتفاق قريب.\n",
    );
    let mut h = bidi_harness(&project);
    // "المفاوضات": its second to fifth letters, "لمفا".
    drag_over_letters(&mut h, "المفاوضات", 1, 4);
}

#[test]
fn a_drag_over_part_of_a_hebrew_word_in_english_text_selects_exactly_those_letters() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(
        dir.path(),
        "The minister said the word ירושלים twice, then left for Sochi.\n",
    );
    let mut h = bidi_harness(&project);
    // "ירושלים" inside a left-to-right line: its third to sixth letters.
    drag_over_letters(&mut h, "ירושלים", 2, 5);
}

#[test]
fn colleagues_labels_show_read_only_beside_ones_own_and_toggle() {
    let (_dir, project) = sample_project_copy();
    let anna_file = project.join("annotations/anna/sotji-talks.ron");
    let before = std::fs::read(&anna_file).unwrap();
    let mut h = harness(&project, "nadia");
    h.run();
    assert!(
        h.state().annotations().is_empty(),
        "a new annotator starts empty"
    );
    h.get_by_label_contains("have labelled it");
    h.get_by_label("Show anna's labels").click();
    h.run();
    assert_eq!(h.state().colleagues_shown(), ["anna"]);
    // Hovered in the text, her annotation says whose it is.
    let ryssland = h
        .state()
        .view()
        .unwrap()
        .char_rect(CharOffset(3))
        .expect("the first word is on screen")
        .center();
    h.hover_at(ryssland);
    h.run();
    h.get_by_label_contains("anna (read-only): Place");
    // In the list, marked as hers; selected, the inspector shows it read-only.
    h.get_all_by_label("anna · Place · Ryssland")
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_by_label_contains("anna's annotation");
    h.key_press(egui::Key::Delete);
    h.run();
    h.state_mut().push(lector::ui::Command::Save);
    h.run();
    assert_eq!(
        std::fs::read(&anna_file).unwrap(),
        before,
        "a colleague's file is never edited"
    );
    assert!(h.state().annotations().is_empty());
    // Toggled off in the documents panel, and on again.
    h.get_by_label("anna (112 annotations)").click();
    h.run();
    assert!(h.state().colleagues_shown().is_empty());
    assert!(h.query_by_label("anna · Place · Ryssland").is_none());
    h.get_by_label("erik (110 annotations)").click();
    h.run();
    assert_eq!(h.state().colleagues_shown(), ["erik"]);
}

#[test]
fn switching_annotator_says_what_it_means_and_can_be_cancelled() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "nadia");
    h.run();
    h.get_by_label("Edit").click();
    h.run();
    h.get_by_label("Switch annotator…").click();
    h.run();
    h.get_by_label_contains("You annotate as nadia");
    h.get_by_label("Your name").type_text("anna");
    h.run();
    h.get_by_label_contains("you edit anna's files");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().dialog().is_none());
    assert_eq!(h.state().session().unwrap().annotator(), "nadia");
    assert_eq!(h.state().prefs().annotator, "nadia");
}

#[test]
fn the_export_dialog_exports_one_annotators_one_document() {
    let (dir, project) = sample_project_copy();
    // A second article, which anna has not annotated.
    let second = dir.path().join("minsk.txt");
    std::fs::write(&second, "Minsk\n\nProtesterna fortsätter i Minsk.\n").unwrap();
    {
        let (mut store, _) = lector::store::ProjectStore::open(&project).unwrap();
        store.add_article(&second, None).unwrap();
    }
    let mut h = harness(&project, "carol");
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export…").click();
    h.run();
    // Every format at once, and a file suggested outside the project.
    for format in lector::formats::Format::ALL {
        h.get_by_label(format.name());
    }
    let Some(Dialog::Export(form)) = h.state().dialog() else {
        panic!("the export dialog is open");
    };
    let suggested = std::path::PathBuf::from(&form.path);
    assert!(
        !std::path::absolute(&suggested)
            .unwrap()
            .starts_with(std::path::absolute(&project).unwrap()),
        "{suggested:?} is outside the project"
    );
    // Anna's work on the talks only.
    h.get_by_label("erik").click();
    h.run();
    h.get_by_label("Minsk").click();
    h.run();
    let out = dir.path().join("exports/anna-talks.jsonl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    match h.state_mut().dialog_mut() {
        Some(Dialog::Export(form)) => form.path = out.display().to_string(),
        _ => panic!("the export dialog is open"),
    }
    h.run();
    h.get_by_label("Export").click();
    h.step();
    wait_for_jobs(&mut h);
    let written = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 112, "anna's 112 annotations of the talks");
    assert!(lines.iter().all(|l| l.contains("\"anna\"")), "anna's only");
    assert!(!written.contains("\"erik\""));
    // The next export starts in that folder.
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export…").click();
    h.run();
    let Some(Dialog::Export(form)) = h.state().dialog() else {
        panic!("the export dialog is open");
    };
    assert_eq!(
        std::path::Path::new(&form.path).parent(),
        out.parent(),
        "the last folder is remembered"
    );
}

#[test]
fn in_review_the_chart_never_hides_the_list_of_disagreements() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "olga");
    h.run();
    gui::start_review(&mut h);
    h.get_by_label("Per label and pair").click();
    h.run();
    // Rows of the list, on screen: "• label differs  …", "• boundary differs  …".
    let window = h.ctx.content_rect();
    let rows = h
        .query_all_by_label_contains("differs  ")
        .filter(|n| window.contains_rect(n.rect()))
        .count();
    assert!(
        rows >= 3,
        "only {rows} disagreements in view under the chart"
    );
    // The figures' captions are body text, not small print.
    let caption = h.get_by_label("F1 exact").rect();
    assert!(caption.height() >= 14.0, "{caption:?}");
}

#[test]
fn search_starts_at_the_caret_and_wraps() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    // The caret a good way into the article: at the tenth annotation.
    for _ in 0..10 {
        tab(&mut h, false);
    }
    h.key_press(egui::Key::Escape);
    h.run();
    let caret = h.state().view().unwrap().selection.head;
    assert!(caret.0 > 0);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    h.get_by_label("Find").type_text("Lukashenko");
    h.run();
    let hits = h.state().search_hits().to_vec();
    let first_after = hits.iter().position(|h| h.0 >= caret).unwrap();
    assert!(first_after > 0, "hits before the caret too");
    let selected = h.state().view().unwrap().selection.range();
    assert_eq!(selected, hits[first_after], "the first hit after the caret");
    h.get_by_label(&format!("{} of {}", first_after + 1, hits.len()));
    // Enter steps on and wraps past the last hit to the first.
    for _ in first_after + 1..hits.len() {
        h.key_press(egui::Key::Enter);
        h.run();
    }
    assert_eq!(
        h.state().view().unwrap().selection.range(),
        hits[hits.len() - 1]
    );
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(
        h.state().view().unwrap().selection.range(),
        hits[0],
        "wrapped"
    );
    h.get_by_label(&format!("1 of {}", hits.len()));
}

#[test]
fn a_long_message_is_cut_shown_whole_on_hover_and_kept_in_the_log() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    // Sync outside a git repository: a long explanation.
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Sync").click();
    h.step();
    wait_for_jobs(&mut h);
    let text = h.state().messages().last().unwrap().text.clone();
    assert!(text.len() > 120, "a long message: {text}");
    let window = h.ctx.content_rect();
    let shown = h.get_by_label(&text);
    assert!(
        window.contains_rect(shown.rect()),
        "cut at the window's edge, not beyond: {:?}",
        shown.rect()
    );
    shown.hover();
    h.run();
    h.get_by_label_contains("(click for every message)");
    // View → Messages keeps it, with what was said before.
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Messages…").click();
    h.run();
    assert!(
        h.query_all_by_label(&text).count() >= 2,
        "in the log as well as the bar"
    );
}

#[test]
fn entity_pickers_search_the_whole_project_and_make_new_entities_from_what_is_typed() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "nadia");
    h.run();
    // Nadia has no entities of her own: a prediction's holder is found in anna's registry.
    let range = find(&h, "Den ryska radarstationen kommer att fortsätta", 0);
    gui::drag_select(&mut h, range);
    gui::press_text(&mut h, "f");
    h.get_by_label("Holder").click();
    h.run();
    h.get_by_label("Search entities").type_text("lukash");
    h.run();
    assert!(
        h.query_by_label("Alexey Navalny (anna)").is_none(),
        "filtered"
    );
    h.get_by_label("Alexander Lukashenko (anna)").click();
    h.run();
    let holder = h
        .state()
        .selected_annotation()
        .unwrap()
        .attributes
        .get("holder")
        .map(ToString::to_string);
    assert_eq!(holder.as_deref(), Some("alexander-lukashenko"));
    let registry = |h: &Harness<'_, LectorApp>| -> Vec<String> {
        h.state()
            .session()
            .unwrap()
            .store
            .project
            .registry("nadia")
            .map(|r| r.entities.iter().map(|e| e.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(registry(&h), ["Alexander Lukashenko"], "copied into hers");
    // A name nobody has: "New entity “…”" from what was typed.
    let range = find(&h, "Svetlana Tichanovskaya", 0);
    gui::drag_select(&mut h, range);
    gui::press_text(&mut h, "p");
    h.get_by_label("Entity").click();
    h.run();
    h.get_by_label("Search entities")
        .type_text("S. Tichanovskaya");
    h.run();
    h.get_by_label("New entity “S. Tichanovskaya”").click();
    h.run();
    assert_eq!(
        registry(&h),
        ["Alexander Lukashenko", "S. Tichanovskaya"],
        "made from what was typed"
    );
}

/// The pickers work from the keyboard: what is typed highlights the first match and Enter
/// takes it; Down and Up move through the choices (a new entity, none, the matches).
#[test]
fn entity_pickers_work_from_the_keyboard() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "nadia");
    h.run();
    let holder = |h: &Harness<'_, LectorApp>| {
        h.state()
            .selected_annotation()
            .unwrap()
            .attributes
            .get("holder")
            .map(ToString::to_string)
    };
    let range = find(&h, "Den ryska radarstationen kommer att fortsätta", 0);
    gui::drag_select(&mut h, range);
    gui::press_text(&mut h, "f");
    h.get_by_label("Holder").click();
    h.run();
    h.get_by_label("Search entities").type_text("lukash");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(holder(&h).as_deref(), Some("alexander-lukashenko"));
    assert!(h.query_by_label("Search entities").is_none(), "closed");

    // Down from the first match to the next; Up from it to "— not linked —" (a new entity
    // "a" comes before that).
    h.get_by_label("Holder").click();
    h.run();
    h.get_by_label("Search entities").type_text("a");
    h.run();
    let entities: Vec<String> = h
        .state()
        .session()
        .unwrap()
        .store
        .project
        .registry("anna")
        .unwrap()
        .entities
        .iter()
        .map(|e| e.name.to_lowercase())
        .collect();
    assert!(entities.iter().filter(|n| n.contains('a')).count() >= 2);
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    let second = holder(&h);
    assert!(second.is_some());
    assert_ne!(
        second.as_deref(),
        Some("alexander-lukashenko"),
        "the second match"
    );
    h.get_by_label("Holder").click();
    h.run();
    h.get_by_label("Search entities").type_text("a");
    h.run();
    h.key_press(egui::Key::ArrowUp);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(holder(&h), None, "unlinked");
}

#[test]
fn tag_all_hits_says_what_it_skipped_and_undo_says_what_it_took_back() {
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let before = h.state().annotations().len();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    h.get_by_label("Find").type_text("Lukashenko");
    h.run();
    let hits = h.state().search_hits().len();
    h.get_by_label(&format!("Tag all {hits} hits")).click();
    h.run();
    let added = h.state().annotations().len() - before;
    let said = h.state().messages().last().unwrap().text.clone();
    assert!(
        said.starts_with(&format!("tagged {added} of {hits} hits")),
        "{said}"
    );
    // Anna had tagged some of them already: the rest is accounted for.
    assert!(added < hits);
    assert!(said.contains("skipped"), "{said}");
    h.key_press(egui::Key::Escape);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(h.state().annotations().len(), before);
    assert_eq!(
        h.state().messages().last().unwrap().text,
        format!("undone: {added} annotations removed")
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    h.run();
    assert_eq!(
        h.state().messages().last().unwrap().text,
        format!("redone: {added} annotations added")
    );
    // A label changed on one of them, undone: that one is said changed, none added.
    let first = h.state().annotations()[0].id.clone();
    h.state_mut().push(lector::ui::Command::Select(Some(first)));
    h.state_mut()
        .push(lector::ui::Command::Relabel("Claim".to_owned()));
    h.run();
    let said = gui::said(&h);
    assert_eq!(h.state().annotations()[0].label, "Claim", "{said:?}");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(
        h.state().messages().last().unwrap().text,
        "undone: 1 annotation changed"
    );
}

/// Every colour the app paints comes from the theme (`src/ui/theme.rs`), so that each one
/// has its light and dark variant and its contrast checked there.
#[test]
fn every_colour_comes_from_the_theme() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut stack = vec![ui.clone()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path == ui.join("theme.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let literal = [
                    "Color32::from_",
                    "Color32::RED",
                    "Color32::GRAY",
                    "Color32::BLACK",
                ]
                .iter()
                .chain(&["Color32::WHITE", "Color32::YELLOW", "Color32::GREEN"])
                .any(|c| line.contains(c));
                if literal {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "literal colours:\n{}", found.join("\n"));
}

/// Every filled rectangle among painted shapes, with its fill.
fn painted_rects<'a>(
    shapes: impl Iterator<Item = &'a egui::Shape>,
    out: &mut Vec<(egui::Rect, egui::Color32)>,
) {
    for shape in shapes {
        match shape {
            egui::Shape::Rect(r) => out.push((r.rect, r.fill)),
            egui::Shape::Vec(inner) => painted_rects(inner.iter(), out),
            _ => {}
        }
    }
}

/// The bar as it is painted: its track, and the thumb at the top of it (the view at the
/// article's start). The thumb must be as big as the pointer needs, and stand out from the
/// track by 3:1, as WCAG asks of the parts of a control (1.4.11).
fn thumb_is_painted_big_and_distinct(h: &Harness<'_, LectorApp>, bar: egui::Rect, dark: bool) {
    let mut rects = Vec::new();
    painted_rects(h.output().shapes.iter().map(|c| &c.shape), &mut rects);
    let mut on_bar: Vec<(egui::Rect, egui::Color32)> = rects
        .into_iter()
        .filter(|(r, fill)| bar.expand(1.0).contains_rect(*r) && fill.a() > 0)
        .collect();
    on_bar.sort_by(|a, b| b.0.height().total_cmp(&a.0.height()));
    let [(track, track_fill), (thumb, thumb_fill), ..] = on_bar[..] else {
        panic!("a track and a thumb painted on the bar {bar:?} (dark {dark}): {on_bar:?}");
    };
    assert!(
        thumb.height() >= MIN_THUMB_LENGTH && thumb.width() >= MIN_BAR_WIDTH,
        "the thumb is {thumb:?} on the track {track:?} (dark {dark})"
    );
    let stand_out = lector::ui::theme::contrast(thumb_fill, track_fill);
    assert!(
        stand_out >= 3.0,
        "the thumb {thumb_fill:?} on the track {track_fill:?} (dark {dark}): {stand_out:.2}:1"
    );
}

/// The least a scroll bar's thumb must measure along the bar to be grabbed by a mouse.
const MIN_THUMB_LENGTH: f32 = 20.0;
/// The least a scroll bar must measure across.
const MIN_BAR_WIDTH: f32 = 8.0;

#[test]
fn the_scroll_bar_of_a_two_megabyte_article_has_a_thumb_big_enough_to_grab_and_drag() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 2_000_000 {
        n += 1;
        text.push_str(&format!(
            "Paragraph {n}. The delegations met again in the afternoon and agreed on nothing \
             but the date of the next meeting, which the ministers announced at once.\n\n"
        ));
    }
    let project = project_with(dir.path(), &text);
    let mut h = harness(&project, "anna");
    h.run();
    let view = h.state().view().unwrap().rect();
    // The article's scroll bar as AccessKit has it (where it senses the mouse): the one along
    // the article's right edge.
    let all: Vec<egui::Rect> = h
        .query_all_by_role(egui::accesskit::Role::ScrollBar)
        .map(|n| n.rect())
        .collect();
    let bars: Vec<egui::Rect> = all
        .iter()
        .copied()
        .filter(|r| (r.center().x - view.right()).abs() < 20.0 && r.height() > view.height() / 2.0)
        .collect();
    let [bar] = bars[..] else {
        panic!("one scroll bar along the article, of {all:?} (article {view:?})");
    };
    assert!(
        bar.width() >= MIN_BAR_WIDTH,
        "the bar is {} px wide",
        bar.width()
    );
    for dark in [true, false] {
        h.state_mut()
            .push(lector::ui::ViewCommand::Dark(dark).into());
        h.run();
        thumb_is_painted_big_and_distinct(&h, bar, dark);
    }
    // Which paragraph is at the top of the view: the document's share above it.
    let shown = |h: &Harness<'_, LectorApp>| {
        let view = h.state().view().unwrap();
        let at = view
            .char_at(view.rect().center_top() + egui::vec2(0.0, 40.0))
            .unwrap();
        at.0 as f32 / text.chars().count() as f32
    };
    assert!(shown(&h) < 0.001, "the article opens at its start");
    // Pressed just inside where a thumb of the least size ends, at the top of the bar and
    // MIN_BAR_WIDTH from its right edge: a shorter or narrower thumb is missed, and egui
    // jumps the view there instead (a 2 MB article gives a thumb of about 1 px in proportion).
    let grab = egui::pos2(
        bar.right() - MIN_BAR_WIDTH + 1.0,
        bar.top() + MIN_THUMB_LENGTH - 2.0,
    );
    h.drag_at(grab);
    h.run();
    assert!(
        shown(&h) < 0.001,
        "a press at {grab:?} grabs the thumb, not the bar {bar:?}: the view jumped to {:.1}%",
        100.0 * shown(&h)
    );
    // Dragged a quarter of the bar down, the thumb takes the view about a quarter of the way
    // (the thumb's own length is the rest of its travel).
    let quarter = bar.height() / 4.0;
    h.hover_at(grab + egui::vec2(0.0, quarter));
    h.run();
    h.drop_at(grab + egui::vec2(0.0, quarter));
    h.run();
    let at = shown(&h);
    assert!(
        (0.22..0.32).contains(&at),
        "a quarter of the bar took the view to {:.1}% of the article",
        100.0 * at
    );
}

/// The annotation list: every annotation of one's own in text order, a selection far down
/// brought into view, and the text filter showing only what matches.
#[test]
fn the_annotation_list_follows_the_selection_and_filters() {
    use egui_kittest::kittest::NodeT as _;
    let (_dir, project) = sample_project_copy();
    let mut h = harness(&project, "anna");
    h.run();
    let rows = |h: &Harness<'_, LectorApp>| -> Vec<String> {
        h.query_all_by_role(egui::accesskit::Role::Button)
            .filter_map(|n| n.accesskit_node().label())
            .filter(|l| l.contains(" · "))
            .collect()
    };
    let first = rows(&h);
    assert!(
        first.first().is_some_and(|r| r == "Place · Ryssland"),
        "{first:?}"
    );
    assert!(first.len() < 60, "only the rows on screen: {}", first.len());
    // The last annotation, selected from the text's end: its row comes into view.
    let last = h.state().annotations().last().unwrap().clone();
    h.state_mut()
        .push(lector::ui::Command::Select(Some(last.id.clone())));
    h.run();
    h.run();
    let shown = rows(&h);
    assert!(
        shown
            .iter()
            .any(|r| r.starts_with(&format!("{} · ", last.label))),
        "{shown:?}"
    );
    assert_ne!(shown, first, "scrolled down");
    // Filtered by text: Navalny's mentions only.
    h.get_by_label("Filter annotations by text").click();
    h.run();
    h.get_by_label("Filter annotations by text")
        .type_text("navalny");
    h.run();
    let filtered = rows(&h);
    let doc = h.state().document().unwrap().to_owned();
    let session = h.state().session().unwrap();
    let text = &session.store.project.document(&doc).unwrap().text;
    let expected = h
        .state()
        .annotations()
        .iter()
        .filter(|a| a.covered_text(text).to_lowercase().contains("navalny"))
        .count();
    assert!(expected > 0);
    assert_eq!(filtered.len(), expected, "{filtered:?}");
    assert!(
        filtered.iter().any(|r| r == "Person · Navalny"),
        "{filtered:?}"
    );
}
