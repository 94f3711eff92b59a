//! Agreement figures: every reference value of `shared/reference/agreement.md` §6 through the
//! public API, alignment for review, and generated projects compared with independent
//! implementations in Python (scikit-learn, nltk, krippendorff; tests/py/agreement_oracle.py,
//! pinned in tests/py/requirements-agreement.txt).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lector::model::{
    Annotation, AnnotationList, AnnotationSet, AttrValue, CharOffset, DocText, Document,
    DocumentMeta, Fragment, Project, Schema, Status, checked_fragments,
};
use lector::review::{
    self, IobScheme, Level, Matching, Unit, UnitKind, cohen_kappa, davies_fleiss_kappa,
    fleiss_kappa, iob_chunks, krippendorff_alpha, krippendorff_alpha_at, semeval, span_counts,
    unitizing_alpha,
};

fn close(actual: Option<f64>, expected: f64, tolerance: f64, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: undefined, expected {expected}"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not {expected} ± {tolerance}"
    );
}

fn f(start: u32, end: u32) -> Fragment {
    Fragment {
        start: CharOffset(start),
        end: CharOffset(end),
    }
}

fn span(label: &str, fragments: &[(u32, u32)]) -> Annotation {
    Annotation::new(label, fragments.iter().map(|&(s, e)| f(s, e)).collect())
}

/// A project with one document per text, no annotations yet.
fn project(texts: &[(&str, &str)]) -> Project {
    let mut project = Project::new("test", Schema::news_default());
    for (id, text) in texts {
        project.documents.push(Document {
            meta: DocumentMeta {
                id: (*id).to_owned(),
                title: (*id).to_owned(),
                source_file: format!("{id}.txt"),
                sha256: String::new(),
                added: jiff::Timestamp::UNIX_EPOCH,
                published: None,
                source_url: None,
                fetched: None,
            },
            text: DocText::new(*text).unwrap(),
        });
    }
    project
}

fn add(project: &mut Project, doc: &str, annotator: &str, annotation: Annotation) {
    let set = project.set_mut(doc, annotator);
    set.status = Status::Done;
    set.insert(annotation);
}

// --- §6.1, §6.2: Krippendorff's α with missing values --------------------------------------

const NAN: f64 = f64::NAN;

fn matrix(rows: &[&[f64]]) -> Vec<Vec<Option<f64>>> {
    rows.iter()
        .map(|r| r.iter().map(|v| (!v.is_nan()).then_some(*v)).collect())
        .collect()
}

#[test]
fn krippendorff_2011_four_coders_twelve_units() {
    let data = matrix(&[
        &[1., 2., 3., 3., 2., 1., 4., 1., 2., NAN, NAN, NAN],
        &[1., 2., 3., 3., 2., 2., 4., 1., 2., 5., NAN, 3.],
        &[NAN, 3., 3., 3., 2., 3., 4., 2., 2., 5., 1., NAN],
        &[1., 2., 3., 3., 2., 4., 4., 1., 2., 5., 1., NAN],
    ]);
    close(
        krippendorff_alpha_at(&data, Level::Nominal),
        0.743421,
        5e-7,
        "nominal",
    );
    close(
        krippendorff_alpha_at(&data, Level::Ordinal),
        0.815388,
        5e-7,
        "ordinal",
    );
    close(
        krippendorff_alpha_at(&data, Level::Interval),
        0.849107,
        5e-7,
        "interval",
    );
    close(
        krippendorff_alpha_at(&data, Level::Ratio),
        0.797403,
        5e-7,
        "ratio",
    );
    // The same values as category names.
    let names: Vec<Vec<Option<String>>> = data
        .iter()
        .map(|r| r.iter().map(|v| v.map(|v| format!("v{v}"))).collect())
        .collect();
    close(
        krippendorff_alpha(&names),
        0.743421,
        5e-7,
        "nominal on names",
    );
}

#[test]
fn krippendorff_wikipedia_three_coders_fifteen_units() {
    let data = matrix(&[
        &[
            NAN, NAN, NAN, NAN, NAN, 3., 4., 1., 2., 1., 1., 3., 3., NAN, 3.,
        ],
        &[
            1., NAN, 2., 1., 3., 3., 4., 3., NAN, NAN, NAN, NAN, NAN, NAN, NAN,
        ],
        &[
            NAN, NAN, 2., 1., 3., 4., 4., NAN, 2., 1., 1., 3., 3., NAN, 4.,
        ],
    ]);
    close(
        krippendorff_alpha_at(&data, Level::Nominal),
        0.691358,
        5e-7,
        "nominal",
    );
    close(
        krippendorff_alpha_at(&data, Level::Interval),
        0.810845,
        5e-7,
        "interval",
    );
}

// --- §6.3: Krippendorff 1995 example A -----------------------------------------------------

const BERTHA: [u8; 24] = [
    0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
];
const BILL: [u8; 24] = [
    0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn krippendorff_1995_bertha_and_bill_as_sequences() {
    let kappa = cohen_kappa(&BERTHA, &BILL).unwrap();
    close(Some(kappa.observed), 16. / 24., 1e-12, "p_o");
    close(Some(kappa.expected), 11. / 24., 1e-12, "p_e Cohen");
    close(Some(kappa.value), 5. / 13., 1e-12, "Cohen's κ");
    let pi = fleiss_kappa(&[BERTHA.to_vec(), BILL.to_vec()]).unwrap();
    close(Some(pi.observed), 16. / 24., 1e-12, "P̄");
    close(Some(pi.expected), 37. / 72., 1e-12, "p_e Scott");
    close(Some(pi.value), 11. / 35., 1e-12, "Scott's π");
    // Davies–Fleiss equals Cohen with two coders.
    close(
        davies_fleiss_kappa(&[BERTHA.to_vec(), BILL.to_vec()]).map(|k| k.value),
        5. / 13.,
        1e-12,
        "Davies–Fleiss κ",
    );
    let rows = [BERTHA.map(Some).to_vec(), BILL.map(Some).to_vec()];
    close(krippendorff_alpha(&rows), 23. / 70., 1e-12, "α nominal");
}

/// §6.3 read as Lector's per-character layer of one label: the same figures from spans.
#[test]
fn krippendorff_1995_bertha_and_bill_as_spans() {
    let mut p = project(&[("example-a", "abcdefghijklmnopqrstuvwx")]);
    add(&mut p, "example-a", "bertha", span("Claim", &[(2, 10)]));
    add(&mut p, "example-a", "bertha", span("Claim", &[(14, 20)]));
    add(&mut p, "example-a", "bill", span("Claim", &[(4, 8)]));
    add(&mut p, "example-a", "bill", span("Claim", &[(15, 17)]));
    let report = review::agreement(&p, &[], &[]).unwrap();
    assert_eq!(report.annotators, ["bertha", "bill"]);
    assert_eq!(report.characters, 24);
    let claim = &report.labels["Claim"];
    close(claim.cohen_kappa, 5. / 13., 1e-12, "Cohen's κ");
    close(claim.fleiss_kappa, 11. / 35., 1e-12, "Fleiss' κ");
    close(claim.krippendorff_alpha, 23. / 70., 1e-12, "α");
    // With a single label the overall layer is the label's.
    close(
        report.overall.krippendorff_alpha,
        23. / 70.,
        1e-12,
        "overall α",
    );
    // Bertha's two spans overlap Bill's two; none is identical.
    assert_eq!(claim.f1_exact, Some(0.0));
    assert_eq!(claim.f1_overlap, Some(1.0));
}

// --- §6.4: unitizing α_u, Krippendorff 2004 p. 254 -----------------------------------------

#[test]
fn krippendorff_2004_unitizing_alpha() {
    let unit = |begin: u32, length: u32, rater: usize, category: &'static str| Unit {
        rater,
        category,
        fragment: f(begin, begin + length),
    };
    let units = [
        unit(225, 70, 0, "c"),
        unit(370, 30, 0, "c"),
        unit(220, 80, 1, "c"),
        unit(355, 20, 1, "c"),
        unit(400, 20, 1, "c"),
        unit(180, 60, 0, "k"),
        unit(300, 50, 0, "k"),
        unit(180, 60, 1, "k"),
        unit(300, 50, 1, "k"),
    ];
    let report = unitizing_alpha(f(150, 450), 2, &units);
    let c = report.categories["c"];
    close(Some(c.observed), 13. / 900., 1e-12, "D_o(c)");
    close(Some(c.expected), 69179. / 1_299_825., 1e-12, "D_e(c)");
    close(c.alpha, 0.7286, 5e-5, "α_u(c)");
    let k = report.categories["k"];
    assert_eq!(k.observed, 0.0, "D_o(k)");
    close(Some(k.expected), 127_621. / 2_605_650., 1e-12, "D_e(k)");
    close(k.alpha, 1.0, 1e-12, "α_u(k)");
    close(report.overall, 0.8587, 5e-5, "α_u overall, §4 formulas");
    close(
        report.overall,
        0.8591,
        5e-4,
        "α_u overall, DKPro's tolerance",
    );
}

// --- §6.5: seqeval, §6.6: nervaluate, §6.7: bratiaa ----------------------------------------

/// Token chunks as spans (offsets count tokens).
fn chunks(tags: &[&str], scheme: IobScheme) -> AnnotationList {
    AnnotationList::from_vec(
        iob_chunks(tags, scheme)
            .into_iter()
            .map(|(label, fragment)| std::sync::Arc::new(Annotation::new(label, vec![fragment])))
            .collect(),
    )
}

/// Exact-match F1 of token sequences, documents pooled.
fn sequence_f1(gold: &[&[&str]], predicted: &[&[&str]], scheme: IobScheme) -> Option<f64> {
    let mut total = review::SpanCounts::default();
    for (g, p) in gold.iter().zip(predicted) {
        let counts = span_counts(
            chunks(g, scheme).view(),
            chunks(p, scheme).view(),
            Matching::Exact,
        );
        for c in counts.into_values() {
            total += c;
        }
    }
    total.f1()
}

#[test]
fn seqeval_readme_pair() {
    let y_true: [&[&str]; 2] = [
        &["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"],
        &["B-PER", "I-PER", "O"],
    ];
    let y_pred: [&[&str]; 2] = [
        &["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"],
        &["B-PER", "I-PER", "O"],
    ];
    for scheme in [IobScheme::Lenient, IobScheme::Iob2Strict] {
        close(
            sequence_f1(&y_true, &y_pred, scheme),
            0.5,
            1e-12,
            "README pair",
        );
    }
    let gold: [&[&str]; 1] = [&["I-PER", "I-PER", "O"]];
    let pred: [&[&str]; 1] = [&["B-PER", "I-PER", "O"]];
    close(
        sequence_f1(&gold, &pred, IobScheme::Lenient),
        1.0,
        0.0,
        "IOB1-tolerant",
    );
    close(
        sequence_f1(&gold, &pred, IobScheme::Iob2Strict),
        0.0,
        0.0,
        "strict IOB2",
    );
}

#[test]
fn nervaluate_semeval_schemes() {
    let true_: [&[&str]; 2] = [
        &["O", "O", "B-PER", "I-PER", "O"],
        &["O", "B-LOC", "I-LOC", "B-LOC", "I-LOC", "O"],
    ];
    let pred: [&[&str]; 2] = [
        &["O", "O", "B-PER", "I-PER", "O"],
        &["O", "B-LOC", "I-LOC", "O", "B-LOC", "O"],
    ];
    let mut total = review::SemEval::default();
    for (t, p) in true_.iter().zip(&pred) {
        total += semeval(
            chunks(t, IobScheme::Iob2Strict).view(),
            chunks(p, IobScheme::Iob2Strict).view(),
        );
    }
    close(total.strict.f1(), 2. / 3., 1e-12, "strict");
    close(total.exact.f1(), 2. / 3., 1e-12, "exact");
    close(total.partial.f1(), 2.5 / 3., 1e-12, "partial");
    close(total.ent_type.f1(), 1.0, 1e-12, "ent_type");
    assert_eq!(total.partial.partial, 1);
}

#[test]
fn bratiaa_fixture() {
    let text = "Sony and Ericsson sell in North and South America. Prices will rise.";
    let mut p = project(&[("brat", text)]);
    let t = &p.document("brat").unwrap().text.clone();
    let frag = |raw: &[(u32, u32)]| checked_fragments(t, raw).unwrap();
    for (label, raw) in [
        ("ORG", &[(0, 4)][..]),
        ("ORG", &[(9, 17)]),
        ("LOC", &[(26, 31), (42, 49)]),
        ("Claim", &[(51, 68)]),
    ] {
        add(&mut p, "brat", "alice", Annotation::new(label, frag(raw)));
    }
    for (label, raw) in [
        ("ORG", &[(0, 4)][..]),
        ("LOC", &[(9, 17)]),
        ("LOC", &[(42, 49)]),
    ] {
        add(&mut p, "brat", "bob", Annotation::new(label, frag(raw)));
    }
    assert_eq!(t.slice(CharOffset(42), CharOffset(49)), Some("America"));
    let report = review::agreement(&p, &[], &[]).unwrap();
    close(report.overall.f1_exact, 2. / 7., 1e-12, "total");
    close(report.labels["ORG"].f1_exact, 2. / 3., 1e-12, "ORG");
    // Overlap matching also pairs the two LOC spans sharing "America".
    close(
        report.labels["LOC"].f1_overlap,
        2. / 3.,
        1e-12,
        "LOC overlap",
    );
}

// --- Degenerate cases ----------------------------------------------------------------------

#[test]
fn undefined_figures_are_none() {
    let mut p = project(&[("d", "Putin möter Lukashenko i Sotji.")]);
    // Both annotators mark the same single span: every character agrees.
    add(&mut p, "d", "anna", span("Person", &[(0, 5)]));
    add(&mut p, "d", "erik", span("Person", &[(0, 5)]));
    let report = review::agreement(&p, &[], &[]).unwrap();
    let person = &report.labels["Person"];
    assert_eq!(person.f1_exact, Some(1.0));
    close(person.krippendorff_alpha, 1.0, 1e-12, "α of full agreement");
    // A label nobody used does not appear; a document with no spans has nothing to compare.
    assert!(!report.labels.contains_key("Place"));
    let mut empty = project(&[("d", "Nothing here.")]);
    empty.set_mut("d", "anna").status = Status::Done;
    empty.set_mut("d", "erik").status = Status::Done;
    let report = review::agreement(&empty, &[], &[]).unwrap();
    assert_eq!(report.overall.f1_exact, None);
    assert_eq!(report.overall.cohen_kappa, None);
    assert_eq!(report.overall.fleiss_kappa, None);
    assert_eq!(report.overall.krippendorff_alpha, None);
    assert_eq!(report.overall.alpha_u, None);
}

#[test]
fn selection_errors_name_what_is_wrong() {
    let mut p = project(&[("d", "Putin möter Lukashenko.")]);
    add(&mut p, "d", "anna", span("Person", &[(0, 5)]));
    let err = review::agreement(&p, &[], &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "agreement needs at least two annotators who annotated the selected documents; found anna"
    );
    let err = review::agreement(&p, &["nope".to_owned()], &[]).unwrap_err();
    assert!(err.to_string().contains("no document \"nope\""), "{err}");
    let err = review::agreement(&p, &[], &["zoe".to_owned()]).unwrap_err();
    assert!(err.to_string().contains("no annotator \"zoe\""), "{err}");
}

// --- Alignment -----------------------------------------------------------------------------

#[test]
fn alignment_classifies_units_in_text_order() {
    let text = "Putin möter Lukashenko i Sotji. Det är troligt att han får stöd.";
    let mut p = project(&[("d", text)]);
    let mut anna_prediction = span("Prediction", &[(32, 63)]);
    anna_prediction.attributes.insert(
        "certainty".to_owned(),
        AttrValue::Choice("probable".to_owned()),
    );
    let mut erik_prediction = span("Prediction", &[(32, 63)]);
    erik_prediction.attributes.insert(
        "certainty".to_owned(),
        AttrValue::Choice("possible".to_owned()),
    );
    for a in [
        span("Person", &[(0, 5)]),
        span("Person", &[(12, 22)]),
        span("Place", &[(25, 30)]),
        anna_prediction,
    ] {
        add(&mut p, "d", "anna", a);
    }
    for a in [
        span("Person", &[(0, 5)]),
        span("Organization", &[(12, 22)]),
        span("Place", &[(23, 30)]),
        erik_prediction,
        span("Claim", &[(0, 30)]),
    ] {
        add(&mut p, "d", "erik", a);
    }
    let alignment = review::align_document(&p, "d", &[]).unwrap();
    assert_eq!(alignment.annotators, ["anna", "erik"]);
    let kinds: Vec<(u32, UnitKind, Vec<String>)> = alignment
        .units
        .iter()
        .map(|u| (u.start.0, u.kind.clone(), u.differing_attributes.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, UnitKind::Matched, vec![]),
            (0, UnitKind::OnlyIn("erik".to_owned()), vec![]),
            (12, UnitKind::LabelDiffers, vec![]),
            (23, UnitKind::BoundaryDiffers, vec![]),
            (32, UnitKind::Matched, vec!["certainty".to_owned()]),
        ]
    );
    // Each unit names the annotation of each annotator.
    let set = |name: &str| p.set("d", name).unwrap();
    let place = &alignment.units[3];
    assert_eq!(
        set("anna").get(&place.annotations["anna"]).unwrap().label,
        "Place"
    );
    assert_eq!(
        set("erik").get(&place.annotations["erik"]).unwrap().start(),
        CharOffset(23)
    );
    // Stepping through disagreements in text order.
    let starts: Vec<u32> = alignment.disagreements().map(|u| u.start.0).collect();
    assert_eq!(starts, [0, 12, 23, 32]);
    assert_eq!(
        alignment.next_disagreement(CharOffset(13)).unwrap().start.0,
        23
    );
    assert_eq!(
        alignment
            .previous_disagreement(CharOffset(23))
            .unwrap()
            .start
            .0,
        12
    );
    assert!(alignment.units[0].is_agreement());
}

#[test]
fn alignment_of_three_annotators_lists_who_is_missing() {
    let mut p = project(&[("d", "Putin möter Lukashenko i Sotji.")]);
    add(&mut p, "d", "anna", span("Person", &[(0, 5)]));
    add(&mut p, "d", "erik", span("Person", &[(0, 5)]));
    add(&mut p, "d", "zoe", span("Organization", &[(0, 5)]));
    add(&mut p, "d", "anna", span("Person", &[(12, 22)]));
    add(&mut p, "d", "erik", span("Person", &[(12, 22)]));
    add(&mut p, "d", "zoe", span("Place", &[(25, 30)]));
    let sets: Vec<&AnnotationSet> = ["zoe", "anna", "erik"]
        .iter()
        .map(|a| p.set("d", a).unwrap())
        .collect();
    let alignment = review::align(&sets);
    assert_eq!(alignment.annotators, ["anna", "erik", "zoe"]);
    let summary: Vec<(UnitKind, usize, Vec<String>)> = alignment
        .units
        .iter()
        .map(|u| (u.kind.clone(), u.annotations.len(), u.missing.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (UnitKind::LabelDiffers, 3, vec![]),
            (UnitKind::Matched, 2, vec!["zoe".to_owned()]),
            (
                UnitKind::OnlyIn("zoe".to_owned()),
                1,
                vec!["anna".to_owned(), "erik".to_owned()]
            ),
        ]
    );
    assert!(!alignment.units[1].is_agreement(), "zoe did not mark it");
}

// --- Generated projects against Python implementations ------------------------------------

const WORDS: &[&str] = &[
    "Putin",
    "möter",
    "Лукашенко",
    "i",
    "Sotji",
    "👍🏽",
    "samtalen",
    "om",
    "integrationen",
    "Минск",
    "Kreml",
    "det",
    "är",
    "troligt",
    "att",
    "han",
    "får",
    "stöd",
    "Åsa",
    "säger",
    "👩\u{200D}👩\u{200D}👧",
    "café",
    "«nej»",
    "oppositionen",
    "Belarus",
];
const LABELS: &[&str] = &["Person", "Place", "Organization", "Claim"];

struct Generated {
    project: Project,
    annotators: Vec<String>,
    /// Documents someone skipped.
    incomplete: Vec<String>,
}

/// Word boundaries (char offsets) of a generated text.
fn generate_text(rng: &mut fastrand::Rng, min_chars: usize) -> (String, Vec<(u32, u32)>) {
    let mut text = String::new();
    let mut words = Vec::new();
    let mut len = 0u32;
    while (len as usize) < min_chars {
        let word = WORDS[rng.usize(..WORDS.len())];
        let n = word.chars().count() as u32;
        words.push((len, len + n));
        text.push_str(word);
        len += n;
        let sep = if rng.u8(..10) == 0 { ".\n" } else { " " };
        text.push_str(sep);
        len += sep.chars().count() as u32;
    }
    (text, words)
}

fn random_span(rng: &mut fastrand::Rng, words: &[(u32, u32)], label: &str) -> Vec<(u32, u32)> {
    let max_len = if label == "Claim" { 12 } else { 3 };
    let len = rng.usize(1..=max_len);
    let first = rng.usize(..words.len() - len);
    let (start, end) = (words[first].0, words[first + len - 1].1);
    if len >= 3 && rng.u8(..6) == 0 {
        // Discontinuous: leave out a middle word.
        let gap = words[first + 1];
        return vec![(start, gap.0 - 1), (gap.1 + 1, end)];
    }
    vec![(start, end)]
}

/// A project where 2–4 annotators copy a hidden truth with slips: missed spans, shifted
/// boundaries, other labels, extra spans. With `skip`, the last annotator skips document 1.
fn generate(seed: u64, annotators: usize, skip: bool) -> Generated {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut texts = Vec::new();
    for i in 0..3 {
        let min_chars = rng.usize(300..600);
        texts.push((format!("doc{i}"), generate_text(&mut rng, min_chars)));
    }
    let ids: Vec<(&str, &str)> = texts
        .iter()
        .map(|(id, (text, _))| (id.as_str(), text.as_str()))
        .collect();
    let mut project = project(&ids);
    let names: Vec<String> = ["anna", "erik", "li", "zoe"][..annotators]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut incomplete = Vec::new();
    for (id, (_, words)) in &texts {
        let truth: Vec<(&str, Vec<(u32, u32)>)> = (0..rng.usize(8..16))
            .map(|_| {
                let label = LABELS[rng.usize(..LABELS.len())];
                (label, random_span(&mut rng, words, label))
            })
            .collect();
        for (n, name) in names.iter().enumerate() {
            if skip && id == "doc1" && n == annotators - 1 {
                incomplete.push(id.clone());
                continue;
            }
            let text = project.document(id).unwrap().text.clone();
            let mut spans: Vec<(&str, Vec<(u32, u32)>)> = Vec::new();
            for (label, raw) in &truth {
                match rng.u8(..20) {
                    0..=2 => {}
                    3..=4 => spans.push((LABELS[rng.usize(..LABELS.len())], raw.clone())),
                    5..=6 => {
                        let mut shifted = raw.clone();
                        let last = shifted.len() - 1;
                        shifted[last].1 =
                            (shifted[last].1 + 1 + rng.u32(..6)).min(text.len_chars().0);
                        spans.push((label, shifted));
                    }
                    _ => spans.push((label, raw.clone())),
                }
            }
            for _ in 0..rng.usize(0..3) {
                let label = LABELS[rng.usize(..LABELS.len())];
                spans.push((label, random_span(&mut rng, words, label)));
            }
            for (label, raw) in spans {
                // Shifted ends may split an emoji: such spans are refused, as in the app.
                if let Ok(fragments) = checked_fragments(&text, &raw) {
                    add(&mut project, id, name, Annotation::new(label, fragments));
                }
            }
            project.set_mut(id, name).status = Status::Done;
        }
    }
    Generated {
        project,
        annotators: names,
        incomplete,
    }
}

fn oracle_input(g: &Generated) -> serde_json::Value {
    let documents: Vec<serde_json::Value> = g
        .project
        .documents
        .iter()
        .map(|d| {
            let spans: serde_json::Map<String, serde_json::Value> = g
                .annotators
                .iter()
                .map(|a| {
                    let value = g.project.set(&d.meta.id, a).map(|set| {
                        set.annotations()
                            .iter()
                            .map(|s| {
                                let fragments: Vec<[u32; 2]> =
                                    s.fragments.iter().map(|f| [f.start.0, f.end.0]).collect();
                                serde_json::json!([s.label.as_str(), fragments])
                            })
                            .collect::<Vec<_>>()
                    });
                    (a.clone(), serde_json::json!(value))
                })
                .collect();
            serde_json::json!({"len": d.text.len_chars().0, "spans": spans})
        })
        .collect();
    serde_json::json!({"annotators": g.annotators, "labels": LABELS, "documents": documents})
}

/// The interpreter with scikit-learn, nltk and krippendorff, or `None` (the test is skipped
/// loudly) when `LECTOR_PYTHON` is unset.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("LECTOR_PYTHON").map(PathBuf::from);
    if python.is_none() {
        eprintln!(
            "\n!!! SKIPPED: the agreement oracle comparison needs LECTOR_PYTHON (scripts/test.sh \
             sets it up from tests/py/requirements-agreement.txt) !!!\n"
        );
    }
    python
}

fn run_oracle(python: &PathBuf, g: &Generated) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("spans.json");
    std::fs::write(&input, oracle_input(g).to_string()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/agreement_oracle.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// How many figures `same` compared as numbers (not both undefined).
static COMPARED: AtomicUsize = AtomicUsize::new(0);

/// Lector's figure and the oracle's agree to 1e-9, or both are undefined.
fn same(lector: Option<f64>, oracle: &serde_json::Value, what: &str) {
    match (lector, oracle.as_f64()) {
        (Some(a), Some(b)) => {
            assert!((a - b).abs() < 1e-9, "{what}: Lector {a}, oracle {b}");
            COMPARED.fetch_add(1, Ordering::Relaxed);
        }
        (None, None) => {}
        (a, _) => panic!("{what}: Lector {a:?}, oracle {oracle}"),
    }
}

/// Per character, the overall category of every annotator, for the matrix-based functions.
fn char_matrix(g: &Generated, documents: &[&str]) -> Vec<Vec<String>> {
    g.annotators
        .iter()
        .map(|a| {
            let mut row = Vec::new();
            for doc in documents {
                let len = g.project.document(doc).unwrap().text.len_chars().0 as usize;
                let mut labels: Vec<Vec<&str>> = vec![Vec::new(); len];
                for s in g.project.set(doc, a).unwrap().iter() {
                    for f in &s.fragments {
                        for c in f.start.0..f.end.0 {
                            labels[c as usize].push(&s.label);
                        }
                    }
                }
                for mut l in labels {
                    l.sort_unstable();
                    l.dedup();
                    row.push(if l.is_empty() {
                        "none".to_owned()
                    } else {
                        l.join("+")
                    });
                }
            }
            row
        })
        .collect()
}

fn compare_with_oracle(python: &PathBuf, seed: u64, annotators: usize, skip: bool) {
    let g = generate(seed, annotators, skip);
    let what = |x: &str| format!("seed {seed}, {annotators} annotators, skip {skip}: {x}");
    let oracle = run_oracle(python, &g);
    let report = review::agreement(&g.project, &[], &[]).unwrap();
    assert_eq!(report.annotators, g.annotators);
    let complete: Vec<String> = g
        .project
        .documents
        .iter()
        .map(|d| d.meta.id.clone())
        .filter(|d| !g.incomplete.contains(d))
        .collect();
    let complete_report = review::agreement(&g.project, &complete, &[]).unwrap();
    let mut layers = vec![(
        "overall".to_owned(),
        &report.overall,
        &complete_report.overall,
        &oracle["overall"],
    )];
    for label in LABELS {
        let Some(figures) = report.labels.get(*label) else {
            continue;
        };
        layers.push((
            (*label).to_owned(),
            figures,
            &complete_report.labels[*label],
            &oracle["labels"][*label],
        ));
    }
    for (name, figures, complete_figures, o) in layers {
        let w = |x: &str| what(&format!("{name} {x}"));
        same(
            figures.krippendorff_alpha,
            &o["krippendorff_alpha"],
            &w("α vs krippendorff"),
        );
        same(
            figures.krippendorff_alpha,
            &o["nltk_alpha"],
            &w("α vs nltk"),
        );
        same(
            figures.fleiss_kappa,
            &o["nltk_pi"],
            &w("Fleiss' κ vs nltk pi"),
        );
        if annotators == 2 {
            same(
                figures.cohen_kappa,
                &o["sklearn_cohen"],
                &w("Cohen's κ vs scikit-learn"),
            );
        }
        let pairs = if name == "overall" {
            report
                .pairs
                .iter()
                .map(|p| (p, p.overall.cohen_kappa))
                .collect::<Vec<_>>()
        } else {
            report
                .pairs
                .iter()
                .map(|p| (p, p.labels.get(&name).and_then(|s| s.cohen_kappa)))
                .collect()
        };
        for (pair, kappa) in pairs {
            let key = format!("{}|{}", pair.a, pair.b);
            same(
                kappa,
                &o["sklearn_pairs"][&key],
                &w(&format!("pair {key} vs scikit-learn")),
            );
        }
        // nltk's kappa() is the mean pairwise Cohen's κ on units everyone rated.
        let kappas: Vec<f64> = complete_report
            .pairs
            .iter()
            .filter_map(|p| {
                if name == "overall" {
                    p.overall.cohen_kappa
                } else {
                    p.labels.get(&name).and_then(|s| s.cohen_kappa)
                }
            })
            .collect();
        if !o["nltk_kappa"].is_null() {
            let mean = kappas.iter().sum::<f64>() / kappas.len() as f64;
            same(
                Some(mean),
                &o["nltk_kappa"],
                &w("mean pairwise κ vs nltk kappa"),
            );
        }
        same(
            complete_figures.fleiss_kappa,
            &o["nltk_pi"],
            &w("Fleiss' κ on complete documents"),
        );
    }
    // Davies–Fleiss and the matrix functions on the overall layer of complete documents.
    let docs: Vec<&str> = complete.iter().map(String::as_str).collect();
    let rows = char_matrix(&g, &docs);
    let o = &oracle["overall"];
    same(
        davies_fleiss_kappa(&rows).map(|k| k.value),
        &o["nltk_multi_kappa"],
        &what("Davies–Fleiss vs nltk multi_kappa"),
    );
    same(
        fleiss_kappa(&rows).map(|k| k.value),
        &o["nltk_pi"],
        &what("fleiss_kappa vs nltk pi"),
    );
    // Every figure lies in its range.
    for figures in report.labels.values().chain([&report.overall]) {
        for v in [figures.f1_exact, figures.f1_overlap].into_iter().flatten() {
            assert!((0.0..=1.0).contains(&v), "{}", what("F1 out of range"));
        }
        for v in [
            figures.cohen_kappa,
            figures.fleiss_kappa,
            figures.krippendorff_alpha,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                (-1.0..=1.0).contains(&v),
                "{}",
                what("coefficient out of range")
            );
        }
        // α_u has no lower bound: disagreement can exceed what chance would give.
        assert!(
            figures.alpha_u.is_none_or(|v| v <= 1.0),
            "{}",
            what("α_u above 1")
        );
    }
}

#[test]
fn generated_projects_agree_with_scikit_learn_nltk_and_krippendorff() {
    let Some(python) = python() else {
        return;
    };
    let mut checked = BTreeMap::new();
    for seed in 0..6u64 {
        let annotators = 2 + (seed % 3) as usize;
        let skip = seed >= 3;
        let before = COMPARED.load(Ordering::Relaxed);
        compare_with_oracle(&python, seed, annotators, skip);
        let compared = COMPARED.load(Ordering::Relaxed) - before;
        // 5 layers, each with α twice, Fleiss twice, pairwise κ: most must be defined.
        assert!(
            compared >= 25,
            "seed {seed}: only {compared} figures compared"
        );
        eprintln!("seed {seed}: {annotators} annotators, {compared} figures equal to the oracles'");
        *checked.entry(annotators).or_insert(0) += 1;
    }
    assert_eq!(checked.len(), 3, "2, 3 and 4 annotators were compared");
}

/// Per character, each annotator's category (`None` where they did not annotate the
/// document): the label set covering it, or, with `label`, whether that label covers it.
fn per_character(g: &Generated, label: Option<&str>) -> Vec<Vec<Option<String>>> {
    g.annotators
        .iter()
        .map(|a| {
            let mut row = Vec::new();
            for doc in &g.project.documents {
                let len = doc.text.len_chars().0 as usize;
                let Some(set) = g
                    .project
                    .set(&doc.meta.id, a)
                    .filter(|s| review::has_annotated(Some(s)))
                else {
                    row.extend(std::iter::repeat_n(None, len));
                    continue;
                };
                let mut labels: Vec<Vec<&str>> = vec![Vec::new(); len];
                for s in set.iter() {
                    for f in &s.fragments {
                        for c in f.start.0..f.end.0 {
                            labels[c as usize].push(&s.label);
                        }
                    }
                }
                for mut l in labels {
                    l.sort_unstable();
                    l.dedup();
                    row.push(Some(match label {
                        Some(label) => l.contains(&label).to_string(),
                        None if l.is_empty() => "none".to_owned(),
                        None => l.join("+"),
                    }));
                }
            }
            row
        })
        .collect()
}

/// Span counts by the definitions, pair by pair of spans: exact (same label and fragments,
/// one to one) and overlap (same label, greedy by shared characters, then earlier starts,
/// then ids).
fn naive_counts(a: &AnnotationSet, b: &AnnotationSet, label: &str) -> (usize, usize) {
    let spans = |s: &AnnotationSet| -> Vec<Annotation> {
        s.iter().filter(|x| x.label == label).cloned().collect()
    };
    let (a, b) = (spans(a), spans(b));
    let mut used = vec![false; b.len()];
    let mut exact = 0;
    for x in &a {
        if let Some(k) = (0..b.len()).find(|&k| !used[k] && b[k].fragments == x.fragments) {
            used[k] = true;
            exact += 1;
        }
    }
    let mut candidates = Vec::new();
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let shared = review::shared_chars(&x.fragments, &y.fragments);
            if shared > 0 {
                let key = (std::cmp::Reverse(shared), x.start(), y.start());
                candidates.push((key, x.id.0.clone(), y.id.0.clone(), i, j));
            }
        }
    }
    candidates.sort();
    let (mut used_a, mut used_b) = (vec![false; a.len()], vec![false; b.len()]);
    let mut overlap = 0;
    for (_, _, _, i, j) in candidates {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            overlap += 1;
        }
    }
    (exact, overlap)
}

fn close_to(lector: Option<f64>, naive: Option<f64>, what: &str) {
    match (lector, naive) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: runs {a}, characters {b}"),
        (None, None) => {}
        (a, b) => panic!("{what}: runs {a:?}, characters {b:?}"),
    }
}

/// Agreement counts runs of characters, not characters: on random projects every figure
/// equals the one computed character by character, and the span counts equal pairwise
/// matching by the definitions.
#[test]
fn run_based_figures_equal_the_per_character_computation() {
    for seed in 100..160u64 {
        let annotators = 2 + (seed % 3) as usize;
        let g = generate(seed, annotators, seed % 2 == 0);
        let report = review::agreement(&g.project, &[], &[]).unwrap();
        let what = |x: &str| format!("seed {seed}, {annotators} annotators: {x}");
        let layers = std::iter::once(None).chain(report.labels.keys().map(|l| Some(l.as_str())));
        for label in layers {
            let figures = label.map_or(&report.overall, |l| &report.labels[l]);
            let name = label.unwrap_or("overall");
            let matrix = per_character(&g, label);
            close_to(
                figures.krippendorff_alpha,
                krippendorff_alpha(&matrix),
                &what(&format!("{name} α")),
            );
            // Fleiss' κ: the characters every annotator rated.
            let complete: Vec<usize> = (0..matrix[0].len())
                .filter(|&c| matrix.iter().all(|row| row[c].is_some()))
                .collect();
            let rows: Vec<Vec<&String>> = matrix
                .iter()
                .map(|row| complete.iter().map(|&c| row[c].as_ref().unwrap()).collect())
                .collect();
            close_to(
                figures.fleiss_kappa,
                fleiss_kappa(&rows).map(|k| k.value),
                &what(&format!("{name} Fleiss' κ")),
            );
            for pair in &report.pairs {
                let i = g.annotators.iter().position(|a| *a == pair.a).unwrap();
                let j = g.annotators.iter().position(|a| *a == pair.b).unwrap();
                let both: Vec<usize> = (0..matrix[i].len())
                    .filter(|&c| matrix[i][c].is_some() && matrix[j][c].is_some())
                    .collect();
                let x: Vec<&String> = both
                    .iter()
                    .map(|&c| matrix[i][c].as_ref().unwrap())
                    .collect();
                let y: Vec<&String> = both
                    .iter()
                    .map(|&c| matrix[j][c].as_ref().unwrap())
                    .collect();
                let scores = label.map_or(pair.overall, |l| pair.labels[l]);
                close_to(
                    scores.cohen_kappa,
                    cohen_kappa(&x, &y).map(|k| k.value),
                    &what(&format!("{name} κ of {} and {}", pair.a, pair.b)),
                );
                let Some(label) = label else { continue };
                let (mut exact, mut overlap) = (0, 0);
                for doc in &g.project.documents {
                    let set = |k: usize| {
                        g.project
                            .set(&doc.meta.id, &g.annotators[k])
                            .filter(|s| review::has_annotated(Some(s)))
                    };
                    if let (Some(a), Some(b)) = (set(i), set(j)) {
                        let (e, o) = naive_counts(a, b, label);
                        exact += e;
                        overlap += o;
                    }
                }
                assert_eq!(
                    (scores.exact.matched, scores.overlap.matched),
                    (exact, overlap),
                    "{}",
                    what(&format!("{label} matches of {} and {}", pair.a, pair.b))
                );
            }
        }
    }
}

/// `lector agree` reads each annotation file as a table of its spans
/// (`ProjectStore::open_tables`), building only the annotations that have attributes or an
/// entity link. On generated projects saved to disk, with split spans, attributes, entity
/// links, references to other annotations, files with a status and no annotations, and a
/// file with problems, the reports (whole, and for some documents or annotators) and the
/// problems are those of the project read into the model.
#[test]
fn agreement_of_files_read_as_tables_is_that_of_the_model() {
    use lector::model::{AnnotationId, AttrType, AttributeDef, Entity, EntityId};
    use lector::store::ProjectStore;
    let names = ["anna", "erik", "li", "zoe"];
    let mut compared = std::collections::BTreeSet::new();
    for seed in 300..306u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let mut store = ProjectStore::create(&root, "tables").unwrap();
        if let Some(claim) = store
            .project
            .schema
            .labels
            .iter_mut()
            .find(|l| l.name == "Claim")
        {
            claim.attributes.push(AttributeDef {
                name: "about".to_owned(),
                ty: AttrType::Annotation,
                help: String::new(),
                title: String::new(),
            });
        }
        store.save_project_file().unwrap();
        let mut documents = Vec::new();
        for d in 0..3 {
            let (text, _) = generate_text(&mut rng, 400 + 200 * d);
            let text = format!("Document {d} of seed {seed}\n{text}");
            documents.push(store.add_pasted_dated(&text, None, None).unwrap());
        }
        for name in names {
            let mut registry = lector::model::EntityRegistry::default();
            for (id, label) in [("putin", "Person"), ("minsk", "Place")] {
                registry.upsert(Entity {
                    id: EntityId(id.to_owned()),
                    name: id.to_owned(),
                    label: label.to_owned(),
                    note: String::new(),
                });
            }
            store.project.entities.insert(name.to_owned(), registry);
            store.save_entities(name).unwrap();
        }
        for document in &documents {
            let text = store.project.document(document).unwrap().text.clone();
            let len = text.len_chars().0;
            for (n, name) in names.iter().enumerate() {
                let spans = match (n, rng.u8(..6)) {
                    (3, 0) => continue,
                    (_, 1) => 0,
                    _ => rng.usize(1..40),
                };
                let mut made: Vec<AnnotationId> = Vec::new();
                let set = store.project.set_mut(document, name);
                set.status = [Status::InProgress, Status::Done][rng.usize(..2)];
                for _ in 0..spans {
                    let label = LABELS[rng.usize(..LABELS.len())];
                    let start = rng.u32(..len - 20);
                    let mut raw = vec![(start, start + 1 + rng.u32(..12))];
                    if rng.u8(..5) == 0 {
                        let next = raw[0].1 + 1 + rng.u32(..4);
                        raw.push((next, next + 1 + rng.u32(..3)));
                    }
                    let Ok(fragments) = checked_fragments(&text, &raw) else {
                        continue;
                    };
                    let mut a = Annotation::new(label, fragments);
                    match (label, rng.u8(..4)) {
                        ("Person", 0) => a.entity = Some(EntityId("putin".to_owned())),
                        ("Claim", 0) => {
                            a.attributes.insert(
                                "checkworthy".to_owned(),
                                AttrValue::Choice("check-worthy".to_owned()),
                            );
                        }
                        ("Claim", 1) if !made.is_empty() => {
                            let target = made[rng.usize(..made.len())].clone();
                            a.attributes
                                .insert("about".to_owned(), AttrValue::Annotation(target));
                        }
                        _ => {}
                    }
                    made.push(a.id.clone());
                    set.insert(a);
                }
                store.save_set(document, name).unwrap();
            }
        }
        // One file with a problem: a label the schema does not have.
        let damaged = root
            .join("annotations/erik")
            .join(format!("{}.ron", documents[1]));
        if let Ok(text) = std::fs::read_to_string(&damaged) {
            std::fs::write(&damaged, text.replacen("label: \"", "label: \"Nonesuch", 1)).unwrap();
        }
        let (model, model_problems) = ProjectStore::open(&root).unwrap();
        let (lean, tables, lean_problems) = ProjectStore::open_tables(&root).unwrap();
        assert!(!model_problems.is_empty(), "seed {seed}: the damaged file");
        assert_eq!(lean_problems, model_problems, "seed {seed}");
        let selections: [(Vec<String>, Vec<String>); 3] = [
            (Vec::new(), Vec::new()),
            (vec![documents[0].clone(), documents[2].clone()], Vec::new()),
            (Vec::new(), vec!["anna".to_owned(), "li".to_owned()]),
        ];
        for (documents, annotators) in &selections {
            let expected = review::agreement(&model.project, documents, annotators);
            let actual = review::agreement_of_tables(&lean.project, &tables, documents, annotators);
            assert_eq!(
                actual, expected,
                "seed {seed}, {documents:?}, {annotators:?}"
            );
        }
        let report = review::agreement(&model.project, &[], &[]).unwrap();
        for figures in report.labels.values() {
            compared.extend(figures.attributes.keys().cloned());
        }
    }
    // The projects exercised what tables keep apart from spans.
    for attribute in ["about", "checkworthy", review::ENTITY_LINK] {
        assert!(compared.contains(attribute), "{attribute} never compared");
    }
}
