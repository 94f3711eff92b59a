//! Tagging: the selection with a label (a hotkey, the palette), a further fragment, another
//! label for the selected annotation, every search hit at once, and a copy of a colleague's
//! annotation.

use super::app::LectorApp;
use super::messages::plural;
use super::selected::Selected;
use crate::model::{Annotation, AnnotationId, Entity, LabelKind, checked_fragments};
use crate::session::Edit;

/// Why a search hit was not tagged, and at which hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedHit {
    /// The hit's first char.
    pub start: u32,
    /// Why.
    pub why: String,
}

/// What "Tag all hits" will do: the annotations to add and the hits it leaves, with why.
/// `own` is the set's annotations in file order: each hit looks only at those starting where
/// it does (a binary search), not at all of them.
pub fn plan_tag_all(
    text: &crate::model::DocText,
    own: crate::model::Annotations<'_>,
    hits: &[(crate::model::CharOffset, crate::model::CharOffset)],
    label: &str,
    entity: Option<&crate::model::EntityId>,
) -> (Vec<Annotation>, Vec<SkippedHit>) {
    let mut tagged = Vec::new();
    let mut skipped = Vec::new();
    for &(s, e) in hits {
        let existing = own
            .from(own.partition_point(|a| a.start() < s))
            .iter()
            .take_while(|a| a.start() == s)
            .find(|a| a.fragments.len() == 1 && a.end() == e && a.label == label);
        if existing.is_some() {
            skipped.push(SkippedHit {
                start: s.0,
                why: format!("already tagged {label}"),
            });
            continue;
        }
        match checked_fragments(text, &[(s.0, e.0)]) {
            Ok(fragments) => {
                let mut a = Annotation::new(label, fragments);
                a.entity = entity.cloned();
                tagged.push(a);
            }
            Err(err) => skipped.push(SkippedHit {
                start: s.0,
                why: err.to_string(),
            }),
        }
    }
    (tagged, skipped)
}

/// "1 already tagged Person (at 311), 2 …": the reasons, grouped.
fn describe_skipped(skipped: &[SkippedHit]) -> String {
    let mut by_reason: std::collections::BTreeMap<&str, Vec<u32>> =
        std::collections::BTreeMap::new();
    for s in skipped {
        by_reason.entry(&s.why).or_default().push(s.start);
    }
    by_reason
        .into_iter()
        .map(|(why, at)| {
            let shown: Vec<String> = at.iter().take(5).map(ToString::to_string).collect();
            let more = if at.len() > 5 { ", …" } else { "" };
            format!("{} {why} (at {}{more})", at.len(), shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl LectorApp {
    /// Tags the selection with a label, unless that text already has it.
    pub(super) fn tag_selection(&mut self, label: &str) {
        let Some(view) = &mut self.view else { return };
        view.finish_selection();
        let (s, e) = view.selection.range();
        if s == e {
            self.say("select some text first", false);
            return;
        }
        let fragments = match checked_fragments(view.text(), &[(s.0, e.0)]) {
            Ok(fragments) => fragments,
            Err(err) => {
                self.say(format!("not tagged: {err}"), true);
                return;
            }
        };
        let document = view.document.clone();
        let same = self
            .session
            .as_ref()
            .and_then(|s| s.store.project.set(&document, s.annotator()))
            .and_then(|set| set.same_as(label, &fragments))
            .map(|a| a.id.clone());
        if let Some(id) = same {
            self.say(format!("this text is already tagged {label}"), false);
            self.selected = Some(Selected::Own(id));
            return;
        }
        let mut annotation = Annotation::new(label, fragments);
        let id = annotation.id.clone();
        if let Some(view) = &mut self.view {
            view.selection = super::article::Selection { anchor: e, head: e };
        }
        self.palette = None;
        let proposal = self
            .session
            .as_ref()
            .and_then(|s| super::proposal::propose(&s.store.project, &document, &mut annotation));
        self.edit(vec![Edit::insert(annotation)]);
        if self.own_set().is_some_and(|set| set.get(&id).is_some()) {
            self.selected = Some(Selected::Own(id));
            self.tracking.proposal = proposal;
        }
    }

    /// Adds the selection as a further fragment of the selected annotation.
    pub(super) fn add_fragment(&mut self) {
        let (Some(view), Some(selected)) = (&self.view, self.selected_annotation()) else {
            self.say(
                "select one of your annotations first, then the text to add (+)",
                false,
            );
            return;
        };
        let (s, e) = view.selection.range();
        let mut raw: Vec<(u32, u32)> = selected
            .fragments
            .iter()
            .map(|f| (f.start.0, f.end.0))
            .collect();
        raw.push((s.0, e.0));
        match checked_fragments(view.text(), &raw) {
            Ok(fragments) => {
                let mut changed = selected.clone();
                changed.fragments = fragments;
                changed.modified = crate::model::annotation::now();
                self.edit(vec![Edit::replace(changed)]);
            }
            Err(err) => self.say(format!("not added: {err}"), true),
        }
    }

    /// Gives the selected annotation another label (a hotkey with nothing selected in the
    /// text), keeping the attributes the new label has.
    pub(super) fn relabel(&mut self, label: &str) {
        let Some(selected) = self.selected_annotation() else {
            return;
        };
        if selected.label == label {
            return;
        }
        let mut changed = selected.clone();
        changed.label = label.into();
        let mut dropped: Vec<String> = Vec::new();
        if let Some(def) = self
            .session
            .as_ref()
            .and_then(|s| s.store.project.schema.label(label))
        {
            changed.attributes.retain(|k, _| {
                let kept = def.attribute(k).is_some();
                if !kept {
                    dropped.push(k.replace('_', " "));
                }
                kept
            });
            if def.kind != LabelKind::Entity && changed.entity.take().is_some() {
                dropped.push("entity link".to_owned());
            }
        }
        changed.modified = crate::model::annotation::now();
        let before = self.selected_annotation().map(|a| a.label.clone());
        self.edit(vec![Edit::replace(changed)]);
        let done = self.selected_annotation().map(|a| a.label.as_str()) == Some(label);
        if done && !dropped.is_empty() {
            // A label key pressed on a selected annotation (perhaps meant for a field that
            // had lost its focus) must not drop what was filled in without a word.
            let why = if dropped.iter().all(|d| d == "entity link") {
                format!("{label} is not an entity label")
            } else {
                format!("{label} has no such attributes")
            };
            self.say(
                format!(
                    "{} is now {label}: dropped its {} ({why}); Ctrl+Z brings them back",
                    before.unwrap_or_default(),
                    dropped.join(", ")
                ),
                false,
            );
        }
    }

    /// Tags every search hit with a label (linked to an entity), in one undo step, and says
    /// what it skipped and why.
    pub(super) fn tag_all_hits(&mut self, label: &str, entity: Option<Entity>) {
        // The hits of the query as typed, if they were still being found, and the entity of
        // their mentions (the one given was the bar's for the hits shown before).
        let entity = if self.finish_search() {
            self.search.entity.clone()
        } else {
            entity
        };
        let Some(view) = &self.view else { return };
        let Some(session) = &self.session else { return };
        let is_entity_label = session
            .store
            .project
            .schema
            .label(label)
            .is_some_and(|l| l.kind == LabelKind::Entity);
        let entity = entity.filter(|_| is_entity_label);
        let own_registry = session.store.project.registry(session.annotator());
        let needs_copy = entity
            .as_ref()
            .is_some_and(|e| own_registry.and_then(|r| r.get(&e.id)).is_none());
        let (tagged, skipped) = plan_tag_all(
            view.text(),
            self.annotations(),
            &self.search.hits,
            label,
            entity.as_ref().map(|e| &e.id),
        );
        let n = tagged.len();
        let total = self.search.hits.len();
        let mut edits: Vec<Edit> = Vec::new();
        if let Some(e) = entity.as_ref().filter(|_| needs_copy && n > 0) {
            edits.push(Edit::UpsertEntity(Box::new(e.clone())));
        }
        edits.extend(tagged.into_iter().map(Edit::insert));
        let before = self.annotations().len();
        self.edit(edits);
        if self.annotations().len() == before && n > 0 {
            return; // Refused; the reason is said already.
        }
        let linked = entity
            .as_ref()
            .filter(|_| n > 0)
            .map_or(String::new(), |e| format!(", linked to {}", e.name));
        let mut text = format!("tagged {n} of {} as {label}{linked}", plural(total, "hit"));
        if !skipped.is_empty() {
            text.push_str(&format!("; skipped {}", describe_skipped(&skipped)));
        }
        self.say(text, false);
    }

    /// Copies a colleague's annotation into one's own set (with its entity, if one's own
    /// registry lacks it).
    pub(super) fn copy_colleague(&mut self, annotator: &str, id: &AnnotationId) {
        let (Some(session), Some(document)) = (&self.session, self.document()) else {
            return;
        };
        let project = &session.store.project;
        let Some(theirs) = project.set(document, annotator).and_then(|s| s.get(id)) else {
            return;
        };
        let me = session.annotator();
        if let Some(same) = project
            .set(document, me)
            .and_then(|s| s.same_as(&theirs.label, &theirs.fragments))
        {
            let id = same.id.clone();
            self.say(
                format!("you have tagged this text {} already", theirs.label),
                false,
            );
            self.select(Some(Selected::Own(id)));
            return;
        }
        let mut copy = Annotation::new(theirs.label.clone(), theirs.fragments.clone());
        copy.attributes = theirs.attributes.clone();
        copy.entity = theirs.entity.clone();
        copy.note = theirs.note.clone();
        let mut edits = Vec::new();
        if let Some(entity) = &theirs.entity
            && project.registry(me).and_then(|r| r.get(entity)).is_none()
            && let Some(e) = project.registry(annotator).and_then(|r| r.get(entity))
        {
            edits.push(Edit::UpsertEntity(Box::new(e.clone())));
        }
        // Attributes naming the colleague's other annotations would point nowhere in one's
        // own set.
        copy.attributes
            .retain(|_, v| !matches!(v, crate::model::AttrValue::Annotation(_)));
        let new_id = copy.id.clone();
        edits.push(Edit::insert(copy));
        self.edit(edits);
        if self.own_set().is_some_and(|set| set.get(&new_id).is_some()) {
            self.say(format!("copied {annotator}'s annotation into yours"), false);
            self.select(Some(Selected::Own(new_id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CharOffset, DocText};

    #[test]
    fn tag_all_says_which_hits_it_skips_and_why() {
        let text = DocText::new("Putin och Putin och Putin").unwrap();
        let hits: Vec<(CharOffset, CharOffset)> = [(0, 5), (10, 15), (20, 25)]
            .iter()
            .map(|&(s, e)| (CharOffset(s), CharOffset(e)))
            .collect();
        let existing = Annotation::new("Person", checked_fragments(&text, &[(10, 15)]).unwrap());
        let own = crate::model::AnnotationSet::with_annotations("anna", "d", vec![existing]);
        let entity = crate::model::EntityId("vladimir-putin".into());
        let (tagged, skipped) =
            plan_tag_all(&text, own.annotations(), &hits, "Person", Some(&entity));
        assert_eq!(tagged.len(), 2);
        assert!(tagged.iter().all(|a| a.entity.as_ref() == Some(&entity)));
        assert_eq!(
            skipped,
            [SkippedHit {
                start: 10,
                why: "already tagged Person".into()
            }]
        );
        assert_eq!(
            describe_skipped(&skipped),
            "1 already tagged Person (at 10)"
        );
    }
}
