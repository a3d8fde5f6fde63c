-- The sign-in epoch: one counter that every change to what a signed-in request reads moves on,
-- in the same transaction as the change, so an instance may keep those reads in memory for as
-- long as the counter stands (flowsense_storage::AuthView). Same file name as
-- ../sqlite/0032_auth_epoch.sql, which lists what moves it.
--
-- The counter is one row, so two transactions that both move it wait for each other. The
-- triggers are deferred to the end of the transaction and move it once per transaction: a long
-- import (which moves its organisation's books version) holds the row only while it commits, and
-- other organisations' writes never queue behind the import's own work.
CREATE TABLE auth_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, value) VALUES (1, 0);

CREATE FUNCTION auth_epoch_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the setting is local to it.
    IF current_setting('flowsense.auth_epoch_moved', true) IS DISTINCT FROM 'yes' THEN
        UPDATE auth_epoch SET value = value + 1 WHERE id = 1;
        PERFORM set_config('flowsense.auth_epoch_moved', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER auth_epoch_sessions
AFTER DELETE OR UPDATE OF id_hash, public_id, user_id, csrf_token_hash, created_at,
    absolute_expires_at, authenticated_at, mfa_at, user_agent, ip ON sessions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth_epoch_move();
CREATE CONSTRAINT TRIGGER auth_epoch_api_tokens
AFTER DELETE OR UPDATE OF id, user_id, name, token_hash, scope, created_at, expires_at, revoked_at
    ON api_tokens
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth_epoch_move();
CREATE CONSTRAINT TRIGGER auth_epoch_users AFTER UPDATE OR DELETE ON users
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth_epoch_move();
CREATE CONSTRAINT TRIGGER auth_epoch_memberships AFTER INSERT OR UPDATE OR DELETE ON memberships
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth_epoch_move();
CREATE CONSTRAINT TRIGGER auth_epoch_organisations AFTER UPDATE OR DELETE ON organisations
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth_epoch_move();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, UPDATE ON auth_epoch TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;
