//! Due phrases of every form against hand-computed dates.

use jiff::civil::{Date, date};

use super::due::{DueError, parse_date, read_due};

/// The anchor most tests read against: a publication date in 2026.
const PUBLISHED: Date = date(2026, 2, 20);

fn due(phrase: &str, anchor: Date) -> Date {
    match read_due(phrase, anchor) {
        Ok(reading) => reading.date,
        Err(err) => panic!("{phrase:?}: {err}"),
    }
}

fn explained(phrase: &str, anchor: Date) -> String {
    read_due(phrase, anchor).unwrap().explanation
}

#[test]
fn explicit_dates() {
    for phrase in [
        "2027-03-12",
        "12 mars 2027",
        "12 March 2027",
        "12 march 2027",
        "March 12, 2027",
        "march 12 2027",
        "Mar. 12, 2027",
        "12th March 2027",
        "the 12th of March 2027",
        "den 12 mars 2027",
        "12:e mars 2027",
        "12/3/2027",
        "12/03/2027",
        "12.3.2027",
        "12-03-2027",
        "2027/03/12",
        "  12 MARS 2027. ",
    ] {
        assert_eq!(due(phrase, PUBLISHED), date(2027, 3, 12), "{phrase}");
        assert_eq!(parse_date(phrase), Some(date(2027, 3, 12)), "{phrase}");
    }
    // Day first, always: 3/4/2027 is 3 April.
    assert_eq!(due("3/4/2027", PUBLISHED), date(2027, 4, 3));
    assert_eq!(due("31/12/2026", PUBLISHED), date(2026, 12, 31));
    // Prefixes are read past; the date is the one named.
    assert_eq!(due("senast 1 maj 2027", PUBLISHED), date(2027, 5, 1));
    assert_eq!(due("by May 1, 2027", PUBLISHED), date(2027, 5, 1));
    assert_eq!(
        explained("12 mars 2027", PUBLISHED),
        "12 mars 2027 → 2027-03-12"
    );
}

#[test]
fn impossible_dates_are_errors_not_other_days() {
    assert_eq!(
        read_due("31/02/2027", PUBLISHED),
        Err(DueError::ImpossibleDate {
            phrase: "31/02/2027".into(),
            reason: "February 2027 has 28 days".into(),
        })
    );
    assert_eq!(parse_date("31/02/2027"), None);
    assert_eq!(parse_date("29 februari 2027"), None);
    // 2028 is a leap year.
    assert_eq!(parse_date("29 februari 2028"), Some(date(2028, 2, 29)));
    assert_eq!(
        read_due("2027-13-01", PUBLISHED).unwrap_err().to_string(),
        "“2027-13-01” is not a date: there is no month 13"
    );
    assert_eq!(
        read_due("31 april 2027", PUBLISHED)
            .unwrap_err()
            .to_string(),
        "“31 april 2027” is not a date: April 2027 has 30 days"
    );
}

#[test]
fn parse_date_takes_explicit_dates_only() {
    assert_eq!(parse_date("next year"), None);
    assert_eq!(parse_date("2027"), None);
    assert_eq!(parse_date("inom två år"), None);
    assert_eq!(parse_date("12 mars"), None);
    assert_eq!(parse_date("12/3/27"), None);
    assert_eq!(parse_date(""), None);
}

#[test]
fn end_of_this_year() {
    for phrase in [
        "före årets slut",
        "vid årets slut",
        "i slutet av året",
        "före utgången av året",
        "i år",
        "senare i år",
        "till årsskiftet",
        "by the end of the year",
        "end of the year",
        "by the end of this year",
        "by year end",
        "by year-end",
        "this year",
        "later this year",
        "within the year",
    ] {
        assert_eq!(due(phrase, PUBLISHED), date(2026, 12, 31), "{phrase}");
    }
    assert_eq!(
        due("by the end of the year", date(2026, 12, 31)),
        date(2026, 12, 31)
    );
    assert_eq!(
        explained("före årets slut", PUBLISHED),
        "före årets slut → end of the year of 2026-02-20: 2026-12-31"
    );
}

#[test]
fn next_year() {
    for phrase in ["nästa år", "Nästa år", "next year", "during next year"] {
        assert_eq!(due(phrase, PUBLISHED), date(2027, 12, 31), "{phrase}");
    }
    assert_eq!(due("i slutet av nästa år", PUBLISHED), date(2027, 12, 31));
    assert_eq!(due("next year", date(2026, 12, 31)), date(2027, 12, 31));
}

#[test]
fn a_named_year() {
    for phrase in [
        "före utgången av 2027",
        "i slutet av 2027",
        "by the end of 2027",
        "end of 2027",
        "in 2027",
        "2027",
        "under 2027",
        "år 2027",
    ] {
        assert_eq!(due(phrase, PUBLISHED), date(2027, 12, 31), "{phrase}");
    }
    assert_eq!(
        explained("by the end of 2027", PUBLISHED),
        "by the end of 2027 → 2027-12-31"
    );
    assert_eq!(
        explained("in 2027", PUBLISHED),
        "in 2027 → end of 2027: 2027-12-31"
    );
}

#[test]
fn a_named_month() {
    assert_eq!(due("i mars 2027", PUBLISHED), date(2027, 3, 31));
    assert_eq!(
        due("by the end of February 2028", PUBLISHED),
        date(2028, 2, 29)
    );
    assert_eq!(
        due("i slutet av februari 2027", PUBLISHED),
        date(2027, 2, 28)
    );
    assert_eq!(
        explained("in April 2027", PUBLISHED),
        "in April 2027 → end of April 2027: 2027-04-30"
    );
}

#[test]
fn within_n_units() {
    let cases = [
        ("inom två år", date(2028, 2, 20)),
        ("inom 2 år", date(2028, 2, 20)),
        ("inom ett år", date(2027, 2, 20)),
        ("om tre år", date(2029, 2, 20)),
        ("inom de närmaste två åren", date(2028, 2, 20)),
        ("inom sex månader", date(2026, 8, 20)),
        ("inom tolv månader", date(2027, 2, 20)),
        ("inom en månad", date(2026, 3, 20)),
        ("inom tre veckor", date(2026, 3, 13)),
        ("inom tio dagar", date(2026, 3, 2)),
        ("within two years", date(2028, 2, 20)),
        ("within a year", date(2027, 2, 20)),
        ("within the next 18 months", date(2027, 8, 20)),
        ("within 3 weeks", date(2026, 3, 13)),
        ("within eleven days", date(2026, 3, 3)),
        ("in two years", date(2028, 2, 20)),
        ("in five years' time", date(2031, 2, 20)),
        ("in 2 years from now", date(2028, 2, 20)),
    ];
    for (phrase, expected) in cases {
        assert_eq!(due(phrase, PUBLISHED), expected, "{phrase}");
    }
    assert_eq!(
        explained("inom två år", PUBLISHED),
        "inom två år → 2026-02-20 + 2 years: 2028-02-20"
    );
}

#[test]
fn month_arithmetic_keeps_to_the_month_end() {
    // One month after 31 January is the last day of February, not 3 March.
    assert_eq!(due("within 1 month", date(2027, 1, 31)), date(2027, 2, 28));
    assert_eq!(due("inom en månad", date(2028, 1, 31)), date(2028, 2, 29));
    assert_eq!(
        due("within 3 months", date(2026, 11, 30)),
        date(2027, 2, 28)
    );
    // A year after 29 February 2028 is 28 February 2029.
    assert_eq!(due("inom ett år", date(2028, 2, 29)), date(2029, 2, 28));
    assert_eq!(due("inom 4 år", date(2028, 2, 29)), date(2032, 2, 29));
    // Days cross month and year ends.
    assert_eq!(due("within 1 day", date(2026, 12, 31)), date(2027, 1, 1));
    assert_eq!(due("inom 1 dag", date(2028, 2, 28)), date(2028, 2, 29));
}

#[test]
fn next_month() {
    assert_eq!(due("nästa månad", date(2027, 1, 15)), date(2027, 2, 28));
    assert_eq!(due("next month", date(2027, 1, 31)), date(2027, 2, 28));
    assert_eq!(due("next month", date(2028, 1, 31)), date(2028, 2, 29));
    assert_eq!(due("nästa månad", date(2026, 12, 10)), date(2027, 1, 31));
    assert_eq!(
        due("senast nästa månad", date(2026, 3, 31)),
        date(2026, 4, 30)
    );
    assert_eq!(
        explained("next month", date(2027, 1, 15)),
        "next month → end of the month after 2027-01-15: 2027-02-28"
    );
    assert_eq!(
        due("i slutet av månaden", date(2027, 2, 3)),
        date(2027, 2, 28)
    );
}

#[test]
fn before_a_period_is_the_day_before_it_starts() {
    assert_eq!(due("före 2027", PUBLISHED), date(2026, 12, 31));
    assert_eq!(due("before March 2028", PUBLISHED), date(2028, 2, 29));
    assert_eq!(due("innan nästa år", PUBLISHED), date(2026, 12, 31));
    assert_eq!(
        due("before next month", date(2027, 1, 15)),
        date(2027, 1, 31)
    );
    assert_eq!(due("före 1 januari 2027", PUBLISHED), date(2026, 12, 31));
    assert_eq!(
        explained("before 12 March 2027", PUBLISHED),
        "before 12 March 2027 → the day before 2027-03-12: 2027-03-11"
    );
    // "Before the end of" is the end.
    assert_eq!(due("before the end of 2027", PUBLISHED), date(2027, 12, 31));
    assert_eq!(due("innan årets slut", PUBLISHED), date(2026, 12, 31));
}

#[test]
fn by_a_year_or_month_is_ambiguous() {
    // "by" a day is that day.
    assert_eq!(due("by 12 March 2027", PUBLISHED), date(2027, 3, 12));
    assert_eq!(due("till 31/12/2026", PUBLISHED), date(2026, 12, 31));
    assert_eq!(
        read_due("by 2027", PUBLISHED),
        Err(DueError::Ambiguous {
            phrase: "by 2027".into(),
            what: "2027".into(),
        })
    );
    assert_eq!(
        read_due("till nästa år", PUBLISHED)
            .unwrap_err()
            .to_string(),
        "“till nästa år” could mean the start or the end of the year after 2026-02-20; \
         write “by the end of …”, “before …” or a date"
    );
    assert!(matches!(
        read_due("by March 2027", PUBLISHED),
        Err(DueError::Ambiguous { .. })
    ));
    assert!(matches!(
        read_due("by next month", PUBLISHED),
        Err(DueError::Ambiguous { .. })
    ));
}

#[test]
fn what_cannot_be_read_is_an_error_that_says_so() {
    for phrase in [
        "så småningom",
        "eventually",
        "soon",
        "inom kort",
        "within 13 months and a bit",
        "inom tretton år",
        "12/3/27",
        "2027-03",
        "by",
        "",
        "next week",
    ] {
        let err = read_due(phrase, PUBLISHED).unwrap_err();
        assert_eq!(
            err,
            DueError::Unreadable {
                phrase: phrase.trim().into()
            },
            "{phrase}"
        );
        assert!(err.to_string().starts_with("cannot read “"), "{err}");
    }
    assert_eq!(
        read_due("12 mars", PUBLISHED).unwrap_err().to_string(),
        "“12 mars” names no year; add one, as in “12 mars 2027”"
    );
    assert_eq!(
        read_due("March 12", PUBLISHED),
        Err(DueError::MissingYear {
            phrase: "March 12".into()
        })
    );
    assert_eq!(
        read_due("within 100000 years", PUBLISHED),
        Err(DueError::OutOfRange {
            phrase: "within 100000 years".into()
        })
    );
}
