//! A QuickBooks company in dollars with a euro bank account (the generator's books spread over
//! USD and EUR): the backfill keeps every euro amount in euros, QuickBooks' `ExchangeRate` of
//! each euro transaction lands in the organisation's rates on its date, the monthly cash flow
//! in dollars is the hand-computed conversion to the cent, and an edit to a euro transaction
//! reaches the store and the report.

use super::support::{SyncEnv, books, expected, quick_retries, stored, sync_env};
use crate::fx::{by_month, decimal, reported_months, round_half_even, stored_currencies};
use chrono::{Duration, NaiveDate};
use flowsense_core::Currency;
use flowsense_core::analytics::Flow;
use flowsense_fakes::FakeConfig;
use flowsense_fakes::quickbooks::ledger::Kind;
use flowsense_service::sync::sync_connection;
use flowsense_storage::Store;
use flowsense_synth::{account_name, parse_currencies, spread_currencies};
use std::collections::{BTreeMap, BTreeSet};

/// The euro account's id in the fake.
fn euro_account(env: &SyncEnv) -> u64 {
    let name = account_name(Currency::EUR);
    let ledger = env.fake.ledger();
    let a = ledger
        .accounts
        .iter()
        .find(|a| *a.name == *name)
        .expect("the euro account");
    assert_eq!(a.currency, Currency::EUR);
    assert_eq!(a.account_type, "Bank");
    a.id
}

/// By hand, from what the fake serves: each live euro movement times its `ExchangeRate`
/// (hundredths of a dollar per euro), rounded once to the cent, summed per month.
fn converted_by_hand(env: &SyncEnv) -> BTreeMap<NaiveDate, Flow> {
    let euro = euro_account(env);
    let ledger = env.fake.ledger();
    let mut amounts = Vec::new();
    for e in &ledger.entities {
        for (account, minor) in e.bank_effects() {
            if account == euro {
                assert_eq!(e.currency, Currency::EUR);
                let rate = e.rate_hundredths.expect("a euro transaction has a rate");
                amounts.push((
                    e.date,
                    round_half_even(i128::from(minor) * i128::from(rate), 100),
                ));
            }
        }
    }
    by_month(amounts)
}

async fn a_euro_account_syncs_in_euros_and_reports_in_dollars_to_the_cent(store: &Store) {
    let mut generated = books(3_000);
    spread_currencies(&mut generated, &parse_currencies("USD,EUR").expect("codes"));
    let env = sync_env(store, &generated, FakeConfig::default(), quick_retries()).await;
    assert!(env.fake.ledger().multicurrency);
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("backfill");

    // Every amount is stored exactly as QuickBooks gave it, in its account's currency.
    assert_eq!(stored(&env).await, expected(&env.fake));
    let euro_name = account_name(Currency::EUR);
    let (currencies, count) = stored_currencies(&env.ctx, env.org, &euro_name).await;
    assert_eq!(currencies, BTreeSet::from(["EUR".to_owned()]));
    let euro_id = euro_account(&env).to_string();
    let (want_count, _) = expected(&env.fake).0[&euro_id];
    assert!(count > 100, "{count} euro transactions");
    assert_eq!(i64::try_from(count).expect("count"), want_count);

    // QuickBooks' rate of each euro transaction is the organisation's rate on that date.
    let rates = store.org_rates(env.org, 10_000).await.expect("rates");
    let ledger = env.fake.ledger();
    let euro = euro_account(&env);
    let mut checked = 0;
    for e in ledger.entities.iter().filter(|e| e.account == euro) {
        let want = e.rate_hundredths.expect("a rate");
        let stored_rate = rates
            .iter()
            .find(|r| r.rate.date == e.date && r.rate.from == Currency::EUR)
            .unwrap_or_else(|| panic!("no EUR rate on {}", e.date));
        assert_eq!(stored_rate.rate.to, Currency::USD);
        assert_eq!(stored_rate.source, "quickbooks");
        assert_eq!(
            stored_rate.rate.rate.to_string(),
            decimal(i128::from(want / 100), i128::from(want % 100), 2),
            "{}",
            e.date
        );
        checked += 1;
    }
    assert!(checked > 100);

    // The monthly cash flow in dollars is the conversion by hand, to the cent.
    let by_hand = converted_by_hand(&env);
    assert!(by_hand.len() >= 6, "{} months", by_hand.len());
    assert_eq!(
        reported_months(&env.ctx, env.org, &euro_name).await,
        by_hand
    );

    // An edit to a euro purchase in QuickBooks: the new euro amount, and its month's dollars.
    env.clock.advance(Duration::minutes(10));
    let purchase = ledger
        .entities
        .iter()
        .find(|e| e.kind == Kind::Purchase && e.account == euro && !e.inflow)
        .expect("a euro purchase");
    assert!(env.fake.update_amount(purchase.id, 1_234_500));
    env.clock.advance(Duration::minutes(1));
    let report = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("incremental");
    assert_eq!(report.counts.movements, 1, "{report:?}");
    assert_eq!(stored(&env).await, expected(&env.fake));
    let after = converted_by_hand(&env);
    assert_ne!(after, by_hand, "the edit changed a month");
    assert_eq!(reported_months(&env.ctx, env.org, &euro_name).await, after);
}

crate::on_both_backends!(a_euro_account_syncs_in_euros_and_reports_in_dollars_to_the_cent);
