//! Issue 11: what a screen-reader user meets in the real app. The built `lector` runs on a
//! copy of the sample project under an X display and a D-Bus session of the test's own, with
//! the AT-SPI bus (at-spi2-core) and accessibility turned on, as a desktop does when Orca
//! starts; `tests/a11y/atspi_tree.py` reads the app's accessibility tree over AT-SPI, as Orca
//! does, and the test checks what a user would hear: the window by its title, the menus, the
//! document list by the documents' titles, the article's text and the buttons by their labels.
//!
//! It needs Xvfb, dbus-daemon, at-spi2-core and python3 with gi and Atspi 2.0 (Debian's xvfb,
//! dbus, at-spi2-core, python3-gi, gir1.2-atspi-2.0; scripts/test.sh installs them once). Where
//! one is missing the test says which and is skipped, unless `LECTOR_A11Y_REQUIRED` is set
//! (scripts/test.sh sets it when they are all there): then it fails. Every process it starts
//! is in one process group of its own, which it ends, whatever happens.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
#[path = "common/desktop.rs"]
mod desktop;

use desktop::{AppHome, Processes, first_line, on_path, output_of};

/// The whole test is bounded by this: the reader waits at most this long for a settled tree.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// One node of the tree as `atspi_tree.py` prints it.
#[derive(Debug, serde::Deserialize)]
struct Node {
    depth: usize,
    role: String,
    name: String,
    #[serde(default)]
    text: Option<String>,
}

/// A python3 that has gi with Atspi 2.0: `LECTOR_A11Y_PYTHON`, Debian's, or the one on PATH.
fn atspi_python() -> Option<PathBuf> {
    let candidates = std::env::var_os("LECTOR_A11Y_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/bin/python3")])
        .chain(on_path("python3"));
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args([
                "-c",
                "import gi; gi.require_version('Atspi', '2.0'); from gi.repository import Atspi",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The tools, or why the test cannot run.
struct Tools {
    xvfb: PathBuf,
    dbus_daemon: PathBuf,
    python: PathBuf,
}

fn tools() -> Result<Tools, String> {
    let missing = |what: &str| {
        format!(
            "skipped: {what} is missing (scripts/test.sh installs xvfb, dbus, at-spi2-core, \
             python3-gi and gir1.2-atspi-2.0 with apt-get when it can)"
        )
    };
    let xvfb = on_path("Xvfb").ok_or_else(|| missing("Xvfb"))?;
    let dbus_daemon = on_path("dbus-daemon").ok_or_else(|| missing("dbus-daemon"))?;
    // D-Bus starts the AT-SPI bus launcher by this service file.
    let service = Path::new("/usr/share/dbus-1/services/org.a11y.Bus.service");
    if !service.is_file() {
        return Err(missing("at-spi2-core (org.a11y.Bus.service)"));
    }
    let python = atspi_python().ok_or_else(|| missing("python3 with gi and Atspi 2.0"))?;
    Ok(Tools {
        xvfb,
        dbus_daemon,
        python,
    })
}

/// Runs the app under its own display and D-Bus session with accessibility on, and returns
/// its accessibility tree as AT-SPI gives it.
fn read_tree(tools: &Tools) -> Vec<Node> {
    let home = AppHome::new();
    let mut group = Processes::new();
    let display = desktop::xvfb(&mut group, &tools.xvfb);
    let mut bus = Command::new(&tools.dbus_daemon);
    bus.args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    home.apply(&mut bus);
    let bus = group.spawn(&mut bus).expect("start dbus-daemon");
    let address = first_line(bus, "address of the D-Bus session");

    let mut app = home.lector();
    app.env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &address);
    group.spawn(&mut app).expect("start lector");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/atspi_tree.py");
    let mut reader = Command::new(&tools.python);
    reader
        .arg(&script)
        .args(["--window", "Lector"])
        .args(["--timeout", &READ_TIMEOUT.as_secs().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    home.apply(&mut reader);
    reader
        .env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &address);
    let reader = group.spawn(&mut reader).expect("start the AT-SPI reader");
    // The reader ends by itself within READ_TIMEOUT.
    let (json, err) = output_of(reader);
    let status = reader.wait().expect("the reader ends");
    drop(group);
    assert!(
        status.success(),
        "the AT-SPI reader failed ({status}): {err}"
    );
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("the reader's JSON ({e}): {err}"))
}

/// The tree as an outline, for failure messages.
fn outline(nodes: &[Node]) -> String {
    nodes
        .iter()
        .map(|n| {
            format!(
                "{}{} “{}”{}",
                "  ".repeat(n.depth),
                n.role,
                n.name,
                n.text
                    .as_deref()
                    .map(|t| format!(" text “{t}”"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The nodes below `nodes[at]` (its subtree, without it).
fn below(nodes: &[Node], at: usize) -> &[Node] {
    let depth = nodes[at].depth;
    let end = nodes[at + 1..]
        .iter()
        .position(|n| n.depth <= depth)
        .map_or(nodes.len(), |i| at + 1 + i);
    &nodes[at + 1..end]
}

#[test]
fn a_screen_reader_meets_the_window_menus_documents_article_and_buttons() {
    let tools = match tools() {
        Ok(tools) => tools,
        Err(skip) if std::env::var_os("LECTOR_A11Y_REQUIRED").is_none() => {
            eprintln!("{skip}");
            return;
        }
        Err(skip) => panic!("LECTOR_A11Y_REQUIRED is set, but {skip}"),
    };
    let nodes = read_tree(&tools);
    let tree = outline(&nodes);
    let has = |role: &[&str], name: &str| {
        nodes
            .iter()
            .any(|n| role.contains(&n.role.as_str()) && n.name == name)
    };

    // The application, with its window named by its title.
    assert_eq!(
        nodes.first().map(|n| n.role.as_str()),
        Some("application"),
        "{tree}"
    );
    assert!(
        has(&["frame"], "Lector"),
        "the window by its title:\n{tree}"
    );

    // The menu bar, with the menus as buttons a user can press.
    let menu_bar = nodes
        .iter()
        .position(|n| n.role == "menu bar" || n.role == "menu")
        .unwrap_or_else(|| panic!("a menu bar:\n{tree}"));
    for menu in ["File", "Edit", "Review", "View", "Help"] {
        assert!(
            below(&nodes, menu_bar)
                .iter()
                .any(|n| n.role == "push button" && n.name == menu),
            "the {menu} menu in the menu bar:\n{tree}"
        );
    }

    // The document list: the sample's article by its title, a button that opens it.
    let title = "Ryssland - Putin fokuserar en hel dag av förhandlingar med Lukashenko";
    assert!(
        nodes.iter().any(|n| n.role.ends_with("button")
            && n.name.contains("Ryssland - Putin fokuserar en hel dag")),
        "the document list names “{title}”:\n{tree}"
    );

    // The article: a document named after its title, whose paragraphs on screen read as
    // text (AT-SPI passes on no value of a document: without them Orca reads only the title).
    let article = nodes
        .iter()
        .position(|n| n.role.starts_with("document") && n.name == format!("Article: {title}"))
        .unwrap_or_else(|| panic!("the article, a document, by its title:\n{tree}"));
    let sentence = "Rysslands president Vladimir Putin och Vitrysslands president Alexander \
                    Lukashenko kommer att hålla samtalen i Sotji denna vecka.";
    assert!(
        below(&nodes, article)
            .iter()
            .any(|n| n.name.contains(sentence)
                || n.text.as_deref().is_some_and(|t| t.contains(sentence))),
        "the article's text is read out:\n{tree}"
    );

    // Buttons and fields by their labels: the view tabs (toggles: which one is on is read
    // out), the annotator's status of the document, a colleague's labels to show.
    for tab in ["Article", "Predictions", "Claims", "Track record"] {
        assert!(has(&["toggle button"], tab), "the {tab} tab:\n{tree}");
    }
    assert!(
        has(&["combo box"], "My status"),
        "the status picker:\n{tree}"
    );
    assert!(
        has(&["check box"], "erik (110 annotations)"),
        "the toggle of erik's labels:\n{tree}"
    );
}
