//! The plan's history limit in every report: on the free plan (a year of history) the cash-flow
//! report, over the API and on its page, shows only the months since the first of the month a
//! year ago, and the pages say plainly that older months are hidden by the plan (with an
//! upgrade link for admins); after upgrading everything shows again, nothing lost.

use super::env;
use crate::support::Db;
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use flowsense_core::clock::Clock;
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn rent(on: NaiveDate, reference: &str) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: on,
        amount_minor: -10_000,
        currency: "USD".into(),
        original_amount_minor: -10_000,
        original_currency: "USD".into(),
        counterparty: "Landlord".into(),
        description: reference.into(),
        category: "Rent".into(),
        is_transfer: false,
        external_id: reference.into(),
    }
}

/// The cash-flow report over the API: its periods' first days and its total count.
async fn reported(e: &mut super::Env) -> (Vec<NaiveDate>, u64, i64) {
    let (s, body) = e
        .admin
        .get(&format!("/api/v1/orgs/{}/reports/cashflow", e.org))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let report = &body["report"];
    let starts = report["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .filter(|p| p["count"].as_u64().unwrap_or(0) > 0)
        .map(|p| p["start"].as_str().expect("start").parse().expect("a date"))
        .collect();
    (
        starts,
        report["total"]["count"].as_u64().expect("count"),
        report["total"]["outflow"].as_i64().expect("outflow"),
    )
}

/// Every date (`YYYY-MM-DD…`) anywhere in a JSON answer.
fn dates_in(v: &Value, out: &mut Vec<NaiveDate>) {
    match v {
        Value::String(text) => {
            if let Some(d) = text
                .get(..10)
                .and_then(|head| NaiveDate::parse_from_str(head, "%Y-%m-%d").ok())
            {
                out.push(d);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| dates_in(i, out)),
        Value::Object(map) => map.values().for_each(|i| dates_in(i, out)),
        _ => {}
    }
}

/// The earliest date each report of the books mentions.
async fn earliest_dates(e: &mut super::Env) -> Vec<(&'static str, Option<NaiveDate>)> {
    let mut out = Vec::new();
    for kind in ["cashflow", "forecast", "runway", "anomalies", "recurring"] {
        let (s, body) = e
            .admin
            .get(&format!("/api/v1/orgs/{}/reports/{kind}", e.org))
            .await;
        assert_eq!(s, StatusCode::OK, "{kind}: {body}");
        let mut dates = Vec::new();
        dates_in(&body, &mut dates);
        out.push((kind, dates.into_iter().min()));
    }
    out
}

async fn page(b: &crate::support::Browser, path: &str) -> String {
    let resp = b.request(Method::GET, path).send().await.expect("page");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.expect("page")
}

async fn a_short_history_plan_hides_older_months_everywhere_until_an_upgrade(db: Db) {
    let mut e = env(db).await;
    let today = e.app.clock.now().date_naive();
    let shown_from = today
        .checked_sub_months(Months::new(12))
        .and_then(|d| d.with_day(1))
        .expect("a day");
    let old = shown_from - TimeDelta::days(40);
    let recent = today - TimeDelta::days(45);
    e.app
        .import_rows(
            e.org,
            &[
                rent(old, "old"),
                rent(recent, "recent"),
                rent(today, "today"),
            ],
        )
        .await;

    // On the free plan: the older month is in no figure, the rest are exact.
    let (starts, count, outflow) = reported(&mut e).await;
    assert_eq!(count, 2);
    assert_eq!(outflow, -20_000);
    assert!(starts.iter().all(|s| *s >= shown_from), "{starts:?}");
    assert!(!starts.is_empty());
    // No report of the books reaches back before the plan's first month.
    for (kind, earliest) in earliest_dates(&mut e).await {
        assert!(
            earliest.is_none_or(|d| d >= shown_from),
            "{kind}: {earliest:?}"
        );
    }
    let (s, body) = e
        .admin
        .get(&format!("/api/v1/orgs/{}/transactions", e.org))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(2));

    // The pages say so; admins get the upgrade link, members do not.
    let notice = format!("The plan shows history from {shown_from} on");
    for section in ["cashflow", "recurring", "forecast", "transactions"] {
        let p = page(&e.admin, &format!("/app/{}/{section}", e.org)).await;
        assert!(
            p.contains("id=\"history-notice\"") && p.contains(&notice),
            "{section}: {p}"
        );
        assert!(
            p.contains("href=\"/app/acme/billing\" id=\"history-upgrade-link\""),
            "{section}"
        );
    }
    let dashboard = page(&e.admin, &format!("/app/{}", e.org)).await;
    assert!(dashboard.contains(&notice));
    let member = e.app.signed_in("member@acme.test").await;
    let p = page(&member, &format!("/app/{}/cashflow", e.org)).await;
    assert!(
        p.contains(&notice) && !p.contains("history-upgrade-link"),
        "{p}"
    );
    // Pages that show no history say nothing of it.
    let aging = page(&e.admin, &format!("/app/{}/aging", e.org)).await;
    assert!(!aging.contains("history-notice"));

    // Upgraded: every month again, nothing lost.
    e.upgrade().await;
    let (starts, count, outflow) = reported(&mut e).await;
    assert_eq!((count, outflow), (3, -30_000));
    assert_eq!(starts.first().copied(), Some(old));
    let cashflow = earliest_dates(&mut e).await[0];
    assert_eq!(cashflow, ("cashflow", Some(old)));
    assert_eq!(e.app.transactions_in(e.org).await, 3);
    let p = page(&e.admin, &format!("/app/{}/cashflow", e.org)).await;
    assert!(!p.contains("history-notice"), "{p}");
    let body: Value = e
        .admin
        .get(&format!("/api/v1/orgs/{}/transactions", e.org))
        .await
        .1;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(3));
}

crate::on_both_backends!(a_short_history_plan_hides_older_months_everywhere_until_an_upgrade);
