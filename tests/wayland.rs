//! Issue 11: the app runs natively on Wayland, crisp on a HiDPI screen. The built `lector`
//! opens on a copy of the sample project in a headless Wayland compositor of the test's own
//! (weston, rendering with Mesa's software OpenGL into memory), with `WAYLAND_DISPLAY` set
//! and no `DISPLAY`, so there is no X11 to fall back on. The compositor's own account of its
//! windows (its scene graph, through weston-debug) must show Lector's window, a top-level
//! window titled "Lector" of the size the app asks for; on an output scaled by 2 the app must
//! draw it at the screen's resolution (buffer scale 2, twice the pixels each way, as the
//! client's Wayland log says), not at half and scaled up blurred.
//!
//! It needs weston (Debian's weston; scripts/test.sh installs it once) and Mesa's software
//! OpenGL. Without weston the test says so and is skipped, unless `LECTOR_WAYLAND_REQUIRED`
//! is set (scripts/test.sh sets it when weston is there): then it fails. Weston's CPU
//! renderer (pixman) is not used: weston 10 crashes in it at scale 2.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
#[path = "common/desktop.rs"]
mod desktop;

use desktop::{AppHome, Processes, on_path, output_of, wait_for_path};

/// How long the window may take to show (a debug build on a loaded machine); with the
/// socket wait and the wait for the scaled buffer, both scales stay under 45 s even when
/// they time out.
const SHOW_TIMEOUT: Duration = Duration::from_secs(8);

/// The compositor's scene graph, once it shows a top-level window titled "Lector", else the
/// last one read.
fn scene_with_lector(
    debug: &std::path::Path,
    home: &AppHome,
    socket: &str,
    group: &mut Processes,
) -> String {
    let deadline = Instant::now() + SHOW_TIMEOUT;
    let mut scene = String::new();
    while Instant::now() < deadline {
        let mut reader = Command::new(debug);
        reader
            .arg("scene-graph")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        home.apply(&mut reader);
        reader.env("WAYLAND_DISPLAY", socket);
        let child = group.spawn(&mut reader).expect("start weston-debug");
        let (out, _) = output_of(child);
        let _ = child.wait();
        scene = out;
        if lector_view(&scene).is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    scene
}

/// The scene graph's entry of Lector's window: from its "View" line to the next one.
fn lector_view(scene: &str) -> Option<&str> {
    let start = scene.find("top-level window 'Lector'")?;
    let view_start = scene[..start].rfind("View ").unwrap_or(start);
    let end = scene[start..]
        .find("\tView ")
        .or_else(|| scene[start..].find("\nLayer "))
        .map_or(scene.len(), |i| start + i);
    Some(&scene[view_start..end])
}

/// Runs the app in weston with the output scaled by `scale`, and returns the compositor's
/// entry for its window and the app's Wayland log (`WAYLAND_DEBUG`).
fn lector_window(
    weston: &std::path::Path,
    debug: &std::path::Path,
    scale: u32,
) -> (String, String) {
    let home = AppHome::new();
    let socket = format!("lector-test-{}-{scale}", std::process::id());
    let mut group = Processes::new();
    let mut compositor = Command::new(weston);
    compositor
        .args([
            "--backend=headless-backend.so",
            "--use-gl",
            "--width=1600",
            "--height=1000",
            &format!("--scale={scale}"),
            "--no-config",
            // Lets weston-debug read the scene graph.
            "--debug",
            &format!("--socket={socket}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    home.apply(&mut compositor);
    group.spawn(&mut compositor).expect("start weston");
    assert!(
        wait_for_path(&home.runtime.join(&socket), Duration::from_secs(5)),
        "weston made no socket"
    );
    let log = home.dir.path().join("wayland.log");
    let mut app = home.lector();
    app.env("WAYLAND_DISPLAY", &socket)
        .env("WAYLAND_DEBUG", "client")
        .stderr(std::fs::File::create(&log).expect("the app's log"));
    group.spawn(&mut app).expect("start lector");
    let scene = scene_with_lector(debug, &home, &socket, &mut group);
    // The window shows at scale 1 first and is drawn again once the output's scale reaches
    // it: wait for that buffer (or the deadline) before the app goes.
    let deadline = Instant::now() + SHOW_TIMEOUT;
    while !has_buffer(&std::fs::read_to_string(&log).unwrap_or_default(), scale)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(group);
    let view = lector_view(&scene)
        .unwrap_or_else(|| panic!("no window titled Lector in weston's scene graph:\n{scene}"))
        .to_owned();
    (view, std::fs::read_to_string(&log).unwrap_or_default())
}

/// Whether the app's Wayland log shows a buffer of the window's size at `scale`.
fn has_buffer(log: &str, scale: u32) -> bool {
    let pixels = format!(", {}, {}, ", 1360 * scale, 860 * scale);
    log.lines()
        .any(|l| l.contains("create_buffer(") && l.contains(&pixels))
}

/// The size of a view from its `position: (x0, y0) -> (x1, y1)` line.
fn view_size(view: &str) -> Option<(i32, i32)> {
    let line = view
        .lines()
        .find_map(|l| l.trim().strip_prefix("position: "))?;
    let numbers: Vec<i32> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter(|s| !s.is_empty() && *s != "-")
        .filter_map(|s| s.parse().ok())
        .collect();
    let [x0, y0, x1, y1] = numbers[..] else {
        return None;
    };
    Some((x1 - x0, y1 - y0))
}

#[test]
fn lector_opens_a_native_wayland_window_crisp_at_scale_two() {
    let tools = on_path("weston").zip(on_path("weston-debug"));
    let Some((weston, debug)) = tools else {
        let skip =
            "skipped: weston is missing (scripts/test.sh installs Debian's weston when it can)";
        assert!(
            std::env::var_os("LECTOR_WAYLAND_REQUIRED").is_none(),
            "LECTOR_WAYLAND_REQUIRED is set, but {skip}"
        );
        eprintln!("{skip}");
        return;
    };
    for scale in [1, 2] {
        let (view, log) = lector_window(&weston, &debug, scale);
        assert!(
            view.contains("role xdg_toplevel"),
            "a native top-level window (scale {scale}):\n{view}"
        );
        assert_eq!(
            view_size(&view),
            Some((1360, 860)),
            "the size the app asks for, in points (scale {scale}):\n{view}"
        );
        // Drawn at the screen's resolution: the window's buffer has `scale` times the pixels
        // each way, and says so.
        assert!(
            has_buffer(&log, scale),
            "a {}×{} buffer at scale {scale}; the app's Wayland log:\n{}",
            1360 * scale,
            860 * scale,
            log.lines()
                .filter(|l| l.contains("create_buffer(") || l.contains("set_buffer_scale"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        if scale > 1 {
            assert!(
                log.contains(&format!("set_buffer_scale({scale})")),
                "the buffer scale is set to {scale}"
            );
        }
    }
}
