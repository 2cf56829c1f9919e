//! Date phrases ("last week", "Q3 2025", "from 2026-10-01 to 2026-10-15") resolved
//! against a known "today".
//!
//! Ranges that would reach into today or the future stop at yesterday: today's
//! numbers are incomplete on every ad platform, so a marketer asking for "this month"
//! means "the finished days of this month".

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use omnify_core::DateRange;

use super::text::words;

/// What a required date range defaults to when the message names none.
pub(crate) fn default_range(today: NaiveDate) -> DateRange {
    rolling_days(today, 7)
}

/// The first date phrase in `text`, if any. Explicit ISO dates win over words.
pub(crate) fn parse_range(text: &str, today: NaiveDate) -> Option<DateRange> {
    if let Some(range) = iso_range(text, today) {
        return Some(range);
    }
    let tokens = words(text);
    (0..tokens.len()).find_map(|i| phrase_at(&tokens, i, today))
}

/// Words that only ever say "when": a follow-up made of these (and a platform) asks
/// the same question again for other dates.
pub(crate) fn is_date_word(word: &str) -> bool {
    const DATE_WORDS: &[&str] = &[
        "today",
        "yesterday",
        "last",
        "past",
        "previous",
        "prior",
        "trailing",
        "this",
        "current",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "quarter",
        "quarters",
        "ytd",
        "mtd",
        "wtd",
        "qtd",
        "date",
        "q1",
        "q2",
        "q3",
        "q4",
        "from",
        "to",
        "until",
        "since",
        "through",
        "between",
        "and",
        "in",
        "during",
    ];
    DATE_WORDS.contains(&word)
        || word.chars().all(|c| c.is_ascii_digit())
        || number_word(word).is_some()
        || month_number(word).is_some()
}

fn phrase_at(tokens: &[String], i: usize, today: NaiveDate) -> Option<DateRange> {
    let tok = |k: usize| tokens.get(k).map(String::as_str).unwrap_or("");
    let yesterday = days_before(today, 1);
    match tok(i) {
        "today" => Some(DateRange {
            since: today,
            until: today,
        }),
        "yesterday" => Some(DateRange {
            since: yesterday,
            until: yesterday,
        }),
        "ytd" => Some(clamped(year_start(today.year())?, today, today)),
        "mtd" => Some(clamped(
            month_start(today.year(), today.month())?,
            today,
            today,
        )),
        "wtd" => Some(clamped(week_start(today), today, today)),
        "qtd" => Some(quarter_to_date(today)),
        "year" | "month" | "week" | "quarter" if tok(i + 1) == "to" && tok(i + 2) == "date" => {
            match tok(i) {
                "year" => Some(clamped(year_start(today.year())?, today, today)),
                "month" => Some(clamped(
                    month_start(today.year(), today.month())?,
                    today,
                    today,
                )),
                "week" => Some(clamped(week_start(today), today, today)),
                _ => Some(quarter_to_date(today)),
            }
        }
        "last" | "past" | "previous" | "prior" | "trailing" => {
            relative(tok(i), &tokens[i + 1..], today)
        }
        "this" | "current" => match tok(i + 1) {
            "week" => Some(clamped(week_start(today), today, today)),
            "month" => Some(clamped(
                month_start(today.year(), today.month())?,
                today,
                today,
            )),
            "quarter" => Some(quarter_to_date(today)),
            "year" => Some(clamped(year_start(today.year())?, today, today)),
            _ => None,
        },
        q if q.len() == 2 && q.starts_with('q') => {
            let quarter = q[1..].parse::<u32>().ok().filter(|n| (1..=4).contains(n))?;
            let year = explicit_year(tok(i + 1)).or_else(|| {
                (tok(i + 1) == "of")
                    .then(|| explicit_year(tok(i + 2)))
                    .flatten()
            });
            quarter_range(quarter, year, today)
        }
        m => {
            let month = month_number(m)?;
            // "may" is far more often the verb; only take it with a date cue.
            if m == "may"
                && !(matches!(
                    tok(i.wrapping_sub(1)),
                    "in" | "during" | "for" | "since" | "of"
                ) || explicit_year(tok(i + 1)).is_some())
            {
                return None;
            }
            let year = explicit_year(tok(i + 1)).unwrap_or_else(|| {
                // A month that has not started yet this year means last year's.
                let this_year = today.year();
                match month_start(this_year, month) {
                    Some(start) if start <= today => this_year,
                    _ => this_year - 1,
                }
            });
            let since = month_start(year, month)?;
            Some(clamped(since, month_end(year, month)?, today))
        }
    }
}

/// "last 7 days", "past 2 weeks", "last month", "previous week", "past year"…
fn relative(word: &str, rest: &[String], today: NaiveDate) -> Option<DateRange> {
    let first = rest.first().map(String::as_str).unwrap_or("");
    let count = first.parse::<u32>().ok().or_else(|| number_word(first));
    let (n, unit) = match count {
        Some(n) => (n, rest.get(1).map(String::as_str).unwrap_or("")),
        None => (1, first),
    };
    let calendar = count.is_none() && !matches!(word, "past" | "trailing");
    let yesterday = days_before(today, 1);
    match unit {
        "day" | "days" => Some(rolling_days(today, n.max(1))),
        "week" | "weeks" if calendar => {
            let this_monday = week_start(today);
            Some(DateRange {
                since: days_before(this_monday, 7),
                until: days_before(this_monday, 1),
            })
        }
        "week" | "weeks" => Some(rolling_days(today, n.max(1) * 7)),
        "month" | "months" if calendar => {
            let this_month = month_start(today.year(), today.month())?;
            let since = this_month.checked_sub_months(Months::new(1))?;
            Some(DateRange {
                since,
                until: days_before(this_month, 1),
            })
        }
        "month" | "months" => {
            let since = today.checked_sub_months(Months::new(n.max(1)))?;
            Some(DateRange {
                since,
                until: yesterday,
            })
        }
        "quarter" | "quarters" if calendar => {
            let (year, quarter) = quarter_of(today);
            let (year, quarter) = if quarter == 1 {
                (year - 1, 4)
            } else {
                (year, quarter - 1)
            };
            quarter_range(quarter, Some(year), today)
        }
        "quarter" | "quarters" => {
            let since = today.checked_sub_months(Months::new(3 * n.max(1)))?;
            Some(DateRange {
                since,
                until: yesterday,
            })
        }
        "year" | "years" if calendar => {
            let year = today.year() - 1;
            Some(DateRange {
                since: year_start(year)?,
                until: days_before(year_start(today.year())?, 1),
            })
        }
        "year" | "years" => {
            let since = today.checked_sub_months(Months::new(12 * n.max(1)))?;
            Some(DateRange {
                since,
                until: yesterday,
            })
        }
        _ => None,
    }
}

/// Quarter `q` of `year`, or of the latest year in which it has started.
fn quarter_range(q: u32, year: Option<i32>, today: NaiveDate) -> Option<DateRange> {
    let first_month = 3 * (q - 1) + 1;
    let year = match year {
        Some(y) => y,
        None => match month_start(today.year(), first_month) {
            Some(start) if start <= today => today.year(),
            _ => today.year() - 1,
        },
    };
    let since = month_start(year, first_month)?;
    Some(clamped(since, month_end(year, first_month + 2)?, today))
}

fn quarter_to_date(today: NaiveDate) -> DateRange {
    let (_, q) = quarter_of(today);
    let since = month_start(today.year(), 3 * (q - 1) + 1).unwrap_or(today);
    clamped(since, today, today)
}

fn quarter_of(day: NaiveDate) -> (i32, u32) {
    (day.year(), (day.month() - 1) / 3 + 1)
}

/// `n` whole days ending yesterday.
fn rolling_days(today: NaiveDate, n: u32) -> DateRange {
    let until = days_before(today, 1);
    DateRange {
        since: days_before(until, u64::from(n.saturating_sub(1))),
        until,
    }
}

/// Stop at yesterday; a range that starts today or later keeps its first day only.
fn clamped(since: NaiveDate, until: NaiveDate, today: NaiveDate) -> DateRange {
    let until = until.min(days_before(today, 1));
    DateRange {
        since,
        until: until.max(since),
    }
}

/// "2026-10-01 to 2026-10-15", "since 2026-10-01" or a single ISO day.
fn iso_range(text: &str, today: NaiveDate) -> Option<DateRange> {
    let dates = iso_dates(text);
    match dates.as_slice() {
        [] => None,
        [day] => {
            let lower = text.to_ascii_lowercase();
            if lower.contains("since ") || lower.contains("from ") {
                Some(clamped(*day, days_before(today, 1), today))
            } else {
                Some(DateRange {
                    since: *day,
                    until: *day,
                })
            }
        }
        [a, b, ..] => Some(DateRange {
            since: *a.min(b),
            until: *a.max(b),
        }),
    }
}

/// Every `YYYY-MM-DD` in `text` that is a real day.
pub(crate) fn iso_dates(text: &str) -> Vec<NaiveDate> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 10 <= bytes.len() {
        let window = &bytes[i..i + 10];
        let shape = window.iter().enumerate().all(|(k, b)| {
            if k == 4 || k == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let ends_word = bytes.get(i + 10).is_none_or(|b| !b.is_ascii_digit());
        if shape && starts_word && ends_word {
            // Safe to slice: the window is all ASCII.
            if let Ok(day) = NaiveDate::parse_from_str(&text[i..i + 10], "%Y-%m-%d") {
                found.push(day);
                i += 10;
                continue;
            }
        }
        i += 1;
    }
    found
}

pub(crate) fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

fn week_start(day: NaiveDate) -> NaiveDate {
    day.week(Weekday::Mon).first_day()
}

fn year_start(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
}

fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let next = month_start(year, month)?.checked_add_months(Months::new(1))?;
    next.pred_opt()
}

fn explicit_year(word: &str) -> Option<i32> {
    word.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: &[(&str, &str)] = &[
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may", "may"),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ];
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|(full, short)| word == *full || word == *short)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// Small spelled-out counts ("last seven days").
pub(crate) fn number_word(word: &str) -> Option<u32> {
    const NUMBERS: &[(&str, u32)] = &[
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("twelve", 12),
        ("fourteen", 14),
        ("thirty", 30),
        ("sixty", 60),
        ("ninety", 90),
    ];
    NUMBERS.iter().find(|(w, _)| *w == word).map(|(_, n)| *n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A Wednesday.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn range(text: &str) -> (String, String) {
        let r = parse_range(text, today()).unwrap_or_else(|| panic!("no range in {text:?}"));
        (r.since.to_string(), r.until.to_string())
    }

    fn expect(text: &str, since: &str, until: &str) {
        assert_eq!(
            range(text),
            (since.to_string(), until.to_string()),
            "{text}"
        );
    }

    #[test]
    fn single_days() {
        expect("how are we doing today", "2026-11-25", "2026-11-25");
        expect("what was our ROAS yesterday", "2026-11-24", "2026-11-24");
    }

    #[test]
    fn weeks_are_monday_to_sunday_unless_rolling() {
        expect("how did Meta do last week?", "2026-11-16", "2026-11-22");
        expect("previous week please", "2026-11-16", "2026-11-22");
        expect("this week so far", "2026-11-23", "2026-11-24");
        expect("the past week", "2026-11-18", "2026-11-24");
        expect("last 2 weeks", "2026-11-11", "2026-11-24");
    }

    #[test]
    fn rolling_day_counts_end_yesterday() {
        expect("last 7 days", "2026-11-18", "2026-11-24");
        expect("spend in the past 30 days", "2026-10-26", "2026-11-24");
        expect("last seven days", "2026-11-18", "2026-11-24");
        expect("last 3 months", "2026-08-25", "2026-11-24");
        assert_eq!(
            default_range(today()),
            parse_range("last 7 days", today()).unwrap()
        );
    }

    #[test]
    fn calendar_months() {
        expect("what about last month?", "2026-10-01", "2026-10-31");
        expect("this month", "2026-11-01", "2026-11-24");
        expect("month to date", "2026-11-01", "2026-11-24");
        expect("in October", "2026-10-01", "2026-10-31");
        expect("december", "2025-12-01", "2025-12-31");
        expect("in May 2025", "2025-05-01", "2025-05-31");
        assert!(parse_range("we may want more", today()).is_none());
    }

    #[test]
    fn quarters_and_years() {
        expect("Q3 performance by campaign", "2026-07-01", "2026-09-30");
        expect("q4", "2026-10-01", "2026-11-24");
        expect("Q3 2025", "2025-07-01", "2025-09-30");
        expect("last quarter", "2026-07-01", "2026-09-30");
        expect("YTD revenue", "2026-01-01", "2026-11-24");
        expect("year to date", "2026-01-01", "2026-11-24");
        expect("last year", "2025-01-01", "2025-12-31");
        let feb = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
        let q3 = parse_range("Q3", feb).unwrap();
        assert_eq!(
            (q3.since.to_string(), q3.until.to_string()),
            ("2025-07-01".into(), "2025-09-30".into())
        );
    }

    #[test]
    fn explicit_iso_dates() {
        expect("from 2026-10-01 to 2026-10-15", "2026-10-01", "2026-10-15");
        expect(
            "between 2026-10-15 and 2026-10-01",
            "2026-10-01",
            "2026-10-15",
        );
        expect("on 2026-10-03", "2026-10-03", "2026-10-03");
        expect("since 2026-11-01", "2026-11-01", "2026-11-24");
        assert!(parse_range("order 2026-13-45", today()).is_none());
    }

    #[test]
    fn no_date_phrase() {
        assert!(parse_range("how often should we refresh creatives", today()).is_none());
    }
}
