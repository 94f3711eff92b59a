//! The Predictions view at 100k predictions (issue #8): counting them once across annotators
//! (`Tracker::build`), filtering and sorting, and frames of the real app (`LectorApp::show`
//! on a bare `egui::Context`, run_ui + tessellate) idle, scrolling, after a filter change and
//! after a resolution.
//!
//! The project: 100 documents, each with 1000 predictions of anna's and 1000 of erik's, 800 of
//! which are the same spans as anna's (matched into one prediction): 200k annotations that
//! count as 120k predictions.
//!
//! Run: `cargo bench --bench predictions_view`. Prints one line per measurement.

use std::time::{Duration, Instant};

use egui::{Event, MouseWheelSource, MouseWheelUnit, TouchPhase};
use lector::model::{Annotation, AttrValue, checked_fragments};
use lector::predict::Tracker;
use lector::store::ProjectStore;
use lector::ui::tracking::{Mode, TrackCommand};
use lector::ui::{Command, LectorApp, Prefs};

#[path = "common/app_frame.rs"]
mod app_frame;
use app_frame::{input, ms};

const DOCUMENTS: usize = 100;
const PER_DOCUMENT: usize = 1000;
const SHARED: usize = 800;

fn project(dir: &std::path::Path) -> std::path::PathBuf {
    let root = dir.join("p");
    let mut store = ProjectStore::create(&root, "Bench").expect("create");
    let sentence = "Han kommer troligen att vinna valet i år. ";
    let len = sentence.chars().count() as u32;
    for d in 0..DOCUMENTS {
        let text = sentence.repeat(PER_DOCUMENT + 200);
        let id = store
            .add_text(&format!("d{d}.txt"), &format!("D{d}"), text)
            .expect("add");
        let doc = store.project.document(&id).expect("doc").text.clone();
        for (who, range) in [
            ("anna", 0..PER_DOCUMENT),
            ("erik", PER_DOCUMENT - SHARED..PER_DOCUMENT + 200),
        ] {
            let set = store.project.set_mut(&id, who);
            for k in range {
                let start = k as u32 * len;
                let mut a = Annotation::new(
                    "Prediction",
                    checked_fragments(&doc, &[(start, start + len - 1)]).expect("span"),
                );
                let grade = ["certain", "probable", "possible"][k % 3];
                a.attributes
                    .insert("certainty".into(), AttrValue::Choice(grade.into()));
                a.attributes.insert(
                    "due".into(),
                    AttrValue::Date(
                        format!("202{}-0{}-1{}", k % 8, 1 + k % 9, k % 9)
                            .parse()
                            .expect("date"),
                    ),
                );
                set.insert(a);
            }
            store.save_set(&id, who).expect("save");
        }
    }
    root
}

/// The command that resolves the counted prediction `index` as `status`.
fn resolve(app: &LectorApp, index: usize, status: lector::predict::ResolutionStatus) -> Command {
    let p = &app.tracking().tracker().predictions[index];
    let record = lector::ui::tracking::new_record(
        p.key(),
        status,
        Some("2024-01-01".parse().expect("date")),
        "https://example.org",
        "",
        &p.text,
    );
    Command::Track(TrackCommand::Resolve(Box::new(record)))
}

struct Frames {
    ctx: egui::Context,
    time: f64,
}

impl Frames {
    fn frame(&mut self, app: &mut LectorApp, events: Vec<Event>) -> f64 {
        self.time += 1.0 / 60.0;
        let start = Instant::now();
        let output = self.ctx.run_ui(input(self.time, events), |ui| app.show(ui));
        let _ = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        ms(start.elapsed())
    }

    fn report(
        &mut self,
        app: &mut LectorApp,
        what: &str,
        n: usize,
        events: impl Fn() -> Vec<Event>,
    ) {
        let mut times: Vec<f64> = (0..n).map(|_| self.frame(app, events())).collect();
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let max = times.last().copied().unwrap_or(f64::NAN);
        println!("{what:<48} median {median:7.2} ms   max {max:7.2} ms   ({n} frames)");
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("tmp");
    let started = Instant::now();
    let root = project(dir.path());
    println!(
        "made the project in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let (store, _) = ProjectStore::open(&root).expect("open");
    let annotations: usize = store
        .project
        .sets
        .values()
        .map(lector::model::AnnotationSet::len)
        .sum();
    let start = Instant::now();
    let tracker = Tracker::build(&store.project);
    println!(
        "Tracker::build: {} annotations -> {} predictions in {:.1} ms",
        annotations,
        tracker.predictions.len(),
        ms(start.elapsed())
    );
    drop(store);

    let ctx = egui::Context::default();
    let prefs = Prefs {
        annotator: "olga".into(),
        ..Prefs::default()
    };
    let mut app = LectorApp::new(&ctx, prefs, Some(root));
    app.set_native_dialogs(false);
    let mut frames = Frames { ctx, time: 0.0 };
    let start = Instant::now();
    // Until the whole project is read and its predictions counted, in the background.
    while (app.session().is_none() || app.is_busy()) && start.elapsed() < Duration::from_secs(120) {
        frames.frame(&mut app, Vec::new());
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "opened in the app in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    app.push(Command::Track(TrackCommand::ShowMode(Mode::Predictions)));
    let first = frames.frame(&mut app, Vec::new());
    let first_after = frames.frame(&mut app, Vec::new());
    println!("first frames of the view (count, filter, sort): {first:.1} ms, {first_after:.1} ms");
    frames.report(&mut app, "idle frames, 100k predictions", 60, Vec::new);
    let wheel = || {
        vec![
            Event::PointerMoved(egui::pos2(600.0, 500.0)),
            Event::MouseWheel {
                unit: MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -400.0),
                modifiers: egui::Modifiers::NONE,
                phase: TouchPhase::Move,
                source: MouseWheelSource::Wheel,
            },
        ]
    };
    frames.report(&mut app, "scrolling frames", 120, wheel);
    // A filter change: every row is filtered and sorted once.
    let start = Instant::now();
    app.tracking_mut().predictions.status = lector::predict::StatusFilter::Open;
    app.tracking_mut().predictions.text = "vinna".into();
    let t = frames.frame(&mut app, Vec::new());
    println!(
        "frame after a filter change: {t:.1} ms (wall incl. setup {:.1} ms)",
        ms(start.elapsed())
    );
    app.tracking_mut().predictions.sort = (lector::ui::predictions::Column::Holder, true);
    let t = frames.frame(&mut app, Vec::new());
    println!("frame after a sort change: {t:.1} ms");
    for column in [
        lector::ui::predictions::Column::Text,
        lector::ui::predictions::Column::Status,
        lector::ui::predictions::Column::Certainty,
    ] {
        app.tracking_mut().predictions.sort = (column, false);
        let t = frames.frame(&mut app, Vec::new());
        println!("frame after sorting by {column:?}: {t:.1} ms");
    }
    app.tracking_mut().predictions.sort = (lector::ui::predictions::Column::Holder, true);
    frames.frame(&mut app, Vec::new());
    frames.report(&mut app, "idle frames after filtering", 60, Vec::new);
    // A resolution: the counts are rebuilt once, then frames are idle again.
    app.push(resolve(
        &app,
        0,
        lector::predict::ResolutionStatus::CameTrue,
    ));
    let t = frames.frame(&mut app, Vec::new());
    let t2 = frames.frame(&mut app, Vec::new());
    println!("frames after a resolution (apply, recount): {t:.1} ms, {t2:.1} ms");
    frames.report(&mut app, "idle frames after resolving", 60, Vec::new);
    // The same with every status shown (as the view opens), sorted by holder: the rows do
    // not depend on how predictions turned out, and are kept.
    app.tracking_mut().predictions.status = lector::predict::StatusFilter::All;
    app.tracking_mut().predictions.text.clear();
    frames.frame(&mut app, Vec::new());
    app.push(resolve(
        &app,
        2,
        lector::predict::ResolutionStatus::DidNotComeTrue,
    ));
    let t = frames.frame(&mut app, Vec::new());
    let t2 = frames.frame(&mut app, Vec::new());
    println!(
        "frames after a resolution, every status shown (apply, recount): {t:.1} ms, {t2:.1} ms"
    );

    // An annotation changed in the article, then the Predictions view again: every copy is
    // matched again, on another thread; the view shows the counts from before meanwhile.
    app.push(Command::Track(TrackCommand::ShowMode(Mode::Article)));
    frames.frame(&mut app, Vec::new());
    let document = app.tracking().tracker().predictions[0].document.clone();
    let session = app.session_mut().expect("session");
    let text = &session
        .store
        .project
        .document(&document)
        .expect("document")
        .text;
    let tagged = Annotation::new(
        "Prediction",
        checked_fragments(text, &[(0, 40)]).expect("span"),
    );
    session
        .apply(&document, vec![lector::session::Edit::insert(tagged)])
        .expect("edit");
    app.push(Command::Track(TrackCommand::ShowMode(Mode::Predictions)));
    let start = Instant::now();
    // The frame that takes the command, then the first that shows the view.
    let first = frames.frame(&mut app, Vec::new()) + frames.frame(&mut app, Vec::new());
    let mut slowest = 0.0_f64;
    while app.tracking().counting() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(1));
        slowest = slowest.max(frames.frame(&mut app, Vec::new()));
    }
    println!(
        "after an edit, the view: its first two frames {first:.1} ms, counted {:.0} ms later, \
         slowest frame meanwhile {slowest:.1} ms",
        ms(start.elapsed())
    );

    // The Track record view: per holder, per source and the chart, from the counts.
    app.push(Command::Track(TrackCommand::ShowMode(Mode::TrackRecord)));
    let first = frames.frame(&mut app, Vec::new()) + frames.frame(&mut app, Vec::new());
    println!("Track record: its first frames {first:.1} ms");
    frames.report(&mut app, "idle frames of the Track record", 60, Vec::new);
    app.push(resolve(
        &app,
        1,
        lector::predict::ResolutionStatus::DidNotComeTrue,
    ));
    let t = frames.frame(&mut app, Vec::new()) + frames.frame(&mut app, Vec::new());
    println!("Track record: frames after a resolution {t:.1} ms");
}
