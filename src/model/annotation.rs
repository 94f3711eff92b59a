//! Annotations: labelled spans of a document's text, and the entities mentions link to.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use smol_str::SmolStr;

use super::list::{AnnotationList, Annotations};
use super::offsets::{ByteOffset, CharOffset, DocText, char_count};

/// A map by annotation id, with a hash that is fast on short ids and seeded per process.
pub type IdMap<V> = HashMap<AnnotationId, V, foldhash::fast::RandomState>;

/// A set of annotation ids (see [`IdMap`]).
pub type IdSet<'a> = std::collections::HashSet<&'a AnnotationId, foldhash::fast::RandomState>;

/// A stable annotation id, unique within an annotator's file.
///
/// Kept inline when it is up to 23 bytes long (Lector's own are 10, most tools' are
/// shorter than 23), else shared: a copy never allocates. Ids are copied wherever one
/// annotation is named in another place (a review's sources and decisions, the undo
/// history, the id index), hundreds of thousands of times in a book's review.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnotationId(pub SmolStr);

impl AnnotationId {
    /// The id `id`.
    pub fn new(id: impl AsRef<str>) -> Self {
        Self(SmolStr::new(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// A fresh random id: 10 base-32 characters (50 bits), so that two annotators tagging at
    /// the same moment never collide in practice.
    pub fn random() -> Self {
        const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
        let mut bits = random_u64();
        let mut id = [0u8; 10];
        for c in &mut id {
            *c = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
        // ASCII from the alphabet: always text.
        Self(SmolStr::new(std::str::from_utf8(&id).unwrap_or_default()))
    }
}

/// 64 random bits, different in every process.
///
/// `fastrand`'s own generator is seeded from the time and the thread id alone: two `lector
/// annotate` started at once got the same seed here, hence the same annotation id, and one
/// annotation replaced the other when their saves were merged. This one is seeded once per
/// thread from the standard library's per-process OS randomness (`RandomState`), the process
/// id and the wall clock.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    thread_local! {
        static RNG: std::cell::RefCell<Option<fastrand::Rng>> = const { std::cell::RefCell::new(None) };
    }
    RNG.with(|cell| {
        let mut rng = cell.borrow_mut();
        let rng = rng.get_or_insert_with(|| {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            hasher.write_u128(now);
            fastrand::Rng::with_seed(hasher.finish())
        });
        rng.u64(..)
    })
}

impl From<String> for AnnotationId {
    fn from(id: String) -> Self {
        Self(SmolStr::from(id))
    }
}

impl From<&str> for AnnotationId {
    fn from(id: &str) -> Self {
        Self(SmolStr::new(id))
    }
}

/// Sets look ids up by `&str` (an id borrowed from a file being read); the hash and order
/// are those of the string.
impl std::borrow::Borrow<str> for AnnotationId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AnnotationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a canonical entity, a readable slug such as `alexander-lukashenko`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityId(pub String);

impl EntityId {
    /// A slug made from a name: lower case, letters and digits kept (any script), the rest
    /// turned into single dashes.
    pub fn slug(name: &str) -> Self {
        let mut slug = String::with_capacity(name.len());
        for ch in name.chars().flat_map(char::to_lowercase) {
            if ch.is_alphanumeric() {
                slug.push(ch);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        if slug.is_empty() {
            slug.push_str("entity");
        }
        Self(slug)
    }
}

impl std::fmt::Display for EntityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One contiguous piece `[start, end)` of an annotation, in chars of the stored text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fragment {
    /// First char covered.
    pub start: CharOffset,
    /// First char after the fragment.
    pub end: CharOffset,
}

impl Fragment {
    /// From the first fragment's start to the last one's end (of fragments in order; empty
    /// at 0 for none).
    pub fn hull(fragments: &[Fragment]) -> Fragment {
        match (fragments.first(), fragments.last()) {
            (Some(first), Some(last)) => Fragment {
                start: first.start,
                end: last.end,
            },
            _ => Fragment {
                start: CharOffset(0),
                end: CharOffset(0),
            },
        }
    }

    /// Length in chars.
    pub fn len(self) -> u32 {
        self.end.0 - self.start.0
    }

    /// Whether the fragment covers nothing (never true for a checked fragment).
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// Why a span does not fit the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    /// No fragments at all.
    #[error("the span has no fragments")]
    Empty,
    /// `start >= end`.
    #[error("fragment {start}:{end} is empty or reversed")]
    EmptyFragment {
        /// Start as given.
        start: u32,
        /// End as given.
        end: u32,
    },
    /// Past the end of the text.
    #[error("fragment {start}:{end} ends after the text, which has {len} characters")]
    OutOfRange {
        /// Start as given.
        start: u32,
        /// End as given.
        end: u32,
        /// Text length in chars.
        len: u32,
    },
    /// Splits a user-perceived character (an emoji, a letter and its accent).
    #[error("offset {at} splits a character (an emoji or a letter with its accent)")]
    SplitsGrapheme {
        /// The offending offset.
        at: u32,
    },
}

/// Checks fragments against a text and puts them in order: sorted, in range, on grapheme
/// boundaries, and with overlapping or touching fragments merged. This is the only way spans
/// are built, whether they come from the GUI, the command line or a file.
pub fn checked_fragments(text: &DocText, raw: &[(u32, u32)]) -> Result<Vec<Fragment>, SpanError> {
    if raw.is_empty() {
        return Err(SpanError::Empty);
    }
    for &(start, end) in raw {
        check_fragment(text, start, end, "")?;
    }
    Ok(ordered_fragments(raw.iter().copied()))
}

/// Checks one fragment `[start, end)` against a text as [`checked_fragments`] does, and gives
/// the byte offsets of its ends, and whether the text between them is `quote`. `quote`: what
/// a file says the text there is, if anything; when the text does say that, its end is found
/// from the quote's length instead of being looked up (a file's every annotation is checked
/// so), and the caller need not compare them again.
pub fn check_fragment(
    text: &DocText,
    start: u32,
    end: u32,
    quote: &str,
) -> Result<(ByteOffset, ByteOffset, bool), SpanError> {
    if start >= end {
        return Err(SpanError::EmptyFragment { start, end });
    }
    let len = text.len_chars().0;
    if end > len {
        return Err(SpanError::OutOfRange { start, end, len });
    }
    let split = |at: u32| SpanError::SplitsGrapheme { at };
    let a = text.boundary_byte(CharOffset(start)).ok_or(split(start))?;
    let quoted = !quote.is_empty()
        && text
            .as_str()
            .get(a.index()..)
            .is_some_and(|rest| rest.starts_with(quote))
        && char_count(quote) == (end - start) as usize;
    let b = if quoted {
        let b = ByteOffset(a.0 + quote.len() as u32);
        text.is_boundary_byte(b).then_some(b)
    } else {
        text.boundary_byte(CharOffset(end))
    };
    // Not quoted: the text there is not the quote (it does not begin with it, or has another
    // length in chars, or the quote is empty while the fragment is not).
    Ok((a, b.ok_or(split(end))?, quoted))
}

/// Fragments that [`check_fragment`] accepted, sorted, with overlapping or touching ones
/// merged into the one before.
pub fn ordered_fragments(raw: impl ExactSizeIterator<Item = (u32, u32)>) -> Vec<Fragment> {
    let mut fragments: Vec<Fragment> = raw
        .map(|(start, end)| Fragment {
            start: CharOffset(start),
            end: CharOffset(end),
        })
        .collect();
    // One fragment (nearly every annotation) is in order as it is.
    if fragments.len() > 1 {
        fragments.sort();
        fragments.dedup_by(|next, last| {
            let overlaps = next.start <= last.end;
            if overlaps {
                last.end = last.end.max(next.end);
            }
            overlaps
        });
    }
    fragments
}

/// An attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// One of the choices the schema lists.
    Choice(String),
    /// Free text.
    Text(String),
    /// A calendar date.
    Date(jiff::civil::Date),
    /// A finite number.
    Number(f64),
    /// A canonical entity of the project.
    Entity(EntityId),
    /// Another annotation of the same document.
    Annotation(AnnotationId),
}

/// An attribute's value without its own strings: borrowed from an [`AttrValue`], or from a
/// file being checked without building its annotations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'v> {
    /// [`AttrValue::Choice`].
    Choice(&'v str),
    /// [`AttrValue::Text`].
    Text(&'v str),
    /// [`AttrValue::Date`].
    Date(jiff::civil::Date),
    /// [`AttrValue::Number`].
    Number(f64),
    /// [`AttrValue::Entity`].
    Entity(&'v str),
    /// [`AttrValue::Annotation`].
    Annotation(&'v str),
}

impl AttrValue {
    /// The value, borrowed.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Self::Choice(s) => ValueRef::Choice(s),
            Self::Text(s) => ValueRef::Text(s),
            Self::Date(d) => ValueRef::Date(*d),
            Self::Number(n) => ValueRef::Number(*n),
            Self::Entity(id) => ValueRef::Entity(&id.0),
            Self::Annotation(id) => ValueRef::Annotation(&id.0),
        }
    }
}

impl ValueRef<'_> {
    /// The value with strings of its own.
    pub fn to_owned(self) -> AttrValue {
        match self {
            Self::Choice(s) => AttrValue::Choice(s.to_owned()),
            Self::Text(s) => AttrValue::Text(s.to_owned()),
            Self::Date(d) => AttrValue::Date(d),
            Self::Number(n) => AttrValue::Number(n),
            Self::Entity(s) => AttrValue::Entity(EntityId(s.to_owned())),
            Self::Annotation(s) => AttrValue::Annotation(AnnotationId::from(s)),
        }
    }
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Choice(s) | Self::Text(s) => s.fmt(f),
            Self::Date(d) => d.fmt(f),
            Self::Number(n) => n.fmt(f),
            Self::Entity(id) => id.fmt(f),
            Self::Annotation(id) => id.fmt(f),
        }
    }
}

/// A labelled span of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// Stable id.
    pub id: AnnotationId,
    /// Label name (see the schema).
    pub label: SmolStr,
    /// One or more fragments, sorted and disjoint; more than one makes a discontinuous span.
    pub fragments: Vec<Fragment>,
    /// For entity labels: the canonical entity this mention refers to.
    pub entity: Option<EntityId>,
    /// Attribute values by name.
    pub attributes: BTreeMap<String, AttrValue>,
    /// Free-text note.
    pub note: String,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub modified: Timestamp,
}

impl Annotation {
    /// A new annotation with a fresh id, made now.
    pub fn new(label: impl Into<String>, fragments: Vec<Fragment>) -> Self {
        let now = now();
        Self {
            id: AnnotationId::random(),
            label: SmolStr::from(label.into()),
            fragments,
            entity: None,
            attributes: BTreeMap::new(),
            note: String::new(),
            created: now,
            modified: now,
        }
    }

    /// The entities it links: the one it is a mention of, and those its attributes of type
    /// Entity name.
    pub fn linked_entities(&self) -> impl Iterator<Item = &EntityId> {
        self.entity
            .iter()
            .chain(self.attributes.values().filter_map(|v| match v {
                AttrValue::Entity(e) => Some(e),
                _ => None,
            }))
    }

    /// First char covered.
    pub fn start(&self) -> CharOffset {
        self.fragments
            .first()
            .map_or(CharOffset::default(), |f| f.start)
    }

    /// First char after the last fragment.
    pub fn end(&self) -> CharOffset {
        self.fragments
            .last()
            .map_or(CharOffset::default(), |f| f.end)
    }

    /// The order annotations are kept and written in: by start, end, then id.
    pub fn sort_key(&self) -> (CharOffset, CharOffset, &str) {
        (self.start(), self.end(), &self.id.0)
    }

    /// The covered text, fragments joined by " … ".
    pub fn covered_text(&self, text: &DocText) -> String {
        let pieces: Vec<&str> = self
            .fragments
            .iter()
            .map(|f| text.slice(f.start, f.end).unwrap_or(""))
            .collect();
        pieces.join(" … ")
    }
}

/// The current time, to the second (files need no more, and diffs stay short).
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// How far an annotator has got with a document; the analyst sets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Nothing done yet.
    #[default]
    NotStarted,
    /// Work under way.
    InProgress,
    /// The annotator considers the document finished.
    Done,
}

impl Status {
    /// Words for the UI and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotStarted => "not started",
            Self::InProgress => "in progress",
            Self::Done => "done",
        }
    }
}

/// A set's annotations as they were when taken ([`AnnotationSet::snapshot`]), shared.
pub type Snapshot = Arc<AnnotationList>;

/// One annotator's annotations of one document: one file on disk.
///
/// ## Implementation notes
///
/// The annotations are kept sorted by [`Annotation::sort_key`] in an [`AnnotationList`]:
/// chunks of at most a few thousand `Arc`s, with an index from id to sort key beside it.
/// Lookup, insertion and removal by id find their place by binary search, and an insert or
/// removal moves the pointers of one chunk (O(log n) to find it, then bounded work; a single
/// `Vec` moved every pointer after the place, 0.1–0.2 ms an edit at a million annotations).
/// A save on another thread shares the list ([`Self::snapshot`]): the window's thread copies
/// one pointer; an edit made while the save runs copies the list's chunk pointers and the
/// chunk it changes. Views address annotations by index (the span index, the list) through
/// [`Annotations`]. The storage is private so that the index can never disagree with it.
#[derive(Clone, Debug)]
pub struct AnnotationSet {
    /// The annotator's name.
    pub annotator: String,
    /// The document.
    pub document: String,
    /// The annotator's progress.
    pub status: Status,
    /// Sorted by [`Annotation::sort_key`]. Shared with a save running on another thread
    /// (taking a snapshot copies one pointer, not one per annotation); an edit made while it
    /// runs copies the list first.
    annotations: Snapshot,
    /// Id → (start, end) of the annotation with that id (the last one, if a damaged file has
    /// an id twice).
    /// Shared like the list, so that copying a project (for an import checked on another
    /// thread) copies no set's index.
    by_id: Arc<IdMap<(CharOffset, CharOffset)>>,
}

impl PartialEq for AnnotationSet {
    fn eq(&self, other: &Self) -> bool {
        self.annotator == other.annotator
            && self.document == other.document
            && self.status == other.status
            && self.annotations == other.annotations
    }
}

impl AnnotationSet {
    /// An empty set.
    pub fn new(annotator: impl Into<String>, document: impl Into<String>) -> Self {
        Self {
            annotator: annotator.into(),
            document: document.into(),
            status: Status::NotStarted,
            annotations: Arc::default(),
            by_id: Arc::default(),
        }
    }

    /// A set of these annotations, in any order.
    pub fn with_annotations(
        annotator: impl Into<String>,
        document: impl Into<String>,
        annotations: Vec<Annotation>,
    ) -> Self {
        let mut set = Self::new(annotator, document);
        set.replace_all(annotations);
        set
    }

    /// A set of these annotations, in any order, already shared (as a file is read into
    /// them: no second list of them is made).
    pub fn with_shared(
        annotator: impl Into<String>,
        document: impl Into<String>,
        annotations: Vec<Arc<Annotation>>,
    ) -> Self {
        let mut set = Self::new(annotator, document);
        set.replace_shared(annotations);
        set
    }

    /// Replaces every annotation.
    pub fn replace_all(&mut self, annotations: Vec<Annotation>) {
        self.replace_shared(annotations.into_iter().map(Arc::new).collect());
    }

    fn replace_shared(&mut self, mut annotations: Vec<Arc<Annotation>>) {
        annotations.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.by_id = Arc::new(
            annotations
                .iter()
                .map(|a| (a.id.clone(), (a.start(), a.end())))
                .collect(),
        );
        self.annotations = Arc::new(AnnotationList::from_vec(annotations));
    }

    /// The annotations in file order (by start, end, id).
    pub fn annotations(&self) -> Annotations<'_> {
        self.annotations.view()
    }

    /// The annotations in their shared chunks (see [`AnnotationList::chunks`]).
    pub fn chunks(&self) -> &[Arc<Vec<Arc<Annotation>>>] {
        self.annotations.chunks()
    }

    /// The annotations as they are now, for a save on another thread: one pointer copied,
    /// however many there are.
    pub fn snapshot(&self) -> Snapshot {
        Arc::clone(&self.annotations)
    }

    /// Whether the set holds just what `snapshot` saw: no change since it was taken (while
    /// it is held, any change copies the list first).
    pub fn is_as(&self, snapshot: &Snapshot) -> bool {
        Arc::ptr_eq(&self.annotations, snapshot)
    }

    /// The list to change, its chunk pointers copied first if a snapshot still shares it
    /// (a chunk is copied when an edit changes it).
    fn list_mut(&mut self) -> &mut AnnotationList {
        Arc::make_mut(&mut self.annotations)
    }

    /// The list taken out to be rebuilt: moved if nothing else shares it, else copied.
    fn take_list(&mut self) -> Vec<Arc<Annotation>> {
        Arc::unwrap_or_clone(std::mem::take(&mut self.annotations)).into_vec()
    }

    /// The annotations in file order, as plain references.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Annotation> + ExactSizeIterator {
        self.annotations.view().iter().map(|a| &**a)
    }

    /// Whether an annotation has this id.
    pub fn contains_id(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Whether two annotations share an id (only a damaged or hand-edited file does that).
    pub fn has_duplicate_ids(&self) -> bool {
        self.by_id.len() != self.annotations.len()
    }

    /// The annotation at this index (in file order).
    pub fn at(&self, i: usize) -> Option<&Annotation> {
        self.annotations().get(i).map(|a| &**a)
    }

    /// How many annotations.
    pub fn len(&self) -> usize {
        self.annotations.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.annotations.is_empty()
    }

    /// Inserts an annotation at its sorted place and returns the index. (An annotation with
    /// the same id is not replaced: see [`Self::replace`].)
    pub fn insert(&mut self, annotation: impl Into<Arc<Annotation>>) -> usize {
        let annotation: Arc<Annotation> = annotation.into();
        let at = self
            .annotations()
            .partition_point(|a| a.sort_key() < annotation.sort_key());
        Arc::make_mut(&mut self.by_id).insert(
            annotation.id.clone(),
            (annotation.start(), annotation.end()),
        );
        self.list_mut().insert(at, annotation);
        at
    }

    /// Inserts many annotations at once: O((n + k) log(n + k)) however many, where inserting
    /// them one by one would move the tail k times.
    pub fn insert_many(&mut self, annotations: Vec<Annotation>) {
        self.insert_many_shared(annotations.into_iter().map(Arc::new).collect());
    }

    /// [`Self::insert_many`] of annotations shared with the caller (an edit, its undo).
    pub fn insert_many_shared(&mut self, annotations: Vec<Arc<Annotation>>) {
        let keys = Keys::of(&annotations);
        let by_id = Arc::make_mut(&mut self.by_id);
        by_id.reserve(annotations.len());
        for (start, end, id) in &keys.keys {
            by_id.insert(id.clone(), (*start, *end));
        }
        let mut given: Vec<Option<Arc<Annotation>>> = annotations.into_iter().map(Some).collect();
        self.merge_in(&keys, |i| given.get_mut(i).and_then(Option::take));
    }

    /// Puts annotations already in the id index among the others, in one pass, in the order
    /// of their `keys`; `take(i)` hands over the `i`th in the order given. Returns the index
    /// each went to, in the order given. An equal key keeps the set's annotation first.
    ///
    /// A few among many (a tag-all in a book) find their places by binary search and are
    /// put into the chunks there, nothing else moved: comparing each of a million with the
    /// next key read every one of them, scattered in memory (25 ms of a tag-all of 4,532
    /// hits), and copying the list out and back took 20 ms more.
    fn merge_in(
        &mut self,
        keys: &Keys,
        mut take: impl FnMut(usize) -> Option<Arc<Annotation>>,
    ) -> Vec<usize> {
        let n = keys.keys.len();
        if n == 0 {
            return Vec::new();
        }
        let mut at = vec![0; n];
        // A binary search reads about log2(len) of them per key, a walk every one once.
        let sparse = n.saturating_mul(usize::BITS as usize) < self.annotations.len();
        if sparse {
            // A few among many: each put in its place in the chunked list, in key order (so
            // the places of those before stay), instead of copying the whole list out and
            // back (two copies of a book's million pointers, into memory not touched yet).
            let mut from = 0;
            for &given in &keys.order {
                let Some((start, end, id)) = keys.keys.get(given) else {
                    continue;
                };
                let key = (*start, *end, id.as_str());
                let place = from
                    + self
                        .annotations
                        .view()
                        .from(from)
                        .partition_point(|o| o.sort_key() <= key);
                let Some(a) = take(given) else {
                    continue;
                };
                self.list_mut().insert(place, a);
                if let Some(slot) = at.get_mut(given) {
                    *slot = place;
                }
                from = place + 1;
            }
            return at;
        }
        let old = self.take_list();
        let mut merged = Vec::with_capacity(old.len() + n);
        let mut old = old.into_iter();
        for &given in &keys.order {
            let Some((start, end, id)) = keys.keys.get(given) else {
                continue;
            };
            let key = (*start, *end, id.as_str());
            // How many of those left go before it.
            let left = old.as_slice();
            let before = left
                .iter()
                .position(|o| o.sort_key() > key)
                .unwrap_or(left.len());
            merged.extend(old.by_ref().take(before));
            let Some(a) = take(given) else {
                continue;
            };
            if let Some(slot) = at.get_mut(given) {
                *slot = merged.len();
            }
            merged.push(a);
        }
        merged.extend(old);
        self.annotations = Arc::new(AnnotationList::from_vec(merged));
        at
    }

    /// [`Self::insert_many_shared`] of annotations held by the caller (an edit), unless an id
    /// is taken (in the set, or twice among them): then nothing changes, and that id comes
    /// back. On success, the index each went to, in the order given.
    ///
    /// Each is read once, for its key, and shared with the set only after: sharing one
    /// changes its count, a write that waits for memory elsewhere and held every read after
    /// it back (a fifth of applying a review's start).
    pub fn try_insert_many_shared(
        &mut self,
        annotations: &[&Arc<Annotation>],
    ) -> Result<Vec<usize>, AnnotationId> {
        let keys = Keys::of(annotations);
        let by_id = Arc::make_mut(&mut self.by_id);
        by_id.reserve(annotations.len());
        for (n, (start, end, id)) in keys.keys.iter().enumerate() {
            match by_id.entry(id.clone()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((*start, *end));
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    for (_, _, earlier) in keys.keys.iter().take(n) {
                        by_id.remove(earlier);
                    }
                    return Err(id.clone());
                }
            }
        }
        Ok(self.merge_in(&keys, |i| annotations.get(i).map(|a| Arc::clone(a))))
    }

    /// Whether an annotation has this id.
    pub fn contains(&self, id: &AnnotationId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Removes the annotation with this id; returns its index and the annotation.
    pub fn remove(&mut self, id: &AnnotationId) -> Option<(usize, Arc<Annotation>)> {
        let at = self.position(id)?;
        Some((at, self.remove_at(at)?))
    }

    /// Removes the annotation at this index (in file order) and returns it.
    pub fn remove_at(&mut self, at: usize) -> Option<Arc<Annotation>> {
        let twins = self.has_duplicate_ids();
        let old = self.list_mut().remove(at)?;
        let by_id = Arc::make_mut(&mut self.by_id);
        by_id.remove(&old.id);
        // A damaged file with the id twice: the other one stays findable.
        if twins && let Some(twin) = self.annotations.view().iter().find(|a| a.id == old.id) {
            by_id.insert(old.id.clone(), (twin.start(), twin.end()));
        }
        Some(old)
    }

    /// Replaces the annotation with the same id (its creation time kept); returns its old
    /// index, its new index and the old annotation.
    pub fn replace(
        &mut self,
        annotation: impl Into<Arc<Annotation>>,
    ) -> Option<(usize, usize, Arc<Annotation>)> {
        let mut annotation: Arc<Annotation> = annotation.into();
        let (at, old) = self.remove(&annotation.id)?;
        if annotation.created != old.created {
            Arc::make_mut(&mut annotation).created = old.created;
        }
        let new_at = self.insert(annotation);
        Some((at, new_at, old))
    }

    /// Changes the annotation with this id in place (it moves if its span changes). Returns
    /// whether there was one.
    pub fn update(&mut self, id: &AnnotationId, change: impl FnOnce(&mut Annotation)) -> bool {
        let Some((_, old)) = self.remove(id) else {
            return false;
        };
        let mut annotation = Arc::unwrap_or_clone(old);
        change(&mut annotation);
        self.insert(annotation);
        true
    }

    /// Changes every annotation in place, then puts them in order again.
    pub fn update_all(&mut self, mut change: impl FnMut(&mut Annotation)) {
        let all: Vec<Annotation> = self
            .take_list()
            .into_iter()
            .map(|a| {
                let mut a = Arc::unwrap_or_clone(a);
                change(&mut a);
                a
            })
            .collect();
        self.replace_all(all);
    }

    /// Keeps the annotations for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Annotation) -> bool) {
        // Nothing is copied unless something goes (a snapshot still sees the set as it is):
        // the list copies only the chunks that lose annotations, and the index only once one
        // does.
        let by_id = &mut self.by_id;
        AnnotationList::retain(&mut self.annotations, |a| {
            let kept = keep(a);
            if !kept {
                Arc::make_mut(by_id).remove(&a.id);
            }
            kept
        });
    }

    /// Removes the annotations `take` picks, in one pass over the set; returns them, in the
    /// set's order, still shared with whoever holds them (an undo step).
    pub fn take_out(&mut self, mut take: impl FnMut(&Annotation) -> bool) -> Vec<Arc<Annotation>> {
        let by_id = &mut self.by_id;
        // Moved out, not shared and then dropped: on a book, changing the counts of a million
        // annotations elsewhere in memory cost a wait each. Nothing is copied unless
        // something goes: then only the chunks that lose annotations, and the index.
        AnnotationList::extract_if(&mut self.annotations, |a| {
            let taken = take(a);
            if taken {
                Arc::make_mut(by_id).remove(&a.id);
            }
            taken
        })
    }

    /// The annotation with this id.
    pub fn get(&self, id: &AnnotationId) -> Option<&Annotation> {
        self.get_shared(id).map(|a| &**a)
    }

    /// The annotation with this id, to share (in an edit) rather than copy.
    pub fn get_shared(&self, id: &AnnotationId) -> Option<&Arc<Annotation>> {
        self.position(id).and_then(|at| self.annotations().get(at))
    }

    /// An annotation with the same label and fragments, if there is one: tagging the same
    /// span twice is a slip, not a second opinion.
    pub fn same_as(&self, label: &str, fragments: &[Fragment]) -> Option<&Annotation> {
        let start = fragments.first()?.start;
        let all = self.annotations();
        let from = all.partition_point(|a| a.start() < start);
        all.from(from)
            .iter()
            .take_while(|a| a.start() == start)
            .find(|a| a.label == label && a.fragments == fragments)
            .map(|a| &**a)
    }

    /// The index of an annotation found by its sort key (start, end, id): a binary search.
    pub fn position_by_key(
        &self,
        start: CharOffset,
        end: CharOffset,
        id: &AnnotationId,
    ) -> Option<usize> {
        let all = self.annotations();
        let at = all.partition_point(|a| a.sort_key() < (start, end, id.0.as_str()));
        (all.get(at).map(|a| &a.id) == Some(id)).then_some(at)
    }

    /// The index of the annotation with this id: its sort key from the index, then a binary
    /// search.
    pub fn position(&self, id: &AnnotationId) -> Option<usize> {
        let &(start, end) = self.by_id.get(id)?;
        self.position_by_key(start, end, id)
    }
}

/// A canonical entity: the one person or organisation several mentions refer to.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// Stable id, a slug of the name.
    pub id: EntityId,
    /// The canonical name ("Alexander Lukashenko").
    pub name: String,
    /// The entity label (Person, Organization, …).
    pub label: String,
    /// Free-text note (who this is, a link).
    pub note: String,
}

/// One annotator's entities, shared by all documents of the project: one file on disk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntityRegistry {
    /// Entities sorted by id.
    pub entities: Vec<Entity>,
}

impl EntityRegistry {
    /// The entity with this id.
    pub fn get(&self, id: &EntityId) -> Option<&Entity> {
        self.find(&id.0)
    }

    /// The entity with this id, given as a string.
    pub fn find(&self, id: &str) -> Option<&Entity> {
        self.entities
            .binary_search_by(|e| e.id.0.as_str().cmp(id))
            .ok()
            .and_then(|i| self.entities.get(i))
    }

    /// Adds an entity, keeping the list sorted. An entity with the same id is replaced.
    pub fn upsert(&mut self, entity: Entity) {
        match self.entities.binary_search_by(|e| e.id.cmp(&entity.id)) {
            Ok(i) => self.entities[i] = entity,
            Err(i) => self.entities.insert(i, entity),
        }
    }

    /// An id for a new entity with this name that no entity has yet.
    pub fn fresh_id(&self, name: &str) -> EntityId {
        let base = EntityId::slug(name);
        if self.get(&base).is_none() {
            return base;
        }
        (2..)
            .map(|n| EntityId(format!("{}-{n}", base.0)))
            .find(|id| self.get(id).is_none())
            .unwrap_or(base)
    }
}

/// The sort keys (start, end, id) of annotations about to go into a set, read once each in
/// the order given (each annotation is elsewhere in memory), and their order by key, equal
/// keys in the order given. Nothing is sorted when they come in order.
struct Keys {
    keys: Vec<(CharOffset, CharOffset, AnnotationId)>,
    order: Vec<usize>,
}

impl Keys {
    fn of<A: AsRef<Annotation>>(annotations: &[A]) -> Self {
        let keys: Vec<(CharOffset, CharOffset, AnnotationId)> = annotations
            .iter()
            .map(|a| {
                let a = a.as_ref();
                (a.start(), a.end(), a.id.clone())
            })
            .collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        let key = |i: &usize| keys.get(*i);
        if !order.is_sorted_by_key(key) {
            order.sort_by_key(key);
        }
        Self { keys, order }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Taking annotations out of a set in one pass: those picked come back in the set's
    /// order, the rest stay in theirs and are found by id; a damaged file's twins (one id
    /// twice) both go, and neither is found after.
    #[test]
    fn take_out_removes_what_it_picks_and_gives_it_back_in_order() {
        let text = DocText::new("ord ".repeat(50).as_str()).unwrap();
        let mut set = AnnotationSet::new("anna", "d");
        let made: Vec<Annotation> = (0..20)
            .map(|i| {
                Annotation::new(
                    "Person",
                    checked_fragments(&text, &[(i * 8, i * 8 + 3)]).unwrap(),
                )
            })
            .collect();
        for a in made.iter().rev() {
            set.insert(a.clone());
        }
        let mut twin = made[4].clone();
        twin.fragments = checked_fragments(&text, &[(180, 183)]).unwrap();
        set.insert(twin);
        assert!(set.has_duplicate_ids());
        let picked: Vec<&AnnotationId> = [4, 7, 3, 15].iter().map(|&i| &made[i].id).collect();
        let taken = set.take_out(|a| picked.contains(&&a.id));
        let starts: Vec<u32> = taken.iter().map(|a| a.start().0).collect();
        assert_eq!(
            starts,
            vec![24, 32, 56, 120, 180],
            "in the set's order, twins too"
        );
        assert_eq!(set.len(), 16);
        assert!(!set.has_duplicate_ids());
        for (i, a) in made.iter().enumerate() {
            let picked = [3, 4, 7, 15].contains(&i);
            assert_eq!(set.get(&a.id).is_none(), picked, "annotation {i}");
            if !picked {
                assert_eq!(set.position(&a.id).and_then(|at| set.at(at)), Some(a));
            }
        }
        assert!(set.take_out(|_| false).is_empty());
        assert_eq!(set.len(), 16);
        // Taking out or keeping nothing leaves a snapshot's list the set's own: a
        // comparison running on it is still of the set as it is.
        let snapshot = set.snapshot();
        assert!(set.take_out(|_| false).is_empty());
        set.retain(|_| true);
        assert!(set.is_as(&snapshot));
        set.retain(|a| a.id != made[0].id);
        assert!(!set.is_as(&snapshot) && set.len() == 15 && snapshot.len() == 16);
    }

    #[test]
    fn fragments_are_sorted_merged_and_checked() {
        let text = DocText::new("Putin möter Lukashenko 👍🏽 i Sotji").unwrap();
        let f = checked_fragments(&text, &[(12, 22), (0, 5), (3, 6)]).unwrap();
        assert_eq!(
            f,
            vec![
                Fragment {
                    start: CharOffset(0),
                    end: CharOffset(6)
                },
                Fragment {
                    start: CharOffset(12),
                    end: CharOffset(22)
                },
            ]
        );
        assert_eq!(
            checked_fragments(&text, &[(0, 40)]),
            Err(SpanError::OutOfRange {
                start: 0,
                end: 40,
                len: 33
            })
        );
        // Between 👍 and its skin tone.
        assert_eq!(
            checked_fragments(&text, &[(23, 24)]),
            Err(SpanError::SplitsGrapheme { at: 24 })
        );
        assert_eq!(
            checked_fragments(&text, &[(5, 5)]),
            Err(SpanError::EmptyFragment { start: 5, end: 5 })
        );
    }

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(
            EntityId::slug("Alexander Lukashenko").0,
            "alexander-lukashenko"
        );
        assert_eq!(EntityId::slug("  Лукашенко, А.Г. ").0, "лукашенко-а-г");
        assert_eq!(EntityId::slug("!!!").0, "entity");
    }

    /// A snapshot (what a save on another thread writes) stays as it was taken, whatever
    /// changes the set after: each kind of change copies the shared list first, and the set
    /// goes on with the change.
    #[test]
    fn a_snapshot_keeps_what_it_saw_while_the_set_changes() {
        let text = DocText::new("ord ".repeat(40).as_str()).unwrap();
        let made: Vec<Annotation> = (0..12)
            .map(|i| {
                Annotation::new(
                    "Person",
                    checked_fragments(&text, &[(i * 8, i * 8 + 3)]).unwrap(),
                )
            })
            .collect();
        let ids = |list: Annotations<'_>| -> Vec<String> {
            list.iter().map(|a| a.id.0.to_string()).collect()
        };
        type Change = fn(&mut AnnotationSet, &[Annotation]);
        let changes: [(&str, Change); 7] = [
            ("insert", |set, made| {
                set.insert(made[11].clone());
            }),
            ("insert many", |set, made| {
                set.insert_many(made[10..].to_vec());
            }),
            ("remove", |set, made| {
                set.remove(&made[0].id);
            }),
            ("update", |set, made| {
                set.update(&made[1].id, |a| a.label = "Place".into());
            }),
            ("update all", |set, _| {
                set.update_all(|a| a.label = "Place".into())
            }),
            ("retain", |set, made| set.retain(|a| a.id != made[2].id)),
            ("take out", |set, made| {
                set.take_out(|a| a.id == made[3].id);
            }),
        ];
        for (what, change) in changes {
            let mut set = AnnotationSet::with_annotations("anna", "d", made[..10].to_vec());
            let snapshot = set.snapshot();
            // A copy of the set (a project copied for an import checked elsewhere) too.
            let copy = set.clone();
            let before = ids(snapshot.view());
            let labels_before: Vec<String> = snapshot
                .view()
                .iter()
                .map(|a| a.label.to_string())
                .collect();
            change(&mut set, &made);
            assert_eq!(
                ids(snapshot.view()),
                before,
                "{what}: the snapshot's annotations"
            );
            let labels: Vec<String> = snapshot
                .view()
                .iter()
                .map(|a| a.label.to_string())
                .collect();
            assert_eq!(labels, labels_before, "{what}: the snapshot's labels");
            assert_ne!(
                (
                    ids(set.annotations()),
                    set.iter().map(|a| a.label.to_string()).collect()
                ),
                (before.clone(), labels_before),
                "{what}: the set changed"
            );
            for a in set.iter() {
                assert_eq!(set.get(&a.id), Some(a), "{what}: found by id");
            }
            assert_eq!(ids(copy.annotations()), before, "{what}: the copy");
            for a in &made[..10] {
                assert_eq!(copy.get(&a.id), Some(a), "{what}: found by id in the copy");
            }
        }
    }

    #[test]
    fn the_id_index_follows_every_change() {
        let text = DocText::new("x".repeat(600)).unwrap();
        let mut rng = fastrand::Rng::with_seed(11);
        let mut set = AnnotationSet::new("a", "d");
        let mut ids: Vec<AnnotationId> = Vec::new();
        for step in 0..2000 {
            let start = rng.u32(..500);
            let span = [(start, start + 1 + rng.u32(..50))];
            match rng.u8(..6) {
                0 | 1 => {
                    let a = Annotation::new("Person", checked_fragments(&text, &span).unwrap());
                    ids.push(a.id.clone());
                    set.insert(a);
                }
                2 if !ids.is_empty() => {
                    let id = ids.swap_remove(rng.usize(..ids.len()));
                    assert!(set.remove(&id).is_some());
                }
                3 if !ids.is_empty() => {
                    let id = &ids[rng.usize(..ids.len())];
                    let mut a = set.get(id).unwrap().clone();
                    a.fragments = checked_fragments(&text, &span).unwrap();
                    assert!(set.replace(a).is_some());
                }
                4 if !ids.is_empty() => {
                    let id = ids[rng.usize(..ids.len())].clone();
                    assert!(set.update(&id, |a| a.label = "Place".into()));
                }
                5 if step % 100 == 5 => set.retain(|a| a.label != "Place"),
                _ => {}
            }
            ids.retain(|id| set.get(id).is_some());
            assert_eq!(set.len(), ids.len());
            let all = set.annotations().to_vec();
            assert!(all.windows(2).all(|w| w[0].sort_key() <= w[1].sort_key()));
            for id in &ids {
                let at = set.position(id).unwrap();
                assert_eq!(&set.annotations()[at].id, id, "step {step}");
            }
        }
        let absent = AnnotationId("nope".into());
        assert!(set.get(&absent).is_none() && set.position(&absent).is_none());
    }

    #[test]
    fn ids_are_distinct() {
        let ids: std::collections::BTreeSet<_> =
            (0..1000).map(|_| AnnotationId::random()).collect();
        assert_eq!(ids.len(), 1000);
    }

    /// A batch with a taken id changes nothing, wherever the id is taken: by the set, or
    /// earlier in the batch. Ids look like Lector's own: ten characters of the alphabet.
    #[test]
    fn a_batch_with_a_taken_id_leaves_the_set_as_it_was() {
        let one = |start: u32, id: &str| {
            let mut a = Annotation::new(
                "Person",
                vec![Fragment {
                    start: CharOffset(start),
                    end: CharOffset(start + 3),
                }],
            );
            a.id = AnnotationId::from(id);
            Arc::new(a)
        };
        let mut set = AnnotationSet::new("anna", "d");
        set.insert(one(50, "there"));
        let before = set.clone();
        for batch in [
            vec![one(0, "a"), one(10, "b"), one(20, "there")],
            vec![one(0, "a"), one(10, "b"), one(20, "a")],
        ] {
            let batch: Vec<&Arc<Annotation>> = batch.iter().collect();
            assert!(set.try_insert_many_shared(&batch).is_err());
            assert_eq!(set.annotations(), before.annotations());
            for id in ["a", "b"] {
                assert!(!set.contains(&AnnotationId::from(id)), "{id}");
            }
            assert!(set.get(&AnnotationId::from("there")).is_some());
        }
        let (c, a) = (one(30, "c"), one(0, "a"));
        let at = set.try_insert_many_shared(&[&c, &a]).unwrap();
        let order: Vec<&str> = set.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(order, ["a", "c", "there"]);
        assert_eq!(at, [1, 0], "where each went, in the order given");
        let random = AnnotationId::random();
        assert_eq!(random.as_str().len(), 10);
        assert!(
            random
                .as_str()
                .bytes()
                .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b))
        );
    }

    proptest::proptest! {
        /// A few inserted among many (the places found by binary search) go where one by one
        /// would, equal spans after the set's own ones as one by one puts them.
        #[test]
        fn a_few_among_many_go_where_one_by_one_would(
            old in 0u32..4000,
            new in proptest::collection::vec((0u32..1000, 1u32..4), 0..40),
        ) {
            let make = |start: u32, len: u32, id: String| {
                let mut a = Annotation::new(
                    "Person",
                    vec![Fragment { start: CharOffset(start), end: CharOffset(start + len) }],
                );
                a.id = AnnotationId::from(id);
                Arc::new(a)
            };
            // Spans that the new ones repeat: the ids decide, some before and some after.
            let old: Vec<_> = (0..old).map(|i| make(i / 4, 1 + i % 3, format!("m{i:05}"))).collect();
            let new: Vec<_> = new
                .iter()
                .enumerate()
                .map(|(k, &(start, len))| make(start, len, format!("m{:05}x", k * 97)))
                .collect();
            let mut one_by_one = AnnotationSet::with_shared("anna", "d", old.clone());
            let mut batch = one_by_one.clone();
            let refs: Vec<&Arc<Annotation>> = new.iter().collect();
            let at = batch.try_insert_many_shared(&refs);
            proptest::prop_assert!(at.is_ok());
            for a in &new {
                one_by_one.insert(Arc::clone(a));
            }
            proptest::prop_assert_eq!(batch.annotations(), one_by_one.annotations());
            for (a, i) in new.iter().zip(at.unwrap_or_default()) {
                proptest::prop_assert_eq!(&batch.annotations()[i].id, &a.id);
            }
        }

        /// Inserting a batch, as given or shared, gives the set sorted by key exactly as
        /// inserting them one by one does, and says where each of the batch went; a batch
        /// with an id twice or one the set has changes nothing; taking some out gives them
        /// back in the set's order and leaves the rest findable.
        #[test]
        fn a_batch_goes_where_one_by_one_would(
            old in proptest::collection::vec((0u32..60, 1u32..6, 0u32..400), 0..80),
            new in proptest::collection::vec((0u32..60, 1u32..6, 400u32..800), 0..80),
            shared in proptest::prelude::any::<bool>(),
            clash in 0u8..4,
            which in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let make = |&(start, len, id): &(u32, u32, u32)| {
                let mut a = Annotation::new(
                    "Person",
                    vec![Fragment { start: CharOffset(start), end: CharOffset(start + len) }],
                );
                a.id = AnnotationId::from(format!("{id:03}"));
                Arc::new(a)
            };
            let mut seen = std::collections::BTreeSet::new();
            let old: Vec<_> = old.iter().filter(|t| seen.insert(t.2)).map(make).collect();
            let mut seen = std::collections::BTreeSet::new();
            let mut new: Vec<(u32, u32, u32)> = new.into_iter().filter(|t| seen.insert(t.2)).collect();
            // Half the time the batch has an id twice, or one the set has.
            match clash {
                0 if !new.is_empty() => {
                    let again = new[which.index(new.len())];
                    new.push((again.0 + 1, again.1, again.2));
                }
                1 if !old.is_empty() => {
                    let taken = &old[which.index(old.len())];
                    let id: u32 = taken.id.as_str().parse().unwrap_or(0);
                    new.insert(which.index(new.len() + 1), (7, 2, id));
                }
                _ => {}
            }
            let new: Vec<_> = new.iter().map(make).collect();
            let mut ids = std::collections::BTreeSet::new();
            let clash = new
                .iter()
                .any(|a| !ids.insert(a.id.clone()) || old.iter().any(|o| o.id == a.id));
            let mut one_by_one = AnnotationSet::new("anna", "d");
            let mut batch = AnnotationSet::new("anna", "d");
            for a in &old {
                one_by_one.insert(Arc::clone(a));
                batch.insert(Arc::clone(a));
            }
            let before = batch.clone();
            if shared || clash {
                let refs: Vec<&Arc<Annotation>> = new.iter().collect();
                match batch.try_insert_many_shared(&refs) {
                    Ok(at) => {
                        proptest::prop_assert!(!clash);
                        for (a, i) in new.iter().zip(at) {
                            proptest::prop_assert_eq!(&batch.annotations()[i].id, &a.id);
                        }
                    }
                    Err(id) => {
                        proptest::prop_assert!(clash, "refused {}", id);
                        // Refused: the set as it was, every id found as before.
                        proptest::prop_assert_eq!(batch.annotations(), before.annotations());
                        for a in new.iter().chain(&old) {
                            proptest::prop_assert_eq!(batch.position(&a.id), before.position(&a.id));
                        }
                        return Ok(());
                    }
                }
            } else {
                batch.insert_many_shared(new.clone());
            }
            for a in &new {
                one_by_one.insert(Arc::clone(a));
            }
            proptest::prop_assert_eq!(batch.annotations(), one_by_one.annotations());
            let taken = batch.take_out(|a| a.start().0 % 3 == 0);
            let expected: Vec<_> = one_by_one.iter().filter(|a| a.start().0 % 3 == 0).cloned().collect();
            proptest::prop_assert_eq!(
                taken.iter().map(|a| &**a).collect::<Vec<_>>(),
                expected.iter().collect::<Vec<_>>()
            );
            for a in one_by_one.iter() {
                proptest::prop_assert_eq!(batch.contains(&a.id), a.start().0 % 3 != 0);
            }
        }
    }
}
