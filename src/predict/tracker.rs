//! The predictions and claims of a whole project, each counted once, with how it turned out:
//! what the Predictions and Claims views, `lector predictions`, `lector track-record` and the
//! report show.
//!
//! ## One prediction, however many copies
//!
//! Per document, the annotations of Prediction labels are matched across annotators exactly
//! as review matches them ([`crate::review::align`]: same span, else same label and
//! overlapping): each unit of the alignment is one prediction, shown as the copy of the first
//! annotator by name. An attribute that copy leaves empty (holder, certainty, probability,
//! condition, due; a claim's source, check-worthiness, verdict) is taken from the next copy by
//! name that has it, so that whether a prediction is due, or whose track record it counts
//! for, does not depend on how the annotators' names sort. Where a reviewed set
//! (`review.<reviewer>`) exists for the document, it is the one that counts (the first
//! reviewer by name, if there are several): each of its predictions is one prediction, as
//! the reviewer made it, and the annotators' copies matched to it are its copies;
//! annotators' predictions the reviewer decided against are left out. Those the review has
//! not decided yet (a review under way, or finished with disagreements left) count as if
//! there were no review. Claims are matched the same way.
//!
//! ## One resolution
//!
//! Every resolver's records (and resolutions still written as attributes in annotation files
//! of format 1) about any copy of a prediction are its candidates; the latest (by when it was
//! recorded, then by resolver name) is its resolution. A claim's verdict is likewise the
//! latest record, else the `verdict` attribute of the copy shown (the annotator's reading
//! when tagging). Records about annotations that no longer exist are counted as orphans.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::claims::Verdict;
use super::score::{ProbabilityMap, ResolutionStatus, ScoredPrediction, TrackRecord};
use crate::model::resolution::Record;
use crate::model::review::reviewer_of;
use crate::model::{
    Annotation, AnnotationId, AnnotationSet, AttrValue, EntityId, Fragment, LabelKind, Project,
    RecordKey,
};

/// Today's date where Lector runs, for what is due.
pub fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// One prediction of the project, however many annotators tagged it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedPrediction {
    /// The document.
    pub document: String,
    /// Whose copy is shown (the reviewed set where one counts, else the first annotator).
    pub annotator: String,
    /// Its id in that annotator's file.
    pub id: AnnotationId,
    /// Its text (fragments joined by " … ").
    pub text: String,
    /// Its fragments, to show it in the article.
    pub fragments: Vec<Fragment>,
    /// The holder (an entity id), if set.
    pub holder: Option<EntityId>,
    /// The holder's name, if the entity is known.
    pub holder_name: Option<String>,
    /// The certainty grade, as the schema names it.
    pub certainty: Option<String>,
    /// A probability stated in the text (the `probability` attribute).
    pub stated_probability: Option<f64>,
    /// The condition, if any.
    pub condition: Option<String>,
    /// When it can be checked.
    pub due: Option<Date>,
    /// How it turned out.
    pub status: ResolutionStatus,
    /// When it was settled, as the resolver gave it.
    pub resolved_at: Option<Date>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// Links or quotes that settle it.
    pub evidence: Vec<String>,
    /// The resolver's note.
    pub resolution_note: Option<String>,
    /// Everyone whose copy was matched into it (reviewed sets under the reviewer's name),
    /// sorted.
    pub annotators: Vec<String>,
    /// Every copy, as the keys resolutions use.
    pub copies: Vec<RecordKey>,
}

impl TrackedPrediction {
    /// The key of the copy shown.
    pub fn key(&self) -> RecordKey {
        RecordKey::new(&self.document, &self.annotator, self.id.clone())
    }

    /// Whether `key` is the copy shown (without building a key).
    pub fn is(&self, key: &RecordKey) -> bool {
        self.id == key.annotation
            && self.annotator == key.annotator
            && self.document == key.document
    }

    /// Whether `key` is one of its copies.
    pub fn has_copy(&self, key: &RecordKey) -> bool {
        self.document == key.document && self.copies.contains(key)
    }

    /// The forecast probability under `map`: the stated probability, else the certainty's.
    pub fn probability(&self, map: &ProbabilityMap) -> Option<f64> {
        self.scored().probability(map)
    }

    /// What scoring needs of it.
    pub fn scored(&self) -> ScoredPrediction<'_> {
        ScoredPrediction {
            holder: self.holder.as_ref().map(|h| h.0.as_str()),
            certainty: self.certainty.as_deref(),
            stated_probability: self.stated_probability,
            status: self.status,
        }
    }

    /// Whether it is still open with a due date on or before `today`.
    pub fn is_due(&self, today: Date) -> bool {
        self.status == ResolutionStatus::Open && self.due.is_some_and(|d| d <= today)
    }

    /// Whether it is still open with a due date before `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == ResolutionStatus::Open && self.due.is_some_and(|d| d < today)
    }
}

/// Which predictions to list, as `lector predictions --status` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusFilter {
    /// Every prediction.
    #[default]
    All,
    /// Not resolved yet.
    Open,
    /// Open with a due date on or before today.
    Due,
    /// Open with a due date before today.
    Overdue,
    /// Resolved: any status but open.
    Resolved,
}

impl StatusFilter {
    /// Every filter, in the order the app offers them.
    pub const ALL: [Self; 5] = [
        Self::All,
        Self::Open,
        Self::Due,
        Self::Overdue,
        Self::Resolved,
    ];

    /// `all`, `open`, `due`, `overdue`, `resolved`.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Open => "open",
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Resolved => "resolved",
        }
    }

    /// The filter a name names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether a prediction passes.
    pub fn accepts(self, prediction: &TrackedPrediction, today: Date) -> bool {
        match self {
            Self::All => true,
            Self::Open => prediction.status == ResolutionStatus::Open,
            Self::Due => prediction.is_due(today),
            Self::Overdue => prediction.is_overdue(today),
            Self::Resolved => prediction.status.is_resolved(),
        }
    }
}

/// Where a claim's verdict comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerdictSource {
    /// No verdict anywhere: unreviewed.
    None,
    /// The `verdict` attribute of the annotation shown.
    Annotation,
    /// A record of this resolver.
    Record(String),
}

/// One claim of the project, however many annotators tagged it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedClaim {
    /// The document.
    pub document: String,
    /// Whose copy is shown.
    pub annotator: String,
    /// Its id.
    pub id: AnnotationId,
    /// Its text.
    pub text: String,
    /// Its fragments.
    pub fragments: Vec<Fragment>,
    /// Who asserts it (an entity id).
    pub source: Option<EntityId>,
    /// The source's name.
    pub source_name: Option<String>,
    /// ClaimBuster's class, as the schema names it.
    pub checkworthy: Option<String>,
    /// The verdict (a name the schema does not know counts as none here).
    pub verdict: Verdict,
    /// The verdict as written, where it is not one Lector knows (an edited schema).
    pub other_verdict: Option<String>,
    /// Where the verdict comes from.
    pub verdict_from: VerdictSource,
    /// The `verdict` attribute of the copy shown (the annotator's reading when tagging).
    pub verdict_attribute: Option<String>,
    /// When it was checked.
    pub checked_at: Option<Date>,
    /// Links or quotes.
    pub evidence: Vec<String>,
    /// The checker's note.
    pub note: Option<String>,
    /// Everyone whose copy was matched into it, sorted.
    pub annotators: Vec<String>,
    /// Every copy.
    pub copies: Vec<RecordKey>,
}

impl TrackedClaim {
    /// The key of the copy shown.
    pub fn key(&self) -> RecordKey {
        RecordKey::new(&self.document, &self.annotator, self.id.clone())
    }

    /// Whether `key` is the copy shown (without building a key).
    pub fn is(&self, key: &RecordKey) -> bool {
        self.id == key.annotation
            && self.annotator == key.annotator
            && self.document == key.document
    }

    /// Whether `key` is one of its copies.
    pub fn has_copy(&self, key: &RecordKey) -> bool {
        self.document == key.document && self.copies.contains(key)
    }
}

/// The predictions and claims of a project, in document order then text order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tracker {
    /// Every prediction, once.
    pub predictions: Vec<TrackedPrediction>,
    /// Every claim, once.
    pub claims: Vec<TrackedClaim>,
    /// Resolution records about annotations that are not in the project (deleted since).
    pub orphans: usize,
    /// The predictions and claims (by index, in order) whose outcome a record gave at the
    /// last resolve: those [`Self::resolve_these`] looks at again besides the ones it is
    /// given. `None` before the first resolve.
    recorded: Option<(Vec<usize>, Vec<usize>)>,
}

/// Which prediction or claim a record is about (by its index), for
/// [`Tracker::resolve_these`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The prediction at this index of [`Tracker::predictions`].
    Prediction(usize),
    /// The claim at this index of [`Tracker::claims`].
    Claim(usize),
}

/// A record and who made it.
struct Found<'a, S> {
    resolver: &'a str,
    record: &'a Record<S>,
}

impl Tracker {
    /// Builds the tracker of a project: [`Self::count`], then [`Self::resolve`].
    pub fn build(project: &Project) -> Self {
        let mut tracker = Self::count(project);
        tracker.resolve(project);
        tracker
    }

    /// Every prediction and claim of the project, once, all still open and unchecked. The
    /// costly part (matching copies across annotators); [`Self::resolve`] then fills in how
    /// they turned out, which is all a new resolution changes.
    pub fn count(project: &Project) -> Self {
        let mut tracker = Self::default();
        let name =
            |id: Option<&EntityId>| id.and_then(|id| project.entity_name(id)).map(str::to_owned);
        for document in &project.documents {
            let id = document.meta.id.as_str();
            let text = &document.text;
            for kind in [LabelKind::Prediction, LabelKind::Claim] {
                for unit in units(project, id, kind) {
                    let Unit {
                        shown: annotation,
                        key,
                        copies,
                        others,
                    } = unit;
                    let base = Base::of(&key, annotation, text, copies);
                    let attrs = Attributes {
                        shown: annotation,
                        others,
                    };
                    if kind == LabelKind::Prediction {
                        let mut p = prediction(base, &attrs);
                        p.holder_name = name(p.holder.as_ref());
                        tracker.predictions.push(p);
                    } else {
                        let mut c = claim(base, &attrs);
                        c.source_name = name(c.source.as_ref());
                        tracker.claims.push(c);
                    }
                }
            }
        }
        tracker
    }

    /// Fills in each prediction's resolution and each claim's verdict from the project's
    /// records (see the module documentation), replacing what was there.
    pub fn resolve(&mut self, project: &Project) {
        let records = Records::of(project);
        let (predictions, claims) = (0..self.predictions.len(), 0..self.claims.len());
        self.resolve_with(project, &records, predictions, claims);
    }

    /// [`Self::resolve`] where only resolutions changed since the last one, looking only at
    /// the predictions and claims a record is about and those a record was about before:
    /// `find` tells which one of this tracker's a record's key is a copy of (`None` if
    /// none), as the copies were matched at the last count. At 120k predictions, going over
    /// every one took 4.5–9 ms of the window's thread at each resolution. Before any
    /// resolve, it resolves all.
    pub fn resolve_these(
        &mut self,
        project: &Project,
        find: impl Fn(&Self, &RecordKey) -> Option<Recorded>,
    ) {
        let Some((mut predictions, mut claims)) = self.recorded.take() else {
            self.resolve(project);
            return;
        };
        let records = Records::of(project);
        for key in records.predictions.keys().chain(records.claims.keys()) {
            match find(self, key) {
                Some(Recorded::Prediction(i)) => predictions.push(i),
                Some(Recorded::Claim(i)) => claims.push(i),
                None => {}
            }
        }
        for touched in [&mut predictions, &mut claims] {
            touched.sort_unstable();
            touched.dedup();
        }
        self.resolve_with(project, &records, predictions, claims);
    }

    /// Resolves these predictions and claims from `records`; the others keep what they have.
    fn resolve_with(
        &mut self,
        project: &Project,
        records: &Records<'_>,
        predictions: impl IntoIterator<Item = usize>,
        claims: impl IntoIterator<Item = usize>,
    ) {
        let mut recorded = (Vec::new(), Vec::new());
        for i in predictions {
            let Some(p) = self.predictions.get_mut(i) else {
                continue;
            };
            let found = records.prediction(&p.copies);
            p.status = found.map_or(ResolutionStatus::Open, |f| f.record.outcome);
            p.resolved_at = found.and_then(|f| f.record.date);
            p.resolved_by = found.map(|f| f.resolver.to_owned());
            p.evidence = found.map(|f| f.record.evidence.clone()).unwrap_or_default();
            p.resolution_note = found
                .map(|f| f.record.note.clone())
                .filter(|n| !n.trim().is_empty());
            if found.is_some() {
                recorded.0.push(i);
            }
        }
        for i in claims {
            let Some(c) = self.claims.get_mut(i) else {
                continue;
            };
            let found = records.claim(&c.copies);
            (c.verdict, c.other_verdict, c.verdict_from) = match (found, &c.verdict_attribute) {
                (Some(f), _) => (
                    f.record.outcome,
                    None,
                    VerdictSource::Record(f.resolver.to_owned()),
                ),
                (None, Some(name)) => match Verdict::from_name(name) {
                    Some(v) => (v, None, VerdictSource::Annotation),
                    None => (
                        Verdict::Unreviewed,
                        Some(name.clone()),
                        VerdictSource::Annotation,
                    ),
                },
                (None, None) => (Verdict::Unreviewed, None, VerdictSource::None),
            };
            c.checked_at = found.and_then(|f| f.record.date);
            c.evidence = found.map(|f| f.record.evidence.clone()).unwrap_or_default();
            c.note = found
                .map(|f| f.record.note.clone())
                .filter(|n| !n.trim().is_empty());
            if found.is_some() {
                recorded.1.push(i);
            }
        }
        self.recorded = Some(recorded);
        self.orphans = records.orphans(project);
    }

    /// The track record of each holder, sorted by holder id, predictions without a holder
    /// last; with the holder's name.
    pub fn holders(&self, map: &ProbabilityMap) -> Vec<(TrackRecord, Option<String>)> {
        let names = last_names(
            self.predictions
                .iter()
                .map(|p| (p.holder.as_ref(), p.holder_name.as_deref())),
        );
        super::score::track_records(self.predictions.iter().map(TrackedPrediction::scored), map)
            .into_iter()
            .map(|record| {
                let name = record
                    .holder
                    .as_deref()
                    .and_then(|h| names.get(h))
                    .map(|n| (*n).to_owned());
                (record, name)
            })
            .collect()
    }

    /// Claims per source by verdict, sorted by source id, claims without a source last; with
    /// the source's name.
    pub fn sources(&self) -> Vec<(super::ClaimVerdictCounts, Option<String>)> {
        let scored = self.claims.iter().map(|c| super::ScoredClaim {
            source: c.source.as_ref().map(|s| s.0.as_str()),
            verdict: Some(c.other_verdict.as_deref().unwrap_or(c.verdict.name())),
        });
        let names = last_names(
            self.claims
                .iter()
                .map(|c| (c.source.as_ref(), c.source_name.as_deref())),
        );
        super::claims::claim_verdicts(scored)
            .into_iter()
            .map(|counts| {
                let name = counts
                    .source
                    .as_deref()
                    .and_then(|s| names.get(s))
                    .map(|n| (*n).to_owned());
                (counts, name)
            })
            .collect()
    }

    /// Each prediction and claim by every one of its copies, for exports that list
    /// annotations one by one.
    pub fn by_copy(&self) -> ByCopy<'_> {
        let mut by = ByCopy::default();
        for p in &self.predictions {
            for k in &p.copies {
                by.predictions.insert(k, p);
            }
        }
        for c in &self.claims {
            for k in &c.copies {
                by.claims.insert(k, c);
            }
        }
        by
    }

    /// The scored form of every prediction of one holder (`None`: every prediction), for a
    /// calibration chart.
    pub fn scored<'a>(
        &'a self,
        holder: Option<&'a str>,
    ) -> impl Iterator<Item = ScoredPrediction<'a>> + 'a {
        self.predictions
            .iter()
            .filter(move |p| holder.is_none_or(|h| p.holder.as_ref().is_some_and(|x| x.0 == h)))
            .map(TrackedPrediction::scored)
    }
}

/// Each entity's name as the last of `named` to give one says it (as collecting them all
/// into a tree did); a run of the same entity and name is looked up once.
fn last_names<'a>(
    named: impl Iterator<Item = (Option<&'a EntityId>, Option<&'a str>)>,
) -> foldhash::HashMap<&'a str, &'a str> {
    let mut names = foldhash::HashMap::default();
    let mut last = None;
    for pair in named {
        if let (Some(entity), Some(name)) = pair {
            let pair = (entity.0.as_str(), name);
            if last != Some(pair) {
                names.insert(pair.0, pair.1);
                last = Some(pair);
            }
        }
    }
    names
}

/// The predictions and claims of a [`Tracker`] by copy.
#[derive(Debug, Default)]
pub struct ByCopy<'a> {
    /// The prediction each copy was counted in.
    pub predictions: BTreeMap<&'a RecordKey, &'a TrackedPrediction>,
    /// The claim each copy was counted in.
    pub claims: BTreeMap<&'a RecordKey, &'a TrackedClaim>,
}

/// Every resolver's records by the annotation they are about: the latest per annotation.
struct Records<'a> {
    predictions: BTreeMap<&'a RecordKey, Found<'a, ResolutionStatus>>,
    claims: BTreeMap<&'a RecordKey, Found<'a, Verdict>>,
}

impl<'a> Records<'a> {
    fn of(project: &'a Project) -> Self {
        let mut records = Self {
            predictions: BTreeMap::new(),
            claims: BTreeMap::new(),
        };
        for (resolver, file) in &project.resolutions {
            for record in file.predictions.values() {
                keep_latest(&mut records.predictions, resolver, record);
            }
            for record in file.claims.values() {
                keep_latest(&mut records.claims, resolver, record);
            }
        }
        for ((_, annotator), legacy) in &project.legacy_resolutions {
            let resolver = reviewer_of(annotator).unwrap_or(annotator);
            let in_file = project.resolutions.get(resolver);
            for record in legacy {
                // The resolver's file, once it has the record, is the newer word.
                if in_file.is_none_or(|f| !f.predictions.contains_key(&record.key)) {
                    keep_latest(&mut records.predictions, resolver, record);
                }
            }
        }
        records
    }

    /// The latest record about any of the copies.
    fn prediction(&self, copies: &[RecordKey]) -> Option<&Found<'a, ResolutionStatus>> {
        latest(copies.iter().filter_map(|k| self.predictions.get(k)))
    }

    fn claim(&self, copies: &[RecordKey]) -> Option<&Found<'a, Verdict>> {
        latest(copies.iter().filter_map(|k| self.claims.get(k)))
    }

    /// Records whose annotation is no longer in the project.
    fn orphans(&self, project: &Project) -> usize {
        let exists = |key: &RecordKey| {
            project
                .set(&key.document, &key.annotator)
                .is_some_and(|s| s.get(&key.annotation).is_some())
        };
        self.predictions
            .keys()
            .chain(self.claims.keys())
            .filter(|k| !exists(k))
            .count()
    }
}

fn keep_latest<'a, S>(
    map: &mut BTreeMap<&'a RecordKey, Found<'a, S>>,
    resolver: &'a str,
    record: &'a Record<S>,
) {
    let newer = map
        .get(&record.key)
        .is_none_or(|old| (record.at, resolver) > (old.record.at, old.resolver));
    if newer {
        map.insert(&record.key, Found { resolver, record });
    }
}

fn latest<'b, 'a: 'b, S>(
    found: impl Iterator<Item = &'b Found<'a, S>>,
) -> Option<&'b Found<'a, S>> {
    found.max_by(|a, b| (a.record.at, a.resolver).cmp(&(b.record.at, b.resolver)))
}

/// What predictions and claims share.
struct Base {
    document: String,
    annotator: String,
    id: AnnotationId,
    text: String,
    fragments: Vec<Fragment>,
    annotators: Vec<String>,
    copies: Vec<RecordKey>,
}

impl Base {
    fn of(
        shown: &RecordKey,
        annotation: &Annotation,
        text: &crate::model::DocText,
        copies: Vec<RecordKey>,
    ) -> Self {
        let mut annotators: Vec<String> = copies
            .iter()
            .map(|k| reviewer_of(&k.annotator).unwrap_or(&k.annotator).to_owned())
            .collect();
        annotators.sort();
        annotators.dedup();
        Self {
            document: shown.document.clone(),
            annotator: shown.annotator.clone(),
            id: annotation.id.clone(),
            text: annotation.covered_text(text),
            fragments: annotation.fragments.clone(),
            annotators,
            copies,
        }
    }
}

/// The attributes of one prediction or claim: those of the copy shown, and where it leaves
/// one empty, the first of the other copies (by annotator) that has it.
struct Attributes<'a> {
    shown: &'a Annotation,
    others: Vec<&'a Annotation>,
}

impl Attributes<'_> {
    /// The first copy's value of `name` that `read` accepts.
    fn first<T>(&self, name: &str, read: impl Fn(&AttrValue) -> Option<T>) -> Option<T> {
        std::iter::once(self.shown)
            .chain(self.others.iter().copied())
            .find_map(|a| a.attributes.get(name).and_then(&read))
    }

    fn entity(&self, name: &str) -> Option<EntityId> {
        self.first(name, |v| match v {
            AttrValue::Entity(id) => Some(id.clone()),
            _ => None,
        })
    }

    fn text(&self, name: &str) -> Option<String> {
        self.first(name, |v| match v {
            AttrValue::Choice(s) | AttrValue::Text(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        })
    }
}

/// A prediction, still open; see [`Tracker::resolve`].
fn prediction(base: Base, attrs: &Attributes<'_>) -> TrackedPrediction {
    let Base {
        document,
        annotator,
        id,
        text,
        fragments,
        annotators,
        copies,
    } = base;
    TrackedPrediction {
        document,
        annotator,
        id,
        text,
        fragments,
        holder: attrs.entity("holder"),
        holder_name: None,
        certainty: attrs.text("certainty"),
        stated_probability: attrs.first("probability", |v| match v {
            AttrValue::Number(p) => Some(*p),
            _ => None,
        }),
        condition: attrs.text("condition"),
        due: attrs.first("due", |v| match v {
            AttrValue::Date(d) => Some(*d),
            _ => None,
        }),
        status: ResolutionStatus::Open,
        resolved_at: None,
        resolved_by: None,
        evidence: Vec::new(),
        resolution_note: None,
        annotators,
        copies,
    }
}

/// A claim, not yet checked; see [`Tracker::resolve`].
fn claim(base: Base, attrs: &Attributes<'_>) -> TrackedClaim {
    let Base {
        document,
        annotator,
        id,
        text,
        fragments,
        annotators,
        copies,
    } = base;
    TrackedClaim {
        document,
        annotator,
        id,
        text,
        fragments,
        source: attrs.entity("source"),
        source_name: None,
        checkworthy: attrs.text("checkworthy"),
        verdict: Verdict::Unreviewed,
        other_verdict: None,
        verdict_from: VerdictSource::None,
        verdict_attribute: attrs.text("verdict"),
        checked_at: None,
        evidence: Vec::new(),
        note: None,
        annotators,
        copies,
    }
}

/// One prediction (or claim) of a document.
struct Unit<'a> {
    /// The copy shown.
    shown: &'a Annotation,
    /// Its key.
    key: RecordKey,
    /// Every copy's key.
    copies: Vec<RecordKey>,
    /// The other annotators' copies, by annotator, whose attributes fill what the copy
    /// shown leaves empty; none where a reviewed set's copy is shown (the reviewer's version
    /// is the one that counts, as made).
    others: Vec<&'a Annotation>,
}

/// The reviewed set (`review.<reviewer>`) of `document` whose predictions and claims count
/// in place of the annotators' own: the first by name, if the document has any.
pub fn counting_review<'p>(project: &'p Project, document: &str) -> Option<&'p str> {
    project
        .sets
        .range((document.to_owned(), String::new())..)
        .take_while(|((d, _), _)| d == document)
        .map(|((_, annotator), _)| annotator.as_str())
        .find(|a| reviewer_of(a).is_some())
}

/// The units of one document for one kind of label, in text order. See the module
/// documentation.
fn units<'a>(project: &'a Project, document: &str, kind: LabelKind) -> Vec<Unit<'a>> {
    let of_kind = |a: &&Annotation| {
        project
            .schema
            .label(&a.label)
            .is_some_and(|l| l.kind == kind)
    };
    let sets: Vec<&AnnotationSet> = project
        .sets
        .range((document.to_owned(), String::new())..)
        .take_while(|((d, _), _)| d == document)
        .map(|(_, set)| set)
        .collect();
    let reviewed = counting_review(project, document).map(str::to_owned);
    let counted: Vec<&AnnotationSet> = sets
        .iter()
        .filter(|s| reviewer_of(&s.annotator).is_none() || Some(&s.annotator) == reviewed.as_ref())
        .filter(|s| s.iter().any(|a| of_kind(&a)))
        .copied()
        .collect();
    let key = |annotator: &str, id: &AnnotationId| RecordKey::new(document, annotator, id.clone());
    // The annotators' annotations the review has decided on: those it did not keep are left
    // out; those it has not decided yet count as if there were no review.
    // Made the first time a unit has no reviewed copy (a book's review has a million
    // decisions).
    let decided_once = std::cell::OnceCell::new();
    let decided = |copy: &(&str, &AnnotationId)| {
        decided_once
            .get_or_init(|| -> foldhash::HashSet<(&str, &AnnotationId)> {
                reviewed
                    .as_deref()
                    .and_then(reviewer_of)
                    .and_then(|r| project.reviews.get(&(document.to_owned(), r.to_owned())))
                    .map(|review| {
                        review
                            .decisions
                            .values()
                            .flat_map(|d| d.sources.iter())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .contains(copy)
    };
    if let [set] = counted.as_slice() {
        // One annotator (or a reviewed set alone): every annotation is a prediction, and
        // nothing needs copying or aligning (a book of one annotator's is common).
        let without_review = reviewed.as_ref().is_some_and(|r| r != &set.annotator);
        return set
            .iter()
            .filter(of_kind)
            // Where a review counts, it kept none of this kind: only what it has not decided.
            .filter(|a| !without_review || !decided(&(set.annotator.as_str(), &a.id)))
            .map(|a| {
                let k = key(&set.annotator, &a.id);
                Unit {
                    shown: a,
                    key: k.clone(),
                    copies: vec![k],
                    others: Vec::new(),
                }
            })
            .collect();
    }
    let filtered: Vec<AnnotationSet> = counted
        .iter()
        .map(|s| {
            let mut copy = AnnotationSet::with_annotations(
                s.annotator.clone(),
                s.document.clone(),
                s.iter().filter(of_kind).cloned().collect(),
            );
            copy.status = s.status;
            copy
        })
        .collect();
    // The annotations by annotator and id, to find a unit's copy without scanning its set.
    let by_id: BTreeMap<(&str, &AnnotationId), &Annotation> = counted
        .iter()
        .flat_map(|s| s.iter().map(move |a| ((s.annotator.as_str(), &a.id), a)))
        .collect();
    let refs: Vec<&AnnotationSet> = filtered.iter().collect();
    let alignment = crate::review::align(&refs);
    alignment
        .units
        .iter()
        .filter_map(|unit| {
            let reviewed_copy = reviewed
                .as_deref()
                .and_then(|r| unit.annotations.get_key_value(r));
            let (annotator, id) = match reviewed_copy {
                Some(copy) => copy,
                None => {
                    // No reviewed copy: left out if the review decided on any of its
                    // copies, else the first annotator's copy counts.
                    if unit.annotations.iter().any(|copy| decided(&copy)) {
                        return None;
                    }
                    unit.annotations.iter().next()?
                }
            };
            let annotation = by_id.get(&(annotator, id))?;
            let copies = unit
                .annotations
                .iter()
                .map(|(annotator, id)| key(annotator, id))
                .collect();
            let others = if reviewed_copy.is_some() {
                Vec::new()
            } else {
                unit.annotations
                    .iter()
                    .filter(|&(a, _)| a != annotator)
                    .filter_map(|(a, id)| by_id.get(&(a, id)).copied())
                    .collect()
            };
            Some(Unit {
                shown: annotation,
                key: key(annotator, id),
                copies,
                others,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entity named differently in different places is called what the last says, even
    /// when that name came before (each change is taken, not only the first of an entity).
    #[test]
    fn the_last_name_given_wins() {
        let (putin, luka) = (EntityId("putin".into()), EntityId("luka".into()));
        let named = [
            (Some(&putin), Some("Putin")),
            (Some(&putin), Some("Putin")),
            (Some(&luka), Some("Lukasjenko")),
            (Some(&putin), Some("Vladimir Putin")),
            (Some(&luka), None),
            (None, Some("nobody")),
            (Some(&putin), Some("Putin")),
            (Some(&putin), Some("V. Putin")),
        ];
        let names = last_names(named.into_iter());
        assert_eq!(names.len(), 2);
        assert_eq!(names["putin"], "V. Putin");
        assert_eq!(names["luka"], "Lukasjenko");
    }
}
