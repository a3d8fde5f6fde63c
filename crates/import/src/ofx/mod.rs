//! OFX/QFX bank and credit-card statements, 1.x (SGML) and 2.x (XML).

mod tokens;

use crate::error::{ErrorReason, ImportError, Quoted};
use crate::reference::{ReferenceHasher, RowKey};
use crate::text::{Encoding, decode};
use crate::{ImportOptions, ImportedTxn};
use chrono::NaiveDate;
use flowsense_core::money::{Currency, parse_minor};
use std::iter::Peekable;
use tokens::{Token, Tokenizer};

/// Reads every `<STMTTRN>` of every bank (`STMTRS`) and card (`CCSTMTRS`) statement.
///
/// Account names are masked to the last four characters (`Checking ••1234`); `CURDEF`
/// gives the currency (else `opts.base_currency`); `FITID` is the reference.
///
/// # Errors
/// Not OFX, or the first transaction with a missing or bad date or amount.
pub fn parse_ofx(bytes: &[u8], opts: &ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    let bytes = bytes.strip_prefix(crate::text::UTF8_BOM).unwrap_or(bytes);
    let text = decode(bytes, Encoding::Utf8)
        .or_else(|| decode(bytes, Encoding::Windows1252))
        .ok_or_else(|| opts.error(0, ErrorReason::NotOfx))?;
    let start = find_ofx_start(&text).ok_or_else(|| opts.error(0, ErrorReason::NotOfx))?;
    let line = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count() as u64;
    let mut reader = StatementReader {
        opts,
        tokens: Tokenizer::new(&text[start..], line).peekable(),
        stack: Vec::new(),
        statement: Statement::default(),
        txn: None,
        references: ReferenceHasher::default(),
        out: Vec::new(),
    };
    reader.run()?;
    Ok(reader.out)
}

/// Byte offset of the `<OFX>` element (case-insensitive), if any.
pub(crate) fn find_ofx_start(text: &str) -> Option<usize> {
    let upper = text.as_bytes();
    memchr::memmem::find_iter(upper, b"<").find(|&p| {
        upper[p..].len() >= 5
            && upper[p + 1..p + 4].eq_ignore_ascii_case(b"OFX")
            && matches!(upper[p + 4], b'>' | b' ' | b'\t' | b'\r' | b'\n')
    })
}

#[derive(Default)]
struct Statement {
    currency: Option<Currency>,
    account_type: Option<String>,
    account_id: Option<String>,
    credit_card: bool,
}

impl Statement {
    fn account_label(&self, default: &str) -> String {
        let Some(id) = self.account_id.as_deref().filter(|s| !s.is_empty()) else {
            return default.to_owned();
        };
        let kind = if self.credit_card {
            "Credit card"
        } else {
            match self.account_type.as_deref().unwrap_or("") {
                "CHECKING" => "Checking",
                "SAVINGS" => "Savings",
                "MONEYMRKT" => "Money market",
                "CREDITLINE" => "Credit line",
                "CD" => "CD",
                _ => "Account",
            }
        };
        let chars: Vec<char> = id.chars().collect();
        let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("{kind} ••{last4}")
    }
}

#[derive(Default)]
struct TxnFields {
    line: u64,
    date: Option<(String, u64)>,
    amount: Option<(String, u64)>,
    fitid: String,
    name: String,
    memo: String,
    currency: Option<(String, u64)>,
}

struct StatementReader<'a, I: Iterator<Item = Token>> {
    opts: &'a ImportOptions,
    tokens: Peekable<I>,
    /// Open aggregates, outermost first.
    stack: Vec<String>,
    statement: Statement,
    txn: Option<TxnFields>,
    references: ReferenceHasher,
    out: Vec<ImportedTxn>,
}

impl<I: Iterator<Item = Token>> StatementReader<'_, I> {
    fn run(&mut self) -> Result<(), ImportError> {
        while let Some(token) = self.tokens.next() {
            match token {
                Token::Start(name, line) => self.start(name, line)?,
                Token::End(name, _) => {
                    if let Some(pos) = self.stack.iter().rposition(|n| *n == name) {
                        while self.stack.len() > pos {
                            if let Some(closed) = self.stack.pop() {
                                self.closed(&closed)?;
                            }
                        }
                    }
                }
                Token::Text(..) => {}
            }
        }
        while let Some(closed) = self.stack.pop() {
            self.closed(&closed)?;
        }
        Ok(())
    }

    fn start(&mut self, name: String, line: u64) -> Result<(), ImportError> {
        match self.tokens.peek() {
            Some(Token::Text(..)) => {
                let Some(Token::Text(value, _)) = self.tokens.next() else {
                    return Ok(());
                };
                if matches!(self.tokens.peek(), Some(Token::End(n, _)) if *n == name) {
                    self.tokens.next();
                }
                self.leaf(&name, value, line);
                return Ok(());
            }
            Some(Token::End(n, _)) if *n == name => {
                self.tokens.next();
                self.leaf(&name, String::new(), line);
                return Ok(());
            }
            _ => {}
        }
        match name.as_str() {
            "STMTRS" | "CCSTMTRS" => {
                self.statement = Statement {
                    credit_card: name == "CCSTMTRS",
                    ..Statement::default()
                };
            }
            "CCACCTFROM" => self.statement.credit_card = true,
            "STMTTRN" => {
                if self.stack.iter().any(|n| n == "STMTTRN") {
                    // An unclosed previous transaction (tolerated in SGML files).
                    self.finish_txn()?;
                    self.stack.retain(|n| n != "STMTTRN");
                }
                self.txn = Some(TxnFields {
                    line,
                    ..TxnFields::default()
                });
            }
            _ => {}
        }
        self.stack.push(name);
        Ok(())
    }

    fn closed(&mut self, name: &str) -> Result<(), ImportError> {
        if name == "STMTTRN" {
            self.finish_txn()?;
        }
        Ok(())
    }

    fn leaf(&mut self, name: &str, value: String, line: u64) {
        let inner = self.stack.last().map_or("", String::as_str);
        let in_txn = self.stack.iter().any(|n| n == "STMTTRN");
        if let Some(txn) = self.txn.as_mut().filter(|_| in_txn) {
            match name {
                "DTPOSTED" => txn.date = Some((value, line)),
                "TRNAMT" => txn.amount = Some((value, line)),
                "FITID" => txn.fitid = value,
                "NAME" if inner == "STMTTRN" || inner == "PAYEE" => txn.name = value,
                "MEMO" => txn.memo = value,
                "CURSYM" if inner == "CURRENCY" => txn.currency = Some((value, line)),
                _ => {}
            }
            return;
        }
        match (name, inner) {
            ("CURDEF", _) => self.statement.currency = Currency::parse(&value).ok(),
            ("ACCTID", "BANKACCTFROM" | "CCACCTFROM") => self.statement.account_id = Some(value),
            ("ACCTTYPE", "BANKACCTFROM") => {
                self.statement.account_type = Some(value.to_ascii_uppercase());
            }
            _ => {}
        }
    }

    fn finish_txn(&mut self) -> Result<(), ImportError> {
        let Some(t) = self.txn.take() else {
            return Ok(());
        };
        let err = |line: u64, reason| self.opts.error(line, reason);
        let (date_text, date_line) = t
            .date
            .ok_or_else(|| err(t.line, ErrorReason::OfxMissing("DTPOSTED")))?;
        let date = parse_ofx_date(&date_text).ok_or_else(|| {
            err(
                date_line,
                ErrorReason::BadDate {
                    value: Quoted::new(&date_text),
                    expected: "YYYYMMDD[HHMMSS]".into(),
                },
            )
        })?;
        let currency = match &t.currency {
            Some((code, line)) => Currency::parse(code)
                .map_err(|_| err(*line, ErrorReason::BadCurrency(Quoted::new(code))))?,
            None => self.statement.currency.unwrap_or(self.opts.base_currency),
        };
        let (amount_text, amount_line) = t
            .amount
            .ok_or_else(|| err(t.line, ErrorReason::OfxMissing("TRNAMT")))?;
        let plain = if amount_text.contains(',') && !amount_text.contains('.') {
            amount_text.replace(',', ".")
        } else {
            amount_text.clone()
        };
        let amount_minor = parse_minor(&plain, currency.exponent()).map_err(|_| {
            err(
                amount_line,
                ErrorReason::BadAmount {
                    value: Quoted::new(&amount_text),
                    hint: String::new(),
                },
            )
        })?;
        if self.out.len() as u64 >= self.opts.max_rows {
            return Err(err(t.line, ErrorReason::TooManyRows(self.opts.max_rows)));
        }
        let account = self.statement.account_label(&self.opts.default_account);
        let counterparty = if t.name.is_empty() {
            t.memo.clone()
        } else {
            t.name.clone()
        };
        let description = if t.memo.is_empty() { t.name } else { t.memo };
        let reference = if t.fitid.is_empty() {
            self.references.reference(&RowKey {
                account: &account,
                date,
                amount_minor,
                currency,
                counterparty: &counterparty,
                description: &description,
            })
        } else {
            t.fitid
        };
        self.out.push(ImportedTxn {
            line: t.line,
            date,
            account,
            amount_minor,
            currency,
            counterparty,
            category: String::new(),
            description,
            reference,
        });
        Ok(())
    }
}

/// `YYYYMMDD[HHMMSS[.XXX]][[-5:EST]]`: the date part as posted.
fn parse_ofx_date(text: &str) -> Option<NaiveDate> {
    let digits = text.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &text[8..];
    if !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_digit() || c == '[' || c == '.') {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    NaiveDate::from_ymd_opt(i32::try_from(n / 10_000).ok()?, n / 100 % 100, n % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofx_dates() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5);
        assert_eq!(parse_ofx_date("20240305"), d);
        assert_eq!(parse_ofx_date("20240305120000.000[-5:EST]"), d);
        assert_eq!(parse_ofx_date("20240305[0:GMT]"), d);
        assert_eq!(parse_ofx_date("2024030"), None);
        assert_eq!(parse_ofx_date("20241305"), None);
        assert_eq!(parse_ofx_date("20240305xyz"), None);
    }

    #[test]
    fn masks_account_ids() {
        let s = Statement {
            account_type: Some("CHECKING".into()),
            account_id: Some("000123451234".into()),
            ..Statement::default()
        };
        assert_eq!(s.account_label("x"), "Checking ••1234");
        assert_eq!(Statement::default().account_label("Imported"), "Imported");
    }
}
