//! `lector agree` run as a user runs it, on the sample project and on a copy with a third
//! annotator.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn lector(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lector"))
        .args(args)
        .output()
        .unwrap()
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/sotji-talks")
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const FIGURES: [&str; 5] = [
    "f1_exact",
    "f1_overlap",
    "fleiss_kappa",
    "krippendorff_alpha",
    "alpha_u",
];

/// Every figure is a number in its range or null.
fn check_ranges(figures: &Value, what: &str) {
    for key in FIGURES.iter().chain(&["cohen_kappa"]) {
        let Some(v) = figures.get(*key) else { continue };
        if v.is_null() {
            continue;
        }
        let v = v.as_f64().unwrap_or_else(|| panic!("{what}.{key} is {v}"));
        let range = match *key {
            "f1_exact" | "f1_overlap" => 0.0..=1.0,
            "alpha_u" => f64::NEG_INFINITY..=1.0,
            _ => -1.0..=1.0,
        };
        assert!(range.contains(&v), "{what}.{key} = {v}");
    }
}

#[test]
fn sample_project_json_has_the_documented_shape() {
    let dir = sample();
    let json = json_of(&lector(&["agree", dir.to_str().unwrap(), "--json"]));
    assert_eq!(json["annotators"], serde_json::json!(["anna", "erik"]));
    assert!(
        json.get("pairs").is_none(),
        "no pair matrix for two annotators"
    );
    for key in FIGURES.iter().chain(&["cohen_kappa"]) {
        assert!(
            json["overall"][*key].is_number(),
            "overall.{key} should be a number on the sample: {}",
            json["overall"]
        );
    }
    check_ranges(&json["overall"], "overall");
    let labels = json["labels"].as_object().unwrap();
    for (label, figures) in labels {
        check_ranges(figures, label);
        // Exact matches are overlap matches too.
        if let (Some(exact), Some(overlap)) =
            (figures["f1_exact"].as_f64(), figures["f1_overlap"].as_f64())
        {
            assert!(exact <= overlap + 1e-12, "{label}: {exact} > {overlap}");
        }
    }
    // Every label the annotators used in the sample is there.
    for label in ["Person", "Place", "Claim", "Prediction"] {
        assert!(labels.contains_key(label), "{label} missing: {labels:?}");
    }
    // Attribute agreement: the Prediction certainty is an ordered scale.
    let certainty = &json["labels"]["Prediction"]["attributes"]["certainty"];
    assert_eq!(certainty["level"], "ordinal");
    let compared = certainty["compared"].as_u64().unwrap();
    let agreeing = certainty["agreeing"].as_u64().unwrap();
    assert!(agreeing <= compared && compared > 0, "{certainty}");
    let observed = certainty["observed_agreement"].as_f64().unwrap();
    assert!((observed - agreeing as f64 / compared as f64).abs() < 1e-12);
}

#[test]
fn span_counts_match_lector_stats_and_figures_match_the_library() {
    let dir = sample();
    let d = dir.to_str().unwrap();
    let agree = json_of(&lector(&["agree", d, "--json"]));
    let stats = json_of(&lector(&["stats", d, "--json"]));
    for annotator in ["anna", "erik"] {
        let total: u64 = stats["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|doc| doc["annotators"][annotator]["total"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(agree["overall"]["spans"][annotator], total, "{annotator}");
    }
    let (store, _) = lector::store::ProjectStore::open(&dir).unwrap();
    let report = lector::review::agreement(&store.project, &[], &[]).unwrap();
    let figures = [
        ("f1_exact", report.overall.f1_exact),
        ("f1_overlap", report.overall.f1_overlap),
        ("cohen_kappa", report.overall.cohen_kappa),
        ("fleiss_kappa", report.overall.fleiss_kappa),
        ("krippendorff_alpha", report.overall.krippendorff_alpha),
        ("alpha_u", report.overall.alpha_u),
    ];
    // JSON keeps 17 significant digits; serde_json may read the last one back differently.
    let near = |json: &Value, value: Option<f64>, what: &str| match (json.as_f64(), value) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{what}: {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    };
    for (key, value) in figures {
        near(&agree["overall"][key], value, key);
    }
    for (label, f) in &report.labels {
        near(&agree["labels"][label]["f1_overlap"], f.f1_overlap, label);
        near(&agree["labels"][label]["alpha_u"], f.alpha_u, label);
    }
}

#[test]
fn table_shows_every_label_and_the_overall_row() {
    let dir = sample();
    let out = lector(&["agree", dir.to_str().unwrap()]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with("Agreement of anna and erik: 1 document"),
        "{table}"
    );
    let header = table.lines().find(|l| l.starts_with("label")).unwrap();
    for column in [
        "anna",
        "erik",
        "F1 exact",
        "F1 overlap",
        "Cohen κ",
        "Fleiss κ",
        "α_u",
    ] {
        assert!(header.contains(column), "{column} missing in {header}");
    }
    for label in ["Person", "Place", "Claim", "Prediction", "overall"] {
        assert!(
            table.lines().any(|l| l.starts_with(label)),
            "no row for {label}:\n{table}"
        );
    }
    assert!(table.contains("certainty"), "{table}");
}

/// Copies the sample and lets a third annotator tag two spans.
fn three_annotators(dir: &Path) -> PathBuf {
    let copy = dir.join("sotji");
    let status = Command::new("cp")
        .arg("-r")
        .arg(sample())
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let p = copy.to_str().unwrap();
    for (label, span) in [("Place", "0:8"), ("Person", "11:16")] {
        let out = lector(&[
            "annotate",
            p,
            "--document",
            "sotji-talks",
            "--annotator",
            "zoe",
            "--label",
            label,
            "--span",
            span,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    copy
}

#[test]
fn three_annotators_get_a_pair_matrix_and_no_cohen_kappa() {
    let dir = tempfile::tempdir().unwrap();
    let project = three_annotators(dir.path());
    let p = project.to_str().unwrap();
    let json = json_of(&lector(&["agree", p, "--json"]));
    assert_eq!(
        json["annotators"],
        serde_json::json!(["anna", "erik", "zoe"])
    );
    assert!(json["overall"].get("cohen_kappa").is_none());
    let pairs = json["pairs"].as_array().unwrap();
    let names: Vec<&Value> = pairs.iter().map(|p| &p["annotators"]).collect();
    assert_eq!(
        names,
        [
            &serde_json::json!(["anna", "erik"]),
            &serde_json::json!(["anna", "zoe"]),
            &serde_json::json!(["erik", "zoe"])
        ]
    );
    // Zoe tagged 2 of about 110 spans: her pairs agree far less than anna and erik.
    let f1 = |i: usize| pairs[i]["f1_exact"].as_f64().unwrap();
    assert!(f1(1) < f1(0) && f1(2) < f1(0), "{pairs:?}");
    // The headline F1 is the mean over pairs.
    let mean = (f1(0) + f1(1) + f1(2)) / 3.0;
    assert!((json["overall"]["f1_exact"].as_f64().unwrap() - mean).abs() < 1e-12);
    // Choosing two of them is the two-annotator report.
    let two = json_of(&lector(&[
        "agree",
        p,
        "--annotator",
        "erik",
        "--annotator",
        "anna",
        "--json",
    ]));
    assert_eq!(two["annotators"], serde_json::json!(["anna", "erik"]));
    assert_eq!(two["overall"]["f1_exact"].as_f64(), Some(f1(0)));
    let table = String::from_utf8(lector(&["agree", p]).stdout).unwrap();
    assert!(table.contains("anna / zoe"), "{table}");
}

#[test]
fn errors_say_what_is_wrong_and_exit_non_zero() {
    let dir = sample();
    let d = dir.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--document", "nope"],
            "there is no document \"nope\" in the project; its documents are: sotji-talks",
        ),
        (
            &["--annotator", "zoe"],
            "there is no annotator \"zoe\" in the project; its annotators are: anna, erik",
        ),
        (
            &["--annotator", "anna"],
            "agreement needs at least two annotators who annotated the selected documents; found anna",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["agree", d];
        args.extend_from_slice(extra);
        let out = lector(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
        assert!(
            stderr.trim_end().ends_with(d),
            "the project is named last: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let empty = tempfile::tempdir().unwrap();
    let out = lector(&["agree", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Lector project"));
}

/// A reviewed set is compared with an annotator's when named, never by default.
#[test]
fn a_reviewed_set_is_compared_when_named() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-v1");
    let dir = fixture.to_str().unwrap();
    let out = lector(&[
        "agree",
        dir,
        "--annotator",
        "review.taras",
        "--annotator",
        "olena",
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.starts_with("Agreement of olena and review.taras: 1 document"),
        "{said}"
    );
    // Unknown names list the reviewed sets too.
    let out = lector(&[
        "agree",
        dir,
        "--annotator",
        "review.nobody",
        "--annotator",
        "olena",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("its annotators are: olena, review.taras"),
        "{err}"
    );
}
