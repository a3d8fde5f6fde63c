//! The Accounting API's JSON, typed: the fields this client reads of CompanyInfo, Account and
//! the transaction entities (Intuit API reference, scraped in Petrus-Han/finance_plugins
//! `api-reference/{account,purchase,deposit,transfer,journalentry,invoice,bill,payment,
//! billpayment}.md`; APIS.md §1.5). Unknown fields are ignored; money arrives as JSON numbers.

use serde::Deserialize;

/// `GET /v3/company/{realmId}/companyinfo/{realmId}` answers `{"CompanyInfo":{…},"time"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfoAnswer {
    pub company_info: CompanyInfo,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfo {
    pub company_name: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Ref {
    pub value: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetaData {
    #[serde(default)]
    pub last_updated_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub meta_data: MetaData,
    pub name: String,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub account_sub_type: Option<String>,
    #[serde(default)]
    pub classification: Option<String>,
    #[serde(default)]
    pub current_balance: Option<f64>,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct LinkedTxn {
    pub txn_id: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AccountDetail {
    #[serde(default)]
    pub account_ref: Option<Ref>,
    #[serde(default)]
    pub posting_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Line {
    #[serde(default)]
    pub amount: Option<f64>,
    #[serde(default)]
    pub account_based_expense_line_detail: Option<AccountDetail>,
    #[serde(default)]
    pub deposit_line_detail: Option<AccountDetail>,
    #[serde(default)]
    pub journal_entry_line_detail: Option<AccountDetail>,
    #[serde(default)]
    pub linked_txn: Vec<LinkedTxn>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CheckPayment {
    #[serde(default)]
    pub bank_account_ref: Option<Ref>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CreditCardPayment {
    #[serde(default, rename = "CCAccountRef")]
    pub cc_account_ref: Option<Ref>,
}

/// The union of the transaction entities' fields this client reads; which are present depends
/// on the entity type.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Txn {
    pub id: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    #[serde(default)]
    pub meta_data: MetaData,
    /// `"Deleted"` on a CDC stub (lower-case key on the wire).
    #[serde(default, rename = "status")]
    pub status: Option<String>,
    #[serde(default)]
    pub txn_date: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub doc_number: Option<String>,
    #[serde(default)]
    pub private_note: Option<String>,
    #[serde(default)]
    pub total_amt: Option<f64>,
    /// Transfer's amount.
    #[serde(default)]
    pub amount: Option<f64>,
    #[serde(default)]
    pub balance: Option<f64>,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
    #[serde(default)]
    pub exchange_rate: Option<f64>,
    /// Purchase: the bank or card account paid from.
    #[serde(default)]
    pub account_ref: Option<Ref>,
    #[serde(default)]
    pub credit: Option<bool>,
    #[serde(default)]
    pub entity_ref: Option<Ref>,
    #[serde(default)]
    pub deposit_to_account_ref: Option<Ref>,
    #[serde(default)]
    pub from_account_ref: Option<Ref>,
    #[serde(default)]
    pub to_account_ref: Option<Ref>,
    #[serde(default)]
    pub customer_ref: Option<Ref>,
    #[serde(default)]
    pub vendor_ref: Option<Ref>,
    #[serde(default)]
    pub check_payment: Option<CheckPayment>,
    #[serde(default)]
    pub credit_card_payment: Option<CreditCardPayment>,
    #[serde(default)]
    pub line: Vec<Line>,
}
