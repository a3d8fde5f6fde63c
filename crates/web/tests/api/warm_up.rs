//! The analytics cache is warmed in the background after an import, and a page that arrives
//! while the warm-up runs shares its computation and shows the same figures.

use crate::support::{Browser, Db, TestApp, spawn_app};
use flowsense_core::OrgId;
use flowsense_core::analytics::{ReportKind, ReportOptions, run_report, to_json};
use flowsense_service::warm_up::warm_all_in_background;
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

const BANK: &str = "date,description,amount,account\n\
    2026-01-02,Espresso beans,-120.50,Operating\n\
    2026-01-03,Cafe Aurora invoice 17,980.00,Operating\n\
    2026-01-05,Rent January,-1500.00,Operating\n\
    2026-02-03,Cafe Aurora invoice 18,1210.00,Operating\n";

const MORE: &str = "date,description,amount,account\n\
    2026-02-10,Cafe Aurora invoice 19,2500.00,Operating\n\
    2026-02-11,Milk,-80.25,Operating\n";

async fn upload(b: &Browser, org: OrgId, name: &str, csv: &str) {
    let path = format!("/api/v1/orgs/{org}/imports");
    let (status, body) = b
        .upload(&path, &[("file", Some(name), csv.as_bytes())])
        .await;
    assert_eq!(status, StatusCode::OK, "the import is accepted: {body}");
}

/// Waits (polling, bounded) until the cache holds every report of `version`.
async fn until_warm(app: &TestApp, org: OrgId, version: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if app.state.analytics.complete_version(org) == Some(version) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the cache never held version {version}: {:?}",
            app.state.analytics.complete_version(org)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn version_of(app: &TestApp, org: OrgId) -> i64 {
    app.state.store.org(org).await.expect("org").books_version
}

/// The cash-flow report computed straight from the stored books, bypassing the cache.
async fn fresh_cashflow(app: &TestApp, org: OrgId) -> serde_json::Value {
    let books = app.state.store.load_books(org).await.expect("books");
    let report = run_report(&books, ReportKind::Cashflow, &ReportOptions::default());
    serde_json::from_str(&to_json(&report)).expect("json")
}

async fn an_import_warms_the_cache_without_a_page_request(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    let b = app.signed_in("ada@x.test").await;
    assert_eq!(app.state.analytics.complete_version(org), None, "cold");

    upload(&b, org, "january.csv", BANK).await;
    let first = version_of(&app, org).await;
    until_warm(&app, org, first).await;
    let loads = app.state.analytics.loads();

    // Another import moves the version on; the cache follows with no page asked for.
    upload(&b, org, "february.csv", MORE).await;
    let second = version_of(&app, org).await;
    assert!(second > first, "the import moved the books version on");
    until_warm(&app, org, second).await;
    assert_eq!(
        app.state.analytics.loads(),
        loads + 1,
        "the new books were loaded once"
    );
}

async fn a_page_during_the_warm_up_shares_it_and_shows_the_same_figures(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("bo@x.test").await;
    let org = app.org("bakery", admin).await;
    let mut b = app.signed_in("bo@x.test").await;
    upload(&b, org, "january.csv", BANK).await;
    until_warm(&app, org, version_of(&app, org).await).await;
    let loads = app.state.analytics.loads();

    // Ask at once, while the warm-up of the new books is (most likely) still running.
    upload(&b, org, "february.csv", MORE).await;
    let (s, report) = b.get(&format!("/api/v1/orgs/{org}/reports/cashflow")).await;
    assert_eq!(s, StatusCode::OK);
    let page = b
        .request(Method::GET, &format!("/app/{org}"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(page.status(), StatusCode::OK);
    until_warm(&app, org, version_of(&app, org).await).await;

    assert_eq!(
        report,
        fresh_cashflow(&app, org).await,
        "the same figures as computed afresh"
    );
    assert_eq!(
        report["report"]["total"]["inflow"].as_i64(),
        Some(98_000 + 121_000 + 250_000),
        "the second import is in"
    );
    assert_eq!(
        app.state.analytics.loads(),
        loads + 1,
        "the request and the warm-up loaded the books once between them"
    );
}

fn grant(external_id: &str, amount_minor: i64) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        amount_minor,
        currency: "USD".into(),
        original_amount_minor: amount_minor,
        original_currency: "USD".into(),
        counterparty: "Grants Office".into(),
        description: "grant".into(),
        category: "Grants".into(),
        is_transfer: false,
        external_id: external_id.into(),
    }
}

async fn start_up_warms_every_organisation(db: Db) {
    let app = spawn_app(db).await;
    let ann = app.user("ann@x.test").await;
    let bob = app.user("bob@y.test").await;
    let orgs = [app.org("first", ann).await, app.org("second", bob).await];
    for (n, org) in orgs.iter().enumerate() {
        // Straight into storage: no import service, so nothing is warmed yet.
        app.import_rows(
            *org,
            &[grant(
                &format!("g{n}"),
                10_000 * (i64::try_from(n).expect("a small index") + 1),
            )],
        )
        .await;
        assert_eq!(app.state.analytics.complete_version(*org), None);
    }
    warm_all_in_background(&app.state.store, &app.state.analytics)
        .await
        .expect("the warm-up finishes");
    for org in orgs {
        assert_eq!(
            app.state.analytics.complete_version(org),
            Some(version_of(&app, org).await),
            "every organisation is warm"
        );
    }
    assert_eq!(app.state.analytics.loads(), 2, "each loaded once");
}

crate::on_both_backends!(
    start_up_warms_every_organisation,
    an_import_warms_the_cache_without_a_page_request,
    a_page_during_the_warm_up_shares_it_and_shows_the_same_figures,
);
