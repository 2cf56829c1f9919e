//! `search_crm` and `get_pipeline_summary` end to end against the CRM emulators, on
//! numbers computed straight from the brand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::{Secret, Tool, ToolError};
use omnify_tools::connectors::gohighlevel::{GoHighLevelClient, GoHighLevelConfig};
use omnify_tools::connectors::hubspot::{HubSpotClient, HubSpotConfig};
use omnify_tools::crm::{PipelineSummaryTool, SearchCrmTool};
use omnify_tools::{PlatformClients, RunningSandbox, SharedClients};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;

fn directory(sandbox: &RunningSandbox) -> Arc<SharedClients> {
    let mut clients = PlatformClients::new();
    let hubspot = HubSpotClient::new(HubSpotConfig {
        base_url: sandbox.hubspot_base_url(),
        ..HubSpotConfig::new(Secret::new(TOKEN), "24681357")
    })
    .unwrap();
    clients.insert("hubspot", Arc::new(hubspot));
    let gohighlevel = GoHighLevelClient::new(GoHighLevelConfig {
        base_url: sandbox.gohighlevel_base_url(),
        ..GoHighLevelConfig::new(Secret::new(TOKEN), "ve9EPM428h8vShlRW1KT")
    })
    .unwrap();
    clients.insert("gohighlevel", Arc::new(gohighlevel));
    Arc::new(SharedClients(Arc::new(clients)))
}

fn in_range(t: chrono::DateTime<chrono::Utc>, since: &str, until: &str) -> bool {
    let d = t.date_naive();
    d >= day(since) && d <= day(until)
}

#[tokio::test]
async fn search_crm_counts_and_totals_won_deals_exactly() {
    let sandbox = sandbox().await;
    let tool = SearchCrmTool::new(directory(&sandbox));
    let brand = sandbox.hubspot().brand().clone();
    let (since, until) = ("2026-05-01", "2026-10-31");
    let expected: Vec<_> = brand
        .hubspot
        .deals
        .iter()
        .filter(|d| d.is_won() && in_range(d.close_date, since, until))
        .collect();
    assert!(expected.len() > 10);
    let cents: i64 = expected.iter().map(|d| d.amount_cents).sum();

    let out = tool
        .call(
            &ctx(),
            json!({"platform": "hubspot", "object": "deals", "status": "won",
                   "date_range": {"since": since, "until": until}, "date_field": "closed", "limit": 5}),
        )
        .await
        .unwrap();

    assert_eq!(out.data["total"], expected.len() as u64);
    assert_eq!(out.data["shown"], 5);
    assert_eq!(out.data["by_status"]["won"], expected.len());
    assert_eq!(
        out.data["total_amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        Decimal::new(cents, 2)
    );
    let money = omnify_tools::money::format_money(Decimal::new(cents, 2), "USD");
    assert!(out.summary.contains(&money), "{}", out.summary);
    assert!(
        out.summary
            .starts_with(&format!("HubSpot: {} deals", expected.len())),
        "{}",
        out.summary
    );
    assert_eq!(out.provenance.len(), 2);
    assert_eq!(out.provenance[1].account, "24681357");
    assert!(
        out.provenance[1]
            .query
            .contains("closedate BETWEEN 2026-05-01T00:00:00Z"),
        "{}",
        out.provenance[1].query
    );
}

#[tokio::test]
async fn search_crm_finds_by_stage_label_and_by_text() {
    let sandbox = sandbox().await;
    let tool = SearchCrmTool::new(directory(&sandbox));
    let brand = sandbox.hubspot().brand().clone();
    let in_review = brand
        .hubspot
        .deals
        .iter()
        .filter(|d| d.stage_id == "presentationscheduled")
        .count();
    let out = tool
        .call(&ctx(), json!({"stage": "line review"}))
        .await
        .unwrap();
    assert_eq!(out.data["total"], in_review as u64);

    let summit = brand
        .hubspot
        .contacts
        .iter()
        .filter(|c| {
            brand
                .hubspot
                .company(&c.company_id)
                .unwrap()
                .name
                .to_lowercase()
                .contains("summit")
                || c.email.contains("summit")
        })
        .count();
    assert!(summit > 0);
    let out = tool
        .call(&ctx(), json!({"object": "contacts", "text": "summit"}))
        .await
        .unwrap();
    assert_eq!(out.data["total"], summit as u64);
    assert!(out.summary.contains("Summit"), "{}", out.summary);

    let err = tool
        .call(&ctx(), json!({"stage": "teleported"}))
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::BadArguments(m) if m.contains("Line review")));
}

#[tokio::test]
async fn crm_tools_say_how_to_connect_a_missing_crm() {
    let empty = Arc::new(SharedClients(Arc::new(PlatformClients::new())));
    let err = SearchCrmTool::new(empty.clone())
        .call(&ctx(), json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ToolError::NotConnected(
            "HubSpot is not connected: connect it with `/omnify connect hubspot`".into()
        )
    );
    let err = PipelineSummaryTool::new(empty)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-11-01", "until": "2026-11-23"}}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::NotConnected(_)));
}

#[tokio::test]
async fn pipeline_summary_matches_the_brand_for_the_period_and_the_one_before() {
    let sandbox = sandbox().await;
    let tool = PipelineSummaryTool::new(directory(&sandbox));
    let brand = sandbox.hubspot().brand().clone();
    let (since, until) = ("2026-08-01", "2026-10-31");
    let (p_since, p_until) = ("2026-05-01", "2026-07-31");
    let won = |s, u| -> (u64, i64) {
        let ds: Vec<_> = brand
            .hubspot
            .deals
            .iter()
            .filter(|d| d.is_won() && in_range(d.close_date, s, u))
            .collect();
        (ds.len() as u64, ds.iter().map(|d| d.amount_cents).sum())
    };
    let lost = |s, u| {
        brand
            .hubspot
            .deals
            .iter()
            .filter(|d| d.is_lost() && in_range(d.close_date, s, u))
            .count() as u64
    };
    let (won_count, won_cents) = won(since, until);
    let lost_count = lost(since, until);
    let open: Vec<_> = brand
        .hubspot
        .deals
        .iter()
        .filter(|d| !d.is_won() && !d.is_lost())
        .collect();

    let out = tool
        .call(
            &ctx(),
            json!({"date_range": {"since": since, "until": until}}),
        )
        .await
        .unwrap();

    let period = &out.data["period"];
    assert_eq!(period["won_count"], won_count);
    assert_eq!(
        period["won_amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        Decimal::new(won_cents, 2)
    );
    assert_eq!(period["lost_count"], lost_count);
    let rate = won_count as f64 / (won_count + lost_count) as f64;
    assert!((period["win_rate"].as_f64().unwrap() - rate).abs() < 1e-4);
    let avg = (Decimal::new(won_cents, 2) / Decimal::from(won_count)).round_dp(2);
    assert_eq!(
        period["average_deal_size"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        avg
    );
    let (prev_won, prev_cents) = won(p_since, p_until);
    assert_eq!(out.data["previous_period"]["since"], p_since);
    assert_eq!(out.data["previous"]["won_count"], prev_won);
    assert_eq!(
        out.data["previous"]["won_amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        Decimal::new(prev_cents, 2)
    );
    assert_eq!(out.data["open_pipeline"]["count"], open.len() as u64);
    let open_cents: i64 = open.iter().map(|d| d.amount_cents).sum();
    assert_eq!(
        out.data["open_pipeline"]["amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        Decimal::new(open_cents, 2)
    );

    assert!(
        out.summary.contains(&format!(
            "won {won_count} deals worth {}",
            omnify_tools::money::format_money(Decimal::new(won_cents, 2), "USD")
        )),
        "{}",
        out.summary
    );
    assert!(
        out.summary
            .contains(&format!("win rate {:.1}%", rate * 100.0)),
        "{}",
        out.summary
    );
    let chart = out.chart.unwrap();
    assert_eq!(chart.x_labels[0], "Intro call booked");
    assert_eq!(out.provenance[1].date_range.unwrap().since, day(p_since));
}

#[tokio::test]
async fn a_deal_moved_through_the_api_shows_up_in_the_next_summary() {
    let sandbox = sandbox().await;
    let dir = directory(&sandbox);
    let tool = PipelineSummaryTool::new(dir.clone());
    let args = json!({"date_range": {"since": "2026-11-01", "until": "2026-11-24"}, "compare_previous": false});
    let before = tool.call(&ctx(), args.clone()).await.unwrap();
    let brand = sandbox.hubspot().brand().clone();
    let open = brand
        .hubspot
        .deals
        .iter()
        .rev()
        .find(|d| !d.is_won() && !d.is_lost())
        .unwrap();
    let client = dir.0.get::<HubSpotClient>("hubspot").unwrap();
    client
        .update_deal(
            &open.id,
            &omnify_tools::connectors::hubspot::DealUpdate {
                stage_id: Some("closedwon".into()),
                amount: None,
            },
        )
        .await
        .unwrap();
    let after = tool.call(&ctx(), args).await.unwrap();
    let count = |o: &omnify_core::ToolOutput| o.data["period"]["won_count"].as_u64().unwrap();
    assert_eq!(count(&after), count(&before) + 1);
    assert_eq!(
        after.data["open_pipeline"]["count"].as_u64().unwrap() + 1,
        before.data["open_pipeline"]["count"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn gohighlevel_opportunities_and_contacts_through_search_crm() {
    let sandbox = sandbox().await;
    let tool = SearchCrmTool::new(directory(&sandbox));
    let brand = sandbox.gohighlevel().brand().clone();
    let (since, until) = ("2026-01-01", "2026-11-24");
    let won: Vec<_> = brand
        .gohighlevel
        .opportunities
        .iter()
        .filter(|o| o.status == "won" && in_range(o.last_status_change_at, since, until))
        .collect();
    let cents: i64 = won.iter().map(|o| o.monetary_value_cents).sum();
    let out = tool
        .call(
            &ctx(),
            json!({"platform": "gohighlevel", "status": "won", "date_field": "closed",
                             "date_range": {"since": since, "until": "2026-11-24"}}),
        )
        .await
        .unwrap();
    assert_eq!(out.data["total"], won.len() as u64);
    assert_eq!(
        out.data["total_amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        Decimal::new(cents, 2)
    );
    assert!(
        out.summary
            .starts_with(&format!("GoHighLevel: {} opportunities", won.len())),
        "{}",
        out.summary
    );
    assert_eq!(out.provenance[1].account, "ve9EPM428h8vShlRW1KT");
    assert!(
        out.provenance[1]
            .query
            .starts_with("GET /opportunities/search status=won"),
        "{}",
        out.provenance[1].query
    );

    let out = tool
        .call(
            &ctx(),
            json!({"platform": "ghl", "object": "contacts", "stage": "wholesale", "limit": 3}),
        )
        .await
        .unwrap();
    let wholesale = brand
        .gohighlevel
        .contacts
        .iter()
        .filter(|c| c.tags.contains(&"wholesale".to_owned()))
        .count();
    assert_eq!(out.data["total"], wholesale as u64);
    assert_eq!(out.data["shown"], 3);

    let err = tool
        .call(
            &ctx(),
            json!({"platform": "gohighlevel", "object": "companies"}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::BadArguments(m) if m.contains("no companies")));
}

#[tokio::test]
async fn gohighlevel_pipeline_summary_on_known_numbers_and_after_a_status_change() {
    let sandbox = sandbox().await;
    let dir = directory(&sandbox);
    let tool = PipelineSummaryTool::new(dir.clone());
    let brand = sandbox.gohighlevel().brand().clone();
    let (since, until) = ("2025-12-01", "2026-11-24");
    let closed = |status: &str| {
        brand
            .gohighlevel
            .opportunities
            .iter()
            .filter(|o| o.status == status && in_range(o.last_status_change_at, since, until))
            .count() as u64
    };
    let won_cents: i64 = brand
        .gohighlevel
        .opportunities
        .iter()
        .filter(|o| o.status == "won" && in_range(o.last_status_change_at, since, until))
        .map(|o| o.monetary_value_cents)
        .sum();
    let args = json!({"platform": "gohighlevel", "date_range": {"since": since, "until": until}, "pipeline": "wholesale"});
    let out = tool.call(&ctx(), args.clone()).await.unwrap();
    let wholesale_id = &brand.gohighlevel.pipelines[0].id;
    let in_wholesale = |status: &str| {
        brand
            .gohighlevel
            .opportunities
            .iter()
            .filter(|o| {
                &o.pipeline_id == wholesale_id
                    && o.status == status
                    && in_range(o.last_status_change_at, since, until)
            })
            .count() as u64
    };
    assert_eq!(out.data["pipelines"], json!(["Wholesale Inquiries"]));
    assert_eq!(out.data["period"]["won_count"], in_wholesale("won"));
    assert_eq!(
        out.data["period"]["lost_count"],
        in_wholesale("lost") + in_wholesale("abandoned")
    );
    assert!(closed("won") >= in_wholesale("won") && won_cents > 0);
    let open = brand
        .gohighlevel
        .opportunities
        .iter()
        .filter(|o| &o.pipeline_id == wholesale_id && o.status == "open")
        .count() as u64;
    assert_eq!(out.data["open_pipeline"]["count"], open);

    let target = brand
        .gohighlevel
        .opportunities
        .iter()
        .find(|o| &o.pipeline_id == wholesale_id && o.status == "open")
        .unwrap();
    dir.0
        .get::<GoHighLevelClient>("gohighlevel")
        .unwrap()
        .update_opportunity_status(&target.id, "won")
        .await
        .unwrap();
    let after = tool.call(&ctx(), args).await.unwrap();
    assert_eq!(after.data["period"]["won_count"], in_wholesale("won") + 1);
    assert_eq!(after.data["open_pipeline"]["count"], open - 1);
}
