#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! An expert's answer becomes knowledge: a resolved escalation is proposed as an
//! article, edited, published into the tenant's knowledge base, and cited afterwards.

use omnify_tests::{Options, Response, TestApp, spawn_app};
use serde_json::{Value, json};

async fn add_expert(app: &TestApp, name: &str) -> String {
    let body = json!({"name": name, "email": format!("{}@agency.test", name.to_lowercase()), "skills": ["paid_social"]});
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Response {
    app.post_raw(path, Some(token), body.to_string(), &[]).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_resolved_escalation_becomes_a_cited_article_once_an_expert_publishes_it() {
    let app = spawn_app(Options::default()).await;
    let ana = add_expert(&app, "Ana").await;

    // A user asks for a person; Ana claims, answers and resolves.
    let r = app
        .chat("Can I talk to a human about our Meta budget during the Zephyrine launch?")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let queue = app.get("/api/v1/expert/queue", Some(&ana)).await;
    let id = queue.body["escalations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let escalation = |action: &str| format!("/api/v1/expert/escalations/{id}/{action}");
    assert_eq!(
        post(&app, &ana, &escalation("claim"), json!({}))
            .await
            .status,
        200
    );

    // Not before it is resolved: the article must say what was decided.
    let early = post(&app, &ana, &escalation("article"), json!({})).await;
    assert_eq!(early.status, 409, "{:?}", early.body);

    let answer = "Hold Meta at 1,200 a day until the Zephyrine launch ends, then scale 20% a week.";
    let r = post(&app, &ana, &escalation("messages"), json!({"text": answer})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = post(
        &app,
        &ana,
        &escalation("resolve"),
        json!({"summary": "Meta budget held at 1,200/day during the Zephyrine launch"}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // The draft carries the question, the expert's answer and the decision.
    let proposed = post(&app, &ana, &escalation("article"), json!({})).await;
    assert_eq!(proposed.status, 201, "{:?}", proposed.body);
    let article = proposed.body.clone();
    let body = article["body"].as_str().unwrap();
    assert!(body.contains("Zephyrine launch?"), "{body}");
    assert!(body.contains(answer), "{body}");
    assert!(body.contains("## Decision"), "{body}");
    assert_eq!(article["status"], "proposed");
    let article_id = article["id"].as_str().unwrap().to_string();
    // Proposing twice gives the same draft.
    let again = post(&app, &ana, &escalation("article"), json!({})).await;
    assert_eq!(again.body["id"], article["id"]);

    // Nothing is citable before it is published.
    let search = |q: &'static str| {
        let app = &app;
        async move {
            app.http
                .get(app.url("/api/v1/knowledge/search"))
                .query(&[("q", q)])
                .bearer_auth(&app.api_key)
                .send()
                .await
                .unwrap()
                .json::<Vec<Value>>()
                .await
                .unwrap()
        }
    };
    assert!(search("Zephyrine launch budget").await.is_empty());

    // Ana edits it and publishes it.
    let listed = app.get("/api/v1/expert/articles", Some(&ana)).await;
    assert_eq!(listed.body[0]["id"], article["id"], "{:?}", listed.body);
    let edited_body = format!("# Meta budget during the Zephyrine launch\n\n## Rule\n\n{answer}\n");
    let (status, edited) = put(
        &app,
        &ana,
        &format!("/api/v1/expert/articles/{article_id}"),
        json!({"title": "Meta budget during the Zephyrine launch", "body": edited_body}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let published = post(
        &app,
        &ana,
        &format!("/api/v1/expert/articles/{article_id}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    assert_eq!(published.body["status"], "published");
    let document = published.body["document_id"].as_str().unwrap().to_string();

    // Now the knowledge base finds it, and an answer cites it.
    let found = search("Zephyrine launch budget").await;
    assert_eq!(found[0]["document_id"], document, "{found:?}");
    assert_eq!(found[0]["title"], "Meta budget during the Zephyrine launch");
    let r = app
        .chat("what does the playbook say about the Meta budget during the Zephyrine launch?")
        .await;
    let reply = r.body["reply"].as_str().unwrap();
    assert!(reply.contains(&document), "{reply}");
    assert!(reply.contains("1,200 a day"), "{reply}");

    // Decided once: publishing or rejecting again is a conflict; editing too.
    let twice = post(
        &app,
        &ana,
        &format!("/api/v1/expert/articles/{article_id}/reject"),
        json!({}),
    )
    .await;
    assert_eq!(twice.status, 409, "{:?}", twice.body);
    let (status, _) = put(
        &app,
        &ana,
        &format!("/api/v1/expert/articles/{article_id}"),
        json!({"title": "x", "body": "y"}),
    )
    .await;
    assert_eq!(status, 409);
}
