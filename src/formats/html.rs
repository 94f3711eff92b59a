//! A self-contained HTML report: one file with inline CSS, no scripts and no external
//! resources (a Content-Security-Policy forbids them), readable in any browser and
//! printable.
//!
//! Per document and annotator: the title, the article with each annotation highlighted in its
//! label's colour, a table per label, and the claims and predictions with every attribute
//! (entities resolved to their names, linked annotations to their text). At the end, the
//! project's track records per holder and source with a calibration chart
//! ([`super::html_track`]).
//!
//! The article is split at every fragment boundary; each piece is wrapped in one `<mark>` per
//! annotation covering it, so overlapping and nested annotations nest properly and show as
//! stacked tints. Each annotation keeps one underline lane (its depth among the annotations
//! it overlaps), drawn further below the text the deeper it is, so an annotation's underline
//! runs straight across the pieces of its span. A mark's `title` (shown on hover) gives the
//! label, the linked entity, the attributes and the note; `data-id` names the annotation.
//!
//! Everything that comes from the project (text, labels, attribute values, notes, names) is
//! escaped, so a hostile label or article cannot inject markup. Characters HTML cannot carry
//! as text (NUL and other C0 controls) become U+FFFD.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{LossReport, Selection, place};
use crate::model::{
    Annotation, AnnotationSet, AttrValue, CharOffset, Document, EntityRegistry, LabelKind, Project,
};

/// Underline lanes drawn; deeper annotations share the last one.
const MAX_LANE: usize = 7;
/// Pixels between underline lanes.
const LANE_PX: usize = 4;

/// Escapes text for HTML text and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A parser turns CR and CRLF into LF; a reference keeps it.
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() && (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Writes the report for a selection.
pub fn write<W: Write>(
    selection: &Selection<'_>,
    out: &mut W,
    report: &mut LossReport,
) -> io::Result<()> {
    let project = selection.project;
    let mut html = String::new();
    head(project, &mut html);
    let _ = writeln!(
        html,
        "<h1>{}</h1>\n<p class=\"meta\">Lector report: {} annotation sets</p>",
        escape(&project.name),
        selection.items.len()
    );
    legend(project, &mut html);
    // How each claim and prediction turned out, as the Predictions and Claims views say.
    let tracker = crate::predict::Tracker::build(project);
    let outcomes = tracker.by_copy();
    for &(document, set) in &selection.items {
        report.documents += 1;
        document_section(project, document, set, &outcomes, &mut html, report);
    }
    super::html_track::track_section(project, &tracker, &mut html);
    html.push_str("</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

fn head(project: &Project, html: &mut String) {
    html.push_str("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    let _ = writeln!(
        html,
        "<title>{} — Lector report</title>",
        escape(&project.name)
    );
    html.push_str("<style>\n");
    html.push_str(
        "body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}\n\
         h2{margin-top:3rem;border-top:2px solid #ccc;padding-top:1rem}\n\
         .meta{color:#555}\n\
         .article{white-space:pre-wrap;border:1px solid #ddd;border-radius:4px;padding:1rem 1.25rem}\n\
         mark{color:inherit;background:var(--b);border-bottom:3px solid var(--c);padding-bottom:var(--p,0)}\n\
         table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}\n\
         th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}\n\
         th{background:#f4f4f4}\n\
         td{white-space:pre-line}\n\
         .swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;background:var(--c);vertical-align:-.1em;margin-right:.3em}\n\
         .legend span{margin-right:1.2rem;white-space:nowrap}\n\
         .card{border:1px solid #ddd;border-left:6px solid var(--c);border-radius:4px;padding:.5rem 1rem;margin:.75rem 0}\n\
         .card blockquote{margin:.25rem 0 .5rem;font-style:italic}\n\
         dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}\n\
         dt{font-weight:600}dd{margin:0}\n\
         .none{color:#888}\n\
         .nowrap{white-space:nowrap;width:1%}\n",
    );
    for (i, label) in project.schema.labels.iter().enumerate() {
        // Colours are formatted by Lector (`#rrggbb`), never taken from text.
        // A tint of the colour (alpha 0x29, 16 %) for the background of marks.
        let _ = writeln!(html, ".l{i}{{--c:{0};--b:{0}29}}", label.color);
    }
    html.push_str(".lx{--c:#888888;--b:#88888829}\n");
    for lane in 1..=MAX_LANE {
        let _ = writeln!(html, ".d{lane}{{--p:{}px}}", lane * LANE_PX);
    }
    html.push_str("</style>\n</head>\n<body>\n");
}

fn label_class(project: &Project, label: &str) -> String {
    project
        .schema
        .labels
        .iter()
        .position(|l| l.name == label)
        .map_or_else(|| "lx".to_owned(), |i| format!("l{i}"))
}

fn legend(project: &Project, html: &mut String) {
    html.push_str("<p class=\"legend\">");
    for (i, label) in project.schema.labels.iter().enumerate() {
        let _ = write!(
            html,
            "<span><span class=\"swatch l{i}\"></span>{} <small class=\"meta\">({})</small></span>",
            escape(&label.name),
            label.kind.name()
        );
    }
    html.push_str("</p>\n");
}

/// An attribute value for people: entities by name, annotations by their text.
fn display_value(
    value: &AttrValue,
    registry: Option<&EntityRegistry>,
    document: &Document,
    set: &AnnotationSet,
) -> String {
    match value {
        AttrValue::Entity(id) => registry
            .and_then(|r| r.get(id))
            .map_or_else(|| id.0.clone(), |e| e.name.clone()),
        AttrValue::Annotation(id) => set.get(id).map_or_else(
            || id.0.to_string(),
            |a| format!("“{}”", a.covered_text(&document.text)),
        ),
        other => other.to_string(),
    }
}

/// What each claim and prediction of the project came to, by copy.
type Outcomes<'a> = crate::predict::tracker::ByCopy<'a>;

/// An attribute's value as the report shows it: a claim's `verdict` as a resolver recorded
/// it, where one did (the attribute is the annotator's reading when tagging, and a record
/// made since is what counts, as in the Claims view and the CSV export).
fn shown_value(
    outcomes: &Outcomes<'_>,
    set: &AnnotationSet,
    annotation: &Annotation,
    name: &str,
    value: &AttrValue,
    registry: Option<&EntityRegistry>,
    document: &Document,
) -> String {
    if name == "verdict"
        && let Some(claim) = recorded_claim(outcomes, set, annotation)
    {
        return claim
            .other_verdict
            .clone()
            .unwrap_or_else(|| claim.verdict.name().to_owned());
    }
    display_value(value, registry, document, set)
}

/// The claim this annotation is a copy of, if a resolver recorded its verdict.
fn recorded_claim<'a>(
    outcomes: &Outcomes<'a>,
    set: &AnnotationSet,
    annotation: &Annotation,
) -> Option<&'a crate::predict::TrackedClaim> {
    let key = crate::model::RecordKey::new(&set.document, &set.annotator, annotation.id.clone());
    outcomes
        .claims
        .get(&key)
        .copied()
        .filter(|c| matches!(c.verdict_from, crate::predict::VerdictSource::Record(_)))
}

/// The hover text of an annotation.
fn title(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    outcomes: &Outcomes<'_>,
    annotation: &Annotation,
) -> String {
    let registry = project.registry(&set.annotator);
    let mut lines = vec![annotation.label.to_string()];
    if let Some(entity) = &annotation.entity {
        let name = registry
            .and_then(|r| r.get(entity))
            .map_or(entity.0.as_str(), |e| e.name.as_str());
        lines.push(format!("entity: {name}"));
    }
    for (name, value) in &annotation.attributes {
        lines.push(format!(
            "{name}: {}",
            shown_value(outcomes, set, annotation, name, value, registry, document)
        ));
    }
    if !annotation.note.is_empty() {
        lines.push(format!("note: {}", annotation.note));
    }
    lines.join("\n")
}

/// Each annotation's underline lane: the lowest lane no overlapping, earlier annotation uses.
fn lanes(set: &AnnotationSet) -> Vec<usize> {
    let mut lanes: Vec<usize> = Vec::with_capacity(set.annotations().len());
    // (end, lane) of annotations still open, by start order.
    let mut open: Vec<(CharOffset, usize)> = Vec::new();
    for annotation in set.iter() {
        open.retain(|&(end, _)| end > annotation.start());
        let lane = (0..)
            .find(|l| open.iter().all(|&(_, used)| used != *l))
            .unwrap_or(0);
        open.push((annotation.end(), lane));
        lanes.push(lane);
    }
    lanes
}

/// The article with nested marks.
fn article(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    outcomes: &Outcomes<'_>,
    html: &mut String,
) {
    let text = &document.text;
    let lanes = lanes(set);
    let deepest = lanes.iter().copied().max().unwrap_or(0).min(MAX_LANE);
    // Opening tag of each annotation, made once.
    let tags: Vec<String> = set
        .annotations()
        .iter()
        .zip(&lanes)
        .map(|(a, &lane)| {
            let lane = lane.min(MAX_LANE);
            let depth = if lane > 0 {
                format!(" d{lane}")
            } else {
                String::new()
            };
            format!(
                "<mark class=\"{}{depth}\" data-id=\"{}\" title=\"{}\">",
                label_class(project, &a.label),
                escape(&a.id.0),
                escape(&title(project, document, set, outcomes, a)).replace('\n', "&#10;")
            )
        })
        .collect();
    // Every fragment boundary, and which annotations start and end there.
    let mut starts: BTreeMap<CharOffset, Vec<usize>> = BTreeMap::new();
    let mut ends: BTreeMap<CharOffset, Vec<usize>> = BTreeMap::new();
    for (i, a) in set.iter().enumerate() {
        for f in &a.fragments {
            starts.entry(f.start).or_default().push(i);
            ends.entry(f.end).or_default().push(i);
        }
    }
    let mut cuts: BTreeSet<CharOffset> = starts.keys().chain(ends.keys()).copied().collect();
    cuts.insert(CharOffset(0));
    cuts.insert(text.len_chars());
    let cuts: Vec<CharOffset> = cuts.into_iter().collect();
    let _ = write!(
        html,
        "<div class=\"article\" data-document=\"{}\" data-annotator=\"{}\" style=\"line-height:calc(1.6em + {}px)\">",
        escape(&set.document),
        escape(&set.annotator),
        (deepest + 1) * LANE_PX
    );
    // Open annotations, outer marks first: deeper lanes outside, then by position in the set.
    // Fragments of one annotation never touch, so an end and a start at one offset are two
    // different annotations.
    let mut active: BTreeSet<(std::cmp::Reverse<usize>, usize)> = BTreeSet::new();
    let key = |i: usize| (std::cmp::Reverse(lanes.get(i).copied().unwrap_or(0)), i);
    for pair in cuts.windows(2) {
        let [from, to] = pair else { continue };
        for &i in ends.get(from).into_iter().flatten() {
            active.remove(&key(i));
        }
        for &i in starts.get(from).into_iter().flatten() {
            active.insert(key(i));
        }
        let Some(piece) = text.slice(*from, *to) else {
            continue;
        };
        for &(_, i) in &active {
            if let Some(tag) = tags.get(i) {
                html.push_str(tag);
            }
        }
        html.push_str(&escape(piece));
        for _ in &active {
            html.push_str("</mark>");
        }
    }
    html.push_str("</div>\n");
}

fn document_section(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    outcomes: &Outcomes<'_>,
    html: &mut String,
    report: &mut LossReport,
) {
    let _ = writeln!(
        html,
        "<h2>{}</h2>\n<p class=\"meta\">Document {} · annotator {} · {} · {} annotations</p>",
        escape(&document.meta.title),
        escape(&document.meta.id),
        escape(&set.annotator),
        set.status.name(),
        set.annotations().len()
    );
    if let Some(url) = &document.meta.source_url {
        // A link to read the original; nothing is loaded from it.
        let _ = writeln!(
            html,
            "<p class=\"meta source\">Source <a href=\"{0}\" rel=\"noreferrer\">{0}</a>{1}</p>",
            escape(url),
            document
                .meta
                .fetched
                .map(|t| format!(
                    ", fetched {}",
                    escape(&t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                ))
                .unwrap_or_default()
        );
    }
    article(project, document, set, outcomes, html);
    let registry = project.registry(&set.annotator);
    for annotation in set.iter() {
        report.annotations += 1;
        let unnamed = annotation
            .linked_entities()
            .any(|id| registry.and_then(|r| r.get(id)).is_none());
        if unnamed {
            report.add(
                "entities without a name (not in the annotator's entities file): shown by id",
                || place(set, annotation),
            );
        }
    }
    label_tables(project, document, set, outcomes, html);
    claims_and_predictions(project, document, set, outcomes, html);
}

fn positions(annotation: &Annotation) -> String {
    let parts: Vec<String> = annotation
        .fragments
        .iter()
        .map(|f| format!("{}–{}", f.start, f.end))
        .collect();
    parts.join(", ")
}

fn label_tables(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    outcomes: &Outcomes<'_>,
    html: &mut String,
) {
    let registry = project.registry(&set.annotator);
    let mut labels: Vec<&str> = project
        .schema
        .labels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    // Labels the schema no longer has come last, so that nothing is left out.
    for a in set.iter() {
        if !labels.contains(&a.label.as_str()) {
            labels.push(&a.label);
        }
    }
    for name in labels {
        let rows: Vec<&Annotation> = set.iter().filter(|a| a.label == name).collect();
        if rows.is_empty() {
            continue;
        }
        let label = project.schema.label(name);
        let is_entity = label.is_none_or(|l| l.kind == LabelKind::Entity);
        // Attributes share one column (the cards below show them in full), so that a label
        // with many attributes still makes a table that fits the page.
        let has_attributes = label.is_some_and(|l| !l.attributes.is_empty())
            || rows.iter().any(|a| !a.attributes.is_empty());
        let _ = writeln!(
            html,
            "<h3><span class=\"swatch {}\"></span>{} <small class=\"meta\">({})</small></h3>",
            label_class(project, name),
            escape(name),
            rows.len()
        );
        html.push_str("<table>\n<thead><tr><th>Text</th><th>Characters</th>");
        if is_entity {
            html.push_str("<th>Entity</th>");
        }
        if has_attributes {
            html.push_str("<th>Attributes</th>");
        }
        html.push_str("<th>Note</th><th>Modified</th></tr></thead>\n<tbody>\n");
        for a in rows {
            let _ = write!(
                html,
                "<tr data-id=\"{}\"><td>{}</td><td class=\"nowrap\">{}</td>",
                escape(&a.id.0),
                escape(&a.covered_text(&document.text)),
                positions(a)
            );
            if is_entity {
                let entity = a.entity.as_ref().map(|id| {
                    registry
                        .and_then(|r| r.get(id))
                        .map_or(id.0.as_str(), |e| e.name.as_str())
                });
                cell(html, entity);
            }
            if has_attributes {
                let lines: Vec<String> = a
                    .attributes
                    .iter()
                    .map(|(name, v)| {
                        format!(
                            "{name}: {}",
                            shown_value(outcomes, set, a, name, v, registry, document)
                        )
                    })
                    .collect();
                let joined = lines.join("\n");
                cell(html, Some(joined.as_str()).filter(|s| !s.is_empty()));
            }
            cell(html, Some(a.note.as_str()).filter(|n| !n.is_empty()));
            // RFC 3339 with a space, so that it wraps (if at all) between date and time.
            let _ = writeln!(
                html,
                "<td>{}</td></tr>",
                a.modified.to_string().replacen('T', " ", 1)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
}

fn cell(html: &mut String, value: Option<&str>) {
    match value {
        Some(v) => {
            let _ = write!(html, "<td>{}</td>", escape(v));
        }
        None => html.push_str("<td class=\"none\">—</td>"),
    }
}

fn claims_and_predictions(
    project: &Project,
    document: &Document,
    set: &AnnotationSet,
    outcomes: &Outcomes<'_>,
    html: &mut String,
) {
    let registry = project.registry(&set.annotator);
    let items: Vec<(&Annotation, &crate::model::Label)> = set
        .iter()
        .filter_map(|a| project.schema.label(&a.label).map(|l| (a, l)))
        .filter(|(_, l)| matches!(l.kind, LabelKind::Claim | LabelKind::Prediction))
        .collect();
    if items.is_empty() {
        return;
    }
    html.push_str("<h3>Claims and predictions</h3>\n");
    for (a, label) in items {
        let _ = writeln!(
            html,
            "<div class=\"card {}\" data-id=\"{}\"><strong>{}</strong> <span class=\"meta\">({})</span>\n<blockquote>{}</blockquote>\n<dl>",
            label_class(project, &a.label),
            escape(&a.id.0),
            escape(&a.label),
            label.kind.name(),
            escape(&a.covered_text(&document.text))
        );
        for def in &label.attributes {
            let value = a
                .attributes
                .get(&def.name)
                .map(|v| shown_value(outcomes, set, a, &def.name, v, registry, document))
                .or_else(|| {
                    // A verdict recorded for a claim tagged without one.
                    (def.name == "verdict")
                        .then(|| recorded_claim(outcomes, set, a))
                        .flatten()
                        .map(|c| c.verdict.name().to_owned())
                });
            let _ = write!(
                html,
                "<dt title=\"{}\">{}</dt>",
                escape(&def.help),
                escape(&def.name)
            );
            match value {
                Some(v) => {
                    let _ = writeln!(html, "<dd>{}</dd>", escape(&v));
                }
                None => html.push_str("<dd class=\"none\">—</dd>\n"),
            }
        }
        if !a.note.is_empty() {
            let _ = writeln!(html, "<dt>note</dt><dd>{}</dd>", escape(&a.note));
        }
        outcome_rows(outcomes, set, a, html);
        html.push_str("</dl></div>\n");
    }
}

/// How a prediction turned out, or who checked a claim's verdict, when and on what
/// evidence, as a resolver recorded it (nothing for one still open or unchecked).
fn outcome_rows(outcomes: &Outcomes<'_>, set: &AnnotationSet, a: &Annotation, html: &mut String) {
    let key = crate::model::RecordKey::new(&set.document, &set.annotator, a.id.clone());
    let (outcome, at, by, evidence, note) = if let Some(p) = outcomes.predictions.get(&key) {
        if p.status == crate::predict::ResolutionStatus::Open {
            return;
        }
        let outcome = format!("outcome: {}", p.status.words());
        (
            outcome,
            p.resolved_at,
            p.resolved_by.as_deref(),
            &p.evidence,
            p.resolution_note.as_deref(),
        )
    } else if let Some(c) = recorded_claim(outcomes, set, a) {
        let by = match &c.verdict_from {
            crate::predict::VerdictSource::Record(who) => Some(who.as_str()),
            _ => None,
        };
        let verdict = c.other_verdict.as_deref().unwrap_or(c.verdict.name());
        (
            format!("checked: {verdict}"),
            c.checked_at,
            by,
            &c.evidence,
            c.note.as_deref(),
        )
    } else {
        return;
    };
    let (what, value) = outcome.split_once(": ").unwrap_or(("outcome", ""));
    let _ = writeln!(html, "<dt>{what}</dt><dd>{}</dd>", escape(value));
    let mut when = Vec::new();
    if let Some(by) = by {
        when.push(format!("by {by}"));
    }
    if let Some(at) = at {
        when.push(format!("on {at}"));
    }
    if !when.is_empty() {
        let _ = writeln!(
            html,
            "<dt>recorded</dt><dd>{}</dd>",
            escape(&when.join(" "))
        );
    }
    for item in evidence {
        let _ = writeln!(html, "<dt>evidence</dt><dd>{}</dd>", escape(item));
    }
    if let Some(note) = note {
        let _ = writeln!(html, "<dt>resolver's note</dt><dd>{}</dd>", escape(note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\r\u{0}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;&#13;\u{FFFD}"
        );
    }
}
