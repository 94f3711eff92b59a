//! A reviewer settles the sample project's disagreements: the reviewed set and the decisions
//! are saved, reopen as they were, pass `lector check`'s validation and export like any set.

mod common;

use lector::model::review::{Choice, review_set_name};
use lector::review::adjudication::{progress, settle, take_agreements};
use lector::review::{UnitKind, align_document};
use lector::session::Session;
use lector::store::ProjectStore;

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    common::sample_project_copy()
}

const DOC: &str = "sotji-talks";

fn annotators() -> Vec<String> {
    vec!["anna".to_owned(), "erik".to_owned()]
}

#[test]
fn a_review_takes_agreements_and_records_each_decision() {
    let (_dir, root) = sample();
    let (store, problems) = ProjectStore::open(&root).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let mut session = Session::new(store, review_set_name("olga"));
    let project = &session.store.project;
    let alignment = align_document(project, DOC, &annotators()).unwrap();
    let agreed = alignment.units.iter().filter(|u| u.is_agreement()).count();
    let (decided, open) = progress(&alignment, project.review(DOC, "olga"));
    assert_eq!(decided, 0);
    assert!(open > 5, "the sample has disagreements to review");

    // Starting the review takes every agreement, with a decision saying so.
    let edits = take_agreements(project, DOC, "olga", &alignment);
    session.apply(DOC, edits).unwrap();
    let project = &session.store.project;
    let reviewed = project.set(DOC, "review.olga").unwrap();
    assert_eq!(reviewed.annotations().len(), agreed);
    let review = project.review(DOC, "olga").unwrap();
    assert_eq!(review.decisions.len(), agreed);
    assert!(
        review
            .decisions
            .values()
            .all(|d| d.choice == Choice::Agreed)
    );
    // The reviewed set is not an annotator: agreement still compares anna and erik only.
    assert_eq!(project.annotators(), annotators());

    // A label disagreement: take erik's, then change to anna's; the first result goes.
    let unit = alignment
        .disagreements()
        .find(|u| u.kind == UnitKind::LabelDiffers)
        .unwrap()
        .clone();
    let (edits, first) = settle(project, DOC, "olga", &unit, Choice::Take("erik".into()), "");
    session.apply(DOC, edits).unwrap();
    let project = &session.store.project;
    let erik_label = project
        .set(DOC, "erik")
        .unwrap()
        .get(&unit.annotations["erik"])
        .unwrap()
        .label
        .clone();
    let taken = project
        .set(DOC, "review.olga")
        .unwrap()
        .get(&first[0])
        .unwrap();
    assert_eq!(taken.label, erik_label);
    let (edits, second) = settle(
        project,
        DOC,
        "olga",
        &unit,
        Choice::Take("anna".into()),
        "the article reports it as a forecast",
    );
    session.apply(DOC, edits).unwrap();
    let project = &session.store.project;
    let reviewed = project.set(DOC, "review.olga").unwrap();
    assert!(
        reviewed.get(&first[0]).is_none(),
        "the earlier choice is gone"
    );
    assert!(reviewed.get(&second[0]).is_some());
    let decision = project
        .review(DOC, "olga")
        .unwrap()
        .decision(&unit.annotations)
        .unwrap();
    assert_eq!(decision.choice, Choice::Take("anna".into()));
    assert_eq!(decision.note, "the article reports it as a forecast");
    assert_eq!(decision.result, second);

    // Neither, on a span only one annotator has: nothing goes in, the decision is kept.
    let only = alignment
        .disagreements()
        .find(|u| matches!(u.kind, UnitKind::OnlyIn(_)))
        .unwrap()
        .clone();
    let before = project.set(DOC, "review.olga").unwrap().annotations().len();
    let (edits, none) = settle(project, DOC, "olga", &only, Choice::Neither, "");
    session.apply(DOC, edits).unwrap();
    assert!(none.is_empty());
    let project = &session.store.project;
    assert_eq!(
        project.set(DOC, "review.olga").unwrap().annotations().len(),
        before
    );
    let (decided, _) = progress(&alignment, project.review(DOC, "olga"));
    assert_eq!(decided, 2);

    // Undo takes the last decision back.
    assert!(session.undo(DOC));
    let (decided, _) = progress(&alignment, session.store.project.review(DOC, "olga"));
    assert_eq!(decided, 1);
    assert!(session.redo(DOC));

    assert!(session.save_now().is_empty());
    let saved = session.store.project.clone();
    drop(session);

    // Reopened: the same reviewed set and decisions; no problems anywhere.
    let (reopened, problems) = ProjectStore::open(&root).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        reopened.project.set(DOC, "review.olga"),
        saved.set(DOC, "review.olga")
    );
    assert_eq!(
        reopened.project.review(DOC, "olga"),
        saved.review(DOC, "olga")
    );
    assert!(root.join("reviews/olga/sotji-talks.ron").is_file());
    assert!(
        root.join("annotations/review.olga/sotji-talks.ron")
            .is_file()
    );

    // It exports like any annotator's set.
    let out = root.join("reviewed.jsonl");
    let selection =
        lector::formats::Selection::new(&reopened.project, &[review_set_name("olga")], &[])
            .unwrap();
    let report = lector::formats::export(lector::formats::Format::Jsonl, &selection, &out).unwrap();
    assert_eq!(
        report.annotations,
        reopened
            .project
            .set(DOC, "review.olga")
            .unwrap()
            .annotations()
            .len()
    );
}

#[test]
fn entities_come_along_and_annotators_cannot_take_review_names() {
    let (_dir, root) = sample();
    let (store, _) = ProjectStore::open(&root).unwrap();
    let mut session = Session::new(store, review_set_name("olga"));
    let alignment = align_document(&session.store.project, DOC, &annotators()).unwrap();
    let edits = take_agreements(&session.store.project, DOC, "olga", &alignment);
    session.apply(DOC, edits).unwrap();
    let project = &session.store.project;
    let reviewed = project.set(DOC, "review.olga").unwrap();
    let registry = project.registry("review.olga").unwrap();
    let linked: Vec<_> = reviewed
        .annotations()
        .iter()
        .filter_map(|a| a.entity.as_ref())
        .collect();
    assert!(
        !linked.is_empty(),
        "agreed mentions keep their entity links"
    );
    assert!(linked.iter().all(|e| registry.get(e).is_some()));

    assert!(lector::model::project::annotator_name_problem("review.olga").is_some());
    assert!(lector::model::project::annotator_name_problem("olga").is_none());
}

/// A review of a long document takes hundreds of agreements in one step (recorded all at once,
/// not one by one): the decisions saved are those in memory, undo takes every one back and
/// redo puts them in again.
#[test]
fn a_long_review_start_is_saved_undone_and_redone_whole() {
    use lector::model::{Annotation, DocText, checked_fragments};
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProjectStore::create(&dir.path().join("p"), "long").unwrap();
    let sentence = "Lukashenko met Putin in Sochi. ";
    let doc = store
        .add_text("long.txt", "Long", sentence.repeat(400))
        .unwrap();
    let text = DocText::new(sentence.repeat(400).as_str()).unwrap();
    let n = sentence.chars().count() as u32;
    for annotator in ["anna", "erik"] {
        let annotations: Vec<Annotation> = (0..400u32)
            // erik leaves out every tenth and labels every seventh otherwise.
            .filter(|i| annotator == "anna" || i % 10 != 0)
            .map(|i| {
                let label = if annotator == "erik" && i % 7 == 0 {
                    "Place"
                } else {
                    "Person"
                };
                Annotation::new(
                    label,
                    checked_fragments(&text, &[(i * n, i * n + 10)]).unwrap(),
                )
            })
            .collect();
        store
            .project
            .set_mut(&doc, annotator)
            .replace_all(annotations);
        store.save_set(&doc, annotator).unwrap();
    }
    let (store, problems) = ProjectStore::open(store.root()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let mut session = Session::new(store, review_set_name("olga"));
    let alignment = align_document(&session.store.project, &doc, &annotators()).unwrap();
    let agreed = alignment.units.iter().filter(|u| u.is_agreement()).count();
    assert!(agreed > 200, "{agreed} agreements");
    let edits = take_agreements(&session.store.project, &doc, "olga", &alignment);
    session.apply(&doc, edits).unwrap();
    let decisions = |s: &Session| {
        s.store
            .project
            .review(&doc, "olga")
            .map(|r| r.decisions.clone())
            .unwrap_or_default()
    };
    let taken = decisions(&session);
    assert_eq!(taken.len(), agreed);
    assert!(session.save_now().is_empty());
    let (reopened, problems) = ProjectStore::open(session.store.root()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        reopened.project.review(&doc, "olga").unwrap().decisions,
        taken
    );

    assert!(session.undo(&doc));
    assert!(
        decisions(&session).is_empty(),
        "undo takes every decision back"
    );
    let reviewed = session.store.project.set(&doc, "review.olga");
    assert!(reviewed.is_none_or(|s| s.annotations().is_empty()));
    assert!(session.redo(&doc));
    assert_eq!(decisions(&session), taken);
}

/// What taking the agreements puts in, without the fresh ids and times: each copy's label
/// and span, and each decision's sources, span and result count.
fn taken(edits: &[lector::session::Edit]) -> Vec<String> {
    use lector::session::Edit;
    let mut out: Vec<String> = edits
        .iter()
        .map(|e| match e {
            Edit::Insert(a) => format!("insert {} {:?} {:?}", a.label, a.fragments, a.note),
            Edit::Decide(d) => format!(
                "decide {:?} {:?}-{:?} {} {}",
                d.sources,
                d.start,
                d.end,
                d.kind,
                d.result.len()
            ),
            other => format!("{other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// Taking agreements finds each one's annotation by walking the sets in text order; units
/// in another order, or with a span that is not their annotations', take the same.
#[test]
fn agreements_are_taken_alike_in_any_order_of_units() {
    let (_dir, root) = sample();
    let (store, _) = ProjectStore::open(&root).unwrap();
    let project = &store.project;
    let alignment = align_document(project, DOC, &annotators()).unwrap();
    let expected = taken(&take_agreements(project, DOC, "olga", &alignment));
    assert!(expected.iter().filter(|e| e.starts_with("insert")).count() > 5);
    let mut reordered = alignment.clone();
    reordered.units.reverse();
    let mid = reordered.units.len() / 2;
    reordered.units[..mid].rotate_left(mid / 3);
    assert_eq!(
        taken(&take_agreements(project, DOC, "olga", &reordered)),
        expected
    );
    // A unit whose span was recorded elsewhere: its annotation is found by its id.
    let mut moved = alignment.clone();
    let agreement = moved.units.iter_mut().find(|u| u.is_agreement()).unwrap();
    let (start, end) = (agreement.start, agreement.end);
    agreement.start = lector::model::CharOffset(0);
    agreement.end = lector::model::CharOffset(1);
    let edits = take_agreements(project, DOC, "olga", &moved);
    let fixed: Vec<String> = taken(&edits)
        .into_iter()
        .map(|e| e.replace("CharOffset(0)-CharOffset(1)", &format!("{start:?}-{end:?}")))
        .collect();
    let mut fixed = fixed;
    fixed.sort();
    assert_eq!(fixed, expected);
}
