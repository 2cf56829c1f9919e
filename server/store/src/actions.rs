//! Proposed write actions and the audit log.

use crate::{SqlStore, db, new_id, now_us};
use async_trait::async_trait;
use omnify_core::{ActionStatus, ActionStore, PendingAction, StoreError};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, tenant_id, conversation_id, tool, change, status, needs_expert, approved_by, result, created_at";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub actor: String,
    pub subject: String,
    pub event: String,
    pub detail: serde_json::Value,
    pub created_at: i64,
}

fn from_row(r: &AnyRow) -> Result<PendingAction, StoreError> {
    let change: String = r.try_get("change").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    let needs_expert: i64 = r.try_get("needs_expert").map_err(db)?;
    Ok(PendingAction {
        id: r.try_get("id").map_err(db)?,
        tenant_id: r.try_get("tenant_id").map_err(db)?,
        conversation_id: r.try_get("conversation_id").map_err(db)?,
        tool: r.try_get("tool").map_err(db)?,
        change: serde_json::from_str(&change)
            .map_err(|e| StoreError::Database(format!("stored change: {e}")))?,
        status: ActionStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown action status {status:?}")))?,
        needs_expert: needs_expert != 0,
        approved_by: r.try_get("approved_by").map_err(db)?,
        result: r.try_get("result").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
    })
}

impl SqlStore {
    /// Actions of a tenant in the given statuses, newest first.
    pub async fn actions_in(
        &self,
        statuses: &[ActionStatus],
    ) -> Result<Vec<PendingAction>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM actions ORDER BY created_at DESC LIMIT 500"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|a| statuses.contains(&a.status))
            .collect())
    }

    pub async fn audit_log(
        &self,
        tenant_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT actor, subject, event, detail, created_at FROM audit_log WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get("detail").map_err(db)?;
                Ok(AuditEntry {
                    actor: r.try_get("actor").map_err(db)?,
                    subject: r.try_get("subject").map_err(db)?,
                    event: r.try_get("event").map_err(db)?,
                    detail: serde_json::from_str(&detail)
                        .unwrap_or(serde_json::Value::String(detail)),
                    created_at: r.try_get("created_at").map_err(db)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ActionStore for SqlStore {
    async fn create_action(&self, a: &PendingAction) -> Result<(), StoreError> {
        let change =
            serde_json::to_string(&a.change).map_err(|e| StoreError::Database(e.to_string()))?;
        sqlx::query(
            "INSERT INTO actions (id, tenant_id, conversation_id, tool, change, status, needs_expert, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&a.id)
        .bind(&a.tenant_id)
        .bind(&a.conversation_id)
        .bind(&a.tool)
        .bind(change)
        .bind(a.status.as_str())
        .bind(i64::from(a.needs_expert))
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)
        .map(|_| ())
    }

    async fn action(&self, id: &str) -> Result<Option<PendingAction>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM actions WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.writer)
        .await
        .map_err(db)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn transition_action(
        &self,
        id: &str,
        from: ActionStatus,
        to: ActionStatus,
        approved_by: Option<&str>,
        result: Option<&str>,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query(
            "UPDATE actions SET status = $1, approved_by = COALESCE($2, approved_by), result = COALESCE($3, result), \
             updated_at = $4 WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str())
        .bind(approved_by)
        .bind(result)
        .bind(now_us())
        .bind(id)
        .bind(from.as_str())
        .execute(&self.writer)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(moved == 1)
    }

    async fn proposed_action_for(
        &self,
        conversation_id: &str,
    ) -> Result<Option<PendingAction>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM actions WHERE conversation_id = $1 AND status = 'proposed' ORDER BY created_at DESC LIMIT 1"
        )))
        .bind(conversation_id)
        .fetch_optional(&self.writer)
        .await
        .map_err(db)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn audit(
        &self,
        tenant_id: &str,
        actor: &str,
        subject: &str,
        event: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (id, tenant_id, actor, subject, event, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(tenant_id)
        .bind(actor)
        .bind(subject)
        .bind(event)
        .bind(detail.to_string())
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)
        .map(|_| ())
    }
}
