//! From overlapping spans to one category per character per annotator
//! (`reference/agreement.md` §2), as weighted [`Ratings`].
//!
//! Every character of a document's stored text is a unit, whitespace and punctuation
//! included (as in Krippendorff's 1995 example). A character's overall category is the set
//! of labels covering it (`"none"` when uncovered); per label it is inside or outside a span
//! of that label. An annotator who did not annotate a document has missing values there.
//!
//! ## Implementation notes
//!
//! Characters are never listed one by one: they are counted in runs. Each annotator's spans
//! become runs of constant category (a sweep over the sorted span boundaries), and the runs of
//! all annotators are cut at each other's boundaries into pieces over which no annotator's
//! category changes. κ, π and α depend on the units only through how many units carry each
//! combination of the coders' values, so a piece of `n` characters adds `n` to the weight of
//! its combination, and the coefficients run on the few distinct combinations (a few dozen
//! for two annotators) instead of millions of characters. The weights are sums of whole
//! numbers, exact in `f64`; the figures equal those computed character by character (a test
//! in `tests/agreement.rs` checks it on random projects).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::coefficients::{RatedUnit, Ratings};
use crate::model::{Annotation, Annotations, Fragment, SpanTable, TableSpan};

/// The label index of a span whose label is not among the compared ones (left out).
pub(crate) const NO_LABEL: u16 = u16::MAX;

/// A coder's value in a combination key: missing.
const MISSING: u32 = u32::MAX;

/// One span as the computations read it, in a compact row: its hull, the index of its label
/// and whether it has several fragments. Reading rows instead of the annotations keeps the
/// sweeps in contiguous memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    /// From the first fragment's start to the last one's end.
    pub hull: Fragment,
    /// The label index; [`NO_LABEL`] leaves the span out.
    pub label: u16,
    /// More than one fragment: the fragments are read from the annotation (or the table).
    pub split: bool,
    /// No attributes and no entity link: nothing to compare once the span is matched, so
    /// the annotation itself (elsewhere in memory) need not be read.
    pub plain: bool,
}

impl Row {
    /// The row of `span` with label index `label`.
    pub(crate) fn of(span: &Annotation, label: u16) -> Self {
        let fragments = span.fragments.as_slice();
        Self {
            hull: Fragment::hull(fragments),
            label,
            split: fragments.len() > 1,
            plain: span.attributes.is_empty() && span.entity.is_none(),
        }
    }

    /// The row of a table's span, with label index `label`.
    pub(crate) fn of_table(span: &TableSpan, label: u16) -> Self {
        Self {
            hull: span.hull,
            label,
            split: span.split,
            plain: span.plain,
        }
    }

    /// First character.
    pub(crate) fn start(&self) -> u32 {
        self.hull.start.0
    }

    /// First character after the span.
    pub(crate) fn end(&self) -> u32 {
        self.hull.end.0
    }
}

/// Where a layer's spans are read beyond their rows: the annotations of a set, or a set
/// read as a table (`lector agree`, which builds no annotations).
#[derive(Clone, Copy)]
pub(crate) enum Spans<'a> {
    /// Annotations, in any order.
    Annotations(Annotations<'a>),
    /// A table of a set's spans.
    Table(&'a SpanTable),
}

impl<'a> Spans<'a> {
    /// How many spans.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Annotations(spans) => spans.len(),
            Self::Table(table) => table.len(),
        }
    }

    /// The id of span `i`.
    pub(crate) fn id(&self, i: usize) -> Option<&'a str> {
        match self {
            Self::Annotations(spans) => spans.get(i).map(|s| s.id.0.as_str()),
            Self::Table(table) => table.id(i).map(|id| id.0.as_str()),
        }
    }

    /// The annotation of span `i`, with its attributes and entity link; a table keeps only
    /// those that have one of them (`None` for the others).
    pub(crate) fn annotation(&self, i: usize) -> Option<&'a Annotation> {
        match self {
            Self::Annotations(spans) => spans.get(i).map(|s| &**s),
            Self::Table(table) => table.annotation(i).map(|s| &**s),
        }
    }

    /// The fragments of span `i`.
    fn fragments(&self, i: usize) -> &'a [Fragment] {
        match self {
            Self::Annotations(spans) => spans.get(i).map_or(&[][..], |s| s.fragments.as_slice()),
            Self::Table(table) => table.fragments(i),
        }
    }
}

impl<'a> From<Annotations<'a>> for Spans<'a> {
    fn from(spans: Annotations<'a>) -> Self {
        Self::Annotations(spans)
    }
}

/// One annotator's spans of one document, with their rows.
#[derive(Clone, Copy)]
pub(crate) struct Layer<'a> {
    /// The spans.
    pub spans: Spans<'a>,
    /// The row of each span (parallel to `spans`).
    pub rows: &'a [Row],
}

impl<'a> Layer<'a> {
    /// The fragments of span `i`: from its row unless it has several.
    #[inline]
    pub(crate) fn fragments(&self, i: usize) -> &'a [Fragment] {
        match self.rows.get(i) {
            Some(row) if !row.split => std::slice::from_ref(&row.hull),
            Some(_) => self.spans.fragments(i),
            None => &[],
        }
    }

    /// The label index of span `i` ([`NO_LABEL`] if it is left out).
    pub(crate) fn label(&self, i: usize) -> u16 {
        self.rows.get(i).map_or(NO_LABEL, |r| r.label)
    }
}

/// One document as the coefficients see it: its length and each annotator's spans, `None`
/// for an annotator who did not annotate it.
pub(crate) struct DocumentLayers<'a> {
    /// Length in chars.
    pub len: u32,
    /// Spans per annotator, in annotator order.
    pub spans: Vec<Option<Layer<'a>>>,
}

/// Per-character categories of all selected documents, concatenated.
pub(crate) struct CharRatings {
    /// Category id → the sorted label indices covering the character (empty: none).
    pub label_sets: Vec<Vec<u16>>,
    /// One weighted unit per distinct combination of the coders' categories (ids into
    /// `label_sets`), sorted by the combination.
    pub overall: Ratings,
}

impl CharRatings {
    /// Builds the ratings of `coders` annotators; `labels` is the number of label indices.
    pub(crate) fn new(documents: &[DocumentLayers<'_>], labels: usize, coders: usize) -> Self {
        let mut sweep = Sweep::new(labels);
        // Runs first, so that the tally knows how many categories there are.
        let runs: Vec<Vec<Option<Vec<Run>>>> = documents
            .iter()
            .map(|doc| {
                doc.spans
                    .iter()
                    .map(|layer| layer.map(|layer| sweep.runs(doc.len, layer)))
                    .collect()
            })
            .collect();
        let label_sets = sweep.label_sets();
        let mut tally = Tally::new(coders, label_sets.len());
        for (doc, runs) in documents.iter().zip(&runs) {
            tally.add_document(doc.len, runs);
        }
        Self {
            overall: tally.ratings(coders, label_sets.len()),
            label_sets,
        }
    }

    /// The binary layer of one label: category 1 inside a span of it, 0 outside.
    pub(crate) fn for_label(&self, label: u16) -> Ratings {
        let inside: Vec<u32> = self
            .label_sets
            .iter()
            .map(|set| u32::from(set.binary_search(&label).is_ok()))
            .collect();
        let coders = self.overall.coders;
        if coders <= 32
            && self
                .overall
                .units
                .iter()
                .all(|unit| unit.values.len() == coders)
        {
            return self.for_label_packed(&inside);
        }
        self.for_label_tree(&inside)
    }

    /// [`Self::for_label`] for any number of coders, `inside` telling which categories hold
    /// the label.
    fn for_label_tree(&self, inside: &[u32]) -> Ratings {
        let mut weights: BTreeMap<Vec<Option<u32>>, f64> = BTreeMap::new();
        for unit in &self.overall.units {
            let values = unit
                .values
                .iter()
                .map(|v| v.map(|c| inside.get(c as usize).copied().unwrap_or(0)))
                .collect();
            *weights.entry(values).or_default() += unit.weight;
        }
        Ratings {
            coders: self.overall.coders,
            categories: 2,
            units: weights
                .into_iter()
                .map(|(values, weight)| RatedUnit { weight, values })
                .collect(),
        }
    }
}

impl CharRatings {
    /// [`Self::for_label`] for up to 32 coders: each unit's combination packed in a word, two
    /// bits a coder (0 missing, 1 outside, 2 inside; the first coder highest), so that the
    /// words sort as the combinations do. The units are sorted and merged instead of looked
    /// up in a tree of vectors (one vector built per unit and label): the same units, in the
    /// same order, with the same weights (whole numbers, whose sums are exact in any order).
    fn for_label_packed(&self, inside: &[u32]) -> Ratings {
        let coders = self.overall.coders;
        let mut packed: Vec<(u64, f64)> = self
            .overall
            .units
            .iter()
            .map(|unit| {
                let key = unit.values.iter().fold(0u64, |key, v| {
                    let digit = match v {
                        None => 0,
                        Some(c) => 1 + u64::from(inside.get(*c as usize).copied().unwrap_or(0)),
                    };
                    key << 2 | digit
                });
                (key, unit.weight)
            })
            .collect();
        packed.sort_unstable_by_key(|&(key, _)| key);
        let mut units: Vec<RatedUnit> = Vec::new();
        let mut last: Option<u64> = None;
        for (key, weight) in packed {
            if last == Some(key)
                && let Some(unit) = units.last_mut()
            {
                unit.weight += weight;
                continue;
            }
            last = Some(key);
            let values = (0..coders)
                .rev()
                .map(|k| match (key >> (2 * k)) & 3 {
                    0 => None,
                    digit => Some(u32::try_from(digit - 1).unwrap_or(0)),
                })
                .collect();
            units.push(RatedUnit { weight, values });
        }
        Ratings {
            coders,
            categories: 2,
            units,
        }
    }
}

/// A run of characters up to `end` (from the previous run's end) with one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    end: u32,
    category: u32,
}

/// Turns one annotator's spans into runs, interning the label sets it meets as categories.
struct Sweep {
    /// How many spans of each label cover the current position.
    covering: Vec<u32>,
    /// The labels covering the current position, as a bit set.
    bits: Vec<u64>,
    /// Span boundaries: position << 32 | label << 1 | opens.
    events: Vec<u64>,
    /// Label set (bit words) → category id; "none" is 0.
    ids: HashMap<Box<[u64]>, u32, BuildHasherDefault<WordHasher>>,
    /// The same for label sets of one word (up to 64 labels), looked up without a slice.
    word_ids: HashMap<u64, u32, BuildHasherDefault<WordHasher>>,
    /// Category id → label set (bit words).
    sets: Vec<Box<[u64]>>,
}

impl Sweep {
    fn new(labels: usize) -> Self {
        let words = labels.div_ceil(64).max(1);
        let none: Box<[u64]> = vec![0; words].into();
        Self {
            covering: vec![0; labels],
            bits: vec![0; words],
            events: Vec::new(),
            ids: HashMap::from_iter([(none.clone(), 0)]),
            word_ids: HashMap::from_iter([(0, 0)]),
            sets: vec![none],
        }
    }

    /// The category of the labels covering the current position.
    fn category(&mut self) -> u32 {
        if let [word] = self.bits[..] {
            if let Some(&id) = self.word_ids.get(&word) {
                return id;
            }
            let id = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
            self.word_ids.insert(word, id);
            self.sets.push(Box::new([word]));
            return id;
        }
        if let Some(&id) = self.ids.get(&self.bits[..]) {
            return id;
        }
        let id = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        let set: Box<[u64]> = self.bits.clone().into();
        self.ids.insert(set.clone(), id);
        self.sets.push(set);
        id
    }

    /// One annotator's runs over `[0, len)`: a sweep over fragment boundaries.
    fn runs(&mut self, len: u32, layer: Layer<'_>) -> Vec<Run> {
        self.events.clear();
        for (i, row) in layer.rows.iter().enumerate() {
            let label = row.label;
            if label == NO_LABEL || usize::from(label) >= self.covering.len() {
                continue;
            }
            for fragment in layer.fragments(i) {
                let (start, end) = (fragment.start.0.min(len), fragment.end.0.min(len));
                if start < end {
                    let label = u64::from(label) << 1;
                    self.events.push(u64::from(start) << 32 | label | 1);
                    self.events.push(u64::from(end) << 32 | label);
                }
            }
        }
        self.events.sort_unstable();
        self.covering.iter_mut().for_each(|n| *n = 0);
        self.bits.iter_mut().for_each(|w| *w = 0);
        let mut runs: Vec<Run> = Vec::with_capacity(self.events.len() + 1);
        let mut at = 0;
        let events = std::mem::take(&mut self.events);
        for &event in &events {
            let position = (event >> 32) as u32;
            if position > at {
                let category = self.category();
                push_run(&mut runs, position, category);
                at = position;
            }
            let label = ((event >> 1) & 0xffff) as usize;
            let (word, bit) = (label / 64, 1u64 << (label % 64));
            let (Some(n), Some(w)) = (self.covering.get_mut(label), self.bits.get_mut(word)) else {
                continue;
            };
            if event & 1 == 1 {
                *n += 1;
                *w |= bit;
            } else {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    *w &= !bit;
                }
            }
        }
        self.events = events;
        if len > at || runs.is_empty() {
            let category = self.category();
            push_run(&mut runs, len, category);
        }
        runs
    }

    /// Category id → the sorted label indices of its set.
    fn label_sets(&self) -> Vec<Vec<u16>> {
        self.sets
            .iter()
            .map(|words| {
                let mut labels = Vec::new();
                for (w, &word) in words.iter().enumerate() {
                    let mut rest = word;
                    while rest != 0 {
                        let bit = rest.trailing_zeros() as usize;
                        labels.push(u16::try_from(w * 64 + bit).unwrap_or(NO_LABEL));
                        rest &= rest - 1;
                    }
                }
                labels
            })
            .collect()
    }
}

/// Appends a run, extending the last one when the category did not change.
fn push_run(runs: &mut Vec<Run>, end: u32, category: u32) {
    match runs.last_mut() {
        Some(last) if last.category == category => last.end = end,
        _ => runs.push(Run { end, category }),
    }
}

/// The weight of every combination of the coders' categories met so far.
struct Tally {
    weights: Weights,
    /// The combination of the current piece.
    key: Vec<u32>,
    cursors: Vec<usize>,
}

/// Weights by combination.
enum Weights {
    /// Few combinations possible: an array indexed by the combination, each coder's value
    /// (0 for missing, else category + 1) a digit in base `base`.
    Dense { base: usize, weights: Vec<u64> },
    /// Otherwise a hash map.
    Hashed(HashMap<Box<[u32]>, u64, BuildHasherDefault<WordHasher>>),
}

/// The largest array of [`Weights::Dense`].
const DENSE_COMBINATIONS: usize = 1 << 16;

impl Tally {
    fn new(coders: usize, categories: usize) -> Self {
        let base = categories + 1;
        let size = u32::try_from(coders)
            .ok()
            .and_then(|c| base.checked_pow(c))
            .filter(|&n| n <= DENSE_COMBINATIONS);
        let weights = match size {
            Some(size) => Weights::Dense {
                base,
                weights: vec![0; size],
            },
            None => Weights::Hashed(HashMap::default()),
        };
        Self {
            weights,
            key: Vec::with_capacity(coders),
            cursors: Vec::with_capacity(coders),
        }
    }

    /// Cuts the annotators' runs of one document at each other's boundaries and adds each
    /// piece's length to the weight of its combination.
    fn add_document(&mut self, len: u32, runs: &[Option<Vec<Run>>]) {
        self.cursors.clear();
        self.cursors.resize(runs.len(), 0);
        let mut from = 0;
        while from < len {
            let mut cut = len;
            self.key.clear();
            for (runs, &at) in runs.iter().zip(&self.cursors) {
                match runs.as_ref().and_then(|r| r.get(at)) {
                    Some(run) => {
                        cut = cut.min(run.end);
                        self.key.push(run.category);
                    }
                    None => self.key.push(MISSING),
                }
            }
            if cut <= from {
                // Defensive: runs always end after where the last piece ended.
                break;
            }
            let weight = u64::from(cut - from);
            match &mut self.weights {
                Weights::Dense { base, weights } => {
                    let index = self.key.iter().rev().fold(0usize, |index, &v| {
                        let digit = if v == MISSING { 0 } else { v as usize + 1 };
                        index * *base + digit
                    });
                    if let Some(w) = weights.get_mut(index) {
                        *w += weight;
                    }
                }
                Weights::Hashed(weights) => match weights.get_mut(&self.key[..]) {
                    Some(w) => *w += weight,
                    None => {
                        weights.insert(self.key.clone().into(), weight);
                    }
                },
            }
            for (runs, at) in runs.iter().zip(self.cursors.iter_mut()) {
                if runs
                    .as_ref()
                    .and_then(|r| r.get(*at))
                    .is_some_and(|r| r.end <= cut)
                {
                    *at += 1;
                }
            }
            from = cut;
        }
    }

    /// The combinations as weighted units, sorted by combination (missing values last).
    fn ratings(self, coders: usize, categories: usize) -> Ratings {
        let mut units: Vec<(Box<[u32]>, u64)> = match self.weights {
            Weights::Hashed(weights) => weights.into_iter().collect(),
            Weights::Dense { base, weights } => weights
                .into_iter()
                .enumerate()
                .filter(|(_, w)| *w > 0)
                .map(|(mut index, w)| {
                    let key = (0..coders)
                        .map(|_| {
                            let digit = index % base;
                            index /= base;
                            if digit == 0 {
                                MISSING
                            } else {
                                u32::try_from(digit - 1).unwrap_or(MISSING)
                            }
                        })
                        .collect();
                    (key, w)
                })
                .collect(),
        };
        units.sort_unstable();
        Ratings {
            coders,
            categories,
            units: units
                .into_iter()
                .map(|(key, weight)| RatedUnit {
                    weight: weight as f64,
                    values: key.iter().map(|&v| (v != MISSING).then_some(v)).collect(),
                })
                .collect(),
        }
    }
}

/// A fast hasher for short keys of machine words (FxHash's multiply and rotate): the keys are
/// Lector's own small integers, so no adversary can choose collisions.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut word = [0u8; 8];
        let rest = chunks.remainder();
        if !rest.is_empty() {
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnnotationList, CharOffset, Fragment};
    use std::sync::Arc;

    fn span(label: &str, fragments: &[(u32, u32)]) -> Arc<Annotation> {
        Arc::new(Annotation::new(
            label,
            fragments
                .iter()
                .map(|&(s, e)| Fragment {
                    start: CharOffset(s),
                    end: CharOffset(e),
                })
                .collect(),
        ))
    }

    /// The weight of each combination, by name, for checking.
    fn weights(
        ratings: &Ratings,
        name: impl Fn(Option<u32>) -> Option<String>,
    ) -> BTreeMap<Vec<Option<String>>, f64> {
        let mut out = BTreeMap::new();
        for unit in &ratings.units {
            let key = unit.values.iter().map(|v| name(*v)).collect();
            *out.entry(key).or_default() += unit.weight;
        }
        out
    }

    /// The packed layer of a label is the one the tree of combinations gives, unit for unit,
    /// for 1 to 32 coders with missing values and many categories.
    #[test]
    fn packed_label_layers_are_those_of_the_tree() {
        let mut rng = fastrand::Rng::with_seed(41);
        for round in 0..200 {
            let coders = 1 + round % 32;
            let categories = 1 + rng.usize(..12);
            let mut label_sets: Vec<Vec<u16>> = vec![Vec::new()];
            for _ in 1..categories {
                let mut set: Vec<u16> = (0..4u16).filter(|_| rng.bool()).collect();
                set.dedup();
                label_sets.push(set);
            }
            let mut seen = std::collections::BTreeSet::new();
            let units: Vec<RatedUnit> = (0..rng.usize(1..300))
                .filter_map(|_| {
                    let values: Vec<Option<u32>> = (0..coders)
                        .map(|_| (rng.u8(..5) != 0).then(|| rng.u32(..categories as u32)))
                        .collect();
                    seen.insert(values.clone()).then(|| RatedUnit {
                        weight: f64::from(rng.u32(1..100_000)),
                        values,
                    })
                })
                .collect();
            let ratings = CharRatings {
                label_sets,
                overall: Ratings {
                    coders,
                    categories,
                    units,
                },
            };
            for label in 0..4u16 {
                let inside: Vec<u32> = ratings
                    .label_sets
                    .iter()
                    .map(|set| u32::from(set.contains(&label)))
                    .collect();
                let tree = ratings.for_label_tree(&inside);
                assert_eq!(ratings.for_label_packed(&inside), tree, "{coders} coders");
                assert_eq!(ratings.for_label(label), tree, "{coders} coders");
            }
        }
    }

    #[test]
    fn overlapping_labels_make_set_categories() {
        let a = [
            span("ORG", &[(1, 4)]),
            span("Claim", &[(0, 6)]),
            span("ORG", &[(2, 3)]),
        ];
        let b = [span("ORG", &[(1, 2), (4, 5)])];
        let labels = ["Claim", "ORG"];
        let rows = |spans: Annotations<'_>| -> Vec<Row> {
            spans
                .iter()
                .map(|s| Row::of(s, labels.iter().position(|l| *l == s.label).unwrap() as u16))
                .collect()
        };
        let (a, b) = (
            AnnotationList::from_vec(a.to_vec()),
            AnnotationList::from_vec(b.to_vec()),
        );
        let (a, b) = (a.view(), b.view());
        let (a_ids, b_ids) = (rows(a), rows(b));
        fn layer<'a>(spans: Annotations<'a>, rows: &'a [Row]) -> Option<Layer<'a>> {
            Some(Layer {
                spans: spans.into(),
                rows,
            })
        }
        let docs = [
            DocumentLayers {
                len: 7,
                spans: vec![layer(a, &a_ids[..]), layer(b, &b_ids[..])],
            },
            DocumentLayers {
                len: 2,
                spans: vec![None, layer(b.range(0..0), &b_ids[..0])],
            },
        ];
        let r = CharRatings::new(&docs, labels.len(), 2);
        let name = |c: Option<u32>| {
            c.map(|c| {
                let set = &r.label_sets[c as usize];
                if set.is_empty() {
                    "none".to_owned()
                } else {
                    set.iter()
                        .map(|&l| labels[l as usize])
                        .collect::<Vec<_>>()
                        .join("+")
                }
            })
        };
        // Character by character: (a, b) for the 7 + 2 characters.
        let chars = [
            (Some("Claim"), Some("none")),
            (Some("Claim+ORG"), Some("ORG")),
            (Some("Claim+ORG"), Some("none")),
            (Some("Claim+ORG"), Some("none")),
            (Some("Claim"), Some("ORG")),
            (Some("Claim"), Some("none")),
            (Some("none"), Some("none")),
            (None, Some("none")),
            (None, Some("none")),
        ];
        let mut expected: BTreeMap<Vec<Option<String>>, f64> = BTreeMap::new();
        for (x, y) in chars {
            let key = vec![x.map(str::to_owned), y.map(str::to_owned)];
            *expected.entry(key).or_default() += 1.0;
        }
        assert_eq!(weights(&r.overall, name), expected);
        let org = weights(&r.for_label(1), |v| v.map(|v| v.to_string()));
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(org[&vec![s("1"), s("1")]], 1.0);
        assert_eq!(org[&vec![s("0"), s("1")]], 1.0);
        assert_eq!(org[&vec![None, s("0")]], 2.0);
    }
}
