//! The experts channel: one Block Kit message per escalation (who, tenant, kind,
//! reason, the conversation so far, the data the bot used) with Claim / Resolve /
//! Return-to-bot buttons; its thread is where the expert talks to the user.

use super::render::{SECTION_LIMIT, ToolUse, plain_section};
use serde_json::{Value, json};

/// Action ids of the experts channel's buttons; each button's value is the escalation id.
pub const CLAIM: &str = "expert_claim";
pub const RESOLVE: &str = "expert_resolve";
pub const RETURN: &str = "expert_return";

/// How many of the last messages the summary shows, and how long each may be.
const LAST_MESSAGES: usize = 8;
const MESSAGE_CHARS: usize = 400;
const TOOL_CHARS: usize = 300;

/// Where an escalation stands, for the status line and which buttons remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Claimed { by: String },
    Resolved { by: String, summary: String },
    Closed { by: String, summary: String },
}

/// What the summary shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub escalation_id: String,
    pub kind: String,
    pub urgency: String,
    pub tenant: String,
    pub who: String,
    pub skill: String,
    /// The expert it is routed to: `<@U…>` when they have a Slack user, else their name.
    pub routed_to: Option<String>,
    pub reason: String,
    /// When it must be claimed, e.g. `2026-11-25 21:30 UTC`.
    pub sla_due: String,
    /// Why it was (re-)posted, e.g. "Re-routed: …" or "Nobody available: …".
    pub note: Option<String>,
    /// `(author, text)`, oldest first.
    pub messages: Vec<(String, String)>,
    pub tools: Vec<ToolUse>,
    pub status: Status,
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

/// Text shown in mrkdwn without letting user text become mentions or links.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn field(label: &str, value: &str) -> Value {
    let value = if value.is_empty() { "—" } else { value };
    json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", cut(value, 1900))})
}

fn button(action_id: &str, text: &str, style: Option<&str>, value: &str) -> Value {
    let mut b = json!({"type": "button", "action_id": action_id,
        "text": {"type": "plain_text", "text": text}, "value": value});
    if let Some(style) = style {
        b["style"] = json!(style);
    }
    b
}

impl Summary {
    /// The status line under the header.
    pub fn status_line(&self) -> String {
        match &self.status {
            Status::Waiting => "⏳ Waiting for an expert to claim it".into(),
            Status::Claimed { by } => {
                format!("🙋 Claimed by {by}: reply in this thread to talk to the user")
            }
            Status::Resolved { by, summary } => {
                format!("✅ Handed back to the bot by {by}: {summary}")
            }
            Status::Closed { by, summary } => format!("✖️ Closed by {by}: {summary}"),
        }
    }

    /// Fallback text (notifications).
    pub fn text(&self) -> String {
        format!(
            "{} escalation ({}) from {} at {}: {}",
            self.kind, self.urgency, self.who, self.tenant, self.reason
        )
    }

    pub fn blocks(&self) -> Vec<Value> {
        let header = cut(
            &format!("🆘 {} · {}", self.kind, self.urgency.to_uppercase()),
            150,
        );
        let mut blocks = vec![
            json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
            json!({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(&self.status_line())}]}),
        ];
        if let Some(note) = &self.note {
            blocks.push(plain_section(note));
        }
        blocks.push(json!({"type": "section", "fields": [
            field("Tenant", &escape(&self.tenant)),
            field("Who asked", &escape(&self.who)),
            field("Skill", &escape(&self.skill)),
            field("Routed to", self.routed_to.as_deref().unwrap_or("nobody yet")),
            field("Reason", &escape(&self.reason)),
            field("SLA due", &escape(&self.sla_due)),
        ]}));
        if !self.messages.is_empty() {
            let skip = self.messages.len().saturating_sub(LAST_MESSAGES);
            let lines: Vec<String> = self.messages[skip..]
                .iter()
                .map(|(who, text)| {
                    format!("*{}:* {}", escape(who), escape(&cut(text, MESSAGE_CHARS)))
                })
                .collect();
            let mut text = format!("*The conversation so far*\n{}", lines.join("\n"));
            text = cut(&text, SECTION_LIMIT - 10);
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
        }
        if !self.tools.is_empty() {
            let lines: Vec<String> = self
                .tools
                .iter()
                .map(|t| {
                    let mark = if t.ok == Some(false) { "✗" } else { "✓" };
                    let p = t.provenance();
                    let p = if p.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", escape(&p))
                    };
                    format!(
                        "{mark} `{}`{p}: {}",
                        t.name,
                        escape(&cut(&t.summary, TOOL_CHARS))
                    )
                })
                .collect();
            let text = cut(
                &format!("*Data the bot used*\n{}", lines.join("\n")),
                SECTION_LIMIT - 10,
            );
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
        }
        let id = self.escalation_id.as_str();
        let buttons: Vec<Value> = match &self.status {
            Status::Waiting => vec![
                button(CLAIM, "Claim", Some("primary"), id),
                button(RESOLVE, "Resolve", None, id),
                button(RETURN, "Return to bot", Some("danger"), id),
            ],
            Status::Claimed { .. } => vec![
                button(RESOLVE, "Resolve", Some("primary"), id),
                button(RETURN, "Return to bot", Some("danger"), id),
            ],
            Status::Resolved { .. } | Status::Closed { .. } => Vec::new(),
        };
        if !buttons.is_empty() {
            blocks.push(json!({"type": "actions", "block_id": format!("escalation:{id}"), "elements": buttons}));
        }
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": format!("Escalation `{id}` · reply in this thread to write to the user; `resolve: <summary>` hands it back to the bot, `close: <summary>` closes it")}]}));
        blocks
    }
}

/// What an expert's message in an escalation thread asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadCommand {
    /// Hand back to the bot with this summary.
    Resolve(String),
    /// Close the conversation with this summary.
    Close(String),
    /// Anything else: a message for the user.
    Reply(String),
}

/// `resolve: …` and `close: …` (any case) are commands; anything else is a reply.
pub fn thread_command(text: &str) -> ThreadCommand {
    let t = text.trim();
    let lower = t.to_lowercase();
    for (prefix, close) in [("resolve:", false), ("close:", true)] {
        if lower.starts_with(prefix) {
            let summary = t[prefix.len()..].trim().to_string();
            return if close {
                ThreadCommand::Close(summary)
            } else {
                ThreadCommand::Resolve(summary)
            };
        }
    }
    ThreadCommand::Reply(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(status: Status) -> Summary {
        Summary {
            escalation_id: "e-1".into(),
            kind: "user_request".into(),
            urgency: "normal".into(),
            tenant: "Acme".into(),
            who: "slack:U1".into(),
            skill: "paid_social".into(),
            routed_to: Some("<@U0ANA>".into()),
            reason: "asked for <a human>".into(),
            sla_due: "2026-11-25 22:00 UTC".into(),
            note: None,
            messages: vec![("user".into(), "talk to a human".into())],
            tools: vec![ToolUse {
                name: "get_marketing_performance".into(),
                arguments: json!({"platform": "meta"}),
                ok: Some(true),
                summary: "Meta: $1,200 spend".into(),
                ..Default::default()
            }],
            status,
        }
    }

    #[test]
    fn the_summary_has_fields_history_tools_and_buttons_by_status() {
        let blocks = summary(Status::Waiting).blocks();
        let all = serde_json::to_string(&blocks).unwrap();
        assert!(all.contains("<@U0ANA>"), "{all}");
        assert!(
            all.contains("asked for &lt;a human&gt;"),
            "user text escaped: {all}"
        );
        assert!(all.contains("talk to a human") && all.contains("Meta: $1,200 spend"));
        let actions = blocks.iter().find(|b| b["type"] == "actions").unwrap();
        let ids: Vec<&str> = actions["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [CLAIM, RESOLVE, RETURN]);
        assert!(
            actions["elements"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["value"] == "e-1")
        );

        let claimed = summary(Status::Claimed { by: "Ana".into() }).blocks();
        let actions = claimed.iter().find(|b| b["type"] == "actions").unwrap();
        assert_eq!(actions["elements"].as_array().unwrap().len(), 2);
        let done = summary(Status::Resolved {
            by: "Ana".into(),
            summary: "flat".into(),
        });
        assert!(done.blocks().iter().all(|b| b["type"] != "actions"));
        assert!(done.status_line().contains("flat"));
    }

    #[test]
    fn thread_commands() {
        assert_eq!(
            thread_command("resolve: keep budgets flat"),
            ThreadCommand::Resolve("keep budgets flat".into())
        );
        assert_eq!(
            thread_command("Close: spam"),
            ThreadCommand::Close("spam".into())
        );
        assert_eq!(
            thread_command(" hello "),
            ThreadCommand::Reply("hello".into())
        );
    }
}
