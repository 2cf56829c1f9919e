//! Metrics from a CSV export: a `timestamp` column (a date, or a date and time) and
//! one or more metric columns. With `metric` given, only that column is read;
//! otherwise every column whose cells are all numbers (or empty).

use super::MetricSeries;
use crate::table::{Table, TableError};
use chrono::{NaiveDate, NaiveDateTime};

pub fn from_csv(table: &Table, metric: Option<&str>) -> Result<Vec<MetricSeries>, TableError> {
    table.require("timestamp")?;
    let columns: Vec<String> = match metric {
        Some(name) => {
            table.require(name)?;
            vec![name.to_ascii_lowercase()]
        }
        None => {
            let numeric: Vec<String> = table
                .columns()
                .filter(|c| *c != "timestamp")
                .filter(|c| {
                    table
                        .rows()
                        .all(|r| r.get(c).is_none() || r.number(c).is_ok())
                })
                .map(str::to_owned)
                .collect();
            if numeric.is_empty() {
                return Err(TableError::MissingColumn {
                    column: "a numeric metric".to_owned(),
                    found: table.columns().collect::<Vec<_>>().join(", "),
                });
            }
            numeric
        }
    };
    let mut timestamps = Vec::with_capacity(table.len());
    for row in table.rows() {
        let raw = row.text("timestamp")?;
        timestamps.push(parse_timestamp(raw).ok_or_else(|| {
            row.malformed(
                "timestamp",
                &format!("expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got `{raw}`"),
            )
        })?);
    }
    let mut out = Vec::new();
    for column in columns {
        let mut points = Vec::with_capacity(table.len());
        for (row, t) in table.rows().zip(&timestamps) {
            // An empty cell is a missing point, not a zero.
            if let Some(value) = row.optional_number(&column)? {
                points.push((*t, value));
            }
        }
        points.sort_by_key(|p| p.0);
        out.push(MetricSeries {
            metric: column,
            points,
        });
    }
    Ok(out)
}

fn parse_timestamp(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, format) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(raw.get(..10).unwrap_or(raw), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}
