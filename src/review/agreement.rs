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

use std::collections::{BTreeMap, BTreeSet};

use super::attributes::{AttributeAgreement, PairTally, comparable_values, summarise};
use super::coefficients::{Delta, Ratings, mean};
use super::layers::{CharRatings, DocumentLayers};
use super::matching::{Matching, SpanCounts, match_spans, span_counts};
use super::unitizing::{UnitizingAlpha, category_alpha};
use crate::model::{AnnotationSet, CharOffset, Document, Fragment, Project, Status};

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
    set.is_some_and(|s| !s.annotations().is_empty() || s.status != Status::NotStarted)
}

/// Agreement on `documents` (all when empty) among `annotators` (when empty: everyone who
/// annotated one of them).
pub fn agreement(
    project: &Project,
    documents: &[String],
    annotators: &[String],
) -> Result<AgreementReport, AgreementError> {
    let documents = select_documents(project, documents)?;
    let annotators = select_annotators(project, &documents, annotators)?;
    Ok(Computation::new(project, documents, annotators).report())
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
    documents: &[&Document],
    names: &[String],
) -> Result<Vec<String>, AgreementError> {
    let annotated = |name: &str| {
        documents
            .iter()
            .any(|d| has_annotated(project.set(&d.meta.id, name)))
    };
    let known = project.annotators();
    let mut chosen: Vec<String> = if names.is_empty() {
        known.iter().filter(|n| annotated(n)).cloned().collect()
    } else {
        for name in names {
            if !known.contains(name) {
                return Err(AgreementError::UnknownAnnotator {
                    name: name.clone(),
                    known: list(&known),
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

/// The selection and everything derived from it once.
struct Computation<'p> {
    project: &'p Project,
    documents: Vec<&'p Document>,
    annotators: Vec<String>,
    /// Per document, per annotator: the set if the annotator annotated the document.
    sets: Vec<Vec<Option<&'p AnnotationSet>>>,
    labels: Vec<String>,
}

impl<'p> Computation<'p> {
    fn new(project: &'p Project, documents: Vec<&'p Document>, annotators: Vec<String>) -> Self {
        let sets: Vec<Vec<Option<&AnnotationSet>>> = documents
            .iter()
            .map(|d| {
                annotators
                    .iter()
                    .map(|a| {
                        project
                            .set(&d.meta.id, a)
                            .filter(|s| has_annotated(Some(s)))
                    })
                    .collect()
            })
            .collect();
        let labels: BTreeSet<String> = sets
            .iter()
            .flatten()
            .flatten()
            .flat_map(|s| s.iter().map(|a| a.label.clone()))
            .collect();
        Self {
            project,
            documents,
            annotators,
            sets,
            labels: labels.into_iter().collect(),
        }
    }

    fn report(&self) -> AgreementReport {
        let chars = self.char_ratings();
        let pairs = self.pairs(&chars);
        let attributes = self.attribute_agreement();
        let two = self.annotators.len() == 2;
        let unitizing: Vec<UnitizingAlpha> =
            self.labels.iter().map(|l| self.unitizing(l)).collect();
        let mut labels = BTreeMap::new();
        for ((index, label), alpha_u) in self.labels.iter().enumerate().zip(&unitizing) {
            let ratings = chars.for_label(u16::try_from(index).unwrap_or(u16::MAX));
            let figures = Figures {
                spans: self.span_totals(Some(label)),
                f1_exact: mean_of(&pairs, |p| label_scores(p, label).exact.f1()),
                f1_overlap: mean_of(&pairs, |p| label_scores(p, label).overlap.f1()),
                cohen_kappa: pairs
                    .first()
                    .filter(|_| two)
                    .and_then(|p| label_scores(p, label).cohen_kappa),
                fleiss_kappa: ratings.fleiss().map(|k| k.value),
                krippendorff_alpha: ratings.alpha(&Delta::Nominal),
                alpha_u: alpha_u.alpha,
                attributes: attributes.get(label).cloned().unwrap_or_default(),
            };
            labels.insert(label.clone(), figures);
        }
        let overall = Figures {
            spans: self.span_totals(None),
            f1_exact: mean_of(&pairs, |p| p.overall.exact.f1()),
            f1_overlap: mean_of(&pairs, |p| p.overall.overlap.f1()),
            cohen_kappa: pairs
                .first()
                .filter(|_| two)
                .and_then(|p| p.overall.cohen_kappa),
            fleiss_kappa: chars.overall.fleiss().map(|k| k.value),
            krippendorff_alpha: chars.overall.alpha(&Delta::Nominal),
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

    fn char_ratings(&self) -> CharRatings {
        let layers: Vec<DocumentLayers<'_>> = self
            .documents
            .iter()
            .zip(&self.sets)
            .map(|(doc, sets)| DocumentLayers {
                len: doc.text.len_chars().0,
                spans: sets
                    .iter()
                    .map(|s| s.map(AnnotationSet::annotations))
                    .collect(),
            })
            .collect();
        CharRatings::new(&layers, &self.labels, self.annotators.len())
    }

    fn span_totals(&self, label: Option<&str>) -> BTreeMap<String, usize> {
        let mut totals: BTreeMap<String, usize> =
            self.annotators.iter().map(|a| (a.clone(), 0)).collect();
        for sets in &self.sets {
            for (annotator, set) in self.annotators.iter().zip(sets) {
                let n = set.map_or(0, |s| {
                    s.annotations()
                        .iter()
                        .filter(|a| label.is_none_or(|l| a.label == l))
                        .count()
                });
                *totals.entry(annotator.clone()).or_default() += n;
            }
        }
        totals
    }

    /// The annotator pairs `(i, j)`, `i < j`.
    fn pair_indices(&self) -> Vec<(usize, usize)> {
        let n = self.annotators.len();
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect()
    }

    /// The documents both annotators of a pair annotated, as their two sets.
    fn shared_sets(&self, i: usize, j: usize) -> Vec<(&'p AnnotationSet, &'p AnnotationSet)> {
        self.sets
            .iter()
            .filter_map(|sets| Some(((*sets.get(i)?)?, (*sets.get(j)?)?)))
            .collect()
    }

    fn pairs(&self, chars: &CharRatings) -> Vec<PairFigures> {
        let label_ratings: Vec<Ratings> = (0..self.labels.len())
            .map(|i| chars.for_label(u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        self.pair_indices()
            .into_iter()
            .map(|(i, j)| {
                let mut labels: BTreeMap<String, PairScores> = self
                    .labels
                    .iter()
                    .zip(&label_ratings)
                    .map(|(label, ratings)| {
                        let scores = PairScores {
                            cohen_kappa: ratings.cohen(i, j).map(|k| k.value),
                            ..PairScores::default()
                        };
                        (label.clone(), scores)
                    })
                    .collect();
                let mut overall = PairScores {
                    cohen_kappa: chars.overall.cohen(i, j).map(|k| k.value),
                    ..PairScores::default()
                };
                for (a, b) in self.shared_sets(i, j) {
                    for (matching, pick) in [
                        (
                            Matching::Exact,
                            exact_of as fn(&mut PairScores) -> &mut SpanCounts,
                        ),
                        (Matching::Overlap, overlap_of),
                    ] {
                        for (label, counts) in
                            span_counts(a.annotations(), b.annotations(), matching)
                        {
                            *pick(&mut overall) += counts;
                            *pick(labels.entry(label).or_default()) += counts;
                        }
                    }
                }
                PairFigures {
                    a: self.annotators.get(i).cloned().unwrap_or_default(),
                    b: self.annotators.get(j).cloned().unwrap_or_default(),
                    overall,
                    labels,
                }
            })
            .collect()
    }

    /// Attribute agreement per label and attribute.
    fn attribute_agreement(&self) -> BTreeMap<String, BTreeMap<String, AttributeAgreement>> {
        // label -> attribute -> one tally per annotator pair
        let pairs = self.pair_indices();
        let mut tallies: BTreeMap<String, BTreeMap<String, Vec<PairTally>>> = BTreeMap::new();
        let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
        for (p, &(i, j)) in pairs.iter().enumerate() {
            for (a, b) in self.shared_sets(i, j) {
                for (label, counts) in
                    span_counts(a.annotations(), b.annotations(), Matching::Overlap)
                {
                    *unmatched.entry(label).or_default() += counts.unmatched();
                }
                for m in match_spans(a.annotations(), b.annotations(), Matching::Overlap) {
                    let (Some(x), Some(y)) = (a.annotations().get(m.a), b.annotations().get(m.b))
                    else {
                        continue;
                    };
                    let (vx, vy) = (comparable_values(x, a), comparable_values(y, b));
                    let names: BTreeSet<&String> = vx.keys().chain(vy.keys()).collect();
                    for name in names {
                        let per_pair = tallies
                            .entry(x.label.clone())
                            .or_default()
                            .entry(name.clone())
                            .or_insert_with(|| vec![PairTally::default(); pairs.len()]);
                        if let Some(tally) = per_pair.get_mut(p) {
                            tally.add(vx.get(name), vy.get(name));
                        }
                    }
                }
            }
        }
        let two = self.annotators.len() == 2;
        tallies
            .into_iter()
            .map(|(label, per_attribute)| {
                let lost = unmatched.get(&label).copied().unwrap_or(0);
                let summaries = per_attribute
                    .into_iter()
                    .map(|(name, per_pair)| {
                        let s =
                            summarise(&self.project.schema, &label, &name, &per_pair, lost, two);
                        (name, s)
                    })
                    .collect();
                (label, summaries)
            })
            .collect()
    }

    /// α_u of one label over the documents every annotator annotated, concatenated.
    fn unitizing(&self, label: &str) -> UnitizingAlpha {
        let mut per_rater: Vec<Vec<Fragment>> = vec![Vec::new(); self.annotators.len()];
        let mut offset = 0u32;
        for (doc, sets) in self.documents.iter().zip(&self.sets) {
            if sets.iter().any(Option::is_none) {
                continue;
            }
            let len = doc.text.len_chars().0;
            for (units, set) in per_rater.iter_mut().zip(sets.iter().flatten()) {
                let fragments = set
                    .annotations()
                    .iter()
                    .filter(|a| a.label == label)
                    .flat_map(|a| a.fragments.iter());
                for f in fragments {
                    units.push(Fragment {
                        start: CharOffset(offset.saturating_add(f.start.0.min(len))),
                        end: CharOffset(offset.saturating_add(f.end.0.min(len))),
                    });
                }
            }
            offset = offset.saturating_add(len);
        }
        let continuum = Fragment {
            start: CharOffset(0),
            end: CharOffset(offset),
        };
        category_alpha(continuum, per_rater)
    }
}

/// `1 − mean D_o / mean D_e` over the labels (§4).
fn overall_unitizing(labels: &[UnitizingAlpha]) -> Option<f64> {
    let observed: f64 = labels.iter().map(|u| u.observed).sum();
    let expected: f64 = labels.iter().map(|u| u.expected).sum();
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

fn exact_of(scores: &mut PairScores) -> &mut SpanCounts {
    &mut scores.exact
}

fn overlap_of(scores: &mut PairScores) -> &mut SpanCounts {
    &mut scores.overlap
}

fn label_scores(pair: &PairFigures, label: &str) -> PairScores {
    pair.labels.get(label).copied().unwrap_or_default()
}

/// The mean over pairs of a figure, leaving out pairs where it is undefined.
fn mean_of(pairs: &[PairFigures], figure: impl Fn(&PairFigures) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = pairs.iter().filter_map(figure).collect();
    mean(&values)
}
