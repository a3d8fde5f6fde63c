//! Books with extreme values written straight through the store, past any importer check (as a
//! provider sync or an older database could hold them): every page and every JSON report of
//! the organisation answers promptly and in full, and the server goes on serving everyone else.
//! Three rows of 92233720368547758.07 once made a chart's tick loop run forever.

use crate::support::{Browser, Db, TestApp, postgres_url, spawn_app};
use chrono::{Days, NaiveDate};
use flowsense_core::{DocKind, OrgId};
use flowsense_storage::{NewDocument, NewTransaction};
use reqwest::StatusCode;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// Far more than any of these requests needs: the guard against a hang, not a benchmark.
const BUDGET: Duration = Duration::from_secs(10);

const REPORTS: [&str; 6] = [
    "cashflow",
    "forecast",
    "runway",
    "anomalies",
    "recurring",
    "aging",
];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// Books to write: opening balance of the one account, transactions and documents.
struct Case {
    name: &'static str,
    opening: i64,
    rows: Vec<(NaiveDate, i64, &'static str)>,
    docs: Vec<(DocKind, NaiveDate, i64, Option<NaiveDate>)>,
}

impl Case {
    fn of(name: &'static str, rows: Vec<(NaiveDate, i64, &'static str)>) -> Self {
        Self {
            name,
            opening: 0,
            rows,
            docs: Vec::new(),
        }
    }
}

fn cases() -> Vec<Case> {
    let weekly = |n: u64, amount: &dyn Fn(u64) -> i64| -> Vec<(NaiveDate, i64, &'static str)> {
        (0..n)
            .map(|i| (d(2025, 1, 6) + Days::new(7 * i), amount(i), "Counterparty"))
            .collect()
    };
    let mixed_amounts = [
        1,
        -1,
        i64::MAX,
        i64::MIN + 1,
        1_000_000_000_000,
        -7,
        i64::MIN,
    ];
    vec![
        // The CSV that brought the server down: `2026-01-0N,92233720368547758.07,x` three times.
        Case::of(
            "three rows near i64::MAX",
            (1..=3).map(|n| (d(2026, 1, n), i64::MAX, "x")).collect(),
        ),
        Case::of("one row of i64::MIN", vec![(d(2026, 1, 1), i64::MIN, "x")]),
        Case::of(
            "monthly payments of i64::MIN",
            (1..=12)
                .map(|m| (d(2025, m, 5), i64::MIN, "Landlord"))
                .collect(),
        ),
        Case::of(
            "alternating ±i64::MAX",
            weekly(40, &|i| if i % 2 == 0 { i64::MAX } else { -i64::MAX }),
        ),
        Case::of("one row", vec![(d(2026, 2, 1), i64::MAX, "x")]),
        Case::of(
            "every row on one day",
            mixed_amounts
                .iter()
                .map(|&a| (d(2026, 3, 3), a, "Same Day"))
                .collect(),
        ),
        Case::of(
            "dates at the limits",
            vec![
                (d(1, 1, 1), i64::MIN, "Ancient"),
                (d(1900, 1, 1), -5, "Old"),
                (d(2200, 12, 31), 5, "Future"),
                (d(9999, 12, 31), i64::MAX, "Far"),
            ],
        ),
        Case::of(
            "huge and tiny amounts mixed",
            weekly(60, &|i| mixed_amounts[usize::try_from(i).unwrap_or(0) % 7]),
        ),
        Case {
            name: "extreme opening balance and documents",
            opening: i64::MAX,
            rows: weekly(30, &|i| if i % 3 == 0 { i64::MIN } else { 10_000 }),
            docs: vec![
                (DocKind::Invoice, d(2025, 2, 1), i64::MAX, None),
                (
                    DocKind::Invoice,
                    d(2025, 3, 1),
                    i64::MAX,
                    Some(d(2025, 6, 1)),
                ),
                (
                    DocKind::Invoice,
                    d(2025, 4, 1),
                    i64::MAX,
                    Some(d(2025, 9, 1)),
                ),
                (DocKind::Bill, d(2025, 5, 1), i64::MAX, None),
                (DocKind::Bill, d(1, 1, 1), i64::MIN, None),
                (DocKind::Invoice, d(9999, 12, 1), i64::MIN, None),
            ],
        },
    ]
}

/// Writes `case` into `org` as one committed import, straight through the store.
async fn write_books(app: &TestApp, org: OrgId, case: &Case) {
    let mut import = app.begin_store_import(org, "extreme.csv").await;
    import
        .ensure_account("Operating", case.opening)
        .await
        .expect("account");
    let rows: Vec<NewTransaction> = case
        .rows
        .iter()
        .enumerate()
        .map(|(i, &(posted_on, amount, counterparty))| NewTransaction {
            account: "Operating".into(),
            posted_on,
            amount_minor: amount,
            currency: "USD".into(),
            original_amount_minor: amount,
            original_currency: "USD".into(),
            counterparty: counterparty.into(),
            description: "x".into(),
            category: if i % 2 == 0 { "Sales" } else { "Rent" }.into(),
            is_transfer: false,
            external_id: format!("x{i}"),
        })
        .collect();
    import.add_transactions(&rows).await.expect("rows");
    let docs: Vec<NewDocument> = case
        .docs
        .iter()
        .enumerate()
        .map(|(i, &(kind, issued, amount, paid))| NewDocument {
            kind,
            number: format!("D{i}"),
            counterparty: "Counterparty".into(),
            issue_date: issued,
            due_date: issued.checked_add_days(Days::new(30)).unwrap_or(issued),
            paid_date: paid,
            amount_minor: amount,
            currency: "USD".into(),
            external_id: format!("d{i}"),
        })
        .collect();
    import.add_documents(&docs).await.expect("documents");
    import.commit().await.expect("commit");
}

/// GETs `path`, failing on a hang (past [`BUDGET`]) or a dropped connection; status and body.
async fn fetch(b: &Browser, path: &str) -> (StatusCode, String) {
    let url = format!("{}{path}", b.base);
    let answer = tokio::time::timeout(BUDGET, async {
        let r = b.http.get(&url).send().await?;
        let status = r.status();
        Ok::<_, reqwest::Error>((status, r.text().await?))
    })
    .await;
    match answer {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => panic!("GET {path}: the connection failed: {e}"),
        Err(_) => panic!("GET {path}: no answer within {BUDGET:?}"),
    }
}

/// Every page and report of the organisation, with the what-if form filled in.
fn paths(org: OrgId) -> Vec<String> {
    let mut paths: Vec<String> = [
        "",
        "/transactions",
        "/cashflow",
        "/cashflow?period=week",
        "/cashflow?split=counterparty&from=0001-01-01&to=0001-12-31",
        "/recurring",
        "/aging",
        "/forecast",
        "/forecast?delay_days=180&monthly_amount=1000000000&monthly_kind=revenue_down",
    ]
    .iter()
    .map(|p| format!("/app/{org}{p}"))
    .collect();
    paths.extend(
        REPORTS
            .iter()
            .map(|kind| format!("/api/v1/orgs/{org}/reports/{kind}")),
    );
    paths.extend(
        [
            "cashflow?period=day&from=0001-01-01&to=9999-12-31",
            "runway?as_of=9999-12-31",
        ]
        .iter()
        .map(|q| format!("/api/v1/orgs/{org}/reports/{q}")),
    );
    paths
}

async fn every_page_and_report_answers_for_extreme_books(db: Db) {
    let app = spawn_app(db).await;
    let ann = app.user("ann@x.test").await;
    let normal = app.org("normal", ann).await;
    write_books(
        &app,
        normal,
        &Case::of("normal", vec![(d(2026, 1, 5), 123_456, "Customer")]),
    )
    .await;
    let b = app.signed_in("ann@x.test").await;
    let mut extreme = Vec::new();
    for (i, case) in cases().iter().enumerate() {
        let org = app.org(&format!("extreme-{i}"), ann).await;
        extreme.push(org);
        write_books(&app, org, case).await;
        for path in paths(org) {
            let (status, body) = fetch(&b, &path).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}: GET {path}: {}",
                case.name,
                body.chars().take(400).collect::<String>()
            );
            assert!(body.len() < 2_000_000, "{}: {path} is bounded", case.name);
            if path.starts_with("/api/") {
                let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
                assert!(json["report"].is_object(), "{}: {path}", case.name);
            } else {
                assert!(
                    body.trim_end().ends_with("</html>"),
                    "{}: {path}",
                    case.name
                );
            }
        }
    }
    // The server still serves everyone.
    let (status, _) = fetch(&b, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    // The three rows' forecast is drawn, saturated, with the axis above it (history from $0 up
    // to the saturated cash, then the forecast at it).
    let (_, html) = fetch(&b, &format!("/app/{}/forecast", extreme[0])).await;
    assert!(
        html.contains("<svg")
            && html.contains(">$100000000000M<")
            && html.contains("id=\"ending-cash\">$92,233,720,368,547,758<"),
        "{html}"
    );
    let (status, html) = fetch(&b, &format!("/app/{normal}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("$1,235"), "the other books' cash: {html}");
}

/// Runs `test` on its own runtime, shut down without waiting for stuck work. A page whose
/// computation never returns is what this file guards against, and dropping a runtime waits for
/// every blocking task: with `#[tokio::test]` the timeout would fire and the suite still hang.
fn on_bounded_runtime(test: impl Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(test)));
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn every_page_and_report_answers_for_extreme_books_on_sqlite() {
    on_bounded_runtime(every_page_and_report_answers_for_extreme_books(Db::Sqlite));
}

#[test]
fn every_page_and_report_answers_for_extreme_books_on_postgres() {
    if postgres_url().is_none() {
        eprintln!("SKIPPED (PostgreSQL): extreme books — set FLOWSENSE_TEST_POSTGRES_URL");
        return;
    }
    on_bounded_runtime(every_page_and_report_answers_for_extreme_books(
        Db::Postgres,
    ));
}
