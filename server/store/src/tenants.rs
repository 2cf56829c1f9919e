//! Tenants and their API keys.

use crate::{SqlStore, db, new_id, now_us};
use omnify_core::StoreError;
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

/// A freshly minted key. `plaintext` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: String,
    pub tenant_id: String,
    pub plaintext: omnify_core::Secret,
}

/// Who a presented key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyIdentity {
    pub key_id: String,
    pub tenant_id: String,
    /// `admin` keys manage connections; `member` keys only chat.
    pub role: String,
}

fn hash_key(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

impl SqlStore {
    pub async fn create_tenant(&self, name: &str) -> Result<Tenant, StoreError> {
        let id = new_id();
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name)
            .bind(now_us())
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(Tenant {
            id,
            name: name.to_string(),
        })
    }

    pub async fn tenant(&self, id: &str) -> Result<Option<Tenant>, StoreError> {
        let row = sqlx::query("SELECT id, name FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(Tenant {
                id: r.try_get("id").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
            })
        })
        .transpose()
    }

    /// The oldest tenant: the one the terminal speaks for.
    pub async fn first_tenant_id(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT id FROM tenants ORDER BY created_at LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get("id").map_err(db)).transpose()
    }

    pub async fn count_tenants(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM tenants")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        row.try_get("n").map_err(db)
    }

    /// Mint an admin API key (it may also manage connections).
    pub async fn create_api_key(
        &self,
        tenant_id: &str,
        label: &str,
    ) -> Result<NewApiKey, StoreError> {
        self.create_api_key_with_role(tenant_id, label, "admin")
            .await
    }

    /// Mint an API key: `omk_` and 40 random characters. Only its hash is stored.
    pub async fn create_api_key_with_role(
        &self,
        tenant_id: &str,
        label: &str,
        role: &str,
    ) -> Result<NewApiKey, StoreError> {
        let random: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let plaintext = format!("omk_{random}");
        let id = new_id();
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, label, prefix, key_hash, created_at, role) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(label)
        .bind(&plaintext[..8])
        .bind(hash_key(&plaintext))
        .bind(now_us())
        .bind(role)
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(NewApiKey {
            id,
            tenant_id: tenant_id.to_string(),
            plaintext: omnify_core::Secret::new(plaintext),
        })
    }

    /// Look a presented key up by its hash; revoked keys do not match.
    pub async fn identify_api_key(
        &self,
        plaintext: &str,
    ) -> Result<Option<ApiKeyIdentity>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash_key(plaintext))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(ApiKeyIdentity {
                key_id: r.try_get("id").map_err(db)?,
                tenant_id: r.try_get("tenant_id").map_err(db)?,
                role: r.try_get("role").map_err(db)?,
            })
        })
        .transpose()
    }

    pub async fn revoke_api_key(&self, key_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2")
            .bind(now_us())
            .bind(key_id)
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }
}
