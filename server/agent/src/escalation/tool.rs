//! `escalate_to_expert`: the model asks for a person.

use super::desk::EscalationDesk;
use super::policy::Trigger;
use async_trait::async_trait;
use omnify_core::{
    InterventionKind, Tool, ToolContext, ToolError, ToolOutput, ToolSpec, Urgency, parse_args,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "escalate_to_expert";

pub struct EscalateTool {
    desk: Arc<EscalationDesk>,
}

impl EscalateTool {
    pub fn new(desk: Arc<EscalationDesk>) -> Self {
        Self { desk }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(rename = "type")]
    kind: InterventionKind,
    reason: String,
    urgency: Option<Urgency>,
}

#[async_trait]
impl Tool for EscalateTool {
    fn spec(&self) -> ToolSpec {
        let kinds: Vec<&str> = InterventionKind::ALL.iter().map(|k| k.as_str()).collect();
        ToolSpec {
            name: TOOL_NAME.into(),
            description: "Hand this conversation to a human expert on the team. Use it when the user asks for a person, \
                when a decision moves real money or is risky, when you cannot give a grounded answer, when the user is \
                frustrated, for privacy/legal (GDPR, CCPA) and billing questions, and when a platform connection is broken. \
                The expert replies in this conversation; you stay silent until they hand it back."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": kinds, "description": "Why a person is needed."},
                    "reason": {"type": "string", "description": "One sentence for the expert: what the user needs."},
                    "urgency": {"type": "string", "enum": ["low", "normal", "high", "urgent"], "default": "normal"}
                },
                "required": ["type", "reason"],
                "additionalProperties": false
            }),
            keywords: ["expert", "human", "person", "someone", "specialist", "escalate", "help from the team"]
                .iter()
                .map(|k| k.to_string())
                .collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        if args.reason.trim().is_empty() {
            return Err(ToolError::BadArguments(
                "`reason` must say what the user needs".into(),
            ));
        }
        let trigger = Trigger {
            kind: args.kind,
            reason: args.reason.clone(),
            urgency: args.urgency.unwrap_or(Urgency::Normal),
        };
        let escalation = self
            .desk
            .escalate(
                &ctx.tenant_id,
                &ctx.conversation_id,
                &trigger,
                "tool",
                &args.reason,
            )
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        let minutes = self.desk.sla().for_urgency(escalation.urgency).as_secs() / 60;
        Ok(ToolOutput {
            data: json!({"escalation_id": escalation.id, "type": escalation.kind, "urgency": escalation.urgency, "skill": escalation.skill}),
            summary: format!(
                "An expert ({}) has been asked to join this conversation; expect a reply within about {minutes} minutes. \
                 Tell the user, and do not answer further questions until the expert hands back.",
                escalation.skill.replace('_', " ")
            ),
            provenance: Vec::new(),
            chart: None,
        })
    }
}
