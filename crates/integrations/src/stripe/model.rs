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

/// Stripe's error type and message, from an error body
/// `{"error":{"type","code","message","param"}}` (APIS.md §3.1); empty strings for anything else.
///
/// The body is read as a JSON value, not into a struct: serde reads a struct from an array as
/// well (`[["card_error"]]` would give a type), and only Stripe's error object carries these. It
/// is read as text first: JSON is UTF-8, and a body with a stray Latin-1 byte is not JSON.
#[cfg(any(feature = "client", test, fuzzing))]
pub(crate) fn describe(body: &[u8]) -> (String, String) {
    let value = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
    let error = value
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(serde_json::Value::as_object);
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (field("type"), field("message"))
}
