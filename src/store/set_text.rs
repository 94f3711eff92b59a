//! Annotation files written and read without serde: a book's 100k annotations (34 MB) in tens
//! of milliseconds instead of half a second each way.
//!
//! The bytes are exactly those `ron_file::to_ron(&convert::set_to_file(..))` writes (a test
//! compares them on random sets), so nothing about the format changes: older Lectors, git
//! diffs and hand edits see the same files. Reading accepts any RON of the annotation-file
//! shape that Lector or a person is likely to write (any whitespace and field order, trailing
//! commas, the escapes RON writes); anything else (comments, raw strings, an unknown field)
//! returns `None`, and the caller parses with serde instead, which also gives the error
//! messages with line and column.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, mpsc};

use super::ron_file::CURRENT_VERSION;
use crate::model::list::Chunk;
use crate::model::{
    Annotation, AnnotationList, AnnotationSet, Annotations, AttrValue, DocText, Status,
};

/// Chars of context written before and after each annotation (as `convert` does).
const CONTEXT_CHARS: u32 = 24;

/// Appends `s` as a RON string: quoted, each char escaped as `char::escape_debug` does (what
/// ron's serializer writes).
fn push_str_lit(out: &mut String, s: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let plain = match c {
            '"' | '\'' | '\\' => false,
            ' '..='~' => true,
            c if c.is_ascii() => false,
            // Non-ASCII: kept unless `escape_debug` escapes it (unprintable, grapheme
            // extenders, …).
            c => {
                let mut e = c.escape_debug();
                e.next() == Some(c) && e.next().is_none()
            }
        };
        if !plain {
            out.push_str(&s[plain_from..i]);
            out.extend(c.escape_debug());
            plain_from = i + c.len_utf8();
        }
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "NotStarted",
        Status::InProgress => "InProgress",
        Status::Done => "Done",
    }
}

/// Formats times as `convert` writes them (`Timestamp`'s `Display`): the date once per day
/// met, the rest digit by digit, and the last two times kept (an annotation's `created` and
/// `modified` alternate). A review's copies keep their own times; formatting each anew was a
/// quarter of the time of journalling a review's start.
#[derive(Default)]
pub(super) struct TimeCache {
    /// The last day met, as `Display` writes its date up to the `T`.
    day: Option<(i64, String)>,
    /// The last two times asked for, with their texts.
    recent: [(Option<jiff::Timestamp>, String); 2],
    /// The slot the next new time goes to.
    next: usize,
}

impl TimeCache {
    pub(super) fn get(&mut self, t: jiff::Timestamp) -> &str {
        if let Some(i) = (0..2).find(|&i| self.recent[i].0 == Some(t)) {
            return &self.recent[i].1;
        }
        let slot = self.next;
        self.next ^= 1;
        let text = self.format(t);
        self.recent[slot] = (Some(t), text);
        &self.recent[slot].1
    }

    fn format(&mut self, t: jiff::Timestamp) -> String {
        let (second, nanos) = (t.as_second(), t.subsec_nanosecond());
        // Before 1970 the parts have signs of their own: left to `Display`.
        let (Ok(nanos), true) = (u32::try_from(nanos), second >= 0) else {
            return t.to_string();
        };
        let (day, in_day) = (second / 86_400, (second % 86_400) as u32);
        let date = match &self.day {
            Some((last, date)) if *last == day => date,
            _ => {
                let midnight = jiff::Timestamp::from_second(day * 86_400)
                    .unwrap_or(t)
                    .to_string();
                let date = midnight.find('T').map_or("", |t| &midnight[..=t]);
                &self.day.insert((day, date.to_owned())).1
            }
        };
        let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let (h, m, s) = (two(in_day / 3600), two(in_day / 60 % 60), two(in_day % 60));
        let mut rest = [0u8; 19];
        rest[..8].copy_from_slice(&[h[0], h[1], b':', m[0], m[1], b':', s[0], s[1]]);
        let mut len = 8;
        if nanos != 0 {
            // As `Display` writes a fraction: nine digits without the trailing zeros.
            rest[8] = b'.';
            let mut n = nanos;
            for d in rest[9..18].iter_mut().rev() {
                *d = b'0' + (n % 10) as u8;
                n /= 10;
            }
            len = 18 - rest[9..18].iter().rev().take_while(|&&d| d == b'0').count();
        }
        rest[len] = b'Z';
        let mut out = String::with_capacity(date.len() + len + 1);
        out.push_str(date);
        out.push_str(std::str::from_utf8(&rest[..=len]).unwrap_or_default());
        out
    }
}

fn push_value(out: &mut String, value: &AttrValue) {
    let (variant, text) = match value {
        AttrValue::Choice(s) => ("Choice", Cow::Borrowed(s.as_str())),
        AttrValue::Text(s) => ("Text", Cow::Borrowed(s.as_str())),
        AttrValue::Date(d) => ("Date", Cow::Owned(d.to_string())),
        AttrValue::Entity(id) => ("Entity", Cow::Borrowed(id.0.as_str())),
        AttrValue::Annotation(id) => ("Annotation", Cow::Borrowed(id.0.as_str())),
        AttrValue::Number(n) => {
            // Numbers are rare; ron's own float formatting, so the bytes stay the same.
            let shown = ron::to_string(n).unwrap_or_else(|_| n.to_string());
            let _ = write!(out, "Number({shown})");
            return;
        }
    };
    out.push_str(variant);
    out.push('(');
    push_str_lit(out, &text);
    out.push(')');
}

/// Appends one annotation, as the list in the file has it.
fn push_annotation(out: &mut String, a: &Annotation, text: &DocText, times: &mut TimeCache) {
    out.push_str("\n        (\n            id: ");
    push_str_lit(out, &a.id.0);
    out.push_str(",\n            label: ");
    push_str_lit(out, &a.label);
    out.push_str(",\n            fragments: [");
    for (i, f) in a.fragments.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "({}, {}, ", f.start.0, f.end.0);
        push_str_lit(out, text.slice(f.start, f.end).unwrap_or(""));
        out.push(')');
    }
    out.push_str("],\n");
    let before = text.before(a.start(), CONTEXT_CHARS);
    if !before.is_empty() {
        out.push_str("            before: ");
        push_str_lit(out, before);
        out.push_str(",\n");
    }
    let after = text.after(a.end(), CONTEXT_CHARS);
    if !after.is_empty() {
        out.push_str("            after: ");
        push_str_lit(out, after);
        out.push_str(",\n");
    }
    if let Some(entity) = &a.entity {
        out.push_str("            entity: Some(");
        push_str_lit(out, &entity.0);
        out.push_str("),\n");
    }
    if !a.attributes.is_empty() {
        out.push_str("            attributes: {");
        for (i, (name, value)) in a.attributes.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_str_lit(out, name);
            out.push_str(": ");
            push_value(out, value);
        }
        out.push_str("},\n");
    }
    if !a.note.is_empty() {
        out.push_str("            note: ");
        push_str_lit(out, &a.note);
        out.push_str(",\n");
    }
    out.push_str("            created: ");
    push_str_lit(out, times.get(a.created));
    out.push_str(",\n            modified: ");
    push_str_lit(out, times.get(a.modified));
    out.push_str(",\n        ),");
}

/// Annotations per thread below which writing stays on one.
const PER_THREAD: usize = 20_000;

/// Annotations serialised into one piece of a streamed file: about 0.7 MB, in a buffer that is
/// reused for the next piece.
const PER_PIECE: usize = 2048;

/// The annotation file of a set, byte for byte as serde and `ron_file::to_ron` write it. An
/// error only if a thread serialising it died (nothing is returned then, not a shorter file).
pub fn write_set(
    annotator: &str,
    document: &str,
    status: Status,
    annotations: Annotations<'_>,
    text: &DocText,
) -> io::Result<String> {
    let mut out = String::with_capacity(annotations.len() * 360 + 256);
    stream_set(
        annotator,
        document,
        status,
        annotations,
        text,
        &mut |piece| {
            out.push_str(piece);
            Ok(())
        },
    )?;
    Ok(out)
}

/// [`write_set`] handed to `sink` a piece at a time, in order: the pieces joined are the file.
/// A big set is serialised on the cores there are while the pieces before go to `sink` (a
/// save writes them to disk meanwhile), in a few buffers that are reused, so a book's 350 MB
/// file is never whole in memory. Stops at the first error of `sink`, and returns an error
/// rather than fewer annotations if a serialising thread dies.
pub fn stream_set(
    annotator: &str,
    document: &str,
    status: Status,
    annotations: Annotations<'_>,
    text: &DocText,
    sink: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let head = Head {
        annotator,
        document,
        status,
    };
    let pieces: Vec<Piece<'_>> = annotations.runs(PER_PIECE).map(Piece::Serialise).collect();
    let threads = threads_for(annotations.len());
    let serialise = serialiser(text);
    stream_in_pieces(&head, &pieces, threads, &serialise, sink, &mut |_, out| {
        Some(out)
    })
}

/// The threads to serialise `n` annotations on.
fn threads_for(n: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 4)
        .min(n / PER_THREAD)
        .max(1)
}

/// Serialises a piece's annotations as a save writes them.
fn serialiser(text: &DocText) -> impl Fn(&mut String, Annotations<'_>, &mut TimeCache) + Sync {
    move |out: &mut String, piece: Annotations<'_>, times: &mut TimeCache| {
        for a in piece {
            push_annotation(out, a, text, times);
        }
    }
}

/// The bytes a big set's file was last written with, chunk by chunk of its list. A chunk that
/// is still at the same address is unchanged, so its bytes are written again as they were
/// instead of serialised: an autosave of a book after an edit serialises the chunks the edit
/// touched, a few thousand annotations, not a million. Each chunk is held weakly: its
/// address is not reused while this holds it, and an edit (`Arc::make_mut`) copies a chunk
/// someone else holds and moves one only weakly held to a new address, so nothing edits a
/// chunk where it was. The annotations of a chunk an edit replaced are not kept alive. It
/// holds about as much memory as the file is big, so a save keeps one only for sets of
/// [`Self::WORTH_IT`] annotations or more.
#[derive(Default)]
pub struct WrittenChunks {
    /// The text the bytes quote (a corrected text is another one).
    text: Option<DocText>,
    /// By the chunk's address: the chunk, held weakly so that the address is not reused,
    /// and its annotations' bytes.
    chunks: std::collections::HashMap<usize, (std::sync::Weak<Chunk>, String)>,
    /// How many chunks the last save serialised (the others it wrote from their bytes).
    serialised: usize,
}

impl WrittenChunks {
    /// Sets this big or bigger are worth the memory: below, serialising takes a few ms.
    pub const WORTH_IT: usize = PER_THREAD;

    /// How many bytes it holds.
    pub fn bytes(&self) -> usize {
        self.chunks.values().map(|(_, bytes)| bytes.len()).sum()
    }
}

impl std::fmt::Debug for WrittenChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WrittenChunks")
            .field("chunks", &self.chunks.len())
            .field("bytes", &self.bytes())
            .finish()
    }
}

/// [`stream_set`] of a whole list, each chunk that `written` holds from the last save written
/// again as it was; `written` then holds this save's chunks. The bytes are the same as
/// [`stream_set`]'s (a test compares them after random edits).
pub fn stream_list(
    annotator: &str,
    document: &str,
    status: Status,
    list: &AnnotationList,
    text: &DocText,
    written: &mut WrittenChunks,
    sink: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let head = Head {
        annotator,
        document,
        status,
    };
    if !written.text.as_ref().is_some_and(|t| t.shares(text)) {
        written.chunks.clear();
        written.text = Some(text.clone());
    }
    let address = |chunk: &Arc<Chunk>| Arc::as_ptr(chunk) as usize;
    // What no chunk of the list has any longer: buffers to serialise the new chunks into.
    let current: std::collections::HashSet<usize> = list.chunks().iter().map(address).collect();
    let mut spare: Vec<String> = Vec::new();
    written.chunks.retain(|at, (_, bytes)| {
        let keep = current.contains(at);
        if !keep {
            spare.push(std::mem::take(bytes));
        }
        keep
    });
    let view = list.view();
    let mut pieces = Vec::with_capacity(list.chunks().len());
    let mut to_serialise = 0;
    let mut at = 0;
    for chunk in list.chunks() {
        let run = view.range(at..at + chunk.len());
        at += chunk.len();
        match written.chunks.get(&address(chunk)) {
            Some((_, bytes)) => pieces.push(Piece::Written(bytes.as_str())),
            None => {
                to_serialise += chunk.len();
                pieces.push(Piece::Serialise(run));
            }
        }
    }
    written.serialised = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Serialise(_)))
        .count();
    let mut fresh: Vec<(usize, String)> = Vec::new();
    let streamed = stream_in_pieces(
        &head,
        &pieces,
        threads_for(to_serialise),
        &serialiser(text),
        sink,
        &mut |i, mut out| {
            if out.capacity() > out.len() + out.len() / 8 {
                out.shrink_to_fit();
            }
            fresh.push((i, out));
            spare.pop().map(|mut buffer| {
                buffer.clear();
                buffer
            })
        },
    );
    drop(pieces);
    if streamed.is_err() {
        // Whatever was serialised is right, but a failed save is rare: start afresh.
        written.chunks.clear();
        return streamed;
    }
    let mut fresh = fresh.into_iter().peekable();
    let mut chunks = std::collections::HashMap::with_capacity(list.chunks().len());
    for (i, chunk) in list.chunks().iter().enumerate() {
        let at = address(chunk);
        let bytes = match fresh.next_if(|(piece, _)| *piece == i) {
            Some((_, bytes)) => bytes,
            None => match written.chunks.remove(&at) {
                Some((_, bytes)) => bytes,
                None => continue,
            },
        };
        chunks.insert(at, (Arc::downgrade(chunk), bytes));
    }
    written.chunks = chunks;
    Ok(())
}

/// Appends a piece's annotations to a buffer (with the times cache of the thread).
type Serialise<'a> = dyn Fn(&mut String, Annotations<'_>, &mut TimeCache) + Sync + 'a;

/// A piece of a streamed file.
#[derive(Clone, Copy)]
enum Piece<'a> {
    /// Annotations to serialise.
    Serialise(Annotations<'a>),
    /// Their bytes, as a save wrote them before.
    Written(&'a str),
}

/// What the file says before its annotations.
struct Head<'a> {
    annotator: &'a str,
    document: &'a str,
    status: Status,
}

/// Streams the file of `pieces` on `threads` threads. Worker `w` serialises the `w`-th,
/// `w + threads`-th, … of the pieces to serialise, each into a channel of its own that holds
/// one, so the pieces arrive in order and no worker runs more than two pieces ahead of the
/// sink. Each piece serialised goes to `keep` (with its index among `pieces`) once the sink
/// has it, which gives back a buffer to reuse, if any.
fn stream_in_pieces(
    head: &Head<'_>,
    pieces: &[Piece<'_>],
    threads: usize,
    serialise_piece: &Serialise<'_>,
    sink: &mut dyn FnMut(&str) -> io::Result<()>,
    keep: &mut dyn FnMut(usize, String) -> Option<String>,
) -> io::Result<()> {
    let mut start = String::with_capacity(256);
    let _ = write!(
        start,
        "(\n    format_version: {CURRENT_VERSION},\n    document: "
    );
    push_str_lit(&mut start, head.document);
    start.push_str(",\n    annotator: ");
    push_str_lit(&mut start, head.annotator);
    let _ = write!(
        start,
        ",\n    status: {},\n    annotations: [",
        status_name(head.status)
    );
    sink(&start)?;
    let serialise = |out: &mut String, piece: Annotations<'_>, times: &mut TimeCache| {
        out.clear();
        serialise_piece(out, piece, times);
    };
    // The pieces to serialise: (index among `pieces`, annotations).
    let todo: Vec<(usize, Annotations<'_>)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(i, piece)| match piece {
            Piece::Serialise(run) => Some((i, *run)),
            Piece::Written(_) => None,
        })
        .collect();
    let empty_file = pieces.iter().all(|piece| match piece {
        Piece::Serialise(run) => run.is_empty(),
        Piece::Written(bytes) => bytes.is_empty(),
    });
    if threads <= 1 || todo.len() <= 1 {
        let mut out = String::new();
        let mut times = TimeCache::default();
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Written(bytes) => sink(bytes)?,
                Piece::Serialise(run) => {
                    serialise(&mut out, *run, &mut times);
                    sink(&out)?;
                    let hint = out.len();
                    out = keep(i, out).unwrap_or_else(|| String::with_capacity(hint + hint / 8));
                }
            }
        }
    } else {
        std::thread::scope(|scope| {
            let mut full = Vec::with_capacity(threads);
            let mut empty = Vec::with_capacity(threads);
            let mut workers = Vec::with_capacity(threads);
            for w in 0..threads {
                let (full_tx, full_rx) = mpsc::sync_channel::<String>(1);
                let (empty_tx, empty_rx) = mpsc::channel::<String>();
                let todo = &todo;
                workers.push(scope.spawn(move || {
                    let mut times = TimeCache::default();
                    let mut hint = 0;
                    for (_, piece) in todo.iter().skip(w).step_by(threads) {
                        let mut out = empty_rx
                            .try_recv()
                            .unwrap_or_else(|_| String::with_capacity(hint + hint / 8));
                        serialise(&mut out, *piece, &mut times);
                        hint = out.len();
                        if full_tx.send(out).is_err() {
                            // The sink stopped.
                            return;
                        }
                    }
                }));
                full.push(full_rx);
                empty.push(empty_tx);
            }
            let mut written = Ok(());
            let mut serialised = 0;
            for (i, piece) in pieces.iter().enumerate() {
                if let Piece::Written(bytes) = piece {
                    written = sink(bytes);
                    if written.is_err() {
                        break;
                    }
                    continue;
                }
                let w = serialised % threads;
                serialised += 1;
                let Ok(out) = full[w].recv() else {
                    written = Err(io::Error::other(
                        "a thread serialising the annotations stopped; nothing was written",
                    ));
                    break;
                };
                written = sink(&out);
                if written.is_err() {
                    break;
                }
                if let Some(buffer) = keep(i, out) {
                    let _ = empty[w].send(buffer);
                }
            }
            // Workers waiting to hand over a piece see the channel closed and stop.
            drop(full);
            for worker in workers {
                if worker.join().is_err() && written.is_ok() {
                    written = Err(io::Error::other(
                        "a thread serialising the annotations died",
                    ));
                }
            }
            written
        })?;
    }
    sink(if empty_file {
        "],\n)\n"
    } else {
        "\n    ],\n)\n"
    })
}

/// Writes a whole set (see [`write_set`]).
pub fn write(set: &AnnotationSet, text: &DocText) -> io::Result<String> {
    write_set(
        &set.annotator,
        &set.document,
        set.status,
        set.annotations(),
        text,
    )
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// An attribute value as written, before it is checked.
#[derive(Debug)]
pub enum RawValue<'a> {
    /// `Choice("…")` and the other string variants: (variant, text).
    Str(&'static str, Cow<'a, str>),
    /// `Number(…)`.
    Number(f64),
}

/// One annotation as written, borrowing from the file where no escapes were needed.
#[derive(Debug, Default)]
pub struct RawAnnotation<'a> {
    /// `id`.
    pub id: Cow<'a, str>,
    /// `label`.
    pub label: Cow<'a, str>,
    /// `(start, end, quote)`.
    pub fragments: Vec<(u32, u32, Cow<'a, str>)>,
    /// `entity`.
    pub entity: Option<Cow<'a, str>>,
    /// `attributes`, in file order.
    pub attributes: Vec<(Cow<'a, str>, RawValue<'a>)>,
    /// `note`.
    pub note: Cow<'a, str>,
    /// `created`.
    pub created: Cow<'a, str>,
    /// `modified`.
    pub modified: Cow<'a, str>,
}

/// The head of an annotation file, and where its annotations are.
#[derive(Debug)]
pub struct RawSet<'a> {
    /// Everything but the annotations.
    pub head: RawHead<'a>,
    /// The annotations.
    pub annotations: Vec<RawAnnotation<'a>>,
}

/// The head of an annotation file: everything but its annotations, which a [`Sink`] is
/// handed as they are read.
#[derive(Debug)]
pub struct RawHead<'a> {
    /// `format_version`.
    pub format_version: u32,
    /// `document`.
    pub document: Cow<'a, str>,
    /// `annotator`.
    pub annotator: Cow<'a, str>,
    /// `status`.
    pub status: Status,
}

/// Takes the annotations of a file as [`read_with`] reads them, one at a time, without a
/// list of them all: one sink per part of the list (a big file's parts are read on several
/// threads at once), in file order within it.
pub trait Sink<'a> {
    /// The next annotation. It is read into the same place as the one before: a sink keeps
    /// what it needs (it may take the strings, not the fragment list).
    fn annotation(&mut self, a: &mut RawAnnotation<'a>);
}

/// A sink that keeps the annotations as read, for [`read`].
struct Collect<'a>(Vec<RawAnnotation<'a>>);

impl<'a> Sink<'a> for Collect<'a> {
    fn annotation(&mut self, a: &mut RawAnnotation<'a>) {
        self.0.push(std::mem::take(a));
    }
}

/// Where the first `"` or `\\` at or after `from` is. Most strings of a file are short (ids,
/// labels, times, quotes, the context): their first 64 bytes are searched eight at a time,
/// the rest of a longer one a vector at a time (a call to `memchr` costs as much as eight
/// words, and the context written around an annotation is often longer than 32 bytes).
#[inline(always)]
fn quote_or_escape(b: &[u8], from: usize) -> Option<usize> {
    /// The bytes of `word` equal to `c`: the lowest marked one is the first (a borrow can
    /// mark bytes after it, never before).
    fn bytes_equal(word: u64, c: u8) -> u64 {
        let x = word ^ (0x0101_0101_0101_0101 * u64::from(c));
        x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080
    }
    let mut at = from;
    for _ in 0..8 {
        let Some(word) = b.get(at..).and_then(<[u8]>::first_chunk::<8>) else {
            break;
        };
        let word = u64::from_le_bytes(*word);
        let found = bytes_equal(word, b'"') | bytes_equal(word, b'\\');
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    Some(at + memchr::memchr2(b'"', b'\\', b.get(at..)?)?)
}

/// The bytes of a RON identifier: ASCII letters, digits and `_`.
const IDENT: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    table
};

/// The fields of an annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Id,
    Label,
    Fragments,
    Before,
    After,
    Entity,
    Attributes,
    Note,
    Created,
    Modified,
}

impl Field {
    const ALL: [Self; 10] = [
        Self::Id,
        Self::Label,
        Self::Fragments,
        Self::Before,
        Self::After,
        Self::Entity,
        Self::Attributes,
        Self::Note,
        Self::Created,
        Self::Modified,
    ];

    /// The field's name in the file.
    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Label => "label",
            Self::Fragments => "fragments",
            Self::Before => "before",
            Self::After => "after",
            Self::Entity => "entity",
            Self::Attributes => "attributes",
            Self::Note => "note",
            Self::Created => "created",
            Self::Modified => "modified",
        }
    }

    /// The field named `name`, if an annotation has one.
    fn of(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    /// Skips whitespace. Most calls meet none, or one space between values (`(10, 40, …`):
    /// those are decided here, inlined where the parser calls it, and only a run of more goes
    /// to [`Self::ws_run`].
    #[inline]
    fn ws(&mut self) {
        match self.b.get(self.at) {
            Some(&c) if c > b' ' => {}
            Some(b' ') if self.b.get(self.at + 1).is_some_and(|&c| c > b' ') => self.at += 1,
            _ => self.ws_run(),
        }
    }

    /// Skips a run of whitespace (or nothing, at a byte that is none).
    #[inline(never)]
    fn ws_run(&mut self) {
        while let Some(&c) = self.b.get(self.at) {
            match c {
                // Lector indents with runs of spaces: up to eight taken at once.
                b' ' => {
                    self.at += match self.b.get(self.at..).and_then(<[u8]>::first_chunk::<8>) {
                        Some(word) => {
                            let other = u64::from_le_bytes(*word) ^ u64::from_le_bytes([b' '; 8]);
                            if other == 0 {
                                8
                            } else {
                                (other.trailing_zeros() / 8) as usize
                            }
                        }
                        None => 1,
                    };
                }
                b'\n' | b'\t' | b'\r' => self.at += 1,
                _ => break,
            }
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.at) == Some(&c)).then(|| self.at += 1)
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.at).copied()
    }

    fn ident(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.at;
        // A table instead of three comparisons a byte: a file has ten names an annotation.
        let rest = self.b.get(start..)?;
        let len = rest
            .iter()
            .position(|&c| !IDENT[usize::from(c)])
            .unwrap_or(rest.len());
        self.at = start + len;
        // ASCII only: the slice is on char boundaries.
        (len > 0).then(|| self.s.get(start..self.at)).flatten()
    }

    /// Digits as a `u32` (what `str::parse` reads of them: some, and no overflow). Summed
    /// in a `u64`, which ten times a `u32` and a digit cannot overflow: one comparison a
    /// digit instead of two checked operations.
    #[inline]
    fn uint(&mut self) -> Option<u32> {
        self.ws();
        let start = self.at;
        let mut n: u64 = 0;
        while let Some(&c) = self.b.get(self.at) {
            let digit = c.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            n = n * 10 + u64::from(digit);
            if n > u64::from(u32::MAX) {
                return None;
            }
            self.at += 1;
        }
        (self.at > start).then_some(n as u32)
    }

    fn float(&mut self) -> Option<f64> {
        self.ws();
        let start = self.at;
        while self
            .b
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        self.s.get(start..self.at)?.parse().ok()
    }

    /// A `"…"` string, borrowed unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.string_as(true)
    }

    /// A `"…"` string that is read and dropped (an annotation's context): its escapes are
    /// checked as [`Self::string`] checks them, without building it.
    fn skip_string(&mut self) -> Option<()> {
        self.string_as(false).map(drop)
    }

    /// A string; with `keep` false, `""` instead of the string itself. Inlined where it is
    /// called for strings without escapes (nearly all); those with go to
    /// [`Self::escaped_string`].
    #[inline(always)]
    fn string_as(&mut self, keep: bool) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let at = quote_or_escape(self.b, start)?;
        if self.b.get(at) == Some(&b'"') {
            let s = self.s.get(start..at)?;
            self.at = at + 1;
            return Some(Cow::Borrowed(if keep { s } else { "" }));
        }
        self.escaped_string(start, at, keep)
    }

    /// The rest of [`Self::string_as`] for a string that begins at `start` and has a
    /// backslash at `at`.
    #[inline(never)]
    fn escaped_string(&mut self, start: usize, mut at: usize, keep: bool) -> Option<Cow<'a, str>> {
        // Room for the whole string at once: it is no longer than it is written (every escape
        // is at least as long as its char), and growing it a push at a time was a tenth of
        // reading a file whose quotes have line breaks.
        let mut out = String::new();
        if keep {
            let mut end = at;
            while self.b.get(end) == Some(&b'\\') {
                // The escaped byte is skipped: it may be a `"` or `\\`.
                end = quote_or_escape(self.b, end + 2)?;
            }
            out.reserve(end - start);
        }
        let mut from = start;
        loop {
            if keep {
                out.push_str(self.s.get(from..at)?);
            }
            if self.b.get(at) == Some(&b'"') {
                self.at = at + 1;
                return Some(Cow::Owned(out));
            }
            // A backslash: the escape after it.
            let e = self.s.get(at + 1..)?.chars().next()?;
            let mut next = at + 1 + e.len_utf8();
            let c = match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                '\\' | '"' | '\'' => e,
                'u' => {
                    let body = self.s.get(next..)?.strip_prefix('{')?;
                    let close = body.find('}')?;
                    let code = u32::from_str_radix(body.get(..close)?, 16).ok()?;
                    next += close + 2;
                    char::from_u32(code)?
                }
                // Anything else (\x.., line continuations): serde reads it.
                _ => return None,
            };
            if keep {
                out.push(c);
            }
            from = next;
            at = quote_or_escape(self.b, from)?;
        }
    }

    /// `field:` or the end of the struct (`None`): consumes `)` then.
    fn field(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b')' {
            self.at += 1;
            return Some(None);
        }
        let name = self.ident()?;
        self.eat(b':')?;
        Some(Some(name))
    }

    /// An annotation's `field:` or the end of it (`None`, `)` consumed); `None` outside for
    /// a name an annotation does not have. Where the file is laid out as Lector writes it (a
    /// new line, twelve spaces, the name, `: `) the name is known from its first byte and
    /// one comparison, without the general path's whitespace, identifier and name
    /// comparisons: those were a third of reading a file.
    fn annotation_field(&mut self) -> Option<Option<Field>> {
        const INDENT: &[u8; 13] = b"\n            ";
        if let Some(rest) = self.b.get(self.at..).and_then(|r| r.strip_prefix(INDENT)) {
            // Each name with its `: ` compared as a literal (no call to compare bytes).
            let found = match rest.first() {
                Some(b'i') if rest.starts_with(b"id: ") => Some((Field::Id, 4)),
                Some(b'l') if rest.starts_with(b"label: ") => Some((Field::Label, 7)),
                Some(b'f') if rest.starts_with(b"fragments: ") => Some((Field::Fragments, 11)),
                Some(b'b') if rest.starts_with(b"before: ") => Some((Field::Before, 8)),
                Some(b'a') if rest.starts_with(b"after: ") => Some((Field::After, 7)),
                Some(b'a') if rest.starts_with(b"attributes: ") => Some((Field::Attributes, 12)),
                Some(b'e') if rest.starts_with(b"entity: ") => Some((Field::Entity, 8)),
                Some(b'n') if rest.starts_with(b"note: ") => Some((Field::Note, 6)),
                Some(b'c') if rest.starts_with(b"created: ") => Some((Field::Created, 9)),
                Some(b'm') if rest.starts_with(b"modified: ") => Some((Field::Modified, 10)),
                _ => None,
            };
            if let Some((field, len)) = found {
                self.at += INDENT.len() + len;
                return Some(Some(field));
            }
        }
        // The annotation's end, as Lector writes it.
        const END: &[u8; 10] = b"\n        )";
        if self.b.get(self.at..).is_some_and(|r| r.starts_with(END)) {
            self.at += END.len();
            return Some(None);
        }
        match self.field()? {
            Some(name) => Some(Some(Field::of(name)?)),
            None => Some(None),
        }
    }

    /// After a field's value: a comma, or the struct's end next.
    #[inline]
    fn after_value(&mut self, close: u8) -> Option<()> {
        match self.peek()? {
            b',' => {
                self.at += 1;
                Some(())
            }
            c if c == close => Some(()),
            _ => None,
        }
    }

    fn value(&mut self) -> Option<RawValue<'a>> {
        let variant = self.ident()?;
        self.eat(b'(')?;
        let value = match variant {
            "Number" => RawValue::Number(self.float()?),
            "Choice" => RawValue::Str("Choice", self.string()?),
            "Text" => RawValue::Str("Text", self.string()?),
            "Date" => RawValue::Str("Date", self.string()?),
            "Entity" => RawValue::Str("Entity", self.string()?),
            "Annotation" => RawValue::Str("Annotation", self.string()?),
            _ => return None,
        };
        self.eat(b')')?;
        Some(value)
    }

    /// One annotation, read into `a` (its lists emptied first, their room kept).
    fn annotation(&mut self, a: &mut RawAnnotation<'a>) -> Option<()> {
        self.eat(b'(')?;
        a.fragments.clear();
        a.attributes.clear();
        a.entity = None;
        a.note = Cow::Borrowed("");
        let mut seen = 0u16;
        while let Some(field) = self.annotation_field()? {
            let bit = match field {
                Field::Id => {
                    a.id = self.string()?;
                    1
                }
                Field::Label => {
                    a.label = self.string()?;
                    2
                }
                Field::Fragments => {
                    self.eat(b'[')?;
                    while self.peek()? != b']' {
                        self.eat(b'(')?;
                        let start = self.uint()?;
                        self.eat(b',')?;
                        let end = self.uint()?;
                        self.eat(b',')?;
                        let quote = self.string()?;
                        let _ = self.eat(b',');
                        self.eat(b')')?;
                        a.fragments.push((start, end, quote));
                        self.after_value(b']')?;
                    }
                    self.at += 1;
                    4
                }
                Field::Before | Field::After => {
                    self.skip_string()?;
                    0
                }
                Field::Entity => {
                    match self.ident()? {
                        "None" => a.entity = None,
                        "Some" => {
                            self.eat(b'(')?;
                            a.entity = Some(self.string()?);
                            self.eat(b')')?;
                        }
                        _ => return None,
                    }
                    0
                }
                Field::Attributes => {
                    self.eat(b'{')?;
                    while self.peek()? != b'}' {
                        let key = self.string()?;
                        self.eat(b':')?;
                        let value = self.value()?;
                        a.attributes.push((key, value));
                        self.after_value(b'}')?;
                    }
                    self.at += 1;
                    0
                }
                Field::Note => {
                    a.note = self.string()?;
                    0
                }
                Field::Created => {
                    a.created = self.string()?;
                    8
                }
                Field::Modified => {
                    a.modified = self.string()?;
                    16
                }
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            self.after_value(b')')?;
        }
        // The fields serde requires.
        (seen == 31).then_some(())
    }

    /// Annotations up to the list's end (`]`, consumed), or up to `stop` (for reading a part
    /// of the list), each handed to `sink` as it is read.
    fn annotations<S: Sink<'a>>(&mut self, stop: usize, sink: &mut S) -> Option<()> {
        let mut a = RawAnnotation::default();
        loop {
            if self.at >= stop {
                return Some(());
            }
            if self.peek()? == b']' {
                self.at += 1;
                return Some(());
            }
            self.annotation(&mut a)?;
            sink.annotation(&mut a);
            self.after_value(b']')?;
        }
    }
}

/// Reads an annotation file, or `None` if it is not in a shape this reader knows (then
/// serde reads it). With `threads > 1` the annotations are read in parts at once.
pub fn read(source: &str, threads: usize) -> Option<RawSet<'_>> {
    let (head, parts) = read_with(source, threads, &|_| Collect(Vec::new()))?;
    let mut annotations = Vec::new();
    for part in parts {
        if annotations.is_empty() {
            annotations = part.0;
        } else {
            annotations.extend(part.0);
        }
    }
    Some(RawSet { head, annotations })
}

/// Reads an annotation file as [`read`] does, handing its annotations to sinks made by
/// `new_sink` (given the bytes of the part of the list it takes, to make room) as they are
/// read instead of keeping them: the head and the sinks, in file order. `None` if the file
/// is not in a shape this reader knows (what the sinks took is then of no use: serde reads
/// the file).
pub fn read_with<'a, S: Sink<'a> + Send>(
    source: &'a str,
    threads: usize,
    new_sink: &(dyn Fn(usize) -> S + Sync),
) -> Option<(RawHead<'a>, Vec<S>)> {
    let mut p = Parser {
        s: source,
        b: source.as_bytes(),
        at: 0,
    };
    p.eat(b'(')?;
    let (mut version, mut document, mut annotator) = (None, None, None);
    let mut status = Status::NotStarted;
    let mut sinks = None;
    while let Some(name) = p.field()? {
        match name {
            "format_version" => version = Some(p.uint()?),
            "document" => document = Some(p.string()?),
            "annotator" => annotator = Some(p.string()?),
            "status" => {
                status = match p.ident()? {
                    "NotStarted" => Status::NotStarted,
                    "InProgress" => Status::InProgress,
                    "Done" => Status::Done,
                    _ => return None,
                }
            }
            "annotations" => {
                p.eat(b'[')?;
                sinks = Some(read_list(&mut p, threads, new_sink)?);
            }
            _ => return None,
        }
        p.after_value(b')')?;
    }
    p.ws();
    if p.at != source.len() {
        return None;
    }
    let head = RawHead {
        format_version: version?,
        document: document?,
        annotator: annotator?,
        status,
    };
    Some((head, sinks.unwrap_or_default()))
}

/// The list of annotations after its `[`: split at annotation starts that Lector's own
/// layout makes easy to find (`\n        (\n`), each part read on a thread of its own. A part
/// that does not read cleanly up to the next one (the split fell inside a string of a
/// hand-edited file) makes the whole list read on one thread.
fn read_list<'a, S: Sink<'a> + Send>(
    p: &mut Parser<'a>,
    threads: usize,
    new_sink: &(dyn Fn(usize) -> S + Sync),
) -> Option<Vec<S>> {
    const ENTRY: &str = "\n        (\n";
    let from = p.at;
    let rest = p.s.get(from..)?;
    let mut cuts = vec![from];
    if threads > 1 && rest.len() > 1 << 20 {
        for k in 1..threads {
            let guess = from + rest.len() * k / threads;
            if let Some(i) = p.s.get(guess..).and_then(|s| s.find(ENTRY))
                && cuts.last().is_some_and(|&last| guess + i > last)
            {
                cuts.push(guess + i);
            }
        }
    }
    if cuts.len() > 1 {
        let (s, b) = (p.s, p.b);
        let parts: Vec<Option<(S, usize)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = cuts
                .iter()
                .enumerate()
                .map(|(k, &start)| {
                    let stop = cuts.get(k + 1).copied().unwrap_or(usize::MAX);
                    scope.spawn(move || {
                        let mut q = Parser { s, b, at: start };
                        let mut sink = new_sink(stop.min(b.len()) - start);
                        q.annotations(stop, &mut sink)?;
                        Some((sink, q.at))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut sinks = Vec::with_capacity(parts.len());
        let mut end = from;
        for (k, part) in parts.into_iter().enumerate() {
            match part {
                // Each part must end exactly where the next begins (a comma eaten before it).
                Some((sink, at)) if cuts.get(k + 1).is_none_or(|&next| at == next) => {
                    sinks.push(sink);
                    end = at;
                }
                _ => break,
            }
        }
        if sinks.len() == cuts.len() {
            p.at = end;
            return Some(sinks);
        }
    }
    let mut sink = new_sink(rest.len());
    p.annotations(usize::MAX, &mut sink)?;
    Some(vec![sink])
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{AnnotationId, EntityId, checked_fragments};
    use crate::store::{convert, ron_file};

    /// `n` annotations at random, with every kind of attribute and strings that need escapes.
    pub(in crate::store) fn random_set(
        rng: &mut fastrand::Rng,
        text: &DocText,
        n: usize,
    ) -> AnnotationSet {
        let len = text.len_chars().0;
        let labels = ["Person", "Claim", "Pre\"dic'tion", "Ort\u{301}"];
        let notes = [
            "",
            "a note",
            "it's \"quoted\"\nand\ttabbed \\ \u{7f} \u{200d} 👍🏽",
            "\u{a0}x",
        ];
        let mut annotations = Vec::new();
        for _ in 0..n {
            let start = rng.u32(..len - 10);
            let mut spans = vec![(start, start + 1 + rng.u32(..8))];
            if rng.bool() && start + 30 < len {
                spans.push((start + 20, start + 25));
            }
            let Ok(fragments) = checked_fragments(text, &spans) else {
                continue;
            };
            let mut a = Annotation::new(labels[rng.usize(..labels.len())], fragments);
            a.id = AnnotationId::from(format!("id{}", rng.u32(..)));
            a.note = notes[rng.usize(..notes.len())].to_owned();
            if rng.bool() {
                a.entity = Some(EntityId("vladimir-putin".into()));
            }
            if rng.bool() {
                a.attributes
                    .insert("certainty".into(), AttrValue::Choice("probable".into()));
                a.attributes.insert(
                    "n".into(),
                    AttrValue::Number(f64::from(rng.u32(..100)) / 8.0),
                );
                a.attributes.insert(
                    "due".into(),
                    AttrValue::Date(jiff::civil::date(2027, 3, 12)),
                );
                a.attributes.insert(
                    "link".into(),
                    AttrValue::Annotation(AnnotationId("x".into())),
                );
            }
            if rng.bool() {
                a.modified = jiff::Timestamp::from_second(1_800_000_000).unwrap();
            }
            annotations.push(a);
        }
        let mut set = AnnotationSet::with_annotations("anna \"A\"", "doc", annotations);
        set.status = Status::InProgress;
        set
    }

    /// A text with emoji, combining marks, quotes, tabs and both line endings.
    pub(in crate::store) fn text() -> DocText {
        DocText::new(
            "Putin möter Lukashenko 👍🏽 i Sotji.\n\nDet är \"troligt\", han kan få\tstöd. e\u{301}\r\n"
                .repeat(40),
        )
        .unwrap()
    }

    #[test]
    fn the_bytes_are_those_serde_writes() {
        let text = text();
        let mut rng = fastrand::Rng::with_seed(5);
        for n in [0, 1, 7, 300] {
            let set = random_set(&mut rng, &text, n);
            let serde = ron_file::to_ron(&convert::set_to_file(&set, &text)).unwrap();
            assert_eq!(write(&set, &text).unwrap(), serde, "{n} annotations");
        }
    }

    /// The cached times are those `Display` writes, around whole seconds, before 1970 and at
    /// every precision.
    #[test]
    fn times_are_written_as_display_writes_them() {
        let mut rng = fastrand::Rng::with_seed(17);
        let mut times = TimeCache::default();
        let mut seconds = vec![0, 1, -1, 1_800_000_000, -2_000_000_000, 253_402_300_799];
        seconds.extend((0..300).map(|_| rng.i64(-5_000_000_000..5_000_000_000)));
        for second in seconds {
            for nanos in [
                0,
                1,
                10,
                500_000_000,
                999_999_999,
                rng.i32(0..1_000_000_000),
            ] {
                let Ok(t) = jiff::Timestamp::new(second, nanos) else {
                    continue;
                };
                assert_eq!(times.get(t), t.to_string(), "{second} s {nanos} ns");
            }
        }
    }

    /// Streams `set` as the file of annotator "a" on document "d".
    fn stream(
        set: &AnnotationSet,
        threads: usize,
        per_piece: usize,
        serialise: &Serialise<'_>,
        sink: &mut dyn FnMut(&str) -> io::Result<()>,
    ) -> io::Result<()> {
        let head = Head {
            annotator: "a",
            document: "d",
            status: Status::Done,
        };
        let pieces: Vec<Piece<'_>> = set
            .annotations()
            .runs(per_piece)
            .map(Piece::Serialise)
            .collect();
        stream_in_pieces(&head, &pieces, threads, serialise, sink, &mut |_, out| {
            Some(out)
        })
    }

    /// A big set saved again after edits writes the bytes a whole serialisation writes, with
    /// the chunks no edit touched written from the last save (the same bytes, not made
    /// again) and only the others serialised, and keeps no annotation alive that an edit
    /// took out: after inserts, removals, changes and a status,
    /// on one thread and on several, then with the text replaced by an equal one that is not
    /// shared (all serialised again), and after a write that failed.
    #[test]
    fn a_set_saved_again_writes_only_what_changed_anew() {
        let text = text();
        let mut rng = fastrand::Rng::with_seed(11);
        let mut set = random_set(&mut rng, &text, 45_000);
        let mut written = WrittenChunks::default();
        let save = |set: &AnnotationSet, text: &DocText, written: &mut WrittenChunks| {
            let mut out = String::new();
            stream_list(
                "a",
                "d",
                set.status,
                &set.snapshot(),
                text,
                written,
                &mut |p| {
                    out.push_str(p);
                    Ok(())
                },
            )
            .unwrap();
            let whole = write_set("a", "d", set.status, set.annotations(), text).unwrap();
            assert!(out == whole, "the same bytes as a whole serialisation");
            out
        };
        // Each chunk's bytes, by the address of the chunk.
        let bytes_of = |written: &WrittenChunks| -> std::collections::HashMap<usize, usize> {
            written
                .chunks
                .iter()
                .map(|(at, (_, bytes))| (*at, bytes.as_ptr() as usize))
                .collect()
        };
        save(&set, &text, &mut written);
        assert_eq!(written.chunks.len(), set.chunks().len());
        let small = random_set(&mut rng, &text, 300);
        for round in 0..6 {
            let before = bytes_of(&written);
            let kept: Vec<usize> = set
                .chunks()
                .iter()
                .map(|c| Arc::as_ptr(c) as usize)
                .collect();
            // A few edits, in a few chunks.
            for k in 0..3 {
                let a = small.annotations()[round * 40 + k].as_ref().clone();
                set.insert(a);
            }
            let victim = set.annotations()[rng.usize(..set.len())].id.clone();
            let (_, removed) = set.remove(&victim).unwrap();
            assert_eq!(
                Arc::strong_count(&removed),
                1,
                "what the last save wrote keeps no annotation an edit took out"
            );
            let changed = set.annotations()[rng.usize(..set.len())].id.clone();
            set.update(&changed, |a| a.note = format!("round {round}"));
            if round == 3 {
                set.status = Status::InProgress;
            }
            save(&set, &text, &mut written);
            let after = bytes_of(&written);
            let untouched: Vec<&usize> = kept.iter().filter(|c| after.contains_key(c)).collect();
            assert!(
                untouched.len() + 8 >= set.chunks().len(),
                "most chunks are untouched: {} of {}",
                untouched.len(),
                set.chunks().len()
            );
            for chunk in untouched {
                assert_eq!(after[chunk], before[chunk], "written again, not made again");
            }
            assert_eq!(written.chunks.len(), set.chunks().len());
            assert!(written.serialised <= 8, "{}", written.serialised);
        }
        let copy = DocText::new(text.as_str().to_owned()).unwrap();
        save(&set, &copy, &mut written);
        // Counted, not told by the buffers' addresses: the allocator may give a new buffer
        // the address of one just freed.
        assert_eq!(
            written.serialised,
            set.chunks().len(),
            "another text: everything made again"
        );
        // A write that fails leaves nothing that a later save could get wrong.
        set.insert(small.annotations()[small.len() - 1].as_ref().clone());
        let failed = stream_list(
            "a",
            "d",
            set.status,
            &set.snapshot(),
            &copy,
            &mut written,
            &mut |_| Err(io::Error::other("disk full")),
        );
        assert!(failed.is_err());
        save(&set, &copy, &mut written);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Whatever a session does to a set between saves (many inserts in one place, which
        /// fill and split chunks; removals; bulk removals, which empty chunks; changes;
        /// another status; a save while a snapshot shares the list), each save from the
        /// memo writes the bytes of a whole serialisation.
        #[test]
        fn saves_from_the_memo_are_whole_serialisations(
            seed in proptest::prelude::any::<u64>(),
            rounds in proptest::collection::vec((0u8..5, 0usize..5_000), 1..12),
        ) {
            let text = text();
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut set = random_set(&mut rng, &text, 4_000);
            let extra = random_set(&mut rng, &text, 3_000);
            let mut extra = extra.annotations().iter().map(|a| a.as_ref().clone());
            let mut written = WrittenChunks::default();
            let mut held = None;
            for (op, at) in rounds {
                match op {
                    0 => {
                        for a in extra.by_ref().take(at % 1_500 + 1) {
                            set.insert(a);
                        }
                    }
                    1 if !set.is_empty() => {
                        let id = set.annotations()[at % set.len()].id.clone();
                        set.remove(&id);
                    }
                    2 => {
                        let k = at % 5 + 2;
                        let mut i = 0;
                        set.retain(|_| {
                            i += 1;
                            i % k != 0
                        });
                    }
                    3 if !set.is_empty() => {
                        let id = set.annotations()[at % set.len()].id.clone();
                        set.update(&id, |a| a.note = format!("changed {at}"));
                        set.status = if at % 2 == 0 { Status::Done } else { Status::InProgress };
                    }
                    _ => held = Some(set.snapshot()),
                }
                let mut out = String::new();
                stream_list("a", "d", set.status, &set.snapshot(), &text, &mut written, &mut |p| {
                    out.push_str(p);
                    Ok(())
                })
                .unwrap();
                let whole = write_set("a", "d", set.status, set.annotations(), &text).unwrap();
                proptest::prop_assert!(out == whole);
            }
            drop(held);
        }
    }

    /// A file streamed in pieces on several threads is the file written on one, and the sink
    /// sees the pieces in order.
    #[test]
    fn pieces_written_on_several_threads_join_into_the_same_file() {
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(3), &text, 5000);
        let serialise = serialiser(&text);
        let streamed = |threads, per_piece| {
            let mut out = String::new();
            let mut pieces = 0;
            stream(&set, threads, per_piece, &serialise, &mut |p| {
                out.push_str(p);
                pieces += 1;
                Ok(())
            })
            .unwrap();
            (out, pieces)
        };
        let (one, _) = streamed(1, 5000);
        assert_eq!(
            one,
            write_set("a", "d", Status::Done, set.annotations(), &text).unwrap()
        );
        for (threads, per_piece) in [(2, 7), (3, 100), (4, 1), (2, 700)] {
            let (many, pieces) = streamed(threads, per_piece);
            assert_eq!(one, many, "{threads} threads, {per_piece} a piece");
            assert_eq!(pieces, set.annotations().len().div_ceil(per_piece) + 2);
        }
    }

    /// A sink that fails stops the stream with its error, the workers included: on the
    /// file's head, on a piece, on its end.
    #[test]
    fn a_failing_sink_stops_the_stream() {
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(4), &text, 3000);
        let pieces = set.annotations().len().div_ceil(10);
        let serialise = serialiser(&text);
        for (threads, fail_at) in [(2, 1), (2, 5), (3, 5), (1, 5), (2, pieces + 2)] {
            let mut seen = 0;
            let result = stream(&set, threads, 10, &serialise, &mut |_| {
                seen += 1;
                if seen == fail_at {
                    Err(io::Error::other("disk full"))
                } else {
                    Ok(())
                }
            });
            assert_eq!(
                result.unwrap_err().to_string(),
                "disk full",
                "{threads} threads"
            );
            assert_eq!(seen, fail_at);
        }
    }

    /// A serialising thread that dies makes the stream an error, never a shorter file; the
    /// pieces before it went to the sink, none after.
    #[test]
    fn a_dead_serialising_thread_is_an_error_not_a_shorter_file() {
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(6), &text, 3000);
        let doomed = set.annotations()[35].id.clone();
        let serialise = |out: &mut String, piece: Annotations<'_>, times: &mut TimeCache| {
            for a in piece {
                assert!(a.id != doomed, "a bug while serialising");
                push_annotation(out, a, &text, times);
            }
        };
        for threads in [2, 3] {
            let mut pieces = 0;
            let result = stream(&set, threads, 10, &serialise, &mut |_| {
                pieces += 1;
                Ok(())
            });
            let err = result.unwrap_err().to_string();
            assert!(err.contains("serialising the annotations"), "{err}");
            // The head and the three pieces before the one that died.
            assert_eq!(pieces, 4, "{threads} threads");
        }
    }

    #[test]
    fn what_it_reads_is_what_serde_reads() {
        let text = text();
        let mut rng = fastrand::Rng::with_seed(9);
        for threads in [1, 2, 4] {
            let set = random_set(&mut rng, &text, 3000);
            let source = write(&set, &text).unwrap();
            let raw = read(&source, threads).expect("reads its own files");
            let file: super::super::v1::SetFile =
                ron_file::parse(std::path::Path::new("x.ron"), &source).unwrap();
            assert_eq!(raw.head.annotator, file.annotator);
            assert_eq!(raw.annotations.len(), file.annotations.len());
            for (r, f) in raw.annotations.iter().zip(&file.annotations) {
                assert_eq!(r.id, f.id);
                assert_eq!(r.label, f.label);
                assert_eq!(r.note, f.note);
                assert_eq!(r.entity.as_deref(), f.entity.as_deref());
                assert_eq!(r.created, f.created);
                let quotes: Vec<(u32, u32, &str)> =
                    r.fragments.iter().map(|(s, e, q)| (*s, *e, &**q)).collect();
                let expected: Vec<(u32, u32, &str)> = f
                    .fragments
                    .iter()
                    .map(|(s, e, q)| (*s, *e, q.as_str()))
                    .collect();
                assert_eq!(quotes, expected);
                assert_eq!(r.attributes.len(), f.attributes.len());
            }
        }
    }

    #[test]
    fn other_shapes_are_left_to_serde() {
        for odd in [
            "(format_version: 1, document: \"d\", annotator: \"a\", annotations: [], extra: 1)",
            "// a comment\n(format_version: 1, document: \"d\", annotator: \"a\")",
            "(format_version: 1, document: r\"d\", annotator: \"a\")",
            "(format_version: 1, document: \"d\", annotator: \"a\", annotations: [(id: \"x\")])",
            "(format_version: 1, document: \"d\"",
        ] {
            assert!(read(odd, 2).is_none(), "{odd}");
        }
        let hand = "(\n  format_version: 1,\n  annotator: \"a\", document: \"d\",\n  annotations: [\n    (label: \"P\", id: \"x\", fragments: [(0, 1, \"a\",),], created: \"t\", modified: \"t\",),\n  ],\n)\n";
        let raw = read(hand, 2).expect("any layout");
        assert_eq!(raw.annotations.len(), 1);
        assert_eq!(raw.annotations[0].label, "P");
    }

    /// Lector's own layout read by name where a hand edit changed a field's spacing, and a
    /// name that only begins like a field's left to serde, as the general path does.
    #[test]
    fn fields_in_lectors_layout_read_as_any_layout() {
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(23), &text, 40);
        let source = write(&set, &text).unwrap();
        let read_all = |source: &str| {
            read(source, 1).map(|raw| {
                raw.annotations
                    .iter()
                    .map(|a| {
                        let fragments: Vec<(u32, u32, String)> = a
                            .fragments
                            .iter()
                            .map(|(s, e, q)| (*s, *e, q.to_string()))
                            .collect();
                        let attributes: Vec<String> =
                            a.attributes.iter().map(|v| format!("{v:?}")).collect();
                        (
                            a.id.to_string(),
                            a.label.to_string(),
                            fragments,
                            a.entity.as_deref().map(str::to_owned),
                            attributes,
                            a.note.to_string(),
                            a.created.to_string(),
                            a.modified.to_string(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        };
        let expected = read_all(&source).expect("reads its own files");
        assert_eq!(expected.len(), set.len());
        for name in [
            "id",
            "label",
            "fragments",
            "before",
            "after",
            "entity",
            "attributes",
            "note",
            "created",
            "modified",
        ] {
            let field = format!("\n            {name}: ");
            if !source.contains(&field) {
                continue;
            }
            for edited in [
                format!("\n            {name} : "),
                format!("\n            {name}:"),
                format!("\n\t{name}: "),
                format!("\n             {name}: "),
            ] {
                let changed = source.replace(&field, &edited);
                assert_eq!(read_all(&changed).as_ref(), Some(&expected), "{edited:?}");
            }
            for unknown in [format!("{name}x"), format!("{name}_")] {
                let changed = source.replacen(&field, &format!("\n            {unknown}: "), 1);
                assert!(read(&changed, 1).is_none(), "{unknown}");
            }
        }
    }

    /// An annotation's end read as any layout where a hand edit moved its `)`, and spans'
    /// numbers read as `str::parse` reads them (up to `u32::MAX`, any spaces around them).
    #[test]
    fn ends_and_numbers_in_other_layouts_read_as_lectors() {
        let text = text();
        let set = random_set(&mut fastrand::Rng::with_seed(29), &text, 40);
        let source = write(&set, &text).unwrap();
        let ends = |raw: &RawSet<'_>| {
            raw.annotations
                .iter()
                .map(|a| (a.id.to_string(), a.fragments.len(), a.modified.to_string()))
                .collect::<Vec<_>>()
        };
        let expected = ends(&read(&source, 1).expect("reads its own files"));
        assert_eq!(expected.len(), set.len());
        let end = "\n        ),";
        for edited in [
            "\n       ),",
            "\n         ),",
            "\n\t),",
            "),",
            "\n        )\n,",
        ] {
            let changed = source.replace(end, edited);
            let raw = read(&changed, 1).unwrap_or_else(|| panic!("{edited:?}"));
            assert_eq!(ends(&raw), expected, "{edited:?}");
        }
        let file = |fragment: &str| {
            format!(
                "(format_version: 2, document: \"d\", annotator: \"a\", annotations: [(id: \"x\", \
                 label: \"P\", fragments: [{fragment}], created: \"t\", modified: \"t\")])"
            )
        };
        for (fragment, span) in [
            ("(0, 1, \"a\")", Some((0, 1))),
            ("(  7 ,12,\"a\" , )", Some((7, 12))),
            (
                "(0004294967295, 4294967295, \"a\")",
                Some((u32::MAX, u32::MAX)),
            ),
            ("(4294967296, 1, \"a\")", None),
            ("(0, 99999999999, \"a\")", None),
            ("(, 1, \"a\")", None),
        ] {
            let source = file(fragment);
            let read_span = read(&source, 1).map(|raw| {
                let (start, end, _) = &raw.annotations[0].fragments[0];
                (*start, *end)
            });
            assert_eq!(read_span, span, "{fragment}");
        }
    }

    #[test]
    fn context_is_checked_as_strings_are_though_not_kept() {
        let file = |before: &str, note: &str| {
            format!(
                "(format_version: 2, document: \"d\", annotator: \"a\", annotations: [(id: \"x\", \
                 label: \"P\", fragments: [(0, 1, \"a\")], before: \"{before}\", note: \"{note}\", \
                 created: \"t\", modified: \"t\")])"
            )
        };
        let source = file("a\\n\\\"b\\u{e9}", "x\\ty\\u{1F44D}z\\\\");
        let raw = read(&source, 1).expect("escapes Lector writes");
        assert_eq!(raw.annotations[0].note, "x\ty\u{1F44D}z\\");
        // What the reader does not know, in the context as in a kept string: serde reads it.
        for odd in ["a\\x41", "a\\u{110000}", "a\\u{zz}", "a\\"] {
            assert!(read(&file(odd, ""), 1).is_none(), "before: {odd}");
            assert!(read(&file("", odd), 1).is_none(), "note: {odd}");
        }
    }
}
