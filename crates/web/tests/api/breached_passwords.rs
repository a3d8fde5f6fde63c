//! Checklist B3: with `FLOWSENSE_BREACHED_PASSWORDS_FILE` set to a file in Have I Been Pwned's
//! downloadable format (sorted upper-case SHA-1, `:count`), a password in it is refused at
//! sign-up and at a password change, even one zxcvbn rates strong; others are welcome.

use crate::support::{Db, PASSWORD, spawn_with};
use flowsense_service::identity::breached::BreachedPasswords;
use flowsense_service::identity::limits::RateLimits;
use reqwest::StatusCode;
use serde_json::json;

/// Strong by zxcvbn's measure, and in the breached set.
const BREACHED: &str = "violet tundra marmalade quixotic";

fn sha1_upper(password: &str) -> String {
    aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        password.as_bytes(),
    )
    .as_ref()
    .iter()
    .map(|b| format!("{b:02X}"))
    .collect()
}

async fn a_password_from_a_breach_is_refused(db: Db) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("pwned-passwords-sha1-ordered-by-hash.txt");
    let mut lines: Vec<String> = (0..2_000)
        .map(|i| format!("{}:{}", sha1_upper(&format!("leaked {i}")), i + 1))
        .chain([format!("{}:42", sha1_upper(BREACHED))])
        .collect();
    lines.sort();
    std::fs::write(&path, lines.join("\r\n")).expect("write");
    let set = BreachedPasswords::open(&path).expect("open");
    let app = spawn_with(db, RateLimits::generous(), |s| {
        s.breached_passwords = Some(set);
    })
    .await;

    let mut b = app.browser();
    let (s, body) = b
        .post(
            "/api/v1/auth/signup",
            json!({"email": "new@x.test", "password": BREACHED, "display_name": "New"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("data breach"), "{body}");
    assert!(!body.to_string().contains(BREACHED), "never quoted");
    let (s, body) = b
        .post(
            "/api/v1/auth/signup",
            json!({"email": "new@x.test", "password": "amber lantern quietly orbits", "display_name": "New"}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");

    app.user("ann@x.test").await;
    let mut ann = app.signed_in("ann@x.test").await;
    let (s, body) = ann
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": BREACHED}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("data breach"), "{body}");
    // The old password still works: nothing was changed.
    assert_eq!(ann.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        app.browser().login("ann@x.test", PASSWORD).await.0,
        StatusCode::OK
    );
}

crate::on_both_backends!(a_password_from_a_breach_is_refused);
