//! What a sync commits: the user's own changed files, sorted from the rest, and a commit
//! message naming the documents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::repo::Repo;
use super::report::OwnCommit;
use super::{SyncError, native_path, nul_fields};
use crate::store::PROJECT_FILE;

/// What to commit.
#[derive(Debug, Default)]
pub(super) struct CommitPlan {
    /// The user's changed files, as git paths relative to the project folder.
    pub(super) own: Vec<String>,
    /// Documents the user added: (id, title).
    pub(super) added_documents: Vec<(String, String)>,
    /// Changed files left out, relative to the project folder.
    pub(super) left_out: Vec<PathBuf>,
    /// Things to tell the user.
    pub(super) notes: Vec<String>,
}

impl Repo<'_> {
    /// Sorts the changed files of the project into the user's own and the rest.
    pub(super) fn plan_commit(&self, annotator: &str) -> Result<CommitPlan, SyncError> {
        let status = self.run(&[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            ".",
        ])?;
        // Entries are `XY path`, the path relative to the top of the work tree.
        let changed: Vec<&str> = nul_fields(&status)
            .filter_map(|entry| entry.get(3..))
            .filter_map(|path| path.strip_prefix(&self.prefix))
            .collect();
        let mut plan = CommitPlan::default();
        let mut added = BTreeSet::new();
        if changed.contains(&PROJECT_FILE) {
            let now = std::fs::read_to_string(self.root.join(PROJECT_FILE)).map_err(|source| {
                SyncError::Io {
                    action: "cannot read",
                    source,
                    path: self.root.join(PROJECT_FILE),
                }
            })?;
            let before = self
                .git
                .output(&self.root, &["show", &format!("HEAD:./{PROJECT_FILE}")])?;
            let known: BTreeSet<String> = if before.success {
                document_list(&before.stdout)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            } else {
                BTreeSet::new()
            };
            for (id, title) in document_list(&now) {
                if !known.contains(&id) {
                    added.insert(id.clone());
                    plan.added_documents.push((id, title));
                }
            }
            if added.is_empty() {
                plan.notes.push(format!(
                    "{PROJECT_FILE} changed, but not by adding documents (labels edited?): it \
                     is shared by the whole team, so it was not committed; commit it yourself \
                     if the change is meant for everyone"
                ));
            }
        }
        for path in changed {
            if is_own(path, annotator, &added) {
                plan.own.push(path.to_owned());
            } else {
                plan.left_out.push(native_path(path));
            }
        }
        plan.own.sort();
        plan.left_out.sort();
        Ok(plan)
    }

    /// Stages and commits the user's files; `None` if they turn out to have no changes.
    pub(super) fn commit(
        &self,
        plan: &CommitPlan,
        annotator: &str,
    ) -> Result<Option<OwnCommit>, SyncError> {
        let pathspecs = nul_joined(&plan.own);
        self.git.run_with_input(
            &self.root,
            &[
                "--literal-pathspecs",
                "add",
                "-A",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
            ],
            Some(&pathspecs),
        )?;
        // What is staged in the project that differs from HEAD, of the user's files only
        // (something else may have been staged by hand; it is left staged, not committed).
        let staged = self.run(&[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--relative",
            "--",
            ".",
        ])?;
        let own: BTreeSet<&str> = plan.own.iter().map(String::as_str).collect();
        let files: Vec<String> = nul_fields(&staged)
            .filter(|p| own.contains(p))
            .map(str::to_owned)
            .collect();
        if files.is_empty() {
            return Ok(None);
        }
        let titles = document_titles(&self.root);
        let (subject, body) = commit_message(annotator, &files, &plan.added_documents, &titles);
        let out = self.git.output_with_input(
            &self.root,
            &[
                "--literal-pathspecs",
                "commit",
                "--quiet",
                "-m",
                &subject,
                "-m",
                &body,
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
            ],
            Some(&nul_joined(&files)),
        )?;
        if !out.success {
            return Err(SyncError::Git {
                command: "git commit".to_owned(),
                message: format!(
                    "{}. Your files are unchanged and staged; fix the cause (a commit hook?) \
                     and sync again",
                    out.message()
                ),
                path: self.root.clone(),
            });
        }
        let id = self
            .run(&["rev-parse", "--short", "HEAD"])?
            .trim()
            .to_owned();
        Ok(Some(OwnCommit {
            id,
            subject,
            files: files.iter().map(|f| native_path(f)).collect(),
        }))
    }
}

/// Whether a changed file (git path relative to the project folder) is the annotator's to
/// commit: their annotations, entities, resolutions, decisions on suggestions and the
/// suggestions they imported, and as a reviewer their reviewed set
/// (`review.<annotator>`) and decisions. `added` are the documents the annotator added.
fn is_own(path: &str, annotator: &str, added: &BTreeSet<String>) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let reviewed = crate::model::review::review_set_name(annotator);
    match parts.as_slice() {
        ["annotations", who, file] => {
            (*who == annotator || *who == reviewed) && is_data_file(file, ".ron")
        }
        ["reviews", who, file] => *who == annotator && is_data_file(file, ".ron"),
        ["entities", file] => {
            let stem = file.strip_suffix(".ron");
            stem == Some(annotator) || stem == Some(reviewed.as_str())
        }
        // Lector's merge settings, kept up to date by every sync (see `setup.rs`).
        [file] if *file == crate::merge::GITATTRIBUTES => true,
        ["resolutions", file] => file.strip_suffix(".ron") == Some(annotator),
        ["triage", file] => file.strip_suffix(".ron") == Some(annotator),
        // Suggestions change in a clone only by an import made there (`lector import
        // --as-suggestions`): whoever imported them shares them.
        ["suggestions", _, file] => is_data_file(file, ".ron"),
        [file] => *file == PROJECT_FILE && !added.is_empty(),
        ["documents", file] => file
            .strip_suffix(".txt")
            .is_some_and(|id| added.contains(id)),
        _ => false,
    }
}

/// A file Lector wrote (not a hidden temporary file of an unfinished save).
fn is_data_file(name: &str, extension: &str) -> bool {
    !name.starts_with('.') && name.len() > extension.len() && name.ends_with(extension)
}

fn nul_joined(paths: &[String]) -> Vec<u8> {
    paths.join("\0").into_bytes()
}

/// The documents listed in a `project.ron`, as (id, title), read leniently (any format
/// version that keeps `documents: [(id, title, ..)]`); empty if it cannot be read.
fn document_list(text: &str) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Documents {
        #[serde(default)]
        documents: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        id: String,
        #[serde(default)]
        title: String,
    }
    crate::store::ron_file::parse::<Documents>(Path::new(PROJECT_FILE), text)
        .map(|d| d.documents.into_iter().map(|e| (e.id, e.title)).collect())
        .unwrap_or_default()
}

/// Document titles by id from the project file in `root`.
pub(super) fn document_titles(root: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(root.join(PROJECT_FILE))
        .map(|text| document_list(&text).into_iter().collect())
        .unwrap_or_default()
}

/// The commit message: "Lector: anna annotated "Title"" and a body listing the files.
fn commit_message(
    annotator: &str,
    files: &[String],
    added: &[(String, String)],
    titles: &BTreeMap<String, String>,
) -> (String, String) {
    let mut annotated = Vec::new();
    let mut entities = false;
    let mut attributes = false;
    let mut resolved = false;
    for file in files {
        let parts: Vec<&str> = file.split('/').collect();
        match parts.as_slice() {
            ["annotations", _, name] => {
                if let Some(id) = name.strip_suffix(".ron") {
                    annotated.push(id);
                }
            }
            ["entities", _] => entities = true,
            [file] if *file == crate::merge::GITATTRIBUTES => attributes = true,
            ["resolutions", _] => resolved = true,
            _ => {}
        }
    }
    let quoted = |id: &str| {
        let title = titles.get(id).map_or(id, String::as_str);
        let short: String = title.chars().take(60).collect();
        if short.len() < title.len() {
            format!("\"{short}…\"")
        } else {
            format!("\"{short}\"")
        }
    };
    let some = |ids: &[&str], noun: &str| match ids {
        [one] => quoted(one),
        [a, b] => format!("{} and {}", quoted(a), quoted(b)),
        _ => format!("{} {noun}", ids.len()),
    };
    let mut parts = Vec::new();
    if !added.is_empty() {
        let ids: Vec<&str> = added.iter().map(|(id, _)| id.as_str()).collect();
        let noun = if ids.len() == 1 {
            "document"
        } else {
            "documents"
        };
        parts.push(format!("added {}", some(&ids, noun)));
    }
    if !annotated.is_empty() {
        parts.push(format!("annotated {}", some(&annotated, "documents")));
    }
    if entities {
        parts.push("updated entities".to_owned());
    }
    if attributes {
        parts.push("set up merging by id".to_owned());
    }
    if resolved {
        parts.push("resolved predictions".to_owned());
    }
    if parts.is_empty() {
        parts.push("updated annotations".to_owned());
    }
    let subject = format!("Lector: {annotator} {}", parts.join(", "));
    let mut body = String::from("Committed by `lector sync`:\n");
    for file in files.iter().take(50) {
        body.push_str("\n  ");
        body.push_str(file);
    }
    if files.len() > 50 {
        body.push_str(&format!("\n  … and {} more", files.len() - 50));
    }
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_annotators_files_are_their_own() {
        let none = BTreeSet::new();
        let added = BTreeSet::from(["talks".to_owned()]);
        assert!(is_own("annotations/anna/talks.ron", "anna", &none));
        assert!(is_own("entities/anna.ron", "anna", &none));
        assert!(!is_own("annotations/bo/talks.ron", "anna", &none));
        assert!(!is_own(
            "annotations/anna/.talks.ron.1234.lector-tmp",
            "anna",
            &none
        ));
        assert!(!is_own("annotations/anna/sub/talks.ron", "anna", &none));
        assert!(!is_own("entities/bo.ron", "anna", &none));
        assert!(!is_own("entities/annabel.ron", "anna", &none));
        // A reviewer's reviewed set and decisions are theirs; others' are not.
        assert!(is_own("annotations/review.anna/talks.ron", "anna", &none));
        assert!(is_own("entities/review.anna.ron", "anna", &none));
        assert!(is_own("reviews/anna/talks.ron", "anna", &none));
        assert!(is_own("resolutions/anna.ron", "anna", &none));
        assert!(!is_own("resolutions/bo.ron", "anna", &none));
        assert!(!is_own("resolutions/.anna.ron.1.lector-tmp", "anna", &none));
        assert!(!is_own("reviews/bo/talks.ron", "anna", &none));
        assert!(!is_own("annotations/review.bo/talks.ron", "anna", &none));
        assert!(!is_own("project.ron", "anna", &none));
        assert!(!is_own("documents/talks.txt", "anna", &none));
        assert!(is_own("project.ron", "anna", &added));
        assert!(is_own("documents/talks.txt", "anna", &added));
        assert!(!is_own("documents/other.txt", "anna", &added));
        assert!(!is_own(".gitignore", "anna", &added));
        assert!(is_own(".gitattributes", "anna", &none));
    }

    #[test]
    fn commit_messages_name_the_documents() {
        let titles = BTreeMap::from([("talks".to_owned(), "Talks in Sochi".to_owned())]);
        let files = [
            "annotations/anna/talks.ron".to_owned(),
            "entities/anna.ron".to_owned(),
        ];
        let (subject, body) = commit_message("anna", &files, &[], &titles);
        assert_eq!(
            subject,
            "Lector: anna annotated \"Talks in Sochi\", updated entities"
        );
        assert!(body.contains("annotations/anna/talks.ron"), "{body}");
        let many: Vec<String> = (0..4)
            .map(|i| format!("annotations/anna/d{i}.ron"))
            .collect();
        let (subject, _) = commit_message("anna", &many, &[], &titles);
        assert_eq!(subject, "Lector: anna annotated 4 documents");
        let added = [("talks".to_owned(), "Talks in Sochi".to_owned())];
        let files = ["project.ron".to_owned(), "documents/talks.txt".to_owned()];
        let (subject, _) = commit_message("anna", &files, &added, &titles);
        assert_eq!(subject, "Lector: anna added \"Talks in Sochi\"");
    }

    #[test]
    fn document_lists_are_read_leniently() {
        let text = r#"(format_version: 9, name: "X", schema: (labels: [(a: [1, 2])]),
            documents: [(id: "a", title: "A", future_field: Some(3)), (id: "b")])"#;
        assert_eq!(
            document_list(text),
            [
                ("a".to_owned(), "A".to_owned()),
                ("b".to_owned(), String::new())
            ]
        );
        assert!(document_list("<<<<<<< HEAD").is_empty());
    }
}
