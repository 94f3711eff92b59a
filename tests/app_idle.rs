//! The real app in a real window (its own Xvfb display), counted by its frame trace
//! (`LECTOR_TRACE=1`): once the document is shown and the window has settled, it paints no
//! frame while nothing happens, for longer than the watch interval; a colleague's file
//! changed on disk wakes it. Skipped, with a message, where Xvfb is not installed
//! (`scripts/test.sh` installs it).

mod common;
#[path = "common/desktop.rs"]
mod desktop;

use std::io::{BufRead as _, BufReader};

use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

#[test]
fn an_idle_window_paints_nothing_and_wakes_for_a_change_on_disk() {
    let Some(xvfb) = desktop::on_path("Xvfb") else {
        eprintln!("skipped: Xvfb is not installed (scripts/test.sh installs it)");
        return;
    };
    let started = Instant::now();
    // A home of its own, where the app's preferences already name the annotator.
    let home = desktop::AppHome::new();
    let mut group = desktop::Processes::new();
    let display = desktop::xvfb(&mut group, &xvfb);
    let mut app = home.lector();
    app.env("DISPLAY", &display)
        .env("LECTOR_TRACE", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let app = group.spawn(&mut app).expect("start lector");
    let lines = trace_lines(app);

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
    common::change_on_disk(
        &home.project,
        "sotji-talks",
        "erik",
        "changed by erik elsewhere",
    );
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
