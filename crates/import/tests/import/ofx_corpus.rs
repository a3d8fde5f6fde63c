//! The OFX, QFX and QIF files of `tests/corpus/` (real exports from public test suites, see its
//! SOURCES.md): each imports to the rows and total its sidecar names, in its currency, through
//! the one entry every caller uses ([`open_path`]), or is refused with the message it names.

use flowsense_core::money::Currency;
use flowsense_import::{ImportOptions, open_path};
use std::path::{Path, PathBuf};

/// What a sidecar `NAME.ext.expected` says.
#[derive(Debug)]
struct Expected {
    rows: usize,
    total_minor: i64,
    currency: Currency,
    error_contains: Option<String>,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Reads the few `key = value` lines a sidecar has (integers and quoted strings).
fn read_expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path).expect("sidecar");
    let value = |key: &str| {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_owned())
    };
    let unquote = |v: String| -> String {
        v.strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .expect("a quoted string")
            .replace("\\\"", "\"")
    };
    Expected {
        rows: value("rows").expect("rows").parse().expect("rows"),
        total_minor: value("total_minor")
            .expect("total_minor")
            .parse()
            .expect("total_minor"),
        currency: Currency::parse(&unquote(value("currency").expect("currency")))
            .expect("currency"),
        error_contains: value("error_contains").map(unquote),
    }
}

fn statement_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ofx" | "qfx" | "qif"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_statements_import_to_their_expected_rows_and_totals() {
    let files = statement_files();
    assert!(files.len() >= 10, "{} files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let sidecar = PathBuf::from(format!("{}.expected", file.display()));
        let expected = read_expected(&sidecar);
        let opts = ImportOptions::new(expected.currency).with_default_account("Main");
        let result = open_path(file, &opts).and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        match (result, &expected.error_contains) {
            (Ok(txns), None) => {
                let total: i64 = txns.iter().map(|t| t.amount_minor).sum();
                let currencies_ok = txns.iter().all(|t| t.currency == expected.currency);
                if txns.len() != expected.rows || total != expected.total_minor || !currencies_ok {
                    failures.push(format!(
                        "{name}: {} rows, total {total} (expected {} rows, {}), currencies match: {currencies_ok}",
                        txns.len(),
                        expected.rows,
                        expected.total_minor
                    ));
                }
            }
            (Ok(txns), Some(wanted)) => failures.push(format!(
                "{name}: imported {} rows, expected a refusal containing {wanted:?}",
                txns.len()
            )),
            (Err(e), Some(wanted)) if e.to_string().contains(wanted.as_str()) => {}
            (Err(e), _) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
