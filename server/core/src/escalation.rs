//! Handing a conversation to a human expert: the kinds of intervention, the experts,
//! and what the escalation desk needs from storage.

use crate::conversation::ConversationMode;
use crate::store::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Why a human is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    /// The user asked for a person.
    HumanRequested,
    /// A write action, or a recommendation above the money threshold.
    HighStakesDecision,
    /// No grounded answer, tools failing, or the model says it cannot.
    LowConfidence,
    /// Repeated rephrasing or negative sentiment.
    Frustration,
    /// GDPR/CCPA requests, legal or policy questions.
    CompliancePrivacy,
    /// A connection is broken and the user needs it.
    IntegrationFailure,
    BillingAccount,
}

impl InterventionKind {
    pub const ALL: [InterventionKind; 7] = [
        Self::HumanRequested,
        Self::HighStakesDecision,
        Self::LowConfidence,
        Self::Frustration,
        Self::CompliancePrivacy,
        Self::IntegrationFailure,
        Self::BillingAccount,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::HumanRequested => "human_requested",
            Self::HighStakesDecision => "high_stakes_decision",
            Self::LowConfidence => "low_confidence",
            Self::Frustration => "frustration",
            Self::CompliancePrivacy => "compliance_privacy",
            Self::IntegrationFailure => "integration_failure",
            Self::BillingAccount => "billing_account",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    High,
    Urgent,
}

impl Urgency {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Low, Self::Normal, Self::High, Self::Urgent]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStatus {
    /// Routed, nobody has claimed it yet.
    Waiting,
    /// An expert owns the conversation.
    Claimed,
    /// Done; the bot has the conversation back with the expert's summary.
    Resolved,
    /// Done; the conversation is closed.
    Closed,
}

impl EscalationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Claimed => "claimed",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Waiting, Self::Claimed, Self::Resolved, Self::Closed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expert {
    pub id: String,
    pub name: String,
    pub email: String,
    pub skills: Vec<String>,
    /// Tenant ids served; `["*"]` for all.
    pub tenants: Vec<String>,
    pub utc_offset_minutes: i64,
    pub work_start_hour: i64,
    pub work_end_hour: i64,
    pub capacity: i64,
    /// available | away | offline
    pub status: String,
    pub slack_user_id: Option<String>,
}

impl Expert {
    pub fn serves(&self, tenant_id: &str) -> bool {
        self.tenants.iter().any(|t| t == "*" || t == tenant_id)
    }

    /// Whether `now` falls in the expert's working hours, in their own time zone.
    pub fn is_working(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::Timelike;
        let local = now + chrono::Duration::minutes(self.utc_offset_minutes);
        let hour = i64::from(local.hour());
        if self.work_start_hour <= self.work_end_hour {
            (self.work_start_hour..self.work_end_hour).contains(&hour)
        } else {
            // Overnight shifts, e.g. 22 to 6.
            hour >= self.work_start_hour || hour < self.work_end_hour
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub id: String,
    pub tenant_id: String,
    pub conversation_id: String,
    pub kind: InterventionKind,
    pub reason: String,
    pub urgency: Urgency,
    pub source: String,
    pub status: EscalationStatus,
    pub assigned_expert_id: Option<String>,
    pub expert_id: Option<String>,
    pub skill: String,
    /// Microseconds since the epoch.
    pub sla_due_at: i64,
    pub reroutes: i64,
    pub resolution: Option<String>,
    pub created_at: i64,
}

/// What opening an escalation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEscalation {
    pub tenant_id: String,
    pub conversation_id: String,
    pub kind: InterventionKind,
    pub reason: String,
    pub urgency: Urgency,
    pub source: String,
    pub skill: String,
    pub assigned_expert_id: Option<String>,
    pub sla_due_at: i64,
}

#[async_trait]
pub trait EscalationStore: Send + Sync {
    /// Open it and move the conversation to `waiting_for_expert`, in one transaction.
    /// If the conversation already has an open escalation, that one is returned.
    async fn open_escalation(&self, new: &NewEscalation) -> Result<(Escalation, bool), StoreError>;
    async fn escalation(&self, id: &str) -> Result<Option<Escalation>, StoreError>;
    async fn open_escalation_for(
        &self,
        conversation_id: &str,
    ) -> Result<Option<Escalation>, StoreError>;
    async fn experts(&self) -> Result<Vec<Expert>, StoreError>;
    /// Open escalations (waiting assigned, or claimed) per expert id.
    async fn expert_loads(&self) -> Result<std::collections::HashMap<String, i64>, StoreError>;
    async fn reassign(
        &self,
        id: &str,
        expert_id: Option<&str>,
        sla_due_at: i64,
    ) -> Result<(), StoreError>;
    /// Claim a waiting escalation; false if someone else already has it.
    async fn claim(&self, id: &str, expert_id: &str) -> Result<bool, StoreError>;
    /// Finish a claimed escalation, writing the expert's summary into the conversation.
    async fn resolve(
        &self,
        id: &str,
        expert_id: &str,
        summary: &str,
        then: ConversationMode,
    ) -> Result<bool, StoreError>;
    async fn overdue(&self, now_us: i64) -> Result<Vec<Escalation>, StoreError>;
    async fn log_event(
        &self,
        escalation_id: &str,
        kind: &str,
        detail: &str,
    ) -> Result<(), StoreError>;
    /// Summaries of this conversation's resolved escalations, oldest first.
    async fn expert_notes(&self, conversation_id: &str) -> Result<Vec<String>, StoreError>;
}
