//! Xero: OAuth 2.0 with PKCE, the tenants a grant reaches, and read-only access to each
//! tenant's books, mapped into provider-neutral [`BookChange`](flowsense_core::synced::BookChange)s.
//!
//! [`Xero`] holds the app's credentials and endpoints; [`Xero::authorize_url`] (with a
//! [`Pkce`] pair), [`parse_callback`], [`Xero::exchange_code`], [`Xero::refresh`] and
//! [`Xero::revoke`] run the OAuth flow; [`Xero::connections`] lists the tenants and
//! [`Xero::disconnect_tenant`] removes one; [`Xero::tenant`] reads one organisation
//! ([`Tenant::read_changes`]). Every request goes through `crates/outbound`; apart from the
//! OAuth calls and the tenant `DELETE`, the client can only `GET`.

mod error;
#[cfg(feature = "client")]
mod http;
mod model;
#[cfg(feature = "client")]
mod oauth;
mod pages;
#[cfg(feature = "client")]
mod read;
mod wire;

#[cfg(feature = "client")]
pub use crate::retry::RetryPolicy;
pub use error::{RateLimitProblem, XeroError};
#[cfg(feature = "client")]
pub use flowsense_outbound::Loopback;
pub use model::parse_xero_date;
#[cfg(feature = "client")]
pub use oauth::{Callback, CallbackError, Connection, Pkce, SCOPES, Tokens, parse_callback};
pub use pages::{
    ChartOfAccounts, Collection, PAGE_SIZE, PageRead, ReadSummary, parse_chart, parse_page,
};
#[cfg(feature = "client")]
pub use read::Tenant;

#[cfg(feature = "client")]
use flowsense_core::clock::Clock;
#[cfg(feature = "client")]
use reqwest::Url;
#[cfg(feature = "client")]
use secrecy::SecretString;
#[cfg(feature = "client")]
use std::sync::Arc;

/// Where Xero's services are.
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: Url,
    pub token: Url,
    pub revoke: Url,
    /// `GET` lists the tenants; `DELETE …/{id}` removes one.
    pub connections: Url,
    /// The Accounting API base; collection names (`/BankTransactions`, …) are added to it.
    pub api_base: Url,
}

#[cfg(feature = "client")]
impl Endpoints {
    /// Production (Xero-OpenAPI `xero_accounting.yaml` security schemes, `xero-identity.yaml`;
    /// APIS.md §2.1).
    ///
    /// # Panics
    /// Never: the URLs are constants.
    #[must_use]
    pub fn production() -> Self {
        let p = |u: &str| Url::parse(u).expect("constant URL");
        Self {
            authorize: p("https://login.xero.com/identity/connect/authorize"),
            token: p("https://identity.xero.com/connect/token"),
            revoke: p("https://identity.xero.com/connect/revocation"),
            connections: p("https://api.xero.com/connections"),
            api_base: p("https://api.xero.com/api.xro/2.0"),
        }
    }

    /// The production paths on one origin (a fake's, or a proxy's): `origin` +
    /// `/identity/connect/authorize`, `/connect/token`, `/connect/revocation`, `/connections`
    /// and `/api.xro/2.0`.
    ///
    /// # Errors
    /// [`XeroError::Url`] when `origin` is not an absolute URL.
    pub fn from_origin(origin: &str) -> Result<Self, XeroError> {
        let base = origin.trim_end_matches('/');
        let p = |path: &str| {
            let u = format!("{base}{path}");
            Url::parse(&u).map_err(|e| XeroError::Url(format!("{u}: {e}")))
        };
        Ok(Self {
            authorize: p("/identity/connect/authorize")?,
            token: p("/connect/token")?,
            revoke: p("/connect/revocation")?,
            connections: p("/connections")?,
            api_base: p("/api.xro/2.0")?,
        })
    }
}

/// The app's registration and how to reach Xero.
#[cfg(feature = "client")]
#[derive(Debug, Clone)]
pub struct XeroConfig {
    pub endpoints: Endpoints,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The registered redirect URI (`…/oauth/xero/callback`).
    pub redirect_uri: String,
    /// [`Loopback::Allowed`] only for tests and the sandbox.
    pub loopback: Loopback,
    pub retry: RetryPolicy,
}

/// The Xero client.
#[cfg(feature = "client")]
pub struct Xero {
    config: XeroConfig,
    transport: http::Transport,
    clock: Arc<dyn Clock>,
}

#[cfg(feature = "client")]
impl Xero {
    /// The origin of the consent page (`https://login.xero.com` in production): where a
    /// connect form's answer sends the browser, so the page's `form-action` must allow it.
    #[must_use]
    pub fn authorize_origin(&self) -> String {
        self.config
            .endpoints
            .authorize
            .origin()
            .ascii_serialization()
    }

    /// Checks every endpoint against the outbound policy and builds the client.
    ///
    /// # Errors
    /// A refused endpoint (not https, private, or loopback without [`Loopback::Allowed`]) or a
    /// TLS set-up failure.
    pub fn new(config: XeroConfig, clock: Arc<dyn Clock>) -> Result<Self, XeroError> {
        let e = &config.endpoints;
        let transport = http::Transport::new(
            config.retry,
            config.loopback,
            [
                &e.authorize,
                &e.token,
                &e.revoke,
                &e.connections,
                &e.api_base,
            ],
        )?;
        Ok(Self {
            config,
            transport,
            clock,
        })
    }

    /// The same client with another circuit breaker policy (the default opens after five
    /// calls in a row find Xero unavailable, for 30 s).
    #[must_use]
    pub fn with_breaker(mut self, policy: flowsense_outbound::BreakerPolicy) -> Self {
        self.transport = self.transport.with_breaker(policy);
        self
    }
}
