//! Confirming, approving and executing proposed actions, each exactly once.

use omnify_core::{ActionStatus, ActionStore, PendingAction, StoreError, ToolContext, WriteAction};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("action {0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct ApprovalDesk {
    store: Arc<dyn ActionStore>,
    actions: HashMap<String, Arc<dyn WriteAction>>,
}

impl ApprovalDesk {
    pub fn new(store: Arc<dyn ActionStore>, actions: Vec<Arc<dyn WriteAction>>) -> Self {
        Self {
            store,
            actions: actions.into_iter().map(|a| (a.spec().name, a)).collect(),
        }
    }

    pub fn store(&self) -> &Arc<dyn ActionStore> {
        &self.store
    }

    /// The action, if it belongs to `tenant_id`.
    pub async fn get(&self, tenant_id: &str, id: &str) -> Result<PendingAction, ApprovalError> {
        self.store
            .action(id)
            .await?
            .filter(|a| a.tenant_id == tenant_id)
            .ok_or_else(|| ApprovalError::NotFound(id.to_string()))
    }

    async fn audit(
        &self,
        a: &PendingAction,
        actor: &str,
        event: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApprovalError> {
        Ok(self
            .store
            .audit(
                &a.tenant_id,
                actor,
                &format!("action:{}", a.id),
                event,
                &detail,
            )
            .await?)
    }

    /// The user agrees. A second confirmation (a double click) changes nothing.
    pub async fn confirm(
        &self,
        tenant_id: &str,
        id: &str,
        actor: &str,
    ) -> Result<PendingAction, ApprovalError> {
        let a = self.get(tenant_id, id).await?;
        let next = if a.needs_expert {
            ActionStatus::AwaitingExpert
        } else {
            ActionStatus::Approved
        };
        if !self
            .store
            .transition_action(id, ActionStatus::Proposed, next, None, None)
            .await?
        {
            return self.get(tenant_id, id).await;
        }
        self.audit(&a, actor, "confirmed", json!({"next": next}))
            .await?;
        // An action needing an expert waits in the experts' action queue; the
        // conversation itself stays with the bot.
        if next == ActionStatus::Approved {
            self.execute(&a).await?;
        }
        self.get(tenant_id, id).await
    }

    pub async fn cancel(
        &self,
        tenant_id: &str,
        id: &str,
        actor: &str,
    ) -> Result<PendingAction, ApprovalError> {
        let a = self.get(tenant_id, id).await?;
        for from in [ActionStatus::Proposed, ActionStatus::AwaitingExpert] {
            if self
                .store
                .transition_action(id, from, ActionStatus::Cancelled, None, None)
                .await?
            {
                self.audit(&a, actor, "cancelled", json!({})).await?;
                return self.get(tenant_id, id).await;
            }
        }
        Err(ApprovalError::Conflict(format!(
            "the action is already {}",
            a.status.as_str()
        )))
    }

    /// An expert approves; it executes at once.
    pub async fn approve(
        &self,
        tenant_id: &str,
        id: &str,
        expert: &str,
    ) -> Result<PendingAction, ApprovalError> {
        let a = self.get(tenant_id, id).await?;
        if !self
            .store
            .transition_action(
                id,
                ActionStatus::AwaitingExpert,
                ActionStatus::Approved,
                Some(expert),
                None,
            )
            .await?
        {
            return Err(ApprovalError::Conflict(format!(
                "the action is {}, not awaiting approval",
                a.status.as_str()
            )));
        }
        self.audit(&a, expert, "approved", json!({})).await?;
        self.execute(&a).await?;
        self.get(tenant_id, id).await
    }

    pub async fn reject(
        &self,
        tenant_id: &str,
        id: &str,
        expert: &str,
        reason: &str,
    ) -> Result<PendingAction, ApprovalError> {
        let a = self.get(tenant_id, id).await?;
        let moved = self
            .store
            .transition_action(
                id,
                ActionStatus::AwaitingExpert,
                ActionStatus::Rejected,
                Some(expert),
                Some(reason),
            )
            .await?;
        if !moved {
            return Err(ApprovalError::Conflict(format!(
                "the action is {}, not awaiting approval",
                a.status.as_str()
            )));
        }
        self.audit(&a, expert, "rejected", json!({"reason": reason}))
            .await?;
        self.get(tenant_id, id).await
    }

    /// Run an approved action once: only the caller that moves it from `approved` to
    /// `executing` runs it, and the platform call carries the action id as its
    /// idempotency key.
    async fn execute(&self, a: &PendingAction) -> Result<(), ApprovalError> {
        if !self
            .store
            .transition_action(
                &a.id,
                ActionStatus::Approved,
                ActionStatus::Executing,
                None,
                None,
            )
            .await?
        {
            return Ok(());
        }
        let Some(action) = self.actions.get(&a.tool) else {
            let why = format!("no action named {}", a.tool);
            self.store
                .transition_action(
                    &a.id,
                    ActionStatus::Executing,
                    ActionStatus::Failed,
                    None,
                    Some(&why),
                )
                .await?;
            return Ok(());
        };
        let ctx = ToolContext {
            tenant_id: a.tenant_id.clone(),
            conversation_id: a.conversation_id.clone(),
            user_id: None,
            today: chrono::Utc::now().date_naive(),
        };
        let (status, result) = match action.execute(&ctx, &a.change, &a.id).await {
            Ok(done) => (ActionStatus::Executed, done),
            Err(e) => (ActionStatus::Failed, e.to_string()),
        };
        self.store
            .transition_action(&a.id, ActionStatus::Executing, status, None, Some(&result))
            .await?;
        self.audit(
            a,
            "omnify",
            status.as_str(),
            json!({"result": result, "idempotency_key": a.id}),
        )
        .await?;
        tracing::info!(action_id = %a.id, status = status.as_str(), "write action finished");
        Ok(())
    }
}

/// Whether a short reply to a proposal agrees (`Some(true)`), declines
/// (`Some(false)`) or is about something else (`None`, the model answers it).
pub fn reads_as_decision(message: &str) -> Option<bool> {
    let m = message.trim().trim_end_matches(['.', '!']).to_lowercase();
    const YES: &[&str] = &[
        "confirm",
        "confirmed",
        "yes",
        "yes please",
        "do it",
        "go ahead",
        "approve",
        "ok do it",
        "apply it",
        "yes, do it",
        "yes confirm",
    ];
    const NO: &[&str] = &[
        "cancel",
        "no",
        "don't",
        "do not",
        "stop",
        "never mind",
        "nevermind",
        "drop it",
        "no thanks",
    ];
    if YES.contains(&m.as_str()) {
        Some(true)
    } else if NO.contains(&m.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// What the user is told about an action after they decided.
pub fn status_sentence(a: &PendingAction) -> String {
    let what = format!(
        "{} on \u{201c}{}\u{201d} ({})",
        a.change.kind.replace('_', " "),
        a.change.object_name,
        a.change.platform
    );
    match a.status {
        ActionStatus::Executed => format!("Done: {what}. {}", a.result.clone().unwrap_or_default()),
        ActionStatus::AwaitingExpert => format!(
            "Confirmed. Because it is above your team's limits, I've sent the {what} to an expert for approval; it will be applied once they approve."
        ),
        ActionStatus::Failed => format!(
            "The {what} failed and nothing was changed: {}",
            a.result.clone().unwrap_or_default()
        ),
        ActionStatus::Cancelled => format!("Cancelled: the {what} will not be made."),
        ActionStatus::Rejected => format!(
            "An expert rejected the {what}: {}",
            a.result.clone().unwrap_or_default()
        ),
        other => format!("The {what} is {}.", other.as_str().replace('_', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::reads_as_decision;

    #[test]
    fn only_short_clear_answers_decide() {
        assert_eq!(reads_as_decision("Confirm"), Some(true));
        assert_eq!(reads_as_decision("yes, do it!"), Some(true));
        assert_eq!(reads_as_decision("cancel"), Some(false));
        assert_eq!(reads_as_decision("no"), Some(false));
        assert_eq!(reads_as_decision("yes but what about TikTok?"), None);
        assert_eq!(reads_as_decision("how did Meta do?"), None);
    }
}
