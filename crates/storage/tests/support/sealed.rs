//! Helpers for the encryption contract tests: organisations full of sealed values, and raw
//! access to the database around the store (as someone holding a copy of it would have).

use super::TestDb;
use flowsense_core::{Currency, OrgId, UserId};
use flowsense_storage::{
    CryptoError, MessageAuthor, NewOrg, NewUser, OrgSettings, StorageError, Store,
};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;
use uuid::Uuid;

pub const CANARY: &str = "CANARY-7f3e9b1c-plaintext-must-never-be-stored";

pub async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("create org")
        .id
}

pub async fn user(store: &Store, email: &str) -> UserId {
    store
        .create_user(&NewUser {
            email: email.into(),
            display_name: "Ada".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
        })
        .await
        .expect("create user")
        .id
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// One organisation with a value in every encrypted column; returns (connection, conversation).
pub async fn fill_org(store: &Store, org: OrgId, who: UserId, tag: &str) -> (Uuid, Uuid) {
    let conn = store
        .create_connection(org, "xero", &format!("tenant-{tag}"))
        .await
        .expect("connection");
    store
        .save_connection_tokens(
            org,
            conn,
            &secret(&format!("access-{tag}-{CANARY}")),
            &secret(&format!("refresh-{tag}-{CANARY}")),
            None,
        )
        .await
        .expect("tokens");
    let convo = store
        .create_conversation(org, who, &format!("title {tag}"))
        .await
        .expect("conversation");
    for n in 0..3 {
        store
            .append_conversation_message(
                org,
                convo,
                MessageAuthor::User,
                &format!("message {n} {tag} {CANARY}"),
            )
            .await
            .expect("message");
    }
    store
        .set_org_secret(org, "ai.api_key", &secret(&format!("sk-{tag}-{CANARY}")))
        .await
        .expect("secret");
    (conn, convo)
}

pub async fn assert_org_readable(store: &Store, org: OrgId, conn: Uuid, convo: Uuid, tag: &str) {
    let tokens = store
        .connection_tokens(org, conn)
        .await
        .expect("read tokens")
        .expect("tokens set");
    assert_eq!(
        tokens.access.expose_secret(),
        format!("access-{tag}-{CANARY}")
    );
    assert_eq!(
        tokens.refresh.expose_secret(),
        format!("refresh-{tag}-{CANARY}")
    );
    let messages = store
        .conversation_messages(org, convo)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[2].content, format!("message 2 {tag} {CANARY}"));
    assert!(
        !format!("{messages:?}").contains(CANARY),
        "Debug leaks content"
    );
    let key = store.org_secret(org, "ai.api_key").await.expect("secret");
    assert_eq!(
        key.expect("set").expose_secret(),
        format!("sk-{tag}-{CANARY}")
    );
}

/// Raw bytes of one column of one uuid-keyed row, read around the store (as an attacker with a
/// copy of the database would).
pub async fn raw_blob(db: &TestDb, table: &str, column: &str, id: Uuid) -> Vec<u8> {
    let sql = format!("SELECT {column} FROM {table} WHERE id = $1");
    if db.is_sqlite() {
        let mut c = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("raw sqlite");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut c)
            .await
            .expect("raw")
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("raw pg");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut c)
            .await
            .expect("raw")
    }
}

pub async fn raw_set_blob(db: &TestDb, table: &str, column: &str, id: Uuid, value: Vec<u8>) {
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    if db.is_sqlite() {
        let mut c = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("raw sqlite");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .bind(id)
            .execute(&mut c)
            .await
            .expect("raw");
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("raw pg");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .bind(id)
            .execute(&mut c)
            .await
            .expect("raw");
    }
}

/// Everything the database holds, as bytes: the SQLite files, or every row of every table as
/// PostgreSQL prints it.
pub async fn everything_stored(db: &TestDb) -> Vec<u8> {
    if db.is_sqlite() {
        let mut all = Vec::new();
        for f in db.sqlite_files() {
            all.extend(std::fs::read(f).unwrap_or_default());
        }
        return all;
    }
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("raw pg");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut c)
    .await
    .expect("tables");
    let mut all = Vec::new();
    for t in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT (t)::text FROM {t} t")))
                .fetch_all(&mut c)
                .await
                .expect("rows");
        for r in rows {
            all.extend(r.into_bytes());
        }
    }
    all
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

pub fn is_undecryptable<T>(r: &Result<T, StorageError>) -> bool {
    matches!(r, Err(StorageError::Crypto(CryptoError::Undecryptable)))
}

/// One data key row as stored: version, seals counted, and whether it is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage {
    pub version: i64,
    pub seals: i64,
    pub live: bool,
}

/// The data key rows of `org`, oldest first, read around the store.
pub async fn raw_key_usage(db: &TestDb, org: OrgId) -> Vec<KeyUsage> {
    let sql = "SELECT version, seals, CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END AS live \
               FROM org_keys WHERE org_id = $1 ORDER BY version";
    let rows: Vec<(i64, i64, i32)> = if db.is_sqlite() {
        let mut c = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("raw sqlite");
        sqlx::query_as(sql)
            .bind(org.0)
            .fetch_all(&mut c)
            .await
            .expect("raw")
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("raw pg");
        sqlx::query_as(sql)
            .bind(org.0)
            .fetch_all(&mut c)
            .await
            .expect("raw")
    };
    rows.into_iter()
        .map(|(version, seals, live)| KeyUsage {
            version,
            seals,
            live: live == 1,
        })
        .collect()
}

/// Every value of one encrypted column of `org`, raw, read around the store.
pub async fn raw_org_column(db: &TestDb, table: &str, column: &str, org: OrgId) -> Vec<Vec<u8>> {
    let sql = format!("SELECT {column} FROM {table} WHERE org_id = $1 AND {column} IS NOT NULL");
    if db.is_sqlite() {
        let mut c = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("raw sqlite");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(&mut c)
            .await
            .expect("raw")
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("raw pg");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(&mut c)
            .await
            .expect("raw")
    }
}

/// The data key version a sealed value names in its header.
pub fn sealed_key_version(sealed: &[u8]) -> u32 {
    u32::from_be_bytes(
        sealed[1..5]
            .try_into()
            .expect("a sealed value has a header"),
    )
}
