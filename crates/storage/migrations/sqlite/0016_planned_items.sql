-- What an owner expects to come in or go out, which the forecast includes, and the what-if
-- scenarios they saved by name. Same file name, tables and columns as
-- ../postgres/0016_planned_items.sql, which says what each is for.
CREATE TABLE planned_items (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name_enc BLOB NOT NULL,
    first_on TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),
    repeat TEXT NOT NULL CHECK (repeat IN ('none', 'weekly', 'monthly', 'quarterly', 'yearly')),
    until_on TEXT,
    confidence_percent INTEGER NOT NULL CHECK (confidence_percent BETWEEN 1 AND 100),
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX planned_items_by_org ON planned_items (org_id, first_on);

CREATE TABLE saved_scenarios (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name_enc BLOB NOT NULL,
    inputs_enc BLOB NOT NULL,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX saved_scenarios_by_org ON saved_scenarios (org_id, created_at);
