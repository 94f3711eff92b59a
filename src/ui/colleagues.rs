//! Colleagues' labels in view: any annotator's annotations of the open document shown
//! read-only beside one's own (dotted lines above the text, rows of their own in the list,
//! a read-only inspector), toggled per colleague, without entering review mode.

use std::collections::{BTreeMap, BTreeSet};

use super::app::LectorApp;
use super::article::ColleagueLayer;
use super::span_index::SpanIndex;
use crate::model::{AnnotationSet, Project, Snapshot};

/// What an index was built from: the document, and the set's list as it was (held, so that
/// any change to the set, or a set re-read from disk, is a list of its own: no address of a
/// freed list can come back as the same key).
type IndexKey = (String, Option<Snapshot>);

/// Whose annotations are shown, and their indexes.
#[derive(Debug, Default)]
pub struct Colleagues {
    shown: BTreeSet<String>,
    indexes: BTreeMap<String, (IndexKey, SpanIndex)>,
}

impl Colleagues {
    /// Shows or hides a colleague's annotations.
    pub fn show(&mut self, annotator: &str, on: bool) {
        if on {
            self.shown.insert(annotator.to_owned());
        } else {
            self.shown.remove(annotator);
            self.indexes.remove(annotator);
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

    /// Builds the indexes of the shown colleagues' sets of a document that changed.
    pub fn refresh(&mut self, project: &Project, document: &str) {
        for annotator in &self.shown {
            let set = project.set(document, annotator);
            let built = self.indexes.get(annotator).is_some_and(|((doc, list), _)| {
                doc == document
                    && match (set, list) {
                        (Some(set), Some(list)) => set.is_as(list),
                        (None, None) => true,
                        _ => false,
                    }
            });
            if built {
                continue;
            }
            let annotations = set.map(|s| s.annotations()).unwrap_or_default();
            let index = SpanIndex::new(&project.schema, annotations);
            let key = (document.to_owned(), set.map(AnnotationSet::snapshot));
            self.indexes.insert(annotator.clone(), (key, index));
        }
    }

    /// The layers to paint, in the order of the shown colleagues.
    pub fn layers<'a>(&'a self, project: &'a Project, document: &str) -> Vec<ColleagueLayer<'a>> {
        self.shown
            .iter()
            .filter_map(|annotator| {
                let (_, index) = self.indexes.get(annotator)?;
                Some(ColleagueLayer {
                    annotator,
                    annotations: project.set(document, annotator)?.annotations(),
                    index,
                })
            })
            .collect()
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
        self.colleagues
            .refresh(&session.store.project, &view.document);
    }
}
