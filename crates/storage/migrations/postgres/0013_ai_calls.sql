-- What each call to an AI model sent, and the narratives written for an organisation's
-- insights. Same file name, tables and columns as ../sqlite/0013_ai_calls.sql.
--
-- ai_calls: one row per call to a model (or per call refused by the monthly token budget),
-- never its content: who asked (`user_id`, NULL for a job), why (`purpose`), which provider and
-- model, the names of the tools that ran (`tools`, a JSON array of strings), how many named
-- figures and how many transaction rows went out, the tokens in and out, and how it ended
-- (`ok`; `invented_number`: the text held a number that was not among the figures, so the
-- template text was kept; `failed`; `over_budget`: not sent). Kept 13 months (hourly clean-up).
CREATE TABLE ai_calls (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE SET NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('narrative', 'assistant')),
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    tools TEXT NOT NULL,
    figures_sent BIGINT NOT NULL CHECK (figures_sent >= 0),
    rows_sent BIGINT NOT NULL CHECK (rows_sent >= 0),
    input_tokens BIGINT NOT NULL CHECK (input_tokens >= 0),
    output_tokens BIGINT NOT NULL CHECK (output_tokens >= 0),
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'invented_number', 'failed', 'over_budget')),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ai_calls_by_org ON ai_calls (org_id, created_at);
CREATE INDEX ai_calls_by_age ON ai_calls (created_at);

-- insight_narratives: the latest narratives of an organisation's insights, sealed with its key
-- (`narratives_enc`: each insight's narrative and the figures it rests on), with the books
-- version they were written for (a narrative of older books is not shown as current) and the
-- provider and model that wrote them.
CREATE TABLE insight_narratives (
    org_id UUID PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    books_version BIGINT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    narratives_enc BYTEA NOT NULL,
    written_at TIMESTAMPTZ NOT NULL
);

-- The clean-up purges old call records across organisations in the system scope.
ALTER TABLE ai_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_calls
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system')
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system');
ALTER TABLE insight_narratives ENABLE ROW LEVEL SECURITY;
ALTER TABLE insight_narratives FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON insight_narratives
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

-- An `insights.narrate` job is enqueued with the key `narrate:{org}` so that a burst of imports
-- and syncs queues one; once a worker takes it the key is released, so the next change queues
-- the next run.
CREATE TRIGGER jobs_release_narrate_key BEFORE UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state <> 'queued' AND NEW.idempotency_key LIKE 'narrate:%')
    EXECUTE FUNCTION jobs_release_sync_key();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ai_calls, insight_narratives TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;
