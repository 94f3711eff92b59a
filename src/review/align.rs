//! Aligning several annotators' spans of one document into units of comparison, for review
//! and adjudication: what everyone agrees on, where labels or boundaries differ, and what
//! only one annotator marked.
//!
//! ## How units are formed
//!
//! Each unit holds at most one annotation per annotator. Annotations are joined greedily, in
//! three passes, each pass only joining units that stay classifiable:
//!
//! 1. same label and same fragments → [`UnitKind::Matched`];
//! 2. same fragments, other label → [`UnitKind::LabelDiffers`] (only while all fragments in
//!    the unit are identical);
//! 3. same label, overlapping fragments → [`UnitKind::BoundaryDiffers`] (only while the unit
//!    has one label), largest overlap in characters first, ties by earlier start (of the
//!    earlier annotator's span, then the other's), then annotator order and ids.
//!
//! What stays alone is [`UnitKind::OnlyIn`]. A span overlapping another annotator's span of a
//! different label with different boundaries is not joined to it: each is `OnlyIn`.
//! With more than two annotators a unit can lack some of them: they are listed in
//! [`ComparisonUnit::missing`], and the unit is then a disagreement even if `Matched`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::agreement::{AgreementError, has_annotated};
use super::attributes::comparable_values;
use super::matching::overlap_candidates_unsorted;
use crate::model::review::Sources;
use crate::model::{Annotation, AnnotationSet, Annotations, CharOffset, Fragment, Project};

/// How the annotations of a unit relate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKind {
    /// Same label and same fragments in every annotation of the unit.
    Matched,
    /// Same fragments, different labels.
    LabelDiffers,
    /// Same label, overlapping but different fragments.
    BoundaryDiffers,
    /// Only this annotator has the span: no other annotator has a counterpart.
    OnlyIn(String),
}

/// One unit of comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComparisonUnit {
    /// How the annotations relate.
    pub kind: UnitKind,
    /// The annotation of each annotator in the unit, by annotator.
    pub annotations: Sources,
    /// Annotators with no annotation in the unit, sorted.
    pub missing: Vec<String>,
    /// For units whose annotations share a label: the attributes whose values differ
    /// (a value on one side only counts), with the entity link as
    /// [`ENTITY_LINK`](super::ENTITY_LINK); sorted.
    pub differing_attributes: Vec<String>,
    /// The first character any annotation of the unit covers.
    pub start: CharOffset,
    /// The first character after the last one any annotation of the unit covers.
    pub end: CharOffset,
}

impl ComparisonUnit {
    /// Whether every annotator marked the same span with the same label and attributes.
    pub fn is_agreement(&self) -> bool {
        self.kind == UnitKind::Matched
            && self.missing.is_empty()
            && self.differing_attributes.is_empty()
    }
}

/// The units of one document, in text order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alignment {
    /// The document.
    pub document: String,
    /// The annotators compared, sorted.
    pub annotators: Vec<String>,
    /// Units sorted by start, then end, then annotator and id.
    pub units: Vec<ComparisonUnit>,
}

impl Alignment {
    /// The units that are not full agreements, in text order.
    pub fn disagreements(&self) -> impl Iterator<Item = &ComparisonUnit> + '_ {
        self.units.iter().filter(|u| !u.is_agreement())
    }

    /// The first disagreement starting at or after `at`, for stepping through a document.
    pub fn next_disagreement(&self, at: CharOffset) -> Option<&ComparisonUnit> {
        let from = self.units.partition_point(|u| u.start < at);
        self.units.get(from..)?.iter().find(|u| !u.is_agreement())
    }

    /// The last disagreement starting before `at`.
    pub fn previous_disagreement(&self, at: CharOffset) -> Option<&ComparisonUnit> {
        let to = self.units.partition_point(|u| u.start < at);
        self.units
            .get(..to)?
            .iter()
            .rev()
            .find(|u| !u.is_agreement())
    }
}

/// Aligns a document's annotations by the given annotators; an annotator without a set for
/// it (or who has not started it) takes part with no annotations.
pub fn align_document(
    project: &Project,
    document: &str,
    annotators: &[String],
) -> Result<Alignment, AgreementError> {
    super::agreement::known_document(project, document)?;
    let known = project.annotators();
    let names: Vec<String> = if annotators.is_empty() {
        known
            .iter()
            .filter(|a| has_annotated(project.set(document, a)))
            .cloned()
            .collect()
    } else {
        if let Some(name) = annotators.iter().find(|a| !known.contains(a)) {
            return Err(AgreementError::UnknownAnnotator {
                name: name.clone(),
                known: known.join(", "),
            });
        }
        annotators.to_vec()
    };
    let empty: Vec<AnnotationSet> = names
        .iter()
        .map(|n| AnnotationSet::new(n.as_str(), document))
        .collect();
    let sets: Vec<&AnnotationSet> = names
        .iter()
        .zip(&empty)
        .map(|(name, empty)| project.set(document, name).unwrap_or(empty))
        .collect();
    let mut alignment = align(&sets);
    alignment.document = document.to_owned();
    Ok(alignment)
}

/// Aligns the sets of one document (one per annotator; a second set of the same annotator is
/// ignored).
///
/// A big document is aligned in two halves on two threads, split where no annotation of any
/// set crosses: units never join across such a place, so the units are the same.
pub fn align(sets: &[&AnnotationSet]) -> Alignment {
    let parts = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    align_in(
        sets,
        if parts > 1 {
            PARALLEL_ANNOTATIONS
        } else {
            usize::MAX
        },
    )
}

/// Documents with at least this many annotations (all sets together) are aligned in halves.
const PARALLEL_ANNOTATIONS: usize = 20_000;

/// [`align`], splitting in halves from `split_from` annotations on.
fn align_in(sets: &[&AnnotationSet], split_from: usize) -> Alignment {
    let mut sets: Vec<&AnnotationSet> = sets.to_vec();
    sets.sort_by(|a, b| a.annotator.cmp(&b.annotator));
    sets.dedup_by(|a, b| a.annotator == b.annotator);
    let annotators: Vec<String> = sets.iter().map(|s| s.annotator.clone()).collect();
    let whole: Vec<Range<usize>> = sets.iter().map(|s| 0..s.len()).collect();
    let total: usize = sets.iter().map(|s| s.len()).sum();
    let halves = (total >= split_from).then(|| halves(&sets)).flatten();
    let units = match halves {
        Some((first, second)) => std::thread::scope(|scope| {
            let later = scope.spawn(|| units_of(&sets, second, &annotators));
            let mut units = units_of(&sets, first, &annotators);
            match later.join() {
                Ok(more) => units.extend(more),
                // Cannot happen (aligning does not panic); aligned here then.
                Err(_) => return units_of(&sets, whole.clone(), &annotators),
            }
            units
        }),
        None => units_of(&sets, whole, &annotators),
    };
    Alignment {
        document: sets.first().map(|s| s.document.clone()).unwrap_or_default(),
        annotators,
        units,
    }
}

/// The units of the annotations in `ranges` (one range of each set).
fn units_of(
    sets: &[&AnnotationSet],
    ranges: Vec<Range<usize>>,
    annotators: &[String],
) -> Vec<ComparisonUnit> {
    let mut clusters = Clusters::new(sets, ranges);
    clusters.join_same_fragments();
    clusters.join_overlapping();
    clusters.units(annotators)
}

/// Each set's annotations in two parts, split at one place in the text.
type Halves = (Vec<Range<usize>>, Vec<Range<usize>>);

/// Each set's annotations cut in two at a place near the middle of the text that none of
/// them crosses (each ends at or before it, or starts at or after it), if there is one that
/// leaves work on both sides.
fn halves(sets: &[&AnnotationSet]) -> Option<Halves> {
    let largest = sets.iter().max_by_key(|s| s.len())?;
    let mut at = largest.at(largest.len() / 2)?.start();
    // Moved past whatever crosses it until nothing does: each step is the largest end of
    // the annotations starting before it.
    loop {
        let mut crossing = at;
        for set in sets {
            let before = set.annotations().partition_point(|a| a.start() < at);
            let end = set
                .annotations()
                .range(0..before)
                .iter()
                .map(|a| a.end())
                .max();
            crossing = crossing.max(end.unwrap_or(at));
        }
        if crossing == at {
            break;
        }
        at = crossing;
    }
    let cuts: Vec<usize> = sets
        .iter()
        .map(|s| s.annotations().partition_point(|a| a.start() < at))
        .collect();
    let first: usize = cuts.iter().sum();
    let total: usize = sets.iter().map(|s| s.len()).sum();
    if first < total / 4 || first > total - total / 4 {
        return None;
    }
    let part = |first_part: bool| -> Vec<Range<usize>> {
        sets.iter()
            .zip(&cuts)
            .map(|(s, &cut)| if first_part { 0..cut } else { cut..s.len() })
            .collect()
    };
    Some((part(true), part(false)))
}

/// The annotations of set `k` in its range, and the index in the set of the first.
fn part_of<'a>(
    sets: &[&'a AnnotationSet],
    ranges: &[Range<usize>],
    k: usize,
) -> (usize, Annotations<'a>) {
    let range = ranges.get(k).cloned().unwrap_or_default();
    let all = sets.get(k).map(|s| s.annotations()).unwrap_or_default();
    (range.start, all.range(range))
}

/// An annotation of the alignment: annotator index and index in that annotator's set.
type Node = (usize, usize);

/// No node: the end of a unit's list of members.
const END: u32 = u32::MAX;

/// A unit being built. Its members are a list through [`Clusters::next`], so that the
/// hundreds of thousands of units a book starts with need no allocation each.
struct Cluster<'a> {
    /// The first member (a node number), or [`END`] once joined into another unit.
    head: u32,
    /// The last member.
    tail: u32,
    /// The label, while every member has the same one.
    label: Option<&'a str>,
    /// The fragments, while every member has the same ones.
    fragments: Option<&'a [Fragment]>,
}

/// What a join requires of the two units.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    Matched,
    SameFragments,
    SameLabel,
}

struct Clusters<'a> {
    sets: &'a [&'a AnnotationSet],
    /// The annotations of each set aligned here (all, or a half). A node's index is its
    /// index in the whole set.
    ranges: Vec<Range<usize>>,
    /// Node number of each annotator's first annotation: node numbers run through the
    /// annotators' sets in order.
    first_node: Vec<usize>,
    /// Every node's annotator and index.
    nodes: Vec<Node>,
    /// Every node's annotation, by node number: read once, in order, where finding each in
    /// its set's list again would be a search per lookup.
    annotations: Vec<&'a Annotation>,
    /// The unit of every node, by node number.
    cluster_of: Vec<u32>,
    /// The member after each node in its unit, by node number.
    next: Vec<u32>,
    /// Clusters, numbered as the node they started with; joined ones are left empty.
    clusters: Vec<Cluster<'a>>,
}

impl<'a> Clusters<'a> {
    fn new(sets: &'a [&'a AnnotationSet], ranges: Vec<Range<usize>>) -> Self {
        let total: usize = ranges.iter().map(ExactSizeIterator::len).sum();
        let mut clusters = Vec::with_capacity(total);
        let mut nodes = Vec::with_capacity(total);
        let mut annotations = Vec::with_capacity(total);
        let mut first_node = Vec::with_capacity(sets.len());
        for k in 0..sets.len() {
            first_node.push(nodes.len());
            let (from, part) = part_of(sets, &ranges, k);
            for (i, a) in (from..).zip(part) {
                let n = u32::try_from(nodes.len()).unwrap_or(END);
                nodes.push((k, i));
                annotations.push(&**a);
                clusters.push(Cluster {
                    head: n,
                    tail: n,
                    label: Some(a.label.as_str()),
                    fragments: Some(a.fragments.as_slice()),
                });
            }
        }
        let n = nodes.len();
        Self {
            sets,
            ranges,
            first_node,
            nodes,
            annotations,
            cluster_of: (0..n).map(|i| u32::try_from(i).unwrap_or(END)).collect(),
            next: vec![END; n],
            clusters,
        }
    }

    fn annotation(&self, node: Node) -> Option<&'a Annotation> {
        self.annotations.get(self.node(node)?).copied()
    }

    /// The node number of an annotation.
    fn node(&self, (k, i): Node) -> Option<usize> {
        Some(self.first_node.get(k)? + i.checked_sub(self.ranges.get(k)?.start)?)
    }

    /// The annotations of set `k` aligned here, and the index in the set of the first.
    fn part(&self, k: usize) -> (usize, Annotations<'a>) {
        part_of(self.sets, &self.ranges, k)
    }

    /// The members of a unit, as node numbers, in the order they joined.
    fn members(&self, cluster: &Cluster<'a>) -> impl Iterator<Item = usize> + '_ {
        let mut at = cluster.head;
        std::iter::from_fn(move || {
            let here = usize::try_from(at).ok().filter(|_| at != END)?;
            at = self.next.get(here).copied().unwrap_or(END);
            Some(here)
        })
    }

    /// Passes 1 and 2: annotations with identical fragments.
    fn join_same_fragments(&mut self) {
        // Every annotation by its fragments; runs of equal fragments are the groups (one
        // sort, no map of vectors: a book has hundreds of thousands). Start and end first:
        // most comparisons end there, without reading the fragments.
        let mut all: Vec<(CharOffset, CharOffset, &'a [Fragment], Node)> =
            Vec::with_capacity(self.nodes.len());
        for k in 0..self.sets.len() {
            let (from, part) = self.part(k);
            all.extend(
                (from..)
                    .zip(part)
                    .map(|(i, a)| (a.start(), a.end(), a.fragments.as_slice(), (k, i))),
            );
        }
        all.sort_unstable();
        let mut same_label = Vec::new();
        let mut other_label = Vec::new();
        let mut nodes: Vec<Node> = Vec::new();
        for group in all.chunk_by(|x, y| x.2 == y.2) {
            if group.len() < 2 {
                continue;
            }
            nodes.clear();
            nodes.extend(group.iter().map(|(_, _, _, node)| *node));
            for (n, &x) in nodes.iter().enumerate() {
                for &y in nodes.iter().skip(n + 1) {
                    let (Some(ax), Some(ay)) = (self.annotation(x), self.annotation(y)) else {
                        continue;
                    };
                    if x.0 == y.0 {
                        continue;
                    }
                    let key = (ax.start(), ax.end(), x, y);
                    if ax.label == ay.label {
                        same_label.push(key);
                    } else {
                        other_label.push(key);
                    }
                }
            }
        }
        same_label.sort_unstable();
        other_label.sort_unstable();
        for (_, _, x, y) in same_label {
            self.join(x, y, Join::Matched);
        }
        for (_, _, x, y) in other_label {
            self.join(x, y, Join::SameFragments);
        }
    }

    /// Pass 3: same label, overlapping.
    fn join_overlapping(&mut self) {
        let mut candidates = Vec::new();
        for k in 0..self.sets.len() {
            let (from_a, a) = self.part(k);
            for l in k + 1..self.sets.len() {
                let (from_b, b) = self.part(l);
                for m in overlap_candidates_unsorted(a, b) {
                    let (x, y) = ((k, from_a + m.a), (l, from_b + m.b));
                    let (Some(ax), Some(ay)) = (self.annotation(x), self.annotation(y)) else {
                        continue;
                    };
                    candidates.push((Reverse(m.shared), ax.start(), ay.start(), x, y));
                }
            }
        }
        candidates.sort_unstable();
        for (_, _, _, x, y) in candidates {
            self.join(x, y, Join::SameLabel);
        }
    }

    fn cluster(&self, node: Node) -> Option<usize> {
        let c = *self.cluster_of.get(self.node(node)?)?;
        usize::try_from(c).ok()
    }

    /// Joins the units of two annotations if they share no annotator and the result keeps
    /// what `join` requires.
    fn join(&mut self, x: Node, y: Node, join: Join) {
        let (Some(cx), Some(cy)) = (self.cluster(x), self.cluster(y)) else {
            return;
        };
        let (Some(a), Some(b)) = (self.clusters.get(cx), self.clusters.get(cy)) else {
            return;
        };
        if cx == cy
            || self.members(a).any(|m| {
                let annotator = self.nodes.get(m).map(|n| n.0);
                self.members(b)
                    .any(|n| self.nodes.get(n).map(|n| n.0) == annotator)
            })
        {
            return;
        }
        let same_label = a.label.is_some() && a.label == b.label;
        let same_fragments = a.fragments.is_some() && a.fragments == b.fragments;
        let allowed = match join {
            Join::Matched => same_label && same_fragments,
            Join::SameFragments => same_fragments,
            Join::SameLabel => same_label,
        };
        if !allowed {
            return;
        }
        let label = if same_label { a.label } else { None };
        let fragments = if same_fragments { a.fragments } else { None };
        let (a_tail, b_head, b_tail) = (a.tail, b.head, b.tail);
        let target = u32::try_from(cx).unwrap_or(END);
        let moved: Vec<usize> = self.members(b).collect();
        for m in moved {
            if let Some(slot) = self.cluster_of.get_mut(m) {
                *slot = target;
            }
        }
        if let Some(link) = usize::try_from(a_tail)
            .ok()
            .and_then(|t| self.next.get_mut(t))
        {
            *link = b_head;
        }
        if let Some(joined) = self.clusters.get_mut(cy) {
            joined.head = END;
            joined.tail = END;
        }
        if let Some(target) = self.clusters.get_mut(cx) {
            target.tail = b_tail;
            target.label = label;
            target.fragments = fragments;
        }
    }

    /// The units, sorted by start, then end, then their first annotator and that
    /// annotator's id (as the units' first annotation compares).
    fn units(&self, annotators: &[String]) -> Vec<ComparisonUnit> {
        let mut members: Vec<(usize, &'a Annotation)> = Vec::new();
        let mut order: Vec<(CharOffset, CharOffset, usize, &'a str, usize)> = Vec::new();
        for (c, cluster) in self.clusters.iter().enumerate() {
            if cluster.head == END {
                continue;
            }
            self.collect_members(cluster, &mut members);
            let Some(&(k, first)) = members.iter().min_by_key(|(k, _)| *k) else {
                continue;
            };
            let start = members
                .iter()
                .map(|m| m.1.start())
                .min()
                .unwrap_or_default();
            let end = members.iter().map(|m| m.1.end()).max().unwrap_or_default();
            order.push((start, end, k, first.id.0.as_str(), c));
        }
        order.sort_unstable();
        order
            .iter()
            .filter_map(|&(start, end, _, _, c)| {
                let cluster = self.clusters.get(c)?;
                self.collect_members(cluster, &mut members);
                Some(self.unit(cluster, &members, annotators, start, end))
            })
            .collect()
    }

    /// A unit's annotations with their annotator's index, by annotator.
    fn collect_members(&self, cluster: &Cluster<'a>, out: &mut Vec<(usize, &'a Annotation)>) {
        out.clear();
        out.extend(self.members(cluster).filter_map(|m| {
            let &(k, _) = self.nodes.get(m)?;
            Some((k, *self.annotations.get(m)?))
        }));
        out.sort_unstable_by_key(|(k, _)| *k);
    }

    fn unit(
        &self,
        cluster: &Cluster<'a>,
        members: &[(usize, &'a Annotation)],
        annotators: &[String],
        start: CharOffset,
        end: CharOffset,
    ) -> ComparisonUnit {
        let name = |k: usize| annotators.get(k).cloned().unwrap_or_default();
        let kind = match (members, cluster.label, cluster.fragments) {
            ([(k, _)], _, _) => UnitKind::OnlyIn(name(*k)),
            (_, Some(_), Some(_)) => UnitKind::Matched,
            (_, None, Some(_)) => UnitKind::LabelDiffers,
            _ => UnitKind::BoundaryDiffers,
        };
        // Most spans carry no attributes and no entity: nothing to compare then.
        let plain = members
            .iter()
            .all(|(_, a)| a.attributes.is_empty() && a.entity.is_none());
        let differing_attributes = if members.len() > 1 && cluster.label.is_some() && !plain {
            let with_sets: Vec<(usize, &AnnotationSet, &Annotation)> = members
                .iter()
                .filter_map(|&(k, a)| Some((k, *self.sets.get(k)?, a)))
                .collect();
            differing_attributes(&with_sets)
        } else {
            Vec::new()
        };
        // Members are in annotator order, as the sources keep them.
        let annotations: Sources = members
            .iter()
            .map(|&(k, a)| (annotators.get(k).map_or("", String::as_str), a.id.clone()))
            .collect();
        let mut missing = Vec::new();
        let mut present = members.iter().map(|m| m.0).peekable();
        for k in 0..annotators.len() {
            if present.next_if_eq(&k).is_none() {
                missing.push(name(k));
            }
        }
        ComparisonUnit {
            kind,
            annotations,
            missing,
            differing_attributes,
            start,
            end,
        }
    }
}

/// Attribute names (and the entity link) whose comparable values are not the same in every
/// member.
fn differing_attributes(members: &[(usize, &AnnotationSet, &Annotation)]) -> Vec<String> {
    let values: Vec<BTreeMap<String, String>> = members
        .iter()
        .map(|(_, set, a)| comparable_values(a, *set))
        .collect();
    let names: BTreeSet<&String> = values.iter().flat_map(BTreeMap::keys).collect();
    names
        .into_iter()
        .filter(|name| {
            let mut seen = values.iter().map(|v| v.get(*name));
            let first = seen.next().flatten();
            seen.any(|v| v != first)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CharOffset;

    /// (label, start, length, second fragment's gap and length).
    type Span = (usize, u32, u32, Option<(u32, u32)>);

    /// A set of these spans, then the copied ones.
    fn set(annotator: &str, spans: &[Span], copied: &[Span]) -> AnnotationSet {
        const LABELS: [&str; 3] = ["Person", "Place", "Claim"];
        let mut set = AnnotationSet::new(annotator, "d");
        for (n, &(label, start, len, second)) in spans.iter().chain(copied).enumerate() {
            let first_end = start + len.max(1);
            let mut fragments = vec![Fragment {
                start: CharOffset(start),
                end: CharOffset(first_end),
            }];
            if let Some((gap, len)) = second {
                let from = first_end + gap.max(1);
                fragments.push(Fragment {
                    start: CharOffset(from),
                    end: CharOffset(from + len.max(1)),
                });
            }
            let mut a = Annotation::new(LABELS[label % LABELS.len()], fragments);
            a.id = crate::model::AnnotationId::from(format!("{annotator}{n:04}"));
            set.insert(a);
        }
        set
    }

    fn spans() -> impl proptest::strategy::Strategy<Value = Vec<Span>> {
        proptest::collection::vec(
            (
                0usize..3,
                0u32..3_000,
                1u32..40,
                proptest::option::weighted(0.1, (1u32..30, 1u32..20)),
            ),
            0..120,
        )
    }

    proptest::proptest! {
        /// Aligning in two halves on two threads gives exactly the units of aligning at once:
        /// with spans in common, moved, relabelled, overlapping, in several fragments, and
        /// long ones that no place near the middle escapes.
        #[test]
        fn halves_align_as_the_whole(
            shared in spans(),
            anna in spans(),
            erik in spans(),
            olga in spans(),
            long in proptest::option::weighted(0.2, 0u32..3_000),
        ) {
            let mut sets = [
                set("anna", &anna, &shared),
                set("erik", &erik, &shared),
                set("olga", &olga, &shared[..shared.len() / 2]),
            ];
            if let Some(start) = long {
                let mut a = Annotation::new(
                    "Claim",
                    vec![Fragment { start: CharOffset(start), end: CharOffset(start + 2_000) }],
                );
                a.id = crate::model::AnnotationId::from("long");
                sets[1].insert(a);
            }
            let refs: Vec<&AnnotationSet> = sets.iter().collect();
            let whole = align_in(&refs, usize::MAX);
            let split = align_in(&refs, 0);
            proptest::prop_assert_eq!(&split, &whole);
            let refs: Vec<&AnnotationSet> = sets.iter().take(2).collect();
            proptest::prop_assert_eq!(align_in(&refs, 0), align_in(&refs, usize::MAX));
        }
    }

    /// A document that splits does split, and its units come out in text order.
    #[test]
    fn a_big_document_is_cut_where_nothing_crosses() {
        let spans: Vec<Span> = (0..200u32)
            .map(|i| (i as usize % 3, i * 10, 8, None))
            .collect();
        let sets = [set("anna", &spans, &[]), set("erik", &spans[5..], &[])];
        let refs: Vec<&AnnotationSet> = sets.iter().collect();
        let (first, second) = halves(&refs).expect("a place to cut");
        assert!(first.iter().zip(&second).all(|(a, b)| a.end == b.start));
        let cut = first[0].end;
        assert!(cut > 50 && cut < 150, "near the middle: {cut}");
        let alignment = align_in(&refs, 0);
        assert!(alignment.units.is_sorted_by(|a, b| a.start <= b.start));
        assert_eq!(alignment, align_in(&refs, usize::MAX));
        assert_eq!(alignment.units.len(), 200);
    }
}
