//! Decoding an HTML page: a byte-order mark wins, then the charset the page declares in a
//! `<meta>` tag, then Lector's rules for text files (UTF-8, else Windows-1252 with a warning).
//!
//! The declaration is found as browsers find it before parsing (WHATWG "prescan a byte
//! stream"), over the first [`PRESCAN_BYTES`]: `<meta charset="…">` or
//! `<meta http-equiv="Content-Type" content="text/html; charset=…">`, comments skipped.

use encoding_rs::Encoding;

use crate::model::text::{DecodeError, decode_article};

/// How far into the page a charset declaration is looked for. Browsers look at 1,024 bytes;
/// saved pages often have a long `<head>` before it, so Lector looks further.
const PRESCAN_BYTES: usize = 16 * 1024;

/// Decodes a page (returning the text, not yet normalised, and warnings for the user) that
/// the server said is in `transport` (`Content-Type: …; charset=…`): a
/// byte-order mark wins, then the server's charset, then the page's own declaration, as
/// browsers decide (WHATWG "encoding sniffing").
pub fn decode_with(
    bytes: &[u8],
    transport: Option<&str>,
) -> Result<(String, Vec<String>), DecodeError> {
    let has_bom = bytes.starts_with(b"\xEF\xBB\xBF")
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF]);
    let transport = transport
        .map(|t| t.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|t| Encoding::for_label(t.as_bytes()).is_some());
    let declared = if has_bom {
        None
    } else {
        transport.or_else(|| declared_charset(bytes.get(..PRESCAN_BYTES).unwrap_or(bytes)))
    };
    let Some(label) = declared else {
        let decoded = decode_article(bytes)?;
        return Ok((decoded.text, decoded.warnings));
    };
    let Some(encoding) = Encoding::for_label(label.as_bytes()) else {
        let mut decoded = decode_article(bytes)?;
        decoded.warnings.insert(
            0,
            format!("the page declares the unknown charset {label:?}; read by Lector's own rules"),
        );
        return Ok((decoded.text, decoded.warnings));
    };
    // A declaration in the page itself cannot be UTF-16 (it would not be readable as ASCII);
    // the spec reads such pages as UTF-8.
    if encoding == encoding_rs::UTF_8
        || encoding == encoding_rs::UTF_16LE
        || encoding == encoding_rs::UTF_16BE
    {
        let decoded = decode_article(bytes)?;
        return Ok((decoded.text, decoded.warnings));
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(DecodeError::Binary { offset });
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let mut warnings = Vec::new();
    if had_errors {
        warnings.push(format!(
            "some bytes are not valid {} as the page declares; they show as \u{FFFD}",
            encoding.name()
        ));
    }
    Ok((text.into_owned(), warnings))
}

/// The charset label a page declares in a `<meta>` tag, lowercased.
fn declared_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let mut at = 0;
    while let Some(rest) = lower.get(at..) {
        let next_comment = find(rest, b"<!--");
        let next_meta = find(rest, b"<meta")?;
        if let Some(comment) = next_comment.filter(|&c| c < next_meta) {
            let body = at + comment + 4;
            at = lower
                .get(body..)
                .and_then(|r| find(r, b"-->"))
                .map_or(lower.len(), |end| body + end + 3);
            continue;
        }
        let (attrs, end) = meta_attributes(&lower, at + next_meta + 5);
        at = end;
        if let Some(label) = charset_of(&attrs) {
            return Some(label);
        }
    }
    None
}

/// What one `<meta>` tag declares, per the WHATWG prescan.
fn charset_of(attrs: &[(String, String)]) -> Option<String> {
    let get = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(charset) = get("charset") {
        let label = charset.trim();
        return (!label.is_empty()).then(|| label.to_owned());
    }
    if get("http-equiv").map(str::trim) == Some("content-type") {
        return get("content").and_then(charset_in_content);
    }
    None
}

/// The charset in a `content="text/html; charset=…"` value.
fn charset_in_content(content: &str) -> Option<String> {
    let start = content.find("charset")? + "charset".len();
    let rest = content.get(start..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let label: String = if let Some(quoted) = rest.strip_prefix(['"', '\'']) {
        quoted
            .chars()
            .take_while(|&c| c != '"' && c != '\'')
            .collect()
    } else {
        rest.chars()
            .take_while(|&c| !c.is_ascii_whitespace() && c != ';')
            .collect()
    };
    (!label.is_empty()).then_some(label)
}

/// Reads the attributes of a tag from `start` (just after its name) to its `>`.
/// Returns them and the position after the tag.
fn meta_attributes(s: &[u8], start: usize) -> (Vec<(String, String)>, usize) {
    let mut attrs = Vec::new();
    let mut i = start;
    let at = |i: usize| s.get(i).copied();
    loop {
        while at(i).is_some_and(|b| b.is_ascii_whitespace() || b == b'/') {
            i += 1;
        }
        match at(i) {
            None => return (attrs, i),
            Some(b'>') => return (attrs, i + 1),
            Some(_) => {}
        }
        let name_start = i;
        while at(i).is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/')) {
            i += 1;
        }
        let name = String::from_utf8_lossy(s.get(name_start..i).unwrap_or_default()).into_owned();
        while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let mut value = String::new();
        if at(i) == Some(b'=') {
            i += 1;
            while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            let value_start;
            match at(i) {
                Some(quote @ (b'"' | b'\'')) => {
                    i += 1;
                    value_start = i;
                    while at(i).is_some_and(|b| b != quote) {
                        i += 1;
                    }
                    value = String::from_utf8_lossy(s.get(value_start..i).unwrap_or_default())
                        .into_owned();
                    i += 1;
                }
                _ => {
                    value_start = i;
                    while at(i).is_some_and(|b| !b.is_ascii_whitespace() && b != b'>') {
                        i += 1;
                    }
                    value = String::from_utf8_lossy(s.get(value_start..i).unwrap_or_default())
                        .into_owned();
                }
            }
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<(String, Vec<String>), DecodeError> {
        decode_with(bytes, None)
    }

    #[test]
    fn the_declared_charset_is_found() {
        let cases: [(&[u8], Option<&str>); 7] = [
            (b"<meta charset=\"Windows-1252\">", Some("windows-1252")),
            (b"<META CHARSET=iso-8859-1>", Some("iso-8859-1")),
            (
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">",
                Some("koi8-r"),
            ),
            (
                b"<meta content='text/html;charset=\"utf-8\"' http-equiv=content-type>",
                Some("utf-8"),
            ),
            (
                b"<!-- <meta charset=latin1> --><meta charset=utf-8>",
                Some("utf-8"),
            ),
            (b"<meta name=viewport content=width=device-width>", None),
            (b"<meta charset=", None),
        ];
        for (head, expected) in cases {
            assert_eq!(
                declared_charset(head).as_deref(),
                expected,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn the_servers_charset_wins_over_the_pages() {
        // A page that says UTF-8 but was sent as Windows-1252, as the server says.
        let page = b"<meta charset=utf-8><p>Caf\xE9</p>";
        let (text, _) = decode_with(page, Some("windows-1252")).unwrap();
        assert!(text.ends_with("<p>Café</p>"), "{text}");
        // An unknown label from the server: the page's own declaration.
        let (text, _) =
            decode_with(b"<meta charset=windows-1252><p>Caf\xE9</p>", Some("x-nope")).unwrap();
        assert!(text.ends_with("<p>Café</p>"), "{text}");
    }

    #[test]
    fn a_declared_charset_is_honoured_and_a_bom_wins() {
        let page = b"<meta charset=windows-1252><p>V\xE4rlden \x96 \x80 5</p>";
        let (text, warnings) = decode(page).unwrap();
        assert!(text.ends_with("<p>Världen – € 5</p>"), "{text}");
        assert!(warnings.is_empty(), "{warnings:?}");

        let koi8 = b"<meta http-equiv=Content-Type content=\"text/html; charset=koi8-r\">\xf0\xd5\xd4\xc9\xce";
        assert!(decode(koi8).unwrap().0.ends_with("Путин"));

        // The BOM says UTF-8; the (wrong) declaration is not used.
        let bom = "\u{FEFF}<meta charset=windows-1252><p>Värld</p>";
        assert!(decode(bom.as_bytes()).unwrap().0.ends_with("<p>Värld</p>"));
    }

    #[test]
    fn an_unknown_or_missing_declaration_falls_back_with_a_warning() {
        let (text, warnings) = decode(b"<meta charset=klingon><p>V\xE4rld</p>").unwrap();
        assert!(text.ends_with("<p>Värld</p>"));
        assert!(warnings[0].contains("klingon"), "{warnings:?}");
        assert!(warnings[1].contains("Windows-1252"), "{warnings:?}");
    }
}
