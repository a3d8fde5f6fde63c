//! Xero records mapped into provider-neutral [`BookChange`]s: exact money in minor units with
//! its currency, Xero's `/Date(…)/` dates, and the status rules.
//!
//! - A `BANK` account becomes a [`MoneyAccount`] (`BankAccountType` `CREDITCARD` a card).
//! - A bank transaction moves its `Total` in its bank account: `RECEIVE…` types in, `SPEND…`
//!   out; `…-TRANSFER` ones are the two sides of a bank transfer (each its own transaction in
//!   Xero, so deleting the transfer deletes both). `VOIDED` moves nothing; `DELETED` is removed.
//! - A payment moves its `Amount` in its `Account`, in or out by `PaymentType`, when that is a
//!   bank account (one into an account merely enabled for payments moves no cash); `DELETED`
//!   is removed.
//! - An invoice (`ACCREC`) or bill (`ACCPAY`) that is `AUTHORISED` or `PAID` becomes a
//!   [`Document`]; `DELETED` or `VOIDED` is removed; `DRAFT` and `SUBMITTED` are not yet owed.
//!
//! Money is read as QuickBooks' is ([`crate::quickbooks::minor_units`]): exactly, or refused.
//! Xero's `CurrencyRate` is foreign units per unit of the base currency; [`Rate`] is the other
//! way round, so it is inverted (to ten decimals).

use super::error::XeroError;
use super::wire;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use flowsense_core::money::parse_minor;
use flowsense_core::synced::{
    BookChange, CashMovement, Document, MoneyAccount, MoneyAccountKind, Rate,
};
use flowsense_core::{Currency, DocKind, Money};
use std::collections::{HashMap, HashSet};

fn decode(what: &str) -> XeroError {
    XeroError::Decode(what.to_owned())
}

/// Reads Xero's dates: the Microsoft JSON form `/Date(1476316800000+0000)/` (milliseconds
/// since the epoch, UTC; the offset only says which zone it was shown in) or the ISO form of
/// the `…String` fields, `2016-10-13T00:00:00` (UTC), with or without fractions.
#[must_use]
pub fn parse_xero_date(text: &str) -> Option<DateTime<Utc>> {
    if let Some(inner) = text
        .strip_prefix("/Date(")
        .and_then(|t| t.strip_suffix(")/"))
    {
        let end = inner
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '+' || c == '-')
            .map_or(inner.len(), |(i, _)| i);
        let ms: i64 = inner[..end].parse().ok()?;
        return DateTime::from_timestamp_millis(ms);
    }
    let trimmed = text.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|t| t.and_utc())
}

fn day(primary: Option<&String>, fallback: Option<&String>) -> Result<NaiveDate, XeroError> {
    primary
        .or(fallback)
        .and_then(|t| parse_xero_date(t))
        .map(|t| t.date_naive())
        .ok_or_else(|| decode("a date is missing or not in Xero's form"))
}

/// When a record last changed, if it says.
pub(crate) fn updated(text: Option<&String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| parse_xero_date(t))
}

fn money(value: Option<f64>, currency: Currency) -> Result<i64, XeroError> {
    let value = value.ok_or_else(|| decode("a money amount is missing"))?;
    crate::quickbooks::minor_units(value, currency).map_err(|e| XeroError::Decode(e.to_string()))
}

/// Home-currency units per unit, from Xero's foreign-per-home `CurrencyRate`.
fn rate(value: Option<f64>, currency: Currency, home: Currency) -> Result<Option<Rate>, XeroError> {
    const SCALE: u32 = 10;
    let Some(value) = value.filter(|_| currency != home) else {
        return Ok(None);
    };
    let text = format!("{value}");
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    let decimals = u32::try_from(decimals).map_err(|_| decode("a currency rate"))?;
    let mantissa = parse_minor(&text, decimals).map_err(|_| decode("a currency rate"))?;
    if mantissa <= 0 {
        return Err(decode("a currency rate that is not positive"));
    }
    // 1 / (m × 10^-d) = 10^d / m, to SCALE decimals: 10^(d + SCALE) / m.
    let numerator = 10i128
        .checked_pow(decimals + SCALE)
        .ok_or_else(|| decode("a currency rate with too many decimals"))?;
    let inverted = numerator / i128::from(mantissa);
    Ok(Some(Rate {
        mantissa: i64::try_from(inverted).map_err(|_| decode("a currency rate"))?,
        scale: SCALE,
    }))
}

fn currency(code: Option<&String>, fallback: Currency) -> Result<Currency, XeroError> {
    code.filter(|c| !c.is_empty()).map_or(Ok(fallback), |c| {
        Currency::parse(c).map_err(|_| decode("a currency code"))
    })
}

/// What the mapping needs to know of the tenant: its base currency and its chart.
pub(crate) struct Chart {
    pub home: Currency,
    /// Account names by `Code`, for the categories of line items.
    pub names_by_code: HashMap<String, String>,
    /// The `AccountID`s of the money (`BANK`) accounts.
    pub money_accounts: HashSet<String>,
}

/// A `BANK` account as a money account; other accounts are `None`.
pub(crate) fn account(
    a: &wire::Account,
    home: Currency,
) -> Result<Option<MoneyAccount>, XeroError> {
    if a.account_type != "BANK" {
        return Ok(None);
    }
    Ok(Some(MoneyAccount {
        provider_id: a.account_id.clone(),
        name: a.name.clone(),
        kind: if a.bank_account_type.as_deref() == Some("CREDITCARD") {
            MoneyAccountKind::CreditCard
        } else {
            MoneyAccountKind::Bank
        },
        currency: currency(a.currency_code.as_ref(), home)?,
        active: a.status.as_deref().is_none_or(|s| s == "ACTIVE"),
    }))
}

fn account_id(r: &wire::AccountRef) -> Result<String, XeroError> {
    r.account_id
        .clone()
        .ok_or_else(|| decode("a money movement without its account"))
}

/// A bank transaction as the movements it makes.
pub(crate) fn bank_transaction(
    t: wire::BankTransaction,
    chart: &Chart,
) -> Result<BookChange, XeroError> {
    match t.status.as_str() {
        "DELETED" => return Ok(BookChange::Removed { source_id: t.id }),
        "VOIDED" => {
            return Ok(BookChange::Movements {
                source_id: t.id,
                movements: Vec::new(),
            });
        }
        _ => {}
    }
    let inflow = t.kind.starts_with("RECEIVE");
    if !inflow && !t.kind.starts_with("SPEND") {
        return Err(decode("a bank transaction of an unknown type"));
    }
    let currency = currency(t.currency_code.as_ref(), chart.home)?;
    let total = money(t.total, currency)?;
    let first = t.line_items.first();
    let movement = CashMovement {
        provider_id: t.id.clone(),
        source_id: t.id.clone(),
        account_id: account_id(&t.bank_account)?,
        date: day(t.date.as_ref(), t.date_string.as_ref())?,
        amount: Money::new(if inflow { total } else { -total }, currency),
        rate: rate(t.currency_rate, currency, chart.home)?,
        counterparty: t.contact.and_then(|c| c.name).unwrap_or_default(),
        description: t
            .reference
            .filter(|r| !r.is_empty())
            .or_else(|| first.and_then(|l| l.description.clone()))
            .unwrap_or_default(),
        category: first
            .and_then(|l| l.account_code.as_ref())
            .and_then(|c| chart.names_by_code.get(c))
            .cloned()
            .unwrap_or_default(),
        is_transfer: t.kind.ends_with("-TRANSFER"),
    };
    Ok(BookChange::Movements {
        source_id: t.id,
        movements: vec![movement],
    })
}

/// Whether a payment of this type brings money in (Xero-OpenAPI `Payment.PaymentType`).
fn payment_inflow(kind: Option<&str>, invoice_kind: Option<&str>) -> bool {
    match kind {
        Some(
            "ACCRECPAYMENT" | "APCREDITPAYMENT" | "APOVERPAYMENTPAYMENT" | "APPREPAYMENTPAYMENT",
        ) => true,
        Some(_) => false,
        None => invoice_kind != Some("ACCPAY"),
    }
}

/// A payment as the movement it makes in its bank account.
pub(crate) fn payment(p: wire::Payment, chart: &Chart) -> Result<BookChange, XeroError> {
    if p.status.as_deref() == Some("DELETED") {
        return Ok(BookChange::Removed { source_id: p.id });
    }
    let account_id = account_id(&p.account)?;
    if !chart.money_accounts.contains(&account_id) {
        // Paid into an account with `EnablePaymentsToAccount` (a clearing or loan account):
        // no money moved in a bank account.
        return Ok(BookChange::Movements {
            source_id: p.id,
            movements: Vec::new(),
        });
    }
    let invoice = p.invoice.unwrap_or_default();
    let currency = currency(invoice.currency_code.as_ref(), chart.home)?;
    let amount = money(p.amount, currency)?;
    let inflow = payment_inflow(p.payment_type.as_deref(), invoice.kind.as_deref());
    let movement = CashMovement {
        provider_id: p.id.clone(),
        source_id: p.id.clone(),
        account_id,
        date: day(p.date.as_ref(), None)?,
        amount: Money::new(if inflow { amount } else { -amount }, currency),
        rate: rate(p.currency_rate, currency, chart.home)?,
        counterparty: invoice.contact.and_then(|c| c.name).unwrap_or_default(),
        description: p
            .reference
            .filter(|r| !r.is_empty())
            .or(invoice.invoice_number)
            .unwrap_or_default(),
        category: String::new(),
        is_transfer: false,
    };
    Ok(BookChange::Movements {
        source_id: p.id,
        movements: vec![movement],
    })
}

/// An invoice or bill as a document (or its removal); drafts are `None`.
pub(crate) fn invoice(i: wire::Invoice, chart: &Chart) -> Result<Option<BookChange>, XeroError> {
    match i.status.as_str() {
        "DELETED" | "VOIDED" => return Ok(Some(BookChange::Removed { source_id: i.id })),
        "AUTHORISED" | "PAID" => {}
        _ => return Ok(None),
    }
    let kind = match i.kind.as_str() {
        "ACCREC" => DocKind::Invoice,
        "ACCPAY" => DocKind::Bill,
        _ => return Err(decode("an invoice of an unknown type")),
    };
    let currency = currency(i.currency_code.as_ref(), chart.home)?;
    let paid_date = if i.status == "PAID" {
        i.fully_paid_on_date
            .as_ref()
            .and_then(|t| parse_xero_date(t))
            .map(|t| t.date_naive())
    } else {
        None
    };
    Ok(Some(BookChange::Document(Document {
        kind,
        number: i.invoice_number.unwrap_or_default(),
        counterparty: i.contact.and_then(|c| c.name).unwrap_or_default(),
        issue_date: day(i.date.as_ref(), i.date_string.as_ref())?,
        due_date: day(i.due_date.as_ref(), i.due_date_string.as_ref())?,
        paid_date,
        amount: Money::new(money(i.total, currency)?, currency),
        rate: rate(i.currency_rate, currency, chart.home)?,
        provider_id: i.id,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_both_date_forms() {
        let want = Utc.with_ymd_and_hms(2016, 10, 13, 0, 0, 0).single();
        assert_eq!(parse_xero_date("/Date(1476316800000+0000)/"), want);
        assert_eq!(parse_xero_date("/Date(1476316800000)/"), want);
        assert_eq!(parse_xero_date("/Date(1476316800000-0700)/"), want);
        assert_eq!(parse_xero_date("2016-10-13T00:00:00"), want);
        assert_eq!(
            parse_xero_date("2016-10-13T00:00:00.123").map(|t| t.timestamp_millis()),
            Some(1_476_316_800_123)
        );
        assert_eq!(
            parse_xero_date("/Date(-86400000+0000)/"),
            Utc.with_ymd_and_hms(1969, 12, 31, 0, 0, 0).single()
        );
        assert_eq!(parse_xero_date("/Date(abc)/"), None);
        assert_eq!(parse_xero_date("13/10/2016"), None);
    }

    fn chart() -> Chart {
        Chart {
            home: Currency::USD,
            names_by_code: HashMap::from([("200".to_owned(), "Sales".to_owned())]),
            money_accounts: HashSet::from(["bank-1".to_owned()]),
        }
    }

    fn payment_into(account: &str, kind: &str) -> wire::Payment {
        serde_json::from_value(serde_json::json!({
            "PaymentID": "p-1", "Date": "/Date(1476316800000+0000)/", "Amount": 12.5,
            "PaymentType": kind, "Status": "AUTHORISED", "Account": {"AccountID": account},
            "Invoice": {"Type": "ACCPAY", "InvoiceNumber": "B-7", "CurrencyCode": "USD",
                        "Contact": {"Name": "Roastery Supply"}}
        }))
        .expect("payment")
    }

    #[test]
    fn payments_move_money_only_in_bank_accounts_and_by_their_type() {
        let Ok(BookChange::Movements { movements, .. }) =
            payment(payment_into("bank-1", "ACCPAYPAYMENT"), &chart())
        else {
            panic!("movements");
        };
        assert_eq!(movements[0].amount, Money::new(-1250, Currency::USD));
        assert_eq!(movements[0].counterparty, "Roastery Supply");
        assert_eq!(movements[0].description, "B-7");
        let Ok(BookChange::Movements { movements, .. }) =
            payment(payment_into("bank-1", "APCREDITPAYMENT"), &chart())
        else {
            panic!("movements");
        };
        assert_eq!(movements[0].amount.minor, 1250);
        let clearing = payment(payment_into("clearing-9", "ACCRECPAYMENT"), &chart());
        assert!(
            matches!(&clearing, Ok(BookChange::Movements { movements, .. }) if movements.is_empty()),
            "{clearing:?}"
        );
    }

    #[test]
    fn inverts_the_currency_rate_and_skips_it_at_home() {
        let gbp = Currency::GBP;
        assert_eq!(
            rate(Some(0.5), gbp, Currency::USD).ok().flatten(),
            Some(Rate {
                mantissa: 20_000_000_000,
                scale: 10
            })
        );
        assert_eq!(rate(Some(1.0), gbp, gbp).ok().flatten(), None);
        assert!(rate(Some(0.0), gbp, Currency::USD).is_err());
        assert!(money(Some(1.005), Currency::USD).is_err());
        assert_eq!(money(Some(-74.36), Currency::USD).ok(), Some(-7436));
    }
}
