//! Request limits: keyed GCRA limiters per IP, per account and per user — in this process
//! (governor) by default, shared by every instance through Redis when one is configured
//! (`FLOWSENSE_REDIS_URL`) — plus the database-stored sign-in backoff that survives restarts
//! (see `service::accounts`).

use super::shared_limits::SharedLimits;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

/// `burst` attempts at once, then one more every `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub burst: u32,
    pub period: Duration,
}

impl Limit {
    /// Reads `N/PERIOD` (`600/1m`, `10/1s`, `20/5m`, `1000/1h`): at most `N` at once, and `N`
    /// more over each `PERIOD`.
    ///
    /// # Errors
    /// A message naming what is wrong, for the setting's start-up error.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not N/PERIOD, e.g. 600/1m");
        let (n, period) = s.trim().split_once('/').ok_or_else(bad)?;
        let burst: u32 = n.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let split = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (count, unit) = period.split_at(split);
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| bad())?
        };
        let unit_secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(bad()),
        };
        if burst == 0 || count == 0 {
            return Err(format!("{s:?}: both numbers must be at least 1"));
        }
        let window = Duration::from_secs(count.saturating_mul(unit_secs));
        Ok(Self {
            burst,
            period: window / burst,
        })
    }
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    LoginIp,
    LoginAccount,
    SignupIp,
    ResetIp,
    MfaUser,
    WebhookIp,
    PublicIp,
    ApiUser,
    AssistantUser,
    UploadUser,
}

impl Bucket {
    pub const ALL: [Bucket; 10] = [
        Bucket::LoginIp,
        Bucket::LoginAccount,
        Bucket::SignupIp,
        Bucket::ResetIp,
        Bucket::MfaUser,
        Bucket::WebhookIp,
        Bucket::PublicIp,
        Bucket::ApiUser,
        Bucket::AssistantUser,
        Bucket::UploadUser,
    ];

    /// Its name in shared keys (`flowsense:limit:{name}:{key}`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::LoginIp => "login-ip",
            Bucket::LoginAccount => "login-account",
            Bucket::SignupIp => "signup-ip",
            Bucket::ResetIp => "reset-ip",
            Bucket::MfaUser => "mfa-user",
            Bucket::WebhookIp => "webhook-ip",
            Bucket::PublicIp => "public-ip",
            Bucket::ApiUser => "api-user",
            Bucket::AssistantUser => "assistant-user",
            Bucket::UploadUser => "upload-user",
        }
    }

    fn index(self) -> usize {
        Bucket::ALL
            .iter()
            .position(|b| *b == self)
            .unwrap_or_default()
    }
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
    /// Requests per client address to every other public route (pages and forms anyone may
    /// open; the health checks and static assets excepted), and to the API without a valid
    /// session or token.
    pub public_per_ip: Limit,
    /// API requests per signed-in user (session or personal token).
    pub api_per_user: Limit,
    /// Questions to the assistant per user.
    pub assistant_per_user: Limit,
    /// Uploads of books per user.
    pub uploads_per_user: Limit,
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
            public_per_ip: Limit {
                burst: 300,
                period: Duration::from_millis(200),
            },
            api_per_user: Limit {
                burst: 600,
                period: Duration::from_millis(50),
            },
            assistant_per_user: Limit {
                burst: 10,
                period: Duration::from_secs(6),
            },
            uploads_per_user: Limit {
                burst: 20,
                period: Duration::from_secs(15),
            },
            invitations_per_org_per_day: 25,
            lockout_after_failures: 10,
            lockout_base: Duration::from_secs(60),
            lockout_max: Duration::from_secs(3600),
        }
    }
}

impl RateLimits {
    /// The limit of `bucket`.
    #[must_use]
    pub fn of(&self, bucket: Bucket) -> Limit {
        match bucket {
            Bucket::LoginIp => self.login_per_ip,
            Bucket::LoginAccount => self.login_per_account,
            Bucket::SignupIp => self.signup_per_ip,
            Bucket::ResetIp => self.reset_per_ip,
            Bucket::MfaUser => self.mfa_per_user,
            Bucket::WebhookIp => self.webhooks_per_ip,
            Bucket::PublicIp => self.public_per_ip,
            Bucket::ApiUser => self.api_per_user,
            Bucket::AssistantUser => self.assistant_per_user,
            Bucket::UploadUser => self.uploads_per_user,
        }
    }

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
            public_per_ip: l,
            api_per_user: l,
            assistant_per_user: l,
            uploads_per_user: l,
            invitations_per_org_per_day: 10_000,
            lockout_after_failures: 10_000,
            ..Self::default()
        }
    }
}

type Keyed = DefaultKeyedRateLimiter<String>;

/// The live limiters of one process: one keyed limiter per [`Bucket`] in memory, and the
/// Redis-shared ones when configured (the in-memory ones then stand in only while Redis cannot
/// be reached).
pub struct Limiters {
    limits: RateLimits,
    local: [Keyed; Bucket::ALL.len()],
    shared: Option<SharedLimits>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters")
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
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
            limits: l.clone(),
            local: Bucket::ALL.map(|b| keyed(l.of(b))),
            shared: None,
        }
    }

    /// The same limits, counted in `shared` so that every instance sees every attempt.
    pub(crate) fn shared_through(mut self, shared: SharedLimits) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Takes one attempt from `key`'s allowance in `bucket`, or says how long to wait.
    ///
    /// # Errors
    /// [`RateLimited`] when the allowance is used up.
    pub async fn take(&self, bucket: Bucket, key: &str) -> Result<(), RateLimited> {
        if let Some(shared) = &self.shared {
            // Boxed: the Redis round trip is a large future that the in-memory path need not carry.
            match Box::pin(shared.take(bucket, key, self.limits.of(bucket))).await {
                Ok(outcome) => return outcome,
                // Counted here instead: each instance then limits on its own, as without Redis.
                Err(e) => shared.report_unreachable(&e),
            }
        }
        take_local(&self.local[bucket.index()], key)
    }
}

/// Too many attempts: try again after `retry_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts; try again later")]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

/// Takes one attempt from `key`'s allowance in the in-memory `limiter`.
fn take_local(limiter: &Keyed, key: &str) -> Result<(), RateLimited> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_count_over_a_period() {
        let l = Limit::parse("600/1m").expect("limit");
        assert_eq!(l.burst, 600);
        assert_eq!(l.period, Duration::from_millis(100));
        let l = Limit::parse(" 10 / h ").expect("limit");
        assert_eq!((l.burst, l.period), (10, Duration::from_secs(360)));
        for bad in ["", "10", "10/", "x/1m", "10/1d", "0/1m", "10/0s", "-1/1m"] {
            let e = Limit::parse(bad).expect_err(bad);
            assert!(
                e.contains(bad.trim()) || e.contains("at least"),
                "{bad}: {e}"
            );
        }
    }

    #[tokio::test]
    async fn a_bucket_runs_out_per_key_and_says_when_to_come_back() {
        let limits = RateLimits {
            api_per_user: Limit {
                burst: 2,
                period: Duration::from_secs(30),
            },
            ..RateLimits::default()
        };
        let l = Limiters::new(&limits);
        l.take(Bucket::ApiUser, "a").await.expect("first");
        l.take(Bucket::ApiUser, "a").await.expect("second");
        let e = l.take(Bucket::ApiUser, "a").await.expect_err("third");
        assert!((29..=31).contains(&e.retry_after_secs), "{e:?}");
        l.take(Bucket::ApiUser, "b").await.expect("another key");
        l.take(Bucket::UploadUser, "a")
            .await
            .expect("another bucket");
    }
}
