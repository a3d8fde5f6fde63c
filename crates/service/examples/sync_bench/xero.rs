//! The Xero side: the fake over generated books (seed 31), a client of it, and a connection
//! made through the consent flow with PKCE. The fake's minute limit (60 calls, as Xero's) is
//! lifted: the bench measures the sync, not the wait; at Xero's limit a run of R requests
//! takes at least R / 60 minutes.

use super::{Connected, Fake};
use flowsense_core::OrgId;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_fakes::decide_consent;
use flowsense_fakes::xero::ledger::{Kind, Status};
use flowsense_fakes::{XeroFake, XeroFakeConfig};
use flowsense_integrations::xero::{
    Callback, Endpoints, Loopback, PAGE_SIZE, Pkce, RetryPolicy, Xero, XeroConfig, parse_callback,
};
use flowsense_service::{Context, Providers};
use flowsense_synth::{GenConfig, generate};
use secrecy::SecretString;
use std::sync::Arc;

const REDIRECT: &str = "http://127.0.0.1:8080/oauth/xero/callback";

/// The paged collections a run reads after the chart.
const PAGED: [Kind; 3] = [Kind::BankTransaction, Kind::Invoice, Kind::Payment];

impl Fake for XeroFake {
    fn requests(&self) -> usize {
        self.request_count()
    }

    /// The chart, and `⌈n / 1000⌉` (at least one) per paged collection.
    fn backfill_minimum(&self) -> usize {
        let ledger = self.ledger(0);
        1 + PAGED
            .iter()
            .map(|&kind| {
                let n = ledger.records.iter().filter(|r| r.kind == kind).count();
                n.div_ceil(PAGE_SIZE).max(1)
            })
            .sum::<usize>()
    }

    /// The chart and one page per collection (fewer than 1,000 changes each).
    fn incremental_minimum(&self) -> usize {
        1 + PAGED.len()
    }

    fn edit(&self, n: usize) -> usize {
        self.ledger(0)
            .records
            .iter()
            .filter(|r| r.kind == Kind::BankTransaction && r.status == Status::Authorised)
            .take(n)
            .filter(|r| self.update_amount(0, &r.id, 12_345))
            .count()
    }
}

/// The fake over about `n` generated transactions, connected for `org`.
pub async fn connect(ctx: Context, org: OrgId, clock: Arc<ManualClock>, n: usize) -> Connected {
    let books = generate(&GenConfig::new(31, n)).expect("books");
    let clock: Arc<dyn Clock> = clock;
    let fake = XeroFake::start(
        &[books],
        XeroFakeConfig {
            redirect_uris: vec![REDIRECT.to_owned()],
            minute_limit: 1_000_000,
            ..XeroFakeConfig::default()
        },
        clock.clone(),
    )
    .await
    .expect("fake");
    let xero = Arc::new(
        Xero::new(
            XeroConfig {
                endpoints: Endpoints::from_origin(&fake.origin()).expect("endpoints"),
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
    // The consent flow, as a browser would click through it, then the organisation it reached.
    let state = "bench-state-0000000000000000000000";
    let pkce = Pkce::generate().expect("pkce");
    let query = decide_consent(xero.authorize_url(state, &pkce.challenge).as_str(), true)
        .await
        .expect("consent");
    let Callback::Approved { code } = parse_callback(&query, state).expect("callback") else {
        panic!("consent refused")
    };
    let tokens = xero
        .exchange_code(&code, &pkce.verifier)
        .await
        .expect("tokens");
    let tenant = xero
        .connections(&tokens.access_token)
        .await
        .expect("connections")
        .into_iter()
        .next()
        .expect("an organisation");
    let connection = super::save_connection(
        &ctx,
        org,
        "xero",
        &tenant.tenant_id,
        &tokens.access_token,
        &tokens.refresh_token,
        tokens.access_expires_at,
    )
    .await;
    Connected {
        ctx: ctx.with_providers(Providers {
            xero: Some(xero),
            ..Providers::default()
        }),
        org,
        connection,
        fake: Box::new(fake),
    }
}
