//! The retention part of the contract: purging old transactions into the rollups, on both
//! backends. The cutoff day is kept (`posted_on < cutoff` goes); the rollups hold exactly the
//! sums of the rows that went; the analytics over purged months are what they were; another
//! organisation is untouched; a purge stopped between batches resumes to the same totals; a
//! second run purges nothing.

use crate::support::TestDb;
use chrono::{Datelike, Days, NaiveDate, Utc};
use flowsense_core::analytics::{Period, cash_at, cash_position, cashflow, forecast};
use flowsense_core::{Books, Currency, OrgId};
use flowsense_storage::{
    ImportMeta, NewOrg, NewTransaction, NewUser, OrgSettings, PurgeBatch, Store,
};
use std::collections::BTreeMap;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub async fn org(store: &Store, slug: &str, keep_rollups: bool) -> OrgId {
    let mut settings = OrgSettings::with_currency(Currency::USD);
    settings.keep_monthly_rollups = keep_rollups;
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings,
        })
        .await
        .expect("create org")
        .id
}

const ACCOUNTS: [&str; 2] = ["Operating", "Savings"];
const CATEGORIES: [&str; 4] = ["Sales", "Rent", "Software", "Transfer"];
const COUNTERPARTIES: [&str; 5] = ["Acme", "Globex", "Initech", "Umbrella", "Hooli"];

/// `n` rows spread over `days` days from `start`, numbered from `first`: both signs, zero
/// amounts, transfers, several accounts, categories and counterparties, amounts too uneven to
/// look recurring.
pub fn rows(first: u64, n: u64, start: NaiveDate, days: u64) -> Vec<NewTransaction> {
    (first..first + n)
        .map(|i| {
            let mix = i.wrapping_mul(6_364_136_223_846_793_005).rotate_left(29);
            let category = CATEGORIES[usize::try_from(mix % 4).unwrap()];
            let magnitude = i64::try_from(mix % 250_000).unwrap();
            let amount = match (category, mix % 7) {
                (_, 0) => 0,
                ("Sales", _) => magnitude,
                ("Transfer", _) if mix % 2 == 0 => magnitude,
                _ => -magnitude,
            };
            NewTransaction {
                account: ACCOUNTS[usize::try_from((mix >> 8) % 2).unwrap()].into(),
                posted_on: start + Days::new((i * 7_919) % days),
                amount_minor: amount,
                currency: "USD".into(),
                original_amount_minor: amount,
                original_currency: "USD".into(),
                counterparty: COUNTERPARTIES[usize::try_from((mix >> 16) % 5).unwrap()].into(),
                description: format!("Row {i}"),
                category: category.into(),
                is_transfer: category == "Transfer",
                external_id: format!("ext-{i}"),
            }
        })
        .collect()
}

pub async fn import(store: &Store, org: OrgId, rows: &[NewTransaction], name: &str) {
    let meta = ImportMeta {
        file_name: name.into(),
        format: "csv".into(),
        sha256: format!("{:0>64}", name.len()),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut imp = store.begin_import(org, &meta).await.expect("begin");
    imp.add_transactions(rows).await.expect("add");
    imp.commit().await.expect("commit");
}

type FlowKey = (NaiveDate, String, String, String, bool);
type Totals = (i64, i64, i64, i64);

/// Monthly totals by names, from the rollups of `books`.
fn rolled_months(books: &Books) -> BTreeMap<FlowKey, Totals> {
    let mut out = BTreeMap::new();
    for r in &books.flow_rollups {
        let key = (
            r.month,
            books.accounts.name(r.account).to_owned(),
            books.categories.name(r.category).to_owned(),
            books.counterparties.name(r.counterparty).to_owned(),
            r.transfer,
        );
        let prev = out.insert(key, (r.inflow, r.outflow, r.inflow_count, r.outflow_count));
        assert!(prev.is_none(), "one rollup row per key");
    }
    out
}

/// The same totals summed from the raw transactions of `books` dated before `cutoff`.
fn summed_months(books: &Books, cutoff: NaiveDate) -> BTreeMap<FlowKey, Totals> {
    let mut out: BTreeMap<FlowKey, Totals> = BTreeMap::new();
    for t in books.txns.iter().filter(|t| t.date < cutoff) {
        let key = (
            t.date.with_day(1).unwrap(),
            books.accounts.name(t.account).to_owned(),
            books.categories.name(t.category).to_owned(),
            books.counterparties.name(t.counterparty).to_owned(),
            t.transfer,
        );
        let e = out.entry(key).or_default();
        if t.amount >= 0 {
            e.0 += t.amount;
            e.2 += 1;
        } else {
            e.1 += t.amount;
            e.3 += 1;
        }
    }
    out
}

fn rolled_weeks(books: &Books) -> BTreeMap<(NaiveDate, String), (i64, i64)> {
    books
        .week_rollups
        .iter()
        .map(|r| {
            let name = books.counterparties.name(r.counterparty).to_owned();
            ((r.week, name), (r.inflow, r.outflow))
        })
        .collect()
}

fn summed_weeks(books: &Books, cutoff: NaiveDate) -> BTreeMap<(NaiveDate, String), (i64, i64)> {
    let mut out: BTreeMap<(NaiveDate, String), (i64, i64)> = BTreeMap::new();
    for t in books.txns.iter().filter(|t| t.date < cutoff && !t.transfer) {
        let monday = t.date - Days::new(u64::from(t.date.weekday().num_days_from_monday()));
        let name = books.counterparties.name(t.counterparty).to_owned();
        let e = out.entry((monday, name)).or_default();
        if t.amount >= 0 {
            e.0 += t.amount;
        } else {
            e.1 += t.amount;
        }
    }
    out
}

async fn purge_all(store: &Store, org: OrgId, cutoff: NaiveDate, batch: u32) -> u64 {
    let mut total = 0;
    loop {
        let PurgeBatch { purged, more } = store
            .purge_transactions_before(org, cutoff, batch)
            .await
            .unwrap();
        total += purged;
        if !more {
            return total;
        }
        assert!(purged > 0, "rows remain but none were purged");
    }
}

async fn version(store: &Store, org: OrgId) -> i64 {
    store.org(org).await.unwrap().books_version
}

pub async fn purge_rolls_up_exactly_the_rows_before_the_cutoff_and_keeps_the_analytics(
    db: &TestDb,
) {
    let s = &db.store;
    let (a, b) = (org(s, "alpha", true).await, org(s, "bravo", true).await);
    let data = rows(0, 3_000, day(2025, 1, 1), 540);
    import(s, a, &data, "a.csv").await;
    import(s, b, &data, "b.csv").await;
    let cutoff = day(2026, 3, 15);
    let before = s.load_books(a).await.unwrap();
    let b_before = s.load_books(b).await.unwrap();
    let expected_gone = data.iter().filter(|r| r.posted_on < cutoff).count() as u64;
    let on_cutoff = data.iter().filter(|r| r.posted_on == cutoff).count();
    assert!(
        on_cutoff > 0 && expected_gone > 1_000,
        "the data straddles the cutoff"
    );
    let v0 = version(s, a).await;

    assert_eq!(purge_all(s, a, cutoff, 257).await, expected_gone);

    let after = s.load_books(a).await.unwrap();
    assert_eq!(
        after.txns.len(),
        data.len() - usize::try_from(expected_gone).unwrap()
    );
    assert!(
        after.txns.iter().all(|t| t.date >= cutoff),
        "nothing before the cutoff stays"
    );
    assert_eq!(
        after.txns.iter().filter(|t| t.date == cutoff).count(),
        on_cutoff,
        "the cutoff day is kept"
    );
    assert_eq!(rolled_months(&after), summed_months(&before, cutoff));
    assert_eq!(rolled_weeks(&after), summed_weeks(&before, cutoff));
    assert!(version(s, a).await > v0, "a purge moves the books version");

    // The analytics over purged months, to the cent.
    let (from, to) = (day(2025, 1, 1), day(2026, 6, 30));
    let monthly = |books: &Books| cashflow(books, Some(from), Some(to), Period::Month);
    assert_eq!(monthly(&after), monthly(&before));
    let mut month_end = day(2025, 1, 31);
    while month_end < to {
        assert_eq!(
            cash_at(&after, month_end),
            cash_at(&before, month_end),
            "{month_end}"
        );
        month_end = (month_end + Days::new(1))
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            - Days::new(1);
    }
    let kept_days = |books: &Books| {
        let mut p = cash_position(books, Some(from), Some(to));
        p.days.retain(|d| d.date >= cutoff - Days::new(1));
        p
    };
    assert_eq!(kept_days(&after), kept_days(&before));
    // A Sunday as_of: rollup weeks line up with the forecast's weeks exactly.
    let sunday = day(2026, 6, 28);
    assert_eq!(forecast(&after, sunday), forecast(&before, sunday));

    // The other organisation is untouched; a second run purges nothing and changes nothing.
    assert_eq!(s.load_books(b).await.unwrap(), b_before);
    let v1 = version(s, a).await;
    let again = s.purge_transactions_before(a, cutoff, 257).await.unwrap();
    assert_eq!(
        again,
        PurgeBatch {
            purged: 0,
            more: false
        }
    );
    assert_eq!(version(s, a).await, v1);
    assert_eq!(s.load_books(a).await.unwrap(), after);
    let tables = s.export_org_tables(a).await.unwrap();
    assert_eq!(tables.monthly_flow_rollups.len(), after.flow_rollups.len());
    assert_eq!(
        tables.weekly_counterparty_rollups.len(),
        after.week_rollups.len()
    );
}

pub async fn a_purge_stopped_between_batches_resumes_to_the_same_totals(db: &TestDb) {
    let s = &db.store;
    let (whole, resumed) = (org(s, "whole", true).await, org(s, "resumed", true).await);
    let data = rows(10_000, 2_000, day(2025, 6, 1), 300);
    import(s, whole, &data, "w.csv").await;
    import(s, resumed, &data, "r.csv").await;
    let cutoff = day(2026, 2, 1);
    let gone = data.iter().filter(|r| r.posted_on < cutoff).count() as u64;

    purge_all(s, whole, cutoff, 100_000).await;
    // One batch, as if the process were killed after its commit; then a fresh run.
    let first = s
        .purge_transactions_before(resumed, cutoff, 300)
        .await
        .unwrap();
    assert_eq!(
        first,
        PurgeBatch {
            purged: 300,
            more: true
        }
    );
    assert_eq!(purge_all(s, resumed, cutoff, 300).await, gone - 300);

    let (w, r) = (
        s.load_books(whole).await.unwrap(),
        s.load_books(resumed).await.unwrap(),
    );
    assert_eq!(rolled_months(&w), rolled_months(&r));
    assert_eq!(rolled_weeks(&w), rolled_weeks(&r));
    assert_eq!(w.txns.len(), r.txns.len());
}

pub async fn without_kept_rollups_a_purge_only_deletes(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "forgetful", false).await;
    let data = rows(20_000, 500, day(2025, 1, 1), 200);
    import(s, a, &data, "f.csv").await;
    let cutoff = day(2025, 5, 1);
    let gone = data.iter().filter(|r| r.posted_on < cutoff).count() as u64;
    assert_eq!(purge_all(s, a, cutoff, 64).await, gone);
    let books = s.load_books(a).await.unwrap();
    assert!(
        books.flow_rollups.is_empty() && books.week_rollups.is_empty() && books.rollups.is_empty()
    );
    assert_eq!(books.txns.len() as u64, data.len() as u64 - gone);
}

pub async fn old_conversations_go_and_other_organisations_keep_theirs(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "chatty", true).await, org(s, "quiet", true).await);
    let user = s
        .create_user(&NewUser {
            email: "ann@x.io".into(),
            display_name: "Ann".into(),
            password_hash: "$argon2id$placeholder".into(),
        })
        .await
        .unwrap()
        .id;
    s.create_conversation(a, user, "Runway?").await.unwrap();
    let kept = s.create_conversation(b, user, "Cash?").await.unwrap();
    let yesterday = Utc::now() - chrono::TimeDelta::days(1);
    assert_eq!(s.purge_conversations_before(a, yesterday).await.unwrap(), 0);
    let tomorrow = Utc::now() + chrono::TimeDelta::days(1);
    assert_eq!(s.purge_conversations_before(a, tomorrow).await.unwrap(), 1);
    assert!(s.conversation_messages(b, kept).await.is_ok());
}

crate::on_both_backends!(
    purge_rolls_up_exactly_the_rows_before_the_cutoff_and_keeps_the_analytics,
    a_purge_stopped_between_batches_resumes_to_the_same_totals,
    without_kept_rollups_a_purge_only_deletes,
    old_conversations_go_and_other_organisations_keep_theirs,
);
