//! Intuit's OAuth 2.0 authorization-code flow: the consent page, the token endpoint
//! (`authorization_code` and `refresh_token` grants, HTTP Basic client authentication) and
//! revocation.
//!
//! Wire facts (intuit/oauth-jsclient `src/OAuthClient.js`; developer.intuit.com "OAuth 2.0",
//! scraped in Petrus-Han/finance_plugins `develop/authentication-and-authorization/oauth-2.0.md`):
//! the callback carries `code`, `state` and `realmId`, a refusal `error=access_denied`; the token
//! response is `{"token_type":"bearer","access_token","refresh_token","expires_in":3600,
//! "x_refresh_token_expires_in"}`; with the request header
//! `x-include-refresh-token-hard-expires-in: true` it adds `x_refresh_token_hard_expires_in`
//! (Intuit's refresh-token policy of November 2025: five years from the grant). A refresh
//! returns a new refresh token and the old one is refused afterwards with
//! `400 {"error":"invalid_grant"}`; revoking either token ends the whole grant
//! (oauth-jsclient `revoke`: JSON body `{"token"}`, Basic auth, 200).

use super::{Code, Consent, Grant, Shared, TokenState, random_token};
use crate::identity::{basic_matches, escape, page, with_query};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The accounting scope (oauth-jsclient `OAuthClient.scopes.Accounting`).
pub const ACCOUNTING_SCOPE: &str = "com.intuit.quickbooks.accounting";
/// Authorization codes are short-lived and single-use.
const TITLE: &str = "Intuit — connect to QuickBooks (fake)";
const CODE_LIFETIME_MINUTES: i64 = 5;
/// Intuit's hard cap on a grant's refresh tokens (policy announced 2025-11-12).
const HARD_LIFETIME_DAYS: i64 = 5 * 365;

/// `GET /connect/oauth2?client_id&redirect_uri&response_type=code&scope&state`: the consent page.
pub async fn authorize_page(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let cfg = &shared.config;
    let registered = shared
        .lock()
        .redirect_uris
        .iter()
        .any(|u| u == get("redirect_uri"));
    if get("client_id") != cfg.client_id || !registered {
        // Never redirect to an unregistered URI: an error page instead.
        return page(
            StatusCode::BAD_REQUEST,
            TITLE,
            "<h1>Something went wrong</h1><p>The app's client id or redirect URI is not registered.</p>",
        );
    }
    let redirect = get("redirect_uri").to_owned();
    let state = q.get("state").cloned();
    let back_with = |error: &str| {
        let mut pairs = vec![("error", error)];
        if let Some(s) = &state {
            pairs.push(("state", s));
        }
        Redirect::to(&with_query(&redirect, &pairs)).into_response()
    };
    if get("response_type") != "code" {
        return back_with("unsupported_response_type");
    }
    if !get("scope").split(' ').any(|s| s == ACCOUNTING_SCOPE) {
        return back_with("invalid_scope");
    }
    let consent = random_token();
    shared.lock().consents.insert(
        consent.clone(),
        Consent {
            redirect_uri: redirect,
            state,
        },
    );
    page(
        StatusCode::OK,
        TITLE,
        &format!(
            "<main><h1>Connect to QuickBooks</h1>\
             <p>An app wants to read and change the books of <strong>realm {realm}</strong>.</p>\
             <form method=\"post\" action=\"/connect/oauth2/decision\">\
             <input type=\"hidden\" name=\"consent\" value=\"{consent}\">\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Connect</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\
             </form></main>",
            realm = escape(&cfg.realm_id),
        ),
    )
}

#[derive(Deserialize)]
pub struct Decision {
    consent: String,
    decision: String,
}

/// `POST /connect/oauth2/decision`: back to the app with a code, or with `access_denied`.
pub async fn decide(
    State(shared): State<Arc<Shared>>,
    axum::Form(d): axum::Form<Decision>,
) -> Response {
    let now = shared.now();
    let mut inner = shared.lock();
    let Some(consent) = inner.consents.remove(&d.consent) else {
        return page(
            StatusCode::BAD_REQUEST,
            TITLE,
            "<h1>This request has expired</h1>",
        );
    };
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if d.decision == "approve" {
        let code = format!("AB11{}", &random_token()[..40]);
        inner.codes.insert(
            code.clone(),
            Code {
                redirect_uri: consent.redirect_uri.clone(),
                expires: now + Duration::minutes(CODE_LIFETIME_MINUTES),
            },
        );
        pairs.push(("code", code));
    } else {
        pairs.push(("error", "access_denied".into()));
    }
    if let Some(s) = consent.state {
        pairs.push(("state", s));
    }
    if d.decision == "approve" {
        pairs.push(("realmId", shared.config.realm_id.clone()));
    }
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Redirect::to(&with_query(&consent.redirect_uri, &pairs)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Whether the request carries the app's own HTTP Basic credentials.
fn client_authenticated(shared: &Shared, headers: &HeaderMap) -> bool {
    basic_matches(
        headers,
        &shared.config.client_id,
        &shared.config.client_secret,
    )
}

/// `POST /oauth2/v1/tokens/bearer` (form-encoded).
pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    if !client_authenticated(&shared, &headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let now = shared.now();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let mut inner = shared.lock();
    let grant = match get("grant_type") {
        "authorization_code" => {
            let Some(code) = inner.codes.remove(get("code")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid authorization code",
                );
            };
            if code.expires <= now || code.redirect_uri != get("redirect_uri") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid authorization code",
                );
            }
            inner.grants.push(Grant {
                revoked: false,
                issued: now,
            });
            inner.grants.len() as u64 - 1
        }
        "refresh_token" => {
            let grants = &inner.grants;
            let usable = inner.refresh.get(get("refresh_token")).filter(|t| {
                !t.spent
                    && t.expires > now
                    && !grants[usize::try_from(t.grant).unwrap_or(0)].revoked
            });
            let Some(t) = usable else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token has been expired or revoked.",
                );
            };
            let grant = t.grant;
            // Rotation: the token just used is spent (access tokens live out their hour).
            if let Some(t) = inner.refresh.get_mut(get("refresh_token")) {
                t.spent = true;
            }
            grant
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            );
        }
    };
    let access = format!("eyJ{}", random_token());
    let refresh = format!("AB11{}", &random_token()[..48]);
    let refresh_life = shared.config.refresh_token_lifetime;
    let access_life = shared.config.access_token_lifetime;
    inner.access.insert(
        access.clone(),
        TokenState {
            grant,
            expires: now + access_life,
            spent: false,
        },
    );
    inner.refresh.insert(
        refresh.clone(),
        TokenState {
            grant,
            expires: now + refresh_life,
            spent: false,
        },
    );
    let issued = inner.grants[usize::try_from(grant).unwrap_or(0)].issued;
    drop(inner);
    let mut body = json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": access_life.num_seconds(),
        "x_refresh_token_expires_in": refresh_life.num_seconds(),
    });
    let wants_hard = headers
        .get("x-include-refresh-token-hard-expires-in")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    if wants_hard {
        let left = (issued + Duration::days(HARD_LIFETIME_DAYS) - now).num_seconds();
        body["x_refresh_token_hard_expires_in"] = json!(left);
    }
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct RevokeBody {
    token: String,
}

/// `POST /v2/oauth2/tokens/revoke` with `{"token": access or refresh token}`: ends the grant.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<RevokeBody>,
) -> Response {
    if !client_authenticated(&shared, &headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let mut inner = shared.lock();
    let grant = inner
        .refresh
        .get(&body.token)
        .or_else(|| inner.access.get(&body.token))
        .map(|t| t.grant);
    if let Some(g) = grant.and_then(|g| usize::try_from(g).ok()) {
        inner.grants[g].revoked = true;
    }
    StatusCode::OK.into_response()
}
