-- What each call to an AI model sent, and the narratives written for an organisation's
-- insights. Same file name, tables and columns as ../postgres/0013_ai_calls.sql, which says what
-- each is for.
CREATE TABLE ai_calls (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('narrative', 'assistant')),
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    tools TEXT NOT NULL,
    figures_sent INTEGER NOT NULL CHECK (figures_sent >= 0),
    rows_sent INTEGER NOT NULL CHECK (rows_sent >= 0),
    input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'invented_number', 'failed', 'over_budget')),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX ai_calls_by_org ON ai_calls (org_id, created_at);
CREATE INDEX ai_calls_by_age ON ai_calls (created_at);

CREATE TABLE insight_narratives (
    org_id BLOB PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    books_version INTEGER NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    narratives_enc BLOB NOT NULL,
    written_at TEXT NOT NULL
) STRICT;

-- An `insights.narrate` job is enqueued with the key `narrate:{org}` so that a burst of imports
-- and syncs queues one; once a worker takes it the key is released, so the next change queues
-- the next run.
CREATE TRIGGER jobs_release_narrate_key AFTER UPDATE OF state ON jobs
WHEN NEW.state <> 'queued' AND NEW.idempotency_key LIKE 'narrate:%'
BEGIN
    UPDATE jobs SET idempotency_key = NULL WHERE id = NEW.id;
END;
