//! Bad input gets its form back with 422; a what-if moves the ending cash by what it says.

use super::*;

async fn bad_input_gets_the_form_back_with_a_message_and_422(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let b = w.app.signed_in("mia@x.test").await;
    let fc = format!("{base}/app/{}/forecast", w.org);
    let today = chrono::Utc::now().date_naive();
    let soon = today + TimeDelta::days(10);
    let far = today + TimeDelta::days(400);
    for (query, message) in [
        (
            format!("oneoff_amount=lots&oneoff_date={soon}"),
            "is not an amount",
        ),
        (
            format!("oneoff_amount=12.345&oneoff_date={soon}"),
            "more decimals",
        ),
        (
            format!("oneoff_amount=99999999999999999&oneoff_date={soon}"),
            "not accepted",
        ),
        (
            format!("oneoff_amount=500&oneoff_date={far}"),
            "Choose a date from",
        ),
        (
            "oneoff_amount=500&oneoff_date=31%2F12%2F2026".to_owned(),
            "is not a date",
        ),
        ("oneoff_amount=500".to_owned(), "Give the date"),
        (
            "monthly_amount=1000&monthly_kind=sideways".to_owned(),
            "Choose what changes",
        ),
        ("delay_days=soon".to_owned(), "is not a number of days"),
        ("delay_days=9999".to_owned(), "0 to 180 days"),
        (
            "drop=Nobody%20We%20Pay".to_owned(),
            "is not one of the recurring payments",
        ),
        (
            format!("oneoff_amount={}&oneoff_date={soon}", "9".repeat(5000)),
            "is not an amount",
        ),
    ] {
        let (status, html) = page(&b.http, format!("{fc}?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {html}");
        let said = html
            .split("id=\"what-if-error\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap_or("no message");
        assert!(
            said.contains(message),
            "{query}: expected {message}, said {said}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{query}");
        assert!(
            html.contains("id=\"forecast-weeks\""),
            "the baseline is still shown"
        );
        assert!(html.len() < 200_000, "nothing echoed unbounded");
    }
    // What was typed comes back in the form, escaped.
    let (_, html) = page(
        &b.http,
        format!("{fc}?oneoff_amount=%3Cb%3E&oneoff_date={soon}"),
    )
    .await;
    assert!(
        html.contains("value=\"&#60;b&#62;\""),
        "typed text kept, escaped"
    );
    assert!(!html.contains("<b>"));

    let cf = format!("{base}/app/{}/cashflow", w.org);
    for (query, message) in [
        ("period=fortnight", "Choose months or weeks"),
        ("split=colour", "Split by category or by counterparty"),
        ("from=yesterday", "is not a date"),
        ("from=2026-05-01&to=2026-01-01", "after the end date"),
        ("from=1900-01-01&to=2026-01-01", "Choose a shorter range"),
        (
            "period=week&from=2000-01-01&to=2026-01-01",
            "at most 260 weeks",
        ),
    ] {
        let (status, html) = page(&b.http, format!("{cf}?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(html.contains(message), "{query}: expected {message}");
        assert!(html.contains("id=\"form-error\""));
    }
}

async fn a_what_if_moves_the_ending_cash_by_what_it_says(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let mut b = w.app.signed_in("mia@x.test").await;
    let (_, f) = b
        .get(&format!("/api/v1/orgs/{}/reports/forecast", w.org))
        .await;
    let as_of: NaiveDate = f["as_of"].as_str().expect("as_of").parse().expect("date");
    let last = f["report"]["weeks"][12]["ending_cash"]["p50"]
        .as_i64()
        .expect("p50");
    let day = as_of + TimeDelta::days(3);
    let (status, html) = page(
        &b.http,
        format!(
            "{base}/app/{}/forecast?oneoff_direction=out&oneoff_amount=10%2C000&oneoff_date={day}",
            w.org
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let expected = last - 1_000_000;
    let shown = (expected - 1..=expected + 1)
        .any(|v| html.contains(&format!("class=\"num what-if\">{}<", usd(v))));
    assert!(shown, "what-if ending {} missing", usd(expected));
    assert!(html.contains("id=\"what-if-ending-cash\""));
    assert!(
        html.contains("class=\"overlay\""),
        "the what-if line is drawn"
    );
    assert!(html.contains("$10,000.00 money out on"));

    // Dropping a recurring payment and delaying customers are applied as well.
    let (_, r) = b
        .get(&format!("/api/v1/orgs/{}/reports/recurring", w.org))
        .await;
    let name = r["report"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["active"] == true)
        .and_then(|i| i["counterparty"].as_str())
        .expect("a recurring payment")
        .to_owned();
    let query = format!("drop={}&delay_days=30", encode(&name));
    let (status, html) = page(&b.http, format!("{base}/app/{}/forecast?{query}", w.org)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("No more payments to {}", html_escape(&name))));
    assert!(html.contains("Customers pay their invoices 30 days later"));
}

crate::on_both_backends!(
    bad_input_gets_the_form_back_with_a_message_and_422,
    a_what_if_moves_the_ending_cash_by_what_it_says,
);
