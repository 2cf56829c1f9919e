//! The LinkedIn Ads client against the LinkedIn API and token emulators over real
//! sockets, and the emulator against the documented example (PLATFORMS.md §7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use ads_common::*;
use chrono::Utc;
use common::*;
use omnify_core::Secret;
use omnify_tools::connectors::linkedin::{
    LinkedInClient, LinkedInConfig, LinkedInError, Pivot, linkedin_oauth,
};
use omnify_tools::connectors::oauth::{TokenListener, TokenPair};
use omnify_tools::connectors::{AdPlatform, Detail};
use omnify_tools::sandbox::brand::linkedin::ACCOUNT_ID;
use omnify_tools::sandbox::linkedin::Fault;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn week() -> omnify_core::DateRange {
    range("2026-11-17", END)
}

#[tokio::test]
async fn campaign_days_add_up_to_the_brand_with_names_and_exact_money() {
    let sandbox = sandbox().await;
    let client = linkedin_client(&sandbox);
    let brand = sandbox.linkedin().brand().clone();

    let days = client.campaign_days(Pivot::Campaign, week()).await.unwrap();

    // 2 campaigns x 7 days, in one analytics request and one campaigns page.
    assert_eq!(days.len(), 14);
    assert_eq!(sandbox.linkedin().request_count(), 2);
    let spend: Decimal = days.iter().map(|d| d.spend).sum();
    assert_eq!(spend, account_spend(&brand.linkedin, week()));
    let revenue: Decimal = days.iter().map(|d| d.revenue).sum();
    assert_eq!(revenue, account_revenue(&brand.linkedin, week()));
    let conversions: u64 = brand
        .linkedin
        .days
        .iter()
        .filter(|d| d.date >= week().since && d.date <= week().until)
        .map(|d| d.conversions)
        .sum();
    assert_eq!(
        days.iter().map(|d| d.conversions).sum::<Decimal>(),
        Decimal::from(conversions)
    );
    let names: HashSet<&str> = days.iter().map(|d| d.campaign_name.as_str()).collect();
    assert_eq!(
        names,
        HashSet::from([
            "Corporate Gifting - HR Leaders",
            "Wholesale - Outdoor Retail Buyers"
        ])
    );
    assert!(days.iter().all(|d| d.platform == "linkedin"
        && d.account_id == ACCOUNT_ID
        && d.currency == "USD"
        && d.ad_id.is_none()));

    // Versioned headers on every request, one token refresh, URNs encoded.
    assert_eq!(sandbox.linkedin().oauth().refresh_count(), 1);
    let requests = sandbox.linkedin().requests();
    assert!(requests.iter().all(|r| r.bearer
        && r.linkedin_version.as_deref() == Some("202603")
        && r.restli_protocol_version.as_deref() == Some("2.0.0")));
    let analytics = requests
        .iter()
        .find(|r| r.path_and_query.starts_with("/linkedin/rest/adAnalytics?"))
        .unwrap();
    assert!(
        analytics.path_and_query.contains(
            "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(year:2026,month:11,day:17),end:(year:2026,month:11,day:23))&accounts=List(urn%3Ali%3AsponsoredAccount%3A511012345)&fields=dateRange,pivotValues,"
        ),
        "{}",
        analytics.path_and_query
    );
}

#[tokio::test]
async fn ad_level_names_each_creative_through_the_ad_platform_seam() {
    let sandbox = sandbox().await;
    let client = linkedin_client(&sandbox);
    let report = client.daily_results(week(), Detail::Ad).await.unwrap();
    let creatives: BTreeSet<&str> = report
        .rows
        .iter()
        .map(|r| r.ad_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        creatives,
        BTreeSet::from([
            "Gift Guide - Single Image",
            "Team Offsite Kit - Carousel",
            "Wholesale Program - Single Image"
        ])
    );
    assert!(
        report
            .rows
            .iter()
            .all(|r| !r.campaign_name.starts_with("Campaign "))
    );
    let spend: Decimal = report.rows.iter().map(|r| r.spend).sum();
    let brand = sandbox.linkedin().brand().clone();
    assert_eq!(spend, account_spend(&brand.linkedin, week()));
    assert!(
        report
            .query
            .starts_with("GET /rest/adAnalytics?q=analytics&pivot=CREATIVE"),
        "{}",
        report.query
    );
    assert!(report.query.ends_with("(LinkedIn-Version 202603)"));
    assert_eq!(client.key(), "linkedin");
    assert_eq!(client.display_name(), "LinkedIn Ads");
}

#[tokio::test]
async fn search_finders_follow_page_tokens_to_the_end_within_the_cap() {
    let sandbox = sandbox().await;
    let client = LinkedInClient::new(LinkedInConfig {
        page_size: 1,
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    let campaigns = client.campaigns().await.unwrap();
    assert_eq!(campaigns.len(), 2);
    assert_eq!(sandbox.linkedin().request_count(), 2);
    assert_eq!(campaigns[0].daily_budget, Some(Decimal::from(100)));
    assert_eq!(campaigns[0].currency.as_deref(), Some("USD"));
    let requests = sandbox.linkedin().requests();
    assert!(!requests[0].path_and_query.contains("pageToken"));
    assert!(
        requests[1]
            .path_and_query
            .contains("&pageToken=dXJu%2F1%3D"),
        "{}",
        requests[1].path_and_query
    );

    sandbox.linkedin().reset_requests();
    assert_eq!(client.creatives().await.unwrap().len(), 3);
    assert_eq!(sandbox.linkedin().request_count(), 3);

    sandbox.linkedin().reset_requests();
    let capped = LinkedInClient::new(LinkedInConfig {
        page_size: 1,
        max_pages: 2,
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    let err = capped.creatives().await.unwrap_err();
    assert_eq!(err, LinkedInError::TooManyPages { max_pages: 2 });
    assert_eq!(sandbox.linkedin().request_count(), 2);
}

#[tokio::test]
async fn a_possibly_truncated_analytics_answer_is_split_and_asked_again() {
    let sandbox = sandbox().await;
    sandbox.linkedin().set_element_cap(10);
    let client = LinkedInClient::new(LinkedInConfig {
        max_elements: 10,
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    let rows = client.analytics(Pivot::Campaign, week()).await.unwrap();
    // 14 elements reach the cap of 10: the week becomes 3 + 4 days (6 and 8 elements).
    assert_eq!(rows.len(), 14);
    assert_eq!(sandbox.linkedin().request_count(), 3);
    let brand = sandbox.linkedin().brand().clone();
    assert_eq!(
        rows.iter().map(|r| r.cost).sum::<Decimal>(),
        account_spend(&brand.linkedin, week())
    );
    let days: BTreeSet<_> = rows.iter().map(|r| r.date).collect();
    assert_eq!(days.len(), 7);

    // A single day over the cap cannot be split further.
    sandbox.linkedin().set_element_cap(1);
    let tiny = LinkedInClient::new(LinkedInConfig {
        max_elements: 1,
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    let err = tiny
        .analytics(Pivot::Campaign, range(END, END))
        .await
        .unwrap_err();
    assert!(matches!(err, LinkedInError::TooManyRows { .. }), "{err:?}");

    // Long ranges go in slices of `days_per_report`.
    sandbox.linkedin().set_element_cap(15_000);
    sandbox.linkedin().reset_requests();
    let sliced = LinkedInClient::new(LinkedInConfig {
        days_per_report: 30,
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    let rows = sliced
        .analytics(Pivot::Campaign, range("2026-09-01", END))
        .await
        .unwrap();
    assert_eq!(sandbox.linkedin().request_count(), 3);
    assert_eq!(
        rows.iter().map(|r| r.cost).sum::<Decimal>(),
        account_spend(&brand.linkedin, range("2026-09-01", END))
    );
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_first_and_the_rotated_pair_is_reported() {
    let sandbox = sandbox().await;
    let seen: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let sink = seen.clone();
    let mut config = linkedin_config(&sandbox);
    config.oauth.access_token = Some(Secret::new("old-token"));
    config.oauth.access_token_expires_at = Some(Utc::now() + chrono::Duration::seconds(30));
    config.oauth.on_refresh = Some(TokenListener(Arc::new(move |pair: &TokenPair| {
        sink.lock().unwrap().push(pair.clone());
    })));
    let client = LinkedInClient::new(config).unwrap();
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.linkedin().oauth().refresh_count(), 1);
    assert_eq!(
        sandbox.linkedin().request_count(),
        1,
        "old token never sent"
    );
    let pairs = seen.lock().unwrap().clone();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0], client.tokens().await);
    // LinkedIn rotates the refresh token: the new one is what must be stored.
    assert_ne!(pairs[0].refresh_token.expose(), TOKEN);
    assert_eq!(
        pairs[0].refresh_token.expose(),
        sandbox.linkedin().oauth().current_refresh_token()
    );
    assert!(pairs[0].expires_at.unwrap() > Utc::now() + chrono::Duration::days(59));
}

#[tokio::test]
async fn a_401_refreshes_once_and_a_revoked_grant_means_reconnect() {
    let sandbox = sandbox().await;
    let client = linkedin_client(&sandbox);
    client.campaigns().await.unwrap();
    sandbox.linkedin().inject(Fault::TokenExpired, 1);
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.linkedin().oauth().refresh_count(), 2);
    assert_eq!(sandbox.linkedin().request_count(), 3);

    // A second refresh uses the rotated refresh token.
    sandbox.linkedin().oauth().expire_access_tokens();
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.linkedin().oauth().refresh_count(), 3);

    sandbox.linkedin().oauth().expire_access_tokens();
    sandbox.linkedin().oauth().revoke_refresh_token();
    let err = client.campaigns().await.unwrap_err();
    assert!(matches!(err, LinkedInError::TokenExpired { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "LinkedIn Ads token expired: reconnect LinkedIn Ads"
    );
    let tool_error: omnify_core::ToolError = err.into();
    assert_eq!(
        tool_error,
        omnify_core::ToolError::Upstream(
            "LinkedIn Ads token expired: reconnect LinkedIn Ads".into()
        )
    );
}

#[tokio::test]
async fn throttling_honours_retry_after_and_server_errors_are_retried_within_bounds() {
    let sandbox = sandbox().await;
    sandbox.linkedin().inject(Fault::TooManyRequests, 1);
    let started = Instant::now();
    linkedin_client(&sandbox).campaigns().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1"
    );
    assert_eq!(sandbox.linkedin().request_count(), 2);

    sandbox.linkedin().reset_requests();
    let impatient = LinkedInClient::new(LinkedInConfig {
        max_retry_after: Duration::from_millis(100),
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    sandbox.linkedin().inject(Fault::TooManyRequests, 1);
    let err = impatient.campaigns().await.unwrap_err();
    assert!(matches!(err, LinkedInError::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("midnight UTC"));
    assert_eq!(sandbox.linkedin().request_count(), 1);

    sandbox.linkedin().reset_requests();
    sandbox.linkedin().inject(Fault::ServerError, 2);
    linkedin_client(&sandbox).campaigns().await.unwrap();
    assert_eq!(sandbox.linkedin().request_count(), 3);

    sandbox.linkedin().reset_requests();
    sandbox.linkedin().inject(Fault::ServerError, 10);
    let err = linkedin_client(&sandbox).campaigns().await.unwrap_err();
    assert!(
        matches!(err, LinkedInError::Unavailable { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.linkedin().request_count(), 4);

    sandbox.linkedin().clear_faults();
    sandbox.linkedin().reset_requests();
    let client = LinkedInClient::new(LinkedInConfig {
        timeout: Duration::from_millis(300),
        ..linkedin_config(&sandbox)
    })
    .unwrap();
    sandbox
        .linkedin()
        .inject(Fault::Slow(Duration::from_secs(2)), 1);
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.linkedin().request_count(), 2);
}

/// The documented adAnalytics example (PLATFORMS.md §7).
const DOCUMENTED_ANALYTICS: &str = r#"{"paging":{"start":0,"count":10,"links":[]},
 "elements":[{"dateRange":{"start":{"year":2025,"month":6,"day":1},"end":{"year":2025,"month":6,"day":1}},
   "pivotValues":["urn:li:sponsoredCampaign:6123"],"impressions":12500,"clicks":185,
   "costInLocalCurrency":"2312.50","costInUsd":"2312.50","externalWebsiteConversions":3,"oneClickLeads":12}]}"#;

/// The documented error body (PLATFORMS.md §7).
const DOCUMENTED_ERROR: &str = r#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: ..."}"#;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Same keys and the same JSON kinds, recursively; an empty documented array only
/// has to be an array.
fn assert_same_shape(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            assert_eq!(keys(got), keys(want), "keys at {path}");
            for (k, wv) in w {
                assert_same_shape(&g[k], wv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if let Some(first) = w.first() {
                assert!(!g.is_empty(), "{path} is empty");
                for item in g {
                    assert_same_shape(item, first, &format!("{path}[]"));
                }
            }
        }
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) => {}
        _ => panic!("{path}: got {got}, documented {want}"),
    }
}

#[tokio::test]
async fn the_emulator_matches_the_documented_example_field_for_field() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let token: Value = http
        .post(sandbox.linkedin_token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", TOKEN),
            ("client_id", "c"),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    ] {
        assert!(token.get(key).is_some(), "{key} in {token}");
    }
    let access = token["access_token"].as_str().unwrap().to_owned();
    let fields = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency,costInUsd,externalWebsiteConversions,oneClickLeads";
    let url = |version: Option<&str>, accounts: &str| {
        let mut request = http
            .get(format!(
                "{}/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(year:2026,month:11,day:23),end:(year:2026,month:11,day:23))&accounts={accounts}&fields={fields}",
                sandbox.linkedin_base_url()
            ))
            .bearer_auth(&access)
            .header("X-Restli-Protocol-Version", "2.0.0");
        if let Some(v) = version {
            request = request.header("LinkedIn-Version", v);
        }
        request
    };
    let ours = "List(urn%3Ali%3AsponsoredAccount%3A511012345)";
    let response = url(Some("202603"), ours).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let example: Value = serde_json::from_str(DOCUMENTED_ANALYTICS).unwrap();
    assert_same_shape(&body, &example, "");
    let first = &body["elements"][0];
    assert_eq!(
        first["dateRange"],
        json!({"start":{"year":2026,"month":11,"day":23},"end":{"year":2026,"month":11,"day":23}})
    );
    assert!(
        first["pivotValues"][0]
            .as_str()
            .unwrap()
            .starts_with("urn:li:sponsoredCampaign:")
    );
    let spend: Decimal = body["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            omnify_tools::money::parse_decimal(e["costInLocalCurrency"].as_str().unwrap()).unwrap()
        })
        .sum();
    let brand = sandbox.linkedin().brand().clone();
    assert_eq!(spend, account_spend(&brand.linkedin, range(END, END)));

    // Documented failures: another account, an unencoded URN, the version header.
    let error_example: Value = serde_json::from_str(DOCUMENTED_ERROR).unwrap();
    let denied = url(Some("202603"), "List(urn%3Ali%3AsponsoredAccount%3A999)")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    let denied: Value = denied.json().await.unwrap();
    assert_same_shape(&denied, &error_example, "");
    assert_eq!(denied["code"], "ACCESS_DENIED");
    let unencoded = url(Some("202603"), "List(urn:li:sponsoredAccount:511012345)")
        .send()
        .await
        .unwrap();
    assert_eq!(unencoded.status(), 400);
    let missing = url(None, ours).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["code"], "VERSION_MISSING");
    let sunset = url(Some("202503"), ours).send().await.unwrap();
    assert_eq!(sunset.status(), 426);

    let campaigns: Value = http
        .get(format!(
            "{}/adAccounts/{ACCOUNT_ID}/adCampaigns?q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageSize=100",
            sandbox.linkedin_base_url()
        ))
        .bearer_auth(&access)
        .header("LinkedIn-Version", "202603")
        .header("X-Restli-Protocol-Version", "2.0.0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let campaign = &campaigns["elements"][0];
    for key in [
        "id",
        "name",
        "status",
        "type",
        "objectiveType",
        "costType",
        "dailyBudget",
        "runSchedule",
        "campaignGroup",
        "account",
    ] {
        assert!(campaign.get(key).is_some(), "{key} in {campaign}");
    }
    assert_eq!(
        campaign["dailyBudget"],
        json!({"amount": "100", "currencyCode": "USD"})
    );
    assert!(campaigns["metadata"].get("nextPageToken").is_none());
}

#[test]
fn bad_configuration_is_refused_up_front_and_secrets_stay_hidden() {
    let oauth = linkedin_oauth("id", Secret::new("s"), Secret::new("r"));
    assert!(matches!(
        LinkedInClient::new(LinkedInConfig::new(oauth.clone(), "acct-5")),
        Err(LinkedInError::Config(_))
    ));
    assert!(matches!(
        LinkedInClient::new(LinkedInConfig {
            api_version: "2026-03".into(),
            ..LinkedInConfig::new(oauth.clone(), "5110")
        }),
        Err(LinkedInError::Config(_))
    ));
    let client =
        LinkedInClient::new(LinkedInConfig::new(oauth, "urn:li:sponsoredAccount:5110")).unwrap();
    assert_eq!(client.account_id(), "5110");
    assert_eq!(
        client.config().oauth.token_url,
        "https://www.linkedin.com/oauth/v2/accessToken"
    );
    let debug = format!("{client:?}");
    assert!(!debug.contains("\"r\"") && !debug.contains("\"s\"") && debug.contains("redacted"));
}
