//! Checks at compile time that every statement in `crates/storage/sql/` (the shared ones and
//! `postgres-only/`) prepares on PostgreSQL with the parameters it is given. Nothing here runs.

include!(concat!(env!("OUT_DIR"), "/statements.rs"));
