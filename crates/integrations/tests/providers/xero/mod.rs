//! The Xero client against the local fake: OAuth with PKCE, two tenants, backfill and
//! incremental reads, token life, limits and failures, webhooks, and that the client never
//! writes.

mod oauth;
mod resilience;
mod support;
mod sync;
mod webhooks;
