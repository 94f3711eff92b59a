//! The deterministic book-length corpus the benchmarks share: a 5 MB article (about 10%
//! Swedish or Cyrillic words, a few emoji, four 50 kB paragraphs without a newline) and 100k
//! annotations on it, 20% of them nested in, overlapping or enclosing another. Same sequence on
//! every machine (no random crate).

#![allow(dead_code, reason = "each benchmark uses some of it")]

use lector::model::{Annotation, AnnotationId, CharOffset, DocText, Schema, checked_fragments};

/// Seed of every pseudo-random choice (text, spans, positions).
pub const SEED: u64 = 0x1ec7_0a5e_2026;
/// Size of the generated article, times [`scale`].
pub const TARGET_BYTES: usize = 5_000_000;
/// Annotations on it, times [`scale`].
pub const N_ANNOTATIONS: usize = 100_000;

/// `LECTOR_BENCH_SCALE` (default 1): how many times larger the article and its annotations
/// are; 10 makes the 50 MB article with 1M annotations of issue 9.
pub fn scale() -> usize {
    std::env::var("LECTOR_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
}
/// Share of annotations placed overlapping or nested with another one, in percent.
pub const OVERLAP_PERCENT: usize = 20;
/// Paragraphs (by index) replaced by a 50 kB paragraph without newlines.
pub const GIANT_AT: [usize; 4] = [1000, 2500, 4000, 5500];
pub const GIANT_BYTES: usize = 50_000;

/// A 64-bit linear congruential generator (Knuth's MMIX constants): no extra crates, same
/// sequence on every machine.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.next_u32()) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Word lists, space-separated.
pub const ASCII_WORDS: &str = "the minister said on Tuesday that talks with Russia would continue in \
    Sochi next week president government of a and spokesman agreement sanctions border economy \
    election opposition parliament reported according to officials Lukashenko Putin Minsk Moscow \
    gas prices loan billion dollars union state treaty integration military exercise protest \
    arrested journalists is was will not by for from after before meeting summit press \
    conference statement analysts expect decision March 2026 percent";
pub const NON_ASCII_WORDS: &str = "möter Malmö på även säger Göteborg Åsa förhandlingar år \
    Лукашенко Москва правительство заявил Беларусь переговоры Сочи café naïve Zürich";
pub const EMOJI: &str = "👍🏽 👩\u{200D}👩\u{200D}👧 😀";

/// The vocabulary of the generated article.
pub struct Words {
    ascii: Vec<&'static str>,
    non_ascii: Vec<&'static str>,
    emoji: Vec<&'static str>,
}

impl Default for Words {
    fn default() -> Self {
        Self::new()
    }
}

impl Words {
    pub fn new() -> Self {
        Self {
            ascii: ASCII_WORDS.split_whitespace().collect(),
            non_ascii: NON_ASCII_WORDS.split_whitespace().collect(),
            emoji: EMOJI.split_whitespace().collect(),
        }
    }

    /// One word: ~90% ASCII, ~10% Swedish or Cyrillic (about 5% of the chars), a few in ten
    /// thousand an emoji.
    pub fn word(&self, rng: &mut Lcg) -> &'static str {
        match rng.below(10_000) {
            0..5 => self.emoji[rng.below(self.emoji.len())],
            5..1_000 => self.non_ascii[rng.below(self.non_ascii.len())],
            _ => self.ascii[rng.below(self.ascii.len())],
        }
    }
}

/// Words until the paragraph has at least `bytes` bytes, with a full stop now and then.
pub fn paragraph(words: &Words, rng: &mut Lcg, bytes: usize, out: &mut String) {
    let start = out.len();
    let mut words_in_sentence = 0;
    while out.len() - start < bytes {
        if words_in_sentence > 0 {
            out.push(' ');
        }
        out.push_str(words.word(rng));
        words_in_sentence += 1;
        if words_in_sentence >= 8 && rng.below(6) == 0 {
            out.push('.');
            words_in_sentence = 0;
        }
    }
    out.push('.');
}

/// The article: paragraphs of 200–1,400 bytes separated by blank lines, and a few 50 kB
/// paragraphs without a newline (a PDF extraction).
pub fn article(rng: &mut Lcg) -> String {
    let words = Words::new();
    let target = TARGET_BYTES * scale();
    let mut text = String::with_capacity(target + 2 * GIANT_BYTES);
    let mut index = 0;
    while text.len() < target {
        if index > 0 {
            text.push_str("\n\n");
        }
        let bytes = if GIANT_AT.contains(&index) {
            GIANT_BYTES
        } else {
            rng.range(200, 1_400)
        };
        paragraph(&words, rng, bytes, &mut text);
        index += 1;
    }
    text
}

/// A deterministic 10-character base-32 id, like [`AnnotationId::random`] makes.
pub fn id(rng: &mut Lcg) -> AnnotationId {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    AnnotationId(
        (0..10)
            .map(|_| char::from(ALPHABET[rng.below(32)]))
            .collect(),
    )
}

/// Moves an offset back to the nearest grapheme boundary.
pub fn snap_back(text: &DocText, mut at: u32) -> u32 {
    while at > 0 && !text.is_grapheme_boundary(CharOffset(at)) {
        at -= 1;
    }
    at
}

/// Moves an offset forward to the nearest grapheme boundary.
pub fn snap_forward(text: &DocText, mut at: u32) -> u32 {
    let len = text.len_chars().0;
    while at < len && !text.is_grapheme_boundary(CharOffset(at)) {
        at += 1;
    }
    at.min(len)
}

/// A span `[start, end)` snapped outward to grapheme boundaries, or `None` if it is empty.
pub fn snapped(text: &DocText, start: u32, end: u32) -> Option<(u32, u32)> {
    let len = text.len_chars().0;
    let (s, e) = (
        snap_back(text, start.min(len)),
        snap_forward(text, end.min(len)),
    );
    (s < e).then_some((s, e))
}

/// An annotation as the app would make it, with a deterministic id and time.
pub fn annotation(
    text: &DocText,
    label: &str,
    span: (u32, u32),
    id: AnnotationId,
) -> Option<Annotation> {
    let fragments = checked_fragments(text, &[span]).ok()?;
    let mut a = Annotation::new(label, fragments);
    a.id = id;
    let t0 = jiff::Timestamp::from_second(1_772_000_000).unwrap_or(a.created);
    a.created = t0;
    a.modified = t0;
    Some(a)
}

/// `N_ANNOTATIONS` spans of 4–40 chars: 80% placed one per slot of the text (disjoint), 20%
/// nested in, overlapping or enclosing one of those. Some cross a paragraph break.
pub fn annotations(text: &DocText, schema: &Schema, rng: &mut Lcg) -> Vec<Annotation> {
    let len = text.len_chars().0 as usize;
    let n_all = N_ANNOTATIONS * scale();
    let n_base = n_all * (100 - OVERLAP_PERCENT) / 100;
    let slot = len / n_base;
    let mut spans: Vec<(u32, u32)> = Vec::with_capacity(n_all);
    for k in 0..n_base {
        let span_len = rng.range(4, 40.min(slot - 1));
        let start = k * slot + rng.below(slot - span_len);
        if let Some(span) = snapped(text, start as u32, (start + span_len) as u32) {
            spans.push(span);
        }
    }
    let n_disjoint = spans.len();
    while spans.len() < n_all {
        let (s, e) = spans[rng.below(n_disjoint)];
        let (s, e) = (s as usize, e as usize);
        let span = match rng.below(3) {
            // Nested strictly inside (or the same span, if it is too short to nest in).
            0 => {
                let a = s + rng.below((e - s) / 2);
                let b = (a + rng.range(1, 40)).min(e);
                (a, b)
            }
            // Overlapping its end.
            1 => (s + (e - s) / 2, e + rng.range(2, 30)),
            // Enclosing it.
            _ => (s.saturating_sub(rng.range(1, 10)), e + rng.range(1, 10)),
        };
        if let Some(span) = snapped(text, span.0 as u32, span.1 as u32) {
            spans.push(span);
        }
    }
    spans
        .into_iter()
        .filter_map(|span| {
            let label = &rng.pick(&schema.labels).name;
            annotation(text, label, span, id(rng))
        })
        .collect()
}
