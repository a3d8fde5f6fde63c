//! Planned amounts and saved scenarios: sealed names, scoped to their organisation, and the books
//! version moving with every planned change so cached forecasts follow.

use crate::support::TestDb;
use crate::support::sealed::*;
use chrono::NaiveDate;
use flowsense_core::{PlannedFlow, Repeat};
use flowsense_storage::{NewPlannedItem, StorageError};
use flowsense_test_support::on_both_backends;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn tax_bill(name: &str) -> NewPlannedItem {
    NewPlannedItem {
        name: name.into(),
        flow: PlannedFlow {
            first: day(2027, 1, 15),
            amount: -1_250_000,
            repeat: Repeat::Quarterly,
            until: Some(day(2027, 12, 31)),
            confidence_percent: 90,
        },
        created_by: None,
    }
}

async fn planned_items_are_sealed_scoped_and_move_the_books_version(db: &TestDb) {
    let store = &db.store;
    let who = user(store, "pat@example.com").await;
    let (a, b) = (org(store, "alpha").await, org(store, "bravo").await);
    let version = |org| async move { store.org(org).await.unwrap().books_version };
    let (a0, b0) = (version(a).await, version(b).await);

    let mut item = tax_bill(&format!("Sales tax {CANARY}"));
    item.created_by = Some(who);
    let added = store.add_planned_item(a, &item).await.unwrap();
    let order = NewPlannedItem {
        name: "Big order".into(),
        flow: PlannedFlow {
            first: day(2026, 12, 20),
            amount: 4_000_000,
            repeat: Repeat::None,
            until: None,
            confidence_percent: 50,
        },
        created_by: None,
    };
    store.add_planned_item(a, &order).await.unwrap();
    assert_eq!(version(a).await, a0 + 2, "each addition moves the version");
    assert_eq!(
        version(b).await,
        b0,
        "the other organisation's version stays"
    );

    // Listed by date with names opened; the books carry the flows for the forecast.
    let listed = store.planned_items(a).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].name, "Big order");
    assert_eq!(listed[1], added);
    assert_eq!(listed[1].flow, item.flow);
    assert!(
        !format!("{listed:?}").contains(CANARY),
        "Debug leaks the name"
    );
    assert!(
        !format!("{listed:?}").contains("1250000"),
        "Debug leaks the amount"
    );
    let books = store.load_books(a).await.unwrap();
    assert_eq!(books.planned, vec![order.flow, item.flow]);
    assert!(store.planned_items(b).await.unwrap().is_empty());
    assert!(store.load_books(b).await.unwrap().planned.is_empty());
    assert!(
        !contains(&everything_stored(db).await, CANARY),
        "the name is stored sealed"
    );

    // Another organisation cannot remove it; its own can, once.
    assert!(matches!(
        store.delete_planned_item(b, added.id).await,
        Err(StorageError::NotFound)
    ));
    assert_eq!(version(b).await, b0);
    store.delete_planned_item(a, added.id).await.unwrap();
    assert_eq!(version(a).await, a0 + 3);
    assert!(matches!(
        store.delete_planned_item(a, added.id).await,
        Err(StorageError::NotFound)
    ));
    assert_eq!(store.planned_items(a).await.unwrap().len(), 1);

    // Saved scenarios: sealed name and inputs, scoped, removable once; the books stay put.
    let v = version(a).await;
    let saved = store
        .save_scenario(
            a,
            Some(who),
            &format!("Hire {CANARY}"),
            br#"{"delay_days":"30"}"#,
        )
        .await
        .unwrap();
    let second = store
        .save_scenario(a, None, "Lose a customer", br#"{"drop":"x"}"#)
        .await
        .unwrap();
    assert_eq!(version(a).await, v, "a saved what-if is not the books");
    let listed = store.saved_scenarios(a).await.unwrap();
    assert_eq!(listed, vec![saved.clone(), second]);
    assert_eq!(listed[0].inputs, br#"{"delay_days":"30"}"#);
    assert!(!format!("{listed:?}").contains(CANARY));
    assert!(store.saved_scenarios(b).await.unwrap().is_empty());
    assert!(!contains(&everything_stored(db).await, CANARY));
    assert!(matches!(
        store.delete_saved_scenario(b, saved.id).await,
        Err(StorageError::NotFound)
    ));
    store.delete_saved_scenario(a, saved.id).await.unwrap();
    assert_eq!(store.saved_scenarios(a).await.unwrap().len(), 1);
}

on_both_backends!(planned_items_are_sealed_scoped_and_move_the_books_version);
