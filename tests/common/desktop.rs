//! Helpers for the tests that run the real app on a display of their own (tests/a11y.rs,
//! tests/wayland.rs, tests/app_idle.rs): the processes they start, in one process group ended
//! with the test, and a home folder whose preferences already name the annotator.

#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The processes the test started, all in one process group (the first one's), ended
/// together when the test ends or fails.
pub struct Processes {
    pgid: Option<u32>,
    children: Vec<Child>,
}

impl Processes {
    /// No processes yet.
    pub fn new() -> Self {
        Self {
            pgid: None,
            children: Vec::new(),
        }
    }

    /// Starts `command` in the group (the first command founds it).
    pub fn spawn(&mut self, command: &mut Command) -> std::io::Result<&mut Child> {
        command.process_group(self.pgid.map_or(0, |id| id as i32));
        let child = command.spawn()?;
        self.pgid.get_or_insert(child.id());
        self.children.push(child);
        Ok(self.children.last_mut().expect("just pushed"))
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        // The group holds what these started too (the AT-SPI bus launcher and its bus,
        // started by D-Bus activation, inherit it).
        if let Some(pgid) = self.pgid {
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{pgid}")])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for child in &mut self.children {
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(pgid) = self.pgid {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A program on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The first line a child prints on its standard output (a display number, a bus address).
pub fn first_line(child: &mut Child, what: &str) -> String {
    let out = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .unwrap_or_else(|err| panic!("read the {what}: {err}"));
    let line = line.trim().to_owned();
    assert!(
        !line.is_empty(),
        "{what} printed nothing (it did not start)"
    );
    line
}

/// An Xvfb server (the program at `xvfb`) started in the group on a display it picks
/// itself (`-displayfd`); the display's name, `:N`, once it accepts connections.
pub fn xvfb(group: &mut Processes, xvfb: &Path) -> String {
    let server = group
        .spawn(
            Command::new(xvfb)
                .args([
                    "-displayfd",
                    "1",
                    "-screen",
                    "0",
                    "1360x860x24",
                    "-nolisten",
                    "tcp",
                    // Without it the server resets when its last client leaves (an
                    // `xdotool search` while the app is still starting), and an app that
                    // connects during the reset fails with "Failed to open connection".
                    "-noreset",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .expect("start Xvfb");
    format!(":{}", first_line(server, "display number of Xvfb"))
}

/// A home for the app in a temporary folder, with a copy of the sample project, and the
/// preferences of an annotator who has been asked their name (so no first-run prompt covers
/// the window), `XDG_RUNTIME_DIR` private to it.
pub struct AppHome {
    /// Holds everything; removed when dropped.
    pub dir: tempfile::TempDir,
    /// The copy of the sample project.
    pub project: PathBuf,
    /// `HOME`.
    pub home: PathBuf,
    /// `XDG_RUNTIME_DIR`, for D-Bus and Wayland sockets.
    pub runtime: PathBuf,
}

impl AppHome {
    /// A new home, project copy and runtime folder.
    pub fn new() -> Self {
        let (dir, project) = super::common::sample_project_copy();
        let home = dir.path().join("home");
        let runtime = dir.path().join("runtime");
        let data = home.join(".local/share");
        for d in [&data.join("lector"), &runtime] {
            std::fs::create_dir_all(d).expect("make the folders");
        }
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("XDG_RUNTIME_DIR is private");
        // eframe's storage, where Lector keeps its preferences.
        std::fs::write(
            data.join("lector/app.ron"),
            r#"{"app": "(annotator: \"anna\")"}"#,
        )
        .expect("write the preferences");
        Self {
            dir,
            project,
            home,
            runtime,
        }
    }

    /// Gives `command` this home, and no display or D-Bus session of the caller's: the test
    /// sets the ones it started.
    pub fn apply(&self, command: &mut Command) {
        command
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("AT_SPI_BUS_ADDRESS")
            .env_remove("NO_AT_BRIDGE")
            .env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("LECTOR_NO_NATIVE_DIALOGS", "1")
            .env("LECTOR_NO_SYSTEM_FONTS", "1");
    }

    /// The app on the project copy, with this home, its output discarded.
    pub fn lector(&self) -> Command {
        let mut app = Command::new(env!("CARGO_BIN_EXE_lector"));
        app.arg(&self.project)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.apply(&mut app);
        app
    }
}

/// Reads a child's output pipes to their ends on threads (so neither fills up), and gives
/// them back when it has ended.
pub fn output_of(child: &mut Child) -> (String, String) {
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut s);
            }
            s
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    )
}

/// Waits for `path` to exist, at most `timeout`.
pub fn wait_for_path(path: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !path.exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}
