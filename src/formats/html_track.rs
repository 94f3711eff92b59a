//! The report's track records: per holder the predictions made, resolved, came true, the share
//! and the Brier score; per source the claims by verdict; the probability mapping used; and a
//! calibration chart as inline SVG (no script, no external resource, so the report's
//! Content-Security-Policy holds). Computed over the whole project, as `lector track-record`
//! does, whatever documents or annotators the report shows.

use std::fmt::Write as _;

use super::html::escape;
use crate::model::Project;
use crate::predict::{Binning, CalibrationBin, Tracker, calibration};

/// Side of the chart's plot area, in SVG units.
const PLOT: f64 = 300.0;
/// Margin around the plot area for the axes' labels.
const MARGIN: f64 = 44.0;

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"))
}

/// Writes the section, or nothing when the project has no predictions and no claims.
pub fn track_section(project: &Project, tracker: &Tracker, html: &mut String) {
    if tracker.predictions.is_empty() && tracker.claims.is_empty() {
        return;
    }
    let map = &project.predict.probabilities;
    html.push_str("<h2 id=\"track-records\">Track records</h2>\n");
    let _ = writeln!(
        html,
        "<p class=\"meta\">The whole project: {} predictions and {} claims, each counted once \
         however many annotators tagged it. Brier score: mean (p − o)² over the predictions \
         that came true or did not, p from the certainty (certain {}, probable {}, possible {}, \
         improbable {}, certainly not {}; a probability stated in the text overrides it), \
         o whether the event happened. 0 is perfect, always saying 0.5 scores 0.25.</p>",
        tracker.predictions.len(),
        tracker.claims.len(),
        map.certain,
        map.probable,
        map.possible,
        map.improbable,
        map.certainly_not
    );
    html.push_str(
        "<table>\n<tr><th>Holder</th><th>Predictions</th><th>Resolved</th><th>Came true</th>\
         <th>Did not</th><th>Share true</th><th>Brier</th></tr>\n",
    );
    for (record, name) in tracker.holders(map) {
        let who = name
            .or(record.holder.clone())
            .unwrap_or_else(|| "(no holder)".to_owned());
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&who),
            record.predictions,
            record.resolved,
            record.came_true,
            record.did_not_come_true,
            opt(record.share_true),
            opt(record.brier)
        );
    }
    html.push_str("</table>\n");
    html.push_str(
        "<table>\n<tr><th>Source</th><th>Claims</th><th>Supported</th><th>Refuted</th>\
         <th>Not enough evidence</th><th>Conflicting</th><th>Unreviewed</th></tr>\n",
    );
    for (counts, name) in tracker.sources() {
        let who = name
            .or(counts.source.clone())
            .unwrap_or_else(|| "(no source)".to_owned());
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&who),
            counts.claims,
            counts.supported,
            counts.refuted,
            counts.not_enough_evidence,
            counts.conflicting,
            counts.unreviewed
        );
    }
    html.push_str("</table>\n");
    let bins = calibration(tracker.scored(None), map, Binning::ByProbability);
    html.push_str("<h3>Calibration</h3>\n");
    if bins.is_empty() {
        html.push_str(
            "<p class=\"none\">No prediction has come true or not yet: nothing to chart.</p>\n",
        );
    } else {
        chart(&bins, html);
    }
}

/// Stated probability (x) against how often the event happened (y), one dot per probability
/// with its count; a well calibrated forecaster's dots lie on the diagonal.
fn chart(bins: &[CalibrationBin], html: &mut String) {
    let size = PLOT + 2.0 * MARGIN;
    let x = |p: f64| MARGIN + p * PLOT;
    let y = |p: f64| MARGIN + (1.0 - p) * PLOT;
    let _ = writeln!(
        html,
        "<svg role=\"img\" aria-label=\"Calibration: stated probability against observed \
         frequency\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {size} {size}\" \
         font-size=\"11\" font-family=\"system-ui,sans-serif\">"
    );
    let _ = writeln!(
        html,
        "<rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{PLOT}\" height=\"{PLOT}\" fill=\"none\" stroke=\"#999\"/>"
    );
    let _ = writeln!(
        html,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>",
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{tick}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{tick}</text>",
            x(tick),
            y(0.0) + 16.0,
            x(0.0) - 6.0,
            y(tick) + 4.0
        );
    }
    let _ = writeln!(
        html,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">stated probability</text>\
         <text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">observed frequency</text>",
        x(0.5),
        size - 8.0,
        y(0.5)
    );
    for bin in bins {
        let radius = 4.0 + 2.0 * (bin.count as f64).sqrt();
        let _ = writeln!(
            html,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius:.1}\" fill=\"#cc79a7\" fill-opacity=\"0.75\">\
             <title>{:.2}: {} of {} happened</title></circle>",
            x(bin.mean_probability),
            y(bin.observed),
            bin.mean_probability,
            bin.came_true,
            bin.count
        );
    }
    html.push_str("</svg>\n");
}
