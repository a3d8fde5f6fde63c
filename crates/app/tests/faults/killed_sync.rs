//! `kill -9` of a real `flowsense serve` in the middle of a QuickBooks sync, right after it
//! rotated the connection's tokens: the organisation is connected through the real consent flow
//! against the QuickBooks fake, whose access tokens live only a few seconds past the five
//! minutes before expiry at which the server refreshes them, so the server refreshes (and the
//! fake rotates the refresh token, as Intuit does) every few seconds of the sync. The first
//! `serve` is killed as soon as the database shows a refresh it saved with some rows in; a
//! second `serve` on the same database takes the job over once its lease has lapsed. The job
//! ends once, succeeded; every bank movement and document of the fake's books is stored once;
//! the cursor is the incremental one; and every refresh the fake granted was saved, so the
//! stored refresh token still works: one more sync, asked for afterwards, refreshes with it.

use super::cluster::Cluster;
use super::instance::{Books, Session};
use super::sync_check::{Db, connection_id, expected, free_address, token_requests, wait_for};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use std::time::{Duration, Instant};

/// Bank transactions in the generated books: a sync of several pages and seconds.
const TRANSACTIONS: usize = 20_000;

/// The lease the servers claim jobs for.
const LEASE_SECONDS: &str = "3";

/// The fake's access-token lifetime: the server refreshes a token that expires within five
/// minutes, so it refreshes this one three seconds after getting it.
const ACCESS_TOKEN_SECONDS: i64 = 5 * 60 + 3;

#[test]
fn a_sync_of_a_killed_instance_is_taken_over_with_nothing_lost_or_doubled() {
    let test = "a_sync_of_a_killed_instance_is_taken_over_with_nothing_lost_or_doubled";
    let Some(bin) = super::postgres_binaries(test) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime for the fake");
    // Dated within the last 80 days: the servers' retention purge (90 days) leaves them be.
    let today = chrono::Utc::now().date_naive();
    let generated = flowsense_synth::generate(&flowsense_synth::GenConfig {
        seed: 19,
        transactions: TRANSACTIONS,
        start: today - chrono::Days::new(80),
        months: Some(2),
        ..flowsense_synth::GenConfig::default()
    })
    .expect("books");
    // Each instance's address is its public URL (`serve` says where it runs by that URL); the
    // first's is where the fake's consent page sends the admin back.
    let addresses = [free_address(), free_address()];
    let fake = rt
        .block_on(QuickBooksFake::start(
            &generated,
            FakeConfig {
                redirect_uris: vec![format!("http://{}/oauth/quickbooks/callback", addresses[0])],
                access_token_lifetime: chrono::Duration::seconds(ACCESS_TOKEN_SECONDS),
                ..FakeConfig::default()
            },
            std::sync::Arc::new(flowsense_core::clock::SystemClock),
        ))
        .expect("the QuickBooks fake");
    let (want, want_documents) = expected(&fake);
    let total: i64 = want.values().map(|v| v.0).sum();
    let prefix = format!("quickbooks:{}:", fake.config().realm_id);

    let cluster = Cluster::start(&bin);
    let books = Books::new(&cluster.url());
    let mut db = Db::connect(&rt, &cluster.url());
    let base = fake.base_url();
    let public_urls = addresses.each_ref().map(|a| format!("http://{a}"));
    let env = |i: usize| {
        [
            ("FLOWSENSE_ADDR", addresses[i].as_str()),
            ("FLOWSENSE_PUBLIC_URL", public_urls[i].as_str()),
            ("QUICKBOOKS_CLIENT_ID", fake.config().client_id.as_str()),
            (
                "QUICKBOOKS_CLIENT_SECRET",
                fake.config().client_secret.as_str(),
            ),
            ("QUICKBOOKS_BASE_URL", base.as_str()),
            ("QUICKBOOKS_SANDBOX", "true"),
            ("FLOWSENSE_JOB_LEASE_SECONDS", LEASE_SECONDS),
        ]
    };
    let mut first = books.serve(&env(0));

    // Connect as an admin would: the API's authorize URL, the fake's consent page, the callback.
    let ann = Session::sign_in(&first.url, &books.email, &books.password);
    let started = ann.post(
        &format!("{}/api/v1/orgs/cafe/connections", first.url),
        r#"{"provider":"quickbooks"}"#,
    );
    assert_eq!(started.status, 201, "{}", started.body);
    let authorize = started.json()["authorize_url"]
        .as_str()
        .expect("an authorize URL")
        .to_owned();
    let query = rt
        .block_on(flowsense_fakes::decide_consent(&authorize, true))
        .expect("consent");
    let back = ann.get(&format!("{}/oauth/quickbooks/callback?{query}", first.url));
    assert!(
        back.header("location")
            .is_some_and(|l| l.contains("connection=connected")),
        "{} {:?} {}",
        back.status,
        back.header("location"),
        back.body
    );
    let connected = db.progress();
    assert_eq!(connected.syncs.len(), 1, "the connection queued its sync");
    let job = connected.syncs[0].0;
    let connected_version = connected.token_version;

    // Kill right after a refresh the first instance saved, mid-sync.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen_version = connected_version;
    let killed = loop {
        let p = db.progress();
        assert!(
            p.syncs.iter().all(|j| j.1 != "succeeded"),
            "the sync finished before the kill: raise TRANSACTIONS ({p:?})"
        );
        let running = p.syncs.iter().any(|j| j.0 == job && j.1 == "running");
        if p.token_version > seen_version && p.movements > 0 && running {
            first.stop(); // SIGKILL: no shutdown, the job's lease left as it was.
            break p;
        }
        seen_version = p.token_version;
        assert!(Instant::now() < deadline, "no refresh mid-sync: {p:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    let at_kill = db.progress();
    assert_eq!(at_kill.token_version, killed.token_version, "{at_kill:?}");
    assert_eq!(at_kill.syncs, vec![(job, "running".to_owned(), 1)]);
    assert!(at_kill.movements < total, "mid-sync: {at_kill:?}");
    let (granted, refused) = token_requests(&fake);
    assert!(
        refused.is_empty(),
        "the fake refused a token request: {refused:?}"
    );
    assert_eq!(
        granted - 1,
        at_kill.token_version - connected_version,
        "every refresh the fake granted (after the code exchange) was saved"
    );
    eprintln!(
        "killed the first instance after {} refreshes, {} of {total} movements in",
        at_kill.token_version - connected_version,
        at_kill.movements
    );

    let killed_at = Instant::now();
    let second = books.serve(&env(1));
    let finished = wait_for(
        &mut db,
        "the sync was not taken over",
        Duration::from_secs(180),
        |p| {
            p.syncs
                .iter()
                .any(|j| j.0 == job && j.1 != "running" && j.1 != "queued")
        },
    );
    let took = killed_at.elapsed();
    eprintln!("the second instance finished the sync {took:?} after the kill");
    assert!(
        took >= Duration::from_secs(2),
        "taken over before the lease could lapse ({took:?})"
    );
    // Once: the job succeeded on its second attempt (the killed instance's claim was the first);
    // another sync exists only if a new hour's poll queued it.
    let ours = finished.syncs.iter().find(|j| j.0 == job).expect("the job");
    assert_eq!((ours.1.as_str(), ours.2), ("succeeded", 2), "{finished:?}");
    if finished.polls == 1 {
        assert_eq!(finished.syncs.len(), 1, "{finished:?}");
    }
    // Exact: every movement and document of the fake's books once.
    assert_eq!(db.stored(&prefix), want);
    assert_eq!(finished.movements, total);
    assert_eq!(
        finished.distinct_movements, total,
        "a movement stored twice"
    );
    assert_eq!(finished.documents, want_documents);
    assert_eq!(finished.distinct_documents, want_documents);
    // Final: active, no error, the incremental (CDC) cursor.
    assert_eq!(finished.status, "active", "{finished:?}");
    assert_eq!(finished.last_error, None);
    assert!(finished.synced);
    assert!(
        finished
            .cursor
            .as_deref()
            .is_some_and(|c| c.contains(r#""mode":"cdc""#)),
        "{:?}",
        finished.cursor
    );
    // The second instance refreshed with the refresh token the first saved, and every grant
    // since was saved too.
    assert!(
        finished.token_version > at_kill.token_version,
        "the second instance never refreshed: {finished:?}"
    );
    let (granted, refused) = token_requests(&fake);
    assert!(
        refused.is_empty(),
        "the fake refused a token request: {refused:?}"
    );
    assert_eq!(granted - 1, finished.token_version - connected_version);

    // Deliberately: once the stored access token is due for a refresh, one more sync refreshes
    // with the stored refresh token, and changes nothing.
    std::thread::sleep(Duration::from_secs(4));
    let asked = ann.post(
        &format!(
            "{}/api/v1/orgs/cafe/connections/{}/sync",
            second.url,
            connection_id(&mut db)
        ),
        "{}",
    );
    assert_eq!(asked.status, 202, "{}", asked.body);
    let again = wait_for(&mut db, "the second sync", Duration::from_secs(60), |p| {
        p.syncs.len() > finished.syncs.len() && p.syncs.iter().all(|j| j.1 == "succeeded")
    });
    assert!(again.token_version > finished.token_version, "{again:?}");
    let (granted, refused) = token_requests(&fake);
    assert!(
        refused.is_empty(),
        "the stored refresh token was refused: {refused:?}"
    );
    assert_eq!(granted - 1, again.token_version - connected_version);
    assert_eq!(again.status, "active");
    assert_eq!(db.stored(&prefix), want);
    assert_eq!(again.movements, total);
    assert_eq!(again.documents, want_documents);
    eprintln!(
        "{} refreshes in all, each saved; {total} movements and {want_documents} documents, once",
        again.token_version - connected_version
    );
}
