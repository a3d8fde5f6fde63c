//! The sample file the welcome step offers is the generator's output for the server's today:
//! opening balances first, then exactly the sample's transactions, the last of them today.

use crate::support::{Db, spawn_app};
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::clock::Clock;
use flowsense_service::imports::{sample_books_config, sample_books_csv};
use flowsense_synth::OPENING_BALANCE;
use reqwest::StatusCode;

/// The dates of a CSV body's rows, header left out.
fn row_dates(csv: &str) -> Vec<NaiveDate> {
    csv.lines()
        .skip(1)
        .map(|l| l[..10].parse().expect("a date first"))
        .collect()
}

async fn the_sample_books_end_today_with_opening_balances(db: Db) {
    let app = spawn_app(db).await;
    let client = reqwest::Client::new();
    let get = || async {
        let resp = client
            .get(format!("{}/assets/sample-books.csv", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
        resp.text().await.expect("body")
    };
    let today = Clock::now(app.clock.as_ref()).date_naive();
    let body = get().await;
    let expected = sample_books_csv(today).expect("sample");
    assert!(
        body.as_bytes() == expected.as_slice(),
        "not the generator's output"
    );

    let openings = body
        .lines()
        .skip(1)
        .take_while(|l| l.contains(&format!(",{OPENING_BALANCE},Transfer,")))
        .count();
    assert!(openings >= 2, "checking and savings open with money");
    let rows = body.lines().count() - 1;
    assert_eq!(rows - openings, sample_books_config().transactions);
    let dates = row_dates(&body);
    assert_eq!(dates.last(), Some(&today));
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "sorted by date");
    assert!(dates[0] > today - TimeDelta::days(200) && dates[0] < today - TimeDelta::days(150));
    // The opening balances leave the business with money in the bank.
    let opening_dollars: i64 = body
        .lines()
        .skip(1)
        .take(openings)
        .map(|l| {
            let amount = l.split(',').nth(2).expect("amount");
            amount[..amount.find('.').expect("cents")]
                .parse::<i64>()
                .expect("whole dollars")
        })
        .sum();
    assert!(opening_dollars > 10_000, "{opening_dollars}");

    // Forty days later the file has moved with the calendar, and the same day gives the same
    // bytes.
    app.advance(TimeDelta::days(40));
    let later = get().await;
    assert_eq!(
        row_dates(&later).last(),
        Some(&(today + TimeDelta::days(40)))
    );
    assert_eq!(later, get().await);
}

crate::on_both_backends!(the_sample_books_end_today_with_opening_balances);
