//! What a job worker or the command line does, without the web crate: the use cases called
//! through the service crate alone, on SQLite and (when `FLOWSENSE_TEST_POSTGRES_URL` is set)
//! on PostgreSQL.

mod accounts_and_orgs;
mod backup;
mod email_jobs;
mod fx;
mod imports;
mod killed_worker;
mod narratives;
mod retention;
mod retention_backtest;
mod support;
mod sync;
mod xero;

use flowsense_test_support::on_both_backends;
