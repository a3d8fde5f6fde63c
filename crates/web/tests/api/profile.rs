//! The profile page and its forms, and the own-data API: every form needs the session's CSRF
//! token; password, sessions, MFA with a QR code, API tokens with step-up, notification
//! preferences, the export (complete, with no secret in it) and account deletion.

use crate::forms::{Person, assert_clean, input_value, text_of};
use crate::support::{Db, NEW_PASSWORD, PASSWORD, TestApp, code_of, spawn_app, totp_code};
use chrono::TimeDelta;
use flowsense_core::{Role, UserId};
use flowsense_service::identity::crypto::{b64url, sha256};
use flowsense_web::routes::route_table;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn every_profile_form_refuses_a_post_without_the_csrf_token(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("kim@x.test").await;
    app.org("kims", me).await;
    let p = Person::new(&app);
    p.sign_in("kim@x.test", PASSWORD).await;
    let forms: Vec<_> = route_table()
        .into_iter()
        .filter(|r| r.page && r.method == Method::POST && r.path.starts_with("/app/profile"))
        .collect();
    assert!(forms.len() >= 11, "every profile form is covered");
    for r in &forms {
        for form in [
            vec![("confirm_email", "kim@x.test"), ("password", PASSWORD)],
            vec![("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
        ] {
            let a = p.post(r.path, &form).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", r.path);
            assert!(
                a.body.contains("Not allowed"),
                "an HTML page for {}",
                r.path
            );
        }
    }
    // Nothing happened: the account, its password and its session are all still there.
    assert!(app.state.store.user(me).await.is_ok());
    assert_eq!(p.get("/app/profile").await.status, StatusCode::OK);
    assert_eq!(
        app.browser().login("kim@x.test", PASSWORD).await.0,
        StatusCode::OK
    );
}

async fn password_sessions_and_notifications(db: Db) {
    let app = spawn_app(db).await;
    let me = app.user("lou@x.test").await;
    let a_org = app.org("alpha", me).await;
    let other = app.user("zed@y.test").await;
    let b_org = app.org("bravo", other).await;
    app.state
        .store
        .set_membership(b_org, me, Role::Viewer)
        .await
        .expect("member");
    let foreign = app.org("foreign", other).await;

    let p = Person::new(&app);
    p.sign_in("lou@x.test", PASSWORD).await;
    let mut phone = app.signed_in("lou@x.test").await;
    let mut laptop = app.signed_in("lou@x.test").await;

    let page = p.get("/app/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_clean(&page.body);
    assert_eq!(page.body.matches("This session").count(), 1);
    assert!(
        page.body.contains("Firefox on Linux"),
        "sessions name their device"
    );
    assert_eq!(page.body.matches("name=\"session\" value=\"").count(), 2);

    // Sign out one other session, then every other one.
    let (_, list) = phone.get("/api/v1/me/sessions").await;
    let phone_id = list
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["current"] == json!(true))
        .expect("current")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let a = p
        .submit("/app/profile/sessions/revoke", &[("session", &phone_id)])
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/app/profile?done=session")
    );
    assert_eq!(phone.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/v1/me").await.0, StatusCode::OK);
    let a = p
        .submit("/app/profile/sessions/revoke", &[("session", &phone_id)])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "already gone");
    let mut zed = app.signed_in("zed@y.test").await;
    let (_, list) = zed.get("/api/v1/me/sessions").await;
    let zed_id = list[0]["id"].as_str().expect("id").to_owned();
    for id in [zed_id, uuid::Uuid::new_v4().to_string(), "nonsense".into()] {
        let a = p
            .submit("/app/profile/sessions/revoke", &[("session", &id)])
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{id}");
    }
    assert_eq!(
        zed.get("/api/v1/me").await.0,
        StatusCode::OK,
        "another user's session stays"
    );
    let a = p.submit("/app/profile/sessions/revoke-others", &[]).await;
    assert_eq!(a.location(), "/app/profile?done=sessions");
    assert_eq!(laptop.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let done = p.get("/app/profile?done=sessions").await;
    assert!(done.body.contains("Every other session was signed out."));

    // Password change: wrong current password, weak new one, then a good one.
    let mut tablet = app.signed_in("lou@x.test").await;
    let a = p
        .submit(
            "/app/profile/password",
            &[
                ("current_password", "not-my-password-at-all"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        text_of(&a.body, "password-error")
            .expect("error")
            .contains("not correct")
    );
    let a = p
        .submit(
            "/app/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "lou@x.test123"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("too easy to guess"));
    let a = p
        .submit(
            "/app/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/app/profile?done=password")
    );
    assert!(
        a.set_cookie().contains("HttpOnly"),
        "this browser gets a renewed session"
    );
    assert_eq!(tablet.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let done = p.get("/app/profile?done=password").await;
    assert_eq!(done.status, StatusCode::OK, "the renewed session works");
    assert!(done.body.contains("Every other session was signed out."));
    assert_eq!(
        app.browser().login("lou@x.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Notifications: on by default, chosen per organisation, through the form and the API.
    let mut api = app.signed_in_with("lou@x.test", NEW_PASSWORD).await;
    let (s, list) = api.get("/api/v1/me/notifications").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().expect("list").len(), 2);
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .all(|o| o["weekly_digest"] == json!(true))
    );
    let shown_a = format!("shown-{a_org}");
    let shown_b = format!("shown-{b_org}");
    let digest_b = format!("digest-{b_org}");
    let a = p
        .submit(
            "/app/profile/notifications",
            &[(&shown_a, "1"), (&shown_b, "1"), (&digest_b, "on")],
        )
        .await;
    assert_eq!(a.location(), "/app/profile?done=notifications");
    let prefs = |list: &Value, org: String| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|o| o["org_id"] == json!(org))
            .expect("org")["weekly_digest"]
            .clone()
    };
    let (_, list) = api.get("/api/v1/me/notifications").await;
    assert_eq!(prefs(&list, a_org.to_string()), json!(false));
    assert_eq!(prefs(&list, b_org.to_string()), json!(true));
    let page = p.get("/app/profile").await;
    assert!(page.body.contains(&format!(
        "id=\"digest-{b_org}\" name=\"digest-{b_org}\" value=\"on\" checked"
    )));
    assert!(!page.body.contains(&format!(
        "id=\"digest-{a_org}\" name=\"digest-{a_org}\" value=\"on\" checked"
    )));
    let recipients = app
        .state
        .store
        .weekly_digest_recipients(a_org)
        .await
        .expect("db");
    assert!(recipients.iter().all(|r| r.user != me));

    let (s, list) = api
        .send(
            Method::PATCH,
            "/api/v1/me/notifications",
            Some(json!({"org_id": a_org.to_string(), "weekly_digest": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(prefs(&list, a_org.to_string()), json!(true));
    for org in [
        foreign.to_string(),
        "not-an-id".into(),
        flowsense_core::OrgId::new().to_string(),
    ] {
        let (s, body) = api
            .send(
                Method::PATCH,
                "/api/v1/me/notifications",
                Some(json!({"org_id": org, "weekly_digest": false})),
            )
            .await;
        assert_eq!(
            (s, code_of(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{org}"
        );
    }
    let (s, _) = api
        .send(
            Method::PATCH,
            "/api/v1/me/notifications",
            Some(json!({"org_id": a_org.to_string(), "weekly_digest": false, "role": "admin"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
    assert!(
        app.state
            .store
            .notification_prefs(foreign, other)
            .await
            .expect("db")
            .weekly_digest,
        "the other tenant's member is untouched"
    );
    assert!(
        app.state
            .store
            .notification_prefs(foreign, me)
            .await
            .is_err(),
        "nothing was written into the other tenant"
    );
}

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

/// Every string that must never appear in an export.
fn assert_no_secret(export: &str, secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(
            !export.contains(secret.as_str()),
            "the export holds the {what}"
        );
    }
}

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

/// Rows of every table that refer to `user` (read straight from the database).
async fn rows_of(app: &TestApp, user: UserId) -> i64 {
    use sqlx::Connection;
    let tables = [
        ("users", "id"),
        ("memberships", "user_id"),
        ("sessions", "user_id"),
        ("api_tokens", "user_id"),
        ("recovery_codes", "user_id"),
        ("notification_prefs", "user_id"),
        ("conversations", "user_id"),
    ];
    let mut total = 0;
    for (table, column) in tables {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let n: i64 = if app.db.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url)
                .await
                .expect("sqlite");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(user.0)
                .fetch_one(&mut c)
                .await
                .expect("count")
        } else {
            let mut c = sqlx::PgConnection::connect(&app.db.url)
                .await
                .expect("postgres");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(user.0)
                .fetch_one(&mut c)
                .await
                .expect("count")
        };
        total += n;
    }
    total
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
    every_profile_form_refuses_a_post_without_the_csrf_token,
    password_sessions_and_notifications,
    mfa_is_enrolled_from_a_qr_code_and_turned_off_with_step_up,
    api_tokens_need_step_up_are_shown_once_and_revoked,
    the_export_holds_everything_about_the_user_and_no_secret,
    deleting_an_account_keeps_an_admin_and_removes_every_row,
);
