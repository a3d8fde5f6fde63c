//! Connecting and syncing Xero organisations through the use cases, against the fake Xero on
//! loopback with the real client: PKCE, one organisation or a choice of several, the state and
//! the choice bound to one session and used once, the backfill and incremental reads with exact
//! counts, token rotation, a dead grant, disconnecting, webhooks and the hourly poll, and a
//! worker killed mid-backfill.

mod connect;
mod disconnect;
mod fx;
mod kill;
pub(crate) mod support;
mod sync;
