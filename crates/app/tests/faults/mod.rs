//! Faults and many instances, with real processes: `flowsense serve` on a PostgreSQL cluster of
//! the test's own that the test stops and starts, and several `serve` processes on one database.
//! They run when the PostgreSQL tests are switched on (`FLOWSENSE_TEST_POSTGRES_URL`) and the
//! server's binaries are installed (and, behind a proxy, HAProxy).

mod behind_proxy;
mod cluster;
pub(crate) mod instance;
mod killed_job;
mod killed_sync;
mod many_instances;
mod postgres_restart;
mod proxy;
mod sync_check;

use std::path::PathBuf;

/// The PostgreSQL server binaries, or `None` after saying why `test` is skipped.
fn postgres_binaries(test: &str) -> Option<PathBuf> {
    flowsense_test_support::postgres_url().or_else(|| {
        flowsense_test_support::announce_postgres_skipped(test);
        None
    })?;
    let found = cluster::server_binaries();
    if found.is_none() {
        flowsense_test_support::skip_for_missing_tool(
            "postgresql (initdb, pg_ctl)",
            " under /usr/lib/postgresql/*/bin",
        );
    }
    found
}

/// Runs `read` on a connection of the test's own to the cluster at `url`, as its owner: what
/// the processes wrote, read around the store.
fn read_as_owner<T>(url: &str, read: impl AsyncFnOnce(&mut sqlx::PgConnection) -> T) -> T {
    use sqlx::Connection;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("connect to the cluster");
            read(&mut conn).await
        })
}
