//! Conversations, messages, tool calls and usage.

use crate::{SqlStore, db, new_id, now_us};
use async_trait::async_trait;
use omnify_core::{
    ChannelKind, ConversationMode, ConversationStore, InboundMessage, InboundOutcome, MessageRole,
    StoreError, StoredMessage, ToolCallRecord, TurnUsage,
};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Inbound message status: stored, not yet answered. A crash leaves it like this, and
/// start-up picks it up again.
const PENDING: &str = "pending";
const ANSWERED: &str = "answered";
const FAILED: &str = "failed";
const SENT: &str = "sent";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationInfo {
    pub id: String,
    pub tenant_id: String,
    pub channel: String,
    pub conversation_key: String,
    pub mode: ConversationMode,
}

/// A user message that was stored but never answered (the process stopped mid-turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInbound {
    pub message_id: String,
    pub conversation_id: String,
    pub tenant_id: String,
    pub channel: String,
    pub conversation_key: String,
    pub author: String,
    pub text: String,
}

/// API and web-chat conversations are addressed by their Omnify id; other surfaces
/// have their own keys (a Slack thread) and get a fresh id.
fn key_is_conversation_id(channel: ChannelKind) -> bool {
    matches!(
        channel,
        ChannelKind::Api | ChannelKind::Web | ChannelKind::Cli
    )
}

fn message_from_row(r: &AnyRow) -> Result<StoredMessage, StoreError> {
    let role: String = r.try_get("role").map_err(db)?;
    Ok(StoredMessage {
        id: r.try_get("id").map_err(db)?,
        conversation_id: r.try_get("conversation_id").map_err(db)?,
        role: MessageRole::parse(&role)
            .ok_or_else(|| StoreError::Database(format!("unknown message role {role:?}")))?,
        author: r.try_get("author").map_err(db)?,
        text: r.try_get("body").map_err(db)?,
        created_at_us: r.try_get("created_at").map_err(db)?,
    })
}

impl SqlStore {
    /// The conversation, if it exists and belongs to `tenant_id`.
    pub async fn conversation_for_tenant(
        &self,
        conversation_id: &str,
        tenant_id: &str,
    ) -> Result<Option<ConversationInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, channel, conversation_key, mode FROM conversations \
             WHERE id = $1 AND tenant_id = $2",
        )
        .bind(conversation_id)
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            let mode: String = r.try_get("mode").map_err(db)?;
            Ok(ConversationInfo {
                id: r.try_get("id").map_err(db)?,
                tenant_id: r.try_get("tenant_id").map_err(db)?,
                channel: r.try_get("channel").map_err(db)?,
                conversation_key: r.try_get("conversation_key").map_err(db)?,
                mode: ConversationMode::parse(&mode)
                    .ok_or_else(|| StoreError::Database(format!("unknown mode {mode:?}")))?,
            })
        })
        .transpose()
    }

    /// The tenant's most recently active conversation whose id starts with `prefix`
    /// (a web visitor's conversations: `v-<visitor id>-`).
    pub async fn latest_conversation_with_prefix(
        &self,
        tenant_id: &str,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        // LIKE's wildcards must not come from the prefix.
        if prefix.contains(['%', '_', '\\']) {
            return Err(StoreError::Database(format!(
                "conversation prefix {prefix:?} has LIKE wildcards"
            )));
        }
        sqlx::query_scalar::<_, String>(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND id LIKE $2 \
             ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(format!("{prefix}%"))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    /// The id of the tenant's conversation on a surface with this key (a Slack thread's
    /// `channel:thread_ts`, a Discord thread's channel id), if there is one: a message
    /// there continues it, also after a restart.
    pub async fn conversation_by_key(
        &self,
        tenant_id: &str,
        channel: ChannelKind,
        conversation_key: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar::<_, String>(
            "SELECT id FROM conversations \
             WHERE tenant_id = $1 AND channel = $2 AND conversation_key = $3",
        )
        .bind(tenant_id)
        .bind(channel.as_str())
        .bind(conversation_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    /// The reply to a user message, once there is one.
    pub async fn reply_to(&self, message_id: &str) -> Result<Option<StoredMessage>, StoreError> {
        let row = sqlx::query(
            "SELECT id, conversation_id, role, author, body, created_at FROM messages WHERE reply_to = $1",
        )
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// Whether a user message still waits for its answer (not answered, failed or
    /// relayed to an expert meanwhile).
    pub async fn is_pending(&self, message_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT status FROM messages WHERE id = $1")
            .bind(message_id)
            .fetch_optional(&self.writer)
            .await
            .map_err(db)?;
        Ok(match row {
            Some(r) => r.try_get::<String, _>("status").map_err(db)? == PENDING,
            None => false,
        })
    }

    /// User messages still waiting for an answer, oldest first.
    /// Only messages stored before `before_us` count: newer ones belong to requests
    /// being answered right now.
    pub async fn pending_inbound(
        &self,
        before_us: i64,
        limit: i64,
    ) -> Result<Vec<PendingInbound>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.conversation_id, c.tenant_id, c.channel, c.conversation_key, m.author, m.body \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.status = $1 AND m.created_at < $2 ORDER BY m.created_at LIMIT $3",
        )
        .bind(PENDING)
        .bind(before_us)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(PendingInbound {
                    message_id: r.try_get("id").map_err(db)?,
                    conversation_id: r.try_get("conversation_id").map_err(db)?,
                    tenant_id: r.try_get("tenant_id").map_err(db)?,
                    channel: r.try_get("channel").map_err(db)?,
                    conversation_key: r.try_get("conversation_key").map_err(db)?,
                    author: r.try_get("author").map_err(db)?,
                    text: r.try_get("body").map_err(db)?,
                })
            })
            .collect()
    }

    /// Give up on a message whose turn failed, keeping the reason as a system note
    /// so the history shows what happened.
    pub async fn mark_failed(
        &self,
        message_id: &str,
        conversation_id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        sqlx::query("UPDATE messages SET status = $1 WHERE id = $2")
            .bind(FAILED)
            .bind(message_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, author, body, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(conversation_id)
        .bind(MessageRole::System.as_str())
        .bind("omnify")
        .bind(reason)
        .bind(SENT)
        .bind(now_us())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Token usage and cost of the reply `message_id`.
    pub async fn usage_of(&self, message_id: &str) -> Result<Option<TurnUsage>, StoreError> {
        let row = sqlx::query(
            "SELECT conversation_id, message_id, model, prompt_tokens, completion_tokens, cost_usd, steps \
             FROM usage WHERE message_id = $1",
        )
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            let get = |c: &str| r.try_get::<i64, _>(c).map_err(db);
            Ok(TurnUsage {
                conversation_id: r.try_get("conversation_id").map_err(db)?,
                message_id: r.try_get("message_id").map_err(db)?,
                model: r.try_get("model").map_err(db)?,
                prompt_tokens: u64::try_from(get("prompt_tokens")?).unwrap_or(0),
                completion_tokens: u64::try_from(get("completion_tokens")?).unwrap_or(0),
                cost_usd: r.try_get("cost_usd").map_err(db)?,
                steps: u32::try_from(get("steps")?).unwrap_or(0),
            })
        })
        .transpose()
    }
}

#[async_trait]
impl ConversationStore for SqlStore {
    async fn save_chart(&self, chart: &omnify_core::StoredChart) -> Result<(), StoreError> {
        self.insert_chart(chart).await
    }

    async fn chart(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<omnify_core::StoredChart>, StoreError> {
        self.chart_of_tenant(tenant_id, id).await
    }

    async fn charts(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<omnify_core::StoredChart>, StoreError> {
        self.charts_of_conversation(conversation_id).await
    }

    async fn record_inbound(&self, message: &InboundMessage) -> Result<InboundOutcome, StoreError> {
        let channel = message.channel.as_str();
        let now = now_us();
        // Write first, read after: on SQLite a transaction that reads and then writes
        // can fail to upgrade its lock under concurrency, one that starts writing cannot.
        let mut tx = self.writer.begin().await.map_err(db)?;
        let fresh_id = if key_is_conversation_id(message.channel) {
            message.conversation_key.clone()
        } else {
            new_id()
        };
        let created = sqlx::query(
            "INSERT INTO conversations (id, tenant_id, channel, conversation_key, mode, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&fresh_id)
        .bind(&message.tenant_id)
        .bind(channel)
        .bind(&message.conversation_key)
        .bind(ConversationMode::Bot.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
        let conversation_id: String = if created {
            fresh_id
        } else {
            sqlx::query(
                "SELECT id FROM conversations WHERE tenant_id = $1 AND channel = $2 AND conversation_key = $3",
            )
            .bind(&message.tenant_id)
            .bind(channel)
            .bind(&message.conversation_key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound(format!("conversation {}", message.conversation_key)))?
            .try_get("id")
            .map_err(db)?
        };

        let message_id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, author, body, channel, event_id, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(&message_id)
        .bind(&conversation_id)
        .bind(MessageRole::User.as_str())
        .bind(&message.author)
        .bind(&message.text)
        .bind(channel)
        .bind(&message.event_id)
        .bind(PENDING)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted == 1 {
            tx.commit().await.map_err(db)?;
            return Ok(InboundOutcome::New {
                conversation_id,
                message_id,
                new_conversation: created,
            });
        }
        let existing = sqlx::query(
            "SELECT id, conversation_id FROM messages WHERE channel = $1 AND event_id = $2",
        )
        .bind(channel)
        .bind(&message.event_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.rollback().await.map_err(db)?;
        Ok(InboundOutcome::Duplicate {
            conversation_id: existing.try_get("conversation_id").map_err(db)?,
            message_id: existing.try_get("id").map_err(db)?,
        })
    }

    async fn conversation_mode(
        &self,
        conversation_id: &str,
    ) -> Result<ConversationMode, StoreError> {
        let mode: String = sqlx::query("SELECT mode FROM conversations WHERE id = $1")
            .bind(conversation_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound(format!("conversation {conversation_id}")))?
            .try_get("mode")
            .map_err(db)?;
        ConversationMode::parse(&mode)
            .ok_or_else(|| StoreError::Database(format!("unknown mode {mode:?}")))
    }

    async fn history(&self, conversation_id: &str) -> Result<Vec<StoredMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, role, author, body, created_at FROM messages \
             WHERE conversation_id = $1 ORDER BY created_at, id",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(message_from_row).collect()
    }

    /// Tool calls of a conversation, oldest first.
    async fn tool_calls(&self, conversation_id: &str) -> Result<Vec<ToolCallRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT conversation_id, message_id, call_id, name, arguments, duration_ms, ok, result_summary \
             FROM tool_calls WHERE conversation_id = $1 ORDER BY created_at",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let duration: i64 = r.try_get("duration_ms").map_err(db)?;
                let ok: i64 = r.try_get("ok").map_err(db)?;
                Ok(ToolCallRecord {
                    conversation_id: r.try_get("conversation_id").map_err(db)?,
                    message_id: r.try_get("message_id").map_err(db)?,
                    call_id: r.try_get("call_id").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    arguments: r.try_get("arguments").map_err(db)?,
                    duration_ms: u64::try_from(duration).unwrap_or(0),
                    ok: ok != 0,
                    result_summary: r.try_get("result_summary").map_err(db)?,
                })
            })
            .collect()
    }

    async fn record_reply(
        &self,
        reply_to: &str,
        reply: &StoredMessage,
        tool_calls: &[ToolCallRecord],
        usage: &TurnUsage,
    ) -> Result<(), StoreError> {
        let now = now_us();
        let mut tx = self.writer.begin().await.map_err(db)?;
        sqlx::query("UPDATE messages SET status = $1 WHERE id = $2")
            .bind(ANSWERED)
            .bind(reply_to)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, author, body, status, reply_to, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&reply.id)
        .bind(&reply.conversation_id)
        .bind(reply.role.as_str())
        .bind(&reply.author)
        .bind(&reply.text)
        .bind(SENT)
        .bind(reply_to)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for call in tool_calls {
            sqlx::query(
                "INSERT INTO tool_calls (id, conversation_id, message_id, call_id, name, arguments, duration_ms, ok, result_summary, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(new_id())
            .bind(&call.conversation_id)
            .bind(&call.message_id)
            .bind(&call.call_id)
            .bind(&call.name)
            .bind(&call.arguments)
            .bind(i64::try_from(call.duration_ms).unwrap_or(i64::MAX))
            .bind(i64::from(call.ok))
            .bind(&call.result_summary)
            .bind(now_us())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query(
            "INSERT INTO usage (message_id, conversation_id, tenant_id, model, prompt_tokens, completion_tokens, cost_usd, steps, created_at) \
             SELECT $1, $2, tenant_id, $3, $4, $5, $6, $7, $8 FROM conversations WHERE id = $2",
        )
        .bind(&usage.message_id)
        .bind(&usage.conversation_id)
        .bind(&usage.model)
        .bind(i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX))
        .bind(i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX))
        .bind(usage.cost_usd)
        .bind(i64::from(usage.steps))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&reply.conversation_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }
}
