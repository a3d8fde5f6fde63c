//! One CSV record to one [`ImportedTxn`], for both the canonical layout and bank layouts.

use crate::amount::{DecimalMode, parse_bounded_amount};
use crate::bounds::{MAX_COLUMNS, is_within_bound, out_of_range, within_bound};
use crate::columns::{Field, Layout};
use crate::date::{
    DateFormat, DateValue, SlashOrder, parse_date_auto, parse_date_with, parse_iso_date,
};
use crate::error::{ErrorReason, Quoted};
use crate::layouts::FEE_CATEGORY;
use crate::reference::{ReferenceHasher, RowKey};
use crate::{ImportOptions, ImportedTxn};
use chrono::NaiveDate;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::money::{Currency, MoneyError, parse_minor};

/// A canonical row, borrowed from its fields. Shared by the streaming and the fast path
/// so both accept and refuse exactly the same rows.
pub(crate) struct CanonicalRow<'a> {
    pub date: NaiveDate,
    pub account: &'a str,
    pub amount: i64,
    pub currency: Currency,
    pub counterparty: &'a str,
    pub category: &'a str,
    pub description: &'a str,
    pub reference: &'a str,
}

/// Parses the eight canonical fields (already trimmed), in `TXN_CSV_HEADER` order.
pub(crate) fn parse_canonical<'a>(
    f: &[&'a str; 8],
    base: Currency,
    default_account: &'a str,
) -> Result<CanonicalRow<'a>, ErrorReason> {
    let date = parse_iso_date(f[0]).ok_or_else(|| ErrorReason::BadDate {
        value: Quoted::new(f[0]),
        expected: "YYYY-MM-DD".into(),
    })?;
    let currency = parse_currency(f[3], base)?;
    let amount = parse_minor(f[2], currency.exponent()).map_err(|e| {
        let hint = match e {
            MoneyError::TooPrecise(n) => format!("more than {n} decimal places"),
            MoneyError::Overflow => return out_of_range(f[2], currency),
            _ => "expected a plain decimal like -1234.56".into(),
        };
        ErrorReason::BadAmount {
            value: Quoted::new(f[2]),
            hint,
        }
    })?;
    let amount = within_bound(amount, currency, f[2])?;
    Ok(CanonicalRow {
        date,
        account: if f[1].is_empty() {
            default_account
        } else {
            f[1]
        },
        amount,
        currency,
        counterparty: f[4],
        category: normalise_category(f[5]),
        description: f[6],
        reference: f[7],
    })
}

fn parse_currency(text: &str, base: Currency) -> Result<Currency, ErrorReason> {
    if text.is_empty() {
        return Ok(base);
    }
    Currency::parse(text).map_err(|_| ErrorReason::BadCurrency(Quoted::new(text)))
}

/// "transfer" in any case is the one transfer category.
pub(crate) fn normalise_category(category: &str) -> &str {
    if category.eq_ignore_ascii_case(TRANSFER_CATEGORY) {
        TRANSFER_CATEGORY
    } else {
        category
    }
}

/// A record must have the header's width; extra trailing fields are tolerated when empty,
/// up to [`MAX_COLUMNS`] in all.
pub(crate) fn check_width<'a>(
    fields: impl ExactSizeIterator<Item = &'a str>,
    width: usize,
) -> Result<(), ErrorReason> {
    let found = fields.len();
    if found > MAX_COLUMNS {
        return Err(ErrorReason::TooManyColumns(MAX_COLUMNS));
    }
    if found == width {
        return Ok(());
    }
    let mut fields = fields;
    if found > width && fields.by_ref().skip(width).all(str::is_empty) {
        return Ok(());
    }
    Err(ErrorReason::ColumnCount {
        expected: width,
        found,
    })
}

/// What a record turned into.
pub(crate) enum RowOutcome {
    Txn(ImportedTxn),
    /// A gross amount, with the processor's fee on it and the part of it given back, each as
    /// its own outflow row (at least one of them present).
    Split {
        sale: ImportedTxn,
        fee: Option<Box<ImportedTxn>>,
        refund: Option<Box<ImportedTxn>>,
    },
    /// A row the layout leaves out (not finished, or a summary line), and why.
    Skipped(Skip),
    /// The date's day/month order is not known yet; try again once it is.
    Ambiguous,
}

/// Why a known layout leaves a row out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// Not finished (`Pending`, `Denied`): the status as written.
    Status(String),
    /// A summary or balance line with no amount.
    NoAmount,
    /// A line with a single field amid the rows: a section title or a note.
    NotARow,
    /// An opening or closing balance, or a total, where a row's date would be.
    BalanceLine,
}

/// Words that open a balance or total line written amid the rows (in the date column).
const BALANCE_LINE_WORDS: [&str; 9] = [
    "balance",
    "opening",
    "closing",
    "total",
    "solde",
    "saldo",
    "kontostand",
    "anfangssaldo",
    "endsaldo",
];

/// A date cell that opens a balance or total line (`Balance at start of period`).
fn is_balance_line(date_cell: &str) -> bool {
    let lower = date_cell.to_lowercase();
    BALANCE_LINE_WORDS.iter().any(|w| lower.starts_with(w))
}

/// Per-file state for turning records into transactions.
pub(crate) struct RowParser {
    pub layout: Layout,
    base: Currency,
    default_account: String,
    date_format: Option<DateFormat>,
    pub date_order: Option<SlashOrder>,
    decimal: DecimalMode,
    references: ReferenceHasher,
    /// The currency a summary line without an amount names (an Amazon settlement report's
    /// first row): the currency of the rows that leave theirs empty.
    summary_currency: Option<Currency>,
}

impl RowParser {
    pub fn new(layout: Layout, opts: &ImportOptions, decimal: DecimalMode) -> Self {
        Self {
            layout,
            base: opts.base_currency,
            default_account: opts.default_account.clone(),
            date_format: opts.date_format,
            date_order: match opts.date_format {
                Some(DateFormat::MonthFirst) => Some(SlashOrder::MonthFirst),
                Some(DateFormat::DayFirst) => Some(SlashOrder::DayFirst),
                _ => None,
            },
            decimal,
            references: ReferenceHasher::default(),
            summary_currency: None,
        }
    }

    fn get<'a>(&self, fields: &'a [String], field: Field) -> Option<&'a str> {
        self.layout
            .column(field)
            .and_then(|c| fields.get(c))
            .map(String::as_str)
    }

    /// The day/month order this record's date proves, if any (and none is known yet).
    pub fn proves_order(&self, fields: &[String]) -> Option<SlashOrder> {
        if self.layout.canonical || self.date_format.is_some() || self.date_order.is_some() {
            return None;
        }
        match parse_date_auto(self.get(fields, Field::Date)?, None) {
            Ok(DateValue::Date(_, proof)) => proof,
            _ => None,
        }
    }

    pub fn parse(&mut self, line: u64, fields: &[String]) -> Result<RowOutcome, ErrorReason> {
        if !self.layout.canonical && fields.len() == 1 && self.layout.width > 2 {
            return Ok(RowOutcome::Skipped(Skip::NotARow));
        }
        // Short of the header's unnamed trailing fields is fine; beyond them, the check.
        if fields.len() > self.layout.width || fields.len() < self.layout.min_width {
            check_width(fields.iter().map(String::as_str), self.layout.width)?;
        }
        if self.layout.canonical {
            let f: [&str; 8] = std::array::from_fn(|i| fields[i].as_str());
            let row = parse_canonical(&f, self.base, &self.default_account)?;
            let reference = reference_or_hash(
                &mut self.references,
                row.reference,
                &RowKey {
                    account: row.account,
                    date: row.date,
                    amount_minor: row.amount,
                    currency: row.currency,
                    counterparty: row.counterparty,
                    description: row.description,
                },
            );
            return Ok(RowOutcome::Txn(ImportedTxn {
                line,
                date: row.date,
                account: row.account.to_owned(),
                amount_minor: row.amount,
                currency: row.currency,
                counterparty: row.counterparty.to_owned(),
                category: row.category.to_owned(),
                description: row.description.to_owned(),
                reference,
            }));
        }
        let known = self.layout.known;
        if let Some(status) = self.get(fields, Field::Status)
            && !known.keeps_status(status)
        {
            return Ok(RowOutcome::Skipped(Skip::Status(status.to_owned())));
        }
        if known.skips_rows_without_amount && !self.has_amount(fields) {
            let named = self.get(fields, Field::Currency).unwrap_or("").trim();
            if !named.is_empty() {
                self.summary_currency = Some(parse_currency(named, self.base)?);
            }
            return Ok(RowOutcome::Skipped(Skip::NoAmount));
        }
        if is_balance_line(self.get(fields, Field::Date).unwrap_or("")) {
            return Ok(RowOutcome::Skipped(Skip::BalanceLine));
        }
        let Some(date) = self.date(fields)? else {
            return Ok(RowOutcome::Ambiguous);
        };
        let currency = parse_currency(
            self.get(fields, Field::Currency).unwrap_or(""),
            self.summary_currency.unwrap_or(self.base),
        )?;
        let amount_minor = self.amount(fields, currency)? * known.amount_sign;
        let fee_minor = self.fee(fields, currency, amount_minor)?;
        let refund_minor = self.refund(fields, currency, amount_minor)?;
        let account = match self.get(fields, Field::Account) {
            Some(a) if !a.is_empty() => a,
            _ => &self.default_account,
        }
        .to_owned();
        let description = self.get(fields, Field::Description).unwrap_or("");
        let kind = self.get(fields, Field::Type).unwrap_or("");
        let is_fee = known.is_fee(kind);
        let counterparty = match self.get(fields, Field::Counterparty) {
            Some(c) if !c.is_empty() => c,
            _ if is_fee => known.fee_payee,
            _ => description,
        };
        let category = if known.is_transfer(kind) {
            TRANSFER_CATEGORY
        } else {
            match normalise_category(self.get(fields, Field::Category).unwrap_or("")) {
                "" if is_fee => FEE_CATEGORY,
                given => given,
            }
        };
        let given = self.get(fields, Field::Reference).unwrap_or("");
        let reference = reference_or_hash(
            &mut self.references,
            given,
            &RowKey {
                account: &account,
                date,
                amount_minor,
                currency,
                counterparty,
                description,
            },
        );
        let txn = ImportedTxn {
            line,
            date,
            account,
            amount_minor,
            currency,
            counterparty: counterparty.to_owned(),
            category: category.to_owned(),
            description: description.to_owned(),
            reference,
        };
        if fee_minor.is_none() && refund_minor.is_none() {
            return Ok(RowOutcome::Txn(txn));
        }
        let fee = fee_minor.map(|fee| ImportedTxn {
            amount_minor: fee,
            counterparty: known.fee_payee.to_owned(),
            category: FEE_CATEGORY.to_owned(),
            description: labelled("Fee", &txn),
            reference: format!("{}:fee", txn.reference),
            ..txn.clone()
        });
        // The export has no date of its own for the refund: it is dated with the payment.
        let refund = refund_minor.map(|refund| ImportedTxn {
            amount_minor: refund,
            description: labelled("Refund", &txn),
            reference: format!("{}:refund", txn.reference),
            ..txn.clone()
        });
        Ok(RowOutcome::Split {
            sale: txn,
            fee: fee.map(Box::new),
            refund: refund.map(Box::new),
        })
    }

    /// The part of a payment given back, as the (negative) change it makes to the balance
    /// (`None` when nothing was). The column holds the amount refunded, or, in exports that
    /// only flag it, `true` for a whole refund. A refund larger than the payment, or of a
    /// payment that brought no money in, is refused.
    fn refund(
        &mut self,
        fields: &[String],
        currency: Currency,
        gross: i64,
    ) -> Result<Option<i64>, ErrorReason> {
        let Some(text) = self.get(fields, Field::Refunded).map(str::trim) else {
            return Ok(None);
        };
        let refunded = match text.to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "n" => 0,
            "true" | "yes" | "y" => gross,
            _ => self.parse_amount_text(text, currency)?.abs(),
        };
        if refunded == 0 {
            return Ok(None);
        }
        if gross <= 0 || refunded > gross {
            return Err(ErrorReason::RefundExceedsPayment);
        }
        Ok(Some(-refunded))
    }

    /// Whether any amount column of the row is filled.
    fn has_amount(&self, fields: &[String]) -> bool {
        [Field::Amount, Field::Debit, Field::Credit]
            .into_iter()
            .any(|f| self.get(fields, f).is_some_and(|s| !s.is_empty()))
    }

    /// The processor's fee on a gross amount, as the signed change it makes to the balance
    /// (`None` when there is none). With a net column the fee's sign follows from it, and the
    /// three must agree; without one a fee is a cost.
    fn fee(
        &mut self,
        fields: &[String],
        currency: Currency,
        gross: i64,
    ) -> Result<Option<i64>, ErrorReason> {
        let Some(text) = self.get(fields, Field::Fee).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let fee = self.parse_amount_text(text, currency)?;
        let net = self
            .get(fields, Field::Net)
            .filter(|s| !s.is_empty())
            .map(|t| self.parse_amount_text(t, currency))
            .transpose()?;
        // Both within the bound, so neither the difference nor its absolute value overflow.
        let change = match net {
            Some(net) if (net - gross).abs() == fee.abs() => net - gross,
            Some(_) => return Err(ErrorReason::FeeMismatch),
            None => -fee.abs(),
        };
        Ok((change != 0).then_some(change))
    }

    fn date(&mut self, fields: &[String]) -> Result<Option<NaiveDate>, ErrorReason> {
        let text = self.get(fields, Field::Date).unwrap_or("");
        let bad = |expected: &str| ErrorReason::BadDate {
            value: Quoted::new(text),
            expected: expected.to_owned(),
        };
        if let Some(format) = self.date_format {
            return parse_date_with(text, format)
                .map(Some)
                .ok_or_else(|| bad(format.label()));
        }
        match parse_date_auto(text, self.date_order).map_err(bad)? {
            DateValue::Ambiguous => Ok(None),
            DateValue::Date(date, proof) => {
                if proof.is_some() {
                    self.date_order = proof;
                }
                Ok(Some(date))
            }
        }
    }

    fn parse_amount_text(&mut self, text: &str, currency: Currency) -> Result<i64, ErrorReason> {
        let parsed = parse_bounded_amount(text, self.decimal, currency)?;
        if let Some(sep) = parsed.decimal {
            self.decimal = DecimalMode::Fixed(sep);
        }
        Ok(parsed.minor)
    }

    fn amount(&mut self, fields: &[String], currency: Currency) -> Result<i64, ErrorReason> {
        let non_empty = |field| self.get(fields, field).filter(|s: &&str| !s.is_empty());
        let (amount, debit, credit) = (
            non_empty(Field::Amount),
            non_empty(Field::Debit),
            non_empty(Field::Credit),
        );
        if let Some(text) = amount {
            // Within the bound, so its absolute value cannot overflow.
            let value = self.parse_amount_text(text, currency)?;
            let direction = self
                .get(fields, Field::Direction)
                .unwrap_or("")
                .to_ascii_lowercase();
            return Ok(match direction.as_str() {
                "dr" | "debit" | "d" | "withdrawal" | "out" | "af" | "s" | "soll" => -value.abs(),
                "cr" | "credit" | "c" | "deposit" | "in" | "bij" | "h" | "haben" => value.abs(),
                _ => value,
            });
        }
        if debit.is_none() && credit.is_none() {
            return Err(ErrorReason::NoAmount);
        }
        let debit_minor = debit
            .map(|t| self.parse_amount_text(t, currency))
            .transpose()?
            .unwrap_or(0);
        let credit_minor = credit
            .map(|t| self.parse_amount_text(t, currency))
            .transpose()?
            .unwrap_or(0);
        // Each side is within the bound, so the net is too; checked all the same, so a
        // wider bound some day cannot turn into a silent wrap.
        let net = credit_minor
            .checked_abs()
            .zip(debit_minor.checked_abs())
            .and_then(|(c, d)| c.checked_sub(d));
        net.filter(|&n| is_within_bound(n, currency))
            .ok_or_else(|| {
                let both = format!("{} - {}", credit.unwrap_or("0"), debit.unwrap_or("0"));
                out_of_range(&both, currency)
            })
    }
}

/// `Fee: Order 1234` for the fee row split off a gross amount (`Refund: …` for a refund).
fn labelled(label: &str, txn: &ImportedTxn) -> String {
    let what = if txn.description.is_empty() {
        &txn.counterparty
    } else {
        &txn.description
    };
    if what.is_empty() {
        label.to_owned()
    } else {
        format!("{label}: {what}")
    }
}

fn reference_or_hash(references: &mut ReferenceHasher, given: &str, key: &RowKey<'_>) -> String {
    if given.is_empty() {
        references.reference(key)
    } else {
        given.to_owned()
    }
}
