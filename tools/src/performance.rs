//! `get_marketing_performance`: how the ads did over a date range, on one platform or
//! all of them, compared with the period before.

mod args;
mod metrics;
mod report;
mod summary;

pub use args::{Level, MAX_RANGE_DAYS};
pub use metrics::Metrics;

use crate::connections::{ClientDirectory, PlatformClients, SharedClients};
use crate::connectors::{AdPlatform, AdPlatforms, Detail, KNOWN_AD_PLATFORMS, PlatformReport};
use crate::model::CampaignDay;
use args::PerformanceRequest;
use async_trait::async_trait;
use futures_util::future::join_all;
use metrics::changes_pct;
use omnify_core::{DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput, ToolSpec};
use report::{Breakdown, MAX_ROWS, breakdown, daily_chart};
use serde_json::{Value, json};
use std::sync::Arc;
use summary::{SummaryInput, summarize};

pub const TOOL_NAME: &str = "get_marketing_performance";

/// Reads results from the calling tenant's connected ad platforms.
#[derive(Clone)]
pub struct PerformanceTool {
    directory: Arc<dyn ClientDirectory>,
}

impl PerformanceTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }

    /// One fixed set of platforms for every tenant (tests, single-tenant set-ups).
    pub fn with_platforms(platforms: AdPlatforms) -> Self {
        let mut clients = PlatformClients::new();
        *clients.ads_mut() = platforms;
        Self::new(Arc::new(SharedClients(Arc::new(clients))))
    }
}

fn display_name(platforms: &AdPlatforms, key: &str) -> String {
    platforms.get(key).map_or_else(
        || {
            KNOWN_AD_PLATFORMS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or_else(|| key.to_owned(), |(_, name)| (*name).to_owned())
        },
        |p| p.display_name().to_owned(),
    )
}

const DESCRIPTION: &str = "\
Ad performance from the connected ad platforms for a date range: spend, impressions, \
clicks, CTR, CPC, CPM, conversions (purchases), revenue (purchase value), ROAS and CPA, \
with the change versus the previous period of the same length. Break it down by \
platform, campaign, ad or day. Use it for questions like \"how did Meta do last week?\", \
\"which campaign has the best ROAS this month?\" or \"show daily spend since the 1st\". \
Dates are inclusive ISO dates (YYYY-MM-DD): turn relative dates into exact ones using \
today's date first. Conversions and revenue are each platform's own attribution.";

const KEYWORDS: &[&str] = &[
    "performance",
    "spend",
    "spent",
    "roas",
    "cpa",
    "ctr",
    "cpc",
    "cpm",
    "campaign",
    "campaigns",
    "ads",
    "ad",
    "how did",
    "how are",
    "results",
    "conversions",
    "purchases",
    "revenue",
    "meta",
    "facebook",
    "instagram",
    "last week",
    "yesterday",
];

#[async_trait]
impl Tool for PerformanceTool {
    fn spec(&self) -> ToolSpec {
        // Every platform Omnify knows, not just this tenant's: the spec is shared, and
        // asking for an unconnected one gets "not connected" rather than a schema error.
        let platforms: Vec<&str> = std::iter::once("all")
            .chain(KNOWN_AD_PLATFORMS.iter().map(|(k, _)| *k))
            .collect();
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {
                        "type": "string",
                        "enum": platforms,
                        "default": "all",
                        "description": "One connected ad platform, or \"all\" to add them up and compare them."
                    },
                    "date_range": {
                        "type": "object",
                        "properties": {
                            "since": {"type": "string", "format": "date", "description": "First day, inclusive, YYYY-MM-DD."},
                            "until": {"type": "string", "format": "date", "description": "Last day, inclusive, YYYY-MM-DD; not after today."}
                        },
                        "required": ["since", "until"],
                        "additionalProperties": false
                    },
                    "level": {
                        "type": "string",
                        "enum": ["platform", "campaign", "ad", "day"],
                        "default": "campaign",
                        "description": "How to break the results down."
                    },
                    "compare_previous": {
                        "type": "boolean",
                        "default": true,
                        "description": "Also fetch the previous period of equal length and report the change."
                    }
                },
                "required": ["date_range"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let platforms = clients.ads();
        let request = args::parse(args, ctx.today, platforms)?;
        let fetched = fetch(&request).await;
        self.build_output(platforms, &request, fetched)
    }
}

/// One platform's answer: its report, or the error the user should hear.
struct Fetched {
    platform: Arc<dyn AdPlatform>,
    result: Result<PlatformReport, ToolError>,
}

/// The range actually fetched: the previous period too when comparing, in one request
/// per platform rather than two, because API quota is the scarce thing.
fn fetch_range(request: &PerformanceRequest) -> DateRange {
    if request.compare_previous {
        DateRange {
            since: request.range.previous_period().since,
            until: request.range.until,
        }
    } else {
        request.range
    }
}

async fn fetch(request: &PerformanceRequest) -> Vec<Fetched> {
    let range = fetch_range(request);
    let detail = if request.level == Level::Ad {
        Detail::Ad
    } else {
        Detail::Campaign
    };
    let calls = request.platforms.iter().map(|platform| async move {
        Fetched {
            platform: platform.clone(),
            result: platform.daily_results(range, detail).await,
        }
    });
    join_all(calls).await
}

impl PerformanceTool {
    fn build_output(
        &self,
        platforms: &AdPlatforms,
        request: &PerformanceRequest,
        fetched: Vec<Fetched>,
    ) -> Result<ToolOutput, ToolError> {
        let range = request.range;
        let previous_range = range.previous_period();
        let mut rows: Vec<CampaignDay> = Vec::new();
        let mut provenance = Vec::new();
        let mut unavailable: Vec<(String, String)> = Vec::new();
        let mut answered: Vec<&'static str> = Vec::new();
        for Fetched { platform, result } in fetched {
            match result {
                Ok(report) => {
                    provenance.push(Provenance {
                        platform: platform.key().to_owned(),
                        account: platform.account_id().to_owned(),
                        date_range: Some(fetch_range(request)),
                        query: report.query,
                    });
                    answered.push(platform.display_name());
                    rows.extend(report.rows);
                }
                Err(error) => {
                    tracing::warn!(platform = platform.key(), %error, "performance fetch failed");
                    unavailable.push((platform.display_name().to_owned(), error.to_string()));
                }
            }
        }
        if answered.is_empty() {
            let messages: Vec<&str> = unavailable.iter().map(|(_, m)| m.as_str()).collect();
            return Err(ToolError::Upstream(messages.join("; ")));
        }

        let in_range = |r: &DateRange| {
            let r = *r;
            move |row: &&CampaignDay| row.date >= r.since && row.date <= r.until
        };
        let current: Vec<&CampaignDay> = rows.iter().filter(in_range(&range)).collect();
        let previous: Vec<&CampaignDay> = if request.compare_previous {
            rows.iter().filter(in_range(&previous_range)).collect()
        } else {
            Vec::new()
        };

        let total = |rows: &[&CampaignDay]| {
            let mut m = Metrics::default();
            rows.iter().for_each(|r| m.add(r));
            m
        };
        let (totals, previous_totals) = (total(&current), total(&previous));
        let name_of = |key: &str| display_name(platforms, key);
        let lines = breakdown(request.level, &current, &previous, &name_of);
        let by_platform = if request.all_platforms {
            breakdown(Level::Platform, &current, &previous, &name_of)
        } else {
            Vec::new()
        };

        let currency = dominant_currency(&current);
        let scope = if request.all_platforms {
            format!("All platforms ({})", answered.join(", "))
        } else {
            answered.join(", ")
        };
        let summary = summarize(&SummaryInput {
            scope: &scope,
            range,
            compare: request.compare_previous,
            totals: &totals,
            previous: &previous_totals,
            currency: &currency,
            level: request.level,
            lines: &lines,
            by_platform: &by_platform,
            unavailable: &unavailable,
        });

        let data = self.data_json(
            request,
            &totals,
            &previous_totals,
            &lines,
            &by_platform,
            &currency,
            &current,
            &unavailable,
        );
        let chart = (request.level == Level::Day || range.days() > 1)
            .then(|| daily_chart(range, &current, &currency));
        Ok(ToolOutput {
            data,
            summary,
            provenance,
            chart,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn data_json(
        &self,
        request: &PerformanceRequest,
        totals: &Metrics,
        previous_totals: &Metrics,
        lines: &[Breakdown],
        by_platform: &[Breakdown],
        currency: &str,
        current: &[&CampaignDay],
        unavailable: &[(String, String)],
    ) -> Value {
        let compare = request.compare_previous;
        let range = request.range;
        let previous_range = range.previous_period();
        let mut data = json!({
            "level": request.level.as_str(),
            "date_range": {"since": range.since, "until": range.until, "days": range.days()},
            "currency": currency,
            "totals": totals.to_json(),
            "rows": lines.iter().take(MAX_ROWS).map(|l| l.to_json(compare, request.level)).collect::<Vec<_>>(),
            "rows_omitted": lines.len().saturating_sub(MAX_ROWS),
        });
        if compare {
            data["previous_period"] =
                json!({"since": previous_range.since, "until": previous_range.until});
            data["previous_totals"] = Value::Object(previous_totals.to_json());
            data["change_vs_previous_pct"] = Value::Object(changes_pct(totals, previous_totals));
        }
        if !by_platform.is_empty() {
            data["by_platform"] = by_platform
                .iter()
                .map(|l| l.to_json(compare, Level::Platform))
                .collect();
        }
        let currencies: std::collections::BTreeSet<&str> =
            current.iter().map(|r| r.currency.as_str()).collect();
        if currencies.len() > 1 {
            data["warning"] = json!(format!(
                "accounts bill in different currencies ({}); totals add them without conversion",
                currencies.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if !unavailable.is_empty() {
            data["unavailable"] = unavailable
                .iter()
                .map(|(platform, message)| json!({"platform": platform, "message": message}))
                .collect();
        }
        data
    }
}

/// The currency most of the spend is in (accounts almost always share one).
fn dominant_currency(rows: &[&CampaignDay]) -> String {
    let mut spend: std::collections::BTreeMap<&str, rust_decimal::Decimal> = Default::default();
    for row in rows {
        *spend.entry(row.currency.as_str()).or_default() += row.spend;
    }
    spend
        .into_iter()
        .max_by_key(|(_, s)| *s)
        .map_or_else(|| "USD".to_owned(), |(c, _)| c.to_owned())
}
