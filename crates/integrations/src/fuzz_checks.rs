//! What the `provider_payloads` fuzz target (`fuzz/fuzz_targets/provider_payloads.rs`) checks
//! on every input, kept here so that the inputs it found are replayed by the ordinary
//! `cargo test` (the tests below read `fuzz/regressions/provider_payloads/` and
//! `fuzz/seeds/provider_payloads/`) without cargo-fuzz.
//!
//! An input is a letter saying which answer the body is, then the body as QuickBooks Online
//! or Xero would send it:
//! `0`–`8` a QuickBooks query page of [`EntityType::ALL`]`[n]`, `C` a QuickBooks CDC answer,
//! `N` QuickBooks' company info, `A` Xero's chart of accounts, `B`, `I`, `P` a page of Xero's
//! bank transactions, invoices or payments (mapped with a small chart of its own); any other
//! byte picks one by its value. Checked, besides not panicking:
//! - the same body reads the same way twice;
//! - every amount read arrived exactly: within the 15 significant digits a JSON number carries
//!   without rounding;
//! - QuickBooks' records go through the sync's mapping ([`BookMapper`]) into at most one change
//!   each, movements and documents in their currency, documents positive.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use crate::quickbooks::{
    BookMapper, EntityType, Record, parse_cdc, parse_company_name, parse_query_page,
};
use crate::xero::{Collection, parse_chart, parse_page};
use flowsense_core::Money;
use flowsense_core::money::Currency;
use flowsense_core::synced::BookChange;

/// The chart Xero pages are mapped with: a bank account, a card and two categories.
const XERO_CHART: &[u8] = br#"{"DateTimeUTC":"/Date(1750000000000)/","Accounts":[
{"AccountID":"b1","Code":"090","Name":"Business Bank","Type":"BANK","Status":"ACTIVE","CurrencyCode":"USD","BankAccountNumber":"1234"},
{"AccountID":"c1","Code":"091","Name":"Company Card","Type":"BANK","BankAccountType":"CREDITCARD","Status":"ACTIVE"},
{"AccountID":"s1","Code":"200","Name":"Sales","Type":"REVENUE","Status":"ACTIVE"},
{"AccountID":"e1","Code":"400","Name":"Advertising","Type":"EXPENSE","Status":"ACTIVE"}]}"#;

const HOME: Currency = Currency::USD;

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_provider_payload(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let pick = match pick {
        b'0'..=b'8' | b'C' | b'N' | b'A' | b'B' | b'I' | b'P' => pick,
        other => b"012345678CNABIP"[usize::from(other) % 15],
    };
    match pick {
        b'0'..=b'8' => quickbooks_page(EntityType::ALL[usize::from(pick - b'0')], body),
        b'C' => quickbooks_cdc(body),
        b'N' => {
            let name = parse_company_name(body).ok();
            assert_eq!(name, parse_company_name(body).ok(), "not deterministic");
            if let Some(name) = name {
                assert!(!name.is_empty() && name.trim() == name, "an untrimmed name");
            }
        }
        b'A' => xero_chart(body),
        b'B' => xero_page(Collection::BankTransactions, body),
        b'I' => xero_page(Collection::Invoices, body),
        _ => xero_page(Collection::Payments, body),
    }
}

/// Within what a JSON number carries exactly.
fn exact(money: &Money) {
    assert!(
        money.minor.unsigned_abs() < 1_000_000_000_000_000,
        "an amount of {} minor units cannot have arrived exactly",
        money.minor
    );
}

fn quickbooks_page(entity: EntityType, body: &[u8]) {
    let read = parse_query_page(body, entity, HOME);
    let again = parse_query_page(body, entity, HOME);
    match (&read, &again) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "not deterministic"),
        (Err(_), Err(_)) => {}
        _ => panic!("read once, refused once"),
    }
    if let Ok((records, _)) = read {
        quickbooks_records(&records);
    }
}

fn quickbooks_cdc(body: &[u8]) {
    let read = parse_cdc(body, &EntityType::ALL, HOME).ok();
    assert_eq!(
        read,
        parse_cdc(body, &EntityType::ALL, HOME).ok(),
        "not deterministic"
    );
    if let Some(records) = read {
        quickbooks_records(&records);
    }
}

fn quickbooks_records(records: &[Record]) {
    for record in records {
        match record {
            Record::Account(a) => {
                if let Some(balance) = &a.current_balance {
                    exact(balance);
                }
            }
            Record::Txn(t) => {
                exact(&t.total);
                if let Some(open) = &t.open_balance {
                    exact(open);
                }
                for p in &t.postings {
                    assert!(
                        p.amount_minor.unsigned_abs() < 1_000_000_000_000_000,
                        "a posting beyond what arrives exactly"
                    );
                }
            }
            Record::Deleted { .. } => {}
        }
    }
    let mut mapper = BookMapper::new();
    mapper.learn(records);
    let changes = mapper.map(records);
    assert!(changes.len() <= records.len(), "more changes than records");
    changes_are_sound(&changes);
}

fn changes_are_sound(changes: &[BookChange]) {
    for change in changes {
        match change {
            BookChange::Movements { movements, .. } => {
                for m in movements {
                    exact(&m.amount);
                }
            }
            BookChange::Document(d) => {
                exact(&d.amount);
                assert!(d.amount.minor >= 0, "a document of a negative amount");
            }
            BookChange::Account(_) | BookChange::Removed { .. } => {}
        }
    }
}

fn xero_chart(body: &[u8]) {
    let read = parse_chart(body, HOME)
        .ok()
        .map(|(chart, changes)| (chart.began, changes));
    let again = parse_chart(body, HOME)
        .ok()
        .map(|(chart, changes)| (chart.began, changes));
    assert_eq!(read, again, "not deterministic");
    if let Some((_, changes)) = read {
        assert!(
            changes.iter().all(|c| matches!(c, BookChange::Account(_))),
            "a chart read as more than accounts"
        );
    }
}

fn xero_page(collection: Collection, body: &[u8]) {
    let (chart, _) = parse_chart(XERO_CHART, HOME).expect("the built-in chart reads");
    let read = parse_page(body, collection, 1, &chart).ok();
    let again = parse_page(body, collection, 1, &chart).ok();
    assert_eq!(
        read.as_ref().map(|p| (&p.changes, p.more, p.newest_update)),
        again
            .as_ref()
            .map(|p| (&p.changes, p.more, p.newest_update)),
        "not deterministic"
    );
    if let Some(page) = read {
        changes_are_sound(&page.changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn fuzz_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target(
            "provider_payloads",
            check_provider_payload,
        );
    }

    /// The seeds are answers the readers take, so fuzzing starts from what the sync reads.
    #[test]
    fn every_seed_reads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/provider_payloads");
        let (chart, _) = parse_chart(XERO_CHART, HOME).unwrap();
        let mut seeds = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let (&pick, body) = data.split_first().unwrap();
            let read = match pick {
                b'0'..=b'8' => {
                    parse_query_page(body, EntityType::ALL[usize::from(pick - b'0')], HOME)
                        .map(|(records, _)| records.len())
                        .map_err(|e| e.to_string())
                }
                b'C' => parse_cdc(body, &EntityType::ALL, HOME)
                    .map(|r| r.len())
                    .map_err(|e| e.to_string()),
                b'N' => parse_company_name(body)
                    .map(|_| 1)
                    .map_err(|e| e.to_string()),
                b'A' => parse_chart(body, HOME)
                    .map(|(_, changes)| changes.len())
                    .map_err(|e| e.to_string()),
                b'B' | b'I' | b'P' => {
                    let collection = match pick {
                        b'B' => Collection::BankTransactions,
                        b'I' => Collection::Invoices,
                        _ => Collection::Payments,
                    };
                    parse_page(body, collection, 1, &chart)
                        .map(|page| page.changes.len())
                        .map_err(|e| e.to_string())
                }
                _ => panic!("{} has no reader letter", path.display()),
            };
            assert!(
                matches!(read, Ok(n) if n > 0),
                "{}: {read:?}",
                path.display()
            );
            seeds += 1;
        }
        assert!(seeds >= 15, "{seeds} seeds");
    }

    #[test]
    fn the_built_in_chart_has_money_accounts() {
        let (_, changes) = parse_chart(XERO_CHART, HOME).unwrap();
        assert!(!changes.is_empty());
    }
}
