//! The hedge cues Lector knows: the starter lists of `reference/claims-and-predictions.md` §2 for
//! Swedish and English, which a project extends with its own `(phrase, grade)` pairs.

use serde::{Deserialize, Serialize};

use super::certainty::Certainty;
use super::tokens::{TokenKind, tokenize};
use crate::model::CharOffset;

/// The mark for "up to [`MAX_GAP`] words here" in a cue phrase: `kommer … att` matches
/// "kommer att", "kommer han inte att" and "kommer emellertid inte att".
pub const GAP: &str = "…";

/// How many words a [`GAP`] in a cue phrase may stand for.
pub const MAX_GAP: usize = 3;

/// One hedge cue: a phrase and the grade it proposes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HedgeCue {
    /// One or more words, matched whole and ignoring case; `…` (or `...`) between words stands
    /// for up to [`MAX_GAP`] other words. A negation written into the phrase ("troligen inte",
    /// "probably not") is part of its grade and never counted again.
    pub phrase: String,
    /// The grade the phrase proposes when it governs.
    pub certainty: Certainty,
    /// Whether the phrase is the bare future (`kommer … att`, `ska`, `will`, `shall`), which
    /// proposes only where no other cue applies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bare_future: bool,
}

impl HedgeCue {
    /// A cue that is not the bare future.
    pub fn new(phrase: impl Into<String>, certainty: Certainty) -> Self {
        Self {
            phrase: phrase.into(),
            certainty,
            bare_future: false,
        }
    }

    /// The phrase as matched: lower case, single spaces, `...` as `…`. Two cues with the same
    /// key are the same cue.
    pub fn key(&self) -> String {
        self.phrase
            .replace("...", GAP)
            .replace('’', "'")
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The phrase as words and gaps, or `None` for a phrase without words.
    pub(crate) fn pattern(&self) -> Option<Vec<PatternPart>> {
        let key = self.key();
        let mut parts = Vec::new();
        for token in tokenize(&key, CharOffset(0)) {
            let part = if token.kind == TokenKind::Punct && token.text == GAP {
                PatternPart::Gap
            } else {
                PatternPart::Word(token.text)
            };
            parts.push(part);
        }
        let edge_gap = |part: Option<&PatternPart>| matches!(part, Some(PatternPart::Gap));
        (!parts.is_empty() && !edge_gap(parts.first()) && !edge_gap(parts.last())).then_some(parts)
    }
}

/// One element of a cue phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PatternPart {
    /// A token that must be there, lower case.
    Word(String),
    /// Up to [`MAX_GAP`] words.
    Gap,
}

/// The cues hedge proposals are read from.
///
/// A project stores only its own additions (a `Vec<HedgeCue>`, e.g.
/// `(phrase: "torde", certainty: probable)` in RON) and builds its lexicon with
/// `HedgeLexicon::starter().with_extra(&extra)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HedgeLexicon {
    cues: Vec<HedgeCue>,
}

/// The starter lists (reference §2) with their obvious inflections and set phrases, as
/// `(phrase, grade)`; the bare future is [`STARTER_FUTURE`].
const STARTER: &[(&str, Certainty)] = &[
    // Swedish.
    ("säkert", Certainty::Certain),
    ("helt säkert", Certainty::Certain),
    ("det är säkert", Certainty::Certain),
    ("med säkerhet", Certainty::Certain),
    ("definitivt", Certainty::Certain),
    ("utan tvivel", Certainty::Certain),
    ("utan tvekan", Certainty::Certain),
    ("otvivelaktigt", Certainty::Certain),
    ("garanterat", Certainty::Certain),
    ("troligt", Certainty::Probable),
    ("trolig", Certainty::Probable),
    ("det är troligt", Certainty::Probable),
    ("troligen", Certainty::Probable),
    ("troligtvis", Certainty::Probable),
    ("sannolikt", Certainty::Probable),
    ("sannolik", Certainty::Probable),
    ("det är sannolikt", Certainty::Probable),
    ("med all sannolikhet", Certainty::Probable),
    ("förmodligen", Certainty::Probable),
    ("antagligen", Certainty::Probable),
    ("räknar med", Certainty::Probable),
    ("förväntas", Certainty::Probable),
    ("väntas", Certainty::Probable),
    ("torde", Certainty::Probable),
    ("kanske", Certainty::Possible),
    ("möjligen", Certainty::Possible),
    ("möjligtvis", Certainty::Possible),
    ("möjligt", Certainty::Possible),
    ("det är möjligt", Certainty::Possible),
    ("eventuellt", Certainty::Possible),
    ("kan", Certainty::Possible),
    ("kan komma att", Certainty::Possible),
    ("skulle kunna", Certainty::Possible),
    ("inte uteslutet", Certainty::Possible),
    ("kan inte uteslutas", Certainty::Possible),
    ("knappast", Certainty::Improbable),
    ("osannolikt", Certainty::Improbable),
    ("det är osannolikt", Certainty::Improbable),
    ("troligen inte", Certainty::Improbable),
    ("troligtvis inte", Certainty::Improbable),
    ("sannolikt inte", Certainty::Improbable),
    ("förmodligen inte", Certainty::Improbable),
    ("antagligen inte", Certainty::Improbable),
    ("tveksamt", Certainty::Improbable),
    // "kan (han) inte" denies the possibility ("han kan inte vinna"), unlike "kanske inte".
    ("kan … inte", Certainty::CertainlyNot),
    ("absolut inte", Certainty::CertainlyNot),
    ("definitivt inte", Certainty::CertainlyNot),
    ("uteslutet", Certainty::CertainlyNot),
    // English.
    ("certainly", Certainty::Certain),
    ("definitely", Certainty::Certain),
    ("without doubt", Certainty::Certain),
    ("without a doubt", Certainty::Certain),
    ("no doubt", Certainty::Certain),
    ("undoubtedly", Certainty::Certain),
    ("surely", Certainty::Certain),
    ("certain to", Certainty::Certain),
    ("sure to", Certainty::Certain),
    ("bound to", Certainty::Certain),
    ("it is certain", Certainty::Certain),
    ("likely", Certainty::Probable),
    ("likely to", Certainty::Probable),
    ("it is likely", Certainty::Probable),
    ("it's likely", Certainty::Probable),
    ("probably", Certainty::Probable),
    ("probable", Certainty::Probable),
    ("presumably", Certainty::Probable),
    ("in all likelihood", Certainty::Probable),
    ("expected to", Certainty::Probable),
    ("expect", Certainty::Probable),
    ("expects", Certainty::Probable),
    ("counts on", Certainty::Probable),
    ("count on", Certainty::Probable),
    ("counting on", Certainty::Probable),
    ("may", Certainty::Possible),
    ("might", Certainty::Possible),
    ("could", Certainty::Possible),
    ("possibly", Certainty::Possible),
    ("possible", Certainty::Possible),
    ("it is possible", Certainty::Possible),
    ("it's possible", Certainty::Possible),
    ("perhaps", Certainty::Possible),
    ("maybe", Certainty::Possible),
    ("not impossible", Certainty::Possible),
    ("cannot be ruled out", Certainty::Possible),
    ("could not be ruled out", Certainty::Possible),
    ("unlikely", Certainty::Improbable),
    ("it is unlikely", Certainty::Improbable),
    ("it's unlikely", Certainty::Improbable),
    ("hardly", Certainty::Improbable),
    ("probably not", Certainty::Improbable),
    ("likely not", Certainty::Improbable),
    ("improbable", Certainty::Improbable),
    ("doubtful", Certainty::Improbable),
    // "can't", "cannot" and "can not" all read as "can not".
    ("can not", Certainty::CertainlyNot),
    ("certainly not", Certainty::CertainlyNot),
    ("definitely not", Certainty::CertainlyNot),
    ("impossible", Certainty::CertainlyNot),
];

/// The bare future, certain where no other cue applies.
const STARTER_FUTURE: &[&str] = &["kommer … att", "ska", "skall", "will", "shall", "going to"];

impl HedgeLexicon {
    /// A lexicon without cues.
    pub fn empty() -> Self {
        Self { cues: Vec::new() }
    }

    /// The starter lists of the reference for Swedish and English, with obvious inflections
    /// (`troligtvis`, `sannolikt`, `osannolikt`, `probable`, `likely to`) and set phrases
    /// (`det är troligt`, `it is likely`), so that the whole phrase is underlined.
    pub fn starter() -> Self {
        let hedges = STARTER
            .iter()
            .map(|&(phrase, certainty)| HedgeCue::new(phrase, certainty));
        let future = STARTER_FUTURE.iter().map(|&phrase| HedgeCue {
            phrase: phrase.to_owned(),
            certainty: Certainty::Certain,
            bare_future: true,
        });
        Self {
            cues: hedges.chain(future).collect(),
        }
    }

    /// This lexicon with `extra` added; an extra cue with the same phrase (ignoring case and
    /// spacing) as one already there replaces it, so a project can regrade a starter cue.
    #[must_use]
    pub fn with_extra(mut self, extra: &[HedgeCue]) -> Self {
        for cue in extra {
            self.add(cue.clone());
        }
        self
    }

    /// Adds a cue, replacing one with the same phrase (ignoring case and spacing).
    pub fn add(&mut self, cue: HedgeCue) {
        let key = cue.key();
        match self.cues.iter_mut().find(|known| known.key() == key) {
            Some(known) => *known = cue,
            None => self.cues.push(cue),
        }
    }

    /// The cues, starter cues first, then additions in the order they were added.
    pub fn cues(&self) -> &[HedgeCue] {
        &self.cues
    }

    /// What is wrong with the cues, one sentence each: phrases without words, or starting or
    /// ending with `…`. Such cues never match.
    pub fn problems(&self) -> Vec<String> {
        self.cues
            .iter()
            .filter(|cue| cue.pattern().is_none())
            .map(|cue| {
                format!(
                    "the hedge cue “{}” has no words, or starts or ends with “…”",
                    cue.phrase
                )
            })
            .collect()
    }
}

impl Default for HedgeLexicon {
    /// The [starter](Self::starter) lexicon.
    fn default() -> Self {
        Self::starter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_lexicon_is_well_formed_and_has_no_duplicates() {
        let lexicon = HedgeLexicon::starter();
        assert_eq!(lexicon.problems(), Vec::<String>::new());
        let mut keys: Vec<String> = lexicon.cues().iter().map(HedgeCue::key).collect();
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count, "duplicate starter cues");
    }

    #[test]
    fn gaps_and_contractions_in_phrases() {
        let cue = HedgeCue::new("Kommer ... ATT", Certainty::Certain);
        assert_eq!(cue.key(), "kommer … att");
        assert_eq!(
            cue.pattern(),
            Some(vec![
                PatternPart::Word("kommer".into()),
                PatternPart::Gap,
                PatternPart::Word("att".into()),
            ])
        );
        let wont = HedgeCue::new("won’t", Certainty::CertainlyNot);
        assert_eq!(
            wont.pattern(),
            Some(vec![
                PatternPart::Word("will".into()),
                PatternPart::Word("not".into())
            ])
        );
    }

    #[test]
    fn malformed_phrases_are_reported() {
        let lexicon = HedgeLexicon::empty().with_extra(&[
            HedgeCue::new("  ", Certainty::Possible),
            HedgeCue::new("… troligt", Certainty::Probable),
            HedgeCue::new("torde", Certainty::Probable),
        ]);
        assert_eq!(lexicon.problems().len(), 2);
        assert!(lexicon.problems()[1].contains("“… troligt”"));
    }

    #[test]
    fn extra_cues_add_and_regrade() {
        let lexicon = HedgeLexicon::starter().with_extra(&[
            HedgeCue::new("SKA", Certainty::Possible),
            HedgeCue::new("lär", Certainty::Probable),
        ]);
        let grade = |phrase: &str| {
            lexicon
                .cues()
                .iter()
                .find(|cue| cue.key() == phrase)
                .map(|cue| (cue.certainty, cue.bare_future))
        };
        assert_eq!(grade("ska"), Some((Certainty::Possible, false)));
        assert_eq!(grade("lär"), Some((Certainty::Probable, false)));
        assert_eq!(
            lexicon.cues().len(),
            HedgeLexicon::starter().cues().len() + 1
        );
    }

    #[test]
    fn extra_cues_round_trip_through_ron() {
        let extra = vec![
            HedgeCue::new("torde", Certainty::Probable),
            HedgeCue {
                phrase: "lär".into(),
                certainty: Certainty::Certain,
                bare_future: true,
            },
        ];
        let text = ron::to_string(&extra).unwrap();
        assert_eq!(
            text,
            "[(phrase:\"torde\",certainty:probable),(phrase:\"lär\",certainty:certain,bare_future:true)]"
        );
        let back: Vec<HedgeCue> = ron::from_str(&text).unwrap();
        assert_eq!(back, extra);
        let lexicon = HedgeLexicon::starter().with_extra(&back);
        let again: HedgeLexicon = ron::from_str(&ron::to_string(&lexicon).unwrap()).unwrap();
        assert_eq!(again, lexicon);
    }
}
