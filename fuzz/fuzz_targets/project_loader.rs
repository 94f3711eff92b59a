//! Fuzzes loading a project folder: the input is its files (`project.ron`, document texts,
//! annotation, entity and review files), split by `lector_fuzz::SEPARATOR` (each part
//! `<relative path>\n<content>`). A project that loads is also exported to every one-file
//! format, in memory.
#![no_main]

use lector::formats::{self, LossReport, Selection};
use lector::store::ProjectStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = lector_fuzz::scratch().join("project");
    lector_fuzz::write_files(&dir, &lector_fuzz::files(data));
    let Ok((store, _problems)) = ProjectStore::open(&dir) else {
        return;
    };
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
