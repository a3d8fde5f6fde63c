-- Passkeys (WebAuthn). Same file name, tables and columns as ../sqlite/0022_passkeys.sql.
--
-- `passkeys`: one row per registered credential. `credential_id` is unique across the instance
-- (a credential registered to one account is never accepted for another). `passkey` is the
-- verifier's own record of the credential (public key, algorithm, signature counter), as JSON;
-- it holds no secret. `sign_count`, `backup_eligible` and `backup_state` repeat what the last
-- ceremony reported, for the profile page and for refusing a regressing counter.
CREATE TABLE passkeys (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id BYTEA NOT NULL UNIQUE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backup_state BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at);

-- `webauthn_ceremonies`: the server-side state of a registration or an authentication in
-- flight, keyed by the SHA-256 of a random handle the browser sends back. Taken once (deleted
-- as it is read), expiring after a few minutes, and bound to the session that started it
-- (`session_hash`) unless it is a sign-in, which has no session yet. `user_id` is the account
-- the ceremony is for (none for a usernameless sign-in, where the passkey names it).
CREATE TABLE webauthn_ceremonies (
    id_hash BYTEA PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign_in', 'second_factor', 'step_up')),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    session_hash BYTEA,
    state TEXT NOT NULL,
    name TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON passkeys, webauthn_ceremonies TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;
