//! Field-encryption cost: seal+open throughput, and a sync-like write of 100,000 rows with one
//! encrypted column against the same write in plaintext. With `--features sqlcipher`, also the
//! cost of whole-file SQLCipher encryption (connection time, bulk insert). Run via
//! `bench/crypto.sh`; release build.

// The benchmark measures raw writes next to the store's, so it holds a pool and writes SQL itself.
#![expect(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "a benchmark of raw SQL beside the store"
)]

use flowsense_core::Currency;
use flowsense_storage::{FieldRef, Keyring, NewOrg, OpenOptions, OrgSettings, Store};
use sqlx::Executor;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::str::FromStr;
use std::time::{Duration, Instant};

const VALUES: usize = 1_000_000;
const ROWS: usize = 100_000;
const ROUNDS: usize = 6;

#[expect(clippy::cast_precision_loss, reason = "a displayed rate")]
fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Inserts ROWS transaction-like rows in one transaction; `secret` makes the last column.
async fn sync_like_write(
    pool: &sqlx::SqlitePool,
    mut secret: impl FnMut(usize) -> Vec<u8>,
) -> Duration {
    pool.execute("DELETE FROM bench_rows").await.expect("clear");
    let start = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    for i in 0..ROWS {
        sqlx::query(
            "INSERT INTO bench_rows (id, posted_on, amount_minor, currency, counterparty, description, category, external_id, secret) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i64::try_from(i).expect("a row number"))
        .bind("2026-03-14")
        .bind(-12_345_i64 - i64::try_from(i).expect("a row number"))
        .bind("USD")
        .bind("Acme Supplies Ltd")
        .bind("Monthly subscription, invoice INV-2026-0314")
        .bind("Software")
        .bind(format!("ext-{i}"))
        .bind(secret(i))
        .execute(&mut *tx)
        .await
        .expect("insert");
    }
    tx.commit().await.expect("commit");
    start.elapsed()
}

const BENCH_TABLE: &str = "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, posted_on TEXT NOT NULL, \
    amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, counterparty TEXT NOT NULL, description TEXT NOT NULL, \
    category TEXT NOT NULL, external_id TEXT NOT NULL, secret BLOB NOT NULL)";

async fn raw_pool(path: &std::path::Path, key: Option<&str>) -> sqlx::SqlitePool {
    let mut opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .expect("url")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    if let Some(key) = key {
        opts = opts.pragma("key", format!("\"x'{key}'\""));
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .expect("pool");
    pool.execute(BENCH_TABLE).await.expect("table");
    pool
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let keyring = Keyring::generate().expect("keyring");
    let store = Store::open(
        &format!("sqlite://{}/flowsense.db", dir.path().display()),
        &OpenOptions {
            create_if_missing: true,
            keyring: Some(keyring),
            ..OpenOptions::default()
        },
    )
    .await
    .expect("store");
    let org = store
        .create_org(&NewOrg {
            slug: "bench".into(),
            name: "Bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    // Every value sealed below, counted against the data key up front.
    let seals = VALUES + VALUES / 16 + ROWS * (ROUNDS + 1);
    let sealer = store
        .org_sealer(org, u64::try_from(seals).expect("a count"))
        .await
        .expect("sealer");

    println!("== seal+open throughput (AES-256-GCM, associated data, random nonce) ==");
    for size in [64usize, 4096] {
        let value = vec![0x5a_u8; size];
        let n = if size == 64 { VALUES } else { VALUES / 16 };
        let rows: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        let start = Instant::now();
        for i in 0..n {
            let field = FieldRef::new("connections", "access_token_enc", &rows[i % 1000]);
            let sealed = sealer.seal(&field, &value).expect("seal");
            let opened = sealer.open(&field, &sealed).expect("open");
            assert_eq!(opened.len(), size);
        }
        let d = start.elapsed();
        println!(
            "{size:>5}-byte values: {:>10.0} seal+open/s  {:>8.1} MB/s  ({n} values in {:.2} s)",
            per_sec(n, d),
            per_sec(n * size, d) / 1e6,
            d.as_secs_f64()
        );
    }

    println!("\n== sync-like write: {ROWS} rows in one transaction, one 64-byte secret column ==");
    let pool = raw_pool(&dir.path().join("plain-vs-sealed.db"), None).await;
    let rows: Vec<String> = (0..ROWS).map(|i| i.to_string()).collect();
    let (mut plain, mut sealed) = (Vec::new(), Vec::new());
    let seal_row = |i: usize| {
        let field = FieldRef::new("bench_rows", "secret", &rows[i]);
        sealer.seal(&field, &[0x5a; 64]).expect("seal")
    };
    for round in 0..ROUNDS {
        // Alternate the order so warm-up and background load hit both sides alike.
        if round % 2 == 0 {
            plain.push(sync_like_write(&pool, |_| vec![0x5a; 64]).await);
            sealed.push(sync_like_write(&pool, seal_row).await);
        } else {
            sealed.push(sync_like_write(&pool, seal_row).await);
            plain.push(sync_like_write(&pool, |_| vec![0x5a; 64]).await);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (p, s) = (median(&mut plain), median(&mut sealed));
    let start = Instant::now();
    for i in 0..ROWS {
        std::hint::black_box(seal_row(i));
    }
    let seal_only = start.elapsed();
    println!(
        "plaintext column: {:.3} s ({:.0} rows/s)",
        p.as_secs_f64(),
        per_sec(ROWS, p)
    );
    println!(
        "sealed column:    {:.3} s ({:.0} rows/s)",
        s.as_secs_f64(),
        per_sec(ROWS, s)
    );
    println!(
        "difference: {:+.1} % (median of {ROUNDS}, order alternated)",
        (s.as_secs_f64() / p.as_secs_f64() - 1.0) * 100.0
    );
    println!(
        "sealing alone for {ROWS} values: {:.3} s = {:.1} % of the plaintext write",
        seal_only.as_secs_f64(),
        seal_only.as_secs_f64() / p.as_secs_f64() * 100.0
    );
    pool.close().await;
    store.close().await;

    sqlcipher_costs(dir.path()).await;
}

#[cfg(not(feature = "sqlcipher"))]
#[expect(
    clippy::unused_async,
    reason = "the same signature as the sqlcipher build's, which awaits"
)]
async fn sqlcipher_costs(_: &std::path::Path) {
    println!("\n(SQLCipher figures: rerun with --features sqlcipher)");
}

#[cfg(feature = "sqlcipher")]
async fn sqlcipher_costs(dir: &std::path::Path) {
    use sqlx::{ConnectOptions, Connection};
    println!("\n== SQLCipher whole-file encryption (raw 256-bit key) ==");
    let key = "2dd29ca851e7b56e4697b0e1f08507293d761a05ce4d1b628663f411a8086d99";
    for (label, key, file) in [
        ("plain SQLite", None, "plain.db"),
        ("SQLCipher   ", Some(key), "cipher.db"),
    ] {
        let path = dir.join(file);
        let pool = raw_pool(&path, key).await;
        let d = sync_like_write(&pool, |_| vec![0x5a; 64]).await;
        pool.close().await;
        let mut opts =
            SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display())).expect("url");
        if let Some(key) = key {
            opts = opts.pragma("key", format!("\"x'{key}'\""));
        }
        let start = Instant::now();
        for _ in 0..200 {
            let mut c = opts.connect().await.expect("connect");
            c.execute("SELECT count(*) FROM sqlite_master")
                .await
                .expect("query");
            c.close().await.expect("close");
        }
        let connect = start.elapsed() / 200;
        println!(
            "{label}: connect+first query {:.3} ms; {ROWS}-row insert {:.3} s",
            connect.as_secs_f64() * 1e3,
            d.as_secs_f64()
        );
    }
}
