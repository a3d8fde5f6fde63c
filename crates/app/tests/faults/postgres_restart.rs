//! PostgreSQL stopped (`pg_ctl stop -m immediate`) under a running `flowsense serve` with
//! requests in flight: every request fails fast with a 503 that names nothing internal,
//! `/readyz` says not ready, and once PostgreSQL is back the same process serves again.

use super::cluster::Cluster;
use super::instance::{Answer, Books, Session, get};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest a request may take while the database is down (the pool's acquire timeout is
/// 3 s; the rest is slack for a loaded machine).
const FAIL_FAST: Duration = Duration::from_secs(5);

/// Words of the internals that a 503 must not show.
const INTERNALS: [&str; 8] = [
    "sqlx",
    "pool",
    "Pool",
    "postgres",
    "Io(",
    "connection refused",
    "at src/",
    "panicked",
];

fn assert_clean_503(a: &Answer, what: &str) {
    assert_eq!(a.status, 503, "{what}: {}", a.body);
    assert!(a.took < FAIL_FAST, "{what} took {:?}", a.took);
    for word in INTERNALS {
        assert!(!a.body.contains(word), "{what} names {word}: {}", a.body);
    }
}

/// Requests from `threads` loops until `stop`: each one's status (0: no answer) and time.
fn load(
    base: &str,
    session: &Session,
    threads: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<(u16, Duration)>>> {
    (0..threads)
        .map(|_| {
            let (url, session, stop) = (format!("{base}/api/v1/me"), session.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    match session.try_get(&url, Duration::from_secs(20)) {
                        Ok(a) => seen.push((a.status, a.took)),
                        Err(_) => seen.push((0, started.elapsed())),
                    }
                }
                seen
            })
        })
        .collect()
}

#[test]
fn postgres_stopped_under_load_answers_503_fast_and_the_same_server_recovers() {
    let Some(bin) = super::postgres_binaries(
        "postgres_stopped_under_load_answers_503_fast_and_the_same_server_recovers",
    ) else {
        return;
    };
    let cluster = Cluster::start(&bin);
    let books = Books::new(&cluster.url());
    // Four loops of one user would meet the per-user API limit, which is not what is tested.
    let server = books.serve(&[("FLOWSENSE_RATE_LIMIT_API", "1000000/1s")]);
    let base = server.url.clone();
    let ann = Session::sign_in(&base, &books.email, &books.password);
    assert_eq!(ann.get(&format!("{base}/api/v1/me")).status, 200);
    assert_eq!(get(&format!("{base}/readyz"), &[]).status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let loaders = load(&base, &ann, 4, &stop);
    std::thread::sleep(Duration::from_millis(500));
    cluster.stop_immediately();
    let stopped = Instant::now();

    // While it is down: the API, a page and readiness, each a prompt, clean 503.
    let mut slowest = Duration::ZERO;
    for round in 0..2 {
        let (me, page, ready) = std::thread::scope(|s| {
            let me = s.spawn(|| ann.get(&format!("{base}/api/v1/me")));
            let page = s.spawn(|| ann.get(&format!("{base}/app/cafe")));
            let ready = s.spawn(|| get(&format!("{base}/readyz"), &[]));
            (
                me.join().unwrap(),
                page.join().unwrap(),
                ready.join().unwrap(),
            )
        });
        assert_clean_503(&me, &format!("GET /api/v1/me, round {round}"));
        assert_eq!(me.json()["error"]["code"], "unavailable", "{}", me.body);
        assert!(
            me.header("retry-after").is_some(),
            "a 503 says when to retry"
        );
        assert_clean_503(&page, "the dashboard page");
        assert!(
            page.body.contains("Temporarily unavailable"),
            "{}",
            page.body
        );
        assert_clean_503(&ready, "/readyz");
        slowest = slowest.max(me.took).max(page.took).max(ready.took);
    }
    let down_for = stopped.elapsed();

    cluster.resume();
    let resumed = Instant::now();
    let recovered = loop {
        let me = ann.get(&format!("{base}/api/v1/me"));
        if me.status == 200 {
            break resumed.elapsed();
        }
        assert_clean_503(&me, "GET /api/v1/me while PostgreSQL starts");
        assert!(
            resumed.elapsed() < Duration::from_secs(30),
            "the server did not recover"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(get(&format!("{base}/readyz"), &[]).status, 200);
    // The session signed in before the restart still works: nothing was lost.
    assert_eq!(ann.get(&format!("{base}/app/cafe")).status, 200);

    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let per_thread: Vec<Vec<(u16, Duration)>> =
        loaders.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        per_thread
            .iter()
            .all(|s| s.last().is_some_and(|(s, _)| *s == 200)),
        "the load recovered too: each thread's last answers {:?}",
        per_thread
            .iter()
            .map(|s| s.iter().rev().take(3).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    let seen: Vec<(u16, Duration)> = per_thread.into_iter().flatten().collect();
    let unavailable: Vec<Duration> = seen
        .iter()
        .filter(|(s, _)| *s == 503)
        .map(|(_, t)| *t)
        .collect();
    let odd: Vec<_> = seen
        .iter()
        .filter(|(s, _)| ![200, 503].contains(s))
        .collect();
    assert!(
        odd.is_empty(),
        "answers other than 200 or 503 under load: {odd:?}"
    );
    assert!(!unavailable.is_empty(), "the load met the outage");
    let worst = unavailable.iter().max().copied().unwrap_or_default();
    assert!(worst < FAIL_FAST, "a 503 under load took {worst:?}");
    eprintln!(
        "PostgreSQL restart: {} requests under load ({} answered 503, slowest 503 {:?}); \
         slowest probe while down {slowest:?}; down {down_for:?}; \
         serving again {recovered:?} after PostgreSQL started",
        seen.len(),
        unavailable.len(),
        worst,
    );
    drop(server);
}
