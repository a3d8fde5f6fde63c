//! A full backfill matching the books exactly, incremental changes through CDC, and the
//! proof that the client only reads.

use crate::quickbooks::support::{books, connect, env, env_with, quick_retries};
use chrono::Duration;
use flowsense_core::Currency;
use flowsense_core::clock::Clock;
use flowsense_fakes::FakeConfig;
use flowsense_fakes::quickbooks::ledger::Kind;
use flowsense_integrations::quickbooks::{
    EntityType, PAGE_SIZE, QuickBooksError, Record, RecordState,
};
use std::collections::HashMap;

#[tokio::test]
async fn a_backfill_of_50_000_transactions_matches_the_books_with_the_fewest_requests() {
    let books = books(52_000);
    assert!(
        books.transactions.len() >= 50_000,
        "{}",
        books.transactions.len()
    );
    let env = env_with(books, FakeConfig::default(), quick_retries()).await;
    let (tokens, realm) = connect(&env).await;
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    let before = env.fake.request_count();
    let started = std::time::Instant::now();
    let mut records = Vec::new();
    let mut requests = 0;
    for entity in EntityType::ALL {
        requests += company
            .read_all(entity, None, |page| records.extend(page))
            .await
            .expect("read");
    }
    let elapsed = started.elapsed();

    // Bank lines, per bank account, from what the API served.
    let bank: HashMap<String, String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) if env.books.accounts.iter().any(|b| *b.name == a.name) => {
                Some((a.provider_id.clone(), a.name.clone()))
            }
            _ => None,
        })
        .collect();
    let mut got: HashMap<String, (usize, i64)> = HashMap::new();
    let (mut invoices, mut bills, mut docs_total, mut open) = (0, 0, 0i64, 0i64);
    for r in &records {
        let Record::Txn(t) = r else { continue };
        assert_eq!(t.state, RecordState::Active);
        match t.entity {
            EntityType::Invoice => invoices += 1,
            EntityType::Bill => bills += 1,
            _ => {}
        }
        if matches!(t.entity, EntityType::Invoice | EntityType::Bill) {
            docs_total += t.total.minor;
            open += t.open_balance.expect("balance").minor;
        }
        for p in &t.postings {
            if let Some(name) = bank.get(&p.account_id) {
                let e = got.entry(name.clone()).or_default();
                e.0 += 1;
                e.1 += p.amount_minor;
            }
        }
    }
    let mut want: HashMap<String, (usize, i64)> = HashMap::new();
    for t in &env.books.transactions {
        let e = want.entry(t.account.to_string()).or_default();
        e.0 += 1;
        e.1 += t.amount_minor;
    }
    assert_eq!(got, want);
    let lines: usize = got.values().map(|v| v.0).sum();
    assert_eq!(lines, env.books.transactions.len());
    let docs = &env.books.documents;
    assert_eq!(invoices + bills, docs.len());
    assert_eq!(docs_total, docs.iter().map(|d| d.amount_minor).sum::<i64>());
    let unpaid: i64 = docs
        .iter()
        .filter(|d| d.paid_date.is_none())
        .map(|d| d.amount_minor)
        .sum();
    assert_eq!(open, unpaid);
    for r in &records {
        let Record::Account(a) = r else { continue };
        let Some(b) = env.books.accounts.iter().find(|b| *b.name == a.name) else {
            continue;
        };
        let (_, sum) = want[&*b.name];
        assert_eq!(
            a.current_balance.expect("balance").minor,
            b.opening_balance_minor + sum
        );
    }

    // Requests: ⌊n/1000⌋ + 1 per entity type is the least STARTPOSITION/MAXRESULTS paging allows.
    let ledger = env.fake.ledger();
    let minimum: usize = Kind::ALL
        .iter()
        .map(|&k| {
            let n = if k == Kind::Account {
                ledger.accounts.len()
            } else {
                ledger.entities.iter().filter(|e| e.kind == k).count()
            };
            n / PAGE_SIZE + 1
        })
        .sum();
    assert_eq!(requests, minimum);
    assert_eq!(env.fake.request_count() - before, minimum);
    println!(
        "backfill: {} bank lines, {} records, {requests} requests (minimum {minimum}), {:.2?}",
        lines,
        records.len(),
        elapsed
    );
}

fn first(env: &crate::quickbooks::support::Env, kind: Kind) -> u64 {
    env.fake
        .entities()
        .iter()
        .find(|e| e.kind == kind)
        .expect("an entity")
        .id
}

#[tokio::test]
async fn cdc_returns_updates_deletions_and_voids_since_the_last_sync() {
    let env = env(3_000).await;
    let (tokens, realm) = connect(&env).await;
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    let synced_at = env.clock.now();
    env.clock.advance(Duration::minutes(10));
    let (purchase, deposit, payment) = (
        first(&env, Kind::Purchase),
        first(&env, Kind::Deposit),
        first(&env, Kind::Payment),
    );
    assert!(env.fake.update_amount(purchase, 123_456));
    assert!(env.fake.delete(deposit));
    assert!(env.fake.void(payment));
    env.clock.advance(Duration::minutes(1));

    let kinds = &EntityType::ALL[1..];
    let mut changes = company.changes_since(kinds, synced_at).await.expect("cdc");
    changes.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(changes.len(), 3, "{changes:?}");
    for r in &changes {
        match r {
            Record::Txn(t) if t.entity == EntityType::Purchase => {
                assert_eq!(t.provider_id, purchase.to_string());
                assert_eq!(t.total.minor, 123_456);
                assert_eq!(t.sync_token.as_deref(), Some("1"));
            }
            Record::Txn(t) if t.entity == EntityType::Payment => {
                assert_eq!(t.provider_id, payment.to_string());
                assert_eq!((t.state, t.total.minor), (RecordState::Voided, 0));
            }
            Record::Deleted {
                entity,
                provider_id,
                ..
            } => {
                assert_eq!(
                    (*entity, provider_id.clone()),
                    (EntityType::Deposit, deposit.to_string())
                );
            }
            other => panic!("unexpected change {other:?}"),
        }
    }
    // The same through the query language: only the edited purchase changed after the sync.
    let mut edited = Vec::new();
    company
        .read_all(EntityType::Purchase, Some(synced_at), |p| edited.extend(p))
        .await
        .expect("incremental query");
    assert!(
        matches!(&edited[..], [Record::Txn(t)] if t.provider_id == purchase.to_string()),
        "{edited:?}"
    );
    // Queries no longer show the deleted deposit.
    let mut ids = Vec::new();
    company
        .read_all(
            EntityType::Deposit,
            Some(synced_at - Duration::days(3650)),
            |p| ids.extend(p),
        )
        .await
        .expect("deposits");
    assert!(
        !ids.iter()
            .any(|r| matches!(r, Record::Txn(t) if t.provider_id == deposit.to_string()))
    );

    let requests = env.fake.request_count();
    let old = company
        .changes_since(kinds, env.clock.now() - Duration::days(31))
        .await;
    assert!(
        matches!(old, Err(QuickBooksError::CdcWindowExpired)),
        "{old:?}"
    );
    assert_eq!(
        env.fake.request_count(),
        requests,
        "no request for an expired window"
    );

    let purchases: Vec<u64> = env
        .fake
        .entities()
        .iter()
        .filter(|e| e.kind == Kind::Purchase)
        .map(|e| e.id)
        .take(1000)
        .collect();
    let mark = env.clock.now();
    env.clock.advance(Duration::minutes(1));
    for id in purchases {
        env.fake.update_amount(id, 100);
    }
    let full = company.changes_since(kinds, mark).await;
    assert!(
        matches!(full, Err(QuickBooksError::CdcOverflow)),
        "{full:?}"
    );
}

#[tokio::test]
async fn the_company_name_is_read_from_company_info_in_one_request() {
    let env = env(200).await;
    let (tokens, realm) = connect(&env).await;
    let before = env.fake.request_count();
    let name = env
        .qb
        .company(&realm, &tokens.access_token, Currency::USD)
        .company_name()
        .await
        .expect("company name");
    assert_eq!(name, env.books.business_name);
    assert_eq!(name, env.fake.ledger().company_name);
    let served = env.fake.served();
    assert_eq!(served.len() - before, 1);
    let last = served.last().expect("a request");
    assert_eq!(
        (last.method.as_str(), last.path.clone(), last.status),
        (
            "GET",
            format!("/v3/company/{realm}/companyinfo/{realm}"),
            200
        )
    );
    assert_eq!(last.query.as_deref(), Some("minorversion=75"));

    // Another company's id is refused, and the client says so rather than inventing a name.
    let other = env
        .qb
        .company("4620816365000000000", &tokens.access_token, Currency::USD)
        .company_name()
        .await;
    assert!(other.is_err(), "{other:?}");
}

#[tokio::test]
async fn the_client_sends_nothing_but_reads_and_its_own_token_calls() {
    let env = env(2_000).await;
    let (tokens, realm) = connect(&env).await;
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    for entity in EntityType::ALL {
        company.read_all(entity, None, |_| {}).await.expect("read");
    }
    company.company_name().await.expect("company name");
    let since = env.clock.now();
    env.clock.advance(Duration::minutes(5));
    company
        .changes_since(&EntityType::ALL, since)
        .await
        .expect("cdc");
    let refreshed = env
        .qb
        .refresh(&tokens.refresh_token)
        .await
        .expect("refresh");
    env.qb
        .revoke(&refreshed.refresh_token)
        .await
        .expect("revoke");

    let served = env.fake.served();
    let client_requests: Vec<_> = served
        .iter()
        // The consent page and its form are the user's browser, not the client.
        .filter(|s| !s.path.starts_with("/connect/oauth2"))
        .collect();
    assert!(client_requests.len() > 10);
    for s in client_requests {
        let token_call = s.method == "POST"
            && (s.path == "/oauth2/v1/tokens/bearer" || s.path == "/v2/oauth2/tokens/revoke");
        assert!(
            s.method == "GET" || token_call,
            "a request that is not a read: {s:?}"
        );
        if s.method == "GET" {
            assert!(
                s.path.starts_with(&format!("/v3/company/{realm}/")),
                "{s:?}"
            );
        }
    }
}
