//! Named date ranges in scenarios (`last_7_days`, `last_month`, …), resolved against
//! the pinned demo date the way the platforms' tools read them: `until` is the last
//! complete day.

use chrono::{Datelike, Duration, NaiveDate};

/// `(since, until)` for a named range, or `None` when the name is unknown.
pub fn resolve(name: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let yesterday = today - Duration::days(1);
    let month_start = |d: NaiveDate| d.with_day(1);
    let range = match name {
        "today" => (today, today),
        "yesterday" => (yesterday, yesterday),
        "last_week" => {
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            (monday - Duration::days(7), monday - Duration::days(1))
        }
        "this_week" => {
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            (monday, yesterday)
        }
        "this_month" | "month_to_date" => (month_start(today)?, yesterday),
        "last_month" => {
            let this = month_start(today)?;
            let end = this - Duration::days(1);
            (month_start(end)?, end)
        }
        "this_year" | "year_to_date" | "ytd" => {
            (NaiveDate::from_ymd_opt(today.year(), 1, 1)?, yesterday)
        }
        "q1" | "q2" | "q3" | "q4" => {
            let q: u32 = name[1..].parse().ok()?;
            let since = NaiveDate::from_ymd_opt(today.year(), 3 * q - 2, 1)?;
            let next = if q == 4 {
                NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(today.year(), 3 * q + 1, 1)?
            };
            (since, next - Duration::days(1))
        }
        _ => {
            let n: i64 = name
                .strip_prefix("last_")?
                .strip_suffix("_days")?
                .parse()
                .ok()?;
            (today - Duration::days(n), yesterday)
        }
    };
    Some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_the_offline_tests() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            resolve("last_week", today),
            Some((d("2026-11-16"), d("2026-11-22")))
        );
        assert_eq!(
            resolve("last_30_days", today),
            Some((d("2026-10-26"), d("2026-11-24")))
        );
        assert_eq!(
            resolve("last_month", today),
            Some((d("2026-10-01"), d("2026-10-31")))
        );
        assert_eq!(
            resolve("q3", today),
            Some((d("2026-07-01"), d("2026-09-30")))
        );
        assert_eq!(
            resolve("this_month", today),
            Some((d("2026-11-01"), d("2026-11-24")))
        );
        assert_eq!(
            resolve("ytd", today),
            Some((d("2026-01-01"), d("2026-11-24")))
        );
        assert_eq!(resolve("nonsense", today), None);
    }
}
