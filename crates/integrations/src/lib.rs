//! Clients of the outside services FlowSense reads, one module per provider: OAuth, typed
//! requests and answers, and the mapping into provider-neutral records. All HTTP goes through
//! `flowsense-outbound`.

#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
pub mod oidc;
pub mod quickbooks;
mod retry;
pub mod stripe;
mod transport;
pub mod xero;

pub use retry::RetryPolicy;
