//! A text cut into paragraphs (its lines), the article view's unit of layout: only the
//! paragraphs on screen are laid out. Made once per text and kept with it
//! ([`DocText::paragraphs`]): a 53 MB book's 621k lines take 25 ms to find.

use super::DocText;
use super::offsets::char_count;

/// A line of the text: the unit of layout.
#[derive(Clone, Copy, Debug)]
pub struct Para {
    /// First char.
    pub start: u32,
    /// End char (excluding the newline).
    pub end: u32,
    /// Byte range of the line in the text.
    pub byte_start: u32,
    /// End byte.
    pub byte_end: u32,
}

/// Lines longer than this are cut into several layout blocks at a space, so that one huge
/// paragraph (a PDF extraction without newlines) never needs laying out whole.
const MAX_BLOCK_BYTES: usize = 8 * 1024;

/// The text's lines, long ones cut into blocks, in order; every char but the newlines is in
/// exactly one. Newlines are found with `memchr` and chars counted a word at a time (a 53 MB
/// book of 621k lines took 44 ms with `str::split` and `chars().count()`), and not at all in
/// an ASCII text.
pub fn split_paragraphs(text: &DocText) -> Vec<Para> {
    let s = text.as_str();
    let ascii = text.len_chars().index() == s.len();
    let mut paras = Vec::with_capacity(s.len() / 200 + 1);
    let mut char_pos = 0u32;
    let mut byte_pos = 0usize;
    let mut line_start = 0;
    let ends = memchr::memchr_iter(b'\n', s.as_bytes()).chain([s.len()]);
    for line_end in ends {
        // A newline is a char of its own: the slice around it is on char boundaries.
        let line = s.get(line_start..line_end).unwrap_or_default();
        line_start = line_end + 1;
        let mut rest = line;
        loop {
            let cut = if rest.len() > MAX_BLOCK_BYTES {
                let mut at = MAX_BLOCK_BYTES;
                while !rest.is_char_boundary(at) {
                    at -= 1;
                }
                rest[..at].rfind(' ').map_or(at, |i| i + 1)
            } else {
                rest.len()
            };
            let (block, tail) = rest.split_at(cut);
            let chars = if ascii {
                block.len()
            } else {
                char_count(block)
            } as u32;
            paras.push(Para {
                start: char_pos,
                end: char_pos + chars,
                byte_start: byte_pos as u32,
                byte_end: (byte_pos + block.len()) as u32,
            });
            char_pos += chars;
            byte_pos += block.len();
            if tail.is_empty() {
                break;
            }
            rest = tail;
        }
        // The newline.
        char_pos += 1;
        byte_pos += 1;
    }
    paras
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CharOffset;

    #[test]
    fn paragraphs_are_made_once_for_every_clone_of_a_text() {
        let text = DocText::new("Putin\nLukashenko möter 👍🏽").unwrap();
        let copy = text.clone();
        assert!(!copy.has_paragraphs());
        let made = text.paragraphs();
        assert!(copy.has_paragraphs());
        assert!(std::ptr::eq(made, copy.paragraphs()));
        let spans: Vec<(u32, u32)> = made.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(spans, vec![(0, 5), (6, 25)]);
    }

    #[test]
    fn paragraphs_cover_the_text_exactly() {
        let text = DocText::new("Putin\n\nLukashenko möter 👍🏽\nslut").unwrap();
        let paras = split_paragraphs(&text);
        let spans: Vec<(u32, u32)> = paras.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(spans, vec![(0, 5), (6, 6), (7, 26), (27, 31)]);
        for p in &paras {
            let s = text.slice(CharOffset(p.start), CharOffset(p.end)).unwrap();
            assert_eq!(
                s,
                &text.as_str()[p.byte_start as usize..p.byte_end as usize]
            );
        }
    }

    proptest::proptest! {
        /// Every block's chars and bytes are where they lie in the text, whatever its scripts,
        /// empty lines and line lengths (long ones cut into blocks).
        #[test]
        fn blocks_lie_where_their_text_is(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "ord ", "\n", "\n\n", "å", "Лука", "👍🏽", "中文", " ", "x".repeat(3000).leak(),
            ]), 0..60)
        ) {
            let s = pieces.concat();
            let text = DocText::new(s.as_str()).unwrap();
            let paras = split_paragraphs(&text);
            let mut joined = String::new();
            let mut lines = 0;
            for (n, p) in paras.iter().enumerate() {
                let by_chars = text.slice(CharOffset(p.start), CharOffset(p.end)).unwrap();
                proptest::prop_assert_eq!(by_chars, &s[p.byte_start as usize..p.byte_end as usize]);
                // Blocks of a line follow each other; a new line starts after its newline.
                let next_line = paras.get(n + 1).is_none_or(|q| q.byte_start != p.byte_end);
                joined.push_str(by_chars);
                if next_line {
                    lines += 1;
                    joined.push('\n');
                }
            }
            proptest::prop_assert_eq!(lines, s.split('\n').count());
            proptest::prop_assert_eq!(joined.trim_end_matches('\n'), s.trim_end_matches('\n'));
        }
    }

    #[test]
    fn very_long_lines_are_cut_into_blocks_at_spaces() {
        let long = "ord ".repeat(5000);
        let text = DocText::new(long.as_str()).unwrap();
        let paras = split_paragraphs(&text);
        assert!(paras.len() >= 3);
        assert_eq!(paras.last().unwrap().end, text.len_chars().0);
        for w in paras.windows(2) {
            assert_eq!(w[0].end, w[1].start, "blocks of one line are contiguous");
        }
    }
}
