//! The SQLite bulk path of an import: multi-row `INSERT … ON CONFLICT DO NOTHING` statements of
//! [`ROWS_PER_INSERT`] rows, the next one bound while SQLite runs the one before.
//!
//! sqlx copies every borrowed `&str` parameter into a fresh `Arc<String>` (two allocations), and
//! SQLite's worker thread frees them after the statement. Most text columns of a statement repeat
//! a few values (a currency, a handful of dates, categories and counterparties), so each chunk
//! binds one shared `Arc<str>` per distinct value; the unique ones (description, reference) take
//! one allocation each.

use crate::transactions::NewTransaction;
use chrono::NaiveDate;
use flowsense_core::OrgId;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, SqliteConnection};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Rows per multi-row `INSERT` (11 parameters each, well under SQLite's 32,766).
const ROWS_PER_INSERT: usize = 512;

type Query = sqlx::query::Query<'static, Sqlite, SqliteArguments>;

/// What an import keeps between batches on SQLite.
pub(super) struct SqliteBulk {
    /// The literal columns every row shares (see [`SqliteBulk::new`]).
    constants: String,
    /// The statement text of a full chunk, built once: sqlx finds its prepared statement by it.
    full_chunk: Arc<str>,
}

impl SqliteBulk {
    /// The statements of one import into `org`.
    pub(super) fn new(org: OrgId, source: &str, import_id: i64) -> Self {
        // The literal prefix shared by every row: organisation, source and import, which are
        // ours (a UUID, lower-case letters checked by `begin_import`, an integer), never user
        // text.
        let constants = format!("X'{}', '{source}', {import_id}", org.0.simple());
        let full_chunk = insert_sql(&constants, ROWS_PER_INSERT).into();
        Self {
            constants,
            full_chunk,
        }
    }

    /// Inserts `rows` (with their accounts' ids) in one open transaction; returns how many were
    /// new.
    pub(super) async fn insert(
        &self,
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
    fn statement(&self, chunk: &[NewTransaction], account_ids: &[i64]) -> Query {
        let sql = if chunk.len() == ROWS_PER_INSERT {
            self.full_chunk.clone()
        } else {
            insert_sql(&self.constants, chunk.len()).into()
        };
        // Built from constants, our own ids and placeholders only (see `SqliteBulk::new`).
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let mut shared = SharedValues::default();
        for (r, id) in chunk.iter().zip(account_ids) {
            q = q
                .bind(*id)
                .bind(shared.date(r.posted_on))
                .bind(r.amount_minor)
                .bind(shared.text(&r.currency))
                .bind(r.original_amount_minor)
                .bind(shared.text(&r.original_currency))
                .bind(shared.text(&r.counterparty))
                .bind(Arc::<str>::from(r.description.as_str()))
                .bind(shared.text(&r.category))
                .bind(r.is_transfer)
                .bind(Arc::<str>::from(r.external_id.as_str()));
        }
        q
    }
}

/// The statement for `rows` rows.
fn insert_sql(constants: &str, rows: usize) -> String {
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
        let _ = write!(sql, "({constants}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
