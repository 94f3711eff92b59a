//! A paragraph laid out, and the two ways between what is on screen and the text: the
//! rectangles that cover a range of chars (to paint highlights and the selection) and the
//! caret position under a point (to select with the mouse).
//!
//! ## Implementation notes
//!
//! egui shapes each run of one font with harfrust and keeps one glyph per char, in logical
//! order, so that a glyph's index is its char's index: true for left-to-right text, which
//! is laid out as one galley ([`ParaLayout::Plain`]). A right-to-left run (Arabic, Hebrew)
//! comes out of the shaper in visual order, with the chars that got no glyph of their own
//! appended after it, and egui places runs side by side in logical order without reordering
//! them (no bidi algorithm). A paragraph with right-to-left text (or whose galley has not one
//! glyph per char) is therefore laid out by [`super::bidi`]: the Unicode bidi algorithm
//! gives each char a level, words are laid out one galley each and broken into lines, each
//! line is reordered (rule L2), and each glyph is mapped back to the chars it shows from the
//! char each glyph names. Only such paragraphs pay for it.

use std::sync::Arc;

use egui::text::{CCursor, LayoutJob, TextFormat};
use egui::{Color32, FontId, Galley, Pos2, Rect, Vec2, pos2};

use super::bidi::BidiLayout;

/// Line height for a font size: generous, to leave room for underline lanes.
pub fn line_height(font_size: f32) -> f32 {
    font_size * 1.9
}

/// The text format of the article at a font size.
pub fn format(font_size: f32, color: Color32) -> TextFormat {
    TextFormat {
        font_id: FontId::proportional(font_size),
        color,
        line_height: Some(line_height(font_size)),
        ..TextFormat::default()
    }
}

/// Whether a char is written right to left (bidi classes R and AL).
pub fn is_rtl(c: char) -> bool {
    matches!(
        unicode_bidi::bidi_class(c),
        unicode_bidi::BidiClass::R | unicode_bidi::BidiClass::AL
    )
}

/// A paragraph laid out at a width.
#[derive(Debug)]
pub enum ParaLayout {
    /// One egui galley whose glyphs are its chars, in order.
    Plain(Arc<Galley>),
    /// Right-to-left or mixed text, placed by the bidi algorithm.
    Bidi(BidiLayout),
}

impl ParaLayout {
    /// Lays out a paragraph's text.
    pub fn new(
        fonts: &mut egui::epaint::FontsView<'_>,
        text: &str,
        font_size: f32,
        wrap: f32,
        color: Color32,
    ) -> Self {
        if !text.chars().any(is_rtl) {
            let mut job = LayoutJob::single_section(text.to_owned(), format(font_size, color));
            job.wrap.max_width = wrap;
            let galley = fonts.layout_job(job);
            let glyphs: usize = galley.rows.iter().map(|r| r.row.glyphs.len()).sum();
            if glyphs == text.chars().count() {
                return Self::Plain(galley);
            }
        }
        Self::Bidi(BidiLayout::new(fonts, text, font_size, wrap, color))
    }

    /// The size of the laid-out paragraph.
    pub fn size(&self) -> Vec2 {
        match self {
            Self::Plain(galley) => galley.size(),
            Self::Bidi(bidi) => bidi.size(),
        }
    }

    /// Rectangles (relative to the paragraph's top left) covering local chars `[a, b)`, one
    /// per row (per direction run in mixed text).
    pub fn range_rects(&self, a: usize, b: usize, out: &mut Vec<Rect>) {
        out.clear();
        match self {
            Self::Plain(galley) => plain_range_rects(galley, a, b, out),
            Self::Bidi(bidi) => bidi.range_rects(a, b, out),
        }
    }

    /// The caret position (a local char boundary) nearest a point relative to the
    /// paragraph's top left.
    pub fn caret_at(&self, pos: Vec2) -> usize {
        match self {
            Self::Plain(galley) => galley.cursor_from_pos(pos).index.into(),
            Self::Bidi(bidi) => bidi.caret_at(pos),
        }
    }

    /// The caret's rectangle (zero width) before local char `i` (after the last one at the
    /// end), relative to the paragraph's top left.
    pub fn caret_rect(&self, i: usize) -> Rect {
        match self {
            Self::Plain(galley) => galley.pos_from_cursor(CCursor::new(i)),
            Self::Bidi(bidi) => bidi.caret_rect(i),
        }
    }

    /// Paints the text with its top left at `pos`.
    pub fn paint(&self, painter: &egui::Painter, pos: Pos2, color: Color32) {
        match self {
            Self::Plain(galley) => painter.galley(pos, Arc::clone(galley), color),
            Self::Bidi(bidi) => bidi.paint(painter, pos, color),
        }
    }

    /// The most chars on one row (for checks that a column is wide enough to read).
    pub fn widest_row_chars(&self) -> usize {
        match self {
            Self::Plain(galley) => galley
                .rows
                .iter()
                .map(|r| r.row.glyphs.len())
                .max()
                .unwrap_or(0),
            Self::Bidi(bidi) => bidi.widest_row_chars(),
        }
    }
}

/// Rectangles covering local chars `[a, b)` of a galley whose glyphs are its chars.
fn plain_range_rects(galley: &Galley, a: usize, b: usize, out: &mut Vec<Rect>) {
    let mut row_start = 0usize;
    for row in &galley.rows {
        let glyphs = &row.row.glyphs;
        let row_end = row_start + glyphs.len();
        let s = a.max(row_start);
        let e = b.min(row_end);
        if s < e {
            let x0 = glyphs
                .get(s - row_start)
                .map_or(row.rect().max.x, |g| g.pos.x + row.pos.x);
            let x1 = glyphs
                .get(e - row_start - 1)
                .map_or(row.rect().max.x, |g| g.pos.x + g.advance_width + row.pos.x);
            let r = row.rect();
            out.push(Rect::from_min_max(pos2(x0, r.min.y), pos2(x1, r.max.y)));
        }
        row_start = row_end + usize::from(row.ends_with_newline);
    }
}
