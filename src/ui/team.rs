//! Working as a team from the app: colleagues' files that change on disk (a `git pull`, a
//! shared folder: annotations, entities, reviews) are taken in while the app runs, a review
//! under way compares its annotators again when one of their files changes, and File → Sync
//! commits, pulls and pushes through git ([`crate::sync`]) in the background. A sync that
//! hangs on the network ends at git's time limit, so autosave never stays off.
//!
//! ## Implementation notes
//!
//! - The project is polled every [`WATCH_INTERVAL`] ([`crate::session::Session::reload_changed`]
//!   explains why polling) on a thread of its own ([`super::watch`]), which also reads and
//!   checks what changed: a window waiting for input paints nothing, and wakes only when
//!   something changed. No poll while a save or a sync runs: their own writes would look
//!   like changes, and a pull rewrites files one by one; nor while the project is still
//!   being read. What a sync's pull changed is read and checked on the sync's own thread,
//!   from a copy taken when it starts ([`crate::session::Session::watcher`]); the window
//!   only swaps in what was read.
//! - The user's own files changed on disk are reloaded like colleagues' when they hold no
//!   unsaved changes; else they are left as they are in memory, and the next save merges the
//!   unsaved changes into what is on disk (under the file's lock, by annotation id). Only a
//!   file that cannot be read to merge into goes to the conflict bar (reload or keep mine),
//!   which also stops autosave until the user chooses.
//! - Changes only a reopened project takes in (`project.ron`, document texts) reopen it, after
//!   saving, keeping the open document; never while there is a conflict (the next poll reports
//!   them again).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use egui::RichText;

use super::app::LectorApp;
use super::command::Command;
use super::jobs::{JobDone, JobKind};
use super::theme::Theme;
use crate::store::DiskChanges;
use crate::sync::{Git, SyncError, SyncReport};

/// How often the app looks for files changed on disk.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(1500);

/// The app's team state: the watch timer and the last sync.
#[derive(Debug)]
pub struct Team {
    /// The git that Sync runs (tests give it an identity and an empty configuration).
    pub git: Git,
    /// The thread that looks for files changed on disk, while a project is open.
    watch: Option<super::watch::Watch>,
    /// The user's own files last reported changed on disk.
    conflicts: Vec<PathBuf>,
    /// A project folder and whether it is in a git work tree, looked up at every poll.
    repository: Option<(PathBuf, bool)>,
    /// The files (and their times) a reopen was last asked for: a reopen that failed (a
    /// broken `project.ron`, a save that fails) is not retried every poll, only once the
    /// files change again.
    reopen_asked: Vec<(PathBuf, Option<SystemTime>)>,
    /// The last sync's full report (or error), for the "Last sync" window.
    pub last_sync: Option<(String, bool)>,
    /// The "Last sync" window is open.
    pub report_open: bool,
}

impl Default for Team {
    fn default() -> Self {
        Self {
            git: Git::new(),
            watch: None,
            conflicts: Vec::new(),
            repository: None,
            reopen_asked: Vec::new(),
            last_sync: None,
            report_open: false,
        }
    }
}

impl Team {
    /// Whether the project is in a git work tree (as last looked up).
    pub fn in_repository(&self) -> bool {
        matches!(self.repository, Some((_, true)))
    }

    /// Looks up whether a project folder is in a git work tree, once per folder (the watch
    /// looks again at every poll).
    pub fn know_repository(&mut self, root: &Path) {
        if !matches!(&self.repository, Some((r, _)) if r == root) {
            self.repository = Some((root.to_path_buf(), super::watch::in_git_repository(root)));
        }
    }
}

/// Once per frame, after the commands: takes in what the watching thread found changed on
/// disk, and keeps its copy of the project's files current.
pub fn watch(app: &mut LectorApp, ctx: &egui::Context) {
    let syncing = app.is_syncing();
    let Some(session) = &app.session else {
        // Dropping it ends the thread.
        app.team.watch = None;
        return;
    };
    if app.team.watch.is_none() {
        match super::watch::Watch::start(ctx.clone()) {
            Ok(watch) => app.team.watch = Some(watch),
            Err(err) => {
                app.say(
                    format!(
                        "files changed on disk are not looked for: cannot start a thread: {err}"
                    ),
                    true,
                );
                return;
            }
        }
    }
    let Some(mut watch) = app.team.watch.take() else {
        return;
    };
    let root = session.store.root().to_path_buf();
    for found in watch.take() {
        let paused = app.session.as_ref().is_none_or(|s| s.is_saving()) || app.is_syncing();
        // Applied or not, the thread gets a fresh copy: what it found is found again if
        // it still applies.
        watch.refresh();
        match found {
            super::watch::Found::Repository(folder, yes) if folder == root => {
                app.team.repository = Some((folder, yes));
                ctx.request_repaint();
            }
            super::watch::Found::Repository(..) => {}
            super::watch::Found::Reloaded(reloaded) => {
                let Some(session) = app.session.as_mut().filter(|_| !paused) else {
                    continue;
                };
                let changes = session.take_reloaded(*reloaded);
                if !changes.is_empty() {
                    take_in(app, changes, true);
                    ctx.request_repaint();
                } else if !app.team.reopen_asked.is_empty() {
                    // What a failed reopen was asked for is back as the project has it (a
                    // broken edit undone): nothing to reopen, and nothing to say any more.
                    app.team.reopen_asked.clear();
                    if app
                        .opening
                        .failed
                        .as_ref()
                        .is_some_and(|(dir, _)| *dir == root)
                    {
                        app.opening.failed = None;
                        app.say("the project's files are readable again", false);
                    }
                    ctx.request_repaint();
                }
            }
        }
    }
    if let Some(session) = &app.session {
        let paused = syncing || session.is_saving() || !session.store.is_complete();
        let shown = app.view.as_ref().map(|v| v.document.as_str());
        watch.follow(session, app.team.in_repository(), paused, shown);
    }
    app.team.watch = Some(watch);
}

/// Shows what changed on disk and routes it: the user's own files to the conflict bar,
/// changes that need it to a reopen. `tell` says what was reloaded (a sync's summary already
/// does).
fn take_in(app: &mut LectorApp, changes: DiskChanges, tell: bool) {
    let Some(session) = &app.session else { return };
    let project = &session.store.project;
    let title = |id: &str| {
        project
            .document(id)
            .map_or_else(|| id.to_owned(), |d| super::shorten(&d.meta.title, 40))
    };
    let reloaded = describe(&changes, title);
    let touched: Vec<crate::model::SetKey> = changes
        .reloaded
        .iter()
        .chain(&changes.removed)
        .cloned()
        .collect();
    let dirty = session.is_dirty();
    let root = session.store.root().to_path_buf();
    let re_read = changes.files_re_read();
    let DiskChanges {
        conflicts,
        unreadable,
        needs_reopen,
        problems,
        ..
    } = changes;
    // What was re-read replaces what its file's last reading said was wrong.
    app.forget_problems_of(&re_read);
    for problem in &problems {
        let text = problem.to_string();
        if !app.problems.contains(&text) {
            app.problems.push(text.clone());
        }
        app.say(text, true);
    }
    if tell && !reloaded.is_empty() {
        // Said on its own every few seconds on a busy team's project: it must not take the
        // status bar from something the user has to read (a file that cannot be read).
        app.messages.say_routine(reloaded);
    }
    // A review of a document whose annotator's file changed compares their work again.
    if let Some((text, error)) = super::review::realign(app, &touched) {
        app.say(text, error);
    }
    // The user's own files with unsaved changes that someone else (another window, a
    // command, git) changed meanwhile: the next save merges into them (said once).
    if !conflicts.is_empty() && conflicts != app.team.conflicts {
        let files: Vec<String> = conflicts.iter().map(|f| f.display().to_string()).collect();
        app.say(
            format!(
                "your file {} changed on disk (another window, a command or git): your unsaved \
                 changes are merged into it when they are saved",
                files.join(", "),
            ),
            false,
        );
    }
    app.team.conflicts = conflicts;
    // A file of the bar's read again as it should be (a sync client that finished its
    // copy, a file mended by hand) no longer asks anything: the bar goes with the last.
    let before = app.conflict.files.len();
    app.conflict
        .files
        .retain(|f| !re_read.contains(f) || unreadable.contains(f));
    if app.conflict.files.len() < before {
        if app.conflict.files.is_empty() {
            app.conflict.document = None;
        } else if let Some(session) = &app.session {
            app.conflict.document = own_document(
                &app.conflict.files,
                session.annotator(),
                app.view.as_ref().map(|v| v.document.as_str()),
            );
        }
    }
    // The user's own files that changed on disk into something unreadable: their version is
    // kept, read-only, and the bar above the article asks what to do.
    if !unreadable.is_empty()
        && let Some(session) = &app.session
    {
        let files: Vec<String> = unreadable.iter().map(|f| f.display().to_string()).collect();
        for file in unreadable {
            if !app.conflict.files.contains(&file) {
                app.conflict.files.push(file);
            }
        }
        app.conflict.document = own_document(
            &app.conflict.files,
            session.annotator(),
            app.view.as_ref().map(|v| v.document.as_str()),
        );
        app.say(
            format!(
                "your file {} changed on disk and cannot be read whole (see the problems): \
                 your version is kept, not replaced; keep it (overwriting the file) or reload \
                 from disk",
                files.join(", "),
            ),
            true,
        );
    }
    let stamps: Vec<(PathBuf, Option<SystemTime>)> = needs_reopen
        .iter()
        .map(|f| {
            let modified = std::fs::metadata(root.join(f)).and_then(|m| m.modified());
            (f.clone(), modified.ok())
        })
        .collect();
    if !needs_reopen.is_empty()
        && app.conflict.document.is_none()
        && stamps != app.team.reopen_asked
    {
        app.team.reopen_asked = stamps;
        let files: Vec<String> = needs_reopen
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        app.say(
            format!(
                "{} changed on disk: reopening the project{}",
                files.join(", "),
                if dirty { " after saving" } else { "" }
            ),
            false,
        );
        app.commands.push(Command::ReopenProject);
    }
    // Edits a crash left that could not be replayed when the project opened (their file
    // was read-only) go into a file mended on disk before anything else does.
    if !touched.is_empty()
        && let Some(recovery) = app
            .session
            .as_mut()
            .and_then(crate::session::Session::recover_kept)
    {
        app.tell_recovery(&recovery);
    }
}

/// The document whose conflict bar to show: the open one if its file is among the conflicts,
/// else the first document named; else the open one (the entities file).
pub fn own_document(conflicts: &[PathBuf], annotator: &str, open: Option<&str>) -> Option<String> {
    let documents: Vec<String> = conflicts
        .iter()
        .filter_map(|f| {
            let parts: Vec<&str> = f.iter().filter_map(|c| c.to_str()).collect();
            match parts.as_slice() {
                ["annotations", who, file] if *who == annotator => {
                    file.strip_suffix(".ron").map(str::to_owned)
                }
                _ => None,
            }
        })
        .collect();
    open.filter(|o| documents.iter().any(|d| d == o))
        .map(str::to_owned)
        .or_else(|| documents.first().cloned())
        .or_else(|| open.map(str::to_owned))
}

/// "erik's labels of “Talks” changed on disk: reloaded", for every colleague at once; empty
/// when no colleague's file was re-read.
pub fn describe(changes: &DiskChanges, title: impl Fn(&str) -> String) -> String {
    let mut by_annotator: std::collections::BTreeMap<&str, (Vec<String>, Vec<String>, bool)> =
        std::collections::BTreeMap::new();
    for (document, annotator) in &changes.reloaded {
        by_annotator
            .entry(annotator)
            .or_default()
            .0
            .push(title(document));
    }
    for (document, annotator) in &changes.removed {
        by_annotator
            .entry(annotator)
            .or_default()
            .1
            .push(title(document));
    }
    for annotator in &changes.entities {
        by_annotator.entry(annotator).or_default().2 = true;
    }
    let mut reviews: std::collections::BTreeMap<&str, Vec<String>> =
        std::collections::BTreeMap::new();
    for (document, reviewer) in &changes.reviews {
        reviews.entry(reviewer).or_default().push(title(document));
    }
    let quoted = |titles: &[String]| {
        let titles: Vec<String> = titles.iter().map(|t| format!("“{t}”")).collect();
        titles.join(", ")
    };
    let mut parts = Vec::new();
    for (annotator, (reloaded, removed, entities)) in by_annotator {
        if !reloaded.is_empty() {
            parts.push(format!(
                "{annotator}'s labels of {} changed on disk: reloaded",
                quoted(&reloaded)
            ));
        }
        if !removed.is_empty() {
            parts.push(format!(
                "{annotator}'s labels of {} were deleted on disk: removed",
                quoted(&removed)
            ));
        }
        if entities {
            parts.push(format!("{annotator}'s entities changed on disk: reloaded"));
        }
    }
    for (reviewer, titles) in reviews {
        parts.push(format!(
            "{reviewer}'s review of {} changed on disk: reloaded",
            quoted(&titles)
        ));
    }
    parts.join("; ")
}

/// Saves, then syncs in the background: commit the user's files, pull, push.
pub fn start_sync(app: &mut LectorApp) {
    if app.is_syncing() {
        app.say("a sync is running already", false);
        return;
    }
    if app.conflict.document.is_some() {
        app.say(
            "not synced: first choose whether to reload your changed file or keep yours",
            true,
        );
        return;
    }
    // The commit must hold what the user sees: a big save runs in the background first.
    if !app.saved_first(super::saving::AfterSave::Sync) {
        return;
    }
    let Some(session) = &mut app.session else {
        return;
    };
    // Autosave then waits for the sync to finish.
    let errors = session.save_now();
    if !errors.is_empty() {
        app.report_save_errors(errors);
        app.say("not synced, because saving failed (see above)", true);
        return;
    }
    let root = session.store.root().to_path_buf();
    let annotator = session.annotator().to_owned();
    let git = app.team.git.clone();
    // What the pull changed is read and checked on the job's thread too: a pull of a team's
    // week can bring hundreds of files.
    let mut watcher = session.watcher();
    let started = app.jobs.spawn(JobKind::Sync, "syncing with git", move || {
        let result = crate::sync::sync_with(&git, &root, &annotator);
        let pulled = match &result {
            Ok(report) => report.needs_reload(),
            Err(err) => err.report().is_some_and(SyncReport::needs_reload),
        };
        let reloaded = pulled.then(|| watcher.poll()).flatten().map(Box::new);
        JobDone::Synced(result, reloaded)
    });
    if let Err(err) = started {
        app.say(format!("not synced: cannot start a thread: {err}"), true);
    }
}

/// Reports a finished sync and takes in what its pull changed (read on the job's thread; a
/// file this session read or wrote meanwhile is left for the watch thread's next poll).
pub fn synced(
    app: &mut LectorApp,
    result: Result<SyncReport, SyncError>,
    reloaded: Option<Box<crate::store::Reloaded>>,
) {
    let (line, full, error) = match &result {
        Ok(report) => (sync_line(report), report.to_string(), false),
        Err(err) => (format!("not synced: {err:#}"), err.to_string(), true),
    };
    app.team.last_sync = Some((full, error));
    let changes = app
        .session
        .as_mut()
        .zip(reloaded)
        .map(|(session, reloaded)| session.take_reloaded(*reloaded));
    if let Some(changes) = changes {
        take_in(app, changes, false);
    }
    // Last, so that the status bar shows it.
    app.say(line, error);
}

/// The status-bar line of a successful sync.
fn sync_line(report: &SyncReport) -> String {
    let mut line = match &report.upstream {
        Some(upstream) => format!("synced with {upstream}: {}", report.summary()),
        None => format!("synced: {}", report.summary()),
    };
    for note in &report.notes {
        line.push_str("; ");
        line.push_str(note);
    }
    line
}

/// The "Last sync" window, when asked for.
pub fn report_window_ui(team: &mut Team, ctx: &egui::Context) {
    let Some((text, error)) = &team.last_sync else {
        return;
    };
    let mut open = team.report_open;
    crate::ui::centred(egui::Window::new("Last sync"), ctx)
        .open(&mut open)
        .collapsible(false)
        .default_width(560.0)
        .show(ctx, |ui| {
            let theme = Theme::of(ui);
            let text = RichText::new(text).monospace();
            ui.label(if *error {
                text.color(theme.error())
            } else {
                text
            });
        });
    team.report_open = open;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_told_per_colleague() {
        let changes = DiskChanges {
            reloaded: vec![
                ("a".into(), "erik".into()),
                ("b".into(), "erik".into()),
                ("a".into(), "bo".into()),
            ],
            removed: vec![("c".into(), "bo".into())],
            entities: vec!["erik".into()],
            reviews: vec![("a".into(), "olga".into())],
            ..DiskChanges::default()
        };
        let title = |id: &str| id.to_uppercase();
        assert_eq!(
            describe(&changes, title),
            "bo's labels of “A” changed on disk: reloaded; bo's labels of “C” were deleted on \
             disk: removed; erik's labels of “A”, “B” changed on disk: reloaded; erik's \
             entities changed on disk: reloaded; olga's review of “A” changed on disk: reloaded"
        );
        assert_eq!(describe(&DiskChanges::default(), title), "");
    }

    #[test]
    fn the_conflict_bar_names_the_open_document_first() {
        let files = [
            PathBuf::from("annotations/anna/a.ron"),
            PathBuf::from("annotations/anna/b.ron"),
        ];
        assert_eq!(
            own_document(&files, "anna", Some("b")).as_deref(),
            Some("b")
        );
        assert_eq!(
            own_document(&files, "anna", Some("z")).as_deref(),
            Some("a")
        );
        let entities = [PathBuf::from("entities/anna.ron")];
        assert_eq!(
            own_document(&entities, "anna", Some("z")).as_deref(),
            Some("z")
        );
    }
}
