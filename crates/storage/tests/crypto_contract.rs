//! Field encryption, key rotation and crypto-shredding, on SQLite and PostgreSQL alike.

mod support;

use flowsense_core::{Currency, OrgId, UserId};
use flowsense_storage::{
    CryptoError, FieldRef, Keyring, MessageAuthor, NewOrg, NewUser, OrgSettings, StorageError,
    Store,
};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;
use support::TestDb;
use uuid::Uuid;

const CANARY: &str = "CANARY-7f3e9b1c-plaintext-must-never-be-stored";

async fn org(store: &Store, slug: &str) -> OrgId {
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

async fn user(store: &Store, email: &str) -> UserId {
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

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// One organisation with a value in every encrypted column; returns (connection, conversation).
async fn fill_org(store: &Store, org: OrgId, who: UserId, tag: &str) -> (Uuid, Uuid) {
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

async fn assert_org_readable(store: &Store, org: OrgId, conn: Uuid, convo: Uuid, tag: &str) {
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
async fn raw_blob(db: &TestDb, table: &str, column: &str, id: Uuid) -> Vec<u8> {
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

async fn raw_set_blob(db: &TestDb, table: &str, column: &str, id: Uuid, value: Vec<u8>) {
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
async fn everything_stored(db: &TestDb) -> Vec<u8> {
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

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn is_undecryptable<T>(r: &Result<T, StorageError>) -> bool {
    matches!(r, Err(StorageError::Crypto(CryptoError::Undecryptable)))
}

async fn encrypted_fields_round_trip_and_hold_no_plaintext(db: &TestDb) {
    let store = &db.store;
    let who = user(store, "ada@example.com").await;
    let a = org(store, "alpha").await;
    let (conn, convo) = fill_org(store, a, who, "a").await;
    assert_org_readable(store, a, conn, convo, "a").await;

    store
        .set_mfa_secret(who, b"JBSWY3DPEHPK3PXP-totp")
        .await
        .expect("mfa");
    let mfa = store.mfa_secret(who).await.expect("read mfa").expect("set");
    assert_eq!(mfa.expose_secret(), b"JBSWY3DPEHPK3PXP-totp");
    assert_eq!(
        store.org_secret_names(a).await.expect("names"),
        vec!["ai.api_key"]
    );

    store.close().await; // flush the SQLite WAL into the file
    let stored = everything_stored(db).await;
    assert!(
        contains(&stored, "tenant-a"),
        "the scan sees plaintext columns"
    );
    assert!(
        !contains(&stored, CANARY),
        "plaintext canary found in the stored database"
    );
    assert!(
        !contains(&stored, "JBSWY3DPEHPK3PXP"),
        "TOTP secret stored in clear"
    );
}

async fn ciphertext_moved_to_another_row_column_or_org_is_rejected(db: &TestDb) {
    let store = &db.store;
    let who = user(store, "bo@example.com").await;
    let (a, b) = (org(store, "alpha").await, org(store, "bravo").await);
    let (conn_a, _) = fill_org(store, a, who, "a").await;
    let conn_a2 = store
        .create_connection(a, "quickbooks", "t2")
        .await
        .expect("conn");
    store
        .save_connection_tokens(
            a,
            conn_a2,
            &secret("a2-access"),
            &secret("a2-refresh"),
            None,
        )
        .await
        .expect("tokens");
    let (conn_b, _) = fill_org(store, b, who, "b").await;

    let access_a = raw_blob(db, "connections", "access_token_enc", conn_a).await;
    // Another row of the same organisation and column.
    raw_set_blob(
        db,
        "connections",
        "access_token_enc",
        conn_a2,
        access_a.clone(),
    )
    .await;
    assert!(is_undecryptable(&store.connection_tokens(a, conn_a2).await));
    // Another column of the same row.
    raw_set_blob(
        db,
        "connections",
        "refresh_token_enc",
        conn_a,
        access_a.clone(),
    )
    .await;
    assert!(is_undecryptable(&store.connection_tokens(a, conn_a).await));
    // Another organisation (same table, column; b's row). Its key has another value, and the
    // associated data names another organisation.
    raw_set_blob(
        db,
        "connections",
        "access_token_enc",
        conn_b,
        access_a.clone(),
    )
    .await;
    assert!(store.connection_tokens(b, conn_b).await.is_err());
    let row = conn_a.to_string();
    let field = FieldRef::new("connections", "access_token_enc", &row);
    assert!(store.open_field(b, &field, &access_a).await.is_err());
    assert!(store.open_field(a, &field, &access_a).await.is_ok());

    // The API itself: a value sealed for one field opens only there.
    let sealed = store.seal(a, &field, b"x").await.expect("seal");
    let elsewhere = FieldRef::new("connections", "refresh_token_enc", &row);
    assert!(is_undecryptable(
        &store.open_field(a, &elsewhere, &sealed).await
    ));
    let user_row = who.to_string();
    let users_field = FieldRef::new("users", "mfa_secret_enc", &user_row);
    let inst = store.seal_instance(&users_field, b"i").await.expect("seal");
    assert_eq!(
        store
            .open_instance_field(&users_field, &inst)
            .await
            .expect("open")
            .as_slice(),
        b"i"
    );
    assert!(store.open_field(a, &users_field, &inst).await.is_err());
}

async fn a_wrong_or_missing_master_key_is_refused_at_open(db: &TestDb) {
    let a = org(&db.store, "alpha").await;
    db.store
        .set_org_secret(a, "webhook.signing", &secret("whsec"))
        .await
        .expect("secret");
    let err = db
        .open_with(Some(Keyring::generate().expect("ring")))
        .await
        .expect_err("wrong key");
    let msg = err.to_string();
    assert!(msg.contains("master key does not match"), "{msg}");
    assert!(msg.contains("FLOWSENSE_MASTER_KEY"), "{msg}");

    let newer = db.keyring.with_generated_version().expect("v2");
    let rotated = db
        .open_with(Some(newer.clone()))
        .await
        .expect("open with v1+v2");
    rotated.rotate_master_key(|_| {}).await.expect("rotate");
    rotated.close().await;
    let err = db
        .open_with(Some(db.keyring.clone()))
        .await
        .expect_err("v2 missing");
    let msg = err.to_string();
    assert!(msg.contains("v2") && msg.contains("not loaded"), "{msg}");
    let only_v2 = db
        .open_with(Some(newer.without_version(1)))
        .await
        .expect("v2 alone");
    let value = only_v2
        .org_secret(a, "webhook.signing")
        .await
        .expect("read")
        .expect("set");
    assert_eq!(value.expose_secret(), "whsec");

    // Without a keyring the store opens (migrations, tooling) but refuses to seal.
    let bare = db.open_with(None).await.expect("open without keys");
    let err = bare
        .set_org_secret(a, "x", &secret("y"))
        .await
        .expect_err("no keyring");
    assert!(matches!(err, StorageError::Crypto(CryptoError::NoKeyring)));
}

async fn master_rotation_rewraps_every_key_and_an_interrupted_one_resumes(db: &TestDb) {
    let who = user(&db.store, "cy@example.com").await;
    let mut orgs = Vec::new();
    for (i, slug) in ["a", "b", "c", "d"].iter().enumerate() {
        let id = org(&db.store, slug).await;
        let (conn, convo) = fill_org(&db.store, id, who, &i.to_string()).await;
        orgs.push((id, conn, convo, i.to_string()));
    }
    db.store.set_mfa_secret(who, b"totp").await.expect("mfa");
    let status = db.store.key_status().await.expect("status");
    assert_eq!(status.org_keys_by_master_version.get(&1), Some(&4));
    assert_eq!(status.instance_keys_by_master_version.get(&1), Some(&1));
    assert_eq!(status.last_master_rotation, None);

    let ring = db.keyring.with_generated_version().expect("v2");
    let store = db
        .open_with(Some(ring.clone()))
        .await
        .expect("open with v2");
    assert!(matches!(
        store.retire_master_key_version(1).await,
        Err(StorageError::Crypto(CryptoError::MasterKeyInUse {
            version: 1,
            keys: 5
        }))
    ));
    // Interrupted: only half the organisations re-wrapped.
    for (id, ..) in &orgs[..2] {
        assert_eq!(store.rewrap_org_keys(*id).await.expect("rewrap"), 1);
    }
    let half = store.key_status().await.expect("status");
    assert_eq!(half.org_keys_by_master_version.get(&1), Some(&2));
    assert_eq!(half.org_keys_by_master_version.get(&2), Some(&2));
    assert_eq!(half.keys_needing_rewrap(), 3);

    let mut seen = Vec::new();
    let report = store
        .rotate_master_key(|p| seen.push(p.orgs_done))
        .await
        .expect("resume");
    assert_eq!(report.master_version, 2);
    assert_eq!(
        report.org_keys_rewrapped, 2,
        "only the organisations not yet done"
    );
    assert_eq!(report.instance_keys_rewrapped, 1);
    assert_eq!(seen, vec![1, 2, 3, 4]);
    let again = store.rotate_master_key(|_| {}).await.expect("idempotent");
    assert_eq!(
        (again.org_keys_rewrapped, again.instance_keys_rewrapped),
        (0, 0)
    );

    let done = store.key_status().await.expect("status");
    assert_eq!(
        done.org_keys_by_master_version.get(&1),
        None,
        "no key left under v1"
    );
    assert_eq!(done.org_keys_by_master_version.get(&2), Some(&4));
    assert_eq!(done.current_master_version, 2);
    assert!(done.last_master_rotation.is_some());
    for (id, conn, convo, tag) in &orgs {
        assert_org_readable(&store, *id, *conn, *convo, tag).await;
    }
    assert!(matches!(
        store.retire_master_key_version(2).await,
        Err(StorageError::Crypto(CryptoError::RetireCurrent(2)))
    ));
    store
        .retire_master_key_version(1)
        .await
        .expect("v1 unused now");
    store.close().await;
    let v2_only = db
        .open_with(Some(ring.without_version(1)))
        .await
        .expect("v1 destroyed");
    for (id, conn, convo, tag) in &orgs {
        assert_org_readable(&v2_only, *id, *conn, *convo, tag).await;
    }
    assert_eq!(
        v2_only
            .mfa_secret(who)
            .await
            .expect("mfa")
            .expect("set")
            .expose_secret(),
        b"totp"
    );
}

async fn org_data_key_rotation_reencrypts_the_orgs_fields(db: &TestDb) {
    let store = &db.store;
    let who = user(store, "di@example.com").await;
    let (a, b) = (org(store, "alpha").await, org(store, "bravo").await);
    let (conn, convo) = fill_org(store, a, who, "a").await;
    let (conn_b, convo_b) = fill_org(store, b, who, "b").await;
    let before = raw_blob(db, "connections", "access_token_enc", conn).await;
    assert_eq!(&before[1..5], &1u32.to_be_bytes());

    let r = store.rotate_org_data_key(a).await.expect("rotate");
    assert_eq!((r.new_version, r.retired_versions.clone()), (2, vec![1]));
    // 2 tokens + 1 title + 3 messages + 1 secret.
    assert_eq!(r.fields_reencrypted, 7);
    let after = raw_blob(db, "connections", "access_token_enc", conn).await;
    assert_eq!(&after[1..5], &2u32.to_be_bytes());
    assert_ne!(before, after);
    assert_org_readable(store, a, conn, convo, "a").await;
    assert_org_readable(store, b, conn_b, convo_b, "b").await;
    let untouched = raw_blob(db, "connections", "access_token_enc", conn_b).await;
    assert_eq!(
        &untouched[1..5],
        &1u32.to_be_bytes(),
        "other organisations keep their key"
    );
    // New values use the new key; a second rotation retires version 2.
    store
        .set_org_secret(a, "new", &secret("n"))
        .await
        .expect("secret");
    let r2 = store.rotate_org_data_key(a).await.expect("rotate again");
    assert_eq!((r2.new_version, r2.retired_versions), (3, vec![2]));
    assert_eq!(r2.fields_reencrypted, 8);
    assert_org_readable(store, a, conn, convo, "a").await;

    store.set_mfa_secret(who, b"totp-2").await.expect("mfa");
    let i = store
        .rotate_instance_data_key()
        .await
        .expect("instance rotation");
    assert_eq!((i.new_version, i.fields_reencrypted), (2, 1));
    assert_eq!(
        store
            .mfa_secret(who)
            .await
            .expect("mfa")
            .expect("set")
            .expose_secret(),
        b"totp-2"
    );
}

async fn a_deleted_orgs_backed_up_rows_cannot_be_decrypted(db: &TestDb) {
    let store = &db.store;
    let who = user(store, "ed@example.com").await;
    let (a, b) = (org(store, "alpha").await, org(store, "bravo").await);
    let (conn, _) = fill_org(store, a, who, "a").await;
    let (conn_b, convo_b) = fill_org(store, b, who, "b").await;
    // The "backup": ciphertext rows copied out before deletion.
    let backup_access = raw_blob(db, "connections", "access_token_enc", conn).await;
    let row = conn.to_string();
    let field = FieldRef::new("connections", "access_token_enc", &row);
    assert!(store.open_field(a, &field, &backup_access).await.is_ok());

    store.delete_org(a).await.expect("delete");
    let err = store
        .open_field(a, &field, &backup_access)
        .await
        .expect_err("shredded");
    assert!(
        matches!(err, StorageError::Crypto(CryptoError::DataKeyGone(1))),
        "{err}"
    );
    // A fresh process with the same master key cannot either: the key is gone from the database.
    let fresh = db
        .open_with(Some(db.keyring.clone()))
        .await
        .expect("reopen");
    assert!(fresh.open_field(a, &field, &backup_access).await.is_err());
    assert!(matches!(
        store.delete_org(a).await,
        Err(StorageError::NotFound)
    ));
    assert_org_readable(&fresh, b, conn_b, convo_b, "b").await;
    let status = fresh.key_status().await.expect("status");
    assert_eq!(
        status.org_keys_by_master_version.get(&1),
        Some(&1),
        "only bravo's key is left"
    );
}

async fn orgs_created_without_a_keyring_get_keys_at_the_next_keyed_open(db: &TestDb) {
    let bare = db.open_with(None).await.expect("open without keys");
    let legacy = org(&bare, "legacy").await;
    bare.close().await;
    let keyed = db
        .open_with(Some(db.keyring.clone()))
        .await
        .expect("keyed open");
    keyed
        .set_org_secret(legacy, "x", &secret("y"))
        .await
        .expect("seal");
    let sealer = keyed.org_sealer(legacy).await.expect("sealer");
    assert_eq!(sealer.key_version(), 1);
    assert!(format!("{sealer:?}").starts_with("OrgSealer("));
    let field = FieldRef::new("t", "c", "1");
    let sealed = sealer.seal(&field, b"bulk").expect("seal");
    assert_eq!(
        keyed
            .open_field(legacy, &field, &sealed)
            .await
            .expect("open")
            .as_slice(),
        b"bulk"
    );
}

on_both_backends!(
    encrypted_fields_round_trip_and_hold_no_plaintext,
    ciphertext_moved_to_another_row_column_or_org_is_rejected,
    a_wrong_or_missing_master_key_is_refused_at_open,
    master_rotation_rewraps_every_key_and_an_interrupted_one_resumes,
    org_data_key_rotation_reencrypts_the_orgs_fields,
    a_deleted_orgs_backed_up_rows_cannot_be_decrypted,
    orgs_created_without_a_keyring_get_keys_at_the_next_keyed_open,
);
