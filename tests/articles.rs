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
    assert_eq!(set.annotations[0].covered_text(&doc.text), "Lukasjenko");
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
