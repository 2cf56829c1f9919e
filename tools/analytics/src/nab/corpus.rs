//! NAB data files: a series (`timestamp,value`) and its labelled anomaly windows
//! (`windows.json`: file path → list of `[start, end]` timestamps).

use crate::table::{Table, TableError};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NabError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("windows file: {0}")]
    Windows(String),
    #[error("{file}: window edge {timestamp} is not a timestamp of the series")]
    WindowOutsideSeries {
        file: String,
        timestamp: NaiveDateTime,
    },
    #[error("{file}: {scores} scores for {rows} rows")]
    LengthMismatch {
        file: String,
        scores: usize,
        rows: usize,
    },
}

/// One NAB series with its anomaly windows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledSeries {
    /// NAB's relative path, e.g. `realAdExchange/exchange-2_cpc_results.csv`.
    pub name: String,
    pub timestamps: Vec<NaiveDateTime>,
    pub values: Vec<f64>,
    /// Inclusive `(start, end)` pairs, in time order; both are timestamps of the series.
    pub windows: Vec<(NaiveDateTime, NaiveDateTime)>,
}

impl LabeledSeries {
    /// Reads `timestamp,value` CSV text; windows are attached afterwards.
    pub fn from_csv(name: &str, text: &str) -> Result<Self, NabError> {
        let (timestamps, values) = read_column(text, "value")?;
        Ok(Self {
            name: name.to_owned(),
            timestamps,
            values,
            windows: Vec::new(),
        })
    }

    /// Attach windows, checking both edges are timestamps of the series (NAB locates
    /// windows by exact timestamp).
    pub fn with_windows(
        mut self,
        windows: Vec<(NaiveDateTime, NaiveDateTime)>,
    ) -> Result<Self, NabError> {
        for &(start, end) in &windows {
            for edge in [start, end] {
                if self.timestamps.binary_search(&edge).is_err() {
                    return Err(NabError::WindowOutsideSeries {
                        file: self.name.clone(),
                        timestamp: edge,
                    });
                }
            }
        }
        self.windows = windows;
        Ok(self)
    }
}

/// Timestamps and one numeric column of a NAB CSV (`value`, or a detector's
/// `anomaly_score`).
pub fn read_column(text: &str, column: &str) -> Result<(Vec<NaiveDateTime>, Vec<f64>), NabError> {
    let table = Table::parse(text)?;
    table.require("timestamp")?;
    table.require(column)?;
    let mut timestamps = Vec::with_capacity(table.len());
    let mut values = Vec::with_capacity(table.len());
    for row in table.rows() {
        let raw = row.text("timestamp")?;
        let ts = parse_timestamp(raw).ok_or_else(|| {
            row.malformed(
                "timestamp",
                &format!("expected YYYY-MM-DD HH:MM:SS, got `{raw}`"),
            )
        })?;
        timestamps.push(ts);
        values.push(row.number(column)?);
    }
    Ok((timestamps, values))
}

/// NAB writes `2011-07-14 13:00:01` in data and `2011-07-14 13:00:01.000000` in
/// windows.
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

/// NAB's `windows.json`.
pub fn windows_from_json(
    text: &str,
) -> Result<BTreeMap<String, Vec<(NaiveDateTime, NaiveDateTime)>>, NabError> {
    let raw: BTreeMap<String, Vec<Vec<String>>> =
        serde_json::from_str(text).map_err(|e| NabError::Windows(e.to_string()))?;
    raw.into_iter()
        .map(|(file, windows)| {
            let parsed = windows
                .iter()
                .map(|pair| match pair.as_slice() {
                    [start, end] => match (parse_timestamp(start), parse_timestamp(end)) {
                        (Some(s), Some(e)) if s <= e => Ok((s, e)),
                        _ => Err(NabError::Windows(format!("{file}: bad window {pair:?}"))),
                    },
                    _ => Err(NabError::Windows(format!(
                        "{file}: a window is a [start, end] pair, got {pair:?}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((file, parsed))
        })
        .collect()
}
