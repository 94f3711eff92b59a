//! The view's selection and caret: snapping to words, moving with the keyboard.

use egui::pos2;
use unicode_segmentation::UnicodeSegmentation as _;

use super::ArticleView;
use super::layout::line_height;
use crate::model::CharOffset;

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

impl ArticleView {
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
        let p = self.para(i);
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

    fn is_space_at(&self, at: u32) -> bool {
        self.text
            .slice(CharOffset(at), CharOffset(at + 1))
            .is_some_and(|c| c.chars().all(char::is_whitespace))
    }

    /// Moves the caret one step; `word` is Ctrl (by word; Home and End go to the document's
    /// start and end), `extend` keeps the anchor (Shift).
    pub fn move_caret(&mut self, key: egui::Key, word: bool, extend: bool, font_size: f32) {
        let len = self.text.len_chars().0;
        let head = self.selection.head.0;
        let next = match key {
            egui::Key::ArrowRight if word => {
                let mut at = head;
                while at < len && self.is_space_at(at) {
                    at += 1;
                }
                self.word_at(CharOffset(at)).1.0.max(at.min(len))
            }
            egui::Key::ArrowLeft if word => {
                let mut at = head.saturating_sub(1);
                while at > 0 && self.is_space_at(at) {
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
                self.vertical_step(head, key == egui::Key::ArrowDown, font_size)
            }
            egui::Key::Home if word => 0,
            egui::Key::End if word => len,
            egui::Key::Home => self.para(self.para_of(head)).start,
            egui::Key::End => self.para(self.para_of(head)).end,
            _ => head,
        };
        self.selection.head = CharOffset(next);
        if !extend {
            self.selection.anchor = self.selection.head;
        }
        self.scroll_to(self.selection.head);
    }

    /// The caret one line down (or up): below (above) the caret on screen, else the next
    /// (previous) paragraph's start.
    fn vertical_step(&self, head: u32, down: bool, font_size: f32) -> u32 {
        let len = self.text.len_chars().0;
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
                    self.text.paragraphs().get(i + 1).map_or(len, |p| p.start)
                } else {
                    i.checked_sub(1).map_or(0, |prev| self.para(prev).start)
                }
            }
        }
    }
}
