//! The GoHighLevel client against the GoHighLevel emulator over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::Secret;
use omnify_tools::RunningSandbox;
use omnify_tools::connectors::gohighlevel::{
    self, GoHighLevelAuth, GoHighLevelClient, GoHighLevelConfig, GoHighLevelError, OpportunityQuery,
};
use omnify_tools::connectors::oauth::{OAuthCredentials, TokenListener, TokenPair};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::gohighlevel::{
    Fault, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_REFRESH_TOKEN,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

fn config(sandbox: &RunningSandbox) -> GoHighLevelConfig {
    GoHighLevelConfig {
        base_url: sandbox.gohighlevel_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        burst_wait: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..GoHighLevelConfig::new(Secret::new(TOKEN), LOCATION)
    }
}

fn client(sandbox: &RunningSandbox) -> GoHighLevelClient {
    GoHighLevelClient::new(config(sandbox)).unwrap()
}

fn oauth(
    sandbox: &RunningSandbox,
    refresh: &str,
    seen: Arc<Mutex<Vec<TokenPair>>>,
) -> GoHighLevelClient {
    let mut credentials = OAuthCredentials::new(
        "",
        OAUTH_CLIENT_ID,
        Secret::new(OAUTH_CLIENT_SECRET),
        Secret::new(refresh),
    );
    credentials.on_refresh = Some(TokenListener(Arc::new(move |pair: &TokenPair| {
        seen.lock().unwrap().push(pair.clone())
    })));
    GoHighLevelClient::new(GoHighLevelConfig {
        auth: GoHighLevelAuth::OAuth(credentials),
        ..config(sandbox)
    })
    .unwrap()
}

fn all() -> OpportunityQuery {
    OpportunityQuery {
        status: Some("all".into()),
        max_results: 10_000,
        ..OpportunityQuery::default()
    }
}

#[tokio::test]
async fn opportunities_page_with_start_after_cursors_and_values_are_exact() {
    let sandbox = sandbox().await;
    let client = GoHighLevelClient::new(GoHighLevelConfig {
        page_limit: 20,
        ..config(&sandbox)
    })
    .unwrap();
    let brand = sandbox.gohighlevel().brand().clone();
    let expected = brand.gohighlevel.opportunities.len();
    assert!(expected > 60);

    let results = client.search_opportunities(&all()).await.unwrap();

    assert_eq!(results.total, expected as u64);
    assert_eq!(results.opportunities.len(), expected);
    assert_eq!(
        sandbox.gohighlevel().request_count(),
        expected.div_ceil(20) as u64
    );
    let ids: HashSet<_> = results.opportunities.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids.len(), expected);
    let total: Decimal = results
        .opportunities
        .iter()
        .map(|o| gohighlevel::to_deal(o, &[]).unwrap().amount.unwrap())
        .sum();
    let cents: i64 = brand
        .gohighlevel
        .opportunities
        .iter()
        .map(|o| o.monetary_value_cents)
        .sum();
    assert_eq!(total, Decimal::new(cents, 2));
    let requests = sandbox.gohighlevel().requests();
    assert!(
        requests
            .iter()
            .all(|r| r.version.as_deref() == Some("2021-07-28"))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.bearer.as_deref() == Some(TOKEN) && !r.path_and_query.contains(TOKEN))
    );
    assert!(
        requests[0]
            .path_and_query
            .contains("location_id=ve9EPM428h8vShlRW1KT")
    );
    assert!(
        requests[1].path_and_query.contains("startAfterId="),
        "{}",
        requests[1].path_and_query
    );
}

#[tokio::test]
async fn contacts_search_pages_by_page_number_and_filters() {
    let sandbox = sandbox().await;
    let client = GoHighLevelClient::new(GoHighLevelConfig {
        page_limit: 50,
        ..config(&sandbox)
    })
    .unwrap();
    let brand = sandbox.gohighlevel().brand().clone();
    let wholesale = brand
        .gohighlevel
        .contacts
        .iter()
        .filter(|c| c.tags.contains(&"wholesale".to_owned()))
        .count();
    let results = client
        .search_contacts(
            None,
            &[json!({"field": "tags", "operator": "contains", "value": "wholesale"})],
            10_000,
        )
        .await
        .unwrap();
    assert_eq!(results.total, wholesale as u64);
    assert_eq!(results.contacts.len(), wholesale);
    assert_eq!(
        sandbox.gohighlevel().request_count(),
        wholesale.div_ceil(50) as u64
    );
    let pages: Vec<u64> = sandbox
        .gohighlevel()
        .requests()
        .iter()
        .map(|r| r.body.as_ref().unwrap()["page"].as_u64().unwrap())
        .collect();
    assert_eq!(
        pages,
        (1..=wholesale.div_ceil(50) as u64).collect::<Vec<_>>()
    );
    let first = gohighlevel::to_contact(&results.contacts[0]).unwrap();
    assert!(first.stage.unwrap().contains("wholesale"));
}

#[tokio::test]
async fn each_refresh_returns_a_new_refresh_token_and_the_client_keeps_it() {
    let sandbox = sandbox().await;
    let seen: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let client = oauth(&sandbox, OAUTH_REFRESH_TOKEN, seen.clone());
    let small = OpportunityQuery {
        max_results: 1,
        ..all()
    };
    client.search_opportunities(&small).await.unwrap();
    assert_eq!(sandbox.gohighlevel().token_request_count(), 1);

    // The day is up: the 401 triggers a refresh, which must use the NEW refresh token
    // (the first one was spent).
    sandbox.gohighlevel().expire_access_tokens();
    client.search_opportunities(&small).await.unwrap();
    sandbox.gohighlevel().expire_access_tokens();
    client.search_opportunities(&small).await.unwrap();

    assert_eq!(sandbox.gohighlevel().token_request_count(), 3);
    let pairs = seen.lock().unwrap().clone();
    let refresh: Vec<&str> = pairs.iter().map(|p| p.refresh_token.expose()).collect();
    assert_eq!(
        refresh,
        [
            "sandbox-ghl-refresh-1",
            "sandbox-ghl-refresh-2",
            "sandbox-ghl-refresh-3"
        ]
    );
    let current = client.current_tokens().await.unwrap();
    assert_eq!(current.refresh_token.expose(), "sandbox-ghl-refresh-3");
    assert_eq!(current.access_token.expose(), "ghl-oauth-access-3");
    let expires_in = (current.expires_at.unwrap() - chrono::Utc::now()).num_seconds();
    assert!((86_380..=86_399).contains(&expires_in), "{expires_in}");

    // A client restarted with a spent refresh token cannot connect: reconnect.
    let stale = oauth(&sandbox, OAUTH_REFRESH_TOKEN, Arc::default());
    let error = stale.search_opportunities(&small).await.unwrap_err();
    assert!(
        matches!(error, GoHighLevelError::ConnectionExpired { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("GoHighLevel connection expired: reconnect GoHighLevel")
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_retry_and_other_faults_are_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let small = OpportunityQuery {
        max_results: 2,
        ..all()
    };
    sandbox.gohighlevel().inject(Fault::TooManyRequests, 2);
    client.search_opportunities(&small).await.unwrap();
    assert_eq!(sandbox.gohighlevel().request_count(), 3);

    sandbox.gohighlevel().inject(Fault::TooManyRequests, 10);
    let error = client.search_opportunities(&small).await.unwrap_err();
    assert!(matches!(error, GoHighLevelError::RateLimited { .. }));
    assert!(error.to_string().contains("try again in a few seconds"));
    sandbox.gohighlevel().clear_faults();

    sandbox.gohighlevel().inject(Fault::ServerError, 2);
    client.pipelines().await.unwrap();
    sandbox.gohighlevel().inject(Fault::TokenExpired, 1);
    let error = client.pipelines().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "GoHighLevel token expired or was revoked: reconnect GoHighLevel"
    );
    sandbox.gohighlevel().inject(Fault::Forbidden, 1);
    assert!(matches!(
        client.pipelines().await.unwrap_err(),
        GoHighLevelError::Forbidden { .. }
    ));

    let elsewhere = GoHighLevelClient::new(GoHighLevelConfig {
        location_id: "someoneElse000000000".into(),
        ..config(&sandbox)
    })
    .unwrap();
    assert!(matches!(
        elsewhere.pipelines().await.unwrap_err(),
        GoHighLevelError::Forbidden { .. }
    ));

    let impatient = GoHighLevelClient::new(GoHighLevelConfig {
        timeout: Duration::from_millis(100),
        max_retries: 0,
        ..config(&sandbox)
    })
    .unwrap();
    sandbox
        .gohighlevel()
        .inject(Fault::Slow(Duration::from_millis(400)), 1);
    assert!(matches!(
        impatient.pipelines().await.unwrap_err(),
        GoHighLevelError::Timeout(_)
    ));
}

#[tokio::test]
async fn a_status_update_is_applied_and_a_later_search_sees_it() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let brand = sandbox.gohighlevel().brand().clone();
    let open = brand
        .gohighlevel
        .opportunities
        .iter()
        .find(|o| o.status == "open")
        .unwrap();
    client
        .update_opportunity_status(&open.id, "lost")
        .await
        .unwrap();
    assert_eq!(
        sandbox
            .gohighlevel()
            .opportunity_status(&open.id)
            .as_deref(),
        Some("lost")
    );
    let lost = client
        .search_opportunities(&OpportunityQuery {
            status: Some("lost".into()),
            ..all()
        })
        .await
        .unwrap();
    let deal = lost
        .opportunities
        .iter()
        .find(|o| o.id == open.id)
        .map(|o| gohighlevel::to_deal(o, &[]).unwrap())
        .unwrap();
    assert_eq!(
        deal.close_date.unwrap().date_naive(),
        brand.end_date + chrono::Duration::days(1)
    );
    let put = sandbox
        .gohighlevel()
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.path_and_query,
        format!("/gohighlevel/opportunities/{}/status", open.id)
    );
    assert_eq!(put.body.unwrap(), json!({"status": "lost"}));
    assert!(matches!(
        client
            .update_opportunity_status("missing", "won")
            .await
            .unwrap_err(),
        GoHighLevelError::NotFound { .. }
    ));
    assert!(matches!(
        client
            .update_opportunity_status(&open.id, "closed")
            .await
            .unwrap_err(),
        GoHighLevelError::Invalid { .. }
    ));
}
