//! Every colour the app paints, for the light and the dark theme, in one place.
//!
//! Panels ask the [`Theme`] for a colour by what it means (`ok`, `warning`, a label's text
//! colour …), never write one themselves: a test greps `src/ui` for literal colours outside
//! this file. Text colours are made readable here: each is darkened (light theme) or
//! lightened (dark theme) until it has a contrast ratio of at least [`MIN_CONTRAST`] (WCAG
//! 2.x, "AA" for normal text) with the backgrounds it is drawn on, so a schema's pale label
//! colour (`#56b4e9`) still reads on white. Fills behind the article's text are kept faint
//! enough that the text keeps that contrast too.

use egui::{Color32, Visuals};

/// The contrast ratio text keeps with its background (WCAG AA, normal text).
pub const MIN_CONTRAST: f32 = 4.5;

/// The colours of one theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    /// The dark theme.
    pub dark: bool,
    /// Behind panels and the article.
    pub panel: Color32,
    /// Behind popups and windows.
    pub window: Color32,
    /// Behind text fields.
    pub field: Color32,
    /// The article's text.
    pub text: Color32,
    /// Behind text inside widgets: a button idle and hovered, the selected entry of a list.
    pub widget_fills: [Color32; 3],
}

/// sRGB channel to linear light.
fn linear(channel: u8) -> f32 {
    let c = f32::from(channel) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Relative luminance (WCAG 2.x).
pub fn luminance(c: Color32) -> f32 {
    0.2126 * linear(c.r()) + 0.7152 * linear(c.g()) + 0.0722 * linear(c.b())
}

/// The contrast ratio of two opaque colours, 1 to 21.
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// `a` mixed with `b`: `t` = 0 is `a`, 1 is `b`. Opaque.
fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let m = |x: u8, y: u8| (f32::from(x) * (1.0 - t) + f32::from(y) * t).round() as u8;
    Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
}

/// `color` darkened (on light backgrounds) or lightened (on dark ones) just enough to keep
/// [`MIN_CONTRAST`] with every background.
pub fn readable(color: Color32, backgrounds: &[Color32]) -> Color32 {
    let Some(&first) = backgrounds.first() else {
        return color;
    };
    let toward = if luminance(first) > 0.18 {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    let ok = |c: Color32| {
        backgrounds
            .iter()
            .all(|&bg| contrast(c, bg) >= MIN_CONTRAST)
    };
    (0..=20)
        .map(|step| mix(color, toward, step as f32 / 20.0))
        .find(|c| ok(*c))
        .unwrap_or(toward)
}

/// Hues of the meanings, before they are made readable.
mod hue {
    use egui::Color32;
    pub const OK: Color32 = Color32::from_rgb(40, 150, 60);
    pub const WARNING: Color32 = Color32::from_rgb(200, 120, 0);
    pub const ERROR: Color32 = Color32::from_rgb(200, 30, 30);
    pub const INFO: Color32 = Color32::from_rgb(60, 110, 190);
    pub const MUTED: Color32 = Color32::from_rgb(128, 128, 128);
    pub const PURPLE: Color32 = Color32::from_rgb(140, 70, 190);
    pub const CUE: Color32 = Color32::from_rgb(200, 20, 60);
    pub const SELECTION: Color32 = Color32::from_rgb(60, 120, 255);
    pub const HIT: Color32 = Color32::from_rgb(255, 220, 0);
    pub const CURRENT_HIT: Color32 = Color32::from_rgb(255, 170, 0);
    pub const CHART_A: Color32 = Color32::from_rgb(70, 130, 200);
    pub const CHART_B: Color32 = Color32::from_rgb(230, 150, 40);
    pub const CALIBRATION: Color32 = Color32::from_rgb(0xcc, 0x79, 0xa7);
    pub const NOTICE_LIGHT: Color32 = Color32::from_rgb(255, 238, 205);
    pub const NOTICE_DARK: Color32 = Color32::from_rgb(70, 52, 20);
}

impl Theme {
    /// The light or the dark theme.
    pub fn new(dark: bool) -> Self {
        let visuals = Self::visuals(dark);
        Self {
            dark,
            panel: visuals.panel_fill,
            window: visuals.window_fill,
            field: visuals.extreme_bg_color,
            text: if dark {
                Color32::from_gray(225)
            } else {
                Color32::from_gray(25)
            },
            widget_fills: [
                visuals.widgets.inactive.weak_bg_fill,
                visuals.widgets.hovered.weak_bg_fill,
                visuals.selection.bg_fill,
            ],
        }
    }

    /// The theme a `Ui` is drawn in.
    pub fn of(ui: &egui::Ui) -> Self {
        Self::new(ui.visuals().dark_mode)
    }

    /// egui's visuals for the theme: its own, with text a little stronger in the dark theme
    /// (egui's grey 140 on 27 leaves little room for coloured fills). [`Self::install`] adds
    /// solid scroll bars with a thumb long enough to grab in a book-length article.
    pub fn visuals(dark: bool) -> Visuals {
        let mut visuals = if dark {
            Visuals::dark()
        } else {
            Visuals::light()
        };
        if dark {
            visuals.widgets.noninteractive.fg_stroke.color = Color32::from_gray(200);
            visuals.widgets.inactive.fg_stroke.color = Color32::from_gray(215);
        }
        visuals
    }

    /// Installs the theme's visuals and spacing in a context.
    pub fn install(ctx: &egui::Context, dark: bool) {
        ctx.set_visuals(Self::visuals(dark));
        ctx.all_styles_mut(|style| {
            style.spacing.scroll = egui::style::ScrollStyle::solid();
            style.spacing.scroll.handle_min_length = 32.0;
            style.spacing.scroll.bar_width = 10.0;
            // The thumb in the widgets' text colour: egui's fill for it is 1.3:1 on the
            // track (light) and 1.8:1 (dark), hard to find; WCAG asks 3:1 of a control.
            style.spacing.scroll.foreground_color = true;
            // A steady caret: a blinking one repaints the window twice a second while a
            // text field has focus, and a window left alone should paint nothing.
            style.visuals.text_cursor.blink = false;
        });
    }

    fn backgrounds(&self) -> [Color32; 3] {
        [self.panel, self.window, self.field]
    }

    /// A meaning's hue, readable on the theme's backgrounds.
    fn text_of(&self, hue: Color32) -> Color32 {
        readable(hue, &self.backgrounds())
    }

    /// Saved, came true, supported, matched.
    pub fn ok(&self) -> Color32 {
        self.text_of(hue::OK)
    }

    /// Unsaved, open, due, conflicting.
    pub fn warning(&self) -> Color32 {
        self.text_of(hue::WARNING)
    }

    /// Errors, did not come true, refuted, read-only.
    pub fn error(&self) -> Color32 {
        self.text_of(hue::ERROR)
    }

    /// Reviewers' comments and notes.
    pub fn info(&self) -> Color32 {
        self.text_of(hue::INFO)
    }

    /// Ambiguous, withdrawn, unreviewed: said, not stressed.
    pub fn muted(&self) -> Color32 {
        self.text_of(hue::MUTED)
    }

    /// A boundary disagreement in review.
    pub fn purple(&self) -> Color32 {
        self.text_of(hue::PURPLE)
    }

    /// A label's colour as the schema gives it, for fills, lines and swatches (not text).
    pub fn label(c: crate::model::Color) -> Color32 {
        let [r, g, b] = c.0;
        Color32::from_rgb(r, g, b)
    }

    /// A label's colour for text drawn in it (palette, list, inspector): readable on the
    /// panels and inside the widgets it is drawn in (the inspector's label picker, the
    /// palette's highlighted entry).
    pub fn label_text(&self, c: crate::model::Color) -> Color32 {
        let [panel, window, field] = self.backgrounds();
        let [button, hovered, selected] = self.widget_fills;
        readable(
            Self::label(c),
            &[panel, window, field, button, hovered, selected],
        )
    }

    /// The fill behind an annotation's text in the article: the label's colour, as strong
    /// as it can be while the article's text keeps [`MIN_CONTRAST`] on it.
    pub fn label_fill(&self, c: crate::model::Color, selected: bool) -> Color32 {
        let label = Self::label(c);
        let wanted: f32 = if selected { 0.45 } else { 0.18 };
        let mut alpha = wanted;
        while alpha > 0.02 && contrast(self.text, mix(self.panel, label, alpha)) < MIN_CONTRAST {
            alpha -= 0.02;
        }
        label.gamma_multiply(alpha)
    }

    /// Underline lanes and colleagues' lines: the label's colour, unchanged.
    pub fn label_line(c: crate::model::Color) -> Color32 {
        Self::label(c)
    }

    /// The selection in the article.
    pub fn selection_fill(&self) -> Color32 {
        let alpha = if self.dark { 0.35 } else { 0.27 };
        hue::SELECTION.gamma_multiply(alpha)
    }

    /// The caret.
    pub fn caret(&self) -> Color32 {
        self.text_of(hue::SELECTION)
    }

    /// A search hit, and the current one.
    pub fn hit_fill(&self, current: bool) -> Color32 {
        if current {
            hue::CURRENT_HIT.gamma_multiply(0.55)
        } else {
            hue::HIT.gamma_multiply(0.35)
        }
    }

    /// The dashed line under the words a certainty was proposed from.
    pub fn cue(&self) -> Color32 {
        self.text_of(hue::CUE)
    }

    /// Bars that ask for a decision (a file changed on disk, a corrected text, a proposal).
    pub fn notice_fill(&self) -> Color32 {
        if self.dark {
            hue::NOTICE_DARK
        } else {
            hue::NOTICE_LIGHT
        }
    }

    /// Text on [`Self::notice_fill`].
    pub fn notice_text(&self) -> Color32 {
        readable(self.text, &[self.notice_fill()])
    }

    /// The two series of the review's chart, and their captions.
    pub fn chart(&self) -> [Color32; 2] {
        [self.text_of(hue::CHART_A), self.text_of(hue::CHART_B)]
    }

    /// The calibration chart's points.
    pub fn calibration(&self) -> Color32 {
        self.text_of(hue::CALIBRATION)
    }

    /// Lines that are only a guide (the chart's diagonal).
    pub fn guide(&self) -> Color32 {
        self.muted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;

    #[test]
    fn contrast_is_wcags() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.01);
        // #767676 on white is the classic 4.54:1.
        let grey = Color32::from_gray(0x76);
        assert!((contrast(grey, Color32::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn every_text_colour_reads_in_both_themes() {
        for dark in [false, true] {
            let theme = Theme::new(dark);
            let texts = [
                ("ok", theme.ok()),
                ("warning", theme.warning()),
                ("error", theme.error()),
                ("info", theme.info()),
                ("muted", theme.muted()),
                ("purple", theme.purple()),
                ("caret", theme.caret()),
                ("cue", theme.cue()),
                ("calibration", theme.calibration()),
                ("chart a", theme.chart()[0]),
                ("chart b", theme.chart()[1]),
                ("article text", theme.text),
            ];
            for (name, c) in texts {
                for bg in [theme.panel, theme.window] {
                    assert!(
                        contrast(c, bg) >= MIN_CONTRAST,
                        "{name} {c:?} on {bg:?} (dark {dark}): {}",
                        contrast(c, bg)
                    );
                }
            }
            assert!(contrast(theme.notice_text(), theme.notice_fill()) >= MIN_CONTRAST);
        }
    }

    #[test]
    fn label_colours_read_on_the_widgets_they_are_drawn_in() {
        // Label-coloured text is also drawn inside widgets: the inspector's label picker (a
        // combo box's button, idle or hovered) and the palette and the picker's list, whose
        // current entry has the selection's fill.
        for dark in [false, true] {
            let theme = Theme::new(dark);
            // From egui's visuals, not the theme's copy of them: the test checks the copy.
            let visuals = Theme::visuals(dark);
            let fills = [
                ("button", visuals.widgets.inactive.weak_bg_fill),
                ("hovered button", visuals.widgets.hovered.weak_bg_fill),
                ("selected entry", visuals.selection.bg_fill),
            ];
            for label in Schema::news_default().labels {
                let text = theme.label_text(label.color);
                for (what, fill) in fills {
                    assert!(
                        contrast(text, fill) >= MIN_CONTRAST,
                        "{} on a {what} (dark {dark}): {}",
                        label.name,
                        contrast(text, fill)
                    );
                }
            }
        }
    }

    #[test]
    fn label_colours_read_as_text_and_under_text_in_both_themes() {
        for dark in [false, true] {
            let theme = Theme::new(dark);
            for label in Schema::news_default().labels {
                let text = theme.label_text(label.color);
                for bg in [theme.panel, theme.window, theme.field] {
                    assert!(
                        contrast(text, bg) >= MIN_CONTRAST,
                        "{} as text (dark {dark}): {}",
                        label.name,
                        contrast(text, bg)
                    );
                }
                for selected in [false, true] {
                    let fill = theme.label_fill(label.color, selected);
                    // Premultiplied, as egui blends it: fill + panel * (1 - alpha).
                    let alpha = f32::from(fill.a()) / 255.0;
                    let blended = mix(theme.panel, Theme::label(label.color), alpha);
                    assert!(
                        contrast(theme.text, blended) >= MIN_CONTRAST,
                        "article text on {} (selected {selected}, dark {dark}): {}",
                        label.name,
                        contrast(theme.text, blended)
                    );
                }
            }
        }
    }
}
