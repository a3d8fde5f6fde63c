//! The nightly retention purge through the service crate: the cutoff day in each
//! organisation's time zone, the audit entry with counts only, purging every organisation, and
//! a rerun that finds nothing left.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use flowsense_core::{Currency, OrgId};
use flowsense_service::retention::{purge_all_orgs, purge_org, retention_cutoff};
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, NewUser, OrgSettings, Store};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

async fn org(store: &Store, slug: &str, time_zone: &str) -> OrgId {
    let mut settings = OrgSettings::with_currency(Currency::USD);
    settings.time_zone = time_zone.into();
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings,
        })
        .await
        .expect("create org")
        .id
}

/// One $12.34 payment a day, for `days` days up to and including `last`.
async fn one_a_day(store: &Store, org: OrgId, last: NaiveDate, days: u64) {
    let rows: Vec<NewTransaction> = (0..days)
        .map(|back| NewTransaction {
            account: "Operating".into(),
            posted_on: last - Days::new(back),
            amount_minor: -1_234,
            currency: "USD".into(),
            original_amount_minor: -1_234,
            original_currency: "USD".into(),
            counterparty: "Acme".into(),
            description: "Supplies".into(),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("day-{back}"),
        })
        .collect();
    let meta = ImportMeta {
        file_name: "days.csv".into(),
        format: "csv".into(),
        sha256: "00".repeat(32),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org, &meta).await.expect("begin");
    import.add_transactions(&rows).await.expect("add");
    import.commit().await.expect("commit");
}

async fn the_nightly_purge_keeps_each_organisations_own_last_days(store: &Store) {
    // Noon UTC on 2 December is already 3 December in Auckland (UTC+13).
    let now: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
        .single()
        .expect("a valid instant");
    assert_eq!(retention_cutoff(now, "UTC", 90), day(2026, 9, 3));
    assert_eq!(
        retention_cutoff(now, "Pacific/Auckland", 90),
        day(2026, 9, 4)
    );
    assert_eq!(retention_cutoff(now, "Not/AZone", 90), day(2026, 9, 3));

    let london = org(store, "london", "UTC").await;
    let auckland = org(store, "auckland", "Pacific/Auckland").await;
    for org in [london, auckland] {
        one_a_day(store, org, day(2026, 12, 1), 400).await;
    }
    let user = store
        .create_user(&NewUser {
            email: "ann@x.io".into(),
            display_name: "Ann".into(),
            password_hash: "$argon2id$placeholder".into(),
        })
        .await
        .expect("the step succeeds")
        .id;
    store
        .create_conversation(london, user, "Runway?")
        .await
        .expect("the step succeeds");

    let outcome = purge_org(store, london, now)
        .await
        .expect("the step succeeds");
    assert_eq!(outcome.cutoff, day(2026, 9, 3));
    // Kept: 2026-09-03 ..= 2026-12-01, 90 days.
    assert_eq!(outcome.transactions_purged, 400 - 90);
    assert!(outcome.rollups_kept);
    // The conversation was started just now: it stays.
    assert_eq!(outcome.conversations_purged, 0);
    let books = store.load_books(london).await.expect("the step succeeds");
    assert_eq!(books.txns.len(), 90);
    assert_eq!(
        books.txns.iter().map(|t| t.date).min(),
        Some(day(2026, 9, 3))
    );
    let rolled: i64 = books.flow_rollups.iter().map(|r| r.outflow).sum();
    assert_eq!(rolled, -1_234 * (400 - 90));

    let audit = store
        .audit_events(london, 5)
        .await
        .expect("the step succeeds");
    let entry = audit
        .iter()
        .find(|e| e.action == "retention.purge")
        .expect("audited");
    assert_eq!(entry.details["transactions_purged"], 310);
    assert_eq!(entry.details["conversations_purged"], 0);
    assert!(
        !entry.details.to_string().contains("1234"),
        "counts, never amounts"
    );

    // Every organisation: Auckland's cutoff is a day later; London has nothing left to purge.
    let summary = purge_all_orgs(store, now).await.expect("the step succeeds");
    assert_eq!(summary.orgs_purged, 2);
    assert_eq!(summary.orgs_failed, 0);
    assert_eq!(summary.transactions_purged, 400 - 89);
    assert_eq!(
        store
            .load_books(auckland)
            .await
            .expect("the step succeeds")
            .txns
            .len(),
        89
    );
    assert_eq!(
        purge_all_orgs(store, now)
            .await
            .expect("the step succeeds")
            .transactions_purged,
        0
    );

    // Ninety-one days on, the conversation is past the 90-day limit.
    let later = Utc::now() + chrono::TimeDelta::days(91);
    assert_eq!(
        purge_org(store, london, later)
            .await
            .expect("the step succeeds")
            .conversations_purged,
        1
    );
}

/// The audit log outlives every periodic job for at least 12 months (checklist A12): the
/// hourly clean-up and the nightly purge run, through the product's own scheduler and worker,
/// 364 and then 400 days after the events, with the shortest retention an organisation can
/// set, and every event is still there.
async fn audit_events_are_kept_for_at_least_twelve_months(store: &Store) {
    use flowsense_core::clock::ManualClock;
    use flowsense_jobs::{Scheduler, Worker, WorkerConfig};
    use flowsense_service::background::registry;
    use std::sync::Arc;
    let audited = org(store, "audited", "UTC").await;
    let current = store.org(audited).await.expect("org");
    let mut settings = current.settings.clone();
    settings.retention_days = 1;
    store
        .update_org_name_and_settings(audited, &current.name, &settings)
        .await
        .expect("settings");
    for action in ["auth.sign_in", "member.role_changed", "export.downloaded"] {
        store
            .record_audit(
                audited,
                &flowsense_storage::NewAuditEvent {
                    actor: None,
                    action: action.into(),
                    target: "user:someone".into(),
                    ip: "192.0.2.1".into(),
                    details: serde_json::json!({}),
                },
            )
            .await
            .expect("audit");
    }
    let recorded = Utc::now();
    let outbox = tempfile::tempdir().expect("outbox");
    for days in [364_u64, 400] {
        // 04:00 UTC, after the nightly purge's hour, so both periodic jobs are due.
        let day = recorded.date_naive() + Days::new(days);
        let at = day.and_hms_opt(4, 0, 0).expect("time").and_utc();
        let clock = Arc::new(ManualClock::new(at));
        let ctx = crate::support::context(store, outbox.path()).with_clock(clock.clone());
        let kinds = Arc::new(registry(&ctx));
        Scheduler::new(store.clone(), kinds.clone(), clock.clone())
            .tick()
            .await
            .expect("tick");
        let worker = Worker::new(store.clone(), kinds, clock, WorkerConfig::new(2, 0));
        let mut ran = 0;
        while let n @ 1.. = worker.run_once().await.expect("run") {
            ran += n;
        }
        assert!(ran >= 2, "the clean-up and the purge ran ({ran} jobs)");
        let kept: Vec<String> = store
            .audit_events(audited, 100)
            .await
            .expect("audit")
            .into_iter()
            .map(|e| e.action)
            .collect();
        for action in ["auth.sign_in", "member.role_changed", "export.downloaded"] {
            assert!(
                kept.iter().any(|a| a == action),
                "{action} gone after {days} days: {kept:?}"
            );
        }
        assert!(
            kept.iter().any(|a| a == "retention.purge"),
            "the nightly purge ran after {days} days: {kept:?}"
        );
    }
}

crate::on_both_backends!(
    the_nightly_purge_keeps_each_organisations_own_last_days,
    audit_events_are_kept_for_at_least_twelve_months
);
