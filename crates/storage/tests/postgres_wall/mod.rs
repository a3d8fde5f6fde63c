//! PostgreSQL only: row-level security is a second wall behind the query scoping, and both
//! backends carry the same schema.

// Seeding helpers are not `#[test]` functions, so clippy's allow-unwrap-in-tests does not
// reach them.
#![allow(clippy::unwrap_used)]
// The walls are tested by reaching around the store, as an attacker with a connection would.
#![expect(
    clippy::disallowed_methods,
    reason = "raw SQL around the store is the point here"
)]

use crate::support::TestDb;
use flowsense_core::Currency;
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OrgSettings};
use sqlx::{Connection, Row};

async fn seed(db: &TestDb) -> (flowsense_core::OrgId, flowsense_core::OrgId) {
    let mut ids = Vec::new();
    for (slug, n) in [("a", 3), ("b", 5)] {
        let org = db
            .store
            .create_org(&NewOrg {
                slug: slug.into(),
                name: slug.into(),
                settings: OrgSettings::with_currency(Currency::USD),
            })
            .await
            .unwrap()
            .id;
        let rows: Vec<_> = (0..n)
            .map(|i| NewTransaction {
                account: "Operating".into(),
                posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1 + i).unwrap(),
                amount_minor: 100,
                currency: "USD".into(),
                original_amount_minor: 100,
                original_currency: "USD".into(),
                counterparty: "C".into(),
                description: String::new(),
                category: "Sales".into(),
                is_transfer: false,
                external_id: format!("{slug}-{i}"),
            })
            .collect();
        let mut imp = db
            .store
            .begin_import(
                org,
                &ImportMeta {
                    file_name: "f".into(),
                    format: "csv".into(),
                    sha256: String::new(),
                    source: "csv".into(),
                    created_by: None,
                    currency: Currency::USD,
                },
            )
            .await
            .unwrap();
        imp.add_transactions(&rows).await.unwrap();
        imp.commit().await.unwrap();
        ids.push(org);
    }
    (ids[0], ids[1])
}

#[tokio::test]
async fn row_level_security_hides_other_organisations_even_without_a_where_clause() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "row_level_security_hides_other_organisations_even_without_a_where_clause",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let (a, b) = seed(&db).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("SET ROLE flowsense_app")
        .execute(&mut conn)
        .await
        .unwrap();

    let count = |sql: &'static str| sql;
    let mut tx = conn.begin().await.unwrap();
    let n: i64 = sqlx::query_scalar(count("SELECT COUNT(*) FROM transactions"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0, "no organisation set: nothing visible");
    sqlx::query("SELECT set_config('flowsense.org_id', $1, true)")
        .bind(a.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 3, "only a's rows");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bank_accounts")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Writing a row for b while scoped to a is refused by WITH CHECK.
    let err = sqlx::query("INSERT INTO audit_events (org_id, action, target, ip, details, created_at) VALUES ($1, 'x', 'y', 'z', '{}', now())")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // The setting is per transaction: the next one starts blind again.
    let mut tx = conn.begin().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();

    // Every table with an org_id column has forced row-level security.
    let unprotected: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
         AND EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = n.nspname AND i.table_name = c.relname AND i.column_name = 'org_id') \
         AND NOT (c.relrowsecurity AND c.relforcerowsecurity)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        unprotected.is_empty(),
        "tables without forced RLS: {unprotected:?}"
    );
}

#[tokio::test]
async fn every_policy_reads_its_settings_once_per_statement() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "every_policy_reads_its_settings_once_per_statement",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let (a, _) = seed(&db).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    // Every setting a policy reads is inside a sub-select (an InitPlan, one evaluation per
    // statement), never compared row by row (migration 0033).
    let policies: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT tablename::text, policyname::text, concat_ws(' ', qual, with_check) \
         FROM pg_policies WHERE schemaname = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(policies.len() >= 30, "{} policies", policies.len());
    let per_row: Vec<_> = policies
        .iter()
        .filter(|(_, _, text)| {
            // As PostgreSQL prints them: `( SELECT current_setting(…` and
            // `( SELECT (NULLIF(current_setting(…`.
            text.match_indices("current_setting(").any(|(at, _)| {
                let before = &text[..at];
                !before.ends_with("SELECT ") && !before.ends_with("SELECT (NULLIF(")
            })
        })
        .collect();
    assert!(per_row.is_empty(), "settings read per row: {per_row:?}");

    // The plan says so: one InitPlan for the organisation, and the rows allowed are unchanged.
    sqlx::query("SET ROLE flowsense_app")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('flowsense.org_id', $1, true)")
        .bind(a.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar("EXPLAIN SELECT * FROM transactions")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("InitPlan"), "{plan}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 3, "only a's rows");
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "sqlite_and_postgres_schemas_have_the_same_tables_and_columns",
        );
        return;
    };
    let pg = TestDb::postgres(&url).await;
    let lite = TestDb::sqlite().await;
    let mut conn = sqlx::PgConnection::connect(&pg.url).await.unwrap();
    let mut pg_cols: Vec<String> = sqlx::query(
        "SELECT table_name::text || '.' || column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("c"))
    .collect();
    // The word-search index is the one difference: FTS5 tables on SQLite, a table of documents here.
    let pg_index = crate::support::search_index_columns("postgres");
    let lite_index = crate::support::search_index_columns("sqlite");
    assert!(pg_index.iter().all(|c| pg_cols.contains(c)), "{pg_index:?}");
    pg_cols.retain(|c| !pg_index.contains(c));
    let mut lite_cols = crate::support::sqlite_columns(&lite.url).await;
    assert!(
        lite_index.iter().all(|c| lite_cols.contains(c)),
        "{lite_index:?}"
    );
    lite_cols.retain(|c| !lite_index.contains(c));
    pg_cols.sort();
    assert!(pg_cols.len() > 100);
    assert_eq!(pg_cols, lite_cols);
}

/// A transaction on `conn` (the application role) scoped to `org`, as the store opens them.
async fn scoped_to(
    conn: &mut sqlx::PgConnection,
    org: flowsense_core::OrgId,
) -> sqlx::Transaction<'_, sqlx::Postgres> {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('flowsense.org_id', $1, true)")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

/// PostgreSQL checks a transaction's account once per statement (migration 0007) instead of with
/// a row-by-row foreign key: the guarantees must be the foreign key's.
#[tokio::test]
async fn a_transaction_names_an_account_of_its_own_organisation_and_goes_with_it() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "a_transaction_names_an_account_of_its_own_organisation_and_goes_with_it",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let (a, b) = seed(&db).await;
    let mut owner = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let account_of = |org: flowsense_core::OrgId| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM bank_accounts WHERE org_id = $1").bind(org.0)
    };
    let a_account = account_of(a).fetch_one(&mut owner).await.unwrap();
    let b_account = account_of(b).fetch_one(&mut owner).await.unwrap();

    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("SET ROLE flowsense_app")
        .execute(&mut conn)
        .await
        .unwrap();
    let code = |e: sqlx::Error| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned())
    };
    let insert = "INSERT INTO transactions (org_id, source, account_id, posted_on, amount_minor, currency, \
                  original_amount_minor, original_currency, counterparty, description, category, is_transfer, external_id) \
                  VALUES ($1, 'csv', $2, DATE '2026-02-01', 1, 'USD', 1, 'USD', 'C', '', 'Sales', false, $3)";
    for (account, why) in [
        (b_account, "another organisation's account"),
        (999_999, "no such account"),
    ] {
        let mut tx = scoped_to(&mut conn, a).await;
        let err = sqlx::query(insert)
            .bind(a.0)
            .bind(account)
            .bind(format!("x-{account}"))
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(code(err).as_deref(), Some("23503"), "{why}");
        tx.rollback().await.unwrap();

        // Moving an existing row onto it is refused the same way.
        let mut tx = scoped_to(&mut conn, a).await;
        let err = sqlx::query("UPDATE transactions SET account_id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(code(err).as_deref(), Some("23503"), "{why}");
        tx.rollback().await.unwrap();
    }

    let mut tx = scoped_to(&mut conn, a).await;
    // Its own account is fine, and an account keeps its id.
    sqlx::query(insert)
        .bind(a.0)
        .bind(a_account)
        .bind("x-own")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE bank_accounts SET id = id + 1000")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(code(err).as_deref(), Some("23503"));
    tx.rollback().await.unwrap();

    // Deleting the account deletes its transactions, and only those.
    let mut tx = scoped_to(&mut conn, a).await;
    sqlx::query("DELETE FROM bank_accounts WHERE id = $1")
        .bind(a_account)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let left: Vec<(uuid::Uuid, i64)> =
        sqlx::query_as("SELECT org_id, COUNT(*) FROM transactions GROUP BY org_id")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    assert_eq!(left, vec![(b.0, 5)]);

    // Deleting an organisation takes its accounts and, through them, its transactions.
    db.store.delete_org(b).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Views, materialized views and functions of the schema that could read around row-level
/// security: a view without `security_invoker` (it runs as its owner), a materialized view (no
/// policies at all) and a `SECURITY DEFINER` function.
const RLS_BYPASSES: &str = "\
    SELECT 'view ' || c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'v' \
    AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false) \
    UNION ALL \
    SELECT 'materialized view ' || c.relname::text FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'm' \
    UNION ALL \
    SELECT 'definer function ' || p.proname::text FROM pg_proc p \
    JOIN pg_namespace n ON n.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND p.prosecdef";

/// `SECURITY DEFINER` functions reviewed one by one: none reads rows out, each acts on the one
/// organisation it is given.
const VETTED_DEFINERS: &[(&str, &str)] = &[(
    "purge_audit_events",
    "the nightly audit purge (checklist H3): deletes one organisation's audit events older than \
     the retention cutoff (never the last 365 days) and records the last one's hash as its \
     chain's anchor; returns a count and nothing else. The application role may not delete \
     audit events itself, so the purge must run as the table's owner.",
)];

#[tokio::test]
async fn no_view_or_definer_function_reads_around_row_level_security() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "no_view_or_definer_function_reads_around_row_level_security",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let found: Vec<String> = sqlx::query_scalar(RLS_BYPASSES)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let unvetted: Vec<&String> = found
        .iter()
        .filter(|f| {
            !VETTED_DEFINERS
                .iter()
                .any(|(name, _)| **f == format!("definer function {name}"))
        })
        .collect();
    assert!(
        unvetted.is_empty(),
        "ways around row-level security: {unvetted:?}"
    );
    // Each vetted definer keeps what vetted it: a fixed search_path, and no EXECUTE for PUBLIC.
    for (name, _) in VETTED_DEFINERS {
        let (pinned, public): (bool, bool) = sqlx::query_as(
            "SELECT coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%'), false), \
                    has_function_privilege('public', p.oid, 'EXECUTE') \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = current_schema() AND p.proname = $1",
        )
        .bind(name)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert!(pinned, "{name} runs with the caller's search_path");
        assert!(!public, "{name} may be called by PUBLIC");
    }

    // The application role neither bypasses row-level security nor owns a table (an owner
    // would be exempt unless FORCE is set, which the other test checks).
    let bypass: bool = sqlx::query_scalar(
        "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = 'flowsense_app'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(!bypass, "flowsense_app bypasses row-level security");
    let owned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = 'flowsense_app'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(owned, 0);

    // The check sees each kind: planted in a transaction that is rolled back.
    let mut tx = conn.begin().await.unwrap();
    for plant in [
        "CREATE VIEW every_transaction AS SELECT * FROM transactions",
        "CREATE MATERIALIZED VIEW every_account AS SELECT * FROM bank_accounts",
        "CREATE FUNCTION count_all() RETURNS bigint LANGUAGE sql SECURITY DEFINER \
         AS 'SELECT COUNT(*) FROM transactions'",
        "CREATE VIEW invoker_view WITH (security_invoker = true) AS SELECT * FROM transactions",
    ] {
        sqlx::query(plant).execute(&mut *tx).await.unwrap();
    }
    let mut planted: Vec<String> = sqlx::query_scalar(RLS_BYPASSES)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    planted.retain(|f| !found.contains(f));
    planted.sort();
    assert_eq!(
        planted,
        [
            "definer function count_all",
            "materialized view every_account",
            "view every_transaction",
        ]
    );
    tx.rollback().await.unwrap();
}

/// The wall as the store's own pool meets it (checklist C5): its connections run as a role that
/// owns no table and cannot bypass row-level security; scoped to A they see none of B's rows
/// and cannot write one; and the organisation a transaction set does not outlive it on the
/// pooled connection, whether the store's own call or raw SQL set it.
#[tokio::test]
async fn the_pools_own_connections_see_one_organisation_and_keep_nothing_between_checkouts() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "the_pools_own_connections_see_one_organisation_and_keep_nothing_between_checkouts",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let (a, b) = seed(&db).await;
    // A store of one connection, so every checkout below is the same server session.
    let store = flowsense_storage::Store::open(
        &db.url,
        &flowsense_storage::OpenOptions {
            max_connections: 1,
            ..flowsense_storage::OpenOptions::default()
        },
    )
    .await
    .unwrap();
    let pool = store
        .postgres_pool_for_wall_tests()
        .expect("a PostgreSQL store");

    let mut conn = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT current_user::text AS role, r.rolsuper, r.rolbypassrls, \
         (SELECT COUNT(*) FROM pg_tables t WHERE t.schemaname = current_schema() \
          AND t.tableowner = current_user) AS owned \
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("role"), "flowsense_app");
    assert!(!row.get::<bool, _>("rolsuper"));
    assert!(!row.get::<bool, _>("rolbypassrls"));
    assert_eq!(row.get::<i64, _>("owned"), 0, "the app role owns no table");

    // Raw SQL on the pool's connection, scoped to A as the store scopes a transaction.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('flowsense.org_id', $1, true)")
        .bind(a.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 3, "A's rows only");
    let of_b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE org_id = $1")
        .bind(b.0)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(of_b, 0, "B's rows, asked for by id: none");
    let updated = sqlx::query("UPDATE transactions SET category = 'Stolen' WHERE org_id = $1")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    let err = sqlx::query(
        "INSERT INTO audit_events (org_id, action, target, ip, details, created_at) \
         VALUES ($1, 'x', 'y', 'z', '{}', now())",
    )
    .bind(b.0)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
    drop(conn);

    // The store's own scoped call on the same connection, then the next checkout: blind again.
    assert_eq!(store.count_transactions(a).await.unwrap(), 3);
    assert_eq!(store.count_transactions(b).await.unwrap(), 5);
    let mut conn = pool.acquire().await.unwrap();
    let again: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(again, pid, "the same pooled connection");
    let left: Option<String> =
        sqlx::query_scalar("SELECT NULLIF(current_setting('flowsense.org_id', true), '')")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(left, None, "no organisation survives its transaction");
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(seen, 0, "outside a scoped transaction nothing is visible");
    drop(conn);
    store.close().await;
}

/// A serving process's pool (`keep_open`) has all its connections open once the store is open,
/// so a first burst of requests waits for none; a command's pool opens only what it used
/// (opening the store takes one or two).
#[tokio::test]
async fn a_serving_pool_opens_all_its_connections_and_a_commands_pool_only_what_it_used() {
    let Some(url) = flowsense_test_support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "a_serving_pool_opens_all_its_connections_and_a_commands_pool_only_what_it_used",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let open = |keep_open| flowsense_storage::OpenOptions {
        keyring: Some(db.keyring.clone()),
        max_connections: 5,
        keep_open,
        ..flowsense_storage::OpenOptions::default()
    };
    let serving = flowsense_storage::Store::open(&db.url, &open(true))
        .await
        .unwrap();
    let command = flowsense_storage::Store::open(&db.url, &open(false))
        .await
        .unwrap();
    let size =
        |store: &flowsense_storage::Store| store.postgres_pool_for_wall_tests().unwrap().size();
    assert_eq!(size(&serving), 5);
    let used = size(&command);
    assert!((1..5).contains(&used), "a command's pool holds {used}");
    // The server sees them too: the five of the serving pool and the command's.
    let mut owner = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let (others,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(others >= 5 + i64::from(used), "{others} connections open");
    serving.close().await;
    command.close().await;
}
