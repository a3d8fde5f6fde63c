//! The HTTP surface end to end: one integration-test binary, a fresh server and database per test.

// The tests call the server as outside clients would (their own reqwest clients), and read what
// it wrote around the store.
#![expect(
    clippy::disallowed_methods,
    reason = "outside HTTP clients and raw reads of the database are what these tests are"
)]

mod account_attacks;
mod account_pages;
mod analysis_pages;
mod assistant;
mod at_rest;
mod audit;
mod billing;
mod books;
mod breached_passwords;
mod connections;
mod corrections;
mod cron;
mod csrf;
mod digest;
mod enumeration;
mod error_pages;
mod exchange_rates;
mod export_schema;
mod exports;
mod extreme_books;
mod forms;
mod import_isolation;
mod imports;
mod insights;
mod invitations;
mod last_purge;
mod limits;
mod log_canaries;
mod matrix;
mod metrics;
mod mfa;
mod onboarding;
mod openapi;
mod org_pages;
mod own_export;
mod pages;
mod passkeys;
mod password_age;
mod planned_items;
mod profile;
mod readiness;
mod request_hygiene;
mod request_limits;
mod scenarios;
mod security_record;
mod sessions;
mod slug_addresses;
mod sso;
mod support;
mod surface;
mod tls;
mod trust;
mod warm_up;

use flowsense_test_support::on_both_backends;
