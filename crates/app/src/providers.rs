//! The accounting providers this instance is registered with, from the environment:
//! `QUICKBOOKS_CLIENT_ID`, `QUICKBOOKS_CLIENT_SECRET`, `QUICKBOOKS_WEBHOOK_VERIFIER`,
//! `QUICKBOOKS_BASE_URL` (one origin serving Intuit's paths, as the fake does) and
//! `QUICKBOOKS_SANDBOX` (Intuit's sandbox API; with it, and only with it, a loopback base URL is
//! accepted); `XERO_CLIENT_ID`, `XERO_CLIENT_SECRET`, `XERO_WEBHOOK_KEY` (signs Xero's
//! webhooks), `XERO_BASE_URL` (one origin serving Xero's identity, connections and Accounting
//! API paths, as the fake does) and `XERO_SANDBOX` (only with it a loopback base URL is
//! accepted). A bad value stops start-up naming its variable.

use crate::settings::env;
use anyhow::{Result, bail};
use flowsense_core::clock::Clock;
use flowsense_integrations::quickbooks::{
    Endpoints, Loopback, QuickBooks, QuickBooksConfig, RetryPolicy,
};
use flowsense_integrations::xero::{self, Xero, XeroConfig};
use flowsense_service::Providers;
use flowsense_service::ai::usage::MonthlyTokens;
use flowsense_service::connections::WebhookSecrets;
use secrecy::SecretString;
use std::sync::Arc;

/// The QuickBooks app registration.
#[derive(Debug, Clone)]
pub struct QuickBooksSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Where Intuit's endpoints are: `None` for Intuit's own.
    pub base_url: Option<origin::Origin>,
    pub sandbox: bool,
}

/// The Xero app registration.
#[derive(Debug, Clone)]
pub struct XeroSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Where Xero's endpoints are: `None` for Xero's own.
    pub base_url: Option<origin::Origin>,
    pub sandbox: bool,
}

/// Every provider setting.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    pub quickbooks: Option<QuickBooksSettings>,
    pub xero: Option<XeroSettings>,
    pub webhooks: WebhookSecrets,
    /// `STRIPE_*`: billing (off without a secret key).
    pub billing: crate::billing::BillingSettings,
}

/// A base URL that must be an origin: `http(s)://host[:port]`, no path or query.
pub mod origin {
    /// An origin such as `https://intuit.example` or `http://127.0.0.1:4010`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Origin {
        pub text: String,
        pub loopback: bool,
        pub https: bool,
    }

    /// Parses `value` as an origin; `None` when it is not one.
    #[must_use]
    pub fn parse(value: &str) -> Option<Origin> {
        let value = value.trim().trim_end_matches('/');
        let (https, rest) = if let Some(r) = value.strip_prefix("https://") {
            (true, r)
        } else {
            (false, value.strip_prefix("http://")?)
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return None;
        }
        let host = match rest.strip_prefix('[') {
            Some(v6) => v6.split(']').next()?,
            None => rest.split(':').next()?,
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        Some(Origin {
            text: value.to_owned(),
            loopback,
            https,
        })
    }
}

fn flag(name: &str) -> Result<bool> {
    match env(name)?.as_deref().map(str::trim) {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(v) => bail!("{name} must be true or false (got {v:?})"),
    }
}

fn secret(name: &str) -> Result<Option<SecretString>> {
    Ok(env(name)?.map(|v| SecretString::from(v.trim().to_owned())))
}

/// One provider's registration variables, `{PREFIX}_CLIENT_ID`, `_CLIENT_SECRET`, `_BASE_URL`
/// and `_SANDBOX`, checked alike for every provider.
struct App {
    client_id: String,
    client_secret: SecretString,
    base_url: Option<origin::Origin>,
    sandbox: bool,
}

fn load_app(prefix: &str) -> Result<Option<App>> {
    let id = env(&format!("{prefix}_CLIENT_ID"))?.map(|v| v.trim().to_owned());
    let secret_value = secret(&format!("{prefix}_CLIENT_SECRET"))?;
    let sandbox = flag(&format!("{prefix}_SANDBOX"))?;
    let base_url = match env(&format!("{prefix}_BASE_URL"))? {
        None => None,
        Some(v) => {
            let Some(origin) = origin::parse(&v) else {
                bail!(
                    "{prefix}_BASE_URL must be an origin such as https://host[:port], without a path"
                );
            };
            if origin.loopback && !sandbox {
                bail!(
                    "{prefix}_BASE_URL is a loopback address; set {prefix}_SANDBOX=true to allow it (tests and the sandbox only)"
                );
            }
            if !origin.https && !origin.loopback {
                bail!(
                    "{prefix}_BASE_URL must use https:// (plain http:// only to a loopback address in the sandbox)"
                );
            }
            Some(origin)
        }
    };
    match (id, secret_value) {
        (Some(client_id), Some(client_secret)) => Ok(Some(App {
            client_id,
            client_secret,
            base_url,
            sandbox,
        })),
        (Some(_), None) => {
            bail!("{prefix}_CLIENT_SECRET is required when {prefix}_CLIENT_ID is set")
        }
        (None, Some(_)) => {
            bail!("{prefix}_CLIENT_ID is required when {prefix}_CLIENT_SECRET is set")
        }
        (None, None) => {
            if base_url.is_some() {
                bail!(
                    "{prefix}_BASE_URL is set but {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET are not"
                );
            }
            Ok(None)
        }
    }
}

impl ProviderSettings {
    /// Reads the provider variables.
    ///
    /// # Errors
    /// A half-configured app, or a bad value, named by its variable.
    pub fn load() -> Result<Self> {
        let quickbooks = load_app("QUICKBOOKS")?.map(|a| QuickBooksSettings {
            client_id: a.client_id,
            client_secret: a.client_secret,
            base_url: a.base_url,
            sandbox: a.sandbox,
        });
        let xero = load_app("XERO")?.map(|a| XeroSettings {
            client_id: a.client_id,
            client_secret: a.client_secret,
            base_url: a.base_url,
            sandbox: a.sandbox,
        });
        let webhooks = WebhookSecrets {
            quickbooks_verifier: secret("QUICKBOOKS_WEBHOOK_VERIFIER")?,
            xero_key: secret("XERO_WEBHOOK_KEY")?,
        };
        Ok(Self {
            quickbooks,
            xero,
            webhooks,
            billing: crate::billing::BillingSettings::load()?,
        })
    }

    /// The provider clients, their redirect URIs under `public_url`.
    ///
    /// # Errors
    /// An endpoint the outbound policy refuses, named by its variable.
    pub fn build(&self, public_url: &str, clock: Arc<dyn Clock>) -> Result<Providers> {
        let quickbooks = match &self.quickbooks {
            None => None,
            Some(qb) => {
                let endpoints = match &qb.base_url {
                    Some(origin) => {
                        let o = &origin.text;
                        Endpoints::parse(
                            &format!("{o}/connect/oauth2"),
                            &format!("{o}/oauth2/v1/tokens/bearer"),
                            &format!("{o}/v2/oauth2/tokens/revoke"),
                            o,
                        )
                        .map_err(|e| anyhow::anyhow!("QUICKBOOKS_BASE_URL: {e}"))?
                    }
                    None if qb.sandbox => Endpoints::sandbox(),
                    None => Endpoints::production(),
                };
                let loopback = if qb.sandbox && qb.base_url.as_ref().is_some_and(|o| o.loopback) {
                    Loopback::Allowed
                } else {
                    Loopback::Refused
                };
                let config = QuickBooksConfig {
                    endpoints,
                    client_id: qb.client_id.clone(),
                    client_secret: qb.client_secret.clone(),
                    redirect_uri: format!(
                        "{}/oauth/quickbooks/callback",
                        public_url.trim_end_matches('/')
                    ),
                    loopback,
                    retry: RetryPolicy::default(),
                };
                let client = QuickBooks::new(config, clock.clone())
                    .map_err(|e| anyhow::anyhow!("QUICKBOOKS_BASE_URL: {e}"))?;
                Some(Arc::new(client))
            }
        };
        let xero = match &self.xero {
            None => None,
            Some(x) => {
                let endpoints = match &x.base_url {
                    Some(origin) => xero::Endpoints::from_origin(&origin.text)
                        .map_err(|e| anyhow::anyhow!("XERO_BASE_URL: {e}"))?,
                    None => xero::Endpoints::production(),
                };
                let loopback = if x.sandbox && x.base_url.as_ref().is_some_and(|o| o.loopback) {
                    Loopback::Allowed
                } else {
                    Loopback::Refused
                };
                let config = XeroConfig {
                    endpoints,
                    client_id: x.client_id.clone(),
                    client_secret: x.client_secret.clone(),
                    redirect_uri: format!(
                        "{}/oauth/xero/callback",
                        public_url.trim_end_matches('/')
                    ),
                    loopback,
                    retry: RetryPolicy::default(),
                };
                let client =
                    Xero::new(config, clock).map_err(|e| anyhow::anyhow!("XERO_BASE_URL: {e}"))?;
                Some(Arc::new(client))
            }
        };
        Ok(Providers {
            quickbooks,
            xero,
            webhooks: self.webhooks.clone(),
            // Built from the AI settings by `serve` and `worker`.
            ai: None,
            ai_monthly_tokens: MonthlyTokens::default(),
            billing: self.billing.build()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::origin::parse;

    #[test]
    fn origins_are_told_from_urls_with_paths_and_loopback_is_recognised() {
        let o = parse("http://127.0.0.1:4010/").unwrap();
        assert!(o.loopback && !o.https);
        assert_eq!(o.text, "http://127.0.0.1:4010");
        assert!(parse("https://intuit.example").is_some_and(|o| o.https && !o.loopback));
        assert!(parse("http://[::1]:80").is_some_and(|o| o.loopback));
        assert!(parse("https://intuit.example/v3").is_none());
        assert!(parse("ftp://x").is_none());
        assert!(parse("https://").is_none());
    }
}
