//! Passkeys end to end over HTTP, verified by `webauthn-rs` against a software authenticator
//! that signs real attestation and assertion objects: registration, usernameless sign-in, the
//! second factor, step-up, revocation, and every refusal (a replayed assertion, another origin,
//! a regressing counter, another user's credential, a reused, foreign or expired ceremony).

pub(crate) mod authenticator;

use crate::support::{Browser, Db, PASSWORD, TestApp, code_of, spawn_with, totp_code};
use authenticator::{Lie, SoftAuthenticator};
use chrono::TimeDelta;
use flowsense_service::identity::limits::RateLimits;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The app at `http://localhost:<port>` (WebAuthn needs a domain name, not an IP address), and
/// an authenticator in a browser at that origin.
async fn app_and_authenticator(db: Db) -> (TestApp, SoftAuthenticator) {
    let app = spawn_with(db, RateLimits::generous(), |s| {
        s.public_url = s.public_url.replace("127.0.0.1", "localhost");
    })
    .await;
    let origin = app.base.replace("127.0.0.1", "localhost");
    (app, SoftAuthenticator::new(&origin))
}

/// Registers a passkey named `name` from `b`'s session; answers the new passkey.
async fn register(b: &mut Browser, auth: &mut SoftAuthenticator, name: &str) -> Value {
    let (s, start) = b
        .post("/api/v1/me/passkeys/options", json!({"name": name}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let credential = auth.create(&start["publicKey"]);
    let (s, created) = b
        .post(
            "/api/v1/me/passkeys",
            json!({"ceremony": start["ceremony"], "credential": credential}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    created
}

/// A usernameless sign-in from a fresh browser, with the assertion `answer` makes.
async fn sign_in_with(
    app: &TestApp,
    answer: impl FnOnce(&Value) -> Value,
) -> (StatusCode, Value, Browser) {
    let mut b = app.browser();
    let (s, start) = b.post("/api/v1/auth/passkey/options", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let credential = answer(&start["publicKey"]);
    let (s, body) = b
        .post(
            "/api/v1/auth/passkey",
            json!({"ceremony": start["ceremony"], "credential": credential}),
        )
        .await;
    (s, body, b)
}

async fn audit_actions(b: &mut Browser, org: flowsense_core::OrgId) -> Vec<String> {
    let (s, log) = b.get(&format!("/api/v1/orgs/{org}/audit?limit=1000")).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    log["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

async fn a_passkey_registers_signs_in_alone_and_is_revoked(db: Db) {
    let (app, mut auth) = app_and_authenticator(db).await;
    let me = app.user("kim@x.test").await;
    let org = app.org("kims", me).await;
    let mut b = app.signed_in("kim@x.test").await;

    // The relying party is the public URL's host; a discoverable credential is asked for.
    let (s, start) = b
        .post("/api/v1/me/passkeys/options", json!({"name": "Laptop"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    assert_eq!(start["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        start["publicKey"]["authenticatorSelection"]["residentKey"],
        "required"
    );
    let credential = auth.create(&start["publicKey"]);
    let finish = json!({"ceremony": start["ceremony"], "credential": credential});
    let (s, created) = b.post("/api/v1/me/passkeys", finish.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Laptop");
    assert_eq!(created["backup_eligible"], true, "the BE flag is recorded");
    assert_eq!(created["backed_up"], true, "the BS flag is recorded");
    // The ceremony was single-use: the same answer again registers nothing.
    let (s, again) = b.post("/api/v1/me/passkeys", finish).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{again}");

    let (_, list) = b.get("/api/v1/me/passkeys").await;
    assert_eq!(list.as_array().expect("list").len(), 1, "{list}");
    assert!(list[0]["last_used_at"].is_null());

    // A passkey alone signs in: no e-mail address, no password.
    let mut used = Value::Null;
    let (s, body, mut signed_in) = sign_in_with(&app, |options| {
        assert!(
            options["allowCredentials"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "a usernameless sign-in names no credential: {options}"
        );
        used = auth.get(options);
        used.clone()
    })
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, who) = signed_in.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK, "{who}");
    assert_eq!(who["user"]["email"], "kim@x.test", "{who}");
    let (_, list) = b.get("/api/v1/me/passkeys").await;
    assert!(
        list[0]["last_used_at"].is_string(),
        "the use is listed: {list}"
    );
    // The person's own export lists it, with its use, and never its key.
    let (s, export) = signed_in.get("/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK, "{export}");
    let listed = &export["passkeys"][0];
    assert_eq!(listed["name"], "Laptop", "{export}");
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(listed.get("passkey").is_none() && listed.get("credential_id").is_none());

    // The same assertion again, against a new ceremony: refused (its challenge is spent).
    let (s, body, _) = sign_in_with(&app, |_| used.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(code_of(&body), "invalid_credentials");

    // Revoked, it signs in no more.
    let id = created["id"].as_str().expect("id");
    let (s, body) = b
        .send(Method::DELETE, &format!("/api/v1/me/passkeys/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, body, _) = sign_in_with(&app, |o| auth.get(o)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (_, list) = b.get("/api/v1/me/passkeys").await;
    assert_eq!(list, json!([]));

    let actions = audit_actions(&mut b, org).await;
    for wanted in [
        "passkey.registered",
        "passkey.revoked",
        "passkey.refused",
        "auth.sign_in",
    ] {
        assert!(actions.iter().any(|a| a == wanted), "{wanted}: {actions:?}");
    }
}

async fn a_passkey_is_a_second_factor_and_a_step_up(db: Db) {
    let (app, mut auth) = app_and_authenticator(db).await;
    let me = app.user("lee@x.test").await;
    let org = app.org("lees", me).await;
    let mut b = app.signed_in("lee@x.test").await;
    let (s, e) = b.post("/api/v1/me/mfa/enrol", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_owned();
    let (s, v) = b
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    register(&mut b, &mut auth, "Phone").await;

    // A password sign-in asks for the second factor; a passkey serves in place of the code.
    let mut other = app.browser();
    let (s, body) = other.login("lee@x.test", PASSWORD).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "totp_required")
    );
    let (s, body) = other
        .post(
            "/api/v1/auth/passkey/second-factor/options",
            json!({"email": "lee@x.test", "password": "not the password at all"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the password comes first: {body}"
    );
    let (s, start) = other
        .post(
            "/api/v1/auth/passkey/second-factor/options",
            json!({"email": "lee@x.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    assert_eq!(
        start["publicKey"]["allowCredentials"]
            .as_array()
            .expect("allow-list")
            .len(),
        1
    );
    let credential = auth.get(&start["publicKey"]);
    let (s, body) = other
        .post(
            "/api/v1/auth/login",
            json!({"email": "lee@x.test", "password": PASSWORD,
                   "passkey": {"ceremony": start["ceremony"], "credential": credential}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Step-up: a stale session may not add a passkey until a passkey proves the user again.
    app.advance(TimeDelta::minutes(11));
    let (s, body) = b
        .post("/api/v1/me/passkeys/options", json!({"name": "Key"}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let (s, start) = b
        .post("/api/v1/auth/reauthenticate/passkey/options", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let credential = auth.get(&start["publicKey"]);
    let (s, body) = b
        .post(
            "/api/v1/auth/reauthenticate/passkey",
            json!({"ceremony": start["ceremony"], "credential": credential}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    register(&mut b, &mut auth, "Key").await;

    // A password step-up accepts a passkey as its second factor too.
    app.advance(TimeDelta::minutes(11));
    let (s, start) = b
        .post("/api/v1/auth/reauthenticate/passkey/options", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let credential = auth.get(&start["publicKey"]);
    let (s, body) = b
        .post(
            "/api/v1/auth/reauthenticate",
            json!({"password": PASSWORD,
                   "passkey": {"ceremony": start["ceremony"], "credential": credential}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, list) = b.get("/api/v1/me/passkeys").await;
    assert_eq!(list.as_array().expect("list").len(), 2);

    let actions = audit_actions(&mut b, org).await;
    assert!(actions.iter().any(|a| a == "passkey.used"), "{actions:?}");
}

async fn forged_replayed_and_foreign_assertions_are_refused(db: Db) {
    let (app, mut auth) = app_and_authenticator(db).await;
    app.user("ann@x.test").await;
    app.user("bob@x.test").await;
    let mut ann = app.signed_in("ann@x.test").await;
    let mut bob = app.signed_in("bob@x.test").await;
    register(&mut ann, &mut auth, "Ann's").await;
    let origin = app.base.replace("127.0.0.1", "localhost");
    let mut bobs_auth = SoftAuthenticator::new(&origin);
    register(&mut bob, &mut bobs_auth, "Bob's").await;

    // Signed for another site's origin: refused.
    let lie = Lie {
        origin: Some("http://evil.localhost.test".into()),
        ..Lie::default()
    };
    let (s, body, _) = sign_in_with(&app, |o| auth.get_lying(o, &lie)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");

    // A counter that goes back (a cloned authenticator): refused, after a genuine use.
    let (s, body, _) = sign_in_with(&app, |o| auth.get(o)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body, _) = sign_in_with(&app, |o| auth.get(o)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let cloned = Lie {
        counter: Some(1),
        ..Lie::default()
    };
    let (s, body, _) = sign_in_with(&app, |o| auth.get_lying(o, &cloned)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (s, body, _) = sign_in_with(&app, |o| auth.get(o)).await;
    assert_eq!(s, StatusCode::OK, "a genuine use still works: {body}");

    // Ann's credential where Bob's step-up asked for his own: refused.
    let (s, start) = bob
        .post("/api/v1/auth/reauthenticate/passkey/options", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let anns = auth.assert_with(0, &start["publicKey"], &Lie::default());
    let (s, body) = bob
        .post(
            "/api/v1/auth/reauthenticate/passkey",
            json!({"ceremony": start["ceremony"], "credential": anns}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");

    // Ann's step-up ceremony finished from Bob's session: refused (bound to Ann's session).
    let (s, start) = ann
        .post("/api/v1/auth/reauthenticate/passkey/options", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let answer = auth.get(&start["publicKey"]);
    let (s, body) = bob
        .post(
            "/api/v1/auth/reauthenticate/passkey",
            json!({"ceremony": start["ceremony"], "credential": answer}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    // … and Ann's registration ceremony finished by Bob registers nothing.
    let (s, start) = ann
        .post("/api/v1/me/passkeys/options", json!({"name": "Second"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{start}");
    let created = bobs_auth.create(&start["publicKey"]);
    let (s, body) = bob
        .post(
            "/api/v1/me/passkeys",
            json!({"ceremony": start["ceremony"], "credential": created}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // An expired ceremony: refused.
    let mut late = app.browser();
    let (_, start) = late.post("/api/v1/auth/passkey/options", json!({})).await;
    app.advance(TimeDelta::minutes(6));
    let answer = auth.get(&start["publicKey"]);
    let (s, body) = late
        .post(
            "/api/v1/auth/passkey",
            json!({"ceremony": start["ceremony"], "credential": answer}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");

    // Ann cannot revoke Bob's passkey: it is not found for her.
    let (_, bobs) = bob.get("/api/v1/me/passkeys").await;
    let id = bobs[0]["id"].as_str().expect("id").to_owned();
    let mut ann = app.signed_in("ann@x.test").await;
    let (s, _) = ann
        .send(Method::DELETE, &format!("/api/v1/me/passkeys/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn an_account_with_passkeys_only_has_no_password_to_reset(db: Db) {
    let (app, mut auth) = app_and_authenticator(db).await;
    app.user("pia@x.test").await;
    let mut b = app.signed_in("pia@x.test").await;
    let (s, body) = b.send(Method::DELETE, "/api/v1/me/password", None).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not without a passkey: {body}"
    );
    let created = register(&mut b, &mut auth, "Only key").await;
    let (s, body) = b.send(Method::DELETE, "/api/v1/me/password", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");

    // The password is gone: it signs in no more, and no reset link is sent for it.
    let (s, _) = app.browser().login("pia@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.run_jobs().await;
    let mails = app.emails().await;
    let (s, _) = app
        .browser()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "pia@x.test"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::ACCEPTED,
        "the same answer as for any address"
    );
    app.run_jobs().await;
    assert_eq!(
        app.emails().await,
        mails,
        "no reset link for a passkey-only account"
    );

    // The passkey is the way in, and its last one cannot be revoked.
    let (s, body, mut signed_in) = sign_in_with(&app, |o| auth.get(o)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let id = created["id"].as_str().expect("id");
    let (s, body) = signed_in
        .send(Method::DELETE, &format!("/api/v1/me/passkeys/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

crate::on_both_backends!(
    a_passkey_registers_signs_in_alone_and_is_revoked,
    a_passkey_is_a_second_factor_and_a_step_up,
    forged_replayed_and_foreign_assertions_are_refused,
    an_account_with_passkeys_only_has_no_password_to_reset,
);
