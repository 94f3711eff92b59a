//! The review panel: progress, the agreement figures, the disagreement shown with each
//! annotator's version, and the list of disagreements; the reviewed set's inspector below.

use egui::{Color32, RichText};

use super::ReviewCommand;
use crate::model::review::{Choice, Comment};
use crate::review::adjudication::{describe, sources};
use crate::review::{AgreementReport, UnitKind};
use crate::ui::app::LectorApp;
use crate::ui::command::Command;
use crate::ui::theme::Theme;

/// The colour that tells the kinds of units apart, in the list and on the card.
pub fn kind_color(theme: &Theme, kind: &UnitKind) -> Color32 {
    match kind {
        UnitKind::Matched => theme.ok(),
        UnitKind::LabelDiffers => theme.error(),
        UnitKind::BoundaryDiffers => theme.purple(),
        UnitKind::OnlyIn(_) => theme.warning(),
    }
}

/// The right-hand panel in review mode: the review above, the reviewed set's inspector below.
pub fn side_ui(ui: &mut egui::Ui, app: &mut LectorApp) -> Vec<Command> {
    let mut commands = Vec::new();
    // The inspector only while an annotation is selected: without one it holds a hint, and
    // in a small window the disagreement's cards need the room.
    if app.selected.is_some() {
        egui::Panel::bottom("review-inspector")
            .resizable(true)
            .default_size(ui.available_height() * 0.3)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("inspector")
                    .show(ui, |ui| {
                        if let Some(input) = crate::ui::inspector::InspectorInput::of(app) {
                            commands.extend(crate::ui::inspector::ui(ui, &input));
                        }
                    });
            });
    }
    egui::CentralPanel::default().show(ui, |ui| commands.extend(panel_ui(app, ui)));
    commands
}

/// The review panel: the list of disagreements below (a part of its own, which the figures
/// and the chart above never push out of view), and above it, scrolling, progress, figures
/// and the current disagreement with each side.
fn panel_ui(app: &mut LectorApp, ui: &mut egui::Ui) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::Panel::bottom("disagreements")
        .resizable(true)
        .default_size((ui.available_height() * 0.3).max(110.0))
        .show(ui, |ui| disagreement_list_ui(app, ui, &mut commands));
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("review-current")
            .auto_shrink([false, false])
            .show(ui, |ui| commands.extend(current_ui(app, ui)));
    });
    commands
}

/// Progress, figures, the disagreement shown with each annotator's version, and the buttons
/// that settle it.
fn current_ui(app: &mut LectorApp, ui: &mut egui::Ui) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(review) = &app.review else {
        return commands;
    };
    let Some(session) = &app.session else {
        return commands;
    };
    let theme = Theme::of(ui);
    let project = &session.store.project;
    let decided_review = project.review(&review.document, &review.reviewer);
    let (decided, all) = review.progress(session);
    // Wrapped: in a narrow window the button goes below the names rather than out of view.
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!(
            "Review: {}",
            review.alignment.annotators.join(" · ")
        ));
        if ui.button("Finish review").clicked() {
            commands.push(Command::Review(ReviewCommand::Finish));
        }
    });
    ui.label(format!(
        "{decided} of {} settled",
        crate::ui::messages::plural(all, "disagreement")
    ));
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
                        .color(kind_color(&theme, &unit.kind))
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
                    .map_or(theme.muted(), |l| theme.label_text(l.color));
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.strong(annotator);
                        ui.label(
                            RichText::new(annotation.label.as_str())
                                .color(label_color)
                                .strong(),
                        );
                    });
                    ui.label(format!(
                        "“{}”",
                        crate::ui::covered_preview(annotation, text, 120)
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
                        commands.push(Command::Review(ReviewCommand::Settle(Choice::Take(
                            annotator.to_owned(),
                        ))));
                    }
                    let key = (id.0.clone(), format!("comment:{annotator}"));
                    let existing = decided_review
                        .and_then(|r| r.comment(annotator, id))
                        .map(|c| c.text.clone())
                        .unwrap_or_default();
                    // What is typed stays in egui's memory until the field loses focus.
                    let memory = egui::Id::unique(("review-comment", &key));
                    let mut typed = ui
                        .data_mut(|d| d.get_temp::<String>(memory))
                        .unwrap_or_else(|| existing.clone());
                    let buffer = &mut typed;
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
                    if edit.changed() {
                        ui.data_mut(|d| d.insert_temp(memory, buffer.clone()));
                    }
                    let take = crate::ui::typing::take_in(ui, &edit, true);
                    if edit.lost_focus() {
                        ui.data_mut(|d| d.remove::<String>(memory));
                    }
                    if take && buffer.trim() != existing {
                        commands.push(Command::Edit(vec![crate::session::Edit::Comment(
                            Box::new(Comment {
                                annotator: annotator.to_owned(),
                                annotation: id.clone(),
                                text: buffer.trim().to_owned(),
                                at: crate::model::annotation::now(),
                            }),
                        )]));
                    }
                });
            }
            ui.horizontal_wrapped(|ui| {
                if unit.annotations.len() > 1 && ui.button("All (=)").clicked() {
                    commands.push(Command::Review(ReviewCommand::Settle(Choice::All)));
                }
                if ui.button("Neither (0)").clicked() {
                    commands.push(Command::Review(ReviewCommand::Settle(Choice::Neither)));
                }
                if ui
                    .button("Edit")
                    .on_hover_text("Take the first version and edit it in the inspector")
                    .clicked()
                {
                    commands.push(Command::Review(ReviewCommand::Settle(Choice::Edited)));
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
            commands.push(Command::Review(ReviewCommand::Step(false)));
        }
        if ui.button("Next (Alt+Down)").clicked() {
            commands.push(Command::Review(ReviewCommand::Step(true)));
        }
    });
    commands
}

fn disagreement_list_ui(app: &LectorApp, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    let theme = Theme::of(ui);
    let (Some(review), Some(session)) = (&app.review, &app.session) else {
        return;
    };
    let project = &session.store.project;
    let decided = project.review(&review.document, &review.reviewer);
    let text = project.document(&review.document).map(|d| &d.text);
    let rows = review.disagreement_indices();
    ui.strong(format!("Disagreements ({})", rows.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    // When the unit shown changes (Alt+Down, a key that settles and moves on, an undo), its
    // row is brought into view, a third of the way down.
    let shown_at = egui::Id::unique("review-list-shown");
    let mut area = egui::ScrollArea::vertical()
        .id_salt("disagreements")
        .auto_shrink([false, false]);
    if ui.data(|d| d.get_temp::<Option<usize>>(shown_at)) != Some(review.current) {
        ui.data_mut(|d| d.insert_temp(shown_at, review.current));
        if let Some(row) = review.current.and_then(|i| rows.binary_search(&i).ok()) {
            let spacing = ui.spacing().item_spacing.y;
            let third = ui.available_height() / 3.0;
            let offset = (row as f32 * (row_height + spacing) - third).max(0.0);
            area = area.vertical_scroll_offset(offset);
        }
    }
    area.show_rows(ui, row_height, rows.len(), |ui, range| {
        // One line a row, as the rows' height is counted.
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
        for &i in &rows[range] {
            let unit = &review.alignment.units[i];
            let done = decided.is_some_and(|r| r.decision(&sources(unit)).is_some());
            let snippet = text
                .as_ref()
                .and_then(|t| t.slice(unit.start, unit.end))
                .map(|s| crate::ui::shorten(s, 40))
                .unwrap_or_default();
            let line = RichText::new(format!(
                "{} {}  {snippet}",
                if done { "✔" } else { "•" },
                describe(unit)
            ))
            .color(kind_color(&theme, &unit.kind));
            if ui
                .selectable_label(review.current == Some(i), line)
                .clicked()
            {
                commands.push(Command::Review(ReviewCommand::ShowUnit(i)));
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
            let caption = Theme::of(ui).muted();
            for head in ["F1 exact", "F1 overlap", "κ", "α", "α_u"] {
                ui.label(RichText::new(head).color(caption));
            }
            ui.end_row();
            for v in [
                overall.f1_exact,
                overall.f1_overlap,
                overall.cohen_kappa.or(overall.fleiss_kappa),
                overall.krippendorff_alpha,
                overall.alpha_u,
            ] {
                ui.strong(fmt(v));
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
    let [color_f1, color_alpha] = Theme::of(ui).chart();
    let f1 = BarChart::new("F1 overlap", bars(0.2, &|f| f.f1_overlap))
        .color(color_f1)
        .horizontal();
    let alpha = BarChart::new("α (characters)", bars(-0.2, &|f| f.krippendorff_alpha))
        .color(color_alpha)
        .horizontal();
    let names: Vec<String> = labels.iter().rev().map(|l| (*l).clone()).collect();
    ui.horizontal(|ui| {
        ui.label(RichText::new("F1 overlap").strong().color(color_f1));
        ui.label(RichText::new("α (characters)").strong().color(color_alpha));
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
        ui.label(RichText::new("F1 overlap per pair").color(Theme::of(ui).muted()));
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
