//! The tokenisation spaCy, spaCy DocBin and CoNLL exports share.
//!
//! spaCy's rule for whitespace: a token may be followed by one plain space (its
//! `whitespace_`); any other whitespace (line breaks, tabs, U+00A0, a second space) is a token
//! of its own. Within the text between whitespace, tokens break at the word boundaries of
//! Unicode word segmentation (UAX #29, `unicode-segmentation`), so that punctuation is a token
//! of its own while `3.14`, `don't` and `U.S` stay whole, and text without spaces is not one
//! long token: Chinese and Japanese kanji and hiragana become a token per character (what
//! spaCy's Chinese tokenizer does by default, `segmenter = "char"`), a run of katakana one
//! token, Thai a token per character cluster (UAX #29 has no dictionary of Thai words). On top
//! of that, tokens break at every span boundary, so that every Lector span starts and ends on
//! a token boundary (spaCy's `Doc.char_span` needs that). A space at the edge of a span is made
//! a token for the same reason.
//!
//! This is not spaCy's own tokenizer (its prefix, suffix and infix rules and per-language
//! exceptions, `n't` in English): the boundaries differ in places, which spaCy's training
//! aligns (`Example` alignment) and `spacy debug data` counts.

use std::collections::BTreeSet;

use unicode_segmentation::UnicodeSegmentation as _;

use crate::model::{CharOffset, DocText};

/// A token: `[start, end)` in chars, and whether one plain space follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// First char.
    pub start: CharOffset,
    /// First char after the token.
    pub end: CharOffset,
    /// Whether the token is whitespace (a line break, a tab, U+00A0, extra spaces).
    pub is_space: bool,
}

/// The char offsets at which UAX #29 puts a word boundary, as a flag per char offset
/// (`len + 1` entries).
fn word_boundaries(text: &str, chars: usize) -> Vec<bool> {
    let mut bounds = vec![false; chars + 1];
    let mut char_at = 0;
    let mut byte_at = 0;
    for (byte, _) in text.split_word_bound_indices() {
        // Advance the char count to this segment's byte start.
        char_at += text.get(byte_at..byte).map_or(0, |s| s.chars().count());
        byte_at = byte;
        if let Some(b) = bounds.get_mut(char_at) {
            *b = true;
        }
    }
    if let Some(b) = bounds.last_mut() {
        *b = true;
    }
    bounds
}

/// Tokenises `text` so that every offset in `starts` and `ends` is a token boundary.
pub fn tokenize(text: &DocText, starts: &BTreeSet<u32>, ends: &BTreeSet<u32>) -> Vec<Token> {
    let chars: Vec<char> = text.as_str().chars().collect();
    let n = chars.len() as u32;
    let bounds = word_boundaries(text.as_str(), chars.len());
    let at = |i: u32| chars.get(i as usize).copied().unwrap_or(' ');
    let word_bound = |i: u32| bounds.get(i as usize).copied().unwrap_or(true);
    let cut = |i: u32| starts.contains(&i) || ends.contains(&i);
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = at(i);
        // One plain space after a token is its trailing whitespace, unless a span starts or
        // ends at its edge.
        if c == ' '
            && tokens.last().is_some_and(|t| t.end.0 == i && !t.is_space)
            && !starts.contains(&i)
            && !ends.contains(&(i + 1))
        {
            i += 1;
            continue;
        }
        let space = c.is_whitespace();
        let mut j = i + 1;
        while j < n && !cut(j) && at(j).is_whitespace() == space {
            if !space && word_bound(j) && text.is_grapheme_boundary(CharOffset(j)) {
                break;
            }
            j += 1;
        }
        tokens.push(Token {
            start: CharOffset(i),
            end: CharOffset(j),
            is_space: space,
        });
        i = j;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, starts: &[u32], ends: &[u32]) -> Vec<String> {
        let t = DocText::new(text).unwrap();
        tokenize(
            &t,
            &starts.iter().copied().collect(),
            &ends.iter().copied().collect(),
        )
        .iter()
        .map(|tok| t.slice(tok.start, tok.end).unwrap().to_owned())
        .collect()
    }

    #[test]
    fn whitespace_and_punctuation() {
        assert_eq!(
            words("Sony 👍 said\nEricsson will merge.", &[], &[]),
            ["Sony", "👍", "said", "\n", "Ericsson", "will", "merge", "."]
        );
        assert_eq!(
            words("duman\u{A0} fraktioner", &[], &[]),
            ["duman", "\u{A0} ", "fraktioner"]
        );
        assert_eq!(words("Ma\u{30A}r: x", &[], &[]), ["Ma\u{30A}r", ":", "x"]);
    }

    #[test]
    fn scripts_without_spaces() {
        // Chinese: a token per character, as spaCy's default Chinese segmenter.
        assert_eq!(
            words("普京会见卢卡申科。", &[], &[]),
            ["普", "京", "会", "见", "卢", "卡", "申", "科", "。"]
        );
        // Japanese: a katakana run stays whole; kanji and hiragana a token each.
        assert_eq!(
            words("プーチン氏が会談した。", &[], &[]),
            ["プーチン", "氏", "が", "会", "談", "し", "た", "。"]
        );
        // Thai: a token per character cluster (vowel signs stay on their consonant).
        let thai = words("ปูตินพบกับ", &[], &[]);
        assert!(thai.len() > 3, "{thai:?}");
        assert_eq!(thai.concat(), "ปูตินพบกับ");
        assert!(thai.contains(&"ปู".to_owned()), "{thai:?}");
        // A span inside a run of Chinese cuts it where the span says.
        assert_eq!(words("普京会见", &[0], &[2]), ["普", "京", "会", "见"]);
    }

    #[test]
    fn words_stay_whole() {
        assert_eq!(
            words("It's 3.14, e-mail U.S. (ok)", &[], &[]),
            [
                "It's", "3.14", ",", "e", "-", "mail", "U.S", ".", "(", "ok", ")"
            ]
        );
    }

    #[test]
    fn span_boundaries_split_tokens() {
        assert_eq!(words("Lukashenkos", &[0], &[10]), ["Lukashenko", "s"]);
        assert_eq!(words("a b", &[1], &[3]), ["a", " ", "b"]);
    }
}
