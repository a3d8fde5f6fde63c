//! The HTTP surface end to end: one integration-test binary, a fresh server and database per test.

mod analysis_pages;
mod audit;
mod books;
mod csrf;
mod enumeration;
mod invitations;
mod limits;
mod matrix;
mod mfa;
mod pages;
mod sessions;
mod support;
