-- Charts tools drew during turns, shown under their answer and fetched by URL
-- (`/api/v1/charts/{id}.svg|png`). `spec` is the omnify_core::Chart as JSON: images are
-- rendered from it on request, so a better renderer improves old charts too.

CREATE TABLE charts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    -- The reply the chart belongs to, and the tool call that drew it.
    message_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX charts_by_conversation ON charts (conversation_id, created_at);
