//! The providers' signed webhooks, as far as they can be judged without a database: is the
//! signature right over the exact body bytes, and what does the body say.
//!
//! - Stripe (APIS.md §3.4): [`stripe::verify_stripe_signature`], [`stripe::parse_stripe_event`].
//! - QuickBooks (§1.9) and Xero (§2.5): [`intuit_xero::verify_quickbooks`],
//!   [`intuit_xero::verify_xero`], each returning the delivery's events.
//!
//! Acting on a delivery (once per event, queuing syncs, fetching subscriptions) is the
//! service's. Nothing here logs.

mod crypto;
pub mod intuit_xero;
pub mod stripe;

#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;

pub use intuit_xero::{VerifyError, WebhookEvent, verify_quickbooks, verify_xero};
pub use stripe::{
    SIGNATURE_TOLERANCE_SECS, SignatureError, StripeEvent, parse_stripe_event,
    verify_stripe_signature,
};
