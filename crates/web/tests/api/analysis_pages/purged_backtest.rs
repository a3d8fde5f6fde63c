//! The forecast page of books the nightly purge has cut to 90 days, as the demo's are after its
//! first night: "how close past forecasts came" is still there, from the weekly totals the
//! purge keeps; books with fewer than 26 weeks of history still say why it is missing.

use super::*;
use flowsense_core::clock::Clock;
use flowsense_service::retention::purge_all_orgs;

/// The rating card and the backtest section of a forecast page.
fn rating_and_summary(html: &str) -> (String, Option<String>) {
    let rating = html
        .split("id=\"forecast-rating\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the rating card")
        .to_owned();
    let summary = html
        .split("id=\"backtest-summary\"")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .map(str::to_owned);
    (rating, summary)
}

async fn the_forecast_page_keeps_its_backtest_after_the_ninety_day_purge(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let b = w.app.signed_in("vic@x.test").await;
    let forecast = format!("{base}/app/{}/forecast", w.org);
    let (_, before) = page(&b.http, forecast.clone()).await;
    let (rating_before, summary_before) = rating_and_summary(&before);
    assert!(summary_before.is_some(), "eighteen months have a backtest");

    let summary = purge_all_orgs(&w.app.state.store, w.app.clock.now())
        .await
        .expect("purge");
    assert!(summary.transactions_purged > 0 && summary.orgs_failed == 0);
    let books = w.app.state.store.load_books(w.org).await.expect("books");
    let first = books.txns.iter().map(|t| t.date).min().expect("rows");
    let last = books.txns.iter().map(|t| t.date).max().expect("rows");
    assert!(
        (last - first).num_days() <= 90,
        "only 90 days of transactions stay: {first}..{last}"
    );

    let (status, after) = page(&b.http, forecast).await;
    assert_eq!(status, StatusCode::OK);
    let (rating, summary) = rating_and_summary(&after);
    let summary = summary.expect("the backtest is shown after the purge");
    assert!(
        ["close", "fair", "rough"].contains(&rating.as_str()),
        "a rating, not a dash: {rating:?} (was {rating_before:?})"
    );
    assert!(summary.contains(&format!("<strong id=\"backtest-rating\">{rating}</strong>")));
    assert!(!after.contains("checking them needs 26 weeks"));
    // The summary's figures are the JSON report's.
    let mut api = w.app.signed_in("vic@x.test").await;
    let (_, f) = api
        .get(&format!("/api/v1/orgs/{}/reports/forecast", w.org))
        .await;
    let bt = &f["report"]["backtest"];
    let actual = bt["actual_ending_cash"]
        .as_i64()
        .expect("a backtest in JSON");
    let error = bt["forecast_ending_cash_error"].as_i64().expect("error");
    assert!(summary.contains(&usd_whole(actual)), "{summary}");
    assert!(summary.contains(&usd_whole(actual + error)), "{summary}");
}

async fn ten_weeks_of_books_still_say_why_there_is_no_backtest(db: Db) {
    let app = spawn_app(db).await;
    let ann = app.user("ann@x.test").await;
    let org = app.org("young", ann).await;
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<NewTransaction> = (0..70)
        .map(|i| NewTransaction {
            account: "Operating".into(),
            posted_on: today - TimeDelta::days(i),
            amount_minor: 10_000 + 137 * i,
            currency: "USD".into(),
            original_amount_minor: 10_000 + 137 * i,
            original_currency: "USD".into(),
            counterparty: "Walk-in".into(),
            description: format!("Takings {i}"),
            category: "Sales".into(),
            is_transfer: false,
            external_id: format!("t{i}"),
        })
        .collect();
    app.import_rows(org, &rows).await;
    purge_all_orgs(&app.state.store, app.clock.now())
        .await
        .expect("purge");
    let b = app.signed_in("ann@x.test").await;
    let (status, html) = page(&b.http, format!("{}/app/{org}/forecast", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    let (rating, summary) = rating_and_summary(&html);
    assert_eq!(rating, "—");
    assert!(summary.is_none());
    assert!(html.contains("checking them needs 26 weeks"));
}

crate::on_both_backends!(
    the_forecast_page_keeps_its_backtest_after_the_ninety_day_purge,
    ten_weeks_of_books_still_say_why_there_is_no_backtest,
);
