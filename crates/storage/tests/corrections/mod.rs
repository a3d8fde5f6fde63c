//! The owner's corrections and rules: kept beside the source's values, scoped to the
//! organisation, applied to new imports and (when asked) to the past, and read by the books.

use super::*;
use flowsense_core::FlowClass;
use flowsense_storage::{Correction, NewRule};

async fn first_id(s: &Store, org: OrgId, counterparty: &str) -> i64 {
    s.list_transactions(
        org,
        &TxnFilter {
            counterparty: Some(counterparty.into()),
            limit: 1,
            ..TxnFilter::default()
        },
    )
    .await
    .unwrap()
    .items[0]
        .id
}

async fn a_correction_is_kept_apart_scoped_and_read_by_the_books(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let id = first_id(s, a, "Acme").await;
    let version = s.org(a).await.unwrap().books_version;
    s.correct_transaction(
        a,
        id,
        &Correction {
            category: Some("Owner contribution".into()),
            counterparty: Some("Jo Owner".into()),
            class: Some(FlowClass::Financing),
        },
    )
    .await
    .unwrap();
    assert!(
        s.org(a).await.unwrap().books_version > version,
        "reports follow"
    );
    let names = s.transaction_names(a, id).await.unwrap();
    assert_eq!(names.category, "Sales");
    assert_eq!(names.effective_category(), "Owner contribution");
    assert_eq!(names.effective_counterparty(), "Jo Owner");
    assert_eq!(names.effective_class(), FlowClass::Financing);

    // Another organisation's id is not found, and changes nothing.
    let err = s
        .correct_transaction(b, id, &Correction::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound), "{err:?}");
    assert!(matches!(
        s.transaction_names(b, id).await.unwrap_err(),
        StorageError::NotFound
    ));
    assert_eq!(
        s.transaction_names(a, id)
            .await
            .unwrap()
            .effective_category(),
        "Owner contribution"
    );

    // The list and its filters use the corrected names, with the source's beside them.
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                category: Some("Owner contribution".into()),
                limit: 10,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let t = &page.items[0];
    assert_eq!(
        (t.counterparty.as_str(), t.source_counterparty.as_deref()),
        ("Jo Owner", Some("Acme"))
    );
    assert_eq!(t.source_category.as_deref(), Some("Sales"));
    assert_eq!(t.class, FlowClass::Financing);

    // The analytics engine sees it as owner money.
    let books = s.load_books(a).await.unwrap();
    let txn = books.txns.iter().find(|t| t.id == id).unwrap();
    assert_eq!(books.categories.name(txn.category), "Owner contribution");
    assert_eq!(txn.class(), FlowClass::Financing);
    let others = books.txns.iter().filter(|t| t.id != id);
    assert!(
        others
            .into_iter()
            .all(|t| t.class() == FlowClass::Operating)
    );

    // Clearing the correction brings the source's values back.
    s.correct_transaction(a, id, &Correction::default())
        .await
        .unwrap();
    let names = s.transaction_names(a, id).await.unwrap();
    assert_eq!(
        (names.effective_category(), names.effective_class()),
        ("Sales", FlowClass::Operating)
    );
}

async fn rules_apply_to_new_imports_and_when_asked_to_the_past(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let (rule, changed) = s
        .save_rule(
            a,
            &NewRule {
                counterparty: "Acme".into(),
                category: Some("Consulting".into()),
                counterparty_name: None,
                class: None,
                apply_to_past: false,
                created_by: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed, 0);
    let consulting = |org| async move {
        s.list_transactions(
            org,
            &TxnFilter {
                category: Some("Consulting".into()),
                limit: 500,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap()
        .items
        .len()
    };
    assert_eq!(
        consulting(a).await,
        0,
        "the past stays without apply_to_past"
    );
    let new_rows: Vec<_> = (100..110)
        .map(|n| txn(n, "Operating", 2_000, "Acme"))
        .chain((110..113).map(|n| txn(n, "Operating", 2_000, "Other Co")))
        .collect();
    assert_eq!(import(s, a, &new_rows).await, 13);
    assert_eq!(consulting(a).await, 10, "new imports follow the rule");

    // Applied to the past: the 40 earlier rows as well; the other organisation's untouched.
    let (again, changed) = s
        .save_rule(
            a,
            &NewRule {
                counterparty: "Acme".into(),
                category: Some("Consulting".into()),
                counterparty_name: None,
                class: Some(FlowClass::Operating),
                apply_to_past: true,
                created_by: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(again, rule, "one rule per counterparty");
    assert_eq!(changed, 50);
    assert_eq!(consulting(a).await, 50);
    assert_eq!(consulting(b).await, 0);
    let rules = s.rules(a).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert!(rules[0].applied_to_past);
    assert!(s.rules(b).await.unwrap().is_empty());

    // Deleting: not from another organisation; what the rule changed stays.
    assert!(matches!(
        s.delete_rule(b, rule).await.unwrap_err(),
        StorageError::NotFound
    ));
    s.delete_rule(a, rule).await.unwrap();
    assert!(s.rules(a).await.unwrap().is_empty());
    assert_eq!(consulting(a).await, 50);
    let later: Vec<_> = (200..203)
        .map(|n| txn(n, "Operating", 2_000, "Acme"))
        .collect();
    import(s, a, &later).await;
    assert_eq!(consulting(a).await, 50, "a deleted rule names nothing new");
}

crate::on_both_backends!(
    a_correction_is_kept_apart_scoped_and_read_by_the_books,
    rules_apply_to_new_imports_and_when_asked_to_the_past,
);
