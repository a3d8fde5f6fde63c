//! What the fuzz targets (`fuzz/fuzz_targets/import_*.rs`) check on every input, kept here so
//! that the inputs they found are replayed by the ordinary `cargo test` (the tests below read
//! `fuzz/regressions/<target>/` and the seed corpora) without cargo-fuzz.
//!
//! Beyond not panicking (and, under the fuzzer, within its time and memory limits), for each
//! input read as an upload of an organisation in USD and one in EUR:
//! - the file gives the same rows, or the same refusal, whole and streamed in small uneven
//!   chunks (CSV), and through [`import_bytes`] as through its own parser;
//! - every accepted row has a line within the file, an account and a reference, an amount
//!   within [`max_abs_minor`] of its currency, and rows come in the order of their lines;
//! - a refusal names a line within the file.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use crate::{
    CsvImporter, FileFormat, ImportError, ImportOptions, ImportedTxn, SlashOrder, detect_format,
    import_bytes, max_abs_minor, parse_ofx,
};
use flowsense_core::money::Currency;
use std::io::Read;

/// The options an upload to an organisation in `base` is read with (`crates/service`'s
/// `import_file`: its usual day/month order, nothing chosen).
fn upload_options(base: Currency) -> ImportOptions {
    let mut opts = ImportOptions::new(base).with_source_name("upload.csv");
    opts.usual_date_order = Some(SlashOrder::usual_for(base));
    opts
}

fn organisations() -> [ImportOptions; 2] {
    [upload_options(Currency::USD), upload_options(Currency::EUR)]
}

/// Hands out `data` a few bytes at a time (1 to 13, varying), as a slow upload would arrive.
struct Trickle<'a> {
    data: &'a [u8],
    state: u32,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.state = self.state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let want = 1 + (self.state >> 16) as usize % 13;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn csv_rows<R: Read>(reader: R, opts: &ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    CsvImporter::new(reader, opts.clone())?.collect()
}

/// The 1-based number of the last line of `data`.
fn last_line(data: &[u8]) -> u64 {
    1 + memchr::memchr2_iter(b'\n', b'\r', data).count() as u64
}

fn check_outcome(data: &[u8], outcome: &Result<Vec<ImportedTxn>, ImportError>) {
    let last = last_line(data);
    match outcome {
        Ok(rows) => {
            let mut previous = 0;
            for row in rows {
                assert!(
                    (1..=last).contains(&row.line),
                    "row line {} outside 1..={last}",
                    row.line
                );
                assert!(row.line >= previous, "rows out of line order");
                previous = row.line;
                assert!(!row.account.is_empty(), "a row without an account");
                assert!(!row.reference.is_empty(), "a row without a reference");
                let bound = max_abs_minor(row.currency);
                assert!(
                    row.amount_minor.unsigned_abs() <= bound.unsigned_abs(),
                    "amount {} {} beyond the bound {bound}",
                    row.amount_minor,
                    row.currency
                );
            }
        }
        Err(e) => assert!(e.line <= last, "refusal at line {} of {last}", e.line),
    }
}

/// A statement file uploaded as CSV (what [`detect_format`] leaves to the CSV importer).
///
/// # Panics
/// When a property above does not hold.
pub fn check_csv(data: &[u8]) {
    for opts in organisations() {
        let whole = csv_rows(data, &opts);
        let seed = u32::try_from(data.len() % 65_521).unwrap_or_default();
        let trickled = csv_rows(Trickle { data, state: seed }, &opts);
        assert_eq!(
            whole, trickled,
            "streamed in chunks, the file reads otherwise"
        );
        check_outcome(data, &whole);
        if detect_format(data) == FileFormat::Csv {
            assert_eq!(import_bytes(data, &opts), whole, "import_bytes differs");
        }
    }
}

/// An OFX or QFX statement, SGML or XML.
///
/// # Panics
/// When a property above does not hold.
pub fn check_ofx(data: &[u8]) {
    for opts in organisations() {
        let parsed = parse_ofx(data, &opts);
        check_outcome(data, &parsed);
        if detect_format(data) == FileFormat::Ofx {
            assert_eq!(import_bytes(data, &opts), parsed, "import_bytes differs");
        }
    }
}

/// A QIF file (as [`detect_format`] tells one; other inputs are left to the other checks).
///
/// # Panics
/// When a property above does not hold.
pub fn check_qif(data: &[u8]) {
    if detect_format(data) != FileFormat::Qif {
        return;
    }
    for opts in organisations() {
        let parsed = import_bytes(data, &opts);
        check_outcome(data, &parsed);
        assert_eq!(import_bytes(data, &opts), parsed, "not deterministic");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsense_test_support::fuzz_inputs::replay_files;
    use std::path::Path;

    fn not_expected(p: &Path) -> bool {
        p.extension().is_none_or(|e| e != "expected" && e != "md")
    }

    #[test]
    fn csv_regressions_and_corpus_pass() {
        replay_files(
            &["fuzz/regressions/import_csv", "crates/import/tests/corpus"],
            |p| {
                not_expected(p)
                    && detect_format(&std::fs::read(p).unwrap_or_default()) == FileFormat::Csv
            },
            check_csv,
        );
    }

    #[test]
    fn ofx_regressions_and_corpus_pass() {
        replay_files(
            &["fuzz/regressions/import_ofx", "crates/import/tests/corpus"],
            |p| not_expected(p) && p.extension().is_none_or(|e| e != "csv" && e != "tsv"),
            check_ofx,
        );
    }

    #[test]
    fn qif_regressions_and_corpus_pass() {
        replay_files(
            &["fuzz/regressions/import_qif", "crates/import/tests/corpus"],
            not_expected,
            check_qif,
        );
    }
}
