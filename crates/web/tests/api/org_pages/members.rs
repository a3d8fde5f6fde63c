//! Members invited, changed and removed; an admin always remains.

use super::*;

async fn members_are_invited_changed_removed_and_an_admin_always_remains(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    // The admin's cookies are kept where the test can read them, to replay an old one.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let mut admin = Browser {
        http: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .expect("client"),
        base: app.base.clone(),
        csrf: None,
        bearer: None,
    };
    let (s, body) = admin.login("ada@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let base_url: reqwest::Url = app.base.parse().expect("url");
    let cookie_now = || {
        reqwest::cookie::CookieStore::cookies(&*jar, &base_url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .expect("a session cookie")
    };
    let members = format!("/app/{org}/members");

    let (s, html) = page(&admin, &members).await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "ada@x.test",
        "mo@x.test",
        "vi@x.test",
        "Two-factor",
        "No invitations are waiting",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(
        !html.contains("oz@y.test"),
        "nobody from another organisation"
    );

    // Invite: a bad address re-renders the form with what was typed; a good one is mailed.
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "not-an-address"), ("role", "member")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter a valid e-mail address."), "{html}");
    assert!(html.contains("value=\"not-an-address\""));
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "new@x.test"), ("role", "owner")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose a role"));
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "new@x.test"), ("role", "member")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Invitation sent."));
    assert!(html.contains("<td>new@x.test</td>"));
    assert!(app.last_email_to("new@x.test").await.contains("as member"));

    // Revoke it: gone from the page, and its link no longer works.
    let inv = app.state.store.open_invitations(org).await.expect("inv");
    let token = app.token_mailed_to("new@x.test").await;
    let (s, html) = form(
        &admin,
        &format!("/app/{org}/invitations/{}/revoke", inv[0].id),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Invitation revoked") && html.contains("No invitations are waiting"));
    app.user("new@x.test").await;
    let mut invitee = app.signed_in("new@x.test").await;
    let (s, _) = invitee
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another organisation's invitation is not found from this one.
    let (s, _) = form(
        &admin,
        &format!("/app/{}/invitations/{}/revoke", t.other, inv[0].id),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Change a role.
    let (s, html) = form(
        &admin,
        &format!("{members}/{}/role", t.member),
        &[("role", "viewer")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Role changed."));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));

    // The only admin cannot step down or leave: a clear message, nothing changed.
    for (path, fields) in [
        (
            format!("{members}/{}/role", t.admin),
            vec![("role", "member")],
        ),
        (format!("{members}/{}/remove", t.admin), vec![]),
    ] {
        let (s, html) = form(&admin, &path, &fields).await;
        assert_eq!(s, StatusCode::CONFLICT, "{path}");
        assert!(html.contains("must keep at least one admin"), "{html}");
    }
    assert_eq!(role_of(app, org, t.admin).await, Some(Role::Admin));

    // Ten minutes on, the same change asks for the password first, then proceeds.
    app.advance(TimeDelta::minutes(11));
    let before_step_up = cookie_now();
    let path = format!("{members}/{}/role", t.member);
    let (s, html) = form(&admin, &path, &[("role", "member")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Confirm it’s you") && html.contains("name=\"step_up_password\""));
    assert!(
        html.contains("name=\"role\" value=\"member\""),
        "the pending change rides along"
    );
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));
    let (s, html) = form(
        &admin,
        &path,
        &[("role", "member"), ("step_up_password", "not-my-password")],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("not correct"));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));
    let (s, html) = form(
        &admin,
        &path,
        &[("role", "member"), ("step_up_password", PASSWORD)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Role changed."));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Member));
    // The session was rotated: the page now carries a new token, and the old session is dead
    // on the server: its cookie, replayed by a client of its own, is sent to sign in.
    assert_ne!(
        cookie_now(),
        before_step_up,
        "the step-up rotates the session"
    );
    let replayed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}{members}", app.base))
        .header("cookie", &before_step_up)
        .send()
        .await
        .expect("replay");
    assert!(
        replayed.status().is_redirection(),
        "the old cookie still works: {}",
        replayed.status()
    );
    assert!(
        replayed
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login")),
        "{:?}",
        replayed.headers()
    );
    let fresh = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("token")
        .to_owned();
    assert_ne!(Some(fresh.as_str()), admin.csrf.as_deref());
    let (s, _) = form(&admin, &path, &[("role", "viewer")]).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the token of the old session still works"
    );
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Member));
    let admin = Browser {
        csrf: Some(fresh),
        ..without_csrf(&admin)
    };

    // Remove a member; transfer ownership and step down.
    let viewer = app
        .state
        .store
        .user_by_email("vi@x.test")
        .await
        .expect("db")
        .expect("vi");
    let (s, html) = form(&admin, &format!("{members}/{}/remove", viewer.id), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Member removed.") && !html.contains("vi@x.test"));
    assert_eq!(role_of(app, org, viewer.id).await, None);
    let (s, _) = form(
        &admin,
        &format!("{members}/transfer"),
        &[
            ("user", &t.member.to_string()),
            ("demote_self_to", "member"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "lands on the dashboard");
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Admin));
    assert_eq!(role_of(app, org, t.admin).await, Some(Role::Member));
    let (s, _) = page(&admin, &members).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no longer an admin");

    // Each change is in the audit log.
    let mut new_admin = app.signed_in("mo@x.test").await;
    let (_, log) = new_admin
        .get(&format!("/api/v1/orgs/{org}/audit?limit=100"))
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for wanted in [
        "invitation.created",
        "invitation.revoked",
        "member.role_changed",
        "member.removed",
        "org.ownership_transferred",
    ] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
}

crate::on_both_backends!(members_are_invited_changed_removed_and_an_admin_always_remains,);
