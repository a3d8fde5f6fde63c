//! Xero's OAuth 2.0 authorization-code flow with PKCE (S256): the authorize URL, the
//! callback, code exchange, refresh with rotation, revocation, and the connections (tenants)
//! a grant reaches.
//!
//! Wire facts (Xero-OpenAPI `xero-identity.yaml`; developer.xero.com "OAuth 2.0 auth flow" and
//! "PKCE flow"; APIS.md §2.1): authorize `https://login.xero.com/identity/connect/authorize`
//! with `code_challenge` and `code_challenge_method=S256`; token
//! `https://identity.xero.com/connect/token` (form body, HTTP Basic client authentication,
//! `code_verifier` with the code); the answer `{"access_token","expires_in":1800,
//! "token_type":"Bearer","refresh_token","scope"}`. Every refresh returns a new refresh token;
//! the old one keeps working for a 30-minute grace period, then fails with `invalid_grant`;
//! a refresh token unused for 60 days expires. Revocation (`token=<refresh token>`) ends the
//! grant and every connection it made. `GET /connections` lists
//! `[{"id","authEventId","tenantId","tenantType","tenantName","createdDateUtc","updatedDateUtc"}]`.

use super::Xero;
use super::error::XeroError;
use super::http::ReadHeaders;
use crate::transport::{FORM, basic_credentials, form};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The scopes asked for: read-only and granular, as apps created since 2 March 2026 must use
/// (`accounting.transactions` and `accounting.reports.read` are refused for them with
/// `invalid_scope`). `accounting.settings.read` covers the chart of accounts,
/// `accounting.banktransactions.read` bank transactions and transfers,
/// `accounting.invoices.read` invoices and bills, `accounting.payments.read` payments;
/// `offline_access` brings the refresh token. No `openid`: the client needs no identity token.
pub const SCOPES: [&str; 5] = [
    "offline_access",
    "accounting.settings.read",
    "accounting.banktransactions.read",
    "accounting.invoices.read",
    "accounting.payments.read",
];

/// An access token lasts 30 minutes (`expires_in` 1800).
const REFRESH_TOKEN_LIFETIME_DAYS: i64 = 60;

/// A PKCE pair (RFC 7636, S256): keep the verifier with the session, send the challenge.
pub struct Pkce {
    /// 43 characters of base64url (32 random bytes).
    pub verifier: SecretString,
    /// `BASE64URL(SHA256(verifier))`, unpadded.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair from the OS random source.
    ///
    /// # Errors
    /// [`XeroError::OAuth`] when the OS has no randomness to give.
    pub fn generate() -> Result<Self, XeroError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| XeroError::OAuth(format!("no randomness for PKCE: {e}")))?;
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            challenge: Self::challenge_of(&verifier),
            verifier: SecretString::from(verifier),
        })
    }

    /// The S256 challenge of a verifier.
    #[must_use]
    pub fn challenge_of(verifier: &str) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
    }
}

/// A token set, with the instants it stops working.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: SecretString,
    /// Replaces the one used to get it: store it before using the access token.
    pub refresh_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    /// When the refresh token expires if it is not used (60 days).
    pub refresh_expires_at: DateTime<Utc>,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// One organisation (tenant) a grant reaches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The connection's id (what `DELETE /connections/{id}` takes).
    pub id: String,
    #[serde(default)]
    pub auth_event_id: Option<String>,
    /// What every Accounting API call sends as `xero-tenant-id`.
    pub tenant_id: String,
    /// `ORGANISATION` (or `PRACTICE` for Xero Practice Manager).
    pub tenant_type: String,
    #[serde(default)]
    pub tenant_name: Option<String>,
}

/// What the redirect back from Xero says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Consent given: exchange `code` (with the PKCE verifier) for tokens.
    Approved { code: String },
    /// The user pressed Cancel (`access_denied`) or Xero refused (`invalid_scope`, …).
    Refused { error: String },
}

/// Why a callback was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the state does not match the one this session sent")]
    StateMismatch,
    #[error("the callback lacks {0}")]
    Missing(&'static str),
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    #[serde(default)]
    scope: String,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the callback's query string, checking `state` against the one sent (constant time).
///
/// # Errors
/// A state that does not match, or a callback with neither a code nor an error.
pub fn parse_callback(query: &str, expected_state: &str) -> Result<Callback, CallbackError> {
    let (mut code, mut state, mut error) = (None, None, None);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            _ => {}
        }
    }
    let state = state.ok_or(CallbackError::Missing("state"))?;
    if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
        return Err(CallbackError::StateMismatch);
    }
    if let Some(error) = error {
        return Ok(Callback::Refused { error });
    }
    Ok(Callback::Approved {
        code: code.ok_or(CallbackError::Missing("code"))?,
    })
}

impl Xero {
    /// Where to send the user's browser: Xero's consent page for this app, `state` and the
    /// PKCE `code_challenge` (S256).
    #[must_use]
    pub fn authorize_url(&self, state: &str, code_challenge: &str) -> Url {
        let mut url = self.config.endpoints.authorize.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("scope", &SCOPES.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        url
    }

    fn basic(&self) -> SecretString {
        basic_credentials(&self.config.client_id, &self.config.client_secret)
    }

    async fn token_call(&self, pairs: &[(&str, &str)]) -> Result<Tokens, XeroError> {
        let answer = self
            .transport
            .post_identity(
                &self.config.endpoints.token,
                &self.basic(),
                FORM,
                &form(pairs),
            )
            .await?;
        let t: TokenBody = serde_json::from_slice(&answer.body)
            .map_err(|e| XeroError::Decode(format!("token answer: {e}")))?;
        let now = self.clock.now();
        Ok(Tokens {
            access_token: SecretString::from(t.access_token),
            refresh_token: SecretString::from(t.refresh_token),
            access_expires_at: now + Duration::seconds(t.expires_in),
            refresh_expires_at: now + Duration::days(REFRESH_TOKEN_LIFETIME_DAYS),
            scope: t.scope,
        })
    }

    /// Exchanges the callback's code, with the PKCE verifier it was asked for, for tokens.
    ///
    /// # Errors
    /// [`XeroError::OAuth`] for a refused code, verifier or client; network errors after
    /// retries.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &SecretString,
    ) -> Result<Tokens, XeroError> {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("code_verifier", verifier.expose_secret()),
        ];
        self.token_call(&pairs).await.map_err(|e| match e {
            XeroError::ConnectionDead(err) => {
                XeroError::OAuth(format!("{err}: the code or its verifier was refused"))
            }
            other => other,
        })
    }

    /// New tokens from a refresh token. Store the answer (its refresh token replaces this one;
    /// the old one works for 30 more minutes only) before using it.
    ///
    /// # Errors
    /// [`XeroError::ConnectionDead`] when the refresh token is refused (revoked, rotated away
    /// more than 30 minutes ago, expired); network errors after retries.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, XeroError> {
        let pairs = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        self.token_call(&pairs).await
    }

    /// Revokes the grant and every connection it made (on disconnect or organisation deletion).
    ///
    /// # Errors
    /// Network errors after retries, or a refusal of the app's credentials.
    pub async fn revoke(&self, refresh_token: &SecretString) -> Result<(), XeroError> {
        let body = form(&[("token", refresh_token.expose_secret())]);
        self.transport
            .post_identity(&self.config.endpoints.revoke, &self.basic(), FORM, &body)
            .await
            .map(|_| ())
    }

    /// The tenants this access token reaches.
    ///
    /// # Errors
    /// [`XeroError::ReauthNeeded`] for a dead access token; network and decoding errors.
    pub async fn connections(&self, access: &SecretString) -> Result<Vec<Connection>, XeroError> {
        let answer = self
            .transport
            .read(
                &self.config.endpoints.connections,
                access,
                ReadHeaders::default(),
            )
            .await?;
        serde_json::from_slice(&answer.body)
            .map_err(|e| XeroError::Decode(format!("connections: {e}")))
    }

    /// Removes one connection (`DELETE /connections/{id}`): the grant stops reaching that
    /// tenant; others stay connected.
    ///
    /// # Errors
    /// [`XeroError::Refused`] (404) for an unknown connection; [`XeroError::ReauthNeeded`];
    /// network errors after retries.
    pub async fn disconnect_tenant(
        &self,
        access: &SecretString,
        connection_id: &str,
    ) -> Result<(), XeroError> {
        let mut url = self.config.endpoints.connections.clone();
        url.path_segments_mut()
            .map_err(|()| XeroError::Url("the connections URL cannot hold a path".into()))?
            .push(connection_id);
        self.transport.delete(&url, access).await.map(|_| ())
    }
}
