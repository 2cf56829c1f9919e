-- Human experts, escalations to them, and the log of every routing decision.

CREATE TABLE experts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    -- Comma-separated: paid_social, search, email_sms, crm, analytics, compliance, billing, integrations, general.
    skills TEXT NOT NULL,
    -- Comma-separated tenant ids, or '*' for every tenant.
    tenants TEXT NOT NULL,
    -- Working hours in the expert's local time, [start, end) in hours, and their offset from UTC.
    utc_offset_minutes BIGINT NOT NULL,
    work_start_hour BIGINT NOT NULL,
    work_end_hour BIGINT NOT NULL,
    -- Open escalations they can hold at once.
    capacity BIGINT NOT NULL,
    -- available | away | offline
    status TEXT NOT NULL,
    -- SHA-256 of the expert's API token (console and API).
    token_hash TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    slack_user_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    -- human_requested | high_stakes_decision | low_confidence | frustration |
    -- compliance_privacy | integration_failure | billing_account
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- low | normal | high | urgent
    urgency TEXT NOT NULL,
    -- tool (the model asked) or policy:<rule>
    source TEXT NOT NULL,
    -- waiting | claimed | resolved | closed
    status TEXT NOT NULL,
    -- Who routing asked to take it; who took it.
    assigned_expert_id TEXT REFERENCES experts(id),
    expert_id TEXT REFERENCES experts(id),
    skill TEXT NOT NULL,
    sla_due_at BIGINT NOT NULL,
    reroutes BIGINT NOT NULL,
    resolution TEXT,
    created_at BIGINT NOT NULL,
    claimed_at BIGINT,
    resolved_at BIGINT
);
CREATE INDEX escalations_open ON escalations (status, sla_due_at);
CREATE INDEX escalations_by_conversation ON escalations (conversation_id, created_at);

-- Append-only: every routing decision, transition and relay, with its reason.
CREATE TABLE escalation_events (
    id TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL REFERENCES escalations(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX escalation_events_by_escalation ON escalation_events (escalation_id, created_at);
