//! Paragraphs with right-to-left text, laid out by the Unicode bidi algorithm (UAX #9) on top
//! of egui's shaping, with every glyph mapped back to the chars it shows. See the notes in
//! [`super::layout`] for why egui's galley cannot be used as it is.
//!
//! ## Implementation notes
//!
//! - The paragraph is cut into atoms: words and the spaces between them (UAX #29 word
//!   bounds), cut again where the bidi level changes. Each atom is shaped as one egui galley
//!   (words never join across a space, so Arabic shapes as it would in a whole line).
//! - Lines break before a word that would pass the width, after a space. Each line's levels
//!   come from `unicode_bidi` (rules up to L1, so trailing spaces take the paragraph's
//!   level), and its atoms are reordered by rule L2. A right-to-left paragraph's lines are
//!   aligned right.
//! - Inside an atom, glyphs come in visual order: each names the first char of the cluster it
//!   shows (`Glyph::chr`), and a right-to-left run ends with zero-width "continuation"
//!   glyphs for the chars that got none. [`char_edges`] strips those, reads the glyphs in
//!   the order (as is, or reversed) that matches the chars best, and gives each char the
//!   horizontal extent of its cluster (a ligature's width is shared by its chars).

use std::ops::Range;
use std::sync::Arc;

use egui::text::LayoutJob;
use egui::{Color32, Galley, Pos2, Rect, Vec2, pos2, vec2};
use unicode_segmentation::UnicodeSegmentation as _;

use super::layout::{format, line_height};

/// One shaped atom placed on a line.
#[derive(Debug)]
struct Piece {
    /// The chars it shows, local to the paragraph.
    chars: Range<usize>,
    /// Its left edge.
    x: f32,
    /// Its line.
    line: usize,
    /// The shaped text.
    galley: Arc<Galley>,
    /// Left and right edge of each char (in `chars` order), relative to `x`.
    edges: Vec<(f32, f32)>,
    /// Whether the chars run right to left on screen.
    rtl: bool,
}

/// A paragraph laid out by the bidi algorithm.
#[derive(Debug)]
pub struct BidiLayout {
    pieces: Vec<Piece>,
    /// Top of each line; every line is one line height tall.
    tops: Vec<f32>,
    height: f32,
    size: Vec2,
}

/// A word or a run of spaces, at one bidi level.
struct Atom {
    bytes: Range<usize>,
    chars: Range<usize>,
    space: bool,
}

impl BidiLayout {
    /// Lays out `text` at a font size, broken into lines of at most `wrap` points.
    pub fn new(
        fonts: &mut egui::epaint::FontsView<'_>,
        text: &str,
        font_size: f32,
        wrap: f32,
        color: Color32,
    ) -> Self {
        let height = line_height(font_size);
        let info = unicode_bidi::ParagraphBidiInfo::new(text, None);
        let atoms = atoms(text, &info.levels);
        let shaped: Vec<(Arc<Galley>, f32)> = atoms
            .iter()
            .map(|atom| {
                let piece = text.get(atom.bytes.clone()).unwrap_or("");
                let mut job = LayoutJob::single_section(piece.to_owned(), format(font_size, color));
                job.wrap.max_width = f32::INFINITY;
                let galley = fonts.layout_job(job);
                let width = galley.size().x;
                (galley, width)
            })
            .collect();
        let lines = break_lines(&atoms, &shaped, wrap);
        let rtl_paragraph = info.paragraph_level.is_rtl();
        let chars: Vec<char> = text.chars().collect();
        let mut pieces = Vec::with_capacity(atoms.len());
        let mut tops = Vec::with_capacity(lines.len());
        let mut widest = 0.0f32;
        for (line_no, line) in lines.iter().enumerate() {
            tops.push(line_no as f32 * height);
            let (Some(first), Some(last)) = (atoms.get(line.start), atoms.get(line.end - 1)) else {
                continue;
            };
            let byte_range = first.bytes.start..last.bytes.end;
            let levels = info.reordered_levels(byte_range);
            let atom_levels: Vec<u8> = line
                .clone()
                .map(|i| {
                    atoms
                        .get(i)
                        .and_then(|a| levels.get(a.bytes.start))
                        .map_or(0, unicode_bidi::Level::number)
                })
                .collect();
            let order = visual_order(&atom_levels);
            let width: f32 = line
                .clone()
                .filter_map(|i| shaped.get(i))
                .map(|s| s.1)
                .sum();
            widest = widest.max(width);
            let mut x = if rtl_paragraph {
                (wrap - width).max(0.0)
            } else {
                0.0
            };
            for k in order {
                let i = line.start + k;
                let (Some(atom), Some((galley, w))) = (atoms.get(i), shaped.get(i)) else {
                    continue;
                };
                let atom_chars = chars.get(atom.chars.clone()).unwrap_or(&[]);
                let (edges, rtl) = char_edges(atom_chars, galley);
                pieces.push(Piece {
                    chars: atom.chars.clone(),
                    x,
                    line: line_no,
                    galley: Arc::clone(galley),
                    edges,
                    rtl,
                });
                x += w;
            }
        }
        if tops.is_empty() {
            tops.push(0.0);
        }
        let width = if rtl_paragraph {
            wrap.max(widest)
        } else {
            widest
        };
        Self {
            pieces,
            size: vec2(width, tops.len() as f32 * height),
            tops,
            height,
        }
    }

    /// The size of the laid-out paragraph.
    pub fn size(&self) -> Vec2 {
        self.size
    }

    fn line_rect(&self, line: usize, x0: f32, x1: f32) -> Rect {
        let top = self.tops.get(line).copied().unwrap_or(0.0);
        Rect::from_min_max(pos2(x0, top), pos2(x1, top + self.height))
    }

    /// Rectangles covering local chars `[a, b)`: one per piece they touch.
    pub fn range_rects(&self, a: usize, b: usize, out: &mut Vec<Rect>) {
        for piece in &self.pieces {
            let s = a.max(piece.chars.start);
            let e = b.min(piece.chars.end);
            if s >= e {
                continue;
            }
            let edges = piece
                .edges
                .get(s - piece.chars.start..e - piece.chars.start)
                .unwrap_or(&[]);
            let x0 = edges.iter().map(|e| e.0).fold(f32::INFINITY, f32::min);
            let x1 = edges.iter().map(|e| e.1).fold(f32::NEG_INFINITY, f32::max);
            if x0.is_finite() && x1.is_finite() {
                out.push(self.line_rect(piece.line, piece.x + x0, piece.x + x1));
            }
        }
    }

    /// The line under a height.
    fn line_at(&self, y: f32) -> usize {
        self.tops.partition_point(|&top| top <= y).saturating_sub(1)
    }

    /// The caret position nearest a point: the side of the char under it that the point is
    /// on, in the char's direction.
    pub fn caret_at(&self, pos: Vec2) -> usize {
        let line = self.line_at(pos.y);
        let mut best: Option<(f32, usize)> = None;
        for piece in self.pieces.iter().filter(|p| p.line == line) {
            for (k, (l, r)) in piece.edges.iter().enumerate() {
                let (l, r) = (piece.x + l, piece.x + r);
                if r <= l {
                    continue; // Drawn by its cluster's first char.
                }
                let distance = if pos.x < l {
                    l - pos.x
                } else if pos.x > r {
                    pos.x - r
                } else {
                    0.0
                };
                let before_middle = pos.x < (l + r) / 2.0;
                let char_index = piece.chars.start + k;
                // Left half of a left-to-right char: before it; of a right-to-left one: after.
                let caret = if before_middle != piece.rtl {
                    char_index
                } else {
                    char_index + 1
                };
                if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, caret));
                }
            }
        }
        best.map_or(0, |(_, caret)| caret)
    }

    /// The caret's rectangle before local char `i` (after the last char at the end).
    pub fn caret_rect(&self, i: usize) -> Rect {
        let edge = |index: usize, after: bool| {
            self.pieces.iter().find_map(|p| {
                let (l, r) = *p.edges.get(index.checked_sub(p.chars.start)?)?;
                // The leading edge of a char: left in left-to-right text, right in
                // right-to-left; the trailing edge the other.
                let x = if after == p.rtl { p.x + l } else { p.x + r };
                Some(self.line_rect(p.line, x, x))
            })
        };
        edge(i, false)
            .or_else(|| i.checked_sub(1).and_then(|last| edge(last, true)))
            .unwrap_or_else(|| self.line_rect(0, 0.0, 0.0))
    }

    /// Paints the pieces with the paragraph's top left at `pos`.
    pub fn paint(&self, painter: &egui::Painter, pos: Pos2, color: Color32) {
        for piece in &self.pieces {
            let top = self.tops.get(piece.line).copied().unwrap_or(0.0);
            painter.galley(pos + vec2(piece.x, top), Arc::clone(&piece.galley), color);
        }
    }

    /// The most chars on one line.
    pub fn widest_row_chars(&self) -> usize {
        let mut per_line = vec![0usize; self.tops.len()];
        for piece in &self.pieces {
            if let Some(n) = per_line.get_mut(piece.line) {
                *n += piece.chars.len();
            }
        }
        per_line.into_iter().max().unwrap_or(0)
    }
}

/// The paragraph's atoms, in logical order: word bounds, cut where the level changes.
fn atoms(text: &str, levels: &[unicode_bidi::Level]) -> Vec<Atom> {
    let mut out = Vec::new();
    let mut char_pos = 0usize;
    let level_at = |byte: usize| levels.get(byte).map_or(0, unicode_bidi::Level::number);
    for (byte, word) in text.split_word_bound_indices() {
        let mut start_byte = byte;
        let mut start_char = char_pos;
        let mut level = level_at(byte);
        for (offset, _) in word.char_indices() {
            let here = byte + offset;
            let l = level_at(here);
            if l != level {
                push_atom(&mut out, text, start_byte..here, start_char..char_pos);
                start_byte = here;
                start_char = char_pos;
                level = l;
            }
            char_pos += 1;
        }
        push_atom(
            &mut out,
            text,
            start_byte..byte + word.len(),
            start_char..char_pos,
        );
    }
    out
}

fn push_atom(out: &mut Vec<Atom>, text: &str, bytes: Range<usize>, chars: Range<usize>) {
    if bytes.is_empty() {
        return;
    }
    let space = text
        .get(bytes.clone())
        .is_some_and(|s| s.chars().all(char::is_whitespace));
    out.push(Atom {
        bytes,
        chars,
        space,
    });
}

/// Lines as ranges of atoms: a line breaks after a space, before the word that would pass
/// `wrap`; a word wider than the line gets a line of its own.
fn break_lines(atoms: &[Atom], shaped: &[(Arc<Galley>, f32)], wrap: f32) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    let mut width = 0.0f32;
    for (i, (atom, (_, w))) in atoms.iter().zip(shaped).enumerate() {
        let after_space = i > start && atoms.get(i - 1).is_some_and(|a| a.space);
        if !atom.space && after_space && width + w > wrap {
            lines.push(start..i);
            start = i;
            width = 0.0;
        }
        width += w;
    }
    if start < atoms.len() {
        lines.push(start..atoms.len());
    }
    lines
}

/// Rule L2: the display order of a line's atoms, given their levels: from the highest level
/// down to the lowest odd one, every run at that level or higher is reversed.
pub fn visual_order(levels: &[u8]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    let Some(&highest) = levels.iter().max() else {
        return order;
    };
    let Some(lowest_odd) = levels.iter().copied().filter(|l| l % 2 == 1).min() else {
        return order;
    };
    for level in (lowest_odd..=highest).rev() {
        let at = |order: &[usize], p: usize| {
            levels
                .get(order.get(p).copied().unwrap_or(0))
                .copied()
                .unwrap_or(0)
        };
        let mut p = 0;
        while p < order.len() {
            if at(&order, p) >= level {
                let run_start = p;
                while p < order.len() && at(&order, p) >= level {
                    p += 1;
                }
                order[run_start..p].reverse();
            } else {
                p += 1;
            }
        }
    }
    order
}

/// Left and right edge of each char of a one-row galley (relative to the galley), and whether
/// the chars run right to left on screen.
pub fn char_edges(chars: &[char], galley: &Galley) -> (Vec<(f32, f32)>, bool) {
    let glyphs: Vec<(char, f32, f32)> = galley
        .rows
        .iter()
        .flat_map(|row| {
            row.row
                .glyphs
                .iter()
                .map(move |g| (g.chr, row.pos.x + g.pos.x, g.advance_width))
        })
        .collect();
    let n = chars.len();
    // Glyphs in order, one per char: egui's left-to-right invariant holds.
    if glyphs.len() == n && glyphs.iter().zip(chars).all(|(g, c)| g.0 == *c) {
        return (glyphs.iter().map(|g| (g.1, g.1 + g.2)).collect(), false);
    }
    let shaped = strip_continuations(chars, &glyphs);
    let boundaries = cluster_starts(chars);
    let forward = align(chars, &boundaries, shaped.iter());
    let backward = align(chars, &boundaries, shaped.iter().rev());
    let (clusters, rtl) = if backward.1 > forward.1 {
        (backward.0, true)
    } else {
        (forward.0, false)
    };
    if clusters.is_empty() {
        // Nothing matched: spread the width evenly, so that every char still has a place.
        let width = galley.size().x;
        let step = width / n.max(1) as f32;
        let edges = (0..n)
            .map(|k| (k as f32 * step, (k + 1) as f32 * step))
            .collect();
        return (edges, false);
    }
    let mut edges = vec![(0.0, 0.0); n];
    for (c, &(start, x0, x1)) in clusters.iter().enumerate() {
        let end = clusters.get(c + 1).map_or(n, |next| next.0);
        let k = end.saturating_sub(start).max(1) as f32;
        let step = (x1 - x0) / k;
        for (m, edge) in edges.iter_mut().enumerate().take(end).skip(start) {
            let m = (m - start) as f32;
            // A ligature's width shared by its chars, the first one first in reading order.
            *edge = if rtl {
                (x1 - (m + 1.0) * step, x1 - m * step)
            } else {
                (x0 + m * step, x0 + (m + 1.0) * step)
            };
        }
    }
    (edges, rtl)
}

/// The shaped glyphs, without the zero-width continuation glyphs egui appends after a
/// right-to-left run for the chars of its first cluster beyond the first.
fn strip_continuations(chars: &[char], glyphs: &[(char, f32, f32)]) -> Vec<(char, f32, f32)> {
    let n = chars.len();
    for c in 1..=n {
        let tail = n - c;
        let Some(kept) = glyphs.len().checked_sub(tail) else {
            continue;
        };
        if kept == 0 {
            continue;
        }
        let (Some(glyph_tail), Some(char_tail)) = (glyphs.get(kept..), chars.get(c..)) else {
            continue;
        };
        if glyph_tail
            .iter()
            .zip(char_tail)
            .all(|(g, ch)| g.0 == *ch && g.2 == 0.0)
        {
            return glyphs.get(..kept).unwrap_or(glyphs).to_vec();
        }
    }
    glyphs.to_vec()
}

/// Where grapheme clusters start (a shaper's cluster never splits one).
fn cluster_starts(chars: &[char]) -> Vec<bool> {
    let text: String = chars.iter().collect();
    let mut starts = vec![false; chars.len()];
    let mut at = 0usize;
    for g in text.graphemes(true) {
        if let Some(s) = starts.get_mut(at) {
            *s = true;
        }
        at += g.chars().count();
    }
    starts
}

/// Groups glyphs (in the order given) into clusters of chars: a glyph starts a new cluster at
/// the nearest char ahead that it names; a zero-width glyph naming its cluster's first char
/// is a mark on it. Returns (first char, left, right) per cluster and how many glyphs found
/// the char they name.
fn align<'a>(
    chars: &[char],
    starts: &[bool],
    glyphs: impl Iterator<Item = &'a (char, f32, f32)>,
) -> (Vec<(usize, f32, f32)>, usize) {
    /// How many grapheme clusters ahead a ligature may reach.
    const REACH: usize = 4;
    let mut clusters: Vec<(usize, f32, f32)> = Vec::new();
    let mut matched = 0usize;
    for &(chr, x, advance) in glyphs {
        let (x0, x1) = (x, x + advance);
        let Some(last) = clusters.last_mut() else {
            if chars.first() == Some(&chr) {
                matched += 1;
            }
            clusters.push((0, x0, x1));
            continue;
        };
        let mark = advance == 0.0 && chars.get(last.0) == Some(&chr);
        let next = if mark {
            None
        } else {
            (last.0 + 1..chars.len())
                .filter(|&j| starts.get(j).copied().unwrap_or(false))
                .take(REACH)
                .find(|&j| chars.get(j) == Some(&chr))
        };
        match next {
            Some(j) => {
                matched += 1;
                clusters.push((j, x0, x1));
            }
            None if advance > 0.0 => {
                last.1 = last.1.min(x0);
                last.2 = last.2.max(x1);
            }
            None => {}
        }
    }
    (clusters, matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_l2_reverses_runs_from_the_highest_level_down() {
        assert_eq!(visual_order(&[0, 0, 0]), [0, 1, 2]);
        assert_eq!(visual_order(&[1, 1, 1]), [2, 1, 0]);
        // Latin, then Arabic words and the space between them, then Latin.
        assert_eq!(visual_order(&[0, 1, 1, 1, 0]), [0, 3, 2, 1, 4]);
        // A number (level 2) inside right-to-left text keeps its order.
        assert_eq!(visual_order(&[1, 1, 2, 2, 1]), [4, 2, 3, 1, 0]);
    }

    #[test]
    fn atoms_are_words_and_spaces_cut_at_level_changes() {
        let text = "abc مرحبا def";
        let info = unicode_bidi::ParagraphBidiInfo::new(text, None);
        let atoms = atoms(text, &info.levels);
        let pieces: Vec<(&str, bool)> = atoms
            .iter()
            .map(|a| (&text[a.bytes.clone()], a.space))
            .collect();
        assert_eq!(
            pieces,
            [
                ("abc", false),
                (" ", true),
                ("مرحبا", false),
                (" ", true),
                ("def", false)
            ]
        );
        let chars: Vec<Range<usize>> = atoms.iter().map(|a| a.chars.clone()).collect();
        assert_eq!(chars, [0..3, 3..4, 4..9, 9..10, 10..13]);
    }

    /// Glyphs as egui 0.37 emits them for "مرحبا" (DejaVu Sans, 16 pt): visual order, then
    /// the continuation glyphs of the run.
    fn marhaba() -> (Vec<char>, Vec<(char, f32, f32)>) {
        let chars: Vec<char> = "مرحبا".chars().collect();
        let glyphs = vec![
            ('ا', 0.0, 4.9),
            ('ب', 5.0, 4.8),
            ('ح', 10.0, 9.9),
            ('ر', 20.0, 8.8),
            ('م', 29.0, 8.6),
            ('ر', 37.6, 0.0),
            ('ح', 37.6, 0.0),
            ('ب', 37.6, 0.0),
            ('ا', 37.6, 0.0),
        ];
        (chars, glyphs)
    }

    #[test]
    fn a_right_to_left_run_maps_each_glyph_to_its_char() {
        let (chars, glyphs) = marhaba();
        let shaped = strip_continuations(&chars, &glyphs);
        assert_eq!(shaped.len(), 5);
        let starts = cluster_starts(&chars);
        let (clusters, matched) = align(&chars, &starts, shaped.iter().rev());
        assert_eq!(matched, 5);
        let firsts: Vec<usize> = clusters.iter().map(|c| c.0).collect();
        assert_eq!(firsts, [0, 1, 2, 3, 4]);
        // م, the first char, is the rightmost glyph.
        assert_eq!(clusters[0].1, 29.0);
        let (_, forward_matched) = align(&chars, &starts, shaped.iter());
        assert!(forward_matched < matched);
    }

    #[test]
    fn marks_and_ligatures_keep_their_cluster() {
        // "السّلام": the shadda is a zero-width glyph naming its base, before it.
        let chars: Vec<char> = "السّلام".chars().collect();
        let glyphs = [
            ('م', 26.0, 9.9),
            ('ل', 36.0, 9.5), // lam-alef ligature: one glyph for ل and ا
            ('س', 47.0, 0.0), // the shadda, on its base
            ('س', 46.0, 14.3),
            ('ل', 60.0, 4.9),
            ('ا', 65.0, 4.4),
        ];
        let starts = cluster_starts(&chars);
        let (clusters, _) = align(&chars, &starts, glyphs.iter().rev());
        let firsts: Vec<usize> = clusters.iter().map(|c| c.0).collect();
        // ا, ل, سّ (two chars), لا (ligature, two chars), م.
        assert_eq!(firsts, [0, 1, 2, 4, 6]);
    }
}
