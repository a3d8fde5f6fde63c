//! The Stripe client: requests with the pinned API version and idempotency keys, answers read
//! into [`super::model`].

use super::StripeError;
use super::http;
use super::model::{CheckoutSession, Customer, PortalSession, Subscription};
use crate::retry::RetryPolicy;
use flowsense_outbound::Loopback;
use reqwest::Url;
use secrecy::SecretString;

/// The API version every request pins (`Stripe-Version`; APIS.md §3.1).
pub const API_VERSION: &str = "2026-07-29.dahlia";

/// The Stripe app of this instance and how to reach the API.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com` in production; a fake's origin in tests and the sandbox.
    pub api_base: Url,
    /// `STRIPE_SECRET_KEY` (`sk_…`).
    pub secret_key: SecretString,
    /// [`Loopback::Allowed`] only for tests and the sandbox.
    pub loopback: Loopback,
    pub retry: RetryPolicy,
}

impl StripeConfig {
    /// Production Stripe with `secret_key`.
    ///
    /// # Panics
    /// Never: the URL is a constant.
    #[must_use]
    pub fn production(secret_key: SecretString) -> Self {
        Self {
            api_base: Url::parse("https://api.stripe.com").expect("constant URL"),
            secret_key,
            loopback: Loopback::Refused,
            retry: RetryPolicy::default(),
        }
    }
}

impl StripeConfig {
    /// The same Stripe at another origin (a fake, a proxy).
    ///
    /// # Errors
    /// [`StripeError::Url`] when `origin` is not an absolute URL.
    pub fn at_origin(mut self, origin: &str) -> Result<Self, StripeError> {
        self.api_base =
            Url::parse(origin).map_err(|e| StripeError::Url(format!("{origin}: {e}")))?;
        Ok(self)
    }
}

/// What a Checkout Session is made of.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub customer: &'a str,
    pub price: &'a str,
    /// The organisation, as `client_reference_id` and in the session's and subscription's
    /// metadata (`org_id`).
    pub org_id: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub idempotency_key: &'a str,
}

/// The Stripe client.
pub struct Stripe {
    config: StripeConfig,
    transport: http::Transport,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("api_base", &self.config.api_base.as_str())
            .finish_non_exhaustive()
    }
}

impl Stripe {
    /// Checks the API base against the outbound policy and builds the client.
    ///
    /// # Errors
    /// A refused base URL (not https, private, or loopback without [`Loopback::Allowed`]) or a
    /// TLS set-up failure.
    pub fn new(config: StripeConfig) -> Result<Self, StripeError> {
        let transport = http::Transport::new(config.retry, config.loopback, [&config.api_base])?;
        Ok(Self { config, transport })
    }

    /// The same client with another circuit breaker policy (the default opens after five
    /// calls in a row find Stripe unavailable, for 30 s).
    #[must_use]
    pub fn with_breaker(mut self, policy: flowsense_outbound::BreakerPolicy) -> Self {
        self.transport = self.transport.with_breaker(policy);
        self
    }

    /// The origins the browser is sent to (Checkout and the portal): forms that lead there must
    /// be allowed to by the pages' `form-action`. Stripe's own hosts in production; the API's
    /// origin when it is overridden (a fake serves its pages there).
    #[must_use]
    pub fn redirect_origins(&self) -> Vec<String> {
        let origin = self.config.api_base.origin().ascii_serialization();
        if origin == "https://api.stripe.com" {
            vec![
                "https://checkout.stripe.com".to_owned(),
                "https://billing.stripe.com".to_owned(),
            ]
        } else {
            vec![origin]
        }
    }

    fn url(&self, path: &str) -> Result<Url, StripeError> {
        self.config
            .api_base
            .join(path)
            .map_err(|e| StripeError::Url(format!("{path}: {e}")))
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        idempotency_key: &str,
    ) -> Result<T, StripeError> {
        let url = self.url(path)?;
        let answer = self
            .transport
            .post_form_with_bearer(
                &url,
                &self.config.secret_key,
                &[
                    ("stripe-version", API_VERSION),
                    ("idempotency-key", idempotency_key),
                ],
                &crate::transport::form(pairs),
            )
            .await?;
        decode(&answer.body)
    }

    /// Creates the customer an organisation pays as, with `metadata[org_id]`.
    ///
    /// # Errors
    /// A [`StripeError`].
    pub async fn create_customer(
        &self,
        org_id: &str,
        name: &str,
        idempotency_key: &str,
    ) -> Result<Customer, StripeError> {
        self.post(
            "/v1/customers",
            &[("name", name), ("metadata[org_id]", org_id)],
            idempotency_key,
        )
        .await
    }

    /// A Checkout Session in subscription mode for one unit of `price`; send the browser to its
    /// `url`.
    ///
    /// # Errors
    /// A [`StripeError`].
    pub async fn create_checkout_session(
        &self,
        r: &CheckoutRequest<'_>,
    ) -> Result<CheckoutSession, StripeError> {
        self.post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("customer", r.customer),
                ("line_items[0][price]", r.price),
                ("line_items[0][quantity]", "1"),
                ("success_url", r.success_url),
                ("cancel_url", r.cancel_url),
                ("client_reference_id", r.org_id),
                ("metadata[org_id]", r.org_id),
                ("subscription_data[metadata][org_id]", r.org_id),
            ],
            r.idempotency_key,
        )
        .await
    }

    /// A Billing Portal session for `customer`, coming back to `return_url`.
    ///
    /// # Errors
    /// A [`StripeError`].
    pub async fn create_portal_session(
        &self,
        customer: &str,
        return_url: &str,
        idempotency_key: &str,
    ) -> Result<PortalSession, StripeError> {
        self.post(
            "/v1/billing_portal/sessions",
            &[("customer", customer), ("return_url", return_url)],
            idempotency_key,
        )
        .await
    }

    /// Deletes `customer` at Stripe, which also cancels its subscriptions at once
    /// (`DELETE /v1/customers/{id}`; a DELETE is idempotent, so it carries no key). A customer
    /// Stripe no longer knows (deleted before, by an earlier attempt) counts as deleted.
    ///
    /// # Errors
    /// A [`StripeError`] (an id that is not Stripe's shape is refused before sending).
    pub async fn delete_customer(&self, customer: &str) -> Result<(), StripeError> {
        check_id("customer", customer)?;
        let url = self.url(&format!("/v1/customers/{customer}"))?;
        let answer = self
            .transport
            .delete_with_bearer(
                &url,
                &self.config.secret_key,
                &[("stripe-version", API_VERSION)],
            )
            .await;
        match answer {
            Ok(a) => {
                let deleted: super::model::Deleted = decode(&a.body)?;
                if deleted.deleted && deleted.id == customer {
                    Ok(())
                } else {
                    Err(StripeError::Decode("the customer was not deleted".into()))
                }
            }
            Err(StripeError::Refused { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The subscription as Stripe holds it now (what events said may be stale or out of order).
    ///
    /// # Errors
    /// A [`StripeError`]; [`StripeError::Refused`] with 404 for an unknown id.
    pub async fn subscription(&self, id: &str) -> Result<Subscription, StripeError> {
        check_id("subscription", id)?;
        let url = self.url(&format!("/v1/subscriptions/{id}"))?;
        let answer = self
            .transport
            .get(
                &url,
                &self.config.secret_key,
                &[("stripe-version", API_VERSION)],
            )
            .await?;
        decode(&answer.body)
    }
}

/// Refuses what is not shaped like a Stripe id before it goes into a URL path.
fn check_id(what: &str, id: &str) -> Result<(), StripeError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StripeError::Url(format!("not a {what} id: {id:?}")));
    }
    Ok(())
}

/// An answer's body read as `T`.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, StripeError> {
    serde_json::from_slice(body).map_err(|e| StripeError::Decode(e.to_string()))
}
