//! The engine's monthly cash flow per bank account against `hledger balance -M`, to the cent.
//!
//! hledger sees every movement of an `Assets:Bank:` account: the opening balances (posted in
//! the first month against `Equity:Opening Balances`), the cash flow, and the transfers between
//! the organisation's own accounts. The engine's cash flow leaves transfers out by design, so
//! the expected movement is the engine's per-account cash flow plus the opening balance in the
//! first month plus the account's transfer lines of that month.
//!
//! Without hledger the test prints `SKIPPED: hledger not installed` and passes, unless
//! `FLOWSENSE_REQUIRE_TOOLS` is set (CI), in which case it fails.

use crate::books_for;
use flowsense_core::Books;
use flowsense_core::analytics::{Period, cashflow};
use flowsense_core::money::parse_minor;
use flowsense_synth::{GeneratedBooks, Profile, account_segment, to_books, write_journal};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::process::Command;

/// `(account segment, YYYY-MM)` → movement in minor units.
type Monthly = BTreeMap<(String, String), i64>;

fn hledger_available() -> bool {
    let found = Command::new("hledger")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        flowsense_test_support::skip_for_missing_tool("hledger", "");
    }
    found
}

/// `-1234.56 USD`, `0` or empty → minor units.
fn cell_minor(cell: &str) -> i64 {
    let number = cell.trim().trim_end_matches("USD").trim();
    if number.is_empty() {
        0
    } else {
        parse_minor(number, 2).unwrap_or_else(|e| panic!("{cell:?}: {e}"))
    }
}

/// `hledger -f J balance -M -O csv ^Assets:Bank:`, non-zero cells only.
fn hledger_monthly(journal: &str) -> Monthly {
    let out = Command::new("hledger")
        .args(["-f", journal, "balance", "-M", "-O", "csv", "^Assets:Bank:"])
        .output()
        .expect("hledger starts");
    assert!(
        out.status.success(),
        "hledger failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.stdout.as_slice());
    let mut rows = reader.records().map(|r| r.expect("hledger csv"));
    let header = rows.next().expect("a header row");
    let mut monthly = Monthly::new();
    for row in rows.filter(|r| r[0].starts_with("Assets:Bank:")) {
        let account = row[0].trim_start_matches("Assets:Bank:").to_owned();
        for (month, cell) in header.iter().zip(row.iter()).skip(1) {
            let minor = cell_minor(cell);
            if minor != 0 {
                monthly.insert((account.clone(), month.to_owned()), minor);
            }
        }
    }
    monthly
}

/// The engine's monthly cash flow per account, plus opening balances and transfers.
fn engine_monthly(generated: &GeneratedBooks, books: &Books) -> Monthly {
    let report = cashflow(books, None, None, Period::Month);
    assert!(report.periods_split_by_account);
    let account = |name: &str| account_segment(name);
    let mut monthly = Monthly::new();
    for period in &report.periods {
        let month = period.start.format("%Y-%m").to_string();
        for flow in &period.by_account {
            *monthly
                .entry((account(&flow.name), month.clone()))
                .or_default() += flow.flow.net;
        }
    }
    let first_month = generated.start.format("%Y-%m").to_string();
    for (id, name) in books.accounts.names().enumerate() {
        let opening = books.opening_balances.get(id).copied().unwrap_or(0);
        *monthly
            .entry((account(name), first_month.clone()))
            .or_default() += opening;
    }
    for t in books.txns.iter().filter(|t| t.transfer) {
        let key = (
            account(books.accounts.name(t.account)),
            t.date.format("%Y-%m").to_string(),
        );
        *monthly.entry(key).or_default() += t.amount;
    }
    monthly.retain(|_, v| *v != 0);
    monthly
}

#[test]
fn monthly_cash_flow_per_account_equals_hledger() {
    if !hledger_available() {
        return;
    }
    for profile in Profile::ALL {
        let generated = books_for(profile, 7, 10_000);
        let dir = tempfile::tempdir().expect("a temp dir");
        let journal = dir.path().join("books.journal");
        write_journal(&generated, File::create(&journal).expect("create journal"))
            .expect("write journal");
        let books = to_books(&generated);
        let expected = engine_monthly(&generated, &books);
        let got = hledger_monthly(journal.to_str().expect("utf-8 path"));
        assert!(expected.len() > 40, "{profile}: {}", expected.len());
        assert_eq!(got, expected, "{profile}");
        let _ = writeln!(
            std::io::stderr(),
            "{profile}: {} account-months of engine cash flow equal hledger's to the cent",
            expected.len()
        );
    }
}
