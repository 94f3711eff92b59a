//! The desktop app (eframe/egui). Everything here turns user actions into commands for the
//! domain ([`crate::session::Session`]); nothing here is needed by the command line.

mod app;
pub mod article;
mod articles;
mod claims;
mod closing;
mod colleagues;
mod command;
mod dialogs;
mod fetch;
mod import_mapping;
mod inspector;
mod jobs;
mod keys;
mod layout;
mod loading;
mod messages;
mod panels;
mod paste;
pub mod predictions;
mod prefs;
mod project;
mod proposal;
mod reducer;
mod resolve;
pub mod review;
mod saving;
mod search;
mod selected;
mod signals;
pub mod span_index;
mod suggestions;
mod tagging;
mod team;
pub mod theme;
mod trace;
mod track_record;
pub mod tracking;
mod transfer;
mod typing;
mod undo;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

pub use app::LectorApp;
pub use command::{Command, ExportRequest, Side, ViewCommand};
pub use dialogs::{Ask, Dialog, PathPurpose};
pub use messages::Messages;
pub use prefs::Prefs;
pub use selected::Selected;
pub use suggestions::SuggestState;
pub use team::{Team, WATCH_INTERVAL};

use crate::model::{Annotation, DocText, Schema};

/// The window's title, which screen readers say too.
pub const WINDOW_TITLE: &str = "Lector";

/// Opens the app window on `path` (a project folder or an article), else the last project,
/// else the sample project.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    trace::mark_start();
    // The project given opens while the window is being made (a good part of the start).
    let prefetched = path
        .as_ref()
        .filter(|p| p.join(crate::store::PROJECT_FILE).is_file())
        .and_then(|dir| {
            let owned = dir.clone();
            std::thread::Builder::new()
                .name("lector-open".to_owned())
                .spawn(move || crate::store::ProjectStore::open_first(&owned, None))
                .ok()
                .map(|handle| (dir.clone(), handle))
        });
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_inner_size([1360.0, 860.0])
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true),
        // Software GL (no GPU, Xvfb, remote desktops) can block forever waiting for vsync.
        glow_options: egui_glow_options(),
        system_font_fallback: std::env::var_os("LECTOR_NO_SYSTEM_FONTS").is_none(),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "Lector",
        options,
        Box::new(move |cc| {
            trace::mark("window");
            let prefs: Prefs = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            // Once there is a window to close (before, a signal ends the process: nothing
            // is unsaved yet), and before the project opens.
            let watching = signals::watch(&cc.egui_ctx);
            let mut app = LectorApp::with_prefetched(&cc.egui_ctx, prefs, path, prefetched);
            if let Err(err) = watching {
                app.say(
                    format!(
                        "cannot watch for signals ({err}): a logout or `kill` ends Lector \
                         without saving (the crash journal keeps the work)"
                    ),
                    true,
                );
            }
            trace::mark("app");
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the window: {err}"))?;
    Ok(ExitCode::SUCCESS)
}

fn egui_glow_options() -> eframe::egui_glow::GlowConfiguration {
    eframe::egui_glow::GlowConfiguration {
        vsync: false,
        ..Default::default()
    }
}

/// `window` opening in the middle of the app, movable from there: egui puts a window given
/// no place at the top left, over the menu bar.
pub(crate) fn centred<'a>(window: egui::Window<'a>, ctx: &egui::Context) -> egui::Window<'a> {
    window
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
}

pub use crate::model::drop_elsewhere;

pub use crate::store::sample_project;
#[cfg(test)]
pub(crate) use crate::store::sample_project_copy;

/// A session as anna on a copy of the sample project in `dir` (tests).
#[cfg(test)]
pub(crate) fn sample_session(dir: &std::path::Path) -> crate::session::Session {
    let root = sample_project_copy(dir);
    let (store, _) = crate::store::ProjectStore::open(&root).expect("the sample opens");
    crate::session::Session::new(store, "anna")
}

/// The app as `annotator` on a copy of the sample project in `dir` (tests).
#[cfg(test)]
pub(crate) fn sample_app(dir: &std::path::Path, annotator: &str) -> LectorApp {
    let prefs = Prefs {
        annotator: annotator.to_owned(),
        ..Prefs::default()
    };
    LectorApp::new(
        &egui::Context::default(),
        prefs,
        Some(sample_project_copy(dir)),
    )
}

/// Collects the app's background jobs until none runs (tests).
#[cfg(test)]
pub(crate) fn settle(app: &mut LectorApp) {
    let ctx = egui::Context::default();
    for _ in 0..3000 {
        app.finish_jobs(&ctx);
        if app.jobs.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the jobs did not end");
}

/// One annotation in words, for tooltips: label, text, attributes (by their readable names),
/// note.
pub fn describe(annotation: &Annotation, text: &DocText, schema: &Schema) -> String {
    let mut out = format!(
        "{}: “{}”",
        annotation.label,
        covered_preview(annotation, text, 80)
    );
    if let Some(entity) = &annotation.entity {
        out.push_str(&format!("\nentity: {entity}"));
    }
    let label = schema.label(&annotation.label);
    for (name, value) in &annotation.attributes {
        let name = label.and_then(|l| l.attribute(name)).map_or_else(
            || crate::model::schema::humanise(name),
            |d| d.display_name(),
        );
        let value = match value {
            crate::model::AttrValue::Choice(choice) => choice.replace('_', " "),
            other => other.to_string(),
        };
        out.push_str(&format!("\n{name}: {value}"));
    }
    if !annotation.note.is_empty() {
        out.push_str(&format!("\nnote: {}", annotation.note));
    }
    out
}

/// `shorten(&annotation.covered_text(text), max)`, reading no more of the text than it
/// shows: a tooltip or a row of a span that covers most of a 5 MB article costs what a short
/// one costs.
pub fn covered_preview(annotation: &Annotation, text: &DocText, max: usize) -> String {
    let mut joined = String::new();
    let mut chars = 0;
    for (k, f) in annotation.fragments.iter().enumerate() {
        if chars > max {
            break;
        }
        if k > 0 {
            joined.push_str(" … ");
            chars += 3;
        }
        // One char more than fits tells `shorten` to cut.
        let room = u32::try_from(max.saturating_sub(chars) + 1).unwrap_or(u32::MAX);
        let end = crate::model::CharOffset(f.end.0.min(f.start.0.saturating_add(room)));
        let piece = text.slice(f.start, end).unwrap_or("");
        chars += piece.chars().count();
        joined.push_str(piece);
    }
    shorten(&joined, max)
}

/// A string cut to `max` chars with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;
    use crate::model::{CharOffset, Fragment};

    /// The preview reads only what it shows and shows what `shorten` of the whole would.
    #[test]
    fn a_preview_is_the_shortened_covered_text() {
        let text = DocText::new("Det här är en mening.\nOch en till, som är längre än den första.")
            .unwrap();
        let len = text.len_chars().0;
        let spans: &[&[(u32, u32)]] = &[
            &[(0, 3)],
            &[(0, len)],
            &[(0, 5), (10, 20)],
            &[(0, 2), (4, 6), (8, 30), (31, len)],
            &[(20, 25)],
        ];
        for spans in spans {
            let a = Annotation::new(
                "Claim",
                spans
                    .iter()
                    .map(|&(s, e)| Fragment {
                        start: CharOffset(s),
                        end: CharOffset(e),
                    })
                    .collect(),
            );
            for max in [1, 4, 5, 9, 10, 11, 12, 20, 40, 80] {
                assert_eq!(
                    covered_preview(&a, &text, max),
                    shorten(&a.covered_text(&text), max),
                    "{spans:?} at {max}"
                );
            }
        }
    }
}
