//! The article view: the stored text with its annotations, virtualised per paragraph.
//!
//! Only visible paragraphs are laid out and painted; heights start as estimates and are
//! corrected as paragraphs are laid out. The selection is the view's own (anchor and head in
//! document chars), because egui's label selection drops a selection whose end scrolls out of
//! view. Highlights are painted under the text: a translucent fill per annotation plus one
//! underline lane per nesting depth, so overlapping and nested spans stay visible and clickable.

use std::collections::HashMap;
use std::sync::Arc;

use egui::text::{CCursor, LayoutJob, TextFormat};
use egui::{Color32, FontId, Galley, Pos2, Rect, Sense, Stroke, pos2, vec2};
use unicode_segmentation::UnicodeSegmentation as _;

use super::span_index::{FragRef, SpanIndex, assign_lanes};
use crate::model::{Annotation, AnnotationId, CharOffset, DocText, Schema};

/// A line of the text: the unit of layout.
#[derive(Clone, Copy, Debug)]
struct Para {
    /// First char.
    start: u32,
    /// End char (excluding the newline).
    end: u32,
    /// Byte range of the line in the text.
    byte_start: u32,
    byte_end: u32,
}

/// Lines longer than this are cut into several layout blocks at a space, so that one huge
/// paragraph (a PDF extraction without newlines) never needs laying out whole.
const MAX_BLOCK_BYTES: usize = 8 * 1024;

fn split_paragraphs(text: &DocText) -> Vec<Para> {
    let s = text.as_str();
    let mut paras = Vec::with_capacity(s.len() / 200 + 1);
    let mut char_pos = 0u32;
    let mut byte_pos = 0usize;
    for line in s.split('\n') {
        let mut rest = line;
        loop {
            let cut = if rest.len() > MAX_BLOCK_BYTES {
                let mut at = MAX_BLOCK_BYTES;
                while !rest.is_char_boundary(at) {
                    at -= 1;
                }
                rest[..at].rfind(' ').map_or(at, |i| i + 1)
            } else {
                rest.len()
            };
            let (block, tail) = rest.split_at(cut);
            let chars = block.chars().count() as u32;
            paras.push(Para {
                start: char_pos,
                end: char_pos + chars,
                byte_start: byte_pos as u32,
                byte_end: (byte_pos + block.len()) as u32,
            });
            char_pos += chars;
            byte_pos += block.len();
            if tail.is_empty() {
                break;
            }
            rest = tail;
        }
        // The newline.
        char_pos += 1;
        byte_pos += 1;
    }
    paras
}

/// The view's selection, in document chars. `anchor == head` is a caret.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Where the selection started.
    pub anchor: CharOffset,
    /// Where it ends (the caret).
    pub head: CharOffset,
}

impl Selection {
    /// The selected range, ordered.
    pub fn range(self) -> (CharOffset, CharOffset) {
        if self.anchor <= self.head {
            (self.anchor, self.head)
        } else {
            (self.head, self.anchor)
        }
    }

    /// Whether nothing is selected.
    pub fn is_empty(self) -> bool {
        self.anchor == self.head
    }
}

/// What the view's owner should know after a frame.
#[derive(Debug, Default)]
pub struct ViewOutput {
    /// An annotation was clicked.
    pub clicked: Option<AnnotationId>,
    /// The click landed on no annotation.
    pub clicked_empty: bool,
    /// A selection was completed with the mouse.
    pub selection_finished: bool,
}

/// Everything the view paints besides the text, for one frame.
pub struct Overlay<'a> {
    /// The annotations shown.
    pub annotations: &'a [Arc<Annotation>],
    /// Their index (rebuilt when they change).
    pub index: &'a SpanIndex,
    /// The schema, for colours.
    pub schema: &'a Schema,
    /// The selected annotation.
    pub selected: Option<&'a AnnotationId>,
    /// Search hits, sorted.
    pub hits: &'a [(CharOffset, CharOffset)],
    /// The current search hit.
    pub current_hit: Option<usize>,
    /// The hedge cue a certainty was proposed from, underlined, sorted.
    pub cue: &'a [(CharOffset, CharOffset)],
}

/// The article view of one document.
pub struct ArticleView {
    /// The document shown.
    pub document: String,
    text: DocText,
    paras: Vec<Para>,
    heights: Vec<f32>,
    measured: Vec<bool>,
    tops: Vec<f32>,
    tops_dirty: bool,
    layout_key: (u32, u32, bool),
    galleys: HashMap<usize, Arc<Galley>>,
    /// The selection.
    pub selection: Selection,
    /// Snap mouse selections to whole words.
    pub snap_to_words: bool,
    dragging: bool,
    scroll_target: Option<CharOffset>,
    /// Screen positions of the paragraphs painted in the last frame, for hit tests.
    visible: Vec<(usize, Pos2, Arc<Galley>)>,
    scratch: Vec<FragRef>,
}

/// Text size in points at zoom 1.
pub const BASE_FONT_SIZE: f32 = 16.0;
/// Comfortable measure: about 70 characters per line.
const MAX_LINE_WIDTH: f32 = 680.0;

impl ArticleView {
    /// A view of a document's text.
    pub fn new(document: impl Into<String>, text: DocText) -> Self {
        let paras = split_paragraphs(&text);
        let n = paras.len();
        Self {
            document: document.into(),
            text,
            paras,
            heights: vec![0.0; n],
            measured: vec![false; n],
            tops: vec![0.0; n + 1],
            tops_dirty: true,
            layout_key: (0, 0, false),
            galleys: HashMap::new(),
            selection: Selection::default(),
            snap_to_words: true,
            dragging: false,
            scroll_target: None,
            visible: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The document's text.
    pub fn text(&self) -> &DocText {
        &self.text
    }

    /// Scrolls so that a char is visible, in the next frame.
    pub fn scroll_to(&mut self, at: CharOffset) {
        self.scroll_target = Some(at);
    }

    /// The screen rectangle of a char, if it was painted in the last frame.
    pub fn char_rect(&self, at: CharOffset) -> Option<Rect> {
        let (i, pos, galley) = self.visible.iter().find(|(i, _, _)| {
            let p = self.paras[*i];
            p.start <= at.0 && at.0 < p.end.max(p.start + 1)
        })?;
        let local = at.0 - self.paras[*i].start;
        Some(
            galley
                .pos_from_cursor(CCursor::new(local as usize))
                .translate(pos.to_vec2()),
        )
    }

    fn para_of(&self, at: u32) -> usize {
        self.paras
            .partition_point(|p| p.end < at)
            .min(self.paras.len().saturating_sub(1))
    }

    fn para_text(&self, i: usize) -> &str {
        let p = self.paras[i];
        self.text
            .as_str()
            .get(p.byte_start as usize..p.byte_end as usize)
            .unwrap_or("")
    }

    fn estimate_height(&self, i: usize, font_size: f32, wrap: f32) -> f32 {
        let p = self.paras[i];
        let chars = (p.end - p.start) as f32;
        if chars == 0.0 {
            return font_size * 0.7;
        }
        let per_row = (wrap / (font_size * 0.5)).max(1.0);
        (chars / per_row).ceil() * line_height(font_size)
    }

    fn update_tops(&mut self) {
        if !self.tops_dirty {
            return;
        }
        let mut y = 0.0;
        for (i, h) in self.heights.iter().enumerate() {
            self.tops[i] = y;
            y += h;
        }
        if let Some(last) = self.tops.last_mut() {
            *last = y;
        }
        self.tops_dirty = false;
    }

    fn galley(
        &mut self,
        ui: &egui::Ui,
        i: usize,
        font_size: f32,
        wrap: f32,
        color: Color32,
    ) -> Arc<Galley> {
        if let Some(g) = self.galleys.get(&i) {
            return Arc::clone(g);
        }
        let mut job = LayoutJob::single_section(
            self.para_text(i).to_owned(),
            TextFormat {
                font_id: FontId::proportional(font_size),
                color,
                line_height: Some(line_height(font_size)),
                ..TextFormat::default()
            },
        );
        job.wrap.max_width = wrap;
        let galley = ui.fonts_mut(|f| f.layout_job(job));
        let h = galley.size().y.max(line_height(font_size));
        if (self.heights[i] - h).abs() > 0.5 {
            self.heights[i] = h;
            self.tops_dirty = true;
        }
        self.measured[i] = true;
        if self.galleys.len() > 512 {
            // A fixed-size cache: forget everything not on screen.
            let keep: std::collections::HashSet<usize> = self.visible.iter().map(|v| v.0).collect();
            self.galleys.retain(|k, _| keep.contains(k));
        }
        self.galleys.insert(i, Arc::clone(&galley));
        galley
    }

    /// Shows the view filling the available space.
    pub fn ui(&mut self, ui: &mut egui::Ui, zoom: f32, overlay: &Overlay<'_>) -> ViewOutput {
        let font_size = BASE_FONT_SIZE * zoom;
        let dark = ui.visuals().dark_mode;
        let text_color = ui.visuals().text_color();
        let margin = 24.0 * zoom;
        let avail = ui.available_width();
        let wrap = (avail - 2.0 * margin - 12.0).clamp(120.0, MAX_LINE_WIDTH * zoom);
        let key = (wrap.to_bits(), font_size.to_bits(), dark);
        if key != self.layout_key {
            self.layout_key = key;
            self.galleys.clear();
            for i in 0..self.paras.len() {
                self.heights[i] = self.estimate_height(i, font_size, wrap);
                self.measured[i] = false;
            }
            self.tops_dirty = true;
        }
        self.update_tops();
        let mut output = ViewOutput::default();
        let scroll = egui::ScrollArea::vertical()
            .id_salt(("article", &self.document))
            .auto_shrink([false, false])
            .show_viewport(ui, |ui, viewport| {
                let total = self.tops.last().copied().unwrap_or(0.0) + 2.0 * margin;
                let x0 = ((avail - wrap) / 2.0).max(margin);
                let (content_rect, response) = ui.allocate_exact_size(
                    vec2(avail.max(wrap + 2.0 * margin), total),
                    Sense::click_and_drag(),
                );
                let origin = content_rect.min + vec2(x0, margin);
                if let Some(target) = self.scroll_target.take() {
                    let i = self.para_of(target.0);
                    let galley = self.galley(ui, i, font_size, wrap, text_color);
                    self.update_tops();
                    let local = target.0.saturating_sub(self.paras[i].start) as usize;
                    let rect = galley
                        .pos_from_cursor(CCursor::new(local))
                        .translate(origin.to_vec2() + vec2(0.0, self.tops[i]));
                    ui.scroll_to_rect(rect.expand(2.0 * font_size), Some(egui::Align::Center));
                }
                self.paint_visible(ui, viewport, origin, font_size, wrap, text_color, overlay);
                self.interact(ui, &response, overlay, &mut output);
            });
        let _ = scroll;
        output
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; a struct would only rename them"
    )]
    fn paint_visible(
        &mut self,
        ui: &mut egui::Ui,
        viewport: Rect,
        origin: Pos2,
        font_size: f32,
        wrap: f32,
        text_color: Color32,
        overlay: &Overlay<'_>,
    ) {
        let top = viewport.min.y - 2.0 * font_size;
        let bottom = viewport.max.y + font_size;
        self.visible.clear();
        let first = self.tops.partition_point(|&t| t < top).saturating_sub(1);
        let painter = ui.painter().clone();
        let mut i = first;
        while i < self.paras.len() && self.tops[i] < bottom {
            let p = self.paras[i];
            if p.end > p.start {
                let galley = self.galley(ui, i, font_size, wrap, text_color);
                let pos = origin + vec2(0.0, self.tops[i]);
                self.paint_highlights(&painter, i, pos, &galley, font_size, overlay);
                painter.galley(pos, Arc::clone(&galley), text_color);
                self.visible.push((i, pos, galley));
            }
            i += 1;
        }
        if self.tops_dirty {
            // Heights were corrected: the next frame places paragraphs where they are.
            self.update_tops();
            ui.ctx().request_repaint();
        }
    }

    /// Rectangles covering local chars `[a, b)` of a galley, one per row.
    fn range_rects(galley: &Galley, pos: Pos2, a: usize, b: usize, out: &mut Vec<Rect>) {
        out.clear();
        let mut row_start = 0usize;
        for row in &galley.rows {
            let n = row.row.glyphs.len();
            let row_end = row_start + n;
            let s = a.max(row_start);
            let e = b.min(row_end);
            if s < e {
                let x0 = row
                    .row
                    .glyphs
                    .get(s - row_start)
                    .map_or(row.rect().max.x, |g| g.pos.x + row.pos.x);
                let x1 = row
                    .row
                    .glyphs
                    .get(e - row_start - 1)
                    .map_or(row.rect().max.x, |g| g.pos.x + g.advance_width + row.pos.x);
                let r = row.rect();
                out.push(
                    Rect::from_min_max(pos2(x0, r.min.y), pos2(x1, r.max.y))
                        .translate(pos.to_vec2()),
                );
            }
            row_start = row_end + usize::from(row.ends_with_newline);
        }
    }

    fn paint_highlights(
        &mut self,
        painter: &egui::Painter,
        i: usize,
        pos: Pos2,
        galley: &Galley,
        font_size: f32,
        overlay: &Overlay<'_>,
    ) {
        let p = self.paras[i];
        let mut rects = Vec::new();
        // Search hits first, under everything.
        let first_hit = overlay.hits.partition_point(|h| h.1.0 <= p.start);
        for (k, hit) in overlay.hits.iter().enumerate().skip(first_hit) {
            if hit.0.0 >= p.end {
                break;
            }
            let a = (hit.0.0.max(p.start) - p.start) as usize;
            let b = (hit.1.0.min(p.end) - p.start) as usize;
            Self::range_rects(galley, pos, a, b, &mut rects);
            let color = if overlay.current_hit == Some(k) {
                Color32::from_rgba_unmultiplied(255, 170, 0, 150)
            } else {
                Color32::from_rgba_unmultiplied(255, 220, 0, 90)
            };
            for r in &rects {
                painter.rect_filled(*r, 0.0, color);
            }
        }
        let mut frags = std::mem::take(&mut self.scratch);
        overlay.index.query(p.start, p.end, &mut frags);
        let lanes = assign_lanes(&frags);
        let lane_gap = (font_size * 0.16).max(2.0);
        for (f, lane) in frags.iter().zip(&lanes) {
            let color =
                overlay
                    .schema
                    .labels
                    .get(usize::from(f.label))
                    .map_or(Color32::GRAY, |l| {
                        let [r, g, b] = l.color.0;
                        Color32::from_rgb(r, g, b)
                    });
            let selected = overlay
                .annotations
                .get(f.annotation as usize)
                .is_some_and(|a| Some(&a.id) == overlay.selected);
            let a = (f.start.max(p.start) - p.start) as usize;
            let b = (f.end.min(p.end) - p.start) as usize;
            Self::range_rects(galley, pos, a, b, &mut rects);
            let fill = color.gamma_multiply(if selected { 0.45 } else { 0.16 });
            for r in &rects {
                let text_rect = Rect::from_min_max(
                    r.min + vec2(0.0, font_size * 0.2),
                    pos2(r.max.x, r.max.y - font_size * 0.45),
                );
                painter.rect_filled(text_rect, 0.0, fill);
                let y = r.max.y - font_size * 0.42 + f32::from(*lane) * lane_gap;
                painter.line_segment(
                    [pos2(r.min.x, y), pos2(r.max.x, y)],
                    Stroke::new(if selected { lane_gap } else { lane_gap * 0.7 }, color),
                );
            }
        }
        self.scratch = frags;
        // The words a certainty was proposed from: a dashed crimson line below the label
        // lanes, unlike any label's underline.
        let stroke = Stroke::new((font_size * 0.13).max(2.0), Color32::from_rgb(200, 20, 60));
        let (dash, gap) = (font_size * 0.35, font_size * 0.2);
        for cue in overlay.cue {
            if cue.0.0 >= p.end || cue.1.0 <= p.start {
                continue;
            }
            let a = (cue.0.0.max(p.start) - p.start) as usize;
            let b = (cue.1.0.min(p.end) - p.start) as usize;
            Self::range_rects(galley, pos, a, b, &mut rects);
            for r in &rects {
                let y = r.max.y - font_size * 0.02;
                let mut x = r.min.x;
                while x < r.max.x {
                    let end = (x + dash).min(r.max.x);
                    painter.line_segment([pos2(x, y), pos2(end, y)], stroke);
                    x = end + gap;
                }
            }
        }
        // The selection on top.
        let (s, e) = self.selection.range();
        if s.0 < p.end && e.0 > p.start && !self.selection.is_empty() {
            let a = (s.0.max(p.start) - p.start) as usize;
            let b = (e.0.min(p.end) - p.start) as usize;
            Self::range_rects(galley, pos, a, b, &mut rects);
            for r in &rects {
                painter.rect_filled(*r, 0.0, Color32::from_rgba_unmultiplied(60, 120, 255, 70));
            }
        }
        let head = self.selection.head.0;
        if head >= p.start && head <= p.end {
            let local = (head - p.start) as usize;
            let r = galley
                .pos_from_cursor(CCursor::new(local))
                .translate(pos.to_vec2());
            painter.line_segment(
                [
                    r.center_top() + vec2(0.0, font_size * 0.2),
                    r.center_bottom() - vec2(0.0, font_size * 0.35),
                ],
                Stroke::new(1.5, Color32::from_rgb(60, 120, 255)),
            );
        }
    }

    /// The document char under a screen position, from the paragraphs painted last frame.
    pub fn char_at(&self, pos: Pos2) -> Option<CharOffset> {
        let (i, origin, galley) = self
            .visible
            .iter()
            .take_while(|(_, o, _)| o.y <= pos.y)
            .last()
            .or_else(|| self.visible.first())?;
        let local = galley.cursor_from_pos(pos - *origin);
        let p = self.paras[*i];
        Some(CharOffset((p.start + local.index.0 as u32).min(p.end)))
    }

    fn annotations_at(&self, at: CharOffset, overlay: &Overlay<'_>) -> Vec<FragRef> {
        let mut out = Vec::new();
        overlay.index.query(at.0, at.0 + 1, &mut out);
        // Innermost (shortest) first.
        out.sort_by_key(|f| f.end - f.start);
        out
    }

    fn interact(
        &mut self,
        ui: &mut egui::Ui,
        response: &egui::Response,
        overlay: &Overlay<'_>,
        output: &mut ViewOutput,
    ) {
        let pointer = response
            .interact_pointer_pos()
            .or_else(|| response.hover_pos());
        let shift = ui.input(|i| i.modifiers.shift);
        if response.double_clicked() {
            if let Some(at) = pointer.and_then(|p| self.char_at(p)) {
                let (s, e) = self.word_at(at);
                self.selection = Selection { anchor: s, head: e };
                output.selection_finished = true;
            }
            return;
        }
        if response.drag_started() {
            // The drag is recognised only after the pointer moved: anchor where it was pressed.
            let origin = ui.input(|i| i.pointer.press_origin()).or(pointer);
            if let (Some(from), Some(to)) = (
                origin.and_then(|p| self.char_at(p)),
                pointer.and_then(|p| self.char_at(p)),
            ) {
                if !shift {
                    self.selection.anchor = from;
                }
                self.selection.head = to;
                self.dragging = true;
            }
        }
        if self.dragging
            && response.dragged()
            && let Some(p) = pointer
        {
            {
                if let Some(at) = self.char_at(p) {
                    self.selection.head = at;
                }
                // Scroll while dragging past the edge.
                let clip = ui.clip_rect();
                if p.y < clip.min.y + 20.0 {
                    ui.scroll_with_delta(vec2(0.0, 12.0));
                } else if p.y > clip.max.y - 20.0 {
                    ui.scroll_with_delta(vec2(0.0, -12.0));
                }
            }
        }
        if self.dragging && response.drag_stopped() {
            self.dragging = false;
            self.finish_selection();
            output.selection_finished = true;
        }
        if response.clicked() {
            let Some(at) = pointer.and_then(|p| self.char_at(p)) else {
                return;
            };
            if shift {
                self.selection.head = at;
                self.finish_selection();
                output.selection_finished = true;
                return;
            }
            let hits = self.annotations_at(at, overlay);
            self.selection = Selection {
                anchor: at,
                head: at,
            };
            match hits.first() {
                Some(f) => {
                    // Clicking again on the selected annotation picks the next one out.
                    let ids: Vec<&AnnotationId> = hits
                        .iter()
                        .filter_map(|f| {
                            overlay
                                .annotations
                                .get(f.annotation as usize)
                                .map(|a| &a.id)
                        })
                        .collect();
                    let next = overlay
                        .selected
                        .and_then(|sel| ids.iter().position(|id| *id == sel))
                        .map_or(0, |k| (k + 1) % ids.len());
                    output.clicked = ids.get(next).map(|id| (*id).clone()).or_else(|| {
                        overlay
                            .annotations
                            .get(f.annotation as usize)
                            .map(|a| a.id.clone())
                    });
                }
                None => output.clicked_empty = true,
            }
        }
        if let Some(p) = response.hover_pos()
            && !self.dragging
            && let Some(at) = self.char_at(p)
        {
            let hits = self.annotations_at(at, overlay);
            if !hits.is_empty() {
                let tip: Vec<String> = hits
                    .iter()
                    .filter_map(|f| overlay.annotations.get(f.annotation as usize))
                    .map(|a| super::describe(a, &self.text))
                    .collect();
                response.clone().on_hover_text_at_pointer(tip.join("\n\n"));
            }
        }
    }

    /// Snaps a finished selection to whole words (unless turned off) and trims spaces.
    pub fn finish_selection(&mut self) {
        let (mut s, mut e) = self.selection.range();
        if s == e {
            return;
        }
        if self.snap_to_words {
            s = self.word_at(s).0;
            let end_word = self.word_at(CharOffset(e.0.saturating_sub(1)));
            if end_word.1 > e {
                e = end_word.1;
            }
        }
        let text = self.text.slice(s, e).unwrap_or("");
        let lead = text.chars().take_while(|c| c.is_whitespace()).count() as u32;
        let trail = text.chars().rev().take_while(|c| c.is_whitespace()).count() as u32;
        if lead + trail >= e.0 - s.0 {
            self.selection = Selection { anchor: s, head: s };
            return;
        }
        let (s, e) = (CharOffset(s.0 + lead), CharOffset(e.0 - trail));
        self.selection = if self.selection.anchor <= self.selection.head {
            Selection { anchor: s, head: e }
        } else {
            Selection { anchor: e, head: s }
        };
    }

    /// The word (or other segment) containing a char, by Unicode word boundaries.
    pub fn word_at(&self, at: CharOffset) -> (CharOffset, CharOffset) {
        let i = self.para_of(at.0);
        let p = self.paras[i];
        let local = at.0.saturating_sub(p.start) as usize;
        let mut chars = 0usize;
        for word in self.para_text(i).split_word_bounds() {
            let n = word.chars().count();
            if local < chars + n {
                return (
                    CharOffset(p.start + chars as u32),
                    CharOffset(p.start + (chars + n) as u32),
                );
            }
            chars += n;
        }
        (at, at)
    }

    /// Moves the caret one step; `extend` keeps the anchor (Shift).
    pub fn move_caret(&mut self, key: egui::Key, word: bool, extend: bool, font_size: f32) {
        let len = self.text.len_chars().0;
        let head = self.selection.head.0;
        let next = match key {
            egui::Key::ArrowRight if word => {
                let mut at = head;
                while at < len
                    && self
                        .text
                        .slice(CharOffset(at), CharOffset(at + 1))
                        .is_some_and(|c| c.chars().all(char::is_whitespace))
                {
                    at += 1;
                }
                self.word_at(CharOffset(at)).1.0.max(at.min(len))
            }
            egui::Key::ArrowLeft if word => {
                let mut at = head.saturating_sub(1);
                while at > 0
                    && self
                        .text
                        .slice(CharOffset(at), CharOffset(at + 1))
                        .is_some_and(|c| c.chars().all(char::is_whitespace))
                {
                    at -= 1;
                }
                self.word_at(CharOffset(at)).0.0
            }
            egui::Key::ArrowRight => {
                let mut at = (head + 1).min(len);
                while at < len && !self.text.is_grapheme_boundary(CharOffset(at)) {
                    at += 1;
                }
                at
            }
            egui::Key::ArrowLeft => {
                let mut at = head.saturating_sub(1);
                while at > 0 && !self.text.is_grapheme_boundary(CharOffset(at)) {
                    at -= 1;
                }
                at
            }
            egui::Key::ArrowDown | egui::Key::ArrowUp => {
                let down = key == egui::Key::ArrowDown;
                let rect = self.char_rect(CharOffset(head));
                let probe = rect.map(|r| {
                    let dy = if down {
                        r.height() + 2.0
                    } else {
                        -2.0 - line_height(font_size) * 0.5
                    };
                    pos2(r.min.x, if down { r.max.y } else { r.min.y } + dy)
                });
                match probe.and_then(|p| self.char_at(p)) {
                    Some(at) if at.0 != head => at.0,
                    _ => {
                        let i = self.para_of(head);
                        if down {
                            self.paras.get(i + 1).map_or(len, |p| p.start)
                        } else if i > 0 {
                            self.paras[i - 1].start
                        } else {
                            0
                        }
                    }
                }
            }
            egui::Key::Home => self.paras[self.para_of(head)].start,
            egui::Key::End => self.paras[self.para_of(head)].end,
            _ => head,
        };
        self.selection.head = CharOffset(next);
        if !extend {
            self.selection.anchor = self.selection.head;
        }
        self.scroll_to(self.selection.head);
    }
}

/// Line height for a font size: generous, to leave room for underline lanes.
pub fn line_height(font_size: f32) -> f32 {
    font_size * 1.9
}

impl std::fmt::Debug for ArticleView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArticleView")
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_cover_the_text_exactly() {
        let text = DocText::new("Putin\n\nLukashenko möter 👍🏽\nslut").unwrap();
        let paras = split_paragraphs(&text);
        let spans: Vec<(u32, u32)> = paras.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(spans, vec![(0, 5), (6, 6), (7, 26), (27, 31)]);
        for p in &paras {
            let s = text.slice(CharOffset(p.start), CharOffset(p.end)).unwrap();
            assert_eq!(
                s,
                &text.as_str()[p.byte_start as usize..p.byte_end as usize]
            );
        }
    }

    #[test]
    fn very_long_lines_are_cut_into_blocks_at_spaces() {
        let long = "ord ".repeat(5000);
        let text = DocText::new(long.as_str()).unwrap();
        let paras = split_paragraphs(&text);
        assert!(paras.len() >= 3);
        assert_eq!(paras.last().unwrap().end, text.len_chars().0);
        for w in paras.windows(2) {
            assert_eq!(w[0].end, w[1].start, "blocks of one line are contiguous");
        }
    }
}
