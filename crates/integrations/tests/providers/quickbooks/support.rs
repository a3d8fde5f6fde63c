//! A fake QuickBooks realm over generated books, a client pointed at it, and a browser that
//! clicks through the consent page.

use chrono::{DateTime, TimeZone, Utc};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_fakes::{Decided, FakeConfig, QuickBooksFake, decide_on_consent_page};
use flowsense_integrations::quickbooks::{
    Callback, Endpoints, Loopback, QuickBooks, QuickBooksConfig, RetryPolicy, Tokens,
    parse_callback,
};
use flowsense_synth::{GenConfig, GeneratedBooks, generate};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

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

pub struct Env {
    pub fake: QuickBooksFake,
    pub qb: QuickBooks,
    pub clock: Arc<ManualClock>,
    pub books: GeneratedBooks,
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

pub fn client_for(
    fake: &QuickBooksFake,
    clock: Arc<ManualClock>,
    retry: RetryPolicy,
) -> QuickBooks {
    let endpoints = Endpoints::parse(
        &fake.authorize_url(),
        &fake.token_url(),
        &fake.revoke_url(),
        &fake.api_base_url(),
    )
    .expect("endpoints");
    let config = QuickBooksConfig {
        endpoints,
        client_id: fake.config().client_id.clone(),
        client_secret: SecretString::from(fake.config().client_secret.clone()),
        redirect_uri: REDIRECT.to_owned(),
        loopback: Loopback::Allowed,
        retry,
    };
    QuickBooks::new(config, clock as Arc<dyn Clock>).expect("client")
}

pub async fn env_with(books: GeneratedBooks, config: FakeConfig, retry: RetryPolicy) -> Env {
    let clock = Arc::new(ManualClock::new(start_time()));
    let config = FakeConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..config
    };
    let fake = QuickBooksFake::start(&books, config, clock.clone())
        .await
        .expect("fake");
    let qb = client_for(&fake, clock.clone(), retry);
    Env {
        fake,
        qb,
        clock,
        books,
    }
}

pub async fn env(transactions: usize) -> Env {
    env_with(books(transactions), FakeConfig::default(), quick_retries()).await
}

/// What a browser does on Intuit's consent page: load it, press one of its two buttons, and
/// come back with the redirect's query string.
pub async fn consent(authorize_url: &str, approve: bool) -> String {
    decided(authorize_url, approve).await.query
}

async fn decided(authorize_url: &str, approve: bool) -> Decided {
    let d = decide_on_consent_page(authorize_url, approve)
        .await
        .expect("consent");
    assert!(
        d.page.contains("value=\"approve\"") && d.page.contains("value=\"deny\""),
        "{}",
        d.page
    );
    assert!(d.location.starts_with(REDIRECT), "{}", d.location);
    d
}

/// The whole connect flow, approved: tokens and the realm id.
pub async fn connect(env: &Env) -> (Tokens, String) {
    let state = "state-bound-to-the-session-0001";
    let query = consent(env.qb.authorize_url(state).as_str(), true).await;
    let Callback::Approved { code, realm_id } = parse_callback(&query, state).expect("callback")
    else {
        panic!("consent was refused: {query}");
    };
    let tokens = env.qb.exchange_code(&code).await.expect("tokens");
    (tokens, realm_id)
}
