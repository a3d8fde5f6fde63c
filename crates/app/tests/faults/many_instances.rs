//! Three `flowsense serve` processes on one PostgreSQL database, as behind a load balancer:
//! requests alternate between them. A session signed in on one works on all and a sign-out on
//! one ends it everywhere; the per-user API allowance is one allowance across them through
//! Redis; the periodic jobs all three schedulers enqueue at start-up exist once per period and
//! each ran exactly once.

use super::cluster::Cluster;
use super::instance::{Books, Session, get};
use std::time::{Duration, Instant};

/// The per-user API allowance of the run: far below what three separate counters would allow.
const API_ALLOWANCE: usize = 12;

/// `FLOWSENSE_TEST_REDIS_URL`, default the local Redis.
pub(super) fn redis_url() -> String {
    #[expect(clippy::disallowed_methods, reason = "the test's own setting")]
    std::env::var("FLOWSENSE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[derive(Debug, PartialEq, Eq)]
struct JobRow {
    kind: String,
    key: Option<String>,
    state: String,
    attempts: i64,
}

/// Every job in the database, read as its owner.
#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
fn jobs(url: &str) -> Vec<JobRow> {
    super::read_as_owner(url, async |conn| {
        use sqlx::Row;
        let rows =
            sqlx::query("SELECT kind, idempotency_key, state, attempts FROM jobs ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        rows.iter()
            .map(|r| JobRow {
                kind: r.get(0),
                key: r.get(1),
                state: r.get(2),
                attempts: r.get(3),
            })
            .collect()
    })
}

#[test]
fn three_instances_share_sessions_limits_and_schedules() {
    let Some(bin) = super::postgres_binaries("three_instances_share_sessions_limits_and_schedules")
    else {
        return;
    };
    let cluster = Cluster::start(&bin);
    let books = Books::new(&cluster.url());
    let redis = redis_url();
    let allowance = format!("{API_ALLOWANCE}/1h");
    let env = [
        ("FLOWSENSE_REDIS_URL", redis.as_str()),
        ("FLOWSENSE_RATE_LIMIT_API", allowance.as_str()),
    ];
    let started = Instant::now();
    // Started at once: their first starts race to create the instance's shared secrets.
    let servers: Vec<_> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3).map(|_| scope.spawn(|| books.serve(&env))).collect();
        starting.into_iter().map(|s| s.join().unwrap()).collect()
    });
    eprintln!("three instances started in {:?}", started.elapsed());
    let bases: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let mut spent = 0;

    // Signed in on the first, the session (and its CSRF token) works on every instance.
    let ann = Session::sign_in(&bases[0], &books.email, &books.password);
    for base in &bases {
        let me = ann.get(&format!("{base}/api/v1/me"));
        spent += 1;
        assert_eq!(me.status, 200, "{base}: {}", me.body);
        assert_eq!(
            me.json()["user"]["email"],
            books.email.as_str(),
            "{}",
            me.body
        );
    }
    // Signed out on the second: refused on all three at once.
    let out = ann.post(&format!("{}/api/v1/auth/logout", bases[1]), "{}");
    spent += 1;
    assert!(out.status < 300, "sign out: {} {}", out.status, out.body);
    for base in &bases {
        assert_eq!(
            ann.get(&format!("{base}/api/v1/me")).status,
            401,
            "{base} still knows the ended session"
        );
    }

    // One allowance across the instances: alternate until one refuses, then all refuse.
    let bob = Session::sign_in(&bases[2], &books.email, &books.password);
    let mut granted = 0;
    let mut refused_at = None;
    for n in 0..(3 * API_ALLOWANCE) {
        let a = bob.get(&format!("{}/api/v1/me", bases[n % 3]));
        match a.status {
            200 => granted += 1,
            429 => {
                assert!(
                    a.header("retry-after").is_some(),
                    "a 429 says when to retry"
                );
                refused_at = Some(n);
                break;
            }
            s => panic!("unexpected {s}: {}", a.body),
        }
    }
    let refused_at = refused_at.expect("the allowance ran out");
    assert!(
        spent + granted == API_ALLOWANCE,
        "{granted} granted after {spent}: not one allowance of {API_ALLOWANCE} across the instances"
    );
    for base in &bases {
        let a = bob.get(&format!("{base}/api/v1/me"));
        assert_eq!(a.status, 429, "{base} counts on its own: {}", a.body);
    }
    eprintln!(
        "shared API allowance: {granted} granted over three instances, refused from request {}",
        refused_at + 1
    );

    // The schedulers of all three ticked at start: each periodic job exists once and ran once.
    let deadline = Instant::now() + Duration::from_secs(30);
    let rows = loop {
        let rows = jobs(&cluster.url());
        let settled = !rows.is_empty()
            && rows
                .iter()
                .all(|j| !matches!(j.state.as_str(), "queued" | "running"));
        if settled {
            break rows;
        }
        assert!(Instant::now() < deadline, "jobs still pending: {rows:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let scheduled: Vec<&JobRow> = rows.iter().filter(|j| j.key.is_some()).collect();
    assert!(
        !scheduled.is_empty(),
        "no periodic job was scheduled: {rows:?}"
    );
    let mut keys: Vec<&str> = scheduled.iter().filter_map(|j| j.key.as_deref()).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len(), "a period's job was enqueued twice");
    for j in &scheduled {
        assert_eq!(
            (j.state.as_str(), j.attempts),
            ("succeeded", 1),
            "{j:?} did not run exactly once"
        );
    }
    eprintln!(
        "scheduled jobs across three instances: {} kinds, each once: {:?}",
        scheduled.len(),
        scheduled
            .iter()
            .map(|j| j.kind.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(get(&format!("{}/readyz", bases[0]), &[]).status, 200);
}
