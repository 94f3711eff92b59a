//! What Lector's fuzz targets share: splitting one input into several files, the project an
//! import goes into, and running an import. See `scripts/fuzz.sh` and README "Fuzzing".

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lector::formats::{Format, import};
use lector::model::Project;
use lector::store::ProjectStore;

/// Between the files of one input: `<separator><relative path>\n<content>`.
pub const SEPARATOR: &[u8] = b"\n@@LECTOR-FUZZ-FILE@@ ";

/// The files of an input: `(relative path, content)`. Paths that would leave the folder, or
/// are not made of plain names, are dropped.
pub fn files(data: &[u8]) -> Vec<(PathBuf, &[u8])> {
    let mut files = Vec::new();
    let mut rest = data;
    loop {
        let (part, next) = match find(rest, SEPARATOR) {
            Some(at) => (&rest[..at], Some(&rest[at + SEPARATOR.len()..])),
            None => (rest, None),
        };
        if let Some(newline) = part.iter().position(|&b| b == b'\n') {
            let (name, content) = (&part[..newline], &part[newline + 1..]);
            if let Some(path) = safe_path(name) {
                files.push((path, content));
            }
        }
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    files
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn safe_path(name: &[u8]) -> Option<PathBuf> {
    let name = std::str::from_utf8(name).ok()?;
    let parts: Vec<&str> = name.split('/').collect();
    let plain = |p: &&str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.len() <= 64
            && p.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    (parts.len() <= 3 && parts.iter().all(plain)).then(|| parts.iter().collect())
}

/// Writes `files` into `dir`, emptied first.
pub fn write_files(dir: &Path, files: &[(PathBuf, &[u8])]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("scratch folder");
    for (path, content) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, content);
    }
}

/// A scratch folder for this process.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder"))
        .path()
}

/// The project imports go into: `fuzz/project`, one short article and the default schema,
/// no annotations (the import seeds were exported from it with its annotations).
pub fn target_project() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("project");
        let copy = scratch().join("target-project");
        std::fs::create_dir_all(copy.join("documents")).expect("copy");
        for rel in ["project.ron", "documents/article.txt"] {
            std::fs::copy(sample.join(rel), copy.join(rel)).expect("copy of the project");
        }
        let (store, problems) = ProjectStore::open(&copy).expect("the fuzz project opens");
        assert!(problems.is_empty(), "{problems:?}");
        store.project
    })
}

/// Imports the files of `data` as `format` from `given` (a file or folder of them, relative
/// to the scratch folder) into a copy of [`target_project`], as `lector import` does.
pub fn import(format: Format, data: &[u8], given: &str) {
    let dir = scratch().join("import");
    write_files(&dir, &files(data));
    let project = target_project();
    if let Ok(parsed) = import::read(format, project, &dir.join(given), "bob") {
        let mut copy = project.clone();
        let _ = import::apply(&mut copy, "bob", parsed);
    }
}

/// Imports one file: the whole input is its content.
pub fn import_file(format: Format, data: &[u8], name: &str) {
    let dir = scratch().join("import");
    write_files(&dir, &[(PathBuf::from(name), data)]);
    let project = target_project();
    if let Ok(parsed) = import::read(format, project, &dir.join(name), "bob") {
        let mut copy = project.clone();
        let _ = import::apply(&mut copy, "bob", parsed);
    }
}
