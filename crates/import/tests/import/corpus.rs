//! The corpus of real-world exports (`tests/corpus/`, origins and licences in `SOURCES.md`):
//! every file `NAME.ext` is read through the entry point the command line uses
//! ([`open_path`]) and checked against its sidecar `NAME.ext.expected`:
//!
//! ```toml
//! rows = 12               # transactions, fee rows split off gross amounts included
//! total_minor = -123456   # sum of the signed amounts, in minor units
//! currency = "EUR"        # the organisation's base currency for the file
//! error_contains = "..."  # instead of rows/total: the file must be refused, saying this
//! date_format = "DD/MM/YYYY"      # optional, as --date-format
//! map = "date=Posted,amount=Amt"  # optional, as --map
//! ```
//!
//! At least 90% of the files must import with no hand-written mapping or date format.

use flowsense_core::money::Currency;
use flowsense_import::{ColumnMap, DateFormat, ImportOptions, ImportedTxn, SlashOrder, open_path};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The share of files that must import without a mapping.
const REQUIRED_SHARE: f64 = 0.9;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// A sidecar's `key = value` lines (integers and double-quoted strings; `#` comments).
fn read_sidecar(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}:{}: not key = value", path.display(), n + 1));
        let value = value.trim();
        let value = match value.strip_prefix('"') {
            Some(rest) => rest
                .strip_suffix('"')
                .unwrap_or_else(|| panic!("{}:{}: unclosed string", path.display(), n + 1))
                .replace("\\\"", "\""),
            None => value.split('#').next().unwrap_or("").trim().to_owned(),
        };
        out.insert(key.trim().to_owned(), value);
    }
    out
}

/// What one corpus file came to.
enum Outcome {
    /// Imported as expected; `unmapped` when no mapping or date format was needed.
    Imported { unmapped: bool },
    /// Refused as expected, with a message that says what to do.
    Refused,
}

fn options_for(name: &str, sidecar: &BTreeMap<String, String>) -> ImportOptions {
    let currency = Currency::parse(sidecar.get("currency").map_or("", String::as_str))
        .unwrap_or_else(|_| panic!("{name}: the sidecar names no currency"));
    let mut opts = ImportOptions::new(currency)
        .with_source_name(name)
        .with_default_account("Operating");
    // As the import service does for an organisation keeping its books in this currency.
    opts.usual_date_order = Some(SlashOrder::usual_for(currency));
    if let Some(format) = sidecar.get("date_format") {
        opts.date_format = Some(DateFormat::parse(format).expect("a valid date_format"));
    }
    if let Some(map) = sidecar.get("map") {
        opts.column_map = ColumnMap::parse(map).expect("a valid map");
    }
    opts
}

fn read_all(path: &Path, opts: &ImportOptions) -> Result<Vec<ImportedTxn>, String> {
    open_path(path, opts)
        .and_then(Iterator::collect)
        .map_err(|e| e.to_string())
}

fn check_file(path: &Path) -> Result<Outcome, String> {
    let name = path
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let sidecar_path = PathBuf::from(format!("{}.expected", path.display()));
    if !sidecar_path.exists() {
        return Err(format!("{name}: no {name}.expected sidecar"));
    }
    let sidecar = read_sidecar(&sidecar_path);
    let opts = options_for(&name, &sidecar);
    let result = read_all(path, &opts);
    if let Some(wanted) = sidecar.get("error_contains") {
        return match result {
            Err(message) if message.contains(wanted.as_str()) => Ok(Outcome::Refused),
            Err(message) => Err(format!("{name}: refused, but with {message:?}")),
            Ok(txns) => Err(format!(
                "{name}: imported {} rows, expected a refusal",
                txns.len()
            )),
        };
    }
    let txns = result.map_err(|e| format!("{name}: {e}"))?;
    let number = |key: &str| -> Result<i64, String> {
        sidecar
            .get(key)
            .ok_or_else(|| format!("{name}: the sidecar has no {key}"))?
            .parse()
            .map_err(|_| format!("{name}: {key} is not a whole number"))
    };
    let rows = usize::try_from(number("rows")?).map_err(|_| format!("{name}: bad rows"))?;
    let total: i64 = txns.iter().map(|t| t.amount_minor).sum();
    if txns.len() != rows || total != number("total_minor")? {
        return Err(format!(
            "{name}: {} rows totalling {total}, expected {rows} totalling {}",
            txns.len(),
            number("total_minor")?
        ));
    }
    if let Some(other) = txns.iter().find(|t| t.currency != opts.base_currency) {
        return Err(format!(
            "{name}:{}: a row in {}",
            other.line, other.currency
        ));
    }
    // Re-importing adds nothing: every row's reference is unique and the same every time.
    let refs: Vec<&str> = txns.iter().map(|t| t.reference.as_str()).collect();
    if refs.iter().collect::<HashSet<_>>().len() != refs.len() {
        return Err(format!("{name}: two rows share a reference"));
    }
    let again = read_all(path, &opts).map_err(|e| format!("{name}: {e}"))?;
    if again
        .iter()
        .map(|t| t.reference.as_str())
        .ne(refs.iter().copied())
    {
        return Err(format!("{name}: references differ between two reads"));
    }
    Ok(Outcome::Imported {
        unmapped: !sidecar.contains_key("map") && !sidecar.contains_key("date_format"),
    })
}

#[test]
fn corpus_files_import_as_expected_and_most_need_no_mapping() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder")
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            p.is_file() && !name.ends_with(".expected") && name != "SOURCES.md"
        })
        .collect();
    files.sort();
    let sources = std::fs::read_to_string(corpus_dir().join("SOURCES.md")).expect("SOURCES.md");
    let mut failures = Vec::new();
    let mut unmapped = 0usize;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        if !sources.contains(&format!("`{name}`")) {
            failures.push(format!("{name}: not listed in SOURCES.md"));
        }
        match check_file(path) {
            Ok(Outcome::Imported { unmapped: true }) => unmapped += 1,
            Ok(Outcome::Imported { unmapped: false } | Outcome::Refused) => {}
            Err(message) => failures.push(message),
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "a share of a few dozen files")]
    let share = unmapped as f64 / files.len().max(1) as f64;
    println!(
        "corpus: {unmapped} of {} files imported without a mapping ({:.0}%)",
        files.len(),
        share * 100.0
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(files.len() >= 30, "only {} corpus files", files.len());
    assert!(
        share >= REQUIRED_SHARE,
        "only {:.0}% of the corpus imported without a mapping",
        share * 100.0
    );
}

#[test]
fn sidecars_are_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv.expected");
    std::fs::write(
        &path,
        "# a comment\nrows = 3\ntotal_minor = -150 # cents\ncurrency = \"EUR\"\nmap = \"date=Posted\"\n",
    )
    .unwrap();
    let s = read_sidecar(&path);
    assert_eq!(s["rows"], "3");
    assert_eq!(s["total_minor"], "-150");
    assert_eq!(s["currency"], "EUR");
    assert_eq!(s["map"], "date=Posted");
}
