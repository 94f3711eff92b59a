//! Search in the open document (Ctrl+F): every case-insensitive hit, stepped through from
//! the caret, wrapping; and, for "Tag all hits", the entity the searched words are already a
//! mention of.

use std::sync::mpsc;

use super::app::LectorApp;
pub use crate::model::find::find_all;
use crate::model::{
    AnnotationSet, Annotations, CharOffset, DocText, Entity, EntityId, Project, Snapshot,
};

/// From how many bytes of text a document is searched on another thread: a keystroke in the
/// search bar of a 50 MB book took a 70 ms frame (the text, then its million annotations for
/// the entity the words are a mention of), and typing stuttered.
const BACKGROUND_FROM: usize = 2 << 20;

/// The hits of a query, and the entity its words are already a mention of.
type Found = (Vec<(CharOffset, CharOffset)>, Option<EntityId>);

/// A search running on another thread.
#[derive(Debug)]
struct Running {
    /// (document, query) it is for.
    key: (String, String),
    done: mpsc::Receiver<Found>,
}

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
    /// A search of a big text on another thread; the hits shown meanwhile are the last ones.
    running: Option<Running>,
    /// From how many bytes of text to search on another thread.
    background_from: Option<usize>,
}

impl Search {
    /// Opens the bar with the keyboard in it.
    pub fn open_bar(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// Forgets the hits (another document is shown, or another query asked for): none show
    /// until the new ones are found.
    pub fn forget(&mut self) {
        self.key = (String::new(), String::new());
        self.running = None;
        self.hits.clear();
        self.current = None;
    }

    /// Whether the hits shown are being found again for a new query, on another thread.
    pub fn is_searching(&self) -> bool {
        self.running.is_some()
    }

    /// Searches texts of at least `bytes` bytes on another thread (tests search small ones
    /// there too).
    pub fn search_in_background_from(&mut self, bytes: usize) {
        self.background_from = Some(bytes);
    }
}

/// The sets of a document that [`mentioned_entity`] looks at: everyone's but reviewers'.
fn sets_of<'p>(
    project: &'p Project,
    document: &'p str,
) -> impl Iterator<Item = (&'p str, &'p AnnotationSet)> {
    project
        .sets
        .iter()
        .filter(move |((doc, annotator), _)| {
            doc == document && crate::model::review::reviewer_of(annotator).is_none()
        })
        .map(|((_, annotator), set)| (annotator.as_str(), set))
}

/// The entity that annotations covering exactly `query` (any case) link to, in the
/// annotator's own work first, then colleagues': the one linked most often (looked up in a
/// registry by [`registered`]).
fn mentioned_entity<'a>(
    text: &DocText,
    sets: impl Iterator<Item = (&'a str, Annotations<'a>)>,
    me: &str,
    query: &str,
) -> Option<EntityId> {
    let wanted = query.trim().to_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let mut counts: std::collections::BTreeMap<&EntityId, (usize, bool)> =
        std::collections::BTreeMap::new();
    for (annotator, annotations) in sets {
        for a in annotations {
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
    Some(id.clone())
}

/// The entity with this id in the annotator's registry, else a colleague's.
fn registered(project: &Project, me: &str, id: &EntityId) -> Option<Entity> {
    std::iter::once(me.to_owned())
        .chain(project.entities.keys().cloned())
        .find_map(|who| project.registry(&who)?.get(id).cloned())
}

impl LectorApp {
    /// Finds the query's hits when the query or the document changed; the current hit is
    /// the first one at or after the caret (or the first one on screen), wrapping. A big
    /// text is searched on another thread, which wakes the window when done; until then the
    /// hits shown are the last ones.
    pub(super) fn refresh_search(&mut self) {
        let Some(view) = &self.view else { return };
        let key = (view.document.clone(), self.search.query.clone());
        if let Some(running) = self.search.running.take()
            && running.key == key
        {
            let found = match running.done.try_recv() {
                Ok(found) => found,
                Err(mpsc::TryRecvError::Empty) => {
                    self.search.running = Some(running);
                    return;
                }
                // The thread failed: searched here.
                Err(mpsc::TryRecvError::Disconnected) => self.found_here(&key),
            };
            return self.take_hits(key, found);
        }
        // A search for another query was let go: the hits shown may be this one's again.
        if key == self.search.key {
            return;
        }
        let big = self.search.background_from.unwrap_or(BACKGROUND_FROM);
        if view.text().as_str().len() >= big
            && let Some(running) = self.search_in_background(&key)
        {
            self.search.running = Some(running);
            return;
        }
        let found = self.found_here(&key);
        self.take_hits(key, found);
    }

    /// Starts searching on another thread: the text and the document's sets are shared,
    /// not copied.
    fn search_in_background(&self, key: &(String, String)) -> Option<Running> {
        let view = self.view.as_ref()?;
        let session = self.session.as_ref()?;
        let project = &session.store.project;
        let text = view.text().clone();
        let sets: Vec<(String, Snapshot)> = sets_of(project, &key.0)
            .map(|(annotator, set)| (annotator.to_owned(), set.snapshot()))
            .collect();
        let (me, query) = (session.annotator().to_owned(), key.1.clone());
        let ctx = self.ctx.clone();
        let (send, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("lector-search".to_owned())
            .spawn(move || {
                let hits = find_all(&text, &query);
                let sets = sets.iter().map(|(who, list)| (who.as_str(), list.view()));
                let entity = mentioned_entity(&text, sets, &me, &query);
                if send.send((hits, entity)).is_ok()
                    && let Some(ctx) = ctx
                {
                    ctx.request_repaint();
                }
            })
            .ok()?;
        Some(Running {
            key: key.clone(),
            done,
        })
    }

    /// Brings the hits up to the query as typed, waiting for a search on another thread, so
    /// that stepping or tagging right after typing (in the same frame, even) uses them.
    /// Whether it took new hits (and with them the entity of their mentions).
    pub(super) fn finish_search(&mut self) -> bool {
        let before = self.search.key.clone();
        self.refresh_search();
        if let Some(running) = self.search.running.take() {
            let found = running
                .done
                .recv()
                // The thread failed: searched here.
                .unwrap_or_else(|_| self.found_here(&running.key));
            self.take_hits(running.key, found);
        }
        self.search.key != before
    }

    /// The hits and mentioned entity of a (document, query), found on this thread.
    fn found_here(&self, key: &(String, String)) -> Found {
        let Some(view) = &self.view else {
            return (Vec::new(), None);
        };
        let hits = find_all(view.text(), &key.1);
        let entity = self.session.as_ref().and_then(|s| {
            let project = &s.store.project;
            let sets = sets_of(project, &key.0).map(|(who, set)| (who, set.annotations()));
            mentioned_entity(view.text(), sets, s.annotator(), &key.1)
        });
        (hits, entity)
    }

    /// Shows the hits found for `key`: the current one is the first at or after the caret
    /// (or the first on screen).
    fn take_hits(&mut self, key: (String, String), (hits, entity): Found) {
        let Some(view) = &self.view else { return };
        self.search.hits = hits;
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
            let id = entity?;
            registered(&s.store.project, s.annotator(), &id)
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
        self.finish_search();
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
