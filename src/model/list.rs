//! A set's annotations in file order, kept in chunks so that an insert or a removal moves a
//! chunk's pointers rather than every pointer after it, and a save on another thread can
//! share the whole list while edits copy only the chunks they touch.
//!
//! ## Implementation notes
//!
//! [`AnnotationList`] holds chunks of at most [`MAX`] shared annotations, each behind its own
//! `Arc`, and beside them the running count at the end of each chunk. Finding the chunk of an
//! index is a binary search over those counts (a few kilobytes at a million annotations, in
//! cache); an insert or a removal changes one chunk and adds or subtracts one from the counts
//! after it: about a thousand integers at a million annotations, against the million
//! pointers a single `Vec` moved (0.1–0.2 ms an edit). A chunk that outgrows [`MAX`] is cut
//! in two; an emptied one goes. Views ([`Annotations`]) address annotations by index like a
//! slice, and give them as contiguous pieces where a loop wants a slice.

use std::ops::{Index, Range};
use std::sync::Arc;

use super::Annotation;

/// The most annotations a chunk holds before it is cut in two.
const MAX: usize = 2048;

/// The chunk size a list built whole is cut into: room to grow before the first cut.
const TARGET: usize = MAX / 2;

/// A run of a list's annotations, shared: see [`AnnotationList::chunks`].
pub type Chunk = Vec<Arc<Annotation>>;

/// Annotations in order, in shared chunks. Cloning copies one pointer per chunk.
#[derive(Clone, Default)]
pub struct AnnotationList {
    chunks: Vec<Arc<Chunk>>,
    /// `ends[c]`: how many annotations chunks `0..=c` hold together.
    ends: Vec<usize>,
}

impl AnnotationList {
    /// A list of these annotations, in the order given.
    pub fn from_vec(annotations: Vec<Arc<Annotation>>) -> Self {
        let mut list = Self::default();
        if annotations.is_empty() {
            return list;
        }
        if annotations.len() <= MAX {
            list.ends.push(annotations.len());
            list.chunks.push(Arc::new(annotations));
            return list;
        }
        let n = annotations.len();
        list.chunks.reserve(n.div_ceil(TARGET));
        let mut rest = annotations.into_iter();
        let mut total = 0;
        loop {
            let chunk: Chunk = rest.by_ref().take(TARGET).collect();
            if chunk.is_empty() {
                break;
            }
            total += chunk.len();
            list.ends.push(total);
            list.chunks.push(Arc::new(chunk));
        }
        list
    }

    /// Every annotation, in order: moved out of the chunks no one else shares, copied from
    /// the others.
    pub fn into_vec(self) -> Vec<Arc<Annotation>> {
        let mut all = Vec::with_capacity(self.len());
        for chunk in self.chunks {
            match Arc::try_unwrap(chunk) {
                Ok(chunk) => all.extend(chunk),
                Err(shared) => all.extend(shared.iter().cloned()),
            }
        }
        all
    }

    /// How many annotations.
    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The whole list, to read.
    pub fn view(&self) -> Annotations<'_> {
        Annotations {
            chunks: &self.chunks,
            ends: &self.ends,
            lo: 0,
            hi: self.len(),
        }
    }

    /// The chunks, each shared. A chunk held by someone is copied before any edit changes it,
    /// so a chunk still the same `Arc` as one held since is unchanged: what was derived from
    /// it (a count) still holds, and only new chunks need looking at.
    pub fn chunks(&self) -> &[Arc<Vec<Arc<Annotation>>>] {
        &self.chunks
    }

    /// Where chunk `c` starts.
    fn start_of(&self, c: usize) -> usize {
        c.checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0)
    }

    /// Inserts at index `at` (at most the length).
    pub fn insert(&mut self, at: usize, annotation: Arc<Annotation>) {
        // The first chunk that ends at or after `at`: an index on a chunk boundary goes to
        // the end of the chunk before it.
        let c = self.ends.partition_point(|&e| e < at);
        let start = self.start_of(c);
        let Some(chunk) = self.chunks.get_mut(c) else {
            // Empty, or `at` past the end: a chunk of its own at the end.
            let total = self.len() + 1;
            self.chunks.push(Arc::new(vec![annotation]));
            self.ends.push(total);
            return;
        };
        let chunk = Arc::make_mut(chunk);
        chunk.insert((at - start).min(chunk.len()), annotation);
        let full = chunk.len() > MAX;
        for end in self.ends.iter_mut().skip(c) {
            *end += 1;
        }
        if full {
            self.split(c);
        }
    }

    /// Cuts chunk `c` in two halves.
    fn split(&mut self, c: usize) {
        let start = self.start_of(c);
        let Some(chunk) = self.chunks.get_mut(c) else {
            return;
        };
        let chunk = Arc::make_mut(chunk);
        let second = chunk.split_off(chunk.len() / 2);
        let first_end = start + chunk.len();
        self.chunks.insert(c + 1, Arc::new(second));
        self.ends.insert(c, first_end);
    }

    /// Removes the annotation at index `at`, if there is one.
    pub fn remove(&mut self, at: usize) -> Option<Arc<Annotation>> {
        let c = self.ends.partition_point(|&e| e <= at);
        let start = self.start_of(c);
        let chunk = Arc::make_mut(self.chunks.get_mut(c)?);
        let removed = (at - start < chunk.len()).then(|| chunk.remove(at - start))?;
        let emptied = chunk.is_empty();
        for end in self.ends.iter_mut().skip(c) {
            *end -= 1;
        }
        if emptied {
            self.chunks.remove(c);
            self.ends.remove(c);
        }
        Some(removed)
    }

    /// Keeps the annotations for which `keep` is true (asked once of each, in order). Nothing
    /// is copied unless something goes: a list shared with a snapshot stays the very list
    /// the snapshot holds, and then only the chunks that lose annotations are copied.
    pub fn retain(this: &mut Arc<Self>, mut keep: impl FnMut(&Arc<Annotation>) -> bool) {
        Self::extract(this, |a| !keep(a), |_| {});
    }

    /// Takes out the annotations `take` picks (asked once of each, in order) and returns
    /// them in order, moved rather than shared. Copies as little as [`Self::retain`].
    pub fn extract_if(
        this: &mut Arc<Self>,
        take: impl FnMut(&Arc<Annotation>) -> bool,
    ) -> Vec<Arc<Annotation>> {
        let mut taken = Vec::new();
        Self::extract(this, take, |a| taken.push(a));
        taken
    }

    fn extract(
        this: &mut Arc<Self>,
        mut take: impl FnMut(&Arc<Annotation>) -> bool,
        mut out: impl FnMut(Arc<Annotation>),
    ) {
        // Read first: the first annotation to go, found without copying anything.
        let Some((first_chunk, first)) = this
            .chunks
            .iter()
            .enumerate()
            .find_map(|(c, chunk)| chunk.iter().position(&mut take).map(|at| (c, at)))
        else {
            return;
        };
        let list = Arc::make_mut(this);
        for (c, chunk) in list.chunks.iter_mut().enumerate().skip(first_chunk) {
            let first = if c == first_chunk {
                first
            } else {
                // Only a chunk that loses something is made this list's own.
                match chunk.iter().position(&mut take) {
                    Some(at) => at,
                    None => continue,
                }
            };
            let chunk = Arc::make_mut(chunk);
            // `take` said yes to the first already.
            let mut i = 0;
            for a in chunk.extract_if(first.., |a| {
                i += 1;
                i == 1 || take(a)
            }) {
                out(a);
            }
        }
        list.chunks.retain(|c| !c.is_empty());
        let mut total = 0;
        list.ends = list
            .chunks
            .iter()
            .map(|c| {
                total += c.len();
                total
            })
            .collect();
    }
}

impl std::fmt::Debug for AnnotationList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

impl PartialEq for AnnotationList {
    fn eq(&self, other: &Self) -> bool {
        self.view() == other.view()
    }
}

/// A run of a list's annotations, addressed by index like a slice (a binary search over the
/// chunks), read in order, or as the contiguous pieces it is made of. The default is empty.
#[derive(Clone, Copy, Default)]
pub struct Annotations<'a> {
    chunks: &'a [Arc<Chunk>],
    ends: &'a [usize],
    /// The list's indices `lo..hi` are this view's `0..len`.
    lo: usize,
    hi: usize,
}

impl<'a> Annotations<'a> {
    /// How many annotations.
    pub fn len(&self) -> usize {
        self.hi - self.lo
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.hi == self.lo
    }

    /// The chunk of the list's index `g` and the index within it.
    fn locate(&self, g: usize) -> (usize, usize) {
        let c = self.ends.partition_point(|&e| e <= g);
        let start = c
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0);
        (c, g - start)
    }

    /// The annotation at index `i`.
    pub fn get(&self, i: usize) -> Option<&'a Arc<Annotation>> {
        if i >= self.len() {
            return None;
        }
        let (c, at) = self.locate(self.lo + i);
        self.chunks.get(c)?.get(at)
    }

    /// The first annotation.
    pub fn first(&self) -> Option<&'a Arc<Annotation>> {
        self.get(0)
    }

    /// The last annotation.
    pub fn last(&self) -> Option<&'a Arc<Annotation>> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The annotations at `range` of this view (clamped to it).
    pub fn range(&self, range: Range<usize>) -> Self {
        let hi = self.lo + range.end.min(self.len());
        Self {
            lo: self.lo.saturating_add(range.start).min(hi),
            hi,
            ..*self
        }
    }

    /// The view cut in two at `mid` (clamped), as [`slice::split_at`].
    pub fn split_at(&self, mid: usize) -> (Self, Self) {
        (self.range(0..mid), self.range(mid..self.len()))
    }

    /// The annotations from index `from` on.
    pub fn from(&self, from: usize) -> Self {
        self.range(from..self.len())
    }

    /// How many annotations start before char `at`, in a list kept in order of starts (a
    /// set's): the first of those that start at `at` or later.
    pub fn starting_before(&self, at: u32) -> usize {
        self.partition_point(|a| a.start().0 < at)
    }

    /// How many annotations start at char `at` or before, in a list kept in order of starts.
    pub fn starting_through(&self, at: u32) -> usize {
        self.partition_point(|a| a.start().0 <= at)
    }

    /// The annotations in order.
    pub fn iter(&self) -> Iter<'a> {
        let mut pieces = self.pieces();
        Iter {
            front: pieces.next().unwrap_or_default().iter(),
            back: pieces.next_back().unwrap_or_default().iter(),
            mid: pieces,
            len: self.len(),
        }
    }

    /// The view as the contiguous slices it is made of, in order (none empty).
    pub fn pieces(&self) -> Pieces<'a> {
        if self.is_empty() {
            return Pieces {
                view: Self::default(),
                front: 0,
                back: 0,
            };
        }
        let (first, _) = self.locate(self.lo);
        let (last, _) = self.locate(self.hi - 1);
        Pieces {
            view: *self,
            front: first,
            back: last + 1,
        }
    }

    /// Chunk `c` as far as it lies in the view, and where it starts in the view.
    fn piece(&self, c: usize) -> (usize, &'a [Arc<Annotation>]) {
        let chunk_start = c
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0);
        let chunk_end = self.ends.get(c).copied().unwrap_or(chunk_start);
        let from = self.lo.max(chunk_start);
        let to = self.hi.min(chunk_end).max(from);
        let slice = self
            .chunks
            .get(c)
            .and_then(|chunk| chunk.get(from - chunk_start..to - chunk_start))
            .unwrap_or_default();
        (from - self.lo, slice)
    }

    /// The index of the first annotation for which `pred` is false, the view being
    /// partitioned by it (all true, then all false), as [`slice::partition_point`].
    pub fn partition_point(&self, mut pred: impl FnMut(&Arc<Annotation>) -> bool) -> usize {
        let pieces = self.pieces();
        let (first, end) = (pieces.front, pieces.back);
        // The first piece whose last annotation is not before the point.
        let (mut lo, mut hi) = (first, end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (_, piece) = self.piece(mid);
            if piece.last().is_some_and(&mut pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == end {
            return self.len();
        }
        let (at, piece) = self.piece(lo);
        at + piece.partition_point(pred)
    }

    /// The annotations as a `Vec` of shared pointers.
    pub fn to_vec(&self) -> Vec<Arc<Annotation>> {
        let mut all = Vec::with_capacity(self.len());
        for piece in self.pieces() {
            all.extend_from_slice(piece);
        }
        all
    }

    /// The view cut into runs of `size` annotations (the last one shorter), as
    /// [`slice::chunks`].
    pub fn runs(&self, size: usize) -> impl Iterator<Item = Annotations<'a>> + use<'a> {
        let size = size.max(1);
        let view = *self;
        (0..self.len().div_ceil(size)).map(move |k| view.range(k * size..(k + 1) * size))
    }
}

impl<'a> Index<usize> for Annotations<'a> {
    type Output = Arc<Annotation>;

    /// Panics if `i` is out of range, as a slice does.
    fn index(&self, i: usize) -> &Arc<Annotation> {
        match self.get(i) {
            Some(a) => a,
            None => panic!("annotation index {i} out of range for {}", self.len()),
        }
    }
}

impl PartialEq for Annotations<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl PartialEq<[Arc<Annotation>]> for Annotations<'_> {
    fn eq(&self, other: &[Arc<Annotation>]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Annotations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Annotations<'a> {
    type Item = &'a Arc<Annotation>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Annotations<'a> {
    type Item = &'a Arc<Annotation>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The contiguous slices of an [`Annotations`] view.
#[derive(Clone)]
pub struct Pieces<'a> {
    view: Annotations<'a>,
    /// The chunks `front..back` are still to come.
    front: usize,
    back: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [Arc<Annotation>];

    fn next(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let (_, piece) = self.view.piece(self.front);
        self.front += 1;
        Some(piece)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back.saturating_sub(self.front);
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Pieces<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        Some(self.view.piece(self.back).1)
    }
}

impl ExactSizeIterator for Pieces<'_> {}

/// The annotations of an [`Annotations`] view, in order.
#[derive(Clone)]
pub struct Iter<'a> {
    front: std::slice::Iter<'a, Arc<Annotation>>,
    mid: Pieces<'a>,
    back: std::slice::Iter<'a, Arc<Annotation>>,
    len: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Arc<Annotation>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.front.next() {
                self.len -= 1;
                return Some(a);
            }
            match self.mid.next() {
                Some(piece) => self.front = piece.iter(),
                None => break,
            }
        }
        let a = self.back.next()?;
        self.len -= 1;
        Some(a)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }

    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = self.front.fold(init, &mut f);
        for piece in self.mid {
            acc = piece.iter().fold(acc, &mut f);
        }
        self.back.fold(acc, f)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.back.next_back() {
                self.len -= 1;
                return Some(a);
            }
            match self.mid.next_back() {
                Some(piece) => self.back = piece.iter(),
                None => break,
            }
        }
        let a = self.front.next_back()?;
        self.len -= 1;
        Some(a)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

/// Asks the processor to start reading the memory at `at` into its cache, without waiting
/// for it. Does nothing where the baseline instruction set has no such hint.
#[inline(always)]
pub fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch is a hint: it never faults and reads nothing into the program, for
    // any address. SSE is in the x86-64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// A count of the annotations that pass a test, kept per chunk of the lists they are in
/// (see [`AnnotationList::chunks`]), each chunk held: counting again after edits reads only
/// the chunks the edits made, not every annotation (a project's million annotations took
/// tens of milliseconds to test one by one).
///
/// Holding a chunk makes the next edit to it copy it first (at most [`MAX`] pointers), and
/// keeps what it holds alive until the next count lets it go.
#[derive(Debug, Default)]
pub struct ChunkCounts {
    chunks: Vec<(Arc<Chunk>, usize)>,
    /// The sum of the chunks' counts.
    total: usize,
}

impl ChunkCounts {
    /// The count over these chunks, taken over from `before` for every chunk it holds (a
    /// count made with the same test).
    pub fn of<'a>(
        chunks: impl IntoIterator<Item = &'a Arc<Chunk>>,
        before: Option<Self>,
        counted: impl Fn(&Annotation) -> bool,
    ) -> Self {
        let before = before.map(|b| b.chunks).unwrap_or_default();
        // Mostly the same chunks in the same places (an edit makes one new): each is looked
        // for in its place first, and the others by address only once one is not there.
        // `before` holds its chunks meanwhile, so no new chunk can be at one's address.
        let mut by_address: Option<std::collections::HashMap<*const Chunk, usize>> = None;
        let mut counts = Vec::with_capacity(before.len());
        let mut total = 0;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let held = |at: usize| {
                before
                    .get(at)
                    .filter(|(held, _)| Arc::ptr_eq(held, chunk))
                    .map(|(_, n)| *n)
            };
            let n = held(i)
                .or_else(|| {
                    let index = by_address.get_or_insert_with(|| {
                        before
                            .iter()
                            .enumerate()
                            .map(|(at, (held, _))| (Arc::as_ptr(held), at))
                            .collect()
                    });
                    index.get(&Arc::as_ptr(chunk)).and_then(|&at| held(at))
                })
                .unwrap_or_else(|| chunk.iter().filter(|a| counted(a)).count());
            total += n;
            counts.push((Arc::clone(chunk), n));
        }
        Self {
            chunks: counts,
            total,
        }
    }

    /// How many annotations passed the test.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The chunks counted, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &Arc<Vec<Arc<Annotation>>>> {
        self.chunks.iter().map(|(chunk, _)| chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CharOffset, Fragment};
    use proptest::prelude::*;

    fn ann(i: u32) -> Arc<Annotation> {
        Arc::new(Annotation::new(
            "Person",
            vec![Fragment {
                start: CharOffset(i),
                end: CharOffset(i + 1),
            }],
        ))
    }

    fn starts<'a>(it: impl Iterator<Item = &'a Arc<Annotation>>) -> Vec<u32> {
        it.map(|a| a.start().0).collect()
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(usize),
        Remove(usize),
        Retain(u8),
        Extract(u8),
        Snapshot,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => any::<usize>().prop_map(Op::Insert),
            3 => any::<usize>().prop_map(Op::Remove),
            1 => any::<u8>().prop_map(Op::Retain),
            1 => any::<u8>().prop_map(Op::Extract),
            1 => Just(Op::Snapshot),
        ]
    }

    /// Checks every way of reading `list` against `model`, and every range of it.
    fn same(list: &AnnotationList, model: &[Arc<Annotation>], probe: usize) {
        let view = list.view();
        assert_eq!(view.len(), model.len());
        assert_eq!(starts(view.iter()), starts(model.iter()));
        assert_eq!(starts(view.iter().rev()), starts(model.iter().rev()));
        assert_eq!(view.iter().len(), model.len());
        let n = model.len();
        let (a, b) = if n == 0 {
            (0, 0)
        } else {
            let a = probe % (n + 1);
            (a, a + (probe / 7) % (n + 1 - a))
        };
        let sub = view.range(a..b);
        let want = &model[a..b];
        assert_eq!(starts(sub.iter()), starts(want.iter()), "range {a}..{b}");
        assert_eq!(
            sub.pieces().flatten().count(),
            want.len(),
            "pieces of {a}..{b}"
        );
        assert!(sub.pieces().all(|p| !p.is_empty()));
        for (i, w) in want.iter().enumerate() {
            assert!(Arc::ptr_eq(&sub[i], w), "index {i} of {a}..{b}");
        }
        assert!(sub.get(want.len()).is_none());
        // A predicate that partitions the list: the annotations before a place in it.
        let place: std::collections::HashMap<*const Annotation, usize> = model
            .iter()
            .enumerate()
            .map(|(i, a)| (Arc::as_ptr(a), i))
            .collect();
        for cut in [0, 1, probe, probe / 3, usize::MAX] {
            let cut = cut % (n + 2);
            let pred = |x: &Arc<Annotation>| place.get(&Arc::as_ptr(x)).is_some_and(|&i| i < cut);
            assert_eq!(
                sub.partition_point(pred),
                want.partition_point(pred),
                "partition at {cut} of {a}..{b}"
            );
        }
        // A double-ended walk meeting in the middle.
        let mut it = sub.iter();
        let mut got = Vec::new();
        let mut back = Vec::new();
        let mut turn = probe;
        loop {
            turn = turn.rotate_left(1);
            let next = if turn & 1 == 0 {
                it.next().map(|x| got.push(x.start().0))
            } else {
                it.next_back().map(|x| back.push(x.start().0))
            };
            if next.is_none() {
                break;
            }
        }
        got.extend(back.into_iter().rev());
        assert_eq!(got, starts(want.iter()));
        let runs: Vec<u32> = sub
            .runs(probe % 9 + 1)
            .flat_map(|r| starts(r.iter()))
            .collect();
        assert_eq!(runs, starts(want.iter()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// A list changed by inserts, removals and bulk removals (some while a snapshot
        /// shares it) reads the same as a `Vec` changed the same way, whole and in any range,
        /// and the snapshot keeps what it saw.
        #[test]
        fn a_list_reads_as_a_vec_changed_the_same_way(
            initial in 0usize..5000,
            ops in proptest::collection::vec(op(), 0..200),
            probe in any::<usize>(),
        ) {
            let mut model: Vec<Arc<Annotation>> = (0..initial as u32).map(ann).collect();
            // Held as a set holds it: snapshots share it, and a change copies what it touches.
            let mut list = Arc::new(AnnotationList::from_vec(model.clone()));
            let mut snapshots: Vec<(Arc<AnnotationList>, Vec<Arc<Annotation>>)> = Vec::new();
            let mut next = 1_000_000;
            for op in ops {
                match op {
                    Op::Insert(at) => {
                        let at = at % (model.len() + 1);
                        // Many inserts in one place: chunks fill and split.
                        for _ in 0..(at % 4) * 300 + 1 {
                            next += 1;
                            let a = ann(next);
                            model.insert(at, Arc::clone(&a));
                            Arc::make_mut(&mut list).insert(at, a);
                        }
                    }
                    Op::Remove(at) => {
                        if model.is_empty() {
                            prop_assert!(Arc::make_mut(&mut list).remove(at).is_none());
                        } else {
                            let at = at % model.len();
                            let want = model.remove(at);
                            let got = Arc::make_mut(&mut list).remove(at);
                            prop_assert!(got.is_some_and(|g| Arc::ptr_eq(&g, &want)));
                        }
                    }
                    Op::Retain(k) => {
                        let k = u32::from(k % 7 + 2);
                        model.retain(|a| a.start().0 % k != 0);
                        AnnotationList::retain(&mut list, |a| a.start().0 % k != 0);
                    }
                    Op::Extract(k) => {
                        let k = u32::from(k % 40 + 1);
                        let want: Vec<Arc<Annotation>> =
                            model.extract_if(.., |a| a.start().0 % k == 0).collect();
                        let got = AnnotationList::extract_if(&mut list, |a| a.start().0 % k == 0);
                        prop_assert_eq!(starts(got.iter()), starts(want.iter()));
                    }
                    Op::Snapshot => snapshots.push((Arc::clone(&list), model.clone())),
                }
                prop_assert_eq!(list.len(), model.len());
            }
            same(&list, &model, probe);
            for (snapshot, seen) in &snapshots {
                same(snapshot, seen, probe);
            }
            prop_assert_eq!(
                starts(Arc::unwrap_or_clone(list).into_vec().iter()),
                starts(model.iter())
            );
        }
    }

    /// A chunk no removal touches stays shared with a snapshot: nothing is copied for it; a
    /// removal that takes nothing leaves the snapshot's very list.
    #[test]
    fn a_bulk_removal_copies_only_the_chunks_it_changes() {
        let snapshot = Arc::new(AnnotationList::from_vec((0..10_000).map(ann).collect()));
        let mut changed = Arc::clone(&snapshot);
        AnnotationList::retain(&mut changed, |_| true);
        assert!(AnnotationList::extract_if(&mut changed, |_| false).is_empty());
        assert!(
            Arc::ptr_eq(&changed, &snapshot),
            "nothing went: nothing copied"
        );
        let taken = AnnotationList::extract_if(&mut changed, |a| a.start().0 == 5);
        assert_eq!(taken.len(), 1);
        assert!(!Arc::ptr_eq(&changed, &snapshot));
        let shared = snapshot
            .chunks
            .iter()
            .zip(&changed.chunks)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        assert_eq!(shared, snapshot.chunks.len() - 1);
        assert_eq!(snapshot.len(), 10_000);
    }

    /// Counting again after edits reads only the chunks the edits made, whether the lists
    /// keep their places or another list comes before them, and gives what a count of every
    /// annotation gives.
    #[test]
    fn chunk_counts_follow_edits_reading_only_new_chunks() {
        let odd = |a: &Annotation| a.start().0 % 2 == 1;
        let tested = std::cell::Cell::new(0usize);
        let counting = |a: &Annotation| {
            tested.set(tested.get() + 1);
            odd(a)
        };
        let full = |lists: &[&AnnotationList]| {
            lists
                .iter()
                .flat_map(|l| l.view().iter())
                .filter(|a| odd(a))
                .count()
        };
        let mut book = AnnotationList::from_vec((0..5 * TARGET as u32).map(ann).collect());
        let small = AnnotationList::from_vec((0..10).map(ann).collect());
        let chunks = |lists: &[&AnnotationList]| -> Vec<Arc<Chunk>> {
            lists
                .iter()
                .flat_map(|l| l.chunks().iter().cloned())
                .collect()
        };

        let counts = ChunkCounts::of(&chunks(&[&book]), None, counting);
        assert_eq!(counts.total(), full(&[&book]));
        assert_eq!(tested.replace(0), book.len(), "the first count reads all");

        // Nothing changed: nothing read.
        let counts = ChunkCounts::of(&chunks(&[&book]), Some(counts), counting);
        assert_eq!(counts.total(), full(&[&book]));
        assert_eq!(tested.replace(0), 0);

        // An edit copies the one chunk it changes (the counts hold it): only that is read.
        book.insert(3 * TARGET, ann(7));
        let counts = ChunkCounts::of(&chunks(&[&book]), Some(counts), counting);
        assert_eq!(counts.total(), full(&[&book]));
        assert_eq!(tested.replace(0), TARGET + 1, "one chunk");

        book.remove(0);
        let counts = ChunkCounts::of(&chunks(&[&book]), Some(counts), counting);
        assert_eq!(counts.total(), full(&[&book]));
        assert_eq!(tested.replace(0), TARGET - 1, "one chunk");

        // A list read before the book shifts every chunk's place: they are found by address.
        let counts = ChunkCounts::of(&chunks(&[&small, &book]), Some(counts), counting);
        assert_eq!(counts.total(), full(&[&small, &book]));
        assert_eq!(tested.replace(0), small.len(), "only the new list");

        // A list gone is no longer counted.
        let counts = ChunkCounts::of(&chunks(&[&small]), Some(counts), counting);
        assert_eq!(counts.total(), full(&[&small]));
        assert_eq!(tested.replace(0), 0);
        assert_eq!(counts.chunks().count(), small.chunks().len());
    }
}
