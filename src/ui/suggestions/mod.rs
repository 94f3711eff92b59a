//! Suggestions in the app (issue 13): mentions the entity registry or an imported source
//! proposes, drawn in the article as dashed outlines, accepted or rejected by key.
//!
//! What is derived, and when (never per frame, see `crate::suggest` for the costs):
//!
//! - The [`Suggester`] (the registry's forms) when a project opens, and again when an edit
//!   links a mention whose text is no form yet, or entities change.
//! - The open document's [`DocumentSuggestions`] when it opens (one scan of its text); after
//!   each edit step it follows the step's changes (`apply_changes`), after other steps
//!   (a rejection, an undo of one, a reload) it decides again which are open (`refresh`, no
//!   rescan).
//! - The other documents' open counts and the counts per source, on a thread of their own,
//!   after the suggester is built and when the Suggestions window opens.
//!
//! Per frame only [`DocumentSuggestions::in_range`] of the visible paragraphs is drawn.
//!
//! - [`decide`]: the commands (accept, reject, next, accept all).
//! - [`windows`]: the count before accepting all, and Suggestions → Counts per source….

pub mod decide;
pub mod windows;

use std::collections::BTreeMap;
use std::hash::{Hash as _, Hasher as _};
use std::sync::mpsc;

pub use decide::{AcceptAll, SuggestCommand};

use super::app::LectorApp;
use crate::model::list::ChunkCounts;
use crate::model::{AnnotationSet, Project};
use crate::suggest::{DocumentSuggestions, SourceCounts, SuggestOptions, Suggester};

/// What the counting thread brings back: open suggestions per document, and per source.
type Counted = (u64, BTreeMap<String, usize>, BTreeMap<String, SourceCounts>);

/// The app's suggestions.
#[derive(Default)]
pub struct SuggestState {
    suggester: Option<Suggester>,
    /// What the suggester was built from: see [`forms_fingerprint`].
    fingerprint: u64,
    /// The project's mentions linked to an entity, counted per chunk: a count after a
    /// document switch or a big step reads only the chunks edits made since.
    linked: ChunkCounts,
    /// The open document's suggestions for the annotator.
    doc: Option<DocumentSuggestions>,
    /// (document, annotator, session revision) `doc` is up to date with.
    key: (String, String, u64),
    /// Open suggestions per document (the open one's from `doc`, live).
    counts: BTreeMap<String, usize>,
    /// Suggested, accepted, rejected per source.
    sources: BTreeMap<String, SourceCounts>,
    /// Which count the last counting was started for; older results are dropped.
    generation: u64,
    counting: Option<mpsc::Receiver<Counted>>,
    /// "Accept all …" waiting for the user to confirm the count.
    pub confirm: Option<AcceptAll>,
    /// Suggestions → Counts per source… is open.
    pub window: bool,
}

impl std::fmt::Debug for SuggestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuggestState")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl SuggestState {
    /// The open document's suggestions, if computed.
    pub fn document(&self) -> Option<&DocumentSuggestions> {
        self.doc.as_ref()
    }

    /// How many are open in a document (the open one live, others as last counted).
    pub fn open_in(&self, document: &str) -> Option<usize> {
        match &self.doc {
            Some(doc) if doc.document() == document => Some(doc.open_count()),
            _ => self.counts.get(document).copied(),
        }
    }

    /// Suggested, accepted, rejected and open per source, as last counted.
    pub fn sources(&self) -> &BTreeMap<String, SourceCounts> {
        &self.sources
    }

    /// Whether the counts are being computed.
    pub fn is_counting(&self) -> bool {
        self.counting.is_some()
    }

    /// The suggester, if built.
    pub(crate) fn suggester(&self) -> Option<&Suggester> {
        self.suggester.as_ref()
    }

    /// Counts every document's open suggestions and the sources' numbers on a thread.
    pub(crate) fn count_in_background(&mut self, project: &Project, annotator: &str) {
        let Some(suggester) = self.suggester.clone() else {
            return;
        };
        self.generation += 1;
        let generation = self.generation;
        let project = project.clone();
        let annotator = annotator.to_owned();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("lector-suggestion-counts".to_owned())
            .spawn(move || {
                let per_document = project
                    .documents
                    .iter()
                    .map(|d| {
                        let id = d.meta.id.clone();
                        let n = suggester.document(&project, &id, &annotator).open_count();
                        (id, n)
                    })
                    .collect();
                let sources =
                    crate::suggest::source_counts_with(&project, &suggester, Some(&annotator));
                // The app may have moved on and dropped the receiver: nothing to tell.
                let _ = tx.send((generation, per_document, sources));
            });
        // Without a thread the counts stay as they were; the open document's is live anyway.
        self.counting = spawned.ok().map(|_| rx);
    }

    /// Takes the counts if the thread is done.
    fn poll_counts(&mut self) {
        let Some(rx) = &self.counting else {
            return;
        };
        match rx.try_recv() {
            Ok((generation, counts, sources)) => {
                if generation == self.generation {
                    self.counts = counts;
                    self.sources = sources;
                }
                self.counting = None;
            }
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => self.counting = None,
        }
    }
}

/// What the registry's forms are made of, cheaply: the linked mentions' count and every
/// entity's id and name. An edit that changes it may have given the registry a new form.
/// The count is kept per chunk in `linked`: testing every annotation of the project at every
/// document switch grew with the project (300k annotations: 5 ms a switch).
fn forms_fingerprint(project: &Project, linked: &mut ChunkCounts) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let chunks = project.sets.values().flat_map(AnnotationSet::chunks);
    *linked = ChunkCounts::of(chunks, Some(std::mem::take(linked)), |a| a.entity.is_some());
    linked.total().hash(&mut hasher);
    for registry in project.entities.values() {
        for e in &registry.entities {
            e.id.0.hash(&mut hasher);
            e.name.hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// Whether the suggester already finds a mention's text: a form as it is, or a form with a
/// short ending (the possessive and inflected forms the matcher finds).
fn is_known_form(suggester: &Suggester, text: &str) -> bool {
    let forms = suggester.forms();
    let known = |t: &str| forms.binary_search_by(|f| f.text.as_str().cmp(t)).is_ok();
    let text = text.trim();
    if known(text) {
        return true;
    }
    // Endings of up to three chars: "s", "'s", ":s", "ens".
    text.char_indices()
        .rev()
        .take(3)
        .any(|(i, _)| i > 0 && known(&text[..i]))
}

impl LectorApp {
    /// Brings the open document's suggestions up to date with the session: followed step by
    /// step where it can, rebuilt where it must. Cheap when nothing changed.
    pub(super) fn refresh_suggestions(&mut self) {
        self.suggestions.poll_counts();
        let (Some(session), Some(view)) = (&self.session, &self.view) else {
            self.suggestions.doc = None;
            return;
        };
        let project = &session.store.project;
        let annotator = session.annotator();
        let document = view.document.as_str();
        let revision = session.revision();
        let state = &mut self.suggestions;
        {
            let (d, a, r) = &state.key;
            if d == document && a == annotator && *r == revision {
                return;
            }
        }
        // Only when something changed: not an allocation per frame.
        let (doc0, annotator0, revision0) = state.key.clone();
        let same_doc = doc0 == document && annotator0 == annotator && state.doc.is_some();
        let followed = same_doc && revision0.checked_add(1) == Some(revision);
        let mut rebuild = state.suggester.is_none();
        let mut rescan = !same_doc;
        match session.last_changes() {
            Some((changed, changes)) if followed && changed == document => {
                if let Some(doc) = &mut state.doc {
                    doc.apply_changes(project, annotator, changes);
                }
                // A mention linked with a text the registry does not know yet: a new form.
                let set = project.set(document, annotator);
                let text = project.document(document).map(|d| &d.text);
                let new_form = changes.iter().any(|c| {
                    let crate::session::SetChange::Inserted {
                        fragments, label, ..
                    } = c
                    else {
                        return false;
                    };
                    let (Some(set), Some(text), Some(first)) = (set, text, fragments.first())
                    else {
                        return false;
                    };
                    // The set is in text order: only those starting there, not a scan.
                    let all = set.annotations();
                    let from = all.partition_point(|a| a.start() < first.start);
                    all.from(from)
                        .iter()
                        .take_while(|a| a.start() == first.start)
                        .filter(|a| a.label == label)
                        .filter(|a| a.entity.is_some() && a.fragments == *fragments)
                        .any(|a| {
                            let quote = text.slice(a.start(), a.end()).unwrap_or("");
                            state
                                .suggester
                                .as_ref()
                                .is_none_or(|s| !is_known_form(s, quote))
                        })
                });
                rebuild |= new_form;
            }
            _ => {
                let fingerprint = forms_fingerprint(project, &mut state.linked);
                rebuild |= fingerprint != state.fingerprint;
                if !rebuild
                    && !rescan
                    && let Some(doc) = &mut state.doc
                {
                    doc.refresh(project, annotator);
                }
            }
        }
        if rebuild {
            state.fingerprint = forms_fingerprint(project, &mut state.linked);
            state.suggester = Some(Suggester::new(project, SuggestOptions::default()));
            rescan = true;
        }
        if rescan && let Some(suggester) = &state.suggester {
            state.doc = Some(suggester.document(project, document, annotator));
        }
        state.key = (document.to_owned(), annotator.to_owned(), revision);
        if rebuild || annotator0 != annotator {
            state.count_in_background(project, annotator);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, CharOffset, EntityId, Fragment, Schema};

    fn person(at: u32, entity: Option<&str>) -> Annotation {
        let mut a = Annotation::new(
            "Person",
            vec![Fragment {
                start: CharOffset(at),
                end: CharOffset(at + 3),
            }],
        );
        a.entity = entity.map(|e| EntityId(e.into()));
        a
    }

    /// A mention linked in any document, by anyone, changes the fingerprint (the registry
    /// may have a new form); a project unchanged keeps it, whichever document is open.
    #[test]
    fn a_mention_linked_anywhere_changes_the_fingerprint() {
        let mut project = Project::new("p", Schema::news_default());
        for (doc, who) in [("a", "olga"), ("b", "olga"), ("b", "erik")] {
            let made = (0..3000).map(|i| person(i * 4, (i % 5 == 0).then_some("x")));
            let set = AnnotationSet::with_annotations(who, doc, made.collect());
            project.sets.insert((doc.into(), who.into()), set);
        }
        let mut linked = ChunkCounts::default();
        let first = forms_fingerprint(&project, &mut linked);
        assert_eq!(linked.total(), 3 * 600);
        assert_eq!(forms_fingerprint(&project, &mut linked), first);

        let set = project.sets.get_mut(&("b".into(), "erik".into())).unwrap();
        set.insert(person(1, Some("y")));
        let second = forms_fingerprint(&project, &mut linked);
        assert_ne!(second, first, "a new linked mention");
        assert_eq!(linked.total(), 3 * 600 + 1);

        // A mention without an entity is no new form.
        let set = project.sets.get_mut(&("a".into(), "olga".into())).unwrap();
        set.insert(person(2, None));
        assert_eq!(forms_fingerprint(&project, &mut linked), second);

        // Nor is a set of someone else's that links nothing.
        let set = AnnotationSet::with_annotations("tove", "a", vec![person(5, None)]);
        project.sets.insert(("a".into(), "tove".into()), set);
        assert_eq!(forms_fingerprint(&project, &mut linked), second);
    }
}
