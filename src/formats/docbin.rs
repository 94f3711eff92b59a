//! spaCy training data: a `DocBin` file (`.spacy`), as `spacy train` and
//! `spacy.tokens.DocBin().from_disk()` read it, written without Python.
//!
//! One `Doc` per document and annotator (choose annotators with `--annotator`). Tokens follow
//! [`super::tokens`] (Unicode word segmentation, spaCy's whitespace convention, a break at
//! every span boundary). Entity mentions are `doc.ents` (token attributes `ENT_IOB`,
//! `ENT_TYPE`, `ENT_KB_ID`: the linked entity's id), every annotation is in `doc.spans["sc"]`
//! (for a span categorizer), with the entity id as `kb_id`. Every token outside an entity is
//! `O`, so the entity annotation is complete, as `spacy train` expects.
//!
//! ## Implementation notes
//!
//! The file is `zlib(msgpack({version, attrs, tokens, spaces, lengths, strings, cats, flags,
//! span_groups}))` (spaCy's `tokens/_serialize.py`): `tokens` is a C-order `uint64` array of
//! one row per token and one column per attribute in `attrs` (`ORTH` first), each value a
//! string's hash (MurmurHash64A, seed 1: spaCy's `hash_string`) or the IOB code; `spaces` one
//! byte per token; `lengths` the token count of each `Doc` as `int32`. A `Doc`'s span groups are
//! `msgpack({msgpack({name, attrs, spans}): [name]})` with each span packed big-endian as
//! `>QQQllll` (id, kb_id, label, start token, end token, start char, end char), as
//! `tokens/span_group.pyx` writes them. The tests read every file back with spaCy.
//!
//! Lost, and reported: attributes and notes, discontinuity (a span per fragment), entity
//! mentions that overlap another (spaCy's `ents` cannot overlap; they stay in `sc`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::spacy::{boundaries, flat_entities};
use super::tokens::{Token, tokenize};
use super::{LossReport, place};
use crate::model::{AnnotationSet, Document, Project};

/// spaCy's attribute ids (`spacy.attrs`), in the sorted order a `DocBin` keeps them.
const ORTH: u64 = 65;
const ENT_IOB: u64 = 77;
const ENT_TYPE: u64 = 78;
const ENT_KB_ID: u64 = 452;
/// The IOB codes of `ENT_IOB`: inside, outside, beginning.
const IOB_I: u64 = 1;
const IOB_O: u64 = 2;
const IOB_B: u64 = 3;

/// A string's id in spaCy's `StringStore`: 0 for the empty string, the fixed id of spaCy's
/// symbols (`ORG`, `PERSON`, `det`, …; [`super::spacy_symbols`]), else MurmurHash64A with
/// seed 1 of the UTF-8 bytes (spaCy's `hash_string`).
pub fn hash_string(s: &str) -> u64 {
    if s.is_empty() {
        return 0;
    }
    let symbols = &super::spacy_symbols::SYMBOLS;
    if let Ok(i) = symbols.binary_search_by(|(name, _)| (*name).cmp(s))
        && let Some((_, id)) = symbols.get(i)
    {
        return *id;
    }
    murmur64a(s.as_bytes(), 1)
}

/// MurmurHash64A (Austin Appleby), as the `murmurhash` package spaCy uses computes it.
fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let mut k = u64::from_le_bytes(bytes);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The little msgpack writer a `DocBin` needs (maps, arrays, strings, bytes, unsigned
/// integers, booleans), as `srsly.msgpack_dumps` writes them (`use_bin_type`).
mod msgpack {
    pub fn uint(out: &mut Vec<u8>, n: u64) {
        if n < 128 {
            out.push(n as u8);
        } else if let Ok(n) = u8::try_from(n) {
            out.push(0xcc);
            out.push(n);
        } else if let Ok(n) = u16::try_from(n) {
            out.push(0xcd);
            out.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = u32::try_from(n) {
            out.push(0xce);
            out.extend_from_slice(&n.to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }

    pub fn boolean(out: &mut Vec<u8>, b: bool) {
        out.push(if b { 0xc3 } else { 0xc2 });
    }

    /// A header: `fix` (with the length in its low bits) below `fix_max`, else the 8-, 16- or
    /// 32-bit form (`None` where the type has no 8-bit form).
    fn header(out: &mut Vec<u8>, len: usize, fix: u8, fix_max: usize, forms: [Option<u8>; 3]) {
        if len < fix_max && fix != 0 {
            out.push(fix | len as u8);
        } else if let (Some(tag), Ok(n)) = (forms[0], u8::try_from(len)) {
            out.push(tag);
            out.push(n);
        } else if let (Some(tag), Ok(n)) = (forms[1], u16::try_from(len)) {
            out.push(tag);
            out.extend_from_slice(&n.to_be_bytes());
        } else if let Some(tag) = forms[2] {
            out.push(tag);
            out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        }
    }

    pub fn str(out: &mut Vec<u8>, s: &str) {
        header(out, s.len(), 0xa0, 32, [Some(0xd9), Some(0xda), Some(0xdb)]);
        out.extend_from_slice(s.as_bytes());
    }

    pub fn bin(out: &mut Vec<u8>, b: &[u8]) {
        header(out, b.len(), 0, 0, [Some(0xc4), Some(0xc5), Some(0xc6)]);
        out.extend_from_slice(b);
    }

    pub fn array(out: &mut Vec<u8>, len: usize) {
        header(out, len, 0x90, 16, [None, Some(0xdc), Some(0xdd)]);
    }

    pub fn map(out: &mut Vec<u8>, len: usize) {
        header(out, len, 0x80, 16, [None, Some(0xde), Some(0xdf)]);
    }
}

/// One `Doc` ready to be written.
struct DocRows {
    /// `[ORTH, ENT_IOB, ENT_TYPE, ENT_KB_ID]` per token.
    rows: Vec<[u64; 4]>,
    /// Whether a space follows each token.
    spaces: Vec<bool>,
    /// The serialised span groups.
    span_groups: Vec<u8>,
}

/// A `DocBin` being filled.
#[derive(Default)]
pub struct DocBin {
    docs: Vec<DocRows>,
    strings: BTreeSet<String>,
}

impl DocBin {
    /// Adds one annotator's annotations of a document as a `Doc`.
    pub fn add(
        &mut self,
        project: &Project,
        document: &Document,
        set: &AnnotationSet,
        report: &mut LossReport,
    ) {
        let text = &document.text;
        let (starts, ends) = boundaries(set);
        let tokens: Vec<Token> = tokenize(text, &starts, &ends);
        // Char offset -> token index, for the starts and ends of tokens.
        let token_at_start: BTreeMap<u32, usize> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.start.0, i))
            .collect();
        let token_at_end: BTreeMap<u32, usize> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.end.0, i + 1))
            .collect();
        let mut rows: Vec<[u64; 4]> = Vec::with_capacity(tokens.len());
        let mut spaces = Vec::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            let orth = text.slice(t.start, t.end).unwrap_or("");
            self.strings.insert(orth.to_owned());
            rows.push([hash_string(orth), IOB_O, 0, 0]);
            // The next token starts after a plain space this one absorbed.
            let next = tokens.get(i + 1).map_or(text.len_chars().0, |n| n.start.0);
            spaces.push(next > t.end.0);
        }
        for (a, s, e) in flat_entities(project, set, report, "ents") {
            let (Some(&first), Some(&end)) = (token_at_start.get(&s), token_at_end.get(&e)) else {
                continue;
            };
            let label = hash_string(&a.label);
            let kb = a.entity.as_ref().map_or(0, |id| hash_string(&id.0));
            self.strings.insert(a.label.to_string());
            if let Some(id) = &a.entity {
                self.strings.insert(id.0.clone());
            }
            for (k, row) in rows.iter_mut().enumerate().take(end).skip(first) {
                *row = [row[0], if k == first { IOB_B } else { IOB_I }, label, kb];
            }
        }
        let mut spans: Vec<[u8; 40]> = Vec::new();
        for annotation in set.iter() {
            let where_ = || place(set, annotation);
            if annotation.fragments.len() > 1 {
                report.add(
                    "discontinuous spans written as one span per fragment (spaCy spans are contiguous)",
                    where_,
                );
            }
            if !annotation.attributes.is_empty() {
                report.add(
                    "attributes dropped (spaCy has no standard slot for them)",
                    where_,
                );
            }
            if !annotation.note.is_empty() {
                report.add("notes dropped (spaCy has no slot for them)", where_);
            }
            self.strings.insert(annotation.label.to_string());
            let label = hash_string(&annotation.label);
            let kb = annotation.entity.as_ref().map_or(0, |id| {
                self.strings.insert(id.0.clone());
                hash_string(&id.0)
            });
            for f in &annotation.fragments {
                let (Some(&first), Some(&end)) =
                    (token_at_start.get(&f.start.0), token_at_end.get(&f.end.0))
                else {
                    continue;
                };
                let mut packed = [0u8; 40];
                let fields: [&[u8]; 7] = [
                    &0u64.to_be_bytes(),
                    &kb.to_be_bytes(),
                    &label.to_be_bytes(),
                    &i32::try_from(first).unwrap_or(i32::MAX).to_be_bytes(),
                    &i32::try_from(end).unwrap_or(i32::MAX).to_be_bytes(),
                    &i32::try_from(f.start.0).unwrap_or(i32::MAX).to_be_bytes(),
                    &i32::try_from(f.end.0).unwrap_or(i32::MAX).to_be_bytes(),
                ];
                let mut at = 0;
                for field in fields {
                    if let Some(dst) = packed.get_mut(at..at + field.len()) {
                        dst.copy_from_slice(field);
                    }
                    at += field.len();
                }
                spans.push(packed);
            }
            report.annotations += 1;
        }
        self.docs.push(DocRows {
            rows,
            spaces,
            span_groups: span_groups(&spans),
        });
        report.documents += 1;
    }

    /// Whether no `Doc` was added.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> io::Result<Vec<u8>> {
        let mut tokens = Vec::new();
        let mut spaces = Vec::new();
        let mut lengths = Vec::new();
        for doc in &self.docs {
            for row in &doc.rows {
                for v in row {
                    tokens.extend_from_slice(&v.to_le_bytes());
                }
            }
            spaces.extend(doc.spaces.iter().map(|&s| u8::from(s)));
            let n = i32::try_from(doc.rows.len())
                .map_err(|_| io::Error::other("a document has more than 2^31 tokens"))?;
            lengths.extend_from_slice(&n.to_le_bytes());
        }
        let mut m = Vec::new();
        msgpack::map(&mut m, 9);
        msgpack::str(&mut m, "version");
        msgpack::str(&mut m, "0.1");
        msgpack::str(&mut m, "attrs");
        msgpack::array(&mut m, 4);
        for a in [ORTH, ENT_IOB, ENT_TYPE, ENT_KB_ID] {
            msgpack::uint(&mut m, a);
        }
        msgpack::str(&mut m, "tokens");
        msgpack::bin(&mut m, &tokens);
        msgpack::str(&mut m, "spaces");
        msgpack::bin(&mut m, &spaces);
        msgpack::str(&mut m, "lengths");
        msgpack::bin(&mut m, &lengths);
        msgpack::str(&mut m, "strings");
        msgpack::array(&mut m, self.strings.len());
        for s in &self.strings {
            msgpack::str(&mut m, s);
        }
        msgpack::str(&mut m, "cats");
        msgpack::array(&mut m, self.docs.len());
        for _ in &self.docs {
            msgpack::map(&mut m, 0);
        }
        msgpack::str(&mut m, "flags");
        msgpack::array(&mut m, self.docs.len());
        for _ in &self.docs {
            msgpack::map(&mut m, 1);
            msgpack::str(&mut m, "has_unknown_spaces");
            msgpack::boolean(&mut m, false);
        }
        msgpack::str(&mut m, "span_groups");
        msgpack::array(&mut m, self.docs.len());
        for doc in &self.docs {
            msgpack::bin(&mut m, &doc.span_groups);
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&m)?;
        z.finish()
    }
}

/// A `Doc`'s span groups: the one group `sc` with these packed spans.
fn span_groups(spans: &[[u8; 40]]) -> Vec<u8> {
    let mut group = Vec::new();
    msgpack::map(&mut group, 3);
    msgpack::str(&mut group, "name");
    msgpack::str(&mut group, "sc");
    msgpack::str(&mut group, "attrs");
    msgpack::map(&mut group, 0);
    msgpack::str(&mut group, "spans");
    msgpack::array(&mut group, spans.len());
    for s in spans {
        msgpack::bin(&mut group, s);
    }
    let mut out = Vec::new();
    msgpack::map(&mut out, 1);
    msgpack::bin(&mut out, &group);
    msgpack::array(&mut out, 1);
    msgpack::str(&mut out, "sc");
    out
}

/// Which documents go to training and which to the dev set: the first `share` of the
/// documents in an order fixed by their ids' hashes (so the split does not follow the order
/// they were added in, and is the same every time). With two documents or more, each side
/// gets at least one.
pub fn split_documents(ids: &[&str], share: f64) -> BTreeSet<String> {
    let mut ordered: Vec<&str> = ids.to_vec();
    ordered.sort_by_key(|id| (hash_string(id), *id));
    let n = ordered.len();
    let mut k = (share * n as f64).round() as usize;
    if n >= 2 {
        k = k.clamp(1, n - 1);
    }
    ordered.into_iter().take(k).map(str::to_owned).collect()
}

/// Writes the selection's `Doc`s as one `DocBin`; with `only`, just the documents in (`true`)
/// or not in (`false`) the set.
pub fn write<W: Write>(
    selection: &super::Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
    only: Option<(&BTreeSet<String>, bool)>,
) -> io::Result<()> {
    let mut bin = DocBin::default();
    for &(document, set) in &selection.items {
        if let Some((ids, inside)) = only
            && ids.contains(&document.meta.id) != inside
        {
            continue;
        }
        bin.add(selection.project, document, set, report);
    }
    out.write_all(&bin.to_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_spacys() {
        // spacy.strings.hash_string, spaCy 3.8.
        assert_eq!(hash_string("Sony"), 17_487_589_505_584_103_149);
        // Symbols have fixed ids (spacy.symbols.IDS).
        assert_eq!(hash_string("ORG"), 383);
        assert_eq!(hash_string("det"), 415);
        assert_eq!(murmur64a(b"ORG", 1), 8_419_042_386_026_509_531);
        assert_eq!(hash_string(""), 0);
        for (s, h) in [
            ("Lukashenko", 4_920_303_230_796_053_467u64),
            ("Vitrysslands", 15_839_244_317_642_790_589),
            ("\n", 962_983_613_142_996_970),
            ("ö", 17_108_125_164_368_926_604),
            ("abcdefgh", 17_751_780_907_874_141_760),
            ("abcdefghi", 13_885_881_106_499_164_936),
            ("\n\n", 908_432_558_851_201_422),
        ] {
            assert_eq!(hash_string(s), h, "{s:?}");
        }
    }

    #[test]
    fn split_keeps_both_sides() {
        let train = split_documents(&["a", "b"], 1.0);
        assert_eq!(train.len(), 1);
        let ids: Vec<String> = (0..10).map(|i| format!("doc{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(split_documents(&refs, 0.8).len(), 8);
        assert_eq!(split_documents(&refs, 0.8), split_documents(&refs, 0.8));
    }
}
