//! `lector annotate`: add one annotation from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::print;
use crate::model::validate::parse_value;
use crate::model::{Annotation, Entity, EntityId, LabelKind, checked_fragments, project};
use crate::session::{Edit, Session};
use crate::store::{ProjectStore, set_path};

/// Arguments of `lector annotate`.
#[derive(Debug, clap::Args)]
pub struct AnnotateArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Document id (see `lector stats`).
    #[arg(long)]
    pub document: String,
    /// Whose annotation it is.
    #[arg(long)]
    pub annotator: String,
    /// Label name, as in the schema.
    #[arg(long)]
    pub label: String,
    /// Char offsets on the stored text, `START:END`; several, comma-separated, make a
    /// discontinuous span.
    #[arg(long)]
    pub span: String,
    /// An attribute, `KEY=VALUE`; entities by id or name. Repeatable. A Prediction's `due`
    /// takes a date or a phrase ("by the end of 2027", "inom två år") read against the
    /// document's publication date; how it was read is said on stderr. A Prediction without
    /// `certainty` gets one proposed from the hedge words of its sentence (said on stderr).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// For entity labels: the canonical entity (id or name) this mention refers to; made if
    /// the annotator has none of that name.
    #[arg(long)]
    pub entity: Option<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
}

fn parse_spans(spec: &str) -> anyhow::Result<Vec<(u32, u32)>> {
    spec.split(',')
        .map(|part| {
            let (a, b) = part
                .split_once(':')
                .with_context(|| format!("--span {part:?} is not START:END"))?;
            let a = a
                .trim()
                .parse()
                .with_context(|| format!("--span start {a:?} is not a number"))?;
            let b = b
                .trim()
                .parse()
                .with_context(|| format!("--span end {b:?} is not a number"))?;
            Ok((a, b))
        })
        .collect()
}

pub fn run(args: &AnnotateArgs) -> anyhow::Result<ExitCode> {
    if let Some(problem) = project::annotator_name_problem(&args.annotator) {
        anyhow::bail!(problem);
    }
    let (store, _problems) = ProjectStore::open(&args.dir)?;
    if let Some(other) = store
        .project
        .annotators()
        .into_iter()
        .find(|a| a != &args.annotator && a.to_lowercase() == args.annotator.to_lowercase())
    {
        anyhow::bail!(
            "there is an annotator {other:?} already; names that differ only in case clash on \
             Windows and macOS, so use {other:?}"
        );
    }
    let rel = set_path(&args.document, &args.annotator);
    if let Some(reason) = store.read_only_reason(&rel) {
        anyhow::bail!(
            "cannot annotate: {reason}: {}",
            args.dir.join(&rel).display()
        );
    }
    let project = &store.project;
    let document = project.document(&args.document).with_context(|| {
        format!(
            "there is no document {:?} in {}",
            args.document,
            args.dir.display()
        )
    })?;
    let anchor = document.meta.anchor_date();
    let text = document.text.clone();
    let label = project
        .schema
        .label(&args.label)
        .with_context(|| {
            let names: Vec<&str> = project
                .schema
                .labels
                .iter()
                .map(|l| l.name.as_str())
                .collect();
            format!(
                "there is no label {:?}; the labels are {}",
                args.label,
                names.join(", ")
            )
        })?
        .clone();
    let fragments = checked_fragments(&text, &parse_spans(&args.span)?)
        .with_context(|| format!("--span {}", args.span))?;
    if let Some(same) = project
        .set(&args.document, &args.annotator)
        .and_then(|set| set.same_as(&label.name, &fragments))
    {
        anyhow::bail!(
            "not added: {} already has this {} annotation ({})",
            args.annotator,
            label.name,
            same.id
        );
    }
    let mut annotation = Annotation::new(&label.name, fragments);
    annotation.note = args.note.clone().unwrap_or_default();

    let mut new_entity = None;
    if let Some(entity) = &args.entity {
        anyhow::ensure!(
            label.kind == LabelKind::Entity,
            "--entity links entity mentions; {:?} is a {} label",
            label.name,
            label.kind.name()
        );
        let registry = project.registry(&args.annotator);
        let existing = registry.and_then(|r| {
            r.get(&EntityId(entity.clone())).or_else(|| {
                r.entities
                    .iter()
                    .find(|e| e.name.to_lowercase() == entity.to_lowercase())
            })
        });
        annotation.entity = Some(match existing {
            Some(e) => e.id.clone(),
            None => {
                let id = registry.map_or_else(|| EntityId::slug(entity), |r| r.fresh_id(entity));
                new_entity = Some(Entity {
                    id: id.clone(),
                    name: entity.clone(),
                    label: label.name.clone(),
                    note: String::new(),
                });
                id
            }
        });
    }
    // Attribute values may name the entity made here.
    let mut registry = project
        .registry(&args.annotator)
        .cloned()
        .unwrap_or_default();
    if let Some(entity) = new_entity.clone() {
        registry.upsert(entity);
    }
    let mut copied: Vec<Entity> = Vec::new();
    for attr in &args.attrs {
        let (key, value) = attr
            .split_once('=')
            .with_context(|| format!("--attr {attr:?} is not KEY=VALUE"))?;
        let def = label.attribute(key).with_context(|| {
            let names: Vec<&str> = label.attributes.iter().map(|a| a.name.as_str()).collect();
            format!(
                "label {:?} has no attribute {key:?}; it has: {}",
                label.name,
                names.join(", ")
            )
        })?;
        anyhow::ensure!(
            !value.trim().is_empty(),
            "--attr {key}: the value is empty; leave the attribute out instead"
        );
        let value = if is_due(label.kind, def) {
            // A phrase is read, never guessed: what cannot be read is an error.
            let reading = crate::predict::read_due(value, anchor)
                .map_err(|e| anyhow::anyhow!("--attr {key}: {e}"))?;
            if value.trim() != reading.date.to_string() {
                eprintln!("due: {}", reading.explanation);
            }
            crate::model::AttrValue::Date(reading.date)
        } else {
            match parse_value(&def.ty, value, Some(&registry)) {
                Ok(value) => value,
                // An entity of a colleague's, as the app's pickers offer: copied into the
                // annotator's registry with its id.
                Err(err) => match colleagues_entity(project, &args.annotator, value)
                    .filter(|_| matches!(def.ty, crate::model::AttrType::Entity))
                {
                    Some(entity) => {
                        let id = entity.id.clone();
                        registry.upsert(entity.clone());
                        copied.push(entity);
                        crate::model::AttrValue::Entity(id)
                    }
                    None => anyhow::bail!("--attr {key}: {err}"),
                },
            }
        };
        anyhow::ensure!(
            annotation
                .attributes
                .insert(key.to_owned(), value)
                .is_none(),
            "--attr {key} is given twice"
        );
    }

    if label.kind == LabelKind::Prediction {
        propose_certainty(project, &label, &text, &mut annotation);
    }

    // Through a session, like the app: the files are locked while they are written, and
    // what another writer saved meanwhile is merged, never written over.
    let id = annotation.id.clone();
    let mut edits: Vec<Edit> = new_entity
        .into_iter()
        .chain(copied)
        .map(|e| Edit::UpsertEntity(Box::new(e)))
        .collect();
    edits.push(Edit::insert(annotation));
    let mut session = Session::headless(store, &args.annotator);
    if let Some(migration) = session.migrate_resolutions() {
        if let Some(err) = migration.errors.into_iter().next() {
            return Err(anyhow::Error::new(err).context("not added"));
        }
        eprintln!(
            "moved {} resolutions of {} from annotation files of format 1 into {}",
            migration.moved,
            args.annotator,
            migration.file.display()
        );
    }
    session
        .apply(&args.document, edits)
        .map_err(|e| anyhow::anyhow!("not added: {e}"))?;
    let errors = session.save_now();
    if let Some(err) = errors.into_iter().next() {
        return Err(anyhow::Error::new(err).context("not added"));
    }
    print(&format!("{id}\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// Whether an attribute is a prediction's due date, which takes phrases.
fn is_due(kind: LabelKind, def: &crate::model::AttributeDef) -> bool {
    kind == LabelKind::Prediction
        && def.name == "due"
        && matches!(def.ty, crate::model::AttrType::Date)
}

/// Proposes a certainty from the hedge cues of the span and its sentence where none was
/// given, stores it (and a stated probability, where the label has `probability`), and says
/// on stderr what it proposed and from which words.
fn propose_certainty(
    project: &crate::model::Project,
    label: &crate::model::Label,
    text: &crate::model::DocText,
    annotation: &mut Annotation,
) {
    if label.attribute("certainty").is_none() || annotation.attributes.contains_key("certainty") {
        return;
    }
    let settings = &project.predict;
    let Some(proposal) = crate::predict::propose(
        text.as_str(),
        annotation.start(),
        annotation.end(),
        &settings.lexicon(),
        &settings.probabilities,
    ) else {
        eprintln!("certainty: no hedge word found in the sentence; not set");
        return;
    };
    annotation.attributes.insert(
        "certainty".to_owned(),
        crate::model::AttrValue::Choice(proposal.certainty.name().to_owned()),
    );
    if let Some(p) = proposal.stated_probability
        && label.attribute("probability").is_some()
        && !annotation.attributes.contains_key("probability")
    {
        annotation
            .attributes
            .insert("probability".to_owned(), crate::model::AttrValue::Number(p));
    }
    eprintln!("certainty: proposed {}", proposal.explanation);
}

/// An entity of another annotator's registry named by id or name (any case), the
/// colleagues taken by name: what the app's pickers find for an entity the annotator has
/// not linked yet.
fn colleagues_entity(project: &crate::model::Project, me: &str, input: &str) -> Option<Entity> {
    let input = input.trim();
    let lower = input.to_lowercase();
    let own = project.registry(me);
    // An id the annotator's registry has already is another entity of theirs: copying the
    // colleague's would replace it (the app's pickers leave such an entity out too).
    let others = || {
        project
            .entities
            .iter()
            .filter(|(who, _)| who.as_str() != me)
            .flat_map(|(_, r)| r.entities.iter())
            .filter(|e| own.is_none_or(|r| r.get(&e.id).is_none()))
    };
    others()
        .find(|e| e.id.0 == input)
        .or_else(|| others().find(|e| e.name.to_lowercase() == lower))
        .cloned()
}
