//! Connecting an organisation to QuickBooks Online or Xero: the OAuth round trip
//! ([`begin_connect`], [`finish_connect`]), its connections ([`list`], [`one`]), [`disconnect`],
//! [`sync_now`], and the providers' signed webhooks ([`webhooks`]).
//!
//! Only admins connect, reconnect, disconnect or start a sync; members and viewers see status.
//! A sync is a job of kind [`SYNC_KIND`] run by the sync engine; these use cases only enqueue it.

mod errors;
mod manage;
mod oauth;
pub mod webhooks;

pub use errors::ConnectionError;
pub use manage::{disconnect, list, one, sync_now};
pub use oauth::{
    CallbackFailure, Connected, STATE_LIFETIME, Started, begin_connect, finish_connect,
};
pub use webhooks::WebhookSecrets;

use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use flowsense_storage::NewJob;
use uuid::Uuid;

/// The job that syncs one connection (payload `{"connection":"<uuid>"}`, the job's org set).
pub const SYNC_KIND: &str = "connection.sync";

/// Attempts a sync job gets before it is dead.
const SYNC_MAX_ATTEMPTS: i64 = 5;

/// The accounting providers an organisation can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    QuickBooks,
    Xero,
}

impl Provider {
    /// The name in paths, the database and job payloads.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::QuickBooks => "quickbooks",
            Provider::Xero => "xero",
        }
    }

    /// The name people read.
    #[must_use]
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::QuickBooks => "QuickBooks Online",
            Provider::Xero => "Xero",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Provider {
    type Err = ConnectionError;
    fn from_str(s: &str) -> Result<Self, ConnectionError> {
        match s {
            "quickbooks" => Ok(Provider::QuickBooks),
            "xero" => Ok(Provider::Xero),
            _ => Err(ConnectionError::NotFound),
        }
    }
}

/// The sync job for `connection` of `org`; `reason` makes the idempotency key (a second
/// enqueue with the same reason is the same job).
#[must_use]
pub fn sync_job(org: OrgId, connection: Uuid, reason: &str, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: SYNC_KIND.to_owned(),
        org: Some(org),
        payload: serde_json::json!({ "connection": connection }).to_string(),
        idempotency_key: Some(format!("sync:{connection}:{reason}")),
        run_at: now,
        max_attempts: SYNC_MAX_ATTEMPTS,
    }
}

/// The reason of a sync asked for at `now`: its minute, so presses and webhooks within one
/// minute make one sync.
fn minute_of(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M").to_string()
}
