//! The desktop's file dialogs: whether the system can show one here ([`decide`], from what
//! [`Environment::detect`] finds, including the portal probe of [`super::portal`]), and a
//! dialog described as data ([`DialogSpec`]) opened through `rfd` (with the `gui` feature).
//!
//! ## Implementation notes
//!
//! - `rfd` returns nothing both when the user cancels and when no dialog could be shown (no
//!   portal, no zenity). So whether a dialog can be shown is decided first, once per run: on
//!   Linux, the XDG desktop portal's file chooser on the session bus plus the libdbus that rfd
//!   loads, else zenity. Detection blocks (the bus may have to start the portal): run it off
//!   the UI thread.
//! - Dialogs run through rfd's async API: on Linux rfd runs the dialog on a thread of its own
//!   and the returned future resolves when the user has chosen or cancelled.

use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// What an open dialog resolves to: the chosen paths, or `None` when cancelled.
#[cfg(feature = "gui")]
pub type Chosen = std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<PathBuf>>>>>;

#[cfg(feature = "gui")]
impl DialogSpec {
    /// Opens the dialog (on rfd's own thread where the platform allows); the future resolves
    /// when the user has chosen or cancelled.
    pub fn open(self) -> Chosen {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
