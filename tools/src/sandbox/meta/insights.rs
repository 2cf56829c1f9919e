//! `GET /act_{id}/insights`: the brand's ad-day rows rolled up to the requested level
//! and time increment (or to each of `time_ranges`), with every metric rendered as a
//! string like the real API.

use super::errors::GraphError;
use super::request::GraphRequest;
use crate::money::from_cents;
use crate::sandbox::brand::{Brand, MetaAdDay};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Fields this emulator can return (a subset of Meta's AdsInsights fields).
pub(crate) const KNOWN_FIELDS: &[&str] = &[
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "spend",
    "impressions",
    "reach",
    "frequency",
    "clicks",
    "inline_link_clicks",
    "ctr",
    "cpc",
    "cpm",
    "actions",
    "action_values",
    "purchase_roas",
];

/// What Meta returns when `fields` is omitted.
const DEFAULT_FIELDS: &[&str] = &["impressions", "spend"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Account,
    Campaign,
    AdSet,
    Ad,
}

impl Level {
    fn parse(raw: Option<&str>) -> Result<Self, GraphError> {
        match raw.unwrap_or("account") {
            "account" => Ok(Self::Account),
            "campaign" => Ok(Self::Campaign),
            "adset" => Ok(Self::AdSet),
            "ad" => Ok(Self::Ad),
            other => Err(GraphError::invalid_parameter(format!(
                "(#100) param level must be one of {{ad, adset, campaign, account}}, got {other}"
            ))),
        }
    }

    /// The level a field belongs to, for fields that name an object.
    fn of_field(field: &str) -> Option<Self> {
        match field {
            "campaign_id" | "campaign_name" => Some(Self::Campaign),
            "adset_id" | "adset_name" => Some(Self::AdSet),
            "ad_id" | "ad_name" => Some(Self::Ad),
            _ => None,
        }
    }

    fn key(self, row: &MetaAdDay) -> &str {
        match self {
            Self::Account => "",
            Self::Campaign => &row.campaign_id,
            Self::AdSet => &row.adset_id,
            Self::Ad => &row.ad_id,
        }
    }
}

/// (date_start, date_stop) of one time-increment bucket.
type Bucket = (NaiveDate, NaiveDate);

#[derive(Debug, Clone, Copy)]
enum Increment {
    AllDays,
    Days(i64),
    Monthly,
}

impl Increment {
    fn parse(raw: Option<&str>) -> Result<Self, GraphError> {
        match raw.unwrap_or("all_days") {
            "all_days" => Ok(Self::AllDays),
            "monthly" => Ok(Self::Monthly),
            n => match n.parse::<i64>() {
                Ok(days @ 1..=90) => Ok(Self::Days(days)),
                _ => Err(GraphError::invalid_parameter(format!(
                    "(#100) time_increment must be all_days, monthly or an integer 1-90, got {n}"
                ))),
            },
        }
    }

    /// The (date_start, date_stop) bucket `date` falls in, within `range`.
    fn bucket(self, date: NaiveDate, range: (NaiveDate, NaiveDate)) -> (NaiveDate, NaiveDate) {
        let (since, until) = range;
        match self {
            Self::AllDays => range,
            Self::Days(n) => {
                let start = since + Duration::days((date - since).num_days() / n * n);
                (start, (start + Duration::days(n - 1)).min(until))
            }
            Self::Monthly => {
                let first = date.with_day(1).unwrap_or(date);
                let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
                (
                    first.max(since),
                    (next_month - Duration::days(1)).min(until),
                )
            }
        }
    }
}

/// Sums of one group of ad-day rows.
#[derive(Debug, Default, Clone, Copy)]
struct Delivery {
    spend_minor: i64,
    impressions: u64,
    reach: u64,
    /// People reached from the ad's first day through the group's last day.
    lifetime_reach: u64,
    clicks: u64,
    link_clicks: u64,
    landing_page_views: u64,
    add_to_carts: u64,
    purchases: u64,
    purchase_value_minor: i64,
}

impl Delivery {
    fn add(&mut self, row: &MetaAdDay) {
        self.spend_minor += row.spend_minor;
        self.impressions += row.impressions;
        // Summed reach overstates unique reach; good enough for an emulator, except
        // for one ad since its first day, where the brand knows the true figure.
        self.reach += row.reach;
        self.lifetime_reach = self.lifetime_reach.max(row.lifetime_reach);
        self.clicks += row.clicks;
        self.link_clicks += row.link_clicks;
        self.landing_page_views += row.landing_page_views;
        self.add_to_carts += row.add_to_carts;
        self.purchases += row.purchases;
        self.purchase_value_minor += row.purchase_value_minor;
    }
}

/// All insight rows for the request, before paging. With `time_ranges` (a JSON list
/// of ranges, which may overlap, "for example to return cumulative insights"), each
/// range gets one result set over its whole span, and `time_range`, `date_preset` and
/// `time_increment` are ignored, as Meta documents.
pub(crate) fn rows(brand: &Brand, request: &GraphRequest) -> Result<Vec<Value>, GraphError> {
    let level = Level::parse(request.param("level"))?;
    let fields = request.fields(KNOWN_FIELDS, DEFAULT_FIELDS)?;
    // An ad's unique reach over a span that starts by its first day is its lifetime
    // reach at the span's end.
    let first_days: BTreeMap<&str, NaiveDate> = if level == Level::Ad {
        brand
            .meta
            .days
            .iter()
            .fold(BTreeMap::new(), |mut first, d| {
                first.entry(d.ad_id.as_str()).or_insert(d.date);
                first
            })
    } else {
        BTreeMap::new()
    };
    let roll_up = |range, increment| roll_up(brand, level, &fields, &first_days, range, increment);
    if let Some(raw) = request.param("time_ranges") {
        let mut rows = Vec::new();
        for range in time_ranges(raw)? {
            rows.extend(roll_up(range, Increment::AllDays));
        }
        return Ok(rows);
    }
    let range = date_range(brand, request)?;
    let increment = Increment::parse(request.param("time_increment"))?;
    Ok(roll_up(range, increment))
}

/// The rows of one range at one level and increment; `first_days` holds each ad's
/// first day of delivery at ad level (empty otherwise).
fn roll_up(
    brand: &Brand,
    level: Level,
    fields: &[String],
    first_days: &BTreeMap<&str, NaiveDate>,
    range: Bucket,
    increment: Increment,
) -> Vec<Value> {
    // (bucket, object id) → sums, plus one source row to name the object by.
    let mut groups: BTreeMap<(Bucket, &str), (Delivery, &MetaAdDay)> = BTreeMap::new();
    for row in brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= range.0 && d.date <= range.1)
    {
        let key = (increment.bucket(row.date, range), level.key(row));
        groups
            .entry(key)
            .or_insert_with(|| (Delivery::default(), row))
            .0
            .add(row);
    }
    groups
        .into_iter()
        // Meta leaves out objects that did not deliver.
        .filter(|(_, (d, _))| d.impressions > 0 || d.spend_minor > 0)
        .map(|(((start, stop), id), (mut delivery, sample))| {
            if first_days.get(id).is_some_and(|first| start <= *first) {
                delivery.reach = delivery.lifetime_reach;
            }
            render(brand, level, fields, sample, &delivery, start, stop)
        })
        .collect()
}

#[derive(Deserialize)]
struct TimeRange {
    since: NaiveDate,
    until: NaiveDate,
}

impl TimeRange {
    fn checked(self, param: &str) -> Result<Bucket, GraphError> {
        if self.since > self.until {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) {param}: since must be on or before until"
            )));
        }
        Ok((self.since, self.until))
    }
}

/// `time_ranges`: `[{"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}, …]`.
fn time_ranges(raw: &str) -> Result<Vec<Bucket>, GraphError> {
    let ranges: Vec<TimeRange> = serde_json::from_str(raw).map_err(|_| {
        GraphError::invalid_parameter(
            "(#100) time_ranges must be a JSON list of {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"}",
        )
    })?;
    if ranges.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) time_ranges must not be empty",
        ));
    }
    ranges
        .into_iter()
        .map(|r| r.checked("time_ranges"))
        .collect()
}

/// `time_range` JSON, else `date_preset`, else Meta's default of `last_30d`. "Today" is
/// the day after the brand's last day of data.
fn date_range(brand: &Brand, request: &GraphRequest) -> Result<(NaiveDate, NaiveDate), GraphError> {
    if let Some(raw) = request.param("time_range") {
        let range: TimeRange = serde_json::from_str(raw).map_err(|_| {
            GraphError::invalid_parameter(
                "(#100) time_range must be a JSON object {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"}",
            )
        })?;
        return range.checked("time_range");
    }
    let today = brand.end_date + Duration::days(1);
    let yesterday = brand.end_date;
    let last = |days: i64| Ok((today - Duration::days(days), yesterday));
    match request.param("date_preset").unwrap_or("last_30d") {
        "today" => Ok((today, today)),
        "yesterday" => Ok((yesterday, yesterday)),
        "last_3d" => last(3),
        "last_7d" => last(7),
        "last_14d" => last(14),
        "last_28d" => last(28),
        "last_30d" => last(30),
        "last_90d" => last(90),
        "this_month" => Ok((today.with_day(1).unwrap_or(today), today)),
        "last_month" => {
            let this_month = today.with_day(1).unwrap_or(today);
            let end = this_month - Duration::days(1);
            Ok((end.with_day(1).unwrap_or(end), end))
        }
        other => Err(GraphError::invalid_parameter(format!(
            "(#100) date_preset must be one of the documented presets, got {other}"
        ))),
    }
}

fn render(
    brand: &Brand,
    level: Level,
    fields: &[String],
    sample: &MetaAdDay,
    d: &Delivery,
    start: NaiveDate,
    stop: NaiveDate,
) -> Value {
    let account = &brand.meta;
    let campaign = account.campaign(&sample.campaign_id);
    let ad_set = account.ad_set(&sample.adset_id);
    let ad = account.ad(&sample.ad_id);
    let spend = d.spend_minor as f64 / 100.0;
    let value = d.purchase_value_minor as f64 / 100.0;
    let ratio = |num: f64, den: f64, scale: f64| {
        (den > 0.0).then(|| Value::String(format!("{:.6}", num / den * scale)))
    };

    let mut row = Map::new();
    for field in fields {
        // Like the real API, object fields finer than the level come back empty.
        if Level::of_field(field).is_some_and(|l| l > level) {
            continue;
        }
        let value: Option<Value> = match field.as_str() {
            "account_id" => Some(json!(account.account_id.trim_start_matches("act_"))),
            "account_name" => Some(json!(account.name)),
            "account_currency" => Some(json!(account.currency)),
            "campaign_id" => Some(json!(sample.campaign_id)),
            "campaign_name" => campaign.map(|c| json!(c.name)),
            "adset_id" => Some(json!(sample.adset_id)),
            "adset_name" => ad_set.map(|s| json!(s.name)),
            "ad_id" => Some(json!(sample.ad_id)),
            "ad_name" => ad.map(|a| json!(a.name)),
            "spend" => Some(json!(from_cents(d.spend_minor).to_string())),
            "impressions" => Some(json!(d.impressions.to_string())),
            "reach" => Some(json!(d.reach.to_string())),
            "frequency" => ratio(d.impressions as f64, d.reach as f64, 1.0),
            "clicks" => Some(json!(d.clicks.to_string())),
            "inline_link_clicks" => Some(json!(d.link_clicks.to_string())),
            "ctr" => ratio(d.clicks as f64, d.impressions as f64, 100.0),
            "cpc" => ratio(spend, d.clicks as f64, 1.0),
            "cpm" => ratio(spend, d.impressions as f64, 1000.0),
            "actions" => Some(actions(d)),
            "action_values" => Some(action_values(d)),
            "purchase_roas" => (d.spend_minor > 0 && d.purchase_value_minor > 0).then(|| {
                json!([{ "action_type": "omni_purchase", "value": format!("{:.6}", value / spend) }])
            }),
            _ => None,
        };
        if let Some(value) = value {
            row.insert(field.clone(), value);
        }
    }
    row.insert("date_start".to_owned(), json!(start.to_string()));
    row.insert("date_stop".to_owned(), json!(stop.to_string()));
    Value::Object(row)
}

/// Counts as strings; zero counts are left out, as Meta does.
fn actions(d: &Delivery) -> Value {
    let counts = [
        ("link_click", d.link_clicks),
        ("landing_page_view", d.landing_page_views),
        ("add_to_cart", d.add_to_carts),
        ("offsite_conversion.fb_pixel_purchase", d.purchases),
        ("purchase", d.purchases),
        ("omni_purchase", d.purchases),
    ];
    Value::Array(
        counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| json!({ "action_type": kind, "value": n.to_string() }))
            .collect(),
    )
}

fn action_values(d: &Delivery) -> Value {
    if d.purchase_value_minor == 0 {
        return json!([]);
    }
    let value = from_cents(d.purchase_value_minor).to_string();
    json!([
        { "action_type": "offsite_conversion.fb_pixel_purchase", "value": value },
        { "action_type": "purchase", "value": value },
        { "action_type": "omni_purchase", "value": value },
    ])
}
