//! The annotation list: the open document's annotations (one's own, and the colleagues'
//! shown beside them, marked with their name), filtered by label and text, virtualised.

use egui::RichText;

use super::super::app::LectorApp;
use super::super::command::Command;
use super::super::selected::Selected;
use super::super::shorten;
use super::super::theme::Theme;
use crate::model::{Annotation, Annotations, DocText, Schema};

/// What the rows depend on: document, revision, the sets' sizes, filters.
/// What the rows were made for: the document, the session's revision, whose sets (own:
/// `None`) and how many annotations each, the text filter and the label.
type RowsKey = (
    String,
    u64,
    Vec<(Option<String>, usize)>,
    String,
    Option<String>,
);

/// The list's own state: its filters and the rows they give.
#[derive(Debug, Default)]
pub struct ListState {
    /// Filter text.
    pub filter: String,
    /// Only this label.
    pub label: Option<String>,
    key: Option<RowsKey>,
    rows: Rows,
    /// The selection the list last followed, and the rows it showed then.
    followed: Option<Selected>,
    visible: std::ops::Range<usize>,
}

/// The rows the filters give, each (whose: 0 is one's own, k is the k-th shown colleague;
/// index in that set).
#[derive(Debug)]
enum Rows {
    /// Every annotation of one's own set, in its order: nothing to filter or merge, so no
    /// list of 100k rows is made again after each edit.
    All(usize),
    /// Every annotation of every set shown, merged in text order (one's own first where they
    /// start at the same place) as rows are asked for, not listed: this many. Listing and
    /// sorting a book's and a colleague's 600k rows took a 35–40 ms frame at each switch.
    Merged(usize),
    /// The rows that passed the filters.
    Some(Vec<(usize, usize)>),
}

impl Default for Rows {
    fn default() -> Self {
        Self::All(0)
    }
}

/// Where annotation `i` of set `whose` starts.
fn start_of(sets: &[Annotations<'_>], whose: usize, i: usize) -> Option<u32> {
    Some(sets.get(whose)?.get(i)?.start().0)
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Self::All(n) | Self::Merged(n) => *n,
            Self::Some(rows) => rows.len(),
        }
    }

    /// The rows at `range`, of these sets.
    fn rows_in(
        &self,
        range: std::ops::Range<usize>,
        sets: &[Annotations<'_>],
    ) -> Vec<(usize, usize)> {
        match self {
            Self::All(n) => range.filter(|k| k < n).map(|k| (0, k)).collect(),
            Self::Some(rows) => rows.get(range).unwrap_or_default().to_vec(),
            Self::Merged(n) => {
                let range = range.start.min(*n)..range.end.min(*n);
                if range.is_empty() {
                    return Vec::new();
                }
                // Where each set stands at the first row: the first start `v` with at least
                // `range.start` rows before it, then the rows that start there in set order.
                let before =
                    |v: u32| -> usize { sets.iter().map(|set| set.starting_before(v)).sum() };
                let last = sets
                    .iter()
                    .filter_map(|set| Some(set.last()?.start().0))
                    .max()
                    .unwrap_or(0);
                let (mut lo, mut hi) = (0u32, last);
                while lo < hi {
                    let mid = lo + (hi - lo).div_ceil(2);
                    if before(mid) <= range.start {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                let mut skip = range.start - before(lo);
                let mut at: Vec<usize> = sets
                    .iter()
                    .map(|set| {
                        let from = set.starting_before(lo);
                        let here = set.starting_through(lo) - from;
                        let taken = skip.min(here);
                        skip -= taken;
                        from + taken
                    })
                    .collect();
                // Then merged as the rows are asked for.
                let mut rows = Vec::with_capacity(range.len());
                while rows.len() < range.len() {
                    let next = (0..sets.len())
                        .filter_map(|w| Some((start_of(sets, w, at[w])?, w)))
                        .min();
                    let Some((_, w)) = next else { break };
                    rows.push((w, at[w]));
                    at[w] += 1;
                }
                rows
            }
        }
    }

    fn position(&self, row: (usize, usize), sets: &[Annotations<'_>]) -> Option<usize> {
        match self {
            Self::All(n) => (row.0 == 0 && row.1 < *n).then_some(row.1),
            Self::Some(rows) => rows.iter().position(|&r| r == row),
            Self::Merged(_) => {
                let (whose, i) = row;
                let start = start_of(sets, whose, i)?;
                Some(
                    sets.iter()
                        .enumerate()
                        .map(|(w, set)| match w.cmp(&whose) {
                            std::cmp::Ordering::Less => set.starting_through(start),
                            std::cmp::Ordering::Equal => i,
                            std::cmp::Ordering::Greater => set.starting_before(start),
                        })
                        .sum(),
                )
            }
        }
    }
}

/// What the list shows.
pub struct ListInput<'a> {
    /// The document's text.
    pub text: &'a DocText,
    /// The document.
    pub document: &'a str,
    /// The schema.
    pub schema: &'a Schema,
    /// The session's revision.
    pub revision: u64,
    /// One's own annotations, then each shown colleague's, with their names.
    pub sets: Vec<(Option<&'a str>, Annotations<'a>)>,
    /// What is selected.
    pub selected: Option<&'a Selected>,
    /// The selected annotation's place, when the list has not followed it yet: its entry in
    /// `sets` and its index there, found by its id (a binary search; looking for it row by
    /// row took a scan of the set at every tag, which selects the new annotation).
    pub selected_at: Option<(usize, usize)>,
}

impl<'a> ListInput<'a> {
    /// The sets' annotations, in the order of [`Self::sets`].
    fn annotations(&self) -> Vec<Annotations<'a>> {
        self.sets.iter().map(|(_, set)| *set).collect()
    }

    /// What the app holds now for the list in `state`; `None` without a document.
    pub fn of(app: &'a LectorApp, state: &ListState) -> Option<Self> {
        let session = app.session.as_ref()?;
        let view = app.view.as_ref()?;
        let project = &session.store.project;
        let own = project
            .set(&view.document, session.annotator())
            .map(|s| s.annotations())
            .unwrap_or_default();
        let mut sets = vec![(None, own)];
        for who in app.colleagues.shown() {
            if let Some(set) = project.set(&view.document, who) {
                sets.push((Some(who.as_str()), set.annotations()));
            }
        }
        let unfollowed = app
            .selected
            .as_ref()
            .filter(|s| Some(*s) != state.followed.as_ref());
        let selected_at = unfollowed.and_then(|selected| {
            let (whose, set) = match selected {
                Selected::Own(_) => (0, project.set(&view.document, session.annotator())?),
                Selected::Colleague { annotator, .. } => (
                    sets.iter()
                        .position(|(owner, _)| *owner == Some(annotator.as_str()))?,
                    project.set(&view.document, annotator)?,
                ),
            };
            Some((whose, set.position(selected.id())?))
        });
        Some(Self {
            text: view.text(),
            document: &view.document,
            schema: &project.schema,
            revision: session.revision(),
            sets,
            selected: app.selected.as_ref(),
            selected_at,
        })
    }
}

/// The list: filters above, rows below.
pub fn ui(ui: &mut egui::Ui, input: &ListInput<'_>, state: &mut ListState) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        ui.strong("Annotations");
        egui::ComboBox::from_id_salt("list-label")
            .selected_text(state.label.clone().unwrap_or_else(|| "all labels".into()))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.label.is_none(), "all labels")
                    .clicked()
                {
                    state.label = None;
                }
                for l in &input.schema.labels {
                    if ui
                        .selectable_label(state.label.as_deref() == Some(&l.name), &l.name)
                        .clicked()
                    {
                        state.label = Some(l.name.clone());
                    }
                }
            })
            .response
            .accessible_name("Show annotations with label");
    });
    ui.add(
        egui::TextEdit::singleline(&mut state.filter)
            .hint_text("filter by text")
            .desired_width(f32::INFINITY),
    )
    .accessible_name("Filter annotations by text");
    refresh_rows(input, state);
    let theme = Theme::of(ui);
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    let mut area = egui::ScrollArea::vertical()
        .id_salt("annotation-list")
        .auto_shrink([false, false]);
    // An annotation selected elsewhere (in the text, by Tab, by search): its row comes into
    // view, unless it shows already.
    if input.selected != state.followed.as_ref() {
        state.followed = input.selected.cloned();
        if let Some(row) = input
            .selected_at
            .and_then(|at| state.rows.position(at, &input.annotations()))
            && !state.visible.contains(&row)
        {
            let spacing = ui.spacing().item_spacing.y;
            let above = 2.0 * (row_height + spacing);
            area =
                area.vertical_scroll_offset((row as f32 * (row_height + spacing) - above).max(0.0));
        }
    }
    let mut visible = 0..0;
    let sets = input.annotations();
    area.show_rows(ui, row_height, state.rows.len(), |ui, range| {
        visible = range.clone();
        for (whose, i) in state.rows.rows_in(range, &sets) {
            let Some((owner, set)) = input.sets.get(whose) else {
                continue;
            };
            let Some(a) = set.get(i) else { continue };
            if let Some(command) = row_ui(ui, input, &theme, *owner, a) {
                out.push(command);
            }
        }
    });
    state.visible = visible;
    out
}

/// Filters the rows again when the annotations or the filters changed (filtering 100k
/// annotations by their text every frame would cost milliseconds).
fn refresh_rows(input: &ListInput<'_>, state: &mut ListState) {
    let key = (
        input.document.to_owned(),
        input.revision,
        input
            .sets
            .iter()
            .map(|(who, s)| (who.map(str::to_owned), s.len()))
            .collect(),
        state.filter.clone(),
        state.label.clone(),
    );
    if state.key.as_ref() == Some(&key) {
        return;
    }
    if state.filter.is_empty() && state.label.is_none() {
        state.rows = match input.sets[..] {
            [(_, own)] => Rows::All(own.len()),
            _ => Rows::Merged(input.sets.iter().map(|(_, set)| set.len()).sum()),
        };
        state.key = Some(key);
        return;
    }
    let filter = state.filter.to_lowercase();
    // Each row with its start, read as it is listed.
    let mut rows: Vec<(u32, usize, usize)> = Vec::new();
    for (whose, (_, set)) in input.sets.iter().enumerate() {
        rows.extend(
            set.iter()
                .enumerate()
                .filter(|(_, a)| state.label.as_ref().is_none_or(|l| a.label == l))
                .filter(|(_, a)| {
                    filter.is_empty() || a.covered_text(input.text).to_lowercase().contains(&filter)
                })
                .map(|(i, a)| (a.start().0, whose, i)),
        );
    }
    if input.sets.len() > 1 {
        // Everyone's in text order, one's own first where they start at the same place.
        rows.sort_by_key(|&(start, whose, _)| (start, whose));
    }
    state.rows = Rows::Some(rows.into_iter().map(|(_, whose, i)| (whose, i)).collect());
    state.key = Some(key);
}

fn row_ui(
    ui: &mut egui::Ui,
    input: &ListInput<'_>,
    theme: &Theme,
    owner: Option<&str>,
    a: &Annotation,
) -> Option<Command> {
    let color = input
        .schema
        .label(&a.label)
        .map_or(theme.muted(), |l| theme.label_text(l.color));
    let this = match owner {
        None => Selected::Own(a.id.clone()),
        Some(who) => Selected::Colleague {
            annotator: who.to_owned(),
            id: a.id.clone(),
        },
    };
    let selected = input.selected == Some(&this);
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.label(RichText::new("•").color(color));
        // The row is cut at the panel's edge; the whole text on hover.
        let hover = crate::ui::covered_preview(a, input.text, 400);
        let text = format!("{} · {}", a.label, shorten(&hover, 48));
        let text = match owner {
            None => RichText::new(text),
            Some(who) => RichText::new(format!("{who} · {text}")).italics(),
        };
        clicked = ui
            .add(egui::Button::selectable(selected, text).truncate())
            .on_hover_text(hover)
            .clicked();
    });
    let command = match this {
        Selected::Own(id) => Command::Select(Some(id)),
        Selected::Colleague { annotator, id } => Command::SelectColleague { annotator, id },
    };
    clicked.then_some(command)
}

#[cfg(test)]
mod tests {
    use super::Rows;
    use crate::model::{Annotation, AnnotationSet, Annotations, CharOffset, Fragment};

    /// Everyone's rows merged as they are asked for are the rows listed and sorted as before
    /// (by start, one's own first, then in each set's order), over any range, and each row's
    /// position is where it is listed: sets with many equal starts, empty ones, three sets.
    #[test]
    fn merged_rows_are_the_rows_listed_and_sorted() {
        let mut rng = fastrand::Rng::with_seed(9);
        for round in 0..60 {
            let sets: Vec<AnnotationSet> = (0..2 + round % 2)
                .map(|w| {
                    let n = if round % 7 == 0 && w == 1 {
                        0
                    } else {
                        rng.usize(..300)
                    };
                    let spread = [5, 50, 5_000][round % 3];
                    let mut set = AnnotationSet::new(format!("a{w}"), "d");
                    set.replace_all(
                        (0..n)
                            .map(|_| {
                                let start = rng.u32(..spread);
                                let fragment = Fragment {
                                    start: CharOffset(start),
                                    end: CharOffset(start + 1 + rng.u32(..9)),
                                };
                                Annotation::new("Person", vec![fragment])
                            })
                            .collect(),
                    );
                    set
                })
                .collect();
            let views: Vec<Annotations<'_>> = sets.iter().map(AnnotationSet::annotations).collect();
            let mut listed: Vec<(u32, usize, usize)> = Vec::new();
            for (w, set) in views.iter().enumerate() {
                listed.extend(set.iter().enumerate().map(|(i, a)| (a.start().0, w, i)));
            }
            listed.sort_by_key(|&(start, w, _)| (start, w));
            let listed: Vec<(usize, usize)> = listed.into_iter().map(|(_, w, i)| (w, i)).collect();
            let rows = Rows::Merged(listed.len());
            assert_eq!(
                rows.rows_in(0..listed.len() + 5, &views),
                listed,
                "round {round}"
            );
            for _ in 0..20 {
                let a = rng.usize(..=listed.len());
                let b = (a + rng.usize(..40)).min(listed.len());
                assert_eq!(
                    rows.rows_in(a..b, &views),
                    listed[a..b],
                    "round {round}: {a}..{b}"
                );
            }
            for (k, row) in listed.iter().enumerate() {
                assert_eq!(
                    rows.position(*row, &views),
                    Some(k),
                    "round {round}: {row:?}"
                );
            }
        }
    }

    /// Filtered rows are made again when another colleague is shown in place of one with as
    /// many annotations: they name that colleague's annotations, not the other's.
    #[test]
    fn filtered_rows_follow_the_colleague_shown() {
        use super::{ListInput, ListState, refresh_rows};
        let text = crate::model::DocText::new("Putin möter Lukashenko i Sotji.").unwrap();
        let schema = crate::model::Schema::news_default();
        let set = |who: &str, spans: &[(u32, u32)]| {
            let mut set = AnnotationSet::new(who, "d");
            set.replace_all(
                spans
                    .iter()
                    .map(|&(a, b)| {
                        let fragment = Fragment {
                            start: CharOffset(a),
                            end: CharOffset(b),
                        };
                        Annotation::new("Person", vec![fragment])
                    })
                    .collect(),
            );
            set
        };
        let own = set("anna", &[(0, 5)]);
        let bo = set("bo", &[(12, 22)]);
        let cy = set("cy", &[(25, 30)]);
        fn input<'a>(
            text: &'a crate::model::DocText,
            schema: &'a crate::model::Schema,
            own: &'a AnnotationSet,
            who: &'static str,
            theirs: &'a AnnotationSet,
        ) -> ListInput<'a> {
            ListInput {
                text,
                document: "d",
                schema,
                revision: 1,
                sets: vec![(None, own.annotations()), (Some(who), theirs.annotations())],
                selected: None,
                selected_at: None,
            }
        }
        let mut state = ListState {
            filter: "sotji".to_owned(),
            ..ListState::default()
        };
        refresh_rows(&input(&text, &schema, &own, "bo", &bo), &mut state);
        assert_eq!(state.rows.len(), 0, "bo's is Lukashenko");
        refresh_rows(&input(&text, &schema, &own, "cy", &cy), &mut state);
        assert_eq!(state.rows.len(), 1, "cy's is Sotji");
    }
}
