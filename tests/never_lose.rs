//! No work is ever lost, tried with real processes: writers at once (commands, a session like
//! the app's), a process killed right after an edit, exports that must not destroy, damaged
//! files that must not be skipped without a word.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use lector::model::{Annotation, checked_fragments};
use lector::session::{Edit, Session};
use lector::store::ProjectStore;

mod common;

const DOC: &str = "words";

fn lector() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lector"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run lector")
}

/// A project with one document of 600 words `w000 w001 …`: word `i` is at `5i..5i+4`.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("p");
    let mut store = ProjectStore::create(&root, "P").expect("create");
    let text: String = (0..600).map(|i| format!("w{i:03} ")).collect();
    let id = store.add_text("words.txt", "Words", text).expect("add");
    assert_eq!(id, DOC);
    (dir, root)
}

fn span(word: usize) -> String {
    format!("{}:{}", 5 * word, 5 * word + 4)
}

/// Runs `lector annotate` and returns the printed id when it says it succeeded.
fn annotate(root: &Path, annotator: &str, word: usize, entity: Option<&str>) -> Option<String> {
    let mut cmd = lector();
    cmd.args(["annotate"])
        .arg(root)
        .args([
            "--document",
            DOC,
            "--annotator",
            annotator,
            "--label",
            "Person",
        ])
        .args(["--span", &span(word)]);
    if let Some(entity) = entity {
        cmd.args(["--entity", entity]);
    }
    let out = run(&mut cmd);
    if !out.status.success() {
        eprintln!(
            "annotate word {word} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The ids in an annotator's saved file, after checking the whole project is sound.
fn saved_ids(root: &Path, annotator: &str) -> BTreeSet<String> {
    let check = run(lector().arg("check").arg(root));
    assert!(
        check.status.success(),
        "lector check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let (store, _) = ProjectStore::open(root).expect("open");
    store
        .project
        .set(DOC, annotator)
        .map(|s| s.annotations().iter().map(|a| a.id.0.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn two_processes_annotating_one_file_lose_nothing() {
    let (_dir, root) = project();
    let rounds = 100;
    let worker = |offset: usize| {
        let root = root.clone();
        std::thread::spawn(move || {
            (0..rounds)
                .map(|i| annotate(&root, "anna", 2 * i + offset, None))
                .collect::<Vec<_>>()
        })
    };
    let (a, b) = (worker(0), worker(1));
    let mut reported: Vec<Option<String>> = a.join().expect("worker a");
    reported.extend(b.join().expect("worker b"));
    let ok: BTreeSet<String> = reported.iter().flatten().cloned().collect();
    assert_eq!(
        ok.len(),
        2 * rounds,
        "every run succeeded and printed an id"
    );
    let saved = saved_ids(&root, "anna");
    let lost: Vec<&String> = ok.difference(&saved).collect();
    assert!(
        lost.is_empty(),
        "{} of {} ids lost: {lost:?}",
        lost.len(),
        ok.len()
    );
}

#[test]
fn new_entities_from_two_processes_are_all_kept() {
    let (_dir, root) = project();
    let worker = |offset: usize| {
        let root = root.clone();
        std::thread::spawn(move || {
            (0..30)
                .map(|i| {
                    let word = 2 * i + offset;
                    // Every third one names the same person in both processes.
                    let name = if i % 3 == 0 {
                        format!("Shared Person {i}")
                    } else {
                        format!("Person {word}")
                    };
                    annotate(&root, "anna", word, Some(&name))
                })
                .collect::<Vec<_>>()
        })
    };
    let (a, b) = (worker(0), worker(1));
    let mut ids = a.join().expect("a");
    ids.extend(b.join().expect("b"));
    assert!(ids.iter().all(Option::is_some), "every run succeeded");
    // `check` (inside saved_ids) fails on a mention whose entity is missing.
    let saved = saved_ids(&root, "anna");
    let lost: Vec<&String> = ids
        .iter()
        .flatten()
        .filter(|id| !saved.contains(*id))
        .collect();
    if !lost.is_empty() {
        let keep = std::env::temp_dir().join(format!("lector-lost-{}", std::process::id()));
        let _ = Command::new("cp").arg("-r").arg(&root).arg(&keep).status();
        panic!("lost {lost:?} (project kept in {})", keep.display());
    }
    assert_eq!(saved.len(), 60);
    let (store, _) = ProjectStore::open(&root).expect("open");
    let registry = store.project.registry("anna").expect("entities");
    assert_eq!(
        registry.entities.len(),
        10 + 40,
        "10 shared names, 40 of their own"
    );
    // And the annotator can go on annotating.
    assert!(annotate(&root, "anna", 500, Some("Person 500")).is_some());
}

/// A JSON Lines file of `n` annotations on words `from..from+n`, with fresh ids.
fn jsonl(path: &Path, from: usize, n: usize) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut out = String::new();
    for word in from..from + n {
        let id = format!("imp{word:07}");
        out.push_str(&format!(
            "{{\"document\":\"{DOC}\",\"annotator\":\"x\",\"id\":\"{id}\",\"label\":\"Place\",\
             \"fragments\":[[{},{}]],\"created\":\"2026-01-01T00:00:00Z\",\
             \"modified\":\"2026-01-01T00:00:00Z\"}}\n",
            5 * word,
            5 * word + 4
        ));
        ids.insert(id);
    }
    std::fs::write(path, out).expect("write jsonl");
    ids
}

#[test]
fn import_and_annotate_at_once_lose_nothing() {
    let (dir, root) = project();
    let files: Vec<(PathBuf, BTreeSet<String>)> = (0..10)
        .map(|k| {
            let path = dir.path().join(format!("in{k}.jsonl"));
            let ids = jsonl(&path, 300 + 20 * k, 20);
            (path, ids)
        })
        .collect();
    let importer = {
        let root = root.clone();
        let files = files.clone();
        std::thread::spawn(move || {
            files
                .iter()
                .map(|(path, _)| {
                    run(lector()
                        .arg("import")
                        .arg(&root)
                        .args(["--format", "jsonl", "--annotator", "anna"])
                        .arg(path))
                    .status
                    .success()
                })
                .collect::<Vec<bool>>()
        })
    };
    let annotated: BTreeSet<String> = (0..40)
        .filter_map(|i| annotate(&root, "anna", i, None))
        .collect();
    let imported = importer.join().expect("importer");
    assert!(imported.iter().all(|ok| *ok), "{imported:?}");
    assert_eq!(annotated.len(), 40);
    let saved = saved_ids(&root, "anna");
    let expected: BTreeSet<String> = files
        .iter()
        .flat_map(|(_, ids)| ids.iter().cloned())
        .chain(annotated)
        .collect();
    let lost: Vec<&String> = expected.difference(&saved).collect();
    assert!(lost.is_empty(), "lost {lost:?}");
}

fn person(store: &ProjectStore, word: u32) -> Annotation {
    let text = &store.project.document(DOC).expect("doc").text;
    let fragments = checked_fragments(text, &[(5 * word, 5 * word + 4)]).expect("span");
    Annotation::new("Organization", fragments)
}

#[test]
fn the_apps_session_and_commands_at_once_lose_nothing() {
    let (_dir, root) = project();
    let (store, _) = ProjectStore::open(&root).expect("open");
    let mut session = Session::new(store, "anna");
    let commands = {
        let root = root.clone();
        std::thread::spawn(move || {
            (0..40)
                .filter_map(|i| annotate(&root, "anna", 2 * i + 1, None))
                .collect::<BTreeSet<String>>()
        })
    };
    // The app: an edit, now and then a background save, as autosave does.
    let mut mine = BTreeSet::new();
    for i in 0..60u32 {
        let a = person(&session.store, 2 * i);
        mine.insert(a.id.0.to_string());
        session.apply(DOC, vec![Edit::insert(a)]).expect("edit");
        assert!(session.poll_save().is_empty());
        if i % 4 == 0 {
            assert!(session.save_in_background().is_empty());
        }
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    let theirs = commands.join().expect("commands");
    assert!(session.save_now().is_empty());
    drop(session);
    assert_eq!(theirs.len(), 40);
    let saved = saved_ids(&root, "anna");
    let expected: BTreeSet<String> = mine.union(&theirs).cloned().collect();
    let lost: Vec<&String> = expected.difference(&saved).collect();
    assert!(
        lost.is_empty(),
        "lost {} of {}: {lost:?}",
        lost.len(),
        expected.len()
    );
}

/// In a child test run by [`common::killed_child`]: a session like the app's, of
/// `annotator`, on the project named by the environment variable `var`; `None` when the
/// test runs as itself (not as a child), where it does nothing.
fn child_session(var: &str, annotator: &str) -> Option<Session> {
    let root = std::env::var(var).ok()?;
    let (store, _) = ProjectStore::open(Path::new(&root)).expect("open");
    Some(Session::new(store, annotator))
}

/// Tells the parent test `line` and waits to be killed (before any save).
fn say_and_wait(line: &str) {
    println!("{line}");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

/// The child side of `a_killed_session_comes_back_with_its_edit`: a session like the app's
/// makes an edit, says so, and waits to be killed before any save.
#[test]
fn crash_child() {
    let Some(mut session) = child_session("LECTOR_CRASH_CHILD", "anna") else {
        return;
    };
    let a = person(&session.store, 7);
    session
        .apply(DOC, vec![Edit::insert(a.clone())])
        .expect("edit");
    say_and_wait(&format!("EDITED {}", a.id));
}

#[test]
fn a_killed_session_comes_back_with_its_edit() {
    let (_dir, root) = project();
    let id = common::killed_child(
        "crash_child",
        &[("LECTOR_CRASH_CHILD", root.to_str().expect("utf-8 path"))],
        "EDITED ",
    );
    assert!(saved_ids(&root, "anna").is_empty(), "nothing was saved");
    let (store, _) = ProjectStore::open(&root).expect("open");
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert_eq!(recovery.edits, 1);
    assert!(
        session
            .store
            .project
            .set(DOC, "anna")
            .expect("set")
            .get(&lector::model::AnnotationId::from(id.as_str()))
            .is_some()
    );
    assert!(session.save_now().is_empty());
    drop(session);
    assert_eq!(saved_ids(&root, "anna"), BTreeSet::from([id]));
    assert!(
        journal_names(&root).is_empty(),
        "journals are cleaned up once saved"
    );
}

/// As the app opens a project: another document first, the killed session's document's
/// file (saved before, so there is one) read later on another thread. The edit comes back
/// all the same (it was refused as still being read, and the journal deleted with it).
#[test]
fn a_killed_sessions_edit_comes_back_when_another_document_opens_first() {
    let (_dir, root) = project();
    let (mut store, _) = ProjectStore::open(&root).expect("open");
    let first = store
        .add_text("a.txt", "A", "Another article.\n".to_owned())
        .expect("add");
    drop(store);
    let saved = annotate(&root, "anna", 2, None).expect("annotate");
    let id = common::killed_child(
        "crash_child",
        &[("LECTOR_CRASH_CHILD", root.to_str().expect("utf-8 path"))],
        "EDITED ",
    );
    assert_eq!(saved_ids(&root, "anna"), BTreeSet::from([saved.clone()]));
    let (store, _) = ProjectStore::open_first(&root, Some(&first)).expect("open");
    assert!(!store.is_loaded(DOC), "read later, as the app does");
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert_eq!(recovery.edits, 1, "{:?}", recovery.problems);
    assert!(session.store.load_remaining().is_empty());
    assert!(session.save_now().is_empty());
    drop(session);
    assert_eq!(saved_ids(&root, "anna"), BTreeSet::from([saved, id]));
}

fn export(root: &Path, out: &Path) -> Output {
    run(lector()
        .arg("export")
        .arg(root)
        .args(["--format", "jsonl", "--out"])
        .arg(out))
}

#[test]
fn exports_never_destroy_what_out_names() {
    let (dir, root) = project();
    assert!(annotate(&root, "anna", 3, None).is_some());
    // Inside the project: refused, the project still loads.
    for inside in ["project.ron", "annotations/anna/words.ron", "new.jsonl"] {
        let target = root.join(inside);
        let before = std::fs::read(&target).ok();
        let out = export(&root, &target);
        assert_eq!(out.status.code(), Some(2), "{inside}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("inside the project folder"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(&target).ok(), before, "{inside} untouched");
    }
    // Through a symlink outside the project that points inside: refused too.
    let sneaky = dir.path().join("sneaky.jsonl");
    std::os::unix::fs::symlink(root.join("project.ron"), &sneaky).expect("symlink");
    assert_eq!(export(&root, &sneaky).status.code(), Some(2));
    assert_eq!(saved_ids(&root, "anna").len(), 1, "the project loads");
    // A device is written to, never replaced.
    let null = export(&root, Path::new("/dev/null"));
    assert!(
        null.status.success(),
        "{}",
        String::from_utf8_lossy(&null.stderr)
    );
    use std::os::unix::fs::FileTypeExt as _;
    assert!(
        std::fs::metadata("/dev/null")
            .expect("null")
            .file_type()
            .is_char_device()
    );
    let full = export(&root, Path::new("/dev/full"));
    assert_eq!(
        full.status.code(),
        Some(2),
        "a full device is an error, not success"
    );
    assert!(
        std::fs::metadata("/dev/full")
            .expect("full")
            .file_type()
            .is_char_device()
    );
    // `-` is standard output.
    let stdout = export(&root, Path::new("-"));
    assert!(stdout.status.success());
    let text = String::from_utf8_lossy(&stdout.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"label\":\"Person\""), "{text}");
    // A symlink to a file outside: the target gets the export, the link stays.
    let target = dir.path().join("real.jsonl");
    std::fs::write(&target, "old").expect("write");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert!(export(&root, &link).status.success());
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .expect("target")
            .contains("Person")
    );
    // A FIFO with a reader gets the bytes; one without a reader is an error, not a hang.
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let lonely = export(&root, &fifo);
    assert_eq!(lonely.status.code(), Some(2));
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .expect("cat");
    // `cat` opens the FIFO when it gets to it: until then there is no reader, an error.
    let delivered = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        export(&root, &fifo).status.success()
    });
    assert!(delivered);
    let read = reader.wait_with_output().expect("cat output");
    assert!(String::from_utf8_lossy(&read.stdout).contains("Person"));
    assert!(
        std::fs::metadata(&fifo)
            .expect("fifo")
            .file_type()
            .is_fifo()
    );
}

#[test]
fn damaged_files_stop_reading_commands_unless_partial() {
    let (_dir, root) = project();
    for word in 0..40 {
        assert!(annotate(&root, "anna", word, None).is_some());
    }
    let file = root.join("annotations/anna/words.ron");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, &text[..text.len() / 2]).expect("cut");
    let out_file = root.parent().expect("parent").join("out.jsonl");
    for args in [
        vec![
            "export",
            "--format",
            "jsonl",
            "--out",
            out_file.to_str().expect("utf8"),
        ],
        vec!["stats"],
        vec!["agree"],
    ] {
        let mut cmd = lector();
        cmd.arg(args[0]).arg(&root).args(&args[1..]);
        let out = run(&mut cmd);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("annotations/anna/words.ron"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("--partial"), "{stderr}");
    }
    assert!(!out_file.exists(), "nothing half exported");
    let out = run(lector()
        .arg("export")
        .arg(&root)
        .args(["--format", "jsonl", "--partial", "--out"])
        .arg(&out_file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("left out or suspect") && stderr.contains("words.ron"),
        "{stderr}"
    );
}

/// Two annotators' 400 spans each on a long text, 360 of them the same: a review start takes
/// hundreds of agreements in one step (the decisions go in all at once).
fn long_review_project() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("long");
    let mut store = ProjectStore::create(&root, "long").expect("create");
    let sentence = "Lukashenko met Putin in Sochi. ";
    let doc = store
        .add_text("long.txt", "Long", sentence.repeat(400))
        .expect("add");
    let text = store.project.document(&doc).expect("doc").text.clone();
    let n = sentence.chars().count() as u32;
    for annotator in ["anna", "erik"] {
        let annotations: Vec<Annotation> = (0..400u32)
            .filter(|i| annotator == "anna" || i % 10 != 0)
            .map(|i| {
                let fragments = checked_fragments(&text, &[(i * n, i * n + 10)]).expect("span");
                Annotation::new("Person", fragments)
            })
            .collect();
        store
            .project
            .set_mut(&doc, annotator)
            .replace_all(annotations);
        store.save_set(&doc, annotator).expect("save");
    }
    (dir, root, doc)
}

/// The edits with which olga takes every agreement of anna and erik on `doc`.
fn agreements(project: &lector::model::Project, doc: &str) -> Vec<Edit> {
    let pair = ["anna".to_owned(), "erik".to_owned()];
    let alignment = lector::review::align_document(project, doc, &pair).expect("align");
    lector::review::adjudication::take_agreements(project, doc, "olga", &alignment)
}

/// That no review was saved (the folder is missing or empty).
fn no_review_saved(root: &Path) -> bool {
    std::fs::read_dir(root.join("reviews")).map_or(true, |mut d| d.next().is_none())
}

/// The project opened again by olga's reviewing session, which recovers what its journals
/// hold (`why` there must be some).
fn recovered_reviewer(root: &Path, why: &str) -> Session {
    let (store, _) = ProjectStore::open(root).expect("open");
    let mut session = Session::new(store, lector::model::review::review_set_name("olga"));
    assert!(session.recover().is_some(), "{why}");
    session
}

/// The entity the redo and save children make, with mentions of it.
fn acme() -> lector::model::Entity {
    lector::model::Entity {
        id: lector::model::EntityId("acme".into()),
        name: "Acme".into(),
        label: "Organization".into(),
        note: String::new(),
    }
}

/// The child side of `a_killed_review_start_comes_back_whole`: a reviewer's session takes
/// every agreement, says how many, and waits to be killed before any save.
#[test]
fn review_crash_child() {
    let reviewer = lector::model::review::review_set_name("olga");
    let (Some(mut session), Ok(doc)) = (
        child_session("LECTOR_REVIEW_CRASH_CHILD", &reviewer),
        std::env::var("LECTOR_REVIEW_CRASH_DOC"),
    ) else {
        return;
    };
    let edits = agreements(&session.store.project, &doc);
    session.apply(&doc, edits).expect("take the agreements");
    let taken = session
        .store
        .project
        .review(&doc, "olga")
        .map_or(0, |r| r.decisions.len());
    say_and_wait(&format!("TAKEN {taken}"));
}

/// A reviewer's session killed right after starting a long review (360 agreements, taken
/// in one step) comes back with every decision and every annotation taken.
#[test]
fn a_killed_review_start_comes_back_whole() {
    let (_dir, root, doc) = long_review_project();
    let taken: usize = common::killed_child(
        "review_crash_child",
        &[
            (
                "LECTOR_REVIEW_CRASH_CHILD",
                root.to_str().expect("utf-8 path"),
            ),
            ("LECTOR_REVIEW_CRASH_DOC", &doc),
        ],
        "TAKEN ",
    )
    .parse()
    .expect("a count");
    assert_eq!(taken, 360, "anna's 400 less erik's 40 left out");
    assert!(no_review_saved(&root), "nothing was saved before the kill");

    let mut session = recovered_reviewer(&root, "the journal has the review start");
    let project = &session.store.project;
    assert_eq!(
        project
            .review(&doc, "olga")
            .map_or(0, |r| r.decisions.len()),
        taken
    );
    assert_eq!(
        project
            .set(&doc, "review.olga")
            .map_or(0, |s| s.annotations().len()),
        taken
    );
    assert!(session.save_now().is_empty());
    let (reopened, problems) = ProjectStore::open(&root).expect("reopen");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        reopened
            .project
            .review(&doc, "olga")
            .map_or(0, |r| r.decisions.len()),
        taken
    );
}

/// The child side of `a_killed_sessions_redo_comes_back_with_its_entities`: anna makes an
/// entity and 100 mentions of it in one step, undoes it, redoes it, says so and waits to be
/// killed before any save.
#[test]
fn redo_crash_child() {
    let Some(mut session) = child_session("LECTOR_REDO_CRASH_CHILD", "anna") else {
        return;
    };
    let entity = acme();
    let mut edits = vec![Edit::UpsertEntity(Box::new(entity.clone()))];
    for word in 0..100 {
        let mut mention = person(&session.store, word);
        mention.entity = Some(entity.id.clone());
        edits.push(Edit::insert(mention));
    }
    session.apply(DOC, edits).expect("tag");
    assert!(session.undo(DOC) && session.redo(DOC));
    let n = session
        .store
        .project
        .set(DOC, "anna")
        .map_or(0, |s| s.annotations().len());
    say_and_wait(&format!("REDONE {n}"));
}

/// A session killed after redoing a big step that made an entity and its mentions comes
/// back with all of them: the redo lists the mentions before the entity, and recovery
/// replays the step whole (edit by edit, it refused every mention).
#[test]
fn a_killed_sessions_redo_comes_back_with_its_entities() {
    let (_dir, root) = project();
    let n: usize = common::killed_child(
        "redo_crash_child",
        &[(
            "LECTOR_REDO_CRASH_CHILD",
            root.to_str().expect("utf-8 path"),
        )],
        "REDONE ",
    )
    .parse()
    .expect("a count");
    assert_eq!(n, 100);
    assert!(saved_ids(&root, "anna").is_empty(), "nothing was saved");
    let (store, _) = ProjectStore::open(&root).expect("open");
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    let project = &session.store.project;
    assert_eq!(
        project
            .set(DOC, "anna")
            .map_or(0, |s| s.annotations().len()),
        n
    );
    assert!(
        project
            .registry("anna")
            .and_then(|r| r.get(&lector::model::EntityId("acme".into())))
            .is_some()
    );
    assert!(session.save_now().is_empty());
    drop(session);
    assert_eq!(saved_ids(&root, "anna").len(), n);
}

/// The child side of `an_entity_made_while_a_save_ran_comes_back_with_its_mention`: anna
/// tags, a save starts, and while it runs she makes an entity and a mention of it in one
/// step; once the save is in, she says so and waits to be killed.
#[test]
fn save_crash_child() {
    let Some(mut session) = child_session("LECTOR_SAVE_CRASH_CHILD", "anna") else {
        return;
    };
    let first = person(&session.store, 1);
    session.apply(DOC, vec![Edit::insert(first)]).expect("tag");
    assert!(session.save_in_background().is_empty());
    let entity = acme();
    let mut mention = person(&session.store, 2);
    mention.entity = Some(entity.id.clone());
    session
        .apply(
            DOC,
            vec![
                Edit::UpsertEntity(Box::new(entity)),
                Edit::insert(mention.clone()),
            ],
        )
        .expect("mention");
    assert!(session.wait_for_save().is_empty());
    // The journal the save rewrote is the only one left: the one before it (with the step
    // whole) is removed once the new one is synced.
    let root = session.store.root().to_path_buf();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while journal_names(&root).len() > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(journal_names(&root).len(), 1);
    say_and_wait(&format!("MENTIONED {}", mention.id));
}

/// A session killed after a save that ran while it made an entity and a mention of it:
/// the save rewrote the journal with what it left unsaved, one edit at a time, and the
/// mention came before its entity there (recovery refused it: lost).
#[test]
fn an_entity_made_while_a_save_ran_comes_back_with_its_mention() {
    let (_dir, root) = project();
    let id = common::killed_child(
        "save_crash_child",
        &[(
            "LECTOR_SAVE_CRASH_CHILD",
            root.to_str().expect("utf-8 path"),
        )],
        "MENTIONED ",
    );
    assert_eq!(saved_ids(&root, "anna").len(), 1, "the first tag was saved");
    let (store, _) = ProjectStore::open(&root).expect("open");
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    assert!(session.save_now().is_empty());
    drop(session);
    assert!(saved_ids(&root, "anna").contains(&id));
}

/// The journal files of the project's sessions, by name.
fn journal_names(root: &Path) -> BTreeSet<String> {
    std::fs::read_dir(root.join(".lector/journal"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The child side of the staged review tests: a reviewer's session tags one span of its
/// own, then takes every agreement as the app starts a big review, on another thread
/// ([`Session::stage`], [`lector::session::Stage::run`]); adopted or not as
/// `LECTOR_STAGED_CRASH_ADOPT` says. It says how many it took and waits to be killed.
#[test]
fn staged_review_crash_child() {
    let reviewer = lector::model::review::review_set_name("olga");
    let (Some(mut session), Ok(doc), Ok(adopt)) = (
        child_session("LECTOR_STAGED_CRASH_CHILD", &reviewer),
        std::env::var("LECTOR_STAGED_CRASH_DOC"),
        std::env::var("LECTOR_STAGED_CRASH_ADOPT"),
    ) else {
        return;
    };
    let text = session
        .store
        .project
        .document(&doc)
        .expect("doc")
        .text
        .clone();
    let own = Annotation::new(
        "Place",
        checked_fragments(&text, &[(24, 29)]).expect("Sochi"),
    );
    session
        .apply(&doc, vec![Edit::insert(own.clone())])
        .expect("tag");
    let stage = session.stage(&doc, &reviewer);
    let document = doc.clone();
    let staged = std::thread::spawn(move || {
        let edits = agreements(stage.project(), &document);
        stage.run(edits)
    })
    .join()
    .expect("the step's thread");
    if adopt == "1" {
        session.adopt(staged).expect("adopt");
        let taken = session
            .store
            .project
            .review(&doc, "olga")
            .map_or(0, |r| r.decisions.len());
        say_and_wait(&format!("TAKEN {taken} {}", own.id));
    } else {
        // Killed with the step applied to the copy and journalled, not yet taken in.
        let _held = staged;
        say_and_wait(&format!("TAKEN 0 {}", own.id));
    }
}

/// Runs [`staged_review_crash_child`] on a fresh long review project, kills it, and opens
/// the project again as the reviewer, recovering what the journals hold: the project, the
/// session and what the child said (its count of decisions and its own tag's id).
fn staged_review_killed(
    adopt: bool,
) -> (tempfile::TempDir, PathBuf, Session, String, usize, String) {
    let (dir, root, doc) = long_review_project();
    let said = common::killed_child(
        "staged_review_crash_child",
        &[
            (
                "LECTOR_STAGED_CRASH_CHILD",
                root.to_str().expect("utf-8 path"),
            ),
            ("LECTOR_STAGED_CRASH_DOC", &doc),
            ("LECTOR_STAGED_CRASH_ADOPT", if adopt { "1" } else { "0" }),
        ],
        "TAKEN ",
    );
    let (taken, own) = said.split_once(' ').expect("a count and an id");
    let taken: usize = taken.parse().expect("a count");
    let names = journal_names(&root);
    assert!(
        names.iter().any(|n| n.ends_with(".staged")) != adopt,
        "the step's journal is named as staged until adopted: {names:?}"
    );
    assert!(no_review_saved(&root), "nothing was saved before the kill");
    let session = recovered_reviewer(&root, "the journal has the reviewer's own tag");
    (dir, root, session, doc, taken, own.to_owned())
}

/// A reviewer's session killed right after a big review's start was applied on another
/// thread and taken in: everything comes back, the tag before it too, and is saved whole.
#[test]
fn a_killed_staged_review_start_comes_back_whole() {
    let (_dir, root, mut session, doc, taken, own) = staged_review_killed(true);
    assert_eq!(taken, 360, "anna's 400 less erik's 40 left out");
    let doc = doc.as_str();
    let set = session.store.project.set(doc, "review.olga").expect("set");
    assert_eq!(
        set.annotations().len(),
        taken + 1,
        "the agreements and the tag"
    );
    assert!(
        set.get(&lector::model::AnnotationId::from(own.as_str()))
            .is_some()
    );
    assert_eq!(
        session
            .store
            .project
            .review(doc, "olga")
            .map_or(0, |r| r.decisions.len()),
        taken
    );
    assert!(session.save_now().is_empty());
    drop(session);
    assert!(
        journal_names(&root).is_empty(),
        "{:?}",
        journal_names(&root)
    );
    let (reopened, problems) = ProjectStore::open(&root).expect("reopen");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        reopened
            .project
            .set(doc, "review.olga")
            .map_or(0, |s| s.annotations().len()),
        taken + 1
    );
}

/// Killed after the step was applied on another thread and journalled, before the window
/// took it in: the user never saw it, so it is not replayed (a review started again would
/// take the agreements twice), and its journal goes; the tag made before it comes back.
#[test]
fn a_killed_staged_step_never_taken_in_is_not_replayed() {
    let (_dir, root, mut session, doc, taken, own) = staged_review_killed(false);
    assert_eq!(taken, 0);
    let doc = doc.as_str();
    let set = session.store.project.set(doc, "review.olga").expect("set");
    assert_eq!(set.annotations().len(), 1, "the tag alone");
    assert!(
        set.get(&lector::model::AnnotationId::from(own.as_str()))
            .is_some()
    );
    assert!(
        session
            .store
            .project
            .review(doc, "olga")
            .is_none_or(|r| r.decisions.is_empty())
    );
    assert!(
        !journal_names(&root).iter().any(|n| n.contains("staged")),
        "{:?}",
        journal_names(&root)
    );
    assert!(session.save_now().is_empty());
    drop(session);
    assert!(
        journal_names(&root).is_empty(),
        "{:?}",
        journal_names(&root)
    );
}

/// The second document of [`project_with_a_big_file`].
const SMALL: &str = "small";

/// A project whose annotator anna has 300 saved annotations (a file of about 90 kB), and a
/// second, small document; the big file's bytes.
fn project_with_a_big_file() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let (dir, root) = project();
    let (mut store, _) = ProjectStore::open(&root).expect("open");
    let small = store
        .add_text("small.txt", "Small", "Putin möter Lukashenko.".to_owned())
        .expect("add");
    assert_eq!(small, SMALL);
    let many: Vec<Annotation> = (0..300).map(|w| person(&store, w)).collect();
    store.project.set_mut(DOC, "anna").insert_many(many);
    store.save_set(DOC, "anna").expect("save");
    let bytes = std::fs::read(anna_file(&root)).expect("read");
    assert!(bytes.len() > 60_000, "{} bytes", bytes.len());
    (dir, root, bytes)
}

fn anna_file(root: &Path) -> PathBuf {
    root.join(lector::store::set_path(DOC, "anna"))
}

/// `sh` running `program` with files limited to 40 blocks of 512 bytes (`ulimit -f`, 20 kB):
/// a write past that fails as on a full disk (EFBIG; the signal that would kill the
/// process is ignored), while the small files (locks, the journal) are still written.
fn limited(program: &Path) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -f 40 && trap '' XFSZ && exec \"$0\" \"$@\"")
        .arg(program);
    cmd
}

/// Files in anna's folder other than her files of the documents: what a failed save left.
fn strays(root: &Path) -> Vec<String> {
    std::fs::read_dir(anna_file(root).parent().expect("folder"))
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| ![DOC, SMALL].iter().any(|d| name == &format!("{d}.ron")))
        .collect()
}

/// A command whose save the file system refuses midway (the file would pass the size limit)
/// changes nothing on disk, leaves no temporary file, and says which file and why, once.
#[cfg(unix)]
#[test]
fn a_save_the_file_system_refuses_leaves_the_file_and_says_why() {
    let (dir, root, before) = project_with_a_big_file();
    let out = run(limited(Path::new(env!("CARGO_BIN_EXE_lector")))
        .arg("annotate")
        .arg(&root)
        .args([
            "--document",
            DOC,
            "--annotator",
            "anna",
            "--label",
            "Person",
        ])
        .args(["--span", &span(400)]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let reason = std::io::Error::from_raw_os_error(27).to_string();
    let file = anna_file(&root).display().to_string();
    assert!(stderr.contains(&file), "names the file: {stderr}");
    assert_eq!(
        stderr.matches(&reason).count(),
        1,
        "says why once: {stderr}"
    );
    assert_eq!(std::fs::read(anna_file(&root)).expect("read"), before);
    assert_eq!(strays(&root), Vec::<String>::new());
    // A new annotator's first file, too big for the limit: refused, and the folder made for
    // it goes with it.
    let import = dir.path().join("many.jsonl");
    jsonl(&import, 0, 300);
    let out = run(limited(Path::new(env!("CARGO_BIN_EXE_lector")))
        .arg("import")
        .arg(&root)
        .args(["--format", "jsonl", "--annotator", "bo"])
        .arg(&import));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches(&reason).count(),
        1,
        "says why once: {stderr}"
    );
    let bo = root.join(lector::store::set_path(DOC, "bo"));
    assert!(!bo.exists(), "{stderr}");
    assert!(
        !bo.parent().expect("folder").exists(),
        "no empty folder left"
    );
    // Without the limit the same command saves.
    let id = annotate(&root, "anna", 400, None).expect("annotate");
    let ids = saved_ids(&root, "anna");
    assert_eq!(ids.len(), 301);
    assert!(ids.contains(&id));
}

#[test]
fn refused_save_child() {
    let Some(mut session) = child_session("LECTOR_REFUSED_SAVE_CHILD", "anna") else {
        return;
    };
    let a = person(&session.store, 400);
    session
        .apply(DOC, vec![Edit::insert(a.clone())])
        .expect("edit");
    // An edit of a small file too, whose save goes through: the journal is then rewritten
    // with what is still unsaved.
    let text = session
        .store
        .project
        .document(SMALL)
        .expect("doc")
        .text
        .clone();
    let b = Annotation::new("Person", checked_fragments(&text, &[(0, 5)]).expect("span"));
    session.apply(SMALL, vec![Edit::insert(b)]).expect("edit");
    let errors = session.save_now();
    assert_eq!(errors.len(), 1, "{errors:?}");
    say_and_wait(&format!("REFUSED {} {}", a.id, errors[0]));
}

/// The app's session whose save of one file the file system refuses while another file
/// saves (then the app is killed): the file is as it was, the other has its edit, and the
/// refused edit comes back from the journal in the next session, which saves it.
#[cfg(unix)]
#[test]
fn an_edit_whose_save_was_refused_comes_back_after_a_crash() {
    let (_dir, root, before) = project_with_a_big_file();
    let said = common::killed_child_in(
        limited(&std::env::current_exe().expect("test binary")),
        "refused_save_child",
        &[(
            "LECTOR_REFUSED_SAVE_CHILD",
            root.to_str().expect("utf-8 path"),
        )],
        "REFUSED ",
    );
    let (id, error) = said.split_once(' ').expect("id and error");
    assert!(
        error.contains(&anna_file(&root).display().to_string()),
        "{error}"
    );
    assert_eq!(std::fs::read(anna_file(&root)).expect("read"), before);
    assert_eq!(strays(&root), Vec::<String>::new());
    let (store, _) = ProjectStore::open(&root).expect("open");
    assert_eq!(
        store.project.set(SMALL, "anna").map(|s| s.len()),
        Some(1),
        "saved"
    );
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert_eq!(recovery.edits, 1);
    assert!(session.save_now().is_empty());
    drop(session);
    let ids = saved_ids(&root, "anna");
    assert_eq!(ids.len(), 301);
    assert!(ids.contains(id));
}

#[test]
fn journal_failure_child() {
    let Some(mut session) = child_session("LECTOR_JOURNAL_FAILURE_CHILD", "anna") else {
        return;
    };
    // 200 annotations: about 50 kB of journal, past the 20 kB the child may write.
    let many: Vec<Edit> = (0..200)
        .map(|w| Edit::insert(person(&session.store, w)))
        .collect();
    session.apply(DOC, many).expect("the step applies");
    let error = session
        .take_journal_error()
        .expect("the journal said it failed");
    let one = person(&session.store, 300);
    session
        .apply(DOC, vec![Edit::insert(one.clone())])
        .expect("edit");
    say_and_wait(&format!("JOURNALED {} after: {error}", one.id));
}

/// A step whose journal write the file system refuses part way (a full disk; here a file
/// size limit): the app says its edits are not journalled, takes the part written out
/// again, and an edit after it is journalled whole: killed then, the next session gets that
/// edit back (before, the torn step swallowed it).
#[cfg(unix)]
#[test]
fn an_edit_after_a_failed_journal_write_comes_back_after_a_crash() {
    let (_dir, root) = project();
    let said = common::killed_child_in(
        limited(&std::env::current_exe().expect("test binary")),
        "journal_failure_child",
        &[(
            "LECTOR_JOURNAL_FAILURE_CHILD",
            root.to_str().expect("utf-8 path"),
        )],
        "JOURNALED ",
    );
    let (id, error) = said.split_once(" after: ").expect("id and error");
    assert!(error.contains("not journalled"), "{error}");
    let (store, _) = ProjectStore::open(&root).expect("open");
    let mut session = Session::new(store, "anna");
    let recovery = session.recover().expect("something to recover");
    assert_eq!(recovery.edits, 1, "{:?}", recovery.problems);
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    let set = session.store.project.set(DOC, "anna").expect("set");
    assert_eq!(set.len(), 1);
    assert!(set.get(&lector::model::AnnotationId::from(id)).is_some());
}

/// Annotations in the big set of `big_save_crash_child`: enough that each save after the
/// first writes most of the file from the bytes of the save before.
const BIG: u32 = 25_000;

/// The child side of `a_session_killed_while_saving_a_big_set_loses_nothing`: a session
/// like the app's tags and saves a big set, twice, says which tags it made, then goes on
/// tagging and saving until it is killed, in the middle of a save.
#[test]
fn big_save_crash_child() {
    let Some(mut session) = child_session("LECTOR_BIG_SAVE_CHILD", "anna") else {
        return;
    };
    let mut made = Vec::new();
    for round in 0..200u32 {
        let a = person(&session.store, round % 600);
        made.push(a.id.to_string());
        session.apply(DOC, vec![Edit::insert(a)]).expect("edit");
        if round == 2 {
            println!("TAGGED {}", made.join(" "));
        }
        assert!(session.save_now().is_empty());
    }
    say_and_wait("NEVER KILLED");
}

/// Killed while saving a big set from the bytes of the save before: the file on disk is one
/// of the saves, whole (it reads without a problem), and the crash journal brings back
/// every tag the session made before it was killed.
#[test]
fn a_session_killed_while_saving_a_big_set_loses_nothing() {
    let (_dir, root) = project();
    let (mut store, _) = ProjectStore::open(&root).expect("open");
    let many: Vec<Annotation> = (0..BIG).map(|i| person(&store, i % 600)).collect();
    store.project.set_mut(DOC, "anna").replace_all(many);
    store.save_set(DOC, "anna").expect("save");
    drop(store);
    let tagged = common::killed_child(
        "big_save_crash_child",
        &[("LECTOR_BIG_SAVE_CHILD", root.to_str().expect("utf-8 path"))],
        "TAGGED ",
    );
    let tagged: BTreeSet<String> = tagged.split_whitespace().map(str::to_owned).collect();
    assert_eq!(tagged.len(), 3);
    let (store, problems) = ProjectStore::open(&root).expect("open");
    assert!(problems.is_empty(), "the file is whole: {problems:?}");
    let on_disk = store.project.set(DOC, "anna").expect("set").len();
    assert!(
        on_disk >= BIG as usize + 2,
        "the first two saves: {on_disk}"
    );
    let mut session = Session::new(store, "anna");
    let _ = session.recover();
    assert!(session.save_now().is_empty());
    drop(session);
    let saved = saved_ids(&root, "anna");
    let lost: Vec<&String> = tagged.difference(&saved).collect();
    assert!(lost.is_empty(), "lost {lost:?}");
}
