//! The article view: the stored text with its annotations, virtualised per paragraph.
//!
//! Only visible paragraphs are laid out and painted; heights start as estimates and are
//! corrected as paragraphs are laid out. The selection is the view's own (anchor and head in
//! document chars, see [`caret`]), because egui's label selection drops a selection whose end
//! scrolls out of view. Highlights are painted under the text ([`paint`]): a translucent fill
//! per annotation plus one underline lane per nesting depth, so overlapping and nested spans
//! stay visible and clickable; colleagues' annotations are dotted lines above the text. How a
//! paragraph is laid out, and how screen positions map to chars in right-to-left text, is
//! [`layout`] and [`bidi`].

mod bidi;
mod caret;
pub mod layout;
mod paint;

use std::collections::HashMap;
use std::sync::Arc;

use egui::{Pos2, Rect, Sense, vec2};

use crate::model::paragraphs::Para;
pub use caret::Selection;
use layout::{ParaLayout, line_height};

use super::selected::Selected;
use super::span_index::{FragRef, SpanIndex};
use super::theme::Theme;
use crate::model::{Annotation, AnnotationId, Annotations, CharOffset, DocText, Schema};

/// Text size in points (the whole interface zooms, the article with it).
pub const BASE_FONT_SIZE: f32 = 16.0;
/// Comfortable measure: about 70 characters per line.
const MAX_LINE_WIDTH: f32 = 680.0;
/// Margin around the text.
const MARGIN: f32 = 24.0;

/// The narrowest the article's column may get, in points: about 45 characters of the
/// article's font, with its margins and scroll bar.
pub fn min_column_width() -> f32 {
    45.0 * BASE_FONT_SIZE * 0.5 + 2.0 * MARGIN + 14.0
}

/// A click on the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clicked {
    /// On this annotation (own or a colleague's).
    Annotation(Selected),
    /// On text without annotations.
    Empty,
}

/// What the view's owner should know after a frame.
#[derive(Debug, Default)]
pub struct ViewOutput {
    /// A click on the text.
    pub clicked: Option<Clicked>,
    /// A selection was completed with the mouse.
    pub selection_finished: bool,
}

/// A colleague's annotations, shown read-only beside one's own.
pub struct ColleagueLayer<'a> {
    /// Whose.
    pub annotator: &'a str,
    /// The annotations.
    pub annotations: Annotations<'a>,
    /// Their index.
    pub index: &'a SpanIndex,
}

/// Everything the view paints besides the text, for one frame.
pub struct Overlay<'a> {
    /// The annotator's own annotations.
    pub annotations: Annotations<'a>,
    /// Their index (rebuilt when they change).
    pub index: &'a SpanIndex,
    /// Colleagues' annotations shown beside them.
    pub colleagues: &'a [ColleagueLayer<'a>],
    /// The schema, for colours.
    pub schema: &'a Schema,
    /// The selected annotation.
    pub selected: Option<&'a Selected>,
    /// Search hits, sorted.
    pub hits: &'a [(CharOffset, CharOffset)],
    /// The current search hit.
    pub current_hit: Option<usize>,
    /// The hedge cue a certainty was proposed from, underlined, sorted.
    pub cue: &'a [(CharOffset, CharOffset)],
    /// The document's title, for screen readers.
    pub title: &'a str,
    /// Open suggestions, drawn as dashed outlines (only the visible ones are asked for).
    pub suggestions: Option<&'a crate::suggest::DocumentSuggestions>,
}

/// The article view of one document.
pub struct ArticleView {
    /// The document shown.
    pub document: String,
    text: DocText,
    heights: Vec<f32>,
    tops: Vec<f32>,
    tops_dirty: bool,
    layout_key: (u32, bool),
    layouts: HashMap<usize, Arc<ParaLayout>>,
    /// The selection.
    pub selection: Selection,
    /// Snap mouse selections to whole words.
    pub snap_to_words: bool,
    dragging: bool,
    scroll_target: Option<CharOffset>,
    /// A paragraph to bring to the top of the view in the next frame: the one the reader was
    /// at when a new width re-wrapped the text.
    keep_top: Option<usize>,
    /// Screen positions of the paragraphs painted in the last frame, for hit tests.
    visible: Vec<(usize, Pos2, Arc<ParaLayout>)>,
    /// The view's rectangle in the last frame.
    rect: Rect,
    scratch: Vec<FragRef>,
}

impl ArticleView {
    /// A view of a document's text.
    pub fn new(document: impl Into<String>, text: DocText) -> Self {
        // The paragraphs are the text's, made once per text (see [`DocText::paragraphs`]).
        let n = text.paragraphs().len();
        Self {
            document: document.into(),
            text,
            heights: vec![0.0; n],
            tops: vec![0.0; n + 1],
            tops_dirty: true,
            layout_key: (0, false),
            layouts: HashMap::new(),
            selection: Selection::default(),
            snap_to_words: true,
            dragging: false,
            scroll_target: None,
            keep_top: None,
            visible: Vec::new(),
            rect: Rect::NOTHING,
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

    /// A char before which the next frame is likely to show all it shows: past the end of
    /// what the last frame painted, or of where a scroll is headed, by more than a screen of
    /// text (a new view shows the text's beginning). What a big set's index is built first
    /// for (see [`SpanIndex::first_part`](crate::ui::span_index::SpanIndex::first_part)).
    pub fn likely_shown_before(&self) -> u32 {
        /// More chars than a screen shows.
        const AHEAD: u32 = 1 << 16;
        let painted = self
            .visible
            .last()
            .and_then(|(i, _, _)| self.text.paragraphs().get(*i))
            .map_or(0, |p| p.end);
        let headed = self.scroll_target.map_or(0, |t| t.0);
        painted.max(headed).saturating_add(AHEAD)
    }

    /// Whether the last frame painted some of the text.
    pub fn painted(&self) -> bool {
        !self.visible.is_empty()
    }

    /// The view's rectangle in the last frame.
    pub fn rect(&self) -> Rect {
        self.rect
    }

    /// The most chars on one line among the paragraphs shown in the last frame.
    pub fn widest_line_chars(&self) -> usize {
        self.visible
            .iter()
            .map(|(_, _, l)| l.widest_row_chars())
            .max()
            .unwrap_or(0)
    }

    /// The screen rectangle of a char, if it was painted in the last frame.
    pub fn char_rect(&self, at: CharOffset) -> Option<Rect> {
        let (i, pos, layout) = self.visible.iter().find(|(i, _, _)| {
            self.text
                .paragraphs()
                .get(*i)
                .is_some_and(|p| p.start <= at.0 && at.0 < p.end.max(p.start + 1))
        })?;
        let local = (at.0 - self.text.paragraphs().get(*i)?.start) as usize;
        let mut rects = Vec::new();
        layout.range_rects(local, local + 1, &mut rects);
        let rect = rects
            .first()
            .copied()
            .unwrap_or_else(|| layout.caret_rect(local));
        Some(rect.translate(pos.to_vec2()))
    }

    /// Screen rectangles covering document chars `[start, end)`, among the paragraphs painted
    /// in the last frame: what a highlight of that range covers.
    pub fn range_rects(&self, start: CharOffset, end: CharOffset) -> Vec<Rect> {
        let mut out = Vec::new();
        let mut rects = Vec::new();
        for (i, pos, layout) in &self.visible {
            let Some(p) = self.text.paragraphs().get(*i) else {
                continue;
            };
            if end.0 <= p.start || start.0 >= p.end {
                continue;
            }
            let a = (start.0.max(p.start) - p.start) as usize;
            let b = (end.0.min(p.end) - p.start) as usize;
            layout.range_rects(a, b, &mut rects);
            out.extend(rects.iter().map(|r| r.translate(pos.to_vec2())));
        }
        out
    }

    fn para_of(&self, at: u32) -> usize {
        self.text
            .paragraphs()
            .partition_point(|p| p.end < at)
            .min(self.text.paragraphs().len().saturating_sub(1))
    }

    fn para(&self, i: usize) -> Para {
        self.text.paragraphs().get(i).copied().unwrap_or(Para {
            start: 0,
            end: 0,
            byte_start: 0,
            byte_end: 0,
        })
    }

    fn para_text(&self, i: usize) -> &str {
        let p = self.para(i);
        self.text
            .as_str()
            .get(p.byte_start as usize..p.byte_end as usize)
            .unwrap_or("")
    }

    fn estimate_height(&self, i: usize, font_size: f32, wrap: f32) -> f32 {
        let p = self.para(i);
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
        for (top, h) in self.tops.iter_mut().zip(&self.heights) {
            *top = y;
            y += h;
        }
        if let Some(last) = self.tops.last_mut() {
            *last = y;
        }
        self.tops_dirty = false;
    }

    fn layout(
        &mut self,
        ui: &egui::Ui,
        i: usize,
        font_size: f32,
        wrap: f32,
        color: egui::Color32,
    ) -> Arc<ParaLayout> {
        if let Some(l) = self.layouts.get(&i) {
            return Arc::clone(l);
        }
        let text = self.para_text(i).to_owned();
        let layout = Arc::new(ui.fonts_mut(|f| ParaLayout::new(f, &text, font_size, wrap, color)));
        let h = layout.size().y.max(line_height(font_size));
        if let Some(height) = self.heights.get_mut(i)
            && (*height - h).abs() > 0.5
        {
            *height = h;
            self.tops_dirty = true;
        }
        if self.layouts.len() > 512 {
            // A fixed-size cache: forget everything not on screen.
            let keep: std::collections::HashSet<usize> = self.visible.iter().map(|v| v.0).collect();
            self.layouts.retain(|k, _| keep.contains(k));
        }
        self.layouts.insert(i, Arc::clone(&layout));
        layout
    }

    /// Shows the view filling the available space.
    pub fn ui(&mut self, ui: &mut egui::Ui, overlay: &Overlay<'_>) -> ViewOutput {
        let font_size = BASE_FONT_SIZE;
        let theme = Theme::of(ui);
        let text_color = theme.text;
        // The scroll bar takes its width from the view: the text fits beside it.
        let avail = ui.available_width() - ui.spacing().scroll.allocated_width();
        let wrap = (avail - 2.0 * MARGIN).clamp(120.0, MAX_LINE_WIDTH);
        let key = (wrap.to_bits(), theme.dark);
        if key != self.layout_key {
            // A new width re-wraps every paragraph and moves them all: the reader stays where
            // they were, at the caret if it was on screen, else at the paragraph at the top.
            if self.scroll_target.is_none() && !self.visible.is_empty() {
                let head = self.selection.head.0;
                let on_screen = |i: usize| {
                    let p = self.para(i);
                    p.start <= head && head <= p.end
                };
                if self.visible.iter().any(|(i, _, _)| on_screen(*i)) {
                    self.scroll_target = Some(self.selection.head);
                } else {
                    let top = self.rect.top();
                    self.keep_top = self
                        .visible
                        .iter()
                        .find(|(_, pos, _)| pos.y >= top)
                        .or(self.visible.first())
                        .map(|(i, _, _)| *i);
                }
            }
            self.layout_key = key;
            self.layouts.clear();
            for i in 0..self.text.paragraphs().len() {
                let h = self.estimate_height(i, font_size, wrap);
                if let Some(height) = self.heights.get_mut(i) {
                    *height = h;
                }
            }
            self.tops_dirty = true;
        }
        self.update_tops();
        let mut output = ViewOutput::default();
        let outer = ui.available_rect_before_wrap();
        self.rect = outer;
        egui::ScrollArea::vertical()
            .id_salt(("article", &self.document))
            .auto_shrink([false, false])
            .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
            .show_viewport(ui, |ui, viewport| {
                let total = self.tops.last().copied().unwrap_or(0.0) + 2.0 * MARGIN;
                // No wider than the room beside the scroll bar: wider content would widen
                // the scroll area past its panel, and the bar would be clipped to a sliver.
                let avail = ui.available_width();
                let x0 = ((avail - wrap) / 2.0).max(MARGIN);
                let (content_rect, response) = ui.allocate_exact_size(
                    vec2(avail.max(wrap + 2.0 * MARGIN), total),
                    Sense::click_and_drag(),
                );
                let origin = content_rect.min + vec2(x0, MARGIN);
                if let Some(target) = self.scroll_target.take() {
                    let i = self.para_of(target.0);
                    let layout = self.layout(ui, i, font_size, wrap, text_color);
                    self.update_tops();
                    let local = target.0.saturating_sub(self.para(i).start) as usize;
                    let top = self.tops.get(i).copied().unwrap_or(0.0);
                    let rect = layout
                        .caret_rect(local)
                        .translate(origin.to_vec2() + vec2(0.0, top));
                    ui.scroll_to_rect(rect.expand(2.0 * font_size), Some(egui::Align::Center));
                } else if let Some(i) = self.keep_top.take() {
                    self.layout(ui, i, font_size, wrap, text_color);
                    self.update_tops();
                    let top = self.tops.get(i).copied().unwrap_or(0.0);
                    let rect = Rect::from_min_size(origin + vec2(0.0, top), vec2(wrap, font_size));
                    ui.scroll_to_rect(rect, Some(egui::Align::Min));
                }
                self.paint_visible(ui, viewport, origin, font_size, wrap, &theme, overlay);
                self.describe(ui, &response, overlay.title, wrap);
                self.interact(ui, &response, overlay, &mut output);
            });
        output
    }

    /// The article for screen readers: a document named after its title, whose value is the
    /// text on screen, with each paragraph on screen a text node of its own.
    fn describe(&self, ui: &mut egui::Ui, response: &egui::Response, title: &str, wrap: f32) {
        let shown: String = self
            .visible
            .iter()
            .map(|(i, _, _)| self.para_text(*i))
            .collect::<Vec<_>>()
            .join("\n");
        let name = format!("Article: {title}");
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Document, true, &name));
        ui.ctx().accesskit_node_builder(response.id, |node| {
            node.set_role(egui::accesskit::Role::Document);
            node.set_value(crate::ui::shorten(&shown, 4000));
        });
        // A document's value never reaches AT-SPI (Orca reads names and text, and AccessKit's
        // Unix adapter names only a `Label` after its value), so the paragraphs on screen are
        // labels inside the document, as egui exposes any text, placed where they are drawn.
        let paragraphs = ui.new_child(
            egui::UiBuilder::new()
                .id_salt("paragraphs")
                .max_rect(response.rect)
                .accessibility_parent(response.id),
        );
        for (i, pos, _) in &self.visible {
            let height = match (self.tops.get(*i), self.tops.get(i + 1)) {
                (Some(top), Some(next)) => next - top,
                _ => 0.0,
            };
            let rect = Rect::from_min_size(*pos, vec2(wrap, height));
            let text = self.para_text(*i);
            // Hover only: the article beneath keeps its clicks, drags and tooltips.
            paragraphs
                .interact(rect, response.id.with(("paragraph", *i)), Sense::hover())
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
        }
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
        theme: &Theme,
        overlay: &Overlay<'_>,
    ) {
        let top = viewport.min.y - 2.0 * font_size;
        let bottom = viewport.max.y + font_size;
        self.visible.clear();
        let first = self.tops.partition_point(|&t| t < top).saturating_sub(1);
        let painter = ui.painter().clone();
        let mut i = first;
        while i < self.text.paragraphs().len() && self.tops.get(i).is_some_and(|&t| t < bottom) {
            let p = self.para(i);
            if p.end > p.start {
                let layout = self.layout(ui, i, font_size, wrap, theme.text);
                let pos = origin + vec2(0.0, self.tops.get(i).copied().unwrap_or(0.0));
                self.paint_highlights(&painter, i, pos, &layout, font_size, theme, overlay);
                layout.paint(&painter, pos, theme.text);
                self.visible.push((i, pos, layout));
            }
            i += 1;
        }
        if self.tops_dirty {
            // Heights were corrected: the next frame places paragraphs where they are.
            self.update_tops();
            ui.ctx().request_repaint();
        }
    }

    /// The caret position (a document char boundary) under a screen position, from the
    /// paragraphs painted last frame.
    pub fn char_at(&self, pos: Pos2) -> Option<CharOffset> {
        let (i, origin, layout) = self
            .visible
            .iter()
            .take_while(|(_, o, _)| o.y <= pos.y)
            .last()
            .or_else(|| self.visible.first())?;
        let local = layout.caret_at(pos - *origin);
        let p = self.para(*i);
        Some(CharOffset((p.start + local as u32).min(p.end)))
    }

    /// The annotations at a char, with what a click selects: the annotator's own first, then
    /// colleagues', each innermost (shortest) first.
    fn annotations_at(
        &mut self,
        at: CharOffset,
        overlay: &Overlay<'_>,
    ) -> Vec<(Selected, Arc<Annotation>)> {
        let mut out = Vec::new();
        let mut frags = std::mem::take(&mut self.scratch);
        overlay.index.query(at.0, at.0 + 1, &mut frags);
        frags.sort_by_key(|f| f.end - f.start);
        out.extend(frags.iter().filter_map(|f| {
            let a = overlay.index.annotation(f)?;
            Some((Selected::Own(a.id.clone()), a))
        }));
        for layer in overlay.colleagues {
            layer.index.query(at.0, at.0 + 1, &mut frags);
            frags.sort_by_key(|f| f.end - f.start);
            out.extend(frags.iter().filter_map(|f| {
                let a = layer.index.annotation(f)?;
                Some((
                    Selected::Colleague {
                        annotator: layer.annotator.to_owned(),
                        id: a.id.clone(),
                    },
                    a,
                ))
            }));
        }
        self.scratch = frags;
        out
    }

    /// The annotation a click picks: the innermost, or, clicking again on the selected one,
    /// the next one beneath.
    fn pick(hits: &[Selected], selected: Option<&Selected>) -> Option<Selected> {
        let next = selected
            .and_then(|sel| hits.iter().position(|h| h == sel))
            .map_or(0, |k| (k + 1) % hits.len().max(1));
        hits.get(next).cloned()
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
            self.selection = Selection {
                anchor: at,
                head: at,
            };
            let hits: Vec<Selected> = self
                .annotations_at(at, overlay)
                .into_iter()
                .map(|(hit, _)| hit)
                .collect();
            output.clicked = Some(match Self::pick(&hits, overlay.selected) {
                Some(s) => Clicked::Annotation(s),
                None => Clicked::Empty,
            });
        }
        if let Some(p) = response.hover_pos()
            && !self.dragging
            && let Some(at) = self.char_at(p)
        {
            let hits = self.annotations_at(at, overlay);
            let mut tip: Vec<String> = hits
                .iter()
                .map(|(hit, a)| self.describe_hit(hit, a, overlay.schema))
                .collect();
            if let Some(s) = overlay.suggestions.and_then(|d| d.at(at)) {
                tip.push(format!(
                    "suggested{}: {}{} (Ctrl+Enter accepts, Ctrl+Delete rejects, with the caret \
                     on it)",
                    if s.also.is_empty() {
                        format!(" by {}", s.source)
                    } else {
                        format!(" by {} and {}", s.source, s.also.join(", "))
                    },
                    s.label,
                    s.entity
                        .as_ref()
                        .map_or_else(String::new, |e| format!(", linked to {e}")),
                ));
            }
            if !tip.is_empty() {
                response.clone().on_hover_text_at_pointer(tip.join("\n\n"));
            }
        }
    }

    /// A hovered annotation, for its tooltip.
    fn describe_hit(&self, hit: &Selected, annotation: &Annotation, schema: &Schema) -> String {
        let described = super::describe(annotation, &self.text, schema);
        match hit {
            Selected::Own(_) => described,
            Selected::Colleague { annotator, .. } => {
                format!("{annotator} (read-only): {described}")
            }
        }
    }

    /// The selected annotation's id, if it is the annotator's own.
    fn selected_own<'a>(overlay: &'a Overlay<'_>) -> Option<&'a AnnotationId> {
        overlay.selected.and_then(Selected::own)
    }
}

impl std::fmt::Debug for ArticleView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArticleView")
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}
