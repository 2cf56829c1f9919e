-- Expert console sessions. `id` is the SHA-256 of the session cookie's value, so the
-- table alone cannot be used to log in; the cookie is never an expert's API token.

CREATE TABLE expert_sessions (
    id TEXT PRIMARY KEY,
    expert_id TEXT NOT NULL REFERENCES experts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX expert_sessions_by_expert ON expert_sessions (expert_id);
CREATE INDEX expert_sessions_by_expiry ON expert_sessions (expires_at);
