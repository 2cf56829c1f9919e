//! The `date_range` argument the commerce tools take, checked before any platform is
//! called, and its JSON schema.

use chrono::NaiveDate;
use omnify_core::{DateRange, ToolError};
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest range one call may cover.
pub const MAX_RANGE_DAYS: i64 = 400;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    since: String,
    until: String,
}

/// The schema of `date_range`.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "since": {"type": "string", "format": "date", "description": "First day, inclusive, YYYY-MM-DD."},
            "until": {"type": "string", "format": "date", "description": "Last day, inclusive, YYYY-MM-DD; not after today."}
        },
        "required": ["since", "until"],
        "additionalProperties": false
    })
}

/// A validated range: well-formed dates, in order, not in the future, not too long.
pub fn validate(raw: &RawRange, today: NaiveDate) -> Result<DateRange, ToolError> {
    let since = parse_date("date_range.since", &raw.since)?;
    let until = parse_date("date_range.until", &raw.until)?;
    if until < since {
        return Err(ToolError::BadArguments(format!(
            "date_range.until ({until}) is before date_range.since ({since})"
        )));
    }
    if until > today {
        return Err(ToolError::BadArguments(format!(
            "date_range.until ({until}) is in the future; today is {today}"
        )));
    }
    let range = DateRange { since, until };
    if range.days() > MAX_RANGE_DAYS {
        return Err(ToolError::BadArguments(format!(
            "date_range covers {} days; the most one call can cover is {MAX_RANGE_DAYS}",
            range.days()
        )));
    }
    Ok(range)
}

fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ToolError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ToolError::BadArguments(format!(
            "{field} must be an ISO date like 2026-11-17, got {text:?}"
        ))
    })
}

/// Percent change from `previous` to `current`, rounded to one place; `None` from zero.
pub fn change_pct(
    current: rust_decimal::Decimal,
    previous: rust_decimal::Decimal,
) -> Option<rust_decimal::Decimal> {
    (!previous.is_zero()).then(|| {
        crate::money::round_half_up(
            (current - previous) * rust_decimal::Decimal::ONE_HUNDRED / previous,
            1,
        )
    })
}

/// "up 5.2%", "down 3.0%", "flat" or "no previous data", for summaries.
pub fn describe_change(change: Option<rust_decimal::Decimal>) -> String {
    match change {
        None => "no previous data to compare".to_owned(),
        Some(c) if c.is_zero() => "flat".to_owned(),
        Some(c) if c.is_sign_positive() => format!("up {c:.1}%"),
        Some(c) => format!("down {:.1}%", c.abs()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;

    fn raw(since: &str, until: &str) -> RawRange {
        RawRange {
            since: since.into(),
            until: until.into(),
        }
    }

    #[test]
    fn ranges_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            validate(&raw("2026-11-17", "2026-11-23"), today)
                .unwrap()
                .days(),
            7
        );
        assert!(validate(&raw("2026-11-23", "2026-11-17"), today).is_err());
        assert!(validate(&raw("2026-11-17", "2026-11-25"), today).is_err());
        assert!(validate(&raw("17/11/2026", "2026-11-23"), today).is_err());
        assert!(validate(&raw("2024-01-01", "2026-11-23"), today).is_err());
    }

    #[test]
    fn changes_read_naturally() {
        assert_eq!(
            describe_change(change_pct(Decimal::from(110), Decimal::from(100))),
            "up 10.0%"
        );
        assert_eq!(
            describe_change(change_pct(Decimal::from(90), Decimal::from(100))),
            "down 10.0%"
        );
        assert_eq!(
            describe_change(change_pct(Decimal::from(1), Decimal::ZERO)),
            "no previous data to compare"
        );
    }
}
