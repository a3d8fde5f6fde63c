//! Field encryption and crypto-shredding, on SQLite and PostgreSQL alike.

use crate::support::TestDb;
use crate::support::sealed::*;
use flowsense_storage::{CryptoError, FieldRef, StorageError};
use flowsense_test_support::on_both_backends;
use secrecy::ExposeSecret;

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
    let sealer = keyed.org_sealer(legacy, 1).await.expect("sealer");
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
    a_deleted_orgs_backed_up_rows_cannot_be_decrypted,
    orgs_created_without_a_keyring_get_keys_at_the_next_keyed_open,
);
