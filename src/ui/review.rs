//! Review mode: the reviewer builds a reviewed set (shown in the article view and edited like
//! any set) by settling the annotators' disagreements one by one, with the keyboard.

use std::collections::BTreeSet;

use egui::{Color32, RichText};

use super::app::{Command, LectorApp};
use super::color;
use crate::model::review::{Choice, Comment, review_set_name};
use crate::review::adjudication::{describe, progress, sources};
use crate::review::{AgreementReport, Alignment, ComparisonUnit, UnitKind};

/// An open review of one document.
#[derive(Debug)]
pub struct ReviewState {
    /// The document.
    pub document: String,
    /// Who reviews (the reviewed set is `review.<reviewer>`).
    pub reviewer: String,
    /// The units of comparison of the annotators' work.
    pub alignment: Alignment,
    /// The unit being looked at (index into `alignment.units`).
    pub current: Option<usize>,
    /// The note that goes with the next decision.
    pub note: String,
    /// Agreement of the annotators on the document.
    pub figures: Option<AgreementReport>,
    /// Indices of the units that are disagreements, in text order.
    disagreements: Vec<usize>,
    /// (session revision, decided, all), so that a book's tens of thousands of units are
    /// counted once per change, not every frame.
    progress: std::cell::Cell<Option<(u64, usize, usize)>>,
}

impl ReviewState {
    /// A review of a document's alignment.
    pub fn new(
        document: String,
        reviewer: String,
        alignment: Alignment,
        figures: Option<AgreementReport>,
    ) -> Self {
        let disagreements = alignment
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| !u.is_agreement())
            .map(|(i, _)| i)
            .collect();
        Self {
            document,
            reviewer,
            alignment,
            current: None,
            note: String::new(),
            figures,
            disagreements,
            progress: std::cell::Cell::new(None),
        }
    }

    /// (settled disagreements, all disagreements), as of the session's revision.
    pub fn progress(&self, session: &crate::session::Session) -> (usize, usize) {
        if let Some((revision, decided, all)) = self.progress.get()
            && revision == session.revision()
        {
            return (decided, all);
        }
        let review = session.store.project.review(&self.document, &self.reviewer);
        let (decided, all) = progress(&self.alignment, review);
        self.progress.set(Some((session.revision(), decided, all)));
        (decided, all)
    }

    /// The unit being looked at.
    pub fn current_unit(&self) -> Option<&ComparisonUnit> {
        self.alignment.units.get(self.current?)
    }

    /// Indices of the units that are disagreements, in text order.
    pub fn disagreement_indices(&self) -> &[usize] {
        &self.disagreements
    }

    /// The next (or previous) disagreement from the current one, wrapping around.
    pub fn step(&self, forward: bool) -> Option<usize> {
        let disagreements = &self.disagreements;
        let first = *disagreements.first()?;
        let last = *disagreements.last()?;
        Some(match self.current {
            None if forward => first,
            None => last,
            Some(at) if forward => disagreements
                .iter()
                .copied()
                .find(|&i| i > at)
                .unwrap_or(first),
            Some(at) => disagreements
                .iter()
                .rev()
                .copied()
                .find(|&i| i < at)
                .unwrap_or(last),
        })
    }
}

/// Compares the annotators again when one of their files of the reviewed document changed on
/// disk during the review (a sync, a colleague's Lector, a shared folder): the alignment,
/// figures and disagreements follow their current work, what they now agree on goes into the
/// reviewed set (as when a review starts), and the unit being looked at stays (the one with
/// the same extent, else the next one). `changed` are the (document, annotator) files
/// re-read or removed. Returns what to tell the user, and whether it is an error; `None` if
/// the review is not affected.
pub fn realign(app: &mut LectorApp, changed: &[crate::model::SetKey]) -> Option<(String, bool)> {
    let review = app.review.as_ref()?;
    let touched: Vec<&str> = changed
        .iter()
        .filter(|(document, annotator)| {
            *document == review.document && review.alignment.annotators.contains(annotator)
        })
        .map(|(_, annotator)| annotator.as_str())
        .collect();
    if touched.is_empty() {
        return None;
    }
    let who = touched.join(" and ");
    let session = app.session.as_mut()?;
    let project = &session.store.project;
    let annotators = &review.alignment.annotators;
    let alignment = match crate::review::align_document(project, &review.document, annotators) {
        Ok(alignment) => alignment,
        Err(err) => {
            return Some((
                format!(
                    "{who}'s labels changed on disk, but the review cannot compare them again: {err}"
                ),
                true,
            ));
        }
    };
    let figures = crate::review::document_agreement(project, &review.document, annotators).ok();
    let edits = crate::review::adjudication::take_agreements(
        project,
        &review.document,
        &review.reviewer,
        &alignment,
    );
    let taken = edits
        .iter()
        .filter(|e| matches!(e, crate::session::Edit::Decide(_)))
        .count();
    let applied = session.apply(&review.document, edits);
    let old = review.current_unit().map(|u| (u.start, u.end));
    let mut state = ReviewState::new(
        review.document.clone(),
        review.reviewer.clone(),
        alignment,
        figures,
    );
    state.note.clone_from(&review.note);
    state.current = old.and_then(|(start, end)| {
        let units = &state.alignment.units;
        units
            .iter()
            .position(|u| u.start == start && u.end == end)
            .or_else(|| units.iter().position(|u| u.start >= start))
    });
    let open = state.disagreement_indices().len();
    app.review = Some(state);
    Some(match applied {
        Ok(()) => (
            format!(
                "{who}'s labels changed on disk: compared again, {open} disagreements{}",
                if taken > 0 {
                    format!(" ({taken} new agreements taken into your reviewed version)")
                } else {
                    String::new()
                }
            ),
            false,
        ),
        Err(err) => (
            format!(
                "{who}'s labels changed on disk: compared again, {open} disagreements; the new \
                 agreements were not taken: {err}"
            ),
            true,
        ),
    })
}

/// The colour that tells the kinds of units apart, in the list and on the card.
pub fn kind_color(kind: &UnitKind) -> Color32 {
    match kind {
        UnitKind::Matched => Color32::from_rgb(46, 140, 70),
        UnitKind::LabelDiffers => Color32::from_rgb(200, 50, 50),
        UnitKind::BoundaryDiffers => Color32::from_rgb(140, 70, 190),
        UnitKind::OnlyIn(_) => Color32::from_rgb(210, 120, 0),
    }
}

/// The picker that starts a review: which annotators to compare.
pub fn picker_ui(app: &mut LectorApp, ctx: &egui::Context) {
    let Some(chosen) = &mut app.review_picker else {
        return;
    };
    let (Some(session), Some(document)) = (&app.session, app.view.as_ref().map(|v| &v.document))
    else {
        app.review_picker = None;
        return;
    };
    let me = app.prefs.annotator.clone();
    let project = &session.store.project;
    let candidates: Vec<String> = project
        .annotators()
        .into_iter()
        .filter(|a| crate::review::has_annotated(project.set(document, a)))
        .collect();
    let mut start = false;
    let mut cancel = false;
    egui::Modal::new(egui::Id::unique("review-picker")).show(ctx, |ui| {
        ui.heading("Review colleagues' labels");
        let title = project
            .document(document)
            .map_or(document.as_str(), |d| d.meta.title.as_str());
        ui.label(format!(
            "Compare the annotators of “{}”; your reviewed version is saved as {}.",
            super::shorten(title, 60),
            review_set_name(&me)
        ));
        if candidates.len() < 2 {
            ui.colored_label(
                Color32::RED,
                "fewer than two annotators have annotated this document",
            );
        }
        for name in &candidates {
            let mut on = chosen.contains(name);
            if ui.checkbox(&mut on, name).changed() {
                if on {
                    chosen.insert(name.clone());
                } else {
                    chosen.remove(name);
                }
            }
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(chosen.len() >= 2, egui::Button::new("Start review"))
                .clicked()
            {
                start = true;
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                cancel = true;
            }
        });
    });
    if start {
        let names: Vec<String> = chosen.iter().cloned().collect();
        app.review_picker = None;
        app.commands.push(Command::StartReview(names));
    } else if cancel {
        app.review_picker = None;
    }
}

/// Opens the picker with everyone who annotated the open document.
pub fn open_picker(app: &mut LectorApp) {
    let (Some(session), Some(document)) = (&app.session, app.document()) else {
        return;
    };
    let project = &session.store.project;
    let everyone: BTreeSet<String> = project
        .annotators()
        .into_iter()
        .filter(|a| crate::review::has_annotated(project.set(document, a)))
        .collect();
    app.review_picker = Some(everyone);
}

/// The review panel: progress, figures, the current disagreement with each side, and the
/// list of disagreements.
pub fn panel_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let Some(review) = &app.review else { return };
    let Some(session) = &app.session else { return };
    let project = &session.store.project;
    let decided_review = project.review(&review.document, &review.reviewer);
    let (decided, all) = review.progress(session);
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.strong(format!(
            "Review: {}",
            review.alignment.annotators.join(" · ")
        ));
        if ui.button("Finish review").clicked() {
            commands.push(Command::FinishReview);
        }
    });
    ui.label(format!("{decided} of {all} disagreements settled"));
    ui.add(egui::ProgressBar::new(if all == 0 {
        1.0
    } else {
        decided as f32 / all as f32
    }));
    if let Some(figures) = &review.figures {
        figures_ui(ui, figures);
    }
    ui.separator();
    let text = project.document(&review.document).map(|d| &d.text);
    match (review.current_unit(), &text) {
        (Some(unit), Some(text)) => {
            let decision = decided_review.and_then(|r| r.decision(&sources(unit)));
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(describe(unit))
                        .color(kind_color(&unit.kind))
                        .strong(),
                );
                ui.label(
                    RichText::new(format!("{}–{}", unit.start, unit.end))
                        .small()
                        .weak(),
                );
            });
            if let Some(d) = decision {
                ui.label(RichText::new(format!("decided: {}", d.choice)).italics());
            }
            for (n, (annotator, id)) in unit.annotations.iter().enumerate() {
                let Some(annotation) = project
                    .set(&review.document, annotator)
                    .and_then(|s| s.get(id))
                else {
                    continue;
                };
                let label_color = project
                    .schema
                    .label(&annotation.label)
                    .map_or(Color32::GRAY, |l| color(l.color));
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.strong(annotator);
                        ui.label(RichText::new(&annotation.label).color(label_color).strong());
                    });
                    ui.label(format!(
                        "“{}”",
                        super::shorten(&annotation.covered_text(text), 120)
                    ));
                    for name in &unit.differing_attributes {
                        let value = if name == crate::review::ENTITY_LINK {
                            annotation.entity.as_ref().map(|e| e.0.clone())
                        } else {
                            annotation.attributes.get(name).map(|v| v.to_string())
                        };
                        ui.label(format!("{name}: {}", value.unwrap_or_else(|| "—".into())));
                    }
                    if ui
                        .button(format!("Take {annotator}'s ({})", n + 1))
                        .clicked()
                    {
                        commands.push(Command::Settle(Choice::Take(annotator.clone())));
                    }
                    let key = (id.0.clone(), format!("comment:{annotator}"));
                    let existing = decided_review
                        .and_then(|r| r.comment(annotator, id))
                        .map(|c| c.text.clone())
                        .unwrap_or_default();
                    let buffer = app.buffers.entry(key.clone()).or_insert(existing.clone());
                    let edit = ui
                        .horizontal(|ui| {
                            let label =
                                ui.label(RichText::new(format!("Comment for {annotator}")).small());
                            ui.add(
                                egui::TextEdit::singleline(buffer)
                                    .hint_text("shown to them with this annotation")
                                    .id_salt(("comment", annotator, &id.0)),
                            )
                            .labelled_by(label.id)
                        })
                        .inner;
                    if edit.lost_focus() && *buffer != existing {
                        commands.push(Command::Edit(vec![crate::session::Edit::Comment(
                            Comment {
                                annotator: annotator.clone(),
                                annotation: id.clone(),
                                text: buffer.trim().to_owned(),
                                at: crate::model::annotation::now(),
                            },
                        )]));
                    }
                });
            }
            ui.horizontal_wrapped(|ui| {
                if unit.annotations.len() > 1 && ui.button("All (=)").clicked() {
                    commands.push(Command::Settle(Choice::All));
                }
                if ui.button("Neither (0)").clicked() {
                    commands.push(Command::Settle(Choice::Neither));
                }
                if ui
                    .button("Edit")
                    .on_hover_text("Take the first version and edit it in the inspector")
                    .clicked()
                {
                    commands.push(Command::Settle(Choice::Edited));
                }
            });
        }
        _ if all == 0 => {
            ui.label(
                "The annotators agree everywhere: their annotations are in your reviewed set.",
            );
        }
        _ => {
            ui.label("Alt+Down steps to the first disagreement.");
        }
    }
    if let Some(review) = &mut app.review {
        ui.add(
            egui::TextEdit::singleline(&mut review.note)
                .hint_text("note with the decision (shown to the annotators)")
                .id_salt("review-note"),
        );
    }
    ui.horizontal(|ui| {
        if ui.button("Previous (Alt+Up)").clicked() {
            commands.push(Command::StepDisagreement(false));
        }
        if ui.button("Next (Alt+Down)").clicked() {
            commands.push(Command::StepDisagreement(true));
        }
    });
    ui.separator();
    disagreement_list_ui(app, ui, &mut commands);
    app.commands.extend(commands);
}

fn disagreement_list_ui(app: &LectorApp, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    let (Some(review), Some(session)) = (&app.review, &app.session) else {
        return;
    };
    let project = &session.store.project;
    let decided = project.review(&review.document, &review.reviewer);
    let text = project.document(&review.document).map(|d| &d.text);
    let rows = review.disagreement_indices();
    ui.strong(format!("Disagreements ({})", rows.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("disagreements")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &i in &rows[range] {
                let unit = &review.alignment.units[i];
                let done = decided.is_some_and(|r| r.decision(&sources(unit)).is_some());
                let snippet = text
                    .as_ref()
                    .and_then(|t| t.slice(unit.start, unit.end))
                    .map(|s| super::shorten(s, 40))
                    .unwrap_or_default();
                let line = RichText::new(format!(
                    "{} {}  {snippet}",
                    if done { "✔" } else { "•" },
                    describe(unit)
                ))
                .color(kind_color(&unit.kind));
                if ui
                    .selectable_label(review.current == Some(i), line)
                    .clicked()
                {
                    commands.push(Command::ShowUnit(i));
                }
            }
        });
}

/// The document's agreement figures, and a chart per label.
fn figures_ui(ui: &mut egui::Ui, figures: &AgreementReport) {
    let fmt = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.3}"));
    let overall = &figures.overall;
    egui::Grid::new("review-figures")
        .num_columns(5)
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            for head in ["F1 exact", "F1 overlap", "κ", "α", "α_u"] {
                ui.label(RichText::new(head).small().weak());
            }
            ui.end_row();
            for v in [
                overall.f1_exact,
                overall.f1_overlap,
                overall.cohen_kappa.or(overall.fleiss_kappa),
                overall.krippendorff_alpha,
                overall.alpha_u,
            ] {
                ui.label(fmt(v));
            }
            ui.end_row();
        });
    egui::CollapsingHeader::new("Per label and pair")
        .id_salt("review-chart")
        .show(ui, |ui| chart_ui(ui, figures));
}

/// F1 (overlap) and α per label as grouped horizontal bars, and F1 per pair of annotators.
fn chart_ui(ui: &mut egui::Ui, figures: &AgreementReport) {
    use egui_plot::{Bar, BarChart, Plot, uniform_grid_spacer};
    let labels: Vec<&String> = figures.labels.keys().collect();
    // Top to bottom in name order.
    let row = |i: usize| (labels.len() - 1 - i) as f64;
    let bars = |offset: f64, value: &dyn Fn(&crate::review::Figures) -> Option<f64>| {
        labels
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let v = value(&figures.labels[*l])?;
                Some(Bar::new(row(i) + offset, v).width(0.38).name(*l))
            })
            .collect::<Vec<_>>()
    };
    let f1 = BarChart::new("F1 overlap", bars(0.2, &|f| f.f1_overlap))
        .color(Color32::from_rgb(70, 130, 200))
        .horizontal();
    let alpha = BarChart::new("α (characters)", bars(-0.2, &|f| f.krippendorff_alpha))
        .color(Color32::from_rgb(230, 150, 40))
        .horizontal();
    let names: Vec<String> = labels.iter().rev().map(|l| (*l).clone()).collect();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new("F1 overlap")
                .strong()
                .color(Color32::from_rgb(70, 130, 200)),
        );
        ui.label(
            RichText::new("α (characters)")
                .strong()
                .color(Color32::from_rgb(230, 150, 40)),
        );
    });
    Plot::new("agreement-per-label")
        .height(28.0 * labels.len() as f32 + 50.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(-0.6)
        .include_y(labels.len() as f64 - 0.4)
        .y_grid_spacer(uniform_grid_spacer(|_| [1.0, 1.0, 1.0]))
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(f1);
            plot.bar_chart(alpha);
        });
    if figures.pairs.len() > 1 {
        ui.label(RichText::new("F1 overlap per pair").small().weak());
        for pair in &figures.pairs {
            let f1 = pair.overall.overlap.f1();
            ui.horizontal(|ui| {
                ui.label(format!("{} · {}", pair.a, pair.b));
                ui.add(
                    egui::ProgressBar::new(f1.unwrap_or(0.0) as f32)
                        .text(f1.map_or("—".into(), |v| format!("{v:.3}"))),
                );
            });
        }
    }
}
