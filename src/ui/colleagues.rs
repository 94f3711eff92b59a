//! Colleagues' labels in view: any annotator's annotations of the open document shown
//! read-only beside one's own (dotted lines above the text, rows of their own in the list,
//! a read-only inspector), toggled per colleague, without entering review mode.

use std::collections::{BTreeMap, BTreeSet};

use super::app::LectorApp;
use super::article::ColleagueLayer;
use super::span_index::{SpanIndex, Whole};
use crate::model::{AnnotationSet, Project, Snapshot};

/// What an index was built from: the document, and the set's list as it was (held, so that
/// any change to the set, or a set re-read from disk, is a list of its own: no address of a
/// freed list can come back as the same key).
type IndexKey = (String, Option<Snapshot>);

/// Whose annotations are shown, and their indexes.
#[derive(Debug, Default)]
pub struct Colleagues {
    shown: BTreeSet<String>,
    indexes: BTreeMap<String, Layer>,
}

/// A shown colleague's index: of the set's first part while the whole one is built on a
/// thread, for a big set (as the app's own, see [`SpanIndex::first_part`]).
struct Layer {
    key: IndexKey,
    index: SpanIndex,
    whole: Option<Whole<()>>,
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("index", &self.index.len())
            .field("part", &self.index.is_part())
            .finish_non_exhaustive()
    }
}

impl Colleagues {
    /// Shows or hides a colleague's annotations.
    pub fn show(&mut self, annotator: &str, on: bool) {
        if on {
            self.shown.insert(annotator.to_owned());
        } else {
            self.shown.remove(annotator);
            if let Some(layer) = self.indexes.remove(annotator) {
                // Its build may hold a whole index, done and not taken yet.
                let_go(layer.index, layer.whole);
            }
        }
    }

    /// Whether a colleague's annotations are shown.
    pub fn is_shown(&self, annotator: &str) -> bool {
        self.shown.contains(annotator)
    }

    /// The colleagues shown, sorted.
    pub fn shown(&self) -> impl Iterator<Item = &String> {
        self.shown.iter()
    }

    /// Builds the indexes of the shown colleagues' sets of a document that changed: a big
    /// set's first for the annotations that start before char `through` (what the view
    /// shows), whole on a thread that wakes `ctx` when done; and takes the whole ones that
    /// are done, or waits for those a view asked past the part of.
    pub fn refresh(
        &mut self,
        project: &Project,
        document: &str,
        through: u32,
        ctx: Option<&egui::Context>,
    ) {
        for annotator in &self.shown {
            let set = project.set(document, annotator);
            let annotations = set.map(|s| s.annotations()).unwrap_or_default();
            if let Some(layer) = self.indexes.get_mut(annotator)
                && layer.key.0 == document
                && match (set, &layer.key.1) {
                    (Some(set), Some(list)) => set.is_as(list),
                    (None, None) => true,
                    _ => false,
                }
            {
                if layer.index.is_part() {
                    let whole = match layer.whole.take() {
                        Some(job) if layer.index.fell_short() => job.wait(),
                        Some(job) => match job.try_take() {
                            Ok(None) => {
                                layer.whole = Some(job);
                                continue;
                            }
                            Ok(index) => index,
                            Err(_) => None,
                        },
                        None => None,
                    };
                    let whole =
                        whole.unwrap_or_else(|| SpanIndex::new(&project.schema, annotations));
                    let part = std::mem::replace(&mut layer.index, whole);
                    let_go(part, None);
                }
                continue;
            }
            let before = annotations.starting_before(through);
            let (index, whole) = match set {
                Some(set)
                    if annotations.len() >= super::span_index::PARALLEL_BUILD
                        && before < annotations.len()
                        && before <= annotations.len() / 4 =>
                {
                    let job = Whole::spawn((), &project.schema, set.snapshot(), ctx.cloned());
                    let part = SpanIndex::first_part(&project.schema, annotations, through);
                    (part, Some(job))
                }
                _ => (SpanIndex::new(&project.schema, annotations), None),
            };
            let key = (document.to_owned(), set.map(AnnotationSet::snapshot));
            let layer = Layer { key, index, whole };
            if let Some(old) = self.indexes.insert(annotator.clone(), layer) {
                let_go(old.index, old.whole);
            }
        }
    }

    /// Whether a view drew a layer past the first part of its index.
    pub fn fell_short(&self) -> bool {
        self.indexes.values().any(|layer| layer.index.fell_short())
    }

    /// The layers to paint, in the order of the shown colleagues.
    pub fn layers<'a>(&'a self, project: &'a Project, document: &str) -> Vec<ColleagueLayer<'a>> {
        self.shown
            .iter()
            .filter_map(|annotator| {
                let layer = self.indexes.get(annotator)?;
                Some(ColleagueLayer {
                    annotator,
                    annotations: project.set(document, annotator)?.annotations(),
                    index: &layer.index,
                })
            })
            .collect()
    }
}

/// Lets go of a layer's index and build: a big index (a book's holds a million annotations,
/// 18 ms to free) or one still being built on another thread, a small one here.
fn let_go(index: SpanIndex, whole: Option<Whole<()>>) {
    match whole {
        Some(whole) => super::drop_elsewhere((index, whole)),
        None => super::span_index::let_go(index),
    }
}

/// The colleagues who annotated a document, with how many annotations: everyone but `me`
/// and reviewers' reviewed sets, sorted by name.
pub fn candidates(project: &Project, document: &str, me: &str) -> Vec<(String, usize)> {
    // The document's sets only, from the map keyed by (document, annotator): a project of a
    // thousand documents has ten thousand sets, and this runs every frame.
    project
        .sets
        .range((document.to_owned(), String::new())..)
        .take_while(|((doc, _), _)| doc == document)
        .filter(|((_, who), set)| {
            who != me && crate::model::review::reviewer_of(who).is_none() && !set.is_empty()
        })
        .map(|((_, who), set)| (who.clone(), set.len()))
        .collect()
}

impl LectorApp {
    /// Keeps the shown colleagues' indexes current.
    pub(super) fn refresh_colleagues(&mut self) {
        let (Some(session), Some(view)) = (&self.session, &self.view) else {
            return;
        };
        self.colleagues.refresh(
            &session.store.project,
            &view.document,
            view.likely_shown_before(),
            self.ctx.as_ref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Colleagues;
    use crate::model::{Annotation, AnnotationSet, checked_fragments};
    use crate::ui::span_index::{SpanIndex, found};

    /// A colleague's layer of a book is indexed first for what the view shows, finding there
    /// what the whole index finds; the whole index is taken when it is done, or at once when
    /// a view asked past the part.
    #[test]
    fn a_colleagues_book_is_indexed_first_for_what_the_view_shows() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::ProjectStore::create(dir.path(), "P").unwrap();
        let words: String = (0..40_000).map(|i| format!("ord{i:05} ")).collect();
        let book = store.add_text("b.txt", "Book", words).unwrap();
        let text = store.project.document(&book).unwrap().text.clone();
        let annotations = (0..40_000u32)
            .map(|i| {
                Annotation::new(
                    "Person",
                    checked_fragments(&text, &[(i * 9, i * 9 + 8)]).unwrap(),
                )
            })
            .collect();
        store.project.set_mut(&book, "bo").replace_all(annotations);
        let project = &store.project;
        let set: &AnnotationSet = project.set(&book, "bo").unwrap();
        let whole = SpanIndex::new(&project.schema, set.annotations());
        for asked_past in [false, true] {
            let mut colleagues = Colleagues::default();
            colleagues.show("bo", true);
            colleagues.refresh(project, &book, 65_536, None);
            let layer = &colleagues.indexes["bo"];
            assert!(layer.index.is_part() && layer.whole.is_some());
            assert_eq!(
                found(&layer.index, 0, 65_536),
                found(&whole, 0, 65_536),
                "the first screens"
            );
            assert!(!colleagues.fell_short());
            if asked_past {
                found(&colleagues.indexes["bo"].index, 300_000, 300_100);
                assert!(colleagues.fell_short());
                colleagues.refresh(project, &book, 65_536, None);
                assert!(!colleagues.indexes["bo"].index.is_part(), "whole at once");
            } else {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                while colleagues.indexes["bo"].index.is_part() {
                    assert!(std::time::Instant::now() < deadline, "never whole");
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    colleagues.refresh(project, &book, 65_536, None);
                }
            }
            let layer = &colleagues.indexes["bo"];
            assert!(layer.index.is_of_set(set.annotations()) && layer.whole.is_none());
            assert!(!colleagues.fell_short());
        }
    }
}
