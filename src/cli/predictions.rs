//! `lector predictions`, `lector resolve` and `lector track-record`: following predictions
//! and claims to their outcome from the command line. Scripts read the JSON: its names are
//! kept (issue #8).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::civil::Date;
use serde_json::{Value, json};

use super::print;
use crate::model::resolution::{Record, record_problems};
use crate::model::{AnnotationId, LabelKind, Project, RecordKey, project};
use crate::predict::tracker::today;
use crate::predict::{ResolutionStatus, StatusFilter, TrackedPrediction, Tracker, Verdict};
use crate::session::{Edit, Session};
use crate::store::{ProjectStore, resolutions_path};

/// Arguments of `lector predictions`.
#[derive(Debug, clap::Args)]
pub struct PredictionsArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Only these: `open`, `due` (open, due on or before today), `overdue` (due before
    /// today) or `resolved`.
    #[arg(long, value_parser = parse_filter)]
    pub status: Option<StatusFilter>,
    /// Only this holder's (an entity id or name).
    #[arg(long, value_name = "ENTITY")]
    pub holder: Option<String>,
    /// The day to count due dates against, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_iso_date)]
    pub today: Option<Date>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Go on when the project has problems, without what they affect (listed on stderr).
    #[arg(long)]
    pub partial: bool,
}

/// Arguments of `lector resolve`.
#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// The id of the prediction (or claim) to resolve, as `lector predictions --json` lists it
    /// (any annotator's copy will do).
    #[arg(long, value_name = "ID")]
    pub annotation: String,
    /// Whose annotation it is, where the id alone does not say.
    #[arg(long, value_name = "NAME")]
    pub annotator: Option<String>,
    /// For a prediction: `came_true`, `did_not_come_true`, `ambiguous`, `withdrawn` or
    /// `open` (reopen). For a claim, the verdict: `supported`, `refuted`,
    /// `not_enough_evidence`, `conflicting` or `unreviewed`.
    #[arg(long)]
    pub status: String,
    /// When it was settled, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_iso_date)]
    pub date: Option<Date>,
    /// A link or quote that settles it; never fetched. Repeatable.
    #[arg(long = "evidence", value_name = "TEXT")]
    pub evidence: Vec<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
    /// Who resolves it: the record goes to resolutions/<NAME>.ron, never into anyone's
    /// annotation file.
    #[arg(long, value_name = "NAME")]
    pub by: String,
}

/// Arguments of `lector track-record`.
#[derive(Debug, clap::Args)]
pub struct TrackRecordArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Go on when the project has problems, without what they affect (listed on stderr).
    #[arg(long)]
    pub partial: bool,
}

fn parse_filter(s: &str) -> Result<StatusFilter, String> {
    StatusFilter::from_name(s)
        .filter(|f| *f != StatusFilter::All)
        .ok_or_else(|| format!("{s:?} is not one of open, due, overdue, resolved"))
}

/// A date as `YYYY-MM-DD`, for options that take one.
pub(super) fn parse_iso_date(s: &str) -> Result<Date, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
}

/// Lists the predictions.
pub fn predictions(args: &PredictionsArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_for_reading(&args.dir, args.partial)?;
    let project = &store.project;
    let tracker = Tracker::build(project);
    warn_orphans(&tracker);
    let today = args.today.unwrap_or_else(today);
    let holder = args
        .holder
        .as_deref()
        .map(|h| holder_id(project, &tracker, h))
        .transpose()?;
    let filter = args.status.unwrap_or_default();
    let rows: Vec<&TrackedPrediction> = tracker
        .predictions
        .iter()
        .filter(|p| filter.accepts(p, today))
        .filter(|p| {
            holder
                .as_deref()
                .is_none_or(|h| p.holder.as_ref().is_some_and(|x| x.0 == h))
        })
        .collect();
    let map = &project.predict.probabilities;
    let out = if args.json {
        let array: Vec<Value> = rows.iter().map(|p| prediction_json(p, map)).collect();
        format!("{}\n", serde_json::to_string_pretty(&array)?)
    } else {
        prediction_table(&rows, today)?
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One prediction as `lector predictions --json` gives it.
pub fn prediction_json(p: &TrackedPrediction, map: &crate::predict::ProbabilityMap) -> Value {
    json!({
        "document": p.document,
        "annotator": p.annotator,
        "id": p.id.as_str(),
        "text": p.text,
        "holder": p.holder.as_ref().map(|h| h.0.clone()),
        "certainty": p.certainty,
        "probability": p.probability(map),
        "condition": p.condition,
        "due": p.due.map(|d| d.to_string()),
        "status": p.status.name(),
        "resolved_at": p.resolved_at.map(|d| d.to_string()),
        "evidence": p.evidence,
        "resolution_note": p.resolution_note,
        "annotators": p.annotators,
        "resolved_by": p.resolved_by,
    })
}

fn prediction_table(rows: &[&TrackedPrediction], today: Date) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "{:<10}  {:<17}  {:<22}  {:<13}  {:<14}  text",
        "due", "status", "holder", "certainty", "document"
    )?;
    for p in rows {
        let due = p.due.map_or("—".to_owned(), |d| d.to_string());
        let status = if p.is_overdue(today) {
            "open, overdue".to_owned()
        } else if p.is_due(today) {
            "open, due".to_owned()
        } else {
            p.status.name().to_owned()
        };
        let holder = p
            .holder_name
            .clone()
            .or_else(|| p.holder.as_ref().map(|h| h.0.clone()))
            .unwrap_or_else(|| "—".to_owned());
        writeln!(
            out,
            "{due:<10}  {status:<17}  {:<22}  {:<13}  {:<14}  {}",
            crate::cli::shorten(&holder, 22),
            p.certainty.as_deref().unwrap_or("—"),
            crate::cli::shorten(&p.document, 14),
            crate::cli::shorten(&p.text, 70)
        )?;
    }
    writeln!(out, "{} predictions", rows.len())?;
    Ok(out)
}

/// The entity id a `--holder` names (an id, or a name ignoring case).
fn holder_id(project: &Project, tracker: &Tracker, given: &str) -> anyhow::Result<String> {
    let lower = given.to_lowercase();
    let known: std::collections::BTreeSet<(&str, Option<&str>)> = tracker
        .predictions
        .iter()
        .filter_map(|p| Some((p.holder.as_ref()?.0.as_str(), p.holder_name.as_deref())))
        .collect();
    if let Some((id, _)) = known
        .iter()
        .find(|(id, name)| *id == given || name.is_some_and(|n| n.to_lowercase() == lower))
    {
        return Ok((*id).to_owned());
    }
    let entity = project.entities.values().find_map(|r| {
        r.entities
            .iter()
            .find(|e| e.id.0 == given || e.name.to_lowercase() == lower)
    });
    if let Some(entity) = entity {
        // An entity that holds no prediction: an empty list, not an error.
        return Ok(entity.id.0.clone());
    }
    let ids: Vec<&str> = known.iter().map(|(id, _)| *id).collect();
    anyhow::bail!(
        "no entity {given:?} in the project; the holders of predictions are: {}",
        ids.join(", ")
    )
}

fn warn_orphans(tracker: &Tracker) {
    if tracker.orphans > 0 {
        eprintln!(
            "note: {} resolutions are about annotations that no longer exist; they are not counted",
            tracker.orphans
        );
    }
}

/// Prints the track records.
pub fn track_record(args: &TrackRecordArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_for_reading(&args.dir, args.partial)?;
    let project = &store.project;
    let tracker = Tracker::build(project);
    warn_orphans(&tracker);
    let map = &project.predict.probabilities;
    let holders = tracker.holders(map);
    let sources = tracker.sources();
    let out = if args.json {
        let value = json!({
            "holders": holders.iter().map(|(r, name)| json!({
                "holder": r.holder,
                "name": name,
                "predictions": r.predictions,
                "resolved": r.resolved,
                "came_true": r.came_true,
                "did_not_come_true": r.did_not_come_true,
                "share_true": r.share_true,
                "brier": r.brier,
                "scored": r.scored,
            })).collect::<Vec<_>>(),
            "sources": sources.iter().map(|(c, name)| json!({
                "source": c.source,
                "name": name,
                "claims": c.claims,
                "supported": c.supported,
                "refuted": c.refuted,
                "not_enough_evidence": c.not_enough_evidence,
                "conflicting": c.conflicting,
                "unreviewed": c.unreviewed,
            })).collect::<Vec<_>>(),
            "probabilities": {
                "certain": map.certain,
                "probable": map.probable,
                "possible": map.possible,
                "improbable": map.improbable,
                "certainly_not": map.certainly_not,
            },
        });
        format!("{}\n", serde_json::to_string_pretty(&value)?)
    } else {
        track_record_table(&holders, &sources, map)?
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("—".to_owned(), |v| format!("{v:.3}"))
}

fn track_record_table(
    holders: &[(crate::predict::TrackRecord, Option<String>)],
    sources: &[(crate::predict::ClaimVerdictCounts, Option<String>)],
    map: &crate::predict::ProbabilityMap,
) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(out, "Predictions per holder")?;
    writeln!(
        out,
        "{:<26} {:>5} {:>8} {:>9} {:>8} {:>10} {:>7}",
        "holder", "made", "resolved", "came true", "did not", "share true", "Brier"
    )?;
    for (r, name) in holders {
        let who = name
            .clone()
            .or_else(|| r.holder.clone())
            .unwrap_or_else(|| "(no holder)".to_owned());
        writeln!(
            out,
            "{:<26} {:>5} {:>8} {:>9} {:>8} {:>10} {:>7}",
            crate::cli::shorten(&who, 26),
            r.predictions,
            r.resolved,
            r.came_true,
            r.did_not_come_true,
            fmt_opt(r.share_true),
            fmt_opt(r.brier)
        )?;
    }
    writeln!(
        out,
        "Brier: mean (p − o)² over the predictions that came true or did not, p the \
         probability of the event from the certainty: certain {}, probable {}, possible {}, \
         improbable {}, certainly_not {} (project.ron `probabilities`; a probability stated in \
         the text overrides it), o = 1 if the event happened, else 0 (below 0.5, as for \
         \"kommer inte att\", came true means it did not). Unknown or no certainty is counted \
         but not scored.",
        map.certain, map.probable, map.possible, map.improbable, map.certainly_not
    )?;
    writeln!(out)?;
    writeln!(out, "Claims per source")?;
    writeln!(
        out,
        "{:<26} {:>6} {:>9} {:>7} {:>7} {:>11} {:>10}",
        "source", "claims", "supported", "refuted", "not enough", "conflicting", "unreviewed"
    )?;
    for (c, name) in sources {
        let who = name
            .clone()
            .or_else(|| c.source.clone())
            .unwrap_or_else(|| "(no source)".to_owned());
        writeln!(
            out,
            "{:<26} {:>6} {:>9} {:>7} {:>10} {:>11} {:>10}",
            crate::cli::shorten(&who, 26),
            c.claims,
            c.supported,
            c.refuted,
            c.not_enough_evidence,
            c.conflicting,
            c.unreviewed
        )?;
    }
    Ok(out)
}

/// What `lector resolve` found the id to be.
struct Target {
    key: RecordKey,
    kind: LabelKind,
    quote: String,
}

fn find_target(project: &Project, args: &ResolveArgs) -> anyhow::Result<Target> {
    let id = AnnotationId::from(args.annotation.clone());
    let mut found = Vec::new();
    for ((document, annotator), set) in &project.sets {
        if args.annotator.as_ref().is_some_and(|a| a != annotator) {
            continue;
        }
        if let Some(a) = set.get(&id) {
            found.push((document, annotator, a));
        }
    }
    match found.as_slice() {
        [] => anyhow::bail!(
            "there is no annotation {}{} in {}",
            args.annotation,
            args.annotator
                .as_ref()
                .map_or(String::new(), |a| format!(" of {a}")),
            args.dir.display()
        ),
        [(document, annotator, annotation)] => {
            let kind = project
                .schema
                .label(&annotation.label)
                .map(|l| l.kind)
                .with_context(|| format!("annotation {} has no known label", args.annotation))?;
            let text = project
                .document(document)
                .map(|d| annotation.covered_text(&d.text))
                .unwrap_or_default();
            Ok(Target {
                key: RecordKey::new(*document, *annotator, id),
                kind,
                quote: text,
            })
        }
        several => {
            let whose: Vec<String> = several
                .iter()
                .map(|(d, a, _)| format!("{a} ({d})"))
                .collect();
            anyhow::bail!(
                "annotation {} is in several files: {}; say whose with --annotator",
                args.annotation,
                whose.join(", ")
            )
        }
    }
}

/// Records a resolution (or a claim's verdict) in the resolver's file.
pub fn resolve(args: &ResolveArgs) -> anyhow::Result<ExitCode> {
    if let Some(problem) = project::annotator_name_problem(&args.by) {
        anyhow::bail!("--by: {problem}");
    }
    let (store, _problems) = ProjectStore::open(&args.dir)?;
    let target = find_target(&store.project, args)?;
    let today = today();
    let date = Some(args.date.unwrap_or(today));
    let evidence: Vec<String> = args.evidence.iter().map(|e| e.trim().to_owned()).collect();
    let note = args.note.clone().unwrap_or_default();
    let at = crate::model::annotation::now();
    let (edit, problems, said) = match target.kind {
        LabelKind::Prediction => {
            let status = ResolutionStatus::from_name(&args.status).with_context(|| {
                format!(
                    "--status {:?}: a prediction is came_true, did_not_come_true, ambiguous, \
                     withdrawn or open",
                    args.status
                )
            })?;
            let record = Record {
                key: target.key.clone(),
                outcome: status,
                date,
                evidence,
                note,
                quote: target.quote.clone(),
                at,
            };
            let problems = record_problems(&record, today);
            (
                Edit::Resolve(Box::new(record)),
                problems,
                format!("resolved as {status}"),
            )
        }
        LabelKind::Claim => {
            let verdict = Verdict::from_name(&args.status).with_context(|| {
                format!(
                    "--status {:?}: the verdict on a claim is supported, refuted, \
                     not_enough_evidence, conflicting or unreviewed",
                    args.status
                )
            })?;
            let record = Record {
                key: target.key.clone(),
                outcome: verdict,
                date,
                evidence,
                note,
                quote: target.quote.clone(),
                at,
            };
            let problems = record_problems(&record, today);
            (
                Edit::SetVerdict(Box::new(record)),
                problems,
                format!("checked: {verdict}"),
            )
        }
        LabelKind::Entity => anyhow::bail!(
            "annotation {} is an entity mention; only predictions and claims are resolved",
            args.annotation
        ),
    };
    if let Some(problem) = problems.first() {
        anyhow::bail!("not resolved: {problem}");
    }
    // Through a session, like the app: the resolver's file is locked, merged with what
    // another writer saved, and nobody's annotation file is written.
    let mut session = Session::headless(store, &args.by);
    if let Some(migration) = session.migrate_resolutions() {
        if let Some(err) = migration.errors.into_iter().next() {
            return Err(anyhow::Error::new(err).context("not resolved"));
        }
        eprintln!(
            "moved {} resolutions of {} from annotation files of format 1 into {}",
            migration.moved,
            args.by,
            migration.file.display()
        );
    }
    session
        .apply(&target.key.document, vec![edit])
        .map_err(|e| anyhow::anyhow!("not resolved: {e}"))?;
    if let Some(err) = session.save_now().into_iter().next() {
        return Err(anyhow::Error::new(err).context("not resolved"));
    }
    print(&format!(
        "{}'s {} {} “{}” {said} by {} in {}\n",
        target.key.annotator,
        if target.kind == LabelKind::Claim {
            "claim"
        } else {
            "prediction"
        },
        target.key.annotation,
        crate::cli::shorten(&target.quote, 60),
        args.by,
        resolutions_path(&args.by).display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
