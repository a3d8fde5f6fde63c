//! QuickBooks entities mapped into provider-neutral records: exact money in minor units with
//! its currency and exchange rate, dates, the provider's id, and whether the record is live,
//! voided or deleted.
//!
//! Money arrives as JSON numbers. Each is read as the nearest `f64` and printed in its shortest
//! round-trip form, which gives back the decimal that was sent for any amount of up to 15
//! significant digits; that decimal is then parsed exactly into minor units, and an amount with
//! more decimals than the currency has is refused rather than rounded.

use super::fault::QuickBooksError;
use super::wire;
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::money::parse_minor;
use flowsense_core::{Currency, Money};

/// The entity types this client reads (the API's own names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Account,
    Purchase,
    Deposit,
    Transfer,
    JournalEntry,
    Invoice,
    Bill,
    Payment,
    BillPayment,
}

impl EntityType {
    pub const ALL: [EntityType; 9] = [
        EntityType::Account,
        EntityType::Purchase,
        EntityType::Deposit,
        EntityType::Transfer,
        EntityType::JournalEntry,
        EntityType::Invoice,
        EntityType::Bill,
        EntityType::Payment,
        EntityType::BillPayment,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EntityType::Account => "Account",
            EntityType::Purchase => "Purchase",
            EntityType::Deposit => "Deposit",
            EntityType::Transfer => "Transfer",
            EntityType::JournalEntry => "JournalEntry",
            EntityType::Invoice => "Invoice",
            EntityType::Bill => "Bill",
            EntityType::Payment => "Payment",
            EntityType::BillPayment => "BillPayment",
        }
    }
}

/// Whether a record still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordState {
    Active,
    /// Kept by QuickBooks with its amounts zeroed and the note "Voided".
    Voided,
}

/// An exact decimal rate: `mantissa × 10^-scale` units of the home currency per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRate {
    pub mantissa: i64,
    pub scale: u32,
}

/// One account of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub provider_id: String,
    pub name: String,
    /// `Bank`, `Credit Card`, `Income`, `Expense`, … (the API's `AccountType`).
    pub account_type: String,
    pub classification: Option<String>,
    pub currency: Currency,
    pub current_balance: Option<Money>,
    pub active: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A transaction's effect on one account: signed minor units, money in (a debit) positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account_id: String,
    pub amount_minor: i64,
}

/// A transaction or document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnRecord {
    pub entity: EntityType,
    pub provider_id: String,
    pub sync_token: Option<String>,
    pub state: RecordState,
    pub updated_at: Option<DateTime<Utc>>,
    pub date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub doc_number: Option<String>,
    pub counterparty: Option<String>,
    /// `TotalAmt` (`Amount` for a Transfer), in the transaction's own currency.
    pub total: Money,
    /// An Invoice's or Bill's open balance.
    pub open_balance: Option<Money>,
    /// Home-currency units per unit of `total.currency`, when QuickBooks gives one.
    pub exchange_rate: Option<ExchangeRate>,
    /// The money side: the bank or card accounts paid from or into (for a JournalEntry, which
    /// has no designated money side, every line: Debit positive). Invoices and Bills have none.
    pub postings: Vec<Posting>,
    /// The name of the first line's category account, if any.
    pub category: Option<String>,
    pub memo: Option<String>,
    /// Ids of the Invoices or Bills a Payment or BillPayment settles.
    pub settles: Vec<String>,
}

/// What a read returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Account(AccountRecord),
    Txn(TxnRecord),
    /// Deleted in QuickBooks (CDC only): remove the copy.
    Deleted {
        entity: EntityType,
        provider_id: String,
        updated_at: Option<DateTime<Utc>>,
    },
}

fn decode(what: &str) -> QuickBooksError {
    QuickBooksError::Decode(what.to_owned())
}

/// The largest amount, in minor units, read from a JSON number: a number of at most 15
/// significant digits survives the trip through `f64` exactly (its shortest decimal form is
/// the one that was sent), so anything larger is refused rather than rounded.
pub const MAX_EXACT_MINOR_UNITS: f64 = 1e15;

/// A JSON number of money as exact minor units.
///
/// # Errors
/// When it is not finite, too large to have arrived exactly, or has more decimals than the
/// currency.
pub fn minor_units(value: f64, currency: Currency) -> Result<i64, QuickBooksError> {
    if !value.is_finite() {
        return Err(decode("a money amount is not a finite number"));
    }
    if value.abs() * 10f64.powi(i32::try_from(currency.exponent()).unwrap_or(0))
        >= MAX_EXACT_MINOR_UNITS
    {
        return Err(decode("a money amount is too large to be read exactly"));
    }
    parse_minor(&format!("{value}"), currency.exponent())
        .map_err(|e| decode(&format!("money amount {value}: {e}")))
}

fn rate(value: f64) -> Result<ExchangeRate, QuickBooksError> {
    let text = format!("{value}");
    let scale = text.split_once('.').map_or(0, |(_, f)| f.len());
    let scale = u32::try_from(scale).map_err(|_| decode("exchange rate"))?;
    let mantissa = parse_minor(&text, scale).map_err(|_| decode("exchange rate"))?;
    Ok(ExchangeRate { mantissa, scale })
}

fn time(text: Option<&String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn date(text: Option<&String>) -> Result<Option<NaiveDate>, QuickBooksError> {
    text.map(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| decode("a date")))
        .transpose()
}

fn currency_of(r: Option<&wire::Ref>, home: Currency) -> Result<Currency, QuickBooksError> {
    r.map_or(Ok(home), |r| {
        Currency::parse(&r.value).map_err(|_| decode("a currency code"))
    })
}

pub(crate) fn account(a: wire::Account, home: Currency) -> Result<AccountRecord, QuickBooksError> {
    let currency = currency_of(a.currency_ref.as_ref(), home)?;
    let current_balance = a
        .current_balance
        .map(|v| minor_units(v, currency).map(|m| Money::new(m, currency)))
        .transpose()?;
    Ok(AccountRecord {
        provider_id: a.id,
        name: a.name,
        account_type: a.account_type.or(a.account_sub_type).unwrap_or_default(),
        classification: a.classification,
        currency,
        current_balance,
        active: a.active.unwrap_or(true),
        updated_at: time(a.meta_data.last_updated_time.as_ref()),
    })
}

fn posting(r: Option<&wire::Ref>, amount_minor: i64) -> Option<Posting> {
    r.map(|r| Posting {
        account_id: r.value.clone(),
        amount_minor,
    })
}

pub(crate) fn txn(
    entity: EntityType,
    t: wire::Txn,
    home: Currency,
) -> Result<Record, QuickBooksError> {
    if t.status.as_deref() == Some("Deleted") {
        return Ok(Record::Deleted {
            entity,
            provider_id: t.id,
            updated_at: time(t.meta_data.last_updated_time.as_ref()),
        });
    }
    let currency = currency_of(t.currency_ref.as_ref(), home)?;
    let money = |v: Option<f64>| -> Result<i64, QuickBooksError> {
        v.map_or(Ok(0), |v| minor_units(v, currency))
    };
    let total = money(t.total_amt.or(t.amount))?;
    let lines = |f: fn(&wire::Line) -> Option<&wire::AccountDetail>| {
        t.line
            .iter()
            .find_map(|l| f(l).and_then(|d| d.account_ref.as_ref()))
    };
    let category_ref = lines(|l| l.account_based_expense_line_detail.as_ref())
        .or_else(|| lines(|l| l.deposit_line_detail.as_ref()));
    let mut postings = Vec::new();
    match entity {
        EntityType::Purchase => {
            let signed = if t.credit == Some(true) {
                total
            } else {
                -total
            };
            postings.extend(posting(t.account_ref.as_ref(), signed));
        }
        EntityType::Deposit | EntityType::Payment => {
            postings.extend(posting(t.deposit_to_account_ref.as_ref(), total));
        }
        EntityType::Transfer => {
            postings.extend(posting(t.from_account_ref.as_ref(), -total));
            postings.extend(posting(t.to_account_ref.as_ref(), total));
        }
        EntityType::BillPayment => {
            let bank = t
                .check_payment
                .as_ref()
                .and_then(|c| c.bank_account_ref.as_ref())
                .or_else(|| {
                    t.credit_card_payment
                        .as_ref()
                        .and_then(|c| c.cc_account_ref.as_ref())
                });
            postings.extend(posting(bank, -total));
        }
        EntityType::JournalEntry => {
            for l in &t.line {
                let Some(d) = &l.journal_entry_line_detail else {
                    continue;
                };
                let amount = money(l.amount)?;
                let signed = if d.posting_type.as_deref() == Some("Credit") {
                    -amount
                } else {
                    amount
                };
                postings.extend(posting(d.account_ref.as_ref(), signed));
            }
        }
        EntityType::Account | EntityType::Invoice | EntityType::Bill => {}
    }
    let voided = total == 0
        && t.private_note
            .as_deref()
            .is_some_and(|n| n.starts_with("Voided"));
    let counterparty = [&t.entity_ref, &t.customer_ref, &t.vendor_ref]
        .into_iter()
        .find_map(|r| r.as_ref().and_then(|r| r.name.clone()));
    Ok(Record::Txn(TxnRecord {
        entity,
        state: if voided {
            RecordState::Voided
        } else {
            RecordState::Active
        },
        updated_at: time(t.meta_data.last_updated_time.as_ref()),
        date: date(t.txn_date.as_ref())?,
        due_date: date(t.due_date.as_ref())?,
        open_balance: t
            .balance
            .map(|b| minor_units(b, currency).map(|m| Money::new(m, currency)))
            .transpose()?,
        exchange_rate: t.exchange_rate.map(rate).transpose()?,
        total: Money::new(total, currency),
        postings,
        category: category_ref.and_then(|r| r.name.clone()),
        settles: t
            .line
            .iter()
            .flat_map(|l| l.linked_txn.iter().map(|x| x.txn_id.clone()))
            .collect(),
        counterparty,
        provider_id: t.id,
        sync_token: t.sync_token,
        doc_number: t.doc_number,
        memo: t.private_note,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_numbers_become_exact_minor_units() {
        assert_eq!(minor_units(0.3, Currency::USD).ok(), Some(30));
        assert_eq!(
            minor_units(1_234_567_890.12, Currency::USD).ok(),
            Some(123_456_789_012)
        );
        assert_eq!(minor_units(-74.36, Currency::USD).ok(), Some(-7436));
        assert!(minor_units(1.005, Currency::USD).is_err());
        // 15 significant digits arrive exactly; more would have been rounded on the way.
        assert_eq!(
            minor_units(9_999_999_999_999.99, Currency::USD).ok(),
            Some(999_999_999_999_999)
        );
        assert!(minor_units(10_000_000_000_000.0, Currency::USD).is_err());
        assert!(minor_units(12_345_678_901_234_567.0, Currency::USD).is_err());
        assert_eq!(
            minor_units(1500.0, Currency::parse("JPY").expect("jpy")).ok(),
            Some(1500)
        );
        assert_eq!(
            rate(1.2345).ok(),
            Some(ExchangeRate {
                mantissa: 12345,
                scale: 4
            })
        );
    }
}
