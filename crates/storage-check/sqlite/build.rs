//! Generates this crate's checks: the shared statements and the `sqlite-only/` ones.

/// The variable the query macros read the database URL from (see `sqlx.toml`).
const URL_VAR: &str = "FLOWSENSE_CHECK_SQLITE_URL";
/// The other engine's folder, left out.
const OTHER: &str = "postgres-only";

include!("../statements.rs");
