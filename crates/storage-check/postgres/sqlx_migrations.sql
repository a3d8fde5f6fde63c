-- The table `sqlx::migrate!` keeps its history in (sqlx-postgres 0.9, migrate.rs), which
-- db/applied_migrations.sql reads. The check database is migrated with psql, so make it here.
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
