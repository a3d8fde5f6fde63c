//! Records in the JSON wire format of the Xero Accounting API 2.0.
//!
//! Field names and shapes follow Xero-OpenAPI `xero_accounting.yaml` components.schemas
//! (`Account`, `BankTransaction`, `LineItem`, `Invoice`, `Payment`, `BankTransfer`,
//! `Pagination`) and APIS.md §2.2–2.3: ids are GUIDs, money JSON numbers, dates Microsoft JSON
//! dates `/Date(1735689600000+0000)/` (what xero-python's deserializer insists on) with ISO
//! `…String` twins, and every answer sits in the envelope
//! `{"Id","Status":"OK","ProviderName","DateTimeUTC",…}`. A voided bank transaction keeps its
//! amounts (Xero shows it struck through); a deleted one is still served, with
//! `Status: "DELETED"`, which is how a poller learns of it.
//!
//! Currencies: a bank account names its `CurrencyCode`; a bank transaction's amounts are in
//! its own `CurrencyCode`, and its `CurrencyRate` is Xero's way round, units of that currency
//! per unit of the base currency (1 in the base currency). The fake rounds that rate to six
//! decimals (the generator's rate of 1.08 base per euro is served as `0.925926`).

use super::ledger::{Account, Kind, Ledger, Record, Transfer};
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::Currency;
use serde_json::{Map, Value, json};

/// `/Date(ms+0000)/`.
#[must_use]
pub fn xero_date(t: DateTime<Utc>) -> String {
    format!("/Date({}+0000)/", t.timestamp_millis())
}

fn day(d: NaiveDate) -> String {
    xero_date(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

fn day_string(d: NaiveDate) -> String {
    format!("{}T00:00:00", d.format("%Y-%m-%d"))
}

/// Minor units as a JSON number. Dividing an integer below 2^53 by a power of ten is correctly
/// rounded, so the number printed (shortest round-trip form) is the exact decimal.
#[must_use]
pub fn money(minor: i64, currency: Currency) -> Value {
    #[expect(clippy::cast_precision_loss, reason = "amounts stay far below 2^53")]
    let v = minor as f64 / 10f64.powi(i32::try_from(currency.exponent()).unwrap_or(2));
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The response envelope around `collection`.
#[must_use]
pub fn envelope(
    id: &str,
    now: DateTime<Utc>,
    collection: &str,
    rows: Vec<Value>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("Id".into(), json!(id));
    m.insert("Status".into(), json!("OK"));
    m.insert("ProviderName".into(), json!("FlowSense"));
    m.insert("DateTimeUTC".into(), json!(xero_date(now)));
    m.insert(collection.into(), Value::Array(rows));
    m
}

fn account_ref(a: &Account) -> Value {
    json!({"AccountID": a.id, "Code": a.code, "Name": &*a.name})
}

/// A contact, with an id that depends on its name only (FNV-1a), as one contact has one id.
fn contact(r: &Record) -> Value {
    let hash = r.party.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    json!({"ContactID": super::ledger::guid(hash, 0), "Name": &*r.party,
           "HasValidationErrors": false})
}

/// An account of the chart.
#[must_use]
pub fn account(ledger: &Ledger, a: &Account) -> Value {
    let class = match a.account_type {
        "BANK" => "ASSET",
        "REVENUE" => "REVENUE",
        _ => "EXPENSE",
    };
    let mut v = json!({
        "AccountID": a.id, "Code": a.code, "Name": &*a.name, "Status": "ACTIVE",
        "Type": a.account_type, "TaxType": "NONE", "Class": class,
        "EnablePaymentsToAccount": false, "ShowInExpenseClaims": false,
        "ReportingCode": class, "HasAttachments": false,
        "UpdatedDateUTC": xero_date(ledger.created), "AddToWatchlist": false,
    });
    if let Some(bank) = a.bank_type {
        v["BankAccountType"] = json!(bank);
        v["CurrencyCode"] = json!(a.currency.as_str());
        v["BankAccountNumber"] = json!(format!("12-3456-{:0>7}-00", a.code));
    }
    v
}

/// Xero's `CurrencyRate` from hundredths of the base per foreign unit: foreign units per base
/// unit, `100 / hundredths` rounded half up to six decimals; 1 in the base currency.
#[must_use]
pub fn currency_rate(hundredths: Option<i64>) -> Value {
    let Some(h) = hundredths.filter(|h| *h > 0) else {
        return json!(1.0);
    };
    let millionths = (2 * 100_000_000 + h) / (2 * h);
    #[expect(clippy::cast_precision_loss, reason = "rates stay far below 2^53")]
    let v = millionths as f64 / 1_000_000.0;
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A bank transaction.
#[must_use]
pub fn bank_transaction(ledger: &Ledger, r: &Record) -> Value {
    let c = r.currency;
    let amount = money(r.amount_minor, c);
    let category = &ledger.accounts[r.category];
    json!({
        "BankTransactionID": r.id, "Type": r.txn_type, "Contact": contact(r),
        "LineItems": [{"Description": &*r.memo, "UnitAmount": amount, "TaxType": "NONE",
                       "TaxAmount": 0, "LineAmount": amount, "AccountCode": category.code,
                       "AccountID": category.id, "Quantity": 1.0, "Tracking": []}],
        "BankAccount": account_ref(&ledger.accounts[r.account]),
        "IsReconciled": false, "Date": day(r.date), "DateString": day_string(r.date),
        "Reference": &*r.memo, "CurrencyCode": c.as_str(),
        "CurrencyRate": currency_rate(r.rate_hundredths),
        "Status": r.status.wire(), "LineAmountTypes": "NoTax", "SubTotal": amount,
        "TotalTax": 0, "Total": amount, "UpdatedDateUTC": xero_date(r.updated),
        "HasAttachments": false,
    })
}

/// An invoice or bill.
#[must_use]
pub fn invoice(ledger: &Ledger, r: &Record) -> Value {
    let c = ledger.currency;
    let total = money(r.amount_minor, c);
    let paid = if r.paid_on.is_some() {
        r.amount_minor
    } else {
        0
    };
    let due = r.due.unwrap_or(r.date);
    let category = &ledger.accounts[r.category];
    let mut v = json!({
        "Type": r.txn_type, "InvoiceID": r.id, "InvoiceNumber": r.number,
        "Reference": "", "Contact": contact(r),
        "Date": day(r.date), "DateString": day_string(r.date),
        "DueDate": day(due), "DueDateString": day_string(due),
        "Status": r.status.wire(), "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": "Services", "Quantity": 1.0, "UnitAmount": total,
                       "AccountCode": category.code, "TaxType": "NONE", "TaxAmount": 0,
                       "LineAmount": total, "Tracking": []}],
        "SubTotal": total, "TotalTax": 0, "Total": total,
        "AmountDue": money(r.amount_minor - paid, c), "AmountPaid": money(paid, c),
        "AmountCredited": 0, "CurrencyCode": c.as_str(), "CurrencyRate": 1.0,
        "IsDiscounted": false, "HasAttachments": false, "HasErrors": false,
        "UpdatedDateUTC": xero_date(r.updated),
    });
    if let Some(p) = r.paid_on {
        v["FullyPaidOnDate"] = json!(day(p));
    }
    v
}

/// A payment of an invoice or bill.
#[must_use]
pub fn payment(ledger: &Ledger, r: &Record) -> Value {
    let c = ledger.currency;
    let amount = money(r.amount_minor, c);
    let invoice = r.invoice.map(|i| &ledger.records[i]);
    let mut v = json!({
        "PaymentID": r.id, "Date": day(r.date), "BankAmount": amount, "Amount": amount,
        "Reference": &*r.memo, "CurrencyRate": 1.0, "PaymentType": r.txn_type,
        "Status": r.status.wire(), "UpdatedDateUTC": xero_date(r.updated),
        "HasAccount": true, "IsReconciled": false, "HasValidationErrors": false,
        "Account": {"AccountID": ledger.accounts[r.account].id, "Code": ledger.accounts[r.account].code},
    });
    if let Some(i) = invoice {
        v["Invoice"] = json!({"Type": i.txn_type, "InvoiceID": i.id, "InvoiceNumber": i.number,
                              "Contact": contact(i), "CurrencyCode": c.as_str()});
    }
    v
}

/// A bank transfer (shown while neither side is deleted).
#[must_use]
pub fn bank_transfer(ledger: &Ledger, t: &Transfer) -> Value {
    let (from, to) = (&ledger.records[t.from], &ledger.records[t.to]);
    json!({
        "BankTransferID": t.id,
        "FromBankAccount": account_ref(&ledger.accounts[from.account]),
        "ToBankAccount": account_ref(&ledger.accounts[to.account]),
        "Amount": money(from.amount_minor, ledger.currency),
        "Date": day(from.date), "DateString": day_string(from.date), "CurrencyRate": 1.0,
        "FromBankTransactionID": from.id, "ToBankTransactionID": to.id,
        "FromIsReconciled": false, "ToIsReconciled": false, "Reference": &*from.memo,
        "HasAttachments": false, "CreatedDateUTC": xero_date(from.created),
    })
}

/// Any record, by its kind.
#[must_use]
pub fn record(ledger: &Ledger, r: &Record) -> Value {
    match r.kind {
        Kind::BankTransaction => bank_transaction(ledger, r),
        Kind::Invoice => invoice(ledger, r),
        Kind::Payment => payment(ledger, r),
    }
}
