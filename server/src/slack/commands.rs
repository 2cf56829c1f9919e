//! `POST /slack/commands` (or a `slash_commands` Socket Mode envelope):
//! `/omnify help | status | connect <platform> | report`. Answers are ephemeral (only
//! the caller sees them), in the HTTP response or the envelope's ack; `report` posts a
//! thread in the channel and answers there like a mention.

use super::adapter::{Accepted, MessageBody, Thread};
use super::{SlackApp, form};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use omnify_core::{ChannelKind, InboundMessage};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub const REPORT_QUESTION: &str = "how did all platforms do last week?";

/// The fields Omnify reads: the form's over HTTP, the same names in a JSON object over
/// Socket Mode.
#[derive(Debug, Deserialize)]
pub(super) struct Command {
    #[serde(default)]
    text: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    channel_id: String,
    #[serde(default)]
    trigger_id: String,
}

const HELP: &str = "*Omnify* answers questions about your marketing: mention me in a channel or write to me directly.\n\
• `/omnify status` — connected platforms and the model\n\
• `/omnify connect <platform>` — how to connect a platform\n\
• `/omnify report` — how did all platforms do last week?\n\
• `/omnify help` — this";

fn ephemeral(text: String) -> Accepted {
    Accepted::reply(json!({"response_type": "ephemeral", "text": text}))
}

pub async fn handle(State(app): State<Arc<SlackApp>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused;
    }
    let cmd: Command = match form(body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    super::respond(accept(&app, cmd).await)
}

/// An authenticated command: the ephemeral answer now; `report`'s turn after the ack.
pub(super) async fn accept(app: &Arc<SlackApp>, cmd: Command) -> Accepted {
    let mut words = cmd.text.split_whitespace();
    let sub = words.next().unwrap_or("help").to_lowercase();
    match sub.as_str() {
        "status" => ephemeral(status(app).await),
        "connect" => ephemeral(connect(app, words.next())),
        "report" => Accepted {
            work: Some(Box::pin(report(app.clone(), cmd))),
            ..ephemeral("Working on last week's report; it will appear in this channel.".into())
        },
        _ => ephemeral(HELP.into()),
    }
}

async fn status(app: &SlackApp) -> String {
    let tenant = match app.tenant().await {
        Ok(t) => t,
        Err(e) => return format!("Omnify is not set up for this workspace: {e}"),
    };
    let settings = &app.state.settings;
    let model = if settings.llm.is_configured() {
        settings.llm.model.clone()
    } else {
        "offline (no language model configured)".into()
    };
    let connected = match app.state.tenant_facts(&tenant).await {
        Ok(f) if f.connected_platforms.is_empty() => "none".to_string(),
        Ok(f) => f.connected_platforms.join(", "),
        Err(e) => format!("unknown ({e})"),
    };
    let demo = if settings.demo.sandbox {
        "\nDemo mode: platforms you have not connected are served by the built-in emulators."
    } else {
        ""
    };
    format!("*Connected platforms:* {connected}\n*Model:* {model}{demo}")
}

/// How to connect: never asks for (or echoes) a secret in Slack.
fn connect(app: &SlackApp, platform: Option<&str>) -> String {
    let known: Vec<&'static str> = crate::connections::platforms::all(&app.state.settings)
        .iter()
        .map(|c| c.key())
        .collect();
    let Some(platform) = platform.map(str::to_lowercase) else {
        return format!(
            "Which platform? `/omnify connect <platform>`, one of: {}",
            known.join(", ")
        );
    };
    let Some(key) = known.iter().find(|k| **k == platform) else {
        return format!("I don't know `{platform}`. Platforms: {}", known.join(", "));
    };
    let oauth = if app.state.settings.oauth.contains_key(*key) {
        format!(
            "\n• or with OAuth: `POST /api/v1/connections/oauth/{key}/start` and open the URL it returns."
        )
    } else {
        String::new()
    };
    format!(
        "To connect *{key}*, an admin of your Omnify account calls the API (never paste credentials in Slack):\n\
         • `GET /api/v1/platforms` lists the credentials {key} needs\n\
         • `POST /api/v1/connections` with `{{\"platform\": \"{key}\", \"account\": …, \"credentials\": {{…}}}}` and your admin API key{oauth}\n\
         Omnify tests the connection before saving it and keeps the credentials encrypted."
    )
}

async fn report(app: Arc<SlackApp>, cmd: Command) {
    let tenant_id = match app.tenant().await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot map the Slack workspace to a tenant");
            return;
        }
    };
    let intro = MessageBody {
        channel: cmd.channel_id.clone(),
        text: format!("<@{}> asked for last week's report.", cmd.user_id),
        ..Default::default()
    };
    let ts = match app.api.post_message_patiently(&intro, 5).await {
        Ok(ts) => ts,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the report thread");
            return;
        }
    };
    let thread = Thread {
        channel: cmd.channel_id,
        thread_ts: ts,
    };
    let inbound = InboundMessage {
        tenant_id,
        channel: ChannelKind::Slack,
        conversation_key: thread.key(),
        author: format!("slack:{}", cmd.user_id),
        text: REPORT_QUESTION.into(),
        event_id: format!("command:{}", cmd.trigger_id),
    };
    app.run_turn(&app.api, thread, super::Turn::New(inbound))
        .await;
}
