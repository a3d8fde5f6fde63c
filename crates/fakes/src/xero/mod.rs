//! A local Xero: the identity service's OAuth 2.0 endpoints (with PKCE), the connections API,
//! and the Accounting API's reads, serving two or more organisations (tenants) built from
//! generated books; plus signed webhook delivery.
//!
//! Everything is on one loopback origin; the paths are the real ones (authorize
//! `/identity/connect/authorize`, token `/connect/token`, revocation `/connect/revocation`,
//! `/connections`, data `/api.xro/2.0/{Collection}`; APIS.md §2). Token lifetimes follow the
//! clock the test hands in, so 30 minutes pass without sleeping; the rate limits use real
//! time, like the server's.

mod data;
pub mod ledger;
mod oauth;
pub mod render;
pub mod webhook;

pub use crate::quickbooks::Injected;
pub use webhook::{DeliveryError, WebhookEvent};

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use flowsense_core::clock::Clock;
use flowsense_synth::GeneratedBooks;
use ledger::{Kind, Ledger, Record, Status};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the fake behaves; [`XeroFakeConfig::default`] matches production's documented limits.
#[derive(Debug, Clone)]
pub struct XeroFakeConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs registered for the app; any other is refused on the authorize page.
    pub redirect_uris: Vec<String>,
    /// Calls per window per tenant before 429 `minute` (Xero: 60 a minute).
    pub minute_limit: u32,
    pub minute_window: Duration,
    /// Calls a day per tenant before 429 `day` (Xero: 5,000; 1,000 on the Starter tier).
    pub day_limit: u32,
    /// Calls in progress at once per tenant before 429 `concurrent` (Xero: 5).
    pub max_concurrent: usize,
    /// Access tokens live 30 minutes.
    pub access_token_lifetime: chrono::Duration,
    /// Refresh tokens expire after 60 days unused.
    pub refresh_token_lifetime: chrono::Duration,
    /// A rotated-away refresh token still works this long (Xero: 30 minutes).
    pub refresh_grace: chrono::Duration,
}

impl Default for XeroFakeConfig {
    fn default() -> Self {
        Self {
            client_id: "0A1B2C3D4E5F60718293A4B5C6D7E8F9".into(),
            client_secret: "fake-xero-client-secret-000000000000000000000000".into(),
            redirect_uris: vec!["http://127.0.0.1/oauth/xero/callback".into()],
            minute_limit: 60,
            minute_window: Duration::from_secs(60),
            day_limit: 5000,
            max_concurrent: 5,
            access_token_lifetime: chrono::Duration::minutes(30),
            refresh_token_lifetime: chrono::Duration::days(60),
            refresh_grace: chrono::Duration::minutes(30),
        }
    }
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The `xero-tenant-id` header, if any.
    pub tenant: Option<String>,
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

/// One organisation.
pub(crate) struct Org {
    pub id: String,
    pub name: String,
    pub ledger: Ledger,
    pub recent: VecDeque<Instant>,
    pub day_started: Instant,
    pub day_count: u32,
    pub in_flight: usize,
}

pub(crate) struct Connection {
    pub id: String,
    pub org: usize,
    pub created: DateTime<Utc>,
}

pub(crate) struct Grant {
    pub revoked: bool,
    pub auth_event_id: String,
    pub connections: Vec<Connection>,
}

pub(crate) struct AccessToken {
    pub grant: usize,
    pub expires: DateTime<Utc>,
}

pub(crate) struct RefreshToken {
    pub grant: usize,
    pub expires: DateTime<Utc>,
    /// When it was used and replaced; it works for the grace period after.
    pub rotated: Option<DateTime<Utc>>,
}

pub(crate) struct Consent {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: Option<String>,
    pub scope: String,
}

pub(crate) struct Code {
    pub redirect_uri: String,
    pub expires: DateTime<Utc>,
    pub challenge: Option<String>,
    pub scope: String,
}

pub(crate) struct Inner {
    pub orgs: Vec<Org>,
    pub consents: HashMap<String, Consent>,
    pub codes: HashMap<String, Code>,
    pub grants: Vec<Grant>,
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    /// The scopes each grant was given.
    pub scopes: HashMap<usize, String>,
    pub injected: VecDeque<Injected>,
    pub log: Vec<Served>,
    /// Calls per window per tenant (starts as the config's).
    pub minute_limit: (u32, Duration),
    /// Redirect URIs registered after the start ([`XeroFake::allow_redirect_uri`]).
    pub redirect_uris: Vec<String>,
}

pub(crate) struct Shared {
    pub config: XeroFakeConfig,
    pub clock: Arc<dyn Clock>,
    pub inner: Mutex<Inner>,
    pub event_sequence: AtomicU64,
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

/// 32 random bytes as hex, for codes and tokens.
pub(crate) fn random_token() -> String {
    crate::quickbooks::random_token()
}

/// A running fake. Dropping it stops the server.
pub struct XeroFake {
    shared: Arc<Shared>,
    server: crate::server::Server,
}

impl XeroFake {
    /// Serves one organisation per element of `books` (named after its business) on
    /// 127.0.0.1 at a free port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(
        books: &[GeneratedBooks],
        config: XeroFakeConfig,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let now = clock.now();
        let orgs = books
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let salt = b.seed.wrapping_mul(31).wrapping_add(i as u64);
                Org {
                    id: ledger::guid(salt, u64::MAX),
                    name: b.business_name.clone(),
                    ledger: ledger::build(b, salt, now),
                    recent: VecDeque::new(),
                    day_started: Instant::now(),
                    day_count: 0,
                    in_flight: 0,
                }
            })
            .collect();
        let minute_limit = (config.minute_limit, config.minute_window);
        let shared = Arc::new(Shared {
            config,
            clock,
            event_sequence: AtomicU64::new(1),
            inner: Mutex::new(Inner {
                orgs,
                consents: HashMap::new(),
                codes: HashMap::new(),
                grants: Vec::new(),
                access: HashMap::new(),
                refresh: HashMap::new(),
                scopes: HashMap::new(),
                injected: VecDeque::new(),
                log: Vec::new(),
                minute_limit,
                redirect_uris: Vec::new(),
            }),
        });
        let app = Router::new()
            .route("/identity/connect/authorize", get(oauth::authorize_page))
            .route("/identity/connect/authorize/decision", post(oauth::decide))
            .route("/connect/token", post(oauth::token))
            .route("/connect/revocation", post(oauth::revoke))
            .route("/connections", get(oauth::connections))
            .route(
                "/connections/{id}",
                axum::routing::delete(oauth::delete_connection),
            )
            .route("/api.xro/2.0/{collection}", get(data::collection))
            .layer(middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        Ok(Self {
            shared,
            server: crate::server::Server::start(app).await?,
        })
    }

    /// `http://127.0.0.1:PORT`: every endpoint's origin.
    #[must_use]
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    #[must_use]
    pub fn config(&self) -> &XeroFakeConfig {
        &self.shared.config
    }

    /// The tenant ids, in the order the books were given.
    #[must_use]
    pub fn tenant_ids(&self) -> Vec<String> {
        self.shared
            .lock()
            .orgs
            .iter()
            .map(|o| o.id.clone())
            .collect()
    }

    /// A copy of one organisation's ledger (`tenant` indexes the books given).
    ///
    /// # Panics
    /// When there is no such tenant.
    #[must_use]
    pub fn ledger(&self, tenant: usize) -> Ledger {
        self.shared.lock().orgs[tenant].ledger.clone()
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

    /// Registers one more redirect URI for the app (a test server's, known once it listens).
    pub fn allow_redirect_uri(&self, uri: &str) {
        self.shared.lock().redirect_uris.push(uri.to_owned());
    }

    /// Queues a fault for the next Accounting API request (in order).
    pub fn inject(&self, what: Injected) {
        self.shared.lock().injected.push_back(what);
    }

    /// Sets the per-tenant minute limit (the window starts afresh).
    pub fn set_minute_limit(&self, calls: u32, window: Duration) {
        let mut inner = self.shared.lock();
        for org in &mut inner.orgs {
            org.recent.clear();
        }
        inner.minute_limit = (calls, window);
    }

    /// The user removes the app in Xero's settings: every grant ends, its access tokens are
    /// refused (401) and its refresh tokens get `invalid_grant`.
    pub fn revoke_consent(&self) {
        for g in &mut self.shared.lock().grants {
            g.revoked = true;
            g.connections.clear();
        }
    }

    /// Sets a record's amount, as an edit in Xero would (`UpdatedDateUTC` moves). False when
    /// there is no such live record.
    pub fn update_amount(&self, tenant: usize, id: &str, amount_minor: i64) -> bool {
        self.mutate(tenant, id, |r| r.amount_minor = amount_minor)
    }

    /// Voids a bank transaction or invoice: it stays, `Status: "VOIDED"`.
    pub fn void(&self, tenant: usize, id: &str) -> bool {
        self.mutate(tenant, id, |r| r.status = Status::Voided)
    }

    /// Deletes a record: it is still served, `Status: "DELETED"`.
    pub fn delete(&self, tenant: usize, id: &str) -> bool {
        self.mutate(tenant, id, |r| r.status = Status::Deleted)
    }

    fn mutate(&self, tenant: usize, id: &str, change: impl FnOnce(&mut Record)) -> bool {
        let now = self.shared.now();
        let mut inner = self.shared.lock();
        let Some(org) = inner.orgs.get_mut(tenant) else {
            return false;
        };
        let Some(&i) = org.ledger.index.get(id) else {
            return false;
        };
        let r = &mut org.ledger.records[i];
        if matches!(r.status, Status::Deleted | Status::Voided)
            || (r.kind == Kind::Payment && r.status != Status::Authorised)
        {
            return false;
        }
        change(r);
        r.updated = now;
        true
    }
}

/// Logs every request with the status it got.
async fn record(AxState(shared): AxState<Arc<Shared>>, req: Request, next: Next) -> Response {
    let at = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let tenant = req
        .headers()
        .get("xero-tenant-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(req).await;
    shared.lock().log.push(Served {
        method,
        path,
        query,
        tenant,
        status: response.status().as_u16(),
        at,
    });
    response
}
