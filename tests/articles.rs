//! Adding articles from web pages, PDFs and Word files (issue "Import articles and
//! annotations"): the text a user gets, the warnings about what was guessed, and a clear error
//! naming the file, never a panic, for files that cannot be read.
//!
//! The PDFs under `tests/fixtures/articles/` were made once by `make_pdfs.py` beside them.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test loudly"
)]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use lector::model::{Annotation, Status, checked_fragments};
use lector::store::ProjectStore;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/articles")
        .join(name)
}

fn project(dir: &Path) -> ProjectStore {
    ProjectStore::create(&dir.join("proj"), "T").unwrap()
}

/// Adds the article and returns its stored text, title and warnings.
fn add(store: &mut ProjectStore, path: &Path) -> (String, String, Vec<String>) {
    let (id, warnings) = store
        .add_article(path, None)
        .unwrap_or_else(|err| panic!("{err}"));
    let doc = store.project.document(&id).unwrap();
    (
        doc.text.as_str().to_owned(),
        doc.meta.title.clone(),
        warnings,
    )
}

fn add_err(store: &mut ProjectStore, path: &Path) -> String {
    let err = store.add_article(path, None).unwrap_err().to_string();
    assert!(
        err.ends_with(&path.display().to_string()),
        "the error names the file: {err}"
    );
    err
}

const NEWS_TEXT: &str = "Putin och Lukasjenko möts i\u{a0}Sotji

Av Anna Svensson · 1 mars 2024

Den ryske presidenten Vladimir Putin tog på fredagen emot Belarus ledare Aleksandr Lukasjenko i Sotji. Samtalen, som pågick i fem timmar, handlade om gaspriser, lån & en gemensam valuta.

Putin och Lukasjenko vid Svarta havet. Foto: TT

Enligt Kreml var stämningen ”god och förtroendefull” 👍. Lukasjenko sade att Minsk räknar med stöd på 1\u{a0}miljard dollar.
Det är troligt att samarbetet fördjupas, om Minsk går med på villkoren.

Gaspriset

Belarus vill betala samma pris som ryska regioner:

• lägre gaspris,
• nya lån och
• fler tullfria varor.

Mötet avslutades utan gemensam presskonferens.
";

#[test]
fn a_news_page_becomes_its_story_without_the_page_furniture() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let (text, title, warnings) = add(&mut store, &fixture("sotji-news.html"));
    assert_eq!(text, NEWS_TEXT);
    assert_eq!(title, "Putin och Lukasjenko möts i Sotji");
    assert_eq!(
        warnings,
        ["kept the <article> element; dropped 12 boilerplate blocks"]
    );
    for furniture in [
        "kakor",
        "Inrikes",
        "Dela på",
        "Fakta",
        "Läs också",
        "Kommentarer",
        "Mest läst",
        "nyhetsbrev",
        "Ansvarig utgivare",
        "dataLayer",
        "Publicerad",
    ] {
        assert!(!text.contains(furniture), "{furniture:?} was kept");
    }
}

#[test]
fn a_page_without_article_markup_keeps_its_densest_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let para = "Samtalen i Sotji, som pågick i fem timmar, handlade om gas, lån och tullar.";
    let page = dir.path().join("old-site.htm");
    fs::write(
        &page,
        format!(
            "<html><head><title>Gammal sajt – Sotji</title></head><body>\
             <table><tr><td class=menu><a href=/>Hem</a><br><a href=/u>Utrikes</a></td>\
             <td><div id=text><b>Sotji</b><p>{para}</p><p>{para}</p><p>{para}</p></div></td></tr></table>\
             <div class=copyright>Copyright 2003 Gammal sajt</div></body></html>"
        ),
    )
    .unwrap();
    let (text, title, warnings) = add(&mut store, &page);
    assert_eq!(text, format!("Sotji\n\n{para}\n\n{para}\n\n{para}\n"));
    assert_eq!(title, "Gammal sajt – Sotji");
    assert_eq!(
        warnings,
        [
            "kept the part of the page with the most paragraph text, <div id=\"text\">; \
             dropped 2 boilerplate blocks"
        ]
    );
}

#[test]
fn a_windows_1252_page_is_read_in_its_declared_charset() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let page = dir.path().join("latin.html");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(
        b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">\
          <title>V\xE4rlden</title></head><body><article><h1>V\xE4rlden \x96 \xD6resund</h1>\
          <p>Lukasjenko sade \x93ja\x94 till 5\xA0\x80 &amp; mer.</p></article></body></html>",
    );
    fs::write(&page, &bytes).unwrap();
    let (text, title, warnings) = add(&mut store, &page);
    assert_eq!(
        text,
        "Världen – Öresund\n\nLukasjenko sade “ja” till 5\u{a0}€ & mer.\n"
    );
    assert_eq!(title, "Världen – Öresund");
    assert!(
        !warnings.iter().any(|w| w.contains("UTF-8")),
        "a declared charset is not a guess: {warnings:?}"
    );

    // Without a declaration the same bytes are a guess, and the user is told.
    let guessed = dir.path().join("guessed.html");
    fs::write(&guessed, b"<p>V\xE4rlden \x96 \xD6resund</p>").unwrap();
    let (text, _, warnings) = add(&mut store, &guessed);
    assert_eq!(text, "Världen – Öresund\n");
    assert!(warnings[0].contains("Windows-1252"), "{warnings:?}");
}

#[test]
fn a_page_with_no_text_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let page = dir.path().join("app.html");
    fs::write(
        &page,
        "<html><body><div id=root></div><script src=app.js></script></body></html>",
    )
    .unwrap();
    let err = add_err(&mut store, &page);
    assert!(err.contains("no readable text"), "{err}");
}

const PDF_TEXT: &str = "Putin och Lukasjenko möts i Sotji

Av Anna Svensson, 1 mars 2024

Den ryske presidenten Vladimir Putin tog på fredagen emot Belarus ledare Aleksandr Lukasjenko i Sotji. Samtalen, som pågick i fem timmar, handlade om gaspriser, lån och en gemensam valuta för de två länderna.

Enligt Kreml var stämningen ”god och förtroendefull”. Lukasjenko sade att Minsk räknar med stöd från Moskva även nästa år.

Analytiker i Stockholm och Kiev påpekar att EU-kommissionen följer mötet noga, eftersom nya sanktioner mot Minsk kan komma att diskuteras redan under våren.

Mötet avslutades utan någon gemensam presskonferens.
";

#[test]
fn a_pdf_article_comes_out_in_paragraphs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let (text, title, warnings) = add(&mut store, &fixture("sotji.pdf"));
    assert_eq!(text, PDF_TEXT);
    assert_eq!(title, "Putin och Lukasjenko möts i Sotji");
    assert_eq!(
        warnings,
        [
            "dropped 4 lines repeated at the top or bottom of the pages (running headers, \
             footers, page numbers)",
            "joined 2 words hyphenated at line ends; check the ones that should keep their hyphen",
            // The fixture's document information says /CreationDate (D:20240301…).
            "publication date 2024-03-01 read from the file's metadata; due phrases are read \
             against it",
        ]
    );
}

#[test]
fn a_pdf_that_opens_without_a_password_is_read_and_one_that_needs_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let (text, _, _) = add(&mut store, &fixture("owner-locked.pdf"));
    assert!(text.contains("Putin tog på fredagen emot"), "{text}");
    let err = add_err(&mut store, &fixture("locked.pdf"));
    assert!(err.contains("protected by a password"), "{err}");
}

#[test]
fn a_scanned_pdf_asks_for_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let err = add_err(&mut store, &fixture("scan.pdf"));
    assert!(
        err.contains("this PDF has no text layer; OCR it first"),
        "{err}"
    );
}

/// A PDF written by hand: one page with one line of text in Helvetica. `media_box` is the
/// page's `/MediaBox` entry; without one pdf-extract panics, which must be contained.
fn tiny_pdf(media_box: &str) -> Vec<u8> {
    let content = "BT /F1 12 Tf 72 712 Td (Putin i Sotji) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!("<< /Type /Pages /Kids [3 0 R] /Count 1 {media_box} >>"),
        "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        write!(pdf, "{} 0 obj\n{object}\nendobj\n", i + 1).unwrap();
    }
    let xref = pdf.len();
    write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        // Each cross-reference entry is exactly 20 bytes, ending in a space and a newline.
        writeln!(pdf, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    pdf
}

#[test]
fn garbage_truncated_and_malformed_pdfs_give_clear_errors_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());

    let good = dir.path().join("tiny.pdf");
    fs::write(&good, tiny_pdf("/MediaBox [0 0 612 792]")).unwrap();
    assert_eq!(add(&mut store, &good).0, "Putin i Sotji\n");

    let garbage = dir.path().join("garbage.pdf");
    fs::write(
        &garbage,
        b"%PDF-1.7\n\x8f\x00\x13 this is not a PDF at all \xff\xfe",
    )
    .unwrap();
    let err = add_err(&mut store, &garbage);
    assert!(err.contains("not a readable PDF"), "{err}");

    let truncated = dir.path().join("truncated.pdf");
    let whole = fs::read(fixture("sotji.pdf")).unwrap();
    fs::write(&truncated, &whole[..whole.len() / 3]).unwrap();
    let err = add_err(&mut store, &truncated);
    assert!(err.contains("PDF"), "{err}");

    // pdf-extract panics on a page without a media box; the panic is contained.
    let no_media_box = dir.path().join("no-media-box.pdf");
    fs::write(&no_media_box, tiny_pdf("")).unwrap();
    let err = add_err(&mut store, &no_media_box);
    assert!(err.contains("the PDF reader failed on this file"), "{err}");

    assert_eq!(
        store.project.documents.len(),
        1,
        "only the good PDF was added"
    );
}

/// A .docx as Word writes it, reduced to the parts Lector reads.
fn docx(body: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_owned(),
        ),
        (
            "word/document.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
                 <w:body>{body}<w:sectPr/></w:body></w:document>"
            ),
        ),
    ];
    for (name, content) in parts {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_word_document_keeps_its_paragraphs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let path = dir.path().join("Sotji.docx");
    let run = |text: &str| format!("<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>");
    fs::write(
        &path,
        docx(&format!(
            "<w:p>{}</w:p><w:p/><w:p>{}{}</w:p><w:p>{}</w:p>",
            run("Putin och Lukasjenko i Sotji"),
            run("Samtalen handlade om gas &amp; lån, "),
            run("sade Kreml 👍."),
            run("Mötet avslutades."),
        )),
    )
    .unwrap();
    let (text, title, warnings) = add(&mut store, &path);
    assert_eq!(
        text,
        "Putin och Lukasjenko i Sotji\n\nSamtalen handlade om gas & lån, sade Kreml 👍.\n\nMötet avslutades.\n"
    );
    assert_eq!(title, "Putin och Lukasjenko i Sotji");
    assert!(warnings.is_empty(), "{warnings:?}");

    let not_docx = dir.path().join("renamed.docx");
    fs::write(&not_docx, "just text").unwrap();
    let err = add_err(&mut store, &not_docx);
    assert!(err.contains("not a Word .docx file"), "{err}");
}

#[test]
fn other_file_types_are_refused_with_the_list_of_what_lector_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let rtf = dir.path().join("notes.rtf");
    fs::write(&rtf, "{\\rtf1 hello}").unwrap();
    let err = add_err(&mut store, &rtf);
    assert!(
        err.contains("Lector reads .txt, .md, .html, .pdf and .docx articles, not .rtf"),
        "{err}"
    );
    let doc = dir.path().join("old.doc");
    fs::write(&doc, "x").unwrap();
    assert!(add_err(&mut store, &doc).contains("save it as .docx or PDF first"));
}

/// The stored text of an imported page is an ordinary document: annotations on it save,
/// load and validate like any other.
#[test]
fn annotations_on_an_imported_page_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path());
    let (id, _) = store
        .add_article(&fixture("sotji-news.html"), None)
        .unwrap();
    let text = store.project.document(&id).unwrap().text.clone();
    // After the emoji, so char and UTF-16 offsets differ.
    let start = text.as_str().chars().count()
        - text
            .as_str()
            .split_once("Lukasjenko sade")
            .unwrap()
            .1
            .chars()
            .count()
        - "Lukasjenko sade".chars().count();
    let start = u32::try_from(start).unwrap();
    let fragments = checked_fragments(&text, &[(start, start + 10)]).unwrap();
    let set = store.project.set_mut(&id, "anna");
    set.insert(Annotation::new("Person", fragments));
    set.status = Status::Done;
    store.save_set(&id, "anna").unwrap();

    let (reopened, problems) = ProjectStore::open(store.root()).unwrap();
    assert_eq!(problems, vec![]);
    let doc = reopened.project.document(&id).unwrap();
    assert_eq!(
        doc.text.as_str(),
        NEWS_TEXT,
        "the stored text is kept as is"
    );
    let set = reopened.project.set(&id, "anna").unwrap();
    assert_eq!(set.annotations()[0].covered_text(&doc.text), "Lukasjenko");
}

/// Every prefix of a real PDF, and the PDF with bytes overwritten here and there, is read or
/// refused with a message; the reader's panics never reach the caller.
#[test]
fn damaged_pdfs_never_panic() {
    let whole = fs::read(fixture("sotji.pdf")).unwrap();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let mut record = |bytes: &[u8]| {
        let outcome = match lector::article::read(lector::article::ArticleKind::Pdf, bytes) {
            Ok(_) => "read".to_owned(),
            Err(err) => err.to_string().chars().take(60).collect(),
        };
        *outcomes.entry(outcome).or_default() += 1;
    };
    for len in (0..whole.len()).step_by(97) {
        record(&whole[..len]);
    }
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..300 {
        let mut damaged = whole.clone();
        for _ in 0..8 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let at = usize::try_from(rng % whole.len() as u64).unwrap();
            damaged[at] = u8::try_from(rng >> 56).unwrap();
        }
        record(&damaged);
    }
    let known = [
        "read",
        "the PDF reader failed on this file",
        "this PDF has no text layer",
        "this is not a readable PDF",
    ];
    for outcome in outcomes.keys() {
        assert!(known.iter().any(|k| outcome.starts_with(k)), "{outcome}");
    }
    assert!(outcomes["read"] > 0, "{outcomes:#?}");
}

/// Issue 15: `lector add` of a named pipe hung until a writer came (maybe never); an article
/// that is a link to `/dev/zero` was read until memory ran out. Both are refused at once by
/// their type, with the file named.
#[cfg(unix)]
#[test]
fn issue15_a_fifo_or_a_device_given_as_an_article_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.txt");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let zero = dir.path().join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let (done, result) = std::sync::mpsc::channel();
    let root = dir.path().to_path_buf();
    std::thread::Builder::new()
        .name("add".to_owned())
        .spawn(move || {
            let mut store = project(&root);
            let errors: Vec<String> = [root.join("pipe.txt"), root.join("zero.txt")]
                .iter()
                .map(|path| store.add_article(path, None).unwrap_err().to_string())
                .collect();
            done.send(errors).unwrap();
        })
        .unwrap();
    let errors = result
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("adding the articles still ran after 10 s");
    assert_eq!(
        errors[0],
        format!(
            "cannot add the article: this is a named pipe (FIFO), not a regular file; Lector reads only regular files: {}",
            fifo.display()
        )
    );
    assert_eq!(
        errors[1],
        format!(
            "cannot add the article: this is a device, not a regular file; Lector reads only regular files: {}",
            zero.display()
        )
    );
}

/// Issue 15: 50,000 nested `<div>`s took 7.8 s and 100,000 took 27.6 s; 20,000 nested lists
/// 5.4 s; one element with 100,000 attributes 3.8 s. Nesting deeper than the documented limit
/// and elements with too many attributes are refused, at once; pages within the limits are
/// read in time linear in their size. Only the growth is asserted (four times the input, at
/// most eight times the time; quadratic would be sixteen), never an absolute time.
#[test]
fn issue15_hostile_html_is_refused_or_read_in_linear_time() {
    use lector::article::html::limits::{MAX_ATTRIBUTES, MAX_DEPTH};
    use lector::article::{ArticleKind, read};

    // The best of three runs keeps a busy machine's scheduling out of the figure.
    let time = |html: &str| {
        let mut best = std::time::Duration::MAX;
        let mut result = None;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            result = Some(read(ArticleKind::Html, html.as_bytes()).map_err(|e| e.to_string()));
            best = best.min(start.elapsed());
        }
        (best, result.unwrap())
    };
    let nested_divs = |n: usize| {
        format!(
            "<p>Hej.</p>{}djupt{}",
            "<div>".repeat(n),
            "</div>".repeat(n)
        )
    };
    let nested_lists = |n: usize| format!("<p>Hej.</p>{}", "<ul><li>punkt".repeat(n));
    let attributes = |n: usize| {
        let attrs: String = (0..n).map(|i| format!(" data-a{i}=\"v\"")).collect();
        format!("<p{attrs}>Hej.</p>")
    };
    // Within the limits: as deep as allowed, with many paragraphs.
    let deep_and_wide = |n: usize| {
        let depth = MAX_DEPTH - 10;
        let paragraphs: String = (0..n)
            .map(|i| format!("<p>Stycke {i}, med lite text i.</p>"))
            .collect();
        format!(
            "{}{paragraphs}{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )
    };
    /// What, how to make a page of size n, n, and the error it must get (if refused).
    type Case<'a> = (&'a str, &'a dyn Fn(usize) -> String, usize, Option<&'a str>);
    let cases: [Case<'_>; 4] = [
        (
            "nested divs",
            &nested_divs,
            5_000,
            Some("this page nests elements more than 256 deep (at line 1)"),
        ),
        (
            "nested lists",
            &nested_lists,
            2_000,
            Some("this page nests elements more than 256 deep (at line 1)"),
        ),
        (
            "attributes",
            &attributes,
            10_000,
            Some("an element at line 1 has more than 1000 attributes"),
        ),
        ("deep and wide", &deep_and_wide, 2_000, None),
    ];
    assert_eq!(MAX_ATTRIBUTES, 1000);
    for (what, make, n, refused) in cases {
        let (small, first) = time(&make(n));
        let (large, second) = time(&make(4 * n));
        match refused {
            Some(message) => {
                for result in [first, second] {
                    let err = result.unwrap_err();
                    assert!(err.starts_with(message), "{what}: {err}");
                }
            }
            None => {
                let text = second.unwrap().text;
                assert!(text.contains(&format!("Stycke {}", 4 * n - 1)), "{what}");
            }
        }
        assert!(
            large < small * 8 + std::time::Duration::from_millis(50),
            "{what}: {n} took {small:?}, {} took {large:?}",
            4 * n
        );
    }
}

/// A PDF of `objects` (object 1 the catalog), with a cross-reference table that fits.
fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream_object(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut object = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    object.extend_from_slice(data);
    object.extend_from_slice(b"\nendstream");
    object
}

/// `head`, then `unit` repeated to `total` bytes, zlib-compressed without holding it whole.
fn zlib_repeated(head: &[u8], unit: &[u8], total: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(head).unwrap();
    let block = unit.repeat((1 << 20) / unit.len());
    for _ in 0..total / block.len() {
        encoder.write_all(&block).unwrap();
    }
    encoder.finish().unwrap()
}

/// One page with Helvetica as /F1, the given extra resources and content streams.
fn one_page_pdf(resources: &str, contents: &[Vec<u8>], more: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<String> = (0..contents.len())
        .map(|i| format!("{} 0 R", 5 + i))
        .collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> {resources} >> /Contents [{}] >>",
            refs.join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    objects.extend(contents.iter().cloned());
    objects.extend(more.iter().cloned());
    pdf_of(&objects)
}

/// Runs `lector add` in a child whose address space is capped at `mib` MiB (`ulimit -v`), so
/// that an unbounded allocation fails the child (an abort) instead of the machine, and whose
/// run is limited to `seconds`. Returns the exit code (`None` for a signal) and stderr.
#[cfg(unix)]
fn add_capped(dir: &Path, file: &Path, mib: u64, seconds: u64) -> (Option<i32>, String) {
    let lector = env!("CARGO_BIN_EXE_lector");
    let project = dir.join("capped");
    if !project.exists() {
        let made = std::process::Command::new(lector)
            .arg("new")
            .arg(&project)
            .output()
            .unwrap();
        assert!(made.status.success());
    }
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", mib * 1024))
        .arg(lector)
        .arg("add")
        .arg(&project)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("lector add {} still ran after {seconds} s", file.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 15: a 1 MB PDF inflating to 1 GiB aborted the process when the allocation failed; a
/// 600 KB PDF of 200 MB of text operators ran 21 s and 7.5 GB before aborting. Both are
/// refused with the file named, in a child whose memory is capped far below what inflating
/// them takes.
#[cfg(unix)]
#[test]
fn issue15_pdf_decompression_bombs_are_refused_with_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n";
    let bomb = dir.path().join("bomb.pdf");
    let inflates_to_1_gib = zlib_repeated(text, b" ", 1 << 30);
    let pdf = one_page_pdf(
        "",
        &[stream_object("/Filter /FlateDecode", &inflates_to_1_gib)],
        &[],
    );
    assert!(pdf.len() < 1_200_000, "{} bytes", pdf.len());
    fs::write(&bomb, pdf).unwrap();

    let ops = dir.path().join("operators.pdf");
    let operators = zlib_repeated(b"BT /F1 12 Tf 72 720 Td\n", b"(x) Tj\n", 200 << 20);
    let pdf = one_page_pdf(
        "",
        &[stream_object("/Filter /FlateDecode", &operators)],
        &[],
    );
    assert!(pdf.len() < 700_000, "{} bytes", pdf.len());
    fs::write(&ops, pdf).unwrap();

    // The same 200 MB spread over 20 content streams of 10 MB each.
    let spread = dir.path().join("spread.pdf");
    let ten_mb = zlib_repeated(b"BT /F1 12 Tf 72 720 Td\n", b"(x) Tj\n", 10 << 20);
    let contents: Vec<Vec<u8>> = (0..20)
        .map(|_| stream_object("/Filter /FlateDecode", &ten_mb))
        .collect();
    fs::write(&spread, one_page_pdf("", &contents, &[])).unwrap();

    // Three million characters in 3 MB of drawing instructions: more text than a book.
    let long = dir.path().join("long.pdf");
    let mut content = b"BT /F1 1 Tf 0 0 Td (".to_vec();
    content.extend(std::iter::repeat_n(b'x', 3_000_000));
    content.extend_from_slice(b") Tj ET");
    fs::write(&long, one_page_pdf("", &[stream_object("", &content)], &[])).unwrap();

    for (file, message) in [
        (&long, "this PDF has more than 2000000 characters of text"),
        (&bomb, "this PDF unpacks to more than 256 MiB"),
        (
            &ops,
            "a page of this PDF has more than 16 MiB of drawing instructions in one stream",
        ),
        (
            &spread,
            "the pages of this PDF come to more than 64 MiB of drawing instructions",
        ),
    ] {
        let (code, stderr) = add_capped(dir.path(), file, 768, 60);
        assert_eq!(code, Some(1), "{}: {stderr}", file.display());
        assert!(
            stderr.contains(message) && stderr.trim_end().ends_with(&file.display().to_string()),
            "{stderr}"
        );
    }
}

/// Issue 15 (found while hardening the PDF reader): a form that draws itself overflowed the
/// reader's stack (an abort); a page that is its own parent made it loop for ever; thirty
/// forms each drawing the next twice (2^30 draws) ran for ever. All are refused at once.
#[cfg(unix)]
#[test]
fn issue15_pdf_forms_that_draw_themselves_and_page_tree_loops_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hello = stream_object("", b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET /X Do");
    let form = |resources: &str, content: &[u8]| {
        stream_object(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 10 10] {resources}"),
            content,
        )
    };
    let self_drawing = one_page_pdf(
        "/XObject << /X 6 0 R >>",
        std::slice::from_ref(&hello),
        &[form("", b"/X Do")],
    );
    let mut laughs = Vec::new();
    for i in 0..30 {
        laughs.push(if i < 29 {
            form(
                &format!("/Resources << /XObject << /X {} 0 R >> >>", 7 + i),
                b"/X Do /X Do",
            )
        } else {
            form("", b"0 0 m")
        });
    }
    let billion = one_page_pdf("/XObject << /X 6 0 R >>", &[hello], &laughs);
    let looping = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>".to_vec(),
        stream_object("", b"BT (Hello) Tj ET"),
    ]);
    for (name, pdf, message) in [
        (
            "self.pdf",
            self_drawing,
            "this PDF nests forms more than 16 deep, or a form draws itself",
        ),
        (
            "laughs.pdf",
            billion,
            "this PDF nests forms more than 16 deep",
        ),
        ("loop.pdf", looping, "the page tree of this PDF loops"),
    ] {
        let file = dir.path().join(name);
        fs::write(&file, pdf).unwrap();
        let (code, stderr) = add_capped(dir.path(), &file, 768, 30);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}
