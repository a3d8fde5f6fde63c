//! `kill -9` of a real `flowsense serve` in the middle of a long job: a large import leaves its
//! rows to the `search.index` job, one `serve` starts taking them into the index and is killed
//! mid-way, and a second `serve` on the same database takes the job over once its lease has
//! lapsed (a short lease, `FLOWSENSE_JOB_LEASE_SECONDS`, keeps the test bounded). The job ends
//! once, succeeded, and the index holds every imported row exactly once, none missing.

use super::cluster::Cluster;
use super::instance::Books;
use std::time::{Duration, Instant};

/// Rows imported: more than the import indexes inline, enough chunks for the kill to land
/// between two of them.
const ROWS: usize = 300_000;

/// The lease the servers claim jobs for.
const LEASE_SECONDS: &str = "3";

/// What the database says of the import's rows and their search job.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Progress {
    transactions: i64,
    distinct_references: i64,
    indexed: i64,
    backlog: i64,
    /// State, attempts and lease owner of each `search.index` job.
    jobs: Vec<(String, i64, Option<String>)>,
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
fn progress(url: &str) -> Progress {
    super::read_as_owner(url, async |conn| {
        use sqlx::{Connection as _, Row};
        // One snapshot for the counts and the jobs: read by two statements on their own, a
        // chunk committed and the job completed between them looked like a job finished
        // with a chunk left over.
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await
            .unwrap();
        let counts = sqlx::query(
            "SELECT (SELECT count(*) FROM transactions), \
                    (SELECT count(DISTINCT external_id) FROM transactions), \
                    (SELECT count(*) FROM transaction_search), \
                    (SELECT coalesce(sum(last_id - first_id + 1), 0)::BIGINT FROM search_backlog)",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let jobs = sqlx::query(
            "SELECT state, attempts, lease_owner FROM jobs WHERE kind = 'search.index' ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        Progress {
            transactions: counts.get(0),
            distinct_references: counts.get(1),
            indexed: counts.get(2),
            backlog: counts.get(3),
            jobs: jobs
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect(),
        }
    })
}

/// The backlog's ranges and the unindexed rows' ids, for a failure's message.
#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
fn unindexed(url: &str) -> String {
    super::read_as_owner(url, async |conn| {
        use sqlx::Row;
        let ranges: Vec<(i64, i64, i64)> =
            sqlx::query("SELECT id, first_id, last_id FROM search_backlog ORDER BY first_id")
                .fetch_all(&mut *conn)
                .await
                .expect("the backlog")
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
        let row = sqlx::query(
            "SELECT min(t.id), max(t.id), count(*) FROM transactions t \
             WHERE NOT EXISTS (SELECT 1 FROM transaction_search s WHERE s.transaction_id = t.id)",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("the unindexed rows");
        let all = sqlx::query("SELECT min(id), max(id) FROM transactions")
            .fetch_one(&mut *conn)
            .await
            .expect("the ids");
        format!(
            "backlog (id, first, last): {ranges:?}; unindexed ids {:?}..{:?} ({}); all ids {:?}..{:?}",
            row.get::<Option<i64>, _>(0),
            row.get::<Option<i64>, _>(1),
            row.get::<i64, _>(2),
            all.get::<Option<i64>, _>(0),
            all.get::<Option<i64>, _>(1),
        )
    })
}

/// `ROWS` transactions in the FlowSense books layout, each with its own reference.
fn write_books(path: &std::path::Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "date,account,amount,currency,counterparty,category,description,reference"
    )
    .unwrap();
    // Within the last 60 days: the servers' nightly retention purge (90 days) leaves them be.
    let today = chrono::Utc::now().date_naive();
    for i in 0..ROWS {
        let day = today - chrono::Days::new(u64::try_from(i % 60).unwrap());
        let cents = 100 + (i * 7_919) % 90_000;
        writeln!(
            out,
            "{day},Operating,-{}.{:02},USD,Supplier {},Supplies,Order {i} of beans,ref-{i}",
            cents / 100,
            cents % 100,
            i % 97
        )
        .unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn a_job_of_a_killed_instance_is_taken_over_and_finished_once() {
    let Some(bin) =
        super::postgres_binaries("a_job_of_a_killed_instance_is_taken_over_and_finished_once")
    else {
        return;
    };
    let cluster = Cluster::start(&bin);
    let url = cluster.url();
    let books = Books::new(&url);
    let file = books.ws.path("large.csv");
    write_books(&file);
    let imported = books
        .command()
        .args(["import", "--org", "cafe", "--quiet", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let total = i64::try_from(ROWS).unwrap();
    let queued = progress(&url);
    assert_eq!(queued.transactions, total);
    assert_eq!(queued.backlog, total, "the import left its rows to the job");
    assert_eq!(queued.indexed, 0);
    assert_eq!(queued.jobs.len(), 1, "{queued:?}");
    assert_eq!(queued.jobs[0].0, "queued");

    let env = [("FLOWSENSE_JOB_LEASE_SECONDS", LEASE_SECONDS)];
    let mut first = books.serve(&env);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let p = progress(&url);
        if p.indexed > 0 && p.backlog > 0 {
            break;
        }
        assert!(
            p.jobs.iter().all(|j| j.0 != "succeeded"),
            "the job finished before the kill: raise ROWS ({p:?})"
        );
        assert!(Instant::now() < deadline, "the job never started: {p:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    first.stop(); // SIGKILL: no shutdown, no hand-back, the lease left as it was.
    let killed = progress(&url);
    assert_eq!(killed.jobs.len(), 1);
    let (state, attempts, owner) = killed.jobs[0].clone();
    assert_eq!((state.as_str(), attempts), ("running", 1), "{killed:?}");
    assert!(owner.is_some(), "a running job keeps its owner's lease");
    assert!(
        killed.indexed < total && killed.indexed + killed.backlog == total,
        "mid-job, every row either indexed or waiting: {killed:?}"
    );
    eprintln!(
        "killed the first instance with {} of {total} rows indexed; {}",
        killed.indexed,
        unindexed(&url)
    );

    let killed_at = Instant::now();
    let _second = books.serve(&env);
    let finished = loop {
        let p = progress(&url);
        if p.jobs.iter().all(|j| j.0 == "succeeded") {
            break p;
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(120),
            "the job was not taken over: {p:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = killed_at.elapsed();
    eprintln!("the second instance finished the job {took:?} after the kill");
    assert!(
        took >= Duration::from_secs(2),
        "taken over before the lease could lapse ({took:?})"
    );

    // Once: one job, succeeded on its second attempt (the killed instance's claim was the
    // first), its lease released.
    assert_eq!(finished.jobs.len(), 1, "{finished:?}");
    assert_eq!(
        finished.jobs[0],
        ("succeeded".to_owned(), 2, None),
        "{finished:?}"
    );
    // Exact: every row once, none missing, nothing left waiting.
    assert_eq!(finished.transactions, total);
    assert_eq!(finished.distinct_references, total);
    assert_eq!(finished.indexed, total, "{finished:?}; {}", unindexed(&url));
    assert_eq!(finished.backlog, 0, "{}", unindexed(&url));
}
