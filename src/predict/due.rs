//! Due dates read from what an analyst types: a date, or a phrase read against an anchor date
//! (the document's publication date, else the date it was added).
//!
//! Swedish and English, ignoring case, commas and a final full stop:
//!
//! | Typed | Due |
//! |---|---|
//! | `2027-03-12`, `12 mars 2027`, `12th March 2027`, `March 12, 2027`, `31/12/2026`, `12.3.2027` | that day (slash and dot forms day first) |
//! | `före årets slut`, `vid årets slut`, `i slutet av året`, `i år`, `by the end of the year`, `end of the year`, `by year end`, `this year` | 31 December of the anchor's year |
//! | `nästa år`, `next year` | 31 December of the year after |
//! | `före utgången av 2027`, `i slutet av 2027`, `by the end of 2027`, `end of 2027`, `in 2027`, `2027` | 2027-12-31 |
//! | `i mars 2027`, `end of March 2027` | the last day of that month |
//! | `inom N år/månader/veckor/dagar`, `om N år`, `within N years/months/weeks/days`, `in N years` | the anchor plus N (a month later than 31 January is the last day of February) |
//! | `nästa månad`, `next month` | the last day of the month after the anchor's |
//!
//! N is digits or a word up to twelve (`en`, `ett`, `två` … `tolv`; `a`, `one`, `two` …
//! `twelve`). The due date is the last day the event may happen on, so the leading words count:
//!
//! - `i`, `in`, `under`, `during`, `senast`, `inom`, `within`, `vid`, `the`, `den`, `on` are
//!   read past: `in 2027`, `senast 2027`, `inom året` are the period's last day.
//! - `före`, `innan`, `before` put it on the last day before the period starts:
//!   `före 2027` is 2026-12-31, `before 12 March 2027` is 2027-03-11; but "before the end
//!   of 2027" (`före utgången av 2027`, `före årets slut`) is the end itself.
//! - `by`, `until`, `till`, `tills` before a day name that day (`by March 12, 2027`); before a
//!   year or month (`by 2027`, `till nästa år`) they could mean its start or its end, which is
//!   an error asking for "by the end of …", "before …" or a date.
//!
//! Anything else is an error that says so: a due date is never guessed.

use jiff::civil::Date;
use jiff::{Span, ToSpan as _};

/// A due date and how it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueReading {
    /// The due date.
    pub date: Date,
    /// How the phrase was read, for the app and stderr:
    /// "by the end of 2027 → 2027-12-31",
    /// "inom två år → 2026-02-20 + 2 years: 2028-02-20".
    pub explanation: String,
}

/// Why a phrase gave no due date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DueError {
    /// It has the shape of a date, but there is no such day.
    #[error("“{phrase}” is not a date: {reason}")]
    ImpossibleDate {
        /// The phrase as typed.
        phrase: String,
        /// What is wrong: "February 2027 has 28 days".
        reason: String,
    },
    /// A day and month without a year.
    #[error("“{phrase}” names no year; add one, as in “12 mars 2027”")]
    MissingYear {
        /// The phrase as typed.
        phrase: String,
    },
    /// The date would fall outside the years Lector can store (−9999 to 9999).
    #[error("“{phrase}” falls outside the dates Lector can store")]
    OutOfRange {
        /// The phrase as typed.
        phrase: String,
    },
    /// "by 2027", "till nästa år": the start or the end of it?
    #[error(
        "“{phrase}” could mean the start or the end of {what}; write “by the end of …”, \
         “before …” or a date"
    )]
    Ambiguous {
        /// The phrase as typed.
        phrase: String,
        /// The period it names: "2027", "March 2027", "the year after 2026-02-20".
        what: String,
    },
    /// Not a date and not a phrase Lector knows.
    #[error(
        "cannot read “{phrase}” as a due date; write a date (2027-03-12, 12 mars 2027, \
         March 12, 2027, 31/12/2026) or a phrase such as “by the end of 2027”, \
         “inom två år”, “next month”"
    )]
    Unreadable {
        /// The phrase as typed.
        phrase: String,
    },
}

/// Month names and abbreviations, Swedish and English, with their numbers.
const MONTHS: &[(&str, i8)] = &[
    ("januari", 1),
    ("january", 1),
    ("jan", 1),
    ("februari", 2),
    ("february", 2),
    ("feb", 2),
    ("mars", 3),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("maj", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("jun", 6),
    ("juli", 7),
    ("july", 7),
    ("jul", 7),
    ("augusti", 8),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("oktober", 10),
    ("october", 10),
    ("okt", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// English month names for messages, January first.
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Numbers up to twelve as words.
const NUMBER_WORDS: &[(&str, i64)] = &[
    ("en", 1),
    ("ett", 1),
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("två", 2),
    ("two", 2),
    ("tre", 3),
    ("three", 3),
    ("fyra", 4),
    ("four", 4),
    ("fem", 5),
    ("five", 5),
    ("sex", 6),
    ("six", 6),
    ("sju", 7),
    ("seven", 7),
    ("åtta", 8),
    ("eight", 8),
    ("nio", 9),
    ("nine", 9),
    ("tio", 10),
    ("ten", 10),
    ("elva", 11),
    ("eleven", 11),
    ("tolv", 12),
];

/// Words for "the end of" before "av"/"of".
const END_WORDS: [&str; 4] = ["slutet", "utgången", "end", "slut"];

/// A unit of time in "inom två år".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Years,
    Months,
    Weeks,
    Days,
}

impl Unit {
    fn from_word(word: &str) -> Option<Self> {
        let word = word.trim_end_matches('\'');
        Some(match word {
            "år" | "åren" | "året" | "year" | "years" => Self::Years,
            "månad" | "månader" | "månaderna" | "månaden" | "month" | "months" => Self::Months,
            "vecka" | "veckor" | "veckorna" | "veckan" | "week" | "weeks" => Self::Weeks,
            "dag" | "dagar" | "dagarna" | "dagen" | "day" | "days" => Self::Days,
            _ => return None,
        })
    }

    fn name(self, n: i64) -> &'static str {
        match (self, n == 1) {
            (Self::Years, true) => "year",
            (Self::Years, false) => "years",
            (Self::Months, true) => "month",
            (Self::Months, false) => "months",
            (Self::Weeks, true) => "week",
            (Self::Weeks, false) => "weeks",
            (Self::Days, true) => "day",
            (Self::Days, false) => "days",
        }
    }
}

/// What the words before the period say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lead {
    /// "2027", "in 2027", "senast 2027", "i slutet av 2027": the period's last day.
    Within,
    /// "före 2027", "before March 2027": the last day before the period starts.
    Before,
    /// "by 2027", "till 2027": the start or the end of it? Only a day is read.
    By,
}

/// A stretch of time a phrase names, before the leading words are applied.
struct Period {
    first: Date,
    last: Date,
    /// "2027", "March 2027", "the year of 2026-02-20".
    what: String,
    /// Whether the phrase names it literally ("2027", "March 2027"), not relative to the anchor.
    named: bool,
}

impl Period {
    fn year(year: i16) -> Result<Self, jiff::Error> {
        Ok(Self {
            first: Date::new(year, 1, 1)?,
            last: Date::new(year, 12, 31)?,
            what: year.to_string(),
            named: true,
        })
    }

    fn month(year: i16, month: i8) -> Result<Self, jiff::Error> {
        let first = Date::new(year, month, 1)?;
        Ok(Self {
            first,
            last: first.last_of_month(),
            what: format!("{} {year}", month_name(month)),
            named: true,
        })
    }

    fn relative(mut self, what: String) -> Self {
        self.what = what;
        self.named = false;
        self
    }
}

/// Reads a due date from `phrase` against `anchor` (the document's publication date, else the
/// date it was added); see the module documentation for the forms.
pub fn read_due(phrase: &str, anchor: Date) -> Result<DueReading, DueError> {
    let shown = phrase.trim();
    let normal = normalise(phrase);
    let words: Vec<&str> = normal.split_whitespace().collect();
    let unreadable = || DueError::Unreadable {
        phrase: shown.to_owned(),
    };
    let out_of_range = |_| DueError::OutOfRange {
        phrase: shown.to_owned(),
    };
    if let Some((n, unit)) = relative(&words) {
        let span = match unit {
            Unit::Years => Span::new().try_years(n),
            Unit::Months => Span::new().try_months(n),
            Unit::Weeks => Span::new().try_weeks(n),
            Unit::Days => Span::new().try_days(n),
        };
        let date = span
            .and_then(|span| anchor.checked_add(span))
            .map_err(out_of_range)?;
        let unit = unit.name(n);
        return Ok(DueReading {
            date,
            explanation: format!("{shown} → {anchor} + {n} {unit}: {date}"),
        });
    }
    let (lead, core) = leading(&words);
    if let Some(found) = explicit_date(core) {
        let named = found.map_err(|reason| DueError::ImpossibleDate {
            phrase: shown.to_owned(),
            reason,
        })?;
        if lead == Lead::Before {
            let date = named.yesterday().map_err(out_of_range)?;
            return Ok(DueReading {
                date,
                explanation: format!("{shown} → the day before {named}: {date}"),
            });
        }
        return Ok(DueReading {
            date: named,
            explanation: format!("{shown} → {named}"),
        });
    }
    if day_and_month(core).is_some() {
        return Err(DueError::MissingYear {
            phrase: shown.to_owned(),
        });
    }
    let (said_end, rest) = match core {
        [end, "av" | "of", rest @ ..] if END_WORDS.contains(end) => (true, leading(rest).1),
        [rest @ .., "slut"] => (true, rest),
        ["årets" | "year-end" | "årsskiftet" | "yearend"] | ["year", "end"] => {
            (true, &["år"][..])
        }
        _ => (false, core),
    };
    let year = anchor.year();
    let period = match rest {
        ["år" | "året" | "årets" | "year"]
        | ["this" | "detta", "year" | "år"]
        | ["det", "här", "året"]
        | ["senare", "i", "år"]
        | ["later", "this", "year"]
        | ["later", "in", "the", "year"] => Period::year(year)
            .map_err(out_of_range)?
            .relative(format!("the year of {anchor}")),
        ["nästa", "år"] | ["next", "year"] => Period::year(year.saturating_add(1))
            .map_err(out_of_range)?
            .relative(format!("the year after {anchor}")),
        ["nästa", "månad"] | ["next", "month"] => {
            let next = anchor
                .first_of_month()
                .checked_add(1.month())
                .map_err(out_of_range)?;
            Period::month(next.year(), next.month())
                .map_err(out_of_range)?
                .relative(format!("the month after {anchor}"))
        }
        ["månaden" | "month"] | ["this" | "denna", "month" | "månad"] if said_end => {
            Period::month(year, anchor.month())
                .map_err(out_of_range)?
                .relative(format!("the month of {anchor}"))
        }
        [named] | ["år" | "year", named] => {
            Period::year(year_number(named).ok_or_else(unreadable)?).map_err(out_of_range)?
        }
        [month, named] => Period::month(
            year_number(named).ok_or_else(unreadable)?,
            month_number(month).ok_or_else(unreadable)?,
        )
        .map_err(out_of_range)?,
        _ => return Err(unreadable()),
    };
    let Period {
        first,
        last,
        what,
        named,
    } = period;
    // "Before the end of 2027" is the end of 2027: the end is a day, not a period.
    let lead = if said_end { Lead::Within } else { lead };
    let (date, explanation) = match lead {
        Lead::Within if said_end && named => (last, format!("{shown} → {last}")),
        Lead::Within => (last, format!("{shown} → end of {what}: {last}")),
        Lead::Before => {
            let date = first.yesterday().map_err(out_of_range)?;
            (date, format!("{shown} → the day before {first}: {date}"))
        }
        Lead::By => {
            return Err(DueError::Ambiguous {
                phrase: shown.to_owned(),
                what,
            });
        }
    };
    Ok(DueReading { date, explanation })
}

/// Words read past at the start of a phrase, and what they say.
fn leading<'w, 'a>(mut words: &'w [&'a str]) -> (Lead, &'w [&'a str]) {
    let mut lead = Lead::Within;
    while let [first, rest @ ..] = words
        && !rest.is_empty()
    {
        lead = match *first {
            "före" | "innan" | "before" => Lead::Before,
            "by" | "until" | "till" | "tills" => Lead::By,
            "senast" | "at" | "on" | "during" | "in" | "within" | "the" | "vid" | "under" | "i"
            | "inom" | "den" => lead,
            _ => break,
        };
        words = rest;
    }
    (lead, words)
}

/// An explicit date: ISO `2027-03-12`, day first `31/12/2026`, `12.3.2027`, `31-12-2026`,
/// `12 mars 2027`, `12th of March 2027`, `March 12, 2027`. `None` for anything else, also for
/// an impossible day such as 31/02/2027 (never moved to another day).
pub fn parse_date(text: &str) -> Option<Date> {
    let normal = normalise(text);
    let words: Vec<&str> = normal.split_whitespace().collect();
    explicit_date(leading(&words).1)?.ok()
}

/// Lower case, typographic apostrophes as `'`, no commas, no final full stop.
fn normalise(phrase: &str) -> String {
    phrase
        .trim()
        .trim_end_matches(['.', '!'])
        .to_lowercase()
        .replace('’', "'")
        .replace(',', " ")
}

/// "inom två år", "within the next 3 months", "in two years' time", "om ett år".
fn relative(words: &[&str]) -> Option<(i64, Unit)> {
    let [lead, rest @ ..] = words else {
        return None;
    };
    if !matches!(*lead, "inom" | "within" | "in" | "om") {
        return None;
    }
    let rest = match rest {
        [
            "the" | "de",
            "next" | "coming" | "närmaste" | "kommande",
            rest @ ..,
        ] => rest,
        rest => rest,
    };
    let (n, unit, tail) = match rest {
        [n, unit, tail @ ..] => (count(n)?, Unit::from_word(unit)?, tail),
        _ => return None,
    };
    let tail_ok = matches!(
        tail,
        [] | ["time"] | ["from", "now"] | ["från", "nu"] | ["framåt"] | ["härifrån"]
    );
    tail_ok.then_some((n, unit))
}

/// A count in digits, or a word up to twelve.
fn count(word: &str) -> Option<i64> {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.parse().ok().filter(|&n| n <= 100_000);
    }
    NUMBER_WORDS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|&(_, n)| n)
}

/// A four-digit year.
fn year_number(word: &str) -> Option<i16> {
    (word.len() == 4 && word.chars().all(|c| c.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

/// A month's number from its name or abbreviation (with or without a full stop).
fn month_number(word: &str) -> Option<i8> {
    let word = word.trim_end_matches('.');
    MONTHS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|&(_, month)| month)
}

/// A month's English name.
fn month_name(month: i8) -> &'static str {
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| MONTH_NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

/// A day of the month as written: `12`, `12th`, `1st`, `12:e`, `1:a`, `12.`.
fn day_number(word: &str) -> Option<i8> {
    let digits = ["st", "nd", "rd", "th", ":e", ":a", "."]
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .unwrap_or(word);
    (!digits.is_empty() && digits.len() <= 2 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A day and a month without a year: `(day, month)`.
fn day_and_month(words: &[&str]) -> Option<(i8, i8)> {
    match words {
        [day, "of", month] | [day, month] if day_number(day).is_some() => {
            Some((day_number(day)?, month_number(month)?))
        }
        [month, day] => Some((day_number(day)?, month_number(month)?)),
        _ => None,
    }
}

/// The explicit date `words` name: `None` if they are not shaped like one, `Some(Err(reason))`
/// if they are but the day does not exist.
fn explicit_date(words: &[&str]) -> Option<Result<Date, String>> {
    let (year, month, day) = match words {
        [numeric] => numeric_date(numeric)?,
        [day, "of", month, year] | [day, month, year] if day_number(day).is_some() => {
            (year_number(year)?, month_number(month)?, day_number(day)?)
        }
        [month, day, year] => (year_number(year)?, month_number(month)?, day_number(day)?),
        _ => return None,
    };
    Some(valid_date(year, month, day))
}

/// `2027-03-12`, `2027/3/12`, or day first `31/12/2026`, `12.3.2027`, `31-12-2026`:
/// `(year, month, day)` before validation.
fn numeric_date(word: &str) -> Option<(i16, i8, i8)> {
    let separator = ['-', '/', '.'].into_iter().find(|&s| word.contains(s))?;
    let parts: Vec<&str> = word.split(separator).collect();
    let [a, b, c] = parts[..] else {
        return None;
    };
    let small = |part: &str| {
        (!part.is_empty() && part.len() <= 2 && part.chars().all(|ch| ch.is_ascii_digit()))
            .then(|| part.parse::<i8>().ok())
            .flatten()
    };
    if let Some(year) = year_number(a) {
        Some((year, small(b)?, small(c)?))
    } else {
        Some((year_number(c)?, small(b)?, small(a)?))
    }
}

/// The date, or why there is no such day.
fn valid_date(year: i16, month: i8, day: i8) -> Result<Date, String> {
    if !(1..=12).contains(&month) {
        return Err(format!("there is no month {month}"));
    }
    let first =
        Date::new(year, month, 1).map_err(|_| format!("the year {year} is out of range"))?;
    Date::new(year, month, day).map_err(|_| {
        format!(
            "{} {year} has {} days",
            month_name(month),
            first.days_in_month()
        )
    })
}
