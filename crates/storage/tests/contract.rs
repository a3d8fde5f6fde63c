//! The storage contract, run on SQLite and on PostgreSQL alike: the one integration-test binary
//! of the storage crate (books, tenancy, identity, sealing and key rotation, the job queue,
//! retention, PostgreSQL's row-level security, whole-file SQLite encryption).

// Shared bodies run by `on_both_backends!` and seeding helpers are not `#[test]` functions, so
// clippy's allow-unwrap-in-tests does not reach them.
#![allow(clippy::unwrap_used)]

mod ai_calls;
mod audit_chain;
mod books;
mod classification;
mod connections;
mod corrections;
mod crypto;
mod identity;
mod jobs;
mod key_rotation;
mod mapping_presets;
mod orgs_and_scoping;
mod own_data;
mod planned;
mod postgres_wall;
mod rates;
mod retention;
mod search;
#[cfg(feature = "sqlcipher")]
mod sqlcipher;
mod support;
mod synced;

use ai_calls::{
    ai_calls_are_recorded_summed_per_month_and_purged,
    the_narrative_key_is_released_once_a_worker_takes_the_job,
};
use audit_chain::{
    a_chain_of_events_verifies_and_a_changed_field_is_flagged_at_its_row,
    concurrent_appends_from_two_instances_leave_one_valid_chain,
    removed_inserted_and_reordered_events_are_flagged_at_their_rows,
    the_purge_removes_old_events_and_keeps_the_rest_verifiable,
};
use chrono::NaiveDate;
use connections::{
    a_pending_grant_is_bound_to_its_session_and_taken_once,
    a_tenant_is_found_in_every_organisation_that_connected_it,
    a_webhook_delivery_is_recorded_once_and_purged,
    an_oauth_state_is_taken_once_and_not_after_it_expired,
    another_organisations_connection_is_not_found,
    connecting_saves_sealed_tokens_and_queues_the_first_sync,
};
use flowsense_core::{Currency, DocKind, OrgId, Role};
use flowsense_storage::{
    ImportMeta, NewAuditEvent, NewDocument, NewOrg, NewTransaction, NewUser, OrgSettings,
    StorageError, Store, TxnCursor, TxnFilter,
};
use flowsense_test_support::on_both_backends;
use jobs::{
    a_job_enqueued_in_an_import_exists_only_if_the_import_commits,
    a_second_enqueue_with_the_same_key_returns_the_first_job,
    an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing,
    claims_lease_renew_and_complete, cron_nonces_are_accepted_once_and_purged,
    failures_back_off_then_the_job_is_dead_with_its_last_error,
    operators_retry_cancel_count_and_hand_back, the_clean_up_removes_exactly_what_expired,
};
use own_data::{
    deleting_an_account_removes_its_rows_and_keeps_every_organisation_an_admin,
    notification_prefs_are_per_membership,
};
use support::TestDb;
use synced::{
    a_completed_full_read_sweeps_only_its_own_unseen_rows,
    a_resync_keeps_the_owners_corrections_and_rules_name_new_rows,
    a_synced_page_applies_once_with_its_cursor_and_only_for_its_organisation,
    the_sync_key_is_released_once_a_worker_takes_the_job,
    token_rotation_is_leased_and_compare_and_swapped,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

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

fn txn(n: u32, account: &str, amount: i64, counterparty: &str) -> NewTransaction {
    NewTransaction {
        account: account.into(),
        posted_on: day(2026, 1 + (n % 12), 1 + (n % 28)),
        amount_minor: amount,
        currency: "USD".into(),
        original_amount_minor: amount,
        original_currency: "USD".into(),
        counterparty: counterparty.into(),
        description: format!("Payment {n} to {counterparty}"),
        category: if amount > 0 { "Sales" } else { "Software" }.into(),
        is_transfer: false,
        external_id: format!("ext-{n}"),
    }
}

fn meta(name: &str) -> ImportMeta {
    ImportMeta {
        file_name: name.into(),
        format: "csv".into(),
        sha256: "00".repeat(32),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    }
}

async fn import(store: &Store, org: OrgId, rows: &[NewTransaction]) -> u64 {
    let mut imp = store
        .begin_import(org, &meta("t.csv"))
        .await
        .expect("begin");
    imp.add_transactions(rows).await.expect("add");
    imp.commit().await.expect("commit").rows_added
}

/// Two organisations with similar books, to try to cross.
async fn two_orgs(store: &Store) -> (OrgId, OrgId) {
    let a = org(store, "alpha").await;
    let b = org(store, "bravo").await;
    let rows_a: Vec<_> = (0..40)
        .map(|n| txn(n, "Operating", 1000 + i64::from(n), "Acme"))
        .collect();
    let rows_b: Vec<_> = (0..25)
        .map(|n| txn(n, "Main", -500 - i64::from(n), "Secret Supplier"))
        .collect();
    assert_eq!(import(store, a, &rows_a).await, 40);
    assert_eq!(import(store, b, &rows_b).await, 25);
    (a, b)
}

#[tokio::test]
async fn a_missing_sqlite_file_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/typo.db", dir.path().display());
    let err = Store::open(&url, &flowsense_storage::OpenOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("typo.db").exists());
    let err = Store::open("mysql://x", &flowsense_storage::OpenOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("FLOWSENSE_DATABASE_URL"), "{err}");
}

/// On SQLite, a transaction that reads before it writes waits its turn while another connection
/// holds the write lock, instead of failing at once with "database is locked"; and a read waits
/// for no writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(
    clippy::disallowed_methods,
    reason = "holds SQLite's write lock from a connection outside the store"
)]
async fn on_sqlite_a_writer_waits_for_another_and_a_reader_for_none() {
    use sqlx::Connection;
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let a = org(&store, "alpha").await;
    let b = org(&store, "bravo").await;
    let mut other = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();

    // `delete_org` reads that the organisation exists, then deletes.
    let deleting = tokio::spawn({
        let store = store.clone();
        async move { store.delete_org(a).await }
    });
    // A read of another organisation is answered while the lock is held.
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.org_by_slug_across_orgs("bravo"),
    )
    .await
    .expect("a read does not wait for a writer")
    .unwrap();
    assert_eq!(read.id, b);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!deleting.is_finished(), "the deletion waits for the lock");

    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    deleting
        .await
        .unwrap()
        .expect("deleted once the lock is free");
    assert!(store.org_by_slug_across_orgs("alpha").await.is_err());
}

on_both_backends!(
    a_chain_of_events_verifies_and_a_changed_field_is_flagged_at_its_row,
    removed_inserted_and_reordered_events_are_flagged_at_their_rows,
    concurrent_appends_from_two_instances_leave_one_valid_chain,
    the_purge_removes_old_events_and_keeps_the_rest_verifiable,
    a_resync_keeps_the_owners_corrections_and_rules_name_new_rows,
    ai_calls_are_recorded_summed_per_month_and_purged,
    the_narrative_key_is_released_once_a_worker_takes_the_job,
    a_synced_page_applies_once_with_its_cursor_and_only_for_its_organisation,
    a_completed_full_read_sweeps_only_its_own_unseen_rows,
    token_rotation_is_leased_and_compare_and_swapped,
    the_sync_key_is_released_once_a_worker_takes_the_job,
    notification_prefs_are_per_membership,
    deleting_an_account_removes_its_rows_and_keeps_every_organisation_an_admin,
    a_second_enqueue_with_the_same_key_returns_the_first_job,
    a_job_enqueued_in_an_import_exists_only_if_the_import_commits,
    claims_lease_renew_and_complete,
    an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing,
    failures_back_off_then_the_job_is_dead_with_its_last_error,
    operators_retry_cancel_count_and_hand_back,
    cron_nonces_are_accepted_once_and_purged,
    the_clean_up_removes_exactly_what_expired,
    connecting_saves_sealed_tokens_and_queues_the_first_sync,
    another_organisations_connection_is_not_found,
    a_tenant_is_found_in_every_organisation_that_connected_it,
    an_oauth_state_is_taken_once_and_not_after_it_expired,
    a_pending_grant_is_bound_to_its_session_and_taken_once,
    a_webhook_delivery_is_recorded_once_and_purged,
);
