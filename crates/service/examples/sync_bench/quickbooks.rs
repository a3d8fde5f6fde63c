//! The QuickBooks side: the fake over generated books (seed 11), a client of it, and a
//! connection made through the consent flow.

use super::{Connected, Fake};
use flowsense_core::OrgId;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_fakes::decide_consent;
use flowsense_fakes::quickbooks::ledger::{Kind, Status};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_integrations::quickbooks::{
    Callback, Endpoints, Loopback, PAGE_SIZE, QuickBooks, QuickBooksConfig, RetryPolicy,
    parse_callback,
};
use flowsense_service::{Context, Providers};
use flowsense_synth::{GenConfig, generate};
use secrecy::SecretString;
use std::sync::Arc;

const REDIRECT: &str = "http://127.0.0.1:8080/oauth/quickbooks/callback";

impl Fake for QuickBooksFake {
    fn requests(&self) -> usize {
        self.request_count()
    }

    /// `⌊n / 1000⌋ + 1` requests per entity type: the least `STARTPOSITION`/`MAXRESULTS`
    /// paging allows.
    fn backfill_minimum(&self) -> usize {
        let ledger = self.ledger();
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

    /// The chart (one page) and one CDC request.
    fn incremental_minimum(&self) -> usize {
        self.ledger().accounts.len() / PAGE_SIZE + 2
    }

    fn edit(&self, n: usize) -> usize {
        let ledger = self.ledger();
        let money: Vec<u64> = ledger
            .accounts
            .iter()
            .filter(|a| matches!(a.account_type, "Bank" | "Credit Card"))
            .map(|a| a.id)
            .collect();
        ledger
            .entities
            .iter()
            .filter(|e| {
                matches!(e.kind, Kind::Purchase | Kind::Deposit)
                    && e.status == Status::Active
                    && money.contains(&e.account)
            })
            .take(n)
            .filter(|e| self.update_amount(e.id, e.amount_minor + 100))
            .count()
    }
}

/// The fake over about `n` generated transactions, connected for `org`.
pub async fn connect(ctx: Context, org: OrgId, clock: Arc<ManualClock>, n: usize) -> Connected {
    let books = generate(&GenConfig::new(11, n)).expect("books");
    let clock: Arc<dyn Clock> = clock;
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
    let qb = Arc::new(
        QuickBooks::new(
            QuickBooksConfig {
                endpoints: Endpoints::parse(
                    &fake.authorize_url(),
                    &fake.token_url(),
                    &fake.revoke_url(),
                    &fake.base_url(),
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
    // The consent flow, as a browser would click through it.
    let state = "bench-state-0000000000000000000000";
    let query = decide_consent(qb.authorize_url(state).as_str(), true)
        .await
        .expect("consent");
    let Callback::Approved { code, realm_id } = parse_callback(&query, state).expect("callback")
    else {
        panic!("consent refused")
    };
    let tokens = qb.exchange_code(&code).await.expect("tokens");
    let connection = super::save_connection(
        &ctx,
        org,
        "quickbooks",
        &realm_id,
        &tokens.access_token,
        &tokens.refresh_token,
        tokens.access_expires_at,
    )
    .await;
    Connected {
        ctx: ctx.with_providers(Providers {
            quickbooks: Some(qb),
            ..Providers::default()
        }),
        org,
        connection,
        fake: Box::new(fake),
    }
}
