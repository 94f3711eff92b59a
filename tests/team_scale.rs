//! A team at scale (issue 14): a project of 1,000 documents, ten analysts in ten clones of
//! one bare repository, syncing in turn. Every analyst ends with everyone's work, no sync
//! stops on a conflict (two of them add articles, so `project.ron` is merged by Lector's
//! driver), each sync reports exactly what changed since the analyst's last one, and the
//! time of a sync with nothing to do and of one with a single changed file is printed.
//!
//! Run with `--nocapture` to see the timings.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lector::model::{Annotation, checked_fragments};
use lector::store::{ProjectStore, ron_file, v1};
use lector::sync::{Git, SyncReport, sync_with};
use sha2::Digest as _;

const DOCUMENTS: usize = 1_000;
const ANALYSTS: usize = 10;

struct Team {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Team {
    fn env(&self, who: &str) -> Vec<(String, String)> {
        vec![
            (
                "GIT_CONFIG_GLOBAL".into(),
                self.config.display().to_string(),
            ),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            (
                "GIT_CEILING_DIRECTORIES".into(),
                self.dir.path().display().to_string(),
            ),
            ("GIT_AUTHOR_NAME".into(), format!("{who} (test)")),
            ("GIT_AUTHOR_EMAIL".into(), format!("{who}@example.com")),
            ("GIT_COMMITTER_NAME".into(), format!("{who} (test)")),
            ("GIT_COMMITTER_EMAIL".into(), format!("{who}@example.com")),
        ]
    }

    fn git(&self, who: &str, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .envs(self.env(who))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn sync(&self, clone: &Path, who: &str) -> SyncReport {
        let git = self
            .env(who)
            .into_iter()
            .fold(Git::new(), |git, (k, v)| git.env(k, v))
            .merge_driver(env!("CARGO_BIN_EXE_lector"));
        sync_with(&git, clone, who).unwrap_or_else(|err| panic!("{who}: {err}"))
    }
}

fn document_id(i: usize) -> String {
    format!("d{i:04}")
}

/// The team's repository: a project of [`DOCUMENTS`] short articles, written directly (as a
/// long-running project would have them), pushed to a bare `origin.git`.
fn team_with_big_project() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gitconfig");
    std::fs::write(&config, "").unwrap();
    let team = Team { dir, config };
    let root = team.dir.path().to_path_buf();
    let seed = root.join("seed");
    team.git(
        "lead",
        &root,
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    ProjectStore::create(&seed, "Big").unwrap();
    team.git("lead", &seed, &["init", "-q", "-b", "main"]);
    let project: v1::ProjectFile =
        ron::from_str(&std::fs::read_to_string(seed.join("project.ron")).unwrap()).unwrap();
    let mut documents = Vec::with_capacity(DOCUMENTS);
    std::fs::create_dir_all(seed.join("documents")).unwrap();
    for i in 0..DOCUMENTS {
        let id = document_id(i);
        let text = format!("Putin met Lukashenko in Sochi on day {i}.\n");
        std::fs::write(seed.join("documents").join(format!("{id}.txt")), &text).unwrap();
        let digest = sha2::Sha256::digest(text.as_bytes());
        documents.push(v1::DocumentEntry {
            id: id.clone(),
            title: format!("Talks, day {i}"),
            file: format!("{id}.txt"),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            added: "2026-01-01T10:00:00Z".to_owned(),
        });
    }
    let project = v1::ProjectFile {
        documents,
        ..project
    };
    std::fs::write(
        seed.join("project.ron"),
        ron_file::to_ron(&project).unwrap(),
    )
    .unwrap();
    team.git("lead", &seed, &["add", "-A"]);
    team.git("lead", &seed, &["commit", "-q", "-m", "1,000 articles"]);
    let origin = root.join("origin.git").display().to_string();
    team.git("lead", &seed, &["remote", "add", "origin", &origin]);
    team.git("lead", &seed, &["push", "-q", "-u", "origin", "main"]);
    team
}

/// Annotates "Putin" in two documents of analyst `n`, as the app saves them.
fn annotate_two(clone: &Path, n: usize, who: &str) -> Vec<String> {
    let (mut store, problems) = ProjectStore::open(clone).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let documents = vec![document_id(n * 7), document_id(n * 7 + 500)];
    for document in &documents {
        let text = &store.project.document(document).unwrap().text;
        let a = Annotation::new("Person", checked_fragments(text, &[(0, 5)]).unwrap());
        store.project.set_mut(document, who).insert(a);
        store.save_set(document, who).unwrap();
    }
    documents
}

fn analyst(n: usize) -> String {
    format!("a{n}")
}

#[test]
fn ten_analysts_sync_a_thousand_documents_in_turn() {
    let started = Instant::now();
    let team = team_with_big_project();
    let root = team.dir.path().to_path_buf();
    let origin = root.join("origin.git").display().to_string();
    let clones: Vec<PathBuf> = (0..ANALYSTS)
        .map(|n| {
            let who = analyst(n);
            team.git(&who, &root, &["clone", "-q", &origin, &who]);
            root.join(&who)
        })
        .collect();
    let set_up = started.elapsed();

    // Round one: everyone annotates two documents; two of them also add an article.
    let mut annotated = Vec::new();
    for (n, clone) in clones.iter().enumerate() {
        let who = analyst(n);
        annotated.push(annotate_two(clone, n, &who));
        if n == 3 || n == 7 {
            let (mut store, _) = ProjectStore::open(clone).unwrap();
            store
                .add_text(
                    &format!("extra-{n}.txt"),
                    &format!("Extra {n}"),
                    "Minsk.\n".to_owned(),
                )
                .unwrap();
        }
    }
    let round_one = Instant::now();
    for (n, clone) in clones.iter().enumerate() {
        let who = analyst(n);
        let report = team.sync(clone, &who);
        assert_eq!(report.pushed, 1, "{who}: {report}");
        // Everyone who synced before, and only they, are reported.
        let colleagues: BTreeSet<String> =
            report.changes.iter().map(|c| c.annotator.clone()).collect();
        let expected: BTreeSet<String> = (0..n).map(analyst).collect();
        assert_eq!(colleagues, expected, "{who}: {report}");
        for change in &report.changes {
            assert_eq!(change.documents.len(), 2, "{who}: {report}");
        }
    }
    let round_one = round_one.elapsed();

    // Round two: everyone takes in what was pushed after them.
    let round_two = Instant::now();
    for (n, clone) in clones.iter().enumerate() {
        let who = analyst(n);
        let report = team.sync(clone, &who);
        assert!(report.committed.is_none(), "{who}: {report}");
        let colleagues: BTreeSet<String> =
            report.changes.iter().map(|c| c.annotator.clone()).collect();
        let expected: BTreeSet<String> = (n + 1..ANALYSTS).map(analyst).collect();
        assert_eq!(colleagues, expected, "{who}: {report}");
        assert!(report.merged.is_empty(), "{who}: {report}");
    }
    let round_two = round_two.elapsed();

    // Everyone has everyone's work: one history, every file, nothing left over.
    let head = team.git("a0", &clones[0], &["rev-parse", "HEAD"]);
    for (n, clone) in clones.iter().enumerate() {
        let who = analyst(n);
        assert_eq!(team.git(&who, clone, &["rev-parse", "HEAD"]), head, "{who}");
        assert_eq!(
            team.git(&who, clone, &["status", "--porcelain"]),
            "",
            "{who}"
        );
    }
    for clone in [&clones[0], &clones[ANALYSTS - 1]] {
        let (store, problems) = ProjectStore::open(clone).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(store.project.documents.len(), DOCUMENTS + 2);
        for (n, documents) in annotated.iter().enumerate() {
            for document in documents {
                let set = store.project.set(document, &analyst(n)).unwrap();
                assert_eq!(set.annotations().len(), 1);
            }
        }
    }

    // The two syncs analysts do all day.
    let timed = Instant::now();
    let report = team.sync(&clones[0], "a0");
    let no_op = timed.elapsed();
    assert_eq!(
        report.summary(),
        "up to date: nothing to commit, pull or push"
    );
    annotate_one_more(&clones[0]);
    let timed = Instant::now();
    let report = team.sync(&clones[0], "a0");
    let one_file = timed.elapsed();
    assert_eq!(
        report.committed.as_ref().unwrap().files.len(),
        1,
        "{report}"
    );
    assert_eq!(report.pushed, 1);

    let total = started.elapsed();
    println!(
        "{DOCUMENTS} documents, {ANALYSTS} clones: set-up {set_up:.2?}, round one (commit, \
         pull, push each) {round_one:.2?}, round two (pull each) {round_two:.2?}; a sync with \
         nothing to do {no_op:.2?}, a sync of one changed file {one_file:.2?}; test {total:.2?}"
    );
    assert!(no_op < Duration::from_secs(10), "{no_op:?}");
    assert!(one_file < Duration::from_secs(10), "{one_file:?}");
    assert!(total < Duration::from_secs(60), "{total:?}");
}

fn annotate_one_more(clone: &Path) {
    let (mut store, _) = ProjectStore::open(clone).unwrap();
    let document = document_id(0);
    let text = &store.project.document(&document).unwrap().text;
    let a = Annotation::new("Place", checked_fragments(text, &[(24, 29)]).unwrap());
    store.project.set_mut(&document, "a0").insert(a);
    store.save_set(&document, "a0").unwrap();
}
