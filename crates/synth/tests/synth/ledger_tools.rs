//! Cross-check with hledger and ledger: the journal, read by the real tools, has the same
//! per-account monthly totals and per-category totals as the CSV, to the cent, for every
//! business profile.
//!
//! Without the tools the tests print `SKIPPED: ...` to stderr and pass, unless
//! `FLOWSENSE_REQUIRE_TOOLS` is set (CI), in which case they fail.

use crate::books_for;
use flowsense_core::money::parse_minor;
use flowsense_synth::{Profile, write_csv, write_journal};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::Command;

fn tool_available(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        flowsense_test_support::skip_for_missing_tool(name, " (apt-get install -y hledger ledger)");
    }
    found
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .expect("the tool starts");
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
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

struct Fixture {
    _dir: tempfile::TempDir,
    journal: PathBuf,
    /// Opening balance plus every CSV row, by account and `YYYY-MM`.
    monthly: BTreeMap<(String, String), i64>,
    by_category: BTreeMap<String, i64>,
}

/// Generates ~10,000 rows, writes CSV and journal, and sums the CSV as read back from disk.
fn fixture(profile: Profile) -> Fixture {
    let b = books_for(profile, 21, 10_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let (csv_path, journal) = (
        dir.path().join("books.csv"),
        dir.path().join("books.journal"),
    );
    write_csv(&b, File::create(&csv_path).expect("create csv")).expect("write csv");
    write_journal(&b, File::create(&journal).expect("create journal")).expect("write journal");
    let start_month = b.start.format("%Y-%m").to_string();
    let mut monthly = BTreeMap::new();
    for a in &b.accounts {
        monthly.insert(
            (a.name.to_string(), start_month.clone()),
            a.opening_balance_minor,
        );
    }
    let mut by_category = BTreeMap::new();
    let mut reader = csv::Reader::from_path(&csv_path).expect("read csv");
    for row in reader.records() {
        let row = row.expect("a valid row");
        let amount = parse_minor(&row[2], 2).expect("an amount");
        *monthly
            .entry((row[1].to_owned(), row[0][..7].to_owned()))
            .or_default() += amount;
        *by_category.entry(row[5].to_owned()).or_default() += amount;
    }
    Fixture {
        _dir: dir,
        journal,
        monthly,
        by_category,
    }
}

#[test]
fn hledger_monthly_bank_totals_equal_the_csv() {
    if !tool_available("hledger") {
        return;
    }
    for profile in Profile::ALL {
        hledger_monthly(&fixture(profile), profile);
    }
}

fn hledger_monthly(f: &Fixture, profile: Profile) {
    let journal = f.journal.to_str().expect("utf-8 path");
    // hledger -f books.journal balance -M -O csv ^Assets:Bank:
    let out = run(
        "hledger",
        &["-f", journal, "balance", "-M", "-O", "csv", "^Assets:Bank:"],
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_bytes());
    let mut rows = reader.records().map(|r| r.expect("hledger csv"));
    let header = rows.next().expect("a header row");
    let mut seen = BTreeMap::new();
    for row in rows.filter(|r| r[0].starts_with("Assets:Bank:")) {
        let account = row[0].trim_start_matches("Assets:Bank:").to_owned();
        for (month, cell) in header.iter().zip(row.iter()).skip(1) {
            seen.insert((account.clone(), month.to_owned()), cell_minor(cell));
        }
    }
    let expected: BTreeMap<_, _> = f
        .monthly
        .iter()
        .filter(|(_, v)| **v != 0)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let got: BTreeMap<_, _> = seen.into_iter().filter(|(_, v)| *v != 0).collect();
    assert!(expected.len() > 40, "{profile}");
    assert_eq!(got, expected, "{profile}");
}

#[test]
fn hledger_category_totals_equal_the_csv() {
    if !tool_available("hledger") {
        return;
    }
    for profile in Profile::ALL {
        hledger_categories(fixture(profile), profile);
    }
}

fn hledger_categories(f: Fixture, profile: Profile) {
    let journal = f.journal.to_str().expect("utf-8 path");
    // hledger -f books.journal balance --flat -O csv ^Income: ^Expenses:
    let out = run(
        "hledger",
        &[
            "-f",
            journal,
            "balance",
            "--flat",
            "-O",
            "csv",
            "^Income:",
            "^Expenses:",
        ],
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.as_bytes());
    let mut got = BTreeMap::new();
    for row in reader.records().map(|r| r.expect("hledger csv")) {
        if let Some((_, category)) = row[0].split_once(':') {
            got.insert(category.to_owned(), -cell_minor(&row[1]));
        }
    }
    let mut expected = f.by_category;
    expected.remove(flowsense_core::books::TRANSFER_CATEGORY);
    let min_categories = match profile {
        Profile::CoffeeRoaster => 40,
        Profile::DentalPractice => 35,
    };
    assert!(
        expected.len() >= min_categories,
        "{profile}: {}",
        expected.len()
    );
    assert_eq!(got, expected, "{profile}");
}

#[test]
fn ledger_bank_totals_equal_the_csv() {
    if !tool_available("ledger") {
        return;
    }
    for profile in Profile::ALL {
        ledger_balances(&fixture(profile), profile);
    }
}

fn ledger_balances(f: &Fixture, profile: Profile) {
    let journal = f.journal.to_str().expect("utf-8 path");
    // ledger -f books.journal --flat --no-total balance ^Assets:Bank:
    let out = run(
        "ledger",
        &[
            "-f",
            journal,
            "--flat",
            "--no-total",
            "balance",
            "^Assets:Bank:",
        ],
    );
    let mut got = BTreeMap::new();
    for line in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (amount, account) = line.split_once("  ").expect("amount  account");
        got.insert(
            account.trim().trim_start_matches("Assets:Bank:").to_owned(),
            cell_minor(amount),
        );
    }
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for ((account, _), v) in &f.monthly {
        *expected.entry(account.clone()).or_default() += v;
    }
    expected.retain(|_, v| *v != 0);
    assert_eq!(expected.len(), 4, "{profile}");
    assert_eq!(got, expected, "{profile}");
}
