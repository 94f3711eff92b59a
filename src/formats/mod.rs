//! Export to, and import from, the formats other annotation and NLP tools read.
//! Never imports egui or eframe.
//!
//! Every exporter starts from Lector's convention (Unicode scalar offsets, half-open, on the
//! stored text) and converts at the edge through [`DocText`]: UTF-16 for doccano and UIMA XMI,
//! tokens for spaCy and CoNLL. Whatever a format cannot carry is counted in a [`LossReport`], never
//! dropped silently. Importers check every span against the text (and the quoted text where
//! the format repeats it) and list the spans that do not fit instead of shifting them.
//!
//! See `shared/reference/formats.md` for the shapes and the pitfalls.

pub mod brat;
pub mod conll;
pub mod csv;
pub mod docbin;
pub mod doccano;
pub mod html;
mod html_track;
pub mod import;
pub mod jsonl;
pub mod label_studio;
pub mod mapping;
pub mod spacy;
mod spacy_symbols;
pub mod tokens;
pub mod w3c;
pub mod xmi;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::{Annotation, AnnotationSet, AttrValue, DocText, Document, Project};

/// An interchange format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Lector's own JSON Lines: one annotation per line, nothing lost.
    Jsonl,
    /// One row per annotation, for spreadsheets (UTF-8 with BOM, formula-safe).
    Csv,
    /// brat standoff: a folder per annotator with `.txt` and `.ann` per document.
    Brat,
    /// doccano sequence-labelling JSONL (UTF-16 offsets).
    Doccano,
    /// W3C Web Annotation JSON-LD.
    W3c,
    /// spaCy `Doc.to_json()` JSON Lines.
    Spacy,
    /// spaCy training data: a `DocBin` (`.spacy`), optionally split into train and dev.
    SpacyDocbin,
    /// CoNLL two-column IOB2 (`token<TAB>tag`).
    Conll,
    /// UIMA CAS XMI as INCEpTION reads it: a folder per annotator with a `.xmi` per document
    /// (UTF-16 offsets) and `TypeSystem.xml`.
    Xmi,
    /// Label Studio tasks JSON (one task per document, one `annotations` entry per annotator)
    /// with the labelling config beside it.
    LabelStudio,
    /// A self-contained HTML report to read in a browser: highlights, tables, claims and
    /// predictions. Export only.
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Self; 11] = [
        Self::Jsonl,
        Self::Csv,
        Self::Brat,
        Self::Doccano,
        Self::W3c,
        Self::Spacy,
        Self::SpacyDocbin,
        Self::Conll,
        Self::Xmi,
        Self::LabelStudio,
        Self::Html,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
            Self::Brat => "brat",
            Self::Doccano => "doccano",
            Self::W3c => "w3c",
            Self::Spacy => "spacy",
            Self::SpacyDocbin => "spacy-docbin",
            Self::Conll => "conll",
            Self::Xmi => "xmi",
            Self::LabelStudio => "label-studio",
            Self::Html => "html",
        }
    }

    /// Whether an export is a folder rather than one file.
    pub fn is_folder(self) -> bool {
        matches!(self, Self::Brat | Self::Xmi | Self::LabelStudio)
    }

    /// The usual file extension of a one-file export (without the dot), for naming the file.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jsonl | Self::Doccano | Self::Spacy => "jsonl",
            Self::Csv => "csv",
            Self::W3c => "jsonld",
            Self::Conll => "conll",
            Self::Html => "html",
            Self::SpacyDocbin => "spacy",
            Self::Brat | Self::Xmi | Self::LabelStudio => "",
        }
    }

    /// Whether `lector import` reads this format.
    pub fn can_import(self) -> bool {
        matches!(
            self,
            Self::Jsonl | Self::Brat | Self::Doccano | Self::W3c | Self::Xmi | Self::LabelStudio
        )
    }

    /// The formats `lector import` reads, by name, for messages.
    pub fn importable_names() -> String {
        let names: Vec<&str> = Self::ALL
            .into_iter()
            .filter(|f| f.can_import())
            .map(Self::name)
            .collect();
        names.join(", ")
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that Lector does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown format {name:?}; known: {}", Format::ALL.map(Format::name).join(", "))]
pub struct UnknownFormat {
    /// The name given.
    pub name: String,
}

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .or(match lower.as_str() {
                "json" | "lector" => Some(Self::Jsonl),
                "iob" | "iob2" => Some(Self::Conll),
                "webanno" | "web-annotation" | "jsonld" => Some(Self::W3c),
                "uima" | "cas" | "inception" => Some(Self::Xmi),
                "labelstudio" | "label_studio" | "ls" => Some(Self::LabelStudio),
                "htm" | "report" => Some(Self::Html),
                "docbin" | "spacy_docbin" | "spacy-train" => Some(Self::SpacyDocbin),
                _ => None,
            })
            .ok_or(UnknownFormat { name: s.to_owned() })
    }
}

/// One kind of thing a format could not carry, with how often and where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loss {
    /// How many times it happened.
    pub count: usize,
    /// The first few places (`document/annotator/id` and what), for the user to look at.
    pub examples: Vec<String>,
}

/// How many examples a [`Loss`] keeps.
const MAX_EXAMPLES: usize = 3;

/// What an export could not carry (or had to change), by description. Deterministic order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LossReport {
    /// Losses by description, e.g. "attributes dropped: doccano has no span attributes".
    pub losses: BTreeMap<String, Loss>,
    /// Annotations written.
    pub annotations: usize,
    /// Documents written (one per document and annotator).
    pub documents: usize,
    /// What the user should know that is not a loss (where a split put the documents).
    pub notes: Vec<String>,
}

impl LossReport {
    /// Records one occurrence of a loss.
    pub fn add(&mut self, what: &str, example: impl FnOnce() -> String) {
        let loss = self.losses.entry(what.to_owned()).or_default();
        loss.count += 1;
        if loss.examples.len() < MAX_EXAMPLES {
            loss.examples.push(example());
        }
    }

    /// Whether nothing was lost.
    pub fn is_lossless(&self) -> bool {
        self.losses.is_empty()
    }

    /// The count of a loss whose description starts with `prefix` (0 if none).
    pub fn count(&self, prefix: &str) -> usize {
        self.losses
            .iter()
            .filter(|(what, _)| what.starts_with(prefix))
            .map(|(_, loss)| loss.count)
            .sum()
    }

    /// One line per loss, for stderr.
    pub fn lines(&self) -> Vec<String> {
        self.losses
            .iter()
            .map(|(what, loss)| {
                let mut line = format!("{} × {what}", loss.count);
                if !loss.examples.is_empty() {
                    let _ = write!(line, " (e.g. {})", loss.examples.join("; "));
                }
                line
            })
            .collect()
    }
}

/// The documents and annotators an export covers.
#[derive(Debug)]
pub struct Selection<'a> {
    /// The project.
    pub project: &'a Project,
    /// Annotation sets with their documents, in project document order, then by annotator.
    pub items: Vec<(&'a Document, &'a AnnotationSet)>,
    /// Settings some formats take.
    pub options: ExportOptions,
}

/// Settings of particular formats (`lector export --ls-user`, `--split`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportOptions {
    /// Label Studio: the user (e-mail address) to credit each annotator's work to. Annotators
    /// not listed are written without `completed_by`, which Label Studio gives to the user who
    /// imports; their names ride in the results' `meta`.
    pub ls_users: BTreeMap<String, String>,
    /// spacy-docbin: the share of documents (0–1) written to the training file; the rest go
    /// to the dev file beside it (see [`docbin_dev_path`]).
    pub split: Option<f64>,
}

/// The dev file written beside a training file `out` with `--split`: `dev.spacy` for
/// `train.spacy`, else `<name>-dev.spacy`.
pub fn docbin_dev_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if stem == "train" {
        "dev.spacy".to_owned()
    } else if let Some(prefix) = stem.strip_suffix("train") {
        format!("{prefix}dev.spacy")
    } else {
        format!("{stem}-dev.spacy")
    };
    out.with_file_name(name)
}

/// Why an export or import cannot run at all.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Reading or writing failed.
    #[error("{action}: {source}: {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
        /// The file.
        path: PathBuf,
    },
    /// A `--document` that the project does not have.
    #[error("the project has no document {id:?}")]
    UnknownDocument {
        /// The id given.
        id: String,
    },
    /// An `--annotator` with no annotations in the project.
    #[error("the project has no annotator {name:?}")]
    UnknownAnnotator {
        /// The name given.
        name: String,
    },
    /// The export would go somewhere it must not (see [`export_to`]).
    #[error("not exported to this place: {message}: {}", path.display())]
    Destination {
        /// Why.
        message: String,
        /// The place given.
        path: PathBuf,
    },
    /// The output folder has files in it already.
    #[error("the output folder is not empty; choose a new folder: {}", path.display())]
    FolderNotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// An input file that cannot be read as the format.
    #[error("{message}: {}:{line}", path.display())]
    Malformed {
        /// What is wrong.
        message: String,
        /// 1-based line (0 when the whole file is meant).
        line: usize,
        /// The file.
        path: PathBuf,
    },
    /// A file that cannot be read at all: missing, not a regular file, too large.
    #[error(transparent)]
    Read(#[from] crate::fsguard::ReadError),
    /// The format cannot be imported.
    #[error(
        "Lector cannot import {format} (it imports {})",
        Format::importable_names()
    )]
    NotImportable {
        /// The format.
        format: Format,
    },
}

/// A closure for [`FormatError::Io`].
pub(crate) fn io_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> FormatError {
    let path = path.to_path_buf();
    move |source| FormatError::Io {
        action,
        source,
        path,
    }
}

impl<'a> Selection<'a> {
    /// Selects the sets of the given annotators and documents (all when a list is empty).
    pub fn new(
        project: &'a Project,
        annotators: &[String],
        documents: &[String],
    ) -> Result<Self, FormatError> {
        for id in documents {
            if project.document(id).is_none() {
                return Err(FormatError::UnknownDocument { id: id.clone() });
            }
        }
        // Annotators, and reviewed sets (`review.<reviewer>`), which export like anyone's.
        let known = |name: &String| {
            project.sets.keys().any(|(_, a)| a == name) || project.entities.contains_key(name)
        };
        for name in annotators {
            if !known(name) {
                return Err(FormatError::UnknownAnnotator { name: name.clone() });
            }
        }
        let mut items = Vec::new();
        for document in &project.documents {
            if !documents.is_empty() && !documents.contains(&document.meta.id) {
                continue;
            }
            for ((doc_id, annotator), set) in &project.sets {
                if doc_id == &document.meta.id
                    && (annotators.is_empty() || annotators.contains(annotator))
                {
                    items.push((document, set));
                }
            }
        }
        Ok(Self {
            project,
            items,
            options: ExportOptions::default(),
        })
    }
}

/// Exports a selection to `out`: a file, or for folder formats a new or empty folder. See
/// [`export_to`].
pub fn export(
    format: Format,
    selection: &Selection<'_>,
    out: &Path,
) -> Result<LossReport, FormatError> {
    export_to(format, selection, out, None)
}

/// Where an export's bytes go, decided before anything is written.
#[derive(Debug, PartialEq, Eq)]
enum Sink {
    /// Standard output (`--out -`).
    Stdout,
    /// A device, a FIFO or a terminal: written to in place, never replaced.
    Stream(PathBuf),
    /// A regular file (or, for folder formats, a folder), replaced atomically. Symlinks are
    /// resolved: the link stays, its target gets the export.
    File(PathBuf),
}

/// The nearest existing ancestor of `path`, canonicalised, with the rest joined back on: the
/// place `path` names once symlinks of existing folders are followed.
fn resolve_lexically(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut current = absolute.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(current) {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (current.parent(), current.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                current = parent;
            }
            _ => return absolute,
        }
    }
}

/// Decides where an export to `out` goes, refusing what would destroy something: a path
/// inside the project folder, a dangling symlink, a device given to a folder format.
fn sink(out: &Path, project_root: Option<&Path>, folder: bool) -> Result<Sink, FormatError> {
    let refuse = |message: String| FormatError::Destination {
        message,
        path: out.to_path_buf(),
    };
    if out == Path::new("-") {
        return if folder {
            Err(refuse(
                "this format writes a folder of files, which cannot go to standard output"
                    .to_owned(),
            ))
        } else {
            Ok(Sink::Stdout)
        };
    }
    let link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    // What `out` is once symlinks are followed (its metadata, if it exists).
    let target_meta = std::fs::metadata(out);
    if link && target_meta.is_err() {
        return Err(refuse(
            "it is a symlink to something that does not exist; give the target's path".to_owned(),
        ));
    }
    let target = if link {
        // A link into /proc (`/proc/self/fd/1`) may not canonicalise: it is a stream then.
        std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf())
    } else {
        out.to_path_buf()
    };
    if let Some(root) = project_root {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if resolve_lexically(&target).starts_with(&root) {
            return Err(refuse(format!(
                "it is inside the project folder {}, where an export could replace the \
                 project's own files; choose a place outside it",
                root.display()
            )));
        }
    }
    match target_meta {
        Ok(meta) if meta.is_dir() && !folder => {
            Err(refuse("it is a folder; give a file name".to_owned()))
        }
        Ok(meta) if !meta.is_dir() && !meta.is_file() => {
            if folder {
                Err(refuse(
                    "it is a device or a pipe, and this format writes a folder".to_owned(),
                ))
            } else {
                Ok(Sink::Stream(out.to_path_buf()))
            }
        }
        _ => Ok(Sink::File(target)),
    }
}

/// Writes to a device, FIFO or terminal in place. A FIFO nobody reads is an error, not a
/// hang: it is opened without waiting (which fails at once without a reader) and written
/// through that same handle, waiting while the pipe is full, for at most a minute without
/// progress. (Opening it a second time, blocking, would wait forever if the reader had seen
/// the first handle close and gone.)
fn write_stream(path: &Path, bytes: &[u8]) -> Result<(), FormatError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
            #[cfg(target_os = "linux")]
            const O_NONBLOCK: i32 = 0o4000;
            #[cfg(not(target_os = "linux"))]
            const O_NONBLOCK: i32 = 0x0004;
            options.custom_flags(O_NONBLOCK);
        }
    }
    let mut file = options.open(path).map_err(|e| FormatError::Destination {
        message: format!("it cannot be opened for writing; a pipe needs a reader ({e})"),
        path: path.to_path_buf(),
    })?;
    let mut rest = bytes;
    let mut last_progress = std::time::Instant::now();
    while !rest.is_empty() {
        match file.write(rest) {
            Ok(0) => {
                return Err(io_err("cannot write the export", path)(
                    std::io::ErrorKind::WriteZero.into(),
                ));
            }
            Ok(n) => {
                rest = &rest[n..];
                last_progress = std::time::Instant::now();
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if last_progress.elapsed() > std::time::Duration::from_secs(60) {
                    return Err(FormatError::Destination {
                        message: "the reader of the pipe stopped reading for a minute".to_owned(),
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err("cannot write the export", path)(e)),
        }
    }
    file.flush()
        .map_err(io_err("cannot write the export", path))
}

/// Exports a selection to `out`: a file, `-` for standard output, or for folder formats a new
/// or empty folder. Nothing is destroyed: with `project_root`, a path inside the project is
/// refused; a device, FIFO or terminal is written to as a stream, never replaced by a file; a
/// symlink is written through to its target, which is replaced atomically.
pub fn export_to(
    format: Format,
    selection: &Selection<'_>,
    out: &Path,
    project_root: Option<&Path>,
) -> Result<LossReport, FormatError> {
    let mut report = LossReport::default();
    let sink = sink(out, project_root, format.is_folder())?;
    if format.is_folder() {
        let Sink::File(out) = sink else {
            return Err(FormatError::Destination {
                message: "this format writes a folder".to_owned(),
                path: out.to_path_buf(),
            });
        };
        let out = out.as_path();
        make_parent(out, &mut report)?;
        prepare_folder(out)?;
        match format {
            Format::Xmi => xmi::write_folder(selection, out, &mut report)?,
            Format::LabelStudio => label_studio::write_folder(selection, out, &mut report)?,
            _ => brat::write_folder(selection, out, &mut report)?,
        }
    } else {
        let mut bytes = Vec::new();
        let write = |bytes: &mut Vec<u8>, report: &mut LossReport| match format {
            Format::Jsonl => jsonl::write(selection, bytes, report),
            Format::Csv => csv::write(selection, bytes, report),
            Format::Doccano => doccano::write(selection, bytes, report),
            Format::W3c => w3c::write(selection, bytes, report),
            Format::Spacy => spacy::write(selection, bytes, report),
            Format::Conll => conll::write(selection, bytes, report),
            Format::Html => html::write(selection, bytes, report),
            Format::SpacyDocbin => docbin::write(selection, bytes, report, None),
            Format::Brat | Format::Xmi | Format::LabelStudio => Ok(()),
        };
        if format == Format::SpacyDocbin
            && let Some(share) = selection.options.split
        {
            return write_split(selection, out, &sink, share, report);
        }
        write(&mut bytes, &mut report).map_err(io_err("cannot write the export", out))?;
        match sink {
            Sink::Stdout => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout().lock();
                match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                    Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(io_err("cannot write the export", out)(err));
                    }
                    _ => {}
                }
            }
            Sink::Stream(path) => write_stream(&path, &bytes)?,
            Sink::File(path) => {
                make_parent(&path, &mut report)?;
                crate::store::atomic::write_atomic(&path, &bytes)
                    .map_err(io_err("cannot write the export", &path))?;
            }
        }
    }
    Ok(report)
}

/// Writes a spaCy training file and the dev file beside it, split by document.
fn write_split(
    selection: &Selection<'_>,
    out: &Path,
    sink: &Sink,
    share: f64,
    mut report: LossReport,
) -> Result<LossReport, FormatError> {
    let Sink::File(path) = sink else {
        return Err(FormatError::Destination {
            message: "--split writes two files (train and dev): give a file name".to_owned(),
            path: out.to_path_buf(),
        });
    };
    if !(0.0..=1.0).contains(&share) {
        return Err(FormatError::Destination {
            message: format!("--split {share} is not a share between 0 and 1"),
            path: out.to_path_buf(),
        });
    }
    let ids: Vec<&str> = selection
        .items
        .iter()
        .map(|(d, _)| d.meta.id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let train = docbin::split_documents(&ids, share);
    let dev_path = docbin_dev_path(path);
    let mut train_bytes = Vec::new();
    let mut dev_bytes = Vec::new();
    docbin::write(
        selection,
        &mut train_bytes,
        &mut report,
        Some((&train, true)),
    )
    .map_err(io_err("cannot write the export", path))?;
    docbin::write(
        selection,
        &mut dev_bytes,
        &mut report,
        Some((&train, false)),
    )
    .map_err(io_err("cannot write the export", &dev_path))?;
    make_parent(path, &mut report)?;
    crate::store::atomic::write_atomic(path, &train_bytes)
        .map_err(io_err("cannot write the export", path))?;
    crate::store::atomic::write_atomic(&dev_path, &dev_bytes)
        .map_err(io_err("cannot write the export", &dev_path))?;
    report.notes.push(format!(
        "split by document: {} in {} (training), {} in {} (dev)",
        train.len(),
        path.display(),
        ids.len() - train.len(),
        dev_path.display()
    ));
    Ok(report)
}

/// Makes the folder an export goes into if it does not exist, and says so in the report: a
/// mistyped folder is then seen, not silently made.
fn make_parent(out: &Path, report: &mut LossReport) -> Result<(), FormatError> {
    let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(io_err("cannot create the folder", dir))?;
    report.notes.push(format!(
        "made the folder {}, which did not exist",
        dir.display()
    ));
    Ok(())
}

/// Makes `dir` if needed and checks that it is empty, so that files of an older export never
/// mix with the new ones.
fn prepare_folder(dir: &Path) -> Result<(), FormatError> {
    std::fs::create_dir_all(dir).map_err(io_err("cannot create the folder", dir))?;
    let mut entries = std::fs::read_dir(dir).map_err(io_err("cannot read the folder", dir))?;
    if entries.next().is_some() {
        return Err(FormatError::FolderNotEmpty {
            path: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// `document/annotator/id`, to point at an annotation in a loss report.
pub(crate) fn place(set: &AnnotationSet, annotation: &Annotation) -> String {
    format!("{}/{}/{}", set.document, set.annotator, annotation.id)
}

/// An attribute value as JSON: numbers as numbers, everything else as its text.
pub(crate) fn value_to_json(value: &AttrValue) -> serde_json::Value {
    match value {
        AttrValue::Number(n) => serde_json::Number::from_f64(*n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        other => serde_json::Value::String(other.to_string()),
    }
}

/// The text of one fragment (empty if out of range, which a checked annotation never is).
pub(crate) fn fragment_text(text: &DocText, fragment: crate::model::Fragment) -> &str {
    text.slice(fragment.start, fragment.end).unwrap_or("")
}

/// Whether any two annotations of the list overlap (sorted by start).
pub(crate) fn overlaps_any(annotations: &[&Annotation], i: usize) -> bool {
    let Some(a) = annotations.get(i) else {
        return false;
    };
    annotations.iter().enumerate().any(|(j, b)| {
        j != i
            && a.fragments.iter().any(|fa| {
                b.fragments
                    .iter()
                    .any(|fb| fa.start < fb.end && fb.start < fa.end)
            })
    })
}
