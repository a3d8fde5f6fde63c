//! Connecting QuickBooks end to end against the real QuickBooks fake: the OAuth round trip over
//! HTTP (consent page, callback), who may connect, state replay, another session, refusal and
//! expiry, disconnecting (revoked at the fake), syncing now, and the signed webhooks of
//! QuickBooks and Xero.

mod deletion;
mod flow;
mod webhooks;
mod xero;

use crate::support::{Db, PASSWORD, TestApp, spawn_with_state};
use chrono::Utc;
use flowsense_core::clock::ManualClock;
use flowsense_core::{OrgId, Role};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_integrations::quickbooks::{
    Endpoints, Loopback, QuickBooks, QuickBooksConfig, RetryPolicy,
};
use flowsense_service::Providers;
use flowsense_service::connections::WebhookSecrets;
use flowsense_service::identity::limits::RateLimits;
use flowsense_storage::{Connection, JobRecord, NewConnection, Store};
use flowsense_web::AppState;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use secrecy::SecretString;
use serde_json::Value;
use std::sync::Arc;

pub const VERIFIER: &str = "intuit-verifier-token-for-tests";
pub const XERO_KEY: &str = "xero-webhook-key-for-tests";

pub struct Env {
    pub app: TestApp,
    pub fake: QuickBooksFake,
    pub org: OrgId,
}

/// The app with a QuickBooks client pointed at a fresh fake (loopback allowed, as in tests),
/// both webhook secrets, and an organisation "acme" whose admin is `admin@acme.test`.
pub async fn env(db: Db) -> Env {
    let fake = start_fake().await;
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        |state| with_fake_quickbooks(state, &fake),
    )
    .await;
    fake.allow_redirect_uri(&format!("{}/oauth/quickbooks/callback", app.base));
    let admin = app.user("admin@acme.test").await;
    let org = app.org("acme", admin).await;
    app.member(org, "member@acme.test", Role::Member).await;
    app.member(org, "viewer@acme.test", Role::Viewer).await;
    Env { app, fake, org }
}

/// `state` with a QuickBooks client pointed at `fake` (loopback allowed, as in tests; the
/// fake must allow the app's redirect URI) and both webhook secrets.
pub fn with_fake_quickbooks(mut state: AppState, fake: &QuickBooksFake) -> AppState {
    let endpoints = Endpoints::parse(
        &fake.authorize_url(),
        &fake.token_url(),
        &fake.revoke_url(),
        &fake.api_base_url(),
    )
    .expect("endpoints");
    let config = QuickBooksConfig {
        endpoints,
        client_id: fake.config().client_id.clone(),
        client_secret: SecretString::from(fake.config().client_secret.clone()),
        redirect_uri: format!("{}/oauth/quickbooks/callback", state.settings.public_url),
        loopback: Loopback::Allowed,
        retry: RetryPolicy::default(),
    };
    let client = QuickBooks::new(config, state.clock.clone()).expect("client");
    state.services = state.services.clone().with_providers(Providers {
        quickbooks: Some(Arc::new(client)),
        xero: None,
        webhooks: WebhookSecrets {
            quickbooks_verifier: Some(SecretString::from(VERIFIER.to_owned())),
            xero_key: Some(SecretString::from(XERO_KEY.to_owned())),
        },
        ..Providers::default()
    });
    state
}

/// A fake QuickBooks company of a few generated books.
pub async fn start_fake() -> QuickBooksFake {
    let books = flowsense_synth::generate(&flowsense_synth::GenConfig::new(5, 200)).expect("books");
    QuickBooksFake::start(
        &books,
        FakeConfig::default(),
        Arc::new(ManualClock::new(Utc::now())),
    )
    .await
    .expect("fake")
}

/// An active connection of `org` to `provider`'s `tenant`, straight through the store (its
/// tokens are not the provider's).
pub async fn connected(store: &Store, org: OrgId, provider: &str, tenant: &str) -> Connection {
    let admin = store
        .member_details(org)
        .await
        .expect("members")
        .iter()
        .find(|m| m.role == Role::Admin)
        .map(|m| m.user_id)
        .expect("an admin");
    store
        .connect(
            org,
            &NewConnection {
                provider: provider.into(),
                tenant_id: tenant.into(),
                tenant_name: None,
                access: SecretString::from("access".to_owned()),
                refresh: SecretString::from("refresh".to_owned()),
                access_expires_at: None,
                refresh_expires_at: None,
                connected_by: admin,
                at: Utc::now(),
            },
            |_| Vec::new(),
        )
        .await
        .expect("connect")
}

/// A browser that does not follow redirects, so each hop can be looked at (and replayed).
pub struct Hops {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl Hops {
    pub async fn signed_in(app: &TestApp, email: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        let login: Value = http
            .post(format!("{}/api/v1/auth/login", app.base))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let csrf = login["csrf_token"].as_str().expect("csrf").to_owned();
        Self {
            http,
            base: app.base.clone(),
            csrf,
        }
    }

    /// POSTs a page form with the CSRF field; status and `Location`.
    pub async fn form(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&[("csrf_token", self.csrf.as_str())])
            .send()
            .await
            .expect("form");
        (r.status(), location(&r))
    }

    /// GETs an absolute URL; status, `Location` and body.
    pub async fn get(&self, url: &str) -> (StatusCode, String, String) {
        let r = self.http.get(url).send().await.expect("get");
        let (status, loc) = (r.status(), location(&r));
        (status, loc, r.text().await.expect("body"))
    }

    /// Opens the consent page at `authorize_url` and presses approve or deny; the callback URL
    /// the fake sends the browser to.
    pub async fn decide_at_fake(&self, authorize_url: &str, approve: bool) -> String {
        let (status, _, page) = self.get(authorize_url).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let consent = page
            .split("name=\"consent\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a consent id");
        let origin: String = authorize_url
            .split("/connect/")
            .next()
            .expect("origin")
            .into();
        let r = self
            .http
            .post(format!("{origin}/connect/oauth2/decision"))
            .form(&[
                ("consent", consent),
                ("decision", if approve { "approve" } else { "deny" }),
            ])
            .send()
            .await
            .expect("decision");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        location(&r)
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Every `connection.sync` job queued so far.
pub async fn sync_jobs(app: &TestApp) -> Vec<JobRecord> {
    app.state
        .store
        .list_jobs_across_orgs(None, Some("connection.sync"), 1000)
        .await
        .expect("jobs")
}
