//! Working as a team through git (issue 5): real `git`, a bare repository on disk as the
//! team's remote, and one clone per annotator.
//!
//! Every git call, the test's own and Lector's, gets an author identity and an empty global
//! configuration through the environment, so the tests need no `~/.gitconfig` and are not
//! changed by one.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use lector::model::{Annotation, Entity, EntityId, checked_fragments};
use lector::store::{ProjectStore, entities_path, set_path};
use lector::sync::{Change, Git, SyncError, SyncReport, sync_with};

const TEXT: &str = "Putin met Lukashenko in Sochi on Friday.\n";
const DOC: &str = "talks";

/// A temporary folder holding the team's bare repository and everyone's clones.
struct Team {
    dir: tempfile::TempDir,
    /// An empty file used as the global git configuration.
    config: PathBuf,
}

impl Team {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gitconfig");
        std::fs::write(&config, "").unwrap();
        Self { dir, config }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The environment every git call gets, as `who`.
    fn env(&self, who: &str) -> Vec<(String, String)> {
        let name = format!("{who} (test)");
        let email = format!("{who}@example.com");
        vec![
            (
                "GIT_CONFIG_GLOBAL".into(),
                self.config.display().to_string(),
            ),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            // Never find a repository above the test's folder.
            (
                "GIT_CEILING_DIRECTORIES".into(),
                self.dir.path().display().to_string(),
            ),
            ("GIT_AUTHOR_NAME".into(), name.clone()),
            ("GIT_AUTHOR_EMAIL".into(), email.clone()),
            ("GIT_COMMITTER_NAME".into(), name),
            ("GIT_COMMITTER_EMAIL".into(), email),
        ]
    }

    /// Lector's git, as `who`.
    fn git_for(&self, who: &str) -> Git {
        self.env(who)
            .into_iter()
            .fold(Git::new(), |git, (k, v)| git.env(k, v))
    }

    /// Runs git as `who` in `dir` and returns its stdout; panics on failure.
    fn git(&self, who: &str, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .envs(self.env(who))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?} in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The team's repository: a project with one document (in `sub` of the repository,
    /// or at its top if `sub` is empty), pushed to a bare `origin.git`.
    fn with_project(sub: &str) -> Self {
        let team = Self::new();
        let origin = team.path("origin.git");
        let seed = team.path("seed");
        std::fs::create_dir_all(&seed).unwrap();
        team.git(
            "lead",
            team.dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        team.git("lead", &seed, &["init", "-q", "-b", "main"]);
        let mut store = ProjectStore::create(&seed.join(sub), "Team").unwrap();
        store
            .add_text("talks.txt", "Talks in Sochi", TEXT.to_owned())
            .unwrap();
        team.git("lead", &seed, &["add", "-A"]);
        team.git("lead", &seed, &["commit", "-q", "-m", "A project"]);
        team.git(
            "lead",
            &seed,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        team.git("lead", &seed, &["push", "-q", "-u", "origin", "main"]);
        team
    }

    /// A clone of the team's repository in `name`; returns the project folder in it.
    fn clone(&self, name: &str, sub: &str) -> PathBuf {
        let origin = self.path("origin.git");
        self.git(
            name,
            self.dir.path(),
            &["clone", "-q", origin.to_str().unwrap(), name],
        );
        self.path(name).join(sub)
    }

    fn sync(&self, project: &Path, who: &str) -> Result<SyncReport, SyncError> {
        sync_with(&self.git_for(who), project, who)
    }
}

/// Adds an annotation of `who` in the project and saves it, as the app does.
fn annotate(project: &Path, who: &str, label: &str, span: (u32, u32)) {
    let (mut store, problems) = ProjectStore::open(project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let text = &store.project.document(DOC).unwrap().text;
    let annotation = Annotation::new(label, checked_fragments(text, &[span]).unwrap());
    store.project.set_mut(DOC, who).insert(annotation);
    store.save_set(DOC, who).unwrap();
}

fn read(project: &Path, rel: &Path) -> String {
    std::fs::read_to_string(project.join(rel)).unwrap()
}

#[test]
fn two_annotators_sync_through_a_bare_repository_and_lose_nothing() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");

    annotate(&anna, "anna", "Person", (0, 5));
    annotate(&anna, "anna", "Place", (24, 29));
    let report = team.sync(&anna, "anna").unwrap();
    let commit = report.committed.as_ref().unwrap();
    assert_eq!(commit.subject, "Lector: anna annotated \"Talks in Sochi\"");
    assert_eq!(commit.files, [set_path(DOC, "anna")]);
    assert_eq!(report.upstream.as_deref(), Some("origin/main"));
    assert!(report.pulled.is_empty());
    assert_eq!(report.pushed, 1);

    // Bo annotated the same document meanwhile, with an entity of his own.
    annotate(&bo, "bo", "Person", (10, 20));
    let (mut store, _) = ProjectStore::open(&bo).unwrap();
    store
        .project
        .entities
        .entry("bo".into())
        .or_default()
        .upsert(Entity {
            id: EntityId("alexander-lukashenko".into()),
            name: "Alexander Lukashenko".into(),
            label: "Person".into(),
            note: String::new(),
        });
    store.save_entities("bo").unwrap();
    // Bo's app has the project open while he syncs; it polls for changes afterwards.
    let (mut bo_app, _) = ProjectStore::open(&bo).unwrap();

    let report = team.sync(&bo, "bo").unwrap();
    let commit = report.committed.as_ref().unwrap();
    assert_eq!(commit.files, [set_path(DOC, "bo"), entities_path("bo")]);
    assert_eq!(
        commit.subject,
        "Lector: bo annotated \"Talks in Sochi\", updated entities"
    );
    assert_eq!(report.pulled.len(), 1, "{report}");
    assert_eq!(report.pulled[0].author, "anna (test)");
    assert_eq!(report.changes.len(), 1);
    assert_eq!(report.changes[0].annotator, "anna");
    assert_eq!(report.changes[0].documents[0].document, DOC);
    assert_eq!(report.changes[0].documents[0].title, "Talks in Sochi");
    assert_eq!(report.changes[0].documents[0].change, Change::Added);
    assert_eq!(report.pushed, 1);
    let text = report.to_string();
    assert!(
        text.contains("  anna: talks \"Talks in Sochi\" (new)"),
        "{text}"
    );

    let changes = bo_app.reload_changed("bo", &Default::default());
    assert_eq!(changes.reloaded, [(DOC.to_owned(), "anna".to_owned())]);
    assert!(changes.conflicts.is_empty(), "{changes:?}");

    // Anna syncs again and sees Bo's work.
    let report = team.sync(&anna, "anna").unwrap();
    assert!(report.committed.is_none());
    assert_eq!(report.pulled.len(), 1);
    assert_eq!(report.changes.len(), 1);
    assert_eq!(report.changes[0].annotator, "bo");
    assert_eq!(report.changes[0].entities, Some(Change::Added));
    assert_eq!(report.pushed, 0);
    assert_eq!(
        report.summary(),
        "pulled 1 commit (bo: 1 document and entities)"
    );

    let (at_anna, problems) = ProjectStore::open(&anna).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let (at_bo, problems) = ProjectStore::open(&bo).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        at_anna.project, at_bo.project,
        "both clones have the same project"
    );
    assert_eq!(
        at_anna
            .project
            .set(DOC, "anna")
            .unwrap()
            .annotations()
            .len(),
        2
    );
    assert_eq!(
        at_anna.project.set(DOC, "bo").unwrap().annotations().len(),
        1
    );
    assert!(at_anna.project.registry("bo").is_some());
    assert_eq!(
        team.git("anna", &anna, &["rev-parse", "HEAD"]),
        team.git("bo", &bo, &["rev-parse", "HEAD"])
    );
    for clone in [&anna, &bo] {
        assert_eq!(team.git("anna", clone, &["status", "--porcelain"]), "");
    }
}

#[test]
fn work_in_progress_is_committed_and_survives_the_rebase() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");
    annotate(&bo, "bo", "Person", (10, 20));
    team.sync(&bo, "bo").unwrap();

    // Anna's saved but uncommitted work, and a temporary file of a save under way.
    annotate(&anna, "anna", "Person", (0, 5));
    let mine = read(&anna, &set_path(DOC, "anna"));
    let temp = anna.join("annotations/anna/.talks.ron.1234abcd.lector-tmp");
    std::fs::write(&temp, "half a file").unwrap();

    let report = team.sync(&anna, "anna").unwrap();
    assert_eq!(report.pulled.len(), 1);
    assert_eq!(report.pushed, 1);
    let commit = report.committed.unwrap();
    assert_eq!(commit.files, [set_path(DOC, "anna")]);
    assert_eq!(read(&anna, &set_path(DOC, "anna")), mine);
    let head = team.git("anna", &anna, &["log", "-1", "--format=%h %s"]);
    assert_eq!(head.trim(), format!("{} {}", commit.id, commit.subject));
    let pushed = team.git(
        "anna",
        &anna,
        &["show", "origin/main:annotations/anna/talks.ron"],
    );
    assert_eq!(pushed, mine);
    assert!(temp.exists(), "the temporary file is left alone");
    assert_eq!(
        team.git("anna", &anna, &["status", "--porcelain"]),
        "?? annotations/anna/.talks.ron.1234abcd.lector-tmp\n"
    );
}

#[test]
fn a_colleagues_file_is_never_committed() {
    // The project lives in a folder of a larger repository.
    let team = Team::with_project("news");
    let anna = team.clone("anna", "news");
    let bo = team.clone("bo", "news");
    annotate(&bo, "bo", "Person", (10, 20));
    team.sync(&bo, "bo").unwrap();
    team.sync(&anna, "anna").unwrap();

    // Anna annotates; Bo's file is edited in her clone (by a tool, by mistake); files of
    // colleagues appear (copied in).
    annotate(&anna, "anna", "Person", (0, 5));
    let bo_file = set_path(DOC, "bo");
    let edited = read(&anna, &bo_file).replace("Person", "Place");
    std::fs::write(anna.join(&bo_file), &edited).unwrap();
    std::fs::create_dir_all(anna.join("annotations/erik")).unwrap();
    std::fs::write(anna.join("annotations/erik/talks.ron"), "()").unwrap();
    std::fs::create_dir_all(anna.join("entities")).unwrap();
    std::fs::write(anna.join("entities/bo.ron"), "()").unwrap();

    let err = team.sync(&anna, "anna").unwrap_err();
    let SyncError::DirtyTree { files, report } = &err else {
        panic!("{err}");
    };
    assert_eq!(files, std::slice::from_ref(&bo_file));
    let commit = report.committed.as_ref().unwrap();
    assert_eq!(commit.files, [set_path(DOC, "anna")]);
    assert_eq!(
        report.not_committed,
        [
            PathBuf::from("annotations/bo/talks.ron"),
            PathBuf::from("annotations/erik/talks.ron"),
            PathBuf::from("entities/bo.ron"),
        ]
    );
    let message = err.to_string();
    assert!(
        message.contains("your work is committed here as"),
        "{message}"
    );
    assert!(message.contains("annotations/bo/talks.ron"), "{message}");
    assert!(message.contains("git restore FILE"), "{message}");
    let in_commit = team.git("anna", &anna, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(in_commit, "news/annotations/anna/talks.ron\n");
    assert_eq!(read(&anna, &bo_file), edited, "the edit is left as it was");

    // Restoring Bo's file lets the sync finish; the untracked files stay untracked.
    team.git("anna", &anna, &["restore", "annotations/bo/talks.ron"]);
    let report = team.sync(&anna, "anna").unwrap();
    assert!(report.committed.is_none());
    assert_eq!(report.not_committed.len(), 2);
    assert_eq!(report.pushed, 1);
    let status = team.git("anna", &anna, &["status", "--porcelain", "-uall"]);
    assert_eq!(
        status, "?? news/annotations/erik/talks.ron\n?? news/entities/bo.ron\n",
        "{status}"
    );
}

#[test]
fn a_conflict_stops_and_keeps_both_versions() {
    // Unusual: the same annotator name in two clones, both annotating the same document.
    let team = Team::with_project("");
    let laptop = team.clone("laptop", "");
    let desktop = team.clone("desktop", "");
    annotate(&laptop, "anna", "Person", (0, 5));
    team.sync(&laptop, "anna").unwrap();
    annotate(&desktop, "anna", "Place", (24, 29));
    let mine = read(&desktop, &set_path(DOC, "anna"));

    let err = team.sync(&desktop, "anna").unwrap_err();
    let SyncError::Conflict {
        files,
        upstream,
        report,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(files, &[set_path(DOC, "anna")]);
    assert_eq!(upstream, "origin/main");
    let message = err.to_string();
    for words in [
        "annotations/anna/talks.ron",
        "git rebase --continue",
        "your work is committed here",
        "their own",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    // The user's commit is in place; nothing is half-done; both versions can be had.
    let commit = report.committed.as_ref().unwrap();
    let head = team.git("anna", &desktop, &["log", "-1", "--format=%h %s"]);
    assert_eq!(head.trim(), format!("{} {}", commit.id, commit.subject));
    assert_eq!(team.git("anna", &desktop, &["status", "--porcelain"]), "");
    assert!(!desktop.join(".git/rebase-merge").exists());
    assert_eq!(read(&desktop, &set_path(DOC, "anna")), mine);
    let theirs = team.git(
        "anna",
        &desktop,
        &["show", "origin/main:annotations/anna/talks.ron"],
    );
    assert_eq!(theirs, read(&laptop, &set_path(DOC, "anna")));
    // A second sync says the same, and changes nothing.
    assert!(matches!(
        team.sync(&desktop, "anna"),
        Err(SyncError::Conflict { .. })
    ));
    assert_eq!(
        team.git("anna", &desktop, &["log", "-1", "--format=%h"])
            .trim(),
        commit.id
    );
}

#[test]
fn outside_git_or_without_git_the_error_says_what_to_do() {
    let team = Team::new();
    let project = team.path("alone");
    ProjectStore::create(&project, "Alone").unwrap();
    let err = team.sync(&project, "anna").unwrap_err();
    assert!(matches!(err, SyncError::NotARepository { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("not in a git repository"), "{message}");
    assert!(message.contains("git init"), "{message}");
    assert!(
        message.ends_with(&project.display().to_string()),
        "{message}"
    );

    let err = team.sync(&team.path("nothing"), "anna").unwrap_err();
    assert!(matches!(err, SyncError::NotAProject { .. }), "{err}");

    let missing = Git::with_program(team.path("no-such-git"));
    let err = sync_with(&missing, &project, "anna").unwrap_err();
    assert!(matches!(err, SyncError::GitNotFound { .. }), "{err}");
    assert!(err.to_string().contains("not installed"), "{err}");

    let err = team.sync(&project, "../bo").unwrap_err();
    assert!(matches!(err, SyncError::BadAnnotator { .. }), "{err}");
}

#[test]
fn repository_states_that_cannot_sync_are_explained() {
    let team = Team::new();
    let repo = team.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    team.git("anna", &repo, &["init", "-q", "-b", "main"]);
    let mut store = ProjectStore::create(&repo, "Solo").unwrap();
    store
        .add_text("talks.txt", "Talks in Sochi", TEXT.to_owned())
        .unwrap();

    // No remote: the work is committed, including the document she added, and she is told.
    annotate(&repo, "anna", "Person", (0, 5));
    let report = team.sync(&repo, "anna").unwrap();
    let commit = report.committed.as_ref().unwrap();
    assert_eq!(
        commit.subject,
        "Lector: anna added \"Talks in Sochi\", annotated \"Talks in Sochi\""
    );
    assert_eq!(
        commit.files,
        [
            set_path(DOC, "anna"),
            PathBuf::from("documents/talks.txt"),
            PathBuf::from("project.ron"),
        ]
    );
    assert!(report.upstream.is_none());
    assert!(report.notes[0].contains("no remote"), "{:?}", report.notes);

    // A remote but no upstream branch.
    team.git(
        "anna",
        team.dir.path(),
        &["init", "-q", "--bare", "-b", "main", "o.git"],
    );
    let url = team.path("o.git");
    team.git(
        "anna",
        &repo,
        &["remote", "add", "origin", url.to_str().unwrap()],
    );
    let report = team.sync(&repo, "anna").unwrap();
    assert!(
        report.notes[0].contains("git push -u origin main"),
        "{:?}",
        report.notes
    );
    // With an upstream that does not exist yet, the push creates it.
    team.git("anna", &repo, &["config", "branch.main.remote", "origin"]);
    team.git(
        "anna",
        &repo,
        &["config", "branch.main.merge", "refs/heads/main"],
    );
    let report = team.sync(&repo, "anna").unwrap();
    assert_eq!(report.pushed, 1, "{report}");
    assert!(report.notes[0].contains("does not exist yet"), "{report}");
    let report = team.sync(&repo, "anna").unwrap();
    assert_eq!(
        report.summary(),
        "up to date: nothing to commit, pull or push"
    );

    // A rebase under way.
    let rebase = repo.join(".git/rebase-merge");
    std::fs::create_dir(&rebase).unwrap();
    let err = team.sync(&repo, "anna").unwrap_err();
    assert!(err.to_string().contains("git rebase --abort"), "{err}");
    std::fs::remove_dir(&rebase).unwrap();

    // A detached HEAD.
    team.git("anna", &repo, &["checkout", "-q", "--detach"]);
    let err = team.sync(&repo, "anna").unwrap_err();
    assert!(matches!(err, SyncError::DetachedHead { .. }), "{err}");
    assert!(err.to_string().contains("git switch BRANCH"), "{err}");
    team.git("anna", &repo, &["checkout", "-q", "main"]);

    // No author identity: the fix is given.
    team.git("anna", &repo, &["config", "user.useConfigOnly", "true"]);
    let nobody = Git::new()
        .env("GIT_CONFIG_GLOBAL", &team.config)
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let err = sync_with(&nobody, &repo, "anna").unwrap_err();
    assert!(matches!(err, SyncError::IdentityUnknown { .. }), "{err}");
    assert!(
        err.to_string().contains("git config --global user.email"),
        "{err}"
    );
}

#[test]
fn the_command_prints_the_report_and_fails_clearly() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    annotate(&anna, "anna", "Person", (0, 5));
    let lector = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_lector"))
            .args(["sync", dir.to_str().unwrap(), "--annotator", "anna"])
            .envs(team.env("anna"))
            .output()
            .unwrap()
    };
    let out = lector(&anna);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("branch main, synced with origin/main\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("committed 1 file as ") && stdout.contains("pushed 1 commit"),
        "{stdout}"
    );

    let alone = team.path("alone");
    ProjectStore::create(&alone, "Alone").unwrap();
    let out = lector(&alone);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("error: sync stopped: the project is not in a git repository"),
        "{stderr}"
    );
}

#[test]
fn an_untracked_copy_of_a_colleagues_file_is_not_overwritten() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");
    annotate(&bo, "bo", "Person", (10, 20));
    team.sync(&bo, "bo").unwrap();
    annotate(&anna, "anna", "Person", (0, 5));
    // Anna has a copy of Bo's file that git does not track (mailed to her, say).
    std::fs::create_dir_all(anna.join("annotations/bo")).unwrap();
    let copy = anna.join(set_path(DOC, "bo"));
    std::fs::write(&copy, "Bo's draft").unwrap();

    let err = team.sync(&anna, "anna").unwrap_err();
    let SyncError::Pull { report, .. } = &err else {
        panic!("{err}");
    };
    let message = err.to_string();
    assert!(message.contains("annotations/bo/talks.ron"), "{message}");
    assert!(message.contains("your work is committed here"), "{message}");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "Bo's draft");
    let commit = report.committed.as_ref().unwrap();
    let head = team.git("anna", &anna, &["log", "-1", "--format=%h"]);
    assert_eq!(head.trim(), commit.id);
    assert!(!anna.join(".git/rebase-merge").exists());
}
