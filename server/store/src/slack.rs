//! Slack: the experts channel's message for each escalation, experts' Slack users,
//! and the workspaces that installed the app (their bot tokens sealed by the caller).

use crate::escalations::{EXPERT_COLUMNS, expert_from_row};
use crate::{SqlStore, db, now_us};
use omnify_core::{Expert, StoreError};
use sqlx::Row;

/// The experts channel's summary message of an escalation; its thread is the expert's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackThread {
    pub escalation_id: String,
    pub channel: String,
    pub ts: String,
}

/// A workspace that installed the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackInstallation {
    pub team_id: String,
    pub tenant_id: String,
    pub bot_user_id: Option<String>,
    /// The bot token, sealed with the team id as context.
    pub sealed_token: String,
    pub installed_at: i64,
}

fn installation(r: &sqlx::any::AnyRow) -> Result<SlackInstallation, StoreError> {
    Ok(SlackInstallation {
        team_id: r.try_get("team_id").map_err(db)?,
        tenant_id: r.try_get("tenant_id").map_err(db)?,
        bot_user_id: r.try_get("bot_user_id").map_err(db)?,
        sealed_token: r.try_get("sealed_token").map_err(db)?,
        installed_at: r.try_get("installed_at").map_err(db)?,
    })
}

impl SqlStore {
    /// Remember where an escalation's summary was posted (the first post wins).
    pub async fn save_slack_thread(&self, t: &SlackThread) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO slack_escalation_threads (escalation_id, channel, ts) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&t.escalation_id)
        .bind(&t.channel)
        .bind(&t.ts)
        .execute(&self.writer)
        .await
        .map_err(db)
        .map(|_| ())
    }

    pub async fn slack_thread_of(
        &self,
        escalation_id: &str,
    ) -> Result<Option<SlackThread>, StoreError> {
        let row = sqlx::query(
            "SELECT escalation_id, channel, ts FROM slack_escalation_threads WHERE escalation_id = $1",
        )
        .bind(escalation_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| thread(&r)).transpose()
    }

    /// The escalation whose summary is the message `ts` in `channel`.
    pub async fn slack_thread_at(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Option<SlackThread>, StoreError> {
        let row = sqlx::query(
            "SELECT escalation_id, channel, ts FROM slack_escalation_threads WHERE channel = $1 AND ts = $2",
        )
        .bind(channel)
        .bind(ts)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| thread(&r)).transpose()
    }

    /// The expert who is this Slack user.
    pub async fn expert_by_slack_user(
        &self,
        slack_user_id: &str,
    ) -> Result<Option<Expert>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXPERT_COLUMNS} FROM experts WHERE slack_user_id = $1 ORDER BY created_at LIMIT 1"
        )))
        .bind(slack_user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(expert_from_row).transpose()
    }

    /// Link an expert to their Slack user (`None` unlinks). False: no such expert.
    pub async fn set_expert_slack_user(
        &self,
        expert_id: &str,
        slack_user_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let changed = sqlx::query("UPDATE experts SET slack_user_id = $1 WHERE id = $2")
            .bind(slack_user_id)
            .bind(expert_id)
            .execute(&self.writer)
            .await
            .map_err(db)?
            .rows_affected();
        Ok(changed > 0)
    }

    /// Store (or replace, on a reinstall) a workspace's installation.
    pub async fn save_slack_installation(&self, i: &SlackInstallation) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO slack_installations (team_id, tenant_id, bot_user_id, sealed_token, installed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id) DO UPDATE SET \
             bot_user_id = excluded.bot_user_id, sealed_token = excluded.sealed_token, \
             installed_at = excluded.installed_at",
        )
        .bind(&i.team_id)
        .bind(&i.tenant_id)
        .bind(&i.bot_user_id)
        .bind(&i.sealed_token)
        .bind(i.installed_at)
        .execute(&self.writer)
        .await
        .map_err(db)
        .map(|_| ())
    }

    pub async fn slack_installation(
        &self,
        team_id: &str,
    ) -> Result<Option<SlackInstallation>, StoreError> {
        let row = sqlx::query(
            "SELECT team_id, tenant_id, bot_user_id, sealed_token, installed_at \
             FROM slack_installations WHERE team_id = $1",
        )
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(installation).transpose()
    }

    /// The installation serving a tenant (the latest, if several workspaces map to it).
    pub async fn slack_installation_for_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Option<SlackInstallation>, StoreError> {
        let row = sqlx::query(
            "SELECT team_id, tenant_id, bot_user_id, sealed_token, installed_at \
             FROM slack_installations WHERE tenant_id = $1 ORDER BY installed_at DESC LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(installation).transpose()
    }

    pub async fn save_slack_oauth_state(&self, state: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO slack_oauth_states (state, created_at) VALUES ($1, $2)")
            .bind(state)
            .bind(now_us())
            .execute(&self.writer)
            .await
            .map_err(db)
            .map(|_| ())
    }

    /// Use up an install `state` younger than `max_age_us`. Works once, even when two
    /// callbacks race: only the one whose delete removed the row gets true.
    pub async fn take_slack_oauth_state(
        &self,
        state: &str,
        max_age_us: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .take_single_use("slack_oauth_states", state, max_age_us)
            .await?
            .is_some())
    }

    /// A conversation's tenant, channel and key, whichever tenant it belongs to.
    pub async fn conversation_route(
        &self,
        conversation_id: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT tenant_id, channel, conversation_key FROM conversations WHERE id = $1",
        )
        .bind(conversation_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok((
                r.try_get("tenant_id").map_err(db)?,
                r.try_get("channel").map_err(db)?,
                r.try_get("conversation_key").map_err(db)?,
            ))
        })
        .transpose()
    }
}

fn thread(r: &sqlx::any::AnyRow) -> Result<SlackThread, StoreError> {
    Ok(SlackThread {
        escalation_id: r.try_get("escalation_id").map_err(db)?,
        channel: r.try_get("channel").map_err(db)?,
        ts: r.try_get("ts").map_err(db)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (SqlStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = SqlStore::connect(&url, 2).await.unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn installations_states_and_expert_links() {
        let (s, _dir) = store().await;
        let tenant = s.create_tenant("Acme").await.unwrap();
        let mut i = SlackInstallation {
            team_id: "T2".into(),
            tenant_id: tenant.id.clone(),
            bot_user_id: Some("UB2".into()),
            sealed_token: "v1:k:abc".into(),
            installed_at: 1,
        };
        s.save_slack_installation(&i).await.unwrap();
        i.sealed_token = "v1:k:def".into();
        i.installed_at = 2;
        s.save_slack_installation(&i).await.unwrap();
        assert_eq!(s.slack_installation("T2").await.unwrap(), Some(i.clone()));
        assert_eq!(
            s.slack_installation_for_tenant(&tenant.id).await.unwrap(),
            Some(i)
        );
        assert_eq!(s.slack_installation("T3").await.unwrap(), None);

        s.save_slack_oauth_state("st1").await.unwrap();
        assert!(s.take_slack_oauth_state("st1", 60_000_000).await.unwrap());
        assert!(!s.take_slack_oauth_state("st1", 60_000_000).await.unwrap());
        assert!(!s.take_slack_oauth_state("nope", 60_000_000).await.unwrap());

        let ana = s
            .create_expert("Ana", "ana@x.test", &[], &[tenant.id], 0, (0, 24), 5)
            .await
            .unwrap()
            .expert;
        assert!(
            s.set_expert_slack_user(&ana.id, Some("U0ANA"))
                .await
                .unwrap()
        );
        let found = s.expert_by_slack_user("U0ANA").await.unwrap().unwrap();
        assert_eq!(found.id, ana.id);
        assert_eq!(found.slack_user_id.as_deref(), Some("U0ANA"));
        assert!(!s.set_expert_slack_user("nobody", Some("U1")).await.unwrap());
    }
}
