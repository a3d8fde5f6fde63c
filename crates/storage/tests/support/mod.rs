//! Test databases (a fresh SQLite file, or a freshly created PostgreSQL database, per test) come
//! from `flowsense-test-support`; the sealed-value helpers of the encryption contract live here.

#![allow(dead_code)]

#[expect(
    clippy::disallowed_methods,
    reason = "the encryption tests read and tamper with the database around the store"
)]
pub mod sealed;

pub use flowsense_test_support::TestDb;

/// Every `table.column` of a migrated SQLite database, sorted (sqlx's own table left out).
#[expect(
    clippy::disallowed_methods,
    reason = "the schema tests read the database's catalog, outside the store"
)]
pub async fn sqlite_columns(url: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut columns: Vec<String> = sqlx::query(
        "SELECT m.name || '.' || p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("c"))
    .collect();
    columns.sort();
    columns
}

/// The columns of `table` in a migrated PostgreSQL database.
#[expect(
    clippy::disallowed_methods,
    reason = "the schema tests read the database's catalog, outside the store"
)]
pub async fn postgres_columns(url: &str, table: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name",
    )
    .bind(table)
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

/// `docs/data-classification.toml`, parsed.
pub fn data_classification() -> toml::Table {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/data-classification.toml"
    );
    std::fs::read_to_string(path).unwrap().parse().unwrap()
}

/// The columns of the word-search index on `backend` (`sqlite` or `postgres`), as the
/// classification lists them: the only columns the two schemas do not share.
pub fn search_index_columns(backend: &str) -> std::collections::BTreeSet<String> {
    data_classification()["search_index"][backend]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}
