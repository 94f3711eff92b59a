//! Writing the kept part of a page as the plain text an analyst reads.
//!
//! Blocks (paragraphs, headings, quotes, figures, tables, lists) are separated by a blank line;
//! list items and table rows get a line each (`• ` or `1. ` before an item, a tab between
//! cells); `<br>` is a newline. Inside a block, runs of HTML whitespace become one space, as a
//! browser shows them; `<pre>` keeps its whitespace. No-break spaces stay (they are part of the
//! text, e.g. `12 000`); soft hyphens (`&shy;`), which browsers only show at a line break, go.

use super::dom::{Dom, NodeId, Step};

/// Lists nested deeper than this are indented as this deep: the text stays linear in the
/// page, and no reader follows more levels.
pub const MAX_LIST_INDENT: usize = 8;

/// Whether an element starts a new line in a browser's default style.
pub fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "listing"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// The text of `root`, leaving out the subtrees marked in `dropped`.
pub fn render(dom: &Dom, root: NodeId, dropped: &[bool]) -> String {
    let mut w = Writer::default();
    dom.walk(root, |step| match step {
        Step::Enter(id) => {
            if dropped.get(id.0).copied().unwrap_or(false) {
                return false;
            }
            if let Some(text) = dom.text(id) {
                w.text(text);
            } else {
                w.enter(dom, id);
            }
            true
        }
        Step::Leave(id) => {
            if !dropped.get(id.0).copied().unwrap_or(false) {
                w.leave(dom.tag(id));
            }
            true
        }
    });
    w.finish()
}

/// The text of an element on one line (for titles).
pub fn inline_text(dom: &Dom, id: NodeId) -> String {
    let mut text = String::new();
    dom.walk(id, |step| {
        if let Step::Enter(n) = step {
            if let Some(t) = dom.text(n) {
                text.push_str(t);
                text.push(' ');
            }
            return !matches!(dom.tag(n), "script" | "style" | "template");
        }
        true
    });
    collapse(&text)
}

/// Runs of whitespace to one space, trimmed, soft hyphens removed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{AD}', "")
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Newlines owed before the next text: 1 ends a line, 2 ends a block.
    breaks: usize,
    /// A space owed before the next text.
    space: bool,
    /// A tab owed before the next text (between table cells).
    tab: bool,
    /// A list marker owed before the next text.
    marker: Option<String>,
    /// Open lists: `None` for bullets, `Some(next number)` for `<ol>`.
    lists: Vec<Option<u64>>,
    /// Open table rows: whether a cell was seen yet.
    rows: Vec<bool>,
    /// Depth of `<td>`/`<th>`: blocks inside a cell are joined with spaces.
    cells: usize,
    /// Depth of `<pre>`.
    pre: usize,
}

impl Writer {
    fn enter(&mut self, dom: &Dom, id: NodeId) {
        let tag = dom.tag(id);
        match tag {
            "br" => self.breaks = (self.breaks + 1).min(2),
            "ul" | "ol" | "dir" | "menu" => {
                self.block();
                let start = dom
                    .attr(id, "start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                self.lists.push((tag == "ol").then_some(start));
            }
            "li" => {
                self.line();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    _ => "• ".to_owned(),
                };
                let indent = "  ".repeat(depth.min(MAX_LIST_INDENT));
                self.marker = Some(format!("{indent}{marker}"));
            }
            "tr" => {
                self.line();
                self.rows.push(false);
            }
            "td" | "th" => {
                if let Some(seen) = self.rows.last_mut() {
                    self.tab = *seen;
                    *seen = true;
                }
                self.cells += 1;
            }
            "pre" | "listing" => {
                self.block();
                self.pre += 1;
            }
            _ if is_block(tag) => self.block(),
            _ => {}
        }
    }

    fn leave(&mut self, tag: &str) {
        match tag {
            "ul" | "ol" | "dir" | "menu" => {
                self.lists.pop();
                self.block();
            }
            "li" | "dt" | "dd" => self.line(),
            "tr" => {
                self.rows.pop();
                self.line();
            }
            "td" | "th" => self.cells = self.cells.saturating_sub(1),
            "pre" | "listing" => {
                self.pre = self.pre.saturating_sub(1);
                self.block();
            }
            _ if is_block(tag) => self.block(),
            _ => {}
        }
    }

    /// The end or start of a block: a blank line, or one newline inside a list, or a space
    /// inside a table cell.
    fn block(&mut self) {
        if self.cells > 0 {
            self.space = true;
        } else if self.lists.is_empty() {
            self.breaks = 2;
        } else {
            self.line();
        }
    }

    fn line(&mut self) {
        if self.cells > 0 {
            self.space = true;
        } else {
            self.breaks = self.breaks.max(1);
        }
    }

    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            if !text.is_empty() {
                self.flush();
                self.out.push_str(text);
            }
            return;
        }
        for c in text.chars() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '\x0C' => self.space = true,
                '\u{AD}' => {}
                c => {
                    self.flush();
                    self.out.push(c);
                }
            }
        }
    }

    /// Writes what is owed before the next character.
    fn flush(&mut self) {
        let at_start = self.out.is_empty() || self.out.ends_with('\n');
        if self.breaks > 0 && !self.out.is_empty() {
            let trimmed = self.out.trim_end_matches([' ', '\t']).len();
            self.out.truncate(trimmed);
            for _ in 0..self.breaks {
                self.out.push('\n');
            }
        } else if self.tab && !at_start {
            self.out.push('\t');
        } else if self.space && !at_start {
            self.out.push(' ');
        }
        self.breaks = 0;
        self.space = false;
        self.tab = false;
        if let Some(marker) = self.marker.take() {
            self.out.push_str(&marker);
        }
    }

    /// The text with blank-looking lines emptied, at most one empty line in a row, no
    /// trailing whitespace on a line, and one final newline.
    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len() + 1);
        let mut empty_run = 0;
        for line in self.out.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                empty_run += 1;
                if empty_run > 1 || out.is_empty() {
                    continue;
                }
            } else {
                empty_run = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::dom::{DOCUMENT, parse};
    use super::*;

    fn text_of(html: &str) -> String {
        let dom = parse(html).unwrap();
        let body = dom.find(DOCUMENT, "body", |_| false).unwrap();
        render(&dom, body, &vec![false; dom.nodes.len()])
    }

    #[test]
    fn blocks_lines_and_spaces_come_out_as_a_browser_shows_them() {
        assert_eq!(
            text_of(
                "<h1> Putin  och\n Lukashenko </h1><p>Samtalen <b>äger</b>\n rum<br>i Sotji.</p>\
                 <div><div>Av <a href=x>Anna</a></div></div><p>&nbsp;</p><p>12&nbsp;000 kr&shy;onor</p>"
            ),
            "Putin och Lukashenko\n\nSamtalen äger rum\ni Sotji.\n\nAv Anna\n\n12\u{a0}000 kronor\n"
        );
    }

    #[test]
    fn lists_tables_and_pre_keep_their_lines() {
        assert_eq!(
            text_of(
                "<p>Före</p><ul><li>ett</li><li><p>två</p><ol start=3><li>tre</li></ol></li></ul>\
                 <table><tr><th>Land</th><th>Gas</th></tr><tr><td><p>Ryssland</p></td><td>mer</td></tr></table>\
                 <pre>  a\n   b</pre>efter"
            ),
            "Före\n\n• ett\n• två\n  3. tre\n\nLand\tGas\nRyssland\tmer\n\n  a\n   b\n\nefter\n"
        );
    }

    #[test]
    fn deeply_nested_lists_are_indented_at_most_max_list_indent_levels() {
        let text = text_of(&"<ul><li>x".repeat(20));
        let widest = text.lines().map(|l| l.len() - l.trim_start().len()).max();
        assert_eq!(widest, Some(2 * MAX_LIST_INDENT));
        assert_eq!(text.lines().count(), 20);
    }
}
