//! Synced money accounts: found by the provider id they came from, named as the provider
//! names them unless another account of the organisation already has that name.

use crate::args::sql;
use crate::error::Result;
use crate::scope::Tx;
use chrono::Utc;
use flowsense_core::OrgId;
use flowsense_core::synced::{MoneyAccount, MoneyAccountKind};

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    currency: String,
}

fn provider_label(provider: &str) -> &str {
    match provider {
        "quickbooks" => "QuickBooks",
        "xero" => "Xero",
        other => other,
    }
}

fn account_kind(a: &MoneyAccount) -> &'static str {
    match a.kind {
        MoneyAccountKind::CreditCard => "credit_card",
        MoneyAccountKind::Bank if a.name.to_lowercase().contains("saving") => "savings",
        MoneyAccountKind::Bank => "checking",
    }
}

/// Creates the account or brings its name, kind and currency up to date. A name another
/// account of the organisation already has gets the provider's name added (`Checking
/// (QuickBooks)`, then `Checking (QuickBooks 2)`, …).
pub(super) async fn upsert_account(
    tx: &mut Tx,
    org: OrgId,
    prefix: &str,
    provider: &str,
    a: &MoneyAccount,
) -> Result<u64> {
    let external = format!("{prefix}{}", a.provider_id);
    let kind = account_kind(a);
    let currency = a.currency.as_str();
    let existing: Option<AccountRow> = tx
        .fetch_optional(
            sql!("synced/account_by_external_id")
                .arg(org)
                .arg(external.as_str()),
        )
        .await?;
    let own_id = existing.as_ref().map_or(-1, |e| e.id);
    let mut name = a.name.clone();
    for n in 1.. {
        let (taken,): (i64,) = tx
            .fetch_one(
                sql!("synced/account_name_taken")
                    .arg(org)
                    .arg(name.as_str())
                    .arg(own_id),
            )
            .await?;
        if taken == 0 {
            break;
        }
        let label = provider_label(provider);
        name = if n == 1 {
            format!("{} ({label})", a.name)
        } else {
            format!("{} ({label} {n})", a.name)
        };
    }
    match existing {
        Some(e) if e.name == name && e.kind == kind && e.currency == currency => Ok(0),
        Some(e) => {
            tx.execute(
                sql!("synced/update_account")
                    .arg(name)
                    .arg(kind)
                    .arg(currency)
                    .arg(org)
                    .arg(e.id),
            )
            .await
        }
        None => {
            tx.execute(
                sql!("synced/insert_account")
                    .arg(org)
                    .arg(name)
                    .arg(kind)
                    .arg(currency)
                    .arg(external)
                    .arg(Utc::now()),
            )
            .await
        }
    }
}
