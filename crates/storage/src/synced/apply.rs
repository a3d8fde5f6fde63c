//! Applying a page of synced changes: money accounts, the movements of each provider
//! transaction, documents and removals, the books version and the cursor, in one transaction.
//!
//! Movements are written a page at a time, as JSON handed to one statement (SQLite
//! `json_each`, PostgreSQL `jsonb_to_recordset`: the statement files differ per backend, the
//! rows do not). An upsert that would change nothing writes nothing, so re-applying a page
//! reports zero rows.

use super::accounts::upsert_account;
use super::convert::to_base;
use super::external_prefix;
use super::sweep::{FullRead, mark_seen, sweep_unseen};
use crate::Store;
use crate::args::sql;
use crate::books::books_changed;
use crate::corrections::{apply_rules_to_new, rules_mark};
use crate::error::{Result, StorageError};
use crate::rates::{RateSource, save_rates_in};
use crate::scope::Tx;
use crate::search_index::NewRows;
use chrono::Utc;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::fx::{Rate, check_rate};
use flowsense_core::synced::{BookChange, CashMovement, Document};
use flowsense_core::{Currency, OrgId};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// What one [`Store::apply_synced`] changed: rows actually written or removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AppliedCounts {
    /// Money accounts created or changed.
    pub accounts: u64,
    /// Transactions inserted or changed.
    pub movements: u64,
    /// Invoices and bills inserted or changed.
    pub documents: u64,
    /// Transactions and documents removed (deleted or voided at the provider, or no longer
    /// moving money in an account).
    pub removed: u64,
}

impl AppliedCounts {
    /// Every row written or removed.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.accounts + self.movements + self.documents + self.removed
    }

    /// Adds another page's counts.
    pub fn add(&mut self, other: AppliedCounts) {
        self.accounts += other.accounts;
        self.movements += other.movements;
        self.documents += other.documents;
        self.removed += other.removed;
    }
}

/// One page of a connection's books, as [`Store::apply_synced`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct SyncedPage<'a> {
    pub changes: &'a [BookChange],
    /// Where the next read starts, stored with the changes.
    pub cursor: &'a str,
    /// Set when the page belongs to a full read of the books, whose last page removes the
    /// connection's rows the read did not see (see [`FullRead`]).
    pub full_read: Option<FullRead<'a>>,
}

impl<'a> SyncedPage<'a> {
    /// A page of an incremental read: `changes`, then `cursor`.
    #[must_use]
    pub fn incremental(changes: &'a [BookChange], cursor: &'a str) -> Self {
        Self {
            changes,
            cursor,
            full_read: None,
        }
    }
}

/// One transactions row, as the movement statements read it from JSON.
#[derive(Serialize)]
struct MovementRow<'a> {
    account_id: i64,
    posted_on: chrono::NaiveDate,
    amount_minor: i64,
    currency: &'a str,
    original_amount_minor: i64,
    original_currency: &'a str,
    counterparty: &'a str,
    description: &'a str,
    category: &'a str,
    is_transfer: bool,
    external_id: String,
    source_id: String,
}

fn json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StorageError::Config(format!("synced rows: {e}")))
}

impl Store {
    /// Applies one page of changes from connection `connection` (of `provider`) and stores
    /// its cursor, in one transaction: money accounts upserted by provider id, each transaction's
    /// movements replaced, documents upserted, removals applied, the books version moved on.
    /// A page of a full read marks what it carries as seen, and the page completing the read
    /// removes the connection's transactions and documents it did not see (counted as removed).
    /// Movements are stored in their own currency (their account's), exactly as the provider
    /// sent them, and the provider's rate to `base_currency` on each one's date goes into the
    /// organisation's rates, which the books convert with; invoices and bills are stored in
    /// `base_currency` (converted with the provider's exact rate, rounded half to even once). Transfers between two
    /// money accounts are filed under [`TRANSFER_CATEGORY`], as imports file them.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection of that provider, or it is dead
    /// or disconnected (nothing is written); `Config` for a document in another currency without
    /// a rate, or a movement in an account the connection never sent; a database failure
    /// (nothing is written).
    pub async fn apply_synced(
        &self,
        org: OrgId,
        connection: Uuid,
        provider: &str,
        page: SyncedPage<'_>,
        base_currency: Currency,
    ) -> Result<AppliedCounts> {
        let SyncedPage {
            changes,
            cursor,
            full_read,
        } = page;
        let mut tx = self.scoped(org).await?;
        let (tenant,): (String,) = tx
            .fetch_optional(
                sql!("synced/save_cursor")
                    .arg(cursor)
                    .arg(connection)
                    .arg(org)
                    .arg(provider),
            )
            .await?
            .ok_or(StorageError::NotFound)?;
        let prefix = external_prefix(provider, &tenant);
        let rules_mark = rules_mark(&mut tx, org).await?;
        let new_rows = NewRows::open(&mut tx, org).await?;
        let mut counts = AppliedCounts::default();
        for change in changes {
            if let BookChange::Account(a) = change {
                counts.accounts += upsert_account(&mut tx, org, &prefix, provider, a).await?;
            }
        }
        let accounts: HashMap<String, i64> = tx
            .fetch_all::<(i64, String)>(
                sql!("synced/accounts_of_tenant")
                    .arg(org)
                    .arg(prefix.as_str()),
            )
            .await?
            .into_iter()
            .map(|(id, external)| (external, id))
            .collect();
        // Removals first: a source removed and then sent again in the same page is written back.
        counts.removed += remove_stale(&mut tx, org, &prefix, changes).await?;
        counts.movements += write_movements(
            &mut tx,
            org,
            provider,
            &prefix,
            changes,
            &accounts,
            base_currency,
        )
        .await?;
        for change in changes {
            if let BookChange::Document(d) = change {
                counts.documents +=
                    upsert_document(&mut tx, org, provider, &prefix, d, base_currency).await?;
            }
        }
        if let Some(read) = full_read {
            mark_seen(&mut tx, org, &prefix, changes, read.run).await?;
            if read.complete {
                counts.removed += sweep_unseen(&mut tx, org, &prefix, read.run).await?;
            }
        }
        // Rows the provider sends again keep the owner's corrections (the upsert leaves them);
        // rows new to the books get the organisation's rules.
        apply_rules_to_new(&mut tx, org, rules_mark).await?;
        let queued = new_rows.close(&mut tx, Utc::now()).await?;
        books_changed(&mut tx, org).await?;
        tx.commit().await?;
        if queued {
            self.jobs_committed();
        }
        Ok(counts)
    }
}

/// Where each source of the page ends up: the movements of its last `Movements` change, or
/// gone when its last change is `Removed` (a later change replaces an earlier one).
pub(super) struct FinalStates<'a> {
    pub(super) movements: BTreeMap<&'a str, &'a [CashMovement]>,
    gone: Vec<&'a str>,
}

pub(super) fn final_states(changes: &[BookChange]) -> FinalStates<'_> {
    let mut last: BTreeMap<&str, Option<&[CashMovement]>> = BTreeMap::new();
    for change in changes {
        match change {
            BookChange::Movements {
                source_id,
                movements,
            } => {
                last.insert(source_id.as_str(), Some(movements.as_slice()));
            }
            BookChange::Removed { source_id } => {
                last.insert(source_id.as_str(), None);
            }
            BookChange::Account(_) | BookChange::Document(_) => {}
        }
    }
    let mut out = FinalStates {
        movements: BTreeMap::new(),
        gone: Vec::new(),
    };
    for (source, state) in last {
        match state {
            Some(movements) => {
                out.movements.insert(source, movements);
            }
            None => out.gone.push(source),
        }
    }
    out
}

async fn write_movements(
    tx: &mut Tx,
    org: OrgId,
    provider: &str,
    prefix: &str,
    changes: &[BookChange],
    accounts: &HashMap<String, i64>,
    base: Currency,
) -> Result<u64> {
    let mut rows: BTreeMap<String, MovementRow<'_>> = BTreeMap::new();
    let mut rates: BTreeMap<(chrono::NaiveDate, Currency), Rate> = BTreeMap::new();
    for movements in final_states(changes).movements.into_values() {
        for m in movements {
            if let Some(rate) = provider_rate(m, base) {
                rates.insert((rate.date, rate.from), rate);
            }
            let account_id = *accounts
                .get(&format!("{prefix}{}", m.account_id))
                .ok_or_else(|| {
                    StorageError::Config("a movement names an account not synced".into())
                })?;
            let external_id = format!("{prefix}{}", m.provider_id);
            rows.insert(
                external_id.clone(),
                MovementRow {
                    account_id,
                    posted_on: m.date,
                    amount_minor: m.amount.minor,
                    currency: m.amount.currency.as_str(),
                    original_amount_minor: m.amount.minor,
                    original_currency: m.amount.currency.as_str(),
                    counterparty: &m.counterparty,
                    description: &m.description,
                    category: if m.is_transfer {
                        TRANSFER_CATEGORY
                    } else {
                        &m.category
                    },
                    is_transfer: m.is_transfer,
                    external_id,
                    source_id: format!("{prefix}{}", m.source_id),
                },
            );
        }
    }
    let source = if provider == "xero" {
        RateSource::Xero
    } else {
        RateSource::Quickbooks
    };
    let rates: Vec<Rate> = rates.into_values().collect();
    save_rates_in(tx, org, &rates, source).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let rows: Vec<MovementRow<'_>> = rows.into_values().collect();
    let statement = match tx {
        Tx::Sqlite(_) => sql!("sqlite-only/synced/upsert_movements"),
        Tx::Pg(_) => sql!("postgres-only/synced/upsert_movements"),
    };
    tx.execute(statement.arg(org).arg(provider).arg(json(&rows)?))
        .await
}

/// The provider's rate on a movement in another currency than the base, as a rate of the
/// rates table (units of the base per unit of the movement's currency, on its date). A rate
/// the table cannot hold (not positive, too precise) is left out: the movement then counts
/// among those missing a rate until one is added.
fn provider_rate(m: &CashMovement, base: Currency) -> Option<Rate> {
    if m.amount.currency == base {
        return None;
    }
    let r = m.rate?;
    let rate = rust_decimal::Decimal::try_from_i128_with_scale(i128::from(r.mantissa), r.scale)
        .ok()
        .and_then(|d| check_rate(d).ok())?;
    Some(Rate {
        date: m.date,
        from: m.amount.currency,
        to: base,
        rate,
    })
}

/// Removes what the page says is gone: movements a transaction no longer has, and every row of
/// a deleted (or voided) transaction or document.
async fn remove_stale(
    tx: &mut Tx,
    org: OrgId,
    prefix: &str,
    changes: &[BookChange],
) -> Result<u64> {
    let sqlite = matches!(tx, Tx::Sqlite(_));
    let mut removed = 0;
    let states = final_states(changes);
    let replaced = &states.movements;
    if !replaced.is_empty() {
        let sources: Vec<String> = replaced.keys().map(|s| format!("{prefix}{s}")).collect();
        let kept: Vec<String> = replaced
            .values()
            .flat_map(|ms| ms.iter().map(|m| format!("{prefix}{}", m.provider_id)))
            .collect();
        let statement = if sqlite {
            sql!("sqlite-only/synced/delete_stale_movements")
        } else {
            sql!("postgres-only/synced/delete_stale_movements")
        };
        removed += tx
            .execute(statement.arg(org).arg(json(&sources)?).arg(json(&kept)?))
            .await?;
    }
    let gone: Vec<String> = states.gone.iter().map(|s| format!("{prefix}{s}")).collect();
    if !gone.is_empty() {
        let (movements, documents) = if sqlite {
            (
                sql!("sqlite-only/synced/remove_sources"),
                sql!("sqlite-only/synced/remove_documents"),
            )
        } else {
            (
                sql!("postgres-only/synced/remove_sources"),
                sql!("postgres-only/synced/remove_documents"),
            )
        };
        let list = json(&gone)?;
        removed += tx.execute(movements.arg(org).arg(list.clone())).await?;
        removed += tx.execute(documents.arg(org).arg(list)).await?;
    }
    Ok(removed)
}

/// Adds or updates an invoice or bill. A document keeps the first paid date it was stored
/// with (a later read may only know a less precise one), and loses it when it is open again.
async fn upsert_document(
    tx: &mut Tx,
    org: OrgId,
    provider: &str,
    prefix: &str,
    d: &Document,
    base: Currency,
) -> Result<u64> {
    tx.execute(
        sql!("synced/upsert_document")
            .arg(org)
            .arg(d.kind.as_str())
            .arg(d.number.as_str())
            .arg(d.counterparty.as_str())
            .arg(d.issue_date)
            .arg(d.due_date)
            .arg(d.paid_date)
            .arg(to_base(d.amount, d.rate, base)?)
            .arg(base.as_str())
            .arg(provider)
            .arg(format!("{prefix}{}", d.provider_id)),
    )
    .await
}
