-- Proposed write actions (budget changes, pauses) and the append-only audit log.

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tool TEXT NOT NULL,
    -- The ProposedChange as JSON: what the user saw and agreed to is what executes.
    change TEXT NOT NULL,
    -- proposed | awaiting_expert | approved | executing | executed | failed | rejected | cancelled
    status TEXT NOT NULL,
    needs_expert BIGINT NOT NULL,
    approved_by TEXT,
    result TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX actions_by_tenant ON actions (tenant_id, status);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    -- What it is about, e.g. action:<id>.
    subject TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, created_at);
