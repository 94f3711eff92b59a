//! The limits that keep reading a hostile page linear: nesting depth, attributes per element,
//! and time. See README "Limits".
//!
//! ## Implementation notes
//!
//! html5ever follows the WHATWG algorithms, and some of their steps scan the whole stack of
//! open elements ("has a `p` element in button scope") or all attributes of a tag so far
//! (duplicate names). A page of 50,000 nested `<div>`s, or one element with 100,000
//! attributes, is therefore quadratic to parse (seconds to minutes). Browsers cap the depth
//! (Blink at 512); html5ever has no cap and no hook into its stack or its tokenizer, so:
//!
//! - the tree [`super::dom`] builds records each node's depth, and the page is fed to the
//!   parser in chunks; after each chunk a page nested deeper than [`MAX_DEPTH`], or a parse
//!   that has taken longer than [`MAX_PARSE_TIME`], stops the parse and refuses the page. The
//!   work done before the check is bounded by the chunk times the limit;
//! - attributes are counted before parsing by a small scan that follows the tokenizer's tag,
//!   comment and raw-text states ([`check_attributes`]); a tag with more than
//!   [`MAX_ATTRIBUTES`] refuses the page. Where the scan and the tokenizer could disagree (an
//!   odd script), the time limit still ends the parse.

use std::time::Duration;

/// Elements nested deeper than this refuse the page. News pages nest 20 to 80 deep.
pub const MAX_DEPTH: usize = 256;

/// A tag with more attributes than this refuses the page. Real elements have a few dozen.
pub const MAX_ATTRIBUTES: usize = 1_000;

/// Parsing that takes longer than this refuses the page (a backstop; the other limits keep
/// parsing linear, at tens of megabytes a second).
pub const MAX_PARSE_TIME: Duration = Duration::from_secs(20);

/// Bytes fed to the parser between checks of the depth and the time.
pub const CHUNK_BYTES: usize = 4 * 1024;

/// A page beyond one of the limits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HtmlError {
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error(
        "this page nests elements more than {MAX_DEPTH} deep (at line {line}); Lector reads pages nested up to {MAX_DEPTH} deep"
    )]
    TooDeep {
        /// 1-based line where the limit was passed.
        line: u64,
    },
    /// A tag with more than [`MAX_ATTRIBUTES`] attributes.
    #[error(
        "an element at line {line} has more than {MAX_ATTRIBUTES} attributes; Lector reads elements with up to {MAX_ATTRIBUTES}"
    )]
    TooManyAttributes {
        /// 1-based line of the tag.
        line: usize,
    },
    /// Parsing took longer than [`MAX_PARSE_TIME`].
    #[error("this page took longer than {} s to read, so Lector stopped (at line {line})", MAX_PARSE_TIME.as_secs())]
    TooSlow {
        /// 1-based line reached.
        line: u64,
    },
}

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW_TEXT: [&[u8]; 9] = [
    b"script",
    b"style",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"textarea",
    b"title",
];

/// Refuses a page with a tag (start or end) of more than [`MAX_ATTRIBUTES`] attributes, in
/// one linear pass.
pub fn check_attributes(html: &str) -> Result<(), HtmlError> {
    let b = html.as_bytes();
    let too_many = |at: usize| HtmlError::TooManyAttributes {
        line: b
            .get(..at)
            .map_or(0, |s| s.iter().filter(|&&c| c == b'\n').count())
            + 1,
    };
    let mut i = 0;
    while let Some(lt) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'<'))
    {
        let at = i + lt;
        i = at + 1;
        match b.get(i) {
            Some(b'!') if b.get(i..).is_some_and(|r| r.starts_with(b"!--")) => {
                i = skip_comment(b, i + 3);
            }
            Some(b'!' | b'?') => i = skip_past(b, i, b'>'),
            Some(b'/') if b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                let (end, _, count) = scan_tag(b, i + 1);
                if count > MAX_ATTRIBUTES {
                    return Err(too_many(at));
                }
                i = end;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (end, name, count) = scan_tag(b, i);
                if count > MAX_ATTRIBUTES {
                    return Err(too_many(at));
                }
                i = end;
                if name.eq_ignore_ascii_case(b"plaintext") {
                    return Ok(());
                }
                if RAW_TEXT.iter().any(|raw| name.eq_ignore_ascii_case(raw)) {
                    i = skip_raw_text(b, i, name);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// After `<!--`: past the comment's end (`-->`, `--!>`, or at once `>` / `->`).
fn skip_comment(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    if rest.starts_with(b">") {
        return i + 1;
    }
    if rest.starts_with(b"->") {
        return i + 2;
    }
    let mut j = i;
    while j < b.len() {
        let here = b.get(j..).unwrap_or_default();
        if here.starts_with(b"-->") {
            return j + 3;
        }
        if here.starts_with(b"--!>") {
            return j + 4;
        }
        j += 1;
    }
    b.len()
}

/// Past the next `c` from `i` (or the end).
fn skip_past(b: &[u8], i: usize, c: u8) -> usize {
    b.get(i..)
        .and_then(|rest| rest.iter().position(|&x| x == c))
        .map_or(b.len(), |p| i + p + 1)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
}

/// From a tag name's first letter: past the tag's `>`, with its name and how many attributes
/// the tokenizer sees in it.
fn scan_tag(b: &[u8], start: usize) -> (usize, &[u8], usize) {
    let mut i = start;
    while b
        .get(i)
        .is_some_and(|&c| !is_space(c) && c != b'/' && c != b'>')
    {
        i += 1;
    }
    let name = b.get(start..i).unwrap_or_default();
    let mut count = 0;
    loop {
        while b.get(i).is_some_and(|&c| is_space(c) || c == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return (b.len(), name, count),
            Some(b'>') => return (i + 1, name, count),
            Some(_) => {}
        }
        // An attribute name: its first character may be anything but space, `/` and `>`.
        i += 1;
        while b
            .get(i)
            .is_some_and(|&c| !is_space(c) && c != b'/' && c != b'>' && c != b'=')
        {
            i += 1;
        }
        count += 1;
        if count > MAX_ATTRIBUTES {
            return (i, name, count);
        }
        let mut j = i;
        while b.get(j).is_some_and(|&c| is_space(c)) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            i = j;
            continue;
        }
        j += 1;
        while b.get(j).is_some_and(|&c| is_space(c)) {
            j += 1;
        }
        i = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => skip_past(b, j + 1, q),
            _ => {
                let mut k = j;
                while b.get(k).is_some_and(|&c| !is_space(c) && c != b'>') {
                    k += 1;
                }
                k
            }
        };
    }
}

/// Past the end tag `</name` that ends a raw-text element's content (or to the end).
fn skip_raw_text(b: &[u8], mut i: usize, name: &[u8]) -> usize {
    while let Some(p) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'<'))
    {
        let at = i + p;
        let candidate = b.get(at + 2..at + 2 + name.len());
        let after = b.get(at + 2 + name.len());
        if b.get(at + 1) == Some(&b'/')
            && candidate.is_some_and(|c| c.eq_ignore_ascii_case(name))
            && after.is_none_or(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return at;
        }
        i = at + 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(n: usize) -> String {
        (0..n).map(|i| format!(" a{i}=\"v\"")).collect()
    }

    #[test]
    fn a_tag_with_too_many_attributes_is_found_with_its_line() {
        let html = format!(
            "<p>x</p>\n<div{}>text</div>",
            attributes(MAX_ATTRIBUTES + 1)
        );
        assert_eq!(
            check_attributes(&html),
            Err(HtmlError::TooManyAttributes { line: 2 })
        );
        let html = format!("<div{}>text</div>", attributes(MAX_ATTRIBUTES));
        assert_eq!(check_attributes(&html), Ok(()));
    }

    #[test]
    fn attribute_lookalikes_in_comments_scripts_and_values_are_not_counted() {
        let words = " w".repeat(MAX_ATTRIBUTES + 1);
        for html in [
            format!("<!-- <p{words}> -->"),
            format!("<script>if (a <b{words}) {{}}</script>"),
            format!("<p title=\"<b{words}>\">x</p>"),
            format!("<textarea><b{words}</textarea>"),
            format!("<p>a < b{words}</p>"),
        ] {
            assert_eq!(check_attributes(&html), Ok(()), "{html:.60}");
        }
        // The script ends at its end tag; what follows is counted again.
        let html = format!("<script>x</script><b{words}>");
        assert!(check_attributes(&html).is_err());
    }
}
