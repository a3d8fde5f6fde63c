//! What the generator hands back: the books, the documents and the planted truth.

use chrono::NaiveDate;
use flowsense_core::Currency;
use serde::Serialize;
use std::sync::Arc;

pub use flowsense_core::DocKind;

/// What kind of account a generated bank account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Checking,
    Savings,
    CreditCard,
    /// A payment processor balance (card sales land here, payouts leave to checking).
    Clearing,
}

/// One of the organisation's own accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenAccount {
    pub name: Arc<str>,
    pub kind: AccountKind,
    /// Balance before the first generated transaction (negative for money owed on a card).
    pub opening_balance_minor: i64,
}

/// One bank line. Names are shared (`Arc<str>`) so a million rows stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenTxn {
    pub date: NaiveDate,
    pub account: Arc<str>,
    /// Signed minor units: positive is money in.
    pub amount_minor: i64,
    pub currency: Currency,
    pub counterparty: Arc<str>,
    pub category: Arc<str>,
    pub description: Arc<str>,
    /// Stable unique external id: `gen-<seed>-<row>` (row is 1-based).
    pub reference: String,
}

/// An invoice (customer owes us) or a bill (we owe a supplier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenDoc {
    pub kind: DocKind,
    pub number: String,
    pub counterparty: Arc<str>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    /// `None` while open at the end of the generated period.
    pub paid_date: Option<NaiveDate>,
    /// Positive minor units.
    pub amount_minor: i64,
}

/// Everything `generate` produces.
#[derive(Debug, Clone)]
pub struct GeneratedBooks {
    pub seed: u64,
    pub business_name: String,
    pub currency: Currency,
    /// First generated day.
    pub start: NaiveDate,
    /// Day after the last generated day.
    pub end: NaiveDate,
    pub accounts: Vec<GenAccount>,
    /// Sorted by date; within a date in generation order.
    pub transactions: Vec<GenTxn>,
    pub documents: Vec<GenDoc>,
    /// Monthly rates of the foreign currencies to `currency` (empty for books in one currency,
    /// see [`crate::spread_currencies`]).
    pub rates: Vec<crate::currencies::MonthRate>,
    pub truth: Truth,
}

/// How often a recurring series repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Weekly,
    Biweekly,
    Monthly,
    Quarterly,
    Yearly,
}

/// What was planted, for precision/recall tests of the analytics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    pub duplicate_payment: DuplicatePayment,
    pub large_purchase: LargePurchase,
    pub price_increase: PriceIncrease,
    pub recurring: Vec<RecurringSeries>,
    pub late_payers: Vec<LatePayer>,
    pub abnormal_month: Option<AbnormalMonth>,
}

/// The one payment made twice: same counterparty, same amount, 1–3 days apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicatePayment {
    pub counterparty: String,
    pub account: String,
    /// Signed (negative) minor units of each of the two payments.
    pub amount_minor: i64,
    pub first_reference: String,
    pub second_reference: String,
    pub first_date: NaiveDate,
    pub second_date: NaiveDate,
}

/// The one large one-off purchase from a counterparty seen nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargePurchase {
    pub reference: String,
    pub counterparty: String,
    pub category: String,
    pub date: NaiveDate,
    /// Signed (negative) minor units.
    pub amount_minor: i64,
}

/// The subscription whose price went up partway through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceIncrease {
    pub counterparty: String,
    /// Signed (negative) minor units before and after.
    pub old_amount_minor: i64,
    pub new_amount_minor: i64,
    /// Date of the first charge at the new price.
    pub date: NaiveDate,
}

/// A recurring series of outflows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecurringSeries {
    pub counterparty: String,
    pub category: String,
    pub account: String,
    pub cadence: Cadence,
    /// Signed minor units of the first occurrence.
    pub amount_minor: i64,
    /// False when the amount varies around `amount_minor` (e.g. electricity).
    pub fixed_amount: bool,
    pub first_date: NaiveDate,
    pub occurrences: u32,
}

/// A customer who habitually pays invoices after the due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatePayer {
    pub name: String,
    /// The customer's habit; each payment varies by a few days around it.
    pub typical_days_late: u32,
}

/// One category with one month far above its usual level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbnormalMonth {
    pub category: String,
    /// First day of the month.
    pub month: NaiveDate,
    /// Median monthly outflow of that category over the other full months (positive).
    pub usual_minor: i64,
    /// Outflow of that category in the abnormal month (positive).
    pub actual_minor: i64,
}
