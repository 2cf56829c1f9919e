//! `pause_campaign`: propose pausing one campaign.

use super::{WRITABLE_PLATFORMS, find_campaign, recent_daily};
use crate::connections::ClientDirectory;
use crate::connectors::CampaignBudget;
use async_trait::async_trait;
use omnify_core::{ProposedChange, ToolContext, ToolError, ToolSpec, WriteAction, parse_args};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct PauseCampaignAction {
    directory: Arc<dyn ClientDirectory>,
}

impl PauseCampaignAction {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    platform: String,
    campaign: String,
}

#[async_trait]
impl WriteAction for PauseCampaignAction {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "pause_campaign".into(),
            description: "Propose pausing one ad campaign. Nothing changes until the user confirms (and an expert \
                approves, where the team requires it)."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": WRITABLE_PLATFORMS},
                    "campaign": {"type": "string", "description": "The campaign's name (or id) as the user said it."}
                },
                "required": ["platform", "campaign"],
                "additionalProperties": false
            }),
            keywords: ["pause", "stop campaign", "turn off", "switch off", "pause campaign"].iter().map(|k| k.to_string()).collect(),
        }
    }

    async fn propose(&self, ctx: &ToolContext, args: Value) -> Result<ProposedChange, ToolError> {
        let args: Args = parse_args(args)?;
        let (client, campaign) =
            find_campaign(&self.directory, ctx, &args.platform, &args.campaign).await?;
        let (impact, confidence) = match recent_daily(&client, &campaign.id, ctx.today).await {
            Some((spend, revenue)) => (
                format!(
                    "it stops about {spend:.2}/day of spend and the {revenue:.2}/day of revenue the platform attributes to it (some of which other channels may pick up)"
                ),
                0.7,
            ),
            None => (
                "it had no delivery in the last 7 days, so little changes".to_string(),
                0.8,
            ),
        };
        Ok(ProposedChange {
            platform: client.key().to_string(),
            account: client.account_id().to_string(),
            object_id: campaign.id.clone(),
            object_name: campaign.name.clone(),
            kind: "pause".into(),
            before: json!({"status": campaign.status, "budget_ref": campaign.budget_ref}),
            after: json!({"status": "PAUSED"}),
            change_pct: None,
            daily_amount_change: None,
            currency: campaign.currency.clone(),
            expected_impact: impact,
            risks: vec![
                "restarting later can put the campaign back into its learning phase".to_string(),
            ],
            alternatives: vec![
                "lower the budget by 30–50% to keep learning while spending less".to_string(),
            ],
            confidence,
        })
    }

    async fn execute(
        &self,
        ctx: &ToolContext,
        change: &ProposedChange,
        _idempotency_key: &str,
    ) -> Result<String, ToolError> {
        // Pausing a paused campaign is a no-op on every platform, so a retry is safe.
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let client = clients
            .ads()
            .get(&change.platform)
            .cloned()
            .ok_or_else(|| {
                ToolError::NotConnected(format!("{} is not connected", change.platform))
            })?;
        let campaign = CampaignBudget {
            id: change.object_id.clone(),
            name: change.object_name.clone(),
            status: String::new(),
            daily_budget: None,
            currency: change.currency.clone(),
            budget_ref: None,
        };
        client.pause_campaign(&campaign).await?;
        Ok(format!("{} is paused.", change.object_name))
    }
}
