//! The Track record view: per holder the predictions made, resolved, came true, the share and
//! the Brier score; per source the claims by verdict; the probability mapping the project
//! scores with (from `project.ron`); and a calibration chart (egui_plot) of stated probability
//! against how often the event happened.

use egui::RichText;
use egui_plot::{Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use super::app::LectorApp;
use crate::predict::{
    Binning, CalibrationBin, ClaimVerdictCounts, ProbabilityMap, TrackRecord, calibration,
};

/// What the view derives, kept until the predictions or the chosen holder change.
#[derive(Debug, Default)]
pub struct RecordView {
    key: Option<(Option<u64>, Option<String>)>,
    /// Track records per holder, with names.
    pub holders: Vec<(TrackRecord, Option<String>)>,
    /// Claims per source, with names.
    pub sources: Vec<(ClaimVerdictCounts, Option<String>)>,
    /// The points of the calibration chart.
    pub chart: Vec<CalibrationBin>,
}

fn refresh(app: &mut LectorApp, map: &ProbabilityMap) {
    let tracking = &mut app.tracking;
    let key = (tracking.built_at(), tracking.chart_holder.clone());
    if tracking.record.key.as_ref() == Some(&key) {
        return;
    }
    let tracker = tracking.tracker();
    let holders = tracker.holders(map);
    let sources = tracker.sources();
    let chart = calibration(
        tracker.scored(key.1.as_deref()),
        map,
        Binning::ByProbability,
    );
    tracking.record = RecordView {
        key: Some(key),
        holders,
        sources,
        chart,
    };
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"))
}

/// The whole view.
pub fn ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let Some(map) = app
        .session
        .as_ref()
        .map(|s| s.store.project.predict.probabilities)
    else {
        return;
    };
    refresh(app, &map);
    egui::ScrollArea::vertical()
        .id_salt("track-record")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Track record");
            holders_ui(app, ui);
            mapping_ui(ui, &map);
            ui.add_space(8.0);
            chart_ui(app, ui);
            ui.add_space(8.0);
            sources_ui(app, ui);
        });
}

fn holders_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    ui.strong("Predictions per holder");
    egui::Grid::new("track-holders")
        .striped(true)
        .num_columns(7)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for head in [
                "Holder",
                "Made",
                "Resolved",
                "Came true",
                "Did not",
                "Share true",
                "Brier",
            ] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for (record, name) in &app.tracking.record.holders {
                let who = name
                    .clone()
                    .or_else(|| record.holder.clone())
                    .unwrap_or_else(|| "(no holder)".to_owned());
                ui.label(who);
                for n in [
                    record.predictions,
                    record.resolved,
                    record.came_true,
                    record.did_not_come_true,
                ] {
                    ui.label(n.to_string());
                }
                ui.label(opt(record.share_true));
                ui.label(opt(record.brier)).on_hover_text(format!(
                    "{} scored",
                    super::messages::plural(record.scored, "prediction")
                ));
                ui.end_row();
            }
        });
}

fn mapping_ui(ui: &mut egui::Ui, map: &ProbabilityMap) {
    ui.label(
        RichText::new(format!(
            "Brier score: mean (p - o)² over the predictions that came true or did not (0 is \
             perfect; always saying 0.5 scores 0.25). p from the certainty: certain {}, probable \
             {}, possible {}, improbable {}, certainly not {} (the project's mapping, \
             `probabilities` in project.ron; Kent's by default); a probability stated in the \
             text overrides it; unknown or no certainty is counted but not scored. For \
             \"kommer inte att\" (below 0.5), came true means the event did not happen.",
            map.certain, map.probable, map.possible, map.improbable, map.certainly_not
        ))
        .small()
        .weak(),
    );
}

fn chart_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let theme = super::theme::Theme::of(ui);
    let holders: Vec<(String, String)> = app
        .tracking
        .record
        .holders
        .iter()
        .filter_map(|(r, name)| {
            let id = r.holder.clone()?;
            Some((name.clone().unwrap_or_else(|| id.clone()), id))
        })
        .collect();
    ui.horizontal(|ui| {
        ui.strong("Calibration");
        let label = ui.label("of");
        let shown = app
            .tracking
            .chart_holder
            .as_ref()
            .and_then(|h| holders.iter().find(|(_, id)| id == h))
            .map_or("every holder".to_owned(), |(n, _)| n.clone());
        egui::ComboBox::from_id_salt("chart-holder")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.tracking.chart_holder, None, "every holder");
                for (name, id) in &holders {
                    ui.selectable_value(&mut app.tracking.chart_holder, Some(id.clone()), name);
                }
            })
            .response
            .labelled_by(label.id);
    });
    let bins = &app.tracking.record.chart;
    if bins.is_empty() {
        ui.label(RichText::new("No prediction has come true or not yet: nothing to chart.").weak());
        return;
    }
    let scored: usize = bins.iter().map(|b| b.count).sum();
    ui.label(
        RichText::new(format!(
            "{scored} scored predictions: stated probability (x) against how often the event \
             happened (y); on the diagonal is well calibrated"
        ))
        .small()
        .weak(),
    );
    let points: Vec<[f64; 2]> = bins
        .iter()
        .map(|b| [b.mean_probability, b.observed])
        .collect();
    let largest = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    Plot::new("calibration")
        .height(300.0)
        .width(360.0)
        .data_aspect(1.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        // A little beyond 0 and 1: a dot at 0 or 1 (never or always happened) is drawn
        // whole, not cut at the plot's edge.
        .include_x(-0.08)
        .include_x(1.08)
        .include_y(-0.08)
        .include_y(1.08)
        .x_axis_label("stated probability")
        .y_axis_label("observed")
        .show(ui, |plot| {
            plot.line(
                Line::new(
                    "well calibrated",
                    PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]),
                )
                .color(theme.guide())
                .style(LineStyle::dashed_loose()),
            );
            plot.points(
                Points::new("predictions", PlotPoints::from(points))
                    .shape(MarkerShape::Circle)
                    .radius(4.0 + 4.0 * (largest as f32).sqrt().min(3.0))
                    .color(theme.calibration()),
            );
        });
    for bin in bins {
        ui.label(
            RichText::new(format!(
                "{:.2}: the event happened {} of {} times",
                bin.mean_probability, bin.came_true, bin.count
            ))
            .small(),
        );
    }
}

fn sources_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    ui.strong("Claims per source");
    egui::Grid::new("track-sources")
        .striped(true)
        .num_columns(7)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for head in [
                "Source",
                "Claims",
                "Supported",
                "Refuted",
                "Not enough evidence",
                "Conflicting",
                "Unreviewed",
            ] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for (counts, name) in &app.tracking.record.sources {
                let who = name
                    .clone()
                    .or_else(|| counts.source.clone())
                    .unwrap_or_else(|| "(no source)".to_owned());
                ui.label(who);
                for n in [
                    counts.claims,
                    counts.supported,
                    counts.refuted,
                    counts.not_enough_evidence,
                    counts.conflicting,
                    counts.unreviewed,
                ] {
                    ui.label(n.to_string());
                }
                ui.end_row();
            }
        });
}
