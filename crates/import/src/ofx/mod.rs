//! OFX/QFX bank and credit-card statements, 1.x (SGML) and 2.x (XML).

mod open_tags;
mod statement;
mod tokens;

use crate::bounds::{out_of_range, within_bound};
use crate::error::{ErrorReason, ImportError, Quoted};
use crate::reference::{ReferenceHasher, RowKey};
use crate::text::{Encoding, decode};
use crate::{ImportOptions, ImportedTxn};
use chrono::NaiveDate;
use flowsense_core::money::{Currency, MoneyError, parse_minor};
use open_tags::OpenTags;
use statement::Statement;
use tokens::{Token, Tokenizer};

/// Aggregates open at once. Real statements nest about ten deep.
const MAX_DEPTH: usize = 64;
/// Tags allowed for each transaction the options allow (one with every optional element of
/// the specification, in XML with its end tags, has about a hundred) ...
const TAGS_PER_ROW: u64 = 128;
/// ... and for the rest of the file: sign-on, balances, several statements.
const TAGS_BESIDE_ROWS: u64 = 100_000;

/// Reads every `<STMTTRN>` of every bank (`STMTRS`) and card (`CCSTMTRS`) statement.
///
/// Account names are masked to the last four characters (`Checking ••1234`); `CURDEF`
/// gives the currency (else `opts.base_currency`); `FITID` is the reference.
///
/// # Errors
/// Not OFX, the first transaction with a missing or bad date or amount, or a file nested
/// deeper than 64 aggregates or with more tags than `opts.max_rows` transactions need.
pub fn parse_ofx(bytes: &[u8], opts: &ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    let bytes = bytes.strip_prefix(crate::text::UTF8_BOM).unwrap_or(bytes);
    let text = decode(bytes, Encoding::Utf8)
        .or_else(|| decode(bytes, Encoding::Windows1252))
        .ok_or_else(|| opts.error(0, ErrorReason::NotOfx))?;
    let start = find_ofx_start(&text).ok_or_else(|| opts.error(0, ErrorReason::NotOfx))?;
    let line = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count() as u64;
    let mut reader = StatementReader {
        opts,
        tokens: Tokenizer::new(&text[start..], line),
        peeked: None,
        tags: 0,
        max_tags: opts
            .max_rows
            .saturating_mul(TAGS_PER_ROW)
            .saturating_add(TAGS_BESIDE_ROWS),
        open: OpenTags::default(),
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
struct TxnFields {
    line: u64,
    date: Option<(String, u64)>,
    amount: Option<(String, u64)>,
    fitid: String,
    name: String,
    memo: String,
    currency: Option<(String, u64)>,
}

/// What follows a start tag.
enum StartOf {
    /// A leaf with its value (SGML leaves have no end tag).
    Value,
    /// A leaf closed at once: `<MEMO></MEMO>`.
    EmptyLeaf,
    Aggregate,
}

struct StatementReader<'a, I: Iterator<Item = Token>> {
    opts: &'a ImportOptions,
    tokens: I,
    peeked: Option<Token>,
    /// Start and end tags read so far, and how many the file may have.
    tags: u64,
    max_tags: u64,
    open: OpenTags,
    statement: Statement,
    txn: Option<TxnFields>,
    references: ReferenceHasher,
    out: Vec<ImportedTxn>,
}

impl<I: Iterator<Item = Token>> StatementReader<'_, I> {
    fn run(&mut self) -> Result<(), ImportError> {
        while let Some(token) = self.next_token()? {
            match token {
                Token::Start(name, line) => self.start(name, line)?,
                Token::End(name, _) => self.close(&name)?,
                Token::Text(..) => {}
            }
        }
        while let Some(closed) = self.open.pop() {
            self.closed(&closed)?;
        }
        Ok(())
    }

    fn next_token(&mut self) -> Result<Option<Token>, ImportError> {
        match self.peeked.take() {
            Some(token) => Ok(Some(token)),
            None => self.read_token(),
        }
    }

    fn peek_token(&mut self) -> Result<Option<&Token>, ImportError> {
        if self.peeked.is_none() {
            self.peeked = self.read_token()?;
        }
        Ok(self.peeked.as_ref())
    }

    /// The tokenizer's next token, counting tags against the file's allowance.
    fn read_token(&mut self) -> Result<Option<Token>, ImportError> {
        let token = self.tokens.next();
        if let Some(Token::Start(_, line) | Token::End(_, line)) = &token {
            self.tags += 1;
            if self.tags > self.max_tags {
                let reason = ErrorReason::OfxTooManyTags(self.max_tags);
                return Err(self.opts.error(*line, reason));
            }
        }
        Ok(token)
    }

    fn start(&mut self, name: String, line: u64) -> Result<(), ImportError> {
        let next = match self.peek_token()? {
            Some(Token::Text(..)) => StartOf::Value,
            Some(Token::End(n, _)) if *n == name => StartOf::EmptyLeaf,
            _ => StartOf::Aggregate,
        };
        match next {
            StartOf::Value => {
                let Some(Token::Text(value, _)) = self.next_token()? else {
                    return Ok(());
                };
                if matches!(self.peek_token()?, Some(Token::End(n, _)) if *n == name) {
                    self.next_token()?;
                }
                self.leaf(&name, value, line);
                return Ok(());
            }
            StartOf::EmptyLeaf => {
                self.next_token()?;
                self.leaf(&name, String::new(), line);
                return Ok(());
            }
            StartOf::Aggregate => {}
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
                // An unclosed previous transaction (tolerated in SGML files) ends here,
                // with whatever it left open.
                self.close("STMTTRN")?;
                self.txn = Some(TxnFields {
                    line,
                    ..TxnFields::default()
                });
            }
            _ => {}
        }
        if self.open.depth() >= MAX_DEPTH {
            return Err(self.opts.error(line, ErrorReason::OfxTooDeep(MAX_DEPTH)));
        }
        self.open.push(name);
        Ok(())
    }

    /// An end tag: closes the innermost `name` and everything opened inside it; a name
    /// that is not open is ignored.
    fn close(&mut self, name: &str) -> Result<(), ImportError> {
        for _ in 0..self.open.pops_to_close(name).unwrap_or(0) {
            if let Some(closed) = self.open.pop() {
                self.closed(&closed)?;
            }
        }
        Ok(())
    }

    fn closed(&mut self, name: &str) -> Result<(), ImportError> {
        if name == "STMTTRN" {
            self.finish_txn()?;
        }
        Ok(())
    }

    fn leaf(&mut self, name: &str, value: String, line: u64) {
        let inner = self.open.innermost();
        let in_txn = self.open.is_open("STMTTRN");
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
        let amount_minor = match parse_minor(&plain, currency.exponent()) {
            Ok(minor) => within_bound(minor, currency, &amount_text),
            Err(MoneyError::Overflow) => Err(out_of_range(&amount_text, currency)),
            Err(_) => Err(ErrorReason::BadAmount {
                value: Quoted::new(&amount_text),
                hint: String::new(),
            }),
        }
        .map_err(|reason| err(amount_line, reason))?;
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
}
