//! Test databases (a fresh SQLite file, or a freshly created PostgreSQL database, per test) come
//! from `flowsense-test-support`; the sealed-value helpers of the encryption contract live here.

#![allow(dead_code)]

#[expect(
    clippy::disallowed_methods,
    reason = "the encryption tests read and tamper with the database around the store"
)]
pub mod sealed;

pub use flowsense_test_support::TestDb;
