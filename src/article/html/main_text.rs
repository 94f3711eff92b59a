//! Finding the article in a news page: what to drop and which element holds the story.
//!
//! ## Implementation notes
//!
//! 1. Boilerplate is dropped first. Always: scripts, styles, forms, embedded media, `<nav>`,
//!    `<aside>`, `<footer>`, `<dialog>`, a `<header>` without the headline, hidden elements and
//!    landmark roles that are not content (`navigation`, `banner`, `contentinfo`, …). Then,
//!    like Mozilla's Readability, elements whose class or id names boilerplate (cookie banners,
//!    share bars, comments, related articles, newsletter boxes, ads, …), matched on whole
//!    words of the name so `commentary` is not `comment`; such an element is kept when it holds
//!    the headline or most of the page's prose, or is `<body>`, `<main>` or `<article>`.
//! 2. The story is then, in this order: the `<article>` (or `itemprop="articleBody"`) with
//!    the most prose, if it holds at least a quarter of the page's prose (teaser cards are
//!    `<article>`s too, but small ones); else `<main>`; else the element with the densest
//!    paragraph text, scored as Readability scores it (each paragraph of 25 characters or
//!    more gives its parent one point, one per comma and one per 100 characters up to three,
//!    and half of that to its grandparent; the score is scaled down by the share of link
//!    text); else the whole page.
//! 3. Inside the story, link lists ("read more", tag lists) are dropped: lists and boxes with
//!    at least two links whose text is mostly link text.
//!
//! "Prose" counts the non-space characters of text outside links, so menus and teaser lists,
//! which are all links, weigh nothing.

use super::dom::{DOCUMENT, Dom, NodeId, Step};

/// Elements dropped with everything inside them.
const ALWAYS_DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "form", "button", "input", "select", "textarea", "nav", "aside", "footer",
    "dialog", "menu", "head",
];

/// ARIA roles of page furniture.
const DROPPED_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
    "toolbar",
];

/// Words in a class or id that name boilerplate.
const BOILERPLATE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "advertisement",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "disqus",
    "footer",
    "gdpr",
    "masthead",
    "menu",
    "modal",
    "nav",
    "navbar",
    "navigation",
    "newsletter",
    "outbrain",
    "pager",
    "pagination",
    "popup",
    "promo",
    "recommended",
    "recirculation",
    "related",
    "share",
    "sharing",
    "sidebar",
    "social",
    "sponsor",
    "sponsored",
    "subscribe",
    "subscription",
    "taboola",
    "tags",
    "toolbar",
    "widget",
];

/// Words in a class or id that name the story; they raise a candidate's score.
const CONTENT_WORDS: &[&str] = &[
    "article", "body", "content", "entry", "main", "post", "story", "text",
];

/// Text counts for one node's subtree, not counting dropped subtrees.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Non-space characters outside links.
    pub prose: usize,
    /// Non-space characters inside links.
    pub link: usize,
    /// Commas outside links.
    commas: usize,
    /// `<a href>` elements.
    anchors: usize,
}

/// Which element was kept as the story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// A semantic element: `<article>`, `<main>`, …, as written in the page.
    Element(String),
    /// The element with the densest paragraph text, described by tag, class and id.
    Densest(String),
    /// No part stood out.
    WholePage,
}

/// The story in a page.
#[derive(Debug)]
pub struct MainText {
    /// The element whose text is the article.
    pub root: NodeId,
    /// Per node: not read, with all it holds.
    pub dropped: Vec<bool>,
    /// How the root was chosen.
    pub kept: Kept,
    /// How many blocks with visible text were left out (outside the root, or dropped in it).
    pub dropped_blocks: usize,
}

/// Finds the story.
pub fn find(dom: &Dom) -> MainText {
    let body = dom.find(DOCUMENT, "body", |_| false).unwrap_or(DOCUMENT);
    let headline = headlines(dom);
    let holds_headline = |id: NodeId| is_dropped(&headline, id);
    let mut dropped = vec![false; dom.nodes.len()];
    mark(dom, body, &mut dropped, |id| {
        always_dropped(dom, id, holds_headline(id))
    });
    let before = counts(dom, body, &dropped);
    let page_prose = count_of(&before, body).prose;
    mark(dom, body, &mut dropped, |id| {
        named_boilerplate(dom, id)
            && !holds_headline(id)
            && count_of(&before, id).prose * 2 <= page_prose
    });
    let counts = counts(dom, body, &dropped);
    let (root, kept) = choose_root(dom, body, &dropped, &counts);
    mark(dom, root, &mut dropped, |id| {
        id != root && is_link_list(dom, id, count_of(&counts, id))
    });
    let dropped_blocks = count_dropped_blocks(dom, body, root, &dropped);
    MainText {
        root,
        dropped,
        kept,
        dropped_blocks,
    }
}

fn count_of(counts: &[Counts], id: NodeId) -> Counts {
    counts.get(id.0).copied().unwrap_or_default()
}

fn set(flags: &mut [bool], id: NodeId) {
    if let Some(flag) = flags.get_mut(id.0) {
        *flag = true;
    }
}

fn is_dropped(dropped: &[bool], id: NodeId) -> bool {
    dropped.get(id.0).copied().unwrap_or(false)
}

/// Marks every element under `root` for which `drop` holds, outermost first.
fn mark(dom: &Dom, root: NodeId, dropped: &mut [bool], drop: impl Fn(NodeId) -> bool) {
    let mut to_drop = Vec::new();
    dom.walk(root, |step| match step {
        Step::Enter(id) if is_dropped(dropped, id) => false,
        Step::Enter(id) if drop(id) => {
            to_drop.push(id);
            false
        }
        _ => true,
    });
    for id in to_drop {
        set(dropped, id);
    }
}

/// Per node: whether an `<h1>` is in its subtree (computed once: asking per element would be
/// quadratic on deeply nested pages).
fn headlines(dom: &Dom) -> Vec<bool> {
    let mut holds = vec![false; dom.nodes.len()];
    dom.walk(DOCUMENT, |step| {
        if let Step::Leave(id) = step {
            let mine = dom.tag(id) == "h1" || is_dropped(&holds, id);
            if mine {
                set(&mut holds, id);
                if let Some(parent) = dom.parent(id) {
                    set(&mut holds, parent);
                }
            }
        }
        true
    });
    holds
}

fn always_dropped(dom: &Dom, id: NodeId, holds_headline: bool) -> bool {
    if dom.is_foreign_element(id) {
        return true;
    }
    let tag = dom.tag(id);
    if tag.is_empty() {
        return false;
    }
    if ALWAYS_DROPPED.contains(&tag) {
        return true;
    }
    if tag == "header" && !holds_headline {
        return true;
    }
    if dom.attr(id, "hidden").is_some()
        || dom
            .attr(id, "aria-hidden")
            .is_some_and(|v| v.trim() == "true")
        || dom
            .attr(id, "aria-modal")
            .is_some_and(|v| v.trim() == "true")
    {
        return true;
    }
    if let Some(style) = dom.attr(id, "style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    dom.attr(id, "role").is_some_and(|role| {
        role.split_ascii_whitespace()
            .any(|r| DROPPED_ROLES.contains(&r.to_ascii_lowercase().as_str()))
    })
}

/// The words of an element's class and id: split at anything not a letter or digit and at
/// lower-to-upper case changes (`socialShare` → `social`, `share`), lowercased.
fn name_words(dom: &Dom, id: NodeId) -> Vec<String> {
    let mut words = Vec::new();
    for value in [dom.attr(id, "class"), dom.attr(id, "id")]
        .into_iter()
        .flatten()
    {
        let mut word = String::new();
        let mut previous_lower = false;
        for c in value.chars() {
            let boundary = !c.is_alphanumeric() || (previous_lower && c.is_uppercase());
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            }
            previous_lower = c.is_lowercase();
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

fn named_boilerplate(dom: &Dom, id: NodeId) -> bool {
    if matches!(dom.tag(id), "" | "html" | "body" | "main" | "article") {
        return false;
    }
    name_words(dom, id)
        .iter()
        .any(|w| BOILERPLATE_WORDS.contains(&w.as_str()))
}

/// Counts per node, bottom up, skipping dropped subtrees.
fn counts(dom: &Dom, root: NodeId, dropped: &[bool]) -> Vec<Counts> {
    let mut counts = vec![Counts::default(); dom.nodes.len()];
    let mut link_depth = 0usize;
    dom.walk(root, |step| match step {
        Step::Enter(id) => {
            if is_dropped(dropped, id) {
                return false;
            }
            if dom.tag(id) == "a" {
                link_depth += 1;
            }
            if let (Some(text), Some(c)) = (dom.text(id), counts.get_mut(id.0)) {
                let chars = text.chars().filter(|c| !c.is_whitespace()).count();
                if link_depth > 0 {
                    c.link = chars;
                } else {
                    c.prose = chars;
                    c.commas = text.chars().filter(|&ch| is_comma(ch)).count();
                }
            }
            true
        }
        Step::Leave(id) => {
            if is_dropped(dropped, id) {
                return true;
            }
            if dom.tag(id) == "a" {
                link_depth = link_depth.saturating_sub(1);
                if dom.attr(id, "href").is_some()
                    && let Some(c) = counts.get_mut(id.0)
                {
                    c.anchors += 1;
                }
            }
            let mine = count_of(&counts, id);
            if id != root
                && let Some(parent) = dom.parent(id)
                && let Some(p) = counts.get_mut(parent.0)
            {
                p.prose += mine.prose;
                p.link += mine.link;
                p.commas += mine.commas;
                p.anchors += mine.anchors;
            }
            true
        }
    });
    counts
}

fn is_comma(c: char) -> bool {
    matches!(c, ',' | '\u{060C}' | '\u{3001}' | '\u{FF0C}' | '\u{FE50}')
}

fn link_density(c: Counts) -> f64 {
    let total = c.prose + c.link;
    if total == 0 {
        0.0
    } else {
        count_f64(c.link) / count_f64(total)
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "character counts of a page are far below 2^52"
)]
fn count_f64(n: usize) -> f64 {
    n as f64
}

fn choose_root(dom: &Dom, body: NodeId, dropped: &[bool], counts: &[Counts]) -> (NodeId, Kept) {
    let page = count_of(counts, body).prose;
    if page == 0 {
        return (body, Kept::WholePage);
    }
    let semantic = |pick: &dyn Fn(NodeId) -> bool| {
        let mut best: Option<(usize, NodeId)> = None;
        dom.walk(body, |step| match step {
            Step::Enter(id) if is_dropped(dropped, id) => false,
            Step::Enter(id) => {
                let prose = count_of(counts, id).prose;
                if pick(id) && best.is_none_or(|(p, _)| prose > p) {
                    best = Some((prose, id));
                }
                true
            }
            Step::Leave(_) => true,
        });
        best.filter(|&(prose, _)| prose > 0 && prose * 4 >= page)
            .map(|(_, id)| id)
    };
    let article =
        semantic(&|id| dom.tag(id) == "article" || dom.attr(id, "itemprop") == Some("articleBody"));
    if let Some(id) = article {
        return (id, Kept::Element(describe(dom, id, false)));
    }
    let main = semantic(&|id| dom.tag(id) == "main" || dom.attr(id, "role") == Some("main"));
    if let Some(id) = main {
        return (id, Kept::Element(describe(dom, id, false)));
    }
    match densest(dom, body, dropped, counts) {
        Some(id) if id != body => (id, Kept::Densest(describe(dom, id, true))),
        _ => (body, Kept::WholePage),
    }
}

/// The element with the best Readability score, or its parent when a sibling scores well
/// too (an article split over several containers).
fn densest(dom: &Dom, body: NodeId, dropped: &[bool], counts: &[Counts]) -> Option<NodeId> {
    let mut scores: Vec<Option<f64>> = vec![None; dom.nodes.len()];
    let mut add = |id: NodeId, points: f64| {
        if let Some(score) = scores.get_mut(id.0) {
            *score = Some(score.unwrap_or_else(|| initial_score(dom, id)) + points);
        }
    };
    dom.walk(body, |step| match step {
        Step::Enter(id) if is_dropped(dropped, id) => false,
        Step::Enter(id) => {
            let c = count_of(counts, id);
            if is_paragraph(dom, id) && c.prose >= 25 {
                let points = 1.0 + count_f64(c.commas) + (count_f64(c.prose) / 100.0).min(3.0);
                if let Some(parent) = dom.parent(id) {
                    add(parent, points);
                    if let Some(grandparent) = dom.parent(parent) {
                        add(grandparent, points / 2.0);
                    }
                }
            }
            true
        }
        Step::Leave(_) => true,
    });
    let final_score = |id: NodeId| {
        scores
            .get(id.0)
            .copied()
            .flatten()
            .map(|s| s * (1.0 - link_density(count_of(counts, id))))
    };
    // Only elements of the walk above have scores.
    let (top, top_score) = (0..dom.nodes.len())
        .map(NodeId)
        .filter_map(|id| final_score(id).map(|s| (id, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let parent = dom.parent(top)?;
    let threshold = (top_score * 0.2).max(10.0);
    let split = dom
        .children(parent)
        .iter()
        .any(|&s| s != top && final_score(s).is_some_and(|score| score >= threshold));
    Some(if split && dom.contains(body, parent) {
        parent
    } else {
        top
    })
}

fn initial_score(dom: &Dom, id: NodeId) -> f64 {
    let by_tag = match dom.tag(id) {
        "div" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    let named = name_words(dom, id)
        .iter()
        .any(|w| CONTENT_WORDS.contains(&w.as_str()));
    by_tag + if named { 25.0 } else { 0.0 }
}

/// Whether the element is a paragraph for scoring: `<p>`, `<pre>`, `<td>`, `<blockquote>`,
/// or a `<div>` with no block inside (many sites write paragraphs as divs).
fn is_paragraph(dom: &Dom, id: NodeId) -> bool {
    match dom.tag(id) {
        "p" | "pre" | "td" | "blockquote" => true,
        "div" => !dom
            .children(id)
            .iter()
            .any(|&c| super::render::is_block(dom.tag(c))),
        _ => false,
    }
}

fn is_link_list(dom: &Dom, id: NodeId, c: Counts) -> bool {
    matches!(dom.tag(id), "ul" | "ol" | "div" | "section" | "table")
        && c.anchors >= 2
        && link_density(c) >= 0.5
}

/// Counts the blocks with visible text that are not read: everything beside the path from
/// `<body>` to the root, and the dropped subtrees inside the root.
fn count_dropped_blocks(dom: &Dom, body: NodeId, root: NodeId, dropped: &[bool]) -> usize {
    let mut above_root = vec![false; dom.nodes.len()];
    let mut at = Some(root);
    while let Some(id) = at {
        set(&mut above_root, id);
        at = dom.parent(id);
    }
    let mut blocks = 0;
    let mut in_root = false;
    dom.walk(body, |step| match step {
        Step::Enter(id) => {
            if id == root {
                in_root = true;
            }
            let read = if in_root {
                !is_dropped(dropped, id)
            } else {
                is_dropped(&above_root, id)
            };
            if !read && has_visible_text(dom, id) {
                blocks += 1;
            }
            read
        }
        Step::Leave(id) => {
            if id == root {
                in_root = false;
            }
            true
        }
    });
    blocks
}

fn has_visible_text(dom: &Dom, id: NodeId) -> bool {
    let mut found = false;
    dom.walk(id, |step| match step {
        Step::Enter(n) if !found => {
            if matches!(
                dom.tag(n),
                "script" | "style" | "noscript" | "template" | "head"
            ) {
                return false;
            }
            if dom.text(n).is_some_and(|t| !t.trim().is_empty()) {
                found = true;
            }
            !found
        }
        _ => false,
    });
    found
}

/// `<div class="story-body">`: the tag and (when `named`) the first class or the id, to tell
/// the user which part of the page was kept.
fn describe(dom: &Dom, id: NodeId, named: bool) -> String {
    let tag = dom.tag(id);
    let class = dom
        .attr(id, "class")
        .and_then(|c| c.split_ascii_whitespace().next());
    let name = match (class, dom.attr(id, "id")) {
        _ if !named => String::new(),
        (Some(class), _) => format!(" class=\"{}\"", shorten(class)),
        (None, Some(id)) if !id.trim().is_empty() => format!(" id=\"{}\"", shorten(id.trim())),
        _ => String::new(),
    };
    format!("<{tag}{name}>")
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::dom::parse;
    use super::*;

    fn kept(html: &str) -> Kept {
        find(&parse(html).unwrap()).kept
    }

    const PARA: &str =
        "Samtalen i Sotji, som pågick i fem timmar, handlade om gas, lån och tullar.";

    #[test]
    fn class_words_are_split_as_people_write_them() {
        let dom = parse("<div class='c-socialShare js_cookie-Banner' id='x_y'>").unwrap();
        let div = dom.find(DOCUMENT, "div", |_| false).unwrap();
        assert_eq!(
            name_words(&dom, div),
            ["c", "social", "share", "js", "cookie", "banner", "x", "y"]
        );
    }

    #[test]
    fn the_largest_article_wins_and_small_teasers_do_not() {
        let html = format!(
            "<body><article><p>Teaser one.</p></article>\
             <article id=story><p>{PARA}</p><p>{PARA}</p></article></body>"
        );
        let dom = parse(&html).unwrap();
        let main = find(&dom);
        assert_eq!(main.kept, Kept::Element("<article>".into()));
        assert_eq!(dom.attr(main.root, "id"), Some("story"));
        assert_eq!(main.dropped_blocks, 1);
    }

    #[test]
    fn without_semantic_markup_the_densest_block_is_kept() {
        let html = format!(
            "<body><div class=top><a href=/>Hem</a> <a href=/a>Utrikes</a></div>\
             <div class=wrap><div class=story-text><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></div>\
             <div class=list><a href=/1>Mer</a> <a href=/2>Annat</a></div></div></body>"
        );
        assert_eq!(
            kept(&html),
            Kept::Densest("<div class=\"story-text\">".into())
        );
    }

    #[test]
    fn commentary_is_not_a_comment_and_a_share_bar_with_the_story_stays() {
        let html = format!(
            "<body><div class='commentary'><p>{PARA}</p></div>\
             <div class='share-wrapper'><h1>Rubrik</h1></div></body>"
        );
        let dom = parse(&html).unwrap();
        let main = find(&dom);
        assert!(main.dropped.iter().all(|d| !d));
    }
}
