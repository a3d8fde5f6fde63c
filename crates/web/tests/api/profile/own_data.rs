//! A person's own export and the deletion of their account.

use super::*;

async fn the_export_holds_everything_about_the_user_and_no_secret(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("pat@x.test").await;
    let org = app.org("patisserie", me).await;
    let other = app.user("quin@y.test").await;
    app.org("quins-secret-org", other).await;
    app.member(org, "ray@x.test", Role::Admin).await;

    let mut b = app.signed_in("pat@x.test").await;
    let (_, e) = b.post("/api/v1/me/mfa/enrol", json!({})).await;
    let totp_secret = e["secret"].as_str().expect("secret").to_owned();
    let (_, v) = b
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(&app, &totp_secret, 0)}),
        )
        .await;
    let recovery: Vec<String> = v["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    let (_, t) = b
        .post(
            "/api/v1/me/tokens",
            json!({"name": "ledger-sync", "scope": "read"}),
        )
        .await;
    let api_token = t["token"].as_str().expect("token").to_owned();
    b.send(
        Method::PATCH,
        "/api/v1/me/notifications",
        Some(json!({"org_id": org.to_string(), "weekly_digest": false})),
    )
    .await;
    app.state
        .store
        .create_conversation(org, me, "Why is cash down?")
        .await
        .expect("conversation");
    let mut ray = app.signed_in("ray@x.test").await;
    ray.send(
        Method::PATCH,
        &format!("/api/v1/orgs/{org}/members/{me}"),
        Some(json!({"role": "member"})),
    )
    .await;

    let resp = b
        .request(Method::GET, "/api/v1/me/export")
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"flowsense-export-"),
        "{disposition}"
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let text = resp.text().await.expect("body");
    let x: Value = serde_json::from_str(&text).expect("json");

    assert_eq!(x["format"], "flowsense.user-export");
    assert_eq!(x["version"], 1);
    assert_eq!(x["profile"]["email"], "pat@x.test");
    assert_eq!(x["profile"]["id"], me.to_string());
    assert_eq!(x["memberships"][0]["org_name"], "patisserie");
    assert_eq!(x["memberships"][0]["role"], "member");
    assert!(
        x["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .any(|s| s["current"] == json!(true))
    );
    assert_eq!(x["api_tokens"][0]["name"], "ledger-sync");
    assert_eq!(
        x["mfa"],
        json!({"enabled": true, "recovery_codes_left": 10})
    );
    assert_eq!(
        x["notification_preferences"][0]["weekly_digest"],
        json!(false)
    );
    assert_eq!(
        x["assistant_conversations"][0]["title"],
        "Why is cash down?"
    );
    let events = x["audit_events"].as_array().expect("events");
    for action in [
        "auth.sign_in",
        "mfa.enrolled",
        "token.created",
        "member.role_changed",
    ] {
        assert!(
            events.iter().any(|e| e["action"] == action),
            "{action} in {events:?}"
        );
    }
    let by_ray = events
        .iter()
        .find(|e| e["action"] == "member.role_changed")
        .expect("event");
    assert_eq!(
        (by_ray["by_you"].clone(), by_ray["ip"].clone()),
        (json!(false), Value::Null)
    );

    // Nothing secret, nothing of anyone else's.
    let user = app.state.store.user(me).await.expect("user");
    let token_hash = sha256(api_token.as_bytes());
    let hex: String = token_hash.iter().map(|b| format!("{b:02x}")).collect();
    let mut secrets = vec![
        ("password hash", user.password_hash.clone()),
        ("password", PASSWORD.to_owned()),
        ("TOTP secret", totp_secret.clone()),
        ("API token", api_token.clone()),
        ("API token hash (hex)", hex),
        ("API token hash (base64)", b64url(&token_hash)),
        ("CSRF token", b.csrf.clone().expect("csrf")),
        ("other tenant", "quins-secret-org".to_owned()),
        ("other user", "quin@y.test".to_owned()),
    ];
    secrets.extend(recovery.iter().map(|c| ("recovery code", c.clone())));
    for s in app
        .state
        .store
        .sessions_of_user(me)
        .await
        .expect("sessions")
    {
        secrets.push(("session hash", b64url(&s.id_hash)));
        let hex: String = s.id_hash.iter().map(|b| format!("{b:02x}")).collect();
        secrets.push(("session hash (hex)", hex));
    }
    assert_no_secret(&text, &secrets);
    for field in [
        "password_hash",
        "id_hash",
        "token_hash",
        "secret",
        "code_hash",
    ] {
        assert!(!text.contains(&format!("\"{field}\"")), "a {field} field");
    }

    // The export is audited; it needs recent authentication, which a token never has.
    let mut script = crate::support::Browser::with_token(&app.base, &api_token);
    let (s, refused) = script.get("/api/v1/me/export").await;
    assert_eq!(
        (s, code_of(&refused)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let (s, again) = b.get("/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        again["audit_events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["action"] == "account.exported"),
        "the first export is in the second"
    );
}

async fn deleting_an_account_keeps_an_admin_and_removes_every_row(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("sam@x.test").await;
    let team = app.org("team", me).await;
    let solo = app.org("solo", me).await;
    let member = app.member(team, "tia@x.test", Role::Member).await;

    let p = Person::new(&app);
    p.sign_in("sam@x.test", PASSWORD).await;
    let mut api = app.signed_in("sam@x.test").await;
    api.post("/api/v1/me/tokens", json!({"name": "t", "scope": "read"}))
        .await;
    app.state
        .store
        .create_conversation(team, me, "q")
        .await
        .expect("conversation");
    api.send(
        Method::PATCH,
        "/api/v1/me/notifications",
        Some(json!({"org_id": team.to_string(), "weekly_digest": false})),
    )
    .await;
    let before = rows_of(&app, me).await;
    assert!(before >= 7, "rows everywhere: {before}");

    // The only admin of an organisation with members: refused, by the page and the API.
    let page = p.get("/app/profile").await;
    assert!(text_of(&page.body, "delete-blockers").is_some());
    assert!(page.body.contains("<strong>team</strong>"));
    let a = p
        .submit(
            "/app/profile/delete",
            &[("confirm_email", "sam@x.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        text_of(&a.body, "delete-error")
            .expect("error")
            .contains("only admin")
    );
    let (s, body) = api.send(Method::DELETE, "/api/v1/me", None).await;
    assert_eq!((s, code_of(&body)), (StatusCode::CONFLICT, "sole_admin"));
    assert_eq!(rows_of(&app, me).await, before, "nothing removed");

    // Wrong confirmation, wrong password: refused, kept as typed (never the password).
    app.state
        .store
        .change_role_keeping_an_admin(team, member, Role::Admin)
        .await
        .expect("admin");
    let a = p
        .submit(
            "/app/profile/delete",
            &[("confirm_email", "someone@x.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        input_value(&a.body, "confirm_email").as_deref(),
        Some("someone@x.test")
    );
    // Eleven minutes on, the step-up page asks for the password and carries the address on.
    app.advance(TimeDelta::minutes(11));
    let a = p
        .submit("/app/profile/delete", &[("confirm_email", "sam@x.test")])
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("id=\"step-up-form\""));
    assert_eq!(
        input_value(&a.body, "confirm_email").as_deref(),
        Some("sam@x.test")
    );
    let a = p
        .submit(
            "/app/profile/delete",
            &[
                ("confirm_email", "sam@x.test"),
                ("step_up_password", "wrong-password-here"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(!a.body.contains("wrong-password-here"));
    assert_eq!(rows_of(&app, me).await, before);
    let (s, body) = api.send(Method::DELETE, "/api/v1/me", None).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    assert_eq!(rows_of(&app, me).await, before);

    // Confirmed: every row goes, the solo organisation with its key; the team keeps Tia.
    let a = p
        .submit(
            "/app/profile/delete",
            &[
                ("confirm_email", "Sam@X.test "),
                ("step_up_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, "/"));
    assert!(
        a.set_cookie().contains("Max-Age=0"),
        "the cookie is cleared"
    );
    assert_eq!(rows_of(&app, me).await, 0);
    assert!(app.state.store.org(solo).await.is_err());
    assert_eq!(
        app.state.store.role_in(team, member).await.expect("db"),
        Some(Role::Admin)
    );
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.browser().login("sam@x.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let log = app
        .state
        .store
        .audit_events(team, 100)
        .await
        .expect("audit");
    assert!(
        log.iter()
            .any(|e| e.action == "account.deleted" && e.actor == Some(me))
    );

    // The API way: a recent session deletes its account with one call; alone in the team
    // now, Tia takes it with her.
    let tia = app.signed_in("tia@x.test").await;
    let resp = tia
        .request(Method::DELETE, "/api/v1/me")
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    assert_eq!(rows_of(&app, member).await, 0);
    assert!(app.state.store.org(team).await.is_err());
}

crate::on_both_backends!(
    the_export_holds_everything_about_the_user_and_no_secret,
    deleting_an_account_keeps_an_admin_and_removes_every_row,
);
