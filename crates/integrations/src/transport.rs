//! The one way a provider client reaches the network: a `crates/outbound` client, the outbound
//! destination policy checked before every request, retries with jittered exponential backoff
//! for 5xx and timeouts, and `Retry-After` honoured on 429; only the hosts of the provider's
//! configured endpoints are reachable (the outbound allow-list, checklist I8), and a circuit
//! breaker makes calls fail at once for a cool-down after repeated unavailability (H7).
//!
//! What a refusal means differs by provider, so each one says it through [`Provider`]; the rest
//! is shared. The methods a client can use are its reads ([`Transport::get`]) and the POSTs to
//! the provider's identity endpoints ([`Transport::post_identity`]: token, revocation). A
//! provider that must delete something of its own (Xero's connections) adds that method on its
//! own `Transport<…>`; none can write to a company's books, because no request they can build
//! has another method. Stripe's client alone can POST forms with its secret key (Checkout and
//! portal sessions, customers), with an `Idempotency-Key` on each.

use crate::retry::{Attempt, RetryPolicy, with_retries};
use flowsense_outbound::{
    AllowList, Breaker, BreakerPolicy, Gate, Loopback, OutboundError, check_destination,
};
use reqwest::header::{self, HeaderMap};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use std::marker::PhantomData;
use std::time::Duration;

/// A raw answer that succeeded (2xx).
pub(crate) struct Answer {
    pub body: Vec<u8>,
}

/// What one provider's answers mean.
pub(crate) trait Provider {
    type Error: From<OutboundError>;
    /// Names the service in the debug log.
    const NAME: &'static str;
    /// Sent with every identity POST besides the credentials and the content type.
    const IDENTITY_HEADERS: &'static [(&'static str, &'static str)] = &[];
    /// The answer header that names a request for the provider's support (Intuit's
    /// `intuit_tid`): logged with every answer that carries it. It is not sensitive.
    const SUPPORT_ID_HEADER: Option<&'static str> = None;

    /// No answer in time.
    fn timeout() -> Self::Error;
    /// Calls are paused by the circuit breaker; a probe goes out in about `retry_in`.
    fn paused(retry_in: Duration) -> Self::Error;
    /// A network or client error.
    fn network(e: reqwest::Error) -> Self::Error;
    /// What a non-2xx answer means: retry (after `retry_after` when the provider said) or fail.
    fn refusal(
        status: StatusCode,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt<Answer, Self::Error>;
}

pub(crate) struct Transport<P> {
    client: reqwest::Client,
    policy: RetryPolicy,
    loopback: Loopback,
    allowed: AllowList,
    breaker: Breaker,
    provider: PhantomData<P>,
}

impl<P: Provider> Transport<P> {
    /// A transport that reaches the hosts of `endpoints` and no other, each checked against
    /// the outbound policy.
    pub fn new<'a>(
        policy: RetryPolicy,
        loopback: Loopback,
        endpoints: impl IntoIterator<Item = &'a Url>,
    ) -> Result<Self, P::Error> {
        let endpoints: Vec<&Url> = endpoints.into_iter().collect();
        for url in &endpoints {
            check_destination(url, loopback)?;
        }
        let allowed = AllowList::from_urls(endpoints);
        let client = flowsense_outbound::partner_client_builder(false, &allowed)?
            .https_only(loopback == Loopback::Refused)
            .build()
            .map_err(P::network)?;
        Ok(Self {
            client,
            policy,
            loopback,
            allowed,
            breaker: Breaker::new(BreakerPolicy::default()),
            provider: PhantomData,
        })
    }

    /// The same transport with another circuit breaker policy.
    pub fn with_breaker(mut self, policy: BreakerPolicy) -> Self {
        self.breaker = Breaker::new(policy);
        self
    }

    /// Refuses a URL the outbound policy or the allow-list does not allow.
    pub fn check(&self, url: &Url) -> Result<(), P::Error> {
        check_destination(url, self.loopback)?;
        Ok(self.allowed.check(url)?)
    }

    /// `GET url` with a bearer token, `Accept: application/json` and `extra` headers.
    pub async fn get(
        &self,
        url: &Url,
        bearer: &SecretString,
        extra: &[(&str, &str)],
    ) -> Result<Answer, P::Error> {
        self.check(url)?;
        self.with_retries(|| {
            extra.iter().fold(
                self.client
                    .get(url.clone())
                    .bearer_auth(bearer.expose_secret())
                    .header(header::ACCEPT, "application/json"),
                |r, (name, value)| r.header(*name, *value),
            )
        })
        .await
    }

    /// A POST of `body` to an identity (OAuth) endpoint, with the app's Basic credentials.
    pub async fn post_identity(
        &self,
        url: &Url,
        basic: &SecretString,
        content_type: &str,
        body: &SecretString,
    ) -> Result<Answer, P::Error> {
        self.check(url)?;
        self.with_retries(|| {
            P::IDENTITY_HEADERS.iter().fold(
                self.client
                    .post(url.clone())
                    .header(
                        header::AUTHORIZATION,
                        format!("Basic {}", basic.expose_secret()),
                    )
                    .header(header::ACCEPT, "application/json")
                    .header(header::CONTENT_TYPE, content_type)
                    .body(body.expose_secret().to_owned()),
                |r, (name, value)| r.header(*name, *value),
            )
        })
        .await
    }

    /// `method url` with a bearer token and `Accept: application/json`, for the methods a
    /// provider module adds on its own transport.
    pub(crate) async fn send_with_bearer(
        &self,
        method: reqwest::Method,
        url: &Url,
        bearer: &SecretString,
    ) -> Result<Answer, P::Error> {
        self.check(url)?;
        self.with_retries(|| {
            self.client
                .request(method.clone(), url.clone())
                .bearer_auth(bearer.expose_secret())
                .header(header::ACCEPT, "application/json")
        })
        .await
    }

    async fn with_retries(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, P::Error> {
        if let Gate::Refused(retry_in) = self.breaker.admit() {
            tracing::debug!(provider = P::NAME, "circuit open; call refused");
            return Err(P::paused(retry_in));
        }
        // Whether the last attempt found the provider unavailable (the retryable outcomes).
        let unavailable = std::sync::atomic::AtomicBool::new(false);
        let result = with_retries(&self.policy, P::NAME, || {
            let request = build().timeout(self.policy.request_timeout);
            let unavailable = &unavailable;
            async move {
                let outcome = attempt::<P>(request).await;
                unavailable.store(
                    matches!(outcome, Attempt::Retry { .. }),
                    std::sync::atomic::Ordering::Relaxed,
                );
                outcome
            }
        })
        .await;
        if result.is_err() && unavailable.load(std::sync::atomic::Ordering::Relaxed) {
            self.breaker.unavailable();
        } else {
            self.breaker.answered();
        }
        result
    }
}

/// Stripe's writes, on its transport alone: no other provider's client can build a form POST
/// with a bearer token.
impl Transport<crate::stripe::StripeApi> {
    /// A form-encoded `POST url` with a bearer token and `extra` headers (Stripe's writes:
    /// `Idempotency-Key` makes its retries safe).
    pub(crate) async fn post_form_with_bearer(
        &self,
        url: &Url,
        bearer: &SecretString,
        extra: &[(&str, &str)],
        body: &SecretString,
    ) -> Result<Answer, crate::stripe::StripeError> {
        self.check(url)?;
        self.with_retries(|| {
            extra.iter().fold(
                self.client
                    .post(url.clone())
                    .bearer_auth(bearer.expose_secret())
                    .header(header::ACCEPT, "application/json")
                    .header(header::CONTENT_TYPE, FORM)
                    .body(body.expose_secret().to_owned()),
                |r, (name, value)| r.header(*name, *value),
            )
        })
        .await
    }

    /// `DELETE url` with a bearer token and `extra` headers (Stripe's deletions).
    pub(crate) async fn delete_with_bearer(
        &self,
        url: &Url,
        bearer: &SecretString,
        extra: &[(&str, &str)],
    ) -> Result<Answer, crate::stripe::StripeError> {
        self.check(url)?;
        self.with_retries(|| {
            extra.iter().fold(
                self.client
                    .delete(url.clone())
                    .bearer_auth(bearer.expose_secret())
                    .header(header::ACCEPT, "application/json"),
                |r, (name, value)| r.header(*name, *value),
            )
        })
        .await
    }
}

async fn attempt<P: Provider>(request: reqwest::RequestBuilder) -> Attempt<Answer, P::Error> {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return network_failure::<P>(e),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = match response.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) => return network_failure::<P>(e),
    };
    let support_id = P::SUPPORT_ID_HEADER
        .and_then(|name| headers.get(name))
        .and_then(|v| v.to_str().ok());
    if let Some(support_id) = support_id {
        if status.is_success() {
            tracing::debug!(
                provider = P::NAME,
                status = status.as_u16(),
                support_id,
                "provider answered"
            );
        } else {
            tracing::warn!(
                provider = P::NAME,
                status = status.as_u16(),
                support_id,
                "provider refused a request (quote support_id to its support)"
            );
        }
    }
    if status.is_success() {
        return Attempt::Done(Answer { body });
    }
    P::refusal(status, &headers, retry_after, &body)
}

/// Time-outs, refused connections and broken bodies are worth another try; the rest is not.
fn network_failure<P: Provider>(e: reqwest::Error) -> Attempt<Answer, P::Error> {
    if e.is_timeout() {
        Attempt::Retry {
            after: None,
            error: P::timeout(),
        }
    } else if e.is_connect() || e.is_request() || e.is_body() {
        Attempt::Retry {
            after: None,
            error: P::network(e),
        }
    } else {
        Attempt::Fail(P::network(e))
    }
}

/// The app's `client_id:client_secret` for HTTP Basic authentication, base64-encoded.
pub(crate) fn basic_credentials(client_id: &str, client_secret: &SecretString) -> SecretString {
    use base64::Engine as _;
    let raw = format!("{client_id}:{}", client_secret.expose_secret());
    SecretString::from(base64::engine::general_purpose::STANDARD.encode(raw))
}

/// The content type of [`form`] bodies.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// An `application/x-www-form-urlencoded` body, kept secret (it carries codes and tokens).
pub(crate) fn form(pairs: &[(&str, &str)]) -> SecretString {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        body.append_pair(k, v);
    }
    SecretString::from(body.finish())
}
