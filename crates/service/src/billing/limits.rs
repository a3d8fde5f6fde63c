//! The plan's limits where they bite: adding a connection, inviting a member (members and open
//! invitations count), the assistant's monthly tokens (in the AI allowance), and how far back
//! transactions are shown. A downgrade deletes nothing: what exceeds the plan stays and keeps
//! working as it is, but nothing more can be added, and older history is kept but not shown,
//! until the plan allows it again.

use super::Plan;
use crate::Context;
use crate::ai::usage::month_start;
use chrono::{Datelike, Months, NaiveDate};
use flowsense_core::OrgId;
use flowsense_storage::StorageError;

/// What an organisation uses of what plans limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub connections: u32,
    /// Members and open invitations.
    pub members: u32,
    pub ai_tokens_this_month: u64,
}

/// A plan's limit stopped an action: the message says which and how to lift it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {plan} plan allows {limit} {what}; an admin can upgrade on the billing page")]
pub struct PlanLimitReached {
    pub plan: String,
    pub what: &'static str,
    pub limit: u64,
}

/// What `org` uses now.
///
/// # Errors
/// A database failure.
pub async fn usage(ctx: &Context, org: OrgId) -> Result<Usage, StorageError> {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let connections = ctx
        .store
        .connections(org)
        .await?
        .iter()
        .filter(|c| c.status == "active")
        .count();
    let members =
        ctx.store.member_details(org).await?.len() + ctx.store.open_invitations(org).await?.len();
    let tokens = ctx
        .store
        .ai_tokens_since(org, month_start(ctx.now()))
        .await?;
    Ok(Usage {
        connections: count(connections),
        members: count(members),
        ai_tokens_this_month: u64::try_from(tokens).unwrap_or(0),
    })
}

fn within(
    plan: &Plan,
    used: u32,
    limit: Option<u32>,
    what: &'static str,
) -> Result<(), PlanLimitReached> {
    match limit {
        Some(limit) if used >= limit => Err(PlanLimitReached {
            plan: plan.name.clone(),
            what,
            limit: u64::from(limit),
        }),
        _ => Ok(()),
    }
}

/// Refuses another accounting connection beyond the plan's.
///
/// # Errors
/// [`PlanLimitReached`], or a database failure.
pub async fn check_can_add_connection<E>(ctx: &Context, org: OrgId) -> Result<(), E>
where
    E: From<PlanLimitReached> + From<StorageError>,
{
    let plan = super::current_plan(ctx, org).await?;
    if plan.limits.connections.is_none() {
        return Ok(());
    }
    let used = usage(ctx, org).await?;
    Ok(within(
        &plan,
        used.connections,
        plan.limits.connections,
        "accounting connections",
    )?)
}

/// Refuses another invitation beyond the plan's members (open invitations count).
///
/// # Errors
/// [`PlanLimitReached`], or a database failure.
pub async fn check_can_invite<E>(ctx: &Context, org: OrgId) -> Result<(), E>
where
    E: From<PlanLimitReached> + From<StorageError>,
{
    let plan = super::current_plan(ctx, org).await?;
    if plan.limits.members.is_none() {
        return Ok(());
    }
    let used = usage(ctx, org).await?;
    Ok(within(
        &plan,
        used.members,
        plan.limits.members,
        "members (invitations included)",
    )?)
}

/// The first day of history the plan shows, if it limits history: the first of the month
/// `history_months` before this one, so every month shown is whole. The one helper every
/// page, report and export of the books' history applies (through
/// [`crate::analysis::shown_analysis`], and the transactions list); older history is kept.
///
/// # Errors
/// A database failure.
pub async fn history_start(ctx: &Context, org: OrgId) -> Result<Option<NaiveDate>, StorageError> {
    let plan = super::current_plan(ctx, org).await?;
    let today = ctx.now().date_naive();
    Ok(plan.limits.history_months.map(|m| {
        today
            .checked_sub_months(Months::new(m))
            .and_then(|d| d.with_day(1))
            .unwrap_or(NaiveDate::MIN)
    }))
}
