-- OpenID Connect single sign-on. Same file name, tables and columns as
-- ../sqlite/0023_single_sign_on.sql.
--
-- sso_states: sign-ins sent to the identity provider and not back yet. Only the SHA-256 of the
-- `state` value is kept, bound to the SHA-256 of the pre-login browser cookie that started it.
-- The `nonce` and the PKCE verifier are not stored: both are HMACs of the state under an instance
-- subkey, so only this instance can make them again when the state comes back. Taken once
-- (deleted as it is read); expired ones are purged hourly. No organisation: nobody is signed in.
CREATE TABLE sso_states (
    state_hash BYTEA PRIMARY KEY,
    browser_hash BYTEA NOT NULL,
    next_path TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sso_states_by_expiry ON sso_states (expires_at);

-- user_identities: the provider accounts (issuer and subject, the ID token's `iss` and `sub`)
-- linked to a FlowSense account. A subject is linked once, to one account.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_by_user ON user_identities (user_id);

-- An organisation's single sign-on policy: `sso_domain` is the e-mail domain whose people join it
-- as viewers on their first single sign-on (just-in-time membership; one organisation per
-- domain); `sso_required` refuses its members' passwords (they sign in through the provider).
ALTER TABLE organisations ADD COLUMN sso_domain TEXT UNIQUE;
ALTER TABLE organisations ADD COLUMN sso_required BOOLEAN NOT NULL DEFAULT FALSE;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON sso_states, user_identities TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;
