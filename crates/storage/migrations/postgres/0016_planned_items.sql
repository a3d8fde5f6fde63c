-- What an owner expects to come in or go out, which the forecast includes, and the what-if
-- scenarios they saved by name. Same file name, tables and columns as
-- ../sqlite/0016_planned_items.sql.
--
-- planned_items: one expected amount (`amount_minor`, positive money in, negative money out)
-- first on `first_on`, then again every week, month, quarter or year (`repeat`) up to
-- `until_on` when given; `confidence_percent` is how sure the owner is (the forecast counts that
-- share of the amount). The name is the owner's own words, sealed with the organisation's key
-- (`name_enc`). Adding or removing one bumps the organisation's books version, so every cached
-- forecast is recomputed.
CREATE TABLE planned_items (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name_enc BYTEA NOT NULL,
    first_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor <> 0),
    repeat TEXT NOT NULL CHECK (repeat IN ('none', 'weekly', 'monthly', 'quarterly', 'yearly')),
    until_on DATE,
    confidence_percent BIGINT NOT NULL CHECK (confidence_percent BETWEEN 1 AND 100),
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX planned_items_by_org ON planned_items (org_id, first_on);

-- saved_scenarios: a what-if kept by name to compare later: the name and the form's inputs
-- (JSON), both sealed with the organisation's key. The forecast is recomputed from the inputs
-- whenever it is shown, so a saved scenario follows the books.
CREATE TABLE saved_scenarios (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name_enc BYTEA NOT NULL,
    inputs_enc BYTEA NOT NULL,
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX saved_scenarios_by_org ON saved_scenarios (org_id, created_at);

ALTER TABLE planned_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE planned_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON planned_items
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);
ALTER TABLE saved_scenarios ENABLE ROW LEVEL SECURITY;
ALTER TABLE saved_scenarios FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saved_scenarios
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON planned_items, saved_scenarios TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;
