//! Issue 12 in the app: Paste as article (by key and from the File menu) and File → Add
//! from URL… (from a server on the loopback address), through the running UI
//! (egui_kittest).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use egui::Modifiers;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lector::ui::LectorApp;

mod common;
#[path = "common/gui.rs"]
mod gui;

use common::sample_project_copy;
use gui::{harness, said, wait_for_jobs};

fn documents(h: &Harness<'_, LectorApp>) -> usize {
    h.state().session().unwrap().store.project.documents.len()
}

fn open_title(h: &Harness<'_, LectorApp>) -> String {
    let app = h.state();
    let id = app.document().unwrap();
    app.session()
        .unwrap()
        .store
        .project
        .document(id)
        .unwrap()
        .meta
        .title
        .clone()
}

#[test]
fn ctrl_shift_v_makes_an_article_of_the_clipboard_with_its_first_line_as_title() {
    let (_tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    assert_eq!(documents(&h), 1);
    let text = "Minsk svarar\n\nLukashenko talade i Minsk om samarbetet.\n";
    // A plain paste outside a text field adds nothing.
    h.event(egui::Event::Paste(text.to_owned()));
    h.run();
    assert_eq!(documents(&h), 1);
    h.event_modifiers(
        egui::Event::Paste(text.to_owned()),
        Modifiers::COMMAND | Modifiers::SHIFT,
    );
    h.run();
    assert_eq!(documents(&h), 2);
    assert_eq!(open_title(&h), "Minsk svarar", "shown at once");
    assert!(
        h.state()
            .view()
            .unwrap()
            .text()
            .as_str()
            .contains("Lukashenko talade i Minsk")
    );
    assert!(
        h.query_by_label("· Minsk svarar  (1 suggested)").is_some(),
        "listed, with its open suggestion"
    );
    // The registry's names are suggested in it at once (anna and erik linked Lukashenko).
    assert!(h.query_by_label("1 suggestion").is_some());
}

#[test]
fn file_paste_as_article_takes_the_text_in_a_window() {
    let (_tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Paste as article").click();
    h.run();
    // It opens in the middle of the app, not at the top left over the menu bar.
    let hint = h.get_by_label_contains("Paste the article's text").rect();
    assert!(
        (hint.left() - 1360.0 / 2.0).abs() < 300.0 && hint.top() > 860.0 / 4.0,
        "the window is centred: {hint:?}"
    );
    // The text field has the keyboard: a paste goes into it, and makes no article by itself.
    h.event_modifiers(
        egui::Event::Paste("Ett nytt avtal\nRyssland och Vitryssland enades.".to_owned()),
        Modifiers::COMMAND | Modifiers::SHIFT,
    );
    h.run();
    assert_eq!(documents(&h), 1);
    h.get_by_label("Add article").click();
    h.run();
    assert_eq!(documents(&h), 2);
    assert_eq!(open_title(&h), "Ett nytt avtal");
    assert!(
        h.query_by_label("Add article").is_none(),
        "the window closed"
    );
}

const STORY: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Site · Putin möter Lukasjenko</title></head><body>\
<nav><a href=\"/\">Hem</a> <a href=\"/sport\">Sport</a></nav>\
<article><h1>Putin möter Lukasjenko i Sotji</h1>\
<p>Rysslands president Vladimir Putin tar emot Alexander Lukasjenko i Sotji på måndagen.</p>\
<p>Lukasjenko räknar med att få ekonomiskt stöd från Ryssland.</p></article>\
<footer>© Tidningen</footer></body></html>";

/// Answers `/story` with a page and anything else with 404, on 127.0.0.1.
fn serve() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request);
            let (status, kind, body) = if request.contains("GET /story ") {
                ("200 OK", "text/html; charset=utf-8", STORY)
            } else if request.contains("GET /broken.pdf ") {
                ("200 OK", "application/pdf", "%PDF-1.7 not really")
            } else {
                ("404 Not Found", "text/html; charset=utf-8", "")
            };
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn add_from_url(h: &mut Harness<'_, LectorApp>, url: &str) {
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Add from URL…").click();
    h.run();
    h.get_by_label("Address (http:// or https://)")
        .type_text(url);
    h.run();
    h.get_by_label("Fetch and add").click();
    // A few frames to start the fetch: its spinner keeps repainting, so `run` may not settle.
    h.run_steps(4);
    wait_for_jobs(h);
}

#[test]
fn file_add_from_url_fetches_the_page_in_the_background_and_opens_it() {
    let base = serve();
    let (_tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    add_from_url(&mut h, &format!("{base}/story"));
    assert_eq!(documents(&h), 2);
    assert_eq!(open_title(&h), "Putin möter Lukasjenko i Sotji");
    let app = h.state();
    let text = app.view().unwrap().text().as_str().to_owned();
    assert!(text.contains("Lukasjenko räknar med"), "{text}");
    assert!(
        !text.contains("Sport"),
        "the story only, not the menu: {text}"
    );
    // A missing page adds nothing and says why.
    add_from_url(&mut h, &format!("{base}/gone"));
    assert_eq!(documents(&h), 2);
    let last = h.state().messages().last().unwrap().clone();
    assert!(last.error && last.text.contains("404"), "{}", last.text);
    // A PDF that cannot be read (read on the fetch's thread) adds nothing and says why,
    // naming the address.
    add_from_url(&mut h, &format!("{base}/broken.pdf"));
    assert_eq!(documents(&h), 2);
    let last = h.state().messages().last().unwrap().clone();
    assert!(
        last.error
            && last.text.starts_with("nothing added: ")
            && last.text.matches("/broken.pdf").count() == 1,
        "{}",
        last.text
    );
}

/// Issue 9: an article is read and turned into text on a background job; the window keeps
/// drawing frames meanwhile (and says what it reads), refuses a second Add until it is done,
/// and then adds the article exactly as reading it directly does.
#[test]
fn adding_a_long_web_page_reads_it_in_the_background_while_the_window_draws() {
    let (tmp, project) = sample_project_copy();
    let mut h = harness(&project, "tove");
    h.run();
    assert_eq!(documents(&h), 1);
    let page = tmp.path().join("stor.html");
    let mut html = String::from(
        "<html><head><title>Stor sida</title></head><body><nav>Meny</nav><article>\
         <h1>Stor sida</h1>",
    );
    for i in 0..40_000 {
        html.push_str(&format!(
            "<p>Lukashenko talade i Minsk om samarbetet, punkt {i}.</p>"
        ));
    }
    html.push_str("</article></body></html>");
    std::fs::write(&page, &html).unwrap();
    h.state_mut()
        .push(lector::ui::Command::AddArticles(vec![page.clone()]));
    // The frame that starts the job, then frames while it runs.
    h.step();
    assert!(h.state().is_busy(), "read in the background");
    h.step();
    assert!(
        h.query_by_label_contains("reading stor.html").is_some(),
        "the status bar says what is read"
    );
    h.state_mut()
        .push(lector::ui::Command::AddArticles(vec![page.clone()]));
    h.step();
    assert!(
        said(&h)
            .iter()
            .any(|m| m.contains("articles are being read")),
        "a second Add waits"
    );
    assert_eq!(documents(&h), 1, "nothing stored before it is read");
    wait_for_jobs(&mut h);
    assert_eq!(documents(&h), 2, "added once");
    assert_eq!(open_title(&h), "Stor sida", "and shown");
    let direct = lector::store::read_article(&page, None, None).unwrap();
    assert_eq!(
        h.state().view().unwrap().text().as_str(),
        direct.text,
        "the same text as reading it directly"
    );
}
