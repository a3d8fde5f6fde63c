//! Uploading bank files: the JSON API and the import page, all or nothing, re-imports adding
//! nothing, the first bad line named, size limits, roles, tenants and CSRF.

mod api;
mod mapping;
mod page;
mod size_limit;

use crate::support::{Browser, Db, TestApp, code_of, spawn_app};
use flowsense_core::{OrgId, Role};
use reqwest::StatusCode;
use serde_json::Value;

const GOOD: &str = "date,description,amount,account\n\
    2026-01-02,Espresso beans,-120.50,Operating\n\
    2026-01-03,Cafe Aurora invoice 17,980.00,Operating\n\
    2026-01-05,Rent January,-1500.00,Operating\n\
    2026-01-05,Rent January,-1500.00,Operating\n";

/// Line 4 holds a date that does not exist.
const BAD_DATE: &str = "date,description,amount\n\
    2026-02-01,Good row,10.00\n\
    2026-02-02,Another good row,11.00\n\
    2026-02-30,Impossible day,12.00\n\
    2026-02-03,Never reached,13.00\n";

const OFX: &[u8] = include_bytes!("../../../../import/tests/fixtures/checking-ofx1.ofx");

async fn count(app: &TestApp, org: OrgId) -> i64 {
    app.state
        .store
        .count_transactions(org)
        .await
        .expect("count")
}

async fn upload(
    b: &Browser,
    path: &str,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, Value) {
    b.upload(path, fields).await
}

/// A session cookie and its CSRF token, for requests written by hand.
async fn session(app: &TestApp, email: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&serde_json::json!({"email": email, "password": crate::support::PASSWORD}))
        .send()
        .await
        .expect("login");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let body: Value = r.json().await.expect("json");
    (
        cookie,
        body["csrf_token"].as_str().expect("csrf").to_owned(),
    )
}

/// Sends a request head declaring `length` body bytes, then `body` (which may stop short of
/// it), and reads the whole answer: the server answers as soon as it has seen enough, and a
/// client that goes on writing would race its closing connection.
async fn raw_post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    length: usize,
    body: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {length}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, answer)
}
