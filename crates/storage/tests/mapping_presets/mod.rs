//! Column mappings saved per bank account: one per account of the organisation's own, replaced
//! when saved again, never reachable with another organisation's account id, kept only if the
//! import that saves one commits, gone with the account, and part of the organisation's export.

use super::*;
use flowsense_storage::NewMappingPreset;

fn preset(map: &str) -> NewMappingPreset<'_> {
    NewMappingPreset {
        column_map: map,
        date_format: Some("DD/MM/YYYY"),
        updated_by: None,
    }
}

async fn account_id(s: &Store, org: OrgId, name: &str) -> i64 {
    s.bank_accounts(org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .expect("account")
        .id
}

async fn a_mapping_is_saved_per_account_and_stays_in_its_organisation(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let ops = account_id(s, a, "Operating").await;
    let theirs = account_id(s, b, "Main").await;
    assert_eq!(s.mapping_preset(a, ops).await.unwrap(), None);

    s.save_mapping_preset(a, ops, &preset("date=Posted,amount=Amt"))
        .await
        .unwrap();
    let saved = s.mapping_preset(a, ops).await.unwrap().expect("saved");
    assert_eq!(
        (
            saved.account_name.as_str(),
            saved.column_map.as_str(),
            saved.date_format.as_deref()
        ),
        ("Operating", "date=Posted,amount=Amt", Some("DD/MM/YYYY"))
    );
    assert_eq!(
        s.mapping_preset_named(a, "Operating").await.unwrap(),
        Some(saved)
    );

    // Saved again, it replaces the first.
    let again = NewMappingPreset {
        date_format: None,
        ..preset("date=Booked,amount=Value")
    };
    s.save_mapping_preset(a, ops, &again).await.unwrap();
    let saved = s.mapping_preset(a, ops).await.unwrap().expect("saved");
    assert_eq!(
        (saved.column_map.as_str(), saved.date_format),
        ("date=Booked,amount=Value", None)
    );

    // Another organisation's account is not found, to save or to read, from either side.
    assert!(matches!(
        s.save_mapping_preset(a, theirs, &preset("date=X,amount=Y"))
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.save_mapping_preset(a, i64::MAX, &preset("date=X,amount=Y"))
            .await,
        Err(StorageError::NotFound)
    ));
    assert_eq!(s.mapping_preset(b, ops).await.unwrap(), None);
    assert_eq!(s.mapping_preset(b, theirs).await.unwrap(), None);
    assert_eq!(s.mapping_preset_named(b, "Operating").await.unwrap(), None);

    // It goes out with the organisation's export, and only with its own.
    let tables = s.export_org_tables(a).await.unwrap();
    assert_eq!(tables.mapping_presets.len(), 1);
    assert_eq!(tables.mapping_presets[0].account_id, ops);
    assert!(
        s.export_org_tables(b)
            .await
            .unwrap()
            .mapping_presets
            .is_empty()
    );

    assert!(s.delete_mapping_preset(a, ops).await.unwrap());
    assert!(!s.delete_mapping_preset(a, ops).await.unwrap());
    assert_eq!(s.mapping_preset(a, ops).await.unwrap(), None);
}

async fn a_mapping_saved_with_an_import_is_kept_only_if_it_commits(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    let mut imp = s.begin_import(a, &meta("bank.csv")).await.unwrap();
    imp.add_transactions(&[txn(1, "Operating", 100, "Acme")])
        .await
        .unwrap();
    // The account the rows created in this transaction is found; one no row named is not.
    assert!(
        imp.save_mapping_preset("Operating", &preset("date=D,amount=A"))
            .await
            .unwrap()
    );
    assert!(
        !imp.save_mapping_preset("Savings", &preset("date=D,amount=A"))
            .await
            .unwrap()
    );
    imp.abandon().await.unwrap();
    assert_eq!(s.mapping_preset_named(a, "Operating").await.unwrap(), None);

    let mut imp = s.begin_import(a, &meta("bank.csv")).await.unwrap();
    imp.add_transactions(&[txn(1, "Operating", 100, "Acme")])
        .await
        .unwrap();
    assert!(
        imp.save_mapping_preset("Operating", &preset("date=D,amount=A"))
            .await
            .unwrap()
    );
    imp.commit().await.unwrap();
    let saved = s
        .mapping_preset_named(a, "Operating")
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(saved.column_map, "date=D,amount=A");
}

async fn a_pending_upload_is_sealed_its_uploaders_alone_taken_once_and_expires(db: &TestDb) {
    use chrono::{TimeDelta, TimeZone, Utc};
    use flowsense_storage::{NewPendingUpload, NewUser};
    let s = &db.store;
    let (a, b) = (org(s, "alpha").await, org(s, "bravo").await);
    let mut users = Vec::new();
    for email in ["up@x.test", "other@x.test"] {
        let u = s
            .create_user(&NewUser {
                email: email.into(),
                display_name: "U".into(),
                password_hash: "x".into(),
            })
            .await
            .unwrap()
            .id;
        users.push(u);
    }
    let (uploader, other) = (users[0], users[1]);
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let canary = "Booked,Value\n01/03/2026,PENDING-CANARY-7731\n";
    let new = |id| NewPendingUpload {
        id,
        org: a,
        user: uploader,
        file_name: "bank.csv",
        sha256: "ab",
        content: canary.as_bytes(),
        created_at: now,
        expires_at: now + TimeDelta::minutes(30),
    };
    let first = uuid::Uuid::new_v4();
    s.create_pending_upload(&new(first)).await.unwrap();
    // Stored sealed only.
    assert!(!crate::support::sealed::contains(
        &crate::support::sealed::everything_stored(db).await,
        "PENDING-CANARY-7731"
    ));
    let read = s
        .pending_upload(a, first, uploader, now)
        .await
        .unwrap()
        .expect("pending");
    assert_eq!(
        (read.file_name.as_str(), &read.content[..]),
        ("bank.csv", canary.as_bytes())
    );
    // Not another person's, nor another organisation's; not once expired.
    assert!(
        s.pending_upload(a, first, other, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.pending_upload(b, first, uploader, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.take_pending_upload(b, first, uploader, now)
            .await
            .unwrap()
            .is_none()
    );
    let later = now + TimeDelta::minutes(31);
    assert!(
        s.pending_upload(a, first, uploader, later)
            .await
            .unwrap()
            .is_none()
    );

    // The next upload replaces the first; it is taken once.
    let second = uuid::Uuid::new_v4();
    s.create_pending_upload(&new(second)).await.unwrap();
    assert!(
        s.pending_upload(a, first, uploader, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.take_pending_upload(a, second, uploader, now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        s.take_pending_upload(a, second, uploader, now)
            .await
            .unwrap()
            .is_none()
    );

    // The clean-up removes what expired, and nothing else.
    let third = uuid::Uuid::new_v4();
    s.create_pending_upload(&new(third)).await.unwrap();
    assert_eq!(
        s.delete_expired_pending_uploads_across_orgs(now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.delete_expired_pending_uploads_across_orgs(later)
            .await
            .unwrap(),
        1
    );
    assert!(
        s.pending_upload(a, third, uploader, now)
            .await
            .unwrap()
            .is_none()
    );
}

crate::on_both_backends!(
    a_mapping_is_saved_per_account_and_stays_in_its_organisation,
    a_mapping_saved_with_an_import_is_kept_only_if_it_commits,
    a_pending_upload_is_sealed_its_uploaders_alone_taken_once_and_expires,
);
