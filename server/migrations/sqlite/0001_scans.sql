-- Scan records, one row per (tenant, id). The record is kept whole as JSON text: the server
-- validates it but does not own its schema (the SDK may add face fields).
CREATE TABLE scans (
    -- Insertion order: the stable order of GET /v1/face-recognition pages.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    record TEXT NOT NULL,
    -- sha256 of the canonical body of the first POST: what idempotent replays are compared to.
    body_sha256 TEXT NOT NULL,
    -- Bumped by every PUT; updates are compare-and-set on it (no lost update, no row locks).
    version BIGINT NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant, id)
);

-- The production token store: sha256 (hex) of each bearer token and its tenant. Tokens are
-- never stored in clear.
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    created_at TEXT NOT NULL
);
