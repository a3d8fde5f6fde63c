//! Running an organisation: the members, settings and audit pages, the organisation's export
//! and its deletion — roles, tenants, CSRF, step-up, validation, and what is left afterwards.

mod admin_pages;
mod export_and_deletion;
mod members;
mod settings;

use crate::support::{Browser, Db, PASSWORD, TestApp, code_of, spawn_app};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_service::identity::crypto::{b64url, sha256};
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn rows(prefix: &str, n: usize) -> Vec<NewTransaction> {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    (0..n)
        .map(|i| NewTransaction {
            account: if i % 3 == 0 { "Savings" } else { "Operating" }.into(),
            posted_on: start + TimeDelta::days(i64::try_from(i % 400).expect("day")),
            amount_minor: if i % 5 == 0 { 250_000 } else { -4_321 },
            currency: "USD".into(),
            original_amount_minor: 0,
            original_currency: "USD".into(),
            counterparty: format!("Counterparty {}", i % 17),
            description: format!("{prefix} row {i}"),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("{prefix}-{i}"),
        })
        .collect()
}

/// GET a page as the browser's cookies allow: status and HTML.
async fn page(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b
        .http
        .get(format!("{}{path}", b.base))
        .send()
        .await
        .expect("page");
    (r.status(), r.text().await.expect("html"))
}

/// POSTs a form as a browser does: the CSRF token in the `csrf_token` field, no header.
/// Redirects are followed.
async fn form(b: &Browser, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut all: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &b.csrf {
        all.push(("csrf_token", c.as_str()));
    }
    all.extend_from_slice(fields);
    let r = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&all)
        .send()
        .await
        .expect("form");
    (r.status(), r.text().await.expect("html"))
}

/// The same browser's cookie jar without its CSRF token.
fn without_csrf(b: &Browser) -> Browser {
    Browser {
        http: b.http.clone(),
        base: b.base.clone(),
        csrf: None,
        bearer: None,
    }
}

async fn role_of(app: &TestApp, org: OrgId, user: UserId) -> Option<Role> {
    app.state.store.role_in(org, user).await.expect("role")
}

struct Team {
    app: TestApp,
    org: OrgId,
    other: OrgId,
    admin: UserId,
    member: UserId,
}

async fn team(db: Db) -> Team {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("alpha", admin).await;
    let member = app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let other_admin = app.user("oz@y.test").await;
    let other = app.org("bravo", other_admin).await;
    Team {
        app,
        org,
        other,
        admin,
        member,
    }
}

/// Rows per table that belong to `org` (every table with an `org_id`, and the organisation).
async fn rows_of(app: &TestApp, org: OrgId) -> BTreeMap<String, i64> {
    use sqlx::Connection;
    let mut counts = BTreeMap::new();
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' \
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'org_id')",
        )
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE org_id = ?");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations WHERE id = ?")
            .bind(org.0)
            .fetch_one(&mut c)
            .await
            .expect("count");
        counts.insert("organisations".into(), n);
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url).await.expect("pg");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = 'org_id'",
        )
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations WHERE id = $1")
            .bind(org.0)
            .fetch_one(&mut c)
            .await
            .expect("count");
        counts.insert("organisations".into(), n);
    }
    counts
}
