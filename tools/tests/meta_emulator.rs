//! The Meta emulator speaks the Graph API as PLATFORMS.md §6 documents it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::meta::Fault;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::str::FromStr;

/// The example response from PLATFORMS.md §6, verbatim (with the `next` URL's elided
/// query filled in so it parses).
const DOCUMENTED_EXAMPLE: &str = r#"{"data":[{"campaign_id":"120214728393150052","campaign_name":"ASC - Evergreen","spend":"1234.56","impressions":"98765",
      "clicks":"1402","ctr":"1.419","cpm":"12.50","actions":[{"action_type":"purchase","value":"37"},{"action_type":"link_click","value":"1210"}],
      "action_values":[{"action_type":"purchase","value":"4321.90"}],"purchase_roas":[{"action_type":"omni_purchase","value":"3.50"}],
      "date_start":"2025-06-01","date_stop":"2025-06-01"}],
    "paging":{"cursors":{"before":"MAZDZD","after":"MjQZD"},"next":"https://graph.facebook.com/v25.0/act_123/insights?limit=25&after=MjQZD"}}"#;

const EXAMPLE_FIELDS: &str = "campaign_id,campaign_name,spend,impressions,clicks,ctr,cpm,actions,action_values,purchase_roas";

async fn get(url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

fn insights_url(base: &str, query: &str) -> String {
    format!("{base}/v26.0/act_1234567890/insights?access_token={TOKEN}&{query}")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Same kind of JSON value, recursively for arrays of objects.
fn assert_same_shape(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            assert_eq!(keys(got), keys(want), "keys at {path}");
            for (k, wv) in w {
                assert_same_shape(&g[k], wv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert!(!g.is_empty(), "{path} is empty");
            for item in g {
                assert_same_shape(item, &w[0], &format!("{path}[]"));
            }
        }
        (Value::String(_), Value::String(_)) => {}
        _ => panic!("{path}: got {got}, documented {want}"),
    }
}

#[tokio::test]
async fn insights_match_the_documented_example_field_for_field() {
    let sandbox = sandbox().await;
    let example: Value = serde_json::from_str(DOCUMENTED_EXAMPLE).unwrap();
    let url = insights_url(
        &sandbox.meta_base_url(),
        &format!(
            "level=campaign&fields={EXAMPLE_FIELDS}&time_range=%7B%22since%22%3A%222026-11-20%22%2C%22until%22%3A%222026-11-23%22%7D&time_increment=1&limit=3"
        ),
    );
    let (status, _, page) = get(&url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(keys(&page), keys(&example));
    let rows = page["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // Only the example's "actions" sub-shape is compared per element; every row has
    // the same keys and the same kinds of values as the documented row.
    for row in rows {
        assert_same_shape(row, &example["data"][0], "data[]");
        let spend = row["spend"].as_str().unwrap();
        assert!(Decimal::from_str(spend).is_ok(), "{spend}");
        assert!(row["impressions"].as_str().unwrap().parse::<u64>().is_ok());
        assert_eq!(row["date_start"], row["date_stop"]);
    }
    assert_eq!(rows[0]["date_start"], "2026-11-20");

    let paging = &page["paging"];
    assert_eq!(keys(paging), keys(&example["paging"]));
    assert_eq!(
        keys(&paging["cursors"]),
        keys(&example["paging"]["cursors"])
    );
    let before = paging["cursors"]["before"].as_str().unwrap();
    let after = paging["cursors"]["after"].as_str().unwrap();
    assert!(!before.is_empty() && before != after);
    let next = paging["next"].as_str().unwrap();
    let expected_prefix = format!("{}/v26.0/act_1234567890/insights?", sandbox.meta_base_url());
    assert!(next.starts_with(&expected_prefix), "{next}");
    assert!(next.contains(&format!("after={after}")));
    assert!(next.contains("level=campaign") && next.contains("limit=3"));

    // Following `next` walks 16 rows (4 campaigns x 4 days) in pages of 3; the last
    // page has no `next`.
    let mut seen = rows.len();
    let mut next = Some(next.to_owned());
    let mut pages = 1;
    while let Some(url) = next {
        let (status, _, page) = get(&url).await;
        assert_eq!(status, StatusCode::OK);
        seen += page["data"].as_array().unwrap().len();
        pages += 1;
        next = page["paging"]["next"].as_str().map(str::to_owned);
        if next.is_none() {
            assert!(page["paging"]["cursors"]["after"].is_string());
        }
    }
    assert_eq!(seen, 16);
    assert_eq!(pages, 6);
    assert_eq!(sandbox.meta().request_count(), 6);
}

#[tokio::test]
async fn only_the_requested_fields_come_back() {
    let sandbox = sandbox().await;
    let url = insights_url(
        &sandbox.meta_base_url(),
        "level=campaign&fields=spend&date_preset=yesterday",
    );
    let (_, _, page) = get(&url).await;
    let row = &page["data"][0];
    assert_eq!(
        keys(row),
        ["date_start", "date_stop", "spend"]
            .map(String::from)
            .into()
    );
    assert_eq!(row["date_start"], END);

    let url = insights_url(
        &sandbox.meta_base_url(),
        "level=campaign&fields=spend,bogus_field",
    );
    let (status, _, body) = get(&url).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], 100);
}

#[tokio::test]
async fn presets_increments_and_totals_add_up_exactly() {
    let sandbox = sandbox().await;
    let brand = sandbox.meta().brand().clone();
    let url = insights_url(
        &sandbox.meta_base_url(),
        "level=account&fields=account_id,spend,actions,action_values&date_preset=last_7d&time_increment=all_days",
    );
    let (_, _, page) = get(&url).await;
    let rows = page["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["account_id"], "1234567890");
    assert_eq!(rows[0]["date_start"], "2026-11-17");
    assert_eq!(rows[0]["date_stop"], END);
    let spend = Decimal::from_str(rows[0]["spend"].as_str().unwrap()).unwrap();
    assert_eq!(spend, brand_spend(&brand, range("2026-11-17", END)));
    let purchases = rows[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action_type"] == "omni_purchase")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert_eq!(purchases, brand_purchases(&brand, range("2026-11-17", END)));

    // Daily increments: one row per day; `limit` above 500 is capped at 500.
    let url = insights_url(
        &sandbox.meta_base_url(),
        "level=ad&fields=ad_id,spend&date_preset=last_30d&time_increment=1&limit=1000",
    );
    let (_, _, page) = get(&url).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 500);
    assert!(page["paging"]["next"].is_string());
}

#[tokio::test]
async fn time_ranges_give_one_result_set_per_range_and_lifetime_reach_per_ad() {
    let sandbox = sandbox().await;
    let brand = sandbox.meta().brand().clone();
    let ranges = r#"[{"since":"2024-01-01","until":"2026-11-20"},{"since":"2024-01-01","until":"2026-11-23"},{"since":"2026-11-21","until":"2026-11-23"}]"#;
    let url = insights_url(
        &sandbox.meta_base_url(),
        &format!(
            "level=ad&fields=ad_id,impressions,reach,frequency&time_increment=1&limit=100&time_ranges={}",
            urlencode(ranges)
        ),
    );
    let (status, _, page) = get(&url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let rows = page["data"].as_array().unwrap();
    // time_increment is ignored: one row per ad per range.
    assert_eq!(rows.len(), 18 * 3, "{page}");
    let ad = &brand.meta.days.last().unwrap().ad_id;
    let row = |since: &str, until: &str| {
        rows.iter()
            .find(|r| r["ad_id"] == *ad && r["date_start"] == since && r["date_stop"] == until)
            .unwrap()
            .clone()
    };
    let truth = |until: &str| {
        brand
            .meta
            .days
            .iter()
            .rfind(|d| d.ad_id == *ad && d.date.to_string().as_str() <= until)
            .unwrap()
            .lifetime_reach
    };
    for until in ["2026-11-20", END] {
        let r = row("2024-01-01", until);
        assert_eq!(r["reach"], truth(until).to_string(), "{r}");
    }
    // A range that starts after the ad's first day sums daily reach instead.
    let late = row("2026-11-21", END);
    let summed: u64 = brand
        .meta
        .days
        .iter()
        .filter(|d| d.ad_id == *ad && d.date.to_string().as_str() >= "2026-11-21")
        .map(|d| d.reach)
        .sum();
    assert_eq!(late["reach"], summed.to_string());

    for bad in [
        "[]",
        "{\"since\":\"2026-11-01\"}",
        r#"[{"since":"2026-11-02","until":"2026-11-01"}]"#,
    ] {
        let url = insights_url(
            &sandbox.meta_base_url(),
            &format!("level=ad&fields=ad_id&time_ranges={}", urlencode(bad)),
        );
        let (status, _, body) = get(&url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["error"]["code"], 100, "{bad}");
    }
}

fn urlencode(raw: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("v", raw)])
        .unwrap()
        .query()
        .unwrap()
        .trim_start_matches("v=")
        .to_owned()
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_the_graph_oauth_error() {
    let sandbox = sandbox().await;
    let base = sandbox.meta_base_url();
    for url in [
        format!("{base}/v26.0/act_1234567890/insights?level=campaign"),
        format!("{base}/v26.0/act_1234567890/insights?level=campaign&access_token=nope"),
    ] {
        let (status, _, body) = get(&url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let error = &body["error"];
        assert_eq!(error["message"], "Invalid OAuth access token.");
        assert_eq!(error["type"], "OAuthException");
        assert_eq!(error["code"], 190);
        assert!(error["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // A bearer header is as good as the query parameter.
    let response = reqwest::Client::new()
        .get(format!(
            "{base}/v26.0/act_1234567890/insights?level=account"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // An account that is not the brand's does not exist.
    let (status, _, body) = get(&format!(
        "{base}/v26.0/act_999/insights?access_token={TOKEN}"
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], 100);
}

#[tokio::test]
async fn injected_faults_have_metas_shapes() {
    let sandbox = sandbox().await;
    let url = insights_url(&sandbox.meta_base_url(), "level=account");
    let meta = sandbox.meta();

    meta.inject(Fault::UserRequestLimit, 1);
    let (status, _, body) = get(&url).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], 17);
    assert_eq!(body["error"]["message"], "(#17) User request limit reached");
    assert_eq!(body["error"]["is_transient"], true);
    assert_eq!(body["error"]["type"], "OAuthException");

    meta.inject(Fault::AppRequestLimit, 1);
    meta.inject(Fault::AdAccountRequestLimit, 1);
    assert_eq!(get(&url).await.2["error"]["code"], 4);
    assert_eq!(get(&url).await.2["error"]["code"], 613);

    meta.inject(Fault::TooManyRequests, 1);
    let (status, headers, _) = get(&url).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "1");

    meta.inject(Fault::ServerError, 1);
    assert_eq!(get(&url).await.0, StatusCode::INTERNAL_SERVER_ERROR);

    meta.inject(Fault::TokenExpired, 1);
    let (status, _, body) = get(&url).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        json!({
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": body["error"]["fbtrace_id"],
        })
    );

    // Queue drained: back to normal, and every request was counted.
    assert_eq!(get(&url).await.0, StatusCode::OK);
    assert_eq!(meta.request_count(), 7);
}

#[tokio::test]
async fn campaigns_edge_returns_budgets_as_minor_unit_strings() {
    let sandbox = sandbox().await;
    let url = format!(
        "{}/v26.0/act_1234567890/campaigns?fields=id,name,status,objective,daily_budget&access_token={TOKEN}",
        sandbox.meta_base_url()
    );
    let (status, _, page) = get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let first = &page["data"][0];
    assert_eq!(
        keys(first),
        ["daily_budget", "id", "name", "objective", "status"]
            .map(String::from)
            .into()
    );
    assert_eq!(first["name"], "ASC - Evergreen");
    assert_eq!(first["daily_budget"], "45000");
    assert_eq!(first["status"], "ACTIVE");
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn shutting_down_frees_the_port() {
    let sandbox = sandbox().await;
    let url = insights_url(&sandbox.meta_base_url(), "level=account");
    assert_eq!(get(&url).await.0, StatusCode::OK);
    sandbox.shutdown().await;
    assert!(reqwest::get(&url).await.is_err());
}
