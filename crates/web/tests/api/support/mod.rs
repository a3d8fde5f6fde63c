//! `spawn_app()`: the real server on 127.0.0.1:0 with a fresh database (a temp SQLite file, or a
//! new PostgreSQL database), an outbox directory, a manual clock, and cookie-keeping clients.

#![allow(dead_code)]

use flowsense_core::clock::ManualClock;
use flowsense_core::{Currency, OrgId, Role, UserId};
use flowsense_service::identity::accounts::create_user_with_password;
use flowsense_storage::{ImportMeta, ImportTx, NewOrg, NewTransaction, OrgSettings};
use flowsense_web::AppState;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

pub const PASSWORD: &str = "violet-tundra-47-marmalade";
pub const NEW_PASSWORD: &str = "copper-lantern-93-quixotic";

pub use db::{Db, TestDb, postgres_url};

mod db;
pub mod smtp;
mod spawn;

pub use spawn::{spawn_app, spawn_with, spawn_with_state};

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub outbox: tempfile::TempDir,
    pub db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// A verified user with [`PASSWORD`].
    pub async fn user(&self, email: &str) -> UserId {
        create_user_with_password(&self.state, email, "Test Person", PASSWORD, true)
            .await
            .expect("create user")
            .id
    }

    pub async fn org(&self, slug: &str, admin: UserId) -> OrgId {
        let org = self
            .state
            .store
            .create_org(&NewOrg {
                slug: slug.into(),
                name: slug.into(),
                settings: OrgSettings::with_currency(Currency::USD),
            })
            .await
            .expect("org")
            .id;
        self.state
            .store
            .set_membership(org, admin, Role::Admin)
            .await
            .expect("membership");
        org
    }

    pub async fn member(&self, org: OrgId, email: &str, role: Role) -> UserId {
        let u = self.user(email).await;
        self.state
            .store
            .set_membership(org, u, role)
            .await
            .expect("membership");
        u
    }

    /// Starts an import of a USD CSV named `file_name` into `org`, straight through the store.
    pub async fn begin_store_import(&self, org: OrgId, file_name: &str) -> ImportTx {
        let meta = ImportMeta {
            file_name: file_name.into(),
            format: "csv".into(),
            sha256: String::new(),
            source: "csv".into(),
            created_by: None,
            currency: Currency::USD,
        };
        self.state
            .store
            .begin_import(org, &meta)
            .await
            .expect("import")
    }

    /// How many transactions `org` holds.
    pub async fn transactions_in(&self, org: OrgId) -> i64 {
        self.state
            .store
            .count_transactions(org)
            .await
            .expect("count")
    }

    /// Imports `rows` into `org` as one committed CSV import.
    pub async fn import_rows(&self, org: OrgId, rows: &[NewTransaction]) {
        let mut import = self.begin_store_import(org, "t.csv").await;
        import.add_transactions(rows).await.expect("rows");
        import.commit().await.expect("commit");
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base, None)
    }

    pub fn browser_from(&self, ip: &str) -> Browser {
        Browser::new(&self.base, Some(ip.parse().expect("ip")))
    }

    pub async fn signed_in(&self, email: &str) -> Browser {
        self.signed_in_with(email, PASSWORD).await
    }

    pub async fn signed_in_with(&self, email: &str, password: &str) -> Browser {
        let mut b = self.browser();
        let (status, body) = b.login(email, password).await;
        assert_eq!(status, StatusCode::OK, "login {email}: {body}");
        b
    }

    pub fn advance(&self, by: chrono::TimeDelta) {
        self.clock.advance(by);
    }

    /// Runs every due job to the end, one at a time in queue order, as a worker would (the
    /// e-mail a request enqueued is sent here, so the newest file is the newest message).
    /// Returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        let registry = Arc::new(flowsense_service::background::registry(
            &self.state.services,
        ));
        let worker = flowsense_jobs::Worker::new(
            self.state.store.clone(),
            registry,
            self.clock.clone(),
            flowsense_jobs::WorkerConfig::new(1, 0),
        );
        let mut ran = 0;
        loop {
            match worker.run_once().await.expect("run jobs") {
                0 => return ran,
                n => ran += n,
            }
        }
    }

    /// The newest message sent to `to` as its reader sees it, once the queued e-mail went out:
    /// `Subject: …`, a blank line, then the decoded text part (the outbox holds MIME, whose
    /// transfer encoding may wrap lines).
    pub async fn last_email_to(&self, to: &str) -> String {
        self.run_jobs().await;
        let mut files: Vec<_> = std::fs::read_dir(self.outbox.path())
            .expect("outbox")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .rev()
            .filter_map(|p| read_email(&std::fs::read(p).expect("read eml"), to))
            .next()
            .unwrap_or_else(|| panic!("no e-mail to {to}"))
    }

    /// The `token=` of the link in the newest message to `to`.
    pub async fn token_mailed_to(&self, to: &str) -> String {
        let mail = self.last_email_to(to).await;
        let start = mail.find("token=").expect("a link with a token") + "token=".len();
        mail[start..]
            .split_whitespace()
            .next()
            .expect("token")
            .to_owned()
    }

    /// Messages sent so far, once the queued e-mail went out.
    pub async fn emails(&self) -> usize {
        self.run_jobs().await;
        std::fs::read_dir(self.outbox.path())
            .expect("outbox")
            .count()
    }
}

/// A browser: keeps cookies, and sends the CSRF token it was given on state-changing calls.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Browser {
    fn new(base: &str, ip: Option<std::net::IpAddr>) -> Self {
        let mut b = reqwest::Client::builder().cookie_store(true);
        if let Some(ip) = ip {
            b = b.local_address(ip);
        }
        Self {
            http: b.build().expect("client"),
            base: base.to_owned(),
            csrf: None,
            bearer: None,
        }
    }

    /// A client that authenticates with a personal API token only.
    pub fn with_token(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            csrf: None,
            bearer: Some(token.to_owned()),
        }
    }

    #[allow(clippy::needless_pass_by_value)] // mirrors reqwest's own signature
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let writes = method != Method::GET;
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if writes && let Some(c) = &self.csrf {
            r = r.header("x-csrf-token", c);
        }
        if let Some(t) = &self.bearer {
            r = r.bearer_auth(t);
        }
        r
    }

    /// Sends a request and returns status and JSON body (Null when empty); remembers any new
    /// `csrf_token` it is handed.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let json: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if let Some(c) = json.get("csrf_token").and_then(Value::as_str) {
            self.csrf = Some(c.to_owned());
        }
        (status, json)
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Posts a `multipart/form-data` form (see [`multipart`]); status and JSON body (or text).
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, Option<&str>, &[u8])],
    ) -> (StatusCode, Value) {
        let (content_type, body) = multipart(fields);
        let resp = self
            .request(Method::POST, path)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn login(&mut self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/login",
            serde_json::json!({"email": email, "password": password}),
        )
        .await
    }
}

pub fn code_of(body: &Value) -> &str {
    body.pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A TOTP code for `secret_b32` at the app's (fake) time plus `offset` seconds.
pub fn totp_code(app: &TestApp, secret_b32: &str, offset: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_b32).expect("base32");
    let t = totp_rs::Builder::new()
        .with_secret(secret.as_bytes().to_vec())
        .with_account_name("test")
        .build()
        .expect("totp");
    let now = flowsense_core::clock::Clock::now(app.clock.as_ref()).timestamp() + offset;
    t.generate(u64::try_from(now).expect("time")).to_string()
}

/// A `multipart/form-data` body with `fields` in order (`Some(file name)` for file fields):
/// the content type to send and the bytes.
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = format!("fsboundary{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, file_name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A message's subject and decoded text part, when it is addressed to `to`.
fn read_email(raw: &[u8], to: &str) -> Option<String> {
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let addressed = message
        .to()
        .and_then(|list| list.first())
        .and_then(|a| a.address())
        .is_some_and(|a| a.eq_ignore_ascii_case(to));
    if !addressed {
        return None;
    }
    Some(format!(
        "Subject: {}\r\n\r\n{}",
        message.subject().unwrap_or_default(),
        message.body_text(0).unwrap_or_default()
    ))
}
