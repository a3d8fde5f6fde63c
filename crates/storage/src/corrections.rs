//! The owner's corrections of transactions (category, counterparty name, class) and the rules
//! that repeat them for a counterparty. Corrections sit beside the values the bank file or the
//! provider wrote, so a re-sync that rewrites those never undoes them; every write moves the
//! books version on, so the reports follow.

use crate::Store;
use crate::args::sql;
use crate::books::books_changed;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::{FlowClass, OrgId, UserId};
use serde::Serialize;
use uuid::Uuid;

/// One transaction's names as its source wrote them and as the owner corrected them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TxnNames {
    pub id: i64,
    /// As the source wrote it (what rules match).
    pub counterparty: String,
    pub category: String,
    pub is_transfer: bool,
    pub category_override: Option<String>,
    pub counterparty_override: Option<String>,
    pub class_override: Option<String>,
}

impl TxnNames {
    /// The category reports use.
    #[must_use]
    pub fn effective_category(&self) -> &str {
        self.category_override.as_deref().unwrap_or(&self.category)
    }

    /// The counterparty name reports use.
    #[must_use]
    pub fn effective_counterparty(&self) -> &str {
        self.counterparty_override
            .as_deref()
            .unwrap_or(&self.counterparty)
    }

    /// The class reports use: the owner's, else the one the names imply.
    #[must_use]
    pub fn effective_class(&self) -> FlowClass {
        effective_class(
            self.class_override.as_deref(),
            self.is_transfer,
            self.effective_category(),
            self.effective_counterparty(),
        )
    }
}

/// The class of a transaction from its stored override, transfer flag and effective names.
#[must_use]
pub fn effective_class(
    class_override: Option<&str>,
    is_transfer: bool,
    category: &str,
    counterparty: &str,
) -> FlowClass {
    match class_override.and_then(FlowClass::parse) {
        Some(class) => class,
        None if is_transfer => FlowClass::Transfer,
        None => match FlowClass::of_names(category, counterparty) {
            // Only the source's transfer flag makes a transfer; a name alone does not.
            FlowClass::Transfer => FlowClass::Operating,
            class => class,
        },
    }
}

/// The overrides to store on one transaction; `None` keeps the source's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    pub category: Option<String>,
    pub counterparty: Option<String>,
    pub class: Option<FlowClass>,
}

/// "Always do this for this counterparty": what to set on its transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    /// The counterparty name as the source writes it.
    pub counterparty: String,
    pub category: Option<String>,
    pub counterparty_name: Option<String>,
    pub class: Option<FlowClass>,
    /// Also set it on the transactions already there.
    pub apply_to_past: bool,
    pub created_by: Option<UserId>,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rule {
    pub id: i64,
    pub counterparty: String,
    pub category: Option<String>,
    pub counterparty_name: Option<String>,
    pub class: Option<FlowClass>,
    pub applied_to_past: bool,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    counterparty: String,
    category: Option<String>,
    counterparty_name: Option<String>,
    class: Option<String>,
    applied_to_past: bool,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<RuleRow> for Rule {
    fn from(r: RuleRow) -> Self {
        Rule {
            id: r.id,
            counterparty: r.counterparty,
            category: r.category,
            counterparty_name: r.counterparty_name,
            class: r.class.as_deref().and_then(FlowClass::parse),
            applied_to_past: r.applied_to_past,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
        }
    }
}

/// The highest transaction id before new rows arrive, when the organisation has rules to apply
/// to them (`None`: nothing to do, and no scan made).
pub(crate) async fn rules_mark(tx: &mut Tx, org: OrgId) -> Result<Option<i64>> {
    let (rules,): (i64,) = tx
        .fetch_one(sql!("corrections/rule_count").arg(org))
        .await?;
    if rules == 0 {
        return Ok(None);
    }
    let (newest,): (i64,) = tx.fetch_one(sql!("corrections/newest_id").arg(org)).await?;
    Ok(Some(newest))
}

/// Applies the organisation's rules to the transactions added after `mark` (from
/// [`rules_mark`]), leaving any correction already made.
pub(crate) async fn apply_rules_to_new(tx: &mut Tx, org: OrgId, mark: Option<i64>) -> Result<()> {
    if let Some(mark) = mark {
        tx.execute(sql!("corrections/apply_rules_to_new").arg(org).arg(mark))
            .await?;
    }
    Ok(())
}

impl Store {
    /// One transaction's names, source and corrected.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such transaction; a database failure.
    pub async fn transaction_names(&self, org: OrgId, id: i64) -> Result<TxnNames> {
        let mut tx = self.scoped_read(org).await?;
        let names: Option<TxnNames> = tx
            .fetch_optional(sql!("corrections/one").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        names.ok_or(StorageError::NotFound)
    }

    /// Stores the owner's corrections of one transaction (replacing earlier ones) and moves the
    /// books version on.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such transaction; a database failure.
    pub async fn correct_transaction(&self, org: OrgId, id: i64, c: &Correction) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let changed = tx
            .execute(
                sql!("corrections/correct")
                    .arg(org)
                    .arg(id)
                    .arg(c.category.clone())
                    .arg(c.counterparty.clone())
                    .arg(c.class.map(|k| k.as_str().to_owned())),
            )
            .await?;
        if changed == 0 {
            return Err(StorageError::NotFound);
        }
        books_changed(&mut tx, org).await?;
        tx.commit().await
    }

    /// Saves a rule (replacing the counterparty's earlier one), applies it to the existing
    /// transactions when asked, and moves the books version on. Returns the rule's id and how
    /// many existing transactions it changed.
    ///
    /// # Errors
    /// A database failure (nothing is then written).
    pub async fn save_rule(&self, org: OrgId, rule: &NewRule) -> Result<(i64, u64)> {
        let class = rule.class.map(|k| k.as_str().to_owned());
        let mut tx = self.scoped(org).await?;
        let (id,): (i64,) = tx
            .fetch_one(
                sql!("corrections/save_rule")
                    .arg(org)
                    .arg(rule.counterparty.as_str())
                    .arg(rule.category.clone())
                    .arg(rule.counterparty_name.clone())
                    .arg(class.clone())
                    .arg(rule.apply_to_past)
                    .arg(rule.created_by.map(|u| u.0))
                    .arg(Utc::now()),
            )
            .await?;
        let changed = if rule.apply_to_past {
            tx.execute(
                sql!("corrections/apply_rule_to_past")
                    .arg(org)
                    .arg(rule.counterparty.as_str())
                    .arg(rule.category.clone())
                    .arg(rule.counterparty_name.clone())
                    .arg(class),
            )
            .await?
        } else {
            0
        };
        books_changed(&mut tx, org).await?;
        tx.commit().await?;
        Ok((id, changed))
    }

    /// The organisation's rules, by counterparty.
    ///
    /// # Errors
    /// A database failure.
    pub async fn rules(&self, org: OrgId) -> Result<Vec<Rule>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<RuleRow> = tx.fetch_all(sql!("corrections/rules").arg(org)).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Rule::from).collect())
    }

    /// Deletes a rule; the corrections it already made stay.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such rule; a database failure.
    pub async fn delete_rule(&self, org: OrgId, id: i64) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let gone = tx
            .execute(sql!("corrections/delete_rule").arg(org).arg(id))
            .await?;
        if gone == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}
