-- Knowledge-base articles proposed from resolved escalations. An expert edits a draft
-- and publishes it (then it is ingested into the tenant's knowledge base and citable)
-- or rejects it. One article per escalation.

CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    escalation_id TEXT NOT NULL UNIQUE REFERENCES escalations(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- proposed, published, rejected
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    decided_by TEXT,
    -- The knowledge-base document it became, once published.
    document_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX articles_by_tenant ON articles (tenant_id, status, created_at);
