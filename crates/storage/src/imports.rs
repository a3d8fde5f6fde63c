//! All-or-nothing imports: every row of one file lands in one transaction, or none does.
//!
//! Bulk paths differ per backend (said here, next to the SQL): SQLite takes multi-row
//! `INSERT … ON CONFLICT DO NOTHING` statements; PostgreSQL takes `COPY` into a temporary
//! staging table, then one `INSERT … SELECT` (with `ON CONFLICT DO NOTHING` for a batch that
//! needs it). Both skip rows whose `external_id` the organisation already has, so
//! re-importing a file adds nothing.

use crate::Store;
use crate::accounts::ensure_in;
use crate::args::sql;
use crate::books::books_changed;
use crate::corrections::{apply_rules_to_new, rules_mark};
use crate::documents::{NewDocument, upsert_in};
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use crate::search_index::NewRows;
use crate::transactions::NewTransaction;
use chrono::Utc;
use flowsense_core::{Currency, OrgId, UserId};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use tokio::sync::Notify;

mod sqlite_bulk;
use sqlite_bulk::SqliteBulk;

/// The staged rows into the organisation's transactions (PostgreSQL).
macro_rules! pg_insert_from_stage {
    () => {
        "INSERT INTO transactions (org_id, source, import_id, account_id, posted_on, amount_minor, currency, \
         original_amount_minor, original_currency, counterparty, description, category, is_transfer, external_id) \
         SELECT $1, $2, $3, account_id, posted_on, amount_minor, currency, original_amount_minor, \
         original_currency, counterparty, description, category, is_transfer, external_id FROM fs_import_stage"
    };
}
const PG_INSERT_FROM_STAGE: &str = pg_insert_from_stage!();
const PG_INSERT_FROM_STAGE_SKIPPING_KNOWN: &str = concat!(
    pg_insert_from_stage!(),
    " ON CONFLICT (org_id, external_id) DO NOTHING"
);

/// Describes the file being imported.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub file_name: String,
    /// `csv`, `ofx`, `demo`, …
    pub format: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Where the rows come from (`csv`, `ofx`, `demo`, `quickbooks`, `xero`): lower-case letters.
    pub source: String,
    pub created_by: Option<UserId>,
    /// Currency of accounts created by this import when their rows do not say.
    pub currency: Currency,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub import_id: i64,
    pub rows_read: u64,
    pub rows_added: u64,
    pub documents_changed: u64,
}

/// An import in progress. Dropping it without [`ImportTx::commit`] rolls everything back.
pub struct ImportTx {
    org: OrgId,
    tx: Tx,
    import_id: i64,
    source: String,
    currency: Currency,
    accounts: HashMap<String, i64>,
    rows_read: u64,
    rows_added: u64,
    documents_changed: u64,
    pg_stage_ready: bool,
    /// The statements of the SQLite bulk path, from the first batch on.
    sqlite: Option<SqliteBulk>,
    /// The newest transaction id before this import, when the organisation has rules to apply
    /// to the rows it adds.
    rules_mark: Option<i64>,
    /// The rows this import adds, for the search index.
    new_rows: NewRows,
    /// Set once the import queues a job: the workers are woken when it commits.
    jobs_queued: bool,
    jobs_enqueued: Arc<Notify>,
    /// PostgreSQL as its owner, to refresh the planner's statistics after a large import.
    postgres: Option<crate::backup::postgres::PgDatabase>,
}

/// Rows an import adds before PostgreSQL's statistics of `transactions` are refreshed at once.
/// Until they are, the planner takes an organisation to hold a few hundred rows and pages
/// through a million by reading and sorting all of them (4.9 s, measured; 0.4 ms with
/// statistics), while autovacuum may be a minute away, or off.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

impl Store {
    /// Starts an import into `org`.
    ///
    /// # Errors
    /// `Config` for a source name that is not lower-case letters; a database failure.
    pub async fn begin_import(&self, org: OrgId, meta: &ImportMeta) -> Result<ImportTx> {
        if meta.source.is_empty() || !meta.source.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(StorageError::Config(
                "import source must be lower-case letters".into(),
            ));
        }
        let mut tx = self.scoped(org).await?;
        let (import_id,): (i64,) = tx
            .fetch_one(
                sql!("imports/begin")
                    .arg(org)
                    .arg(meta.file_name.as_str())
                    .arg(meta.format.as_str())
                    .arg(meta.sha256.as_str())
                    .arg(meta.created_by.map(|u| u.0))
                    .arg(Utc::now()),
            )
            .await?;
        let rules_mark = rules_mark(&mut tx, org).await?;
        let new_rows = NewRows::open(&mut tx, org).await?;
        Ok(ImportTx {
            sqlite: None,
            org,
            tx,
            import_id,
            rules_mark,
            new_rows,
            jobs_queued: false,
            jobs_enqueued: self.jobs_enqueued.clone(),
            postgres: self.postgres.clone(),
            source: meta.source.clone(),
            currency: meta.currency,
            accounts: HashMap::new(),
            rows_read: 0,
            rows_added: 0,
            documents_changed: 0,
            pg_stage_ready: false,
        })
    }
}

impl ImportTx {
    /// The organisation and the open transaction, for other parts of the store that write in the
    /// same transaction (a job enqueued with the import).
    pub(crate) fn org_and_tx(&mut self) -> (OrgId, &mut Tx) {
        (self.org, &mut self.tx)
    }

    /// Notes that a job was queued in this import, so that the workers are woken once it
    /// commits.
    pub(crate) fn jobs_queued(&mut self) {
        self.jobs_queued = true;
    }

    /// Creates (or finds) a bank account with an opening balance, before its transactions arrive.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn ensure_account(&mut self, name: &str, opening_balance_minor: i64) -> Result<i64> {
        self.ensure_account_in(name, self.currency, opening_balance_minor)
            .await
    }

    /// Creates (or finds) a bank account held in `currency`. An account that exists keeps the
    /// currency it has: callers check that its rows match ([`crate::BankAccount::currency`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn ensure_account_in(
        &mut self,
        name: &str,
        currency: Currency,
        opening_balance_minor: i64,
    ) -> Result<i64> {
        if let Some(&id) = self.accounts.get(name) {
            return Ok(id);
        }
        let id = ensure_in(
            &mut self.tx,
            self.org,
            name,
            currency,
            opening_balance_minor,
        )
        .await?;
        self.accounts.insert(name.to_owned(), id);
        Ok(id)
    }

    /// Adds a batch of transactions; returns how many were new.
    ///
    /// # Errors
    /// On a database failure; the whole import is then abandoned.
    pub async fn add_transactions(&mut self, rows: &[NewTransaction]) -> Result<u64> {
        let mut account_ids = Vec::with_capacity(rows.len());
        for r in rows {
            // A new account is held in its first row's currency.
            let currency = Currency::parse(&r.currency).unwrap_or(self.currency);
            account_ids.push(self.ensure_account_in(&r.account, currency, 0).await?);
        }
        let added = match &mut self.tx {
            Tx::Sqlite(conn) => {
                let bulk = self
                    .sqlite
                    .get_or_insert_with(|| SqliteBulk::new(self.org, &self.source, self.import_id));
                bulk.insert(conn, rows, &account_ids).await?
            }
            Tx::Pg(_) => self.insert_pg(rows, &account_ids).await?,
        };
        self.rows_read += rows.len() as u64;
        self.rows_added += added;
        Ok(added)
    }

    /// Rows handed to this import so far.
    #[must_use]
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Adds or updates invoices and bills.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn add_documents(&mut self, docs: &[NewDocument]) -> Result<u64> {
        let n = upsert_in(&mut self.tx, self.org, &self.source, docs).await?;
        self.documents_changed += n;
        Ok(n)
    }

    /// Abandons the import now: nothing of it is kept, and its write lock is released before
    /// this returns (dropping it also rolls back, but later).
    ///
    /// # Errors
    /// A database failure (nothing is kept either way).
    pub async fn abandon(self) -> Result<()> {
        self.tx.rollback().await
    }

    /// Makes the import permanent and moves the organisation's books version on.
    ///
    /// # Errors
    /// On a database failure (nothing is then kept).
    pub async fn commit(mut self) -> Result<ImportSummary> {
        self.tx
            .execute(
                sql!("imports/finish")
                    .arg(i64::try_from(self.rows_read).unwrap_or(i64::MAX))
                    .arg(i64::try_from(self.rows_added).unwrap_or(i64::MAX))
                    .arg(self.import_id)
                    .arg(self.org),
            )
            .await?;
        apply_rules_to_new(&mut self.tx, self.org, self.rules_mark).await?;
        if self.new_rows.close(&mut self.tx, Utc::now()).await? {
            self.jobs_queued = true;
        }
        // Even an import that added nothing moves the version: it costs one recomputation, and
        // no path can forget to.
        books_changed(&mut self.tx, self.org).await?;
        let summary = ImportSummary {
            import_id: self.import_id,
            rows_read: self.rows_read,
            rows_added: self.rows_added,
            documents_changed: self.documents_changed,
        };
        self.tx.commit().await?;
        if self.jobs_queued {
            self.jobs_enqueued.notify_one();
        }
        if let Some(db) = self
            .postgres
            .filter(|_| self.rows_added >= ANALYZE_AFTER_ROWS)
            && let Err(e) = db.analyze_transactions().await
        {
            // The import is kept: only the plans wait for autovacuum.
            tracing::warn!(error = %flowsense_core::ErrorChain(&e), "refreshing the statistics after an import failed");
        }
        Ok(summary)
    }

    async fn insert_pg(&mut self, rows: &[NewTransaction], account_ids: &[i64]) -> Result<u64> {
        let first_time = !self.pg_stage_ready;
        self.pg_stage_ready = true;
        let Tx::Pg(tx) = &mut self.tx else {
            unreachable!("called only on PostgreSQL")
        };
        if first_time {
            sqlx::query(
                "CREATE TEMPORARY TABLE fs_import_stage (account_id BIGINT, posted_on DATE, amount_minor BIGINT, \
                 currency TEXT, original_amount_minor BIGINT, original_currency TEXT, counterparty TEXT, \
                 description TEXT, category TEXT, is_transfer BOOLEAN, external_id TEXT) ON COMMIT DROP",
            )
            .execute(&mut **tx)
            .await?;
        }
        let mut buf = Vec::with_capacity(rows.len() * 120);
        for (r, id) in rows.iter().zip(account_ids) {
            let _ = write!(
                CopyText(&mut buf),
                "{id}\t{}\t{}\t",
                r.posted_on.format("%Y-%m-%d"),
                r.amount_minor
            );
            copy_field(&mut buf, &r.currency);
            let _ = write!(CopyText(&mut buf), "\t{}\t", r.original_amount_minor);
            copy_field(&mut buf, &r.original_currency);
            buf.push(b'\t');
            copy_field(&mut buf, &r.counterparty);
            buf.push(b'\t');
            copy_field(&mut buf, &r.description);
            buf.push(b'\t');
            copy_field(&mut buf, &r.category);
            buf.extend_from_slice(if r.is_transfer { b"\tt\t" } else { b"\tf\t" });
            copy_field(&mut buf, &r.external_id);
            buf.push(b'\n');
        }
        let mut copy = tx
            .copy_in_raw(
                "COPY fs_import_stage (account_id, posted_on, amount_minor, currency, original_amount_minor, \
                 original_currency, counterparty, description, category, is_transfer, external_id) FROM STDIN",
            )
            .await?;
        for piece in buf.chunks(1 << 20) {
            copy.send(piece).await?;
        }
        copy.finish().await?;
        // A plain INSERT costs about a third less than ON CONFLICT's speculative insertion
        // (one WAL record and one index probe fewer per row), so it goes first, in a
        // savepoint. Only a batch that meets an id the organisation already has (a
        // re-import, an overlapping statement) or repeats one is redone with ON CONFLICT.
        sqlx::query("SAVEPOINT fs_import_batch")
            .execute(&mut **tx)
            .await?;
        let plain = sqlx::query(PG_INSERT_FROM_STAGE)
            .bind(self.org.0)
            .bind(self.source.as_str())
            .bind(self.import_id)
            .execute(&mut **tx)
            .await;
        let added = match plain {
            Ok(done) => {
                sqlx::query("RELEASE SAVEPOINT fs_import_batch")
                    .execute(&mut **tx)
                    .await?;
                done.rows_affected()
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                sqlx::query("ROLLBACK TO SAVEPOINT fs_import_batch")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(PG_INSERT_FROM_STAGE_SKIPPING_KNOWN)
                    .bind(self.org.0)
                    .bind(self.source.as_str())
                    .bind(self.import_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
            Err(e) => return Err(e.into()),
        };
        sqlx::query("TRUNCATE fs_import_stage")
            .execute(&mut **tx)
            .await?;
        Ok(added)
    }
}

/// `fmt::Write` into a byte buffer.
struct CopyText<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for CopyText<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Writes one text field in PostgreSQL `COPY … FROM STDIN` text format.
fn copy_field(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}
