//! Each organisation's Stripe subscription as last fetched from Stripe: customer, subscription,
//! plan, status, next invoice date and when a renewal payment started failing. The Stripe webhook
//! finds an organisation by its customer across organisations, and says so in the method's name.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use chrono::{DateTime, SubsecRound, Utc};
use flowsense_core::OrgId;
use uuid::Uuid;

/// An organisation's billing state. No card data and no amounts: the plan's price is
/// configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRecord {
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    /// The configured plan the subscription's price maps to, or the free plan's key.
    pub plan: String,
    /// Stripe's subscription status (`active`, `past_due`, `canceled`, …), or `none`.
    pub status: String,
    pub price_id: Option<String>,
    /// When the current period ends: the next invoice.
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// When a renewal payment first failed; the grace period runs from here.
    pub payment_failing_since: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct BillingRow {
    stripe_customer_id: Option<String>,
    stripe_subscription_id: Option<String>,
    plan: String,
    status: String,
    price_id: Option<String>,
    current_period_end: Option<DateTime<Utc>>,
    cancel_at_period_end: bool,
    payment_failing_since: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    org_id: Uuid,
}

impl Store {
    /// The billing state of `org`, if it ever started a checkout.
    ///
    /// # Errors
    /// A database failure.
    pub async fn billing_of(&self, org: OrgId) -> Result<Option<BillingRecord>> {
        let mut tx = self.scoped_read(org).await?;
        let row: Option<BillingRow> = tx.fetch_optional(sql!("billing/of_org").arg(org)).await?;
        tx.commit().await?;
        Ok(row.map(|r| BillingRecord {
            stripe_customer_id: r.stripe_customer_id,
            stripe_subscription_id: r.stripe_subscription_id,
            plan: r.plan,
            status: r.status,
            price_id: r.price_id,
            current_period_end: r.current_period_end,
            cancel_at_period_end: r.cancel_at_period_end,
            payment_failing_since: r.payment_failing_since,
            updated_at: r.updated_at,
        }))
    }

    /// Writes the billing state of `org` (whole microseconds, as both databases keep them).
    ///
    /// # Errors
    /// A database failure, or a customer already linked to another organisation.
    pub async fn save_billing(&self, org: OrgId, record: &BillingRecord) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        tx.execute(
            sql!("billing/save")
                .arg(org)
                .arg(record.stripe_customer_id.clone())
                .arg(record.stripe_subscription_id.clone())
                .arg(record.plan.as_str())
                .arg(record.status.as_str())
                .arg(record.price_id.clone())
                .arg(record.current_period_end.map(|t| t.trunc_subsecs(6)))
                .arg(record.cancel_at_period_end)
                .arg(record.payment_failing_since.map(|t| t.trunc_subsecs(6)))
                .arg(record.updated_at.trunc_subsecs(6)),
        )
        .await?;
        tx.commit().await
    }

    /// The organisation a Stripe customer pays for: the webhook's way in, across organisations.
    ///
    /// # Errors
    /// A database failure.
    pub async fn org_of_stripe_customer_across_orgs(
        &self,
        customer: &str,
    ) -> Result<Option<OrgId>> {
        let mut tx = self.system_read_across_orgs().await?;
        let row: Option<OrgRow> = tx
            .fetch_optional(sql!("billing/org_of_customer_across_orgs").arg(customer))
            .await?;
        tx.commit().await?;
        Ok(row.map(|r| OrgId(r.org_id)))
    }
}
