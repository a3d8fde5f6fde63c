//! Request limits beyond sign-in: per client address on the public routes, per user on the API
//! and uploads; 429 with Retry-After; forwarding headers believed only from a trusted proxy; and
//! one allowance shared by two instances through a real Redis.

use crate::support::Db;
use crate::support::{Browser, TestApp, spawn_with, spawn_with_state};
use flowsense_core::Role;
use flowsense_service::identity::limits::{Limit, RateLimits};
use flowsense_web::auth::TrustedProxies;
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// `burst` at once, then one every ten minutes: nothing refills during a test.
fn only(burst: u32) -> Limit {
    Limit {
        burst,
        period: Duration::from_secs(600),
    }
}

/// The status and `Retry-After` (seconds) of `GET path`, with `headers`.
async fn get(b: &Browser, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Option<u64>) {
    let mut r = b.request(Method::GET, path);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.expect("send");
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").parse().expect("seconds"));
    (resp.status(), retry)
}

fn assert_limited((status, retry): (StatusCode, Option<u64>), what: &str) {
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{what}");
    let retry = retry.unwrap_or_else(|| panic!("{what}: Retry-After"));
    assert!((1..=601).contains(&retry), "{what}: Retry-After {retry}");
}

async fn public_pages_are_limited_per_address_and_forwarding_headers_need_a_trusted_proxy(db: Db) {
    let limits = RateLimits {
        public_per_ip: only(3),
        ..RateLimits::generous()
    };
    let app = spawn_with(db, limits.clone(), |_| {}).await;
    let b = app.browser();
    for n in 0..3 {
        // Each claims another client: without a trusted proxy the header counts for nothing.
        let spoof = format!("198.51.100.{n}");
        let (s, _) = get(&b, "/login", &[("x-forwarded-for", &spoof)]).await;
        assert_eq!(s, StatusCode::OK, "attempt {n}");
    }
    assert_limited(
        get(&b, "/signup", &[("forwarded", "for=203.0.113.9")]).await,
        "a fourth public page from the same address",
    );
    // A JSON route answers the same way, with the API's error body.
    let resp = b
        .request(Method::POST, "/api/v1/auth/password-reset")
        .json(&serde_json::json!({"email": "a@x.test"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // Another address has its own allowance; the health check is never limited.
    assert_eq!(
        get(&app.browser_from("127.0.0.2"), "/login", &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(get(&b, "/healthz", &[]).await.0, StatusCode::OK);

    // Behind a trusted proxy (this test's own address) each forwarded client counts apart.
    let app = spawn_with(db, limits, |s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("proxies");
    })
    .await;
    let proxy = app.browser();
    for _ in 0..3 {
        let (s, _) = get(&proxy, "/login", &[("x-forwarded-for", "198.51.100.7")]).await;
        assert_eq!(s, StatusCode::OK);
    }
    assert_limited(
        get(&proxy, "/login", &[("x-forwarded-for", "198.51.100.7")]).await,
        "the fourth from one forwarded client",
    );
    let (s, _) = get(&proxy, "/login", &[("x-forwarded-for", "198.51.100.8")]).await;
    assert_eq!(s, StatusCode::OK, "another forwarded client");
}

async fn the_api_and_uploads_are_limited_per_user(db: Db) {
    let app = spawn_with(
        db,
        RateLimits {
            api_per_user: only(4),
            uploads_per_user: only(1),
            ..RateLimits::generous()
        },
        |_| {},
    )
    .await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    let ada = app.signed_in("ada@x.test").await;
    let mo = app.signed_in("mo@x.test").await;
    let report = format!("/api/v1/orgs/{org}/reports/cashflow");
    for n in 0..4 {
        assert_eq!(get(&ada, &report, &[]).await.0, StatusCode::OK, "call {n}");
    }
    assert_limited(get(&ada, &report, &[]).await, "Ada's fifth API call");
    assert_limited(get(&ada, "/api/v1/me", &[]).await, "any API route");
    // The pages are not the API; another user has a whole allowance, from the same address.
    assert_eq!(
        get(&ada, &format!("/app/{org}"), &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(get(&mo, &report, &[]).await.0, StatusCode::OK);

    // One upload, then 429 before the file is read; the import page counts the same.
    let path = format!("/api/v1/orgs/{org}/imports");
    let csv = b"date,description,amount\n2026-01-02,Beans,-12.00\n";
    let (s, body) = mo.upload(&path, &[("file", Some("a.csv"), csv)]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = mo.upload(&path, &[("file", Some("b.csv"), csv)]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        app.state
            .store
            .count_transactions(org)
            .await
            .expect("count"),
        1,
        "the refused upload added nothing"
    );
}

/// `FLOWSENSE_TEST_REDIS_URL`, default the local Redis.
fn redis_url() -> String {
    std::env::var("FLOWSENSE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn shared(db: Db, limits: RateLimits, url: &str) -> TestApp {
    let url = url.to_owned();
    spawn_with_state(
        db,
        limits,
        |_| {},
        move |state| state.with_shared_limits(&url).expect("redis url"),
    )
    .await
}

async fn two_instances_share_one_allowance_through_redis(db: Db) {
    let limits = RateLimits {
        public_per_ip: only(4),
        ..RateLimits::generous()
    };
    let (one, two) = (
        shared(db, limits.clone(), &redis_url()).await,
        shared(db, limits.clone(), &redis_url()).await,
    );
    // A loopback address of this run alone, so that earlier runs' counts in Redis do not matter.
    let r = uuid::Uuid::new_v4().into_bytes();
    let ip = format!("127.{}.{}.{}", r[0], r[1], r[2].max(2));
    let (a, b) = (one.browser_from(&ip), two.browser_from(&ip));
    for (n, browser) in [&a, &b, &a, &b].into_iter().enumerate() {
        assert_eq!(
            get(browser, "/login", &[]).await.0,
            StatusCode::OK,
            "attempt {n}"
        );
    }
    assert_limited(
        get(&a, "/login", &[]).await,
        "the fifth, on the first instance",
    );
    assert_limited(get(&b, "/login", &[]).await, "and on the second");

    // Redis out of reach: each instance counts on its own rather than failing or letting all in.
    let alone = shared(db, limits, "redis://127.0.0.1:1").await;
    let c = alone.browser_from(&ip);
    for _ in 0..4 {
        assert_eq!(get(&c, "/login", &[]).await.0, StatusCode::OK);
    }
    assert_limited(get(&c, "/login", &[]).await, "counted locally");
    assert!(
        alone
            .state
            .clone()
            .with_shared_limits("http://not-redis")
            .is_err(),
        "a URL that is not Redis is refused"
    );
}

crate::on_both_backends!(
    public_pages_are_limited_per_address_and_forwarding_headers_need_a_trusted_proxy,
    the_api_and_uploads_are_limited_per_user,
    two_instances_share_one_allowance_through_redis
);
