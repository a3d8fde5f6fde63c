//! Books in three currencies, end to end through the binary: `gen --currencies` writes them
//! (with their rates and an hledger journal holding `P` directives), `import` takes each
//! currency into an account of its own, the report lists the amounts that lack a rate instead
//! of guessing them, and once `rates import` has loaded the rates, the monthly cash flow in the
//! base currency equals hledger's own conversion (`balance -M -X USD`) to the cent, and so does
//! the cash on a day: each account's own balance at that day's rate (`balance -X USD --end`).
//!
//! Without hledger the comparison prints `SKIPPED: hledger not installed` and passes, unless
//! `FLOWSENSE_REQUIRE_TOOLS` is set (CI).

use super::*;
use std::collections::BTreeMap;
use std::process::Command;

/// `-1234.5600 USD`, `0` → minor units (cents), exactly: a figure with a fraction of a cent
/// fails the test.
fn cents(cell: &str) -> i64 {
    let number = cell.trim().trim_end_matches("USD").trim().replace(',', "");
    if number.is_empty() || number == "0" {
        return 0;
    }
    let (negative, digits) = number
        .strip_prefix('-')
        .map_or((false, number.as_str()), |d| (true, d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = fraction.trim_end_matches('0');
    assert!(
        fraction.len() <= 2,
        "{cell:?} is not a whole number of cents"
    );
    let minor: i64 =
        whole.parse::<i64>().unwrap() * 100 + format!("{fraction:0<2}").parse::<i64>().unwrap();
    if negative { -minor } else { minor }
}

/// hledger's CSV output of a report on `journal`.
fn hledger_csv(journal: &std::path::Path, report: &[&str]) -> String {
    let out = Command::new("hledger")
        .arg("-f")
        .arg(journal)
        .args(report)
        .args(["-O", "csv"])
        .output()
        .expect("hledger starts");
    assert!(
        out.status.success(),
        "hledger: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Income and expenses per month as hledger values them in USD, negated: the operating cash
/// flow of the bank accounts (transfers and opening balances post elsewhere).
fn hledger_monthly_cash_flow(journal: &std::path::Path) -> BTreeMap<String, i64> {
    let text = hledger_csv(
        journal,
        &["balance", "-M", "-X", "USD", "^Income:", "^Expenses:"],
    );
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| {
            l.split("\",\"")
                .map(|c| c.trim_matches('"').to_owned())
                .collect()
        })
        .collect();
    let header = &rows[0];
    let total = rows.iter().find(|r| r[0] == "total").expect("a total row");
    header
        .iter()
        .zip(total)
        .skip(1)
        .map(|(month, cell)| (month.clone(), -cents(cell)))
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// Cash across the bank accounts at the end of `day`, valued in USD at that day's prices.
fn hledger_cash_on(journal: &std::path::Path, day: &str) -> i64 {
    let end = (day.parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(1)).to_string();
    let text = hledger_csv(
        journal,
        &["balance", "-X", "USD", "--end", &end, "^Assets:Bank"],
    );
    let total = text
        .lines()
        .find(|l| l.starts_with("\"total\""))
        .expect("a total row");
    cents(total.split("\",\"").nth(1).unwrap().trim_matches('"'))
}

fn cash_on(ws: &Workspace, day: &str) -> i64 {
    let out = ws.ok(&[
        "report", "runway", "--org", "acme", "--as-of", day, "--format", "json",
    ]);
    let runway: serde_json::Value = serde_json::from_str(&out).unwrap();
    runway["report"]["cash_now"]
        .as_i64()
        .unwrap_or_else(|| panic!("cash now in {runway}"))
}

fn report(ws: &Workspace) -> serde_json::Value {
    let out = ws.ok(&["report", "cashflow", "--org", "acme", "--format", "json"]);
    serde_json::from_str(&out).unwrap()
}

fn engine_monthly_cash_flow(report: &serde_json::Value) -> BTreeMap<String, i64> {
    report["report"]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap()[..7].to_owned(),
                p["net"].as_i64().unwrap(),
            )
        })
        .filter(|(_, v)| *v != 0)
        .collect()
}

#[test]
fn three_currency_books_convert_like_hledger_and_a_missing_rate_is_listed_not_guessed() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme Ltd"]);
    let (books, journal) = (ws.path("books.csv"), ws.path("books.journal"));
    ws.ok(&[
        "gen",
        "--transactions",
        "100000",
        "--end",
        "2026-11-30",
        "--currencies",
        "USD,EUR,GBP",
        "--out",
        books.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ]);
    let rates = ws.path("books.rates.csv");
    assert!(
        std::fs::read_to_string(&rates)
            .unwrap()
            .starts_with("date,from,to,rate\n")
    );
    ws.ok(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        books.to_str().unwrap(),
    ]);
    let held = ws.sql("SELECT group_concat(name || ':' || currency, ',') FROM (SELECT name, currency FROM bank_accounts WHERE currency <> 'USD' ORDER BY name)");
    assert_eq!(held, "Operating EUR:EUR,Operating GBP:GBP");
    let foreign: Vec<(String, i64)> = ["EUR", "GBP"]
        .iter()
        .map(|c| {
            let n = ws.sql(&format!(
                "SELECT COUNT(*) FROM transactions WHERE currency = '{c}'"
            ));
            (c.to_string(), n.parse().unwrap())
        })
        .collect();
    assert!(foreign.iter().all(|(_, n)| *n > 1000), "{foreign:?}");

    // No rate yet: the euro and pound rows are listed, with their dates, and left out.
    let without = report(&ws);
    let missing = without["missing_rates"]
        .as_array()
        .expect("missing rates listed");
    let listed: Vec<(String, i64)> = missing
        .iter()
        .map(|m| {
            (
                m["currency"].as_str().unwrap().to_owned(),
                m["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, foreign);
    let usd_only: i64 = ws
        .sql(
            "SELECT SUM(amount_minor) FROM transactions WHERE currency = 'USD' AND is_transfer = 0",
        )
        .parse()
        .unwrap();
    assert_eq!(
        without["report"]["total"]["net"].as_i64().unwrap(),
        usd_only
    );

    // With the rates: nothing missing, and every month equals hledger's conversion.
    let loaded = ws.ok(&["rates", "import", "--org", "acme", rates.to_str().unwrap()]);
    assert!(loaded.contains("date,from,to,rate layout"), "{loaded}");
    let with = report(&ws);
    assert!(
        with.get("missing_rates").is_none(),
        "{}",
        with["missing_rates"]
    );
    let engine = engine_monthly_cash_flow(&with);
    assert!(
        engine.len() >= 12,
        "a year or more: {} months",
        engine.len()
    );
    if Command::new("hledger").arg("--version").output().is_err() {
        flowsense_test_support::skip_for_missing_tool("hledger", "");
        return;
    }
    let hledger = hledger_monthly_cash_flow(&journal);
    let max_difference = engine
        .keys()
        .chain(hledger.keys())
        .map(|m| (engine.get(m).copied().unwrap_or(0) - hledger.get(m).copied().unwrap_or(0)).abs())
        .max()
        .unwrap_or(0);
    eprintln!(
        "multi-currency cross-check: {} months compared with hledger -X USD, max difference {max_difference} cents",
        engine.len()
    );
    assert_eq!(engine, hledger);

    // Cash on a day is each account's own balance at that day's rate, as hledger values it.
    for day in ["2026-03-31", "2026-08-14", "2026-11-30"] {
        let (ours, theirs) = (cash_on(&ws, day), hledger_cash_on(&journal, day));
        eprintln!("cash on {day}: {ours} cents, hledger {theirs}");
        assert_eq!(ours, theirs, "cash on {day}");
    }
}
