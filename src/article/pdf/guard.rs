//! The limits that keep a hostile PDF from exhausting memory or time. See README "Limits".
//!
//! ## Implementation notes
//!
//! A PDF's streams are compressed, often 1000 to 1: a 1 MB file can unpack to 1 GiB, which
//! aborted the process when the allocation failed (an abort, not a panic, so the reader
//! thread's panic containment did not help). `lopdf` inflates while loading (cross-reference
//! and object streams) and `pdf-extract` while reading pages (content streams, forms and
//! images drawn with `Do`, fonts, colour profiles), each time without a bound, and decodes each
//! content stream into a list of operations about twenty times its size. Neither has a hook
//! or a limit, so Lector checks before handing the file over:
//!
//! 1. [`preflight`], on the bytes before `lopdf` parses them: every `stream` is inflated as
//!    its dictionary's `/Filter` says (FlateDecode, LZWDecode, ASCII85Decode, chained), into
//!    a counter, never into memory, until the total passes [`MAX_INFLATED_BYTES`].
//!    The decoders stop at the compressed data's own end, so a wrong `/Length` or a fake
//!    `endstream` inside the data does not hide anything.
//! 2. [`check_document`], on the parsed document: the same total over its streams (which
//!    catches streams only `lopdf` could decrypt), every page's `/Parent` chain (a loop made
//!    `pdf-extract` recurse until the stack overflowed), and the drawing work of each page:
//!    its content streams plus, for every `Do`, the form or image it draws (again for every
//!    use, recursively, at most [`MAX_FORM_DEPTH`] deep), in all at most
//!    [`MAX_CONTENT_BYTES`], each stream at most [`MAX_CONTENT_STREAM_BYTES`].
//! 3. [`neutralise_colour_spaces`]: every colour space of a resource dictionary becomes
//!    `DeviceRGB`. Text needs no colour, and `pdf-extract` inflated an ICC profile again for
//!    every `cs` operator (and panicked on CMYK and indexed spaces).
//! 4. While `pdf-extract` runs, the collector stops it (an error from the output device)
//!    beyond [`MAX_GLYPHS`] characters, [`MAX_TEXT_BYTES`] of text or [`MAX_READ_TIME`].

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::time::{Duration, Instant};

use pdf_extract::{Dictionary, Document, Object, ObjectId};

/// All streams of a PDF together may unpack to at most this.
pub const MAX_INFLATED_BYTES: u64 = 256 * 1024 * 1024;
/// The drawing instructions of all pages, each use of a form or image counted again, may come
/// to at most this (the reader's work grows with it, and its memory about twenty-fold).
pub const MAX_CONTENT_BYTES: u64 = 64 * 1024 * 1024;
/// One content stream (a page's, a form's) may unpack to at most this.
pub const MAX_CONTENT_STREAM_BYTES: u64 = 16 * 1024 * 1024;
/// Forms drawing forms: at most this deep (a form that draws itself is refused).
pub const MAX_FORM_DEPTH: usize = 16;
/// At most this many characters are read from a PDF (a 1,000-page book).
pub const MAX_GLYPHS: usize = 2_000_000;
/// At most this much text (bytes of UTF-8) is read from a PDF.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Reading a PDF may take at most this long.
pub const MAX_READ_TIME: Duration = Duration::from_secs(30);

/// What one `Do` costs besides the content it draws: a lookup and a decode call.
const DO_COST: u64 = 256;
/// `/Parent` links followed at most (page trees are a few levels deep).
const MAX_PARENT_CHAIN: usize = 256;

/// A PDF beyond one of the limits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfLimit {
    /// The streams unpack to more than [`MAX_INFLATED_BYTES`].
    #[error(
        "this PDF unpacks to more than {} MiB (a decompression bomb?); Lector reads PDFs that unpack to at most that",
        MAX_INFLATED_BYTES >> 20
    )]
    Inflated,
    /// One content stream unpacks to more than [`MAX_CONTENT_STREAM_BYTES`].
    #[error(
        "a page of this PDF has more than {} MiB of drawing instructions in one stream; Lector reads up to that",
        MAX_CONTENT_STREAM_BYTES >> 20
    )]
    ContentStream,
    /// The pages' drawing instructions come to more than [`MAX_CONTENT_BYTES`].
    #[error(
        "the pages of this PDF come to more than {} MiB of drawing instructions (counting each use of a form or image again); Lector reads up to that",
        MAX_CONTENT_BYTES >> 20
    )]
    Content,
    /// Forms nested deeper than [`MAX_FORM_DEPTH`], or a form that draws itself.
    #[error("this PDF nests forms more than {MAX_FORM_DEPTH} deep, or a form draws itself")]
    FormDepth,
    /// A page's `/Parent` chain loops.
    #[error("the page tree of this PDF loops (a page or page group is its own ancestor)")]
    PageTreeLoop,
    /// More than [`MAX_GLYPHS`] characters or [`MAX_TEXT_BYTES`] of text.
    #[error("this PDF has more than {MAX_GLYPHS} characters of text; Lector reads PDFs up to that")]
    Text,
    /// Reading took longer than [`MAX_READ_TIME`].
    #[error("reading this PDF took longer than {} s, so Lector stopped", MAX_READ_TIME.as_secs())]
    Time,
}

/// A filter `lopdf` decodes, or another one (after which it keeps the raw bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filter {
    Flate,
    Lzw { early_change: bool },
    Ascii85,
    Other,
}

impl Filter {
    fn of(name: &[u8], early_change: bool) -> Self {
        match name {
            b"FlateDecode" => Self::Flate,
            b"LZWDecode" => Self::Lzw { early_change },
            b"ASCII85Decode" => Self::Ascii85,
            _ => Self::Other,
        }
    }
}

/// More output than the budget allowed.
#[derive(Debug)]
struct Over;

/// Where decoded bytes go: kept, or only counted.
enum Out<'a> {
    Keep(&'a mut Vec<u8>),
    Count,
}

/// Decodes `data` through `filters` as `lopdf` would, giving the number of bytes that come out
/// (and the bytes themselves into `keep`, if given), or [`Over`] once more than `limit` came
/// out. With a filter `lopdf` does not decode, `lopdf` (and `pdf-extract` after it) keep the
/// raw bytes, and so does this.
fn decode(
    data: &[u8],
    filters: &[Filter],
    limit: u64,
    keep: Option<&mut Vec<u8>>,
) -> Result<u64, Over> {
    if filters.is_empty() || filters.contains(&Filter::Other) {
        if data.len() as u64 > limit {
            return Err(Over);
        }
        if let Some(keep) = keep {
            keep.extend_from_slice(data);
        }
        return Ok(data.len() as u64);
    }
    // The output of the stage before, the input of the next.
    let mut between: Option<Vec<u8>> = None;
    let last = filters.len() - 1;
    let mut keep = keep;
    for (i, &filter) in filters.iter().enumerate() {
        let current = between.as_deref().unwrap_or(data);
        if i == last {
            let out = match keep.as_deref_mut() {
                Some(vec) => Out::Keep(vec),
                None => Out::Count,
            };
            return stage(filter, current, limit, out);
        }
        let mut next = Vec::new();
        stage(filter, current, limit, Out::Keep(&mut next))?;
        between = Some(next);
    }
    Ok(0)
}

/// One filter of a chain.
fn stage(filter: Filter, data: &[u8], limit: u64, mut out: Out<'_>) -> Result<u64, Over> {
    let mut written = 0u64;
    let mut emit = |bytes: &[u8]| -> Result<(), Over> {
        written += bytes.len() as u64;
        if written > limit {
            return Err(Over);
        }
        if let Out::Keep(vec) = &mut out {
            vec.extend_from_slice(bytes);
        }
        Ok(())
    };
    let mut buf = vec![0u8; 64 * 1024];
    match filter {
        Filter::Flate => {
            // As lopdf: zlib, and raw deflate after the two header bytes when zlib gives
            // nothing at all (a bad checksum in some encrypted files).
            let mut any = false;
            let mut failed = false;
            let mut zlib = flate2::read::ZlibDecoder::new(data);
            loop {
                match zlib.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        any = true;
                        emit(buf.get(..n).unwrap_or_default())?;
                    }
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            }
            if failed && !any {
                let mut raw = flate2::read::DeflateDecoder::new(data.get(2..).unwrap_or_default());
                while let Ok(n) = raw.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    emit(buf.get(..n).unwrap_or_default())?;
                }
            }
        }
        Filter::Lzw { early_change } => {
            use weezl::{BitOrder, LzwStatus, decode::Decoder};
            let mut decoder = if early_change {
                Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
            } else {
                Decoder::new(BitOrder::Msb, 8)
            };
            let mut rest = data;
            loop {
                let result = decoder.decode_bytes(rest, &mut buf);
                emit(buf.get(..result.consumed_out).unwrap_or_default())?;
                rest = rest.get(result.consumed_in..).unwrap_or_default();
                match result.status {
                    Ok(LzwStatus::Ok) if result.consumed_in + result.consumed_out > 0 => {}
                    _ => break,
                }
            }
        }
        Filter::Ascii85 => {
            let mut group = 0u64;
            let mut count = 0;
            for &c in data {
                match c {
                    b'z' if count == 0 => emit(&[0, 0, 0, 0])?,
                    c if c.is_ascii_whitespace() => {}
                    b'!'..=b'u' => {
                        group = group * 85 + u64::from(c - b'!');
                        count += 1;
                        if count == 5 {
                            let bytes = u32::try_from(group).unwrap_or(u32::MAX).to_be_bytes();
                            emit(&bytes)?;
                            group = 0;
                            count = 0;
                        }
                    }
                    _ => break,
                }
            }
            if count > 1 {
                // As lopdf: the last group padded with `u`.
                for _ in count..5 {
                    group = group * 85 + 84;
                }
                let bytes = u32::try_from(group).unwrap_or(u32::MAX).to_be_bytes();
                emit(bytes.get(..count - 1).unwrap_or_default())?;
            }
        }
        Filter::Other => emit(data)?,
    }
    Ok(written)
}

/// Checks the bytes of a PDF before it is parsed: every stream, inflated into a counter, adds
/// up to at most [`MAX_INFLATED_BYTES`].
pub fn preflight(bytes: &[u8]) -> Result<(), PdfLimit> {
    let mut budget = MAX_INFLATED_BYTES;
    let mut window_start = 0;
    let mut from = 0;
    while let Some(at) = find(bytes, from, b"stream") {
        from = at + b"stream".len();
        if at >= 3 && bytes.get(at - 3..at) == Some(b"end") {
            window_start = from;
            continue;
        }
        // The stream's dictionary lies between the last `obj` keyword and `stream`.
        let window = bytes.get(window_start..at).unwrap_or_default();
        window_start = from;
        let header = rfind(window, b"obj").map_or(window, |o| window.get(o..).unwrap_or_default());
        let mut data_start = from;
        if bytes.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if bytes.get(data_start) == Some(&b'\n') {
            data_start += 1;
        }
        let data = bytes.get(data_start..).unwrap_or_default();
        let mut filters = declared_filters(header);
        if filters.is_empty() && looks_like_zlib(data) {
            // No /Filter found (say, a dictionary too odd for this scan): count it anyway.
            filters.push(Filter::Flate);
        }
        if filters.is_empty() || filters.contains(&Filter::Other) {
            continue;
        }
        let used = decode(data, &filters, budget, None).map_err(|Over| PdfLimit::Inflated)?;
        budget -= used.min(budget);
    }
    Ok(())
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A zlib header: deflate, and a check value that fits.
fn looks_like_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0F == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

fn is_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || b"()<>[]{}/%".contains(&c)
}

/// A PDF name from just after its `/`, with `#xx` escapes decoded; and where it ends.
fn read_name(bytes: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut name = Vec::new();
    let mut i = start;
    while let Some(&c) = bytes.get(i) {
        if is_delimiter(c) {
            break;
        }
        if c == b'#'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Some(byte) = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            name.push(byte);
            i += 3;
            continue;
        }
        name.push(c);
        i += 1;
    }
    (name, i)
}

/// The filters a stream dictionary's text declares (`/Filter /X` or `/Filter [/X /Y]`).
fn declared_filters(header: &[u8]) -> Vec<Filter> {
    let Some(at) = rfind(header, b"/Filter") else {
        return Vec::new();
    };
    let early_change = rfind(header, b"/EarlyChange").is_none_or(|e| {
        let rest = header.get(e + b"/EarlyChange".len()..).unwrap_or_default();
        rest.iter().find(|c| !c.is_ascii_whitespace()) != Some(&b'0')
    });
    let mut i = at + b"/Filter".len();
    let skip_space = |i: &mut usize| {
        while header.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    skip_space(&mut i);
    let mut filters = Vec::new();
    match header.get(i) {
        Some(b'/') => filters.push(Filter::of(&read_name(header, i + 1).0, early_change)),
        Some(b'[') => {
            i += 1;
            loop {
                skip_space(&mut i);
                if header.get(i) != Some(&b'/') {
                    break;
                }
                let (name, end) = read_name(header, i + 1);
                filters.push(Filter::of(&name, early_change));
                i = end;
            }
        }
        _ => {}
    }
    filters
}

/// The filters of a parsed stream, as `lopdf` reads them.
fn stream_filters(stream: &pdf_extract::Stream) -> Vec<Filter> {
    let early_change = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .map_or(true, |v| v != 0);
    stream.filters().map_or_else(
        |_| Vec::new(),
        |names| {
            names
                .into_iter()
                .map(|n| Filter::of(n, early_change))
                .collect()
        },
    )
}

/// Checks a parsed document before `pdf-extract` reads it; see the module notes.
pub fn check_document(doc: &Document, started: Instant) -> Result<(), PdfLimit> {
    let mut budget = MAX_INFLATED_BYTES;
    for object in doc.objects.values() {
        if let Object::Stream(stream) = object {
            let filters = stream_filters(stream);
            if filters.is_empty() {
                continue;
            }
            let used = decode(&stream.content, &filters, budget, None)
                .map_err(|Over| PdfLimit::Inflated)?;
            budget -= used.min(budget);
        }
    }
    let mut walk = Walk {
        doc,
        cost: 0,
        scanned: BTreeMap::new(),
        started,
    };
    for page in doc.get_pages().into_values() {
        walk.page(page)?;
    }
    Ok(())
}

/// The drawing work of the pages, as `pdf-extract` will do it.
struct Walk<'a> {
    doc: &'a Document,
    /// Bytes of content decoded so far, `Do`s counted.
    cost: u64,
    /// Per content stream: its decoded length and the names its `Do`s draw.
    scanned: BTreeMap<ObjectId, (u64, Vec<Vec<u8>>)>,
    started: Instant,
}

impl<'a> Walk<'a> {
    fn add(&mut self, cost: u64) -> Result<(), PdfLimit> {
        self.cost = self.cost.saturating_add(cost);
        if self.cost > MAX_CONTENT_BYTES {
            return Err(PdfLimit::Content);
        }
        if self.started.elapsed() > MAX_READ_TIME {
            return Err(PdfLimit::Time);
        }
        Ok(())
    }

    /// A dictionary value, following references.
    fn dict(&self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
        let value = dict.get(key).ok()?;
        self.doc.dereference(value).ok()?.1.as_dict().ok()
    }

    fn page(&mut self, page: ObjectId) -> Result<(), PdfLimit> {
        let Ok(dict) = self.doc.get_dictionary(page) else {
            return Ok(());
        };
        // The resources, inherited along /Parent as pdf-extract looks them up; a loop in the
        // chain would make it recurse for ever.
        let mut resources = None;
        let mut seen = BTreeSet::new();
        let mut at = dict;
        loop {
            if resources.is_none() {
                resources = self.dict(at, b"Resources");
            }
            let Ok(parent) = at.get(b"Parent").and_then(Object::as_reference) else {
                break;
            };
            if !seen.insert(parent) || seen.len() > MAX_PARENT_CHAIN {
                return Err(PdfLimit::PageTreeLoop);
            }
            let Ok(next) = self.doc.get_dictionary(parent) else {
                break;
            };
            at = next;
        }
        for content in self.doc.get_page_contents(page) {
            let (len, draws) = self.scan(content)?;
            self.add(len + 1)?;
            for name in draws {
                self.draw(&name, resources, 1)?;
            }
        }
        Ok(())
    }

    /// A `Do` of `name` with `resources` in effect, at form depth `depth`.
    fn draw(
        &mut self,
        name: &[u8],
        resources: Option<&'a Dictionary>,
        depth: usize,
    ) -> Result<(), PdfLimit> {
        if depth > MAX_FORM_DEPTH {
            return Err(PdfLimit::FormDepth);
        }
        self.add(DO_COST)?;
        let Some(target) = resources
            .and_then(|r| self.dict(r, b"XObject"))
            .and_then(|x| x.get(name).ok())
            .and_then(|t| t.as_reference().ok())
        else {
            return Ok(());
        };
        let Ok(Object::Stream(stream)) = self.doc.get_object(target) else {
            return Ok(());
        };
        let (len, draws) = self.scan(target)?;
        self.add(len)?;
        let own = self.dict(&stream.dict, b"Resources").or(resources);
        for inner in draws {
            self.draw(&inner, own, depth + 1)?;
        }
        Ok(())
    }

    /// The decoded length of a content stream and the names it draws with `Do`.
    fn scan(&mut self, id: ObjectId) -> Result<(u64, Vec<Vec<u8>>), PdfLimit> {
        if let Some(found) = self.scanned.get(&id) {
            return Ok(found.clone());
        }
        let Ok(Object::Stream(stream)) = self.doc.get_object(id) else {
            return Ok((0, Vec::new()));
        };
        let mut content = Vec::new();
        let len = decode(
            &stream.content,
            &stream_filters(stream),
            MAX_CONTENT_STREAM_BYTES,
            Some(&mut content),
        )
        .map_err(|Over| PdfLimit::ContentStream)?;
        let found = (len, draw_names(&content));
        self.scanned.insert(id, found.clone());
        Ok(found)
    }
}

/// The names a content stream draws with `Do` (`/Im1 Do`), in order. Strings, comments and
/// inline images are skipped; the few misreadings possible count a `Do` too many, never too
/// few.
fn draw_names(content: &[u8]) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let mut last_name: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(&c) = content.get(i) {
        match c {
            c if c.is_ascii_whitespace() => i += 1,
            b'%' => {
                while content.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    i += 1;
                }
            }
            b'(' => {
                let mut depth = 0usize;
                while let Some(&c) = content.get(i) {
                    i += 1;
                    match c {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                last_name = None;
            }
            b'<' if content.get(i + 1) != Some(&b'<') => {
                while content.get(i).is_some_and(|&c| c != b'>') {
                    i += 1;
                }
                i += 1;
                last_name = None;
            }
            b'/' => {
                let (name, end) = read_name(content, i + 1);
                last_name = Some(name);
                i = end.max(i + 1);
            }
            c if is_delimiter(c) => {
                i += 1;
                last_name = None;
            }
            _ => {
                let start = i;
                while content.get(i).is_some_and(|&c| !is_delimiter(c)) {
                    i += 1;
                }
                match content.get(start..i) {
                    Some(b"Do") => {
                        if let Some(name) = last_name.take() {
                            names.push(name);
                        }
                    }
                    Some(b"ID") => {
                        // Inline image data, up to `EI` between white space.
                        while i < content.len() {
                            let at_end = content.get(i..i + 2) == Some(b"EI")
                                && content.get(i - 1).is_some_and(u8::is_ascii_whitespace)
                                && content.get(i + 2).is_none_or(|c| c.is_ascii_whitespace());
                            i += 1;
                            if at_end {
                                i += 1;
                                break;
                            }
                        }
                        last_name = None;
                    }
                    _ => last_name = None,
                }
            }
        }
    }
    names
}

/// Makes every colour space of every resource dictionary `DeviceRGB`: text extraction needs no
/// colour, and `pdf-extract` inflated an ICC profile again at every use (and panicked on some
/// spaces it does not know).
pub fn neutralise_colour_spaces(doc: &mut Document) {
    let mut referenced: Vec<ObjectId> = Vec::new();
    for object in doc.objects.values_mut() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &mut stream.dict,
            _ => continue,
        };
        neutralise_in(dict, &mut referenced, 0);
    }
    for id in referenced {
        if let Ok(Object::Dictionary(spaces)) = doc.get_object_mut(id) {
            for (_, space) in spaces.iter_mut() {
                *space = Object::Name(b"DeviceRGB".to_vec());
            }
        }
    }
}

/// Resource dictionaries nest in page and form dictionaries; at most this deep is searched.
const MAX_DICT_DEPTH: usize = 8;

fn neutralise_in(dict: &mut Dictionary, referenced: &mut Vec<ObjectId>, depth: usize) {
    if depth > MAX_DICT_DEPTH {
        return;
    }
    for (key, value) in dict.iter_mut() {
        match value {
            Object::Dictionary(spaces) if key == b"ColorSpace" => {
                for (_, space) in spaces.iter_mut() {
                    *space = Object::Name(b"DeviceRGB".to_vec());
                }
            }
            Object::Reference(id) if key == b"ColorSpace" => referenced.push(*id),
            Object::Dictionary(inner) => neutralise_in(inner, referenced, depth + 1),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn chained_filters_are_counted_to_their_end_and_stopped_at_the_limit() {
        let once = zlib(&[b' '; 100_000]);
        let twice = zlib(&once);
        let filters = [Filter::Flate, Filter::Flate];
        assert_eq!(decode(&twice, &filters, 200_000, None).unwrap(), 100_000);
        assert!(decode(&twice, &filters, 99_999, None).is_err());
        // Bytes after the compressed data do not count.
        let mut trailing = once.clone();
        trailing.extend_from_slice(b"\nendstream\nendobj\n");
        assert_eq!(
            decode(&trailing, &[Filter::Flate], 200_000, None).unwrap(),
            100_000
        );
        assert_eq!(
            decode(b"87cURD]i,\"Ebo80~>", &[Filter::Ascii85], 100, None).unwrap(),
            12
        );
    }

    #[test]
    fn the_preflight_reads_filters_from_the_dictionary_and_counts_every_stream() {
        let stream = |dict: &str, data: &[u8]| {
            let mut s =
                format!("1 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
            s.extend_from_slice(data);
            s.extend_from_slice(b"\nendstream\nendobj\n");
            s
        };
        let big = zlib(&zlib(&vec![0u8; 1 << 20]));
        let mut pdf = b"%PDF-1.4\n".to_vec();
        for _ in 0..300 {
            pdf.extend(stream("/Filter [/FlateDecode /Fl#61teDecode]", &big));
        }
        assert_eq!(preflight(&pdf), Err(PdfLimit::Inflated));
        let mut small = b"%PDF-1.4\n".to_vec();
        small.extend(stream("/Filter /FlateDecode", &big));
        assert_eq!(preflight(&small), Ok(()));
    }

    #[test]
    fn draws_are_found_outside_strings_and_inline_images() {
        let content = b"q /Im1 Do (/Fake Do) Tj BI /W 1 ID \x00/X Do\x01 EI /Fm#202 Do % /Y Do\n Q";
        assert_eq!(draw_names(content), [b"Im1".to_vec(), b"Fm 2".to_vec()]);
    }
}
