//! Frames of the inspector on a whole project (issue 9, "nothing that grows with the project
//! on the window's thread"): the real app (`LectorApp::show` on a bare `egui::Context`,
//! run_ui + tessellate, as `predictions_view` does) on a project made by
//! `examples/gen_project.rs` (200 documents × 10 annotators × 150 annotations), with an
//! annotation of the first document selected:
//!
//! - a Person linked to an entity (the inspector says how often the entity is mentioned in
//!   the project),
//! - a Prediction (the inspector says how it stands, from the project's counted
//!   predictions), with an attribute of type Annotation.
//!
//! Run: `cargo run --release --example gen_project -- DIR`, then
//! `cargo bench --bench inspector -- DIR`. Prints one line per measurement and a JSON line.

use std::time::{Duration, Instant};

use egui::{RawInput, Rect};
use lector::model::{AttrType, AttributeDef, Entity, EntityId};
use lector::session::Edit;
use lector::ui::{Command, LectorApp, Prefs};

const ANNOTATOR: &str = "annotator00";
const FRAMES: usize = 200;

fn input(time: f64, events: Vec<egui::Event>) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 1000.0),
        )),
        time: Some(time),
        events,
        ..RawInput::default()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Frames {
    ctx: egui::Context,
    time: f64,
    results: Vec<serde_json::Value>,
}

impl Frames {
    fn frame(&mut self, app: &mut LectorApp, events: Vec<egui::Event>) -> f64 {
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
        events: impl Fn(usize) -> Vec<egui::Event>,
    ) {
        let mut times: Vec<f64> = (0..FRAMES).map(|i| self.frame(app, events(i))).collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        let (p50, p95, max) = (at(0.5), at(0.95), at(1.0));
        println!(
            "{what:<60} p50 {p50:7.3} ms   p95 {p95:7.3} ms   max {max:7.3} ms   ({FRAMES} frames)"
        );
        self.results.push(serde_json::json!({
            "scenario": what, "p50_ms": p50, "p95_ms": p95, "max_ms": max, "n": FRAMES,
        }));
    }
}

fn main() {
    let Some(dir) = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(std::path::PathBuf::from)
    else {
        eprintln!("usage: cargo bench --bench inspector -- DIR (made by examples/gen_project.rs)");
        return;
    };
    // Work on a copy: the bench links an entity and adds an attribute to the schema.
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("p");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&dir)
        .arg(&root)
        .status()
        .expect("cp");
    assert!(status.success(), "copied the project");

    let ctx = egui::Context::default();
    let prefs = Prefs {
        annotator: ANNOTATOR.into(),
        ..Prefs::default()
    };
    let started = Instant::now();
    let mut app = LectorApp::new(&ctx, prefs, Some(root));
    app.set_native_dialogs(false);
    let mut frames = Frames {
        ctx,
        time: 0.0,
        results: Vec::new(),
    };
    while (app.session().is_none() || app.document().is_none())
        && started.elapsed() < Duration::from_secs(120)
    {
        frames.frame(&mut app, Vec::new());
        std::thread::sleep(Duration::from_millis(20));
    }
    let session = app.session().expect("opened");
    let annotations: usize = session.store.project.sets.values().map(|s| s.len()).sum();
    println!(
        "opened {} documents, {annotations} annotations in {:.1} s",
        session.store.project.documents.len(),
        started.elapsed().as_secs_f64()
    );
    // Settle (the tracker counts once).
    for _ in 0..5 {
        frames.frame(&mut app, Vec::new());
    }
    frames.report(&mut app, "idle, nothing selected", |_| Vec::new());

    // A Person, linked to an entity.
    let person = app
        .annotations()
        .iter()
        .find(|a| a.label == "Person")
        .map(|a| (**a).clone())
        .expect("a Person in the first document");
    let entity = Entity {
        id: EntityId("bench-person".into()),
        name: "Bench Person".into(),
        label: "Person".into(),
        note: String::new(),
    };
    let mut linked = person.clone();
    linked.entity = Some(entity.id.clone());
    app.push(Command::Edit(vec![
        Edit::UpsertEntity(entity),
        Edit::Replace(linked),
    ]));
    app.push(Command::Select(Some(person.id.clone())));
    for _ in 0..3 {
        frames.frame(&mut app, Vec::new());
    }
    frames.report(&mut app, "inspector: a Person linked to an entity", |_| {
        Vec::new()
    });

    // A Prediction, with an attribute of type Annotation.
    let prediction = app
        .annotations()
        .iter()
        .find(|a| a.label == "Prediction")
        .map(|a| a.id.clone())
        .expect("a Prediction in the first document");
    if let Some(label) = app.session_mut().and_then(|s| {
        s.store
            .project
            .schema
            .labels
            .iter_mut()
            .find(|l| l.name == "Prediction")
    }) {
        label.attributes.push(AttributeDef {
            name: "evidence".into(),
            ty: AttrType::Annotation,
            help: String::new(),
            title: String::new(),
        });
    }
    if let Some(s) = app.session_mut() {
        s.bump_revision();
    }
    app.push(Command::Select(Some(prediction)));
    for _ in 0..3 {
        frames.frame(&mut app, Vec::new());
    }
    frames.report(&mut app, "inspector: a Prediction", |_| Vec::new());

    let json = serde_json::json!({
        "bench": "inspector",
        "project": dir.display().to_string(),
        "annotations": annotations,
        "results": frames.results,
    });
    println!("{json}");
}
