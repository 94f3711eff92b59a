//! Typed text positions, and the one place where they are converted.
//!
//! Lector stores and exports spans in Unicode scalar values (Rust `char`, Python `str` index),
//! half-open `[start, end)`, on the stored text. Slicing a `&str` needs UTF-8 byte offsets;
//! UIMA XMI, WebAnno and doccano count UTF-16 code units. Mixing the three is the most common
//! offset bug in this field, so each has its own type and every conversion goes through
//! [`DocText`], which keeps a checkpoint table built once per document.

use std::sync::{Arc, OnceLock};

use super::paragraphs::{Para, split_paragraphs};

use serde::{Deserialize, Serialize};
use unicode_segmentation::GraphemeCursor;

/// A position in a text counted in Unicode scalar values (`char`s).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct CharOffset(pub u32);

/// A position in a text counted in UTF-8 bytes. Never written to a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteOffset(pub u32);

/// A position in a text counted in UTF-16 code units (JavaScript, UIMA, doccano).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf16Offset(pub u32);

impl CharOffset {
    /// The offset as an index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ByteOffset {
    /// The offset as an index into the UTF-8 string.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for CharOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How many chars lie between two checkpoints. Small enough that a conversion scans at most
/// this many chars, large enough that the table is 1/16 of the text at worst.
const STRIDE: usize = 64;

/// The top bit of each of a word's eight bytes.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The UTF-8 continuation bytes (`10xxxxxx`) of `word`, as the top bits of its bytes.
#[inline]
fn continuations(word: u64) -> u64 {
    word & !(word << 1) & HIGH
}

/// The lead bytes of four-byte sequences in `word` (`11110xxx`; a valid text has no
/// `11111xxx`), which UTF-16 writes as two units, as the top bits of its bytes.
#[inline]
fn astral_leads(word: u64) -> u64 {
    word & (word << 1) & (word << 2) & (word << 3) & HIGH
}

/// How many of the eight bytes of `word` start a char: those that are not UTF-8 continuation
/// bytes.
#[inline]
fn char_starts(word: u64) -> usize {
    8 - high_bits(continuations(word))
}

/// How many chars `s` has. Eight bytes at a time, with a count per byte lane summed only
/// every 255 words: one multiplication per word made this three times slower (25 ms on a
/// 53 MB book, where reading it takes 5).
pub fn char_count(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut count = 0;
    for block in bytes.chunks(8 * 255) {
        let mut words = block.chunks_exact(8);
        let mut lanes = 0u64;
        for word in words.by_ref() {
            if let Some(word) = word.first_chunk::<8>() {
                lanes += continuations(u64::from_le_bytes(*word)) >> 7;
            }
        }
        let rest = words.remainder();
        count += block.len() - rest.len() - lane_sum(lanes)
            + rest.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    }
    count
}

/// The sum of the eight byte lanes of `lanes` (each at most 255).
#[inline]
fn lane_sum(lanes: u64) -> usize {
    let pairs = (lanes & 0x00FF_00FF_00FF_00FF) + ((lanes >> 8) & 0x00FF_00FF_00FF_00FF);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize
}

/// How many bytes of `mask` (which has bits only at the top of its bytes) have it set: one
/// multiplication adds them up, where `count_ones` is a dozen operations on CPUs the build
/// cannot assume have `popcnt`.
#[inline]
fn high_bits(mask: u64) -> usize {
    ((mask >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// How many of the eight bytes of `word` start a char that UTF-16 writes as two units: the
/// lead bytes of four-byte sequences (`11110xxx`; a valid text has no `11111xxx`).
#[inline]
fn astral_starts(word: u64) -> usize {
    high_bits(astral_leads(word))
}

/// A text's lengths and checkpoints, as [`DocText`] keeps them.
#[derive(Debug, Default, PartialEq)]
struct Tables {
    len_chars: u32,
    len_utf16: u32,
    byte_checkpoints: Vec<u32>,
    utf16_checkpoints: Vec<u32>,
}

impl Tables {
    /// The tables of valid UTF-8, counted eight bytes at a time: in a word where a
    /// checkpoint's char starts, that char is picked out of the word's char starts by their
    /// bits. Decoding each char took 84 ms on a 53 MB book and 5.8 ms on a 5 MB article; this
    /// takes 56 ms (most of it the text's copy and reading it from memory) and 2.4 ms.
    fn of(bytes: &[u8]) -> Self {
        let mut tables = Self {
            byte_checkpoints: Vec::with_capacity(bytes.len() / STRIDE + 1),
            utf16_checkpoints: Vec::with_capacity(bytes.len() / STRIDE + 1),
            ..Self::default()
        };
        // The char of the next checkpoint; `len_chars` and `len_utf16` count what is before
        // the word at hand.
        let mut next = 0u32;
        let mut words = bytes.chunks_exact(8);
        let mut at = 0;
        for word in words.by_ref() {
            let Some(array) = word.first_chunk::<8>() else {
                break;
            };
            let w = u64::from_le_bytes(*array);
            let starts = char_starts(w) as u32;
            let astral = astral_starts(w) as u32;
            if tables.len_chars + starts > next {
                // The top bit of each byte that starts a char; the checkpoint's char is the
                // `k`th of them (a word holds at most one checkpoint: STRIDE > 8).
                let starts_mask = !(w & !(w << 1)) & 0x8080_8080_8080_8080;
                let mut bits = starts_mask;
                for _ in 0..next - tables.len_chars {
                    bits &= bits.wrapping_sub(1);
                }
                let top = bits.trailing_zeros();
                let before = 1u64.checked_shl(top).map_or(u64::MAX, |b| b - 1);
                let starts_before = high_bits(starts_mask & before) as u32;
                let astral_before = astral_starts(w & before) as u32;
                tables.byte_checkpoints.push((at + top as usize / 8) as u32);
                tables
                    .utf16_checkpoints
                    .push(tables.len_utf16 + starts_before + astral_before);
                next += STRIDE as u32;
            }
            tables.len_chars += starts;
            tables.len_utf16 += starts + astral;
            at += 8;
        }
        tables.one_by_one(words.remainder(), at, &mut next);
        tables
    }

    /// Counts the bytes of `word` (at byte `at` of the text) one by one, putting down the
    /// checkpoint of char `next` if it starts there.
    fn one_by_one(&mut self, word: &[u8], at: usize, next: &mut u32) {
        for (k, &byte) in word.iter().enumerate() {
            if byte & 0xC0 == 0x80 {
                continue;
            }
            if self.len_chars == *next {
                self.byte_checkpoints.push((at + k) as u32);
                self.utf16_checkpoints.push(self.len_utf16);
                *next += STRIDE as u32;
            }
            self.len_chars += 1;
            self.len_utf16 += if byte >= 0xF0 { 2 } else { 1 };
        }
    }
}

/// The stored text of a document with its offset tables. Cheap to clone (shared).
#[derive(Clone)]
pub struct DocText {
    /// The text, and what is made of it once and shared by every clone.
    text: Arc<Stored>,
    /// Number of chars.
    len_chars: u32,
    /// Number of UTF-16 code units.
    len_utf16: u32,
    /// Byte offset of every `STRIDE`-th char. Empty when the text is ASCII. Shared like the
    /// text: a 50 MB book has megabytes of them, and every edit clones the `DocText`.
    byte_checkpoints: Arc<[u32]>,
    /// UTF-16 offset of every `STRIDE`-th char. Empty when the text has no astral chars.
    utf16_checkpoints: Arc<[u32]>,
}

/// A text as it was handed over (an `Arc<str>` would copy it: a 53 MB book's copy took
/// 26 ms, most of it the first touch of fresh memory), with its paragraphs once made.
struct Stored {
    text: String,
    paragraphs: OnceLock<Vec<Para>>,
}

impl Stored {
    fn new(text: String) -> Arc<Self> {
        Arc::new(Self {
            text,
            paragraphs: OnceLock::new(),
        })
    }
}

impl std::ops::Deref for Stored {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for DocText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocText")
            .field("len_chars", &self.len_chars)
            .field("len_bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for DocText {
    fn eq(&self, other: &Self) -> bool {
        // The same text shared is equal without comparing a book's megabytes.
        self.shares(other) || self.text.text == other.text.text
    }
}

/// A text too long for 32-bit offsets.
#[derive(Debug, thiserror::Error)]
#[error("the text is {len_bytes} bytes long; Lector handles texts up to 4 GiB")]
pub struct TextTooLong {
    /// Length of the rejected text in bytes.
    pub len_bytes: usize,
}

impl DocText {
    /// Whether this is the very text `other` is, shared (not a copy with the same content).
    pub fn shares(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.text, &other.text)
    }

    /// Builds the offset tables for `text`, keeping the text as it is (not copied).
    pub fn new(text: impl Into<String>) -> Result<Self, TextTooLong> {
        Self::of_shared(Stored::new(text.into()))
    }

    fn of_shared(text: Arc<Stored>) -> Result<Self, TextTooLong> {
        if u32::try_from(text.len()).is_err() {
            return Err(TextTooLong {
                len_bytes: text.len(),
            });
        }
        let tables = if text.is_ascii() {
            // Every offset kind agrees: no tables needed.
            Tables {
                len_chars: text.len() as u32,
                len_utf16: text.len() as u32,
                ..Tables::default()
            }
        } else {
            Tables::of(text.as_bytes())
        };
        let Tables {
            len_chars,
            len_utf16,
            byte_checkpoints,
            mut utf16_checkpoints,
        } = tables;
        if len_utf16 == len_chars {
            utf16_checkpoints = Vec::new();
        }
        Ok(Self {
            text,
            len_chars,
            len_utf16,
            byte_checkpoints: byte_checkpoints.into(),
            utf16_checkpoints: utf16_checkpoints.into(),
        })
    }

    /// Builds the offset tables as [`Self::new`] does while `also` reads the text, on two
    /// threads if it is big (its hash, checked as it is loaded: a 53 MB book's took 30 ms
    /// after its tables' 30 ms). A big text's paragraphs are made there too.
    pub fn new_while<R>(
        text: String,
        also: impl FnOnce(&str) -> R,
    ) -> (Result<Self, TextTooLong>, R) {
        const ALONGSIDE: usize = 1 << 20;
        if text.len() < ALONGSIDE {
            let r = also(&text);
            return (Self::new(text), r);
        }
        let text = Stored::new(text);
        std::thread::scope(|scope| {
            let shared = Arc::clone(&text);
            // The paragraphs too, which the article view asks for when it shows the text.
            let tables = std::thread::Builder::new()
                .name("lector-text".to_owned())
                .spawn_scoped(scope, move || {
                    let text = Self::of_shared(shared);
                    if let Ok(text) = &text {
                        text.paragraphs();
                    }
                    text
                });
            let r = also(&text);
            // A thread that could not start, or panicked: the tables are built here.
            let built = tables.ok().and_then(|t| t.join().ok());
            (built.unwrap_or_else(|| Self::of_shared(text)), r)
        })
    }

    /// The text's paragraphs (its lines, long ones cut into blocks), made the first time
    /// they are asked for and kept for every clone of this text.
    pub fn paragraphs(&self) -> &[Para] {
        self.text.paragraphs.get_or_init(|| split_paragraphs(self))
    }

    /// Whether [`Self::paragraphs`] are made already.
    pub fn has_paragraphs(&self) -> bool {
        self.text.paragraphs.get().is_some()
    }

    /// The whole text.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length in chars.
    #[inline]
    pub fn len_chars(&self) -> CharOffset {
        CharOffset(self.len_chars)
    }

    /// Length in UTF-16 code units.
    pub fn len_utf16(&self) -> Utf16Offset {
        Utf16Offset(self.len_utf16)
    }

    /// Length in bytes.
    pub fn len_bytes(&self) -> ByteOffset {
        ByteOffset(self.text.len() as u32)
    }

    fn is_ascii(&self) -> bool {
        self.byte_checkpoints.is_empty()
    }

    /// The byte offset of a char offset, or `None` past the end.
    pub fn byte(&self, at: CharOffset) -> Option<ByteOffset> {
        if at.0 > self.len_chars {
            return None;
        }
        if self.is_ascii() {
            return Some(ByteOffset(at.0));
        }
        if at.0 == self.len_chars {
            return Some(self.len_bytes());
        }
        let block = at.index() / STRIDE;
        let start = *self.byte_checkpoints.get(block)? as usize;
        let skip = at.index() - block * STRIDE;
        // The `skip`-th char start after the checkpoint: counted on bytes (a char starts at
        // every byte that is not a continuation byte), without decoding the chars.
        let rest = self.text.as_bytes().get(start..)?;
        let (mut seen, mut offset) = (0, 0);
        // Eight bytes at a time while the char sought lies past them: a span's two ends and
        // its quote are looked up for every annotation a file holds.
        while let Some(word) = rest.get(offset..).and_then(<[u8]>::first_chunk::<8>) {
            let starts = char_starts(u64::from_le_bytes(*word));
            if seen + starts > skip {
                break;
            }
            seen += starts;
            offset += 8;
        }
        for (i, &b) in rest.get(offset..)?.iter().enumerate() {
            if (b as i8) >= -0x40 {
                if seen == skip {
                    return Some(ByteOffset((start + offset + i) as u32));
                }
                seen += 1;
            }
        }
        None
    }

    /// The char offset of a byte offset, or `None` if it is past the end or inside a char.
    pub fn char_of_byte(&self, at: ByteOffset) -> Option<CharOffset> {
        let byte = at.index();
        if !self.text.is_char_boundary(byte) {
            return None;
        }
        if self.is_ascii() {
            return Some(CharOffset(at.0));
        }
        let block = self
            .byte_checkpoints
            .partition_point(|&b| b as usize <= byte)
            - 1;
        let start = *self.byte_checkpoints.get(block)? as usize;
        let counted = self.text.get(start..byte)?.chars().count();
        Some(CharOffset((block * STRIDE + counted) as u32))
    }

    /// The UTF-16 offset of a char offset, or `None` past the end.
    pub fn utf16(&self, at: CharOffset) -> Option<Utf16Offset> {
        if at.0 > self.len_chars {
            return None;
        }
        if self.utf16_checkpoints.is_empty() {
            return Some(Utf16Offset(at.0));
        }
        let block = at.index() / STRIDE;
        let base = *self.utf16_checkpoints.get(block)?;
        let start = *self.byte_checkpoints.get(block)? as usize;
        let skip = at.index() - block * STRIDE;
        let units: usize = self
            .text
            .get(start..)?
            .chars()
            .take(skip)
            .map(char::len_utf16)
            .sum();
        Some(Utf16Offset(base + units as u32))
    }

    /// The char offset of a UTF-16 offset, or `None` if it is past the end or splits a
    /// surrogate pair.
    pub fn char_of_utf16(&self, at: Utf16Offset) -> Option<CharOffset> {
        if at.0 > self.len_utf16 {
            return None;
        }
        if self.utf16_checkpoints.is_empty() {
            return Some(CharOffset(at.0));
        }
        let block = self.utf16_checkpoints.partition_point(|&u| u <= at.0) - 1;
        let mut units = *self.utf16_checkpoints.get(block)?;
        let start = *self.byte_checkpoints.get(block)? as usize;
        let mut chars = block * STRIDE;
        for ch in self.text.get(start..)?.chars() {
            if units >= at.0 {
                break;
            }
            units += ch.len_utf16() as u32;
            chars += 1;
        }
        (units == at.0).then_some(CharOffset(chars as u32))
    }

    /// The text between two char offsets, or `None` if the range is reversed or out of range.
    pub fn slice(&self, start: CharOffset, end: CharOffset) -> Option<&str> {
        if start > end {
            return None;
        }
        let a = self.byte(start)?;
        let b = self.byte(end)?;
        self.text.get(a.index()..b.index())
    }

    /// Whether a char offset lies between two grapheme clusters (user-perceived characters),
    /// so that a span boundary there does not split an emoji or a letter from its accent.
    pub fn is_grapheme_boundary(&self, at: CharOffset) -> bool {
        self.boundary_byte(at).is_some()
    }

    /// The byte offset of a char offset that lies between two grapheme clusters; `None` past
    /// the end or inside a cluster. (A span's check and its quote need both.)
    pub fn boundary_byte(&self, at: CharOffset) -> Option<ByteOffset> {
        let byte = self.byte(at)?;
        self.is_boundary_byte(byte).then_some(byte)
    }

    /// Whether a byte offset lies on a char boundary between two grapheme clusters.
    pub fn is_boundary_byte(&self, byte: ByteOffset) -> bool {
        if !self.text.is_char_boundary(byte.index()) {
            return false;
        }
        // Between two ASCII chars there is a boundary unless they are CR LF: no ASCII char
        // extends, joins or prepends (UAX #29). Most spans start and end there.
        let bytes = self.text.as_bytes();
        if let (Some(&before), Some(&after)) = (
            byte.index().checked_sub(1).and_then(|i| bytes.get(i)),
            bytes.get(byte.index()),
        ) && before.is_ascii()
            && after.is_ascii()
        {
            return !(before == b'\r' && after == b'\n');
        }
        let mut cursor = GraphemeCursor::new(byte.index(), self.text.len(), true);
        cursor.is_boundary(&self.text, 0).unwrap_or(false)
    }

    /// Up to `max_chars` chars ending at `at`.
    pub fn before(&self, at: CharOffset, max_chars: u32) -> &str {
        let start = CharOffset(at.0.saturating_sub(max_chars));
        self.slice(start, at).unwrap_or("")
    }

    /// Up to `max_chars` chars starting at `at`.
    pub fn after(&self, at: CharOffset, max_chars: u32) -> &str {
        let end = CharOffset(at.0.saturating_add(max_chars).min(self.len_chars));
        self.slice(at, end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn find(text: &DocText, needle: &str) -> (CharOffset, CharOffset) {
        let byte = text.as_str().find(needle).expect("needle in text");
        let start = text
            .char_of_byte(ByteOffset(byte as u32))
            .expect("boundary");
        let end = text
            .char_of_byte(ByteOffset((byte + needle.len()) as u32))
            .expect("boundary");
        (start, end)
    }

    /// Vector A of `reference/formats.md` §2.
    #[test]
    fn vector_a_emoji_with_skin_tone_and_crlf() {
        let text = DocText::new("Café 👍🏽 said\r\nEricsson.").unwrap();
        let (start, end) = find(&text, "Ericsson");
        assert_eq!((start.0, end.0), (14, 22));
        assert_eq!(text.utf16(start), Some(Utf16Offset(16)));
        assert_eq!(text.utf16(end), Some(Utf16Offset(24)));
        assert_eq!(text.byte(start), Some(ByteOffset(21)));
        assert_eq!(text.byte(end), Some(ByteOffset(29)));
    }

    /// Vector B: NFD Swedish, Cyrillic, a ZWJ family, CRLF.
    #[test]
    fn vector_b_nfd_cyrillic_zwj() {
        let text =
            DocText::new("Ma\u{030A}r: Лукашенко 👩\u{200D}👩\u{200D}👧 möter\r\nPutin.").unwrap();
        assert_eq!(text.len_chars(), CharOffset(35));
        assert_eq!(text.len_bytes(), ByteOffset(59));
        assert_eq!(text.len_utf16(), Utf16Offset(38));
        let (s, e) = find(&text, "Лукашенко");
        assert_eq!((s.0, e.0), (6, 15));
        assert_eq!(
            (text.utf16(s).unwrap().0, text.utf16(e).unwrap().0),
            (6, 15)
        );
        assert_eq!((text.byte(s).unwrap().0, text.byte(e).unwrap().0), (7, 25));
        let (s, e) = find(&text, "Putin");
        assert_eq!((s.0, e.0), (29, 34));
        assert_eq!(
            (text.utf16(s).unwrap().0, text.utf16(e).unwrap().0),
            (32, 37)
        );
        assert_eq!((text.byte(s).unwrap().0, text.byte(e).unwrap().0), (53, 58));
        // Inside the family emoji and between `a` and its ring: not boundaries.
        assert!(!text.is_grapheme_boundary(CharOffset(2)));
        assert!(!text.is_grapheme_boundary(CharOffset(17)));
        assert!(text.is_grapheme_boundary(CharOffset(16)));
    }

    #[test]
    fn utf16_inside_a_surrogate_pair_is_rejected() {
        let text = DocText::new("a😀b").unwrap();
        assert_eq!(text.char_of_utf16(Utf16Offset(1)), Some(CharOffset(1)));
        assert_eq!(text.char_of_utf16(Utf16Offset(2)), None);
        assert_eq!(text.char_of_utf16(Utf16Offset(3)), Some(CharOffset(2)));
        assert_eq!(text.char_of_utf16(Utf16Offset(5)), None);
    }

    #[test]
    fn out_of_range_is_none_not_panic() {
        let text = DocText::new("ÅÄÖ").unwrap();
        assert_eq!(text.byte(CharOffset(4)), None);
        assert_eq!(text.slice(CharOffset(2), CharOffset(1)), None);
        assert_eq!(text.char_of_byte(ByteOffset(1)), None);
        assert_eq!(text.slice(CharOffset(1), CharOffset(3)), Some("ÄÖ"));
    }

    fn mixed_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "Lukashenko ",
            "å",
            "ö",
            "Лука",
            "👍🏽",
            "👩\u{200D}👩\u{200D}👧",
            "e\u{301}",
            "\n",
            "\t",
            "中文",
            "𝔸",
            " ",
        ]);
        prop::collection::vec(pieces, 0..300).prop_map(|v| v.concat())
    }

    proptest! {
        /// The tables counted a word at a time are those of decoding every char.
        #[test]
        fn tables_are_those_of_decoding_each_char(
            s in mixed_text(),
            repeat in 1usize..40,
            skew in 0usize..8,
        ) {
            // Long enough for many checkpoints, at every alignment to the eight-byte words.
            let s = format!("{}{}", "é".repeat(skew), s.repeat(repeat));
            let mut want = Tables::default();
            for (i, (byte, ch)) in s.char_indices().enumerate() {
                if i % STRIDE == 0 {
                    want.byte_checkpoints.push(byte as u32);
                    want.utf16_checkpoints.push(want.len_utf16);
                }
                want.len_chars += 1;
                want.len_utf16 += ch.len_utf16() as u32;
            }
            prop_assert_eq!(Tables::of(s.as_bytes()), want);
        }

        #[test]
        fn chars_are_counted_as_decoding_them_does(s in mixed_text(), skew in 0usize..8) {
            let s = format!("{}{}", "é".repeat(skew), s.repeat(9));
            prop_assert_eq!(char_count(&s), s.chars().count());
        }

        #[test]
        fn conversions_agree_with_naive_counting(s in mixed_text()) {
            let text = DocText::new(s.as_str()).unwrap();
            let mut utf16 = 0u32;
            let mut chars = 0u32;
            for (byte, ch) in s.char_indices() {
                let c = CharOffset(chars);
                prop_assert_eq!(text.byte(c), Some(ByteOffset(byte as u32)));
                prop_assert_eq!(text.char_of_byte(ByteOffset(byte as u32)), Some(c));
                prop_assert_eq!(text.utf16(c), Some(Utf16Offset(utf16)));
                prop_assert_eq!(text.char_of_utf16(Utf16Offset(utf16)), Some(c));
                chars += 1;
                utf16 += ch.len_utf16() as u32;
            }
            prop_assert_eq!(text.len_chars(), CharOffset(chars));
            prop_assert_eq!(text.byte(CharOffset(chars)), Some(ByteOffset(s.len() as u32)));
            prop_assert_eq!(text.char_of_utf16(Utf16Offset(utf16)), Some(CharOffset(chars)));
            prop_assert_eq!(text.byte(CharOffset(chars + 1)), None);
        }

        #[test]
        fn grapheme_boundaries_are_those_of_the_segmenter(
            pieces in prop::collection::vec(prop::sample::select(vec![
                "a", "Z ", "\r", "\n", "\r\n", "\u{7}", "1\u{FE0F}\u{20E3}", "e\u{301}",
                "\u{301}", "\u{200D}", "👍🏽", "🇸🇪", "ö", "각", "\u{1100}\u{1161}", "\u{93F}",
            ]), 0..60)
        ) {
            let s = pieces.concat();
            let text = DocText::new(s.as_str()).unwrap();
            for (chars, (byte, _)) in s.char_indices().chain([(s.len(), ' ')]).enumerate() {
                let mut cursor = GraphemeCursor::new(byte, s.len(), true);
                let expected = cursor.is_boundary(&s, 0).unwrap_or(false);
                prop_assert_eq!(
                    text.is_grapheme_boundary(CharOffset(chars as u32)),
                    expected,
                    "at char {} of {:?}", chars, s
                );
            }
        }
    }
}
