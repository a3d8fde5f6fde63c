//! The initial sync of a QuickBooks Online company, for `bench/sync.sh`: the faithful fake on
//! loopback serves generated books of about N transactions, a connection is made through the
//! real consent flow, and one `connection.sync` run (the same function the job calls) backfills
//! them into the database at URL.
//!
//! `sync_bench URL N` prints one line of `key=value` figures: the transactions generated, the
//! rows the sync applied, the provider requests it made against the least the paging allows
//! (`⌊n / 1000⌋ + 1` per entity type), the wall seconds and the process's peak resident memory.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

use flowsense_core::Currency;
use flowsense_core::clock::{Clock, SystemClock};
use flowsense_fakes::quickbooks::approve_consent;
use flowsense_fakes::quickbooks::ledger::{Kind, Status};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_integrations::quickbooks::{
    Callback, Endpoints, Loopback, PAGE_SIZE, QuickBooks, QuickBooksConfig, RetryPolicy,
    parse_callback,
};
use flowsense_mail::FileMailer;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::sync::sync_connection;
use flowsense_service::{Context, ContextSettings, Providers};
use flowsense_storage::{NewOrg, OpenOptions, OrgSettings, Store};
use flowsense_synth::{GenConfig, generate};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Instant;

const REDIRECT: &str = "http://127.0.0.1:8080/oauth/quickbooks/callback";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, n] = args.as_slice() else {
        panic!("usage: sync_bench DATABASE_URL TRANSACTIONS")
    };
    let n: usize = n.parse().expect("TRANSACTIONS");
    let store = Store::open(
        url,
        &OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open");
    let books = generate(&GenConfig::new(11, n)).expect("books");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let fake = QuickBooksFake::start(
        &books,
        FakeConfig {
            redirect_uris: vec![REDIRECT.to_owned()],
            ..FakeConfig::default()
        },
        clock.clone(),
    )
    .await
    .expect("fake");
    let base = fake.base_url();
    let qb = Arc::new(
        QuickBooks::new(
            QuickBooksConfig {
                endpoints: Endpoints::parse(
                    &fake.authorize_url(),
                    &fake.token_url(),
                    &fake.revoke_url(),
                    &base,
                )
                .expect("endpoints"),
                client_id: fake.config().client_id.clone(),
                client_secret: SecretString::from(fake.config().client_secret.clone()),
                redirect_uri: REDIRECT.to_owned(),
                loopback: Loopback::Allowed,
                retry: RetryPolicy::default(),
            },
            clock,
        )
        .expect("client"),
    );
    let outbox = tempfile::tempdir().expect("outbox");
    let mailer = FileMailer::new(outbox.path(), "FlowSense <noreply@bench.test>").expect("outbox");
    let ctx = Context::new(
        store.clone(),
        InstanceKey::generate(),
        Arc::new(mailer),
        &ContextSettings::new("http://127.0.0.1:8080"),
    )
    .expect("context")
    .with_providers(Providers {
        quickbooks: Some(qb.clone()),
        ..Providers::default()
    });
    let org = store
        .create_org(&NewOrg {
            slug: format!("bench-{}", std::process::id()),
            name: "Sync bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;

    // The consent flow, as a browser would click through it.
    let state = "bench-state-0000000000000000000000";
    let query = approve_consent(qb.authorize_url(state).as_str())
        .await
        .expect("consent");
    let Callback::Approved { code, realm_id } = parse_callback(&query, state).expect("callback")
    else {
        panic!("consent refused")
    };
    let tokens = qb.exchange_code(&code).await.expect("tokens");
    let connection = store
        .create_connection(org, "quickbooks", &realm_id)
        .await
        .expect("connection");
    store
        .save_connection_tokens(
            org,
            connection,
            &tokens.access_token,
            &tokens.refresh_token,
            Some(tokens.access_expires_at),
        )
        .await
        .expect("tokens");

    let before = fake.request_count();
    let started = Instant::now();
    let report = sync_connection(&ctx, org, connection).await.expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    let requests = fake.request_count() - before;
    println!(
        "generated={} movements={} documents={} accounts={} requests={} minimum={} pages={} seconds={seconds:.2} peak_rss_mb={}",
        books.transactions.len(),
        report.counts.movements,
        report.counts.documents,
        report.counts.accounts,
        requests,
        paging_minimum(&fake),
        report.pages,
        peak_rss_mb(),
    );
}

/// `⌊n / 1000⌋ + 1` requests per entity type: the least `STARTPOSITION`/`MAXRESULTS` paging
/// allows.
fn paging_minimum(fake: &QuickBooksFake) -> usize {
    let ledger = fake.ledger();
    Kind::ALL
        .iter()
        .map(|&k| {
            let n = if k == Kind::Account {
                ledger.accounts.len()
            } else {
                ledger
                    .entities
                    .iter()
                    .filter(|e| e.kind == k && e.status != Status::Deleted)
                    .count()
            };
            n / PAGE_SIZE + 1
        })
        .sum()
}

/// The process's peak resident set (`VmHWM`), in MiB; 0 where /proc does not say.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
