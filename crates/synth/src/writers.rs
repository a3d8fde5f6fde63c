//! CSV writers in FlowSense's canonical headers. Hand-rolled so a million rows take well
//! under a second: no per-row allocation, integer formatting through `itoa`.

use crate::model::{GenDoc, GeneratedBooks};
use chrono::{Datelike, NaiveDate};
use flowsense_core::books::{DOC_CSV_HEADER, TRANSFER_CATEGORY, TXN_CSV_HEADER};
use std::io::{self, BufWriter, Write};

/// Writes the transactions as CSV with [`TXN_CSV_HEADER`].
///
/// # Errors
/// Whatever the writer returns.
pub fn write_csv<W: Write>(books: &GeneratedBooks, out: W) -> io::Result<()> {
    write_rows(books, out, false)
}

/// Writes the transactions as CSV with [`TXN_CSV_HEADER`], after one line per account that
/// brings in its opening balance (a transfer named "Opening balance" on the first day), so
/// that a file imported on its own starts from the right cash.
///
/// # Errors
/// Whatever the writer returns.
pub fn write_csv_with_opening_balances<W: Write>(books: &GeneratedBooks, out: W) -> io::Result<()> {
    write_rows(books, out, true)
}

/// The counterparty and description of the lines [`write_csv_with_opening_balances`] adds.
pub const OPENING_BALANCE: &str = "Opening balance";

fn write_rows<W: Write>(books: &GeneratedBooks, out: W, openings: bool) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    write_header(&mut w, &TXN_CSV_HEADER)?;
    let exponent = books.currency.exponent();
    if openings {
        let first = books.transactions.first().map_or(books.start, |t| t.date);
        let opening = books
            .accounts
            .iter()
            .filter(|a| a.opening_balance_minor != 0);
        for (i, account) in opening.enumerate() {
            w.write_all(&date_bytes(first))?;
            w.write_all(b",")?;
            write_field(&mut w, &account.name)?;
            w.write_all(b",")?;
            write_amount(&mut w, account.opening_balance_minor, exponent)?;
            w.write_all(b",")?;
            w.write_all(books.currency.as_str().as_bytes())?;
            w.write_all(b",")?;
            write_field(&mut w, OPENING_BALANCE)?;
            w.write_all(b",")?;
            write_field(&mut w, TRANSFER_CATEGORY)?;
            w.write_all(b",")?;
            write_field(&mut w, OPENING_BALANCE)?;
            w.write_all(b",")?;
            write_field(&mut w, &format!("gen-{}-opening-{}", books.seed, i + 1))?;
            w.write_all(b"\n")?;
        }
    }
    let mut date_cache = DateText::default();
    for t in &books.transactions {
        w.write_all(date_cache.get(t.date))?;
        w.write_all(b",")?;
        write_field(&mut w, &t.account)?;
        w.write_all(b",")?;
        write_amount(&mut w, t.amount_minor, t.currency.exponent())?;
        w.write_all(b",")?;
        w.write_all(t.currency.as_str().as_bytes())?;
        w.write_all(b",")?;
        write_field(&mut w, &t.counterparty)?;
        w.write_all(b",")?;
        write_field(&mut w, &t.category)?;
        w.write_all(b",")?;
        write_field(&mut w, &t.description)?;
        w.write_all(b",")?;
        write_field(&mut w, &t.reference)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Writes the invoices and bills as CSV with [`DOC_CSV_HEADER`] (`paid_date` empty if open).
///
/// # Errors
/// Whatever the writer returns.
pub fn write_documents_csv<W: Write>(books: &GeneratedBooks, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    write_header(&mut w, &DOC_CSV_HEADER)?;
    let exponent = books.currency.exponent();
    let currency = books.currency.as_str().as_bytes();
    for GenDoc {
        kind,
        number,
        counterparty,
        issue_date,
        due_date,
        paid_date,
        amount_minor,
    } in &books.documents
    {
        write_field(&mut w, kind.as_str())?;
        w.write_all(b",")?;
        write_field(&mut w, number)?;
        w.write_all(b",")?;
        write_field(&mut w, counterparty)?;
        w.write_all(b",")?;
        w.write_all(&date_bytes(*issue_date))?;
        w.write_all(b",")?;
        w.write_all(&date_bytes(*due_date))?;
        w.write_all(b",")?;
        if let Some(paid) = paid_date {
            w.write_all(&date_bytes(*paid))?;
        }
        w.write_all(b",")?;
        write_amount(&mut w, *amount_minor, exponent)?;
        w.write_all(b",")?;
        w.write_all(currency)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

fn write_header(w: &mut impl Write, header: &[&str]) -> io::Result<()> {
    w.write_all(header.join(",").as_bytes())?;
    w.write_all(b"\n")
}

/// A CSV field, quoted only when it must be (RFC 4180).
pub(crate) fn write_field(w: &mut impl Write, s: &str) -> io::Result<()> {
    if !s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        return w.write_all(s.as_bytes());
    }
    w.write_all(b"\"")?;
    w.write_all(s.replace('"', "\"\"").as_bytes())?;
    w.write_all(b"\"")
}

/// The same text as `flowsense_core::money::format_minor`, without allocating.
pub(crate) fn write_amount(w: &mut impl Write, minor: i64, exponent: u32) -> io::Result<()> {
    let mut buf = itoa::Buffer::new();
    if exponent == 0 {
        return w.write_all(buf.format(minor).as_bytes());
    }
    let scale = 10u64.pow(exponent);
    let abs = minor.unsigned_abs();
    if minor < 0 {
        w.write_all(b"-")?;
    }
    w.write_all(buf.format(abs / scale).as_bytes())?;
    w.write_all(b".")?;
    let frac = buf.format(abs % scale);
    for _ in frac.len()..exponent as usize {
        w.write_all(b"0")?;
    }
    w.write_all(frac.as_bytes())
}

/// `YYYY-MM-DD` for years 0–9999.
pub(crate) fn date_bytes(d: NaiveDate) -> [u8; 10] {
    let y = u32::try_from(d.year()).unwrap_or(0) % 10_000;
    let digit = |n: u32| b'0' + u8::try_from(n % 10).unwrap_or(0);
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(d.month() / 10),
        digit(d.month()),
        b'-',
        digit(d.day() / 10),
        digit(d.day()),
    ]
}

/// Remembers the text of the last date written (rows are sorted by date).
#[derive(Default)]
pub(crate) struct DateText {
    date: Option<NaiveDate>,
    text: [u8; 10],
}

impl DateText {
    pub(crate) fn get(&mut self, d: NaiveDate) -> &[u8] {
        if self.date != Some(d) {
            self.date = Some(d);
            self.text = date_bytes(d);
        }
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsense_core::money::format_minor;

    #[test]
    fn amounts_match_core_formatting() {
        for exponent in [0, 2, 3] {
            for v in [
                0,
                1,
                -1,
                9,
                -10,
                99,
                100,
                -12_345,
                123_456_789,
                i64::MIN + 1,
                i64::MIN,
                i64::MAX,
            ] {
                let mut out = Vec::new();
                write_amount(&mut out, v, exponent).expect("writing to a Vec");
                assert_eq!(
                    String::from_utf8(out).expect("ascii"),
                    format_minor(v, exponent)
                );
            }
        }
    }

    #[test]
    fn dates_and_fields() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 7).expect("valid");
        assert_eq!(&date_bytes(d), b"2025-03-07");
        let mut out = Vec::new();
        write_field(&mut out, "a,\"b\"").expect("writing to a Vec");
        assert_eq!(out, b"\"a,\"\"b\"\"\"");
    }
}
