//! The sync of a QuickBooks Online company or a Xero organisation, for `bench/sync.sh`: the
//! faithful fake on loopback serves generated books of about N transactions, a connection is
//! made through the real consent flow, one `connection.sync` run (the function the job calls)
//! backfills them into the database at URL, then 100 transactions are edited at the fake and
//! one more run reads the changes.
//!
//! `sync_bench PROVIDER URL N` (PROVIDER `quickbooks` or `xero`) prints one line of `key=value`
//! figures per phase (`backfill`, `incremental`): the rows the run applied, the provider
//! requests it made against the least the paging allows, the wall seconds, rows a second and the
//! process's peak resident memory during that phase (the peak is reset between the phases).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

mod quickbooks;
mod xero;

use chrono::{DateTime, TimeZone, Utc};
use flowsense_core::clock::ManualClock;
use flowsense_core::{Currency, OrgId};
use flowsense_mail::FileMailer;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::sync::sync_connection;
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::{Keyring, NewOrg, OpenOptions, OrgSettings, Store};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// Transactions edited at the fake before the incremental run.
const EDITS: usize = 100;

/// A connected provider fake, ready to sync.
pub struct Connected {
    pub ctx: Context,
    pub org: OrgId,
    pub connection: Uuid,
    pub fake: Box<dyn Fake>,
}

/// What the bench asks of a provider's fake.
pub trait Fake {
    /// Requests the fake has received.
    fn requests(&self) -> usize;
    /// The fewest requests a backfill of its books can make.
    fn backfill_minimum(&self) -> usize;
    /// The fewest requests an incremental read can make.
    fn incremental_minimum(&self) -> usize;
    /// Edits the amounts of `n` live transactions in bank accounts; returns how many.
    fn edit(&self, n: usize) -> usize;
}

/// After the generated books end (they start 2024-01-01 and last at most 36 months).
fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0).single().unwrap()
}

/// A services context over `store` with the bench's clock (the providers are set by the caller).
fn context(store: &Store, clock: Arc<ManualClock>, outbox: &std::path::Path) -> Context {
    let mailer = FileMailer::new(outbox, "FlowSense <noreply@bench.test>").expect("outbox");
    Context::new(
        store.clone(),
        InstanceKey::generate(),
        Arc::new(mailer),
        &ContextSettings::new("http://127.0.0.1:8080"),
    )
    .expect("context")
    .with_clock(clock)
}

/// Stores the connection a consent flow made, with its tokens, as the connect pages do.
async fn save_connection(
    ctx: &Context,
    org: OrgId,
    provider: &str,
    tenant: &str,
    access: &SecretString,
    refresh: &SecretString,
    access_expires_at: DateTime<Utc>,
) -> Uuid {
    let connection = ctx
        .store
        .create_connection(org, provider, tenant)
        .await
        .expect("connection");
    ctx.store
        .save_connection_tokens(org, connection, access, refresh, Some(access_expires_at))
        .await
        .expect("tokens");
    connection
}

async fn org(store: &Store) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: format!("bench-{}", std::process::id()),
            name: "Sync bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id
}

/// Forgets the peak resident set so far (Linux `clear_refs` 5), so the next phase's peak is
/// its own. False where the kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
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

/// One sync run, timed, and its figures printed.
async fn phase(provider: &str, name: &str, bench: &Connected, minimum: usize) {
    let before = bench.fake.requests();
    let started = Instant::now();
    let report = sync_connection(&bench.ctx, bench.org, bench.connection)
        .await
        .expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    let requests = bench.fake.requests() - before;
    let rows = report.counts.total();
    #[expect(clippy::cast_precision_loss, reason = "a rate to print")]
    let rate = rows as f64 / seconds.max(1e-9);
    println!(
        "provider={provider} phase={name} rows={rows} movements={} documents={} removed={} requests={requests} minimum={minimum} pages={} seconds={seconds:.2} rows_per_s={rate:.0} peak_rss_mb={}",
        report.counts.movements,
        report.counts.documents,
        report.counts.removed,
        report.pages,
        peak_rss_mb(),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [provider, url, n] = args.as_slice() else {
        panic!("usage: sync_bench quickbooks|xero DATABASE_URL TRANSACTIONS")
    };
    let n: usize = n.parse().expect("TRANSACTIONS");
    // Tokens are sealed with the organisation's key, under a master key of this run's own.
    let keys = tempfile::tempdir().expect("key folder");
    let keyring = Keyring::load_or_create(&keys.path().join("master.key")).expect("keyring");
    let store = Store::open(
        url,
        &OpenOptions {
            create_if_missing: true,
            keyring: Some(keyring),
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open");
    let clock = Arc::new(ManualClock::new(start_time()));
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(&store, clock.clone(), outbox.path());
    let org = org(&store).await;
    let bench = match provider.as_str() {
        "quickbooks" => quickbooks::connect(ctx, org, clock.clone(), n).await,
        "xero" => xero::connect(ctx, org, clock.clone(), n).await,
        other => panic!("no bench for provider {other}"),
    };

    let reset = reset_peak_rss();
    phase(provider, "backfill", &bench, bench.fake.backfill_minimum()).await;
    clock.advance(chrono::Duration::minutes(10));
    let edited = bench.fake.edit(EDITS);
    assert_eq!(edited, EDITS, "edits made at the fake");
    clock.advance(chrono::Duration::minutes(1));
    let reset = reset_peak_rss() && reset;
    phase(
        provider,
        "incremental",
        &bench,
        bench.fake.incremental_minimum(),
    )
    .await;
    if !reset {
        eprintln!("the kernel refused to reset the peak: peak_rss_mb is the process's peak so far");
    }
}
