//! Membership: listing, invitations, role changes, removal and ownership transfer. Every change
//! keeps at least one admin (409 otherwise).

use super::{OrgAccess, OrgError};
use crate::email::{Message, invitation_token};
use crate::identity::crypto::sha256;
use crate::identity::{Caller, Client};
use crate::{Context, audit};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{Invitation, MemberDetail, NewInvitation, StorageError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub const INVITATION_DAYS: i64 = 7;

fn membership_error(e: StorageError) -> OrgError {
    match e {
        StorageError::Conflict(_) => OrgError::LastAdmin,
        other => other.into(),
    }
}

fn target(raw: &str) -> Result<UserId, OrgError> {
    raw.parse().map_err(|_| OrgError::NotFound)
}

#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn list(ctx: &Context, who: &OrgAccess) -> Result<Vec<MemberDetail>, OrgError> {
    Ok(ctx.store.member_details(who.org).await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub email: String,
    pub role: Role,
}

/// Invites an address with a role. The token (mailed, never stored in clear) starts with the
/// organisation's id so acceptance can look it up inside that tenant. An organisation sends at
/// most `invitations_per_org_per_day` in any 24 hours (counted from the audit log, so revoking
/// and re-sending counts too): the product must not be a mail relay.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn invite(
    ctx: &Context,
    who: &OrgAccess,
    input: InviteInput,
    client: &Client,
) -> Result<Invitation, OrgError> {
    let email = crate::identity::accounts::parse_email(&input.email)?;
    crate::billing::check_can_invite::<OrgError>(ctx, who.org).await?;
    let now = ctx.now();
    let sent_today = ctx
        .store
        .count_audit_actions_since(who.org, "invitation.created", now - TimeDelta::days(1))
        .await?;
    if sent_today >= ctx.limits.invitations_per_org_per_day {
        return Err(OrgError::TooManyInvitations {
            retry_after_secs: 3600,
        });
    }
    let id = Uuid::new_v4();
    let token = invitation_token(ctx, who.org, id);
    let mail = Message::Invitation {
        org: who.org,
        invitation: id,
        inviter: who.user,
    };
    let inv = ctx
        .store
        .create_invitation(
            who.org,
            &NewInvitation {
                id,
                email,
                role: input.role,
                token_hash: sha256(token.as_bytes()),
                invited_by: who.user,
                created_at: now,
                expires_at: now + TimeDelta::days(INVITATION_DAYS),
            },
            &[mail.job(now)],
        )
        .await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "invitation.created",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": input.role}),
    )
    .await?;
    Ok(inv)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub org_id: OrgId,
    pub role: Role,
}

/// Accepts an invitation for the signed-in user, whose verified address must be the invited one.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn accept(
    ctx: &Context,
    current: &Caller,
    token: &str,
    client: &Client,
) -> Result<Accepted, OrgError> {
    let inv = super::invitations::find(ctx, token).await?;
    let org = inv.org_id;
    let now = ctx.now();
    if let Some(refused) = super::invitations::refusal(&inv, current, now) {
        return Err(refused);
    }
    let role = ctx
        .store
        .accept_invitation(org, inv.id, current.id(), now)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => OrgError::InvitationUsed,
            other => other.into(),
        })?;
    audit::in_org(
        ctx,
        org,
        Some(current.id()),
        "invitation.accepted",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": role}),
    )
    .await?;
    Ok(Accepted { org_id: org, role })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub role: Role,
}

/// Changes a member's role (admins, with recent authentication).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn change_role(
    ctx: &Context,
    who: &OrgAccess,
    user: &str,
    role: Role,
    client: &Client,
) -> Result<MemberDetail, OrgError> {
    let user = target(user)?;
    ctx.store
        .change_role_keeping_an_admin(who.org, user, role)
        .await
        .map_err(membership_error)?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "member.role_changed",
        format!("user:{user}"),
        &client.ip,
        json!({"role": role}),
    )
    .await?;
    ctx.store
        .member_details(who.org)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or(OrgError::NotFound)
}

/// Removes a member (admins, with recent authentication).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn remove(
    ctx: &Context,
    who: &OrgAccess,
    user: &str,
    client: &Client,
) -> Result<(), OrgError> {
    let user = target(user)?;
    ctx.store
        .remove_member_keeping_an_admin(who.org, user)
        .await
        .map_err(membership_error)?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "member.removed",
        format!("user:{user}"),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(())
}

/// Signs a member out everywhere (every session of theirs, in any organisation, ends; their API
/// tokens stay, for their owner to revoke). Someone who is not a member is not found.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn end_sessions(
    ctx: &Context,
    who: &OrgAccess,
    user: &str,
    client: &Client,
) -> Result<u64, OrgError> {
    let user = target(user)?;
    let ended = ctx
        .store
        .delete_sessions_of_member(who.org, user)
        .await?
        .ok_or(OrgError::NotFound)?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "member.sessions_ended",
        format!("user:{user}"),
        &client.ip,
        json!({ "sessions": ended }),
    )
    .await?;
    Ok(ended)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub user: String,
    #[serde(default)]
    pub demote_self_to: Option<Role>,
}

/// Makes another member an admin and, optionally, steps the caller down.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn transfer_ownership(
    ctx: &Context,
    who: &OrgAccess,
    input: TransferInput,
    client: &Client,
) -> Result<(), OrgError> {
    let user = target(&input.user)?;
    ctx.store
        .change_role_keeping_an_admin(who.org, user, Role::Admin)
        .await
        .map_err(membership_error)?;
    if let Some(role) = input.demote_self_to.filter(|r| *r != Role::Admin) {
        ctx.store
            .change_role_keeping_an_admin(who.org, who.user, role)
            .await
            .map_err(membership_error)?;
    }
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "org.ownership_transferred",
        format!("user:{user}"),
        &client.ip,
        json!({"demoted_self_to": input.demote_self_to}),
    )
    .await?;
    Ok(())
}

/// Invitations not yet accepted, newest first (expired ones too, so they can be cleared).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn open_invitations(ctx: &Context, who: &OrgAccess) -> Result<Vec<Invitation>, OrgError> {
    Ok(ctx.store.open_invitations(who.org).await?)
}

/// Revokes an invitation that has not been accepted: its link stops working.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn revoke_invitation(
    ctx: &Context,
    who: &OrgAccess,
    id: &str,
    client: &Client,
) -> Result<(), OrgError> {
    let id: Uuid = id.parse().map_err(|_| OrgError::NotFound)?;
    let inv = ctx.store.revoke_invitation(who.org, id).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "invitation.revoked",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": inv.role}),
    )
    .await?;
    Ok(())
}
