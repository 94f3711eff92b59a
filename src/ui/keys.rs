//! The keyboard: shortcuts, the caret, label hotkeys, Tab through annotations and review
//! mode's keys, read at the start of a frame and turned into commands.
//!
//! Tab and the arrows also move egui's keyboard focus between widgets; in the article they
//! are the article's, so the focus move egui planned for this frame is cancelled before any
//! widget is drawn (otherwise Tab would step into the menu bar after one annotation).

use egui::{FocusDirection, Key, KeyboardShortcut, Modifiers};

use super::app::LectorApp;
use super::command::{Command, Side, ViewCommand};
use super::review::ReviewCommand;
use crate::model::review::Choice;

/// What the keyboard needs to know of the app.
#[derive(Debug, Default)]
pub struct KeyInput {
    /// A dialog or the palette has the keyboard.
    pub dialog_open: bool,
    /// The shortcuts window is open.
    pub help_open: bool,
    /// The search bar is open.
    pub search_open: bool,
    /// A document is shown in the article view.
    pub article: bool,
    /// Text is selected.
    pub has_selection: bool,
    /// One of the annotator's own annotations is selected.
    pub has_selected: bool,
    /// The labels' hotkeys.
    pub hotkeys: Vec<(char, String)>,
    /// In review mode: the annotators of the disagreement shown, in order.
    pub review: Option<Vec<String>>,
    /// The zoom.
    pub zoom: f32,
}

impl KeyInput {
    /// What the app holds now.
    pub fn of(app: &LectorApp) -> Self {
        Self {
            dialog_open: app.dialogs.modal.is_some()
                || app.palette.is_some()
                || app.suggestions.confirm.is_some()
                || app.import_mapping.is_some(),
            help_open: app.dialogs.help,
            search_open: app.search.open,
            article: app.view.is_some() && app.tracking.mode == super::tracking::Mode::Article,
            has_selection: app.view.as_ref().is_some_and(|v| !v.selection.is_empty()),
            has_selected: app.selected_own().is_some(),
            hotkeys: app.session.as_ref().map_or_else(Vec::new, |s| {
                s.store
                    .project
                    .schema
                    .labels
                    .iter()
                    .filter_map(|l| Some((l.hotkey?.to_ascii_lowercase(), l.name.clone())))
                    .collect()
            }),
            review: app.review.as_ref().map(|r| {
                r.current_unit()
                    .map(|u| u.annotations.keys().map(str::to_owned).collect())
                    .unwrap_or_default()
            }),
            zoom: app.prefs.zoom(),
        }
    }
}

/// Reads this frame's keys.
pub fn handle(ctx: &egui::Context, input: &KeyInput) -> Vec<Command> {
    let mut out = Vec::new();
    let ctrl = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
    let ctrl_shift = |key| KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, key);
    let pressed = |s: KeyboardShortcut| ctx.input_mut(|i| i.consume_shortcut(&s));
    if pressed(ctrl_shift(Key::Z)) || pressed(ctrl(Key::Y)) {
        out.push(Command::Redo);
    }
    if pressed(ctrl(Key::Z)) {
        out.push(Command::Undo);
    }
    if pressed(ctrl(Key::S)) {
        out.push(Command::Save);
    }
    if pressed(ctrl(Key::F)) {
        out.push(ViewCommand::OpenSearch.into());
    }
    if pressed(ctrl(Key::Plus)) || pressed(ctrl(Key::Equals)) {
        out.push(ViewCommand::Zoom(input.zoom * 1.1).into());
    }
    if pressed(ctrl(Key::Minus)) {
        out.push(ViewCommand::Zoom(input.zoom / 1.1).into());
    }
    if pressed(ctrl(Key::Num0)) {
        out.push(ViewCommand::Zoom(1.0).into());
    }
    if ctx.input(|i| i.key_pressed(Key::F1)) {
        out.push(ViewCommand::Help(!input.help_open).into());
    }
    if ctx.input(|i| i.key_pressed(Key::F2)) {
        out.push(ViewCommand::TogglePanel(Side::Documents).into());
    }
    if ctx.input(|i| i.key_pressed(Key::F3)) {
        out.push(ViewCommand::TogglePanel(Side::Inspector).into());
    }
    if !input.dialog_open {
        out.extend(super::paste::key(ctx));
    }
    if input.dialog_open || ctx.egui_wants_keyboard_input() || !input.article {
        return out;
    }
    if let Some(forward) = tab(ctx) {
        // The article's Tab: not egui's focus walk into the menus.
        ctx.memory_mut(|m| m.move_focus(FocusDirection::None));
        out.push(Command::StepAnnotation { forward });
    }
    if ctx.input(|i| i.key_pressed(Key::Escape)) {
        out.push(if input.help_open {
            ViewCommand::Help(false).into()
        } else if input.search_open {
            ViewCommand::CloseSearch.into()
        } else {
            ViewCommand::ClearSelection.into()
        });
    }
    if let Some(sides) = &input.review
        && let Some(command) = review_keys(ctx, sides)
    {
        out.push(command);
        return out;
    }
    // Before the caret's keys: Ctrl+Enter and Ctrl+Delete are the suggestions'.
    out.extend(super::suggestions::decide::keys(ctx).map(Command::Suggest));
    caret_keys(ctx, input, &mut out);
    typed_keys(ctx, input, &mut out);
    out
}

/// Tab (forward) or Shift+Tab (back), if pressed.
fn tab(ctx: &egui::Context) -> Option<bool> {
    ctx.input(|i| {
        i.events.iter().find_map(|e| match e {
            egui::Event::Key {
                key: Key::Tab,
                pressed: true,
                modifiers,
                ..
            } if !modifiers.command && !modifiers.alt => Some(!modifiers.shift),
            _ => None,
        })
    })
}

/// Arrows, Home and End move the caret; Enter opens the palette; Delete deletes.
fn caret_keys(ctx: &egui::Context, input: &KeyInput, out: &mut Vec<Command>) {
    let events = ctx.input(|i| i.events.clone());
    for event in events {
        let egui::Event::Key {
            key,
            pressed: true,
            modifiers,
            ..
        } = event
        else {
            continue;
        };
        match key {
            Key::ArrowLeft
            | Key::ArrowRight
            | Key::ArrowUp
            | Key::ArrowDown
            | Key::Home
            | Key::End
                if !modifiers.alt =>
            {
                ctx.memory_mut(|m| m.move_focus(FocusDirection::None));
                out.push(
                    ViewCommand::MoveCaret {
                        key,
                        word: modifiers.command,
                        extend: modifiers.shift,
                    }
                    .into(),
                );
            }
            Key::Enter if input.has_selection => {
                // Consumed, or the palette would take this same press as its choice.
                ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter));
                out.push(ViewCommand::Palette(true).into());
            }
            Key::Delete | Key::Backspace if input.has_selected => {
                out.push(Command::DeleteSelected);
            }
            _ => {}
        }
    }
}

/// Label hotkeys (and `+`) arrive as text.
fn typed_keys(ctx: &egui::Context, input: &KeyInput, out: &mut Vec<Command>) {
    let typed: Vec<char> = ctx.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Text(t) if t.chars().count() == 1 => t.chars().next(),
                _ => None,
            })
            .collect()
    });
    for c in typed {
        if c == '+' {
            if input.has_selection && input.has_selected {
                out.push(Command::AddFragment);
            }
            continue;
        }
        let lower = c.to_ascii_lowercase();
        let Some((_, label)) = input.hotkeys.iter().find(|(k, _)| *k == lower) else {
            continue;
        };
        if input.has_selection {
            out.push(Command::TagSelection(label.clone()));
        } else if input.has_selected {
            // A hotkey on a selected annotation changes its label.
            out.push(Command::Relabel(label.clone()));
        }
    }
}

/// Review mode's keys: Alt+Down/Up step through disagreements, 1–9 take that annotator's
/// version, 0 neither, = all.
fn review_keys(ctx: &egui::Context, sides: &[String]) -> Option<Command> {
    let alt = |key| KeyboardShortcut::new(Modifiers::ALT, key);
    if ctx.input_mut(|i| i.consume_shortcut(&alt(Key::ArrowDown))) {
        return Some(Command::Review(ReviewCommand::Step(true)));
    }
    if ctx.input_mut(|i| i.consume_shortcut(&alt(Key::ArrowUp))) {
        return Some(Command::Review(ReviewCommand::Step(false)));
    }
    let typed: Vec<char> = ctx.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Text(t) if t.chars().count() == 1 => t.chars().next(),
                _ => None,
            })
            .collect()
    });
    typed.into_iter().find_map(|c| {
        let choice = match c {
            '0' => Some(Choice::Neither),
            '=' if sides.len() > 1 => Some(Choice::All),
            '1'..='9' => c
                .to_digit(10)
                .and_then(|n| sides.get(n as usize - 1))
                .map(|a| Choice::Take(a.clone())),
            _ => None,
        }?;
        Some(Command::Review(ReviewCommand::Settle(choice)))
    })
}
