//! Label mapping on import: the labels another tool's file uses, matched to the project's.
//!
//! A file's label that is in the schema is taken as it is; one that differs only in case
//! (`PERSON`, `person`) is the schema's label (`Person`), unless two labels of the schema
//! differ only in case. The user maps the rest (`--map FROM=TO`, or the app's import dialog),
//! or adds them to the schema (`--add-labels`: as entity labels, or of the kind a mapping
//! gives, `--map FACT=Fact:claim`). What is still unknown is skipped, and the report groups it
//! by label with a count and says how to map it, instead of one line per span.
//!
//! [`resolve`] only decides; [`LabelPlan::rename`] changes the candidates a reader produced,
//! and the caller adds [`LabelPlan::new_labels`] to the schema (only those an imported
//! annotation uses) before the import is planned. [`plan_import`] does all of it, for
//! `lector import` and the app alike; [`label_choices`] lists, before anything is imported,
//! the labels the schema lacks with their counts and a proposed mapping ([`suggest`]) for
//! the app's import dialog, and [`request_from_choices`] turns the dialog's answers into the
//! same [`MappingRequest`] as `--map`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::import::{Candidate, Parsed, Skipped};
use crate::model::{Color, Label, LabelKind, Schema};

/// What the user asked for: `--map` rules and `--add-labels`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappingRequest {
    /// `FROM=TO[:kind]`, in the order given.
    pub rules: Vec<MapRule>,
    /// Add labels the schema lacks instead of skipping their spans.
    pub add_labels: bool,
    /// Labels of the file whose spans are skipped whatever the rest says (the import
    /// dialog's "skip" next to labels it adds).
    pub skip: std::collections::BTreeSet<String>,
}

/// One `--map FROM=TO[:kind]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapRule {
    /// The label as the file has it (matched exactly, then ignoring case).
    pub from: String,
    /// The project's label (matched ignoring case), or the name of a label to add.
    pub to: String,
    /// The kind of a label to add (`:claim`, `:prediction`, `:entity`).
    pub kind: Option<LabelKind>,
}

/// A `--map` that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    /// Not `FROM=TO`.
    #[error("--map {given:?}: expected FROM=TO or FROM=TO:claim|prediction|entity")]
    Syntax {
        /// What was given.
        given: String,
    },
    /// An unknown kind after the colon.
    #[error("--map {given:?}: {kind:?} is not a kind of label; use claim, prediction or entity")]
    Kind {
        /// What was given.
        given: String,
        /// The kind given.
        kind: String,
    },
    /// A target the schema lacks, without `--add-labels`.
    #[error(
        "--map {from}={to}: the project's schema has no label {to:?} (it has {known}); add --add-labels to add it"
    )]
    NoSuchLabel {
        /// The file's label.
        from: String,
        /// The target.
        to: String,
        /// The schema's labels, for the message.
        known: String,
    },
    /// A kind that differs from the existing label's.
    #[error("--map {from}={to}:{kind}: {to:?} is already a label of kind {existing}")]
    KindDiffers {
        /// The file's label.
        from: String,
        /// The target.
        to: String,
        /// The kind given.
        kind: &'static str,
        /// The existing label's kind.
        existing: &'static str,
    },
    /// A label name Lector cannot store (control characters, spaces at an end).
    #[error("--map {from}={to}: {problem}")]
    BadName {
        /// The file's label.
        from: String,
        /// The target.
        to: String,
        /// Why.
        problem: &'static str,
    },
}

impl std::str::FromStr for MapRule {
    type Err = MappingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || MappingError::Syntax {
            given: s.to_owned(),
        };
        let (from, rest) = s.split_once('=').ok_or_else(syntax)?;
        let (to, kind) = match rest.rsplit_once(':') {
            Some((to, kind)) => {
                let kind = match kind.trim().to_lowercase().as_str() {
                    "claim" => LabelKind::Claim,
                    "prediction" => LabelKind::Prediction,
                    "entity" => LabelKind::Entity,
                    other => {
                        return Err(MappingError::Kind {
                            given: s.to_owned(),
                            kind: other.to_owned(),
                        });
                    }
                };
                (to, Some(kind))
            }
            None => (rest, None),
        };
        if from.is_empty() || to.trim().is_empty() {
            return Err(syntax());
        }
        Ok(Self {
            from: from.to_owned(),
            to: to.trim().to_owned(),
            kind,
        })
    }
}

/// The schema's label for a name: exactly, else ignoring case where only one label matches.
pub fn schema_label<'a>(schema: &'a Schema, name: &str) -> Option<&'a Label> {
    schema.label_ignoring_case(name)
}

/// What a label of the file becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// This label of the schema.
    Existing(String),
    /// A label to add to the schema, of this kind.
    New(String, LabelKind),
    /// Not imported: its spans are skipped and reported together.
    Skip,
}

/// The file's labels and what each becomes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelPlan {
    /// Per label of the file: how many spans use it, and what it becomes.
    pub labels: BTreeMap<String, (usize, Target)>,
}

/// A label of the file the schema does not have, for the app's dialog and the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// The label as the file has it.
    pub label: String,
    /// How many spans use it.
    pub count: usize,
}

/// The labels a reader's candidates use, with how many spans each.
pub fn labels_used(parsed: &Parsed) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for c in &parsed.candidates {
        *out.entry(c.label.clone()).or_default() += 1;
    }
    out
}

/// The labels of `parsed` that neither the schema (ignoring case) nor a rule covers.
pub fn unknown_labels(schema: &Schema, parsed: &Parsed) -> Vec<Unknown> {
    labels_used(parsed)
        .into_iter()
        .filter(|(label, _)| schema_label(schema, label).is_none())
        .map(|(label, count)| Unknown { label, count })
        .collect()
}

/// Decides what each label of `parsed` becomes under `request`. A rule whose target the
/// schema lacks needs `add_labels`; a rule for a label the file does not use is harmless.
pub fn resolve(
    schema: &Schema,
    parsed: &Parsed,
    request: &MappingRequest,
) -> Result<LabelPlan, MappingError> {
    let known = || {
        schema
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Each rule's target, checked once.
    let mut targets: Vec<(&MapRule, Target)> = Vec::new();
    for rule in &request.rules {
        let target = match schema_label(schema, &rule.to) {
            Some(label) => {
                if let Some(kind) = rule.kind
                    && kind != label.kind
                {
                    return Err(MappingError::KindDiffers {
                        from: rule.from.clone(),
                        to: label.name.clone(),
                        kind: kind.name(),
                        existing: label.kind.name(),
                    });
                }
                Target::Existing(label.name.clone())
            }
            None if request.add_labels => {
                if let Some(problem) = crate::model::schema::name_problem(&rule.to) {
                    return Err(MappingError::BadName {
                        from: rule.from.clone(),
                        to: rule.to.clone(),
                        problem,
                    });
                }
                Target::New(rule.to.clone(), rule.kind.unwrap_or(LabelKind::Entity))
            }
            None => {
                return Err(MappingError::NoSuchLabel {
                    from: rule.from.clone(),
                    to: rule.to.clone(),
                    known: known(),
                });
            }
        };
        targets.push((rule, target));
    }
    let mut plan = LabelPlan::default();
    for (label, count) in labels_used(parsed) {
        if request.skip.contains(&label) {
            plan.labels.insert(label, (count, Target::Skip));
            continue;
        }
        // A rule for exactly this label wins over one that matches it ignoring case.
        let rule = targets
            .iter()
            .find(|(r, _)| r.from == label)
            .or_else(|| {
                let lower = label.to_lowercase();
                targets.iter().find(|(r, _)| r.from.to_lowercase() == lower)
            })
            .map(|(_, t)| t.clone());
        let target = match rule {
            Some(t) => t,
            None => match schema_label(schema, &label) {
                Some(l) => Target::Existing(l.name.clone()),
                None if request.add_labels
                    && crate::model::schema::name_problem(&label).is_none() =>
                {
                    Target::New(label.clone(), LabelKind::Entity)
                }
                None => Target::Skip,
            },
        };
        plan.labels.insert(label, (count, target));
    }
    // Two file labels added under names that differ only in case would make two labels the
    // case-insensitive match cannot tell apart: the first name is used for both.
    let mut added: BTreeMap<String, String> = BTreeMap::new();
    for (_, target) in plan.labels.values_mut() {
        if let Target::New(name, _) = target {
            let first = added
                .entry(name.to_lowercase())
                .or_insert_with(|| name.clone());
            name.clone_from(first);
        }
    }
    Ok(plan)
}

impl LabelPlan {
    /// The labels to add to the schema, in order of name, each once.
    pub fn new_labels(&self, schema: &Schema) -> Vec<Label> {
        let mut out: Vec<Label> = Vec::new();
        for (_, target) in self.labels.values() {
            if let Target::New(name, kind) = target
                && !out.iter().any(|l| &l.name == name)
            {
                let taken: Vec<Color> = schema
                    .labels
                    .iter()
                    .chain(out.iter())
                    .map(|l| l.color)
                    .collect();
                out.push(Label {
                    name: name.clone(),
                    kind: *kind,
                    color: free_color(&taken),
                    hotkey: None,
                    attributes: Vec::new(),
                    help: "Added by an import".to_owned(),
                });
            }
        }
        out
    }

    /// Renames the candidates' labels to their targets and takes out those of skipped labels,
    /// which are reported by [`Self::skipped`] instead of one line per span.
    pub fn rename(&self, parsed: &mut Parsed) {
        parsed.candidates.retain_mut(|c: &mut Candidate| {
            match self.labels.get(&c.label).map(|(_, t)| t) {
                Some(Target::Existing(name) | Target::New(name, _)) => {
                    c.label.clone_from(name);
                    true
                }
                Some(Target::Skip) => false,
                None => true,
            }
        });
    }

    /// The file labels that are skipped, with their counts.
    pub fn skipped(&self) -> Vec<Unknown> {
        self.labels
            .iter()
            .filter(|(_, (_, t))| *t == Target::Skip)
            .map(|(label, (count, _))| Unknown {
                label: label.clone(),
                count: *count,
            })
            .collect()
    }

    /// The file labels that were mapped to another name (ignoring case, or by a rule), as
    /// `FROM → TO` for the report.
    pub fn mapped(&self) -> Vec<String> {
        self.labels
            .iter()
            .filter_map(|(from, (count, t))| match t {
                Target::Existing(to) if to != from => Some(format!("{from} → {to} ({count})")),
                Target::New(to, kind) => Some(format!(
                    "{from} → {to} ({count}, a new {} label)",
                    kind.name()
                )),
                _ => None,
            })
            .collect()
    }

    /// The report of the skipped labels: one line per label with its count, then how to map
    /// them. Empty when nothing was skipped for its label.
    pub fn skipped_report(&self, schema: &Schema, file: &std::path::Path) -> Vec<Skipped> {
        let skipped = self.skipped();
        if skipped.is_empty() {
            return Vec::new();
        }
        let known: Vec<&str> = schema.labels.iter().map(|l| l.name.as_str()).collect();
        let mut out: Vec<Skipped> = skipped
            .iter()
            .map(|u| {
                Skipped::new(
                    file,
                    0,
                    format!(
                        "label {:?} is not in the project's schema: {} {} skipped",
                        u.label,
                        u.count,
                        if u.count == 1 { "span" } else { "spans" }
                    ),
                )
            })
            .collect();
        let mut how = String::from("map them with");
        for u in &skipped {
            let _ = write!(how, " --map {}=<label>", shell_word(&u.label));
        }
        let _ = write!(
            how,
            " (the project's labels: {}), or add them to the schema with --add-labels",
            known.join(", ")
        );
        out.push(Skipped::new(file, 0, how));
        out
    }
}

/// One row of the app's import dialog: a label of the file the schema does not have, how many
/// spans use it, and the project's label proposed for it (the dialog's default choice; the
/// analyst may pick another label, "add as a new label" or "skip").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelChoice {
    /// The label as the file has it.
    pub label: String,
    /// How many spans use it.
    pub count: usize,
    /// The schema's label proposed ([`suggest`]), if any.
    pub suggested: Option<String>,
}

/// The rows of the import dialog, before anything is imported: every label of `parsed` that
/// the schema does not have (ignoring case), by name, with its count and a proposed mapping.
/// Labels the schema has are not listed: they are imported as they are.
pub fn label_choices(schema: &Schema, parsed: &Parsed) -> Vec<LabelChoice> {
    unknown_labels(schema, parsed)
        .into_iter()
        .map(|u| LabelChoice {
            suggested: suggest(schema, &u.label),
            label: u.label,
            count: u.count,
        })
        .collect()
}

/// One answer of the import dialog: a file's label and what it becomes (see
/// [`request_from_choices`]).
pub type Choice = (String, Option<(String, Option<LabelKind>)>);

/// What the dialog's choices ask for, as `--map` would: `(file label, Some((target, kind)))`
/// maps to a label of the schema, or adds one of that name and kind (entity when `None`)
/// when the schema lacks it; `(file label, None)` skips the label's spans. The dialog gives
/// a choice for every row of [`label_choices`] (its default: the suggestion, else skip): a
/// label the schema lacks and the choices leave out is added under its own name, as with
/// `--add-labels`. Labels the schema has are imported as they are.
pub fn request_from_choices(choices: &[Choice]) -> MappingRequest {
    let mut request = MappingRequest::default();
    for (from, choice) in choices {
        match choice {
            Some((to, kind)) => request.rules.push(MapRule {
                from: from.clone(),
                to: to.clone(),
                kind: *kind,
            }),
            None => {
                request.skip.insert(from.clone());
            }
        }
    }
    // Targets the schema lacks are added (the dialog's "add as a new label").
    request.add_labels = true;
    request
}

/// Names other tools use for the default schema's labels (spaCy, CoNLL, OntoNotes, doccano
/// and Label Studio templates), upper case.
const SYNONYMS: [(&str, &[&str]); 7] = [
    ("Person", &["PER", "PERS", "PEOPLE", "HUMAN"]),
    (
        "Organization",
        &["ORG", "ORGANISATION", "COMPANY", "CORP", "INSTITUTION"],
    ),
    (
        "Place",
        &[
            "LOC", "LOCATION", "GPE", "FAC", "FACILITY", "CITY", "COUNTRY",
        ],
    ),
    ("Event", &["EVT"]),
    ("Other", &["MISC", "MISCELLANEOUS"]),
    ("Claim", &["FACT", "STATEMENT", "ASSERTION"]),
    ("Prediction", &["PRED", "FORECAST", "PROGNOSIS"]),
];

/// The schema's label proposed for a file's label it lacks: a conventional name of another
/// tool for one of its labels (`ORG` → Organization, `LOC` and `GPE` → Place, `MISC` →
/// Other), else the one label whose name starts with the file's or the file's with it,
/// ignoring case, at least three letters (`Org` → Organization, `Predictions` →
/// Prediction). None when nothing fits or several labels would.
pub fn suggest(schema: &Schema, label: &str) -> Option<String> {
    let upper = label.trim().to_uppercase();
    for (name, others) in SYNONYMS {
        if others.contains(&upper.as_str())
            && let Some(l) = schema_label(schema, name)
        {
            return Some(l.name.clone());
        }
    }
    let lower = label.trim().to_lowercase();
    if lower.chars().count() < 3 {
        return None;
    }
    let mut fits = schema.labels.iter().filter(|l| {
        let name = l.name.to_lowercase();
        name.chars().count() >= 3 && (name.starts_with(&lower) || lower.starts_with(&name))
    });
    match (fits.next(), fits.next()) {
        (Some(only), None) => Some(only.name.clone()),
        _ => None,
    }
}

/// An import planned with a mapping: what each label becomes, the labels to add to the
/// schema first (only those an imported annotation uses), and the edits.
#[derive(Debug)]
pub struct MappedImport {
    /// What each label of the file becomes (for the report: [`LabelPlan::mapped`],
    /// [`LabelPlan::skipped_report`]).
    pub labels: LabelPlan,
    /// Labels to add to the schema before the edits are applied
    /// ([`crate::store::ProjectStore::add_labels`]).
    pub new_labels: Vec<Label>,
    /// The checked edits, one group per document, and what was skipped.
    pub plan: super::import::Plan,
}

impl MappedImport {
    /// How many spans were skipped: for their label, and for not fitting.
    pub fn skipped_count(&self) -> usize {
        self.plan.outcome.skipped.len()
            + self.labels.skipped().iter().map(|u| u.count).sum::<usize>()
    }
}

/// Maps the labels of what a reader produced under `request`, and plans the import against
/// the project with the new labels (on a copy; the project is left as it is). `lector import`
/// and the app's import dialog both go through here.
pub fn plan_import(
    project: &crate::model::Project,
    annotator: &str,
    mut parsed: Parsed,
    request: &MappingRequest,
) -> Result<MappedImport, MappingError> {
    let labels = resolve(&project.schema, &parsed, request)?;
    labels.rename(&mut parsed);
    let new_labels = labels.new_labels(&project.schema);
    let mut scratch = project.clone();
    scratch.schema.labels.extend(new_labels.iter().cloned());
    let plan = super::import::plan(&scratch, annotator, parsed);
    drop(scratch);
    let used: std::collections::BTreeSet<&str> = plan
        .edits
        .iter()
        .flat_map(|(_, group)| group)
        .filter_map(|e| match e {
            crate::model::edit::Edit::Insert(a) => Some(a.label.as_str()),
            _ => None,
        })
        .collect();
    let new_labels = new_labels
        .into_iter()
        .filter(|l| used.contains(l.name.as_str()))
        .collect();
    Ok(MappedImport {
        labels,
        new_labels,
        plan,
    })
}

/// A label as one shell word, for a suggested command.
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A colour for a new label: the first of a colour-blind-safe set no label uses yet.
fn free_color(taken: &[Color]) -> Color {
    const PALETTE: [[u8; 3]; 10] = [
        [0x88, 0x22, 0x55],
        [0x44, 0xaa, 0x99],
        [0x99, 0x99, 0x33],
        [0xaa, 0x44, 0x99],
        [0x33, 0x22, 0x88],
        [0x11, 0x77, 0x33],
        [0x88, 0xcc, 0xee],
        [0xdd, 0xcc, 0x77],
        [0xcc, 0x66, 0x77],
        [0x66, 0x66, 0x66],
    ];
    PALETTE
        .iter()
        .map(|&c| Color(c))
        .find(|c| !taken.contains(c))
        .unwrap_or(Color([0x66, 0x66, 0x66]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(labels: &[&str]) -> Parsed {
        Parsed {
            candidates: labels
                .iter()
                .map(|l| Candidate {
                    label: (*l).to_owned(),
                    ..Candidate::default()
                })
                .collect(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn case_is_ignored_and_the_rest_skipped() {
        let schema = Schema::news_default();
        let p = parsed(&["PERSON", "ORG", "ORG", "claim"]);
        let plan = resolve(&schema, &p, &MappingRequest::default()).unwrap();
        assert_eq!(plan.labels["PERSON"].1, Target::Existing("Person".into()));
        assert_eq!(plan.labels["claim"].1, Target::Existing("Claim".into()));
        assert_eq!(
            plan.skipped(),
            [Unknown {
                label: "ORG".into(),
                count: 2
            }]
        );
        let report = plan.skipped_report(&schema, std::path::Path::new("x.jsonl"));
        assert!(
            report[0]
                .reason
                .contains("\"ORG\" is not in the project's schema: 2 spans")
        );
        assert!(
            report[1].reason.contains("--map ORG=<label>"),
            "{:?}",
            report[1]
        );
    }

    #[test]
    fn rules_and_new_labels() {
        let schema = Schema::news_default();
        let p = parsed(&["ORG", "PLACE", "FACT"]);
        let request = MappingRequest {
            rules: vec![
                "ORG=organization".parse().unwrap(),
                "PLACE=Place".parse().unwrap(),
                "FACT=Fact:claim".parse().unwrap(),
            ],
            add_labels: false,
            ..Default::default()
        };
        assert!(matches!(
            resolve(&schema, &p, &request),
            Err(MappingError::NoSuchLabel { .. })
        ));
        let request = MappingRequest {
            add_labels: true,
            ..request
        };
        let plan = resolve(&schema, &p, &request).unwrap();
        assert_eq!(
            plan.labels["ORG"].1,
            Target::Existing("Organization".into())
        );
        assert_eq!(
            plan.labels["FACT"].1,
            Target::New("Fact".into(), LabelKind::Claim)
        );
        let new = plan.new_labels(&schema);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].kind, LabelKind::Claim);
        assert!(schema.labels.iter().all(|l| l.color != new[0].color));
    }

    #[test]
    fn rules_are_checked() {
        assert!(matches!(
            "ORG".parse::<MapRule>(),
            Err(MappingError::Syntax { .. })
        ));
        assert!(matches!(
            "ORG=X:thing".parse::<MapRule>(),
            Err(MappingError::Kind { .. })
        ));
        let schema = Schema::news_default();
        let request = MappingRequest {
            rules: vec!["X=Person:claim".parse().unwrap()],
            add_labels: true,
            ..Default::default()
        };
        assert!(matches!(
            resolve(&schema, &parsed(&["X"]), &request),
            Err(MappingError::KindDiffers { .. })
        ));
    }
}
