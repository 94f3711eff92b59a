//! Finding text: every case-insensitive occurrence of a query in a document (the search bar,
//! "Tag all hits"), and in every document of a project at once (the documents panel's
//! filter), on the cores there are.

use super::{ByteOffset, CharOffset, DocText, Project};

/// The first char of a char's lower case: what [`find_all`] compares.
fn lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    c.to_lowercase().next().unwrap_or(c)
}

/// Every case-insensitive occurrence of `query` in the text, on grapheme boundaries, in
/// order and without overlaps. Walks the text once without copying it (a book is megabytes;
/// this runs on every keystroke): the chars that can begin a hit are found a vector at a
/// time by their last byte, and only there are chars lowered and compared.
pub fn find_all(text: &DocText, query: &str) -> Vec<(CharOffset, CharOffset)> {
    let needle: Vec<char> = query.chars().map(lower).collect();
    let Some(&first) = needle.first() else {
        return Vec::new();
    };
    if needle.iter().all(|c| c.is_whitespace()) {
        return Vec::new();
    }
    // The chars whose lower case begins with the needle's first char, UTF-8 encoded.
    let starts: Vec<Vec<u8>> = lowering_to(first)
        .map(|c| c.encode_utf8(&mut [0; 4]).as_bytes().to_vec())
        .collect();
    let mut last: Vec<u8> = starts.iter().filter_map(|s| s.last().copied()).collect();
    last.sort_unstable();
    last.dedup();
    let hay = text.as_str();
    let bytes = hay.as_bytes();
    let len = needle.len() as u32;
    let mut hits = Vec::new();
    // Chars counted up to `counted_to` (a byte offset), and where the last hit ended.
    let (mut counted_to, mut chars) = (0usize, 0u32);
    let mut next_free = 0usize;
    let mut at_candidate = |end: usize, hits: &mut Vec<(CharOffset, CharOffset)>| {
        // `end` is the last byte of a char that may begin a hit; which one, if any?
        let Some(begin) = starts.iter().find_map(|s| {
            let begin = (end + 1).checked_sub(s.len())?;
            (bytes.get(begin..=end) == Some(&s[..])).then_some(begin)
        }) else {
            return;
        };
        if begin < next_free || !hay.is_char_boundary(begin) {
            return;
        }
        let rest = hay.get(begin..).unwrap_or("");
        let mut matched = 0usize;
        let mut taken = 0usize;
        for (c, want) in rest.chars().zip(needle.iter()) {
            if lower(c) != *want {
                return;
            }
            matched += c.len_utf8();
            taken += 1;
        }
        if taken < needle.len() {
            return;
        }
        chars += hay.get(counted_to..begin).map_or(0, |s| s.chars().count()) as u32;
        counted_to = begin;
        let (s, e) = (CharOffset(chars), CharOffset(chars + len));
        let stop = begin + matched;
        if text.is_boundary_byte(ByteOffset(begin as u32))
            && text.is_boundary_byte(ByteOffset(stop as u32))
        {
            hits.push((s, e));
            next_free = stop;
        }
    };
    match last[..] {
        [a] => memchr::memchr_iter(a, bytes).for_each(|p| at_candidate(p, &mut hits)),
        [a, b] => memchr::memchr2_iter(a, b, bytes).for_each(|p| at_candidate(p, &mut hits)),
        [a, b, c] => {
            memchr::memchr3_iter(a, b, c, bytes).for_each(|p| at_candidate(p, &mut hits));
        }
        // More than three kinds of last byte (no char of a living script lowers to a char
        // that many others do): every char is a candidate.
        _ => hay
            .char_indices()
            .for_each(|(i, c)| at_candidate(i + c.len_utf8() - 1, &mut hits)),
    }
    hits
}

/// The chars whose lower case (its first char) is `lowered`: itself, if it is lower case,
/// and the others from a table made at the first search (`A` and `a` for `a`, and the
/// Kelvin sign `K` besides `K` and `k` for `k`).
fn lowering_to(lowered: char) -> impl Iterator<Item = char> {
    static TABLE: std::sync::OnceLock<Vec<(char, char)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        // Every char that lowers to another, by what it lowers to. No char past U+1FFFF has
        // a case (a test checks every char).
        let mut table: Vec<(char, char)> = ('\0'..='\u{1FFFF}')
            .filter_map(|c| {
                let l = lower(c);
                (l != c).then_some((l, c))
            })
            .collect();
        table.sort_unstable();
        table
    });
    let from = table.partition_point(|&(l, _)| l < lowered);
    let others = table
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(move |&&(l, _)| l == lowered)
        .map(|&(_, c)| c);
    (lower(lowered) == lowered)
        .then_some(lowered)
        .into_iter()
        .chain(others)
}

/// A document that matches a project-wide search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentMatch {
    /// Its index in the project's documents.
    pub index: usize,
    /// The query is in its title or file name.
    pub in_title: bool,
    /// The query's occurrences in its text.
    pub hits: usize,
}

/// The documents whose title, file name or text contain `query` (any case), in the project's
/// order. The texts are searched in parts on the cores there are (a thousand articles are
/// tens of megabytes).
pub fn find_in_project(project: &Project, query: &str) -> Vec<DocumentMatch> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let lower = query.to_lowercase();
    let docs = &project.documents;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8)
        .min(docs.len().max(1));
    let chunk = docs.len().div_ceil(threads).max(1);
    let search = |offset: usize, part: &[super::Document]| -> Vec<DocumentMatch> {
        part.iter()
            .enumerate()
            .filter_map(|(i, doc)| {
                let in_title = doc.meta.title.to_lowercase().contains(&lower)
                    || doc.meta.source_file.to_lowercase().contains(&lower);
                let hits = find_all(&doc.text, query).len();
                (in_title || hits > 0).then_some(DocumentMatch {
                    index: offset + i,
                    in_title,
                    hits,
                })
            })
            .collect()
    };
    if threads == 1 {
        return search(0, docs);
    }
    // The parts come back in the project's order: the threads are joined in turn.
    std::thread::scope(|scope| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| scope.spawn(move || search(k * chunk, part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_case_insensitive_in_any_script_and_respects_characters() {
        let text =
            DocText::new("Lukashenko, LUKASHENKO och Лукашенко; лукашенко. e\u{301}e").unwrap();
        let spans = |q: &str| -> Vec<(u32, u32)> {
            find_all(&text, q).iter().map(|(s, e)| (s.0, e.0)).collect()
        };
        assert_eq!(spans("lukashenko"), vec![(0, 10), (12, 22)]);
        assert_eq!(spans("ЛУКАШЕНКО"), vec![(27, 36), (38, 47)]);
        // "e" alone must not match the e of "é" written as e + combining accent.
        assert_eq!(spans("e"), vec![(6, 7), (18, 19), (51, 52)]);
        assert_eq!(spans("aa"), vec![]);
        assert_eq!(spans("  "), vec![]);
    }

    /// The search as it was before it looked for candidates by byte: every char lowered
    /// and compared.
    fn find_all_char_by_char(text: &DocText, query: &str) -> Vec<(CharOffset, CharOffset)> {
        let needle: Vec<char> = query.chars().map(lower).collect();
        let Some(&first) = needle.first() else {
            return Vec::new();
        };
        if needle.iter().all(|c| c.is_whitespace()) {
            return Vec::new();
        }
        let hay = text.as_str();
        let len = needle.len() as u32;
        let mut hits = Vec::new();
        let mut next_free = 0u32;
        for (i, (byte, c)) in hay.char_indices().enumerate() {
            let i = i as u32;
            if i < next_free || lower(c) != first {
                continue;
            }
            let rest = hay.get(byte..).unwrap_or("");
            let matches = rest
                .chars()
                .map(lower)
                .take(needle.len())
                .eq(needle.iter().copied());
            let (s, e) = (CharOffset(i), CharOffset(i + len));
            if matches && text.is_grapheme_boundary(s) && text.is_grapheme_boundary(e) {
                hits.push((s, e));
                next_free = i + len;
            }
        }
        hits
    }

    #[test]
    fn no_char_past_the_table_has_a_case() {
        let cased: Vec<char> = ('\u{20000}'..=char::MAX)
            .filter(|&c| lower(c) != c)
            .collect();
        assert_eq!(cased, Vec::<char>::new());
        // And the table knows the odd ones: the Kelvin sign, the Angstrom sign, dotted I.
        let k: Vec<char> = lowering_to('k').collect();
        assert_eq!(k, vec!['k', 'K', '\u{212A}']);
        assert!(lowering_to('å').any(|c| c == '\u{212B}'));
        assert!(lowering_to('i').any(|c| c == '\u{130}'));
        assert_eq!(
            lowering_to('A').count(),
            0,
            "nothing lowers to an upper-case letter"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// The search finds what lowering and comparing every char finds, in texts of many
        /// scripts, odd cases, accents, emoji and line ends, for queries taken from the text
        /// in another case or made up.
        #[test]
        fn the_search_finds_what_comparing_every_char_finds(
            pieces in proptest::collection::vec(0usize..PIECES.len(), 0..120),
            from in 0usize..400,
            take in 1usize..12,
            case in 0u8..3,
            made_up in proptest::collection::vec(0usize..PIECES.len(), 1..3),
        ) {
            let raw: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let text = DocText::new(raw.as_str()).unwrap();
            let chars: Vec<char> = raw.chars().collect();
            let from = from.min(chars.len());
            let taken: String = chars[from..].iter().take(take).collect();
            let query = match case {
                0 => taken.to_uppercase(),
                1 => taken.to_lowercase(),
                _ => taken,
            };
            proptest::prop_assert_eq!(
                find_all(&text, &query),
                find_all_char_by_char(&text, &query),
                "query {:?} in {:?}", query, raw
            );
            let made_up: String = made_up.iter().map(|&i| PIECES[i]).collect();
            proptest::prop_assert_eq!(
                find_all(&text, &made_up),
                find_all_char_by_char(&text, &made_up),
                "query {:?} in {:?}", made_up, raw
            );
        }
    }

    /// What the texts of the property test are made of.
    const PIECES: &[&str] = &[
        "a",
        "A",
        "k",
        "K",
        "\u{212A}",
        "s",
        "S",
        "\u{17F}",
        "ß",
        "ẞ",
        "i",
        "I",
        "\u{130}",
        "\u{131}",
        "å",
        "Å",
        "\u{212B}",
        "σ",
        "ς",
        "Σ",
        "Л",
        "л",
        "лукашенко",
        "Лукашенко",
        "e\u{301}",
        "é",
        "\u{301}",
        " ",
        "\n",
        "\r\n",
        "👍🏽",
        "👨‍👩‍👧",
        "🇸🇪",
        "ǅ",
        "Ǆ",
        "ǆ",
        "Putin",
        "PUTIN",
        "putin ",
        "ﬁ",
        "中文",
        "ا",
        "\u{10400}",
        "\u{10428}",
        "Ω",
        "\u{2126}",
        "ω",
    ];

    #[test]
    fn a_project_search_finds_titles_and_texts_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::ProjectStore::create(dir.path(), "p").unwrap();
        for k in 0..40 {
            let text = if k % 3 == 0 {
                format!("Article {k}: Lukashenko met Putin. LUKASHENKO left.")
            } else {
                format!("Article {k}: nothing here.")
            };
            let title = if k == 7 { "Lukashenko profile" } else { "News" };
            store.add_text(&format!("a{k}.txt"), title, text).unwrap();
        }
        let found = find_in_project(&store.project, " lukashenko ");
        let expected: Vec<DocumentMatch> = (0..40)
            .filter(|k| k % 3 == 0 || *k == 7)
            .map(|k| DocumentMatch {
                index: k,
                in_title: k == 7,
                hits: if k % 3 == 0 { 2 } else { 0 },
            })
            .collect();
        assert_eq!(found, expected);
        assert!(find_in_project(&store.project, "  ").is_empty());
    }
}
