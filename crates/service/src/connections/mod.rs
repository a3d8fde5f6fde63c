//! Connecting an organisation to QuickBooks Online or Xero: the OAuth round trip
//! ([`begin_connect`], [`finish_connect`]), the choice of organisation when a Xero login
//! reaches several ([`pending_tenants`], [`choose_tenant`]), its connections ([`list`],
//! [`one`]), [`disconnect`], [`sync_now`], and the providers' signed webhooks ([`webhooks`]).
//!
//! Only admins connect, reconnect, disconnect or start a sync; members and viewers see status.
//! A sync is a job of kind [`crate::sync::SYNC_KIND`] run by the sync engine; these use cases
//! only enqueue it.

mod errors;
mod manage;
mod oauth;
mod revoke;
mod tenants;
pub mod webhooks;

pub use errors::{ConnectionError, ProviderFailure};
pub use manage::{disconnect, list, one, sync_now};
pub use oauth::{
    CallbackFailure, Connected, Finished, STATE_LIFETIME, Started, begin_connect, finish_connect,
};
pub use revoke::revoke_all_of_org;
pub use tenants::{
    MAX_TENANTS_OFFERED, TenantChoice, TenantOption, choose_tenant, pending_tenants,
};
pub use webhooks::WebhookSecrets;

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
