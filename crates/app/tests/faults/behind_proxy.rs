//! Three `flowsense serve` processes on one PostgreSQL database behind one address: HAProxy
//! from the shipped `deploy/haproxy.cfg` (round robin, health checks on `/readyz`), the
//! instances trusting it for `X-Forwarded-For` and counting limits in Redis. Everything goes
//! through the proxy, from two client addresses of this machine (two loopback addresses, so the
//! proxy appends a different one for each): a session signed in once is served by all three
//! (their logs show it); the sign-in limit counts each client's own address across the three,
//! and an `X-Forwarded-For` a client sends itself changes nothing; after an instance is killed
//! with SIGKILL and the health check has taken it out, the session is served without an error;
//! and a sign-out through the proxy ends the session on every instance.

use super::cluster::Cluster;
use super::instance::{Answer, Books, PATIENCE, Session, send_from};
use super::proxy::{Haproxy, LoggedServer, haproxy_binary};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Sign-in attempts one client address may make at once (the default limit), and how often
/// one more is allowed after that.
const SIGN_IN_BURST: usize = 30;
const SIGN_IN_REFILL: Duration = Duration::from_secs(10);

/// The killed instance's name in the proxy's configuration.
const KILLED: &str = "flowsense2";

/// Two client addresses of this run: `127.a.b.2` and `127.a.b.3` with `a` and `b` random, so
/// runs that share the Redis (whose counts outlive a run) never count each other's attempts.
fn client_addresses() -> (IpAddr, IpAddr) {
    let mut r = [0u8; 2];
    getrandom::fill(&mut r).expect("randomness");
    let a = r[0].max(1);
    (
        IpAddr::from([127, a, r[1], 2]),
        IpAddr::from([127, a, r[1], 3]),
    )
}

/// A person's machine at `ip`, reaching FlowSense only through the proxy.
struct Client {
    ip: IpAddr,
    proxy: String,
}

impl Client {
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        self.try_send(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path} from {}: {e}", self.ip))
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Answer, String> {
        let url = format!("{}{path}", self.proxy);
        send_from(Some(self.ip), method, &url, headers, body, PATIENCE)
    }

    /// A sign-in, with an `X-Forwarded-For` of the client's own when `claims` is set.
    fn sign_in(&self, email: &str, password: &str, claims: Option<&str>) -> Answer {
        let body = serde_json::json!({"email": email, "password": password}).to_string();
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(claimed) = claims {
            headers.push(("X-Forwarded-For", claimed));
        }
        self.send("POST", "/api/v1/auth/login", &headers, &body)
    }

    fn me(&self, session: &Session) -> Result<Answer, String> {
        self.try_send(
            "GET",
            "/api/v1/me",
            &[("Cookie", session.cookie.as_str())],
            "",
        )
    }
}

/// The session a successful sign-in answer sets.
fn session_of(answer: &Answer) -> Session {
    assert_eq!(answer.status, 200, "sign in: {}", answer.body);
    Session {
        cookie: answer
            .header("set-cookie")
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned(),
        csrf: answer.json()["csrf_token"]
            .as_str()
            .expect("a CSRF token")
            .to_owned(),
    }
}

/// The client address recorded with each session.
#[expect(
    clippy::disallowed_methods,
    reason = "the test reads what the processes wrote, around the store"
)]
fn session_addresses(url: &str) -> Vec<String> {
    super::read_as_owner(url, async |conn| {
        use sqlx::Row;
        sqlx::query("SELECT ip FROM sessions ORDER BY created_at")
            .fetch_all(conn)
            .await
            .expect("sessions")
            .iter()
            .map(|r| r.get(0))
            .collect()
    })
}

#[test]
fn three_instances_behind_haproxy_serve_one_session_and_one_limit_per_client() {
    let test = "three_instances_behind_haproxy_serve_one_session_and_one_limit_per_client";
    let Some(bin) = super::postgres_binaries(test) else {
        return;
    };
    let Some(haproxy) = haproxy_binary() else {
        flowsense_test_support::skip_for_missing_tool(
            "haproxy",
            " (Debian: apt-get install haproxy)",
        );
        return;
    };
    let cluster = Cluster::start(&bin);
    let books = Books::new(&cluster.url());
    let redis = super::many_instances::redis_url();
    let env = [
        ("FLOWSENSE_REDIS_URL", redis.as_str()),
        ("FLOWSENSE_TRUSTED_PROXIES", "127.0.0.1"),
        // One line per request, in the request's span with its route: which instance
        // answered what.
        ("RUST_LOG", "warn,tower_http=debug,flowsense_web=info"),
    ];
    let mut instances: Vec<LoggedServer> = std::thread::scope(|scope| {
        let starting: Vec<_> = (1..=3)
            .map(|i| {
                let log = books.ws.path(&format!("flowsense{i}.log"));
                let (books, env) = (&books, &env);
                scope.spawn(move || LoggedServer::start(books, env, log))
            })
            .collect();
        starting
            .into_iter()
            .map(|s| s.join().expect("an instance"))
            .collect()
    });
    let proxy = Haproxy::start(
        &haproxy,
        books.ws.dir.path(),
        [
            instances[0].address(),
            instances[1].address(),
            instances[2].address(),
        ],
    );
    let (a, b) = client_addresses();
    let alice = Client {
        ip: a,
        proxy: proxy.url.clone(),
    };
    let bob = Client {
        ip: b,
        proxy: proxy.url.clone(),
    };

    // Signed in through the proxy: the session records Bob's own address, not the proxy's.
    let session = session_of(&bob.sign_in(&books.email, &books.password, None));
    assert_eq!(session_addresses(&cluster.url()), vec![b.to_string()]);
    // Round robin: the one session is served by each instance.
    for _ in 0..12 {
        let me = bob.me(&session).expect("through the proxy");
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.json()["user"]["email"], books.email.as_str());
    }
    let spread: Vec<usize> = instances.iter().map(|i| i.served("/api/v1/me")).collect();
    eprintln!("/api/v1/me answered per instance: {spread:?}");
    assert_eq!(spread.iter().sum::<usize>(), 12, "{spread:?}");
    assert!(spread.iter().all(|n| *n >= 2), "not spread: {spread:?}");

    // Alice's failed sign-ins, each claiming another address in an X-Forwarded-For of her own:
    // one allowance for her address across the three instances.
    let started = Instant::now();
    let mut granted = 0;
    let mut refused = None;
    for n in 0..3 * SIGN_IN_BURST {
        let claimed = format!("198.51.100.{}", n + 1);
        let email = format!("nobody-{n}-{}@cafe.test", a.to_string().replace('.', "-"));
        let answer = alice.sign_in(&email, "not the password at all", Some(&claimed));
        match answer.status {
            401 => granted += 1,
            429 => {
                assert!(answer.header("retry-after").is_some(), "a 429 says when");
                refused = Some(answer);
                break;
            }
            s => panic!("sign-in answered {s}: {}", answer.body),
        }
    }
    let took = started.elapsed();
    assert!(refused.is_some(), "{granted} sign-ins and no refusal");
    let refilled = usize::try_from(took.as_secs() / SIGN_IN_REFILL.as_secs()).expect("small");
    assert!(
        (SIGN_IN_BURST..=SIGN_IN_BURST + refilled + 1).contains(&granted),
        "{granted} sign-ins granted in {took:?}: not one allowance of {SIGN_IN_BURST} for Alice's address"
    );
    let logins: Vec<usize> = instances
        .iter()
        .map(|i| i.served("/api/v1/auth/login"))
        .collect();
    eprintln!(
        "sign-in limit: {granted} of Alice's attempts granted in {took:?}, per instance {logins:?}"
    );
    assert!(
        logins.iter().all(|n| *n > 0 && *n < SIGN_IN_BURST),
        "no instance alone saw the limit: {logins:?}"
    );
    // Every instance now refuses Alice, even claiming to be Bob.
    for _ in 0..3 {
        let email = format!("nobody-again-{}@cafe.test", a.to_string().replace('.', "-"));
        let answer = alice.sign_in(&email, "not the password at all", Some(&b.to_string()));
        assert_eq!(answer.status, 429, "{}", answer.body);
    }
    // Bob claiming to be Alice is counted as Bob: refused as a wrong password, not limited.
    let answer = bob.sign_in(
        &format!("nobody-else-{}@cafe.test", b.to_string().replace('.', "-")),
        "not the password at all",
        Some(&a.to_string()),
    );
    assert_eq!(answer.status, 401, "{}", answer.body);

    // kill -9 one instance: once the health check has taken it out, no request fails.
    instances[1].kill();
    let killed_at = Instant::now();
    let (mut tried, mut failed) = (0, 0);
    let down = format!("Server flowsense/{KILLED} is DOWN");
    while !proxy.said().iter().any(|l| l.contains(&down)) {
        assert!(
            killed_at.elapsed() < Duration::from_secs(15),
            "the health check never took {KILLED} out: {:?}",
            proxy.said()
        );
        tried += 1;
        if !bob.me(&session).is_ok_and(|a| a.status == 200) {
            failed += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "the proxy took the killed instance out after {:?}; meanwhile {failed} of {tried} requests failed",
        killed_at.elapsed()
    );
    for _ in 0..30 {
        let me = bob.me(&session).expect("through the proxy");
        assert_eq!(me.status, 200, "after the kill: {}", me.body);
    }
    let after: Vec<usize> = [&instances[0], &instances[2]]
        .iter()
        .map(|i| i.served("/api/v1/me"))
        .collect();
    assert!(
        after[0] > spread[0] && after[1] > spread[2],
        "the two left share the load: {after:?} after {spread:?}"
    );

    // Signed out through the proxy: refused through it and by each instance left.
    let out = bob.send(
        "POST",
        "/api/v1/auth/logout",
        &[
            ("Cookie", session.cookie.as_str()),
            ("X-CSRF-Token", session.csrf.as_str()),
            ("Content-Type", "application/json"),
        ],
        "{}",
    );
    assert!(out.status < 300, "sign out: {} {}", out.status, out.body);
    for _ in 0..4 {
        let me = bob.me(&session).expect("through the proxy");
        assert_eq!(me.status, 401, "the ended session: {}", me.body);
    }
    for left in [&instances[0], &instances[2]] {
        let me = session.get(&format!("{}/api/v1/me", left.url));
        assert_eq!(me.status, 401, "{} still knows the ended session", left.url);
    }
}
