//! Two-factor enrolment and removal, and personal API tokens behind step-up.

use super::*;

async fn mfa_is_enrolled_from_a_qr_code_and_turned_off_with_step_up(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("mae@x.test").await;
    let p = Person::new(&app);
    p.sign_in("mae@x.test", PASSWORD).await;

    let a = p.submit("/app/profile/mfa/enrol", &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_clean(&a.body);
    assert!(
        a.body.contains(
            "<svg id=\"mfa-qr\" class=\"qr\" role=\"img\" aria-labelledby=\"mfa-qr-title\""
        )
    );
    assert!(a.body.contains("<title id=\"mfa-qr-title\">"));
    let secret: String = text_of(&a.body, "mfa-secret")
        .expect("the secret in text")
        .split_whitespace()
        .collect();
    assert_eq!(secret.len(), 32, "a 160-bit base32 secret");
    let csrf = a.input("csrf_token");

    let wrong = p
        .post(
            "/app/profile/mfa/confirm",
            &[("csrf_token", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shown_again: String = text_of(&wrong.body, "mfa-secret")
        .expect("secret")
        .split_whitespace()
        .collect();
    assert_eq!(shown_again, secret, "a mistyped code keeps the same secret");
    let code = totp_code(&app, &secret, 0);
    let a = p
        .post(
            "/app/profile/mfa/confirm",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(
        a.set_cookie().contains("HttpOnly"),
        "a privilege change renews the session"
    );
    assert_eq!(
        a.body.matches("<li><code>").count(),
        10,
        "ten recovery codes, once"
    );
    assert!(app.state.store.user(me).await.expect("user").mfa_enabled);
    let page = p.get("/app/profile").await;
    assert!(page.body.contains("10 unused recovery codes left"));
    assert!(
        !page.body.contains(&secret),
        "the secret is never shown again"
    );

    // Turning it off needs recent authentication: after 11 minutes, the step-up page asks for
    // the password and a code.
    app.advance(TimeDelta::minutes(11));
    let a = p.submit("/app/profile/mfa/disable", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("id=\"step-up-form\""), "{}", a.body);
    assert!(a.body.contains("action=\"/app/profile/mfa/disable\""));
    assert!(
        a.body.contains("id=\"step_up_code\""),
        "asks for the code too"
    );
    assert!(app.state.store.user(me).await.expect("user").mfa_enabled);
    let a = p
        .submit(
            "/app/profile/mfa/disable",
            &[
                ("step_up_password", "wrong-password-entirely"),
                ("step_up_code", &totp_code(&app, &secret, 0)),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(text_of(&a.body, "step-up-error").is_some());
    assert!(app.state.store.user(me).await.expect("user").mfa_enabled);
    let a = p
        .submit(
            "/app/profile/mfa/disable",
            &[
                ("step_up_password", PASSWORD),
                ("step_up_code", &totp_code(&app, &secret, 0)),
            ],
        )
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/app/profile?done=mfa-off")
    );
    assert!(
        a.set_cookie().contains("HttpOnly"),
        "re-authenticating renews the session"
    );
    assert!(!app.state.store.user(me).await.expect("user").mfa_enabled);
    let page = p.get("/app/profile?done=mfa-off").await;
    assert!(page.body.contains("Two-factor authentication is off."));
}

async fn api_tokens_need_step_up_are_shown_once_and_revoked(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("ned@x.test").await;
    let p = Person::new(&app);
    p.sign_in("ned@x.test", PASSWORD).await;

    let a = p
        .submit(
            "/app/profile/tokens",
            &[
                ("name", "reports"),
                ("scope", "admin"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        input_value(&a.body, "name").as_deref(),
        Some("reports"),
        "kept as typed"
    );

    let a = p
        .submit(
            "/app/profile/tokens",
            &[
                ("name", "reports"),
                ("scope", "read"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let secret = text_of(&a.body, "new-token").expect("shown once");
    assert!(secret.starts_with("fs_pat_"));
    let mut script = crate::support::Browser::with_token(&app.base, &secret);
    assert_eq!(script.get("/api/v1/me").await.0, StatusCode::OK);
    let page = p.get("/app/profile").await;
    assert!(page.body.contains("reports") && !page.body.contains(&secret));
    assert!(page.body.contains("Read only"));

    // Eleven minutes on, creating one needs the password again.
    app.advance(TimeDelta::minutes(11));
    let a = p
        .submit(
            "/app/profile/tokens",
            &[
                ("name", "deploy"),
                ("scope", "write"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("id=\"step-up-form\""), "the step-up page");
    assert_eq!(
        input_value(&a.body, "name").as_deref(),
        Some("deploy"),
        "the form is carried on"
    );
    assert_eq!(input_value(&a.body, "scope").as_deref(), Some("write"));
    assert_eq!(
        app.state.store.api_tokens_of(me).await.expect("db").len(),
        1,
        "none created"
    );
    let a = p
        .submit(
            "/app/profile/tokens",
            &[
                ("name", "deploy"),
                ("scope", "write"),
                ("expires_in_days", "90"),
                ("step_up_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert!(a.set_cookie().contains("HttpOnly"));
    assert!(text_of(&a.body, "new-token").is_some());

    // Revoke the first; someone else's token id is not found.
    let id = app
        .state
        .store
        .api_tokens_of(me)
        .await
        .expect("db")
        .into_iter()
        .find(|t| t.name == "reports")
        .expect("token")
        .id
        .to_string();
    let a = p
        .submit("/app/profile/tokens/revoke", &[("token", &id)])
        .await;
    assert_eq!(a.location(), "/app/profile?done=token-revoked");
    assert_eq!(script.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let other = app.user("oli@x.test").await;
    let mut o = app.signed_in("oli@x.test").await;
    let (_, theirs) = o
        .post(
            "/api/v1/me/tokens",
            json!({"name": "theirs", "scope": "read"}),
        )
        .await;
    let theirs = theirs["id"].as_str().expect("id").to_owned();
    let a = p
        .submit("/app/profile/tokens/revoke", &[("token", &theirs)])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        app.state.store.api_tokens_of(other).await.expect("db")[0]
            .revoked_at
            .is_none(),
        "another user's token is untouched"
    );
}

crate::on_both_backends!(
    mfa_is_enrolled_from_a_qr_code_and_turned_off_with_step_up,
    api_tokens_need_step_up_are_shown_once_and_revoked,
);
