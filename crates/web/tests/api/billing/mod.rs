//! Billing with Stripe end to end against the Stripe fake: upgrading through Checkout (over
//! HTTP), signed webhooks checked against Stripe's own Python library, out-of-order and
//! duplicated events, failed payments with their grace period, and downgrades that enforce the
//! free plan's limits without deleting anything.

mod events;
mod history;
mod limits;
mod plan_changes;
mod signatures;

use crate::support::{Browser, Db, TestApp, spawn_with_state};
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::clock::Clock;
use flowsense_core::{OrgId, Role};
use flowsense_fakes::stripe::{StripeFake, StripeFakeConfig};
use flowsense_integrations::stripe::{Loopback, RetryPolicy, Stripe, StripeConfig};
use flowsense_service::billing::{Billing, Plans};
use flowsense_storage::BillingRecord;
use flowsense_web::AppState;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A clock that reads another one once it is set: the fake starts before the app (whose
/// manual clock it must share, so signatures and periods follow the test's time).
#[derive(Default)]
pub struct SharedClock(Mutex<Option<Arc<dyn Clock>>>);

impl SharedClock {
    pub fn follow(&self, clock: Arc<dyn Clock>) {
        *self.0.lock().expect("clock") = Some(clock);
    }
}

impl Clock for SharedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .expect("clock")
            .as_ref()
            .map_or_else(Utc::now, |c| c.now())
    }
}

/// The instance's billing against `fake`, with `plans`.
pub fn billing_for(fake: &StripeFake, plans: Plans) -> Billing {
    let config = StripeConfig {
        loopback: Loopback::Allowed,
        retry: RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..StripeConfig::production(SecretString::from(fake.config().secret_key.clone()))
    }
    .at_origin(&fake.origin())
    .expect("origin");
    Billing {
        stripe: Some(Arc::new(Stripe::new(config).expect("client"))),
        webhook_secrets: fake
            .config()
            .webhook_secrets
            .iter()
            .map(|s| SecretString::from(s.clone()))
            .collect(),
        plans,
        grace: TimeDelta::days(7),
    }
}

/// `state` with billing on against `fake`.
pub fn with_fake_stripe(mut state: AppState, fake: &StripeFake, plans: Plans) -> AppState {
    let mut providers = state.services.providers.clone();
    providers.billing = billing_for(fake, plans);
    state.services = state.services.clone().with_providers(providers);
    state
}

pub struct Env {
    pub app: TestApp,
    pub stripe: StripeFake,
    pub org: OrgId,
    pub admin: Browser,
}

/// The app with billing on against a fresh Stripe fake delivering to its webhook, and an
/// organisation "acme" with an admin (signed in), a member and a viewer.
pub async fn env(db: Db) -> Env {
    let clock = Arc::new(SharedClock::default());
    let stripe = StripeFake::start(StripeFakeConfig::default(), clock.clone())
        .await
        .expect("stripe fake");
    let app = spawn_with_state(
        db,
        flowsense_service::identity::limits::RateLimits::generous(),
        |_| {},
        |state| with_fake_stripe(state, &stripe, Plans::default()),
    )
    .await;
    clock.follow(app.clock.clone());
    stripe.set_webhook_url(&format!("{}/webhooks/stripe", app.base));
    let admin = app.user("admin@acme.test").await;
    let org = app.org("acme", admin).await;
    app.member(org, "member@acme.test", Role::Member).await;
    app.member(org, "viewer@acme.test", Role::Viewer).await;
    let admin = app.signed_in("admin@acme.test").await;
    Env {
        app,
        stripe,
        org,
        admin,
    }
}

impl Env {
    /// Presses Upgrade on the billing page as the admin: the browser lands on the fake's
    /// Checkout page; returns the session id.
    pub async fn start_checkout(&self) -> String {
        let resp = self
            .admin
            .request(Method::POST, &format!("/app/{}/billing/checkout", self.org))
            .form(&[("plan", "team")])
            .send()
            .await
            .expect("checkout");
        assert_eq!(resp.status(), StatusCode::OK);
        let landed = resp.url().clone();
        assert!(
            landed.as_str().starts_with(&self.stripe.origin()),
            "the browser is on Stripe's Checkout: {landed}"
        );
        let page = resp.text().await.expect("page");
        assert!(page.contains("Pay and subscribe"), "{page}");
        landed
            .path()
            .strip_prefix("/c/pay/")
            .expect("a checkout page")
            .to_owned()
    }

    /// Upgrades to Team: Checkout completed, its events delivered; returns the subscription.
    pub async fn upgrade(&self) -> String {
        let session = self.start_checkout().await;
        self.stripe
            .complete_checkout(&session)
            .await
            .expect("complete")
    }

    pub async fn billing(&self) -> Option<BillingRecord> {
        self.app.state.store.billing_of(self.org).await.expect("db")
    }

    /// The billing page's text as the admin sees it.
    pub async fn billing_page(&self) -> String {
        let resp = self
            .admin
            .request(Method::GET, &format!("/app/{}/billing", self.org))
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.text().await.expect("page")
    }

    /// Waits until the fake made `n` delivery attempts (retries run in the background).
    pub async fn deliveries(&self, n: usize) -> Vec<flowsense_fakes::stripe::Delivered> {
        for _ in 0..400 {
            let d = self.stripe.delivered();
            if d.len() >= n {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "expected {n} deliveries, got {:?}",
            self.stripe.delivered().len()
        );
    }
}

/// POSTs `body` to the app's Stripe webhook with `signature`.
pub async fn post_webhook(app: &TestApp, signature: Option<&str>, body: &[u8]) -> StatusCode {
    let mut r = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe", app.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        r = r.header("stripe-signature", s);
    }
    r.send().await.expect("post").status()
}
