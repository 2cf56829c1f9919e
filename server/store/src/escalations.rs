//! Experts, escalations and their event log.

use crate::{SqlStore, db, new_id, now_us};
use async_trait::async_trait;
use omnify_core::{
    ConversationMode, Escalation, EscalationStatus, EscalationStore, Expert, InterventionKind,
    NewEscalation, StoreError, Urgency,
};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

const ESCALATION_COLUMNS: &str = "id, tenant_id, conversation_id, kind, reason, urgency, source, status, \
     assigned_expert_id, expert_id, skill, sla_due_at, reroutes, resolution, created_at";
pub(crate) const EXPERT_COLUMNS: &str = "id, name, email, skills, tenants, utc_offset_minutes, work_start_hour, \
     work_end_hour, capacity, status, slack_user_id";

/// An expert as created, with the token shown once.
#[derive(Debug, Clone)]
pub struct NewExpertToken {
    pub expert: Expert,
    pub token: omnify_core::Secret,
}

/// An expert found by e-mail, with their password hash (PHC string) if one is set.
#[derive(Debug, Clone)]
pub struct ExpertLogin {
    pub expert: Expert,
    pub password_hash: Option<String>,
}

/// One line of an escalation's log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationEvent {
    pub kind: String,
    pub detail: String,
    pub created_at: i64,
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn escalation_from_row(r: &AnyRow) -> Result<Escalation, StoreError> {
    let kind: String = r.try_get("kind").map_err(db)?;
    let urgency: String = r.try_get("urgency").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    let bad = |what: &str, v: &str| StoreError::Database(format!("unknown {what} {v:?}"));
    Ok(Escalation {
        id: r.try_get("id").map_err(db)?,
        tenant_id: r.try_get("tenant_id").map_err(db)?,
        conversation_id: r.try_get("conversation_id").map_err(db)?,
        kind: InterventionKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        reason: r.try_get("reason").map_err(db)?,
        urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
        source: r.try_get("source").map_err(db)?,
        status: EscalationStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        assigned_expert_id: r.try_get("assigned_expert_id").map_err(db)?,
        expert_id: r.try_get("expert_id").map_err(db)?,
        skill: r.try_get("skill").map_err(db)?,
        sla_due_at: r.try_get("sla_due_at").map_err(db)?,
        reroutes: r.try_get("reroutes").map_err(db)?,
        resolution: r.try_get("resolution").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
    })
}

pub(crate) fn expert_from_row(r: &AnyRow) -> Result<Expert, StoreError> {
    Ok(Expert {
        id: r.try_get("id").map_err(db)?,
        name: r.try_get("name").map_err(db)?,
        email: r.try_get("email").map_err(db)?,
        skills: list(&r.try_get::<String, _>("skills").map_err(db)?),
        tenants: list(&r.try_get::<String, _>("tenants").map_err(db)?),
        utc_offset_minutes: r.try_get("utc_offset_minutes").map_err(db)?,
        work_start_hour: r.try_get("work_start_hour").map_err(db)?,
        work_end_hour: r.try_get("work_end_hour").map_err(db)?,
        capacity: r.try_get("capacity").map_err(db)?,
        status: r.try_get("status").map_err(db)?,
        slack_user_id: r.try_get("slack_user_id").map_err(db)?,
    })
}

/// Move a conversation to `to`, recording the transition; inside the caller's transaction.
async fn transition(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    conversation_id: &str,
    to: ConversationMode,
    reason: &str,
) -> Result<(), StoreError> {
    let from: String = sqlx::query("SELECT mode FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?
        .try_get("mode")
        .map_err(db)?;
    let now = now_us();
    sqlx::query("UPDATE conversations SET mode = $1, updated_at = $2 WHERE id = $3")
        .bind(to.as_str())
        .bind(now)
        .bind(conversation_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO conversation_transitions (id, conversation_id, from_mode, to_mode, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(conversation_id)
    .bind(from)
    .bind(to.as_str())
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Move the conversation of escalation `id` to `to`; inside the caller's transaction.
async fn transition_escalated(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    to: ConversationMode,
    reason: &str,
) -> Result<(), StoreError> {
    let conversation_id: String =
        sqlx::query("SELECT conversation_id FROM escalations WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?
            .try_get("conversation_id")
            .map_err(db)?;
    transition(tx, &conversation_id, to, reason).await
}

impl SqlStore {
    /// Add an expert; the returned token (shown once) opens the console and the expert API.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_expert(
        &self,
        name: &str,
        email: &str,
        skills: &[String],
        tenants: &[String],
        utc_offset_minutes: i64,
        work_hours: (i64, i64),
        capacity: i64,
    ) -> Result<NewExpertToken, StoreError> {
        let token: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let token = format!("oxk_{token}");
        let id = new_id();
        sqlx::query(
            "INSERT INTO experts (id, name, email, skills, tenants, utc_offset_minutes, work_start_hour, work_end_hour, \
             capacity, status, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'available', $10, $11)",
        )
        .bind(&id)
        .bind(name)
        .bind(email)
        .bind(skills.join(","))
        .bind(tenants.join(","))
        .bind(utc_offset_minutes)
        .bind(work_hours.0)
        .bind(work_hours.1)
        .bind(capacity)
        .bind(hash_token(&token))
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        let expert = self
            .expert(&id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("expert {id}")))?;
        Ok(NewExpertToken {
            expert,
            token: omnify_core::Secret::new(token),
        })
    }

    pub async fn expert(&self, id: &str) -> Result<Option<Expert>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXPERT_COLUMNS} FROM experts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(expert_from_row).transpose()
    }

    pub async fn expert_by_token(&self, token: &str) -> Result<Option<Expert>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXPERT_COLUMNS} FROM experts WHERE token_hash = $1"
        )))
        .bind(hash_token(token))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(expert_from_row).transpose()
    }

    /// Store an expert's password hash (a PHC string; hashing is the caller's) and end
    /// their console sessions. False when there is no such expert.
    pub async fn set_expert_password(&self, id: &str, hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let changed = sqlx::query("UPDATE experts SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        sqlx::query("DELETE FROM expert_sessions WHERE expert_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(changed > 0)
    }

    /// The expert with this e-mail address (compared without regard to case).
    pub async fn expert_by_email(&self, email: &str) -> Result<Option<ExpertLogin>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXPERT_COLUMNS}, password_hash FROM experts WHERE LOWER(email) = LOWER($1) ORDER BY created_at LIMIT 1"
        )))
        .bind(email.trim())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref()
            .map(|r| {
                Ok(ExpertLogin {
                    expert: expert_from_row(r)?,
                    password_hash: r.try_get("password_hash").map_err(db)?,
                })
            })
            .transpose()
    }

    pub async fn set_expert_status(&self, id: &str, status: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE experts SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    /// Waiting and claimed escalations an expert may see, most urgent deadline first.
    pub async fn open_escalations(&self) -> Result<Vec<Escalation>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE status IN ('waiting', 'claimed') ORDER BY sla_due_at"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(escalation_from_row).collect()
    }

    pub async fn escalation_events(
        &self,
        escalation_id: &str,
    ) -> Result<Vec<EscalationEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, detail, created_at FROM escalation_events WHERE escalation_id = $1 ORDER BY created_at",
        )
        .bind(escalation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(EscalationEvent {
                    kind: r.try_get("kind").map_err(db)?,
                    detail: r.try_get("detail").map_err(db)?,
                    created_at: r.try_get("created_at").map_err(db)?,
                })
            })
            .collect()
    }

    /// Store a message from the expert in the conversation they hold.
    pub async fn add_expert_message(
        &self,
        conversation_id: &str,
        expert_name: &str,
        text: &str,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, author, body, status, created_at) \
             VALUES ($1, $2, 'expert', $3, $4, 'sent', $5)",
        )
        .bind(&id)
        .bind(conversation_id)
        .bind(expert_name)
        .bind(text)
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(id)
    }

    /// A note in the conversation from Omnify itself ("Ana joined the conversation").
    pub async fn add_system_message(
        &self,
        conversation_id: &str,
        text: &str,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, author, body, status, created_at) \
             VALUES ($1, $2, 'system', 'omnify', $3, 'sent', $4)",
        )
        .bind(&id)
        .bind(conversation_id)
        .bind(text)
        .bind(now_us())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(id)
    }

    /// Mark a user message that was passed to an expert, so crash recovery leaves it alone.
    pub async fn mark_relayed(&self, message_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE messages SET status = 'relayed' WHERE id = $1")
            .bind(message_id)
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }
}

#[async_trait]
impl EscalationStore for SqlStore {
    async fn open_escalation(&self, new: &NewEscalation) -> Result<(Escalation, bool), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        // Take the conversation row's write lock first (see record_inbound).
        sqlx::query("UPDATE conversations SET updated_at = updated_at WHERE id = $1")
            .bind(&new.conversation_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE conversation_id = $1 AND status IN ('waiting', 'claimed')"
        )))
        .bind(&new.conversation_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(row) = existing {
            tx.rollback().await.map_err(db)?;
            return Ok((escalation_from_row(&row)?, false));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO escalations (id, tenant_id, conversation_id, kind, reason, urgency, source, status, \
             assigned_expert_id, skill, sla_due_at, reroutes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $9, $10, 0, $11)",
        )
        .bind(&id)
        .bind(&new.tenant_id)
        .bind(&new.conversation_id)
        .bind(new.kind.as_str())
        .bind(&new.reason)
        .bind(new.urgency.as_str())
        .bind(&new.source)
        .bind(&new.assigned_expert_id)
        .bind(&new.skill)
        .bind(new.sla_due_at)
        .bind(now_us())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        transition(
            &mut tx,
            &new.conversation_id,
            ConversationMode::WaitingForExpert,
            new.kind.as_str(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        let escalation = self
            .escalation(&id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("escalation {id}")))?;
        Ok((escalation, true))
    }

    async fn escalation(&self, id: &str) -> Result<Option<Escalation>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(escalation_from_row).transpose()
    }

    async fn open_escalation_for(
        &self,
        conversation_id: &str,
    ) -> Result<Option<Escalation>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE conversation_id = $1 AND status IN ('waiting', 'claimed')"
        )))
        .bind(conversation_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(escalation_from_row).transpose()
    }

    async fn experts(&self) -> Result<Vec<Expert>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXPERT_COLUMNS} FROM experts ORDER BY created_at"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(expert_from_row).collect()
    }

    async fn expert_loads(&self) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT COALESCE(expert_id, assigned_expert_id) AS who, CAST(COUNT(*) AS BIGINT) AS n FROM escalations \
             WHERE status IN ('waiting', 'claimed') AND COALESCE(expert_id, assigned_expert_id) IS NOT NULL \
             GROUP BY COALESCE(expert_id, assigned_expert_id)",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((r.try_get("who").map_err(db)?, r.try_get("n").map_err(db)?)))
            .collect()
    }

    async fn reassign(
        &self,
        id: &str,
        expert_id: Option<&str>,
        sla_due_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE escalations SET assigned_expert_id = $1, sla_due_at = $2, reroutes = reroutes + 1 \
             WHERE id = $3 AND status = 'waiting'",
        )
        .bind(expert_id)
        .bind(sla_due_at)
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(db)
        .map(|_| ())
    }

    async fn claim(&self, id: &str, expert_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let claimed = sqlx::query(
            "UPDATE escalations SET status = 'claimed', expert_id = $1, claimed_at = $2 WHERE id = $3 AND status = 'waiting'",
        )
        .bind(expert_id)
        .bind(now_us())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await.map_err(db)?;
            return Ok(false);
        }
        transition_escalated(&mut tx, id, ConversationMode::WithExpert, "claimed").await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn resolve(
        &self,
        id: &str,
        expert_id: &str,
        summary: &str,
        then: ConversationMode,
    ) -> Result<bool, StoreError> {
        let status = if then == ConversationMode::Closed {
            "closed"
        } else {
            "resolved"
        };
        let mut tx = self.writer.begin().await.map_err(db)?;
        let done = sqlx::query(
            "UPDATE escalations SET status = $1, resolution = $2, resolved_at = $3 \
             WHERE id = $4 AND status = 'claimed' AND expert_id = $5",
        )
        .bind(status)
        .bind(summary)
        .bind(now_us())
        .bind(id)
        .bind(expert_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if done == 0 {
            tx.rollback().await.map_err(db)?;
            return Ok(false);
        }
        transition_escalated(&mut tx, id, then, status).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn overdue(&self, now: i64) -> Result<Vec<Escalation>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE status = 'waiting' AND sla_due_at <= $1 ORDER BY sla_due_at"
        )))
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(escalation_from_row).collect()
    }

    async fn log_event(
        &self,
        escalation_id: &str,
        kind: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO escalation_events (id, escalation_id, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id())
            .bind(escalation_id)
            .bind(kind)
            .bind(detail)
            .bind(now_us())
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    async fn expert_notes(&self, conversation_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT resolution FROM escalations WHERE conversation_id = $1 AND status = 'resolved' \
             AND resolution IS NOT NULL ORDER BY resolved_at",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| r.try_get("resolution").map_err(db))
            .collect()
    }
}
