//! Hedge proposals on Swedish and English sentences. The span is written in brackets:
//! `"Det är troligt, [Lukashenko kan få pengar]."`

use super::certainty::Certainty;
use super::hedge::{Proposal, propose};
use super::lexicon::{HedgeCue, HedgeLexicon};
use super::score::ProbabilityMap;
use crate::model::{CharOffset, Fragment};

/// The text without brackets and the span's char offsets.
fn marked(text: &str) -> (String, CharOffset, CharOffset) {
    let start = text.chars().position(|c| c == '[').expect("a [");
    let end = text.chars().position(|c| c == ']').expect("a ]") - 1;
    let plain: String = text.chars().filter(|&c| c != '[' && c != ']').collect();
    let offset = |n: usize| CharOffset(u32::try_from(n).unwrap());
    (plain, offset(start), offset(end))
}

fn proposal_with(text: &str, lexicon: &HedgeLexicon) -> Option<Proposal> {
    let (plain, start, end) = marked(text);
    propose(&plain, start, end, lexicon, &ProbabilityMap::KENT)
}

fn proposal(text: &str) -> Option<Proposal> {
    proposal_with(text, &HedgeLexicon::starter())
}

/// The proposed grade's name, or "none".
fn grade(text: &str) -> &'static str {
    proposal(text).map_or("none", |p| p.certainty.name())
}

/// The grade and the cue as written.
fn graded(text: &str) -> (&'static str, String) {
    let p = proposal(text).expect("a proposal");
    (p.certainty.name(), p.cue_text)
}

fn owned(grade: &'static str, cue: &str) -> (&'static str, String) {
    (grade, cue.to_owned())
}

#[test]
fn the_outermost_cue_governs() {
    // "kan" alone is possible; the earlier "Det är troligt" scopes over it.
    assert_eq!(
        graded("Det är troligt, [Lukashenko kan få mer än en miljard dollar]."),
        owned("probable", "Det är troligt")
    );
    assert_eq!(
        graded("[Lukashenko kan få mer än en miljard dollar]."),
        owned("possible", "kan")
    );
    assert_eq!(
        graded("It is likely that [Russia might pay]."),
        owned("probable", "It is likely")
    );
    assert_eq!(
        graded("Perhaps [Russia will probably pay]."),
        owned("possible", "Perhaps")
    );
    // Of two cues starting at one word, the longer: "kan komma att", not "kan".
    assert_eq!(
        graded("[Priserna kan komma att stiga]."),
        owned("possible", "kan komma att")
    );
}

#[test]
fn a_hedge_beats_the_bare_future() {
    assert_eq!(
        graded("[Han kommer troligen att vinna]."),
        owned("probable", "troligen")
    );
    assert_eq!(
        graded("[She will likely win]."),
        owned("probable", "likely")
    );
    assert_eq!(graded("[Vi ska kanske åka]."), owned("possible", "kanske"));
    assert_eq!(
        graded("[He will certainly resign]."),
        owned("certain", "certainly")
    );
}

#[test]
fn the_bare_future_alone_is_certain() {
    assert_eq!(
        graded("[Putin kommer att stanna]."),
        owned("certain", "kommer att")
    );
    assert_eq!(
        graded("[Samtalen ska hållas i Sotji]."),
        owned("certain", "ska")
    );
    assert_eq!(graded("[The talks will go on]."), owned("certain", "will"));
    assert_eq!(graded("[We shall see]."), owned("certain", "shall"));
    assert_eq!(
        graded("[They are going to meet]."),
        owned("certain", "going to")
    );
    // "kommer … att" with words between is one cue in two pieces.
    let p = proposal("[Då kommer oppositionen att vinna].").unwrap();
    assert_eq!(p.cue_text, "kommer … att");
    assert_eq!(
        p.cue,
        [
            Fragment {
                start: CharOffset(3),
                end: CharOffset(9),
            },
            Fragment {
                start: CharOffset(23),
                end: CharOffset(26),
            },
        ]
    );
    // "kommer" without "att" is the verb "comes".
    assert_eq!(grade("[Han kommer hem i morgon]."), "none");
}

#[test]
fn negation_under_the_cue_flips_it() {
    assert_eq!(
        graded("[Putin kommer inte att stanna]."),
        owned("certainly_not", "kommer … att")
    );
    assert_eq!(grade("[Russia will not pay]."), "certainly_not");
    assert_eq!(grade("[Russia won't pay]."), "certainly_not");
    assert_eq!(grade("[Russia won’t pay]."), "certainly_not");
    assert_eq!(grade("[Han ska aldrig ge upp]."), "certainly_not");
    assert_eq!(
        graded("[Han vinner troligen inte]."),
        owned("improbable", "troligen inte")
    );
    assert_eq!(
        graded("[He will probably not win]."),
        owned("improbable", "probably not")
    );
    assert_eq!(grade("[He probably won't win]."), "improbable");
    assert_eq!(grade("Det är troligt att [han inte kommer]."), "improbable");
    // Possible stays possible: "might not" is as open as "might".
    assert_eq!(grade("[He might not come]."), "possible");
    assert_eq!(grade("[Han kommer kanske inte]."), "possible");
    // Two negations cancel.
    assert_eq!(
        grade("Det är inte troligt att [han inte kommer]."),
        "probable"
    );
}

#[test]
fn negation_over_the_cue_denies_it() {
    assert_eq!(grade("[It is not likely to happen]."), "improbable");
    assert_eq!(grade("[Det är inte troligt att han kommer]."), "improbable");
    assert_eq!(grade("[It is not very likely to happen]."), "improbable");
    // Not certain leaves it open; not possible rules it out.
    assert_eq!(grade("[Det är inte säkert att han kommer]."), "possible");
    assert_eq!(
        grade("[Det är inte möjligt att fortsätta]."),
        "certainly_not"
    );
    assert_eq!(grade("[It is not impossible]."), "possible");
    assert_eq!(grade("[Det är inte uteslutet att han kommer]."), "possible");
    // "kan inte" and "cannot" deny the possibility.
    assert_eq!(grade("[Han kan inte vinna]."), "certainly_not");
    assert_eq!(grade("[Han kan nog inte vinna]."), "certainly_not");
    assert_eq!(grade("[He cannot win]."), "certainly_not");
    assert_eq!(grade("[It cannot be ruled out]."), "possible");
}

#[test]
fn what_is_not_a_negation() {
    assert_eq!(grade("[Det är inte bara troligt utan säkert]."), "probable");
    assert_eq!(grade("[It will not only rain]."), "certain");
    // "Have no choice" forces the event.
    assert_eq!(
        grade("[Han kommer inte att ha något annat val än att avgå]."),
        "certain"
    );
    assert_eq!(
        grade("[He will not have any choice but to resign]."),
        "certain"
    );
    assert_eq!(grade("[He will have no choice but to resign]."), "certain");
}

#[test]
fn negations_are_reported_with_their_place() {
    let p = proposal("[Putin kommer inte att stanna].").unwrap();
    assert_eq!(
        p.negations,
        [Fragment {
            start: CharOffset(13),
            end: CharOffset(17),
        }]
    );
    assert_eq!(
        p.explanation,
        "certainly_not, from “kommer … att” negated by “inte”"
    );
    // The "n't" of "won't" is part of the cue's word: underlined once.
    let p = proposal("[Russia won't pay].").unwrap();
    assert_eq!(p.cue_text, "won't");
    assert_eq!(p.negations, []);
    assert_eq!(p.explanation, "certainly_not, from “won't”");
}

#[test]
fn stated_probabilities() {
    let p = proposal("[Det finns 70 procents sannolikhet att han vinner].").unwrap();
    assert_eq!(p.certainty, Certainty::Probable);
    assert_eq!(p.stated_probability, Some(0.7));
    assert_eq!(p.cue_text, "70 procents sannolikhet");
    assert_eq!(
        p.explanation,
        "probable (70 %), from “70 procents sannolikhet”"
    );

    let p = proposal("Analysts give [a 70% chance of a deal].").unwrap();
    assert_eq!(
        (p.certainty.name(), p.cue_text.as_str()),
        ("probable", "70% chance")
    );

    let p = proposal("[Sannolikheten är 20 % att avtalet håller].").unwrap();
    assert_eq!(p.certainty, Certainty::Improbable);
    assert_eq!(p.stated_probability, Some(0.2));
    assert_eq!(p.cue_text, "Sannolikheten är 20 %");

    let p = proposal("[The probability is 95 percent].").unwrap();
    assert_eq!(p.certainty, Certainty::Certain);
    let p = proposal("[It is 50 per cent likely] to pass.").unwrap();
    assert_eq!(
        (p.certainty, p.stated_probability),
        (Certainty::Possible, Some(0.5))
    );
    let p = proposal("[Chansen är 5,5 procent].").unwrap();
    assert_eq!(
        (p.certainty, p.stated_probability),
        (Certainty::CertainlyNot, Some(0.055))
    );
}

#[test]
fn a_stated_probability_beats_the_words() {
    // "troligt" alone is probable; the number governs.
    let p = proposal("[Det är troligt, 90 procents chans, att han vinner].").unwrap();
    assert_eq!(p.certainty, Certainty::Certain);
    assert_eq!(p.stated_probability, Some(0.9));
    // "Kommer inte att": the 70 % is for the event not happening.
    let p = proposal("[Risken är 70 procent att han inte kommer].").unwrap();
    assert_eq!(p.stated_probability, Some(0.3));
    assert_eq!(p.certainty, Certainty::Improbable);
    assert_eq!(
        p.explanation,
        "improbable (30 %), from “Risken är 70 procent” negated by “inte”"
    );
}

#[test]
fn a_bare_percentage_is_a_quantity() {
    assert_eq!(
        graded("[Priserna kommer att stiga med 70 procent]."),
        owned("certain", "kommer att")
    );
    assert_eq!(
        graded("[Inflation will rise by 7 percent]."),
        owned("certain", "will")
    );
    // A rate of change, even next to "risk".
    assert_eq!(grade("[Risken ökar med 70 procent]."), "none");
    assert_eq!(grade("[Över 150 procent chans]."), "none");
}

#[test]
fn cues_are_whole_words() {
    assert_eq!(grade("[Skanska bygger bron]."), "none");
    assert_eq!(grade("[Rysska och svenska trupper övar]."), "none");
    assert_eq!(grade("[Kanske bygger Skanska bron]."), "possible");
    assert_eq!(grade("[The canal willow mayor likes it]."), "none");
    assert_eq!(grade("[Han kanske kommer]."), "possible");
    assert_eq!(grade("[HAN KOMMER TROLIGEN]."), "probable");
}

#[test]
fn false_friends_are_not_cues() {
    // "May" the month; "will" the noun.
    assert_eq!(grade("[The talks end in May]."), "none");
    assert_eq!(grade("[Talks in May will fail]."), "certain");
    assert_eq!(grade("[May the talks succeed]."), "possible");
    assert_eq!(grade("[It is the will of the people]."), "none");
    assert_eq!(grade("[There is no political will]."), "none");
}

#[test]
fn the_sentence_before_the_span_counts_and_nothing_else() {
    // The cue before the span in its sentence.
    assert_eq!(
        grade("Han sa att Putin troligen [åker till Sotji]."),
        "probable"
    );
    // The previous sentence does not count, nor the words after the span.
    assert_eq!(grade("Det är troligt. [Putin åker] kanske."), "none");
    assert_eq!(
        grade("Kanske regnar det.\n[Putin åker till Sotji]."),
        "none"
    );
    // A clause after "men" / "but" starts afresh.
    assert_eq!(
        grade("Oppositionen kanske kommer, men [Putin kommer att stanna]."),
        "certain"
    );
    assert_eq!(grade("It may rain, but [Putin stays]."), "none");
    // An abbreviation does not end the sentence.
    assert_eq!(grade("Det är troligt att t.ex. [Putin åker]."), "probable");
}

#[test]
fn no_cue_no_proposal() {
    assert!(proposal("[Putin träffade Lukashenko i Sotji].").is_none());
    assert!(proposal("[Talks were held in Sochi].").is_none());
    assert!(proposal("[Han vinner inte]. ").is_none());
    // Empty and out-of-range spans.
    let text = "Det är troligt.";
    let lexicon = HedgeLexicon::starter();
    let map = ProbabilityMap::KENT;
    assert!(propose(text, CharOffset(3), CharOffset(3), &lexicon, &map).is_none());
    assert!(propose(text, CharOffset(5), CharOffset(2), &lexicon, &map).is_none());
    assert!(propose(text, CharOffset(0), CharOffset(99), &lexicon, &map).is_none());
    assert!(propose(text, CharOffset(0), CharOffset(15), &lexicon, &map).is_some());
}

#[test]
fn offsets_are_chars_in_the_whole_document() {
    // Emoji and accents before the span: offsets still count chars.
    let text = "🙂🙂 Åäö. Det är troligt, Putin åker.";
    let start = CharOffset(24);
    let end = CharOffset(34);
    assert_eq!(
        text.chars().skip(24).take(10).collect::<String>(),
        "Putin åker"
    );
    let p = propose(
        text,
        start,
        end,
        &HedgeLexicon::starter(),
        &ProbabilityMap::KENT,
    )
    .unwrap();
    assert_eq!(
        p.cue,
        [Fragment {
            start: CharOffset(8),
            end: CharOffset(22),
        }]
    );
    assert_eq!(p.cue_text, "Det är troligt");
}

#[test]
fn a_project_extends_and_regrades_the_lexicon() {
    let text = "[Priserna lär stiga].";
    assert_eq!(grade(text), "none");
    let lexicon = HedgeLexicon::starter().with_extra(&[HedgeCue::new("lär", Certainty::Probable)]);
    let p = proposal_with(text, &lexicon).unwrap();
    assert_eq!(p.explanation, "probable, from “lär”");
    // Regrading the bare future "ska" as a hedge: it now beats "kommer att" by position.
    let lexicon = HedgeLexicon::starter().with_extra(&[HedgeCue::new("ska", Certainty::Possible)]);
    let p = proposal_with("[Han ska nog komma att vinna].", &lexicon).unwrap();
    assert_eq!(p.certainty, Certainty::Possible);
    // Multi-word additions with a gap.
    let lexicon =
        HedgeLexicon::starter().with_extra(&[HedgeCue::new("räknar … med", Certainty::Probable)]);
    let p = proposal_with("[Vi räknar fortfarande med stöd].", &lexicon).unwrap();
    assert_eq!(p.cue_text, "räknar … med");
}

#[test]
fn a_stated_probability_uses_the_project_mapping() {
    let (plain, start, end) = marked("[Det är 60 procents chans].");
    let lexicon = HedgeLexicon::starter();
    let kent = propose(&plain, start, end, &lexicon, &ProbabilityMap::KENT).unwrap();
    // 0.6 is 0.10 from possible (0.5) and 0.15 from probable (0.75).
    assert_eq!(kent.certainty, Certainty::Possible);
    let map = ProbabilityMap {
        probable: 0.65,
        ..ProbabilityMap::KENT
    };
    let own = propose(&plain, start, end, &lexicon, &map).unwrap();
    assert_eq!(own.certainty, Certainty::Probable);
}

#[test]
fn a_share_is_not_a_probability() {
    assert_eq!(
        graded("Det är troligt att [70 % av väljarna röstar]."),
        owned("probable", "Det är troligt")
    );
    assert_eq!(
        graded("[It is likely that 70% of voters turn out]."),
        owned("probable", "It is likely")
    );
    // A noun of probability before the number still makes it one.
    let p = proposal("[The chance is 70 percent].").unwrap();
    assert_eq!(p.stated_probability, Some(0.7));
}

#[test]
fn but_that_does_not_start_a_clause() {
    assert_eq!(grade("He will have no choice but [to resign]."), "certain");
    assert_eq!(grade("It is all but certain to [happen]."), "certain");
    assert_eq!(grade("It will rain, but [he stays]."), "none");
}
