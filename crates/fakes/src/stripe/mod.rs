//! A local Stripe Billing (APIS.md §3): the API's customers, Checkout Sessions in subscription
//! mode, Billing Portal sessions, subscriptions and invoices, with the pages a customer sees
//! (pay on Checkout, cancel in the portal) and signed webhook delivery.
//!
//! Faithful where the app depends on it: form-encoded bodies with bracketed keys, `Bearer`
//! secret keys, `Idempotency-Key` replays (and `idempotency_error` for a reused key with other
//! parameters), `Stripe-Version` recorded per request, the `dahlia` shapes (periods on the
//! subscription's items, an invoice's subscription under `parent.subscription_details`), events
//! carrying a snapshot of the object as it was (so a late event is stale), and
//! `Stripe-Signature: t=…,v1=…` deliveries, retried with backoff on failure. Tests can hold
//! events and release them out of order, or have each one delivered twice.

mod api;
mod pages;
mod webhooks;

pub use webhooks::{Delivered, Delivery, sign_payload, signature_header};

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use flowsense_core::clock::Clock;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A price the fake sells: `price_id` costs `amount_minor` of `currency` a month.
#[derive(Debug, Clone)]
pub struct FakePrice {
    pub id: String,
    pub product_name: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct StripeFakeConfig {
    /// The only secret key accepted (`Authorization: Bearer …`).
    pub secret_key: String,
    /// The endpoint secrets deliveries are signed with: one `v1` per secret (two while a
    /// secret is being rolled).
    pub webhook_secrets: Vec<String>,
    pub prices: Vec<FakePrice>,
    /// Waits before each retry of a failed delivery (Stripe: hours; tests: milliseconds).
    pub retry_delays: Vec<Duration>,
}

/// The price the sandbox and tests sell as the paid plan.
pub const TEAM_PRICE: &str = "price_flowsense_team_monthly";

impl Default for StripeFakeConfig {
    fn default() -> Self {
        Self {
            // Test-mode shapes that no live-key search mistakes for a real key (dots break the
            // key alphabet): the sandbox prints them for the app to use.
            secret_key: "sk_test_fake.flowsense.sandbox".into(), // pragma: allowlist secret
            webhook_secrets: vec!["whsec_fake.flowsense.sandbox".into()], // pragma: allowlist secret
            prices: vec![FakePrice {
                id: TEAM_PRICE.into(),
                product_name: "FlowSense Team".into(),
                amount_minor: 4900,
                currency: "usd".into(),
            }],
            retry_delays: vec![
                Duration::from_millis(50),
                Duration::from_millis(200),
                Duration::from_millis(800),
            ],
        }
    }
}

/// One API request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub stripe_version: Option<String>,
    pub idempotency_key: Option<String>,
}

pub(crate) struct Session {
    pub object: Value,
    pub price: String,
}

pub(crate) struct Portal {
    pub customer: String,
    pub return_url: String,
}

pub(crate) struct Inner {
    pub next_id: u64,
    pub customers: HashMap<String, Value>,
    pub sessions: HashMap<String, Session>,
    pub portals: HashMap<String, Portal>,
    pub subscriptions: HashMap<String, Value>,
    pub invoices: Vec<Value>,
    /// Idempotency key → (the request's parameters, status, body) of its first answer.
    pub idempotent: HashMap<String, (String, u16, String)>,
    pub served: Vec<Served>,
    pub webhook_url: Option<String>,
    pub delivery: Delivery,
    /// Events made while [`Delivery::Held`], not yet sent.
    pub held: Vec<Value>,
    pub delivered: Vec<Delivered>,
    /// API requests still to be answered with a 500 `api_error` ([`StripeFake::fail_next`]).
    pub failing: u32,
}

pub(crate) struct Shared {
    pub config: StripeFakeConfig,
    pub clock: Arc<dyn Clock>,
    pub origin: Mutex<String>,
    pub inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn origin(&self) -> String {
        self.origin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Inner {
    /// A fresh id with Stripe's prefix: `cus_…`, `cs_test_…`, `sub_…`.
    pub(crate) fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let salt = crate::quickbooks::random_token();
        format!("{prefix}_{:04}{}", self.next_id, &salt[..12])
    }
}

/// A running fake Stripe. Dropping it stops the server.
pub struct StripeFake {
    shared: Arc<Shared>,
    server: crate::server::Server,
}

impl StripeFake {
    /// Starts the fake on a free loopback port; `clock` stamps its objects and signatures.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(config: StripeFakeConfig, clock: Arc<dyn Clock>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            config,
            clock,
            origin: Mutex::new(String::new()),
            inner: Mutex::new(Inner {
                next_id: 0,
                customers: HashMap::new(),
                sessions: HashMap::new(),
                portals: HashMap::new(),
                subscriptions: HashMap::new(),
                invoices: Vec::new(),
                idempotent: HashMap::new(),
                served: Vec::new(),
                webhook_url: None,
                delivery: Delivery::InOrder,
                held: Vec::new(),
                delivered: Vec::new(),
                failing: 0,
            }),
        });
        let app = Router::new()
            .route("/v1/customers", post(api::create_customer))
            .route(
                "/v1/customers/{id}",
                axum::routing::delete(api::delete_customer),
            )
            .route("/v1/checkout/sessions", post(api::create_checkout_session))
            .route(
                "/v1/billing_portal/sessions",
                post(api::create_portal_session),
            )
            .route("/v1/subscriptions/{id}", get(api::subscription))
            .route("/v1/invoices", get(api::invoices))
            .route("/c/pay/{id}", get(pages::checkout).post(pages::pay))
            .route("/p/session/{id}", get(pages::portal))
            .route("/p/session/{id}/cancel", post(pages::portal_cancel))
            .with_state(shared.clone());
        let server = crate::server::Server::start(app).await?;
        *shared
            .origin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = server.origin();
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:PORT`: the API base, and where its pages are.
    #[must_use]
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    #[must_use]
    pub fn config(&self) -> &StripeFakeConfig {
        &self.shared.config
    }

    /// Where events are delivered (the app's `/webhooks/stripe`); none: events are dropped.
    pub fn set_webhook_url(&self, url: &str) {
        self.shared.lock().webhook_url = Some(url.to_owned());
    }

    /// How events are delivered from now on.
    pub fn set_delivery(&self, delivery: Delivery) {
        self.shared.lock().delivery = delivery;
    }

    /// The next `requests` API requests are answered with Stripe's 500 `api_error` (an
    /// outage), before any authentication or change.
    pub fn fail_next(&self, requests: u32) {
        self.shared.lock().failing = requests;
    }

    /// Whether `id` is a customer Stripe holds (not deleted).
    #[must_use]
    pub fn has_customer(&self, id: &str) -> bool {
        self.shared.lock().customers.contains_key(id)
    }

    /// Every API request so far.
    #[must_use]
    pub fn served(&self) -> Vec<Served> {
        self.shared.lock().served.clone()
    }

    /// Every delivery attempt so far, in the order made.
    #[must_use]
    pub fn delivered(&self) -> Vec<Delivered> {
        self.shared.lock().delivered.clone()
    }

    /// A subscription as the API would return it now.
    #[must_use]
    pub fn subscription(&self, id: &str) -> Option<Value> {
        self.shared.lock().subscriptions.get(id).cloned()
    }

    /// The id of the newest subscription of `customer`.
    #[must_use]
    pub fn subscription_of(&self, customer: &str) -> Option<String> {
        let inner = self.shared.lock();
        let mut subs: Vec<&Value> = inner
            .subscriptions
            .values()
            .filter(|s| s["customer"] == customer)
            .collect();
        subs.sort_by_key(|s| s["created"].as_i64());
        subs.last()
            .and_then(|s| s["id"].as_str())
            .map(str::to_owned)
    }

    /// Completes a Checkout Session as paying on its page does, and delivers its events.
    ///
    /// # Errors
    /// When the session is unknown or not open.
    pub async fn complete_checkout(&self, session: &str) -> Result<String, String> {
        let (events, _) = pages::complete(&self.shared, session)?;
        webhooks::send(&self.shared, events).await;
        let inner = self.shared.lock();
        Ok(inner.sessions[session].object["subscription"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The next renewal of `subscription`: a new period and its invoice, paid, or failed (the
    /// subscription turns `past_due`); delivers `invoice.paid` or `invoice.payment_failed` and
    /// `customer.subscription.updated`.
    ///
    /// # Errors
    /// When the subscription is unknown or ended.
    pub async fn renew(&self, subscription: &str, paid: bool) -> Result<(), String> {
        let events = api::renew(&self.shared, subscription, paid)?;
        webhooks::send(&self.shared, events).await;
        Ok(())
    }

    /// Cancels `subscription` at once, as the portal's cancel button does; delivers
    /// `customer.subscription.deleted`.
    ///
    /// # Errors
    /// When the subscription is unknown.
    pub async fn cancel(&self, subscription: &str) -> Result<(), String> {
        let events = api::cancel(&self.shared, subscription)?;
        webhooks::send(&self.shared, events).await;
        Ok(())
    }

    /// Takes the events held under [`Delivery::Held`] without sending them (tests sign and send
    /// them their own way).
    #[must_use]
    pub fn take_held(&self) -> Vec<Value> {
        std::mem::take(&mut self.shared.lock().held)
    }

    /// Sends the events held under [`Delivery::Held`], newest first when `newest_first`.
    pub async fn release_held(&self, newest_first: bool) {
        let mut events = std::mem::take(&mut self.shared.lock().held);
        if newest_first {
            events.reverse();
        }
        webhooks::deliver_all(&self.shared, events).await;
    }
}
