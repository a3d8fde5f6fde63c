//! Deleting an organisation's Stripe customer when the organisation is deleted (billing on):
//! a `billing.delete_customer` job, queued before the organisation's rows go, calls
//! `DELETE /v1/customers/{id}` (which also ends its subscriptions at once). The job waits
//! while an organisation still holds the customer (its deletion not yet committed, or failed),
//! and a Stripe failure is retried with the queue's backoff and kept in the job's last error:
//! it never holds back the deletion of the organisation's data.

use crate::Context;
use flowsense_core::ErrorChain;
use flowsense_core::OrgId;
use flowsense_jobs::{Job, JobError, KindOptions, Registry};
use flowsense_storage::{NewJob, StorageError};
use serde::{Deserialize, Serialize};

/// The job kind.
pub const DELETE_CUSTOMER: &str = "billing.delete_customer";

/// Attempts before the job is given up (and left, dead, for an operator to see).
pub const DELETE_CUSTOMER_ATTEMPTS: i64 = 10;

/// The job's payload: a Stripe customer id (an identifier, not a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DeleteCustomer {
    customer: String,
}

/// Deletes `org` with every row it owns, having first queued the deletion of its Stripe
/// customer when billing is on and it has one. Every path that deletes an organisation goes
/// through here.
///
/// # Errors
/// A database failure (the organisation then stays; the queued job waits for it to go).
pub async fn delete_org_and_its_customer(ctx: &Context, org: OrgId) -> Result<(), StorageError> {
    if ctx.providers.billing.enabled()
        && let Some(customer) = ctx
            .store
            .billing_of(org)
            .await?
            .and_then(|r| r.stripe_customer_id)
    {
        let payload = serde_json::to_string(&DeleteCustomer {
            customer: customer.clone(),
        })
        .unwrap_or_default();
        ctx.store
            .enqueue_job(
                &NewJob {
                    kind: DELETE_CUSTOMER.into(),
                    org: None,
                    payload,
                    idempotency_key: Some(format!("{DELETE_CUSTOMER}:{customer}")),
                    run_at: ctx.now(),
                    max_attempts: DELETE_CUSTOMER_ATTEMPTS,
                },
                ctx.now(),
            )
            .await?;
        tracing::info!(org_id = %org, "the Stripe customer's deletion is queued");
    }
    ctx.store.delete_org(org).await
}

async fn delete_customer(ctx: &Context, job: &Job) -> Result<(), JobError> {
    let DeleteCustomer { customer } = job.payload()?;
    let Some(stripe) = ctx.providers.billing.stripe.clone() else {
        return Err(JobError::permanent(
            "billing is off: the Stripe customer cannot be deleted",
        ));
    };
    let held = ctx
        .store
        .org_of_stripe_customer_across_orgs(&customer)
        .await
        .map_err(|e| {
            tracing::error!(error = %ErrorChain(&e), "reading the customer's organisation failed");
            JobError::retry("the database could not be read")
        })?;
    if held.is_some() {
        return Err(JobError::retry(
            "an organisation still holds the customer; waiting for its deletion",
        ));
    }
    stripe.delete_customer(&customer).await.map_err(|e| {
        tracing::warn!(error = %ErrorChain(&e), "deleting the Stripe customer failed; retried later");
        JobError::retry(format!("Stripe did not delete the customer: {e}"))
    })?;
    tracing::info!("the deleted organisation's Stripe customer is deleted at Stripe");
    Ok(())
}

/// Registers [`DELETE_CUSTOMER`].
pub fn register(registry: &mut Registry, ctx: &Context) {
    let ctx = ctx.clone();
    let options = KindOptions {
        max_attempts: DELETE_CUSTOMER_ATTEMPTS,
        schedule: None,
    };
    registry.register(DELETE_CUSTOMER, options, move |job: Job| {
        let ctx = ctx.clone();
        async move { delete_customer(&ctx, &job).await }
    });
}
