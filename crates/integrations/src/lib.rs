//! Clients of the outside services FlowSense reads, one module per provider: OAuth, typed
//! requests and answers, and the mapping into provider-neutral records. All HTTP goes through
//! `flowsense-outbound`.

#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
pub mod oauth_callback;
#[cfg(any(test, fuzzing))]
pub mod oauth_fuzz_checks;
#[cfg(feature = "client")]
pub mod oidc;
pub mod quickbooks;
#[cfg(feature = "client")]
mod retry;
pub mod stripe;
#[cfg(feature = "client")]
mod transport;
pub mod xero;

#[cfg(feature = "client")]
pub use flowsense_outbound::BreakerPolicy;
#[cfg(feature = "client")]
pub use retry::RetryPolicy;
