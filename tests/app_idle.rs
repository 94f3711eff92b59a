//! The real app in a real window (its own Xvfb display), counted by its frame trace
//! (`LECTOR_TRACE=1`): once the document is shown and the window has settled, it paints no
//! frame while nothing happens, for longer than the watch interval; a colleague's file
//! changed on disk wakes it. Skipped, with a message, where Xvfb is not installed
//! (`scripts/test.sh` installs it).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lector::store::ProjectStore;

/// Kills and reaps a child this test started, whatever happens.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Xvfb server on a display it picks itself (`-displayfd`), and its number.
fn xvfb() -> Option<(Started, String)> {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1360x860x24",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let server = Started(child);
    // The display number, then a newline, once the server accepts connections.
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).ok()? == 1 && byte[0] != b'\n' {
        number.push(char::from(byte[0]));
    }
    let number = number.trim().to_owned();
    (!number.is_empty()).then_some((server, format!(":{number}")))
}

/// The trace lines the app writes, as they come.
fn trace_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (send, lines) = mpsc::channel();
    let stderr = child.stderr.take().expect("the app's stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Frame lines (`lector-trace frame=…`) that arrive within `within`.
fn frames_within(lines: &mpsc::Receiver<String>, within: Duration) -> Vec<String> {
    let until = Instant::now() + within;
    let mut frames = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if line.starts_with("lector-trace frame=") => frames.push(line),
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the app ended early"),
        }
    }
    frames
}

/// Changes the note of a colleague's first annotation on disk, as their Lector would.
fn change_on_disk(project: &Path, doc: &str, annotator: &str, note: &str) {
    let (mut store, problems) = ProjectStore::open(project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let set = store.project.set_mut(doc, annotator);
    let first = set.annotations()[0].id.clone();
    set.update(&first, |a| a.note = note.to_owned());
    store.save_set(doc, annotator).unwrap();
}

#[test]
fn an_idle_window_paints_nothing_and_wakes_for_a_change_on_disk() {
    let Some((_server, display)) = xvfb() else {
        eprintln!("skipped: Xvfb is not installed (scripts/test.sh installs it)");
        return;
    };
    let started = Instant::now();
    let (dir, project) = common::sample_project_copy();
    // A home of its own, where the app's preferences already name the annotator.
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("lector")).unwrap();
    std::fs::write(
        data.join("lector/app.ron"),
        r#"{"app": "(annotator: \"anna\")"}"#,
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_lector"))
        .arg(&project)
        .env("DISPLAY", &display)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", &data)
        .env("LECTOR_TRACE", "1")
        .env("LECTOR_NO_NATIVE_DIALOGS", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lector");
    let mut app = Started(child);
    let lines = trace_lines(&mut app.0);

    // The document shows.
    let until = Instant::now() + Duration::from_secs(12);
    loop {
        let left = until
            .checked_duration_since(Instant::now())
            .expect("the first document is shown within 12 s");
        let line = lines.recv_timeout(left).expect("the app traces its frames");
        if line.starts_with("lector-trace first_document") {
            break;
        }
    }
    // The window settles: mapping it brings focus and pointer events of its own.
    let settle = Instant::now() + Duration::from_secs(5);
    while !frames_within(&lines, Duration::from_millis(700)).is_empty() {
        assert!(Instant::now() < settle, "the window never settled");
    }

    // Idle for longer than the watch interval (three polls): not one frame.
    let idle = frames_within(
        &lines,
        lector::ui::WATCH_INTERVAL * 3 + Duration::from_millis(500),
    );
    assert!(idle.is_empty(), "frames painted while idle: {idle:#?}");

    // A colleague's file changes on disk: the watch wakes the window, which takes it in.
    change_on_disk(&project, "sotji-talks", "erik", "changed by erik elsewhere");
    let woken = frames_within(
        &lines,
        lector::ui::WATCH_INTERVAL * 2 + Duration::from_secs(1),
    );
    assert!(
        !woken.is_empty(),
        "no frame after a colleague's file changed"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
