//! The certainty grades of a prediction (FactBank's, as the schema names them) and what
//! negation does to them.

use serde::{Deserialize, Serialize};

/// How sure the holder presents themselves, as the schema's `certainty` choice names it.
///
/// The grades follow FactBank (`CT+ PR+ PS± PR− CT− Uu`, see
/// `reference/claims-and-predictions.md` §2). The grade is about the event the span describes,
/// counted positively: "Putin kommer inte att förbli av kurs" is `certainly_not` that Putin
/// stays the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// CT+: "kommer att", "certainly".
    Certain,
    /// PR+: "troligen", "likely".
    Probable,
    /// PS±: "kanske", "might".
    Possible,
    /// PR−: "knappast", "unlikely".
    Improbable,
    /// CT−: "kommer inte att", "will not".
    CertainlyNot,
    /// Uu: the holder does not know or does not commit. Never proposed, never scored.
    Unknown,
}

impl Certainty {
    /// Every grade, in the order of the schema's choice list.
    pub const ALL: [Self; 6] = [
        Self::Certain,
        Self::Probable,
        Self::Possible,
        Self::Improbable,
        Self::CertainlyNot,
        Self::Unknown,
    ];

    /// The schema's choice string: `certain`, `probable`, `possible`, `improbable`,
    /// `certainly_not`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Certain => "certain",
            Self::Probable => "probable",
            Self::Possible => "possible",
            Self::Improbable => "improbable",
            Self::CertainlyNot => "certainly_not",
            Self::Unknown => "unknown",
        }
    }

    /// The grade a choice string names, or `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|grade| grade.name() == name)
    }

    /// The grade of the opposite event: a negation *under* the cue ("kommer … inte att",
    /// "troligt att … inte", "will not"). Certain and certainly not swap, probable and
    /// improbable swap, possible stays possible ("might not" is as open as "might").
    #[must_use]
    pub fn negated(self) -> Self {
        match self {
            Self::Certain => Self::CertainlyNot,
            Self::Probable => Self::Improbable,
            Self::Possible => Self::Possible,
            Self::Improbable => Self::Probable,
            Self::CertainlyNot => Self::Certain,
            Self::Unknown => Self::Unknown,
        }
    }

    /// The grade when a negation stands *over* the cue ("inte troligt", "not likely",
    /// "inte säkert", "inte möjligt"). Not certain leaves it possible; not probable is
    /// improbable (as "not likely" is said for "unlikely"); not possible is certainly not;
    /// not improbable and not certainly-not leave it possible.
    #[must_use]
    pub fn denied(self) -> Self {
        match self {
            Self::Certain | Self::Improbable | Self::CertainlyNot => Self::Possible,
            Self::Probable => Self::Improbable,
            Self::Possible => Self::CertainlyNot,
            Self::Unknown => Self::Unknown,
        }
    }
}

impl std::fmt::Display for Certainty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::CERTAINTY;

    #[test]
    fn names_are_the_schema_choices() {
        let names: Vec<&str> = Certainty::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, CERTAINTY);
        for name in CERTAINTY {
            assert_eq!(Certainty::from_name(name).map(Certainty::name), Some(name));
        }
        assert_eq!(Certainty::from_name("Probable"), None);
    }

    #[test]
    fn serde_uses_the_schema_names() {
        assert_eq!(
            ron::to_string(&Certainty::CertainlyNot).unwrap(),
            "certainly_not"
        );
        let back: Certainty = ron::from_str("improbable").unwrap();
        assert_eq!(back, Certainty::Improbable);
    }

    #[test]
    fn negation_under_the_cue_is_an_involution() {
        assert_eq!(Certainty::Certain.negated(), Certainty::CertainlyNot);
        assert_eq!(Certainty::Probable.negated(), Certainty::Improbable);
        assert_eq!(Certainty::Possible.negated(), Certainty::Possible);
        for grade in Certainty::ALL {
            assert_eq!(grade.negated().negated(), grade);
        }
    }

    #[test]
    fn negation_over_the_cue() {
        assert_eq!(Certainty::Certain.denied(), Certainty::Possible);
        assert_eq!(Certainty::Probable.denied(), Certainty::Improbable);
        assert_eq!(Certainty::Possible.denied(), Certainty::CertainlyNot);
        assert_eq!(Certainty::Unknown.denied(), Certainty::Unknown);
    }
}
