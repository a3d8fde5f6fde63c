//! OFX/QFX statements, 1.x (SGML) and 2.x (XML): bank, credit-card and investment (its cash),
//! any number of them in one file.

mod investment;
mod open_tags;
mod statement;
mod tokens;
mod transaction;

use crate::error::{ErrorReason, ImportError};
use crate::reference::ReferenceHasher;
use crate::text::{Encoding, decode};
use crate::{ImportOptions, ImportedTxn};
use chrono::NaiveDate;
use flowsense_core::money::Currency;
use investment::CashKind;
use open_tags::OpenTags;
use statement::{AccountKind, Statement};
use tokens::{Token, Tokenizer};
use transaction::TxnFields;

/// Aggregates open at once. Real statements nest about ten deep.
const MAX_DEPTH: usize = 64;
/// Tags allowed for each transaction the options allow (one with every optional element of
/// the specification, in XML with its end tags, has about a hundred) ...
const TAGS_PER_ROW: u64 = 128;
/// ... and for the rest of the file: sign-on, balances, several statements.
const TAGS_BESIDE_ROWS: u64 = 100_000;

/// Reads every `<STMTTRN>` of every bank (`STMTRS`), card (`CCSTMTRS`) and investment
/// (`INVSTMTRS`) statement, and the cash side of investment trades and income (see
/// [`investment`]).
///
/// Each statement is its own account, masked to the last four characters of its id
/// (`Checking ••1234`), in its own `CURDEF` (else `opts.base_currency`); `FITID` is the
/// reference.
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
            "STMTRS" => self.statement = Statement::default(),
            "CCSTMTRS" => self.statement = Statement::of_kind(AccountKind::CreditCard),
            "CCACCTFROM" => self.statement.kind = AccountKind::CreditCard,
            "INVSTMTRS" => self.statement = Statement::of_kind(AccountKind::Investment),
            "STMTTRN" => self.begin_txn("STMTTRN", None, line)?,
            other => {
                if let Some((tag, kind)) = CashKind::of_tag(other) {
                    self.begin_txn(tag, Some(kind), line)?;
                }
            }
        }
        if self.open.depth() >= MAX_DEPTH {
            return Err(self.opts.error(line, ErrorReason::OfxTooDeep(MAX_DEPTH)));
        }
        self.open.push(name);
        Ok(())
    }

    fn begin_txn(
        &mut self,
        tag: &'static str,
        investment: Option<CashKind>,
        line: u64,
    ) -> Result<(), ImportError> {
        // An unclosed previous transaction (tolerated in SGML files) ends here, with
        // whatever it left open.
        if let Some(open) = self.txn.as_ref().map(|t| t.tag) {
            self.close(open)?;
            self.finish_txn()?;
        }
        self.txn = Some(TxnFields::new(tag, investment, line));
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
        if self.txn.as_ref().is_some_and(|t| t.tag == name) {
            self.finish_txn()?;
        }
        Ok(())
    }

    fn leaf(&mut self, name: &str, value: String, line: u64) {
        let inner = self.open.innermost();
        if let Some(txn) = self.txn.as_mut()
            && self.open.is_open(txn.tag)
        {
            txn.leaf(name, inner, value, line);
            return;
        }
        match (name, inner) {
            ("CURDEF", _) => self.statement.currency = Currency::parse(&value).ok(),
            ("ACCTID", "BANKACCTFROM" | "CCACCTFROM" | "INVACCTFROM") => {
                self.statement.account_id = Some(value);
            }
            ("ACCTTYPE", "BANKACCTFROM") => {
                self.statement.kind = AccountKind::bank(&value);
            }
            _ => {}
        }
    }

    fn finish_txn(&mut self) -> Result<(), ImportError> {
        let Some(fields) = self.txn.take() else {
            return Ok(());
        };
        let line = fields.line;
        let txn = fields.finish(
            &self.statement,
            &self.opts.default_account,
            self.opts.base_currency,
            &mut self.references,
            |line, reason| self.opts.error(line, reason),
        )?;
        if self.out.len() as u64 >= self.opts.max_rows {
            let reason = ErrorReason::TooManyRows(self.opts.max_rows);
            return Err(self.opts.error(line, reason));
        }
        self.out.push(txn);
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
