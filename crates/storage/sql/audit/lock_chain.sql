-- Creates the organisation's chain row if it has none, and locks it until the transaction ends
-- (on PostgreSQL a row lock, taken in turn by concurrent appends; SQLite has one writer).
INSERT INTO audit_chains (org_id) VALUES ($1)
ON CONFLICT (org_id) DO UPDATE SET head_id = audit_chains.head_id
RETURNING sealed_after, head_id, head_hash, anchor_id, anchor_hash
