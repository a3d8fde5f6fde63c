//! End to end in a real browser (headless chromium over WebDriver) against the `flowsense demo`
//! binary. Screenshots of every page visited go to `target/e2e/`.

mod analysis;
mod assistant;
mod billing;
mod connect;
mod harness;
mod onboarding;
mod org_admin;
mod passkeys;
mod profile;
mod viewer_tour;
