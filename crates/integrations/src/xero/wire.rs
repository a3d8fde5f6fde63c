//! The Accounting API's JSON, typed: the fields this client reads (Xero-OpenAPI
//! `xero_accounting.yaml` components.schemas `Account`, `BankTransaction`, `LineItem`,
//! `Invoice`, `Payment`, `Pagination`; APIS.md §2.3). Unknown fields are ignored; money arrives
//! as JSON numbers, dates as `/Date(ms±zzzz)/` strings.

use serde::Deserialize;

/// `"pagination":{"page","pageSize","pageCount","itemCount"}` on paged collections.
#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub page_count: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    #[serde(rename = "AccountID")]
    pub account_id: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "Type")]
    pub account_type: String,
    #[serde(default)]
    pub bank_account_type: Option<String>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRef {
    #[serde(default, rename = "AccountID")]
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct LineItem {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub account_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransaction {
    #[serde(rename = "BankTransactionID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub bank_account: AccountRef,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub date_string: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub currency_rate: Option<f64>,
    pub status: String,
    #[serde(default)]
    pub total: Option<f64>,
    #[serde(default, rename = "UpdatedDateUTC")]
    pub updated: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    #[serde(rename = "InvoiceID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub date_string: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub due_date_string: Option<String>,
    pub status: String,
    #[serde(default)]
    pub total: Option<f64>,
    #[serde(default)]
    pub fully_paid_on_date: Option<String>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub currency_rate: Option<f64>,
    #[serde(default, rename = "UpdatedDateUTC")]
    pub updated: Option<String>,
}

/// The invoice a payment settles, as embedded in the payment.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentInvoice {
    #[serde(default, rename = "Type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub currency_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    #[serde(rename = "PaymentID")]
    pub id: String,
    #[serde(default)]
    pub invoice: Option<PaymentInvoice>,
    #[serde(default)]
    pub account: AccountRef,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub amount: Option<f64>,
    #[serde(default)]
    pub currency_rate: Option<f64>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub payment_type: Option<String>,
    #[serde(default, rename = "UpdatedDateUTC")]
    pub updated: Option<String>,
}
