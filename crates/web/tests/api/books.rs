//! Reports and transactions over HTTP: the CLI's JSON, filters, paging and bad input.

use crate::forms::Person;
use crate::support::{Db, PASSWORD, spawn_app};
use flowsense_core::Role;
use flowsense_storage::NewTransaction;
use reqwest::StatusCode;

async fn reports_and_transactions_are_served_to_members_of_the_organisation(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("books", admin).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let rows: Vec<NewTransaction> = (0..150u32)
        .map(|n| NewTransaction {
            account: "Operating".into(),
            posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1 + n % 6, 1 + n % 28).expect("date"),
            amount_minor: if n % 3 == 0 { 250_000 } else { -60_000 },
            currency: "USD".into(),
            original_amount_minor: 0,
            original_currency: "USD".into(),
            counterparty: if n % 5 == 0 { "Landlord" } else { "Supplier" }.into(),
            description: format!("line {n}"),
            category: if n % 3 == 0 { "Sales" } else { "Supplies" }.into(),
            is_transfer: false,
            external_id: format!("t{n}"),
        })
        .collect();
    app.import_rows(org, &rows).await;

    let mut viewer = app.signed_in("vic@x.test").await;
    for kind in [
        "cashflow",
        "forecast",
        "runway",
        "anomalies",
        "recurring",
        "aging",
    ] {
        let (s, body) = viewer
            .get(&format!("/api/v1/orgs/{org}/reports/{kind}?period=month"))
            .await;
        assert_eq!(s, StatusCode::OK, "{kind}: {body}");
        assert_eq!(body["kind"], kind);
        assert_eq!(body["currency"], "USD");
    }
    let (_, cashflow) = viewer
        .get(&format!(
            "/api/v1/orgs/{org}/reports/cashflow?from=2026-01-01&to=2026-06-30"
        ))
        .await;
    let total_in: i64 = rows.iter().map(|r| r.amount_minor).filter(|a| *a > 0).sum();
    assert_eq!(
        cashflow["report"]["total"]["inflow"], total_in,
        "{cashflow}"
    );
    // A client that takes gzip gets the same document compressed, whether it was made with
    // the analysis (the defaults) or for this request; one that does not, or refuses it, gets
    // it as it is. A small document is not compressed.
    for path in ["reports/cashflow", "reports/cashflow?period=week"] {
        let url = format!("/api/v1/orgs/{org}/{path}");
        let (s, plain) = viewer.get(&url).await;
        assert_eq!(s, StatusCode::OK, "{plain}");
        for (accept, compressed) in [
            ("gzip, deflate, br, zstd", true),
            ("br;q=1, *;q=0.5", true),
            ("gzip;q=0, br", false),
            ("identity", false),
        ] {
            let r = viewer
                .request(reqwest::Method::GET, &url)
                .header("accept-encoding", accept)
                .send()
                .await
                .expect("report");
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()["vary"], "accept-encoding", "{accept}");
            assert_eq!(r.headers()["cache-control"], "no-store");
            assert_eq!(r.headers()["content-type"], "application/json");
            let encoding = r.headers().get("content-encoding").cloned();
            let bytes = r.bytes().await.expect("body");
            let json: serde_json::Value = if compressed {
                assert_eq!(
                    encoding.as_ref().map(|v| v.as_bytes()),
                    Some(&b"gzip"[..]),
                    "{accept}"
                );
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut flate2::read::GzDecoder::new(&bytes[..]),
                    &mut text,
                )
                .expect("a gzip stream");
                assert!(
                    bytes.len() * 3 < text.len(),
                    "{} of {}",
                    bytes.len(),
                    text.len()
                );
                serde_json::from_str(&text).expect("json")
            } else {
                assert!(encoding.is_none(), "{accept}");
                serde_json::from_slice(&bytes).expect("json")
            };
            assert_eq!(json, plain, "{path} with {accept}");
        }
    }
    let r = viewer
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/orgs/{org}/reports/runway"),
        )
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("runway");
    assert!(
        r.headers().get("content-encoding").is_none(),
        "a few hundred bytes: as they are"
    );

    for bad in [
        "reports/cashflow?period=fortnight",
        "reports/cashflow?from=yesterday",
        "transactions?limit=0",
        "transactions?cursor=nonsense",
    ] {
        let (s, body) = viewer.get(&format!("/api/v1/orgs/{org}/{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    let (s, _) = viewer
        .get(&format!("/api/v1/orgs/{org}/reports/horoscope"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Filters and paging: every matching row once, newest first.
    let mut seen = Vec::new();
    let mut next = Some(format!(
        "/api/v1/orgs/{org}/transactions?counterparty=Landlord&limit=7"
    ));
    while let Some(path) = next.take() {
        let (s, page) = viewer.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for t in page["items"].as_array().expect("items") {
            assert_eq!(t["counterparty"], "Landlord");
            seen.push(t["id"].as_i64().expect("id"));
        }
        next = page["next_cursor"].as_str().map(|c| {
            format!("/api/v1/orgs/{org}/transactions?counterparty=Landlord&limit=7&cursor={c}")
        });
    }
    assert_eq!(seen.len(), 30);
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 30);
    let (_, found) = viewer
        .get(&format!("/api/v1/orgs/{org}/transactions?q=LINE%2014"))
        .await;
    let descriptions: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["description"].as_str().expect("d"))
        .collect();
    assert!(
        descriptions.contains(&"line 14") && descriptions.iter().all(|d| d.contains("line 14")),
        "{descriptions:?}"
    );

    // Another organisation's books are not there at all.
    let other_admin = app.user("oz@x.test").await;
    let other = app.org("other", other_admin).await;
    let (s, _) = viewer
        .get(&format!("/api/v1/orgs/{other}/transactions"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = viewer
        .get(&format!("/api/v1/orgs/{other}/reports/runway"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A large import is committed before the search index takes it in: the API says how many rows
/// a search may miss and the page says so, until the `search.index` job has run.
async fn a_large_import_is_found_by_search_once_its_index_job_has_run(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("books", admin).await;
    let big = u32::try_from(flowsense_storage::search_index::INLINE_ROWS).expect("rows") + 1;
    let rows: Vec<NewTransaction> = (0..big)
        .map(|n| NewTransaction {
            account: "Operating".into(),
            posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1 + n % 6, 1 + n % 28).expect("date"),
            amount_minor: -1_000,
            currency: "USD".into(),
            original_amount_minor: -1_000,
            original_currency: "USD".into(),
            counterparty: "Paper Mill".into(),
            description: format!("ream {n}"),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("p{n}"),
        })
        .collect();
    app.import_rows(org, &rows).await;

    let p = Person::new(&app);
    p.sign_in("ann@x.test", PASSWORD).await;
    let mut api = app.signed_in("ann@x.test").await;
    let (s, page) = api
        .get(&format!("/api/v1/orgs/{org}/transactions?q=paper&limit=5"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().expect("items").len(), 0);
    assert_eq!(page["search_waiting"], i64::from(big));
    let html = p.get("/app/books/transactions?q=paper").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.body.contains("id=\"search-catching-up\""),
        "{}",
        html.body
    );
    assert!(
        html.body.contains("up to 10,001 of the newest"),
        "{}",
        html.body
    );
    // Without a search there is nothing to miss, and nothing is said.
    let (_, all) = api
        .get(&format!("/api/v1/orgs/{org}/transactions?limit=5"))
        .await;
    assert_eq!(all["items"].as_array().expect("items").len(), 5);
    assert_eq!(all["search_waiting"], 0);

    // The import queued its job at the wall clock's now, a moment after the test's clock.
    app.advance(chrono::TimeDelta::seconds(60));
    assert!(app.run_jobs().await >= 1);
    let (_, page) = api
        .get(&format!("/api/v1/orgs/{org}/transactions?q=paper&limit=5"))
        .await;
    assert_eq!(page["items"].as_array().expect("items").len(), 5);
    assert_eq!(page["search_waiting"], 0);
    let (_, one) = api
        .get(&format!("/api/v1/orgs/{org}/transactions?q=ream%2010000"))
        .await;
    assert_eq!(one["items"][0]["description"], "ream 10000", "{one}");
    let html = p.get("/app/books/transactions?q=paper").await;
    assert!(!html.body.contains("search-catching-up"));
    assert!(html.body.contains("Paper Mill"));
}

crate::on_both_backends!(
    reports_and_transactions_are_served_to_members_of_the_organisation,
    a_large_import_is_found_by_search_once_its_index_job_has_run,
);
