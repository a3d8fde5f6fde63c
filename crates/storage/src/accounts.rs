//! Bank accounts of an organisation.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use crate::scope::Tx;
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::{Currency, OrgId};
use serde::Serialize;

/// A bank (or card, or clearing) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BankAccount {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub opening_balance_minor: i64,
}

/// Returns the id of the account named `name`, creating it when new.
pub(crate) async fn ensure_in(
    tx: &mut Tx,
    org: OrgId,
    name: &str,
    currency: Currency,
    opening_balance_minor: i64,
) -> Result<i64> {
    tx.execute(
        sql!("accounts/ensure")
            .arg(org)
            .arg(name)
            .arg(guess_kind(name))
            .arg(currency.as_str())
            .arg(opening_balance_minor)
            .arg(Utc::now()),
    )
    .await?;
    let (id,): (i64,) = tx
        .fetch_one(sql!("accounts/id_by_name").arg(org).arg(name))
        .await?;
    Ok(id)
}

fn guess_kind(name: &str) -> &'static str {
    let n = name.to_lowercase();
    if n.contains("card") || n.contains("amex") || n.contains("visa") {
        "credit_card"
    } else if n.contains("saving") {
        "savings"
    } else if n.contains("clearing") || n.contains("stripe") || n.contains("paypal") {
        "clearing"
    } else {
        "checking"
    }
}

impl Store {
    /// Creates the account if new and returns its id; an existing account keeps its opening
    /// balance.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn ensure_bank_account(
        &self,
        org: OrgId,
        name: &str,
        currency: Currency,
        opening_balance_minor: i64,
    ) -> Result<i64> {
        let mut tx = self.scoped(org).await?;
        let id = ensure_in(&mut tx, org, name, currency, opening_balance_minor).await?;
        crate::books::books_changed(&mut tx, org).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every bank account of the organisation, by name.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn bank_accounts(&self, org: OrgId) -> Result<Vec<BankAccount>> {
        let mut tx = self.scoped_read(org).await?;
        let rows = tx.fetch_all(sql!("accounts/list").arg(org)).await?;
        tx.commit().await?;
        Ok(rows)
    }
}

/// A bank account with what has arrived in it: how many transactions, the newest, and the
/// import that last added to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AccountSummary {
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub transactions: i64,
    pub last_posted_on: Option<NaiveDate>,
    pub last_import_at: Option<DateTime<Utc>>,
    pub last_import_file: Option<String>,
}

impl Store {
    /// Every bank account of the organisation with its transaction count and latest import.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn account_summaries(&self, org: OrgId) -> Result<Vec<AccountSummary>> {
        let mut tx = self.scoped_read(org).await?;
        let rows = tx.fetch_all(sql!("accounts/summaries").arg(org)).await?;
        tx.commit().await?;
        Ok(rows)
    }
}
