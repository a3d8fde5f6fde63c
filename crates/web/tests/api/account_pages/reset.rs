//! A password reset link works once and signs everyone out.

use super::*;

async fn password_reset_by_link_works_once_and_signs_everyone_out(db: Db) {
    let app = spawn_app(db).await;
    app.user("cy@x.test").await;
    let p = Person::new(&app);
    let mut elsewhere = app.signed_in("cy@x.test").await;

    let form = p.get("/reset-password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("action=\"/reset-password\""));
    let login = p.get("/login").await;
    assert!(
        login.body.contains("href=\"/reset-password\""),
        "login links to the reset"
    );
    assert!(login.body.contains("href=\"/signup\""), "and to sign-up");

    let mut pages = Vec::new();
    for email in ["cy@x.test", "nobody@x.test"] {
        let a = p.post("/reset-password", &[("email", email)]).await;
        assert_eq!(a.status, StatusCode::OK);
        pages.push(a.body.replace(email, "ADDRESS"));
    }
    assert_eq!(pages[0], pages[1], "unknown addresses get the same answer");
    assert_eq!(app.emails().await, 1, "only the account's owner gets mail");

    let token = app.token_mailed_to("cy@x.test").await;
    let a = p.get(&format!("/reset-password?token={token}")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.input("token"), token);
    assert!(a.body.contains("name=\"new_password\""));

    let weak = "cy@x.test1234";
    let a = p
        .post(
            "/reset-password/confirm",
            &[("token", &token), ("new_password", weak)],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.input("token"), token, "the form keeps the link's token");
    assert!(!a.body.contains(weak));

    let a = p
        .post(
            "/reset-password/confirm",
            &[("token", &token), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("data-notice=\"password-reset\""));
    assert!(a.body.contains("signed out"));
    assert_eq!(
        elsewhere.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let again = p
        .post(
            "/reset-password/confirm",
            &[("token", &token), ("new_password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a link works once");
    assert!(again.body.contains("href=\"/reset-password\""));
    assert_eq!(
        app.browser().login("cy@x.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser().login("cy@x.test", NEW_PASSWORD).await.0,
        StatusCode::OK
    );

    // An expired link.
    p.post("/reset-password", &[("email", "cy@x.test")]).await;
    let late = app.token_mailed_to("cy@x.test").await;
    app.advance(TimeDelta::minutes(61));
    let a = p
        .post(
            "/reset-password/confirm",
            &[("token", &late), ("new_password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

crate::on_both_backends!(password_reset_by_link_works_once_and_signs_everyone_out,);
