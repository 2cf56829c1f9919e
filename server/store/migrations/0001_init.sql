-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Integers are BIGINT (decoded as i64 on both), times are microseconds since the epoch
-- (strictly increasing within a process, so they also order messages),
-- ids are text (UUIDs), flags are BIGINT 0/1.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    label TEXT NOT NULL,
    -- The first characters of the key, shown to admins so they can tell keys apart.
    prefix TEXT NOT NULL,
    -- SHA-256 of the whole key: keys are long random strings, so a fast hash is enough.
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- How a person on a surface (a Slack user in a team, a web visitor) maps to a user.
CREATE TABLE channel_identities (
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (channel, external_id)
);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    channel TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, channel, conversation_key)
);

CREATE TABLE conversation_transitions (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    from_mode TEXT NOT NULL,
    to_mode TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    role TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Set on inbound messages: a platform retry carries the same (channel, event_id).
    channel TEXT,
    event_id TEXT,
    -- Inbound: pending until answered, so a crash mid-turn can be resumed.
    status TEXT NOT NULL,
    -- On a reply: the message it answers, so a retried request gets the same reply.
    reply_to TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (channel, event_id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);
CREATE INDEX messages_by_status ON messages (status, created_at);
CREATE INDEX messages_by_reply_to ON messages (reply_to);

CREATE TABLE tool_calls (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    message_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    result_summary TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tool_calls_by_conversation ON tool_calls (conversation_id, created_at);

CREATE TABLE usage (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tenant_id TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost_usd DOUBLE PRECISION NOT NULL,
    steps BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX usage_by_tenant ON usage (tenant_id, created_at);
