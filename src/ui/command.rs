//! What the user asked for. Panels return commands; [`super::LectorApp::apply`] (in
//! `reducer.rs`) applies them after the frame's UI pass, in one place, which is where undo,
//! the dirty state and autosave live.

use std::path::PathBuf;

use crate::formats::Format;
use crate::model::{AnnotationId, CharOffset};
use crate::session::Edit;

/// A user action, applied after the UI pass.
#[must_use]
#[derive(Debug, Clone)]
pub enum Command {
    /// Change the current annotator's work on the open document.
    Edit(Vec<Edit>),
    /// Undo on the open document.
    Undo,
    /// Redo on the open document.
    Redo,
    /// Save everything now.
    Save,
    /// Show a document.
    OpenDocument(String),
    /// Open a project folder, or make a project for an article.
    OpenPath(PathBuf),
    /// Make a new project in a folder.
    NewProject(PathBuf),
    /// Add article files to the project.
    AddArticles(Vec<PathBuf>),
    /// Export annotations.
    Export(ExportRequest),
    /// Import annotations of another tool into the annotator's own sets.
    Import {
        /// The format.
        format: Format,
        /// The file or folder to read.
        path: PathBuf,
    },
    /// Make a project in a folder for an article; remember the folder's parent for next time.
    ProjectFor {
        /// The article.
        article: PathBuf,
        /// The project folder.
        dir: PathBuf,
    },
    /// Annotate as this person from now on.
    SetAnnotator(String),
    /// Select one of the annotator's annotations (and scroll to it), or none.
    Select(Option<AnnotationId>),
    /// Select a colleague's annotation, read-only (and scroll to it).
    SelectColleague {
        /// Whose.
        annotator: String,
        /// Which.
        id: AnnotationId,
    },
    /// Select the next (or previous) annotation in text order.
    StepAnnotation {
        /// Forward (Tab) or back (Shift+Tab).
        forward: bool,
    },
    /// Scroll so that a char of the open document shows, and put the caret there.
    Reveal(CharOffset),
    /// Tag the selection with a label.
    TagSelection(String),
    /// Add the selection as a further fragment of the selected annotation.
    AddFragment,
    /// Give the selected annotation another label.
    Relabel(String),
    /// Tag every search hit with a label, linking each to an entity.
    TagAllHits {
        /// The label.
        label: String,
        /// The entity the mentions are of, copied from a colleague's registry if needed.
        entity: Option<crate::model::Entity>,
    },
    /// Copy a colleague's annotation into the annotator's own set.
    CopyColleague {
        /// Whose.
        annotator: String,
        /// Which.
        id: AnnotationId,
    },
    /// Delete the selected annotation.
    DeleteSelected,
    /// Throw away unsaved changes of the open document and read it from disk again.
    ReloadFromDisk,
    /// Save over a file someone else changed.
    OverwriteDisk,
    /// Save, then commit the annotator's files, pull and push with git, in the background.
    Sync,
    /// Save, then read the project from disk again, keeping the open document.
    ReopenProject,
    /// Place every annotation of a document whose text was corrected again on the new text.
    Reanchor(String),
    /// An action of review mode.
    Review(super::review::ReviewCommand),
    /// An action of the Predictions, Claims or Track record views.
    Track(super::tracking::TrackCommand),
    /// A change of what the window shows (no project data changes).
    View(ViewCommand),
    /// A decision on suggestions (accept, reject, next, accept all).
    Suggest(super::suggestions::SuggestCommand),
    /// Paste as article.
    Paste(super::paste::PasteCommand),
    /// Add an article from the web.
    Fetch(super::fetch::FetchCommand),
    /// An answer of the import dialog's label mapping.
    ImportMapping(super::import_mapping::MappingCommand),
}

/// What an export writes: the command line's `lector export` choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The format.
    pub format: Format,
    /// The file or folder to write.
    pub out: PathBuf,
    /// Whose annotations (empty: everyone's).
    pub annotators: Vec<String>,
    /// Which documents (empty: all).
    pub documents: Vec<String>,
}

/// Which side panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The documents (left).
    Documents,
    /// The inspector and the list (right).
    Inspector,
}

/// A change of what the window shows.
#[derive(Debug, Clone)]
pub enum ViewCommand {
    /// Open the search bar and focus it.
    OpenSearch,
    /// Close the search bar.
    CloseSearch,
    /// Open the search bar on this query (its first hit from the caret selected).
    SearchFor(String),
    /// The next (or previous) search hit.
    StepHit(bool),
    /// Set the zoom of the whole interface.
    Zoom(f32),
    /// Dark or light theme.
    Dark(bool),
    /// Snap mouse selections to words.
    SnapToWords(bool),
    /// Ask for something in a dialog (the system's file dialog where it can).
    Ask(super::dialogs::Ask),
    /// Close the open dialog.
    CloseDialog,
    /// Show or hide the shortcuts window.
    Help(bool),
    /// Show or hide the message log.
    Messages(bool),
    /// Show or hide the last sync's report.
    SyncReport(bool),
    /// Open the label palette next to the selection.
    Palette(bool),
    /// Open a collapsed side panel, or collapse an open one.
    TogglePanel(Side),
    /// Show or hide a colleague's annotations beside one's own.
    ShowColleague {
        /// The colleague.
        annotator: String,
        /// Shown.
        shown: bool,
    },
    /// Move the caret: arrows, Home and End; `word` is Ctrl (by word, and to the
    /// document's start and end), `extend` is Shift (keeps the anchor).
    MoveCaret {
        /// The key.
        key: egui::Key,
        /// Ctrl held.
        word: bool,
        /// Shift held.
        extend: bool,
    },
    /// Clear the text selection and the selected annotation (Escape).
    ClearSelection,
}

impl From<ViewCommand> for Command {
    fn from(command: ViewCommand) -> Self {
        Self::View(command)
    }
}
