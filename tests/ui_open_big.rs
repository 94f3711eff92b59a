//! A project of many documents opens with its first document at once and reads the others
//! in the background: once that ends, every document is listed and a later one opens with
//! its annotations, as if the whole project had been read at the start; a document opened
//! while the rest is still being read shows its annotations too.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::Path;

use egui_kittest::kittest::Queryable as _;
use lector::model::{Annotation, checked_fragments};
use lector::store::ProjectStore;
use lector::ui::Command;

mod common;
#[path = "common/gui.rs"]
mod gui;

use gui::{harness, wait_for_jobs};

const DOCUMENTS: usize = 40;
const ANNOTATORS: [&str; 3] = ["anna", "bo", "erik"];

/// A project of `DOCUMENTS` documents, each annotated by every annotator: document `d` has
/// `d % 7 + 1` annotations of each.
fn many_documents(dir: &Path) -> Vec<String> {
    let mut store = ProjectStore::create(dir, "Many").unwrap();
    let mut ids = Vec::new();
    for d in 0..DOCUMENTS {
        let text = format!("Putin möter Lukashenko i Sotji, dokument {d}.\n").repeat(8);
        let id = store
            .add_text(&format!("doc{d:03}.txt"), &format!("Document {d:03}"), text)
            .unwrap();
        let doc = store.project.document(&id).unwrap().text.clone();
        for who in ANNOTATORS {
            let annotations = (0..d % 7 + 1)
                .map(|k| {
                    let start = u32::try_from(k * 40).unwrap();
                    Annotation::new(
                        "Person",
                        checked_fragments(&doc, &[(start, start + 5)]).unwrap(),
                    )
                })
                .collect();
            store.project.set_mut(&id, who).replace_all(annotations);
            store.save_set(&id, who).unwrap();
        }
        ids.push(id);
    }
    ids
}

#[test]
fn a_big_project_is_complete_once_read_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("many");
    let ids = many_documents(&project);
    let mut h = harness(&project, "anna");
    h.run();
    // The first document shows with its annotations, whether or not the rest is read yet.
    assert_eq!(h.state().document(), Some(ids[0].as_str()));
    assert_eq!(h.state().annotations().len(), 1);

    wait_for_jobs(&mut h);
    let session = h.state().session().unwrap();
    assert!(session.store.is_complete(), "every file is read");
    assert_eq!(session.store.project.documents.len(), DOCUMENTS);
    assert_eq!(
        session.store.project.sets.len(),
        DOCUMENTS * ANNOTATORS.len(),
        "every annotator's file of every document"
    );
    // The predictions are counted, of the whole project as read.
    assert_eq!(h.state().tracking().built_at(), Some(session.revision()));
    // The documents panel lists them.
    assert!(
        h.query_all_by_label_contains("Document 001")
            .next()
            .is_some(),
        "the documents panel lists the other documents"
    );

    // A later document opens with its annotations, and a colleague's.
    let later = &ids[DOCUMENTS - 2];
    h.state_mut().push(Command::OpenDocument(later.clone()));
    h.run();
    assert_eq!(h.state().document(), Some(later.as_str()));
    assert_eq!(h.state().annotations().len(), (DOCUMENTS - 2) % 7 + 1);
    let erik = h
        .state()
        .session()
        .unwrap()
        .store
        .project
        .set(later, "erik")
        .unwrap()
        .annotations()
        .len();
    assert_eq!(erik, (DOCUMENTS - 2) % 7 + 1);
}

#[test]
fn a_document_opened_before_it_is_read_shows_its_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("many");
    let ids = many_documents(&project);
    let mut h = harness(&project, "anna");
    // At once, before the background read can have reached the last document.
    let last = ids.last().unwrap();
    h.state_mut().push(Command::OpenDocument(last.clone()));
    h.run();
    assert_eq!(h.state().document(), Some(last.as_str()));
    assert_eq!(h.state().annotations().len(), (DOCUMENTS - 1) % 7 + 1);
    wait_for_jobs(&mut h);
    assert!(h.state().session().unwrap().store.is_complete());
    assert_eq!(h.state().annotations().len(), (DOCUMENTS - 1) % 7 + 1);
}
