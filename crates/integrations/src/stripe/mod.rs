//! Stripe Billing: the customer an organisation pays as, a Checkout Session in subscription
//! mode to upgrade, a Billing Portal session to manage, the subscription's current state, and
//! deleting the customer when its organisation is deleted (APIS.md §3). The API takes `application/x-www-form-urlencoded` bodies with bracketed keys and
//! answers JSON; every request carries the pinned [`API_VERSION`] and every POST an
//! `Idempotency-Key` the caller derives from what it means, so a retry never creates twice.
//! Card data never reaches FlowSense: the customer pays on Stripe's own pages.

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod error;
#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
#[cfg(feature = "client")]
mod http;
mod model;

#[cfg(feature = "client")]
pub use crate::retry::RetryPolicy;
#[cfg(feature = "client")]
pub use client::{API_VERSION, CheckoutRequest, Stripe, StripeConfig};
#[cfg(feature = "client")]
pub use error::StripeError;
#[cfg(feature = "client")]
pub use flowsense_outbound::Loopback;
#[cfg(feature = "client")]
pub(crate) use http::StripeApi;
pub use model::{CheckoutSession, Customer, PortalSession, Subscription};
