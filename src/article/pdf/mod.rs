//! PDF articles: the text layer, in the order the page draws it, laid out into paragraphs.
//!
//! `pdf-extract` (over `lopdf`) interprets each page's content and reports every glyph with
//! its position and size; [`layout`] groups the glyphs into lines and the lines into
//! paragraphs, joins words hyphenated at line ends and drops running headers and footers.
//!
//! ## Implementation notes
//!
//! `pdf-extract` panics on many malformed files (it has `unwrap`s and `panic!`s on the page
//! tree, fonts and graphics state). The reader therefore runs on a thread of its own, whose
//! panic ends only that thread: joining it turns the panic into [`PdfError::ReaderFailed`]
//! (the same containment as `std::panic::catch_unwind`, and with a larger stack for deeply
//! nested files). A panic hook installed once keeps that thread's panic messages off the
//! terminal; panics anywhere else still reach the previous hook.
//!
//! A panic is not the only way a hostile PDF fails: a decompression bomb makes an allocation
//! fail, which aborts the process, and a form that draws itself overflows the stack. [`guard`]
//! checks the file before `lopdf` and `pdf-extract` see it and stops them beyond its limits.

pub mod guard;
mod layout;

use std::sync::Once;
use std::time::Instant;

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use super::{Article, ArticleError};

/// Name of the thread the PDF reader runs on.
const READER_THREAD: &str = "lector-pdf-reader";

/// Stack for the reader: content streams and page trees nest, and the reader recurses.
const READER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Not a PDF, or damaged beyond what the parser repairs.
    #[error("this is not a readable PDF: not a PDF at all, or damaged or cut short ({reason})")]
    Unreadable {
        /// The parser's message.
        reason: String,
    },
    /// Opening it needs a password.
    #[error(
        "this PDF is protected by a password; open it and save or print an unprotected copy first"
    )]
    Encrypted,
    /// Pages, but no text on them: a scan.
    #[error("this PDF has no text layer; OCR it first")]
    NoTextLayer,
    /// Beyond one of the limits on unpacked size, drawing work, text or time.
    #[error(transparent)]
    Limit(#[from] guard::PdfLimit),
    /// The reader failed on the content (a panic in `pdf-extract`, contained).
    #[error("the PDF reader failed on this file ({reason}); save it again as PDF, or as text")]
    ReaderFailed {
        /// What the reader said.
        reason: String,
    },
}

/// One glyph as drawn: position in points, y growing down the page.
#[derive(Clone, Debug)]
struct Glyph {
    x: f64,
    y: f64,
    /// Where the glyph's advance ends.
    end: f64,
    /// The glyph's height on the page (font size times the text's vertical scale).
    size: f64,
    text: String,
}

/// Reads a PDF, within the limits of [`guard`].
pub fn read(bytes: &[u8]) -> Result<Article, ArticleError> {
    guard::preflight(bytes).map_err(PdfError::from)?;
    let pages = extract_contained(bytes)?;
    if pages.iter().flatten().all(|g| g.text.trim().is_empty()) {
        return Err(PdfError::NoTextLayer.into());
    }
    let laid_out = layout::paragraphs(&pages);
    let mut warnings = laid_out.warnings;
    let unmapped = laid_out.text.matches('\u{FFFD}').count();
    if unmapped > 0 {
        warnings.push(format!(
            "{unmapped} characters have no Unicode meaning in the PDF's fonts; they show as \u{FFFD}"
        ));
    }
    Ok(Article {
        text: laid_out.text,
        title: None,
        published: crate::article::published::from_pdf(bytes),
        warnings,
    })
}

/// Runs the reader on its own thread so that a panic in it is contained.
fn extract_contained(bytes: &[u8]) -> Result<Vec<Vec<Glyph>>, PdfError> {
    quiet_reader_panics();
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name(READER_THREAD.to_owned())
            .stack_size(READER_STACK_BYTES)
            .spawn_scoped(scope, || extract(bytes))
            .map_err(|err| PdfError::ReaderFailed {
                reason: format!("cannot start the reader: {err}"),
            })?;
        reader.join().unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "it stopped unexpectedly".to_owned());
            Err(PdfError::ReaderFailed {
                reason: shorten(&message),
            })
        })
    })
}

/// The first line of a panic message, at most 100 characters: enough to report, without
/// the debug dump of a PDF object some panics carry.
fn shorten(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(100).collect();
    if line.chars().count() > 100 {
        short.push('…');
    }
    short
}

/// Keeps the reader thread's panics (reported as [`PdfError::ReaderFailed`]) off stderr.
fn quiet_reader_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(READER_THREAD) {
                previous(info);
            }
        }));
    });
}

fn extract(bytes: &[u8]) -> Result<Vec<Vec<Glyph>>, PdfError> {
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|err| match err {
        pdf_extract::Error::Decryption(_) | pdf_extract::Error::InvalidPassword => {
            PdfError::Encrypted
        }
        err => PdfError::Unreadable {
            reason: err.to_string(),
        },
    })?;
    // lopdf opens files encrypted with an empty user password by itself; anything still
    // encrypted needs the password.
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(PdfError::Encrypted);
    }
    if doc.get_pages().is_empty() {
        return Err(PdfError::Unreadable {
            reason: "it has no pages".to_owned(),
        });
    }
    let started = Instant::now();
    guard::check_document(&doc, started)?;
    guard::neutralise_colour_spaces(&mut doc);
    let mut collector = Collector {
        pages: Vec::new(),
        glyphs: 0,
        text_bytes: 0,
        started,
        stopped: None,
    };
    let result = pdf_extract::output_doc(&doc, &mut collector);
    if let Some(limit) = collector.stopped {
        return Err(limit.into());
    }
    result.map_err(|err| PdfError::ReaderFailed {
        reason: shorten(&match err {
            OutputError::PdfError(err) => err.to_string(),
            err => err.to_string(),
        }),
    })?;
    Ok(collector.pages)
}

/// Receives the glyphs from `pdf-extract`, page by page, and stops it beyond the limits on
/// text and time (an error from an output device ends `output_doc`).
struct Collector {
    pages: Vec<Vec<Glyph>>,
    glyphs: usize,
    text_bytes: usize,
    started: Instant,
    /// The limit that stopped the reader, if one did.
    stopped: Option<guard::PdfLimit>,
}

impl Collector {
    fn stop(&mut self, limit: guard::PdfLimit) -> Result<(), OutputError> {
        self.stopped = Some(limit);
        Err(OutputError::FormatError(std::fmt::Error))
    }

    fn in_time(&mut self) -> Result<(), OutputError> {
        if self.started.elapsed() > guard::MAX_READ_TIME {
            return self.stop(guard::PdfLimit::Time);
        }
        Ok(())
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.in_time()?;
        self.pages.push(Vec::new());
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        // `trm` maps text space to the page without the font size: its second row is the
        // text's vertical axis, its first the horizontal one (with horizontal scaling).
        let size = trm.m21.hypot(trm.m22) * font_size;
        let advance = width * font_size * trm.m11.hypot(trm.m12);
        let (x, y) = (trm.m31, -trm.m32);
        if !(x.is_finite() && y.is_finite() && size.is_finite() && advance.is_finite()) {
            return Ok(());
        }
        self.glyphs += 1;
        self.text_bytes += text.len();
        if self.glyphs > guard::MAX_GLYPHS || self.text_bytes > guard::MAX_TEXT_BYTES {
            return self.stop(guard::PdfLimit::Text);
        }
        if self.glyphs.is_multiple_of(4096) {
            self.in_time()?;
        }
        if let Some(page) = self.pages.last_mut() {
            page.push(Glyph {
                x,
                y,
                end: x + advance,
                size: size.abs(),
                text: text.to_owned(),
            });
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}
