//! The HTTP surface end to end: one integration-test binary, a fresh server and database per test.

mod account_attacks;
mod account_pages;
mod analysis_pages;
mod audit;
mod books;
mod cron;
mod csrf;
mod digest;
mod enumeration;
mod error_pages;
mod extreme_books;
mod forms;
mod import_isolation;
mod imports;
mod invitations;
mod limits;
mod matrix;
mod mfa;
mod org_pages;
mod own_export;
mod pages;
mod profile;
mod request_hygiene;
mod sessions;
mod support;
mod warm_up;
