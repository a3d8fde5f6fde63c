//! A local QuickBooks Online: Intuit's OAuth 2.0 endpoints and the Accounting API's query and
//! change-data-capture reads, serving one realm built from generated books.
//!
//! Everything is on one loopback origin; the paths are the real ones (authorize
//! `/connect/oauth2`, token `/oauth2/v1/tokens/bearer`, revoke `/v2/oauth2/tokens/revoke`, data
//! `/v3/company/{realmId}/…`, among them `companyinfo/{realmId}` with the generated business's
//! name; intuit/oauth-jsclient `src/OAuthClient.js`). Expiry follows the
//! clock the test hands in, so an hour passes without sleeping.

mod data;
mod fault;
pub mod ledger;
mod oauth;
pub mod query;
pub mod render;
mod webhooks;

pub use webhooks::{Delivered, WebhookEvent, sign_webhook};

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use flowsense_core::clock::Clock;
use flowsense_synth::GeneratedBooks;
use ledger::{Entity, Kind, Ledger, Status};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the fake behaves; [`FakeConfig::default`] matches production's documented limits.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub realm_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs registered for the app; any other is refused on the authorize page.
    pub redirect_uris: Vec<String>,
    /// Requests per window per realm before 429 (Intuit: 500 a minute per realm and app).
    pub throttle_requests: u32,
    pub throttle_window: Duration,
    /// Requests in progress at once per realm before 429 (Intuit: 10 per realm and app).
    pub max_concurrent: usize,
    /// `x_refresh_token_expires_in` (Intuit's sample: 8,726,400 s, about 101 days).
    pub refresh_token_lifetime: chrono::Duration,
    /// `expires_in` of every access token (Intuit: 3,600 s). Shorter makes a client refresh,
    /// and so rotate the refresh token, during a long sync.
    pub access_token_lifetime: chrono::Duration,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            realm_id: "9341453050071616".into(),
            client_id: "ABfakeClientId0000000000000000000000000000000000".into(),
            client_secret: "fakeClientSecret0000000000000000000000".into(),
            redirect_uris: vec!["http://127.0.0.1/oauth/quickbooks/callback".into()],
            throttle_requests: 500,
            throttle_window: Duration::from_secs(60),
            max_concurrent: 10,
            refresh_token_lifetime: chrono::Duration::seconds(8_726_400),
            access_token_lifetime: chrono::Duration::seconds(3600),
        }
    }
}

/// Something the next data request suffers instead of (or before) its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Answer with this status and a Fault body.
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Accept the request and never answer (a hung upstream): only the client's own timeout
    /// ends the wait.
    Hang,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The `intuit_tid` header of the answer, when it carried one.
    pub intuit_tid: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

pub(crate) struct Grant {
    pub revoked: bool,
    pub issued: DateTime<Utc>,
}

pub(crate) struct TokenState {
    pub grant: u64,
    pub expires: DateTime<Utc>,
    /// A refresh token once used (rotated) or an access token replaced: refused.
    pub spent: bool,
}

pub(crate) struct Consent {
    pub redirect_uri: String,
    pub state: Option<String>,
}

pub(crate) struct Code {
    pub redirect_uri: String,
    pub expires: DateTime<Utc>,
}

pub(crate) struct Inner {
    /// The app's registered redirect URIs (from the config, plus any added later).
    pub redirect_uris: Vec<String>,
    pub ledger: Ledger,
    pub index: HashMap<u64, usize>,
    pub consents: HashMap<String, Consent>,
    pub codes: HashMap<String, Code>,
    pub grants: Vec<Grant>,
    pub access: HashMap<String, TokenState>,
    pub refresh: HashMap<String, TokenState>,
    pub recent: VecDeque<Instant>,
    pub injected: VecDeque<Injected>,
    pub log: Vec<Served>,
}

pub(crate) struct Shared {
    pub config: FakeConfig,
    pub clock: Arc<dyn Clock>,
    pub inner: Mutex<Inner>,
    /// Requests per `config.throttle_window` (starts at `config.throttle_requests`).
    pub throttle_limit: AtomicU32,
    /// Data requests in progress.
    pub in_flight: AtomicUsize,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// A running fake. Dropping it stops the server.
pub struct QuickBooksFake {
    shared: Arc<Shared>,
    server: crate::server::Server,
}

/// 32 random bytes as hex, for codes and tokens.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source");
    hex::encode(b)
}

impl QuickBooksFake {
    /// Serves `books` on 127.0.0.1 at a free port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(
        books: &GeneratedBooks,
        config: FakeConfig,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let ledger = ledger::build(books, clock.now());
        let index = ledger
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i))
            .collect();
        let redirect_uris = config.redirect_uris.clone();
        let shared = Arc::new(Shared {
            throttle_limit: AtomicU32::new(config.throttle_requests),
            in_flight: AtomicUsize::new(0),
            config,
            clock,
            inner: Mutex::new(Inner {
                redirect_uris,
                ledger,
                index,
                consents: HashMap::new(),
                codes: HashMap::new(),
                grants: Vec::new(),
                access: HashMap::new(),
                refresh: HashMap::new(),
                recent: VecDeque::new(),
                injected: VecDeque::new(),
                log: Vec::new(),
            }),
        });
        let app = Router::new()
            .route("/connect/oauth2", get(oauth::authorize_page))
            .route("/connect/oauth2/decision", post(oauth::decide))
            .route("/oauth2/v1/tokens/bearer", post(oauth::token))
            .route("/v2/oauth2/tokens/revoke", post(oauth::revoke))
            .route("/v3/company/{realm}/query", get(data::query))
            .route("/v3/company/{realm}/cdc", get(data::cdc))
            .route(
                "/v3/company/{realm}/companyinfo/{id}",
                get(data::company_info),
            )
            .layer(middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        Ok(Self {
            shared,
            server: crate::server::Server::start(app).await?,
        })
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.server.origin()
    }
    #[must_use]
    pub fn authorize_url(&self) -> String {
        format!("{}/connect/oauth2", self.base_url())
    }
    #[must_use]
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v1/tokens/bearer", self.base_url())
    }
    #[must_use]
    pub fn revoke_url(&self) -> String {
        format!("{}/v2/oauth2/tokens/revoke", self.base_url())
    }
    /// The Accounting API base (what `https://quickbooks.api.intuit.com` is in production).
    #[must_use]
    pub fn api_base_url(&self) -> String {
        self.base_url()
    }
    #[must_use]
    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// Every request received so far, oldest first.
    #[must_use]
    pub fn served(&self) -> Vec<Served> {
        self.shared.lock().log.clone()
    }

    /// How many requests were received.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.shared.lock().log.len()
    }

    /// Queues a fault for the next data request (in order).
    pub fn inject(&self, what: Injected) {
        self.shared.lock().injected.push_back(what);
    }

    /// Allows `requests` per throttle window from now on (the window starts afresh).
    pub fn set_throttle(&self, requests: u32) {
        self.shared.lock().recent.clear();
        self.shared
            .throttle_limit
            .store(requests, Ordering::Relaxed);
    }

    /// A copy of the realm's current entities (live, voided and deleted).
    #[must_use]
    pub fn entities(&self) -> Vec<Entity> {
        self.shared.lock().ledger.entities.clone()
    }

    /// The realm's ledger (accounts and currency included).
    #[must_use]
    pub fn ledger(&self) -> Ledger {
        self.shared.lock().ledger.clone()
    }

    /// Sets an entity's amount, as an edit in QuickBooks would (SyncToken and
    /// LastUpdatedTime move). Returns false when there is no such live entity.
    pub fn update_amount(&self, id: u64, amount_minor: i64) -> bool {
        self.mutate(id, |e| e.amount_minor = amount_minor)
    }

    /// Voids a transaction: it stays, with its amounts zeroed.
    pub fn void(&self, id: u64) -> bool {
        self.mutate(id, |e| e.status = Status::Voided)
    }

    /// Deletes a transaction: queries stop returning it, CDC reports a `Deleted` stub.
    pub fn delete(&self, id: u64) -> bool {
        self.mutate(id, |e| e.status = Status::Deleted)
    }

    fn mutate(&self, id: u64, change: impl FnOnce(&mut Entity)) -> bool {
        let now = self.shared.now();
        let mut inner = self.shared.lock();
        let Some(&i) = inner.index.get(&id) else {
            return false;
        };
        let e = &mut inner.ledger.entities[i];
        if e.status == Status::Deleted || e.kind == Kind::Account {
            return false;
        }
        change(e);
        e.sync_token += 1;
        e.updated = now;
        true
    }
}

/// Logs every request with the status it got.
async fn record(AxState(shared): AxState<Arc<Shared>>, req: Request, next: Next) -> Response {
    let at = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let response = next.run(req).await;
    shared.lock().log.push(Served {
        method,
        path,
        query,
        status: response.status().as_u16(),
        intuit_tid: response
            .headers()
            .get("intuit_tid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        at,
    });
    response
}
