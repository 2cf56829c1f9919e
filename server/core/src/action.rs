//! Actions that change a platform (a budget, a pause). They never run when the model
//! asks: the model's call makes a *proposal*, the user confirms it, an expert approves
//! it when it is above the tenant's thresholds, and only then does it execute, once.

use crate::model::ToolSpec;
use crate::store::StoreError;
use crate::tool::{ToolContext, ToolError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What an action would do, shown to the user before anything happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedChange {
    pub platform: String,
    pub account: String,
    pub object_id: String,
    pub object_name: String,
    /// `budget_change` or `pause`.
    pub kind: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    /// Relative change of a budget, in percent.
    pub change_pct: Option<f64>,
    /// Change of the daily amount, in the account currency.
    pub daily_amount_change: Option<f64>,
    pub currency: String,
    /// Expected effect with its uncertainty, in words.
    pub expected_impact: String,
    pub risks: Vec<String>,
    pub alternatives: Vec<String>,
    /// 0 to 1: how sure the proposal is about its expected impact.
    pub confidence: f64,
}

/// A write a tool can propose and, once approved, execute.
#[async_trait]
pub trait WriteAction: Send + Sync {
    fn spec(&self) -> ToolSpec;
    /// Read what is needed (the current budget) and describe the change. No writes.
    async fn propose(
        &self,
        ctx: &ToolContext,
        args: serde_json::Value,
    ) -> Result<ProposedChange, ToolError>;
    /// Apply the change. `idempotency_key` is the same for every attempt at one action.
    async fn execute(
        &self,
        ctx: &ToolContext,
        change: &ProposedChange,
        idempotency_key: &str,
    ) -> Result<String, ToolError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Waiting for the user to confirm.
    Proposed,
    /// The user confirmed; an expert must approve too.
    AwaitingExpert,
    /// Everyone agreed; about to run.
    Approved,
    Executing,
    Executed,
    Failed,
    Rejected,
    Cancelled,
}

impl ActionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::AwaitingExpert => "awaiting_expert",
            Self::Approved => "approved",
            Self::Executing => "executing",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Proposed,
            Self::AwaitingExpert,
            Self::Approved,
            Self::Executing,
            Self::Executed,
            Self::Failed,
            Self::Rejected,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAction {
    pub id: String,
    pub tenant_id: String,
    pub conversation_id: String,
    pub tool: String,
    pub change: ProposedChange,
    pub status: ActionStatus,
    /// Above the tenant's thresholds: an expert must approve as well.
    pub needs_expert: bool,
    pub approved_by: Option<String>,
    pub result: Option<String>,
    pub created_at: i64,
}

#[async_trait]
pub trait ActionStore: Send + Sync {
    async fn create_action(&self, action: &PendingAction) -> Result<(), StoreError>;
    async fn action(&self, id: &str) -> Result<Option<PendingAction>, StoreError>;
    /// Move `from` → `to` if and only if the action is in `from`: the guard that makes a
    /// double click or two approvers race harmlessly. True when this call moved it.
    async fn transition_action(
        &self,
        id: &str,
        from: ActionStatus,
        to: ActionStatus,
        approved_by: Option<&str>,
        result: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// The newest action of a conversation still waiting for the user.
    async fn proposed_action_for(
        &self,
        conversation_id: &str,
    ) -> Result<Option<PendingAction>, StoreError>;
    /// Append to the audit log; nothing in it is ever updated or deleted.
    async fn audit(
        &self,
        tenant_id: &str,
        actor: &str,
        subject: &str,
        event: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError>;
}
