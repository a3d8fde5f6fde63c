//! What every handler can reach, built once at start-up and passed down as a value.

use crate::auth::TrustedProxies;
use flowsense_core::clock::Clock;
use flowsense_mail::Mailer;
use flowsense_service::analytics_cache::AnalyticsCache;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::identity::password::PasswordError;
use flowsense_service::identity::session::SessionPolicy;
use flowsense_service::identity::shared_limits::{BadRedisUrl, SharedLimits};
use flowsense_service::identity::signup_policy::SignupPolicy;
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::Store;
use std::sync::Arc;

/// Identity and access settings.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub session: SessionPolicy,
    pub limits: RateLimits,
    /// Served over TLS: cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// Where users reach the product (`FLOWSENSE_PUBLIC_URL`), e.g. `https://cash.example.com`.
    /// Links in e-mails start with it, and a browser request whose `Origin` differs from its
    /// origin is refused.
    pub public_url: String,
    /// Password hashes computed at once (each takes ~19 MiB).
    pub hash_concurrency: usize,
    /// Peers whose `Forwarded` / `X-Forwarded-For` name the client (`FLOWSENSE_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Who may sign up (`FLOWSENSE_SIGNUP`); pages offer sign-up only when it is open.
    pub signup: SignupPolicy,
    /// Breached passwords new passwords are refused from (`FLOWSENSE_BREACHED_PASSWORDS_FILE`).
    pub breached_passwords: Option<flowsense_service::identity::breached::BreachedPasswords>,
}

impl AuthSettings {
    /// Defaults for a server reachable at `public_url`.
    #[must_use]
    pub fn new(public_url: impl Into<String>) -> Self {
        let public_url: String = public_url.into();
        Self {
            session: SessionPolicy::default(),
            limits: RateLimits::default(),
            secure_cookies: public_url.starts_with("https://"),
            public_url: public_url.trim_end_matches('/').to_owned(),
            hash_concurrency: std::thread::available_parallelism().map_or(2, usize::from),
            trusted_proxies: TrustedProxies::default(),
            signup: SignupPolicy::Open,
            breached_passwords: None,
        }
    }

    /// `scheme://host[:port]` of the public URL.
    #[must_use]
    pub fn public_origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        match self.public_url[after_scheme..].find('/') {
            Some(i) => &self.public_url[..after_scheme + i],
            None => &self.public_url,
        }
    }
}

/// Facts about how this instance runs that the trust center shows (SPEC §9): set by the binary
/// from its settings, so the page states what is true of this deployment.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// Serving HTTPS itself (TLS 1.3 only).
    pub tls: bool,
    /// The configured AI provider, `None` when none is configured.
    pub ai_provider: Option<String>,
    /// Where security reports go (`FLOWSENSE_SECURITY_CONTACT`); `None`: the trust center says
    /// none is configured and `security.txt` is not served.
    pub security_contact: Option<crate::SecurityContact>,
}

/// What every handler can reach: the services' [`Context`] (which it dereferences to, so a
/// handler passes `&state` to a service function) and what only the web needs, in [`AppShared`].
///
/// One reference count: each middleware layer takes its own copy of the state for every request,
/// and copying each shared part cost an atomic update apiece, on counters both cores' requests
/// kept taking from each other (dropping the copies alone was 4% of `/healthz`'s time under
/// load; bench/README.md).
#[derive(Clone)]
pub struct AppState(Arc<AppShared>);

/// The parts of [`AppState`]. Changing one through a `mut` state copies the parts (all cheap to
/// clone) if another copy of the state holds them.
#[derive(Clone)]
pub struct AppShared {
    pub services: Context,
    pub settings: Arc<AuthSettings>,
    pub deployment: Arc<Deployment>,
    /// Session and token bookkeeping writes allowed to wait for the database at once.
    pub(crate) bookkeeping_writers: Arc<tokio::sync::Semaphore>,
    /// `POST /api/cron/{job}`, when `FLOWSENSE_CRON_SECRET` is set (otherwise the route is 404).
    pub cron: Option<Arc<crate::api::CronEndpoint>>,
    /// The bearer token `GET /metrics` asks for (`FLOWSENSE_METRICS_TOKEN`); none: the route
    /// is 404.
    pub metrics_token: Option<Arc<secrecy::SecretString>>,
    /// Requests and latencies by route template, counted for `GET /metrics`.
    pub(crate) request_metrics: Arc<crate::request_metrics::RequestMetrics>,
}

impl std::ops::Deref for AppShared {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.services
    }
}

impl std::ops::Deref for AppState {
    type Target = AppShared;
    fn deref(&self) -> &AppShared {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    /// Copies the parts first if another copy of the state holds them.
    fn deref_mut(&mut self) -> &mut AppShared {
        Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("services", &self.services)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state on the system clock. Computes one argon2 hash (the dummy that unknown
    /// e-mail addresses are checked against).
    ///
    /// # Errors
    /// When that hash cannot be computed.
    pub fn new(
        store: Store,
        key: InstanceKey,
        mailer: Arc<dyn Mailer>,
        settings: AuthSettings,
    ) -> Result<Self, PasswordError> {
        let services = Context::new(
            store,
            key,
            mailer,
            &ContextSettings {
                public_url: settings.public_url.clone(),
                session: settings.session,
                limits: settings.limits.clone(),
                hash_concurrency: settings.hash_concurrency,
            },
        )?
        .with_signup_policy(settings.signup);
        let services = match &settings.breached_passwords {
            Some(set) => services.with_breached_passwords(set.clone()),
            None => services,
        };
        Ok(Self(Arc::new(AppShared {
            services,
            settings: Arc::new(settings),
            deployment: Arc::new(Deployment::default()),
            bookkeeping_writers: Arc::new(tokio::sync::Semaphore::new(2)),
            cron: None,
            metrics_token: None,
            request_metrics: Arc::new(crate::request_metrics::RequestMetrics::for_route_table()),
        })))
    }

    /// The same state counting its rate limits in the Redis at `url`, together with every
    /// other instance configured the same (`FLOWSENSE_REDIS_URL`). Connects on first use.
    ///
    /// # Errors
    /// The URL is not a Redis URL (the error does not repeat it).
    pub fn with_shared_limits(mut self, url: &str) -> Result<Self, BadRedisUrl> {
        self.services = self
            .services
            .clone()
            .with_shared_limits(SharedLimits::open(url)?);
        Ok(self)
    }

    /// The same state with its own analytics cache (say, of other bounds).
    #[must_use]
    pub fn with_analytics_cache(mut self, cache: AnalyticsCache) -> Self {
        self.services = self.services.clone().with_analytics_cache(cache);
        self
    }

    /// The same state reading time from `clock` (tests move a `ManualClock`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.services = self.services.clone().with_clock(clock);
        self
    }

    /// The same state answering signed cron requests with `cron`.
    #[must_use]
    pub fn with_cron(mut self, cron: crate::api::CronEndpoint) -> Self {
        self.cron = Some(Arc::new(cron));
        self
    }

    /// The same state without the operator routes' configuration, so `POST /api/cron/{job}`
    /// and `GET /metrics` answer 404: for the public listener when an internal one serves them
    /// (`FLOWSENSE_INTERNAL_ADDR`).
    #[must_use]
    pub fn without_operator_routes(mut self) -> Self {
        self.cron = None;
        self.metrics_token = None;
        self
    }

    /// The same state answering `GET /metrics` to a scraper that sends `token`.
    #[must_use]
    pub fn with_metrics_token(mut self, token: secrecy::SecretString) -> Self {
        self.metrics_token = Some(Arc::new(token));
        self
    }

    /// The same state describing how the instance is deployed (TLS, AI provider, contact).
    #[must_use]
    pub fn with_deployment(mut self, deployment: Deployment) -> Self {
        self.deployment = Arc::new(deployment);
        self
    }
}
