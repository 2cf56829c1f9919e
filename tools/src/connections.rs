//! Which platform clients a tenant has: the seam between tools and connections.
//!
//! Tools never hold clients themselves. They ask a [`ClientDirectory`] for the calling
//! tenant's [`PlatformClients`] on every call, so a connection added, refreshed or
//! removed takes effect at the next question. The server implements the directory
//! from stored, encrypted credentials; [`SharedClients`] serves one set to everyone
//! (the demo and single-tenant deployments).

use crate::connectors::AdPlatforms;
use async_trait::async_trait;
use omnify_core::ToolError;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The clients of one tenant's connected platforms.
#[derive(Clone, Default)]
pub struct PlatformClients {
    ads: AdPlatforms,
    /// Non-ad platforms (Shopify, Stripe, HubSpot…), each under its registry key with
    /// its own client type; read back with [`PlatformClients::get`].
    others: BTreeMap<&'static str, Arc<dyn Any + Send + Sync>>,
}

impl PlatformClients {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn ads(&self) -> &AdPlatforms {
        &self.ads
    }

    pub fn ads_mut(&mut self) -> &mut AdPlatforms {
        &mut self.ads
    }

    /// Add the client of a non-ad platform under its key, e.g. `("shopify", client)`.
    pub fn insert<T: Any + Send + Sync>(&mut self, platform: &'static str, client: Arc<T>) {
        self.others.insert(platform, client);
    }

    /// The client stored under `platform`, if it is connected and of type `T`.
    pub fn get<T: Any + Send + Sync>(&self, platform: &str) -> Option<Arc<T>> {
        self.others
            .get(platform)
            .cloned()
            .and_then(|c| c.downcast::<T>().ok())
    }

    /// Registry keys of every connected platform, ads first.
    pub fn connected(&self) -> Vec<&'static str> {
        self.ads.keys().chain(self.others.keys().copied()).collect()
    }
}

impl std::fmt::Debug for PlatformClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.connected()).finish()
    }
}

#[async_trait]
pub trait ClientDirectory: Send + Sync {
    /// The clients for `tenant_id`'s connected platforms (possibly none).
    async fn clients(&self, tenant_id: &str) -> Result<Arc<PlatformClients>, ToolError>;
}

/// The same clients for every tenant.
#[derive(Debug, Clone)]
pub struct SharedClients(pub Arc<PlatformClients>);

#[async_trait]
impl ClientDirectory for SharedClients {
    async fn clients(&self, _tenant_id: &str) -> Result<Arc<PlatformClients>, ToolError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Shop(&'static str);

    #[test]
    fn typed_clients_come_back_by_key_and_type() {
        let mut clients = PlatformClients::new();
        clients.insert("shopify", Arc::new(Shop("trailhead.myshopify.com")));
        assert_eq!(
            clients.get::<Shop>("shopify").map(|s| s.0),
            Some("trailhead.myshopify.com")
        );
        assert!(clients.get::<String>("shopify").is_none(), "wrong type");
        assert!(clients.get::<Shop>("stripe").is_none(), "not connected");
        assert_eq!(clients.connected(), ["shopify"]);
    }
}
