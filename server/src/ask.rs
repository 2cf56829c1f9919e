//! `omnify ask`: one question from the terminal, on the same embedded defaults as the
//! server, with the answer streamed and the tool calls shown.

use crate::api::chat::ChatReply;
use crate::chat::{Answer, answer};
use crate::config::Settings;
use crate::startup::build_runtime;
use anyhow::{Context, bail};
use omnify_agent::UserRole;
use omnify_core::{ChannelKind, InboundMessage, OutboundEvent};
use std::io::Write;

pub async fn run(
    settings: Settings,
    question: String,
    conversation: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let runtime = build_runtime(settings).await?;
    let state = runtime.state.clone();
    // The terminal speaks for the first tenant: the demo brand on a fresh data directory.
    let tenant_id = state
        .store
        .first_tenant_id()
        .await?
        .context("no tenant exists")?;
    let conversation_id = match conversation {
        Some(id) => {
            state
                .store
                .conversation_for_tenant(&id, &tenant_id)
                .await?
                .with_context(|| format!("conversation {id} not found"))?;
            id
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let inbound = InboundMessage {
        tenant_id,
        channel: ChannelKind::Cli,
        conversation_key: conversation_id,
        author: whoami(),
        text: question,
        event_id: uuid::Uuid::new_v4().to_string(),
    };

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        let mut out = std::io::stdout();
        while let Some(event) = rx.recv().await {
            if json {
                continue;
            }
            let _ = match event {
                OutboundEvent::Delta { text } => write!(out, "{text}"),
                OutboundEvent::ToolCall {
                    name, arguments, ..
                } => writeln!(out, "→ {name} {arguments}"),
                OutboundEvent::ToolResult {
                    name,
                    ok,
                    duration_ms,
                    summary,
                    ..
                } => {
                    let mark = if ok { "✓" } else { "✗" };
                    writeln!(
                        out,
                        "{mark} {name} ({duration_ms} ms){}",
                        if ok {
                            String::new()
                        } else {
                            format!(": {summary}")
                        }
                    )
                }
                OutboundEvent::Done { .. } => writeln!(out),
                OutboundEvent::Error { message } => writeln!(out, "error: {message}"),
                OutboundEvent::ExpertMessage { author, text } => writeln!(out, "{author}: {text}"),
                OutboundEvent::Handoff { message, .. } => writeln!(out, "— {message}"),
                OutboundEvent::Chart { title, svg_url, .. } => {
                    writeln!(out, "[chart] {title}: {svg_url}")
                }
            };
            let _ = out.flush();
        }
    });
    let result = answer(&state, inbound, UserRole::Admin, Some(tx)).await;
    let _ = printer.await;
    let reply = match result? {
        Answer::Replied {
            conversation_id,
            outcome,
        } => ChatReply::from_outcome(conversation_id, outcome),
        Answer::WithExpert { conversation_id } => {
            bail!("conversation {conversation_id} is with an expert; your message was passed on")
        }
        other => bail!("unexpected outcome: {other:?}"),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&reply)?);
    } else if let Some(usage) = &reply.usage {
        eprintln!(
            "conversation {} · {} · {} steps · {} prompt + {} completion tokens · ${:.6}",
            reply.conversation_id,
            usage.model,
            usage.steps,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cost_usd
        );
    }
    if let Some(sandbox) = runtime.sandbox {
        sandbox.shutdown().await;
    }
    state.store.close().await;
    Ok(())
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "cli".to_string())
}
