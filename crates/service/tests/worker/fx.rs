//! What the foreign-currency sync tests check against: the cash-flow report's months of one
//! account, recomputed by hand from the provider's amounts and rates, and the currencies the
//! store kept the account's transactions in.

use chrono::{Datelike, NaiveDate};
use flowsense_core::OrgId;
use flowsense_core::analytics::{Flow, Period};
use flowsense_service::Context;
use flowsense_service::analysis::analysis;
use flowsense_storage::{TxnCursor, TxnFilter};
use std::collections::{BTreeMap, BTreeSet};

/// `num / den` rounded half to even (`den > 0`), as one conversion rounds.
pub fn round_half_even(num: i128, den: i128) -> i64 {
    let (q, r) = (num.div_euclid(den), num.rem_euclid(den));
    let rounded = match (2 * r).cmp(&den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 == 0 => q,
        std::cmp::Ordering::Equal => q + 1,
    };
    i64::try_from(rounded).expect("fits")
}

/// A decimal as the rates table gives it back: no trailing zeros after the point.
pub fn decimal(units: i128, fraction: i128, digits: usize) -> String {
    let text = format!("{units}.{fraction:0digits$}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Per month (its first day): inflow, outflow (negative) and net of `amounts`.
pub fn by_month(amounts: impl IntoIterator<Item = (NaiveDate, i64)>) -> BTreeMap<NaiveDate, Flow> {
    let mut out: BTreeMap<NaiveDate, Flow> = BTreeMap::new();
    for (date, minor) in amounts {
        let month = date.with_day(1).expect("a first day");
        let f = out.entry(month).or_default();
        if minor >= 0 {
            f.inflow += minor;
        } else {
            f.outflow += minor;
        }
        f.net += minor;
        f.count += 1;
    }
    out
}

/// The organisation's monthly cash-flow report (in its base currency) for one account, as the
/// pages and the API compute it: per month, the account's bucket.
pub async fn reported_months(
    ctx: &Context,
    org: OrgId,
    account: &str,
) -> BTreeMap<NaiveDate, Flow> {
    let org = ctx.store.org(org).await.expect("org");
    let a = analysis(&ctx.store, &ctx.analytics, &org)
        .await
        .expect("analysis");
    assert!(
        a.books.missing_rates.is_empty(),
        "{:?}",
        a.books.missing_rates
    );
    let report = a.cashflow();
    assert_eq!(report.period, Period::Month);
    assert_eq!(report.currency, org.settings.base_currency);
    assert!(report.periods_split_by_account);
    report
        .periods
        .iter()
        .filter_map(|p| {
            p.by_account
                .iter()
                .find(|b| b.name == account)
                .map(|b| (p.start, b.flow))
        })
        .collect()
}

/// The currencies the store holds `account`'s transactions in, and how many there are.
pub async fn stored_currencies(
    ctx: &Context,
    org: OrgId,
    account: &str,
) -> (BTreeSet<String>, usize) {
    let mut currencies = BTreeSet::new();
    let mut count = 0;
    let mut cursor: Option<TxnCursor> = None;
    loop {
        let page = ctx
            .store
            .list_transactions(
                org,
                &TxnFilter {
                    account: Some(account.to_owned()),
                    cursor,
                    limit: 500,
                    ..TxnFilter::default()
                },
            )
            .await
            .expect("transactions");
        count += page.items.len();
        currencies.extend(page.items.iter().map(|t| t.currency.clone()));
        match page.next_cursor.as_deref().and_then(TxnCursor::decode) {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    (currencies, count)
}
