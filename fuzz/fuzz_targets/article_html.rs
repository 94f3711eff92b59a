//! Fuzzes the html article reader: the input is the file's bytes. Whatever they are, the
//! reader returns an article or an error; it never panics, hangs or runs out of memory.
#![no_main]

use lector::article::{ArticleKind, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read(ArticleKind::Html, data);
});
