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
//! annotation uses) before the import is planned.

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
        };
        assert!(matches!(
            resolve(&schema, &parsed(&["X"]), &request),
            Err(MappingError::KindDiffers { .. })
        ));
    }
}
