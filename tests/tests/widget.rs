#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The web-chat widget: visitor tokens, origins, visitor-scoped conversations and roles.

use futures_util::{SinkExt, StreamExt};
use omnify_server::widget::token::{TokenError, TokenSigner, VisitorClaims};
use omnify_tests::{Options, TestApp, spawn_app};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn new_visitor(app: &TestApp, origin: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .json(&json!({"tenant": app.tenant_id}));
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    req.send().await.unwrap()
}

async fn visitor_token(app: &TestApp) -> String {
    let res = new_visitor(app, None).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn visitor_socket(
    app: &TestApp,
    token: &str,
    origin: Option<&str>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{}/api/v1/ws?visitor_token={token}", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

async fn ask(ws: &mut Ws, frame: Value) -> Vec<Value> {
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let mut frames = Vec::new();
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(t.as_str()).unwrap();
        let last = matches!(
            f["type"].as_str(),
            Some("done" | "error" | "subscribed" | "relayed")
        );
        frames.push(f);
        if last {
            break;
        }
    }
    frames
}

/// The HTTP status a refused upgrade got.
fn refusal(result: Result<Ws, tokio_tungstenite::tungstenite::Error>) -> u16 {
    match result {
        Ok(_) => panic!("the upgrade was accepted"),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[test]
fn visitor_tokens_verify_expire_and_resist_tampering() {
    let signer = TokenSigner::new(b"server secret").unwrap();
    let (token, claims) = signer.issue("tenant-1", 30 * 86_400, 1_000);
    assert!(token.starts_with("ovt_"));
    assert_eq!(claims.tenant_id, "tenant-1");
    assert_eq!(claims.visitor_id.len(), 32);
    assert_eq!(signer.verify(&token, 2_000).unwrap(), claims);
    let (_, other) = signer.issue("tenant-1", 60, 1_000);
    assert_ne!(
        other.visitor_id, claims.visitor_id,
        "visitor ids are random"
    );

    // Expired.
    assert_eq!(
        signer.verify(&token, 1_000 + 30 * 86_400),
        Err(TokenError::Expired)
    );
    // Claims changed under the old signature: another tenant, a longer life.
    let (payload, tag) = token.trim_start_matches("ovt_").split_once('.').unwrap();
    let forged = signer.sign(&VisitorClaims {
        tenant_id: "tenant-2".into(),
        ..claims.clone()
    });
    let forged_payload = forged.trim_start_matches("ovt_").split_once('.').unwrap().0;
    assert_eq!(
        signer.verify(&format!("ovt_{forged_payload}.{tag}"), 2_000),
        Err(TokenError::BadSignature)
    );
    // A flipped signature, a foreign key, garbage.
    let mut bad_tag = tag.to_string();
    let flipped = if bad_tag.starts_with('A') { "B" } else { "A" };
    bad_tag.replace_range(0..1, flipped);
    assert_eq!(
        signer.verify(&format!("ovt_{payload}.{bad_tag}"), 2_000),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        TokenSigner::new(b"another secret")
            .unwrap()
            .verify(&token, 2_000),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        signer.verify("omk_not_a_visitor", 2_000),
        Err(TokenError::Malformed)
    );
    assert!(TokenSigner::new(b"").is_err());
}

#[tokio::test]
async fn sessions_and_sockets_check_the_origin() {
    let app = spawn_app(Options {
        tweak: Some(Box::new(|s| {
            s.widget.allowed_origins = vec!["https://brand.example".into()];
        })),
        ..Options::default()
    })
    .await;

    let refused = new_visitor(&app, Some("https://evil.example")).await;
    assert_eq!(refused.status(), 403);
    let ok = new_visitor(&app, Some("https://brand.example")).await;
    assert_eq!(ok.status(), 201);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://brand.example"
    );
    let session: Value = ok.json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    assert!(session["expires_at"].as_i64().unwrap() > chrono::Utc::now().timestamp() + 29 * 86_400);

    // Same-origin pages (the demo page) need no configuration.
    let same = new_visitor(&app, Some(&format!("http://{}", app.addr))).await;
    assert_eq!(same.status(), 201);

    // CORS preflight.
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/widget/session"))
        .header("origin", "https://brand.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://brand.example"
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type")
    );
    let bad_preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/widget/session"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_preflight.status(), 403);

    // The socket: a foreign origin is refused before the upgrade; so is a bad token.
    assert_eq!(
        refusal(visitor_socket(&app, &token, Some("https://evil.example")).await),
        403
    );
    assert_eq!(
        refusal(visitor_socket(&app, "ovt_forged.token", Some("https://brand.example")).await),
        401
    );
    assert!(
        visitor_socket(&app, &token, Some("https://brand.example"))
            .await
            .is_ok()
    );

    // Unknown tenants get no visitors.
    let unknown = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .json(&json!({"tenant": "no-such-tenant"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_visitor_sees_only_its_own_conversations() {
    let app = spawn_app(Options::default()).await;
    let alice = visitor_token(&app).await;
    let bob = visitor_token(&app).await;

    let mut ws = visitor_socket(&app, &alice, None).await.unwrap();
    let frames = ask(
        &mut ws,
        json!({"type": "message", "message": "how did Meta do last week?", "client_id": "m1"}),
    )
    .await;
    let done = frames.last().unwrap();
    assert_eq!(done["type"], "done", "{frames:?}");
    let conversation = done["conversation_id"].as_str().unwrap().to_string();

    let history = |token: String, id: String| {
        let app = &app;
        async move {
            app.http
                .get(app.url(&format!("/api/v1/widget/conversations/{id}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let own = history(alice.clone(), conversation.clone()).await;
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.unwrap();
    let messages = own["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["text"], "how did Meta do last week?");
    assert_eq!(messages[1]["role"], "assistant");

    assert_eq!(
        history(bob.clone(), conversation.clone()).await.status(),
        404
    );
    assert_eq!(
        history("ovt_bad.bad".into(), conversation.clone())
            .await
            .status(),
        401
    );
    // Nor through the socket: subscribing or writing into it.
    let mut other = visitor_socket(&app, &bob, None).await.unwrap();
    let frames = ask(
        &mut other,
        json!({"type": "subscribe", "conversation_id": conversation}),
    )
    .await;
    assert_eq!(frames.last().unwrap()["code"], "not_found", "{frames:?}");
    let frames = ask(
        &mut other,
        json!({"type": "message", "conversation_id": conversation, "message": "hi"}),
    )
    .await;
    assert_eq!(frames.last().unwrap()["code"], "not_found", "{frames:?}");

    // A tenant's own (API-key) conversation is not a visitor's either.
    let staff = app.chat("how did Meta do last week?").await;
    let staff_conversation = staff.body["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(
        history(alice.clone(), staff_conversation).await.status(),
        404
    );
    // The tenant's staff can read the visitor's conversation with the API key.
    let seen = app
        .get(
            &format!("/api/v1/conversations/{conversation}"),
            Some(&app.api_key),
        )
        .await;
    assert_eq!(seen.status, 200);

    // The returning visitor resumes its conversation.
    let mut again = visitor_socket(&app, &alice, None).await.unwrap();
    let frames = ask(
        &mut again,
        json!({"type": "subscribe", "conversation_id": conversation}),
    )
    .await;
    assert_eq!(frames.last().unwrap()["type"], "subscribed");
}

fn tool_calls(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["type"] == "tool_call")
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn visitors_cannot_call_member_tools_unless_the_demo_says_so() {
    let strict = spawn_app(Options {
        tweak: Some(Box::new(|s| s.widget.demo_members = false)),
        ..Options::default()
    })
    .await;
    let token = visitor_token(&strict).await;
    let mut ws = visitor_socket(&strict, &token, None).await.unwrap();
    let frames = ask(
        &mut ws,
        json!({"type": "message", "message": "how did Meta do last week?"}),
    )
    .await;
    assert_eq!(frames.last().unwrap()["type"], "done", "{frames:?}");
    assert_eq!(
        tool_calls(&frames),
        Vec::<String>::new(),
        "a visitor reads no platform: {frames:?}"
    );

    // The demo: the demo tenant's visitors are members.
    let demo = spawn_app(Options::default()).await;
    let token = visitor_token(&demo).await;
    let mut ws = visitor_socket(&demo, &token, None).await.unwrap();
    let frames = ask(
        &mut ws,
        json!({"type": "message", "message": "how did Meta do last week?"}),
    )
    .await;
    assert_eq!(
        tool_calls(&frames),
        ["get_marketing_performance"],
        "{frames:?}"
    );

    // The same flag means nothing outside the demo sandbox.
    let no_sandbox = spawn_app(Options {
        tweak: Some(Box::new(|s| s.demo.sandbox = false)),
        ..Options::default()
    })
    .await;
    let token = visitor_token(&no_sandbox).await;
    let mut ws = visitor_socket(&no_sandbox, &token, None).await.unwrap();
    let frames = ask(
        &mut ws,
        json!({"type": "message", "message": "how did Meta do last week?"}),
    )
    .await;
    assert_eq!(tool_calls(&frames), Vec::<String>::new(), "{frames:?}");
}

#[tokio::test]
async fn the_script_is_cached_and_the_demo_page_installs_it() {
    let app = spawn_app(Options::default()).await;
    let script = app.http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    let headers = script.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );
    let etag = headers["etag"].clone();
    let again = app
        .http
        .get(app.url("/widget.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let page = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            r#"src="/widget.js" data-tenant="{}""#,
            app.tenant_id
        )),
        "{html}"
    );
}

#[tokio::test]
async fn an_identified_visitor_keeps_one_identity_and_finds_their_conversation() {
    use omnify_server::config::WidgetTenantSettings;
    use omnify_server::widget::identity::sign_for_tests;
    let secret = b"brand-site-secret";
    // Per-tenant settings are keyed by tenant id: learn the demo tenant's id from a
    // first start, then start again on the same data directory with them.
    let data_dir = tempfile::tempdir().unwrap();
    let first_start = spawn_app(Options {
        data_dir: Some(data_dir.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let tenant = first_start.tenant_id.clone();
    drop(first_start);
    let app = spawn_app(Options {
        data_dir: Some(data_dir.path().to_path_buf()),
        tweak: Some(Box::new(move |s| {
            s.widget.tenants.insert(
                tenant,
                WidgetTenantSettings {
                    allowed_origins: vec!["https://shop.brand.example".into()],
                    identity_secret: omnify_core::Secret::new("brand-site-secret"),
                },
            );
        })),
        ..Options::default()
    })
    .await;
    let exp = chrono::Utc::now().timestamp() + 3_600;
    let session = |identity: Value, origin: &'static str| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/api/v1/widget/session"))
                .header("origin", origin)
                .json(&json!({"tenant": app.tenant_id, "identity": identity}))
                .send()
                .await
                .unwrap()
        }
    };
    let dana = sign_for_tests(
        secret,
        &json!({"sub": "customer-7", "name": "Dana", "exp": exp}),
    );

    // The tenant's own site may embed the widget; another tenant's list does not apply.
    let first = session(json!(dana), "https://shop.brand.example").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["identified"], true);
    assert_eq!(first["latest_conversation"], Value::Null);
    assert_eq!(
        session(json!(dana), "https://elsewhere.example")
            .await
            .status(),
        403
    );

    // Dana chats, then comes back on another device: same visitor, same conversation.
    let token = first["token"].as_str().unwrap();
    let mut ws = visitor_socket(&app, token, Some("https://shop.brand.example"))
        .await
        .unwrap();
    let frames = ask(
        &mut ws,
        json!({"type": "message", "message": "how did Meta do last week?"}),
    )
    .await;
    let conversation = frames.last().unwrap()["conversation_id"].clone();
    assert!(conversation.is_string(), "{frames:?}");
    let again: Value = session(json!(dana), "https://shop.brand.example")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["visitor_id"], first["visitor_id"]);
    assert_eq!(again["latest_conversation"], conversation);

    // A forged or expired statement is refused with the reason; anonymous still works.
    let forged = sign_for_tests(b"guess", &json!({"sub": "customer-7", "exp": exp}));
    let refused = session(json!(forged), "https://shop.brand.example").await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{body}"
    );
    let expired = sign_for_tests(secret, &json!({"sub": "customer-7", "exp": 1}));
    assert_eq!(
        session(json!(expired), "https://shop.brand.example")
            .await
            .status(),
        400
    );
    let anonymous: Value = session(Value::Null, "https://shop.brand.example")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(anonymous["identified"], false);
    assert_ne!(anonymous["visitor_id"], first["visitor_id"]);
}
