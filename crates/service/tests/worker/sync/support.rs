//! A QuickBooks fake over generated books, a services context whose QuickBooks client points at
//! it, an organisation, and a connection made through the real consent flow.

use chrono::{DateTime, TimeZone, Utc};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_core::{Currency, OrgId};
use flowsense_fakes::decide_consent;
use flowsense_fakes::quickbooks::ledger::{Kind, Status};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_integrations::quickbooks::{
    Callback, Endpoints, Loopback, PAGE_SIZE, QuickBooks, QuickBooksConfig, RetryPolicy,
    parse_callback,
};
use flowsense_service::{Context, Providers};
use flowsense_storage::{NewOrg, OrgSettings, Store};
use flowsense_synth::{GenConfig, GeneratedBooks, generate};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub const REDIRECT: &str = "http://127.0.0.1:8080/oauth/quickbooks/callback";

/// After the generated books end (they start 2024-01-01 and last at most 36 months).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

pub fn books(transactions: usize) -> GeneratedBooks {
    generate(&GenConfig::new(11, transactions)).expect("books")
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        request_timeout: Duration::from_secs(5),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A client of `fake`'s endpoints, as the instance would build one from its settings.
pub fn client(
    fake_base: &str,
    client_id: &str,
    secret: &str,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
) -> QuickBooks {
    let endpoints = Endpoints::parse(
        &format!("{fake_base}/connect/oauth2"),
        &format!("{fake_base}/oauth2/v1/tokens/bearer"),
        &format!("{fake_base}/v2/oauth2/tokens/revoke"),
        fake_base,
    )
    .expect("endpoints");
    let config = QuickBooksConfig {
        endpoints,
        client_id: client_id.to_owned(),
        client_secret: SecretString::from(secret.to_owned()),
        redirect_uri: REDIRECT.to_owned(),
        loopback: Loopback::Allowed,
        retry,
    };
    QuickBooks::new(config, clock).expect("client")
}

pub struct SyncEnv {
    pub fake: QuickBooksFake,
    pub qb: Arc<QuickBooks>,
    pub clock: Arc<ManualClock>,
    pub ctx: Context,
    pub org: OrgId,
    pub connection: Uuid,
    _outbox: tempfile::TempDir,
}

pub async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("create org")
        .id
}

/// The fake over `books`, a context that reaches it, and a connection of a new organisation.
pub async fn sync_env(
    store: &Store,
    books: &GeneratedBooks,
    config: FakeConfig,
    retry: RetryPolicy,
) -> SyncEnv {
    let clock = Arc::new(ManualClock::new(start_time()));
    let config = FakeConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..config
    };
    let fake = QuickBooksFake::start(books, config, clock.clone())
        .await
        .expect("fake");
    let qb = Arc::new(client(
        &fake.base_url(),
        &fake.config().client_id,
        &fake.config().client_secret,
        clock.clone(),
        retry,
    ));
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = crate::support::context(store, outbox.path())
        .with_clock(clock.clone())
        .with_providers(Providers {
            quickbooks: Some(qb.clone()),
            ..Providers::default()
        });
    let org = org(store, "synced").await;
    let (connection, _realm) = connect(&ctx, &qb, org).await;
    SyncEnv {
        fake,
        qb,
        clock,
        ctx,
        org,
        connection,
        _outbox: outbox,
    }
}

/// The connect flow, approved, with the connection stored as the connect pages store it.
pub async fn connect(ctx: &Context, qb: &QuickBooks, org: OrgId) -> (Uuid, String) {
    let state = "state-bound-to-the-session-0001";
    let query = decide_consent(qb.authorize_url(state).as_str(), true)
        .await
        .expect("consent");
    let Callback::Approved { code, realm_id } = parse_callback(&query, state).expect("callback")
    else {
        panic!("consent was refused");
    };
    let tokens = qb.exchange_code(&code).await.expect("tokens");
    let id = ctx
        .store
        .create_connection(org, "quickbooks", &realm_id)
        .await
        .expect("connection");
    ctx.store
        .save_connection_tokens(
            org,
            id,
            &tokens.access_token,
            &tokens.refresh_token,
            Some(tokens.access_expires_at),
        )
        .await
        .expect("tokens saved");
    (id, realm_id)
}

/// Per bank or card account (by QuickBooks id): movements and their sum, from the fake's live
/// ledger; and the live invoices and bills.
pub fn expected(fake: &QuickBooksFake) -> (BTreeMap<String, (i64, i64)>, i64) {
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
    (out, i64::try_from(documents).expect("count"))
}

/// What the store holds for the connection, in the same shape.
pub async fn stored(env: &SyncEnv) -> (BTreeMap<String, (i64, i64)>, i64) {
    stored_for(&env.ctx, env.org, env.connection).await
}

/// What the store holds for `connection` of `org`: per account (movements, sum), documents.
pub async fn stored_for(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
) -> (BTreeMap<String, (i64, i64)>, i64) {
    let (accounts, documents) = ctx
        .store
        .synced_totals(org, connection)
        .await
        .expect("totals");
    let per_account = accounts
        .into_iter()
        .map(|a| (a.provider_account_id, (a.transactions, a.original_minor)))
        .collect();
    (per_account, documents)
}

/// `⌊n / 1000⌋ + 1` requests per entity type: the least STARTPOSITION/MAXRESULTS paging allows.
pub fn paging_minimum(fake: &QuickBooksFake) -> usize {
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

/// The first entity of one of `kinds` that moves money in a bank or card account.
pub fn first(env: &SyncEnv, kinds: &[Kind]) -> u64 {
    let ledger = env.fake.ledger();
    let money: Vec<u64> = ledger
        .accounts
        .iter()
        .filter(|a| matches!(a.account_type, "Bank" | "Credit Card"))
        .map(|a| a.id)
        .collect();
    ledger
        .entities
        .iter()
        .find(|e| kinds.contains(&e.kind) && money.contains(&e.account))
        .unwrap_or_else(|| {
            let present: std::collections::BTreeSet<String> = ledger
                .entities
                .iter()
                .filter(|e| money.contains(&e.account))
                .map(|e| format!("{:?}", e.kind))
                .collect();
            panic!(
                "none of {kinds:?} in bank or card accounts; present: {present:?}; money {money:?}"
            )
        })
        .id
}
