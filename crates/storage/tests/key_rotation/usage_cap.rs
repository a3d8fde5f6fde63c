//! Seals are counted per data key, and a key at its cap is rotated before it seals again
//! (SECURITY-CHECKLIST F3), on SQLite and PostgreSQL alike.

use crate::support::TestDb;
use crate::support::sealed::*;
use flowsense_storage::{CryptoError, FieldRef, OpenOptions, StorageError, Store};
use flowsense_test_support::on_both_backends;
use secrecy::ExposeSecret;

fn usage(version: i64, seals: i64, live: bool) -> KeyUsage {
    KeyUsage {
        version,
        seals,
        live,
    }
}

async fn a_data_key_at_its_seal_cap_is_rotated_before_it_seals_again(db: &TestDb) {
    // Every seal is counted against the key that made it, and the count is kept.
    let b = org(&db.store, "bravo").await;
    for i in 0..3 {
        db.store
            .set_org_secret(b, "webhook.signing", &secret(&format!("s{i}")))
            .await
            .expect("seal");
    }
    assert_eq!(raw_key_usage(db, b).await, vec![usage(1, 3, true)]);

    let capped = Store::open(
        &db.url,
        &OpenOptions {
            keyring: Some(db.keyring.clone()),
            seals_per_data_key: 4,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open with a cap of 4 seals per key");
    let a = org(&capped, "alpha").await;
    for i in 0..4 {
        capped
            .set_org_secret(a, "ai.api_key", &secret(&format!("key-{i}")))
            .await
            .expect("seal under the cap");
    }
    assert_eq!(raw_key_usage(db, a).await, vec![usage(1, 4, true)]);

    // The fifth seal would pass the cap: the key is rotated first (its one stored value
    // re-encrypted under version 2) and the new value is sealed under version 2.
    capped
        .set_org_secret(a, "ai.api_key", &secret("key-4"))
        .await
        .expect("seal after rotation");
    assert_eq!(
        raw_key_usage(db, a).await,
        vec![usage(1, 5, false), usage(2, 2, true)]
    );
    let read = capped.org_secret(a, "ai.api_key").await.expect("read");
    assert_eq!(read.expect("set").expose_secret(), "key-4");
    for sealed in raw_org_column(db, "org_secrets", "value_enc", a).await {
        assert_eq!(sealed_key_version(&sealed), 2);
    }

    // A bulk sealer reserves its seals up front and refuses past them.
    let sealer = capped.org_sealer(a, 2).await.expect("sealer");
    assert_eq!(sealer.key_version(), 2);
    let field = FieldRef::new("t", "c", "1");
    for _ in 0..2 {
        sealer
            .seal(&field, b"bulk")
            .expect("within the reservation");
    }
    assert!(matches!(
        sealer.seal(&field, b"bulk"),
        Err(CryptoError::SealerReservationSpent(2))
    ));
    assert_eq!(
        raw_key_usage(db, a).await,
        vec![usage(1, 5, false), usage(2, 4, true)]
    );
    // A reservation that would pass the cap rotates first.
    let sealer = capped.org_sealer(a, 3).await.expect("sealer");
    assert_eq!(sealer.key_version(), 3);
    assert_eq!(
        raw_key_usage(db, a).await,
        vec![usage(1, 5, false), usage(2, 7, false), usage(3, 4, true)]
    );

    // One that even a fresh key could not hold is refused, and changes nothing.
    let err = capped.org_sealer(a, 5).await.expect_err("over the cap");
    assert!(
        matches!(
            err,
            StorageError::Crypto(CryptoError::SealCapReached { cap: 4 })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("cap of 4"), "{err}");
    assert_eq!(
        raw_key_usage(db, a).await,
        vec![usage(1, 5, false), usage(2, 7, false), usage(3, 4, true)]
    );
    let read = db.store.org_secret(a, "ai.api_key").await.expect("read");
    assert_eq!(read.expect("set").expose_secret(), "key-4");

    // The instance key (TOTP secrets) is counted and capped the same way.
    let who = user(&capped, "ada@example.com").await;
    for i in 0..6 {
        capped
            .set_mfa_secret(who, format!("totp-{i}").as_bytes())
            .await
            .expect("mfa");
    }
    let mfa = capped.mfa_secret(who).await.expect("read").expect("set");
    assert_eq!(mfa.expose_secret(), b"totp-5");
    let status = capped.key_status().await.expect("status");
    let instance_keys = status.instance_keys_by_master_version.get(&1);
    assert!(
        instance_keys.is_some_and(|n| *n >= 2),
        "the instance key was rotated: {status:?}"
    );
}

on_both_backends!(a_data_key_at_its_seal_cap_is_rotated_before_it_seals_again);
