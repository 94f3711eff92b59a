//! Certainty proposed from hedge cues: when a Prediction is tagged without a certainty, Lector
//! reads the span and its sentence before it and proposes a grade, with the words it came from.
//!
//! The rules (issue #8, `reference/claims-and-predictions.md` §2):
//!
//! - **Where**: the span and its sentence before it, from the sentence start (or from the last
//!   `men`, `but` or `;` before the span, which start a new clause) to the span end.
//!   Nothing after the span is read.
//! - **Cues** are whole words, matched ignoring case; a cue may be several words
//!   (`räknar med`) and have a gap (`kommer … att`). "kanske" is never found in "skanska",
//!   nor "ska" in "svenska". "May" written with a capital mid-sentence is the month, and
//!   "will" after "the", "his", "political", … is the noun; neither is a cue.
//! - **The outermost cue governs**: of the hedges, the one that starts first (it scopes over
//!   the clause: "Det är troligt, Lukashenko kan få …" is probable, not possible); of two
//!   starting at the same word, the longer ("troligen inte" over "troligen").
//! - **A hedge beats the bare future**: `kommer … att`, `ska`, `will`, `shall`, `going to`
//!   propose certain only where no other cue applies ("Han kommer troligen att …" is probable).
//! - **A stated probability beats every word**: a number with `%`, `procent`, `percent` or
//!   `per cent` next to a word of probability proposes the grade nearest to it under the
//!   project's [`ProbabilityMap`], and the number is returned. The word is a noun within two
//!   words after or three before ("70 procents sannolikhet", "a 70% chance", "sannolikheten
//!   är 70 procent") or an adjective right after ("70 percent likely"). Anything else is a
//!   quantity and proposes nothing: a bare percentage ("priserna kommer att stiga med 70
//!   procent"), a share ("70 % av väljarna", "70% of voters"), a rate after `med` or `by`
//!   ("risken ökar med 70 procent") unless the noun follows it.
//! - **Negation** is `inte`, `ej`, `icke`, `aldrig`, `not`, `never` and `n't` ("won't" reads
//!   as "will not"), but not in "inte bara", "not only", "inte minst", "not least", nor in
//!   "inte (att) ha något (annat) val" / "not have any choice", which force the event rather
//!   than deny it (E7 of the reference). A negation written into the cue ("troligen inte",
//!   "probably not", "kan … inte") is part of its grade.
//!   - Over the cue (right before it, perhaps with one word between: "inte troligt",
//!     "not very likely"): [`Certainty::denied`]: not certain is possible, not probable is
//!     improbable, not possible ("inte möjligt") is certainly not.
//!   - Under the cue (after it, up to the span end: "kommer … inte att", "will not",
//!     "troligt att Lukashenko inte vill"): [`Certainty::negated`]: certain ↔ certainly not,
//!     probable ↔ improbable, possible stays possible. Two negations cancel. A stated
//!     probability becomes that of the event the span describes (70 % that it will not: 30 %).

use super::certainty::Certainty;
use super::lexicon::{HedgeCue, HedgeLexicon, MAX_GAP, PatternPart};
use super::score::ProbabilityMap;
use super::tokens::{Token, TokenKind, sentence_before, tokenize};
use crate::model::{CharOffset, Fragment};

/// Words that negate.
const NEGATORS: [&str; 6] = ["inte", "ej", "icke", "aldrig", "not", "never"];

/// Words after a negator that make it no negation ("inte bara", "not only").
const NOT_NEGATING_AFTER: [&str; 9] = [
    "bara", "endast", "enbart", "blott", "minst", "only", "just", "merely", "least",
];

/// Words after which "will" is the noun ("the will", "political will").
const WILL_AS_NOUN_AFTER: [&str; 12] = [
    "the",
    "a",
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "your",
    "political",
    "free",
    "good",
];

/// Words that start a new clause: cues before them do not scope over the span.
const CLAUSE_STARTS: [&str; 3] = ["men", "but", ";"];

/// Units of a stated percentage.
const PERCENT: [&str; 5] = ["%", "procent", "procents", "percent", "pct"];

/// Nouns that make a percentage next to them a probability ("sannolikheten är 70 procent",
/// "a 70% chance").
const PROBABILITY_NOUNS: [&str; 16] = [
    "sannolikhet",
    "sannolikheten",
    "chans",
    "chansen",
    "chanser",
    "chanserna",
    "risk",
    "risken",
    "säkerhet",
    "probability",
    "chance",
    "chances",
    "likelihood",
    "odds",
    "risks",
    "certainty",
];

/// Adjectives that make a percentage right before them a probability ("70 percent likely",
/// "70 procent säker"). Before a percentage they do not: "det är troligt att 70 % av
/// väljarna" is about a share of voters.
const PROBABILITY_ADJECTIVES: [&str; 10] = [
    "sannolikt",
    "troligt",
    "säker",
    "säkert",
    "likely",
    "sure",
    "certain",
    "confident",
    "probable",
    "säkra",
];

/// A certainty proposed for a span, with the words it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The proposed grade (its [`Certainty::name`] is the schema's choice string).
    pub certainty: Certainty,
    /// The governing cue in the document, in chars, to underline: one piece, or several for a
    /// cue with a gap ("kommer" and "att" of "kommer emellertid inte att").
    pub cue: Vec<Fragment>,
    /// The cue as written, pieces joined by " … " ("Det är troligt", "kommer … att").
    pub cue_text: String,
    /// The negations that turned the cue's grade, in chars, in text order (without those
    /// inside the cue itself, such as the "n't" of "won't").
    pub negations: Vec<Fragment>,
    /// A probability stated in the text, 0–1, for the event the span describes (after any
    /// negation); it overrides the grade when predictions are scored.
    pub stated_probability: Option<f64>,
    /// One line for people: "probable, from “Det är troligt”",
    /// "certainly_not, from “kommer … att” negated by “inte”",
    /// "probable (70 %), from “70 procents sannolikhet”".
    pub explanation: String,
}

/// Proposes a certainty for the span `[start, end)` (char offsets into the whole document
/// `text`) from the hedge cues of `lexicon` in the span and in its sentence before it; see the
/// module documentation for the rules. `map` turns a stated probability into the nearest
/// grade. `None` when no cue applies (or the span is empty or out of range).
pub fn propose(
    text: &str,
    start: CharOffset,
    end: CharOffset,
    lexicon: &HedgeLexicon,
    map: &ProbabilityMap,
) -> Option<Proposal> {
    if start >= end {
        return None;
    }
    let start_byte = byte_of(text, start)?;
    let end_byte = byte_of(text, end)?;
    let (sentence_byte, back) = sentence_before(text.get(..start_byte)?);
    let base = CharOffset(start.0.checked_sub(u32::try_from(back).ok()?)?);
    let sentence = Sentence::new(text.get(sentence_byte..end_byte)?, base, start);
    match stated_probability(&sentence) {
        Some(stated) => propose_stated(&sentence, &stated, map),
        None => propose_from_cue(&sentence, lexicon),
    }
}

/// The byte index of char `at`, or `None` past the end.
fn byte_of(text: &str, at: CharOffset) -> Option<usize> {
    text.char_indices()
        .map(|(byte, _)| byte)
        .chain(std::iter::once(text.len()))
        .nth(at.index())
}

/// The text read for one proposal: from the sentence start to the span end.
struct Sentence<'t> {
    /// The text itself.
    text: &'t str,
    /// Where it starts in the document.
    base: CharOffset,
    /// Its tokens.
    tokens: Vec<Token>,
    /// The first token that is read: after the last clause start before the span.
    from: usize,
    /// The first word of the sentence, which may be capitalised for its own sake.
    first_word: Option<usize>,
}

impl<'t> Sentence<'t> {
    fn new(text: &'t str, base: CharOffset, span_start: CharOffset) -> Self {
        let tokens = tokenize(text, base);
        let span_first = tokens
            .iter()
            .position(|token| token.start >= span_start)
            .unwrap_or(tokens.len());
        let from = (0..span_first)
            .rev()
            .find(|&at| starts_clause(&tokens, at))
            .map_or(0, |at| at + 1);
        let first_word = tokens.iter().position(|t| t.kind == TokenKind::Word);
        Self {
            text,
            base,
            tokens,
            from,
            first_word,
        }
    }

    fn token(&self, at: usize) -> Option<&Token> {
        self.tokens.get(at)
    }

    /// The document text of `[start, end)`.
    fn slice(&self, start: CharOffset, end: CharOffset) -> String {
        let skip = start.index().saturating_sub(self.base.index());
        self.text
            .chars()
            .skip(skip)
            .take(end.index().saturating_sub(start.index()))
            .collect()
    }

    /// Tokens `indices` (ascending) as pieces: runs of neighbouring tokens joined.
    fn pieces(&self, indices: &[usize]) -> Vec<Fragment> {
        let mut pieces: Vec<Fragment> = Vec::new();
        let mut previous: Option<usize> = None;
        for &at in indices {
            let Some(token) = self.token(at) else {
                continue;
            };
            match pieces.last_mut() {
                Some(last) if previous.is_some_and(|p| p + 1 >= at) => {
                    last.end = last.end.max(token.end);
                }
                _ => pieces.push(Fragment {
                    start: token.start,
                    end: token.end,
                }),
            }
            previous = Some(at);
        }
        pieces
    }

    /// The text of `pieces`, joined by " … ".
    fn pieces_text(&self, pieces: &[Fragment]) -> String {
        let texts: Vec<String> = pieces.iter().map(|p| self.slice(p.start, p.end)).collect();
        texts.join(" … ")
    }

    /// Whether the token at `at` negates (see the module documentation).
    fn negates(&self, at: usize) -> bool {
        let Some(token) = self.token(at) else {
            return false;
        };
        if !NEGATORS.contains(&token.text.as_str()) {
            return false;
        }
        let next = self.token(at + 1);
        if next.is_some_and(|next| NOT_NEGATING_AFTER.contains(&next.text.as_str())) {
            return false;
        }
        !self.no_choice_after(at + 1)
    }

    /// Whether "(att|to) ha|have något|någon|några|any (annat|annan|andra|other)
    /// val|alternativ|utväg|choice|alternative|option" starts at token `at`.
    fn no_choice_after(&self, mut at: usize) -> bool {
        let is = |at: usize, words: &[&str]| {
            self.token(at)
                .is_some_and(|t| words.contains(&t.text.as_str()))
        };
        if is(at, &["att", "to"]) {
            at += 1;
        }
        if !is(at, &["ha", "have"]) || !is(at + 1, &["något", "någon", "några", "any"]) {
            return false;
        }
        at += 2;
        if is(at, &["annat", "annan", "andra", "other"]) {
            at += 1;
        }
        is(
            at,
            &[
                "val",
                "alternativ",
                "utväg",
                "choice",
                "alternative",
                "option",
                "options",
            ],
        )
    }

    /// Whether the token at `at` looks like a cue but is not one ("May" the month, "the will").
    fn false_cue(&self, at: usize) -> bool {
        let Some(token) = self.token(at) else {
            return false;
        };
        match token.text.as_str() {
            "may" => token.capitalised && Some(at) != self.first_word,
            "will" => at
                .checked_sub(1)
                .and_then(|p| self.token(p))
                .is_some_and(|p| {
                    p.kind == TokenKind::Word && WILL_AS_NOUN_AFTER.contains(&p.text.as_str())
                }),
            _ => false,
        }
    }

    /// Negations under a cue or stated probability that starts at token `first` and uses
    /// tokens `own`: the negating tokens after `first`, up to the span end, not in `own`.
    fn negations_under(&self, first: usize, own: &[usize]) -> Vec<usize> {
        (first + 1..self.tokens.len())
            .filter(|at| !own.contains(at) && self.negates(*at))
            .collect()
    }

    /// A negation over the cue starting at token `first`: right before it, or with one word
    /// between ("inte särskilt troligt").
    fn negation_over(&self, first: usize) -> Option<usize> {
        let before = first.checked_sub(1)?;
        if before < self.from {
            return None;
        }
        if self.negates(before) {
            return Some(before);
        }
        let two_before = before.checked_sub(1)?;
        let between_is_word = self
            .token(before)
            .is_some_and(|t| t.kind == TokenKind::Word);
        (two_before >= self.from && between_is_word && self.negates(two_before))
            .then_some(two_before)
    }
}

/// Whether the token at `at` starts a new clause (see [`CLAUSE_STARTS`]); "but" does not in
/// "no choice but to" and "all but certain".
fn starts_clause(tokens: &[Token], at: usize) -> bool {
    let text = |at: Option<usize>| at.and_then(|at| tokens.get(at)).map(|t| t.text.as_str());
    match text(Some(at)) {
        Some("but") => text(Some(at + 1)) != Some("to") && text(at.checked_sub(1)) != Some("all"),
        Some(word) => CLAUSE_STARTS.contains(&word),
        None => false,
    }
}

/// A cue found in a sentence.
struct CueMatch<'l> {
    cue: &'l HedgeCue,
    /// The tokens it matched, ascending.
    tokens: Vec<usize>,
}

impl CueMatch<'_> {
    /// Sorts the governing cue first: the earliest, then the longest.
    fn order_key(&self) -> (usize, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>) {
        let first = self.tokens.first().copied().unwrap_or(usize::MAX);
        let last = self.tokens.last().copied().unwrap_or(0);
        (
            first,
            std::cmp::Reverse(last),
            std::cmp::Reverse(self.tokens.len()),
        )
    }
}

/// Every cue of `lexicon` in the read part of `sentence`.
fn cue_matches<'l>(sentence: &Sentence<'_>, lexicon: &'l HedgeLexicon) -> Vec<CueMatch<'l>> {
    let patterns: Vec<(&HedgeCue, Vec<PatternPart>)> = lexicon
        .cues()
        .iter()
        .filter_map(|cue| Some((cue, cue.pattern()?)))
        .collect();
    let mut matches = Vec::new();
    for at in sentence.from..sentence.tokens.len() {
        if sentence.false_cue(at) {
            continue;
        }
        for (cue, pattern) in &patterns {
            let mut used = Vec::new();
            if match_here(pattern, &sentence.tokens, at, &mut used) {
                matches.push(CueMatch { cue, tokens: used });
            }
        }
    }
    matches
}

/// Whether `pattern` matches `tokens` from `at`, pushing the matched token indices on `used`.
/// A gap takes as few words as it can.
fn match_here(pattern: &[PatternPart], tokens: &[Token], at: usize, used: &mut Vec<usize>) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return true;
    };
    match first {
        PatternPart::Word(word) => {
            if !tokens.get(at).is_some_and(|token| token.is(word)) {
                return false;
            }
            used.push(at);
            if match_here(rest, tokens, at + 1, used) {
                return true;
            }
            used.pop();
            false
        }
        PatternPart::Gap => {
            for skip in 0..=MAX_GAP {
                let skipped_word = skip == 0
                    || tokens
                        .get(at + skip - 1)
                        .is_some_and(|t| t.kind != TokenKind::Punct);
                if !skipped_word {
                    return false;
                }
                if match_here(rest, tokens, at + skip, used) {
                    return true;
                }
            }
            false
        }
    }
}

/// The proposal from the governing cue, if any.
fn propose_from_cue(sentence: &Sentence<'_>, lexicon: &HedgeLexicon) -> Option<Proposal> {
    let matches = cue_matches(sentence, lexicon);
    let governing = matches
        .iter()
        .filter(|m| !m.cue.bare_future)
        .min_by_key(|m| m.order_key())
        .or_else(|| matches.iter().min_by_key(|m| m.order_key()))?;
    let first = *governing.tokens.first()?;
    let mut certainty = governing.cue.certainty;
    let mut negators = Vec::new();
    if let Some(over) = sentence.negation_over(first) {
        certainty = certainty.denied();
        negators.push(over);
    }
    let under = sentence.negations_under(first, &governing.tokens);
    if under.len() % 2 == 1 {
        certainty = certainty.negated();
    }
    negators.extend(under);
    Some(proposal(
        sentence,
        certainty,
        &governing.tokens,
        &negators,
        None,
    ))
}

/// A percentage stated as a probability.
struct Stated {
    /// The number as written, 0–100.
    percent: f64,
    /// Its tokens, from the first to the last word of the expression.
    tokens: Vec<usize>,
}

/// The first stated probability in the read part of `sentence`.
fn stated_probability(sentence: &Sentence<'_>) -> Option<Stated> {
    let tokens = &sentence.tokens;
    let text = |at: usize| tokens.get(at).map_or("", |t| t.text.as_str());
    (sentence.from..tokens.len()).find_map(|at| {
        let number = tokens.get(at).filter(|t| t.kind == TokenKind::Number)?;
        let percent: f64 = number.text.replace(',', ".").parse().ok()?;
        if !(0.0..=100.0).contains(&percent) {
            return None;
        }
        let unit_end = if PERCENT.contains(&text(at + 1)) {
            at + 1
        } else if text(at + 1) == "per" && text(at + 2) == "cent" {
            at + 2
        } else {
            return None;
        };
        // "70 % av väljarna", "70% of voters": a share of something.
        if matches!(text(unit_end + 1), "av" | "of") {
            return None;
        }
        let after = (unit_end + 1..=unit_end + 2).find(|&w| {
            PROBABILITY_NOUNS.contains(&text(w)) || PROBABILITY_ADJECTIVES.contains(&text(w))
        });
        // "stiga med 70 procent", "rise by 70 percent": a rate of change.
        let rate_of_change = at
            .checked_sub(1)
            .is_some_and(|p| matches!(text(p), "med" | "by"));
        let before = (at.saturating_sub(3).max(sentence.from)..at)
            .find(|&w| !rate_of_change && PROBABILITY_NOUNS.contains(&text(w)));
        if after.is_none() && before.is_none() {
            return None;
        }
        let first = before.unwrap_or(at);
        let last = after.unwrap_or(unit_end);
        Some(Stated {
            percent,
            tokens: (first..=last).collect(),
        })
    })
}

/// The proposal from a stated probability.
fn propose_stated(
    sentence: &Sentence<'_>,
    stated: &Stated,
    map: &ProbabilityMap,
) -> Option<Proposal> {
    let first = *stated.tokens.first()?;
    let negators = sentence.negations_under(first, &stated.tokens);
    let percent = if negators.len() % 2 == 1 {
        100.0 - stated.percent
    } else {
        stated.percent
    };
    let probability = percent / 100.0;
    let certainty = map.nearest(probability)?;
    Some(proposal(
        sentence,
        certainty,
        &stated.tokens,
        &negators,
        Some(probability),
    ))
}

/// Puts a proposal together, with its explanation.
fn proposal(
    sentence: &Sentence<'_>,
    certainty: Certainty,
    cue_tokens: &[usize],
    negators: &[usize],
    stated_probability: Option<f64>,
) -> Proposal {
    let cue = sentence.pieces(cue_tokens);
    let cue_text = sentence.pieces_text(&cue);
    let mut negations: Vec<Fragment> = negators
        .iter()
        .filter_map(|&at| sentence.token(at))
        .map(|token| Fragment {
            start: token.start,
            end: token.end,
        })
        // A contraction's "not" shares its word with the cue ("won't"): already underlined.
        .filter(|n| !cue.iter().any(|c| c.start < n.end && n.start < c.end))
        .collect();
    negations.sort_unstable();
    negations.dedup();
    let stated = stated_probability
        .map(|p| format!(" ({} %)", (p * 10_000.0).round() / 100.0))
        .unwrap_or_default();
    let negated = if negations.is_empty() {
        String::new()
    } else {
        let words: Vec<String> = negations
            .iter()
            .map(|n| format!("“{}”", sentence.slice(n.start, n.end)))
            .collect();
        format!(" negated by {}", words.join(" and "))
    };
    let explanation = format!("{certainty}{stated}, from “{cue_text}”{negated}");
    Proposal {
        certainty,
        cue,
        cue_text,
        negations,
        stated_probability,
        explanation,
    }
}
