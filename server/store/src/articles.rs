//! Knowledge-base articles drafted from resolved escalations: proposed, edited, then
//! published (ingested) or rejected by an expert. Transitions are conditional updates,
//! so two experts deciding at once cannot both win.

use crate::{SqlStore, db, new_id, now_us};
use omnify_core::StoreError;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    pub id: String,
    pub tenant_id: String,
    pub escalation_id: String,
    pub title: String,
    pub body: String,
    /// `proposed`, `published` or `rejected`.
    pub status: String,
    pub proposed_by: String,
    pub decided_by: Option<String>,
    pub document_id: Option<String>,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

const COLUMNS: &str = "id, tenant_id, escalation_id, title, body, status, proposed_by, \
                       decided_by, document_id, created_at, updated_at";

fn article_from_row(r: &AnyRow) -> Result<Article, StoreError> {
    Ok(Article {
        id: r.try_get("id").map_err(db)?,
        tenant_id: r.try_get("tenant_id").map_err(db)?,
        escalation_id: r.try_get("escalation_id").map_err(db)?,
        title: r.try_get("title").map_err(db)?,
        body: r.try_get("body").map_err(db)?,
        status: r.try_get("status").map_err(db)?,
        proposed_by: r.try_get("proposed_by").map_err(db)?,
        decided_by: r.try_get("decided_by").map_err(db)?,
        document_id: r.try_get("document_id").map_err(db)?,
        created_at_us: r.try_get("created_at").map_err(db)?,
        updated_at_us: r.try_get("updated_at").map_err(db)?,
    })
}

impl SqlStore {
    /// Proposes a draft for an escalation; a second proposal for the same escalation
    /// returns the first article unchanged.
    pub async fn propose_article(
        &self,
        tenant_id: &str,
        escalation_id: &str,
        title: &str,
        body: &str,
        proposed_by: &str,
    ) -> Result<Article, StoreError> {
        let now = now_us();
        sqlx::query(
            "INSERT INTO articles (id, tenant_id, escalation_id, title, body, status, proposed_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7, $7) ON CONFLICT DO NOTHING",
        )
        .bind(new_id())
        .bind(tenant_id)
        .bind(escalation_id)
        .bind(title)
        .bind(body)
        .bind(proposed_by)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(db)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM articles WHERE escalation_id = $1"
        )))
        .bind(escalation_id)
        .fetch_one(&self.writer)
        .await
        .map_err(db)?;
        article_from_row(&row)
    }

    pub async fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        // COLUMNS is a constant: nothing in this SQL comes from a caller.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM articles WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(|r| article_from_row(&r))
        .transpose()
    }

    /// Articles with `status`, oldest first (callers filter by the tenants they serve).
    pub async fn articles(&self, status: &str) -> Result<Vec<Article>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM articles WHERE status = $1 ORDER BY created_at"
        )))
        .bind(status)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(article_from_row)
        .collect()
    }

    /// Edits a draft. `false` when it is no longer a proposal.
    pub async fn edit_article(
        &self,
        id: &str,
        title: &str,
        body: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE articles SET title = $1, body = $2, updated_at = $3 WHERE id = $4 AND status = 'proposed'",
        )
        .bind(title)
        .bind(body)
        .bind(now_us())
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    /// Publishes or rejects a proposal. `false` when another decision came first.
    pub async fn decide_article(
        &self,
        id: &str,
        status: &str,
        decided_by: &str,
        document_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE articles SET status = $1, decided_by = $2, document_id = $3, updated_at = $4 \
             WHERE id = $5 AND status = 'proposed'",
        )
        .bind(status)
        .bind(decided_by)
        .bind(document_id)
        .bind(now_us())
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}
