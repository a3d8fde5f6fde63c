//! No user enumeration: unknown and known e-mail addresses get the same status and body from
//! sign-in, reset and sign-up, and sign-in hashes in both cases.

use crate::support::{Db, PASSWORD, spawn_app};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Instant;

async fn unknown_and_known_addresses_get_the_same_answers(db: Db) {
    let app = spawn_app(db).await;
    app.user("ivy@x.test").await;
    let post = |path: &'static str, body: serde_json::Value| {
        let url = format!("{}{path}", app.base);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("send");
            (r.status(), r.text().await.expect("text"))
        }
    };
    let known = post(
        "/api/v1/auth/login",
        json!({"email": "ivy@x.test", "password": "wrong-but-long-enough"}),
    )
    .await;
    let unknown = post(
        "/api/v1/auth/login",
        json!({"email": "nobody@x.test", "password": "wrong-but-long-enough"}),
    )
    .await;
    assert_eq!(known.0, StatusCode::UNAUTHORIZED);
    assert_eq!(known, unknown);

    let emails_before = app.emails().await;
    let known = post(
        "/api/v1/auth/password-reset",
        json!({"email": "ivy@x.test"}),
    )
    .await;
    let unknown = post(
        "/api/v1/auth/password-reset",
        json!({"email": "nobody@x.test"}),
    )
    .await;
    assert_eq!(known.0, StatusCode::ACCEPTED);
    assert_eq!(known, unknown);
    assert_eq!(
        app.emails().await,
        emails_before + 1,
        "only the real account gets mail"
    );

    let body = |email: &str| json!({"email": email, "password": PASSWORD, "display_name": "Ivy"});
    let taken = post("/api/v1/auth/signup", body("ivy@x.test")).await;
    let fresh = post("/api/v1/auth/signup", body("new@x.test")).await;
    assert_eq!(taken.0, StatusCode::ACCEPTED);
    assert_eq!(taken, fresh);
    assert!(
        app.last_email_to("ivy@x.test")
            .await
            .contains("already has an account")
    );
    // The new address verifies by the mailed link.
    let token = app.token_mailed_to("new@x.test").await;
    let verified = post("/api/v1/auth/verify-email", json!({"token": token})).await;
    assert_eq!(verified.0, StatusCode::OK);
    let user = app
        .state
        .store
        .user_by_email("new@x.test")
        .await
        .expect("db")
        .expect("user");
    assert!(user.email_verified_at.is_some());
    assert_eq!(
        post("/api/v1/auth/verify-email", json!({"token": "bogus"}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

crate::on_both_backends!(unknown_and_known_addresses_get_the_same_answers);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints the median sign-in time for unknown and known addresses (a measurement, not an
/// assertion). Run: `cargo test -p flowsense-web --test api sign_in_timing -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark printout"]
async fn sign_in_timing_unknown_vs_known() {
    let app = spawn_app(Db::Sqlite).await;
    app.user("jo@x.test").await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/login", app.base);
    let time = |email: &'static str| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let t = Instant::now();
            let r = client
                .post(url)
                .json(&json!({"email": email, "password": "wrong-but-long-enough"}))
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            t.elapsed().as_secs_f64() * 1000.0
        }
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        time("jo@x.test").await;
    }
    // Alternate the order (ABBA) so neither side always follows the other's background work.
    for i in 0..40 {
        if i % 2 == 0 {
            known.push(time("jo@x.test").await);
            unknown.push(time("nobody@x.test").await);
        } else {
            unknown.push(time("nobody@x.test").await);
            known.push(time("jo@x.test").await);
        }
    }
    let (k, u) = (median(known), median(unknown));
    println!(
        "sign-in median: unknown e-mail {u:.1} ms, known e-mail (wrong password) {k:.1} ms, ratio unknown/known {:.3}",
        u / k
    );
}
