//! The HubSpot emulator's responses match PLATFORMS.md §2 field for field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::hubspot::{
    Fault, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_REFRESH_TOKEN,
};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn the_documented_search_request_gets_the_documented_response_shape() {
    let sandbox = sandbox().await;
    let end = sandbox.hubspot().brand().end_date;
    let since = end - chrono::Duration::days(120);
    let body = json!({"filterGroups":[{"filters":[
            {"propertyName":"closedate","operator":"BETWEEN","value":format!("{since}T00:00:00Z"),"highValue":format!("{end}T23:59:59Z")},
            {"propertyName":"dealstage","operator":"EQ","value":"closedwon"}]}],
        "properties":["dealname","amount","dealstage","pipeline","closedate","hs_object_id"],
        "sorts":[{"propertyName":"closedate","direction":"DESCENDING"}],"limit":2,"after":"0"});
    let response = reqwest::Client::new()
        .post(format!(
            "{}/crm/v3/objects/deals/search",
            sandbox.hubspot_base_url()
        ))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    assert_eq!(keys(&page), ["paging", "results", "total"]);
    assert!(page["total"].as_u64().unwrap() > 2);
    let first = &page["results"][0];
    assert_eq!(
        keys(first),
        ["archived", "createdAt", "id", "properties", "updatedAt"]
    );
    assert_eq!(first["archived"], json!(false));
    let props = first["properties"].as_object().unwrap();
    for name in [
        "amount",
        "dealname",
        "dealstage",
        "closedate",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ] {
        assert!(
            props[name].is_string(),
            "{name} must be a string: {}",
            props[name]
        );
    }
    assert_eq!(props["dealstage"], "closedwon");
    assert_eq!(props["hs_object_id"], first["id"]);
    // ISO instants like "2025-06-12T00:00:00Z".
    let close = props["closedate"].as_str().unwrap();
    assert!(close.ends_with('Z') && close.len() == 20, "{close}");
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));
    // Sorted newest close first.
    assert!(
        page["results"][1]["properties"]["closedate"]
            .as_str()
            .unwrap()
            <= close
    );
    assert_eq!(page["paging"]["next"]["after"], "2");
    assert_eq!(page["paging"]["next"]["link"], "?after=2");
}

#[tokio::test]
async fn errors_use_hubspots_envelope() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let url = format!(
        "{}/crm/v3/objects/contacts/search",
        sandbox.hubspot_base_url()
    );
    sandbox.hubspot().inject(Fault::SecondlyLimit, 1);
    let response = http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(
        response.headers().get("retry-after").is_none(),
        "HubSpot documents none"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        keys(&body),
        [
            "category",
            "correlationId",
            "errorType",
            "message",
            "policyName",
            "status"
        ]
    );
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["policyName"], "SECONDLY");
    assert_eq!(body["message"], "You have reached your secondly limit.");

    let response = http
        .post(&url)
        .bearer_auth("nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");

    let response = http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"limit": 201}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["category"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn contacts_default_properties_and_the_token_endpoint_match_the_docs() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let page: Value = http
        .post(format!(
            "{}/crm/v3/objects/contacts/search",
            sandbox.hubspot_base_url()
        ))
        .bearer_auth(TOKEN)
        .json(&json!({"limit": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Default contact properties: createdate,email,firstname,hs_object_id,lastmodifieddate,lastname.
    assert_eq!(
        keys(&page["results"][0]["properties"]),
        [
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname"
        ]
    );

    let grant: Value = http
        .post(format!("{}/oauth/v3/token", sandbox.hubspot_base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", OAUTH_CLIENT_ID),
            ("client_secret", OAUTH_CLIENT_SECRET),
            ("refresh_token", OAUTH_REFRESH_TOKEN),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        keys(&grant),
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    assert_eq!(grant["expires_in"], 1800);
    assert_eq!(grant["token_type"], "bearer");

    let patched: Value = http
        .patch(format!(
            "{}/crm/v3/objects/deals/{}",
            sandbox.hubspot_base_url(),
            sandbox.hubspot().brand().hubspot.deals[0].id
        ))
        .bearer_auth(grant["access_token"].as_str().unwrap())
        .json(&json!({"properties": {"dealstage": "closedlost", "amount": "90000"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["properties"]["dealstage"], "closedlost");
    assert_eq!(patched["properties"]["amount"], "90000");
    assert!(
        patched["properties"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string)
    );
}
