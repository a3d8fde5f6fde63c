//! Reading an invitation from its token: who may see it, and in what state it is.

use super::OrgError;
use crate::Context;
use crate::identity::Caller;
use crate::identity::crypto::{b64url_decode, sha256};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role};
use flowsense_storage::Invitation;
use uuid::Uuid;

/// The invitation a token names. Tokens start with the organisation's id, so the lookup stays
/// inside that tenant; anything malformed or unknown is not found.
pub(crate) async fn find(ctx: &Context, token: &str) -> Result<Invitation, OrgError> {
    let token = token.trim();
    let raw = b64url_decode(token)
        .filter(|r| r.len() == 48)
        .ok_or(OrgError::NotFound)?;
    let org = OrgId(Uuid::from_slice(&raw[..16]).map_err(|_| OrgError::NotFound)?);
    ctx.store
        .invitation_by_token(org, &sha256(token.as_bytes()))
        .await?
        .ok_or(OrgError::NotFound)
}

/// Why an invitation cannot be accepted by `current` now, checked in the order that reveals
/// least: someone else's invitation says nothing more about itself.
pub(crate) fn refusal(inv: &Invitation, current: &Caller, now: DateTime<Utc>) -> Option<OrgError> {
    if current.user.email != inv.email {
        Some(OrgError::InvitationEmailMismatch)
    } else if inv.accepted_at.is_some() {
        Some(OrgError::InvitationUsed)
    } else if now >= inv.expires_at {
        Some(OrgError::InvitationExpired)
    } else if current.user.email_verified_at.is_none() {
        Some(OrgError::EmailNotVerified)
    } else {
        None
    }
}

/// What the invitation page shows before the user accepts.
#[derive(Debug, Clone)]
pub struct InvitationPreview {
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// The organisation and role an invitation offers the signed-in user, if they may accept it.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn preview(
    ctx: &Context,
    current: &Caller,
    token: &str,
) -> Result<InvitationPreview, OrgError> {
    let inv = find(ctx, token).await?;
    if let Some(e) = refusal(&inv, current, ctx.now()) {
        return Err(e);
    }
    let org = ctx.store.org(inv.org_id).await?;
    Ok(InvitationPreview {
        org_id: org.id,
        org_name: org.name,
        role: inv.role,
        expires_at: inv.expires_at,
    })
}
