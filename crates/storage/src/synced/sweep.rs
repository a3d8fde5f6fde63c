//! Mark and sweep for full reads: QuickBooks' change data capture reaches back 30 days only, so
//! a connection away longer is read again in full, and what the provider deleted meanwhile is
//! never reported. Each page of a full read marks the rows it carries with the read's name
//! (`seen_in_run`); the page that completes the read then removes the connection's rows without
//! that name, in the same transaction as its cursor. A read stopped part way removes nothing,
//! and a resumed one carries on with the same name, so the marks already committed still count.

use super::apply::final_states;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use flowsense_core::OrgId;
use flowsense_core::synced::BookChange;

/// The page belongs to a full read of the connection's books (a backfill or a re-read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullRead<'a> {
    /// The read's name, the same on every page of it and across a resumption (the source uses
    /// the moment the read began). Never the name of an earlier read of the same connection.
    pub run: &'a str,
    /// This page completes the read: the rows it did not see are removed.
    pub complete: bool,
}

fn json(value: &[String]) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StorageError::Config(format!("synced rows: {e}")))
}

/// Marks the movements of every transaction the page sends, and its documents, as seen by
/// `run`. Not counted as changes: nothing in the books moved.
pub(super) async fn mark_seen(
    tx: &mut Tx,
    org: OrgId,
    prefix: &str,
    changes: &[BookChange],
    run: &str,
) -> Result<()> {
    let sqlite = matches!(tx, Tx::Sqlite(_));
    let sources: Vec<String> = final_states(changes)
        .movements
        .keys()
        .map(|s| format!("{prefix}{s}"))
        .collect();
    if !sources.is_empty() {
        let statement = if sqlite {
            sql!("sqlite-only/synced/mark_seen_movements")
        } else {
            sql!("postgres-only/synced/mark_seen_movements")
        };
        tx.execute(statement.arg(org).arg(run).arg(json(&sources)?))
            .await?;
    }
    let documents: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            BookChange::Document(d) => Some(format!("{prefix}{}", d.provider_id)),
            _ => None,
        })
        .collect();
    if !documents.is_empty() {
        let statement = if sqlite {
            sql!("sqlite-only/synced/mark_seen_documents")
        } else {
            sql!("postgres-only/synced/mark_seen_documents")
        };
        tx.execute(statement.arg(org).arg(run).arg(json(&documents)?))
            .await?;
    }
    Ok(())
}

/// Removes the connection's transactions and documents that the completed read `run` did not
/// see. Returns how many rows went.
pub(super) async fn sweep_unseen(tx: &mut Tx, org: OrgId, prefix: &str, run: &str) -> Result<u64> {
    let movements = tx
        .execute(
            sql!("synced/sweep_unseen_movements")
                .arg(org)
                .arg(prefix)
                .arg(run),
        )
        .await?;
    let documents = tx
        .execute(
            sql!("synced/sweep_unseen_documents")
                .arg(org)
                .arg(prefix)
                .arg(run),
        )
        .await?;
    Ok(movements + documents)
}
