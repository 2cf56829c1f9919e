//! Argument pieces the CRM tools share: which CRM, which dates.

use chrono::NaiveDate;
use omnify_core::{DateRange, ToolError};
use serde::Deserialize;

/// Longest range one call may cover.
pub const MAX_RANGE_DAYS: i64 = 731;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRange {
    pub since: String,
    pub until: String,
}

fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ToolError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ToolError::BadArguments(format!(
            "{field} must be an ISO date like 2026-11-17, got {text:?}"
        ))
    })
}

/// A checked inclusive range: in order, not in the future, not absurdly long.
pub(crate) fn parse_range(raw: &RawRange, today: NaiveDate) -> Result<DateRange, ToolError> {
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

/// The JSON schema of a `date_range` argument.
pub(crate) fn range_schema(description: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "description": description,
        "properties": {
            "since": {"type": "string", "format": "date", "description": "First day, inclusive, YYYY-MM-DD."},
            "until": {"type": "string", "format": "date", "description": "Last day, inclusive, YYYY-MM-DD; not after today."}
        },
        "required": ["since", "until"],
        "additionalProperties": false
    })
}
