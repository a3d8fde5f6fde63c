//! One transaction as a statement writes it (a bank `<STMTTRN>` or the cash side of an
//! investment transaction), and the [`ImportedTxn`] it becomes.

use super::investment::CashKind;
use super::parse_ofx_date;
use super::statement::Statement;
use crate::ImportedTxn;
use crate::bounds::{out_of_range, within_bound};
use crate::error::{ErrorReason, ImportError, Quoted};
use crate::reference::{ReferenceHasher, RowKey};
use flowsense_core::money::{Currency, MoneyError, parse_minor};

/// A value with the line it was read on.
pub(super) type Located = Option<(String, u64)>;

/// The elements of one transaction read so far.
pub(super) struct TxnFields {
    /// The aggregate that holds it (`STMTTRN`, `BUYSTOCK`, `INCOME`, ...): it ends with it.
    pub tag: &'static str,
    /// `None` for a bank or card transaction.
    pub investment: Option<CashKind>,
    /// The line of its start tag.
    pub line: u64,
    /// `DTPOSTED`, or an investment's `DTSETTLE` (when the cash moves).
    pub date: Located,
    /// An investment's `DTTRADE`, used when it has no `DTSETTLE`.
    pub trade_date: Located,
    /// `TRNAMT`, or an investment's `TOTAL`.
    pub amount: Located,
    pub fitid: String,
    pub name: String,
    pub memo: String,
    pub currency: Located,
}

impl TxnFields {
    pub fn new(tag: &'static str, investment: Option<CashKind>, line: u64) -> Self {
        Self {
            tag,
            investment,
            line,
            date: None,
            trade_date: None,
            amount: None,
            fitid: String::new(),
            name: String::new(),
            memo: String::new(),
            currency: None,
        }
    }

    /// Records a leaf element of the transaction; others are ignored.
    pub fn leaf(&mut self, name: &str, inner: &str, value: String, line: u64) {
        let bank = self.investment.is_none();
        match name {
            "DTPOSTED" if bank => self.date = Some((value, line)),
            "TRNAMT" if bank => self.amount = Some((value, line)),
            "DTSETTLE" if !bank => self.date = Some((value, line)),
            "DTTRADE" if !bank => self.trade_date = Some((value, line)),
            "TOTAL" if !bank => self.amount = Some((value, line)),
            "INCOMETYPE" => {
                if let Some(kind) = &mut self.investment {
                    kind.income_type(&value);
                }
            }
            "FITID" => self.fitid = value,
            "NAME" if inner == "STMTTRN" || inner == "PAYEE" => self.name = value,
            "MEMO" => self.memo = value,
            "CURSYM" if inner == "CURRENCY" => self.currency = Some((value, line)),
            _ => {}
        }
    }

    /// The transaction, or why it cannot be one. `error` names the file.
    pub fn finish(
        self,
        statement: &Statement,
        default_account: &str,
        base_currency: Currency,
        references: &mut ReferenceHasher,
        error: impl Fn(u64, ErrorReason) -> ImportError,
    ) -> Result<ImportedTxn, ImportError> {
        let (date_element, amount_element) = match self.investment {
            None => ("DTPOSTED", "TRNAMT"),
            Some(_) => ("DTTRADE", "TOTAL"),
        };
        let (date_text, date_line) = self
            .date
            .or(self.trade_date)
            .ok_or_else(|| error(self.line, ErrorReason::OfxMissing(date_element)))?;
        let date = parse_ofx_date(&date_text).ok_or_else(|| {
            error(
                date_line,
                ErrorReason::BadDate {
                    value: Quoted::new(&date_text),
                    expected: "YYYYMMDD[HHMMSS]".into(),
                },
            )
        })?;
        let currency = match &self.currency {
            Some((code, line)) => Currency::parse(code)
                .map_err(|_| error(*line, ErrorReason::BadCurrency(Quoted::new(code))))?,
            None => statement.currency.unwrap_or(base_currency),
        };
        let (amount_text, amount_line) = self
            .amount
            .ok_or_else(|| error(self.line, ErrorReason::OfxMissing(amount_element)))?;
        let amount_minor =
            parse_ofx_amount(&amount_text, currency).map_err(|r| error(amount_line, r))?;
        let account = statement.account_label(default_account);
        let (counterparty, description) = match &self.investment {
            None => {
                let counterparty = if self.name.is_empty() {
                    self.memo.clone()
                } else {
                    self.name.clone()
                };
                let description = if self.memo.is_empty() {
                    self.name
                } else {
                    self.memo
                };
                (counterparty, description)
            }
            Some(kind) => {
                let label = kind.label().to_owned();
                let description = if self.memo.is_empty() {
                    label.clone()
                } else {
                    self.memo
                };
                (label, description)
            }
        };
        let reference = if self.fitid.is_empty() {
            references.reference(&RowKey {
                account: &account,
                date,
                amount_minor,
                currency,
                counterparty: &counterparty,
                description: &description,
            })
        } else {
            self.fitid
        };
        Ok(ImportedTxn {
            line: self.line,
            date,
            account,
            amount_minor,
            currency,
            counterparty,
            category: String::new(),
            description,
            reference,
        })
    }
}

/// An OFX amount: an optional sign, digits (zero padding allowed) and a `.` or `,` decimal
/// point, with as many decimals as the file likes provided those beyond the currency's are
/// zeros (`12.3400` is 12.34 USD). Nothing is rounded: `12.345` USD is refused.
pub(super) fn parse_ofx_amount(text: &str, currency: Currency) -> Result<i64, ErrorReason> {
    let plain = if text.contains(',') && !text.contains('.') {
        text.replace(',', ".")
    } else {
        text.to_owned()
    };
    let bad = |hint: String| ErrorReason::BadAmount {
        value: Quoted::new(text),
        hint,
    };
    match parse_minor(&plain, currency.exponent()) {
        Ok(minor) => within_bound(minor, currency, text),
        Err(MoneyError::Overflow) => Err(out_of_range(text, currency)),
        Err(MoneyError::TooPrecise(places)) => Err(bad(format!(
            "{currency} has {places} decimal places and amounts are never rounded: \
             the bank's file has a fraction of its smallest unit"
        ))),
        Err(_) => Err(bad("expected a decimal like -1234.56".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpy() -> Currency {
        Currency::parse("JPY").expect("a currency")
    }

    #[test]
    fn signed_padded_and_long_amounts() {
        let usd = |t| parse_ofx_amount(t, Currency::USD);
        assert_eq!(usd("+12.50"), Ok(1250));
        assert_eq!(usd("-00012.50"), Ok(-1250));
        assert_eq!(usd("12.3400"), Ok(1234));
        assert_eq!(usd("-12,5"), Ok(-1250));
        assert_eq!(usd("+0000"), Ok(0));
        assert_eq!(parse_ofx_amount("1500.0000", jpy()), Ok(1500));
        let e = usd("12.3456").expect_err("a fraction of a cent");
        assert!(e.to_string().contains("never rounded"), "{e}");
        assert!(matches!(
            parse_ofx_amount("12.5", jpy()),
            Err(ErrorReason::BadAmount { .. })
        ));
        for bad in ["", "+", "1.234,56", "12 50", "--1", "1e3"] {
            assert!(usd(bad).is_err(), "{bad}");
        }
    }
}
