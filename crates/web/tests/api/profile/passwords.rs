//! Profile forms need the CSRF token; password change, sessions and notification settings.

use super::*;

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

crate::on_both_backends!(
    every_profile_form_refuses_a_post_without_the_csrf_token,
    password_sessions_and_notifications,
);
