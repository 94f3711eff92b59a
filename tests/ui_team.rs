//! Working as a team in the running app, driven through AccessKit with egui_kittest: files
//! changed on disk are taken in without a restart (the user's own ones merged with unsaved
//! work), and File → Sync commits, pulls and pushes with a real git and a bare repository.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::store::{ProjectStore, set_path};
use lector::sync::Git;
use lector::ui::{LectorApp, WATCH_INTERVAL};

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::{change_on_disk, copy_dir};
use gui::{ask_to_close, asked, harness, wait_for_jobs};

/// A copy of the sample project (annotated by anna and erik) in `dir`.
fn sample_project_in(dir: &Path) -> PathBuf {
    let dst = dir.join("sotji-talks");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks"),
        &dst,
    );
    dst
}

/// Lets the watch timer run out, then runs the frames it causes.
fn wait_for_poll(h: &mut Harness<'_, LectorApp>) {
    std::thread::sleep(WATCH_INTERVAL + Duration::from_millis(300));
    h.run();
}

fn last_message(h: &Harness<'_, LectorApp>) -> String {
    h.state()
        .messages()
        .last()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// The note of an annotator's first annotation of a document, in the running app.
fn first_note(h: &Harness<'_, LectorApp>, doc: &str, annotator: &str) -> String {
    let session = h.state().session().unwrap();
    let set = session.store.project.set(doc, annotator).unwrap();
    set.annotations()[0].note.clone()
}

#[test]
fn a_colleagues_file_changed_on_disk_is_taken_in_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    let anna_before = h.state().annotations().to_vec();

    change_on_disk(&project, &doc, "erik", "checked again by erik");
    wait_for_poll(&mut h);

    assert_eq!(first_note(&h, &doc, "erik"), "checked again by erik");
    assert_eq!(
        h.state().annotations(),
        anna_before[..],
        "anna's own work untouched"
    );
    assert!(h.state().conflict().is_none());
    let message = last_message(&h);
    assert!(
        message.starts_with("erik's labels of “Ryssland")
            && message.ends_with("” changed on disk: reloaded"),
        "{message}"
    );
    h.get_by_label(&message); // in the status bar

    // Told once: nothing more changed, nothing more is said.
    let said = h.state().messages().all().len();
    wait_for_poll(&mut h);
    assert_eq!(h.state().messages().all().len(), said);
}

#[test]
fn a_document_added_elsewhere_reopens_the_project_keeping_the_open_one() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    // Erik adds an article in his clone (project.ron and a new text), as a pull brings it.
    let (mut store, _) = ProjectStore::open(&project).unwrap();
    store
        .add_text("minsk.txt", "Minsk", "Protesterna fortsätter.\n".to_owned())
        .unwrap();

    wait_for_poll(&mut h);
    let app = h.state();
    assert_eq!(app.session().unwrap().store.project.documents.len(), 2);
    assert_eq!(
        app.document(),
        Some(doc.as_str()),
        "the open document stays open"
    );
    h.get_by_label("· Minsk"); // in the documents list
}

/// project.ron broken on disk under the window (a bad hand edit, a half-done merge): the
/// project stays as it was opened, a bar above the article says so while it lasts, and it
/// goes once the file is mended.
#[test]
fn a_project_file_broken_under_the_window_is_said_above_the_article_until_mended() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let file = project.join("project.ron");
    let good = std::fs::read_to_string(&file).unwrap();
    let bad = good.replacen("kind: Entity", "kind: Entiti", 1);
    assert_ne!(bad, good);
    std::fs::write(&file, &bad).unwrap();
    wait_for_poll(&mut h);
    h.run();
    assert!(
        h.query_by_label_contains("The project changed on disk and cannot be read again")
            .is_some(),
        "{:?}",
        gui::said(&h)
    );
    assert!(h.state().session().is_some(), "the project stays open");
    std::fs::write(&file, &good).unwrap();
    wait_for_poll(&mut h);
    h.run();
    assert!(
        h.query_by_label_contains("cannot be read again").is_none(),
        "gone once mended: {:?}",
        gui::said(&h)
    );
}

/// Changes the note of an annotator's annotation number `i` in the running app, as the
/// inspector does.
fn edit_note_in_app(h: &mut Harness<'_, LectorApp>, doc: &str, i: usize, note: &str) {
    let session = h.state().session().unwrap();
    let mut a = session
        .store
        .project
        .set(doc, "anna")
        .unwrap()
        .annotations()[i]
        .as_ref()
        .clone();
    a.note = note.to_owned();
    h.state_mut().apply(lector::ui::Command::Edit(vec![
        lector::session::Edit::replace(a),
    ]));
    h.run();
}

fn note_of(h: &Harness<'_, LectorApp>, doc: &str, i: usize) -> String {
    let session = h.state().session().unwrap();
    session
        .store
        .project
        .set(doc, "anna")
        .unwrap()
        .annotations()[i]
        .note
        .clone()
}

/// Lets autosave run and the save finish.
fn wait_for_autosave(h: &mut Harness<'_, LectorApp>) {
    let delay = h.state().session().unwrap().autosave_delay();
    std::thread::sleep(delay + Duration::from_millis(100));
    for _ in 0..100 {
        h.step();
        let session = h.state().session().unwrap();
        if !session.is_dirty() && !session.is_saving() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run();
}

#[test]
fn the_users_own_file_changed_on_disk_is_merged_and_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();

    // Rewritten by another window, a command or a pull while nothing is unsaved here:
    // taken in like a colleague's.
    change_on_disk(&project, &doc, "anna", "from anna's laptop");
    wait_for_poll(&mut h);
    assert!(h.state().conflict().is_none());
    assert_eq!(first_note(&h, &doc, "anna"), "from anna's laptop");

    // With an unsaved change here and another one on disk: both kept.
    edit_note_in_app(&mut h, &doc, 1, "from the app");
    change_on_disk(&project, &doc, "anna", "from the phone");
    wait_for_autosave(&mut h);
    assert!(h.state().conflict().is_none());
    assert_eq!(note_of(&h, &doc, 0), "from the phone", "theirs taken in");
    assert_eq!(note_of(&h, &doc, 1), "from the app", "mine kept");
    assert!(
        h.state()
            .messages()
            .all()
            .iter()
            .any(|m| m.text.contains("your changes were merged into it")),
        "said so"
    );
    let (store, _) = ProjectStore::open(&project).unwrap();
    let set = store.project.set(&doc, "anna").unwrap();
    assert_eq!(set.annotations()[0].note, "from the phone");
    assert_eq!(set.annotations()[1].note, "from the app");

    // A file on disk that cannot be read to merge into: the bar, and nothing written.
    edit_note_in_app(&mut h, &doc, 1, "second thoughts");
    let own = project.join(set_path(&doc, "anna"));
    std::fs::write(&own, "(format_version: 1, document: \"cut here").unwrap();
    wait_for_autosave(&mut h);
    assert_eq!(h.state().conflict(), Some(doc.as_str()));
    assert_eq!(
        std::fs::read_to_string(&own).unwrap(),
        "(format_version: 1, document: \"cut here"
    );
    // "Keep mine" writes the app's version over it.
    h.get_by_label("Keep mine (overwrite the file)").click();
    h.run();
    assert!(h.state().conflict().is_none());
    let (store, _) = ProjectStore::open(&project).unwrap();
    let set = store.project.set(&doc, "anna").unwrap();
    assert_eq!(set.annotations()[1].note, "second thoughts");
    wait_for_poll(&mut h);
    assert!(h.state().conflict().is_none(), "resolved for good");
}

#[test]
fn the_users_own_file_cut_short_on_disk_is_not_taken_for_their_work() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    let count = |h: &Harness<'_, LectorApp>| {
        let session = h.state().session().unwrap();
        session.store.project.set(&doc, "anna").unwrap().len()
    };
    let before = count(&h);
    assert!(before > 0);
    assert!(!h.state().session().unwrap().is_dirty());

    // Nothing unsaved here, and the file is cut short by something else (a sync client's
    // partial copy, a full disk under another program).
    let own = project.join(set_path(&doc, "anna"));
    let full = std::fs::read_to_string(&own).unwrap();
    std::fs::write(&own, &full.as_bytes()[..full.len() / 2]).unwrap();
    wait_for_poll(&mut h);
    assert_eq!(
        count(&h),
        before,
        "the work in memory is not replaced by half of it"
    );
    assert_eq!(h.state().conflict(), Some(doc.as_str()), "the bar asks");
    assert!(
        h.state()
            .session()
            .unwrap()
            .read_only_reason(&doc)
            .is_some(),
        "nothing is written over the file before the user chooses"
    );
    let listed = |h: &Harness<'_, LectorApp>| {
        let head = format!("{}:", set_path(&doc, "anna").display());
        h.state().problems().iter().any(|p| p.starts_with(&head))
    };
    assert!(listed(&h), "where the file is cut is listed");
    // A colleague's file changing meanwhile is said, but does not take the status bar from
    // what the user has to read.
    let erik = project.join(set_path(&doc, "erik"));
    let mut theirs = std::fs::read_to_string(&erik).unwrap();
    theirs.push('\n');
    std::fs::write(&erik, theirs).unwrap();
    wait_for_poll(&mut h);
    assert!(
        last_message(&h).contains("erik's labels"),
        "{}",
        last_message(&h)
    );
    let shown = h.state().messages().shown().unwrap().text.clone();
    assert!(shown.starts_with("your file annotations"), "{shown}");
    assert_eq!(std::fs::read_to_string(&own).unwrap().len(), full.len() / 2);

    h.get_by_label("Keep mine (overwrite the file)").click();
    h.run();
    assert!(h.state().conflict().is_none());
    assert_eq!(
        std::fs::read_to_string(&own).unwrap(),
        full,
        "written whole again"
    );
    assert!(!listed(&h), "its problems are gone with it");
    assert!(
        last_message(&h).starts_with("your version kept: "),
        "{}",
        last_message(&h)
    );

    // Cut short again, then mended on disk (a sync client that finished its copy): the
    // bar goes by itself, and the file is one's own to edit again.
    std::fs::write(&own, &full.as_bytes()[..full.len() / 3]).unwrap();
    wait_for_poll(&mut h);
    assert_eq!(h.state().conflict(), Some(doc.as_str()));
    std::fs::write(&own, &full).unwrap();
    wait_for_poll(&mut h);
    assert!(
        h.state().conflict().is_none(),
        "the bar went with the damage"
    );
    assert!(
        h.state()
            .session()
            .unwrap()
            .read_only_reason(&doc)
            .is_none()
    );
    assert!(!listed(&h));
    assert_eq!(count(&h), before);
    assert!(
        h.state()
            .session()
            .unwrap()
            .read_only_reason(&doc)
            .is_none()
    );
    wait_for_poll(&mut h);
    assert!(h.state().conflict().is_none(), "resolved for good");
}

/// The environment of every git call, the test's and the app's: an identity and an empty
/// global configuration, so that neither `~/.gitconfig` nor its absence matters.
fn git_env(dir: &Path, who: &str) -> Vec<(String, String)> {
    let config = dir.join("gitconfig");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    vec![
        ("GIT_CONFIG_GLOBAL".into(), config.display().to_string()),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_CEILING_DIRECTORIES".into(), dir.display().to_string()),
        ("GIT_AUTHOR_NAME".into(), format!("{who} (test)")),
        ("GIT_AUTHOR_EMAIL".into(), format!("{who}@example.com")),
        ("GIT_COMMITTER_NAME".into(), format!("{who} (test)")),
        ("GIT_COMMITTER_EMAIL".into(), format!("{who}@example.com")),
    ]
}

fn git(dir: &Path, cwd: &Path, who: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .envs(git_env(dir, who))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sync_from_the_file_menu_commits_pulls_and_pushes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The team's repository: the sample project in a bare remote.
    git(
        root,
        root,
        "lead",
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    let seed = sample_project_in(root);
    git(root, &seed, "lead", &["init", "-q", "-b", "main"]);
    git(root, &seed, "lead", &["add", "-A"]);
    git(
        root,
        &seed,
        "lead",
        &["commit", "-q", "-m", "The sample project"],
    );
    let origin = root.join("origin.git").display().to_string();
    git(root, &seed, "lead", &["remote", "add", "origin", &origin]);
    git(root, &seed, "lead", &["push", "-q", "-u", "origin", "main"]);
    // Anna's clone, open in the app; erik works in his own.
    git(root, root, "anna", &["clone", "-q", &origin, "anna"]);
    git(root, root, "erik", &["clone", "-q", &origin, "erik"]);
    let mine = root.join("anna");
    let erik = root.join("erik");

    let mut h = harness(&mine, "anna");
    h.state_mut().team_mut().git = git_env(root, "anna")
        .into_iter()
        .fold(Git::new(), |git, (k, v)| git.env(k, v));
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    h.get_by_label("🔄 Sync"); // the project is in a git repository

    // Erik pushes a change; anna changes her status, unsaved when she syncs.
    change_on_disk(&erik, &doc, "erik", "erik's second look");
    git(root, &erik, "erik", &["commit", "-q", "-am", "erik's note"]);
    git(root, &erik, "erik", &["push", "-q"]);
    h.get_by_label("My status").click();
    h.run();
    h.get_by_label("in progress").click();
    h.run();
    assert!(h.state().session().unwrap().is_dirty());

    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Sync").click();
    // The job runs in the background while a spinner turns: step, do not wait to settle.
    h.step();
    assert!(h.state().is_busy(), "the sync runs in the background");
    wait_for_jobs(&mut h);

    let message = last_message(&h);
    assert_eq!(
        message,
        "synced with origin/main: committed 1 file, pulled 1 commit (erik: 1 document), \
         pushed 1 commit"
    );
    h.get_by_label(&message); // in the status bar
    let pushed = git(
        root,
        root,
        "anna",
        &[
            "--git-dir",
            "origin.git",
            "log",
            "-1",
            "--format=%an|%s",
            "--name-only",
            "main",
        ],
    );
    assert!(pushed.starts_with("anna (test)|Lector: anna"), "{pushed}");
    assert!(
        pushed.contains(&set_path(&doc, "anna").display().to_string()),
        "{pushed}"
    );
    // What the pull brought is in the app without reopening.
    assert_eq!(first_note(&h, &doc, "erik"), "erik's second look");
    assert!(!h.state().session().unwrap().is_dirty());
}

#[test]
fn sync_outside_a_repository_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.state_mut().team_mut().git = git_env(dir.path(), "anna")
        .into_iter()
        .fold(Git::new(), |git, (k, v)| git.env(k, v));
    h.run();
    assert!(
        h.query_by_label("🔄 Sync").is_none(),
        "no Sync button outside git"
    );
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Sync").click();
    h.step();
    wait_for_jobs(&mut h);
    let message = last_message(&h);
    assert!(
        message.starts_with("not synced: the project is not in a git repository")
            && message.contains("git init"),
        "{message}"
    );
    assert!(h.state().messages().last().unwrap().error);
}

#[test]
fn a_review_compares_again_when_an_annotators_file_changes_on_disk() {
    compares_again(false);
}

/// The same with the comparison on another thread, as for a book: the window goes on
/// answering, says it compares again, and takes the comparison in when it is done.
#[test]
fn a_big_review_compares_again_on_another_thread() {
    compares_again(true);
}

fn compares_again(background: bool) {
    use lector::review::UnitKind;
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "olga");
    if background {
        h.state_mut().set_background_review_from(0);
    }
    h.run();
    if background {
        // The start is a job too: its spinner keeps repainting, so no `run` until it is done.
        gui::click_start_review(&mut h);
        h.run_steps(4);
    } else {
        gui::start_review(&mut h);
    }
    wait_for_jobs(&mut h);
    // The agreements taken go to disk first.
    wait_for_autosave(&mut h);
    let doc = h.state().document().unwrap().to_owned();
    let review = h.state().review().unwrap();
    let before = review.disagreement_indices().len();
    // An annotation only anna made: a disagreement until she deletes it in her clone, which
    // a sync then brings here.
    let only_anna = review
        .alignment
        .units
        .iter()
        .find(|u| u.kind == UnitKind::OnlyIn("anna".into()))
        .unwrap();
    let id = only_anna.annotations["anna"].clone();
    let (mut store, _) = ProjectStore::open(&project).unwrap();
    store.project.set_mut(&doc, "anna").retain(|a| a.id != id);
    store.save_set(&doc, "anna").unwrap();

    if background {
        // The comparison's spinner may still turn: step, then wait for it.
        std::thread::sleep(WATCH_INTERVAL + Duration::from_millis(300));
        h.run_steps(4);
    } else {
        wait_for_poll(&mut h);
    }
    if background {
        // Said when the comparison started on its thread (on this small project it may be
        // done already).
        assert!(
            h.state()
                .messages()
                .all()
                .iter()
                .any(|m| m.text == "anna's labels changed on disk: comparing again…"),
            "{}",
            last_message(&h)
        );
        wait_for_jobs(&mut h);
    }
    let said = h
        .state()
        .messages()
        .all()
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let review = h.state().review().expect("still reviewing");
    assert_eq!(review.disagreement_indices().len(), before - 1, "{said}");
    assert!(
        review
            .alignment
            .units
            .iter()
            .all(|u| !u.annotations.values().any(|a| *a == id)),
        "the deleted annotation is no longer compared"
    );
    let said = h
        .state()
        .messages()
        .all()
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        said.contains(&format!(
            "anna's labels changed on disk: compared again, {} disagreements",
            before - 1
        )),
        "{said}"
    );
}

#[test]
fn a_reviewers_comment_saved_elsewhere_shows_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    let first = h.state().annotations()[0].id.clone();
    // Olga, in her clone, comments on anna's first annotation; a pull brings the file.
    let (mut store, _) = ProjectStore::open(&project).unwrap();
    store
        .project
        .review_mut(&doc, "olga")
        .set_comment(lector::model::review::Comment {
            annotator: "anna".into(),
            annotation: first.clone(),
            text: "is the title part of the name?".into(),
            at: jiff::Timestamp::now(),
        });
    let done = store.prepare_review_save(&doc, "olga", None).unwrap().run();
    store.finish_write(done).unwrap();

    wait_for_poll(&mut h);
    let session = h.state().session().unwrap();
    let review = session.store.project.review(&doc, "olga").unwrap();
    assert_eq!(
        review.comment("anna", &first).unwrap().text,
        "is the title part of the name?"
    );
    let message = last_message(&h);
    assert!(
        message.starts_with("olga's review of “Ryssland")
            && message.ends_with("changed on disk: reloaded"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_sync_stuck_on_the_network_ends_and_autosave_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mine = sample_project_in(root);
    git(root, &mine, "anna", &["init", "-q", "-b", "main"]);
    git(root, &mine, "anna", &["add", "-A"]);
    git(
        root,
        &mine,
        "anna",
        &["commit", "-q", "-m", "The sample project"],
    );
    let url = "ssh://git@example.invalid/team.git";
    git(root, &mine, "anna", &["remote", "add", "origin", url]);
    git(
        root,
        &mine,
        "anna",
        &["config", "branch.main.remote", "origin"],
    );
    git(
        root,
        &mine,
        "anna",
        &["config", "branch.main.merge", "refs/heads/main"],
    );
    // An ssh that never answers.
    let ssh = root.join("hanging-ssh");
    std::fs::write(&ssh, "#!/bin/sh\nexec sleep 60\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut h = harness(&mine, "anna");
    h.state_mut().team_mut().git = git_env(root, "anna")
        .into_iter()
        .fold(Git::new(), |git, (k, v)| git.env(k, v))
        .env("GIT_SSH_COMMAND", &ssh)
        .network_timeout(Duration::from_secs(1));
    h.run();
    let doc = h.state().document().unwrap().to_owned();

    edit_note_in_app(&mut h, &doc, 0, "before the sync");
    h.get_by_label("🔄 Sync").click();
    h.step();
    // The unsaved note is written first, off the window's thread; then the sync starts.
    for _ in 0..500 {
        if h.state().is_syncing() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    assert!(h.state().is_syncing(), "syncing");
    wait_for_jobs(&mut h);
    let message = last_message(&h);
    assert!(
        message.starts_with("not synced: your work is committed here")
            && message.contains("`git pull` did not finish within 1 s and was stopped"),
        "{message}"
    );
    // Autosave works again: an edit is saved without anyone asking.
    edit_note_in_app(&mut h, &doc, 0, "after the stuck sync");
    wait_for_autosave(&mut h);
    assert!(!h.state().session().unwrap().is_dirty());
    let (store, _) = ProjectStore::open(&mine).unwrap();
    assert_eq!(
        store.project.set(&doc, "anna").unwrap().annotations()[0].note,
        "after the stuck sync"
    );
}

/// How many annotations olga's reviewed set of the sample document holds on disk.
fn olgas_saved(project: &Path) -> usize {
    let (store, _) = ProjectStore::open(project).unwrap();
    let doc = store.project.documents[0].meta.id.clone();
    let reviewed = lector::model::review::review_set_name("olga");
    store.project.set(&doc, &reviewed).map_or(0, |s| s.len())
}

/// When the close comes, after a review's start on another thread was asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CloseAsked {
    /// In a frame after the click on "Start review".
    After,
    /// In the frame that starts it (a key and the close button handled together).
    SameFrame,
    /// After the click, and again while the start runs.
    Twice,
}

/// Closing the window right after "Start review", while the start runs on another thread:
/// the window stays and says why, takes the start in, saves it and only then closes, so the
/// agreements are on disk. Asked to close again meanwhile, it closes at once.
fn close_during_a_review_start(when: CloseAsked) {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "olga");
    h.state_mut().set_background_review_from(0);
    h.run();
    if when == CloseAsked::SameFrame {
        h.state_mut().push(lector::ui::Command::Review(
            lector::ui::review::ReviewCommand::Start(vec!["anna".to_owned(), "erik".to_owned()]),
        ));
        ask_to_close(&mut h);
    } else {
        gui::click_start_review(&mut h);
        h.step();
        assert!(
            h.state().is_busy() && h.state().review().is_none(),
            "the start runs on another thread"
        );
        ask_to_close(&mut h);
    }
    let (cancelled, _) = asked(&h);
    assert!(cancelled, "the window stays open");
    assert!(h.state().is_closing());
    assert!(
        gui::said(&h).iter().any(|m| m
            == "closing once comparing 222 annotations of anna, erik is done; close again \
                to quit without it"),
        "{:?}",
        gui::said(&h)
    );
    if when == CloseAsked::Twice {
        ask_to_close(&mut h);
        assert!(!asked(&h).0, "asked again, it closes");
        assert!(!h.state().is_closing());
        return;
    }
    // Frames go on until the start is taken in; then the window asks to close.
    let mut frames = 0;
    while !asked(&h).1 {
        assert!(h.state().is_closing());
        frames += 1;
        assert!(frames < 3000, "the start ends");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    let review = h.state().review().expect("the start is taken in");
    let taken = review.alignment.units.len();
    assert!(taken > 0);
    assert_eq!(
        olgas_saved(&project),
        0,
        "not saved before the close comes back"
    );
    // The window manager hands the close back: now it saves and closes.
    ask_to_close(&mut h);
    assert!(!asked(&h).0, "it closes");
    let session = h.state().session().unwrap();
    assert!(!session.is_dirty(), "everything saved");
    let doc = h.state().document().unwrap().to_owned();
    let reviewed = lector::model::review::review_set_name("olga");
    let held = session.store.project.set(&doc, &reviewed).unwrap().len();
    assert!(held > 0);
    assert_eq!(olgas_saved(&project), held, "the agreements are on disk");
}

/// With nothing running, a close saves what is not saved yet and closes, in the frame after
/// it: the window asks itself again.
#[test]
fn closing_saves_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let mut h = harness(&project, "anna");
    h.run();
    let doc = h.state().document().unwrap().to_owned();
    edit_note_in_app(&mut h, &doc, 0, "written on close");
    assert!(h.state().session().unwrap().is_dirty());
    ask_to_close(&mut h);
    assert_eq!(asked(&h), (true, true), "asked again at once");
    assert!(!h.state().is_closing(), "nothing is waited for");
    ask_to_close(&mut h);
    assert_eq!(asked(&h), (false, false), "it closes");
    let (store, _) = ProjectStore::open(&project).unwrap();
    let set = store.project.set(&doc, "anna").unwrap();
    assert_eq!(set.annotations()[0].note, "written on close");
}

#[test]
fn closing_while_a_review_starts_in_the_same_frame_waits_for_it() {
    close_during_a_review_start(CloseAsked::SameFrame);
}

#[test]
fn closing_while_a_review_starts_waits_for_it_and_saves_it() {
    close_during_a_review_start(CloseAsked::After);
}

#[test]
fn closing_again_while_a_review_starts_quits_without_it() {
    close_during_a_review_start(CloseAsked::Twice);
}

/// A project whose `project.ron` cannot be read at startup (a merge gone wrong): the window
/// says which project and where, not "Open a project" as if none had been given, changes
/// nothing on disk, and opens it once it is mended.
#[test]
fn a_project_that_cannot_be_read_at_startup_says_so_where_its_article_would_be() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project_in(dir.path());
    let file = project.join("project.ron");
    let good = std::fs::read_to_string(&file).unwrap();
    let broken = good.replacen("(", "((", 2);
    std::fs::write(&file, &broken).unwrap();
    let mut h = harness(&project, "anna");
    h.run();
    assert!(h.state().session().is_none());
    h.get_by_label(&format!("{} could not be opened", project.display()));
    assert!(
        h.query_all_by_label_contains("project.ron:").count() >= 1,
        "where"
    );
    assert!(h.query_by_label_contains("Open a project (File").is_none());
    assert!(
        last_message(&h).starts_with(&project.display().to_string()),
        "{}",
        last_message(&h)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken, "untouched");

    std::fs::write(&file, &good).unwrap();
    h.get_by_label("Try again").click();
    h.run();
    gui::wait_for_jobs(&mut h);
    assert!(h.state().session().is_some());
    assert!(h.query_by_label("Try again").is_none());
}
