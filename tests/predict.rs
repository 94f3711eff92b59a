//! Hedge proposals on the sample article: the worked examples E2–E8 of
//! `reference/claims-and-predictions.md` §4, at the reference's char offsets.
//!
//! `tests/data/sotji-talks.sv.txt` is the sample project's article
//! (`projects/sotji-talks/documents/sotji-talks.txt`) as the reference counts it.

use lector::model::{CharOffset, Fragment};
use lector::predict::{Certainty, HedgeLexicon, ProbabilityMap, Proposal, propose};

const SAMPLE: &str = include_str!("data/sotji-talks.sv.txt");

/// The proposal for the span `[start, end)` of the sample, checking the span's text first.
fn proposal(start: u32, end: u32, expected_text: &str) -> Option<Proposal> {
    let text: String = SAMPLE
        .chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect();
    assert_eq!(text, expected_text, "the sample's text at {start}–{end}");
    propose(
        SAMPLE,
        CharOffset(start),
        CharOffset(end),
        &HedgeLexicon::starter(),
        &ProbabilityMap::KENT,
    )
}

fn piece(start: u32, end: u32) -> Fragment {
    Fragment {
        start: CharOffset(start),
        end: CharOffset(end),
    }
}

#[test]
fn e2_a_reported_expectation_is_probable() {
    let p = proposal(
        250,
        309,
        "Lukashenko räknar med att få ekonomiskt stöd från Ryssland.",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::Probable);
    assert_eq!(p.cue, [piece(261, 271)]);
    assert_eq!(p.explanation, "probable, from “räknar med”");
    // The predicted event alone: the cue is in its sentence before it.
    let p = proposal(276, 308, "få ekonomiskt stöd från Ryssland").unwrap();
    assert_eq!(
        (p.certainty, p.cue.clone()),
        (Certainty::Probable, vec![piece(261, 271)])
    );
}

#[test]
fn e3_the_outer_hedge_governs_the_inner_kan() {
    let p = proposal(
        3317,
        3433,
        "Det är troligt, Lukashenko kan få mer än en miljard dollar i det ekonomiska stödet \
         från Ryssland, om han samarbetar.",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::Probable);
    assert_eq!(p.cue, [piece(3317, 3331)]);
    assert_eq!(p.explanation, "probable, from “Det är troligt”");
    assert_eq!(p.stated_probability, None);
    // The predicted event without the cue: "Det är troligt" still scopes over it.
    let p = proposal(
        3344,
        3413,
        "kan få mer än en miljard dollar i det ekonomiska stödet från Ryssland",
    )
    .unwrap();
    assert_eq!(
        (p.certainty, p.cue_text.as_str()),
        (Certainty::Probable, "Det är troligt")
    );
}

#[test]
fn e4_kanske_beats_the_bare_future() {
    let p = proposal(987, 1033, "Kanske kommer oppositionen att dyka upp senare").unwrap();
    assert_eq!(p.certainty, Certainty::Possible);
    assert_eq!(p.cue, [piece(987, 993)]);
    assert_eq!(p.explanation, "possible, from “Kanske”");
}

#[test]
fn e5_kommer_inte_att_is_certainly_not() {
    let p = proposal(
        3000,
        3047,
        "Putin kommer emellertid inte att förbli av kurs",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::CertainlyNot);
    assert_eq!(p.cue_text, "kommer … att");
    assert_eq!(p.cue, [piece(3006, 3012), piece(3029, 3032)]);
    assert_eq!(p.negations, [piece(3024, 3028)]);
    assert_eq!(
        p.explanation,
        "certainly_not, from “kommer … att” negated by “inte”"
    );
    // The predicted event alone keeps the negation before it in its sentence.
    let p = proposal(3033, 3047, "förbli av kurs").unwrap();
    assert_eq!(p.certainty, Certainty::CertainlyNot);
}

#[test]
fn e6_the_bare_future_is_certain() {
    let p = proposal(
        3230,
        3316,
        "Den ryska radarstationen kommer att fortsätta att fungera på det vitryska territoriet.",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::Certain);
    assert_eq!(p.cue, [piece(3255, 3265)]);
    assert_eq!(p.explanation, "certain, from “kommer att”");
}

#[test]
fn e7_no_choice_is_not_a_negation() {
    let p = proposal(
        3809,
        3878,
        "Ändå kommer han inte att ha något val och så småningom lämna kontoret",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::Certain);
    assert_eq!(p.cue_text, "kommer … att");
    assert_eq!(p.negations, []);
}

#[test]
fn e8_a_negated_hedged_claim_is_improbable() {
    let p = proposal(
        3720,
        3808,
        "Det är troligt att Lukashenko inte vill lämna ordförandeskapet förrän den dagen han dör.",
    )
    .unwrap();
    assert_eq!(p.certainty, Certainty::Improbable);
    assert_eq!(p.cue, [piece(3720, 3734)]);
    assert_eq!(p.negations, [piece(3750, 3754)]);
    assert_eq!(
        p.explanation,
        "improbable, from “Det är troligt” negated by “inte”"
    );
}

#[test]
fn more_of_the_sample() {
    // "inte möjligt": not possible is certainly not.
    let start = SAMPLE.find("För närvarande är det inte möjligt").unwrap();
    let start = u32::try_from(SAMPLE[..start].chars().count()).unwrap();
    let p = proposal(start, start + 34, "För närvarande är det inte möjligt").unwrap();
    assert_eq!(p.certainty, Certainty::CertainlyNot);
    // A past event has no cue: E1.
    assert_eq!(
        proposal(
            146,
            245,
            "Den vitryska oppositionsledaren Svetlana Tichanovskaya erkände nederlaget och \
             förlusten av gatorna."
        ),
        None
    );
    // The byline.
    assert_eq!(proposal(3925, 3941, "Christina Kitova"), None);
}
