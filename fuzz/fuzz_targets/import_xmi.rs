//! Fuzzes the xmi importer: the input is the file to import.
#![no_main]

use lector::formats::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lector_fuzz::import_file(Format::Xmi, data, "x.xmi");
});
