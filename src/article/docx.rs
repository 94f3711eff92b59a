//! Word articles (.docx): the paragraphs of the main document, `word/document.xml`.
//!
//! A paragraph (`w:p`) becomes a paragraph, separated by a blank line; empty ones (Word's
//! spacing) are skipped. Text is what `w:t` holds, so tracked deletions (`w:delText`) and
//! field codes (`w:instrText`) are left out; `w:tab` is a tab, `w:br` and `w:cr` a newline.
//! List paragraphs get a line each with `• ` (Word's numbering definitions are not read);
//! a table row is a line with its cells separated by tabs. Where Word stores content twice
//! for older readers (`mc:Fallback`), only the first form is read. Headers, footers, comments
//! and footnotes live in other parts of the package and are not part of the article.

use std::io::Read as _;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use super::{Article, ArticleError};
use crate::model::text::MAX_ARTICLE_BYTES;

/// WordprocessingML namespaces: transitional (what Word writes) and strict.
const WORD_NS: [&[u8]; 2] = [
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MARKUP_COMPATIBILITY_NS: &[u8] =
    b"http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Why a .docx could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// Not a zip package at all.
    #[error("this is not a Word .docx file ({reason})")]
    NotDocx {
        /// What the zip reader said.
        reason: String,
    },
    /// An OLE compound file: an old `.doc` renamed, or a password-protected `.docx`.
    #[error(
        "this is an older Word .doc file or a password-protected .docx; save it as an \
         unprotected .docx first"
    )]
    Protected,
    /// A zip without `word/document.xml`.
    #[error("this .docx has no main document (word/document.xml)")]
    NoDocument,
    /// The main document is not readable XML.
    #[error("the document inside this .docx is damaged ({reason})")]
    Damaged {
        /// What went wrong.
        reason: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paragraph,
    ListItem,
    TableRow,
}

/// Reads a .docx.
pub fn read(bytes: &[u8]) -> Result<Article, ArticleError> {
    let xml = document_xml(bytes)?;
    let (blocks, list_items) = blocks(&xml)?;
    let mut text = String::new();
    let mut previous: Option<Kind> = None;
    for (block, kind) in &blocks {
        if let Some(previous) = previous {
            let same_list = previous == *kind && *kind != Kind::Paragraph;
            text.push_str(if same_list { "\n" } else { "\n\n" });
        }
        text.push_str(block);
        previous = Some(*kind);
    }
    if text.is_empty() {
        return Err(ArticleError::NoText {
            what: "this .docx has no text in its main document",
        });
    }
    text.push('\n');
    let mut warnings = Vec::new();
    if list_items > 0 {
        warnings.push(format!(
            "marked {list_items} list items with •; numbered lists lose their numbers"
        ));
    }
    Ok(Article {
        text,
        title: None,
        published: crate::article::published::from_docx(bytes),
        warnings,
    })
}

/// The main document's XML, at most [`MAX_ARTICLE_BYTES`] of it.
fn document_xml(bytes: &[u8]) -> Result<String, DocxError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(DocxError::Protected);
    }
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|err| DocxError::NotDocx {
            reason: err.to_string(),
        })?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| DocxError::NoDocument)?;
    let mut xml = Vec::new();
    let limit = u64::try_from(MAX_ARTICLE_BYTES).unwrap_or(u64::MAX);
    entry
        .take(limit + 1)
        .read_to_end(&mut xml)
        .map_err(|err| DocxError::Damaged {
            reason: err.to_string(),
        })?;
    if xml.len() > MAX_ARTICLE_BYTES {
        return Err(DocxError::Damaged {
            reason: format!("it unpacks to more than {MAX_ARTICLE_BYTES} bytes"),
        });
    }
    String::from_utf8(xml).map_err(|err| DocxError::Damaged {
        reason: format!("not UTF-8 at byte {}", err.utf8_error().valid_up_to()),
    })
}

/// A paragraph being read; paragraphs nest (a text box inside a paragraph).
#[derive(Default)]
struct Open {
    text: String,
    list: bool,
    level: usize,
}

/// What is being read.
#[derive(Default)]
struct State {
    /// Finished blocks.
    out: Vec<(String, Kind)>,
    /// Open paragraphs, innermost last.
    paragraphs: Vec<Open>,
    /// Open table rows with their cells' text, innermost last.
    rows: Vec<Vec<String>>,
    /// Inside `w:t`.
    in_text: bool,
    list_items: usize,
}

impl State {
    fn push(&mut self, text: &str) {
        if let Some(p) = self.paragraphs.last_mut() {
            p.text.push_str(text);
        }
    }

    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>, empty: bool) {
        match e.local_name().as_ref() {
            b"p" if !empty => self.paragraphs.push(Open::default()),
            b"t" if !empty => self.in_text = true,
            b"tab" => self.push("\t"),
            b"br" | b"cr" => self.push("\n"),
            b"noBreakHyphen" => self.push("-"),
            b"numPr" => {
                if let Some(p) = self.paragraphs.last_mut() {
                    p.list = true;
                }
            }
            b"ilvl" => {
                let level = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"val")
                    .and_then(|a| String::from_utf8_lossy(&a.value).trim().parse().ok());
                if let (Some(p), Some(level)) = (self.paragraphs.last_mut(), level) {
                    p.level = level;
                }
            }
            b"tr" if !empty => self.rows.push(Vec::new()),
            b"tc" if !empty => {
                if let Some(row) = self.rows.last_mut() {
                    row.push(String::new());
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, local_name: &[u8]) {
        match local_name {
            b"t" => self.in_text = false,
            b"p" => {
                let Some(p) = self.paragraphs.pop() else {
                    return;
                };
                let text = p.text.trim();
                if text.is_empty() {
                    return;
                }
                if let Some(cell) = self.rows.last_mut().and_then(|r| r.last_mut()) {
                    if !cell.is_empty() {
                        cell.push(' ');
                    }
                    cell.push_str(text);
                } else if p.list {
                    self.list_items += 1;
                    let indent = "  ".repeat(p.level.min(8));
                    self.out.push((format!("{indent}• {text}"), Kind::ListItem));
                } else {
                    self.out.push((text.to_owned(), Kind::Paragraph));
                }
            }
            b"tr" => {
                let Some(cells) = self.rows.pop() else {
                    return;
                };
                let line = cells.join("\t");
                if line.trim().is_empty() {
                    return;
                }
                // A row of a table nested in a cell goes into that cell.
                if let Some(cell) = self.rows.last_mut().and_then(|r| r.last_mut()) {
                    if !cell.is_empty() {
                        cell.push(' ');
                    }
                    cell.push_str(line.trim());
                } else {
                    self.out.push((line, Kind::TableRow));
                }
            }
            _ => {}
        }
    }
}

/// The blocks of the document in order, and how many were list items.
fn blocks(xml: &str) -> Result<(Vec<(String, Kind)>, usize), DocxError> {
    let damaged = |err: &dyn std::fmt::Display| DocxError::Damaged {
        reason: err.to_string(),
    };
    let mut reader = quick_xml::NsReader::from_str(xml);
    let mut state = State::default();
    // Depth inside a subtree that is skipped (`mc:Fallback`).
    let mut skip_depth = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| damaged(&e))?;
        let in_word = matches!(&ns, ResolveResult::Bound(n) if WORD_NS.contains(&n.as_ref()));
        let in_mc = matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == MARKUP_COMPATIBILITY_NS);
        match event {
            Event::Eof => break,
            Event::Start(_) if skip_depth > 0 => skip_depth += 1,
            Event::End(_) if skip_depth > 0 => skip_depth -= 1,
            _ if skip_depth > 0 => {}
            Event::Start(e) if in_mc && e.local_name().as_ref() == b"Fallback" => skip_depth = 1,
            Event::Start(e) if in_word => state.start(&e, false),
            Event::Empty(e) if in_word => state.start(&e, true),
            Event::End(e) if in_word => state.end(e.local_name().as_ref()),
            Event::Text(t) if state.in_text => {
                let text = t.xml10_content().map_err(|e| damaged(&e))?;
                state.push(&text);
            }
            Event::GeneralRef(r) if state.in_text => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.decode().map_err(|e| damaged(&e))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_default()
                            .to_owned()
                    }
                };
                state.push(&resolved);
            }
            _ => {}
        }
    }
    Ok((state.out, state.list_items))
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    fn body(inner: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"{W}\" xmlns:mc=\"{}\"><w:body>{inner}<w:sectPr/></w:body></w:document>",
            std::str::from_utf8(MARKUP_COMPATIBILITY_NS).unwrap()
        )
    }

    #[test]
    fn paragraphs_runs_lists_and_tables() {
        let xml = body(
            "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>Putin </w:t></w:r>\
             <w:r><w:rPr><w:b/></w:rPr><w:t>möter</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Lukasjenko &amp; co</w:t></w:r></w:p>\
             <w:p/>\
             <w:p><w:r><w:t>Rad ett</w:t><w:br/><w:t>rad</w:t><w:tab/><w:t>två</w:t></w:r>\
             <w:del><w:r><w:delText>struken</w:delText></w:r></w:del>\
             <w:r><w:fldChar w:fldCharType=\"begin\"/><w:instrText>PAGE</w:instrText></w:r></w:p>\
             <w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>ett</w:t></w:r></w:p>\
             <w:p><w:pPr><w:numPr><w:ilvl w:val=\"1\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>två</w:t></w:r></w:p>\
             <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Land</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Gas</w:t></w:r></w:p></w:tc></w:tr>\
             <w:tr><w:tc><w:p><w:r><w:t>Ryssland</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>mer</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
             <w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:t>Ruta</w:t></mc:Choice>\
             <mc:Fallback><w:t>Ruta igen</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>",
        );
        let (blocks, lists) = blocks(&xml).unwrap();
        let text: Vec<&str> = blocks.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            text,
            [
                "Putin möter Lukasjenko & co",
                "Rad ett\nrad\ttvå",
                "• ett",
                "  • två",
                "Land\tGas",
                "Ryssland\tmer",
                "Ruta"
            ]
        );
        assert_eq!(lists, 2);
    }

    #[test]
    fn not_a_docx_is_a_clear_error() {
        let err = read(b"PK\x03\x04 not really").unwrap_err();
        assert!(err.to_string().contains("not a Word .docx"), "{err}");
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        assert!(read(&ole).unwrap_err().to_string().contains(".doc"));
    }
}
