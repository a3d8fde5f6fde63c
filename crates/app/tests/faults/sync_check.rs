//! What a test of a QuickBooks sync by real `serve` processes reads: the database the processes
//! wrote (as its superuser, around the store) and the fake's books and token endpoint.

use flowsense_fakes::QuickBooksFake;
use flowsense_fakes::quickbooks::ledger::{Kind, Status};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The fake's token endpoint.
const TOKEN_PATH: &str = "/oauth2/v1/tokens/bearer";

/// What the database says of the sync.
#[derive(Debug, Clone)]
pub(super) struct Progress {
    pub(super) movements: i64,
    pub(super) distinct_movements: i64,
    pub(super) documents: i64,
    pub(super) distinct_documents: i64,
    pub(super) token_version: i64,
    pub(super) status: String,
    pub(super) cursor: Option<String>,
    pub(super) last_error: Option<String>,
    pub(super) synced: bool,
    /// Id, state and attempts of each `connection.sync` job.
    pub(super) syncs: Vec<(i64, String, i64)>,
    /// `connection.poll` jobs (one per hour the schedulers saw).
    pub(super) polls: i64,
}

/// The test's own connection to the cluster, read as its superuser.
pub(super) struct Db {
    rt: tokio::runtime::Handle,
    conn: sqlx::PgConnection,
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
impl Db {
    pub(super) fn connect(rt: &tokio::runtime::Runtime, url: &str) -> Db {
        use sqlx::Connection;
        let conn = rt
            .block_on(sqlx::PgConnection::connect(url))
            .expect("connect to the cluster");
        Db {
            rt: rt.handle().clone(),
            conn,
        }
    }

    /// Read in one snapshot: by statements on their own, a last chunk committed and the job
    /// completed between the counts and the jobs looked like a sync finished with rows missing.
    pub(super) fn progress(&mut self) -> Progress {
        use sqlx::{Connection as _, Row};
        let conn = &mut self.conn;
        self.rt.block_on(async {
            let mut tx = conn.begin().await.expect("begin");
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await
                .expect("repeatable read");
            let counts = sqlx::query(
                "SELECT (SELECT count(*) FROM transactions), \
                        (SELECT count(DISTINCT external_id) FROM transactions), \
                        (SELECT count(*) FROM documents), \
                        (SELECT count(DISTINCT external_id) FROM documents), \
                        (SELECT count(*) FROM jobs WHERE kind = 'connection.poll')",
            )
            .fetch_one(&mut *tx)
            .await
            .expect("counts");
            let connection = sqlx::query(
                "SELECT token_version, status, sync_cursor, last_error, \
                        last_synced_at IS NOT NULL FROM connections",
            )
            .fetch_optional(&mut *tx)
            .await
            .expect("the connection");
            let syncs = sqlx::query(
                "SELECT id, state, attempts FROM jobs WHERE kind = 'connection.sync' ORDER BY id",
            )
            .fetch_all(&mut *tx)
            .await
            .expect("jobs");
            tx.commit().await.expect("commit");
            let connection = connection.map(|r| {
                (
                    r.get::<i64, _>(0),
                    r.get::<String, _>(1),
                    r.get::<Option<String>, _>(2),
                    r.get::<Option<String>, _>(3),
                    r.get::<bool, _>(4),
                )
            });
            let (token_version, status, cursor, last_error, synced) =
                connection.unwrap_or((0, "none".into(), None, None, false));
            Progress {
                movements: counts.get(0),
                distinct_movements: counts.get(1),
                documents: counts.get(2),
                distinct_documents: counts.get(3),
                polls: counts.get(4),
                token_version,
                status,
                cursor,
                last_error,
                synced,
                syncs: syncs
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect(),
            }
        })
    }

    /// Per bank or card account (by QuickBooks id): movements stored and their sum.
    pub(super) fn stored(&mut self, prefix: &str) -> BTreeMap<String, (i64, i64)> {
        use sqlx::Row;
        let rows = self
            .rt
            .block_on(
                sqlx::query(
                    "SELECT b.external_id, count(t.id), \
                            CAST(coalesce(sum(t.original_amount_minor), 0) AS BIGINT) \
                     FROM bank_accounts b LEFT JOIN transactions t \
                       ON t.org_id = b.org_id AND t.account_id = b.id \
                     GROUP BY b.external_id",
                )
                .fetch_all(&mut self.conn),
            )
            .expect("per account");
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                let id = id.strip_prefix(prefix).unwrap_or(&id).to_owned();
                (id, (r.get(1), r.get(2)))
            })
            .collect()
    }
}

/// Per bank or card account of the fake's books: movements and their sum; and the live
/// invoices and bills.
pub(super) fn expected(fake: &QuickBooksFake) -> (BTreeMap<String, (i64, i64)>, i64) {
    let ledger = fake.ledger();
    let money: Vec<u64> = ledger
        .accounts
        .iter()
        .filter(|a| matches!(a.account_type, "Bank" | "Credit Card"))
        .map(|a| a.id)
        .collect();
    let mut out: BTreeMap<String, (i64, i64)> =
        money.iter().map(|id| (id.to_string(), (0, 0))).collect();
    for e in &ledger.entities {
        for (account, minor) in e.bank_effects() {
            if money.contains(&account) && minor != 0 {
                let entry = out.entry(account.to_string()).or_default();
                entry.0 += 1;
                entry.1 += minor;
            }
        }
    }
    let documents = ledger
        .entities
        .iter()
        .filter(|e| matches!(e.kind, Kind::Invoice | Kind::Bill) && e.status == Status::Active)
        .count();
    (out, i64::try_from(documents).expect("a count"))
}

/// The fake's token endpoint: how many requests it granted, and whether it refused any.
pub(super) fn token_requests(fake: &QuickBooksFake) -> (i64, Vec<u16>) {
    let calls: Vec<u16> = fake
        .served()
        .iter()
        .filter(|s| s.path == TOKEN_PATH)
        .map(|s| s.status)
        .collect();
    let granted = calls.iter().filter(|s| **s == 200).count();
    let refused = calls.into_iter().filter(|s| *s != 200).collect();
    (i64::try_from(granted).expect("a count"), refused)
}

/// Waits (bounded) until `done` holds of the database's progress.
pub(super) fn wait_for(
    db: &mut Db,
    what: &str,
    limit: Duration,
    done: impl Fn(&Progress) -> bool,
) -> Progress {
    let started = Instant::now();
    loop {
        let p = db.progress();
        if done(&p) {
            return p;
        }
        assert!(started.elapsed() < limit, "{what}: {p:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A loopback address with a port free now.
pub(super) fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").to_string()
}

/// The one connection's id.
#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
pub(super) fn connection_id(db: &mut Db) -> String {
    use sqlx::Row;
    let row = db
        .rt
        .block_on(sqlx::query("SELECT CAST(id AS TEXT) FROM connections").fetch_one(&mut db.conn))
        .expect("the connection");
    row.get(0)
}
