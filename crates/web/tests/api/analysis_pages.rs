//! The analysis pages over HTTP: cash flow, recurring, receivables & payables and the forecast
//! with its what-if form, for every role; another organisation's id; bad input; the numbers on
//! the pages against the JSON reports; and the analytics cache following every import.

use crate::support::{Db, TestApp, spawn_app};
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use flowsense_core::{Currency, OrgId, Role};
use flowsense_storage::{NewDocument, NewTransaction};
use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde_json::Value;

const PAGES: [&str; 4] = ["cashflow", "recurring", "aging", "forecast"];

/// `$1,234.56` / `-$1,234.56`, as the pages print dollars.
fn usd(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}${}.{:02}", group(abs / 100), abs % 100)
}

/// Whole dollars, rounded half away from zero: `$12,346`.
fn usd_whole(minor: i64) -> String {
    let units = (i128::from(minor) + 50 * i128::from(minor.signum())) / 100;
    let sign = if units < 0 { "-" } else { "" };
    format!(
        "{sign}${}",
        group(u64::try_from(units.unsigned_abs()).expect("fits"))
    )
}

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Eighteen months of a coffee roaster's books ending today, as the demo makes them.
fn coffee_books(transactions: usize) -> GeneratedBooks {
    let today = chrono::Utc::now().date_naive();
    let mut config = GenConfig::new(42, transactions);
    config.start = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(17)))
        .expect("date");
    config.months = Some(18);
    config.profile = Profile::CoffeeRoaster;
    config.currency = Currency::USD;
    let mut books = generate(&config).expect("books");
    books.transactions.retain(|t| t.date <= today);
    books.documents.retain(|d| d.issue_date <= today);
    for d in &mut books.documents {
        if d.paid_date.is_some_and(|p| p > today) {
            d.paid_date = None;
        }
    }
    books
}

async fn import_generated(app: &TestApp, org: OrgId, books: &GeneratedBooks) {
    let mut import = app.begin_store_import(org, "books.csv").await;
    for a in &books.accounts {
        import
            .ensure_account(&a.name, a.opening_balance_minor)
            .await
            .expect("account");
    }
    let rows: Vec<NewTransaction> = books
        .transactions
        .iter()
        .map(|t| NewTransaction {
            account: t.account.to_string(),
            posted_on: t.date,
            amount_minor: t.amount_minor,
            currency: "USD".into(),
            original_amount_minor: t.amount_minor,
            original_currency: "USD".into(),
            counterparty: t.counterparty.to_string(),
            description: t.description.to_string(),
            category: t.category.to_string(),
            is_transfer: &*t.category == flowsense_core::books::TRANSFER_CATEGORY,
            external_id: t.reference.clone(),
        })
        .collect();
    import.add_transactions(&rows).await.expect("rows");
    let docs: Vec<NewDocument> = books
        .documents
        .iter()
        .map(|d| NewDocument {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: d.counterparty.to_string(),
            issue_date: d.issue_date,
            due_date: d.due_date,
            paid_date: d.paid_date,
            amount_minor: d.amount_minor,
            currency: "USD".into(),
            external_id: format!("{}:{}", d.kind.as_str(), d.number),
        })
        .collect();
    import.add_documents(&docs).await.expect("docs");
    import.commit().await.expect("commit");
}

/// Two organisations with different books; `ann` (admin), `mia` (member), `vic` (viewer) of
/// the first, `oz` admin of the second.
struct World {
    app: TestApp,
    org: OrgId,
    other: OrgId,
    books: GeneratedBooks,
}

async fn world(db: Db) -> World {
    let app = spawn_app(db).await;
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    app.member(org, "mia@x.test", Role::Member).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let oz = app.user("oz@y.test").await;
    let other = app.org("elsewhere", oz).await;
    let books = coffee_books(3_000);
    import_generated(&app, org, &books).await;
    let today = chrono::Utc::now().date_naive();
    app.import_rows(
        other,
        &[NewTransaction {
            account: "Operating".into(),
            posted_on: today,
            amount_minor: 777_777,
            currency: "USD".into(),
            original_amount_minor: 777_777,
            original_currency: "USD".into(),
            counterparty: "Only Elsewhere Ltd".into(),
            description: "other books".into(),
            category: "Sales".into(),
            is_transfer: false,
            external_id: "o1".into(),
        }],
    )
    .await;
    World {
        app,
        org,
        other,
        books,
    }
}

/// A signed-in browser's page: status and body.
async fn page(http: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = http.get(url).send().await.expect("page");
    let status = r.status();
    if status.is_success() {
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        assert!(
            r.headers()[CONTENT_TYPE]
                .to_str()
                .expect("ct")
                .starts_with("text/html")
        );
    }
    (status, r.text().await.expect("body"))
}

async fn every_page_renders_for_each_role_and_another_organisation_is_not_found(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    for email in ["ann@x.test", "mia@x.test", "vic@x.test"] {
        let b = w.app.signed_in(email).await;
        for p in PAGES {
            let (status, html) = page(&b.http, format!("{base}/app/{}/{p}", w.org)).await;
            assert_eq!(status, StatusCode::OK, "{email} {p}: {html}");
            assert!(!html.contains("style="), "{p}: inline style");
            assert!(!html.contains("<script"), "{p}: script");
            assert!(
                html.contains(&format!(
                    "href=\"/app/{}/{p}\" aria-current=\"page\"",
                    w.org
                )),
                "{p}: current section"
            );
            assert!(
                !html.contains("Only Elsewhere"),
                "{p}: another organisation's books"
            );
        }
        for org in [w.other, OrgId::new()] {
            for p in PAGES {
                let (status, html) = page(&b.http, format!("{base}/app/{org}/{p}")).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} {p}");
                assert!(html.contains("Page not found"));
                assert!(!html.contains("Only Elsewhere"));
            }
        }
    }
    // Signed out: to the sign-in page.
    let anon = w.app.browser();
    let r = anon
        .http
        .get(format!("{base}/app/{}/forecast", w.org))
        .send()
        .await
        .expect("page");
    assert_eq!(r.url().path(), "/login");
}

async fn the_pages_show_the_numbers_of_the_json_reports(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let mut b = w.app.signed_in("vic@x.test").await;
    let http = b.http.clone();
    let report = |kind: &str| format!("/api/v1/orgs/{}/reports/{kind}", w.org);

    // Forecast: cash today, and every week's ending cash with its range.
    let (_, f) = b.get(&report("forecast")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/forecast", w.org)).await;
    let f = &f["report"];
    assert!(html.contains(&usd_whole(f["starting_cash"].as_i64().expect("cash"))));
    let weeks = f["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 13);
    for week in weeks {
        for p in ["p10", "p50", "p90"] {
            let v = week["ending_cash"][p].as_i64().expect("band");
            assert!(html.contains(&usd(v)), "ending cash {p} {v}");
        }
        assert!(html.contains(&usd(week["net"]["p50"].as_i64().expect("net"))));
    }
    let bt = &f["backtest"];
    assert!(
        bt.is_object(),
        "18 months of books are enough for a backtest"
    );
    let wape = bt["forecast_wape_bp"].as_i64().expect("wape");
    assert!(html.contains(&format!(">{}.{}%<", wape / 100, (wape % 100) / 10)));
    assert_eq!(
        html.matches("<rect").count(),
        0,
        "the forecast draws a band, not bars"
    );
    assert!(html.contains("<title id=\"forecast-chart-title\">"));

    // Recurring: every active item, and the planted price rise highlighted.
    let (_, r) = b.get(&report("recurring")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/recurring", w.org)).await;
    let items = r["report"]["items"].as_array().expect("items");
    let active: Vec<&Value> = items.iter().filter(|i| i["active"] == true).collect();
    assert!(active.len() >= 5, "{items:?}");
    for item in &active {
        let name = item["counterparty"].as_str().expect("name");
        let amount = -item["typical_amount"].as_i64().expect("amount");
        assert!(html.contains(&usd(amount)), "{name} {amount}");
        assert!(html.contains(&html_escape(name)), "{name}");
    }
    let rise = &w.books.truth.price_increase;
    let item = items
        .iter()
        .find(|i| i["counterparty"] == rise.counterparty.as_str())
        .expect("the price raiser recurs");
    let bp = item["price_change"]["change_bp"]
        .as_i64()
        .expect("a price change");
    assert!((1100..1300).contains(&bp), "about +12%: {bp}");
    let badge = format!("+{}.{}%", bp / 100, (bp % 100) / 10);
    let row = html
        .split("<tr class=\"row-rise\">")
        .skip(1)
        .find(|row| row.contains(&html_escape(&rise.counterparty)))
        .expect("the rise is highlighted");
    assert!(row.contains(&badge), "{row}");
    assert!(
        row.contains(&usd(-rise.old_amount_minor)),
        "the old price: {row}"
    );

    // Receivables & payables: totals, buckets, DSO.
    let (_, a) = b.get(&report("aging")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/aging", w.org)).await;
    let a = &a["report"];
    for side in ["receivables", "payables"] {
        assert!(html.contains(&usd(a[side]["total"].as_i64().expect("total"))));
        for bucket in a[side]["buckets"].as_array().expect("buckets") {
            assert!(html.contains(&usd(bucket.as_i64().expect("bucket"))));
        }
    }
    if let Some(dso) = a["dso_days"].as_f64() {
        assert!(html.contains(&format!("{dso:.1} days")));
    }
    assert!(html.contains("id=\"aging-chart\""));

    // Cash flow: the totals and each month of a range, as the API reports them.
    let today = chrono::Utc::now().date_naive();
    let from = today.with_day(1).expect("d") - Months::new(5);
    let range = format!("from={from}&to={today}");
    let (_, c) = b
        .get(&format!("{}?{range}&period=month", report("cashflow")))
        .await;
    let (status, html) = page(
        &http,
        format!(
            "{base}/app/{}/cashflow?period=month&{range}&split=counterparty",
            w.org
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let c = &c["report"];
    for (id, key) in [
        ("total-in", "inflow"),
        ("total-out", "outflow"),
        ("total-net", "net"),
    ] {
        let v = usd(c["total"][key].as_i64().expect("total"));
        assert!(html.contains(&format!("id=\"{id}\">{v}<")), "{id} {v}");
    }
    let periods = c["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 6);
    assert_eq!(
        html.matches("class=\"bar bar-in\"").count()
            + html.matches("class=\"bar bar-out\"").count(),
        12
    );
    for p in periods {
        assert!(html.contains(&usd(p["net"].as_i64().expect("net"))));
    }
    let top = c["by_counterparty"][0]["name"].as_str().expect("top name");
    assert!(html.contains("Top counterparties"));
    assert!(html.contains(&html_escape(top)));
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What askama makes of text in HTML.
fn html_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

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

async fn an_import_changes_the_numbers_on_the_next_request(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let mut b = w.app.signed_in("ann@x.test").await;
    let today = chrono::Utc::now().date_naive();
    let month = today.with_day(1).expect("d");
    let cashflow = format!("{base}/app/{}/cashflow?from={month}&to={today}", w.org);
    let api = format!(
        "/api/v1/orgs/{}/reports/cashflow?from={month}&to={today}",
        w.org
    );
    // Warm every cache, twice.
    for _ in 0..2 {
        page(&b.http, format!("{base}/app/{}", w.org)).await;
        page(&b.http, cashflow.clone()).await;
    }
    let (_, before) = b.get(&api).await;
    let inflow = before["report"]["total"]["inflow"]
        .as_i64()
        .expect("inflow");
    let (_, html) = page(&b.http, cashflow.clone()).await;
    assert!(html.contains(&format!("id=\"total-in\">{}<", usd(inflow))));
    let (_, runway) = b
        .get(&format!("/api/v1/orgs/{}/reports/runway", w.org))
        .await;
    let cash_before = runway["report"]["cash_now"].as_i64().expect("cash");
    assert_eq!(
        kpi_cash(&page(&b.http, format!("{base}/app/{}", w.org)).await.1),
        usd_whole(cash_before)
    );
    let cached = w.app.state.analytics.len();
    assert_eq!(cached, 1, "one organisation's books are cached");

    w.app
        .import_rows(
            w.org,
            &[NewTransaction {
                account: "Operating".into(),
                posted_on: today,
                amount_minor: 12_345_678,
                currency: "USD".into(),
                original_amount_minor: 12_345_678,
                original_currency: "USD".into(),
                counterparty: "Windfall Grants".into(),
                description: "grant".into(),
                category: "Grants".into(),
                is_transfer: false,
                external_id: "windfall".into(),
            }],
        )
        .await;
    let (_, html) = page(&b.http, cashflow).await;
    assert!(
        html.contains(&format!("id=\"total-in\">{}<", usd(inflow + 12_345_678))),
        "the page shows the import at once"
    );
    let (_, after) = b.get(&api).await;
    assert_eq!(after["report"]["total"]["inflow"], inflow + 12_345_678);
    let (_, runway) = b
        .get(&format!("/api/v1/orgs/{}/reports/runway", w.org))
        .await;
    let cash_after = runway["report"]["cash_now"].as_i64().expect("cash");
    assert_eq!(cash_after, cash_before + 12_345_678);
    assert_eq!(
        kpi_cash(&page(&b.http, format!("{base}/app/{}", w.org)).await.1),
        usd_whole(cash_after)
    );
    // The other organisation's numbers never saw it.
    let (_, other) = b
        .get(&format!("/api/v1/orgs/{}/reports/cashflow", w.other))
        .await;
    assert_eq!(other["error"]["code"], "not_found");
    let oz = w.app.signed_in("oz@y.test").await;
    let (_, html) = page(
        &oz.http,
        format!("{base}/app/{}/cashflow?from={month}&to={today}", w.other),
    )
    .await;
    assert!(
        html.contains(&format!("id=\"total-in\">{}<", usd(777_777))),
        "{html}"
    );
    assert!(!html.contains("Windfall"));
}

/// The dashboard's "Cash now" figure.
fn kpi_cash(html: &str) -> String {
    html.split("id=\"kpi-cash\"")
        .nth(1)
        .and_then(|rest| rest.split("<div class=\"kpi-value\">").nth(1))
        .and_then(|rest| rest.split('<').next())
        .expect("the cash figure")
        .to_owned()
}

crate::on_both_backends!(
    every_page_renders_for_each_role_and_another_organisation_is_not_found,
    the_pages_show_the_numbers_of_the_json_reports,
    bad_input_gets_the_form_back_with_a_message_and_422,
    a_what_if_moves_the_ending_cash_by_what_it_says,
    an_import_changes_the_numbers_on_the_next_request,
);
