//! Charts drawn during turns: saved as JSON specs, read back by tenant and id.

use crate::{SqlStore, db, now_us};
use omnify_core::{Chart, StoreError, StoredChart};
use sqlx::Row;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, tenant_id, conversation_id, message_id, call_id, spec, created_at";

fn chart_from_row(r: &AnyRow) -> Result<StoredChart, StoreError> {
    let id: String = r.try_get("id").map_err(db)?;
    let spec: String = r.try_get("spec").map_err(db)?;
    let chart: Chart = serde_json::from_str(&spec)
        .map_err(|e| StoreError::Database(format!("chart {id} is not a readable chart: {e}")))?;
    Ok(StoredChart {
        tenant_id: r.try_get("tenant_id").map_err(db)?,
        conversation_id: r.try_get("conversation_id").map_err(db)?,
        message_id: r.try_get("message_id").map_err(db)?,
        call_id: r.try_get("call_id").map_err(db)?,
        created_at_us: r.try_get("created_at").map_err(db)?,
        chart,
        id,
    })
}

impl SqlStore {
    /// Keep a chart; `created_at_us` is set here. Saving the same id twice keeps the first.
    pub async fn insert_chart(&self, chart: &StoredChart) -> Result<(), StoreError> {
        let spec = serde_json::to_string(&chart.chart)
            .map_err(|e| StoreError::Database(format!("cannot write chart {}: {e}", chart.id)))?;
        sqlx::query(
            "INSERT INTO charts (id, tenant_id, conversation_id, message_id, call_id, spec, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(&chart.id)
        .bind(&chart.tenant_id)
        .bind(&chart.conversation_id)
        .bind(&chart.message_id)
        .bind(&chart.call_id)
        .bind(spec)
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// The chart `id` if it belongs to `tenant_id`.
    pub async fn chart_of_tenant(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<StoredChart>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM charts WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(chart_from_row).transpose()
    }

    /// The charts of a conversation, oldest first.
    pub async fn charts_of_conversation(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<StoredChart>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM charts WHERE conversation_id = $1 ORDER BY created_at, id"
        )))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(chart_from_row).collect()
    }
}
