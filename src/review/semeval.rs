//! The SemEval-2013 Task 9.1 span categories (as nervaluate computes them) and decoding of
//! IOB tag sequences (as seqeval does), so that Lector's figures can be set beside the NER
//! literature's (`reference/agreement.md` §1, §6.5, §6.6).

use super::matching::shared_chars;
use crate::model::{Annotation, Annotations, CharOffset, Fragment};

/// Counts of one SemEval scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemEvalCounts {
    /// COR: correct under the scheme.
    pub correct: usize,
    /// INC: overlaps but fails the scheme's test.
    pub incorrect: usize,
    /// PAR: overlaps with other boundaries (scheme `partial` only).
    pub partial: usize,
    /// MIS: gold span no prediction overlaps.
    pub missed: usize,
    /// SPU: predicted span overlapping no gold span.
    pub spurious: usize,
}

impl SemEvalCounts {
    /// POS = COR + INC + PAR + MIS, the gold count.
    pub fn possible(&self) -> usize {
        self.correct + self.incorrect + self.partial + self.missed
    }

    /// ACT = COR + INC + PAR + SPU, the prediction count.
    pub fn actual(&self) -> usize {
        self.correct + self.incorrect + self.partial + self.spurious
    }

    fn credit(&self) -> f64 {
        self.correct as f64 + 0.5 * self.partial as f64
    }

    /// `(COR + 0.5·PAR) / ACT`; `None` without predictions.
    pub fn precision(&self) -> Option<f64> {
        let actual = self.actual();
        (actual > 0).then(|| self.credit() / actual as f64)
    }

    /// `(COR + 0.5·PAR) / POS`; `None` without gold spans.
    pub fn recall(&self) -> Option<f64> {
        let possible = self.possible();
        (possible > 0).then(|| self.credit() / possible as f64)
    }

    /// Harmonic mean of precision and recall (0 when both are 0); `None` when there are
    /// neither gold spans nor predictions.
    pub fn f1(&self) -> Option<f64> {
        if self.actual() + self.possible() == 0 {
            return None;
        }
        let p = self.precision().unwrap_or(0.0);
        let r = self.recall().unwrap_or(0.0);
        Some(if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        })
    }
}

impl std::ops::AddAssign for SemEvalCounts {
    fn add_assign(&mut self, o: Self) {
        self.correct += o.correct;
        self.incorrect += o.incorrect;
        self.partial += o.partial;
        self.missed += o.missed;
        self.spurious += o.spurious;
    }
}

/// The four SemEval-2013 schemes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemEval {
    /// Same boundaries and same label.
    pub strict: SemEvalCounts,
    /// Same boundaries, label ignored.
    pub exact: SemEvalCounts,
    /// Same boundaries, label ignored; other overlaps count half.
    pub partial: SemEvalCounts,
    /// Overlap and same label.
    pub ent_type: SemEvalCounts,
}

impl std::ops::AddAssign for SemEval {
    fn add_assign(&mut self, o: Self) {
        self.strict += o.strict;
        self.exact += o.exact;
        self.partial += o.partial;
        self.ent_type += o.ent_type;
    }
}

/// Categorises one document's predicted spans against gold spans as nervaluate does: each
/// prediction (in text order) is judged against the first gold span (in text order) it
/// overlaps; gold spans no prediction overlapped are missed. Sum documents with `+=`.
pub fn semeval(gold: Annotations<'_>, predicted: Annotations<'_>) -> SemEval {
    let gold = in_text_order(gold);
    let predicted = in_text_order(predicted);
    let mut result = SemEval::default();
    let mut overlapped = vec![false; gold.len()];
    for pred in predicted {
        let same_span = |g: &&Annotation| g.fragments == pred.fragments;
        if let Some(i) = gold
            .iter()
            .position(|g| same_span(g) && g.label == pred.label)
        {
            mark(&mut overlapped, i);
            for scheme in [
                &mut result.strict,
                &mut result.exact,
                &mut result.partial,
                &mut result.ent_type,
            ] {
                scheme.correct += 1;
            }
            continue;
        }
        let Some(i) = gold
            .iter()
            .position(|g| shared_chars(&g.fragments, &pred.fragments) > 0)
        else {
            for scheme in [
                &mut result.strict,
                &mut result.exact,
                &mut result.partial,
                &mut result.ent_type,
            ] {
                scheme.spurious += 1;
            }
            continue;
        };
        mark(&mut overlapped, i);
        let Some(g) = gold.get(i) else { continue };
        result.strict.incorrect += 1;
        if same_span(g) {
            // Same boundaries, other label.
            result.exact.correct += 1;
            result.partial.correct += 1;
            result.ent_type.incorrect += 1;
        } else {
            result.exact.incorrect += 1;
            result.partial.partial += 1;
            if g.label == pred.label {
                result.ent_type.correct += 1;
            } else {
                result.ent_type.incorrect += 1;
            }
        }
    }
    let missed = overlapped.iter().filter(|o| !**o).count();
    result.strict.missed += missed;
    result.exact.missed += missed;
    result.partial.missed += missed;
    result.ent_type.missed += missed;
    result
}

fn mark(flags: &mut [bool], i: usize) {
    if let Some(flag) = flags.get_mut(i) {
        *flag = true;
    }
}

fn in_text_order(spans: Annotations<'_>) -> Vec<&Annotation> {
    let mut sorted: Vec<&Annotation> = spans.iter().map(|a| &**a).collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    sorted
}

/// How IOB tag sequences are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IobScheme {
    /// conlleval's rules, seqeval's default: an `I-` tag after `O` or after another type
    /// starts a chunk (IOB1-tolerant); `E-` and `S-` are understood too.
    Lenient,
    /// Strict IOB2 (seqeval `mode="strict"`): a chunk is `B-X` followed by `I-X`s; an `I-`
    /// tag that does not continue a chunk belongs to none.
    Iob2Strict,
}

/// The chunks of a tag sequence as `(label, tokens)`, where the fragment's offsets count
/// tokens: `[start, end)`. Tags without a `-TYPE` have an empty label.
pub fn iob_chunks(tags: &[&str], scheme: IobScheme) -> Vec<(String, Fragment)> {
    match scheme {
        IobScheme::Lenient => lenient_chunks(tags),
        IobScheme::Iob2Strict => strict_chunks(tags),
    }
}

fn split_tag(tag: &str) -> (char, &str) {
    let mut chars = tag.chars();
    let prefix = chars.next().unwrap_or('O');
    let rest = chars.as_str();
    (prefix, rest.strip_prefix('-').unwrap_or(rest))
}

fn token_fragment(start: usize, end: usize) -> Fragment {
    let offset = |i: usize| CharOffset(u32::try_from(i).unwrap_or(u32::MAX));
    Fragment {
        start: offset(start),
        end: offset(end),
    }
}

/// conlleval's `endOfChunk` / `startOfChunk`, as seqeval implements them.
fn lenient_chunks(tags: &[&str]) -> Vec<(String, Fragment)> {
    let mut chunks = Vec::new();
    let (mut prev_tag, mut prev_type) = ('O', "");
    let mut begin = 0;
    for (i, tag) in tags.iter().copied().chain(["O"]).enumerate() {
        let (tag, ty) = split_tag(tag);
        let type_changed = prev_type != ty;
        let ends = matches!(prev_tag, 'E' | 'S')
            || (matches!(prev_tag, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
            || (prev_tag != 'O' && prev_tag != '.' && type_changed);
        let starts = matches!(tag, 'B' | 'S')
            || (matches!(prev_tag, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
            || (tag != 'O' && tag != '.' && type_changed);
        if ends {
            chunks.push((prev_type.to_owned(), token_fragment(begin, i)));
        }
        if starts {
            begin = i;
        }
        prev_tag = tag;
        prev_type = ty;
    }
    chunks
}

fn strict_chunks(tags: &[&str]) -> Vec<(String, Fragment)> {
    let mut chunks = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (i, tag) in tags.iter().copied().chain(["O"]).enumerate() {
        let (prefix, ty) = split_tag(tag);
        let continues = prefix == 'I' && open.is_some_and(|(_, t)| t == ty);
        if continues {
            continue;
        }
        if let Some((begin, t)) = open.take() {
            chunks.push((t.to_owned(), token_fragment(begin, i)));
        }
        if prefix == 'B' {
            open = Some((i, ty));
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(chunks: &[(String, Fragment)]) -> Vec<(String, u32, u32)> {
        chunks
            .iter()
            .map(|(l, f)| (l.clone(), f.start.0, f.end.0))
            .collect()
    }

    #[test]
    fn lenient_reading_starts_chunks_at_stray_i_tags() {
        let tags = ["I-PER", "I-PER", "O", "B-LOC", "I-ORG", "I-ORG"];
        assert_eq!(
            names(&iob_chunks(&tags, IobScheme::Lenient)),
            vec![
                ("PER".to_owned(), 0, 2),
                ("LOC".to_owned(), 3, 4),
                ("ORG".to_owned(), 4, 6)
            ]
        );
        assert_eq!(
            names(&iob_chunks(&tags, IobScheme::Iob2Strict)),
            vec![("LOC".to_owned(), 3, 4)]
        );
    }
}
