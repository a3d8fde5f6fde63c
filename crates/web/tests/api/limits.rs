//! Brute-force limits: per account and per IP, 429 with Retry-After, the same for known and
//! unknown addresses; and the stored backoff that answers like a wrong password.

use crate::support::{Db, PASSWORD, code_of, spawn_with};
use chrono::TimeDelta;
use flowsense_service::identity::limits::{Limit, RateLimits};
use reqwest::StatusCode;
use std::time::Duration;

fn limits(per_account: u32, per_ip: u32) -> RateLimits {
    RateLimits {
        login_per_account: Limit {
            burst: per_account,
            period: Duration::from_secs(600),
        },
        login_per_ip: Limit {
            burst: per_ip,
            period: Duration::from_secs(600),
        },
        ..RateLimits::generous()
    }
}

async fn the_next_attempt_after_the_limit_is_429(db: Db) {
    let app = spawn_with(db, limits(3, 100), |_| {}).await;
    app.user("kim@x.test").await;
    app.user("lou@x.test").await;
    for email in ["kim@x.test", "ghost@x.test"] {
        let mut b = app.browser();
        for _ in 0..3 {
            let (s, body) = b.login(email, "wrong-but-long-enough").await;
            assert_eq!(
                (s, code_of(&body)),
                (StatusCode::UNAUTHORIZED, "invalid_credentials")
            );
        }
        let resp = b
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = resp
            .headers()
            .get("retry-after")
            .expect("Retry-After")
            .to_str()
            .expect("ascii")
            .parse()
            .expect("secs");
        assert!((1..=601).contains(&retry), "{retry}");
    }
    // Another account from another address is unaffected.
    let (s, _) = app
        .browser_from("127.0.0.2")
        .login("lou@x.test", PASSWORD)
        .await;
    assert_eq!(s, StatusCode::OK);

    // Per IP: a sixth try from one address, whatever the account, is refused; another IP is not.
    let app = spawn_with(db, limits(100, 5), |_| {}).await;
    app.user("kim@x.test").await;
    for n in 0..5 {
        let (s, _) = app
            .browser()
            .login(&format!("u{n}@x.test"), "wrong-but-long-enough")
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.browser().login("kim@x.test", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.browser_from("127.0.0.3")
            .login("kim@x.test", PASSWORD)
            .await
            .0,
        StatusCode::OK
    );
}

async fn stored_backoff_survives_and_reveals_nothing(db: Db) {
    let app = spawn_with(
        db,
        RateLimits {
            lockout_after_failures: 3,
            ..RateLimits::generous()
        },
        |_| {},
    )
    .await;
    let u = app.user("max@x.test").await;
    for _ in 0..3 {
        assert_eq!(
            app.browser()
                .login("max@x.test", "wrong-but-long-enough")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    let stored = app.state.store.user(u).await.expect("user");
    assert_eq!(stored.failed_logins, 3);
    assert!(stored.locked_until.is_some());
    let (s, body) = app.browser().login("max@x.test", PASSWORD).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials"),
        "locked looks like wrong"
    );
    app.advance(TimeDelta::minutes(3));
    assert_eq!(
        app.browser().login("max@x.test", PASSWORD).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.state.store.user(u).await.expect("user").failed_logins,
        0
    );
}

crate::on_both_backends!(
    the_next_attempt_after_the_limit_is_429,
    stored_backoff_survives_and_reveals_nothing
);
