//! Exporting one's own data is sensitive (SPEC §5): the API refuses it without recent
//! authentication exactly as it refuses the organisation's export, and the profile page's
//! download goes through the step-up page.

use crate::forms::{Person, assert_clean, text_of};
use crate::support::{Db, PASSWORD, TestApp, code_of, spawn_app};
use chrono::TimeDelta;
use flowsense_core::OrgId;
use reqwest::StatusCode;
use reqwest::header::CONTENT_DISPOSITION;
use serde_json::{Value, json};

async fn exports_audited(app: &TestApp, org: OrgId) -> usize {
    app.state
        .store
        .audit_events(org, 100)
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action == "account.exported")
        .count()
}

async fn the_api_export_needs_recent_authentication_like_the_organisations(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("uma@x.test").await;
    let org = app.org("umbrella", me).await;
    let mut api = app.signed_in("uma@x.test").await;
    let (s, _) = api.get("/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK, "a fresh sign-in is recent");
    assert_eq!(exports_audited(&app, org).await, 1);

    app.advance(TimeDelta::minutes(11));
    let own = api.get("/api/v1/me/export").await;
    let theirs = api.get(&format!("/api/v1/orgs/{org}/export")).await;
    assert_eq!(own, theirs, "the same refusal as the organisation's export");
    assert_eq!(
        (own.0, code_of(&own.1)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    assert_eq!(exports_audited(&app, org).await, 1, "nothing exported");

    let (s, _) = api
        .post(
            "/api/v1/auth/reauthenticate",
            json!({"password": "not-the-password-at-all"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(api.get("/api/v1/me/export").await.0, StatusCode::FORBIDDEN);
    let (s, _) = api
        .post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, doc) = api.get("/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["profile"]["email"], "uma@x.test");
    assert_eq!(exports_audited(&app, org).await, 2);
}

async fn the_profile_download_asks_for_the_password_first(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("vic@x.test").await;
    let org = app.org("vintners", me).await;
    let p = Person::new(&app);
    p.sign_in("vic@x.test", PASSWORD).await;
    let page = p.get("/app/profile").await;
    assert!(page.body.contains("action=\"/app/profile/export\""));
    assert!(!page.body.contains("href=\"/api/v1/me/export\""));

    app.advance(TimeDelta::minutes(11));
    let a = p.submit("/app/profile/export", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_clean(&a.body);
    assert!(a.body.contains("id=\"step-up-form\""), "{}", a.body);
    assert!(a.body.contains("action=\"/app/profile/export\""));
    assert!(a.headers.get(CONTENT_DISPOSITION).is_none());

    let a = p
        .submit(
            "/app/profile/export",
            &[("step_up_password", "not-the-password-at-all")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(text_of(&a.body, "step-up-error").is_some());
    assert!(a.headers.get(CONTENT_DISPOSITION).is_none());
    assert!(!a.body.contains("vic@x.test\","), "no data on the page");
    assert_eq!(exports_audited(&app, org).await, 0, "nothing exported");

    let a = p
        .submit("/app/profile/export", &[("step_up_password", PASSWORD)])
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let disposition = a.headers[CONTENT_DISPOSITION].to_str().expect("ascii");
    assert!(disposition.starts_with("attachment; filename=\"flowsense-export-"));
    assert_eq!(a.headers["cache-control"], "no-store");
    assert!(
        a.set_cookie().contains("HttpOnly"),
        "the proven session is renewed"
    );
    let doc: Value = serde_json::from_str(&a.body).expect("json");
    assert_eq!(doc["profile"]["email"], "vic@x.test");
    assert_eq!(exports_audited(&app, org).await, 1, "audited once");

    // Now recent: the next download needs no password.
    let a = p.submit("/app/profile/export", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.headers.get(CONTENT_DISPOSITION).is_some());
    assert_eq!(exports_audited(&app, org).await, 2);
}

crate::on_both_backends!(
    the_api_export_needs_recent_authentication_like_the_organisations,
    the_profile_download_asks_for_the_password_first,
);
