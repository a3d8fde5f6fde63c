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

/// An open transaction on one of the two backends.
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
