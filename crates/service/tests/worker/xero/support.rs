//! A Xero fake over generated books (one organisation or two), a services context whose Xero
//! client points at it, an organisation with an admin and a member, and the connect flow as an
//! admin's browser goes through it.

use chrono::{DateTime, TimeZone, Utc};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_core::{Currency, OrgId, Role};
use flowsense_fakes::decide_consent;
use flowsense_fakes::xero::ledger::{Kind, Status};
use flowsense_fakes::{XeroFake, XeroFakeConfig};
use flowsense_integrations::xero::{Endpoints, Loopback, RetryPolicy, Xero, XeroConfig};
use flowsense_service::connections::{
    self, Finished, Provider, WebhookSecrets, begin_connect, finish_connect,
};
use flowsense_service::identity::Caller;
use flowsense_service::orgs::OrgAccess;
use flowsense_service::{Context, Providers};
use flowsense_storage::{NewOrg, NewUser, OrgSettings, Store};
use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub const REDIRECT: &str = "http://127.0.0.1:8080/oauth/xero/callback";

pub const WEBHOOK_KEY: &str = "xero-webhook-key-for-the-tests";
pub const TRADING: &str = "Demo Trading Ltd";
pub const SERVICES: &str = "Demo Services Ltd";

/// After the generated books end (they start 2024-01-01 and last at most 36 months).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

/// "Demo Trading Ltd" with about `transactions` bank lines, and, when `two`, "Demo Services
/// Ltd" (a dental practice) too.
pub fn books(transactions: usize, two: bool) -> Vec<GeneratedBooks> {
    let mut out = vec![
        generate(&GenConfig {
            business_name: TRADING.into(),
            ..GenConfig::new(31, transactions)
        })
        .expect("books"),
    ];
    if two {
        out.push(
            generate(&GenConfig {
                business_name: SERVICES.into(),
                profile: Profile::DentalPractice,
                ..GenConfig::new(32, 1_200)
            })
            .expect("books"),
        );
    }
    out
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

/// A client of the fake at `origin`, as the instance would build one from its settings.
pub fn client(origin: &str, client_id: &str, secret: &str, clock: Arc<dyn Clock>) -> Xero {
    Xero::new(
        XeroConfig {
            endpoints: Endpoints::from_origin(origin).expect("endpoints"),
            client_id: client_id.to_owned(),
            client_secret: SecretString::from(secret.to_owned()),
            redirect_uri: REDIRECT.to_owned(),
            loopback: Loopback::Allowed,
            retry: quick_retries(),
        },
        clock,
    )
    .expect("client")
}

pub struct XeroEnv {
    pub fake: XeroFake,
    pub xero: Arc<Xero>,
    pub clock: Arc<ManualClock>,
    pub ctx: Context,
    pub org: OrgId,
    pub admin: OrgAccess,
    pub member: OrgAccess,
    _outbox: tempfile::TempDir,
}

async fn person(store: &Store, org: OrgId, email: &str, role: Role) -> OrgAccess {
    let user = store
        .create_user(&NewUser {
            email: email.into(),
            display_name: email.into(),
            password_hash: "x".into(),
        })
        .await
        .expect("user");
    store
        .set_membership(org, user.id, role)
        .await
        .expect("membership");
    OrgAccess {
        org,
        user: user.id,
        role,
        current: Caller::local(user),
        checked: None,
    }
}

/// The fake over `books` (minute limit lifted: these tests are about the flow, not throttling),
/// a context that reaches it, and an organisation with an admin and a member.
pub async fn xero_env(store: &Store, books: &[GeneratedBooks]) -> XeroEnv {
    let clock = Arc::new(ManualClock::new(start_time()));
    let config = XeroFakeConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        minute_limit: 10_000,
        ..XeroFakeConfig::default()
    };
    let fake = XeroFake::start(books, config, clock.clone())
        .await
        .expect("fake");
    let xero = Arc::new(client(
        &fake.origin(),
        &fake.config().client_id,
        &fake.config().client_secret,
        clock.clone(),
    ));
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = crate::support::context(store, outbox.path())
        .with_clock(clock.clone())
        .with_providers(Providers {
            xero: Some(xero.clone()),
            webhooks: WebhookSecrets {
                xero_key: Some(SecretString::from(WEBHOOK_KEY.to_owned())),
                ..WebhookSecrets::default()
            },
            ..Providers::default()
        });
    let org = store
        .create_org(&NewOrg {
            slug: "books".into(),
            name: "Books Ltd".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    let admin = person(store, org, "admin@books.test", Role::Admin).await;
    let member = person(store, org, "member@books.test", Role::Member).await;
    XeroEnv {
        fake,
        xero,
        clock,
        ctx,
        org,
        admin,
        member,
        _outbox: outbox,
    }
}

/// The hash of a session token, as the web crate presents it.
pub fn session(n: u8) -> Vec<u8> {
    vec![n; 32]
}

/// What a browser does on Xero's consent page: press Allow (or Cancel) and come back with the
/// redirect's query string.
pub async fn consent(authorize_url: &str, approve: bool) -> String {
    decide_consent(authorize_url, approve)
        .await
        .expect("the consent page")
}

/// The admin presses Connect Xero in session `n` and approves: the callback's query.
pub async fn approved_callback(env: &XeroEnv, n: u8) -> String {
    let started = begin_connect(&env.ctx, &env.admin, Provider::Xero, Some(&session(n)))
        .await
        .expect("begin");
    consent(&started.authorize_url, true).await
}

/// The whole connect flow in session `n`; with several organisations, the one at `choose`.
pub async fn connect(env: &XeroEnv, n: u8, choose: usize) -> Uuid {
    let query = approved_callback(env, n).await;
    match finish_connect(
        &env.ctx,
        Provider::Xero,
        Some(&session(n)),
        &query,
        "127.0.0.1",
    )
    .await
    .expect("finish")
    {
        Finished::Connected(c) => c.connection.id,
        Finished::ChooseTenant { .. } => {
            let choice = connections::pending_tenants(
                &env.ctx,
                &env.admin,
                Provider::Xero,
                Some(&session(n)),
            )
            .await
            .expect("choice");
            connections::choose_tenant(
                &env.ctx,
                &env.admin,
                Provider::Xero,
                Some(&session(n)),
                choice.grant,
                choose,
                "127.0.0.1",
            )
            .await
            .expect("chosen")
            .connection
            .id
        }
    }
}

/// Per bank account (by Xero `AccountID`): movements and their sum, from the fake's live
/// ledger of organisation `tenant`; and its live invoices and bills.
pub fn expected(fake: &XeroFake, tenant: usize) -> (BTreeMap<String, (i64, i64)>, i64) {
    let ledger = fake.ledger(tenant);
    let mut out: BTreeMap<String, (i64, i64)> = ledger
        .accounts
        .iter()
        .filter(|a| a.account_type == "BANK")
        .map(|a| (a.id.clone(), (0, 0)))
        .collect();
    for (account, minor) in ledger.records.iter().filter_map(|r| r.bank_effect()) {
        let entry = out
            .get_mut(&ledger.accounts[account].id)
            .expect("a bank account");
        entry.0 += 1;
        entry.1 += minor;
    }
    let documents = ledger
        .records
        .iter()
        .filter(|r| {
            r.kind == Kind::Invoice && matches!(r.status, Status::Authorised | Status::Paid)
        })
        .count();
    (out, i64::try_from(documents).expect("count"))
}

/// What the store holds for `connection`, in the same shape.
pub async fn stored(env: &XeroEnv, connection: Uuid) -> (BTreeMap<String, (i64, i64)>, i64) {
    let (accounts, documents) = env
        .ctx
        .store
        .synced_totals(env.org, connection)
        .await
        .expect("totals");
    let per_account = accounts
        .into_iter()
        .map(|a| (a.provider_account_id, (a.transactions, a.original_minor)))
        .collect();
    (per_account, documents)
}
