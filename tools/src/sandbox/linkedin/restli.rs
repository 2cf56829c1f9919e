//! Reading Rest.li 2.0 query values as LinkedIn does: `List(…)`, `(start:(year:…))`,
//! `(status:(values:List(…)))`, with URNs percent-encoded inside them.

use super::ApiError;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The query's parameters: each value decoded, and whether its raw form had an
/// unencoded URN (LinkedIn refuses those).
pub(crate) struct RestliQuery {
    pub params: BTreeMap<String, String>,
    pub unencoded_urn: Option<String>,
}

pub(crate) fn parse_query(raw: Option<&str>) -> RestliQuery {
    let mut params = BTreeMap::new();
    let mut unencoded_urn = None;
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if value.contains("urn:li:") {
            unencoded_urn = Some(name.to_owned());
        }
        params.insert(percent_decode(name), percent_decode(value));
    }
    RestliQuery {
        params,
        unencoded_urn,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `List(a,b)` → `[a, b]`.
pub(crate) fn list(name: &str, value: &str) -> Result<Vec<String>, ApiError> {
    let inner = value
        .strip_prefix("List(")
        .and_then(|v| v.strip_suffix(')'))
        .ok_or_else(|| ApiError::illegal(format!("Invalid value for param: {name}")))?;
    Ok(inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn date_part(text: &str, key: &str) -> Option<NaiveDate> {
    let start = text.find(&format!("{key}:("))? + key.len() + 2;
    let end = start + text[start..].find(')')?;
    let mut parts = BTreeMap::new();
    for field in text[start..end].split(',') {
        let (k, v) = field.split_once(':')?;
        parts.insert(k.trim(), v.trim().parse::<u32>().ok()?);
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(*parts.get("year")?).ok()?,
        *parts.get("month")?,
        *parts.get("day")?,
    )
}

/// `(start:(year:2025,month:6,day:1),end:(year:2025,month:6,day:30))`; an absent end
/// means up to the latest day with data.
pub(crate) fn date_range(
    value: &str,
    latest: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let invalid = || ApiError::illegal("Invalid value for param: dateRange");
    if !value.starts_with('(') || !value.ends_with(')') {
        return Err(invalid());
    }
    let start = date_part(value, "start").ok_or_else(invalid)?;
    let end = if value.contains("end:") {
        date_part(value, "end").ok_or_else(invalid)?
    } else {
        latest
    };
    if end < start {
        return Err(ApiError::illegal(
            "dateRange: the end date must not be before the start date",
        ));
    }
    Ok((start, end))
}

/// `(status:(values:List(ACTIVE,PAUSED)))` → the statuses, or `None` without a filter.
pub(crate) fn status_filter(search: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(search) = search else {
        return Ok(None);
    };
    let Some(at) = search.find("status:(values:") else {
        return Ok(None);
    };
    let rest = &search[at + "status:(values:".len()..];
    let end = rest
        .find(')')
        .ok_or_else(|| ApiError::illegal("Invalid value for param: search"))?;
    list("search", &rest[..=end]).map(Some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_documented_values_parse() {
        let q = parse_query(Some(
            "q=analytics&dateRange=(start:(year:2025,month:6,day:1),end:(year:2025,month:6,day:30))&accounts=List(urn%3Ali%3AsponsoredAccount%3A5110)",
        ));
        assert!(q.unencoded_urn.is_none());
        let accounts = list("accounts", &q.params["accounts"]).unwrap();
        assert_eq!(accounts, ["urn:li:sponsoredAccount:5110"]);
        let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let (s, e) = date_range(&q.params["dateRange"], latest).unwrap();
        assert_eq!(
            (s.to_string(), e.to_string()),
            ("2025-06-01".into(), "2025-06-30".into())
        );
        let raw = parse_query(Some("accounts=List(urn:li:sponsoredAccount:5110)"));
        assert_eq!(raw.unencoded_urn.as_deref(), Some("accounts"));
        assert_eq!(
            status_filter(Some("(status:(values:List(ACTIVE,PAUSED)))")).unwrap(),
            Some(vec!["ACTIVE".to_owned(), "PAUSED".to_owned()])
        );
    }
}
