//! Fuzzes the brat importer: the input is a folder of `.ann` and `.txt` files, split by
//! `lector_fuzz::SEPARATOR` (each part `<name>\n<content>`).
#![no_main]

use lector::formats::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lector_fuzz::import(Format::Brat, data, ".");
});
