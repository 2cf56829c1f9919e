//! Platform connections: a tenant's credentials for one platform account, sealed.
//!
//! The store only ever sees sealed credentials (see [`crate::secret_box`]); listing a
//! connection never returns them.

use crate::{SqlStore, db, new_id, now_us};
use omnify_core::StoreError;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A connection as shown to admins: everything but the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionInfo {
    pub id: String,
    pub tenant_id: String,
    pub platform: String,
    pub account_id: String,
    pub label: String,
    /// `ok`, `untested` or `failing`.
    pub status: String,
    pub last_error: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    pub last_tested_at: Option<i64>,
}

/// A connection with its sealed credentials, for building a client.
#[derive(Debug, Clone)]
pub struct SealedConnection {
    pub info: ConnectionInfo,
    pub sealed_credentials: String,
}

const COLUMNS: &str = "id, tenant_id, platform, account_id, label, status, last_error, created_at, last_tested_at, credentials";

fn from_row(r: &AnyRow) -> Result<SealedConnection, StoreError> {
    Ok(SealedConnection {
        info: ConnectionInfo {
            id: r.try_get("id").map_err(db)?,
            tenant_id: r.try_get("tenant_id").map_err(db)?,
            platform: r.try_get("platform").map_err(db)?,
            account_id: r.try_get("account_id").map_err(db)?,
            label: r.try_get("label").map_err(db)?,
            status: r.try_get("status").map_err(db)?,
            last_error: r.try_get("last_error").map_err(db)?,
            created_at: r.try_get("created_at").map_err(db)?,
            last_tested_at: r.try_get("last_tested_at").map_err(db)?,
        },
        sealed_credentials: r.try_get("credentials").map_err(db)?,
    })
}

impl SqlStore {
    /// Add a connection, or replace the tenant's existing one for the same platform
    /// account (reconnecting keeps one row).
    pub async fn upsert_connection(
        &self,
        tenant_id: &str,
        platform: &str,
        account_id: &str,
        label: &str,
        sealed_credentials: &str,
    ) -> Result<ConnectionInfo, StoreError> {
        let now = now_us();
        let mut tx = self.writer.begin().await.map_err(db)?;
        let updated = sqlx::query(
            "UPDATE connections SET credentials = $1, label = $2, status = 'untested', last_error = NULL, updated_at = $3 \
             WHERE tenant_id = $4 AND platform = $5 AND account_id = $6",
        )
        .bind(sealed_credentials)
        .bind(label)
        .bind(now)
        .bind(tenant_id)
        .bind(platform)
        .bind(account_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO connections (id, tenant_id, platform, account_id, label, credentials, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'untested', $7, $7)",
            )
            .bind(new_id())
            .bind(tenant_id)
            .bind(platform)
            .bind(account_id)
            .bind(label)
            .bind(sealed_credentials)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 AND platform = $2 AND account_id = $3"
        )))
        .bind(tenant_id)
        .bind(platform)
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(from_row(&row)?.info)
    }

    pub async fn connections(&self, tenant_id: &str) -> Result<Vec<SealedConnection>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 ORDER BY platform, created_at"
        )))
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    pub async fn connection(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<SealedConnection>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 AND id = $2"
        )))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every connection of every tenant, for re-sealing under a new key.
    pub async fn all_connections(&self) -> Result<Vec<SealedConnection>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM connections ORDER BY created_at"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    /// Replace the sealed credentials (a token refresh, or a key rotation).
    pub async fn update_connection_credentials(
        &self,
        id: &str,
        sealed_credentials: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE connections SET credentials = $1, updated_at = $2 WHERE id = $3")
            .bind(sealed_credentials)
            .bind(now_us())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    pub async fn record_connection_test(
        &self,
        id: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE connections SET status = $1, last_error = $2, last_tested_at = $3 WHERE id = $4")
            .bind(if error.is_some() { "failing" } else { "ok" })
            .bind(error)
            .bind(now_us())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    /// Remove a connection; false when the tenant had no such connection.
    pub async fn delete_connection(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db)?
            .rows_affected();
        Ok(n == 1)
    }

    /// Remember an OAuth `state` so the callback can prove it started here.
    pub async fn save_oauth_state(
        &self,
        state: &str,
        tenant_id: &str,
        platform: &str,
        account_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oauth_states (state, tenant_id, platform, account_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state)
        .bind(tenant_id)
        .bind(platform)
        .bind(account_id)
            .bind(now_us())
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    /// Delete the row of a single-use `state` from `table` (a fixed table name, never
    /// user input) and return it if it was there and younger than `max_age_us`. Only
    /// the caller whose delete removed the row gets it, so a state works once even
    /// when two callbacks race.
    pub(crate) async fn take_single_use(
        &self,
        table: &'static str,
        state: &str,
        max_age_us: i64,
    ) -> Result<Option<AnyRow>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM {table} WHERE state = $1"
        )))
        .bind(state)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE state = $1"
        )))
        .bind(state)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        tx.commit().await.map_err(db)?;
        let Some(row) = row.filter(|_| deleted == 1) else {
            return Ok(None);
        };
        let created_at: i64 = row.try_get("created_at").map_err(db)?;
        Ok((now_us() - created_at <= max_age_us).then_some(row))
    }

    /// Use up an OAuth `state` younger than `max_age_us`: `(tenant_id, platform, account_id)`.
    /// A state works once, even if two callbacks race: only the one whose delete
    /// removed the row gets it.
    pub async fn take_oauth_state(
        &self,
        state: &str,
        max_age_us: i64,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let Some(row) = self
            .take_single_use("oauth_states", state, max_age_us)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            row.try_get("tenant_id").map_err(db)?,
            row.try_get("platform").map_err(db)?,
            row.try_get("account_id").map_err(db)?,
        )))
    }
}
