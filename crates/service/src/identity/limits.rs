//! Brute-force limits: in-process keyed GCRA limiters (governor) per IP and per account, plus
//! the database-stored backoff that survives restarts (see `service::accounts`).

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

/// `burst` attempts at once, then one more every `period`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub burst: u32,
    pub period: Duration,
}

/// Every limit on the authentication endpoints.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub login_per_ip: Limit,
    pub login_per_account: Limit,
    pub signup_per_ip: Limit,
    pub reset_per_ip: Limit,
    pub mfa_per_user: Limit,
    /// Webhook deliveries per sending address (QuickBooks, Xero).
    pub webhooks_per_ip: Limit,
    /// Invitations one organisation may send in any 24 hours.
    pub invitations_per_org_per_day: i64,
    /// Failed sign-ins (stored per account) before the account backs off.
    pub lockout_after_failures: i64,
    /// The first backoff; it doubles with each further failure, up to `lockout_max`.
    pub lockout_base: Duration,
    pub lockout_max: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login_per_ip: Limit {
                burst: 30,
                period: Duration::from_secs(10),
            },
            login_per_account: Limit {
                burst: 5,
                period: Duration::from_secs(60),
            },
            signup_per_ip: Limit {
                burst: 10,
                period: Duration::from_secs(60),
            },
            reset_per_ip: Limit {
                burst: 10,
                period: Duration::from_secs(60),
            },
            mfa_per_user: Limit {
                burst: 5,
                period: Duration::from_secs(60),
            },
            webhooks_per_ip: Limit {
                burst: 120,
                period: Duration::from_millis(500),
            },
            invitations_per_org_per_day: 25,
            lockout_after_failures: 10,
            lockout_base: Duration::from_secs(60),
            lockout_max: Duration::from_secs(3600),
        }
    }
}

impl RateLimits {
    /// Limits nobody reaches (tests that are not about limits).
    #[must_use]
    pub fn generous() -> Self {
        let l = Limit {
            burst: 10_000,
            period: Duration::from_millis(1),
        };
        Self {
            login_per_ip: l,
            login_per_account: l,
            signup_per_ip: l,
            reset_per_ip: l,
            mfa_per_user: l,
            webhooks_per_ip: l,
            invitations_per_org_per_day: 10_000,
            lockout_after_failures: 10_000,
            ..Self::default()
        }
    }
}

type Keyed = DefaultKeyedRateLimiter<String>;

/// The live limiters of one process.
pub struct Limiters {
    pub login_ip: Keyed,
    pub login_account: Keyed,
    pub signup_ip: Keyed,
    pub reset_ip: Keyed,
    pub mfa_user: Keyed,
    pub webhook_ip: Keyed,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiters(..)")
    }
}

fn keyed(l: Limit) -> Keyed {
    let burst = NonZeroU32::new(l.burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(l.period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    RateLimiter::keyed(quota)
}

impl Limiters {
    pub(crate) fn new(l: &RateLimits) -> Self {
        Self {
            login_ip: keyed(l.login_per_ip),
            login_account: keyed(l.login_per_account),
            signup_ip: keyed(l.signup_per_ip),
            reset_ip: keyed(l.reset_per_ip),
            mfa_user: keyed(l.mfa_per_user),
            webhook_ip: keyed(l.webhooks_per_ip),
        }
    }
}

/// Too many attempts: try again after `retry_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts; try again later")]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

/// Takes one attempt from `key`'s allowance, or says how long to wait.
pub(crate) fn take(limiter: &Keyed, key: &str) -> Result<(), RateLimited> {
    if limiter.len() > 100_000 {
        limiter.retain_recent();
    }
    limiter.check_key(&key.to_owned()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        RateLimited {
            retry_after_secs: wait.as_secs() + 1,
        }
    })
}
