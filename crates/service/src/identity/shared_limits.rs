//! Limits counted in Redis (`FLOWSENSE_REDIS_URL`), so that several instances behind one
//! address enforce one allowance between them. Each attempt runs one Lua script: the
//! generic cell rate algorithm (GCRA) on the Redis server's clock, one key per bucket and
//! client, expiring when its allowance is whole again. Keys carry a hash of the client (an
//! address, an e-mail address, a user id), never the client itself.

use super::limits::{Bucket, Limit, RateLimited};
use flowsense_core::ErrorChain;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// KEYS[1]: the key. ARGV[1]: microseconds between attempts; ARGV[2]: attempts at once.
/// Returns 0 when the attempt is allowed, else the microseconds to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return math.ceil(allow_at - now)
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// How long one attempt may wait for Redis before the instance counts it itself.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// At most one warning per this while Redis cannot be reached.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// `FLOWSENSE_REDIS_URL` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the Redis URL is not valid (redis://[user:password@]host[:port][/db] or rediss://…)")]
pub struct BadRedisUrl;

/// The connection to Redis, made on first use and kept (it reconnects by itself).
pub struct SharedLimits {
    client: redis::Client,
    connection: tokio::sync::OnceCell<ConnectionManager>,
    script: redis::Script,
    last_warning: Mutex<Option<Instant>>,
}

impl SharedLimits {
    /// Reads the URL; connects on the first attempt, so start-up does not wait for Redis.
    ///
    /// # Errors
    /// [`BadRedisUrl`], which never repeats the URL (it may hold a password).
    pub fn open(url: &str) -> Result<Self, BadRedisUrl> {
        let client = redis::Client::open(url).map_err(|_| BadRedisUrl)?;
        Ok(Self {
            client,
            connection: tokio::sync::OnceCell::new(),
            script: redis::Script::new(GCRA),
            last_warning: Mutex::new(None),
        })
    }

    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        self.connection
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(REDIS_TIMEOUT))
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// Takes one attempt from `key`'s allowance in `bucket`.
    ///
    /// # Errors
    /// Redis could not be reached or answered nonsense; the caller then counts locally.
    pub(crate) async fn take(
        &self,
        bucket: Bucket,
        key: &str,
        limit: Limit,
    ) -> redis::RedisResult<Result<(), RateLimited>> {
        let mut conn = self.connection().await?;
        let interval = u64::try_from(limit.period.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let wait_us: u64 = self
            .script
            .key(redis_key(bucket, key))
            .arg(interval)
            .arg(limit.burst.max(1))
            .invoke_async(&mut conn)
            .await?;
        Ok(if wait_us == 0 {
            Ok(())
        } else {
            Err(RateLimited {
                retry_after_secs: wait_us / 1_000_000 + 1,
            })
        })
    }

    /// Logs that Redis could not be reached, at most once a minute.
    pub(crate) fn report_unreachable(&self, e: &redis::RedisError) {
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(error = %ErrorChain(e), "Redis is unreachable; rate limits are counted by each instance until it is back");
        }
    }
}

/// `flowsense:limit:{bucket}:{hash of the client}`.
fn redis_key(bucket: Bucket, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!(
        "flowsense:limit:{}:{}",
        bucket.as_str(),
        hex::encode(&digest[..16])
    )
}
