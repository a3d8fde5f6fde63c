//! Intuit OAuth 2.0 (authorization code; PKCE not used by Intuit): the authorize URL, the
//! callback, code exchange, refresh with rotation, revocation.
//!
//! Wire facts: intuit/oauth-jsclient `src/OAuthClient.js` — authorize
//! `https://appcenter.intuit.com/connect/oauth2`, token
//! `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer` (form body, HTTP Basic client
//! authentication), revoke `https://developer.api.intuit.com/v2/oauth2/tokens/revoke` (JSON body
//! `{"token"}`); the callback carries `code`, `state` and `realmId`, a refusal `error`. The token
//! answer holds `access_token`, `refresh_token`, `expires_in` (3600) and
//! `x_refresh_token_expires_in` (rolling, about 100 days), plus `x_refresh_token_hard_expires_in`
//! when the request says `x-include-refresh-token-hard-expires-in: true` (Intuit blog
//! 2025-11-12, "important changes to refresh token policy"). A refresh may return a new refresh
//! token, after which the old one fails with `invalid_grant`: the caller must store the
//! returned [`Tokens`] before using them.

use super::QuickBooks;
use super::fault::QuickBooksError;
use crate::transport::basic_credentials;
use chrono::{DateTime, Duration, Utc};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The only scope asked for. QuickBooks has no read-only accounting scope; the client is
/// read-only by construction instead.
pub const ACCOUNTING_SCOPE: &str = "com.intuit.quickbooks.accounting";

/// A token set, with the instants it stops working.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    /// The rolling refresh-token expiry (`x_refresh_token_expires_in`).
    pub refresh_expires_at: DateTime<Utc>,
    /// Intuit's hard cap on the grant, when it says (`x_refresh_token_hard_expires_in`).
    pub refresh_hard_expires_at: Option<DateTime<Utc>>,
}

/// What the redirect back from Intuit says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Consent given: exchange `code` for tokens; `realm_id` is the company.
    Approved { code: String, realm_id: String },
    /// The user pressed Cancel (`access_denied`) or Intuit refused (`error`).
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
    x_refresh_token_expires_in: i64,
    #[serde(default)]
    x_refresh_token_hard_expires_in: Option<i64>,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the callback's query string, checking `state` against the one sent (constant time).
///
/// # Errors
/// A state that does not match, or a callback missing its code, realm or error.
pub fn parse_callback(query: &str, expected_state: &str) -> Result<Callback, CallbackError> {
    let mut code = None;
    let mut realm = None;
    let mut state = None;
    let mut error = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "realmId" => realm = Some(v.into_owned()),
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
        realm_id: realm.ok_or(CallbackError::Missing("realmId"))?,
    })
}

impl QuickBooks {
    /// Where to send the user's browser: Intuit's consent page for this app and `state`.
    #[must_use]
    pub fn authorize_url(&self, state: &str) -> Url {
        let mut url = self.config.endpoints.authorize.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("response_type", "code")
            .append_pair("scope", ACCOUNTING_SCOPE)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("state", state);
        url
    }

    fn basic(&self) -> SecretString {
        basic_credentials(&self.config.client_id, &self.config.client_secret)
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> Result<Tokens, QuickBooksError> {
        let body = crate::transport::form(form);
        let answer = self
            .transport
            .post_identity(
                &self.config.endpoints.token,
                &self.basic(),
                crate::transport::FORM,
                &body,
            )
            .await?;
        let t: TokenBody = serde_json::from_slice(&answer.body)
            .map_err(|e| QuickBooksError::Decode(format!("token answer: {e}")))?;
        let now = self.clock.now();
        Ok(Tokens {
            access_token: SecretString::from(t.access_token),
            refresh_token: SecretString::from(t.refresh_token),
            access_expires_at: now + Duration::seconds(t.expires_in),
            refresh_expires_at: now + Duration::seconds(t.x_refresh_token_expires_in),
            refresh_hard_expires_at: t
                .x_refresh_token_hard_expires_in
                .map(|s| now + Duration::seconds(s)),
        })
    }

    /// Exchanges the callback's code for tokens.
    ///
    /// # Errors
    /// [`QuickBooksError::OAuth`] for a refused code or client; network errors after retries.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, QuickBooksError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
        ];
        self.token_call(&form).await.map_err(|e| match e {
            QuickBooksError::ConnectionDead(err) => {
                QuickBooksError::OAuth(format!("{err}: the authorization code was refused"))
            }
            other => other,
        })
    }

    /// New tokens from a refresh token. Store the answer (its refresh token replaces this one)
    /// before using it.
    ///
    /// # Errors
    /// [`QuickBooksError::ConnectionDead`] when the refresh token is refused (revoked, rotated
    /// away, expired); network errors after retries.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, QuickBooksError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        self.token_call(&form).await
    }

    /// Revokes the grant (either token ends it), on disconnect or organisation deletion.
    ///
    /// # Errors
    /// Network errors after retries, or a refusal of the app's credentials.
    pub async fn revoke(&self, token: &SecretString) -> Result<(), QuickBooksError> {
        let body = serde_json::json!({ "token": token.expose_secret() }).to_string();
        self.transport
            .post_identity(
                &self.config.endpoints.revoke,
                &self.basic(),
                "application/json",
                &SecretString::from(body),
            )
            .await
            .map(|_| ())
    }
}
