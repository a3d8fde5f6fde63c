//! Invitations bring people back through sign-in; `next` stays local.

use super::*;

async fn invitations_bring_people_back_through_sign_in_and_next_stays_local(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("nia@x.test").await;
    let org = app.org("harbour", admin).await;
    let mut nia = app.signed_in("nia@x.test").await;
    invite(&mut nia, org, "oz@x.test", Role::Member).await;
    let token = app.token_mailed_to("oz@x.test").await;
    let back = format!("/invitations/accept?token={token}");

    // Signed out: an explanation and the way back, nothing about the organisation.
    let p = Person::new(&app);
    let page = p.get(&back).await;
    assert_eq!(page.status, StatusCode::OK);
    let encoded = format!("%2Finvitations%2Faccept%3Ftoken%3D{token}");
    assert!(
        page.body
            .contains(&format!("href=\"/login?next={encoded}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("href=\"/signup?next={encoded}\""))
    );
    assert!(!page.body.contains("harbour"));
    assert_clean(&page.body);

    // The sign-in form carries `next` and goes there.
    app.user("oz@x.test").await;
    let login = p.get(&format!("/login?next={encoded}")).await;
    assert_eq!(login.input("next"), back);
    let a = p
        .post(
            "/login",
            &[
                ("email", "oz@x.test"),
                ("password", PASSWORD),
                ("next", &back),
            ],
        )
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, back.as_str())
    );

    // Signed in with the invited address: the organisation, the role and a button.
    let page = p.get(&back).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        text_of(&page.body, "invitation-org").as_deref(),
        Some("harbour")
    );
    assert_eq!(
        text_of(&page.body, "invitation-role").as_deref(),
        Some("member")
    );
    let csrf = page.input("csrf_token");
    let a = p.post("/invitations/accept", &[("token", &token)]).await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "no CSRF token, no membership"
    );
    assert_eq!(
        app.state
            .store
            .role_in(
                org,
                app.state
                    .store
                    .user_by_email("oz@x.test")
                    .await
                    .expect("db")
                    .expect("oz")
                    .id
            )
            .await
            .expect("db"),
        None
    );
    let a = p
        .post(
            "/invitations/accept",
            &[("csrf_token", &csrf), ("token", &token)],
        )
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/app/harbour"),
        "the organisation's dashboard, by its slug"
    );
    let used = p.get(&back).await;
    assert_eq!(used.status, StatusCode::CONFLICT);
    assert!(used.body.contains("already been used"));

    // Someone else's invitation says nothing about itself; garbage is not found.
    app.user("ivy@x.test").await;
    let ivy = Person::new(&app);
    ivy.sign_in("ivy@x.test", PASSWORD).await;
    let page = ivy.get(&back).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("another e-mail address"));
    assert!(!page.body.contains("harbour"));
    let page = ivy.get("/invitations/accept?token=garbage").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("does not exist"));

    // An unconfirmed address must be confirmed first.
    invite(&mut nia, org, "una@x.test", Role::Viewer).await;
    let una_token = app.token_mailed_to("una@x.test").await;
    create_user_with_password(&app.state, "una@x.test", "Una", PASSWORD, false)
        .await
        .expect("una");
    let una = Person::new(&app);
    una.sign_in("una@x.test", PASSWORD).await;
    let page = una
        .get(&format!("/invitations/accept?token={una_token}"))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("Verify your e-mail address first."),
        "{}",
        page.body
    );

    // A late invitation has expired.
    app.user("vic@x.test").await;
    invite(&mut nia, org, "vic@x.test", Role::Viewer).await;
    let vic_token = app.token_mailed_to("vic@x.test").await;
    app.advance(TimeDelta::days(8));
    let vic = Person::new(&app);
    vic.sign_in("vic@x.test", PASSWORD).await;
    let page = vic
        .get(&format!("/invitations/accept?token={vic_token}"))
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("has expired"));

    // `next` never leaves the site.
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\tx",
    ] {
        let x = Person::new(&app);
        let a = x
            .post(
                "/login",
                &[
                    ("email", "oz@x.test"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(
            (a.status, a.location()),
            (StatusCode::SEE_OTHER, "/app"),
            "{evil}"
        );
        let again = x.get(&format!("/login?next={}", enc(evil))).await;
        assert_eq!(again.location(), "/app", "signed in: {evil}");
        let form = Person::new(&app)
            .get(&format!("/login?next={}", enc(evil)))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(!form.body.contains("evil.example"), "{evil}");
        assert!(!form.body.contains("name=\"next\""), "{evil}");
    }
}

crate::on_both_backends!(invitations_bring_people_back_through_sign_in_and_next_stays_local,);
