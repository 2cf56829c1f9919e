//! `change_campaign_budget`: propose a new daily budget for one campaign.

use super::{WRITABLE_PLATFORMS, find_campaign, recent_daily};
use crate::connections::ClientDirectory;
use crate::connectors::CampaignBudget;
use async_trait::async_trait;
use omnify_core::{ProposedChange, ToolContext, ToolError, ToolSpec, WriteAction, parse_args};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Returns to extra spend fall off: revenue grows roughly as spend^b with b between
/// these (the range seen across paid-social and search campaigns), 0.6 most likely.
const ELASTICITY: (f64, f64, f64) = (0.4, 0.6, 0.8);

pub struct ChangeBudgetAction {
    directory: Arc<dyn ClientDirectory>,
}

impl ChangeBudgetAction {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    platform: String,
    campaign: String,
    change_percent: Option<f64>,
    new_daily_budget: Option<f64>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[async_trait]
impl WriteAction for ChangeBudgetAction {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "change_campaign_budget".into(),
            description: "Propose a new daily budget for one ad campaign (raise, lower or set it). Nothing changes until \
                the user confirms, and an expert approves changes above the team's limits. Give either change_percent \
                (+20 to raise by 20%, -15 to cut) or new_daily_budget."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": WRITABLE_PLATFORMS},
                    "campaign": {"type": "string", "description": "The campaign's name (or id) as the user said it."},
                    "change_percent": {"type": "number", "description": "Relative change in percent, e.g. 20 or -15."},
                    "new_daily_budget": {"type": "number", "description": "The new daily budget in the account currency."}
                },
                "required": ["platform", "campaign"],
                "additionalProperties": false
            }),
            keywords: ["budget", "raise budget", "increase budget", "lower budget", "cut budget", "scale", "daily budget", "raise", "increase"]
                .iter()
                .map(|k| k.to_string())
                .collect(),
        }
    }

    async fn propose(&self, ctx: &ToolContext, args: Value) -> Result<ProposedChange, ToolError> {
        let args: Args = parse_args(args)?;
        let (client, campaign) =
            find_campaign(&self.directory, ctx, &args.platform, &args.campaign).await?;
        let before = campaign
            .daily_budget
            .and_then(|d| d.to_f64())
            .ok_or_else(|| {
                ToolError::BadArguments(format!(
                    "{} has no daily budget to change (it may use a lifetime or ad-set budget)",
                    campaign.name
                ))
            })?;
        let after = match (args.change_percent, args.new_daily_budget) {
            (Some(pct), None) => round2(before * (1.0 + pct / 100.0)),
            (None, Some(amount)) => round2(amount),
            _ => {
                return Err(ToolError::BadArguments(
                    "give exactly one of change_percent or new_daily_budget".into(),
                ));
            }
        };
        if after <= 0.0 {
            return Err(ToolError::BadArguments(
                "a daily budget must stay above zero; to stop spending, pause the campaign".into(),
            ));
        }
        let pct = (after / before - 1.0) * 100.0;
        let ratio = after / before;
        let (expected_impact, confidence) = match recent_daily(&client, &campaign.id, ctx.today)
            .await
        {
            Some((spend, revenue)) if spend > 0.0 => {
                let change = |b: f64| revenue * (ratio.powf(b) - 1.0);
                format!(
                    "over the last 7 days it spent {spend:.2}/day for {revenue:.2}/day revenue (ROAS {:.2}). With diminishing returns, \
                     expect revenue to change by about {:+.2}/day (likely between {:+.2} and {:+.2}), so the extra spend returns less than the average",
                    revenue / spend,
                    change(ELASTICITY.1),
                    change(ELASTICITY.0),
                    change(ELASTICITY.2)
                )
                .pipe(|t| (t, 0.6))
            }
            _ => (
                "no recent delivery to estimate from; the effect is unknown".to_string(),
                0.3,
            ),
        };
        let risks = if pct > 0.0 {
            vec![
                "big jumps (over about 20%) can restart the platform's learning phase and raise CPA for a few days".to_string(),
                "the extra spend buys the least efficient impressions first, so marginal ROAS is below the average".to_string(),
            ]
        } else {
            vec![
                "less delivery: fewer conversions, and a later increase can restart learning"
                    .to_string(),
            ]
        };
        let alternatives = if pct > 20.0 {
            vec![
                "raise it by 20% now and again in 3 days if CPA holds".to_string(),
                "move budget from the campaign with the lowest ROAS instead of adding spend"
                    .to_string(),
            ]
        } else if pct > 0.0 {
            vec![
                "move budget from the campaign with the lowest ROAS instead of adding spend"
                    .to_string(),
            ]
        } else {
            vec!["pause the weakest ad sets instead of cutting the whole campaign".to_string()]
        };
        Ok(ProposedChange {
            platform: client.key().to_string(),
            account: client.account_id().to_string(),
            object_id: campaign.id.clone(),
            object_name: campaign.name.clone(),
            kind: "budget_change".into(),
            before: json!({"daily_budget": before, "budget_ref": campaign.budget_ref, "status": campaign.status}),
            after: json!({"daily_budget": after}),
            change_pct: Some((pct * 10.0).round() / 10.0),
            daily_amount_change: Some(round2(after - before)),
            currency: campaign.currency.clone(),
            expected_impact,
            risks,
            alternatives,
            confidence,
        })
    }

    async fn execute(
        &self,
        ctx: &ToolContext,
        change: &ProposedChange,
        _idempotency_key: &str,
    ) -> Result<String, ToolError> {
        // Setting an absolute budget is idempotent on every platform: a retry with the
        // same key sets the same value, so the key needs no platform support.
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let client = clients
            .ads()
            .get(&change.platform)
            .cloned()
            .ok_or_else(|| {
                ToolError::NotConnected(format!("{} is not connected", change.platform))
            })?;
        let amount = change.after["daily_budget"]
            .as_f64()
            .and_then(Decimal::from_f64)
            .map(|d| d.round_dp(2))
            .ok_or_else(|| ToolError::Failed("the approved amount is missing".into()))?;
        let campaign = CampaignBudget {
            id: change.object_id.clone(),
            name: change.object_name.clone(),
            status: String::new(),
            daily_budget: None,
            currency: change.currency.clone(),
            budget_ref: change.before["budget_ref"].as_str().map(str::to_string),
        };
        client.set_daily_budget(&campaign, amount).await?;
        Ok(format!(
            "The daily budget of {} is now {amount}.",
            change.object_name
        ))
    }
}

/// `value.pipe(f)`: keeps the format! above readable.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}
