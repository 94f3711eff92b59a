//! Agreement on the attributes of spans matched by overlap (`reference/agreement.md` §5),
//! and the comparable form of attribute values that alignment uses too.
//!
//! Values are compared as annotators would read them: choices and texts as written, entity
//! links by entity id (a slug of the name), a reference to another annotation by that
//! annotation's label and fragments (ids differ between annotators' files by design).
//! The span's own entity link is compared as the pseudo-attribute [`ENTITY_LINK`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::coefficients::{Level, cohen_kappa, krippendorff_alpha_at, mean};
use crate::model::schema::CERTAINTY;
use crate::model::{
    Annotation, AnnotationId, AnnotationSet, AttrType, AttrValue, Fragment, Schema, SpanTable,
};

/// The name under which a span's entity link is compared, like an attribute.
pub const ENTITY_LINK: &str = "entity";

/// How far annotators agree on one attribute of one label.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeAgreement {
    /// The level of measurement used for α: ordinal for the certainty scale, interval for
    /// numbers and dates, nominal otherwise.
    pub level: Level,
    /// Matched pairs where both spans have a value (summed over annotator pairs).
    pub compared: usize,
    /// Of those, pairs with equal values.
    pub agreeing: usize,
    /// Matched pairs where only one span has a value.
    pub one_sided: usize,
    /// Spans of the label without an overlap match, whose attributes are not compared.
    pub unmatched_spans: usize,
    /// `agreeing / compared` (the mean over annotator pairs when there are more than two);
    /// `None` when nothing was compared.
    pub observed: Option<f64>,
    /// Cohen's κ over the compared pairs (two annotators only); `None` when undefined.
    pub cohen_kappa: Option<f64>,
    /// Krippendorff's α at [`Self::level`] over the compared pairs (the mean over annotator
    /// pairs when there are more than two); `None` when undefined.
    pub krippendorff_alpha: Option<f64>,
}

/// Where a value that refers to another annotation finds it: an annotation set, or a set
/// read as a table.
pub(crate) trait Targets {
    /// The label and fragments of the annotation `id`, if there is one.
    fn target(&self, id: &AnnotationId) -> Option<(&str, &[Fragment])>;
}

impl Targets for AnnotationSet {
    fn target(&self, id: &AnnotationId) -> Option<(&str, &[Fragment])> {
        self.get(id)
            .map(|t| (t.label.as_str(), t.fragments.as_slice()))
    }
}

impl Targets for SpanTable {
    fn target(&self, id: &AnnotationId) -> Option<(&str, &[Fragment])> {
        let i = self.find(id)?;
        Some((self.label(i)?, self.fragments(i)))
    }
}

/// A value in comparable form.
pub(crate) fn comparable(value: &AttrValue, set: &(impl Targets + ?Sized)) -> String {
    match value {
        AttrValue::Annotation(id) => set.target(id).map_or_else(
            || format!("annotation {id}"),
            |(label, fragments)| {
                let mut key = label.to_owned();
                for f in fragments {
                    let _ = write!(key, " {}:{}", f.start, f.end);
                }
                key
            },
        ),
        other => other.to_string(),
    }
}

/// The attribute values of a span in comparable form, with its entity link.
pub(crate) fn comparable_values(
    span: &Annotation,
    set: &(impl Targets + ?Sized),
) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = span
        .attributes
        .iter()
        .map(|(name, value)| (name.clone(), comparable(value, set)))
        .collect();
    if let Some(entity) = &span.entity {
        values
            .entry(ENTITY_LINK.to_owned())
            .or_insert_with(|| entity.0.clone());
    }
    values
}

/// The level of measurement of an attribute, and for ordinal scales the values in rank order.
fn level_of(schema: &Schema, label: &str, attribute: &str) -> (Level, Vec<String>) {
    let ty = schema
        .label(label)
        .and_then(|l| l.attribute(attribute))
        .map(|a| &a.ty);
    match ty {
        // FactBank's grades are ordered; "unknown" is off the scale (missing for α).
        Some(AttrType::Choice(values)) if values.iter().map(String::as_str).eq(CERTAINTY) => (
            Level::Ordinal,
            CERTAINTY
                .iter()
                .filter(|v| **v != "unknown")
                .map(|v| (*v).to_owned())
                .collect(),
        ),
        Some(AttrType::Number | AttrType::Date) => (Level::Interval, Vec::new()),
        _ => (Level::Nominal, Vec::new()),
    }
}

/// The number α works with; `None` leaves the value out (off the scale, unparseable).
fn numeric(
    value: &str,
    level: Level,
    ranks: &[String],
    nominal: &mut BTreeMap<String, f64>,
) -> Option<f64> {
    match level {
        Level::Ordinal => ranks.iter().position(|r| r == value).map(|i| i as f64),
        Level::Interval | Level::Ratio => value.parse::<f64>().ok().or_else(|| {
            let date: jiff::civil::Date = value.parse().ok()?;
            let days = date.since(jiff::civil::Date::constant(1970, 1, 1)).ok()?;
            Some(f64::from(days.get_days()))
        }),
        Level::Nominal => {
            let next = nominal.len() as f64;
            Some(*nominal.entry(value.to_owned()).or_insert(next))
        }
    }
}

/// What one annotator pair's matched spans of one label say about one attribute.
#[derive(Clone, Debug, Default)]
pub(crate) struct PairTally {
    /// `(a's value, b's value)` of pairs where both are set.
    pub both: Vec<(String, String)>,
    /// Pairs where one is set.
    pub one_sided: usize,
}

impl PairTally {
    /// Records one matched pair's values of an attribute.
    pub(crate) fn add(&mut self, a: Option<&String>, b: Option<&String>) {
        match (a, b) {
            (Some(a), Some(b)) => self.both.push((a.clone(), b.clone())),
            (Some(_), None) | (None, Some(_)) => self.one_sided += 1,
            (None, None) => {}
        }
    }

    fn agreeing(&self) -> usize {
        self.both.iter().filter(|(a, b)| a == b).count()
    }

    fn alpha(&self, level: Level, ranks: &[String]) -> Option<f64> {
        let mut nominal = BTreeMap::new();
        let mut row = |pick: fn(&(String, String)) -> &String| -> Vec<Option<f64>> {
            self.both
                .iter()
                .map(|pair| numeric(pick(pair), level, ranks, &mut nominal))
                .collect()
        };
        let a = row(|p| &p.0);
        let b = row(|p| &p.1);
        krippendorff_alpha_at(&[a, b], level)
    }
}

/// Combines the tallies of every annotator pair for one label's attribute.
/// `unmatched_spans` is the label's unmatched span count summed over pairs.
pub(crate) fn summarise(
    schema: &Schema,
    label: &str,
    attribute: &str,
    pairs: &[PairTally],
    unmatched_spans: usize,
    two_annotators: bool,
) -> AttributeAgreement {
    let (level, ranks) = level_of(schema, label, attribute);
    let observed: Vec<f64> = pairs
        .iter()
        .filter(|p| !p.both.is_empty())
        .map(|p| p.agreeing() as f64 / p.both.len() as f64)
        .collect();
    let alphas: Vec<f64> = pairs
        .iter()
        .filter_map(|p| p.alpha(level, &ranks))
        .collect();
    let cohen = pairs.first().filter(|_| two_annotators).and_then(|p| {
        let (a, b): (Vec<&String>, Vec<&String>) = p.both.iter().map(|(a, b)| (a, b)).unzip();
        cohen_kappa(&a, &b).map(|k| k.value)
    });
    AttributeAgreement {
        level,
        compared: pairs.iter().map(|p| p.both.len()).sum(),
        agreeing: pairs.iter().map(PairTally::agreeing).sum(),
        one_sided: pairs.iter().map(|p| p.one_sided).sum(),
        unmatched_spans,
        observed: mean(&observed),
        cohen_kappa: cohen,
        krippendorff_alpha: mean(&alphas),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certainty_is_ordinal_and_unknown_is_off_the_scale() {
        let schema = Schema::news_default();
        let (level, ranks) = level_of(&schema, "Prediction", "certainty");
        assert_eq!(level, Level::Ordinal);
        let mut nominal = BTreeMap::new();
        assert_eq!(numeric("probable", level, &ranks, &mut nominal), Some(1.0));
        assert_eq!(numeric("unknown", level, &ranks, &mut nominal), None);
        assert_eq!(level_of(&schema, "Prediction", "due").0, Level::Interval);
        assert_eq!(
            numeric("1970-01-11", Level::Interval, &[], &mut nominal),
            Some(10.0)
        );
        assert_eq!(level_of(&schema, "Claim", "verdict").0, Level::Nominal);
    }

    #[test]
    fn tallies_count_agreement_and_one_sided_values() {
        let mut tally = PairTally::default();
        let (x, y) = ("probable".to_owned(), "possible".to_owned());
        tally.add(Some(&x), Some(&x));
        tally.add(Some(&x), Some(&y));
        tally.add(Some(&x), None);
        tally.add(None, None);
        let schema = Schema::news_default();
        let s = summarise(&schema, "Prediction", "certainty", &[tally], 3, true);
        assert_eq!(
            (s.compared, s.agreeing, s.one_sided, s.unmatched_spans),
            (2, 1, 1, 3)
        );
        assert_eq!(s.observed, Some(0.5));
    }
}
