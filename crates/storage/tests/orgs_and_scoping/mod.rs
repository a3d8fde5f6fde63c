//! Organisations, users and roles; migrations recorded; every query scoped to its organisation.

use super::*;

mod swaps;

async fn migrations_are_recorded_and_a_missing_one_is_pending(db: &TestDb) {
    let applied = db.store.applied_migrations().await.unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("0001_init"));
    assert_eq!(db.store.pending_migrations().await.unwrap(), [""; 0]);
    // A database that missed this build's newest migration is not current.
    let newest = applied.last().unwrap();
    let version: i64 = newest[..4].parse().unwrap();
    let deleted = db
        .execute_raw(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {version}"
        ))
        .await;
    assert_eq!(deleted, 1);
    assert_eq!(
        db.store.pending_migrations().await.unwrap(),
        std::slice::from_ref(newest)
    );
}

async fn orgs_users_and_roles(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "acme").await;
    assert!(matches!(
        s.create_org(&NewOrg {
            slug: "acme".into(),
            name: "dup".into(),
            settings: OrgSettings::with_currency(Currency::EUR)
        })
        .await,
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(s.org_by_slug_across_orgs("acme").await.unwrap().id, a);
    assert!(matches!(
        s.org_by_slug_across_orgs("nope").await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.org(OrgId::new()).await,
        Err(StorageError::NotFound)
    ));

    let u = s
        .create_user(&NewUser {
            email: "Ana@Example.com".into(),
            display_name: "Ana".into(),
            password_hash: "$argon2id$x".into(),
        })
        .await
        .unwrap();
    assert_eq!(u.email, "ana@example.com");
    assert!(
        !format!("{u:?}").contains("argon2"),
        "Debug must not print the hash"
    );
    assert_eq!(
        s.user_by_email("ANA@example.com ")
            .await
            .unwrap()
            .unwrap()
            .id,
        u.id
    );
    assert!(s.user_by_email("bob@example.com").await.unwrap().is_none());
    assert!(matches!(
        s.create_user(&NewUser {
            email: "ana@example.com".into(),
            display_name: "x".into(),
            password_hash: "h".into()
        })
        .await,
        Err(StorageError::Conflict(_))
    ));

    assert_eq!(s.role_in(a, u.id).await.unwrap(), None);
    s.set_membership(a, u.id, Role::Viewer).await.unwrap();
    s.set_membership(a, u.id, Role::Admin).await.unwrap();
    assert_eq!(s.role_in(a, u.id).await.unwrap(), Some(Role::Admin));
    assert_eq!(s.members(a).await.unwrap().len(), 1);
    assert_eq!(s.memberships_of(u.id).await.unwrap()[0].org_id, a);

    let before = s.org(a).await.unwrap();
    let mut settings = before.settings;
    settings.retention_days = 30;
    settings.redact_names = true;
    s.update_org_name_and_settings(a, &before.name, &settings)
        .await
        .unwrap();
    assert_eq!(s.org(a).await.unwrap().settings, settings);
}

async fn tenant_scoping_holds_for_every_query(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let user = s
        .create_user(&NewUser {
            email: "x@example.com".into(),
            display_name: "X".into(),
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    s.set_membership(b, user.id, Role::Admin).await.unwrap();
    let ev = NewAuditEvent {
        actor: Some(user.id),
        action: "auth.sign_in".into(),
        target: "user".into(),
        ip: "127.0.0.1".into(),
        details: serde_json::json!({}),
    };
    s.record_audit(b, &ev).await.unwrap();

    // Transactions: list (with every filter, including b's own values), count.
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                limit: 500,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 40);
    assert!(
        page.items
            .iter()
            .all(|t| t.counterparty == "Acme" && t.account == "Operating")
    );
    for f in [
        TxnFilter {
            counterparty: Some("Secret Supplier".into()),
            limit: 500,
            ..TxnFilter::default()
        },
        TxnFilter {
            account: Some("Main".into()),
            limit: 500,
            ..TxnFilter::default()
        },
        TxnFilter {
            text: Some("secret".into()),
            limit: 500,
            ..TxnFilter::default()
        },
    ] {
        assert!(
            s.list_transactions(a, &f).await.unwrap().items.is_empty(),
            "{f:?} leaked"
        );
    }
    assert_eq!(s.count_transactions(a).await.unwrap(), 40);
    assert_eq!(s.count_transactions(b).await.unwrap(), 25);
    // Accounts, books, members, roles, audit.
    let names: Vec<_> = s
        .bank_accounts(a)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.name)
        .collect();
    assert_eq!(names, vec!["Operating".to_string()]);
    let books = s.load_books(a).await.unwrap();
    assert_eq!(books.txns.len(), 40);
    assert!(books.counterparties.get("Secret Supplier").is_none());
    assert!(s.members(a).await.unwrap().is_empty());
    assert_eq!(s.role_in(a, user.id).await.unwrap(), None);
    assert!(s.audit_events(a, 100).await.unwrap().is_empty());
    assert_eq!(s.audit_events(b, 100).await.unwrap().len(), 1);
    // Importing into a with b's external ids adds a's own rows: ids are per organisation.
    let rows_b_ids: Vec<_> = (0..3).map(|n| txn(n, "Operating", 1, "Acme")).collect();
    let mut imp = s.begin_import(a, &meta("again.csv")).await.unwrap();
    assert_eq!(
        imp.add_transactions(&rows_b_ids).await.unwrap(),
        0,
        "a already has ext-0..2"
    );
    imp.abandon().await.unwrap();
    // Deleting a leaves b whole.
    s.delete_org(a).await.unwrap();
    assert!(matches!(s.delete_org(a).await, Err(StorageError::NotFound)));
    assert_eq!(s.count_transactions(b).await.unwrap(), 25);
    assert_eq!(s.count_transactions(a).await.unwrap(), 0);
}

use swaps::swapped_object_ids_find_nothing_and_change_nothing;

crate::on_both_backends!(
    migrations_are_recorded_and_a_missing_one_is_pending,
    orgs_users_and_roles,
    tenant_scoping_holds_for_every_query,
    swapped_object_ids_find_nothing_and_change_nothing,
);
