//! The analysis pages over HTTP: cash flow, recurring, receivables & payables and the forecast
//! with its what-if form, for every role; another organisation's id; bad input; the numbers on
//! the pages against the JSON reports; and the analytics cache following every import.

mod forecast_forms;
mod freshness;
mod purged_backtest;
mod rendering;
mod what_if;

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
pub(crate) fn coffee_books(transactions: usize) -> GeneratedBooks {
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

pub(crate) async fn import_generated(app: &TestApp, org: OrgId, books: &GeneratedBooks) {
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

/// The dashboard's "Cash now" figure.
fn kpi_cash(html: &str) -> String {
    html.split("id=\"kpi-cash\"")
        .nth(1)
        .and_then(|rest| rest.split("<div class=\"kpi-value\">").nth(1))
        .and_then(|rest| rest.split('<').next())
        .expect("the cash figure")
        .to_owned()
}
