//! The CSV and XLSX downloads of the pages' tables: the page's own figures (totals read back
//! from the XLSX equal the page's and the reports'), money as exact numbers with the currency,
//! dates as ISO text in CSV and real dates in XLSX, formula text defused in CSV and never a
//! formula in XLSX, never cached, a safe file name; a viewer downloads, another organisation
//! cannot, and bad input is refused.

use crate::analysis_pages::{coffee_books, import_generated};
use crate::support::{Browser, Db, spawn_app};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use flowsense_core::Role;
use flowsense_storage::NewTransaction;
use reqwest::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const HOSTILE: &str = "=HYPERLINK(\"http://evil.test\",\"Click\")";

/// A download: status, content type, disposition, cache control and the bytes.
struct File {
    status: StatusCode,
    content_type: String,
    disposition: String,
    cache: String,
    bytes: Vec<u8>,
}

async fn download(b: &Browser, path: &str) -> File {
    let resp = b.request(Method::GET, path).send().await.expect("send");
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    File {
        status: resp.status(),
        content_type: header(CONTENT_TYPE),
        disposition: header(CONTENT_DISPOSITION),
        cache: header(CACHE_CONTROL),
        bytes: resp.bytes().await.expect("body").to_vec(),
    }
}

/// Every sheet of an XLSX file, by name, as rows of cells.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).expect("sheet");
            let formulas = book.worksheet_formula(&n).expect("formulas");
            assert_eq!(formulas.used_cells().count(), 0, "no formula in {n}");
            (n, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}

/// The column named `name` in a header row.
fn column(header: &[Data], name: &str) -> usize {
    header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// A money cell read back as minor units (two decimals).
fn minor(cell: &Data) -> i64 {
    match cell {
        Data::Float(f) => format!("{f:.2}").replace('.', "").parse().expect("money"),
        other => panic!("not a number: {other:?}"),
    }
}

/// A date cell's day.
fn day(cell: &Data) -> NaiveDate {
    match cell {
        Data::DateTime(d) => {
            let serial = d.as_f64();
            assert!(serial.fract().abs() < f64::EPSILON, "a whole day");
            NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch")
                + chrono::TimeDelta::days(format!("{serial:.0}").parse().expect("days"))
        }
        other => panic!("not a date: {other:?}"),
    }
}

/// `$1,234.56` as the pages print dollars, back into minor units.
fn dollars(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let v: i64 = digits.parse().expect("an amount");
    if negative { -v } else { v }
}

/// The text of the element with `id` in a page.
fn text_of(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\">")).expect("element") + id.len() + 6;
    html[start..].split('<').next().expect("text").to_owned()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

async fn the_pages_tables_download_as_csv_and_xlsx_with_the_pages_figures(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    import_generated(&app, org, &coffee_books(3_000)).await;
    let today = chrono::Utc::now().date_naive();
    let mut import = app.begin_store_import(org, "hostile.csv").await;
    import
        .add_transactions(&[NewTransaction {
            account: "Operating".into(),
            posted_on: today,
            amount_minor: -12_345,
            currency: "USD".into(),
            original_amount_minor: -12_345,
            original_currency: "USD".into(),
            counterparty: HOSTILE.into(),
            description: "+cmd|' /C calc'!A0".into(),
            category: "@SUM(1+1)".into(),
            is_transfer: false,
            external_id: "hostile-1".into(),
        }])
        .await
        .expect("row");
    import.commit().await.expect("commit");
    let other_admin = app.user("oz@x.test").await;
    app.org("elsewhere", other_admin).await;
    let mut viewer = app.signed_in("vi@x.test").await;
    let outsider = app.signed_in("oz@x.test").await;

    // Transactions, as CSV: every row, money as plain decimals with the currency beside them,
    // ISO dates, formulas defused, a safe name, never cached.
    let csv_file = download(&viewer, "/app/roastery/transactions/export?format=csv").await;
    assert_eq!(csv_file.status, StatusCode::OK);
    assert!(csv_file.content_type.starts_with("text/csv"));
    assert_eq!(csv_file.cache, "no-store");
    assert!(
        csv_file
            .disposition
            .starts_with("attachment; filename=\"roastery-transactions-")
            && csv_file.disposition.ends_with(".csv\""),
        "{}",
        csv_file.disposition
    );
    let rows = csv_rows(&csv_file.bytes);
    let header = &rows[0];
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let stored = app.state.store.load_books(org).await.expect("books").txns;
    assert_eq!(rows.len() - 1, stored.len());
    let sum: i64 = rows[1..]
        .iter()
        .map(|r| {
            r[at("amount")]
                .replace('.', "")
                .parse::<i64>()
                .expect("cents")
        })
        .sum();
    assert_eq!(sum, stored.iter().map(|t| t.amount).sum::<i64>());
    assert!(rows[1..].iter().all(|r| r[at("currency")] == "USD"));
    assert!(rows[1..].iter().all(|r| {
        let d = &r[at("date")];
        d.len() == 10 && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
    }));
    let hostile = rows
        .iter()
        .find(|r| r[at("counterparty")].contains("HYPERLINK"))
        .expect("the hostile row");
    assert_eq!(hostile[at("counterparty")], format!("'{HOSTILE}"));
    assert!(hostile[at("description")].starts_with("'+"));
    assert!(hostile[at("category")].starts_with("'@"));
    assert_eq!(hostile[at("amount")], "-123.45");
    assert_eq!(hostile[at("date")], today.to_string());

    // The page's filters apply: a word search finds only the hostile row.
    let filtered = download(
        &viewer,
        "/app/roastery/transactions/export?q=calc&category=&from=&to=&format=csv",
    )
    .await;
    assert_eq!(csv_rows(&filtered.bytes).len(), 2);

    // As XLSX: numbers with the currency's format, real dates, text that is never a formula.
    let x = download(&viewer, "/app/roastery/transactions/export?format=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.content_type.contains("spreadsheetml"));
    assert_eq!(x.cache, "no-store");
    assert!(x.disposition.ends_with(".xlsx\""), "{}", x.disposition);
    let book = sheets(&x.bytes);
    let (name, rows) = &book[0];
    assert_eq!(name, "Transactions");
    let amount = column(&rows[0], "amount (USD)");
    let date = column(&rows[0], "date");
    let cp = column(&rows[0], "counterparty");
    let sum: i64 = rows[1..].iter().map(|r| minor(&r[amount])).sum();
    assert_eq!(sum, stored.iter().map(|t| t.amount).sum::<i64>());
    let hostile = rows
        .iter()
        .find(|r| r[cp].to_string().contains("HYPERLINK"))
        .expect("the hostile row");
    assert_eq!(hostile[cp], Data::String(HOSTILE.into()));
    assert_eq!(day(&hostile[date]), today);

    // Cash flow: the period table's total row is the page's money in, out and net.
    let (_, html) = page(&mut viewer, "/app/roastery/cashflow").await;
    let x = download(
        &viewer,
        "/app/roastery/cashflow/export?period=&from=&to=&split=&format=xlsx",
    )
    .await;
    assert_eq!(x.status, StatusCode::OK);
    let book = sheets(&x.bytes);
    let (name, rows) = &book[0];
    assert_eq!(name, "Cash flow by month");
    let total = rows.last().expect("total row");
    assert_eq!(total[0], Data::String("total".into()));
    for (id, col) in [
        ("total-in", "inflow (USD)"),
        ("total-out", "outflow (USD)"),
        ("total-net", "net (USD)"),
    ] {
        assert_eq!(
            minor(&total[column(&rows[0], col)]),
            dollars(&text_of(&html, id)),
            "{id}"
        );
    }
    let months: i64 = rows[1..rows.len() - 1]
        .iter()
        .map(|r| minor(&r[column(&rows[0], "net (USD)")]))
        .sum();
    assert_eq!(months, minor(&total[column(&rows[0], "net (USD)")]));
    assert_eq!(book[1].0, "By category");
    let by_counterparty = download(
        &viewer,
        "/app/roastery/cashflow/export?split=counterparty&format=csv",
    )
    .await;
    let text = String::from_utf8(by_counterparty.bytes).expect("utf-8");
    assert!(
        text.starts_with("start,end,inflow,outflow,net,count,currency\n"),
        "{text}"
    );
    assert!(text.contains("\nname,inflow,outflow,net,count,currency\n"));

    // Receivables & payables and the forecast: the reports' figures.
    let (_, aging) = viewer
        .get(&format!("/api/v1/orgs/{org}/reports/aging"))
        .await;
    let x = download(&viewer, "/app/roastery/aging/export?format=xlsx").await;
    let book = sheets(&x.bytes);
    let total = book[0].1.last().expect("total row");
    assert_eq!(
        minor(&total[1]),
        aging["report"]["receivables"]["total"]
            .as_i64()
            .expect("total")
    );
    assert_eq!(
        minor(&total[2]),
        aging["report"]["payables"]["total"]
            .as_i64()
            .expect("total")
    );
    let (_, forecast) = viewer
        .get(&format!("/api/v1/orgs/{org}/reports/forecast"))
        .await;
    let x = download(&viewer, "/app/roastery/forecast/export?format=xlsx").await;
    let book = sheets(&x.bytes);
    let rows = &book[0].1;
    let weeks: &Vec<Value> = forecast["report"]["weeks"].as_array().expect("weeks");
    assert_eq!(rows.len() - 1, weeks.len());
    let cash = column(&rows[0], "cash_p50 (USD)");
    for (r, w) in rows[1..].iter().zip(weeks) {
        assert_eq!(
            minor(&r[cash]),
            w["ending_cash"]["p50"].as_i64().expect("p50")
        );
        assert_eq!(day(&r[1]).to_string(), w["end"].as_str().expect("end"));
    }
    let (_, recurring) = viewer
        .get(&format!("/api/v1/orgs/{org}/reports/recurring"))
        .await;
    let r = download(&viewer, "/app/roastery/recurring/export?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        csv_rows(&r.bytes).len() - 1,
        recurring["report"]["items"]
            .as_array()
            .expect("items")
            .len()
    );

    // The pages link to their downloads.
    for p in ["transactions", "cashflow", "aging", "recurring", "forecast"] {
        let (_, html) = page(&mut viewer, &format!("/app/roastery/{p}")).await;
        assert!(html.contains(&format!("/app/roastery/{p}/export?")), "{p}");
        assert!(html.contains("format=xlsx\""), "{p}");
    }

    // Bad input is refused; another organisation's admin gets nothing.
    let bad = download(&viewer, "/app/roastery/aging/export?format=pdf").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = download(&viewer, "/app/roastery/aging/export").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = download(
        &viewer,
        "/app/roastery/transactions/export?from=yesterday&format=csv",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = download(
        &viewer,
        "/app/roastery/cashflow/export?period=year&format=csv",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for p in ["transactions", "cashflow", "aging", "recurring", "forecast"] {
        let theirs = download(&outsider, &format!("/app/roastery/{p}/export?format=csv")).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{p}");
        assert!(!String::from_utf8_lossy(&theirs.bytes).contains("HYPERLINK"));
    }
}

async fn page(b: &mut Browser, path: &str) -> (StatusCode, String) {
    let resp = b.request(Method::GET, path).send().await.expect("send");
    (resp.status(), resp.text().await.expect("html"))
}

crate::on_both_backends!(the_pages_tables_download_as_csv_and_xlsx_with_the_pages_figures);
