//! The Predictions view: every prediction of the project in a virtualised table that filters
//! (status, holder, document, text) and sorts by any column, and, beside it, the selected
//! prediction with the form that resolves it.

use egui::{Color32, RichText, Sense, vec2};

use super::app::LectorApp;
use super::command::Command;
use super::shorten;
use super::tracking::{TrackCommand, TrackingState};
use crate::model::RecordKey;
use crate::predict::{ResolutionStatus, StatusFilter, TrackedPrediction};

/// A column of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// The holder's name.
    Holder,
    /// The prediction's text.
    Text,
    /// The certainty grade.
    Certainty,
    /// The condition.
    Condition,
    /// The due date.
    Due,
    /// How it turned out.
    Status,
    /// The document.
    Document,
    /// Who tagged it.
    Annotators,
}

impl Column {
    const ALL: [Self; 8] = [
        Self::Holder,
        Self::Text,
        Self::Certainty,
        Self::Condition,
        Self::Due,
        Self::Status,
        Self::Document,
        Self::Annotators,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Holder => "Holder",
            Self::Text => "Text",
            Self::Certainty => "Certainty",
            Self::Condition => "Condition",
            Self::Due => "Due",
            Self::Status => "Status",
            Self::Document => "Document",
            Self::Annotators => "Annotators",
        }
    }

    /// The column's natural and smallest widths; the text takes what is left.
    fn width(self) -> (f32, f32) {
        match self {
            Self::Holder => (140.0, 90.0),
            Self::Text => (0.0, 0.0),
            Self::Certainty => (95.0, 80.0),
            Self::Condition => (110.0, 80.0),
            // A whole date.
            Self::Due => (90.0, 82.0),
            // "did not come true" whole.
            Self::Status => (120.0, 110.0),
            Self::Document => (100.0, 70.0),
            Self::Annotators => (85.0, 60.0),
        }
    }
}

/// What the shown rows depend on.
type RowsKey = (
    Option<u64>,
    bool,
    jiff::civil::Date,
    StatusFilter,
    Option<String>,
    Option<String>,
    String,
    (Column, bool),
);

/// The Predictions view's state.
#[derive(Debug)]
pub struct PredictionsView {
    /// Which predictions.
    pub status: StatusFilter,
    /// Only this holder's (an entity id; empty: those without a holder).
    pub holder: Option<String>,
    /// Only this document's.
    pub document: Option<String>,
    /// Only those whose text, holder or document contains this.
    pub text: String,
    /// The column sorted by, and whether descending.
    pub sort: (Column, bool),
    /// The prediction selected (its shown copy).
    pub selected: Option<RecordKey>,
    rows_key: Option<RowsKey>,
    rows: Vec<usize>,
    /// What the Find field looks in.
    pub(super) find: super::tracking::FindTexts,
    /// The resolution being typed.
    pub form: super::resolve::ResolveForm,
}

impl Default for PredictionsView {
    fn default() -> Self {
        Self {
            status: StatusFilter::All,
            holder: None,
            document: None,
            text: String::new(),
            sort: (Column::Due, false),
            selected: None,
            rows_key: None,
            rows: Vec::new(),
            find: super::tracking::FindTexts::default(),
            form: super::resolve::ResolveForm::default(),
        }
    }
}

impl PredictionsView {
    /// The rows of the last frame: indices into the counted predictions, in order.
    pub fn shown(&self) -> &[usize] {
        &self.rows
    }

    /// What the shown rows were computed for (the counts' revision, or their content revision
    /// when the rows do not depend on how predictions turned out), to tell whether a frame
    /// recomputed them.
    pub fn rows_revision(&self) -> Option<u64> {
        self.rows_key.as_ref().and_then(|k| k.0)
    }

    /// Filters to the predictions due.
    pub fn show_due(&mut self) {
        self.status = StatusFilter::Due;
        self.holder = None;
        self.document = None;
        self.text.clear();
    }
}

/// The predictions' [`FindTexts`](super::tracking::FindTexts): text, holder, document.
pub(super) fn find_texts(predictions: &[TrackedPrediction]) -> Vec<String> {
    super::tracking::FindTexts::make(predictions.iter().map(|p| {
        (
            p.text.as_str(),
            p.holder_name.as_deref(),
            p.document.as_str(),
        )
    }))
}

/// The indices (into the tracker's predictions) of the rows shown, in order; recomputed only
/// when the predictions or the filters change.
pub fn rows(tracking: &mut TrackingState) -> &[usize] {
    let view = &tracking.predictions;
    // Rows that depend on how the predictions turned out (a status filter, the status
    // column) are made again after a resolution; the others only when the predictions
    // change (a resolution took a 7-12 ms frame to filter and sort 120k rows again).
    let outcomes = view.status != StatusFilter::All || view.sort.0 == Column::Status;
    let key: RowsKey = (
        if outcomes {
            tracking.built_at()
        } else {
            tracking.counted_at()
        },
        outcomes,
        tracking.today,
        view.status,
        view.holder.clone(),
        view.document.clone(),
        view.text.to_lowercase(),
        view.sort,
    );
    if tracking.predictions.rows_key.as_ref() == Some(&key) {
        return &tracking.predictions.rows;
    }
    let today = tracking.today;
    let built = tracking.counted_at();
    let predictions = &tracking.tracker.predictions;
    let view = &mut tracking.predictions;
    let needle = &key.6;
    if !needle.is_empty() {
        view.find.refresh(built, || find_texts(predictions));
    }
    let shown = predictions
        .iter()
        .enumerate()
        .filter(|(_, p)| view.status.accepts(p, today))
        .filter(|(_, p)| {
            view.holder.as_deref().is_none_or(|h| match &p.holder {
                Some(id) => id.0 == h,
                None => h.is_empty(),
            })
        })
        .filter(|(_, p)| view.document.as_ref().is_none_or(|d| &p.document == d))
        .filter(|(i, _)| needle.is_empty() || view.find.contains(*i, needle));
    let (column, descending) = view.sort;
    view.rows = match column {
        Column::Holder => ordered(shown, descending, |p| {
            missing_last(p.holder_name.as_deref())
        }),
        Column::Text => ordered(shown, descending, |p| p.text.to_lowercase()),
        Column::Certainty => ordered(shown, descending, |p| missing_last(certainty_rank(p))),
        Column::Condition => ordered(shown, descending, |p| missing_last(p.condition.as_deref())),
        Column::Due => ordered(shown, descending, |p| missing_last(p.due)),
        Column::Status => ordered(shown, descending, |p| status_text(p, today)),
        Column::Document => ordered(shown, descending, |p| p.document.as_str()),
        Column::Annotators => ordered(shown, descending, |p| p.annotators.as_slice()),
    };
    view.rows_key = Some(key);
    &view.rows
}

/// The rows' indices in the order of `key`, then of index (all reversed when
/// `descending`). Each row's key is made once: comparisons that made both rows' (a lower-cased
/// text, a status in words, a certainty's rank) took 20-100 ms to sort 120k predictions.
fn ordered<'p, K: Ord>(
    rows: impl Iterator<Item = (usize, &'p TrackedPrediction)>,
    descending: bool,
    key: impl Fn(&'p TrackedPrediction) -> K,
) -> Vec<usize> {
    let mut keyed: Vec<(K, usize)> = rows.map(|(i, p)| (key(p), i)).collect();
    // Every index differs: unstable is as good as stable here.
    keyed.sort_unstable();
    if descending {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// A key under which a missing value sorts after every value.
fn missing_last<T>(value: Option<T>) -> (bool, Option<T>) {
    (value.is_none(), value)
}

fn certainty_rank(p: &TrackedPrediction) -> Option<usize> {
    let grade = crate::predict::Certainty::from_name(p.certainty.as_deref()?)?;
    crate::predict::Certainty::ALL
        .iter()
        .position(|g| *g == grade)
}

/// "open", "open · due", "open · overdue", "came true", …
fn status_text(p: &TrackedPrediction, today: jiff::civil::Date) -> &'static str {
    if p.is_overdue(today) {
        "open · overdue"
    } else if p.is_due(today) {
        "open · due"
    } else {
        p.status.words()
    }
}

fn status_color(theme: &super::theme::Theme, status: ResolutionStatus) -> Color32 {
    match status {
        ResolutionStatus::Open => theme.warning(),
        ResolutionStatus::CameTrue => theme.ok(),
        ResolutionStatus::DidNotComeTrue => theme.error(),
        ResolutionStatus::Ambiguous | ResolutionStatus::Withdrawn => theme.muted(),
    }
}

/// The filters and the table.
pub fn table_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    filters_ui(app, ui);
    ui.separator();
    let today = app.tracking.today;
    let natural: Vec<(f32, f32)> = Column::ALL.iter().map(|c| c.width()).collect();
    // Least needed first: annotators, document, condition, certainty.
    let widths = super::tracking::table_widths(ui.available_width(), &natural, &[7, 6, 3, 2]);
    header_ui(app, ui, &widths);
    let tracking = &mut app.tracking;
    let rows = rows(tracking).to_vec();
    let tracking = &app.tracking;
    let predictions = &tracking.tracker().predictions;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let mut out = Vec::new();
    egui::ScrollArea::vertical()
        .id_salt("predictions-table")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &i in rows.get(range).unwrap_or(&[]) {
                let Some(p) = predictions.get(i) else {
                    continue;
                };
                let key = p.key();
                let selected = tracking.predictions.selected.as_ref() == Some(&key);
                let response = row_ui(ui, p, &widths, row_height, selected, today);
                if response.double_clicked() {
                    out.push(jump(p));
                } else if response.clicked() {
                    out.push(Command::Track(TrackCommand::SelectPrediction(key)));
                }
            }
        });
    app.commands.extend(out);
}

/// The command that shows a prediction in its article.
pub fn jump(p: &TrackedPrediction) -> Command {
    Command::Track(TrackCommand::JumpTo {
        key: p.key(),
        start: p.fragments.first().map(|f| f.start).unwrap_or_default(),
        end: p.fragments.last().map(|f| f.end).unwrap_or_default(),
    })
}

fn filters_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let tracking = &mut app.tracking;
    let holders = &tracking.lists.holders;
    let documents = &tracking.lists.documents;
    let tracker = &tracking.tracker;
    let total = tracker.predictions.len();
    let view = &mut tracking.predictions;
    ui.horizontal_wrapped(|ui| {
        ui.heading("Predictions");
        let label = ui.label("Status");
        egui::ComboBox::from_id_salt("predictions-status")
            .selected_text(view.status.name())
            .show_ui(ui, |ui| {
                for f in StatusFilter::ALL {
                    ui.selectable_value(&mut view.status, f, f.name());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Holder");
        let shown = match &view.holder {
            None => "everyone".to_owned(),
            Some(h) if h.is_empty() => "no holder".to_owned(),
            Some(h) => holders
                .iter()
                .find(|(_, id)| id == h)
                .map_or(h.clone(), |(n, _)| n.clone()),
        };
        egui::ComboBox::from_id_salt("predictions-holder")
            .selected_text(shorten(&shown, 24))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut view.holder, None, "everyone");
                ui.selectable_value(&mut view.holder, Some(String::new()), "no holder");
                for (name, id) in holders {
                    ui.selectable_value(&mut view.holder, Some(id.clone()), name);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Document");
        egui::ComboBox::from_id_salt("predictions-document")
            .selected_text(shorten(view.document.as_deref().unwrap_or("all"), 24))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut view.document, None, "all");
                for d in documents {
                    ui.selectable_value(&mut view.document, Some(d.clone()), d);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Find");
        ui.add(
            egui::TextEdit::singleline(&mut view.text)
                .hint_text("text, holder or document")
                .desired_width(180.0)
                .id_salt("predictions-find"),
        )
        .labelled_by(label.id);
    });
    let shown = rows(tracking).len();
    ui.label(
        RichText::new(format!(
            "{shown} of {total} predictions · due means open with a due date on or before \
             today ({}) · double-click a row to see it in its article",
            tracking.today
        ))
        .small()
        .weak(),
    );
}

fn header_ui(app: &mut LectorApp, ui: &mut egui::Ui, widths: &[f32]) {
    let view = &mut app.tracking.predictions;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        for (column, width) in Column::ALL.iter().zip(widths) {
            if *width <= 0.0 {
                continue;
            }
            let arrow = match view.sort {
                (c, false) if c == *column => " ⬆",
                (c, true) if c == *column => " ⬇",
                _ => "",
            };
            let button =
                egui::Button::new(RichText::new(format!("{}{arrow}", column.name())).strong())
                    .frame(false)
                    .min_size(vec2(*width, 0.0));
            if ui
                .add_sized([*width, 20.0], button)
                .on_hover_text("Sort by this column; again to reverse")
                .clicked()
            {
                view.sort = if view.sort.0 == *column {
                    (*column, !view.sort.1)
                } else {
                    (*column, false)
                };
            }
        }
    });
}

fn row_ui(
    ui: &mut egui::Ui,
    p: &TrackedPrediction,
    widths: &[f32],
    height: f32,
    selected: bool,
    today: jiff::civil::Date,
) -> egui::Response {
    let total: f32 = widths.iter().sum();
    let (rect, response) = ui.allocate_exact_size(vec2(total, height), Sense::click());
    let holder = p
        .holder_name
        .clone()
        .or_else(|| p.holder.as_ref().map(|h| h.0.clone()))
        .unwrap_or_else(|| "—".to_owned());
    let label = format!("{holder} · {}", p.text);
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, label.clone())
    });
    let response = response.on_hover_text(&p.text);
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let visuals = ui.visuals();
    if selected {
        ui.painter()
            .rect_filled(rect, 2.0, visuals.selection.bg_fill.gamma_multiply(0.5));
    } else if response.hovered() {
        ui.painter().rect_filled(rect, 2.0, visuals.faint_bg_color);
    }
    let text_color = visuals.text_color();
    let status = status_text(p, today);
    let cells: [(String, Color32); 8] = [
        (holder, text_color),
        (p.text.replace('\n', " "), text_color),
        (
            p.certainty
                .as_deref()
                .map_or_else(|| "—".into(), |c| c.replace('_', " ")),
            text_color,
        ),
        (p.condition.clone().unwrap_or_default(), text_color),
        (
            p.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            text_color,
        ),
        (
            status.to_owned(),
            status_color(&super::theme::Theme::of(ui), p.status),
        ),
        (p.document.clone(), text_color),
        (p.annotators.join(", "), text_color),
    ];
    let font = egui::TextStyle::Body.resolve(ui.style());
    let mut x = rect.left();
    for ((text, color), width) in cells.into_iter().zip(widths) {
        if *width <= 0.0 {
            continue;
        }
        let cell = egui::Rect::from_min_size(egui::pos2(x, rect.top()), vec2(*width - 8.0, height));
        // A text wider than its column ends in "…", so that a cut word does not read as
        // another ("Lukashenkc").
        let mut job = egui::text::LayoutJob::simple_singleline(text, font.clone(), color);
        job.wrap = egui::text::TextWrapping::truncate_at_width(cell.width() - 4.0);
        let galley = ui.painter().layout_job(job);
        let at = egui::pos2(cell.left() + 4.0, cell.center().y - galley.size().y / 2.0);
        ui.painter().with_clip_rect(cell).galley(at, galley, color);
        x += width;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::Tracker;

    /// Predictions with many ties and missing values in every column.
    fn varied() -> Vec<TrackedPrediction> {
        let mut seed = 7_u32;
        let mut pick = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) % n
        };
        (0..300)
            .map(|i| {
                let texts = [
                    "Det är troligt",
                    "det är TROLIGT",
                    "Ökningen",
                    "ökar",
                    "Σίσυφος",
                ];
                let names = [None, Some("Putin"), Some("Lukasjenko"), Some("anna")];
                let grades = [
                    None,
                    Some("certain"),
                    Some("possible"),
                    Some("unknown"),
                    Some("x"),
                ];
                let statuses = ResolutionStatus::ALL;
                let status = statuses[pick(statuses.len() as u32) as usize];
                let due = match pick(4) {
                    0 => None,
                    k => Some(jiff::civil::date(2026, 1 + k as i8 * 3, 1)),
                };
                TrackedPrediction {
                    document: format!("d{}", pick(3)),
                    annotator: "anna".into(),
                    id: crate::model::AnnotationId::from(format!("p{i}").as_str()),
                    text: texts[pick(5) as usize].into(),
                    fragments: Vec::new(),
                    holder: None,
                    holder_name: names[pick(4) as usize].map(str::to_owned),
                    certainty: grades[pick(5) as usize].map(str::to_owned),
                    stated_probability: None,
                    condition: [None, Some("om han samarbetar"), Some("Om")][pick(3) as usize]
                        .map(str::to_owned),
                    due,
                    status,
                    resolved_at: None,
                    resolved_by: None,
                    evidence: Vec::new(),
                    resolution_note: None,
                    annotators: [vec!["anna".into()], vec!["anna".into(), "erik".into()]]
                        [pick(2) as usize]
                        .clone(),
                    copies: Vec::new(),
                }
            })
            .collect()
    }

    /// The order as a comparison of two rows gave it, before each row's key was made once.
    fn compared(
        column: Column,
        x: &TrackedPrediction,
        y: &TrackedPrediction,
        today: jiff::civil::Date,
    ) -> std::cmp::Ordering {
        fn last<T: Ord>(a: Option<T>, b: Option<T>) -> std::cmp::Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        }
        match column {
            Column::Holder => last(x.holder_name.as_deref(), y.holder_name.as_deref()),
            Column::Text => x.text.to_lowercase().cmp(&y.text.to_lowercase()),
            Column::Certainty => last(certainty_rank(x), certainty_rank(y)),
            Column::Condition => last(x.condition.as_deref(), y.condition.as_deref()),
            Column::Due => last(x.due, y.due),
            Column::Status => status_text(x, today).cmp(status_text(y, today)),
            Column::Document => x.document.cmp(&y.document),
            Column::Annotators => x.annotators.cmp(&y.annotators),
        }
    }

    /// Every column, both ways, orders the rows as comparing them did: missing values after
    /// the rest (before, read backwards), ties in the order counted.
    #[test]
    fn rows_sort_by_every_column_as_comparing_them_did() {
        let mut tracking = TrackingState::default();
        tracking.today = jiff::civil::date(2026, 6, 1);
        tracking.tracker = Tracker::default();
        tracking.tracker.predictions = varied();
        let today = tracking.today;
        for column in Column::ALL {
            for descending in [false, true] {
                tracking.predictions.sort = (column, descending);
                let rows = rows(&mut tracking).to_vec();
                let predictions = &tracking.tracker.predictions;
                let mut expected: Vec<usize> = (0..predictions.len()).collect();
                expected.sort_by(|&a, &b| {
                    let order =
                        compared(column, &predictions[a], &predictions[b], today).then(a.cmp(&b));
                    if descending { order.reverse() } else { order }
                });
                assert_eq!(rows, expected, "{column:?}, descending {descending}");
            }
        }
    }

    /// After each resolution, the rows of every status filter and sort are what making them
    /// afresh gives: those that depend on how predictions turned out are made again, and
    /// those kept are still right.
    #[test]
    fn after_a_resolution_the_rows_are_as_made_afresh() {
        use crate::predict::ResolutionStatus;
        let dir = tempfile::tempdir().unwrap();
        let mut session = crate::ui::sample_session(dir.path());
        let mut tracking = TrackingState::default();
        assert!(tracking.refresh(&session, None));
        let views: Vec<(StatusFilter, (Column, bool))> = StatusFilter::ALL
            .into_iter()
            .flat_map(|f| [Column::Status, Column::Holder, Column::Text].map(|c| (f, (c, false))))
            .collect();
        let statuses = [
            ResolutionStatus::CameTrue,
            ResolutionStatus::DidNotComeTrue,
            ResolutionStatus::Open,
        ];
        let mut applied = 0;
        for (step, &(status, sort)) in views.iter().cycle().take(3 * views.len()).enumerate() {
            // The view's rows as of now, kept by the view.
            tracking.predictions.status = status;
            tracking.predictions.sort = sort;
            rows(&mut tracking);
            let p = &tracking.tracker().predictions[step % tracking.tracker().predictions.len()];
            let key = p.key();
            let edit = match statuses[step % 3] {
                ResolutionStatus::Open => crate::session::Edit::Unresolve(Box::new(key)),
                status => crate::session::Edit::Resolve(Box::new(crate::ui::tracking::new_record(
                    key, status, None, "", "", "",
                ))),
            };
            let document = p.document.clone();
            if session.apply(&document, vec![edit]).is_err() {
                // Not resolved: nothing to take back.
                continue;
            }
            applied += 1;
            assert!(tracking.refresh(&session, None));
            let kept = rows(&mut tracking).to_vec();
            tracking.predictions.rows_key = None;
            let afresh = rows(&mut tracking).to_vec();
            assert_eq!(kept, afresh, "step {step}: {status:?} by {sort:?}");
        }
        assert!(applied > 20, "{applied}");
    }

    /// A window left open past midnight: the predictions due are counted again for the new
    /// day, and the Due filter's rows are made again with it.
    #[test]
    fn what_is_due_and_the_due_rows_follow_the_date() {
        let mut tracking = TrackingState::default();
        tracking.tracker = Tracker::default();
        tracking.tracker.predictions = varied();
        let open_due: Vec<jiff::civil::Date> = tracking
            .tracker
            .predictions
            .iter()
            .filter(|p| p.status == ResolutionStatus::Open)
            .filter_map(|p| p.due)
            .collect();
        let (first, last) = (
            *open_due.iter().min().unwrap(),
            *open_due.iter().max().unwrap(),
        );
        assert!(first < last);
        tracking.follow_date(first.yesterday().unwrap());
        tracking.predictions.status = StatusFilter::Due;
        assert_eq!(tracking.due, 0);
        assert!(rows(&mut tracking).is_empty());
        assert!(tracking.follow_date(last), "a new day");
        assert!(!tracking.follow_date(last), "the same day");
        assert_eq!(tracking.due, open_due.len());
        assert_eq!(rows(&mut tracking).len(), open_due.len());
    }
}
