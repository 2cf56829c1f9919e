//! GAQL results from the brand's Google Ads account: rows grouped by resource (and by
//! day when `segments.date` is selected), fields nested and camelCased, int64 values
//! as strings and doubles as numbers, as the REST API sends them.

use super::errors::RpcError;
use super::gaql::GaqlQuery;
use crate::sandbox::brand::{Ad, AdAccount, AdCampaign, AdGroup};
use crate::sandbox::campaign_changes::CampaignChanges;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const KNOWN_FIELDS: &[&str] = &[
    "customer.id",
    "customer.descriptive_name",
    "customer.currency_code",
    "customer.time_zone",
    "campaign.resource_name",
    "campaign.id",
    "campaign.name",
    "campaign.status",
    "campaign.advertising_channel_type",
    "campaign.campaign_budget",
    "campaign_budget.resource_name",
    "campaign_budget.id",
    "campaign_budget.amount_micros",
    "ad_group.resource_name",
    "ad_group.id",
    "ad_group.name",
    "ad_group_ad.resource_name",
    "ad_group_ad.status",
    "ad_group_ad.ad.id",
    "ad_group_ad.ad.name",
    "ad_group_ad.ad.type",
    "ad_group_ad.ad.final_urls",
    "segments.date",
    "metrics.cost_micros",
    "metrics.impressions",
    "metrics.clicks",
    "metrics.conversions",
    "metrics.conversions_value",
    "metrics.video_views",
];

/// Resources a query may select FROM, and the attributed resources each may read.
fn allowed_prefixes(resource: &str) -> Option<&'static [&'static str]> {
    match resource {
        "customer" => Some(&["customer.", "segments.", "metrics."]),
        "campaign" => Some(&[
            "customer.",
            "campaign.",
            "campaign_budget.",
            "segments.",
            "metrics.",
        ]),
        "campaign_budget" => Some(&["customer.", "campaign_budget.", "segments.", "metrics."]),
        "ad_group" => Some(&[
            "customer.",
            "campaign.",
            "campaign_budget.",
            "ad_group.",
            "segments.",
            "metrics.",
        ]),
        "ad_group_ad" => Some(&[
            "customer.",
            "campaign.",
            "campaign_budget.",
            "ad_group.",
            "ad_group_ad.",
            "segments.",
            "metrics.",
        ]),
        _ => None,
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    cost_cents: i64,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    value_cents: i64,
    video_views: u64,
}

/// One result row before rendering.
struct Cell<'a> {
    campaign: Option<&'a AdCampaign>,
    group: Option<&'a AdGroup>,
    ad: Option<&'a Ad>,
    date: Option<NaiveDate>,
    totals: Totals,
}

pub(crate) fn results(
    account: &AdAccount,
    changes: &CampaignChanges,
    query: &GaqlQuery,
) -> Result<Vec<Value>, RpcError> {
    let prefixes = allowed_prefixes(&query.resource).ok_or_else(|| {
        RpcError::query(
            "INVALID_RESOURCE_NAME",
            format!("Error in query: unknown resource {}.", query.resource),
        )
    })?;
    for field in &query.fields {
        if !KNOWN_FIELDS.contains(&field.as_str()) {
            return Err(RpcError::query(
                "UNRECOGNIZED_FIELD",
                format!("Error in query: unrecognized field in the query: '{field}'."),
            ));
        }
        if !prefixes.iter().any(|p| field.starts_with(p)) {
            return Err(RpcError::query(
                "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                format!(
                    "Error in query: {field} cannot be selected with FROM {}.",
                    query.resource
                ),
            ));
        }
    }
    let by_day = query.selects("segments.date");
    if by_day && query.dates.is_none() {
        return Err(RpcError::query(
            "DATE_RANGE_REQUIRED_FOR_SEGMENTS_DATE",
            "Error in query: a finite date range is required when segments.date is selected.",
        ));
    }
    let wanted = |c: &AdCampaign| {
        query
            .campaign_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&c.id))
    };
    let cells = match query.resource.as_str() {
        "customer" => vec![Cell {
            campaign: None,
            group: None,
            ad: None,
            date: None,
            totals: Totals::default(),
        }],
        "campaign" | "campaign_budget" if !query.has_metrics() => account
            .campaigns
            .iter()
            .filter(|c| wanted(c))
            .map(|c| Cell {
                campaign: Some(c),
                group: None,
                ad: None,
                date: None,
                totals: Totals::default(),
            })
            .collect(),
        resource => delivery_cells(account, query, resource == "ad_group_ad", by_day, &wanted),
    };
    Ok(cells
        .iter()
        .map(|cell| render(account, changes, query, cell))
        .collect())
}

fn delivery_cells<'a>(
    account: &'a AdAccount,
    query: &GaqlQuery,
    per_ad: bool,
    by_day: bool,
    wanted: &dyn Fn(&AdCampaign) -> bool,
) -> Vec<Cell<'a>> {
    let mut grouped: BTreeMap<(Option<NaiveDate>, String, String), Totals> = BTreeMap::new();
    for day in &account.days {
        if let Some((since, until)) = query.dates
            && (day.date < since || day.date > until)
        {
            continue;
        }
        let key = (
            by_day.then_some(day.date),
            day.campaign_id.clone(),
            if per_ad {
                day.ad_id.clone()
            } else {
                String::new()
            },
        );
        let t = grouped.entry(key).or_default();
        t.cost_cents += day.spend_minor;
        t.impressions += day.impressions;
        t.clicks += day.clicks;
        t.conversions += day.conversions;
        t.value_cents += day.conversion_value_minor;
        t.video_views += day.video_views;
    }
    grouped
        .into_iter()
        // Rows with no impressions are left out when metrics are segmented, as Google does.
        .filter(|(_, t)| t.impressions > 0)
        .filter_map(|((date, campaign_id, ad_id), totals)| {
            let campaign = account.campaign(&campaign_id)?;
            if !wanted(campaign) {
                return None;
            }
            let (group, ad) = if per_ad {
                let group = campaign
                    .ad_groups
                    .iter()
                    .find(|g| g.ads.iter().any(|a| a.id == ad_id));
                (group, account.ad(&ad_id))
            } else {
                (None, None)
            };
            Some(Cell {
                campaign: Some(campaign),
                group,
                ad,
                date,
                totals,
            })
        })
        .collect()
}

fn micros_of_cents(cents: i64) -> String {
    (i128::from(cents) * 10_000).to_string()
}

fn ad_type(format: &str) -> &'static str {
    match format {
        "text" => "RESPONSIVE_SEARCH_AD",
        "video" => "VIDEO_RESPONSIVE_AD",
        _ => "RESPONSIVE_DISPLAY_AD",
    }
}

fn field_value(
    account: &AdAccount,
    changes: &CampaignChanges,
    field: &str,
    cell: &Cell<'_>,
) -> Option<Value> {
    let cid = &account.account_id;
    let c = cell.campaign;
    let t = &cell.totals;
    let budget_micros = |c: &AdCampaign| {
        changes.daily_budget(&c.id).map_or_else(
            || micros_of_cents(c.daily_budget_minor),
            |b| (b * Decimal::from(1_000_000)).round().to_string(),
        )
    };
    Some(match field {
        "customer.id" => json!(cid),
        "customer.descriptive_name" => json!(account.name),
        "customer.currency_code" => json!(account.currency),
        "customer.time_zone" => json!(account.timezone),
        "campaign.resource_name" => json!(format!("customers/{cid}/campaigns/{}", c?.id)),
        "campaign.id" => json!(c?.id),
        "campaign.name" => json!(c?.name),
        "campaign.status" => {
            let c = c?;
            json!(
                changes
                    .status(&c.id)
                    .unwrap_or_else(|| "ENABLED".to_owned())
            )
        }
        "campaign.advertising_channel_type" => json!(c?.objective),
        "campaign.campaign_budget" | "campaign_budget.resource_name" => {
            json!(format!("customers/{cid}/campaignBudgets/{}", c?.budget_id))
        }
        "campaign_budget.id" => json!(c?.budget_id),
        "campaign_budget.amount_micros" => json!(budget_micros(c?)),
        "ad_group.resource_name" => json!(format!("customers/{cid}/adGroups/{}", cell.group?.id)),
        "ad_group.id" => json!(cell.group?.id),
        "ad_group.name" => json!(cell.group?.name),
        "ad_group_ad.resource_name" => json!(format!(
            "customers/{cid}/adGroupAds/{}~{}",
            cell.group?.id, cell.ad?.id
        )),
        "ad_group_ad.status" => json!("ENABLED"),
        "ad_group_ad.ad.id" => json!(cell.ad?.id),
        "ad_group_ad.ad.name" => json!(cell.ad?.name),
        "ad_group_ad.ad.type" => json!(ad_type(&cell.ad?.creative.format)),
        "ad_group_ad.ad.final_urls" => json!(["https://trailhead-supply.example/"]),
        "segments.date" => json!(cell.date?.to_string()),
        "metrics.cost_micros" => json!(micros_of_cents(t.cost_cents)),
        "metrics.impressions" => json!(t.impressions.to_string()),
        "metrics.clicks" => json!(t.clicks.to_string()),
        "metrics.conversions" => json!(t.conversions as f64),
        "metrics.conversions_value" => json!(t.value_cents as f64 / 100.0),
        "metrics.video_views" => json!(t.video_views.to_string()),
        _ => return None,
    })
}

/// `ad_group_ad.ad.final_urls` → `["adGroupAd", "ad", "finalUrls"]`.
pub(crate) fn camel_path(field: &str) -> Vec<String> {
    field
        .split('.')
        .map(|segment| {
            let mut out = String::new();
            let mut upper = false;
            for ch in segment.chars() {
                if ch == '_' {
                    upper = true;
                } else if upper {
                    out.push(ch.to_ascii_uppercase());
                    upper = false;
                } else {
                    out.push(ch);
                }
            }
            out
        })
        .collect()
}

fn insert_path(row: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = row;
    for parent in parents {
        let entry = node
            .entry(parent.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(map) = entry else { return };
        node = map;
    }
    node.insert(last.clone(), value);
}

fn render(
    account: &AdAccount,
    changes: &CampaignChanges,
    query: &GaqlQuery,
    cell: &Cell<'_>,
) -> Value {
    let mut row = Map::new();
    // Like the API, each selected resource carries its resourceName.
    let resources = [
        ("customer", "customer.id"),
        ("campaign", "campaign.resource_name"),
        ("campaign_budget", "campaign_budget.resource_name"),
        ("ad_group", "ad_group.resource_name"),
        ("ad_group_ad", "ad_group_ad.resource_name"),
    ];
    for (resource, name_field) in resources {
        let prefix = format!("{resource}.");
        if query.fields.iter().any(|f| f.starts_with(&prefix)) {
            let name = if resource == "customer" {
                Some(json!(format!("customers/{}", account.account_id)))
            } else {
                field_value(account, changes, name_field, cell)
            };
            if let Some(name) = name {
                insert_path(
                    &mut row,
                    &[camel_path(resource).concat(), "resourceName".to_owned()],
                    name,
                );
            }
        }
    }
    for field in &query.fields {
        if let Some(value) = field_value(account, changes, field, cell) {
            insert_path(&mut row, &camel_path(field), value);
        }
    }
    Value::Object(row)
}

/// The `fieldMask` the API echoes: the selected fields, camelCased.
pub(crate) fn field_mask(query: &GaqlQuery) -> String {
    query
        .fields
        .iter()
        .map(|f| camel_path(f).join("."))
        .collect::<Vec<_>>()
        .join(",")
}
