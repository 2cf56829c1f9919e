//! Opening escalations, routing them, and re-routing the ones nobody claimed in time.

use super::policy::{PolicyConfig, Trigger};
use super::routing::{route, skill_for};
use omnify_core::{Escalation, EscalationStore, NewEscalation, StoreError, Urgency};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long an escalation may wait to be claimed, by urgency.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaPolicy {
    pub urgent_secs: u64,
    pub high_secs: u64,
    pub normal_secs: u64,
    pub low_secs: u64,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        Self {
            urgent_secs: 5 * 60,
            high_secs: 15 * 60,
            normal_secs: 60 * 60,
            low_secs: 4 * 60 * 60,
        }
    }
}

impl SlaPolicy {
    pub fn for_urgency(&self, urgency: Urgency) -> Duration {
        Duration::from_secs(match urgency {
            Urgency::Urgent => self.urgent_secs,
            Urgency::High => self.high_secs,
            Urgency::Normal => self.normal_secs,
            Urgency::Low => self.low_secs,
        })
    }
}

/// What the desk did, for surfaces that notify experts (Slack, the console).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEvent {
    Opened(Escalation),
    Rerouted {
        escalation: Escalation,
        reason: String,
    },
    /// Nobody could take it: the fallback group must be paged.
    Paged {
        escalation: Escalation,
        reason: String,
    },
}

pub struct EscalationDesk {
    store: Arc<dyn EscalationStore>,
    sla: SlaPolicy,
    policy: PolicyConfig,
    events: broadcast::Sender<DeskEvent>,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl EscalationDesk {
    pub fn new(store: Arc<dyn EscalationStore>, sla: SlaPolicy, policy: PolicyConfig) -> Self {
        Self {
            store,
            sla,
            policy,
            events: broadcast::channel(256).0,
        }
    }

    pub fn policy(&self) -> &PolicyConfig {
        &self.policy
    }

    pub fn store(&self) -> &Arc<dyn EscalationStore> {
        &self.store
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    pub fn sla(&self) -> &SlaPolicy {
        &self.sla
    }

    /// Open (or return the already open) escalation for a conversation and route it.
    /// `topic` is what the conversation is about, for choosing the skill.
    pub async fn escalate(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        trigger: &Trigger,
        source: &str,
        topic: &str,
    ) -> Result<Escalation, StoreError> {
        let skill = skill_for(trigger.kind, topic);
        let now = chrono::Utc::now();
        let decision = route(
            &self.store.experts().await?,
            &self.store.expert_loads().await?,
            tenant_id,
            skill,
            now,
            &[],
        );
        let new = NewEscalation {
            tenant_id: tenant_id.to_string(),
            conversation_id: conversation_id.to_string(),
            kind: trigger.kind,
            reason: trigger.reason.clone(),
            urgency: trigger.urgency,
            source: source.to_string(),
            skill: skill.to_string(),
            assigned_expert_id: decision.expert_id.clone(),
            sla_due_at: now.timestamp_micros() + micros(self.sla.for_urgency(trigger.urgency)),
        };
        let (escalation, created) = self.store.open_escalation(&new).await?;
        if created {
            let opened = format!("{} via {source}: {}", trigger.kind.as_str(), trigger.reason);
            self.store
                .log_event(&escalation.id, "opened", &opened)
                .await?;
            self.store
                .log_event(&escalation.id, "routed", &decision.reason)
                .await?;
            tracing::info!(escalation_id = %escalation.id, conversation_id, kind = trigger.kind.as_str(), decision = %decision.reason, "escalated to a human");
            let event = if decision.expert_id.is_some() {
                DeskEvent::Opened(escalation.clone())
            } else {
                DeskEvent::Paged {
                    escalation: escalation.clone(),
                    reason: decision.reason,
                }
            };
            let _ = self.events.send(event);
        }
        Ok(escalation)
    }

    /// Re-route every escalation whose claim deadline has passed; page the fallback
    /// group when nobody else can take it. Returns how many were handled.
    pub async fn reroute_overdue(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StoreError> {
        let overdue = self.store.overdue(now.timestamp_micros()).await?;
        if overdue.is_empty() {
            return Ok(0);
        }
        let experts = self.store.experts().await?;
        let loads = self.store.expert_loads().await?;
        for escalation in &overdue {
            let tried: Vec<String> = escalation.assigned_expert_id.iter().cloned().collect();
            let decision = route(
                &experts,
                &loads,
                &escalation.tenant_id,
                &escalation.skill,
                now,
                &tried,
            );
            let next_due =
                now.timestamp_micros() + micros(self.sla.for_urgency(escalation.urgency));
            self.store
                .reassign(&escalation.id, decision.expert_id.as_deref(), next_due)
                .await?;
            let (kind, event) = match &decision.expert_id {
                Some(_) => (
                    "rerouted",
                    DeskEvent::Rerouted {
                        escalation: escalation.clone(),
                        reason: decision.reason.clone(),
                    },
                ),
                None => (
                    "paged",
                    DeskEvent::Paged {
                        escalation: escalation.clone(),
                        reason: decision.reason.clone(),
                    },
                ),
            };
            let detail = format!("not claimed within the SLA; {}", decision.reason);
            self.store.log_event(&escalation.id, kind, &detail).await?;
            tracing::warn!(escalation_id = %escalation.id, %detail, "escalation SLA missed");
            let _ = self.events.send(event);
        }
        Ok(overdue.len())
    }
}
