//! Frame-loop benchmark of the article view at book scale (`reference/performance.md` §9–10).
//!
//! Headless: a bare `egui::Context` (no eframe, no window, no GPU, no rasteriser) drives the real
//! [`ArticleView`] over a deterministic 5 MB article with 100k annotations, and each frame is
//! timed as `run_ui` + `tessellate`. Besides frames it times opening a document, tagging
//! (`Session::apply` plus the `SpanIndex` rebuild the app does after every change), saving
//! and loading the project.
//!
//! Run: `cargo bench --bench frame_loop`. Prints a table and one JSON line (starting with `{`).
//! On a project of your own: `cargo bench --bench frame_loop -- --project DIR [--document ID]
//! [--annotator NAME]` runs the same scenarios on that document's text with that annotator's
//! annotations, entities and the project's schema (the document defaults to the first, the
//! annotator to the one with the most annotations on it), in a temporary copy: the project
//! itself is only read. The JSON line then names it in a `"project"` field.
//!
//! Timing: per-frame figures are wall time (`Instant`), because thread CPU time per frame
//! needs `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` (the `libc` crate, not a dependency). Each
//! frame scenario is therefore reported twice: over all frames, and over the frames during which
//! the thread was never descheduled (the third field of `/proc/thread-self/schedstat`, read
//! after every frame outside the timed region, did not change), whose wall time is their CPU
//! time. The notes add the scenario's total thread CPU time per frame (first field of
//! `schedstat`, exact over a scenario) and its involuntary context switches
//! (`/proc/thread-self/status`). On a loaded machine trust the "not descheduled" rows.
//!
//! Also measured (see `main`): open, tag (apply + index rebuild), undo, save, the linear parts
//! of load, and load at a few sizes to show how it grows.
//!
//! Environment: `LECTOR_BENCH_LOAD_TIMEOUT_S` (default 30) caps how long the load of the
//! 100k-annotation project may take before it is reported as unfinished.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
use egui::{Event, MouseWheelSource, MouseWheelUnit, Pos2, RawInput, Rect, TouchPhase, ViewportId};
use std::sync::Arc;

use lector::model::{
    Annotation, AnnotationList, AttrType, AttrValue, CharOffset, DocText, Schema, checked_fragments,
};
use lector::session::{Edit, Session};
use lector::store::{ProjectStore, ron_file, v1};

#[path = "corpus.rs"]
mod corpus;
use corpus::*;
use lector::ui::article::{ArticleView, Overlay};
use lector::ui::span_index::SpanIndex;

/// Logical screen size and scale.
const SCREEN_W: f32 = 1600.0;
const SCREEN_H: f32 = 1000.0;
const PIXELS_PER_POINT: f32 = 1.0;
/// Simulated display rate: input time advances by this much per frame.
const FRAME_DT: f32 = 1.0 / 120.0;

const WARMUP_FRAMES: usize = 5;
const FRAMES: usize = 600;
/// Each frame scenario runs this many times; the run with the median p95 is reported.
const RUNS: usize = 3;
/// Scroll speed of the smooth-scroll scenario, in points per frame.
const SCROLL_PX: f32 = 30.0;

const TAGS: usize = 200;
const UNDOS: usize = 20;
const SAVES: usize = 3;
/// Annotation counts of the load-scaling measurement.
const LOAD_SCALING: [usize; 4] = [0, 1_000, 2_000, 4_000];

const ANNOTATOR: &str = "bench";

// ---------------------------------------------------------------------------------------------
// Deterministic input data
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Measurement helpers
// ---------------------------------------------------------------------------------------------

/// This thread's `/proc/thread-self/schedstat` field `i`: 0 is the CPU time so far in ns
/// (`sum_exec_runtime`, brought up to date only at a context switch or scheduler tick, so it is
/// read per scenario, not per frame), 2 the number of times the thread was put on a CPU
/// (changes at once, so a frame during which it changed was interrupted).
fn schedstat(i: usize) -> Option<u64> {
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .nth(i)?
        .parse()
        .ok()
}

fn thread_cpu_ns() -> Option<u64> {
    schedstat(0)
}

fn times_scheduled() -> Option<u64> {
    schedstat(2)
}

/// Times this thread was preempted.
fn involuntary_switches() -> Option<u64> {
    fs::read_to_string("/proc/thread-self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(0, usize::from)
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One row of the result table.
struct Row {
    scenario: String,
    /// Samples in ms, sorted.
    samples: Vec<f64>,
    /// Free-form details for the table and the JSON line.
    note: String,
}

impl Row {
    fn new(scenario: impl Into<String>, mut samples: Vec<f64>, note: impl Into<String>) -> Self {
        samples.sort_by(f64::total_cmp);
        Self {
            scenario: scenario.into(),
            samples,
            note: note.into(),
        }
    }

    fn p(&self, q: f64) -> f64 {
        percentile(&self.samples, q)
    }

    fn max(&self) -> f64 {
        self.samples.last().copied().unwrap_or(f64::NAN)
    }
}

/// What one frame scenario run measured.
struct FrameRun {
    /// Wall time per frame (run_ui + tessellate), ms.
    wall_ms: Vec<f64>,
    /// Whether the thread was descheduled during (or just before) the frame.
    preempted: Vec<bool>,
    /// Thread CPU time over the whole run divided by frames, ms.
    cpu_per_frame_ms: Option<f64>,
    involuntary_switches: Option<u64>,
    max_vertices: usize,
}

impl FrameRun {
    fn p95(&self) -> f64 {
        let mut s = self.wall_ms.clone();
        s.sort_by(f64::total_cmp);
        percentile(&s, 0.95)
    }

    /// Wall times of the frames that ran without being descheduled: these equal their CPU time.
    fn unpreempted_ms(&self) -> Vec<f64> {
        self.wall_ms
            .iter()
            .zip(&self.preempted)
            .filter(|(_, p)| !**p)
            .map(|(w, _)| *w)
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The headless egui driver
// ---------------------------------------------------------------------------------------------

/// A bare egui context fed with scripted input, one frame at a time.
struct Driver {
    ctx: egui::Context,
    time: f64,
}

impl Driver {
    /// A fresh context set up like the app's (`prepare_context` in `src/ui/app.rs`): the
    /// bundled emoji font as the last fallback. Scroll-to animations are off so that a jump is
    /// one frame (`ScrollArea` otherwise animates `scroll_to_rect` over 0.1–0.3 s).
    fn new() -> Self {
        let ctx = egui::Context::default();
        ctx.options_mut(|o| o.zoom_with_keyboard = false);
        let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect();
        ctx.add_font(FontInsert::new(
            "NotoEmoji",
            egui::FontData::from_static(include_bytes!("../assets/fonts/NotoEmoji-Regular.ttf")),
            families,
        ));
        ctx.all_styles_mut(|s| s.scroll_animation = egui::style::ScrollAnimation::none());
        Self { ctx, time: 0.0 }
    }

    /// Runs one frame of the view with these input events; returns its wall time and the
    /// number of vertices tessellated.
    fn frame(
        &mut self,
        view: &mut ArticleView,
        overlay: &Overlay<'_>,
        events: Vec<Event>,
    ) -> (Duration, usize) {
        self.time += f64::from(FRAME_DT);
        let mut input = RawInput {
            screen_rect: Some(Rect::from_min_size(
                Pos2::ZERO,
                egui::vec2(SCREEN_W, SCREEN_H),
            )),
            time: Some(self.time),
            predicted_dt: FRAME_DT,
            events,
            ..RawInput::default()
        };
        input
            .viewports
            .entry(ViewportId::ROOT)
            .or_default()
            .native_pixels_per_point = Some(PIXELS_PER_POINT);

        let start = Instant::now();
        let mut output = self.ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                view.ui(ui, overlay);
            });
        });
        let primitives = self
            .ctx
            .tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
        let elapsed = start.elapsed();

        let vertices = primitives
            .iter()
            .map(|p| match &p.primitive {
                egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
                egui::epaint::Primitive::Callback(_) => 0,
            })
            .sum();
        // No renderer: font-atlas uploads are dropped.
        output.drop_without_applying_deltas();
        (elapsed, vertices)
    }

    /// Jumps the view to a char and lets it settle (not timed).
    fn settle_at(&mut self, view: &mut ArticleView, overlay: &Overlay<'_>, at: CharOffset) {
        view.scroll_to(at);
        for _ in 0..4 {
            self.frame(view, overlay, Vec::new());
        }
    }

    /// Runs `WARMUP_FRAMES + FRAMES` frames with the input `script(frame_index, view)` returns
    /// (frames numbered from 0, warm-up first) and measures the last `FRAMES`.
    fn run(
        &mut self,
        view: &mut ArticleView,
        overlay: &Overlay<'_>,
        mut script: impl FnMut(usize, &mut ArticleView) -> Vec<Event>,
    ) -> FrameRun {
        for i in 0..WARMUP_FRAMES {
            let events = script(i, view);
            self.frame(view, overlay, events);
        }
        let cpu0 = thread_cpu_ns();
        let switches0 = involuntary_switches();
        let mut wall_ms = Vec::with_capacity(FRAMES);
        let mut preempted = Vec::with_capacity(FRAMES);
        let mut max_vertices = 0;
        let mut scheduled = times_scheduled();
        for i in WARMUP_FRAMES..WARMUP_FRAMES + FRAMES {
            let events = script(i, view);
            let (elapsed, vertices) = self.frame(view, overlay, events);
            // Read after the timed region; a switch between this read and the next frame's
            // start marks the next frame too (conservative).
            let now = times_scheduled();
            preempted.push(scheduled.zip(now).is_some_and(|(a, b)| b != a));
            scheduled = now;
            wall_ms.push(ms(elapsed));
            max_vertices = max_vertices.max(vertices);
        }
        let cpu_per_frame_ms = cpu0
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b.saturating_sub(a)) as f64 / 1e6 / FRAMES as f64);
        let involuntary_switches = switches0
            .zip(involuntary_switches())
            .map(|(a, b)| b.saturating_sub(a));
        FrameRun {
            wall_ms,
            preempted,
            cpu_per_frame_ms,
            involuntary_switches,
            max_vertices,
        }
    }
}

fn wheel(phase: TouchPhase, dy: f32) -> Event {
    Event::MouseWheel {
        unit: MouseWheelUnit::Point,
        delta: egui::vec2(0.0, dy),
        phase,
        source: MouseWheelSource::Trackpad,
        modifiers: egui::Modifiers::NONE,
    }
}

/// Where the middle of the screen is; the pointer rests there while scrolling.
const CENTER: Pos2 = Pos2::new(SCREEN_W / 2.0, SCREEN_H / 2.0);

/// The runs of one scenario reduced to the run with the median p95, as two table rows: all
/// frames, and only the frames that were not descheduled (a stand-in for thread CPU time).
fn frame_rows(scenario: &str, mut runs: Vec<FrameRun>, extra: &str) -> [Row; 2] {
    let p95s: Vec<f64> = runs.iter().map(FrameRun::p95).collect();
    runs.sort_by(|a, b| a.p95().total_cmp(&b.p95()));
    let median = runs.swap_remove(runs.len() / 2);
    let cpu = median
        .cpu_per_frame_ms
        .map_or_else(|| "?".to_owned(), |c| format!("{c:.3}"));
    let wall_mean = median.wall_ms.iter().sum::<f64>() / median.wall_ms.len().max(1) as f64;
    let switches = median
        .involuntary_switches
        .map_or_else(|| "?".to_owned(), |s| s.to_string());
    let p95s = p95s
        .iter()
        .map(|p| format!("{p:.3}"))
        .collect::<Vec<_>>()
        .join("/");
    let clean = median.unpreempted_ms();
    let n_preempted = median.wall_ms.len() - clean.len();
    [
        Row::new(
            format!("{scenario} [all frames]"),
            median.wall_ms,
            format!(
                "p95 of {RUNS} runs {p95s}; mean wall {wall_mean:.3} vs CPU {cpu} ms/frame; \
                 {switches} involuntary switches; max {} vertices{extra}",
                median.max_vertices
            ),
        ),
        Row::new(
            format!("{scenario} [not descheduled]"),
            clean,
            format!("{n_preempted} frames left out"),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Project on disk
// ---------------------------------------------------------------------------------------------

/// A project in `dir` holding the article and `annotations` as one saved set.
/// What the scenarios run on: the generated article or a document of a project of the user's.
struct Input {
    text: String,
    schema: Schema,
    annotations: Vec<Annotation>,
    /// The annotator's entities (annotations may link to them).
    entities: Option<lector::model::EntityRegistry>,
    /// The project, document and annotator it was read from (`None`: generated).
    origin: Option<(PathBuf, String, String)>,
}

/// The command line after `cargo bench --bench frame_loop --`: `--project DIR`,
/// `--document ID`, `--annotator NAME` (cargo adds `--bench`, which is ignored).
fn input_from_args() -> Result<Option<Input>, String> {
    let mut args = std::env::args().skip(1);
    let (mut project, mut document, mut annotator) = (None, None, None);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--project" => project = Some(PathBuf::from(value("--project")?)),
            "--document" => document = Some(value("--document")?),
            "--annotator" => annotator = Some(value("--annotator")?),
            "--bench" => {}
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --project DIR [--document ID] \
                     [--annotator NAME]"
                ));
            }
        }
    }
    let Some(dir) = project else {
        return match (document, annotator) {
            (None, None) => Ok(None),
            _ => Err("--document and --annotator need --project".to_owned()),
        };
    };
    let (store, problems) =
        ProjectStore::open(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if let Some(p) = problems.first() {
        eprintln!(
            "frame_loop: {} problems reading the project, first: {p}",
            problems.len()
        );
    }
    let project = &store.project;
    let doc = match document {
        Some(id) => project
            .document(&id)
            .ok_or(format!("the project has no document {id:?}"))?,
        None => project
            .documents
            .first()
            .ok_or("the project has no documents")?,
    };
    let id = doc.meta.id.clone();
    let annotator = match annotator {
        Some(a) => a,
        None => project
            .sets
            .iter()
            .filter(|((d, _), _)| *d == id)
            .max_by_key(|(_, set)| set.annotations().len())
            .map(|((_, a), _)| a.clone())
            .ok_or(format!(
                "nobody annotated document {id:?}; name --annotator"
            ))?,
    };
    let annotations = project
        .set(&id, &annotator)
        .map(|s| s.annotations().iter().map(|a| (**a).clone()).collect())
        .unwrap_or_default();
    Ok(Some(Input {
        text: doc.text.as_str().to_owned(),
        schema: project.schema.clone(),
        annotations,
        entities: project.entities.get(&annotator).cloned(),
        origin: Some((dir, id, annotator)),
    }))
}

/// A new project at `root` with the input's schema, text and entities, and `annotations` as
/// `ANNOTATOR`'s (in memory); returns the store and the document's id.
fn project_from(root: &Path, input: &Input, annotations: &[Annotation]) -> (ProjectStore, String) {
    let mut store = ProjectStore::create(root, "bench").expect("setup: create project");
    store.project.schema = input.schema.clone();
    store.save_project_file().expect("setup: save the schema");
    let doc = store
        .add_text("bench.txt", "Bench", input.text.clone())
        .expect("setup: add the article");
    if let Some(registry) = &input.entities {
        store
            .project
            .entities
            .insert(ANNOTATOR.to_owned(), registry.clone());
        store
            .save_entities(ANNOTATOR)
            .expect("setup: save entities");
    }
    store
        .project
        .set_mut(&doc, ANNOTATOR)
        .replace_all(annotations.to_vec());
    (store, doc)
}

fn project_with(dir: &Path, input: &Input, annotations: &[Annotation]) -> PathBuf {
    let root = dir.join("project");
    let (mut store, doc) = project_from(&root, input, annotations);
    store.save_set(&doc, ANNOTATOR).expect("setup: save set");
    root
}

/// Starts counting the peak resident set afresh (Linux: `clear_refs` 5 resets `VmHWM`).
fn reset_peak_rss() {
    let _ = fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set so far, in MB (`VmHWM` of `/proc/self/status`).
fn peak_rss_mb() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Opens a project folder and returns how long it took, or why it failed.
fn time_open(root: &Path) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let (store, problems) = ProjectStore::open(root).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    let n: usize = store
        .project
        .sets
        .values()
        .map(|s| s.annotations().len())
        .sum();
    if !problems.is_empty() {
        return Err(format!(
            "{} problems, first: {}",
            problems.len(),
            problems[0]
        ));
    }
    Ok((elapsed, n))
}

fn file_size_mb(path: &Path) -> f64 {
    fs::metadata(path).map_or(f64::NAN, |m| m.len() as f64 / 1e6)
}

// ---------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------

/// The article's own annotations with their index, and nothing else painted over it.
fn bare_overlay<'a>(
    annotations: lector::model::Annotations<'a>,
    index: &'a SpanIndex,
    schema: &'a Schema,
) -> Overlay<'a> {
    Overlay {
        annotations,
        index,
        schema,
        colleagues: &[],
        selected: None,
        hits: &[],
        current_hit: None,
        cue: &[],
        title: "bench",
        suggestions: None,
    }
}

/// How many fragments the span index of `annotations` holds.
fn index_len_of(annotations: lector::model::Annotations<'_>) -> usize {
    annotations.iter().map(|a| a.fragments.len()).sum()
}

fn main() {
    let load_before = load_average();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // --- Input data --------------------------------------------------------------------------
    let t = Instant::now();
    let input = match input_from_args() {
        Ok(Some(input)) => input,
        Ok(None) => {
            let mut rng = Lcg(SEED);
            let text = article(&mut rng);
            let doc_text = DocText::new(text.as_str()).expect("setup: text fits u32 offsets");
            let schema = Schema::news_default();
            let annotations = annotations(&doc_text, &schema, &mut rng);
            Input {
                text,
                schema,
                annotations,
                entities: None,
                origin: None,
            }
        }
        Err(e) => {
            eprintln!("frame_loop: {e}");
            std::process::exit(2);
        }
    };
    let text = input.text.clone();
    let setup_text = DocText::new(text.as_str()).expect("setup: text fits u32 offsets");
    let schema = input.schema.clone();
    let all = input.annotations.clone();
    let non_ascii_chars = text.chars().filter(|c| !c.is_ascii()).count();
    let source = match &input.origin {
        Some((dir, document, annotator)) => format!(
            "project {}, document {document:?}, {annotator}'s annotations; read",
            dir.display()
        ),
        None => format!("corpus: seed {SEED:#x}; generated"),
    };
    notes.push(format!(
        "{source}: {} bytes, {} chars ({:.1}% non-ASCII chars), {} lines, {} annotations, \
         in {:.0} ms",
        text.len(),
        setup_text.len_chars().0,
        100.0 * non_ascii_chars as f64 / setup_text.len_chars().0.max(1) as f64,
        text.split('\n').count(),
        all.len(),
        ms(t.elapsed()),
    ));

    // --- The project in memory, with a session ------------------------------------------------
    let tmp = tempfile::tempdir().expect("setup: tempdir");
    let (store, doc_id) = project_from(&tmp.path().join("main"), &input, &all);
    let mut session = Session::new(store, ANNOTATOR);
    let set_annotations = |session: &Session| -> Vec<Arc<Annotation>> {
        session
            .store
            .project
            .set(&doc_id, ANNOTATOR)
            .map(|s| s.annotations().to_vec())
            .unwrap_or_default()
    };
    let sorted = AnnotationList::from_vec(set_annotations(&session));
    let sorted = sorted.view();

    // --- Open: DocText + ArticleView + SpanIndex + first frame --------------------------------
    // Cold: a fresh context (font atlas built in the first frame), as when the app starts on
    // this document. Warm: a context that has already drawn frames, as when switching documents.
    let mut open_total = Vec::new();
    let mut open_parts = Vec::new();
    let mut first_cold = Vec::new();
    let mut second_cold = Vec::new();
    let mut first_warm = Vec::new();
    let mut driver = Driver::new();
    let mut view_main = None;
    for round in 0..3 {
        // The text as its file was read: the app's store hands it over as it is (not copied).
        let read = text.clone();
        let t0 = Instant::now();
        let doc_text = DocText::new(read).expect("setup: text fits u32 offsets");
        let t_doc = t0.elapsed();
        let mut view = ArticleView::new(format!("{doc_id}-{round}"), doc_text);
        let t_view = t0.elapsed() - t_doc;
        let index = SpanIndex::new(&schema, sorted);
        let t_index = t0.elapsed() - t_doc - t_view;
        let overlay = bare_overlay(sorted, &index, &schema);
        let mut cold = Driver::new();
        let (f1, _) = cold.frame(&mut view, &overlay, Vec::new());
        open_total.push(ms(t0.elapsed()));
        let (f2, _) = cold.frame(&mut view, &overlay, Vec::new());
        first_cold.push(ms(f1));
        second_cold.push(ms(f2));
        open_parts.push((ms(t_doc), ms(t_view), ms(t_index)));
        // The same document again on a warm context (the main driver).
        let mut warm_view = ArticleView::new(format!("{doc_id}-warm-{round}"), view.text().clone());
        if round == 0 {
            // Give the main driver some history first.
            driver.frame(&mut view, &overlay, Vec::new());
        }
        let (fw, _) = driver.frame(&mut warm_view, &overlay, Vec::new());
        first_warm.push(ms(fw));
        view_main = Some(warm_view);
    }
    let mut view = view_main.expect("setup: a view was made");
    let (doc_ms, view_ms, index_ms) = open_parts[1];
    rows.push(Row::new(
        "open: DocText::new + ArticleView::new + SpanIndex::new + 1st frame (cold ctx)",
        open_total.clone(),
        format!(
            "3 rounds; round 2: DocText::new {doc_ms:.1} ms, ArticleView::new {view_ms:.1} ms, \
             SpanIndex::new {index_ms:.1} ms"
        ),
    ));
    rows.push(Row::new(
        "open: 1st frame, cold ctx (font atlas)",
        first_cold,
        "",
    ));
    rows.push(Row::new("open: 2nd frame, cold ctx", second_cold, ""));
    rows.push(Row::new(
        "open: 1st frame of a new view, warm ctx",
        first_warm,
        "document switch",
    ));

    // --- Open as the app opens a document it has read ----------------------------------------
    // The text as the store hands it over (its tables, and a big text's paragraphs, made when
    // the file was read), a new view, the span index's first part for what the view shows
    // first, and the first frame; the whole index is built on other threads meanwhile, as the
    // app builds it (`refresh_index` in `src/ui/project.rs`).
    let (stored, ()) = DocText::new_while(text.clone(), |_| ());
    let stored = stored.expect("setup: text fits u32 offsets");
    let mut app_open = Vec::new();
    let mut app_open_cold = Vec::new();
    let mut whole_after = Vec::new();
    let mut part_sizes = Vec::new();
    for (round, cold) in [false, true, false, true, false, true]
        .into_iter()
        .enumerate()
    {
        let mut fresh = cold.then(Driver::new);
        let (first, whole) = std::thread::scope(|scope| {
            let t0 = Instant::now();
            let mut view = ArticleView::new(format!("{doc_id}-read-{round}"), stored.clone());
            let part = SpanIndex::first_part(&schema, sorted, view.likely_shown_before());
            let schema = &schema;
            let whole = scope.spawn(move || {
                let index = SpanIndex::new(schema, sorted);
                (index, t0.elapsed())
            });
            let overlay = bare_overlay(sorted, &part, schema);
            fresh
                .as_mut()
                .unwrap_or(&mut driver)
                .frame(&mut view, &overlay, Vec::new());
            let first = t0.elapsed();
            assert!(view.painted(), "the first frame shows the text");
            assert!(
                !part.fell_short(),
                "the first frame needs nothing past the part"
            );
            part_sizes.push((part.len(), part.is_part()));
            let (whole, at) = whole.join().expect("the whole index is built");
            assert_eq!(whole.len(), index_len_of(sorted));
            (first, at)
        });
        if cold {
            app_open_cold.push(ms(first));
        } else {
            app_open.push(ms(first));
        }
        whole_after.push(ms(whole));
    }
    let (part_len, is_part) = part_sizes[0];
    rows.push(Row::new(
        "open a read document as the app does: ArticleView::new + first part of the span index + 1st frame (warm ctx)",
        app_open,
        format!(
            "3 rounds; the first part holds {part_len} fragments{}; the whole index built \
             alongside, done {:.1}–{:.1} ms after the open began",
            if is_part { "" } else { " (all of them)" },
            whole_after.iter().copied().fold(f64::INFINITY, f64::min),
            whole_after.iter().copied().fold(0.0, f64::max),
        ),
    ));
    rows.push(Row::new(
        "open a read document as the app does, cold ctx (font atlas)",
        app_open_cold,
        "as the first document the app shows",
    ));

    // --- Frame scenarios ----------------------------------------------------------------------
    let index = SpanIndex::new(&schema, sorted);
    let overlay = bare_overlay(sorted, &index, &schema);
    let len = setup_text.len_chars().0;
    // Where the giant paragraphs start, in chars.
    let giant_starts: Vec<u32> = {
        let mut starts = Vec::new();
        let mut chars = 0u32;
        for line in text.split('\n') {
            let n = line.chars().count() as u32;
            if line.len() >= GIANT_BYTES {
                starts.push(chars);
            }
            chars += n + 1;
        }
        starts
    };

    // a. Smooth scroll with the mouse wheel (trackpad phases, so egui applies each delta at
    //    once instead of smoothing it over frames), pointer over the article.
    let smooth_scroll = |driver: &mut Driver, view: &mut ArticleView, from: u32| {
        driver.settle_at(view, &overlay, CharOffset(from));
        let before = view.char_at(CENTER);
        let run = driver.run(view, &overlay, |i, _| match i {
            0 => vec![Event::PointerMoved(CENTER), wheel(TouchPhase::Start, 0.0)],
            _ => vec![wheel(TouchPhase::Move, -SCROLL_PX)],
        });
        // End the gesture so the next scenario starts clean.
        driver.frame(view, &overlay, vec![wheel(TouchPhase::End, 0.0)]);
        let after = view.char_at(CENTER);
        (run, before, after)
    };
    let mut runs = Vec::new();
    let mut moved = String::new();
    for k in 0..RUNS {
        let from = len / 10 + k as u32 * (len / 4);
        let (run, before, after) = smooth_scroll(&mut driver, &mut view, from);
        if k == 0 {
            moved = format!(
                "; run 1 moved the char under the pointer from {} to {}",
                before.map_or(0, |c| c.0),
                after.map_or(0, |c| c.0)
            );
        }
        runs.push(run);
    }
    rows.extend(frame_rows(
        &format!("a. smooth scroll, wheel {SCROLL_PX} px/frame"),
        runs,
        &moved,
    ));

    // a'. The same through a 50 kB paragraph (laid out in 8 kB blocks).
    if giant_starts.is_empty() {
        notes.push(format!(
            "a'. left out: the text has no line of {GIANT_BYTES} bytes or more"
        ));
    } else {
        let mut runs = Vec::new();
        for k in 0..RUNS {
            let from = giant_starts[k % giant_starts.len()];
            runs.push(smooth_scroll(&mut driver, &mut view, from.saturating_sub(500)).0);
        }
        rows.extend(frame_rows(
            "a'. smooth scroll through a 50 kB line",
            runs,
            "",
        ));
    }

    // a''. Smooth scroll with suggestions drawn (issue 13): a candidate at every 40th word,
    //      the open ones drawn as dashed outlines; per frame only those of the visible
    //      paragraphs are asked for (`DocumentSuggestions::in_range`).
    let suggestions = {
        let mut candidates = Vec::new();
        let mut word = 0usize;
        let mut prev_space = true;
        for (i, c) in text.chars().enumerate() {
            let space = !c.is_alphanumeric();
            if prev_space && !space {
                word += 1;
                if word.is_multiple_of(40) {
                    let start = i as u32;
                    candidates.push(lector::suggest::Suggestion {
                        start: CharOffset(start),
                        end: CharOffset(start + 1),
                        label: "Claim".to_owned(),
                        entity: None,
                        source: "bench".to_owned(),
                        also: Vec::new(),
                    });
                }
            }
            prev_space = space;
        }
        let mut found = lector::suggest::DocumentSuggestions::new(&doc_id, candidates);
        found.refresh(&session.store.project, ANNOTATOR);
        found
    };
    let with_suggestions = Overlay {
        suggestions: Some(&suggestions),
        ..overlay
    };
    let mut runs = Vec::new();
    for k in 0..RUNS {
        let from = len / 10 + k as u32 * (len / 4);
        driver.settle_at(&mut view, &with_suggestions, CharOffset(from));
        runs.push(driver.run(&mut view, &with_suggestions, |i, _| match i {
            0 => vec![Event::PointerMoved(CENTER), wheel(TouchPhase::Start, 0.0)],
            _ => vec![wheel(TouchPhase::Move, -SCROLL_PX)],
        }));
        driver.frame(
            &mut view,
            &with_suggestions,
            vec![wheel(TouchPhase::End, 0.0)],
        );
    }
    rows.extend(frame_rows(
        "a''. smooth scroll with suggestions drawn",
        runs,
        &format!("; {} open suggestions", suggestions.open_count()),
    ));

    // a‴. Smooth scroll with a few document-long spans (issue 9): five Claims that each cover
    //     most of the article, starting in its first paragraphs, on top of the 100k. A long
    //     span that starts early must not turn each visible paragraph's query into a scan of
    //     every fragment before it.
    let long_spans: Vec<Arc<Annotation>> = {
        let mut rng = Lcg(SEED ^ 0x1046);
        let mut all: Vec<Arc<Annotation>> = (0..5u32)
            .filter_map(|k| {
                let span = snapped(&setup_text, 10 + k * 50, len - 10 - k * 50)?;
                annotation(&setup_text, "Claim", span, id(&mut rng)).map(Arc::new)
            })
            .collect();
        all.extend(sorted.iter().cloned());
        all
    };
    let long_spans = AnnotationList::from_vec(long_spans);
    let long_index = SpanIndex::new(&schema, long_spans.view());
    let with_long = Overlay {
        annotations: long_spans.view(),
        index: &long_index,
        ..overlay
    };
    let mut runs = Vec::new();
    for k in 0..RUNS {
        let from = len / 10 + k as u32 * (len / 4);
        driver.settle_at(&mut view, &with_long, CharOffset(from));
        runs.push(driver.run(&mut view, &with_long, |i, _| match i {
            0 => vec![Event::PointerMoved(CENTER), wheel(TouchPhase::Start, 0.0)],
            _ => vec![wheel(TouchPhase::Move, -SCROLL_PX)],
        }));
        driver.frame(&mut view, &with_long, vec![wheel(TouchPhase::End, 0.0)]);
    }
    rows.extend(frame_rows(
        "a‴. smooth scroll with 5 document-long spans",
        runs,
        &format!("; {} annotations", long_spans.len()),
    ));
    if std::env::var_os("LECTOR_BENCH_SCROLL_ONLY").is_some() {
        notes.push("LECTOR_BENCH_SCROLL_ONLY: the scroll scenarios only".to_owned());
        report(&input, &load_before, &rows, &notes, [peak_rss_mb(), None]);
        drop(session);
        drop(tmp);
        std::process::exit(0);
    }

    // b. A jump to a random place every frame (scrollbar drag, go-to, search hit).
    let mut runs = Vec::new();
    let mut jump_rng = Lcg(SEED ^ 0x7a3b);
    for _ in 0..RUNS {
        runs.push(driver.run(&mut view, &overlay, |_, view| {
            view.scroll_to(CharOffset(jump_rng.below(len as usize) as u32));
            Vec::new()
        }));
    }
    rows.extend(frame_rows("b. random jump every frame", runs, ""));

    // c. Static view, pointer moving over the text at 4 px per frame along text rows. After
    //    every 200 frames of movement the pointer rests for 100 frames (0.83 s, past egui's
    //    0.5 s tooltip delay) on the next annotation it meets, so the annotation tooltip
    //    (`ArticleView::interact`) opens, and then stays open and follows the pointer.
    let ctx = driver.ctx.clone();
    let tooltip_shown = || {
        ctx.memory(|m| {
            m.areas()
                .visible_layer_ids()
                .iter()
                .any(|l| l.order == egui::Order::Tooltip)
        })
    };
    let mut runs = Vec::new();
    let mut tooltip_frames = Vec::new();
    for k in 0..RUNS {
        driver.settle_at(
            &mut view,
            &overlay,
            CharOffset(len / 3 + k as u32 * (len / 5)),
        );
        let mut pos = Pos2::new(480.0, 120.0);
        let (mut moved, mut resting, mut with_tooltip) = (0, 0, 0);
        let mut hits = Vec::new();
        runs.push(driver.run(&mut view, &overlay, |_, view| {
            // Whether the previous frame showed a tooltip (read outside the timed region).
            with_tooltip += usize::from(tooltip_shown());
            if resting > 0 {
                resting -= 1;
                return Vec::new();
            }
            pos.x += 4.0;
            if pos.x > 1120.0 {
                pos.x = 480.0;
                pos.y = if pos.y > 880.0 { 120.0 } else { pos.y + 37.0 };
            }
            moved += 1;
            if moved >= 200 {
                hits.clear();
                if let Some(at) = view.char_at(pos) {
                    overlay.index.query(at.0, at.0 + 1, &mut hits);
                }
                if !hits.is_empty() {
                    moved = 0;
                    resting = 100;
                }
            }
            vec![Event::PointerMoved(pos)]
        }));
        tooltip_frames.push(with_tooltip);
        // Move the pointer away.
        driver.frame(&mut view, &overlay, vec![Event::PointerGone]);
    }
    let tooltip_note = format!(
        "; a tooltip was shown in {} of {} frames per run",
        tooltip_frames
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/"),
        WARMUP_FRAMES + FRAMES
    );
    rows.extend(frame_rows(
        "c. hover: static view, pointer moving",
        runs,
        &tooltip_note,
    ));

    // --- Tag: Session::apply + SpanIndex rebuild ----------------------------------------------
    let mut tag_rng = Lcg(SEED ^ 0x7a6);
    let random_annotation = |rng: &mut Lcg| loop {
        let start = rng.below((len as usize).saturating_sub(64).max(1)) as u32;
        let span_len = rng.range(4, 40) as u32;
        let label = rng.pick(&schema.labels).name.clone();
        if let Some(span) = snapped(&setup_text, start, start + span_len)
            && let Ok(fragments) = checked_fragments(&setup_text, &[span])
        {
            // As `LectorApp::tag_selection` makes it: fresh random id, now.
            return Annotation::new(label, fragments);
        }
    };
    // The index the view keeps, as `LectorApp::refresh_index` has it before the first tag.
    let mut view_index = SpanIndex::new(
        &session.store.project.schema,
        AnnotationList::from_vec(set_annotations(&session)).view(),
    );
    let measure_tags =
        |session: &mut Session, view_index: &mut SpanIndex, rng: &mut Lcg, n: usize| {
            let mut apply_ms = Vec::with_capacity(n);
            let mut index_ms = Vec::with_capacity(n);
            let mut total_ms = Vec::with_capacity(n);
            let mut failures = 0;
            for _ in 0..n {
                let a = random_annotation(rng);
                let t0 = Instant::now();
                let result = session.apply(&doc_id, vec![Edit::insert(a)]);
                let t_apply = t0.elapsed();
                if result.is_err() {
                    failures += 1;
                }
                // What `LectorApp::refresh_index` does after one step: follow its changes.
                let t1 = Instant::now();
                if let Some((_, changes)) = session.last_changes() {
                    view_index.follow(&session.store.project.schema, changes);
                }
                let t_index = t1.elapsed();
                std::hint::black_box(view_index.len());
                apply_ms.push(ms(t_apply));
                index_ms.push(ms(t_index));
                total_ms.push(ms(t_apply + t_index));
            }
            (apply_ms, index_ms, total_ms, failures)
        };
    let (apply_ms, index_ms, total_ms, failures) =
        measure_tags(&mut session, &mut view_index, &mut tag_rng, TAGS);
    let failed = if failures > 0 {
        format!("; {failures} refused")
    } else {
        String::new()
    };
    rows.push(Row::new(
        "tag: Session::apply(Insert) at 100k",
        apply_ms,
        format!("{TAGS} tags at random places{failed}"),
    ));
    rows.push(Row::new("tag: SpanIndex::follow at 100k", index_ms, ""));
    rows.push(Row::new("tag: apply + index update", total_ms, ""));

    // Two steps of a tag timed on their own: a lookup by id (`AnnotationSet::get`: the id
    // index, then a binary search by sort key) and `AnnotationSet::insert` (a binary search,
    // then an insert into one chunk of the list: O(log n), whatever the set's size).
    let mut get_ms = Vec::new();
    let mut insert_ms = Vec::new();
    for _ in 0..UNDOS {
        let a = random_annotation(&mut tag_rng);
        let set = session.store.project.set_mut(&doc_id, ANNOTATOR);
        let t0 = Instant::now();
        let found = set.get(&a.id).is_some();
        get_ms.push(ms(t0.elapsed()));
        std::hint::black_box(found);
        let t1 = Instant::now();
        let id = a.id.clone();
        set.insert(a);
        insert_ms.push(ms(t1.elapsed()));
        set.remove(&id);
    }
    rows.push(Row::new(
        "for comparison: AnnotationSet::get (id not present) at 100k",
        get_ms,
        "the id index, then a binary search by sort key",
    ));
    rows.push(Row::new(
        "tag part: AnnotationSet::insert at 100k",
        insert_ms,
        "a binary search, then an insert into one chunk of at most 2048 pointers",
    ));

    // Undo (also goes through apply_raw).
    let mut undo_ms = Vec::new();
    for _ in 0..UNDOS {
        let t0 = Instant::now();
        let done = session.undo(&doc_id);
        undo_ms.push(ms(t0.elapsed()));
        std::hint::black_box(done);
    }
    rows.push(Row::new("tag: Session::undo at 100k", undo_ms, ""));

    // --- Save ----------------------------------------------------------------------------------
    let mut save_ms = Vec::new();
    let mut save_errors = 0;
    for _ in 0..SAVES {
        // Make the set dirty again with one tag (not timed).
        let a = random_annotation(&mut tag_rng);
        if session.apply(&doc_id, vec![Edit::insert(a)]).is_err() {
            save_errors += 1;
        }
        let t0 = Instant::now();
        save_errors += session.save_now().len();
        save_ms.push(ms(t0.elapsed()));
    }
    let set_file = session
        .store
        .root()
        .join("annotations")
        .join(ANNOTATOR)
        .join(format!("{doc_id}.ron"));
    let n_saved = set_annotations(&session).len();
    rows.push(Row::new(
        "save: Session::save_now, ~100k annotations",
        save_ms,
        format!(
            "{SAVES} saves of {n_saved} annotations, file {:.1} MB{}",
            file_size_mb(&set_file),
            if save_errors > 0 {
                format!("; {save_errors} errors")
            } else {
                String::new()
            }
        ),
    ));

    // Autosave in the app: the window's thread only copies the set; writing runs elsewhere.
    let mut copy_ms = Vec::new();
    let mut background_ms = Vec::new();
    for _ in 0..SAVES {
        let a = random_annotation(&mut tag_rng);
        if session.apply(&doc_id, vec![Edit::insert(a)]).is_err() {
            save_errors += 1;
        }
        let t0 = Instant::now();
        save_errors += session.save_in_background().len();
        copy_ms.push(ms(t0.elapsed()));
        save_errors += session.wait_for_save().len();
        background_ms.push(ms(t0.elapsed()));
    }
    rows.push(Row::new(
        "autosave: window thread (Session::save_in_background)",
        copy_ms,
        "copies the set; the rest runs on a save thread",
    ));
    rows.push(Row::new(
        "autosave: until written (on the save thread)",
        background_ms,
        if save_errors > 0 {
            format!("{save_errors} errors")
        } else {
            String::new()
        },
    ));

    // --- The linear part of loading the ~100k set file ---------------------------------------
    // What `ProjectStore::read_ron` and `parse_set` do with the file before converting it:
    // the lower bound of a load, whatever happens after.
    let rel = Path::new("set.ron");
    match fs::read(&set_file) {
        Ok(bytes) => {
            let t0 = Instant::now();
            let checked = ron_file::preflight(rel, &bytes);
            let t_preflight = t0.elapsed();
            match checked {
                Ok(source) => {
                    let t1 = Instant::now();
                    let version = ron_file::format_version(rel, &source);
                    let t_version = t1.elapsed();
                    let t2 = Instant::now();
                    let parsed = ron_file::parse::<v1::SetFile>(rel, &source);
                    let t_parse = t2.elapsed();
                    if let (Ok(_), Ok(file)) = (&version, &parsed) {
                        rows.push(Row::new(
                            "load part: ron_file::preflight of the ~100k set file",
                            vec![ms(t_preflight)],
                            "UTF-8 check, copy, conflict-marker scan",
                        ));
                        rows.push(Row::new(
                            "load part: ron_file::format_version",
                            vec![ms(t_version)],
                            "read from the head of the file",
                        ));
                        rows.push(Row::new(
                            "load part: ron_file::parse::<v1::SetFile>",
                            vec![ms(t_parse)],
                            format!(
                                "{} annotations, {:.0} MB/s",
                                file.annotations.len(),
                                bytes.len() as f64 / 1e6 / t_parse.as_secs_f64()
                            ),
                        ));
                    } else {
                        notes.push(format!(
                            "cannot parse the saved set file: {:?} {:?}",
                            version.err(),
                            parsed.err()
                        ));
                    }
                }
                Err(p) => notes.push(format!("preflight of the saved set file failed: {p}")),
            }
        }
        Err(e) => notes.push(format!("cannot read the saved set file: {e}")),
    }

    // --- Load scaling (small sets, to see how load grows with the number of annotations) -----
    let mut scaling = Vec::new();
    for &n in &LOAD_SCALING {
        let dir = tempfile::tempdir().expect("setup: tempdir");
        // Every k-th annotation, so that the subset spreads over the whole text.
        let step = (all.len() / n.max(1)).max(1);
        let subset: Vec<Annotation> = all.iter().step_by(step).take(n).cloned().collect();
        let root = project_with(dir.path(), &input, &subset);
        match time_open(&root) {
            Ok((d, loaded)) => scaling.push((n, ms(d), loaded)),
            Err(e) => notes.push(format!("load of {n} annotations failed: {e}")),
        }
    }
    let scaling_note = scaling
        .iter()
        .map(|(n, t, _)| format!("{n}: {t:.0} ms"))
        .collect::<Vec<_>>()
        .join(", ");
    for &(n, t, loaded) in &scaling {
        rows.push(Row::new(
            format!("load: ProjectStore::open, {n} annotations"),
            vec![t],
            format!("{loaded} loaded"),
        ));
    }
    // Fit load(n) = a + b·n + c·n² through the three non-zero points, to extrapolate.
    let extrapolated = match scaling.as_slice() {
        [(_, t0, _), rest @ ..] if rest.len() >= 2 => {
            let (n1, t1, _) = rest[rest.len() - 2];
            let (n2, t2, _) = rest[rest.len() - 1];
            // Per-annotation cost minus the fixed cost t0, as b + c·n at two sizes.
            let (y1, y2) = ((t1 - t0) / n1 as f64, (t2 - t0) / n2 as f64);
            let c = (y2 - y1) / (n2 as f64 - n1 as f64);
            let b = y1 - c * n1 as f64;
            let n = n_saved as f64;
            Some(t0 + b * n + c * n * n)
        }
        _ => None,
    };

    // --- Tag and undo again with attributes on Claims and Predictions ---------------------------
    // Session::apply validates the changed annotations, plus every annotation with an entity or
    // attributes when something they could refer to was removed (Remove, so undoing a tag, or
    // deleting). Real projects have many such annotations: give each Claim and Prediction one
    // choice attribute (in memory only; the saved file above has none).
    let mut with_attributes = 0;
    {
        let set = session.store.project.set_mut(&doc_id, ANNOTATOR);
        set.update_all(|a| {
            let Some(label) = schema.label(&a.label) else {
                return;
            };
            let choice = label.attributes.iter().find_map(|d| match &d.ty {
                AttrType::Choice(values) => values.first().map(|v| (d.name.clone(), v.clone())),
                _ => None,
            });
            if let Some((name, value)) = choice {
                a.attributes.insert(name, AttrValue::Choice(value));
                with_attributes += 1;
            }
        });
    }
    // Undo and the attribute pass changed the set behind the view's back: rebuild, as the
    // app does when it cannot follow.
    let mut view_index = SpanIndex::new(
        &session.store.project.schema,
        AnnotationList::from_vec(set_annotations(&session)).view(),
    );
    let (apply_attr_ms, _, _, failures) =
        measure_tags(&mut session, &mut view_index, &mut tag_rng, 50);
    rows.push(Row::new(
        "tag: Session::apply at 100k, Claims/Predictions with an attribute",
        apply_attr_ms,
        format!(
            "{with_attributes} annotations have attributes; 50 tags{}",
            if failures > 0 {
                format!("; {failures} refused")
            } else {
                String::new()
            }
        ),
    ));
    let mut undo_attr_ms = Vec::new();
    for _ in 0..UNDOS {
        let t0 = Instant::now();
        let done = session.undo(&doc_id);
        undo_attr_ms.push(ms(t0.elapsed()));
        std::hint::black_box(done);
    }
    rows.push(Row::new(
        "tag: Session::undo at 100k, Claims/Predictions with an attribute",
        undo_attr_ms,
        "undo of a tag is a Remove",
    ));

    // The peak memory of one annotator's work on the document (open, scroll, tag, save), then
    // counted afresh for the review, which holds a colleague's set and a second store besides.
    let peak_one = peak_rss_mb();
    reset_peak_rss();

    // --- Review of two annotators with ~100k annotations each --------------------------------
    // A second annotator made from the first as a careful colleague would differ: about one
    // span in ten with other boundaries, one in twenty with another label, one in twenty left
    // out. Timed: the alignment review mode starts from, and the document's agreement figures.
    {
        let mut rng = Lcg(SEED ^ 0x2e71);
        let text = setup_text.clone();
        let labels: Vec<String> = schema.labels.iter().map(|l| l.name.clone()).collect();
        let mut colleague = lector::model::AnnotationSet::new("colleague", doc_id.clone());
        for a in set_annotations(&session) {
            let mut b = Arc::unwrap_or_clone(a);
            match rng.below(100) {
                0..5 => continue,
                5..10 => b.label = labels[rng.below(labels.len())].as_str().into(),
                10..20 => {
                    if let Some(f) = b.fragments.last_mut()
                        && f.end < text.len_chars()
                    {
                        f.end.0 += 1;
                    }
                }
                _ => {}
            }
            colleague.insert(b);
        }
        session
            .store
            .project
            .sets
            .insert((doc_id.clone(), "colleague".to_owned()), colleague);
        let pair = [ANNOTATOR.to_owned(), "colleague".to_owned()];
        let project = &session.store.project;
        let mut align_ms = Vec::new();
        let mut agree_ms = Vec::new();
        let mut units = 0;
        for _ in 0..3 {
            let t0 = Instant::now();
            match lector::review::align_document(project, &doc_id, &pair) {
                Ok(alignment) => units = alignment.units.len(),
                Err(e) => notes.push(format!("alignment failed: {e}")),
            }
            align_ms.push(ms(t0.elapsed()));
            let t1 = Instant::now();
            let figures = lector::review::document_agreement(project, &doc_id, &pair);
            agree_ms.push(ms(t1.elapsed()));
            std::hint::black_box(figures.is_ok());
        }
        rows.push(Row::new(
            "review: align_document, 2 annotators x ~100k",
            align_ms,
            format!("{units} units"),
        ));
        rows.push(Row::new(
            "review: document_agreement (F1, kappa, alpha, alpha_u, attributes)",
            agree_ms,
            "per-character figures over 4.8M chars",
        ));
        // Starting a review as the app does: `prepare_start` (align on two threads, then take
        // the agreements while the figures are computed on the other core), then every
        // agreement goes into the reviewed set as one step. Timed in a session without the
        // crash journal, then again in the app's session, which writes the step to the journal
        // while applying it. Each on a store of the same folder opened afresh and never saved,
        // so the load timed below is not changed by it; three runs.
        let colleague = project.set(&doc_id, "colleague").cloned();
        let reviewer = lector::model::review::review_set_name("bench");
        let root = session.store.root().to_path_buf();
        let fresh = || {
            let (mut store, _) = ProjectStore::open(&root).ok()?;
            store
                .project
                .sets
                .insert((doc_id.clone(), "colleague".to_owned()), colleague.clone()?);
            Some(store)
        };
        let (mut start_ms, mut journalled_ms) = (Vec::new(), Vec::new());
        let (mut parts, mut journal_parts) = (Vec::new(), Vec::new());
        let (mut adopt_ms, mut staged_parts) = (Vec::new(), Vec::new());
        let (mut undo_ms, mut undo_parts) = (Vec::new(), Vec::new());
        let (mut redo_ms, mut redo_parts) = (Vec::new(), Vec::new());
        let (mut save_ms, mut save_parts) = (Vec::new(), Vec::new());
        let mut edits_n = 0;
        for _ in 0..3 {
            let (Some(store), Some(app_store), Some(staged_store)) = (fresh(), fresh(), fresh())
            else {
                notes.push("review start: the project could not be opened again".to_owned());
                break;
            };
            // As the app starts a big review: prepared and applied to a copy on another
            // thread, journalled there; the window's thread only adopts the result.
            let mut review = Session::new(staged_store, reviewer.clone());
            let t0 = Instant::now();
            let stage = review.stage(&doc_id, &reviewer);
            let copy = ms(t0.elapsed());
            let (doc, pair_) = (doc_id.clone(), pair.clone());
            let job = std::thread::spawn(move || {
                let t = Instant::now();
                let mut start = lector::review::adjudication::prepare_start(
                    stage.project(),
                    &doc,
                    "bench",
                    &pair_,
                )
                .ok()?;
                let prepared = ms(t.elapsed());
                let staged = stage.run(std::mem::take(&mut start.edits));
                Some((staged, prepared, ms(t.elapsed()) - prepared))
            });
            if let Ok(Some((staged, prepared, applied))) = job.join() {
                let t1 = Instant::now();
                if let Err(e) = review.adopt(staged) {
                    notes.push(format!("adopting the agreements failed: {e}"));
                }
                let adopt = ms(t1.elapsed());
                adopt_ms.push(copy + adopt);
                staged_parts.push(format!(
                    "{copy:.2} + {adopt:.2} ({prepared:.0} + {applied:.0})"
                ));
                // Then undone and redone as the app does a step that big: taken off the
                // history, applied to a copy on another thread, adopted.
                for undo in [true, false] {
                    let t0 = Instant::now();
                    let Some(taken) = review.take_step(&doc_id, undo, 1) else {
                        notes.push("review start: no step to undo or redo".to_owned());
                        break;
                    };
                    let take = ms(t0.elapsed());
                    let lector::session::TakenStep { stage, edits, back } = taken;
                    let job = std::thread::spawn(move || {
                        let t = Instant::now();
                        (stage.run(edits), ms(t.elapsed()))
                    });
                    let Ok((staged, applied)) = job.join() else {
                        break;
                    };
                    let t1 = Instant::now();
                    if let Err(e) = review.adopt_step(staged, back) {
                        notes.push(format!("adopting the undo or redo failed: {e}"));
                    }
                    let adopt = ms(t1.elapsed());
                    let (all, each) = if undo {
                        (&mut undo_ms, &mut undo_parts)
                    } else {
                        (&mut redo_ms, &mut redo_parts)
                    };
                    all.push(take + adopt);
                    each.push(format!("{take:.2} + {adopt:.2} ({applied:.0})"));
                }
                // Then saved as autosave does: the window's thread prepares the save, the
                // save thread writes, the window's thread takes the result in.
                let t0 = Instant::now();
                let errors = review.save_in_background();
                let prepare = ms(t0.elapsed());
                let mut finish = 0.0;
                while review.is_saving() {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    let t1 = Instant::now();
                    let more = review.poll_save();
                    if !review.is_saving() {
                        finish = ms(t1.elapsed());
                    }
                    if !more.is_empty() {
                        notes.push(format!("saving the review failed: {more:?}"));
                    }
                }
                if !errors.is_empty() {
                    notes.push(format!("saving the review failed: {errors:?}"));
                }
                save_ms.push(prepare + finish);
                save_parts.push(format!("{prepare:.2} + {finish:.2}"));
                // What it saved goes, so that the load timed below reads what it did before.
                for saved in [
                    root.join("annotations").join(&reviewer),
                    root.join("reviews").join("bench"),
                ] {
                    let _ = fs::remove_dir_all(saved);
                }
                let _ = fs::remove_file(root.join(lector::store::entities_path(&reviewer)));
            }
            drop(review);
            let t0 = Instant::now();
            let prepared = lector::review::adjudication::prepare_start(
                &store.project,
                &doc_id,
                "bench",
                &pair,
            );
            let prepare = ms(t0.elapsed());
            let Ok(prepared) = prepared else {
                notes.push("review start: preparing it failed".to_owned());
                break;
            };
            edits_n = prepared.edits.len();
            for (store, journal) in [(store, false), (app_store, true)] {
                let mut review = if journal {
                    Session::new(store, reviewer.clone())
                } else {
                    Session::headless(store, reviewer.clone())
                };
                let t1 = Instant::now();
                if let Err(e) = review.apply(&doc_id, prepared.edits.clone()) {
                    notes.push(format!("taking the agreements failed: {e}"));
                }
                let apply = ms(t1.elapsed());
                let (all, each) = if journal {
                    (&mut journalled_ms, &mut journal_parts)
                } else {
                    (&mut start_ms, &mut parts)
                };
                all.push(prepare + apply);
                each.push(format!("{prepare:.0} + {apply:.0}"));
            }
        }
        // Unsaved: the journals stay behind.
        for entry in fs::read_dir(root.join(".lector").join("journal"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.file_name().to_string_lossy().starts_with(&reviewer) {
                let _ = fs::remove_file(entry.path());
            }
        }
        rows.push(Row::new(
            "review: start = prepare_start + Session::apply",
            start_ms,
            format!(
                "{edits_n} edits; prepare + apply ms per run: {}",
                parts.join(", ")
            ),
        ));
        rows.push(Row::new(
            "review: start in the app, the window's part: Session::stage + Session::adopt",
            adopt_ms,
            format!(
                "stage + adopt ms per run (on the job's thread: prepare + apply to the copy \
                 with the journal alongside): {}",
                staged_parts.join(", ")
            ),
        ));
        for (name, all, each) in [("undo", undo_ms, undo_parts), ("redo", redo_ms, redo_parts)] {
            rows.push(Row::new(
                format!(
                    "review: {name} the start in the app, the window's part: \
                     Session::take_step + Session::adopt_step"
                ),
                all,
                format!(
                    "take + adopt ms per run (on the job's thread: apply to the copy with the \
                     journal alongside): {}",
                    each.join(", ")
                ),
            ));
        }
        rows.push(Row::new(
            "review: the autosave after them, the window's part: \
             Session::save_in_background + Session::poll_save",
            save_ms,
            format!(
                "prepare + take the result in, ms per run (the step's and its undo's and redo's \
                 edits unsaved): {}",
                save_parts.join(", ")
            ),
        ));
        rows.push(Row::new(
            "review: start in the app's session (crash journal)",
            journalled_ms,
            format!(
                "prepare + apply ms per run: {}; the journal's write goes into memory this VM \
                 has not touched for a while, see the README",
                journal_parts.join(", ")
            ),
        ));
        session
            .store
            .project
            .sets
            .remove(&(doc_id.clone(), "colleague".to_owned()));
    }

    // --- Load of the ~100k project, with a time limit ------------------------------------------
    // Runs on another thread so that a very slow load can be abandoned; the thread dies with the
    // process at the end.
    let timeout = std::env::var("LECTOR_BENCH_LOAD_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    let root = session.store.root().to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(time_open(&root));
    });
    match rx.recv_timeout(Duration::from_secs(timeout)) {
        Ok(Ok((d, loaded))) => rows.push(Row::new(
            "load: ProjectStore::open, ~100k annotations",
            vec![ms(d)],
            format!("{loaded} loaded; scaling {scaling_note}"),
        )),
        Ok(Err(e)) => notes.push(format!("load of the 100k project failed: {e}")),
        Err(_) => rows.push(Row::new(
            "load: ProjectStore::open, ~100k annotations",
            vec![f64::INFINITY],
            format!(
                "DID NOT FINISH in {timeout} s; scaling {scaling_note}; quadratic fit \
                 predicts {:.0} s",
                extrapolated.unwrap_or(f64::NAN) / 1e3
            ),
        )),
    }

    // --- Report -------------------------------------------------------------------------------
    let peak_rest = peak_rss_mb();
    report(&input, &load_before, &rows, &notes, [peak_one, peak_rest]);

    // Remove the temporary project before leaving, and do not wait for an unfinished load.
    drop(session);
    drop(tmp);
    std::process::exit(0);
}

/// Prints the table and the JSON line.
/// `peaks`: the peak resident set of one annotator's work (open, scroll, tag, save), then of
/// the review and the load after it.
fn report(
    input: &Input,
    load_before: &str,
    rows: &[Row],
    notes: &[String],
    peaks: [Option<f64>; 2],
) {
    let load_after = load_average();
    println!();
    println!(
        "frame_loop: egui 0.37, {SCREEN_W}x{SCREEN_H} pt, ppp {PIXELS_PER_POINT}, {FRAMES} frames \
         after {WARMUP_FRAMES} warm-up, median-p95 run of {RUNS}; wall-clock ms"
    );
    println!(
        "machine: {} CPUs ({}), load average before {load_before}, after {load_after}",
        nproc(),
        cpu_model()
    );
    for n in notes {
        println!("{n}");
    }
    println!();
    let width = rows.iter().map(|r| r.scenario.len()).max().unwrap_or(10);
    println!(
        "{:<width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>5}  note",
        "scenario", "p50", "p95", "p99", "max", "n"
    );
    for r in rows {
        println!(
            "{:<width$}  {:>9.3}  {:>9.3}  {:>9.3}  {:>9.3}  {:>5}  {}",
            r.scenario,
            r.p(0.50),
            r.p(0.95),
            r.p(0.99),
            r.max(),
            r.samples.len(),
            r.note
        );
    }
    println!();
    let finite = |x: f64| {
        if x.is_finite() {
            serde_json::json!((x * 1e4).round() / 1e4)
        } else {
            serde_json::Value::Null
        }
    };
    let json = serde_json::json!({
        "bench": "frame_loop",
        "project": input.origin.as_ref().map(|(dir, _, _)| dir.display().to_string()),
        "document": input.origin.as_ref().map(|(_, document, _)| document),
        "annotator": input.origin.as_ref().map(|(_, _, annotator)| annotator),
        "annotations": input.annotations.len(),
        "text_bytes": input.text.len(),
        "peak_rss_mb": peaks.iter().flatten().copied().reduce(f64::max),
        "peak_rss_one_annotator_mb": peaks[0],
        "peak_rss_review_and_load_mb": peaks[1],
        "scale": input.origin.is_none().then(scale),
        "egui": "0.37",
        "nproc": nproc(),
        "cpu": cpu_model(),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "seed": SEED,
        "ppp": PIXELS_PER_POINT,
        "screen": [SCREEN_W, SCREEN_H],
        "results": rows.iter().map(|r| serde_json::json!({
            "scenario": r.scenario,
            "p50_ms": finite(r.p(0.50)),
            "p95_ms": finite(r.p(0.95)),
            "p99_ms": finite(r.p(0.99)),
            "max_ms": finite(r.max()),
            "n": r.samples.len(),
            "note": r.note,
        })).collect::<Vec<_>>(),
    });
    println!("{json}");
}
