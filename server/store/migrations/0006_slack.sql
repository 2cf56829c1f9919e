-- Slack: the experts channel's summary message of each escalation (its thread is where
-- the expert works), and the workspaces that installed the app with OAuth.

CREATE TABLE slack_escalation_threads (
    escalation_id TEXT PRIMARY KEY REFERENCES escalations(id),
    channel TEXT NOT NULL,
    ts TEXT NOT NULL
);
CREATE INDEX slack_escalation_threads_by_message ON slack_escalation_threads (channel, ts);

-- `sealed_token` is the workspace's bot token, sealed (AES-256-GCM, see secret_box.rs)
-- with the team id as its context.
CREATE TABLE slack_installations (
    team_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    bot_user_id TEXT,
    sealed_token TEXT NOT NULL,
    installed_at BIGINT NOT NULL
);
CREATE INDEX slack_installations_by_tenant ON slack_installations (tenant_id);

-- `GET /slack/install` flows in progress: the `state` sent to Slack, usable once.
CREATE TABLE slack_oauth_states (
    state TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
