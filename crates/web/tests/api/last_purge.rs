//! The retention purge as people see it: the settings page tells an organisation's admins
//! when the last purge ran, what it purged and up to which day; the trust center says what the
//! purge does and when it is scheduled.

use crate::on_both_backends;
use crate::support::{Db, spawn_app};
use chrono::TimeDelta;
use flowsense_core::clock::Clock;
use flowsense_service::retention::{purge_all_orgs, retention_cutoff};
use flowsense_storage::NewTransaction;
use reqwest::StatusCode;

fn rows(n: i64, first_day: chrono::NaiveDate) -> Vec<NewTransaction> {
    (0..n)
        .map(|i| NewTransaction {
            account: "Operating".into(),
            posted_on: first_day + TimeDelta::days(i),
            amount_minor: -1_250,
            currency: "USD".into(),
            original_amount_minor: -1_250,
            original_currency: "USD".into(),
            counterparty: "Landlord".into(),
            description: format!("Rent {i}"),
            category: "Rent".into(),
            is_transfer: false,
            external_id: format!("rent-{i}"),
        })
        .collect()
}

async fn the_settings_page_shows_the_last_purge(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("alpha", admin).await;
    let now = app.clock.now();
    let cutoff = retention_cutoff(now, "UTC", 90);
    // 30 days before the cutoff go, 20 from the cutoff on stay.
    app.import_rows(org, &rows(50, cutoff - TimeDelta::days(30)))
        .await;
    let browser = app.signed_in("ada@x.test").await;
    let settings = |b: &crate::support::Browser| {
        let request = b.http.get(format!("{}/app/{org}/settings", b.base));
        async move {
            let r = request.send().await.expect("settings page");
            (r.status(), r.text().await.expect("html"))
        }
    };
    let (status, html) = settings(&browser).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No purge has run yet."), "{html}");

    let summary = purge_all_orgs(&app.state.store, app.clock.now())
        .await
        .expect("purge");
    assert_eq!(summary.transactions_purged, 30);
    assert_eq!(app.transactions_in(org).await, 20);

    let (status, html) = settings(&browser).await;
    assert_eq!(status, StatusCode::OK);
    // The audit entry's own time, in the organisation's zone (UTC here).
    let expected = format!(
        " UTC: 30 transactions dated before {cutoff} purged (kept as monthly and weekly totals), 0 assistant conversations deleted."
    );
    assert!(
        html.contains("Last purge ") && html.contains(&expected),
        "{expected} not in {html}"
    );
    assert!(!html.contains("No purge has run yet."));

    // Someone signed out is sent to sign in, and sees nothing of it.
    let (_, anonymous) = settings(&app.browser()).await;
    assert!(!anonymous.contains("Last purge"));
    let security = reqwest::get(format!("{}/security", app.base))
        .await
        .expect("trust center")
        .text()
        .await
        .expect("html");
    assert!(
        security.contains("Scheduled every night at 03:00 UTC")
            && security.contains("records every purge with its cutoff and counts"),
        "{security}"
    );
}

on_both_backends!(the_settings_page_shows_the_last_purge);
