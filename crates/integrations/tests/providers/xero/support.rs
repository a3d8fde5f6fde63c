//! A fake Xero with two organisations over generated books, a client pointed at it, and a
//! browser that clicks through the consent page.

use chrono::{DateTime, TimeZone, Utc};
use flowsense_core::Currency;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_core::synced::BookChange;
use flowsense_fakes::{Decided, XeroFake, XeroFakeConfig, decide_on_consent_page};
use flowsense_integrations::xero::{
    Callback, Connection, Endpoints, Loopback, Pkce, ReadSummary, RetryPolicy, Tokens, Xero,
    XeroConfig, XeroError, parse_callback,
};
use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

pub const REDIRECT: &str = "http://127.0.0.1:8080/oauth/xero/callback";

/// After the generated books end (they start 2024-01-01 and last at most 36 months).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

/// A coffee roaster in dollars (`transactions` bank lines) and a dental practice in pounds.
pub fn two_organisations(transactions: usize) -> Vec<GeneratedBooks> {
    let coffee = generate(&GenConfig::new(21, transactions)).expect("books");
    let dental = generate(&GenConfig {
        currency: Currency::GBP,
        profile: Profile::DentalPractice,
        business_name: Profile::DentalPractice.default_business_name().to_owned(),
        ..GenConfig::new(22, 1_500)
    })
    .expect("books");
    vec![coffee, dental]
}

pub struct Env {
    pub fake: XeroFake,
    pub xero: Xero,
    pub clock: Arc<ManualClock>,
    pub books: Vec<GeneratedBooks>,
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

pub fn client_for(fake: &XeroFake, clock: Arc<ManualClock>, retry: RetryPolicy) -> Xero {
    let config = XeroConfig {
        endpoints: Endpoints::from_origin(&fake.origin()).expect("endpoints"),
        client_id: fake.config().client_id.clone(),
        client_secret: SecretString::from(fake.config().client_secret.clone()),
        redirect_uri: REDIRECT.to_owned(),
        loopback: Loopback::Allowed,
        retry,
    };
    Xero::new(config, clock as Arc<dyn Clock>).expect("client")
}

pub async fn env_with(
    books: Vec<GeneratedBooks>,
    config: XeroFakeConfig,
    retry: RetryPolicy,
) -> Env {
    let clock = Arc::new(ManualClock::new(start_time()));
    let config = XeroFakeConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..config
    };
    let fake = XeroFake::start(&books, config, clock.clone())
        .await
        .expect("fake");
    let xero = client_for(&fake, clock.clone(), retry);
    Env {
        fake,
        xero,
        clock,
        books,
    }
}

pub async fn env(transactions: usize) -> Env {
    env_with(
        two_organisations(transactions),
        XeroFakeConfig::default(),
        quick_retries(),
    )
    .await
}

/// What a browser does on Xero's consent page: load it, press one of its two buttons, and
/// come back with the redirect's query string. Returns the page too.
pub async fn consent(authorize_url: &str, approve: bool) -> (String, String) {
    let d = decided(authorize_url, approve).await;
    (d.query, d.page)
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

/// The code a consent brings back, with the PKCE pair it was asked with.
pub async fn approved_code(env: &Env, state: &str) -> (String, Pkce) {
    let pkce = Pkce::generate().expect("pkce");
    let url = env.xero.authorize_url(state, &pkce.challenge);
    let (query, _) = consent(url.as_str(), true).await;
    let Callback::Approved { code } = parse_callback(&query, state).expect("callback") else {
        panic!("consent was refused: {query}");
    };
    (code, pkce)
}

/// The whole connect flow, approved: tokens and the tenants they reach.
pub async fn connect(env: &Env) -> (Tokens, Vec<Connection>) {
    let (code, pkce) = approved_code(env, "state-bound-to-the-session-0001").await;
    let tokens = env
        .xero
        .exchange_code(&code, &pkce.verifier)
        .await
        .expect("tokens");
    let connections = env
        .xero
        .connections(&tokens.access_token)
        .await
        .expect("connections");
    (tokens, connections)
}

/// Every change of one tenant since `since`, and what the read did.
pub async fn read(
    env: &Env,
    tenant: &str,
    token: &SecretString,
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<BookChange>, ReadSummary), XeroError> {
    let home = env
        .books
        .iter()
        .zip(env.fake.tenant_ids())
        .find(|(_, id)| id == tenant)
        .map_or(Currency::USD, |(b, _)| b.currency);
    let mut changes = Vec::new();
    let summary = env
        .xero
        .tenant(tenant, token, home)
        .read_changes(since, |page| changes.extend(page))
        .await?;
    Ok((changes, summary))
}
