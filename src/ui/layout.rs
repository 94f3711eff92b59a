//! The window's columns: the documents panel, the article, the inspector. Side panels have a
//! width of their own (the user's, dragged at their inner edge and remembered), which their
//! content never changes: it wraps or is clipped. The article never gets narrower than
//! [`min_column_width`]: below that, side panels collapse to a strip, which opens again by
//! click (and F2 / F3); the panel opened last keeps its room.

use egui::{Sense, vec2};

use super::article::min_column_width;
use super::command::{Command, Side, ViewCommand};
use super::prefs::Prefs;
use super::tracking::Mode;

/// Width of a collapsed panel.
pub const STRIP: f32 = 30.0;
/// Limits of a side panel's width.
pub const WIDTH_RANGE: (f32, f32) = (180.0, 640.0);
/// The narrowest the tracking views' table may get.
const MIN_TABLE: f32 = 520.0;

/// How a side panel shows this frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Column {
    /// Open at this width.
    Open(f32),
    /// Collapsed to a strip.
    Strip,
    /// Not shown at all.
    Hidden,
}

/// Both side panels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Columns {
    /// The documents panel (left).
    pub documents: Column,
    /// The inspector's panel (right).
    pub side: Column,
}

/// What the user asked of the side panels.
#[derive(Debug)]
pub struct Panels {
    /// The documents panel is wanted open.
    pub documents: bool,
    /// The inspector's panel is wanted open.
    pub side: bool,
    /// The panel opened last, which keeps its room when there is room for one.
    pub last: Side,
    /// Whether each panel (documents, inspector) was open in the last frame: a strip opens
    /// its panel, whatever was wanted before.
    pub shown: (bool, bool),
}

impl Default for Panels {
    fn default() -> Self {
        Self {
            documents: true,
            side: true,
            last: Side::Inspector,
            shown: (true, true),
        }
    }
}

impl Panels {
    /// Opens or collapses a panel.
    pub fn toggle(&mut self, side: Side, open_now: bool) {
        let open = !open_now;
        match side {
            Side::Documents => self.documents = open,
            Side::Inspector => self.side = open,
        }
        if open {
            self.last = side;
        }
    }

    /// The columns for a window `available` points wide. Both panels keep their own width
    /// where the article keeps its measure; else the panel opened last stays open (narrowed,
    /// down to the narrowest a panel gets, if that is what it takes) and the other one is a
    /// strip; else both are strips.
    pub fn columns(&self, available: f32, prefs: &Prefs, mode: Mode) -> Columns {
        let clamp = |w: f32| w.clamp(WIDTH_RANGE.0, WIDTH_RANGE.1);
        let (documents, side) = (clamp(prefs.documents_width), clamp(prefs.side_width));
        let central = match mode {
            Mode::Article => min_column_width(),
            _ => MIN_TABLE,
        };
        let documents_shown = mode == Mode::Article;
        let side_shown = mode != Mode::TrackRecord;
        // The room both side columns may take.
        let room = available - central;
        let width = |shown: bool, open: Option<f32>| match (shown, open) {
            (false, _) => 0.0,
            (true, Some(w)) => w,
            (true, None) => STRIP,
        };
        let want_d = self.documents && documents_shown;
        let want_s = self.side && side_shown;
        let both = width(documents_shown, want_d.then_some(documents))
            + width(side_shown, want_s.then_some(side));
        let (d, s) = if both <= room {
            (want_d.then_some(documents), want_s.then_some(side))
        } else {
            let order = match self.last {
                Side::Documents => [Side::Documents, Side::Inspector],
                Side::Inspector => [Side::Inspector, Side::Documents],
            };
            // One open: the other one is a strip (if it shows at all).
            let one = |open: Side| {
                let (wanted, own, other_shown) = match open {
                    Side::Documents => (want_d, documents, side_shown),
                    Side::Inspector => (want_s, side, documents_shown),
                };
                let fits = (room - width(other_shown, None)).min(own);
                (wanted && fits >= WIDTH_RANGE.0).then_some((open, fits))
            };
            match order.into_iter().find_map(one) {
                Some((Side::Documents, w)) => (Some(w), None),
                Some((Side::Inspector, w)) => (None, Some(w)),
                None => (None, None),
            }
        };
        let column = |shown: bool, open: Option<f32>| match (shown, open) {
            (false, _) => Column::Hidden,
            (true, Some(w)) => Column::Open(w),
            (true, None) => Column::Strip,
        };
        Columns {
            documents: column(documents_shown, d),
            side: column(side_shown, s),
        }
    }
}

/// Shows a side panel of exactly `width` (content cannot widen it), with a handle on its
/// inner edge to resize it. Returns what the contents returned and the new width if the
/// user dragged the edge.
pub fn side_panel<R>(
    ui: &mut egui::Ui,
    side: Side,
    width: f32,
    contents: impl FnOnce(&mut egui::Ui) -> R,
) -> (R, Option<f32>) {
    let panel = match side {
        Side::Documents => egui::Panel::left("documents"),
        Side::Inspector => egui::Panel::right("side"),
    };
    let shown = panel.resizable(false).exact_size(width).show(ui, contents);
    let rect = shown.response.rect;
    let edge_x = match side {
        Side::Documents => rect.max.x,
        Side::Inspector => rect.min.x,
    };
    let handle = egui::Rect::from_center_size(
        egui::pos2(edge_x, rect.center().y),
        vec2(8.0, rect.height()),
    );
    let id = ui.scope_id().with(("panel-edge", side == Side::Documents));
    let response = ui.interact(handle, id, Sense::drag());
    let response = response.on_hover_cursor(egui::CursorIcon::ResizeHorizontal);
    let mut new_width = None;
    if response.dragged() {
        let dx = response.drag_delta().x;
        let w = match side {
            Side::Documents => width + dx,
            Side::Inspector => width - dx,
        };
        new_width = Some(w.clamp(WIDTH_RANGE.0, WIDTH_RANGE.1));
    }
    (shown.inner, new_width)
}

/// A collapsed side panel: a strip with a button that opens it.
pub fn strip_ui(ui: &mut egui::Ui, side: Side) -> Vec<Command> {
    let (panel, arrow, name, key) = match side {
        Side::Documents => (egui::Panel::left("documents-strip"), "▶", "Documents", "F2"),
        Side::Inspector => (egui::Panel::right("side-strip"), "◀", "Inspector", "F3"),
    };
    let mut commands = Vec::new();
    panel.resizable(false).exact_size(STRIP).show(ui, |ui| {
        ui.vertical_centered(|ui| {
            let button = ui
                .button(arrow)
                .on_hover_text(format!("Show {} ({key})", name.to_lowercase()));
            let button = button.accessible_name(format!("Show {}", name.to_lowercase()));
            if button.clicked() {
                commands.push(ViewCommand::TogglePanel(side).into());
            }
        });
    });
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs() -> Prefs {
        Prefs::default()
    }

    #[test]
    fn both_panels_open_when_the_article_keeps_its_measure() {
        let columns = Panels::default().columns(1360.0, &prefs(), Mode::Article);
        assert_eq!(columns.documents, Column::Open(230.0));
        assert_eq!(columns.side, Column::Open(340.0));
    }

    #[test]
    fn narrow_windows_collapse_the_panel_opened_first() {
        let columns = Panels::default().columns(800.0, &prefs(), Mode::Article);
        assert_eq!(columns.documents, Column::Strip);
        assert_eq!(columns.side, Column::Open(340.0));
        let mut panels = Panels::default();
        panels.toggle(Side::Documents, false);
        let columns = panels.columns(800.0, &prefs(), Mode::Article);
        assert_eq!(columns.documents, Column::Open(230.0), "opened last");
        assert_eq!(columns.side, Column::Strip);
        // Narrower: the one open gives up some of its width before it closes.
        let columns = Panels::default().columns(700.0, &prefs(), Mode::Article);
        assert_eq!(columns.documents, Column::Strip);
        assert_eq!(
            columns.side,
            Column::Open(700.0 - min_column_width() - STRIP)
        );
        // Too narrow for either: both are strips.
        let columns = Panels::default().columns(560.0, &prefs(), Mode::Article);
        assert_eq!(
            (columns.documents, columns.side),
            (Column::Strip, Column::Strip)
        );
    }

    #[test]
    fn the_article_keeps_45_characters_whenever_it_can() {
        for width in [600.0, 720.0, 800.0, 1000.0, 1360.0, 1600.0] {
            let columns = Panels::default().columns(width, &prefs(), Mode::Article);
            let used: f32 = [columns.documents, columns.side]
                .iter()
                .map(|c| match c {
                    Column::Open(w) => *w,
                    Column::Strip => STRIP,
                    Column::Hidden => 0.0,
                })
                .sum();
            assert!(width - used >= min_column_width(), "{width}: {columns:?}");
        }
    }
}
