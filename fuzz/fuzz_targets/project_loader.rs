//! Fuzzes loading a project folder: the input is its files (`project.ron`, document texts,
//! annotation, entity and review files), split by `lector_fuzz::SEPARATOR` (each part
//! `<relative path>\n<content>`). A project that loads is also exported to every one-file
//! format, in memory, and each annotation set that loaded without a problem is saved as a
//! save writes it and read back: it must read back as the same set.
#![no_main]

use lector::formats::{self, LossReport, Selection};
use lector::store::{ProjectStore, convert, set_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = lector_fuzz::scratch().join("project");
    lector_fuzz::write_files(&dir, &lector_fuzz::files(data));
    let Ok((store, problems)) = ProjectStore::open(&dir) else {
        return;
    };
    for ((document, annotator), set) in &store.project.sets {
        let rel = lector::store::set_path(document, annotator);
        let Some(doc) = store.project.document(document) else {
            continue;
        };
        if problems.iter().any(|p| p.file == rel) {
            continue;
        }
        let written = set_text::write(set, &doc.text).expect("serialised");
        let (again, read_problems) = convert::read_set(&written, &rel, &doc.text, 1)
            .expect("what a save writes is read by Lector's own reader");
        assert!(read_problems.is_empty(), "{read_problems:?}");
        assert_eq!(again.annotations(), set.annotations(), "{document}/{annotator}");
        assert_eq!(again.status, set.status);
    }
    let Ok(selection) = Selection::new(&store.project, &[], &[]) else {
        return;
    };
    let mut out = Vec::new();
    let mut report = LossReport::default();
    let _ = formats::jsonl::write(&selection, &mut out, &mut report);
    let _ = formats::csv::write(&selection, &mut out, &mut report);
    let _ = formats::doccano::write(&selection, &mut out, &mut report);
    let _ = formats::w3c::write(&selection, &mut out, &mut report);
    let _ = formats::spacy::write(&selection, &mut out, &mut report);
    let _ = formats::conll::write(&selection, &mut out, &mut report);
    let _ = formats::html::write(&selection, &mut out, &mut report);
});
