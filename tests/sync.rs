//! Working as a team through git (issues 5 and 14): real `git`, a bare repository on disk as
//! the team's remote, one clone per annotator (or per machine of one annotator), and Lector's
//! merge driver run by git as the `lector` binary.
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
use std::time::{Duration, Instant};

use lector::model::{Annotation, AnnotationSet, Entity, EntityId, checked_fragments};
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

    /// Lector's git, as `who`, with the `lector` binary as the merge driver.
    fn git_for(&self, who: &str) -> Git {
        self.env(who)
            .into_iter()
            .fold(Git::new(), |git, (k, v)| git.env(k, v))
            .merge_driver(env!("CARGO_BIN_EXE_lector"))
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
        Self::with_project_from(sub, false)
    }

    /// The same, made before Lector had a merge driver: no `.gitattributes`.
    fn with_legacy_project() -> Self {
        Self::with_project_from("", true)
    }

    fn with_project_from(sub: &str, legacy: bool) -> Self {
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
        if legacy {
            std::fs::remove_file(seed.join(sub).join(".gitattributes")).unwrap();
        }
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

/// Changes `who`'s annotations of the document in a clone and saves them, as the app does.
fn edit(project: &Path, who: &str, change: impl FnOnce(&mut AnnotationSet)) {
    let (mut store, problems) = ProjectStore::open(project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    change(store.project.set_mut(DOC, who));
    store.save_set(DOC, who).unwrap();
}

/// `who`'s annotations of the document in a clone, as (quoted text, label, note), in order.
fn labels(project: &Path, who: &str) -> Vec<(String, String, String)> {
    let (store, problems) = ProjectStore::open(project).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let text = &store.project.document(DOC).unwrap().text;
    store
        .project
        .set(DOC, who)
        .map(|set| {
            set.annotations()
                .iter()
                .map(|a| (a.covered_text(text), a.label.to_string(), a.note.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn triple(quote: &str, label: &str, note: &str) -> (String, String, String) {
    (quote.to_owned(), label.to_owned(), note.to_owned())
}

#[test]
fn one_annotator_on_two_machines_merges_by_id() {
    // Anna annotates on her laptop and her desktop, under her own name in both clones.
    let team = Team::with_project("");
    let laptop = team.clone("laptop", "");
    let desktop = team.clone("desktop", "");
    for (label, span) in [
        ("Person", (0, 5)),
        ("Person", (10, 20)),
        ("Place", (24, 29)),
        ("Event", (33, 39)),
    ] {
        annotate(&laptop, "anna", label, span);
    }
    team.sync(&laptop, "anna").unwrap();
    team.sync(&desktop, "anna").unwrap();
    let hour = jiff::SignedDuration::from_hours(1);
    let now = jiff::Timestamp::now();
    let find = |set: &AnnotationSet, start: u32| {
        set.iter()
            .find(|a| a.start().0 == start)
            .unwrap()
            .id
            .clone()
    };

    // On the laptop, later in the day: "Putin" relabelled, "Lukashenko" and "Friday" deleted,
    // "met" added.
    edit(&laptop, "anna", |set| {
        let id = find(set, 0);
        set.update(&id, |a| {
            a.label = "Organization".into();
            a.modified = now + hour;
        });
        let id = find(set, 10);
        set.remove(&id);
        let id = find(set, 33);
        set.remove(&id);
    });
    annotate(&laptop, "anna", "Event", (6, 9));
    team.sync(&laptop, "anna").unwrap();

    // On the desktop, earlier (not yet synced): "Putin" relabelled otherwise, a note on
    // "Lukashenko" (deleted on the laptop), "Sochi" changed, "on" added.
    edit(&desktop, "anna", |set| {
        let id = find(set, 0);
        set.update(&id, |a| {
            a.label = "Other".into();
            a.modified = now - hour;
        });
        let id = find(set, 10);
        set.update(&id, |a| {
            a.note = "the president".into();
            a.modified = now - hour;
        });
        let id = find(set, 24);
        set.update(&id, |a| {
            a.note = "the resort".into();
            a.modified = now - hour;
        });
    });
    annotate(&desktop, "anna", "Other", (30, 32));
    let report = team.sync(&desktop, "anna").unwrap();

    assert_eq!(report.pushed, 1, "{report}");
    assert_eq!(report.merged.len(), 2, "{report}");
    assert!(
        report.merged[0].starts_with("annotations/anna/talks.ron: annotation")
            && report.merged[0].contains(
                "was changed on both sides: kept the later version (Organization “Putin”"
            ),
        "{:?}",
        report.merged
    );
    assert!(
        report.merged[1].contains(
            "was deleted on one side and changed on the other: kept the changed version (Person \
             “Lukashenko”)"
        ),
        "{:?}",
        report.merged
    );
    let text = report.to_string();
    assert!(
        text.contains("merged by id where both sides changed the same entry"),
        "{text}"
    );
    assert!(
        report
            .summary()
            .contains("2 changes made on both sides merged by id"),
        "{}",
        report.summary()
    );
    let expected = [
        triple("Putin", "Organization", ""),
        triple("met", "Event", ""),
        triple("Lukashenko", "Person", "the president"),
        triple("Sochi", "Place", "the resort"),
        triple("on", "Other", ""),
    ];
    assert_eq!(labels(&desktop, "anna"), expected);

    // The laptop gets the same.
    let report = team.sync(&laptop, "anna").unwrap();
    assert_eq!(report.pulled.len(), 1, "{report}");
    assert_eq!(labels(&laptop, "anna"), expected);
    assert_eq!(
        team.git("anna", &laptop, &["rev-parse", "HEAD"]),
        team.git("anna", &desktop, &["rev-parse", "HEAD"])
    );
    for clone in [&laptop, &desktop] {
        assert_eq!(team.git("anna", clone, &["status", "--porcelain"]), "");
    }
}

#[test]
fn a_plain_git_pull_in_a_terminal_merges_with_the_driver() {
    let team = Team::with_project("");
    let laptop = team.clone("laptop", "");
    let desktop = team.clone("desktop", "");
    annotate(&laptop, "anna", "Person", (0, 5));
    // The first sync sets the driver up in the laptop's clone.
    let report = team.sync(&laptop, "anna").unwrap();
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("set up Lector's merge driver")),
        "{report}"
    );
    let config = team.git("anna", &laptop, &["config", "merge.lector.driver"]);
    assert_eq!(
        config.trim(),
        format!("{} merge-driver %O %A %B %P", env!("CARGO_BIN_EXE_lector"))
    );
    team.sync(&desktop, "anna").unwrap();
    // Both change the same annotation and add one each; the laptop commits by hand.
    let now = jiff::Timestamp::now();
    edit(&desktop, "anna", |set| {
        let first = set.annotations()[0].id.clone();
        set.update(&first, |a| {
            a.note = "desktop".into();
            a.modified = now;
        });
    });
    annotate(&desktop, "anna", "Place", (24, 29));
    team.sync(&desktop, "anna").unwrap();
    edit(&laptop, "anna", |set| {
        let first = set.annotations()[0].id.clone();
        set.update(&first, |a| {
            a.note = "laptop".into();
            a.modified = now - jiff::SignedDuration::from_mins(5);
        });
    });
    annotate(&laptop, "anna", "Event", (33, 39));
    team.git("anna", &laptop, &["commit", "-q", "-am", "by hand"]);

    let out = Command::new("git")
        .current_dir(&laptop)
        .args(["pull", "--no-rebase", "--no-edit"])
        .envs(team.env("anna"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("lector: merged annotations/anna/talks.ron: annotation")
            && stderr.contains("kept the later version (Person “Putin”"),
        "the terminal shows what Lector chose: {stderr}"
    );
    assert_eq!(
        labels(&laptop, "anna"),
        [
            triple("Putin", "Person", "desktop"),
            triple("Sochi", "Place", ""),
            triple("Friday", "Event", ""),
        ]
    );
    assert_eq!(team.git("anna", &laptop, &["status", "--porcelain"]), "");
}

#[test]
fn a_label_schema_changed_on_both_sides_stops_with_both_versions() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");
    let recolour = |clone: &Path, who: &str, colour: &str| {
        let file = clone.join("project.ron");
        let text = read(clone, Path::new("project.ron"));
        let changed = text.replacen("#0072b2", colour, 1);
        assert_ne!(changed, text);
        std::fs::write(&file, changed).unwrap();
        team.git(
            who,
            clone,
            &["commit", "-q", "-am", "Person in another colour"],
        );
    };
    recolour(&anna, "anna", "#ff0000");
    team.sync(&anna, "anna").unwrap();
    recolour(&bo, "bo", "#00ff00");
    annotate(&bo, "bo", "Person", (0, 5));
    let mine = read(&bo, Path::new("project.ron"));

    let err = team.sync(&bo, "bo").unwrap_err();
    let SyncError::Conflict {
        files,
        explanations,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(files, &[PathBuf::from("project.ron")]);
    let [why] = explanations.as_slice() else {
        panic!("{explanations:?}");
    };
    assert!(
        why.starts_with("project.ron: the label schema was changed on both sides"),
        "{why}"
    );
    assert!(
        why.contains("label \"Person\":\n    pulled from origin/main: (name: \"Person\", kind: Entity, color: \"#ff0000\"")
            && why.contains("\n    yours:                   (name: \"Person\", kind: Entity, color: \"#00ff00\""),
        "both versions, one under the other: {why}"
    );
    let message = err.to_string();
    assert!(
        message.contains("Lector cannot merge all of it by itself"),
        "{message}"
    );
    assert!(message.contains("git rebase --continue"), "{message}");
    // The pull was undone: no file holds both versions between markers, so the message
    // does not say one does, and its next sentence starts on a line of its own.
    assert!(!message.contains("Both versions are in"), "{message}");
    assert!(
        message.contains("\nTo merge by hand: `git pull --rebase`"),
        "{message}"
    );
    // Nothing half-done: the rebase is undone, Bo's version and commits are in place.
    assert_eq!(team.git("bo", &bo, &["status", "--porcelain"]), "");
    assert!(!bo.join(".git/rebase-merge").exists());
    assert_eq!(read(&bo, Path::new("project.ron")), mine);
}

#[test]
fn two_clones_adding_articles_never_conflict() {
    // A team whose project predates the merge driver: the first syncs set it up.
    let team = Team::with_legacy_project();
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");
    let add = |clone: &Path, file: &str, title: &str, text: &str| {
        let (mut store, _) = ProjectStore::open(clone).unwrap();
        store.add_text(file, title, text.to_owned()).unwrap()
    };
    add(
        &anna,
        "minsk.txt",
        "Minsk",
        "Protesterna fortsätter i Minsk.\n",
    );
    add(&bo, "kyiv.txt", "Kyiv", "Kyiv väntar på besked.\n");

    let report = team.sync(&anna, "anna").unwrap();
    let commit = report.committed.as_ref().unwrap();
    assert_eq!(
        commit.files,
        [
            PathBuf::from(".gitattributes"),
            PathBuf::from("documents/minsk.txt"),
            PathBuf::from("project.ron"),
        ]
    );
    let report = team.sync(&bo, "bo").unwrap();
    assert_eq!(report.pushed, 1, "{report}");
    assert_eq!(report.documents.len(), 1, "{report}");
    assert_eq!(report.documents[0].document, "minsk");
    assert!(report.merged.is_empty(), "{report}");
    team.sync(&anna, "anna").unwrap();

    // Both add the same article.
    let same = "Riga är nästa.\n";
    add(&anna, "riga.txt", "Riga", same);
    add(&bo, "riga.txt", "Riga", same);
    team.sync(&anna, "anna").unwrap();
    let report = team.sync(&bo, "bo").unwrap();
    assert!(report.merged.len() <= 1, "{report}");
    team.sync(&anna, "anna").unwrap();

    let (at_anna, problems) = ProjectStore::open(&anna).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let (at_bo, problems) = ProjectStore::open(&bo).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = at_anna
        .project
        .documents
        .iter()
        .map(|d| d.meta.id.as_str())
        .collect();
    // What was pushed first comes first.
    assert_eq!(ids, ["talks", "minsk", "kyiv", "riga"]);
    assert_eq!(at_anna.project, at_bo.project);
    let attributes = read(&anna, Path::new(".gitattributes"));
    assert!(
        attributes.contains("/project.ron merge=lector"),
        "{attributes}"
    );
    let attr = team.git(
        "anna",
        &bo,
        &["check-attr", "merge", "--", "annotations/x/y.ron"],
    );
    assert_eq!(attr.trim(), "annotations/x/y.ron: merge: lector");
}

/// A script standing in for ssh that never answers, and writes its process id first.
fn hanging_ssh(team: &Team) -> (PathBuf, PathBuf) {
    let script = team.path("hanging-ssh");
    let pid = team.path("ssh.pid");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho $$ > '{}'\nexec sleep 60\n", pid.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, pid)
}

#[cfg(unix)]
#[test]
fn a_remote_that_does_not_answer_times_out_with_a_message() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    team.git(
        "anna",
        &anna,
        &[
            "remote",
            "set-url",
            "origin",
            "ssh://git@example.invalid/team.git",
        ],
    );
    annotate(&anna, "anna", "Person", (0, 5));
    let (ssh, pid) = hanging_ssh(&team);
    let git = team
        .git_for("anna")
        .env("GIT_SSH_COMMAND", &ssh)
        .network_timeout(Duration::from_secs(1));

    let started = Instant::now();
    let err = sync_with(&git, &anna, "anna").unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    let SyncError::TimedOut {
        command, report, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(command, "git pull");
    assert!(report.committed.is_some(), "the work is committed first");
    let message = err.to_string();
    for words in [
        "your work is committed here",
        "`git pull` did not finish within 1 s and was stopped",
        "origin did not answer",
        "sync again",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    // The ssh stand-in was stopped with git.
    let pid = std::fs::read_to_string(pid).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    // Gone, or a zombie, once the signal is delivered (a moment under load).
    let ended = (0..200).any(|_| {
        let state = std::fs::read_to_string(&stat).unwrap_or_default();
        let ended = state.is_empty() || state.contains(") Z");
        if !ended {
            std::thread::sleep(Duration::from_millis(10));
        }
        ended
    });
    assert!(ended, "the ssh stand-in {pid} still runs");
    assert!(!anna.join(".git/rebase-merge").exists());
}

#[test]
fn a_branch_that_does_not_follow_the_teams_is_explained_before_anything_is_pushed() {
    let team = Team::with_project("");
    let anna = team.clone("anna", "");
    let remote_heads = || team.git("anna", &anna, &["ls-remote", "--heads", "origin"]);
    let before = remote_heads();

    // A branch of her own without an upstream.
    team.git("anna", &anna, &["switch", "-q", "-c", "draft"]);
    annotate(&anna, "anna", "Person", (0, 5));
    let report = team.sync(&anna, "anna").unwrap();
    assert_eq!(report.pushed, 0);
    let note = report.notes.last().unwrap();
    assert!(
        note.contains("The team's branch on origin is main")
            && note.contains("`git branch --set-upstream-to=origin/main`")
            && note.contains("would start a new branch draft"),
        "{note}"
    );
    assert_eq!(remote_heads(), before, "nothing pushed");

    // A branch following one the remote does not have (renamed there since), while the
    // remote has others: nothing goes to a new branch.
    team.git("anna", &anna, &["config", "branch.draft.remote", "origin"]);
    team.git(
        "anna",
        &anna,
        &["config", "branch.draft.merge", "refs/heads/master"],
    );
    let err = team.sync(&anna, "anna").unwrap_err();
    let SyncError::NoRemoteBranch { upstream, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(upstream, "origin/master");
    let message = err.to_string();
    assert!(
        message.contains("origin has no branch master (it has main; its default is main)")
            && message.contains("nothing was pushed")
            && message.contains("`git branch --set-upstream-to=origin/main`"),
        "{message}"
    );
    assert_eq!(remote_heads(), before, "nothing pushed");

    // The command it gives fixes it: the work goes to the team's branch.
    team.git("anna", &anna, &["branch", "--set-upstream-to=origin/main"]);
    let report = team.sync(&anna, "anna").unwrap();
    assert_eq!(report.pushed, 1, "{report}");
    assert_eq!(report.upstream.as_deref(), Some("origin/main"));
    let pushed = team.git(
        "anna",
        &anna,
        &["show", "origin/main:annotations/anna/talks.ron"],
    );
    assert_eq!(pushed, read(&anna, &set_path(DOC, "anna")));
    assert!(!remote_heads().contains("draft") && !remote_heads().contains("master"));
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
        "Lector: anna added \"Talks in Sochi\", annotated \"Talks in Sochi\", set up merging \
         by id"
    );
    assert_eq!(
        commit.files,
        [
            PathBuf::from(".gitattributes"),
            set_path(DOC, "anna"),
            PathBuf::from("documents/talks.txt"),
            PathBuf::from("project.ron"),
        ]
    );
    assert!(report.upstream.is_none());
    assert!(
        report.notes[0].starts_with("set up Lector's merge driver in this clone"),
        "{:?}",
        report.notes
    );
    assert!(report.notes[1].contains("no remote"), "{:?}", report.notes);

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

    // The program under another name (a packaged `lector-1.2`, a renamed copy) still sets
    // itself up as the merge driver: it was recognised by its name, and a renamed one left
    // git merging Lector's files line by line, without a word.
    let bo = team.clone("bo", "");
    annotate(&bo, "bo", "Person", (10, 20));
    let renamed = team.path("lector-1.2");
    std::fs::copy(env!("CARGO_BIN_EXE_lector"), &renamed).unwrap();
    let out = Command::new(&renamed)
        .args(["sync", bo.to_str().unwrap(), "--annotator", "bo"])
        .envs(team.env("bo"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let driver = team.git("bo", &bo, &["config", "merge.lector.driver"]);
    assert!(
        driver
            .trim()
            .starts_with(&format!("{} merge-driver", renamed.display())),
        "{driver}"
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

/// Two clones of a project made before the merge driver both commit the same
/// `.gitattributes` in their first sync; the second's commit is left out by the rebase (the
/// upstream has the same change), and its report does not name a commit that is not there.
#[test]
fn a_commit_the_pull_leaves_out_is_not_reported_as_made() {
    let team = Team::with_legacy_project();
    let anna = team.clone("anna", "");
    let bo = team.clone("bo", "");
    let first = team.sync(&anna, "anna").unwrap();
    assert!(first.committed.is_some(), "{first}");
    let report = team.sync(&bo, "bo").unwrap();
    assert!(report.committed.is_none(), "{report}");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains(".gitattributes was left out by the pull")),
        "{report}"
    );
    assert!(
        !report.to_string().contains("committed 1 file as"),
        "{report}"
    );
}
