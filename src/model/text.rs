//! Reading an article file into the text Lector stores.
//!
//! The text is normalised exactly once, here, at import: decoded to UTF-8, the BOM removed,
//! CRLF and CR turned into LF, C0 control characters other than `\n` and `\t` removed. No Unicode
//! normalisation (NFC would move offsets other tools computed). After import the stored text
//! never changes, so every offset stays valid.

/// Articles larger than this are refused: a news article is kilobytes, a book a few megabytes.
pub const MAX_ARTICLE_BYTES: usize = 200 * 1024 * 1024;

/// How an article's bytes were decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a BOM.
    Utf8,
    /// UTF-16 little-endian, recognised by its BOM.
    Utf16Le,
    /// UTF-16 big-endian, recognised by its BOM.
    Utf16Be,
    /// Not valid UTF-8 and no BOM: read as Windows-1252 (Western European), with a warning.
    Windows1252,
}

/// Why an article could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The file is larger than [`MAX_ARTICLE_BYTES`].
    #[error("the file is {size} bytes; articles up to {max} bytes are accepted")]
    TooLarge {
        /// Size of the file.
        size: u64,
        /// The limit.
        max: usize,
    },
    /// The file holds NUL bytes without a UTF-16 BOM: an image, an archive, a program.
    #[error(
        "this is a binary file (a NUL byte at byte {offset}), not a text article; \
         Lector reads .txt, .md, .html, .pdf and .docx articles by their extension"
    )]
    Binary {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// A UTF-16 file with an unpaired surrogate.
    #[error(
        "the file starts with a UTF-16 byte-order mark but is not valid UTF-16 at byte {offset}"
    )]
    BadUtf16 {
        /// Byte offset of the first bad code unit.
        offset: usize,
    },
}

/// An article decoded and normalised.
#[derive(Debug, PartialEq, Eq)]
pub struct DecodedText {
    /// The normalised text.
    pub text: String,
    /// How the bytes were decoded.
    pub encoding: Encoding,
    /// What the user should know, e.g. a guessed encoding or removed control characters.
    pub warnings: Vec<String>,
}

/// Decodes an article's bytes and normalises the result.
pub fn decode_article(bytes: &[u8]) -> Result<DecodedText, DecodeError> {
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(DecodeError::TooLarge {
            size: bytes.len() as u64,
            max: MAX_ARTICLE_BYTES,
        });
    }
    let mut warnings = Vec::new();
    let (raw, encoding) = if let Some((decoded, encoding)) = decode_utf16_with_bom(bytes) {
        (decoded?, encoding)
    } else {
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(DecodeError::Binary { offset });
        }
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(body) {
            Ok(s) => (s.to_owned(), Encoding::Utf8),
            Err(err) => {
                warnings.push(format!(
                    "not valid UTF-8 (byte {} is not); read as Windows-1252. \
                     Check that letters such as å, ä and ö look right",
                    err.valid_up_to()
                ));
                (decode_windows_1252(body), Encoding::Windows1252)
            }
        }
    };
    let (text, removed) = normalize(&raw);
    if removed > 0 {
        warnings.push(format!("removed {removed} control characters"));
    }
    Ok(DecodedText {
        text,
        encoding,
        warnings,
    })
}

/// Decodes bytes that start with a UTF-16 byte-order mark (the mark removed), and says which
/// byte order it was; `None` when they do not start with one.
pub fn decode_utf16_with_bom(bytes: &[u8]) -> Option<(Result<String, DecodeError>, Encoding)> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some((decode_utf16(rest, u16::from_le_bytes), Encoding::Utf16Le))
    } else {
        let rest = bytes.strip_prefix(&[0xFE, 0xFF])?;
        Some((decode_utf16(rest, u16::from_be_bytes), Encoding::Utf16Be))
    }
}

fn decode_utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    let units = bytes.chunks_exact(2).map(|pair| read([pair[0], pair[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(ch) => out.push(ch),
            Err(_) => return Err(DecodeError::BadUtf16 { offset: 2 + 2 * i }),
        }
    }
    Ok(out)
}

/// Windows-1252 is Latin-1 except for 0x80..=0x9F, where it has typographic characters.
/// The five bytes it leaves undefined map to the C1 control of the same value, as WHATWG does.
fn decode_windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Normalises decoded text: BOM removed, CRLF and CR to LF, C0 controls other than `\n` and
/// `\t` removed. Returns the text and how many control characters were removed.
pub fn normalize(raw: &str) -> (String, usize) {
    let raw = raw.strip_prefix('\u{FEFF}').unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    let mut removed = 0;
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(ch),
            c if (c as u32) < 0x20 => removed += 1,
            c => out.push(c),
        }
    }
    (out, removed)
}

/// Turns Markdown into the plain text an analyst reads: headings, paragraphs and list items
/// on their own lines, markup removed, link texts kept.
pub fn markdown_to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    let mut list_depth = 0usize;
    let end_block = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
        }
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                end_block(&mut out);
            }
            Event::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                out.push_str("• ");
            }
            Event::End(TagEnd::Item) if !out.ends_with('\n') => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) => {
                if list_depth == 0 {
                    end_block(&mut out);
                } else if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => end_block(&mut out),
            _ => {}
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    normalize(&out).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_cr_bom_and_controls_are_normalised() {
        let decoded = decode_article(b"\xEF\xBB\xBFa\r\nb\rc\x07d\te\n").unwrap();
        assert_eq!(decoded.text, "a\nb\ncd\te\n");
        assert_eq!(decoded.encoding, Encoding::Utf8);
        assert_eq!(decoded.warnings, vec!["removed 1 control characters"]);
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in "Лукашенко 👍\r\n".encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        assert_eq!(decode_article(&le).unwrap().text, "Лукашенко 👍\n");
        assert_eq!(decode_article(&be).unwrap().encoding, Encoding::Utf16Be);
        // A lone high surrogate.
        assert_eq!(
            decode_article(&[0xFF, 0xFE, 0x3D, 0xD8, 0x41, 0x00]),
            Err(DecodeError::BadUtf16 { offset: 2 })
        );
    }

    #[test]
    fn windows_1252_is_read_with_a_warning() {
        let decoded = decode_article(b"V\xE4rlden \x96 f\xF6r \x80 5").unwrap();
        assert_eq!(decoded.text, "Världen – för € 5");
        assert_eq!(decoded.encoding, Encoding::Windows1252);
        assert!(decoded.warnings[0].contains("Windows-1252"));
    }

    #[test]
    fn binary_files_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(decode_article(png), Err(DecodeError::Binary { offset: 8 }));
    }

    #[test]
    fn markdown_becomes_readable_text() {
        let md = "# Putin och Lukashenko\n\nSamtalen *äger rum* i [Sotji](https://x).\nDenna vecka.\n\n- ett\n- två\n\nSlut.\n";
        assert_eq!(
            markdown_to_text(md),
            "Putin och Lukashenko\n\nSamtalen äger rum i Sotji. Denna vecka.\n\n• ett\n• två\n\nSlut.\n"
        );
    }
}
