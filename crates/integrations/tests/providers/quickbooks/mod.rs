//! The QuickBooks Online client against the local fake: OAuth, backfill, CDC, token life,
//! throttling and failures, and that the client never writes.

mod oauth;
mod resilience;
mod support;
mod sync;
