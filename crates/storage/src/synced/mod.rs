//! Books synced from accounting software (QuickBooks, Xero) and each connection's sync state.
//!
//! - [`Store::apply_synced`] applies one page of [`BookChange`]s and the cursor that follows it
//!   in ONE transaction, so a sync killed at any moment resumes from the last page it applied
//!   and a page applied twice changes nothing. The page that completes a full read also removes
//!   the connection's rows the read did not see ([`FullRead`], mark and sweep).
//! - Token rotation ([`Store::sync_tokens`], [`Store::lease_token_refresh`],
//!   [`Store::save_rotated_tokens`]): a refresh runs under a lease, one per connection at a
//!   time, and saves the rotated tokens by compare-and-swap on the connection's token version.
//! - Sync status: [`Store::sync_state`], [`Store::record_sync_finished`],
//!   [`Store::record_sync_failed`], [`Store::mark_connection_dead`].
//!
//! Every synced row is keyed by an external id that names the provider and tenant
//! (`quickbooks:{realm}:Purchase:123:35`), so two connections never collide, and every
//! statement is scoped to the organisation.

mod accounts;
mod apply;
mod convert;
mod status;
mod sweep;
mod tokens;

pub use apply::{AppliedCounts, SyncedPage};
pub use status::{SyncState, SyncedAccountTotal};
pub use sweep::FullRead;
pub use tokens::SyncTokens;

/// The prefix of every external id a connection's rows carry: `{provider}:{tenant}:`.
pub(crate) fn external_prefix(provider: &str, tenant: &str) -> String {
    format!("{provider}:{tenant}:")
}

/// Shortens an error text stored for people to read (no secrets are ever passed in).
pub(crate) fn short(text: &str) -> String {
    text.chars().take(300).collect()
}
