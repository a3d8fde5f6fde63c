//! The HTTP surface end to end: one integration-test binary, a fresh server and database per test.

mod account_pages;
mod audit;
mod books;
mod csrf;
mod enumeration;
mod forms;
mod invitations;
mod limits;
mod matrix;
mod mfa;
mod pages;
mod profile;
mod sessions;
mod support;
