//! Asking for paths: the system's file dialog where there is one (see
//! [`crate::desktop::file_dialogs`]), else the typed-path prompt ([`PathPrompt`]).
//!
//! ## Implementation notes
//!
//! - Whether the system can show a dialog is decided once per run, on a thread of its own
//!   as the app starts ([`crate::desktop::decide`]), because `rfd` returns nothing both when
//!   the user cancels and when no dialog could be shown.
//! - The dialog's future is polled on the UI thread in [`poll`], and its waker asks egui for
//!   a repaint, so the window stays live while a dialog is open and never polls on a timer.
//! - New project, Open project and Add articles open the dialog at once. Export and Import
//!   need a format, which a file dialog cannot report (rfd does not say which filter was
//!   chosen, and three formats write `.jsonl`): they keep their dialog, with a "Browse…"
//!   button for the path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Dialog;
use super::path_prompt::{PathPrompt, PathPurpose};
use crate::desktop::file_dialogs::Chosen;
use crate::desktop::{Chooser, DialogKind, DialogSpec, Environment, decide};
use crate::ui::app::LectorApp;
use crate::ui::command::Command;

/// The dialog for a purpose, starting from what the prompt holds (`input`) or the project.
pub fn spec(purpose: &PathPurpose, input: &str, project: Option<&Path>) -> DialogSpec {
    let input = Path::new(input.trim());
    let typed = (!input.as_os_str().is_empty()).then_some(input);
    // A typed path suggests where to start and what to call the result.
    let directory = typed
        .and_then(Path::parent)
        .filter(|p| p.is_dir())
        .or_else(|| project.and_then(Path::parent))
        .map(Path::to_path_buf);
    let file_name = typed
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let all = || ("All files".to_owned(), vec!["*".to_owned()]);
    let (kind, title, file_name, filters) = match purpose {
        PathPurpose::Open => (
            DialogKind::PickFolder,
            "Open project (choose its folder)".to_owned(),
            None,
            Vec::new(),
        ),
        PathPurpose::New => (
            DialogKind::Save,
            "New project (name its folder)".to_owned(),
            file_name.or_else(|| Some("New project".to_owned())),
            Vec::new(),
        ),
        PathPurpose::Add => (
            DialogKind::PickFiles,
            "Add articles".to_owned(),
            None,
            vec![
                (
                    "Articles (.txt, .md)".to_owned(),
                    vec!["txt".to_owned(), "md".to_owned(), "markdown".to_owned()],
                ),
                all(),
            ],
        ),
        PathPurpose::ProjectFor(_) => (
            DialogKind::Save,
            "Where should the project for this article go?".to_owned(),
            file_name,
            Vec::new(),
        ),
        PathPurpose::Export(format) => (
            DialogKind::Save,
            format!("Export as {}", format.name()),
            file_name,
            if format.is_folder() {
                Vec::new()
            } else {
                vec![(
                    format!("{} (.{})", format.name(), format.extension()),
                    vec![format.extension().to_owned()],
                )]
            },
        ),
        PathPurpose::Import(format) if format.is_folder() => (
            DialogKind::PickFolder,
            format!("Import {} (choose the folder)", format.name()),
            None,
            Vec::new(),
        ),
        PathPurpose::Import(format) => (
            DialogKind::PickFile,
            format!("Import {}", format.name()),
            None,
            vec![
                (
                    format!("{} (.{})", format.name(), format.extension()),
                    vec![format.extension().to_owned()],
                ),
                all(),
            ],
        ),
    };
    DialogSpec {
        kind,
        title,
        directory: directory.or_else(|| project.map(Path::to_path_buf)),
        file_name,
        filters,
    }
}

/// Whether a purpose opens the file dialog at once (the others keep their dialog, see the
/// module notes).
fn opens_directly(purpose: &PathPurpose) -> bool {
    matches!(
        purpose,
        PathPurpose::Open | PathPurpose::New | PathPurpose::Add
    )
}

/// The command a chosen path makes; `None` if nothing was chosen (or the purpose's dialog
/// takes the path instead).
pub fn command_for(purpose: PathPurpose, mut paths: Vec<PathBuf>) -> Option<Command> {
    if paths.is_empty() {
        return None;
    }
    if purpose == PathPurpose::Add {
        return Some(Command::AddArticles(paths));
    }
    let path = paths.swap_remove(0);
    match purpose {
        PathPurpose::Open => Some(Command::OpenPath(path)),
        PathPurpose::New => Some(Command::NewProject(path)),
        PathPurpose::ProjectFor(article) => Some(Command::ProjectFor { article, dir: path }),
        PathPurpose::Import(format) => Some(Command::Import { format, path }),
        PathPurpose::Add => Some(Command::AddArticles(vec![path])),
        PathPurpose::Export(_) => None,
    }
}

/// Whether the system's dialogs are known to work here.
enum Probe {
    NotStarted,
    Running(std::thread::JoinHandle<Chooser>),
    Done(Chooser),
}

/// A path asked for, waiting for the probe or for the user in an open dialog.
struct Pending {
    purpose: PathPurpose,
    input: String,
    /// Asked by a dialog's "Browse…": the answer fills that dialog's path.
    fill: bool,
    /// The open dialog; `None` while the probe runs.
    dialog: Option<Chosen>,
}

/// The app's file dialogs: whether they work here, and the one open.
pub struct FileDialogs {
    /// Use the system's file dialogs where they work (tests turn this off: they type paths).
    pub native: bool,
    probe: Probe,
    pending: Option<Pending>,
    /// The user was told once why paths are typed.
    told: bool,
}

impl Default for FileDialogs {
    fn default() -> Self {
        Self {
            native: true,
            probe: Probe::NotStarted,
            pending: None,
            told: false,
        }
    }
}

impl std::fmt::Debug for FileDialogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDialogs")
            .field("native", &self.native)
            .field("chooser", &self.chooser())
            .field("open", &self.pending.is_some())
            .finish()
    }
}

impl FileDialogs {
    /// How paths are asked for, once that is known.
    pub fn chooser(&self) -> Option<&Chooser> {
        match &self.probe {
            Probe::Done(chooser) => Some(chooser),
            _ => None,
        }
    }
}

/// Asks for a path: the system's dialog where it works, else the typed prompt with `input`.
pub fn ask_path(app: &mut LectorApp, purpose: PathPurpose, input: String) {
    if !app.dialogs.files.native || !opens_directly(&purpose) {
        app.dialogs.modal = Some(Dialog::Path(PathPrompt { purpose, input }));
        return;
    }
    if app.dialogs.files.pending.is_some() {
        app.say("a file dialog is open already", false);
        return;
    }
    // Opened in `poll`, at the end of this frame (or when the probe is done).
    app.dialogs.files.pending = Some(Pending {
        purpose,
        input,
        fill: false,
        dialog: None,
    });
}

/// "Browse…" next to a dialog's path, where the system's dialogs work: the chosen path
/// fills the field.
pub fn browse_button_ui(
    files: &mut FileDialogs,
    ui: &mut egui::Ui,
    purpose: &PathPurpose,
    input: &str,
) {
    let Some(Chooser::Native(service)) = files.native.then(|| files.chooser()).flatten() else {
        return;
    };
    let button = ui
        .add_enabled(files.pending.is_none(), egui::Button::new("Browse…"))
        .on_hover_text(format!("Choose with {service}"));
    if button.clicked() {
        files.pending = Some(Pending {
            purpose: purpose.clone(),
            input: input.to_owned(),
            fill: true,
            dialog: None,
        });
        ui.ctx().request_repaint();
    }
}

/// Asks egui for a frame when a dialog's future can make progress.
struct Repaint(egui::Context);

impl std::task::Wake for Repaint {
    fn wake(self: Arc<Self>) {
        self.0.request_repaint();
    }
}

/// Once per frame: runs the probe, opens the dialog asked for, collects what was chosen.
pub fn poll(app: &mut LectorApp, ctx: &egui::Context) {
    if !app.dialogs.files.native {
        if let Some(pending) = app.dialogs.files.pending.take()
            && !pending.fill
        {
            app.dialogs.modal = Some(Dialog::Path(PathPrompt {
                purpose: pending.purpose,
                input: pending.input,
            }));
        }
        return;
    }
    probe(&mut app.dialogs.files, ctx);
    let Some(chooser) = app.dialogs.files.chooser().cloned() else {
        return; // The probe's thread asks for a frame when it is done.
    };
    if app.dialogs.files.pending.is_none() {
        return;
    }
    if let Chooser::Typed(why) = chooser {
        let Some(pending) = app.dialogs.files.pending.take() else {
            return;
        };
        if !app.dialogs.files.told {
            app.dialogs.files.told = true;
            app.say(format!("no file dialog here ({why}): type the path"), false);
        }
        if !pending.fill {
            app.dialogs.modal = Some(Dialog::Path(PathPrompt {
                purpose: pending.purpose,
                input: pending.input,
            }));
        }
        ctx.request_repaint();
        return;
    }
    let project = app.root().map(Path::to_path_buf);
    let Some(pending) = &mut app.dialogs.files.pending else {
        return;
    };
    let dialog = pending
        .dialog
        .get_or_insert_with(|| spec(&pending.purpose, &pending.input, project.as_deref()).open());
    let waker = std::task::Waker::from(Arc::new(Repaint(ctx.clone())));
    let std::task::Poll::Ready(chosen) = dialog
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker))
    else {
        return;
    };
    let Some(pending) = app.dialogs.files.pending.take() else {
        return;
    };
    let chosen = chosen.unwrap_or_default();
    if pending.fill {
        // The dialog may have been closed meanwhile.
        if let Some(path) = chosen.first() {
            let shown = path.display().to_string();
            match &mut app.dialogs.modal {
                Some(Dialog::Path(prompt)) => prompt.input = shown,
                Some(Dialog::Export(form)) => form.path = shown,
                _ => {}
            }
        }
    } else if let Some(command) = command_for(pending.purpose, chosen) {
        app.commands.push(command);
    }
    ctx.request_repaint();
}

/// Starts the probe on a thread, once; collects its answer.
fn probe(files: &mut FileDialogs, ctx: &egui::Context) {
    match &files.probe {
        Probe::NotStarted => {
            let ctx = ctx.clone();
            let started = std::thread::Builder::new()
                .name("file-dialog-probe".to_owned())
                .spawn(move || {
                    let chooser = decide(&Environment::detect());
                    ctx.request_repaint();
                    chooser
                });
            files.probe = match started {
                Ok(handle) => Probe::Running(handle),
                Err(err) => Probe::Done(Chooser::Typed(format!("cannot start a thread: {err}"))),
            };
        }
        Probe::Running(handle) if handle.is_finished() => {
            let Probe::Running(handle) = std::mem::replace(&mut files.probe, Probe::NotStarted)
            else {
                return;
            };
            files.probe = Probe::Done(handle.join().unwrap_or_else(|_| {
                Chooser::Typed("looking for a file dialog failed unexpectedly".to_owned())
            }));
        }
        Probe::Running(_) | Probe::Done(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;

    #[test]
    fn dialogs_fit_their_purpose() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("talks");
        std::fs::create_dir_all(&project).unwrap();

        let open = spec(&PathPurpose::Open, "", Some(&project));
        assert_eq!(open.kind, DialogKind::PickFolder);
        assert_eq!(open.directory.as_deref(), Some(root.path()));

        let add = spec(&PathPurpose::Add, "", Some(&project));
        assert_eq!(add.kind, DialogKind::PickFiles);
        assert!(add.filters[0].1.contains(&"md".to_owned()));

        let input = project.join("export.csv").display().to_string();
        let export = spec(&PathPurpose::Export(Format::Csv), &input, Some(&project));
        assert_eq!(export.kind, DialogKind::Save);
        assert_eq!(export.directory.as_deref(), Some(project.as_path()));
        assert_eq!(export.file_name.as_deref(), Some("export.csv"));
        assert_eq!(
            export.filters,
            [("csv (.csv)".to_owned(), vec!["csv".to_owned()])]
        );

        let brat = spec(&PathPurpose::Import(Format::Brat), "", Some(&project));
        assert_eq!(brat.kind, DialogKind::PickFolder);
        let jsonl = spec(&PathPurpose::Import(Format::Jsonl), "", None);
        assert_eq!(jsonl.kind, DialogKind::PickFile);
        assert_eq!(jsonl.directory, None);
    }

    #[test]
    fn a_choice_becomes_the_command_a_typed_path_would() {
        let p = PathBuf::from;
        assert!(
            command_for(PathPurpose::Open, Vec::new()).is_none(),
            "cancelled"
        );
        assert!(matches!(
            command_for(PathPurpose::Open, vec![p("/x")]),
            Some(Command::OpenPath(path)) if path == p("/x")
        ));
        assert!(matches!(
            command_for(PathPurpose::Add, vec![p("/a.txt"), p("/b.md")]),
            Some(Command::AddArticles(paths)) if paths.len() == 2
        ));
        assert!(
            command_for(PathPurpose::Export(Format::Html), vec![p("/r.html")]).is_none(),
            "the export dialog takes the path"
        );
    }
}
