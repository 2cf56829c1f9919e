//! The model's call to a write action makes a proposal; nothing changes yet.

use super::thresholds::ThresholdConfig;
use async_trait::async_trait;
use omnify_core::{
    ActionStatus, ActionStore, PendingAction, ProposedChange, Provenance, Tool, ToolContext,
    ToolError, ToolOutput, ToolSpec, WriteAction,
};
use serde_json::json;
use std::sync::Arc;

pub struct ProposalTool {
    action: Arc<dyn WriteAction>,
    store: Arc<dyn ActionStore>,
    thresholds: ThresholdConfig,
}

impl ProposalTool {
    pub fn new(
        action: Arc<dyn WriteAction>,
        store: Arc<dyn ActionStore>,
        thresholds: ThresholdConfig,
    ) -> Self {
        Self {
            action,
            store,
            thresholds,
        }
    }
}

fn money(amount: &serde_json::Value, currency: &str) -> String {
    let number = amount
        .as_f64()
        .map(|v| format!("{v:.2}"))
        .unwrap_or_else(|| amount.to_string());
    if currency.is_empty() {
        number
    } else {
        format!("{number} {currency}")
    }
}

/// What the user reads before deciding.
pub fn describe(change: &ProposedChange, expert_reason: Option<&str>) -> String {
    let what = match change.kind.as_str() {
        "pause" => format!(
            "pause the campaign \u{201c}{}\u{201d} on {}",
            change.object_name, change.platform
        ),
        _ => format!(
            "change the daily budget of \u{201c}{}\u{201d} on {} from {} to {}{}",
            change.object_name,
            change.platform,
            money(&change.before["daily_budget"], &change.currency),
            money(&change.after["daily_budget"], &change.currency),
            change
                .change_pct
                .map(|p| format!(" ({p:+.0}%)"))
                .unwrap_or_default()
        ),
    };
    let mut text = format!(
        "Proposed, not done yet: {what}.\nExpected impact: {}",
        change.expected_impact
    );
    if !change.risks.is_empty() {
        text.push_str(&format!("\nRisks: {}", change.risks.join("; ")));
    }
    if !change.alternatives.is_empty() {
        text.push_str(&format!(
            "\nAlternatives: {}",
            change.alternatives.join("; ")
        ));
    }
    text.push_str(&format!("\nConfidence: {:.0}%.", change.confidence * 100.0));
    match expert_reason {
        Some(why) => text.push_str(&format!(
            "\nBecause {why}, an expert must approve it after you confirm. Reply \u{201c}confirm\u{201d} to send it for approval or \u{201c}cancel\u{201d} to drop it."
        )),
        None => text.push_str("\nReply \u{201c}confirm\u{201d} to apply it or \u{201c}cancel\u{201d} to drop it."),
    }
    text
}

#[async_trait]
impl Tool for ProposalTool {
    fn spec(&self) -> ToolSpec {
        self.action.spec()
    }

    async fn call(
        &self,
        ctx: &ToolContext,
        args: serde_json::Value,
    ) -> Result<ToolOutput, ToolError> {
        let change = self.action.propose(ctx, args).await?;
        let expert_reason = self.thresholds.expert_needed(&ctx.tenant_id, &change);
        let action = PendingAction {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: ctx.tenant_id.clone(),
            conversation_id: ctx.conversation_id.clone(),
            tool: self.action.spec().name,
            change: change.clone(),
            status: ActionStatus::Proposed,
            needs_expert: expert_reason.is_some(),
            approved_by: None,
            result: None,
            created_at: 0,
        };
        let failed = |e: omnify_core::StoreError| ToolError::Failed(e.to_string());
        self.store.create_action(&action).await.map_err(failed)?;
        let subject = format!("action:{}", action.id);
        let actor = ctx.user_id.clone().unwrap_or_else(|| "omnify".into());
        self.store
            .audit(&ctx.tenant_id, &actor, &subject, "proposed", &json!(change))
            .await
            .map_err(failed)?;
        Ok(ToolOutput {
            data: json!({"action_id": action.id, "status": "proposed", "needs_expert": action.needs_expert, "change": change}),
            summary: describe(&change, expert_reason.as_deref()),
            provenance: vec![Provenance {
                platform: change.platform.clone(),
                account: change.account.clone(),
                date_range: None,
                query: format!("proposal {} (nothing changed yet)", action.id),
            }],
            chart: None,
        })
    }
}
