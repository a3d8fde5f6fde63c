//! Syncing a QuickBooks company (the real fake on loopback) into storage through the sync job:
//! backfill, incremental changes, token rotation under a race, a dead connection, throttling
//! and server errors, a worker killed mid-backfill, and a full re-read past CDC's window
//! removing what was deleted meanwhile.

mod backfill;
mod changes;
mod faults;
mod fx;
mod hang;
mod kill;
pub(crate) mod support;
mod sweep;
mod tokens;
