//! Loading an organisation's books for the analytics engine, and the version that says when
//! they last changed.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use chrono::NaiveDate;
use flowsense_core::analytics::rollup_day;
use flowsense_core::books::{FlowRollup, MonthlyRollup, Revaluation, WeekRollup};
use flowsense_core::fx::{ForeignDay, RateTable, ToBase};
use flowsense_core::{Books, Currency, DocKind, Document, FlowClass, OrgId};
use std::collections::HashMap;

fn parse_currency(code: &str) -> Result<Currency> {
    Currency::parse(code).map_err(|_| StorageError::Corrupt("a currency code".into()))
}

/// The movements, day by day, of each bank account's money held in another currency than the
/// base: what [`ToBase::revaluations`] needs to keep its balance at each day's rate.
#[derive(Default)]
struct ForeignHoldings {
    days: HashMap<(i64, Currency), Vec<ForeignDay>>,
    /// Opening balances: they count from the books' first day, known once all is loaded.
    openings: Vec<(i64, Currency, i64, Option<i64>)>,
}

impl ForeignHoldings {
    /// `native` units of `currency` moved on `date`, which the books counted as `counted` in
    /// the base currency (`None` without a rate).
    fn add(
        &mut self,
        account: i64,
        currency: Currency,
        date: NaiveDate,
        native: i64,
        counted: Option<i64>,
    ) {
        let days = self.days.entry((account, currency)).or_default();
        let counted = counted.unwrap_or(0);
        match days.last_mut() {
            Some(last) if last.date == date => {
                last.native = last.native.saturating_add(native);
                last.counted = last.counted.saturating_add(counted);
            }
            _ => days.push(ForeignDay {
                date,
                native,
                counted,
            }),
        }
    }

    /// The revaluations of every holding, with its opening dated on the books' first day.
    fn revaluations(
        mut self,
        to_base: &ToBase,
        account_ix: &HashMap<i64, u32>,
        first_day: Option<NaiveDate>,
    ) -> Result<Vec<Revaluation>> {
        if let Some(first) = first_day {
            for (account, currency, native, counted) in std::mem::take(&mut self.openings) {
                self.add(account, currency, first, native, counted);
            }
        }
        let mut out = Vec::new();
        for ((account_id, currency), days) in self.days {
            let account = *account_ix
                .get(&account_id)
                .ok_or_else(|| StorageError::Corrupt("movement of an unknown account".into()))?;
            out.extend(
                to_base
                    .revaluations(currency, &days)
                    .into_iter()
                    .map(|(date, amount)| Revaluation {
                        date,
                        account,
                        amount,
                    }),
            );
        }
        out.sort_by_key(|r| (r.date, r.account));
        Ok(out)
    }
}

/// The books' first day: that of their first kept transaction, or of their first purged
/// month's balance day when earlier.
fn flows_first_day(first_kept: Option<NaiveDate>, rollups: &[FlowRollup]) -> Option<NaiveDate> {
    rollups
        .iter()
        .map(|r| rollup_day(first_kept, r.month))
        .chain(first_kept)
        .min()
}

/// The bank accounts of the books, added to them once the books' first day is known.
struct Accounts {
    /// Id, name, opening balance and currency, until added.
    pending: Option<Vec<(i64, String, i64, String)>>,
    ix: HashMap<i64, u32>,
    currency: HashMap<i64, Currency>,
}

impl Accounts {
    /// Adds the accounts to `books`, an opening balance in another currency converted at the
    /// rate of `first_day`.
    fn add(
        &mut self,
        books: &mut Books,
        to_base: &mut ToBase,
        foreign: &mut ForeignHoldings,
        first_day: NaiveDate,
    ) -> Result<()> {
        for (id, name, opening, currency) in self.pending.take().unwrap_or_default() {
            let currency = parse_currency(&currency)?;
            self.currency.insert(id, currency);
            let opening = if opening == 0 {
                0
            } else {
                let counted = to_base.amount(opening, currency, first_day);
                if currency != books.currency {
                    foreign.openings.push((id, currency, opening, counted));
                }
                counted.unwrap_or_default()
            };
            let ix = books.accounts.intern(&name);
            self.ix.insert(id, ix);
            if books.opening_balances.len() <= ix as usize {
                books.opening_balances.resize(ix as usize + 1, 0);
            }
            books.opening_balances[ix as usize] = opening;
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct TxnRow {
    id: i64,
    account_id: i64,
    posted_on: NaiveDate,
    amount_minor: i64,
    currency: String,
    category: String,
    counterparty: String,
    is_transfer: bool,
    class_override: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DocRow {
    kind: String,
    number: String,
    counterparty: String,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    paid_date: Option<NaiveDate>,
    amount_minor: i64,
}

#[derive(sqlx::FromRow)]
struct FlowRollupRow {
    month: NaiveDate,
    account_id: i64,
    category: String,
    counterparty: String,
    is_transfer: bool,
    inflow_minor: i64,
    outflow_minor: i64,
    inflow_count: i64,
    outflow_count: i64,
}

#[derive(sqlx::FromRow)]
struct WeekRollupRow {
    week: NaiveDate,
    counterparty: String,
    currency: String,
    inflow_minor: i64,
    outflow_minor: i64,
}

#[derive(sqlx::FromRow)]
struct RollupRow {
    month: NaiveDate,
    category: String,
    inflow_minor: i64,
    outflow_minor: i64,
    txn_count: i64,
}

/// Moves the organisation's books version on, inside the transaction that changes its books.
///
/// Every write to `transactions`, `documents`, `bank_accounts` or the rollups calls this in
/// its own transaction: imports and syncs (through [`crate::ImportTx::commit`]), new bank
/// accounts, and purges. Caches of computed analytics are keyed by
/// [`crate::Organisation::books_version`], so a write that skipped it would leave them stale.
pub(crate) async fn books_changed(tx: &mut Tx, org: OrgId) -> Result<()> {
    tx.execute(sql!("books/changed").arg(org)).await?;
    Ok(())
}

impl Store {
    /// Everything the analytics engine needs about one organisation, in one consistent read,
    /// in its base currency: amounts of accounts in other currencies are converted here, at the
    /// rate of their date ([`flowsense_core::fx`]), and what lacks a rate is left out and listed
    /// in [`Books::missing_rates`]. Their balances are revalued when a rate moves
    /// ([`Books::revaluations`]), so they are worth their own balance at each day's rate. The one place books are loaded, so every page, report and
    /// the assistant see the same figures.
    ///
    /// # Errors
    /// `NotFound` for an unknown organisation; a database failure.
    pub async fn load_books(&self, org: OrgId) -> Result<Books> {
        let settings = self.org(org).await?.settings;
        let mut books = Books::new(settings.base_currency);
        let mut tx = self.scoped_read(org).await?;

        let rates = crate::rates::rates_for_books(&mut tx, org).await?;
        let mut to_base = ToBase::new(settings.base_currency, RateTable::new(rates));
        let accounts = tx
            .fetch_all::<(i64, String, i64, String)>(sql!("books/accounts").arg(org))
            .await?;
        // The accounts are added once the first transaction is read: an opening balance in
        // another currency converts at the rate of the books' first day.
        let mut accounts = Accounts {
            pending: Some(accounts),
            ix: HashMap::new(),
            currency: HashMap::new(),
        };
        let mut foreign = ForeignHoldings::default();

        // Each row becomes a `Txn` as it is read: at a million transactions the rows (three
        // strings each) held all at once took about 160 MB beside the books they became.
        let count: (i64,) = tx.fetch_one(sql!("transactions/count").arg(org)).await?;
        books
            .txns
            .reserve(usize::try_from(count.0).unwrap_or_default());
        let mut owner_classes = Vec::new();
        let mut last_currency: Option<(String, Currency)> = None;
        tx.for_each(sql!("books/transactions").arg(org), |r: TxnRow| {
            if accounts.pending.is_some() {
                accounts.add(&mut books, &mut to_base, &mut foreign, r.posted_on)?;
            }
            let currency = match &last_currency {
                Some((text, c)) if *text == r.currency => *c,
                _ => {
                    let c = parse_currency(&r.currency)?;
                    last_currency = Some((r.currency.clone(), c));
                    c
                }
            };
            let amount = to_base.amount(r.amount_minor, currency, r.posted_on);
            if currency != settings.base_currency {
                foreign.add(r.account_id, currency, r.posted_on, r.amount_minor, amount);
            }
            let Some(amount) = amount else {
                return Ok(());
            };
            if let Some(class) = r.class_override.as_deref().and_then(FlowClass::parse) {
                owner_classes.push((books.txns.len(), class));
            }
            let account = *accounts
                .ix
                .get(&r.account_id)
                .ok_or_else(|| StorageError::Corrupt("transaction of an unknown account".into()))?;
            let category = books.categories.intern(&r.category);
            let counterparty = books.counterparties.intern(&r.counterparty);
            books.txns.push(flowsense_core::Txn {
                id: r.id,
                date: r.posted_on,
                amount,
                account,
                category,
                counterparty,
                transfer: r.is_transfer,
                financing: false,
            });
            Ok(())
        })
        .await?;
        if accounts.pending.is_some() {
            accounts.add(&mut books, &mut to_base, &mut foreign, NaiveDate::MIN)?;
        }
        let Accounts {
            ix: account_ix,
            currency: account_currency,
            ..
        } = accounts;
        books.class_by_names();
        // The owner's class wins over the source's transfer flag and over the names.
        for (ix, class) in owner_classes {
            if let Some(t) = books.txns.get_mut(ix) {
                t.transfer = class == FlowClass::Transfer;
                t.financing = class == FlowClass::Financing;
            }
        }

        let docs: Vec<DocRow> = tx.fetch_all(sql!("books/documents").arg(org)).await?;
        for d in docs {
            let kind = if d.kind == "invoice" {
                DocKind::Invoice
            } else {
                DocKind::Bill
            };
            let counterparty = books.counterparties.intern(&d.counterparty);
            books.documents.push(Document {
                kind,
                number: d.number,
                counterparty,
                issued: d.issue_date,
                due: d.due_date,
                paid: d.paid_date,
                amount: d.amount_minor,
            });
        }

        let rollups: Vec<RollupRow> = tx.fetch_all(sql!("books/rollups").arg(org)).await?;
        for r in rollups {
            let category = books.categories.intern(&r.category);
            books.rollups.push(MonthlyRollup {
                month: r.month,
                category,
                inflow: r.inflow_minor,
                outflow: r.outflow_minor,
                count: r.txn_count,
            });
        }
        let flows: Vec<FlowRollupRow> = tx.fetch_all(sql!("books/flow_rollups").arg(org)).await?;
        let first_kept = books.txns.first().map(|t| t.date);
        let mut flow_rollups = Vec::with_capacity(flows.len());
        for r in flows {
            let account = *account_ix
                .get(&r.account_id)
                .ok_or_else(|| StorageError::Corrupt("rollup of an unknown account".into()))?;
            // A purged month of an account in another currency converts at the rate of its
            // first day: the rollup keeps no daily detail.
            let (inflow, outflow) = match account_currency.get(&r.account_id) {
                Some(&c) if c != settings.base_currency => {
                    let converted = match (
                        to_base.amount(r.inflow_minor, c, r.month),
                        to_base.amount(r.outflow_minor, c, r.month),
                    ) {
                        (Some(i), Some(o)) => Some((i, o)),
                        _ => None,
                    };
                    foreign.add(
                        r.account_id,
                        c,
                        rollup_day(first_kept, r.month),
                        r.inflow_minor.saturating_add(r.outflow_minor),
                        converted.map(|(i, o)| i.saturating_add(o)),
                    );
                    match converted {
                        Some(pair) => pair,
                        None => continue,
                    }
                }
                _ => (r.inflow_minor, r.outflow_minor),
            };
            flow_rollups.push(FlowRollup {
                month: r.month,
                account,
                category: books.categories.intern(&r.category),
                counterparty: books.counterparties.intern(&r.counterparty),
                transfer: r.is_transfer,
                inflow,
                outflow,
                inflow_count: r.inflow_count,
                outflow_count: r.outflow_count,
            });
        }
        books.push_flow_rollups(flow_rollups);
        let books_start = flows_first_day(first_kept, &books.flow_rollups);
        books.revaluations = foreign.revaluations(&to_base, &account_ix, books_start)?;
        let planned: Vec<crate::planned::PlannedFlowRow> =
            tx.fetch_all(sql!("books/planned").arg(org)).await?;
        books.planned = planned
            .into_iter()
            .map(crate::planned::PlannedFlowRow::into_flow)
            .collect::<Result<_>>()?;
        let weeks: Vec<WeekRollupRow> = tx.fetch_all(sql!("books/week_rollups").arg(org)).await?;
        for r in weeks {
            // A week in another currency converts at the rate of its Monday; '' is a week
            // rolled up before currencies were kept apart, read as the base currency.
            let (inflow, outflow) = match r.currency.as_str() {
                "" => (r.inflow_minor, r.outflow_minor),
                code => {
                    let c = parse_currency(code)?;
                    match (
                        to_base.amount(r.inflow_minor, c, r.week),
                        to_base.amount(r.outflow_minor, c, r.week),
                    ) {
                        (Some(i), Some(o)) => (i, o),
                        _ => continue,
                    }
                }
            };
            let counterparty = books.counterparties.intern(&r.counterparty);
            books.week_rollups.push(WeekRollup {
                week: r.week,
                counterparty,
                inflow,
                outflow,
            });
        }
        tx.commit().await?;
        books.missing_rates = to_base.missing();
        Ok(books)
    }
}
