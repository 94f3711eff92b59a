//! An annotation set read as a table of its spans, without building its annotations: what
//! agreement reads of a set (`lector agree`). A project of 300,000 annotations read into the
//! model took 117 MB, most of it each annotation's own allocation; `lector agree` reading
//! tables takes 39 MB, in a few allocations per file.

use std::collections::BTreeMap;
use std::sync::Arc;

use smol_str::SmolStr;

use super::{Annotation, AnnotationId, AnnotationSet, CharOffset, Fragment, Status};

/// The tables of a project's annotation files by (document, annotator).
pub type SpanTables = BTreeMap<(String, String), SpanTable>;

/// One span of a [`SpanTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSpan {
    /// From the first fragment's start to the last one's end.
    pub hull: Fragment,
    /// The index of its label in [`SpanTable::labels`].
    pub label: u32,
    /// More than one fragment: see [`SpanTable::fragments`].
    pub split: bool,
    /// No attributes and no entity link: [`SpanTable::annotation`] has nothing for it.
    pub plain: bool,
}

/// An annotation set's spans, in the set's order (by start, end, id): what the set's
/// annotations say of their extent, label and id, with the fragments of a span that has
/// several, and the annotation itself only where it has attributes or an entity link.
#[derive(Clone, Debug, Default)]
pub struct SpanTable {
    /// The set's status.
    pub status: Status,
    spans: Vec<TableSpan>,
    ids: Vec<AnnotationId>,
    labels: Vec<SmolStr>,
    /// The fragments of each split span, by its index, sorted.
    split: Vec<(u32, Vec<Fragment>)>,
    /// The annotations that are not plain, by index, sorted.
    details: Vec<(u32, Arc<Annotation>)>,
    /// The indices of the spans sorted by id, when a detail refers to another annotation
    /// by id (see [`Self::find`]); else empty.
    by_id: Vec<u32>,
}

/// One span as read, before the table puts the spans in order.
struct Read {
    hull: Fragment,
    label: u32,
    id: AnnotationId,
    fragments: Option<Vec<Fragment>>,
    detail: Option<Arc<Annotation>>,
}

/// Collects a file's spans as they are read (in any order), for [`Self::finish`].
#[derive(Default)]
pub struct TableBuilder {
    read: Vec<Read>,
    labels: LabelNumbers<SmolStr>,
}

/// Labels numbered as first met. A file has a few, mostly in runs: they are searched one by
/// one from the last, and looked up in a map once there are more than a few (a damaged file
/// may give every span a label of its own: a search each would take quadratic time).
pub struct LabelNumbers<K> {
    labels: Vec<K>,
    index: std::collections::HashMap<K, u32>,
}

/// Labels searched one by one up to this many; looked up in a map beyond.
const FEW_LABELS: usize = 16;

impl<K> Default for LabelNumbers<K> {
    fn default() -> Self {
        Self {
            labels: Vec::new(),
            index: std::collections::HashMap::new(),
        }
    }
}

impl<K: std::borrow::Borrow<str> + Clone + Eq + std::hash::Hash> LabelNumbers<K> {
    /// The number of `label`; `make` makes the key of a label met for the first time.
    pub fn number(&mut self, label: &str, make: impl FnOnce() -> K) -> u32 {
        if self.labels.len() <= FEW_LABELS {
            if let Some(i) = self.labels.iter().rposition(|l| l.borrow() == label) {
                return u32::try_from(i).unwrap_or(u32::MAX);
            }
        } else if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = u32::try_from(self.labels.len()).unwrap_or(u32::MAX);
        let key = make();
        if self.labels.len() >= FEW_LABELS {
            if self.index.is_empty() {
                for (k, l) in self.labels.iter().enumerate() {
                    self.index
                        .insert(l.clone(), u32::try_from(k).unwrap_or(u32::MAX));
                }
            }
            self.index.insert(key.clone(), i);
        }
        self.labels.push(key);
        i
    }

    /// The labels, in the order of their numbers.
    pub fn labels(&self) -> &[K] {
        &self.labels
    }

    /// How many labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels, in the order of their numbers.
    pub fn into_labels(self) -> Vec<K> {
        self.labels
    }
}

impl TableBuilder {
    /// A builder with room for about `spans` spans.
    pub fn with_capacity(spans: usize) -> Self {
        Self {
            read: Vec::with_capacity(spans),
            labels: LabelNumbers::default(),
        }
    }

    /// Adds a span: its id, label and fragments (ordered and merged as the model keeps
    /// them), and the annotation itself if it has attributes or an entity link.
    pub fn push(
        &mut self,
        id: &str,
        label: &str,
        fragments: &[Fragment],
        detail: Option<Arc<Annotation>>,
    ) {
        let label = self.labels.number(label, || SmolStr::new(label));
        self.read.push(Read {
            hull: Fragment::hull(fragments),
            label,
            id: AnnotationId::new(id),
            fragments: (fragments.len() > 1).then(|| fragments.to_vec()),
            detail,
        });
    }

    /// Appends another builder's spans (a part of the same file read on another thread).
    pub fn append(&mut self, other: Self) {
        let renumber: Vec<u32> = other
            .labels
            .labels()
            .iter()
            .map(|label| self.labels.number(label, || label.clone()))
            .collect();
        self.read.extend(other.read.into_iter().map(|mut r| {
            r.label = renumber.get(r.label as usize).copied().unwrap_or(u32::MAX);
            r
        }));
    }

    /// The table, its spans in the set's order.
    pub fn finish(self, status: Status) -> SpanTable {
        let mut read = self.read;
        if !read.is_sorted_by(|a, b| key(a) <= key(b)) {
            read.sort_by(|a, b| key(a).cmp(&key(b)));
        }
        let mut table = SpanTable {
            status,
            spans: Vec::with_capacity(read.len()),
            ids: Vec::with_capacity(read.len()),
            labels: self.labels.into_labels(),
            split: Vec::new(),
            details: Vec::new(),
            by_id: Vec::new(),
        };
        let mut refers = false;
        for (i, r) in read.into_iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            table.spans.push(TableSpan {
                hull: r.hull,
                label: r.label,
                split: r.fragments.is_some(),
                plain: r.detail.is_none(),
            });
            table.ids.push(r.id);
            if let Some(fragments) = r.fragments {
                table.split.push((i, fragments));
            }
            if let Some(detail) = r.detail {
                refers |= detail
                    .attributes
                    .values()
                    .any(|v| matches!(v, super::AttrValue::Annotation(_)));
                table.details.push((i, detail));
            }
        }
        if refers {
            let mut by_id: Vec<u32> =
                (0..u32::try_from(table.ids.len()).unwrap_or(u32::MAX)).collect();
            by_id.sort_by(|&a, &b| table.ids.get(a as usize).cmp(&table.ids.get(b as usize)));
            table.by_id = by_id;
        }
        table
    }
}

/// The order of a set: by start, end, id.
fn key(r: &Read) -> (CharOffset, CharOffset, &str) {
    (r.hull.start, r.hull.end, &r.id.0)
}

impl SpanTable {
    /// The table of a set read into the model.
    pub fn of_set(set: &AnnotationSet) -> Self {
        let mut builder = TableBuilder::with_capacity(set.len());
        for a in set.annotations().iter() {
            let plain = a.attributes.is_empty() && a.entity.is_none();
            builder.push(
                &a.id.0,
                &a.label,
                &a.fragments,
                (!plain).then(|| Arc::clone(a)),
            );
        }
        builder.finish(set.status)
    }

    /// The spans, in the set's order.
    pub fn spans(&self) -> &[TableSpan] {
        &self.spans
    }

    /// How many spans.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The labels the spans refer to by index.
    pub fn labels(&self) -> &[SmolStr] {
        &self.labels
    }

    /// The label of span `i`.
    pub fn label(&self, i: usize) -> Option<&str> {
        let span = self.spans.get(i)?;
        self.labels.get(span.label as usize).map(SmolStr::as_str)
    }

    /// The id of span `i`.
    pub fn id(&self, i: usize) -> Option<&AnnotationId> {
        self.ids.get(i)
    }

    /// The fragments of span `i`.
    pub fn fragments(&self, i: usize) -> &[Fragment] {
        let Some(span) = self.spans.get(i) else {
            return &[];
        };
        if !span.split {
            return std::slice::from_ref(&span.hull);
        }
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        self.split
            .binary_search_by_key(&i, |(at, _)| *at)
            .ok()
            .and_then(|at| self.split.get(at))
            .map_or(&[][..], |(_, f)| f.as_slice())
    }

    /// The annotation of span `i` if it is not plain (it has attributes or an entity link).
    pub fn annotation(&self, i: usize) -> Option<&Arc<Annotation>> {
        let i = u32::try_from(i).ok()?;
        let at = self.details.binary_search_by_key(&i, |(at, _)| *at).ok()?;
        self.details.get(at).map(|(_, a)| a)
    }

    /// The index of the span with id `id`, if the table can look it up: only a table some
    /// of whose spans refer to another by id keeps its ids in order (else `None`). Where
    /// several spans have the id (a damaged file), the one the set finds: the first with the
    /// start and end of the last in the set's order.
    pub fn find(&self, id: &AnnotationId) -> Option<usize> {
        let id = Some(id);
        let from = self
            .by_id
            .partition_point(|&i| self.ids.get(i as usize) < id);
        let to = self
            .by_id
            .partition_point(|&i| self.ids.get(i as usize) <= id);
        // Sorted stably: spans with one id are in the set's order.
        let twins = self.by_id.get(from..to)?;
        let hull = self.spans.get(*twins.last()? as usize)?.hull;
        twins
            .iter()
            .map(|&i| i as usize)
            .find(|&i| self.spans.get(i).is_some_and(|s| s.hull == hull))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(label: &str, fragments: &[(u32, u32)]) -> Annotation {
        Annotation::new(
            label,
            super::super::annotation::ordered_fragments(fragments.iter().copied()),
        )
    }

    /// A table says of each span what the set's annotation at the same index says.
    #[test]
    fn a_sets_table_reads_as_its_annotations() {
        let mut set = AnnotationSet::new("anna", "doc");
        set.status = Status::Done;
        set.insert(span("Person", &[(10, 20)]));
        set.insert(span("Place", &[(0, 4), (8, 9)]));
        let mut linked = span("Person", &[(10, 20)]);
        linked.entity = Some(super::super::EntityId("e1".to_owned()));
        set.insert(linked);
        let target = set.annotations().get(0).map(|a| a.id.clone()).unwrap();
        let mut claim = span("Claim", &[(30, 40)]);
        claim.attributes.insert(
            "source".to_owned(),
            super::super::AttrValue::Annotation(target.clone()),
        );
        set.insert(claim);
        let table = SpanTable::of_set(&set);
        assert_eq!(table.status, Status::Done);
        assert_eq!(table.len(), set.len());
        for (i, a) in set.annotations().iter().enumerate() {
            assert_eq!(table.id(i), Some(&a.id));
            assert_eq!(table.label(i), Some(a.label.as_str()));
            assert_eq!(table.fragments(i), a.fragments.as_slice());
            let plain = a.attributes.is_empty() && a.entity.is_none();
            assert_eq!(table.spans()[i].plain, plain);
            assert_eq!(
                table.annotation(i).map(|d| &d.id),
                (!plain).then_some(&a.id)
            );
            assert_eq!(table.find(&a.id), Some(i));
        }
        assert_eq!(table.find(&AnnotationId::new("nobody")), None);
    }

    /// Labels are numbered as first met, searched one by one or looked up in the map alike:
    /// a file giving many spans labels of their own, met again in any order.
    #[test]
    fn labels_are_numbered_as_first_met_however_many() {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut numbers: LabelNumbers<SmolStr> = LabelNumbers::default();
        let mut first_met: Vec<String> = Vec::new();
        for _ in 0..2_000 {
            let label = format!("L{}", rng.usize(..60));
            let expected = match first_met.iter().position(|l| *l == label) {
                Some(i) => i,
                None => {
                    first_met.push(label.clone());
                    first_met.len() - 1
                }
            };
            let got = numbers.number(&label, || SmolStr::new(&label));
            assert_eq!(got as usize, expected, "{label}");
        }
        assert_eq!(numbers.len(), 60);
        let labels: Vec<&str> = numbers.labels().iter().map(SmolStr::as_str).collect();
        assert_eq!(labels, first_met);
    }

    /// Spans read out of order, in parts, come out in the set's order with one label list.
    #[test]
    fn parts_read_out_of_order_come_out_in_the_sets_order() {
        let frag = |s: u32, e: u32| Fragment {
            start: CharOffset(s),
            end: CharOffset(e),
        };
        let mut first = TableBuilder::default();
        first.push("b", "Place", &[frag(5, 9)], None);
        first.push("a", "Person", &[frag(5, 9)], None);
        let mut second = TableBuilder::default();
        second.push("c", "Person", &[frag(1, 2), frag(3, 4)], None);
        second.push("d", "Event", &[frag(0, 1)], None);
        first.append(second);
        let table = first.finish(Status::InProgress);
        let ids: Vec<&str> = (0..table.len())
            .map(|i| table.id(i).unwrap().0.as_str())
            .collect();
        assert_eq!(ids, ["d", "c", "a", "b"]);
        let labels: Vec<&str> = (0..table.len()).map(|i| table.label(i).unwrap()).collect();
        assert_eq!(labels, ["Event", "Person", "Person", "Place"]);
        assert_eq!(table.fragments(1), &[frag(1, 2), frag(3, 4)]);
        assert!(table.spans()[1].split);
        assert_eq!(table.spans()[1].hull, frag(1, 4));
        assert_eq!(table.labels().len(), 3);
    }
}
