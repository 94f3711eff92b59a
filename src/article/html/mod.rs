//! HTML articles: a saved news page becomes its readable main text.
//!
//! The bytes are decoded ([`charset`]), parsed by html5ever as a browser parses them
//! ([`dom`]), the story is found and the page furniture dropped ([`main_text`]), and the
//! kept part is written as paragraphs ([`render`]). Nothing is fetched: images, styles and
//! scripts a page refers to are never loaded. A page nested too deep or with an element of too
//! many attributes is refused ([`limits`]), which keeps reading linear.

mod charset;
pub mod dom;
pub mod limits;
mod main_text;
mod render;

use dom::{DOCUMENT, Dom, NodeId};
use main_text::Kept;

use super::{Article, ArticleError};

/// Reads a saved HTML page.
pub fn read(bytes: &[u8]) -> Result<Article, ArticleError> {
    read_with_charset(bytes, None)
}

/// Reads a page the server said is in `charset` (which wins over the page's `<meta>`).
pub fn read_with_charset(bytes: &[u8], charset: Option<&str>) -> Result<Article, ArticleError> {
    let (source, mut warnings) = charset::decode_with(bytes, charset)?;
    limits::check_attributes(&source)?;
    let dom = dom::parse(&source)?;
    let found = main_text::find(&dom);
    let mut text = render::render(&dom, found.root, &found.dropped);
    let mut kept = found.kept.clone();
    if text.is_empty() {
        // The chosen part rendered to nothing (say, only images): read the whole page.
        let body = dom.find(DOCUMENT, "body", |_| false).unwrap_or(DOCUMENT);
        if found.root != body {
            text = render::render(&dom, body, &found.dropped);
            kept = Kept::WholePage;
        }
    }
    if text.is_empty() {
        return Err(ArticleError::NoText {
            what: "this page has no readable text (it may be filled in by scripts, which \
                   Lector does not run)",
        });
    }
    let blocks = match found.dropped_blocks {
        1 => "1 boilerplate block".to_owned(),
        n => format!("{n} boilerplate blocks"),
    };
    warnings.push(match kept {
        Kept::Element(element) => format!("kept the {element} element; dropped {blocks}"),
        Kept::Densest(element) => format!(
            "kept the part of the page with the most paragraph text, {element}; dropped {blocks}"
        ),
        Kept::WholePage => {
            format!("found no article or main element; kept the whole page but dropped {blocks}")
        }
    });
    let title = title(&dom, found.root, &found.dropped);
    Ok(Article {
        text,
        title,
        published: super::published::from_html(&dom),
        warnings,
    })
}

/// The article's title: its `<h1>`, else the page's `og:title`, else any `<h1>`, else the
/// `<title>`.
fn title(dom: &Dom, root: NodeId, dropped: &[bool]) -> Option<String> {
    let is_dropped = |id: NodeId| dropped.get(id.0).copied().unwrap_or(false);
    let h1 = |within| {
        dom.find(within, "h1", is_dropped)
            .map(|id| render::inline_text(dom, id))
            .filter(|t| !t.is_empty())
    };
    let og_title = || {
        let mut found = None;
        dom.walk(DOCUMENT, |step| {
            if let dom::Step::Enter(id) = step
                && found.is_none()
                && dom.tag(id) == "meta"
                && dom.attr(id, "property").map(str::trim) == Some("og:title")
            {
                found = dom
                    .attr(id, "content")
                    .map(render::collapse)
                    .filter(|t| !t.is_empty());
            }
            found.is_none()
        });
        found
    };
    let title_element = || {
        dom.find(DOCUMENT, "title", |_| false)
            .map(|id| render::inline_text(dom, id))
            .filter(|t| !t.is_empty())
    };
    h1(root)
        .or_else(og_title)
        .or_else(|| h1(DOCUMENT))
        .or_else(title_element)
}
