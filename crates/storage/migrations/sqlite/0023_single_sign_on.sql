-- OpenID Connect single sign-on. Same file name, tables and columns as
-- ../postgres/0023_single_sign_on.sql, which says what each is for.
CREATE TABLE sso_states (
    state_hash BLOB PRIMARY KEY,
    browser_hash BLOB NOT NULL,
    next_path TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sso_states_by_expiry ON sso_states (expires_at);

CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
) STRICT;
CREATE INDEX user_identities_by_user ON user_identities (user_id);

ALTER TABLE organisations ADD COLUMN sso_domain TEXT;
CREATE UNIQUE INDEX organisations_by_sso_domain ON organisations (sso_domain);
ALTER TABLE organisations ADD COLUMN sso_required INTEGER NOT NULL DEFAULT 0 CHECK (sso_required IN (0, 1));
