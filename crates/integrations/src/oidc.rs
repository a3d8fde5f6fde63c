//! OpenID Connect single sign-on against the identity provider an operator configures
//! (`openidconnect`): discovery, the authorization URL with `state`, `nonce` and a PKCE
//! challenge, the code exchange, and ID-token validation — signature by a key of the provider's
//! JWKS with an algorithm from an allow-list (RS256, ES256; never `none` or a shared-secret HS*),
//! `iss`, `aud`, `exp` and `nonce`.
//!
//! The discovery document and the JWKS are fetched once and kept. A token signed with a key the
//! cached set does not have (the provider rotated its keys) fetches the JWKS again, at most once
//! every [`JWKS_REFRESH_INTERVAL`], so forged tokens with made-up key ids cannot make the server
//! hammer the provider.
//!
//! Every request goes through a `crates/outbound` client (no redirects followed), each URL —
//! the issuer's and every endpoint its discovery document names — checked against the outbound
//! destination policy first; bodies are read up to [`MAX_BODY`].

use flowsense_outbound::{Loopback, OutboundError, check_destination};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// The largest answer read from the provider.
pub const MAX_BODY: usize = 1 << 20;
/// The deadline of one request to the provider.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The JWKS is fetched again for an unknown key at most this often.
pub const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// The signature algorithms an ID token may use.
pub const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 2] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
];

/// The provider registration.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer identifier, e.g. `https://accounts.example.com` (discovery is under it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Where the provider sends the browser back (`{public_url}/login/sso/callback`).
    pub redirect_url: String,
    /// Loopback (and plain `http://` to it) only for tests and a provider on the same machine
    /// that the operator allows explicitly.
    pub loopback: Loopback,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in through the provider failed. Messages name no secret, code or token.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider's address is refused: {0}")]
    Destination(#[from] OutboundError),
    #[error("the identity provider setting is invalid: {0}")]
    Config(String),
    #[error("the identity provider could not be reached or answered badly: {0}")]
    Provider(String),
    #[error("the identity provider refused the sign-in code")]
    CodeRefused,
    #[error("the identity provider's answer has no ID token")]
    NoIdToken,
    /// The ID token failed validation; the reason names the check (issuer, audience, expiry,
    /// nonce, signature or algorithm), never the token.
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// Who the provider says signed in, from a validated ID token.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// The provider's `email_verified` claim; absent counts as `false`.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// An HTTP failure of the client closure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

struct Discovered {
    metadata: CoreProviderMetadata,
    jwks: CoreJsonWebKeySet,
}

/// A client of one identity provider. Cheap to share (`Arc`).
pub struct OidcClient {
    config: OidcConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
    last_jwks_refresh: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    /// A client of the provider `config` names; nothing is fetched yet.
    ///
    /// # Errors
    /// An issuer or redirect URL that is not a URL, or an issuer the outbound policy refuses.
    pub fn new(config: OidcConfig) -> Result<Self, OidcError> {
        let issuer_url = reqwest::Url::parse(&config.issuer)
            .map_err(|_| OidcError::Config("the issuer is not a URL".into()))?;
        check_destination(&issuer_url, config.loopback)?;
        let issuer = IssuerUrl::new(config.issuer.clone())
            .map_err(|_| OidcError::Config("the issuer is not a URL".into()))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone())
            .map_err(|_| OidcError::Config("the redirect URL is not a URL".into()))?;
        let http = flowsense_outbound::client_builder(false)?
            .https_only(config.loopback == Loopback::Refused)
            .build()
            .map_err(|e| OidcError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            config,
            issuer,
            redirect,
            http,
            discovered: RwLock::new(None),
            last_jwks_refresh: Mutex::new(None),
        })
    }

    /// The configured issuer identifier.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// The closure `openidconnect` sends its requests with: the outbound policy checked on
    /// every URL, a deadline, and a bounded body.
    fn http_client(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>,
    > + Send
    + Sync
    + use<> {
        let client = self.http.clone();
        let loopback = self.config.loopback;
        move |request: openidconnect::HttpRequest| {
            let client = client.clone();
            Box::pin(async move {
                let url = reqwest::Url::parse(&request.uri().to_string())
                    .map_err(|_| HttpError("a provider URL is not a URL".into()))?;
                check_destination(&url, loopback).map_err(|e| HttpError(e.to_string()))?;
                let (parts, body) = request.into_parts();
                let mut response = client
                    .request(parts.method, url)
                    .headers(parts.headers)
                    .body(body)
                    .timeout(REQUEST_TIMEOUT)
                    .send()
                    .await
                    .map_err(|e| HttpError(format!("request failed: {e}")))?;
                let mut builder = http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    builder = builder.header(name, value);
                }
                let mut body = Vec::new();
                while let Some(chunk) = response
                    .chunk()
                    .await
                    .map_err(|e| HttpError(format!("reading the answer: {e}")))?
                {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(HttpError("the answer is too large".into()));
                    }
                    body.extend_from_slice(&chunk);
                }
                builder
                    .body(body)
                    .map_err(|e| HttpError(format!("the answer: {e}")))
            })
        }
    }

    /// The provider's discovery document and keys, fetched on first use.
    async fn discovered(&self) -> Result<Arc<Discovered>, OidcError> {
        if let Some(d) = self.discovered.read().await.as_ref() {
            return Ok(d.clone());
        }
        let mut slot = self.discovered.write().await;
        if let Some(d) = slot.as_ref() {
            return Ok(d.clone());
        }
        let http = self.http_client();
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &http)
            .await
            .map_err(|e| OidcError::Provider(format!("discovery: {}", error_chain(&e))))?;
        let jwks = metadata.jwks().clone();
        let d = Arc::new(Discovered { metadata, jwks });
        *slot = Some(d.clone());
        Ok(d)
    }

    /// Fetches the JWKS again (the provider rotated its keys), unless that was done less than
    /// [`JWKS_REFRESH_INTERVAL`] ago. Whether a new set was fetched.
    async fn refresh_jwks(&self) -> Result<bool, OidcError> {
        let mut last = self.last_jwks_refresh.lock().await;
        if last.is_some_and(|t| t.elapsed() < JWKS_REFRESH_INTERVAL) {
            return Ok(false);
        }
        *last = Some(Instant::now());
        let current = self.discovered().await?;
        let http = self.http_client();
        let jwks = CoreJsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &http)
            .await
            .map_err(|e| OidcError::Provider(format!("keys: {}", error_chain(&e))))?;
        *self.discovered.write().await = Some(Arc::new(Discovered {
            metadata: current.metadata.clone(),
            jwks,
        }));
        Ok(true)
    }

    /// Where to send the browser: the provider's authorization endpoint with the code flow,
    /// scopes `openid email profile`, `state`, `nonce` and the S256 challenge of
    /// `pkce_verifier`.
    ///
    /// # Errors
    /// Discovery failed.
    pub async fn authorize_url(
        &self,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<String, OidcError> {
        let d = self.discovered().await?;
        let client = CoreClient::from_provider_metadata(
            d.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            None,
        )
        .set_redirect_uri(self.redirect.clone());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_owned(),
        ));
        let (state, nonce) = (state.to_owned(), nonce.to_owned());
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        check_destination(&url, self.config.loopback)?;
        Ok(url.to_string())
    }

    /// Exchanges `code` (with the PKCE verifier) for tokens and validates the ID token against
    /// `nonce`, at `now`.
    ///
    /// # Errors
    /// The provider refused the code, sent no ID token, or one that fails validation.
    pub async fn sign_in(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let d = self.discovered().await?;
        let client = CoreClient::from_provider_metadata(
            d.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect.clone());
        let http = self.http_client();
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| OidcError::Provider("no token endpoint".into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(_) => OidcError::CodeRefused,
                // An answer whose ID token is not even a well-formed JWT.
                openidconnect::RequestTokenError::Parse(..) => {
                    OidcError::InvalidToken("malformed".into())
                }
                other => OidcError::Provider(format!("token: {}", error_chain(&other))),
            })?;
        let id_token = response.id_token().ok_or(OidcError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let verify = |jwks: CoreJsonWebKeySet| {
            let verifier = CoreIdTokenVerifier::new_public_client(
                ClientId::new(self.config.client_id.clone()),
                self.issuer.clone(),
                jwks,
            )
            .set_allowed_algs(ALLOWED_ALGS)
            .set_time_fn(move || now);
            id_token
                .claims(&verifier, &nonce)
                .map(|claims| VerifiedIdentity {
                    issuer: claims.issuer().to_string(),
                    subject: claims.subject().to_string(),
                    email: claims.email().map(|e| e.to_string()),
                    email_verified: claims.email_verified().unwrap_or(false),
                    name: claims
                        .name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.to_string()),
                })
        };
        match verify(d.jwks.clone()) {
            Ok(identity) => Ok(identity),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) if self.refresh_jwks().await? => {
                let d = self.discovered().await?;
                verify(d.jwks.clone()).map_err(refusal)
            }
            Err(e) => Err(refusal(e)),
        }
    }
}

/// What a failed validation says: which check, never the token.
fn refusal(e: ClaimsVerificationError) -> OidcError {
    let why = match e {
        ClaimsVerificationError::Expired(_) => "expired".to_owned(),
        ClaimsVerificationError::InvalidAudience(_) => "wrong audience".to_owned(),
        ClaimsVerificationError::InvalidIssuer(_) => "wrong issuer".to_owned(),
        ClaimsVerificationError::InvalidNonce(_) => "wrong nonce".to_owned(),
        ClaimsVerificationError::SignatureVerification(s) => match s {
            SignatureVerificationError::DisallowedAlg(alg) => {
                format!("signature algorithm {alg} is not allowed")
            }
            SignatureVerificationError::NoSignature => "unsigned".to_owned(),
            SignatureVerificationError::NoMatchingKey => "signed by an unknown key".to_owned(),
            _ => "bad signature".to_owned(),
        },
        other => format!("{other}"),
    };
    OidcError::InvalidToken(why)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
