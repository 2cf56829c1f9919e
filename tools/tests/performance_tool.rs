//! `get_marketing_performance`: arguments, aggregation, comparison, and end to end
//! through the Meta connector and emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use async_trait::async_trait;
use common::*;
use omnify_core::{ChartKind, DateRange, Tool, ToolError};
use omnify_tools::PerformanceTool;
use omnify_tools::connectors::{AdPlatform, AdPlatforms, Detail, PlatformReport};
use omnify_tools::model::CampaignDay;
use omnify_tools::money::format_money;
use omnify_tools::sandbox::meta::Fault;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::Arc;

/// An ad platform with hand-written rows, to check the arithmetic on known numbers.
struct FixedPlatform {
    key: &'static str,
    name: &'static str,
    rows: Vec<CampaignDay>,
    fail_with: Option<&'static str>,
}

#[async_trait]
impl AdPlatform for FixedPlatform {
    fn key(&self) -> &'static str {
        self.key
    }
    fn display_name(&self) -> &'static str {
        self.name
    }
    fn account_id(&self) -> &str {
        "acct-1"
    }
    async fn daily_results(
        &self,
        range: DateRange,
        _: Detail,
    ) -> Result<PlatformReport, ToolError> {
        if let Some(message) = self.fail_with {
            return Err(ToolError::Upstream(message.to_owned()));
        }
        Ok(PlatformReport {
            rows: self
                .rows
                .iter()
                .filter(|r| r.date >= range.since && r.date <= range.until)
                .cloned()
                .collect(),
            query: format!("fixed {range}"),
        })
    }
}

// Positional on purpose: the fixtures below read as a table.
#[allow(clippy::too_many_arguments)]
fn row(
    platform: &str,
    campaign: &str,
    date: &str,
    spend: &str,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    revenue: &str,
) -> CampaignDay {
    CampaignDay {
        platform: platform.into(),
        account_id: "acct-1".into(),
        campaign_id: format!("id-{campaign}"),
        campaign_name: campaign.into(),
        adset_id: None,
        adset_name: None,
        ad_id: None,
        ad_name: None,
        creative: None,
        date: day(date),
        spend: Decimal::from_str(spend).unwrap(),
        impressions,
        clicks,
        conversions: Decimal::from(conversions),
        revenue: Decimal::from_str(revenue).unwrap(),
        currency: "USD".into(),
    }
}

/// Two days this week (Nov 22-23) and two the week before (Nov 20-21).
fn fixed_meta() -> FixedPlatform {
    FixedPlatform {
        key: "meta",
        name: "Meta Ads",
        rows: vec![
            row(
                "meta",
                "Prospecting",
                "2026-11-20",
                "100.00",
                10_000,
                100,
                4,
                "300.00",
            ),
            row(
                "meta",
                "Prospecting",
                "2026-11-21",
                "100.00",
                10_000,
                100,
                4,
                "300.00",
            ),
            row(
                "meta",
                "Retargeting",
                "2026-11-21",
                "50.00",
                2_000,
                40,
                5,
                "400.00",
            ),
            row(
                "meta",
                "Prospecting",
                "2026-11-22",
                "150.00",
                12_000,
                120,
                5,
                "375.00",
            ),
            row(
                "meta",
                "Prospecting",
                "2026-11-23",
                "150.00",
                12_000,
                120,
                5,
                "375.00",
            ),
            row(
                "meta",
                "Retargeting",
                "2026-11-23",
                "60.00",
                2_000,
                60,
                6,
                "450.00",
            ),
        ],
        fail_with: None,
    }
}

fn fixed_google() -> FixedPlatform {
    FixedPlatform {
        key: "google_ads",
        name: "Google Ads",
        rows: vec![
            row(
                "google_ads",
                "Search - Brand",
                "2026-11-21",
                "40.00",
                1_000,
                100,
                4,
                "200.00",
            ),
            row(
                "google_ads",
                "Search - Brand",
                "2026-11-23",
                "40.00",
                1_000,
                80,
                2,
                "100.00",
            ),
        ],
        fail_with: None,
    }
}

fn tool(platforms: Vec<FixedPlatform>) -> PerformanceTool {
    let mut registry = AdPlatforms::new();
    for p in platforms {
        registry.insert(Arc::new(p));
    }
    PerformanceTool::with_platforms(registry)
}

fn args(platform: &str, since: &str, until: &str, level: &str) -> Value {
    json!({"platform": platform, "date_range": {"since": since, "until": until}, "level": level})
}

#[tokio::test]
async fn campaign_totals_and_previous_period_on_known_numbers() {
    let out = tool(vec![fixed_meta()])
        .call(&ctx(), args("meta", "2026-11-22", END, "campaign"))
        .await
        .unwrap();
    let d = &out.data;
    // This period: spend 150+150+60 = 360, revenue 375+375+450 = 1200, 16 conversions.
    assert_eq!(d["totals"]["spend"], json!(360.0));
    assert_eq!(d["totals"]["revenue"], json!(1200.0));
    assert_eq!(d["totals"]["conversions"], json!(16.0));
    assert_eq!(d["totals"]["roas"], json!(3.33));
    assert_eq!(d["totals"]["cpa"], json!(22.5));
    assert_eq!(d["totals"]["ctr_pct"], json!(1.15)); // 300 / 26,000
    assert_eq!(d["totals"]["cpm"], json!(13.85));
    // Previous period Nov 20-21: spend 250, revenue 1000, 13 conversions.
    assert_eq!(
        d["previous_period"],
        json!({"since": "2026-11-20", "until": "2026-11-21"})
    );
    assert_eq!(d["previous_totals"]["spend"], json!(250.0));
    assert_eq!(d["previous_totals"]["revenue"], json!(1000.0));
    assert_eq!(d["change_vs_previous_pct"]["spend"], json!(44.0));
    assert_eq!(d["change_vs_previous_pct"]["revenue"], json!(20.0));
    assert_eq!(d["change_vs_previous_pct"]["roas"], json!(-16.7)); // 3.333 vs 4.0
    assert_eq!(d["change_vs_previous_pct"]["cpa"], json!(17.0)); // 22.5 vs 19.23

    // Rows by spend, each with its own comparison.
    let rows = d["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["campaign_name"], "Prospecting");
    assert_eq!(rows[0]["spend"], json!(300.0));
    assert_eq!(rows[0]["previous"]["spend"], json!(200.0));
    assert_eq!(rows[0]["change_vs_previous_pct"]["spend"], json!(50.0));
    assert_eq!(rows[1]["campaign_name"], "Retargeting");
    assert_eq!(rows[1]["roas"], json!(7.5));
    assert_eq!(rows[1]["change_vs_previous_pct"]["roas"], json!(-6.3)); // 7.5 vs 8.0

    assert_eq!(
        out.summary,
        "Meta Ads, 2026-11-22 to 2026-11-23: spend $360.00 (+44.0% vs the previous 2 days), \
         revenue $1,200.00 (+20.0%), ROAS 3.33 (\u{2212}0.67), 16 conversions at CPA $22.50 (+17.0%), \
         CTR 1.15%, CPC $1.20, CPM $13.85. Top campaign by spend: Prospecting ($300.00 spend, ROAS 2.50). \
         Best ROAS: Retargeting (7.50)."
    );

    // One request covering both periods, cited as such.
    assert_eq!(out.provenance.len(), 1);
    assert_eq!(out.provenance[0].platform, "meta");
    assert_eq!(out.provenance[0].date_range, Some(range("2026-11-20", END)));

    let chart = out.chart.unwrap();
    assert_eq!(chart.kind, ChartKind::Line);
    assert_eq!(chart.x_labels, vec!["2026-11-22", "2026-11-23"]);
    assert_eq!(chart.series[0].name, "Spend");
    assert_eq!(chart.series[0].values, vec![150.0, 210.0]);
    assert_eq!(chart.series[1].values, vec![375.0, 825.0]);
}

#[tokio::test]
async fn all_platforms_add_up_and_break_down_by_platform() {
    let out = tool(vec![fixed_meta(), fixed_google()])
        .call(&ctx(), args("all", "2026-11-22", END, "platform"))
        .await
        .unwrap();
    let d = &out.data;
    assert_eq!(d["totals"]["spend"], json!(400.0));
    assert_eq!(d["totals"]["revenue"], json!(1300.0));
    assert_eq!(d["previous_totals"]["spend"], json!(290.0));
    let rows = d["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["platform"], "meta");
    assert_eq!(rows[0]["platform_name"], "Meta Ads");
    assert_eq!(rows[1]["platform"], "google_ads");
    assert_eq!(rows[1]["spend"], json!(40.0));
    assert_eq!(rows[1]["change_vs_previous_pct"]["revenue"], json!(-50.0));
    assert_eq!(d["by_platform"].as_array().unwrap().len(), 2);
    assert!(out.summary.starts_with(
        "All platforms (Google Ads, Meta Ads), 2026-11-22 to 2026-11-23: spend $400.00"
    ));
    assert!(
        out.summary
            .contains("By platform: Meta Ads $360.00, ROAS 3.33; Google Ads $40.00, ROAS 2.50.")
    );
    assert_eq!(out.provenance.len(), 2);
}

#[tokio::test]
async fn one_failing_platform_is_reported_without_losing_the_others() {
    let broken = FixedPlatform {
        fail_with: Some("Google Ads token expired: reconnect Google Ads"),
        ..fixed_google()
    };
    let out = tool(vec![fixed_meta(), broken])
        .call(&ctx(), args("all", "2026-11-22", END, "campaign"))
        .await
        .unwrap();
    assert_eq!(out.data["totals"]["spend"], json!(360.0));
    assert_eq!(
        out.data["unavailable"],
        json!([{"platform": "Google Ads", "message": "Google Ads token expired: reconnect Google Ads"}])
    );
    assert!(out.summary.ends_with(
        "Google Ads could not be included: Google Ads token expired: reconnect Google Ads."
    ));
}

#[tokio::test]
async fn day_level_lists_days_in_order_without_per_day_comparisons() {
    let out = tool(vec![fixed_meta()])
        .call(&ctx(), args("meta", "2026-11-22", END, "day"))
        .await
        .unwrap();
    let rows = out.data["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["date"], "2026-11-22");
    assert_eq!(rows[1]["spend"], json!(210.0));
    assert!(rows[0].get("previous").is_none());
    assert!(
        out.summary
            .contains("Best day by revenue: 2026-11-23 ($825.00).")
    );
    assert!(out.chart.is_some());
}

#[tokio::test]
async fn without_comparison_only_the_range_is_fetched_and_reported() {
    let mut a = args("meta", END, END, "campaign");
    a["compare_previous"] = json!(false);
    let out = tool(vec![fixed_meta()]).call(&ctx(), a).await.unwrap();
    assert!(out.data.get("previous_totals").is_none());
    assert_eq!(out.provenance[0].date_range, Some(range(END, END)));
    assert!(!out.summary.contains("previous"));
    // One day and not the day level: nothing to draw.
    assert!(out.chart.is_none());
}

#[tokio::test]
async fn bad_arguments_are_explained_to_the_model() {
    let t = tool(vec![fixed_meta()]);
    let bad = |a: Value| {
        let t = t.clone();
        async move { t.call(&ctx(), a).await.unwrap_err() }
    };
    let err = bad(args("meta", "2026-11-23", "2026-11-01", "campaign")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("before")),
        "{err}"
    );
    let err = bad(args("meta", "2025-01-01", "2026-11-23", "campaign")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("400")),
        "{err}"
    );
    let err = bad(args("meta", "last week", "2026-11-23", "campaign")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("ISO date")),
        "{err}"
    );
    let err = bad(args("meta", "2026-11-20", "2026-12-30", "campaign")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("future")),
        "{err}"
    );
    let err = bad(args("meta", "2026-11-20", END, "week")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("week")),
        "{err}"
    );
    let err = bad(json!({"platform": "meta"})).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("date_range")),
        "{err}"
    );
    let err = bad(args("snapchat", "2026-11-20", END, "campaign")).await;
    assert!(
        matches!(&err, ToolError::BadArguments(m) if m.contains("all, meta")),
        "{err}"
    );
    let err = bad(args("tiktok", "2026-11-20", END, "campaign")).await;
    assert_eq!(
        err,
        ToolError::NotConnected("TikTok Ads is not connected".into())
    );
    // YouTube has no spend of its own: its ads are Google Ads video campaigns.
    let err = bad(args("youtube", "2026-11-20", END, "campaign")).await;
    assert_eq!(
        err,
        ToolError::BadArguments(
            "YouTube ad spend is reported in Google Ads: ask for platform google_ads".into()
        )
    );
}

#[test]
fn the_spec_describes_the_arguments_and_lists_every_known_ad_platform() {
    // The spec is shared by all tenants; an unconnected platform is refused at call time.
    let spec = tool(vec![fixed_meta()]).spec();
    assert_eq!(spec.name, "get_marketing_performance");
    let p = &spec.parameters["properties"];
    assert_eq!(
        p["platform"]["enum"],
        json!(["all", "meta", "google_ads", "tiktok", "linkedin"])
    );
    assert_eq!(
        p["level"]["enum"],
        json!(["platform", "campaign", "ad", "day"])
    );
    assert_eq!(p["level"]["default"], "campaign");
    assert_eq!(p["compare_previous"]["default"], true);
    assert_eq!(spec.parameters["required"], json!(["date_range"]));
    assert_eq!(p["date_range"]["required"], json!(["since", "until"]));
    for k in ["roas", "spend", "facebook", "how did"] {
        assert!(spec.keywords.iter().any(|w| w == k), "{k}");
    }
}

#[tokio::test]
async fn end_to_end_over_the_meta_emulator() {
    let sandbox = sandbox().await;
    let brand = sandbox.meta().brand().clone();
    let client = Arc::new(meta_client(&sandbox));
    let tool = PerformanceTool::with_platforms(AdPlatforms::new().with(client));
    let week = range("2026-11-17", END);

    let out = tool
        .call(&ctx(), args("meta", "2026-11-17", END, "campaign"))
        .await
        .unwrap();

    // One request: 4 campaigns x 14 days fits a 500-row page.
    assert_eq!(sandbox.meta().request_count(), 1);
    let spend = brand_spend(&brand, week);
    let previous_spend = brand_spend(&brand, week.previous_period());
    assert_eq!(out.data["totals"]["spend"], json!(spend.to_f64().unwrap()));
    assert_eq!(
        out.data["previous_totals"]["spend"],
        json!(previous_spend.to_f64().unwrap())
    );
    assert_eq!(
        out.data["totals"]["revenue"],
        json!(brand_revenue(&brand, week).to_f64().unwrap())
    );
    let change = ((spend - previous_spend) / previous_spend * Decimal::ONE_HUNDRED).round_dp(1);
    assert_eq!(
        out.data["change_vs_previous_pct"]["spend"],
        json!(change.to_f64().unwrap())
    );
    assert_eq!(out.data["rows"].as_array().unwrap().len(), 4);

    let sign = if change.is_sign_negative() {
        "\u{2212}"
    } else {
        "+"
    };
    let expected_start = format!(
        "Meta Ads, 2026-11-17 to 2026-11-23: spend {} ({sign}{:.1}% vs the previous 7 days)",
        format_money(spend, "USD"),
        change.abs()
    );
    assert!(out.summary.starts_with(&expected_start), "{}", out.summary);
    assert!(
        out.summary
            .contains("Top campaign by spend: ASC - Evergreen"),
        "{}",
        out.summary
    );

    let p = &out.provenance[0];
    assert_eq!(
        (p.platform.as_str(), p.account.as_str()),
        ("meta", "act_1234567890")
    );
    assert_eq!(
        p.query,
        "GET /v26.0/act_1234567890/insights level=campaign time_increment=1 time_range=2026-11-10..2026-11-23"
    );
    let chart = out.chart.unwrap();
    assert_eq!(chart.x_labels.len(), 7);
    let charted: f64 = chart.series[0].values.iter().sum();
    assert!((charted - spend.to_f64().unwrap()).abs() < 0.01);
}

#[tokio::test]
async fn ad_level_names_each_ad_and_the_tracking_outage_shows_up_by_day() {
    let sandbox = sandbox().await;
    let brand = sandbox.meta().brand().clone();
    let tool =
        PerformanceTool::with_platforms(AdPlatforms::new().with(Arc::new(meta_client(&sandbox))));

    let out = tool
        .call(&ctx(), args("meta", "2026-11-17", END, "ad"))
        .await
        .unwrap();
    let rows = out.data["rows"].as_array().unwrap();
    // Every ad of the 18 delivered this week.
    assert_eq!(rows.len(), 18);
    assert!(
        rows.iter()
            .all(|r| r["ad_name"].as_str().is_some_and(|n| n.contains(" | ")))
    );
    assert!(out.summary.contains("Top ad by spend:"));

    let outage = brand.ground_truth.anomalies[0].date;
    let since = (outage - chrono::Duration::days(3)).to_string();
    let until = (outage + chrono::Duration::days(3)).to_string();
    let out = tool
        .call(&ctx(), args("meta", &since, &until, "day"))
        .await
        .unwrap();
    let rows = out.data["rows"].as_array().unwrap();
    let on_outage = rows
        .iter()
        .find(|r| r["date"] == outage.to_string())
        .unwrap();
    let day_before = &rows[2];
    assert!(on_outage["conversions"].as_f64().unwrap() <= 3.0);
    assert!(day_before["conversions"].as_f64().unwrap() > 15.0);
    assert!(on_outage["spend"].as_f64().unwrap() > day_before["spend"].as_f64().unwrap() * 0.5);
}

#[tokio::test]
async fn an_expired_meta_token_reaches_the_user_as_reconnect_advice() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::TokenExpired, 1);
    let tool =
        PerformanceTool::with_platforms(AdPlatforms::new().with(Arc::new(meta_client(&sandbox))));
    let err = tool
        .call(&ctx(), args("all", "2026-11-17", END, "campaign"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ToolError::Upstream("Meta Ads token expired: reconnect Meta Ads".into())
    );
}

#[tokio::test]
async fn all_platforms_add_up_meta_google_ads_tiktok_and_linkedin_over_their_emulators() {
    let sandbox = sandbox().await;
    let brand = sandbox.meta().brand().clone();
    let platforms = AdPlatforms::new()
        .with(Arc::new(meta_client(&sandbox)))
        .with(Arc::new(ads_common::google_client(&sandbox)))
        .with(Arc::new(ads_common::tiktok_client(&sandbox)))
        .with(Arc::new(ads_common::linkedin_client(&sandbox)));
    let tool = PerformanceTool::with_platforms(platforms);
    let week = range("2026-11-17", END);

    let out = tool
        .call(&ctx(), args("all", "2026-11-17", END, "platform"))
        .await
        .unwrap();

    let meta = brand_spend(&brand, week);
    let google = ads_common::account_spend(&brand.google_ads, week);
    let tiktok = ads_common::account_spend(&brand.tiktok, week);
    let linkedin = ads_common::account_spend(&brand.linkedin, week);
    let total = meta + google + tiktok + linkedin;
    assert_eq!(out.data["totals"]["spend"], json!(total.to_f64().unwrap()));
    let revenue = brand_revenue(&brand, week)
        + ads_common::account_revenue(&brand.google_ads, week)
        + ads_common::account_revenue(&brand.tiktok, week)
        + ads_common::account_revenue(&brand.linkedin, week);
    assert_eq!(
        out.data["totals"]["revenue"],
        json!(revenue.to_f64().unwrap())
    );
    // The brand's own daily ad-spend total agrees with what the four APIs reported.
    let brand_total: i64 = brand
        .ad_spend_by_day()
        .range(week.since..=week.until)
        .map(|(_, cents)| *cents)
        .sum();
    // Every ad platform of the brand is connected now, so the totals agree exactly.
    assert_eq!(Decimal::new(brand_total, 2), total);

    let by_platform = out.data["by_platform"].as_array().unwrap();
    assert_eq!(by_platform.len(), 4, "{by_platform:?}");
    let mut platforms: Vec<&str> = out.provenance.iter().map(|p| p.platform.as_str()).collect();
    platforms.sort_unstable();
    assert_eq!(platforms, ["google_ads", "linkedin", "meta", "tiktok"]);
    let google_p = out
        .provenance
        .iter()
        .find(|p| p.platform == "google_ads")
        .unwrap();
    assert_eq!(google_p.account, "1234567890");
    assert!(
        google_p.query.contains("googleAds:search"),
        "{}",
        google_p.query
    );
    assert!(
        out.summary.starts_with("All platforms ("),
        "{}",
        out.summary
    );
    let linkedin_p = out
        .provenance
        .iter()
        .find(|p| p.platform == "linkedin")
        .unwrap();
    assert_eq!(linkedin_p.account, "511012345");
    assert!(
        linkedin_p
            .query
            .contains("/rest/adAnalytics?q=analytics&pivot=CAMPAIGN"),
        "{}",
        linkedin_p.query
    );
    for name in ["Meta Ads", "Google Ads", "TikTok Ads", "LinkedIn Ads"] {
        assert!(out.summary.contains(name), "{name}: {}", out.summary);
    }
    assert_eq!(out.data["totals"]["spend"], json!(total.to_f64().unwrap()));

    // One platform by name works the same way.
    let tiktok_only = tool
        .call(&ctx(), args("tiktok", "2026-11-17", END, "campaign"))
        .await
        .unwrap();
    assert_eq!(
        tiktok_only.data["totals"]["spend"],
        json!(tiktok.to_f64().unwrap())
    );
    assert_eq!(tiktok_only.data["rows"].as_array().unwrap().len(), 3);
}
