//! Tenants' platform connections: stored sealed, opened only to build clients.
//!
//! [`Connections`] is the server's [`ClientDirectory`]: for each tenant it starts from
//! the default clients (the sandbox emulators in the demo, or credentials from the
//! config file for single-tenant set-ups) and replaces them with the tenant's own
//! connections. Results are cached per tenant and dropped whenever a connection
//! changes.

pub mod keys;
pub mod platforms;

use async_trait::async_trait;
use omnify_core::{Secret, StoreError, ToolError};
use omnify_store::secret_box::SecretBox;
use omnify_store::{ConnectionInfo, SqlStore};
use omnify_tools::{ClientDirectory, PlatformClients};
use omnify_tools::{TokenListener, TokenPair};
use platforms::{BuildContext, ConnectError, Credentials, PlatformConnector};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("unknown platform {0:?}")]
    UnknownPlatform(String),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("connection {0} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored credentials cannot be opened: {0}")]
    Sealed(String),
}

pub struct Connections {
    store: SqlStore,
    secret_box: Arc<SecretBox>,
    connectors: HashMap<&'static str, Arc<dyn PlatformConnector>>,
    defaults: PlatformClients,
    cache: Mutex<HashMap<String, Arc<PlatformClients>>>,
    today: chrono::NaiveDate,
}

/// Binds sealed credentials to their row, so they cannot be moved to another tenant.
fn seal_context(tenant_id: &str, platform: &str, account_id: &str) -> String {
    format!("{tenant_id}/{platform}/{account_id}")
}

impl Connections {
    pub fn new(
        store: SqlStore,
        secret_box: SecretBox,
        connectors: Vec<Arc<dyn PlatformConnector>>,
        defaults: PlatformClients,
        today: chrono::NaiveDate,
    ) -> Self {
        Self {
            store,
            secret_box: Arc::new(secret_box),
            connectors: connectors.into_iter().map(|c| (c.key(), c)).collect(),
            defaults,
            cache: Mutex::new(HashMap::new()),
            today,
        }
    }

    pub fn connector(
        &self,
        platform: &str,
    ) -> Result<&Arc<dyn PlatformConnector>, ConnectionError> {
        self.connectors
            .get(platform)
            .ok_or_else(|| ConnectionError::UnknownPlatform(platform.to_string()))
    }

    /// Connectable platforms with the credential fields each needs, sorted by key.
    pub fn catalogue(&self) -> Vec<(&'static str, &'static str, &'static [&'static str])> {
        let mut all: Vec<_> = self
            .connectors
            .values()
            .map(|c| (c.key(), c.display_name(), c.required_fields()))
            .collect();
        all.sort();
        all
    }

    fn invalidate(&self, tenant_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(tenant_id);
        }
    }

    /// Check the credentials build a client, then store them sealed.
    pub async fn connect(
        &self,
        tenant_id: &str,
        platform: &str,
        account_id: &str,
        label: &str,
        credentials: &Credentials,
    ) -> Result<ConnectionInfo, ConnectionError> {
        let connector = self.connector(platform)?;
        connector.add_client(
            &mut PlatformClients::new(),
            account_id,
            credentials,
            &BuildContext::default(),
        )?;
        let plaintext = Secret::new(serde_json::Value::Object(credentials.clone()).to_string());
        let sealed = self
            .secret_box
            .seal(&plaintext, &seal_context(tenant_id, platform, account_id))
            .map_err(|e| ConnectionError::Sealed(e.to_string()))?;
        let info = self
            .store
            .upsert_connection(tenant_id, platform, account_id, label, &sealed)
            .await?;
        self.invalidate(tenant_id);
        tracing::info!(tenant_id, platform, connection_id = %info.id, "connection saved");
        Ok(info)
    }

    pub async fn list(&self, tenant_id: &str) -> Result<Vec<ConnectionInfo>, ConnectionError> {
        Ok(self
            .store
            .connections(tenant_id)
            .await?
            .into_iter()
            .map(|c| c.info)
            .collect())
    }

    pub async fn remove(&self, tenant_id: &str, id: &str) -> Result<(), ConnectionError> {
        if !self.store.delete_connection(tenant_id, id).await? {
            return Err(ConnectionError::NotFound(id.to_string()));
        }
        self.invalidate(tenant_id);
        Ok(())
    }

    /// Make one cheap call with the stored credentials and record the outcome.
    pub async fn test(&self, tenant_id: &str, id: &str) -> Result<ConnectionInfo, ConnectionError> {
        let sealed = self
            .store
            .connection(tenant_id, id)
            .await?
            .ok_or_else(|| ConnectionError::NotFound(id.to_string()))?;
        let connector = self.connector(&sealed.info.platform)?;
        let mut clients = PlatformClients::new();
        let outcome = match self.open(&sealed) {
            Ok(credentials) => {
                connector.add_client(
                    &mut clients,
                    &sealed.info.account_id,
                    &credentials,
                    &BuildContext::default(),
                )?;
                connector.test(&clients, self.today).await
            }
            Err(e) => Err(e.to_string()),
        };
        self.store
            .record_connection_test(id, outcome.as_ref().err().map(String::as_str))
            .await?;
        self.store
            .connection(tenant_id, id)
            .await?
            .map(|c| c.info)
            .ok_or_else(|| ConnectionError::NotFound(id.to_string()))
    }

    fn open(
        &self,
        sealed: &omnify_store::SealedConnection,
    ) -> Result<Credentials, ConnectionError> {
        let info = &sealed.info;
        let plain = self
            .secret_box
            .open(
                &sealed.sealed_credentials,
                &seal_context(&info.tenant_id, &info.platform, &info.account_id),
            )
            .map_err(|e| ConnectionError::Sealed(e.to_string()))?;
        match serde_json::from_str(plain.expose()) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            _ => Err(ConnectionError::Sealed(
                "credentials are not a JSON object".into(),
            )),
        }
    }

    /// Re-seal every stored credential under the current key; returns how many changed.
    pub async fn rotate(&self) -> Result<usize, ConnectionError> {
        let mut changed = 0;
        for sealed in self.store.all_connections().await? {
            if SecretBox::key_id_of(&sealed.sealed_credentials)
                == Some(self.secret_box.current_key_id())
            {
                continue;
            }
            let info = &sealed.info;
            let context = seal_context(&info.tenant_id, &info.platform, &info.account_id);
            let plain = self
                .secret_box
                .open(&sealed.sealed_credentials, &context)
                .map_err(|e| ConnectionError::Sealed(e.to_string()))?;
            let resealed = self
                .secret_box
                .seal(&plain, &context)
                .map_err(|e| ConnectionError::Sealed(e.to_string()))?;
            self.store
                .update_connection_credentials(&info.id, &resealed)
                .await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// A listener that stores refreshed OAuth tokens back into the connection, sealed,
    /// so a restart does not start from an expired access token (or, on platforms that
    /// rotate refresh tokens, from a dead one).
    fn persist_refreshed(
        &self,
        sealed: &omnify_store::SealedConnection,
        credentials: &Credentials,
    ) -> TokenListener {
        let store = self.store.clone();
        let secret_box = self.secret_box.clone();
        let info = sealed.info.clone();
        let base = credentials.clone();
        TokenListener(Arc::new(move |pair: &TokenPair| {
            let mut updated = base.clone();
            updated.insert("access_token".into(), pair.access_token.expose().into());
            updated.insert("refresh_token".into(), pair.refresh_token.expose().into());
            if let Some(at) = pair.expires_at {
                updated.insert("expires_at".into(), at.timestamp().into());
            }
            let plain = Secret::new(serde_json::Value::Object(updated).to_string());
            let context = seal_context(&info.tenant_id, &info.platform, &info.account_id);
            let (store, id) = (store.clone(), info.id.clone());
            match secret_box.seal(&plain, &context) {
                Ok(resealed) => {
                    tokio::spawn(async move {
                        if let Err(e) = store.update_connection_credentials(&id, &resealed).await {
                            tracing::error!(connection_id = %id, error = %e, "cannot store refreshed tokens");
                        }
                    });
                }
                Err(e) => {
                    tracing::error!(connection_id = %info.id, error = %e, "cannot seal refreshed tokens")
                }
            }
        }))
    }

    async fn build(&self, tenant_id: &str) -> Result<PlatformClients, ConnectionError> {
        let mut clients = self.defaults.clone();
        for sealed in self.store.connections(tenant_id).await? {
            let Ok(connector) = self.connector(&sealed.info.platform) else {
                continue;
            };
            // One broken connection must not take the others down: skip it, loudly.
            let added = self.open(&sealed).and_then(|creds| {
                let ctx = BuildContext {
                    endpoints: None,
                    on_refresh: Some(self.persist_refreshed(&sealed, &creds)),
                };
                Ok(connector.add_client(&mut clients, &sealed.info.account_id, &creds, &ctx)?)
            });
            if let Err(e) = added {
                tracing::error!(tenant_id, platform = %sealed.info.platform, error = %e, "cannot use a stored connection");
            }
        }
        Ok(clients)
    }
}

#[async_trait]
impl ClientDirectory for Connections {
    async fn clients(&self, tenant_id: &str) -> Result<Arc<PlatformClients>, ToolError> {
        if let Some(hit) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get(tenant_id).cloned())
        {
            return Ok(hit);
        }
        let built = Arc::new(
            self.build(tenant_id)
                .await
                .map_err(|e| ToolError::Failed(e.to_string()))?,
        );
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(tenant_id.to_string(), built.clone());
        }
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_core::Secret;

    async fn store() -> (SqlStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = SqlStore::connect(&url, 2).await.unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    fn connections(store: &SqlStore, keys: &[(String, Secret)]) -> Connections {
        let meta: Arc<dyn PlatformConnector> = Arc::new(platforms::Meta {
            api_version: "v26.0".into(),
            base_url: "http://127.0.0.1:9".into(),
        });
        Connections::new(
            store.clone(),
            SecretBox::new(keys).unwrap(),
            vec![meta],
            PlatformClients::new(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        )
    }

    #[tokio::test]
    async fn rotation_reseals_under_the_new_key_and_clients_still_build() {
        let (store, _dir) = store().await;
        let tenant = store.create_tenant("Acme").await.unwrap();
        let k1 = ("k1".to_string(), SecretBox::generate_key().unwrap());
        let k2 = ("k2".to_string(), SecretBox::generate_key().unwrap());
        let mut creds = Credentials::new();
        creds.insert("access_token".into(), "tok".into());
        connections(&store, std::slice::from_ref(&k1))
            .connect(&tenant.id, "meta", "act_1", "Main", &creds)
            .await
            .unwrap();

        let rotated = connections(&store, &[k2.clone(), k1]);
        assert_eq!(rotated.rotate().await.unwrap(), 1);
        assert_eq!(
            rotated.rotate().await.unwrap(),
            0,
            "already under the current key"
        );
        let sealed = store.connections(&tenant.id).await.unwrap();
        assert_eq!(
            SecretBox::key_id_of(&sealed[0].sealed_credentials),
            Some("k2")
        );

        // The old key can now be dropped.
        let only_new = connections(&store, &[k2]);
        assert_eq!(
            only_new.clients(&tenant.id).await.unwrap().connected(),
            ["meta"]
        );
    }

    #[tokio::test]
    async fn a_connection_that_cannot_be_opened_is_skipped_not_fatal() {
        let (store, _dir) = store().await;
        let tenant = store.create_tenant("Acme").await.unwrap();
        store
            .upsert_connection(&tenant.id, "meta", "act_1", "Main", "v1:gone:AAAA")
            .await
            .unwrap();
        let conns = connections(
            &store,
            &[("k1".to_string(), SecretBox::generate_key().unwrap())],
        );
        assert!(
            conns
                .clients(&tenant.id)
                .await
                .unwrap()
                .connected()
                .is_empty()
        );
    }
}
