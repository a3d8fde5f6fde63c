-- The sign-in epoch: one counter that every change to what a signed-in request reads moves on,
-- in the same transaction as the change, so an instance may keep those reads in memory for as
-- long as the counter stands (flowsense_storage::AuthView). Same file name as
-- ../postgres/0032_auth_epoch.sql.
--
-- What moves it: any change to a session but its last-seen time (written once a minute by the
-- requests themselves), to an API token but its last-used time, to a user, to a membership
-- (added too: the organisations a user belongs to), and to an organisation. A session or token
-- created needs none: nothing can have cached it. A column added to sessions or api_tokens later
-- must be added to its trigger's list (the storage tests compare the lists with the tables).
CREATE TABLE auth_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO auth_epoch (id, value) VALUES (1, 0);

CREATE TRIGGER auth_epoch_sessions_update
AFTER UPDATE OF id_hash, public_id, user_id, csrf_token_hash, created_at, absolute_expires_at,
    authenticated_at, mfa_at, user_agent, ip ON sessions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_sessions_delete AFTER DELETE ON sessions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_api_tokens_update
AFTER UPDATE OF id, user_id, name, token_hash, scope, created_at, expires_at, revoked_at
    ON api_tokens
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_api_tokens_delete AFTER DELETE ON api_tokens
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_users_update AFTER UPDATE ON users
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_users_delete AFTER DELETE ON users
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_memberships_insert AFTER INSERT ON memberships
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_memberships_update AFTER UPDATE ON memberships
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_memberships_delete AFTER DELETE ON memberships
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_organisations_update AFTER UPDATE ON organisations
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_organisations_delete AFTER DELETE ON organisations
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
