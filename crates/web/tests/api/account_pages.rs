//! The public account pages: sign-up, e-mail confirmation, password reset and invitations, with
//! the answers that must not reveal whether an address is registered, tokens that do nothing on
//! a GET, and `next` redirects that never leave the site.

use crate::forms::{Person, assert_clean, text_of};
use crate::support::{Db, NEW_PASSWORD, PASSWORD, TestApp, spawn_app};
use chrono::TimeDelta;
use flowsense_core::Role;
use flowsense_service::identity::accounts::create_user_with_password;
use reqwest::StatusCode;
use serde_json::json;

async fn verified(app: &TestApp, email: &str) -> bool {
    app.state
        .store
        .user_by_email(email)
        .await
        .expect("db")
        .expect("user")
        .email_verified_at
        .is_some()
}

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
        (StatusCode::SEE_OTHER, format!("/app/{org}").as_str())
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

/// Percent-encodes every byte but letters and digits.
fn enc(s: &str) -> String {
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

async fn invite(
    b: &mut crate::support::Browser,
    org: flowsense_core::OrgId,
    email: &str,
    role: Role,
) {
    let (s, body) = b
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

crate::on_both_backends!(
    signup_confirms_the_address_with_a_button_and_never_reveals_accounts,
    password_reset_by_link_works_once_and_signs_everyone_out,
    invitations_bring_people_back_through_sign_in_and_next_stays_local,
);

/// Everything the log prints, from the moment a test asks for it.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log of this test binary: a global subscriber (a thread-local one misses events whose
/// call sites other tests' threads registered first), at every level for the request path.
fn captured_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "warn,tower_http=trace,axum=trace,flowsense_web=trace,flowsense_storage=trace,sqlx=debug",
            ))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test sets a global subscriber");
        log
    })
}

/// The links in e-mails carry tokens in their query strings; the request log, at every level,
/// names the route and never prints one (nor a password from a form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_links_never_reach_the_request_log() {
    let log = captured_log();
    let app = spawn_app(Db::Sqlite).await;
    let admin = app.user("lee@x.test").await;
    let org = app.org("logs", admin).await;
    let p = Person::new(&app);
    p.post(
        "/signup",
        &[
            ("display_name", "Mo"),
            ("email", "mo@x.test"),
            ("password", NEW_PASSWORD),
        ],
    )
    .await;
    let verify = app.token_mailed_to("mo@x.test").await;
    assert_eq!(
        p.get(&format!("/verify-email?token={verify}")).await.status,
        StatusCode::OK
    );
    p.post("/verify-email", &[("token", &verify)]).await;
    p.post("/reset-password", &[("email", "lee@x.test")]).await;
    let reset = app.token_mailed_to("lee@x.test").await;
    assert_eq!(
        p.get(&format!("/reset-password?token={reset}"))
            .await
            .status,
        StatusCode::OK
    );
    let mut lee = app.signed_in("lee@x.test").await;
    lee.post(
        &format!("/api/v1/orgs/{org}/invitations"),
        json!({"email": "mo@x.test", "role": "viewer"}),
    )
    .await;
    let invitation = app.token_mailed_to("mo@x.test").await;
    p.sign_in("mo@x.test", NEW_PASSWORD).await;
    assert_eq!(
        p.get(&format!("/invitations/accept?token={invitation}"))
            .await
            .status,
        StatusCode::OK
    );
    p.get(&format!(
        "/login?next=%2Finvitations%2Faccept%3Ftoken%3D{invitation}"
    ))
    .await;

    let text = String::from_utf8(log.0.lock().expect("log").clone()).expect("utf-8");
    assert!(
        text.contains("started processing request"),
        "the request log was captured"
    );
    assert!(
        text.contains("route=\"/verify-email\""),
        "requests are named by route"
    );
    for secret in [
        verify.as_str(),
        reset.as_str(),
        invitation.as_str(),
        NEW_PASSWORD,
        PASSWORD,
    ] {
        assert!(!text.contains(secret), "a secret reached the log");
    }
    assert!(!text.contains("?token="), "no query string is logged");
}
