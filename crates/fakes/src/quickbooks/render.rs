//! Entities in the JSON wire format of the QuickBooks Online Accounting API v3.
//!
//! Field names and shapes follow Intuit's API reference for each entity (Account, Purchase,
//! Deposit, Transfer, JournalEntry, Invoice, Bill, Payment, BillPayment; scraped copy in
//! Petrus-Han/finance_plugins `ref/quickbooks_dev_docs/api-reference/*.md`): references are
//! `{"value","name"}`, money is a JSON number, dates `YYYY-MM-DD`, and every entity carries
//! `Id`, `SyncToken` (a string), `MetaData{CreateTime,LastUpdatedTime}`, `domain` and `sparse`.
//! A voided transaction stays readable with its amounts zeroed and `PrivateNote: "Voided"`, as
//! QuickBooks Online shows one; a deleted one is served by CDC only, as a
//! `{"status":"Deleted"}` stub (`api-reference/changedatacapture.md`).
//!
//! Currencies (APIS.md §1: `CurrencyRef` is required on every transaction once multicurrency
//! is on): an account and a transaction name their currency in `CurrencyRef`, amounts are in
//! that currency, and in a multicurrency company each transaction carries `ExchangeRate`, the
//! home-currency units one unit of its currency buys (1 in the home currency).

use super::ledger::{Account, Entity, Kind, Ledger, Status};
use crate::books_fx::hundredths_number;
use chrono::{DateTime, FixedOffset, Utc};
use flowsense_core::Currency;
use serde_json::{Map, Value, json};

/// Company time zone of the fake's realm (Intuit's samples carry Pacific offsets).
fn pacific() -> FixedOffset {
    FixedOffset::west_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
}

/// `2015-07-13T12:35:57-08:00`, the `MetaData` form.
#[must_use]
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&pacific())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `2015-07-13T12:35:57.651-08:00`, the response envelope's `time`.
#[must_use]
pub fn envelope_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&pacific())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Minor units as a JSON number. Dividing an integer below 2^53 by a power of ten is correctly
/// rounded, so the number printed (shortest round-trip form) is the exact decimal.
fn money(minor: i64, currency: Currency) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let v = minor as f64 / 10f64.powi(i32::try_from(currency.exponent()).unwrap_or(2));
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn account_ref(ledger: &Ledger, id: u64) -> Value {
    let name = ledger
        .accounts
        .get(usize::try_from(id).unwrap_or(0).wrapping_sub(1))
        .map_or("", |a| &*a.name);
    json!({"value": id.to_string(), "name": name})
}

fn meta(
    e_id: u64,
    sync: u32,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("domain".into(), json!("QBO"));
    m.insert("sparse".into(), json!(false));
    m.insert("Id".into(), json!(e_id.to_string()));
    m.insert("SyncToken".into(), json!(sync.to_string()));
    m.insert(
        "MetaData".into(),
        json!({"CreateTime": timestamp(created), "LastUpdatedTime": timestamp(updated)}),
    );
    m
}

/// The realm's CompanyInfo (Intuit API reference `companyinfo.md`): a singleton with
/// `CompanyName` and `LegalName`, the entity header, and the fields a reader may look at.
#[must_use]
pub fn company_info(ledger: &Ledger) -> Value {
    let mut m = meta(1, 0, ledger.created, ledger.created);
    m.insert("CompanyName".into(), json!(ledger.company_name));
    m.insert("LegalName".into(), json!(ledger.company_name));
    m.insert(
        "CompanyStartDate".into(),
        json!(ledger.created.format("%Y-%m-%d").to_string()),
    );
    m.insert("FiscalYearStartMonth".into(), json!("January"));
    m.insert("SupportedLanguages".into(), json!("en"));
    Value::Object(m)
}

/// An Account.
#[must_use]
pub fn account(ledger: &Ledger, a: &Account, balance_minor: i64) -> Value {
    let mut m = meta(a.id, 0, ledger.created, ledger.created);
    m.insert("Name".into(), json!(&*a.name));
    m.insert("FullyQualifiedName".into(), json!(&*a.name));
    m.insert("SubAccount".into(), json!(false));
    m.insert("Active".into(), json!(true));
    m.insert("AccountType".into(), json!(a.account_type));
    m.insert("Classification".into(), json!(a.classification));
    m.insert("CurrentBalance".into(), money(balance_minor, a.currency));
    m.insert(
        "CurrentBalanceWithSubAccounts".into(),
        money(balance_minor, a.currency),
    );
    m.insert("CurrencyRef".into(), currency_ref(a.currency));
    Value::Object(m)
}

fn currency_ref(c: Currency) -> Value {
    json!({"value": c.as_str()})
}

/// The CDC stub of a deleted entity.
#[must_use]
pub fn deleted_stub(e: &Entity) -> Value {
    json!({"status": "Deleted", "domain": "QBO", "Id": e.id.to_string(),
           "MetaData": {"LastUpdatedTime": timestamp(e.updated)}})
}

/// A transaction or document.
#[must_use]
pub fn entity(ledger: &Ledger, e: &Entity) -> Value {
    let c = e.currency;
    let voided = e.status == Status::Voided;
    let amount = if voided { 0 } else { e.amount_minor };
    let amt = money(amount, c);
    let party =
        |kind: &str| json!({"value": e.party_id.to_string(), "name": &*e.party, "type": kind});
    let party_ref = json!({"value": e.party_id.to_string(), "name": &*e.party});
    let mut m = meta(e.id, e.sync_token, e.created, e.updated);
    m.insert("TxnDate".into(), json!(e.date.to_string()));
    m.insert("CurrencyRef".into(), currency_ref(c));
    if ledger.multicurrency {
        m.insert(
            "ExchangeRate".into(),
            hundredths_number(e.rate_hundredths.unwrap_or(100)),
        );
    }
    let note = if voided { "Voided" } else { &*e.memo };
    if !note.is_empty() {
        m.insert("PrivateNote".into(), json!(note));
    }
    let linked = |kind: &str| match e.linked {
        Some(id) => {
            json!([{"Amount": amt, "LinkedTxn": [{"TxnId": id.to_string(), "TxnType": kind}]}])
        }
        None => json!([]),
    };
    let fields: Vec<(&str, Value)> = match e.kind {
        Kind::Purchase => vec![
            ("AccountRef", account_ref(ledger, e.account)),
            (
                "PaymentType",
                json!(if is_card(ledger, e.account) {
                    "CreditCard"
                } else {
                    "Cash"
                }),
            ),
            (
                "EntityRef",
                party(if e.inflow { "Customer" } else { "Vendor" }),
            ),
            ("Credit", json!(e.inflow)),
            ("TotalAmt", amt.clone()),
            (
                "Line",
                json!([{"Id": "1", "Amount": amt, "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": account_ref(ledger, e.other)}}]),
            ),
        ],
        Kind::Deposit => vec![
            ("DepositToAccountRef", account_ref(ledger, e.account)),
            ("TotalAmt", amt.clone()),
            (
                "Line",
                json!([{"Id": "1", "LineNum": 1, "Amount": amt, "DetailType": "DepositLineDetail",
                "DepositLineDetail": {"AccountRef": account_ref(ledger, e.other),
                                      "Entity": party("Customer")}}]),
            ),
        ],
        Kind::Transfer => vec![
            ("FromAccountRef", account_ref(ledger, e.account)),
            ("ToAccountRef", account_ref(ledger, e.other)),
            ("Amount", amt),
        ],
        Kind::JournalEntry => {
            let (bank, other) = if e.inflow {
                ("Debit", "Credit")
            } else {
                ("Credit", "Debit")
            };
            let line = |id: &str, posting: &str, acct: u64| {
                json!({"Id": id, "Description": &*e.memo, "Amount": amt, "DetailType": "JournalEntryLineDetail",
                       "JournalEntryLineDetail": {"PostingType": posting,
                                                  "AccountRef": account_ref(ledger, acct)}})
            };
            vec![
                ("Adjustment", json!(false)),
                ("TotalAmt", amt.clone()),
                (
                    "Line",
                    json!([line("0", bank, e.account), line("1", other, e.other)]),
                ),
            ]
        }
        Kind::Invoice | Kind::Bill => {
            let balance = money(if voided { 0 } else { e.balance_minor }, c);
            let line = if e.kind == Kind::Invoice {
                json!({"Id": "1", "LineNum": 1, "Amount": amt, "DetailType": "SalesItemLineDetail",
                       "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"},
                                               "Qty": 1, "UnitPrice": amt}})
            } else {
                json!({"Id": "1", "Amount": amt, "DetailType": "AccountBasedExpenseLineDetail",
                       "AccountBasedExpenseLineDetail": {"AccountRef": account_ref(ledger, e.other)}})
            };
            let who = if e.kind == Kind::Invoice {
                "CustomerRef"
            } else {
                "VendorRef"
            };
            let mut f = vec![
                (who, party_ref),
                ("DueDate", json!(e.due.map(|d| d.to_string()))),
                ("TotalAmt", amt),
                ("Balance", balance),
                ("Line", json!([line])),
            ];
            if let Some(n) = &e.doc_number {
                f.push(("DocNumber", json!(n)));
            }
            if e.kind == Kind::Bill {
                f.push(("APAccountRef", account_ref(ledger, e.account)));
            }
            f
        }
        Kind::Payment => vec![
            ("CustomerRef", party_ref),
            ("DepositToAccountRef", account_ref(ledger, e.account)),
            ("TotalAmt", amt.clone()),
            ("UnappliedAmt", json!(0)),
            ("Line", linked("Invoice")),
        ],
        Kind::BillPayment => vec![
            ("VendorRef", party_ref),
            ("PayType", json!("Check")),
            (
                "CheckPayment",
                json!({"BankAccountRef": account_ref(ledger, e.account)}),
            ),
            ("TotalAmt", amt.clone()),
            ("Line", linked("Bill")),
        ],
        Kind::Account => vec![],
    };
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

fn is_card(ledger: &Ledger, id: u64) -> bool {
    ledger
        .accounts
        .get(usize::try_from(id).unwrap_or(0).wrapping_sub(1))
        .is_some_and(|a| a.account_type == "Credit Card")
}
