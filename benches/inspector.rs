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
//! Then, on a project of its own (one document, 100,000 annotations), the picker of that
//! attribute open (every other annotation of the document to choose from): frames while it is
//! open, and the frame after a letter is typed in its search field. The picker is opened by
//! a click where AccessKit says it is.
//!
//! Run: `cargo run --release --example gen_project -- DIR`, then
//! `cargo bench --bench inspector -- DIR`. Prints one line per measurement and a JSON line.

use std::time::{Duration, Instant};

use lector::model::{
    Annotation, AnnotationId, AttrType, AttributeDef, CharOffset, Entity, EntityId, Fragment,
};
use lector::session::Edit;
use lector::ui::{Command, LectorApp, Prefs};

#[path = "common/app_frame.rs"]
mod app_frame;
use app_frame::{input, ms};

const ANNOTATOR: &str = "annotator00";
const FRAMES: usize = 200;

struct Frames {
    ctx: egui::Context,
    time: f64,
    results: Vec<serde_json::Value>,
    /// The nodes of the last frame's AccessKit update.
    nodes: Vec<egui::accesskit::Node>,
}

impl Frames {
    fn frame(&mut self, app: &mut LectorApp, events: Vec<egui::Event>) -> f64 {
        self.time += 1.0 / 60.0;
        let start = Instant::now();
        let mut output = self.ctx.run_ui(input(self.time, events), |ui| app.show(ui));
        let _ = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = ms(start.elapsed());
        if let Some(update) = output.platform_output.accesskit_update.take() {
            self.nodes = update.nodes.into_iter().map(|(_, n)| n).collect();
        }
        elapsed
    }

    /// Clicks the combo box just below the label `label`, as AccessKit placed them.
    fn click_combo_below(&mut self, app: &mut LectorApp, label: &str) {
        use egui::accesskit::Role;
        let Some(under) = self
            .nodes
            .iter()
            .filter(|n| n.label() == Some(label) || n.value() == Some(label))
            .find_map(|n| n.bounds())
        else {
            panic!("no label {label}");
        };
        let Some(combo) = self
            .nodes
            .iter()
            .filter(|n| n.role() == Role::ComboBox)
            .filter_map(|n| n.bounds())
            .filter(|b| b.y0 >= under.y1 - 1.0)
            .min_by(|a, b| a.y0.total_cmp(&b.y0))
        else {
            panic!("no combo box under {label}");
        };
        let at = egui::pos2(
            ((combo.x0 + combo.x1) / 2.0) as f32,
            ((combo.y0 + combo.y1) / 2.0) as f32,
        );
        let button = |pressed| egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        };
        self.frame(app, vec![egui::Event::PointerMoved(at)]);
        self.frame(app, vec![button(true)]);
        self.frame(app, vec![button(false)]);
        self.frame(app, Vec::new());
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
    ctx.enable_accesskit();
    let mut frames = Frames {
        ctx,
        time: 0.0,
        results: Vec::new(),
        nodes: Vec::new(),
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
        Edit::UpsertEntity(Box::new(entity)),
        Edit::replace(linked),
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
    if let Some(s) = app.session_mut() {
        with_evidence(&mut s.store.project.schema);
        s.bump_revision();
    }
    app.push(Command::Select(Some(prediction)));
    for _ in 0..3 {
        frames.frame(&mut app, Vec::new());
    }
    frames.report(&mut app, "inspector: a Prediction", |_| Vec::new());

    picker(&tmp.path().join("picker"), &mut frames);

    let json = serde_json::json!({
        "bench": "inspector",
        "project": dir.display().to_string(),
        "annotations": annotations,
        "results": frames.results,
    });
    println!("{json}");
}

/// Gives Predictions an attribute `evidence` of type Annotation (the picker measured here).
fn with_evidence(schema: &mut lector::model::Schema) {
    if let Some(label) = schema.labels.iter_mut().find(|l| l.name == "Prediction") {
        label.attributes.push(AttributeDef {
            name: "evidence".into(),
            ty: AttrType::Annotation,
            help: String::new(),
            title: String::new(),
        });
    }
}

/// One document of 50,000 sentences, each with a Person and a Prediction; Predictions have
/// an attribute `evidence` of type Annotation. Opens it, selects a Prediction, opens the
/// picker and measures frames.
fn picker(root: &std::path::Path, frames: &mut Frames) {
    const SENTENCE: &str = "Anna Berg tror att priset stiger i år. ";
    const SENTENCES: u32 = 50_000;
    let mut store = lector::store::ProjectStore::create(root, "Picker").expect("create");
    with_evidence(&mut store.project.schema);
    store.save_project_file().expect("project.ron");
    let doc = store
        .add_text("d.txt", "D", SENTENCE.repeat(SENTENCES as usize))
        .expect("add");
    let per = SENTENCE.chars().count() as u32;
    let set = store.project.set_mut(&doc, ANNOTATOR);
    let mut all = Vec::new();
    for i in 0..SENTENCES {
        for (label, s, e) in [("Person", 0, 9), ("Prediction", 10, 37)] {
            let mut a = Annotation::new(
                label,
                vec![Fragment {
                    start: CharOffset(i * per + s),
                    end: CharOffset(i * per + e),
                }],
            );
            a.id = AnnotationId::from(format!("{label}-{i:05}").to_lowercase());
            all.push(a);
        }
    }
    set.replace_all(all);
    store.save_set(&doc, ANNOTATOR).expect("save");
    drop(store);
    let prefs = Prefs {
        annotator: ANNOTATOR.into(),
        ..Prefs::default()
    };
    let mut app = LectorApp::new(&frames.ctx, prefs, Some(root.to_path_buf()));
    let started = Instant::now();
    while (app.session().is_none() || app.document().is_none())
        && started.elapsed() < Duration::from_secs(120)
    {
        frames.frame(&mut app, Vec::new());
        std::thread::sleep(Duration::from_millis(20));
    }
    app.push(Command::Select(Some(AnnotationId(
        "prediction-00000".into(),
    ))));
    for _ in 0..3 {
        frames.frame(&mut app, Vec::new());
    }
    frames.report(
        &mut app,
        "inspector: a Prediction, 100k annotations in the document",
        |_| Vec::new(),
    );
    let rows = |frames: &Frames| {
        frames
            .nodes
            .iter()
            .filter(|n| {
                n.label()
                    .or(n.value())
                    .is_some_and(|l| l.starts_with("Person · "))
            })
            .count()
    };
    let before = rows(frames);
    frames.click_combo_below(&mut app, "Evidence");
    println!(
        "the picker is open: {} Person rows in the AccessKit tree ({before} before it opened)",
        rows(frames)
    );
    frames.report(
        &mut app,
        "annotation picker open over 100k annotations",
        |_| Vec::new(),
    );
    let mut typed = Vec::new();
    for c in ["a", "n", "n", "a"] {
        typed.push(frames.frame(&mut app, vec![egui::Event::Text(c.into())]));
        frames.frame(&mut app, Vec::new());
    }
    typed.sort_by(f64::total_cmp);
    println!(
        "annotation picker: the frame after a letter is typed (filters 100k rows): median {:.2} ms of {}",
        typed[typed.len() / 2],
        typed.len()
    );
    frames.results.push(serde_json::json!({
        "scenario": "annotation picker: frame after a letter is typed",
        "p50_ms": typed[typed.len() / 2],
        "n": typed.len(),
    }));
    frames.frame(&mut app, vec![key(egui::Key::Escape)]);
    frames.frame(&mut app, Vec::new());

    // Tagging and undoing in the whole app, as the user feels it: the frame that applies the
    // command (the session, the span index, the list's rows, the inspector's caches) and
    // the frame after it.
    let mut tag = Vec::new();
    let mut undo = Vec::new();
    for i in 0..20 {
        let sentence = i * 2_437 % SENTENCES;
        // "priset" in the sentence: a Place nobody tagged.
        let (s, e) = (sentence * per + 19, sentence * per + 25);
        if let Some(view) = app.view_mut() {
            view.selection = lector::ui::article::Selection {
                anchor: CharOffset(s),
                head: CharOffset(e),
            };
        }
        let before = app.annotations().len();
        app.push(Command::TagSelection("Place".into()));
        tag.push(frames.frame(&mut app, Vec::new()) + frames.frame(&mut app, Vec::new()));
        assert_eq!(app.annotations().len(), before + 1, "tagged");
        app.push(Command::Undo);
        undo.push(frames.frame(&mut app, Vec::new()) + frames.frame(&mut app, Vec::new()));
        assert_eq!(app.annotations().len(), before, "undone");
    }
    for (name, mut times) in [
        ("app: tag a selection at 100k (its frame and the next)", tag),
        ("app: undo a tag at 100k (its frame and the next)", undo),
    ] {
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let max = times[times.len() - 1];
        println!(
            "{name}: median {p50:.2} ms, max {max:.2} ms of {}",
            times.len()
        );
        frames.results.push(serde_json::json!({
            "scenario": name,
            "p50_ms": p50,
            "max_ms": max,
            "n": times.len(),
        }));
    }
}

/// A key pressed and released.
fn key(key: egui::Key) -> egui::Event {
    egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    }
}
