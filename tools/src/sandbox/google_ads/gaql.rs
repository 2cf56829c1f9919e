//! Just enough GAQL for the emulator: SELECT fields, FROM one resource, and WHERE
//! conditions on `segments.date` and `campaign.id`.

use super::errors::RpcError;
use chrono::{Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GaqlQuery {
    /// snake_case dotted names, as written in the query.
    pub fields: Vec<String>,
    pub resource: String,
    pub dates: Option<(NaiveDate, NaiveDate)>,
    pub campaign_ids: Option<Vec<String>>,
}

impl GaqlQuery {
    pub(crate) fn selects(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f == field)
    }

    pub(crate) fn has_metrics(&self) -> bool {
        self.fields.iter().any(|f| f.starts_with("metrics."))
    }
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_uppercase()
        .find(&needle.to_ascii_uppercase())
}

/// Parses `query`; `last_day` is the account's "yesterday" for DURING ranges.
pub(crate) fn parse(query: &str, last_day: NaiveDate) -> Result<GaqlQuery, RpcError> {
    let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let bad = |m: &str| RpcError::query("INVALID_ARGUMENT_TYPE", format!("Error in query: {m}"));
    let rest = query
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("SELECT "))
        .map(|_| &query[7..])
        .ok_or_else(|| RpcError::query("EXPECTED_SELECT", "Error in query: expected SELECT."))?;
    let from = find_ci(rest, " FROM ")
        .ok_or_else(|| RpcError::query("EXPECTED_FROM", "Error in query: expected FROM."))?;
    let fields: Vec<String> = rest[..from]
        .split(',')
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    let after_from = &rest[from + 6..];
    let (resource, conditions) = match find_ci(after_from, " WHERE ") {
        Some(at) => (&after_from[..at], Some(&after_from[at + 7..])),
        None => (after_from, None),
    };
    let resource = resource.split(' ').next().unwrap_or_default().to_owned();
    let mut parsed = GaqlQuery {
        fields,
        resource,
        dates: None,
        campaign_ids: None,
    };
    let Some(conditions) = conditions else {
        return Ok(parsed);
    };
    // Strip ORDER BY / LIMIT: the emulator always orders by date then id.
    let conditions = ["ORDER BY", "LIMIT", "PARAMETERS"]
        .iter()
        .filter_map(|kw| find_ci(conditions, &format!(" {kw} ")))
        .min()
        .map_or(conditions, |end| &conditions[..end]);
    // BETWEEN's own AND must not split conditions.
    let protected = conditions
        .to_ascii_lowercase()
        .replace("' and '", "'\u{1}'");
    for condition in protected.split(" and ") {
        let lower = condition.trim();
        if let Some(range) = lower.strip_prefix("segments.date between ") {
            let dates: Vec<NaiveDate> = range
                .split('\u{1}')
                .map(|d| d.trim().trim_matches('\''))
                .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
                .collect::<Result<_, _>>()
                .map_err(|_| bad("segments.date BETWEEN needs 'YYYY-MM-DD' dates"))?;
            match dates[..] {
                [since, until] => parsed.dates = Some((since, until)),
                _ => return Err(bad("segments.date BETWEEN needs two dates")),
            }
        } else if let Some(preset) = lower.strip_prefix("segments.date during ") {
            let days = |n: i64| (last_day - Duration::days(n - 1), last_day);
            parsed.dates = Some(match preset.trim() {
                "yesterday" => (last_day, last_day),
                "last_7_days" => days(7),
                "last_14_days" => days(14),
                "last_30_days" => days(30),
                other => return Err(bad(&format!("unsupported DURING {other}"))),
            });
        } else if let Some(id) = lower.strip_prefix("campaign.id = ") {
            parsed.campaign_ids = Some(vec![id.trim().to_owned()]);
        } else if let Some(list) = lower.strip_prefix("campaign.id in ") {
            let ids = list
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect();
            parsed.campaign_ids = Some(ids);
        } else {
            return Err(RpcError::query(
                "UNRECOGNIZED_FIELD",
                format!("Error in query: the sandbox cannot filter on {lower}."),
            ));
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_documented_report_query_parses() {
        let q = parse("SELECT campaign.id, campaign.name, campaign.status, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '2025-06-01' AND '2025-06-30'",
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()).unwrap();
        assert_eq!(q.resource, "campaign");
        assert_eq!(q.fields.len(), 9);
        assert_eq!(q.dates.unwrap().1.to_string(), "2025-06-30");
        let q = parse("select ad_group_ad.ad.id from ad_group_ad where segments.date DURING LAST_7_DAYS and campaign.id = 5",
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()).unwrap();
        assert_eq!(q.dates.unwrap().0.to_string(), "2025-06-25");
        assert_eq!(q.campaign_ids, Some(vec!["5".to_owned()]));
        assert!(
            parse(
                "SELECT x FROM campaign WHERE metrics.clicks > 5",
                NaiveDate::MIN
            )
            .is_err()
        );
    }
}
