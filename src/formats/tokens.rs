//! The tokenisation spaCy and CoNLL exports share.
//!
//! spaCy's rule: a token may be followed by one plain space (its `whitespace_`); any other
//! whitespace (line breaks, tabs, U+00A0, a second space) is a token of its own. On top of
//! whitespace, tokens break before and after punctuation and at every span boundary, so that
//! every Lector span starts and ends on a token boundary (spaCy's `Doc.char_span` needs that).
//! A space at the edge of a span is made a token for the same reason.

use std::collections::BTreeSet;

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

/// Tokenises `text` so that every offset in `starts` and `ends` is a token boundary.
pub fn tokenize(text: &DocText, starts: &BTreeSet<u32>, ends: &BTreeSet<u32>) -> Vec<Token> {
    let chars: Vec<char> = text.as_str().chars().collect();
    let n = chars.len() as u32;
    let at = |i: u32| chars.get(i as usize).copied().unwrap_or(' ');
    let cut = |i: u32| starts.contains(&i) || ends.contains(&i);
    let is_punct = |c: char| {
        c.is_ascii_punctuation()
            || matches!(
                c,
                '«' | '»' | '“' | '”' | '„' | '‘' | '’' | '–' | '—' | '…' | '•'
            )
    };
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
        if !(is_punct(c) && text.is_grapheme_boundary(CharOffset(j))) {
            while j < n && !cut(j) && at(j).is_whitespace() == space {
                if !space && is_punct(at(j)) && text.is_grapheme_boundary(CharOffset(j)) {
                    break;
                }
                j += 1;
            }
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
    fn span_boundaries_split_tokens() {
        assert_eq!(words("Lukashenkos", &[0], &[10]), ["Lukashenko", "s"]);
        assert_eq!(words("a b", &[1], &[3]), ["a", " ", "b"]);
    }
}
