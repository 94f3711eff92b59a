//! The `.gitattributes` lines that send Lector's files to its merge driver, and the git
//! configuration line that names the driver.

use std::path::Path;

use super::{DRIVER, Kind};

/// The attributes file in the project folder, committed so that every clone has it.
pub const GITATTRIBUTES: &str = ".gitattributes";

/// The comment above Lector's lines.
const HEADER: &str = "# Lector merges its own files by id (`lector merge-driver`), so that colleagues' \
                      changes never need merging by hand; `lector sync` sets the driver up in \
                      each clone (git config merge.lector.driver).";

/// The lines of the project folder's `.gitattributes`: each kind of file, anchored to the
/// folder, `merge=lector`.
pub fn project_lines() -> Vec<String> {
    Kind::ALL
        .iter()
        .map(|kind| format!("/{} merge={DRIVER}", kind.pattern()))
        .collect()
}

/// The same lines for the repository's own `info/attributes`, which git reads in every merge
/// (a `.gitattributes` is read from the checked-out tree, so one that is still only in the
/// commit being rebased does not count yet). `prefix` is the project folder inside the work
/// tree (empty, or ending in `/`).
pub fn repository_lines(prefix: &str) -> Vec<String> {
    Kind::ALL
        .iter()
        .map(|kind| {
            let pattern = format!("/{}{}", escape_glob(prefix), kind.pattern());
            format!("{} merge={DRIVER}", quote_pattern(&pattern))
        })
        .collect()
}

/// Makes sure the project folder's `.gitattributes` has Lector's lines, keeping whatever
/// else it says. Returns whether it was changed.
pub fn ensure_project_attributes(root: &Path) -> std::io::Result<bool> {
    let path = crate::store::confine::inside(root, Path::new(GITATTRIBUTES))
        .map_err(|refused| std::io::Error::other(refused.to_string()))?;
    ensure_lines(&path, &project_lines())
}

/// Makes sure an attributes file has these lines (added at its end under a comment, if any
/// is missing), written atomically. Returns whether it was changed.
pub fn ensure_lines(path: &Path, lines: &[String]) -> std::io::Result<bool> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err),
    };
    let present: std::collections::BTreeSet<&str> = old.lines().map(str::trim).collect();
    let missing: Vec<&String> = lines
        .iter()
        .filter(|l| !present.contains(l.as_str()))
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut text = old.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !present.contains(HEADER) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(HEADER);
        text.push('\n');
    }
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::store::atomic::write_atomic(path, text.as_bytes())?;
    Ok(true)
}

/// The value of `merge.lector.driver`: the shell command git runs, with `lector` by its
/// absolute path (quoted for the shell git runs it with).
pub fn driver_command(lector: &Path) -> String {
    format!(
        "{} merge-driver %O %A %B %P",
        shell_quote(&lector.to_string_lossy())
    )
}

fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:".contains(c))
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A literal path as a gitattributes glob: `*`, `?`, `[` and `\` escaped.
fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A pattern with spaces or quotes in C-style quotes, as gitattributes reads them.
fn quote_pattern(pattern: &str) -> String {
    if !pattern.contains(|c: char| c.is_whitespace() || c == '"') {
        return pattern.to_owned();
    }
    let mut out = String::from("\"");
    for c in pattern.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_added_once_and_other_lines_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".gitattributes");
        std::fs::write(&file, "*.pdf binary").unwrap();
        assert!(ensure_project_attributes(dir.path()).unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("*.pdf binary\n\n# Lector merges"),
            "{text}"
        );
        assert!(text.contains("\n/project.ron merge=lector\n"), "{text}");
        assert!(
            text.contains("\n/annotations/*/*.ron merge=lector\n"),
            "{text}"
        );
        assert!(!ensure_project_attributes(dir.path()).unwrap());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    }

    #[test]
    fn repository_lines_escape_the_project_folder() {
        assert_eq!(repository_lines("")[0], "/project.ron merge=lector");
        assert_eq!(
            repository_lines("news/")[1],
            "/news/annotations/*/*.ron merge=lector"
        );
        assert_eq!(
            repository_lines("my [x] news/")[0],
            "\"/my \\\\[x] news/project.ron\" merge=lector"
        );
    }

    #[test]
    fn the_driver_command_quotes_the_program() {
        assert_eq!(
            driver_command(Path::new("/usr/bin/lector")),
            "/usr/bin/lector merge-driver %O %A %B %P"
        );
        assert_eq!(
            driver_command(Path::new("/home/o'neil/my apps/lector")),
            r"'/home/o'\''neil/my apps/lector' merge-driver %O %A %B %P"
        );
    }
}
