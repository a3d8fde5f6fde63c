//! The audit log's hash chain (SECURITY-CHECKLIST H3): one chain per organisation.
//!
//! Each event stores the hash of the event before it (`prev_hash`) and its own (`row_hash`):
//! SHA-256 over a version tag, `prev_hash` and every field of the event, each length-prefixed
//! (or, for the optional actor, preceded by a presence byte), so no two different events encode
//! alike. The first event of a chain follows [`GENESIS`]. `audit_chains` keeps the head (the
//! newest event's id and hash, so removing the newest events shows) and the anchor (the hash of
//! the last event the retention purge removed, which the oldest kept event follows).
//!
//! An append locks the organisation's chain row before it reads the head, in the transaction that
//! inserts the event and moves the head: on PostgreSQL two instances appending to one
//! organisation take turns on that row lock, so the chain never forks; SQLite has one writer.
//! Events are append-only (triggers on both databases refuse an UPDATE, and on PostgreSQL the
//! application role has no UPDATE or DELETE on them); the purge removes a prefix of the chain.

use crate::Store;
use crate::args::sql;
use crate::audit::NewAuditEvent;
use crate::db::Backend;
use crate::error::Result;
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// What the first event of a chain follows.
pub const GENESIS: [u8; 32] = [0; 32];

/// Tags the encoding, so a future change of it cannot be mistaken for this one.
const ENCODING: &[u8] = b"flowsense.audit.v1";

/// The hash of one event following `prev`.
#[must_use]
#[expect(
    clippy::too_many_arguments,
    reason = "every field of the event is hashed"
)]
pub fn event_hash(
    prev: &[u8],
    org: Uuid,
    actor: Option<Uuid>,
    action: &str,
    target: &str,
    ip: &str,
    details: &str,
    created_at: DateTime<Utc>,
) -> [u8; 32] {
    fn field(h: &mut Sha256, bytes: &[u8]) {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    let mut h = Sha256::new();
    field(&mut h, ENCODING);
    field(&mut h, prev);
    field(&mut h, org.as_bytes());
    match actor {
        None => h.update([0]),
        Some(actor) => {
            h.update([1]);
            h.update(actor.as_bytes());
        }
    }
    field(&mut h, action.as_bytes());
    field(&mut h, target.as_bytes());
    field(&mut h, ip.as_bytes());
    field(&mut h, details.as_bytes());
    h.update(created_at.timestamp_micros().to_be_bytes());
    h.finalize().into()
}

/// `at` to the microsecond, the precision PostgreSQL stores (so the hash of what was written is
/// the hash of what is read back).
pub(crate) fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    sealed_after: i64,
    head_id: Option<i64>,
    head_hash: Option<Vec<u8>>,
    anchor_id: Option<i64>,
    anchor_hash: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct ChainEventRow {
    id: i64,
    org_id: Uuid,
    actor_user_id: Option<Uuid>,
    action: String,
    target: String,
    ip: String,
    details: String,
    created_at: DateTime<Utc>,
    prev_hash: Option<Vec<u8>>,
    row_hash: Option<Vec<u8>>,
}

impl ChainEventRow {
    fn computed_hash(&self, prev: &[u8]) -> [u8; 32] {
        event_hash(
            prev,
            self.org_id,
            self.actor_user_id,
            &self.action,
            &self.target,
            &self.ip,
            &self.details,
            self.created_at,
        )
    }
}

/// How a chain is broken at [`ChainBreak::event_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The event's fields (or its hashes) are not what was appended.
    Changed,
    /// An event before this one (or, at the head, the newest ones) is missing.
    Removed,
    /// This event was not appended through the chain.
    Inserted,
    /// This event follows an event that comes after it.
    Reordered,
}

impl BreakKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Changed => "changed",
            BreakKind::Removed => "removed",
            BreakKind::Inserted => "inserted",
            BreakKind::Reordered => "reordered",
        }
    }
}

/// The first place an organisation's audit chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub org: OrgId,
    /// The event where the chain breaks (for a removed head, the head's recorded id).
    pub event_id: i64,
    pub kind: BreakKind,
    /// What was found, without any field's value.
    pub detail: &'static str,
}

/// What verifying one organisation's chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub org: OrgId,
    /// Events checked (those recorded since the chain began and not purged).
    pub verified: u64,
    /// Events recorded before the chain began, which carry no hash and are not checked.
    pub unsealed: u64,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
}

impl Store {
    /// Appends `e` to `org`'s audit chain as recorded at `at` (to the microsecond): locks the
    /// chain, inserts the event after the head, moves the head.
    ///
    /// # Errors
    /// On a database failure (nothing is appended then).
    pub async fn record_audit_at(
        &self,
        org: OrgId,
        e: &NewAuditEvent,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let at = to_micros(at);
        let details = e.details.to_string();
        let mut tx = self.scoped(org).await?;
        let chain: ChainRow = tx.fetch_one(sql!("audit/lock_chain").arg(org)).await?;
        let prev = chain.head_hash.unwrap_or_else(|| GENESIS.to_vec());
        let hash = event_hash(
            &prev,
            org.0,
            e.actor.map(|u| u.0),
            &e.action,
            &e.target,
            &e.ip,
            &details,
            at,
        );
        let (id,): (i64,) = tx
            .fetch_one(
                sql!("audit/record")
                    .arg(org)
                    .arg(e.actor.map(|u| u.0))
                    .arg(e.action.as_str())
                    .arg(e.target.as_str())
                    .arg(e.ip.as_str())
                    .arg(details)
                    .arg(at)
                    .arg(prev)
                    .arg(hash.to_vec()),
            )
            .await?;
        tx.execute(sql!("audit/move_head").arg(org).arg(id).arg(hash.to_vec()))
            .await?;
        tx.commit().await
    }

    /// Removes `org`'s audit events recorded before `before`, as a prefix of its chain (never an
    /// event of the last 365 days on PostgreSQL, where the database enforces it), and records the
    /// hash of the last one removed as the chain's anchor, so the rest still verifies. Returns
    /// how many went.
    ///
    /// # Errors
    /// On a database failure (nothing is removed then).
    pub async fn purge_audit_events_before(
        &self,
        org: OrgId,
        before: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.scoped(org).await?;
        // The chain row is locked first: no append or other purge of this chain meanwhile.
        let _: ChainRow = tx.fetch_one(sql!("audit/lock_chain").arg(org)).await?;
        let purged = match self.backend() {
            Backend::Postgres => {
                let (n,): (i64,) = tx
                    .fetch_one(sql!("postgres-only/audit/purge").arg(org).arg(before))
                    .await?;
                u64::try_from(n).unwrap_or(0)
            }
            Backend::Sqlite => purge_sqlite(&mut tx, org, before).await?,
        };
        tx.commit().await?;
        Ok(purged)
    }

    /// Walks `org`'s audit chain from its anchor to its head and reports the first event that
    /// does not verify.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn verify_audit_chain(&self, org: OrgId) -> Result<ChainReport> {
        let mut tx = self.scoped_read(org).await?;
        let chain: Option<ChainRow> = tx.fetch_optional(sql!("audit/chain").arg(org)).await?;
        let sealed_after = chain.as_ref().map_or(0, |c| c.sealed_after);
        let rows: Vec<ChainEventRow> = tx
            .fetch_all(sql!("audit/chain_rows").arg(org).arg(sealed_after))
            .await?;
        let (unsealed,): (i64,) = tx
            .fetch_one(sql!("audit/unsealed").arg(org).arg(sealed_after))
            .await?;
        tx.commit().await?;
        let unsealed = u64::try_from(unsealed).unwrap_or(0);
        let broken = first_break(org, chain.as_ref(), &rows);
        Ok(ChainReport {
            org,
            verified: rows.len() as u64,
            unsealed,
            broken,
        })
    }

    /// [`Store::verify_audit_chain`] for every organisation, in creation order.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn verify_audit_chains_across_orgs(&self) -> Result<Vec<ChainReport>> {
        let mut reports = Vec::new();
        for org in self.orgs_across_orgs().await? {
            reports.push(self.verify_audit_chain(org.id).await?);
        }
        Ok(reports)
    }
}

async fn purge_sqlite(tx: &mut Tx, org: OrgId, before: DateTime<Utc>) -> Result<u64> {
    let last: Option<(i64, Option<Vec<u8>>)> = tx
        .fetch_optional(
            sql!("sqlite-only/audit/last_purgeable")
                .arg(org)
                .arg(before),
        )
        .await?;
    let Some((last_id, last_hash)) = last else {
        return Ok(0);
    };
    let purged = tx
        .execute(sql!("sqlite-only/audit/purge").arg(org).arg(last_id))
        .await?;
    if let Some(hash) = last_hash {
        tx.execute(
            sql!("sqlite-only/audit/set_anchor")
                .arg(org)
                .arg(last_id)
                .arg(hash),
        )
        .await?;
    }
    Ok(purged)
}

/// The first break of a chain whose chained events are `rows` (oldest first), or `None`.
fn first_break(org: OrgId, chain: Option<&ChainRow>, rows: &[ChainEventRow]) -> Option<ChainBreak> {
    let broken = |event_id, kind, detail| {
        Some(ChainBreak {
            org,
            event_id,
            kind,
            detail,
        })
    };
    let Some(chain) = chain else {
        // Every organisation that recorded an event since the chain began has a chain row.
        return rows.first().and_then(|r| {
            broken(
                r.id,
                BreakKind::Removed,
                "the chain's head record is missing",
            )
        });
    };
    let start = chain
        .anchor_hash
        .clone()
        .unwrap_or_else(|| GENESIS.to_vec());
    let position: HashMap<&[u8], usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.row_hash.as_deref().map(|h| (h, i)))
        .collect();
    let mut expected: &[u8] = &start;
    for (i, row) in rows.iter().enumerate() {
        let (Some(prev), Some(hash)) = (row.prev_hash.as_deref(), row.row_hash.as_deref()) else {
            return broken(
                row.id,
                BreakKind::Inserted,
                "the event carries no chain hash: it was not appended through the chain",
            );
        };
        if row.computed_hash(prev).as_slice() != hash {
            return broken(
                row.id,
                BreakKind::Changed,
                "the event's fields do not match its hash",
            );
        }
        if prev != expected {
            let before_previous: &[u8] = match i {
                0 | 1 => &start,
                _ => rows[i - 2].row_hash.as_deref().unwrap_or(&[]),
            };
            return match position.get(prev) {
                Some(&j) if j > i => broken(
                    row.id,
                    BreakKind::Reordered,
                    "the event follows an event recorded after it",
                ),
                _ if i > 0 && prev == before_previous => broken(
                    rows[i - 1].id,
                    BreakKind::Inserted,
                    "the event is not in the chain: the next event follows the one before it",
                ),
                _ if i == 0 && chain.anchor_id.is_some() => broken(
                    row.id,
                    BreakKind::Removed,
                    "the oldest kept event does not follow the purge's anchor",
                ),
                _ => broken(
                    row.id,
                    BreakKind::Removed,
                    "the event before this one is missing",
                ),
            };
        }
        expected = hash;
    }
    let head = chain.head_hash.as_deref().unwrap_or(&GENESIS);
    if head == expected {
        return None;
    }
    match position.get(head) {
        // Events after the recorded head were not appended through the chain.
        Some(&j) => broken(
            rows.get(j + 1).map_or(0, |r| r.id),
            BreakKind::Inserted,
            "events follow the chain's recorded head",
        ),
        None => broken(
            chain.head_id.unwrap_or(0),
            BreakKind::Removed,
            "the newest events up to the chain's recorded head are missing",
        ),
    }
}
