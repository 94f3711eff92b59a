//! The article's text cut into paragraphs (its lines), the unit of layout: only the
//! paragraphs on screen are laid out.

use crate::model::DocText;

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
/// exactly one.
pub fn split_paragraphs(text: &DocText) -> Vec<Para> {
    let s = text.as_str();
    let mut paras = Vec::with_capacity(s.len() / 200 + 1);
    let mut char_pos = 0u32;
    let mut byte_pos = 0usize;
    for line in s.split('\n') {
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
            let chars = block.chars().count() as u32;
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
