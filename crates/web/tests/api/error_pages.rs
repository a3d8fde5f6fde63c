//! Errors as people and programs see them: a browser gets an HTML page that says what to do,
//! links home and quotes the request id, without internals; the API keeps its JSON shape. One
//! check each for 404, 403, 429 and 500 (a database that went away).

use crate::forms::{Person, assert_clean};
use crate::support::{Db, PASSWORD, code_of, spawn_with};
use flowsense_core::Role;
use flowsense_service::identity::limits::{Limit, RateLimits};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use std::time::Duration;

struct Seen {
    status: StatusCode,
    content_type: String,
    request_id: String,
    retry_after: Option<String>,
    body: String,
}

async fn fetch(http: &reqwest::Client, url: String) -> Seen {
    let r = http.get(url).send().await.expect("request");
    seen(r).await
}

async fn seen(r: reqwest::Response) -> Seen {
    let header = |name| {
        r.headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    Seen {
        status: r.status(),
        content_type: header(CONTENT_TYPE).unwrap_or_default(),
        request_id: header(reqwest::header::HeaderName::from_static("x-request-id"))
            .unwrap_or_default(),
        retry_after: header(RETRY_AFTER),
        body: r.text().await.expect("body"),
    }
}

/// A page for people: HTML within the CSP, a way home, the request id, nothing internal.
fn assert_helpful_page(s: &Seen, status: StatusCode, heading: &str) {
    assert_eq!(s.status, status, "{}", s.body);
    assert!(
        s.content_type.starts_with("text/html"),
        "{}",
        s.content_type
    );
    assert_clean(&s.body);
    assert!(s.body.contains(heading), "{heading}: {}", s.body);
    assert!(s.body.contains("href=\"/\""), "a link home");
    assert!(!s.request_id.is_empty(), "every answer has a request id");
    assert!(
        s.body
            .contains(&format!("<code id=\"request-id\">{}</code>", s.request_id)),
        "the page quotes the request id"
    );
    for internal in [
        "panicked",
        "sqlx",
        "pool",
        "Storage",
        "at src/",
        "RUST_BACKTRACE",
    ] {
        assert!(!s.body.contains(internal), "{internal} leaked: {}", s.body);
    }
}

/// The API's shape: JSON with a stable code.
fn assert_json(s: &Seen, status: StatusCode, code: &str) {
    assert_eq!(s.status, status, "{}", s.body);
    assert!(s.content_type.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&s.body).expect("json");
    assert_eq!(v["error"]["code"], code, "{v}");
}

fn two_sign_in_attempts() -> RateLimits {
    RateLimits {
        login_per_account: Limit {
            burst: 2,
            period: Duration::from_secs(600),
        },
        ..RateLimits::generous()
    }
}

async fn not_found_forbidden_and_rate_limited_are_pages_for_people_and_json_for_programs(db: Db) {
    let app = spawn_with(db, two_sign_in_attempts(), |_| {}).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("cafe", admin).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let base = &app.base;
    let viewer = app.signed_in("vic@x.test").await;

    // 404: a missing page, and a missing API path.
    let s = fetch(&viewer.http, format!("{base}/no-such-page")).await;
    assert_helpful_page(&s, StatusCode::NOT_FOUND, "Page not found");
    let s = fetch(&viewer.http, format!("{base}/api/v1/no-such-thing")).await;
    assert_json(&s, StatusCode::NOT_FOUND, "not_found");

    // 403: a viewer at an admin page, and at an admin API route.
    let s = fetch(&viewer.http, format!("{base}/app/{org}/settings")).await;
    assert_helpful_page(&s, StatusCode::FORBIDDEN, "Not allowed");
    let s = fetch(&viewer.http, format!("{base}/api/v1/orgs/{org}/audit")).await;
    assert_json(&s, StatusCode::FORBIDDEN, "forbidden");

    // 429: the sign-in limiter, through the form and through the API.
    let p = Person::new(&app);
    let mut tries = 0;
    let r = loop {
        let r = p
            .http
            .post(format!("{base}/login"))
            .header("origin", base.as_str())
            .form(&[("email", "ann@x.test"), ("password", "wrong-password-here")])
            .send()
            .await
            .expect("login");
        tries += 1;
        if r.status() != StatusCode::UNAUTHORIZED || tries > 3 {
            break r;
        }
    };
    let s = seen(r).await;
    assert_eq!(
        s.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after {tries} tries"
    );
    assert!(s.content_type.starts_with("text/html"));
    assert_clean(&s.body);
    assert!(s.body.contains("Too many"), "{}", s.body);
    assert!(s.body.contains("href=\"/\""), "a link home");
    assert!(s.retry_after.is_some(), "the page says when to retry");
    let mut program = app.browser();
    let (status, body) = program.login("ann@x.test", PASSWORD).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
}

async fn a_database_that_went_away_is_a_503_page_that_names_nothing(db: Db) {
    let app = spawn_with(db, RateLimits::generous(), |_| {}).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("cafe", admin).await;
    let base = &app.base;
    let b = app.signed_in("ann@x.test").await;
    assert_eq!(
        fetch(&b.http, format!("{base}/app/{org}")).await.status,
        StatusCode::OK
    );

    app.state.store.close().await;
    let s = fetch(&b.http, format!("{base}/app/{org}")).await;
    assert_helpful_page(
        &s,
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
    );
    assert_eq!(
        s.retry_after.as_deref(),
        Some("5"),
        "the page says when to retry"
    );
    let s = fetch(&b.http, format!("{base}/api/v1/me")).await;
    assert_json(&s, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        s.body.contains("temporarily unavailable") && !s.body.contains("pool"),
        "a generic message: {}",
        s.body
    );
}

/// Flips the last byte (in the tag) of every sealed planned-item name, around the server.
async fn corrupt_planned_item_names(app: &crate::support::TestApp, db: Db) {
    let statement = if db == Db::Sqlite {
        "UPDATE planned_items SET name_enc = CAST(substr(name_enc, 1, length(name_enc) - 1) || \
         CASE WHEN substr(name_enc, -1) = X'00' THEN X'01' ELSE X'00' END AS BLOB)"
    } else {
        "UPDATE planned_items SET name_enc = \
         set_byte(name_enc, length(name_enc) - 1, get_byte(name_enc, length(name_enc) - 1) # 1)"
    };
    assert_eq!(app.db.execute_raw(statement).await, 1);
}

async fn a_value_that_fails_to_decrypt_or_a_failed_role_lookup_is_a_500_that_grants_nothing(
    db: Db,
) {
    let app = spawn_with(db, RateLimits::generous(), |_| {}).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("cafe", admin).await;
    let base = &app.base;
    let mut api = app.signed_in("ann@x.test").await;
    let planned = format!("/api/v1/orgs/{org}/planned-items");
    let item = serde_json::json!({"name": "Canary rent 7f3e", "date": "2027-03-01",
        "amount": "1,200.00", "direction": "out", "confidence": "100"});
    let (status, body) = api.post(&planned, item.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(api.get(&planned).await.0, StatusCode::OK);

    // A sealed column that no longer decrypts: a generic 500, for people and for programs,
    // naming neither the value, the cause nor the key.
    corrupt_planned_item_names(&app, db).await;
    let b = app.signed_in("ann@x.test").await;
    let s = fetch(&b.http, format!("{base}/app/{org}/forecast")).await;
    assert_helpful_page(
        &s,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side",
    );
    let s = fetch(&b.http, format!("{base}{planned}")).await;
    assert_json(&s, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    for secret in [
        "Canary",
        "decrypt",
        "Undecryptable",
        "key",
        "planned_items",
        "crypto",
    ] {
        assert!(!s.body.contains(secret), "{secret} in {}", s.body);
    }
    assert!(!s.request_id.is_empty(), "a request id to quote");

    // The role lookup fails (the memberships table is gone): no page, no API answer and no
    // write goes through; each is a generic 500 that names nothing. Renaming a table changes no
    // row, so the sign-in epoch is moved by hand: the server then looks the role up again
    // instead of answering from what it read while the table was there.
    app.db
        .execute_raw("ALTER TABLE memberships RENAME TO memberships_away")
        .await;
    app.db
        .execute_raw("UPDATE auth_epoch SET value = value + 1")
        .await;
    let s = fetch(&b.http, format!("{base}/app/{org}")).await;
    assert_helpful_page(
        &s,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side",
    );
    assert!(!s.body.contains("memberships"), "{}", s.body);
    let s = fetch(&b.http, format!("{base}/api/v1/orgs/{org}/audit")).await;
    assert_json(&s, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(!s.body.contains("memberships"), "{}", s.body);
    let (status, body) = api.post(&planned, item).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        "a write whose role cannot be looked up is refused: {body}"
    );
    app.db
        .execute_raw("ALTER TABLE memberships_away RENAME TO memberships")
        .await;
    assert_eq!(
        app.db
            .execute_raw("UPDATE planned_items SET confidence_percent = confidence_percent")
            .await,
        1,
        "the refused write left no row"
    );
}

crate::on_both_backends!(
    not_found_forbidden_and_rate_limited_are_pages_for_people_and_json_for_programs,
    a_database_that_went_away_is_a_503_page_that_names_nothing,
    a_value_that_fails_to_decrypt_or_a_failed_role_lookup_is_a_500_that_grants_nothing,
);
