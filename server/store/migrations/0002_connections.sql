-- Platform connections: one row per tenant and platform account. `credentials` is
-- sealed (AES-256-GCM, see secret_box.rs) and never leaves the server.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    platform TEXT NOT NULL,
    account_id TEXT NOT NULL,
    label TEXT NOT NULL,
    credentials TEXT NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_tested_at BIGINT,
    UNIQUE (tenant_id, platform, account_id)
);

-- OAuth authorization-code flows in progress: the `state` we sent, to check on return.
CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    platform TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Admin keys may manage connections; member keys may only chat.
ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
