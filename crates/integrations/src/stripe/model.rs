//! Stripe's objects, as far as FlowSense reads them (APIS.md §3.2–3.5). Since `2025-03-31.basil`
//! the period of a subscription is on its items (`items.data[].current_period_end`), not on the
//! subscription.

use serde::Deserialize;
use std::collections::HashMap;

/// `customer`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
}

/// What a DELETE answers: `{"id","object","deleted":true}`.
#[cfg(any(feature = "client", test, fuzzing))]
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct Deleted {
    pub id: String,
    #[serde(default)]
    pub deleted: bool,
}

/// `checkout.session`: send the browser to `url`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: Option<String>,
}

/// `billing_portal.session`: send the browser to `url`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PortalSession {
    pub id: String,
    pub url: String,
}

/// `subscription`, the fields that decide an organisation's plan.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub customer: String,
    /// `active`, `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`,
    /// `incomplete_expired` or `paused`.
    pub status: String,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub items: Items,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Items {
    pub data: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Item {
    pub price: Price,
    /// Unix seconds.
    pub current_period_end: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Price {
    pub id: String,
}

impl Subscription {
    /// The price of its first item (FlowSense sells one plan per subscription).
    #[must_use]
    pub fn price_id(&self) -> Option<&str> {
        self.items.data.first().map(|i| i.price.id.as_str())
    }

    /// When the current period ends (the next invoice), unix seconds.
    #[must_use]
    pub fn current_period_end(&self) -> Option<i64> {
        self.items
            .data
            .iter()
            .filter_map(|i| i.current_period_end)
            .max()
    }
}

/// An error body, `{"error":{"type","code","message","param"}}` (APIS.md §3.1).
#[cfg(any(feature = "client", test, fuzzing))]
#[derive(Deserialize, Default)]
struct Body {
    error: Option<Detail>,
}

#[cfg(any(feature = "client", test, fuzzing))]
#[derive(Deserialize, Default)]
struct Detail {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// Stripe's error type and message, from an error body.
///
/// The body is read as text first: JSON is UTF-8, and `serde_json` skips the fields it ignores
/// without checking their bytes, so a body with a stray Latin-1 byte in some other field would
/// otherwise give a type and message out of something that is not JSON at all.
#[cfg(any(feature = "client", test, fuzzing))]
pub(crate) fn describe(body: &[u8]) -> (String, String) {
    let detail = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<Body>(text).ok())
        .and_then(|b| b.error)
        .unwrap_or_default();
    (detail.kind, detail.message)
}
