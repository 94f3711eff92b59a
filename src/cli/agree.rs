//! `lector agree`: inter-annotator agreement as a table or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::print;
use crate::review::{self, AgreementReport, AttributeAgreement, Figures, PairFigures};

/// Arguments of `lector agree`.
#[derive(Debug, clap::Args)]
pub struct AgreeArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Only this document. Repeatable; default: every document.
    #[arg(long = "document", value_name = "ID")]
    pub documents: Vec<String>,
    /// Only this annotator. Repeatable; default: everyone who annotated the documents.
    #[arg(long = "annotator", value_name = "NAME")]
    pub annotators: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Go on when the project has problems, without what they affect (listed on stderr).
    #[arg(long)]
    pub partial: bool,
}

/// Computes and prints the agreement.
pub fn run(args: &AgreeArgs) -> anyhow::Result<ExitCode> {
    // Each file's spans as a table: the agreement needs no more of the annotations.
    let (store, tables, problems) = crate::store::ProjectStore::open_tables(&args.dir)?;
    super::go_on_reading(&args.dir, args.partial, &problems)?;
    let report =
        review::agreement_of_tables(&store.project, &tables, &args.documents, &args.annotators)
            .map_err(|err| anyhow::anyhow!("{err}: {}", args.dir.display()))?;
    let out = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&report_json(&report))?)
    } else {
        table(&report)?
    };
    print(&out)?;
    drop(report);
    super::leave_to_exit((store, tables));
    Ok(ExitCode::SUCCESS)
}

/// The report as JSON: undefined figures are `null`; `cohen_kappa` only with two
/// annotators; `pairs` only with more.
pub fn report_json(report: &AgreementReport) -> Value {
    let two = report.annotators.len() == 2;
    let mut value = json!({
        "annotators": report.annotators,
        "documents": report.documents,
        "characters": report.characters,
        "method": {
            "units": "every character of the stored text (whitespace included); documents concatenated",
            "f1": "pairwise on documents both annotated, micro-averaged over labels; mean over pairs",
            "overlap_matching": "same label, at least one shared character, one-to-one, greedy by shared characters, ties by earlier start",
            "alpha_u": "documents every annotator annotated, concatenated",
        },
        "overall": figures_json(&report.overall, two),
        "labels": report
            .labels
            .iter()
            .map(|(label, figures)| (label.clone(), figures_json(figures, two)))
            .collect::<serde_json::Map<_, _>>(),
    });
    if !two && let Some(object) = value.as_object_mut() {
        object.insert(
            "pairs".to_owned(),
            report.pairs.iter().map(pair_json).collect(),
        );
    }
    value
}

fn figures_json(figures: &Figures, two: bool) -> Value {
    let mut value = json!({
        "spans": figures.spans,
        "f1_exact": figures.f1_exact,
        "f1_overlap": figures.f1_overlap,
        "fleiss_kappa": figures.fleiss_kappa,
        "krippendorff_alpha": figures.krippendorff_alpha,
        "alpha_u": figures.alpha_u,
    });
    if let Some(object) = value.as_object_mut() {
        if two {
            object.insert("cohen_kappa".to_owned(), json!(figures.cohen_kappa));
        }
        if !figures.attributes.is_empty() {
            let attributes = figures
                .attributes
                .iter()
                .map(|(name, a)| (name.clone(), attribute_json(a, two)))
                .collect::<serde_json::Map<_, _>>();
            object.insert("attributes".to_owned(), Value::Object(attributes));
        }
    }
    value
}

fn attribute_json(a: &AttributeAgreement, two: bool) -> Value {
    let mut value = json!({
        "level": a.level.name(),
        "compared": a.compared,
        "agreeing": a.agreeing,
        "one_sided": a.one_sided,
        "unmatched_spans": a.unmatched_spans,
        "observed_agreement": a.observed,
        "krippendorff_alpha": a.krippendorff_alpha,
    });
    if two && let Some(object) = value.as_object_mut() {
        object.insert("cohen_kappa".to_owned(), json!(a.cohen_kappa));
    }
    value
}

fn pair_json(pair: &PairFigures) -> Value {
    let scores = |s: &review::PairScores| {
        json!({
            "f1_exact": s.exact.f1(),
            "f1_overlap": s.overlap.f1(),
            "cohen_kappa": s.cohen_kappa,
        })
    };
    let mut value = scores(&pair.overall);
    if let Some(object) = value.as_object_mut() {
        object.insert("annotators".to_owned(), json!([pair.a, pair.b]));
        object.insert(
            "labels".to_owned(),
            pair.labels
                .iter()
                .map(|(label, s)| (label.clone(), scores(s)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        );
    }
    value
}

/// A figure with three decimals, `—` when undefined.
fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"))
}

/// The human-readable report.
pub fn table(report: &AgreementReport) -> anyhow::Result<String> {
    let two = report.annotators.len() == 2;
    let mut out = String::new();
    let names = match report.annotators.as_slice() {
        [a, b] => format!("{a} and {b}"),
        more => more.join(", "),
    };
    let documents = report.documents.len();
    writeln!(
        out,
        "Agreement of {names}: {documents} document{}, {} characters",
        if documents == 1 { "" } else { "s" },
        report.characters
    )?;
    writeln!(
        out,
        "κ and α count every character; F1 overlap matches same-label spans sharing a character.\n"
    )?;
    let width = report
        .labels
        .keys()
        .map(|l| l.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    let counts: Vec<usize> = report
        .annotators
        .iter()
        .map(|a| a.chars().count().max(5))
        .collect();
    write!(out, "{:<width$}", "label")?;
    for (name, w) in report.annotators.iter().zip(&counts) {
        write!(out, "  {name:>w$}")?;
    }
    write!(out, "  F1 exact  F1 overlap")?;
    if two {
        write!(out, "  Cohen κ")?;
    }
    writeln!(out, "  Fleiss κ  α chars    α_u")?;
    let rows = report
        .labels
        .iter()
        .map(|(l, f)| (l.as_str(), f))
        .chain([("overall", &report.overall)]);
    for (label, f) in rows {
        write!(out, "{label:<width$}")?;
        for (name, w) in report.annotators.iter().zip(&counts) {
            let n = f.spans.get(name).copied().unwrap_or(0);
            write!(out, "  {n:>w$}")?;
        }
        write!(
            out,
            "  {:>8}  {:>10}",
            figure(f.f1_exact),
            figure(f.f1_overlap)
        )?;
        if two {
            write!(out, "  {:>7}", figure(f.cohen_kappa))?;
        }
        writeln!(
            out,
            "  {:>8}  {:>7}  {:>5}",
            figure(f.fleiss_kappa),
            figure(f.krippendorff_alpha),
            figure(f.alpha_u)
        )?;
    }
    attributes_table(&mut out, report, width)?;
    if !two {
        pairs_table(&mut out, report)?;
    }
    Ok(out)
}

fn attributes_table(
    out: &mut String,
    report: &AgreementReport,
    width: usize,
) -> anyhow::Result<()> {
    let two = report.annotators.len() == 2;
    let rows: Vec<(&str, &str, &AttributeAgreement)> = report
        .labels
        .iter()
        .flat_map(|(label, f)| {
            f.attributes
                .iter()
                .map(move |(name, a)| (label.as_str(), name.as_str(), a))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let attr_width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .chain([9])
        .max()
        .unwrap_or(9);
    writeln!(out, "\nAttributes of spans matched by overlap")?;
    write!(
        out,
        "{:<width$}  {:<attr_width$}  {:<8}  compared  agree  one-sided  observed",
        "label", "attribute", "level"
    )?;
    if two {
        write!(out, "  Cohen κ")?;
    }
    writeln!(out, "      α")?;
    for (label, name, a) in rows {
        write!(
            out,
            "{label:<width$}  {name:<attr_width$}  {:<8}  {:>8}  {:>5}  {:>9}  {:>8}",
            a.level.name(),
            a.compared,
            a.agreeing,
            a.one_sided,
            figure(a.observed)
        )?;
        if two {
            write!(out, "  {:>7}", figure(a.cohen_kappa))?;
        }
        writeln!(out, "  {:>5}", figure(a.krippendorff_alpha))?;
    }
    Ok(())
}

fn pairs_table(out: &mut String, report: &AgreementReport) -> anyhow::Result<()> {
    let names: Vec<String> = report
        .pairs
        .iter()
        .map(|p| format!("{} / {}", p.a, p.b))
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(out, "\nPairs (F1 above is their mean)")?;
    writeln!(out, "{:<width$}  F1 exact  F1 overlap  Cohen κ", "pair")?;
    for (name, pair) in names.iter().zip(&report.pairs) {
        writeln!(
            out,
            "{name:<width$}  {:>8}  {:>10}  {:>7}",
            figure(pair.overall.exact.f1()),
            figure(pair.overall.overlap.f1()),
            figure(pair.overall.cohen_kappa)
        )?;
    }
    Ok(())
}
