//! Asking for paths: the system's file dialog where there is one (through `rfd`), else the
//! typed-path prompt ([`PathPrompt`]) as before.
//!
//! ## Implementation notes
//!
//! - `rfd` returns nothing both when the user cancels and when no dialog could be shown (no
//!   portal, no zenity). So whether a dialog can be shown is decided first, once per run, by
//!   [`decide`] from what [`Environment::detect`] finds: on Linux, the XDG desktop portal's
//!   file chooser on the session bus ([`super::portal`]) plus the libdbus that rfd loads, else
//!   zenity. Detection runs on a thread of its own as the app starts.
//! - Dialogs run through rfd's async API. On Linux rfd runs the dialog on a thread of its own;
//!   the future is polled on the UI thread in [`poll`], and its waker asks egui for a repaint,
//!   so the window stays live while a dialog is open and never polls on a timer.
//! - New project, Open project and Add articles open the dialog at once. Export and Import
//!   need a format, which a file dialog cannot report (rfd does not say which filter was
//!   chosen, and three formats write `.jsonl`): they keep the prompt with its format list and
//!   get a "Browse…" button.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::app::{Command, LectorApp, PathPrompt, PathPurpose};
use super::portal::{self, PortalAnswer};

/// Set (to anything) to always type paths, e.g. where the desktop's dialogs misbehave.
pub const NO_NATIVE_DIALOGS_VAR: &str = "LECTOR_NO_NATIVE_DIALOGS";

/// How long the portal may take to answer (it may have to be started first).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the app found out about the system, for deciding how to ask for paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// [`NO_NATIVE_DIALOGS_VAR`] is set.
    pub disabled: bool,
    /// Windows or macOS, whose file dialogs are part of the system.
    pub system_dialogs: bool,
    /// A display to show a dialog on (`DISPLAY` or `WAYLAND_DISPLAY`).
    pub display: bool,
    /// What the session bus said about the portal's file chooser.
    pub portal: PortalAnswer,
    /// libdbus, which rfd loads at run time to talk to the portal, was found.
    pub libdbus: bool,
    /// zenity is on the `PATH`: rfd's fallback when the portal fails.
    pub zenity: bool,
}

impl Environment {
    /// Looks at this process's environment; asks the session bus only when that can matter.
    pub fn detect() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let disabled = set(NO_NATIVE_DIALOGS_VAR);
        let system_dialogs = cfg!(any(target_os = "windows", target_os = "macos"));
        let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
        let probe = !disabled && !system_dialogs && display;
        Self {
            disabled,
            system_dialogs,
            display,
            portal: if probe {
                portal::probe(PROBE_TIMEOUT)
            } else {
                PortalAnswer::Missing("not asked".to_owned())
            },
            libdbus: probe
                && ["libdbus-1.so.3", "libdbus-1.so"]
                    .iter()
                    .any(|name| library_dirs().iter().any(|d| d.join(name).exists())),
            zenity: probe && on_path("zenity"),
        }
    }
}

/// How the app asks for paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chooser {
    /// The system's file dialogs, through this service.
    Native(&'static str),
    /// Typed paths, for this reason.
    Typed(String),
}

/// Whether rfd can show a dialog here: only then is its "nothing chosen" a cancel.
pub fn decide(env: &Environment) -> Chooser {
    if env.disabled {
        return Chooser::Typed(format!("{NO_NATIVE_DIALOGS_VAR} is set"));
    }
    if env.system_dialogs {
        return Chooser::Native("the system's file dialogs");
    }
    if !env.display {
        return Chooser::Typed("there is no display to show a file dialog on".to_owned());
    }
    let portal = match &env.portal {
        PortalAnswer::FileChooser { .. } if env.libdbus => {
            return Chooser::Native("the desktop portal's file chooser");
        }
        PortalAnswer::FileChooser { .. } => {
            "the desktop portal has a file chooser, but libdbus (libdbus-1.so.3) is missing"
        }
        PortalAnswer::Missing(why) => why.as_str(),
    };
    if env.zenity {
        return Chooser::Native("zenity");
    }
    Chooser::Typed(format!("{portal}, and zenity is not installed"))
}

/// Directories the dynamic loader searches, roughly: enough to tell whether a library that
/// rfd loads at run time is installed.
fn library_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/etc/ld.so.conf.d") {
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            dirs.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with('/'))
                    .map(PathBuf::from),
            );
        }
    }
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    for base in ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"] {
        dirs.push(Path::new(base).join(&multiarch));
        dirs.push(PathBuf::from(base));
    }
    dirs
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
}

/// Which kind of dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// Choose an existing folder.
    PickFolder,
    /// Choose an existing file.
    PickFile,
    /// Choose several existing files.
    PickFiles,
    /// Name a file or folder to be made.
    Save,
}

/// A file dialog as data: what to ask, where to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogSpec {
    /// Which kind.
    pub kind: DialogKind,
    /// Its title.
    pub title: String,
    /// The folder it starts in.
    pub directory: Option<PathBuf>,
    /// The name it suggests (save dialogs).
    pub file_name: Option<String>,
    /// File type filters: name and extensions.
    pub filters: Vec<(String, Vec<String>)>,
}

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

/// Whether a purpose opens the file dialog at once (the others keep the prompt, see the
/// module notes).
fn opens_directly(purpose: &PathPurpose) -> bool {
    matches!(
        purpose,
        PathPurpose::Open | PathPurpose::New | PathPurpose::Add
    )
}

/// The command a chosen path makes; `None` if nothing was chosen.
pub fn command_for(purpose: PathPurpose, mut paths: Vec<PathBuf>) -> Option<Command> {
    if paths.is_empty() {
        return None;
    }
    if purpose == PathPurpose::Add {
        return Some(Command::AddArticles(paths));
    }
    let path = paths.swap_remove(0);
    Some(match purpose {
        PathPurpose::Open => Command::OpenPath(path),
        PathPurpose::New => Command::NewProject(path),
        PathPurpose::ProjectFor(article) => Command::ProjectFor { article, dir: path },
        PathPurpose::Export(format) => Command::Export { format, out: path },
        PathPurpose::Import(format) => Command::Import { format, path },
        PathPurpose::Add => Command::AddArticles(vec![path]),
    })
}

type Chosen = Pin<Box<dyn Future<Output = Option<Vec<PathBuf>>>>>;

impl DialogSpec {
    /// Opens the dialog (on rfd's own thread where the platform allows); the future resolves
    /// when the user has chosen or cancelled.
    fn open(self) -> Chosen {
        let Self {
            kind,
            title,
            directory,
            file_name,
            filters,
        } = self;
        let mut dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .set_can_create_directories(true);
        if let Some(directory) = directory {
            dialog = dialog.set_directory(directory);
        }
        if let Some(file_name) = file_name {
            dialog = dialog.set_file_name(file_name);
        }
        for (name, extensions) in &filters {
            dialog = dialog.add_filter(name, extensions);
        }
        let one = |h: rfd::FileHandle| vec![h.path().to_path_buf()];
        match kind {
            DialogKind::PickFolder => Box::pin(async move { dialog.pick_folder().await.map(one) }),
            DialogKind::PickFile => Box::pin(async move { dialog.pick_file().await.map(one) }),
            DialogKind::Save => Box::pin(async move { dialog.save_file().await.map(one) }),
            DialogKind::PickFiles => Box::pin(async move {
                dialog
                    .pick_files()
                    .await
                    .map(|hs| hs.iter().map(|h| h.path().to_path_buf()).collect())
            }),
        }
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
    /// Asked by the prompt's "Browse…": the answer fills and submits the prompt.
    from_prompt: bool,
    /// The open dialog; `None` while the probe runs.
    dialog: Option<Chosen>,
}

/// The app's file dialogs: whether they work here, and the one open.
pub struct Dialogs {
    /// Use the system's file dialogs where they work (tests turn this off: they type paths).
    pub native: bool,
    probe: Probe,
    pending: Option<Pending>,
    /// The user was told once why paths are typed.
    told: bool,
}

impl Default for Dialogs {
    fn default() -> Self {
        Self {
            native: true,
            probe: Probe::NotStarted,
            pending: None,
            told: false,
        }
    }
}

impl std::fmt::Debug for Dialogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialogs")
            .field("native", &self.native)
            .field("chooser", &self.chooser())
            .field("open", &self.pending.is_some())
            .finish()
    }
}

impl Dialogs {
    /// How paths are asked for, once that is known.
    pub fn chooser(&self) -> Option<&Chooser> {
        match &self.probe {
            Probe::Done(chooser) => Some(chooser),
            _ => None,
        }
    }

    /// Whether a dialog is open (or about to open).
    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }
}

/// Asks for a path: the system's dialog where it works, else the typed prompt with `input`.
pub fn ask_path(app: &mut LectorApp, purpose: PathPurpose, input: String) {
    if !app.dialogs.native || !opens_directly(&purpose) {
        app.path_prompt = Some(PathPrompt { purpose, input });
        return;
    }
    if app.dialogs.pending.is_some() {
        app.say("a file dialog is open already", false);
        return;
    }
    // Opened in `poll`, at the end of this frame (or when the probe is done).
    app.dialogs.pending = Some(Pending {
        purpose,
        input,
        from_prompt: false,
        dialog: None,
    });
}

/// "Browse…" next to a prompt's path, where the system's dialogs work: the chosen path
/// submits the prompt.
pub fn browse_button_ui(dialogs: &mut Dialogs, ui: &mut egui::Ui, prompt: &PathPrompt) {
    let Some(Chooser::Native(service)) = dialogs.native.then(|| dialogs.chooser()).flatten() else {
        return;
    };
    let button = ui
        .add_enabled(dialogs.pending.is_none(), egui::Button::new("Browse…"))
        .on_hover_text(format!("Choose with {service}"));
    if button.clicked() {
        dialogs.pending = Some(Pending {
            purpose: prompt.purpose.clone(),
            input: prompt.input.clone(),
            from_prompt: true,
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
    if !app.dialogs.native {
        if let Some(pending) = app.dialogs.pending.take()
            && !pending.from_prompt
        {
            app.path_prompt = Some(PathPrompt {
                purpose: pending.purpose,
                input: pending.input,
            });
        }
        return;
    }
    probe(&mut app.dialogs, ctx);
    let Some(chooser) = app.dialogs.chooser().cloned() else {
        return; // The probe's thread asks for a frame when it is done.
    };
    let Some(pending) = &mut app.dialogs.pending else {
        return;
    };
    if let Chooser::Typed(why) = chooser {
        let Some(pending) = app.dialogs.pending.take() else {
            return;
        };
        if !app.dialogs.told {
            app.dialogs.told = true;
            app.say(format!("no file dialog here ({why}): type the path"), false);
        }
        if !pending.from_prompt {
            app.path_prompt = Some(PathPrompt {
                purpose: pending.purpose,
                input: pending.input,
            });
        }
        ctx.request_repaint();
        return;
    }
    let project = app.session.as_ref().map(|s| s.store.root().to_path_buf());
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
    let Some(pending) = app.dialogs.pending.take() else {
        return;
    };
    let purpose = if pending.from_prompt {
        // The prompt may have been cancelled meanwhile, or its format changed.
        match app.path_prompt.take() {
            Some(prompt) if chosen.as_ref().is_some_and(|c| !c.is_empty()) => prompt.purpose,
            prompt => {
                app.path_prompt = prompt;
                return;
            }
        }
    } else {
        pending.purpose
    };
    if let Some(command) = command_for(purpose, chosen.unwrap_or_default()) {
        app.commands.push(command);
        ctx.request_repaint();
    }
}

/// Starts the probe on a thread, once; collects its answer.
fn probe(dialogs: &mut Dialogs, ctx: &egui::Context) {
    match &dialogs.probe {
        Probe::NotStarted => {
            let ctx = ctx.clone();
            let started = std::thread::Builder::new()
                .name("file-dialog-probe".to_owned())
                .spawn(move || {
                    let chooser = decide(&Environment::detect());
                    ctx.request_repaint();
                    chooser
                });
            dialogs.probe = match started {
                Ok(handle) => Probe::Running(handle),
                Err(err) => Probe::Done(Chooser::Typed(format!("cannot start a thread: {err}"))),
            };
        }
        Probe::Running(handle) if handle.is_finished() => {
            let Probe::Running(handle) = std::mem::replace(&mut dialogs.probe, Probe::NotStarted)
            else {
                return;
            };
            dialogs.probe = Probe::Done(handle.join().unwrap_or_else(|_| {
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

    fn linux_desktop() -> Environment {
        Environment {
            disabled: false,
            system_dialogs: false,
            display: true,
            portal: PortalAnswer::FileChooser { version: 4 },
            libdbus: true,
            zenity: false,
        }
    }

    #[test]
    fn a_portal_with_libdbus_gives_native_dialogs() {
        assert_eq!(
            decide(&linux_desktop()),
            Chooser::Native("the desktop portal's file chooser")
        );
    }

    #[test]
    fn without_a_portal_zenity_or_the_prompt() {
        let no_portal = Environment {
            portal: PortalAnswer::Missing("no session bus".to_owned()),
            ..linux_desktop()
        };
        assert_eq!(
            decide(&no_portal),
            Chooser::Typed("no session bus, and zenity is not installed".to_owned())
        );
        let zenity = Environment {
            zenity: true,
            ..no_portal.clone()
        };
        assert_eq!(decide(&zenity), Chooser::Native("zenity"));
        // rfd cannot reach the portal without libdbus: it tries zenity, then gives up.
        let no_libdbus = Environment {
            libdbus: false,
            ..linux_desktop()
        };
        assert!(
            matches!(decide(&no_libdbus), Chooser::Typed(why) if why.contains("libdbus")),
            "{:?}",
            decide(&no_libdbus)
        );
    }

    #[test]
    fn the_variable_and_a_missing_display_win_over_everything_but_the_system() {
        let disabled = Environment {
            disabled: true,
            zenity: true,
            ..linux_desktop()
        };
        assert_eq!(
            decide(&disabled),
            Chooser::Typed(format!("{NO_NATIVE_DIALOGS_VAR} is set"))
        );
        let headless = Environment {
            display: false,
            zenity: true,
            ..linux_desktop()
        };
        assert!(matches!(decide(&headless), Chooser::Typed(_)));
        let windows = Environment {
            system_dialogs: true,
            display: false,
            portal: PortalAnswer::Missing("not asked".to_owned()),
            libdbus: false,
            ..linux_desktop()
        };
        assert_eq!(
            decide(&windows),
            Chooser::Native("the system's file dialogs")
        );
    }

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
        assert!(matches!(
            command_for(PathPurpose::Export(Format::Html), vec![p("/r.html")]),
            Some(Command::Export { format: Format::Html, out }) if out == p("/r.html")
        ));
    }
}
