//! The lesser findings of the attack: the client address behind a proxy, caching of personal
//! answers, private files, and the status of an oversize body.

use crate::support::{Browser, Db, PASSWORD, code_of, spawn_app, spawn_with};
use flowsense_service::identity::limits::{Limit, RateLimits};
use flowsense_web::auth::TrustedProxies;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// Two sign-in attempts per address, then 429.
fn two_attempts_per_ip() -> RateLimits {
    RateLimits {
        login_per_ip: Limit {
            burst: 2,
            period: Duration::from_secs(600),
        },
        ..RateLimits::generous()
    }
}

async fn failed_login(b: &Browser, forwarded_for: &str) -> StatusCode {
    b.request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "nobody@x.test", "password": "wrong-but-long-enough"}))
        .send()
        .await
        .expect("login")
        .status()
}

async fn forwarded_for_is_believed_only_from_trusted_proxies(db: Db) {
    let app = spawn_with(db, two_attempts_per_ip(), |s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.2").expect("proxies");
    })
    .await;
    // Behind the trusted proxy, each client has its own allowance: one attacker does not
    // block every sign-in.
    let proxy = app.browser_from("127.0.0.2");
    for _ in 0..2 {
        assert_eq!(
            failed_login(&proxy, "198.51.100.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        failed_login(&proxy, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        failed_login(&proxy, "198.51.100.2").await,
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy"
    );
    // A client cannot pick its address by prepending one: the proxy's own entry is the last.
    assert_eq!(
        failed_login(&proxy, "203.0.113.50, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // An untrusted peer's header is ignored: changing it does not buy more attempts.
    let direct = app.browser_from("127.0.0.3");
    for (n, claimed) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].iter().enumerate() {
        let expected = if n < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(failed_login(&direct, claimed).await, expected, "{claimed}");
    }

    // The session records the client's address, as the proxy saw it.
    app.user("roamer@x.test").await;
    let mut b = app.browser_from("127.0.0.2");
    let r = b
        .request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", "198.51.100.77")
        .json(&json!({"email": "roamer@x.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK);
    b.csrf = r.json::<serde_json::Value>().await.expect("json")["csrf_token"]
        .as_str()
        .map(str::to_owned);
    let (_, sessions) = b.get("/api/v1/me/sessions").await;
    assert_eq!(sessions[0]["ip"], json!("198.51.100.77"), "{sessions}");
}

async fn every_authenticated_answer_is_no_store(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("cache@x.test").await;
    let org = app.org("cached", admin).await;
    let mut b = app.signed_in("cache@x.test").await;
    let (_, t) = b
        .post("/api/v1/me/tokens", json!({"name": "r", "scope": "read"}))
        .await;
    let bearer = Browser::with_token(&app.base, t["token"].as_str().expect("token"));
    let paths = [
        "/api/v1/me".to_owned(),
        "/api/v1/me/sessions".to_owned(),
        "/api/v1/me/tokens".to_owned(),
        "/api/v1/me/notifications".to_owned(),
        format!("/api/v1/orgs/{org}/members"),
        format!("/api/v1/orgs/{org}/audit"),
        format!("/api/v1/orgs/{org}/settings"),
        format!("/api/v1/orgs/{org}/reports/runway"),
        format!("/app/{org}"),
        "/app/profile".to_owned(),
        "/api/v1/orgs/00000000-0000-0000-0000-000000000000/members".to_owned(),
    ];
    for client in [&b, &bearer] {
        for path in &paths {
            let r = client.request(Method::GET, path).send().await.expect("get");
            let cache = r
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            assert_eq!(
                cache.as_deref(),
                Some("no-store"),
                "{path} ({})",
                r.status()
            );
        }
    }
    // The stylesheet is the same for everyone and keeps its caching.
    let css = b
        .request(Method::GET, "/assets/app.css")
        .send()
        .await
        .expect("css");
    assert_ne!(
        css.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

async fn an_oversize_body_is_413(db: Db) {
    let app = spawn_app(db).await;
    app.user("big@x.test").await;
    let mut b = app.signed_in("big@x.test").await;
    // Over the JSON limit (2 MiB), under the request cap: the handler's reader refuses it.
    let padding = "x".repeat(3 << 20);
    let (s, body) = b
        .post(
            "/api/v1/orgs",
            json!({"name": "Big", "slug": "big-co", "base_currency": "USD", "pad": padding}),
        )
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{body}"
    );
    // Over the request cap (25 MiB), refused from its declared length before any of it is
    // read: the headers alone get the answer (a client sending the body would see the
    // connection close under it).
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        26 << 20
    );
    let mut tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut tcp, head.as_bytes())
        .await
        .expect("send head");
    let mut answer = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut tcp, &mut answer)
        .await
        .expect("answer");
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 413"), "{answer}");
    // The unread body makes the connection useless: the server says so and closes it.
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
    // Nothing was created, and the server is fine.
    assert_eq!(b.get("/api/v1/me").await.1["organisations"], json!([]));
}

#[cfg(unix)]
async fn the_outbox_is_private(db: Db) {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(db).await;
    let (s, _) = app
        .browser()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "private@x.test"}),
        )
        .await;
    assert!(s.is_success());
    app.user("private@x.test").await;
    app.browser()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "private@x.test"}),
        )
        .await;
    app.run_jobs().await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(app.outbox.path()), 0o700);
    let mut mails = 0;
    for entry in std::fs::read_dir(app.outbox.path()).expect("outbox") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        mails += 1;
    }
    assert_eq!(
        mails, 1,
        "the reset link was written, readable by its owner only"
    );
}

crate::on_both_backends!(
    forwarded_for_is_believed_only_from_trusted_proxies,
    every_authenticated_answer_is_no_store,
    an_oversize_body_is_413,
    the_outbox_is_private,
);
