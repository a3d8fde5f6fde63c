-- The table `sqlx::migrate!` keeps its history in (sqlx-sqlite 0.9, migrate.rs), which
-- db/applied_migrations.sql reads. The check database is migrated with sqlite3, so make it here.
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);
