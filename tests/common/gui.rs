//! Helpers shared by the tests that drive the app through egui_kittest.

#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::path::Path;
use std::time::Duration;

use egui_kittest::Harness;
use lector::ui::{LectorApp, Prefs};

/// The app on a project (or article) as `annotator`, with typed paths instead of the
/// system's file dialogs (none runs where tests run; a developer's desktop would open one).
pub fn harness(project: &Path, annotator: &str) -> Harness<'static, LectorApp> {
    let app = app_for(project, annotator);
    Harness::builder()
        .with_size(egui::vec2(1360.0, 860.0))
        .with_max_steps(24)
        .build_ui_state(|ui, app: &mut LectorApp| app.show(ui), app)
}

/// The app on a project (or article) as `annotator`, with typed paths instead of the
/// system's file dialogs.
pub fn app_for(project: &Path, annotator: &str) -> LectorApp {
    let prefs = Prefs {
        annotator: annotator.to_owned(),
        ..Prefs::default()
    };
    let mut app = LectorApp::new(
        &egui::Context::default(),
        prefs,
        Some(project.to_path_buf()),
    );
    app.set_native_dialogs(false);
    app
}

/// Steps the UI until the background jobs (exports, imports, opening, review, sync) are done:
/// a spinner keeps the UI repainting, so `run` alone would not settle.
pub fn wait_for_jobs(h: &mut Harness<'_, LectorApp>) {
    step_while(h, LectorApp::is_busy);
    assert!(!h.state().is_busy(), "the job finished");
    h.run();
}

/// Steps the UI while `busy` says so, up to half a minute: a spinner keeps it repainting, so
/// `run` would not settle.
pub fn step_while(h: &mut Harness<'_, LectorApp>, busy: impl Fn(&LectorApp) -> bool) {
    for _ in 0..3000 {
        if !busy(h.state()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
}

/// Opens Review → Review colleagues… and starts a review of everyone the picker offers.
pub fn start_review(h: &mut Harness<'_, LectorApp>) {
    click_start_review(h);
    h.run();
}

/// Opens Review → Review colleagues… and clicks "Start review", leaving the frames that take
/// the click to the caller (a start on another thread keeps a spinner turning, so `run`
/// would not settle).
pub fn click_start_review(h: &mut Harness<'_, LectorApp>) {
    use egui_kittest::kittest::Queryable as _;
    h.get_by_label("Review").click();
    h.run();
    h.get_by_label("Review colleagues…").click();
    h.run();
    h.get_by_label("Start review").click();
}

/// The char range of the `nth` occurrence of `needle` in the open document.
pub fn find(h: &Harness<'_, LectorApp>, needle: &str, nth: usize) -> (u32, u32) {
    let text = h.state().view().expect("a document is open").text().clone();
    let byte = text
        .as_str()
        .match_indices(needle)
        .nth(nth)
        .expect("needle in text")
        .0;
    let start = text
        .char_of_byte(lector::model::ByteOffset(byte as u32))
        .expect("the test expects it");
    (start.0, start.0 + needle.chars().count() as u32)
}

/// Drags the mouse over a range of the article, as a user selects text.
pub fn drag_select(h: &mut Harness<'_, LectorApp>, (start, end): (u32, u32)) {
    if h.state()
        .view()
        .expect("the test expects it")
        .char_rect(lector::model::CharOffset(end - 1))
        .is_none()
    {
        // Scroll there first, as a user would.
        h.state_mut()
            .view_mut()
            .expect("the test expects it")
            .scroll_to(lector::model::CharOffset(start));
        h.run();
    }
    let view = h.state().view().expect("the test expects it");
    let a = view
        .char_rect(lector::model::CharOffset(start))
        .expect("start visible")
        .left_center();
    let b = view
        .char_rect(lector::model::CharOffset(end - 1))
        .expect("end visible")
        .right_center();
    h.drag_at(a + egui::vec2(1.0, 0.0));
    h.run();
    h.hover_at(b - egui::vec2(1.0, 0.0));
    h.run();
    h.drop_at(b - egui::vec2(1.0, 0.0));
    h.run();
}

/// Types text as a user would (a label's hotkey, `+`).
pub fn press_text(h: &mut Harness<'_, LectorApp>, text: &str) {
    h.event(egui::Event::Text(text.to_owned()));
    h.run();
}

/// Every message the app has said this run (the status bar's and View → Messages'), oldest first.
pub fn said(h: &Harness<'_, LectorApp>) -> Vec<String> {
    h.state()
        .messages()
        .all()
        .iter()
        .map(|m| m.text.clone())
        .collect()
}

/// Asks the window to close, as the window manager's close button does, in the next frame.
pub fn close_next(h: &mut Harness<'_, LectorApp>) {
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
}

/// Asks the window to close, and runs the frame that takes the request.
pub fn ask_to_close(h: &mut Harness<'_, LectorApp>) {
    close_next(h);
    h.step();
}

/// What the last frame asked of the window: whether it cancelled a close, and whether it
/// asked to close.
pub fn asked(h: &Harness<'_, LectorApp>) -> (bool, bool) {
    let commands = &h.output().viewport_output[&egui::ViewportId::ROOT].commands;
    let has = |c: &egui::ViewportCommand| commands.contains(c);
    (
        has(&egui::ViewportCommand::CancelClose),
        has(&egui::ViewportCommand::Close),
    )
}

/// Ends the app as a killed process would: nothing saved, its crash journal left on disk as
/// it is. The live journal of `set` (an annotator or `review.NAME`) is copied to a name no
/// running session owns, so the next session replays it.
pub fn die_leaving_journal(h: Harness<'_, LectorApp>, project: &Path, set: &str) {
    let journals = project.join(".lector").join("journal");
    let prefix = format!("{set}.");
    let live = std::fs::read_dir(&journals)
        .expect("the journal folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .expect("the set's journal");
    std::fs::copy(&live, journals.join(format!("{set}.1-00000000.jsonl"))).expect("a copy");
    std::mem::forget(h);
}
