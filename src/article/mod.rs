//! Reading an article file into the text Lector stores: plain text, Markdown, HTML, PDF and
//! Word (.docx). Never imports egui or eframe.
//!
//! Each reader returns the article's readable text and, where the file carries one, its
//! title, plus warnings for whatever was guessed (an encoding, which part of a web page is the
//! story, where a PDF's paragraphs end). The text is then normalised exactly once
//! ([`crate::model::text::normalize`]: LF line ends, C0 controls removed, no Unicode
//! normalisation) and never changes after that, so offsets stay valid.

pub mod docx;
pub mod html;
pub mod pdf;
pub mod published;
pub mod web;

use std::path::Path;

use crate::model::text::{DecodeError, decode_article, markdown_to_text, normalize};

/// The kinds of article file Lector reads, for messages.
pub const ACCEPTED: &str = ".txt, .md, .html, .pdf and .docx";

/// The kind of an article file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArticleKind {
    /// `.txt`, `.text` or no extension.
    Text,
    /// `.md`, `.markdown`.
    Markdown,
    /// `.html`, `.htm`, `.xhtml`: a saved web page.
    Html,
    /// `.pdf` with a text layer.
    Pdf,
    /// `.docx` (Word 2007 and later, LibreOffice).
    Docx,
}

impl ArticleKind {
    /// The kind of the file at `path`.
    pub fn of(path: &Path) -> Result<Self, ArticleError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        Ok(match ext.as_str() {
            "txt" | "text" | "" => Self::Text,
            "md" | "markdown" => Self::Markdown,
            "html" | "htm" | "xhtml" => Self::Html,
            "pdf" => Self::Pdf,
            "docx" => Self::Docx,
            _ => return Err(ArticleError::Unsupported { ext }),
        })
    }
}

/// An article read from a file.
#[derive(Debug, PartialEq, Eq)]
pub struct Article {
    /// The readable text, normalised.
    pub text: String,
    /// The title the file gives (a page's headline, a PDF's title), if any.
    pub title: Option<String>,
    /// The publication date the file gives (see [`published`]), if any.
    pub published: Option<jiff::civil::Date>,
    /// What the user should know: guesses and repairs.
    pub warnings: Vec<String>,
}

/// Why an article file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// A type Lector does not read.
    #[error(
        "Lector reads {ACCEPTED} articles, not .{ext}{}",
        if ext == "doc" { "; save it as .docx or PDF first" } else { "" }
    )]
    Unsupported {
        /// The file's extension, lowercased.
        ext: String,
    },
    /// The file cannot be read: missing, not a regular file (a FIFO, a device), too large.
    #[error(transparent)]
    Read(crate::fsguard::ReadErrorKind),
    /// The bytes cannot be decoded as text.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A web page beyond Lector's limits (nesting, attributes, time).
    #[error(transparent)]
    Html(#[from] html::limits::HtmlError),
    /// A PDF that cannot be read.
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    /// A .docx that cannot be read.
    #[error(transparent)]
    Docx(#[from] docx::DocxError),
    /// The file was read but holds no text.
    #[error("{what}")]
    NoText {
        /// What was found instead.
        what: &'static str,
    },
}

/// Reads an article's bytes as `kind`. The size limit is the caller's to check before
/// reading the file.
pub fn read(kind: ArticleKind, bytes: &[u8]) -> Result<Article, ArticleError> {
    read_with_charset(kind, bytes, None)
}

/// [`read`] for bytes whose charset someone declared outside them (a web server's
/// `Content-Type`); only web pages use it.
pub fn read_with_charset(
    kind: ArticleKind,
    bytes: &[u8],
    charset: Option<&str>,
) -> Result<Article, ArticleError> {
    let article = match kind {
        ArticleKind::Text | ArticleKind::Markdown => {
            let decoded = decode_article(bytes)?;
            let text = if kind == ArticleKind::Markdown {
                markdown_to_text(&decoded.text)
            } else {
                decoded.text
            };
            Article {
                text,
                title: None,
                published: None,
                warnings: decoded.warnings,
            }
        }
        ArticleKind::Html => html::read_with_charset(bytes, charset)?,
        ArticleKind::Pdf => pdf::read(bytes)?,
        ArticleKind::Docx => docx::read(bytes)?,
    };
    let (text, removed) = normalize(&article.text);
    let mut warnings = article.warnings;
    if removed > 0 {
        warnings.push(format!("removed {removed} control characters"));
    }
    Ok(Article {
        text,
        title: article.title,
        published: article.published,
        warnings,
    })
}
