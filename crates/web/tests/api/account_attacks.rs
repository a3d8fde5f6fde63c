//! The account findings of the attack on the running server, each as the attack went: an old
//! stolen session enrolling its own authenticator, a token outliving a password reset, an
//! unconfirmed sign-up creating organisations and mailing invitations, names with control
//! characters, and unlimited invitations.

use crate::support::{Browser, Db, NEW_PASSWORD, PASSWORD, code_of, spawn_app, spawn_with};
use chrono::TimeDelta;
use flowsense_core::Role;
use flowsense_service::identity::limits::RateLimits;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Older than the step-up window (10 minutes), younger than the idle timeout (30).
const STALE: TimeDelta = TimeDelta::minutes(11);

async fn write_token(b: &mut Browser) -> String {
    let (s, t) = b
        .post("/api/v1/me/tokens", json!({"name": "ci", "scope": "write"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t["token"].as_str().expect("token").to_owned()
}

async fn mfa_enrolment_needs_recent_authentication(db: Db) {
    let app = spawn_app(db).await;
    let u = app.user("owner@x.test").await;
    let mut thief = app.signed_in("owner@x.test").await;
    app.advance(STALE);

    let (s, body) = thief.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let (s, body) = thief
        .post("/api/v1/me/mfa/verify", json!({"code": "123456"}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let state = app.state.store.mfa_state(u).await.expect("mfa");
    assert!(state.secret_enc.is_none() && !state.enabled);
    // The owner's password still signs in with nothing more.
    let (s, body) = app.browser().login("owner@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // The page asks for the password instead of showing a QR code.
    let page = thief
        .request(Method::POST, "/app/profile/mfa/enrol")
        .form(&[("csrf_token", thief.csrf.clone().unwrap_or_default())])
        .send()
        .await
        .expect("enrol page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("step_up_password"), "{html}");
    assert!(!html.contains("mfa-qr"));

    // After proving the password again, enrolment goes ahead.
    let (s, body) = thief
        .post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = thief.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn a_password_reset_revokes_tokens_sessions_and_pending_enrolment(db: Db) {
    let app = spawn_app(db).await;
    let u = app.user("reset@x.test").await;
    let mut attacker = app.signed_in("reset@x.test").await;
    let token = write_token(&mut attacker).await;
    let (s, _) = attacker.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let mut api = Browser::with_token(&app.base, &token);
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK);

    let mut owner = app.browser();
    let (s, _) = owner
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "reset@x.test"}),
        )
        .await;
    assert!(s.is_success());
    let link = app.token_mailed_to("reset@x.test").await;
    let (s, body) = owner
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": link, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert!(s.is_success(), "{s} {body}");

    assert_eq!(
        api.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the token is dead"
    );
    let (s, _) = api.send(Method::DELETE, "/api/v1/me/sessions", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        attacker.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the session is dead"
    );
    let mfa = app.state.store.mfa_state(u).await.expect("mfa");
    assert!(mfa.secret_enc.is_none(), "the pending enrolment is gone");

    let mail = app.last_email_to("reset@x.test").await;
    assert!(
        mail.contains("Subject: Your FlowSense password was reset"),
        "{mail}"
    );
    assert!(mail.contains("1 personal API token revoked"), "{mail}");
    assert!(
        mail.contains("unfinished two-factor set-up was cancelled"),
        "{mail}"
    );
    assert!(!mail.contains(&token) && !mail.contains(NEW_PASSWORD));

    // The owner signs in with the new password and sees the token as revoked.
    let mut b = app.signed_in_with("reset@x.test", NEW_PASSWORD).await;
    let (s, tokens) = b.get("/api/v1/me/tokens").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        tokens[0]["revoked_at"].is_string(),
        "the profile shows the token revoked: {tokens}"
    );
}

async fn a_password_change_can_revoke_tokens_too(db: Db) {
    let app = spawn_app(db).await;
    app.user("change@x.test").await;
    let mut b = app.signed_in("change@x.test").await;
    let kept = write_token(&mut b).await;
    let (s, body) = b
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut api = Browser::with_token(&app.base, &kept);
    assert_eq!(
        api.get("/api/v1/me").await.0,
        StatusCode::OK,
        "kept unless asked"
    );
    assert!(
        app.last_email_to("change@x.test")
            .await
            .contains("no personal API tokens were revoked")
    );

    let (s, body) = b
        .post(
            "/api/v1/auth/password",
            json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD, "revoke_tokens": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert!(
        app.last_email_to("change@x.test")
            .await
            .contains("1 personal API token revoked")
    );
}

async fn an_unconfirmed_account_reads_invitations_and_nothing_more(db: Db) {
    let app = spawn_app(db).await;
    let mut b = app.browser();
    let (s, _) = b
        .post(
            "/api/v1/auth/signup",
            json!({"email": "new@x.test", "password": PASSWORD, "display_name": "New"}),
        )
        .await;
    assert!(s.is_success());
    let (s, body) = b.login("new@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let (s, body) = b
        .post(
            "/api/v1/orgs",
            json!({"name": "Spam Relay", "slug": "spam-relay", "base_currency": "USD"}),
        )
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "email_not_verified")
    );
    let (s, body) = b
        .post("/api/v1/me/tokens", json!({"name": "t", "scope": "write"}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "email_not_verified")
    );

    // Even made an admin behind the product's back, it reaches no organisation route.
    let admin = app.user("boss@x.test").await;
    let org = app.org("real-co", admin).await;
    let me = app
        .state
        .store
        .user_by_email("new@x.test")
        .await
        .expect("lookup")
        .expect("user");
    app.state
        .store
        .set_membership(org, me.id, Role::Admin)
        .await
        .expect("membership");
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/v1/orgs/{org}/reports/runway"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/orgs/{org}/invitations"),
            Some(json!({"email": "victim@y.test", "role": "viewer"})),
        ),
        (Method::GET, format!("/api/v1/orgs/{org}/members"), None),
    ] {
        let (s, body) = b.send(method, &path, body).await;
        assert_eq!(
            (s, code_of(&body)),
            (StatusCode::FORBIDDEN, "email_not_verified"),
            "{path}"
        );
    }
    assert!(
        !app.last_email_to("new@x.test").await.is_empty(),
        "the confirmation mail"
    );
    assert_eq!(app.emails().await, 1, "no invitation was mailed");
    // Its own profile still works.
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::OK);
}

async fn names_go_through_one_validated_type(db: Db) {
    let app = spawn_app(db).await;
    app.user("namer@x.test").await;
    let mut b = app.signed_in("namer@x.test").await;
    for bad in [
        "Acme\u{7}Bell",
        "Acme\r\nBcc: x@y.test",
        "invoice\u{202E}fdp.exe",
        "  ",
    ] {
        let (s, body) = b
            .post(
                "/api/v1/orgs",
                json!({"name": bad, "slug": "acme-co", "base_currency": "USD"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {body}");
    }
    let (s, org) = b
        .post(
            "/api/v1/orgs",
            json!({"name": "  Acme Café  ", "slug": "acme-co", "base_currency": "USD"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    assert_eq!(org["name"], json!("Acme Café"));
    let id = org["id"].as_str().expect("id");
    let (s, body) = b
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{id}/settings"),
            Some(json!({"name": "Acme\u{202E}"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut other = app.browser();
    let (s, body) = other
        .post(
            "/api/v1/auth/signup",
            json!({"email": "x@x.test", "password": PASSWORD, "display_name": "Eve\nBcc: all"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn invitations_are_limited_per_organisation_and_day(db: Db) {
    let limits = RateLimits {
        invitations_per_org_per_day: 3,
        ..RateLimits::generous()
    };
    let app = spawn_with(db, limits, |_| {}).await;
    let admin = app.user("inviter@x.test").await;
    let org = app.org("inviting", admin).await;
    let other = app.org("other-inviting", admin).await;
    let mut b = app.signed_in("inviter@x.test").await;
    let invite = |org, n: u32| {
        (
            format!("/api/v1/orgs/{org}/invitations"),
            json!({"email": format!("guest{n}@y.test"), "role": "viewer"}),
        )
    };
    for n in 0..3 {
        let (path, body) = invite(org, n);
        let (s, body) = b.post(&path, body).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        // Revoking does not give the allowance back.
        let id = body["id"].as_str().expect("id").to_owned();
        let (s, _) = b.send(Method::DELETE, &format!("{path}/{id}"), None).await;
        assert!(s.is_success());
    }
    let mails = app.emails().await;
    let (path, body) = invite(org, 3);
    let r = b
        .request(Method::POST, &path)
        .json(&body)
        .send()
        .await
        .expect("invite");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(app.emails().await, mails, "nothing was mailed");
    // Another organisation has its own allowance; a day later this one has its own back.
    let (path, body) = invite(other, 4);
    assert_eq!(b.post(&path, body).await.0, StatusCode::CREATED);
    app.advance(TimeDelta::hours(25));
    let mut b = app.signed_in("inviter@x.test").await;
    let (path, body) = invite(org, 5);
    assert_eq!(b.post(&path, body).await.0, StatusCode::CREATED);
}

crate::on_both_backends!(
    mfa_enrolment_needs_recent_authentication,
    a_password_reset_revokes_tokens_sessions_and_pending_enrolment,
    a_password_change_can_revoke_tokens_too,
    an_unconfirmed_account_reads_invitations_and_nothing_more,
    names_go_through_one_validated_type,
    invitations_are_limited_per_organisation_and_day,
);
