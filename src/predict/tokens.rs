//! Words and sentences for hedge cues: the sentence around a span, cut into lower-cased tokens
//! that remember their char positions in the document.

use crate::model::CharOffset;

/// How far back [`sentence_before`] looks for the start of a sentence, in chars. A longer
/// "sentence" (a table, a list without full stops) is cut there, which bounds the work.
const MAX_LOOKBACK: usize = 2_000;

/// Words that end in a full stop without ending the sentence ("t.ex. Ryssland"), lower case,
/// without their last full stop.
const ABBREVIATIONS: [&str; 21] = [
    "t.ex", "bl.a", "d.v.s", "dvs", "m.m", "osv", "ca", "jfr", "resp", "nr", "kl", "mr", "mrs",
    "ms", "dr", "prof", "st", "e.g", "i.e", "etc", "vs",
];

/// What a token is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Letters (and digits after the first letter), with inner apostrophes.
    Word,
    /// Digits, with at most one decimal separator (`70`, `70,5`, `0.7`).
    Number,
    /// Any other single character that is not whitespace (`,`, `%`, `•`).
    Punct,
}

/// One token of a sentence.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    /// Lower case, typographic apostrophes as `'`; a contraction's parts are spelled out
    /// (`won't` gives `will` and `not`).
    pub text: String,
    /// First char, in the document.
    pub start: CharOffset,
    /// First char after the token, in the document.
    pub end: CharOffset,
    /// What it is made of.
    pub kind: TokenKind,
    /// Whether it was written with a capital first letter ("May" the month).
    pub capitalised: bool,
}

impl Token {
    /// Whether the token reads `word` (lower case).
    pub fn is(&self, word: &str) -> bool {
        self.text == word
    }
}

/// Where the sentence holding the end of `before` starts: the byte index into `before` and the
/// number of chars from there to the end of `before`.
///
/// A sentence starts after a line break, or after `.`, `!` or `?` followed (perhaps after a
/// closing quote or bracket) by whitespace, unless the full stop ends an abbreviation or an
/// initial ("t.ex.", "J. Biden"). The stored text keeps paragraphs and list items as lines,
/// so a line break always ends a sentence.
pub(crate) fn sentence_before(before: &str) -> (usize, usize) {
    let tail: Vec<(usize, char)> = {
        let mut tail: Vec<(usize, char)> = before.char_indices().rev().take(MAX_LOOKBACK).collect();
        tail.reverse();
        tail
    };
    let chars: Vec<char> = tail.iter().map(|&(_, c)| c).collect();
    let start = (0..chars.len())
        .rev()
        .find_map(|at| sentence_after(&chars, at))
        .unwrap_or(0);
    let byte = tail.get(start).map_or(before.len(), |&(byte, _)| byte);
    (byte, chars.len() - start)
}

/// Where the next sentence starts if the char at `at` ends one (after any closing quote).
fn sentence_after(chars: &[char], at: usize) -> Option<usize> {
    let &c = chars.get(at)?;
    if c == '\n' {
        return Some(at + 1);
    }
    if !matches!(c, '.' | '!' | '?') {
        return None;
    }
    let mut next = at + 1;
    while chars
        .get(next)
        .is_some_and(|&q| matches!(q, '"' | '\'' | '”' | '’' | '»' | ')' | ']'))
    {
        next += 1;
    }
    // The end of `before` counts as whitespace: the span starts the next sentence.
    let space_follows = chars.get(next).is_none_or(|q| q.is_whitespace());
    (space_follows && (c != '.' || !ends_abbreviation(chars, at))).then_some(next)
}

/// Whether the full stop at `dot` ends an abbreviation or an initial.
fn ends_abbreviation(chars: &[char], dot: usize) -> bool {
    let mut from = dot;
    while from > 0
        && chars
            .get(from - 1)
            .is_some_and(|&c| c.is_alphabetic() || c == '.')
    {
        from -= 1;
    }
    let word: String = chars.get(from..dot).unwrap_or_default().iter().collect();
    let mut letters = word.chars();
    let initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    initial || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// Cuts `text`, which starts at char `base` of the document, into tokens.
pub(crate) fn tokenize(text: &str, base: CharOffset) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while let Some(&c) = chars.get(at) {
        let from = at;
        let kind = if c.is_whitespace() {
            at += 1;
            continue;
        } else if c.is_alphabetic() {
            at = word_end(&chars, at);
            TokenKind::Word
        } else if c.is_ascii_digit() {
            at = number_end(&chars, at);
            TokenKind::Number
        } else {
            at += 1;
            TokenKind::Punct
        };
        let raw: String = chars.get(from..at).unwrap_or_default().iter().collect();
        let text = raw.to_lowercase().replace('’', "'");
        let start = offset(base, from);
        let end = offset(base, at);
        let capitalised = c.is_uppercase();
        let token = |text: &str| Token {
            text: text.to_owned(),
            start,
            end,
            kind,
            capitalised,
        };
        match kind
            .eq(&TokenKind::Word)
            .then(|| contraction(&text))
            .flatten()
        {
            // Both parts keep the whole word's range: "won't" is underlined as one word.
            Some(stem) => tokens.extend([token(stem), token("not")]),
            None => tokens.push(token(&text)),
        }
    }
    tokens
}

/// The char offset `count` chars after `base`.
fn offset(base: CharOffset, count: usize) -> CharOffset {
    CharOffset(
        base.0
            .saturating_add(u32::try_from(count).unwrap_or(u32::MAX)),
    )
}

/// The end of the word starting at `at`: letters and digits, and apostrophes between letters.
fn word_end(chars: &[char], mut at: usize) -> usize {
    while let Some(&c) = chars.get(at) {
        let inner_apostrophe =
            matches!(c, '\'' | '’') && chars.get(at + 1).is_some_and(|next| next.is_alphabetic());
        if !(c.is_alphanumeric() || inner_apostrophe) {
            break;
        }
        at += 1;
    }
    at
}

/// The end of the number starting at `at`: digits, perhaps one `.` or `,` between digits.
fn number_end(chars: &[char], mut at: usize) -> usize {
    let digits = |chars: &[char], mut at: usize| {
        while chars.get(at).is_some_and(char::is_ascii_digit) {
            at += 1;
        }
        at
    };
    at = digits(chars, at);
    let separator = chars.get(at).is_some_and(|&c| c == '.' || c == ',');
    if separator && chars.get(at + 1).is_some_and(char::is_ascii_digit) {
        at = digits(chars, at + 1);
    }
    at
}

/// The verb of an English negative contraction ("won't" → "will", "can't" → "can",
/// "cannot" → "can"), or `None` for any other word.
fn contraction(word: &str) -> Option<&str> {
    if word == "cannot" {
        return Some("can");
    }
    let stem = word.strip_suffix("n't")?;
    Some(match stem {
        "" => return None,
        "wo" => "will",
        "sha" => "shall",
        "ca" => "can",
        "ai" => "is",
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        tokenize(text, CharOffset(0))
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(
            texts("Det är troligt, 70,5 % – Putin’s"),
            ["det", "är", "troligt", ",", "70,5", "%", "–", "putin's"]
        );
        assert_eq!(texts("a 70% chance."), ["a", "70", "%", "chance", "."]);
    }

    #[test]
    fn contractions_are_spelled_out_over_the_whole_word() {
        assert_eq!(
            texts("He won't, can't, cannot, shouldn’t"),
            [
                "he", "will", "not", ",", "can", "not", ",", "can", "not", ",", "should", "not"
            ]
        );
        let tokens = tokenize("I won't", CharOffset(10));
        let will = &tokens[1];
        let not = &tokens[2];
        assert_eq!((will.start, will.end), (CharOffset(12), CharOffset(17)));
        assert_eq!((not.start, not.end), (CharOffset(12), CharOffset(17)));
    }

    #[test]
    fn offsets_count_chars_not_bytes() {
        let tokens = tokenize("Ändå 🙂 troligt", CharOffset(100));
        let offsets: Vec<(u32, u32)> = tokens.iter().map(|t| (t.start.0, t.end.0)).collect();
        assert_eq!(offsets, [(100, 104), (105, 106), (107, 114)]);
        assert!(tokens[0].capitalised);
        assert!(!tokens[2].capitalised);
    }

    fn sentence(before: &str) -> &str {
        let (byte, chars) = sentence_before(before);
        assert_eq!(before[byte..].chars().count(), chars);
        before[byte..].trim_start()
    }

    #[test]
    fn sentences_start_after_a_full_stop_or_a_line_break() {
        assert_eq!(sentence("Han kom. Det är troligt, "), "Det är troligt, ");
        assert_eq!(sentence("Rubrik\n  • Lukashenko "), "• Lukashenko ");
        assert_eq!(sentence("Vem? Han sa: ”Nej.” Sedan "), "Sedan ");
        assert_eq!(sentence("Början utan slut "), "Början utan slut ");
        assert_eq!(sentence("Slut."), "");
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_a_sentence() {
        assert_eq!(
            sentence("Han kan t.ex. Ryssland "),
            "Han kan t.ex. Ryssland "
        );
        assert_eq!(sentence("Kanske J. Biden "), "Kanske J. Biden ");
        assert_eq!(sentence("It may, e.g. Russia "), "It may, e.g. Russia ");
        assert_eq!(sentence("Det var 3.5 gånger "), "Det var 3.5 gånger ");
    }
}
