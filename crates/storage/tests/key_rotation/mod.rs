//! Master keys and key rotation, on SQLite and PostgreSQL alike.

mod under_load;
mod usage_cap;

use crate::support::TestDb;
use crate::support::sealed::*;
use chrono::{TimeDelta, Utc};
use flowsense_core::{PlannedFlow, Repeat};
use flowsense_storage::{
    CryptoError, Keyring, NewOAuthState, NewPlannedItem, StorageError, StoredNarratives,
};
use flowsense_test_support::on_both_backends;
use secrecy::ExposeSecret;

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
    // A Xero connect in flight: its PKCE verifier is sealed with the organisation's key too.
    let now = Utc::now();
    let state_hash = vec![7u8; 32];
    store
        .create_oauth_state(&NewOAuthState {
            state_hash: state_hash.clone(),
            session_hash: vec![1u8; 32],
            org: a,
            user: who,
            provider: "xero".into(),
            pkce_verifier: Some(secret("verifier-of-a")),
            created_at: now,
            expires_at: now + TimeDelta::minutes(15),
        })
        .await
        .expect("oauth state");

    // Its insight narratives, sealed with its key.
    let narratives = StoredNarratives {
        org: a,
        books_version: 3,
        provider: "anthropic".into(),
        model: "claude-sonnet-4-6".into(),
        content: br#"{"items":[]}"#.to_vec(),
        // Whole seconds: PostgreSQL keeps microseconds.
        written_at: "2026-12-04T17:00:00Z".parse().expect("time"),
    };
    store
        .save_narratives(&narratives)
        .await
        .expect("narratives");

    // A planned amount's name, and a saved scenario's name and inputs.
    let planned = store
        .add_planned_item(
            a,
            &NewPlannedItem {
                name: "Sales tax".into(),
                flow: PlannedFlow {
                    first: "2027-01-15".parse().expect("date"),
                    amount: -500_000,
                    repeat: Repeat::Quarterly,
                    until: None,
                    confidence_percent: 100,
                },
                created_by: Some(who),
            },
        )
        .await
        .expect("planned");
    let scenario = store
        .save_scenario(a, Some(who), "Hire", br#"{"monthly_amount":"4000"}"#)
        .await
        .expect("scenario");

    let r = store.rotate_org_data_key(a).await.expect("rotate");
    assert_eq!((r.new_version, r.retired_versions.clone()), (2, vec![1]));
    // 2 tokens + 1 title + 3 messages + 1 secret + 1 PKCE verifier + 1 narrative set
    // + 1 planned name + a scenario's name and inputs.
    assert_eq!(r.fields_reencrypted, 12);
    assert_eq!(store.planned_items(a).await.expect("read"), vec![planned]);
    assert_eq!(
        store.saved_scenarios(a).await.expect("read"),
        vec![scenario]
    );
    assert_eq!(
        store.narratives(a).await.expect("read").as_ref(),
        Some(&narratives),
        "the narratives open under the new key"
    );
    assert_eq!(store.narratives(b).await.expect("read"), None);
    let taken = store
        .take_oauth_state(&state_hash, now)
        .await
        .expect("take")
        .expect("still there");
    assert_eq!(
        taken.pkce_verifier.expect("verifier").expose_secret(),
        "verifier-of-a",
        "the verifier opens under the new key"
    );
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
    assert_eq!(r2.fields_reencrypted, 12);
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

on_both_backends!(
    a_wrong_or_missing_master_key_is_refused_at_open,
    master_rotation_rewraps_every_key_and_an_interrupted_one_resumes,
    org_data_key_rotation_reencrypts_the_orgs_fields,
);
