//! Expert console sessions: the cookie holds a random id, the table its SHA-256.

use crate::escalations::{EXPERT_COLUMNS, expert_from_row, hash_token};
use crate::{SqlStore, db, now_us};
use omnify_core::{Expert, Secret, StoreError};
use rand::Rng;
use rand::distr::Alphanumeric;

impl SqlStore {
    /// Start a console session for an expert, valid for `ttl`; returns the cookie value
    /// (shown once: only its hash is stored). Expired sessions are swept on the way.
    pub async fn create_expert_session(
        &self,
        expert_id: &str,
        ttl: std::time::Duration,
    ) -> Result<Secret, StoreError> {
        let token: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(43)
            .map(char::from)
            .collect();
        let token = format!("oxs_{token}");
        let now = now_us();
        let ttl_us = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
        sqlx::query("DELETE FROM expert_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.writer)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO expert_sessions (id, expert_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_token(&token))
        .bind(expert_id)
        .bind(now)
        .bind(now.saturating_add(ttl_us))
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(Secret::new(token))
    }

    /// The expert a live (unexpired) session belongs to.
    pub async fn expert_by_session(&self, token: &str) -> Result<Option<Expert>, StoreError> {
        let columns = EXPERT_COLUMNS
            .split(',')
            .map(str::trim)
            .map(|c| format!("e.{c} AS {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM expert_sessions s JOIN experts e ON e.id = s.expert_id \
             WHERE s.id = $1 AND s.expires_at > $2"
        )))
        .bind(hash_token(token))
        .bind(now_us())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(expert_from_row).transpose()
    }

    /// End a session (logging out). Unknown sessions are not an error.
    pub async fn delete_expert_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM expert_sessions WHERE id = $1")
            .bind(hash_token(token))
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }
}
