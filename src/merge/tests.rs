//! The merge driver's rules on real file texts, as Lector writes them.

use std::collections::BTreeMap;

use super::*;
use crate::store::ron_file::to_ron;
use crate::store::v1;

fn annotation(id: &str, label: &str, span: (u32, u32), modified: &str) -> v1::AnnotationEntry {
    v1::AnnotationEntry {
        id: id.to_owned(),
        label: label.to_owned(),
        fragments: vec![(span.0, span.1, format!("text {id}"))],
        before: String::new(),
        after: String::new(),
        entity: None,
        attributes: BTreeMap::new(),
        note: String::new(),
        created: "2026-01-01T09:00:00Z".to_owned(),
        modified: modified.to_owned(),
    }
}

fn set(annotations: Vec<v1::AnnotationEntry>) -> String {
    to_ron(&v1::SetFile {
        format_version: 1,
        document: "talks".to_owned(),
        annotator: "anna".to_owned(),
        status: v1::Status::InProgress,
        annotations,
    })
    .unwrap()
}

fn versions<'a>(base: &'a str, ours: &'a str, theirs: &'a str) -> Versions<'a> {
    Versions {
        base,
        ours,
        theirs,
        names: Names::default(),
    }
}

const T1: &str = "2026-01-01T10:00:00Z";
const T2: &str = "2026-01-01T11:00:00Z";
const SET: &str = "annotations/anna/talks.ron";

#[test]
fn one_annotator_on_two_machines_merges_by_id() {
    let base = set(vec![
        annotation("a", "Person", (0, 5), T1),
        annotation("b", "Place", (10, 15), T1),
        annotation("c", "Event", (20, 25), T1),
    ]);
    // Laptop: a relabelled later, b deleted, d added.
    let ours = set(vec![
        annotation("a", "Organization", (0, 5), T2),
        annotation("c", "Event", (20, 25), T1),
        annotation("d", "Person", (30, 35), T2),
    ]);
    // Desktop: a relabelled earlier, c changed, e added before everything.
    let theirs = set(vec![
        annotation("e", "Person", (0, 3), T1),
        annotation("a", "Place", (0, 5), T1),
        annotation("b", "Place", (10, 15), T1),
        annotation("c", "Claim", (20, 25), T2),
    ]);
    let merged = merge(SET, &versions(&base, &ours, &theirs)).unwrap();
    let expected = set(vec![
        annotation("e", "Person", (0, 3), T1),
        annotation("a", "Organization", (0, 5), T2),
        annotation("c", "Claim", (20, 25), T2),
        annotation("d", "Person", (30, 35), T2),
    ]);
    assert_eq!(merged.text, expected, "sorted and written as Lector writes");
    assert_eq!(
        merged.notes,
        [
            "annotation a was changed on both sides: kept the later version (Organization “text \
          a”, changed 2026-01-01T11:00:00Z); the other was Place “text a”, changed \
          2026-01-01T10:00:00Z"
        ]
    );
    // The same whichever side is which.
    let swapped = merge(SET, &versions(&base, &theirs, &ours)).unwrap();
    assert_eq!(swapped.text, expected);
}

#[test]
fn a_change_wins_over_a_deletion_and_is_listed() {
    let base = set(vec![annotation("a", "Person", (0, 5), T1)]);
    let ours = set(vec![]);
    let theirs = set(vec![annotation("a", "Place", (0, 5), T2)]);
    let merged = merge(SET, &versions(&base, &ours, &theirs)).unwrap();
    assert_eq!(merged.text, theirs);
    assert!(
        merged.notes[0]
            .starts_with("annotation a was deleted on one side and changed on the other"),
        "{:?}",
        merged.notes
    );
}

#[test]
fn a_file_added_on_both_sides_merges_from_nothing() {
    let ours = set(vec![annotation("a", "Person", (0, 5), T1)]);
    let theirs = set(vec![annotation("b", "Place", (6, 9), T1)]);
    let merged = merge(SET, &versions("", &ours, &theirs)).unwrap();
    assert_eq!(
        merged.text,
        set(vec![
            annotation("a", "Person", (0, 5), T1),
            annotation("b", "Place", (6, 9), T1)
        ])
    );
    assert!(merged.notes.is_empty());
}

#[test]
fn unreadable_or_newer_versions_are_left_to_a_person() {
    let ours = set(vec![annotation("a", "Person", (0, 5), T1)]);
    let marked = format!("<<<<<<< HEAD\n{ours}=======\n{ours}>>>>>>> x\n");
    let err = merge(SET, &versions(&ours, &ours, &marked)).unwrap_err();
    assert!(err.text.is_none(), "git's line merge does the file");
    assert!(
        err.reasons[0].starts_with("annotations/anna/talks.ron (theirs):1:1:")
            && err.reasons[0].contains("conflict markers"),
        "{:?}",
        err.reasons
    );
    let newer = ours.replace("format_version: 1", "format_version: 7");
    let err = merge(SET, &versions(&ours, &ours, &newer)).unwrap_err();
    assert!(
        err.reasons[0].contains("newer Lector (format 7"),
        "{:?}",
        err.reasons
    );
    let twice = set(vec![
        annotation("a", "Person", (0, 5), T1),
        annotation("a", "Place", (0, 5), T1),
    ]);
    let err = merge(SET, &versions(&ours, &ours, &twice)).unwrap_err();
    assert!(
        err.reasons[0].contains("annotation a is in the second version"),
        "{:?}",
        err.reasons
    );
}

fn entities(list: &[(&str, &str)]) -> String {
    to_ron(&v1::EntitiesFile {
        format_version: 1,
        annotator: "anna".to_owned(),
        entities: list
            .iter()
            .map(|(id, name)| v1::EntityEntry {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
                label: "Person".to_owned(),
                note: String::new(),
            })
            .collect(),
    })
    .unwrap()
}

#[test]
fn entities_merge_by_id_keeping_the_first_sides_on_a_clash() {
    let base = entities(&[("putin", "Putin")]);
    let ours = entities(&[("putin", "Vladimir Putin"), ("xi", "Xi")]);
    let theirs = entities(&[("lukashenko", "Lukashenko"), ("putin", "V. Putin")]);
    let merged = merge("news/entities/anna.ron", &versions(&base, &ours, &theirs)).unwrap();
    assert_eq!(
        merged.text,
        entities(&[
            ("lukashenko", "Lukashenko"),
            ("putin", "Vladimir Putin"),
            ("xi", "Xi")
        ])
    );
    assert_eq!(
        merged.notes,
        [
            "entity putin was changed on both sides: kept the version already there (Person \
          “Vladimir Putin”); the other was Person “V. Putin”"
        ]
    );
}

fn review(decisions: &[(&str, &str, &str)], comments: &[(&str, &str)]) -> String {
    to_ron(&v1::ReviewFile {
        format_version: 1,
        document: "talks".to_owned(),
        reviewer: "olga".to_owned(),
        decisions: decisions
            .iter()
            .enumerate()
            .map(|(i, (anna, take, at))| v1::DecisionEntry {
                sources: BTreeMap::from([
                    ("anna".to_owned(), (*anna).to_owned()),
                    ("erik".to_owned(), format!("e{anna}")),
                ]),
                span: (
                    u32::try_from(i).unwrap() * 10,
                    u32::try_from(i).unwrap() * 10 + 5,
                ),
                kind: "label differs".to_owned(),
                choice: v1::ChoiceEntry::Take((*take).to_owned()),
                result: Vec::new(),
                note: String::new(),
                at: (*at).to_owned(),
            })
            .collect(),
        comments: comments
            .iter()
            .map(|(id, text)| v1::CommentEntry {
                annotator: "anna".to_owned(),
                annotation: (*id).to_owned(),
                text: (*text).to_owned(),
                at: T1.to_owned(),
            })
            .collect(),
    })
    .unwrap()
}

#[test]
fn review_decisions_merge_by_what_they_compare() {
    let base = review(&[("a1", "anna", T1)], &[]);
    let ours = review(&[("a1", "erik", T2)], &[("a1", "see the title")]);
    let theirs = review(&[("a1", "anna", T1), ("a2", "anna", T1)], &[("a2", "why?")]);
    let merged = merge("reviews/olga/talks.ron", &versions(&base, &ours, &theirs)).unwrap();
    let file: v1::ReviewFile = ron::from_str(&merged.text).unwrap();
    let taken: Vec<(&str, &v1::ChoiceEntry)> = file
        .decisions
        .iter()
        .map(|d| (d.sources["anna"].as_str(), &d.choice))
        .collect();
    assert!(
        matches!(taken.as_slice(), [("a1", v1::ChoiceEntry::Take(x)), ("a2", _)] if x == "erik"),
        "{taken:?}"
    );
    assert_eq!(file.comments.len(), 2);
    assert!(merged.notes.is_empty(), "{:?}", merged.notes);
}

/// A `project.ron` of format `version` with documents `(id, title, sha)` and an extra field
/// on each document and at the top, as a later format might have.
fn project(version: u32, colour: &str, documents: &[(&str, &str, &str)]) -> String {
    let mut text = format!(
        "(\n    format_version: {version},\n    name: \"Team\",\n    schema: (\n        labels: [\n            (name: \"Person\", kind: Entity, color: \"{colour}\", hotkey: Some('p'), attributes: [], help: \"\"),\n            (name: \"Claim\", kind: Claim, color: \"#e69f00\", hotkey: Some('c'), attributes: [], help: \"\"),\n        ],\n    ),\n    documents: ["
    );
    if documents.is_empty() {
        text.push_str("],\n");
    } else {
        text.push('\n');
        for (id, title, sha) in documents {
            text.push_str(&format!(
                "        (\n            id: \"{id}\",\n            title: \"{title}\",\n            file: \"{id}.txt\",\n            sha256: \"{sha}\",\n            added: \"2026-01-01T10:00:00Z\",\n            published: Some(\"2025-12-31\"),\n        ),\n"
            ));
        }
        text.push_str("    ],\n");
    }
    text.push_str("    sources: [\"tt.se\"],\n)\n");
    text
}

#[test]
fn documents_added_on_both_sides_are_all_kept_with_fields_unknown_here() {
    let base = project(1, "#0072b2", &[("talks", "Talks", "01")]);
    let ours = project(
        1,
        "#0072b2",
        &[("talks", "Talks", "01"), ("minsk", "Minsk", "02")],
    );
    let theirs = project(
        1,
        "#0072b2",
        &[("talks", "Talks", "01"), ("kyiv", "Kyiv", "03")],
    );
    let merged = merge("project.ron", &versions(&base, &ours, &theirs)).unwrap();
    let expected = project(
        1,
        "#0072b2",
        &[
            ("talks", "Talks", "01"),
            ("minsk", "Minsk", "02"),
            ("kyiv", "Kyiv", "03"),
        ],
    );
    assert_eq!(merged.text, expected, "laid out as Lector writes it");
    assert!(merged.notes.is_empty());
    // The project as this Lector reads it: the extra fields are ignored, the documents there.
    let file: v1::ProjectFile = ron::from_str(&merged.text).unwrap();
    assert_eq!(file.documents.len(), 3);

    // The same article added on both sides (at another time): one entry.
    let ours = project(
        1,
        "#0072b2",
        &[("talks", "Talks", "01"), ("minsk", "Minsk", "02")],
    );
    let (head, minsk) = ours.split_at(ours.find("id: \"minsk\"").unwrap());
    let later = format!("{head}{}", minsk.replace("10:00:00Z", "10:05:00Z"));
    let merged = merge("project.ron", &versions(&base, &ours, &later)).unwrap();
    assert_eq!(merged.text, ours);
    assert_eq!(
        merged.notes,
        ["the same article “Minsk” was added on both sides as document \"minsk\": kept one entry"]
    );
    // A document removed on one side.
    let merged = merge("project.ron", &versions(&ours, &base, &ours)).unwrap();
    assert_eq!(merged.text, base);
    // From an empty project, as `lector new` makes it.
    let empty = project(1, "#0072b2", &[]);
    let merged = merge("project.ron", &versions(&empty, &ours, &empty)).unwrap();
    assert_eq!(merged.text, ours);
}

#[test]
fn a_schema_changed_on_both_sides_is_explained_with_both_versions() {
    let base = project(1, "#0072b2", &[("talks", "Talks", "01")]);
    let ours = project(
        1,
        "#ff0000",
        &[("talks", "Talks", "01"), ("minsk", "Minsk", "02")],
    );
    let theirs = project(1, "#00ff00", &[("talks", "Talks", "01")]);
    let names = Names {
        ours: "pulled".to_owned(),
        theirs: "yours".to_owned(),
    };
    let err = merge(
        "news/project.ron",
        &Versions {
            base: &base,
            ours: &ours,
            theirs: &theirs,
            names,
        },
    )
    .unwrap_err();
    let [reason] = err.reasons.as_slice() else {
        panic!("{:?}", err.reasons)
    };
    assert!(
        reason.starts_with("news/project.ron: the label schema was changed on both sides"),
        "{reason}"
    );
    assert!(
        reason.contains(
            "\n  label \"Person\":\n    pulled: (name: \"Person\", kind: Entity, color: \"#ff0000\""
        ) && reason.contains("\n    yours:  (name: \"Person\", kind: Entity, color: \"#00ff00\""),
        "{reason}"
    );
    assert!(
        !reason.contains("\"Claim\""),
        "only labels that differ: {reason}"
    );
    let text = err.text.unwrap();
    assert!(
        text.contains("<<<<<<< pulled\n    schema: (\n") && text.contains(">>>>>>> yours\n"),
        "{text}"
    );
    assert!(
        text.contains("id: \"minsk\""),
        "the documents are merged: {text}"
    );
    // Changed on one side only: taken.
    let merged = merge("project.ron", &versions(&base, &base, &theirs)).unwrap();
    assert_eq!(merged.text, theirs);
}

#[test]
fn different_articles_under_one_id_or_format_versions_need_a_person() {
    let base = project(1, "#0072b2", &[]);
    let ours = project(1, "#0072b2", &[("minsk", "Minsk today", "02")]);
    let theirs = project(1, "#0072b2", &[("minsk", "Minsk yesterday", "03")]);
    let err = merge("project.ron", &versions(&base, &ours, &theirs)).unwrap_err();
    assert!(
        err.reasons[0].contains("two different articles were added as document \"minsk\""),
        "{:?}",
        err.reasons
    );
    let newer = project(2, "#0072b2", &[("kyiv", "Kyiv", "04")]);
    let err = merge("project.ron", &versions(&base, &ours, &newer)).unwrap_err();
    assert!(
        err.reasons[0].contains("different format versions"),
        "{:?}",
        err.reasons
    );
}

#[test]
fn kinds_are_found_by_path() {
    assert_eq!(Kind::of("project.ron"), Some((Kind::Project, "")));
    assert_eq!(
        Kind::of("news/annotations/anna/talks.ron"),
        Some((Kind::Annotations, "news/"))
    );
    assert_eq!(
        Kind::of("a/b/entities/anna.ron"),
        Some((Kind::Entities, "a/b/"))
    );
    assert_eq!(Kind::of("reviews/olga/talks.ron"), Some((Kind::Review, "")));
    assert_eq!(Kind::of("documents/talks.txt"), None);
    assert_eq!(Kind::of("annotations/anna/.talks.ron"), None);
    let err = merge("notes.md", &versions("", "a", "b")).unwrap_err();
    assert!(err.text.is_none() && err.reasons[0].contains("merged line by line"));
}

fn resolution(annotation: &str, status: &str, at: &str) -> crate::store::v2::ResolutionEntry {
    crate::store::v2::ResolutionEntry {
        document: "talks".to_owned(),
        annotator: "anna".to_owned(),
        annotation: annotation.to_owned(),
        quote: format!("prediction {annotation}"),
        status: status.to_owned(),
        date: None,
        evidence: Vec::new(),
        note: String::new(),
        at: at.to_owned(),
    }
}

fn resolutions(predictions: Vec<crate::store::v2::ResolutionEntry>) -> String {
    to_ron(&crate::store::v2::ResolutionsFile {
        format_version: 2,
        resolver: "erik".to_owned(),
        predictions,
        claims: Vec::new(),
    })
    .unwrap()
}

#[test]
fn resolutions_by_one_person_on_two_machines_merge_by_prediction() {
    const FILE: &str = "resolutions/erik.ron";
    assert_eq!(Kind::of(FILE), Some((Kind::Resolutions, "")));
    let base = resolutions(vec![resolution("p1", "open", T1)]);
    // Laptop: p1 came true (later), p2 resolved. Desktop: p1 withdrawn (earlier), p3 resolved.
    let ours = resolutions(vec![
        resolution("p1", "came_true", T2),
        resolution("p2", "ambiguous", T1),
    ]);
    let theirs = resolutions(vec![
        resolution("p1", "withdrawn", T1),
        resolution("p3", "did_not_come_true", T1),
    ]);
    let merged = merge(FILE, &versions(&base, &ours, &theirs)).unwrap();
    let expected = resolutions(vec![
        resolution("p1", "came_true", T2),
        resolution("p2", "ambiguous", T1),
        resolution("p3", "did_not_come_true", T1),
    ]);
    assert_eq!(merged.text, expected);
    assert_eq!(merged.notes.len(), 1, "{:?}", merged.notes);
    assert!(
        merged.notes[0].contains("prediction p1"),
        "{:?}",
        merged.notes
    );
    let swapped = merge(FILE, &versions(&base, &theirs, &ours)).unwrap();
    assert_eq!(swapped.text, expected);
}

/// Two notes on one annotation, changed on two machines: the descriptions read alike, so the
/// note says which note was kept and which was dropped.
#[test]
fn a_change_on_both_sides_says_what_differed_where_the_descriptions_read_alike() {
    let noted = |note: &str, modified: &str| {
        let mut a = annotation("a", "Other", (0, 5), modified);
        a.note = note.to_owned();
        a
    };
    let base = set(vec![noted("v1", T1)]);
    let ours = set(vec![noted("anna note DESKTOP", T2)]);
    let theirs = set(vec![noted("anna note LAPTOP", T1)]);
    let merged = merge(SET, &versions(&base, &ours, &theirs)).unwrap();
    assert_eq!(merged.notes.len(), 1);
    assert!(
        merged.notes[0].ends_with(
            "; they differ in note “anna note DESKTOP”, the other had “anna note LAPTOP” \
             (git's history keeps the other)"
        ),
        "{}",
        merged.notes[0]
    );
}
