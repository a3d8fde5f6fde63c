//! A full backfill matching the books exactly with the fewest requests, incremental reads
//! through If-Modified-Since, and the proof that the client only reads.

use crate::xero::support::{connect, env, env_with, quick_retries, read, two_organisations};
use chrono::Duration;
use flowsense_core::DocKind;
use flowsense_core::clock::Clock;
use flowsense_core::synced::{BookChange, MoneyAccountKind};
use flowsense_fakes::XeroFakeConfig;
use flowsense_fakes::xero::ledger::{Kind, Ledger, Status};
use flowsense_integrations::xero::PAGE_SIZE;
use flowsense_synth::GeneratedBooks;
use std::collections::{HashMap, HashSet};

/// Per bank account name: (movements, sum) from what the client mapped.
fn per_account(changes: &[BookChange]) -> HashMap<String, (usize, i64)> {
    let names: HashMap<&str, &str> = changes
        .iter()
        .filter_map(|c| match c {
            BookChange::Account(a) => Some((a.provider_id.as_str(), a.name.as_str())),
            _ => None,
        })
        .collect();
    let mut got: HashMap<String, (usize, i64)> = HashMap::new();
    for c in changes {
        let BookChange::Movements { movements, .. } = c else {
            continue;
        };
        for m in movements {
            let e = got
                .entry(names[m.account_id.as_str()].to_owned())
                .or_default();
            e.0 += 1;
            e.1 += m.amount.minor;
        }
    }
    got
}

fn per_account_in_books(books: &GeneratedBooks) -> HashMap<String, (usize, i64)> {
    let mut want: HashMap<String, (usize, i64)> = HashMap::new();
    for t in &books.transactions {
        let e = want.entry(t.account.to_string()).or_default();
        e.0 += 1;
        e.1 += t.amount_minor;
    }
    want
}

/// The least requests page/pageSize paging allows: the chart, then ⌈n/1000⌉ (at least one)
/// per paged collection.
fn minimum_requests(ledger: &Ledger) -> usize {
    1 + [Kind::BankTransaction, Kind::Invoice, Kind::Payment]
        .iter()
        .map(|&k| {
            let n = ledger.records.iter().filter(|r| r.kind == k).count();
            n.div_ceil(PAGE_SIZE).max(1)
        })
        .sum::<usize>()
}

fn check_documents(changes: &[BookChange], books: &GeneratedBooks) {
    let docs: Vec<_> = changes
        .iter()
        .filter_map(|c| match c {
            BookChange::Document(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(docs.len(), books.documents.len());
    let total = |kind| -> i64 {
        docs.iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.amount.minor)
            .sum()
    };
    let want = |kind| -> i64 {
        books
            .documents
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.amount_minor)
            .sum()
    };
    assert_eq!(total(DocKind::Invoice), want(DocKind::Invoice));
    assert_eq!(total(DocKind::Bill), want(DocKind::Bill));
    let open: i64 = docs
        .iter()
        .filter(|d| d.paid_date.is_none())
        .map(|d| d.amount.minor)
        .sum();
    let unpaid: i64 = books
        .documents
        .iter()
        .filter(|d| d.paid_date.is_none())
        .map(|d| d.amount_minor)
        .sum();
    assert_eq!(open, unpaid);
    assert!(docs.iter().all(|d| d.amount.currency == books.currency));
}

#[tokio::test]
async fn a_backfill_of_50_000_bank_transactions_matches_the_books_with_the_fewest_requests() {
    let books = two_organisations(52_000);
    assert!(
        books[0].transactions.len() >= 50_000,
        "{}",
        books[0].transactions.len()
    );
    // Production's 60 calls per window and 5 at once, with a 3-second window instead of a
    // minute so that the wait the limit forces stays short.
    let config = XeroFakeConfig {
        minute_window: std::time::Duration::from_secs(3),
        ..XeroFakeConfig::default()
    };
    let env = env_with(books, config, quick_retries()).await;
    let (tokens, connections) = connect(&env).await;
    let mut seen_accounts: Vec<HashSet<String>> = Vec::new();
    for (i, connection) in connections.iter().enumerate() {
        let books = &env.books[i];
        let ledger = env.fake.ledger(i);
        let before = env.fake.request_count();
        let started = std::time::Instant::now();
        let (changes, summary) = read(&env, &connection.tenant_id, &tokens.access_token, None)
            .await
            .expect("backfill");
        let elapsed = started.elapsed();

        let got = per_account(&changes);
        assert_eq!(got, per_account_in_books(books));
        let lines: usize = got.values().map(|v| v.0).sum();
        assert_eq!(lines, books.transactions.len());
        check_documents(&changes, books);
        let accounts: HashSet<String> = changes
            .iter()
            .filter_map(|c| match c {
                BookChange::Account(a) => Some(a.provider_id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(accounts.len(), books.accounts.len(), "bank accounts only");
        assert!(changes.iter().any(
            |c| matches!(c, BookChange::Account(a) if a.kind == MoneyAccountKind::CreditCard)
        ));
        seen_accounts.push(accounts);

        let minimum = minimum_requests(&ledger);
        assert_eq!(summary.requests, minimum);
        let served = &env.fake.served()[before..];
        let throttled = served.iter().filter(|s| s.status == 429).count();
        assert_eq!(
            served.len() - throttled,
            minimum,
            "429s aside, not one request more"
        );
        assert_eq!(
            summary.newest_update,
            ledger.records.iter().map(|r| r.updated).max()
        );
        let transfers = changes
            .iter()
            .filter(|c| matches!(c, BookChange::Movements { movements, .. } if movements.iter().any(|m| m.is_transfer)))
            .count();
        println!(
            "xero backfill of {} ({}): {lines} bank lines ({transfers} transfer sides), {} changes, \
             {} requests (minimum {minimum}) plus {throttled} answered 429, {elapsed:.2?}",
            connection.tenant_name.as_deref().unwrap_or_default(),
            books.currency.as_str(),
            changes.len(),
            summary.requests,
        );
    }
    assert!(
        seen_accounts[0].is_disjoint(&seen_accounts[1]),
        "tenants share nothing"
    );
}

fn first(ledger: &Ledger, kind: Kind, txn_type: &str) -> String {
    ledger
        .records
        .iter()
        .find(|r| r.kind == kind && r.txn_type == txn_type && r.status != Status::Deleted)
        .expect("a record")
        .id
        .clone()
}

#[tokio::test]
async fn incremental_reads_bring_edits_voids_and_deletions_since_the_cursor() {
    let env = env(3_000).await;
    let (tokens, connections) = connect(&env).await;
    let tenant = &connections[0].tenant_id;
    let (_, full) = read(&env, tenant, &tokens.access_token, None)
        .await
        .expect("full");
    let cursor = full.newest_update.expect("a cursor");
    env.clock.advance(Duration::minutes(10));
    let ledger = env.fake.ledger(0);
    let edited = first(&ledger, Kind::BankTransaction, "RECEIVE");
    let voided = first(&ledger, Kind::BankTransaction, "SPEND");
    let deleted_payment = first(&ledger, Kind::Payment, "ACCRECPAYMENT");
    let voided_bill = first(&ledger, Kind::Invoice, "ACCPAY");
    let transfer = first(&ledger, Kind::BankTransaction, "SPEND-TRANSFER");
    assert!(env.fake.update_amount(0, &edited, 123_456));
    assert!(env.fake.void(0, &voided));
    assert!(env.fake.delete(0, &deleted_payment));
    assert!(env.fake.void(0, &voided_bill));
    assert!(env.fake.delete(0, &transfer));
    env.clock.advance(Duration::minutes(1));

    let (changes, summary) = read(
        &env,
        tenant,
        &tokens.access_token,
        Some(cursor + Duration::seconds(1)),
    )
    .await
    .expect("incremental");
    assert_eq!(
        summary.requests, 4,
        "the chart and one page of each collection"
    );
    let moved: Vec<&BookChange> = changes
        .iter()
        .filter(|c| !matches!(c, BookChange::Account(_)))
        .collect();
    assert_eq!(moved.len(), 5, "{moved:?}");
    for c in moved {
        match c {
            BookChange::Movements {
                source_id,
                movements,
            } if *source_id == edited => {
                assert_eq!(movements.len(), 1);
                assert_eq!(movements[0].amount.minor, 123_456);
            }
            BookChange::Movements {
                source_id,
                movements,
            } if *source_id == voided => {
                assert!(movements.is_empty());
            }
            BookChange::Removed { source_id }
                if [&deleted_payment, &voided_bill, &transfer].contains(&source_id) => {}
            other => panic!("unexpected change {other:?}"),
        }
    }
    let next = summary.newest_update.expect("cursor");
    assert_eq!(next, env.clock.now() - Duration::minutes(1));
    // Nothing changed since: only the chart comes back.
    env.clock.advance(Duration::minutes(5));
    let (quiet, _) = read(
        &env,
        tenant,
        &tokens.access_token,
        Some(next + Duration::seconds(1)),
    )
    .await
    .expect("quiet");
    assert!(
        quiet.iter().all(|c| matches!(c, BookChange::Account(_))),
        "{quiet:?}"
    );
}

#[tokio::test]
async fn the_client_sends_nothing_but_reads_its_token_calls_and_the_tenant_delete() {
    let env = env(2_000).await;
    let (tokens, connections) = connect(&env).await;
    for c in &connections {
        read(&env, &c.tenant_id, &tokens.access_token, None)
            .await
            .expect("read");
    }
    let refreshed = env
        .xero
        .refresh(&tokens.refresh_token)
        .await
        .expect("refresh");
    env.xero
        .disconnect_tenant(&refreshed.access_token, &connections[1].id)
        .await
        .expect("disconnect");
    env.xero
        .revoke(&refreshed.refresh_token)
        .await
        .expect("revoke");

    let served = env.fake.served();
    let client_requests: Vec<_> = served
        .iter()
        // The consent page and its form are the user's browser, not the client.
        .filter(|s| !s.path.starts_with("/identity/connect/authorize"))
        .collect();
    assert!(client_requests.len() > 8);
    for s in client_requests {
        let allowed = match s.method.as_str() {
            "GET" => s.path == "/connections" || s.path.starts_with("/api.xro/2.0/"),
            "POST" => s.path == "/connect/token" || s.path == "/connect/revocation",
            "DELETE" => s.path == format!("/connections/{}", connections[1].id),
            _ => false,
        };
        assert!(allowed, "a request that is not a read: {s:?}");
        if s.path.starts_with("/api.xro/2.0/") {
            assert!(
                s.tenant
                    .as_ref()
                    .is_some_and(|t| env.fake.tenant_ids().contains(t)),
                "{s:?}"
            );
        }
    }
}
