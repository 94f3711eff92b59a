//! The publication date an article file states, where it states one: a web page's
//! `article:published_time` meta tag, JSON-LD `datePublished`, `itemprop="datePublished"` or
//! first `<time datetime>`; a PDF's `CreationDate`; a .docx's `dcterms:created`. Only the
//! calendar day is kept (as written, without converting time zones: a page published
//! "2021-02-22T23:30:00+03:00" was published on the 22nd where it was published).
//! Nothing is guessed from the text itself.

use jiff::civil::Date;

use super::html::dom::{DOCUMENT, Dom, NodeId, Step};

/// Meta tags that carry the publication time, most specific first.
const META_NAMES: [&str; 6] = [
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "dc.date.issued",
    "date",
];

/// The day a timestamp or date names: `2021-02-22`, `2021-02-22T10:00:00Z`,
/// `2021-02-22 10:00`, `20210222` (as PDFs write it after `D:`).
pub fn day_of(value: &str) -> Option<Date> {
    let value = value.trim();
    let head: String = value.chars().take(10).collect();
    if let Ok(date) = head.parse::<Date>() {
        return Some(date);
    }
    let digits: String = value.chars().take(8).collect();
    if digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit()) {
        let (y, rest) = digits.split_at(4);
        let (m, d) = rest.split_at(2);
        return format!("{y}-{m}-{d}").parse().ok();
    }
    None
}

/// The publication date of a parsed web page.
pub fn from_html(dom: &Dom) -> Option<Date> {
    let mut meta: Vec<(usize, Date)> = Vec::new();
    let mut json_ld: Option<Date> = None;
    let mut itemprop: Option<Date> = None;
    let mut time: Option<Date> = None;
    dom.walk(DOCUMENT, |step| {
        let Step::Enter(id) = step else {
            return true;
        };
        match dom.tag(id) {
            "meta" => {
                let name = dom
                    .attr(id, "property")
                    .or_else(|| dom.attr(id, "name"))
                    .or_else(|| dom.attr(id, "itemprop"))
                    .map(str::to_lowercase);
                let rank = name.and_then(|n| META_NAMES.iter().position(|m| *m == n));
                if let (Some(rank), Some(date)) = (rank, dom.attr(id, "content").and_then(day_of)) {
                    meta.push((rank, date));
                }
            }
            "script"
                if json_ld.is_none()
                    && dom
                        .attr(id, "type")
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) =>
            {
                json_ld = script_text(dom, id).and_then(|t| date_published(&t));
            }
            "time" if time.is_none() => {
                time = dom.attr(id, "datetime").and_then(day_of);
            }
            _ => {}
        }
        if itemprop.is_none() && dom.attr(id, "itemprop") == Some("datePublished") {
            itemprop = dom
                .attr(id, "datetime")
                .or_else(|| dom.attr(id, "content"))
                .and_then(day_of);
        }
        true
    });
    meta.sort_by_key(|(rank, _)| *rank);
    meta.first()
        .map(|(_, date)| *date)
        .or(json_ld)
        .or(itemprop)
        .or(time)
}

fn script_text(dom: &Dom, id: NodeId) -> Option<String> {
    let text: String = dom
        .children(id)
        .iter()
        .filter_map(|&child| dom.text(child))
        .collect();
    (!text.trim().is_empty()).then_some(text)
}

/// `datePublished` anywhere in a JSON-LD block (a `NewsArticle`, an `@graph` of them).
fn date_published(json: &str) -> Option<Date> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let mut stack = vec![&value];
    // Breadth enough for any real page; a hostile one cannot make this loop forever.
    let mut budget = 10_000usize;
    while let Some(v) = stack.pop() {
        budget = budget.checked_sub(1)?;
        match v {
            serde_json::Value::Object(map) => {
                if let Some(date) = map
                    .get("datePublished")
                    .and_then(serde_json::Value::as_str)
                    .and_then(day_of)
                {
                    return Some(date);
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

/// A PDF's creation date from its document information (`/CreationDate (D:20210222…)`), else
/// its XMP metadata (`xmp:CreateDate`), where they are written uncompressed, as they nearly
/// always are.
pub fn from_pdf(bytes: &[u8]) -> Option<Date> {
    let after = |needle: &[u8]| -> Option<&[u8]> {
        let at = bytes.windows(needle.len()).position(|w| w == needle)?;
        bytes.get(at + needle.len()..)
    };
    if let Some(rest) = after(b"/CreationDate") {
        let rest: Vec<u8> = rest
            .iter()
            .copied()
            .skip_while(|b| b.is_ascii_whitespace() || *b == b'(')
            .take(20)
            .collect();
        let text = String::from_utf8_lossy(&rest);
        if let Some(date) = day_of(text.trim_start_matches("D:")) {
            return Some(date);
        }
    }
    for needle in [&b"<xmp:CreateDate>"[..], b"xmp:CreateDate=\""] {
        if let Some(rest) = after(needle) {
            let text = String::from_utf8_lossy(rest.get(..25).unwrap_or(rest));
            if let Some(date) = day_of(&text) {
                return Some(date);
            }
        }
    }
    None
}

/// A .docx's creation date (`docProps/core.xml`, `dcterms:created`).
pub fn from_docx(bytes: &[u8]) -> Option<Date> {
    use std::io::Read as _;
    /// core.xml is a few hundred bytes; more is not metadata.
    const MAX_CORE_BYTES: u64 = 1 << 20;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let file = zip.by_name("docProps/core.xml").ok()?;
    let mut xml = String::new();
    file.take(MAX_CORE_BYTES).read_to_string(&mut xml).ok()?;
    let start = xml.find("<dcterms:created")?;
    let rest = xml.get(start..)?;
    let open = rest.find('>')?;
    day_of(rest.get(open + 1..)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::html::dom;

    fn date(s: &str) -> Option<Date> {
        s.parse().ok()
    }

    #[test]
    fn days_of_timestamps() {
        assert_eq!(day_of("2021-02-22T10:00:00Z"), date("2021-02-22"));
        assert_eq!(day_of(" 2021-02-22 "), date("2021-02-22"));
        assert_eq!(day_of("20210222103000+01'00'"), date("2021-02-22"));
        assert_eq!(day_of("2021-02-30"), None);
        assert_eq!(day_of("yesterday"), None);
    }

    #[test]
    fn web_pages_say_it_in_several_ways() {
        let page = |head: &str, body: &str| {
            dom::parse(&format!(
                "<html><head>{head}</head><body><article>{body}<p>Text.</p></article></body></html>"
            ))
            .unwrap()
        };
        let meta = page(
            r#"<meta property="article:published_time" content="2021-02-22T08:15:00+03:00">
               <meta name="date" content="2020-01-01">"#,
            r#"<time datetime="2019-05-05">5 May</time>"#,
        );
        assert_eq!(
            from_html(&meta),
            date("2021-02-22"),
            "the most specific meta"
        );
        let json_ld = page(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2021-02-23T06:00:00Z"}]}</script>"#,
            r#"<time datetime="2019-05-05">5 May</time>"#,
        );
        assert_eq!(from_html(&json_ld), date("2021-02-23"));
        let time = page(
            "",
            r#"<p>Av Anna, <time datetime="2021-02-24">24 feb</time></p>"#,
        );
        assert_eq!(from_html(&time), date("2021-02-24"));
        let none = page("<title>x</title>", "<p>Den 22 februari 2021 möttes de.</p>");
        assert_eq!(from_html(&none), None, "never guessed from the text");
        let broken = page(
            r#"<script type="application/ld+json">{"datePublished": </script>"#,
            "",
        );
        assert_eq!(from_html(&broken), None);
    }

    #[test]
    fn pdf_information_and_xmp() {
        let info =
            b"%PDF-1.4\n1 0 obj << /Title (x) /CreationDate (D:20210222120000+03'00') >> endobj";
        assert_eq!(from_pdf(info), date("2021-02-22"));
        let xmp = b"%PDF-1.7 ... <xmp:CreateDate>2021-02-25T09:00:00Z</xmp:CreateDate>";
        assert_eq!(from_pdf(xmp), date("2021-02-25"));
        assert_eq!(from_pdf(b"%PDF-1.4 nothing"), None);
    }
}
