//! A Xero organisation in dollars with a euro bank account (the generator's books spread over
//! USD and EUR): the backfill keeps every euro amount in euros, Xero's `CurrencyRate` (euros
//! per dollar) lands inverted in the organisation's rates on each transaction's date, the
//! monthly cash flow in dollars is the hand-computed conversion (euros ÷ `CurrencyRate`) to the
//! cent, and an edit to a euro transaction reaches the store and the report.

use super::support::{TRADING, XeroEnv, connect, expected, stored, xero_env};
use crate::fx::{by_month, decimal, reported_months, round_half_even, stored_currencies};
use chrono::{Duration, NaiveDate};
use flowsense_core::Currency;
use flowsense_core::analytics::Flow;
use flowsense_fakes::xero::ledger::{Kind, Status};
use flowsense_fakes::xero::render::currency_rate;
use flowsense_service::sync::sync_connection;
use flowsense_storage::Store;
use flowsense_synth::{GenConfig, account_name, generate, parse_currencies, spread_currencies};
use std::collections::{BTreeMap, BTreeSet};

/// Xero's `CurrencyRate` of a record as the fake serves it, in millionths (`0.925926` →
/// 925,926).
fn millionths(hundredths: Option<i64>) -> i64 {
    let text = currency_rate(hundredths).to_string();
    let (units, fraction) = text.split_once('.').unwrap_or((&text, ""));
    assert!(fraction.len() <= 6, "{text}");
    let fraction = format!("{fraction:0<6}");
    units.parse::<i64>().expect("units") * 1_000_000 + fraction.parse::<i64>().expect("fraction")
}

/// The euro bank account's index in the fake's chart.
fn euro_account(env: &XeroEnv) -> usize {
    let name = account_name(Currency::EUR);
    let ledger = env.fake.ledger(0);
    let i = ledger
        .accounts
        .iter()
        .position(|a| *a.name == *name)
        .expect("the euro account");
    assert_eq!(ledger.accounts[i].currency, Currency::EUR);
    i
}

/// By hand, from what the fake serves: each live euro movement divided by its `CurrencyRate`,
/// rounded once to the cent, summed per month.
fn converted_by_hand(env: &XeroEnv) -> BTreeMap<NaiveDate, Flow> {
    let euro = euro_account(env);
    let ledger = env.fake.ledger(0);
    let amounts = ledger.records.iter().filter_map(|r| {
        let (account, minor) = r.bank_effect()?;
        (account == euro).then(|| {
            assert_eq!(r.currency, Currency::EUR);
            let rate = millionths(r.rate_hundredths);
            assert!(rate < 1_000_000, "more euros than dollars: {rate}");
            (
                r.date,
                round_half_even(i128::from(minor) * 1_000_000, i128::from(rate)),
            )
        })
    });
    by_month(amounts.collect::<Vec<_>>())
}

async fn a_euro_account_syncs_in_euros_and_reports_in_dollars_to_the_cent(store: &Store) {
    let mut books = generate(&GenConfig {
        business_name: TRADING.into(),
        ..GenConfig::new(31, 3_000)
    })
    .expect("books");
    spread_currencies(&mut books, &parse_currencies("USD,EUR").expect("codes"));
    let env = xero_env(store, &[books]).await;
    let connection = connect(&env, 1, 0).await;
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("backfill");

    // Every amount is stored exactly as Xero gave it, in its account's currency.
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 0));
    let euro_name = account_name(Currency::EUR);
    let (currencies, count) = stored_currencies(&env.ctx, env.org, &euro_name).await;
    assert_eq!(currencies, BTreeSet::from(["EUR".to_owned()]));
    let euro = euro_account(&env);
    let ledger = env.fake.ledger(0);
    let (want_count, _) = expected(&env.fake, 0).0[&ledger.accounts[euro].id];
    assert!(count > 100, "{count} euro transactions");
    assert_eq!(i64::try_from(count).expect("count"), want_count);

    // Xero's rate of each euro transaction, inverted (dollars per euro, to ten decimals), is
    // the organisation's rate on that date.
    let rates = store.org_rates(env.org, 10_000).await.expect("rates");
    let mut checked = 0;
    for r in ledger.records.iter().filter(|r| {
        r.account == euro && r.kind == Kind::BankTransaction && r.status == Status::Authorised
    }) {
        let stored_rate = rates
            .iter()
            .find(|s| s.rate.date == r.date && s.rate.from == Currency::EUR)
            .unwrap_or_else(|| panic!("no EUR rate on {}", r.date));
        assert_eq!(stored_rate.rate.to, Currency::USD);
        assert_eq!(stored_rate.source, "xero");
        let inverse = 10_i128.pow(16) / i128::from(millionths(r.rate_hundredths));
        assert_eq!(
            stored_rate.rate.rate.to_string(),
            decimal(inverse / 10_i128.pow(10), inverse % 10_i128.pow(10), 10),
            "{}",
            r.date
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

    // An edit to a euro bank transaction in Xero: the new euro amount, and its month's dollars.
    env.clock.advance(Duration::minutes(10));
    let edited = ledger
        .records
        .iter()
        .find(|r| {
            r.account == euro && r.kind == Kind::BankTransaction && r.status == Status::Authorised
        })
        .expect("a euro bank transaction")
        .id
        .clone();
    assert!(env.fake.update_amount(0, &edited, 1_234_500));
    env.clock.advance(Duration::minutes(1));
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("incremental");
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 0));
    let after = converted_by_hand(&env);
    assert_ne!(after, by_hand, "the edit changed a month");
    assert_eq!(reported_months(&env.ctx, env.org, &euro_name).await, after);
}

crate::on_both_backends!(a_euro_account_syncs_in_euros_and_reports_in_dollars_to_the_cent);
