//! The SQLite bulk path of an import: multi-row `INSERT … ON CONFLICT DO NOTHING` statements of
//! [`ROWS_PER_INSERT`] rows, the next one bound while SQLite runs the one before.
//!
//! sqlx copies every borrowed `&str` parameter into a fresh `Arc<String>` (two allocations), and
//! SQLite's worker thread frees them after the statement. Most text columns of a statement repeat
//! a few values (a currency, a handful of dates, categories and counterparties), so each chunk
//! binds one shared `Arc<str>` per distinct value; the unique ones (description, reference) take
//! one allocation each.
//!
//! Every parameter costs SQLite's thread a bind, and every text one a copy (sqlx binds them
//! `SQLITE_TRANSIENT`) and a free, on the thread that also runs the inserts, the import's
//! bottleneck. A chunk whose rows are all in one currency, unconverted (every file import),
//! therefore has its currency written into the statement, a checked three-letter code, never
//! other text: 9 parameters a row instead of 11, two text copies fewer.

use crate::transactions::NewTransaction;
use chrono::NaiveDate;
use flowsense_core::{Currency, OrgId};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, SqliteConnection};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Rows per multi-row `INSERT` (at most 11 parameters each: 22,528, under SQLite's 32,766).
/// Each statement has costs of its own on SQLite's thread (sqlx's round trip, its reset, the
/// statement journal of the pages it changes), which 2,048 rows share four times as thinly as
/// 512 did.
const ROWS_PER_INSERT: usize = 2048;

type Query = sqlx::query::Query<'static, Sqlite, SqliteArguments>;

/// What an import keeps between batches on SQLite.
pub(super) struct SqliteBulk {
    /// The literal columns every row shares (see [`SqliteBulk::new`]).
    constants: String,
    /// The statement text of a full chunk, built once: sqlx finds its prepared statement by it.
    full_chunk: Arc<str>,
    /// The same for a chunk in one currency, unconverted, by currency (usually one an import).
    full_chunk_in: HashMap<Currency, Arc<str>, foldhash::fast::FixedState>,
}

impl SqliteBulk {
    /// The statements of one import into `org`.
    pub(super) fn new(org: OrgId, source: &str, import_id: i64) -> Self {
        // The literal prefix shared by every row: organisation, source and import, which are
        // ours (a UUID, lower-case letters checked by `begin_import`, an integer), never user
        // text.
        let constants = format!("X'{}', '{source}', {import_id}", org.0.simple());
        let full_chunk = insert_sql(&constants, None, ROWS_PER_INSERT).into();
        Self {
            constants,
            full_chunk,
            full_chunk_in: HashMap::default(),
        }
    }

    /// Inserts `rows` (with their accounts' ids) in one open transaction; returns how many were
    /// new.
    pub(super) async fn insert(
        &mut self,
        conn: &mut SqliteConnection,
        rows: &[NewTransaction],
        account_ids: &[i64],
    ) -> sqlx::Result<u64> {
        let mut inputs = rows
            .chunks(ROWS_PER_INSERT)
            .zip(account_ids.chunks(ROWS_PER_INSERT));
        let mut added = 0;
        let mut pending = inputs.next().map(|(c, ids)| self.statement(c, ids));
        while let Some(query) = pending.take() {
            // SQLite runs on its own worker thread: bind the next statement while it executes
            // this one.
            let next = inputs.next();
            let (done, following) = futures_util::future::join(query.execute(&mut *conn), async {
                next.map(|(c, ids)| self.statement(c, ids))
            })
            .await;
            added += done?.rows_affected();
            pending = following;
        }
        Ok(added)
    }

    /// One multi-row `INSERT` of a chunk, bound and ready to run.
    fn statement(&mut self, chunk: &[NewTransaction], account_ids: &[i64]) -> Query {
        let currency = one_currency(chunk);
        let sql = match currency {
            _ if chunk.len() < ROWS_PER_INSERT => {
                insert_sql(&self.constants, currency, chunk.len()).into()
            }
            None => self.full_chunk.clone(),
            Some(c) => self
                .full_chunk_in
                .entry(c)
                .or_insert_with(|| insert_sql(&self.constants, Some(c), ROWS_PER_INSERT).into())
                .clone(),
        };
        // Built from constants, our own ids, a currency code and placeholders only (see
        // `SqliteBulk::new` and `one_currency`).
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let mut shared = SharedValues::default();
        for (r, id) in chunk.iter().zip(account_ids) {
            q = q
                .bind(*id)
                .bind(shared.date(r.posted_on))
                .bind(r.amount_minor);
            if currency.is_none() {
                q = q.bind(shared.text(&r.currency));
            }
            q = q.bind(r.original_amount_minor);
            if currency.is_none() {
                q = q.bind(shared.text(&r.original_currency));
            }
            q = q
                .bind(shared.text(&r.counterparty))
                .bind(Arc::<str>::from(r.description.as_str()))
                .bind(shared.text(&r.category))
                .bind(r.is_transfer)
                .bind(Arc::<str>::from(r.external_id.as_str()));
        }
        q
    }
}

/// The one currency of every row of `chunk`, when they all have the same and none was
/// converted (its original currency is its own): exactly a currency code as
/// [`Currency::parse`] gives it, three upper-case letters, so written into a statement it is
/// what binding it would have stored.
fn one_currency(chunk: &[NewTransaction]) -> Option<Currency> {
    let first = chunk.first()?;
    let currency = Currency::parse(&first.currency).ok()?;
    let code = currency.as_str();
    (code.len() == 3
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && chunk
            .iter()
            .all(|r| r.currency == code && r.original_currency == code))
    .then_some(currency)
}

/// The statement for `rows` rows; with `currency`, the rows' currency and original currency
/// are that literal instead of parameters.
fn insert_sql(constants: &str, currency: Option<Currency>, rows: usize) -> String {
    let mut sql = String::with_capacity(256 + rows * (constants.len() + 40));
    sql.push_str(
        "INSERT INTO transactions (org_id, source, import_id, account_id, posted_on, amount_minor, \
         currency, original_amount_minor, original_currency, counterparty, description, category, \
         is_transfer, external_id) VALUES ",
    );
    // Anonymous `?` placeholders: SQLite resolves a named or numbered one (`$n`) by a linear
    // scan, which makes a 5,000-parameter statement quadratic.
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        match currency {
            None => {
                let _ = write!(sql, "({constants}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            }
            Some(c) => {
                let c = c.as_str();
                let _ = write!(
                    sql,
                    "({constants}, ?, ?, ?, '{c}', ?, '{c}', ?, ?, ?, ?, ?)"
                );
            }
        }
    }
    sql.push_str(" ON CONFLICT (org_id, external_id) DO NOTHING");
    sql
}

/// The distinct text values of one chunk, each bound as one shared `Arc<str>`. A fresh set per
/// chunk: the previous chunk's values are being dropped on SQLite's thread meanwhile.
#[derive(Default)]
struct SharedValues<'a> {
    text: HashMap<&'a str, Arc<str>, foldhash::fast::FixedState>,
    dates: HashMap<NaiveDate, Arc<str>, foldhash::fast::FixedState>,
}

impl<'a> SharedValues<'a> {
    fn text(&mut self, value: &'a str) -> Arc<str> {
        self.text
            .entry(value)
            .or_insert_with(|| value.into())
            .clone()
    }

    /// As the `posted_on` column holds it (`YYYY-MM-DD`, sqlx's own encoding of a date).
    fn date(&mut self, date: NaiveDate) -> Arc<str> {
        self.dates
            .entry(date)
            .or_insert_with(|| date.format("%F").to_string().into())
            .clone()
    }
}
