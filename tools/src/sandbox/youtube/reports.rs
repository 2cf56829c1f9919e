//! `GET /v2/reports`: the brand channel's video-days as a `resultTable`, grouped by
//! `day`, `video` or nothing, sorted, filtered by video, limited by `maxResults` /
//! `startIndex`, and without `rows` when there is no data (§9).

use super::GoogleError;
use crate::sandbox::brand::{VideoDay, YouTubeChannel};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// (name, dataType) of the metrics served.
const METRICS: &[(&str, &str)] = &[
    ("views", "INTEGER"),
    ("estimatedMinutesWatched", "INTEGER"),
    ("averageViewDuration", "INTEGER"),
    ("likes", "INTEGER"),
    ("comments", "INTEGER"),
    ("subscribersGained", "INTEGER"),
    ("estimatedRevenue", "FLOAT"),
];

/// The largest `maxResults` of a `video` report.
const MAX_VIDEO_RESULTS: usize = 200;

#[derive(Default, Clone, Copy)]
struct Totals {
    views: u64,
    minutes: u64,
    likes: u64,
    comments: u64,
    subscribers: u64,
    revenue_cents: i64,
}

impl Totals {
    fn add(&mut self, d: &VideoDay) {
        self.views += d.views;
        self.minutes += d.minutes_watched;
        self.likes += d.likes;
        self.comments += d.comments;
        self.subscribers += d.subscribers_gained;
        self.revenue_cents += d.estimated_revenue_minor;
    }

    fn metric(&self, name: &str) -> Value {
        match name {
            "views" => json!(self.views),
            "estimatedMinutesWatched" => json!(self.minutes),
            "averageViewDuration" => {
                json!((self.minutes * 60).checked_div(self.views).unwrap_or(0))
            }
            "likes" => json!(self.likes),
            "comments" => json!(self.comments),
            "subscribersGained" => json!(self.subscribers),
            _ => json!(self.revenue_cents as f64 / 100.0),
        }
    }

    fn sort_value(&self, name: &str) -> f64 {
        self.metric(name).as_f64().unwrap_or(0.0)
    }
}

fn required<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, GoogleError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| GoogleError::bad_request(format!("Required parameter: {name}")))
}

fn date(params: &BTreeMap<String, String>, name: &str) -> Result<NaiveDate, GoogleError> {
    let raw = required(params, name)?;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        GoogleError::bad_request(format!(
            "Invalid value '{raw}'. Value must be a date (YYYY-MM-DD)."
        ))
    })
}

fn number(params: &BTreeMap<String, String>, name: &str) -> Result<Option<usize>, GoogleError> {
    params
        .get(name)
        .map(|raw| {
            raw.parse::<usize>()
                .map_err(|_| GoogleError::bad_request(format!("Invalid value for {name}: {raw}")))
        })
        .transpose()
}

/// `latest`: the last day whose data is ready.
pub(crate) fn report(
    channel: &YouTubeChannel,
    params: &BTreeMap<String, String>,
    latest: NaiveDate,
) -> Result<Value, GoogleError> {
    let ids = required(params, "ids")?;
    if ids != "channel==MINE" && ids != format!("channel=={}", channel.channel_id) {
        return Err(GoogleError::forbidden("Forbidden"));
    }
    let (since, until) = (date(params, "startDate")?, date(params, "endDate")?);
    if until < since {
        return Err(GoogleError::bad_request(
            "The end date must not be earlier than the start date.",
        ));
    }
    let metrics: Vec<&str> = required(params, "metrics")?
        .split(',')
        .map(str::trim)
        .collect();
    if let Some(bad) = metrics
        .iter()
        .find(|m| !METRICS.iter().any(|(name, _)| name == *m))
    {
        return Err(GoogleError::bad_request(format!(
            "Unknown identifier ({bad}) given in field parameters.metrics."
        )));
    }
    let dimension = params
        .get("dimensions")
        .map(String::as_str)
        .unwrap_or_default();
    if !matches!(dimension, "" | "day" | "video") {
        return Err(GoogleError::bad_request(format!(
            "The query is not supported. Check the documentation for supported queries (dimensions={dimension})."
        )));
    }
    let max_results = number(params, "maxResults")?;
    let start_index = number(params, "startIndex")?.unwrap_or(1);
    if start_index == 0 {
        return Err(GoogleError::bad_request("startIndex is 1-based"));
    }
    let sort = params.get("sort").map(String::as_str).unwrap_or_default();
    if dimension == "video"
        && (!sort.starts_with('-') || max_results.is_none_or(|m| m > MAX_VIDEO_RESULTS))
    {
        return Err(GoogleError::bad_request(format!(
            "The query is not supported: a video report needs a descending sort and maxResults of at most {MAX_VIDEO_RESULTS}."
        )));
    }
    let video_filter = match params.get("filters") {
        None => None,
        Some(f) => Some(
            f.strip_prefix("video==")
                .ok_or_else(|| GoogleError::bad_request(format!("Invalid filter: {f}")))?,
        ),
    };

    let mut grouped: BTreeMap<String, Totals> = BTreeMap::new();
    for day in channel.days.iter().filter(|d| {
        d.date >= since
            && d.date <= until
            && d.date <= latest
            && video_filter.is_none_or(|v| v.split(',').any(|id| id == d.video_id))
    }) {
        let key = match dimension {
            "day" => day.date.to_string(),
            "video" => day.video_id.clone(),
            _ => String::new(),
        };
        grouped.entry(key).or_default().add(day);
    }
    let mut lines: Vec<(String, Totals)> = grouped.into_iter().collect();
    if let Some(metric) = sort.strip_prefix('-').filter(|m| metrics.contains(m)) {
        lines.sort_by(|a, b| b.1.sort_value(metric).total_cmp(&a.1.sort_value(metric)));
    } else if !sort.is_empty() && sort != "day" && !metrics.contains(&sort) {
        return Err(GoogleError::bad_request(format!("Invalid sort: {sort}")));
    }
    let rows: Vec<Value> = lines
        .into_iter()
        .skip(start_index - 1)
        .take(max_results.unwrap_or(usize::MAX))
        .map(|(key, totals)| {
            let mut cells = Vec::new();
            if !dimension.is_empty() {
                cells.push(json!(key));
            }
            cells.extend(metrics.iter().map(|m| totals.metric(m)));
            Value::Array(cells)
        })
        .collect();

    let mut headers = Vec::new();
    if !dimension.is_empty() {
        headers.push(json!({"name": dimension, "columnType": "DIMENSION", "dataType": "STRING"}));
    }
    for m in &metrics {
        let data_type = METRICS
            .iter()
            .find(|(name, _)| name == m)
            .map_or("INTEGER", |(_, t)| *t);
        headers.push(json!({"name": m, "columnType": "METRIC", "dataType": data_type}));
    }
    let mut table = json!({"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers});
    if !rows.is_empty() {
        table["rows"] = Value::Array(rows);
    }
    Ok(table)
}
