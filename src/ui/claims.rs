//! The Claims view: every claim of the project (source, check-worthiness, verdict,
//! evidence) in a virtualised table that filters by verdict, source and text, and beside it
//! the selected claim with the form that records its verdict.

use egui::{Color32, RichText, Sense, vec2};

use super::app::LectorApp;
use super::command::Command;
use super::shorten;
use super::tracking::{TrackCommand, TrackingState, new_record};
use crate::model::RecordKey;
use crate::predict::{TrackedClaim, Verdict, VerdictSource};

/// Each column's natural and smallest widths; the claim's text takes what is left.
const WIDTHS: [(f32, f32); 6] = [
    (140.0, 90.0),
    (0.0, 0.0),
    (130.0, 100.0),
    (150.0, 110.0),
    (100.0, 70.0),
    (85.0, 60.0),
];
const HEADERS: [&str; 6] = [
    "Source",
    "Claim",
    "Check-worthiness",
    "Verdict",
    "Document",
    "Annotators",
];

/// What the shown rows depend on.
type RowsKey = (Option<u64>, Option<Verdict>, Option<String>, String);

/// The verdict being typed.
#[derive(Debug, Default)]
pub struct VerdictForm {
    for_key: Option<RecordKey>,
    /// The verdict to record.
    pub verdict: Option<Verdict>,
    /// When it was checked.
    pub date: String,
    /// One link or quote per line.
    pub evidence: String,
    /// The note.
    pub note: String,
}

/// The Claims view's state.
#[derive(Debug, Default)]
pub struct ClaimsView {
    /// Only claims with this verdict.
    pub verdict: Option<Verdict>,
    /// Only this source's (an entity id; empty: those without a source).
    pub source: Option<String>,
    /// Only those whose text, source or document contains this.
    pub text: String,
    /// The claim selected.
    pub selected: Option<RecordKey>,
    rows_key: Option<RowsKey>,
    rows: Vec<usize>,
    /// What the Find field looks in.
    pub(super) find: super::tracking::FindTexts,
    /// The verdict being typed.
    pub form: VerdictForm,
}

impl ClaimsView {
    /// The rows of the last frame: indices into the counted claims, in order.
    pub fn shown(&self) -> &[usize] {
        &self.rows
    }
}

/// The claims' [`FindTexts`](super::tracking::FindTexts): text, source, document.
pub(super) fn find_texts(claims: &[TrackedClaim]) -> Vec<String> {
    super::tracking::FindTexts::make(claims.iter().map(|c| {
        (
            c.text.as_str(),
            c.source_name.as_deref(),
            c.document.as_str(),
        )
    }))
}

/// The rows shown, recomputed only when the claims or the filters change.
pub fn rows(tracking: &mut TrackingState) -> &[usize] {
    let view = &tracking.claims;
    // Filtered by verdict, the rows are made again after each verdict; else only when the
    // claims change.
    let key: RowsKey = (
        if view.verdict.is_some() {
            tracking.built_at()
        } else {
            tracking.counted_at()
        },
        view.verdict,
        view.source.clone(),
        view.text.to_lowercase(),
    );
    if tracking.claims.rows_key.as_ref() == Some(&key) {
        return &tracking.claims.rows;
    }
    let built = tracking.counted_at();
    let claims = &tracking.tracker.claims;
    let view = &mut tracking.claims;
    let needle = &key.3;
    if !needle.is_empty() {
        view.find.refresh(built, || find_texts(claims));
    }
    view.rows = claims
        .iter()
        .enumerate()
        .filter(|(_, c)| view.verdict.is_none_or(|v| c.verdict == v))
        .filter(|(_, c)| {
            view.source.as_deref().is_none_or(|s| match &c.source {
                Some(id) => id.0 == s,
                None => s.is_empty(),
            })
        })
        .filter(|(i, _)| needle.is_empty() || view.find.contains(*i, needle))
        .map(|(i, _)| i)
        .collect();
    view.rows_key = Some(key);
    &view.rows
}

fn verdict_color(theme: &super::theme::Theme, verdict: Verdict) -> Color32 {
    match verdict {
        Verdict::Supported => theme.ok(),
        Verdict::Refuted => theme.error(),
        Verdict::Conflicting | Verdict::NotEnoughEvidence => theme.warning(),
        Verdict::Unreviewed => theme.muted(),
    }
}

/// The filters and the table.
pub fn table_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    filters_ui(app, ui);
    ui.separator();
    // Least needed first: annotators, document, check-worthiness.
    let widths = super::tracking::table_widths(ui.available_width(), &WIDTHS, &[5, 4, 2]);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        for (header, width) in HEADERS.iter().zip(&widths) {
            if *width <= 0.0 {
                continue;
            }
            ui.add_sized(
                [*width, 20.0],
                egui::Label::new(RichText::new(*header).strong()),
            );
        }
    });
    let rows = rows(&mut app.tracking).to_vec();
    let tracking = &app.tracking;
    let claims = &tracking.tracker().claims;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let mut out = Vec::new();
    egui::ScrollArea::vertical()
        .id_salt("claims-table")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &i in rows.get(range).unwrap_or(&[]) {
                let Some(c) = claims.get(i) else { continue };
                let selected = tracking.claims.selected.as_ref() == Some(&c.key());
                let response = row_ui(ui, c, &widths, row_height, selected);
                if response.double_clicked() {
                    out.push(jump(c));
                } else if response.clicked() {
                    out.push(Command::Track(TrackCommand::SelectClaim(c.key())));
                }
            }
        });
    app.commands.extend(out);
}

fn jump(c: &TrackedClaim) -> Command {
    Command::Track(TrackCommand::JumpTo {
        key: c.key(),
        start: c.fragments.first().map(|f| f.start).unwrap_or_default(),
        end: c.fragments.last().map(|f| f.end).unwrap_or_default(),
    })
}

fn filters_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let tracking = &mut app.tracking;
    let sources = &tracking.lists.sources;
    let total = tracking.tracker.claims.len();
    let view = &mut tracking.claims;
    ui.horizontal_wrapped(|ui| {
        ui.heading("Claims");
        let label = ui.label("Verdict");
        egui::ComboBox::from_id_salt("claims-verdict")
            .selected_text(view.verdict.map_or("any", Verdict::name))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut view.verdict, None, "any");
                for v in Verdict::ALL {
                    ui.selectable_value(&mut view.verdict, Some(v), v.name());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Source");
        let shown = match &view.source {
            None => "everyone".to_owned(),
            Some(s) if s.is_empty() => "no source".to_owned(),
            Some(s) => sources
                .iter()
                .find(|(_, id)| id == s)
                .map_or(s.clone(), |(n, _)| n.clone()),
        };
        egui::ComboBox::from_id_salt("claims-source")
            .selected_text(shorten(&shown, 24))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut view.source, None, "everyone");
                ui.selectable_value(&mut view.source, Some(String::new()), "no source");
                for (name, id) in sources {
                    ui.selectable_value(&mut view.source, Some(id.clone()), name);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Find");
        ui.add(
            egui::TextEdit::singleline(&mut view.text)
                .hint_text("text, source or document")
                .desired_width(180.0)
                .id_salt("claims-find"),
        )
        .labelled_by(label.id);
    });
    let shown = rows(tracking).len();
    ui.label(
        RichText::new(format!(
            "{shown} of {total} claims · a verdict recorded here wins over the one in the \
             annotation · double-click a row to see it in its article"
        ))
        .small()
        .weak(),
    );
}

fn verdict_text(c: &TrackedClaim) -> String {
    let name = c
        .other_verdict
        .clone()
        .unwrap_or_else(|| c.verdict.words().to_owned());
    match &c.verdict_from {
        VerdictSource::Record(by) => format!("{name} ({by})"),
        VerdictSource::Annotation | VerdictSource::None => name,
    }
}

fn row_ui(
    ui: &mut egui::Ui,
    c: &TrackedClaim,
    widths: &[f32],
    height: f32,
    selected: bool,
) -> egui::Response {
    let total: f32 = widths.iter().sum();
    let (rect, response) = ui.allocate_exact_size(vec2(total, height), Sense::click());
    let source = c
        .source_name
        .clone()
        .or_else(|| c.source.as_ref().map(|s| s.0.clone()))
        .unwrap_or_else(|| "—".to_owned());
    let label = format!("{source} · {}", c.text);
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, label.clone())
    });
    let response = response.on_hover_text(&c.text);
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
    let color = visuals.text_color();
    let cells = [
        (source, color),
        (c.text.replace('\n', " "), color),
        (
            c.checkworthy
                .clone()
                .unwrap_or_else(|| "—".into())
                .replace('_', " "),
            color,
        ),
        (
            verdict_text(c),
            verdict_color(&super::theme::Theme::of(ui), c.verdict),
        ),
        (c.document.clone(), color),
        (c.annotators.join(", "), color),
    ];
    let font = egui::TextStyle::Body.resolve(ui.style());
    let mut x = rect.left();
    for ((text, color), width) in cells.into_iter().zip(widths) {
        if *width <= 0.0 {
            continue;
        }
        let cell = egui::Rect::from_min_size(egui::pos2(x, rect.top()), vec2(*width - 8.0, height));
        ui.painter().with_clip_rect(cell).text(
            cell.left_center() + vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            text,
            font.clone(),
            color,
        );
        x += width;
    }
    response
}

/// The selected claim and the form that records its verdict.
pub fn details_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let today = app.tracking.today;
    let tracking = &mut app.tracking;
    let Some(key) = tracking.claims.selected.clone() else {
        ui.strong("Verdict");
        ui.label(RichText::new("Select a claim in the table.").weak());
        return;
    };
    let Some(c) = tracking
        .tracker()
        .claims
        .iter()
        .find(|c| c.is(&key))
        .cloned()
    else {
        ui.label(RichText::new("The claim is no longer in the project.").weak());
        return;
    };
    ui.strong("Claim");
    ui.label(format!("“{}”", c.text));
    ui.label(format!(
        "source {} · {} · tagged by {}",
        c.source_name.as_deref().unwrap_or("—"),
        c.checkworthy
            .as_deref()
            .unwrap_or("not rated")
            .replace('_', " "),
        c.annotators.join(", ")
    ));
    ui.strong(format!("Verdict: {}", verdict_text(&c)));
    for e in &c.evidence {
        ui.label(RichText::new(format!("• {e}")).small());
    }
    if let Some(note) = &c.note {
        ui.label(RichText::new(note).italics());
    }
    if ui.button("Show in article").clicked() {
        app.commands.push(jump(&c));
    }
    ui.separator();
    let form = &mut app.tracking.claims.form;
    if form.for_key.as_ref() != Some(&key) {
        *form = VerdictForm {
            for_key: Some(key.clone()),
            verdict: Some(c.verdict),
            date: c.checked_at.unwrap_or(today).to_string(),
            evidence: c.evidence.join("\n"),
            note: c.note.clone().unwrap_or_default(),
        };
    }
    ui.strong("Set the verdict");
    ui.horizontal_wrapped(|ui| {
        for v in Verdict::ALL {
            ui.selectable_value(&mut form.verdict, Some(v), v.words());
        }
    });
    let label = ui.label("Date checked");
    ui.add(
        egui::TextEdit::singleline(&mut form.date)
            .hint_text("YYYY-MM-DD")
            .id_salt("verdict-date"),
    )
    .labelled_by(label.id);
    let parsed = crate::predict::parse_date(form.date.trim());
    let label = ui.label("Evidence, one link or quote per line (never fetched)");
    ui.add(
        egui::TextEdit::multiline(&mut form.evidence)
            .desired_rows(3)
            .id_salt("verdict-evidence"),
    )
    .labelled_by(label.id);
    let label = ui.label("Note");
    ui.add(
        egui::TextEdit::multiline(&mut form.note)
            .desired_rows(2)
            .id_salt("verdict-note"),
    )
    .labelled_by(label.id);
    let ready = form.verdict.is_some() && (parsed.is_some() || form.date.trim().is_empty());
    if ui
        .add_enabled(ready, egui::Button::new("Record verdict"))
        .clicked()
        && let Some(verdict) = form.verdict
    {
        let record = new_record(key, verdict, parsed, &form.evidence, &form.note, &c.text);
        app.commands
            .push(Command::Track(TrackCommand::SetVerdict(Box::new(record))));
    }
}

#[cfg(test)]
mod tests {
    use super::rows;
    use crate::predict::claims::Verdict;
    use crate::ui::tracking::TrackingState;

    /// After each verdict, the rows of every verdict filter are what making them afresh
    /// gives: filtered by verdict they are made again, unfiltered they are kept.
    #[test]
    fn after_a_verdict_the_rows_are_as_made_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = crate::ui::sample_session(dir.path());
        let mut tracking = TrackingState::default();
        assert!(tracking.refresh(&session, None));
        let filters: Vec<Option<Verdict>> = std::iter::once(None)
            .chain(Verdict::ALL.map(Some))
            .collect();
        let mut applied = 0;
        for (step, &filter) in filters.iter().cycle().take(4 * filters.len()).enumerate() {
            tracking.claims.verdict = filter;
            rows(&mut tracking);
            let claims = &tracking.tracker().claims;
            let c = &claims[step % claims.len()];
            let verdict = Verdict::ALL[step % Verdict::ALL.len()];
            let record = crate::ui::tracking::new_record(c.key(), verdict, None, "", "", "");
            let edit = crate::session::Edit::SetVerdict(Box::new(record));
            let document = c.document.clone();
            if session.apply(&document, vec![edit]).is_err() {
                continue;
            }
            applied += 1;
            assert!(tracking.refresh(&session, None));
            let kept = rows(&mut tracking).to_vec();
            tracking.claims.rows_key = None;
            let afresh = rows(&mut tracking).to_vec();
            assert_eq!(kept, afresh, "step {step}: {filter:?}");
        }
        assert!(applied > 10, "{applied}");
    }
}
