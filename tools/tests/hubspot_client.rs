//! The HubSpot client against the HubSpot emulator over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Utc;
use common::*;
use omnify_core::Secret;
use omnify_tools::RunningSandbox;
use omnify_tools::connectors::hubspot::{
    self, CrmObject, DealUpdate, Filter, FilterGroup, HubSpotClient, HubSpotConfig, HubSpotError,
    SearchRequest,
};
use omnify_tools::connectors::oauth::{OAuthCredentials, TokenListener, TokenPair};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::hubspot::{
    Fault, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_REFRESH_TOKEN,
};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config(sandbox: &RunningSandbox) -> HubSpotConfig {
    HubSpotConfig {
        base_url: sandbox.hubspot_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        burst_wait: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..HubSpotConfig::new(Secret::new(TOKEN), "24681357")
    }
}

fn client(sandbox: &RunningSandbox) -> HubSpotClient {
    HubSpotClient::new(config(sandbox)).unwrap()
}

fn oauth_credentials(access: Option<(&str, chrono::DateTime<Utc>)>) -> OAuthCredentials {
    let mut c = OAuthCredentials::new(
        "",
        OAUTH_CLIENT_ID,
        Secret::new(OAUTH_CLIENT_SECRET),
        Secret::new(OAUTH_REFRESH_TOKEN),
    );
    if let Some((token, expires_at)) = access {
        c.access_token = Some(Secret::new(token));
        c.access_token_expires_at = Some(expires_at);
    }
    c
}

fn oauth_client(sandbox: &RunningSandbox, credentials: OAuthCredentials) -> HubSpotClient {
    HubSpotClient::new(HubSpotConfig {
        auth: hubspot::HubSpotAuth::OAuth(credentials),
        ..config(sandbox)
    })
    .unwrap()
}

fn all_deals() -> SearchRequest {
    SearchRequest {
        properties: hubspot::properties(CrmObject::Deals),
        max_results: 10_000,
        ..SearchRequest::default()
    }
}

#[tokio::test]
async fn search_pages_with_after_to_the_end_and_amounts_are_exact() {
    let sandbox = sandbox().await;
    let client = HubSpotClient::new(HubSpotConfig {
        page_limit: 50,
        ..config(&sandbox)
    })
    .unwrap();
    let brand = sandbox.hubspot().brand().clone();
    let expected = brand.hubspot.deals.len();
    assert!(expected > 150, "need several pages, got {expected}");

    let results = client.search(CrmObject::Deals, &all_deals()).await.unwrap();

    assert_eq!(results.total, expected as u64);
    assert_eq!(results.records.len(), expected);
    assert_eq!(
        sandbox.hubspot().request_count(),
        expected.div_ceil(50) as u64
    );
    let ids: HashSet<_> = results.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), expected, "no record twice");
    let amount: Decimal = results
        .records
        .iter()
        .map(|r| hubspot::to_deal(r, &[]).unwrap().amount.unwrap())
        .sum();
    let cents: i64 = brand.hubspot.deals.iter().map(|d| d.amount_cents).sum();
    assert_eq!(amount, Decimal::new(cents, 2));

    let requests = sandbox.hubspot().requests();
    assert!(requests.iter().all(|r| r.bearer.as_deref() == Some(TOKEN)));
    assert!(requests.iter().all(|r| !r.path_and_query.contains(TOKEN)));
    let afters: Vec<String> = requests
        .iter()
        .map(|r| {
            r.body.as_ref().unwrap()["after"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(afters[0], "0");
    assert_eq!(afters[1], "50");
}

#[tokio::test]
async fn max_results_stops_paging_early_and_filters_apply() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request = SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![Filter::eq("dealstage", "closedwon")],
        }],
        max_results: 30,
        ..all_deals()
    };
    let results = client.search(CrmObject::Deals, &request).await.unwrap();
    let brand = sandbox.hubspot().brand();
    let won = brand.hubspot.deals.iter().filter(|d| d.is_won()).count();
    assert_eq!(results.total, won as u64);
    assert_eq!(results.records.len(), 30);
    assert_eq!(sandbox.hubspot().request_count(), 1);
    assert!(
        results
            .records
            .iter()
            .all(|r| r.get("dealstage") == Some("closedwon"))
    );
}

#[tokio::test]
async fn an_expiring_oauth_token_is_refreshed_before_use_not_after_a_401() {
    let sandbox = sandbox().await;
    let seen: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let sink = seen.clone();
    let mut credentials = oauth_credentials(Some((
        "stale-token",
        Utc::now() + chrono::Duration::seconds(30),
    )));
    credentials.on_refresh = Some(TokenListener(Arc::new(move |pair: &TokenPair| {
        sink.lock().unwrap().push(pair.clone());
    })));
    let client = oauth_client(&sandbox, credentials);

    client
        .search(
            CrmObject::Deals,
            &SearchRequest {
                max_results: 5,
                ..all_deals()
            },
        )
        .await
        .unwrap();

    // Within the refresh margin: refreshed first, so the stale token was never sent.
    assert_eq!(sandbox.hubspot().token_request_count(), 1);
    let requests = sandbox.hubspot().requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].bearer.as_deref(), Some("hs-oauth-access-1"));
    let pairs = seen.lock().unwrap().clone();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].access_token.expose(), "hs-oauth-access-1");
    assert_eq!(pairs[0].refresh_token.expose(), OAUTH_REFRESH_TOKEN);
    let expires_in = (pairs[0].expires_at.unwrap() - Utc::now()).num_seconds();
    assert!((1_790..=1_800).contains(&expires_in), "{expires_in}");

    // A fresh token is reused, by clones too.
    client
        .clone()
        .search(
            CrmObject::Deals,
            &SearchRequest {
                max_results: 5,
                ..all_deals()
            },
        )
        .await
        .unwrap();
    assert_eq!(sandbox.hubspot().token_request_count(), 1);
    assert_eq!(
        client.current_tokens().await.unwrap().access_token.expose(),
        "hs-oauth-access-1"
    );
}

#[tokio::test]
async fn a_token_expiring_after_its_lifetime_is_refreshed_on_schedule() {
    let sandbox = sandbox().await;
    // 61 s lifetime minus the 60 s refresh margin: the client uses it for 1 s.
    sandbox
        .hubspot()
        .set_token_lifetime(Duration::from_secs(61));
    let client = oauth_client(&sandbox, oauth_credentials(None));
    let small = SearchRequest {
        max_results: 1,
        ..all_deals()
    };
    client.search(CrmObject::Deals, &small).await.unwrap();
    assert_eq!(sandbox.hubspot().token_request_count(), 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    client.search(CrmObject::Deals, &small).await.unwrap();
    assert_eq!(sandbox.hubspot().token_request_count(), 2);
    let bearers: Vec<_> = sandbox
        .hubspot()
        .requests()
        .into_iter()
        .map(|r| r.bearer.unwrap())
        .collect();
    assert_eq!(bearers, ["hs-oauth-access-1", "hs-oauth-access-2"]);
}

#[tokio::test]
async fn a_401_is_reported_not_refreshed_and_a_refused_refresh_says_reconnect() {
    let sandbox = sandbox().await;
    let valid_for_an_hour = Utc::now() + chrono::Duration::hours(1);
    let client = oauth_client(
        &sandbox,
        oauth_credentials(Some(("revoked", valid_for_an_hour))),
    );
    let error = client
        .search(CrmObject::Deals, &all_deals())
        .await
        .unwrap_err();
    assert!(
        matches!(error, HubSpotError::TokenExpired { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "HubSpot token expired or was revoked: reconnect HubSpot"
    );
    assert_eq!(sandbox.hubspot().token_request_count(), 0);
    assert_eq!(sandbox.hubspot().request_count(), 1);

    let mut wrong = oauth_credentials(None);
    wrong.refresh_token = Secret::new("uninstalled");
    let error = oauth_client(&sandbox, wrong)
        .search(CrmObject::Deals, &all_deals())
        .await
        .unwrap_err();
    assert!(
        matches!(error, HubSpotError::ConnectionExpired { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("HubSpot connection expired: reconnect HubSpot")
    );
}

#[tokio::test]
async fn burst_limits_are_waited_out_and_the_daily_limit_is_not() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let small = SearchRequest {
        max_results: 3,
        ..all_deals()
    };
    sandbox.hubspot().inject(Fault::SecondlyLimit, 1);
    sandbox.hubspot().inject(Fault::TenSecondlyLimit, 1);
    assert_eq!(
        client
            .search(CrmObject::Deals, &small)
            .await
            .unwrap()
            .records
            .len(),
        3
    );
    assert_eq!(sandbox.hubspot().request_count(), 3);

    sandbox.hubspot().reset_requests();
    sandbox.hubspot().inject(Fault::DailyLimit, 1);
    let error = client.search(CrmObject::Deals, &small).await.unwrap_err();
    assert!(matches!(&error, HubSpotError::RateLimited { policy, .. } if policy == "DAILY"));
    assert!(error.to_string().contains("daily API limit"), "{error}");
    assert_eq!(sandbox.hubspot().request_count(), 1);

    sandbox.hubspot().reset_requests();
    sandbox.hubspot().inject(Fault::SecondlyLimit, 10);
    let error = client.search(CrmObject::Deals, &small).await.unwrap_err();
    assert!(matches!(error, HubSpotError::RateLimited { .. }));
    assert_eq!(
        sandbox.hubspot().request_count(),
        4,
        "one try and three retries"
    );
    sandbox.hubspot().clear_faults();
}

#[tokio::test]
async fn server_errors_retry_then_fail_and_other_faults_are_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let small = SearchRequest {
        max_results: 3,
        ..all_deals()
    };
    sandbox.hubspot().inject(Fault::ServerError, 2);
    client.search(CrmObject::Deals, &small).await.unwrap();
    assert_eq!(sandbox.hubspot().request_count(), 3);

    sandbox.hubspot().inject(Fault::ServerError, 4);
    let error = client.search(CrmObject::Deals, &small).await.unwrap_err();
    assert!(matches!(
        error,
        HubSpotError::Unavailable { status: 502, .. }
    ));
    assert!(error.to_string().contains("temporarily unavailable"));

    sandbox.hubspot().inject(Fault::MissingScopes, 1);
    let error = client.search(CrmObject::Deals, &small).await.unwrap_err();
    assert!(matches!(error, HubSpotError::MissingScopes { .. }));
    assert!(error.to_string().contains("reconnect HubSpot"));

    sandbox.hubspot().inject(Fault::TokenExpired, 1);
    let error = client.search(CrmObject::Deals, &small).await.unwrap_err();
    assert!(matches!(error, HubSpotError::TokenExpired { .. }));

    let impatient = HubSpotClient::new(HubSpotConfig {
        timeout: Duration::from_millis(100),
        max_retries: 0,
        ..config(&sandbox)
    })
    .unwrap();
    sandbox
        .hubspot()
        .inject(Fault::Slow(Duration::from_millis(400)), 1);
    let error = impatient
        .search(CrmObject::Deals, &small)
        .await
        .unwrap_err();
    assert!(matches!(error, HubSpotError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_deal_update_is_applied_and_a_later_search_sees_it() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let brand = sandbox.hubspot().brand().clone();
    let open = brand
        .hubspot
        .deals
        .iter()
        .find(|d| !d.is_won() && !d.is_lost())
        .unwrap();
    let updated = client
        .update_deal(
            &open.id,
            &DealUpdate {
                stage_id: Some("closedwon".into()),
                amount: Some(Decimal::new(1_234_550, 2)),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.get("dealstage"), Some("closedwon"));
    assert_eq!(updated.get("amount"), Some("12345.5"));
    let request = SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![Filter::eq("hs_object_id", open.id.clone())],
        }],
        ..all_deals()
    };
    let found = client.search(CrmObject::Deals, &request).await.unwrap();
    let deal = hubspot::to_deal(&found.records[0], &[]).unwrap();
    assert_eq!(deal.amount, Some(Decimal::new(1_234_550, 2)));
    // Closed "today" in the sandbox's world: the day after the brand's last day.
    assert_eq!(
        deal.close_date.unwrap().date_naive(),
        brand.end_date + chrono::Duration::days(1)
    );
    let patch = sandbox
        .hubspot()
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.body.unwrap(),
        serde_json::json!({"properties": {"dealstage": "closedwon", "amount": "12345.5"}})
    );

    let error = client
        .update_deal(
            &open.id,
            &DealUpdate {
                stage_id: Some("nowhere".into()),
                amount: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, HubSpotError::Invalid { .. }), "{error:?}");
    let error = client
        .update_deal("999", &DealUpdate::default())
        .await
        .unwrap_err();
    assert!(matches!(error, HubSpotError::NotFound { .. }));
}

#[tokio::test]
async fn pipelines_come_back_with_stages_in_order_and_outcomes() {
    let sandbox = sandbox().await;
    let pipelines = client(&sandbox).deal_pipelines().await.unwrap();
    assert_eq!(pipelines.len(), 1);
    let p = &pipelines[0];
    assert_eq!((p.id.as_str(), p.label.as_str()), ("default", "Wholesale"));
    let labels: Vec<_> = p.stages.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels[0], "Intro call booked");
    assert_eq!(
        p.stage("closedwon").unwrap().outcome,
        omnify_tools::model::DealStatus::Won
    );
    assert_eq!(
        p.stage("closedlost").unwrap().outcome,
        omnify_tools::model::DealStatus::Lost
    );
    assert_eq!(
        p.stage("contractsent").unwrap().outcome,
        omnify_tools::model::DealStatus::Open
    );
}
