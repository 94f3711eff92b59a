//! Search in the open document (Ctrl+F): every case-insensitive hit, stepped through from
//! the caret, wrapping; and, for "Tag all hits", the entity the searched words are already a
//! mention of.

use super::app::LectorApp;
pub use crate::model::find::find_all;
use crate::model::{CharOffset, Entity, Project};

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
