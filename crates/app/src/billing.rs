//! Billing with Stripe, from the environment: `STRIPE_SECRET_KEY` turns it on;
//! `STRIPE_WEBHOOK_SECRET` (comma-separated: two while one is rolled) verifies the webhook;
//! `STRIPE_BASE_URL` and `STRIPE_SANDBOX` point it at a local fake (a loopback origin only with
//! the sandbox flag); `STRIPE_PRICE_TEAM` is the Stripe price of the default paid plan;
//! `FLOWSENSE_BILLING_PLANS` names a JSON file of plans replacing the defaults;
//! `FLOWSENSE_BILLING_GRACE_DAYS` is how long a failed renewal keeps the paid plan (default 7).
//! Without `STRIPE_SECRET_KEY` billing is off: no billing page and no plan limits.

use crate::providers::origin;
use crate::settings::env;
use anyhow::{Context, Result, bail};
use flowsense_integrations::stripe::{Loopback, RetryPolicy, Stripe, StripeConfig};
use flowsense_service::billing::{Billing, DEFAULT_GRACE_DAYS, Plans};
use secrecy::SecretString;
use std::sync::Arc;

/// The validated billing variables.
#[derive(Debug, Clone, Default)]
pub struct BillingSettings {
    secret_key: Option<SecretString>,
    webhook_secrets: Vec<SecretString>,
    base_url: Option<origin::Origin>,
    sandbox: bool,
    plans: Plans,
    grace_days: i64,
}

fn sandbox_flag() -> Result<bool> {
    match env("STRIPE_SANDBOX")?.as_deref().map(str::trim) {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(v) => bail!("STRIPE_SANDBOX must be true or false (got {v:?})"),
    }
}

impl BillingSettings {
    /// Reads the billing variables.
    ///
    /// # Errors
    /// A bad value, named by its variable.
    pub fn load() -> Result<Self> {
        let secret_key = env("STRIPE_SECRET_KEY")?.map(|v| SecretString::from(v.trim().to_owned()));
        let webhook_secrets: Vec<SecretString> = env("STRIPE_WEBHOOK_SECRET")?
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| SecretString::from(s.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let sandbox = sandbox_flag()?;
        let base_url = match env("STRIPE_BASE_URL")? {
            None => None,
            Some(v) => {
                let Some(o) = origin::parse(&v) else {
                    bail!(
                        "STRIPE_BASE_URL must be an origin such as https://host[:port], without a path"
                    );
                };
                if o.loopback && !sandbox {
                    bail!(
                        "STRIPE_BASE_URL is a loopback address; set STRIPE_SANDBOX=true to allow it (tests and the sandbox only)"
                    );
                }
                if !o.https && !o.loopback {
                    bail!(
                        "STRIPE_BASE_URL must use https:// (plain http:// only to a loopback address in the sandbox)"
                    );
                }
                Some(o)
            }
        };
        let mut plans = match env("STRIPE_PRICE_TEAM")? {
            Some(price) if !price.trim().is_empty() => Plans::with_team_price(price.trim()),
            Some(_) => bail!("STRIPE_PRICE_TEAM must not be empty"),
            None => Plans::default(),
        };
        if let Some(path) = env("FLOWSENSE_BILLING_PLANS")? {
            let text = std::fs::read_to_string(path.trim())
                .with_context(|| format!("FLOWSENSE_BILLING_PLANS: cannot read {path}"))?;
            plans = Plans::from_json(&text)
                .map_err(|e| anyhow::anyhow!("FLOWSENSE_BILLING_PLANS: {e}"))?;
        }
        let grace_days = match env("FLOWSENSE_BILLING_GRACE_DAYS")? {
            None => DEFAULT_GRACE_DAYS,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(d) if (0..=60).contains(&d) => d,
                _ => bail!(
                    "FLOWSENSE_BILLING_GRACE_DAYS must be a whole number of days from 0 to 60 (got {v:?})"
                ),
            },
        };
        if secret_key.is_none() && (!webhook_secrets.is_empty() || base_url.is_some()) {
            bail!("STRIPE_WEBHOOK_SECRET or STRIPE_BASE_URL is set but STRIPE_SECRET_KEY is not");
        }
        if secret_key.is_some() && webhook_secrets.is_empty() {
            bail!(
                "STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set (subscriptions are learned from the webhook)"
            );
        }
        Ok(Self {
            secret_key,
            webhook_secrets,
            base_url,
            sandbox,
            plans,
            grace_days,
        })
    }

    /// The instance's billing: off without a secret key.
    ///
    /// # Errors
    /// A base URL the outbound policy refuses, named by its variable.
    pub fn build(&self) -> Result<Billing> {
        let Some(key) = &self.secret_key else {
            return Ok(Billing::default());
        };
        let mut config = StripeConfig::production(key.clone());
        if let Some(o) = &self.base_url {
            config = config
                .at_origin(&o.text)
                .map_err(|e| anyhow::anyhow!("STRIPE_BASE_URL: {e}"))?;
            if self.sandbox && o.loopback {
                config.loopback = Loopback::Allowed;
            }
        }
        config.retry = RetryPolicy::default();
        let stripe = Stripe::new(config).map_err(|e| anyhow::anyhow!("STRIPE_BASE_URL: {e}"))?;
        Ok(Billing {
            stripe: Some(Arc::new(stripe)),
            webhook_secrets: self.webhook_secrets.clone(),
            plans: self.plans.clone(),
            grace: chrono::TimeDelta::days(self.grace_days),
        })
    }
}
