//! Claims per source: how many each source made and what checking found.

use serde::{Deserialize, Serialize};

/// What checking found, as the schema's `verdict` choice names it (FEVER, AVeriTeC).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not checked yet.
    #[default]
    Unreviewed,
    /// The evidence supports it.
    Supported,
    /// The evidence refutes it.
    Refuted,
    /// There is not enough evidence either way.
    NotEnoughEvidence,
    /// The evidence conflicts, or the claim cherry-picks.
    Conflicting,
}

impl Verdict {
    /// Every verdict, in the order of the schema's choice list.
    pub const ALL: [Self; 5] = [
        Self::Unreviewed,
        Self::Supported,
        Self::Refuted,
        Self::NotEnoughEvidence,
        Self::Conflicting,
    ];

    /// The choice string: `unreviewed`, `supported`, `refuted`, `not_enough_evidence`,
    /// `conflicting`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unreviewed => "unreviewed",
            Self::Supported => "supported",
            Self::Refuted => "refuted",
            Self::NotEnoughEvidence => "not_enough_evidence",
            Self::Conflicting => "conflicting",
        }
    }

    /// The name in words, as the views show it: `not enough evidence`.
    pub fn words(self) -> &'static str {
        match self {
            Self::Unreviewed => "unreviewed",
            Self::Supported => "supported",
            Self::Refuted => "refuted",
            Self::NotEnoughEvidence => "not enough evidence",
            Self::Conflicting => "conflicting",
        }
    }

    /// The verdict a choice string names, or `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|verdict| verdict.name() == name)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What counting needs to know of one claim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScoredClaim<'a> {
    /// The source (an entity id), or `None` where nobody is named.
    pub source: Option<&'a str>,
    /// The verdict choice, or `None` where it is not set (counted as unreviewed).
    pub verdict: Option<&'a str>,
}

/// One source's claims by verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClaimVerdictCounts {
    /// The source (an entity id), or `None` for claims without one.
    pub source: Option<String>,
    /// Claims made.
    pub claims: usize,
    /// Verdict `supported`.
    pub supported: usize,
    /// Verdict `refuted`.
    pub refuted: usize,
    /// Verdict `not_enough_evidence`.
    pub not_enough_evidence: usize,
    /// Verdict `conflicting`.
    pub conflicting: usize,
    /// Verdict `unreviewed`, or none set.
    pub unreviewed: usize,
    /// A verdict string the schema does not know (from an edited schema); counted in
    /// `claims` only, never guessed into one of the others.
    pub other: usize,
}

impl ClaimVerdictCounts {
    /// Counts one claim's verdict.
    fn count(&mut self, verdict: Option<&str>) {
        self.claims += 1;
        let slot = match verdict.map(Verdict::from_name) {
            None | Some(Some(Verdict::Unreviewed)) => &mut self.unreviewed,
            Some(Some(Verdict::Supported)) => &mut self.supported,
            Some(Some(Verdict::Refuted)) => &mut self.refuted,
            Some(Some(Verdict::NotEnoughEvidence)) => &mut self.not_enough_evidence,
            Some(Some(Verdict::Conflicting)) => &mut self.conflicting,
            Some(None) => &mut self.other,
        };
        *slot += 1;
    }
}

/// One [`ClaimVerdictCounts`] per source, sorted by source id, claims without a source last.
pub fn claim_verdicts<'c>(
    claims: impl IntoIterator<Item = ScoredClaim<'c>>,
) -> Vec<ClaimVerdictCounts> {
    let mut without = ClaimVerdictCounts::default();
    let mut counts = super::score::fold_by_key(
        claims.into_iter().filter_map(|claim| match claim.source {
            Some(source) => Some((source, claim.verdict)),
            None => {
                without.count(claim.verdict);
                None
            }
        }),
        |source| ClaimVerdictCounts {
            source: Some(source.to_owned()),
            ..ClaimVerdictCounts::default()
        },
        ClaimVerdictCounts::count,
    );
    if without.claims > 0 {
        counts.push(without);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::VERDICT;

    /// The words the views show are the file's names with spaces.
    #[test]
    fn a_verdict_in_words_is_its_name_spaced() {
        for verdict in Verdict::ALL {
            assert_eq!(verdict.words(), verdict.name().replace('_', " "));
        }
    }

    #[test]
    fn names_are_the_schema_choices() {
        let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(names, VERDICT);
        assert_eq!(
            Verdict::from_name("not_enough_evidence"),
            Some(Verdict::NotEnoughEvidence)
        );
        assert_eq!(Verdict::from_name("Supported"), None);
        assert_eq!(
            ron::to_string(&Verdict::NotEnoughEvidence).unwrap(),
            "not_enough_evidence"
        );
    }

    fn claim<'a>(source: Option<&'a str>, verdict: Option<&'a str>) -> ScoredClaim<'a> {
        ScoredClaim { source, verdict }
    }

    #[test]
    fn counts_per_source() {
        let claims = [
            claim(Some("putin"), Some("refuted")),
            claim(Some("lukashenko"), Some("supported")),
            claim(Some("putin"), Some("supported")),
            claim(Some("putin"), None),
            claim(Some("putin"), Some("unreviewed")),
            claim(Some("putin"), Some("conflicting")),
            claim(Some("putin"), Some("not_enough_evidence")),
            claim(Some("putin"), Some("mostly_false")),
            claim(None, Some("refuted")),
        ];
        let counts = claim_verdicts(claims);
        let sources: Vec<Option<&str>> = counts.iter().map(|c| c.source.as_deref()).collect();
        assert_eq!(sources, [Some("lukashenko"), Some("putin"), None]);
        assert_eq!(
            counts[1],
            ClaimVerdictCounts {
                source: Some("putin".into()),
                claims: 7,
                supported: 1,
                refuted: 1,
                not_enough_evidence: 1,
                conflicting: 1,
                // One without a verdict, one set to unreviewed.
                unreviewed: 2,
                other: 1,
            }
        );
        assert_eq!((counts[0].claims, counts[0].supported), (1, 1));
        assert_eq!((counts[2].claims, counts[2].refuted), (1, 1));
    }

    #[test]
    fn no_claims_no_rows() {
        assert_eq!(claim_verdicts([]), Vec::new());
    }
}
