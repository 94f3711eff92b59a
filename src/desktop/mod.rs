//! Desktop integration, apart from the app's UI: asking the session D-Bus whether the desktop
//! portal offers a file chooser ([`portal`], a small wire-protocol client with no D-Bus
//! library) and the system's file dialogs ([`file_dialogs`]; opening one needs the `gui`
//! feature, which brings `rfd`). Never imports egui.

pub mod file_dialogs;
pub mod portal;

pub use file_dialogs::{
    Chooser, DialogKind, DialogSpec, Environment, NO_NATIVE_DIALOGS_VAR, decide,
};
pub use portal::PortalAnswer;
