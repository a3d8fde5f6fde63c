//! Uploading bank files: the JSON API and the import page, all or nothing, re-imports adding
//! nothing, the first bad line named, size limits, roles, tenants and CSRF.

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

const OFX: &[u8] = include_bytes!("../../../import/tests/fixtures/checking-ofx1.ofx");

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

async fn the_api_imports_all_or_nothing_and_a_reimport_adds_nothing(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let other_admin = app.user("oz@y.test").await;
    app.org("elsewhere", other_admin).await;
    let path = format!("/api/v1/orgs/{org}/imports");
    let member = app.signed_in("mo@x.test").await;

    let (s, first) = upload(
        &member,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["rows_read"], 4);
    assert_eq!(
        first["rows_added"], 4,
        "two equal rows are two transactions"
    );
    assert_eq!(first["duplicates_skipped"], 0);
    assert_eq!(first["file_name"], "bank.csv");
    assert_eq!(count(&app, org).await, 4);

    let (s, again) = upload(
        &member,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (
            again["rows_added"].as_u64(),
            again["duplicates_skipped"].as_u64()
        ),
        (Some(0), Some(4))
    );
    assert_eq!(count(&app, org).await, 4);

    // The first bad row stops the file: its line and reason, nothing kept, not even the good rows.
    let (s, bad) = upload(
        &member,
        &path,
        &[("file", Some("feb.csv"), BAD_DATE.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let message = bad["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("line 4: bad date"), "{message}");
    assert!(
        !message.contains("Good row"),
        "other rows never appear: {message}"
    );
    assert_eq!(count(&app, org).await, 4);

    // OFX, with an account name and a date format chosen in the form.
    let (s, ofx) = upload(
        &member,
        &path,
        &[
            ("account", None, b"Checking"),
            ("date_format", None, b"auto"),
            ("file", Some("statement.ofx"), OFX),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ofx}");
    assert!(ofx["rows_added"].as_u64().expect("added") > 0);
    let after_ofx = count(&app, org).await;

    // Not a file upload at all, an empty file, an unknown date format, a foreign currency.
    let mut json_caller = app.signed_in("mo@x.test").await;
    let (s, body) = json_caller
        .post(&path, serde_json::json!({"file": "x"}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (s, body) = upload(&member, &path, &[("file", Some("empty.csv"), b"")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("choose a CSV")
    );
    let (s, body) = upload(
        &member,
        &path,
        &[
            ("date_format", None, b"lunar"),
            ("file", Some("a.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let euros = "date,description,amount,currency\n2026-03-01,Paris,10.00,EUR\n";
    let (s, body) = upload(
        &member,
        &path,
        &[("file", Some("eur.csv"), euros.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .starts_with("line 2: currency EUR"),
        "{body}"
    );
    assert_eq!(count(&app, org).await, after_ofx);

    // Viewers may not import; another organisation's id is not found; a read-only token is refused.
    let viewer = app.signed_in("vi@x.test").await;
    let (s, _) = upload(
        &viewer,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let outsider = app.signed_in("oz@y.test").await;
    let (s, body) = upload(
        &outsider,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!((s, code_of(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let mut a = app.signed_in("ada@x.test").await;
    let (_, token) = a
        .post(
            "/api/v1/me/tokens",
            serde_json::json!({"name": "r", "scope": "read"}),
        )
        .await;
    let reader = Browser::with_token(&app.base, token["token"].as_str().expect("token"));
    let (s, _) = upload(
        &reader,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Without the CSRF header a cookie session cannot upload.
    let mut no_csrf = app.signed_in("mo@x.test").await;
    no_csrf.csrf = None;
    let (s, body) = upload(
        &no_csrf,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!((s, code_of(&body)), (StatusCode::FORBIDDEN, "csrf"));
    assert_eq!(count(&app, org).await, after_ofx);

    // The outcomes are audited, without the file's content.
    let (_, log) = a
        .get(&format!("/api/v1/orgs/{org}/audit?action=import.completed"))
        .await;
    assert_eq!(log["items"].as_array().expect("items").len(), 3, "{log}");
    let (_, log) = a
        .get(&format!("/api/v1/orgs/{org}/audit?action=import.refused"))
        .await;
    let refused = log["items"].as_array().expect("items");
    assert!(refused.iter().any(|e| e["details"]["line"] == 4), "{log}");
    assert!(!log.to_string().contains("Impossible day"));
}

async fn the_import_page_uploads_with_its_form_token_and_shows_the_outcome(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let page = format!("/app/{org}/integrations");
    let action = format!("/app/{org}/integrations/import");
    let mut member = app.signed_in("mo@x.test").await;
    let csrf = member.csrf.clone().expect("csrf");
    // A browser form: no CSRF header, the token as the first field.
    member.csrf = None;

    let html = member
        .http
        .get(format!("{}{page}", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("No accounts yet"));
    assert!(html.contains("Not configured on this instance"));
    assert!(
        !html.contains("QUICKBOOKS_CLIENT_ID"),
        "members are not shown the operator's settings"
    );

    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("file", Some("bank.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "the upload lands back on the page");
    let text = body.as_str().expect("html");
    assert!(
        text.contains("Imported bank.csv: 4 rows added, 0 already present"),
        "{text}"
    );
    assert!(text.contains("<td>Operating</td>"), "the account is listed");
    assert!(text.contains(">4</td>"), "with its transaction count");
    assert_eq!(count(&app, org).await, 4);

    // A bad file re-renders the form with the line, and the choices made.
    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("account", None, b"Savings"),
            ("file", Some("feb.csv"), BAD_DATE.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let text = body.as_str().expect("html");
    assert!(
        text.contains("feb.csv was not imported: Line 4: bad date"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Savings\""),
        "the account name is kept"
    );
    assert_eq!(count(&app, org).await, 4);

    // No token, or a token that is not the first field: refused before anything is read.
    for fields in [
        vec![("file", Some("bank.csv"), BAD_DATE.as_bytes())],
        vec![
            ("file", Some("bank.csv"), BAD_DATE.as_bytes()),
            ("csrf_token", None, csrf.as_bytes()),
        ],
        vec![
            ("csrf_token", None, b"not-the-token".as_slice()),
            ("file", Some("b.csv"), BAD_DATE.as_bytes()),
        ],
    ] {
        let (s, body) = upload(&member, &action, &fields).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body.as_str().expect("html").contains("Not allowed"));
    }
    // Viewers get the 403 page for the page and its form.
    let mut viewer = app.signed_in("vi@x.test").await;
    let viewer_csrf = viewer.csrf.clone().expect("csrf");
    let (s, _) = viewer.get(&page).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    viewer.csrf = None;
    let (s, _) = upload(
        &viewer,
        &action,
        &[
            ("csrf_token", None, viewer_csrf.as_bytes()),
            ("file", Some("bank.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, org).await, 4);

    // Admins see what an operator sets to enable the providers.
    let admin_page = app
        .signed_in("ada@x.test")
        .await
        .http
        .get(format!("{}{page}", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for name in [
        "QUICKBOOKS_CLIENT_ID",
        "XERO_CLIENT_SECRET",
        "Recent imports",
        "bank.csv",
    ] {
        assert!(admin_page.contains(name), "{name}");
    }
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

async fn uploads_past_50_mb_are_refused_with_413(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    let (cookie, csrf) = session(&app, "ada@x.test").await;
    let api = format!("/api/v1/orgs/{org}/imports");
    let form = format!("/app/{org}/integrations/import");
    let boundary = "fsbig";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", content_type.as_str()),
        ("Connection", "close"),
    ];
    // A 60 MB upload is refused on its declared length, before a byte of it is read: JSON for
    // the API, a page for the form.
    let sixty = 60 << 20;
    let (status, answer) = raw_post(&app, &api, &headers, sixty, b"").await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains("\"code\":\"too_large\"") && answer.contains("50 MB"),
        "{answer}"
    );
    let (status, answer) = raw_post(&app, &form, &headers, sixty, b"").await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains("text/html") && answer.contains("50 MB"),
        "{answer}"
    );

    // A file just over 50 MB inside a request whose declared length is allowed: refused while
    // it streams in.
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\ndate,description,amount\n"
    )
    .into_bytes();
    let row = b"2026-01-02,A row that repeats to fill the file up,1.00\n";
    while body.len() < (50 << 20) + 200 {
        body.extend_from_slice(row);
    }
    let declared = body.len() + 64;
    let (status, answer) = raw_post(&app, &api, &headers, declared, &body).await;
    assert_eq!(status, 413, "{}", &answer[..answer.len().min(400)]);
    assert!(answer.contains("too_large"));
    assert_eq!(count(&app, org).await, 0);
    // A small file goes through the same path.
    let b = app.signed_in("ada@x.test").await;
    let (s, ok) = upload(&b, &api, &[("file", Some("small.csv"), GOOD.as_bytes())]).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
}

crate::on_both_backends!(
    the_api_imports_all_or_nothing_and_a_reimport_adds_nothing,
    the_import_page_uploads_with_its_form_token_and_shows_the_outcome,
    uploads_past_50_mb_are_refused_with_413,
);
