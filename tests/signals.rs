//! Ending Lector by a signal (SIGTERM from `kill` or a logout, SIGHUP, SIGINT from Ctrl+C)
//! closes the window as its close button does: the unsaved work is saved to the annotation
//! files first, not left only in the crash journal. And the crash journal's "recovered …"
//! notice stays in the status bar when the project opens, rather than being replaced at once
//! by the count of predictions.
//!
//! The signal tests run the real app in a real window (its own Xvfb display, typed into with
//! xdotool); they are skipped, with a message, where Xvfb or xdotool is not installed.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use lector::store::ProjectStore;

mod common;
#[path = "common/desktop.rs"]
mod desktop;
#[path = "common/gui.rs"]
mod gui;

/// The sample project's document.
const DOC: &str = "sotji-talks";

/// The ids of anna's annotations of the document, as saved in her file.
fn saved_ids(project: &Path) -> BTreeSet<String> {
    let (store, _) = ProjectStore::open(project).unwrap();
    store
        .project
        .set(DOC, "anna")
        .unwrap()
        .annotations()
        .iter()
        .map(|a| a.id.to_string())
        .collect()
}

/// Whether a journal of anna's in the project has an edit in it (the app writes an edit
/// there before it shows it).
fn journalled(project: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(project.join(".lector").join("journal")) else {
        return false;
    };
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with("anna.")
            && std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("\"edit\""))
    })
}

/// Runs `xdotool` with `args` against `display`.
fn xdotool(xdotool: &Path, display: &str, args: &[&str]) -> String {
    let out = Command::new(xdotool)
        .env("DISPLAY", display)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("run xdotool");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs the real app on a copy of the sample project in a window of its own, tags the
/// article's first word from the keyboard, sends the app `signals` (`kill -SIGNAL`) at once
/// (autosave would write the edit 0.75 s after it) and waits for it to end. `None` where
/// Xvfb or xdotool is not installed.
fn tag_then_signal(signals: &[&str]) -> Option<()> {
    let (Some(xvfb), Some(xdo)) = (desktop::on_path("Xvfb"), desktop::on_path("xdotool")) else {
        eprintln!("skipped: Xvfb or xdotool is not installed (scripts/test.sh installs them)");
        return None;
    };
    let home = desktop::AppHome::new();
    let before = saved_ids(&home.project);
    let mut group = desktop::Processes::new();
    let display = desktop::xvfb(&mut group, &xvfb);
    let mut app = home.lector();
    app.env("DISPLAY", &display).stdin(Stdio::null());
    let app = group.spawn(&mut app).expect("start lector");
    let pid = app.id().to_string();

    // The window, once it is mapped; no window manager focuses it, so the test does.
    let deadline = Instant::now() + Duration::from_secs(30);
    let window = loop {
        let found = xdotool(
            &xdo,
            &display,
            &["search", "--onlyvisible", "--name", "^Lector$"],
        );
        if let Some(id) = found.lines().next() {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "the window never showed");
        std::thread::sleep(Duration::from_millis(100));
    };
    // Tag the first word as a Person until the edit is in the journal (the first keys may
    // come before the document is shown).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journalled(&home.project) {
        assert!(Instant::now() < deadline, "the edit was never made");
        xdotool(&xdo, &display, &["windowfocus", "--sync", &window]);
        xdotool(
            &xdo,
            &display,
            &["key", "--delay", "80", "ctrl+Home", "ctrl+shift+Right", "p"],
        );
        let typed = Instant::now();
        while !journalled(&home.project) && typed.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert_eq!(saved_ids(&home.project), before, "not saved yet");
    for signal in signals {
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = app.try_wait().expect("wait for lector") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not end after {signals:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "the app closed as on its close button: {status:?}"
    );
    let after = saved_ids(&home.project);
    assert_eq!(
        after.difference(&before).count(),
        1,
        "the new annotation is in anna's file: {after:?}"
    );
    assert!(
        !journalled(&home.project),
        "and no longer only in a journal"
    );
    Some(())
}

/// Regression (QA): `kill -TERM` ended the app at once, leaving an edit only in the crash
/// journal. Now the window closes as its close button closes it, saving first, and the app
/// exits normally with the edit in anna's annotation file.
#[test]
fn sigterm_closes_the_real_window_saving_the_edit_first() {
    tag_then_signal(&["TERM"]);
}

/// A logout sends SIGTERM and SIGHUP together: one request to close, not a second one that
/// would quit without saving.
#[test]
fn a_logouts_sigterm_and_sighup_close_the_window_once_saving_first() {
    tag_then_signal(&["TERM", "HUP"]);
}

/// Ctrl+C in the terminal the app was started from.
#[test]
fn sigint_closes_the_real_window_saving_the_edit_first() {
    tag_then_signal(&["INT"]);
}

/// Regression (QA): after a crash, "recovered 1 unsaved change from the crash journal" was
/// replaced in the status bar at once by "9 predictions, none due", so the user never saw
/// it (only View → Messages had it).
#[test]
fn the_crash_journals_notice_stays_in_the_status_bar() {
    let (_dir, project) = common::sample_project_copy();
    let mut h = gui::harness(&project, "anna");
    h.run();
    let word = gui::find(&h, "fokuserar", 0);
    gui::drag_select(&mut h, word);
    gui::press_text(&mut h, "p");
    // The process dies: its journal is left as it is on disk, nothing is saved.
    gui::die_leaving_journal(h, &project, "anna");

    let mut h = gui::harness(&project, "anna");
    h.run();
    let said = gui::said(&h);
    let recovered = "recovered 1 unsaved change from the crash journal";
    let notice = said
        .iter()
        .position(|m| m.starts_with(recovered))
        .unwrap_or_else(|| panic!("{said:?}"));
    assert!(
        said[notice + 1..].iter().any(|m| m.contains("none due")),
        "the count is said after it: {said:?}"
    );
    let shown = h.state().messages().shown().unwrap();
    assert!(shown.text.starts_with(recovered), "{}", shown.text);
    assert!(
        h.query_by_label_contains(recovered).is_some(),
        "the status bar shows it"
    );
}
