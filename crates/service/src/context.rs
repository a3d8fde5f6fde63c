//! What every use case can reach, built once at start-up and passed down as a value: the same
//! for a web request, a CLI command and a job worker.

use crate::analytics_cache::AnalyticsCache;
use crate::backup::BackupPolicy;
use crate::identity::crypto::InstanceKey;
use crate::identity::limits::{Bucket, Limiters, RateLimited, RateLimits};
use crate::identity::password::{PasswordError, Passwords};
use crate::identity::session::SessionPolicy;
use crate::identity::shared_limits::SharedLimits;
use crate::identity::signup_policy::SignupPolicy;
use crate::providers::Providers;
use chrono::{DateTime, Utc};
use flowsense_core::clock::{Clock, SystemClock};
use flowsense_mail::Mailer;
use flowsense_storage::Store;
use std::sync::Arc;

/// The identity policy of an instance: where users reach it, how long sessions live, the
/// brute-force limits and how many password hashes may run at once.
#[derive(Debug, Clone)]
pub struct ContextSettings {
    /// Where users reach the product, e.g. `https://cash.example.com` (links in e-mails).
    pub public_url: String,
    pub session: SessionPolicy,
    pub limits: RateLimits,
    /// Password hashes computed at once (each takes ~19 MiB).
    pub hash_concurrency: usize,
}

impl ContextSettings {
    /// Defaults for an instance reachable at `public_url`.
    #[must_use]
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            session: SessionPolicy::default(),
            limits: RateLimits::default(),
            hash_concurrency: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// What the use cases run against: a handle on one shared [`Services`], which it dereferences
/// to. Cloning it is one reference count: the web layer clones its state for every middleware
/// and extractor of every request, and a field-by-field copy (the store, the providers' clients
/// and plans, a dozen reference counts) cost more than answering `/healthz`. Writing through it
/// (`ctx.mailer = …`, the `with_…` builders, at start-up and in tests) changes this handle's own
/// copy, never a context already handed out.
#[derive(Clone)]
pub struct Context(Arc<Services>);

/// Everything a [`Context`] holds.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub mailer: Arc<dyn Mailer>,
    /// The instance's 32-byte secret (sealing, signing e-mailed links, deriving CSRF tokens).
    pub key: Arc<InstanceKey>,
    pub passwords: Passwords,
    /// Computed analytics per organisation, keyed by its books version.
    pub analytics: Arc<AnalyticsCache>,
    pub public_url: Arc<str>,
    pub session_policy: SessionPolicy,
    pub limits: Arc<RateLimits>,
    pub(crate) limiters: Arc<Limiters>,
    /// The accounting providers organisations can connect (none unless configured).
    pub providers: Providers,
    /// Who may sign up (`FLOWSENSE_SIGNUP`).
    pub signup: SignupPolicy,
    /// Where the nightly backups go and how many are kept (`FLOWSENSE_BACKUP_DIR`); `None`: no
    /// scheduled backups.
    pub backups: Option<Arc<BackupPolicy>>,
    /// Single sign-on through the instance's OpenID provider (`FLOWSENSE_OIDC_*`); `None`: off.
    pub sso: Option<Arc<crate::identity::sso::Sso>>,
    /// The syncs this instance ran to their end, by provider and outcome (for the metrics).
    pub sync_counts: Arc<crate::sync::counts::SyncCounts>,
}

impl std::ops::Deref for Context {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

impl std::ops::DerefMut for Context {
    /// Copy on write: a context shared with others is copied first.
    fn deref_mut(&mut self) -> &mut Services {
        Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("store", &self.store)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context on the system clock with an empty analytics cache. Computes one argon2 hash
    /// (the dummy that unknown e-mail addresses are checked against).
    ///
    /// # Errors
    /// When that hash cannot be computed.
    pub fn new(
        store: Store,
        key: InstanceKey,
        mailer: Arc<dyn Mailer>,
        settings: &ContextSettings,
    ) -> Result<Self, PasswordError> {
        Ok(Self(Arc::new(Services {
            store,
            clock: Arc::new(SystemClock),
            mailer,
            key: Arc::new(key),
            passwords: Passwords::new(settings.hash_concurrency)?,
            analytics: Arc::new(AnalyticsCache::default()),
            public_url: settings.public_url.trim_end_matches('/').into(),
            session_policy: settings.session,
            limiters: Arc::new(Limiters::new(&settings.limits)),
            limits: Arc::new(settings.limits.clone()),
            providers: Providers::default(),
            signup: SignupPolicy::default(),
            backups: None,
            sso: None,
            sync_counts: Arc::default(),
        })))
    }

    /// The same context taking nightly backups as `policy` says.
    #[must_use]
    pub fn with_backups(mut self, policy: BackupPolicy) -> Self {
        self.backups = Some(Arc::new(policy));
        self
    }

    /// The same context refusing new passwords found in the breached-password `set`.
    #[must_use]
    pub fn with_breached_passwords(
        mut self,
        set: crate::identity::breached::BreachedPasswords,
    ) -> Self {
        self.passwords = self.passwords.clone().with_breached(set);
        self
    }

    /// The same context with `policy` deciding who may sign up.
    #[must_use]
    pub fn with_signup_policy(mut self, policy: SignupPolicy) -> Self {
        self.signup = policy;
        self
    }

    /// The same context offering single sign-on through `sso`.
    #[must_use]
    pub fn with_sso(mut self, sso: crate::identity::sso::Sso) -> Self {
        self.sso = Some(Arc::new(sso));
        self
    }

    /// The same context reading time from `clock` (tests move a `ManualClock`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same context delivering mail through `mailer` (tests point it at their own server).
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// The same context with these provider clients (from configuration, or the fakes').
    #[must_use]
    pub fn with_providers(mut self, providers: Providers) -> Self {
        self.providers = providers;
        self
    }

    /// The same context counting its rate limits in `shared` (Redis), together with every
    /// other instance configured the same.
    #[must_use]
    pub fn with_shared_limits(mut self, shared: SharedLimits) -> Self {
        self.limiters = Arc::new(Limiters::new(&self.limits).shared_through(shared));
        self
    }

    /// Takes one attempt from `key`'s allowance in `bucket` (a client address, a user id).
    ///
    /// # Errors
    /// [`RateLimited`], with how long to wait, when the allowance is used up.
    pub async fn take_limit(&self, bucket: Bucket, key: &str) -> Result<(), RateLimited> {
        self.limiters.take(bucket, key).await
    }

    /// The same context with its own analytics cache (say, of other bounds).
    #[must_use]
    pub fn with_analytics_cache(mut self, cache: AnalyticsCache) -> Self {
        self.analytics = Arc::new(cache);
        self
    }

    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A link into the product's pages carrying a token.
    pub(crate) fn page_link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.public_url)
    }
}
