//! Sign-up confirms the address with a button and never reveals accounts.

use super::*;

async fn signup_confirms_the_address_with_a_button_and_never_reveals_accounts(db: Db) {
    let app = spawn_app(db).await;
    app.user("taken@x.test").await;
    let p = Person::new(&app);

    let form = p.get("/signup").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("12 to 128 characters"),
        "the rules are explained"
    );
    assert!(form.body.contains("href=\"/login\""));
    assert_clean(&form.body);

    // A weak password is refused with zxcvbn's feedback; what was typed stays, but not the password.
    let weak = "password1234";
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Ada"),
                ("email", "ada@x.test"),
                ("password", weak),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = text_of(&a.body, "form-error").expect("error");
    assert!(
        error.starts_with("The password is too easy to guess."),
        "{error}"
    );
    assert!(
        error.contains("common password"),
        "zxcvbn's warning: {error}"
    );
    assert_eq!(a.input("email"), "ada@x.test");
    assert_eq!(a.input("display_name"), "Ada");
    assert!(!a.body.contains(weak));
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Ada"),
                ("email", "not-an-address"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("Enter a valid e-mail address."));
    let mails_before = app.emails().await;

    // New and taken addresses get the same page (but only the new one gets a link).
    let mut pages = Vec::new();
    for email in ["ada@x.test", "taken@x.test"] {
        let a = p
            .post(
                "/signup",
                &[
                    ("display_name", "Ada"),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(a.body.contains("data-notice=\"check-inbox\""));
        pages.push(a.body.replace(email, "ADDRESS"));
    }
    assert_eq!(
        pages[0], pages[1],
        "the answer does not depend on the account existing"
    );
    assert_eq!(app.emails().await, mails_before + 2);
    assert!(
        app.last_email_to("taken@x.test")
            .await
            .contains("already has an account")
    );

    // Opening the link only shows a button; the POST confirms.
    let token = app.token_mailed_to("ada@x.test").await;
    let a = p.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.input("token"), token);
    assert!(!verified(&app, "ada@x.test").await, "a GET changes nothing");
    for forged in ["", "AAAA", &format!("{token}x")] {
        let a = p.post("/verify-email", &[("token", forged)]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{forged}");
        assert_clean(&a.body);
    }
    let a = p.post("/verify-email", &[("token", &token)]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("data-notice=\"verified\""));
    assert!(a.body.contains("href=\"/login\""), "offers to sign in");
    assert!(verified(&app, "ada@x.test").await);
    let a = p.get("/verify-email").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    // An expired link is a clear 400 page.
    p.post(
        "/signup",
        &[
            ("display_name", "Bo"),
            ("email", "bo@x.test"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let late = app.token_mailed_to("bo@x.test").await;
    app.advance(TimeDelta::hours(49));
    let a = p.post("/verify-email", &[("token", &late)]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("invalid or has expired"));
    assert!(!verified(&app, "bo@x.test").await);

    // A form from another site is refused before it is read.
    let a = p
        .http
        .post(format!("{}/signup", app.base))
        .header("origin", "https://evil.example")
        .form(&[
            ("display_name", "E"),
            ("email", "e@x.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(a.status(), StatusCode::FORBIDDEN);
    assert!(
        app.state
            .store
            .user_by_email("e@x.test")
            .await
            .expect("db")
            .is_none()
    );
}

crate::on_both_backends!(signup_confirms_the_address_with_a_button_and_never_reveals_accounts,);
