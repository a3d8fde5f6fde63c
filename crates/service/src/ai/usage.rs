//! What each call to a model cost, recorded, and the organisation's monthly token allowance
//! (`FLOWSENSE_AI_MONTHLY_TOKENS`): once the calendar month's calls (UTC) reach it, no call is
//! made until the month renews.

use crate::Context;
use crate::orgs::{OrgAccess, OrgError};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use flowsense_ai::{ModelInfo, Usage};
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{AiCall, AiOutcome, AiPurpose, StorageError};
use uuid::Uuid;

/// Tokens (in and out) an organisation may use in a calendar month, unless the operator says.
pub const DEFAULT_MONTHLY_TOKENS: u64 = 2_000_000;

/// The instance's monthly allowance per organisation (0: no AI calls at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthlyTokens(pub u64);

impl Default for MonthlyTokens {
    fn default() -> Self {
        Self(DEFAULT_MONTHLY_TOKENS)
    }
}

/// Whether an organisation may call a model now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    Available {
        used: u64,
        limit: u64,
    },
    /// This month's allowance is used; it renews on `renews_on` (the 1st of next month, UTC).
    Used {
        renews_on: NaiveDate,
    },
}

impl Allowance {
    /// What the pages say when the allowance is used.
    #[must_use]
    pub fn message(renews_on: NaiveDate) -> String {
        format!(
            "This month's AI allowance is used; it renews on {}.",
            renews_on.format("%-d %B %Y")
        )
    }
}

/// The first instant of `now`'s calendar month (UTC).
#[must_use]
pub fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or(now.date_naive());
    Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN))
}

/// The day the allowance of `now`'s month renews: the 1st of the next month.
#[must_use]
pub fn renews_on(now: DateTime<Utc>) -> NaiveDate {
    let start = month_start(now).date_naive();
    start.checked_add_months(Months::new(1)).unwrap_or(start)
}

/// Whether `org` may call a model now, under the instance's allowance and its plan's.
///
/// # Errors
/// A database failure.
pub async fn allowance(ctx: &Context, org: OrgId) -> Result<Allowance, StorageError> {
    let now = ctx.now();
    let plan = crate::billing::current_plan(ctx, org).await?;
    let limit = plan
        .limits
        .ai_tokens_per_month
        .map_or(ctx.providers.ai_monthly_tokens.0, |p| {
            p.min(ctx.providers.ai_monthly_tokens.0)
        });
    let used = u64::try_from(ctx.store.ai_tokens_since(org, month_start(now)).await?).unwrap_or(0);
    Ok(if used >= limit {
        Allowance::Used {
            renews_on: renews_on(now),
        }
    } else {
        Allowance::Available { used, limit }
    })
}

/// What a call sent and how it ended, to record.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub org: OrgId,
    pub user: Option<UserId>,
    pub purpose: AiPurpose,
    pub model: ModelInfo,
    pub tools: Vec<String>,
    pub figures_sent: usize,
    pub rows_sent: usize,
    pub usage: Usage,
    pub outcome: AiOutcome,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Records one call (or one refused for the allowance) at the context's time.
///
/// # Errors
/// A database failure.
pub async fn record_call(ctx: &Context, call: CallRecord) -> Result<(), StorageError> {
    let to_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    ctx.store
        .record_ai_call(&AiCall {
            id: Uuid::new_v4(),
            org: call.org,
            user: call.user,
            purpose: call.purpose,
            provider: call.model.provider.to_owned(),
            model: call.model.model,
            tools: call.tools,
            figures_sent: count(to_u64(call.figures_sent)),
            rows_sent: count(to_u64(call.rows_sent)),
            input_tokens: count(call.usage.total_input()),
            output_tokens: count(call.usage.output_tokens),
            outcome: call.outcome,
            created_at: ctx.now(),
        })
        .await
}

/// The latest `limit` calls of `who`'s organisation, newest first: what was sent, never the
/// content (admins read them on the settings page).
///
/// # Errors
/// [`OrgError::RoleTooLow`] for anyone but an admin; a database failure.
pub async fn recent_calls(
    ctx: &Context,
    who: &OrgAccess,
    limit: i64,
) -> Result<Vec<AiCall>, OrgError> {
    if !who.role.allows(Role::Admin) {
        return Err(OrgError::RoleTooLow);
    }
    Ok(ctx.store.recent_ai_calls(who.org, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_renews_on_the_first_of_next_month() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a time");
        assert_eq!(
            month_start(at("2026-12-04T17:20:00Z")),
            at("2026-12-01T00:00:00Z")
        );
        assert_eq!(
            renews_on(at("2026-12-31T23:59:59Z")).to_string(),
            "2027-01-01"
        );
        assert_eq!(
            Allowance::message(renews_on(at("2026-02-10T00:00:00Z"))),
            "This month's AI allowance is used; it renews on 1 March 2026."
        );
    }
}
