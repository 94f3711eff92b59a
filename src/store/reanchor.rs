//! Re-anchoring: when a document's text was corrected after it was annotated (a typo fixed, a
//! paragraph added), every annotation is placed again on the new text by what it quotes and
//! the context around it, never by its old offsets alone.
//!
//! Each fragment is placed by the first of these that works:
//! 1. its quote is still at its old place, shifted by as much as the annotation before it
//!    moved;
//! 2. an exact occurrence of its quote elsewhere: the one whose surrounding text best matches
//!    the context the file recorded (24 characters each side), then the nearest;
//! 3. the closest approximate match (edit distance at most a quarter of the quote) within the
//!    paragraph where it should be.
//!
//! An annotation is placed when all its fragments are; else it is *unplaced*: kept whole, with
//! its old quote, for the analyst to place again. None is ever dropped.

use super::v1;
use crate::model::{CharOffset, DocText, checked_fragments};

/// What follows a document id in the name of the file that keeps the annotations that could
/// not be placed: `annotations/<annotator>/<document>.unplaced.ron`.
pub const UNPLACED_SUFFIX: &str = ".unplaced";

/// Chars of context the files record on each side (see `convert`).
const CONTEXT_CHARS: u32 = 24;

/// Longest quote searched approximately (the search costs quote × paragraph).
const MAX_FUZZY_CHARS: usize = 2000;

/// How an annotation was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// Where it was.
    Unchanged,
    /// Its exact quote, somewhere else.
    Moved,
    /// An approximate match of its quote (the text under it was corrected).
    Fuzzy,
}

/// The annotations of one file, placed on the new text.
#[derive(Debug, Default)]
pub struct Reanchored {
    /// Placed annotations, with new fragments, quotes and context, and how.
    pub placed: Vec<(v1::AnnotationEntry, Placement)>,
    /// Annotations that could not be placed, as they were.
    pub unplaced: Vec<v1::AnnotationEntry>,
}

/// Places every annotation of a file on `text`.
pub fn reanchor_entries(mut entries: Vec<v1::AnnotationEntry>, text: &DocText) -> Reanchored {
    entries.sort_by_key(|e| e.fragments.first().map(|f| (f.0, f.1)));
    let chars: Vec<char> = text.as_str().chars().collect();
    let mut result = Reanchored::default();
    // How far the last placed fragment moved: where the next one is expected.
    let mut shift: i64 = 0;
    for entry in entries {
        let mut spans = Vec::with_capacity(entry.fragments.len());
        let mut how = Placement::Unchanged;
        let last = entry.fragments.len().saturating_sub(1);
        for (i, (start, _, quote)) in entry.fragments.iter().enumerate() {
            let before = (i == 0).then_some(entry.before.as_str());
            let after = (i == last).then_some(entry.after.as_str());
            let expected = (i64::from(*start) + shift).max(0);
            match place(&chars, text, quote, *start, expected, before, after) {
                Some((s, e, p)) => {
                    shift = i64::from(s) - i64::from(*start);
                    how = how.max(p);
                    spans.push((s, e));
                }
                None => {
                    spans.clear();
                    break;
                }
            }
        }
        let placed = (!spans.is_empty())
            .then(|| checked_fragments(text, &spans).ok())
            .flatten();
        match placed {
            Some(fragments) => {
                let mut new = entry;
                new.fragments = fragments
                    .iter()
                    .map(|f| {
                        let quote = text.slice(f.start, f.end).unwrap_or("").to_owned();
                        (f.start.0, f.end.0, quote)
                    })
                    .collect();
                if let (Some(first), Some(last)) = (fragments.first(), fragments.last()) {
                    new.before = text.before(first.start, CONTEXT_CHARS).to_owned();
                    new.after = text.after(last.end, CONTEXT_CHARS).to_owned();
                }
                result.placed.push((new, how));
            }
            None => result.unplaced.push(entry),
        }
    }
    result
}

/// Where one fragment goes: `(start, end, how)` in chars.
fn place(
    chars: &[char],
    text: &DocText,
    quote: &str,
    old_start: u32,
    expected: i64,
    before: Option<&str>,
    after: Option<&str>,
) -> Option<(u32, u32, Placement)> {
    let len = quote.chars().count();
    if len == 0 {
        return None;
    }
    let len_u32 = u32::try_from(len).ok()?;
    let expected_u32 = u32::try_from(expected).unwrap_or(u32::MAX);
    // 1. Where it should be.
    if let Some(end) = expected_u32.checked_add(len_u32)
        && text.slice(CharOffset(expected_u32), CharOffset(end)) == Some(quote)
    {
        let how = if expected_u32 == old_start {
            Placement::Unchanged
        } else {
            Placement::Moved
        };
        return Some((expected_u32, end, how));
    }
    // 2. Exact occurrences, best context first, then nearest.
    let mut best: Option<(i64, i64, u32)> = None;
    for (byte, _) in text.as_str().match_indices(quote) {
        let Some(start) = u32::try_from(byte)
            .ok()
            .and_then(|b| text.char_of_byte(crate::model::ByteOffset(b)))
        else {
            continue;
        };
        let context = context_match(chars, start.0 as usize, len, before, after);
        let distance = (i64::from(start.0) - expected).abs();
        let key = (i64::try_from(context).unwrap_or(i64::MAX), -distance);
        if best.is_none_or(|(c, d, _)| key > (c, d)) {
            best = Some((key.0, key.1, start.0));
        }
    }
    if let Some((_, _, start)) = best {
        return Some((start, start + len_u32, Placement::Moved));
    }
    // 3. Approximately, within the paragraph where it should be.
    if len > MAX_FUZZY_CHARS {
        return None;
    }
    let (from, to) = paragraph_around(chars, expected, len);
    let needle: Vec<char> = quote.chars().collect();
    let (start, end, distance) = approximate(&needle, &chars[from..to], expected - from as i64)?;
    if distance > (len / 4).max(1) {
        return None;
    }
    let (mut s, mut e) = (from + start, from + end);
    while s > 0 && !text.is_grapheme_boundary(CharOffset(u32::try_from(s).ok()?)) {
        s -= 1;
    }
    while e < chars.len() && !text.is_grapheme_boundary(CharOffset(u32::try_from(e).ok()?)) {
        e += 1;
    }
    (s < e).then_some((
        u32::try_from(s).ok()?,
        u32::try_from(e).ok()?,
        Placement::Fuzzy,
    ))
}

/// How many chars of the recorded context match around `start..start+len`.
fn context_match(
    chars: &[char],
    start: usize,
    len: usize,
    before: Option<&str>,
    after: Option<&str>,
) -> usize {
    let mut score = 0;
    if let Some(before) = before {
        score += before
            .chars()
            .rev()
            .zip(chars[..start].iter().rev())
            .take_while(|(a, b)| a == *b)
            .count();
    }
    if let Some(after) = after {
        let from = (start + len).min(chars.len());
        score += after
            .chars()
            .zip(chars[from..].iter())
            .take_while(|(a, b)| a == *b)
            .count();
    }
    score
}

/// The chars to search approximately: the paragraph (between blank lines) around `expected`,
/// widened by the quote's length so that a quote at a paragraph's edge is found.
fn paragraph_around(chars: &[char], expected: i64, len: usize) -> (usize, usize) {
    let at = usize::try_from(expected).unwrap_or(0).min(chars.len());
    let blank = |i: usize| i + 1 < chars.len() && chars[i] == '\n' && chars[i + 1] == '\n';
    let mut from = at;
    while from > 0 && !blank(from - 1) {
        from -= 1;
    }
    let mut to = at;
    while to < chars.len() && !blank(to) {
        to += 1;
    }
    (from.saturating_sub(len), (to + len).min(chars.len()))
}

/// The substring of `hay` closest to `needle` by edit distance (Sellers' algorithm), the
/// nearest to `expected` among equals: `(start, end, distance)`.
fn approximate(needle: &[char], hay: &[char], expected: i64) -> Option<(usize, usize, usize)> {
    let m = needle.len();
    if m == 0 || hay.is_empty() {
        return None;
    }
    // cost[i]: distance of needle[..i] to the best substring ending here; start[i]: where it
    // starts. Rolled over the columns of the haystack.
    let mut cost: Vec<usize> = (0..=m).collect();
    let mut start: Vec<usize> = vec![0; m + 1];
    let mut best: Option<(usize, i64, usize, usize)> = None;
    for (j, &h) in hay.iter().enumerate() {
        let (mut diag_cost, mut diag_start) = (0usize, j);
        cost[0] = 0;
        start[0] = j + 1;
        for i in 1..=m {
            let (up_cost, up_start) = (cost[i], start[i]);
            let substitute = diag_cost + usize::from(needle[i - 1] != h);
            let delete = cost[i - 1] + 1;
            let insert = up_cost + 1;
            let (c, s) = if substitute <= delete && substitute <= insert {
                (substitute, diag_start)
            } else if delete <= insert {
                (delete, start[i - 1])
            } else {
                (insert, up_start)
            };
            diag_cost = up_cost;
            diag_start = up_start;
            cost[i] = c;
            start[i] = s;
        }
        let end = j + 1;
        let s = start[m];
        let distance = (i64::try_from(s).unwrap_or(i64::MAX) - expected).abs();
        let key = (cost[m], distance);
        if best.is_none_or(|(c, d, _, _)| key < (c, d)) {
            best = Some((cost[m], distance, s, end));
        }
    }
    best.map(|(c, _, s, e)| (s, e, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, text: &DocText, spans: &[(u32, u32)]) -> v1::AnnotationEntry {
        let fragments = spans
            .iter()
            .map(|&(s, e)| {
                let q = text.slice(CharOffset(s), CharOffset(e)).unwrap().to_owned();
                (s, e, q)
            })
            .collect();
        let first = CharOffset(spans[0].0);
        let last = CharOffset(spans[spans.len() - 1].1);
        v1::AnnotationEntry {
            id: id.into(),
            label: "Person".into(),
            fragments,
            before: text.before(first, CONTEXT_CHARS).to_owned(),
            after: text.after(last, CONTEXT_CHARS).to_owned(),
            entity: None,
            attributes: Default::default(),
            note: String::new(),
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn placed(r: &Reanchored, id: &str, text: &DocText) -> (String, Placement) {
        let (e, how) = r.placed.iter().find(|(e, _)| e.id == id).unwrap();
        let quotes: Vec<&str> = e
            .fragments
            .iter()
            .map(|(s, en, _)| text.slice(CharOffset(*s), CharOffset(*en)).unwrap())
            .collect();
        (quotes.join("|"), *how)
    }

    #[test]
    fn annotations_follow_their_words_through_a_corrected_text() {
        let old = DocText::new(
            "Putin möter Lukashenko i Sotji.\n\nTichanovksaya erkände nederlaget. Putin ler.",
        )
        .unwrap();
        let entries = vec![
            entry("a", &old, &[(0, 5)]),           // Putin (first)
            entry("b", &old, &[(12, 22)]),         // Lukashenko
            entry("c", &old, &[(33, 46)]),         // Tichanovksaya (misspelt)
            entry("d", &old, &[(67, 72)]),         // Putin (second)
            entry("e", &old, &[(0, 5), (25, 30)]), // discontinuous
            entry("f", &old, &[(47, 54)]),         // erkände
        ];
        // A heading added in front, the misspelling corrected, "erkände" rewritten.
        let new = DocText::new(
            "Analys\n\nPutin möter Lukashenko i Sotji.\n\nTichanovskaya medgav nederlaget. Putin ler.",
        )
        .unwrap();
        let r = reanchor_entries(entries, &new);
        assert_eq!(placed(&r, "a", &new), ("Putin".into(), Placement::Moved));
        // Found where the heading pushed it: moved by as much as the annotation before it.
        assert_eq!(
            placed(&r, "b", &new),
            ("Lukashenko".into(), Placement::Moved)
        );
        assert_eq!(
            placed(&r, "c", &new),
            ("Tichanovskaya".into(), Placement::Fuzzy)
        );
        let (d, _) = placed(&r, "d", &new);
        assert_eq!(d, "Putin");
        let d_start = r
            .placed
            .iter()
            .find(|(e, _)| e.id == "d")
            .unwrap()
            .0
            .fragments[0]
            .0;
        assert_eq!(
            Some(d_start as usize),
            new.as_str()
                .rfind("Putin")
                .map(|b| new.as_str()[..b].chars().count()),
            "the second Putin, by its context, not the first"
        );
        assert_eq!(placed(&r, "e", &new).0, "Putin|Sotji");
        // "erkände" became "medgav": too different to guess; kept, listed, never dropped.
        assert_eq!(r.unplaced.len(), 1);
        assert_eq!(r.unplaced[0].id, "f");
        assert_eq!(r.placed.len() + r.unplaced.len(), 6);
    }

    #[test]
    fn approximate_search_finds_the_nearest_closest_match() {
        let hay: Vec<char> = "xx Lukasjenko yy Lukashenko".chars().collect();
        let needle: Vec<char> = "Lukashenko".chars().collect();
        assert_eq!(approximate(&needle, &hay, 0), Some((17, 27, 0)));
        let needle: Vec<char> = "Lukasenko".chars().collect();
        let (s, e, d) = approximate(&needle, &hay, 0).unwrap();
        // One edit from either; the nearer to 0 wins.
        assert_eq!((s, e, d), (3, 13, 1));
    }
}
