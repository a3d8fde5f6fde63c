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
use std::sync::Arc;

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

/// The connection of an open transaction, on one of the two backends.
pub(crate) enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// An open transaction. It notes whether a statement that may have changed the rows recent
/// reads hold ran, so that its commit tells the store's
/// [`RecentReads`](crate::recent::RecentReads) to drop what it read before.
pub(crate) struct Tx {
    conn: Conn,
    wrote: bool,
    recent: Arc<crate::recent::RecentReads>,
}

/// The tables whose rows [`RecentReads`](crate::recent::RecentReads) keeps (deleting an
/// organisation or a user reaches the others by cascade, in a statement that names it).
const RECENTLY_READ_TABLES: [&[u8]; 4] = [b"sessions", b"users", b"memberships", b"organisations"];

/// Whether `text` may change rows that recent reads hold: a statement other than a plain
/// `SELECT` (a `set_config`, a `FOR UPDATE` lock) that names one of their tables. (No trigger
/// writes to them.)
fn may_change_recent_reads(text: &str) -> bool {
    let head = text.trim_start().as_bytes();
    if head.len() >= 6 && head[..6].eq_ignore_ascii_case(b"SELECT") {
        return false;
    }
    RECENTLY_READ_TABLES.iter().any(|table| {
        text.as_bytes()
            .windows(table.len())
            .any(|w| w.eq_ignore_ascii_case(table))
    })
}

impl Tx {
    pub(crate) fn new(conn: Conn, recent: Arc<crate::recent::RecentReads>) -> Self {
        Self {
            conn,
            wrote: false,
            recent,
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self.conn, Conn::Pg(_))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.conn, Conn::Sqlite(_))
    }

    /// The connection itself, for a read the methods here do not cover (streaming).
    pub fn conn_for_reads(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The connection itself, for writes the methods here do not cover (bulk inserts); counted
    /// as a change to what recent reads hold.
    pub fn conn_for_writes(&mut self) -> &mut Conn {
        self.wrote = true;
        &mut self.conn
    }

    pub async fn execute(&mut self, sql: Sql) -> Result<u64> {
        let write = may_change_recent_reads(&sql.text);
        let n = match &mut self.conn {
            Conn::Sqlite(tx) => bind_args!(sqlx::query(safe(sql.text)), sql.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Conn::Pg(tx) => bind_args!(sqlx::query(safe(sql.text)), sql.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        self.wrote |= write && n > 0;
        Ok(n)
    }

    pub async fn fetch_all<T: BothRow>(&mut self, sql: Sql) -> Result<Vec<T>> {
        self.wrote |= may_change_recent_reads(&sql.text);
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Conn::Pg(tx) => {
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
        self.wrote |= may_change_recent_reads(&sql.text);
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
        match &mut self.conn {
            Conn::Sqlite(tx) => drain!(tx),
            Conn::Pg(tx) => drain!(tx),
        }
        Ok(())
    }

    pub async fn fetch_optional<T: BothRow>(&mut self, sql: Sql) -> Result<Option<T>> {
        self.wrote |= may_change_recent_reads(&sql.text);
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Conn::Pg(tx) => {
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
        let outcome = match self.conn {
            Conn::Sqlite(tx) => tx.commit().await,
            Conn::Pg(tx) => tx.commit().await,
        };
        // After the commit (so a read that raced it was tagged before) and even when the
        // commit reported an error (it may have reached the database all the same).
        if self.wrote {
            self.recent.written();
        }
        outcome?;
        Ok(())
    }

    /// Rolls back now (dropping a transaction rolls it back too, but only once its connection
    /// is next used, so its locks outlive the drop).
    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            Conn::Sqlite(tx) => tx.rollback().await?,
            Conn::Pg(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::may_change_recent_reads;

    #[test]
    fn writes_to_the_recently_read_tables_are_told_from_the_rest() {
        for write in [
            include_str!("../sql/sessions/touch.sql"),
            include_str!("../sql/sessions/delete_by_hash.sql"),
            "update Organisations set books_version = books_version + 1",
            "WITH gone AS (DELETE FROM memberships WHERE org_id = $1) SELECT 1",
            "INSERT INTO users (id) VALUES ($1)",
        ] {
            assert!(may_change_recent_reads(write), "{write}");
        }
        for other in [
            include_str!("../sql/sessions/by_hash.sql"),
            include_str!("../sql/postgres-only/scope/org.sql"),
            "  select * from organisations for update",
            "INSERT INTO transactions (org_id) VALUES ($1)",
        ] {
            assert!(!may_change_recent_reads(other), "{other}");
        }
    }
}
