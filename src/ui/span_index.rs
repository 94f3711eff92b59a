//! Which annotation fragments fall in a range of the text, fast enough to ask every frame,
//! and kept current by each edit in time that does not grow with the document.
//!
//! ## Implementation notes
//!
//! - Fragments are kept in the index's order (by start, longer first) in chunks of at most
//!   [`2 * CHUNK`](CHUNK) that split when full; a complete binary tree over the chunks holds
//!   each one's largest end. A query visits only the chunks that can still reach into its
//!   range: O(log n + hits) however long the spans (a running largest end alone would walk
//!   back to a document-long span that starts early, over every fragment in between).
//! - A fragment names its annotation by a slot of the index's own (a weak pointer to the
//!   set's annotation), not by its position in the set: an insertion then moves nothing
//!   else. Inserting or removing one annotation touches one chunk and one path of the tree,
//!   the whole tree only when a chunk splits or empties (at 1M annotations, 1.3 ms before).
//! - A weak pointer keeps no annotation alive: undo still takes the removed annotation back
//!   without copying it.
//! - A big set's index is first built for the annotations that start before the end of what
//!   the view shows ([`SpanIndex::first_part`]: a book's first screens, about 1,400
//!   fragments in the benchmark's), and whole on a thread of its own meanwhile ([`Whole`]).
//!   A query that reaches past the part says so ([`SpanIndex::fell_short`]); the app then
//!   makes the index whole and draws the frame again before it is shown (or in the next
//!   frame, when egui has drawn this one twice already).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak, mpsc};

use crate::model::{Annotation, AnnotationList, Annotations, Fragment, Schema};
use crate::session::SetChange;

/// One fragment of one annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragRef {
    /// First char.
    pub start: u32,
    /// First char after.
    pub end: u32,
    /// The annotation's slot in the index (see [`SpanIndex::annotation`]).
    pub annotation: u32,
    /// Index of the label in the schema (`u16::MAX` if unknown).
    pub label: u16,
}

/// How many fragments a chunk holds after a split (twice as many before one): a query scans
/// a chunk in a row, which is cheaper than descending further for so few.
const CHUNK: usize = 64;

/// Fragments in chunks, with a tree of the largest end over the chunks (see the module's
/// notes).
#[derive(Debug, Default)]
pub struct SpanIndex {
    /// Non-empty, and in the index's order across chunks.
    chunks: Vec<Vec<FragRef>>,
    /// The largest end under each node of a complete binary tree over the chunks: the root
    /// at 1, node `i`'s children at `2i` and `2i + 1`, chunk `k` at `leaves + k`.
    max_end: Vec<u32>,
    /// The number of leaves, a power of two (0 while there are no fragments).
    leaves: usize,
    /// Number of fragments.
    len: usize,
    /// The annotation of each slot.
    slots: Vec<Weak<Annotation>>,
    /// Slots free again.
    free: Vec<u32>,
    /// For an index of the set's first part (see [`Self::first_part`]): the char before which
    /// every annotation that starts is in it. `None` for the whole set's.
    part_through: Option<u32>,
    /// Whether a query reached past the part.
    fell_short: AtomicBool,
}

/// The order of the index: by start, longer first, then by slot.
fn order(f: &FragRef) -> (u32, std::cmp::Reverse<u32>, u32) {
    (f.start, std::cmp::Reverse(f.end), f.annotation)
}

/// From how many annotations [`SpanIndex::new`] reads them on two threads (and the app
/// lets go of a replaced index on another).
pub const PARALLEL_BUILD: usize = 20_000;

/// Puts fragments made in the set's order (by start, end, id) into the index's (by start,
/// longer first, then slot) without a sort where the set's order allows: each run of equal
/// starts is reversed, then each run of equal spans in it (which that reversed). A sort
/// finishes the job only where that is not enough (annotations in several fragments).
fn into_index_order(frags: &mut [FragRef]) {
    let mut i = 0;
    while i < frags.len() {
        let start = frags[i].start;
        let run = frags[i..].iter().take_while(|f| f.start == start).count();
        let same_start = &mut frags[i..i + run];
        if run > 1 {
            same_start.reverse();
            let mut k = 0;
            while k < run {
                let end = same_start[k].end;
                let span = same_start[k..].iter().take_while(|f| f.end == end).count();
                same_start[k..k + span].reverse();
                k += span;
            }
        }
        i += run;
    }
    if !frags.is_sorted_by_key(order) {
        // Each fragment's (start, end, slot) is its own: any sort gives the same order.
        frags.sort_unstable_by_key(order);
    }
}

/// The schema index of a label, `u16::MAX` if the schema has no such label.
fn label_index(schema: &Schema, label: &str) -> u16 {
    schema
        .labels
        .iter()
        .position(|l| l.name == label)
        .map_or(u16::MAX, |i| i as u16)
}

/// Asks for the memory [`SpanIndex::new`] reads of an annotation: its weak count (a weak
/// pointer is made), its fragments' vector and its label, each of which may straddle two
/// cache lines.
fn prefetch_annotation(annotation: &Arc<Annotation>) {
    use crate::model::list::prefetch;
    prefetch(Arc::as_ptr(annotation).cast::<u8>().wrapping_sub(8));
    let fragments: *const u8 = (&raw const annotation.fragments).cast();
    prefetch(fragments);
    prefetch(fragments.wrapping_add(size_of::<Vec<Fragment>>() - 1));
    let label: *const u8 = (&raw const annotation.label).cast();
    prefetch(label);
    prefetch(label.wrapping_add(size_of::<smol_str::SmolStr>() - 1));
}

/// The largest end of a chunk's fragments.
fn largest_end(chunk: &[FragRef]) -> u32 {
    chunk.iter().map(|f| f.end).max().unwrap_or(0)
}

/// Two runs of a big set (at least [`PARALLEL_BUILD`] annotations) to be read on two
/// threads, cut where the start changes nearest the middle (before or after the middle
/// annotation's start), so that each run's fragments are put in order on their own; `None`
/// for a small set, or one whose annotations all start at one place.
fn halves(annotations: Annotations<'_>) -> Option<(Annotations<'_>, Annotations<'_>)> {
    let n = annotations.len();
    if n < PARALLEL_BUILD {
        return None;
    }
    let half = n / 2;
    let start = annotations.get(half)?.start();
    let before = annotations.partition_point(|a| a.start() < start);
    let after = annotations.partition_point(|a| a.start() <= start);
    let mid = if before > 0 && (half - before <= after - half || after == n) {
        before
    } else {
        after
    };
    (0 < mid && mid < n).then(|| annotations.split_at(mid))
}

/// A run of the set read for the index: its chunks in the index's order, their largest
/// ends, and its slots.
struct Built {
    chunks: Vec<Vec<FragRef>>,
    chunk_max: Vec<u32>,
    slots: Vec<Weak<Annotation>>,
}

impl Built {
    /// A run's fragments, in the index's order, in chunks.
    fn of(frags: &[FragRef], slots: Vec<Weak<Annotation>>) -> Self {
        let chunks: Vec<Vec<FragRef>> = frags.chunks(CHUNK).map(<[FragRef]>::to_vec).collect();
        Self {
            chunk_max: chunks.iter().map(|c| largest_end(c)).collect(),
            chunks,
            slots,
        }
    }

    /// This run followed by the next one. Each is in the index's order, and so are both
    /// together unless an annotation in several fragments reaches past the cut: then they
    /// are put in order again, whole.
    fn then(mut self, next: Self) -> Self {
        let seam = self.chunks.last().and_then(|c| c.last());
        let after = next.chunks.first().and_then(|c| c.first());
        self.slots.extend(next.slots);
        if seam.zip(after).is_some_and(|(a, b)| order(a) > order(b)) {
            let mut frags: Vec<FragRef> = self
                .chunks
                .into_iter()
                .chain(next.chunks)
                .flatten()
                .collect();
            frags.sort_unstable_by_key(order);
            return Self::of(&frags, self.slots);
        }
        self.chunks.extend(next.chunks);
        self.chunk_max.extend(next.chunk_max);
        self
    }
}

impl SpanIndex {
    /// Builds the index for a set's annotations: a big set's on two threads, since reading
    /// each annotation is a cache miss (a million annotations took 86 ms on one).
    pub fn new(schema: &Schema, annotations: Annotations<'_>) -> Self {
        let labels: std::collections::HashMap<&str, u16, foldhash::fast::RandomState> = schema
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i as u16))
            .collect();
        // One run of the set: its slots, its fragments in the index's order in chunks, and
        // each chunk's largest end.
        let part = |first: usize, part: Annotations<'_>| {
            let mut frags: Vec<FragRef> = Vec::with_capacity(part.len());
            let mut slots = Vec::with_capacity(part.len());
            let mut i = first;
            for piece in part.pieces() {
                for (k, annotation) in piece.iter().enumerate() {
                    // The annotations are scattered in memory once edits have made some:
                    // those a little ahead are asked for meanwhile (scattered, a million took
                    // 48 ms; 36 ms so).
                    if let Some(ahead) = piece.get(k + 24) {
                        prefetch_annotation(ahead);
                    }
                    if let Some(near) = piece.get(k + 12) {
                        crate::model::list::prefetch(near.fragments.as_ptr());
                    }
                    let label = labels
                        .get(annotation.label.as_str())
                        .copied()
                        .unwrap_or(u16::MAX);
                    slots.push(Arc::downgrade(annotation));
                    for f in &annotation.fragments {
                        frags.push(FragRef {
                            start: f.start.0,
                            end: f.end.0,
                            annotation: i as u32,
                            label,
                        });
                    }
                    i += 1;
                }
            }
            into_index_order(&mut frags);
            Built::of(&frags, slots)
        };
        let built = match halves(annotations) {
            Some((a, b)) => std::thread::scope(|scope| {
                let second = scope.spawn(|| part(a.len(), b));
                let first = part(0, a);
                // A thread that cannot be joined panicked: build its half here.
                let second = second.join().unwrap_or_else(|_| part(a.len(), b));
                first.then(second)
            }),
            None => part(0, annotations),
        };
        let mut index = Self {
            len: built.chunks.iter().map(Vec::len).sum(),
            chunks: built.chunks,
            slots: built.slots,
            ..Self::default()
        };
        index.fill_tree(&built.chunk_max);
        index
    }

    /// The index of the annotations that start before char `through`: all a view needs that
    /// shows nothing past it (a set's annotations are in order of their starts, and each one's
    /// fragments in order). The whole set's if that is all of it.
    pub fn first_part(schema: &Schema, annotations: Annotations<'_>, through: u32) -> Self {
        let part = annotations.starting_before(through);
        let mut index = Self::new(schema, annotations.range(0..part));
        if part < annotations.len() {
            index.part_through = Some(through);
        }
        index
    }

    /// Whether this index holds only a first part of its set (see [`Self::first_part`]).
    pub fn is_part(&self) -> bool {
        self.part_through.is_some()
    }

    /// Whether a query reached past the first part this index holds: what it found there may
    /// be missing annotations.
    pub fn fell_short(&self) -> bool {
        self.fell_short.load(Ordering::Relaxed)
    }

    /// Whether this is the index of exactly these annotations, as [`Self::new`] built it
    /// (the same annotations, not copies, in the same order).
    pub fn is_of_set(&self, annotations: Annotations<'_>) -> bool {
        self.free.is_empty()
            && self.slots.len() == annotations.len()
            && self
                .slots
                .iter()
                .zip(annotations)
                .all(|(slot, a)| std::ptr::eq(slot.as_ptr(), Arc::as_ptr(a)))
    }

    /// Follows the changes one session step made to the set (see
    /// [`Session::last_changes`](crate::session::Session::last_changes)).
    pub fn follow(&mut self, schema: &Schema, changes: &[SetChange]) {
        for change in changes {
            match change {
                SetChange::Inserted { annotation, .. } => self.insert(schema, annotation),
                SetChange::Removed {
                    annotation,
                    fragments,
                    ..
                } => self.remove(annotation, fragments),
            }
        }
    }

    /// Follows the insertion of an annotation into the set.
    pub fn insert(&mut self, schema: &Schema, annotation: &Arc<Annotation>) {
        let weak = Arc::downgrade(annotation);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = weak;
                slot
            }
            None => {
                self.slots.push(weak);
                (self.slots.len() - 1) as u32
            }
        };
        let label = label_index(schema, &annotation.label);
        for fragment in &annotation.fragments {
            self.insert_frag(FragRef {
                start: fragment.start.0,
                end: fragment.end.0,
                annotation: slot,
                label,
            });
        }
    }

    fn insert_frag(&mut self, new: FragRef) {
        self.len += 1;
        if self.chunks.is_empty() {
            self.chunks.push(vec![new]);
            self.rebuild_tree();
            return;
        }
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|l| order(l) < order(&new)))
            .min(self.chunks.len() - 1);
        let chunk = &mut self.chunks[k];
        let at = chunk.partition_point(|f| order(f) < order(&new));
        chunk.insert(at, new);
        if chunk.len() >= 2 * CHUNK {
            let rest = chunk.split_off(CHUNK);
            self.chunks.insert(k + 1, rest);
            self.rebuild_tree();
        } else {
            self.refresh_leaf(k);
        }
    }

    /// Follows the removal of an annotation from the set: `removed` is the annotation the
    /// set held (which may be gone by now), with these fragments.
    pub fn remove(&mut self, removed: &Weak<Annotation>, fragments: &[Fragment]) {
        let mut slot = None;
        let mut rebuild = false;
        for fragment in fragments {
            let (s, e) = (fragment.start.0, fragment.end.0);
            let mut k = self
                .chunks
                .partition_point(|c| c.last().is_some_and(|l| l.start < s));
            while let Some(chunk) = self.chunks.get_mut(k) {
                if chunk.first().is_none_or(|f| f.start > s) {
                    break;
                }
                let slots = &self.slots;
                let hit = chunk.iter().position(|f| {
                    f.start == s
                        && f.end == e
                        && slot.map_or_else(
                            || {
                                slots
                                    .get(f.annotation as usize)
                                    .is_some_and(|w| Weak::ptr_eq(w, removed))
                            },
                            |slot| f.annotation == slot,
                        )
                });
                let Some(at) = hit else {
                    k += 1;
                    continue;
                };
                slot = Some(chunk[at].annotation);
                chunk.remove(at);
                self.len -= 1;
                if chunk.is_empty() {
                    self.chunks.remove(k);
                    rebuild = true;
                } else if !rebuild {
                    self.refresh_leaf(k);
                }
                break;
            }
        }
        if rebuild {
            self.rebuild_tree();
        }
        if let Some(slot) = slot {
            self.slots[slot as usize] = Weak::new();
            self.free.push(slot);
        }
    }

    /// Recomputes chunk `k`'s largest end and the path above it.
    fn refresh_leaf(&mut self, k: usize) {
        let mut node = self.leaves + k;
        let Some(slot) = self.max_end.get_mut(node) else {
            return;
        };
        *slot = self.chunks[k].iter().map(|f| f.end).max().unwrap_or(0);
        while node > 1 {
            node /= 2;
            self.max_end[node] = self.max_end[2 * node].max(self.max_end[2 * node + 1]);
        }
    }

    /// Builds the tree of largest ends over the chunks.
    fn rebuild_tree(&mut self) {
        let chunk_max: Vec<u32> = self.chunks.iter().map(|c| largest_end(c)).collect();
        self.fill_tree(&chunk_max);
    }

    /// Makes the tree over the chunks, whose largest ends are `chunk_max`.
    fn fill_tree(&mut self, chunk_max: &[u32]) {
        let leaves = if self.chunks.is_empty() {
            0
        } else {
            self.chunks.len().next_power_of_two()
        };
        self.leaves = leaves;
        self.max_end.clear();
        self.max_end.resize(2 * leaves, 0);
        if let Some(leaf) = self.max_end.get_mut(leaves..leaves + chunk_max.len()) {
            leaf.copy_from_slice(chunk_max);
        }
        for i in (1..leaves).rev() {
            self.max_end[i] = self.max_end[2 * i].max(self.max_end[2 * i + 1]);
        }
    }

    /// The annotation of a fragment the index returned, if the set still has it.
    pub fn annotation(&self, f: &FragRef) -> Option<Arc<Annotation>> {
        self.slots.get(f.annotation as usize)?.upgrade()
    }

    /// Whether a fragment the index returned is of this annotation (no reference counting).
    pub fn is_of(&self, f: &FragRef, annotation: &Arc<Annotation>) -> bool {
        self.slots
            .get(f.annotation as usize)
            .is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(annotation)))
    }

    /// Number of fragments.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no fragments.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every fragment, in the index's order.
    pub fn all(&self) -> impl Iterator<Item = &FragRef> {
        self.chunks.iter().flatten()
    }

    /// Fragments overlapping `[start, end)`, sorted by start (longer first on ties).
    pub fn query(&self, start: u32, end: u32, out: &mut Vec<FragRef>) {
        out.clear();
        if self.part_through.is_some_and(|through| end > through) {
            self.fell_short.store(true, Ordering::Relaxed);
        }
        // Only fragments that start before `end` can overlap: the chunks before `hi`.
        let hi = self
            .chunks
            .partition_point(|c| c.first().is_some_and(|f| f.start < end));
        if hi == 0 {
            return;
        }
        let last_leaf = hi - 1;
        // Depth-first, left child first, so that hits come out in the index's order. Each
        // node is (index, first leaf, leaves under it); the stack holds at most one pending
        // right sibling per level.
        let mut stack = [(0usize, 0usize, 0usize); 2 * usize::BITS as usize];
        let mut depth = 0;
        stack[0] = (1, 0, self.leaves);
        depth += 1;
        while depth > 0 {
            depth -= 1;
            let (node, first, size) = stack[depth];
            if first > last_leaf || self.max_end.get(node).is_none_or(|&m| m <= start) {
                continue;
            }
            if size == 1 {
                if let Some(chunk) = self.chunks.get(first) {
                    out.extend(
                        chunk
                            .iter()
                            .take_while(|f| f.start < end)
                            .filter(|f| f.end > start),
                    );
                }
                continue;
            }
            let half = size / 2;
            stack[depth] = (2 * node + 1, first + half, half);
            stack[depth + 1] = (2 * node, first, half);
            depth += 2;
        }
    }
}

/// The whole index of a set, built on a thread of its own (its two halves on two) while the
/// view draws from a first part of it, for the state of the project named by `key`.
pub struct Whole<K> {
    key: K,
    built: mpsc::Receiver<SpanIndex>,
    /// Told when [`Self::wait`] begins to wait (tests).
    #[cfg(test)]
    waiting: Option<mpsc::Sender<()>>,
}

impl<K> Whole<K> {
    /// Starts building the index of `annotations` (a snapshot of the set: the set itself may
    /// change meanwhile, copying its list first); `wake` is asked to repaint when it is built,
    /// so that the window takes it.
    pub fn spawn(
        key: K,
        schema: &Schema,
        annotations: Arc<AnnotationList>,
        wake: Option<egui::Context>,
    ) -> Self {
        let (tx, built) = mpsc::channel();
        let schema = schema.clone();
        let build = move || {
            let _ = tx.send(SpanIndex::new(&schema, annotations.view()));
            if let Some(ctx) = wake {
                ctx.request_repaint();
            }
        };
        // Without a thread the sender is gone with it, and the index is built where it is
        // needed.
        let _ = std::thread::Builder::new()
            .name("lector-index".to_owned())
            .spawn(build);
        Self {
            key,
            built,
            #[cfg(test)]
            waiting: None,
        }
    }

    /// The state of the project this is the index of.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The index if it is built; an error if it never will be (its thread is gone).
    pub fn try_take(&self) -> Result<Option<SpanIndex>, mpsc::RecvError> {
        match self.built.try_recv() {
            Ok(index) => Ok(Some(index)),
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            Err(mpsc::TryRecvError::Disconnected) => Err(mpsc::RecvError),
        }
    }

    /// The index, once it is built; `None` if its thread is gone.
    pub fn wait(self) -> Option<SpanIndex> {
        #[cfg(test)]
        if let Some(waiting) = &self.waiting {
            let _ = waiting.send(());
        }
        self.built.recv().ok()
    }

    /// A build that is done when the test sends the index, and that says when someone
    /// waits for it.
    #[cfg(test)]
    pub(crate) fn held(key: K) -> (Self, mpsc::Sender<SpanIndex>, mpsc::Receiver<()>) {
        let (tx, built) = mpsc::channel();
        let (waiting, waited) = mpsc::channel();
        let held = Self {
            key,
            built,
            waiting: Some(waiting),
        };
        (held, tx, waited)
    }
}

/// Lets go of an index: a big one (a book's holds a weak pointer to each of its million
/// annotations, 18 ms to free) on another thread, a small one here.
pub fn let_go(index: SpanIndex) {
    if index.len() >= PARALLEL_BUILD {
        super::drop_elsewhere(index);
    }
}

/// What an index finds in `[start, end)` (tests): each fragment with its annotation, by
/// address, so that two indexes of one set can be compared.
#[cfg(test)]
pub(crate) fn found(index: &SpanIndex, start: u32, end: u32) -> Vec<(u32, u32, usize)> {
    let mut frags = Vec::new();
    index.query(start, end, &mut frags);
    frags
        .iter()
        .map(|f| {
            let a = index.annotation(f).expect("the set holds it");
            (f.start, f.end, Arc::as_ptr(&a) as usize)
        })
        .collect()
}

/// Gives each fragment a lane (0 = outermost) so that overlapping fragments get different
/// lanes: greedy interval colouring over fragments sorted by start, longer first.
pub fn assign_lanes(frags: &[FragRef]) -> Vec<u8> {
    let mut lane_ends: Vec<u32> = Vec::new();
    frags
        .iter()
        .map(|f| {
            let lane = lane_ends
                .iter()
                .position(|&end| end <= f.start)
                .unwrap_or_else(|| {
                    lane_ends.push(0);
                    lane_ends.len() - 1
                });
            lane_ends[lane] = f.end;
            lane.min(u8::MAX as usize) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, CharOffset, Fragment};

    fn ann(label: &str, spans: &[(u32, u32)]) -> Annotation {
        Annotation::new(
            label,
            spans
                .iter()
                .map(|&(s, e)| Fragment {
                    start: CharOffset(s),
                    end: CharOffset(e),
                })
                .collect(),
        )
    }

    #[test]
    fn queries_find_overlapping_nested_and_long_spans() {
        let schema = Schema::news_default();
        let anns = vec![
            ann("Claim", &[(0, 1000)]),
            ann("Person", &[(10, 20)]),
            ann("Place", &[(15, 30)]),
            ann("Person", &[(500, 510), (700, 710)]),
        ];
        let anns = crate::model::AnnotationList::from_vec(anns.into_iter().map(Arc::new).collect());
        let anns = anns.view();
        let index = SpanIndex::new(&schema, anns);
        let mut out = Vec::new();
        index.query(18, 19, &mut out);
        let got: Vec<(u32, u32)> = out.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(got, vec![(0, 1000), (10, 20), (15, 30)]);
        index.query(600, 700, &mut out);
        assert_eq!(
            out.len(),
            1,
            "the gap of a discontinuous span is not covered"
        );
        assert_eq!(
            assign_lanes(&[
                FragRef {
                    start: 0,
                    end: 1000,
                    annotation: 0,
                    label: 0
                },
                FragRef {
                    start: 10,
                    end: 20,
                    annotation: 1,
                    label: 0
                },
                FragRef {
                    start: 15,
                    end: 30,
                    annotation: 2,
                    label: 0
                },
                FragRef {
                    start: 20,
                    end: 25,
                    annotation: 3,
                    label: 0
                },
            ]),
            vec![0, 1, 2, 1]
        );
    }

    /// Building puts every fragment in the index's order, naming its own annotation and
    /// label: a small set and a big one (two threads, each putting its half in order), with
    /// many equal starts and spans, with annotations in several fragments (where the set's
    /// order is not enough, and which reach past the cut between the halves), and with every
    /// annotation at one start (no cut). Queries find what a scan finds.
    #[test]
    fn building_orders_the_fragments_and_names_their_annotations() {
        let schema = Schema::news_default();
        let mut rng = fastrand::Rng::with_seed(3);
        let mut cuts = [0; 2];
        for (n, multi, starts) in [
            (300, false, 75),
            (300, true, 75),
            (PARALLEL_BUILD + 999, false, 5_000),
            (PARALLEL_BUILD + 999, true, 5_000),
            (PARALLEL_BUILD + 999, false, 1),
        ] {
            let anns: Vec<Annotation> = (0..n)
                .map(|_| {
                    let start = rng.u32(..starts);
                    let mut spans = vec![(start, start + 1 + rng.u32(..3))];
                    if multi && rng.u8(..10) == 0 {
                        let next = spans[0].1 + 1 + rng.u32(..20);
                        spans.push((next, next + 1 + rng.u32(..5)));
                    }
                    ann(["Person", "Place", "Nope"][rng.usize(..3)], &spans)
                })
                .collect();
            let mut set = crate::model::AnnotationSet::new("a", "d");
            set.replace_all(anns);
            let index = SpanIndex::new(&schema, set.annotations());
            let mut expected: Vec<FragRef> = set
                .annotations()
                .iter()
                .enumerate()
                .flat_map(|(i, a)| {
                    let label = label_index(&schema, &a.label);
                    a.fragments.iter().map(move |f| FragRef {
                        start: f.start.0,
                        end: f.end.0,
                        annotation: i as u32,
                        label,
                    })
                })
                .collect();
            expected.sort_by_key(order);
            let built: Vec<FragRef> = index.all().copied().collect();
            assert_eq!(
                built, expected,
                "{n} annotations, several fragments: {multi}"
            );
            for f in index.all() {
                let a = &set.annotations()[f.annotation as usize];
                assert!(index.is_of(f, a));
            }
            let mut out = Vec::new();
            for _ in 0..200 {
                let start = rng.u32(..starts + 30);
                let end = start + rng.u32(..40);
                index.query(start, end, &mut out);
                assert_eq!(out, naive(&index, start, end), "query {start}..{end}");
            }
            if let Some((a, b)) = halves(set.annotations()) {
                // Whether the halves' fragments were in order together, or put in order again.
                let seam = |h: Annotations<'_>, last: bool| {
                    let mut f: Vec<FragRef> = h
                        .iter()
                        .flat_map(|a| a.fragments.iter())
                        .map(|f| FragRef {
                            start: f.start.0,
                            end: f.end.0,
                            annotation: 0,
                            label: 0,
                        })
                        .collect();
                    f.sort_by_key(order);
                    if last {
                        f.last().copied()
                    } else {
                        f.first().copied()
                    }
                };
                let crossed = seam(a, true)
                    .zip(seam(b, false))
                    .is_some_and(|(x, y)| x.start > y.start);
                cuts[usize::from(crossed)] += 1;
            }
        }
        assert_eq!(
            cuts,
            [1, 1],
            "halves in order together, and halves put in order again"
        );
    }

    /// A big set is cut for the two threads where the start changes nearest its middle,
    /// after a run of one start that covers the middle if that is nearer, and not at all if
    /// every annotation starts at one place.
    #[test]
    fn a_big_set_is_cut_near_its_middle_where_the_start_changes() {
        let n = PARALLEL_BUILD + 1_000;
        let cut = |start_of: &dyn Fn(usize) -> u32| {
            let mut set = crate::model::AnnotationSet::new("a", "d");
            set.replace_all(
                (0..n)
                    .map(|i| {
                        let s = start_of(i);
                        ann("Person", &[(s, s + 1)])
                    })
                    .collect(),
            );
            halves(set.annotations()).map(|(a, b)| {
                assert_ne!(a.last().unwrap().start(), b.first().unwrap().start());
                a.len()
            })
        };
        assert_eq!(cut(&|i| i as u32 / 3), Some(n / 2 / 3 * 3));
        // Three fifths at one start: the cut is after them, not before (no cut at all).
        assert_eq!(
            cut(&|i| if i < n * 3 / 5 { 0 } else { i as u32 }),
            Some(n * 3 / 5)
        );
        // Two fifths, then three fifths at one start: the cut is before them.
        assert_eq!(
            cut(&|i| if i < n * 2 / 5 { i as u32 } else { n as u32 }),
            Some(n * 2 / 5)
        );
        assert_eq!(cut(&|_| 7), None);
    }

    /// Whatever is inserted and removed, following the changes gives exactly the index a
    /// rebuild gives, so highlights never drift from the annotations after an edit.
    #[test]
    fn following_edits_matches_rebuilding() {
        let schema = Schema::news_default();
        let labels = ["Person", "Place", "Claim", "NoSuchLabel"];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut set = crate::model::AnnotationSet::new("a", "d");
        let mut index = SpanIndex::new(&schema, set.annotations());
        for step in 0..600 {
            if set.annotations().is_empty() || rng.u8(..3) > 0 {
                let start = rng.u32(..500);
                let mut spans = vec![(start, start + 1 + rng.u32(..40))];
                if rng.bool() {
                    let next = spans[0].1 + 1 + rng.u32(..20);
                    spans.push((next, next + 1 + rng.u32(..10)));
                }
                let a = ann(labels[rng.usize(..labels.len())], &spans);
                let at = set.insert(a);
                index.insert(&schema, &set.annotations()[at]);
            } else {
                let at = rng.usize(..set.len());
                let id = set.annotations()[at].id.clone();
                let (_, old) = set.remove(&id).unwrap();
                index.remove(&Arc::downgrade(&old), &old.fragments);
            }
            let rebuilt = SpanIndex::new(&schema, set.annotations());
            assert_eq!(index.len(), rebuilt.len(), "fragments after step {step}");
            assert_eq!(
                content(&index),
                content(&rebuilt),
                "fragments after step {step}"
            );
            let mut out = Vec::new();
            for start in (0..600).step_by(37) {
                index.query(start, start + 30, &mut out);
                assert_eq!(
                    out,
                    naive(&index, start, start + 30),
                    "query after step {step}"
                );
            }
        }
    }

    /// Chunks split as they fill and go as they empty: everything inserted, then everything
    /// removed in another order, the index answering as a scan does all along.
    #[test]
    fn chunks_split_and_empty() {
        let schema = Schema::news_default();
        let mut rng = fastrand::Rng::with_seed(11);
        let mut set = crate::model::AnnotationSet::new("a", "d");
        let mut index = SpanIndex::new(&schema, set.annotations());
        for _ in 0..1_000 {
            let start = rng.u32(..3_000);
            let at = set.insert(ann("Person", &[(start, start + 1 + rng.u32(..30))]));
            index.insert(&schema, &set.annotations()[at]);
        }
        assert!(
            index.chunks.len() > 1_000 / (2 * CHUNK),
            "{} chunks",
            index.chunks.len()
        );
        let mut out = Vec::new();
        let mut step = 0;
        while !set.is_empty() {
            let id = set.annotations()[rng.usize(..set.len())].id.clone();
            let (_, old) = set.remove(&id).unwrap();
            index.remove(&Arc::downgrade(&old), &old.fragments);
            step += 1;
            if step % 50 == 0 {
                assert_eq!(
                    content(&index),
                    content(&SpanIndex::new(&schema, set.annotations()))
                );
                for start in (0..3_000).step_by(97) {
                    index.query(start, start + 40, &mut out);
                    assert_eq!(
                        out,
                        naive(&index, start, start + 40),
                        "after {step} removals"
                    );
                }
            }
        }
        assert!(index.is_empty());
        assert!(index.chunks.is_empty(), "every chunk went as it emptied");
        index.query(0, 3_000, &mut out);
        assert!(out.is_empty());
    }

    /// What an index holds: each fragment with its label and annotation, in the index's
    /// order (annotations with the same span by id, where the index orders them by slot).
    fn content(index: &SpanIndex) -> Vec<(u32, u32, u16, String)> {
        let mut all: Vec<(u32, u32, u16, String)> = index
            .all()
            .map(|f| {
                let a = index.annotation(f).expect("a live annotation");
                (f.start, f.end, f.label, a.id.0.to_string())
            })
            .collect();
        all.sort_by(|x, y| {
            (x.0, std::cmp::Reverse(x.1), &x.3).cmp(&(y.0, std::cmp::Reverse(y.1), &y.3))
        });
        all
    }

    /// What a query must return: every fragment overlapping the range, in the index's order.
    fn naive(index: &SpanIndex, start: u32, end: u32) -> Vec<FragRef> {
        index
            .all()
            .filter(|f| f.start < end && f.end > start)
            .copied()
            .collect()
    }

    fn spans_strategy() -> impl proptest::strategy::Strategy<Value = Vec<Vec<(u32, u32)>>> {
        use proptest::prelude::*;
        // Mostly short spans, some of them document-long, some in several fragments.
        let fragment = prop_oneof![
            4 => (0u32..2_000, 1u32..40).prop_map(|(s, l)| (s, s + l)),
            1 => (0u32..200, 1_000u32..2_000).prop_map(|(s, l)| (s, s + l)),
        ];
        proptest::collection::vec(proptest::collection::vec(fragment, 1..3), 0..300)
    }

    proptest::proptest! {
        /// The tree finds exactly the fragments a scan finds, in the same order, with long
        /// spans that start early and after insertions and removals.
        #[test]
        fn queries_match_a_scan(
            spans in spans_strategy(),
            queries in proptest::collection::vec((0u32..2_300, 0u32..300), 1..40),
            removals in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..20),
        ) {
            let schema = Schema::news_default();
            let mut set = crate::model::AnnotationSet::new("a", "d");
            let mut index = SpanIndex::new(&schema, set.annotations());
            for fragments in &spans {
                let mut fragments = fragments.clone();
                fragments.sort_unstable();
                let a = ann("Person", &fragments);
                let at = set.insert(a);
                index.insert(&schema, &set.annotations()[at]);
            }
            for which in &removals {
                if set.is_empty() {
                    break;
                }
                let id = set.annotations()[which.index(set.len())].id.clone();
                let (_, old) = set.remove(&id).unwrap();
                index.remove(&Arc::downgrade(&old), &old.fragments);
            }
            let rebuilt = SpanIndex::new(&schema, set.annotations());
            let mut out = Vec::new();
            for &(start, len) in &queries {
                let end = start + len;
                for idx in [&index, &rebuilt] {
                    idx.query(start, end, &mut out);
                    proptest::prop_assert_eq!(&out, &naive(idx, start, end), "query {}..{}", start, end);
                }
            }
        }
    }

    /// The first part of a big set's index finds, before its end, just what the whole index
    /// finds there: spans that start early and reach far in, and annotations in two fragments
    /// the second of which lies past the part, included. A query that reaches past it says
    /// so; one before it does not. A part that would hold the whole set is the whole index.
    #[test]
    fn a_first_part_finds_what_the_whole_finds_before_its_end() {
        let schema = Schema::news_default();
        let mut rng = fastrand::Rng::with_seed(11);
        let anns: Vec<Annotation> = (0..PARALLEL_BUILD + 5_000)
            .map(|i| {
                let start = rng.u32(..200_000);
                let len = if i % 97 == 0 {
                    60_000
                } else {
                    1 + rng.u32(..30)
                };
                let mut spans = vec![(start, start + len)];
                if i % 13 == 0 {
                    let next = start + len + 1 + rng.u32(..50_000);
                    spans.push((next, next + 5));
                }
                ann(["Person", "Place", "Claim"][i % 3], &spans)
            })
            .collect();
        let mut set = crate::model::AnnotationSet::new("a", "d");
        set.replace_all(anns);
        let whole = SpanIndex::new(&schema, set.annotations());
        let through = 50_000;
        let part = SpanIndex::first_part(&schema, set.annotations(), through);
        assert!(part.is_part() && !whole.is_part());
        assert!(
            part.len() * 3 < whole.len(),
            "{} of {}",
            part.len(),
            whole.len()
        );
        let mut hits = 0;
        for _ in 0..400 {
            let start = rng.u32(..through);
            let end = (start + 1 + rng.u32(..3_000)).min(through);
            let expected = found(&whole, start, end);
            hits += expected.len();
            assert_eq!(found(&part, start, end), expected, "{start}..{end}");
        }
        assert!(hits > 1_000, "{hits}");
        assert!(!part.fell_short(), "nothing asked past the part");
        found(&part, through - 10, through + 1);
        assert!(part.fell_short());
        let all = SpanIndex::first_part(&schema, set.annotations(), u32::MAX);
        assert!(!all.is_part());
        assert_eq!(found(&all, 0, u32::MAX), found(&whole, 0, u32::MAX));
        assert!(!all.fell_short());
    }
}
