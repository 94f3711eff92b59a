//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::path::{Path, PathBuf};

/// Copies a folder tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create the copy");
    for entry in std::fs::read_dir(src).expect("read the folder").flatten() {
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy a file");
        }
    }
}

/// A copy of the sample project `projects/sotji-talks` in a temporary folder, so that a test
/// can change it.
pub fn sample_project_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let dst = dir.path().join("sotji-talks");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks"),
        &dst,
    );
    (dir, dst)
}

/// Runs the `lector` binary built for the tests with these arguments.
pub fn lector(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lector"))
        .args(args)
        .output()
        .expect("run lector")
}

/// A command's standard output, as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A command's standard error, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Changes the note of an annotator's first annotation of a document on disk, as a colleague's
/// Lector in another clone (or a `git pull`) would.
pub fn change_on_disk(project: &Path, doc: &str, annotator: &str, note: &str) {
    let (mut store, problems) = lector::store::ProjectStore::open(project).expect("open");
    assert!(problems.is_empty(), "{problems:?}");
    let set = store.project.set_mut(doc, annotator);
    let first = set.annotations()[0].id.clone();
    set.update(&first, |a| a.note = note.to_owned());
    store.save_set(doc, annotator).expect("save");
}

/// Runs the test `name` of this test binary in a child process with `env` set, reads its
/// output up to the line that holds `marker`, then kills it with SIGKILL (no destructor, no
/// save) and returns what followed the marker on that line. The child side is a `#[test]`
/// that returns at once unless its variables are set, so it passes in the normal run.
///
/// A crash is staged this way rather than by dropping a journal in the test's own process:
/// the test binary spawns other processes from other tests' threads, and a child forked at
/// that moment briefly holds the test's journal lock too.
pub fn killed_child(name: &str, env: &[(&str, &str)], marker: &str) -> String {
    let binary = std::process::Command::new(std::env::current_exe().expect("test binary"));
    killed_child_in(binary, name, env, marker)
}

/// [`killed_child`] run by `command`: the test binary, or a program that runs it (a shell
/// that limits what it may write, say), given the test's arguments after its own.
pub fn killed_child_in(
    mut command: std::process::Command,
    name: &str,
    env: &[(&str, &str)],
    marker: &str,
) -> String {
    use std::io::BufRead as _;
    let mut child = command
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("stdout");
    let said = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest prints "test <name> ... " on the same line first.
        .find_map(|l| l.split_once(marker).map(|(_, rest)| rest.trim().to_owned()));
    child.kill().expect("kill");
    child.wait().expect("wait");
    said.unwrap_or_else(|| panic!("the child {name} never printed {marker:?}"))
}
