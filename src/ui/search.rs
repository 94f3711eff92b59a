//! Search in the open document (Ctrl+F): every case-insensitive hit, stepped through from
//! the caret, wrapping; and, for "Tag all hits", the entity the searched words are already a
//! mention of.

use super::app::LectorApp;
use crate::model::{CharOffset, DocText, Entity, Project};

/// The search bar's state.
#[derive(Debug, Default)]
pub struct Search {
    /// Shown.
    pub open: bool,
    /// Wants keyboard focus next frame.
    pub focus: bool,
    /// The query.
    pub query: String,
    /// Hits of the query in the open document.
    pub hits: Vec<(CharOffset, CharOffset)>,
    /// The current hit.
    pub current: Option<usize>,
    /// The label for "Tag all hits".
    pub label: String,
    /// The entity the hits are mentions of, for "Tag all hits" (`None`: not linked).
    pub entity: Option<Entity>,
    /// (document, query) the hits are for.
    key: (String, String),
}

impl Search {
    /// Opens the bar with the keyboard in it.
    pub fn open_bar(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// Forgets the hits (another document is shown).
    pub fn forget(&mut self) {
        self.key = (String::new(), String::new());
    }
}

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

/// The entity that annotations covering exactly `query` (any case) link to, in the
/// annotator's own work first, then colleagues': the one linked most often. Looked up in
/// the annotator's registry, else a colleague's.
pub fn entity_of_mentions(
    project: &Project,
    document: &str,
    me: &str,
    query: &str,
) -> Option<Entity> {
    let wanted = query.trim().to_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let text = &project.document(document)?.text;
    let mut counts: std::collections::BTreeMap<&crate::model::EntityId, (usize, bool)> =
        std::collections::BTreeMap::new();
    for ((doc, annotator), set) in &project.sets {
        if doc != document || crate::model::review::reviewer_of(annotator).is_some() {
            continue;
        }
        for a in set.iter() {
            let Some(entity) = &a.entity else { continue };
            if a.covered_text(text).to_lowercase() == wanted {
                let entry = counts.entry(entity).or_default();
                entry.0 += 1;
                entry.1 |= annotator == me;
            }
        }
    }
    // Own links win over colleagues'; then the most frequent; then the id.
    let (id, _) = counts
        .into_iter()
        .max_by(|a, b| (a.1.1, a.1.0).cmp(&(b.1.1, b.1.0)).then(b.0.cmp(a.0)))?;
    std::iter::once(me.to_owned())
        .chain(project.entities.keys().cloned())
        .find_map(|who| project.registry(&who)?.get(id).cloned())
}

impl LectorApp {
    /// Finds the query's hits when the query or the document changed; the current hit is
    /// the first one at or after the caret (or the first one on screen), wrapping.
    pub(super) fn refresh_search(&mut self) {
        let Some(view) = &self.view else { return };
        let key = (view.document.clone(), self.search.query.clone());
        if key == self.search.key {
            return;
        }
        self.search.hits = find_all(view.text(), &self.search.query);
        let caret = view.selection.range().0;
        let from = if view.char_rect(caret).is_some() {
            caret
        } else {
            // The caret is off screen: start at the top of what is shown.
            view.char_at(view.rect().left_top() + egui::vec2(40.0, 40.0))
                .unwrap_or(caret)
        };
        self.search.current = if self.search.hits.is_empty() {
            None
        } else {
            Some(
                self.search
                    .hits
                    .iter()
                    .position(|h| h.0 >= from)
                    .unwrap_or(0),
            )
        };
        self.search.key = key;
        self.search.entity = self.session.as_ref().and_then(|s| {
            entity_of_mentions(
                &s.store.project,
                &view.document,
                s.annotator(),
                &self.search.query,
            )
        });
        if let Some(&(s, e)) = self.search.current.and_then(|c| self.search.hits.get(c)) {
            self.select_hit(s, e);
        }
    }

    fn select_hit(&mut self, s: CharOffset, e: CharOffset) {
        if let Some(view) = &mut self.view {
            view.selection = super::article::Selection { anchor: s, head: e };
            view.scroll_to(s);
        }
    }

    /// Moves to the next (or previous) search hit, wrapping.
    pub(super) fn step_hit(&mut self, forward: bool) {
        let n = self.search.hits.len();
        if n == 0 {
            return;
        }
        let next = match self.search.current {
            Some(c) if forward => (c + 1) % n,
            Some(c) => (c + n - 1) % n,
            None => 0,
        };
        self.search.current = Some(next);
        if let Some(&(s, e)) = self.search.hits.get(next) {
            self.select_hit(s, e);
        }
    }
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
}
