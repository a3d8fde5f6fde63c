//! The authorization matrix: every route of the registry × every kind of caller.

mod samples;

use crate::cron::with_test_cron;
use crate::support::{
    Browser, Db, NEW_PASSWORD, PASSWORD, TestApp, spawn_app, spawn_with_state, totp_code,
};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_service::digest::unsubscribe_link;
use flowsense_service::identity::crypto::{b64url, random_bytes, sha256};
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::identity::links::{LinkPurpose, sign_link};
use flowsense_storage::{NewApiToken, NewInvitation, TokenScope};
use flowsense_web::routes::{Access, RouteSpec, route_table};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    ExpiredSession,
    RevokedToken,
    OtherOrgAdmin,
    Viewer,
    Member,
    ReadToken,
    Admin,
    /// Signed in with the password of an account with MFA, without the code: no session.
    PendingMfa,
    /// An admin disabled by the operator, with the cookie of a session that is still stored.
    DisabledUser,
    /// The same disabled admin's unexpired write token.
    DisabledToken,
}

const EVERYONE: [Who; 11] = [
    Who::Anonymous,
    Who::ExpiredSession,
    Who::RevokedToken,
    Who::OtherOrgAdmin,
    Who::Viewer,
    Who::Member,
    Who::ReadToken,
    Who::Admin,
    Who::PendingMfa,
    Who::DisabledUser,
    Who::DisabledToken,
];

/// The tokens and provider ids of the organisation's two connections (checklist A1): no
/// answer to anyone may carry one, in its body, a header or a cookie.
const CANARIES: [&str; 6] = [
    "canary-qbo-access-a1",
    "canary-qbo-refresh-a1",
    "canary-realm-9130354",
    "canary-xero-access-a1",
    "canary-xero-refresh-a1",
    "canary-xero-tenant-a1",
];

/// Panics when an answer carries one of the [`CANARIES`].
fn assert_no_canary(what: &str, answer: &Value, headers: Option<&HeaderMap>) {
    let body = answer.to_string();
    for canary in CANARIES {
        assert!(!body.contains(canary), "{what}: the body holds {canary}");
        for (name, value) in headers.into_iter().flatten() {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(canary),
                "{what}: the header {name} holds {canary}"
            );
        }
    }
}

/// `None`: allowed (the sample request must succeed with 2xx); `Some(s)`: refused with `s`.
fn expected(spec: &RouteSpec, who: Who) -> Option<u16> {
    let writes = spec.method != Method::GET;
    match (spec.access, who) {
        // Unsigned webhooks are refused (by Stripe's convention with 400); signed deliveries
        // are in `connections/webhooks.rs` and `billing/signatures.rs`.
        (Access::Public, _) if spec.path == "/webhooks/stripe" => Some(400),
        (Access::Public, _) if spec.path.starts_with("/webhooks/") => Some(401),
        // The matrix's world has no identity provider: single sign-on answers 404 until one
        // is configured. The flows, against a real provider, are in `sso/`.
        (Access::Public, _) if spec.path.starts_with("/login/sso") => Some(404),
        // The world has users, so no setup token works any more; its one use is in the
        // operator commands' tests.
        (Access::Public, _) if spec.path == "/api/v1/setup" => Some(400),
        (Access::Public, _) => None,
        // Nobody here signs or has the metrics token: those cases are in `cron.rs` and
        // `metrics.rs`.
        (Access::Signed, _) => Some(401),
        (
            _,
            Who::Anonymous
            | Who::ExpiredSession
            | Who::RevokedToken
            | Who::PendingMfa
            | Who::DisabledUser
            | Who::DisabledToken,
        ) => Some(401),
        // A callback without a state of the caller's session is refused; the round trip is in
        // `connections/flow.rs`.
        (_, _) if spec.path.starts_with("/oauth/") => Some(400),
        // Tokens never count as a recent sign-in, so step-up routes refuse them even to read.
        (_, Who::ReadToken) if writes || spec.step_up => Some(403),
        (Access::User, _) => None,
        (_, Who::OtherOrgAdmin) => Some(404),
        (Access::Member | Access::Admin, Who::Viewer) | (Access::Admin, Who::Member) => Some(403),
        _ => None,
    }
}

struct Person {
    id: UserId,
    email: String,
    browser: Browser,
}

struct World {
    app: TestApp,
    org: OrgId,
    other_org: OrgId,
    spare: UserId,
    spare_email: String,
    people: Vec<(Who, Person)>,
    read_token: String,
    revoked_token: String,
    disabled_token: String,
    /// Where the connect routes send admins (kept running for the world's life).
    _quickbooks: flowsense_fakes::QuickBooksFake,
    /// The assistant's model.
    _model: flowsense_fakes::AnthropicFake,
    /// Where the billing routes send admins.
    _stripe: flowsense_fakes::StripeFake,
    /// Everyone's passkeys (for the passkey routes).
    authenticator: crate::passkeys::authenticator::SoftAuthenticator,
}

async fn world(db: Db) -> World {
    // The cron route and /metrics are on, so they refuse what they get here with 401 (not 404).
    let quickbooks = crate::connections::start_fake().await;
    // A model behind the assistant, so its routes answer members and admins.
    let model_fake =
        flowsense_fakes::AnthropicFake::start(flowsense_fakes::AnthropicFakeConfig::default())
            .await
            .expect("model fake");
    let model = crate::assistant::model_for(&model_fake);
    // Billing on, with a free plan that limits nothing (the limits are in `billing/`).
    let stripe_clock = std::sync::Arc::new(crate::billing::SharedClock::default());
    let stripe = flowsense_fakes::StripeFake::start(
        flowsense_fakes::StripeFakeConfig::default(),
        stripe_clock.clone(),
    )
    .await
    .expect("stripe fake");
    let mut plans = flowsense_service::billing::Plans::default();
    plans.free.limits = flowsense_service::billing::Plan::unlimited().limits;
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        // Reached by a host name, as WebAuthn requires, so the passkey routes answer.
        |s| s.public_url = s.public_url.replace("127.0.0.1", "localhost"),
        |state| {
            let state = crate::connections::with_fake_quickbooks(state, &quickbooks);
            let state = crate::assistant::with_model(state, model, "anthropic", u64::MAX);
            // A security contact, so /.well-known/security.txt is served (404 without one).
            let mut deployment = (*state.deployment).clone();
            deployment.security_contact =
                Some(flowsense_web::SecurityContact::parse("security@x.test").expect("contact"));
            let state = state.with_deployment(deployment);
            let state = crate::billing::with_fake_stripe(state, &stripe, plans);
            with_test_cron(state).with_metrics_token(SecretString::from(
                "the matrix's metrics token, 32+ characters",
            ))
        },
    )
    .await;
    let public_url = app.base.replace("127.0.0.1", "localhost");
    quickbooks.allow_redirect_uri(&format!("{public_url}/oauth/quickbooks/callback"));
    stripe_clock.follow(app.clock.clone());
    stripe.set_webhook_url(&format!("{}/webhooks/stripe", app.base));
    let admin = app.user("admin@a.test").await;
    let org = app.org("alpha", admin).await;
    let other = app.user("admin@b.test").await;
    let other_org = app.org("bravo", other).await;
    app.member(org, "viewer@a.test", Role::Viewer).await;
    app.member(org, "member@a.test", Role::Member).await;
    app.member(org, "stale@a.test", Role::Admin).await;
    let spare = app.member(org, "spare@a.test", Role::Member).await;
    for (provider, tenant, access, refresh) in [
        ("quickbooks", CANARIES[2], CANARIES[0], CANARIES[1]),
        ("xero", CANARIES[5], CANARIES[3], CANARIES[4]),
    ] {
        app.state
            .store
            .connect(
                org,
                &flowsense_storage::NewConnection {
                    provider: provider.into(),
                    tenant_id: tenant.into(),
                    tenant_name: None,
                    access: SecretString::from(access.to_owned()),
                    refresh: SecretString::from(refresh.to_owned()),
                    access_expires_at: None,
                    refresh_expires_at: None,
                    connected_by: admin,
                    at: chrono::Utc::now(),
                },
                |_| Vec::new(),
            )
            .await
            .expect("a canary connection");
    }
    app.member(org, "mfa@a.test", Role::Admin).await;
    let gone = app.member(org, "gone@a.test", Role::Admin).await;
    // The stale admin's session goes idle past the timeout before anyone else signs in.
    let stale = app.signed_in("stale@a.test").await;
    app.advance(TimeDelta::minutes(31));
    let mut people = vec![(
        Who::ExpiredSession,
        person(&app, "stale@a.test", stale).await,
    )];
    for (who, email) in [
        (Who::OtherOrgAdmin, "admin@b.test"),
        (Who::Viewer, "viewer@a.test"),
        (Who::Member, "member@a.test"),
        (Who::Admin, "admin@a.test"),
    ] {
        let b = app.signed_in(email).await;
        people.push((who, person(&app, email, b).await));
    }
    // An admin with MFA who gave the password but not the code holds no session.
    let mut enrolled = app.signed_in("mfa@a.test").await;
    crate::mfa::enrol(&app, &mut enrolled).await;
    let mut pending = app.browser();
    let (s, body) = pending.login("mfa@a.test", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    people.push((Who::PendingMfa, person(&app, "mfa@a.test", pending).await));
    // An admin with a live session and a write token, then disabled: the session row is kept
    // (as if the operator's command had not reached it), so the account's state alone refuses.
    let mut gone_browser = app.signed_in("gone@a.test").await;
    let (_, gone_token) = gone_browser
        .post("/api/v1/me/tokens", json!({"name": "g", "scope": "write"}))
        .await;
    disable_keeping_sessions(&app, gone).await;
    people.push((
        Who::DisabledUser,
        person(&app, "gone@a.test", gone_browser).await,
    ));
    let admin_browser = &mut people
        .iter_mut()
        .find(|(w, _)| *w == Who::Admin)
        .expect("admin")
        .1
        .browser;
    let (_, read) = admin_browser
        .post(
            "/api/v1/me/tokens",
            json!({"name": "read", "scope": "read"}),
        )
        .await;
    let (_, write) = admin_browser
        .post("/api/v1/me/tokens", json!({"name": "w", "scope": "write"}))
        .await;
    let (s, _) = admin_browser
        .send(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{}", write["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    World {
        org,
        other_org,
        spare,
        spare_email: "spare@a.test".into(),
        people,
        read_token: read["token"].as_str().expect("token").into(),
        revoked_token: write["token"].as_str().expect("token").into(),
        disabled_token: gone_token["token"].as_str().expect("token").into(),
        app,
        _quickbooks: quickbooks,
        _model: model_fake,
        _stripe: stripe,
        authenticator: crate::passkeys::authenticator::SoftAuthenticator::new(&public_url),
    }
}

/// Marks `user` disabled straight in the database, leaving their sessions and tokens stored.
async fn disable_keeping_sessions(app: &TestApp, user: UserId) {
    use sqlx::Connection;
    let sql = "UPDATE users SET disabled_at = $1 WHERE id = $2";
    let now = chrono::Utc::now();
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        sqlx::query(sql)
            .bind(now)
            .bind(user.0)
            .execute(&mut c)
            .await
            .expect("update");
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url)
            .await
            .expect("postgres");
        sqlx::query(sql)
            .bind(now)
            .bind(user.0)
            .execute(&mut c)
            .await
            .expect("update");
    }
}

async fn person(app: &TestApp, email: &str, browser: Browser) -> Person {
    let id = app
        .state
        .store
        .user_by_email(email)
        .await
        .expect("db")
        .expect("user")
        .id;
    Person {
        id,
        email: email.into(),
        browser,
    }
}

/// A page request as a browser makes it: form-encoded, following redirects. A page answers
/// "not signed in" by sending the browser to `/login`; that counts as the API's 401 here.
async fn send_page(
    caller: &Browser,
    method: Method,
    path: &str,
    form: Option<Value>,
) -> (StatusCode, Value, Option<HeaderMap>) {
    let mut r = caller.request(method, path);
    if let Some(Value::Object(fields)) = form {
        let pairs: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect();
        r = r.form(&pairs);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status();
    let headers = ours(caller, &resp);
    let landed = resp.url().path().to_owned();
    let text = resp.text().await.expect("body");
    if landed == "/login" && path != "/login" && status.is_success() {
        return (StatusCode::UNAUTHORIZED, Value::String(text), headers);
    }
    (status, Value::String(text), headers)
}

/// The headers of an answer from this server; `None` when redirects led to another (a connect
/// form ends on the provider's consent page).
fn ours(caller: &Browser, resp: &reqwest::Response) -> Option<HeaderMap> {
    resp.url()
        .as_str()
        .starts_with(&caller.base)
        .then(|| resp.headers().clone())
}

/// An API request as [`Browser::send`] makes it, keeping the answer's headers.
async fn send_api(
    caller: &mut Browser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, Option<HeaderMap>) {
    let mut r = caller.request(method, path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status();
    let headers = Some(resp.headers().clone());
    let text = resp.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if let Some(c) = json.get("csrf_token").and_then(Value::as_str) {
        caller.csrf = Some(c.to_owned());
    }
    (status, json, headers)
}

fn is_upload(spec: &RouteSpec) -> bool {
    spec.body_limit > flowsense_web::routes::DEFAULT_BODY_LIMIT
}

/// An upload as a browser sends it: a small CSV in a multipart form (redirects followed).
async fn send_upload(caller: &Browser, path: &str) -> (StatusCode, Value, Option<HeaderMap>) {
    let csv = b"date,description,amount\n2026-01-02,Matrix sale,10.00\n";
    let (content_type, body) = crate::support::multipart(&[("file", Some("matrix.csv"), csv)]);
    let resp = caller
        .request(Method::POST, path)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    let headers = ours(caller, &resp);
    let landed = resp.url().path().to_owned();
    let text = resp.text().await.expect("body");
    if landed == "/login" && status.is_success() {
        return (StatusCode::UNAUTHORIZED, Value::String(text), headers);
    }
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

async fn every_route_answers_every_caller_as_the_matrix_says(db: Db) {
    let table = route_table();
    let mut seen = std::collections::HashSet::new();
    for spec in &table {
        assert!(
            seen.insert((spec.method.clone(), spec.path)),
            "duplicate route {} {}",
            spec.method,
            spec.path
        );
        assert!(
            spec.path.starts_with("/api/v1/")
                || matches!(spec.access, Access::Public | Access::Signed)
                || spec.page,
            "{} is outside /api/v1 but neither public, signed nor a page",
            spec.path
        );
        assert!(
            !spec.step_up || spec.method != Method::GET || spec.path.ends_with("/export"),
            "step-up on a safe method other than an export: {}",
            spec.path
        );
    }
    let mut object_swaps = 0;
    // A read changes nothing that a later route's answers depend on, so the reads, taken
    // first, share one world; each route that writes gets a fresh one.
    let mut kept: Option<World> = None;
    let mut reads_first: Vec<&RouteSpec> = table.iter().collect();
    reads_first.sort_by_key(|spec| spec.method != Method::GET);
    for spec in reads_first {
        let mut w = match kept.take() {
            Some(w) => w,
            None => world(db).await,
        };
        for who in EVERYONE {
            let mut caller = w.caller(who);
            let (path, body) = w.sample(spec, who, &mut caller).await;
            let (status, answer, headers) = if is_upload(spec) {
                send_upload(&caller, &path).await
            } else if spec.page {
                send_page(&caller, spec.method.clone(), &path, body.clone()).await
            } else {
                send_api(&mut caller, spec.method.clone(), &path, body.clone()).await
            };
            assert_no_canary(
                &format!("{who:?} {} {}", spec.method, spec.path),
                &answer,
                headers.as_ref(),
            );
            if let Some(headers) = &headers {
                crate::surface::assert_answer_headers(
                    &format!("{who:?} {} {}", spec.method, spec.path),
                    // The half-signed-in caller was given no cookie: it sends no credential.
                    !matches!(who, Who::Anonymous | Who::PendingMfa),
                    &path,
                    headers,
                );
            }
            match expected(spec, who) {
                Some(code) => assert_eq!(
                    status.as_u16(),
                    code,
                    "{who:?} {} {}: {answer}",
                    spec.method,
                    spec.path
                ),
                None => assert!(
                    status.is_success(),
                    "{who:?} {} {} should succeed, got {status}: {answer}",
                    spec.method,
                    spec.path
                ),
            }
            if who == Who::Admin && expected(spec, who).is_none() {
                // An object of the other organisation named under our own `{org}`: not
                // found, and nothing of theirs changed.
                if let Some(p) = w.foreign_object(spec).await {
                    let before = w.dump_of_other().await;
                    let again = w.caller(Who::Admin);
                    let (s, a, _) = if spec.page {
                        send_page(&again, spec.method.clone(), &p, body.clone()).await
                    } else {
                        let mut again = again;
                        send_api(&mut again, spec.method.clone(), &p, body.clone()).await
                    };
                    assert_eq!(s, StatusCode::NOT_FOUND, "{} {p}: {a}", spec.method);
                    if !spec.page {
                        assert_eq!(a["error"]["code"], "not_found", "{} {p}", spec.method);
                    }
                    assert_eq!(
                        before,
                        w.dump_of_other().await,
                        "{} {p} changed the other organisation",
                        spec.method
                    );
                    object_swaps += 1;
                }
            }
            if who == Who::Admin && spec.path.contains("{org}") {
                // Another organisation's id, or a malformed one, is answered exactly like a missing one.
                for org in [
                    w.other_org.to_string(),
                    "not-an-id".to_owned(),
                    OrgId::new().to_string(),
                ] {
                    let p = path.replace(&w.org.to_string(), &org);
                    let mut again = w.caller(Who::Admin);
                    if is_upload(spec) {
                        let (s, a, _) = send_upload(&again, &p).await;
                        assert_eq!(s, StatusCode::NOT_FOUND, "{} {p}: {a}", spec.method);
                        continue;
                    }
                    if spec.page {
                        let (s, a, _) =
                            send_page(&again, spec.method.clone(), &p, body.clone()).await;
                        assert_eq!(s, StatusCode::NOT_FOUND, "{} {p}: {a}", spec.method);
                        assert!(a.as_str().is_some_and(|t| t.contains("Page not found")));
                        continue;
                    }
                    let (s, a) = again.send(spec.method.clone(), &p, body.clone()).await;
                    assert_eq!(s, StatusCode::NOT_FOUND, "{} {p}: {a}", spec.method);
                    assert_eq!(a["error"]["code"], "not_found");
                }
            }
        }
        if spec.method == Method::GET {
            kept = Some(w);
        }
    }
    let object_routes = table
        .iter()
        .filter(|s| s.path.contains("{id}") || s.path.contains("{user}"))
        .filter(|s| expected(s, Who::Admin).is_none())
        .count();
    assert_eq!(
        object_swaps, object_routes,
        "every route with an object id has it swapped"
    );
    assert!(object_swaps >= 20, "{object_swaps}");
    // Nothing answers outside the registry.
    let app = spawn_app(db).await;
    let (s, body) = app.browser().get("/api/v1/not-a-route").await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

/// Every JSON input refuses a field it does not know with 422 and changes nothing (checklist
/// C3): the admin's own successful request of each API write route, with one field more. A
/// route that takes no body is told apart by a second request without any body (a route that
/// reads one refuses that with 422 too). A member cannot make themself an admin.
async fn every_json_input_refuses_unknown_fields(db: Db) {
    let table = route_table();
    let mut w = world(db).await;

    // What each API read answers the admin, as a schema (paths of fields and their JSON
    // types), against the reviewed snapshot; no field may carry a secret or a hash.
    let mut schema = std::collections::BTreeSet::new();
    for spec in &table {
        if !spec.path.starts_with("/api/v1/") || spec.method != Method::GET || spec.page {
            continue;
        }
        // The OpenAPI document and the exports' JSON Schemas describe shapes rather than
        // answering data; their own tests (openapi.rs, export_schema.rs) check them.
        if expected(spec, Who::Admin).is_some()
            || spec.path.ends_with("/export")
            || spec.path == "/api/v1/openapi.json"
            || spec.path.starts_with("/api/v1/schemas/")
        {
            continue;
        }
        let mut caller = w.caller(Who::Admin);
        let (path, _) = w.sample(spec, Who::Admin, &mut caller).await;
        let (status, answer, _) = send_api(&mut caller, Method::GET, &path, None).await;
        assert!(status.is_success(), "GET {}: {status} {answer}", spec.path);
        let mut fields = std::collections::BTreeSet::new();
        json_schema(&answer, "", &mut fields);
        for field in &fields {
            // A text field named for a secret (flags such as `mfa_enabled` are fine).
            let name = field
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            // The session's own CSRF token is handed to its holder on purpose, and the audit
            // log names API tokens by their id.
            let allowed = ["csrf_token string", "items[].details.token string"];
            if name.ends_with(" string") && !allowed.iter().any(|a| field.ends_with(a)) {
                for secret in [
                    "hash", "_enc", "password", "secret", "wrapped", "totp", "token",
                ] {
                    assert!(
                        !name.contains(secret),
                        "GET {} answers a secret-looking field: {field}",
                        spec.path
                    );
                }
            }
            schema.insert(format!("GET {} {field}", spec.path));
        }
    }
    let snapshot_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/matrix/response_schema.txt"
    );
    let actual: String = schema.iter().map(|l| format!("{l}\n")).collect();
    if std::env::var_os("FLOWSENSE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(snapshot_path, &actual).expect("write the snapshot");
    }
    let reviewed = std::fs::read_to_string(snapshot_path).unwrap_or_default();
    assert!(
        reviewed == actual,
        "the API's answers changed shape; review, then rerun with FLOWSENSE_UPDATE_SNAPSHOTS=1:\n{}",
        diff_lines(&reviewed, &actual)
    );

    let mut refused = Vec::new();
    let mut bodiless = Vec::new();
    for spec in &table {
        let api_write = spec.path.starts_with("/api/v1/") && spec.method != Method::GET;
        if !api_write || spec.page || is_upload(spec) || expected(spec, Who::Admin).is_some() {
            continue;
        }
        let mut caller = w.caller(Who::Admin);
        let (path, body) = w.sample(spec, Who::Admin, &mut caller).await;
        let mut fields = match body {
            Some(Value::Object(fields)) => fields,
            None => serde_json::Map::new(),
            Some(other) => panic!(
                "{} {}: a body that is not an object: {other}",
                spec.method, spec.path
            ),
        };
        fields.insert("is_admin".into(), json!(true));
        let (status, answer, _) = send_api(
            &mut caller,
            spec.method.clone(),
            &path,
            Some(Value::Object(fields)),
        )
        .await;
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(
                answer.to_string().contains("is_admin"),
                "{} {}: the refusal names the field: {answer}",
                spec.method,
                spec.path
            );
            refused.push(format!("{} {}", spec.method, spec.path));
            continue;
        }
        // Accepted: only a route that reads no body may do that.
        let (again, answer, _) = send_api(&mut caller, spec.method.clone(), &path, None).await;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        let wants_json = again == StatusCode::UNPROCESSABLE_ENTITY
            && (message.contains("Content-Type") || message.contains("JSON"));
        assert!(
            !wants_json,
            "{} {} reads a body yet accepted an unknown field ({status}): {answer}",
            spec.method, spec.path
        );
        bodiless.push(format!("{} {}", spec.method, spec.path));
        // Whatever that route did (sign out, remove someone), the next one starts afresh.
        w = world(db).await;
    }
    assert!(
        refused.len() >= 25,
        "only {} JSON inputs tried: {refused:?}",
        refused.len()
    );
    for wanted in [
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/signup",
        "PATCH /api/v1/orgs/{org}/settings",
        "PATCH /api/v1/orgs/{org}/members/{user}",
        "POST /api/v1/orgs/{org}/invitations",
        "POST /api/v1/me/tokens",
    ] {
        assert!(
            refused.contains(&wanted.to_owned()),
            "{wanted} not refused: {refused:?}"
        );
    }

    // Mass assignment: a member's PATCH of their own role is refused, and the role stays.
    let member = w.person(Who::Member).expect("member").id;
    let mut caller = w.caller(Who::Member);
    let (s, _) = caller
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{}/members/{member}", w.org),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = caller
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{}/settings", w.org),
            Some(json!({"retention_days": 30, "role": "admin"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let role = w.app.state.store.role_in(w.org, member).await.expect("db");
    assert_eq!(role, Some(Role::Member));
    let (s, _) = w
        .caller(Who::Admin)
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{}/settings", w.org),
            Some(json!({"retention_days": 30, "org_id": w.other_org.to_string()})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    println!(
        "JSON inputs refusing unknown fields: {}; routes without a body: {bodiless:?}",
        refused.len()
    );
}

crate::on_both_backends!(
    every_route_answers_every_caller_as_the_matrix_says,
    every_json_input_refuses_unknown_fields
);

/// The paths of `value`'s fields with their JSON types (`items[].id string`); arrays merge
/// their elements, and maps keyed by data (ids, dates, names) are not fields.
fn json_schema(value: &Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            let keyed_by_data = !fields.is_empty()
                && fields.keys().all(|k| {
                    k.starts_with(|c: char| c.is_ascii_digit() || c.is_ascii_uppercase())
                        || uuid::Uuid::parse_str(k).is_ok()
                });
            if keyed_by_data {
                out.insert(format!("{at}{{*}} object"));
                for v in fields.values() {
                    json_schema(v, &format!("{at}{{*}}."), out);
                }
                return;
            }
            out.insert(format!("{} object", at.trim_end_matches('.')));
            for (k, v) in fields {
                json_schema(v, &format!("{at}{k}."), out);
            }
        }
        Value::Array(items) => {
            out.insert(format!("{} array", at.trim_end_matches('.')));
            for v in items {
                json_schema(v, &format!("{}[].", at.trim_end_matches('.')), out);
            }
        }
        // null says nothing of a field's type: it is listed as optional only when nothing
        // else is known of it.
        Value::Null => {
            out.insert(format!("{} null", at.trim_end_matches('.')));
        }
        Value::Bool(_) => {
            out.insert(format!("{} boolean", at.trim_end_matches('.')));
        }
        Value::Number(_) => {
            out.insert(format!("{} number", at.trim_end_matches('.')));
        }
        Value::String(_) => {
            out.insert(format!("{} string", at.trim_end_matches('.')));
        }
    }
}

/// The lines only in `a` (`-`) and only in `b` (`+`).
fn diff_lines(a: &str, b: &str) -> String {
    let a: std::collections::BTreeSet<&str> = a.lines().collect();
    let b: std::collections::BTreeSet<&str> = b.lines().collect();
    a.difference(&b)
        .map(|l| format!("- {l}"))
        .chain(b.difference(&a).map(|l| format!("+ {l}")))
        .collect::<Vec<_>>()
        .join("\n")
}
