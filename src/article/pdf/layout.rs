//! From glyphs on pages to paragraphs of text.
//!
//! ## Implementation notes
//!
//! - **Lines.** Glyphs are taken in the order the page draws them (for text written by word
//!   processors and typesetters that is the reading order, column by column). A glyph starts a
//!   new line when its baseline moves by more than half its size; a gap wider than 0.15 of
//!   the size between glyphs on a line is a space, since many PDFs position words instead of
//!   drawing spaces.
//! - **Running headers and footers.** A line among the two topmost or two bottommost of a page
//!   whose text, digits ignored, is the same on most pages (at least two) is dropped: this
//!   catches "Dagens Nyheter · 3 mars" and "Sida 2 av 5" alike.
//! - **Paragraphs.** A new paragraph starts where the space between lines is clearly more
//!   than the usual line spacing, where the text size changes (a heading), where a line is
//!   indented past the text's left edge (a first-line indent), or after a short line ending a
//!   sentence. Across a page or column break the paragraph goes on only when the last line
//!   runs to the right edge without ending a sentence.
//! - **Hyphens.** A line ending in a hyphen joins the next without a space; the hyphen is
//!   removed only between two lowercase letters (`för-\nhandlingar` is `förhandlingar`, but
//!   `EU-\nkommissionen` keeps it). A soft hyphen at a line end always goes.

/// Laid-out text and what was guessed.
pub struct LaidOut {
    /// Paragraphs separated by blank lines, lines of a paragraph joined.
    pub text: String,
    /// Guesses the user should know about.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
struct Line {
    page: usize,
    /// Baseline, growing down the page.
    y: f64,
    left: f64,
    right: f64,
    size: f64,
    text: String,
}

/// Lays out every page.
pub fn paragraphs(pages: &[Vec<super::Glyph>]) -> LaidOut {
    let mut lines: Vec<Line> = pages
        .iter()
        .enumerate()
        .flat_map(|(page, glyphs)| lines_of(page, glyphs))
        .collect();
    let running = running_lines(&lines, pages.len());
    let dropped = running.iter().filter(|&&r| r).count();
    let mut keep = running.iter().map(|r| !r);
    lines.retain(|_| keep.next().unwrap_or(true));

    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "dropped {dropped} lines repeated at the top or bottom of the pages \
             (running headers, footers, page numbers)"
        ));
    }
    let spacing = usual_spacing(&lines);
    let edges: Vec<(f64, f64)> = (0..pages.len()).map(|p| page_edges(&lines, p)).collect();
    let mut text = String::new();
    let mut joined = 0;
    for (i, line) in lines.iter().enumerate() {
        match i.checked_sub(1).and_then(|p| lines.get(p)) {
            None => text.push_str(&line.text),
            Some(prev) if starts_paragraph(prev, line, spacing, &edges) => {
                text.push_str("\n\n");
                text.push_str(&line.text);
            }
            Some(_) => joined += usize::from(join_line(&mut text, &line.text)),
        }
    }
    if joined > 0 {
        warnings.push(format!(
            "joined {joined} words hyphenated at line ends; check the ones that should keep their hyphen"
        ));
    }
    if !text.is_empty() {
        text.push('\n');
    }
    LaidOut { text, warnings }
}

/// Groups one page's glyphs into lines.
fn lines_of(page: usize, glyphs: &[super::Glyph]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Option<Line> = None;
    let mut last_end = 0.0;
    for glyph in glyphs {
        let blank = glyph.text.trim().is_empty();
        if let Some(line) = &mut current {
            let size = line.size.max(glyph.size).max(1.0);
            let new_line = (glyph.y - line.y).abs() > size * 0.5
                || (glyph.x < last_end - size * 2.0 && (glyph.y - line.y).abs() > size * 0.1);
            if new_line {
                lines.extend(current.take());
            } else {
                if glyph.x > last_end + size * 0.15 && !line.text.ends_with(' ') {
                    line.text.push(' ');
                }
                if blank {
                    if !line.text.ends_with(' ') {
                        line.text.push(' ');
                    }
                } else {
                    push_glyph(&mut line.text, &glyph.text);
                    line.right = line.right.max(glyph.end);
                    line.size = line.size.max(glyph.size);
                }
                last_end = glyph.end;
                continue;
            }
        }
        last_end = glyph.end;
        if !blank {
            let mut text = String::new();
            push_glyph(&mut text, &glyph.text);
            current = Some(Line {
                page,
                y: glyph.y,
                left: glyph.x,
                right: glyph.end,
                size: glyph.size,
                text,
            });
        }
    }
    lines.extend(current);
    for line in &mut lines {
        let trimmed = line.text.trim_end().len();
        line.text.truncate(trimmed);
    }
    lines.retain(|l| !l.text.is_empty());
    lines
}

/// Appends a glyph's text, spelling out typographic ligatures (ﬁ → fi) so words can be
/// searched and annotated as typed.
fn push_glyph(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
}

/// Per line: whether it is a running header or footer.
fn running_lines(lines: &[Line], pages: usize) -> Vec<bool> {
    let mut running = vec![false; lines.len()];
    if pages < 2 {
        return running;
    }
    // The two topmost and two bottommost lines of each page.
    let mut edge_lines: Vec<(usize, String)> = Vec::new();
    for page in 0..pages {
        let mut on_page: Vec<(usize, f64)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.page == page)
            .map(|(i, l)| (i, l.y))
            .collect();
        on_page.sort_by(|a, b| a.1.total_cmp(&b.1));
        let n = on_page.len();
        let mut picked: Vec<usize> = on_page.iter().take(2).map(|&(i, _)| i).collect();
        picked.extend(
            on_page
                .iter()
                .skip(n.saturating_sub(2).max(2))
                .map(|&(i, _)| i),
        );
        for i in picked {
            if let Some(line) = lines.get(i) {
                edge_lines.push((i, signature(&line.text)));
            }
        }
    }
    let needed = (pages * 3).div_ceil(5).max(2);
    for (i, sig) in &edge_lines {
        let on_pages = edge_lines
            .iter()
            .filter(|(_, s)| s == sig)
            .filter_map(|(j, _)| lines.get(*j).map(|l| l.page))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if on_pages >= needed
            && let Some(flag) = running.get_mut(*i)
        {
            *flag = true;
        }
    }
    running
}

/// A line's text with digits as `#`, whitespace collapsed and lowercased: page numbers and
/// dates vary from page to page, the rest of a running header does not.
fn signature(text: &str) -> String {
    let digits: String = text
        .chars()
        .map(|c| if c.is_numeric() { '#' } else { c })
        .collect();
    digits
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The usual distance between the baselines of consecutive lines in a paragraph: the median
/// of the distances between lines of the same size on the same page, relative to that size.
fn usual_spacing(lines: &[Line]) -> f64 {
    let mut gaps: Vec<f64> = lines
        .windows(2)
        .filter_map(|pair| {
            let [a, b] = pair else { return None };
            let gap = b.y - a.y;
            (a.page == b.page && gap > 0.0 && (a.size - b.size).abs() < a.size * 0.15)
                .then(|| gap / a.size.max(1.0))
        })
        .collect();
    gaps.sort_by(f64::total_cmp);
    gaps.get(gaps.len() / 2).copied().unwrap_or(1.2)
}

/// The left and right edge of a page's text: most lines start and end there.
fn page_edges(lines: &[Line], page: usize) -> (f64, f64) {
    let mut lefts: Vec<f64> = lines
        .iter()
        .filter(|l| l.page == page)
        .map(|l| l.left)
        .collect();
    let mut rights: Vec<f64> = lines
        .iter()
        .filter(|l| l.page == page)
        .map(|l| l.right)
        .collect();
    lefts.sort_by(f64::total_cmp);
    rights.sort_by(f64::total_cmp);
    let left = lefts.get(lefts.len() / 5).copied().unwrap_or(0.0);
    let right = rights
        .get(rights.len().saturating_sub(1) * 4 / 5)
        .copied()
        .unwrap_or(0.0);
    (left, right)
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['.', '!', '?', ':', '"', '”', '»', '’', ')'])
}

fn starts_paragraph(prev: &Line, line: &Line, spacing: f64, edges: &[(f64, f64)]) -> bool {
    let (left, _) = edges.get(line.page).copied().unwrap_or((0.0, 0.0));
    let (prev_left, prev_right) = edges.get(prev.page).copied().unwrap_or((0.0, 0.0));
    let size = line.size.max(1.0);
    let indented = line.left > left + size * 0.8 && prev.left <= left + size * 0.8;
    let prev_full = prev.right >= prev_right - (prev_right - prev_left) * 0.1;
    let gap = line.y - prev.y;
    if line.page != prev.page || gap <= 0.0 {
        // A page or column break.
        return !prev_full || ends_sentence(&prev.text) || indented;
    }
    let resized = (line.size - prev.size).abs() > prev.size.max(1.0) * 0.15;
    let spaced = gap > spacing * prev.size.max(1.0) * 1.3;
    let short_end = !prev_full && ends_sentence(&prev.text);
    resized || spaced || indented || short_end
}

/// Appends the next line of a paragraph: after a space, or, when the text ends in a hyphen
/// that breaks a word, right after it (dropping the hyphen between two lowercase letters).
/// Returns whether a hyphenated word was joined.
fn join_line(text: &mut String, next: &str) -> bool {
    let mut tail = text.chars().rev();
    let (hyphen, before) = (tail.next(), tail.next());
    let next_lower = next.chars().next().is_some_and(char::is_lowercase);
    let joined = match (hyphen, before) {
        (Some('\u{AD}'), _) => {
            text.pop();
            true
        }
        (Some('-' | '\u{2010}'), Some(before)) if before.is_alphabetic() && next_lower => {
            if before.is_lowercase() {
                text.pop();
            }
            true
        }
        _ => {
            text.push(' ');
            false
        }
    };
    text.push_str(next);
    joined
}

#[cfg(test)]
mod tests {
    use super::super::Glyph;
    use super::*;

    /// A page of lines, each drawn at (x, y) in a 10-point font, 5 points per character.
    fn page(lines: &[(f64, f64, &str)]) -> Vec<Glyph> {
        let mut glyphs = Vec::new();
        for &(x, y, text) in lines {
            for (i, c) in text.chars().enumerate() {
                let x = x + 5.0 * i as f64;
                glyphs.push(Glyph {
                    x,
                    y,
                    end: x + 5.0,
                    size: 10.0,
                    text: c.to_string(),
                });
            }
        }
        glyphs
    }

    #[test]
    fn lines_join_into_paragraphs_and_hyphens_into_words() {
        let p = page(&[
            (50.0, 100.0, "Samtalen i Sotji handlade om för-"),
            (50.0, 112.0, "handlingar med EU-"),
            (50.0, 124.0, "kommissionen och om gasen."),
            (50.0, 150.0, "Nytt stycke efter luft."),
            (60.0, 162.0, "Indraget stycke."),
        ]);
        let out = paragraphs(&[p]);
        assert_eq!(
            out.text,
            "Samtalen i Sotji handlade om förhandlingar med EU-kommissionen och om gasen.\n\n\
             Nytt stycke efter luft.\n\nIndraget stycke.\n"
        );
        assert!(
            out.warnings[0].contains("joined 2 words"),
            "{:?}",
            out.warnings
        );
    }

    #[test]
    fn running_headers_and_page_numbers_are_dropped() {
        let pages: Vec<Vec<Glyph>> = (1..=3)
            .map(|n| {
                page(&[
                    (50.0, 20.0, "Dagens Nyheter · Utrikes"),
                    (
                        50.0,
                        100.0,
                        ["Första sidan.", "Andra sidan.", "Tredje sidan."][n - 1],
                    ),
                    (280.0, 800.0, &format!("{n}")),
                ])
            })
            .collect();
        let out = paragraphs(&pages);
        assert_eq!(out.text, "Första sidan.\n\nAndra sidan.\n\nTredje sidan.\n");
        assert!(
            out.warnings[0].contains("dropped 6 lines"),
            "{:?}",
            out.warnings
        );
    }
}
