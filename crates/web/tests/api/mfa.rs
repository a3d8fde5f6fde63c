//! TOTP with real codes from the secret: the ±1 step window, replay refusal, single-use recovery
//! codes, organisations that require MFA, step-up to disable, and the secret sealed at rest.

use crate::support::{
    Browser, Db, NEW_PASSWORD, PASSWORD, TestApp, code_of, spawn_app, spawn_with, totp_code,
};
use chrono::TimeDelta;
use flowsense_core::Role;
use flowsense_service::identity::limits::RateLimits;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn enrol(app: &TestApp, b: &mut Browser) -> (String, Vec<String>) {
    let (s, e) = b.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_owned();
    assert!(
        e["otpauth_uri"]
            .as_str()
            .expect("uri")
            .starts_with("otpauth://totp/")
    );
    let (s, body) = b
        .post("/api/v1/me/mfa/verify", json!({"code": "123456x"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, v) = b
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(app, &secret, 0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let codes: Vec<String> = v["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("str").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn login(app: &TestApp, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"email": "fay@x.test", "password": PASSWORD});
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    app.browser().post("/api/v1/auth/login", body).await
}

async fn totp_window_replay_and_recovery_codes(db: Db) {
    let app = spawn_app(db).await;
    let u = app.user("fay@x.test").await;
    let mut b = app.signed_in("fay@x.test").await;
    let (secret, codes) = enrol(&app, &mut b).await;
    assert_eq!(
        b.get("/api/v1/me").await.1["user"]["mfa_enabled"],
        json!(true),
        "the rotated session still works"
    );

    let (s, body) = login(&app, json!({})).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "totp_required")
    );
    let (s, body) = login(&app, json!({"totp": totp_code(&app, &secret, 0)})).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials"),
        "the enrolment code is spent"
    );

    app.advance(TimeDelta::seconds(60));
    assert_eq!(
        login(&app, json!({"totp": totp_code(&app, &secret, -30)}))
            .await
            .0,
        StatusCode::OK,
        "one step behind"
    );
    app.advance(TimeDelta::seconds(30));
    let ahead = totp_code(&app, &secret, 30);
    assert_eq!(
        login(&app, json!({"totp": ahead})).await.0,
        StatusCode::OK,
        "one step ahead"
    );
    assert_eq!(
        login(&app, json!({"totp": ahead})).await.0,
        StatusCode::UNAUTHORIZED,
        "reused code"
    );
    app.advance(TimeDelta::seconds(120));
    assert_eq!(
        login(&app, json!({"totp": totp_code(&app, &secret, -60)}))
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "two steps old"
    );
    assert_eq!(
        login(&app, json!({"totp": totp_code(&app, &secret, 0)}))
            .await
            .0,
        StatusCode::OK
    );
    let (s, _) = app.browser().post("/api/v1/auth/login", json!({"email": "fay@x.test", "password": "not-the-password-at-all", "totp": totp_code(&app, &secret, 30)})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    assert_eq!(
        login(&app, json!({"recovery_code": codes[0].to_uppercase()}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        login(&app, json!({"recovery_code": codes[0]})).await.0,
        StatusCode::UNAUTHORIZED,
        "single use"
    );
    assert_eq!(
        login(&app, json!({"recovery_code": "aaaaa-bbbbb"})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.state.store.recovery_codes_left(u).await.expect("count"),
        9
    );

    // The secret is stored sealed: the raw column never holds it.
    let raw = totp_rs::Secret::try_from_base32(&secret)
        .expect("b32")
        .as_bytes()
        .to_vec();
    let sealed = app
        .state
        .store
        .mfa_state(u)
        .await
        .expect("state")
        .secret_enc
        .expect("sealed");
    assert!(!sealed.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(sealed.len() > raw.len());

    // Disabling needs recent authentication.
    let mut b = app.browser();
    let (s, _) = b.post("/api/v1/auth/login", json!({"email": "fay@x.test", "password": PASSWORD, "totp": totp_code(&app, &secret, 30)})).await;
    assert_eq!(s, StatusCode::OK);
    app.advance(TimeDelta::minutes(11));
    let (s, body) = b.send(Method::DELETE, "/api/v1/me/mfa", None).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let (s, _) = b
        .post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the second factor is needed too"
    );
    let (s, _) = b
        .post(
            "/api/v1/auth/reauthenticate",
            json!({"password": PASSWORD, "totp": totp_code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b.send(Method::DELETE, "/api/v1/me/mfa", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        login(&app, json!({})).await.0,
        StatusCode::OK,
        "password alone again"
    );
}

async fn an_organisation_can_require_mfa(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("gil@x.test").await;
    let org = app.org("strict", admin).await;
    app.member(org, "hal@x.test", Role::Member).await;
    let mut a = app.signed_in("gil@x.test").await;
    let settings = format!("/api/v1/orgs/{org}/settings");
    let (s, _) = a
        .send(
            Method::PATCH,
            &settings,
            Some(json!({"mfa_required": true})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin without MFA cannot lock themselves out"
    );
    enrol(&app, &mut a).await;
    let (s, body) = a
        .send(
            Method::PATCH,
            &settings,
            Some(json!({"mfa_required": true})),
        )
        .await;
    assert_eq!(
        (s, &body["settings"]["mfa_required"]),
        (StatusCode::OK, &json!(true))
    );

    let mut m = app.signed_in("hal@x.test").await;
    let (s, body) = m.get(&format!("/api/v1/orgs/{org}/members")).await;
    assert_eq!((s, code_of(&body)), (StatusCode::FORBIDDEN, "mfa_required"));
    assert_eq!(
        m.get("/api/v1/me").await.0,
        StatusCode::OK,
        "own profile stays reachable"
    );
    app.advance(TimeDelta::seconds(30));
    enrol(&app, &mut m).await;
    assert_eq!(
        m.get(&format!("/api/v1/orgs/{org}/members")).await.0,
        StatusCode::OK
    );
}

/// Guessing codes is throttled (checklist B6): wrong codes at enrolment and at sign-in (right
/// password, wrong code) each end in 429 within ten tries, and while the throttle lasts the right
/// code is refused too. The throttle is per account: another one enrols meanwhile.
async fn wrong_codes_are_throttled(db: Db) {
    let app = spawn_with(db, RateLimits::default(), |_| {}).await;
    let wrong = |secret: &str| {
        let right = totp_code(&app, secret, 0);
        format!(
            "{:06}",
            (right.parse::<u32>().expect("digits") + 1) % 1_000_000
        )
    };
    app.user("gus@x.test").await;
    let mut guesser = app.signed_in("gus@x.test").await;
    let (s, e) = guesser.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_owned();
    let mut throttled = false;
    for _ in 1..=10 {
        let (s, _) = guesser
            .post("/api/v1/me/mfa/verify", json!({"code": wrong(&secret)}))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert!(throttled, "ten wrong enrolment codes, no throttle");
    let (s, _) = guesser
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the throttle holds for the right code"
    );

    app.user("fay@x.test").await;
    let mut b = app.signed_in("fay@x.test").await;
    let (secret, _) = enrol(&app, &mut b).await;
    let mut throttled = false;
    for _ in 1..=10 {
        let resp = app
            .browser()
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"email": "fay@x.test", "password": PASSWORD, "totp": wrong(&secret)}))
            .send()
            .await
            .expect("login");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(resp.headers().contains_key("retry-after"));
            throttled = true;
            break;
        }
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(throttled, "ten wrong sign-in codes, no throttle");
    let (s, _) = login(&app, json!({"totp": totp_code(&app, &secret, 0)})).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the throttle holds for the right code"
    );
}

/// A password reset does not get round the second factor (checklist B8): the reset signs nobody
/// in, the new password alone is refused with `totp_required`, and only the new password with a
/// fresh code opens a session; the reset link works once.
async fn a_password_reset_still_ends_at_the_second_factor(db: Db) {
    let app = spawn_app(db).await;
    app.user("fay@x.test").await;
    let mut b = app.signed_in("fay@x.test").await;
    let (secret, _) = enrol(&app, &mut b).await;
    let (s, _) = app
        .browser()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "fay@x.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let token = app.token_mailed_to("fay@x.test").await;
    let confirm = json!({"token": token, "new_password": NEW_PASSWORD});
    let resp = app
        .browser()
        .request(Method::POST, "/api/v1/auth/password-reset/confirm")
        .json(&confirm)
        .send()
        .await
        .expect("confirm");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers().get("set-cookie").is_none(),
        "a reset must not sign in: {:?}",
        resp.headers().get("set-cookie")
    );
    let (s, _) = app
        .browser()
        .post("/api/v1/auth/password-reset/confirm", confirm)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the link works once");
    assert_eq!(
        b.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the reset ended the old session"
    );
    let mut fresh = app.browser();
    let (s, body) = fresh.login("fay@x.test", NEW_PASSWORD).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "totp_required")
    );
    assert_eq!(fresh.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // The enrolment code is spent; the next step's code opens the account.
    app.advance(TimeDelta::seconds(30));
    let (s, body) = fresh
        .post(
            "/api/v1/auth/login",
            json!({"email": "fay@x.test", "password": NEW_PASSWORD, "totp": totp_code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(fresh.get("/api/v1/me").await.0, StatusCode::OK);
    // The sign-in form asks for the code too.
    let page = crate::forms::Person::new(&app)
        .post(
            "/login",
            &[("email", "fay@x.test"), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    assert!(page.set_cookie().is_empty(), "{}", page.set_cookie());
}

/// Every route of the registry, its placeholders filled for `org`.
fn every_route(org: &str) -> Vec<(flowsense_web::routes::RouteSpec, String)> {
    flowsense_web::routes::route_table()
        .into_iter()
        .map(|spec| {
            let path = spec
                .path
                .replace("{org}", org)
                .replace("{user}", &uuid::Uuid::new_v4().to_string())
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{provider}", "quickbooks")
                .replace("{kind}", "runway")
                .replace("{job}", "cleanup.expired")
                .replace("{token}", "a-token");
            (spec, path)
        })
        .collect()
}

/// MFA gates everything (checklist B5). Someone who has given only the password of an account
/// with MFA holds no session at all: every route that needs one answers them as it answers a
/// stranger. And where an organisation requires MFA, a member without it reaches none of its
/// routes, API or page, whatever the method; their own profile stays open so they can enrol.
async fn half_signed_in_callers_and_members_without_mfa_reach_nothing(db: Db) {
    use flowsense_web::routes::Access;
    let app = spawn_app(db).await;
    let admin = app.user("ida@x.test").await;
    let org = app.org("gated", admin).await;
    app.member(org, "joe@x.test", Role::Member).await;
    let mut a = app.signed_in("ida@x.test").await;
    enrol(&app, &mut a).await;
    let (s, _) = a
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/settings"),
            Some(json!({"mfa_required": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Password only, for an account with MFA: refused, and no cookie comes back.
    let mut half = app.browser();
    let (s, body) = half.login("ida@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code_of(&body), "totp_required");
    assert!(half.csrf.is_none());
    let routes = every_route(&org.to_string());
    let mut tried = 0;
    for (spec, path) in &routes {
        if matches!(spec.access, Access::Public | Access::Signed) {
            continue;
        }
        let resp = half
            .request(spec.method.clone(), path)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let landed = resp.url().path().to_owned();
        if spec.page {
            // A page sends whoever has no session to sign in (redirects are followed).
            assert!(
                landed == "/login"
                    || status == StatusCode::UNAUTHORIZED
                    || status == StatusCode::FORBIDDEN,
                "{} {path}: {status} at {landed}",
                spec.method
            );
        } else {
            assert!(
                status == StatusCode::UNAUTHORIZED
                    || (status == StatusCode::FORBIDDEN && spec.method != Method::GET),
                "{} {path}: {status}",
                spec.method
            );
        }
        tried += 1;
    }

    // A member without MFA, in the organisation that requires it: every API route of the
    // organisation is 403 mfa_required, and every page of it is refused.
    let mut m = app.signed_in("joe@x.test").await;
    let mut refused = 0;
    for (spec, path) in &routes {
        if !spec.path.contains("{org}") || matches!(spec.access, Access::Public | Access::Signed) {
            continue;
        }
        if spec.page {
            if spec.method != Method::GET {
                continue; // a form without its token is refused by CSRF first
            }
            let resp = m.request(Method::GET, path).send().await.expect("page");
            let status = resp.status();
            let html = resp.text().await.expect("html");
            assert_eq!(status, StatusCode::FORBIDDEN, "GET {path}: {html}");
        } else {
            let body = (spec.method != Method::GET).then(|| json!({}));
            let (s, answer) = m.send(spec.method.clone(), path, body).await;
            assert_eq!(
                (s, code_of(&answer)),
                (StatusCode::FORBIDDEN, "mfa_required"),
                "{} {path}: {answer}",
                spec.method
            );
        }
        refused += 1;
    }
    assert_eq!(
        m.get("/api/v1/me").await.0,
        StatusCode::OK,
        "own profile stays open"
    );
    assert!(
        tried >= 100 && refused >= 50,
        "{tried} routes tried half signed in, {refused} refused"
    );
}

crate::on_both_backends!(
    totp_window_replay_and_recovery_codes,
    a_password_reset_still_ends_at_the_second_factor,
    an_organisation_can_require_mfa,
    half_signed_in_callers_and_members_without_mfa_reach_nothing,
    wrong_codes_are_throttled
);
