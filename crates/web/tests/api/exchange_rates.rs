//! `/api/v1/orgs/{org}/rates` and the settings page's exchange rates: amounts of a euro account
//! are left out and listed while no rate is known, every role reads the rates, only admins add
//! one (a bad field is refused by name and keeps nothing), and the reports and the transaction
//! list convert with it at once.

use crate::support::{Db, spawn_app};
use flowsense_core::Role;
use flowsense_storage::NewTransaction;
use reqwest::StatusCode;
use serde_json::json;

fn euro_row(n: u32, day: u32, minor: i64) -> NewTransaction {
    NewTransaction {
        account: "Operating EUR".into(),
        posted_on: chrono::NaiveDate::from_ymd_opt(2026, 3, day).expect("date"),
        amount_minor: minor,
        currency: "EUR".into(),
        original_amount_minor: minor,
        original_currency: "EUR".into(),
        counterparty: "Lyon Cafe".into(),
        description: format!("Order {n}"),
        category: "Sales".into(),
        is_transfer: false,
        external_id: format!("eur-{n}"),
    }
}

async fn a_missing_rate_is_listed_and_an_admins_rate_converts_every_figure(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    app.import_rows(org, &[euro_row(1, 10, 10_000), euro_row(2, 12, -2_001)])
        .await;
    let mut admin = app.signed_in("ada@x.test").await;
    let mut member = app.signed_in("mo@x.test").await;
    let mut viewer = app.signed_in("vi@x.test").await;
    let rates = format!("/api/v1/orgs/{org}/rates");
    let cashflow = format!("/api/v1/orgs/{org}/reports/cashflow");

    // No rate: nothing counted, and the report says which amounts are left out.
    let (status, report) = viewer.get(&cashflow).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["report"]["total"]["net"], 0);
    assert_eq!(
        report["missing_rates"],
        json!([{"currency": "EUR", "first_date": "2026-03-10", "last_date": "2026-03-12", "count": 2}])
    );
    let (status, listed) = viewer.get(&rates).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["base_currency"], "USD");
    assert_eq!(listed["rates"], json!([]));
    assert_eq!(listed["missing_rates"][0]["count"], 2);

    // Only admins add a rate; a bad or unknown field is refused and keeps nothing.
    let good = json!({"date": "2026-03-01", "from": "EUR", "to": "USD", "rate": "1.10"});
    let (status, _) = member.post(&rates, good.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin
        .post(
            &rates,
            json!({"date": "2026-03-01", "from": "EUR", "to": "USD", "rate": "1,10"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "rate");
    let (status, _) = admin
        .post(
            &rates,
            json!({"date": "2026-03-01", "from": "EUR", "to": "USD", "rate": "1.1", "extra": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(viewer.get(&rates).await.1["rates"], json!([]));
    let (status, saved) = admin.post(&rates, good).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["rate"], "1.1");

    // At once: 100.00 EUR → 110.00 USD, -20.01 EUR → -22.011 → -22.01 USD; nothing missing.
    let (_, report) = viewer.get(&cashflow).await;
    assert_eq!(report["report"]["total"]["net"], 11_000 - 2_201);
    assert!(report.get("missing_rates").is_none(), "{report}");
    let (_, listed) = viewer.get(&rates).await;
    assert_eq!(listed["rates"][0]["source"], "manual");
    assert_eq!(listed["missing_rates"], json!([]));
    let (_, page) = viewer
        .get(&format!("/api/v1/orgs/{org}/transactions"))
        .await;
    let first = &page["items"][0];
    assert_eq!(
        (first["currency"].as_str(), first["amount_minor"].as_i64()),
        (Some("EUR"), Some(-2_001))
    );
    assert_eq!(first["base_amount_minor"], -2_201);

    // The settings page lists the rate; the transactions page shows both amounts.
    let (status, html) = admin.get(&format!("/app/{org}/settings/rates")).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().expect("a page");
    assert!(
        html.contains("Every amount has a rate") && html.contains("1.1"),
        "{html}"
    );
    let (_, html) = viewer.get(&format!("/app/{org}/transactions")).await;
    let html = html.as_str().expect("a page");
    assert!(
        html.contains("-$22.01") && html.contains("-€20.01 EUR"),
        "{html}"
    );
}

crate::on_both_backends!(a_missing_rate_is_listed_and_an_admins_rate_converts_every_figure);
