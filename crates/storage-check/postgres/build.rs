//! Generates this crate's checks: the shared statements and the `postgres-only/` ones.

/// The variable the query macros read the database URL from (see `sqlx.toml`).
const URL_VAR: &str = "FLOWSENSE_CHECK_POSTGRES_URL";
/// The other engine's folder, left out.
const OTHER: &str = "sqlite-only";

include!("../statements.rs");
