//! Finding text: every case-insensitive occurrence of a query in a document (the search bar,
//! "Tag all hits"), and in every document of a project at once (the documents panel's
//! filter), on the cores there are.

use super::{CharOffset, DocText, Project};

/// Every case-insensitive occurrence of `query` in the text, on grapheme boundaries. Walks
/// the text once without copying it (a book is megabytes; this runs on every keystroke).
pub fn find_all(text: &DocText, query: &str) -> Vec<(CharOffset, CharOffset)> {
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
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
