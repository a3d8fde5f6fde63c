//! The audit log records the security events and never a secret.

use crate::support::{Db, NEW_PASSWORD, PASSWORD, spawn_app, totp_code};
use flowsense_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn security_events_are_recorded_without_secrets(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("rae@x.test").await;
    let org = app.org("audited", admin).await;
    let member = app.member(org, "sam@x.test", Role::Member).await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), NEW_PASSWORD.into()];

    app.browser()
        .login("rae@x.test", "wrong-but-long-enough")
        .await;
    let mut a = app.signed_in("rae@x.test").await;
    secrets.push(a.csrf.clone().expect("csrf"));
    let (_, e) = a.post("/api/v1/me/mfa/enrol", json!({})).await;
    let secret = e["secret"].as_str().expect("secret").to_owned();
    let (_, v) = a
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(&app, &secret, 0)}),
        )
        .await;
    let codes: Vec<String> = v["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("c").to_owned())
        .collect();
    let mut r = app.browser();
    let (s, _) = r
        .post(
            "/api/v1/auth/login",
            json!({"email": "rae@x.test", "password": PASSWORD, "recovery_code": codes[0]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, t) = a
        .post("/api/v1/me/tokens", json!({"name": "ci", "scope": "read"}))
        .await;
    a.send(
        Method::DELETE,
        &format!("/api/v1/me/tokens/{}", t["id"].as_str().expect("id")),
        None,
    )
    .await;
    a.post(
        &format!("/api/v1/orgs/{org}/invitations"),
        json!({"email": "tia@x.test", "role": "viewer"}),
    )
    .await;
    let invitation = app.token_mailed_to("tia@x.test").await;
    app.user("tia@x.test").await;
    let mut tia = app.signed_in("tia@x.test").await;
    tia.post("/api/v1/invitations/accept", json!({"token": invitation}))
        .await;
    a.send(
        Method::PATCH,
        &format!("/api/v1/orgs/{org}/members/{member}"),
        Some(json!({"role": "viewer"})),
    )
    .await;
    a.send(
        Method::DELETE,
        &format!("/api/v1/orgs/{org}/members/{member}"),
        None,
    )
    .await;
    a.send(Method::DELETE, "/api/v1/me/sessions", None).await;
    let (s, _) = a.send(Method::DELETE, "/api/v1/me/mfa", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    a.post(
        "/api/v1/auth/password",
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    app.browser()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "rae@x.test"}),
        )
        .await;
    let reset = app.token_mailed_to("rae@x.test").await;
    app.browser()
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": reset, "new_password": PASSWORD}),
        )
        .await;
    let mut a = app.signed_in("rae@x.test").await;
    secrets.extend([
        secret,
        t["token"].as_str().expect("token").to_owned(),
        invitation,
        reset,
    ]);
    secrets.extend(codes);
    secrets.push(a.csrf.clone().expect("csrf"));
    a.send(Method::POST, "/api/v1/auth/logout", None).await;
    let mut a = app.signed_in("rae@x.test").await;

    let (s, log) = a.get(&format!("/api/v1/orgs/{org}/audit?limit=1000")).await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for wanted in [
        "auth.sign_in_failed",
        "auth.sign_in",
        "auth.sign_out",
        "auth.password_changed",
        "auth.password_reset",
        "mfa.enrolled",
        "mfa.disabled",
        "mfa.recovery_code_used",
        "member.role_changed",
        "member.removed",
        "invitation.created",
        "invitation.accepted",
        "token.created",
        "token.revoked",
        "session.revoked",
    ] {
        assert!(
            actions.contains(&wanted),
            "{wanted} missing from {actions:?}"
        );
    }
    let text = log.to_string();
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "a secret leaked into the audit log"
        );
    }
    assert!(!text.contains("argon2"), "no password hashes");
    let (s, _) = tia.get(&format!("/api/v1/orgs/{org}/audit")).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "viewers cannot read the audit log"
    );
    let _: Value = log;
}

crate::on_both_backends!(security_events_are_recorded_without_secrets);
