//! Xero's identity service: the consent page, the token endpoint (`authorization_code` with
//! PKCE S256 and `refresh_token` with rotation), revocation, and the connections API.
//!
//! Wire facts (Xero-OpenAPI `xero-identity.yaml`; developer.xero.com "OAuth 2.0" and "PKCE";
//! APIS.md §2.1): the client authenticates with HTTP Basic or `client_id`/`client_secret` in
//! the form; the token answer is `{"access_token","expires_in":1800,"token_type":"Bearer",
//! "refresh_token","scope"}` (an `id_token` only with `openid`, which the fake never issues);
//! every refresh issues a new refresh token and the old one works for a 30-minute grace
//! period, then `400 {"error":"invalid_grant"}`; revocation (`token=<refresh token>`) ends the
//! grant and its connections. Apps created since 2 March 2026 may only ask for granular
//! scopes: a legacy one (`accounting.transactions`, …) makes the authorize request fail with
//! `invalid_scope`. `GET /connections` lists the grant's tenants; `DELETE /connections/{id}`
//! answers 204.

use super::{AccessToken, Code, Connection, Consent, Grant, RefreshToken, Shared, random_token};
use crate::identity::{basic_matches, escape, page, with_query};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Scopes an app created since March 2026 may ask for (granular, read or write) plus identity.
const GRANULAR: [&str; 13] = [
    "offline_access",
    "openid",
    "profile",
    "email",
    "accounting.settings.read",
    "accounting.contacts.read",
    "accounting.banktransactions.read",
    "accounting.invoices.read",
    "accounting.payments.read",
    "accounting.manualjournals.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.profitandloss.read",
    "accounting.attachments.read",
];
const TITLE: &str = "Xero — allow access (fake)";
const CODE_LIFETIME_MINUTES: i64 = 5;

/// `GET /identity/connect/authorize?response_type=code&client_id&redirect_uri&scope&state
/// &code_challenge&code_challenge_method`: the consent page.
pub async fn authorize_page(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let cfg = &shared.config;
    let registered = cfg.redirect_uris.iter().any(|u| u == get("redirect_uri"))
        || shared
            .lock()
            .redirect_uris
            .iter()
            .any(|u| u == get("redirect_uri"));
    if get("client_id") != cfg.client_id || !registered {
        // Never redirect to an unregistered URI: an error page instead.
        return page(
            StatusCode::BAD_REQUEST,
            TITLE,
            "<h1>Sorry, something went wrong</h1><p>unauthorized_client: the client id or \
             redirect URI is not registered for this app.</p>",
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
    let scopes: Vec<&str> = get("scope").split(' ').filter(|s| !s.is_empty()).collect();
    if scopes.is_empty() || scopes.iter().any(|s| !GRANULAR.contains(s)) {
        return back_with("invalid_scope");
    }
    let challenge = q.get("code_challenge").cloned();
    if challenge.is_some() && get("code_challenge_method") != "S256" {
        return back_with("invalid_request");
    }
    let consent = random_token();
    let inner = &mut *shared.lock();
    let tenants: String = inner
        .orgs
        .iter()
        .map(|o| format!("<li>{} <small>(ORGANISATION)</small></li>", escape(&o.name)))
        .collect();
    let scope_list: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    inner.consents.insert(
        consent.clone(),
        Consent {
            redirect_uri: redirect,
            state,
            challenge,
            scope: scopes.join(" "),
        },
    );
    page(
        StatusCode::OK,
        TITLE,
        &format!(
            "<main><h1>Allow access to your Xero organisations</h1>\
             <p>The app asks to:</p><ul class=\"scopes\">{scope_list}</ul>\
             <p>Organisations it will reach:</p><ul class=\"tenants\">{tenants}</ul>\
             <form method=\"post\" action=\"/identity/connect/authorize/decision\">\
             <input type=\"hidden\" name=\"consent\" value=\"{consent}\">\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Allow access</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\
             </form></main>"
        ),
    )
}

#[derive(Deserialize)]
pub struct Decision {
    consent: String,
    decision: String,
}

/// `POST /identity/connect/authorize/decision`: back to the app with a code, or with
/// `access_denied`.
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
        let code = random_token();
        inner.codes.insert(
            code.clone(),
            Code {
                redirect_uri: consent.redirect_uri.clone(),
                expires: now + Duration::minutes(CODE_LIFETIME_MINUTES),
                challenge: consent.challenge,
                scope: consent.scope,
            },
        );
        pairs.push(("code", code));
    } else {
        pairs.push(("error", "access_denied".into()));
    }
    if let Some(s) = consent.state {
        pairs.push(("state", s));
    }
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Redirect::to(&with_query(&consent.redirect_uri, &pairs)).into_response()
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({"error": error}))).into_response()
}

/// Whether the request carries the app's credentials: HTTP Basic, or in the form.
fn client_authenticated(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> bool {
    let cfg = &shared.config;
    basic_matches(headers, &cfg.client_id, &cfg.client_secret)
        || (form.get("client_id") == Some(&cfg.client_id)
            && form.get("client_secret") == Some(&cfg.client_secret))
}

/// `POST /connect/token` (form-encoded).
pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    if !client_authenticated(&shared, &headers, &form) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client");
    }
    let now = shared.now();
    let cfg = &shared.config;
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let mut inner = shared.lock();
    let (grant, scope) = match get("grant_type") {
        "authorization_code" => {
            let Some(code) = inner.codes.remove(get("code")) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            let verified = code.challenge.as_ref().is_none_or(|c| {
                URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes())) == *c
            });
            if code.expires <= now || code.redirect_uri != get("redirect_uri") || !verified {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            let grant = inner.grants.len();
            let connections = (0..inner.orgs.len())
                .map(|org| Connection {
                    id: super::ledger::guid(0xC0_0000 + grant as u64, org as u64),
                    org,
                    created: now,
                })
                .collect();
            inner.grants.push(Grant {
                revoked: false,
                auth_event_id: super::ledger::guid(0xAE_0000, grant as u64),
                connections,
            });
            (grant, code.scope)
        }
        "refresh_token" => {
            let grants = &inner.grants;
            let usable = inner.refresh.get(get("refresh_token")).filter(|t| {
                t.expires > now
                    && t.rotated.is_none_or(|r| now < r + cfg.refresh_grace)
                    && !grants[t.grant].revoked
            });
            let Some(t) = usable else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            let grant = t.grant;
            if let Some(t) = inner.refresh.get_mut(get("refresh_token")) {
                t.rotated.get_or_insert(now);
            }
            (grant, granted_scope(&inner, grant))
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    };
    let access = format!("eyJhbGciOiJSUzI1NiJ9.{}", random_token());
    let refresh = random_token();
    inner.access.insert(
        access.clone(),
        AccessToken {
            grant,
            expires: now + cfg.access_token_lifetime,
        },
    );
    inner.refresh.insert(
        refresh.clone(),
        RefreshToken {
            grant,
            expires: now + cfg.refresh_token_lifetime,
            rotated: None,
        },
    );
    inner.scopes.insert(grant, scope.clone());
    drop(inner);
    let body = json!({
        "access_token": access,
        "expires_in": cfg.access_token_lifetime.num_seconds(),
        "token_type": "Bearer",
        "refresh_token": refresh,
        "scope": scope,
    });
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

/// The scopes a grant was given.
pub(crate) fn granted_scope(inner: &super::Inner, grant: usize) -> String {
    inner.scopes.get(&grant).cloned().unwrap_or_default()
}

/// `POST /connect/revocation` with `token=<refresh token>`: ends the grant and its
/// connections.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    if !client_authenticated(&shared, &headers, &form) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client");
    }
    let mut inner = shared.lock();
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    if let Some(g) = inner.refresh.get(token).map(|t| t.grant) {
        inner.grants[g].revoked = true;
        inner.grants[g].connections.clear();
    }
    StatusCode::OK.into_response()
}

/// The grant behind a live bearer token.
pub(crate) fn bearer_grant(
    shared: &Shared,
    inner: &super::Inner,
    headers: &HeaderMap,
) -> Option<usize> {
    let now = shared.now();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    inner
        .access
        .get(bearer)
        .filter(|t| t.expires > now && !inner.grants[t.grant].revoked)
        .map(|t| t.grant)
}

/// The body of a 401 from the API gateway.
pub(crate) fn unauthorized() -> Response {
    let body = json!({"Type": null, "Title": "Unauthorized", "Status": 401,
                      "Detail": "AuthenticationUnsuccessful", "Instance": random_token(),
                      "Extensions": {}});
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        Json(body),
    )
        .into_response()
}

/// `GET /connections`: the tenants the token's grant reaches.
pub async fn connections(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let inner = shared.lock();
    let Some(grant) = bearer_grant(&shared, &inner, &headers) else {
        return unauthorized();
    };
    let g = &inner.grants[grant];
    let list: Vec<_> = g
        .connections
        .iter()
        .map(|c| {
            let org = &inner.orgs[c.org];
            // Xero shows seven decimals (`2019-07-09T23:40:30.1833130`).
            let created = format!("{}0", c.created.format("%Y-%m-%dT%H:%M:%S%.6f"));
            json!({"id": c.id, "authEventId": g.auth_event_id, "tenantId": org.id,
                   "tenantType": "ORGANISATION", "tenantName": org.name,
                   "createdDateUtc": created, "updatedDateUtc": created})
        })
        .collect();
    Json(list).into_response()
}

/// `DELETE /connections/{id}`: 204, or 404 for a connection this grant does not have.
pub async fn delete_connection(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut inner = shared.lock();
    let Some(grant) = bearer_grant(&shared, &inner, &headers) else {
        return unauthorized();
    };
    let connections = &mut inner.grants[grant].connections;
    let before = connections.len();
    connections.retain(|c| c.id != id);
    if connections.len() == before {
        let body = json!({"Type": null, "Title": "Not Found", "Status": 404,
                          "Detail": "Connection not found"});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}
