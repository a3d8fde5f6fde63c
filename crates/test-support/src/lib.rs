//! What the workspace's tests stand on, once: a database of their own per test (a temporary
//! SQLite file, or a new PostgreSQL database on the server named by
//! `FLOWSENSE_TEST_POSTGRES_URL`, dropped afterwards), [`on_both_backends!`] to run one test body
//! on each, and the switches CI sets (`FLOWSENSE_TEST_POSTGRES_URL`, `FLOWSENSE_REQUIRE_TOOLS`).
//!
//! A dev-dependency only: nothing here is part of FlowSense itself.

mod database;
pub mod fuzz_inputs;
mod runner;
pub mod test_index;

pub use database::{Backend, EmptyPgDb, TestDb};
pub use runner::{BackendTest, GivenBackend, GivenDatabase, GivenStore, run_on};

use std::io::Write;

/// The variable naming the PostgreSQL server tests create their databases on.
pub const POSTGRES_URL_VARIABLE: &str = "FLOWSENSE_TEST_POSTGRES_URL";

/// The variable that turns a missing outside tool (hledger, openssl, chromium …) from a skip into
/// a failure, as CI sets it.
pub const REQUIRE_TOOLS_VARIABLE: &str = "FLOWSENSE_REQUIRE_TOOLS";

/// The PostgreSQL server tests may create databases on, from `FLOWSENSE_TEST_POSTGRES_URL`
/// (unset or empty: none, and the PostgreSQL halves are skipped).
#[must_use]
#[expect(
    clippy::disallowed_methods,
    reason = "the test switches are read here, once, for every test in the workspace"
)]
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VARIABLE)
        .ok()
        .filter(|u| !u.is_empty())
}

/// Prints a loud notice that the PostgreSQL half of `test` did not run.
pub fn announce_postgres_skipped(test: &str) {
    say(&format!(
        "SKIPPED (PostgreSQL): {test} — set {POSTGRES_URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/test to run it"
    ));
}

/// Whether a missing outside tool must fail the test (`FLOWSENSE_REQUIRE_TOOLS` set to anything
/// but empty or `0`, as CI sets it) rather than skip it.
#[must_use]
#[expect(
    clippy::disallowed_methods,
    reason = "the test switches are read here, once, for every test in the workspace"
)]
pub fn tools_required() -> bool {
    std::env::var_os(REQUIRE_TOOLS_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0")
}

/// A test found `tool` missing: fails when tools are required, otherwise prints
/// `SKIPPED: {tool} not installed{hint}` so the skip is seen; the caller then returns.
///
/// # Panics
/// When `FLOWSENSE_REQUIRE_TOOLS` is set.
pub fn skip_for_missing_tool(tool: &str, hint: &str) {
    assert!(
        !tools_required(),
        "{tool} is required ({REQUIRE_TOOLS_VARIABLE} is set) but not installed"
    );
    say(&format!("SKIPPED: {tool} not installed{hint}"));
}

/// Straight to the process's stderr: the test harness captures `eprintln!` of passing tests.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Runs each named async test body twice, as `sqlite::NAME` and `postgres::NAME` (the latter
/// printing `SKIPPED (PostgreSQL)` and passing when `FLOWSENSE_TEST_POSTGRES_URL` is unset).
///
/// A body takes what it needs, one of: `&TestDb` (a fresh database, dropped afterwards),
/// `&Store` (the same, seen as its store), or [`Backend`] (it makes its own, say through a
/// spawned app). Attributes before a name (`#[ignore = "…"]`) go on both tests.
///
/// ```ignore
/// async fn invitations_are_single_use(db: &TestDb) { … }
/// async fn a_worker_imports_a_file(store: &Store) { … }
/// flowsense_test_support::on_both_backends!(invitations_are_single_use, a_worker_imports_a_file);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$attribute:meta])* $name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attribute])*
                async fn $name() {
                    $crate::run_on(super::$name, $crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attribute])*
                async fn $name() {
                    if $crate::postgres_url().is_none() {
                        $crate::announce_postgres_skipped(stringify!($name));
                        return;
                    }
                    $crate::run_on(super::$name, $crate::Backend::Postgres).await;
                }
            )+
        }
    };
}
