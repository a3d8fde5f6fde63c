-- The durable job queue (issue 13). Same file name, tables and columns as
-- ../postgres/0008_job_queue.sql. The `jobs` table of 0001 was never written to, so it is
-- recreated with the columns the worker needs rather than altered.
--
-- A job is `queued` until a worker claims it (`running`, under a lease the worker renews), then
-- `succeeded`, back to `queued` for a retry, or `dead` after its last attempt; an operator can
-- move a queued or dead job to `cancelled`. A running job whose lease expired is claimed again.
DROP TABLE jobs;
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id BLOB REFERENCES organisations(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    -- A second enqueue with the same key is a no-op (scheduled jobs: `kind:{org}:{period}`).
    idempotency_key TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    lease_owner TEXT,
    lease_expires_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
) STRICT;
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_by_org ON jobs (org_id);

-- Nonces of signed cron requests, each accepted once; purged once older than the replay window.
CREATE TABLE cron_nonces (
    nonce TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX cron_nonces_by_age ON cron_nonces (seen_at);
