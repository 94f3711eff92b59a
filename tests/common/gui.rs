//! Helpers shared by the tests that drive the app through egui_kittest.

#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::path::Path;
use std::time::Duration;

use egui_kittest::Harness;
use lector::ui::{LectorApp, Prefs};

/// The app on a project (or article) as `annotator`, with typed paths instead of the
/// system's file dialogs (none runs where tests run; a developer's desktop would open one).
pub fn harness(project: &Path, annotator: &str) -> Harness<'static, LectorApp> {
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
    Harness::builder()
        .with_size(egui::vec2(1360.0, 860.0))
        .with_max_steps(24)
        .build_ui_state(|ui, app: &mut LectorApp| app.show(ui), app)
}

/// Steps the UI until the background jobs (exports, imports, opening, review, sync) are done:
/// a spinner keeps the UI repainting, so `run` alone would not settle.
pub fn wait_for_jobs(h: &mut Harness<'_, LectorApp>) {
    for _ in 0..3000 {
        if !h.state().is_busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    assert!(!h.state().is_busy(), "the job finished");
    h.run();
}

/// Opens Review → Review colleagues… and starts a review of everyone the picker offers.
pub fn start_review(h: &mut Harness<'_, LectorApp>) {
    use egui_kittest::kittest::Queryable as _;
    h.get_by_label("Review").click();
    h.run();
    h.get_by_label("Review colleagues…").click();
    h.run();
    h.get_by_label("Start review").click();
    h.run();
}
