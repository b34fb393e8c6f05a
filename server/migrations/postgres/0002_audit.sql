-- Who (tenant + subject: a JWT's sub, or token:<digest prefix> for an opaque token) created,
-- read, updated or listed which scan. Append-only; written after the action succeeded.
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- created | replayed | read | updated | listed
    action TEXT NOT NULL,
    -- The scan id; for "listed", the ids of the page, comma-separated (may be empty).
    scan_id TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant, seq);
