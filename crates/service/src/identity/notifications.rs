//! A member's e-mail notifications, chosen per organisation (SPEC §6: the weekly digest goes to
//! each member who has not opted out).

use super::{Caller, IdentityError};
use crate::Context;
use flowsense_core::OrgId;
use flowsense_storage::NotificationPrefs;
use serde::{Deserialize, Serialize};

/// The user's choice in one of their organisations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgNotifications {
    pub org_id: OrgId,
    pub org_name: String,
    /// Whether the organisation sends digests at all (its admins decide).
    pub digests_enabled: bool,
    /// Whether this user wants the weekly digest from it.
    pub weekly_digest: bool,
}

/// The user's preferences in every organisation they belong to.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn list(ctx: &Context, current: &Caller) -> Result<Vec<OrgNotifications>, IdentityError> {
    let mut out = Vec::new();
    for org in ctx.store.orgs_of_user(current.id()).await? {
        let prefs = ctx.store.notification_prefs(org.id, current.id()).await?;
        let settings = ctx.store.org(org.id).await?.settings;
        out.push(OrgNotifications {
            org_id: org.id,
            org_name: org.name,
            digests_enabled: settings.digests_enabled,
            weekly_digest: prefs.weekly_digest,
        });
    }
    Ok(out)
}

/// One change, as the API takes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsPatch {
    pub org_id: String,
    pub weekly_digest: bool,
}

/// Turns the weekly digest of one of the user's organisations on or off. An organisation the
/// user does not belong to — missing, malformed or someone else's — is not found alike.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn set(
    ctx: &Context,
    current: &Caller,
    org: &str,
    weekly_digest: bool,
) -> Result<(), IdentityError> {
    let org: OrgId = org.trim().parse().map_err(|_| IdentityError::NotFound)?;
    ctx.store
        .set_notification_prefs(
            org,
            current.id(),
            NotificationPrefs { weekly_digest },
            ctx.now(),
        )
        .await?;
    Ok(())
}
