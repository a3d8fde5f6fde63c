//! The public account pages: sign-up, e-mail confirmation, password reset and invitations, with
//! the answers that must not reveal whether an address is registered, tokens that do nothing on
//! a GET, and `next` redirects that never leave the site.

mod invitations;
mod reset;
mod signup;

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

/// Everything the log prints, from the moment a test asks for it.
#[derive(Clone, Default)]
pub(crate) struct Captured(pub(crate) std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

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
pub(crate) fn captured_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        // JSON lines, as production logs with `--log-format json`.
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "warn,tower_http=trace,axum=trace,flowsense_web=trace,flowsense_storage=trace,\
                 flowsense_service=trace,flowsense_integrations=trace,flowsense_ai=trace,\
                 flowsense_jobs=trace,flowsense_webhooks=trace,flowsense_outbound=trace,\
                 reqwest=debug,sqlx=debug,flowsense::audit=info",
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
        text.contains("\"route\":\"/verify-email\""),
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
