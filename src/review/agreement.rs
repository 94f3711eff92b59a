//! Inter-annotator agreement of a project or some of its documents, per label and overall:
//! span F1 (exact and overlap), Cohen's κ, Fleiss' κ, Krippendorff's α on characters, α_u,
//! and attribute agreement. The definitions are those of `reference/agreement.md`.
//!
//! ## Choices
//!
//! - **Who annotated a document**: an annotator whose file for it has annotations or a status
//!   other than "not started". Others contribute missing values there, not "none".
//! - **Span F1** is computed per annotator pair on the documents both annotated, pooled over
//!   those documents (and over labels for `overall`: micro-average). With more than two
//!   annotators the figure is the mean over pairs where it is defined.
//! - **κ and α** take every character of the stored text as a unit, whitespace included; the
//!   project's documents are concatenated. Cohen's κ uses the documents both annotators
//!   annotated, Fleiss' κ those every annotator annotated, α every character with missing
//!   values where an annotator did not annotate.
//! - **α_u** runs on the documents every annotator annotated, concatenated into one
//!   continuum (so a gap can run across a document boundary).
//! - **Undefined** figures (no spans, one category only) are `None`, never NaN, 0 or 1.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use super::attributes::{AttributeAgreement, PairTally, Targets, comparable_values, summarise};
use super::coefficients::{Delta, Ratings, mean};
use super::layers::{CharRatings, DocumentLayers, Layer, NO_LABEL, Row, Spans, WordHasher};
use super::matching::{Matcher, Placed, SpanCounts, Swept, sweep_order};
use super::unitizing::{UnitizingAlpha, category_alpha};
use crate::model::{
    AnnotationId, AnnotationSet, CharOffset, Document, Fragment, Project, SpanTable, SpanTables,
    Status,
};

/// Why agreement cannot be computed for a selection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    /// A selected document is not in the project.
    #[error("there is no document {id:?} in the project; its documents are: {known}")]
    UnknownDocument {
        /// The id asked for.
        id: String,
        /// The project's document ids, comma-separated.
        known: String,
    },
    /// A selected annotator has no file in the project.
    #[error("there is no annotator {name:?} in the project; its annotators are: {known}")]
    UnknownAnnotator {
        /// The name asked for.
        name: String,
        /// The project's annotators, comma-separated.
        known: String,
    },
    /// A selected annotator annotated none of the selected documents.
    #[error("{name} has not annotated any of the selected documents")]
    NothingAnnotated {
        /// The annotator.
        name: String,
    },
    /// Fewer than two annotators annotated the selected documents.
    #[error(
        "agreement needs at least two annotators who annotated the selected documents; found {found}"
    )]
    TooFewAnnotators {
        /// Who did, comma-separated (or "none").
        found: String,
    },
}

/// The figures of one label, or of all labels together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Spans per annotator in the selected documents.
    pub spans: BTreeMap<String, usize>,
    /// Span F1, exact matching.
    pub f1_exact: Option<f64>,
    /// Span F1, overlap matching.
    pub f1_overlap: Option<f64>,
    /// Cohen's κ on characters; only with exactly two annotators.
    pub cohen_kappa: Option<f64>,
    /// Fleiss' κ on characters (Scott's π for two annotators).
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's α, nominal, on characters.
    pub krippendorff_alpha: Option<f64>,
    /// Krippendorff's unitizing α_u.
    pub alpha_u: Option<f64>,
    /// Agreement on attributes of overlap-matched spans, by attribute; per label only.
    pub attributes: BTreeMap<String, AttributeAgreement>,
}

/// What one annotator pair agrees on, for one label or overall.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairScores {
    /// Counts under exact matching.
    pub exact: SpanCounts,
    /// Counts under overlap matching.
    pub overlap: SpanCounts,
    /// Cohen's κ on characters of the documents both annotated.
    pub cohen_kappa: Option<f64>,
}

/// One cell of the pairwise matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct PairFigures {
    /// The first annotator (alphabetically).
    pub a: String,
    /// The second.
    pub b: String,
    /// Over all labels.
    pub overall: PairScores,
    /// Per label.
    pub labels: BTreeMap<String, PairScores>,
}

/// Agreement of some annotators on some documents.
#[derive(Clone, Debug, PartialEq)]
pub struct AgreementReport {
    /// The annotators compared, sorted.
    pub annotators: Vec<String>,
    /// The documents considered, in project order.
    pub documents: Vec<String>,
    /// Characters in those documents.
    pub characters: u64,
    /// Over all labels.
    pub overall: Figures,
    /// Per label, for every label a compared annotator used.
    pub labels: BTreeMap<String, Figures>,
    /// Every annotator pair, in order.
    pub pairs: Vec<PairFigures>,
}

/// Whether an annotator's file counts as having annotated the document.
pub fn has_annotated(set: Option<&AnnotationSet>) -> bool {
    set.is_some_and(|s| Source::Set(s).has_annotated())
}

/// Agreement on `documents` (all when empty) among `annotators` (when empty: everyone who
/// annotated one of them).
pub fn agreement(
    project: &Project,
    documents: &[String],
    annotators: &[String],
) -> Result<AgreementReport, AgreementError> {
    agreement_with(
        project,
        &|d, a| project.set(d, a).map(Source::Set),
        documents,
        annotators,
    )
}

/// [`agreement`] of a project whose annotation files were read as tables (`tables`; its
/// sets hold only their status): the same figures, without building every annotation.
pub fn agreement_of_tables(
    project: &Project,
    tables: &SpanTables,
    documents: &[String],
    annotators: &[String],
) -> Result<AgreementReport, AgreementError> {
    let source = |d: &str, a: &str| tables.get(&(d.to_owned(), a.to_owned())).map(Source::Table);
    agreement_with(project, &source, documents, annotators)
}

/// Where the spans of a document by an annotator are read from.
type Sources<'f, 'p> = &'f dyn Fn(&str, &str) -> Option<Source<'p>>;

fn agreement_with<'p>(
    project: &'p Project,
    sources: Sources<'_, 'p>,
    documents: &[String],
    annotators: &[String],
) -> Result<AgreementReport, AgreementError> {
    let documents = select_documents(project, documents)?;
    let annotators = select_annotators(project, sources, &documents, annotators)?;
    Ok(Computation::new(project, sources, documents, annotators).report())
}

/// One annotator's file of a document: read into the model, or as a table.
#[derive(Clone, Copy)]
enum Source<'p> {
    Set(&'p AnnotationSet),
    Table(&'p SpanTable),
}

impl<'p> Source<'p> {
    /// Whether the file counts as having annotated the document: it has annotations, or a
    /// status other than "not started".
    fn has_annotated(self) -> bool {
        let (empty, status) = match self {
            Self::Set(set) => (set.annotations().is_empty(), set.status),
            Self::Table(table) => (table.is_empty(), table.status),
        };
        !empty || status != Status::NotStarted
    }

    fn spans(self) -> Spans<'p> {
        match self {
            Self::Set(set) => Spans::Annotations(set.annotations()),
            Self::Table(table) => Spans::Table(table),
        }
    }
}

impl Targets for Source<'_> {
    fn target(&self, id: &AnnotationId) -> Option<(&str, &[Fragment])> {
        match self {
            Self::Set(set) => set.target(id),
            Self::Table(table) => table.target(id),
        }
    }
}

/// Agreement on one document; see [`agreement`].
pub fn document_agreement(
    project: &Project,
    document: &str,
    annotators: &[String],
) -> Result<AgreementReport, AgreementError> {
    agreement(project, &[document.to_owned()], annotators)
}

fn select_documents<'p>(
    project: &'p Project,
    ids: &[String],
) -> Result<Vec<&'p Document>, AgreementError> {
    if ids.is_empty() {
        return Ok(project.documents.iter().collect());
    }
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    for id in &wanted {
        known_document(project, id)?;
    }
    Ok(project
        .documents
        .iter()
        .filter(|d| wanted.contains(d.meta.id.as_str()))
        .collect())
}

/// An error naming the project's documents unless `id` is one of them.
pub(super) fn known_document(project: &Project, id: &str) -> Result<(), AgreementError> {
    if project.document(id).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = project
        .documents
        .iter()
        .map(|d| d.meta.id.as_str())
        .collect();
    Err(AgreementError::UnknownDocument {
        id: id.to_owned(),
        known: list(&known),
    })
}

fn select_annotators(
    project: &Project,
    sources: Sources<'_, '_>,
    documents: &[&Document],
    names: &[String],
) -> Result<Vec<String>, AgreementError> {
    let annotated = |name: &str| {
        documents
            .iter()
            .any(|d| sources(&d.meta.id, name).is_some_and(Source::has_annotated))
    };
    let known = project.annotators();
    // A reviewed set (`review.olga`) counts when named, so that a reviewer's version can be
    // compared with an annotator's; never by default.
    let mut reviewed: Vec<String> = project
        .sets
        .keys()
        .map(|(_, a)| a.clone())
        .filter(|a| crate::model::review::reviewer_of(a).is_some())
        .collect();
    reviewed.sort();
    reviewed.dedup();
    let mut chosen: Vec<String> = if names.is_empty() {
        known.iter().filter(|n| annotated(n)).cloned().collect()
    } else {
        for name in names {
            if !known.contains(name) && !reviewed.contains(name) {
                let mut all = known.clone();
                all.extend(reviewed.iter().cloned());
                return Err(AgreementError::UnknownAnnotator {
                    name: name.clone(),
                    known: list(&all),
                });
            }
            if !annotated(name) {
                return Err(AgreementError::NothingAnnotated { name: name.clone() });
            }
        }
        names.to_vec()
    };
    chosen.sort();
    chosen.dedup();
    if chosen.len() < 2 {
        return Err(AgreementError::TooFewAnnotators {
            found: list(&chosen),
        });
    }
    Ok(chosen)
}

fn list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Labels in the order first met, and per document, per annotator, the rows of the spans.
type LabelledRows<'p> = (Vec<&'p str>, Vec<Vec<Vec<Row>>>);

/// The rows of the spans of some documents (per document, per annotator: the file if the
/// annotator annotated it), their labels numbered as first met: the labels in that order, and
/// the rows.
fn label_rows<'p>(sets: &[Vec<Option<Source<'p>>>]) -> LabelledRows<'p> {
    // A hash of each span's label (or one comparison with the label before it), not a tree
    // lookup.
    let mut found: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, u16, BuildHasherDefault<WordHasher>> = HashMap::default();
    let mut number = |label: &'p str| {
        *index.entry(label).or_insert_with(|| {
            found.push(label);
            u16::try_from(found.len() - 1).unwrap_or(NO_LABEL)
        })
    };
    let rows: Vec<Vec<Vec<Row>>> = sets
        .iter()
        .map(|sets| {
            sets.iter()
                .map(|set| match set {
                    None => Vec::new(),
                    Some(Source::Set(set)) => {
                        let mut last: Option<(&str, u16)> = None;
                        set.annotations()
                            .iter()
                            .map(|a| {
                                let label = a.label.as_str();
                                let id = match last {
                                    Some((l, id)) if l == label => id,
                                    _ => {
                                        let id = number(label);
                                        last = Some((label, id));
                                        id
                                    }
                                };
                                Row::of(a, id)
                            })
                            .collect()
                    }
                    // A table numbers its few labels itself: each is looked up once.
                    Some(Source::Table(table)) => {
                        let ids: Vec<u16> = table.labels().iter().map(|l| number(l)).collect();
                        table
                            .spans()
                            .iter()
                            .map(|span| {
                                let id = ids.get(span.label as usize).copied();
                                Row::of_table(span, id.unwrap_or(NO_LABEL))
                            })
                            .collect()
                    }
                })
                .collect()
        })
        .collect();
    (found, rows)
}

/// The selection and everything derived from it once.
struct Computation<'p> {
    project: &'p Project,
    documents: Vec<&'p Document>,
    annotators: Vec<String>,
    /// Per document, per annotator: the file if the annotator annotated the document.
    sets: Vec<Vec<Option<Source<'p>>>>,
    /// The labels used, sorted; spans refer to them by index.
    labels: Vec<String>,
    /// Per document, per annotator: the row of each annotation of the set.
    rows: Vec<Vec<Vec<Row>>>,
}

/// What one annotator pair gives over the documents: its figures, its attribute tallies
/// (label index -> attribute -> tally) and the spans left unmatched per label index.
struct OnePair {
    figures: PairFigures,
    tallies: BTreeMap<u16, BTreeMap<String, PairTally>>,
    unmatched: Vec<usize>,
}

impl<'p> Computation<'p> {
    fn new(
        project: &'p Project,
        sources: Sources<'_, 'p>,
        documents: Vec<&'p Document>,
        annotators: Vec<String>,
    ) -> Self {
        let sets: Vec<Vec<Option<Source<'p>>>> = documents
            .iter()
            .map(|d| {
                annotators
                    .iter()
                    .map(|a| sources(&d.meta.id, a).filter(|s| s.has_annotated()))
                    .collect()
            })
            .collect();
        // The rows of a part of the documents on each core (reading the annotations, each
        // elsewhere in memory, was the longest step on one core), each part's labels
        // numbered as first met; then every label renumbered in sorted order, which is what
        // numbering them over all documents at once gives.
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4)
            .min(sets.len() / 16)
            .max(1);
        let chunk = sets.len().div_ceil(threads).max(1);
        let parts: Vec<LabelledRows<'_>> = if threads > 1 {
            std::thread::scope(|scope| {
                let handles: Vec<_> = sets
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || label_rows(part)))
                    .collect();
                handles
                    .into_iter()
                    .zip(sets.chunks(chunk))
                    .map(|(h, part)| h.join().unwrap_or_else(|_| label_rows(part)))
                    .collect()
            })
        } else {
            vec![label_rows(&sets)]
        };
        let mut sorted: Vec<&str> = parts
            .iter()
            .flat_map(|(found, _)| found.iter().copied())
            .collect();
        sorted.sort_unstable();
        sorted.dedup();
        let fits = |n: usize| n < usize::from(NO_LABEL);
        let parts = if parts.len() > 1
            && !(fits(sorted.len()) && parts.iter().all(|(found, _)| fits(found.len())))
        {
            // More labels than indices: as numbered over all documents at once.
            vec![label_rows(&sets)]
        } else {
            parts
        };
        let mut rows: Vec<Vec<Vec<Row>>> = Vec::with_capacity(sets.len());
        for (found, part) in parts {
            let renumber: Vec<u16> = found
                .iter()
                .map(|label| {
                    sorted
                        .binary_search(label)
                        .ok()
                        .and_then(|new| u16::try_from(new).ok())
                        .unwrap_or(NO_LABEL)
                })
                .collect();
            let mut part = part;
            for row in part.iter_mut().flatten().flatten() {
                row.label = renumber
                    .get(usize::from(row.label))
                    .copied()
                    .unwrap_or(NO_LABEL);
            }
            rows.extend(part);
        }
        Self {
            project,
            documents,
            annotators,
            sets,
            labels: sorted.into_iter().map(str::to_owned).collect(),
            rows,
        }
    }

    /// Annotator `k`'s spans of document `d`, if they annotated it.
    fn layer(&self, d: usize, k: usize) -> Option<Layer<'_>> {
        let set = (*self.sets.get(d)?.get(k)?)?;
        Some(Layer {
            spans: set.spans(),
            rows: self.rows.get(d)?.get(k)?,
        })
    }

    fn report(&self) -> AgreementReport {
        // The per-character coefficients, α_u and the span matching are independent: each on
        // a thread of its own (the matching on the cores there are), so that the longest sets
        // the time, not the sum of the first two.
        let ((chars, unitizing), (pairs, attributes)) = std::thread::scope(|scope| {
            let chars = std::thread::Builder::new()
                .name("agreement: characters".to_owned())
                .spawn_scoped(scope, || self.char_figures());
            let units = std::thread::Builder::new()
                .name("agreement: units".to_owned())
                .spawn_scoped(scope, || self.unitizing());
            let spans = self.span_figures();
            let chars = chars
                .ok()
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| self.char_figures());
            let units = units
                .ok()
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| self.unitizing());
            ((chars, units), spans)
        });
        let CharFigures {
            overall: overall_chars,
            labels: label_chars,
        } = chars;
        let mut pairs = pairs;
        for (pair, (overall, labels)) in pairs.iter_mut().zip(&overall_chars.pairs) {
            pair.overall.cohen_kappa = *overall;
            for (label, kappa) in self.labels.iter().zip(labels) {
                pair.labels.entry(label.clone()).or_default().cohen_kappa = *kappa;
            }
        }
        let two = self.annotators.len() == 2;
        let totals = self.span_totals();
        let mut labels = BTreeMap::new();
        for (index, label) in self.labels.iter().enumerate() {
            let chars = label_chars.get(index);
            let figures = Figures {
                spans: self.totals_of(&totals, Some(index)),
                f1_exact: mean_of(&pairs, |p| label_scores(p, label).exact.f1()),
                f1_overlap: mean_of(&pairs, |p| label_scores(p, label).overlap.f1()),
                cohen_kappa: pairs
                    .first()
                    .filter(|_| two)
                    .and_then(|p| label_scores(p, label).cohen_kappa),
                fleiss_kappa: chars.and_then(|c| c.fleiss),
                krippendorff_alpha: chars.and_then(|c| c.alpha),
                alpha_u: unitizing.get(index).and_then(|u| u.alpha),
                attributes: attributes.get(label).cloned().unwrap_or_default(),
            };
            labels.insert(label.clone(), figures);
        }
        let overall = Figures {
            spans: self.totals_of(&totals, None),
            f1_exact: mean_of(&pairs, |p| p.overall.exact.f1()),
            f1_overlap: mean_of(&pairs, |p| p.overall.overlap.f1()),
            cohen_kappa: pairs
                .first()
                .filter(|_| two)
                .and_then(|p| p.overall.cohen_kappa),
            fleiss_kappa: overall_chars.fleiss,
            krippendorff_alpha: overall_chars.alpha,
            alpha_u: overall_unitizing(&unitizing),
            attributes: BTreeMap::new(),
        };
        AgreementReport {
            annotators: self.annotators.clone(),
            documents: self.documents.iter().map(|d| d.meta.id.clone()).collect(),
            characters: self
                .documents
                .iter()
                .map(|d| u64::from(d.text.len_chars().0))
                .sum(),
            overall,
            labels,
            pairs,
        }
    }

    /// κ and α on characters, overall and per label.
    fn char_figures(&self) -> CharFigures {
        let layers: Vec<DocumentLayers<'_>> = self
            .documents
            .iter()
            .enumerate()
            .map(|(d, doc)| DocumentLayers {
                len: doc.text.len_chars().0,
                spans: (0..self.annotators.len())
                    .map(|k| self.layer(d, k))
                    .collect(),
            })
            .collect();
        let chars = CharRatings::new(&layers, self.labels.len(), self.annotators.len());
        let pairs = self.pair_indices();
        let figures = |ratings: &Ratings| LayerFigures {
            fleiss: ratings.fleiss().map(|k| k.value),
            alpha: ratings.alpha(&Delta::Nominal),
            pairs: pairs
                .iter()
                .map(|&(i, j)| ratings.cohen(i, j).map(|k| k.value))
                .collect(),
        };
        let labels: Vec<LayerFigures> = (0..self.labels.len())
            .map(|i| figures(&chars.for_label(u16::try_from(i).unwrap_or(NO_LABEL))))
            .collect();
        let overall = figures(&chars.overall);
        CharFigures {
            overall: OverallChars {
                fleiss: overall.fleiss,
                alpha: overall.alpha,
                pairs: overall
                    .pairs
                    .into_iter()
                    .enumerate()
                    .map(|(p, kappa)| {
                        let per_label = labels
                            .iter()
                            .map(|l| l.pairs.get(p).copied().flatten())
                            .collect();
                        (kappa, per_label)
                    })
                    .collect(),
            },
            labels,
        }
    }

    /// Spans per annotator and label index (the last slot: labels not compared).
    fn span_totals(&self) -> Vec<Vec<usize>> {
        let mut totals = vec![vec![0usize; self.labels.len() + 1]; self.annotators.len()];
        for per_document in &self.rows {
            for (k, rows) in per_document.iter().enumerate() {
                let Some(row) = totals.get_mut(k) else {
                    continue;
                };
                for span in rows {
                    let slot = usize::from(span.label).min(self.labels.len());
                    if let Some(n) = row.get_mut(slot) {
                        *n += 1;
                    }
                }
            }
        }
        totals
    }

    /// The spans of one label index (all labels: `None`) per annotator.
    fn totals_of(&self, totals: &[Vec<usize>], label: Option<usize>) -> BTreeMap<String, usize> {
        self.annotators
            .iter()
            .zip(totals)
            .map(|(a, row)| {
                let n = match label {
                    Some(l) => row.get(l).copied().unwrap_or(0),
                    None => row.iter().sum(),
                };
                (a.clone(), n)
            })
            .collect()
    }

    /// The annotator pairs `(i, j)`, `i < j`.
    fn pair_indices(&self) -> Vec<(usize, usize)> {
        let n = self.annotators.len();
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect()
    }

    /// Span F1 of every pair (without κ, which the characters give) and the attribute
    /// agreement on the spans matched by overlap.
    fn span_figures(&self) -> (Vec<PairFigures>, AttributeFigures) {
        let n_labels = self.labels.len();
        // Each annotator's spans in sweep order, once per document.
        let orders: Vec<Vec<Option<Vec<Placed>>>> = (0..self.documents.len())
            .map(|d| {
                (0..self.annotators.len())
                    .map(|k| self.layer(d, k).map(|layer| sweep_order(layer.rows)))
                    .collect()
            })
            .collect();
        let pairs = self.pair_indices();
        // The pairs are independent: parted among the cores there are (the characters'
        // figures run beside them), then joined in pair order.
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4)
            .min(pairs.len())
            .max(1);
        let chunk = pairs.len().div_ceil(threads).max(1);
        let run = |part: &[(usize, usize)]| -> Vec<OnePair> {
            let mut matcher = Matcher::default();
            part.iter()
                .map(|&(i, j)| self.one_pair(&orders, &mut matcher, i, j))
                .collect()
        };
        let done: Vec<OnePair> = if threads > 1 {
            std::thread::scope(|scope| {
                let handles: Vec<_> = pairs
                    .chunks(chunk)
                    .map(|part| {
                        let run = &run;
                        scope.spawn(move || run(part))
                    })
                    .collect();
                handles
                    .into_iter()
                    .zip(pairs.chunks(chunk))
                    .flat_map(|(h, part)| h.join().unwrap_or_else(|_| run(part)))
                    .collect()
            })
        } else {
            run(&pairs)
        };
        let mut figures = Vec::with_capacity(pairs.len());
        // label index -> attribute -> one tally per annotator pair
        let mut tallies: BTreeMap<u16, BTreeMap<String, Vec<PairTally>>> = BTreeMap::new();
        let mut unmatched = vec![0usize; n_labels];
        for (p, one) in done.into_iter().enumerate() {
            for (label, per_attribute) in one.tallies {
                for (name, tally) in per_attribute {
                    let per_pair = tallies
                        .entry(label)
                        .or_default()
                        .entry(name)
                        .or_insert_with(|| vec![PairTally::default(); pairs.len()]);
                    if let Some(slot) = per_pair.get_mut(p) {
                        *slot = tally;
                    }
                }
            }
            for (lost, n) in unmatched.iter_mut().zip(one.unmatched) {
                *lost += n;
            }
            figures.push(one.figures);
        }
        let two = self.annotators.len() == 2;
        let attributes = tallies
            .into_iter()
            .filter_map(|(label, per_attribute)| {
                let name = self.labels.get(usize::from(label))?;
                let lost = unmatched.get(usize::from(label)).copied().unwrap_or(0);
                let summaries = per_attribute
                    .into_iter()
                    .map(|(attribute, per_pair)| {
                        let s =
                            summarise(&self.project.schema, name, &attribute, &per_pair, lost, two);
                        (attribute, s)
                    })
                    .collect();
                Some((name.clone(), summaries))
            })
            .collect();
        (figures, attributes)
    }

    /// Span F1 of one annotator pair `(i, j)` over the documents, its attribute tallies and
    /// the spans left unmatched per label.
    fn one_pair(
        &self,
        orders: &[Vec<Option<Vec<Placed>>>],
        matcher: &mut Matcher,
        i: usize,
        j: usize,
    ) -> OnePair {
        let n_labels = self.labels.len();
        let mut tallies: BTreeMap<u16, BTreeMap<String, PairTally>> = BTreeMap::new();
        let mut unmatched = vec![0usize; n_labels];
        let mut counts = vec![(SpanCounts::default(), SpanCounts::default()); n_labels];
        let mut exact_matched = vec![0usize; n_labels];
        for d in 0..self.documents.len() {
            let (Some(a), Some(b)) = (self.layer(d, i), self.layer(d, j)) else {
                continue;
            };
            let swept = |layer, k: usize| Swept {
                layer,
                order: orders
                    .get(d)
                    .and_then(|o| o.get(k))
                    .and_then(Option::as_deref)
                    .unwrap_or_default(),
            };
            let (a, b) = (swept(a, i), swept(b, j));
            matcher.count_exact(a, b, &mut exact_matched);
            let overlap = matcher.overlap_matches(a, b);
            let (a, b) = (a.layer, b.layer);
            for (rows, side) in [(a.rows, 0), (b.rows, 1)] {
                for row in rows {
                    if let Some((exact, overlap)) = counts.get_mut(usize::from(row.label)) {
                        if side == 0 {
                            exact.a += 1;
                            overlap.a += 1;
                        } else {
                            exact.b += 1;
                            overlap.b += 1;
                        }
                    }
                }
            }
            let (Some(set_a), Some(set_b)) = (
                self.sets.get(d).and_then(|s| *s.get(i)?),
                self.sets.get(d).and_then(|s| *s.get(j)?),
            ) else {
                continue;
            };
            for m in overlap {
                let label = a.label(m.a);
                if let Some((_, overlap)) = counts.get_mut(usize::from(label)) {
                    overlap.matched += 1;
                }
                // Most spans have neither attributes nor an entity link: their rows say so,
                // without reading the annotations (a cache miss each).
                let plain = |layer: Layer<'_>, i: usize| layer.rows.get(i).is_some_and(|r| r.plain);
                if plain(a, m.a) && plain(b, m.b) {
                    continue;
                }
                // A table has no annotation for a plain span: it has no values.
                let values = |layer: Layer<'_>, i: usize, set: Source<'_>| {
                    layer
                        .spans
                        .annotation(i)
                        .map(|x| comparable_values(x, &set))
                        .unwrap_or_default()
                };
                let (vx, vy) = (values(a, m.a, set_a), values(b, m.b, set_b));
                if vx.is_empty() && vy.is_empty() {
                    continue;
                }
                let names: BTreeSet<&String> = vx.keys().chain(vy.keys()).collect();
                for name in names {
                    tallies
                        .entry(label)
                        .or_default()
                        .entry(name.clone())
                        .or_default()
                        .add(vx.get(name), vy.get(name));
                }
            }
        }
        for ((exact, _), matched) in counts.iter_mut().zip(exact_matched) {
            exact.matched = matched;
        }
        let mut overall = PairScores::default();
        let mut labels = BTreeMap::new();
        for ((label, (exact, overlap)), lost) in
            self.labels.iter().zip(counts).zip(unmatched.iter_mut())
        {
            *lost = overlap.unmatched();
            overall.exact += exact;
            overall.overlap += overlap;
            labels.insert(
                label.clone(),
                PairScores {
                    exact,
                    overlap,
                    cohen_kappa: None,
                },
            );
        }
        OnePair {
            figures: PairFigures {
                a: self.annotators.get(i).cloned().unwrap_or_default(),
                b: self.annotators.get(j).cloned().unwrap_or_default(),
                overall,
                labels,
            },
            tallies,
            unmatched,
        }
    }

    /// α_u of every label over the documents every annotator annotated, concatenated.
    fn unitizing(&self) -> Vec<UnitizingAlpha> {
        let raters = self.annotators.len();
        // label -> rater -> units
        let mut units: Vec<Vec<Vec<Fragment>>> = vec![vec![Vec::new(); raters]; self.labels.len()];
        let mut offset = 0u32;
        for (d, doc) in self.documents.iter().enumerate() {
            let layers: Vec<Option<Layer<'_>>> = (0..raters).map(|k| self.layer(d, k)).collect();
            if layers.iter().any(Option::is_none) {
                continue;
            }
            let len = doc.text.len_chars().0;
            for (k, layer) in layers.iter().flatten().enumerate() {
                for (i, row) in layer.rows.iter().enumerate() {
                    let Some(per_rater) = units
                        .get_mut(usize::from(row.label))
                        .and_then(|l| l.get_mut(k))
                    else {
                        continue;
                    };
                    for f in layer.fragments(i) {
                        per_rater.push(Fragment {
                            start: CharOffset(offset.saturating_add(f.start.0.min(len))),
                            end: CharOffset(offset.saturating_add(f.end.0.min(len))),
                        });
                    }
                }
            }
            offset = offset.saturating_add(len);
        }
        let continuum = Fragment {
            start: CharOffset(0),
            end: CharOffset(offset),
        };
        units
            .into_iter()
            .map(|per_rater| category_alpha(continuum, per_rater))
            .collect()
    }
}

/// Attribute agreement by label, then attribute.
type AttributeFigures = BTreeMap<String, BTreeMap<String, AttributeAgreement>>;

/// Fleiss' κ, α and each pair's Cohen's κ of one layer of characters.
struct LayerFigures {
    fleiss: Option<f64>,
    alpha: Option<f64>,
    /// Per annotator pair, in [`Computation::pair_indices`] order.
    pairs: Vec<Option<f64>>,
}

/// The overall layer's figures, with each pair's κ overall and per label.
struct OverallChars {
    fleiss: Option<f64>,
    alpha: Option<f64>,
    /// Per pair: overall κ, and κ per label index.
    pairs: Vec<(Option<f64>, Vec<Option<f64>>)>,
}

/// Everything computed on characters.
struct CharFigures {
    overall: OverallChars,
    /// Per label index.
    labels: Vec<LayerFigures>,
}

/// `1 − mean D_o / mean D_e` over the labels (§4).
fn overall_unitizing(labels: &[UnitizingAlpha]) -> Option<f64> {
    let observed: f64 = labels.iter().map(|u| u.observed).sum();
    let expected: f64 = labels.iter().map(|u| u.expected).sum();
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

fn label_scores(pair: &PairFigures, label: &str) -> PairScores {
    pair.labels.get(label).copied().unwrap_or_default()
}

/// The mean over pairs of a figure, leaving out pairs where it is undefined.
fn mean_of(pairs: &[PairFigures], figure: impl Fn(&PairFigures) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = pairs.iter().filter_map(figure).collect();
    mean(&values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocText, DocumentMeta, Schema};

    /// The rows of many documents, built a part of them on each core, are those numbering
    /// every label over all documents at once gives: labels sorted, each span's row with
    /// its label's index there, whatever part met which label first.
    #[test]
    fn rows_built_in_parts_number_labels_as_over_all_documents() {
        let mut rng = fastrand::Rng::with_seed(11);
        let names = ["Zeta", "Alpha", "Mid", "Beta", "Omega", "Gamma"];
        let mut project = Project::new("test", Schema::news_default());
        for d in 0..70 {
            let id = format!("d{d:02}");
            project.documents.push(Document {
                meta: DocumentMeta {
                    id: id.clone(),
                    title: id.clone(),
                    source_file: format!("{id}.txt"),
                    sha256: String::new(),
                    added: jiff::Timestamp::UNIX_EPOCH,
                    published: None,
                    source_url: None,
                    fetched: None,
                },
                text: DocText::new("word ".repeat(40)).unwrap(),
            });
            // Later documents use labels earlier ones do not, and in another order.
            let labels = &names[(d / 12).min(names.len() - 1)..];
            for annotator in ["anna", "bo", "cy"] {
                let set = project.set_mut(&id, annotator);
                set.status = Status::Done;
                for _ in 0..rng.usize(0..6) {
                    let start = rng.u32(..190);
                    let label = labels[rng.usize(..labels.len())];
                    let fragments = vec![crate::model::Fragment {
                        start: CharOffset(start),
                        end: CharOffset(start + 1 + rng.u32(..9)),
                    }];
                    set.insert(crate::model::Annotation::new(label, fragments));
                }
            }
        }
        let documents: Vec<&Document> = project.documents.iter().collect();
        let annotators: Vec<String> = ["anna", "bo", "cy"].map(str::to_owned).to_vec();
        let sources = |d: &str, a: &str| project.set(d, a).map(Source::Set);
        let c = Computation::new(&project, &sources, documents, annotators);
        let mut labels: Vec<String> = project
            .sets
            .values()
            .flat_map(|s| s.iter().map(|a| a.label.to_string()))
            .collect();
        labels.sort();
        labels.dedup();
        assert_eq!(c.labels, labels);
        for (d, per_document) in c.rows.iter().enumerate() {
            for (k, rows) in per_document.iter().enumerate() {
                let set = match c.sets[d][k] {
                    Some(Source::Set(set)) => set.annotations(),
                    _ => Default::default(),
                };
                let expected: Vec<Row> = set
                    .iter()
                    .map(|a| {
                        let index = labels.iter().position(|l| *l == a.label).unwrap();
                        Row::of(a, index as u16)
                    })
                    .collect();
                assert_eq!(rows, &expected, "document {d}, annotator {k}");
            }
        }
    }
}
