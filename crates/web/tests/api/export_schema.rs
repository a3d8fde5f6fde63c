//! The two exports (SPEC §6, security row J5) against their published JSON Schemas, checked by
//! an independent validator (Python's `jsonschema`, from `.ci/jsonschema-env`; without it the
//! validation is skipped, or fails when `FLOWSENSE_REQUIRE_TOOLS` is set), and against the
//! database's own catalog: every table with an `org_id` (a `user_id`) is in the organisation's
//! (the person's) export or excluded below with its reason, and a table added without that
//! decision fails the test.

use crate::support::{Browser, Db, TestApp, spawn_app, totp_code};
use chrono::{NaiveDate, TimeDelta, Utc};
use flowsense_core::money::Currency;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_service::export_schema::{
    ORG_EXPORT_SCHEMA_PATH, USER_EXPORT_SCHEMA_PATH, organisation_export_schema, user_export_schema,
};
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Tables with an `org_id`, and the organisation export's field that holds their rows.
const ORG_TABLES_EXPORTED: &[(&str, &str)] = &[
    ("ai_calls", "ai_calls"),
    ("audit_events", "audit_events"),
    ("bank_accounts", "bank_accounts"),
    ("connections", "connections"),
    ("documents", "documents"),
    ("exchange_rates", "exchange_rates"),
    ("imports", "imports"),
    ("insight_narratives", "insight_narratives"),
    ("insights", "insights"),
    ("invitations", "invitations"),
    ("ledger_accounts", "ledger_accounts"),
    ("mapping_presets", "mapping_presets"),
    ("memberships", "members"),
    ("monthly_flow_rollups", "monthly_flow_rollups"),
    ("monthly_rollups", "monthly_rollups"),
    ("planned_items", "planned_items"),
    ("saved_scenarios", "saved_scenarios"),
    ("transaction_rules", "category_rules"),
    ("transactions", "transactions"),
    ("weekly_counterparty_rollups", "weekly_counterparty_rollups"),
];

/// Tables with an `org_id` the organisation export leaves out, and why.
const ORG_TABLES_EXCLUDED: &[(&str, &str)] = &[
    (
        "audit_chains",
        "the audit hash chain's head and anchor: digests derived from the audit events, which \
         are exported",
    ),
    (
        "conversations",
        "each assistant conversation belongs to the member who asked: in that member's own export",
    ),
    (
        "conversation_messages",
        "the messages of those conversations: in the asker's own export",
    ),
    (
        "jobs",
        "the work queue: tasks the server runs over the organisation's data, no data of its own",
    ),
    (
        "notification_prefs",
        "each member's own choice of e-mails: in that member's own export",
    ),
    (
        "oauth_states",
        "a connection being made: a state hash and a sealed PKCE verifier, gone within 15 minutes",
    ),
    (
        "org_billing",
        "the subscription as Stripe keeps it (the processor's ids, plan, status): shown on the \
         billing page, nothing the organisation provided",
    ),
    ("org_keys", "the organisation's data key, wrapped: a secret"),
    (
        "org_secrets",
        "sealed credentials of the organisation's integrations: secrets",
    ),
    (
        "pending_grants",
        "sealed OAuth tokens waiting for the admin to choose a Xero organisation: secrets, gone \
         within 15 minutes",
    ),
    (
        "pending_uploads",
        "an uploaded file waiting for its column mapping, sealed, deleted once imported or \
         expired: its rows are exported once imported",
    ),
    (
        "search_backlog",
        "which transactions the word search has still to index: derived, no data",
    ),
    (
        "transaction_search",
        "PostgreSQL's word-search index of the transactions (SQLite's is a virtual table \
         without the column): derived from the transactions, which are exported",
    ),
];

/// Listed tables that only one backend's catalog shows with the column.
const ON_ONE_BACKEND: &[&str] = &["transaction_search"];

/// Tables with a `user_id`, and the own-data export's field that holds their rows.
const USER_TABLES_EXPORTED: &[(&str, &str)] = &[
    ("api_tokens", "api_tokens"),
    ("conversations", "assistant_conversations"),
    ("memberships", "memberships"),
    ("notification_prefs", "notification_preferences"),
    ("passkeys", "passkeys"),
    // How many are left, never the codes' hashes.
    ("recovery_codes", "mfa"),
    ("sessions", "sessions"),
    ("user_identities", "sign_in_identities"),
];

/// Tables with a `user_id` the own-data export leaves out, and why.
const USER_TABLES_EXCLUDED: &[(&str, &str)] = &[
    (
        "ai_calls",
        "the organisation's record of its calls to an AI model (counts, never content): in the \
         organisation's export; the person's questions and answers are in assistant_conversations",
    ),
    (
        "oauth_states",
        "a connection being made: a state hash and a sealed PKCE verifier, gone within 15 minutes",
    ),
    (
        "pending_grants",
        "sealed OAuth tokens waiting for a choice of Xero organisation: secrets, gone within 15 \
         minutes",
    ),
    (
        "pending_uploads",
        "an uploaded file waiting for its column mapping, sealed, deleted once imported or \
         expired: its rows are in the organisation's export once imported",
    ),
    (
        "webauthn_ceremonies",
        "a passkey ceremony in progress: a challenge valid for minutes",
    ),
];

/// Field names allowed although they contain a secret-looking word: what they hold is not one.
const HARMLESS_NAMES: &[&str] = &[
    // The tokens' names, scopes and dates (`ApiToken`), never a token or its hash.
    "api_tokens",
    // Counts of model tokens.
    "input_tokens",
    "output_tokens",
];

/// Words no field of an export may be named with.
const SECRET_WORDS: &[&str] = &[
    "hash",
    "_enc",
    "secret",
    "password",
    "wrapped",
    "totp",
    "token",
    "verifier",
    "cipher",
    "tenant_id",
    "realm",
];

const TENANT_CANARY: &str = "realm-canary-9341453000000000";
const GRANT_CANARY: &str = "org-secret-canary-value";

struct Populated {
    app: TestApp,
    org: OrgId,
    admin: UserId,
    browser: Browser,
}

fn rows(n: usize) -> Vec<NewTransaction> {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    (0..n)
        .map(|i| NewTransaction {
            account: if i % 2 == 0 { "Operating" } else { "Savings" }.into(),
            posted_on: start + TimeDelta::days(i64::try_from(i * 9).expect("day")),
            amount_minor: if i % 3 == 0 { 250_000 } else { -4_321 },
            currency: "USD".into(),
            original_amount_minor: 0,
            original_currency: "USD".into(),
            counterparty: format!("Counterparty {}", i % 5),
            description: format!("row {i}"),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("alpha-{i}"),
        })
        .collect()
}

/// `id` as a literal of the backend's UUID column (a BLOB on SQLite).
fn uuid_literal(app: &TestApp, id: uuid::Uuid) -> String {
    if app.db.url.starts_with("sqlite:") {
        format!("X'{}'", id.simple())
    } else {
        format!("'{id}'")
    }
}

/// An organisation with a row in every table its export reads, and its admin signed in with
/// every kind of row of their own.
#[expect(
    clippy::too_many_lines,
    reason = "one row of each kind, each a few lines"
)]
async fn populated(db: Db) -> Populated {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("alpha", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    let other = app.user("oz@y.test").await;
    app.org("bravo", other).await;
    let store = &app.state.store;

    // Transactions (with their import and bank accounts), the oldest purged into rollups.
    app.import_rows(org, &rows(120)).await;
    store
        .purge_transactions_before(org, NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"), 500)
        .await
        .expect("purge");
    let mut import = app.begin_store_import(org, "invoices.csv").await;
    import
        .add_documents(&[flowsense_storage::NewDocument {
            kind: flowsense_core::books::DocKind::Invoice,
            number: "INV-12".into(),
            counterparty: "Acme".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 5, 1).expect("date"),
            due_date: NaiveDate::from_ymd_opt(2026, 5, 31).expect("date"),
            paid_date: None,
            amount_minor: 50_000,
            currency: "USD".into(),
            external_id: "Invoice:12".into(),
        }])
        .await
        .expect("documents");
    import.commit().await.expect("commit");
    // Tables nothing writes any more but still read by the export.
    let o = uuid_literal(&app, org.0);
    app.db
        .execute_raw(&format!(
            "INSERT INTO monthly_rollups (org_id, month, category, inflow_minor, outflow_minor, \
             txn_count) VALUES ({o}, '2023-12-01', 'Supplies', 250000, -8642, 3)"
        ))
        .await;
    app.db
        .execute_raw(&format!(
            "INSERT INTO ledger_accounts (org_id, code, name, kind, external_id) \
             VALUES ({o}, '4000', 'Sales', 'income', 'qb-4000')"
        ))
        .await;
    app.db
        .execute_raw(&format!(
            "INSERT INTO insights (org_id, kind, severity, title, figures, narrative, \
             narrative_source, created_at) VALUES ({o}, 'runway', 'warning', 'Runway is short', \
             '{{}}', 'Cash lasts 4 months.', 'template', '2026-01-01T00:00:00+00:00')"
        ))
        .await;
    // What the owner added by hand.
    store
        .add_planned_item(
            org,
            &flowsense_storage::NewPlannedItem {
                name: "Quarterly tax".into(),
                flow: flowsense_core::PlannedFlow {
                    first: NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
                    amount: -1_250_000,
                    repeat: flowsense_core::Repeat::Quarterly,
                    until: None,
                    confidence_percent: 90,
                },
                created_by: None,
            },
        )
        .await
        .expect("planned");
    store
        .save_scenario(org, None, "Hire in March", br#"{"hires":1}"#)
        .await
        .expect("scenario");
    store
        .save_rule(
            org,
            &flowsense_storage::NewRule {
                counterparty: "Counterparty 3".into(),
                category: Some("Rent".into()),
                counterparty_name: None,
                class: None,
                apply_to_past: true,
                created_by: None,
            },
        )
        .await
        .expect("rule");
    store
        .save_rates(
            org,
            &[flowsense_core::fx::Rate {
                date: NaiveDate::from_ymd_opt(2026, 1, 2).expect("date"),
                from: Currency::EUR,
                to: Currency::USD,
                rate: "1.0834".parse().expect("rate"),
            }],
            flowsense_storage::RateSource::Manual,
        )
        .await
        .expect("rates");
    let account = store
        .export_org_tables(org)
        .await
        .expect("tables")
        .bank_accounts[0]
        .id;
    store
        .save_mapping_preset(
            org,
            account,
            &flowsense_storage::NewMappingPreset {
                column_map: "date=Posted,amount=Amt",
                date_format: Some("DD/MM/YYYY"),
                updated_by: Some(admin),
            },
        )
        .await
        .expect("preset");
    // A connection (its tenant id a canary), a sealed secret, the AI's records.
    store
        .create_connection(org, "quickbooks", TENANT_CANARY)
        .await
        .expect("connection");
    store
        .set_org_secret(
            org,
            "stripe_webhook",
            &secrecy::SecretString::from(GRANT_CANARY),
        )
        .await
        .expect("secret");
    store
        .record_ai_call(&flowsense_storage::AiCall {
            id: uuid::Uuid::new_v4(),
            org,
            user: Some(admin),
            purpose: flowsense_storage::AiPurpose::Assistant,
            provider: "anthropic".into(),
            model: "claude-test".into(),
            tools: vec!["cash_summary".into()],
            figures_sent: 3,
            rows_sent: 0,
            input_tokens: 1_200,
            output_tokens: 80,
            outcome: flowsense_storage::AiOutcome::Ok,
            created_at: Utc::now(),
        })
        .await
        .expect("ai call");
    store
        .save_narratives(&flowsense_storage::StoredNarratives {
            org,
            books_version: 1,
            provider: "anthropic".into(),
            model: "claude-test".into(),
            content: br#"[{"kind":"runway","text":"Cash lasts four months."}]"#.to_vec(),
            written_at: Utc::now(),
        })
        .await
        .expect("narratives");
    let conversation = store
        .create_conversation(org, admin, "Why is cash down?")
        .await
        .expect("conversation");
    store
        .append_conversation_message(
            org,
            conversation,
            flowsense_storage::MessageAuthor::User,
            "Why is cash down?",
        )
        .await
        .expect("message");
    // The admin's own: MFA with recovery codes, a token, a passkey, a linked identity, a
    // notification choice, an invitation sent.
    let mut b = app.signed_in("ada@x.test").await;
    let (_, enrol) = b.post("/api/v1/me/mfa/enrol", json!({})).await;
    let secret = enrol["secret"].as_str().expect("secret").to_owned();
    let (s, _) = b
        .post(
            "/api/v1/me/mfa/verify",
            json!({"code": totp_code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = b
        .post("/api/v1/me/tokens", json!({"name": "ci", "scope": "read"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    store
        .insert_passkey(&flowsense_storage::NewPasskey {
            id: uuid::Uuid::new_v4(),
            user: admin,
            credential_id: vec![7; 16],
            name: "Laptop".into(),
            passkey: "{}".into(),
            sign_count: 0,
            backup_eligible: true,
            backup_state: false,
            created_at: Utc::now(),
        })
        .await
        .expect("passkey");
    store
        .link_identity("https://idp.x.test", "subject-1", admin, Utc::now())
        .await
        .expect("identity");
    b.send(
        Method::PATCH,
        "/api/v1/me/notifications",
        Some(json!({"org_id": org.to_string(), "weekly_digest": false})),
    )
    .await;
    let (s, _) = b
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            json!({"email": "inv@x.test", "role": "member"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    Populated {
        app,
        org,
        admin,
        browser: b,
    }
}

async fn download(b: &Browser, path: &str) -> (String, Value) {
    let r = b.request(Method::GET, path).send().await.expect("export");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let text = r.text().await.expect("body");
    let doc = serde_json::from_str(&text).expect("one JSON document");
    (text, doc)
}

/// Python with `jsonschema`, from `.ci/jsonschema-env`, or `None` (said loudly).
fn validator() -> Option<PathBuf> {
    let python = std::env::var_os("FLOWSENSE_JSONSCHEMA_PYTHON").map(PathBuf::from);
    match python.filter(|p| p.exists()) {
        Some(p) => Some(p),
        None => {
            flowsense_test_support::skip_for_missing_tool(
                "Python's jsonschema",
                " (source .ci/jsonschema-env first)",
            );
            None
        }
    }
}

const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
for e in errors[:10]:
    print("/".join(map(str, e.absolute_path)) or "(root)", "-", e.message[:160])
sys.exit(1 if errors else 0)
"#;

/// Whether `doc` is valid against `schema` (a draft 2020-12 schema, itself checked), and the
/// validator's complaints.
fn validate(python: &Path, schema: &Value, doc: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (s, d) = (dir.path().join("schema.json"), dir.path().join("doc.json"));
    std::fs::write(&s, schema.to_string()).expect("schema");
    std::fs::write(&d, doc.to_string()).expect("doc");
    let out = std::process::Command::new(python)
        .args(["-c", VALIDATE])
        .arg(&s)
        .arg(&d)
        .output()
        .expect("python runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "the validator failed: {said}"
    );
    (out.status.success(), said)
}

/// `doc` with `change` made at the JSON pointer `at` (`None` removes the field).
fn broken(doc: &Value, at: &str, change: Option<Value>) -> Value {
    let mut doc = doc.clone();
    let (parent, key) = at.rsplit_once('/').expect("a pointer");
    let parent = doc.pointer_mut(parent).expect("the field's parent");
    match (parent, change) {
        (Value::Object(map), None) => {
            assert!(map.remove(key).is_some(), "{at} is not there");
        }
        (Value::Object(map), Some(v)) => {
            assert!(map.insert(key.to_owned(), v).is_some(), "{at} is not there");
        }
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().expect("index")] = v,
        _ => panic!("{at} cannot be changed"),
    }
    doc
}

/// Every property name the schema can give a document.
fn property_names(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|x| property_names(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| property_names(x, out)),
        _ => {}
    }
}

async fn both_exports_validate_against_their_published_schemas_and_broken_ones_do_not(db: Db) {
    let Populated {
        app, org, browser, ..
    } = populated(db).await;
    let (org_text, org_doc) = download(&browser, &format!("/api/v1/orgs/{org}/export")).await;
    let (own_text, own_doc) = download(&browser, "/api/v1/me/export").await;

    // The schemas are served where the documents say, as the service generates them.
    let anonymous = app.browser();
    for (doc, path, generated) in [
        (
            &org_doc,
            ORG_EXPORT_SCHEMA_PATH,
            organisation_export_schema(),
        ),
        (&own_doc, USER_EXPORT_SCHEMA_PATH, user_export_schema()),
    ] {
        let url = format!("{}{path}", app.state.public_url);
        assert_eq!(doc["$schema"], json!(url));
        let r = anonymous
            .request(Method::GET, path)
            .send()
            .await
            .expect("schema");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["content-type"], "application/schema+json");
        let served: Value = r.json().await.expect("a JSON schema");
        assert_eq!(served, generated, "{path}");
    }
    assert_eq!(
        (&org_doc["format"], &org_doc["version"]),
        (&json!("flowsense-organisation-export"), &json!(1))
    );

    // No field of either document, nor any the schemas allow, is named for a secret; and the
    // canaries of the connection's tenant and the sealed secret are nowhere.
    let mut names = BTreeSet::new();
    property_names(&organisation_export_schema(), &mut names);
    property_names(&user_export_schema(), &mut names);
    assert!(names.contains("transactions") && names.contains("passkeys"));
    for name in &names {
        if HARMLESS_NAMES.contains(&name.as_str()) {
            continue;
        }
        for word in SECRET_WORDS {
            assert!(
                !name.to_ascii_lowercase().contains(word),
                "an export may hold a field named {name}"
            );
        }
    }
    for text in [&org_text, &own_text] {
        for canary in [TENANT_CANARY, GRANT_CANARY] {
            assert!(!text.contains(canary), "{canary} is in an export");
        }
    }

    let Some(python) = validator() else {
        return;
    };
    for (what, schema, doc) in [
        ("organisation", organisation_export_schema(), &org_doc),
        ("own data", user_export_schema(), &own_doc),
    ] {
        let (valid, said) = validate(&python, &schema, doc);
        assert!(valid, "the {what} export fails its schema:\n{said}");
    }
    let org_breaks = [
        ("/organisation/slug", None),
        ("/transactions/0/amount_minor", Some(json!("2500.00"))),
        ("/bank_accounts/0/opening_balance_minor", Some(json!(1.5))),
        ("/version", Some(json!(2))),
        ("/members", Some(json!({}))),
        ("/transactions", None),
        ("/planned_items/0/repeat", Some(json!("fortnightly"))),
    ];
    let schema = organisation_export_schema();
    for (at, change) in org_breaks {
        let (valid, _) = validate(&python, &schema, &broken(&org_doc, at, change));
        assert!(
            !valid,
            "the schema accepts an organisation export broken at {at}"
        );
    }
    let own_breaks = [
        ("/profile/email", None),
        ("/sessions/0/live", Some(json!("yes"))),
        ("/format", Some(json!("another-format"))),
        ("/memberships/0/role", Some(json!("owner"))),
    ];
    let schema = user_export_schema();
    for (at, change) in own_breaks {
        let (valid, _) = validate(&python, &schema, &broken(&own_doc, at, change));
        assert!(
            !valid,
            "the schema accepts an own-data export broken at {at}"
        );
    }
}

/// Rows of each table with a `column` (`org_id` or `user_id`) equal to `id`, from the
/// database's catalog (SQLite's `sqlite_master` and `pragma_table_info`, PostgreSQL's
/// `information_schema`).
async fn rows_by_catalog(app: &TestApp, column: &str, id: uuid::Uuid) -> BTreeMap<String, i64> {
    use sqlx::Connection;
    let mut counts = BTreeMap::new();
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' \
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = ?)",
        )
        .bind(column)
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url).await.expect("pg");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT c.table_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
               AND c.column_name = $1",
        )
        .bind(column)
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
    }
    counts
}

/// Whether the document's `field` holds something: a non-empty array or object, or a value.
fn holds_rows(doc: &Value, field: &str) -> bool {
    match &doc[field] {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Null => false,
        _ => true,
    }
}

/// Checks one export against the catalog: every table with the column is decided exactly once,
/// the lists name no table that is gone, and each exported table has rows here that the
/// document's field holds.
fn check_coverage(
    what: &str,
    catalog: &BTreeMap<String, i64>,
    exported: &[(&str, &str)],
    excluded: &[(&str, &str)],
    doc: &Value,
) {
    let decided: Vec<&str> = exported
        .iter()
        .chain(excluded)
        .map(|(table, _)| *table)
        .collect();
    let unique: BTreeSet<&str> = decided.iter().copied().collect();
    assert_eq!(
        unique.len(),
        decided.len(),
        "{what}: a table is listed twice"
    );
    let in_catalog: BTreeSet<&str> = catalog.keys().map(String::as_str).collect();
    let undecided: Vec<&&str> = in_catalog.difference(&unique).collect();
    assert!(
        undecided.is_empty(),
        "{what}: add these tables to the export, or to the exclusions with a reason: {undecided:?}"
    );
    let gone: Vec<&&str> = unique
        .difference(&in_catalog)
        .filter(|t| !ON_ONE_BACKEND.contains(t))
        .collect();
    assert!(
        gone.is_empty(),
        "{what}: these listed tables no longer exist: {gone:?}"
    );
    for (table, reason) in excluded {
        assert!(
            reason.len() > 20,
            "{what}: {table} is excluded without a reason"
        );
    }
    for (table, field) in exported {
        assert!(
            catalog[*table] > 0,
            "{what}: the populated data has no row in {table}, so its export is not checked"
        );
        assert!(
            holds_rows(doc, field),
            "{what}: {table} has rows but the export's {field} holds none"
        );
    }
}

async fn every_table_with_an_org_or_user_id_is_exported_or_excluded_with_a_reason(db: Db) {
    let Populated {
        app,
        org,
        admin,
        browser,
    } = populated(db).await;
    let (_, org_doc) = download(&browser, &format!("/api/v1/orgs/{org}/export")).await;
    let (_, own_doc) = download(&browser, "/api/v1/me/export").await;
    let by_org = rows_by_catalog(&app, "org_id", org.0).await;
    let by_user = rows_by_catalog(&app, "user_id", admin.0).await;
    assert!(
        by_org.len() >= 20 && by_user.len() >= 10,
        "{by_org:?} {by_user:?}"
    );
    check_coverage(
        "organisation export",
        &by_org,
        ORG_TABLES_EXPORTED,
        ORG_TABLES_EXCLUDED,
        &org_doc,
    );
    check_coverage(
        "own-data export",
        &by_user,
        USER_TABLES_EXPORTED,
        USER_TABLES_EXCLUDED,
        &own_doc,
    );
    // Every transaction, the organisation's row itself, the admin's own profile.
    let transactions = org_doc["transactions"].as_array().expect("transactions");
    assert_eq!(
        i64::try_from(transactions.len()).expect("count"),
        by_org["transactions"]
    );
    assert_eq!(org_doc["organisation"]["id"], json!(org.to_string()));
    assert_eq!(own_doc["profile"]["id"], json!(admin.to_string()));

    // A table added with an org_id and no decision fails the check.
    let id_type = if app.db.url.starts_with("sqlite:") {
        "BLOB"
    } else {
        "UUID"
    };
    app.db
        .execute_raw(&format!(
            "CREATE TABLE forgotten_notes (org_id {id_type}, note TEXT)"
        ))
        .await;
    let by_org = rows_by_catalog(&app, "org_id", org.0).await;
    let outcome = std::panic::catch_unwind(|| {
        check_coverage(
            "organisation export",
            &by_org,
            ORG_TABLES_EXPORTED,
            ORG_TABLES_EXCLUDED,
            &org_doc,
        );
    });
    assert!(outcome.is_err(), "an undecided table passed");
}

/// The schemas as `docs/schemas/` holds them for readers without an instance: the same as the
/// server serves (`FLOWSENSE_UPDATE_SNAPSHOTS=1` rewrites them), and valid draft 2020-12.
#[test]
fn the_schemas_under_docs_are_the_served_ones() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas");
    for (file, schema) in [
        (
            "organisation-export.schema.json",
            organisation_export_schema(),
        ),
        ("user-export.schema.json", user_export_schema()),
    ] {
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let path = docs.join(file);
        let text = format!("{}\n", serde_json::to_string_pretty(&schema).expect("json"));
        if std::env::var_os("FLOWSENSE_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(&docs).expect("docs/schemas");
            std::fs::write(&path, &text).expect("write the schema");
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == text,
            "{} differs from the generated schema; rerun with FLOWSENSE_UPDATE_SNAPSHOTS=1",
            path.display()
        );
    }
}

crate::on_both_backends!(
    both_exports_validate_against_their_published_schemas_and_broken_ones_do_not,
    every_table_with_an_org_or_user_id_is_exported_or_excluded_with_a_reason,
);
