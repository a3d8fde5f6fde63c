//! QIF (Quicken Interchange Format) exports of bank, card and cash accounts.
//!
//! `D` date, `T` (or `U`) amount, `P` payee, `M` memo, `L` category (`[Account]`: a transfer),
//! `^` ends a record; `!Account` blocks name the account of the records after them. A record
//! with split lines (`S` category, `$` amount) stays one transaction, with the category of its
//! largest split (or `Split` when that one has none). Dates such as `12/31'24` or `31.12.2024`
//! are read in one day/month order for the whole file, proven by its dates (or given with
//! `--date-format`) as for CSV.

mod records;

use crate::amount::{DecimalMode, DecimalSeparator, parse_bounded_amount};
use crate::date::{DateValue, SlashOrder, parse_date_auto, parse_date_with};
use crate::error::{ErrorReason, ImportError, Quoted};
use crate::reference::{ReferenceHasher, RowKey};
use crate::row::normalise_category;
use crate::text::{Encoding, decode};
use crate::{ImportOptions, ImportedTxn};
use chrono::NaiveDate;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::money::Currency;
use records::{Located, Record, read_records};

/// The category of a record whose splits are spread over several, the largest without one.
const SPLIT_CATEGORY: &str = "Split";

/// Reads every transaction of a QIF file (UTF-8 or Windows-1252), in the base currency.
///
/// # Errors
/// A section that is not a bank, card or cash account (investment accounts), a record without
/// a date or amount, a bad date or amount (naming its line), a day/month order the file cannot
/// settle, or more records than `opts.max_rows`.
pub(crate) fn parse_qif(
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<Vec<ImportedTxn>, ImportError> {
    let bytes = bytes.strip_prefix(crate::text::UTF8_BOM).unwrap_or(bytes);
    let text = decode(bytes, Encoding::Utf8)
        .or_else(|| decode(bytes, Encoding::Windows1252))
        .ok_or_else(|| opts.error(0, ErrorReason::NotText))?;
    let records = read_records(&text, opts)?;
    let dates = FileDates::of(&records, opts);
    let mut reader = RecordReader {
        opts,
        currency: opts.base_currency,
        decimal: DecimalMode::Auto {
            default: DecimalSeparator::Dot,
        },
        references: ReferenceHasher::default(),
    };
    records
        .into_iter()
        .map(|record| reader.txn(record, &dates))
        .collect()
}

/// `12/31'24` → `12/31/24`, ` 1/ 2/98` → `1/2/98`.
fn normalise_date(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '/' } else { c })
        .collect()
}

/// How the file's dates are read: as the user said, or in the order its dates prove.
struct FileDates {
    format: Option<crate::DateFormat>,
    order: Option<SlashOrder>,
}

impl FileDates {
    fn of(records: &[Record], opts: &ImportOptions) -> Self {
        if opts.date_format.is_some() {
            return Self {
                format: opts.date_format,
                order: None,
            };
        }
        let order = records
            .iter()
            .filter_map(|r| r.date.as_ref())
            .find_map(
                |(text, _)| match parse_date_auto(&normalise_date(text), None) {
                    Ok(DateValue::Date(_, order)) => order,
                    _ => None,
                },
            );
        Self {
            format: None,
            order,
        }
    }

    fn parse(&self, text: &str) -> Result<NaiveDate, ErrorReason> {
        let plain = normalise_date(text);
        let bad = |expected: &str| ErrorReason::BadDate {
            value: Quoted::new(text),
            expected: expected.to_owned(),
        };
        if let Some(format) = self.format {
            return parse_date_with(&plain, format).ok_or_else(|| bad(format.label()));
        }
        match parse_date_auto(&plain, self.order) {
            Ok(DateValue::Date(date, _)) => Ok(date),
            Ok(DateValue::Ambiguous) => Err(ErrorReason::AmbiguousDate(Quoted::new(text))),
            Err(expected) => Err(bad(expected)),
        }
    }
}

struct RecordReader<'a> {
    opts: &'a ImportOptions,
    currency: Currency,
    /// Fixed once a value proves the file's decimal separator.
    decimal: DecimalMode,
    references: ReferenceHasher,
}

impl RecordReader<'_> {
    fn txn(&mut self, r: Record, dates: &FileDates) -> Result<ImportedTxn, ImportError> {
        let err = |line: u64, reason| self.opts.error(line, reason);
        let (date_text, date_line) = r
            .date
            .as_ref()
            .ok_or_else(|| err(r.line, ErrorReason::QifMissing("D (date)")))?;
        let date = dates.parse(date_text).map_err(|e| err(*date_line, e))?;
        let mut largest: Option<(u64, &str)> = None;
        let mut split_total: i64 = 0;
        for split in &r.splits {
            let Some(minor) = self.amount(&split.amount)? else {
                continue;
            };
            split_total = split_total.saturating_add(minor);
            if largest.is_none_or(|(size, _)| minor.unsigned_abs() > size) {
                largest = Some((minor.unsigned_abs(), split.category.as_str()));
            }
        }
        let amount_minor = match self.amount(&r.amount)? {
            Some(minor) => minor,
            None if largest.is_some() => {
                let text = split_total.to_string();
                crate::bounds::within_bound(split_total, self.currency, &text)
                    .map_err(|e| err(r.line, e))?
            }
            None => return Err(err(r.line, ErrorReason::QifMissing("T (amount)"))),
        };
        let category = match largest {
            Some((_, "")) => SPLIT_CATEGORY.to_owned(),
            Some((_, split)) => category(split),
            None => category(&r.category),
        };
        let account = r
            .account
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| self.opts.default_account.clone());
        let counterparty = if r.payee.is_empty() {
            r.memo.clone()
        } else {
            r.payee.clone()
        };
        let description = if r.memo.is_empty() { r.payee } else { r.memo };
        let reference = self.references.reference(&RowKey {
            account: &account,
            date,
            amount_minor,
            currency: self.currency,
            counterparty: &counterparty,
            description: &description,
        });
        Ok(ImportedTxn {
            line: r.line,
            date,
            account,
            amount_minor,
            currency: self.currency,
            counterparty,
            category,
            description,
            reference,
        })
    }

    /// The amount of a `T`, `U` or `$` field, if the record has one.
    fn amount(&mut self, field: &Located) -> Result<Option<i64>, ImportError> {
        let Some((text, line)) = field else {
            return Ok(None);
        };
        let amount = parse_bounded_amount(text, self.decimal, self.currency)
            .map_err(|reason| self.opts.error(*line, reason))?;
        if let Some(sep) = amount.decimal {
            self.decimal = DecimalMode::Fixed(sep);
        }
        Ok(Some(amount.minor))
    }
}

/// `Category:Sub/Class` → `Category:Sub`; `[Savings]` (a transfer to that account) → `Transfer`.
fn category(field: &str) -> String {
    let field = field.trim();
    if field.starts_with('[') && field.ends_with(']') {
        return TRANSFER_CATEGORY.to_owned();
    }
    let without_class = field.split_once('/').map_or(field, |(c, _)| c).trim();
    normalise_category(without_class).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_categories() {
        assert_eq!(normalise_date("12/31'24"), "12/31/24");
        assert_eq!(normalise_date(" 1/ 2/98"), "1/2/98");
        assert_eq!(category("[Savings]"), "Transfer");
        assert_eq!(category("Auto:Fuel/Business"), "Auto:Fuel");
        assert_eq!(category("transfer"), "Transfer");
        assert_eq!(category(""), "");
    }
}
