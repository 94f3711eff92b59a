//! `LECTOR_TRACE=1`: one line on stderr per frame (the input events it handled, its CPU
//! time) and one when the first document has been painted, so that a script under Xvfb can
//! time opening and tagging end to end in a real window. The format is documented in the
//! README ("Tracing frames"); every line starts with `lector-trace ` and is `key=value`
//! pairs separated by spaces.
//!
//! ## Implementation notes
//!
//! - CPU time is the window thread's own (`/proc/thread-self/schedstat`, nanoseconds), so
//!   other processes on a busy machine do not inflate it; where that file does not exist
//!   (not Linux) it is printed as `-`. The thread yields before reading it, which brings the
//!   kernel's count up to date (else it lags by up to a scheduler tick).
//! - A frame's line is printed when it starts, from eframe's input hook: `cpu_ms` of the
//!   previous frame covers everything from its start to this one's (the UI pass,
//!   tessellation, painting, the buffer swap), so it is printed one frame late; `ui_ms` is
//!   this frame's UI pass alone, printed at its end.
//! - The first document is "shown" once a frame that painted its paragraphs has been
//!   painted, so the line comes at the start of the frame after it (one more frame is asked
//!   for).

use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// When the app started (as early as [`super::run`] can tell).
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the app's start; later calls do nothing.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Milliseconds since [`mark_start`].
fn since_start_ms() -> f64 {
    STARTED.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// The wall clock in milliseconds since 1970, to compare with a script's own clock.
fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// The calling thread's CPU time in nanoseconds, where the system tells it.
fn thread_cpu_ns() -> Option<u64> {
    // The kernel brings a running thread's count up to date at the scheduler's tick (4 ms)
    // and when it yields: yielding first makes a short UI pass measurable.
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn ms(ns: Option<u64>) -> String {
    ns.map_or_else(|| "-".to_owned(), |ns| format!("{:.2}", ns as f64 / 1e6))
}

/// A moment of the start-up (`lector-trace mark name=… t_ms=…`), when tracing.
pub fn mark(name: &str) {
    if wanted() {
        say(&format!(
            "lector-trace mark name={name} t_ms={:.1} thread_cpu_ms={}",
            since_start_ms(),
            ms(thread_cpu_ns())
        ));
    }
}

/// Whether tracing was asked for (`LECTOR_TRACE=1`).
pub fn wanted() -> bool {
    std::env::var_os("LECTOR_TRACE").is_some_and(|v| v == "1")
}

/// Where the first document is in being shown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum FirstDocument {
    /// Not drawn yet.
    #[default]
    Waiting,
    /// Drawn in this frame, at this many ms since the start: painted once the frame ends.
    Drawn { frame: u64, drawn_ms: u64 },
    /// Told.
    Told,
}

/// The trace's state, kept by the app while tracing.
#[derive(Debug, Default)]
pub struct Trace {
    frame: u64,
    /// The thread's CPU time when the previous frame started, and when this frame's UI
    /// pass started.
    frame_start: Option<u64>,
    ui_start: Option<u64>,
    first: FirstDocument,
}

impl Trace {
    /// At the start of a frame (eframe's input hook): its number, time, events and the
    /// previous frame's CPU time; and the first document, once painted.
    pub fn frame_start(&mut self, raw: &egui::RawInput) {
        let now = thread_cpu_ns();
        let previous = match (self.frame_start, now) {
            (Some(start), Some(now)) => Some(now.saturating_sub(start)),
            _ => None,
        };
        self.frame += 1;
        let mut kinds: Vec<(&'static str, usize)> = Vec::new();
        for event in &raw.events {
            let kind = event_kind(event);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((kind, 1)),
            }
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}:{n}")).collect();
        let mut line = format!(
            "lector-trace frame={} t_ms={:.1} events={} kinds={} prev_cpu_ms={}",
            self.frame,
            since_start_ms(),
            raw.events.len(),
            if kinds.is_empty() {
                "-".to_owned()
            } else {
                kinds.join(",")
            },
            ms(previous),
        );
        if let FirstDocument::Drawn { frame, drawn_ms } = self.first {
            line.push_str(&format!(
                "\nlector-trace first_document frame={frame} drawn_ms={drawn_ms} \
                 painted_ms={:.0} unix_ms={} thread_cpu_ms={}",
                since_start_ms(),
                unix_ms(),
                ms(thread_cpu_ns())
            ));
            self.first = FirstDocument::Told;
        }
        say(&line);
        self.frame_start = now;
    }

    /// At the start of the UI pass.
    pub fn ui_start(&mut self) {
        self.ui_start = thread_cpu_ns();
    }

    /// At the end of the UI pass: its CPU time; whether it drew the document.
    pub fn ui_end(&mut self, ctx: &egui::Context, document_shown: bool) {
        let spent = match (self.ui_start, thread_cpu_ns()) {
            (Some(start), Some(now)) => Some(now.saturating_sub(start)),
            _ => None,
        };
        say(&format!(
            "lector-trace ui frame={} ui_ms={}",
            self.frame,
            ms(spent)
        ));
        if document_shown && self.first == FirstDocument::Waiting {
            self.first = FirstDocument::Drawn {
                frame: self.frame,
                drawn_ms: since_start_ms().round() as u64,
            };
            // The line says when it was painted, at the start of the next frame.
            ctx.request_repaint();
        }
    }
}

/// An event's kind, in one word.
fn event_kind(event: &egui::Event) -> &'static str {
    use egui::Event;
    match event {
        Event::Copy => "Copy",
        Event::Cut => "Cut",
        Event::Paste(_) => "Paste",
        Event::Text(_) => "Text",
        Event::Key { .. } => "Key",
        Event::PointerMoved(_) => "PointerMoved",
        Event::MouseMoved(_) => "MouseMoved",
        Event::PointerButton { .. } => "PointerButton",
        Event::PointerGone => "PointerGone",
        Event::Zoom(_) => "Zoom",
        Event::Rotate(_) => "Rotate",
        Event::Ime(_) => "Ime",
        Event::Touch { .. } => "Touch",
        Event::MouseWheel { .. } => "MouseWheel",
        Event::WindowFocused(_) => "WindowFocused",
        Event::AccessKitActionRequest(_) => "AccessKit",
        _ => "Other",
    }
}

/// Writes a line to stderr (a closed stderr is no reason to stop).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
