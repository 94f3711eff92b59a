//! Finding many surface forms in a text at once, as whole words.
//!
//! ## Implementation notes
//!
//! The text is cut into words and punctuation by the Unicode word boundaries (UAX #29, the
//! `unicode-segmentation` crate): a form can only match whole segments, so "Putin" is never
//! found inside "Putinregimen", and "Putin's", "Putin’s", "EU:s" and "Rysslands" are one
//! segment each (UAX #29 keeps an apostrophe or a colon between letters inside the word).
//! Each form is cut the same way and put into a trie over *token ids*: every distinct token
//! of every form gets a number, so the text is scanned once, one hash lookup per segment (two
//! where it ends in a possessive or genitive `s`), and segments no form contains (nearly all)
//! are dropped right there. Runs of whitespace between tokens match any whitespace (a line
//! break inside a name too), and no whitespace matches none (`Jean-Claude`).
//!
//! A match is leftmost-longest and matches do not overlap: "Alexander Lukashenko" wins over
//! "Lukashenko" at the same place. The last token of a form also matches with a regular
//! possessive or genitive ending: `s` (Swedish `Rysslands`, `Lukashenkos`), `:s` (Swedish
//! after abbreviations, `EU:s`), `'s` and `’s` (English `Putin's`). Apostrophe-only English
//! possessives (`Davos'`) need nothing: the apostrophe is a segment of its own.
//!
//! This is a multi-pattern search as fast as an Aho–Corasick automaton over bytes for this
//! job, without its blind spots: word boundaries are Unicode's, not ASCII's, and ignoring case
//! works for every script (Aho–Corasick folds ASCII only), with no dependency added.

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation as _;

/// Endings that make a possessive or genitive of the form before them, longest first.
const ENDINGS: [&str; 4] = [":s", "'s", "\u{2019}s", "s"];

/// No token id.
const NONE: u32 = u32::MAX;

/// A form found in the text: chars `[start, end)` and which form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The index of the form, in the order the forms were given.
    pub form: u32,
}

/// Many forms, compiled for searching.
#[derive(Debug, Default, Clone)]
pub struct Matcher {
    ignore_case: bool,
    /// Token text (lower-cased when ignoring case) to token id.
    tokens: HashMap<Box<str>, u32>,
    /// (node, token, whitespace before it) to the next node. Node 0 is the root.
    edges: HashMap<(u32, u32, bool), u32>,
    /// Per node: the form that ends there, if any.
    ends: Vec<u32>,
    /// How many forms were compiled (forms without a word are left out).
    forms: usize,
}

/// A segment of text that is not whitespace, as (byte start, text, whitespace before it).
///
/// The text is first cut at whitespace, where UAX #29 always breaks; a piece of pure ASCII
/// (most of a news text) is then cut by [`ascii_words`], which applies the rules of UAX #29
/// that concern ASCII exactly and is several times faster than the general segmenter, which
/// cuts every other piece.
pub fn segments(text: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let mut pieces = Vec::new();
    let mut space = false;
    let push = |at: usize, seg: &str, space: &mut bool, pieces: &mut Vec<(usize, usize, bool)>| {
        if seg.chars().all(char::is_whitespace) {
            *space = true;
        } else {
            pieces.push((at, at + seg.len(), std::mem::replace(space, false)));
        }
    };
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // The next run of non-whitespace (by ASCII whitespace; other whitespace is handled by
        // the general segmenter inside the run).
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at > start {
            let run = &text[start..at];
            if run.is_ascii() {
                for (from, to) in ascii_words(run.as_bytes()) {
                    push(start + from, &run[from..to], &mut space, &mut pieces);
                }
            } else {
                for (from, seg) in run.split_word_bound_indices() {
                    push(start + from, seg, &mut space, &mut pieces);
                }
            }
        }
        if at < bytes.len() {
            space = true;
            at += 1;
        }
    }
    pieces
        .into_iter()
        .map(move |(from, to, space)| (from, &text[from..to], space))
}

/// The word boundaries of UAX #29 in ASCII text without whitespace, as byte ranges: letters,
/// digits and `_` run together (WB5, WB8–WB10, WB13a/b); a `:` between letters (WB6/7,
/// MidLetter), a `.` or `'` between letters or between digits (MidNumLetQ), a `,` or `;`
/// between digits (WB11/12, MidNum) stay inside; every other character is a segment of its
/// own.
fn ascii_words(b: &[u8]) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Class {
        Letter,
        Digit,
        Under,
        Other,
    }
    let class = |c: u8| match c {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::Under,
        _ => Class::Other,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let mut last = class(b[i]);
        i += 1;
        if last != Class::Other {
            while i < b.len() {
                let next = class(b[i]);
                if next != Class::Other {
                    last = next;
                    i += 1;
                    continue;
                }
                let Some(&after) = b.get(i + 1) else {
                    break;
                };
                let inside = matches!(
                    (last, b[i], class(after)),
                    (Class::Letter, b':' | b'.' | b'\'', Class::Letter)
                        | (Class::Digit, b',' | b';' | b'.' | b'\'', Class::Digit)
                );
                if !inside {
                    break;
                }
                i += 2;
                last = class(after);
            }
        }
        out.push((start, i));
    }
    out
}

fn has_word(seg: &str) -> bool {
    seg.chars().any(char::is_alphanumeric)
}

impl Matcher {
    /// Compiles forms. A form is cut into tokens as the text is; punctuation at either end is
    /// dropped, and a form with fewer than two letters or digits is left out (an initial
    /// would be found everywhere).
    pub fn new<'a>(forms: impl IntoIterator<Item = &'a str>, ignore_case: bool) -> Self {
        let mut matcher = Self {
            ignore_case,
            ends: vec![NONE],
            ..Self::default()
        };
        for (index, form) in forms.into_iter().enumerate() {
            matcher.add(form, index as u32);
        }
        matcher
    }

    /// How many forms can be found.
    pub fn len(&self) -> usize {
        self.forms
    }

    /// Whether no form can be found.
    pub fn is_empty(&self) -> bool {
        self.forms == 0
    }

    fn normalise<'b>(&self, seg: &'b str, buf: &'b mut String) -> &'b str {
        if self.ignore_case && seg.chars().any(|c| !c.is_lowercase() && c.is_alphabetic()) {
            buf.clear();
            buf.extend(seg.chars().flat_map(char::to_lowercase));
            buf.as_str()
        } else {
            seg
        }
    }

    fn add(&mut self, form: &str, index: u32) {
        let mut toks: Vec<(&str, bool)> = segments(form).map(|(_, s, space)| (s, space)).collect();
        while toks.first().is_some_and(|(s, _)| !has_word(s)) {
            toks.remove(0);
        }
        while toks.last().is_some_and(|(s, _)| !has_word(s)) {
            toks.pop();
        }
        let letters: usize = toks
            .iter()
            .map(|(s, _)| s.chars().filter(|c| c.is_alphanumeric()).count())
            .sum();
        if toks.is_empty() || letters < 2 {
            return;
        }
        let mut node = 0u32;
        let mut buf = String::new();
        for (i, (seg, space)) in toks.iter().enumerate() {
            let key = self.normalise(seg, &mut buf).to_owned();
            let next_id = self.tokens.len() as u32;
            let token = *self.tokens.entry(key.into_boxed_str()).or_insert(next_id);
            let space = i > 0 && *space;
            let fresh = self.ends.len() as u32;
            let child = *self.edges.entry((node, token, space)).or_insert(fresh);
            if child == fresh {
                self.ends.push(NONE);
            }
            node = child;
        }
        if let Some(end) = self.ends.get_mut(node as usize)
            && *end == NONE
        {
            *end = index;
            self.forms += 1;
        }
    }

    fn token(&self, key: &str) -> u32 {
        self.tokens.get(key).copied().unwrap_or(NONE)
    }

    /// Every form in `text`, leftmost-longest, not overlapping, in text order. Offsets are
    /// chars of `text`.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        if self.forms == 0 {
            return Vec::new();
        }
        /// A segment some form has, exactly or without its ending.
        struct Known {
            seq: u32,
            start: u32,
            end: u32,
            exact: u32,
            bare: u32,
            space: bool,
        }
        let mut known: Vec<Known> = Vec::new();
        let mut buf = String::new();
        let mut chars = 0u32;
        let mut byte = 0usize;
        for (seq, (at, seg, space)) in segments(text).enumerate() {
            chars += text.get(byte..at).map_or(0, |s| s.chars().count() as u32);
            let len = seg.chars().count() as u32;
            byte = at + seg.len();
            let start = chars;
            chars += len;
            let key = self.normalise(seg, &mut buf);
            let exact = self.token(key);
            let bare = ENDINGS
                .iter()
                .find_map(|ending| key.strip_suffix(ending).filter(|b| has_word(b)))
                .map_or(NONE, |b| self.token(b));
            if exact != NONE || bare != NONE {
                known.push(Known {
                    seq: seq as u32,
                    start,
                    end: chars,
                    exact,
                    bare,
                    space,
                });
            }
        }
        let mut hits = Vec::new();
        let mut i = 0;
        while i < known.len() {
            let mut node = 0u32;
            let mut best: Option<(usize, u32)> = None;
            let mut j = i;
            while let Some(tok) = known.get(j) {
                if j > i && tok.seq != known[j - 1].seq + 1 {
                    break;
                }
                let space = j > i && tok.space;
                if tok.bare != NONE
                    && let Some(&child) = self.edges.get(&(node, tok.bare, space))
                    && self.ends[child as usize] != NONE
                {
                    best = Some((j, self.ends[child as usize]));
                }
                let Some(&child) = (tok.exact != NONE)
                    .then(|| self.edges.get(&(node, tok.exact, space)))
                    .flatten()
                else {
                    break;
                };
                if self.ends[child as usize] != NONE {
                    best = Some((j, self.ends[child as usize]));
                }
                node = child;
                j += 1;
            }
            match best {
                Some((last, form)) => {
                    hits.push(Hit {
                        start: known[i].start,
                        end: known[last].end,
                        form,
                    });
                    i = last + 1;
                }
                None => i += 1,
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'a>(forms: &[&'a str], text: &'a str, ignore_case: bool) -> Vec<(&'a str, &'a str)> {
        let m = Matcher::new(forms.iter().copied(), ignore_case);
        let chars: Vec<char> = text.chars().collect();
        m.find(text)
            .into_iter()
            .map(|h| {
                let s: String = chars[h.start as usize..h.end as usize].iter().collect();
                (forms[h.form as usize], &*Box::leak(s.into_boxed_str()))
            })
            .collect()
    }

    #[test]
    fn whole_words_inflections_and_longest_first() {
        let text = "Lukashenkos stöd. Putinregimen och Putin’s plan, Putin's too; \
                    Alexander Lukashenko i Rysslands EU:s Sverige";
        let hits = found(
            &[
                "Lukashenko",
                "Alexander Lukashenko",
                "Putin",
                "Ryssland",
                "EU",
                "Sverige",
            ],
            text,
            false,
        );
        assert_eq!(
            hits,
            [
                ("Lukashenko", "Lukashenkos"),
                ("Putin", "Putin’s"),
                ("Putin", "Putin's"),
                ("Alexander Lukashenko", "Alexander Lukashenko"),
                ("Ryssland", "Rysslands"),
                ("EU", "EU:s"),
                ("Sverige", "Sverige"),
            ]
        );
    }

    #[test]
    fn case_as_tagged_unless_ignored_and_any_whitespace_between_words() {
        let text = "ÖSTERSJÖN och Östersjön, vladimir\nputin";
        assert_eq!(
            found(&["Östersjön", "Vladimir Putin"], text, false),
            [("Östersjön", "Östersjön")]
        );
        assert_eq!(
            found(&["Östersjön", "Vladimir Putin"], text, true),
            [
                ("Östersjön", "ÖSTERSJÖN"),
                ("Östersjön", "Östersjön"),
                ("Vladimir Putin", "vladimir\nputin")
            ]
        );
    }

    /// The fast ASCII path cuts exactly where the general UAX #29 segmenter does.
    #[test]
    fn ascii_words_agree_with_unicode_segmentation() {
        let alphabet = b"aZ09_:.',; -!(\"\nx";
        let mut seed: u64 = 0x5eed;
        for _ in 0..20_000 {
            let len = (seed % 12) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(alphabet[(seed >> 33) as usize % alphabet.len()])
                })
                .collect();
            seed = seed.wrapping_add(1);
            let fast: Vec<(usize, &str, bool)> = segments(&text).collect();
            let mut space = false;
            let general: Vec<(usize, &str, bool)> = text
                .split_word_bound_indices()
                .filter_map(|(at, seg)| {
                    if seg.chars().all(char::is_whitespace) {
                        space = true;
                        return None;
                    }
                    Some((at, seg, std::mem::replace(&mut space, false)))
                })
                .collect();
            assert_eq!(fast, general, "{text:?}");
        }
    }

    #[test]
    fn offsets_are_chars_and_short_forms_are_left_out() {
        let m = Matcher::new(["Лука", "X", "👍"], false);
        assert_eq!(m.len(), 1);
        assert_eq!(
            m.find("👍🏽 Лука"),
            [Hit {
                start: 3,
                end: 7,
                form: 0
            }]
        );
    }
}
