//! QuickBooks Online: OAuth 2.0 and read-only access to a company's books.
//!
//! [`QuickBooks`] holds the app's credentials and endpoints; [`QuickBooks::authorize_url`],
//! [`parse_callback`], [`QuickBooks::exchange_code`], [`QuickBooks::refresh`] and
//! [`QuickBooks::revoke`] run the OAuth flow; [`QuickBooks::company`] reads one company
//! ([`Company::read_all`], [`Company::changes_since`]) into provider-neutral [`Record`]s.
//! Every request goes through `crates/outbound` (TLS 1.3); the data side can only `GET`.

mod books;
#[cfg(feature = "client")]
mod data;
mod fault;
#[cfg(feature = "client")]
mod http;
mod model;
#[cfg(feature = "client")]
mod oauth;
mod parse;
mod wire;

pub use books::{BookMapper, source_id};
#[cfg(feature = "client")]
pub use data::Company;
pub use fault::{Fault, FaultError, QuickBooksError, parse_fault};
#[cfg(feature = "client")]
pub use flowsense_outbound::Loopback;
#[cfg(feature = "client")]
pub use http::RetryPolicy;
pub use model::{
    AccountRecord, EntityType, ExchangeRate, Posting, Record, RecordState, TxnRecord, minor_units,
};
#[cfg(feature = "client")]
pub use oauth::{ACCOUNTING_SCOPE, Callback, CallbackError, Tokens, parse_callback};
pub use parse::{
    CDC_MAX_DAYS, CDC_MAX_OBJECTS, PAGE_SIZE, parse_cdc, parse_company_name, parse_query_page,
};

#[cfg(feature = "client")]
use flowsense_core::clock::Clock;
#[cfg(feature = "client")]
use reqwest::Url;
#[cfg(feature = "client")]
use secrecy::SecretString;
#[cfg(feature = "client")]
use std::sync::Arc;

/// Where Intuit's services are.
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: Url,
    pub token: Url,
    pub revoke: Url,
    /// The Accounting API origin; paths `/v3/company/{realmId}/…` are added to it.
    pub api_base: Url,
}

#[cfg(feature = "client")]
impl Endpoints {
    /// Production (intuit/oauth-jsclient `src/OAuthClient.js`; Intuit "REST API features").
    ///
    /// # Panics
    /// Never: the URLs are constants.
    #[must_use]
    pub fn production() -> Self {
        Self::parse(
            "https://appcenter.intuit.com/connect/oauth2",
            "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
            "https://quickbooks.api.intuit.com",
        )
        .expect("constant URLs")
    }

    /// The developer sandbox: the same OAuth endpoints, another API origin.
    ///
    /// # Panics
    /// Never: the URLs are constants.
    #[must_use]
    pub fn sandbox() -> Self {
        Self {
            api_base: Url::parse("https://sandbox-quickbooks.api.intuit.com")
                .expect("constant URL"),
            ..Self::production()
        }
    }

    /// Endpoints from four URLs (a fake's, or a proxy's).
    ///
    /// # Errors
    /// [`QuickBooksError::Url`] naming the one that does not parse.
    pub fn parse(
        authorize: &str,
        token: &str,
        revoke: &str,
        api_base: &str,
    ) -> Result<Self, QuickBooksError> {
        let p = |u: &str| Url::parse(u).map_err(|e| QuickBooksError::Url(format!("{u}: {e}")));
        Ok(Self {
            authorize: p(authorize)?,
            token: p(token)?,
            revoke: p(revoke)?,
            api_base: p(api_base)?,
        })
    }
}

/// The app's registration and how to reach Intuit.
#[cfg(feature = "client")]
#[derive(Debug, Clone)]
pub struct QuickBooksConfig {
    pub endpoints: Endpoints,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The registered redirect URI (`…/oauth/quickbooks/callback`).
    pub redirect_uri: String,
    /// [`Loopback::Allowed`] only for tests and the sandbox.
    pub loopback: Loopback,
    pub retry: RetryPolicy,
}

/// The QuickBooks Online client.
#[cfg(feature = "client")]
pub struct QuickBooks {
    config: QuickBooksConfig,
    transport: http::Transport,
    clock: Arc<dyn Clock>,
}

#[cfg(feature = "client")]
impl QuickBooks {
    /// The origin of the consent page (`https://appcenter.intuit.com`), where a connect form
    /// sends the browser: pages name it in their `form-action`.
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
    pub fn new(config: QuickBooksConfig, clock: Arc<dyn Clock>) -> Result<Self, QuickBooksError> {
        let e = &config.endpoints;
        let transport = http::Transport::new(
            config.retry,
            config.loopback,
            [&e.authorize, &e.token, &e.revoke, &e.api_base],
        )?;
        Ok(Self {
            config,
            transport,
            clock,
        })
    }

    /// The same client with another circuit breaker policy (the default opens after five
    /// calls in a row find QuickBooks unavailable, for 30 s).
    #[must_use]
    pub fn with_breaker(mut self, policy: flowsense_outbound::BreakerPolicy) -> Self {
        self.transport = self.transport.with_breaker(policy);
        self
    }
}
