//! The audit log's hash chain (SECURITY-CHECKLIST H3), on both backends: a chain of events
//! verifies; an event changed, removed, inserted or moved around the store (by someone holding
//! the database, with the append-only trigger out of the way) is flagged at its row; appends
//! from two instances at once leave one valid chain; the retention purge keeps the rest
//! verifiable; and the application cannot change or delete an event.

use crate::support::TestDb;
use chrono::{DateTime, Days, Utc};
use flowsense_core::{Currency, OrgId};
use flowsense_storage::{BreakKind, NewAuditEvent, NewOrg, OrgSettings, Store};

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

fn event(n: usize) -> NewAuditEvent {
    NewAuditEvent {
        actor: None,
        action: format!("test.event_{n}"),
        target: format!("user:{n}"),
        ip: "192.0.2.7".into(),
        details: serde_json::json!({ "n": n }),
    }
}

/// Records `n` events in `org`; returns the ids of all its events, oldest first.
async fn record(store: &Store, org: OrgId, n: usize) -> Vec<i64> {
    for i in 0..n {
        store.record_audit(org, &event(i)).await.expect("record");
    }
    ids(store, org).await
}

async fn ids(store: &Store, org: OrgId) -> Vec<i64> {
    let mut ids: Vec<i64> = store
        .audit_events(org, 1000)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Runs `statement` around the store with the append-only trigger out of the way, as the
/// holder of the database (the file's owner, or a PostgreSQL superuser) could.
async fn tamper(db: &TestDb, statement: &str) -> u64 {
    if db.is_sqlite() {
        db.execute_raw("DROP TRIGGER IF EXISTS audit_events_append_only")
            .await;
    } else {
        db.execute_raw("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
            .await;
    }
    db.execute_raw(statement).await
}

/// Runs `statement` around the store, as the holder of the database, returning the error.
#[expect(
    clippy::disallowed_methods,
    reason = "a raw connection around the store is the point here"
)]
async fn try_raw(db: &TestDb, statement: &str) -> Result<u64, String> {
    use sqlx::Connection;
    let statement = sqlx::AssertSqlSafe(statement.to_owned());
    let done = if db.is_sqlite() {
        let mut c = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("connect");
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .map(|d| d.rows_affected())
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .map(|d| d.rows_affected())
    };
    done.map_err(|e| e.to_string())
}

async fn assert_verifies(store: &Store, org: OrgId, events: u64) {
    let report = store.verify_audit_chain(org).await.expect("verify");
    assert_eq!(report.broken, None, "the chain verifies");
    assert_eq!(report.verified, events);
}

async fn assert_broken_at(store: &Store, org: OrgId, id: i64, kind: BreakKind) {
    let report = store.verify_audit_chain(org).await.expect("verify");
    let broken = report.broken.expect("the chain is broken");
    assert_eq!(
        (broken.org, broken.event_id, broken.kind),
        (org, id, kind),
        "{}",
        broken.detail
    );
}

pub async fn a_chain_of_events_verifies_and_a_changed_field_is_flagged_at_its_row(db: &TestDb) {
    let store = &db.store;
    let (a, b) = (org(store, "a").await, org(store, "b").await);
    let fresh = store.verify_audit_chain(a).await.expect("verify");
    assert_eq!((fresh.verified, fresh.broken), (0, None), "an empty chain");
    let ids = record(store, a, 5).await;
    record(store, b, 3).await;
    assert_verifies(store, a, 5).await;
    assert_verifies(store, b, 3).await;

    // One field of the third event, changed around the store: flagged there, and only in its
    // own organisation's chain.
    tamper(
        db,
        &format!(
            "UPDATE audit_events SET target = 'user:someone-else' WHERE id = {}",
            ids[2]
        ),
    )
    .await;
    assert_broken_at(store, a, ids[2], BreakKind::Changed).await;
    assert_verifies(store, b, 3).await;

    // Every field counts: the time, moved by a microsecond, on a chain that verified.
    let c = org(store, "c").await;
    let ids = record(store, c, 3).await;
    assert_verifies(store, c, 3).await;
    let later = if db.is_sqlite() {
        // SQLite stores the time as text: rewrite it one microsecond on.
        let at = store.audit_events(c, 10).await.expect("events")[1].created_at;
        let at = at + chrono::TimeDelta::microseconds(1);
        format!(
            "'{}'",
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    } else {
        "created_at + INTERVAL '1 microsecond'".to_owned()
    };
    tamper(
        db,
        &format!(
            "UPDATE audit_events SET created_at = {later} WHERE id = {}",
            ids[1]
        ),
    )
    .await;
    assert_broken_at(store, c, ids[1], BreakKind::Changed).await;

    // The trigger refuses a change made without taking it out of the way first.
    let d = org(store, "d").await;
    let ids = record(store, d, 1).await;
    if db.is_sqlite() {
        db.execute_raw(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        )
        .await;
    } else {
        db.execute_raw("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
            .await;
    }
    let refused = try_raw(
        db,
        &format!("UPDATE audit_events SET action = 'x' WHERE id = {}", ids[0]),
    )
    .await
    .expect_err("the append-only trigger refuses an UPDATE");
    assert!(refused.contains("append-only"), "{refused}");
    assert_verifies(store, d, 1).await;
}

pub async fn removed_inserted_and_reordered_events_are_flagged_at_their_rows(db: &TestDb) {
    let store = &db.store;
    // A middle event deleted: the event after it no longer follows its predecessor.
    let a = org(store, "a").await;
    let ids = record(store, a, 5).await;
    tamper(
        db,
        &format!("DELETE FROM audit_events WHERE id = {}", ids[2]),
    )
    .await;
    assert_broken_at(store, a, ids[3], BreakKind::Removed).await;

    // The first event deleted (no purge anchor): the second does not follow the start.
    let b = org(store, "b").await;
    let ids = record(store, b, 3).await;
    tamper(
        db,
        &format!("DELETE FROM audit_events WHERE id = {}", ids[0]),
    )
    .await;
    assert_broken_at(store, b, ids[1], BreakKind::Removed).await;

    // The newest event deleted: the chain's head is missing.
    let c = org(store, "c").await;
    let ids = record(store, c, 3).await;
    tamper(
        db,
        &format!("DELETE FROM audit_events WHERE id = {}", ids[2]),
    )
    .await;
    assert_broken_at(store, c, ids[2], BreakKind::Removed).await;

    // An event written straight into the table, without the chain: flagged where it sits.
    let d = org(store, "d").await;
    record(store, d, 2).await;
    let org_literal = if db.is_sqlite() {
        format!("x'{}'", d.0.simple())
    } else {
        format!("'{}'", d.0)
    };
    let now = if db.is_sqlite() {
        format!("'{}'", Utc::now().to_rfc3339())
    } else {
        "now()".to_owned()
    };
    tamper(
        db,
        &format!(
            "INSERT INTO audit_events (org_id, action, target, ip, details, created_at) \
             VALUES ({org_literal}, 'auth.sign_in', 'user:x', '192.0.2.9', '{{}}', {now})"
        ),
    )
    .await;
    let inserted = *self::ids(store, d)
        .await
        .last()
        .expect("the inserted event");
    assert_broken_at(store, d, inserted, BreakKind::Inserted).await;

    // Two events swapped (ids exchanged, hashes and all): the earlier one now follows a later one.
    let e = org(store, "e").await;
    let ids = record(store, e, 4).await;
    let (x, y) = (ids[1], ids[2]);
    tamper(
        db,
        &format!("UPDATE audit_events SET id = -{x} WHERE id = {x}"),
    )
    .await;
    tamper(
        db,
        &format!("UPDATE audit_events SET id = {x} WHERE id = {y}"),
    )
    .await;
    tamper(
        db,
        &format!("UPDATE audit_events SET id = {y} WHERE id = -{x}"),
    )
    .await;
    assert_broken_at(store, e, x, BreakKind::Reordered).await;
}

pub async fn concurrent_appends_from_two_instances_leave_one_valid_chain(db: &TestDb) {
    let store = &db.store;
    let a = org(store, "a").await;
    let other = db.reopen().await;
    let per_task = 25;
    let write = |s: Store, tag: usize| async move {
        for i in 0..per_task {
            s.record_audit(a, &event(tag * 1000 + i))
                .await
                .expect("record");
        }
    };
    let (one, two) = tokio::join!(
        tokio::spawn(write(store.clone(), 1)),
        tokio::spawn(write(other.clone(), 2))
    );
    one.expect("first instance");
    two.expect("second instance");
    assert_verifies(store, a, 2 * per_task as u64).await;
    other.close().await;
}

pub async fn the_purge_removes_old_events_and_keeps_the_rest_verifiable(db: &TestDb) {
    let store = &db.store;
    let a = org(store, "a").await;
    let now = Utc::now();
    let at = |days_ago: u64| -> DateTime<Utc> { now - Days::new(days_ago) };
    for (i, days_ago) in [900, 850, 800, 10, 5].into_iter().enumerate() {
        store
            .record_audit_at(a, &event(i), at(days_ago))
            .await
            .expect("record");
    }
    let ids = ids(store, a).await;
    assert_verifies(store, a, 5).await;

    // Nothing of the last 365 days goes, even when asked (PostgreSQL refuses it in the
    // database; the service never asks).
    if !db.is_sqlite() {
        let purged = store
            .purge_audit_events_before(a, now)
            .await
            .expect("purge");
        assert_eq!(purged, 3, "only the events older than 365 days");
    } else {
        let purged = store
            .purge_audit_events_before(a, at(730))
            .await
            .expect("purge");
        assert_eq!(purged, 3);
    }
    assert_eq!(self::ids(store, a).await, ids[3..].to_vec());
    assert_verifies(store, a, 2).await;
    // Appends continue the chain after the purge, and a second purge removes nothing.
    store.record_audit(a, &event(9)).await.expect("record");
    assert_verifies(store, a, 3).await;
    assert_eq!(
        store
            .purge_audit_events_before(a, at(730))
            .await
            .expect("purge"),
        0
    );

    // The anchor still tells: the oldest kept event deleted afterwards is flagged.
    tamper(
        db,
        &format!("DELETE FROM audit_events WHERE id = {}", ids[3]),
    )
    .await;
    assert_broken_at(store, a, ids[4], BreakKind::Removed).await;
}

/// PostgreSQL only: the application's role (the one the store's pool runs as) may append and
/// read events but neither change nor delete one; only the purge function removes them.
#[tokio::test]
#[expect(
    clippy::disallowed_methods,
    reason = "the store's own pool is used around the store, as a bug in it would"
)]
async fn the_application_role_cannot_update_or_delete_audit_events() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "the_application_role_cannot_update_or_delete_audit_events",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let a = org(&db.store, "a").await;
    let ids = record(&db.store, a, 2).await;
    let pool = db.store.postgres_pool_for_wall_tests().expect("a pool");
    for statement in [
        format!("UPDATE audit_events SET action = 'x' WHERE id = {}", ids[0]),
        format!("DELETE FROM audit_events WHERE id = {}", ids[0]),
        "TRUNCATE audit_events".to_owned(),
    ] {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("SELECT set_config('flowsense.org_id', $1, true)")
            .bind(a.0.to_string())
            .execute(&mut *tx)
            .await
            .expect("scope");
        let outcome = sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *tx)
            .await;
        let error = outcome.expect_err(&statement).to_string();
        assert!(
            error.contains("permission denied"),
            "{statement} refused for the role: {error}"
        );
    }
    assert_verifies(&db.store, a, 2).await;
    let role: (String,) = sqlx::query_as("SELECT current_user::text")
        .fetch_one(&pool)
        .await
        .expect("role");
    assert_eq!(role.0, "flowsense_app");
}
