//! Checks at compile time that every statement in `crates/storage/sql/` (the shared ones and
//! `sqlite-only/`) prepares on SQLite with the parameters it is given. Nothing here runs.

include!(concat!(env!("OUT_DIR"), "/statements.rs"));
