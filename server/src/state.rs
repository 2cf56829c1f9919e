//! The state every request handler shares.

use crate::api::limits::RateLimiter;
use crate::cache::TtlCache;
use crate::config::Settings;
use crate::connections::Connections;
use crate::hub::ConversationHub;
use omnify_agent::escalation::EscalationDesk;
use omnify_agent::{Agent, TenantFacts};
use omnify_store::ApiKeyIdentity;
use omnify_store::SqlStore;
use omnify_tools::ClientDirectory;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// Built once at start-up by [`crate::startup`]; cheap to clone into handlers.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Tenants, keys, conversations, messages, tool calls, usage.
    pub store: SqlStore,
    /// The turn loop with its model, tools and limits.
    pub agent: Arc<Agent>,
    /// Each tenant's platform connections and the clients built from them.
    pub connections: Arc<Connections>,
    pub limiter: Arc<RateLimiter>,
    /// One turn at a time per conversation, so history stays in order.
    pub turn_locks: Arc<TurnLocks>,
    /// Opens, routes and re-routes escalations to human experts.
    pub desk: Arc<EscalationDesk>,
    /// Live delivery of expert messages and hand-offs to watching sockets.
    pub hub: Arc<ConversationHub>,
    /// Proposed write actions: confirm, approve, execute once, audit.
    pub approvals: Arc<omnify_agent::approvals::ApprovalDesk>,
    /// Who API keys belong to, by the key's SHA-256 (at most 30 s stale).
    pub key_cache: Arc<TtlCache<String, ApiKeyIdentity>>,
    /// Tenants' names for the system prompt.
    pub tenant_names: Arc<TtlCache<String, String>>,
    /// The web-chat widget: visitor-token key, session limits, the demo tenant.
    pub widget: Arc<crate::widget::Widget>,
    /// The tenants' knowledge bases; `None` when `knowledge.enabled` is off.
    pub knowledge: Option<Arc<omnify_knowledge::KnowledgeBase>>,
    /// Signs the links citations carry to their documents (`/kb/…`).
    pub document_links: Arc<omnify_knowledge::links::DocumentLinks>,
}

impl AppState {
    /// What the model is told about the tenant.
    pub async fn tenant_facts(
        &self,
        tenant_id: &str,
    ) -> Result<TenantFacts, omnify_core::StoreError> {
        let name = match self.tenant_names.get(&tenant_id.to_string()) {
            Some(name) => name,
            None => {
                let name = self
                    .store
                    .tenant(tenant_id)
                    .await?
                    .map(|t| t.name)
                    .unwrap_or_else(|| "your".to_string());
                self.tenant_names
                    .insert(tenant_id.to_string(), name.clone());
                name
            }
        };
        let connected = match self.connections.clients(tenant_id).await {
            Ok(clients) => clients
                .connected()
                .into_iter()
                .map(str::to_string)
                .collect(),
            Err(e) => {
                tracing::error!(tenant_id, error = %e, "cannot load the tenant's connections");
                Vec::new()
            }
        };
        Ok(TenantFacts {
            name,
            currency: "USD".into(),
            connected_platforms: connected,
            notes: Vec::new(),
        })
    }
}

/// A mutex per conversation, created on demand and dropped when nobody holds it.
#[derive(Default)]
pub struct TurnLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl TurnLocks {
    pub fn get(&self, conversation_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let Ok(mut locks) = self.locks.lock() else {
            return Arc::new(tokio::sync::Mutex::new(()));
        };
        if let Some(lock) = locks.get(conversation_id).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() > 1024 {
            locks.retain(|_, w| w.strong_count() > 0);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(conversation_id.to_string(), Arc::downgrade(&lock));
        lock
    }
}
