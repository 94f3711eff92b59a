//! Painting under and over a paragraph's text: search hits, annotation fills and underline
//! lanes, colleagues' dotted lines above the text, the proposal's cue, the selection and the
//! caret.

use egui::{Pos2, Rect, Stroke, pos2, vec2};

use super::layout::ParaLayout;
use super::{ArticleView, Overlay};
use crate::model::CharOffset;
use crate::ui::selected::Selected;
use crate::ui::span_index::assign_lanes;
use crate::ui::theme::Theme;

/// A dashed horizontal line.
fn dashed(painter: &egui::Painter, x0: f32, x1: f32, y: f32, dash: f32, gap: f32, stroke: Stroke) {
    let mut x = x0;
    while x < x1 {
        let end = (x + dash).min(x1);
        painter.line_segment([pos2(x, y), pos2(end, y)], stroke);
        x = end + gap;
    }
}

/// A dashed outline around a rectangle.
fn dashed_rect(painter: &egui::Painter, r: Rect, dash: f32, gap: f32, stroke: Stroke) {
    dashed(painter, r.min.x, r.max.x, r.min.y, dash, gap, stroke);
    dashed(painter, r.min.x, r.max.x, r.max.y, dash, gap, stroke);
    for x in [r.min.x, r.max.x] {
        let mut y = r.min.y;
        while y < r.max.y {
            let end = (y + dash).min(r.max.y);
            painter.line_segment([pos2(x, y), pos2(x, end)], stroke);
            y = end + gap;
        }
    }
}

impl ArticleView {
    /// Open suggestions of paragraph `i`: a dashed outline in the label's colour around the
    /// words, unlike an annotation's fill and underline; the one at the caret also filled
    /// faintly, as what the accept and reject keys act on. Only those in the paragraph are
    /// looked at (a binary search).
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; a struct would only rename them"
    )]
    fn paint_suggestions(
        &self,
        painter: &egui::Painter,
        i: usize,
        pos: Pos2,
        layout: &ParaLayout,
        font_size: f32,
        theme: &Theme,
        overlay: &Overlay<'_>,
    ) {
        let Some(suggestions) = overlay.suggestions else {
            return;
        };
        let p = self.para(i);
        let head = self.selection.head;
        let mut rects: Vec<Rect> = Vec::new();
        for s in suggestions.in_range(CharOffset(p.start), CharOffset(p.end)) {
            let color = overlay.schema.label(&s.label).map(|l| l.color);
            let line = color.map_or_else(|| theme.muted(), Theme::label_line);
            let a = (s.start.0.max(p.start) - p.start) as usize;
            let b = (s.end.0.min(p.end) - p.start) as usize;
            layout.range_rects(a, b, &mut rects);
            let at_caret = s.start <= head && head <= s.end;
            for r in &rects {
                let r = r.translate(pos.to_vec2());
                let boxed = Rect::from_min_max(
                    r.min + vec2(0.0, font_size * 0.12),
                    pos2(r.max.x, r.max.y - font_size * 0.38),
                );
                if at_caret && let Some(c) = color {
                    painter.rect_filled(boxed, 0.0, theme.label_fill(c, false));
                }
                dashed_rect(
                    painter,
                    boxed,
                    font_size * 0.25,
                    font_size * 0.15,
                    Stroke::new(if at_caret { 2.0 } else { 1.2 }, line),
                );
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; a struct would only rename them"
    )]
    pub(super) fn paint_highlights(
        &mut self,
        painter: &egui::Painter,
        i: usize,
        pos: Pos2,
        layout: &ParaLayout,
        font_size: f32,
        theme: &Theme,
        overlay: &Overlay<'_>,
    ) {
        let p = self.para(i);
        let mut rects: Vec<Rect> = Vec::new();
        let local = |s: u32, e: u32| {
            (
                (s.max(p.start) - p.start) as usize,
                (e.min(p.end) - p.start) as usize,
            )
        };
        let range = |a: usize, b: usize, rects: &mut Vec<Rect>| {
            layout.range_rects(a, b, rects);
            for r in rects.iter_mut() {
                *r = r.translate(pos.to_vec2());
            }
        };
        // Search hits first, under everything.
        let first_hit = overlay.hits.partition_point(|h| h.1.0 <= p.start);
        for (k, hit) in overlay.hits.iter().enumerate().skip(first_hit) {
            if hit.0.0 >= p.end {
                break;
            }
            let (a, b) = local(hit.0.0, hit.1.0);
            range(a, b, &mut rects);
            let fill = theme.hit_fill(overlay.current_hit == Some(k));
            for r in &rects {
                painter.rect_filled(*r, 0.0, fill);
            }
        }
        // The annotator's own annotations: fills and underline lanes.
        let selected_own = Self::selected_own(overlay);
        let mut frags = std::mem::take(&mut self.scratch);
        overlay.index.query(p.start, p.end, &mut frags);
        let lanes = assign_lanes(&frags);
        let lane_gap = (font_size * 0.16).max(2.0);
        for (f, lane) in frags.iter().zip(&lanes) {
            let Some(label) = overlay.schema.labels.get(usize::from(f.label)) else {
                continue;
            };
            let selected = selected_own.is_some()
                && overlay
                    .index
                    .annotation(f)
                    .is_some_and(|a| Some(&a.id) == selected_own);
            let (a, b) = local(f.start, f.end);
            range(a, b, &mut rects);
            let fill = theme.label_fill(label.color, selected);
            let line = Theme::label_line(label.color);
            for r in &rects {
                let text_rect = Rect::from_min_max(
                    r.min + vec2(0.0, font_size * 0.2),
                    pos2(r.max.x, r.max.y - font_size * 0.45),
                );
                painter.rect_filled(text_rect, 0.0, fill);
                let y = r.max.y - font_size * 0.42 + f32::from(*lane) * lane_gap;
                painter.line_segment(
                    [pos2(r.min.x, y), pos2(r.max.x, y)],
                    Stroke::new(if selected { lane_gap } else { lane_gap * 0.7 }, line),
                );
            }
        }
        // Colleagues' annotations: dotted lines above the text, one height per colleague.
        for (c, layer) in overlay.colleagues.iter().enumerate() {
            layer.index.query(p.start, p.end, &mut frags);
            let offset = font_size * (0.17 - 0.08 * (c % 3) as f32);
            for f in &frags {
                let Some(label) = overlay.schema.labels.get(usize::from(f.label)) else {
                    continue;
                };
                let selected = match overlay.selected {
                    Some(Selected::Colleague { annotator, id }) => {
                        annotator == layer.annotator
                            && layer.index.annotation(f).is_some_and(|a| &a.id == id)
                    }
                    _ => false,
                };
                let (a, b) = local(f.start, f.end);
                range(a, b, &mut rects);
                let stroke =
                    Stroke::new((font_size * 0.12).max(2.0), Theme::label_line(label.color));
                for r in &rects {
                    if selected {
                        let text_rect = Rect::from_min_max(
                            r.min + vec2(0.0, font_size * 0.2),
                            pos2(r.max.x, r.max.y - font_size * 0.45),
                        );
                        painter.rect_filled(text_rect, 0.0, theme.label_fill(label.color, true));
                    }
                    let y = r.min.y + offset;
                    dashed(
                        painter,
                        r.min.x + 1.0,
                        r.max.x - 1.0,
                        y,
                        font_size * 0.2,
                        font_size * 0.12,
                        stroke,
                    );
                }
            }
        }
        self.scratch = frags;
        self.paint_suggestions(painter, i, pos, layout, font_size, theme, overlay);
        // The words a certainty was proposed from: a dashed line below the label lanes,
        // unlike any label's underline.
        let stroke = Stroke::new((font_size * 0.13).max(2.0), theme.cue());
        for cue in overlay.cue {
            if cue.0.0 >= p.end || cue.1.0 <= p.start {
                continue;
            }
            let (a, b) = local(cue.0.0, cue.1.0);
            range(a, b, &mut rects);
            for r in &rects {
                let y = r.max.y - font_size * 0.02;
                dashed(
                    painter,
                    r.min.x,
                    r.max.x,
                    y,
                    font_size * 0.35,
                    font_size * 0.2,
                    stroke,
                );
            }
        }
        // The selection on top.
        let (s, e) = self.selection.range();
        if s.0 < p.end && e.0 > p.start && !self.selection.is_empty() {
            let (a, b) = local(s.0, e.0);
            range(a, b, &mut rects);
            for r in &rects {
                painter.rect_filled(*r, 0.0, theme.selection_fill());
            }
        }
        let head = self.selection.head.0;
        if head >= p.start && head <= p.end {
            let r = layout
                .caret_rect((head - p.start) as usize)
                .translate(pos.to_vec2());
            painter.line_segment(
                [
                    pos2(r.center().x, r.min.y + font_size * 0.2),
                    pos2(r.center().x, r.max.y - font_size * 0.35),
                ],
                Stroke::new(1.5, theme.caret()),
            );
        }
    }
}
