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
//! Characters are never listed one by one: each annotator's spans become runs of constant
//! category, and the runs of all annotators are cut at each other's boundaries into
//! elementary pieces, each one weighted unit. A project of a million characters costs what
//! its spans cost.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::coefficients::{RatedUnit, Ratings};
use crate::model::Annotation;

/// One document as the coefficients see it: its length and each annotator's spans, `None`
/// for an annotator who did not annotate it.
pub(crate) struct DocumentLayers<'a> {
    /// Length in chars.
    pub len: u32,
    /// Spans per annotator, in annotator order.
    pub spans: Vec<Option<&'a [Arc<Annotation>]>>,
}

/// Per-character categories of all selected documents, concatenated.
pub(crate) struct CharRatings {
    /// Category id → the sorted label indices covering the character (empty: none).
    pub label_sets: Vec<Vec<u16>>,
    /// Units whose categories are ids into `label_sets`.
    pub overall: Ratings,
}

impl CharRatings {
    /// Builds the ratings; `labels` are the label names, whose indices the sets use.
    pub(crate) fn new(documents: &[DocumentLayers<'_>], labels: &[String], coders: usize) -> Self {
        let index: BTreeMap<&str, u16> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let mut interner = Interner::default();
        // "none" is category 0 even when every character is covered.
        interner.id(&[]);
        let mut units = Vec::new();
        for doc in documents {
            let runs: Vec<Option<Vec<Run>>> = doc
                .spans
                .iter()
                .map(|spans| spans.map(|s| runs(doc.len, s, &index, &mut interner)))
                .collect();
            cut_into_units(doc.len, &runs, &mut units);
        }
        Self {
            overall: Ratings {
                coders,
                categories: interner.sets.len(),
                units,
            },
            label_sets: interner.sets,
        }
    }

    /// The binary layer of one label: category 1 inside a span of it, 0 outside.
    pub(crate) fn for_label(&self, label: u16) -> Ratings {
        let inside: Vec<bool> = self
            .label_sets
            .iter()
            .map(|set| set.binary_search(&label).is_ok())
            .collect();
        let units = self
            .overall
            .units
            .iter()
            .map(|unit| RatedUnit {
                weight: unit.weight,
                values: unit
                    .values
                    .iter()
                    .map(|v| v.map(|c| u32::from(inside.get(c as usize).copied().unwrap_or(false))))
                    .collect(),
            })
            .collect();
        Ratings {
            coders: self.overall.coders,
            categories: 2,
            units,
        }
    }
}

/// Label sets interned to category ids.
#[derive(Default)]
struct Interner {
    ids: BTreeMap<Vec<u16>, u32>,
    sets: Vec<Vec<u16>>,
}

impl Interner {
    fn id(&mut self, set: &[u16]) -> u32 {
        if let Some(&id) = self.ids.get(set) {
            return id;
        }
        let id = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        self.ids.insert(set.to_vec(), id);
        self.sets.push(set.to_vec());
        id
    }
}

/// A run of characters up to `end` (from the previous run's end) with one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    end: u32,
    category: u32,
}

/// One annotator's runs over `[0, len)`: a sweep over fragment boundaries, counting how many
/// spans of each label cover the current position.
fn runs(
    len: u32,
    spans: &[Arc<Annotation>],
    index: &BTreeMap<&str, u16>,
    interner: &mut Interner,
) -> Vec<Run> {
    // (position, label, +1 opens / -1 closes)
    let mut events: Vec<(u32, u16, i32)> = Vec::new();
    for span in spans {
        let Some(&label) = index.get(span.label.as_str()) else {
            continue;
        };
        for fragment in &span.fragments {
            let (start, end) = (fragment.start.0.min(len), fragment.end.0.min(len));
            if start < end {
                events.push((start, label, 1));
                events.push((end, label, -1));
            }
        }
    }
    events.sort_unstable();
    let mut covering: BTreeMap<u16, i32> = BTreeMap::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut at = 0;
    let mut push = |runs: &mut Vec<Run>, end: u32, covering: &BTreeMap<u16, i32>| {
        let set: Vec<u16> = covering
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(l, _)| *l)
            .collect();
        let category = interner.id(&set);
        match runs.last_mut() {
            Some(last) if last.category == category => last.end = end,
            _ => runs.push(Run { end, category }),
        }
    };
    for (position, label, delta) in events {
        if position > at {
            push(&mut runs, position, &covering);
            at = position;
        }
        *covering.entry(label).or_default() += delta;
    }
    if len > at || runs.is_empty() {
        push(&mut runs, len, &covering);
    }
    runs
}

/// Cuts the annotators' runs at each other's boundaries; each piece becomes a unit weighted
/// by its length.
fn cut_into_units(len: u32, runs: &[Option<Vec<Run>>], units: &mut Vec<RatedUnit>) {
    let mut cuts: Vec<u32> = runs
        .iter()
        .flatten()
        .flat_map(|r| r.iter().map(|run| run.end))
        .chain([len])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut cursor = vec![0usize; runs.len()];
    let mut from = 0;
    for cut in cuts {
        if cut <= from {
            continue;
        }
        let values = runs
            .iter()
            .zip(cursor.iter_mut())
            .map(|(runs, at)| {
                let runs = runs.as_ref()?;
                while runs.get(*at).is_some_and(|run| run.end <= from) {
                    *at += 1;
                }
                runs.get(*at).map(|run| run.category)
            })
            .collect();
        units.push(RatedUnit {
            weight: f64::from(cut - from),
            values,
        });
        from = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CharOffset, Fragment};

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

    /// The categories char by char, for checking.
    fn expand(ratings: &Ratings) -> Vec<Vec<Option<u32>>> {
        let mut chars = Vec::new();
        for unit in &ratings.units {
            for _ in 0..unit.weight as usize {
                chars.push(unit.values.clone());
            }
        }
        chars
    }

    #[test]
    fn overlapping_labels_make_set_categories() {
        let a = [
            span("ORG", &[(1, 4)]),
            span("Claim", &[(0, 6)]),
            span("ORG", &[(2, 3)]),
        ];
        let b = [span("ORG", &[(1, 2), (4, 5)])];
        let labels = vec!["Claim".to_owned(), "ORG".to_owned()];
        let docs = [
            DocumentLayers {
                len: 7,
                spans: vec![Some(&a[..]), Some(&b[..])],
            },
            DocumentLayers {
                len: 2,
                spans: vec![None, Some(&b[..0])],
            },
        ];
        let r = CharRatings::new(&docs, &labels, 2);
        let name = |c: Option<u32>| {
            c.map(|c| {
                let set = &r.label_sets[c as usize];
                if set.is_empty() {
                    "none".to_owned()
                } else {
                    set.iter()
                        .map(|&l| labels[l as usize].as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                }
            })
        };
        let chars: Vec<(Option<String>, Option<String>)> = expand(&r.overall)
            .into_iter()
            .map(|v| (name(v[0]), name(v[1])))
            .collect();
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(
            chars,
            vec![
                (s("Claim"), s("none")),
                (s("Claim+ORG"), s("ORG")),
                (s("Claim+ORG"), s("none")),
                (s("Claim+ORG"), s("none")),
                (s("Claim"), s("ORG")),
                (s("Claim"), s("none")),
                (s("none"), s("none")),
                (None, s("none")),
                (None, s("none")),
            ]
        );
        let org: Vec<Vec<Option<u32>>> = expand(&r.for_label(1));
        assert_eq!(org[1], vec![Some(1), Some(1)]);
        assert_eq!(org[4], vec![Some(0), Some(1)]);
        assert_eq!(org[8], vec![None, Some(0)]);
    }
}
