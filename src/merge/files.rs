//! One merge per kind of per-person file: annotations, entities, review decisions. Each reads
//! the three versions as version-1 file shapes, merges their entries by key
//! ([`super::keyed`]) and writes the file as Lector does, sorted the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::keyed::{self, Keyed, Sides};
use super::{Conflict, Merged, Versions};
use crate::store::ron_file::{self, CURRENT_VERSION};
use crate::store::suggested::{SuggestionEntry, SuggestionsFile, TriageEntry, TriageFile};
use crate::store::{v1, v2};

/// Annotations are at most this long in messages.
const QUOTE_CHARS: usize = 40;

/// `annotations/<annotator>/<document>.ron`: annotations by id, the progress three-way.
pub(super) fn annotations(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<v1::SetFile>(file, versions)?;
    let (document, annotator) = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| (f.document.clone(), f.annotator.clone()))
        .unwrap_or_default();
    let split =
        |f: Option<v1::SetFile>| f.map_or((None, Vec::new()), |f| (Some(f.status), f.annotations));
    let (base_status, base) = split(base);
    let (ours_status, ours) = split(ours);
    let (theirs_status, theirs) = split(theirs);
    let mut notes = Vec::new();
    let fp = |s: Option<v1::Status>| s.map(|s| fingerprint(&s));
    let status = if theirs_status.is_none()
        || fp(theirs_status) == fp(base_status)
        || fp(theirs_status) == fp(ours_status)
    {
        ours_status
    } else if ours_status.is_none() || fp(ours_status) == fp(base_status) {
        theirs_status
    } else {
        notes.push(format!(
            "the progress was set on both sides: kept {:?}; the other was {:?}",
            ours_status.unwrap_or_default(),
            theirs_status.unwrap_or_default()
        ));
        ours_status
    };
    let (mut annotations, more) =
        keyed::merge(Sides { base, ours, theirs }).map_err(|d| duplicate(&d))?;
    notes.extend(more);
    annotations.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let merged = v1::SetFile {
        format_version: written_version(versions),
        document,
        annotator,
        status: status.unwrap_or_default(),
        annotations,
    };
    written(file, &merged, notes)
}

/// The order Lector writes annotations in: start, end, id.
fn sort_key(a: &v1::AnnotationEntry) -> (u32, u32, &str) {
    let start = a.fragments.first().map_or(0, |f| f.0);
    let end = a.fragments.last().map_or(0, |f| f.1);
    (start, end, &a.id)
}

impl Keyed for v1::AnnotationEntry {
    type Key = String;

    fn key(&self) -> String {
        self.id.clone()
    }

    fn name(key: &String) -> String {
        format!("annotation {key}")
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.modified)
    }

    fn describe(&self) -> String {
        let quote: Vec<&str> = self.fragments.iter().map(|f| f.2.as_str()).collect();
        format!("{} “{}”", self.label, shorten(&quote.join(" … ")))
    }

    fn differences(&self, other: &Self) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, mine: String, theirs: String| {
            if mine != theirs {
                out.push(format!(
                    "{what} “{}”, the other had “{}”",
                    shorten(&mine),
                    shorten(&theirs)
                ));
            }
        };
        // The label and the quoted text show in both descriptions already.
        differ(
            "entity",
            self.entity.clone().unwrap_or_default(),
            other.entity.clone().unwrap_or_default(),
        );
        let names: BTreeSet<&String> = self
            .attributes
            .keys()
            .chain(other.attributes.keys())
            .collect();
        for name in names {
            let value = |a: &Self| a.attributes.get(name).map_or_else(String::new, value_text);
            differ(name, value(self), value(other));
        }
        differ("note", self.note.clone(), other.note.clone());
        out
    }
}

/// An attribute value as the user reads it.
fn value_text(value: &v1::Value) -> String {
    match value {
        v1::Value::Choice(s)
        | v1::Value::Text(s)
        | v1::Value::Date(s)
        | v1::Value::Entity(s)
        | v1::Value::Annotation(s) => s.clone(),
        v1::Value::Number(n) => n.to_string(),
    }
}

/// `entities/<annotator>.ron`: entities by id.
pub(super) fn entities(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<v1::EntitiesFile>(file, versions)?;
    let annotator = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| f.annotator.clone())
        .unwrap_or_default();
    let list = |f: Option<v1::EntitiesFile>| f.map(|f| f.entities).unwrap_or_default();
    let (mut entities, notes) = keyed::merge(Sides {
        base: list(base),
        ours: list(ours),
        theirs: list(theirs),
    })
    .map_err(|d| duplicate(&d))?;
    entities.sort_by(|a, b| a.id.cmp(&b.id));
    let merged = v1::EntitiesFile {
        format_version: written_version(versions),
        annotator,
        entities,
    };
    written(file, &merged, notes)
}

impl Keyed for v1::EntityEntry {
    type Key = String;

    fn key(&self) -> String {
        self.id.clone()
    }

    fn name(key: &String) -> String {
        format!("entity {key}")
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn describe(&self) -> String {
        format!("{} “{}”", self.label, shorten(&self.name))
    }
}

/// `reviews/<reviewer>/<document>.ron`: decisions by the annotations they compare, comments
/// by the annotation they are about.
pub(super) fn reviews(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<v1::ReviewFile>(file, versions)?;
    let (document, reviewer) = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| (f.document.clone(), f.reviewer.clone()))
        .unwrap_or_default();
    let (mut decisions, mut comments, notes) =
        merge_two([base, ours, theirs], |f| (f.decisions, f.comments))?;
    decisions.sort_by(|a, b| (a.span, &a.sources).cmp(&(b.span, &b.sources)));
    comments.sort_by(|a, b| (&a.annotator, &a.annotation).cmp(&(&b.annotator, &b.annotation)));
    let merged = v1::ReviewFile {
        format_version: written_version(versions),
        document,
        reviewer,
        decisions,
        comments,
    };
    written(file, &merged, notes)
}

impl Keyed for v1::DecisionEntry {
    type Key = BTreeMap<String, String>;

    fn key(&self) -> Self::Key {
        self.sources.clone()
    }

    fn name(key: &Self::Key) -> String {
        let compared: Vec<String> = key
            .iter()
            .map(|(who, id)| format!("{who}'s {id}"))
            .collect();
        format!("the decision on {}", compared.join(" and "))
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.at)
    }

    fn describe(&self) -> String {
        let choice = match &self.choice {
            v1::ChoiceEntry::Agreed => "agreed".to_owned(),
            v1::ChoiceEntry::Take(who) => format!("took {who}'s"),
            v1::ChoiceEntry::All => "took all".to_owned(),
            v1::ChoiceEntry::Neither => "took neither".to_owned(),
            v1::ChoiceEntry::Edited => "edited".to_owned(),
        };
        if self.note.is_empty() {
            choice
        } else {
            format!("{choice}, “{}”", shorten(&self.note))
        }
    }
}

impl Keyed for v1::CommentEntry {
    type Key = (String, String);

    fn key(&self) -> Self::Key {
        (self.annotator.clone(), self.annotation.clone())
    }

    fn name(key: &Self::Key) -> String {
        format!("the comment on {}'s annotation {}", key.0, key.1)
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.at)
    }

    fn describe(&self) -> String {
        format!("“{}”", shorten(&self.text))
    }
}

/// `resolutions/<resolver>.ron`: how predictions turned out and claims' verdicts, each by the
/// annotation it settles; the later record wins where both sides changed one.
pub(super) fn resolutions(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<v2::ResolutionsFile>(file, versions)?;
    let resolver = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| f.resolver.clone())
        .unwrap_or_default();
    let (mut predictions, mut claims, notes) =
        merge_two([base, ours, theirs], |f| (f.predictions, f.claims))?;
    predictions.sort_by_key(Keyed::key);
    claims.sort_by_key(Keyed::key);
    let merged = v2::ResolutionsFile {
        format_version: written_version(versions).max(2),
        resolver,
        predictions,
        claims,
    };
    written(file, &merged, notes)
}

impl Keyed for v2::ResolutionEntry {
    type Key = (String, String, String);

    fn key(&self) -> Self::Key {
        (
            self.document.clone(),
            self.annotator.clone(),
            self.annotation.clone(),
        )
    }

    fn name(key: &Self::Key) -> String {
        format!(
            "the resolution of {}'s prediction {} in {}",
            key.1, key.2, key.0
        )
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.at)
    }

    fn describe(&self) -> String {
        format!("{} “{}”", self.status, shorten(&self.quote))
    }
}

impl Keyed for v2::VerdictEntry {
    type Key = (String, String, String);

    fn key(&self) -> Self::Key {
        (
            self.document.clone(),
            self.annotator.clone(),
            self.annotation.clone(),
        )
    }

    fn name(key: &Self::Key) -> String {
        format!("the verdict on {}'s claim {} in {}", key.1, key.2, key.0)
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.at)
    }

    fn describe(&self) -> String {
        format!("{} “{}”", self.verdict, shorten(&self.quote))
    }
}

/// `suggestions/<source>/<document>.ron`: suggested spans by span, label and entity;
/// entities by id.
pub(super) fn suggestions(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<SuggestionsFile>(file, versions)?;
    let (source, document) = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| (f.source.clone(), f.document.clone()))
        .unwrap_or_default();
    let (mut suggestions, mut entities, notes) =
        merge_two([base, ours, theirs], |f| (f.suggestions, f.entities))?;
    suggestions.sort_by_key(Keyed::key);
    entities.sort_by(|a, b| a.id.cmp(&b.id));
    let merged = SuggestionsFile {
        format_version: written_version(versions).max(2),
        source,
        document,
        suggestions,
        entities,
    };
    written(file, &merged, notes)
}

impl Keyed for SuggestionEntry {
    type Key = (u32, u32, String, Option<String>);

    fn key(&self) -> Self::Key {
        (
            self.start,
            self.end,
            self.label.clone(),
            self.entity.clone(),
        )
    }

    fn name(key: &Self::Key) -> String {
        format!("the suggestion {}:{} {}", key.0, key.1, key.2)
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn describe(&self) -> String {
        format!("{} “{}”", self.label, shorten(&self.text))
    }
}

/// `triage/<annotator>.ron`: decisions on suggestions by document, span and label; the later
/// decision wins where both sides decided differently.
pub(super) fn triage(file: &Path, versions: &Versions<'_>) -> Result<Merged, Conflict> {
    let [base, ours, theirs] = parse_all::<TriageFile>(file, versions)?;
    let annotator = ours
        .as_ref()
        .or(theirs.as_ref())
        .map(|f| f.annotator.clone())
        .unwrap_or_default();
    let list = |f: Option<TriageFile>| f.map(|f| f.decisions).unwrap_or_default();
    let (mut decisions, notes) = keyed::merge(Sides {
        base: list(base),
        ours: list(ours),
        theirs: list(theirs),
    })
    .map_err(|d| duplicate(&d))?;
    decisions.sort_by_key(Keyed::key);
    let merged = TriageFile {
        format_version: written_version(versions).max(2),
        annotator,
        decisions,
    };
    written(file, &merged, notes)
}

impl Keyed for TriageEntry {
    type Key = (String, u32, u32, String);

    fn key(&self) -> Self::Key {
        (
            self.document.clone(),
            self.start,
            self.end,
            self.label.clone(),
        )
    }

    fn name(key: &Self::Key) -> String {
        format!(
            "the decision on the suggestion {}:{} {} in {}",
            key.1, key.2, key.3, key.0
        )
    }

    fn fingerprint(&self) -> String {
        fingerprint(self)
    }

    fn changed_at(&self) -> Option<&str> {
        Some(&self.at)
    }

    fn describe(&self) -> String {
        format!("{} “{}”", self.decision, shorten(&self.text))
    }
}

/// The three versions parsed; `None` for a side that has no file (an empty version). A
/// version that cannot be read, or is of a newer format than this Lector writes (merging it
/// would drop what this Lector does not know), is a conflict for a person.
fn parse_all<T: DeserializeOwned>(
    file: &Path,
    versions: &Versions<'_>,
) -> Result<[Option<T>; 3], Conflict> {
    let mut out = [None, None, None];
    for (slot, (side, text)) in out.iter_mut().zip(versions.named()) {
        if text.trim().is_empty() {
            continue;
        }
        let named = Path::new(&format!("{} ({side})", file.display())).to_path_buf();
        ron_file::preflight(&named, text.as_bytes())
            .map_err(|p| Conflict::reason(p.to_string()))?;
        let version =
            ron_file::format_version(&named, text).map_err(|p| Conflict::reason(p.to_string()))?;
        if version > CURRENT_VERSION {
            return Err(Conflict::reason(format!(
                "{}: written by a newer Lector (format {version}; this one knows up to \
                 {CURRENT_VERSION}), so merging it here could drop what this Lector does not \
                 know: update Lector, then merge again",
                named.display()
            )));
        }
        *slot = Some(ron_file::parse(&named, text).map_err(|p| Conflict::reason(p.to_string()))?);
    }
    Ok(out)
}

/// The format version the merged file is written in: the older of the two sides'. A file of
/// format 1 may still hold attributes that a later format moved elsewhere (resolutions); kept
/// at format 1, the owner's Lector migrates them when it next opens the file.
fn written_version(versions: &Versions<'_>) -> u32 {
    [versions.ours, versions.theirs]
        .iter()
        .filter(|text| !text.trim().is_empty())
        .filter_map(|text| ron_file::format_version(Path::new(""), text).ok())
        .min()
        .unwrap_or(CURRENT_VERSION)
        .min(CURRENT_VERSION)
}

/// Both merged lists of a file kind with two, and the notes of both.
type MergedTwo<A, B> = (Vec<A>, Vec<B>, Vec<String>);

/// Merges a file kind that holds two keyed lists: `split` takes each version's lists out (an
/// absent version has none). Returns both merged lists, unsorted, and the notes of both.
fn merge_two<F, A: Keyed, B: Keyed>(
    versions: [Option<F>; 3],
    split: impl Fn(F) -> (Vec<A>, Vec<B>),
) -> Result<MergedTwo<A, B>, Conflict> {
    let [base, ours, theirs] = versions.map(|f| f.map(&split).unwrap_or_default());
    let (first, mut notes) = keyed::merge(Sides {
        base: base.0,
        ours: ours.0,
        theirs: theirs.0,
    })
    .map_err(|d| duplicate(&d))?;
    let (second, more) = keyed::merge(Sides {
        base: base.1,
        ours: ours.1,
        theirs: theirs.1,
    })
    .map_err(|d| duplicate(&d))?;
    notes.extend(more);
    Ok((first, second, notes))
}

fn duplicate(d: &keyed::DuplicateKey) -> Conflict {
    Conflict::reason(format!(
        "{} is in the {} version of the file twice, so entries cannot be matched by id: fix \
         that version (`lector check` names the place), then merge again",
        d.name, d.side
    ))
}

/// The merged file as Lector writes it.
fn written<T: Serialize>(file: &Path, merged: &T, notes: Vec<String>) -> Result<Merged, Conflict> {
    let text = ron_file::to_ron(merged).map_err(|err| {
        Conflict::reason(format!(
            "{}: cannot write the merged file: {err}",
            file.display()
        ))
    })?;
    Ok(Merged { text, notes })
}

/// An entry's content as text, to tell whether two versions are the same.
fn fingerprint<T: Serialize>(value: &T) -> String {
    ron::to_string(value).unwrap_or_default()
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(QUOTE_CHARS).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
