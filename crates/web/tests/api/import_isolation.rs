//! One tenant's upload never takes the service from another: the three-row CSV of extreme
//! amounts, a deeply nested OFX, and a large import, each while another organisation reads.

use crate::support::{Browser, Db, TestApp, code_of, spawn_app};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

async fn upload(b: &Browser, org: OrgId, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let path = format!("/api/v1/orgs/{org}/imports");
    b.upload(&path, &[("file", Some(name), bytes)]).await
}

/// Two organisations that share nothing: an uploader in the first, a viewer in the second.
async fn two_tenants(app: &TestApp) -> (OrgId, Browser, OrgId, Browser) {
    let a = app.user("uploader@x.test").await;
    let org_a = app.org("uploads", a).await;
    let b = app.user("owner-b@x.test").await;
    let org_b = app.org("bystander", b).await;
    app.member(org_b, "viewer-b@x.test", Role::Viewer).await;
    let uploader = app.signed_in("uploader@x.test").await;
    let viewer = app.signed_in("viewer-b@x.test").await;
    (org_a, uploader, org_b, viewer)
}

/// Latencies of the viewer's reads (`/api/v1/me`, the runway report, the dashboard) while
/// `busy` runs; every read must succeed.
async fn reads_while<F: std::future::Future>(
    viewer: &Browser,
    org: OrgId,
    busy: F,
) -> (F::Output, Vec<Duration>) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let http = viewer.http.clone();
        let base = viewer.base.clone();
        tokio::spawn(async move {
            let paths = [
                "/api/v1/me".to_owned(),
                format!("/api/v1/orgs/{org}/reports/runway"),
                format!("/app/{org}"),
            ];
            let mut latencies = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for path in &paths {
                    let started = Instant::now();
                    let r = http
                        .get(format!("{base}{path}"))
                        .send()
                        .await
                        .expect("read");
                    assert_eq!(
                        r.status(),
                        StatusCode::OK,
                        "{path} failed during the import"
                    );
                    latencies.push(started.elapsed());
                }
            }
            latencies
        })
    };
    let out = busy.await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut latencies = reader.await.expect("reader");
    latencies.sort();
    (out, latencies)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

async fn the_three_row_csv_is_refused_and_every_page_still_answers(db: Db) {
    let app = spawn_app(db).await;
    let (org_a, uploader, org_b, viewer) = two_tenants(&app).await;
    let csv = b"date,amount,description\n2026-01-01,92233720368547758.07,x\n\
                2026-01-02,92233720368547758.07,x\n2026-01-03,92233720368547758.07,x\n";
    let (s, body) = upload(&uploader, org_a, "attack.csv", csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body
        .pointer("/error/message")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    assert!(
        message.contains(":2:") || message.contains("line 2"),
        "{message}"
    );
    assert_eq!(app.transactions_in(org_a).await, 0);
    for path in ["", "/forecast", "/cashflow"] {
        let started = Instant::now();
        let r = uploader
            .request(Method::GET, &format!("/app/{org_a}{path}"))
            .send()
            .await
            .expect("page");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(started.elapsed() < Duration::from_secs(5), "{path}");
    }
    let started = Instant::now();
    let r = viewer
        .request(Method::GET, &format!("/app/{org_b}"))
        .send()
        .await
        .expect("other tenant");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1));
}

async fn a_deeply_nested_ofx_is_refused_quickly_while_others_read(db: Db) {
    let app = spawn_app(db).await;
    let (org_a, uploader, org_b, viewer) = two_tenants(&app).await;
    // The attack's file: 400,000 unclosed tags, then 400,000 leaves (2.8 MB).
    let mut ofx = String::from("OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>");
    ofx.push_str(&"<A>".repeat(400_000));
    ofx.push_str(&"<B>x".repeat(400_000));
    assert!(ofx.len() > 2_800_000);
    let ((status, body, took), latencies) = reads_while(&viewer, org_b, async {
        let started = Instant::now();
        let (s, body) = upload(&uploader, org_a, "nested.ofx", ofx.as_bytes()).await;
        (s, body, started.elapsed())
    })
    .await;
    eprintln!(
        "nested OFX of {} bytes answered {status} in {took:?}; {} reads meanwhile, slowest {:?}",
        ofx.len(),
        latencies.len(),
        latencies.last()
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        code_of(&body) == "invalid" || code_of(&body) == "import_refused",
        "{body}"
    );
    // It took 51 s before parsing was linear; a generous bound, since tests share the cores.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(app.transactions_in(org_a).await, 0);
}

async fn another_tenant_reads_during_a_large_import(db: Db) {
    const ROWS: u32 = 200_000;
    let app = spawn_app(db).await;
    let (org_a, uploader, org_b, viewer) = two_tenants(&app).await;
    let mut csv = String::from("date,amount,description,reference\n");
    for i in 0..ROWS {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date")
            + TimeDelta::days(i64::from(i % 365));
        let _ = writeln!(
            csv,
            "{day},-{}.{:02},Supplier {},r{i}",
            i % 5000,
            i % 100,
            i % 97
        );
    }
    // Every session is due a last-seen update: the viewer's first reads must not queue behind
    // the import's transaction.
    app.advance(TimeDelta::minutes(2));
    let ((status, body), latencies) = reads_while(
        &viewer,
        org_b,
        upload(&uploader, org_a, "big.csv", csv.as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rows_added"], serde_json::json!(ROWS));
    let (p50, p99, max) = (
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        latencies.last().copied().unwrap_or_default(),
    );
    eprintln!(
        "{} reads by another organisation during a {ROWS}-row import: p50 {p50:?}, p99 {p99:?}, max {max:?}",
        latencies.len()
    );
    assert!(latencies.len() >= 3, "the reader kept reading");
    assert!(max < Duration::from_secs(3), "a read waited {max:?}");
}

crate::on_both_backends!(
    the_three_row_csv_is_refused_and_every_page_still_answers,
    a_deeply_nested_ofx_is_refused_quickly_while_others_read,
    another_tenant_reads_during_a_large_import,
);
