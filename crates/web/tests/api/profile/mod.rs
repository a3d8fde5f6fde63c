//! The profile page and its forms, and the own-data API: every form needs the session's CSRF
//! token; password, sessions, MFA with a QR code, API tokens with step-up, notification
//! preferences, the export (complete, with no secret in it) and account deletion.

mod mfa_and_tokens;
mod own_data;
mod passwords;

use crate::forms::{Person, assert_clean, input_value, text_of};
use crate::support::{Db, NEW_PASSWORD, PASSWORD, TestApp, code_of, spawn_app, totp_code};
use chrono::TimeDelta;
use flowsense_core::{Role, UserId};
use flowsense_service::identity::crypto::{b64url, sha256};
use flowsense_web::routes::route_table;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every string that must never appear in an export.
fn assert_no_secret(export: &str, secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(
            !export.contains(secret.as_str()),
            "the export holds the {what}"
        );
    }
}

/// Rows of every table that refer to `user` (read straight from the database).
async fn rows_of(app: &TestApp, user: UserId) -> i64 {
    use sqlx::Connection;
    let tables = [
        ("users", "id"),
        ("memberships", "user_id"),
        ("sessions", "user_id"),
        ("api_tokens", "user_id"),
        ("recovery_codes", "user_id"),
        ("notification_prefs", "user_id"),
        ("conversations", "user_id"),
    ];
    let mut total = 0;
    for (table, column) in tables {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let n: i64 = if app.db.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url)
                .await
                .expect("sqlite");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(user.0)
                .fetch_one(&mut c)
                .await
                .expect("count")
        } else {
            let mut c = sqlx::PgConnection::connect(&app.db.url)
                .await
                .expect("postgres");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(user.0)
                .fetch_one(&mut c)
                .await
                .expect("count")
        };
        total += n;
    }
    total
}
