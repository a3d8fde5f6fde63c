//! Invoices and bills.

use crate::args::sql;
use crate::error::Result;
use crate::scope::Tx;
use chrono::NaiveDate;
use flowsense_core::{DocKind, OrgId};

/// An invoice or bill to add or update (matched on kind and `external_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: DocKind,
    pub number: String,
    pub counterparty: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub paid_date: Option<NaiveDate>,
    /// Positive minor units.
    pub amount_minor: i64,
    pub currency: String,
    pub external_id: String,
}

/// Adds new documents and records payment of known ones; returns how many rows changed.
pub(crate) async fn upsert_in(
    tx: &mut Tx,
    org: OrgId,
    source: &str,
    docs: &[NewDocument],
) -> Result<u64> {
    let mut changed = 0;
    for d in docs {
        changed += tx
            .execute(
                sql!("documents/upsert")
                    .arg(org)
                    .arg(d.kind.as_str())
                    .arg(d.number.as_str())
                    .arg(d.counterparty.as_str())
                    .arg(d.issue_date)
                    .arg(d.due_date)
                    .arg(d.paid_date)
                    .arg(d.amount_minor)
                    .arg(d.currency.as_str())
                    .arg(source)
                    .arg(d.external_id.as_str()),
            )
            .await?;
    }
    Ok(changed)
}
