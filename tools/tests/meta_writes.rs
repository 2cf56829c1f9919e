//! Meta Ads writes (budget, pause) from the client against the emulator over real
//! sockets, read back through `campaigns()`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::campaign_changes::Change;
use omnify_tools::sandbox::meta::Fault;
use omnify_tools::{MetaAdsClient, MetaConfig, MetaError};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_budget_change_is_sent_in_minor_units_and_read_back() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let campaign = sandbox.meta().brand().meta.campaigns[1].clone();
    assert_ne!(campaign.daily_budget_minor, 12_345);

    client
        .set_daily_budget(&campaign.id, dec("123.45"))
        .await
        .unwrap();

    let writes = sandbox.meta().writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].object_id, campaign.id);
    assert_eq!(writes[0].fields, fields(&[("daily_budget", "12345")]));
    assert!(writes[0].applied);
    // Form-encoded POST to /{version}/{id}; the token only in the header.
    let requests = sandbox.meta().requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].bearer);
    assert!(
        requests[0]
            .path_and_query
            .ends_with(&format!("/v26.0/{}", campaign.id))
    );
    assert!(!requests[0].path_and_query.contains(TOKEN));
    assert_eq!(
        sandbox.meta().changes()[0].change,
        Change::DailyBudget(dec("123.45"))
    );

    let campaigns = client.campaigns().await.unwrap();
    let changed = campaigns.iter().find(|c| c.id == campaign.id).unwrap();
    assert_eq!(changed.daily_budget_minor, Some(12_345));
    // The others are untouched.
    for c in campaigns.iter().filter(|c| c.id != campaign.id) {
        let original = sandbox.meta().brand().meta.campaign(&c.id).unwrap();
        assert_eq!(c.daily_budget_minor, Some(original.daily_budget_minor));
    }
}

#[tokio::test]
async fn whole_and_trailing_zero_amounts_convert_exactly() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let id = sandbox.meta().brand().meta.campaigns[0].id.clone();
    client.set_daily_budget(&id, dec("50")).await.unwrap();
    client.set_daily_budget(&id, dec("19.900")).await.unwrap();
    let sent: Vec<_> = sandbox
        .meta()
        .writes()
        .into_iter()
        .map(|w| w.fields)
        .collect();
    assert_eq!(
        sent,
        vec![
            fields(&[("daily_budget", "5000")]),
            fields(&[("daily_budget", "1990")])
        ]
    );
    let campaigns = client.campaigns().await.unwrap();
    let c = campaigns.iter().find(|c| c.id == id).unwrap();
    assert_eq!(c.daily_budget_minor, Some(1_990));
}

#[tokio::test]
async fn pausing_a_campaign_shows_in_its_status() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let campaign = sandbox
        .meta()
        .brand()
        .meta
        .campaigns
        .iter()
        .find(|c| c.status == "ACTIVE")
        .unwrap()
        .clone();

    client.pause(&campaign.id).await.unwrap();

    assert_eq!(
        sandbox.meta().writes()[0].fields,
        fields(&[("status", "PAUSED")])
    );
    let campaigns = client.campaigns().await.unwrap();
    let paused = campaigns.iter().find(|c| c.id == campaign.id).unwrap();
    assert_eq!(paused.status, "PAUSED");
    assert_eq!(paused.daily_budget_minor, Some(campaign.daily_budget_minor));
}

#[tokio::test]
async fn ad_sets_and_ads_can_be_paused() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let ad_set = sandbox.meta().brand().meta.campaigns[0].ad_sets[0].clone();
    client.pause(&ad_set.id).await.unwrap();
    client.pause(&ad_set.ads[0].id).await.unwrap();
    let writes = sandbox.meta().writes();
    assert!(writes.iter().all(|w| w.applied));
    assert_eq!(writes[1].object_id, ad_set.ads[0].id);
    // Ad-set budgets do not apply under a campaign budget: Meta's code-100 error.
    let err = client
        .set_daily_budget(&ad_set.id, dec("20"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            MetaError::Api {
                code: Some(100),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_amounts_and_ids_are_refused_before_any_request() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let id = sandbox.meta().brand().meta.campaigns[0].id.clone();
    for bad in ["0", "-10", "12.345", "0.001", "100000000000000000000"] {
        let err = client.set_daily_budget(&id, dec(bad)).await.unwrap_err();
        assert!(matches!(err, MetaError::InvalidWrite(_)), "{bad}: {err:?}");
        assert!(err.to_string().starts_with("Meta Ads change not sent: "));
    }
    let err = client
        .set_daily_budget(&id, dec("12.345"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("at most 2 decimal places"),
        "{err}"
    );
    let err = client
        .set_daily_budget(&id, Decimal::ZERO)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than zero"), "{err}");
    assert!(matches!(
        client.set_daily_budget_minor(&id, 0).await,
        Err(MetaError::InvalidWrite(_))
    ));
    for bad_id in ["", "act_1234567890", "123/../act_1", "123?x=1"] {
        assert!(
            matches!(client.pause(bad_id).await, Err(MetaError::InvalidWrite(_))),
            "{bad_id:?}"
        );
    }
    assert_eq!(sandbox.meta().request_count(), 0);
}

#[tokio::test]
async fn an_unknown_id_is_metas_unsupported_post_error() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let err = client.pause("999999999").await.unwrap_err();
    match &err {
        MetaError::Api {
            status,
            code,
            subcode,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(*code, Some(100));
            assert_eq!(*subcode, Some(33));
            assert!(
                message.starts_with("Unsupported post request. Object with ID '999999999'"),
                "{message}"
            );
        }
        other => panic!("expected Api, got {other:?}"),
    }
    // Not retried, and recorded as not applied.
    assert_eq!(sandbox.meta().request_count(), 1);
    let writes = sandbox.meta().writes();
    assert_eq!(writes.len(), 1);
    assert!(!writes[0].applied);
    assert!(sandbox.meta().changes().is_empty());
}

#[tokio::test]
async fn an_expired_token_on_a_write_asks_to_reconnect_and_changes_nothing() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let campaign = sandbox.meta().brand().meta.campaigns[0].clone();
    sandbox.meta().inject(Fault::TokenExpired, 1);
    let err = client
        .set_daily_budget(&campaign.id, dec("99"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MetaError::TokenExpired { message } if message.contains("Session has expired"))
    );
    assert_eq!(
        err.to_string(),
        "Meta Ads token expired: reconnect Meta Ads"
    );
    assert_eq!(sandbox.meta().request_count(), 1);
    assert!(sandbox.meta().changes().is_empty());

    // A wrong token is refused by the write endpoint's own auth check too.
    let wrong = MetaAdsClient::new(MetaConfig {
        access_token: omnify_core::Secret::new("not-the-token"),
        ..meta_config(&sandbox)
    })
    .unwrap();
    assert!(matches!(
        wrong.pause(&campaign.id).await,
        Err(MetaError::TokenExpired { .. })
    ));
    let campaigns = client.campaigns().await.unwrap();
    let c = campaigns.iter().find(|c| c.id == campaign.id).unwrap();
    assert_eq!(c.daily_budget_minor, Some(campaign.daily_budget_minor));
    assert_eq!(c.status, campaign.status);
}

#[tokio::test]
async fn a_rate_limited_write_is_retried_then_succeeds_once() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let id = sandbox.meta().brand().meta.campaigns[2].id.clone();
    sandbox.meta().inject(Fault::UserRequestLimit, 2);

    client.set_daily_budget(&id, dec("75.50")).await.unwrap();

    assert_eq!(sandbox.meta().request_count(), 3);
    let writes = sandbox.meta().writes();
    assert_eq!(
        writes.iter().map(|w| w.applied).collect::<Vec<_>>(),
        vec![false, false, true]
    );
    assert!(
        writes
            .iter()
            .all(|w| w.fields == fields(&[("daily_budget", "7550")]))
    );
    assert_eq!(sandbox.meta().changes().len(), 1);
}

#[tokio::test]
async fn a_persistent_rate_limit_on_a_write_gives_up_after_bounded_retries() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let id = sandbox.meta().brand().meta.campaigns[0].id.clone();
    sandbox.meta().inject(Fault::UserRequestLimit, 100);
    let err = client.pause(&id).await.unwrap_err();
    assert!(
        matches!(err, MetaError::RateLimited { code: Some(17), .. }),
        "{err:?}"
    );
    // One try plus max_retries (3).
    assert_eq!(sandbox.meta().request_count(), 4);
    assert!(sandbox.meta().changes().is_empty());
}

#[test]
fn write_provenance_names_the_request_in_metas_terms() {
    let client = MetaAdsClient::new(MetaConfig::new(
        omnify_core::Secret::new("t"),
        "act_1234567890",
    ))
    .unwrap();
    assert_eq!(
        client.write_query("120214728393150052", &[("daily_budget", "5000")]),
        "POST /v26.0/120214728393150052 daily_budget=5000"
    );
}
