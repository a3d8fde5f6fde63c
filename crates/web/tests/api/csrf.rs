//! CSRF: cookie-authenticated writes need the session's X-CSRF-Token and a same-origin request;
//! bearer-token calls need no CSRF token.

use crate::support::{Db, code_of, spawn_app};
use flowsense_core::Role;
use reqwest::StatusCode;
use serde_json::json;

async fn cookie_writes_need_the_token_and_the_right_origin(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ed@x.test").await;
    let org = app.org("csrf", admin).await;
    app.member(org, "m@x.test", Role::Member).await;
    let mut b = app.signed_in("ed@x.test").await;
    let csrf = b.csrf.clone().expect("csrf token from login");
    let (_, me) = b.get("/api/v1/me").await;
    assert_eq!(
        me["csrf_token"].as_str(),
        Some(csrf.as_str()),
        "GET /me returns the same token"
    );
    let path = format!("/api/v1/orgs/{org}/settings");
    let body = json!({"retention_days": 45});
    let patch = |token: Option<&str>, origin: Option<&str>, site: Option<&str>| {
        let mut r = b.http.patch(format!("{}{path}", app.base)).json(&body);
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        r.send()
    };
    let status = |r: reqwest::Response| r.status();
    assert_eq!(
        status(patch(None, None, None).await.expect("send")),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(patch(Some("forged"), None, None).await.expect("send")),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            patch(Some(&csrf), Some("https://evil.example"), None)
                .await
                .expect("send")
        ),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            patch(Some(&csrf), None, Some("cross-site"))
                .await
                .expect("send")
        ),
        StatusCode::FORBIDDEN
    );
    let resp = patch(None, None, None).await.expect("send");
    let err: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(code_of(&err), "csrf");
    assert_eq!(
        status(
            patch(Some(&csrf), Some(&app.base), Some("same-origin"))
                .await
                .expect("send")
        ),
        StatusCode::OK
    );
    assert_eq!(
        status(patch(Some(&csrf), None, None).await.expect("send")),
        StatusCode::OK
    );

    // A cross-site login form is refused too (login CSRF).
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "ed@x.test", "password": crate::support::PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Bearer calls carry no cookie and need no CSRF token.
    let (s, tok) = b
        .post("/api/v1/me/tokens", json!({"name": "ci", "scope": "write"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let token = tok["token"].as_str().expect("token");
    assert!(
        token.starts_with("fs_pat_") && token.len() == "fs_pat_".len() + 43,
        "{token}"
    );
    let resp = reqwest::Client::new()
        .patch(format!("{}{path}", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
}

crate::on_both_backends!(cookie_writes_need_the_token_and_the_right_origin);
