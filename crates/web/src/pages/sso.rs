//! Single sign-on pages: `GET /login/sso` sends the browser to the identity provider, and
//! `GET /login/sso/callback` is where the provider sends it back. The sign-in is bound to a
//! pre-login cookie (`__Host-flowsense_sso` over HTTPS): a callback from a browser that did not
//! start the sign-in, or a state used before, is refused. Failures render the sign-in page with
//! what happened, never a token or code.

use super::account;
use super::{LoginQuery, login_failed, private};
use crate::AppState;
use crate::auth::ClientInfo;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_core::ErrorChain;
use flowsense_service::identity::IdentityError;
use flowsense_service::identity::limits::RateLimited;
use flowsense_service::identity::sso::OidcError;
use flowsense_service::identity::sso::{self, Callback, SsoError};

const SECURE_COOKIE: &str = "__Host-flowsense_sso";
const PLAIN_COOKIE: &str = "flowsense_sso";

/// The sign-in page's single sign-on button.
pub(crate) struct SsoButton {
    pub label: String,
    pub href: String,
}

/// The button, when single sign-on is configured; it keeps `next`.
pub(crate) fn button(state: &AppState, next: &str) -> Option<SsoButton> {
    let sso = state.sso.as_ref()?;
    let href = match account::safe_next(next) {
        Some(n) if !n.is_empty() => format!(
            "/login/sso?next={}",
            form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        ),
        _ => "/login/sso".to_owned(),
    };
    Some(SsoButton {
        label: format!("Sign in with {}", sso.display_name),
        href,
    })
}

fn cookie_name(state: &AppState) -> &'static str {
    crate::auth::session::name_for(state, SECURE_COOKIE, PLAIN_COOKIE)
}

fn browser_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    crate::auth::session::server_cookie(state, cookie_name(state), value, max_age)
}

fn presented_browser(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// `GET /login/sso`: to the provider, with a new state bound to this browser.
pub(crate) async fn start(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    let next = query.map(|Query(q)| q.next).unwrap_or_default();
    let next = account::safe_next(&next).unwrap_or_default().to_owned();
    let browser = presented_browser(&state, &headers);
    match sso::start(&state, browser.as_deref(), &next, &client).await {
        Ok(started) => {
            let mut r = Redirect::to(&started.redirect).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                browser_cookie(&state, &started.browser, sso::STATE_LIFETIME.num_seconds()),
            );
            private(r)
        }
        Err(e) => failed(&state, &e, &next),
    }
}

/// `GET /login/sso/callback`: the provider's answer; signed in, or the sign-in page saying why
/// not.
pub(crate) async fn callback(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    query: Result<Query<Callback>, QueryRejection>,
) -> Response {
    let callback = query.map(|Query(q)| q).unwrap_or_default();
    let browser = presented_browser(&state, &headers);
    match sso::finish(&state, browser.as_deref(), callback, &client).await {
        Ok(done) => {
            let to = account::safe_next(&done.next)
                .filter(|n| !n.is_empty())
                .unwrap_or("/app")
                .to_owned();
            let mut r = Redirect::to(&to).into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                crate::auth::session::session_cookie(&state, &done.issued.token),
            );
            h.append(header::SET_COOKIE, browser_cookie(&state, "", 0));
            private(r)
        }
        Err(e) => failed(&state, &e, ""),
    }
}

/// The sign-in page with what went wrong, and the status that says it.
fn failed(state: &AppState, error: &SsoError, next: &str) -> Response {
    let (status, message) = match error {
        SsoError::NotConfigured => (
            StatusCode::NOT_FOUND,
            "Single sign-on is not configured on this instance.".to_owned(),
        ),
        SsoError::InvalidState => (
            StatusCode::BAD_REQUEST,
            "This sign-in has expired, was already used, or was started in another browser. Start again.".to_owned(),
        ),
        SsoError::Denied => (
            StatusCode::UNAUTHORIZED,
            "Your identity provider did not sign you in.".to_owned(),
        ),
        SsoError::UnverifiedEmailTakeover => (
            StatusCode::FORBIDDEN,
            "An account with this e-mail address exists, but your identity provider has not confirmed that the address is yours, so the accounts were not linked. Sign in with your password, or ask your provider's administrator to verify your address.".to_owned(),
        ),
        SsoError::UnverifiedEmail => (
            StatusCode::FORBIDDEN,
            "Your identity provider has not confirmed your e-mail address, so no account can be made for it.".to_owned(),
        ),
        SsoError::SignupClosed => (
            StatusCode::FORBIDDEN,
            "Sign-up is closed on this instance; ask its operator or an admin of your organisation for an account.".to_owned(),
        ),
        SsoError::Provider(
            e @ (OidcError::InvalidToken(_) | OidcError::CodeRefused | OidcError::NoIdToken),
        ) => {
            tracing::warn!(error = %ErrorChain(e), "a single sign-on was refused");
            (
                StatusCode::UNAUTHORIZED,
                "Your identity provider's answer could not be verified, so you were not signed in. Start again.".to_owned(),
            )
        }
        SsoError::Provider(e) => {
            tracing::error!(error = %ErrorChain(e), "the identity provider failed");
            (
                StatusCode::BAD_GATEWAY,
                "The identity provider could not be reached. Try again in a few minutes.".to_owned(),
            )
        }
        SsoError::Identity(IdentityError::RateLimited(RateLimited { .. })) => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a few minutes and try again.".to_owned(),
        ),
        SsoError::Identity(e) => {
            tracing::error!(error = %ErrorChain(e), "a single sign-on failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong signing you in. Try again.".to_owned(),
            )
        }
    };
    login_failed(state, String::new(), status, &message, false, next)
}
