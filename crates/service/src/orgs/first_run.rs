//! The first-run checklist a new organisation's dashboard shows until its books hold data:
//! what is done of the steps that make FlowSense useful, read from what is stored (nothing is
//! kept about the checklist itself).

use super::{OrgAccess, OrgError};
use crate::Context;

/// The steps after creating the organisation, each done or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstRun {
    /// Transactions have arrived (a file was imported or a sync wrote some).
    pub books_in: bool,
    /// A QuickBooks or Xero connection exists, so books are on their way.
    pub connected: bool,
    /// Someone else is a member, or has an invitation waiting.
    pub team_invited: bool,
    /// The organisation sends the weekly digest and the caller has not opted out of it.
    pub digest_on: bool,
}

/// Where the organisation stands on the first-run steps, as `who` sees it.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn first_run(ctx: &Context, who: &OrgAccess) -> Result<FirstRun, OrgError> {
    let store = &ctx.store;
    let org = store.org(who.org).await?;
    let members = store.members(who.org).await?.len();
    let team_invited = members > 1 || !store.open_invitations(who.org).await?.is_empty();
    Ok(FirstRun {
        books_in: store.count_transactions(who.org).await? > 0,
        connected: !store.connections(who.org).await?.is_empty(),
        team_invited,
        digest_on: org.settings.digests_enabled
            && store
                .notification_prefs(who.org, who.user)
                .await?
                .weekly_digest,
    })
}
