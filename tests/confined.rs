//! A project reads and writes only inside its folder and only regular files: symlinks that
//! lead out (git carries them) and named pipes in place of project files are refused with a
//! message naming them, never followed, never waited on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn lector() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lector"))
}

/// Runs a command, failing the test if it takes more than 20 s (a hang on a FIFO).
fn run(cmd: &mut Command) -> Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        while started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
            if !Path::new(&format!("/proc/{id}")).exists() {
                return false;
            }
        }
        let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
        true
    });
    let out = child.wait_with_output().expect("wait");
    assert!(
        !watchdog.join().expect("watchdog"),
        "the command hung: {cmd:?}"
    );
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A project with one annotated document, and a folder outside it.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("p");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    assert!(run(lector().arg("new").arg(&root)).status.success());
    let article = dir.path().join("talks.txt");
    std::fs::write(&article, "Putin möter Lukashenko i Sotji.\n").expect("article");
    assert!(
        run(lector().arg("add").arg(&root).arg(&article))
            .status
            .success()
    );
    (dir, root, outside)
}

fn annotate(root: &Path, annotator: &str) -> Output {
    run(lector()
        .arg("annotate")
        .arg(root)
        .args(["--document", "talks", "--annotator", annotator])
        .args(["--label", "Person", "--span", "0:5", "--entity", "Putin"]))
}

fn files_in(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

#[test]
fn symlinked_folders_out_of_the_project_are_never_written_through() {
    let (_dir, root, outside) = setup();
    // An annotator's folder that leads elsewhere.
    std::fs::create_dir_all(root.join("annotations")).expect("annotations");
    std::os::unix::fs::symlink(&outside, root.join("annotations/mallory")).expect("link");
    let out = annotate(&root, "mallory");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("outside the project folder"),
        "{}",
        text(&out)
    );
    assert_eq!(files_in(&outside), 0, "nothing written outside");
    let check = run(lector().arg("check").arg(&root));
    assert!(
        text(&check).contains("annotations/mallory"),
        "{}",
        text(&check)
    );

    // The whole entities folder, and the documents folder, leading elsewhere.
    std::fs::remove_file(root.join("annotations/mallory")).expect("unlink");
    assert_eq!(
        std::fs::read_dir(root.join("entities"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "the refused annotate wrote none of its files"
    );
    let _ = std::fs::remove_dir(root.join("entities"));
    std::os::unix::fs::symlink(&outside, root.join("entities")).expect("link");
    let out = annotate(&root, "anna");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(files_in(&outside), 0, "no entities written outside");
    let moved = root.join("documents.real");
    std::fs::rename(root.join("documents"), &moved).expect("move");
    std::os::unix::fs::symlink(&outside, root.join("documents")).expect("link");
    let article = root.parent().expect("parent").join("more.txt");
    std::fs::write(&article, "Minsk.\n").expect("write");
    let out = run(lector().arg("add").arg(&root).arg(&article));
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(files_in(&outside), 0, "no article written outside");
}

#[test]
fn named_pipes_in_the_project_are_refused_not_waited_on() {
    let (_dir, root, _outside) = setup();
    assert!(annotate(&root, "anna").status.success());
    // The document text, an annotation file and an entities file replaced by FIFOs.
    for file in [
        "documents/talks.txt",
        "annotations/anna/talks.ron",
        "entities/anna.ron",
    ] {
        let path = root.join(file);
        let saved = std::fs::read(&path).expect("read");
        std::fs::remove_file(&path).expect("remove");
        assert!(
            Command::new("mkfifo")
                .arg(&path)
                .status()
                .expect("mkfifo")
                .success()
        );
        for args in [vec!["check"], vec!["stats"]] {
            let out = run(lector().arg(args[0]).arg(&root));
            assert_ne!(out.status.code(), Some(0), "{file} {args:?}");
            assert!(
                text(&out).contains(file) && text(&out).contains("named pipe"),
                "{file}: {}",
                text(&out)
            );
        }
        let out = annotate(&root, "anna");
        assert_ne!(out.status.code(), Some(0), "{file}: {}", text(&out));
        std::fs::remove_file(&path).expect("remove fifo");
        std::fs::write(&path, saved).expect("restore");
    }
    assert!(run(lector().arg("check").arg(&root)).status.success());
}
