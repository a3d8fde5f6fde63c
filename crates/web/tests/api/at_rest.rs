//! What someone holding a copy of the database learns about credentials: nothing that signs in.
//! Passwords are argon2id at or above the recommended cost (checklist B10), a session cookie is
//! 256 random bits of which only the SHA-256 is stored (D1), and recovery codes are kept only as
//! keyed hashes (B7).

use crate::support::{Db, PASSWORD, TestApp, spawn_app, totp_code};
use flowsense_service::identity::crypto::sha256;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;

/// Every value of `column` in `table`, as the database holds it.
async fn column<T>(app: &TestApp, table: &str, column: &str) -> Vec<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Unpin,
{
    let sql = format!("SELECT {column} FROM {table}");
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut c)
            .await
            .expect("read")
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url)
            .await
            .expect("postgres");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut c)
            .await
            .expect("read")
    }
}

/// The cost of an argon2 PHC string: `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
fn argon2_cost(phc: &str) -> (String, u32, u32, u32) {
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts.len(), 6, "not a PHC string");
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in parts[3].split(',') {
        let (k, v) = kv.split_once('=').expect("k=v");
        let v: u32 = v.parse().expect("a number");
        match k {
            "m" => m = v,
            "t" => t = v,
            "p" => p = v,
            other => panic!("unknown parameter {other}"),
        }
    }
    (parts[1].to_owned(), m, t, p)
}

async fn passwords_sessions_and_recovery_codes_are_stored_as_hashes(db: Db) {
    let app = spawn_app(db).await;
    app.user("fay@x.test").await;

    // B10: argon2id, m ≥ 19 MiB, t ≥ 2, p ≥ 1, and the password itself nowhere.
    let hashes: Vec<String> = column(&app, "users", "password_hash").await;
    assert_eq!(hashes.len(), 1);
    let (alg, m, t, p) = argon2_cost(&hashes[0]);
    assert_eq!(alg, "argon2id");
    assert!(m >= 19_456 && t >= 2 && p >= 1, "m={m} t={t} p={p}");
    assert!(!hashes[0].contains(PASSWORD));

    // D1: the session cookie is ≥ 128 random bits (base64url), and the table holds only its
    // SHA-256.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "fay@x.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.contains("flowsense_session="))
        .expect("a session cookie");
    let token = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("a value");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "not base64url: {token}"
    );
    assert!(token.len() * 6 / 8 >= 16, "{} bits", token.len() * 6);
    let stored: Vec<Vec<u8>> = column(&app, "sessions", "id_hash").await;
    assert!(
        stored.contains(&sha256(token.as_bytes())),
        "no SHA-256 of the token"
    );
    for row in &stored {
        assert_ne!(row.as_slice(), token.as_bytes());
        assert_eq!(row.len(), 32);
    }

    // B7: recovery codes are keyed hashes: no stored value is, or contains, an issued code.
    let mut b = app.signed_in("fay@x.test").await;
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
    let codes: Vec<String> = v["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("str").to_owned())
        .collect();
    let stored: Vec<Vec<u8>> = column(&app, "recovery_codes", "code_hash").await;
    assert_eq!(stored.len(), codes.len());
    for row in &stored {
        assert_eq!(row.len(), 32);
        for code in &codes {
            let plain: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
            assert!(
                !row.windows(plain.len())
                    .any(|w| w.eq_ignore_ascii_case(plain.as_bytes())),
                "a recovery code is stored in the clear"
            );
            assert_ne!(
                row.as_slice(),
                sha256(code.as_bytes()).as_slice(),
                "unkeyed"
            );
        }
    }
}

crate::on_both_backends!(passwords_sessions_and_recovery_codes_are_stored_as_hashes);
