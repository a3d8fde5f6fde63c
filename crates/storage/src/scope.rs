//! Transactions on either backend, optionally scoped to one organisation.
//!
//! On PostgreSQL a scoped transaction sets `flowsense.org_id` (and `flowsense.user_id`) with
//! `set_config(..., true)`, so they last exactly as long as the transaction and row-level
//! security sees them. SQLite has no row-level security; there the `WHERE org_id = $1` of every
//! query is the wall.

use crate::args::{Sql, bind_args};
use crate::error::Result;
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Sqlite, Transaction};

/// Our statements are assembled only from constant SQL and `$n` placeholders; every value
/// travels as a bound argument. That is the audit `AssertSqlSafe` asks for.
pub(crate) fn safe(text: std::borrow::Cow<'static, str>) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text.into_owned())
}

/// A row type that decodes from both backends.
pub(crate) trait BothRow:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> BothRow for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// An open transaction on one of the two backends. Begun by [`crate::Store::begin`], it holds
/// SQLite's write lock from its `BEGIN IMMEDIATE`; a [`ReadTx`] wraps one begun deferred.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn execute(&mut self, sql: Sql) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_args!(sqlx::query(safe(sql.text)), sql.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Pg(tx) => bind_args!(sqlx::query(safe(sql.text)), sql.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> Result<Vec<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Tx::Pg(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    /// Hands each row of `sql` to `each` as it is read, without collecting them: for results
    /// too large to hold twice (an organisation's transactions, where the rows would otherwise
    /// sit in memory beside what is made of them). Stops at the first error `each` returns.
    pub async fn for_each<T: BothRow>(
        &mut self,
        sql: Sql,
        mut each: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        // The same loop on each backend: sqlx's streams are typed by database.
        macro_rules! drain {
            ($tx:expr) => {{
                let mut rows =
                    bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args).fetch(&mut **$tx);
                while let Some(row) = rows.try_next().await? {
                    each(row)?;
                }
            }};
        }
        match self {
            Tx::Sqlite(tx) => drain!(tx),
            Tx::Pg(tx) => drain!(tx),
        }
        Ok(())
    }

    pub async fn fetch_optional<T: BothRow>(&mut self, sql: Sql) -> Result<Option<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Tx::Pg(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        })
    }

    pub async fn fetch_one<T: BothRow>(&mut self, sql: Sql) -> Result<T> {
        self.fetch_optional(sql)
            .await?
            .ok_or(crate::StorageError::NotFound)
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Pg(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls back now (dropping a transaction rolls it back too, but only once its connection
    /// is next used, so its locks outlive the drop).
    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Pg(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// A transaction that only reads: one snapshot for several statements, and on PostgreSQL the
/// scope row-level security needs. It has no `execute`, so it cannot write.
///
/// On SQLite it begins as a plain (deferred) `BEGIN`, which takes no lock until it reads and
/// never waits for a writer. A transaction that writes must not begin that way: once it has
/// read, SQLite cannot wait for the write lock (waiting could deadlock), so it fails at once
/// with "database is locked" whenever another connection is writing, whatever the busy
/// timeout. Writers begin with `BEGIN IMMEDIATE` instead, and wait their turn.
pub(crate) struct ReadTx(Tx);

impl ReadTx {
    /// Wraps a transaction begun with a plain `BEGIN` ([`crate::Store::begin_read`]).
    pub fn deferred(tx: Tx) -> Self {
        Self(tx)
    }

    pub async fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> Result<Vec<T>> {
        debug_assert!(only_reads(&sql.text), "{}", WRITE_IN_READ);
        self.0.fetch_all(sql).await
    }

    /// [`Tx::for_each`].
    pub async fn for_each<T: BothRow>(
        &mut self,
        sql: Sql,
        each: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        debug_assert!(only_reads(&sql.text), "{}", WRITE_IN_READ);
        self.0.for_each(sql, each).await
    }

    pub async fn fetch_optional<T: BothRow>(&mut self, sql: Sql) -> Result<Option<T>> {
        debug_assert!(only_reads(&sql.text), "{}", WRITE_IN_READ);
        self.0.fetch_optional(sql).await
    }

    pub async fn fetch_one<T: BothRow>(&mut self, sql: Sql) -> Result<T> {
        debug_assert!(only_reads(&sql.text), "{}", WRITE_IN_READ);
        self.0.fetch_one(sql).await
    }

    /// The backend's own transaction, for a read that streams through sqlx directly.
    pub fn backend(&mut self) -> &mut Tx {
        &mut self.0
    }

    /// Ends the snapshot (a read-only transaction has nothing to keep or undo).
    pub async fn commit(self) -> Result<()> {
        self.0.commit().await
    }
}

const WRITE_IN_READ: &str = "a statement that writes, in a transaction begun to read only";

/// Whether `sql` has none of the words that make a statement write (checked in debug builds,
/// so a test fails if a [`ReadTx`] is handed an `UPDATE … RETURNING`).
fn only_reads(sql: &str) -> bool {
    !sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| {
            ["INSERT", "UPDATE", "DELETE", "REPLACE"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
        })
}

/// What both kinds of transaction do: read. Helpers that only read take `&mut impl Reads`, so
/// a [`ReadTx`] and a writing [`Tx`] can both call them.
pub(crate) trait Reads: Send {
    fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<Vec<T>>> + Send;
    fn fetch_optional<T: BothRow>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = Result<Option<T>>> + Send;
    fn fetch_one<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<T>> + Send;
    /// Whether the transaction is SQLite's (for statements written once per backend).
    fn is_sqlite(&self) -> bool;
}

impl Reads for Tx {
    fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<Vec<T>>> + Send {
        Tx::fetch_all(self, sql)
    }
    fn fetch_optional<T: BothRow>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = Result<Option<T>>> + Send {
        Tx::fetch_optional(self, sql)
    }
    fn fetch_one<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<T>> + Send {
        Tx::fetch_one(self, sql)
    }
    fn is_sqlite(&self) -> bool {
        matches!(self, Tx::Sqlite(_))
    }
}

impl Reads for ReadTx {
    fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<Vec<T>>> + Send {
        ReadTx::fetch_all(self, sql)
    }
    fn fetch_optional<T: BothRow>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = Result<Option<T>>> + Send {
        ReadTx::fetch_optional(self, sql)
    }
    fn fetch_one<T: BothRow>(&mut self, sql: Sql) -> impl Future<Output = Result<T>> + Send {
        ReadTx::fetch_one(self, sql)
    }
    fn is_sqlite(&self) -> bool {
        self.0.is_sqlite()
    }
}
