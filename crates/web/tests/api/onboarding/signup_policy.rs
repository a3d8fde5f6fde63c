//! `FLOWSENSE_SIGNUP`: open, invite-only or closed, on the page and the API alike, and the
//! sign-up link shown only where it leads somewhere.

use super::*;
use crate::support::{PASSWORD, code_of};
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::identity::signup_policy::SignupPolicy;
use serde_json::json;

async fn app_with(db: Db, policy: SignupPolicy) -> TestApp {
    spawn_with(db, RateLimits::generous(), |s| s.signup = policy).await
}

async fn api_signup(app: &TestApp, email: &str, invitation: Option<&str>) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(&json!({
            "email": email,
            "password": NEW_PASSWORD,
            "display_name": "Someone",
            "invitation": invitation,
        }))
        .send()
        .await
        .expect("signup");
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (status, code_of(&body).to_owned())
}

async fn account_exists(app: &TestApp, email: &str) -> bool {
    app.state
        .store
        .user_by_email(email)
        .await
        .expect("db")
        .is_some()
}

/// An invitation from an admin of a fresh organisation to `email`; its token.
async fn invitation_to(app: &TestApp, email: &str) -> String {
    let admin = app.user("admin@x.test").await;
    let org = app.org("harbour", admin).await;
    let mut b = app.signed_in("admin@x.test").await;
    let (s, body) = b
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            json!({"email": email, "role": "member"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    app.token_mailed_to(email).await
}

async fn an_open_instance_offers_sign_up_everywhere(db: Db) {
    let app = app_with(db, SignupPolicy::Open).await;
    let p = Person::new(&app);
    assert!(p.get("/login").await.body.contains("id=\"sign-up-link\""));
    assert_eq!(p.get("/signup").await.status, StatusCode::OK);
    let (s, _) = api_signup(&app, "ann@x.test", None).await;
    assert!(s.is_success(), "{s}");
    assert!(account_exists(&app, "ann@x.test").await);
}

async fn a_closed_instance_refuses_sign_up_on_the_page_and_the_api(db: Db) {
    let app = app_with(db, SignupPolicy::Closed).await;
    let p = Person::new(&app);
    let login = p.get("/login").await;
    assert!(!login.body.contains("/signup"), "{}", login.body);

    let page = p.get("/signup").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("data-notice=\"signup-closed\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("action=\"/signup\""));
    assert_clean(&page.body);

    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Cy"),
                ("email", "cy@x.test"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        a.body.contains("Sign-up is closed on this instance"),
        "{}",
        a.body
    );
    let (s, code) = api_signup(&app, "cy@x.test", None).await;
    assert_eq!((s, code.as_str()), (StatusCode::FORBIDDEN, "signup_closed"));
    assert!(!account_exists(&app, "cy@x.test").await);

    // An invitation's page does not offer an account either; signing in still works.
    let token = invitation_to(&app, "cy@x.test").await;
    let page = p.get(&format!("/invitations/accept?token={token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("invitation-sign-up"), "{}", page.body);
    let (s, code) = api_signup(&app, "cy@x.test", Some(&token)).await;
    assert_eq!((s, code.as_str()), (StatusCode::FORBIDDEN, "signup_closed"));
    p.sign_in("admin@x.test", PASSWORD).await;
}

async fn an_invite_only_instance_takes_sign_up_with_a_valid_invitation_only(db: Db) {
    let app = app_with(db, SignupPolicy::InviteOnly).await;
    let p = Person::new(&app);
    assert!(!p.get("/login").await.body.contains("/signup"));
    let page = p.get("/signup").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("data-notice=\"invitation-required\""));

    // Without an invitation, or with one sent to someone else, or a made-up one: refused.
    let token = invitation_to(&app, "ivy@x.test").await;
    for (email, invitation) in [
        ("ivy@x.test", None),
        ("eve@x.test", Some(token.as_str())),
        ("ivy@x.test", Some("bm90LWEtdG9rZW4")),
    ] {
        let (s, code) = api_signup(&app, email, invitation).await;
        assert_eq!(
            (s, code.as_str()),
            (StatusCode::FORBIDDEN, "invitation_required"),
            "{email} {invitation:?}"
        );
        assert!(!account_exists(&app, email).await);
    }
    let back = format!("/invitations/accept?token={token}");
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Eve"),
                ("email", "eve@x.test"),
                ("password", NEW_PASSWORD),
                ("next", &back),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body.contains("needs an invitation"), "{}", a.body);

    // From the invitation: the links lead to the form, and the invited address signs up.
    let invitation = p.get(&back).await;
    assert!(invitation.body.contains("id=\"invitation-sign-up\""));
    let login = p.get(&format!("/login?next={}", urlencode(&back))).await;
    assert!(login.body.contains("id=\"sign-up-link\""), "{}", login.body);
    let form = p.get(&format!("/signup?next={}", urlencode(&back))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Ivy"),
                ("email", "ivy@x.test"),
                ("password", NEW_PASSWORD),
                ("next", &back),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(account_exists(&app, "ivy@x.test").await);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

crate::on_both_backends!(
    an_open_instance_offers_sign_up_everywhere,
    a_closed_instance_refuses_sign_up_on_the_page_and_the_api,
    an_invite_only_instance_takes_sign_up_with_a_valid_invitation_only,
);
