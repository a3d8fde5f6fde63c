//! Single sign-on (OpenID Connect) end to end. [`real`]: against a certified OpenID Provider —
//! the `oidc-provider` package from npm (installed by `.ci/oidc-env`), started by each test on
//! loopback with a test client and test accounts — through its real login and consent pages,
//! driven over HTTP by a cookie-keeping client. Skipped with a printed reason when node or the
//! package is missing; failing then when `FLOWSENSE_REQUIRE_TOOLS` is set (CI).
//! [`forged`]: a small issuer written here, serving discovery, a JWKS and a token endpoint that
//! answers with a crafted ID token, for what a real provider cannot be made to do (a forged,
//! expired, misdirected or unsigned token; rotated keys).

mod forged;
mod real;

use crate::support::{Db, TestApp, spawn_with_state};
use flowsense_integrations::oidc::{OidcClient, OidcConfig};
use flowsense_outbound::Loopback;
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::identity::sso::Sso;
use reqwest::StatusCode;
use secrecy::SecretString;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "flowsense-test";
pub const CLIENT_SECRET: &str = "test-client-secret-for-the-loopback-provider";

/// The app with single sign-on through the issuer `make_issuer` starts once it knows the
/// app's redirect URI; `None` when the issuer could not start (the test was skipped).
pub async fn app_with_issuer<P: Send + 'static>(
    db: Db,
    jit_domains: &[&str],
    make_issuer: impl FnOnce(&str) -> Option<(String, P)> + Send,
) -> Option<(TestApp, P)> {
    let issuer: Arc<Mutex<Option<P>>> = Arc::new(Mutex::new(None));
    let slot = issuer.clone();
    let jit: Vec<String> = jit_domains.iter().map(|d| (*d).to_owned()).collect();
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        move |mut state| {
            let redirect = format!("{}/login/sso/callback", state.settings.public_url);
            if let Some((url, handle)) = make_issuer(&redirect) {
                let client = OidcClient::new(OidcConfig {
                    issuer: url,
                    client_id: CLIENT_ID.to_owned(),
                    client_secret: SecretString::from(CLIENT_SECRET),
                    redirect_url: redirect,
                    loopback: Loopback::Allowed,
                })
                .expect("client");
                state.services = state.services.clone().with_sso(Sso {
                    client,
                    display_name: "Test Provider".to_owned(),
                    jit_domains: jit,
                });
                *slot.lock().expect("slot") = Some(handle);
            }
            state
        },
    )
    .await;
    let handle = issuer.lock().expect("slot").take()?;
    Some((app, handle))
}

/// A browser that keeps cookies for every origin and follows no redirect by itself.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `Location` of a redirect, made absolute against `from`.
pub fn location(from: &str, response: &reqwest::Response) -> String {
    let to = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location from {from} ({})", response.status()));
    reqwest::Url::parse(from)
        .and_then(|u| u.join(to))
        .expect("location")
        .to_string()
}

/// `GET /login/sso` from `b`: the provider's authorization URL it is sent to.
pub async fn start(app: &TestApp, b: &reqwest::Client) -> String {
    let from = format!("{}/login/sso", app.base);
    let r = b.get(&from).send().await.expect("start");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "start");
    location(&from, &r)
}

/// A query parameter of `url`.
pub fn param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether a response set a session cookie.
pub fn sets_session(r: &reqwest::Response) -> bool {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("flowsense_session=") && !c.starts_with("flowsense_session=;"))
}

/// Who `b` is signed in as, by `GET /api/v1/me`.
pub async fn me(app: &TestApp, b: &reqwest::Client) -> Option<String> {
    let r = b
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .expect("me");
    if r.status() != StatusCode::OK {
        return None;
    }
    let v: serde_json::Value = r.json().await.expect("json");
    v.pointer("/user/email")
        .or_else(|| v.get("email"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// The account with `email`, if any.
pub async fn account(app: &TestApp, email: &str) -> Option<flowsense_storage::User> {
    app.state.store.user_by_email(email).await.expect("user")
}

/// How many provider accounts are linked to the account with `email` (0 when there is none).
pub async fn links_of(app: &TestApp, email: &str) -> i64 {
    match account(app, email).await {
        Some(u) => app
            .state
            .store
            .identities_of_user(u.id)
            .await
            .expect("links")
            .len()
            .try_into()
            .expect("few"),
        None => 0,
    }
}
